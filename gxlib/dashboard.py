"""Widgets, layout and cached data shared by the three Voilà dashboards (``dashboards/*.ipynb``).

The dashboards' cells stay short: they call :func:`load` (the corpus, aggregated once), build a
:class:`FilterBar` whose state lives in the page URL (:class:`UrlState`), and put charts
(:class:`ChartPanel`: an offline altair widget, the numbers as a table, CSV/Excel downloads) and
KPI cards on the page.  Everything heavy is computed once per corpus in polars and cached per
filter state, so a filter change only re-aggregates a per-report frame (~10⁴ rows).

URL state in Voilà 0.5
----------------------
Voilà hands the request's query string to the kernel as the ``QUERY_STRING`` environment
variable.  With preheated kernels (``voila.json``: ``preheat_kernel``) the notebook starts running
*before* any request exists; ``voila.utils.get_query_string()`` blocks until Voilà has given the
kernel to a request and then returns the query string (without preheat, and outside Voilà, it
returns at once).  :func:`query_params` calls it after the heavy cells, so the pool still does the
slow part ahead of time.  The page's URL is then kept in step with the filters by
:class:`UrlState` (``history.replaceState``; no reload), so the address bar can be shared.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import altair as alt
import anywidget
import ipywidgets as W
import polars as pl
import traitlets

from . import charts, export, metrics, spec

DEMO_TEXT = "示例数据，非真实报告"
ALL = "全部"
ANY = ""  # a filter dropdown's value for 全部 (None would show as an empty dropdown)
ALL_YEARS = "all"  # the year dropdown's value for 全部年度 (also in the URL: ?year=all)
ON_TIME, LATE, MISSING, UNDATED = "按时", "逾期", "未发布", "日期不详"
STATUS_COLORS = {ON_TIME: "#5cb85c", LATE: "#f0ad4e", MISSING: "#d9534f", UNDATED: "#9e9e9e"}
TABLE_ROWS = 30  # rows shown in an on-screen table (downloads carry all rows)

# ---------------------------------------------------------------------------------------------
# Indicators the dashboards need beyond gxlib.metrics (definitions for KPI cards and 指标定义 sheets)

EXTRA_DEFINITIONS = {
    "报告数": "纳入统计的年度报告份数（同一机关同一年度只计一份）。",
    "含错误报告数": "至少有一条 error 级检查发现（勾稽关系不平、缺表等）的报告份数。",
    "按时发布率": "按时发布的报告 ÷ 有发布日期的报告。期限（条例第四十九条）：部门 次年1月31日前，"
                  "本级政府 次年3月31日前；机关类型不明按 3月31日 计。",
    "发布状态": "按时：发布日期不晚于期限；逾期：晚于期限；未发布：该机关在语料库中有其他年度的报告，"
                "但没有该年度的报告；日期不详：报告未写明发布日期。",
}


def definitions(*codes: str, extra: Iterable[str] = ()) -> dict[str, str]:
    """metrics.definitions(*codes) plus the dashboard-only definitions named in ``extra``."""
    out = {k: EXTRA_DEFINITIONS[k] for k in extra}
    return out | metrics.definitions(*codes)


def due_date_expr(year: str = "year", agency_type: str = "agency_type") -> pl.Expr:
    """条例 第四十九条 deadline (the same rule as checks ``timeliness.late``)."""
    return (
        pl.when(pl.col(agency_type) == "部门")
        .then(pl.date(pl.col(year) + 1, 1, 31))
        .otherwise(pl.date(pl.col(year) + 1, 3, 31))
    )


# ---------------------------------------------------------------------------------------------
# Data: loaded and aggregated once per corpus


@dataclass
class Data:
    """A corpus prepared for the dashboards (all frames collected; per-report granularity)."""

    path: Path | None
    is_demo: bool
    corpus: Any = None
    reports: pl.DataFrame = field(default_factory=pl.DataFrame)  # deduped, + source, published, due, on_time, has_error
    indicators: pl.DataFrame = field(default_factory=pl.DataFrame)  # metrics.report_indicators
    outcomes: pl.DataFrame = field(default_factory=pl.DataFrame)  # per report × outcome (+ meta)
    proactive: pl.DataFrame = field(default_factory=pl.DataFrame)  # per report × item × measure (+ meta)
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)  # metrics.findings, collected
    findings_raw: pl.DataFrame = field(default_factory=pl.DataFrame)  # the corpus findings frame
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.reports.height > 0

    @property
    def years(self) -> list[int]:
        return sorted(self.reports["year"].drop_nulls().unique().to_list()) if self.ok else []

    def options(self, column: str) -> list[str]:
        if not self.ok:
            return []
        return sorted(self.reports[column].drop_nulls().unique().to_list())


def corpus_path() -> Path | None:
    p = os.environ.get("GX_CORPUS", "")
    return Path(p) if p else None


def demo_flag(path: Path | None) -> bool:
    if os.environ.get("GX_DEMO") == "1":
        return True
    return path is not None and (path / "DEMO").exists()


META = ("report_id", "agency", "agency_key", "region", "level", "agency_type", "year", "template")


@cache
def _load(path_str: str | None) -> Data:
    path = Path(path_str) if path_str else None
    data = Data(path=path, is_demo=demo_flag(path))
    if path is None or not path.is_dir():
        data.error = "未找到语料库（GX_CORPUS 未设置或目录不存在）"
        return data
    from .corpus import load_corpus

    try:
        corpus = load_corpus(path)
    except Exception as e:  # noqa: BLE001 - shown to the user, details in the server log
        data.error = f"语料库无法读取：{type(e).__name__}"
        return data
    if corpus.manifest.get("demo"):
        data.is_demo = True
    data.corpus = corpus
    ri = metrics.report_indicators(corpus)
    data.indicators = ri
    meta = ri.select(META)
    findings = metrics.findings(corpus).collect()
    data.findings = findings
    data.findings_raw = corpus.findings.collect()
    errors = findings.filter(pl.col("severity") == "error").select("report_id").unique()
    reps = (
        metrics.reports(corpus)
        .select(*META, "source", "format", "published")
        .collect()
        .with_columns(due_date_expr().alias("due"))
        .with_columns(
            pl.when(pl.col("published").is_null()).then(pl.lit(UNDATED))
            .when(pl.col("published") > pl.col("due")).then(pl.lit(LATE))
            .otherwise(pl.lit(ON_TIME)).alias("status"),
            pl.col("report_id").is_in(errors["report_id"].implode()).alias("has_error"),
        )
    )
    data.reports = reps
    data.outcomes = metrics.applications_by_outcome(corpus, by=("report_id",)).join(meta, on="report_id")
    data.proactive = (
        metrics.proactive_items_by_year(corpus, by=("report_id", "year"))
        .drop("template")
        .join(meta.drop("year"), on="report_id")
    )
    return data


def load(path: str | os.PathLike | None = None) -> Data:
    """The dashboards' data for ``path`` (default: ``$GX_CORPUS``); cached per path in the kernel."""
    p = Path(path) if path is not None else corpus_path()
    return _load(str(p.resolve()) if p is not None else None)


