"""`gx serve`: configuration checks (fast) and a real chromium against a real Voilà (marked ``browser``)."""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gxlib import serve

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Text that only the notebook's *source* contains, never its outputs.
SOURCE_SNIPPETS = ["import gxlib", "alt.renderers.enable", "pl.DataFrame(", "alt.Chart(frame)"]
DEMO_BANNER = "示例数据，非真实报告"
RENDER_TIMEOUT_MS = 60_000


# --------------------------------------------------------------------------- fast checks


def test_voila_config_is_read_only_and_safe() -> None:
    cfg = json.loads((REPO_ROOT / "voila.json").read_text(encoding="utf-8"))
    vc = cfg["VoilaConfiguration"]
    assert vc["strip_sources"] is True
    assert vc["show_tracebacks"] is False
    assert vc["template"] == "gx"
    assert cfg["Voila"]["ip"] == "127.0.0.1"
    # notebooks and code are never served as files
    assert any(re.fullmatch(p, "overview.ipynb") for p in vc["file_denylist"])
    assert any(re.fullmatch(p, "x/.secret.png") for p in vc["file_denylist"])


def test_gx_template_has_no_remote_urls() -> None:
    tdir = serve.TEMPLATE_ROOT / "voila" / "templates" / "gx"
    assert json.loads((tdir / "conf.json").read_text())["base_template"] == "lab"
    for f in tdir.iterdir():
        text = f.read_text(encoding="utf-8")
        # the only remote URLs allowed are the ones our index.html.j2 strips out
        remaining = re.sub(r"replace\('<link[^']*'", "", text)
        assert "https://" not in remaining and "http://" not in remaining, f.name


def test_build_command_runs_voila_from_this_env_on_localhost() -> None:
    cmd = serve.build_command(9999, no_browser=True)
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    assert cmd[3] == str(REPO_ROOT / "dashboards")
    assert "--port=9999" in cmd and "--no-browser" in cmd
    assert "--Voila.ip=127.0.0.1" in cmd
    assert f"--Voila.config_file_paths={REPO_ROOT}" in cmd
    assert "--no-browser" not in serve.build_command(9999)
    assert "--VoilaConfiguration.preheat_kernel=False" in serve.build_command(1, preheat=False)
    assert "--VoilaKernelManager.fill_delay=2.0" in serve.build_command(1, fill_delay=2)
    assert not any("fill_delay" in c for c in serve.build_command(1))  # voila.json's then


def test_kernel_env_demo_default_and_explicit_corpus(tmp_path: Path) -> None:
    env = serve.kernel_env(None, base={})
    assert env["GX_CORPUS"] == str(serve.DEMO_CORPUS)
    assert env["GX_DEMO"] == "1"
    assert env["JUPYTER_PATH"].split(":")[0] == str(serve.TEMPLATE_ROOT)

    env = serve.kernel_env(str(tmp_path), base={"GX_DEMO": "1", "JUPYTER_PATH": "/x"})
    assert env["GX_CORPUS"] == str(tmp_path.resolve())
    assert "GX_DEMO" not in env
    data_dir = env["JUPYTER_PATH"].split(":")[1]
    assert env["JUPYTER_PATH"] == f"{serve.TEMPLATE_ROOT}:{data_dir}:/x"
    # the chart bundle, published once as a static file of the gx template (gxlib.app.bundle)
    bundle = Path(data_dir) / env["GX_CHART_BUNDLE"].lstrip("/").split("?v=")[0]
    assert bundle.is_file() and bundle.stat().st_size > 100_000
    assert "export" in bundle.read_text(encoding="utf-8")[-2000:]

    (tmp_path / "DEMO").write_text("")
    assert serve.kernel_env(str(tmp_path), base={})["GX_DEMO"] == "1"


def test_preheated_kernels_wait_for_their_visitor_without_a_cell_time_limit() -> None:
    """A preheated kernel blocks in its ``query_params`` cell until a visitor arrives, which may be
    hours; with a per-cell limit (``VoilaExecutor.timeout``, 300 s before) that cell timed out and
    Voilà stopped the notebook there, so the next visitor got a page without its dashboard (seen in
    the test server's log: "A cell timed out ... params = gd.query_params()")."""
    conf = json.loads((REPO_ROOT / "voila.json").read_text(encoding="utf-8"))
    assert conf["VoilaConfiguration"]["preheat_kernel"] is True
    assert not conf["VoilaExecutor"].get("timeout"), "0/null: nbclient waits without limit"
    assert conf["VoilaExecutor"]["raise_on_iopub_timeout"] is True  # a stuck output still fails visibly


