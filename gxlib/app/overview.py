"""总览 dashboard: KPI cards, outcome and 表二 trends, rankings."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as W
import polars as pl

from .. import aggregates, charts, metrics
from .data import EXTRA_DEFINITIONS, FILTER_COLUMNS, Data, apply_filters, definitions
from .downloads import DownloadButtons
from . import regions
from .state import FilterBar, _key
from .widgets import UNKNOWN_SUFFIX, ChartPanel, Kpi, SpecOf, _marker, header, kpi_html, section, swapped_spec

KPI_CODES = ("reports", "applications_received", "grant_rate", "correction_rate", "reports_with_errors", "on_time_rate")
POOLED = ("applications_received", "grant_rate", "correction_rate")  # the KPI cards of gxlib.metrics.INDICATORS
RANK_TOP = 15  # agencies the ranking chart draws (charts.ranking_chart's default)
CACHED_STATES = 24  # filter states whose results a page keeps (each holds charts and small frames)
RANK_CHOICES = [(metrics.INDICATORS[c].name_zh, c) for c in
                ("grant_rate", "open_rate", "denial_rate", "carry_forward_rate", "correction_rate", "disputes_per_100")]


def kpis_for(data: Data, state: Mapping[str, Any], year: int | None) -> dict[str, tuple[float | None, str | None, int]]:
    """{code: (value, status, n_unknown)} for one year (None: all years) under the non-year filters
    (n_unknown: reports whose value is unknown and left out), from the ``kpi`` aggregate."""
    cells = data.scan("kpi", state, year=year).collect()
    n = int(cells["n_reports"].sum()) if cells.height else 0
    out: dict[str, tuple[float | None, str | None, int]] = {}
    out["reports"] = (float(n) if n else None, None, 0)
    for code in POOLED:
        r = aggregates.pooled(cells, code) if n else pl.DataFrame()
        if r.height == 0:
            out[code] = (None, None, 0)
        else:
            out[code] = (r["value"][0], r["status"][0] if "status" in r.columns else None, int(r["n_unknown"][0]))
    out["reports_with_errors"] = (float(cells["n_error"].sum()) if n else None, None, 0)
    undated = int(cells["n_undated"].sum()) if n else 0
    dated = n - undated
    out["on_time_rate"] = ((int(cells["n_on_time"].sum()) / dated) if dated else None, None, undated)
    return out


def matched_kpis(data: Data, state: Mapping[str, Any], year: int, side: str) -> dict[str, tuple[float | None, int]]:
    """{code: (value, n)} for ``year`` under the non-year filters, on its reports whose agency's report
    of the year before (``side`` "in_prev") / after ("in_next") is there and, like this one, has the
    value known (aggregates.PARTS; 含错误报告数: the report is enough; 按时发布率: both dated); ``n``:
    how many such reports (one per agency).  The two sides of a change are then the same agencies."""
    cells = data.scan("kpi", state, year=year).filter(pl.col(side)).collect()
    suf = aggregates.PARTS[side]
    n = int(cells["n_reports"].sum()) if cells.height else 0
    out: dict[str, tuple[float | None, int]] = {}
    for code in POOLED:
        r = aggregates.pooled(cells, code, matched=side) if n else pl.DataFrame()
        out[code] = (r["value"][0], int(r["n_reports"][0])) if r.height else (None, 0)
    out["reports_with_errors"] = (float(cells["n_error"].sum()) if n else None, n)
    dated = int(cells[f"n_dated_{suf}"].sum()) if n else 0
    out["on_time_rate"] = (int(cells[f"n_on_time_{suf}"].sum()) / dated if dated else None, dated)
    return out


def kpi_cards(data: Data, state: Mapping[str, Any]) -> tuple[list[Kpi], pl.DataFrame]:
    """KPI cards for the state's year vs the previous year, and the same as a frame (for download).
    Each change but the report count's is computed, per indicator, on the same agencies: those with
    a report in both years and the value known in both (:func:`matched_kpis`); how many is said."""
    year = state.get("year")
    cur = kpis_for(data, state, year)
    both = year is not None and (year - 1) in data.years
    now = matched_kpis(data, state, year, "in_prev") if both else {}
    prev = matched_kpis(data, state, year - 1, "in_next") if both else {}
    prev_reports = (int(data.scan("kpi", state, year=year - 1).select(pl.col("n_reports").sum()).collect().item() or 0)
                    if both else 0)
    ind = metrics.INDICATORS
    spec_ = {
        "reports": ("报告数", "count", EXTRA_DEFINITIONS["报告数"], None),
        "applications_received": (ind["applications_received"].name_zh, "count",
                                  ind["applications_received"].definition_zh, None),
        "grant_rate": (ind["grant_rate"].name_zh, "rate", ind["grant_rate"].definition_zh, True),
        "correction_rate": ("纠错率（行政复议）", "rate", ind["correction_rate"].definition_zh, False),
        "reports_with_errors": ("含错误报告数", "count", EXTRA_DEFINITIONS["含错误报告数"], False),
        "on_time_rate": ("按时发布率", "rate", EXTRA_DEFINITIONS["按时发布率"], True),
    }
    cards, rows = [], []
    for code in KPI_CODES:
        label, kind, definition, hib = spec_[code]
        v, st, unk = cur[code]
        if code == "reports":  # how many reports the corpus holds: the whole of each year
            base, p, n = v, (float(prev_reports) if prev_reports else None), None
        elif both:  # the agencies of both years with the value known in both: n of them on each side
            (base, n), p = now[code], prev[code][0]
        else:
            base, p, n = None, None, None
        cards.append(Kpi(code, label, v, kind, p, definition, hib, st, unknown=unk, base=base, n_both=n))
        change = (base - p) if base is not None and p is not None else None
        rows.append({"indicator": code, "indicator_zh": label, "year": year, "value": v, "value_both": base,
                     "prev_value": p, "change": change, "n_both": n, "status": st or "", "n_unknown": unk})
    frame = pl.DataFrame(rows, schema={"indicator": pl.String, "indicator_zh": pl.String, "year": pl.Int32,
                                       "value": pl.Float64, "value_both": pl.Float64, "prev_value": pl.Float64,
                                       "change": pl.Float64, "n_both": pl.Int64, "status": pl.String,
                                       "n_unknown": pl.Int64})
    return cards, frame


def outcome_frame(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """metrics.applications_by_outcome(by=("year",)) of the filtered corpus, from the ``outcomes``
    aggregate (unknown totals left out and counted in ``n_unknown``; a group with no known total is null)."""
    return aggregates.outcomes_by(data.scan("outcomes", state), ("year",))


def _wide_with_unknown(frame: pl.DataFrame, on: str, cols: list[str] | None = None) -> pl.DataFrame:
    """year × ``on`` of ``value`` and, per column, ``<col>__n_unknown`` (how many unknown values the
    cell left out; table_html marks those cells and the note says so)."""
    wide = frame.pivot(on=on, index="year", values="value", aggregate_function="first").sort("year")
    unk = frame.pivot(on=on, index="year", values="n_unknown", aggregate_function="first").sort("year")
    cols = [c for c in (cols or [c for c in wide.columns if c != "year"]) if c in wide.columns]
    unk = unk.select("year", *[pl.col(c).fill_null(0).alias(f"{c}{UNKNOWN_SUFFIX}") for c in cols])
    return wide.select("year", *cols).join(unk, on="year", how="left")


def outcome_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The outcome frame as year × outcome counts (what outcome_trend draws), with the year's total
    (unknown when every outcome is unknown; its unknown count is the sum of the outcomes')."""
    if frame.height == 0:
        return frame
    order = [metrics.OUTCOME_ZH[o] for o in metrics.OUTCOMES]
    wide = _wide_with_unknown(frame.rename({"count": "value"}), "outcome_zh", order)
    cols = [c for c in order if c in wide.columns]
    known = pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
    return wide.with_columns(
        pl.when(known).then(pl.sum_horizontal(cols)).otherwise(None).alias("合计"),
        pl.sum_horizontal([f"{c}{UNKNOWN_SUFFIX}" for c in cols]).alias(f"合计{UNKNOWN_SUFFIX}"),
    )


