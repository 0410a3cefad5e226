"""年报自检 page (dashboards/check.ipynb) in a real chromium against a real ``gx serve`` (marked ``browser``).

Real reports from ../shared/corpus go through the page's file input; what the page must show is computed
here with gxlib (never hard-coded).  One page for the module; the tests run in order on it, and the last
one closes it and checks that the upload folder is gone from disk."""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from shared import CORPUS, needs_shared

from gxlib import read_report
from gxlib import selfcheck as sc

pytestmark = [pytest.mark.browser, needs_shared]
HONGZE = CORPUS / "002_hongzequ_2023.pdf"
GUANGYUAN = CORPUS / "guangyuan_czj_2020.txt"
PEER_MD = CORPUS / "peer" / "08_shuyang-county-2025.md"
PINGTAN = CORPUS / "pingtan"
LOCAL = {"127.0.0.1", "localhost", "::1"}
TIMEOUT = 90_000


@pytest.fixture(scope="module")
def check_page(voila_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    seen = {"requests": [], "errors": [], "context": context}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(f"{voila_server}/voila/render/check.ipynb", wait_until="commit", timeout=TIMEOUT)
    page.wait_for_selector(".gx-check input.gx-upload", state="attached", timeout=TIMEOUT)
    yield page, seen
    if not page.is_closed():
        context.close()


def seq(page) -> int:
    return int(page.eval_on_selector(".gx-check", "e => e.dataset.seq"))


def wait_seq(page, before: int) -> None:
    page.wait_for_function("n => Number(document.querySelector('.gx-check').dataset.seq) > n", arg=before,
                           timeout=TIMEOUT)


def upload(page, path: Path, selector: str = "input.gx-upload") -> None:
    """Choose ``path`` in a file input and wait until the kernel has answered it."""
    before = seq(page)
    page.set_input_files(f".gx-check {selector}", str(path))
    wait_seq(page, before)


def result_state(page) -> dict:
    return page.eval_on_selector(".gx-check-result", "e => Object.assign({}, e.dataset)")


def upload_dir(page) -> Path:
    name = page.eval_on_selector(".gx-check", "e => e.dataset.tmp")
    assert name and name.startswith("gx-check-")
    return Path(tempfile.gettempdir()) / name


def test_known_error_is_shown_on_table4_cells(check_page, screenshot_dir):
    page, _ = check_page
    upload(page, HONGZE)
    want = sc.check_path(HONGZE)
    errors = want.findings.filter(severity="error")
    assert errors.height and set(errors["table"]) == {"reviews"}
    st = result_state(page)
    assert st["state"] == "done" and st["file"] == HONGZE.name and int(st["errors"]) == errors.height
    flagged = page.eval_on_selector_all("td.gx-has-error", "es => es.map(e => e.dataset.cell)")
    assert sorted(flagged) == sorted(f"reviews.{r}.{c}" for r, c in errors.select("row", "col").iter_rows())
    # click a finding: its cell is highlighted; click the cell: its findings are listed
    first = page.locator(".gx-finding[data-severity=error]").first
    first.click()
    cell = first.get_attribute("data-cells").split()[0]
    assert page.locator(f'td[data-cell="{cell}"]').get_attribute("class").count("gx-hl") == 1
    page.locator(f'td[data-cell="{cell}"]').click()
    info = page.locator(".gx-cell-info")
    assert info.is_visible() and errors["message"][0].split("，")[0] in info.inner_text()
    page.set_viewport_size({"width": 1280, "height": 3400})
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "dashboard-check.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    # the upload sits in the page's private folder while the page is open
    folder = upload_dir(page)
    assert [p.name for p in folder.iterdir()] == [HONGZE.name]


def test_excel_check_report_downloads(check_page, tmp_path):
    page, _ = check_page
    with page.expect_download(timeout=30_000) as dl:
        page.click('.gx-check button.gx-dl[data-fmt="xlsx"]')
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    rows = list(wb["问题"].iter_rows(values_only=True))
    assert len(rows) - 1 == sc.check_path(HONGZE).findings.height and rows[1][0] == "错误"
    with page.expect_download(timeout=30_000) as dl:
        page.click('.gx-check button.gx-dl[data-fmt="html"]')
    html_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(html_path)
    assert "自检报告" in html_path.read_text(encoding="utf-8") and html_path.suffix == ".html"


def test_consistent_report_shows_no_error(check_page):
    page, _ = check_page
    upload(page, GUANGYUAN)
    assert sc.check_path(GUANGYUAN).count("error") == 0
    st = result_state(page)
    assert st["state"] == "done" and st["errors"] == "0"
    assert page.locator("td.gx-has-error").count() == 0 and page.locator(".gx-finding[data-severity=error]").count() == 0
    assert "未发现错误" in page.inner_text(".gx-verdict")


def test_junk_and_oversize_are_refused_clearly(check_page, tmp_path):
    page, _ = check_page
    junk = tmp_path / "setup.exe"
    junk.write_bytes(os.urandom(2048))
    upload(page, junk)
    assert result_state(page)["state"] == "refused"
    assert "不支持的文件类型「.exe」" in page.inner_text(".gx-refused")
    fake = tmp_path / "junk.pdf"
    fake.write_bytes(os.urandom(4096))
    upload(page, fake)
    assert result_state(page)["state"] == "error" and "无法读取「junk.pdf」" in page.inner_text(".gx-unreadable")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(sc.MAX_BYTES + 1)
    upload(page, big)
    assert result_state(page)["state"] == "refused" and "超过上限 20 MB" in page.inner_text(".gx-refused")


def test_last_years_report_runs_the_cross_year_rules(check_page):
    page, _ = check_page
    prev, draft = PINGTAN / "czj_2021.txt", PINGTAN / "czj_2022.txt"
    want = sc.check_path(draft, sc.Previous.from_report(read_report(prev)))
    cross = want.findings.filter(want.findings["rule"].str.starts_with("cross_year."))
    assert cross.height
    upload(page, prev, "input.gx-prev-upload")
    assert "czj_2021" in page.inner_text(".gx-prev-note")
    upload(page, draft)
    assert "czj_2021" in page.inner_text(".gx-summary")
    shown = page.eval_on_selector_all(".gx-finding[data-rule^='cross_year.']", "es => es.map(e => e.dataset.cells)")
    assert sorted(shown) == sorted(f"{t}.{r}.{c}" for t, r, c in cross.select("table", "row", "col").iter_rows())


def test_last_years_report_picked_from_the_corpus(check_page):
    import polars as pl

    from gxlib import serve
    from gxlib.corpus import load_corpus

    page, _ = check_page
    corpus = load_corpus(serve.DEMO_CORPUS)
    hit = corpus.findings_corpus.filter(pl.col("rule") == "cross_year.carry_over").select("report_id").head(1).collect()
    if hit.is_empty():
        pytest.skip("the served corpus has no carry-over break to show")
    reps = corpus.reports.collect()
    draft = reps.filter(pl.col("report_id") == hit["report_id"][0]).row(0, named=True)
    prev = reps.filter((pl.col("agency_key") == draft["agency_key"]) & (pl.col("year") == draft["year"] - 1)).row(0, named=True)
    want = sc.check_path(serve.REPO_ROOT / draft["source"], sc.Previous.from_corpus(corpus, prev["report_id"]))
    cross = want.findings.filter(pl.col("rule").str.starts_with("cross_year."))
    assert cross.height
    before = seq(page)
    page.select_option(".gx-check select.gx-prev-pick", value=prev["report_id"])
    wait_seq(page, before)  # the pick re-checks the draft on screen
    upload(page, serve.REPO_ROOT / draft["source"])
    assert "语料库" in page.inner_text(".gx-summary")
    shown = page.eval_on_selector_all(".gx-finding[data-rule^='cross_year.']", "es => es.map(e => e.dataset.cells)")
    assert sorted(shown) == sorted(f"{t}.{r}.{c}" for t, r, c in cross.select("table", "row", "col").iter_rows())
    assert page.locator("td.gx-has-error[data-cell^='applications.carried_over.']").count() >= 1


def test_markdown_conversion_is_read_like_the_others(check_page):
    page, _ = check_page
    upload(page, PEER_MD)
    gold = json.loads((CORPUS / "peer" / "gold" / (PEER_MD.stem + ".json")).read_text(encoding="utf-8"))
    assert result_state(page)["state"] == "done"
    for c in gold["cells"]:
        td = page.locator(f'td[data-cell="{c["table"]}.{c["row"]}.{c["col"]}"]')
        if c.get("ambiguous"):
            assert td.get_attribute("data-state") == "ambiguous"
        else:
            assert td.inner_text() == sc.fmt_value(c["value"]), (c["table"], c["row"], c["col"])


def test_page_is_offline_and_its_upload_is_gone_after_close(check_page):
    page, seen = check_page
    upload(page, GUANGYUAN)
    folder = upload_dir(page)
    assert folder.is_dir() and any(folder.iterdir())
    foreign = [u for u in seen["requests"] if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).hostname not in LOCAL]
    assert not foreign, foreign
    assert not seen["errors"], seen["errors"]
    seen["context"].close()  # the visitor closes the page
    deadline = time.monotonic() + 30
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not folder.exists(), f"{folder} still on disk after the page closed"
