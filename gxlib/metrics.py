"""Named indicators over a corpus (or one report), computed in polars: LazyFrame in, DataFrame out.

Every function takes a *corpus-like* object: anything with ``.reports`` and ``.cells`` (and, for
some, ``.narrative`` / ``.findings``) as polars LazyFrames or DataFrames in the schemas of
:mod:`gxlib.frames` — a :class:`gxlib.corpus.Corpus`, a :class:`gxlib.Report`, or a
:class:`Frames` you build yourself.

Conventions (the same in every notebook and dashboard; ``POLICY_ZH`` says them in Chinese):

* **Blank counts as 0.**  A printed cell left blank (``value`` null, ``ambiguous`` false) is 0 in
  sums and rates.  The data keeps blank ≠ 0; only analyses fold it.
* **Unknown is never zero.**  A cell the document alone cannot settle (``ambiguous`` true) is
  unknown: it contributes nothing, and every aggregate says how many unknown values it left out
  (column ``n_unknown``); an aggregate with no known value at all is null (shown as —), never 0.
  A row total that would depend on an unknown cell is null (unknown), not under-counted; a rate
  whose numerator or denominator is unknown for a report is not computed for that report (the
  pooled rate leaves the report out and counts it in ``n_unknown``).  :func:`ambiguity_summary`
  counts unknown cells per table.
* **``older`` (pre-2019) reports are excluded** from every count, rate and year-over-year
  comparison: they print no template tables (:func:`older_reports` lists them; :func:`findings`
  adds an 提示 finding 旧版格式，未提取表格 for each).
* **表三/表四 row totals** come from the printed 总计 column when it holds a number, else from the sum
  of the parts (six applicant columns; 维持+纠正+其他+尚未审结) — column ``total_source`` says which
  (``总计栏`` / ``分项合计``).
* **One report per agency and year.**  When a corpus holds several reports of one agency-year (the same
  report in two formats), the one with the fewest ambiguous cells, then the most cells, then the
  smallest ``report_id`` is used.
* **Tiny denominators are never ranked.**  A rate whose denominator is below the indicator's
  ``min_denominator`` is shown as 样本不足 and left out of rankings and of the "best"/"worst" lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from . import spec
from .frames import SCHEMAS

POLICY_ZH = (
    "口径说明：表格中空白（未填写）的单元格按 0 计；无法确定数值的单元格不计入、不按 0 计，并单独计数"
    "（合计全部无法确定时显示为“—”）；2019 年以前的旧版格式报告未提取表格，不计入任何统计；"
    "表三、表四各行合计优先取“总计”栏，总计栏空白时取各分项之和；同一机关同一年度有多份报告时只取一份；"
    "比率的分母小于最小样本量时标为“样本不足”，不参与排名。"
)
INSUFFICIENT = "样本不足"
PEERS_LACKING = "同级样本不足"
LEVEL_UNKNOWN = "层级不详，无同级比较"
OLDER = "older"  # the template code of a pre-2019 report (no national tables)
OLDER_ZH = "旧版格式，未提取表格"
OLDER_RULE = "report.older_format"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def known_sum(col: str, alias: str | None = None) -> pl.Expr:
    """Σ of the known (non-null) values of ``col``; null when none is known (unknown is never 0)."""
    c = pl.col(col)
    return pl.when(c.is_not_null().any()).then(c.sum()).otherwise(None).alias(alias or col)


def n_unknown(col: str, alias: str = "n_unknown") -> pl.Expr:
    """How many values of ``col`` are unknown (null) in the group: what an aggregate left out."""
    return pl.col(col).is_null().sum().cast(pl.UInt32).alias(alias)


def unknown_note(n: int | None) -> str:
    """The Chinese note under a table or chart that left unknown values out ('' when none)."""
    return f"含 {int(n):,} 个无法确定的数值，未计入。" if n else ""
RANKED = "已排名"

META_COLS = ("report_id", "agency", "agency_key", "region", "level", "agency_type", "year", "template")

# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Labels

TABLE_ZH = {t: f"表{n}" for t, n in spec.TABLE_NUMBER.items()}

OUTCOMES = ("granted", "partially_granted", "denied", "unavailable", "rejected", "other")
OUTCOME_ZH = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied": "不予公开",
    "unavailable": "无法提供",
    "rejected": "不予处理",
    "other": "其他处理",
}


def _outcome_of(row: str) -> str | None:
    if row in ("granted", "partially_granted"):
        return row
    for prefix, group in (("denied_", "denied"), ("unavailable_", "unavailable"), ("rejected_", "rejected")):
        if row.startswith(prefix):
            return group
    if row == "other" or row.startswith("other_"):
        return "other"
    return None


OUTCOME_GROUP: dict[str, str | None] = {r: _outcome_of(r) for r in sorted(spec.all_row_codes("applications"))}
OUTCOME_ROWS = tuple(r for r, g in OUTCOME_GROUP.items() if g is not None)
APPLICANT_ZH = {c: spec.col_label("applications", c) for c in spec.APPLICANT_COLS}
APPLICANT_ZH["other_org"] = "其他组织"
REVIEW_ZH = {
    "reconsideration": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_reconsideration": "复议后起诉",
}
REVIEW_PART_ZH = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
                  "total": "总计"}


def row_zh(table: str, row: str) -> str:
    """A row's printed label without the template's parenthetical note (（二）部分公开)."""
    return spec.row_display(table, row)


# Column names used in metric frames → Chinese headers (zh() renames; export writes them as definitions).
COLUMN_ZH: dict[str, str] = {
    "agency": "机关", "agency_key": "机关代码", "region": "地区", "level": "层级", "agency_type": "机关类型",
    "year": "年度", "template": "模板", "report_id": "报告编号",
    "outcome": "办理结果代码", "outcome_zh": "办理结果", "reason": "行代码", "reason_zh": "具体情形",
    "count": "件数", "share": "占比", "n_reports": "报告数",
    "applicant": "申请人类型代码", "applicant_zh": "申请人类型",
    "new_received": "本年新收申请", "carried_over": "上年结转", "total_handled": "本年办理总计",
    "carried_forward": "结转下年度", "balance_gap": "收支差额",
    "granted": "予以公开", "partially_granted": "部分公开", "denied": "不予公开", "unavailable": "无法提供",
    "rejected": "不予处理", "other": "其他", "upheld": "结果维持", "corrected": "结果纠正", "pending": "尚未审结",
    "concluded": "已审结", "total": "总计", "total_source": "合计来源",
    "review": "类型代码", "review_zh": "类型", "part": "结果代码", "part_zh": "结果",
    "numerator": "分子", "denominator": "分母", "value": "数值", "rate": "比率", "rank": "名次", "status": "状态",
    "indicator": "指标代码", "indicator_zh": "指标",
    "item": "事项代码", "item_zh": "事项", "measure": "栏目代码", "measure_zh": "栏目", "unit": "单位",
    "series": "可比口径", "series_zh": "口径",
    "channel": "渠道", "category": "类别",
    "rule": "规则", "rule_zh": "规则名称", "severity": "级别", "n_findings": "问题数", "n_agencies": "机关数",
    "report_share": "涉及报告占比",
    "prev_year": "上一年度", "prev_value": "上年数值", "change": "变化", "pct_change": "变化率",
    "prev_report_id": "上年报告编号", "prev_carried_forward": "上年结转下年度", "diff": "差额",
    "where": "位置", "prev_where": "上年位置", "raw": "原文", "prev_raw": "上年原文", "source": "来源文件",
    "peer_median": "同级中位数", "peer_q1": "同级下四分位", "peer_q3": "同级上四分位", "n_peers": "同级机关数",
    "peer_group": "比较组",
    "table": "表", "table_zh": "表名", "row": "行", "col": "列", "expected": "应为", "actual": "实际", "message": "说明",
    "n_cells": "单元格数", "n_ambiguous": "不确定单元格", "n_blank": "空白单元格", "n_reports_ambiguous": "含不确定值的报告",
    "disputes": "复议诉讼总数", "disputes_per_100": "每百件申请复议诉讼数",
}


def zh(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with Chinese column headers (for display and export); unknown columns keep their name."""
    mapping = {c: COLUMN_ZH[c] for c in frame.columns if c in COLUMN_ZH}
    # two codes may share a label (e.g. other/其他): keep the first, suffix the rest
    seen: dict[str, int] = {}
    for c in frame.columns:
        lab = mapping.get(c, c)
        if lab in seen:
            mapping[c] = f"{lab}({c})"
        seen[lab] = 1
    return frame.rename(mapping)


