"""Altair chart builders shared by the notebooks and the dashboards.

Each builder takes an *aggregated* frame from :mod:`gxlib.metrics` and returns a :class:`Figure`
``(chart, frame)``: the altair chart and the exact frame it draws, so a notebook or dashboard can
show the numbers beside the chart (``metrics.zh(fig.frame)``) and a test can assert on them.

* One theme (``gxlib``, enabled on import): Chinese titles, a CJK font stack, tooltips with exact
  numbers.
* Every trend over years marks the 2019 → 2021 template change: a dashed rule at 2020.5 labelled
  「模板变更 2021」 (:func:`template_break`).
* Charts never ship raw rows: a builder refuses a frame of ``MAX_ROWS`` rows or more.
* ``enable_offline()`` makes the "jupyter" renderer embed the vega bundle (works offline in Voilà);
  :func:`svg` renders a chart to static SVG with vl-convert (small notebooks, reports).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import altair as alt
import polars as pl

from . import metrics

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
MAX_ROWS = 5000
TEMPLATE_BREAK_YEAR = 2020.5
TEMPLATE_BREAK_LABEL = "模板变更 2021"
WIDTH, HEIGHT = 520, 280
OUTCOME_COLORS = {
    "予以公开": "#2f7ebc", "部分公开": "#7fb8e0", "不予公开": "#d9534f", "无法提供": "#f0ad4e",
    "不予处理": "#8e6fb5", "其他处理": "#9e9e9e",
}


class Figure(NamedTuple):
    """A chart and the aggregated frame behind it (``chart, frame = builder(...)``)."""

    chart: alt.TopLevelMixin
    frame: pl.DataFrame

    def _repr_mimebundle_(self, include=None, exclude=None):  # display(fig) shows the chart
        return self.chart._repr_mimebundle_(include=include, exclude=exclude)


# ---------------------------------------------------------------------------------------------
# Theme and renderers


@alt.theme.register("gxlib", enable=False)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "title": {"font": FONT, "fontSize": 15, "anchor": "start", "subtitleColor": "#555"},
            "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 12,
                     "gridColor": "#e6e6e6"},
            "header": {"labelFont": FONT, "titleFont": FONT},
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelLimit": 260},
            "text": {"font": FONT},
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "range": {"category": ["#2f7ebc", "#f0ad4e", "#5cb85c", "#d9534f", "#8e6fb5", "#9e9e9e",
                                   "#17becf", "#bcbd22", "#e377c2", "#8c564b"]},
        }
    }


def use_theme() -> None:
    """Enable the gxlib theme (done on import; call again if something else changed it)."""
    alt.theme.enable("gxlib")


def enable_offline() -> None:
    """Render charts as self-contained widgets (the vega bundle is embedded; no network needed)."""
    use_theme()
    alt.renderers.enable("jupyter", offline=True)


use_theme()


def svg(chart: alt.TopLevelMixin | Figure) -> str:
    """The chart as static SVG text (vl-convert; deterministic, no JavaScript)."""
    import vl_convert as vlc

    if isinstance(chart, Figure):
        chart = chart.chart
    return vlc.vegalite_to_svg(chart.to_dict())


def png(chart: alt.TopLevelMixin | Figure, scale: float = 1.0) -> bytes:
    """The chart as PNG bytes (vl-convert)."""
    import vl_convert as vlc

    if isinstance(chart, Figure):
        chart = chart.chart
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def static(chart: alt.TopLevelMixin | Figure, fmt: str = "png"):
    """An IPython image for ``display``: a static chart (no widget, no vega bundle in the notebook).
    PNG by default: nbval does not compare PNG bytes (font rendering differs between machines), so
    put the chart's numbers in a table next to it and assert on ``fig.frame``."""
    from IPython.display import SVG, Image

    return SVG(svg(chart)) if fmt == "svg" else Image(png(chart))


