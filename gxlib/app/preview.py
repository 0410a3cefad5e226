"""A static first paint of a dashboard page, shown while Voilà's frontend boots.

Voilà's page draws nothing until its JupyterLab frontend (≈ 6 MB of JavaScript) has booted, opened
the kernel websocket and rendered every widget: 2–3 s on a quiet machine, far longer when viewers
share a CPU.  The page's *default* view is built ahead of the visitor by the preheated kernel
(:func:`gxlib.app.warm`), so its content is known before anyone asks.  Here it is written out once as
plain HTML — the same HTML the widgets show (KPI cards, tables, notes) and each chart as the SVG
vega draws from the very same spec (vl-convert, the engine altair's own ``save`` uses) — and the gx
Voilà template streams it into the page as HTML, not as an output for the frontend.  The reader
sees the numbers and charts at once; the live page replaces the preview, whole, when all its charts
are drawn (a small script in the preview; the controls are shown disabled until then).

Cost: rendering SVGs takes vl-convert's JavaScript engine (≈ 1 s to start, 0.2–0.4 s per chart,
≈ 85 MB).  It runs in a short-lived subprocess, so no kernel keeps that memory, and the SVGs are
cached on disk by the sha256 of their spec: of the kernels preheated for one corpus only the first
renders (the others wait on a file lock and read the cache).  A URL with filters gets its preview
too, with the charts whose SVGs are cached (no rendering on a visitor's request): the others are
boxes of their size saying 图表加载中 — the KPI cards and tables are there at once either way.

The preview's classes are the page's with ``gxp-`` for ``gx-``, so nothing that looks for the live
page (tests, the page's own scripts) finds the preview instead.  Served only by ``gx serve``
(``GX_PREVIEW=1``, set by :func:`gxlib.serve.kernel_env`; ``GX_PREVIEW=0`` turns it off).
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import altair as alt
import ipywidgets as W

from . import bundle
from .downloads import DownloadButtons
from .widgets import CSS, PrintButton

ENV = "GX_PREVIEW"
MIME = "application/vnd.gx.preview+html"  # gx's index.html.j2 writes this mimetype raw into the page
RENDER_TIMEOUT = 120  # s: a stuck vl-convert must not hold the preheated kernel
KEEP_DAYS = 30  # cached SVGs not read for this long are removed


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def cache_dir() -> Path:
    return bundle.cache_dir() / "preview"


def _key(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _cached(key: str) -> str | None:
    f = cache_dir() / f"{key}.svg"
    try:
        text = f.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        os.utime(f)  # in use: prune() keeps it
    except OSError:
        pass
    return text


def _render(specs: dict[str, dict]) -> None:
    """SVGs of ``specs`` ({key: spec}) into the cache, in one vl-convert subprocess."""
    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", _RENDER, str(d)], input=json.dumps(specs).encode(),
                   check=True, timeout=RENDER_TIMEOUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def svgs(specs: list[dict], render: bool = True) -> list[str | None]:
    """One SVG per spec, from the cache or rendered (``render``); None for one not available."""
    keys = [_key(s) for s in specs]
    found = {k: _cached(k) for k in keys}
    missing = {k: s for k, s in zip(keys, specs) if found[k] is None}
    if missing and render:
        try:
            cache_dir().mkdir(parents=True, exist_ok=True)
            with open(cache_dir() / ".lock", "w") as lock:  # kernels preheating together render once
                fcntl.flock(lock, fcntl.LOCK_EX)
                still = {k: s for k, s in missing.items() if _cached(k) is None}
                if still:
                    _render(still)
                    prune()
        except (OSError, subprocess.SubprocessError) as e:  # e.g. a read-only home: boxes, not charts
            print(f"gx preview: charts not drawn ({e})", file=sys.stderr)
        found |= {k: _cached(k) for k in missing}
    return [found[k] for k in keys]


_CLASS = re.compile(r'(class=")([^"]*)(")')


def _rename(text: str) -> str:
    """gx-* classes → gxp-* (class attributes and CSS selectors only)."""
    return _CLASS.sub(lambda m: m[1] + re.sub(r"(?<![\w-])gx-", "gxp-", m[2]) + m[3], text)


def _classes(w: W.Widget) -> str:
    return " ".join(c.replace("gx-", "gxp-", 1) for c in getattr(w, "_dom_classes", ()) if c.startswith("gx-"))


def _control(w: W.Widget) -> str:
    """A filter as it will look (its widths), disabled until the live page takes over."""
    label = html.escape(str(getattr(w, "description", "") or ""))
    value = w.value if isinstance(w, W.Combobox) else getattr(w, "label", None)
    value = html.escape(str(value if value is not None else ""))
    width = html.escape(w.layout.width or "auto", quote=True)
    dw = html.escape(getattr(w.style, "description_width", "") or "auto", quote=True)
    return (f'<div class="gxp-control {_classes(w)}" style="width:{width}">'
            f'<span style="width:{dw}">{label}</span><select disabled><option>{value}</option></select></div>')


def _buttons(labels: Iterable[str], w: W.Widget) -> str:
    return (f'<div class="gxp-buttons {_classes(w)}">'
            + "".join(f"<button disabled>{html.escape(b)}</button>" for b in labels) + "</div>")


def _walk(w: W.Widget, charts: list[alt.JupyterChart]) -> Iterable[str]:
    if isinstance(w, alt.JupyterChart):
        charts.append(w)
        yield f'<div class="gxp-chart-slot {_classes(w)}">\0CHART{len(charts) - 1}\0</div>'
    elif isinstance(w, W.Box):
        flow = "row wrap" if isinstance(w, W.HBox) else "column"
        inner = "".join(x for c in w.children for x in _walk(c, charts))
        yield f'<div class="gxp-box {_classes(w)}" style="display:flex;flex-flow:{flow};gap:4px 12px">{inner}</div>'
    elif isinstance(w, W.HTML):
        if 'class="gx-state"' not in w.value:  # the live page's "drawn" marker: never in the preview
            yield f'<div class="gxp-html {_classes(w)}">{_rename(w.value)}</div>'
    elif isinstance(w, (W.Dropdown, W.Select, W.Combobox)):
        yield _control(w)
    elif isinstance(w, DownloadButtons):
        yield _buttons(DownloadButtons.LABELS.values(), w)
    elif isinstance(w, PrintButton):
        yield _buttons([PrintButton.LABEL], w)
    # other widgets (downloads, print button, URL state) do nothing before the page is live


WIDTH = 1100  # px: a chart laid out to its box's width ("container") in the live page, drawn at this


def _sized(spec: dict) -> dict:
    return {**spec, "width": WIDTH} if spec.get("width") == "container" else spec


def _waiting(spec: dict) -> str:
    """Where a chart not drawn yet will be: its height, so the page does not jump when it comes."""
    h = spec.get("height") if isinstance(spec.get("height"), int) else 300
    return f'<div class="gxp-chart-wait" style="height:{h + 60}px">图表加载中…</div>'


def snapshot(root: W.Widget, before: str = "", render: bool = True) -> str:
    """The static HTML of ``root`` (and ``before``: e.g. the banner's HTML above it).  A chart whose
    SVG is not cached is drawn now when ``render``, else (or if vl-convert fails) it is a box of
    its size saying it is on its way: the numbers around it are there either way."""
    charts: list[alt.JupyterChart] = []
    body = "".join(_walk(root, charts))
    specs = [_sized(c.spec) for c in charts]
    for i, (spec, svg) in enumerate(zip(specs, svgs(specs, render=render))):
        body = body.replace(f"\0CHART{i}\0", svg if svg is not None else _waiting(spec), 1)
    css = _rename_css(CSS)
    return (f'<div class="gxp-preview" aria-busy="true">{css}{PREVIEW_CSS}{_rename(before)}'
            f'<div class="gxp-connecting">正在连接服务器，筛选与下载稍后可用…</div>{body}</div>{HYDRATE}')


def _rename_css(css: str) -> str:
    return re.sub(r"\.gx-", ".gxp-", css)


PREVIEW_CSS = """<style>
.gxp-control { display: flex; align-items: center; gap: 4px; font-size: 13px; color: #333; height: 28px; }
.gxp-control span { text-align: right; flex: none; }
.gxp-control select { flex: 1; min-width: 0; height: 28px; font-size: 13px; }
.gxp-buttons button { margin: 6px 8px 6px 0; height: 28px; font-size: 13px; border: 0; background: #eee; color: #333; padding: 0 12px; }
.gxp-connecting { font-size: 12px; color: #8a6d00; margin: 4px 0; }
.gxp-chart-slot svg { max-width: 100%; height: auto; }
.gxp-chart-wait { display: flex; align-items: center; justify-content: center; color: #999;
  font-size: 13px; background: #fafafa; border: 1px dashed #ddd; max-width: 700px; }
.gxp-preview { max-width: 100%; overflow-x: hidden; }
.gxp-scroll { max-width: 100%; overflow-x: auto; }
.gxp-html { line-height: 28px; }  /* ipywidgets' HTML widget: --jp-widgets-inline-height */
/* Voilà keeps the cells hidden (and a spinner up) until its frontend has loaded the theme */
body.gx-hydrating #rendered_cells { display: block !important; }
body.gx-hydrating #loading { display: none !important; }
body.gx-hydrating #rendered_cells .jp-OutputArea-child:not(:has(.gxp-preview)) {
  position: absolute !important; left: 0; right: 0; visibility: hidden; pointer-events: none; }
</style>"""

# The live page replaces the preview when it is whole: its marker (.gx-state) is drawn and every
# chart has its marks.  After 60 s a live page with its marker replaces it even if a chart has not
# drawn (such a chart must not keep the controls disabled); a live page not drawn at all never
# does: under load the preview stays, saying that the live page is still coming, rather than
# leaving a blank page.  Then the preview is removed, so nothing can read its stale numbers.
HYDRATE = """<script>
(function () {
  document.body.classList.add("gx-hydrating");
  var late = false;
  function live() { var page = document.querySelector(".gx-page"); return page && page.querySelector(".gx-state") && page; }
  function whole() {
    var page = live();
    if (!page) return false;
    var charts = page.querySelectorAll(".gx-chart");
    for (var i = 0; i < charts.length; i++) if (!charts[i].querySelector("svg .role-mark")) return false;
    return true;
  }
  function swap() {
    obs.disconnect(); clearTimeout(limit);
    document.querySelectorAll(".gxp-preview").forEach(function (p) { p.remove(); });
    document.body.classList.remove("gx-hydrating");
  }
  /* a DOM observer, not a timer: the swap happens in the same task as the last chart's drawing */
  var obs = new MutationObserver(function () { if (whole() || (late && live())) swap(); });
  obs.observe(document.body, { childList: true, subtree: true });
  var limit = setTimeout(function () {
    late = true;
    if (live()) return swap();
    document.querySelectorAll(".gxp-connecting").forEach(function (c) {
      c.textContent = "服务器繁忙，实时页面仍在加载；此处先显示静态预览，筛选与下载稍后可用…"; });
  }, window.GX_PREVIEW_LATE_MS || 60000);  /* settable for tests */
})();
</script>"""


def prune(days: int = KEEP_DAYS) -> None:
    """Remove cached SVGs not used for ``days`` (each corpus change makes new specs)."""
    cutoff = time.time() - days * 86400
    for f in cache_dir().glob("*.svg"):
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


# The subprocess: only vl-convert, not gxlib (whose import would cost the kernel more than the render).
# {key: spec} on stdin → <dir>/<key>.svg, each written atomically (kernels read the cache meanwhile).
_RENDER = """
import json, os, sys, tempfile
import vl_convert as vlc
out = sys.argv[1]
for key, spec in json.load(sys.stdin).items():
    svg = vlc.vegalite_to_svg(spec)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=out, delete=False, suffix=".tmp") as t:
        t.write(svg)
    os.replace(t.name, os.path.join(out, key + ".svg"))
"""
