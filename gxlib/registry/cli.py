"""``gx registry CORPUS [-o FILE]``: the bodies of a built corpus, their names across years,
parents and roll-up coverage; ``-o`` writes the editable registry file (CSV or .xlsx) to correct and
feed back with ``gx build --registry FILE``."""

from __future__ import annotations

import sys

import polars as pl


def _names(names: list[dict]) -> str:
    out = []
    for n in names or []:
        ys = n["years"]
        span = (f"{ys[0]}" if len(ys) == 1 else f"{ys[0]}–{ys[-1]}") if ys else ""
        out.append(f"{n['name']} {span}".strip())
    return "；".join(out)


def main(args) -> int:
    from ..corpus import CorpusError, load_corpus
    from . import coverage, write_registry

    try:
        c = load_corpus(args.corpus)
    except CorpusError as e:
        print(f"gx registry: {e}", file=sys.stderr)
        return 2
    reg = c.registry.collect()
    if reg.is_empty():
        print(f"gx registry: {args.corpus} has no registry table (rebuild it with this gxlib: gx build … -o {args.corpus})",
              file=sys.stderr)
        return 2
    print(f"{reg.height} bodies in {c.path}")
    for r in reg.sort("parent_key", "agency_key", nulls_last=False).iter_rows(named=True):
        parent = f"  ⟵ {r['parent_key']} ({r['parent_source']})" if r["parent_key"] else ""
        print(f"  {r['agency_key']}  [{r['level'] or '?'} {r['agency_type'] or '?'}; {r['n_reports']} reports]{parent}")
        if len(r["names"] or []) > 1:
            print(f"      names: {_names(r['names'])}")
    cov = coverage(c)
    if cov.height:
        print("roll-ups (consolidated report vs its members):")
        for s in cov["statement"]:
            print(f"  {s}")
    cands = c.findings_corpus.filter(pl.col("rule") == "registry.rename_candidate").collect()
    for m in cands["message"]:
        print(f"  rename? {m}")
    if args.output:
        p = write_registry(reg, args.output)
        print(f"wrote {p} (edit it, then: gx build SRC -o {args.corpus} --registry {p})")
    return 0