# ---------------------------------------------------------------------------------------------
# Filters


FILTER_LABELS = {"year": "年度", "region": "地区", "level": "层级", "agency_type": "机关类型", "template": "模板"}
FILTER_COLUMNS = ("region", "level", "agency_type", "template")


def apply_filters(frame: pl.DataFrame, state: Mapping[str, Any], columns: Iterable[str] = FILTER_COLUMNS) -> pl.DataFrame:
    """Rows of ``frame`` matching the non-year filters of ``state`` (None / 全部 = no filter)."""
    preds = [pl.col(c) == state[c] for c in columns if state.get(c) not in (None, "", ALL) and c in frame.columns]
    return frame.filter(*preds) if preds else frame


def query_params() -> dict[str, str]:
    """The page URL's query string as {key: last value} (see the module docstring)."""
    qs = None
    try:
        from voila.utils import get_query_string

        qs = get_query_string()
    except Exception:  # noqa: BLE001 - not in Voilà, or the request info did not arrive
        qs = None
    if qs is None:
        qs = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(qs or "", keep_blank_values=False).items()}


def to_query(state: Mapping[str, Any], keys: Sequence[str] | None = None) -> str:
    keys = list(keys) if keys is not None else list(state)
    return urlencode([(k, str(state[k])) for k in keys if state.get(k) not in (None, "", ALL)])


class UrlState(anywidget.AnyWidget):
    """Keeps the page URL's query string equal to ``query`` (history.replaceState, no reload).

    Invisible.  When the kernel could not read the request's query string (``server_seen`` False),
    the browser sends ``location.search`` back as ``browser_query`` once."""

    _esm = """
    function render({ model, el }) {
      el.style.display = "none";
      el.classList.add("gx-url-state");
      const push = () => {
        const q = model.get("query") || "";
        const url = new URL(window.location.href);
        url.search = q ? "?" + q : "";
        if (url.href !== window.location.href) {
          window.history.replaceState(window.history.state, "", url.href);
        }
        document.body.dataset.gxQuery = q;
      };
      model.on("change:query", push);
      if (!model.get("server_seen") && window.location.search.length > 1) {
        model.set("browser_query", window.location.search.slice(1));
        model.save_changes();
      } else {
        push();
      }
    }
    export default { render };
    """
    query = traitlets.Unicode("").tag(sync=True)
    browser_query = traitlets.Unicode("").tag(sync=True)
    server_seen = traitlets.Bool(False).tag(sync=True)


class FilterBar:
    """Dropdowns for the given filters; ``state`` mirrors them, ``on_change(fn)`` is called with it.

    The initial state comes from the URL (``params``), validated against the options."""

    def __init__(self, data: Data, filters: Sequence[str] = ("year", *FILTER_COLUMNS), *,
                 params: Mapping[str, str] | None = None, extra: Mapping[str, W.ValueWidget] | None = None,
                 default_year: int | None | str = "latest"):
        self.data = data
        self.filters = list(filters)
        self.extra = dict(extra or {})
        self._callbacks: list[Callable[[dict], None]] = []
        self._muted = False
        self.widgets: dict[str, W.Dropdown] = {}
        years = data.years
        for f in self.filters:
            if f == "year":
                opts = [(str(y), y) for y in reversed(years)] + [("全部年度", ALL_YEARS)]
                default = years[-1] if (default_year == "latest" and years) else ALL_YEARS
            else:
                opts = [(ALL, ANY)] + [(v, v) for v in data.options(f)]
                default = ANY
            dd = W.Dropdown(options=opts, value=default, description=FILTER_LABELS[f],
                            layout=W.Layout(width="190px" if f != "region" else "240px"),
                            style={"description_width": "56px"})
            dd.add_class("gx-filter")
            dd.add_class(f"gx-filter-{f}")
            self.widgets[f] = dd
        self.url = UrlState()
        self.server_seen = params is not None
        self.url.server_seen = bool(self.server_seen)
        if params:
            self.set_state(params, notify=False)
        for w in [*self.widgets.values(), *self.extra.values()]:
            w.observe(self._changed, names="value")
        self.url.observe(self._from_browser, names="browser_query")
        self.url.query = self.query

    # state ------------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        """{filter: value}; None where the filter is off (全部 / 全部年度)."""
        out = {f: w.value for f, w in self.widgets.items()}
        out |= {k: w.value for k, w in self.extra.items()}
        return {k: (None if v in (ANY, ALL_YEARS) else v) for k, v in out.items()}

    @property
    def query(self) -> str:
        """The URL query string of the state (``year=all`` kept: the default year is the latest)."""
        raw = {f: w.value for f, w in self.widgets.items()} | {k: w.value for k, w in self.extra.items()}
        return to_query({k: (None if v == ANY else v) for k, v in raw.items()}, [*self.filters, *self.extra])

    def set_state(self, params: Mapping[str, Any], notify: bool = True) -> None:
        """Set widgets from ``params`` (strings from the URL are matched to the options)."""
        self._muted = True
        try:
            for k, v in params.items():
                w = self.widgets.get(k) or self.extra.get(k)
                if w is None or v is None:
                    continue
                values = [o[1] if isinstance(o, tuple) else o for o in getattr(w, "options", [])]
                match = next((o for o in values if o is not None and str(o) == str(v)), None)
                if match is not None:
                    w.value = match
                elif k == "year" and str(v) in (ALL_YEARS, ALL, "全部年度") and ALL_YEARS in values:
                    w.value = ALL_YEARS
        finally:
            self._muted = False
        if notify:
            self._changed(None)

    def on_change(self, fn: Callable[[dict], None]) -> None:
        self._callbacks.append(fn)

    def _changed(self, _change) -> None:
        if self._muted:
            return
        st = self.state
        self.url.query = self.query
        for fn in self._callbacks:
            fn(st)

    def _from_browser(self, change) -> None:
        if self.server_seen or not change.new:
            return
        self.server_seen = True
        self.set_state({k: v[-1] for k, v in parse_qs(change.new).items()})

    def widget(self) -> W.Widget:
        box = W.HBox([*self.widgets.values(), *self.extra.values(), self.url],
                     layout=W.Layout(flex_flow="row wrap", gap="4px 12px"))
        box.add_class("gx-filterbar")
        box.add_class("gx-noprint")
        return box


