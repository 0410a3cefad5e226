"""The PDF reader on the real WPS export (002_hongzequ_2023.pdf) and on PDFs built here."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import re
import statistics
import time

import pytest

from gxlib.document import Document, Grid
from gxlib.errors import EmptyDocument, EncryptedPDF, GxError, ScannedPDF, UnsupportedFormat
from gxlib.readers import pdf as pdf_reader

SHARED = pathlib.Path(__file__).parents[1].parent / "shared"
CORPUS_PDF = SHARED / "corpus" / "002_hongzequ_2023.pdf"
GOLD = SHARED / "corpus" / "gold" / "002_hongzequ_2023.json"

NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


def _read(path: pathlib.Path, data: bytes | None = None) -> Document:
    data = path.read_bytes() if data is None else data
    return pdf_reader.read(path, data, hashlib.sha256(data).hexdigest())


def _texts(row) -> list[str]:
    return [c.text for c in row]


def _data_rows(grid: Grid, ncols: int) -> list[list]:
    """Rows that end in ``ncols`` numeric cells (the value cells), after at least one label."""
    out = []
    for row in grid.rows:
        vals = row[-ncols:]
        if len(row) > ncols and all(NUM.match(c.text) for c in vals):
            out.append(row)
    return out


def _grid_with(doc: Document, needle: str) -> Grid:
    for g in doc.grids:
        if any(needle in c.text for row in g.rows for c in row):
            return g
    raise AssertionError(f"no grid holds {needle!r}")


# ---------------------------------------------------------------------------------------
# The corpus PDF


@pytest.fixture(scope="module")
def hongze() -> Document:
    if not CORPUS_PDF.exists():
        pytest.skip(f"corpus file absent: {CORPUS_PDF} (the shared corpus is not mounted)")
    return _read(CORPUS_PDF)


@pytest.fixture(scope="module")
def gold() -> dict[tuple[str, str], list[str]]:
    if not GOLD.exists():
        pytest.skip(f"gold file absent: {GOLD}")
    rows: dict[tuple[str, str], list[str]] = {}
    for c in json.loads(GOLD.read_text(encoding="utf-8"))["cells"]:
        rows.setdefault((c["table"], c["row"]), []).append(c["raw"])
    return rows


@pytest.mark.corpus
def test_corpus_three_grids_in_order(hongze):
    assert hongze.format == "pdf"
    assert len(hongze.grids) >= 3
    proactive = _grid_with(hongze, "第二十条第（一）项")
    apps = _grid_with(hongze, "一、本年新收政府信息公开申请数量")
    reviews = _grid_with(hongze, "复议后起诉")
    order = [hongze.grids.index(g) for g in (proactive, apps, reviews)]
    assert order == sorted(order) and len(set(order)) == 3
    assert hongze.problems == []


@pytest.mark.corpus
def test_corpus_table3_is_one_grid_across_pages_3_and_4(hongze):
    apps = _grid_with(hongze, "一、本年新收政府信息公开申请数量")
    # the rows printed on page 4 are in the same grid, and say so in `where`
    assert _grid_with(hongze, "3.补正后申请内容仍不明确") is apps
    assert _grid_with(hongze, "四、结转下年度继续办理") is apps
    pages = {re.match(r"page (\d+)", c.where).group(1) for row in apps.rows for c in row}
    assert pages == {"3", "4"}
    # 23 printed data rows: the 2021 template's 25 with （六）其他处理 printed as one row
    data = _data_rows(apps, 7)
    assert len(data) == 23
    labels = [" ".join(c.text for c in row[:-7]) for row in data]
    assert labels[0] == "一、本年新收政府信息公开申请数量"
    assert labels[-1] == "四、结转下年度继续办理"
    assert any("4.无正当理由大量反复申请" in lab for lab in labels)  # joined across the wrap
    assert any("2.其他法律行政止公开" in lab for lab in labels)  # the document's own typo, kept
    assert any("5.要求行政机关确认或重新出具已获取信息" in lab for lab in labels)
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels
    # the last row of page 3 is neither lost nor merged into page 4's first row
    i = labels.index("2.没有现成信息需要另行制作")
    assert labels[i + 1] == "3.补正后申请内容仍不明确"


@pytest.mark.corpus
def test_corpus_table3_spans_and_headers(hongze):
    apps = _grid_with(hongze, "一、本年新收政府信息公开申请数量")
    cells = [c for row in apps.rows for c in row]
    texts = [c.text for c in cells]
    for header in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "自然人", "总计", "申请人情况"):
        assert header in texts
    group = [c for c in cells if c.text == "三、本年度办理结果"]  # printed one char per line
    assert len(group) == 1
    g = group[0]
    assert g.col == 0 and g.rowspan == 20  # （一）…（七）: 2 + 8 + 3 + 5 + 1 + 1 rows
    unavailable = next(c for c in cells if c.text == "（四）无法提供")
    assert unavailable.rowspan == 3  # two rows on page 3, one on page 4
    assert "page 3" in unavailable.where
    corner = cells[0]
    assert corner.text.startswith("（本列数据的勾稽关系为") and corner.rowspan == 3 and corner.colspan == 3
    # the row 一、本年新收… is its label then 7 value cells
    row = next(r for r in apps.rows if r[0].text == "一、本年新收政府信息公开申请数量")
    assert _texts(row) == ["一、本年新收政府信息公开申请数量", "21", "0", "0", "0", "0", "0", "21"]
    assert row[0].colspan == 3
    assert [c.col for c in row[1:]] == list(range(row[0].colspan, row[0].colspan + 7))


@pytest.mark.corpus
def test_corpus_every_value_cell_matches_gold(hongze, gold):
    apps = _grid_with(hongze, "一、本年新收政府信息公开申请数量")
    gold_apps = [v for (t, _), v in gold.items() if t == "applications"]
    assert [_texts(r[-7:]) for r in _data_rows(apps, 7)] == gold_apps

    proactive = _grid_with(hongze, "第二十条第（一）项")
    printed = []
    for row in proactive.rows:
        if len(row) >= 2 and all(NUM.match(c.text) for c in row[1:]):
            printed.append(_texts(row[1:]))
    assert printed == [v for (t, _), v in gold.items() if t == "proactive"]

    reviews = _grid_with(hongze, "复议后起诉")
    data = reviews.rows[-1]
    assert len(data) == 15
    assert _texts(data) == [x for (t, _), v in gold.items() if t == "reviews" for x in v]


@pytest.mark.corpus
def test_corpus_table2_continues_from_page_2_to_3(hongze):
    proactive = _grid_with(hongze, "第二十条第（一）项")
    assert _grid_with(hongze, "行政事业性收费") is proactive  # printed on page 3, no repeated header
    fee = next(r for r in proactive.rows if r[0].text == "行政事业性收费")
    assert _texts(fee) == ["行政事业性收费", "7730.28"]
    assert fee[0].where.startswith("page 3, table 1, row ")
    assert re.search(r"\(x=\d+,y=\d+\)$", fee[1].where)
    head = proactive.rows[0]
    assert _texts(head) == ["第二十条第（一）项"] and head[0].colspan == 4


@pytest.mark.corpus
def test_corpus_text_paragraphs_and_sections(hongze):
    text = hongze.text
    lines = text.split("\n")
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert heading in lines  # a heading keeps its own line
    assert list(hongze.sections) == ["一", "二", "三", "四", "五", "六"]
    # paragraphs are joined across PDF line wraps, and across the page 4→5 break
    assert any(ln.startswith("2023年，洪泽区人民政府坚持") and ln.endswith("健康发展。") for ln in lines)
    assert "实行政府信息公开工作人员跟班学习制度" in text
    assert "2023年全区受理政府信息公开申请21件" in text
    assert "0517-87222589" in text and "hzzwgk@126.com" in text
    assert not any(re.fullmatch(r"-\s*\d+\s*-", ln) for ln in lines)  # page numbers dropped
    # the tables stand where they are printed
    assert text.index("二、主动公开政府信息情况") < text.index("行政许可\t550") < text.index("三、收到和处理")


@pytest.mark.corpus
def test_corpus_meta(hongze):
    assert hongze.meta["title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert hongze.meta["created"].startswith("2024-02-26T14:41:23")
    assert hongze.meta["pages"] == "5"


@pytest.mark.corpus
def test_corpus_speed_against_pdfplumber():
    if not CORPUS_PDF.exists():
        pytest.skip(f"corpus file absent: {CORPUS_PDF}")
    pdfplumber = pytest.importorskip("pdfplumber")
    data = CORPUS_PDF.read_bytes()

    def ours():
        pdf_reader.read(CORPUS_PDF, data, "x")

    def theirs():
        with pdfplumber.open(io.BytesIO(data)) as p:
            for page in p.pages:
                page.extract_tables()

    def median(fn, n=3):
        fn()
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return statistics.median(ts)

    # target is ≤ 1/4 (bench/bench_pdf.py measures ~1/10); 1/2 leaves room for a busy machine
    assert median(ours) < 0.5 * median(theirs)


# ---------------------------------------------------------------------------------------
# PDFs made here


def _reportlab():
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    from reportlab.pdfgen import canvas

    return canvas


PAGE_W, PAGE_H = 595, 842
XS = [70, 250, 330, 410, 520]  # column rules


def _ruled_rows(c, top: float, rows: list[tuple], heights: list[float], *, close_bottom: bool):
    """Draw rows of a 4-column ruled table from ``top`` (top-down y); a row item is
    (label_lines, v1, v2, v3) or ("SPAN", label_lines, n_rows) for a label spanning rows."""
    ys = [top]
    for h in heights:
        ys.append(ys[-1] + h)
    y = lambda v: PAGE_H - v  # noqa: E731 - reportlab's y is bottom-up
    c.setLineWidth(0.8)
    # horizontal rules: the top, between rows, and the bottom only when asked
    for i, yy in enumerate(ys):
        if i == len(ys) - 1 and not close_bottom:
            continue
        c.line(XS[0], y(yy), XS[-1], y(yy))
    for x in XS:
        c.line(x, y(ys[0]), x, y(ys[-1]))
    c.setFont("STSong-Light", 10)
    for r, item in enumerate(rows):
        label_lines, *vals = item
        for k, line in enumerate(label_lines):
            c.drawString(XS[0] + 4, y(ys[r] + 13 + 12 * k), line)
        for j, v in enumerate(vals):
            if v:
                c.drawString(XS[1 + j] + 6, y(ys[r] + 13), v)


def _split_table_pdf(path: pathlib.Path) -> None:
    canvas = _reportlab()
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.setFont("STSong-Light", 14)
    c.drawString(200, PAGE_H - 60, "测试报告")
    c.setFont("STSong-Light", 11)
    # a paragraph wrapped over two lines (the first reaches the right margin)
    c.drawString(92, PAGE_H - 100, "一、总体情况")
    line1 = "本年度共收到政府信息公开申请二十一件，全部在法定期限内答复，没有"
    c.drawString(92, PAGE_H - 125, line1)
    c.drawString(70, PAGE_H - 140, "逾期情况。")
    # table header + 2 rows at the bottom of page 1 (no bottom rule: the table goes on)
    header = (["项目"], "甲列", "乙列", "丙列")
    rows1 = [header, (["第一行"], "1", "", "3"), (["第二行标签很长", "需要换行"], "4", "5", "")]
    _ruled_rows(c, 640, rows1, [25, 25, 40], close_bottom=False)
    c.setFont("STSong-Light", 9)
    c.drawString(290, 30, "- 1 -")
    c.showPage()
    # page 2: the same columns go on, no repeated header
    rows2 = [(["第三行"], "", "", ""), (["第四行"], "7", "8", "9")]
    _ruled_rows(c, 60, rows2, [25, 25], close_bottom=True)
    c.setFont("STSong-Light", 11)
    c.drawString(92, PAGE_H - 150, "二、其他事项")
    c.drawString(92, PAGE_H - 175, "无。")
    c.setFont("STSong-Light", 9)
    c.drawString(290, 30, "- 2 -")
    c.showPage()
    c.save()


def test_table_split_across_pages_is_one_grid(tmp_path):
    p = tmp_path / "split.pdf"
    _split_table_pdf(p)
    doc = _read(p)
    assert len(doc.grids) == 1, [g.where for g in doc.grids]
    g = doc.grids[0]
    assert [_texts(r) for r in g.rows] == [
        ["项目", "甲列", "乙列", "丙列"],
        ["第一行", "1", "", "3"],  # blank cells are present, as ""
        ["第二行标签很长需要换行", "4", "5", ""],  # wrapped label joined, no space
        ["第三行", "", "", ""],
        ["第四行", "7", "8", "9"],
    ]
    assert [c.col for c in g.rows[3]] == [0, 1, 2, 3]
    assert g.rows[2][0].where.startswith("page 1, table 1, row 3, cell 1")
    assert g.rows[3][0].where.startswith("page 2, table 1, row 4, cell 1")
    assert "continues to page 2" in g.where


def test_body_text_paragraphs_and_page_numbers(tmp_path):
    p = tmp_path / "split.pdf"
    _split_table_pdf(p)
    doc = _read(p)
    lines = doc.text.split("\n")
    assert lines[0] == "测试报告"
    assert "一、总体情况" in lines and "二、其他事项" in lines
    assert "本年度共收到政府信息公开申请二十一件，全部在法定期限内答复，没有逾期情况。" in lines
    assert not any(re.fullmatch(r"-\s*\d\s*-", ln) for ln in lines)
    assert "第二行标签很长需要换行\t4\t5\t" in lines
    assert lines.index("二、其他事项") > lines.index("第四行\t7\t8\t9")


def test_spanned_cells_come_out_once(tmp_path):
    canvas = _reportlab()
    p = tmp_path / "span.pdf"
    c = canvas.Canvas(str(p), pagesize=(PAGE_W, PAGE_H))
    y = lambda v: PAGE_H - v  # noqa: E731
    x = [70, 150, 250, 350, 450]
    ys = [100, 130, 160, 190]
    # header row: a cell spanning columns 2-4; rows 2-3: a label spanning both rows in column 1
    for yy in ys:
        c.line(x[0], y(yy), x[-1], y(yy))
    c.line(x[0], y(ys[0]), x[0], y(ys[-1]))
    c.line(x[-1], y(ys[0]), x[-1], y(ys[-1]))
    c.line(x[1], y(ys[0]), x[1], y(ys[-1]))
    for xx in x[2:4]:
        c.line(xx, y(ys[1]), xx, y(ys[-1]))
    c.setFont("STSong-Light", 10)
    c.drawString(80, y(118), "项目")
    c.drawString(260, y(118), "申请人情况")
    c.drawString(80, y(165), "合并")
    for r, yy in enumerate(ys[1:3]):
        for k in range(3):
            c.drawString(x[1 + k] + 5, y(yy + 18), str(r * 3 + k))
    c.showPage()
    c.save()
    doc = _read(p)
    assert len(doc.grids) == 1
    rows = doc.grids[0].rows
    assert [(c.text, c.row, c.col, c.rowspan, c.colspan) for c in rows[0]] == [
        ("项目", 0, 0, 1, 1),
        ("申请人情况", 0, 1, 1, 3),
    ]
    # the header's colspan does not leak into the data rows below it
    assert _texts(rows[1])[-3:] == ["0", "1", "2"]
    assert _texts(rows[2])[-3:] == ["3", "4", "5"]


def test_vertical_merge_without_rule(tmp_path):
    canvas = _reportlab()
    p = tmp_path / "vspan.pdf"
    c = canvas.Canvas(str(p), pagesize=(PAGE_W, PAGE_H))
    y = lambda v: PAGE_H - v  # noqa: E731
    x = [70, 170, 270, 370]
    ys = [100, 130, 160, 190]
    c.line(x[0], y(ys[0]), x[-1], y(ys[0]))
    c.line(x[0], y(ys[-1]), x[-1], y(ys[-1]))
    for yy in ys[1:3]:
        c.line(x[1], y(yy), x[-1], y(yy))  # inner rules skip column 1: it spans 3 rows
    for xx in x:
        c.line(xx, y(ys[0]), xx, y(ys[-1]))
    c.setFont("STSong-Light", 10)
    for k, ch in enumerate("三、本年度"):  # a vertical label, one character per line
        c.drawString(115, y(112 + 15 * k), ch)
    for r in range(3):
        c.drawString(x[1] + 5, y(ys[r] + 18), f"行{r + 1}")
        c.drawString(x[2] + 5, y(ys[r] + 18), str(r))
    c.showPage()
    c.save()
    rows = _read(p).grids[0].rows
    assert [(c.text, c.rowspan) for c in rows[0]] == [("三、本年度", 3), ("行1", 1), ("0", 1)]
    assert [(c.text, c.col) for c in rows[1]] == [("行2", 1), ("1", 2)]
    assert [(c.text, c.col) for c in rows[2]] == [("行3", 1), ("2", 2)]


def _cut_row_pdf(path: pathlib.Path, last_on_page1: tuple, first_on_page2: tuple) -> None:
    """A 表三-like ruled table from page 1 to page 2, the page break between ``last_on_page1``
    and ``first_on_page2``; both pages rule the cut (as LibreOffice/Word do for a split row)."""
    canvas = _reportlab()
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    rows1 = [(["项目"], "自然人", "法人", "总计"), (["1.信访举报投诉类申请"], "0", "0", "0"), last_on_page1]
    _ruled_rows(c, 700, rows1, [25, 25, 20], close_bottom=True)  # ends at the bottom margin
    c.setFont("STSong-Light", 9)
    c.drawString(290, 30, "- 1 -")
    c.showPage()
    rows2 = [first_on_page2, (["3.要求提供公开出版物"], "0", "0", "0")]
    _ruled_rows(c, 60, rows2, [20, 25], close_bottom=True)
    c.setFont("STSong-Light", 9)
    c.drawString(290, 30, "- 2 -")
    c.showPage()
    c.save()


@pytest.mark.parametrize(
    "upper, lower",
    [
        ((["2.重复"], "", "", ""), (["申请"], "3", "", "3")),  # label cut, numbers in the lower part
        ((["2.重复申请"], "", "", ""), ([], "3", "", "3")),  # whole label above, numbers below
        ((["2.重复"], "3", "", "3"), (["申请"], "", "", "")),  # numbers above (the usual case)
    ],
)
def test_row_split_by_page_break_is_one_row(tmp_path, upper, lower):
    p = tmp_path / "cutrow.pdf"
    _cut_row_pdf(p, upper, lower)
    grids = _read(p).grids
    assert len(grids) == 1
    rows = [_texts(r) for r in grids[0].rows]
    assert rows == [
        ["项目", "自然人", "法人", "总计"],
        ["1.信访举报投诉类申请", "0", "0", "0"],
        ["2.重复申请", "3", "", "3"],  # one row: label joined, each column's non-empty part
        ["3.要求提供公开出版物", "0", "0", "0"],
    ]
    merged = grids[0].rows[2]
    assert all(cell.rowspan == 2 for cell in merged)
    assert merged[0].where.startswith("page 1, table 1, row 3")
    assert grids[0].rows[3][0].where.startswith("page 2, table 1, row 4")


@pytest.mark.parametrize(
    "upper, lower",
    [
        # a new numbered row starts page 2, values complementary all the same
        ((["1.信访举报投诉类申请"], "2", "", ""), (["2.重复申请"], "", "1", "")),
        # no numbering, but the upper label is a whole template row (表二: 规章 / 行政规范性文件)
        ((["规章"], "2", "", ""), (["行政规范性文件"], "", "3", "")),
        # a column printed in both parts: two rows
        ((["2.重复"], "1", "", ""), (["申请"], "2", "", "")),
        # labels that are no template row (another table of the report): not joined
        ((["网站"], "", "5", ""), (["微博"], "3", "", "")),
    ],
)
def test_two_genuine_rows_at_a_page_break_stay_two(tmp_path, upper, lower):
    p = tmp_path / "tworows.pdf"
    _cut_row_pdf(p, upper, lower)
    rows = [_texts(r) for r in _read(p).grids[0].rows]
    assert rows[2] == [upper[0][0], *upper[1:]]
    assert rows[3] == [lower[0][0], *lower[1:]]
    assert len(rows) == 5


def test_encrypted_pdf(tmp_path):
    canvas = _reportlab()
    p = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(p), encrypt="secret")
    c.setFont("STSong-Light", 12)
    c.drawString(100, 700, "加密的报告")
    c.showPage()
    c.save()
    with pytest.raises(EncryptedPDF, match="password"):
        _read(p)


def test_scanned_pdf_has_no_text_layer(tmp_path):
    canvas = _reportlab()
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    img = Image.new("RGB", (200, 100), "white")
    for i in range(200):
        img.putpixel((i, 50), (0, 0, 0))
    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.drawImage(ImageReader(img), 50, 500, width=400, height=200)
    c.showPage()
    c.save()
    with pytest.raises(ScannedPDF, match="OCR"):
        _read(p)


def test_empty_and_junk_inputs(tmp_path):
    p = tmp_path / "x.pdf"
    with pytest.raises(EmptyDocument):
        _read(p, b"")
    with pytest.raises(UnsupportedFormat, match="not a PDF"):
        _read(p, b"<html><body>not a pdf</body></html>")
    with pytest.raises(GxError) as e:
        _read(p, b"%PDF-1.4\n1 0 obj garbage\n%%EOF")
    assert isinstance(e.value, (UnsupportedFormat, EmptyDocument))


def test_blank_page_pdf_is_empty(tmp_path):
    canvas = _reportlab()
    p = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(p))
    c.showPage()
    c.save()
    with pytest.raises(EmptyDocument):
        _read(p)


def test_a_pdf_whose_tables_have_no_ruling_lines_reads_what_the_text_settles_and_no_table_is_missing(
        monkeypatch, tmp_path):
    """A PDF exported without table borders (an office suite's PDF of a borderless table): no grid
    can be rebuilt, so the tables are read from the text layer's order as a crawler's dump is
    (label, run of numbers): every value stated is the report's own, what the order does not
    settle is flagged, and the table whose numbers are not in the text is unread
    (template.unread_table) — never reported as a table the report lacks."""
    import gxlib
    from gxlib.demo import _agency_reports, render_pdf
    from gxlib.demo.agencies import select
    from reportlab.pdfgen import canvas

    monkeypatch.setattr(canvas.Canvas, "rect", lambda self, *a, **k: None)  # cells drawn without borders
    rep = next(_agency_reports(select(5, 3)[0], 3, [2022], ("pdf",), 0.0))
    path = tmp_path / "borderless.pdf"
    path.write_bytes(render_pdf.render(rep))
    r = gxlib.read_report(path)
    assert "no ruled table" in " ".join(r.document.problems)
    stated = [c for c in r.to_contract()["cells"] if not c.get("ambiguous")]
    assert len(stated) >= 100  # 表二 and most of 表三 read
    wrong = [c for c in stated if (c["value"] or 0) != (rep.values.get((c["table"], c["row"], c["col"])) or 0)]
    assert wrong == []
    rules = r.findings.filter(r.findings["rule"].str.starts_with("template."))
    assert "template.missing_table" not in set(rules["rule"])
    assert rules.filter(rules["rule"] == "template.unread_table")["table"].to_list() == ["reviews"]
