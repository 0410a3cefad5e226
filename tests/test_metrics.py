"""gxlib.metrics on hand-built frames whose answers are computed by hand in the comments."""

from __future__ import annotations

import polars as pl
import pytest

from gxlib import metrics as m
from gxlib.frames import frame


def rep(rid, key, year, level="县级", region="甲市"):
    return {"report_id": rid, "agency": key + "局", "agency_key": key, "region": region, "level": level,
            "year": year, "template": "2021" if year >= 2021 else "2019", "n_cells": 10, "n_ambiguous": 0}


def cell(rid, table, row, col, value, ambiguous=False, raw=None, where="line 1"):
    return {"report_id": rid, "table": table, "row": row, "col": col, "value": value,
            "raw": raw if raw is not None else ("" if value is None else str(value)), "template": "2021",
            "ambiguous": ambiguous, "where": where}


def app(rid, row, total, **cols):
    out = [cell(rid, "applications", row, "total", total)]
    out += [cell(rid, "applications", row, c, v) for c, v in cols.items()]
    return out


@pytest.fixture
def corpus():
    reports = [rep("a22", "A", 2022), rep("a23", "A", 2023), rep("b23", "B", 2023), rep("d23", "D", 2023),
               rep("c23", "C", 2023)]
    cells = []
    # A 2023: 10 handled, 6 granted → 60 %; 部分公开 printed blank everywhere → 0 (blank as 0)
    cells += app("a23", "new_received", 9, natural_person=9)
    cells += app("a23", "carried_over", 3, natural_person=3)
    cells += app("a23", "granted", 6, natural_person=6)
    cells += app("a23", "partially_granted", None, natural_person=None, commercial=None)
    # 总计 blank, applicant columns printed: 2 + 1 = 3 (sum of the parts)
    cells += app("a23", "denied_state_secret", None, natural_person=2, commercial=1)
    cells += app("a23", "unavailable_not_held", 1, natural_person=1)
    cells += app("a23", "total_handled", 10, natural_person=9, commercial=1)
    cells += app("a23", "carried_forward", 2, natural_person=2)
    # A 2022 carried forward 2 → 2023 carried over 3: a break of +1
    cells += app("a22", "carried_forward", 2, natural_person=2)
    cells += app("a22", "granted", 1, natural_person=1)
    cells += app("a22", "total_handled", 4, natural_person=4)
    # B 2023: 40 handled, 30 granted → 75 %
    cells += app("b23", "granted", 30, natural_person=30)
    cells += app("b23", "total_handled", 40, natural_person=40)
    # D 2023: 3 handled, 3 granted → 100 % but below the minimum of 10
    cells += app("d23", "granted", 3, natural_person=3)
    cells += app("d23", "total_handled", 3, natural_person=3)
    # C 2023: 予以公开 ambiguous (total and a part) → excluded, never 0
    cells += [cell("c23", "applications", "granted", "total", None, ambiguous=True, raw="1234"),
              cell("c23", "applications", "granted", "natural_person", None, ambiguous=True, raw="1234")]
    cells += app("c23", "total_handled", 50, natural_person=50)
    # B 2023 表四: 复议 维持 3 纠正 1 其他 0 (blank) 未审结 2 → 纠错率 1 / (3 + 1 + 0) = 25 %
    for col, v in (("upheld", 3), ("corrected", 1), ("other", None), ("pending", 2), ("total", 6)):
        cells.append(cell("b23", "reviews", "reconsideration", col, v))
    for col, v in (("upheld", 1), ("corrected", 0), ("other", 0), ("pending", 0), ("total", 1)):
        cells.append(cell("b23", "reviews", "litigation_after_reconsideration", col, v))
    return m.Frames(reports=frame("reports", reports), cells=frame("cells", cells).lazy())


def test_blank_is_zero_and_parts_used_when_total_blank(corpus):
    rows = m.application_rows(corpus).filter(pl.col("report_id") == "a23").collect()
    get = {r["row"]: r for r in rows.iter_rows(named=True)}
    assert get["partially_granted"]["total"] == 0 and get["partially_granted"]["total_source"] == "分项合计"
    assert get["denied_state_secret"]["total"] == 3 and get["denied_state_secret"]["total_source"] == "分项合计"
    assert get["granted"]["total"] == 6 and get["granted"]["total_source"] == "总计栏"


def test_ambiguous_excluded_and_counted(corpus):
    ri = m.report_indicators(corpus)
    c = ri.filter(pl.col("report_id") == "c23").row(0, named=True)
    assert c["granted"] is None and c["grant_rate"] is None  # not 0 %
    amb = m.ambiguity_summary(corpus).filter(pl.col("table") == "applications").row(0, named=True)
    assert amb["n_ambiguous"] == 2 and amb["n_reports_ambiguous"] == 1


def test_grant_rate_pooled(corpus):
    gr = m.grant_rate(corpus).filter(pl.col("year") == 2023).row(0, named=True)
    # A 6/10, B 30/40, D 3/3; C excluded (ambiguous numerator) → 39 / 53
    assert gr["numerator"] == 39 and gr["denominator"] == 53
    assert gr["value"] == pytest.approx(39 / 53)
    assert gr["n_reports"] == 3


