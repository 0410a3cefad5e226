"""The registry on the real 平潭 corpus: ../shared/corpus/pingtan (eight bodies, 2019–2025) plus the
zone's own consolidated reports ../shared/corpus/0??_pingtan_20??.txt (read from there, never copied)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from gxlib.checks import check_corpus
from gxlib.corpus import build_corpus, load_corpus
from gxlib.registry import agency_card, agency_names, attribution, coverage, region_totals, rename_candidates, rollup

from shared import CORPUS

PINGTAN = CORPUS / "pingtan"
ZONE_FILES = sorted(CORPUS.glob("0??_pingtan_20??.txt"))
ZONE = "平潭综合实验区"
OLD, NEW = "平潭综合实验区国有资产管理局", "平潭综合实验区投资促进局"

pytestmark = pytest.mark.skipif(
    not PINGTAN.is_dir() or not ZONE_FILES,
    reason=f"the real 平潭 corpus is not at {PINGTAN} / {CORPUS}/0??_pingtan_20??.txt (CI always has ../shared)",
)


def _snapshot(path: Path) -> dict[str, pl.DataFrame]:
    c = load_corpus(path)
    return {t: getattr(c, t).collect() for t in ("reports", "cells", "findings_corpus", "registry")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The same corpus built twice: without any file (rename only proposed), then with a registry
    file that says 国有资产管理局 → 投资促进局 is one body (an incremental rebuild: nothing reparsed)."""
    out = tmp_path_factory.mktemp("pt") / "corpus"
    sources = [PINGTAN, *ZONE_FILES]
    build_corpus(sources, out, workers=2, progress=False)
    plain = _snapshot(out)
    reg = out.parent / "registry.csv"
    reg.write_text(f"agency_key,name,names\n{NEW},{NEW},{OLD}\n", encoding="utf-8")
    s = build_corpus(sources, out, workers=2, progress=False, registry=reg)
    assert s.parsed == 0 and s.unchanged == len(sources) - 1 + len(list(PINGTAN.glob("*.txt")))
    return {"plain": plain, "reg": _snapshot(out), "path": out}


def _stem_prefix(source: str) -> str:
    name = Path(source).name
    return "zone" if name[:3].isdigit() else name.split("_")[0]


def test_every_body_one_key_across_years_and_names(built):
    rep = built["reg"]["reports"].with_columns(body=pl.col("source").map_elements(_stem_prefix, return_dtype=pl.String))
    keys = rep.group_by("body").agg(pl.col("agency_key").unique())
    assert all(len(k) == 1 for k in keys["agency_key"]), keys
    by_body = {b: k[0] for b, k in keys.iter_rows()}
    assert len(set(by_body.values())) == len(by_body) == 9  # eight bodies and the zone
    assert by_body["zone"] == ZONE and by_body["gyz"] == NEW
    reg = built["reg"]["registry"]
    assert reg.height == 9 and set(reg["agency_key"]) == set(by_body.values())
    gyz = reg.filter(pl.col("agency_key") == NEW).row(0, named=True)
    assert [(n["name"], min(n["years"]), max(n["years"])) for n in gyz["names"]] == [(OLD, 2019, 2023), (NEW, 2024, 2025)]
    assert gyz["key_source"] == "registry" and gyz["years"] == list(range(2019, 2026))
    # 苏平片区 2020 prints a cover letter's title: still the same body
    assert reg.filter(pl.col("agency_key") == "平潭综合实验区苏平片区管理局")["years"].to_list() == [list(range(2019, 2026))]


def test_pianqu_bodies_are_township_level_under_the_zone(built):
    reg = built["reg"]["registry"]
    pq = reg.filter(pl.col("agency_key").str.contains("片区"))
    assert pq.height == 2
    assert set(pq["level"]) == {"乡级"} and set(pq["parent_key"]) == {ZONE} and set(pq["agency_type"]) == {"派出机构"}
    zone = reg.filter(pl.col("agency_key") == ZONE).row(0, named=True)
    assert (zone["level"], zone["agency_type"], zone["parent_key"], zone["consolidated"]) == ("特殊功能区", "政府", None, True)
    # the 2023 report says it is compiled from the zone's units
    assert zone["consolidated_source"] == "text"
    depts = reg.filter(pl.col("agency_type") == "部门")
    assert depts.height == 6 and set(depts["parent_key"]) == {ZONE}


