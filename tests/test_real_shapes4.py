"""Shapes of the fourth round of real reports (README "Fourth round"): converters' Markdown
(docling's repeated spans), OCR noise in numbers, 表四 printed as two tables, tables printed as
pictures.  Each is a minimal synthetic document of the shape, failing on the code before it."""

from __future__ import annotations

from gxlib.report import read_report

TITLE = "2023年某区某局政府信息公开工作年度报告"
T3_HEAD = ("<tr><td colspan='3' rowspan='3'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
           "<td colspan='7'>申请人情况</td></tr><tr><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td>"
           "<td rowspan='2'>总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td>"
           "<td>其他</td></tr>")
T4_HEAD = ("<tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
           "<tr><td rowspan='2'>结果维持</td><td rowspan='2'>结果纠正</td><td rowspan='2'>其他结果</td><td rowspan='2'>尚未审结</td>"
           "<td rowspan='2'>总计</td><td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
           "<tr>" + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + "</tr>")
SUB = "<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>"


def _contract(path):
    return read_report(path).to_contract()


def _cells(path) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in _contract(path)["cells"]}


def _row(label: str, values, span: int = 3) -> str:
    return f"<tr><td colspan='{span}'>{label}</td>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"


def _page(body: str) -> str:
    return (f"<html><head><meta charset='utf-8'></head><body><h2>{TITLE}</h2><p>一、总体情况</p><p>本机关依法推进政务公开。</p>"
            f"{body}<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p></body></html>")