def proactive_frame(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """metrics.proactive_items_by_year(by=("year",)) of the filtered corpus, from the ``proactive`` aggregate."""
    return aggregates.proactive_by(data.scan("proactive", state), ("year",))


# the yearly totals are sums over whatever reports the corpus holds for the year
COVERAGE_NOTE = "各年合计是当年收录报告之和，随收录的报告数（表中“报告数”）变化；同一批机关的年度变化见指标卡。"


def reports_by_year(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """year, n_reports: the reports each year's totals are summed over (older ones not counted)."""
    return data.scan("kpi", state).group_by("year").agg(pl.col("n_reports").sum().cast(pl.Int64)).collect()


def with_reports(table: pl.DataFrame, n: pl.DataFrame) -> pl.DataFrame:
    """``table`` (year × …) with the year's report count after the year."""
    if table.height == 0:
        return table
    out = table.join(n.with_columns(pl.col("year").cast(table.schema["year"])), on="year", how="left")
    return out.select("year", "n_reports", *[c for c in table.columns if c != "year"])


def proactive_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The comparable 表二 series as year × item (what proactive_trend draws), with unknown counts."""
    df = frame.filter(pl.col("comparable"))
    if df.height == 0:
        return pl.DataFrame()
    long = (
        df.group_by("year", "item", "item_zh", "series_zh").agg(metrics.known_sum("value"), pl.col("n_unknown").sum())
        .with_columns((pl.col("item_zh") + "·" + pl.col("series_zh").str.replace(r"（.*", "")).alias("label"))
        .sort("item", "label")
    )
    return _wide_with_unknown(long, "label", long["label"].unique(maintain_order=True).to_list())


def _year_rows(data: Data, year: int, code: str) -> pl.DataFrame:
    """The year's counted ``indicators`` rows with the columns a ranking by ``code`` and the filters
    read, and ``_dup``: the agency has more than one of them (in memory, ~10 MB a year at national
    scale; kept for the last three (year, indicator) asked)."""
    kept = data.cache.setdefault("overview_rank_rows", {})
    if (year, code) not in kept:
        ind = metrics.INDICATORS[code]
        lf = data.scan("indicators", {}, year=year).filter(~pl.col("older"))
        names = lf.collect_schema().names()
        cols = [c for c in dict.fromkeys(("agency_key", "agency", "region", "level", "year", *FILTER_COLUMNS,
                                          ind.numerator, ind.denominator)) if c in names]
        kept[(year, code)] = lf.select(cols).with_columns(pl.col("agency_key").is_duplicated().alias("_dup")).collect()
        while len(kept) > 3:
            kept.pop(next(iter(kept)))
    return kept[(year, code)]


def _ranking_rows(data: Data, state: Mapping[str, Any], code: str, dup: bool = False) -> pl.LazyFrame:
    """The filtered ``indicators`` rows of the state's year that a ranking reads (its columns only;
    a year's from memory, all years' from Parquet)."""
    ind = metrics.INDICATORS[code]
    cols = list(dict.fromkeys(("agency_key", "agency", "region", "level", "year", ind.numerator, ind.denominator)))
    year = state.get("year")
    if year is None:
        return data.scan("indicators", state).filter(~pl.col("older")).select(cols)
    return apply_filters(_year_rows(data, year, code).lazy(), state, FILTER_COLUMNS).select(cols + ["_dup"] * dup)


def ranking_frame(data: Data, state: Mapping[str, Any], code: str) -> pl.DataFrame:
    """metrics.rankings over the filtered reports of the state's year: one lazy query over the
    ``indicators`` rows (the columns it reads only)."""
    out = metrics.rankings(_ranking_rows(data, state, code), code, year=state.get("year"),
                           descending=metrics.INDICATORS[code].higher_is_better is not False)
    return out if out.height else pl.DataFrame()


def ranking_head(data: Data, state: Mapping[str, Any], code: str, rows: int) -> tuple[pl.DataFrame, int, int]:
    """(the first ``rows`` rows of :func:`ranking_frame`, its row count, its 样本不足 count): what
    the page shows, without the whole ranking (143k agencies a year at national scale).  For one
    year, an agency with one report that year is its own row; only agencies with several are
    grouped, as metrics.rankings groups them; the sort keeps the first rows only.  Tested equal to
    ranking_frame for every filter and indicator."""
    if state.get("year") is None:  # all years pooled: every agency has several reports
        full = ranking_frame(data, state, code)
        n_out = int((full["status"] == metrics.INSUFFICIENT).sum()) if full.height else 0
        return full.head(rows), full.height, n_out
    ind = metrics.INDICATORS[code]
    num, den, by = ind.numerator, ind.denominator, "agency_key"
    valid = _ranking_rows(data, state, code, dup=True).filter(pl.col(num).is_not_null() & pl.col(den).is_not_null())
    one = valid.filter(~pl.col("_dup")).select(
        by, "agency", "level", "region", pl.col(num).alias("numerator"), pl.col(den).alias("denominator"),
        pl.lit(1, pl.UInt32).alias("n_reports"))
    many = valid.filter(pl.col("_dup")).group_by(by).agg(
        pl.col("agency").sort_by("year").last(), pl.col("level").sort_by("year").last(),
        pl.col("region").sort_by("year").last(), pl.col(num).sum().alias("numerator"),
        pl.col(den).sum().alias("denominator"), pl.len().alias("n_reports"))
    ranked = (pl.col("denominator") >= ind.min_denominator) & (pl.col("denominator") > 0)
    agg = pl.concat([one, many], how="vertical_relaxed").with_columns(
        pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator") * ind.scale).alias("value"),
        pl.when(ranked).then(pl.lit(metrics.RANKED)).otherwise(pl.lit(metrics.INSUFFICIENT)).alias("status"),
    ).collect()
    if agg.height == 0:
        return pl.DataFrame(), 0, 0
    head = (agg.lazy().with_columns(
        pl.when(pl.col("status") == metrics.RANKED).then(pl.col("value")).otherwise(None)
        .rank("min", descending=ind.higher_is_better is not False).cast(pl.Int32).alias("rank"),
        pl.lit(code).alias("indicator"), pl.lit(ind.name_zh).alias("indicator_zh"))
        .sort(["rank", "denominator", by], descending=[False, True, False], nulls_last=True).head(rows)
        .select(by, "agency", "level", "region", "indicator", "indicator_zh", "numerator", "denominator", "value",
                "rank", "status", "n_reports").collect())
    return head, agg.height, int((agg["status"] == metrics.INSUFFICIENT).sum())


OUTCOME_COLS = ("year", "outcome", "outcome_zh", "count", "share", "n_reports")


def _years(frame: pl.DataFrame) -> tuple:
    y = frame["year"].drop_nulls()
    return (y.min(), y.max()) if y.len() else ()


def outcome_spec(frame: pl.DataFrame) -> SpecOf:
    """charts.outcome_trend(frame) as a spec; altair builds it once per year range (its axis)."""
    df = frame.select(OUTCOME_COLS)
    return swapped_spec(("outcome_trend", _years(df)), df, lambda: charts.outcome_trend(frame))


def proactive_chart_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows charts.proactive_trend draws (its own grouping of the comparable series)."""
    return (frame.filter(pl.col("comparable"))
            .group_by("year", "item", "item_zh", "series", "series_zh")
            .agg(metrics.known_sum("value"), pl.col("n_reports").max())
            .with_columns((pl.col("item_zh") + "·" + pl.col("series_zh").str.replace(r"（.*", "")).alias("label"))
            .sort("year", "item", "series"))


def proactive_spec(frame: pl.DataFrame) -> SpecOf:
    """charts.proactive_trend(frame) as a spec; altair builds it once per year range; the item its
    selection starts on (the largest) is set in the spec."""
    df = proactive_chart_frame(frame)
    biggest = df.group_by("label").agg(pl.col("value").sum()).sort(["value", "label"], descending=[True, False])
    key = ("proactive_trend", _years(df), df.height > 0)
    pick = {"item_pick": [{"label": biggest["label"][0]}]} if df.height else None
    return swapped_spec(key, df, lambda: charts.proactive_trend(frame), pick)


class OverviewApp:
    """总览: filters (in the URL), KPI cards with year-over-year change, outcome and 表二 trends with
    the template break, rankings with minimum denominators; each with its numbers and downloads."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):


        self._time = time.perf_counter
        self.data = data
        self.rank = W.Dropdown(options=RANK_CHOICES, value="grant_rate", description="排名指标",
                               layout=W.Layout(width="250px"), style={"description_width": "64px"})
        self.rank.add_class("gx-filter")
        self.rank.add_class("gx-filter-rank")
        self.group = W.Dropdown(options=[(v, k) for k, v in regions.GROUPINGS.items()], value="parent",
                                description="地区合计", layout=W.Layout(width="250px"),
                                style={"description_width": "64px"})
        self.group.add_class("gx-filter")
        self.group.add_class("gx-filter-group")
        self.bar = FilterBar(data, params=params, extra={"rank": self.rank, "group": self.group})
        self.kpis = W.HTML()
        self.kpis.add_class("gx-kpi-box")
        self._kpi_frame = pl.DataFrame()
        self.kpi_dl = DownloadButtons(
            "kpi", lambda: self._kpi_frame,
            definitions("grant_rate", "correction_rate", "applications_received",
                        extra=("报告数", "含错误报告数", "按时发布率")))
        self.outcomes = ChartPanel("outcomes", definitions("grant_rate", "open_rate", "denial_rate"),
                                   note="依申请公开办理结果（表三（一）至（六）各行总计）；虚线为 2021 年模板变更。"
                                        + COVERAGE_NOTE)
        self.proactive = ChartPanel("proactive", {"表二口径": metrics.PROACTIVE_NOTE_ZH} | metrics.definitions(),
                                    note="主动公开：表二中跨模板可比的栏目（本年制发/新制作、处理决定数量）。" + COVERAGE_NOTE)
        self.ranking = ChartPanel("ranking", lambda: definitions(self.rank.value), table_rows=20)
        self.regions = ChartPanel("regions", regions.DEFINITIONS, table_rows=20,
                                  note="每份申请只计一次：所属单位的报告已并入其上级当年的汇总报告时不再相加。")
        self.marker = W.HTML()
        self._cache: dict[tuple, tuple] = data.cache.setdefault("overview", {})  # warm() fills it ahead
        self.bar.wire(self.kpi_dl, self.outcomes, self.proactive, self.ranking, self.regions)
        self.bar.on_change(self.refresh)
        self.refresh(self.bar.state)

    def compute(self, state: Mapping[str, Any]) -> tuple:
        k = _key(state)
        if k not in self._cache:
            trend_key = _key({c: state.get(c) for c in FILTER_COLUMNS})
            hit = next((v for kk, v in self._cache.items() if _key({c: dict(kk).get(c) for c in FILTER_COLUMNS})
                        == trend_key), None)
            cards, kframe = kpi_cards(self.data, state)
            if hit is not None:  # the trend charts do not depend on the year / ranking choice
                out_fig, pro_fig, pro_tab = hit[2], hit[3], hit[4]
            else:
                of = outcome_frame(self.data, state)
                pf = proactive_frame(self.data, state)
                n = reports_by_year(self.data, state)
                out_fig = (outcome_spec(of), with_reports(outcome_table(of), n)) if of.height else None
                pro_fig = proactive_spec(pf) if pf.filter(pl.col("comparable")).height else None
                pro_tab = with_reports(proactive_table(pf), n)
            head, n_rank, left_out = ranking_head(self.data, state, state["rank"], max(RANK_TOP, self.ranking.table_rows))
            rank_fig = (charts.ranking_chart(head, RANK_TOP, left_out=left_out)
                        if head.height and head.filter(pl.col("status") == metrics.RANKED).height else None)
            rank = (head.head(self.ranking.table_rows), n_rank)  # the page keeps the head; downloads recompute
            by = state.get("group") or "parent"
            reg_fig = self._region_fig(by, state.get("year"))
            self._cache[k] = (cards, kframe, out_fig, pro_fig, pro_tab, rank_fig, rank, reg_fig,
                              regions.summary(self.data, by))
            while len(self._cache) > CACHED_STATES:  # bounded: the oldest state goes first
                self._cache.pop(next(iter(self._cache)))
        return self._cache[k]

    def _region_fig(self, by: str, year: int | None):
        """The 地区合计 chart of a grouping and year (the other filters do not change it): built once."""
        figs = self.data.cache.setdefault("overview_region_figs", {})
        if (by, year) not in figs:
            figs[(by, year)] = regions.region_chart(regions.year_top(self.data, by, year), year, by)
        return figs[(by, year)]

    def refresh(self, state: Mapping[str, Any]) -> None:
        t0 = self._time()
        cards, kframe, out_fig, pro_fig, pro_tab, rank_fig, (rf, n_rank), reg_fig, reg = self.compute(state)
        year = state.get("year")
        self._kpi_frame = kframe
        self.kpis.value = kpi_html(cards, prev_label=f"{year - 1} 年" if year else "上年")
        self.outcomes.update(out_fig[0] if out_fig else None, table=out_fig[1] if out_fig else None)
        self.proactive.update(pro_fig, table=pro_tab)
        st = dict(state)
        self.ranking.update(rank_fig.chart if rank_fig else None, frame=rf, total=n_rank,
                            full=lambda: ranking_frame(self.data, st, st["rank"]))
        by = state.get("group") or "parent"
        self.regions.update(reg_fig.chart if reg_fig else None, frame=reg[0], total=reg[1], unknown_total=reg[2],
                            full=lambda: regions.totals(self.data, by))
        ms = (self._time() - t0) * 1000
        self.marker.value = _marker(self.bar.query, ms, f"更新用时 {ms:.0f} 毫秒")

    def widget(self) -> W.Widget:
        yr_note = "年度筛选作用于指标卡与排名；趋势图显示所选范围内的全部年度。"
        return W.VBox([
            header("政府信息公开工作年度报告 · 总览", "数据来源：各机关发布的政府信息公开工作年度报告（表二、表三、表四）"),
            self.bar.widget(),
            W.HTML(f'<div class="gx-note">{yr_note} 悬停指标卡可查看定义。</div>'),
            self.kpis, self.kpi_dl,
            section("依申请公开办理结果"), self.outcomes.box,
            section("主动公开（表二）"), self.proactive.box,
            section("机关排名", "分母小于最小样本量的机关标为“样本不足”，不参与排名。" + metrics.POLICY_ZH),
            self.ranking.box,
            section("地区合计（每份申请只计一次）", "按上级机关或层级汇总本年新收申请；汇总报告与其所属单位的报告不相加。"
                    "不受地区/层级/机关类型筛选影响；年度筛选决定柱状图的年度，表格为全部年度。"),
            self.regions.box,
            self.marker,
        ])
