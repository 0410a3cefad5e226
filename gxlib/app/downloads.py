"""CSV / Excel download buttons (bytes made in the kernel by gxlib.export, saved by the browser)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import anywidget
import polars as pl
import traitlets

from .. import export, metrics
from .data import UNKNOWN_SUFFIX


def unknown_columns(frame: pl.DataFrame) -> dict[str, str]:
    """{value column: its unknown-count column} for the columns that have one."""
    return {c[: -len(UNKNOWN_SUFFIX)]: c for c in frame.columns
            if c.endswith(UNKNOWN_SUFFIX) and c[: -len(UNKNOWN_SUFFIX)] in frame.columns}


def for_download(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as downloaded: unknown counts as 「X（无法确定数）」 columns next to X."""
    if "severity" in frame.columns:  # 错误 / 警告 / 提示, not error / warning
        frame = frame.with_columns(pl.col("severity").replace(metrics.SEVERITY_ZH))
    unk = unknown_columns(frame)
    if not unk:
        return frame
    zh_names = dict(zip(frame.columns, metrics.zh(frame).columns))
    order = [c for v in frame.columns if not v.endswith(UNKNOWN_SUFFIX) for c in ([v, unk[v]] if v in unk else [v])]
    return frame.select(order).rename({u: f"{zh_names.get(v, v)}（无法确定数）" for v, u in unk.items()})


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
        self.filters_fn: Callable[[], Mapping[str, str]] | None = None  # the view's filters, in Chinese
        self.on_msg(self._handle)

    def _handle(self, _widget, content, _buffers) -> None:
        fmt = (content or {}).get("request")
        if fmt not in ("csv", "xlsx"):
            return
        frame = for_download(self.frame_fn())
        defs = self.defs() if callable(self.defs) else self.defs
        filters = self.filters_fn() if self.filters_fn else {}
        data = export.to_bytes(frame, fmt, defs, filters=filters)
        stamp = dt.date.today().strftime("%Y%m%d")
        self.send({"kind": "file", "filename": f"{self.name}_{stamp}.{fmt}", "mime": export.MIME[fmt]}, [data])