def has_template_break(spec: Any) -> bool:
    """Whether a chart spec (``chart.to_dict()``) draws the template-change rule at 2020.5."""
    if isinstance(spec, alt.TopLevelMixin):
        spec = spec.to_dict()
    datasets = spec.get("datasets", {}) if isinstance(spec, dict) else {}

    def rows_of(data: Any) -> list:
        if not isinstance(data, dict):
            return []
        return datasets.get(data.get("name", ""), []) or data.get("values", []) or []

    def walk(node: Any, inherited: list) -> bool:
        if isinstance(node, dict):
            rows = rows_of(node.get("data")) or inherited
            mark = node.get("mark")
            mtype = mark.get("type") if isinstance(mark, dict) else mark
            if mtype == "rule" and any(isinstance(r, dict) and r.get("year") == TEMPLATE_BREAK_YEAR for r in rows):
                return True
            return any(walk(v, rows) for k, v in node.items() if k not in ("datasets", "data"))
        if isinstance(node, list):
            return any(walk(v, inherited) for v in node)
        return False

    return walk(spec, [])


def data_rows(spec: Any) -> int:
    """The largest number of rows any dataset of a chart spec embeds (charts stay < MAX_ROWS)."""
    if isinstance(spec, alt.TopLevelMixin):
        spec = spec.to_dict()
    sizes = [len(v) for v in spec.get("datasets", {}).values()]
    return max(sizes, default=0)


# ---------------------------------------------------------------------------------------------
# Helpers


def _guard(frame: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"charts take an aggregated polars DataFrame, not {type(frame).__name__}")
    if frame.height >= MAX_ROWS:
        raise ValueError(f"a chart must draw aggregated data (< {MAX_ROWS} rows), got {frame.height}")
    return frame


def _year_scale(frame: pl.DataFrame, col: str = "year") -> alt.Scale:
    years = frame[col].drop_nulls() if col in frame.columns and frame.height else pl.Series([2019, 2025])
    lo = min(int(years.min()), 2020) if years.len() else 2019
    hi = max(int(years.max()), 2021) if years.len() else 2025
    return alt.Scale(domain=[lo - 0.5, hi + 0.5], nice=False, zero=False)


def _x_year(frame: pl.DataFrame, col: str = "year") -> alt.X:
    return alt.X(f"{col}:Q", title="年度", scale=_year_scale(frame, col),
                 axis=alt.Axis(format="d", tickMinStep=1, values=_year_ticks(frame, col)))


def _year_ticks(frame: pl.DataFrame, col: str) -> list[int]:
    scale = _year_scale(frame, col).to_dict()["domain"]
    return list(range(int(scale[0] + 0.5), int(scale[1] - 0.5) + 1))


def template_break(label: str = TEMPLATE_BREAK_LABEL) -> alt.LayerChart:
    """The 2019 → 2021 template change as a layer: a dashed rule at 2020.5 and its label."""
    mark = pl.DataFrame({"year": [TEMPLATE_BREAK_YEAR], "label": [label]})
    base = alt.Chart(mark)
    rule = base.mark_rule(strokeDash=[5, 4], color="#888", strokeWidth=1.2).encode(
        x=alt.X("year:Q"), tooltip=[alt.Tooltip("label:N", title="说明")]
    )
    text = base.mark_text(align="left", baseline="top", dx=4, dy=2, color="#666", fontSize=11, font=FONT).encode(
        x=alt.X("year:Q"), y=alt.value(0), text="label:N"
    )
    return rule + text


def _with_break(chart: alt.Chart) -> alt.LayerChart:
    return alt.layer(chart, template_break())


