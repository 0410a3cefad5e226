# ruff: noqa: F811  (pytest fixtures imported from dashboard_fixtures are redefined as test arguments)
"""Data-only chart updates (gxlib.app.chartjs) in a real chromium against a real ``gx serve``.

A filter change that keeps a chart's shape puts the new rows into the running vega view instead of
embedding the chart again; the SVG it draws must be the one a fresh page at that URL draws.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from dashboard_fixtures import MARK, dash_pages, dash_server, open_dash  # noqa: F401

from gxlib.app import bundle, chartjs, overview
from gxlib.app.data import UNIDENTIFIED, _load

SWAPPABLE = ("outcomes", "proactive", "ranking")


def test_altair_source_has_the_patch_anchors():
    """Fails when an altair release moves the lines the patch goes in (charts would then be
    embedded again on every update: slower, not wrong)."""
    src = chartjs.altair_source()
    assert chartjs.missing_anchors(src) == []
    patched = chartjs.source()
    assert "gxSwapData" in patched and patched.count("gxShown") >= 4
    assert "gxSwapData" in bundle.bundle_text()
    assert chartjs.digest() in bundle._name()


def _svg(page, name: str) -> str:
    html = page.locator(f".gx-chart-{name} svg").first.evaluate("s => s.outerHTML")
    return re.sub(r'(id|clip-path)="[^"]*"', "", html)  # vega numbers clip paths per page


def _canonical(svg: str) -> tuple[str, list[str]]:
    """(the SVG without its axes, the axes' elements sorted): marks must be the same, in the same
    order; an axis keeps the ticks it had and adds new ones after them, in another DOM order."""
    marks, axes, depth, inside = [], [], 0, 0
    for tok in re.split(r"(<g[^>]*>|</g>)", svg.replace("><", ">\n<")):
        if tok.startswith("<g"):
            depth += 1
            inside = inside or (depth if "role-axis" in tok else 0)
        (axes if inside else marks).append(tok)
        if tok == "</g>":
            inside = 0 if inside == depth else inside
            depth -= 1
    return "".join(marks), sorted(x for t in axes for x in t.split("\n"))


def _swaps(page, name: str) -> int:
    v = page.locator(f".gx-chart-{name}").first.get_attribute("data-gx-swaps")
    return int(v or 0)


def _filter_changing_the_picked_item(corpus) -> tuple[str, str]:
    """(filter, value) whose 表二 chart starts its selection on another item than the default view's,
    so the update also sets the selection's store."""
    data = _load(str(corpus.resolve()))

    def pick(state):
        spec = overview.proactive_spec(overview.proactive_frame(data, state)).spec
        return [p.get("value") for p in spec.get("params", [])]

    return next((col, v) for col in ("level", "agency_type", "region", "template")
                for v in data.options(col) if v != UNIDENTIFIED and pick({col: v}) != pick({}))


@pytest.mark.browser
def test_data_only_update_draws_what_a_fresh_page_draws(dash_server, browser, dash_pages):
    dp = open_dash(dash_server, browser, dash_pages, "overview")
    page = dp.page
    col, value = _filter_changing_the_picked_item(dash_server.corpus)
    before = {n: _swaps(page, n) for n in SWAPPABLE}
    page.select_option(f".gx-filter-{col} select", label=value)
    dp.wait_state(f"{col}={quote(value)}")
    page.wait_for_function(
        "(n) => Number(document.querySelector('.gx-chart-outcomes')?.dataset.gxSwaps ?? 0) > n",
        arg=before["outcomes"], timeout=30_000)
    swapped = [n for n in SWAPPABLE if _swaps(page, n) > before[n]]
    assert {"outcomes", "proactive"} <= set(swapped)  # the trends kept their shapes: new rows, no new embed
    drawn = {n: _svg(page, n) for n in SWAPPABLE}

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        fresh = ctx.new_page()
        errors: list[str] = []
        fresh.on("pageerror", lambda e: errors.append(str(e)))
        q = page.locator(".gx-state").get_attribute("data-query")
        fresh.goto(f"{dash_server.base}/voila/render/overview.ipynb?{q}", wait_until="commit", timeout=90_000)
        fresh.wait_for_selector(f'.gx-state[data-query="{q}"]', state="attached", timeout=90_000)
        for n in SWAPPABLE:
            fresh.wait_for_selector(f".gx-chart-{n} svg .role-mark", state="attached", timeout=90_000)
        for n in swapped:
            assert _swaps(fresh, n) == 0
            assert _canonical(_svg(fresh, n)) == _canonical(drawn[n]), f"{n}: the updated chart differs from a fresh embed"
        assert errors == []
    finally:
        ctx.close()
    assert not [e for e in dp.errors if "gxlib" in e or "pageerror" in e], dp.errors
