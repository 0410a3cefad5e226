"""Odd but real inputs found by review: each must read right or say what it could not read."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gxlib import spec
from gxlib.readers import read_document
from gxlib.report import build_report, read_report
from tests.test_readers_text_html import TITLE, check_all, coded, html_report, values_for


def consistent_2021() -> dict:
    """A 表三/表四 whose identities all hold (zero except a few applications)."""
    vals = {k: 0 for k in values_for("2021")}
    for col, n in (("natural_person", 4), ("commercial", 1)):
        vals[("applications", "new_received", col)] = n
        vals[("applications", "granted", col)] = n
        vals[("applications", "total_handled", col)] = n
    for row in ("new_received", "granted", "total_handled"):
        vals[("applications", row, "total")] = 5
    return vals


def as_printed(vals: dict) -> dict:
    """html_report prints 表三's zeros as &nbsp; (blank → null)."""
    return {k: (None if k[0] == "applications" and v == 0 else v) for k, v in vals.items()}


def rules(rep) -> set[str]:
    return set(rep.findings["rule"])


def test_a_statistics_table_in_section_one_is_not_a_template_table(tmp_path):
    vals = consistent_2021()
    stats = "<table><tr><td>类别</td><td>数量</td></tr><tr><td>其他</td><td>5</td></tr><tr><td>总计</td><td>125</td></tr></table>"
    page = html_report("2021", vals).replace("<p>二、主动公开政府信息情况</p>", stats + "<p>二、主动公开政府信息情况</p>")
    p = tmp_path / "r.html"
    p.write_text(page, encoding="utf-8")
    rep = read_report(p)
    check_all(rep, as_printed(vals))
    assert not {r for r in rules(rep) if r.startswith("table")}


def test_a_second_copy_of_table_three_is_reported_not_remapped(tmp_path):
    vals = consistent_2021()
    page = html_report("2021", vals)
    t3 = page[page.index("<p>三、"):page.index("<p>四、")]
    p = tmp_path / "r.html"
    p.write_text(page.replace(t3, t3 + t3), encoding="utf-8")
    rep = read_report(p)
    check_all(rep, as_printed(vals))
    assert "extract.duplicate_row" in rules(rep)
    assert not {r for r in rules(rep) if r.startswith("table")}


def test_an_empty_cell_before_the_numbers_is_a_spacer_and_extra_numbers_are_flagged(tmp_path):
    page = html_report("2021", consistent_2021())
    label = "<td>一、本年新收政府信息公开申请数量</td>"
    p = tmp_path / "r.html"
    p.write_text(page.replace(label, label + "<td></td>"), encoding="utf-8")
    rep = read_report(p)
    # the empty cell is a spacer reading: no value moves a column; where the row total cannot
    # tell the spacer from a printed blank, the cells it cannot tell are ambiguous, never shifted
    (tmp_path / "plain.html").write_text(page, encoding="utf-8")
    plain = read_report(tmp_path / "plain.html").cells
    want = dict(plain.filter(plain["row"] == "new_received").select("col", "value").iter_rows())
    cells = rep.cells.filter(rep.cells["row"] == "new_received")
    for c in cells.iter_rows(named=True):
        assert c["ambiguous"] or c["value"] == want[c["col"]], c
    assert "extract.extra_cells" not in rules(rep)
    # a printed number too many, with no empty cell to explain it, is still flagged
    p.write_text(page.replace(label, label + "<td>7</td>"), encoding="utf-8")
    assert "extract.extra_cells" in rules(read_report(p))


def test_subtotal_row_of_other_with_its_sub_rows_is_not_counted_twice(tmp_path):
    vals = consistent_2021()
    for col in (*spec.APPLICANT_COLS, "total"):
        vals[("applications", "other_misc", col)] = 1 if col in ("natural_person", "total") else 0
        vals[("applications", "granted", col)] -= 1 if col in ("natural_person", "total") else 0
    page = html_report("2021", vals)
    subtotal = "<tr><td>（六）其他处理</td>" + "".join(
        f"<td>{1 if c in ('natural_person', 'total') else 0}</td>" for c in (*spec.APPLICANT_COLS, "total")) + "</tr>"
    i = page.index("<tr><td>（六）其他处理</td>")
    p = tmp_path / "r.html"
    p.write_text(page[:i] + subtotal + page[i:], encoding="utf-8")
    rep = read_report(p)
    assert "table3.total_handled" not in rules(rep)


def test_html_page_with_a_footer_of_pipe_separated_links_is_html(tmp_path):
    vals = consistent_2021()
    footer = "".join(f"<a href='/l{i}'>友情链接{i}</a> |\n" for i in range(25))
    p = tmp_path / "r.html"
    p.write_text(html_report("2021", vals).replace("</body>", footer + "</body>"), encoding="utf-8")
    rep = read_report(p)
    assert rep.reports["format"][0] == "html"
    check_all(rep, as_printed(vals))


