# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""The quality page at national scale holds no coverage grid (gxlib.app.coverage): its small
summaries, the few agencies' rows it shows and the heads of its long tables (名单外, carry-over
breaks) are exactly what the whole in-memory grid (gxlib.roster.coverage over the collected
``indicators`` rows, the page's former path) gives, under every filter.  On the bundled demo (with
its roster, and without one) and on a corpus built from the real reports in ../shared/corpus."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import roster
from gxlib.app import coverage as cov
from gxlib.app import agency, quality
from gxlib.app.data import UNIDENTIFIED, _load, apply_filters
from gxlib.roster import GRID_COLS, LATE, MISSING, OFF_ROSTER

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "corpus"


def _states(data) -> list[dict]:
    out = [{}]
    for col in ("level", "agency_type", "region"):
        opts = data.options(col)
        out += [{col: v} for v in opts[:3]] + ([{col: UNIDENTIFIED}] if UNIDENTIFIED in opts[3:] else [])
    return out


def _whole_grid(data) -> pl.DataFrame:
    """The former path: the whole grid in memory from the collected indicators rows."""
    rep = data.agg["indicators"].select([c for c in GRID_COLS if c != "timeliness"]).collect()
    return roster.coverage(rep, data.roster, data.years)


def _check(data) -> None:
    whole = _whole_grid(data)
    wr = data.roster is not None
    assert whole.height > 0
    bad = (pl.col("status").is_in([LATE, MISSING]) if wr else pl.col("timeliness") == LATE).fill_null(False)
    for state in _states(data):
        want = apply_filters(whole, state, cov.FILTERS)
        assert quality.publication_grid(data, state).equals(want)  # the lazy grid = the eager one
        g = cov.view(data, state)
        # the status counts per year
        src = want if wr else want.filter(pl.col("timeliness").is_not_null()).with_columns(
            pl.col("timeliness").alias("status"))
        exp = src.group_by("year", "status").agg(pl.len().cast(pl.UInt32).alias("n")).sort("year", "status")
        assert g.by_year.equals(exp), state
        # the wide table: its row count, and its first rows = the whole table's, in the page's order
        full = quality.grid_wide(want, wr)
        assert g.total == full.height == want.select(cov.INDEX).unique().height
        assert g.head.columns == full.columns
        assert g.head.equals(full.head(g.head.height)), state
        assert g.head.height == min(40, full.height)
        name = cov.problem_column(wr)
        n_bad = want.group_by("agency_key").agg(bad.sum().alias("n"))
        top = sorted(n_bad["n"].to_list(), reverse=True)[: g.head.height]
        assert sorted(g.head[name].to_list(), reverse=True) == top  # the agencies with most problem years
        # the heat map: every grid row of the agencies with a problem among the first rows
        worst = full.filter(pl.col(name) > 0).head(40)
        assert g.worst == worst["agency"].to_list()
        exp_heat = want.filter(pl.col("agency_key").is_in(worst["agency_key"].implode()))
        assert g.heat.height == exp_heat.height
        if exp_heat.height:
            assert g.heat.equals(exp_heat.with_columns(pl.col("published").cast(pl.String)))
        # 名单外 rows (with a roster): the count and the head shown
        off = want.filter(pl.col("status") == OFF_ROSTER).select(cov.OFF_COLS)
        if wr:
            assert cov.n_rows(cov.summary(data), state, OFF_ROSTER) == off.height
            assert cov.off_roster_rows(data, state).equals(off)
            assert cov.off_roster_rows(data, state, 3).equals(off.head(3))
        # carry-over breaks: the head shown and the count = the whole table's
        allb = quality.carry_breaks(data, state)
        head, n = quality.carry_head(data, state, 5)
        assert n == allb.height and head.equals(allb.head(5))


def test_demo_coverage_views_equal_the_whole_grid():
    if not DEMO.is_dir():
        pytest.skip("no bundled demo corpus")
    data = _load(str(DEMO.resolve()))
    assert data.roster is not None  # the demo ships its roster: 按时/逾期/未发布/日期不详 and 名单外
    _check(data)
    bare = dataclasses.replace(data, roster=None, cache={})  # no roster: 已收录/未收录 only
    assert not cov.summary(bare).cells["status"].is_in([MISSING, OFF_ROSTER]).any()
    _check(bare)


