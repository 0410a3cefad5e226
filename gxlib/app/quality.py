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
    COLLECTED,
    NOT_COLLECTED,
    OFF_ROSTER,
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


STATUS_ORDER = [ON_TIME, LATE, UNDATED, MISSING, OFF_ROSTER, COLLECTED, NOT_COLLECTED]


def _status_scale(frame: pl.DataFrame) -> alt.Scale:
    present = set(frame["status"].unique().to_list()) if frame.height else set()
    order = [s for s in STATUS_ORDER if s in present]
    return alt.Scale(domain=order, range=[STATUS_COLORS[s] for s in order])


def status_by_year_chart(frame: pl.DataFrame, title: str = "各年度报告发布情况") -> alt.Chart:
    """Stacked bars: agencies per year by status (frame: year, status, n)."""
    return (
        alt.Chart(frame).mark_bar(size=28)
        .encode(
            x=alt.X("year:O", title="年度"),
            y=alt.Y("n:Q", title="机关数", stack="zero"),
            color=alt.Color("status:N", title="情况", sort=STATUS_ORDER, scale=_status_scale(frame)),
            order=alt.Order("o:Q"),
            tooltip=[alt.Tooltip("year:O", title="年度"), alt.Tooltip("status:N", title="情况"),
                     alt.Tooltip("n:Q", title="机关数", format=",")],
        )
        .transform_calculate(o=f"indexof({STATUS_ORDER!r}, datum.status)")
        .properties(title=title, width="container", height=charts.HEIGHT - 40)
    )


def status_grid_chart(frame: pl.DataFrame, title: str, order: list[str]) -> alt.Chart:
    """Agency × year heat map of the coverage status (frame: agency, year, status, published)."""
    return (
        alt.Chart(frame).mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("year:O", title="年度"),
            y=alt.Y("agency:N", title=None, sort=order, axis=alt.Axis(labelLimit=200)),
            color=alt.Color("status:N", title="情况", sort=STATUS_ORDER, scale=_status_scale(frame)),
            tooltip=[alt.Tooltip("agency:N", title="机关"), alt.Tooltip("year:O", title="年度"),
                     alt.Tooltip("status:N", title="情况"), alt.Tooltip("published:N", title="发布日期")],
        )
        .properties(title=title, width=alt.Step(40), height=alt.Step(16))
    )


