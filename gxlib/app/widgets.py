"""Shared page pieces: CSS, banner, headers, tables, KPI cards, chart and table panels."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import anywidget
import ipywidgets as W
import polars as pl

from .. import charts, metrics
from . import bundle, labels
from .data import DEMO_TEXT, UNKNOWN_SUFFIX, STATUS_COLORS, TABLE_ROWS, Data
from .downloads import DownloadButtons, unknown_columns

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
    return W.HTML(banner_html(data))


def banner_html(data: Data) -> str:
    parts = []
    if data.is_demo:
        parts.append(f'<div class="gx-banner gx-demo">{DEMO_TEXT}</div>')
    if data.roster_error:
        parts.append(f'<div class="gx-banner gx-error gx-roster-error">{html.escape(data.roster_error)}</div>')
    if data.error:
        parts.append(f'<div class="gx-banner gx-error gx-no-corpus">{html.escape(data.error)}</div>')
    elif not data.ok:
        parts.append('<div class="gx-banner gx-error gx-no-corpus">语料库中没有报告</div>')
    return "".join(parts)


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


def _cell(v: Any, unknown: int = 0, rate: str | None = None) -> str:
    """One table cell: — for null (unknown), numbers with thousands separators, rates as
    percentages (``rate``: "rate", or "change" for a difference of rates), * when the value left
    ``unknown`` values out."""
    if v is None:
        return '<td class="gx-null" title="无法确定">—</td>'
    mark = (f'<sup class="gx-partial" title="{metrics.unknown_note(unknown)}">*</sup>' if unknown else "")
    if isinstance(v, bool):
        return f"<td>{'是' if v else '否'}</td>"
    if rate and isinstance(v, (int, float)):
        txt = f"{v * 100:+.1f} 个百分点" if rate == "change" else f"{v:.1%}"
        return (f'<td class="gx-pct" data-value="{v!r}" data-unknown="{unknown}">{txt}{mark}</td>' if unknown
                else f'<td class="gx-pct" data-value="{v!r}">{txt}</td>')
    if isinstance(v, float):
        txt = f"{int(v):,}" if v.is_integer() and abs(v) < 1e15 else f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
        return f'<td data-unknown="{unknown}">{txt}{mark}</td>' if unknown else f"<td>{txt}</td>"
    if isinstance(v, int):
        txt = f"{v}" if 1900 <= v <= 2100 else f"{v:,}"
        return f'<td data-unknown="{unknown}">{txt}{mark}</td>' if unknown else f"<td>{txt}</td>"
    s = html.escape(metrics.SEVERITY_ZH.get(str(v), str(v)))
    cls = f"gx-t gx-status-{s}" if s in STATUS_COLORS else "gx-t"
    return f'<td class="{cls}">{s}</td>'


def table_html(frame: pl.DataFrame, name: str, max_rows: int = TABLE_ROWS, chinese: bool = True, *,
               total: int | None = None, unknown_total: int | None = None) -> str:
    """An HTML table of ``frame`` (Chinese headers); the first ``max_rows`` rows and a note.

    A cell whose column has an unknown count (``X__n_unknown``) > 0 is marked *; a null is —; the
    note says how many unknown values were left out (unknown is never shown as 0).  ``frame`` may be
    the head of a larger frame: ``total`` is then its row count and ``unknown_total`` its unknown
    values (the note speaks of the whole frame)."""
    height = frame.height if total is None else total
    whole, frame = frame, labels.chinese_values(frame.head(max_rows))  # only the rows shown are labelled
    unk = unknown_columns(frame)
    hidden = set(unk.values()) | set(labels.code_columns(frame))  # codes stay in the download
    cols = [c for c in frame.columns if c not in hidden and not c.endswith(UNKNOWN_SUFFIX)]
    heads = labels.zh_names(cols) if chinese else cols
    head = "".join(f"<th>{html.escape(c)}</th>" for c in heads)
    rate_cols, rate_rows = labels.rate_columns(frame), labels.rate_rows(frame)
    rows, n_unknown = [], 0
    for i, row in enumerate(frame.head(max_rows).iter_rows(named=True)):
        tds = []
        for c in cols:
            n = row.get(unk[c]) if c in unk else 0
            n_unknown += n or 0
            rate = ("rate" if c in rate_cols else
                    ("change" if c == "change" else "rate") if rate_rows and rate_rows[i] and c in labels.RATE_VALUE_COLS
                    else None)
            tds.append(_cell(row[c], unknown=n or 0, rate=rate))
        rows.append("<tr>" + "".join(tds) + "</tr>")
    if unknown_total is not None:
        n_unknown = unknown_total
    elif unk and height > max_rows:
        n_unknown = int(sum(whole[c].fill_null(0).sum() for c in unk.values() if c in whole.columns))
    notes = []
    if n_unknown:
        notes.append(f'<div class="gx-note gx-unknown-note" data-unknown="{n_unknown}">'
                     f"* {metrics.unknown_note(n_unknown)}“—”表示全部无法确定。</div>")
    if height > max_rows:
        notes.append(f'<div class="gx-note">共 {height:,} 行，仅显示前 {max_rows} 行；下载可得全部。</div>')
    elif height == 0:
        notes.append('<div class="gx-note">（无数据）</div>')
    return (f'<div class="gx-scroll"><table class="gx-table" data-name="{html.escape(name)}" '
            f'data-rows="{height}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            + "".join(notes))


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
    unknown: int = 0  # reports whose value is unknown (left out)
    base: float | None = None  # this year's value on the agencies compared with ``prev`` (None: ``value``)
    n_both: int | None = None  # how many agencies are compared: a report in both years and this value known
    # in both (None: the whole years compared)


BOTH_ZH = "两年均有数据"  # the agencies a change compares: a report in both years, the card's value known in both


def kpi_html(kpis: Sequence[Kpi], prev_label: str = "上年") -> str:
    cards = []
    for k in kpis:
        val = _fmt(k.value, k.kind)
        if k.status == metrics.INSUFFICIENT:
            val += '<span class="gx-note"> 样本不足</span>'
        unk = (f'<div class="gx-note gx-kpi-unknown" data-unknown="{k.unknown}">含 {k.unknown:,} 份报告数值无法确定，未计入</div>'
               if k.unknown else "")
        delta = ""
        now = k.base if k.n_both is not None else k.value
        same = f"（{BOTH_ZH}的 {k.n_both:,} 个机关）" if k.n_both else ""
        if now is not None and k.prev is not None:
            d = now - k.prev
            if k.kind == "rate":
                txt = f"{d * 100:+.1f} 个百分点"
            else:
                txt = f"{d:+,.0f}" + (f"（{d / k.prev:+.1%}）" if k.prev else "")
            good = (None if k.higher_is_better is None or d == 0 or k.status == metrics.INSUFFICIENT
                    else (d > 0) == k.higher_is_better)
            cls = "" if good is None else ("gx-up" if good else "gx-down")
            delta = f'较 {prev_label}{same} <span class="{cls}">{txt}</span>'
        elif k.value is not None:
            delta = f"{prev_label}无可比数据" + (f"（无{BOTH_ZH}的机关）" if k.n_both == 0 else "")
        data_value = "" if k.value is None else repr(float(k.value))
        cards.append(
            f'<div class="gx-kpi" data-kpi="{k.code}" data-value="{data_value}" '
            f'title="{html.escape(k.definition, quote=True)}">'
            f'<div class="gx-kpi-label">{html.escape(k.label)} ⓘ</div>'
            f'<div class="gx-kpi-value">{val}</div><div class="gx-kpi-delta">{delta}</div>{unk}</div>'
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
        bundle.enable_offline()
        _OFFLINE_DONE = True


EMBED = {"renderer": "svg", "actions": False}


class ChartPanel:
    """A chart widget updated in place, its numbers as a table below it, and download buttons."""

    def __init__(self, name: str, defs: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
                 table_rows: int = TABLE_ROWS, note: str = ""):
        enable_offline()
        self.name = name
        self._frame = pl.DataFrame()
        self._full: Callable[[], pl.DataFrame] | None = None
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

    @property
    def frame(self) -> pl.DataFrame:
        """The panel's whole frame (downloads): computed on demand when the page kept only its head."""
        return self._full() if self._full is not None else self._frame

    @frame.setter
    def frame(self, value: pl.DataFrame) -> None:
        self._frame, self._full = value, None

    def update(self, fig: charts.Figure | alt.TopLevelMixin | dict | SpecOf | None, frame: pl.DataFrame | None = None,
               table: pl.DataFrame | None = None, *, full: Callable[[], pl.DataFrame] | None = None,
               total: int | None = None, unknown_total: int | None = None) -> None:
        """Show ``fig`` (a charts.Figure or altair chart), its frame as the table (or ``table``).

        ``full``: when the frame given is only the head of a large one (a ranking of 10⁵ agencies),
        the callable that computes the whole frame for a download; ``total`` / ``unknown_total`` its
        row and unknown counts for the table's note.  The page then holds the head only."""
        if isinstance(fig, charts.Figure):
            chart, frame = fig.chart, (frame if frame is not None else fig.frame)
        else:
            chart = fig
        self._frame = frame if frame is not None else pl.DataFrame()
        self._full = full
        self.table_frame = table if full is None else None
        shown = table if table is not None else self._frame
        self.table.value = table_html(shown, self.name, self.table_rows, total=total, unknown_total=unknown_total)
        if chart is None:
            chart = alt.Chart(pl.DataFrame({"x": [0]})).mark_text(text="（无数据）", fontSize=14)
        # charts are scaled to their box by the page's CSS (.gx-chart svg { max-width: 100% }); a
        # vega-lite width "container" (responsive()) re-lays them out but made the page's anywidget
        # models miss their 2 s initialisation window on a loaded machine, so it is not used yet
        set_chart(self.chart, chart)