def _pct(col: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{col}:Q", title=title, format=".1%")


def _num(col: str, title: str, fmt: str = ",.0f") -> alt.Tooltip:
    return alt.Tooltip(f"{col}:Q", title=title, format=fmt)


def _legend_toggle(field: str, name: str) -> alt.Parameter:
    return alt.selection_point(name=name, fields=[field], bind="legend")


# ---------------------------------------------------------------------------------------------
# 依申请公开


def outcome_trend(frame: pl.DataFrame, title: str = "依申请公开办理结果（按年度）") -> Figure:
    """Stacked bars of 表三 outcome groups by year (metrics.applications_by_outcome(by=("year",)));
    click the legend to highlight an outcome."""
    df = _guard(frame.select("year", "outcome", "outcome_zh", "count", "share", "n_reports"))
    sel = _legend_toggle("outcome_zh", "outcome_pick")
    order = list(metrics.OUTCOME_ZH.values())
    bars = (
        alt.Chart(df)
        .mark_bar(size=26)
        .encode(
            x=_x_year(df),
            y=alt.Y("count:Q", title="件数", stack="zero"),
            color=alt.Color("outcome_zh:N", title="办理结果", sort=order,
                            scale=alt.Scale(domain=order, range=[OUTCOME_COLORS[o] for o in order])),
            order=alt.Order("outcome_order:Q"),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.25)),
            tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("outcome_zh:N", title="办理结果"),
                     _num("count", "件数"), _pct("share", "占当年办理总数"), _num("n_reports", "报告数")],
        )
        .transform_calculate(outcome_order=f"indexof({order!r}, datum.outcome_zh)")
        .add_params(sel)
    )
    return Figure(_with_break(bars).properties(title=title, width=WIDTH, height=HEIGHT), df)


def outcome_detail(frame: pl.DataFrame, title: str = "办理结果的具体情形") -> Figure:
    """Horizontal bars per template row (metrics.applications_by_outcome(by=(), detail=True))."""
    df = _guard(frame.select("outcome", "outcome_zh", "reason", "reason_zh", "count", "share"))
    order = list(metrics.OUTCOME_ZH.values())
    sel = _legend_toggle("outcome_zh", "detail_pick")
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("reason_zh:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("count:Q", title="件数"),
            color=alt.Color("outcome_zh:N", title="办理结果", sort=order,
                            scale=alt.Scale(domain=order, range=[OUTCOME_COLORS[o] for o in order])),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.25)),
            tooltip=[alt.Tooltip("outcome_zh:N", title="办理结果"), alt.Tooltip("reason_zh:N", title="具体情形"),
                     _num("count", "件数"), _pct("share", "占办理总数")],
        )
        .add_params(sel)
        .properties(title=title, width=WIDTH - 120, height=alt.Step(16))
    )
    return Figure(chart, df)


def rate_trend(frame: pl.DataFrame, title: str | None = None, *, color: str | None = None,
               value_format: str = ".1%") -> Figure:
    """A rate over years (metrics.rate / grant_rate / correction_rate output), one line per ``color``
    group if given; pooled denominators below the minimum are drawn as hollow points (样本不足)."""
    cols = ["year", "numerator", "denominator", "value", "status", "n_reports", "indicator_zh"] + ([color] if color else [])
    df = _guard(frame.select(cols))
    name = df["indicator_zh"][0] if df.height else "比率"
    enc: dict[str, Any] = {"x": _x_year(df), "y": alt.Y("value:Q", title=name, axis=alt.Axis(format=value_format))}
    tips = [alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("value:Q", title=name, format=value_format),
            _num("numerator", "分子", ",.2f"), _num("denominator", "分母", ",.2f"), alt.Tooltip("status:N", title="状态"),
            _num("n_reports", "报告数")]
    layers = []
    if color:
        sel = _legend_toggle(color, "rate_pick")
        enc["color"] = alt.Color(f"{color}:N", title=metrics.COLUMN_ZH.get(color, color))
        tips.insert(1, alt.Tooltip(f"{color}:N", title=metrics.COLUMN_ZH.get(color, color)))
        line = alt.Chart(df).mark_line().encode(**enc, opacity=alt.condition(sel, alt.value(1), alt.value(0.15))).add_params(sel)
    else:
        line = alt.Chart(df).mark_line(color="#2f7ebc").encode(**enc)
    layers.append(line)
    points = alt.Chart(df).mark_point(size=60, filled=True).encode(
        **enc,
        fill=alt.condition(alt.datum.status == metrics.INSUFFICIENT, alt.value("white"),
                           alt.value("#2f7ebc") if not color else alt.Color(f"{color}:N")),
        tooltip=tips,
    )
    layers.append(points)
    chart = alt.layer(*layers, template_break()).properties(title=title or f"{name}（按年度）", width=WIDTH, height=HEIGHT)
    return Figure(chart, df)


