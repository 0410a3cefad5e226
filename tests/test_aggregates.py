"""The build's compact aggregates (gxlib.aggregates, issue 14 item 3) agree with gxlib.metrics, keep
unknown apart from zero, are not recomputed for an unchanged corpus, follow the roster, and are
what the dashboards read."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from real_corpus import real_corpus, real_corpus_dir  # noqa: F401

from gxlib import aggregates, metrics
from gxlib.corpus import build_corpus, load_corpus

ROOT = Path(__file__).resolve().parents[1]
DEMO_REPORTS = ROOT / "data" / "demo" / "reports"


def _close(a: pl.Series, b: pl.Series) -> bool:
    both_null = a.is_null() & b.is_null()
    return bool((both_null | ((a - b).abs() < 1e-9)).all())


@pytest.mark.corpus
def test_stored_aggregates_equal_metrics(real_corpus) -> None:  # noqa: F811
    agg = aggregates.stored(real_corpus, None)
    assert agg is not None, "gx build wrote no aggregates entry in the manifest"
    kpi = agg["kpi"].collect()
    ri = metrics.report_indicators(real_corpus)
    for code in metrics.INDICATORS:
        want = metrics.rate(ri, code, "year")
        got = aggregates.pooled(kpi, code, ("year",)).join(want, on="year", how="full", suffix="_m")
        assert got.height == want.height, code
        assert _close(got["value"], got["value_m"]), code
        assert (got["n_unknown"] == got["n_unknown_m"]).all() and (got["n_reports"] == got["n_reports_m"]).all(), code
        if "status" in want.columns:
            assert (got["status"] == got["status_m"]).all(), code
    ind = agg["indicators"].collect()
    assert set(ind.filter(~pl.col("older"))["report_id"]) == set(ri["report_id"])
    assert set(ind.filter(pl.col("older"))["report_id"]) == set(metrics.older_reports(real_corpus)["report_id"])
    # 表三 outcomes and 表二 items by year, from the cells of the aggregates
    want = metrics.applications_by_outcome(real_corpus)
    got = (agg["outcomes"].group_by("year", "outcome")
           .agg(metrics.known_sum("count"), pl.col("n_unknown").sum()).collect()
           .join(want, on=["year", "outcome"], how="full", suffix="_m"))
    assert got.height == want.height and _close(got["count"], got["count_m"])
    assert (got["n_unknown"] == got["n_unknown_m"]).all()
    keys = ["year", "template", "item", "measure"]
    want = metrics.proactive_items_by_year(real_corpus)
    got = (agg["proactive"].group_by(keys).agg(metrics.known_sum("value"), pl.col("n_unknown").sum()).collect()
           .join(want, on=keys, how="full", suffix="_m"))
    assert got.height == want.height and (got["n_unknown"] == got["n_unknown_m"]).all()
    assert ((got["value"] - got["value_m"]).abs().fill_null(0) < 1e-6).all()
    assert (got["value"].is_null() == got["value_m"].is_null()).all()


@pytest.mark.corpus
def test_unknown_never_zero_in_aggregates(real_corpus) -> None:  # noqa: F811
    agg = aggregates.stored(real_corpus, None)
    pro = agg["proactive"].collect()
    assert pro["n_unknown"].sum() > 0, "the real corpus has ambiguous 表二 cells"
    # a cell whose every value is unknown is null (shown as —), never 0
    only_unknown = pro.filter(pl.col("n_unknown") == pl.col("n_reports"))
    assert only_unknown.height and only_unknown["value"].is_null().all()
    # and summing cells keeps it so: a year × item with no known value stays null
    kpi = agg["kpi"].collect()
    for code, ind in metrics.INDICATORS.items():
        cols = [f"{code}__n", f"{code}__n_unknown"]
        assert ((kpi[cols[0]] + kpi[cols[1]]) == kpi["n_reports"]).all(), code
        if ind.denominator is None:
            none_known = kpi.filter(pl.col(cols[0]) == 0)
            assert none_known[f"{code}__value"].is_null().all(), code
        # the parts known in both years: within the year's known ones, and only where the other year is there
        for suf, flag in ((s, m) for m, s in aggregates.PARTS.items()):
            assert (kpi[f"{code}__n_{suf}"] <= kpi[cols[0]]).all(), code
            assert kpi.filter(~pl.col(flag))[f"{code}__n_{suf}"].sum() == 0, code
    # older reports are in the indicators table, flagged, and in no count
    assert kpi["n_older"].sum() >= 1
    assert kpi.filter(pl.col("template") == metrics.OLDER)["n_reports"].sum() == 0


def _small_sources(tmp_path: Path, n: int = 12) -> Path:
    if not DEMO_REPORTS.is_dir():
        pytest.skip("data/demo/reports missing")
    src = tmp_path / "src"
    src.mkdir()
    for f in sorted(p for p in DEMO_REPORTS.iterdir() if not p.name.endswith(".json"))[:n]:
        shutil.copy(f, src / f.name)
    return src


def test_unchanged_corpus_not_recomputed_and_roster_followed(tmp_path) -> None:
    src = _small_sources(tmp_path)
    out = tmp_path / "corpus"
    build_corpus([src], out, workers=1, progress=False)
    c = load_corpus(out)
    entry = c.manifest[aggregates.DIR]
    files = {p: (out / p).stat().st_mtime_ns for ps in entry["paths"].values() for p in ps}
    assert files and entry["roster"] is None and entry["rows"]["indicators"] == c.reports.collect().height
    build_corpus([src], out, workers=1, progress=False)  # nothing changed: the same files, untouched
    again = load_corpus(out).manifest[aggregates.DIR]
    assert again["paths"] == entry["paths"]
    assert {p: (out / p).stat().st_mtime_ns for p in files} == files
    # gx build --roster: the aggregates are recomputed with the roster's levels and types
    names = c.reports.select("agency").unique().collect()["agency"].sort().to_list()
    roster = tmp_path / "roster.csv"
    roster.write_text("机关,起始年度,层级,机关类型\n" + "".join(f"{a},2019,特殊功能区,政府\n" for a in names[:2]),
                      encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "gxlib.cli", "build", str(src), "-o", str(out), "--no-progress",
                        "--roster", str(roster)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    c2 = load_corpus(out)
    e2 = c2.manifest[aggregates.DIR]
    from gxlib.roster import read_roster

    stored_roster = read_roster(out / "roster.csv")
    assert e2["roster"] == aggregates.roster_digest(stored_roster) == aggregates.roster_digest(read_roster(roster))
    assert aggregates.stored(c2, None) is None  # computed with a roster: not valid without it
    ind = aggregates.stored(c2, stored_roster)["indicators"].collect()
    assert set(ind.filter(pl.col("agency").is_in(names[:2]))["level"]) == {"特殊功能区"}
    # the dashboards read the stored tables (no report-level frame loaded for the overview)
    from gxlib.app import data as D
    from gxlib.app.overview import kpis_for

    d = D._load.__wrapped__(str(out))
    assert d.agg_source == "stored" and "reports" not in d.__dict__
    year = d.years[-1]
    k = kpis_for(d, {}, year)
    assert "reports" not in d.__dict__
    ri_year = metrics.rate(metrics.report_indicators(aggregates.frames(c2, d.roster)).filter(pl.col("year") == year),
                           "grant_rate", ())
    assert k["grant_rate"][0] == pytest.approx(ri_year["value"][0])
    assert k["reports"][0] == metrics.reports(aggregates.frames(c2, d.roster)).filter(
        pl.col("year") == year).collect().height


def test_aggregates_of_version_2_read_with_kpi_computed_again(tmp_path) -> None:
    """A corpus whose aggregates are of version 2 (kpi without the parts known in both years) is
    served from its stored tables, but its kpi is computed again from its stored indicators (the
    same table in both versions): no rebuild, no in-memory recomputation of the corpus; older
    versions are not read (the dashboards then compute everything: tests/test_serve.py)."""
    import json

    demo = ROOT / "data" / "demo" / "corpus"
    if not demo.is_dir():
        pytest.skip("data/demo/corpus missing")
    old = tmp_path / "corpus"
    shutil.copytree(demo, old)
    m = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    m[aggregates.DIR]["version"] = 2
    (old / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    c = load_corpus(old)
    roster, _ = aggregates._roster(old)  # the demo's roster, which its aggregates were computed with
    assert 2 in aggregates.KPI_AGAIN and aggregates.not_stored(c, roster) is None
    agg = aggregates.stored(c, roster)
    kpi = agg["kpi"].collect()
    suffixes = [f"__n_{s}" for s in aggregates.PARTS.values()]
    assert all(f"{code}{s}" in kpi.columns for code in metrics.INDICATORS for s in suffixes)
    want = aggregates.kpi_cells(aggregates.indicator_rows(c, roster, c.registry)).collect()  # from the reports
    keys = [*aggregates.DIMS, *aggregates.MATCHED]
    assert kpi.sort(keys, nulls_last=True).equals(want.select(kpi.columns).sort(keys, nulls_last=True))
    from gxlib.app import data as D
    from gxlib.app.overview import kpi_cards

    d = D._load.__wrapped__(str(old))
    assert d.agg_source == "stored" and "reports" not in d.__dict__
    _, frame = kpi_cards(d, {"year": d.years[-1]})
    assert frame.filter(pl.col("indicator") == "grant_rate")["n_both"][0] > 0
