"""gxlib.export: CSV with BOM, Excel with the 指标定义 sheet, Parquet round trip, download bytes."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pytest

from gxlib import export as ex
from gxlib import metrics as m

FRAME = pl.DataFrame({"year": [2022, 2023], "numerator": [3.0, 6.0], "denominator": [10.0, 12.0],
                      "value": [0.3, 0.5], "status": ["已排名", "已排名"]})


def test_csv_has_bom_and_chinese_headers(tmp_path):
    p = ex.export(FRAME, tmp_path / "x.csv")
    data = p.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.splitlines()[0] == "年度,分子,分母,数值,状态"
    assert pl.read_csv(io.BytesIO(data[3:]))["分子"].to_list() == [3.0, 6.0]


def test_xlsx_has_definitions_sheet(tmp_path):
    p = ex.export(FRAME, tmp_path / "x.xlsx", definitions=m.definitions("grant_rate"))
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["数据", "指标定义", "筛选条件"]
    rows = list(wb["数据"].iter_rows(values_only=True))
    assert rows[0] == ("年度", "分子", "分母", "数值", "状态") and rows[2][1] == 6.0
    defs = list(wb["指标定义"].iter_rows(values_only=True))
    names = [r[0] for r in defs]
    assert "予以公开率" in names and "口径说明" in names and "年度" in names
    assert any("予以公开件数" in (r[3] or "") for r in defs)


def test_parquet_roundtrip_and_bytes(tmp_path):
    p = ex.export(FRAME, tmp_path / "x.parquet")
    assert pl.read_parquet(p).equals(FRAME)  # codes and dtypes kept
    for fmt in ex.FORMATS:
        assert len(ex.to_bytes(FRAME, fmt)) > 0
    with pytest.raises(ValueError):
        ex.export(FRAME, tmp_path / "x.json")


HOSTILE = pl.DataFrame({"agency": ['=HYPERLINK("http://x.invalid","点我")', "+1 机关", "-2", "@SUM(A1)", "平潭综合实验区"],
                        "count": [2115.0, 3.0, 0.0, None, 7.0], "share": [0.3043, 0.1, 0.0, None, 0.5959]})


def test_xlsx_text_never_a_formula_and_number_formats(tmp_path):
    p = ex.export(HOSTILE, tmp_path / "x.xlsx", filters={"年度": "2023", "层级": "县级"})
    wb = openpyxl.load_workbook(p)
    ws = wb["数据"]
    for r, name in enumerate(HOSTILE["agency"], start=2):
        cell = ws.cell(row=r, column=1)
        assert cell.data_type == "s" and cell.value == name, f"{name!r} must arrive as text"
    assert ws.cell(row=2, column=2).number_format == "#,##0"
    assert ws.cell(row=2, column=3).number_format == "0.0%" and ws.cell(row=2, column=3).value == 0.3043
    assert ws.cell(row=5, column=2).value is None  # unknown stays empty, never 0
    filters = dict(list(wb["筛选条件"].iter_rows(values_only=True))[1:])
    assert filters["年度"] == "2023" and filters["层级"] == "县级" and "导出时间" in filters
    defs = {r[1]: r[3] for r in wb["指标定义"].iter_rows(values_only=True)}
    assert defs["share"] and defs["share"] != "占比"  # the sheet defines, not repeats the header


def test_csv_defused_integers_and_filters(tmp_path):
    data = ex.to_bytes(HOSTILE, "csv", filters={"年度": "2023"})
    text = data[3:].decode("utf-8")
    first, body = text.split("\n", 1)
    assert first.startswith("# 筛选条件：年度=2023")
    got = pl.read_csv(io.BytesIO(body.encode()))
    names = got[got.columns[0]].to_list()
    assert names[:4] == ["'" + n for n in HOSTILE["agency"].to_list()[:4]] and names[4] == "平潭综合实验区"
    assert "2115.0" not in body and "2115" in body
    assert got[got.columns[1]].to_list()[3] is None


def test_csv_writes_rates_as_percentages():
    """A leader opens the CSV in Excel: 30.43% (Excel reads it as the number 0.3043), never 0.3043 (to two
    decimals at most: polars writes 10.0%, which Excel reads alike);
    unknown stays empty; in a table mixing counts and rates (KPI rows) only the rate rows are %."""
    body = ex.to_bytes(HOSTILE, "csv")[3:].decode("utf-8")
    got = pl.read_csv(io.BytesIO(body.encode()), infer_schema=False)
    assert got["占比"].to_list() == ["30.43%", "10.0%", "0.0%", None, "59.59%"]
    kpi = pl.DataFrame({"indicator": ["grant_rate", "applications_new"], "value": [0.4333, 2115.0],
                        "change": [0.012, -3.0]})
    rows = pl.read_csv(io.BytesIO(ex.to_bytes(kpi, "csv")[3:]), infer_schema=False).rows()
    assert rows == [("grant_rate", "43.33%", "+1.2%"), ("applications_new", "2115", "-3")]
