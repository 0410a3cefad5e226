"""The dashboards' static first paint (gxlib.app.preview): the page's default view as plain HTML and
SVG, streamed into the page by the gx Voilà template and shown before Voilà's frontend has booted;
the live page replaces it when its charts are drawn.  The unit tests build it from the bundled demo
corpus in this process; the browser tests use a real ``gx serve`` and Debian chromium, and block
Voilà's frontend to show the preview stands alone."""

from __future__ import annotations

import re
import urllib.request

import pytest

from gxlib import serve

LIVE_MARK = ".gx-chart svg .role-mark"


@pytest.fixture
def demo_app(monkeypatch, tmp_path):
    monkeypatch.setenv("GX_CORPUS", str(serve.DEMO_CORPUS))
    from gxlib import app as gd
    from gxlib.app import preview

    monkeypatch.setattr(preview, "cache_dir", lambda: tmp_path / "preview")  # an empty SVG cache

    gd.enable_offline()
    data = gd.load()
    app = gd.OverviewApp(data, None)
    return gd, data, app, app.widget()


def _charts(app) -> list:
    return [app.outcomes.chart, app.proactive.chart, app.ranking.chart, app.regions.chart]


def test_snapshot_is_the_live_page_as_html_with_vega_svgs(demo_app, tmp_path):
    import vl_convert as vlc

    from gxlib.app import preview

    gd, data, app, root = demo_app
    html = preview.snapshot(root, gd.banner_html(data))
    assert html is not None
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert svgs == [vlc.vegalite_to_svg(preview._sized(c.spec)) for c in _charts(app)]  # vega's drawing of the live specs
    # the KPI cards and tables are the live widgets' own HTML (classes renamed), the banner first
    assert preview._rename(app.kpis.value) in html
    assert preview._rename(app.ranking.table.value) in html
    assert html.index('class="gxp-banner gxp-demo"') < html.index('class="gxp-kpis"')
    # nothing the live page is found by: no gx-* class, no drawn-state marker, no live chart class
    classes = " ".join(re.findall(r'class="([^"]*)"', re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)))
    assert not re.search(r"(?<![\w-])gx-", classes), classes
    assert "data-query" not in html  # the live marker (widgets._marker) is left out
    # the filters as they will look (the selected labels), disabled
    assert re.search(r"<select disabled><option>" + re.escape(app.bar.widgets["year"].label), html)


def test_svgs_are_cached_by_spec_and_a_request_never_renders(demo_app, monkeypatch):
    from gxlib.app import preview

    gd, data, app, root = demo_app
    waiting = preview.snapshot(root, render=False)  # empty cache: no rendering on a request
    assert "<svg" not in waiting and waiting.count('class="gxp-chart-wait"') == 4
    assert preview._rename(app.kpis.value) in waiting  # the numbers are there all the same
    first = preview.snapshot(root)
    assert first.count("<svg") == 4 and "gxp-chart-wait" not in first.split("<style>")[-1].split("</style>")[-1]
    assert len(list(preview.cache_dir().glob("*.svg"))) == len({preview._key(preview._sized(c.spec)) for c in _charts(app)})

    def no_render(_specs):
        raise AssertionError("rendered although cached")

    monkeypatch.setattr(preview, "_render", no_render)
    assert preview.snapshot(root, render=False) == first


def test_svgs_not_used_for_a_month_are_pruned(demo_app):
    import os

    from gxlib.app import preview

    gd, data, app, root = demo_app
    preview.snapshot(root)
    old, *rest = sorted(preview.cache_dir().glob("*.svg"))
    os.utime(old, (0, 0))
    preview.prune()
    assert not old.exists() and all(f.exists() for f in rest)


