"""Shapes of real Word and PDF reports (the fifth trial round: PDF and DOCX), each built here as a
small synthetic document of its class: a number in a text box, a tracked move, the legacy
horizontal merge, a table printed without rulings beside ruled ones, a partly scanned PDF."""

from __future__ import annotations

import copy

import pytest

from gxlib.report import read_report

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn  # noqa: E402
from lxml import etree  # noqa: E402

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TITLE = "某市某局2021年政府信息公开工作年度报告"


def _cells(report) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in report.to_contract()["cells"]}


def _rules(report) -> set[str]:
    return {f["rule"] for f in report.to_contract()["findings"]}


def _el(tag: str, text: str | None = None, **attrs):
    x = etree.Element(qn(tag))
    for k, v in attrs.items():
        x.set(qn("w:" + k), v)
    if text is not None:
        x.text = text
    return x


def _word_report(reviews_row: list[str] | None = None):
    """A Word report: title, 表二 (第二十条第（五）项 行政许可 …) and 表四 as the national form prints them."""
    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph("二、主动公开政府信息情况")
    t2 = d.add_table(rows=6, cols=2)
    for r, (a, b) in enumerate([("第二十条第（五）项", ""), ("信息内容", "本年处理决定数量"), ("行政许可", "315"),
                                ("第二十条第（六）项", ""), ("信息内容", "本年处理决定数量"), ("行政处罚", "27")]):
        t2.cell(r, 0).text = a
        t2.cell(r, 1).text = b
    for r in (0, 3):
        t2.cell(r, 0).merge(t2.cell(r, 1))
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = d.add_table(rows=4, cols=15)
    t4.cell(0, 0).merge(t4.cell(0, 4)).text = "行政复议"
    t4.cell(0, 5).merge(t4.cell(0, 14)).text = "行政诉讼"
    for k, h in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]):
        t4.cell(1, k).merge(t4.cell(2, k)).text = h
    t4.cell(1, 5).merge(t4.cell(1, 9)).text = "未经复议直接起诉"
    t4.cell(1, 10).merge(t4.cell(1, 14)).text = "复议后起诉"
    for k in range(10):
        t4.cell(2, 5 + k).text = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"][k % 5]
    for k, v in enumerate(reviews_row or "1 0 0 1 2 0 0 0 0 0 1 0 0 0 1".split()):
        t4.cell(3, k).text = v
    return d


def _emptied(cell):
    p = cell.paragraphs[0]._p
    for r in p.findall(qn("w:r")):
        p.remove(r)
    return p


def test_docx_number_in_a_text_box_in_its_cell_is_read(tmp_path):
    """A number typed into a text box placed in its 表二 cell (Word writes the box as a wps shape
    with a VML fallback copy): the cell prints it.  Before, the box's paragraphs were skipped and
    the cell read as blank (a stated null where the report prints 315)."""
    d = _word_report()
    p = _emptied(d.tables[0].cell(2, 1))
    box = f'''<w:r xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="457200" cy="228600"/>
<wp:docPr id="1" name="文本框 1"/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>315</w:t></w:r></w:p></w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>
</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
<w:p><w:r><w:t>315</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'''
    p.append(etree.fromstring(box))
    path = tmp_path / "textbox.docx"
    d.save(str(path))
    got = _cells(read_report(path))
    assert got[("proactive", "licensing", "decisions")]["value"] == 315  # once: the fallback copy is not read
    assert got[("proactive", "penalties", "decisions")]["value"] == 27


def _run(text: str, tag: str = "w:t"):
    r = _el("w:r")
    r.append(_el(tag, text))
    return r


def _tracked(tag: str, rev: int, run):
    """A tracked change (w:ins, w:del, w:moveFrom, w:moveTo) holding one run."""
    x = _el(tag, id=str(rev), author="审核人", date="2022-01-15T10:00:00Z")
    x.append(run)
    return x


def test_docx_tracked_move_reads_the_number_at_its_new_place_only(tmp_path):
    """A reviewer moved a number with tracking on (w:moveFrom at the old place, w:moveTo at the new)
    and the draft was published before the changes were accepted: the old place no longer prints
    it.  Before, the moved-away text was read too (尚未审结 '1' + moved '2' → 12)."""
    d = _word_report("1 0 0 1 2 0 0 0 0 0 1 0 0 0 1".split())
    t4 = d.tables[1]
    pend = _emptied(t4.cell(3, 3))
    pend.append(_run("1"))
    pend.append(_tracked("w:moveFrom", 1, _run("2")))
    _emptied(t4.cell(3, 4)).append(_tracked("w:moveTo", 2, _run("2")))
    # and a plain tracked deletion beside an insertion (already read right)
    de = _emptied(t4.cell(3, 0))
    de.append(_tracked("w:del", 3, _run("9", "w:delText")))
    de.append(_tracked("w:ins", 4, _run("1")))
    path = tmp_path / "moved.docx"
    d.save(str(path))
    got = _cells(read_report(path))
    row = [got[("reviews", "reconsideration", c)]["value"] for c in ("upheld", "corrected", "other", "pending", "total")]
    assert row == [1, 0, 0, 1, 2]