def test_dashboard_notebooks_have_no_stored_outputs() -> None:
    """Dashboards are executed by Voilà; stored outputs would only bloat the repo and leak data."""
    for nb_path in sorted((REPO_ROOT / "dashboards").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            assert not cell.get("outputs"), f"{nb_path.name} has stored outputs"


# --------------------------------------------------------------------------- browser


def _open_dashboard(browser, base: str, name: str):
    """Open a dashboard; return (page, requests, console_errors, seconds to chart)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"requestfailed: {r.url} {r.failure}"))
    t0 = time.monotonic()
    page.goto(f"{base}/voila/render/{name}", wait_until="load", timeout=RENDER_TIMEOUT_MS)
    chart = page.locator(".vega-embed svg .mark-rect path").first
    cell_error = page.get_by_text("There was an error when executing cell").first
    try:
        chart.or_(cell_error).wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    except Exception as e:  # playwright TimeoutError: say what the browser saw
        context.close()
        raise AssertionError(f"{name}: no chart after {RENDER_TIMEOUT_MS} ms; browser errors: {errors}") from e
    if cell_error.count():
        msg = cell_error.inner_text()
        context.close()
        raise AssertionError(f"{name}: a dashboard cell failed in the kernel: {msg!r} (see artifacts/voila-test-server.log)")
    elapsed = time.monotonic() - t0
    page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
    return context, page, requests, errors, elapsed


@pytest.mark.browser
def test_overview_renders_offline_in_chromium(voila_server: str, browser, screenshot_dir: Path) -> None:
    context, page, requests, errors, elapsed = _open_dashboard(browser, voila_server, "overview.ipynb")
    try:
        page.screenshot(path=str(screenshot_dir / "overview.png"), full_page=True)
        html = page.content()
        text = page.inner_text("body")

        # the altair charts rendered offline, with marks and Chinese titles (their values are
        # checked against gxlib.metrics in test_dashboards.py)
        assert page.locator(".vega-embed svg .mark-rect path, .vega-embed svg .mark-line path").count() > 0
        svg_text = " ".join(page.locator(".vega-embed svg").nth(i).inner_html()
                            for i in range(page.locator(".vega-embed svg").count()))
        assert "年度" in svg_text or "年" in svg_text

        # Chinese text, incl. the demo banner (the test server uses the bundled demo corpus)
        assert DEMO_BANNER in text
        assert "政府信息公开" in text

        # no notebook source on the page
        for snippet in SOURCE_SNIPPETS:
            assert snippet not in html, f"notebook source visible: {snippet!r}"
        assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeCell .jp-Editor").count() == 0

        # nothing but this server was asked for anything
        hosts = {urlsplit(u).hostname for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
        foreign = sorted(u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                         and urlsplit(u).hostname not in LOCAL_HOSTS)
        assert not foreign, f"requests left localhost: {foreign}"
        assert hosts == {"127.0.0.1"}

        assert not errors, "browser errors:\n" + "\n".join(errors)
        print(f"overview.ipynb: chart visible {elapsed:.2f}s after navigation; {len(requests)} requests")
    finally:
        context.close()


@pytest.mark.browser
def test_chinese_glyphs_have_a_cjk_font(voila_server: str, browser) -> None:
    """The banner must not render as tofu: a CJK font must be installed (Debian fonts-noto-cjk)."""
    context, page, _req, _err, _t = _open_dashboard(browser, voila_server, "overview.ipynb")
    try:
        banner = page.locator(".gx-demo")
        banner.wait_for()
        # A font is installed iff text set in it measures differently from the generic fallback.
        ok = page.evaluate(
            """() => {
                const c = document.createElement('canvas').getContext('2d');
                const w = f => { c.font = f; return c.measureText('mmmmmmmmmmlli 示例数据').width; };
                return ['monospace', 'serif'].some(g => w(`32px "Noto Sans CJK SC", ${g}`) !== w(`32px ${g}`));
            }"""
        )
        assert ok, "no 'Noto Sans CJK SC' font in chromium: apt-get install fonts-noto-cjk"
    finally:
        context.close()


@pytest.mark.browser
def test_source_and_notebook_files_are_not_served(voila_server: str) -> None:
    for path in ["/voila/files/overview.ipynb", "/voila/files/../pyproject.toml", "/voila/files/../voila.json"]:
        try:
            with urllib.request.urlopen(voila_server + path, timeout=10) as r:
                body = r.read().decode("utf-8", "replace")
            status = r.status
        except urllib.error.HTTPError as e:
            status, body = e.code, ""
        assert status in (403, 404), f"{path} served with {status}"
        assert "import gxlib" not in body


@pytest.mark.browser
def test_unknown_dashboard_is_a_plain_404(voila_server: str) -> None:
    try:
        urllib.request.urlopen(voila_server + "/voila/render/nope.ipynb", timeout=30)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        assert e.code == 404
        assert "Traceback" not in body
        assert "cdn.jsdelivr.net" not in body


@pytest.mark.browser
def test_root_is_the_chinese_landing_page_listing_every_dashboard(voila_server: str) -> None:
    # Voilà renders tree-lab.html (unless classic_tree): it includes the gx landing page
    with urllib.request.urlopen(voila_server + "/", timeout=30) as r:
        body = r.read().decode("utf-8")
    assert '<html lang="zh-CN">' in body and "分析看板" in body
    for nb in ("overview", "quality", "agency", "check"):
        assert f"{nb}.ipynb" in body, nb
    assert "https://" not in body


def test_serve_says_when_the_dashboards_must_compute_the_aggregates(tmp_path):
    """A corpus whose aggregates are of an older gxlib (or absent) is served, but computed in every
    kernel: ``gx serve`` says so and how to write them again; the bundled demo's are used as built."""
    import shutil

    from gxlib import aggregates
    from gxlib.serve import aggregates_note

    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "corpus"
    assert aggregates_note(demo) is None
    old = tmp_path / "corpus"
    shutil.copytree(demo, old)
    m = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    unread = min(aggregates.VERSION, *aggregates.KPI_AGAIN) - 1  # older than any version still read
    m[aggregates.DIR]["version"] = unread
    (old / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    note = aggregates_note(old)
    assert f"older gxlib (version {unread}" in note and f"gx build SOURCES -o {old}" in note
    del m[aggregates.DIR]
    (old / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert "no stored aggregates" in aggregates_note(old)
    other = tmp_path / "roster.csv"
    other.write_text("机关名称,起始年度\n某某局,2020\n", encoding="utf-8")
    assert "another roster" in aggregates_note(demo, str(other))
