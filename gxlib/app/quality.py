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
from . import coverage as cov
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
from .widgets import ChartPanel, TablePanel, _marker, header, section, table_html


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
    """Agency × year coverage (gxlib.roster.coverage) under ``state``, whole (downloads, tests): with
    a roster 按时/逾期/日期不详/未发布 and 名单外 reports; without one 已收录/未收录 only.  Older
    reports count as published (collected).  The page itself shows :func:`coverage.view`."""
    return cov.filtered_grid(data, state)


def problem_column(data: Data) -> str:
    return cov.problem_column(data.roster is not None)


def grid_wide(grid: pl.DataFrame, with_roster: bool) -> pl.DataFrame:
    """One row per agency, a column per year; 问题年数 (逾期 + 未发布) with a roster, else 逾期年数."""
    return cov.grid_wide(grid, with_roster)


def findings_subset(data: Data, state: Mapping[str, Any], rule: str | None = None, limit: int = 500) -> pl.DataFrame:
    """The first ``limit`` findings (metrics.findings + cells) of the filtered reports: the findings
    are filtered, sorted and cut first (over the ``indicators`` rows, no corpus-wide report dedup),
    then only those rows get their cells' raw text and position."""
    if data.corpus is None:
        return pl.DataFrame()
    last = _last_year(data, state, rule, limit)
    head = _findings_head(data, state, rule, limit, last)
    if last is not None and head.height < limit:  # the hint cut too much: the whole sorted list
        head = _findings_head(data, state, rule, limit, None)
    if head.is_empty():
        return head.drop("_i")
    keyed = head.filter(pl.all_horizontal(pl.col("table", "row", "col").is_not_null()))
    if keyed.is_empty():  # no finding points at a cell (the join keys are never null): no cell scan
        sch = data.frames().cells.collect_schema()
        return head.with_columns(pl.lit(None, sch["raw"]).alias("raw"), pl.lit(None, sch["where"]).alias("where")
                                 ).sort("_i").drop("_i")
    return (metrics.with_cells(head.lazy(), data.frames(), ids=keyed["report_id"].unique()).collect()
            .sort("_i").drop("_i"))


def _findings_head(data: Data, state: Mapping[str, Any], rule: str | None, limit: int,
                   last: int | None) -> pl.DataFrame:
    rep = _finding_reports(data, state)
    if last is not None and rep is not None:
        rep = rep.filter(pl.col("year").is_null() | (pl.col("year") <= last))
    f = metrics.findings(data.frames(), reports_frame=rep, cells=False)
    f = apply_filters(f, state, ("region", "level", "agency_type"))
    if rule:
        f = f.filter(pl.col("rule") == rule)
    return f.sort("year", "agency", "rule", "table", "row", "col").head(limit).collect().with_row_index("_i")


def _last_year(data: Data, state: Mapping[str, Any], rule: str | None, limit: int) -> int | None:
    """The first year by which the ``findings`` aggregate counts ``limit`` findings under the
    filters: the sorted list's first ``limit`` rows are in that year or before (the list is by year
    first, unknown years first), so the report scan reads those years' files only.  A hint: the
    caller reads all years when the cut list comes out shorter than ``limit``."""
    if "findings" not in data.agg:
        return None
    fa = data.scan("findings", state, ("region", "level", "agency_type"))
    if rule:
        fa = fa.filter(pl.col("rule") == rule)
    per = (fa.group_by("year").agg(pl.col("n_findings").sum()).sort("year", nulls_last=False)
           .with_columns(pl.col("n_findings").cum_sum().alias("cum")).collect())
    hit = per.filter(pl.col("year").is_not_null() & (pl.col("cum") >= limit))
    return int(hit["year"][0]) if hit.height else None


FINDING_REPORTS_HELD = 100_000  # the reports with a finding are kept in memory up to this many