def test_a_failing_renderer_leaves_chart_boxes_not_a_broken_page(demo_app, monkeypatch, capsys):
    import subprocess

    from gxlib.app import preview

    gd, data, app, root = demo_app

    def broken(_specs):
        raise subprocess.CalledProcessError(1, "vl-convert")

    monkeypatch.setattr(preview, "_render", broken)
    html = preview.snapshot(root)
    assert "<svg" not in html and html.count('class="gxp-chart-wait"') == 4
    assert "charts not drawn" in capsys.readouterr().err


def test_an_unwritable_cache_leaves_chart_boxes(demo_app, monkeypatch, tmp_path, capsys):
    from gxlib.app import preview

    gd, data, app, root = demo_app
    (tmp_path / "a-file").write_text("")  # the cache cannot be made under a file (even by root)
    monkeypatch.setattr(preview, "cache_dir", lambda: tmp_path / "a-file" / "preview")
    html = preview.snapshot(root)
    assert html.count('class="gxp-chart-wait"') == 4
    assert preview._rename(app.kpis.value) in html
    assert "charts not drawn" in capsys.readouterr().err


def test_a_view_with_filters_is_previewed_as_itself(demo_app):
    """A URL with filters gets the preview of its own view (its cards), never the default page's."""
    from gxlib.app import preview

    gd, data, app, root = demo_app
    other = gd.OverviewApp(data, {"year": "2022", "level": "县级"})
    html = preview.snapshot(other.widget(), render=False)
    assert other.kpis.value != app.kpis.value
    assert preview._rename(other.kpis.value) in html and preview._rename(app.kpis.value) not in html


def test_page_and_show_under_gx_serve_only(demo_app, monkeypatch):
    """warm() makes the preview only when served (GX_PREVIEW=1); show() displays it before the page."""
    gd, data, app, root = demo_app
    monkeypatch.setenv("GX_PREVIEW", "0")
    gd.warm(gd.OverviewApp, data)
    page = gd.page(gd.OverviewApp, data, {})
    assert getattr(page, "_gx_preview", None) is None and "gx-page" in page._dom_classes
    monkeypatch.setenv("GX_PREVIEW", "1")
    gd.warm(gd.OverviewApp, data)
    page = gd.page(gd.OverviewApp, data, {})
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    gd.show(page)
    (bundle,), kw = shown[0]
    assert kw == {"raw": True} and "gxp-preview" in bundle["application/vnd.gx.preview+html"]
    assert shown[1][0] == (page,)
    gd.show(None)
    assert len(shown) == 2


def test_kernel_env_turns_it_on_unless_told_off(tmp_path):
    assert serve.kernel_env(base={})["GX_PREVIEW"] == "1"
    assert serve.kernel_env(base={"GX_PREVIEW": "0"})["GX_PREVIEW"] == "0"


def _texts(page, sel: str) -> list[str]:
    return [t.strip() for t in page.locator(sel).all_inner_texts()]


def _live_kpis(browser, url: str) -> list[str]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    live = ctx.new_page()
    live.goto(url, wait_until="commit")
    live.wait_for_selector(".gx-state", state="attached", timeout=90_000)
    live.wait_for_selector(LIVE_MARK, timeout=90_000)
    live.wait_for_function("() => !document.querySelector('.gxp-preview')", timeout=60_000)
    assert live.locator(".gx-page").is_visible()
    assert live.locator(".gx-banner:visible").count() == 1  # the live banner only
    assert not live.evaluate("() => document.body.classList.contains('gx-hydrating')")
    kpis = _texts(live, ".gx-kpi")
    ctx.close()
    return kpis


def _without_frontend(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.route(re.compile(r".*/voila/static/voila\.js.*"), lambda r: r.abort())
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".gxp-preview .gxp-kpi", state="visible", timeout=90_000)
    return ctx, page


@pytest.fixture(scope="module")
def default_kpis(voila_server, browser) -> list[str]:
    return _live_kpis(browser, f"{voila_server}/voila/render/overview.ipynb")


