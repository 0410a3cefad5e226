"""Per-format parse time of gxlib.read_report (median of several runs) beside a baseline
measured in the same run:

* HTML: ``pandas.read_html`` on the same page (a bare table parse, no semantics) — target: ours ≤ ½.
* PDF: pdfplumber ``extract_tables()`` on every page of the same file — target: ours ≤ ¼.
* text (pipe / crawler), DOCX: no baseline; our time alone.

    python bench/bench_parse.py [FILES or folders ...]   (default: ../shared/corpus)
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import gxlib

RUNS = 7


def median_ms(fn) -> float:
    fn()  # warm
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def baseline(path: Path, data: bytes, fmt: str):
    if fmt == "html":
        import pandas as pd

        from gxlib.readers.html import decode

        text = decode(data)
        return "pandas.read_html", lambda: pd.read_html(io.StringIO(text))
    if fmt == "pdf":
        import pdfplumber

        def plumber():
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for page in pdf.pages:
                    page.extract_tables()

        return "pdfplumber.extract_tables", plumber
    return None, None


def main(argv: list[str]) -> None:
    args = [Path(a) for a in argv] or [Path(__file__).resolve().parents[2] / "shared" / "corpus"]
    files = sorted(f for a in args for f in (a.iterdir() if a.is_dir() else [a])
                   if f.suffix in (".html", ".htm", ".txt", ".pdf", ".docx") and not f.name.endswith(".truth.json"))
    print(f"{'file':<36} {'format':<6} {'gxlib ms':>9} {'baseline':<26} {'base ms':>8} {'ratio':>6} target")
    for f in files:
        data = f.read_bytes()
        fmt = gxlib.read_report(f).reports["format"][0]
        ours = median_ms(lambda: gxlib.read_report(f, data=data))
        name, fn = baseline(f, data, fmt)
        if fn is None:
            print(f"{f.name[:36]:<36} {fmt:<6} {ours:>9.1f}")
            continue
        base = median_ms(fn)
        target = 0.5 if fmt == "html" else 0.25
        ok = "ok" if ours / base <= target else "MISSED"
        print(f"{f.name[:36]:<36} {fmt:<6} {ours:>9.1f} {name:<26} {base:>8.1f} {ours / base:>6.2f} ≤{target} {ok}")


if __name__ == "__main__":
    main(sys.argv[1:])
