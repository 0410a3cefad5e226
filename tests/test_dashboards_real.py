# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""The dashboards on a corpus built in the session from the real reports in ../shared/corpus
(issue 17), in a real ``gx serve`` and Debian chromium.  Expected values come from gxlib.metrics /
gxlib.roster on the same corpus, never hard-coded.  Skips without ../shared.

Two servers: the real corpus as built (no roster), and the real corpus plus one synthetic report
whose agency is ``=HYPERLINK(A1)财政局`` served with a roster file written by the test.
"""

from __future__ import annotations

import io
import shutil
import time
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import polars as pl
import pytest
from conftest import SERVER_START_TIMEOUT, _wait_http, free_port, start_server, stop_server
from real_corpus import SOURCES, build_real_corpus, real_corpus_dir  # noqa: F401

from gxlib import metrics, roster
from gxlib.corpus import load_corpus

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "=HYPERLINK(A1)财政局"
RENDER_MS = 120_000


def _serve(corpus: Path, log: Path, extra: list[str] | None = None):
    port = free_port()
    # these servers test the live pages' numbers on real corpora; the static first paint is tested on
    # the demo server (tests/test_preview.py), and drawing its SVGs for every new corpus costs the suite
    proc = start_server(port, log, str(corpus), extra, env_extra={"GX_PREVIEW": "0"})
    base = f"http://127.0.0.1:{port}"
    _wait_http(base + "/", proc, SERVER_START_TIMEOUT, log)
    return proc, base


@pytest.fixture(scope="module")
def real_server(real_corpus_dir, tmp_path_factory):
    log = tmp_path_factory.mktemp("voila-real") / "voila.log"
    proc, base = _serve(real_corpus_dir, log)
    try:
        yield base, load_corpus(real_corpus_dir)
    finally:
        stop_server(proc)


def _unsettled_new_total(text: str) -> str:
    """The report with its 本年新收 总计 printed as an OCR misread (O for 0): the row then prints six
    numbers for seven columns, and none of its cells is settled (every real report's is, now)."""
    k = text.index("0 |", text.index("一、本年新收政府信息公开申请数量"))
    for _ in range(6):
        k = text.index("0 |", k + 1)
    return text[:k] + "O" + text[k + 1:]


@pytest.fixture(scope="module")
def roster_server(tmp_path_factory):
    """Real reports + one report of =HYPERLINK(A1)财政局 (its 本年新收 总计 misread), with a roster made here."""
    tmp = tmp_path_factory.mktemp("roster")
    extra = tmp / "extra"
    extra.mkdir()
    demo = REPO / "data" / "demo" / "reports" / "fujian-fuzhou-minhou-jyj_2020.txt"
    (extra / "hostile_2020.txt").write_text(_unsettled_new_total(demo.read_text(encoding="utf-8").replace(
        "闽侯县教育和体育局", HOSTILE)), encoding="utf-8")
    corpus = tmp / "corpus"
    if not all(s.is_dir() for s in SOURCES):
        pytest.skip("the real reports are not at ../shared/corpus")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "gxlib.cli", "build", *map(str, SOURCES), str(extra), "-o", str(corpus),
                        "--no-progress"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    # who must publish: the zone government from 2019, 广元市财政局 from 2019, and a body with no report
    roster_file = tmp / "名单.csv"
    roster_file.write_text("机关,起始年度,层级,机关类型\n平潭综合实验区党工委管委会,2019,县级,政府\n"
                           "广元市财政局,2019,市级,部门\n平潭综合实验区审计局,2021,县级,部门\n", encoding="utf-8")
    log = tmp / "voila.log"
    proc, base = _serve(corpus, log, ["--roster", str(roster_file), "--no-preheat"])
    try:
        yield base, load_corpus(corpus), roster.read_roster(roster_file)
    finally:
        stop_server(proc)
        shutil.copy(log, REPO / "artifacts" / "voila-roster-server.log") if (REPO / "artifacts").is_dir() else None


def _open(browser, base: str, name: str, query: str = "", viewport=(1280, 900)):
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                              accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/voila/render/{name}.ipynb" + (f"?{query}" if query else ""), wait_until="commit",
              timeout=RENDER_MS)
    page.locator(".gx-state[data-query], .gx-fail").first.wait_for(state="attached", timeout=RENDER_MS)
    assert page.locator(".gx-fail").count() == 0, f"{name}: {page.inner_text('.gx-fail')}"
    return ctx, page, errors


