"""Corpus-scope rules: one agency's consecutive years, as polars joins (their functions take
frames; see :func:`gxlib.checks.check_corpus`)."""

from __future__ import annotations

import re

import polars as pl

from .. import frames, spec
from .base import RULES, _rule, col_zh, row_zh

def _fmt_expr(e: pl.Expr) -> pl.Expr:
    return (
        pl.when(e.is_null())
        .then(pl.lit("空白"))
        .when(e == e.round(0))
        .then(e.cast(pl.Int64).cast(pl.String))
        .otherwise(e.cast(pl.String))
    )


def _col_zh_expr(table: str, e: pl.Expr) -> pl.Expr:
    cols = {c for t in spec.TEMPLATES for r in spec.template(t)[table].rows for c in r.col_codes}
    return e.replace_strict({c: col_zh(table, c) for c in cols}, default=e, return_dtype=pl.String)


def _keyed(reports: pl.DataFrame) -> pl.DataFrame:
    name = pl.col("agency") if "agency" in reports.columns else pl.lit(None, pl.String).alias("agency")
    return (
        reports.select("report_id", "agency_key", pl.col("year").cast(pl.Int32), "template", name)
        .filter(pl.col("agency_key").is_not_null() & pl.col("year").is_not_null())
        .unique("report_id")
    )


def _findings_frame(df: pl.DataFrame, rule: str) -> pl.DataFrame:
    r = RULES[rule]
    return df.select(
        pl.col("report_id"),
        pl.lit(rule).alias("rule"),
        pl.lit(r.severity).alias("severity"),
        *(pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, pl.String).alias(c)
          for c in ("table", "row", "col")),
        *(pl.col(c).cast(pl.Float64) if c in df.columns else pl.lit(None, pl.Float64).alias(c)
          for c in ("expected", "actual")),
        pl.col("message"),
    ).cast(dict(frames.FINDINGS))


@_rule("cross_year.carry_over", "error", "corpus", "上年结转 = 上年报告的结转下年度",
       "表三 二、上年结转 {col} 印为 {actual}，但 {prev_year} 年报告 四、结转下年度继续办理 {col} 为 {expected}")
