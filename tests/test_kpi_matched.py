# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""The overview's year-over-year changes compare, per indicator, the same agencies: those with a
report in both years and the indicator's value known in both (a rate: numerator and denominator) —
so a corpus that gained a city's report does not show its volumes as growth (on the corpus built
from the real reports: 2025 adds 上海/测试市/宿迁…, whose 2024 reports it does not hold), and an
agency whose value is unknown in one of the two years is left out of both sides, not counted as 0
on one of them (a small synthetic corpus)."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import aggregates, metrics
from gxlib.app.data import Data, _load
from gxlib.app.overview import kpi_cards
from gxlib.app.widgets import BOTH_ZH, kpi_html
from gxlib.corpus import load_corpus
from gxlib.frames import frame

POOLED = ("applications_received", "grant_rate", "correction_rate")


@pytest.fixture(scope="module")
def real(real_corpus_dir):
    return _load(str(real_corpus_dir.resolve())), load_corpus(real_corpus_dir)


def _by_agency(corpus, year: int) -> dict[str, dict]:
    """agency_key → its counted report of ``year``: metrics.report_indicators' parts and the publication date."""
    f = aggregates.frames(corpus)
    ri = metrics.report_indicators(f).filter((pl.col("year") == year) & (pl.col("template") != metrics.OLDER))
    pub = metrics.reports(f).select("report_id", "published").collect()
    rows = ri.join(pub, on="report_id", how="left")
    assert rows["agency_key"].n_unique() == rows.height  # one counted report per agency-year
    return {r["agency_key"]: r for r in rows.iter_rows(named=True)}


def _on_time(r: dict) -> bool:
    """条例 第四十九条: 部门 by 31 January of the next year, the others by 31 March."""
    due = dt.date(r["year"] + 1, 1, 31) if r["agency_type"] == "部门" else dt.date(r["year"] + 1, 3, 31)
    return r["published"] <= due


def _expected(now: dict, before: dict, code: str) -> tuple[int, float | None, float | None]:
    """(how many agencies, this year's value on them, theirs the year before): the agencies with a
    report in both years and the value known in both."""
    if code == "on_time_rate":
        both = [a for a in set(now) & set(before) if now[a]["published"] and before[a]["published"]]

        def value(side):
            return sum(_on_time(side[a]) for a in both) / len(both) if both else None
    else:
        ind = metrics.INDICATORS[code]
        cols = [ind.numerator] + ([ind.denominator] if ind.denominator else [])
        both = [a for a in set(now) & set(before) if all(now[a][c] is not None and before[a][c] is not None
                                                          for c in cols)]

        def value(side):
            num = sum(side[a][ind.numerator] for a in both)
            if ind.denominator is None:
                return float(num) if both else None
            den = sum(side[a][ind.denominator] for a in both)
            return num / den * ind.scale if den > 0 else None
    return len(both), value(now), value(before)


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def test_real_change_is_on_the_agencies_known_in_both_years(real):
    data, corpus = real
    left_out = 0
    for year in data.years[1:]:
        _, frame_ = kpi_cards(data, {"year": year})
        rows = {r["indicator"]: r for r in frame_.iter_rows(named=True)}
        now, before = _by_agency(corpus, year), _by_agency(corpus, year - 1)
        common = set(now) & set(before)
        for code in (*POOLED, "on_time_rate"):
            n, want_now, want_prev = _expected(now, before, code)
            row = rows[code]
            assert row["n_both"] == n, (year, code)
            assert _close(row["value_both"], want_now) and _close(row["prev_value"], want_prev), (year, code)
            change = None if want_now is None or want_prev is None else want_now - want_prev
            assert _close(row["change"], change), (year, code)
            left_out += len(common) - n
        assert rows["reports_with_errors"]["n_both"] == len(common)  # has_error is known for every report
    # the real corpus has agencies of both years whose value is unknown in one of them (予以公开率
    # 2021 and 2022: 7 of the 8): left out of both sides
    assert left_out > 0
    year = max(data.years)
    _, frame_ = kpi_cards(data, {"year": year})
    rows = {r["indicator"]: r for r in frame_.iter_rows(named=True)}
    now, before = _by_agency(corpus, year), _by_agency(corpus, year - 1)
    assert 0 < len(set(now) & set(before)) < len(now)  # the test needs agencies new in the year
    # the whole years' difference (the corpus's coverage) is not what the card says
    app = rows["applications_received"]
    col = metrics.INDICATORS["applications_received"].numerator
    assert app["value"] == sum(r[col] for r in now.values() if r[col] is not None)
    whole = app["value"] - sum(r[col] for r in before.values() if r[col] is not None)
    assert abs(whole) > abs(app["change"])
    reports = rows["reports"]
    assert reports["change"] == len(now) - len(before) and reports["n_both"] is None