def _download(page, panel: str, fmt: str, tmp_path: Path) -> bytes:
    with page.expect_download(timeout=30_000) as dl:
        page.click(f'.gx-download[data-name="{panel}"] button[data-fmt="{fmt}"]')
    p = tmp_path / dl.value.suggested_filename
    dl.value.save_as(p)
    return p.read_bytes()


def _csv(data: bytes) -> pl.DataFrame:
    text = data[3:].decode("utf-8")
    assert text.startswith("# 筛选条件：")
    return pl.read_csv(io.BytesIO(text.split("\n", 1)[1].encode()), infer_schema_length=None)


# ------------------------------------------------------------------------------------------ real corpus


def test_real_quality_never_says_unpublished_without_roster(real_server, browser, tmp_path):
    base, corpus = real_server
    ctx, page, _ = _open(browser, base, "quality")
    try:
        assert "未发布" not in page.inner_text('table.gx-table[data-name="grid"]')
        grid = _csv(_download(page, "grid", "csv", tmp_path))
        ycols = [c for c in grid.columns if c.endswith("年") and c[:4].isdigit()]
        cells = set(grid.select(ycols).unpivot()["value"].to_list())
        assert roster.MISSING not in cells and cells <= {roster.COLLECTED, roster.NOT_COLLECTED}
        assert roster.NOT_COLLECTED in cells  # the real corpus covers agencies in some years only
        assert "问题年数" not in grid.columns  # no ranking by "did not publish"
        # the older (pre-2019) report is listed, not counted
        older = metrics.older_reports(corpus)
        assert older.height >= 1
        shown = page.inner_text('table.gx-table[data-name="older"]')
        assert all(a in shown for a in older["agency"]) and str(older["year"][0]) in shown
    finally:
        ctx.close()


def test_real_overview_unknown_is_never_zero_and_older_excluded(real_server, browser, tmp_path):
    base, corpus = real_server
    ctx, page, _ = _open(browser, base, "overview", "year=all")
    try:
        # 表二 table: every year × item that left unknown cells out is marked; none all-unknown shows 0
        exp = (metrics.proactive_items_by_year(corpus).filter(pl.col("comparable"))
               .group_by("year", "item_zh", "series_zh").agg(metrics.known_sum("value"), pl.col("n_unknown").sum())
               .with_columns((pl.col("item_zh") + "·" + pl.col("series_zh").str.replace(r"（.*", "")).alias("label")))
        assert exp["n_unknown"].sum() > 0, "the real corpus has ambiguous 表二 cells"
        table = page.locator('table.gx-table[data-name="proactive"]')
        heads = [h.inner_text() for h in table.locator("thead th").all()]
        rows = {int(r.locator("td").first.inner_text()): r for r in table.locator("tbody tr").all()}
        for year, label, value, n_unk in exp.select("year", "label", "value", "n_unknown").iter_rows():
            td = rows[year].locator("td").nth(heads.index(label))
            txt = td.inner_text().strip()
            if value is None:
                assert txt == "—", f"{year} {label}: all unknown must show —, shows {txt!r}"
            elif n_unk:
                assert td.get_attribute("data-unknown") == str(n_unk) and txt.endswith("*"), (year, label, txt)
        note = page.locator('.gx-panel-proactive .gx-unknown-note')
        assert "无法确定的数值，未计入" in note.inner_text()
        assert int(note.get_attribute("data-unknown")) == exp["n_unknown"].sum()
        csv = _csv(_download(page, "proactive", "csv", tmp_path))
        for year, label, value, n_unk in exp.select("year", "label", "value", "n_unknown").iter_rows():
            r = csv.filter(pl.col("年度") == year)
            assert r[f"{label}（无法确定数）"].item() == n_unk
            assert (r[label].item() is None) == (value is None)
        # the older report's year (only older reports) is in no count, rate or option
        years = [o for o in page.eval_on_selector(".gx-filter-year select", "s => [...s.options].map(o => o.text)")]
        older_years = set(metrics.older_reports(corpus)["year"]) - set(metrics.reports(corpus).collect()["year"])
        assert older_years and not older_years & {int(y) for y in years if y.isdigit()}
        outcomes = _csv(_download(page, "outcomes", "csv", tmp_path))
        assert not older_years & set(outcomes["年度"].to_list())
    finally:
        ctx.close()


