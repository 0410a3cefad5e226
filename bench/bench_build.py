"""Benchmark ``gx build``: build time, reports/s, reports/s per worker, peak RSS, linearity.

    .venv/bin/python bench/bench_build.py                 # N = 1k and 10k (html + text)
    .venv/bin/python bench/bench_build.py --sizes 1000    # one size
    .venv/bin/python bench/bench_build.py --big           # also 100k (slow: ~1 h of CPU at ~25 ms/report)
    .venv/bin/python bench/bench_build.py --sizes 10000 100000 --no-dask --only-two   # issue 14's figures
    .venv/bin/python bench/bench_build.py --keep DIR      # keep inputs/corpora under DIR (bench_load can reuse them)

Inputs come from ``gxlib.demo.generate`` (synthetic reports; never the real ones).  Each size is built
with 1 local worker, 2 local workers, and a Dask ``LocalCluster(n_workers=2, threads_per_worker=1)``.
Figures are printed, not asserted.  Peak RSS is sampled (psutil) over this process and all its
descendants (pool workers, Dask nanny + workers) and summed across processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxlib.corpus import build_corpus  # noqa: E402


class PeakRSS:
    """Samples the summed RSS of this process tree every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def generate(n: int, where: Path) -> Path:
    from gxlib import demo

    src = where / f"src-{n}"
    if src.exists():
        return src
    agencies = max(1, round(n / 6.6))  # ~7 years x ~94% published, one format each
    t0 = time.perf_counter()
    # the generator's pool holds ~2,900 invented agencies: larger sizes are several seeds' corpora
    chunk = 2500
    total, per_format = 0, {}
    for k, start in enumerate(range(0, agencies, chunk)):
        info = demo.generate(src / f"seed-{7 + k}" if agencies > chunk else src, agencies=min(chunk, agencies - start),
                             years=(2019, 2025), formats=("html", "text"), seed=7 + k, fault_rate=0.1,
                             workers=os.cpu_count() or 1)
        total += info["reports"]
        for f, c in info["per_format"].items():
            per_format[f] = per_format.get(f, 0) + c
    print(f"  generated {total} reports ({per_format}) in {time.perf_counter() - t0:.1f}s")
    return src


def run(label: str, src: Path, out: Path, n_workers: int, **kw) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    with PeakRSS() as rss:
        s = build_corpus([src], out, progress=False, **kw)
    rate = s.parsed / s.elapsed
    print(f"  {label:<22} {s.parsed:>7} reports  {s.elapsed:7.1f}s  {rate:7.1f} reports/s  "
          f"{rate / n_workers:6.1f} /s/worker  {1000 * s.elapsed / max(1, s.parsed):5.2f} s per 1,000  "
          f"peak RSS (process tree) {rss.peak / 2**20:7.0f} MiB  failed {s.n_failed}", flush=True)
    return {"label": label, "n": s.parsed, "seconds": s.elapsed, "rate": rate, "rss": rss.peak}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    p.add_argument("--big", action="store_true", help="also N = 100000")
    p.add_argument("--keep", default=None, help="work folder to keep (default: a temp folder, removed)")
    p.add_argument("--no-dask", action="store_true")
    p.add_argument("--only-two", action="store_true", help="skip the 1-worker run (large sizes)")
    a = p.parse_args()
    sizes = a.sizes + ([100000] if a.big else [])
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="gx-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"gx build benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, work dir {work}")
    results: dict[int, list[dict]] = {}
    try:
        for n in sizes:
            print(f"N = {n}")
            src = generate(n, work)
            rs = [] if a.only_two else [run("1 local worker", src, work / f"out-{n}-w1", 1, workers=1)]
            rs.append(run("2 local workers", src, work / f"out-{n}-w2", 2, workers=2))
            if not a.no_dask:
                from distributed import LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                    rs.append(run("dask LocalCluster(2)", src, work / f"out-{n}-dask", 2, dask_scheduler=c.scheduler_address))
            t0 = time.perf_counter()
            s = build_corpus([src], work / f"out-{n}-w2", workers=2, progress=False)
            print(f"  {'no-op rebuild':<22} {s.unchanged:>7} unchanged {time.perf_counter() - t0:6.2f}s")
            results[n] = rs
        if len(results) > 1:
            ns = sorted(results)
            print("linearity (seconds per 1000 reports; equal figures = linear cost):")
            for i, label in enumerate(r["label"] for r in results[ns[0]]):
                print(f"  {label:<22} " + "  ".join(
                    f"N={n}: {1000 * results[n][i]['seconds'] / max(1, results[n][i]['n']):.2f}s" for n in ns))
            print("peak RSS of the process tree (flat figures = memory does not grow with the corpus):")
            for i, label in enumerate(r["label"] for r in results[ns[0]]):
                print(f"  {label:<22} " + "  ".join(f"N={n}: {results[n][i]['rss'] / 2**20:.0f} MiB" for n in ns))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
