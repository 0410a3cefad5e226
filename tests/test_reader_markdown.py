"""The Markdown reader on real shapes: the peer folder's converter outputs (gold in test_gold),
real corpus reports converted to Markdown the ways converters do it, and bad input."""

from __future__ import annotations

import pytest

import gxlib
from gxlib.errors import NotAReport
from gxlib.readers import read_document
from tests.shared import CORPUS, needs_shared

HTML_REPORTS = ["004_shanghai_szfbgt_2019.html", "peer/01_hangzhou-style-2025.html"]


def _cells(rep) -> dict:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in rep.to_contract()["cells"]}


def _to_markdown(path, style: str) -> str:
    """A Markdown conversion of a real report, as converters write them: ``clean`` one pipe table
    per table; ``split`` every row its own small table under a heading, with a page footer and
    padding cells; ``html`` the tables kept as HTML blocks."""
    doc = read_document(path)
    out = [f"# {doc.meta.get('title') or ''}", "", doc.text.split("\n")[0], ""]
    for gi, grid in enumerate(doc.grids):
        width = max(len(r) for r in grid.rows)
        if style == "html":
            body = "".join("<tr>" + "".join(f"<td>{c.text}</td>" for c in r) + "</tr>" for r in grid.rows)
            out += [f"## 表格 {gi + 1}", f"<table>{body}</table>", ""]
            continue
        for ri, row in enumerate(grid.rows):
            cells = [c.text for c in row]
            if style == "split":
                out += [f"### 第 {gi + 1} 表 第 {ri + 1} 行", "| 项目 | 数据1 | 数据2 |", "|---|---|---|"]
                if ri == 3:
                    out.append("— 4 —")  # a page footer inside the table
                out.append("| " + " | ".join(cells + [""]) + " |")
                out.append("")
            else:
                out.append("| " + " | ".join(cells + [""] * (width - len(cells))) + " |")
                if ri == 0:
                    out.append("|" + "---|" * width)
        out.append("")
    out.append(doc.text)
    return "\n".join(out)


@needs_shared
@pytest.mark.corpus
@pytest.mark.parametrize("style", ["clean", "split", "html"])
@pytest.mark.parametrize("name", HTML_REPORTS)
def test_a_markdown_conversion_of_a_real_report_reads_the_same_cells(tmp_path, name, style):
    src = CORPUS / name
    want = _cells(gxlib.read_report(src))
    md = tmp_path / (src.stem + ".md")
    md.write_text(_to_markdown(src, style), encoding="utf-8")
    rep = gxlib.read_report(md)
    assert rep.reports["format"][0] == "markdown"
    got = _cells(rep)
    wrong = [k for k in want if got.get(k) != want[k]]
    assert not wrong, f"{len(wrong)} cells differ, e.g. {[(k, got.get(k), want[k]) for k in wrong[:4]]}"


@needs_shared
@pytest.mark.corpus
def test_markdown_sniffed_inside_txt_and_shown_in_the_summary(tmp_path):
    text = (CORPUS / "peer" / "08_shuyang-county-2025.md").read_text(encoding="utf-8")
    (tmp_path / "report.txt").write_text(text, encoding="utf-8")
    rep = gxlib.read_report(tmp_path / "report.txt")
    assert rep.reports["format"][0] == "markdown"
    assert rep.reports["n_by_print"][0] == 200 and rep.reports["n_ambiguous"][0] == 0
    # the three 表四 rows sit in three tables under headings, with no label of their own
    assert rep.table("reviews")["total"].to_list() == [61, 3, 10]


@needs_shared
@pytest.mark.corpus
def test_lost_labels_are_placed_by_the_template_row_order():
    """07 (a PDF-to-Markdown extraction): 部分公开's numbers stand under a paragraph, （五）5's row
    of zeros has no label at all; both are placed between their labelled neighbours."""
    rep = gxlib.read_report(CORPUS / "peer" / "07_shanghai-office-2025-source.md")
    t3 = rep.table("applications")
    assert t3.filter(t3["row"] == "partially_granted")["total"].to_list() == [2]
    assert t3.filter(t3["row"] == "rejected_confirmation")["total"].to_list() == [0]
    assert any("by the template's row order" in line for line in rep.extraction.log)
    # 表二 (一): the 废止 cell of each row was lifted out above the table with its note; the
    # note (修订, 自然失效) names the column, the item's title says which rows
    t2 = rep.cells.filter(rep.cells["table"] == "proactive", rep.cells["row"] == "normative_documents")
    assert dict(zip(t2["col"], t2["value"])) == {"issued": 34, "repealed": 55, "in_force": 189}
    assert t2.filter(t2["col"] == "repealed")["raw"].to_list() == ["55（含自然失效 29 件）"]
    assert not rep.cells.filter(rep.cells["table"] == "proactive")["ambiguous"].any()


def _lifted_markdown(note: str) -> str:
    """peer/01 (a real page) converted as 07's converter does it: each 第二十条第（一）项 row's 废止
    cell lifted out under the item's title, as a value line and a note line."""
    doc = read_document(CORPUS / "peer" / "01_hangzhou-style-2025.html")
    out = ["# 2025年政府信息公开工作年度报告", "", "二、主动公开政府信息情况", "第二十条第（一）项"]
    tables = []
    for grid in doc.grids:
        for row in grid.rows:
            cells = [c.text for c in row]
            if cells[0] in ("规章", "行政规范性文件"):
                out += [cells.pop(2), note]
            tables.append("| " + " | ".join(cells) + " |")
        tables.append("")
    return "\n".join(out + tables + [doc.text])