# ---------------------------------------------------------------------------------------------
# The indicator registry


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    definition_zh: str
    numerator: str  # a column of report_indicators()
    denominator: str | None  # None: a count, not a rate
    min_denominator: float = 0
    scale: float = 1.0  # 100 for "per 100"
    higher_is_better: bool | None = None


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("applications_received", "本年新收申请数", "表三 一、本年新收政府信息公开申请数量（总计栏）。",
                  "new_received", None),
        Indicator("total_handled", "本年办理总数", "表三 （七）总计：本年度办理结果之和。", "total_handled", None),
        Indicator("grant_rate", "予以公开率",
                  "予以公开件数 ÷ 本年办理总数（表三（一）÷（七）总计）；分母小于 10 件为样本不足。",
                  "granted", "total_handled", 10, higher_is_better=True),
        Indicator("open_rate", "公开率（含部分公开）",
                  "（予以公开 + 部分公开）÷ 本年办理总数（表三（一）+（二）÷（七））；分母小于 10 件为样本不足。",
                  "opened", "total_handled", 10, higher_is_better=True),
        Indicator("denial_rate", "不予公开率", "不予公开（8 种情形之和）÷ 本年办理总数；分母小于 10 件为样本不足。",
                  "denied", "total_handled", 10, higher_is_better=False),
        Indicator("unavailable_rate", "无法提供率", "无法提供（3 种情形之和）÷ 本年办理总数；分母小于 10 件为样本不足。",
                  "unavailable", "total_handled", 10),
        Indicator("carry_forward_rate", "结转率",
                  "结转下年度继续办理 ÷（本年新收 + 上年结转）；分母小于 10 件为样本不足。",
                  "carried_forward", "received_and_carried", 10, higher_is_better=False),
        Indicator("correction_rate", "复议纠错率",
                  "行政复议结果纠正 ÷ 已审结复议（结果维持 + 结果纠正 + 其他结果，不含尚未审结）；分母小于 3 件为样本不足。",
                  "reconsideration_corrected", "reconsideration_concluded", 3, higher_is_better=False),
        Indicator("litigation_correction_rate", "诉讼纠错率",
                  "行政诉讼（直接起诉 + 复议后起诉）结果纠正 ÷ 已审结诉讼；分母小于 3 件为样本不足。",
                  "litigation_corrected", "litigation_concluded", 3, higher_is_better=False),
        Indicator("litigation_after_reconsideration_share", "复议后起诉比例",
                  "复议后起诉总数 ÷ 行政复议总数：复议后仍诉至法院的比例；分母小于 3 件为样本不足。",
                  "litigation_after_reconsideration_total", "reconsideration_total", 3),
        Indicator("disputes_per_100", "每百件申请复议诉讼数",
                  "（行政复议 + 行政诉讼总数）÷ 本年办理总数 × 100；分母小于 10 件为样本不足。",
                  "disputes", "total_handled", 10, scale=100.0, higher_is_better=False),
    )
}