def applicant_mix_chart(frame: pl.DataFrame, title: str = "申请人构成（本年新收申请）") -> Figure:
    """Shares of applicant types by year (metrics.applicant_mix(by=("year",)))."""
    df = _guard(frame.select("year", "applicant", "applicant_zh", "count", "share"))
    order = list(metrics.APPLICANT_ZH.values())
    sel = _legend_toggle("applicant_zh", "applicant_pick")
    bars = (
        alt.Chart(df)
        .mark_bar(size=26)
        .encode(
            x=_x_year(df),
            y=alt.Y("count:Q", title="占比", stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color("applicant_zh:N", title="申请人", sort=order),
            order=alt.Order("applicant_order:Q"),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.25)),
            tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("applicant_zh:N", title="申请人"),
                     _num("count", "件数"), _pct("share", "占比")],
        )
        .transform_calculate(applicant_order=f"indexof({order!r}, datum.applicant_zh)")
        .add_params(sel)
    )
    return Figure(_with_break(bars).properties(title=title, width=WIDTH, height=HEIGHT), df)


RECEIVED_ZH = {"new_received": "本年新收", "carried_over": "上年结转", "total_handled": "本年办理总计",
               "carried_forward": "结转下年度"}


def received_carried_chart(frame: pl.DataFrame, title: str = "申请的收、办、转（按年度）") -> Figure:
    """新收 / 上年结转 / 办理总计 / 结转下年度 over years (metrics.received_vs_carried(by=("year",)))."""
    long = _guard(
        frame.select("year", *RECEIVED_ZH)
        .unpivot(index="year", variable_name="measure", value_name="count")
        .with_columns(pl.col("measure").replace_strict(RECEIVED_ZH).alias("measure_zh"))
    )
    sel = _legend_toggle("measure_zh", "flow_pick")
    enc = dict(x=_x_year(long), y=alt.Y("count:Q", title="件数"),
               color=alt.Color("measure_zh:N", title="项目", sort=list(RECEIVED_ZH.values())),
               opacity=alt.condition(sel, alt.value(1.0), alt.value(0.15)))
    line = alt.Chart(long).mark_line(point=True).encode(
        **enc, tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("measure_zh:N", title="项目"),
                        _num("count", "件数")]).add_params(sel)
    return Figure(_with_break(line).properties(title=title, width=WIDTH, height=HEIGHT), long)


# ---------------------------------------------------------------------------------------------
# 主动公开


def proactive_trend(frame: pl.DataFrame, title: str = "主动公开：表二事项（可比口径）") -> Figure:
    """表二 items over years, comparable series only (本年制发/新制作, 处理决定数量), from
    metrics.proactive_items_by_year(by=("year",)).  Click an item in the left bars to filter the
    trend on the right."""
    df = _guard(
        frame.filter(pl.col("comparable"))
        .group_by("year", "item", "item_zh", "series", "series_zh")
        .agg(metrics.known_sum("value"), pl.col("n_reports").max())  # unknown stays null: no point drawn
        .with_columns((pl.col("item_zh") + "·" + pl.col("series_zh").str.replace(r"（.*", "")).alias("label"))
        .sort("year", "item", "series")
    )
    biggest = df.group_by("label").agg(pl.col("value").sum()).sort(["value", "label"], descending=[True, False])
    pick = alt.selection_point(name="item_pick", fields=["label"],
                               value=[{"label": biggest["label"][0]}] if df.height else alt.Undefined)
    totals = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240)),
            x=alt.X("sum(value):Q", title="各年合计"),
            color=alt.condition(pick, alt.value("#2f7ebc"), alt.value("#c9d6e3")),
            tooltip=[alt.Tooltip("label:N", title="事项"), alt.Tooltip("sum(value):Q", title="各年合计", format=",.0f")],
        )
        .add_params(pick)
        .properties(width=200, height=alt.Step(18), title="点击选择事项")
    )
    trend = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(x=_x_year(df), y=alt.Y("value:Q", title="件数"), color=alt.Color("label:N", title="事项", legend=None),
                tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("label:N", title="事项"),
                         _num("value", "件数"), _num("n_reports", "报告数")])
        .transform_filter(pick)
    )
    right = alt.layer(trend, template_break()).properties(width=WIDTH - 140, height=HEIGHT, title="所选事项按年度")
    return Figure(alt.hconcat(totals, right).properties(title=title), df)