def _to_hmerge(tbl) -> None:
    """Every gridSpan rewritten as the legacy horizontal merge: a w:tc per grid column,
    ``w:hMerge w:val="restart"`` then ``w:hMerge`` continuation cells (older Word/WPS saves)."""
    for tc in list(tbl.iter(qn("w:tc"))):
        pr = tc.find(qn("w:tcPr"))
        gs = pr.find(qn("w:gridSpan")) if pr is not None else None
        if gs is None:
            continue
        n = int(gs.get(qn("w:val")))
        pr.remove(gs)
        pr.append(_el("w:hMerge", val="restart"))
        vm = pr.find(qn("w:vMerge"))
        for _ in range(n - 1):
            c = _el("w:tc")
            cpr = _el("w:tcPr")
            cpr.append(_el("w:hMerge"))
            if vm is not None:
                cpr.append(copy.deepcopy(vm))
            c.append(cpr)
            c.append(_el("w:p"))
            tc.addnext(c)


def test_docx_legacy_horizontal_merge_cells_come_out_once(tmp_path):
    """表四's header merged across columns with w:hMerge (not gridSpan), under vertical merges: each
    merged cell is one grid cell with its colspan, as gridSpan's.  Before, every continuation was an
    empty cell of its own, so 行政复议 | '' | '' | '' | '' | 行政诉讼 read as a row of values under a
    label and was reported as an unmatched row."""
    d = _word_report()
    _to_hmerge(d.tables[1]._tbl)
    path = tmp_path / "hmerge.docx"
    d.save(str(path))
    rep = read_report(path)
    grid = rep.document.grids[1]
    assert [(c.text, c.col, c.colspan) for c in grid.rows[0]] == [("行政复议", 0, 5), ("行政诉讼", 5, 10)]
    assert [(c.text, c.colspan) for c in grid.rows[1]][-2:] == [("未经复议直接起诉", 5), ("复议后起诉", 5)]
    assert "extract.unmatched_label" not in _rules(rep)
    got = _cells(rep)
    assert [got[("reviews", "reconsideration", c)]["value"] for c in ("upheld", "pending", "total")] == [1, 1, 2]


