# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""The overview's year-over-year changes compare the same agencies (those with a report in both
years), so a corpus that gained a city's report does not show its volumes as growth — on the corpus
built from the real reports (2025 adds 上海/测试市/宿迁…, whose 2024 reports it does not hold)."""

from __future__ import annotations

import re

import polars as pl
import pytest
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import aggregates, metrics
from gxlib.app.data import _load
from gxlib.app.overview import kpi_cards
from gxlib.app.widgets import kpi_html
from gxlib.corpus import load_corpus


@pytest.fixture(scope="module")
def real(real_corpus_dir):
    return _load(str(real_corpus_dir.resolve())), load_corpus(real_corpus_dir)


def _by_agency(corpus, year: int, col: str) -> dict[str, float | None]:
    ri = metrics.report_indicators(aggregates.frames(corpus)).filter(
        (pl.col("year") == year) & (pl.col("template") != metrics.OLDER))
    return dict(zip(ri["agency_key"], ri[col]))


def test_real_change_is_on_the_agencies_of_both_years(real):
    data, corpus = real
    year = max(data.years)
    _, frame = kpi_cards(data, {"year": year})
    col = metrics.INDICATORS["applications_received"].numerator
    now, before = _by_agency(corpus, year, col), _by_agency(corpus, year - 1, col)
    both = set(now) & set(before)
    assert 0 < len(both) < len(now)  # the test needs agencies new in the year
    row = frame.filter(pl.col("indicator") == "applications_received").row(0, named=True)
    assert row["n_both"] == len(both)
    assert row["value"] == sum(v for v in now.values() if v is not None)
    assert row["value_both"] == sum(now[a] for a in both if now[a] is not None)
    assert row["prev_value"] == sum(before[a] for a in both if before[a] is not None)
    assert row["change"] == row["value_both"] - row["prev_value"]
    # the whole years' difference (the corpus's coverage) is not what the card says
    whole = row["value"] - sum(v for v in before.values() if v is not None)
    assert abs(whole) > abs(row["change"])
    reports = frame.filter(pl.col("indicator") == "reports").row(0, named=True)
    assert reports["change"] == len(now) - len(before) and reports["n_both"] is None


def test_real_card_says_which_agencies_it_compares(real):
    data, _ = real
    year = max(data.years)
    cards, frame = kpi_cards(data, {"year": year})
    html = kpi_html(cards, prev_label=f"{year - 1} 年")
    n = frame.filter(pl.col("indicator") == "grant_rate")["n_both"][0]
    assert f"较 {year - 1} 年（两年均有报告的 {n:,} 个机关）" in html
    first = min(data.years)  # no year before it in the corpus: nothing compared, no agencies named
    cards, frame = kpi_cards(data, {"year": first})
    assert frame["change"].null_count() == frame.height and "两年均有报告" not in kpi_html(cards)


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
