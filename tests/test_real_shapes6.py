"""Shapes of the sixth round of real reports (README "Sixth round"): 表三 printed transposed, its
legal-person columns in another order, only its 总计 column; a page holding two years' reports;
a table comparing years in the overview.  Each is a minimal synthetic page of the shape,
failing on the code before it."""

from __future__ import annotations

from gxlib.report import read_report

TITLE = "某县某局2022年政府信息公开工作年度报告"
CHECK = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T2 = ("<table><tr><td colspan='4'>第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年制发件数</td>"
      "<td>本年废止件数</td><td>现行有效件数</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>"
      "<tr><td>行政规范性文件</td><td>3</td><td>1</td><td>20</td></tr>"
      "<tr><td colspan='4'>第二十条第（五）项</td></tr><tr><td>信息内容</td><td colspan='3'>本年处理决定数量</td></tr>"
      "<tr><td>行政许可</td><td colspan='3'>4633</td></tr></table>")
T2_2019 = ("<table><tr><td colspan='4'>第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年新制作数量</td>"
           "<td>本年新公开数量</td><td>对外公开总数量</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>"
           "<tr><td>规范性文件</td><td>5</td><td>5</td><td>17</td></tr>"
           "<tr><td colspan='4'>第二十条第（五）项</td></tr><tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td>"
           "<td>处理决定数量</td></tr><tr><td>行政许可</td><td>40</td><td>+2</td><td>3900</td></tr></table>")
NAMES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def _cells(path) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in read_report(path).to_contract()["cells"]}


def _rules(path) -> list[str]:
    return [f["rule"] for f in read_report(path).to_contract()["findings"]]


def _page(body: str, title: str = TITLE) -> str:
    return (f"<html><head><meta charset='utf-8'></head><body><h2>{title}</h2><p>一、总体情况</p><p>本机关依法推进政务公开。</p>"
            f"{body}<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p></body></html>")


def _write(tmp_path, html: str):
    path = tmp_path / "r.html"
    path.write_text(html, encoding="utf-8")
    return path


def _t3(header: str, rows) -> str:
    return "<table>" + header + "".join(
        f"<tr><td colspan='3'>{label}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>" for label, vals in rows) + "</table>"


