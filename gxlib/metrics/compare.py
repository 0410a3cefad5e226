"""Rankings (tiny denominators never ranked) and year-over-year change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from .labels import INDICATORS
from .conventions import INSUFFICIENT, RANKED
from .measures import _by, _indicators_frame


# Rankings and change


def rankings(corpus_or_indicators: Any, code: str = "grant_rate", *, year: int | None = None,
             min_denominator: float | None = None, descending: bool = True, by: str = "agency_key") -> pl.DataFrame:
    """Agencies ranked by indicator ``code`` for ``year`` (None: all years pooled).

    Only agencies whose denominator ≥ ``min_denominator`` (default: the indicator's) are ranked
    (``rank`` 1 = highest value when ``descending``); the others are listed after them with
    ``status`` 样本不足 and a null rank, so an agency with 3 applications is never the "100%" at the top.
    """
    ind = INDICATORS[code]
    if ind.denominator is None:
        raise ValueError(f"{code} is a count, not a rate: rank it with rate(..., by='agency_key')")
    floor = ind.min_denominator if min_denominator is None else min_denominator
    x = corpus_or_indicators
    need = {by, "year", "agency", "level", "region", ind.numerator, ind.denominator}
    if isinstance(x, pl.LazyFrame) and need <= set(x.collect_schema().names()):
        ri = x  # indicator rows already (e.g. a scan of the build's ``indicators`` table): one query
    else:
        ri = _indicators_frame(x).lazy()
    if year is not None:
        ri = ri.filter(pl.col("year") == year)
    valid = pl.col(ind.numerator).is_not_null() & pl.col(ind.denominator).is_not_null()
    agg = (
        ri.filter(valid)
        .group_by(by)
        .agg(pl.col("agency").sort_by("year").last(), pl.col("level").sort_by("year").last(),
             pl.col("region").sort_by("year").last(),
             pl.col(ind.numerator).sum().alias("numerator"), pl.col(ind.denominator).sum().alias("denominator"),
             pl.len().alias("n_reports"))
        .with_columns(
            pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator") * ind.scale)
            .alias("value"),
            pl.when((pl.col("denominator") >= floor) & (pl.col("denominator") > 0)).then(pl.lit(RANKED))
            .otherwise(pl.lit(INSUFFICIENT)).alias("status"),
        )
    )
    ranked = pl.col("status") == RANKED
    return (
        agg.with_columns(
            pl.when(ranked).then(pl.col("value")).otherwise(None)
            .rank("min", descending=descending).cast(pl.Int32).alias("rank")
        )
        .with_columns(pl.lit(code).alias("indicator"), pl.lit(ind.name_zh).alias("indicator_zh"))
        .sort(["rank", "denominator", by], descending=[False, True, False], nulls_last=True)
        .select(by, "agency", "level", "region", "indicator", "indicator_zh", "numerator", "denominator", "value",
                "rank", "status", "n_reports")
        .collect()
    )


def year_over_year(frame: pl.DataFrame, value: str = "value", by: str | Sequence[str] = (),
                   time: str = "year") -> pl.DataFrame:
    """Adds ``prev_value``, ``change`` and ``pct_change`` against the previous *calendar* year of the
    same ``by`` group (a gap year gives null, never a two-year jump)."""
    keys = _by(by)
    prev = frame.lazy().select(*keys, (pl.col(time) + 1).cast(frame.schema[time]).alias(time),
                               pl.col(value).alias("prev_value"))
    return (
        frame.lazy()
        .join(prev, on=[*keys, time], how="left", nulls_equal=True)
        .with_columns(
            (pl.col(value) - pl.col("prev_value")).alias("change"),
            pl.when(pl.col("prev_value") != 0).then(pl.col(value) / pl.col("prev_value") - 1).alias("pct_change"),
        )
        .sort([*keys, time])
        .collect()
    )
