"""Real documents mutated the way real reports differ: misspelt or missing headings, a
duplicated section number, a misspelt label.  Headings are hints: every cell must come back
as it does from the unmutated document (the tables are found by the rows they hold)."""

from __future__ import annotations

import re

import pytest

import gxlib
from tests.shared import SHARED_CORPUS, needs_corpus

pytestmark = [needs_corpus, pytest.mark.corpus]

# (name, mutation) — each one seen in a real report (issue 11)
MUTATIONS = [
    ("表四 title misspelt 行政法复议", lambda t: t.replace("四、政府信息公开行政复议", "四、政府信息公开行政法复议", 1)),
    ("表四 title reworded", lambda t: re.sub(r"四、[^四]{0,20}行政复议[、]?行政诉讼情况", "四、复议诉讼", t, count=1)),
    ("表四 title dropped", lambda t: re.sub(r"四、[^四]{0,20}行政复议[、]?行政诉讼情况", "", t, count=1)),
    ("钩稽 for 勾稽", lambda t: t.replace("勾稽", "钩稽")),
    ("本年废纸件数", lambda t: t.replace("本年废止件数", "本年废纸件数")),
    ("不子公开", lambda t: t.replace("不予公开", "不子公开")),
    ("执法案件 for 执法案卷", lambda t: t.replace("执法案卷", "执法案件")),
    ("two sections numbered 二", lambda t: t.replace("三、收到和处理", "二、收到和处理", 1)),
    ("第二十条第（六）项 header dropped", lambda t: t.replace("第二十条第（六）项", "", 1)),
    ("no 第二十条 headers", lambda t: re.sub(r"第二十条第（[一二三四五六七八九]）项", "", t)),
    ("no 申请人情况 header", lambda t: t.replace("申请人情况", "", 1)),
    ("表三 title reworded", lambda t: t.replace("三、收到和处理政府信息公开申请情况", "三、申请办理", 1)),
]

# one body of each kind, both templates, a hybrid and the zone's own reports
FILES = ["czj_2019", "czj_2024", "gwh_2021", "gyz_2024", "jjf_2021", "jjp_2023", "scj_2025", "spp_2020", "zhz_2021"]


def _cells(rep) -> dict:
    return {(c["table"], c["row"], c["col"]): (c["value"], c.get("ambiguous", False)) for c in rep.to_contract()["cells"]}


@pytest.mark.parametrize("name,mutate", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_heading_reads_the_same_cells(name, mutate) -> None:
    paths = [SHARED_CORPUS / "pingtan" / f"{f}.txt" for f in FILES] + sorted(SHARED_CORPUS.glob("0*_pingtan_202*.txt"))
    tried = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        mutated = mutate(text)
        if mutated == text:
            continue
        tried += 1
        want = _cells(gxlib.read_report(path))
        got = _cells(gxlib.read_report(path, data=mutated.encode("utf-8")))
        wrong = [k for k in want if got.get(k) != want[k]]
        assert not wrong, f"{path.name} ({name}): {len(wrong)} cells differ, e.g. {wrong[:3]}"
        assert set(got) == set(want)
    assert tried, f"{name}: the mutation applies to none of the documents"


# Real pages, mutated the way Word and WPS exports print 表三: a label spanning columns drawn as
# a label cell and an empty cell, zeros printed as empty cells, and a unit in every count.
PAGES = ["004_shanghai_szfbgt_2019.html", "peer/01_hangzhou-style-2025.html"]


def _mutate_table3(raw: bytes, split_labels: bool, blank_zeros: bool, units: bool) -> bytes:
    import lxml.html

    from gxlib.readers.html import decode

    root = lxml.html.document_fromstring(decode(raw))
    table = next(t for t in root.iter("table") if "申请人情况" in t.text_content())
    for tr in table.iter("tr"):
        tds = tr.findall("td")
        data_row = any(re.fullmatch(r"\d+", td.text_content().strip()) for td in tds)
        if split_labels and data_row and int(tds[0].get("colspan") or 1) > 1:
            tds[0].set("colspan", str(int(tds[0].get("colspan")) - 1))
            tds[0].addnext(lxml.html.fromstring("<td></td>"))
        for td in tds:
            text = td.text_content().strip()
            if re.fullmatch(r"\d+", text):
                for child in list(td):
                    td.remove(child)
                td.text = "" if blank_zeros and text == "0" else text + ("件" if units else "")
    return lxml.html.tostring(root, encoding="utf-8")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("split_labels,blank_zeros,units", [(True, False, False), (True, True, False),
                                                             (False, False, True), (True, True, True)],
                         ids=["split labels", "split labels + blank zeros", "units", "all three"])
def test_a_real_page_with_spanning_labels_blank_zeros_and_units_reads_the_same_cells(page, split_labels, blank_zeros,
                                                                                    units) -> None:
    path = SHARED_CORPUS / page
    raw = path.read_bytes()
    want = _cells(gxlib.read_report(path))
    if blank_zeros:  # a zero printed as an empty cell reads as blank
        want = {k: ((None, a) if v == 0 and k[0] == "applications" else (v, a)) for k, (v, a) in want.items()}
    rep = gxlib.read_report(path, data=_mutate_table3(raw, split_labels, blank_zeros, units))
    got = _cells(rep)
    wrong = [(k, got.get(k), want[k]) for k in want if got.get(k) != want[k]]
    assert not wrong, f"{page}: {len(wrong)} cells differ, e.g. {wrong[:3]}"
    assert not [p for p in rep.findings.to_dicts() if p["rule"] in ("extract.extra_cells", "extract.ambiguous")]
    if split_labels and blank_zeros:  # rows the row total alone could not settle were there
        assert any("under their headings" in line for line in rep.extraction.log)


def test_without_header_positions_a_spacer_before_a_row_with_a_blank_total_is_flagged_not_shifted(monkeypatch):
    """004 prints （二）部分公开 as 3 and six empty cells (总计 left empty): with a spacer cell before
    it, 「3 in 自然人」 and 「3 in 商业企业」 are both readings; only the header's positions tell."""
    from gxlib import gridrows

    path = SHARED_CORPUS / "004_shanghai_szfbgt_2019.html"
    data = _mutate_table3(path.read_bytes(), True, False, False)
    monkeypatch.setattr(gridrows, "header_columns", lambda *a: None)
    got = _cells(gxlib.read_report(path, data=data))
    row = {c: got[("applications", "partially_granted", c)] for c in ("natural_person", "commercial")}
    assert row == {"natural_person": (None, True), "commercial": (None, True)}