def _values(got, row):
    return [got[("applications", row, c)]["value"] for c in
            ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")]


def test_applications_columns_in_another_order_said_by_the_header(tmp_path):
    """The five 法人或其他组织 columns printed 科研机构 | 商业企业 | 社会公益组织 | 其他 | 法律服务机构: each value
    goes to the column its heading names.  Before, they were read in the template's order (科研机构's 2
    as 商业企业's)."""
    head = (f"<tr><td colspan='3' rowspan='3'>{CHECK}</td><td colspan='7'>申请人情况</td></tr><tr><td rowspan='2'>自然人</td>"
            "<td colspan='5'>法人或其他组织</td><td rowspan='2'>总计</td></tr><tr><td>科研机构</td><td>商业企业</td>"
            "<td>社会公益组织</td><td>其他</td><td>法律服务机构</td></tr>")
    body = _t3(head, [("一、本年新收政府信息公开申请数量", [10, 2, 0, 1, 3, 0, 16]),
                      ("二、上年结转政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1])])
    got = _cells(_write(tmp_path, _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + body)))
    assert _values(got, "new_received") == [10, 0, 2, 1, 0, 3, 16]
    assert _values(got, "carried_over") == [1, 0, 0, 0, 0, 0, 1]


def test_applications_printed_with_only_a_total_column(tmp_path):
    """表三 with one column, headed 申请人情况：总计 (or 合计（件）): its values are the 总计 column's and no
    applicant column is stated.  Before, each value was read as 自然人's."""
    for heading in ("申请人情况：总计", "合计（件）"):
        body = (f"<table><tr><td colspan='3'>{CHECK}</td><td>{heading}</td></tr>"
                "<tr><td colspan='3'>一、本年新收政府信息公开申请数量</td><td>37</td></tr>"
                "<tr><td colspan='3'>二、上年结转政府信息公开申请数量</td><td>2</td></tr></table>")
        got = _cells(_write(tmp_path, _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + body)))
        assert got[("applications", "new_received", "total")]["value"] == 37, heading
        assert got[("applications", "carried_over", "total")]["value"] == 2, heading
        assert not any(k[0] == "applications" and k[2] != "total" for k in got), heading


def test_applications_printed_with_only_a_total_column_is_one_finding(tmp_path):
    """The whole 表三 (25 rows) printed with one column headed 申请人情况：总计: one finding names the
    shape (表三只印了总计一列), not one extract.partial_row per row; the cells are as before — each
    row's printed 总计 stated, no applicant column stated (unknown, not 0).  A 表三 whose other rows
    print every column keeps the finding on each short row."""
    from gxlib import spec

    total = {"new_received": 5, "granted": 3, "total_handled": 3, "carried_forward": 2}
    rows = [(f"<td>{r.group}</td><td colspan='2'>{r.leaf}</td>" if r.group else f"<td colspan='3'>{r.leaf}</td>",
             total.get(r.code, 0)) for r in spec.template("2021")["applications"].rows]
    body = (f"<table><tr><td colspan='3'>{CHECK}</td><td>申请人情况：总计</td></tr>"
            + "".join(f"<tr>{lead}<td>{v}</td></tr>" for lead, v in rows) + "</table>")
    rep = read_report(_write(tmp_path, _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + body)))
    c = rep.to_contract()
    got = {(x["row"], x["col"]): x["value"] for x in c["cells"] if x["table"] == "applications"}
    assert {col for _, col in got} == {"total"} and len(got) == 25
    assert got[("new_received", "total")] == 5 and got[("carried_forward", "total")] == 2
    partial = [f for f in c["findings"] if f["rule"] == "extract.partial_row"]
    assert len(partial) == 1 and "表三只印了总计一列" in partial[0]["message"], partial
    assert "25 行" in partial[0]["message"] and "自然人" in partial[0]["message"]
    # the short rows beside full ones: not the shape, each short row keeps its finding
    head = (f"<tr><td colspan='3' rowspan='2'>{CHECK}</td><td>自然人</td><td>商业企业</td><td>科研机构</td>"
            "<td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>")
    mixed = _t3(head, [("一、本年新收政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1]), ("二、上年结转政府信息公开申请数量", [3]),
                       ("四、结转下年度继续办理", [2])])
    rules = _rules(_write(tmp_path, _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + mixed)))
    assert rules.count("extract.partial_row") == 2


def _transposed(group: bool) -> str:
    rows = ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（七）总计", "四、结转下年度继续办理"]
    data = {"自然人": [9, 1, 5, 2, 8, 2], "商业企业": [2, 0, 1, 0, 1, 1], "科研机构": [0] * 6, "社会公益组织": [0] * 6,
            "法律服务机构": [1, 0, 1, 0, 1, 0], "其他": [0] * 6, "总计": [12, 1, 7, 2, 10, 3]}
    head = "<tr><td colspan='2'>申请人情况</td>" + "".join(f"<td>{r}</td>" for r in rows) + "</tr>"
    body = ""
    for k, name in enumerate(NAMES):
        if group and k == 1:
            lead = f"<td rowspan='5'>法人或其他组织</td><td>{name}</td>"
        elif group and 1 < k < 6:
            lead = f"<td>{name}</td>"
        else:
            lead = f"<td colspan='2'>{name}</td>"
        body += "<tr>" + lead + "".join(f"<td>{v}</td>" for v in data[name]) + "</tr>"
    return "<table>" + head + body + "</table>"


def test_applications_printed_transposed_applicants_as_rows(tmp_path):
    """表三 printed turned (自然人 … 总计 down the side, the template's rows across the top, with or
    without a 法人或其他组织 group cell): read as the template's rows.  Before, the applicant rows were
    unmatched labels and 其他's row was read as 3.其他 (other_misc)."""
    for group in (False, True):
        page = _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + _transposed(group))
        got = _cells(_write(tmp_path, page))
        assert _values(got, "new_received") == [9, 2, 0, 0, 1, 0, 12], group
        assert _values(got, "total_handled") == [8, 1, 0, 0, 1, 0, 10], group
        assert _values(got, "carried_forward") == [2, 1, 0, 0, 0, 0, 3], group
        assert not any(k[:2] == ("applications", "other_misc") for k in got), group


