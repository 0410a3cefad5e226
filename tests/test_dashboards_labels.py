# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""A leader's language in every table and download of the three dashboards (issue 17 item 8), on
the bundled demo and on a corpus built from the real reports: Chinese headers (no code names such
as ``n_unknown``), 错误/警告/提示, rule names (codes only in the download, after the name), rates as
percentages with thousands separators on screen and as Excel number formats, and a 指标定义 sheet
that defines every column.  The downloads are the bytes the buttons send (DownloadButtons.payload)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib import export, metrics
from gxlib.app import AgencyApp, OverviewApp, QualityApp
from gxlib.app.data import _load
from gxlib.app.downloads import for_download
from gxlib.app.widgets import ChartPanel, TablePanel

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "corpus"
ASCII = re.compile(r"[A-Za-z_]")
RAW_VALUES = {"error", "warning", "info", "older"}


def _panels(app):
    out = {n: p.download for n, p in vars(app).items() if isinstance(p, (ChartPanel, TablePanel))}
    if hasattr(app, "kpi_dl"):
        out["kpi"] = app.kpi_dl
    tables = {n: p.table.value for n, p in vars(app).items() if isinstance(p, (ChartPanel, TablePanel))}
    return out, tables


def _apps(data):
    return [OverviewApp(data, {"year": "all"}), OverviewApp(data, {}), QualityApp(data, {}), AgencyApp(data, {})]


@pytest.fixture(scope="module", params=["demo", "real"])
def data(request):
    if request.param == "demo":
        return _load(str(DEMO.resolve()))
    return _load(str(request.getfixturevalue("real_corpus_dir").resolve()))


def test_on_screen_tables_speak_chinese(data):
    n_tables = 0
    for app in _apps(data):
        _, tables = _panels(app)
        for name, html in tables.items():
            heads = re.findall(r"<th>(.*?)</th>", html)
            if not heads:
                continue
            n_tables += 1
            bad = [h for h in heads if ASCII.search(h)]
            assert not bad, f"{type(app).__name__}.{name}: English headers {bad}"
            cells = {re.sub(r"<[^>]+>", "", td) for td in re.findall(r"<td[^>]*>.*?</td>", html)}
            assert not cells & RAW_VALUES, f"{name}: raw codes shown {cells & RAW_VALUES}"
            # thousands separators: no bare number ≥ 10000 in a number cell (text such as 原文 is verbatim)
            nums = {re.sub(r"<[^>]+>", "", td) for td in re.findall(r"<td(?![^>]*gx-t)[^>]*>.*?</td>", html)}
            big = [c for c in nums if re.fullmatch(r"-?\d{5,}(\.\d+)?\*?", c)]
            assert not big, f"{name}: numbers without separators {big[:5]}"
    assert n_tables >= 10