# ---------------------------------------------------------------------------------------------
# Downloads


class DownloadButtons(anywidget.AnyWidget):
    """「下载 CSV」「下载 Excel」 buttons: a click asks the kernel for the bytes of what is on screen
    (``frame_fn()``, via gxlib.export) and the browser saves them (a Blob URL; works offline)."""

    _esm = """
    function render({ model, el }) {
      el.classList.add("gx-download", "gx-noprint");
      el.dataset.name = model.get("name");
      const fmts = [["csv", "下载 CSV"], ["xlsx", "下载 Excel（含指标定义）"]];
      for (const [fmt, label] of fmts) {
        const b = document.createElement("button");
        b.textContent = label;
        b.className = "gx-dl-btn jupyter-button";
        b.dataset.fmt = fmt;
        b.title = model.get("hint");
        b.addEventListener("click", () => model.send({ request: fmt }));
        el.appendChild(b);
      }
      model.on("msg:custom", (msg, buffers) => {
        if (!msg || msg.kind !== "file") return;
        const blob = new Blob([buffers[0]], { type: msg.mime });
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = msg.filename;
        a.style.display = "none";
        document.body.appendChild(a);
        a.click();
        setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
      });
    }
    export default { render };
    """
    _css = """
    .gx-download { display: flex; gap: 8px; margin: 4px 0 10px 0; }
    .gx-dl-btn { padding: 2px 10px; cursor: pointer; }
    """
    name = traitlets.Unicode("data").tag(sync=True)
    hint = traitlets.Unicode("下载当前屏幕上的数据").tag(sync=True)

    def __init__(self, name: str, frame_fn: Callable[[], pl.DataFrame],
                 defs: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None, **kw):
        super().__init__(name=name, **kw)
        self.frame_fn = frame_fn
        self.defs = defs
        self.on_msg(self._handle)

    def _handle(self, _widget, content, _buffers) -> None:
        fmt = (content or {}).get("request")
        if fmt not in ("csv", "xlsx"):
            return
        frame = self.frame_fn()
        defs = self.defs() if callable(self.defs) else self.defs
        data = export.to_bytes(frame, fmt, defs)
        stamp = dt.date.today().strftime("%Y%m%d")
        self.send({"kind": "file", "filename": f"{self.name}_{stamp}.{fmt}", "mime": export.MIME[fmt]}, [data])


# ---------------------------------------------------------------------------------------------
# HTML pieces


CSS = """
<style>
.gx-banner { padding: 8px 12px; margin: 4px 0 8px 0; border: 1px solid #c9a227; background: #fff8e1; font-size: 15px; }
.gx-error { border-color: #d9534f; background: #fdecea; }
.gx-title { font-size: 22px; font-weight: 600; margin: 6px 0 2px 0; }
.gx-sub { color: #555; font-size: 13px; margin-bottom: 8px; }
.gx-kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 14px 0; }
.gx-kpi { border: 1px solid #dcdcdc; border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #fafafa; cursor: help; }
.gx-kpi-label { font-size: 13px; color: #555; }
.gx-kpi-value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.gx-kpi-delta { font-size: 12px; color: #777; }
.gx-up { color: #2e7d32; } .gx-down { color: #c62828; }
.gx-section { font-size: 17px; font-weight: 600; margin: 18px 0 4px 0; border-left: 4px solid #2f7ebc; padding-left: 8px; }
.gx-note { font-size: 12px; color: #666; margin: 2px 0 6px 0; }
table.gx-table { border-collapse: collapse; font-size: 12.5px; margin: 4px 0; }
table.gx-table th, table.gx-table td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; white-space: nowrap; }
table.gx-table th { background: #f2f5f9; text-align: center; }
table.gx-table td.gx-t { text-align: left; white-space: normal; max-width: 420px; }
.gx-status-按时 { background: #e8f5e9; } .gx-status-逾期 { background: #fff3e0; }
.gx-status-未发布 { background: #fdecea; } .gx-status-日期不详 { background: #eeeeee; }
.gx-drill { border: 1px solid #ccc; padding: 8px 12px; background: #fcfcfc; font-size: 13px; }
.gx-drill code { background: #f3f3f3; padding: 1px 4px; white-space: pre-wrap; }
.gx-panel { margin-bottom: 10px; }
@media print {
  .gx-noprint, .gx-filterbar, .gx-download, .widget-dropdown, .widget-combobox, .jupyter-button,
  .vega-embed details, .vega-embed .vega-actions { display: none !important; }
  .gx-kpi { break-inside: avoid; }
  .gx-panel { break-inside: avoid; }
  body { font-size: 11pt; }
}
</style>
"""