def test_rename_is_proposed_not_merged_without_a_file(built):
    plain = built["plain"]
    assert {OLD, NEW} <= set(plain["registry"]["agency_key"])  # two keys: not merged silently
    cands = rename_candidates(plain["reports"], plain["registry"])
    row = cands.filter((pl.col("old_key") == OLD) & (pl.col("new_key") == NEW))
    assert row.height == 1, cands
    ev = " ".join(row["evidence"][0])
    assert "同一网站栏目" in ev and "ptzhsyqgyz" in ev  # the same site column
    assert f"落款仍为「{OLD}」" in ev  # the 2024 report is still signed with the old name
    assert "同一联系电话" in ev and "同一联系地址" in ev
    assert (row["old_last"][0], row["new_first"][0]) == (2023, 2024)
    # no other pair of the corpus is proposed
    assert cands.height == 1
    f = plain["findings_corpus"].filter(pl.col("rule") == "registry.rename_candidate")
    assert f.height == 1 and OLD in f["message"][0] and NEW in f["message"][0]
    # with the file, no candidate is left
    assert built["reg"]["findings_corpus"].filter(pl.col("rule") == "registry.rename_candidate").is_empty()


def _break_carry_forward(snap: dict, year: int) -> pl.DataFrame:
    """The corpus' cells with 国有资产管理局 ``year``'s 四 结转下年度 总计 set to 1 (the real value is 0)."""
    rid = snap["reports"].filter(pl.col("agency").str.contains("国有资产管理局") & (pl.col("year") == year))["report_id"]
    assert rid.len() == 1
    hit = (pl.col("report_id") == rid[0]) & (pl.col("table") == "applications") & (pl.col("row") == "carried_forward") \
        & (pl.col("col") == "total")
    assert snap["cells"].filter(hit)["value"].to_list() == [0.0]
    return snap["cells"].with_columns(value=pl.when(hit).then(1.0).otherwise(pl.col("value")))


def test_carry_over_is_checked_across_the_rename(built):
    """2024's 二 上年结转 (投资促进局) is compared with 2023's 四 结转下年度 (国有资产管理局) only when the
    registry keeps one key: a break made in the 2023 report is found with it, and missed without."""
    new24 = lambda s: s["reports"].filter((pl.col("agency") == NEW) & (pl.col("year") == 2024))["report_id"][0]  # noqa: E731
    for snap, expect in ((built["reg"], 1), (built["plain"], 0)):
        cells = _break_carry_forward(snap, 2023)
        f = check_corpus(snap["reports"], cells).filter(
            (pl.col("rule") == "cross_year.carry_over") & (pl.col("report_id") == new24(snap)) & (pl.col("col") == "total"))
        assert f.height == expect, f
        if expect:  # the message names the old name last year's report printed
            assert f["message"][0].endswith(f"（上年报告署名「{OLD}」）"), f["message"][0]
    # unbroken, the real reports agree across the rename
    f = built["reg"]["findings_corpus"].filter(pl.col("rule") == "cross_year.carry_over")
    assert f.filter(pl.col("report_id") == new24(built["reg"])).is_empty()


class _C:
    def __init__(self, snap):
        self.registry, self.reports, self.cells = snap["registry"], snap["reports"], snap["cells"]


def test_rollup_compares_zone_reports_with_members(built):
    snap = built["reg"]
    c = _C(snap)
    ru = rollup(c, ZONE)
    zone_years = sorted(snap["reports"].filter((pl.col("agency_key") == ZONE) & (pl.col("template") != "older"))["year"])
    assert sorted(ru["year"].unique()) == zone_years == [2019, 2021, 2023, 2025]
    assert set(ru["members_registry"]) == {8} and set(ru["members_present"]) == {8}
    assert set(ru["table"]) == {"applications", "reviews"}
    # recompute Σ members for every cell independently, from the cells of the members' reports
    rep = snap["reports"]
    members = rep.filter((pl.col("agency_key") != ZONE))
    for y in zone_years:
        mids = set(members.filter(pl.col("year") == y)["report_id"])
        assert len(mids) == 8
        mc = snap["cells"].filter(pl.col("report_id").is_in(list(mids)) & pl.col("table").is_in(["applications", "reviews"]))
        sums, amb = Counter(), Counter()
        for t, r, col, v, a in mc.select("table", "row", "col", "value", "ambiguous").iter_rows():
            if a:
                amb[(t, r, col)] += 1
            else:
                sums[(t, r, col)] += v or 0
        for t, r, col, cons, cons_amb, msum, exceeds in ru.filter(pl.col("year") == y).select(
                "table", "row", "col", "consolidated", "consolidated_ambiguous", "members_sum", "exceeds").iter_rows():
            want = None if amb[(t, r, col)] else sums[(t, r, col)]
            assert msum == want, (y, t, r, col)
            if cons is None or cons_amb or want is None:
                assert exceeds is None
            else:
                assert exceeds == (want > cons)
    # the zone's applications outnumber its members' in every comparable 总计 cell of 一、本年新收
    nr = ru.filter((pl.col("row") == "new_received") & (pl.col("col") == "total") & pl.col("exceeds").is_not_null())
    assert nr.height >= 3 and not nr["exceeds"].any()
    assert (nr["consolidated"] >= nr["members_sum"]).all()