@pytest.mark.corpus
def test_real_coverage_views_equal_the_whole_grid(real_corpus_dir):
    data = _load(str(real_corpus_dir.resolve()))
    _check(data)


def test_quality_page_holds_no_grid():
    """The page's state keeps the heads only: no frame of grid size in its cache or panels."""
    if not DEMO.is_dir():
        pytest.skip("no bundled demo corpus")
    data = _load(str(DEMO.resolve()))
    app = quality.QualityApp(data, None)
    whole = _whole_grid(data)
    assert app.grid._frame.height <= 40 < quality.grid_wide(whole, True).height
    assert app.grid.frame.height == quality.grid_wide(whole, True).height  # a download gets them all
    assert app.carry.frame.height <= app.carry.table_rows
    assert app.carry._shown().height == quality.carry_breaks(data, {}).height


def test_findings_head_cut_by_year_equals_the_sorted_list():
    """findings_subset reads only the years the ``findings`` aggregate says the first rows are in:
    the rows are the whole sorted list's first ones (the same sort keys; every row one of the list)."""
    if not DEMO.is_dir():
        pytest.skip("no bundled demo corpus")
    data = _load(str(DEMO.resolve()))
    keys = ["year", "agency", "rule", "table", "row", "col"]
    for state in _states(data)[:4]:
        whole = quality.findings_subset(data, state, None, limit=10**9)
        years = whole["year"].unique().sort().to_list()
        assert len(years) > 1
        for limit in (3, whole.filter(pl.col("year") == years[0]).height + 1, whole.height):
            assert quality._last_year(data, state, None, limit) is not None  # the cut is taken
            cut = quality.findings_subset(data, state, None, limit=limit)
            assert cut.height == min(limit, whole.height)
            assert cut.select(keys).equals(whole.select(keys).head(cut.height))
            assert cut.join(whole, on=whole.columns, how="anti", nulls_equal=True).is_empty()


def _choices_loop(data) -> dict[str, str]:
    """The agency picker's labels as the page built them before (a Python loop over the agencies)."""
    latest = (data.counted().select("agency_key", "agency", "year").sort("year").group_by("agency_key")
              .agg(pl.col("agency").last(), pl.col("agency").unique().alias("all"))
              .sort("agency", "agency_key").collect())
    dup = latest.filter(pl.col("agency").is_duplicated())["agency_key"].to_list()
    out = {}
    for k, a, names in latest.select("agency_key", "agency", "all").iter_rows():
        former = sorted(n for n in names if n and n != a)
        out[a + (f"（曾用名 {'、'.join(former)}）" if former else "") + (f"（{k}）" if k in dup else "")] = k
    return out


def test_demo_agency_choices_equal_the_loop():
    if not DEMO.is_dir():
        pytest.skip("no bundled demo corpus")
    data = _load(str(DEMO.resolve()))
    assert list(agency.agency_choices(data).items()) == list(_choices_loop(data).items())


@pytest.mark.corpus
def test_real_agency_choices_equal_the_loop(real_corpus_dir):
    data = _load(str(real_corpus_dir.resolve()))
    assert list(agency.agency_choices(data).items()) == list(_choices_loop(data).items())


def test_agency_choices_with_renamed_and_namesake_bodies():
    """Renamed bodies (曾用名, sorted; an empty or unknown name left out) and two bodies sharing a
    name (their keys added): the same labels as the loop, in the same order."""
    rows = pl.LazyFrame({
        "agency_key": ["a", "a", "a", "b", "c", "c", "d", "e"],
        "agency": ["乙局", "甲局", "丙局", "乙局", "丁办", None, "丁办", ""],
        "year": [2020, 2022, 2021, 2022, 2021, 2020, 2022, 2022],
    }, schema_overrides={"year": pl.Int32})
    data = type("D", (), {"ok": True, "counted": lambda self: rows})()
    got = agency.agency_choices(data)
    assert list(got.items()) == list(_choices_loop(data).items())
    assert "甲局（曾用名 丙局、乙局）" in got and "丁办（c）" in got and "丁办（d）" in got
