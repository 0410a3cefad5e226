"""数据质量 dashboard: publication grid, rule failures, carry-over breaks, drill-down."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import altair as alt
import ipywidgets as W
import polars as pl

from .. import charts, metrics
from .data import (
    ALL,
    ANY,
    EXTRA_DEFINITIONS,
    LATE,
    MISSING,
    ON_TIME,
    STATUS_COLORS,
    TABLE_ROWS,
    UNDATED,
    Data,
    _load,
    apply_filters,
    cell_labels,
    definitions,
)
from .state import FilterBar, _key
from .widgets import ChartPanel, TablePanel, _marker, header, section


def status_by_year_chart(frame: pl.DataFrame) -> alt.Chart:
    """Stacked bars: reports 按时/逾期/未发布/日期不详 per year (frame: year, status, n)."""
    order = [ON_TIME, LATE, UNDATED, MISSING]
    return (
        alt.Chart(frame).mark_bar(size=28)
        .encode(
            x=alt.X("year:O", title="年度"),
            y=alt.Y("n:Q", title="机关数", stack="zero"),
            color=alt.Color("status:N", title="发布情况", sort=order,
                            scale=alt.Scale(domain=order, range=[STATUS_COLORS[s] for s in order])),
            order=alt.Order("o:Q"),
            tooltip=[alt.Tooltip("year:O", title="年度"), alt.Tooltip("status:N", title="发布情况"),
                     alt.Tooltip("n:Q", title="机关数")],
        )
        .transform_calculate(o=f"indexof({order!r}, datum.status)")
        .properties(title="各年度报告发布情况", width=charts.WIDTH, height=charts.HEIGHT - 40)
    )


def status_grid_chart(frame: pl.DataFrame, title: str) -> alt.Chart:
    """Agency × year heat map of 按时/逾期/未发布 (frame: agency, year, status)."""
    order = [ON_TIME, LATE, UNDATED, MISSING]
    return (
        alt.Chart(frame).mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("year:O", title="年度"),
            y=alt.Y("agency:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("status:N", title="发布情况", sort=order,
                            scale=alt.Scale(domain=order, range=[STATUS_COLORS[s] for s in order])),
            tooltip=[alt.Tooltip("agency:N", title="机关"), alt.Tooltip("year:O", title="年度"),
                     alt.Tooltip("status:N", title="发布情况"), alt.Tooltip("published:N", title="发布日期")],
        )
        .properties(title=title, width=alt.Step(44), height=alt.Step(16))
    )


def publication_grid(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """Agency × year (years the corpus covers): status 按时/逾期/日期不详, or 未发布 when the agency
    has a report in another year but none for this one.  Long: agency_key, agency, …, year, status."""
    reps = apply_filters(data.reports, state, ("region", "level", "agency_type"))
    if reps.height == 0:
        return pl.DataFrame()
    agencies = (reps.sort("year").group_by("agency_key")
                .agg(pl.col("agency").last(), pl.col("region").last(), pl.col("level").last(),
                     pl.col("agency_type").last()))
    years = pl.DataFrame({"year": pl.Series(list(range(min(data.years), max(data.years) + 1)), dtype=pl.Int32)})
    grid = agencies.join(years, how="cross")
    return (
        grid.join(reps.select("agency_key", "year", "published", "due", "status", "report_id"),
                  on=["agency_key", "year"], how="left")
        .with_columns(pl.col("status").fill_null(MISSING))
        .sort("agency", "agency_key", "year")
        .select("agency_key", "agency", "region", "level", "agency_type", "year", "status", "published", "due",
                "report_id")
    )


def grid_wide(grid: pl.DataFrame) -> pl.DataFrame:
    if grid.height == 0:
        return grid
    w = grid.pivot(on="year", index=["agency_key", "agency", "region", "level", "agency_type"], values="status",
                   aggregate_function="first", sort_columns=True)
    ycols = [c for c in w.columns if c.isdigit()]
    return w.rename({c: f"{c}年" for c in ycols}).with_columns(
        pl.sum_horizontal([(pl.col(f"{c}年") != ON_TIME).cast(pl.Int32) for c in ycols]).alias("问题年数")
    ).sort(["问题年数", "agency"], descending=[True, False])


def findings_subset(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    return apply_filters(data.findings, state, ("region", "level", "agency_type"))


def findings_by(data: Data, state: Mapping[str, Any], by: Sequence[str]) -> pl.DataFrame:
    """metrics.findings_summary over the filtered reports."""
    reps = apply_filters(data.reports, state, ("region", "level", "agency_type"))
    rep_frame = data.corpus.reports.filter(pl.col("report_id").is_in(reps["report_id"].implode()))
    return metrics.findings_summary(metrics.Frames(reports=rep_frame, findings=data.findings_raw.lazy()), by=by)


@cache
def _carry(path_str: str) -> pl.DataFrame:
    d = _load(path_str)
    return metrics.carry_over_breaks(d.corpus) if d.ok else pl.DataFrame()


def carry_breaks(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    if not data.ok:
        return pl.DataFrame()
    allb = _carry(str(data.path.resolve()))
    keys = apply_filters(data.reports, state, ("region", "level", "agency_type"))["agency_key"].unique().implode()
    return allb.filter(pl.col("agency_key").is_in(keys))


def finding_label(row: Mapping[str, Any]) -> str:
    cell = " / ".join(x for x in (row.get("table_zh"), row.get("row_zh"), row.get("col_zh")) if x)
    return f"{row['year']} {row['agency']} · {row['rule_zh']}" + (f" · {cell}" if cell else "")


def drill_html(row: Mapping[str, Any] | None) -> str:
    """The drill-down panel for one finding (a row of metrics.findings + cell_labels)."""
    if row is None:
        return '<div class="gx-drill gx-note">选择一条检查发现，查看报告来源与单元格原文。</div>'
    e = lambda v: "—" if v is None or v == "" else html.escape(str(v))
    num = lambda v: "—" if v is None else (f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}")
    return (
        f'<div class="gx-drill" data-report="{e(row.get("report_id"))}" data-rule="{e(row.get("rule"))}" '
        f'data-table="{e(row.get("table"))}" data-row="{e(row.get("row"))}" data-col="{e(row.get("col"))}">'
        f'<div><b>{e(row.get("agency"))}</b> {e(row.get("year"))} 年度报告 · 报告编号 <code>{e(row.get("report_id"))}</code></div>'
        f'<div>来源文件：<code class="gx-drill-source">{e(row.get("source"))}</code></div>'
        f'<div>规则：{e(row.get("rule_zh"))}（<code>{e(row.get("rule"))}</code>，{e(row.get("severity"))}）</div>'
        f'<div>单元格：{e(row.get("table_zh"))} · 行「{e(row.get("row_zh"))}」 · 列「{e(row.get("col_zh"))}」</div>'
        f'<div>原文：<code class="gx-drill-raw">{e(row.get("raw"))}</code>　位置：<code class="gx-drill-where">{e(row.get("where"))}</code></div>'
        f'<div>应为 {num(row.get("expected"))}，实际 {num(row.get("actual"))}</div>'
        f'<div>说明：{e(row.get("message"))}</div></div>'
    )


class QualityApp:
    """数据质量: publication grid (按时/逾期/未发布), rule failures by rule and by agency, carry-over
    breaks, and a drill-down from a finding to its report and cell."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):


        self._time = time.perf_counter
        self.data = data
        rules = sorted(data.findings.select("rule", "rule_zh").unique().iter_rows()) if data.ok else []
        self.rule = W.Dropdown(options=[(ALL, ANY)] + [(f"{z}（{r}）", r) for r, z in rules], value=ANY,
                               description="规则", layout=W.Layout(width="360px"), style={"description_width": "40px"})
        self.rule.add_class("gx-filter")
        self.rule.add_class("gx-filter-rule")
        self.bar = FilterBar(data, filters=("region", "level", "agency_type"), params=params,
                             extra={"rule": self.rule})
        self.status = ChartPanel("publication", lambda: definitions(extra=("发布状态", "按时发布率")), table_rows=10)
        self.grid = ChartPanel("grid", lambda: definitions(extra=("发布状态",)), table_rows=TABLE_ROWS,
                               note="逾期或未发布年数最多的机关（最多 40 个）；表格为全部机关 × 年度，下载可得全部。")
        self.rules = ChartPanel("rules", lambda: definitions(), table_rows=25)
        self.by_agency = TablePanel("agency_rules", lambda: definitions(), table_rows=20)
        self.carry = TablePanel("carry_over", {"结转断裂": "本年“二、上年结转政府信息公开申请数量”（总计）与上年报告"
                                               "“四、结转下年度继续办理”（总计）不相等。"}, table_rows=20)
        self.pick = W.Select(options=[], rows=8, layout=W.Layout(width="95%"), description="检查发现",
                             style={"description_width": "64px"})
        self.pick.add_class("gx-finding-pick")
        self.detail = W.HTML(drill_html(None))
        self.detail.add_class("gx-drill-box")
        self.marker = W.HTML()
        self._cache: dict[tuple, tuple] = {}
        self._rows: list[dict] = []
        self.pick.observe(self._picked, names="value")
        self.bar.on_change(self.refresh)
        self.refresh(self.bar.state)

    def compute(self, state: Mapping[str, Any]) -> tuple:
        k = _key(state)
        if k not in self._cache:
            grid = publication_grid(self.data, state)
            if grid.height:
                by_year = grid.group_by("year", "status").agg(pl.len().alias("n")).sort("year", "status")
                wide = grid_wide(grid)
                worst = wide.filter(pl.col("问题年数") > 0).head(40)["agency_key"].implode()
                heat = grid.filter(pl.col("agency_key").is_in(worst)).with_columns(
                    pl.col("published").cast(pl.String))
                order = wide.filter(pl.col("问题年数") > 0).head(40)["agency"].to_list()
                heat_chart = status_grid_chart(heat, "逾期或未发布的机关") .encode(
                    y=alt.Y("agency:N", title=None, sort=order, axis=alt.Axis(labelLimit=260))) if heat.height else None
                status_chart = status_by_year_chart(by_year)
                by_year_wide = by_year.pivot(on="status", index="year", values="n").sort("year").fill_null(0)
            else:
                wide = by_year_wide = pl.DataFrame()
                heat_chart = status_chart = None
            rule = state.get("rule")
            fby = findings_by(self.data, state, ("year", "rule"))
            fby_agency = findings_by(self.data, state, ("agency_key", "rule"))
            if rule:
                fby = fby.filter(pl.col("rule") == rule)
                fby_agency = fby_agency.filter(pl.col("rule") == rule)
            rules_fig = charts.findings_chart(fby) if fby.height else None
            rules_table = (fby.group_by("rule", "rule_zh", "severity")
                           .agg(pl.col("n_findings").sum(), pl.col("n_reports").sum())
                           .sort(["n_findings", "rule"], descending=[True, False])) if fby.height else fby
            names = self.data.reports.sort("year").group_by("agency_key").agg(pl.col("agency").last())
            fby_agency = fby_agency.join(names, on="agency_key", how="left").select(
                "agency", "agency_key", "rule", "rule_zh", "severity", "n_findings", "n_reports") if fby_agency.height else fby_agency
            carry = carry_breaks(self.data, state)
            fs = findings_subset(self.data, state)
            if rule:
                fs = fs.filter(pl.col("rule") == rule)
            fs = cell_labels(fs.sort("year", "agency", "rule", "table", "row", "col").head(500)) if fs.height else fs
            self._cache[k] = (status_chart, by_year_wide, heat_chart, wide, rules_fig, rules_table, fby_agency, carry,
                              fs)
        return self._cache[k]

    def refresh(self, state: Mapping[str, Any]) -> None:
        t0 = self._time()
        status_chart, by_year_wide, heat_chart, wide, rules_fig, rules_table, fby_agency, carry, fs = self.compute(state)
        self.status.update(status_chart, frame=by_year_wide)
        self.grid.update(heat_chart, frame=wide)
        if rules_fig is not None:
            self.rules.update(rules_fig.chart, frame=rules_fig.frame, table=rules_table)
        else:
            self.rules.update(None, frame=pl.DataFrame())
        self.by_agency.update(fby_agency)
        self.carry.update(carry)
        self._rows = fs.to_dicts() if fs.height else []
        opts = [(finding_label(r), i) for i, r in enumerate(self._rows)]
        self.pick.unobserve(self._picked, names="value")
        self.pick.options = opts
        self.pick.value = None
        self.pick.observe(self._picked, names="value")
        self.detail.value = drill_html(None)
        ms = (self._time() - t0) * 1000
        self.marker.value = _marker(self.bar.query, ms, f"更新用时 {ms:.0f} 毫秒")

    def _picked(self, change) -> None:
        i = change.new
        self.detail.value = drill_html(self._rows[i] if i is not None and 0 <= i < len(self._rows) else None)

    def widget(self) -> W.Widget:
        return W.VBox([
            header("数据质量与合规", "报告是否按时发布、检查规则的失败情况、跨年度结转断裂；可从检查发现追溯到报告与单元格"),
            self.bar.widget(),
            section("报告发布情况", EXTRA_DEFINITIONS["发布状态"]), self.status.box,
            section("机关 × 年度"), self.grid.box,
            section("检查规则失败情况"), self.rules.box,
            section("按机关与规则"), self.by_agency.box,
            section("跨年度结转断裂", "本年“上年结转” ≠ 上年“结转下年度继续办理”。"), self.carry.box,
            section("追溯：检查发现 → 报告与单元格", "选择一条检查发现（最多列出 500 条）。"), self.pick, self.detail,
            self.marker,
        ])
