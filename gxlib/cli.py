"""``gx``: a thin command line over the library.

    gx parse FILE... [--json]          read reports; a summary, or the JSON contract (JSON Lines)
    gx check FILE... [--json]          findings grouped by report; exit 1 when an error-level one exists
    gx check DRAFT [LAST] --report OUT the 年报自检 check report as Excel (.xlsx) or a printable page (.html)
    gx explain FILE                    how each table row was matched (debugging a value)
    gx build SRC... -o DIR [...]       build a Parquet corpus (parallel, incremental)
    gx fetch URL... -o DIR [...]       collect a site's annual reports (politely, resumably, WARC)
    gx registry CORPUS [-o FILE]       the corpus' bodies, names, parents, roll-ups; write an editable registry
    gx demo-data OUT [...]             generate the synthetic demo corpus
    gx serve [--port N] [...]          serve the Voilà dashboards
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def _read(path: str):
    from .corpus import run_bounded
    from .report import read_report

    return run_bounded(path, lambda: read_report(path))


def _apply_budget(args: argparse.Namespace) -> None:
    """The budget options in force for this command (and the process's memory limit)."""
    from . import budget

    b = budget.from_args(args)
    budget.set_current(b)
    budget.limit_memory(b)


def _error_object(path: str, err: Exception) -> dict:
    return {
        "source": path,
        "sha256": None,
        "format": None,
        "agency": None,
        "year": None,
        "template": None,
        "published": None,
        "cells": [],
        "findings": [],
        "error": f"{type(err).__name__}: {err}",
    }


def cmd_parse(args: argparse.Namespace) -> int:
    _apply_budget(args)
    status = EXIT_OK
    for path in args.files:
        try:
            rep = _read(path)
        except Exception as e:  # noqa: BLE001 - one bad file must not lose the others' output
            status = EXIT_UNREADABLE
            if args.json:
                print(json.dumps(_error_object(path, e), ensure_ascii=False))
            else:
                print(f"{path}: 无法读取 cannot read — {type(e).__name__}: {e}", file=sys.stderr)
            continue
        if args.json:
            print(rep.to_json(provenance=args.where))
        else:
            print(_summary(rep))
    return status


def _summary(rep) -> str:
    r = rep.reports.row(0, named=True)
    lines = [
        f"{r['source']}",
        f"  发布机关 agency   {r['agency'] or '—'}",
        f"  年度 year         {r['year'] or '—'}    模板 template {r['template']}"
        + (f" (年度应为 expected {r['expected_template']})" if r["expected_template"] not in (None, r["template"]) else ""),
        f"  发布日期 published {r['published'] or '—'}    格式 format {r['format']}",
        f"  cells {r['n_cells']}: {r['n_by_print']} settled by print, {r['n_by_identities']} by the identities, "
        f"{r['n_ambiguous']} ambiguous, {r['n_unreadable']} unreadable    findings {rep.findings.height}",
    ]
    if r["table_templates"]:
        lines.append(f"  各表模板 tables  {r['table_templates']}")
    for table in ("proactive", "applications", "reviews"):
        sub = rep.cells.filter(rep.cells["table"] == table)
        if sub.height:
            filled = sub["value"].is_not_null().sum()
            lines.append(f"  表{ {'proactive': '二', 'applications': '三', 'reviews': '四'}[table]} {table:<13} {sub.height} cells, {filled} with a value")
    return "\n".join(lines)


def _cross_year(reports: list) -> dict[str, list[dict]]:
    """Corpus-scope findings (carry-over, 现行有效件数, copy-paste, outliers) across the files
    given together, by report_id: consecutive years of one agency check each other."""
    import polars as pl

    from .checks import check_corpus

    if len(reports) < 2:
        return {}
    found = check_corpus(pl.concat([r.reports for r in reports]), pl.concat([r.cells for r in reports]))
    out: dict[str, list[dict]] = {}
    for f in found.iter_rows(named=True):
        out.setdefault(f["report_id"], []).append(f)
    return out


def _write_check_report(args: argparse.Namespace) -> int:
    """``gx check DRAFT [LAST_YEAR] --report out.xlsx|out.html``: the 年报自检 page's check report."""
    from pathlib import Path

    from . import selfcheck

    if len(args.files) > 2:
        print("gx check --report: give the draft, optionally followed by last year's report", file=sys.stderr)
        return EXIT_UNREADABLE
    prev = None
    if len(args.files) == 2:
        try:
            prev = selfcheck.Previous.from_report(_read(args.files[1]))
        except Exception as e:  # noqa: BLE001
            print(f"{args.files[1]}: 无法读取 cannot read — {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_UNREADABLE
    res = selfcheck.check_path(args.files[0], prev)
    out = Path(args.report)
    if out.suffix.lower() in (".html", ".htm"):
        from .selfcheck_view import printable_html

        out.write_text(printable_html(res), encoding="utf-8")
    else:
        out.write_bytes(selfcheck.to_xlsx(res))
    print(f"{out}: {selfcheck.verdict(res)}" + (f" — {res.error}" if res.error else ""))
    return EXIT_UNREADABLE if not res.ok else EXIT_FINDINGS if res.count("error") else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    _apply_budget(args)
    if args.report:
        return _write_check_report(args)
    status = EXIT_OK
    read: list[tuple[str, object]] = []
    for path in args.files:
        try:
            read.append((path, _read(path)))
        except Exception as e:  # noqa: BLE001 - reported as unreadable (exit 2), the rest goes on
            status = max(status, EXIT_UNREADABLE)
            read.append((path, e))
    corpus_findings = _cross_year([r for _, r in read if not isinstance(r, Exception)])
    for path, rep in read:
        if isinstance(rep, Exception):
            e = rep
            if args.json:
                print(json.dumps({"source": path, "findings": [], "error": f"{type(e).__name__}: {e}"}, ensure_ascii=False))
            else:
                print(f"{path}: 无法读取 cannot read — {type(e).__name__}: {e}", file=sys.stderr)
            continue
        contract = rep.to_contract()
        extra = corpus_findings.get(rep.report_id, [])
        contract["findings"] += [{k: f[k] for k in ("rule", "severity", "message", "table", "row", "col")} for f in extra]
        if args.json:
            print(json.dumps({"source": contract["source"], "findings": contract["findings"], "error": None}, ensure_ascii=False))
        else:
            print(f"{path}  ({contract['agency'] or '—'} {contract['year'] or ''}, template {contract['template']})")
            if not contract["findings"]:
                print("  no findings 未发现问题")
            for f in contract["findings"]:
                at = ".".join(x for x in (f["table"], f["row"], f["col"]) if x)
                print(f"  [{f['severity']}] {f['rule']}  {at}  {f['message']}")
        if any(f["severity"] == "error" for f in contract["findings"]) and status == EXIT_OK:
            status = EXIT_FINDINGS
    return status


def cmd_explain(args: argparse.Namespace) -> int:
    from .corpus import run_bounded
    from .extract import explain
    from .metadata import read_metadata
    from .readers import read_document
    from .spec import template_for_year

    _apply_budget(args)
    try:
        def run():
            doc = read_document(args.file)
            year = read_metadata(doc).year
            return explain(doc, template_for_year(year) if year else None)

        print(run_bounded(args.file, run))
    except Exception as e:  # noqa: BLE001
        print(f"{args.file}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .corpus import main as build_main

    roster = None
    if args.roster:  # read before building: a bad roster changes nothing
        from .roster import RosterError, read_roster

        try:
            roster = read_roster(args.roster)
        except RosterError as e:
            print(f"gx build: {e}", file=sys.stderr)
            return 2
    rc = build_main(args)
    if rc == 0 and roster is not None:
        from .roster import write_roster

        out = write_roster(roster, args.output)
        print(f"gx build: roster of {roster.height} agencies stored as {out}")
        from .aggregates import refresh

        refresh(args.output)  # the dashboards' aggregates with the roster's levels and types
    return rc


def cmd_registry(args: argparse.Namespace) -> int:
    from .registry.cli import main as registry_main

    return registry_main(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate

    try:
        first, _, last = args.years.partition("-")
        years = (int(first), int(last or first))
    except ValueError:
        print(f"--years: expected e.g. 2019-2025, got {args.years!r}", file=sys.stderr)
        return EXIT_UNREADABLE
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    summary = generate(args.out_dir, agencies=args.agencies, years=years, formats=formats, seed=args.seed,
                       fault_rate=args.fault_rate, workers=args.workers)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run

    return run(args)


def parser() -> argparse.ArgumentParser:
    from . import budget

    p = argparse.ArgumentParser(prog="gx", description="政府信息公开工作年度报告 — read, check and chart annual reports")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("parse", help="read reports: a summary, or --json (the contract, one object per line)")
    sp.add_argument("files", nargs="+")
    sp.add_argument("--json", action="store_true", help="print the JSON contract (JSON Lines, argument order)")
    sp.add_argument("--where", action="store_true",
                    help="with --json: add each cell's source position (where) and findings' expected/actual")
    budget.add_arguments(sp)
    sp.set_defaults(func=cmd_parse)

    sc = sub.add_parser("check", help="findings by report (files of consecutive years also check each other); "
                        "exit 1 when an error-level finding exists")
    sc.add_argument("files", nargs="+")
    sc.add_argument("--json", action="store_true", help="print findings in the contract's form")
    sc.add_argument("--report", metavar="OUT", default=None,
                    help="write the 年报自检 check report of FILE (then optionally last year's report) "
                         "to OUT: .xlsx (Excel) or .html (printable page)")
    budget.add_arguments(sc)
    sc.set_defaults(func=cmd_check)

    se = sub.add_parser("explain", help="how each table row of FILE was matched to the template")
    se.add_argument("file")
    budget.add_arguments(se)
    se.set_defaults(func=cmd_explain)

    sb = sub.add_parser("build", help="build a Parquet corpus from folders/zips of reports")
    sb.add_argument("sources", nargs="*")
    sb.add_argument("-o", "--output", required=True, help="corpus directory")
    sb.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    sb.add_argument("--dask-scheduler", default=None, help="address of a Dask scheduler (tcp://host:8786)")
    sb.add_argument("--aliases", default=None, help="CSV/TSV alias table: alias,canonical agency names")
    sb.add_argument("--registry", default=None, help="registry file (CSV or .xlsx): keys, names, level, type, parent (gxlib.registry)")
    sb.add_argument("--no-progress", action="store_true")
    sb.add_argument("--verify", action="store_true",
                    help="check every part of DIR (schema, row counts, readability); name the damaged ones; no SRC needed")
    sb.add_argument("--repair", action="store_true", help="rebuild damaged parts from the sources (implies a full verify)")
    budget.add_arguments(sb)
    sb.add_argument("--roster", default=None, help="CSV/TSV/Excel list of who must publish (see gxlib.roster); "
                    "stored in the corpus as roster.csv")
    sb.set_defaults(func=cmd_build)

    from .fetch.command import add_parser as add_fetch

    add_fetch(sub)

    sr = sub.add_parser("registry", help="bodies, names across years, parents and roll-ups of a built corpus")
    sr.add_argument("corpus")
    sr.add_argument("-o", "--output", default=None, help="write the editable registry file (.csv or .xlsx)")
    sr.set_defaults(func=cmd_registry)

    sd = sub.add_parser("demo-data", help="generate a synthetic demo corpus with ground truth")
    sd.add_argument("out_dir")
    sd.add_argument("--agencies", type=int, default=50)
    sd.add_argument("--years", default="2019-2025", help="e.g. 2019-2025")
    sd.add_argument("--formats", default="html,text,pdf,docx")
    sd.add_argument("--seed", type=int, default=0)
    sd.add_argument("--fault-rate", type=float, default=0.1, help="share of reports with an injected fault")
    sd.add_argument("--workers", type=int, default=1)
    sd.set_defaults(func=cmd_demo)

    sv = sub.add_parser("serve", help="serve the dashboards with Voilà")
    sv.add_argument("--port", type=int, default=None)
    sv.add_argument("--corpus", default=None, help="a built corpus directory (default: bundled demo data)")
    sv.add_argument("--no-browser", action="store_true")
    from .serve import add_service_args

    add_service_args(sv)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