def test_coverage_statement_and_findings(built):
    snap = built["reg"]
    cov = coverage(_C(snap), ZONE)
    assert cov["year"].to_list() == list(range(2018, 2026))
    by_year = {r["year"]: r for r in cov.iter_rows(named=True)}
    assert by_year[2020]["report_id"] is None and "无汇总报告" in by_year[2020]["statement"]
    assert by_year[2020]["members_present"] == 8 and by_year[2018]["members_present"] == 0
    for y in (2019, 2021, 2023, 2025):
        r = by_year[y]
        assert r["members_present"] == r["members_registry"] == 8 and "8/8" in r["statement"]
        assert r["cells_compared"] > 0
    ex = snap["findings_corpus"].filter(pl.col("rule") == "rollup.members_exceed")
    exceeded = rollup(_C(snap), ZONE).filter(pl.col("exceeds").fill_null(False))
    assert ex.height == exceeded.height == sum(r["cells_exceeded"] for r in by_year.values())
    for r in by_year.values():
        assert ("大于汇总数" in r["statement"]) == (r["cells_exceeded"] > 0)


def test_region_total_counts_each_report_once(built):
    snap = built["reg"]
    c = _C(snap)
    att = attribution(c)
    assert att["report_id"].is_unique().all() and set(att["report_id"]) == set(snap["reports"]["report_id"])
    zone_years = set(snap["reports"].filter(pl.col("agency_key") == ZONE)["year"])
    folded = att.filter(pl.col("role") == "folded")
    assert set(folded["year"]) <= zone_years and folded.height == 8 * 4  # members in 2019/2021/2023/2025
    tot = region_totals(c, by="root")
    assert tot["group"].unique().to_list() == [ZONE]
    cell = snap["cells"].filter((pl.col("table") == "applications") & (pl.col("row") == "new_received")
                                & (pl.col("col") == "total")).join(snap["reports"].select("report_id", "agency_key", "year"),
                                                                   on="report_id")
    for r in tot.iter_rows(named=True):
        y = r["year"]
        assert r["n_counted"] + r["n_folded"] + r["n_duplicates"] == snap["reports"].filter(pl.col("year") == y).height
        if y in zone_years and y != 2018:
            # the zone's own figure, never the zone plus its members
            assert r["n_counted"] == 1 and r["counted"] == [ZONE]
            assert r["value"] == cell.filter((pl.col("agency_key") == ZONE) & (pl.col("year") == y))["value"][0]
        elif y not in zone_years:
            ys = cell.filter(pl.col("year") == y)
            assert r["n_counted"] == 8 and r["value"] == ys.filter(~pl.col("ambiguous"))["value"].fill_null(0).sum()
    by_level = region_totals(c, by="level")
    assert set(by_level.filter(pl.col("year") == 2023)["group"]) == {"特殊功能区"}
    assert set(by_level.filter(pl.col("year") == 2024)["group"]) == {"特殊功能区", "乡级"}


def test_agency_picker_and_card_functions(built):
    c = _C(built["reg"])
    names = agency_names(c, NEW)
    assert names.select("name", "first", "last").rows() == [(OLD, 2019, 2023), (NEW, 2024, 2025)]
    card = agency_card(c, NEW)
    assert card["parent"] == {"agency_key": ZONE, "name": ZONE, "source": "inferred"}
    assert card["members"].is_empty() and card["rollup"] is None
    zone = agency_card(c, ZONE)
    assert zone["parent"] is None and zone["consolidated"] and zone["year"] == 2025
    assert zone["members"].height == 8 and NEW in zone["members"]["agency_key"].to_list()
    ru = zone["rollup"]
    assert {"本级报告", "所属单位合计"} <= set(ru.columns) and set(ru["members_present"]) == {8}
    full = rollup(c, ZONE).filter(pl.col("year") == 2025)
    assert ru["所属单位合计"].to_list() == full["members_sum"].to_list()
    assert zone["coverage"]["statement"][0].startswith(f"{ZONE} 2025 年：汇总报告与所属单位报告 8/8 个")
    with pytest.raises(KeyError):
        agency_card(c, "没有这个机关")
