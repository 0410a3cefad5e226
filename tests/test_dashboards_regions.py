"""The overview's 地区合计 on the real 平潭 corpus (the zone's consolidated reports + its members'
own reports): every application counted once.  Expected values come from the corpus' cells and
the registry's membership here, not from gxlib.registry.region_totals."""

from __future__ import annotations

import re

import polars as pl
import pytest

from tests.shared import CORPUS, needs_shared

pytestmark = [needs_shared, pytest.mark.corpus]
ZONE = "平潭综合实验区"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from gxlib.app.data import _load
    from gxlib.corpus import build_corpus

    out = tmp_path_factory.mktemp("pt-regions") / "corpus"
    zone = sorted(CORPUS.glob("0*_pingtan_20*.txt"))  # the zone's own reports, 2018 (older) included
    alias = out.parent / "aliases.csv"
    alias.write_text("alias,canonical\n平潭综合实验区投资促进局,平潭综合实验区国有资产管理局\n", encoding="utf-8")
    build_corpus([CORPUS / "pingtan", *zone], out, workers=1, progress=False, aliases=alias)
    return _load(str(out))


def _cells(data) -> pl.DataFrame:
    """new_received·total per report (null when ambiguous), one report per agency-year."""
    c = data.corpus
    cell = (c.cells.filter((pl.col("table") == "applications") & (pl.col("row") == "new_received")
                           & (pl.col("col") == "total"))
            .select("report_id", pl.when(pl.col("ambiguous").fill_null(False)).then(None).otherwise(pl.col("value"))
                    .alias("v")).collect())
    return (data.reports.select("report_id", "agency_key", "year").join(cell, on="report_id", how="left")
            .sort("agency_key", "year", "report_id").unique(["agency_key", "year"], keep="first"))


def _shown(app) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", app.regions.table.value.split("<tbody>")[1])
    return [[re.sub(r"<[^>]+>", "", td) for td in re.findall(r"<td[^>]*>.*?</td>", r)] for r in rows]


def test_zone_total_is_its_consolidated_report_never_plus_its_members(data):
    from gxlib.app import OverviewApp

    reg = data.corpus.registry.collect()
    members = set(reg.filter((pl.col("parent_key") == ZONE) & (pl.col("agency_type") != "政府"))["agency_key"])
    assert len(members) >= 5
    cells = _cells(data)
    zone_years = set(cells.filter(pl.col("agency_key") == ZONE)["year"])
    assert {2019, 2021, 2023, 2025} <= zone_years and 2018 not in zone_years  # 2018 is older: never counted
    app = OverviewApp(data, {"year": "all", "group": "parent"})
    assert "group=parent" in app.bar.query
    shown = {(r[0], int(r[1])): r for r in _shown(app)}
    frame = app.regions.frame
    for year in sorted(set(cells["year"])):
        mem = cells.filter(pl.col("agency_key").is_in(list(members)) & (pl.col("year") == year))
        row = frame.filter((pl.col("group_zh") == ZONE) & (pl.col("year") == year))
        assert row.height == 1, year
        if year in zone_years:
            zone_v = cells.filter((pl.col("agency_key") == ZONE) & (pl.col("year") == year))["v"][0]
            # the consolidated report already holds its members' applications: they are folded in
            assert row["本年新收申请"][0] == zone_v, year
            assert row["n_folded"][0] == mem.height and row["n_counted"][0] == 1
            if mem["v"].drop_nulls().sum() > 0:
                assert row["本年新收申请"][0] < zone_v + mem["v"].drop_nulls().sum()
        else:  # no consolidated report that year: the members' own reports are the total
            assert row["本年新收申请"][0] == mem["v"].drop_nulls().sum() and row["n_folded"][0] == 0
        got = shown[(ZONE, year)]
        assert got[2].replace(",", "").rstrip("*") == f"{int(row['本年新收申请'][0])}"
    assert 2018 not in frame["year"].to_list()


def test_region_totals_count_each_report_once_by_level(data):
    from gxlib.app import OverviewApp

    app = OverviewApp(data, {"year": "all", "group": "level"})
    frame = app.regions.frame
    cells = _cells(data)
    for year, n in cells.group_by("year").len().iter_rows():
        f = frame.filter(pl.col("year") == year)
        # every report of the year is counted, folded or a duplicate — exactly once
        assert f["n_counted"].sum() + f["n_folded"].sum() + f["n_duplicates"].sum() >= n
        total = f["本年新收申请"].drop_nulls().sum()
        everything = cells.filter(pl.col("year") == year)["v"].drop_nulls().sum()
        zone = cells.filter((pl.col("agency_key") == ZONE) & (pl.col("year") == year))
        if zone.height:  # adding the members to the consolidated report would double count
            members = everything - zone["v"].drop_nulls().sum()
            assert total == everything - members
    # the 片区 bodies are 乡级; in years without the zone's report they are their own group
    assert "乡级" in frame.filter(pl.col("year") == 2020)["group_zh"].to_list()
    assert app.regions.chart is not None


def test_no_registry_no_region_panel_crash(data, tmp_path):
    from gxlib.app import regions

    d = type(data)(path=data.path, is_demo=False)  # a Data without a corpus
    assert regions.region_frame(d, "parent").is_empty()
    assert regions.region_chart(pl.DataFrame(), None, "parent") is None
