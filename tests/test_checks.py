"""gxlib.checks: every rule on small constructed frames (fires / stays quiet), then the real gold files."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import pytest

from gxlib import checks, frames, spec
from gxlib.agency import agency_key, describe_agency
from gxlib.checks import RULES, check_corpus, check_report, rules_table
from gxlib.document import split_sections
from gxlib.narrative import extract_narrative
from tests.shared import CORPUS, gold_files, load_gold, needs_shared

# ---------------------------------------------------------------------------------------------
# Constructed reports


def make_cells(tpl: str = "2021", values: dict | None = None, rid: str = "r1", drop_rows: tuple = (),
               single_other: bool = False, ambiguous: tuple = ()) -> pl.DataFrame:
    """A complete, consistent report of template ``tpl``: every cell 0 except a small consistent
    表三 (5 received by 自然人: 3 granted, 2 not held) and 表二 numbers, then ``values`` applied
    ({(table, row, col): value}; None = printed blank)."""
    base = {
        ("applications", "new_received", "natural_person"): 5,
        ("applications", "new_received", "total"): 5,
        ("applications", "granted", "natural_person"): 3,
        ("applications", "granted", "total"): 3,
        ("applications", "unavailable_not_held", "natural_person"): 2,
        ("applications", "unavailable_not_held", "total"): 2,
        ("applications", "total_handled", "natural_person"): 5,
        ("applications", "total_handled", "total"): 5,
    }
    base.update(values or {})
    rows = []
    t = spec.template(tpl)
    for table in spec.TABLES:
        trows = spec.applications_rows(tpl, single_other) if table == "applications" else t[table].rows
        for r in trows:
            if r.code in drop_rows:
                continue
            for c in r.cols:
                key = (table, r.code, c.code)
                v = base.get(key, 0)
                rows.append({"report_id": rid, "table": table, "row": r.code, "col": c.code,
                             "value": None if v is None or key in ambiguous else float(v),
                             "raw": "" if v is None else str(v), "template": tpl, "ambiguous": key in ambiguous})
    return frames.frame("cells", rows)


def report(rid="r1", tpl="2021", year=2022, **kw) -> dict:
    d = {"report_id": rid, "agency": "某市某局", "agency_type": "部门", "year": year, "template": tpl,
         "expected_template": spec.template_for_year(year), "published": dt.date(year + 1, 1, 20)}
    d.update(kw)
    return d


def nar(rows: list[dict], rid="r1") -> pl.DataFrame:
    return frames.frame("narrative", [{"report_id": rid, "unit": "件", **r} for r in rows])


def rules_of(f: pl.DataFrame) -> list[str]:
    return f["rule"].to_list()


def test_registry_and_rules_table():
    want = {
        "table3.balance", "table3.total_handled", "table3.row_total", "table4.row_total", "cross_year.carry_over",
        "cross_year.in_force", "narrative.table_mismatch", "narrative.parts_sum", "template.year_mismatch",
        "template.missing_table", "template.unread_table", "template.unread_pages", "template.missing_row", "template.unknown_row", "template.missing_section",
        "plausibility.negative", "plausibility.non_integer", "plausibility.outcome_exceeds_total",
        "plausibility.copy_paste", "plausibility.outlier", "timeliness.late",
    }
    assert set(RULES) == want
    t = rules_table()
    assert t.columns == ["code", "severity", "scope", "title_zh", "doc"]
    assert set(t.filter(~pl.col("scope").is_in(["extract", "registry"]))["code"]) == want
    assert t.filter(pl.col("scope") == "extract")["code"].str.starts_with("extract.").all()
    assert t.filter(pl.col("scope") == "registry")["code"].str.contains(r"^(registry|rollup)\.").all()
    assert t["doc"].str.len_chars().min() > 20
    assert set(t["severity"]) <= {"error", "warning", "info"}
    assert set(t.filter(pl.col("scope") == "corpus")["code"]) == {
        "cross_year.carry_over", "cross_year.in_force", "plausibility.copy_paste", "plausibility.outlier"}


@pytest.mark.parametrize("tpl", ["2019", "2021"])
def test_consistent_report_is_quiet(tpl):
    year = 2020 if tpl == "2019" else 2022
    f = check_report(report(tpl=tpl, year=year), make_cells(tpl), nar([]),
                     {n: "…" for n in "一二三四五六"})
    assert f.is_empty(), f
    assert f.schema == frames.FINDINGS


def test_single_row_other_in_2021_is_fine():
    f = check_report(report(), make_cells("2021", single_other=True), None)
    assert f.is_empty(), f


# --- 表三 / 表四 identities ----------------------------------------------------------------------


def test_table3_balance():
    cells = make_cells(values={("applications", "carried_forward", "natural_person"): 1,
                               ("applications", "carried_forward", "total"): 1})
    f = check_report(report(), cells)
    bal = f.filter(pl.col("rule") == "table3.balance")
    assert bal.height == 2 and set(bal["col"]) == {"natural_person", "total"}
    r = bal.row(0, named=True)
    assert (r["expected"], r["actual"], r["severity"]) == (5.0, 6.0, "error")
    assert "一 本年新收 5" in r["message"] and "四 结转下年度 1" in r["message"]


def test_table3_balance_blank_column_not_checked():
    # a column whose four cells are all blank is "not filled"
    cells = make_cells(values={("applications", r, "research"): None
                               for r in ("new_received", "carried_over", "total_handled", "carried_forward")})
    assert check_report(report(), cells).is_empty()


def test_table3_total_handled():
    cells = make_cells(values={("applications", "total_handled", "natural_person"): 6,
                               ("applications", "total_handled", "total"): 6})
    f = check_report(report(), cells)
    th = f.filter(pl.col("rule") == "table3.total_handled")
    assert th.height == 2
    r = th.filter(pl.col("col") == "natural_person").row(0, named=True)
    assert (r["row"], r["expected"], r["actual"]) == ("total_handled", 5.0, 6.0)
    assert r["message"].startswith("表三 （七）总计 自然人 印为 6，但 （一）予以公开 3 + ")
    assert "table3.balance" in rules_of(f)  # 5 + 0 ≠ 6 + 0 as well


def test_table3_total_blank_on_outcome_rows_is_not_filled():
    """The Shanghai 2019 shape: 总计 printed for 一/二/（七）/四 only, blank on every outcome row."""
    outs = spec.outcome_rows(spec.template("2019")["applications"].row_codes)
    cells = make_cells("2019", {("applications", r, "total"): None for r in outs})
    assert check_report(report(tpl="2019", year=2019), cells).is_empty()


def test_single_blank_total_cell_on_an_outcome_row_is_not_filled():
    # 总计 left blank on （一） only: the row's applicant cells (3) stand in for it, no error
    cells = make_cells(values={("applications", "granted", "total"): None})
    assert check_report(report(), cells).is_empty()
    # ... and a real mismatch in the 总计 column is still found
    cells = make_cells(values={("applications", "granted", "total"): None, ("applications", "total_handled", "total"): 9})
    f = check_report(report(), cells).filter(pl.col("rule") == "table3.total_handled")
    assert f.select("col", "expected", "actual").rows() == [("total", 5.0, 9.0)]
    assert f["message"][0].startswith("表三 （七）总计 总计栏 印为 9，但 （一）予以公开 3 + ")


def test_parts_all_blank_with_nonzero_total_is_an_error():
    outs = spec.outcome_rows(spec.template("2021")["applications"].row_codes)
    cells = make_cells(values={("applications", r, "natural_person"): None for r in outs})
    f = check_report(report(), cells)
    th = f.filter((pl.col("rule") == "table3.total_handled") & (pl.col("col") == "natural_person"))
    assert th.height == 1 and th["expected"][0] == 0 and th["actual"][0] == 5


def test_table3_row_total():
    cells = make_cells(values={("applications", "granted", "commercial"): 1})
    f = check_report(report(), cells)
    rt = f.filter(pl.col("rule") == "table3.row_total")
    assert rt.height == 1
    r = rt.row(0, named=True)
    assert (r["row"], r["col"], r["expected"], r["actual"]) == ("granted", "total", 4.0, 3.0)
    assert r["message"] == ("表三 （一）予以公开 总计 印为 3，但 自然人 3 + 商业企业 1 + 科研机构 0 + 社会公益组织 0 + "
                            "法律服务机构 0 + 其他（法人或其他组织） 0 = 4")


def test_stated_total_blank_is_not_checked():
    cells = make_cells(values={("applications", "granted", "commercial"): 1, ("applications", "granted", "total"): None})
    assert "table3.row_total" not in rules_of(check_report(report(), cells))


def test_table4_row_total():
    cells = make_cells(values={("reviews", "reconsideration", "upheld"): 10, ("reviews", "reconsideration", "corrected"): 1})
    f = check_report(report(), cells)
    assert rules_of(f) == ["table4.row_total"]
    r = f.row(0, named=True)
    assert r["message"] == "表四 行政复议 总计 印为 0，但 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0 = 11"
    assert (r["table"], r["row"], r["col"], r["expected"], r["actual"]) == ("reviews", "reconsideration", "total", 11, 0)
    # the seed's shape: 14 blanks then 0 in the last cell -> consistent
    blank = {("reviews", r, c): None for r in spec.REVIEW_ROWS for c in (*spec.REVIEW_PARTS, "total")}
    blank[("reviews", "litigation_after_reconsideration", "total")] = 0
    assert check_report(report(), make_cells(values=blank)).is_empty()


def test_ambiguous_cells_skip_identities():
    cells = make_cells(values={("reviews", "reconsideration", "upheld"): 10},
                       ambiguous=(("reviews", "reconsideration", "corrected"),))
    assert "table4.row_total" not in rules_of(check_report(report(), cells))
    cells = make_cells(values={("applications", "total_handled", "natural_person"): 6},
                       ambiguous=(("applications", "granted", "natural_person"),))
    f = check_report(report(), cells)
    nat = f.filter(pl.col("col") == "natural_person")["rule"].to_list()
    assert "table3.total_handled" not in nat  # involves the ambiguous （一） cell: skipped
    assert "table3.balance" in nat  # does not involve it: still checked (5 + 0 ≠ 6 + 0)


# --- template conformance ------------------------------------------------------------------------


def test_template_year_mismatch():
    f = check_report(report(tpl="2019", year=2022), make_cells("2019"))
    assert "template.year_mismatch" in rules_of(f)
    assert f.filter(pl.col("rule") == "template.year_mismatch")["message"][0] == "2022 年度报告应使用 2021 版模板，但 表格为 2019 版"
    assert "template.year_mismatch" not in rules_of(check_report(report(tpl="2021", year=2022), make_cells("2021")))
    # a 2022 report in which no template table could be read: the three tables are missing, and
    # no template is claimed to mismatch
    f = check_report(report(tpl="unknown", year=2022), frames.empty("cells"))
    assert set(rules_of(f)) == {"template.missing_table"} and f.height == 3
    f = check_report(report(tpl="older", year=2018), frames.empty("cells"))
    assert f.is_empty()  # a pre-2019 report: no tables expected


def test_template_missing_table_and_rows():
    cells = make_cells().filter(pl.col("table") != "reviews")
    f = check_report(report(), cells)
    assert rules_of(f) == ["template.missing_table"]
    assert f["severity"][0] == "error" and f["table"][0] == "reviews"
    f = check_report(report(), make_cells(drop_rows=("carried_forward",)))
    mr = f.filter(pl.col("rule") == "template.missing_row")
    assert mr["row"].to_list() == ["carried_forward"] and mr["severity"][0] == "warning"
    assert "table3.balance" not in rules_of(f)  # an identity needing an absent row is not checked


def test_template_unknown_row():
    extra = frames.frame("cells", [{"report_id": "r1", "table": "proactive", "row": "procurement", "col": "projects",
                                    "value": 1.0, "raw": "1", "template": "2021", "ambiguous": False}])
    f = check_report(report(), pl.concat([make_cells(), extra]))
    assert rules_of(f) == ["template.unknown_row"] and f["severity"][0] == "info"


def test_template_missing_section():
    secs = {n: "…" for n in "一二三四六"}
    f = check_report(report(), make_cells(), None, secs)
    assert rules_of(f) == ["template.missing_section"] and "五" in f["message"][0]
    # a heading the split missed but the text holds is not missing
    secs = {"一": "一、总体情况…", "二": "二、主动公开…24252.31三、收到和处理政府信息公开申请情况…四、政府信息公开行政复议…",
            "五": "五、存在的主要问题", "六": "六、其他需要报告的事项"}
    assert check_report(report(), make_cells(), None, secs).is_empty()
    assert check_report(report(), make_cells(), None, None).is_empty()


# --- plausibility --------------------------------------------------------------------------------


def test_negative_and_non_integer():
    cells = make_cells("2019", {("proactive", "licensing", "change"): -3, ("proactive", "penalties", "decisions"): -1,
                                ("proactive", "procurement", "amount"): 25.1,
                                ("proactive", "licensing", "decisions"): 2.5})
    f = check_report(report(tpl="2019", year=2020), cells)
    assert sorted(rules_of(f)) == ["plausibility.negative", "plausibility.non_integer"]
    neg = f.filter(pl.col("rule") == "plausibility.negative").row(0, named=True)
    assert (neg["row"], neg["col"], neg["actual"]) == ("penalties", "decisions", -1)
    assert f.filter(pl.col("rule") == "plausibility.non_integer")["row"][0] == "licensing"


def test_outcome_exceeds_total():
    cells = make_cells(values={("applications", "granted", "natural_person"): 7, ("applications", "granted", "total"): 7})
    f = check_report(report(), cells).filter(pl.col("rule") == "plausibility.outcome_exceeds_total")
    assert f.height == 2 and set(f["col"]) == {"natural_person", "total"}
    r = f.filter(pl.col("col") == "natural_person").row(0, named=True)
    assert (r["expected"], r["actual"], r["severity"]) == (5, 7, "warning")


# --- narrative -----------------------------------------------------------------------------------


def test_narrative_table_mismatch():
    n = nar([{"measure": "applications_received", "count": 5.0}, {"measure": "applications_concluded", "count": 5.0},
             {"measure": "applications_granted", "count": 3.0}, {"measure": "applications_granted_or_partial", "count": 3.0},
             {"measure": "applications_carried_forward", "count": 0.0}, {"measure": "reconsiderations", "count": 0.0},
             {"measure": "lawsuits", "count": 0.0}])
    assert check_report(report(), make_cells(), n).is_empty()
    n = nar([{"measure": "applications_received", "count": 6.0}, {"measure": "lawsuits", "count": 2.0}])
    f = check_report(report(), make_cells(values={("reviews", "litigation_direct", "upheld"): 1,
                                                  ("reviews", "litigation_direct", "total"): 1}), n)
    assert rules_of(f) == ["narrative.table_mismatch"] * 2
    m = dict(zip(f["row"], f["message"]))
    assert m["new_received"] == "正文称 收到申请 6 件，但 表三 一、本年新收政府信息公开申请数量 总计 为 5"
    assert m["litigation_direct"].endswith("未经复议直接起诉） 1 + 行政诉讼（复议后起诉） 0 = 1")


def test_narrative_matches_parts_when_total_column_blank():
    cells = make_cells(values={("applications", "granted", "total"): None})
    n = nar([{"measure": "applications_granted", "count": 3.0}])
    assert check_report(report(), cells, n).is_empty()
    n = nar([{"measure": "applications_granted_or_partial", "count": 2.0}])
    f = check_report(report(), cells, n)
    assert f["message"].to_list() == ["正文称 予以公开及部分公开 2 件，但 表三 （一）予以公开 3 + （二）部分公开 0 = 3"]


def test_narrative_parts_sum():
    text = "我局门户网站主动公开政务信息659条，其中工作动态类信息101条，电子公告信息120条，县区财政398条。"
    f = check_report(report(), make_cells(), extract_narrative("r1", text))
    assert rules_of(f) == ["narrative.parts_sum"]
    r = f.row(0, named=True)
    assert (r["expected"], r["actual"], r["row"]) == (619, 659, "门户网站")
    assert "101 + 120 + 398 = 619" in r["message"] and "659" in r["message"]
    ok = "我局门户网站主动公开政务信息619条，其中工作动态类信息101条，电子公告信息120条，县区财政398条。"
    assert check_report(report(), make_cells(), extract_narrative("r1", ok)).is_empty()


def test_narrative_parts_sum_refers_to_nearest_count():
    text = "我局向市政府门户网站报送信息总计154条，审发通过130条，其中动态类信息8条，专项资金74条，其他类信息48条。"
    assert check_report(report(), make_cells(), extract_narrative("r1", text)).is_empty()
    text = "我局向市政府门户网站报送信息总计154条，审发通过130条，其中动态类信息8条，专项资金74条，其他类信息40条。"
    f = check_report(report(), make_cells(), extract_narrative("r1", text))
    assert rules_of(f) == ["narrative.parts_sum"] and "均不相符" in f["message"][0]
    # a selection (…等) need not add up
    text = "我局门户网站主动公开政务信息659条，其中工作动态类信息101条，电子公告信息120条等。"
    assert check_report(report(), make_cells(), extract_narrative("r1", text)).is_empty()


# --- timeliness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "published", "late"),
    [("部门", "2021-01-31", False), ("部门", "2021-02-01", True), ("政府", "2021-03-31", False),
     ("政府", "2021-04-02", True), (None, "2021-03-01", False), (None, "2021-04-01", True)],
)
def test_timeliness(kind, published, late):
    rep = report(tpl="2019", year=2020, agency_type=kind, published=published)
    f = check_report(rep, make_cells("2019"))
    assert rules_of(f) == (["timeliness.late"] if late else [])
    if late:
        msg = f["message"][0]
        assert ("按 3月31日 计" in msg) == (kind is None)
        assert f["actual"][0] >= 1


def test_timeliness_needs_a_date():
    assert check_report(report(published=None), make_cells()).is_empty()


# ---------------------------------------------------------------------------------------------
# Cross-year (corpus scope)


def _corpus(years_cells: dict[int, pl.DataFrame], key="某区", tpl="2021"):
    reps, cells = [], []
    for y, c in years_cells.items():
        rid = f"{key}-{y}"
        reps.append({"report_id": rid, "agency": key, "agency_key": key, "year": y, "template": tpl})
        cells.append(c.with_columns(report_id=pl.lit(rid)))
    return frames.frame("reports", reps), pl.concat(cells)


def _year(carried_over=0, carried_forward=0, in_force=10, issued=2, repealed=1, received=5):
    """A consistent 2021-template year: carried_over in, carried_forward out, 表二 in-force figures."""
    handled = received + carried_over - carried_forward
    return make_cells(values={
        ("applications", "new_received", "natural_person"): received, ("applications", "new_received", "total"): received,
        ("applications", "carried_over", "natural_person"): carried_over,
        ("applications", "carried_over", "total"): carried_over,
        ("applications", "granted", "natural_person"): handled, ("applications", "granted", "total"): handled,
        ("applications", "unavailable_not_held", "natural_person"): 0,
        ("applications", "unavailable_not_held", "total"): 0,
        ("applications", "total_handled", "natural_person"): handled,
        ("applications", "total_handled", "total"): handled,
        ("applications", "carried_forward", "natural_person"): carried_forward,
        ("applications", "carried_forward", "total"): carried_forward,
        ("proactive", "normative_documents", "issued"): issued,
        ("proactive", "normative_documents", "repealed"): repealed,
        ("proactive", "normative_documents", "in_force"): in_force,
    })


def test_cross_year_three_years_with_breaks():
    # 2021: carries 2 forward; 2022 takes 2 over (ok) and carries 3; 2023 takes 1 over (break).
    # in force: 10 -> 10 + 2 - 1 = 11 (ok) -> 2023 prints 20 (break: 11 + 2 - 1 = 12)
    reps, cells = _corpus({
        2021: _year(carried_over=0, carried_forward=2, in_force=10),
        2022: _year(carried_over=2, carried_forward=3, in_force=11),
        2023: _year(carried_over=1, carried_forward=0, in_force=20, received=9),
    })
    per_report = [check_report(r, cells.filter(pl.col("report_id") == r["report_id"])) for r in reps.iter_rows(named=True)]
    assert all(f.is_empty() for f in per_report), per_report  # each year is consistent alone
    f = check_corpus(reps, cells)
    assert f.schema == frames.FINDINGS
    co = f.filter(pl.col("rule") == "cross_year.carry_over").sort("col")
    assert co["report_id"].to_list() == ["某区-2023", "某区-2023"]
    assert co["col"].to_list() == ["natural_person", "total"]
    assert co["expected"].to_list() == [3, 3] and co["actual"].to_list() == [1, 1]
    assert co["message"][0] == "表三 二、上年结转 自然人 印为 1，但 2022 年报告 四、结转下年度继续办理 自然人 为 3"
    inf = f.filter(pl.col("rule") == "cross_year.in_force")
    assert inf["report_id"].to_list() == ["某区-2023"] and inf["row"].to_list() == ["normative_documents"]
    assert (inf["expected"][0], inf["actual"][0], inf["severity"][0]) == (12, 20, "warning")
    assert inf["message"][0] == "表二 行政规范性文件 现行有效件数 印为 20，但 2022 年 11 + 本年制发 2 − 本年废止 1 = 12"
    assert set(f["rule"]) == {"cross_year.carry_over", "cross_year.in_force"}


def test_cross_year_gap_and_other_agency_not_compared():
    reps, cells = _corpus({2021: _year(carried_forward=2), 2023: _year(carried_over=0)})
    assert check_corpus(reps, cells).is_empty()  # 2022 missing: nothing to compare
    r1, c1 = _corpus({2021: _year(carried_forward=2)}, key="甲区")
    r2, c2 = _corpus({2022: _year(carried_over=0)}, key="乙区")
    assert check_corpus(pl.concat([r1, r2]), pl.concat([c1, c2])).is_empty()


def test_cross_year_blank_and_ambiguous():
    y1 = _year(carried_forward=2)
    y2 = _year(carried_over=2, in_force=11).with_columns(
        value=pl.when((pl.col("row") == "carried_over") & (pl.col("col") == "total")).then(None).otherwise("value"))
    reps, cells = _corpus({2021: y1, 2022: y2})
    assert check_corpus(reps, cells).is_empty()  # a blank 总计 is not checked; 自然人 agrees
    y2 = _year(carried_over=0, in_force=11).with_columns(
        ambiguous=(pl.col("row") == "carried_over"), value=pl.when(pl.col("row") == "carried_over").then(None)
        .otherwise("value"))
    reps, cells = _corpus({2021: y1, 2022: y2})
    assert check_corpus(reps, cells).filter(pl.col("rule") == "cross_year.carry_over").is_empty()


def test_in_force_only_2021_template():
    reps, cells = _corpus({2021: _year(in_force=10), 2022: _year(in_force=30)}, tpl="2019")
    assert check_corpus(reps, cells).filter(pl.col("rule") == "cross_year.in_force").is_empty()


def test_copy_paste():
    reps, cells = _corpus({2021: _year(carried_forward=2, in_force=10), 2022: _year(carried_forward=2, in_force=11)})
    # 2022's 表三 is 2021's, cell for cell (carried_over 0 although 2 were carried forward: also a break)
    f = check_corpus(reps, cells)
    cp = f.filter(pl.col("rule") == "plausibility.copy_paste")
    assert cp["report_id"].to_list() == ["某区-2022"] and cp["severity"][0] == "warning"
    assert "2021 年报告" in cp["message"][0]
    # all zero/blank tables are trivially equal: not flagged
    zero = make_cells(values={k: 0 for k in [("applications", r, c) for r in ("new_received", "granted", "unavailable_not_held", "total_handled") for c in ("natural_person", "total")]})
    reps, cells = _corpus({2021: zero, 2022: zero})
    assert check_corpus(reps, cells).filter(pl.col("rule") == "plausibility.copy_paste").is_empty()
    # one cell different: not a copy
    reps, cells = _corpus({2021: _year(received=5), 2022: _year(received=6)})
    assert check_corpus(reps, cells).filter(pl.col("rule") == "plausibility.copy_paste").is_empty()


def test_outlier():
    reps, cells = _corpus({2020: _year(received=4), 2021: _year(received=6), 2022: _year(received=80),
                           2023: _year(received=5)})
    f = check_corpus(reps, cells).filter(pl.col("rule") == "plausibility.outlier")
    assert f["report_id"].to_list() == ["某区-2022"]
    assert (f["expected"][0], f["actual"][0], f["severity"][0]) == (5, 80, "info")
    # large but below 50: not flagged
    reps, cells = _corpus({2020: _year(received=1), 2021: _year(received=1), 2022: _year(received=40)})
    assert check_corpus(reps, cells).filter(pl.col("rule") == "plausibility.outlier").is_empty()


def test_check_corpus_is_vectorised_and_fast():
    one = _year(carried_forward=1)
    n_agencies, years = 1500, (2021, 2022, 2023)
    ids = [f"a{i}-{y}" for i in range(n_agencies) for y in years]
    reps = frames.frame("reports", [{"report_id": f"a{i}-{y}", "agency_key": f"a{i}", "year": y, "template": "2021"}
                                    for i in range(n_agencies) for y in years])
    cells = (
        pl.DataFrame({"report_id": ids}).join(one.drop("report_id"), how="cross").select(list(frames.CELLS))
    )
    t0 = time.perf_counter()
    f = check_corpus(reps, cells)
    took = time.perf_counter() - t0
    # every 2022/2023 report: carried_over 0 vs last year's 1 (2 cols) and a copy of last year
    assert f.filter(pl.col("rule") == "cross_year.carry_over").height == n_agencies * 2 * 2
    assert took < 20, f"check_corpus took {took:.1f}s on {reps.height} reports ({cells.height} cells)"


# ---------------------------------------------------------------------------------------------
# The real reports (gold cells)


def _gold_frames(path):
    g = load_gold(path)
    rid = path.stem
    cells = frames.frame(
        "cells", [{**c, "report_id": rid, "template": g["template"], "ambiguous": bool(c.get("ambiguous"))}
                  for c in g["cells"]]
    )
    info = describe_agency(g["agency"])
    rep = {"report_id": rid, "agency": g["agency"], "agency_key": agency_key(g["agency"]),
           "agency_type": info["agency_type"], "level": info["level"], "year": g["year"], "template": g["template"],
           "expected_template": spec.template_for_year(g["year"]),
           "published": dt.date.fromisoformat(g["published"]) if g["published"] else None}
    return g, rep, cells


def _text(g) -> str | None:
    f = CORPUS / g["file"]
    if f.suffix == ".txt":
        return f.read_text(encoding="utf-8")
    if f.suffix == ".html":
        import lxml.html

        return lxml.html.fromstring(f.read_text(encoding="utf-8")).text_content()
    return None  # the PDF: its text needs the PDF reader; the cells alone are checked


# What each real report is expected to produce (INDEX.tsv documents these, except 005's parts_sum:
# its 「共公布政府信息2599条，(其中…)」 lists eleven categories adding to 2533 — a real inconsistency
# of the document found by the checker, not a parsing artefact).
EXPECTED = {
    "002_hongzequ_2023": {("table4.row_total", "reconsideration"), ("table4.row_total", "litigation_after_reconsideration")},
    "004_shanghai_szfbgt_2019": {("narrative.table_mismatch", "granted")},
    "005_pingtan_2019": {("narrative.parts_sum", None)},
    "guangyuan_czj_2020": {("narrative.parts_sum", "门户网站")},
}


def _gold_cases():
    return [pytest.param(p, id=p.stem) for p in gold_files()]


@needs_shared
@pytest.mark.corpus
@pytest.mark.parametrize("path", _gold_cases())
def test_gold_reports_produce_only_documented_findings(path):
    g, rep, cells = _gold_frames(path)
    text = _text(g)
    narrative = extract_narrative(rep["report_id"], text) if text else None
    sections = split_sections(text) if text else None
    f = check_report(rep, cells, narrative, sections)
    got = {(r["rule"], r["row"]) for r in f.iter_rows(named=True)}
    assert got == EXPECTED.get(path.stem, set()), f.select("rule", "row", "col", "message").rows()


@needs_shared
@pytest.mark.corpus
def test_gold_002_two_table4_errors():
    path = next((p for p in gold_files() if p.stem == "002_hongzequ_2023"), None)
    if path is None:
        pytest.skip("002_hongzequ_2023 gold absent")
    _, rep, cells = _gold_frames(path)
    f = check_report(rep, cells)
    errors = f.filter(pl.col("severity") == "error").sort("row", descending=True)
    assert errors.select("rule", "table", "row", "col", "expected", "actual").rows() == [
        ("table4.row_total", "reviews", "reconsideration", "total", 11.0, 0.0),
        ("table4.row_total", "reviews", "litigation_after_reconsideration", "total", 5.0, 0.0),
    ]
    assert errors["message"][0] == "表四 行政复议 总计 印为 0，但 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0 = 11"


@needs_shared
@pytest.mark.corpus
def test_gold_004_blank_total_column_and_narrative():
    path = next((p for p in gold_files() if p.stem == "004_shanghai_szfbgt_2019"), None)
    if path is None:
        pytest.skip("004_shanghai_szfbgt_2019 gold absent")
    pytest.importorskip("lxml")
    g, rep, cells = _gold_frames(path)
    f = check_report(rep, cells, extract_narrative(rep["report_id"], _text(g)))
    assert f.filter(pl.col("severity") == "error").is_empty()
    nm = f.filter(pl.col("rule") == "narrative.table_mismatch")
    assert nm.select("expected", "actual").rows() == [(275.0, 258.0)]
    assert nm["message"][0] == "正文称 予以公开及部分公开 258 件，但 表三 （一）予以公开 272 + （二）部分公开 3 = 275"


@needs_shared
@pytest.mark.corpus
def test_gold_seed_parts_sum():
    path = next((p for p in gold_files() if p.stem == "guangyuan_czj_2020"), None)
    if path is None:
        pytest.skip("guangyuan gold absent")
    g, rep, cells = _gold_frames(path)
    f = check_report(rep, cells, extract_narrative(rep["report_id"], _text(g)))
    ps = f.filter(pl.col("rule") == "narrative.parts_sum")
    assert ps.select("row", "expected", "actual").rows() == [("门户网站", 619.0, 659.0)]


@needs_shared
@pytest.mark.corpus
def test_gold_corpus_cross_year_quiet():
    """The Pingtan reports (2019, 2021, 2023, 2025 under one key) have no consecutive years: nothing to
    compare, and nothing fires."""
    reps, cells = [], []
    for p in gold_files():
        _, rep, c = _gold_frames(p)
        reps.append(rep)
        cells.append(c)
    reps = frames.frame("reports", reps)
    assert reps.filter(pl.col("agency_key") == "平潭综合实验区").height >= 4
    assert check_corpus(reps, pl.concat(cells)).is_empty()


def test_checks_module_doc_mentions_blank_semantics():
    assert "Blank ≠ 0" in (checks.__doc__ or "")


def test_every_finding_code_in_the_code_is_documented():
    """A finding code written anywhere in gxlib must be listed by rules_table()."""
    import re
    from pathlib import Path

    from gxlib.checks import rules_table

    documented = set(rules_table()["code"])
    used = set()
    for py in Path(__file__).resolve().parents[1].joinpath("gxlib").rglob("*.py"):
        used |= set(re.findall(r'"((?:extract|table3|table4|template|plausibility|narrative|timeliness|cross_year)\.[a-z_]+)"',
                               py.read_text(encoding="utf-8")))
    assert used <= documented, sorted(used - documented)


def test_an_error_in_a_rule_is_the_check_stages(monkeypatch):
    """The rules live in the gxlib/checks/ package; an error one raises is still reported by a
    corpus build as the check stage's, not the extractor's."""
    from dataclasses import replace

    from gxlib.corpus import worker

    def broken(ctx):
        raise ZeroDivisionError("a broken rule")

    monkeypatch.setitem(RULES, "table3.balance", replace(RULES["table3.balance"], func=broken))
    with pytest.raises(ZeroDivisionError) as e:
        checks.check_records({"report_id": "r", "template": "2021"}, [])
    assert worker._stage_of(e.value) == "check"
