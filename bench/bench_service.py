"""Service load: N viewers open the overview at once against a real ``gx serve``; prints each
viewer's first-chart time, how many rendered, and the peak RSS of the server's process tree.

    .venv/bin/python bench/bench_service.py [--viewers 8] [--corpus DIR] [--pool N] [--rounds 1]
                                            [--protocol] [--query 'year=2022']

Uses the pools of voila.json unless --pool is given; waits until every pool is full before the
viewers arrive (a fresh server is not a steady state).  Debian chromium via Playwright.

``--protocol``: the viewers are not browsers but clients of the same protocol a page speaks (GET
the page, open its kernel's websocket, ask the widget manager's control comm for every widget's
state, as Voilà's page does, until the chart widgets are there): the server's share of a first chart,
without N browsers competing for this machine's cores (a real viewer's browser runs on its own).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


def tree_rss(pid: int) -> int:
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def tree_cpu(pid: int, interval: float = 2.0) -> float:
    """CPU use of the server tree over ``interval`` s (1.0 = one core busy)."""
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0

    def total() -> float:
        t = 0.0
        for p in procs:
            try:
                c = p.cpu_times()
                t += c.user + c.system
            except psutil.NoSuchProcess:
                pass
        return t

    a = total()
    time.sleep(interval)
    return (total() - a) / interval


def n_kernels(pid: int) -> int:
    n = 0
    for p in psutil.Process(pid).children(recursive=True):
        try:
            n += "ipykernel_launcher" in " ".join(p.cmdline())
        except psutil.NoSuchProcess:
            pass
    return n


LIMIT_MS = 360_000  # past the page's own 300 s failure notice: a slow page is measured, not cut off

# In-page clocks (a Playwright poll lags under load): when a chart is first visible on screen — the
# static first paint's (gxlib.app.preview) or a live one — and when the live page has its first chart.
MARKS = """(() => { window.__gx = {}; const origin = performance.timeOrigin;
  const seen = (sel) => { const e = document.querySelector(sel);
    return e && e.checkVisibility() && e.getBoundingClientRect().height > 0; };
  const tick = () => { const t = origin + performance.now();
    if (!window.__gx.visible && (seen('.gxp-preview svg') || seen('.gx-chart svg .role-mark'))) window.__gx.visible = t;
    if (!window.__gx.live && document.querySelector('.gx-chart svg .role-mark')) window.__gx.live = t;
    if (!window.__gx.live) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); })();"""


async def viewer(browser, url: str, t0: float) -> tuple[float | None, str, float | None]:
    """(first chart visible, "ok" or why the live page did not come, live page's first chart), in s
    from this browser's navigation start (its own clock, as web vitals count: creating 20 browser pages
    at once on this machine takes the bench seconds before any navigation begins)."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    await page.add_init_script(MARKS)
    origin = visible = None
    try:
        await page.goto(url, wait_until="commit", timeout=LIMIT_MS)
        await page.wait_for_function("() => window.__gx && window.__gx.visible", timeout=LIMIT_MS)
        origin = await page.evaluate("() => performance.timeOrigin")
        visible = (await page.evaluate("() => window.__gx.visible") - origin) / 1000
        await page.wait_for_selector(".gx-chart svg .role-mark, .gx-fail", state="attached", timeout=LIMIT_MS)
        if await page.locator(".gx-fail").count():
            return visible, await page.inner_text(".gx-fail"), None
        await page.wait_for_function("() => window.__gx.live", timeout=30_000)
        return visible, "ok", (await page.evaluate("() => window.__gx.live") - origin) / 1000
    except Exception as e:  # noqa: BLE001 - a viewer that never rendered is the figure
        return visible, type(e).__name__, None
    finally:  # as a viewer closes the tab: the page's beforeunload beacon ends its kernel
        await page.close(run_before_unload=True)
        await asyncio.sleep(1)
        await ctx.close()


def fill_delay() -> float:
    """voila.json's pause before a used kernel is replaced in the pool (Voilà's default 1 s)."""
    import json

    conf = json.loads((REPO / "voila.json").read_text(encoding="utf-8"))
    return float(conf.get("VoilaKernelManager", {}).get("fill_delay", 1))


def _msg(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    import json
    import uuid

    return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session,
                                  "msg_type": msg_type, "version": "5.3", "date": ""},
                       "parent_header": {}, "metadata": metadata or {}, "content": content,
                       "channel": "shell", "buffers": []})


