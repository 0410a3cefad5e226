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

from .. import aggregates, charts
from .data import UNIDENTIFIED, UNKNOWN_SUFFIX, Data, _load

GROUPINGS = {"parent": "按上级机关", "level": "按层级", "root": "按最上级机关"}
CELL = aggregates.REGION_CELL  # 表三 一、本年新收政府信息公开申请数量 · 总计
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


HEAD = 30  # rows of the all-years table kept in the kernel (the page shows 20; downloads recompute all)


@cache
def _summary(path_str: str, by: str) -> tuple[pl.DataFrame, int, int]:
    lf = region_lazy(_load(path_str), by)
    if lf is None:
        return pl.DataFrame(), 0, 0
    n, unk = lf.select(pl.len(), pl.col(f"{VALUE}{UNKNOWN_SUFFIX}").sum()).collect().row(0)
    return lf.head(HEAD).collect(), int(n), int(unk or 0)


def summary(data: Data, by: str) -> tuple[pl.DataFrame, int, int]:
    """(the first rows of :func:`region_frame`, its row count, its unknown values), cached per
    corpus and grouping: the whole frame (one row per body and year on a national corpus) is only
    computed for a download."""
    if not data.ok or data.path is None:
        return pl.DataFrame(), 0, 0
    return _summary(str(data.path.resolve()), by)


@cache
def _year_top(path_str: str, by: str, year: int | None) -> pl.DataFrame:
    d = _load(path_str)
    lf = region_lazy(d, by)
    if lf is None or not d.years:
        return pl.DataFrame()
    y = year if year in d.years else max(d.years)
    return (lf.filter((pl.col("year") == y) & pl.col(VALUE).is_not_null())
            .sort([VALUE, "group_zh"], descending=[True, False]).head(20).collect())


def year_top(data: Data, by: str, year: int | None) -> pl.DataFrame:
    """The 20 largest groups of ``year`` (the latest year when None): what :func:`region_chart` draws."""
    if not data.ok or data.path is None:
        return pl.DataFrame()
    return _year_top(str(data.path.resolve()), by, year)


def totals(data: Data, by: str) -> pl.DataFrame:
    """:func:`region_frame` (the whole table; a download)."""
    return region_frame(data, by) if data.ok else pl.DataFrame()


def region_cells(data: Data) -> pl.LazyFrame:
    """The build's ``regions`` aggregate (:func:`gxlib.aggregates.region_cells`); for a corpus built
    before it, the same table computed once from the corpus."""
    if "regions" not in data.agg:
        corpus = data.corpus
        if corpus is None or getattr(corpus, "registry", None) is None:
            return pl.LazyFrame()
        data.agg["regions"] = aggregates.region_cells(corpus, corpus.registry).lazy()
    return data.agg["regions"]


def region_lazy(data: Data, by: str) -> pl.LazyFrame | None:
    """group_zh, year, 本年新收申请 (+ its unknown count), n_counted, n_folded, n_duplicates, group
    (lazily, sorted: latest year first, largest first); None without a registry."""
    lf = region_cells(data)
    if not lf.collect_schema().names():
        return None
    unknown = (pl.col("n_ambiguous") + pl.col("n_missing")).cast(pl.Int64)
    out = lf.filter((pl.col("by") == by) & pl.col("year").is_in(data.years)).with_columns(
        pl.when(unknown < pl.col("n_counted")).then(pl.col("value")).otherwise(None).alias(VALUE),
        unknown.alias(f"{VALUE}{UNKNOWN_SUFFIX}"),
        pl.col("group").replace("未知", UNIDENTIFIED),
    ).with_columns(pl.coalesce("group_name", "group").alias("group_zh"))
    return out.select("group_zh", "year", VALUE, f"{VALUE}{UNKNOWN_SUFFIX}", "n_counted", "n_folded", "n_duplicates",
                      "group").sort("year", VALUE, "group_zh", descending=[True, True, False], nulls_last=True)


def region_frame(data: Data, by: str) -> pl.DataFrame:
    """:func:`region_lazy`, collected (empty without a registry)."""
    lf = region_lazy(data, by)
    return lf.collect() if lf is not None else pl.DataFrame()


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
