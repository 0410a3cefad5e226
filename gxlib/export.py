"""Export a metrics frame for people who open it in Excel: CSV (UTF-8 with BOM), Excel, Parquet.

``export(frame, "out.xlsx", definitions=metrics.definitions("grant_rate"))`` writes the data on
sheet 「数据」 and a second sheet 「指标定义」 listing every column (code, Chinese header) and the
definitions given (name → definition).  ``to_bytes(frame, "csv" | "xlsx" | "parquet")`` returns the
same bytes for a dashboard download button.  Column headers are written in Chinese
(:func:`gxlib.metrics.zh`) unless ``chinese_headers=False``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from . import metrics

FORMATS = ("csv", "xlsx", "parquet")
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
DATA_SHEET = "数据"
DEFINITIONS_SHEET = "指标定义"
BOM = b"\xef\xbb\xbf"


def _fmt_of(path: str | Path, fmt: str | None) -> str:
    f = (fmt or Path(path).suffix.lstrip(".")).lower()
    f = {"xls": "xlsx", "excel": "xlsx", "pq": "parquet"}.get(f, f)
    if f not in FORMATS:
        raise ValueError(f"unsupported export format {f!r} (use one of {', '.join(FORMATS)})")
    return f


def definitions_frame(frame: pl.DataFrame, definitions: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The 指标定义 sheet: one row per column of ``frame``, then one per given definition."""
    rows = [{"项目": metrics.COLUMN_ZH.get(c, c), "代码": c, "类型": str(t), "定义": metrics.COLUMN_ZH.get(c, "")}
            for c, t in frame.schema.items()]
    for name, text in (definitions or {}).items():
        rows.append({"项目": name, "代码": "", "类型": "指标", "定义": text})
    return pl.DataFrame(rows, schema={"项目": pl.String, "代码": pl.String, "类型": pl.String, "定义": pl.String})


def _display(frame: pl.DataFrame, chinese_headers: bool) -> pl.DataFrame:
    return metrics.zh(frame) if chinese_headers else frame


def _xlsx(frame: pl.DataFrame, definitions: Mapping[str, str] | None, chinese_headers: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    shown = _display(frame, chinese_headers)
    ws.append(shown.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in shown.iter_rows():
        ws.append([v if isinstance(v, (int, float, str, bool)) or v is None else str(v) for v in row])
    ws.freeze_panes = "A2"
    defs = wb.create_sheet(DEFINITIONS_SHEET)
    dframe = definitions_frame(frame, definitions)
    defs.append(dframe.columns)
    for cell in defs[1]:
        cell.font = Font(bold=True)
    for row in dframe.iter_rows():
        defs.append(list(row))
    defs.column_dimensions["A"].width = 24
    defs.column_dimensions["D"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_bytes(frame: pl.DataFrame, fmt: str, definitions: Mapping[str, str] | None = None, *,
             chinese_headers: bool = True) -> bytes:
    """The frame as bytes in ``fmt`` (csv: UTF-8 with BOM so Excel reads the Chinese; xlsx with the
    指标定义 sheet; parquet keeps code column names and dtypes)."""
    fmt = _fmt_of("x." + fmt, None)
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if fmt == "csv":
        return BOM + _display(frame, chinese_headers).write_csv().encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(frame, definitions, chinese_headers)
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def export(frame: pl.DataFrame, path: str | Path, definitions: Mapping[str, str] | None = None, *,
           fmt: str | None = None, chinese_headers: bool = True) -> Path:
    """Write ``frame`` to ``path`` (format from the suffix, or ``fmt``); returns the path."""
    path = Path(path)
    data = to_bytes(frame, _fmt_of(path, fmt), definitions, chinese_headers=chinese_headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
