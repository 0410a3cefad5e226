"""The pipe-text and HTML readers and the extractor, on small constructed reports.

Each report is built here from the template spec, with one real-world variant applied at a
time (spaces in labels, 1、 numbering, typos, truncated headers, GBK, nested layout tables,
&nbsp;, <br>, colspans that differ between header and data rows)."""

from __future__ import annotations

import pytest

from gxlib import spec
from gxlib.errors import EmptyDocument, EncodingError, NotAReport, UnsupportedFormat
from gxlib.readers import read_document
from gxlib.readers.pipe import parse as parse_pipe
from gxlib.report import build_report, read_report

TITLE = "测试县财政局2020年政府信息公开工作年度报告"


def values_for(tpl: str, single_other: bool = False) -> dict[tuple[str, str, str], int]:
    """Distinct numbers for every cell, so a cell landing in the wrong slot is caught."""
    out = {}
    n = 1
    for table in spec.TABLES:
        rows = spec.applications_rows(tpl, single_other) if table == "applications" else spec.template(tpl)[table].rows
        for r in rows:
            for c in r.cols:
                out[(table, r.code, c.code)] = n
                n += 1
    return out


def html_report(tpl: str, vals: dict, *, label=lambda s: s, wrap=lambda s: s, head="", title=TITLE) -> str:
    parts = [f"<p>{title}</p><p>一、总体情况</p><p>二、主动公开政府信息情况</p><table>"]
    t2 = spec.template(tpl)["proactive"]
    for r in t2.rows:
        parts.append("<tr><td>信息内容</td>" + "".join(f"<td>{c.leaf.replace('数量', '<br/>数量')}</td>" for c in r.cols) + "</tr>")
        parts.append(f"<tr><td>{label(r.leaf)}</td>" + "".join(f"<td>{vals[('proactive', r.code, c.code)]}</td>" for c in r.cols) + "</tr>")
    parts.append("</table><p>三、收到和处理政府信息公开申请情况</p><table>")
    parts.append('<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>')
    parts.append('<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>')
    parts.append("<tr>" + "".join(f"<td>{x}</td>" for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")) + "</tr>")
    for r in spec.template(tpl)["applications"].rows:
        group = f"<td>{r.group}</td>" if r.group else ""
        cells = "".join(
            f"<td>{v if v else '&nbsp;'}</td>" for v in (vals[("applications", r.code, c.code)] for c in r.cols)
        )
        parts.append(f"<tr>{group}<td>{label(r.leaf)}</td>{cells}</tr>")
    parts.append("</table><p>四、政府信息公开行政复议、行政诉讼情况</p><table>")
    parts.append('<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>')
    t4 = spec.template(tpl)["reviews"]
    data = "".join(f"<td>{vals[('reviews', r.code, c.code)]}</td>" for r in t4.rows for c in r.cols)
    parts.append(f"<tr>{data}</tr></table><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>")
    return f"<html><head>{head}</head><body>" + wrap("".join(parts)) + "</body></html>"


def coded(rep) -> dict[tuple[str, str, str], float | None]:
    return {(r["table"], r["row"], r["col"]): r["value"] for r in rep.cells.iter_rows(named=True)}


def check_all(rep, vals):
    got = coded(rep)
    assert set(got) == set(vals)
    wrong = {k: (got[k], v) for k, v in vals.items() if got[k] != v}
    assert not wrong


@pytest.mark.parametrize("tpl", ["2019", "2021"])
def test_html_every_cell_lands_in_its_slot(tmp_path, tpl):
    vals = values_for(tpl)
    p = tmp_path / "r.html"
    p.write_text(html_report(tpl, vals), encoding="utf-8")
    rep = read_report(p)
    assert rep.template == tpl
    check_all(rep, vals)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda s: " ".join(s), id="spaces-inside-labels"),
        pytest.param(lambda s: s.replace(".", "、", 1), id="numbering-1、"),
        pytest.param(lambda s: s.replace("(", "（").replace("（", "(").replace("）", ")"), id="half-width-brackets"),
        pytest.param(lambda s: s.replace("法规禁", ""), id="typo-其他法律行政止公开"),
        pytest.param(lambda s: s.replace("行政规范性文件", "规范性文件"), id="规范性文件-without-行政"),
    ],
)
def test_label_variants(tmp_path, variant):
    vals = values_for("2021")
    p = tmp_path / "r.html"
    p.write_text(html_report("2021", vals, label=variant), encoding="utf-8")
    check_all(read_report(p), vals)