def _finding_reports(data: Data, state: Mapping[str, Any]) -> pl.LazyFrame | None:
    """The ``indicators`` rows a finding can join (reports with a finding, older reports: they get
    one each) under the filters, instead of every report.  Found once per kernel: kept in memory
    (their meta and source) when there are at most FINDING_REPORTS_HELD, else their ids, to cut
    the report scan (pushed into the Parquet reader) at each filter."""
    lf = data.agg.get("indicators")
    if lf is None:
        return None
    store = data.cache.setdefault("coverage", {})
    if "finding_reports" not in store:
        ids = pl.concat([data.frames().findings.select("report_id"),
                         lf.filter(pl.col("older")).select("report_id")]).unique().collect()["report_id"]
        cut = lf.filter(pl.col("report_id").is_in(ids.implode()))
        store["finding_reports"] = (cut.select(*metrics.META_COLS, "source").collect().lazy()
                                    if ids.len() <= FINDING_REPORTS_HELD else cut)
    return apply_filters(store["finding_reports"], state, ("region", "level", "agency_type"))


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


def _carry_lazy(data: Data, state: Mapping[str, Any]) -> pl.LazyFrame:
    """The carry-over breaks of the agencies with a counted report under the filters, lazily (the
    stored table is scanned, not held; a corpus built before it gets it computed once per kernel)."""
    cols = ("region", "level", "agency_type")
    lf = data.agg["carry"] if "carry" in data.agg else _carry(str(data.path.resolve())).lazy()
    if any(state.get(c) for c in cols):
        keys = apply_filters(cov.summary(data).agencies, state, cols).select("agency_key").unique()
        lf = lf.join(keys.lazy(), on="agency_key", how="semi")
    return lf


