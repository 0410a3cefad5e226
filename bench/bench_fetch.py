"""Benchmark ``gx fetch`` on a local fixture site: pages and reports per second, first run vs. an
unchanged re-run (all 304), and what --delay costs.  Figures are printed, not asserted.

    .venv/bin/python bench/bench_fetch.py                  # 4 agencies x 6 years, delay 0 and 0.1 s
    .venv/bin/python bench/bench_fetch.py --agencies 10

The site (tests/fetch_site.py style, on 127.0.0.1 only) lists synthetic reports from gxlib.demo as
HTML pages on a createPageHTML-paged column, 5 entries per list page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import fetch_site as fs  # noqa: E402

from gxlib.fetch import fetch  # noqa: E402


def make_site(agencies: int) -> tuple[fs.Site, str]:
    site = fs.Site().start()
    reps = fs.demo_reports(n_agencies=agencies, seed=5)
    items = []
    for i, r in enumerate(reps):
        site.add(f"/ndbg/t_{i}.html", fs.render(r, "html"))
        items.append(fs.li(f"./t_{i}.html", r.title, r.published.isoformat()))
    pages = [items[i:i + 5] for i in range(0, len(items), 5)]
    for n, chunk in enumerate(pages):
        name = "index.html" if n == 0 else f"index_{n}.html"
        site.add(f"/ndbg/{name}", fs.list_page("政府信息公开年报", chunk, f'createPageHTML({len(pages)}, {n}, "index", "html");'))
    return site, site.base + "/ndbg/index.html"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agencies", type=int, default=4)
    args = ap.parse_args()
    site, url = make_site(args.agencies)
    try:
        for delay in (0.0, 0.1):
            with tempfile.TemporaryDirectory() as d:
                for run in ("first", "unchanged"):
                    t0 = time.perf_counter()
                    s = fetch([url], d, delay=delay, concurrency=2, progress=False)
                    dt = time.perf_counter() - t0
                    print(f"delay {delay:.1f}s {run:<9}: {s.requests:>4} requests, {s.found} reports, "
                          f"{s.downloaded} downloaded, {s.cache_hits} cache hits in {dt:5.2f}s "
                          f"= {s.requests / dt:6.1f} req/s")
    finally:
        site.stop()


if __name__ == "__main__":
    main()