def style() -> W.HTML:
    return W.HTML(CSS)


def banner(data: Data) -> W.HTML:
    parts = []
    if data.is_demo:
        parts.append(f'<div class="gx-banner gx-demo">{DEMO_TEXT}</div>')
    if data.error:
        parts.append(f'<div class="gx-banner gx-error gx-no-corpus">{html.escape(data.error)}</div>')
    elif not data.ok:
        parts.append('<div class="gx-banner gx-error gx-no-corpus">语料库中没有报告</div>')
    return W.HTML("".join(parts))


def header(title: str, subtitle: str = "") -> W.HTML:
    sub = f'<div class="gx-sub">{html.escape(subtitle)}</div>' if subtitle else ""
    return W.HTML(f'<div class="gx-title">{html.escape(title)}</div>{sub}')


def section(title: str, note: str = "") -> W.HTML:
    n = f'<div class="gx-note">{html.escape(note)}</div>' if note else ""
    return W.HTML(f'<div class="gx-section">{html.escape(title)}</div>{n}')


def _fmt(v: Any, kind: str = "count") -> str:
    if v is None:
        return "—"
    if kind == "rate":
        return f"{v:.1%}"
    if kind == "float":
        return f"{v:,.2f}"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, (int, float)) else html.escape(str(v))


def _cell(v: Any) -> str:
    if v is None:
        return '<td class="gx-null">—</td>'
    if isinstance(v, bool):
        return f"<td>{'是' if v else '否'}</td>"
    if isinstance(v, float):
        txt = f"{int(v):,}" if v.is_integer() and abs(v) < 1e15 else f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
        return f"<td>{txt}</td>"
    if isinstance(v, int):
        return f"<td>{v}</td>" if 1900 <= v <= 2100 else f"<td>{v:,}</td>"
    s = html.escape(str(v))
    cls = f"gx-t gx-status-{s}" if s in STATUS_COLORS else "gx-t"
    return f'<td class="{cls}">{s}</td>'


