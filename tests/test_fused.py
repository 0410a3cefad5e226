"""Fused crawler text: the crawler reader (gxlib.readers.crawler) and the run splitter (gxlib.fused).

Corpus tests read the real *_pingtan_* crawler dumps from ../shared/corpus and compare with the
hand-verified gold cells; they skip when the corpus is absent.  The constructed tests pin the
splitting rules on small made-up tables.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date
from pathlib import Path

import pytest

from gxlib.document import Cell, Document, Grid
from gxlib.fused import FusedResult, solve
from gxlib.readers import crawler
from gxlib.spec import PROACTIVE_ITEM, applications_rows, template

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
GOLD = CORPUS / "gold"

needs_corpus = pytest.mark.skipif(
    not GOLD.is_dir(), reason=f"the real-report corpus is not at {CORPUS} (../shared beside the project)"
)

PINGTAN = [
    "005_pingtan_2019",
    "007_pingtan_2021",
    "009_pingtan_2023",
    "011_pingtan_2025",
    "012_pingtan_scjgj_2019",
    "014_pingtan_gzj_2019",
]


def _read(path: Path) -> Document:
    data = path.read_bytes()
    return crawler.read(str(path), data, hashlib.sha256(data).hexdigest())


def _read_text(text: str) -> Document:
    data = text.encode("utf-8")
    return crawler.read("constructed.txt", data, hashlib.sha256(data).hexdigest())


def _nospace(s: str) -> str:
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------------------------------
# Real crawler dumps vs gold


@needs_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("stem", PINGTAN)
def test_pingtan_cells_equal_gold(stem: str) -> None:
    gold = json.loads((GOLD / f"{stem}.json").read_text(encoding="utf-8"))
    doc = _read(CORPUS / f"{stem}.txt")
    assert doc.format == "text"
    assert all(g.fused for g in doc.grids) and len(doc.grids) == 3
    single_other = gold["template"] == "2021" and any(c["row"] == "other" for c in gold["cells"])
    res = solve(doc, gold["template"], single_other)

    ours = {(c.table, c.row, c.col): c for c in res.cells}
    want = {(c["table"], c["row"], c["col"]): c for c in gold["cells"]}
    assert len(ours) == len(res.cells), "a cell was produced twice"
    assert set(ours) == set(want)
    for key, g in want.items():
        o = ours[key]
        if g.get("ambiguous"):
            # Gold leaves it open: ours may be ambiguous too (it is, for every such cell here).
            assert o.ambiguous or o.value is not None, key
        else:
            assert not o.ambiguous, key
            assert o.value == g["value"], (key, o.value, g["value"])
        # Gold's raw is the whole run with spaces removed, except that for 表二 rows it did
        # settle it records the cell's own piece ('000' → '0'); ours is always the whole run.
        assert _nospace(o.raw) == g["raw"] or (not g.get("ambiguous") and g["raw"] in _nospace(o.raw)), key
        assert re.fullmatch(r"line \d+, chars \d+–\d+", o.where), o.where
    assert res.resolved + res.ambiguous == len(res.cells)
    assert res.ambiguous == sum(1 for c in res.cells if c.ambiguous)
    # Every ambiguous row has a finding naming its candidate splits; no identity is broken.
    amb_rows = {(c.table, c.row) for c in res.cells if c.ambiguous}
    found = {(f["table"], f["row"]) for f in res.findings if f["rule"] == "extract.ambiguous"}
    assert amb_rows == found
    assert not [f for f in res.findings if f["rule"] != "extract.ambiguous"]
    for f in res.findings:
        assert f["severity"] == "warning" and "种拆分" in f["message"] and "|" in f["message"]


@needs_corpus
@pytest.mark.corpus
def test_pingtan_2018_older_has_no_template_grids() -> None:
    doc = _read(CORPUS / "015_pingtan_2018.txt")
    assert doc.grids == []
    assert "指标名称" in doc.text
    assert doc.meta["title"] == "平潭综合实验区2018年度政府信息公开工作年度报告"
    for tpl in ("2019", "2021"):
        assert solve(doc, tpl, False).cells == []
    assert solve(doc, "older", False).cells == []


@needs_corpus
@pytest.mark.corpus
def test_pingtan_header_chrome_and_text() -> None:
    doc = _read(CORPUS / "007_pingtan_2021.txt")
    assert doc.meta["title"] == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert doc.meta["published"] == "2022-02-08 16:34"
    assert doc.meta["column"] == "政府信息公开年报"
    assert doc.meta["url"].startswith("https://www.pingtan.gov.cn/")
    assert "issuer" not in doc.meta  # 发布机构 is empty in this dump
    # Site chrome gone at both ends; the tables stay in the text.
    assert doc.text.startswith("根据《中华人民共和国政府信息公开条例》")
    assert "当前位置" not in doc.text and "QQ空间" not in doc.text and "-->" not in doc.text
    assert not doc.text.endswith("附件下载") and doc.text.endswith("无收取信息处理费情况。")
    assert "行政规范性文件693665" in doc.text
    assert set(doc.sections) == {"一", "二", "三", "四", "五", "六"}

    dept = _read(CORPUS / "012_pingtan_scjgj_2019.txt")
    assert dept.meta["issuer"] == "平潭综合实验区市场监督管理局"
    assert dept.text.endswith("2020年1月13日印发")
    gzj = _read(CORPUS / "014_pingtan_gzj_2019.txt")
    assert gzj.text.startswith("平潭综合实验区国有资产管理局2019年政府信息公开工作年度报告 根据")


@needs_corpus
@pytest.mark.corpus
def test_pingtan_grids_hold_printed_labels_and_runs() -> None:
    doc = _read(CORPUS / "005_pingtan_2019.txt")
    proactive, applications, reviews = doc.grids
    assert [r[0].text for r in proactive.rows][:3] == ["规章", "规范性文件", "行政许可"]
    assert proactive.rows[-1][1].text == "13575394432.52元"
    runs = {r[0].text: r[1].text for r in applications.rows}
    assert runs["一、本年新收政府信息公开申请数量"] == "230 000023"
    assert runs["（七）总计"] == "23 0 00 0 023"
    assert runs["1.本机关不掌握相关政府信息"] == "7000007"  # after the repeated 三、本年度办理结果
    with_runs = [r for r in applications.rows if r[1].text]
    assert len(with_runs) == 23
    # group headings printed bare stay in the grid; the solver takes a bare label only when it
    # names a template row closely
    assert {r[0].text for r in applications.rows if not r[1].text} >= {"（三）不予公开"}
    assert len(reviews.rows) == 1 and reviews.rows[0][1].text == "000000000000000"
    assert "自然人" not in "".join(r[1].text for g in doc.grids for r in g.rows)
    assert reviews.rows[0][0].text.startswith("行政复议行政诉讼")


@needs_corpus
@pytest.mark.corpus
def test_looks_fused() -> None:
    for stem in PINGTAN:
        _, body = crawler.parse_header((CORPUS / f"{stem}.txt").read_text(encoding="utf-8"))
        assert crawler.looks_fused(body), stem
    pipe = CORPUS / "guangyuan_czj_2020.txt"
    if pipe.exists():
        assert not crawler.looks_fused(pipe.read_text(encoding="utf-8"))
        assert _read(pipe).grids == []


@needs_corpus
@pytest.mark.corpus
def test_corpus_speed() -> None:
    t0 = time.perf_counter()
    for stem in PINGTAN + ["015_pingtan_2018"]:
        doc = _read(CORPUS / f"{stem}.txt")
        solve(doc, "2021" if stem[4:].split("_")[-1] >= "2021" else "2019", False)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"7 reports took {elapsed:.2f}s"


# ---------------------------------------------------------------------------------------
# parse_header / looks_fused on made-up text

HEADER = (
    "标题: 某某县2020年政府信息公开工作年度报告\n发布时间: 2021-01-20 09:00\n文号: \n"
    "发布机构: 某某县人民政府办公室\n栏目: 政府信息公开年报\n原文链接: https://example.gov.cn/a.htm\n"
    "本地目录: x/y\n页面链接与图片详见 links.tsv(同目录)\n==================== 正文 ====================\n"
)


def test_parse_header() -> None:
    meta, body = crawler.parse_header(HEADER + "正文第一句。")
    assert meta == {
        "title": "某某县2020年政府信息公开工作年度报告",
        "published": "2021-01-20 09:00",
        "issuer": "某某县人民政府办公室",
        "column": "政府信息公开年报",
        "url": "https://example.gov.cn/a.htm",
        "local_dir": "x/y",
    }
    assert body == "正文第一句。"
    assert crawler.parse_header("没有头的文本") == ({}, "没有头的文本")


def test_looks_fused_rejects_pipe_text() -> None:
    assert crawler.looks_fused("规章000规范性文件898989总计23 0 00 0 023")
    assert not crawler.looks_fused("规章 |\n0 |\n0 |\n0 |\n规范性文件 |\n")
    assert not crawler.looks_fused("一段没有表格的正文。")


def test_gb18030_and_chrome() -> None:
    text = (
        HEADER + "当前位置： 首页 > 政务公开 > 年报 某某县2020年报告 时间：2021-01-20 09:00 微信 微博 QQ空间 "
        "根据《条例》要求，编制本报告。二、主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量"
        "本年新公开数量对外公开总数量规章000 六、其他需要报告的事项 无。 来源：某某县 附件下载"
    )
    doc = crawler.read("gb.txt", text.encode("gb18030"), "0")
    assert doc.text.startswith("根据《条例》要求")
    assert doc.text.endswith("无。")
    assert doc.meta["issuer"] == "某某县人民政府办公室"
    assert doc.grids and doc.grids[0].rows[0][0].text == "规章"


# ---------------------------------------------------------------------------------------
# Constructed tables


def _grid(rows: list[tuple[str, str]]) -> Grid:
    return Grid(
        rows=[
            [Cell(lab, f"line 1, chars {i}–{i}"), Cell(run, f"line {i + 1}, chars 1–{len(run)}")]
            for i, (lab, run) in enumerate(rows)
        ],
        where="test",
        fused=True,
    )


def _doc(*grids: Grid) -> Document:
    return Document(source="t", format="text", sha256="0", text="", grids=list(grids))


def _cells(res: FusedResult, table: str, row: str) -> list:
    return [c for c in res.cells if c.table == table and c.row == row]


def _values(res: FusedResult, table: str, row: str) -> list:
    return [c.value for c in _cells(res, table, row)]


APPL_TITLE = (
    "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
)
APPL_HEADER = "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
REVIEW_HEADER = (
    "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉"
    "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
)


def _applications_text(tpl: str, runs: dict[str, str], single_other: bool = False) -> str:
    """A crawler dump whose 表三 prints ``runs`` (row code → run) and zeros elsewhere."""
    parts = [APPL_TITLE + APPL_HEADER]
    group = None
    for r in applications_rows(tpl, single_other):
        if r.group and r.group != group:
            parts.append(r.group)
        group = r.group
        parts.append(r.leaf + runs.get(r.code, "0000000"))
    parts.append(
        "四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
        "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
        + runs.get("reviews", "000000000000000")
        + "五、存在的主要问题及改进情况 无。"
    )
    return HEADER + "".join(parts)


def test_unique_split_by_row_total() -> None:
    res = solve(
        _read_text(
            _applications_text(
                "2021", {"new_received": "640020470", "total_handled": "640020470", "granted": "640020470"}
            )
        ),
        "2021",
    )
    assert _values(res, "applications", "new_received") == [64, 0, 0, 2, 0, 4, 70]
    assert res.ambiguous == 0 and not res.findings
    c = _cells(res, "applications", "new_received")[0]
    assert c.raw == "640020470" and re.fullmatch(r"line 10, chars \d+–\d+", c.where)
    assert len(res.cells) == 25 * 7 + 15


def test_several_splits_are_ambiguous_with_a_finding() -> None:
    # 10|1|0|0|0|0|11 and 1|0|10|0|0|0|11 both print '101000011' and both balance.
    runs = {"new_received": "101000011", "granted": "101000011", "total_handled": "101000011"}
    res = solve(_read_text(_applications_text("2019", runs)), "2019")
    for row in runs:
        cells = _cells(res, "applications", row)
        # the splits disagree on the first three cells only; the last four are the same in both
        assert all(c.ambiguous and c.value is None and c.raw == "101000011" for c in cells[:3])
        assert [c.value for c in cells[3:]] == [0, 0, 0, 11] and not any(c.ambiguous for c in cells[3:])
    f = [f for f in res.findings if f["rule"] == "extract.ambiguous" and f["row"] == "granted"]
    assert len(f) == 1 and f[0]["severity"] == "warning" and f[0]["table"] == "applications"
    assert "101000011 有 2 种拆分" in f[0]["message"]
    assert "10|1|0|0|0|0|11" in f[0]["message"] and "1|0|10|0|0|0|11" in f[0]["message"]
    assert res.ambiguous == 9 and res.resolved == len(res.cells) - 9


def test_column_sums_settle_a_row_the_row_total_cannot() -> None:
    # '101000011' alone is ambiguous; （七）总计 12|1|0|0|0|0|13 (itself ambiguous with 1|2|10|…)
    # only balances with 10|1|… + 2|0|….
    runs = {
        "new_received": "121000013",
        "granted": "101000011",
        "partially_granted": "2000002",
        "total_handled": "121000013",
    }
    res = solve(_read_text(_applications_text("2019", runs)), "2019")
    assert _values(res, "applications", "granted") == [10, 1, 0, 0, 0, 0, 11]
    assert _values(res, "applications", "total_handled") == [12, 1, 0, 0, 0, 0, 13]
    assert _values(res, "applications", "new_received") == [12, 1, 0, 0, 0, 0, 13]
    assert res.ambiguous == 0 and not res.findings


def test_wrong_printed_totals_flag_identity_broken_and_fall_back_row_wise() -> None:
    # The report's （七）总计 says 2 but its outcome rows add to 1; 一 + 二 = 总计 + 四 still holds.
    runs = {"new_received": "2000002", "granted": "1000001", "total_handled": "2000002"}
    res = solve(_read_text(_applications_text("2019", runs)), "2019")
    broken = [f for f in res.findings if f["rule"] == "extract.identity_broken"]
    assert len(broken) == 1 and broken[0]["table"] == "applications" and broken[0]["severity"] == "warning"
    assert "（七）总计" in broken[0]["message"]
    assert _values(res, "applications", "granted") == [1, 0, 0, 0, 0, 0, 1]
    assert _values(res, "applications", "total_handled") == [2, 0, 0, 0, 0, 0, 2]
    assert res.ambiguous == 0


def test_broken_row_total_in_reviews() -> None:
    # 行政复议 10,1,0,0 总计 0 (should be 11); 复议后起诉 5,0,0,0 总计 0: real data errors.
    run = "10100" + "00000" + "50000"
    res = solve(
        _doc(_grid([(REVIEW_HEADER, run)])),
        "2021",
    )
    # 15 characters for 15 cells: only one split, so the values stand and the rows are flagged.
    assert _values(res, "reviews", "reconsideration") == [1, 0, 1, 0, 0]
    assert _values(res, "reviews", "litigation_direct") == [0, 0, 0, 0, 0]
    assert _values(res, "reviews", "litigation_after_reconsideration") == [5, 0, 0, 0, 0]
    flagged = {f["row"] for f in res.findings if f["rule"] == "extract.identity_broken"}
    assert flagged == {"reconsideration", "litigation_after_reconsideration"}


def test_reviews_run_longer_than_fifteen_digits() -> None:
    run = "25380363300630003"  # 25,3,8,0,36 | 3,3,0,0,6 | 3,0,0,0,3
    res = solve(_doc(_grid([("行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计", run)])), "2021")
    assert _values(res, "reviews", "reconsideration") == [25, 3, 8, 0, 36]
    assert _values(res, "reviews", "litigation_direct") == [3, 3, 0, 0, 6]
    assert _values(res, "reviews", "litigation_after_reconsideration") == [3, 0, 0, 0, 3]
    assert all(c.raw == run for c in res.cells)


def test_a_dash_is_a_blank_cell() -> None:
    # gwh_2020 prints 行政许可 1-10: 1 | - | 10 (blank 本年增/减) or 1 | -1 | 0
    res = solve(_doc(_grid([("行政许可", "1-10"), ("其他对外管理服务事项", "3-5")])), "2019")
    assert _values(res, "proactive", "licensing") == [1, None, None]
    # a count cell cannot carry a sign: 3 | - | 5 or 3 | -5 | ? → only the blank reading… and 3|-|5
    prev, change, decisions = _cells(res, "proactive", "other_services")
    assert prev.value == 3 and change.value is None and not change.ambiguous and decisions.value == 5


def test_units_and_a_glued_year_close_runs() -> None:
    # czj_2020: 政府集中采购 2笔 984361元 — the count's unit closes its cell
    res = solve(_doc(_grid([("政府集中采购", "2笔 984361元")])), "2019")
    assert _values(res, "proactive", "procurement") == [2, 98.4361]
    # scj_2025: the narrative's year glued to 表三's last run is not a value
    spans = crawler._tokenize(t := "四、结转下年度继续办理20000022025年，我局共收到", 0, len(t))
    runs = [t[a:b] for kind, a, b in spans if kind == "run"]
    assert runs == ["2000002"]


def test_signs_and_units() -> None:
    g2019 = _grid(
        [
            ("行政事业性收费", "3+5"),  # 上一年项目数量 3, 本年增/减 +5
            ("行政强制", "10-34"),  # 10 | -3 | 4, or 10 | - | 34 (a dash prints a blank cell)
            ("政府集中采购", "0251000元"),  # 0 projects, 251000元 = 25.1 万元
            ("行政处罚", "000"),
        ]
    )
    res = solve(_doc(g2019), "2019")
    assert _values(res, "proactive", "fees") == [3, 5]
    assert _values(res, "proactive", "coercion") == [10, None, None]
    assert [c.ambiguous for c in _cells(res, "proactive", "coercion")] == [False, True, True]
    assert _values(res, "proactive", "procurement") == [0, 25.1]
    assert _values(res, "proactive", "penalties") == [0, 0, 0]
    assert _cells(res, "proactive", "procurement")[0].raw == "0251000元"

    res = solve(_doc(_grid([("政府集中采购", "2247万元")])), "2019")
    assert all(c.ambiguous for c in res.cells)
    msg = res.findings[0]["message"]
    assert "2247万元 有 3 种拆分" in msg and "2|247万元" in msg and "224|7万元" in msg

    # 012_pingtan_scjgj_2019: the sign opens 本年增/减, so 上一年项目数量 is 20 in every split
    res = solve(_doc(_grid([("行政许可", "20+1737")])), "2019")  # +17|37? +1|737? +173|7?
    prev, change, decisions = _cells(res, "proactive", "licensing")
    assert prev.value == 20 and not prev.ambiguous
    assert change.ambiguous and decisions.ambiguous and change.value is None
    assert "有 3 种拆分" in res.findings[0]["message"]

    for run, value in (("247万元", 247), ("251000元", 25.1), ("24252.311082", 24252.311082), ("0", 0)):
        res = solve(_doc(_grid([("行政事业性收费", run)])), "2021")
        assert _values(res, "proactive", "fees") == [value], run


def test_leading_zero_rule_and_all_zero_runs() -> None:
    res = solve(_doc(_grid([("规章", "000"), ("行政规范性文件", "505"), ("行政许可", "05")])), "2021")
    assert _values(res, "proactive", "regulations") == [0, 0, 0]
    assert _values(res, "proactive", "normative_documents") == [5, 0, 5]  # '50'|'5' leaves no third cell
    # '05' for one cell is not a number: unsplittable, flagged, no value.
    lic = _cells(res, "proactive", "licensing")
    assert lic[0].value is None
    assert any(f["rule"] == "extract.unsplittable" and f["row"] == "licensing" for f in res.findings)


def test_spaces_are_hints() -> None:
    # No identity ties 表二's three cells: '1234' has 3 splits, '12 3 4' says which.
    res = solve(_doc(_grid([("规章", "1234"), ("规范性文件", "12 3 4")])), "2019")
    assert all(c.ambiguous for c in _cells(res, "proactive", "regulations"))
    assert _values(res, "proactive", "normative_documents") == [12, 3, 4]
    assert _cells(res, "proactive", "normative_documents")[0].raw == "12 3 4"
    # A space that is not a boundary ('2 30000023') does not stop the one valid split.
    runs = {"new_received": "2 30000023", "granted": "23 0 00 0 023", "total_handled": "230 000023"}
    res = solve(_read_text(_applications_text("2019", runs)), "2019")
    for row in runs:
        assert _values(res, "applications", row) == [23, 0, 0, 0, 0, 0, 23], row
    assert res.ambiguous == 0


def test_label_variants_and_typos() -> None:
    text = _applications_text(
        "2021",
        {
            "denied_prohibited_by_law": "1000001",
            "granted": "1000001",
            "new_received": "2000002",
            "total_handled": "2000002",
        },
    )
    text = (
        text.replace("2.其他法律行政法规禁止公开", "2、其他法律行政止公开")
        .replace("（一）予以公开", "（一） 予以 公开")
        .replace("3.危及“三安全一稳定”", "3．危及三安全一稳定")
    )
    res = solve(_read_text(text), "2021")
    assert _values(res, "applications", "denied_prohibited_by_law") == [1, 0, 0, 0, 0, 0, 1]
    assert _values(res, "applications", "granted") == [1, 0, 0, 0, 0, 0, 1]
    assert _values(res, "applications", "denied_endangers_security") == [0] * 7
    assert res.ambiguous == 0 and not res.findings
    assert len({(c.row, c.col) for c in res.cells}) == len(res.cells) == 25 * 7 + 15


def test_single_other_row_in_a_2021_report() -> None:
    text = _applications_text(
        "2021", {"other": "1000001", "new_received": "1000001", "total_handled": "1000001"}, single_other=True
    )
    for single_other in (True, False):  # recognised by its label either way
        res = solve(_read_text(text), "2021", single_other)
        assert _values(res, "applications", "other") == [1, 0, 0, 0, 0, 0, 1]
        assert not _cells(res, "applications", "other_misc")
        assert not res.findings


def test_long_runs_are_fast() -> None:
    # Four-digit counts everywhere: 30+ digit runs.
    rows = {
        "new_received": [1234, 567, 89, 12, 3, 45],
        "granted": [1000, 500, 80, 10, 3, 40],
        "partially_granted": [234, 67, 9, 2, 0, 5],
    }
    runs = {k: "".join(map(str, v + [sum(v)])) for k, v in rows.items()}
    runs["total_handled"] = runs["new_received"]
    runs["reviews"] = "".join(map(str, [1234, 56, 7, 890, 2187, 3456, 789, 0, 12, 4257, 998, 2, 0, 0, 1000]))
    t0 = time.perf_counter()
    res = solve(_read_text(_applications_text("2019", runs)), "2019")
    elapsed = time.perf_counter() - t0
    assert _values(res, "applications", "granted") == [1000, 500, 80, 10, 3, 40, 1633]
    assert _values(res, "reviews", "litigation_direct") == [3456, 789, 0, 12, 4257]
    assert res.ambiguous == 0
    assert elapsed < 1.0, f"{elapsed:.2f}s"


def test_templates_have_the_expected_widths() -> None:
    # The splitter takes column counts from the spec: 表三 7, 表四 15 in one run, 表二 1–3.
    assert {len(r.cols) for r in template("2019")["applications"].rows} == {7}
    assert sum(len(r.cols) for r in template("2021")["reviews"].rows) == 15
    assert [len(r.cols) for r in template("2021")["proactive"].rows] == [3, 3, 1, 1, 1, 1]


# ---------------------------------------------------------------------------------------
# A crawler text holding two years' reports


def _fused_report(tpl: str, year: int, n: int) -> str:
    """One whole report as a crawler flattens its page: its title, text and the three tables with
    every cell glued (表二's values ``n``, 表三's 新收 / 予以公开 / 总计 ``n`` for 自然人)."""
    parts = [f"某县某局{year}年政府信息公开工作年度报告 本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
             f"一、总体情况{year}年，本局共收到政府信息公开申请{n}件。二、主动公开政府信息情况"]
    item = None
    for r in template(tpl)["proactive"].rows:
        if PROACTIVE_ITEM[r.code] != item:
            item = PROACTIVE_ITEM[r.code]
            parts.append(f"第二十条第{item}项信息内容" + "".join(c.leaf for c in r.cols))
        parts.append(r.leaf + str(n) * len(r.cols))
    runs = {k: f"{n}00000{n}" for k in ("new_received", "granted", "total_handled")}
    text = _applications_text(tpl, runs)[len(HEADER):]
    return "".join(parts) + text.replace("五、存在的主要问题及改进情况 无。",
                                         f"五、存在的主要问题及改进情况 无。六、其他需要报告的事项 无。某县某局 {year + 1}年1月20日")


def test_crawler_text_with_two_years_reports_reads_the_first_only() -> None:
    """A crawler dump of a page printing the 2021 report, then the 2020 one (2019 template) after
    it: the first is read as if alone (its cells, text, narrative and signature date; no false
    extract.hybrid_template from the second's 2019 表二), and extract.second_report names the second
    by its title.  Before, fused crawler text was not cut: the second report's headings made 表二
    'hybrid' and its numbers were the first report's narrative."""
    from gxlib.report import build_report

    head = HEADER.replace("2020年", "2021年").replace("2021-01-20", "2022-01-20")
    first = _fused_report("2021", 2021, 7)
    alone = build_report(_read_text(head + first))
    both = build_report(_read_text(head + first + " " + _fused_report("2019", 2020, 3)))
    assert both.to_contract()["cells"] == alone.to_contract()["cells"] and len(alone.to_contract()["cells"]) == 200
    assert both.document.text == alone.document.text
    assert both.narrative.drop("report_id").equals(alone.narrative.drop("report_id"))
    assert both.reports.select("year", "published", "table_templates").rows() == [(2021, date(2022, 1, 20), "表二 2021 · 表三 2021")]
    rules = [f["rule"] for f in both.to_contract()["findings"]]
    assert rules == [f["rule"] for f in alone.to_contract()["findings"]] + ["extract.second_report"]
    msg = both.to_contract()["findings"][-1]["message"]
    assert "「某县某局2020年政府信息公开工作年度报告」" in msg and msg.startswith("line 10")


def test_crawler_text_naming_last_years_report_is_one_report() -> None:
    """One report whose section 六 names last year's report (「在2020年政府信息公开工作年度报告中」):
    no second 表二, nothing cut."""
    text = _fused_report("2021", 2021, 7).replace("六、其他需要报告的事项 无。",
                                                   "六、其他需要报告的事项 在2020年政府信息公开工作年度报告中提出的问题已整改。")
    doc = _read_text(HEADER + text)
    assert doc.second_report is None and doc.text.endswith("2022年1月20日")