def narrative_chart(frame: pl.DataFrame, title: str = "正文所述主动公开信息类别") -> Figure:
    """Category volumes stated in the text (metrics.narrative_categories(by=("year",))): bars per
    category (click to pick) and the picked categories over years."""
    df = _guard(frame.select("year", "category", "count", "n_reports"))
    pick = alt.selection_point(name="category_pick", fields=["category"])
    bars = (
        alt.Chart(df).mark_bar()
        .encode(y=alt.Y("category:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240)),
                x=alt.X("sum(count):Q", title="条数（各年合计）"),
                color=alt.condition(pick, alt.value("#2f7ebc"), alt.value("#c9d6e3")),
                tooltip=[alt.Tooltip("category:N", title="类别"), alt.Tooltip("sum(count):Q", title="条数", format=",.0f")])
        .add_params(pick)
        .properties(width=200, height=alt.Step(18), title="点击选择类别（可多选：Shift）")
    )
    trend = (
        alt.Chart(df).mark_line(point=True)
        .encode(x=_x_year(df), y=alt.Y("count:Q", title="条数"), color=alt.Color("category:N", title="类别"),
                tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("category:N", title="类别"),
                         _num("count", "条数"), _num("n_reports", "报告数")])
        .transform_filter(pick)
    )
    right = alt.layer(trend, template_break()).properties(width=WIDTH - 140, height=HEIGHT, title="按年度")
    return Figure(alt.hconcat(bars, right).properties(title=title), df)


def bar_by(frame: pl.DataFrame, category: str, value: str = "value", *, title: str = "", value_title: str | None = None,
           value_format: str = ",.0f", top: int | None = 25) -> Figure:
    """Horizontal bars of ``value`` per ``category`` (e.g. a rate by level or region), largest first;
    rows with ``status`` 样本不足 are drawn grey."""
    df = frame
    if top is not None:
        df = df.sort(value, descending=True, nulls_last=True).head(top)
    df = _guard(df)
    vt = value_title or metrics.COLUMN_ZH.get(value, value)
    tips = [alt.Tooltip(f"{category}:N", title=metrics.COLUMN_ZH.get(category, category)),
            alt.Tooltip(f"{value}:Q", title=vt, format=value_format)]
    for c, t in (("numerator", "分子"), ("denominator", "分母"), ("n_reports", "报告数")):
        if c in df.columns:
            tips.append(_num(c, t, ",.2f" if c != "n_reports" else ",.0f"))
    has_status = "status" in df.columns
    if has_status:
        tips.append(alt.Tooltip("status:N", title="状态"))
    chart = (
        alt.Chart(df).mark_bar()
        .encode(y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
                x=alt.X(f"{value}:Q", title=vt, axis=alt.Axis(format=value_format.replace(",", "").replace(".0f", "d")
                                                               if "%" not in value_format else value_format)),
                color=(alt.condition(alt.datum.status == metrics.INSUFFICIENT, alt.value("#cccccc"), alt.value("#2f7ebc"))
                       if has_status else alt.value("#2f7ebc")),
                tooltip=tips)
        .properties(title=title, width=WIDTH - 160, height=alt.Step(18))
    )
    return Figure(chart, df)