def test_real_kpi_says_what_it_left_out(roster_server, browser):
    """A year whose 本年新收 is unknown in one report: the card shows the sum of the others and says
    how many it left out (the real reports' cells are all settled now: the unknown one is the
    made-up report's misread total)."""
    base, corpus, _ = roster_server
    r = metrics.rate(corpus, "applications_received").filter(pl.col("n_unknown") > 0)
    assert r.height >= 1, "the roster corpus has a year with an unknown 本年新收"
    year, n = r["year"][0], r["n_unknown"][0]
    ctx, page, _ = _open(browser, base, "overview", f"year={year}")
    try:
        card = page.locator('.gx-kpi[data-kpi="applications_received"]')
        assert float(card.get_attribute("data-value")) == r["value"][0]
        assert card.locator(".gx-kpi-unknown").get_attribute("data-unknown") == str(n)
    finally:
        ctx.close()


def test_real_agency_with_few_peers_has_no_band(real_server, browser):
    base, corpus = real_server
    ri = metrics.report_indicators(corpus)
    key = "广元市财政局"
    prof = metrics.agency_profile(ri, key)
    assert (prof["n_peers"] < 3).all() and prof["peer_q1"].is_null().all()
    ctx, page, _ = _open(browser, base, "agency", f"agency={quote(key)}")
    try:
        page.wait_for_selector(".gx-chart-profile svg .role-mark", state="attached", timeout=60_000)
        assert metrics.PEERS_LACKING in page.inner_text(".gx-peers-lacking")
        # no area (the band) has a drawn path
        drawn = page.eval_on_selector_all(".gx-chart-profile svg .mark-area path",
                                          "ps => ps.filter(p => (p.getAttribute('d') || '').length > 2).length")
        assert drawn == 0
        assert "同层级" not in page.inner_text('table.gx-table[data-name="profile"]')
    finally:
        ctx.close()


def test_real_url_follows_every_change_and_bad_values_are_said(real_server, browser):
    base, corpus = real_server
    ctx, page, _ = _open(browser, base, "overview", "year=2099&tpl=2021")
    try:
        assert "2099" in page.inner_text(".gx-url-notice")
        reps = metrics.reports(corpus).collect()
        years = sorted(reps["year"].unique().to_list())
        rank = metrics.INDICATORS["open_rate"].name_zh
        for sel, label, k, v in ((".gx-filter-year select", str(years[0]), "year", str(years[0])),
                                 (".gx-filter-template select", "2019", "tpl", "2019"),
                                 (".gx-filter-year select", str(years[-1]), "year", str(years[-1])),
                                 (".gx-filter-rank select", rank, "rank", "open_rate")):
            page.select_option(sel, label=label)
            page.wait_for_selector(f'.gx-state[data-query*="{k}={v}"]', state="attached", timeout=30_000)
            url = parse_qs(urlsplit(page.url).query)
            assert url.get(k) == [v], f"URL {page.url} after {k}={v}"
            assert page.get_attribute(".gx-state", "data-query") == urlsplit(page.url).query
    finally:
        ctx.close()


def test_real_legacy_template_link_loads(real_server, browser):
    base, _ = real_server
    ctx, page, errors = _open(browser, base, "overview", "template=2021")
    try:
        assert "tpl=2021" in page.get_attribute(".gx-state", "data-query")
        assert page.locator("link[href*='cdn.']").count() == 0
    finally:
        ctx.close()
    ctx, page, errors = _open(browser, base, "overview", "template=lab&theme=dark")
    try:
        assert page.locator("body.theme-light").count() == 1  # no theme override from the URL
        assert page.locator("link[href*='cdn.']").count() == 0
    finally:
        ctx.close()


