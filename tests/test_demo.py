"""The synthetic demo corpus (gxlib.demo): reproducible, self-consistent, every format
readable by its ordinary library.  These tests do not use gxlib's parser."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from gxlib import spec
from gxlib.demo import FORMATS, NOTICE, generate
from gxlib.demo.faults import identity_failures

SEED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "guangyuan_czj_2020.txt"
HALF = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, agencies=14, years=(2019, 2025), seed=7, fault_rate=0.35)
    return out


@pytest.fixture(scope="module")
def truths(corpus) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((corpus / "reports").glob("*.truth.json"))]


def _values(t: dict) -> dict:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in t["cells"]}


def _app_rows(t: dict) -> list[str]:
    return list(dict.fromkeys(c["row"] for c in t["cells"] if c["table"] == "applications"))


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kw = dict(agencies=4, years=(2019, 2021), formats=FORMATS, fault_rate=0.5)
    generate(tmp_path / "a", seed=3, **kw)
    generate(tmp_path / "b", seed=3, **kw)
    generate(tmp_path / "c", seed=4, **kw)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert a == b
    assert a != c
    assert len(a) > 10


def test_parallel_generation_is_identical(tmp_path):
    kw = dict(agencies=6, years=(2020, 2022), formats=("text", "html"), seed=11)
    generate(tmp_path / "one", workers=1, **kw)
    generate(tmp_path / "two", workers=2, **kw)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_manifest_and_agencies(corpus, truths):
    m = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert m["notice"] == NOTICE
    assert m["seed"] == 7 and m["generator_version"]
    assert set(m["counts"]["per_format"]) == set(FORMATS)  # every format appears
    assert sum(m["counts"]["per_format"].values()) == len(truths)
    agencies = json.loads((corpus / "agencies.json").read_text(encoding="utf-8"))
    assert len(agencies) == 14
    for a in agencies:
        assert {"name", "key", "province", "city", "county", "level", "type"} <= set(a)
        assert a["level"] in ("省级", "市级", "县级") and a["type"] in ("政府", "部门")
    keys = {a["key"] for a in agencies}
    assert {t["agency_key"] for t in truths} <= keys


def test_truth_matches_file(corpus, truths):
    for t in truths:
        data = (corpus / "reports" / t["source"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == t["sha256"]
        assert t["error"] is None and t["findings"] == []
        assert t["format"] in FORMATS
        rows = {(c["table"], c["row"], c["col"]) for c in t["cells"]}
        assert len(rows) == len(t["cells"])  # one cell per printed (table, row, col)
        assert len(t["cells"]) >= 180
        for c in t["cells"]:
            assert (c["value"] is None) == (c["raw"] in ("", "-", "/", "—", "无")), c


def test_identities_hold_unless_a_fault_says_otherwise(truths):
    faulty = 0
    for t in truths:
        fails = identity_failures(_values(t), _app_rows(t))
        for rule, row, col in fails:
            covered = [
                f for f in t["faults"]
                if f["rule"] == rule and (f["col"] == col if row is None else f["row"] == row)
            ]
            assert covered, (t["source"], rule, row, col, t["faults"])
        arithmetic = {(f["rule"], f["row"], f["col"]) for f in t["faults"] if f["kind"] == "arithmetic"}
        for rule, row, col in arithmetic:  # and every recorded arithmetic fault does fire
            assert any(r == rule and (c == col if rw is None else rw == row) for r, rw, c in fails)
        faulty += bool(fails)
    assert faulty  # the fixture's fault rate makes some


def test_carry_over_links_years(truths):
    by_agency = defaultdict(dict)
    for t in truths:
        by_agency[t["agency_key"]][t["year"]] = t
    checked = 0
    for years in by_agency.values():
        for y, t in years.items():
            prev = years.get(y - 1)
            if not prev:
                continue
            v, pv = _values(t), _values(prev)
            broken = {f["col"] for f in t["faults"] if f["rule"] == "cross_year.carry_over"}
            for c in (*spec.APPLICANT_COLS, "total"):
                now = v[("applications", "carried_over", c)] or 0
                before = pv[("applications", "carried_forward", c)] or 0
                assert (now == before) != (c in broken), (t["source"], c, now, before)
                checked += 1
            if t["template"] == prev["template"] == "2021":
                for r in ("regulations", "normative_documents"):
                    p = lambda k: v[("proactive", r, k)] or 0  # noqa: E731
                    assert p("in_force") == (pv[("proactive", r, "in_force")] or 0) + p("issued") - p("repealed")
    assert checked > 50


def test_narrative_and_metadata_agree_unless_faulted(truths):
    measures = {
        "applications_received": [("applications", "new_received", "total")],
        "applications_concluded": [("applications", "total_handled", "total")],
        "applications_carried_forward": [("applications", "carried_forward", "total")],
        "reconsiderations": [("reviews", "reconsideration", "total")],
        "lawsuits": [("reviews", "litigation_direct", "total"), ("reviews", "litigation_after_reconsideration", "total")],
    }
    for t in truths:
        v = _values(t)
        rules = {f["rule"] for f in t["faults"]}
        mismatch = {f.get("measure") for f in t["faults"] if f["rule"] == "narrative.table_mismatch"}
        for n in t["narrative"]:
            if n["measure"] in measures:
                table = sum(v[k] or 0 for k in measures[n["measure"]])
                assert (n["count"] == table) != (n["measure"] in mismatch), (t["source"], n)
        portal = [n for n in t["narrative"] if n["channel"] == "政府门户网站"]
        total = [n["count"] for n in portal if n["category"] == "总计"]
        parts = sum(n["count"] for n in portal if n["category"] != "总计")
        assert (total == [parts]) != ("narrative.parts_sum" in rules)
        assert (t["published"] > t["deadline"]) == ("timeliness.late" in rules)
        assert (t["template"] != t["expected_template"]) == ("template.year_mismatch" in rules)
        assert t["template"] == spec.template_for_year(t["year"]) or t["year"] >= 2021


def test_documents_print_their_cells_and_narrative(corpus, truths):
    for t in truths:
        if t["format"] not in ("text", "html"):
            continue
        data = (corpus / "reports" / t["source"]).read_bytes()
        text = data.decode("gb18030" if t["variants"].get("encoding", "utf-8").startswith("gbk") else "utf-8")
        norm = text.translate(HALF)
        assert f"{t['agency']}{t['year']}年政府信息公开" in text.replace("\n", "")
        assert f"统计期限自{t['year']}年1月1日起至{t['year']}年12月31日止" in text
        y, m, d = map(int, t["published"].split("-"))
        assert f"{y}年{m}月{d}日" in text
        rec = {n["measure"]: n["count"] for n in t["narrative"] if n["channel"] is None}
        assert f"全年共收到政府信息公开申请{rec['applications_received']}件" in norm.replace(",", "，").replace("，", ",")
        for f in t["faults"]:
            if f["kind"] == "label_typo":
                assert f["printed"].translate(HALF) in norm


def test_gbk_pages_decode_as_gb18030(corpus, truths):
    pages = [t for t in truths if t["format"] == "html"]
    gbk = [t for t in pages if t["variants"]["encoding"].startswith("gbk")]
    assert gbk, "fixture has no GBK page"
    for t in pages:
        data = (corpus / "reports" / t["source"]).read_bytes()
        enc = t["variants"]["encoding"]
        if enc.startswith("gbk"):
            text = data.decode("gb18030")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            declared = re.search(rb"charset=\"?(gbk|gb2312)", data, re.I)
            assert bool(declared) == (enc == "gbk-declared")
        else:
            text = data.decode("utf-8")
        assert "三、收到和处理政府信息公开申请情况" in text
        assert "<table" in text and "rowspan=" in text and "colspan=" in text
        if t["variants"]["html_page"] == "full":
            assert "<script" in text and "<html" in text


def _pipe_tables(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    heads = {
        "proactive": "二、主动公开政府信息情况",
        "applications": "三、收到和处理政府信息公开申请情况",
        "reviews": "四、政府信息公开行政复议、行政诉讼情况",
    }
    idx = {k: lines.index(h.translate(HALF)) for k, h in heads.items()}
    end = next(i for i, ln in enumerate(lines) if ln.startswith("五、"))
    return {
        "proactive": lines[idx["proactive"] + 1 : idx["applications"]],
        "applications": lines[idx["applications"] + 1 : idx["reviews"]],
        "reviews": lines[idx["reviews"] + 1 : end],
    }


def test_pipe_text_has_the_seed_conventions(corpus, truths):
    texts = [t for t in truths if t["format"] == "text"]
    assert texts
    seed = SEED_TEXT.read_text(encoding="utf-8") if SEED_TEXT.exists() else None
    for t in texts:
        text = (corpus / "reports" / t["source"]).read_text(encoding="utf-8")
        half = "(一)" in text
        tables = _pipe_tables(text)
        for lines in tables.values():
            for ln in lines:  # every line is a cell ("text |"), a blank cell or a filler run
                assert ln.endswith(" |") or re.fullmatch(r"\|+", ln), ln
            assert not re.fullmatch(r"\|\|+", lines[-1])  # no filler after a table's last row
        # 表三: each row's label is followed by its 7 cells, then the row's span fillers
        app = tables["applications"]
        cells = [c for c in t["cells"] if c["table"] == "applications"]
        rows = list(dict.fromkeys(c["row"] for c in cells))
        typos = {f["row"]: f["printed"] for f in t["faults"] if f["kind"] == "label_typo" and f["table"] == "applications"}
        pos = 0
        for r in rows:
            raws = [c["raw"] for c in cells if c["row"] == r]
            label = typos.get(r, spec.row_label("applications", r))
            label_at = app.index((label.translate(HALF) if half else label) + " |", pos)
            got = app[label_at + 1 : label_at + 8]
            assert got == [f"{x} |" if x else "|" for x in raws], (t["source"], r, got)
            pos = label_at + 8
        assert len(tables["reviews"]) >= 15
        assert tables["reviews"][-15:] == [f"{c['raw']} |" if c["raw"] else "|" for c in t["cells"] if c["table"] == "reviews"]
        if seed is not None and half:
            seed_tables = _pipe_tables(seed)
            # the same header rows and span fillers as the seed in 表三 and 表四
            assert app[:13] == seed_tables["applications"][:13]
            assert tables["reviews"][:-15] == seed_tables["reviews"][:-15]
            if t["template"] == "2019" and "本年新 |" in text:
                assert tables["proactive"][:7] == seed_tables["proactive"][:7]


def test_docx_opens_with_the_form_tables(corpus, truths):
    import docx

    found = 0
    for t in truths:
        if t["format"] != "docx":
            continue
        found += 1
        d = docx.Document(str(corpus / "reports" / t["source"]))
        assert len(d.tables) == 3
        widths = [len(tb.columns) for tb in d.tables]
        assert widths == [5 if t["template"] == "2019" else 4, 10, 15]
        body = "\n".join(p.text for p in d.paragraphs)
        assert "一、总体情况" in body and "六、其他需要报告的事项" in body
        app_rows = _app_rows(t)
        assert len(d.tables[1].rows) == 3 + len(app_rows)
        # the printed cells of 表三, in reading order, are the truth's raws
        printed = []
        for row in d.tables[1].rows[3:]:
            tcs = row._tr.tc_lst
            printed.extend("".join(x.text or "" for x in tc.iter() if x.tag.endswith("}t")) for tc in tcs[-7:])
        assert printed == [c["raw"] for c in t["cells"] if c["table"] == "applications"]
        xml = d.tables[1]._tbl.xml
        assert 'w:vMerge w:val="restart"' in xml and "w:gridSpan" in xml
    assert found


def test_pdf_text_extracts_with_chinese_labels(corpus, truths):
    import pdfplumber

    pdfs = [t for t in truths if t["format"] == "pdf"][:4]
    assert pdfs
    for t in pdfs:
        with pdfplumber.open(str(corpus / "reports" / t["source"])) as pdf:
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
            assert len(pdf.pages) >= 2
        for label in ("三、收到和处理政府信息公开申请情况", "1.属于国家秘密", "四、结转下年度继续办理", "行政复议", "结果维持"):
            assert label in text, label
        assert t["agency"] in text
        new = [c["raw"] for c in t["cells"] if c["row"] == "new_received" and c["raw"]]
        line = next(ln for ln in text.splitlines() if ln.startswith("一、本年新收政府信息公开申请数量"))
        assert line.split()[1:] == new
