"""Shapes met in real reports from elsewhere (README "Tried on real reports from elsewhere").

Third-party documents stay out of the project, so each class of failure they showed is
rebuilt here as a minimal synthetic document of that shape, with the template's own
arithmetic asserted on what is read."""

from __future__ import annotations

from gxlib import spec
from gxlib.report import read_report

T2 = ("<p>二、主动公开政府信息情况</p><table>"
      "<tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr>"
      "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>"
      "<tr><td>行政规范性文件</td><td>3</td><td>1</td><td>12</td></tr></table>")


def _cells(path) -> dict[tuple[str, str, str], object]:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in read_report(path).to_contract()["cells"]}


def _page(title: str, body: str, chrome: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'></head><body>{chrome}<div class='article'>"
            f"<h2>{title}</h2><p>一、总体情况</p><p>本机关依法推进政府信息公开工作。</p>{body}"
            "<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p></div></body></html>")


def test_applications_group_column_sum_is_read_into_no_column(tmp_path):
    """表三 printed with one 法人或其他组织 column for the template's five (a simplified table
    on a department's page): the group's number is their sum, so no legal-person column is
    stated; 自然人 and 总计 go to the columns their headings name."""
    natural, legal = 12, 3
    t3 = ("<p>三、收到和处理政府信息公开申请情况</p><table>"
          "<tr><th>申请人情况</th><th>自然人</th><th>法人或其他组织</th><th>总计</th></tr>"
          f"<tr><td>一、本年新收政府信息公开申请数量</td><td>{natural}</td><td>{legal}</td><td>{natural + legal}</td></tr>"
          "<tr><td>二、上年结转政府信息公开申请数量</td><td>0</td><td>0</td><td>0</td></tr></table>")
    path = tmp_path / "r.html"
    path.write_text(_page("2025年某区财政局政府信息公开工作年度报告", T2 + t3), encoding="utf-8")
    rep = read_report(path)
    got = _cells(path)
    legal_cols = [c.code for c in spec.template("2021")["applications"].rows[0].cols if c.label.startswith("法人或其他组织")]
    assert len(legal_cols) == 5
    for row in ("new_received", "carried_over"):
        assert all(("applications", row, c) not in got for c in legal_cols), row
    assert got[("applications", "new_received", "natural_person")] == natural
    assert got[("applications", "new_received", "total")] == natural + legal  # 总计 = 自然人 + 法人或其他组织
    assert got[("applications", "carried_over", "total")] == 0
    msgs = [f["message"] for f in rep.to_contract()["findings"] if f["rule"] == "extract.partial_row"]
    assert any("法人或其他组织" in m and str(legal) in m for m in msgs), msgs


def test_applications_short_row_values_follow_their_headings(tmp_path):
    """A short 表三 whose headings name a subset of the columns (自然人, 商业企业, 总计): each value
    goes to its heading's column, not to the first columns by position."""
    t3 = ("<p>三、收到和处理政府信息公开申请情况</p><table>"
          "<tr><th>申请人情况</th><th>自然人</th><th>商业企业</th><th>总计</th></tr>"
          "<tr><td>一、本年新收政府信息公开申请数量</td><td>7</td><td>2</td><td>9</td></tr></table>")
    path = tmp_path / "r.html"
    path.write_text(_page("2025年某局政府信息公开工作年度报告", T2 + t3), encoding="utf-8")
    got = _cells(path)
    assert got[("applications", "new_received", "natural_person")] + got[("applications", "new_received", "commercial")] \
        == got[("applications", "new_received", "total")] == 9
    assert ("applications", "new_received", "research") not in got


def test_agency_from_title_line_not_from_site_chrome_above_it(tmp_path):
    """A page whose text starts with its site's navigation line, then the title (no <title>):
    the agency is the one the title line names after the year."""
    path = tmp_path / "r.html"
    path.write_text(_page("2025年某单位政府信息公开工作年度报告", T2, chrome="<div>首页 一网通办 政务公开 公共服务</div>"),
                    encoding="utf-8")
    meta = read_report(path).to_contract()
    assert (meta["agency"], meta["year"]) == ("某单位", 2025)