def table_html(frame: pl.DataFrame, name: str, max_rows: int = TABLE_ROWS, chinese: bool = True) -> str:
    """An HTML table of ``frame`` (Chinese headers); the first ``max_rows`` rows and a note."""
    shown = metrics.zh(frame) if chinese else frame
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in shown.head(max_rows).iter_rows())
    note = ""
    if frame.height > max_rows:
        note = f'<div class="gx-note">共 {frame.height} 行，仅显示前 {max_rows} 行；下载可得全部。</div>'
    elif frame.height == 0:
        note = '<div class="gx-note">（无数据）</div>'
    return (f'<table class="gx-table" data-name="{html.escape(name)}" data-rows="{frame.height}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}")


@dataclass
class Kpi:
    code: str
    label: str
    value: float | None
    kind: str = "count"  # count | rate
    prev: float | None = None
    definition: str = ""
    higher_is_better: bool | None = True
    status: str | None = None  # 样本不足 …


def kpi_html(kpis: Sequence[Kpi], prev_label: str = "上年") -> str:
    cards = []
    for k in kpis:
        val = _fmt(k.value, k.kind)
        if k.status == metrics.INSUFFICIENT:
            val += '<span class="gx-note"> 样本不足</span>'
        delta = ""
        if k.value is not None and k.prev is not None:
            d = k.value - k.prev
            if k.kind == "rate":
                txt = f"{d * 100:+.1f} 个百分点"
            else:
                txt = f"{d:+,.0f}" + (f"（{d / k.prev:+.1%}）" if k.prev else "")
            good = (None if k.higher_is_better is None or d == 0 or k.status == metrics.INSUFFICIENT
                    else (d > 0) == k.higher_is_better)
            cls = "" if good is None else ("gx-up" if good else "gx-down")
            delta = f'较 {prev_label} <span class="{cls}">{txt}</span>'
        elif k.prev is None and k.value is not None:
            delta = f"{prev_label}无可比数据"
        data_value = "" if k.value is None else repr(float(k.value))
        cards.append(
            f'<div class="gx-kpi" data-kpi="{k.code}" data-value="{data_value}" '
            f'title="{html.escape(k.definition, quote=True)}">'
            f'<div class="gx-kpi-label">{html.escape(k.label)} ⓘ</div>'
            f'<div class="gx-kpi-value">{val}</div><div class="gx-kpi-delta">{delta}</div></div>'
        )
    return f'<div class="gx-kpis">{"".join(cards)}</div>'


# ---------------------------------------------------------------------------------------------
# Charts


_OFFLINE_DONE = False


def enable_offline() -> None:
    """charts.enable_offline() plus offline JupyterChart widgets (the vega bundle from this server)."""
    global _OFFLINE_DONE
    if not _OFFLINE_DONE:
        charts.enable_offline()
        alt.JupyterChart.enable_offline()
        _OFFLINE_DONE = True


EMBED = {"renderer": "svg", "actions": False}


class ChartPanel:
    """A chart widget updated in place, its numbers as a table below it, and download buttons."""

    def __init__(self, name: str, defs: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
                 table_rows: int = TABLE_ROWS, note: str = ""):
        enable_offline()
        self.name = name
        self.frame = pl.DataFrame()
        self.table_frame: pl.DataFrame | None = None
        self.table_rows = table_rows
        self.chart = alt.JupyterChart(alt.Chart(pl.DataFrame({"x": [0]})).mark_point(opacity=0),
                                      embed_options=EMBED)
        self.chart._gx_params = ()  # the placeholder has no parameters
        self.chart.add_class("gx-chart")
        self.chart.add_class(f"gx-chart-{name}")
        self.table = W.HTML()
        self.table.add_class("gx-table-box")
        self.note = W.HTML(f'<div class="gx-note">{html.escape(note)}</div>' if note else "")
        self.download = DownloadButtons(name, lambda: self.table_frame if self.table_frame is not None else self.frame,
                                        defs)
        self.box = W.VBox([self.chart, self.note, self.table, self.download])
        self.box.add_class("gx-panel")
        self.box.add_class(f"gx-panel-{name}")

    def update(self, fig: charts.Figure | alt.TopLevelMixin | dict | None, frame: pl.DataFrame | None = None,
               table: pl.DataFrame | None = None) -> None:
        """Show ``fig`` (a charts.Figure or altair chart), its frame as the table (or ``table``)."""
        if isinstance(fig, charts.Figure):
            chart, frame = fig.chart, (frame if frame is not None else fig.frame)
        else:
            chart = fig
        self.frame = frame if frame is not None else pl.DataFrame()
        self.table_frame = table
        shown = table if table is not None else self.frame
        self.table.value = table_html(shown, self.name, self.table_rows)
        if chart is None:
            chart = alt.Chart(pl.DataFrame({"x": [0]})).mark_text(text="（无数据）", fontSize=14)
        set_chart(self.chart, chart)


_SPECS: dict[int, tuple[tuple, dict]] = {}


def chart_spec(chart: alt.TopLevelMixin) -> tuple[tuple, dict]:
    """(parameter names, vega-lite dict) of a chart, computed once per chart object."""
    hit = _SPECS.get(id(chart))
    if hit is None or hit[0] is not chart:
        spec_ = chart.to_dict(validate=False)
        names = tuple(sorted(_param_names(spec_)))
        hit = (chart, names, spec_)
        _SPECS[id(chart)] = hit
    return hit[1], hit[2]


def _param_names(node: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        for p in node.get("params", []) or []:
            if isinstance(p, dict) and "name" in p:
                out.add(p["name"])
        for k, v in node.items():
            if k not in ("datasets", "data", "params"):
                out |= _param_names(v)
    elif isinstance(node, list):
        for v in node:
            out |= _param_names(v)
    return out


def _retarget(node: Any, domain: list[float], ticks: list[int], old: str, new: str) -> None:
    """In a profile spec: the year axis' domain and ticks, and the agency's name in titles."""
    if isinstance(node, dict):
        if node.get("field") == "year" and isinstance(node.get("scale"), dict) and "domain" in node["scale"]:
            node["scale"]["domain"] = domain
            if isinstance(node.get("axis"), dict) and "values" in node["axis"]:
                node["axis"]["values"] = ticks
        for k, v in node.items():
            if k == "datasets":
                continue
            if k == "text" and isinstance(v, str) and old and old in v:
                node[k] = v.replace(old, new)
            else:
                _retarget(v, domain, ticks, old, new)
    elif isinstance(node, list):
        for v in node:
            _retarget(v, domain, ticks, old, new)


def set_chart(widget: alt.JupyterChart, chart: alt.TopLevelMixin | dict) -> None:
    """Replace a JupyterChart's chart.  When the new chart has the same parameters (selections,
    bindings) as the shown one, only the vega-lite spec is sent (no schema validation, which costs
    ~0.2 s for a concat chart); otherwise the full altair path sets the parameters up as well."""
    if isinstance(chart, dict):  # a ready vega-lite spec
        names = tuple(sorted(_param_names(chart)))
        if getattr(widget, "_gx_params", None) != names:
            raise ValueError("a raw spec must have the parameters of the chart shown before it")
        widget.spec = chart
        return
    names, spec_ = chart_spec(chart)
    if getattr(widget, "_gx_params", None) == names:
        widget.spec = spec_
    else:
        widget.chart = chart
        widget._gx_params = names


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


# ---------------------------------------------------------------------------------------------
# Overview computations (pure functions of Data and a filter state; cached by the notebook)


KPI_CODES = ("reports", "applications_received", "grant_rate", "correction_rate", "reports_with_errors", "on_time_rate")
RANK_CHOICES = [(metrics.INDICATORS[c].name_zh, c) for c in
                ("grant_rate", "open_rate", "denial_rate", "carry_forward_rate", "correction_rate", "disputes_per_100")]


def kpis_for(data: Data, state: Mapping[str, Any], year: int | None) -> dict[str, tuple[float | None, str | None]]:
    """{code: (value, status)} for one year (None: all years) under the non-year filters."""
    ri = apply_filters(data.indicators, state)
    reps = apply_filters(data.reports, state)
    if year is not None:
        ri = ri.filter(pl.col("year") == year)
        reps = reps.filter(pl.col("year") == year)
    out: dict[str, tuple[float | None, str | None]] = {}
    out["reports"] = (float(reps.height) if reps.height else None, None)
    for code in ("applications_received", "grant_rate", "correction_rate"):
        r = metrics.rate(ri, code, by=()) if ri.height else pl.DataFrame()
        if r.height == 0 or ri.height == 0:
            out[code] = (None, None)
        else:
            out[code] = (r["value"][0], r["status"][0] if "status" in r.columns else None)
    out["reports_with_errors"] = (float(reps["has_error"].sum()) if reps.height else None, None)
    dated = reps.filter(pl.col("status") != UNDATED)
    out["on_time_rate"] = ((dated.filter(pl.col("status") == ON_TIME).height / dated.height) if dated.height else None,
                           None)
    return out


def kpi_cards(data: Data, state: Mapping[str, Any]) -> tuple[list[Kpi], pl.DataFrame]:
    """KPI cards for the state's year vs the previous year, and the same as a frame (for download)."""
    year = state.get("year")
    cur = kpis_for(data, state, year)
    prev = kpis_for(data, state, year - 1) if year is not None and (year - 1) in data.years else {}
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
        v, st = cur[code]
        p = prev.get(code, (None, None))[0] if prev else None
        cards.append(Kpi(code, label, v, kind, p, definition, hib, st))
        rows.append({"indicator": code, "indicator_zh": label, "year": year, "value": v, "prev_value": p,
                     "change": (v - p) if v is not None and p is not None else None, "status": st or ""})
    frame = pl.DataFrame(rows, schema={"indicator": pl.String, "indicator_zh": pl.String, "year": pl.Int32,
                                       "value": pl.Float64, "prev_value": pl.Float64, "change": pl.Float64,
                                       "status": pl.String})
    return cards, frame


def outcome_frame(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """metrics.applications_by_outcome(by=("year",)) of the filtered corpus, from the per-report frame."""
    f = apply_filters(data.outcomes, state)
    order = {o: i for i, o in enumerate(metrics.OUTCOMES)}
    return (
        f.group_by("year", "outcome", "outcome_zh")
        .agg(pl.col("count").sum(), pl.col("n_reports").sum(), pl.col("n_from_parts").sum(),
             pl.col("n_excluded").sum())
        .with_columns(
            pl.when(pl.col("count").sum().over("year") > 0)
            .then(pl.col("count") / pl.col("count").sum().over("year")).otherwise(None).alias("share"),
            pl.col("outcome").replace_strict(order, default=99).alias("_o"),
        )
        .sort("year", "_o")
        .select("year", "outcome", "outcome_zh", "count", "share", "n_reports", "n_from_parts", "n_excluded")
    )


def outcome_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The outcome frame as year × outcome counts (what outcome_trend draws), with the year's total."""
    if frame.height == 0:
        return frame
    order = [metrics.OUTCOME_ZH[o] for o in metrics.OUTCOMES]
    wide = frame.pivot(on="outcome_zh", index="year", values="count", aggregate_function="sum").sort("year")
    cols = [c for c in order if c in wide.columns]
    return wide.select("year", *cols).with_columns(pl.sum_horizontal(cols).alias("合计"))


def proactive_frame(data: Data, state: Mapping[str, Any]) -> pl.DataFrame:
    """metrics.proactive_items_by_year(by=("year",)) of the filtered corpus, from the per-report frame."""
    f = apply_filters(data.proactive, state)
    return (
        f.group_by("year", "template", "item", "item_zh", "measure", "measure_zh", "series", "series_zh",
                   "comparable", "unit")
        .agg(pl.col("value").sum(), pl.col("n_reports").sum())
        .sort("year", "template", "item", "measure")
    )


def proactive_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The comparable 表二 series as year × item (what proactive_trend draws)."""
    df = frame.filter(pl.col("comparable"))
    if df.height == 0:
        return pl.DataFrame()
    return (
        df.group_by("year", "item_zh", "series_zh").agg(pl.col("value").sum())
        .with_columns((pl.col("item_zh") + "·" + pl.col("series_zh").str.replace(r"（.*", "")).alias("label"))
        .pivot(on="label", index="year", values="value", aggregate_function="sum")
        .sort("year")
    )


def ranking_frame(data: Data, state: Mapping[str, Any], code: str) -> pl.DataFrame:
    ri = apply_filters(data.indicators, state)
    if ri.height == 0:
        return pl.DataFrame()
    return metrics.rankings(ri, code, year=state.get("year"),
                            descending=metrics.INDICATORS[code].higher_is_better is not False)


# ---------------------------------------------------------------------------------------------
# Agency report card


def agency_choices(data: Data) -> dict[str, str]:
    """{label shown in the search box: agency_key}; labels are the latest printed name (plus the
    key when two agencies share a name)."""
    if not data.ok:
        return {}
    latest = (data.reports.sort("year").group_by("agency_key").agg(pl.col("agency").last())
              .sort("agency", "agency_key"))
    dup = latest.filter(pl.col("agency").is_duplicated())["agency_key"].to_list()
    return {(f"{a}（{k}）" if k in dup else a): k for k, a in latest.select("agency_key", "agency").iter_rows()}


def default_agency(data: Data) -> str | None:
    if not data.ok:
        return None
    # the agency with the most years, then the most applications handled (its rates are not 样本不足)
    best = (data.indicators.group_by("agency_key")
            .agg(pl.len().alias("n"), pl.col("total_handled").sum().alias("h"))
            .sort(["n", "h", "agency_key"], descending=[True, True, False]))
    return best["agency_key"][0]


def cell_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds Chinese 表/行/列 labels (table_zh, row_zh, col_zh) for table/row/col codes."""
    def lab(table: str | None, row: str | None, col: str | None) -> tuple[str, str, str]:
        t = f"{metrics.TABLE_ZH.get(table, table)} {spec.TABLE_TITLE.get(table, '')}".strip() if table else ""
        r = metrics.row_zh(table, row) if table and row else ""
        try:
            c = spec.col_label(table, col) if table and col else ""
        except KeyError:
            c = col or ""
        return t, r, c

    rows = [lab(t, r, c) for t, r, c in frame.select("table", "row", "col").iter_rows()]
    return frame.with_columns(
        pl.Series("table_zh", [x[0] for x in rows], pl.String),
        pl.Series("row_zh", [x[1] for x in rows], pl.String),
        pl.Series("col_zh", [x[2] for x in rows], pl.String),
    )


AGENCY_FINDING_COLS = ("year", "severity", "rule_zh", "table_zh", "row_zh", "col_zh", "raw", "where", "expected",
                       "actual", "message", "source", "report_id", "rule")


def agency_findings(data: Data, key: str) -> pl.DataFrame:
    f = data.findings.filter(pl.col("agency_key") == key).sort("year", "rule", "table", "row", "col")
    return cell_labels(f).select(AGENCY_FINDING_COLS)


def agency_facts(data: Data, key: str) -> pl.DataFrame:
    return (data.reports.filter(pl.col("agency_key") == key).sort("year")
            .select("year", "agency", "template", "format", "published", "status", "has_error", "source",
                    "report_id"))


FACT_ZH = {"published": "发布日期", "status": "发布情况", "has_error": "含错误", "format": "格式"}
ROW_ZH = {"row_zh": "行", "col_zh": "列", "table_zh": "表"}


def zh(frame: pl.DataFrame) -> pl.DataFrame:
    """metrics.zh plus the dashboard's own columns."""
    extra = {c: z for c, z in {**FACT_ZH, **ROW_ZH}.items() if c in frame.columns}
    return metrics.zh(frame.rename(extra))


# ---------------------------------------------------------------------------------------------
# Data quality


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


# ---------------------------------------------------------------------------------------------
# The three dashboards' pages (the notebooks only load, read the URL and display these)


class PrintButton(anywidget.AnyWidget):
    """「打印 / 存为 PDF」: window.print() (the @media print rules hide the controls)."""

    _esm = """
    function render({ model, el }) {
      const b = document.createElement("button");
      b.textContent = "打印 / 存为 PDF";
      b.className = "gx-print jupyter-button gx-noprint";
      b.addEventListener("click", () => window.print());
      el.classList.add("gx-noprint");
      el.appendChild(b);
    }
    export default { render };
    """


class TablePanel:
    """A table (HTML) with CSV/Excel downloads of the full frame."""

    def __init__(self, name: str, defs: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
                 table_rows: int = TABLE_ROWS, rename: Callable[[pl.DataFrame], pl.DataFrame] | None = None):
        self.name = name
        self.frame = pl.DataFrame()
        self.table_rows = table_rows
        self.rename = rename
        self.table = W.HTML()
        self.table.add_class("gx-table-box")
        self.download = DownloadButtons(name, lambda: self._shown(), defs)
        self.box = W.VBox([self.table, self.download])
        self.box.add_class("gx-panel")
        self.box.add_class(f"gx-panel-{name}")

    def _shown(self) -> pl.DataFrame:
        return self.rename(self.frame) if self.rename else self.frame

    def update(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        shown = self._shown()
        self.table.value = table_html(shown, self.name, self.table_rows, chinese=self.rename is None)


def _marker(query: str, ms: float, extra: str = "") -> str:
    """An invisible element tests (and the bench) wait on: the state the page finished drawing."""
    return (f'<div class="gx-state" data-query="{html.escape(query, quote=True)}" data-ms="{ms:.1f}" '
            f'style="font-size:11px;color:#999">{extra}</div>')


def _key(state: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, v) for k, v in state.items()))


class OverviewApp:
    """总览: filters (in the URL), KPI cards with year-over-year change, outcome and 表二 trends with
    the template break, rankings with minimum denominators; each with its numbers and downloads."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):
        import time

        self._time = time.perf_counter
        self.data = data
        self.rank = W.Dropdown(options=RANK_CHOICES, value="grant_rate", description="排名指标",
                               layout=W.Layout(width="250px"), style={"description_width": "64px"})
        self.rank.add_class("gx-filter")
        self.rank.add_class("gx-filter-rank")
        self.bar = FilterBar(data, params=params, extra={"rank": self.rank})
        self.kpis = W.HTML()
        self.kpis.add_class("gx-kpi-box")
        self._kpi_frame = pl.DataFrame()
        self.kpi_dl = DownloadButtons(
            "kpi", lambda: self._kpi_frame,
            definitions("grant_rate", "correction_rate", "applications_received",
                        extra=("报告数", "含错误报告数", "按时发布率")))
        self.outcomes = ChartPanel("outcomes", definitions("grant_rate", "open_rate", "denial_rate"),
                                   note="依申请公开办理结果（表三（一）至（六）各行总计）；虚线为 2021 年模板变更。")
        self.proactive = ChartPanel("proactive", {"表二口径": metrics.PROACTIVE_NOTE_ZH} | metrics.definitions(),
                                    note="主动公开：表二中跨模板可比的栏目（本年制发/新制作、处理决定数量）。")
        self.ranking = ChartPanel("ranking", lambda: definitions(self.rank.value), table_rows=20)
        self.marker = W.HTML()
        self._cache: dict[tuple, tuple] = {}
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
                out_fig = (charts.outcome_trend(of), outcome_table(of)) if of.height else None
                pro_fig = charts.proactive_trend(pf) if pf.filter(pl.col("comparable")).height else None
                pro_tab = proactive_table(pf)
            rf = ranking_frame(self.data, state, state["rank"])
            rank_fig = charts.ranking_chart(rf) if rf.height and rf.filter(pl.col("status") == metrics.RANKED).height else None
            self._cache[k] = (cards, kframe, out_fig, pro_fig, pro_tab, rank_fig, rf)
        return self._cache[k]

    def refresh(self, state: Mapping[str, Any]) -> None:
        t0 = self._time()
        cards, kframe, out_fig, pro_fig, pro_tab, rank_fig, rf = self.compute(state)
        year = state.get("year")
        self._kpi_frame = kframe
        self.kpis.value = kpi_html(cards, prev_label=f"{year - 1} 年" if year else "上年")
        self.outcomes.update(out_fig[0] if out_fig else None, table=out_fig[1] if out_fig else None)
        self.proactive.update(pro_fig, table=pro_tab)
        self.ranking.update(rank_fig.chart if rank_fig else None, frame=rf, table=rf)
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
            self.marker,
        ])


PROFILE_COLS = ("indicator_zh", "year", "value", "denominator", "status", "peer_median", "peer_q1", "peer_q3",
                "n_peers", "peer_group", "indicator", "agency", "report_id")


class AgencyApp:
    """单位画像: pick an agency (searchable; ``?agency=<key>``), its indicators per year against its
    peers' median and quartiles, its reports and its findings with the cells they point at."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):
        import time

        self._time = time.perf_counter
        self.data = data
        params = params or {}
        self.choices = agency_choices(data)
        self.label_of = {v: k for k, v in self.choices.items()}
        key = params.get("agency")
        if key not in self.label_of:
            key = default_agency(data)
        self.key = key
        self.combo = W.Combobox(options=list(self.choices), value=self.label_of.get(key, ""),
                                placeholder="输入机关名称搜索", ensure_option=True, description="机关",
                                layout=W.Layout(width="420px"), style={"description_width": "40px"})
        self.combo.add_class("gx-filter")
        self.combo.add_class("gx-filter-agency")
        self.url = UrlState(server_seen=True)
        self.printer = PrintButton()
        self.facts = W.HTML()
        self.profile = ChartPanel("profile", lambda: definitions(*metrics.PROFILE_INDICATORS), table_rows=60,
                                  note="红线：本机关；虚线与阴影：同级（同地区同层级，不足 3 个时为同层级）机关的中位数与四分位区间；空心点：样本不足。")
        self.reports = TablePanel("reports", lambda: definitions(extra=("发布状态",)), rename=zh)
        self.findings = TablePanel("findings", lambda: definitions(), table_rows=50, rename=zh)
        self.marker = W.HTML()
        self._cache: dict[str, tuple] = {}
        self.combo.observe(self._picked, names="value")
        self.url.observe(self._from_browser, names="browser_query")
        self.refresh()

    def _picked(self, change) -> None:
        key = self.choices.get(change.new)
        if key and key != self.key:
            self.key = key
            self.refresh()

    def _from_browser(self, change) -> None:
        key = parse_qs(change.new or "").get("agency", [None])[-1]
        if key in self.label_of and key != self.key:
            self.combo.value = self.label_of[key]

    def compute(self, key: str) -> tuple:
        if key not in self._cache:
            prof = metrics.agency_profile(self.data.indicators, key)
            chart = self._profile_spec(prof)
            self._cache[key] = (prof.select(PROFILE_COLS), chart, agency_facts(self.data, key),
                                agency_findings(self.data, key))
        return self._cache[key]

    _template: tuple | None = None

    def _profile_spec(self, prof: pl.DataFrame) -> dict | None:
        """The six charts.profile_chart panels as one vega-lite spec.  Altair builds it once (≈0.7 s
        for 6 layered charts on 2 cores); later agencies reuse that spec with their own rows in
        named datasets, year domain and titles (≈10 ms)."""
        codes = [c for c in metrics.PROFILE_INDICATORS if prof.filter(pl.col("indicator") == c).height]
        if not codes:
            return None
        agency = prof["agency"][0] or ""
        if self._template is None or self._template[0] != tuple(codes):
            figs = []
            for c in codes:
                fig = charts.profile_chart(prof, c)
                for layer in fig.chart.layer:
                    if getattr(layer, "data", None) is fig.frame:
                        layer.data = alt.NamedData(name=f"profile_{c}")
                figs.append(fig)
            spec_ = alt.concat(*[f.chart for f in figs], columns=2).to_dict(validate=False)
            self._template = (tuple(codes), spec_, agency)
        _, tpl, tpl_agency = self._template
        import copy

        spec_ = copy.deepcopy({k: v for k, v in tpl.items() if k != "datasets"})
        spec_["datasets"] = dict(tpl.get("datasets", {}))
        for c in codes:
            rows = prof.filter(pl.col("indicator") == c).select(
                "year", "agency", "indicator_zh", "value", "denominator", "status", "peer_median", "peer_q1",
                "peer_q3", "n_peers", "peer_group")
            spec_["datasets"][f"profile_{c}"] = rows.to_dicts()
        years = prof["year"].drop_nulls()
        lo = min(int(years.min()), 2020) if years.len() else 2019
        hi = max(int(years.max()), 2021) if years.len() else 2025
        _retarget(spec_, [lo - 0.5, hi + 0.5], list(range(lo, hi + 1)), tpl_agency, agency)
        return spec_

    def refresh(self) -> None:
        t0 = self._time()
        key = self.key
        if key is None:
            return
        prof, chart, facts, finds = self.compute(key)
        r = self.data.reports.filter(pl.col("agency_key") == key).sort("year").tail(1)
        meta = r.row(0, named=True) if r.height else {}
        years = facts["year"].to_list()
        late = facts.filter(pl.col("status") == LATE)["year"].to_list()
        self.facts.value = (
            f'<div class="gx-facts" data-agency="{html.escape(key, quote=True)}">'
            f'<div class="gx-title">{html.escape(meta.get("agency") or key)}</div>'
            f'<div class="gx-sub">机关代码 {html.escape(key)} · 地区 {html.escape(meta.get("region") or "—")} · '
            f'层级 {html.escape(meta.get("level") or "—")} · 类型 {html.escape(meta.get("agency_type") or "—")}</div>'
            f'<div class="gx-sub">语料库中的报告：{len(years)} 份（{", ".join(map(str, years)) or "—"}）；'
            f'逾期发布：{", ".join(map(str, late)) or "无"}；检查发现：{finds.height} 条。</div></div>'
        )
        self.profile.update(chart, frame=prof, table=None)
        self.profile.table.value = table_html(prof.select(PROFILE_COLS[:10]), "profile", self.profile.table_rows)
        self.reports.update(facts)
        self.findings.update(finds)
        self.url.query = to_query({"agency": key})
        ms = (self._time() - t0) * 1000
        self.marker.value = _marker(self.url.query, ms, f"更新用时 {ms:.0f} 毫秒")

    def widget(self) -> W.Widget:
        bar = W.HBox([self.combo, self.printer, self.url], layout=W.Layout(gap="12px", align_items="center"))
        bar.add_class("gx-noprint")
        bar.add_class("gx-filterbar")
        return W.VBox([
            header("单位画像", "一个机关历年的主要指标与同级机关比较；其报告与检查发现（可打印）"),
            bar, self.facts,
            section("主要指标与同级比较"), self.profile.box,
            section("历年报告"), self.reports.box,
            section("检查发现及所指单元格", "表/行/列为模板的正式名称；原文为报告中印出的文字；位置为其在来源文件中的位置。"),
            self.findings.box,
            self.marker,
        ])


class QualityApp:
    """数据质量: publication grid (按时/逾期/未发布), rule failures by rule and by agency, carry-over
    breaks, and a drill-down from a finding to its report and cell."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):
        import time

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


def page(app_cls: type, data: Data, params: Mapping[str, str] | None) -> W.Widget | None:
    """The dashboard's page, or None when there is no data (the banner says why)."""
    if not data.ok:
        return None
    return app_cls(data, params).widget()
