"""Export a metrics frame for people who open it in Excel: CSV (UTF-8 with BOM), Excel, Parquet.

``export(frame, "out.xlsx", definitions=metrics.definitions("grant_rate"))`` writes the data on
sheet 「数据」 (thousands separators, rates as percentages, text never a formula), a sheet 「指标定义」
defining every column and the definitions given (name → definition), and 「筛选条件」 (the view's
filters and the export time).  CSV text cells starting with = + - @ are defused with a leading '.  ``to_bytes(frame, "csv" | "xlsx" | "parquet")`` returns the
same bytes for a dashboard download button.  Column headers are written in Chinese
(:func:`gxlib.metrics.zh`) unless ``chinese_headers=False``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
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


FILTERS_SHEET = "筛选条件"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
RATE_NAMES = ("share", "report_share", "pct_change")
COLUMN_DEFS = {
    "year": "报告所属年度（报告的统计年度，不是发布年份）。",
    "n_reports": "纳入计算的报告份数（同一机关同一年度只计一份）。",
    "n_unknown": "无法确定、未计入的数值个数（不按 0 计）。",
    "numerator": "比率的分子（各报告之和）。", "denominator": "比率的分母（各报告之和）。",
    "value": "指标值：计数为件数之和；比率为 Σ分子 ÷ Σ分母（不是各报告比率的平均）。",
    "status": "“样本不足”：分母小于该指标的最小样本量，不参与排名。",
    "share": "占比：该项 ÷ 同组合计。", "rank": "名次（1 为最高；样本不足者不排名）。",
    "agency_key": "机关代码：同一机关跨年度、不同写法的统一标识。",
}


def defuse(text: str | None) -> str | None:
    """A text cell that a spreadsheet would run as a formula (= + - @ …) gets a leading
    apostrophe, so CSV opened in Excel shows it as text (OWASP CSV injection)."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def is_rate(col: str) -> bool:
    return col in RATE_NAMES or col.endswith(("_rate", "_share"))


# columns whose cells are a rate in the rows whose ``indicator`` is a rate (KPI, ranking, profile)
RATE_VALUE_COLS = ("value", "value_both", "prev_value", "change", "peer_median", "peer_q1", "peer_q3")


def is_rate_indicator(code: str | None) -> bool:
    ind = metrics.INDICATORS.get(code or "")
    return bool(ind is not None and ind.denominator and ind.scale == 1)


def rate_columns(frame: pl.DataFrame) -> set[str]:
    """Columns that are rates in every row (by name: ``*_rate``, ``share`` …, or an indicator code)."""
    return {c for c in frame.columns if is_rate(c) or is_rate_indicator(c)}


def rate_cells(frame: pl.DataFrame, pct: Callable[[pl.Expr, bool], pl.Expr],
               count: Callable[[pl.Expr], pl.Expr]) -> list[pl.Expr]:
    """Expressions writing every rate cell of ``frame`` with ``pct(expr, is_change)`` — the numeric rate
    columns, and :data:`RATE_VALUE_COLS` in the rows whose ``indicator`` is a rate, whose other rows
    (counts) get ``count(expr)``: one rule for CSV downloads and the notebooks' tables."""
    exprs = [pct(pl.col(c), False).alias(c) for c in sorted(rate_columns(frame)) if frame.schema[c].is_numeric()]
    if "indicator" in frame.columns:
        is_rate_row = pl.col("indicator").is_in([c for c in metrics.INDICATORS if is_rate_indicator(c)])
        exprs += [pl.when(is_rate_row).then(pct(pl.col(c), c == "change")).otherwise(count(pl.col(c))).alias(c)
                  for c in RATE_VALUE_COLS if c in frame.columns and frame.schema[c].is_numeric()]
    return exprs


def rate_rows(frame: pl.DataFrame) -> list[bool] | None:
    """Per row: whether its RATE_VALUE_COLS cells are rates (frames with an ``indicator`` column)."""
    if "indicator" not in frame.columns:
        return None
    return [is_rate_indicator(c) for c in frame["indicator"].to_list()]