def test_agency_on_the_line_above_a_title_without_one_is_kept(tmp_path):
    """The other shape of a wrapped title (agency on its own line, then 2020年…报告): kept."""
    path = tmp_path / "r.html"
    path.write_text(_page("某县财政局<br/>2020年政府信息公开工作年度报告", T2), encoding="utf-8")
    assert read_report(path).to_contract()["agency"] == "某县财政局"


MD_T3 = """三、收到和处理政府信息公开申请情况
| 项目 | 自然人 | 法人或其他组织 | 总计 |
| --- | --- | --- | --- |
| 本年新收 | 10 | 2 | 12 |
| 上年结转 | 1 | 0 | 1 |
"""


def test_markdown_group_column_of_a_simplified_applications_table(tmp_path):
    """The same simplified 表三 as a Markdown pipe table (every row as wide as its header):
    自然人 and 总计 exact, the legal-person columns not stated, the identity 总计 = 自然人 + 组."""
    path = tmp_path / "r.md"
    path.write_text("2023年某市政府信息公开工作年度报告\n\n二、主动公开政府信息情况\n"
                    "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n| 规章 | 0 | 0 | 1 |\n\n"
                    + MD_T3, encoding="utf-8")
    got = _cells(path)
    assert got[("applications", "new_received", "natural_person")] == 10
    assert got[("applications", "new_received", "total")] == 10 + 2
    assert got[("applications", "carried_over", "total")] == 1
    assert not [k for k in got if k[0] == "applications" and k[2] in ("commercial", "research", "other_org")]
    # the row's identity is not known without the five columns: no finding that it fails
    assert not [f for f in read_report(path).to_contract()["findings"] if f["rule"] == "table3.row_total"]


def test_markdown_short_row_narrower_than_its_header_is_not_read_by_heading(tmp_path):
    """A Markdown row printing fewer cells than its header (a converter dropped an empty
    cell): the header's positions say nothing about it, so no cell is stated by heading."""
    path = tmp_path / "r.md"
    path.write_text("2023年某市政府信息公开工作年度报告\n\n三、收到和处理政府信息公开申请情况\n"
                    "| 项目 | 自然人 | 法人或其他组织 | 总计 |\n| --- | --- | --- | --- |\n| 本年新收 | 10 | 10 |\n",
                    encoding="utf-8")
    cells = {(c["table"], c["row"], c["col"]): c for c in read_report(path).to_contract()["cells"]}
    natural = cells.get(("applications", "new_received", "natural_person"))
    assert natural is None or natural.get("ambiguous")


def test_reviews_rows_labelled_group_then_bracketed_row(tmp_path):
    """表四 as 3 labelled rows × 5 columns, the litigation rows printed 行政诉讼（未经复议） and
    行政诉讼（复议后）: each read into its row, every row's 总计 the sum of its four results."""
    rows = {"行政复议": (2, 1, 0, 0), "行政诉讼（未经复议）": (1, 0, 1, 1), "行政诉讼（复议后）": (0, 1, 0, 0)}
    body = "".join(f"| {k} | {' | '.join(map(str, v))} | {sum(v)} |\n" for k, v in rows.items())
    path = tmp_path / "r.md"
    path.write_text("2023年某市政府信息公开工作年度报告\n\n四、政府信息公开行政复议、行政诉讼情况\n"
                    "| 项目 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n| --- | --- | --- | --- | --- | --- |\n" + body,
                    encoding="utf-8")
    got = _cells(path)
    for code, v in zip(("reconsideration", "litigation_direct", "litigation_after_reconsideration"), rows.values()):
        parts = [got[("reviews", code, c)] for c in ("upheld", "corrected", "other", "pending")]
        assert parts == list(v) and got[("reviews", code, "total")] == sum(parts), code