async def _states(ws, comm: str, session: str) -> dict:
    import json

    await ws.write_message(_msg("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}, session))
    while True:
        m = await ws.read_message()
        if m is None:
            raise ConnectionError("kernel websocket closed")
        if isinstance(m, bytes):
            continue
        j = json.loads(m)
        if j["header"]["msg_type"] == "comm_msg" and j["content"].get("comm_id") == comm:
            return j["content"]["data"].get("states", {})


async def protocol_viewer(url: str, t0: float) -> tuple[float | None, str, float | None]:
    """(first chart's state delivered, as the page's widget manager receives it (no rendering); "ok"
    or why not; the page delivered with its static first paint, if it has one)."""
    import re
    import uuid

    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    try:
        r = await AsyncHTTPClient().fetch(url, connect_timeout=180, request_timeout=180)  # a browser waits as long
        t_html = time.monotonic() - t0
        t_preview = t_html if b"gxp-preview" in r.body else None
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', r.body.decode()).group(1)
        base = url.split("/voila/")[0].replace("http", "ws", 1)
        session = uuid.uuid4().hex
        ws = await websocket_connect(f"{base}/api/kernels/{kernel}/channels?session_id={session}")
        comm = uuid.uuid4().hex
        await ws.write_message(_msg("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                                  "data": {}}, session, {"version": "1.0.0"}))
        while time.monotonic() - t0 < 180:
            states = await _states(ws, comm, session)
            if any("gx-chart" in s.get("state", {}).get("_dom_classes", ()) for s in states.values()):
                ws.close()
                return time.monotonic() - t0, "ok", t_preview
            await asyncio.sleep(0.1)
        return None, "no chart state within 180 s", t_preview
    except Exception as e:  # noqa: BLE001 - a viewer that never got its chart is the figure
        return None, type(e).__name__, None


async def protocol_round(url: str, n: int) -> list[tuple[float | None, str]]:
    t0 = time.monotonic()
    return await asyncio.gather(*[protocol_viewer(url, t0) for _ in range(n)])


async def round_(url: str, n: int) -> list[tuple[float | None, str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # a viewer's browser is already running: its own start (the first page spawns chromium's
        # renderers, the headless UI's WebUI among them) is not the dashboard's first paint
        ctx = await browser.new_context()
        await (await ctx.new_page()).goto("about:blank")
        await ctx.close()
        await asyncio.sleep(1)
        t0 = time.time()
        out = await asyncio.gather(*[viewer(browser, url, t0) for _ in range(n)])
        await browser.close()
        return out


def _figures(times: list[float], n: int) -> str:
    times = sorted(times)
    if not times:
        return f"0/{n}"
    return (", ".join(f"{t:.1f}" for t in times)
            + f"; {len(times)}/{n}, median {statistics.median(times):.1f}, max {max(times):.1f}")


def report(r: int, a, res: list[tuple]) -> None:
    from collections import Counter

    if a.protocol:
        print(f"round {r}: {a.viewers} protocol clients (the server's share); chart widgets' state delivered (s): "
              + _figures([x[0] for x in res if x[0] is not None], a.viewers))
        print("  page delivered with its static first chart (s): "
              + _figures([x[2] for x in res if x[2] is not None], a.viewers))
    else:
        print(f"round {r}: {a.viewers} browsers; first chart visible (s after navigation start): "
              + _figures([x[0] for x in res if x[0] is not None], a.viewers))
        print("  live page (widgets drawn; the static first paint replaced) (s): "
              + _figures([x[2] for x in res if x[2] is not None], a.viewers))
    bad = Counter(x[1] for x in res if x[1] != "ok")
    if bad:
        print(f"  not live: {dict(bad)}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--viewers", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--pool", type=int, default=None)
    ap.add_argument("--protocol", action="store_true", help="protocol clients instead of browsers (see above)")
    ap.add_argument("--query", default="", help="the overview URL's query string, e.g. 'year=2022'")
    a = ap.parse_args()
    port = free_port()
    cmd = [sys.executable, "-m", "gxlib.cli", "serve", "--port", str(port), "--no-browser"]
    cmd += ["--corpus", a.corpus] if a.corpus else []
    cmd += ["--pool", str(a.pool)] if a.pool is not None else []
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="gx-bench-serve-")
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.25)

    threading.Thread(target=sample, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{port}"
        t_start = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        notebooks = len(list((REPO / "dashboards").glob("*.ipynb")))
        while time.monotonic() - t_start < 900:  # Voilà logs each pool once its kernels have preheated
            if Path(log.name).read_text(errors="replace").count(" is filled with ") >= notebooks:
                break
            time.sleep(0.5)
        want = n_kernels(proc.pid)
        while tree_cpu(proc.pid) > 0.1 and time.monotonic() - t_start < 900:  # preheated kernels done
            pass
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"server up, {want} preheated kernels idle after {time.monotonic() - t_start:.0f}s; "
              f"server tree RSS {tree_rss(proc.pid) / 2**20:,.0f} MiB")
        url = f"{base}/voila/render/overview.ipynb" + (f"?{a.query}" if a.query else "")
        for r in range(a.rounds):
            print(f"kernels before round {r + 1}: {n_kernels(proc.pid)}", flush=True)
            res = asyncio.run(protocol_round(url, a.viewers) if a.protocol else round_(url, a.viewers))
            report(r + 1, a, res)
            print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            if r + 1 < a.rounds:  # the pool refilled before the next round: Voilà waits fill_delay first
                time.sleep(fill_delay() + 5)
                while tree_cpu(proc.pid) > 0.1:
                    pass
        print(f"peak RSS of the server tree: {peak[0] / 2**20:,.0f} MiB; kernels now {n_kernels(proc.pid)}")
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
