"""Benchmark the demo-corpus generator: reports per second for each format.

    .venv/bin/python bench/bench_demo.py                 # ~1000 text/html, ~100 pdf/docx reports
    .venv/bin/python bench/bench_demo.py --scale 10 --workers 2   # ~10,000 text/html reports

Each format is generated alone (all years 2019-2025, so about 7 reports per agency).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from gxlib.demo import generate


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0, help="multiply the report counts")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--formats", default="text,html,pdf,docx")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    target = {"text": 1000, "html": 1000, "pdf": 100, "docx": 100}
    print(f"{'format':<6} {'reports':>8} {'seconds':>8} {'reports/s':>10}  (workers={a.workers})")
    for fmt in a.formats.split(","):
        agencies = max(1, round(target[fmt] * a.scale / 6.6))  # ~6.6 published reports per agency
        out = Path(tempfile.mkdtemp(prefix=f"gxdemo-bench-{fmt}-"))
        try:
            t0 = time.perf_counter()
            s = generate(out, agencies=agencies, years=(2019, 2025), formats=(fmt,), seed=a.seed, workers=a.workers)
            dt = time.perf_counter() - t0
            n = s["reports"]
            print(f"{fmt:<6} {n:>8} {dt:>8.2f} {n / dt:>10.1f}", flush=True)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
