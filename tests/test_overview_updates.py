# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""What an overview filter change computes and sends (issue 14 item 3, the filter change at 1M):
the ranking's first rows without the whole ranking (equal to metrics.rankings for every filter,
year and indicator), and widget updates only for the panels whose numbers changed, one message per
chart.  On the bundled demo and on a corpus built from the real reports (skipped without it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets as W
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import charts, metrics
from gxlib.app import overview
from gxlib.app.data import UNIDENTIFIED, _load

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "corpus"


def _states(data) -> list[dict]:
    base = {"region": None, "level": None, "agency_type": None, "template": None}
    out = [base]
    for col in ("level", "agency_type", "region", "template"):
        opts = data.options(col)
        out += [base | {col: v} for v in opts[:2]] + ([base | {col: UNIDENTIFIED}] if UNIDENTIFIED in opts else [])
    years = data.years
    return [s | {"year": y} for s in out for y in (years[-1], years[len(years) // 2], None)]


def _norm(spec: dict) -> str:
    return re.sub(r"view_[0-9a-f]+_\d+", "view", json.dumps(spec, sort_keys=True, ensure_ascii=False))


def _check_ranking_heads(data) -> None:
    n_checked = 0
    for state in _states(data):
        for _, code in overview.RANK_CHOICES:
            full = overview.ranking_frame(data, state, code)
            head, total, left_out = overview.ranking_head(data, state, code, 20)
            assert total == full.height
            if not full.height:
                assert head.height == 0 and left_out == 0
                continue
            assert left_out == (full["status"] == metrics.INSUFFICIENT).sum()
            assert_frame_equal(head, full.head(20))  # same rows, same order, unknown stays null
            if (full["status"] == metrics.RANKED).any():
                assert (_norm(charts.ranking_chart(head, left_out=left_out).chart.to_dict(validate=False))
                        == _norm(charts.ranking_chart(full).chart.to_dict(validate=False)))
            n_checked += 1
    assert n_checked > 20


def test_ranking_head_equals_metrics_rankings_demo():
    _check_ranking_heads(_load(str(DEMO.resolve())))


@pytest.mark.corpus
def test_ranking_head_equals_metrics_rankings_real(real_corpus_dir):
    _check_ranking_heads(_load(str(real_corpus_dir.resolve())))


@pytest.fixture
def sent(monkeypatch) -> list[tuple[W.Widget, tuple]]:
    """Every widget state update the kernel sends: (widget, keys)."""
    out: list = []
    orig = W.Widget.send_state

    def record(self, key=None):
        keys = (key,) if isinstance(key, str) else ("*",) if key is None else tuple(key)
        if keys:  # hold_sync with nothing changed sends nothing
            out.append((self, keys))
        return orig(self, key)

    monkeypatch.setattr(W.Widget, "send_state", record)
    return out


def _panel_of(app, widget) -> str:
    for name in ("outcomes", "proactive", "ranking", "regions"):
        p = getattr(app, name)
        if widget is p.chart:
            return f"{name}.chart"
        if widget is p.table:
            return f"{name}.table"
    return {id(app.kpis): "kpis", id(app.marker): "marker", id(app.bar.url): "url"}.get(id(widget), "other")


def test_filter_change_sends_only_the_panels_that_changed(sent):
    data = _load(str(DEMO.resolve()))
    app = overview.OverviewApp(data, None)
    level = data.options("level")[0]
    sent.clear()
    app.bar.widgets["level"].value = level
    got = [(_panel_of(app, w), k) for w, k in sent]
    panels = {p for p, _ in got}
    # the level filter leaves the 地区合计 panel as it is: nothing of it is sent
    assert not panels & {"regions.chart", "regions.table"}, got
    assert {"kpis", "outcomes.chart", "outcomes.table", "marker", "url"} <= panels
    specs = [p for p, k in got if p.endswith(".chart") and "spec" in k]
    assert len(specs) == len(set(specs)), got  # one spec per chart
    assert [k for p, k in got if p == "other"] == [("index",)], got  # the dropdown itself

    year = data.years[-2]
    sent.clear()
    app.bar.widgets["year"].value = year
    panels = {_panel_of(app, w) for w, _ in sent}
    # the trends show every year of the range: a year change does not send them again
    assert not panels & {"outcomes.chart", "outcomes.table", "proactive.chart", "proactive.table"}, [(_panel_of(app, w), k) for w, k in sent]
    assert {"kpis", "ranking.table", "marker"} <= panels

    sent.clear()
    app.bar.widgets["year"].value = year  # the same value: nothing happens
    assert sent == []


def test_ranking_reads_a_year_from_parquet_once(monkeypatch):
    """A year's ranking rows are read once; the next filter change of that year filters memory."""
    data = _load(str(DEMO.resolve()))
    data.cache.pop("overview_rank_rows", None)
    scans: list = []
    orig = type(data).scan
    monkeypatch.setattr(type(data), "scan", lambda self, name, *a, **k: scans.append(name) or orig(self, name, *a, **k))
    year = data.years[-1]
    state = {"year": year, "region": None, "level": None, "agency_type": None, "template": None}
    overview.ranking_head(data, state, "grant_rate", 20)
    assert scans.count("indicators") == 1
    kept = data.cache["overview_rank_rows"][(year, "grant_rate")]
    assert kept["year"].unique().to_list() == [year]
    assert kept.height == orig(data, "indicators", {}, year=year).filter(~pl.col("older")).collect().height
    for level in data.options("level"):
        overview.ranking_head(data, state | {"level": level}, "grant_rate", 20)
    assert scans.count("indicators") == 1
