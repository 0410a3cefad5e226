"""Try gxlib on a folder of real reports from elsewhere and print one line per document.

    .venv/bin/python bench/real_trial.py DIR

Per document: cells read, exact (a value, not ambiguous), ambiguous, the template identities
that fail (findings table2.* / table3.* / table4.*), reader findings, and, when
``NAME.expected.json`` sits beside the document ({"table.row.col": value} taken from the
source project's own test assertions, or derived by hand from the printed document), how many
expected cells are read exact / wrong / ambiguous / missing.  An expected value ``"?"`` is a cell
the document does not settle: it counts as *unsettled* when it is not stated (ambiguous,
unreadable or absent) and as *guessed* when gxlib states a value for it.  The documents are third-party: keep them outside the project.  To
compare with another checkout, run it with that checkout first on PYTHONPATH."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gxlib
from gxlib.errors import GxError

_IDENTITY = ("table2.", "table3.", "table4.")


def _row(path: Path) -> dict:
    c = gxlib.read_report(path).to_contract()
    cells = {f"{x['table']}.{x['row']}.{x['col']}": x for x in c["cells"]}
    out = {
        "doc": path.name, "agency": c["agency"], "year": c["year"], "error": c["error"],
        "cells": len(cells),
        "exact": sum(1 for x in cells.values() if x["value"] is not None and not x.get("ambiguous")),
        "ambiguous": sum(1 for x in cells.values() if x.get("ambiguous")),
        "identities_failing": sorted({f["rule"] for f in c["findings"] if f["rule"].startswith(_IDENTITY)}),
        "reader_findings": sum(1 for f in c["findings"] if f["rule"].startswith("extract.")),
    }
    expected = path.with_name(path.stem + ".expected.json")
    if expected.exists():
        want = json.loads(expected.read_text(encoding="utf-8"))
        tally = {"exact": 0, "wrong": 0, "ambiguous": 0, "missing": 0, "unsettled": 0, "guessed": 0}
        for key, v in want.items():
            got = cells.get(key)
            if v == "?":  # the document does not settle the cell: it must not come out stated
                stated = got is not None and not got.get("ambiguous") and got["value"] is not None
                tally["guessed" if stated else "unsettled"] += 1
                continue
            kind = ("missing" if got is None else "ambiguous" if got.get("ambiguous")
                    else "exact" if got["value"] == v else "wrong")
            tally[kind] += 1
        out["expected"] = tally
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    docs = sorted(p for p in Path(argv[0]).iterdir()
                  if p.suffix in (".html", ".htm", ".md", ".txt", ".pdf", ".docx", ".mht", ".mhtml") and not p.name.endswith(".expected.json"))
    print("| document | agency | year | cells | exact | ambiguous | identities failing | reader findings | expected (exact/wrong/amb/missing) | unsettled / guessed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in docs:
        try:
            r = _row(p)
        except GxError as e:  # a clear refusal (NotAReport …) is a result too, not a crash
            print(f"| {p.name} | — | — | refused: {type(e).__name__} | | | | | | |")
            continue
        e = r.get("expected")
        exp = f"{e['exact']}/{e['wrong']}/{e['ambiguous']}/{e['missing']}" if e else "—"
        uns = f"{e['unsettled']}/{e['guessed']}" if e else "—"
        print(f"| {r['doc']} | {r['agency']} | {r['year']} | {r['cells']} | {r['exact']} | {r['ambiguous']} | "
              f"{', '.join(r['identities_failing']) or 'none'} | {r['reader_findings']} | {exp} | {uns} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
