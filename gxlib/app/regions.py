"""地区合计: 本年新收申请 by parent body or by level, each application counted once.

The totals are :func:`gxlib.registry.region_totals`: a member's report is folded into its
consolidated parent's report of the same year (its applications are already there), duplicates are
dropped, so a consolidated report and its members are never added together.  Here they get names,
the dashboards' unknown rule (a group-year with no known value is null, never 0; ambiguous or
missing cells are counted in ``value__n_unknown``) and only the years the overview counts (older,
pre-2019 reports are listed elsewhere, never counted).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from .. import charts, registry
from .data import UNIDENTIFIED, UNKNOWN_SUFFIX, Data, _load

GROUPINGS = {"parent": "按上级机关", "level": "按层级", "root": "按最上级机关"}
CELL = ("applications", "new_received", "total")  # 表三 一、本年新收政府信息公开申请数量 · 总计
VALUE = "本年新收申请"
DEFINITIONS = {
    "地区合计": "同一组内各报告的“本年新收政府信息公开申请数量（总计）”之和，每份申请只计一次：某机关当年有"
                "汇总其所属单位的报告（如本级政府报告写明“汇总各有关单位”）时，所属单位的报告并入该汇总报告，"
                "不再相加；同一机关同一年有两份报告时只取一份。无法确定或未填写的数值不计入（不按 0 计），"
                "全部无法确定时为空。",
    "按上级机关": "分组为计入机关的上级机关（没有上级的，为其本身）。",
    "按层级": "分组为计入机关的层级（省级/市级/县级/乡级/特殊功能区）；层级不明为“未识别”。",
    "按最上级机关": "分组为登记表中该机关之上最顶层的机关。",
}


@cache
def _totals(path_str: str, by: str) -> pl.DataFrame:
    d = _load(path_str)
    return region_frame(d, by)


def totals(data: Data, by: str) -> pl.DataFrame:
    """:func:`region_frame` cached per corpus and grouping."""
    if not data.ok or data.path is None:
        return pl.DataFrame()
    return _totals(str(data.path.resolve()), by)


def region_frame(data: Data, by: str) -> pl.DataFrame:
    """group, group_zh, year, 本年新收申请 (+ its unknown count), n_counted, n_folded, n_duplicates."""
    corpus = data.corpus
    if corpus is None or getattr(corpus, "registry", None) is None:
        return pl.DataFrame()
    t = registry.region_totals(corpus, *CELL, by=by)
    names = corpus.registry.select("agency_key", "name")
    names = names.collect() if isinstance(names, pl.LazyFrame) else names
    unknown = (pl.col("n_ambiguous") + pl.col("n_missing")).cast(pl.Int64)
    out = t.filter(pl.col("year").is_in(data.years)).with_columns(
        pl.when(unknown < pl.col("n_counted")).then(pl.col("value")).otherwise(None).alias(VALUE),
        unknown.alias(f"{VALUE}{UNKNOWN_SUFFIX}"),
        pl.col("group").replace("未知", UNIDENTIFIED),
    )
    if by != "level":
        out = out.join(names, left_on="group", right_on="agency_key", how="left").with_columns(
            pl.coalesce("name", "group").alias("group_zh"))
    else:
        out = out.with_columns(pl.col("group").alias("group_zh"))
    return out.select("group_zh", "year", VALUE, f"{VALUE}{UNKNOWN_SUFFIX}", "n_counted", "n_folded", "n_duplicates",
                      "group").sort("year", VALUE, "group_zh", descending=[True, True, False], nulls_last=True)


def region_chart(frame: pl.DataFrame, year: int | None, by: str) -> charts.Figure | None:
    """Bars of one year's totals per group (the latest year when ``year`` is None)."""
    if frame.is_empty():
        return None
    y = year if year is not None and year in frame["year"] else frame["year"].max()
    df = frame.filter((pl.col("year") == y) & pl.col(VALUE).is_not_null()).select("group_zh", pl.col(VALUE).alias("value"))
    if df.is_empty():
        return None
    return charts.bar_by(df, "group_zh", "value", title=f"{y} 年本年新收申请（{GROUPINGS[by]}，每份申请只计一次）",
                         value_title="件数", top=20)
