"""Hostile input is bounded (issue 16): every file gets a size, time and memory budget.

The inputs are made at test time in tmp_path by ``bench/hostile_inputs.py`` (bombs are written
compressed only: a 3 GiB member is a ~3 MB file); each command runs as its own process and its
peak RSS is measured (``wait4`` of the child; the process-tree sum sampled with psutil)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from gxlib import budget
from gxlib.corpus import build_corpus, load_corpus
from gxlib.errors import NotRegularFile, TooLarge
from gxlib.readers import read_document
from gxlib.report import read_report

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import hostile_inputs as h  # noqa: E402

pytestmark = pytest.mark.skipif(not h.DEMO.is_dir(), reason=f"the demo reports are not at {h.DEMO}")
GX = [sys.executable, "-m", "gxlib.cli"]
GB = 1024  # MB


def hog_reader(source: str, data: bytes):  # module level: picklable into spawned workers
    if b"GX-TEST-HOG" in data:
        return bytearray(3 << 30)  # 3 GiB: over the worker's memory limit
    from gxlib.corpus import _default_read

    return _default_read(source, data)


def gx(*args: str, timeout: float = 120) -> dict:
    return h.run_measured([*GX, *args], timeout=timeout, cwd=REPO)


def cell_values(rep) -> list[tuple]:
    return sorted(rep.cells.select("table", "row", "col", "value", "raw").rows(), key=str)


def test_docx_bomb_is_refused_within_budget(tmp_path):
    bomb = h.docx_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 4 << 20
    r = gx("parse", str(bomb))
    assert r["rc"] == 2
    assert "TooLarge" in r["message"] and "word/document.xml" in r["message"] and "--max-part" in r["message"]
    assert r["rss_mb"] < GB and r["seconds"] < 60
    # the limit raised: the memory limit still bounds it (an error, not 12 GiB)
    r = gx("parse", "--max-part", "2048", "--memory", "1000", str(bomb))
    assert r["rc"] == 2 and "MemoryError" in r["message"]
    assert r["rss_mb"] < GB


def test_zip_bomb_in_a_two_worker_build_and_the_rest_lands(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    h.zip_bomb(src / "bomb.zip")
    h.docx_bomb(src / "bomb.docx")
    h.deep_html(src / "div.html", "div", 100_000, closed=True)
    h.fifo(src / "pipe.html")
    good = sorted(h.DEMO.glob("*.html"))[1:3] + sorted(h.DEMO.glob("*.txt"))[:1]
    h.deep_html(src / "font.html", "font", 260)  # the first demo page, inside 260 unclosed <font>
    for p in good:
        shutil.copy(p, src / p.name)
    r = gx("build", str(src), "-o", str(tmp_path / "out"), "--workers", "2", "--no-progress", timeout=300)
    assert r["rc"] == 0, r["stderr"]
    assert r["tree_mb"] < 2 * GB and r["rss_mb"] < GB
    c = load_corpus(tmp_path / "out")
    reports = c.reports.collect()
    assert reports.height == len(good) + 1
    font = reports.filter(pl.col("source").str.ends_with("font.html"))
    assert font["n_cells"].to_list() == [read_report(h.demo_html()).cells.height]  # not a second, empty report
    err = c.errors.collect()
    assert sorted(Path(x).name for x in err.filter(pl.col("error") == "TooLarge")["source"]) == [
        "bomb.docx", "div.html", "report_2023.html"]  # report_2023.html: the member inside bomb.zip
    row = err.filter(pl.col("source").str.ends_with("bomb.zip!bomb/report_2023.html"))
    assert row["error"].to_list() == ["TooLarge"]
    assert "max_member_mb" in row["reason"][0] and "3,072 MB" in row["reason"][0]
    assert c.manifest["last_build"]["skipped"] == {"not a regular file (FIFO, socket, device)": 1}


def test_html_inside_260_unclosed_font_tags_reads_every_cell(tmp_path):
    plain = read_report(h.demo_html())
    deep = read_report(h.deep_html(tmp_path / "font.html", "font", 260))
    assert plain.cells.height > 150
    assert cell_values(deep) == cell_values(plain)
    nested = read_report(h.deep_html(tmp_path / "div.html", "div", 1500, closed=True))
    assert cell_values(nested) == cell_values(plain)


def test_html_nested_100000_deep_is_a_clear_error_never_zero_cells(tmp_path):
    page = h.deep_html(tmp_path / "div.html", "div", 100_000, closed=True)
    with pytest.raises(TooLarge, match="nest|depth"):
        read_report(page)
    r = gx("parse", str(page))
    assert r["rc"] == 2 and "TooLarge" in r["message"] and r["rss_mb"] < GB


def test_our_own_html_budget(tmp_path):
    page = h.deep_html(tmp_path / "font.html", "font", 260)
    with budget.using(budget.Budget(max_html_depth=100)), pytest.raises(TooLarge, match="max_html_depth.*--max-depth"):
        read_report(page)
    with budget.using(budget.Budget(max_html_elements=50)), pytest.raises(TooLarge, match="max_html_elements"):
        read_report(page)


def test_html_element_budget_on_a_wide_shallow_page(tmp_path):
    """A page within libxml2's depth is counted only when it prints enough "<" to pass the cap:
    a wide page over it is refused, one just under it (counted exactly) and a small one are read."""
    row = "<tr>" + "<td>1</td>" * 10 + "</tr>"
    wide = tmp_path / "wide.html"
    wide.write_text(f"<html><body><p>{'x' * 10}</p><table>{row * 30}</table></body></html>", encoding="utf-8")
    with budget.using(budget.Budget(max_html_elements=300)), pytest.raises(TooLarge, match="max_html_elements"):
        read_document(wide)  # 30 rows × 11 elements + 4
    with budget.using(budget.Budget(max_html_elements=340)):
        assert len(read_document(wide).grids[0].rows) == 30  # 334 elements: counted, not refused
    with budget.using(budget.Budget(max_html_elements=2000)):
        assert len(read_document(wide).grids[0].rows) == 30  # too few "<" to pass it: not counted


def test_file_size_cap(tmp_path):
    with budget.using(budget.Budget(max_file_mb=0.001)), pytest.raises(TooLarge, match="max_file_mb.*--max-size"):
        read_document(h.demo_html())


@pytest.mark.parametrize("cmd", ["parse", "check", "explain"])
def test_fifo_and_dev_zero_are_clear_errors(tmp_path, cmd):
    pipe = h.fifo(tmp_path / "pipe.html")  # no writer: opening it blocking would hang forever
    for path in (pipe, "/dev/zero"):
        r = gx(cmd, str(path), timeout=60)
        assert r["rc"] == 2 and "NotRegularFile" in r["message"], r
        assert r["seconds"] < 30 and r["rss_mb"] < GB
    with pytest.raises(NotRegularFile):
        read_document("/dev/zero")


def test_pdf_page_limit(tmp_path):
    pdf = h.long_table_pdf(tmp_path / "t.pdf", 12)
    r = gx("parse", "--max-pages", "10", str(pdf))
    assert r["rc"] == 2 and "TooLarge" in r["message"] and "max_pdf_pages" in r["message"] and "--max-pages" in r["message"]


def test_long_pdf_table_reads_every_row(tmp_path):
    pages, per = 30, 40
    pdf = h.long_table_pdf(tmp_path / "t.pdf", pages, per)
    doc = read_document(pdf)
    assert len(doc.grids) == 1  # one table continuing over every page
    rows = doc.grids[0].rows
    assert len(rows) == pages * per
    assert rows[-1][0].text == f"第{pages * per - 1}项" and rows[1][0].text == "第1项"


def test_parse_timeout(tmp_path):
    pdf = h.long_table_pdf(tmp_path / "t.pdf", 150)
    t0 = time.monotonic()
    r = gx("parse", "--timeout", "0.5", str(pdf))
    assert r["rc"] == 2 and "ParseTimeout" in r["message"] and "--timeout" in r["message"]
    assert time.monotonic() - t0 < 30


@pytest.mark.parametrize("in_thread", [False, True], ids=["signal", "thread"])
def test_timeout_wrapped_by_a_library_is_still_a_timeout(in_thread):
    """ctypes (pdfium) turns an alarm raised inside a call into ``ArgumentError``, and a reader may
    wrap that again; once the limit has fired the failure is the timeout, whatever it is called."""
    import threading

    from gxlib.corpus.worker import run_bounded
    from gxlib.errors import ParseTimeout

    def wrapped_by_library():
        try:
            while True:
                time.sleep(0.01)
        except BaseException as e:  # what a C binding does with an exception raised in its call
            raise RuntimeError(f"argument 1: {type(e).__name__}") from e

    def call():
        with pytest.raises(ParseTimeout, match="--timeout"):
            run_bounded("x.pdf", wrapped_by_library, budget.Budget(timeout=0.3))

    if in_thread:
        out: list[BaseException] = []
        t = threading.Thread(target=lambda: _catch(call, out))
        t.start()
        t.join(30)
        assert not t.is_alive() and not out, out
    else:
        call()


def _catch(fn, out: list) -> None:
    try:
        fn()
    except BaseException as e:  # noqa: BLE001 - reported to the test's thread
        out.append(e)


def test_worker_memory_limit_costs_only_its_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = sorted(h.DEMO.glob("*.txt"))[:3]
    for p in good:
        shutil.copy(p, src / p.name)
    (src / "hog.txt").write_bytes(good[0].read_bytes() + b"\nGX-TEST-HOG\n")
    s = build_corpus([src], tmp_path / "out", workers=2, progress=False, reader=hog_reader,
                     limits=budget.Budget(memory_mb=1500))
    assert s.ok == len(good)
    err = load_corpus(tmp_path / "out").errors.collect()
    assert err["source"].to_list() == [str(src / "hog.txt")] and err["error"].to_list() == ["MemoryError"]