def _ints(frame: pl.DataFrame) -> pl.DataFrame:
    """Float columns whose values are all whole numbers as integers (CSV writes 2115, not 2115.0)."""
    casts = []
    for c, t in frame.schema.items():
        if t.is_float() and not is_rate(c) and frame.height:
            col = frame[c].drop_nulls()
            if col.len() and bool(((col % 1) == 0).all()) and col.abs().max() < 2**53:
                casts.append(pl.col(c).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame


def definitions_frame(frame: pl.DataFrame, definitions: Mapping[str, str] | None = None,
                      names: Mapping[str, str] | None = None,
                      column_defs: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The 指标定义 sheet: one row per column of ``frame`` (its Chinese name and what it means), then
    one per given definition.  ``names``/``column_defs``: the caller's headers and meanings."""
    names = names or {}
    column_defs = column_defs or {}
    def meaning(c: str) -> str:
        if c in metrics.INDICATORS:
            return metrics.INDICATORS[c].definition_zh
        base = c[: -len("_ok")] if c.endswith("_ok") else c
        if base in metrics.INDICATORS and base != c:
            return f"分母是否达到“{metrics.INDICATORS[base].name_zh}”的最小样本量。"
        return column_defs.get(c) or COLUMN_DEFS.get(c, "")

    rr = rate_rows(frame)
    rows = [{"项目": names.get(c) or metrics.COLUMN_ZH.get(c, c), "代码": c,
             "类型": "数值（比率行为百分比）" if rr and c in RATE_VALUE_COLS and any(rr) else _kind(c, t),
             "定义": meaning(c)} for c, t in frame.schema.items()]
    for name, text in (definitions or {}).items():
        rows.append({"项目": name, "代码": "", "类型": "指标", "定义": text})
    return pl.DataFrame(rows, schema={"项目": pl.String, "代码": pl.String, "类型": pl.String, "定义": pl.String})


def _kind(col: str, dtype: pl.DataType) -> str:
    if is_rate(col):
        return "百分比"
    if dtype.is_numeric():
        return "数值"
    if dtype == pl.Boolean:
        return "是/否"
    if dtype.is_temporal():
        return "日期"
    return "文字"


def _display(frame: pl.DataFrame, chinese_headers: bool, names: Mapping[str, str] | None = None) -> pl.DataFrame:
    if not chinese_headers:
        return frame
    if names:
        return frame.rename({c: n for c, n in names.items() if c in frame.columns})
    return metrics.zh(frame)


def _filters_rows(filters: Mapping[str, str] | None) -> list[tuple[str, str]]:
    import datetime as dt

    rows = [(k, str(v)) for k, v in (filters or {}).items()]
    return rows + [("导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))]


def _bold_header(ws) -> None:
    from openpyxl.styles import Font

    for cell in ws[1]:
        cell.font = Font(bold=True)


def _xlsx(frame: pl.DataFrame, definitions: Mapping[str, str] | None, chinese_headers: bool,
          filters: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
          column_defs: Mapping[str, str] | None = None) -> bytes:
    """Data sheet (numbers with thousands separators, rates as percentages, every text cell a
    string — never a formula), 指标定义 and 筛选条件 sheets."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    shown = _display(frame, chinese_headers, names)
    ws.append(shown.columns)
    _bold_header(ws)
    formats = []
    for c, t in frame.schema.items():
        if is_rate(c):
            formats.append("0.0%")
        elif t.is_integer():
            formats.append("0" if c == "year" else "#,##0")
        elif t.is_float():
            col = frame[c].drop_nulls()
            whole = col.len() > 0 and bool(((col % 1) == 0).all())
            formats.append("#,##0" if whole else "#,##0.00")
        else:
            formats.append(None)
    rr = rate_rows(frame)
    per_row = [c in RATE_VALUE_COLS for c in frame.columns] if rr else None
    for r, row in enumerate(shown.iter_rows(), start=2):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=j)
            if per_row and per_row[j - 1] and rr[r - 2] and isinstance(v, (int, float)) and not isinstance(v, bool):
                cell.value = v
                cell.number_format = "+0.0%;-0.0%;0.0%" if frame.columns[j - 1] == "change" else "0.0%"
                continue
            if per_row and per_row[j - 1] and isinstance(v, float) and v.is_integer():
                cell.value = v
                cell.number_format = "#,##0"  # a count's row of a mixed column
                continue
            if isinstance(v, str):
                cell.value = v
                cell.data_type = "s"  # a name like =HYPERLINK(…) stays text
            elif isinstance(v, (int, float, bool)) or v is None:
                cell.value = v
                if formats[j - 1] and not isinstance(v, bool):
                    cell.number_format = formats[j - 1]
            else:
                cell.value = str(v)
                cell.data_type = "s"
    for j, name in enumerate(shown.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(40, 2 * len(name) + 2))
    ws.freeze_panes = "A2"
    defs = wb.create_sheet(DEFINITIONS_SHEET)
    dframe = definitions_frame(frame, definitions, names, column_defs)
    defs.append(dframe.columns)
    _bold_header(defs)
    for row in dframe.iter_rows():
        defs.append(list(row))
        for cell in defs[defs.max_row]:
            cell.data_type = "s"
    defs.column_dimensions["A"].width = 24
    defs.column_dimensions["D"].width = 80
    fs = wb.create_sheet(FILTERS_SHEET)
    fs.append(["条件", "取值"])
    _bold_header(fs)
    for k, v in _filters_rows(filters):
        fs.append([k, v])
        for cell in fs[fs.max_row]:
            cell.data_type = "s"
    fs.column_dimensions["A"].width = 16
    fs.column_dimensions["B"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_pct(e: pl.Expr, signed: bool) -> pl.Expr:
    """``43.33%`` (Excel reads it as a number); a change signed (``+1.2%``); unknown stays empty."""
    txt = pl.format("{}%", (e * 100).round(2))
    return pl.when(e > 0).then(pl.format("+{}", txt)).otherwise(txt) if signed else txt


def _csv_count(e: pl.Expr) -> pl.Expr:
    """A count in a column that also holds rates: ``2115``, not ``2115.0``."""
    return pl.when(e == e.round(0)).then(e.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(e.cast(pl.String))


def _csv(frame: pl.DataFrame, chinese_headers: bool, filters: Mapping[str, str] | None,
         names: Mapping[str, str] | None = None) -> bytes:
    """CSV: integers without .0, rates as percentages (:func:`rate_cells`), text cells defused; with
    ``filters`` first one line ``# 筛选条件：…`` (read it back with ``comment_prefix="#"``)."""
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    shown = _ints(frame).with_columns(pl.col(c).map_elements(defuse, return_dtype=pl.String) for c in texts)
    shown = _display(shown.with_columns(rate_cells(shown, _csv_pct, _csv_count)), chinese_headers, names)
    head = ""
    if filters is not None:
        head = "# 筛选条件：" + "；".join(f"{k}={v}" for k, v in _filters_rows(filters)) + "\n"
    return BOM + (head + shown.write_csv()).encode("utf-8")


def to_bytes(frame: pl.DataFrame, fmt: str, definitions: Mapping[str, str] | None = None, *,
             chinese_headers: bool = True, filters: Mapping[str, str] | None = None,
             names: Mapping[str, str] | None = None, column_defs: Mapping[str, str] | None = None) -> bytes:
    """The frame as bytes in ``fmt`` (csv: UTF-8 with BOM so Excel reads the Chinese, text cells
    defused, ``filters`` as a first ``#`` line; xlsx with number formats and the 指标定义 and
    筛选条件 sheets; parquet keeps code column names and dtypes).  ``names``: the headers (code →
    Chinese; default metrics.zh); ``column_defs``: meanings for the 指标定义 sheet."""
    fmt = _fmt_of("x." + fmt, None)
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if fmt == "csv":
        return _csv(frame, chinese_headers, filters, names)
    if fmt == "xlsx":
        return _xlsx(frame, definitions, chinese_headers, filters, names, column_defs)
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def export(frame: pl.DataFrame, path: str | Path, definitions: Mapping[str, str] | None = None, *,
           fmt: str | None = None, chinese_headers: bool = True, filters: Mapping[str, str] | None = None) -> Path:
    """Write ``frame`` to ``path`` (format from the suffix, or ``fmt``); returns the path."""
    path = Path(path)
    data = to_bytes(frame, _fmt_of(path, fmt), definitions, chinese_headers=chinese_headers, filters=filters)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
