"""CSV / Excel download buttons (bytes made in the kernel by gxlib.export, saved by the browser)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import anywidget
import polars as pl
import traitlets

from .. import export
from . import labels
from .data import UNKNOWN_SUFFIX

SAVE_FILE_JS = (Path(__file__).with_name("savefile.js")).read_text(encoding="utf-8")


def unknown_columns(frame: pl.DataFrame) -> dict[str, str]:
    """{value column: its unknown-count column} for the columns that have one."""
    return {c[: -len(UNKNOWN_SUFFIX)]: c for c in frame.columns
            if c.endswith(UNKNOWN_SUFFIX) and c[: -len(UNKNOWN_SUFFIX)] in frame.columns}


def for_download(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame as downloaded and its Chinese headers: Chinese values (错误/警告/提示, 旧版格式),
    unknown counts as 「X（无法确定数）」 columns next to X, code columns (规则代码, 指标代码 …)
    after the names they code."""
    frame = labels.chinese_values(frame)
    unk = unknown_columns(frame)
    codes = labels.code_columns(frame)
    main = [c for c in frame.columns if not c.endswith(UNKNOWN_SUFFIX) and c not in codes]
    cols = [*main, *codes]
    names = dict(zip(cols, labels.zh_names(cols)))
    order = [x for c in cols for x in ([c, unk[c]] if c in unk else [c])]
    names |= {u: f"{names[v]}（无法确定数）" for v, u in unk.items()}
    return frame.select(order), names


class DownloadButtons(anywidget.AnyWidget):
    """「下载 CSV」「下载 Excel」 buttons: a click asks the kernel for the bytes of what is on screen
    (``frame_fn()``, via gxlib.export) and the browser saves them (a Blob URL; works offline)."""

    LABELS = {"csv": "下载 CSV", "xlsx": "下载 Excel（含指标定义）"}  # also drawn by gxlib.app.preview

    _esm = SAVE_FILE_JS + """
    function render({ model, el }) {
      el.classList.add("gx-download", "gx-noprint");
      el.dataset.name = model.get("name");
      const fmts = __FMTS__;
      for (const [fmt, label] of fmts) {
        const b = document.createElement("button");
        b.textContent = label;
        b.className = "gx-dl-btn jupyter-button";
        b.dataset.fmt = fmt;
        b.title = model.get("hint");
        b.addEventListener("click", () => model.send({ request: fmt }));
        el.appendChild(b);
      }
      model.on("msg:custom", gxSaveFile);
    }
    export default { render };
    """.replace("__FMTS__", json.dumps(list(LABELS.items()), ensure_ascii=False))
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

    def payload(self, fmt: str) -> bytes:
        """The bytes of the download in ``fmt`` (csv | xlsx): what is on screen, Chinese headers,
        the view's filters, Excel with number formats and the 指标定义 sheet."""
        frame, names = for_download(self.frame_fn())
        defs = self.defs() if callable(self.defs) else self.defs
        filters = self.filters_fn() if self.filters_fn else {}
        return export.to_bytes(frame, fmt, defs, filters=filters, names=names, column_defs=labels.column_defs(frame))

    def _handle(self, _widget, content, _buffers) -> None:
        fmt = (content or {}).get("request")
        if fmt not in ("csv", "xlsx"):
            return
        data = self.payload(fmt)
        stamp = dt.date.today().strftime("%Y%m%d")
        self.send({"kind": "file", "filename": f"{self.name}_{stamp}.{fmt}", "mime": export.MIME[fmt]}, [data])
