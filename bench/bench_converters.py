"""gxlib on the output of real converters: a table of converters × documents, scored against gold.

Usage::

    .venv/bin/python bench/bench_converters.py [-v] [-o DIR] [--only NAME ...]

Converts every real HTML / PDF source of ``../shared/corpus`` that has gold with each installed
converter (pymupdf4llm, markitdown, pdftotext, pandoc, html2text, markdownify, LibreOffice; see
``bench/converters.py``), reads each output with ``gxlib.read_report`` and prints, per output,
the gold cells read exactly, flagged ambiguous, WRONG (a stated value that is not gold's) and
missing.  ``-v`` lists the cells that are not exact.  Conversions go to DIR (default: a
temporary directory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import converters  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", action="store_true", help="list the cells that are not exact")
    ap.add_argument("-o", type=Path, help="keep the conversions in this directory")
    ap.add_argument("--only", nargs="*", help="only these converters")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = a.o or Path(tmp)
        rows = converters.trials(out, names=set(a.only) if a.only else None)
        print(f"{'document':34} {'converter':44} {'exact':>9} {'ambig':>5} {'WRONG':>5} {'miss':>5}")
        tot = converters.Score()
        for t in rows:
            if t.path is None:
                print(f"{t.source:34} {t.chain:44} converter failed: {t.error}")
                continue
            s = converters.score(t.path, t.gold)
            for f in ("exact", "ambiguous", "wrong", "missing", "of"):
                setattr(tot, f, getattr(tot, f) + getattr(s, f))
            print(f"{t.source:34} {t.chain:44} {s.exact:>4}/{s.of:<4} {s.ambiguous:>5} {s.wrong:>5} {s.missing:>5}"
                  + (f"  {s.error}" if s.error else ""))
            if a.v and s.exact < s.of:
                for line in converters.diff(t.path, t.gold)[:12]:
                    print("      " + line)
        print(f"{'all':34} {len(rows):<44} {tot.exact:>4}/{tot.of:<4} {tot.ambiguous:>5} {tot.wrong:>5} {tot.missing:>5}")


if __name__ == "__main__":
    main()
