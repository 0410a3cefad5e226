"""One agency against its peers of the same level (:func:`agency_profile`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from .labels import INDICATORS
from .conventions import INSUFFICIENT, LEVEL_UNKNOWN, PEERS_LACKING, RANKED
from .measures import _indicators_frame


# One agency against its peers

PROFILE_INDICATORS = ("applications_received", "grant_rate", "open_rate", "carry_forward_rate", "correction_rate",
                      "disputes_per_100")


def agency_profile(corpus_or_indicators: Any, agency_key: str, indicators: Iterable[str] = PROFILE_INDICATORS,
                   *, min_peers: int = 3) -> pl.DataFrame:
    """One agency's indicators per year beside its peers' median and quartiles.

    Peers: other agencies of the same ``level`` and ``region`` that year (``peer_group`` 同地区同层级);
    when fewer than ``min_peers`` exist, the same level anywhere (同层级).  A peer's rate counts only if
    its denominator reaches the indicator's minimum; the agency's own value carries ``status``.
    A band needs ``min_peers`` peers of a *known* level: else the peer columns are null and
    ``peer_group`` says 同级样本不足 (or 层级不详，无同级比较 when the agency's level is unknown).
    """
    ri = _indicators_frame(corpus_or_indicators)
    me = ri.filter(pl.col("agency_key") == agency_key)
    if me.is_empty():
        raise KeyError(f"no report of agency {agency_key!r} in the corpus")
    level = me["level"].drop_nulls().last() if me["level"].drop_nulls().len() else None
    region = me["region"].drop_nulls().last() if me["region"].drop_nulls().len() else None
    others = ri.filter(pl.col("agency_key") != agency_key)
    same_level = others.filter(pl.col("level") == level) if level is not None else others.clear()
    same_region = same_level.filter(pl.col("region") == region) if region is not None else same_level.clear()
    out = []
    for code in indicators:
        ind = INDICATORS[code]
        ok = pl.col(f"{code}_ok") if ind.denominator else pl.col(ind.numerator).is_not_null()
        val = pl.col(code) if ind.denominator else pl.col(ind.numerator)

        def stats(peers: pl.DataFrame, label: str) -> pl.LazyFrame:
            return (peers.lazy().filter(ok & val.is_not_null())
                    .group_by("year")
                    .agg(val.median().alias("peer_median"),
                         val.quantile(0.25, "linear").alias("peer_q1"),
                         val.quantile(0.75, "linear").alias("peer_q3"),
                         pl.len().alias("n_peers"))
                    .with_columns(pl.lit(label).alias("peer_group")))

        region_stats = stats(same_region, "同地区同层级")
        level_stats = stats(same_level, "同层级")
        # per year: the regional group when it has enough peers, else the level group
        chosen = (
            level_stats.join(region_stats, on="year", how="left", suffix="_r")
            .with_columns(
                *[pl.when(pl.col("n_peers_r") >= min_peers).then(pl.col(f"{c}_r")).otherwise(pl.col(c)).alias(c)
                  for c in ("peer_median", "peer_q1", "peer_q3", "n_peers", "peer_group")]
            )
            .select("year", "peer_median", "peer_q1", "peer_q3", "n_peers", "peer_group")
        )
        enough = pl.col("n_peers").fill_null(0) >= min_peers
        chosen = chosen.with_columns(
            *[pl.when(enough).then(pl.col(c)).otherwise(None).alias(c) for c in ("peer_median", "peer_q1", "peer_q3")],
            pl.when(enough).then(pl.col("peer_group")).otherwise(pl.lit(PEERS_LACKING)).alias("peer_group"),
        )
        mine = me.lazy().select(
            "agency_key", "agency", "year", "report_id",
            pl.lit(code).alias("indicator"), pl.lit(ind.name_zh).alias("indicator_zh"),
            val.alias("value"),
            (pl.col(ind.denominator) if ind.denominator else pl.lit(None, pl.Float64)).cast(pl.Float64).alias("denominator"),
            pl.when(ok).then(pl.lit(RANKED if ind.denominator else "")).otherwise(pl.lit(INSUFFICIENT)).alias("status"),
        )
        mine = mine.join(chosen, on="year", how="left").with_columns(
            pl.col("n_peers").fill_null(0),
            pl.col("peer_group").fill_null(pl.lit(PEERS_LACKING if level is not None else LEVEL_UNKNOWN)))
        out.append(mine)
    return pl.concat(out).sort("indicator", "year").collect() if out else pl.DataFrame()
