"""Per-format parse time of gxlib.read_report (the whole semantic parse ``gx parse`` does: reader →
extract → narrative → checks) beside a baseline measured in the same process, run for run
(ours, baseline, ours, baseline …) so that the load of a shared machine weighs on both sides:

* HTML: ``pandas.read_html`` on the same page (a bare table parse, no semantics) — target: ours ≤ ½.
* PDF: pdfplumber ``extract_tables()`` on every page of the same file — target: ours ≤ ¼.
* DOCX: python-docx opening the file and reading every table cell's text — no target.
* text (pipe / crawler), Markdown: no baseline; our time alone.

Figures are medians of ``--runs`` runs (default 15), wall clock and CPU time of this process
(``time.process_time``: what the parse itself costs when other processes share the cores);
the 1-minute load average is printed with each file; the target is judged on CPU time.

    python bench/bench_parse.py [--runs N] [FILES or folders ...]   (default: ../shared/corpus and its peer/)
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import gxlib

SUFFIXES = (".html", ".htm", ".txt", ".pdf", ".docx", ".md")
TARGET = {"html": 0.5, "pdf": 0.25}


def baseline(data: bytes, fmt: str):
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
    if fmt == "docx":
        import docx

        def walk():
            d = docx.Document(io.BytesIO(data))
            return [c.text for t in d.tables for row in t.rows for c in row.cells]

        return "python-docx table walk", walk
    return None, None


def timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def measure(ours, base, runs: int):
    """Medians (wall, cpu) of ours and of the baseline, run alternately."""
    ours()
    if base:
        base()
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours))
        if base:
            b.append(timed(base))
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    return (med(a, 0), med(a, 1)), ((med(b, 0), med(b, 1)) if b else None)


def files_of(args: list[Path]) -> list[Path]:
    out = []
    for a in args:
        for f in sorted(a.iterdir()) if a.is_dir() else [a]:
            if f.suffix in SUFFIXES and f.is_file() and f.name != "README.md":
                out.append(f)
    return out


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("paths", nargs="*", type=Path)
    a = p.parse_args(argv)
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    files = files_of(a.paths or [corpus, corpus / "peer"])
    print(f"gxlib {gxlib.PARSER_VERSION}; median of {a.runs} runs, ours and the baseline alternately; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'file':<34} {'format':<8} {'ours ms':>8} {'cpu':>6}  {'baseline':<25} {'base ms':>8} {'cpu':>6} "
          f"{'ratio':>6} {'cpu':>5}  {'load':>5}  target")
    for f in files:
        data = f.read_bytes()
        fmt = gxlib.read_report(f, data=data).rows["reports"][0]["format"]
        name, fn = baseline(data, fmt)
        (ow, oc), base = measure(lambda: gxlib.read_report(f, data=data), fn, a.runs)
        load = os.getloadavg()[0]  # the 1-minute load while this file was measured
        if base is None:
            print(f"{f.name[:34]:<34} {fmt:<8} {ow:>8.1f} {oc:>6.1f}  {'':<25} {'':>8} {'':>6} {'':>6} {'':>5}  {load:>5.2f}")
            continue
        (bw, bc), target = base, TARGET.get(fmt)
        # the target is read from CPU time: the load of a shared machine weighs on wall clock far more
        ok = "" if target is None else f"≤{target} {'ok' if oc / bc <= target else 'MISSED'}"
        print(f"{f.name[:34]:<34} {fmt:<8} {ow:>8.1f} {oc:>6.1f}  {name:<25} {bw:>8.1f} {bc:>6.1f} "
              f"{ow / bw:>6.2f} {oc / bc:>5.2f}  {load:>5.2f}  {ok}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
