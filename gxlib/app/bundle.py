"""The vega bundle of altair's offline chart widget, built once and served once.

``alt.JupyterChart.enable_offline()`` puts the whole vega bundle (≈900 KB of JavaScript, made by
vl-convert in ≈2.5 s) into every chart widget's ``_esm``: each page view shipped it once per chart,
kernel → server → websocket (3.9 MB for the overview).  Here it is built once per (altair,
vl-convert) version and cached on disk; ``gx serve`` also publishes it as a static file of the
``gx`` Voilà template (``/voila/templates/gx/static/jupyterchart.js``, preloaded by the page while
Voilà's own scripts load, and cached by the browser) and tells the kernels its URL
(``GX_CHART_BUNDLE``), so a chart widget carries a loader of a few hundred bytes.
Outside ``gx serve`` (JupyterLab, nbval) the widgets keep the bundle inline: it works offline and
in saved notebooks.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from . import chartjs

URL_ENV = "GX_CHART_BUNDLE"
STATIC_PREFIX = "voila/templates/gx/static"  # the gx template's static folder, under a data dir


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gxlib"


def _name() -> str:
    import altair as alt
    import vl_convert

    return f"jupyterchart-{alt.__version__}-{vl_convert.__version__}-{chartjs.digest()}.js"


def _write(path: Path, text: str) -> None:
    """Atomically: concurrent kernels may build and read the same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as t:
        t.write(text)
    os.chmod(t.name, 0o644)
    os.replace(t.name, path)


def bundle_text() -> str:
    """The offline JupyterChart module (altair's, with data-only updates: :mod:`.chartjs`): from the
    disk cache, else built (and cached if possible)."""
    f = cache_dir() / _name()
    try:
        return f.read_text(encoding="utf-8")
    except OSError:
        pass
    text = chartjs.bundle()
    try:
        _write(f, text)
    except OSError:
        pass  # a read-only home: bundle on every start
    return text


PUBLISHED_NAME = "jupyterchart.js"  # stable: the gx template preloads it (index.html.j2)


def publish() -> tuple[Path, str] | None:
    """Put the bundle in a Jupyter data dir as the ``gx`` template's ``static/jupyterchart.js``; return
    (that data dir, its URL path with the content version Voilà's ``include_url`` gives the template's
    preload link, so page and widgets share one download), or None when it cannot be written (the
    widgets then carry it inline)."""
    from tornado.web import StaticFileHandler

    data_dir = cache_dir() / "voila-data" / _name()[: -len(".js")]  # one per version: servers of others coexist
    target = data_dir / STATIC_PREFIX / PUBLISHED_NAME
    try:
        text = bundle_text()
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            _write(target, text)
    except OSError:
        return None
    version = StaticFileHandler.get_content_version(str(target))
    return data_dir, f"/{STATIC_PREFIX}/{PUBLISHED_NAME}?v={version}"


def loader(url_path: str) -> str:
    """The widget module that imports the published bundle from this page's own server. anywidget
    evaluates ``_esm`` from a blob: URL, against which a path cannot resolve; hence the origin."""
    return (f"const m = await import(new URL({url_path!r}, window.location.origin).href);\n"
            "export default m.default;\n")


def enable_offline() -> None:
    """Offline chart widgets: the published bundle's loader under ``gx serve``, else the bundle inline."""
    import altair as alt

    url = os.environ.get(URL_ENV)
    alt.JupyterChart._esm = loader(url) if url else bundle_text()
    alt.JupyterChart._is_offline = True