def test_reviews_row_under_fragment_header_cells_with_its_heading_in_text_lines(tmp_path):
    """表四 from a PDF → Markdown converter: 行政复议/行政诉讼 and the column words went to text
    lines above the table (more than the two a caption holds), the table's own header cells are
    word fragments (维持 | 纠正 | 结果 …, fewer than 15), and its one data row prints the 15
    values: read in the template's order, each row's 总计 the sum of its four results."""
    values = (1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0)
    path = tmp_path / "r.md"
    path.write_text("2024年某市某局政府信息公开工作年度报告\n\n三、政府信息公开行政复议、行政诉讼情况\n"
                    "行政复议行政诉讼\n未经复议直接起诉复议后起诉\n结果结果其他尚未\n总计\n总计总计\n"
                    "维持纠正结果审结维持纠正结果审结\n"
                    "| 维持 | 纠正 | 结果 | 审结 | 结果 | 结果 | 其他 | 尚未 | 结果 | 结果 | 其他 | 尚未 |\n"
                    + "|---" * 12 + "|\n| " + " | ".join(map(str, values)) + " |\n" + "|---" * 15 + "|\n",
                    encoding="utf-8")
    got = _cells(path)
    rows = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
    cols = ("upheld", "corrected", "other", "pending", "total")
    assert [got[("reviews", r, c)] for r in rows for c in cols] == list(values)
    for r in rows:
        assert got[("reviews", r, "total")] == sum(got[("reviews", r, c)] for c in cols[:4]), r


def test_reviews_fragment_header_table_without_fifteen_values_is_not_read(tmp_path):
    """The same fragment header over a row of 12 values (3 cut off): not 表四's row, nothing read."""
    path = tmp_path / "r.md"
    path.write_text("2024年某市某局政府信息公开工作年度报告\n\n三、政府信息公开行政复议、行政诉讼情况\n"
                    "行政复议行政诉讼\n未经复议直接起诉复议后起诉\n维持纠正结果审结维持纠正结果审结\n"
                    "| 维持 | 纠正 | 结果 | 审结 | 结果 | 结果 | 其他 | 尚未 | 结果 | 结果 | 其他 | 尚未 |\n"
                    + "|---" * 12 + "|\n| " + " | ".join(["1"] + ["0"] * 11) + " |\n", encoding="utf-8")
    assert not [k for k in _cells(path) if k[0] == "reviews"]


def test_text_layer_proactive_rows_before_the_first_printed_item_heading(tmp_path):
    """A PDF text layer (values separated by spaces) whose 表二 starts on a page whose first
    rows (行政处罚, 行政强制 under 信息内容 本年处理决定数量) come before the first 第二十条 heading
    printed there (第二十条第（八）项): those rows are read, as well as the ones after it."""
    path = tmp_path / "r.txt"
    path.write_text("2024年某市政府信息公开工作年度报告\n- 4 -\n信息内容 本年处理决定数量\n行政处罚 3985758\n"
                    "行政强制 88283\n第二十条 第（八）项\n信息内容 本年收费金额（单位：万元）\n行政事业性收费 96171.6\n"
                    "三、收到和处理政府信息公开申请情况\n（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）\n"
                    "申请人情况\n自然人\n法人或其他组织\n总计商 业 企\n业\n科研机\n构\n社会公益\n组织\n法 律 服 务\n机构\n其他\n"
                    "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119\n二、上年结转政府信息公开申请数量 34 0 0 0 0 0 34\n",
                    encoding="utf-8")
    got = _cells(path)
    assert got[("proactive", "penalties", "decisions")] == 3985758
    assert got[("proactive", "coercion", "decisions")] == 88283
    assert got[("proactive", "fees", "amount")] == 96171.6
    new = [got[("applications", "new_received", c)] for c in
           ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")]
    assert sum(new) == got[("applications", "new_received", "total")]


def test_text_file_of_whole_rows_joined_by_pipes_without_outer_pipes(tmp_path):
    """A .txt of a page's text as a crawler stores it: each table row whole on its line, cells
    joined by `` | `` with a trailing ``|`` and no leading one (``规章 | 0 | 0 | 0 |``), group
    labels leading their first row.  Read as table rows (it was taken for the one-cell-a-line
    pipe dump: every line one cell, nothing read)."""
    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
    new, carried = (40, 5, 0, 0, 1, 0), (3, 0, 0, 0, 0, 0)
    row = lambda label, v: f"{label} | " + " | ".join(map(str, (*v, sum(v)))) + " |"
    lines = ["2024年某区某局政府信息公开工作年度报告", "二、主动公开政府信息情况", "第二十条第(一)项 |",
             "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "规章 | 0 | 0 | 0 |", "行政规范性文件 | 4 | 1 | 22 |",
             "第二十条第(五)项 |", "信息内容 | 本年处理决定数量 |", "行政许可 | 120 |",
             "三、收到和处理政府信息公开申请情况", "自然人 | 法人或其他组织 | 总计 |",
             "商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 |",
             row("一、本年新收政府信息公开申请数量", new), row("二、上年结转政府信息公开申请数量", carried),
             row("三、本年度办理结果 | (一)予以公开", (43, 5, 0, 0, 1, 0)),
             row("(七)总计", (43, 5, 0, 0, 1, 0)), row("四、结转下年度继续办理", (0,) * 6)]
    path = tmp_path / "page.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = _cells(path)
    assert got[("proactive", "normative_documents", "in_force")] == 22
    assert got[("proactive", "licensing", "decisions")] == 120
    assert [got[("applications", "new_received", c)] for c in cols] == list(new)
    assert got[("applications", "new_received", "total")] == sum(new)
    assert got[("applications", "granted", "total")] == sum(new) + sum(carried)


# --- third round ---------------------------------------------------------------------------

_T4_WORDS = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉",
             *(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)]