def _card(html: str, code: str) -> str:
    return re.search(rf'<div class="gx-kpi" data-kpi="{code}".*?<div class="gx-kpi-delta">(.*?)</div>', html)[1]


def test_real_card_says_which_agencies_it_compares(real):
    data, _ = real
    year = max(data.years)
    cards, frame_ = kpi_cards(data, {"year": year})
    html = kpi_html(cards, prev_label=f"{year - 1} 年")
    said = 0
    for code, n, change in frame_.select("indicator", "n_both", "change").iter_rows():
        if code == "reports":  # the whole years
            assert BOTH_ZH not in _card(html, code)
        elif change is not None:  # (纠错率: 8 agencies, but none concluded a 复议 in 2024: no rate)
            assert f"较 {year - 1} 年（{BOTH_ZH}的 {n:,} 个机关）" in _card(html, code), code
            said += 1
    assert said >= 3
    first = min(data.years)  # no year before it in the corpus: nothing compared, no agencies named
    cards, frame_ = kpi_cards(data, {"year": first})
    assert frame_["change"].null_count() == frame_.height and BOTH_ZH not in kpi_html(cards)


def test_real_yearly_totals_show_how_many_reports_they_sum(real):
    """The outcome and 表二 tables put each year's report count beside its totals (the real corpus
    holds 8–13 reports a year, and 2025 adds large cities), and the notes say the totals follow it."""
    from gxlib.app.overview import COVERAGE_NOTE, OverviewApp

    data, corpus = real
    app = OverviewApp(data, {"year": max(data.years)})
    counts = (metrics.report_indicators(aggregates.frames(corpus)).filter(pl.col("template") != metrics.OLDER)
              .group_by("year").len())
    want = dict(zip(counts["year"], counts["len"]))
    for panel in (app.outcomes, app.proactive):
        heads = re.findall(r"<th>(.*?)</th>", panel.table.value)
        assert heads[:2] == ["年度", "报告数"]
        rows = re.findall(r"<tr><td[^>]*>(\d{4})</td><td[^>]*>([\d,]+)</td>", panel.table.value)
        got = {int(y): int(n.replace(",", "")) for y, n in rows}
        assert got and got == {y: want[y] for y in got}
        assert COVERAGE_NOTE in panel.note.value


# ------------------------------------------------------------------------- a value unknown in one year


def _report(key: str, year: int, published: dt.date | None) -> dict:
    return {"report_id": f"{key}{year}", "agency": f"{key}区人民政府", "agency_key": key, "region": "甲市",
            "level": "县级", "agency_type": "政府", "year": year, "template": "2021", "published": published,
            "n_cells": 4, "n_ambiguous": 0}


def _cells(rid: str, **rows: float | None) -> list[dict]:
    """表三 rows (总计 and 自然人) of a report; None: the printed number fits several readings (ambiguous)."""
    out = []
    for row, v in rows.items():
        for col in ("total", "natural_person"):
            out.append({"report_id": rid, "table": "applications", "row": row, "col": col, "value": v,
                        "raw": "1 2 3" if v is None else str(int(v)), "template": "2021", "ambiguous": v is None,
                        "settled": "ambiguous" if v is None else "print", "where": "line 1"})
    return out


def _reviews(rid: str, **cols: float | None) -> list[dict]:
    """表四 行政复议 of a report (None: ambiguous)."""
    return [{"report_id": rid, "table": "reviews", "row": "reconsideration", "col": c, "value": v,
             "raw": "1 2" if v is None else str(int(v)), "template": "2021", "ambiguous": v is None,
             "settled": "ambiguous" if v is None else "print", "where": "line 2"} for c, v in cols.items()]