# Chinese headers for the remaining columns notebooks and dashboards show (indicator codes by their
# names; kept apart from COLUMN_ZH above so the two lists merge easily)
COLUMN_ZH.update({c: i.name_zh for c, i in INDICATORS.items() if c not in COLUMN_ZH})
COLUMN_ZH.update({f"{c}_ok": f"{i.name_zh}样本充足" for c, i in INDICATORS.items() if i.denominator})
COLUMN_ZH.update({
    "reconsideration_total": "行政复议总计", "reconsideration_corrected": "行政复议结果纠正",
    "reconsideration_concluded": "行政复议已审结", "litigation_direct_total": "未经复议直接起诉总计",
    "litigation_after_reconsideration_total": "复议后起诉总计", "after_share": "复议后起诉占复议比例",
    "n_unknown": "无法确定数（未计入）", "n_from_parts": "由分项合计得出的报告数", "comparable": "跨模板可比",
    "expected_template": "应用模板", "format": "格式", "published": "发布日期", "section": "正文部分",
    "stage": "环节", "error": "错误信息", "role": "计入方式", "group": "分组", "n_counted": "计入报告数",
    "n_folded": "并入汇总报告数", "n_duplicates": "重复报告数", "n_missing": "未填该项的报告数",
    "counted": "计入的机关", "evidence": "依据", "old_key": "旧机关代码", "old_name": "旧名称",
    "old_last": "旧名称最后年度", "old_report": "旧名称报告编号", "new_key": "新机关代码", "new_name": "新名称",
    "new_first": "新名称起始年度", "new_report": "新名称报告编号", "note": "说明",
    "name": "名称", "years": "年度", "exceeds": "合计超过本级", "members_reported": "填报该格的所属单位数",
    "members_present": "有报告的所属单位数", "members_registry": "登记的所属单位数", "members_sum": "所属单位合计",
    "consolidated": "汇总报告数值", "consolidated_ambiguous": "汇总数无法确定", "members_ambiguous": "所属单位含无法确定",
})