def test_docling_markdown_repeats_a_spanned_value_in_each_column_it_spans(tmp_path):
    """docling writes a cell spanning three columns three times, the heading over them too
    (``本年处理决定数量 | 本年处理决定数量 | 本年处理决定数量`` then ``行政许可 | 6536 | 6536 | 6536``):
    one value.  Before, the row printed three values for one column and was ambiguous.  Equal
    values under distinct headings (规章 0 0 0) stay three cells."""
    dup = lambda *cells: "| " + " | ".join(cells) + " |"
    md = "\n".join([
        "## " + TITLE, "", "## 二、主动公开政府信息情况", "",
        dup(*["第二十条第（一）项"] * 4), "|---|---|---|---|",
        dup("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), dup("规章", "0", "0", "0"),
        dup("行政规范性文件", "2", "2", "2"),
        dup(*["第二十条第（五）项"] * 4), dup("信息内容", *["本年处理决定数量"] * 3), dup("行政许可", *["6536"] * 3),
        dup(*["第二十条第（六）项"] * 4), dup("信息内容", *["本年处理决定数量"] * 3), dup("行政处罚", *["72"] * 3),
        dup("行政强制", *["1"] * 3), ""])
    path = tmp_path / "r.md"
    path.write_text(md, encoding="utf-8")
    got = _cells(path)
    for row, v in (("licensing", 6536), ("penalties", 72), ("coercion", 1)):
        c = got[("proactive", row, "decisions")]
        assert (c["value"], c.get("ambiguous", False)) == (v, False), row
    assert [got[("proactive", "normative_documents", c)]["value"] for c in ("issued", "repealed", "in_force")] == [2, 2, 2]


def test_reviews_printed_as_two_tables_reconsideration_then_litigation(tmp_path):
    """A county's Word/WPS export prints 表四 as two tables for a narrow page: 行政复议 (5 columns,
    here with its results blank and 总计 2), then 行政诉讼 (未经复议直接起诉 | 复议后起诉, 10 columns).
    Before, neither piece was read (template.unread_table)."""
    recon = "<table><tr><td colspan='5'>行政复议</td></tr>" + SUB + "<tr>" + "<td></td>" * 4 + "<td>2</td></tr></table>"
    litig = ("<table><tr><td colspan='10'>行政诉讼</td></tr><tr><td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
             "<tr>" + SUB[4:-5] * 2 + "</tr><tr>" + "".join(f"<td>{v}</td>" for v in (2, 0, 1, 0, 3, 0, 1, 0, 0, 1)) + "</tr></table>")
    path = tmp_path / "r.html"
    path.write_text(_page("<p>四、政府信息公开行政复议、行政诉讼情况</p>" + recon + "<p>&nbsp;</p>" + litig), encoding="utf-8")
    got = {k: c["value"] for k, c in _cells(path).items() if k[0] == "reviews"}
    assert [got[("reviews", "reconsideration", c)] for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [None, None, None, None, 2]
    assert [got[("reviews", "litigation_direct", c)] for c in ("upheld", "corrected", "other", "pending", "total")] == [2, 0, 1, 0, 3]
    assert [got[("reviews", "litigation_after_reconsideration", c)] for c in ("upheld", "total")] == [0, 1]


def test_reviews_litigation_pieces_alone_are_not_taken_for_reconsideration(tmp_path):
    """表四 as three 5-column tables: 未经复议直接起诉, 复议后起诉, then 行政复议.  A piece headed
    未经复议直接起诉 says 复议 and not 诉讼, yet it is a litigation row: it must not be read as 行政复议
    (the real 行政复议 piece comes last and is the one read as it)."""
    def piece(head, vals):
        return (f"<table><tr><td colspan='5'>{head}</td></tr>" + SUB
                + "<tr>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr></table><p>&nbsp;</p>")
    body = (piece("未经复议直接起诉", (2, 0, 1, 0, 3)) + piece("复议后起诉", (0, 1, 0, 0, 1))
            + piece("行政复议", (1, 1, 0, 0, 2)))
    path = tmp_path / "r.html"
    path.write_text(_page("<p>四、政府信息公开行政复议、行政诉讼情况</p>" + body), encoding="utf-8")
    got = {k: c["value"] for k, c in _cells(path).items() if k[0] == "reviews"}
    assert [got.get(("reviews", "reconsideration", c)) for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [1, 1, 0, 0, 2]


def test_reviews_litigation_piece_under_its_own_markdown_heading(tmp_path):
    """The same in Markdown (marker): ``### （一）行政复议情况`` over a 5-column table, then
    ``### （二）行政诉讼情况`` over 未经复议直接起诉 | 复议后起诉 and a 10-value row.  Before, the
    10 values were taken for one row labelled by the caption and dropped."""
    md = "\n".join([
        "# " + TITLE, "", "## 四、政府信息公开行政复议、行政诉讼情况", "", "### （一）行政复议情况", "",
        "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |", "|---|---|---|---|---|", "| 1 | 0 | 2 | 0 | 3 |", "",
        "### （二）行政诉讼情况", "", "| 未经复议直接起诉 |  |  |  |  | 复议后起诉 |  |  |  |  |", "|" + "---|" * 10,
        "| " + " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + " |",
        "| 2 | 1 | 0 | 2 | 5 | 2 | 0 | 2 | 0 | 4 |", ""])
    path = tmp_path / "r.md"
    path.write_text(md, encoding="utf-8")
    got = {k: c["value"] for k, c in _cells(path).items() if k[0] == "reviews"}
    assert got[("reviews", "reconsideration", "total")] == 3
    assert [got[("reviews", "litigation_direct", c)] for c in ("upheld", "corrected", "other", "pending", "total")] == [2, 1, 0, 2, 5]
    assert got[("reviews", "litigation_after_reconsideration", "total")] == 4


def test_ocr_lookalike_digits_are_settled_by_the_identities_or_flagged(tmp_path):
    """A scanned report through OCR: ``l`` for 1, ``l7`` for 17, ``O`` for 0, a space inside a
    number (``1 8``, ``1 208``).  Such a cell is not settled by print: stated where the template's
    identities settle it (its row's 总计; 表四's 总计 = its four results), else ambiguous with its
    readings named — never guessed, and the row is not taken for a short one.  Before, ``l`` made
    the row a cell short (natural_person missing) and ``O`` a blank; 表二's ``l2`` lost the row."""
    t2 = ("<p>二、主动公开政府信息情况</p><table><tr><td colspan='4'>第二十条第（五）项</td></tr>"
          "<tr><td>信息内容</td><td colspan='3'>本年处理决定数量</td></tr><tr><td>行政许可</td><td colspan='3'>1,234</td></tr>"
          "<tr><td colspan='4'>第二十条第（六）项</td></tr><tr><td>信息内容</td><td colspan='3'>本年处理决定数量</td></tr>"
          "<tr><td>行政处罚</td><td colspan='3'>1 208</td></tr><tr><td>行政强制</td><td colspan='3'>l2</td></tr></table>")
    t3 = ("<p>三、收到和处理政府信息公开申请情况</p><table>" + T3_HEAD
          + _row("一、本年新收政府信息公开申请数量", (18, 0, 0, 0, 0, 0, "1 8"))
          + "<tr><td rowspan='3'>三、本年度办理结果</td><td colspan='2'>（一）予以公开</td>"
          + "".join(f"<td>{v}</td>" for v in ("l7", 0, 0, 0, 0, 0, 17)) + "</tr>"
          + "<tr><td rowspan='2'>（三）不予公开</td><td>1.属于国家秘密</td>" + "".join(f"<td>{v}</td>" for v in ("l", 0, 0, 0, 0, 0, 1)) + "</tr>"
          + "<tr><td>2.其他法律行政法规禁止公开</td>" + "".join(f"<td>{v}</td>" for v in (0, 0, "O", 0, 0, 0, 0)) + "</tr></table>")
    t4 = ("<p>四、政府信息公开行政复议、行政诉讼情况</p><table>" + T4_HEAD + "<tr>"
          + "".join(f"<td>{v}</td>" for v in (1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, "O")) + "</tr></table>")
    path = tmp_path / "r.html"
    path.write_text(_page(t2 + t3 + t4), encoding="utf-8")
    cells = _cells(path)
    value = lambda t, r, c: (cells[(t, r, c)]["value"], cells[(t, r, c)].get("ambiguous", False))
    assert value("applications", "granted", "natural_person") == (17, False)
    assert value("applications", "new_received", "total") == (18, False)  # a space OCR put inside 18
    assert value("applications", "denied_state_secret", "natural_person") == (1, False)
    assert value("applications", "denied_prohibited_by_law", "research") == (0, False)
    settled = {(c.table, c.row, c.col): c.settled for c in read_report(path).extraction.cells}
    assert settled[("applications", "granted", "natural_person")] == "identities"
    assert value("reviews", "litigation_after_reconsideration", "total") == (0, False)
    assert value("proactive", "licensing", "decisions") == (1234, False)  # a thousands separator is print
    assert value("proactive", "penalties", "decisions") == (None, True)  # 1 208: no identity touches it
    assert value("proactive", "coercion", "decisions") == (None, True)
    msgs = [f["message"] for f in _contract(path)["findings"] if f["rule"] == "extract.unreadable"]
    assert any("'l2'" in m and "12" in m for m in msgs) and any("1208" in m for m in msgs), msgs


def test_ocr_lookalike_that_the_identities_contradict_is_not_stated(tmp_path):
    """``l`` in a row whose 总计 says 3 with the other parts 0: no reading fits, so the cell is
    ambiguous, not 3 (the identity alone is not a reading of the print)."""
    t3 = ("<p>三、收到和处理政府信息公开申请情况</p><table>" + T3_HEAD
          + _row("一、本年新收政府信息公开申请数量", ("l", 0, 0, 0, 0, 0, 3)) + "</table>")
    path = tmp_path / "r.html"
    path.write_text(_page(t3), encoding="utf-8")
    c = _cells(path)[("applications", "new_received", "natural_person")]
    assert c["value"] is None and c.get("ambiguous")


def test_tables_printed_as_images_are_unknown_with_a_reason(tmp_path):
    """A site that put 表二/表三/表四 up as pictures (``<img src=….png>`` under each heading, no
    table text): no cell is stated, never 0, and each table has a finding saying it is a
    picture, in place of template.missing_table (the table is not missing)."""
    img = "<p style='text-align:center'><img src='/u/cms/www/202401/{}.png' width='640'/></p>"
    body = (f"<p>二、主动公开政府信息情况</p>{img.format(1)}<p>三、收到和处理政府信息公开申请情况</p>{img.format(2)}"
            f"{img.format(3)}<p>四、政府信息公开行政复议、行政诉讼情况</p>{img.format(4)}")
    path = tmp_path / "r.html"
    path.write_text(_page(body), encoding="utf-8")
    c = _contract(path)
    assert not [x for x in c["cells"] if x["value"] is not None]
    pictured = {f["table"]: f["message"] for f in c["findings"] if f["rule"] == "extract.table_image"}
    assert set(pictured) == {"proactive", "applications", "reviews"}
    assert "图片" in pictured["applications"] and "2 张" in pictured["applications"]
    assert not [f for f in c["findings"] if f["rule"] == "template.missing_table"]


def test_markdown_table_image_line_is_a_picture_too(tmp_path):
    """MinerU's Markdown of a page whose 表三 is a picture: ``![](images/….jpg)`` under the
    heading, the other tables printed: only 表三 is reported as a picture."""
    md = "\n".join([
        "# " + TITLE, "", "# 二、主动公开政府信息情况", "",
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "|---|---|---|---|", "| 规章 | 0 | 0 | 0 |", "",
        "# 三、收到和处理政府信息公开申请情况", "", "![](images/8f2c1e.jpg)", "",
        "# 四、政府信息公开行政复议、行政诉讼情况", "",
        "| 行政复议 |  |  |  |  | 行政诉讼 |" + " |" * 9, "|" + "---|" * 15,
        "| " + " | ".join(["0"] * 15) + " |", ""])
    path = tmp_path / "r.md"
    path.write_text(md, encoding="utf-8")
    c = _contract(path)
    assert [f["table"] for f in c["findings"] if f["rule"] == "extract.table_image"] == ["applications"]
    assert not [x for x in c["cells"] if x["table"] == "applications"]


def test_ocr_readings_are_not_made_of_roman_numerals_or_several_numbers():
    """Only OCR's look-alikes make a reading: a lone O/o/l, or a number with one space in it.  A
    Roman numeral (I, II: a label) and several numbers side by side (1 2 3) have none."""
    from gxlib.values import in_value_position, misread_readings

    assert misread_readings("O") == (0.0,) and misread_readings("l7") == (17.0,) and misread_readings("1 208") == (1208.0,)
    for text in ("I", "II", "IO", "1 2 3", "12 0 5"):
        assert misread_readings(text) == (), text
    assert not in_value_position("II")


def test_private_use_glyph_in_the_text_is_no_picture(tmp_path):
    """A page printing a private-use glyph (U+E000, some fonts' icons) in section 三 and a logo
    <img> in section 一, with no 表三: 表三 is missing, not 'printed as a picture'."""
    body = ("<p>一、总体情况</p><p><img src='logo.png'>本机关依法公开政府信息。</p>"
            "<p>三、收到和处理政府信息公开申请情况</p><p>\ue000 本年度未收到申请。</p>")
    path = tmp_path / "r.html"
    path.write_text(_page(body), encoding="utf-8")
    findings = read_report(path).rows["findings"]
    assert not any(f["rule"] == "extract.table_image" for f in findings)
    assert any(f["rule"] == "template.missing_table" and f["table"] == "applications" for f in findings)
