"""Dashboard speed on a large corpus, measured in Debian chromium against a real `gx serve` (Voilà).

    .venv/bin/python bench/bench_dashboards.py [--corpus DIR | --build-agencies 1510] [--runs 3]
    .venv/bin/python bench/synth_national.py 1000000 /tmp/national     # the 1M-report corpus, then:
    .venv/bin/python bench/bench_dashboards.py --corpus /tmp/national --pages overview \
        --pools '{"default": {"pool_size": 0}, "overview.ipynb": {"pool_size": 2}}'

Without ``--corpus`` it generates a ~10,000-report demo corpus (``gxlib.demo.generate``, 1510 agencies ×
2019–2025, html+text; about 47 s + 7 min of ``build_corpus`` on 2 cores) into a temporary folder.
Then, with preheated kernels (the default ``voila.json``):

* server ready and kernel pools filled (s);
* first full render of each dashboard: navigation → the page's ``.gx-state`` marker and every chart's
  SVG marks in the DOM (RUNS times each, pausing for the pool to refill);
* overview filter changes: ``select_option`` → the marker of the new state and the outcome chart
  redrawn (browser round trip), beside the kernel-side time the page reports (``data-ms``);
  the same states again (cached);
* agency changes in the 单位画像 search box; a filter change in 数据质量;
* the RSS of every kernel after the renders (``--pages`` picks the dashboards; ``--pools`` overrides
  voila.json's pools, e.g. to preheat only the overview on the 1M-report corpus).

``--in-process`` measures the kernel side alone, in this process (no server, no browser): what a
kernel does for the first build of each page and for each filter change the UI makes, as CPU time
(all threads) and wall time per action, and the process RSS.

Prints tables; writes nothing except the corpus (temporary unless --keep). Not a test.
"""

from __future__ import annotations

import argparse
import json
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
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
CHROMIUM = os.environ.get("GX_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = {"overview": ["outcomes", "proactive", "ranking"], "agency": ["profile"], "quality": ["publication", "grid", "rules"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(out: Path, agencies: int) -> Path:
    from gxlib import demo
    from gxlib.corpus import build_corpus

    t0 = time.monotonic()
    s = demo.generate(out / "src", agencies=agencies, years=(2019, 2025), formats=("html", "text"), seed=7,
                      workers=os.cpu_count() or 1)
    t1 = time.monotonic()
    build_corpus([out / "src"], out / "corpus", workers=os.cpu_count() or 1, progress=False)
    (out / "corpus" / "DEMO").write_text("")
    print(f"built corpus: {s['reports']} reports; generate {t1 - t0:.1f}s, build {time.monotonic() - t1:.1f}s")
    return out / "corpus"


def start(corpus: Path, log: Path, pools: str | None = None) -> tuple[subprocess.Popen, str, float]:
    from gxlib import serve

    port = free_port()
    cmd = serve.build_command(port, no_browser=True)
    if pools:  # a later option wins over voila.json
        cmd.append(f"--VoilaKernelManager.kernel_pools_config={pools}")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True, env=serve.kernel_env(corpus))
    base = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    n = len(json.loads(pools)) - ("default" in json.loads(pools)) if pools else len(
        list((REPO_ROOT / "dashboards").glob("*.ipynb")))
    deadline = time.monotonic() + 600
    while log.read_text(errors="replace").count("is filled") < n and time.monotonic() < deadline:
        time.sleep(0.2)
    return proc, base, time.monotonic() - t0


