"""Unknown is never zero, and ``older`` reports are listed but never counted (issue 17 items 2, 3),
on a corpus built in the session from the real reports in ../shared/corpus."""

from __future__ import annotations

import polars as pl
import pytest
from real_corpus import real_corpus, real_corpus_dir  # noqa: F401

from gxlib import metrics, spec

pytestmark = pytest.mark.corpus


def test_older_report_listed_not_counted(real_corpus) -> None:  # noqa: F811
    raw = real_corpus.reports.collect()
    older = raw.filter(pl.col("template") == metrics.OLDER)
    assert older.height >= 1, "the real corpus holds the 2018 pingtan report (template older)"
    listed = metrics.older_reports(real_corpus)
    assert set(listed["report_id"]) == set(older["report_id"])
    assert (listed["note"] == metrics.OLDER_ZH).all()
    used = metrics.reports(real_corpus).collect()
    assert not set(used["report_id"]) & set(older["report_id"])
    ri = metrics.report_indicators(real_corpus)
    assert not set(ri["report_id"]) & set(older["report_id"])
    years = set(older["year"])
    # no year of only older reports appears in a count, a rate or a year-over-year comparison
    only_older = years - set(raw.filter(pl.col("template") != metrics.OLDER)["year"])
    for frame in (metrics.rate(real_corpus, "applications_received"), metrics.grant_rate(real_corpus),
                  metrics.applications_by_outcome(real_corpus), metrics.proactive_items_by_year(real_corpus)):
        assert not only_older & set(frame["year"])
    f = metrics.findings(real_corpus).filter(pl.col("rule") == metrics.OLDER_RULE).collect()
    assert set(f["report_id"]) == set(older["report_id"]) and (f["rule_zh"] == metrics.OLDER_ZH).all()


def _cells(corpus, table: str) -> pl.DataFrame:
    used = metrics.reports(corpus).select("report_id", "year", "template")
    return corpus.cells.filter(pl.col("table") == table).join(used, on="report_id").collect()


def test_proactive_unknown_cells_counted_not_zero(real_corpus) -> None:  # noqa: F811
    cells = _cells(real_corpus, "proactive")
    amb = cells["ambiguous"].fill_null(False)
    assert amb.sum() > 0, "the real corpus has ambiguous 表二 cells (crawler run-together digits)"
    want = (
        cells.group_by("year", "template", "row", "col")
        .agg(pl.col("value").filter(~pl.col("ambiguous").fill_null(False)).fill_null(0).sum().alias("known"),
             (~pl.col("ambiguous").fill_null(False)).sum().alias("n_known"),
             pl.col("ambiguous").fill_null(False).sum().alias("n_amb"))
    )
    got = metrics.proactive_items_by_year(real_corpus).rename({"item": "row", "measure": "col"})
    both = want.join(got, on=["year", "template", "row", "col"], how="left")
    assert both.height == want.height
    assert (both["n_unknown"] == both["n_amb"]).all()
    all_unknown = both.filter(pl.col("n_known") == 0)
    assert all_unknown["value"].is_null().all()
    some = both.filter(pl.col("n_known") > 0)
    # sums of 万元 amounts: equal up to float rounding (the summation order is not fixed)
    assert ((some["value"] - some["known"]).abs() < 1e-6).all()
    # per report: a cell that is only ambiguous is null, never 0
    per = metrics.proactive_items_by_year(real_corpus, by=("report_id", "year"))
    bad = per.filter(pl.col("n_unknown") > 0)
    assert bad.height > 0 and bad["value"].is_null().all()


def test_application_totals_unknown_not_zero(real_corpus) -> None:  # noqa: F811
    rows = metrics.application_rows(real_corpus).collect()
    unknown = rows.filter(pl.col("total").is_null())
    assert unknown.height > 0, "the real corpus has 表三 rows whose total depends on an ambiguous cell"
    out = metrics.applications_by_outcome(real_corpus, by=("report_id",))
    for rid, outcome in unknown.filter(pl.col("outcome").is_not_null()).select("report_id", "outcome").iter_rows():
        r = out.filter((pl.col("report_id") == rid) & (pl.col("outcome") == outcome))
        assert r["n_unknown"].item() >= 1
        known = rows.filter((pl.col("report_id") == rid) & (pl.col("outcome") == outcome) & pl.col("total").is_not_null())
        assert (r["count"].item() is None) == (known.height == 0)
    ri = metrics.report_indicators(real_corpus)
    for code in ("grant_rate", "applications_received", "denial_rate"):
        ind = metrics.INDICATORS[code]
        r = metrics.rate(ri, code, by=())
        cols = [ind.numerator] + ([ind.denominator] if ind.denominator else [])
        n_null = ri.filter(pl.any_horizontal([pl.col(c).is_null() for c in cols])).height
        assert r["n_unknown"].item() == n_null


def test_unknown_part_is_not_a_zero_part(real_corpus) -> None:  # noqa: F811
    cells = _cells(real_corpus, "applications").filter(pl.col("ambiguous").fill_null(False)
                                                      & pl.col("col").is_in(list(spec.APPLICANT_COLS)))
    if cells.height == 0:
        pytest.skip("no ambiguous applicant cell in this build of the real corpus")
    rows = metrics.application_rows(real_corpus).collect()
    for rid, row, col in cells.select("report_id", "row", "col").iter_rows():
        v = rows.filter((pl.col("report_id") == rid) & (pl.col("row") == row))[col]
        assert v.len() == 1 and v.item() is None, f"{rid} {row} {col}: an ambiguous part must be unknown"
