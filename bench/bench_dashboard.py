"""First-render time of a dashboard in Debian chromium, with and without Voilà's preheated kernels.

    .venv/bin/python bench/bench_dashboard.py [--dashboard overview.ipynb] [--runs 3]

For each mode it starts a real `python -m gxlib.serve` on a free port, waits until the server answers
(and, with preheat, until the kernel pool is filled), then opens the dashboard RUNS times in a fresh
browser context, timing navigation -> first vega mark in the DOM. Prints a table; writes nothing.
Needs /usr/bin/chromium (make test installs it).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GX_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MARK = ".vega-embed svg .mark-rect path, .vega-embed svg .mark-symbol path, .vega-embed svg .mark-line path, .vega-embed canvas"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(preheat: bool, log: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    cmd = [sys.executable, "-m", "gxlib.serve", "--port", str(port), "--no-browser"]
    if not preheat:
        cmd.append("--no-preheat")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    if preheat:  # wait for the pool (Voilà logs this once the notebook is pre-rendered)
        while "is filled" not in log.read_text(errors="replace"):
            time.sleep(0.1)
    return proc, base, time.monotonic() - t0


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def render_times(base: str, dashboard: str, runs: int, pause: float) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(runs):
            ctx = browser.new_context()
            page = ctx.new_page()
            t0 = time.monotonic()
            page.goto(f"{base}/voila/render/{dashboard}", wait_until="commit", timeout=120_000)
            page.wait_for_selector(MARK, state="attached", timeout=120_000)
            out.append(time.monotonic() - t0)
            ctx.close()
            time.sleep(pause)  # let the pool refill, as between two real visitors
        browser.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboard", default="overview.ipynb")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pause", type=float, default=8.0, help="seconds between renders (pool refill)")
    a = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} missing: apt-get install chromium", file=sys.stderr)
        return 2
    print(f"dashboard={a.dashboard} runs={a.runs} cores={os.cpu_count()}")
    print(f"{'mode':<10} {'server ready s':>14} {'first s':>8} {'median s':>9} {'all':>s}")
    with tempfile.TemporaryDirectory() as td:
        for preheat in (False, True):
            log = Path(td) / f"voila-{preheat}.log"
            proc, base, ready = start(preheat, log)
            try:
                times = render_times(base, a.dashboard, a.runs, a.pause)
            finally:
                stop(proc)
            mode = "preheat" if preheat else "cold"
            print(f"{mode:<10} {ready:>14.2f} {times[0]:>8.2f} {statistics.median(times):>9.2f} "
                  + " ".join(f"{t:.2f}" for t in times), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