_SPECS: dict[int, tuple[tuple, dict]] = {}


@dataclass
class SpecOf:
    """A ready vega-lite spec and the altair chart of its shape (parameters set up from it when the
    widget showed another shape before)."""

    spec: dict
    chart: alt.TopLevelMixin


_TEMPLATES: dict[tuple, tuple[str, dict, str, alt.TopLevelMixin]] = {}


def _values(frame: pl.DataFrame) -> list[dict]:
    """The rows as altair's data transformer inlines them."""
    return alt.data_transformers.get()(frame)["values"]


def swapped_spec(key: tuple, frame: pl.DataFrame, build: Callable[[], charts.Figure],
                 param_values: Mapping[str, Any] | None = None) -> SpecOf:
    """The spec of ``build()`` without building it again: altair builds (and deep-copies) a layered
    chart in 0.1–0.2 s, so the spec of the first figure of ``key`` is kept and a later figure of the
    same key gets it with its own rows (``frame``: what the figure's ``alt.Chart`` would be given)
    under altair's own dataset name.  ``key`` must hold everything the chart takes from the data
    besides its rows (year domain …) except the initial values of top-level parameters given in
    ``param_values`` ({name: value}: a selection's initial value, set in the spec); the spec is then altair's."""
    from altair.vegalite.v6.api import _dataset_name

    hit = _TEMPLATES.get(key)
    if hit is None:
        fig = build()
        spec_ = fig.chart.to_dict(validate=False)
        name = _dataset_name(_values(fig.frame))
        body = json.dumps({k: v for k, v in spec_.items() if k != "datasets"})
        _TEMPLATES[key] = (body, spec_.get("datasets", {}), name, fig.chart)
        while len(_TEMPLATES) > 32:
            _TEMPLATES.pop(next(iter(_TEMPLATES)))
        return SpecOf(spec_, fig.chart)
    body, datasets, old, chart = hit
    values = _values(frame)
    new = _dataset_name(values)
    spec_ = json.loads(body.replace(f'"{old}"', f'"{new}"'))
    spec_["datasets"] = {**{k: v for k, v in datasets.items() if k != old}, new: values}
    for p in spec_.get("params", []):
        if p.get("name") in (param_values or {}):
            p["value"] = param_values[p["name"]]
    return SpecOf(spec_, chart)