def test_gbk_page_without_declaration_inside_nested_layout_tables(tmp_path):
    vals = values_for("2019")
    page = html_report(
        "2019",
        vals,
        wrap=lambda s: f"<table><tr><td><a href='/'>首页</a> | <a>政务公开</a></td></tr><tr><td>{s}</td></tr></table>"
        "<script>var x = '<table><tr><td>行政许可</td><td>999</td></tr></table>';</script>",
    )
    p = tmp_path / "r.html"
    p.write_bytes(page.encode("gbk"))
    rep = read_report(p)
    assert rep.reports["agency"][0] == "测试县财政局"
    check_all(rep, vals)


def test_declared_gb2312_charset(tmp_path):
    vals = values_for("2019")
    p = tmp_path / "r.html"
    p.write_bytes(html_report("2019", vals, head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gb18030"))
    check_all(read_report(p), vals)


def test_blank_cells_are_null_with_raw_kept(tmp_path):
    vals = values_for("2021")
    vals[("applications", "granted", "research")] = 0
    p = tmp_path / "r.html"
    p.write_text(html_report("2021", vals), encoding="utf-8")
    rep = read_report(p)
    cell = rep.cells.filter(
        (rep.cells["row"] == "granted") & (rep.cells["col"] == "research")
    ).row(0, named=True)
    assert cell["value"] is None and cell["raw"] == ""  # &nbsp; printed: blank, not 0


def test_br_in_header_joins_label():
    doc = read_document("x.html", "<table><tr><td>本年新<br/>制作数量</td></tr></table>".encode())
    assert doc.grids[0].rows[0][0].text == "本年新制作数量"


def test_colspan_rowspan_resolved():
    html = "<table><tr><td rowspan='2'>A</td><td colspan='2'>B</td></tr><tr><td>C</td><td>D</td></tr></table>"
    g = read_document("x.html", html.encode()).grids[0]
    assert [(c.text, c.row, c.col) for row in g.rows for c in row] == [("A", 0, 0), ("B", 0, 1), ("C", 1, 1), ("D", 1, 2)]


def test_header_and_data_colspans_differ_values_follow_cell_order():
    html = (
        f"<p>{TITLE}</p><table><tr><td>信息内容</td><td>上一年项目数量</td><td colspan='2'>本年增/减</td><td>处理决定数量</td></tr>"
        "<tr><td>行政许可</td><td colspan='2'>7</td><td>-2</td><td>30</td></tr></table>"
    )
    rep = build_report(read_document("x.html", html.encode()))
    got = coded(rep)
    assert got[("proactive", "licensing", "prev_count")] == 7
    assert got[("proactive", "licensing", "change")] == -2
    assert got[("proactive", "licensing", "decisions")] == 30


PIPE = """测试局2020年政府信息公开工作年度报告
二、主动公开政府信息情况
第二十条第(一)项 |
||||
信息内容 |
本年新 |
本年新 |
对外公开总数量 |
|
规章 |
1 |
|
3 |
|
第二十条第(九)项 |
||||
信息内容 |
采购项目数量 |
采购总金额 |
||
政府集中采购 |
6 |
251000元 |
三、收到和处理政府信息公开申请情况
"""


def test_pipe_blank_cells_fillers_and_units():
    doc = parse_pipe(PIPE, "x.txt", "0" * 64)
    rep = build_report(doc)
    got = coded(rep)
    assert rep.template == "2019"  # from the truncated heading 本年新 and 采购项目数量
    assert got[("proactive", "regulations", "new_made")] == 1
    assert got[("proactive", "regulations", "new_published")] is None
    assert got[("proactive", "regulations", "total_published")] == 3
    assert got[("proactive", "procurement", "amount")] == pytest.approx(25.1)  # 元 → 万元
    where = rep.where("proactive", "regulations", "total_published")["where"]
    assert where == "line 13"


def test_truncated_table_keeps_what_it_read(tmp_path):
    vals = values_for("2021")
    page = html_report("2021", vals)
    cut = page.index("（四）无法提供") if "（四）无法提供" in page else page.index("1.本机关不掌握")
    p = tmp_path / "r.html"
    p.write_text(page[:cut], encoding="utf-8")
    rep = read_report(p)
    got = coded(rep)
    assert got[("applications", "granted", "natural_person")] == vals[("applications", "granted", "natural_person")]
    assert not any(k[1] == "carried_forward" for k in got)  # nothing invented for rows it never saw


@pytest.mark.parametrize(
    "data, err",
    [
        (b"", EmptyDocument),
        (b"   \n\t ", EmptyDocument),
        (bytes(range(256)) * 40, (EncodingError, UnsupportedFormat)),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, UnsupportedFormat),
        ("<html><body><p>欢迎访问</p><table><tr><td>首页</td></tr></table></body></html>".encode(), NotAReport),
    ],
    ids=["empty", "whitespace", "binary", "legacy-doc", "html-without-report"],
)
def test_bad_input_raises_typed_errors(tmp_path, data, err):
    p = tmp_path / "bad.html"
    p.write_bytes(data)
    with pytest.raises(err):
        read_report(p)


def test_report_embedded_in_a_script_string(tmp_path):
    import json

    vals = values_for("2019")
    fragment = html_report("2019", vals)
    page = (
        "<html><head><title>政务公开</title></head><body><div id='c'></div>"
        f"<script>let content = {json.dumps(fragment, ensure_ascii=False)}; c.innerHTML = content;</script></body></html>"
    )
    p = tmp_path / "r.html"
    p.write_text(page, encoding="utf-8")
    rep = read_report(p)
    check_all(rep, vals)
    assert any("script" in x for x in rep.document.problems)


def test_reviews_printed_as_three_rows(tmp_path):
    """Some reports print 表四 transposed: one row per 行政复议 / 直接起诉 / 复议后起诉."""
    vals = values_for("2021")
    page = html_report("2021", vals)
    t4 = spec.template("2021")["reviews"]
    standard = page[page.index('<tr><td colspan="5">行政复议</td>') : page.index("</table><p>五")]
    rows = "".join(
        f"<tr><td>{label}</td>" + "".join(f"<td>{vals[('reviews', r.code, c.code)]}</td>" for c in r.cols) + "</tr>"
        for label, r in zip(("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"), t4.rows)
    )
    header = "<tr><td>类别</td>" + "".join(f"<td>{c.leaf}</td>" for c in t4.rows[0].cols) + "</tr>"
    p = tmp_path / "r.html"
    p.write_text(page.replace(standard, header + rows), encoding="utf-8")
    check_all(read_report(p), vals)


def test_tab_separated_text_dump(tmp_path):
    """Tables copied into a .txt file: one row per line, cells separated by tabs."""
    vals = values_for("2021")
    lines = [TITLE.replace("2020", "2022"), "一、总体情况", "二、主动公开政府信息情况"]
    for table in spec.TABLES:
        t = spec.template("2021")[table]
        if table == "reviews":
            lines.append("行政复议\t\t\t\t\t行政诉讼")
            lines.append("\t".join(c.leaf for r in t.rows for c in r.cols))
            lines.append("\t".join(str(vals[(table, r.code, c.code)]) for r in t.rows for c in r.cols))
            continue
        for r in t.rows:
            lines.append("\t".join([r.leaf, *(str(vals[(table, r.code, c.code)]) for c in r.cols)]))
    p = tmp_path / "r.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    rep = read_report(p)
    assert rep.template == "2021"
    check_all(rep, vals)