def test_value_unknown_in_one_year_leaves_the_agency_out_of_both_sides():
    """A: 本年新收 unknown in 2023 (ambiguous), 100 in 2024; B: 10 → 12; C: 5 in 2023, unknown in 2024;
    D: only 2024 (1,000).  The change of 本年新收 compares B alone: +2, on 1 agency (A's 100 is not
    growth from an unknown counted as 0, nor C's 5 a fall to 0).  予以公开率: B's 2023 予以公开 is
    unknown, so A and C: (8 + 6) / 20 against (5 + 6) / 20.  按时发布率: A's 2023 report is undated, so
    B (late in 2024) and C: 1/2 against 2/2."""
    d23, d24, late = dt.date(2024, 3, 1), dt.date(2025, 3, 1), dt.date(2025, 6, 1)
    reports = [_report("A", 2023, None), _report("A", 2024, d24), _report("B", 2023, d23), _report("B", 2024, late),
               _report("C", 2023, d23), _report("C", 2024, d24), _report("D", 2024, d24)]
    cells = (_cells("A2023", new_received=None, granted=5, total_handled=10)
             + _cells("A2024", new_received=100, granted=8, total_handled=10)
             + _cells("B2023", new_received=10, granted=None, total_handled=20)
             + _cells("B2024", new_received=12, granted=15, total_handled=20)
             + _cells("C2023", new_received=5, granted=6, total_handled=10)
             + _cells("C2024", new_received=None, granted=6, total_handled=10)
             + _cells("D2024", new_received=1000, granted=50, total_handled=100)
             # 表四 行政复议: A's 纠正 unknown in 2023, known in 2024 (1 of 4 concluded)
             + _reviews("A2023", upheld=3, corrected=None, other=0, pending=0, total=None)
             + _reviews("A2024", upheld=3, corrected=1, other=0, pending=0, total=4))
    corpus = metrics.Frames(reports=frame("reports", reports), cells=frame("cells", cells))
    data = Data(path=None, is_demo=False, corpus=corpus, agg=aggregates.tables(corpus))
    cards, got = kpi_cards(data, {"year": 2024})
    rows = {r["indicator"]: r for r in got.iter_rows(named=True)}

    app = rows["applications_received"]
    assert app["value"] == 1112 and app["n_unknown"] == 1  # the year: A + B + D, C unknown
    assert (app["value_both"], app["prev_value"], app["change"], app["n_both"]) == (12, 10, 2, 1)
    grant = rows["grant_rate"]
    assert grant["n_both"] == 2
    assert grant["value_both"] == pytest.approx(14 / 20) and grant["prev_value"] == pytest.approx(11 / 20)
    on_time = rows["on_time_rate"]
    assert (on_time["value_both"], on_time["prev_value"], on_time["n_both"]) == (0.5, 1.0, 2)
    assert rows["reports_with_errors"]["n_both"] == 3  # A, B, C: every report's errors are known
    # 纠错率 known in 2024 only (A): nothing to compare, and the card says why
    corr = rows["correction_rate"]
    assert corr["value"] == pytest.approx(0.25) and corr["n_both"] == 0 and corr["change"] is None
    html = kpi_html(cards, prev_label="2023 年")
    assert f"较 2023 年（{BOTH_ZH}的 1 个机关）" in _card(html, "applications_received")
    assert f"较 2023 年（{BOTH_ZH}的 2 个机关）" in _card(html, "grant_rate")
    assert f"2023 年无可比数据（无{BOTH_ZH}的机关）" in _card(html, "correction_rate")
    # the two sides are the same agencies: 2023's parts on reports known in 2024 too, and 2024's on 2023
    kpi = data.small("kpi")
    for code, n in (("applications_received", 1), ("grant_rate", 2)):
        assert kpi.filter(pl.col("year") == 2024)[f"{code}__n_kp"].sum() == n
        assert kpi.filter(pl.col("year") == 2023)[f"{code}__n_kn"].sum() == n
