# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""The dashboards at national scale answer from the aggregates, not from report-level frames of the
whole corpus (issue 14 item 3), and the shortcuts give exactly what gxlib.metrics gives: filtered
in-memory aggregates, trend specs with swapped rows, the stored region totals and carry-over breaks,
findings cut before the cell join, an agency profile from its level's rows.  On a corpus built from
the real reports in ../shared/corpus (skipped without it) and on the bundled demo."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import aggregates, charts, metrics, registry
from gxlib.app import agency, overview, quality
from gxlib.app.data import FILTER_COLUMNS, UNIDENTIFIED, _load, apply_filters

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "corpus"


@pytest.fixture(scope="module")
def real(real_corpus_dir):
    return _load(str(real_corpus_dir.resolve()))


def _states(data) -> list[dict]:
    out = [{}]
    for col in ("level", "agency_type", "template", "region"):
        opts = data.options(col)
        out += [{col: v} for v in opts[:3]] + ([{col: UNIDENTIFIED}] if UNIDENTIFIED in opts[3:] else [])
    return out


def _filtered(data, state) -> metrics.Frames:
    """The corpus as gxlib.metrics sees it under the filters (reports cut, the rest as is)."""
    f = data.frames()
    return metrics.Frames(reports=apply_filters(f.reports, state, FILTER_COLUMNS), cells=f.cells,
                          narrative=f.narrative, findings=f.findings)


def _same(got: pl.DataFrame, want: pl.DataFrame, keys: list[str], cols: list[str]) -> None:
    j = got.join(want, on=keys, how="full", suffix="_m", nulls_equal=True)
    assert got.height == want.height == j.height, (got.height, want.height, j.height)
    for c in cols:
        a, b = j[c].cast(pl.Float64), j[f"{c}_m"].cast(pl.Float64)
        assert ((a.is_null() & b.is_null()) | ((a - b).abs() < 1e-9)).all(), c  # unknown stays null, never 0


@pytest.mark.corpus
def test_filtered_in_memory_aggregates_equal_metrics(real):
    real.options("level")
    assert real._small.get("kpi") is not None  # the filter options come from the in-memory kpi cells
    for state in _states(real):
        corpus = _filtered(real, state)
        got = overview.outcome_frame(real, state)
        assert real._small.get("outcomes") is not None  # answered from memory, not a Parquet scan
        want = metrics.applications_by_outcome(corpus, by=("year",))
        if want.height or got.height:
            _same(got, want, ["year", "outcome"], ["count", "share", "n_reports", "n_unknown"])
        got = overview.proactive_frame(real, state)
        want = metrics.proactive_items_by_year(corpus, by=("year",))
        if want.height or got.height:
            _same(got, want, ["year", "template", "item", "measure"], ["value", "n_reports", "n_unknown"])
        ri = metrics.report_indicators(corpus)
        for code in ("grant_rate", "correction_rate", "applications_received"):
            got = aggregates.pooled(real.scan("kpi", state), code, ("year",))
            want = metrics.rate(ri, code, "year") if ri.height else pl.DataFrame()
            if want.height or got.height:
                _same(got, want, ["year"], ["value", "n_reports", "n_unknown"])


def _norm(spec: dict) -> str:
    """Every altair build names its views anew (view_<uuid>_N); the rest must be equal."""
    return re.sub(r"view_[0-9a-f]+_\d+", "view", json.dumps(spec, sort_keys=True, ensure_ascii=False))


@pytest.mark.parametrize("which", ["demo", "real"])
def test_trend_specs_with_swapped_rows_are_altairs(which, request):
    data = _load(str(DEMO.resolve())) if which == "demo" else request.getfixturevalue("real")
    for state in _states(data):
        of, pf = overview.outcome_frame(data, state), overview.proactive_frame(data, state)
        if of.height:
            assert _norm(overview.outcome_spec(of).spec) == _norm(charts.outcome_trend(of).chart.to_dict(validate=False))
        if pf.filter(pl.col("comparable")).height:
            assert (_norm(overview.proactive_spec(pf).spec)
                    == _norm(charts.proactive_trend(pf).chart.to_dict(validate=False)))


@pytest.mark.corpus
def test_stored_region_totals_equal_registry_region_totals(real):
    assert "regions" in real.agg  # written by the build, one file per year
    stored = real.agg["regions"].collect()
    for by in aggregates.REGION_BY:
        want = registry.region_totals(real.corpus, *aggregates.REGION_CELL, by=by).drop("counted")
        got = stored.filter(pl.col("by") == by)
        _same(got, want, ["group", "year"], ["value", "n_counted", "n_folded", "n_duplicates", "n_ambiguous",
                                             "n_missing"])


@pytest.mark.corpus
def test_stored_carry_breaks_and_cut_findings_equal_metrics(real):
    assert "carry" in real.agg
    got = quality.carry_breaks(real, {})
    want = metrics.carry_over_breaks(real.corpus)
    assert got.sort("agency_key", "year").equals(want.sort("agency_key", "year"))
    level = real.options("level")[0]
    keys = real.counted().filter(pl.col("level") == level).select("agency_key").unique().collect()["agency_key"]
    assert quality.carry_breaks(real, {"level": level})["agency_key"].is_in(keys.implode()).all()
    full = metrics.findings(real.frames()).collect()
    cols = sorted(full.columns)
    cut = quality.findings_subset(real, {}, None, limit=full.height + 1)
    assert cut.height == full.height > 0
    order = ["report_id", "rule", "table", "row", "col", "message"]
    assert cut.select(cols).sort(order, nulls_last=True).equals(full.select(cols).sort(order, nulls_last=True))
    assert cut["raw"].drop_nulls().len() > 0  # the cells' raw text joined to the rows kept


@pytest.mark.corpus
def test_agency_profile_from_its_level_rows_equals_metrics(real):
    keys = real.reports.sort("agency_key")["agency_key"].unique(maintain_order=True).to_list()
    for key in keys[:: max(1, len(keys) // 6)]:
        rows = agency.profile_rows(real, key)
        assert rows.height < real.reports.height or real.reports["level"].n_unique() == 1
        got = metrics.agency_profile(rows, key)
        want = metrics.agency_profile(real.reports, key)
        assert got.equals(want), key
        assert agency.agency_findings(real, key).height == (
            metrics.findings(real.frames()).filter(pl.col("agency_key") == key).collect().height)


def test_notebook_table_speaks_chinese():
    from gxlib.app import labels

    f = pl.DataFrame({"severity": ["error", "warning", "info"], "grant_rate": [0.409, None, 1.0],
                      "n_findings": [3, 0, 1]})
    t = labels.table(f)
    assert t.columns == labels.zh_names(f.columns) and all(not re.search("[a-z]", c) for c in t.columns)
    assert t[:, 0].to_list() == ["错误", "警告", "提示"]
    assert t[:, 1].to_list() == ["40.9%", "—", "100.0%"]  # unknown is —, never 0
    assert t[:, 2].to_list() == [3, 0, 1]
