"""年报自检 logic (gxlib.selfcheck / selfcheck_view) on real reports from ../shared/corpus: the same
findings as ``gx check``, drawn on their cells; cross-year against last year's report; refusals;
the Excel / HTML check report; the upload folder removed on close, exit and SIGTERM."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shared import CORPUS, needs_shared

from gxlib import selfcheck as sc
from gxlib import selfcheck_view as sv
from gxlib import spec

pytestmark = needs_shared
HONGZE = CORPUS / "002_hongzequ_2023.pdf"
GUANGYUAN = CORPUS / "guangyuan_czj_2020.txt"
PINGTAN = CORPUS / "pingtan"


def gx_check_json(*files: Path) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "gxlib.cli", "check", "--json", *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def keys(findings) -> set[tuple]:
    return {(f["rule"], f["severity"], f["table"], f["row"], f["col"], f["message"]) for f in findings}


def cell_tags(page_html: str, cls: str) -> set[str]:
    return set(re.findall(rf'<td class="[^"]*{cls}[^"]*" data-cell="([^"]+)"', page_html))


def test_findings_are_those_of_gx_check_and_sit_on_their_cells():
    res = sc.check_path(HONGZE)
    want = gx_check_json(HONGZE)[0]["findings"]
    assert keys(res.findings.to_dicts()) == keys(want)
    errors = [f for f in want if f["severity"] == "error"]
    assert errors and all(f["table"] == "reviews" for f in errors)
    page = sv.result_html(res)
    flagged = cell_tags(page, "gx-has-error")
    assert flagged == {f"{f['table']}.{f['row']}.{f['col']}" for f in errors}
    # every cell the report prints is drawn with the value it read; a finding's data-cells name its cell
    for c in res.report.cells.iter_rows(named=True):
        m = re.search(rf'data-cell="{c["table"]}\.{c["row"]}\.{c["col"]}"[^>]*>([^<]*)</td>', page)
        assert m and m.group(1) == sc.fmt_value(c["value"]), (c["table"], c["row"], c["col"])
    assert page.count('class="gx-finding gx-sev-error"') == len(errors)
    assert sc.verdict(res).startswith(f"发现 {len(errors)} 处错误")


def test_consistent_report_has_no_error():
    res = sc.check_path(GUANGYUAN)
    assert res.ok and res.count("error") == 0
    assert not any(f["severity"] == "error" for f in gx_check_json(GUANGYUAN)[0]["findings"])
    assert 'data-errors="0"' in sv.result_html(res) and not cell_tags(sv.result_html(res), "gx-has-error")


def test_ambiguous_cells_are_highlighted_with_a_reason_never_a_number():
    res = sc.check_path(CORPUS / "012_pingtan_scjgj_2019.txt")
    amb = res.report.cells.filter("ambiguous")
    assert amb.height > 0
    page = sv.result_html(res)
    shown = cell_tags(page, "gx-st-ambiguous")
    assert shown == {f"{t}.{r}.{c}" for t, r, c in amb.select("table", "row", "col").iter_rows()}
    for key in shown:
        m = re.search(rf'data-cell="{re.escape(key)}"[^>]*title="([^"]*)">([^<]*)</td>', page)
        assert m and "无法唯一确定" in m.group(1) and m.group(2) == "？"


def test_cross_year_rules_match_gx_check_with_both_files():
    prev_file, draft = PINGTAN / "czj_2021.txt", PINGTAN / "czj_2022.txt"
    from gxlib import read_report

    res = sc.check_path(draft, sc.Previous.from_report(read_report(prev_file)))
    cross = [f for f in res.findings.to_dicts() if f["rule"].startswith("cross_year.")]
    both = gx_check_json(prev_file, draft)[1]["findings"]
    assert cross and keys(cross) == keys([f for f in both if f["rule"].startswith("cross_year.")])
    assert res.previous_note is None
    # a report two years back is not last year's: said so, no cross-year finding
    res2 = sc.check_path(PINGTAN / "czj_2023.txt", sc.Previous.from_report(read_report(prev_file)))
    assert "不是 2022 年" in res2.previous_note
    assert not any(r.startswith("cross_year.") for r in res2.findings["rule"])


def test_refusals_are_clear_chinese_messages():
    with pytest.raises(sc.Refused, match="超过上限 20 MB"):
        sc.validate("big.pdf", 21 * 1024 * 1024)
    with pytest.raises(sc.Refused, match="不支持的文件类型「.exe」"):
        sc.validate("setup.exe", 10)
    with pytest.raises(sc.Refused, match="空文件"):
        sc.validate("a.txt", 0)
    with pytest.raises(sc.Refused, match="需要服务器安装 LibreOffice"):
        sc.validate("a.doc", 10, types=sc.accepted_types(legacy_ok=False))
    res = sc.check_bytes("junk.txt", bytes(range(256)) * 64)
    assert not res.ok and res.error.startswith("无法读取「junk.txt」")
    assert 'data-state="error"' in sv.result_html(res)


def test_conformance_lists_template_and_label_variants():
    res = sc.check_path(HONGZE)
    rows = {c["item"]: c for c in sc.conformance(res)}
    assert rows["模板版本"]["status"] == "符合" and "2021" in rows["模板版本"]["detail"]
    for v in sc.label_variants(res.report):  # every variant is a real difference from the template's words
        official = spec.template(res.report.template)[v["table"]].row(v["row"]).leaf
        assert spec.normalize_label(v["printed"]) != spec.normalize_label(official)
    # the same 2019-template tables under a 2021 title: the year calls for the 2021 template
    text = GUANGYUAN.read_text(encoding="utf-8").replace("2020年", "2021年", 2)
    res21 = sc.check_text(text)
    assert res21.meta["year"] == 2021 and res21.report.template == "2019"
    conf = {c["item"]: c for c in sc.conformance(res21)}
    assert conf["模板版本"]["status"] == "不符" and "应使用 2021 版模板，报告使用 2019 版" in conf["模板版本"]["detail"]
    assert "template.year_mismatch" in res21.findings["rule"].to_list()


def read_xlsx(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_excel_check_report_holds_findings_conformance_and_tables(tmp_path):
    res = sc.check_path(HONGZE)
    sheets = read_xlsx(sc.to_xlsx(res))
    assert list(sheets) == ["概要", "问题", "模板符合性", "表二", "表三", "表四"]
    assert len(sheets["问题"]) - 1 == res.findings.height
    # 错误: the two 表四 totals; 提示: （六）其他处理 printed as one row in a 2021 report (a hybrid)
    assert {r[0] for r in sheets["问题"][1:]} == {"错误", "提示"}
    summary = dict(sheets["概要"])
    assert summary["发布机关"] == res.meta["agency"] and summary["错误数"] == str(res.count("error"))
    values = {(r["row"], r["col"]): r["value"] for r in res.report.cells.filter(table="reviews").iter_rows(named=True)}
    rows4 = {r[0]: r[1:] for r in sheets["表四"] if r[0] != "项目"}
    for row in spec.template("2021")["reviews"].rows:
        got = rows4[spec.row_display("reviews", row.code, "2021", with_group=True)]
        assert [values[(row.code, c.code)] for c in row.cols] == list(got[: len(row.cols)])


def test_cli_check_report(tmp_path):
    out = tmp_path / "check.xlsx"
    p = subprocess.run([sys.executable, "-m", "gxlib.cli", "check", str(HONGZE), "--report", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "处错误" in p.stdout
    assert read_xlsx(out.read_bytes())["问题"][1][0] == "错误"
    page = tmp_path / "check.html"
    p = subprocess.run([sys.executable, "-m", "gxlib.cli", "check", str(GUANGYUAN), "--report", str(page)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "未发现错误" in page.read_text(encoding="utf-8")
    assert "<script" not in page.read_text(encoding="utf-8") and "http" not in page.read_text(encoding="utf-8")


def test_upload_folder_removed_on_close_and_on_sigterm(tmp_path):
    up = sc.Upload()
    path = up.save("../../etc/报告 2023.pdf", b"%PDF-1.4")
    assert path.parent == up.dir and path.exists() and (up.dir.stat().st_mode & 0o777) == 0o700
    up.close()
    assert not up.dir.exists()
    code = ("import sys, time; from gxlib.selfcheck import Upload; u = Upload(); u.save('a.pdf', b'x'); "
            "print(u.dir, flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    folder = Path(proc.stdout.readline().strip())
    assert (folder / "a.pdf").exists()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    time.sleep(0.1)
    assert not folder.exists()


def test_a_misspelt_label_in_crawler_text_is_listed_as_a_variant():
    """Crawler text's fused rows are matched by the digit-run solver; their labels are checked too."""
    path = PINGTAN / "czj_2024.txt"
    text = path.read_text(encoding="utf-8")
    assert not any("执法案件" in v["printed"] for v in sc.label_variants(sc.check_text(text).report))
    variants = sc.label_variants(sc.check_text(text.replace("执法案卷", "执法案件")).report)
    assert [(v["row"], v["official"]) for v in variants if "执法案件" in v["printed"]] == [
        ("denied_enforcement_file", "7.属于行政执法案卷")]
