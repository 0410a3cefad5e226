"""A synthetic demo corpus of annual reports, with ground truth beside every file.

``generate(out_dir, agencies=50, years=(2019, 2025), formats=("html", "text", "pdf", "docx"),
seed=0, fault_rate=0.1)`` writes, for each agency and year it publishes, one report in its
year's template and one of the requested formats, plus ``<file>.truth.json`` (the
``gx parse --json`` contract object of what the document prints, plus the injected
``faults`` and the agency's key, level, type and region), ``agencies.json`` and
``manifest.json``.  The same seed gives byte-identical files: every random stream is
derived from the seed, the agency key and the year, never from generation order.

示例数据，非真实报告 / synthetic demo data, not real reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from gxlib import spec

from . import faults as F
from .agencies import Agency, select
from .layout import Report
from .narrative import compose, publication_date
from .numbers import AgencySim, table_values

__all__ = ["generate", "main", "GENERATOR_VERSION", "NOTICE", "FORMATS"]

GENERATOR_VERSION = "gxdemo-1"
NOTICE = "示例数据，非真实报告 / synthetic demo data, not real reports"
FORMATS = ("html", "text", "pdf", "docx")
MISSING_RATE = 0.06  # an agency skips publishing a year's report


def _renderer(fmt: str):
    if fmt == "text":
        from .render_text import render
    elif fmt == "html":
        from .render_html import render
    elif fmt == "pdf":
        from .render_pdf import render
    elif fmt == "docx":
        from .render_docx import render
    else:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return render


def _style(rng: random.Random, fmt: str, tpl: str) -> dict:
    s: dict = {
        "blank": rng.choices(("zero", "blank", "mixed"), (0.45, 0.35, 0.2))[0],
        "blank_token": rng.choices(("", "-", "/", "—", "无"), (0.85, 0.05, 0.04, 0.03, 0.03))[0],
        "plus_sign": rng.random() < 0.4,
        "money_style": rng.choices(("plain", "wan", "yuan"), (0.5, 0.3, 0.2))[0],
        "fee_decimals": 2 if rng.random() < 0.6 else 6,
        "t2_misaligned": tpl == "2019" and rng.random() < 0.3,
    }
    if fmt == "text":
        s |= {
            "halfwidth": rng.random() < 0.8,
            "title_split": rng.random() < 0.3,
            "trunc_head": tpl == "2019" and rng.random() < 0.3,
            "group_space": rng.random() < 0.6,
            "footer": rng.random() < 0.5,
        }
    elif fmt == "html":
        s |= {
            "html_page": "full" if rng.random() < 0.6 else "fragment",
            "encoding": rng.choices(("utf-8", "gbk-declared", "gbk-undeclared"), (0.65, 0.2, 0.15))[0],
            "charset_label": rng.choice(("gbk", "gb2312", "GBK", "GB2312")),
            "html_p": rng.random() < 0.6,
            "html_p_blank": rng.random() < 0.5,
            "html_br": rng.random() < 0.7,
            "html_inline": rng.random() < 0.5,
            "html_strong": rng.random() < 0.5,
            "html_date_line": rng.random() < 0.4,
        }
    return s


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def _print_cells(report: Report, values: dict) -> None:
    """Printed text and value of every cell: zeros left blank as the style says, money as
    万元 / 元 text, signed increments."""
    st = report.style
    token = st["blank_token"]
    raws: dict = {}
    out: dict = {}
    dept = report.agency.type == "部门"
    for key in report.cell_order():
        t, r, c = key
        v = values[key]
        blank = False
        if v == 0:
            if t == "proactive":
                blank = st["blank"] == "blank" and r == "regulations" and dept
            elif st["blank"] == "blank":
                blank = True
            elif st["blank"] == "mixed":
                if t == "applications":
                    blank = r not in ("new_received", "total_handled") and c != "total"
                else:
                    blank = key != ("reviews", "litigation_after_reconsideration", "total")
        if blank:
            out[key], raws[key] = None, token
            continue
        if c == "change":
            raw = f"+{v}" if v > 0 and st["plus_sign"] else str(v)
        elif c == "amount" and r == "procurement":
            if v == 0:
                raw = "0"
            elif st["money_style"] == "yuan":
                yuan = round(v * 10000)
                raw, v = f"{yuan}元", yuan / 10000
            elif st["money_style"] == "wan":
                raw = _num(v) + "万元"
            else:
                raw = _num(v)
            v = round(v, 6)
        elif c == "amount":
            raw = "0" if v == 0 else f"{v:.{st['fee_decimals']}f}"
            v = float(raw)
        else:
            raw = str(v)
        out[key], raws[key] = v, raw
    report.values, report.raws = out, raws


def _agency_reports(agency: Agency, seed: int, years: list[int], formats: tuple[str, ...], fault_rate: float):
    """Yield the reports of one agency, year by year (the state links consecutive years)."""
    sim = AgencySim(agency, seed)
    offset = random.Random(f"gxdemo|{seed}|{agency.key}|formats").randrange(len(formats))
    prev_published = False
    for year in years:
        base = f"gxdemo|{seed}|{agency.key}|{year}"
        rng_num = random.Random(base + "|numbers")
        rng_fault = random.Random(base + "|faults")
        rng_style = random.Random(base + "|style")
        rng_text = random.Random(base + "|text")
        publishes = random.Random(base + "|publishes").random() >= MISSING_RATE
        if not publishes:
            sim.year(year, rng_num)
            prev_published = False
            continue
        kinds = F.plan(rng_fault, fault_rate, year, prev_published)
        fmt = formats[(offset + year) % len(formats)]
        expected = spec.template_for_year(year)
        tpl = "2019" if "template.year_mismatch" in kinds else expected
        single_other = tpl == "2021" and rng_style.random() < 0.04
        style = _style(rng_style, fmt, tpl)
        fault_list: list[dict] = []
        if tpl != expected:
            fault_list.append({"kind": "template", "rule": "template.year_mismatch", "table": None, "row": None,
                               "col": None, "printed": tpl, "expected": expected})
        carry = None
        if "cross_year.carry_over" in kinds:
            i = rng_fault.choices(range(len(spec.APPLICANT_COLS)), (6, 2, 1, 1, 1, 1))[0]
            prev = sim.carried_forward[i]
            d = rng_fault.choice((1, 2, 3, -1, -2)) if prev else rng_fault.randint(1, 3)
            d = max(d, -prev)
            carry = (i, d)
            for col, exp in ((spec.APPLICANT_COLS[i], prev), ("total", sum(sim.carried_forward))):
                fault_list.append({"kind": "cross_year", "rule": "cross_year.carry_over", "table": "applications",
                                   "row": "carried_over", "col": col, "expected": exp, "printed": exp + d})
        u = sim.year(year, rng_num, carry)
        values = table_values(u, sim, tpl, single_other, rng_num)
        report = Report(agency, year, tpl, single_other, fmt, {}, {}, {}, None, None, style=style)  # type: ignore[arg-type]
        report.faults = fault_list
        app_rows = report.app_rows()
        for rule in kinds:
            if rule in F.ARITHMETIC:
                fault_list.extend(F.arithmetic(rng_fault, rule, values, app_rows))
        fault_list[:] = F.still_broken(fault_list, values, app_rows)
        if any(f["kind"] == "arithmetic" for f in fault_list):
            # print zeros as 0 so the broken identity is stated on the page (a blank side of an
            # identity reads as "not filled", which the checks rightly do not call an error)
            report.style = {**report.style, "blank": "zero"}
        _print_cells(report, values)
        labels = {}
        for t in spec.TABLES:
            for r in report.table_rows(t):
                labels[(t, r.code)] = r.leaf
        if "label_typo" in kinds:
            t = rng_fault.choice(("proactive", "applications", "applications"))
            r = rng_fault.choice(report.table_rows(t)).code
            printed = F.typo(rng_fault, labels[(t, r)], t, tpl)
            fault_list.append({"kind": "label_typo", "rule": None, "table": t, "row": r, "col": None,
                               "printed": printed, "official": labels[(t, r)]})
            labels[(t, r)] = printed
        report.row_labels = labels
        late = "timeliness.late" in kinds
        report.published, report.deadline = publication_date(rng_text, report, late)
        if late:
            fault_list.append({"kind": "timeliness", "rule": "timeliness.late", "table": None, "row": None,
                               "col": None, "published": report.published.isoformat(),
                               "deadline": report.deadline.isoformat()})
        compose(report, rng_text, kinds)
        prev_published = True
        yield report


def _write_agency(args) -> dict:
    agency, seed, years, formats, fault_rate, out = args
    out = Path(out)
    stats: Counter = Counter()
    for report in _agency_reports(agency, seed, years, formats, fault_rate):
        data = _renderer(report.format)(report)
        path = out / "reports" / report.filename
        path.write_bytes(data)
        truth = report.truth(data)
        (out / "reports" / (report.filename + ".truth.json")).write_text(
            json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        stats[f"format:{report.format}"] += 1
        stats[f"template:{report.template}"] += 1
        stats["reports"] += 1
        for f in report.faults:
            stats[f"fault:{f['rule'] or f['kind']}"] += 1
        stats["faulty_reports"] += bool(report.faults)
    stats["missing"] += len(years) - sum(v for k, v in stats.items() if k.startswith("format:"))
    return dict(stats)


def _years(years) -> list[int]:
    if isinstance(years, str):
        a, _, b = years.partition("-")
        return list(range(int(a), int(b or a) + 1))
    years = list(years)
    if len(years) == 2 and years[1] > years[0] + 1:
        return list(range(years[0], years[1] + 1))
    return sorted(years)


def generate(
    out_dir,
    agencies: int = 50,
    years=(2019, 2025),
    formats=FORMATS,
    seed: int = 0,
    fault_rate: float = 0.1,
    workers: int = 1,
) -> dict:
    """Write the demo corpus into ``out_dir`` and return a summary (counts per format,
    template and fault rule; elapsed seconds).  ``years`` is an inclusive ``(first, last)``
    pair, a list of years or ``"2019-2025"``; ``formats`` a sequence or ``"html,text"``."""
    t0 = time.perf_counter()
    if isinstance(formats, str):
        formats = tuple(f.strip() for f in formats.split(",") if f.strip())
    formats = tuple(formats)
    for f in formats:
        _renderer(f)
    if not formats:
        raise ValueError("no formats")
    ys = _years(years)
    out = Path(out_dir)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    chosen = select(agencies, seed)
    jobs = [(a, seed, ys, formats, fault_rate, str(out)) for a in chosen]
    total: Counter = Counter()
    if workers and workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for st in ex.map(_write_agency, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
                total.update(st)
    else:
        for job in jobs:
            total.update(_write_agency(job))
    (out / "agencies.json").write_text(
        json.dumps([a.to_json() for a in chosen], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    counts = {
        "reports": total.get("reports", 0),
        "missing_reports": total.get("missing", 0),
        "faulty_reports": total.get("faulty_reports", 0),
        "per_format": {k.split(":", 1)[1]: v for k, v in sorted(total.items()) if k.startswith("format:")},
        "per_template": {k.split(":", 1)[1]: v for k, v in sorted(total.items()) if k.startswith("template:")},
        "faults": {k.split(":", 1)[1]: v for k, v in sorted(total.items()) if k.startswith("fault:")},
    }
    manifest = {
        "notice": NOTICE,
        "generator": "gxlib.demo",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "args": {"agencies": agencies, "years": [ys[0], ys[-1]] if ys else [], "formats": list(formats),
                 "seed": seed, "fault_rate": fault_rate},
        "agencies": len(chosen),
        "counts": counts,
        "layout": "reports/<agency_key>_<year>.<ext> with <file>.truth.json beside it; agencies.json",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**counts, "out_dir": str(out), "agencies": len(chosen), "seconds": round(time.perf_counter() - t0, 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gx demo-data", description=f"Write a synthetic demo corpus ({NOTICE}).")
    p.add_argument("out_dir")
    p.add_argument("--agencies", type=int, default=50)
    p.add_argument("--years", default="2019-2025", help="inclusive range, e.g. 2019-2025")
    p.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: html,text,pdf,docx")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fault-rate", type=float, default=0.1)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    summary = generate(a.out_dir, a.agencies, a.years, a.formats, a.seed, a.fault_rate, workers=a.workers)
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
