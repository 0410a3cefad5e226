"""The inputs every metric reads: the reports (one per agency-year, ``older`` ones out), cell values, 表三/表四
row totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from .. import spec
from ..frames import SCHEMAS
from .conventions import META_COLS, OLDER, OLDER_ZH
from .labels import OUTCOME_GROUP, TABLE_ZH


# Input


@dataclass
class Frames:
    """A minimal corpus-like holder (frames may be DataFrames or LazyFrames; missing ones are empty)."""

    reports: Any = None
    cells: Any = None
    narrative: Any = None
    findings: Any = None
    errors: Any = None


def _lazy(obj: Any, name: str) -> pl.LazyFrame:
    x = getattr(obj, name, None)
    if x is None:
        return pl.LazyFrame(schema=SCHEMAS[name])
    if isinstance(x, pl.DataFrame):
        return x.lazy()
    if isinstance(x, pl.LazyFrame):
        return x
    raise TypeError(f"{name} must be a polars DataFrame or LazyFrame, not {type(x).__name__}")


def reports(corpus: Any, *, include_older: bool = False) -> pl.LazyFrame:
    """The reports used in analyses: one per (agency_key, year), ``older`` reports left out unless
    ``include_older`` (see module docstring)."""
    rep = _lazy(corpus, "reports").with_columns(pl.coalesce("agency_key", "agency", "report_id").alias("agency_key"))
    if not include_older:
        rep = rep.filter(pl.col("template").ne_missing(OLDER))
    return (
        rep.sort(["agency_key", "year", "n_ambiguous", "n_cells", "report_id"],
                 descending=[False, False, False, True, False], nulls_last=True)
        .unique(subset=["agency_key", "year"], keep="first", maintain_order=True)
    )


def older_reports(corpus: Any) -> pl.DataFrame:
    """The ``older`` (pre-2019 format) reports: listed, never counted."""
    return (
        reports(corpus, include_older=True).filter(pl.col("template") == OLDER)
        .select(*META_COLS, "source", pl.lit(OLDER_ZH).alias("note"))
        .sort("agency_key", "year").collect()
    )


def _meta(corpus: Any) -> pl.LazyFrame:
    return reports(corpus).select(META_COLS)


def cell_values(corpus: Any, table: str | None = None, *, keep_unknown: bool = False) -> pl.LazyFrame:
    """Cells joined with their report's meta, blank → 0; ambiguous cells dropped, or with
    ``keep_unknown`` kept with ``value`` null (unknown), so aggregates can count them."""
    cells = _lazy(corpus, "cells")
    if table is not None:
        cells = cells.filter(pl.col("table") == table)
    amb = pl.col("ambiguous").fill_null(False)
    if not keep_unknown:
        cells = cells.filter(~amb)
    return (
        cells.with_columns(pl.when(amb).then(None).otherwise(pl.col("value").fill_null(0.0)).alias("value"))
        .select("report_id", "table", "row", "col", "value", "raw", "where")
        .join(_meta(corpus), on="report_id", how="inner")
    )


def ambiguity_summary(corpus: Any) -> pl.DataFrame:
    """How many cells are excluded as ambiguous, by table (and how many reports they touch)."""
    cells = _lazy(corpus, "cells").join(_meta(corpus).select("report_id"), on="report_id", how="semi")
    return (
        cells.group_by("table")
        .agg(
            pl.len().alias("n_cells"),
            pl.col("ambiguous").fill_null(False).sum().alias("n_ambiguous"),
            pl.col("value").is_null().and_(~pl.col("ambiguous").fill_null(False)).sum().alias("n_blank"),
            pl.col("report_id").filter(pl.col("ambiguous").fill_null(False)).n_unique().alias("n_reports_ambiguous"),
        )
        .with_columns(pl.col("table").replace_strict(TABLE_ZH, default=pl.col("table")).alias("table_zh"))
        .sort("table")
        .collect()
    )


# ---------------------------------------------------------------------------------------------
# Row totals (表三 / 表四)


def _row_totals(corpus: Any, table: str, parts: Sequence[str]) -> pl.LazyFrame:
    """Per report × row: total from the 总计 column, else the sum of ``parts`` (null if a part is ambiguous)."""
    cells = _lazy(corpus, "cells").filter(pl.col("table") == table)
    amb = pl.col("ambiguous").fill_null(False)
    is_part = pl.col("col").is_in(list(parts))
    is_total = pl.col("col") == "total"
    per_row = cells.group_by("report_id", "row").agg(
        pl.col("value").filter(is_total & ~amb).first().alias("_printed_total"),
        (is_total & amb).any().alias("_total_ambiguous"),
        pl.col("value").filter(is_part & ~amb).fill_null(0.0).sum().alias("_parts_sum"),
        (is_part & amb).any().alias("_part_ambiguous"),
        is_part.any().alias("_has_parts"),
        # a part printed only as an unknown cell is unknown (null), never 0
        *[pl.when(((pl.col("col") == p) & amb).any()).then(None)
          .otherwise(pl.col("value").filter((pl.col("col") == p) & ~amb).fill_null(0.0).sum()).alias(p)
          for p in parts],
    )
    use_printed = pl.col("_printed_total").is_not_null()
    return (
        per_row.with_columns(
            pl.when(use_printed)
            .then(pl.col("_printed_total"))
            .when(pl.col("_has_parts") & ~pl.col("_part_ambiguous"))
            .then(pl.col("_parts_sum"))
            .otherwise(None)
            .alias("total"),
            pl.when(use_printed)
            .then(pl.lit("总计栏"))
            .when(pl.col("_has_parts") & ~pl.col("_part_ambiguous"))
            .then(pl.lit("分项合计"))
            .otherwise(pl.lit("不可用"))
            .alias("total_source"),
        )
        .drop("_printed_total", "_total_ambiguous", "_parts_sum", "_part_ambiguous", "_has_parts")
        .join(_meta(corpus), on="report_id", how="inner")
    )


def application_rows(corpus: Any) -> pl.LazyFrame:
    """表三 per report × row: the six applicant columns (blank → 0), ``total`` and ``total_source``."""
    return _row_totals(corpus, "applications", spec.APPLICANT_COLS).with_columns(
        pl.col("row").replace_strict(OUTCOME_GROUP, default=None).alias("outcome")
    )


def review_rows(corpus: Any) -> pl.LazyFrame:
    """表四 per report × row (复议 / 直接起诉 / 复议后起诉): upheld, corrected, other, pending, total, concluded."""
    return _row_totals(corpus, "reviews", spec.REVIEW_PARTS).with_columns(
        (pl.col("upheld") + pl.col("corrected") + pl.col("other")).alias("concluded")
    )
