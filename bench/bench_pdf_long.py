"""Time gxlib's PDF reader on one ruled table continuing over 50 … 2,000 pages (issue 16: the grid
builder must be n log n, not n²).

Usage::

    .venv/bin/python bench/bench_pdf_long.py [--pages 50 200 400 1000 2000] [--rows 40]

The PDFs are drawn with reportlab cell by cell, as the demo generator draws its tables (a header
row, then label + numbers rows, 40 rows a page), in a temp folder.  Prints per size: pages, rows
read, wall and CPU seconds for ``gxlib.readers.pdf.read`` (the page limit raised for the run) and
CPU seconds per 100 pages (flat = linear; CPU time, because wall time on a shared machine says
more about the neighbours).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gxlib import budget  # noqa: E402
from gxlib.readers import pdf as gx_pdf  # noqa: E402
from hostile_inputs import long_table_pdf  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[50, 200, 400, 1000, 2000])
    ap.add_argument("--rows", type=int, default=40, help="table rows per page")
    a = ap.parse_args()
    print(f"{'pages':>6} {'rows read':>10} {'make s':>7} {'read s':>8} {'cpu s':>7} {'cpu s / 100 pages':>18}")
    with tempfile.TemporaryDirectory() as d, budget.using(budget.Budget(max_pdf_pages=max(a.pages))):
        for n in a.pages:
            p = Path(d) / f"long_{n}.pdf"
            t0 = time.perf_counter()
            long_table_pdf(p, n, a.rows)
            made = time.perf_counter() - t0
            data = p.read_bytes()
            t0, c0 = time.perf_counter(), time.process_time()
            doc = gx_pdf.read(p, data, hashlib.sha256(data).hexdigest())
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            rows = sum(len(g.rows) for g in doc.grids)
            print(f"{n:>6} {rows:>10} {made:>7.1f} {took:>8.2f} {cpu:>7.2f} {100 * cpu / n:>18.3f}", flush=True)


if __name__ == "__main__":
    main()