_T4_VALUES = [2, 1, 0, 1, 4, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
_T2_CELLS = ["第二十条第(一)项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "0", "0", "0",
             "行政规范性文件", "3", "1", "12", "第二十条第(五)项", "信息内容", "本年处理决定数量", "行政许可", "25",
             "第二十条第(六)项", "信息内容", "本年处理决定数量", "行政处罚", "7", "行政强制", "0"]


def _t4_read(got) -> list:
    return [got.get(("reviews", r, c)) for r in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
            for c in ("upheld", "corrected", "other", "pending", "total")]


def test_text_dump_with_the_pipe_on_a_line_of_its_own(tmp_path):
    """A page-to-text export that puts each cell's pipe on the next line (``规章`` / ``|`` / ``0`` / ``|``):
    each bare pipe closes the cell above it.  Before, no line ended a cell and the file was refused."""
    cells = _T2_CELLS + ["四、政府信息公开行政复议、行政诉讼情况", *_T4_WORDS, *map(str, _T4_VALUES)]
    text = ("某县自然资源局2024年政府信息公开工作年度报告\n一、总体情况\n本机关依法推进政府信息公开工作。\n"
            "二、主动公开政府信息情况\n" + "".join(f"{c}\n|\n" for c in cells) + "五、存在的主要问题及改进情况\n无。\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    got = _cells(path)
    assert got[("proactive", "normative_documents", "in_force")] == 12
    assert got[("proactive", "licensing", "decisions")] == 25
    assert got[("proactive", "penalties", "decisions")] == 7
    assert _t4_read(got) == _T4_VALUES


def test_reviews_header_words_and_fifteen_values_on_one_pipe_row(tmp_path):
    """表四 in a pipe dump with no filler line between its header cells and its 15 values, so
    they make one row whose last label is 总计: the 15 values are the table's data row, read
    in the template's order, not five columns of one row (before: ambiguous, 10 cells missing)."""
    cells = _T2_CELLS + ["四、政府信息公开行政复议、行政诉讼情况", *_T4_WORDS, *map(str, _T4_VALUES)]
    text = ("某县自然资源局2024年政府信息公开工作年度报告\n一、总体情况\n本机关依法推进政府信息公开工作。\n"
            "二、主动公开政府信息情况\n" + "".join(f"{c} |\n" for c in cells) + "五、存在的主要问题及改进情况\n无。\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    assert _t4_read(_cells(path)) == _T4_VALUES


def test_traditional_script_view_of_a_report_is_read(tmp_path):
    """A site's 繁體 view saved by a crawler (第二十條 第(五)項 / 信息內容 / 本年處理決定數量): read
    folded to simplified characters; before, no template word matched and it was refused."""
    from gxlib.script import fold_traditional

    trad = ["第二十條 第(一)項", "信息內容", "本年制發件數", "本年廢止件數", "現行有效件數", "規章", "0", "0", "0",
            "行政規范性文件", "3", "1", "12", "第二十條 第(五)項", "信息內容", "本年處理決定數量", "行政許可", "2468",
            "第二十條 第(六)項", "信息內容", "本年處理決定數量", "行政處罰", "99", "行政強制", "75",
            "第二十條 第(八)項", "信息內容", "本年收費金額(單位:萬元)", "行政事業性收費", "2.02",
            "四、政府信息公開行政復議、行政訴訟情況", *[fold_traditional(w)[0] for w in _T4_WORDS], *map(str, _T4_VALUES)]
    text = ("某市市場監督管理局2024年政府信息公開工作年度報告\n一、總體情況\n本局依法推進政府信息公開工作。\n"
            "二、主動公開政府信息情況\n" + "".join(f"{c} |\n" for c in trad) + "五、存在的主要問題及改進情況\n無。\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    rep = read_report(path).to_contract()
    got = _cells(path)
    assert rep["year"] == 2024 and rep["agency"] == "某市市场监督管理局"
    assert got[("proactive", "licensing", "decisions")] == 2468
    assert got[("proactive", "fees", "amount")] == 2.02
    assert fold_traditional("规章内容与数量")[0] == "规章内容与数量"  # a simplified text is left as it is


def test_year_from_the_overview_and_agency_from_a_title_without_a_year(tmp_path):
    """A title line printing no year (驼峰路街道办事处政府信息公开工作年度报告) and an overview saying
    ``2020年度我街办未接到…申请``: the agency is the title's words, the year the one year the
    overview prints as 年度.  An overview printing two such years settles none."""
    body = "二、主动公开政府信息情况\n" + "".join(f"{c} |\n" for c in _T2_CELLS)
    one = tmp_path / "one.txt"
    one.write_text("某街道办事处政府信息公开工作年度报告\n一、总体情况\n2020年度我街办未接到政府信息公开申请。\n" + body,
                   encoding="utf-8")
    c = read_report(one).to_contract()
    assert (c["agency"], c["year"]) == ("某街道办事处", 2020)
    two = tmp_path / "two.txt"
    two.write_text("某街道办事处政府信息公开工作年度报告\n一、总体情况\n2020年度共公开信息30条，较2019年度增加5条。\n" + body,
                   encoding="utf-8")
    assert read_report(two).to_contract()["year"] is None


def test_pipe_dump_with_fillers_on_the_row_s_last_cell_line(tmp_path):
    """A pipe dump whose span fillers share the row's last cell line (``0 | |``,
    ``第二十条第(一)项 | ||||``) and whose rows open with a bare ``|`` line (a county 乡's page): the
    fillers end the row.  Before, ``0 |`` was read as the cell's text, so every row had a cell
    short and was ambiguous."""
    rows = [["第二十条第(一)项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "0", "0", "1"],
            ["规范性文件", "2", "3", "4"], ["第二十条第(五)项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
            ["行政许可", "5", "6", "7"]]
    lines = []
    for row in rows:
        cells = [f"{c} |" for c in row]
        cells[-1] += " " + "|" * (5 - len(row)) if len(row) < 5 else ""
        lines += ["|", *cells]
    path = tmp_path / "r.txt"
    path.write_text("某乡2020年政府信息公开工作年度报告\n一、总体情况\n本乡依法推进政府信息公开工作。\n"
                    "二、主动公开政府信息情况\n" + "\n".join(lines) + "\n", encoding="utf-8")
    got = _cells(path)
    assert [got[("proactive", "regulations", c)] for c in ("new_made", "new_published", "total_published")] == [0, 0, 1]
    assert [got[("proactive", "normative_documents", c)] for c in ("new_made", "new_published", "total_published")] == [2, 3, 4]
    assert [got[("proactive", "licensing", c)] for c in ("prev_count", "change", "decisions")] == [5, 6, 7]
