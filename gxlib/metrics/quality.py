"""Findings (each with its rule's Chinese name and the cells it points at), their summary, carry-over breaks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from .conventions import META_COLS, OLDER, OLDER_RULE, OLDER_ZH
from .measures import _by
from .inputs import _lazy, application_rows, reports


# Findings and data quality


def _rules_zh() -> pl.LazyFrame:
    try:
        from ..checks import rules_table
    except ImportError:  # pragma: no cover - checks not integrated
        return pl.LazyFrame(schema={"rule": pl.String, "rule_zh": pl.String})
    own = pl.LazyFrame({"rule": [OLDER_RULE], "rule_zh": [OLDER_ZH]})
    return pl.concat([rules_table().lazy().select(pl.col("code").alias("rule"), pl.col("title_zh").alias("rule_zh")),
                      own])


def _older_findings(corpus: Any, rep: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """One 提示 finding per ``older`` report: it is listed, its tables are not extracted or counted."""
    schema = _lazy(corpus, "findings").collect_schema()
    rep = reports(corpus, include_older=True) if rep is None else rep
    older = rep.filter(pl.col("template") == OLDER).select("report_id")
    lits = {"rule": OLDER_RULE, "severity": "info", "message": f"{OLDER_ZH}：2019 年以前的报告没有国家统一表格，不计入统计"}
    return older.with_columns(
        *[pl.lit(lits.get(c)).cast(t).alias(c) for c, t in schema.items() if c != "report_id"]
    ).select(list(schema))


def findings(corpus: Any, *, reports_frame: pl.LazyFrame | None = None, cells: bool = True) -> pl.LazyFrame:
    """Findings with their report's meta (agency, year, source) and the cell they point at (raw,
    where); ``older`` reports carry one 提示 finding each (:data:`OLDER_RULE`).

    ``reports_frame``: the kept reports (what ``reports(corpus, include_older=True)`` gives, with
    META_COLS and source), e.g. the build's ``indicators`` table, to skip the corpus-wide dedup;
    ``cells=False`` leaves out the cell columns (:func:`with_cells` adds them to the rows kept)."""
    rep = (reports(corpus, include_older=True) if reports_frame is None else reports_frame).select(*META_COLS, "source")
    out = (
        pl.concat([_lazy(corpus, "findings"), _older_findings(corpus, rep)], how="vertical_relaxed")
        .join(rep, on="report_id", how="inner")
    )
    if cells:
        out = with_cells(out, corpus)
    return out.join(_rules_zh(), on="rule", how="left").with_columns(pl.col("rule_zh").fill_null(pl.col("rule")))


def with_cells(frame: pl.LazyFrame, corpus: Any, ids: pl.Series | None = None) -> pl.LazyFrame:
    """``frame`` (findings) with the raw text and position of the cell each points at; ``ids``: the
    report ids among ``frame``'s, to cut the cell scan to them."""
    cells = _lazy(corpus, "cells").select("report_id", "table", "row", "col", "raw", "where")
    if ids is not None:
        cells = cells.filter(pl.col("report_id").is_in(ids.implode()))
    return frame.join(cells, on=["report_id", "table", "row", "col"], how="left", nulls_equal=False)


def findings_summary(corpus: Any, by: str | Sequence[str] = ("rule",)) -> pl.DataFrame:
    """How often each rule fails, grouped by ``by`` (e.g. ``("rule",)``, ``("year", "rule")``,
    ``("agency_key", "rule")``): findings, reports and agencies affected, share of reports."""
    keys = _by(by)
    if "rule" in keys and "severity" not in keys:
        keys = [*keys, "severity"]
    n_rep = reports(corpus).select(pl.len()).collect().item()
    out = (
        findings(corpus)
        .group_by([*keys, *(["rule_zh"] if "rule" in keys else [])])
        .agg(pl.len().alias("n_findings"), pl.col("report_id").n_unique().alias("n_reports"),
             pl.col("agency_key").n_unique().alias("n_agencies"))
        .with_columns((pl.col("n_reports") / max(n_rep, 1)).alias("report_share"))
    )
    return out.sort(["n_findings", *keys], descending=[True] + [False] * len(keys)).collect()


def carry_over_breaks(corpus: Any, *, tolerance: float = 0.0) -> pl.DataFrame:
    """Consecutive years of one agency where this year's 二、上年结转 (总计) ≠ last year's
    四、结转下年度继续办理 (总计), with both reports and the cells' raw text and position."""
    rows = application_rows(corpus).filter(pl.col("row").is_in(["carried_over", "carried_forward"]))
    cells = _lazy(corpus, "cells").filter((pl.col("table") == "applications") & (pl.col("col") == "total"))
    cur = (
        rows.filter(pl.col("row") == "carried_over")
        .select("agency_key", "agency", "year", "report_id", pl.col("total").alias("carried_over"))
        .join(cells.filter(pl.col("row") == "carried_over").select("report_id", "raw", "where"), on="report_id", how="left")
    )
    prev = (
        rows.filter(pl.col("row") == "carried_forward")
        .select("agency_key", (pl.col("year") + 1).cast(pl.Int32).alias("year"), pl.col("report_id").alias("prev_report_id"),
                pl.col("total").alias("prev_carried_forward"))
        .join(cells.filter(pl.col("row") == "carried_forward").select(
            pl.col("report_id").alias("prev_report_id"), pl.col("raw").alias("prev_raw"), pl.col("where").alias("prev_where")),
            on="prev_report_id", how="left")
    )
    return (
        cur.join(prev, on=["agency_key", "year"], how="inner")
        .with_columns((pl.col("carried_over") - pl.col("prev_carried_forward")).alias("diff"))
        .filter(pl.col("diff").abs() > tolerance)
        .with_columns((pl.col("year") - 1).cast(pl.Int32).alias("prev_year"))
        .sort("agency_key", "year")
        .select("agency_key", "agency", "prev_year", "year", "prev_carried_forward", "carried_over", "diff",
                "prev_report_id", "prev_raw", "prev_where", "report_id", "raw", "where")
        .collect()
    )