def chart_spec(chart: alt.TopLevelMixin) -> tuple[tuple, dict]:
    """(parameter names, vega-lite dict) of a chart, computed once per chart object."""
    hit = _SPECS.get(id(chart))
    if hit is None or hit[0] is not chart:
        spec_ = chart.to_dict(validate=False)
        names = tuple(sorted(_param_names(spec_)))
        hit = (chart, names, spec_)
        _SPECS[id(chart)] = hit
        while len(_SPECS) > 64:  # bounded (it holds the charts): the oldest goes first
            _SPECS.pop(next(iter(_SPECS)))
    return hit[1], hit[2]


COMPOSITE = ("concat", "hconcat", "vconcat", "facet", "repeat")


def responsive(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A single or layered view takes the width of its box (vega-lite ``width: "container"``),
    so at 390 px it is laid out anew, not clipped; composite charts (concat, facet) cannot, and are
    scaled down to the box by the page's CSS (``.gx-chart svg { max-width: 100% }``).  Set on the
    altair chart, so the widget's first spec and every later one agree."""
    if not isinstance(chart, (alt.Chart, alt.LayerChart)) or any(
            getattr(chart, k, alt.Undefined) is not alt.Undefined for k in COMPOSITE):
        return chart
    hit = _RESPONSIVE.get(id(chart))
    if hit is None or hit[0] is not chart:  # one responsive copy per chart (its spec is cached by identity)
        hit = (chart, chart.properties(width="container",
                                       autosize=alt.AutoSizeParams(type="fit-x", contains="padding")))
        _RESPONSIVE[id(chart)] = hit
    return hit[1]


_RESPONSIVE: dict[int, tuple] = {}


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


def set_chart(widget: alt.JupyterChart, chart: alt.TopLevelMixin | dict | SpecOf) -> None:
    """Replace a JupyterChart's chart.  When the new chart has the same parameters (selections,
    bindings) as the shown one, only the vega-lite spec is sent (no schema validation, which costs
    ~0.2 s for a concat chart); otherwise the full altair path sets the parameters up as well."""
    if isinstance(chart, SpecOf):
        names, _ = chart_spec(chart.chart)
        with widget.hold_sync():  # one message: not altair's spec of the shape, then this one
            if getattr(widget, "_gx_params", None) != names:
                widget.chart = chart.chart  # sets the parameters up
                widget._gx_params = names
            widget.spec = chart.spec
        return
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
        widget.chart = chart  # sets the parameters up
        widget._gx_params = names


class PrintButton(anywidget.AnyWidget):
    """「打印 / 存为 PDF」: window.print() (the @media print rules hide the controls)."""

    LABEL = "打印 / 存为 PDF"  # also drawn by gxlib.app.preview
    _esm = """
    function render({ model, el }) {
      const b = document.createElement("button");
      b.textContent = "__LABEL__";
      b.className = "gx-print jupyter-button gx-noprint";
      b.addEventListener("click", () => window.print());
      el.classList.add("gx-noprint");
      el.appendChild(b);
    }
    export default { render };
    """.replace("__LABEL__", LABEL)


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