def publication_grid(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """Agency × year coverage (gxlib.roster.coverage): with a roster 按时/逾期/日期不详/未发布 and
    名单外 reports; without one 已收录/未收录 only.  Older reports count as published (collected)."""
    return apply_filters(data.coverage, state, ("region", "level", "agency_type"))


def problem_column(data: Data) -> str:
    return "问题年数" if data.roster is not None else "逾期年数"


def grid_wide(grid: pl.DataFrame, with_roster: bool) -> pl.DataFrame:
    """One row per agency, a column per year; 问题年数 (逾期 + 未发布) with a roster, else 逾期年数
    (a year not collected is not the agency's problem)."""
    if grid.height == 0:
        return grid
    w = grid.pivot(on="year", index=["agency_key", "agency", "region", "level", "agency_type"], values="status",
                   aggregate_function="first", sort_columns=True)
    ycols = [c for c in w.columns if c.isdigit()]
    bad = pl.col("status").is_in([LATE, MISSING]) if with_roster else (pl.col("timeliness") == LATE)
    name = "问题年数" if with_roster else "逾期年数"
    n = grid.group_by("agency_key").agg(bad.fill_null(False).sum().cast(pl.Int32).alias(name))
    return (w.rename({c: f"{c}年" for c in ycols}).join(n, on="agency_key", how="left")
            .sort([name, "agency"], descending=[True, False]))


def findings_subset(data: Data, state: Mapping[str, Any], rule: str | None = None, limit: int = 500) -> pl.DataFrame:
    """The first ``limit`` findings (metrics.findings + cells) of the filtered reports: the findings
    are filtered, sorted and cut first (over the ``indicators`` rows, no corpus-wide report dedup),
    then only those rows get their cells' raw text and position."""
    if data.corpus is None:
        return pl.DataFrame()
    f = metrics.findings(data.frames(), reports_frame=data.agg.get("indicators"), cells=False)
    f = apply_filters(f, state, ("region", "level", "agency_type"))
    if rule:
        f = f.filter(pl.col("rule") == rule)
    head = f.sort("year", "agency", "rule", "table", "row", "col").head(limit).collect().with_row_index("_i")
    if head.is_empty():
        return head.drop("_i")
    return (metrics.with_cells(head.lazy(), data.frames(), ids=head["report_id"].unique()).collect()
            .sort("_i").drop("_i"))


def findings_by(data: Data, state: Mapping[str, Any], by: Sequence[str]) -> pl.DataFrame:
    """metrics.findings_summary over the filtered reports, from the ``findings`` aggregate."""
    keys = list(by)
    if "rule" in keys and "severity" not in keys:
        keys = [*keys, "severity"]
    cols = ("region", "level", "agency_type")
    n_rep = data.scan("kpi", state, cols).select(pl.col("n_reports").sum()).collect().item() or 0
    return (
        data.scan("findings", state, cols).filter(pl.col("template").ne_missing(metrics.OLDER))
        .group_by([*keys, *(["rule_zh"] if "rule" in keys else [])])
        .agg(pl.col("n_findings").sum().cast(pl.UInt32), pl.col("n_reports").sum().cast(pl.UInt32),
             pl.col("agency_key").n_unique().cast(pl.UInt32).alias("n_agencies"))
        .with_columns((pl.col("n_reports") / max(n_rep, 1)).alias("report_share"))
        .sort(["n_findings", *keys], descending=[True] + [False] * len(keys))
        .collect()
    )


@cache
def _carry(path_str: str) -> pl.DataFrame:
    d = _load(path_str)
    return metrics.carry_over_breaks(d.corpus) if d.ok else pl.DataFrame()


def carry_breaks(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    if not data.ok:
        return pl.DataFrame()
    cols = ("region", "level", "agency_type")
    if "carry" not in data.agg:  # a corpus built before the aggregate: computed once per kernel
        allb = _carry(str(data.path.resolve()))
        if not any(state.get(c) for c in cols):
            return allb
        keys = apply_filters(data.counted().select("agency_key", *cols), state, cols).select("agency_key").collect()
        return allb.filter(pl.col("agency_key").is_in(keys["agency_key"].implode()))
    lf = data.agg["carry"]
    if any(state.get(c) for c in cols):  # agencies with a counted report under the filters: one query
        keys = apply_filters(data.counted().select("agency_key", *cols), state, cols).select("agency_key").unique()
        lf = lf.join(keys, on="agency_key", how="semi")
    return lf.collect().sort("agency_key", "year")


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
        f'<div>规则：{e(row.get("rule_zh"))}（{e(metrics.SEVERITY_ZH.get(row.get("severity"), row.get("severity")))}）</div>'
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
        rules = (sorted(data.scan("findings").select("rule", "rule_zh").unique().collect().iter_rows())
                 if data.ok else [])
        names = [z for _, z in rules]
        self.rule = W.Dropdown(options=[(ALL, ANY)] + [(z if names.count(z) == 1 else f"{z}（{r}）", r) for r, z in rules],
                               value=ANY,
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
        self.older = TablePanel("older", {"旧版格式": metrics.POLICY_ZH}, table_rows=20)
        self.off_roster = TablePanel("off_roster", lambda: definitions(extra=("发布状态",)), table_rows=20)
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
        self.bar.wire(self.status, self.grid, self.rules, self.by_agency, self.older, self.off_roster, self.carry)
        self.bar.on_change(self.refresh)
        self.refresh(self.bar.state)

    def compute(self, state: Mapping[str, Any]) -> tuple:
        k = _key(state)
        if k not in self._cache:
            grid = publication_grid(self.data, state)
            with_roster = self.data.roster is not None
            if grid.height:
                by_year = grid.group_by("year", "status").agg(pl.len().alias("n")).sort("year", "status")
                if not with_roster:  # timeliness of the collected reports, besides 已收录/未收录
                    by_year = (grid.filter(pl.col("timeliness").is_not_null())
                               .group_by("year", pl.col("timeliness").alias("status")).agg(pl.len().alias("n"))
                               .sort("year", "status"))
                wide = grid_wide(grid, with_roster)
                name = problem_column(self.data)
                worst = wide.filter(pl.col(name) > 0).head(40)
                heat = grid.filter(pl.col("agency_key").is_in(worst["agency_key"].implode())).with_columns(
                    pl.col("published").cast(pl.String))
                title = "逾期或未发布的机关" if with_roster else "有逾期报告的机关（收录情况）"
                heat_chart = status_grid_chart(heat, title, worst["agency"].to_list()) if heat.height else None
                status_chart = status_by_year_chart(
                    by_year, "各年度报告发布情况" if with_roster else "已收录报告的发布时间（按时/逾期）")
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
            names = self.data.agency_names
            fby_agency = fby_agency.join(names, on="agency_key", how="left").select(
                "agency", "agency_key", "rule", "rule_zh", "severity", "n_findings", "n_reports") if fby_agency.height else fby_agency
            carry = carry_breaks(self.data, state)
            fs = findings_subset(self.data, state, rule)
            fs = cell_labels(fs) if fs.height else fs
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
        self.older.update(apply_filters(self.data.older, state, ("region", "level", "agency_type"))
                          .select("agency", "year", "note", "source"))
        grid = publication_grid(self.data, state)
        self.off_roster.update(grid.filter(pl.col("status") == OFF_ROSTER).select(
            "agency", "agency_key", "region", "level", "year", "timeliness", "published", "report_id")
            if grid.height else grid)
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

    def _coverage_note(self) -> str:
        d = self.data
        if d.roster is None:
            return ("未提供应发布机关名单（gx serve --roster 名单文件）：只显示“已收录/未收录”。语料库中没有某份报告，"
                    "不等于该机关没有发布。" + EXTRA_DEFINITIONS["收录情况"])
        return (f"按应发布机关名单（{d.roster.height:,} 个机关）判断。" + EXTRA_DEFINITIONS["发布状态"])

    def widget(self) -> W.Widget:
        return W.VBox([
            header("数据质量与合规", "报告是否按时发布、检查规则的失败情况、跨年度结转断裂；可从检查发现追溯到报告与单元格"),
            self.bar.widget(),
            section("报告发布情况", self._coverage_note()), self.status.box,
            section("机关 × 年度"), self.grid.box,
            *([section("名单外的报告", "报告机关不在应发布机关名单上（名称对不上名单时也在此列出）。"),
               self.off_roster.box] if self.data.roster is not None else []),
            section("旧版格式报告（2019 年以前）", "旧版格式，未提取表格：列出但不计入任何统计、比率和同比。"),
            self.older.box,
            section("检查规则失败情况"), self.rules.box,
            section("按机关与规则"), self.by_agency.box,
            section("跨年度结转断裂", "本年“上年结转” ≠ 上年“结转下年度继续办理”。"), self.carry.box,
            section("追溯：检查发现 → 报告与单元格", "选择一条检查发现（最多列出 500 条）。"), self.pick, self.detail,
            self.marker,
        ])
