"""Time gxlib's PDF reader against pdfplumber's ``extract_tables()`` on every page.

Usage::

    .venv/bin/python bench/bench_pdf.py [-n RUNS] [extra.pdf ...]

Reads every ``*.pdf`` in ``../shared/corpus`` (next to the project) plus any path given,
and prints for each file the median of RUNS (default 7, at least 5) runs of
``gxlib.readers.pdf.read`` and of pdfplumber opening the file and calling
``extract_tables()`` on every page, and their ratio (ours / pdfplumber; the target is
≤ 0.25).  Both sides start from the file's bytes already in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxlib.readers import pdf as gx_pdf  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up (imports, font caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(path: pathlib.Path, runs: int) -> tuple[float, float, int]:
    import pdfplumber

    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    def ours():
        return gx_pdf.read(path, data, sha)

    def plumber():
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_tables() for page in pdf.pages]

    grids = len(ours().grids)
    return _median_ms(ours, runs), _median_ms(plumber, runs), grids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=7, help="runs per file (≥5)")
    ap.add_argument("paths", nargs="*", type=pathlib.Path)
    args = ap.parse_args(argv)
    runs = max(5, args.runs)
    paths = sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
    paths += args.paths
    if not paths:
        print(f"no PDFs: {CORPUS} is absent and no path was given", file=sys.stderr)
        return 1
    print(f"{'file':40} {'pages':>5} {'grids':>5} {'gxlib ms':>9} {'plumber ms':>10} {'ratio':>6}")
    for p in paths:
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(p.read_bytes()))
        ours, theirs, grids = bench(p, runs)
        print(f"{p.name[:40]:40} {pages:5d} {grids:5d} {ours:9.1f} {theirs:10.1f} {ours / theirs:6.2f}")
    print(f"(median of {runs} runs each; ratio = gxlib / pdfplumber extract_tables on every page)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