def ranking_chart(frame: pl.DataFrame, top: int = 15, title: str | None = None, *,
                  left_out: int | None = None) -> Figure:
    """The ``top`` ranked agencies of metrics.rankings(...); 样本不足 agencies are never drawn
    (the subtitle says how many were left out).  ``frame`` may be the ranking's first rows only
    (at least ``top``); ``left_out`` then gives the whole ranking's 样本不足 count."""
    ranked = frame.filter(pl.col("status") == metrics.RANKED).sort("rank").head(top)
    df = _guard(ranked.select("agency", "agency_key", "indicator_zh", "numerator", "denominator", "value", "rank"))
    if left_out is None:
        left_out = frame.filter(pl.col("status") == metrics.INSUFFICIENT).height
    name = frame["indicator_zh"][0] if frame.height else "指标"
    code = frame["indicator"][0] if frame.height else None
    ind = metrics.INDICATORS.get(code) if code else None
    fmt = ".1%" if ind is None or ind.scale == 1 else ".2f"
    chart = (
        alt.Chart(df).mark_bar(color="#2f7ebc")
        .encode(y=alt.Y("agency:N", title=None, sort=alt.EncodingSortField("rank", order="ascending"),
                        axis=alt.Axis(labelLimit=260)),
                x=alt.X("value:Q", title=name, axis=alt.Axis(format=fmt)),
                tooltip=[alt.Tooltip("rank:Q", title="名次"), alt.Tooltip("agency:N", title="机关"),
                         alt.Tooltip("value:Q", title=name, format=fmt), _num("numerator", "分子", ",.2f"),
                         _num("denominator", "分母", ",.2f")])
        .properties(width=WIDTH - 160, height=alt.Step(18),
                    title=alt.Title(title or f"{name}排名（前 {top} 名）",
                                    subtitle=f"分母不足最小样本量的 {left_out} 个机关标为样本不足，未参与排名"))
    )
    return Figure(chart, df)


# ---------------------------------------------------------------------------------------------
# 复议诉讼


def reviews_chart(frame: pl.DataFrame, title: str = "行政复议、行政诉讼结果（按年度）") -> Figure:
    """表四 results by year (metrics.reviews_by_outcome(by=("year",))); a drop-down picks the type."""
    df = _guard(frame.select("year", "review", "review_zh", "part", "part_zh", "count", "n_reports"))
    options = list(metrics.REVIEW_ZH.values())
    kind = alt.param(name="review_type", value=options[0],
                     bind=alt.binding_select(options=options, name="类型 "))
    order = [metrics.REVIEW_PART_ZH[p] for p in ("upheld", "corrected", "other", "pending")]
    bars = (
        alt.Chart(df).mark_bar(size=26)
        .encode(x=_x_year(df), y=alt.Y("count:Q", title="件数", stack="zero"),
                color=alt.Color("part_zh:N", title="结果", sort=order,
                                scale=alt.Scale(domain=order, range=["#5cb85c", "#d9534f", "#9e9e9e", "#f0ad4e"])),
                order=alt.Order("part_order:Q"),
                tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("review_zh:N", title="类型"),
                         alt.Tooltip("part_zh:N", title="结果"), _num("count", "件数"), _num("n_reports", "报告数")])
        .transform_filter(alt.datum.review_zh == kind)
        .transform_calculate(part_order=f"indexof({order!r}, datum.part_zh)")
        .add_params(kind)
    )
    return Figure(_with_break(bars).properties(title=title, width=WIDTH, height=HEIGHT), df)


# ---------------------------------------------------------------------------------------------
# Data quality