def test_rates_are_percentages_on_screen(data):
    app = OverviewApp(data, {"year": "all"})
    html = app.ranking.table.value
    heads = re.findall(r"<th>(.*?)</th>", html)
    col = heads.index("数值")
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    vals = [re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>.*?</td>", r)[col]) for r in rows]
    assert vals and all(v == "—" or v.endswith("%") for v in vals), vals[:5]
    # the KPI table (counts and rates in one column): each row in its own unit
    kpi = {r["indicator"]: r["value"] for r in app._kpi_frame.iter_rows(named=True)}
    cells = dict(re.findall(r'data-kpi="(\w+)".*?<div class="gx-kpi-value">(.*?)<', app.kpis.value))
    for code, v in kpi.items():
        if v is not None and export.is_rate_indicator(code):
            assert cells[code] == f"{v:.1%}"
    # the quality rule picker shows names, not codes
    q = QualityApp(data, {})
    assert not [label for label, code in q.rule.options[1:] if code in label]


def test_downloads_speak_chinese_and_excel_defines_and_formats(data):
    n = 0
    for app in _apps(data):
        buttons, _ = _panels(app)
        for name, dl in buttons.items():
            frame = dl.frame_fn()
            if frame.is_empty():
                continue
            n += 1
            csv = dl.payload("csv")[3:].decode("utf-8").split("\n", 1)[1]
            header = csv.split("\n", 1)[0]
            assert not [h for h in header.split(",") if ASCII.search(h)], f"{name}: CSV header {header}"
            assert not re.search(r"(^|,)\d+\.0(,|$)", csv.split("\n", 2)[1]), f"{name}: CSV writes 2115.0"
            wb = openpyxl.load_workbook(io.BytesIO(dl.payload("xlsx")))
            ws = wb["数据"]
            heads = [c.value for c in ws[1]]
            assert not [h for h in heads if ASCII.search(str(h))], f"{name}: Excel header {heads}"
            sev = heads.index("级别") + 1 if "级别" in heads else None
            if sev:
                assert {ws.cell(r, sev).value for r in range(2, ws.max_row + 1)} <= set(metrics.SEVERITY_ZH.values())
            # number formats: rates as percentages (per row where the indicator is a rate), counts #,##0
            shown, _ = for_download(frame)  # the column order of the file
            rates = export.rate_rows(shown)
            for col, code in enumerate(shown.columns, start=1):
                for r in range(2, min(ws.max_row, 40) + 1):
                    cell = ws.cell(r, col)
                    if not isinstance(cell.value, (int, float)) or isinstance(cell.value, bool):
                        continue
                    if export.is_rate(code) or (rates and rates[r - 2] and code in export.RATE_VALUE_COLS):
                        assert "%" in cell.number_format, (name, code, cell.number_format)
                    elif code not in ("year", "prev_year") and cell.value >= 1000 and float(cell.value).is_integer():
                        assert cell.number_format == "#,##0", (name, code, cell.number_format)
            # the 指标定义 sheet defines every column (not the header repeated)
            defs = {r[1]: (r[0], r[3]) for r in list(wb["指标定义"].iter_rows(values_only=True))[1:] if r[1]}
            for code in shown.columns:
                label, meaning = defs[code]
                assert meaning and meaning != label, f"{name}: column {code} ({label}) undefined"
            assert "筛选条件" in wb.sheetnames
    assert n >= 10


@pytest.fixture(scope="module")
def unknown_level_data(tmp_path_factory):
    """Two demo reports and one of a body whose level nothing infers (every level of the demo and
    of the real corpus is known, so neither has one)."""
    from gxlib.corpus import build_corpus

    tmp = tmp_path_factory.mktemp("unknown-level")
    src = tmp / "reports"
    src.mkdir()
    for name in ("fujian-fuzhou-minhou-jyj_2020.txt", "fujian-fuzhou-minhou-jyj_2024.txt"):
        (src / name).write_bytes((DEMO.parent / "reports" / name).read_bytes())
    text = (DEMO.parent / "reports" / "fujian-fuzhou-minhou-jyj_2024.txt").read_text(encoding="utf-8")
    (src / "unknown_2024.txt").write_text(text.replace("闽侯县教育和体育局", "某某数据中心"), encoding="utf-8")
    build_corpus([src], tmp / "corpus", workers=1, progress=False)
    return _load(str((tmp / "corpus").resolve()))


def test_unknown_level_shows_as_unidentified_not_blank(unknown_level_data):
    from gxlib.app.data import UNIDENTIFIED

    data = unknown_level_data
    n = data.reports.filter(pl.col("level").is_null()).height
    assert n == 1, data.reports.select("agency", "level")
    app = OverviewApp(data, {"year": "all", "level": UNIDENTIFIED})
    assert app.bar.unknown == [] and app.bar.state["level"] == UNIDENTIFIED
    assert app._kpi_frame.filter(pl.col("indicator") == "reports")["value"][0] == n
    assert UNIDENTIFIED in app.ranking.table.value
    known = OverviewApp(data, {"year": "all"})
    assert known._kpi_frame.filter(pl.col("indicator") == "reports")["value"][0] == 3
