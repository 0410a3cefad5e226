"""One row of numbers per report (:func:`report_indicators`) and the aggregates built from them: outcomes,
applicants, rates, reviews, 表二 across the template change, narrative."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from .. import spec
from .labels import (
    APPLICANT_ZH, INDICATORS, OUTCOMES, OUTCOME_ROWS, OUTCOME_ZH, REVIEW_PART_ZH, REVIEW_ZH, row_zh,
)
from .conventions import INSUFFICIENT, RANKED, known_sum, n_unknown
from .inputs import _lazy, _meta, application_rows, cell_values, review_rows


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