def _carry_over(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """Same agency (``agency_key``), consecutive years: this year's 表三 二 上年结转 = last year's
    四 结转下年度继续办理, per column and 总计.  Blank counts 0; a blank 总计 stands for the sum of
    its row's applicant cells; both blank, or either ambiguous, is not checked.  When an agency has several reports for last year,
    this year's cell is flagged only when it matches none of them."""
    keyed = _keyed(reports)
    app = cells.filter(pl.col("table") == "applications").join(keyed, on="report_id")
    # a 总计 cell left blank stands for the sum of its row's applicant cells (0 for a blank row)
    parts = pl.col("value").filter(pl.col("col") != "total").sum().over("report_id", "row")
    app = app.with_columns(
        value=pl.when((pl.col("col") == "total") & pl.col("value").is_null()).then(parts).otherwise(pl.col("value"))
    )
    cur = app.filter(pl.col("row") == "carried_over").select(
        "report_id", "agency_key", "year", "col", cur=pl.col("value"), cur_amb=pl.col("ambiguous").fill_null(False),
        cur_name="agency",
    )
    prev = app.filter(pl.col("row") == "carried_forward").select(
        "agency_key", (pl.col("year") + 1).alias("year"), "col", prev=pl.col("value"),
        prev_amb=pl.col("ambiguous").fill_null(False), prev_name="agency",
    )
    j = cur.join(prev, on=["agency_key", "year", "col"]).filter(
        ~pl.col("cur_amb") & ~pl.col("prev_amb")
        & ~(pl.col("cur").is_null() & pl.col("prev").is_null())
    )
    j = j.with_columns(ok=(pl.col("cur").fill_null(0) - pl.col("prev").fill_null(0)).abs() < 1e-6)
    g = (
        j.group_by("report_id", "col", "year")
        .agg(pl.col("ok").any(), pl.col("cur").fill_null(0).first().alias("actual"),
             pl.col("prev").fill_null(0).first().alias("expected"),
             renamed=pl.col("prev_name").filter(pl.col("prev_name") != pl.col("cur_name")).first())
        .filter(~pl.col("ok"))
    )
    msg = RULES["cross_year.carry_over"].message
    g = g.with_columns(
        table=pl.lit("applications"), row=pl.lit("carried_over"),
        message=pl.format(
            re.sub(r"\{\w+\}", "{}", msg),
            _col_zh_expr("applications", pl.col("col")), _fmt_expr(pl.col("actual")),
            (pl.col("year") - 1).cast(pl.String), _col_zh_expr("applications", pl.col("col")),
            _fmt_expr(pl.col("expected")),
        )
        # the registry keeps one key across a rename: say which name last year's report printed
        + pl.when(pl.col("renamed").is_not_null()).then(pl.format("（上年报告署名「{}」）", pl.col("renamed")))
        .otherwise(pl.lit("")),
    )
    return _findings_frame(g.sort("report_id", "col"), "cross_year.carry_over")


@_rule("cross_year.in_force", "warning", "corpus", "现行有效件数 = 上年 + 本年制发 − 本年废止",
       "表二 {row} 现行有效件数 印为 {actual}，但 {prev_year} 年 {prev} + 本年制发 {issued} − 本年废止 {repealed} = {expected}")
def _in_force(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """2021 template, same agency, consecutive years: this year's 现行有效件数 = last year's +
    本年制发件数 − 本年废止件数 (规章, 行政规范性文件).  A blank or ambiguous 现行有效件数 (either
    year) is not checked; a blank 制发/废止 counts 0.  A warning: clean-ups of old documents do
    not always show in 废止."""
    keyed = _keyed(reports).filter(pl.col("template") == "2021")
    p = cells.filter(
        (pl.col("table") == "proactive") & pl.col("row").is_in(["regulations", "normative_documents"])
    ).join(keyed, on="report_id")

    def pick(col: str, name: str) -> list[pl.Expr]:
        sel = pl.col("col") == col
        return [pl.col("value").filter(sel).first().alias(name),
                pl.col("ambiguous").fill_null(False).filter(sel).any().alias(name + "_amb"),
                sel.any().alias(name + "_has")]

    w = p.group_by("report_id", "agency_key", "year", "row").agg(
        *pick("issued", "issued"), *pick("repealed", "repealed"), *pick("in_force", "in_force")
    )
    prev = w.select("agency_key", (pl.col("year") + 1).alias("year"), "row", prev=pl.col("in_force"),
                    prev_amb=pl.col("in_force_amb"))
    j = w.join(prev, on=["agency_key", "year", "row"]).filter(
        pl.col("in_force").is_not_null() & pl.col("prev").is_not_null()
        & ~pl.col("in_force_amb") & ~pl.col("prev_amb") & ~pl.col("issued_amb") & ~pl.col("repealed_amb")
    )
    j = j.with_columns(
        expected=pl.col("prev") + pl.col("issued").fill_null(0) - pl.col("repealed").fill_null(0),
    ).with_columns(ok=(pl.col("expected") - pl.col("in_force")).abs() < 1e-6)
    g = (
        j.group_by("report_id", "row", "year")
        .agg(pl.col("ok").any(), pl.col("in_force").first().alias("actual"), pl.col("expected").first(),
             pl.col("prev").first(), pl.col("issued").fill_null(0).first(), pl.col("repealed").fill_null(0).first())
        .filter(~pl.col("ok"))
    )
    row_names = {r: row_zh("proactive", r, "2021") for r in ("regulations", "normative_documents")}
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["cross_year.in_force"].message)
    g = g.with_columns(
        table=pl.lit("proactive"), col=pl.lit("in_force"),
        message=pl.format(tmpl, pl.col("row").replace_strict(row_names, default=pl.col("row")),
                          _fmt_expr(pl.col("actual")), (pl.col("year") - 1).cast(pl.String),
                          _fmt_expr(pl.col("prev")), _fmt_expr(pl.col("issued")), _fmt_expr(pl.col("repealed")),
                          _fmt_expr(pl.col("expected"))),
    )
    return _findings_frame(g.sort("report_id", "row"), "cross_year.in_force")


@_rule("plausibility.copy_paste", "warning", "corpus", "表三与上年完全相同",
       "表三 与 {prev_year} 年报告（{prev_id}）逐格完全相同（{n} 格，且非全零/空白），疑为照抄上年")
def _copy_paste(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """表三 identical, cell for cell, to the same agency's previous-year report, and non-trivially so
    (not all zero/blank).  Reports with ambiguous 表三 cells are not compared."""
    keyed = _keyed(reports)
    # one fingerprint per report (its 表三 cells, sorted), so years are compared report to report,
    # not cell to cell: the join stays the size of the reports frame on a 100k-report corpus
    cell_text = pl.concat_str([pl.col("row"), pl.col("col"), pl.col("value").cast(pl.String).fill_null("∅")],
                              separator="|")
    per = (
        cells.filter(pl.col("table") == "applications")
        .group_by("report_id")
        .agg(
            n=pl.len(), amb=pl.col("ambiguous").fill_null(False).any(),
            nonzero=(pl.col("value").fill_null(0) != 0).any(),
            fp=cell_text.sort().str.join(";").hash(),
        )
        .join(keyed, on="report_id")
    )
    prev = per.select(prev_id=pl.col("report_id"), agency_key="agency_key", year=pl.col("year") + 1,
                      fp="fp", amb_prev="amb")
    pairs = per.join(prev, on=["agency_key", "year", "fp"]).filter(
        ~pl.col("amb") & ~pl.col("amb_prev") & pl.col("nonzero")
    )
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["plausibility.copy_paste"].message)
    g = pairs.with_columns(
        table=pl.lit("applications"),
        message=pl.format(tmpl, (pl.col("year") - 1).cast(pl.String), pl.col("prev_id"), pl.col("n").cast(pl.String)),
    )
    return _findings_frame(g.sort("report_id"), "plausibility.copy_paste")


@_rule("plausibility.outlier", "info", "corpus", "申请量异常",
       "表三 一、本年新收 总计 为 {actual}，超过本机关其他年度中位数 {median} 的 10 倍")
def _outlier(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """表三 一 本年新收 总计 is more than 10× the agency's own median over its other years, and at
    least 50.  The 总计 is the printed one, else the sum of the applicant columns."""
    keyed = _keyed(reports)
    nr = cells.filter((pl.col("table") == "applications") & (pl.col("row") == "new_received")).join(
        keyed, on="report_id"
    )
    per = nr.group_by("report_id", "agency_key", "year").agg(
        total=pl.col("value").filter(pl.col("col") == "total").first(),
        parts=pl.col("value").filter(pl.col("col") != "total").sum(),
        any_part=pl.col("value").filter(pl.col("col") != "total").is_not_null().any(),
        amb=pl.col("ambiguous").fill_null(False).any(),
    ).with_columns(
        v=pl.when(pl.col("total").is_not_null()).then(pl.col("total"))
        .when(pl.col("any_part")).then(pl.col("parts")).otherwise(None)
    ).filter(pl.col("v").is_not_null() & ~pl.col("amb"))
    others = per.select("agency_key", other_year=pl.col("year"), other_v=pl.col("v"))
    g = (
        per.join(others, on="agency_key")
        .filter(pl.col("other_year") != pl.col("year"))
        .group_by("report_id", "v")
        .agg(median=pl.col("other_v").median())
        .filter((pl.col("v") > 10 * pl.col("median")) & (pl.col("v") >= 50))
    )
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["plausibility.outlier"].message)
    g = g.with_columns(
        table=pl.lit("applications"), row=pl.lit("new_received"), col=pl.lit("total"),
        expected=pl.col("median"), actual=pl.col("v"),
        message=pl.format(tmpl, _fmt_expr(pl.col("v")), _fmt_expr(pl.col("median"))),
    )
    return _findings_frame(g.sort("report_id"), "plausibility.outlier")
