# ruff: noqa: F811  (pytest fixtures imported from dashboard_fixtures are redefined as test arguments)
"""The three Voilà dashboards in a real chromium against a real ``gx serve`` (marked ``browser``).

Expected numbers are computed here with gxlib.metrics on the corpus the server serves (the bundled
demo corpus by default; see tests/dashboard_fixtures.py), never hard-coded.  One server and one page
per dashboard for the whole module; the tests of a dashboard run in order on its page.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from urllib.parse import quote, urlsplit

import polars as pl
import pytest
from dashboard_fixtures import MARK, dash_corpus, dash_pages, dash_server, open_dash  # noqa: F401

from gxlib import app as gd
from gxlib import metrics, serve
from gxlib.roster import read_roster

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SOURCE_SNIPPETS = ["from gxlib import app", "gd.enable_offline", "gd.query_params", "gd.page("]
DEMO_BANNER = gd.DEMO_TEXT


# --------------------------------------------------------------------------- helpers


def frames(corpus, **flt) -> metrics.Frames:
    """The corpus restricted to reports whose meta columns equal ``flt`` (independent of the dashboard)."""
    rep = corpus.reports
    for k, v in flt.items():
        rep = rep.filter(pl.col(k) == v)
    return metrics.Frames(reports=rep, cells=corpus.cells, findings=corpus.findings)


def _year_value(frame: pl.DataFrame, year: int, col: str = "value"):
    r = frame.filter(pl.col("year") == year)
    return r[col][0] if r.height else None


def expected_kpis(corpus, year: int, **flt) -> dict[str, float | None]:
    f = frames(corpus, **flt)
    reps = metrics.reports(f).filter(pl.col("year") == year).collect()
    errors = (metrics.findings(f).filter((pl.col("severity") == "error") & (pl.col("year") == year))
              .select("report_id").unique().collect())
    return {
        "reports": float(reps.height),
        "applications_received": _year_value(metrics.rate(f, "applications_received", by="year"), year),
        "grant_rate": _year_value(metrics.grant_rate(f, by="year"), year),
        "correction_rate": _year_value(metrics.correction_rate(f, by="year"), year),
        "reports_with_errors": float(errors.height),
    }


def kpi_values(page) -> dict[str, float | None]:
    out = {}
    for el in page.locator(".gx-kpi").all():
        v = el.get_attribute("data-value")
        out[el.get_attribute("data-kpi")] = float(v) if v else None
    return out


def assert_kpis(page, expected: dict) -> None:
    got = kpi_values(page)
    for k, v in expected.items():
        g = got.get(k)
        if v is None:
            assert g is None, f"{k}: expected no value, page shows {g}"
        else:
            assert g is not None and math.isclose(g, v, rel_tol=1e-9, abs_tol=1e-12), f"{k}: page {g} != metrics {v}"


def selected_label(page, cls: str) -> str:
    return page.eval_on_selector(f".{cls} select", "s => s.options[s.selectedIndex].text")


def download(page, panel: str, fmt: str, tmp_path: Path) -> bytes:
    with page.expect_download(timeout=30_000) as dl:
        page.click(f'.gx-download[data-name="{panel}"] button[data-fmt="{fmt}"]')
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.suffix == f".{fmt}"
    return path.read_bytes()


def read_csv(data: bytes, strings: bool = False) -> pl.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV should carry a UTF-8 BOM for Excel"
    text = data[3:].decode("utf-8")
    assert text.startswith("# 筛选条件："), "a download records the view's filters"
    body = text.split("\n", 1)[1].encode()
    if strings:
        return pl.read_csv(io.BytesIO(body), infer_schema=False)
    return pl.read_csv(io.BytesIO(body), infer_schema_length=None)


def csv_number(v) -> float | None:
    """A CSV cell as a number: ``43.33%`` → 0.4333, ``2115`` → 2115."""
    if v is None or isinstance(v, (int, float)):
        return v
    return float(v[:-1]) / 100 if v.endswith("%") else float(v)


def read_xlsx(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def check_page_hygiene(dp, screenshot_dir: Path) -> None:
    page = dp.page
    html = page.content()
    for s in SOURCE_SNIPPETS:
        assert s not in html, f"{dp.name}: notebook source visible: {s!r}"
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeCell .jp-Editor").count() == 0
    web = [u for u in dp.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    foreign = sorted(u for u in web if urlsplit(u).hostname not in LOCAL_HOSTS)
    assert not foreign, f"{dp.name}: requests left localhost: {foreign}"
    assert not dp.errors, f"{dp.name}: browser errors:\n" + "\n".join(dp.errors)
    # the lab template scrolls inside the page: a tall viewport captures the whole dashboard
    page.set_viewport_size({"width": 1280, "height": 3600})
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / f"dashboard-{dp.name}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


# --------------------------------------------------------------------------- 总览


@pytest.fixture(scope="module")
def overview_case(dash_corpus):
    reps = metrics.reports(dash_corpus).collect()
    years = sorted(reps["year"].unique().to_list())
    levels = reps["level"].drop_nulls().value_counts().sort(["count", "level"], descending=[True, False])["level"].to_list()
    assert len(years) >= 2 and len(levels) >= 2, "the demo corpus should span years and levels"
    return {"year": years[-2], "level": levels[0], "level2": levels[1]}


def test_overview_loads_with_url_state(dash_server, browser, dash_pages, dash_corpus, overview_case):
    y, lv = overview_case["year"], overview_case["level"]
    dp = open_dash(dash_server, browser, dash_pages, "overview", f"year={y}&level={quote(lv)}")
    page = dp.page
    print(f"overview: first render {dp.seconds:.2f}s")
    assert DEMO_BANNER in page.inner_text(".gx-demo")
    # the URL preset the filters
    assert selected_label(page, "gx-filter-year") == str(y)
    assert selected_label(page, "gx-filter-level") == lv
    # charts rendered with marks (outcomes, 表二, ranking)
    for name in ("outcomes", "proactive"):
        assert page.locator(f".gx-chart-{name} svg .role-mark").count() > 0, name
    assert page.locator(".gx-chart-outcomes svg").inner_html().count("模板变更") >= 1
    # KPI numbers are those of gxlib.metrics on the same filter
    assert_kpis(page, expected_kpis(dash_corpus, y, level=lv))
    # every KPI card says what it means on hover
    for el in page.locator(".gx-kpi").all():
        assert len(el.get_attribute("title")) > 10


def test_overview_filter_change_updates_charts_kpis_and_url(dash_server, browser, dash_pages, dash_corpus,
                                                           overview_case, tmp_path):
    y, lv2 = overview_case["year"], overview_case["level2"]
    dp = open_dash(dash_server, browser, dash_pages, "overview", f"year={y}&level={quote(overview_case['level'])}")
    page = dp.page
    before = page.locator(".gx-chart-outcomes svg").inner_html()
    page.select_option(".gx-filter-level select", label=lv2)
    dp.wait_state(f"level={quote(lv2)}")
    page.wait_for_function(
        "b => { const s = document.querySelector('.gx-chart-outcomes svg'); return s && s.innerHTML !== b; }",
        arg=before, timeout=15_000)
    assert_kpis(page, expected_kpis(dash_corpus, y, level=lv2))
    assert f"level={quote(lv2)}" in page.url and f"year={y}" in page.url

    # the outcome table download = metrics.applications_by_outcome on the same filter
    exp = metrics.applications_by_outcome(frames(dash_corpus, level=lv2), by="year")
    got = read_csv(download(page, "outcomes", "csv", tmp_path))
    assert got.height == exp["year"].n_unique()
    for yr, zh_, cnt in exp.select("year", "outcome_zh", "count").iter_rows():
        row = got.filter(pl.col("年度") == yr)
        assert math.isclose(row[zh_][0], cnt), (yr, zh_)

    # the ranking as Excel: all agencies of metrics.rankings, plus the 指标定义 sheet
    exp_rank = metrics.rankings(frames(dash_corpus, level=lv2), "grant_rate", year=y)
    sheets = read_xlsx(download(page, "ranking", "xlsx", tmp_path))
    assert set(sheets) == {"数据", "指标定义", "筛选条件"}
    assert len(sheets["数据"]) - 1 == exp_rank.height
    shown = dict(sheets["筛选条件"][1:])
    assert shown["年度"] == str(y) and shown["层级"] == lv2  # the view's filters travel with the file
    assert any(r[0] == "予以公开率" for r in sheets["指标定义"])


def test_overview_url_round_trip_and_hygiene(dash_server, browser, dash_pages, overview_case, screenshot_dir):
    dp = open_dash(dash_server, browser, dash_pages, "overview")
    page = dp.page
    # the URL the page now shows opens the same state in a new visit
    url = page.url
    ctx = browser.new_context(locale="zh-CN")
    try:
        p2 = ctx.new_page()
        p2.goto(url, wait_until="commit")
        p2.wait_for_selector(".gx-state[data-query]", state="attached", timeout=90_000)
        assert selected_label(p2, "gx-filter-level") == selected_label(page, "gx-filter-level")
        assert selected_label(p2, "gx-filter-year") == selected_label(page, "gx-filter-year")
        assert kpi_values(p2) == kpi_values(page)
    finally:
        ctx.close()
    check_page_hygiene(dp, screenshot_dir)
    # the vega bundle comes once, as the gx template's static file (gxlib.app.bundle), not inside
    # every chart widget's state over the websocket (≈0.9 MB per chart, 3.9 MB for this page)
    bundles = [u for u in dp.requests if "/voila/templates/gx/static/jupyterchart.js?v=" in u]
    assert len(bundles) == 1, bundles
    assert dp.ws_bytes[0] < 1_000_000, f"{dp.ws_bytes[0]:,} bytes over the websocket"


# --------------------------------------------------------------------------- 单位画像


@pytest.fixture(scope="module")
def agency_case(dash_corpus):
    f = metrics.findings(dash_corpus).collect()
    counts = f.group_by("agency_key").agg(pl.len().alias("n")).sort(["n", "agency_key"], descending=[True, False])
    reps = metrics.reports(dash_corpus).collect()
    keys = counts["agency_key"].to_list() or reps["agency_key"].unique().sort().to_list()
    other = next(k for k in reps["agency_key"].unique().sort().to_list() if k != keys[0])
    return {"key": keys[0], "other": other}


def other_name(corpus, key: str) -> str:
    return metrics.reports(corpus).filter(pl.col("agency_key") == key).sort("year").collect()["agency"][-1]


def _agency_label(corpus_path: Path, key: str) -> str:
    labels = {v: k for k, v in gd.agency_choices(gd.load(corpus_path)).items()}
    return labels[key]


def test_agency_card_from_url(dash_server, browser, dash_pages, dash_corpus, agency_case, tmp_path):
    key = agency_case["key"]
    dp = open_dash(dash_server, browser, dash_pages, "agency", f"agency={quote(key)}")
    page = dp.page
    print(f"agency: first render {dp.seconds:.2f}s")
    assert DEMO_BANNER in page.inner_text(".gx-demo")
    assert page.locator(".gx-facts").get_attribute("data-agency") == key
    assert page.input_value(".gx-filter-agency input") == _agency_label(dash_server.corpus, key)
    assert page.locator(".gx-chart-profile svg .role-mark").count() > 0

    # findings with the cells they point at: the rows of metrics.findings for this agency
    exp_f = metrics.findings(dash_corpus).filter(pl.col("agency_key") == key).collect()
    assert int(page.locator('table.gx-table[data-name="findings"]').get_attribute("data-rows")) == exp_f.height
    got_f = read_csv(download(page, "findings", "csv", tmp_path), strings=True)
    assert got_f.height == exp_f.height
    assert sorted(got_f["原文"].fill_null("").to_list()) == sorted(exp_f["raw"].fill_null("").to_list())
    assert sorted(got_f["位置"].fill_null("").to_list()) == sorted(exp_f["where"].fill_null("").to_list())

    # the profile download = metrics.agency_profile
    exp_p = metrics.agency_profile(dash_corpus, key)
    got_p = read_csv(download(page, "profile", "csv", tmp_path))
    assert got_p.height == exp_p.height
    for ind, yr, med in exp_p.select("indicator", "year", "peer_median").iter_rows():
        row = got_p.filter((pl.col("指标代码") == ind) & (pl.col("年度") == yr))
        g = csv_number(row["同级中位数"][0])
        # rates are written as percentages to two decimals (43.33%), counts as numbers
        assert (g is None and med is None) or math.isclose(g, med, abs_tol=1e-4), (ind, yr, g, med)


def test_agency_pick_updates_and_prints(dash_server, browser, dash_pages, dash_corpus, agency_case, screenshot_dir):
    key = agency_case["key"]
    dp = open_dash(dash_server, browser, dash_pages, "agency", f"agency={quote(key)}")
    page = dp.page
    other = agency_case["other"]
    inp = page.locator(".gx-filter-agency input")
    inp.fill(_agency_label(dash_server.corpus, other))
    inp.press("Enter")
    dp.wait_state(f"agency={quote(other)}")
    assert page.locator(".gx-facts").get_attribute("data-agency") == other
    assert f"agency={quote(other)}" in page.url
    page.wait_for_selector(".gx-chart-profile svg .role-mark", state="attached", timeout=15_000)
    assert other_name(dash_corpus, other) in page.locator(".gx-chart-profile svg").inner_html()
    exp = metrics.findings(dash_corpus).filter(pl.col("agency_key") == other).collect().height
    assert int(page.locator('table.gx-table[data-name="findings"]').get_attribute("data-rows")) == exp
    # print layout: the controls disappear
    page.emulate_media(media="print")
    try:
        assert page.locator(".gx-filterbar").first.is_hidden()
        assert page.locator(".gx-download").first.is_hidden()
    finally:
        page.emulate_media(media="screen")
    check_page_hygiene(dp, screenshot_dir)


# --------------------------------------------------------------------------- 数据质量


def test_quality_grid_and_drilldown(dash_server, browser, dash_pages, dash_corpus, tmp_path):
    dp = open_dash(dash_server, browser, dash_pages, "quality")
    page = dp.page
    print(f"quality: first render {dp.seconds:.2f}s")
    assert DEMO_BANNER in page.inner_text(".gx-demo")
    assert page.locator(".gx-chart-publication svg .role-mark").count() > 0

    reps = metrics.reports(dash_corpus).collect()
    years = sorted(reps["year"].unique().to_list())
    n_years = years[-1] - years[0] + 1
    # the demo ships its own roster: 未发布 = a listed body's year (from its 起始年度) with no report
    roster = read_roster(serve.DEMO_ROSTER)
    have = set(reps.select("agency_key", "year").iter_rows())
    missing = sum(1 for k, fy in roster.select("agency_key", "from_year").iter_rows()
                  for y in range(max(fy or years[0], years[0]), years[-1] + 1) if (k, y) not in have)
    assert missing > 0
    grid = read_csv(download(page, "grid", "csv", tmp_path))
    assert grid.height == roster.height
    ycols = [c for c in grid.columns if c.endswith("年") and c[:4].isdigit()]
    assert len(ycols) == n_years
    cells = grid.select(ycols).unpivot()["value"]
    assert (cells == gd.MISSING).sum() == missing

    # drill-down: pick a finding -> its report's source and the cell's raw text and where
    n_opts = page.locator(".gx-finding-pick select option").count()
    assert n_opts == min(500, metrics.findings(dash_corpus).collect().height)
    page.select_option(".gx-finding-pick select", index=0)
    page.wait_for_selector(".gx-drill[data-report]", timeout=15_000)
    d = page.locator(".gx-drill")
    attrs = {k: d.get_attribute(f"data-{k}") for k in ("report", "rule", "table", "row", "col")}
    attrs = {k: (None if v == "—" else v) for k, v in attrs.items()}
    f = metrics.findings(dash_corpus).collect().filter(
        (pl.col("report_id") == attrs["report"]) & (pl.col("rule") == attrs["rule"]))
    for k in ("table", "row", "col"):
        f = f.filter(pl.col(k).is_null() if attrs[k] is None else pl.col(k) == attrs[k])
    assert f.height >= 1
    row = f.row(0, named=True)
    assert page.inner_text(".gx-drill-source") == row["source"]
    assert page.inner_text(".gx-drill-raw") == (row["raw"] or "—")
    assert page.inner_text(".gx-drill-where") == (row["where"] or "—")


def test_quality_filter_and_hygiene(dash_server, browser, dash_pages, dash_corpus, screenshot_dir, tmp_path):
    dp = open_dash(dash_server, browser, dash_pages, "quality")
    page = dp.page
    reps = metrics.reports(dash_corpus).collect()
    lv = reps["level"].drop_nulls().value_counts().sort(["count", "level"], descending=[True, False])["level"][0]
    page.select_option(".gx-filter-level select", label=lv)
    dp.wait_state(f"level={quote(lv)}")
    assert f"level={quote(lv)}" in page.url
    exp = read_roster(serve.DEMO_ROSTER).filter(pl.col("level") == lv).height
    assert int(page.locator('table.gx-table[data-name="grid"]').get_attribute("data-rows")) == exp
    # rule failures by rule = metrics.findings_summary over the same reports
    exp_rules = metrics.findings_summary(frames(dash_corpus, level=lv), by="rule")
    got = read_csv(download(page, "rules", "csv", tmp_path))
    assert got.height == exp_rules.height
    assert dict(zip(got["规则代码"], got["问题数"])) == dict(zip(exp_rules["rule"], exp_rules["n_findings"]))
    assert set(got["规则"]) == set(exp_rules["rule_zh"])  # the name first, the code after it
    check_page_hygiene(dp, screenshot_dir)