def test_real_print_to_pdf_has_every_section(real_server, browser, tmp_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    base, _ = real_server
    ctx, page, _ = _open(browser, base, "agency", f"agency={quote('平潭综合实验区')}")
    try:
        page.wait_for_selector(".gx-chart-profile svg .role-mark", state="attached", timeout=60_000)
        pdf = tmp_path / "agency.pdf"
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True)
        with pdfplumber.open(pdf) as doc:
            # NFKC: the PDF's CJK font maps some characters to Kangxi radicals (⽰ for 示)
            text = unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in doc.pages))
            n = len(doc.pages)
        for title in ("主要指标与同级比较", "历年报告", "检查发现及所指单元格"):
            assert title in text.replace(" ", ""), f"{title} missing from the printed PDF ({n} pages)"
        assert n >= 2
    finally:
        ctx.close()


def test_real_unidentified_is_an_option_of_every_filter_and_keeps_its_reports(roster_server, browser):
    """Reports whose level / type / region is unknown are selectable (未识别) and never vanish.  The
    real reports' levels are all inferred now, so the unknown one is the made-up =HYPERLINK(A1)财政局
    (a 财政局 of no named place) among them."""
    from gxlib.app.data import UNIDENTIFIED

    base, corpus, _ = roster_server
    reps = metrics.reports(corpus).collect()
    unknown = reps.filter(pl.col("level").is_null())
    assert unknown.height >= 1 and HOSTILE in unknown["agency"].to_list()
    year = int(unknown["year"].max())
    ctx, page, _ = _open(browser, base, "overview", f"year={year}")
    try:
        for col in ("region", "level", "agency_type"):
            opts = page.eval_on_selector(f".gx-filter-{col} select", "s => [...s.options].map(o => o.text)")
            assert (UNIDENTIFIED in opts) == (reps[col].null_count() > 0), (col, opts)
        page.select_option(".gx-filter-level select", label=UNIDENTIFIED)
        page.wait_for_selector(f'.gx-state[data-query*="level={quote(UNIDENTIFIED)}"]', state="attached",
                               timeout=30_000)
        n = unknown.filter(pl.col("year") == year).height
        assert float(page.get_attribute('.gx-kpi[data-kpi="reports"]', "data-value")) == n
        assert parse_qs(urlsplit(page.url).query)["level"] == [UNIDENTIFIED]
    finally:
        ctx.close()
    # the shared link selects them again; the quality grid keeps those agencies
    ctx, page, _ = _open(browser, base, "quality", f"level={quote(UNIDENTIFIED)}")
    try:
        assert page.locator(".gx-url-notice").count() == 0
        keys = reps.filter(pl.col("level").is_null())["agency_key"].n_unique()
        assert int(page.get_attribute('table.gx-table[data-name="grid"]', "data-rows")) == keys
        assert UNIDENTIFIED in page.inner_text('table.gx-table[data-name="grid"]')
    finally:
        ctx.close()


def test_real_region_totals_follow_the_grouping(real_server, browser, tmp_path):
    """地区合计 on the page = gxlib.registry.region_totals (each application once), by parent and level."""
    from gxlib import registry

    base, corpus = real_server
    ctx, page, _ = _open(browser, base, "overview", "year=all&group=level")
    try:
        page.wait_for_selector(".gx-chart-regions svg .role-mark", state="attached", timeout=60_000)
        exp = registry.region_totals(corpus, by="level").filter(pl.col("year") >= 2019)
        got = _csv(_download(page, "regions", "csv", tmp_path))
        assert got.height == exp.height
        lv = {"未知": "未识别"}
        # a group-year with no known value is empty, never 0
        want = {(lv.get(g, g), y): (v if a + m < n else None)
                for g, y, v, a, m, n in exp.select("group", "year", "value", "n_ambiguous", "n_missing",
                                                   "n_counted").iter_rows()}
        assert {(g, y): v for g, y, v in got.select("分组", "年度", "本年新收申请").iter_rows()} == want
        page.select_option(".gx-filter-group select", label="按上级机关")
        page.wait_for_selector('.gx-state[data-query*="group=parent"]', state="attached", timeout=30_000)
        text = page.inner_text('table.gx-table[data-name="regions"]')
        assert "平潭综合实验区" in text and "并入汇总报告数" in text
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------------ with a roster