@needs_shared
@pytest.mark.corpus
def test_values_lifted_out_of_their_rows_are_placed_by_the_column_their_note_names(tmp_path):
    want = _cells(gxlib.read_report(CORPUS / "peer" / "01_hangzhou-style-2025.html"))
    p = tmp_path / "lifted.md"
    p.write_text(_lifted_markdown("（含宣布失效 1 件）"), encoding="utf-8")
    rep = gxlib.read_report(p)
    got = _cells(rep)
    assert {k: got.get(k) for k in want} == want
    assert any("lifted out of the 第二十条第（一）项 rows" in line for line in rep.extraction.log)


@needs_shared
@pytest.mark.corpus
def test_a_lifted_value_whose_note_names_no_column_stays_ambiguous(tmp_path):
    p = tmp_path / "lifted.md"
    p.write_text(_lifted_markdown("（单位：件）"), encoding="utf-8")
    rep = gxlib.read_report(p)
    t2 = rep.cells.filter(rep.cells["table"] == "proactive", rep.cells["row"] == "regulations")
    assert t2["ambiguous"].all() and t2["value"].null_count() == 3  # 3|5|74: which cell was lifted?
    assert "有 3 种读法" in " ".join(rep.findings["message"].to_list())


def test_markdown_with_no_report_is_a_clear_error(tmp_path):
    p = tmp_path / "notes.md"
    p.write_text("# 会议纪要\n\n| 事项 | 负责人 |\n|---|---|\n| 采购 | 张三 |\n", encoding="utf-8")
    with pytest.raises(NotAReport):
        gxlib.read_report(p)


def test_unlabelled_rows_that_the_order_cannot_place_are_reported_not_guessed(tmp_path):
    rows = [
        "| 一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
        "| 二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |",  # which of the rows before 1.本机关不掌握? two are missing
        "| 1.本机关不掌握相关政府信息 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |",
    ]
    md = "# 某局2023年政府信息公开工作年度报告\n\n## 三、收到和处理政府信息公开申请情况\n| 申请人情况 | 自然人 |\n|---|---|\n" + "\n".join(rows)
    p = tmp_path / "r.md"
    p.write_text(md, encoding="utf-8")
    rep = gxlib.read_report(p)
    assert "extract.unplaced_rows" in rep.findings["rule"].to_list()
    t3 = rep.cells.filter(rep.cells["table"] == "applications")
    printed = t3.filter(~t3["ambiguous"])
    assert set(printed["row"].unique()) == {"new_received", "carried_over", "unavailable_not_held"}
    # the rows between 上年结转 and 1.本机关不掌握 are unknown (the row of numbers is one of them, or none
    # is printed): ambiguous cells, never blanks that a sum would count as 0
    gap = t3.filter(t3["ambiguous"])
    assert {"granted", "partially_granted", "denied_state_secret"} <= set(gap["row"].unique())
    assert gap["value"].null_count() == gap.height and gap["where"].unique().to_list() == ["line 8, cell 1"]
    # so 表三's totals are not checked against parts the reader could not place
    assert not [r for r in rep.findings["rule"].to_list() if r in ("table3.total_handled", "table3.balance")]


def _one_row_doc(fmt: str, cells: list[str]):
    from gxlib.document import Cell, Document, Grid

    head = ["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    row = ["一、本年新收政府信息公开申请数量", *cells]
    grid = Grid([[Cell(t, f"r1 c{i}") for i, t in enumerate(head)], [Cell(t, f"r2 c{i}") for i, t in enumerate(row)]],
                "table 1")
    return Document("x." + fmt, fmt, "0" * 64, "本年制发件数 逾期不补正", [grid])


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx"])
def test_a_spacer_cell_before_the_numbers_is_dropped_not_shifted(fmt):
    """A label spanning two columns prints an empty cell before the numbers: the values keep their
    columns (before, every value moved one column right and three identities failed)."""
    from gxlib.extract import extract

    ex = extract(_one_row_doc(fmt, ["", "3", "0", "0", "0", "1", "0", "4"]))
    got = {c.col: c.value for c in ex.cells if c.row == "new_received"}
    assert got == {"natural_person": 3, "commercial": 0, "research": 0, "social_welfare": 0, "legal_service": 1,
                   "other_org": 0, "total": 4}
    assert not any(p["rule"] == "extract.extra_cells" for p in ex.problems)


def test_two_empty_cells_the_row_total_cannot_tell_apart_stay_ambiguous():
    from gxlib.extract import extract

    # a spacer and a blank cell: 3|□|0|0|0|0|3 and □|3|0|0|0|0|3 both add up
    ex = extract(_one_row_doc("pdf", ["", "3", "", "0", "0", "0", "0", "3"]))
    cells = {c.col: c for c in ex.cells if c.row == "new_received"}
    assert cells["natural_person"].ambiguous and cells["commercial"].ambiguous
    assert [cells[c].value for c in ("research", "social_welfare", "legal_service", "other_org", "total")] == [0, 0, 0, 0, 3]
    assert any(p["rule"] == "extract.ambiguous" and "2 种读法" in p["message"] for p in ex.problems)


def test_the_row_total_decides_which_empty_cell_is_the_spacer():
    from gxlib.extract import extract

    # □ 5 □ 0 0 0 0 5 read as 5|□|0|0|0|0|5 or □|5|0|0|0|0|5: both add up, so ambiguous; but
    # □ 2 3 □ 0 0 0 5: dropping the first blank gives 2|3|□|0|0|0|5 (holds), dropping the
    # second gives □|2|3|0|0|0|5 (holds too) — the same values land in different columns
    ex = extract(_one_row_doc("pdf", ["", "2", "3", "0", "0", "0", "0", "", "5"]))
    cells = {c.col: c.value for c in ex.cells if c.row == "new_received"}
    assert cells["total"] == 5 and cells["natural_person"] == 2 and cells["commercial"] == 3
