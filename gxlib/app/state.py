"""Filter state kept in the page URL (see the package docstring on Voilà 0.5 and preheated kernels)."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlencode

import anywidget
import ipywidgets as W
import traitlets

from .data import ALL, ALL_YEARS, ANY, FILTER_COLUMNS, FILTER_LABELS, Data


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


# Our URL parameter names: none may be one Voilà reads itself (``template``, ``theme``,
# ``classic-tree``), else a shared link changes Voilà's rendering or misses the preheated pool.
URL_NAMES = {"template": "tpl"}
FROM_URL = {v: k for k, v in URL_NAMES.items()}
VOILA_PARAMS = frozenset({"template", "theme", "classic-tree", "voila-template", "voila-theme"})


def to_query(state: Mapping[str, Any], keys: Sequence[str] | None = None) -> str:
    """The URL query string of ``state`` (our names for the keys, see :data:`URL_NAMES`)."""
    keys = list(keys) if keys is not None else list(state)
    return urlencode([(URL_NAMES.get(k, k), str(state[k])) for k in keys if state.get(k) not in (None, "", ALL)])


def from_query(params: Mapping[str, str]) -> dict[str, str]:
    """URL parameters as filter keys (``tpl`` → ``template``; a legacy ``template=2019/2021`` link
    still sets the 模板 filter)."""
    out = {}
    for k, v in params.items():
        if k in FROM_URL:
            out[FROM_URL[k]] = v
        elif k == "template" and "tpl" not in params and str(v).isdigit():
            out["template"] = v
        elif k not in VOILA_PARAMS:
            out[k] = v
    return out


NOTICE_LABELS = {"year": "年度", "region": "地区", "level": "层级", "agency_type": "机关类型", "template": "模板",
                 "rank": "排名指标", "rule": "规则", "agency": "机关"}


def notice_html(unknown: Sequence[tuple[str, str]]) -> str:
    """A visible notice for URL values that match nothing (shown, never silently replaced)."""
    if not unknown:
        return ""
    items = "；".join(f"{NOTICE_LABELS.get(k, k)}“{v}”" for k, v in unknown)
    return (f'<div class="gx-banner gx-url-notice" role="alert">链接中的筛选条件无法识别，已改用默认值：'
            f"{html.escape(items)}。</div>")


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
        self.notice = W.HTML()
        self.notice.add_class("gx-notice-box")
        self.unknown: list[tuple[str, str]] = []
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
        """Set widgets from URL ``params`` (strings matched to the options; a value or parameter
        that matches nothing is listed in ``unknown`` and shown in ``notice``)."""
        self._muted = True
        unknown = []
        try:
            for k, v in from_query(params).items():
                w = self.widgets.get(k) or self.extra.get(k)
                if v is None:
                    continue
                if w is None:
                    unknown.append((k, str(v)))
                    continue
                values = [o[1] if isinstance(o, tuple) else o for o in getattr(w, "options", [])]
                match = next((o for o in values if o is not None and str(o) == str(v)), None)
                if match is not None:
                    w.value = match
                elif k == "year" and str(v) in (ALL_YEARS, ALL, "全部年度") and ALL_YEARS in values:
                    w.value = ALL_YEARS
                elif str(v) in (ALL, ""):
                    continue
                else:
                    unknown.append((k, str(v)))
        finally:
            self._muted = False
        self.unknown = unknown
        self.notice.value = notice_html(unknown)
        if notify:
            self._changed(None)

    def describe(self) -> dict[str, str]:
        """The filters as shown: {Chinese label: selected option's label} (for downloads)."""
        out = {}
        for k, w in [*self.widgets.items(), *self.extra.items()]:
            label = NOTICE_LABELS.get(k, k)
            shown = next((o[0] for o in getattr(w, "options", []) if isinstance(o, tuple) and o[1] == w.value), None)
            out[label] = shown if shown is not None else str(w.value or ALL)
        return out

    def wire(self, *panels) -> None:
        """Downloads of these panels (or DownloadButtons) record this bar's filters."""
        for p in panels:
            (getattr(p, "download", None) or p).filters_fn = self.describe

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
        return W.VBox([self.notice, box])


def _key(state: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, v) for k, v in state.items()))