def test_roster_gives_the_expected_unpublished_cells_and_formula_stays_text(roster_server, browser, tmp_path):
    import openpyxl

    base, corpus, ros = roster_server
    have = set(metrics.reports(corpus, include_older=True).collect().select("agency_key", "year").iter_rows())
    years = sorted(metrics.reports(corpus).collect()["year"].unique().to_list())
    want = {(k, y) for k, fy in ros.select("agency_key", "from_year").iter_rows()
            for y in range(max(fy, years[0]), years[-1] + 1) if (k, y) not in have}
    assert want, "the roster must leave some listed years without a report"
    ctx, page, _ = _open(browser, base, "quality")
    try:
        grid = _csv(_download(page, "grid", "csv", tmp_path))
        ycols = [c for c in grid.columns if c.endswith("年") and c[:4].isdigit()]
        got = {(k, int(c[:4])) for k, *vals in grid.select("机关代码", *ycols).iter_rows()
               for c, v in zip(ycols, vals) if v == roster.MISSING}
        assert got == want
        # a report of a body not on the roster is listed as 名单外; its formula-like name stays text in Excel
        assert HOSTILE in page.inner_text('table.gx-table[data-name="off_roster"]')
        wb = openpyxl.load_workbook(io.BytesIO(_download(page, "off_roster", "xlsx", tmp_path)))
        cells = [c for row in wb["数据"].iter_rows() for c in row if c.value == HOSTILE]
        assert cells and all(c.data_type == "s" for c in cells)
        assert "筛选条件" in wb.sheetnames
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------------ phone


PHONE_OVERFLOW_JS = """() => {
  // the page's scrolling boxes (the document, body, and Voilà's lab shell) must not scroll sideways
  const boxes = [document.documentElement, document.body, ...document.querySelectorAll(
      '#rendered_cells, #main, #jp-main-content-panel, .jp-Notebook')];
  const scrolling = boxes.filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => `${e.tagName}#${e.id || ''}.${e.className} ${e.scrollWidth}>${e.clientWidth}`);
  // nothing sticks out of the screen, charts included (only tables scroll, inside .gx-scroll)
  const out = [...document.querySelectorAll('#rendered_cells *')].filter(e => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > innerWidth + 1 && !e.closest('.gx-scroll'); })
      .map(e => `${e.tagName}.${String(e.className.baseVal ?? e.className).slice(0, 40)} right=${Math.round(e.getBoundingClientRect().right)}`);
  const charts = [...document.querySelectorAll('.gx-chart')].filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => `${e.className} ${e.scrollWidth}>${e.clientWidth}`);
  return {scrolling, out: out.slice(0, 10), n_out: out.length, charts};
}"""


@pytest.mark.parametrize("name", ["overview", "quality", "agency"])
def test_phone_viewport_has_no_horizontal_overflow(real_server, browser, name):
    base, _ = real_server
    ctx, page, _ = _open(browser, base, name, viewport=(390, 844))
    try:
        page.wait_for_selector(".vega-embed svg", state="attached", timeout=60_000)
        page.wait_for_function("() => [...document.querySelectorAll('.gx-chart')].every(c => c.querySelector('svg'))",
                               timeout=60_000)
        time.sleep(0.5)
        out = REPO / "artifacts" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"phone-{name}.png"), full_page=True)
        sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sw <= cw + 1, f"{name}: page is {sw}px wide in a {cw}px viewport"
        got = page.evaluate(PHONE_OVERFLOW_JS)
        assert not got["scrolling"], f"{name}: the page scrolls sideways: {got['scrolling']}"
        assert got["n_out"] == 0, f"{name}: {got['n_out']} elements stick out of the 390px screen: {got['out']}"
        assert not got["charts"], f"{name}: charts wider than the screen (clipped or scrolled): {got['charts']}"
        # every chart is drawn (not collapsed to nothing) and fits the screen
        widths = page.eval_on_selector_all(".gx-chart svg", "ss => ss.map(s => s.getBoundingClientRect().width)")
        assert widths and all(100 < w <= 390 for w in widths), widths
    finally:
        ctx.close()