def test_rankings_refuse_tiny_denominators(corpus):
    rk = m.rankings(corpus, "grant_rate", year=2023)
    ranked = rk.filter(pl.col("status") == m.RANKED)
    assert ranked["agency_key"].to_list() == ["B", "A"]  # 75 % then 60 %
    assert ranked["rank"].to_list() == [1, 2]
    d = rk.filter(pl.col("agency_key") == "D").row(0, named=True)
    assert d["status"] == m.INSUFFICIENT and d["rank"] is None and d["value"] == 1.0
    assert rk["agency_key"].to_list()[:2] == ["B", "A"]  # the 100 % agency is not on top
    # a lower floor lets D in, at the top
    low = m.rankings(corpus, "grant_rate", year=2023, min_denominator=3)
    assert low.filter(pl.col("rank") == 1)["agency_key"].to_list() == ["D"]


def test_correction_rate(corpus):
    cr = m.correction_rate(corpus).filter(pl.col("year") == 2023).row(0, named=True)
    assert (cr["numerator"], cr["denominator"]) == (1, 4)
    assert cr["value"] == pytest.approx(0.25)
    assert cr["status"] == m.RANKED  # 4 ≥ 3
    lar = m.litigation_after_reconsideration(corpus).filter(pl.col("year") == 2023).row(0, named=True)
    assert lar["after_share"] == pytest.approx(1 / 6)


def test_outcomes_and_received(corpus):
    out = m.applications_by_outcome(corpus, by=("year",)).filter(pl.col("year") == 2023)
    got = dict(zip(out["outcome"], out["count"]))
    # granted: 6 + 30 + 3 (C ambiguous excluded); denied 3 (parts); unavailable 1; 部分公开 0
    assert got["granted"] == 39 and got["denied"] == 3 and got["unavailable"] == 1 and got["partially_granted"] == 0
    assert out.filter(pl.col("outcome") == "granted")["n_unknown"].item() == 1
    flow = m.received_vs_carried(corpus).filter(pl.col("year") == 2023).row(0, named=True)
    # A balances: 9 + 3 = 10 + 2
    assert flow["new_received"] == 9 and flow["carried_over"] == 3 and flow["carried_forward"] == 2


def test_carry_over_breaks(corpus):
    br = m.carry_over_breaks(corpus)
    assert br.height == 1
    row = br.row(0, named=True)
    assert (row["agency_key"], row["prev_year"], row["year"]) == ("A", 2022, 2023)
    assert (row["prev_carried_forward"], row["carried_over"], row["diff"]) == (2, 3, 1)
    assert row["where"] == "line 1" and row["raw"] == "3"


def test_year_over_year_skips_gaps():
    f = pl.DataFrame({"k": ["x", "x", "x"], "year": [2019, 2020, 2022], "value": [10.0, 15.0, 30.0]},
                     schema_overrides={"year": pl.Int32})
    y = m.year_over_year(f, by="k")
    assert y["change"].to_list() == [None, 5.0, None]
    assert y["pct_change"].to_list()[1] == pytest.approx(0.5)


def test_one_report_per_agency_year():
    reports = frame("reports", [rep("r1", "A", 2023) | {"n_ambiguous": 3}, rep("r2", "A", 2023)])
    cells = frame("cells", app("r1", "total_handled", 5) + app("r2", "total_handled", 7))
    ri = m.report_indicators(m.Frames(reports=reports, cells=cells))
    assert ri.height == 1 and ri["report_id"].item() == "r2"  # fewer ambiguous cells wins


def test_agency_profile_peers(corpus):
    prof = m.agency_profile(corpus, "A", indicators=("grant_rate",), min_peers=1)
    r23 = prof.filter(pl.col("year") == 2023).row(0, named=True)
    # peers with enough denominator in 2023: B 0.75 only (D too small, C ambiguous)
    assert r23["value"] == pytest.approx(0.6) and r23["peer_median"] == pytest.approx(0.75) and r23["n_peers"] == 1
    with pytest.raises(KeyError):
        m.agency_profile(corpus, "nobody")


def test_registry_and_findings_summary(corpus):
    assert {"grant_rate", "correction_rate"} <= set(m.INDICATORS)
    t = m.indicators_table()
    assert t.filter(pl.col("code") == "grant_rate")["min_denominator"].item() == 10
    f = frame("findings", [{"report_id": "a23", "rule": "table3.balance", "severity": "error", "table": "applications",
                            "row": "total_handled", "col": "total", "message": "x"},
                           {"report_id": "b23", "rule": "table3.balance", "severity": "error", "table": "applications",
                            "row": "total_handled", "col": "total", "message": "y"}])
    c2 = m.Frames(reports=corpus.reports, cells=corpus.cells, findings=f)
    s = m.findings_summary(c2).row(0, named=True)
    assert (s["rule"], s["n_findings"], s["n_reports"], s["n_agencies"]) == ("table3.balance", 2, 2, 2)
    assert s["report_share"] == pytest.approx(2 / 5)
    tr = m.findings(c2).collect()
    assert tr.filter(pl.col("report_id") == "a23")["raw"].item() == "10"  # traced to the cell