def findings_chart(frame: pl.DataFrame, title: str = "检查发现的问题（按规则）") -> Figure:
    """Findings per rule (click a rule) and the picked rules per year, from
    metrics.findings_summary(by=("year", "rule"))."""
    df = _guard(frame.select("year", "rule", "rule_zh", "severity", "n_findings", "n_reports")
                .with_columns(pl.col("severity").replace(metrics.SEVERITY_ZH)))  # 错误/警告/提示 in the legend
    pick = alt.selection_point(name="rule_pick", fields=["rule"])
    sev = alt.Scale(domain=[metrics.SEVERITY_ZH[s] for s in ("error", "warning", "info")],
                    range=["#d9534f", "#f0ad4e", "#5bc0de"])
    bars = (
        alt.Chart(df).mark_bar()
        .encode(y=alt.Y("rule_zh:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
                x=alt.X("sum(n_findings):Q", title="问题数（各年合计）"),
                color=alt.Color("severity:N", title="级别", scale=sev),
                opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
                tooltip=[alt.Tooltip("rule_zh:N", title="规则"), alt.Tooltip("severity:N", title="级别"),
                         alt.Tooltip("sum(n_findings):Q", title="问题数"), alt.Tooltip("sum(n_reports):Q", title="报告数")])
        .add_params(pick)
        .properties(width=220, height=alt.Step(18), title="点击选择规则")
    )
    trend = (
        alt.Chart(df).mark_bar(size=20)
        .encode(x=_x_year(df), y=alt.Y("sum(n_findings):Q", title="问题数"), color=alt.Color("severity:N", scale=sev),
                tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("sum(n_findings):Q", title="问题数")])
        .transform_filter(pick)
    )
    right = alt.layer(trend, template_break()).properties(width=WIDTH - 160, height=HEIGHT, title="所选规则按年度")
    return Figure(alt.hconcat(bars, right).properties(title=title), df)


# ---------------------------------------------------------------------------------------------
# One agency


def profile_chart(frame: pl.DataFrame, indicator: str, title: str | None = None) -> Figure:
    """One indicator of metrics.agency_profile(...): the agency's line over its peers' median and
    interquartile band (样本不足 years drawn as hollow points)."""
    df = _guard(frame.filter(pl.col("indicator") == indicator).select(
        "year", "agency", "indicator_zh", "value", "denominator", "status", "peer_median", "peer_q1", "peer_q3",
        "n_peers", "peer_group"))
    ind = metrics.INDICATORS[indicator]
    fmt = ".1%" if ind.denominator and ind.scale == 1 else ",.1f"
    name = ind.name_zh
    x = _x_year(df)
    band = alt.Chart(df).mark_area(opacity=0.25, color="#9ecae1").encode(
        x=x, y=alt.Y("peer_q1:Q", title=name, axis=alt.Axis(format=fmt)), y2="peer_q3:Q")
    median = alt.Chart(df).mark_line(strokeDash=[4, 3], color="#6b6b6b").encode(x=x, y="peer_median:Q")
    mine = (alt.Chart(df).mark_line(color="#d62728").encode(x=x, y="value:Q")
            .transform_filter(alt.datum.status != metrics.INSUFFICIENT))
    pts = alt.Chart(df).mark_point(size=70, filled=True, color="#d62728").encode(
        x=x, y="value:Q",
        fill=alt.condition(alt.datum.status == metrics.INSUFFICIENT, alt.value("white"), alt.value("#d62728")),
        tooltip=[alt.Tooltip("year:Q", title="年度", format="d"), alt.Tooltip("value:Q", title="本机关", format=fmt),
                 alt.Tooltip("peer_median:Q", title="同级中位数", format=fmt),
                 alt.Tooltip("peer_q1:Q", title="下四分位", format=fmt), alt.Tooltip("peer_q3:Q", title="上四分位", format=fmt),
                 alt.Tooltip("n_peers:Q", title="同级机关数"), alt.Tooltip("peer_group:N", title="比较组"),
                 alt.Tooltip("status:N", title="状态")])
    agency = df["agency"][0] if df.height else ""
    chart = alt.layer(band, median, mine, pts, template_break()).properties(
        title=alt.Title(title or f"{agency}：{name}", subtitle="红线：本机关；虚线与阴影：同级机关中位数与四分位区间"),
        width=WIDTH, height=HEIGHT - 60)
    return Figure(chart, df)