def test_xhtml_prolog_and_a_stray_byte(tmp_path):
    vals = consistent_2021()
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + html_report("2021", vals)
    p = tmp_path / "x.html"
    p.write_text(page, encoding="utf-8")
    check_all(read_report(p), as_printed(vals))
    data = html_report("2021", vals).encode("gb18030")
    i = data.index("五、存在".encode("gb18030"))
    p.write_bytes(data[:i] + b"\xff" + data[i:])  # one bad byte in the narrative
    rep = read_report(p)
    check_all(rep, as_printed(vals))
    assert any("U+FFFD" in x for x in rep.document.problems)


def test_tab_dump_keeps_a_blank_total_column(tmp_path):
    lines = [TITLE.replace("2020", "2022"), "信息内容\t本年制发件数\t本年废止件数\t现行有效件数"]
    for r in spec.template("2021")["applications"].rows:
        lines.append("\t".join([r.leaf, "1", "0", "0", "0", "0", "0", ""]))
    p = tmp_path / "r.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    rep = read_report(p)
    totals = rep.cells.filter((rep.cells["table"] == "applications") & (rep.cells["col"] == "total"))
    assert totals.height == 25 and totals["value"].null_count() == 25
    assert "extract.partial_row" not in rules(rep)


def test_two_numbers_stacked_in_one_cell_are_unreadable_not_glued():
    html = (f"<p>{TITLE}</p><table><tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>"
            "<tr><td>行政许可</td><td><p>3</p><p>2</p></td><td>0</td><td>5</td></tr></table>")
    rep = build_report(read_document("x.html", html.encode()))
    assert coded(rep)[("proactive", "licensing", "prev_count")] is None
    assert "extract.unreadable" in rules(rep)


def test_a_cut_off_date_is_not_the_publication_date():
    text = f"{TITLE}\n统计截止日期：2020年12月31日\n正文……\n测试县财政局\n2021年3月20日"
    rep = build_report(read_document("x.txt", text.encode()))
    assert str(rep.reports["published"][0]) == "2021-03-20"


def test_a_templated_year_with_no_readable_table_says_so():
    text = "测试县财政局2022年政府信息公开工作年度报告\n一、总体情况\n本年度……"
    rep = build_report(read_document("x.txt", text.encode()))
    assert rep.template == "unknown"
    assert set(rep.findings.filter(rep.findings["rule"] == "template.missing_table")["table"]) == set(spec.TABLES)


def test_gx_build_with_a_mistyped_source_changes_nothing(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "r.html").write_text(html_report("2021", consistent_2021()), encoding="utf-8")

    def build(source):
        return subprocess.run([sys.executable, "-m", "gxlib.cli", "build", str(source), "-o", str(tmp_path / "out"),
                               "--workers", "1", "--no-progress"], capture_output=True, text=True, timeout=300)

    assert build(src).returncode == 0
    bad = build(tmp_path / "srcc")
    assert bad.returncode == 2 and "source not found" in (bad.stdout + bad.stderr)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["files_ok"] == 1


def test_a_label_cut_by_a_page_break_does_not_take_another_row():
    """A PDF row split across pages leaves a fragment (「申请」) at the top of the next page; it
    must not be read as 4.无正当理由大量反复申请 (which merely ends the same way)."""
    from gxlib.document import Cell, Document, Grid

    def row(label, *vals):
        return [Cell(label, "p"), *(Cell(str(v), "p") for v in vals)]

    zeros = [0] * 7
    grid = Grid(
        [
            row("申请人情况"),
            row("1.信访举报投诉类申请", *zeros),
            row("2.重复", 1, 0, 0, 0, 0, 0, 1),
            row("申请", *[""] * 7),  # the rest of 「2.重复申请」 on the next page
            row("3.要求提供公开出版物", *zeros),
            row("4.无正当理由大量反复申请", 2, 0, 0, 0, 0, 0, 2),
        ],
        "page 2-3",
    )
    header_2021 = Grid([row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")], "page 1")
    doc = Document("x.pdf", "pdf", "0" * 64, TITLE.replace("2020", "2022"), [header_2021, grid])
    rep = build_report(doc)
    got = coded(rep)
    assert got[("applications", "rejected_duplicate", "natural_person")] == 1
    assert got[("applications", "rejected_excessive", "natural_person")] == 2
    assert "extract.duplicate_row" not in rules(rep)


def test_a_row_outside_the_template_with_numbers_is_reported():
    html = html_report("2021", consistent_2021()).replace(
        "<tr><td>（二）部分公开", "<tr><td>（一）之二 依申请主动公开</td>" + "<td>3</td>" * 7 + "</tr><tr><td>（二）部分公开", 1)
    rep = build_report(read_document("x.html", html.encode()))
    assert "extract.unmatched_label" in rules(rep)


@pytest.mark.parametrize("text, value", [("55（含自然失效 29 件）", 55), ("5(其中修订3件)", 5), ("1,234件（含本级）", 1234)])
def test_a_value_with_a_note_after_it_reads_as_the_value(text, value):
    from gxlib.values import parse_value

    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["（二）部分公开", "55（含自然失效 29 件）（另）", "5（" + "注" * 60 + "）"])
def test_text_that_only_looks_like_a_noted_value_stays_unreadable(text):
    from gxlib.values import Unreadable, parse_value

    with pytest.raises(Unreadable):
        parse_value(text)
