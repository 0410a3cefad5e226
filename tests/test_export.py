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
    assert wb.sheetnames == ["数据", "指标定义"]
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