def carry_breaks(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """All carry-over breaks under ``state`` (metrics.carry_over_breaks rows), by agency and year."""
    if not data.ok:
        return pl.DataFrame()
    return _carry_lazy(data, state).collect().sort("agency_key", "year")


def carry_head(data: Data, state: Mapping[str, Any], limit: int) -> tuple[pl.DataFrame, int]:
    """The first ``limit`` rows of :func:`carry_breaks` and how many there are (the page shows the
    head; a download computes them all)."""
    if not data.ok:
        return pl.DataFrame(), 0
    lf = data.agg["carry"] if "carry" in data.agg else _carry(str(data.path.resolve())).lazy()
    s = cov.summary(data, lf)
    per = s.carry  # breaks per agency (sorted by key): the head's agencies, then only their rows read
    if any(state.get(c) for c in cov.FILTERS):
        per = per.join(apply_filters(s.agencies, state, cov.FILTERS).select("agency_key").unique(),
                       on="agency_key", how="semi").sort("agency_key")
    keys = per.filter((pl.col("n").cum_sum() - pl.col("n")) < limit)["agency_key"]
    head = (lf.filter(pl.col("agency_key").is_in(keys.implode())).collect().sort("agency_key", "year").head(limit)
            if keys.len() else lf.head(0).collect())
    return head, int(per["n"].sum())


class HeadTable(TablePanel):
    """A TablePanel that holds only the rows it shows; ``full`` computes the whole frame for a download."""

    _full = None

    def update(self, frame: pl.DataFrame, *, full=None, total: int | None = None) -> None:  # noqa: D102
        self.frame, self._full = frame, full
        shown = self.rename(frame) if self.rename else frame
        self.table.value = table_html(shown, self.name, self.table_rows, chinese=self.rename is None, total=total)

    def _shown(self) -> pl.DataFrame:
        frame = self._full() if self._full is not None else self.frame
        return self.rename(frame) if self.rename else frame


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
        self.off_roster = HeadTable("off_roster", lambda: definitions(extra=("发布状态",)), table_rows=20)
        self.carry = HeadTable("carry_over", {"结转断裂": "本年“二、上年结转政府信息公开申请数量”（总计）与上年报告"
                                               "“四、结转下年度继续办理”（总计）不相等。"}, table_rows=20)
        self.pick = W.Select(options=[], rows=8, layout=W.Layout(width="95%"), description="检查发现",
                             style={"description_width": "64px"})
        self.pick.add_class("gx-finding-pick")
        self.detail = W.HTML(drill_html(None))
        self.detail.add_class("gx-drill-box")
        self.marker = W.HTML()
        self._cache: dict[tuple, tuple] = {}
        self._cover: dict[tuple, tuple] = {}
        self._rows: list[dict] = []
        self.pick.observe(self._picked, names="value")
        self.bar.wire(self.status, self.grid, self.rules, self.by_agency, self.older, self.off_roster, self.carry)
        self.bar.on_change(self.refresh)
        self.refresh(self.bar.state)

    def _coverage(self, state: Mapping[str, Any]) -> tuple:
        """The publication panels, the 名单外 and carry-over heads: they do not depend on the rule."""
        k = _key({c: v for c, v in state.items() if c != "rule"})
        if k in self._cover:
            return self._cover[k]
        with_roster = self.data.roster is not None
        g = cov.view(self.data, state) if self.data.ok else None
        if g is not None and g.total:
            by_year = g.by_year
            title = "逾期或未发布的机关" if with_roster else "有逾期报告的机关（收录情况）"
            heat_chart = status_grid_chart(g.heat, title, g.worst) if g.heat.height else None
            status_chart = status_by_year_chart(
                by_year, "各年度报告发布情况" if with_roster else "已收录报告的发布时间（按时/逾期）")
            by_year_wide = by_year.pivot(on="status", index="year", values="n").sort("year").fill_null(0)
            wide = (g.head, lambda state=dict(state): grid_wide(publication_grid(self.data, state), with_roster),
                    g.total)
        else:
            wide, by_year_wide = (pl.DataFrame(), None, 0), pl.DataFrame()
            heat_chart = status_chart = None
        head, n = carry_head(self.data, state, self.carry.table_rows)
        carry = (head, lambda state=dict(state): carry_breaks(self.data, state), n)
        self._cover[k] = (status_chart, by_year_wide, heat_chart, wide, carry, self._off_roster(state))
        return self._cover[k]

    def compute(self, state: Mapping[str, Any]) -> tuple:
        k = _key(state)
        if k not in self._cache:
            status_chart, by_year_wide, heat_chart, wide, carry, off = self._coverage(state)
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
            fs = findings_subset(self.data, state, rule)
            fs = cell_labels(fs) if fs.height else fs
            self._cache[k] = (status_chart, by_year_wide, heat_chart, wide, rules_fig, rules_table, fby_agency, carry,
                              off, fs)
        return self._cache[k]

    def refresh(self, state: Mapping[str, Any]) -> None:
        t0 = self._time()
        (status_chart, by_year_wide, heat_chart, wide, rules_fig, rules_table, fby_agency, carry, off,
         fs) = self.compute(state)
        self.status.update(status_chart, frame=by_year_wide)
        head, full, total = wide
        self.grid.update(heat_chart, frame=head, full=full if total else None, total=total)
        if rules_fig is not None:
            self.rules.update(rules_fig.chart, frame=rules_fig.frame, table=rules_table)
        else:
            self.rules.update(None, frame=pl.DataFrame())
        self.by_agency.update(fby_agency)
        head, full, total = carry
        self.carry.update(head, full=full, total=total)
        self.older.update(apply_filters(self.data.older, state, ("region", "level", "agency_type"))
                          .select("agency", "year", "note", "source"))
        head, full, total = off
        self.off_roster.update(head, full=full, total=total)
        self._rows = fs.to_dicts() if fs.height else []
        opts = [(finding_label(r), i) for i, r in enumerate(self._rows)]
        self.pick.unobserve(self._picked, names="value")
        self.pick.options = opts
        self.pick.value = None
        self.pick.observe(self._picked, names="value")
        self.detail.value = drill_html(None)
        ms = (self._time() - t0) * 1000
        self.marker.value = _marker(self.bar.query, ms, f"更新用时 {ms:.0f} 毫秒")

    def _off_roster(self, state: Mapping[str, Any]) -> tuple:
        """名单外 rows (with a roster): the head shown, the whole for a download, how many."""
        if self.data.roster is None or not self.data.ok:
            return pl.DataFrame(), None, 0
        total = cov.n_rows(cov.summary(self.data), state, OFF_ROSTER)
        return (cov.off_roster_rows(self.data, state, self.off_roster.table_rows),
                lambda state=dict(state): cov.off_roster_rows(self.data, state), total)

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
