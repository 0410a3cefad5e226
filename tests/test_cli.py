"""The `gx` command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.shared import CORPUS, needs_shared
from tests.test_readers_text_html import html_report, values_for


def gx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gxlib.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def report_file(tmp_path):
    p = tmp_path / "demo.html"
    p.write_text(html_report("2021", values_for("2021")), encoding="utf-8")
    return p


def test_parse_summary(report_file):
    out = gx("parse", str(report_file))
    assert out.returncode == 0, out.stderr
    assert "测试县财政局" in out.stdout and "template 2021" in out.stdout


def test_parse_json_is_the_contract(report_file):
    out = gx("parse", "--json", str(report_file))
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert set(obj) >= {"source", "sha256", "format", "agency", "year", "template", "published", "cells", "findings", "error"}
    assert obj["format"] == "html" and obj["template"] == "2021" and obj["error"] is None
    assert len(obj["cells"]) == 200
    assert set(obj) == {"source", "sha256", "format", "agency", "year", "template", "published", "cells", "findings", "error"}
    assert all(set(c) == {"table", "row", "col", "value", "raw"} for c in obj["cells"])  # exactly the contract


def test_parse_json_where_adds_provenance(report_file):
    obj = json.loads(gx("parse", "--json", "--where", str(report_file)).stdout)
    cell = next(c for c in obj["cells"] if (c["table"], c["row"], c["col"]) == ("applications", "granted", "total"))
    assert cell["where"].startswith("table 2, row ")


def test_parse_json_lines_in_argument_order_and_error_exit(report_file, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = gx("parse", "--json", str(bad), str(report_file))
    assert out.returncode == 2
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["source"] for x in lines] == [str(bad), str(report_file)]
    assert "EmptyDocument" in lines[0]["error"] and lines[1]["error"] is None


def test_parse_readable_error_to_stderr(tmp_path):
    bad = tmp_path / "x.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    out = gx("parse", str(bad))
    assert out.returncode == 2 and "convert it to .docx or .pdf" in out.stderr


def test_explain_shows_row_matches(report_file):
    out = gx("explain", str(report_file))
    assert out.returncode == 0
    assert "template: 2021" in out.stdout and "applications.granted" in out.stdout


@needs_shared
def test_parse_seed_report():
    out = gx("parse", "--json", str(CORPUS / "guangyuan_czj_2020.txt"))
    obj = json.loads(out.stdout)
    assert obj["agency"] == "广元市财政局" and obj["year"] == 2020 and obj["published"] == "2021-01-19"


@needs_shared
def test_check_gates_on_errors():
    bad = gx("check", str(CORPUS / "002_hongzequ_2023.pdf"))
    assert bad.returncode == 1
    assert "table4.row_total" in bad.stdout and "行政复议" in bad.stdout
    warn_only = gx("check", str(CORPUS / "guangyuan_czj_2020.txt"))
    assert warn_only.returncode == 0 and "narrative.parts_sum" in warn_only.stdout


@needs_shared
def test_check_json_findings_form():
    out = gx("check", "--json", str(CORPUS / "002_hongzequ_2023.pdf"))
    obj = json.loads(out.stdout)
    # 002 prints （六）其他处理 as one row (2019 shape) in a 2021 report: flagged, not forced
    assert {f["rule"] for f in obj["findings"]} == {"table4.row_total", "extract.hybrid_template"}
    assert all({"rule", "severity", "message", "table", "row", "col"} <= set(f) for f in obj["findings"])


def test_check_files_of_consecutive_years_check_each_other():
    """The bundled demo agency whose 2024 上年结转 breaks from its 2023 结转下年度 (an injected fault)."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
    truth = json.loads((demo / "fujian-putian-chengxiang-scjgj_2024.docx.truth.json").read_text(encoding="utf-8"))
    injected = {f["col"] for f in truth["faults"] if f["rule"] == "cross_year.carry_over"}
    assert injected
    both = gx("check", "--json", str(demo / "fujian-putian-chengxiang-scjgj_2023.pdf"),
              str(demo / "fujian-putian-chengxiang-scjgj_2024.docx"))
    assert both.returncode == 1
    later = json.loads(both.stdout.splitlines()[1])
    assert {f["col"] for f in later["findings"] if f["rule"] == "cross_year.carry_over"} == injected
    alone = gx("check", "--json", str(demo / "fujian-putian-chengxiang-scjgj_2024.docx"))
    assert not any(f["rule"].startswith("cross_year") for f in json.loads(alone.stdout)["findings"])


def test_demo_data_command(tmp_path):
    out = gx("demo-data", str(tmp_path / "demo"), "--agencies", "3", "--years", "2020-2021", "--formats", "html,text",
             "--seed", "4")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    reports = sorted(p for p in (tmp_path / "demo" / "reports").iterdir() if not p.name.endswith(".truth.json"))
    assert summary["reports"] == len(reports) > 0
    assert all(p.with_name(p.name + ".truth.json").exists() for p in reports)
    assert {p.suffix for p in reports} <= {".html", ".txt"}
    assert gx("demo-data", str(tmp_path / "x"), "--years", "twenty").returncode == 2


def test_explain_says_what_the_reader_changed(tmp_path):
    """A report whose numbers carry zero-width spaces: gx explain says they were dropped."""
    p = tmp_path / "zw.html"
    p.write_text(html_report("2021", values_for("2021")).replace("<td>1", "<td>1\u200b"), encoding="utf-8")
    out = gx("explain", str(p))
    assert out.returncode == 0
    assert "reader: " in out.stdout and "invisible character" in out.stdout
