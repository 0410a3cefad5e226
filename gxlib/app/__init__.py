"""The three Voilà dashboards (``dashboards/*.ipynb``): one module per dashboard over shared pieces.

``data`` (corpus, filters, labels), ``state`` (URL state), ``widgets`` (page pieces), ``downloads``;
``overview``, ``quality``, ``agency`` (one page each).

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

import sys
from collections.abc import Mapping

# jsonschema (altair's validator) imports rfc3987_syntax, when installed (jupyter_events needs it in
# the server), only for its "iri" format check; that module compiles a lark grammar at import:
# 1.5–4 s of every kernel start.  No vega-lite schema uses the iri format, so the dashboards'
# kernels go without it (jsonschema then skips that one check).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import ipywidgets as W

from .agency import AgencyApp, agency_choices
from .data import DEMO_TEXT, MISSING, Data, load
from .overview import OverviewApp
from .quality import QualityApp
from .state import query_params
from . import preview
from .widgets import banner, banner_html, enable_offline, style

__all__ = ["APPS", "DEMO_TEXT", "MISSING", "AgencyApp", "Data", "OverviewApp", "QualityApp", "agency_choices",
           "banner", "enable_offline", "load", "page", "query_params", "show", "style", "warm"]

APPS = {"overview": OverviewApp, "quality": QualityApp, "agency": AgencyApp}

_WARM: dict[type, tuple[W.Widget, set]] = {}  # each dashboard's default page, built by its preheated kernel
PAGE_CLASS = "gx-page"  # the page's root: the preview (gxlib.app.preview) waits for it to be drawn


def warm(app_cls: type, data: Data) -> None:
    """Build the page's default view ahead of the visitor (in the preheated kernel, before
    query_params blocks), and under ``gx serve`` its static first paint (gxlib.app.preview).  A
    visitor with no filters in the URL (the landing page's links) gets this very page; any other
    URL builds its own, reusing the results computed here (``Data.cache``)."""
    if not data.ok:
        return
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    root = _root(app_cls(data, None))
    if preview.enabled():
        root._gx_preview = preview.snapshot(root, banner_html(data))
    _WARM[app_cls] = (root, set(_instances) - before)


def _root(app: object) -> W.Widget:
    root = app.widget()
    root.add_class(PAGE_CLASS)
    return root


def page(app_cls: type, data: Data, params: Mapping[str, str] | None) -> W.Widget | None:
    """The dashboard's page, or None when there is no data (the banner says why)."""
    if not data.ok:
        return None
    warmed = _WARM.pop(app_cls, None)
    if warmed is not None and not params:
        return warmed[0]
    if warmed is not None:  # a URL with filters: the default page is never shown, free its widgets
        from ipywidgets.widgets.widget import _instances

        for k in warmed[1]:
            w = _instances.get(k)
            if w is not None:
                w.close()
    root = _root(app_cls(data, params))
    if preview.enabled():  # the charts cached already: no rendering on a visitor's request
        root._gx_preview = preview.snapshot(root, banner_html(data), render=False)
    return root


def show(root: W.Widget | None) -> None:
    """Display the page (nothing when there is none), after its static first paint if it has one:
    gx's Voilà template writes that into the page as HTML, shown before the frontend has booted."""
    if root is None:
        return
    from IPython.display import display

    pv = getattr(root, "_gx_preview", None)
    if pv:
        display({preview.MIME: pv, "text/plain": ""}, raw=True)
    display(root)