def kernel_rss(pid: int) -> list[float]:
    """RSS (MiB) of each kernel process under the server."""
    import psutil

    out = []
    for p in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()):
                out.append(p.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return sorted(out, reverse=True)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_drawn(page, name: str, query: str = "", timeout: int = 120_000) -> None:
    sel = ".gx-state[data-query]" if not query else f'.gx-state[data-query*="{query}"]'
    page.wait_for_selector(sel, state="attached", timeout=timeout)
    for c in CHARTS[name]:
        page.wait_for_selector(f".gx-chart-{c} svg .role-mark", state="attached", timeout=timeout)


def first_render(browser, base: str, name: str, runs: int, pause: float) -> list[float]:
    out = []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        t0 = time.monotonic()
        page.goto(f"{base}/voila/render/{name}.ipynb", wait_until="commit", timeout=120_000)
        wait_drawn(page, name)
        out.append(time.monotonic() - t0)
        ctx.close()
        time.sleep(pause)
    return out


def timed_change(page, action, query: str, chart: str | None) -> tuple[float, float]:
    before = page.locator(f".gx-chart-{chart} svg").inner_html() if chart else None
    t0 = time.monotonic()
    action()
    page.wait_for_selector(f'.gx-state[data-query*="{query}"]', state="attached", timeout=30_000)
    if chart:
        page.wait_for_function(
            "([c, b]) => { const s = document.querySelector('.gx-chart-' + c + ' svg'); return s && s.innerHTML !== b; }",
            arg=[chart, before], timeout=30_000)
    dt = time.monotonic() - t0
    ms = float(page.locator(".gx-state").get_attribute("data-ms"))
    return dt, ms


def overview_changes(browser, base: str) -> list[tuple[str, float, float]]:
    import polars as pl

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/voila/render/overview.ipynb", wait_until="commit", timeout=120_000)
    wait_drawn(page, "overview")
    levels = [o for o in page.eval_on_selector_all(".gx-filter-level select option", "os => os.map(o => o.text)")
              if o != "全部"]
    years = [o for o in page.eval_on_selector_all(".gx-filter-year select option", "os => os.map(o => o.text)")
             if o.isdigit()]
    regions = [o for o in page.eval_on_selector_all(".gx-filter-region select option", "os => os.map(o => o.text)")
               if o != "全部"]
    del pl
    steps = [("level", lv) for lv in levels] + [("year", years[1]), ("year", years[2])] + [("region", regions[0])]
    steps += [("region", "全部"), ("level", "全部")]
    res = []
    for rnd in ("new", "cached"):
        for f, label in steps:
            q = f"{f}={quote(label)}" if label != "全部" else ""
            chart = "outcomes" if f in ("level", "region") else "ranking"

            def act(f=f, label=label):
                page.select_option(f".gx-filter-{f} select", label=label)

            if not q:  # 全部: the key leaves the URL; wait for a marker without it
                before = page.locator(".gx-state").get_attribute("data-query")
                t0 = time.monotonic()
                act()
                page.wait_for_function("b => { const e = document.querySelector('.gx-state');"
                                       " return e && e.dataset.query !== b; }", arg=before, timeout=30_000)
                dt, ms = time.monotonic() - t0, float(page.locator(".gx-state").get_attribute("data-ms"))
            else:
                dt, ms = timed_change(page, act, q, chart)
            res.append((f"{rnd:6} {f}={label}", dt, ms))
    ctx.close()
    return res


def agency_changes(browser, base: str, n: int = 4) -> list[tuple[str, float, float]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/voila/render/agency.ipynb", wait_until="commit", timeout=120_000)
    wait_drawn(page, "agency")
    labels = page.eval_on_selector_all(".gx-filter-agency datalist option", "os => os.map(o => o.value)")
    picks = labels[:: max(1, len(labels) // n)][:n]
    res = []
    for lab in picks:
        inp = page.locator(".gx-filter-agency input")

        def act(lab=lab):
            inp.fill(lab)
            inp.press("Enter")

        before = page.locator(".gx-facts").get_attribute("data-agency")
        t0 = time.monotonic()
        act()
        page.wait_for_function("b => { const e = document.querySelector('.gx-facts');"
                               " return e && e.dataset.agency !== b; }", arg=before, timeout=30_000)
        page.wait_for_selector(".gx-chart-profile svg .role-mark", state="attached")
        res.append((f"agency {lab[:16]}", time.monotonic() - t0, float(page.locator(".gx-state").get_attribute("data-ms"))))
    ctx.close()
    return res


def quality_changes(browser, base: str) -> list[tuple[str, float, float]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/voila/render/quality.ipynb", wait_until="commit", timeout=120_000)
    wait_drawn(page, "quality")
    levels = [o for o in page.eval_on_selector_all(".gx-filter-level select option", "os => os.map(o => o.text)")
              if o != "全部"]
    res = []
    for lv in levels:
        dt, ms = timed_change(page, lambda lv=lv: page.select_option(".gx-filter-level select", label=lv),
                              f"level={quote(lv)}", "publication")
        res.append((f"quality level={lv}", dt, ms))
    ctx.close()
    return res


def _timed(label: str, fn, rows: list) -> None:
    import resource

    import psutil

    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    rss = psutil.Process().memory_info().rss / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append((label, cpu, wall, rss, peak))
    print(f"{label:<40} {cpu:>7.3f} {wall:>7.3f} {rss:>8.0f} {peak:>8.0f}", flush=True)


def in_process(corpus: Path, pages: list[str]) -> int:
    """The kernel side of each page in this process: first build, then the UI's filter changes."""
    os.environ["GX_CORPUS"] = str(corpus)
    print(f"{'action':<40} {'cpu s':>7} {'wall s':>7} {'RSS MiB':>8} {'peak':>8}")
    rows: list = []
    holder: dict = {}
    _timed("import gxlib.app", lambda: holder.update(app=__import__("gxlib.app", fromlist=["app"])), rows)
    app = holder["app"]
    _timed("load (corpus + aggregates)", lambda: holder.update(data=app.load(corpus)), rows)
    data = holder["data"]
    if "overview" in pages:
        _timed("overview: first build", lambda: holder.update(ov=app.OverviewApp(data, None)), rows)
        ov = holder["ov"]
        w = ov.bar.widgets
        steps = [("level", v) for _, v in w["level"].options[1:]] + [("level", "")]
        steps += [("year", v) for _, v in w["year"].options[1:3]] + [("year", w["year"].options[0][1])]
        steps += [("region", w["region"].options[1][1]), ("region", "")]
        steps += [("agency_type", v) for _, v in w["agency_type"].options[1:3]] + [("agency_type", "")]
        steps += [("rank", "denial_rate"), ("rank", "grant_rate")]
        for rnd in ("new", "cached"):
            for f, v in steps:
                widget = w.get(f) or ov.bar.extra[f]
                _timed(f"overview {rnd} {f}={v or '全部'}", lambda widget=widget, v=v: setattr(widget, "value", v),
                       rows)
    if "agency" in pages:
        _timed("agency: first build", lambda: holder.update(ag=app.AgencyApp(data, None)), rows)
        ag = holder["ag"]
        labels = list(ag.choices)
        for lab in labels[:: max(1, len(labels) // 4)][:4]:
            _timed(f"agency pick {lab[:20]}", lambda lab=lab: setattr(ag.combo, "value", lab), rows)
    if "quality" in pages:
        _timed("quality: first build", lambda: holder.update(q=app.QualityApp(data, None)), rows)
        q = holder["q"]
        w = q.bar.widgets
        for _, v in [*w["level"].options[1:], ("全部", "")]:
            _timed(f"quality level={v or '全部'}", lambda v=v: setattr(w["level"], "value", v), rows)
        if len(q.rule.options) > 1:
            _timed("quality rule", lambda: setattr(q.rule, "value", q.rule.options[1][1]), rows)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", help="an existing corpus folder (default: build a ~10k-report demo corpus)")
    ap.add_argument("--build-agencies", type=int, default=1510)
    ap.add_argument("--keep", help="build into this folder and keep it")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=20.0, help="seconds to wait after the pools report filled")
    ap.add_argument("--pause", type=float, default=12.0, help="seconds between first renders (pool refill)")
    ap.add_argument("--pages", default="overview,agency,quality", help="dashboards to measure (comma-separated)")
    ap.add_argument("--pools", default=None, help="kernel_pools_config JSON overriding voila.json's")
    ap.add_argument("--in-process", action="store_true",
                    help="measure the kernel side in this process (CPU and wall per action, RSS); needs --corpus")
    a = ap.parse_args()
    if a.in_process:
        if not a.corpus:
            ap.error("--in-process needs --corpus")
        return in_process(Path(a.corpus), a.pages.split(","))
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} missing: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as td:
        corpus = Path(a.corpus) if a.corpus else build(Path(a.keep or td), a.build_agencies)
        import polars as pl

        from gxlib.corpus import load_corpus

        n = load_corpus(corpus).reports.select(pl.len()).collect().item()
        print(f"corpus {corpus}: {n} reports; cores={os.cpu_count()}")
        log = Path(td) / "voila.log"
        proc, base, ready = start(corpus, log, a.pools)
        pages = a.pages.split(",")
        print(f"server ready, pools filled: {ready:.1f}s (then {a.settle:.0f}s for the preheated kernels to finish)")
        time.sleep(a.settle)
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                print(f"\n{'first full render':<22} {'first s':>8} {'median s':>9}  all")
                for name in pages:
                    t = first_render(browser, base, name, a.runs, a.pause)
                    print(f"{name:<22} {t[0]:>8.2f} {statistics.median(t):>9.2f}  " + " ".join(f"{x:.2f}" for x in t),
                          flush=True)
                rows = ((overview_changes(browser, base) if "overview" in pages else [])
                        + (agency_changes(browser, base) if "agency" in pages else [])
                        + (quality_changes(browser, base) if "quality" in pages else []))
                rss = kernel_rss(proc.pid)
                print(f"\nkernel RSS after the renders (MiB, {len(rss)} kernels): "
                      + ", ".join(f"{r:.0f}" for r in rss))
                print(f"\n{'interaction':<34} {'browser s':>9} {'kernel ms':>9}")
                for label, dt, ms in rows:
                    print(f"{label:<34} {dt:>9.3f} {ms:>9.1f}")
                new = [dt for lab, dt, _ in rows if lab.startswith("new")] or [float("nan")]
                cached = [dt for lab, dt, _ in rows if lab.startswith("cached")] or [float("nan")]
                print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
                print(f"\noverview filter change (browser round trip): new median {statistics.median(new):.3f}s "
                      f"max {max(new):.3f}s; cached median {statistics.median(cached):.3f}s max {max(cached):.3f}s")
                browser.close()
        finally:
            stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