def indicators_table() -> pl.DataFrame:
    """The registry as a frame (for the 指标定义 sheet and the notebooks)."""
    return pl.DataFrame(
        [{"code": i.code, "name_zh": i.name_zh, "definition_zh": i.definition_zh, "numerator": i.numerator,
          "denominator": i.denominator, "min_denominator": float(i.min_denominator)} for i in INDICATORS.values()],
        schema={"code": pl.String, "name_zh": pl.String, "definition_zh": pl.String, "numerator": pl.String,
                "denominator": pl.String, "min_denominator": pl.Float64},
    )


def definitions(*codes: str) -> dict[str, str]:
    """{name_zh: definition_zh} for indicators (all when none given) plus the policy note: for export()."""
    picked = [INDICATORS[c] for c in codes] if codes else list(INDICATORS.values())
    return {i.name_zh: i.definition_zh for i in picked} | {"口径说明": POLICY_ZH}


# ---------------------------------------------------------------------------------------------
# One row per report: the numbers every indicator is built from


def _sum_row(row: str, col: str = "total") -> pl.Expr:
    return pl.col(col).filter(pl.col("row") == row).sum()


def report_indicators(corpus: Any) -> pl.DataFrame:
    """:func:`report_indicators_lazy`, sorted by agency and year, collected."""
    return report_indicators_lazy(corpus).sort("agency_key", "year").collect()


def report_indicators_lazy(corpus: Any) -> pl.LazyFrame:
    """One row per report (agency-year) with the counts behind every indicator and the rates.

    Counts are null when the report prints no such row (so it drops out of that indicator), 0 when
    printed blank.  Rates are null when the denominator is 0 or null; ``*_ok`` says whether the
    denominator reaches the indicator's ``min_denominator``.
    """
    apps = (
        application_rows(corpus)
        .group_by("report_id")
        .agg(
            *[pl.col("total").filter(pl.col("row") == r).first().alias(r)
              for r in ("new_received", "carried_over", "total_handled", "carried_forward", "granted",
                        "partially_granted")],
            # a group with one unknown row is unknown (not the sum of the known rows)
            *[pl.when(pl.col("total").filter(pl.col("outcome") == g).is_null().any()).then(None)
              .otherwise(pl.col("total").filter(pl.col("outcome") == g).sum()).alias(g)
              for g in ("denied", "unavailable", "rejected", "other")],
            pl.col("row").is_in(["granted", "total_handled"]).any().alias("_has_apps"),
        )
        .with_columns((pl.col("granted") + pl.col("partially_granted")).alias("opened"),
                      (pl.col("new_received") + pl.col("carried_over")).alias("received_and_carried"))
    )
    rev = review_rows(corpus).group_by("report_id").agg(
        *[pl.col(p).filter(pl.col("row") == r).first().alias(f"{r}_{p}")
          for r in spec.REVIEW_ROWS for p in ("upheld", "corrected", "other", "pending", "total", "concluded")],
    )
    lit = [f"litigation_direct_{p}" for p in ("corrected", "concluded", "total")]
    lit2 = [f"litigation_after_reconsideration_{p}" for p in ("corrected", "concluded", "total")]
    out = (
        _meta(corpus)
        .join(apps, on="report_id", how="left")
        .join(rev, on="report_id", how="left")
        .with_columns(
            (pl.col(lit[0]) + pl.col(lit2[0])).alias("litigation_corrected"),
            (pl.col(lit[1]) + pl.col(lit2[1])).alias("litigation_concluded"),
            (pl.col("reconsideration_total") + pl.col(lit[2]) + pl.col(lit2[2])).alias("disputes"),
        )
        .drop("_has_apps")
    )
    rates = []
    for ind in INDICATORS.values():
        if ind.denominator is None:
            continue
        den = pl.col(ind.denominator)
        rates.append(
            pl.when(den > 0).then(pl.col(ind.numerator) / den * ind.scale).otherwise(None).alias(ind.code)
        )
        rates.append((den >= ind.min_denominator).fill_null(False).alias(f"{ind.code}_ok"))
    return out.with_columns(rates)