def test_page_with_two_years_reports_reads_the_first_only(tmp_path):
    """A page printing this year's report and then last year's (2019 template) under its own title:
    only the first report's tables are read, and a finding says the second was left out.  Before, the
    second 表二's rows were read into the first report (2019 columns in a 2021 report)."""
    t3 = _t3(f"<tr><td colspan='3'>{CHECK}</td><td colspan='7'>申请人情况</td></tr>",
             [("一、本年新收政府信息公开申请数量", [3, 0, 0, 0, 0, 0, 3])])
    first = "<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + t3
    second = ("<p>某县某局2021年政府信息公开工作年度报告</p><p>一、总体情况</p><p>略。</p><p>二、主动公开政府信息情况</p>"
              + T2_2019 + "<p>三、收到和处理政府信息公开申请情况</p>" + t3.replace(">3<", ">5<"))
    path = _write(tmp_path, _page(first + "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>无。</p>" + second))
    got = _cells(path)
    assert got[("proactive", "normative_documents", "issued")]["value"] == 3
    assert not any(k[2] in ("new_made", "new_published", "total_published", "prev_count", "change") for k in got)
    assert got[("applications", "new_received", "total")]["value"] == 3
    assert "extract.second_report" in _rules(path)


def test_table_comparing_years_is_not_read_as_template_rows(tmp_path):
    """The overview's table of this year against last (项目 | 2021年 | 2022年 | 增减, rows 本年新收…, 行政许可):
    not a template table, so not read, and said so.  Before, its rows were read as 表二/表三 rows (行政许可
    as last year's 1200) and the real tables' rows reported as duplicates."""
    cmp = ("<table><tr><td>项目</td><td>2021年</td><td>2022年</td><td>增减</td></tr>"
           "<tr><td>本年新收政府信息公开申请数量</td><td>31</td><td>45</td><td>+14</td></tr>"
           "<tr><td>行政许可</td><td>1200</td><td>1350</td><td>+150</td></tr>"
           "<tr><td>行政复议</td><td>1</td><td>0</td><td>-1</td></tr></table>")
    t3 = _t3(f"<tr><td colspan='3'>{CHECK}</td><td colspan='7'>申请人情况</td></tr>",
             [("一、本年新收政府信息公开申请数量", [40, 5, 0, 0, 0, 0, 45])])
    path = _write(tmp_path, _page(cmp + "<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + t3))
    got = _cells(path)
    assert got[("proactive", "licensing", "decisions")]["value"] == 4633
    assert _values(got, "new_received") == [40, 5, 0, 0, 0, 0, 45]
    assert "extract.comparison_table" in _rules(path)


def test_cms_table_per_row_header_rows_are_not_unmatched_rows(tmp_path):
    """A CMS that puts each row of 表三/表四 in a <table> of its own: a header row (行政复议 | | 行政诉讼,
    its spans drawn as empty cells) prints words, no number, so it is no row of values the report
    failed to read.  Before, each such row was reported as ``extract.unmatched_label`` with its
    words as 'values'.  The values are read as before."""
    one = lambda *cells: "<table><tbody><tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></tbody></table>"
    body = (one(CHECK, "", "", "申请人情况", "", "", "", "", "", "")
            + one("一、本年新收政府信息公开申请数量", "", "", 3, 0, 0, 0, 0, 0, 3)
            + "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
            + one("行政复议", "", "", "", "", "行政诉讼", *[""] * 9)
            + one("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", "")
            + one(*["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)
            + one(1, 0, 0, 0, 1, *[0] * 10))
    path = _write(tmp_path, _page("<p>二、主动公开政府信息情况</p>" + T2 + "<p>三、收到和处理政府信息公开申请情况</p>" + body))
    got = _cells(path)
    assert _values(got, "new_received") == [3, 0, 0, 0, 0, 0, 3]
    assert got[("reviews", "reconsideration", "total")]["value"] == 1
    assert "extract.unmatched_label" not in _rules(path)


def test_markdown_applications_columns_in_another_order_said_by_the_header(tmp_path):
    """The same reordered legal-person columns in a converter's pipe table (spans as empty
    cells): read by their headings.  Before, by the template's order."""
    row = lambda *cells: "| " + " | ".join(str(c) for c in cells) + " |"
    md = "\n".join([
        "# " + TITLE, "", "# 二、主动公开政府信息情况", "", row("第二十条第（一）项", "", "", ""), "|---|---|---|---|",
        row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), row("规章", 0, 0, 0), "",
        "# 三、收到和处理政府信息公开申请情况", "",
        row(CHECK, "", "", "申请人情况", "", "", "", "", "", ""), "|" + "---|" * 10,
        row("", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"),
        row("", "", "", "", "科研机构", "商业企业", "社会公益组织", "其他", "法律服务机构", ""),
        row("一、本年新收政府信息公开申请数量", "", "", 10, 2, 0, 1, 3, 0, 16), ""])
    path = tmp_path / "r.md"
    path.write_text(md, encoding="utf-8")
    assert _values(_cells(path), "new_received") == [10, 0, 2, 1, 0, 3, 16]