def test_docx_reviews_row_one_cell_short_reads_what_the_row_totals_settle(tmp_path):
    """表四's data row with one cell deleted in Word (删除单元格，右侧单元格左移): 14 values under 15
    headings, nothing printed says which went.  Every placing of the missing cell is a reading, the
    missing cell an unknown count; the rows' own totals keep only placings in 诉讼's ten cells, so 复议
    is stated as printed, and in every kept placing each 诉讼 cell is 0 (the missing one too: its
    row's total leaves it 0), so they are stated by the identities.  Before, the row was not read
    at all (15 values wanted; template.unread_table)."""
    d = _word_report("1 0 0 1 2 0 0 0 0 0 0 0 0 0 0".split())
    tr = d.tables[1]._tbl.findall(qn("w:tr"))[3]
    tr.remove(tr.findall(qn("w:tc"))[9])
    path = tmp_path / "short_row.docx"
    d.save(str(path))
    rep = read_report(path)
    got = _cells(rep)
    assert [got[("reviews", "reconsideration", c)]["value"] for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [1, 0, 0, 1, 2]
    assert not any(got[("reviews", "reconsideration", c)].get("ambiguous") for c in ("upheld", "total"))
    for r in ("litigation_direct", "litigation_after_reconsideration"):
        assert all(not got[("reviews", r, c)].get("ambiguous") and got[("reviews", r, c)]["value"] == 0
                   for c in ("upheld", "corrected", "other", "pending", "total"))
    assert "extract.ambiguous" in _rules(rep)


def test_docx_reviews_row_one_cell_short_in_its_first_group(tmp_path):
    """The same shape, the cell deleted in 复议's group (its 其他结果 0): only placings inside that group
    keep every row's total, so 诉讼's ten cells are stated; in 复议 the gap may be any of its five
    cells — one of its first four (0, with 总计 4) or its 总计 (2 1 1 4, 总计 8): nothing of 复议 is
    settled, not even its 总计 (the missing cell is never taken as 0)."""
    d = _word_report("2 1 0 1 4 1 1 0 0 2 3 0 1 1 5".split())
    tr = d.tables[1]._tbl.findall(qn("w:tr"))[3]
    tr.remove(tr.findall(qn("w:tc"))[2])  # 复议 其他结果 (0) deleted
    path = tmp_path / "short_row2.docx"
    d.save(str(path))
    got = _cells(read_report(path))
    flat = [got[("reviews", r, c)]["value"] for r in ("reconsideration", "litigation_direct",
                                                      "litigation_after_reconsideration")
            for c in ("upheld", "corrected", "other", "pending", "total")]
    assert flat == [None, None, None, None, None, 1, 1, 0, 0, 2, 3, 0, 1, 1, 5]
    assert all(got[("reviews", "reconsideration", c)].get("ambiguous")
               for c in ("upheld", "corrected", "other", "pending", "total"))


# ---------------------------------------------------------------------------------------------
# PDF


def _canvas(path):
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(str(path), pagesize=(595, 842))


def _ruled_table2(c, top: float) -> float:
    """表二's 第二十条第（五）/（六）项 rows as a ruled table from ``top`` (top-down); returns its bottom."""
    rows = [("第二十条第（五）项", None), ("信息内容", "本年处理决定数量"), ("行政许可", "315"),
            ("第二十条第（六）项", None), ("信息内容", "本年处理决定数量"), ("行政处罚", "27"), ("行政强制", "3")]
    xs, h = [70, 300, 520], 22
    y = lambda v: 842 - v  # noqa: E731
    c.setFont("STSong-Light", 10)
    for k, (a, b) in enumerate(rows):
        r = top + k * h
        c.line(xs[0], y(r), xs[-1], y(r))
        c.line(xs[0], y(r), xs[0], y(r + h))
        c.line(xs[-1], y(r), xs[-1], y(r + h))
        if b is not None:
            c.line(xs[1], y(r), xs[1], y(r + h))
            c.drawString(xs[1] + 6, y(r + 15), b)
        c.drawString(xs[0] + 6, y(r + 15), a)
    bottom = top + len(rows) * h
    c.line(xs[0], y(bottom), xs[-1], y(bottom))
    return bottom


def test_pdf_table_without_rulings_beside_ruled_tables_is_read(tmp_path):
    """A Word report exported to PDF whose 表四 had its borders removed, while 表二 is ruled: 表四 is
    only whitespace-aligned text.  It is read from the text layer's order, as a PDF with no ruled
    table at all is.  Before, a document with one ruled grid never looked for unruled tables, so
    表四 was unread (template.unread_table)."""
    path = tmp_path / "mixed.pdf"
    c = _canvas(path)
    y = lambda v: 842 - v  # noqa: E731
    c.setFont("STSong-Light", 14)
    c.drawString(150, y(60), TITLE)
    c.setFont("STSong-Light", 11)
    c.drawString(90, y(100), "二、主动公开政府信息情况")
    bottom = _ruled_table2(c, 115)
    c.drawString(90, y(bottom + 40), "四、政府信息公开行政复议、行政诉讼情况")
    c.setFont("STSong-Light", 9)
    top = bottom + 70
    xs = [60 + 32 * k for k in range(15)]
    c.drawString(xs[1], y(top), "行政复议")
    c.drawString(xs[9], y(top), "行政诉讼")
    c.drawString(xs[6], y(top + 14), "未经复议直接起诉")
    c.drawString(xs[11], y(top + 14), "复议后起诉")
    for k in range(15):
        a, b = [("结果", "维持"), ("结果", "纠正"), ("其他", "结果"), ("尚未", "审结"), ("总计", "")][k % 5]
        c.drawString(xs[k], y(top + 28), a)
        c.drawString(xs[k], y(top + 40), b)
    for k, v in enumerate("2 1 0 1 4 1 0 0 0 1 0 0 1 0 1".split()):
        c.drawString(xs[k] + 4, y(top + 62), v)
    c.setFont("STSong-Light", 11)
    c.drawString(90, y(top + 100), "五、存在的主要问题及改进情况")
    c.drawString(90, y(top + 120), "无。")
    c.showPage()
    c.save()
    rep = read_report(path)
    got = _cells(rep)
    assert got[("proactive", "licensing", "decisions")]["value"] == 315
    rows = {r: [got[("reviews", r, k)]["value"] for k in ("upheld", "corrected", "other", "pending", "total")]
            for r in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")}
    assert rows == {"reconsideration": [2, 1, 0, 1, 4], "litigation_direct": [1, 0, 0, 0, 1],
                    "litigation_after_reconsideration": [0, 0, 1, 0, 1]}
    assert "template.unread_table" not in _rules(rep)
    assert any("without ruling lines" in p for p in rep.document.problems)


def test_pdf_partly_scanned_tables_on_image_pages_are_unread_not_missing(tmp_path):
    """Page 1 exported from Word (title, 表二 ruled), page 2 scanned in (an image, no text layer):
    表三 and 表四 are unknown — template.unread_pages names the pages, and neither the tables nor
    the sections are reported as absent from the report.  Before: template.missing_table (an
    error saying the report lacks 表三 and 表四) and template.missing_section."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    path = tmp_path / "partly_scanned.pdf"
    c = _canvas(path)
    y = lambda v: 842 - v  # noqa: E731
    c.setFont("STSong-Light", 14)
    c.drawString(150, y(60), TITLE)
    c.setFont("STSong-Light", 11)
    c.drawString(90, y(90), "一、总体情况")
    c.drawString(90, y(110), "本年度共收到政府信息公开申请12件。")
    c.drawString(90, y(140), "二、主动公开政府信息情况")
    _ruled_table2(c, 155)
    c.showPage()
    img = Image.new("L", (600, 800), 255)
    for x in range(50, 550):
        for yy in (100, 130, 160):
            img.putpixel((x, yy), 0)
    c.drawImage(ImageReader(img), 0, 0, width=595, height=842)
    c.showPage()
    c.save()
    rep = read_report(path)
    assert rep.document.unread_pages == (2,)
    got = _cells(rep)
    assert got[("proactive", "penalties", "decisions")]["value"] == 27
    assert not any(t in ("applications", "reviews") for t, _r, _c in got)  # unknown: no cell, never 0
    rules = _rules(rep)
    assert "template.unread_pages" in rules
    assert "template.missing_table" not in rules and "template.missing_section" not in rules
    msg = next(f["message"] for f in rep.to_contract()["findings"] if f["rule"] == "template.unread_pages")
    assert "第 2 页" in msg and "表三" in msg and "表四" in msg


def test_pdf_blank_page_is_not_an_unread_scan(tmp_path):
    """A page with nothing on it (no text, no image: a blank page Word left at the end) hides no
    table: 表三 and 表四 missing from the report are still reported missing, not 'unread'."""
    path = tmp_path / "blank_page.pdf"
    c = _canvas(path)
    y = lambda v: 842 - v  # noqa: E731
    c.setFont("STSong-Light", 14)
    c.drawString(150, y(60), TITLE)
    c.setFont("STSong-Light", 11)
    c.drawString(90, y(90), "一、总体情况")
    c.drawString(90, y(140), "二、主动公开政府信息情况")
    _ruled_table2(c, 155)
    c.showPage()
    c.showPage()  # page 2: blank
    c.save()
    rep = read_report(path)
    assert rep.document.unread_pages == ()
    rules = _rules(rep)
    assert "template.unread_pages" not in rules and "template.missing_table" in rules


def test_pdf_rotated_applicant_headings_read_in_their_reading_order(tmp_path):
    """表三's seven applicant headings set in vertical text (Word's 文字方向, exported to PDF: each
    glyph rotated, the words running bottom to top): a heading reads as printed (自然人), not
    reversed (人然自) — the headings are the hints a short row's values are placed by.  The values
    below stay as read."""
    path = tmp_path / "rotated.pdf"
    c = _canvas(path)
    y = lambda v: 842 - v  # noqa: E731
    c.setFont("STSong-Light", 14)
    c.drawString(150, y(60), TITLE)
    heads = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    xs = [60, 260] + [260 + 40 * k for k in range(1, 8)]
    top, mid, bottom = 100, 190, 215
    for yy in (top, mid, bottom):
        c.line(xs[0], y(yy), xs[-1], y(yy))
    for x in xs:
        c.line(x, y(top), x, y(bottom))
    c.setFont("STSong-Light", 9)
    c.drawString(xs[0] + 4, y(150), "申请人情况")
    for k, h in enumerate(heads):
        c.saveState()
        c.translate(xs[1 + k] + 24, y(mid - 6))
        c.rotate(90)  # bottom to top
        c.drawString(0, 0, h)
        c.restoreState()
    c.drawString(xs[0] + 4, y(mid + 16), "一、本年新收政府信息公开申请数量")
    for k, v in enumerate(["5", "2", "0", "1", "0", "1", "9"]):
        c.drawString(xs[1 + k] + 6, y(mid + 16), v)
    c.showPage()
    c.save()
    rep = read_report(path)
    grid = rep.document.grids[0]
    assert [cell.text for cell in grid.rows[0]][1:] == heads
    got = _cells(rep)
    assert [got[("applications", "new_received", k)]["value"] for k in
            ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")] \
        == [5, 2, 0, 1, 0, 1, 9]