# ---------------------------------------------------------------------------------------------
# Aggregates


def _share(col: str, keys: list[str]) -> pl.Expr:
    total = pl.col(col).sum().over(keys) if keys else pl.col(col).sum()
    return pl.when(total > 0).then(pl.col(col) / total).otherwise(None).alias("share")


def _by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def applications_by_outcome(corpus: Any, by: str | Sequence[str] = ("year",), *, detail: bool = False) -> pl.DataFrame:
    """表三 办理结果 summed over ``by``: one row per outcome group (予以公开 … 其他处理), or with
    ``detail=True`` one row per template row (不予公开 by reason, etc.).

    Each report's row value is its 总计 column, or the sum of the six applicant columns when 总计 is
    blank (``total_source``); ``n_from_parts`` counts the report-rows that needed the sum.  2019-shape
    （六）其他处理 (one row) and the 2021 three sub-rows both fall in 其他处理.
    """
    keys = _by(by)
    rows = application_rows(corpus).filter(pl.col("outcome").is_not_null())
    group = [*keys, "outcome"] + (["reason"] if detail else [])
    rows = rows.with_columns(pl.col("row").alias("reason"))
    out = (
        rows.group_by(group)
        .agg(known_sum("total", "count"), pl.col("report_id").n_unique().alias("n_reports"),
             (pl.col("total_source") == "分项合计").sum().alias("n_from_parts"),
             n_unknown("total"))
        .with_columns(
            pl.col("outcome").replace_strict(OUTCOME_ZH).alias("outcome_zh"),
            pl.col("outcome").replace_strict({o: i for i, o in enumerate(OUTCOMES)}).alias("_o"),
        )
        .with_columns(_share("count", keys))
    )
    if detail:
        order = {r: float(i) for i, r in enumerate(spec.template("2021")["applications"].row_codes)} | {"other": 19.5}
        out = out.with_columns(
            pl.col("reason").replace_strict({r: row_zh("applications", r) for r in OUTCOME_ROWS}).alias("reason_zh"),
            pl.col("reason").replace_strict(order, default=99.0).alias("_r"),
        )
    sort = [*keys, "_o"] + (["_r"] if detail else [])
    cols = [*keys, "outcome", "outcome_zh"] + (["reason", "reason_zh"] if detail else []) + [
        "count", "share", "n_reports", "n_from_parts", "n_unknown"]
    return out.sort(sort).select(cols).collect()


def applicant_mix(corpus: Any, by: str | Sequence[str] = ("year",), row: str = "new_received") -> pl.DataFrame:
    """表三 ``row`` (default 本年新收) by applicant type, summed over ``by``, with each type's share."""
    keys = _by(by)
    long = (
        application_rows(corpus)
        .filter(pl.col("row") == row)
        .unpivot(index=[*keys, "report_id"], on=list(spec.APPLICANT_COLS), variable_name="applicant", value_name="count")
    )
    order = {c: i for i, c in enumerate(spec.APPLICANT_COLS)}
    return (
        long.group_by([*keys, "applicant"])
        .agg(known_sum("count"), pl.col("report_id").n_unique().alias("n_reports"), n_unknown("count"))
        .with_columns(
            pl.col("applicant").replace_strict(APPLICANT_ZH).alias("applicant_zh"),
            _share("count", keys),
            pl.col("applicant").replace_strict(order).alias("_o"),
        )
        .sort([*keys, "_o"])
        .select(*keys, "applicant", "applicant_zh", "count", "share", "n_reports", "n_unknown")
        .collect()
    )