@pytest.mark.browser
def test_preview_shows_the_numbers_without_voilas_frontend(voila_server, browser, default_kpis):
    """With Voilà's frontend blocked, the page still shows the charts and the same KPI cards the live
    page shows; a normal load then replaces the preview by the live page and removes it."""
    ctx, page = _without_frontend(browser, f"{voila_server}/voila/render/overview.ipynb")
    page.wait_for_selector(".gxp-preview svg .role-mark", state="visible", timeout=30_000)
    assert page.locator(".gxp-chart-slot svg").count() == 4
    assert _texts(page, ".gxp-kpi") == default_kpis
    assert page.locator(".gxp-demo").is_visible()  # the demo-data banner is there from the first paint
    assert page.locator(".gx-chart").count() == 0  # no live page without the frontend
    ctx.close()


@pytest.mark.browser
def test_a_live_page_that_does_not_come_leaves_the_preview_saying_so(voila_server, browser):
    """Under load the live page can take minutes: past the swap's time limit a page with no live
    widgets keeps its preview (never a blank page) and says the live page is still coming."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.add_init_script("window.GX_PREVIEW_LATE_MS = 1500")
    page.route(re.compile(r".*/voila/static/voila\.js.*"), lambda r: r.abort())
    page.goto(f"{voila_server}/voila/render/overview.ipynb", wait_until="commit")
    page.wait_for_selector(".gxp-preview .gxp-kpi", state="visible", timeout=90_000)
    page.wait_for_function("() => /服务器繁忙/.test(document.querySelector('.gxp-connecting').textContent)",
                           timeout=10_000)
    assert page.locator(".gxp-preview svg .role-mark").first.is_visible()
    assert page.evaluate("() => document.body.classList.contains('gx-hydrating')")
    assert page.locator(".gx-fail").count() == 0
    ctx.close()


@pytest.mark.browser
def test_the_live_page_boots_after_the_preview_is_on_screen(voila_server, browser, default_kpis):
    """Voilà's frontend is fetched only after the frame that paints the preview, and after waiting as
    long again as that paint took (a page that boots at once slows the other viewers' first paint);
    the live page still comes, although its main module then starts after the window's load event."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/voila/static/voila.js" in r.url else None)
    page.add_init_script("""window.__seen = null; (function tick() {
      if (document.querySelector('.gxp-preview svg .role-mark')) window.__seen = window.__seen || performance.now();
      else requestAnimationFrame(tick); })();""")
    page.goto(f"{voila_server}/voila/render/overview.ipynb", wait_until="commit")
    page.wait_for_function("() => window.__gx_boot", timeout=90_000)
    boot = page.evaluate("() => window.__gx_boot")
    assert 250 <= boot["wait"] <= 3000 and boot["wait"] >= min(boot["painted"], 3000) - 1
    assert page.evaluate("() => window.__seen") is not None  # the preview's chart was there first
    page.wait_for_selector(".gx-state", state="attached", timeout=90_000)
    page.wait_for_selector(LIVE_MARK, timeout=90_000)
    page.wait_for_function("() => !document.querySelector('.gxp-preview')", timeout=60_000)
    fetched = page.evaluate("() => performance.getEntriesByName(location.origin + '/voila/static/voila.js')"
                            ".map(e => e.startTime)")
    assert len(fetched) == 1 and fetched[0] >= boot["painted"] + boot["wait"] - 50
    assert _texts(page, ".gx-kpi") == default_kpis
    assert len(asked) == 1
    ctx.close()


@pytest.mark.browser
def test_the_page_has_no_parser_blocking_frontend_script(voila_server):
    """The gx template swaps Voilà's <script src=…/voila.js> for its boot script; if Voilà's markup
    changes upstream the swap would silently not happen (and the page boot at once)."""
    page = urllib.request.urlopen(f"{voila_server}/voila/render/overview.ipynb", timeout=120).read().decode()
    assert 'src="/voila/static/voila.js"' not in page
    assert '})("/voila/static/voila.js");' in page