def received_vs_carried(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """新收、上年结转、办理总计、结转下年度 summed over ``by``, and the balance gap
    (新收 + 上年结转 − 办理总计 − 结转下年度; 0 when every report balances)."""
    keys = _by(by)
    ri = report_indicators(corpus).lazy()
    return (
        ri.group_by(keys or pl.lit(1).alias("_all"))
        .agg(*[known_sum(c) for c in ("new_received", "carried_over", "total_handled", "carried_forward")],
             pl.len().alias("n_reports"),
             pl.any_horizontal([pl.col(c).is_null() for c in ("new_received", "carried_over", "total_handled",
                                                               "carried_forward")]).sum().alias("n_unknown"))
        .with_columns((pl.col("new_received") + pl.col("carried_over") - pl.col("total_handled")
                       - pl.col("carried_forward")).alias("balance_gap"))
        .sort(keys or "_all")
        .drop("_all", strict=False)
        .collect()
    )


def rate(corpus_or_indicators: Any, code: str, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """Indicator ``code`` pooled over ``by``: Σ numerator ÷ Σ denominator (not a mean of rates), with
    the number of reports and ``status`` 样本不足 when the pooled denominator is below the minimum."""
    ind = INDICATORS[code]
    keys = _by(by)
    ri = _indicators_frame(corpus_or_indicators).lazy()
    if ind.denominator is None:
        return (ri.group_by(keys or pl.lit(1).alias("_all"))
                .agg(known_sum(ind.numerator, "value"), pl.col(ind.numerator).is_not_null().sum().alias("n_reports"),
                     n_unknown(ind.numerator))
                .sort(keys or "_all").drop("_all", strict=False).collect())
    valid = pl.col(ind.numerator).is_not_null() & pl.col(ind.denominator).is_not_null()
    return (
        ri.group_by(keys or pl.lit(1).alias("_all"))
        .agg(pl.col(ind.numerator).filter(valid).sum().alias("numerator"),
             pl.col(ind.denominator).filter(valid).sum().alias("denominator"),
             valid.sum().alias("n_reports"), (~valid).sum().cast(pl.UInt32).alias("n_unknown"))
        .with_columns(
            pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator") * ind.scale)
            .otherwise(None).alias("value"),
            pl.when(pl.col("denominator") >= max(ind.min_denominator, 1e-12)).then(pl.lit(RANKED))
            .otherwise(pl.lit(INSUFFICIENT)).alias("status"),
            pl.lit(code).alias("indicator"), pl.lit(ind.name_zh).alias("indicator_zh"),
        )
        .sort(keys or "_all")
        .drop("_all", strict=False)
        .collect()
    )


def _indicators_frame(x: Any) -> pl.DataFrame:
    if isinstance(x, pl.DataFrame) and "report_id" in x.columns and "total_handled" in x.columns:
        return x
    return report_indicators(x)


def grant_rate(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """予以公开率 = 予以公开 ÷ 本年办理总计 (表三（一）÷（七）), pooled over ``by``."""
    return rate(corpus, "grant_rate", by)


def correction_rate(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """复议纠错率 = 结果纠正 ÷ 已审结 (维持 + 纠正 + 其他; 尚未审结 excluded), pooled over ``by``."""
    return rate(corpus, "correction_rate", by)


def reviews_by_outcome(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """表四 long: review type × result (维持/纠正/其他/尚未审结) summed over ``by``."""
    keys = _by(by)
    parts = list(spec.REVIEW_PARTS)
    return (
        review_rows(corpus)
        .unpivot(index=[*keys, "report_id", "row"], on=parts, variable_name="part", value_name="count")
        .group_by([*keys, "row", "part"])
        .agg(pl.col("count").sum(), pl.col("report_id").n_unique().alias("n_reports"))
        .rename({"row": "review"})
        .with_columns(
            pl.col("review").replace_strict(REVIEW_ZH, default=pl.col("review")).alias("review_zh"),
            pl.col("part").replace_strict(REVIEW_PART_ZH).alias("part_zh"),
            pl.col("review").replace_strict({r: i for i, r in enumerate(spec.REVIEW_ROWS)}, default=9).alias("_r"),
            pl.col("part").replace_strict({p: i for i, p in enumerate(parts)}).alias("_p"),
        )
        .sort([*keys, "_r", "_p"])
        .select(*keys, "review", "review_zh", "part", "part_zh", "count", "n_reports")
        .collect()
    )


def litigation_after_reconsideration(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """复议 → 复议后起诉 over ``by``: 复议总数, 复议纠错, 复议后起诉总数 and its results, the share of
    reconsiderations that went on to court, and disputes per 100 applications handled."""
    keys = _by(by)
    ri = report_indicators(corpus).lazy()
    cols = ["reconsideration_total", "reconsideration_corrected", "reconsideration_concluded",
            "litigation_direct_total", "litigation_after_reconsideration_total",
            "litigation_after_reconsideration_upheld", "litigation_after_reconsideration_corrected",
            "litigation_after_reconsideration_concluded", "disputes", "total_handled"]
    return (
        ri.group_by(keys or pl.lit(1).alias("_all"))
        .agg(*[pl.col(c).sum() for c in cols], pl.len().alias("n_reports"))
        .with_columns(
            pl.when(pl.col("reconsideration_total") > 0)
            .then(pl.col("litigation_after_reconsideration_total") / pl.col("reconsideration_total"))
            .alias("after_share"),
            pl.when(pl.col("reconsideration_concluded") > 0)
            .then(pl.col("reconsideration_corrected") / pl.col("reconsideration_concluded"))
            .alias("correction_rate"),
            pl.when(pl.col("total_handled") > 0).then(pl.col("disputes") / pl.col("total_handled") * 100)
            .alias("disputes_per_100"),
        )
        .sort(keys or "_all")
        .drop("_all", strict=False)
        .collect()
    )


# 表二: the 2019 → 2021 column change, harmonised where the two columns mean the same thing
PROACTIVE_SERIES: dict[tuple[str, str], tuple[str, str, bool]] = {
    # (template, col) -> (series, series_zh, comparable across the break)
    ("2019", "new_made"): ("issued", "本年制发（2019版：本年新制作数量）", True),
    ("2021", "issued"): ("issued", "本年制发（2019版：本年新制作数量）", True),
    ("2019", "new_published"): ("new_published", "本年新公开数量（仅2019版）", False),
    ("2019", "total_published"): ("total_published", "对外公开总数量（仅2019版）", False),
    ("2021", "repealed"): ("repealed", "本年废止件数（仅2021版）", False),
    ("2021", "in_force"): ("in_force", "现行有效件数（仅2021版）", False),
    ("2019", "decisions"): ("decisions", "处理决定数量", True),
    ("2021", "decisions"): ("decisions", "处理决定数量", True),
    ("2019", "prev_count"): ("prev_count", "上一年项目数量（仅2019版）", False),
    ("2019", "change"): ("change", "本年增/减（仅2019版）", False),
    ("2019", "projects"): ("projects", "采购项目数量（仅2019版）", False),
    ("2019", "amount"): ("procurement_amount", "采购总金额（万元，仅2019版）", False),
    ("2021", "amount"): ("fee_amount", "收费金额（万元，仅2021版）", False),
}
PROACTIVE_NOTE_ZH = (
    "表二 2019 版与 2021 版栏目不同：规章、规范性文件 2019 版为“本年新制作/本年新公开/对外公开总数量”，"
    "2021 版为“本年制发/本年废止/现行有效”；许可、处罚、强制两版均有“处理决定数量”；"
    "行政事业性收费 2019 版为项目数，2021 版为收费金额（万元）；政府集中采购仅 2019 版有。"
    "只有“本年制发（新制作）”与“处理决定数量”跨模板可比。"
)


def proactive_items_by_year(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.DataFrame:
    """表二 items summed over ``by`` (include ``year``): item × column with the template, unit, and a
    harmonised ``series`` (``comparable`` says whether it means the same before and after 2021)."""
    return proactive_items_lazy(corpus, by).collect()


def proactive_items_lazy(corpus: Any, by: str | Sequence[str] = ("year",)) -> pl.LazyFrame:
    """:func:`proactive_items_by_year` as a lazy query (for streaming pre-aggregation)."""
    keys = _by(by)
    if "template" not in keys:
        keys_t = [*keys, "template"]
    else:
        keys_t = keys
    mapping = pl.DataFrame(
        [{"template": t, "col": c, "series": s, "series_zh": z, "comparable": k}
         for (t, c), (s, z, k) in PROACTIVE_SERIES.items()]
    ).lazy()
    units = pl.DataFrame(
        [{"template": t, "row": r.code, "col": c.code, "unit": c.unit, "measure_zh": c.leaf}
         for t in spec.TEMPLATES for r in spec.template(t)["proactive"].rows for c in r.cols]
    ).lazy()
    item_order = {r: i for i, r in enumerate(
        ["regulations", "normative_documents", "licensing", "other_services", "penalties", "coercion", "fees",
         "procurement"])}
    return (
        cell_values(corpus, "proactive", keep_unknown=True)
        .group_by([*keys_t, "row", "col"])
        .agg(known_sum("value"), pl.col("report_id").n_unique().alias("n_reports"), n_unknown("value"))
        .join(mapping, on=["template", "col"], how="left")
        .join(units, on=["template", "row", "col"], how="left")
        .with_columns(
            pl.col("series").fill_null(pl.col("col")),
            pl.col("series_zh").fill_null(pl.col("col")),
            pl.col("comparable").fill_null(False),
            pl.col("row").replace_strict({r: row_zh("proactive", r) for r in spec.all_row_codes("proactive")},
                                         default=pl.col("row")).alias("item_zh"),
            pl.col("row").replace_strict(item_order, default=99).alias("_o"),
        )
        .rename({"row": "item", "col": "measure"})
        .sort([*keys_t, "_o", "measure"])
        .select(*keys_t, "item", "item_zh", "measure", "measure_zh", "series", "series_zh", "comparable", "unit",
                "value", "n_reports", "n_unknown")
    )


def narrative_categories(corpus: Any, by: str | Sequence[str] = ("year",), *, measure: str = "proactive_items",
                         top: int | None = 12) -> pl.DataFrame:
    """Volumes the reports *state in their text* (narrative frame) by category, summed over ``by``.

    Only parts are summed (category ``总计`` and other stated totals are left out, so nothing is
    counted twice); with ``top`` the rarer categories are folded into 「其他类别」.
    """
    keys = _by(by)
    nar = (
        _lazy(corpus, "narrative")
        .filter((pl.col("measure") == measure) & pl.col("category").is_not_null() & (pl.col("category") != "总计"))
        .join(_meta(corpus), on="report_id", how="inner")
    )
    if top is not None:
        ranked = (nar.group_by("category").agg(pl.col("count").sum().alias("_t"))
                  .sort(["_t", "category"], descending=[True, False]).head(top).select("category"))
        nar = nar.join(ranked.with_columns(pl.lit(True).alias("_keep")), on="category", how="left").with_columns(
            pl.when(pl.col("_keep")).then(pl.col("category")).otherwise(pl.lit("其他类别")).alias("category"))
    return (
        nar.group_by([*keys, "category"])
        .agg(pl.col("count").sum(), pl.col("report_id").n_unique().alias("n_reports"))
        .with_columns((pl.col("category") == "其他类别").alias("_last"))
        .sort([*keys, "_last", "count", "category"], descending=[False] * len(keys) + [False, True, False])
        .drop("_last")
        .collect()
    )


def narrative_totals(corpus: Any, by: str | Sequence[str] = ("year",), *, measure: str = "proactive_items") -> pl.DataFrame:
    """The stated totals (category 总计) summed over ``by`` (first stated total per report and channel)."""
    keys = _by(by)
    return (
        _lazy(corpus, "narrative")
        .filter((pl.col("measure") == measure) & (pl.col("category") == "总计"))
        .join(_meta(corpus), on="report_id", how="inner")
        .group_by([*keys]).agg(pl.col("count").sum(), pl.col("report_id").n_unique().alias("n_reports"))
        .sort(keys)
        .collect()
    )


def by_group(corpus: Any, code: str, group: str = "level", *, year: int | None = None) -> pl.DataFrame:
    """Indicator ``code`` pooled by ``group`` (level / region / agency_type …), optionally for one year."""
    ri = _indicators_frame(corpus)
    if year is not None:
        ri = ri.filter(pl.col("year") == year)
    return rate(ri, code, (group,))


# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Findings and data quality


def _rules_zh() -> pl.LazyFrame:
    try:
        from .checks import rules_table
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


# ---------------------------------------------------------------------------------------------
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
