"""The registry file: validation (every problem at once, with its line), CSV and Excel, the
round trip gx registry → edit → gx build --registry, and facts' sources."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from gxlib import frames
from gxlib.cli import main as gx
from gxlib.corpus import build_corpus, load_corpus
from gxlib.registry import RegistryError, build_registry, read_registry, write_registry


def _csv(tmp_path, text, name="reg.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _problems(path) -> list[str]:
    with pytest.raises(RegistryError) as e:
        read_registry(path)
    return e.value.problems


def test_unknown_columns_are_an_error(tmp_path):
    p = _csv(tmp_path, "agency_key,parent,levle\n甲市财政局,甲市,市级\n")
    (msg,) = _problems(p)
    assert "unknown column(s) parent, levle" in msg and "parent_key" in msg


def test_duplicate_keys_and_names(tmp_path):
    p = _csv(tmp_path, "agency_key,names\n甲市财政局,\n乙市财政局,甲市 财政局\n甲市财政局,\n")
    probs = _problems(p)
    assert any("line 4: duplicate agency_key '甲市财政局' (first on line 2)" in x for x in probs)
    assert any("line 3: name '甲市财政局' is given to '乙市财政局' and to '甲市财政局'" in x for x in probs)


def test_parent_cycle_is_an_error(tmp_path):
    p = _csv(tmp_path, "agency_key,parent_key\nA,B\nB,C\nC,A\nD,D\nE,A\n")
    probs = _problems(p)
    cyc = [x for x in probs if "cycle" in x]
    assert len(cyc) == 1 and "A → B → C → A" in cyc[0]
    assert any("'D' is its own parent" in x for x in probs)


def test_bad_values_every_problem_listed(tmp_path):
    p = _csv(tmp_path, "agency_key,level,agency_type,consolidated,division_code\n"
                       ",市级,,,\n甲,地级,机关,也许,51082\n乙,县级,部门,是,510824\n")
    probs = _problems(p)
    assert "line 2: empty agency_key" in probs
    assert any(x.startswith("line 3: level '地级'") for x in probs)
    assert any(x.startswith("line 3: agency_type '机关'") for x in probs)
    assert any(x.startswith("line 3: consolidated '也许'") for x in probs)
    assert any(x.startswith("line 3: division_code '51082'") for x in probs)
    assert len(probs) == 5


def test_missing_key_column_and_empty_file(tmp_path):
    assert "no agency_key column" in _problems(_csv(tmp_path, "name\n甲\n"))
    assert any("empty" in x for x in _problems(_csv(tmp_path, "", "e.csv")))
    assert _problems(tmp_path / "nope.csv") == ["no such file"]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    assert "cannot be read as Excel" in _problems(bad)[0]


REPORTS = pl.DataFrame(
    {"report_id": ["r1", "r2", "r3", "r4"], "agency": ["甲县财政局", "甲县人民政府", "甲县财政局", "乙镇人民政府"],
     "agency_key": ["甲县财政局", "甲县", "甲县财政局", "乙镇人民政府"], "year": [2022, 2022, 2023, 2023],
     "consolidates": [False, False, False, False]},
    schema_overrides={"year": pl.Int32},
)


def test_parent_missing_from_corpus_is_a_finding_and_kept(tmp_path):
    reg = read_registry(_csv(tmp_path, "agency_key,parent_key,level,confirmed\n乙镇人民政府,丙县,乡级,是\n丁局,甲县,,\n"))
    df, found = build_registry(REPORTS, reg)
    assert df.schema == frames.REGISTRY
    row = df.filter(pl.col("agency_key") == "乙镇人民政府").row(0, named=True)
    assert (row["parent_key"], row["parent_source"], row["level"], row["level_source"]) == ("丙县", "confirmed", "乡级", "confirmed")
    rules = {(f["rule"], f["report_id"]) for f in found}
    assert ("registry.parent_missing", "r4") in rules  # 丙县 is neither in the corpus nor in the file
    assert {f["severity"] for f in found if f["rule"] == "registry.parent_missing"} == {"warning"}  # the file gave it
    assert ("registry.no_report", None) in rules  # 丁局 is listed but has no report: kept, with 0 reports
    assert df.filter(pl.col("agency_key") == "丁局")["n_reports"].to_list() == [0]
    # the department's parent inferred from its name, the government's from nothing
    fin = df.filter(pl.col("agency_key") == "甲县财政局").row(0, named=True)
    assert (fin["parent_key"], fin["parent_source"], fin["level"], fin["level_source"]) == ("甲县", "inferred", "县级", "inferred")
    gov = df.filter(pl.col("agency_key") == "甲县").row(0, named=True)
    # a 本级政府's name alone does not say its report sums its departments': no roll-up is inferred
    assert (gov["consolidated"], gov["consolidated_source"], gov["parent_source"]) == (False, "none", "none")


def test_cycle_made_with_inferred_parents_is_a_finding(tmp_path):
    reg = read_registry(_csv(tmp_path, "agency_key,parent_key\n甲县,甲县财政局\n"))
    _, found = build_registry(REPORTS, reg)
    cyc = [f for f in found if f["rule"] == "registry.parent_cycle"]
    assert len(cyc) == 1
    assert cyc[0]["message"].endswith(("甲县 → 甲县财政局 → 甲县", "甲县财政局 → 甲县 → 甲县财政局")), cyc


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_through_an_editable_file(tmp_path, suffix):
    df, _ = build_registry(REPORTS)
    path = write_registry(df, tmp_path / f"out{suffix}")
    reg = read_registry(path)  # the read-only columns gx writes are accepted back
    assert set(reg.entries) == set(df["agency_key"])
    again, _ = build_registry(REPORTS, reg)
    cols = ["agency_key", "name", "level", "agency_type", "parent_key", "region", "consolidated"]
    assert again.select(cols).equals(df.select(cols))


def test_gx_build_refuses_a_bad_registry_and_changes_nothing(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "r.txt").write_text("甲县财政局2023年政府信息公开工作年度报告\n", encoding="utf-8")
    bad = _csv(tmp_path, "agency_key,parent_key,colour\nA,B\nB,A\n")
    out = tmp_path / "corpus"
    assert gx(["build", str(src), "-o", str(out), "--registry", str(bad), "--no-progress", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "unknown column(s) colour" in err and "cycle A → B → A" in err and "nothing was changed" in err
    assert not out.exists()


def test_gx_build_with_a_registry_file(tmp_path):
    """On a few demo reports: the file's facts and name win, and the registry table is written."""
    files = sorted((Path(__file__).resolve().parents[1] / "data" / "demo" / "reports").rglob("*.html"))[:6]
    assert files
    out = tmp_path / "c"
    build_corpus(files, out, workers=0, progress=False)
    c = load_corpus(out)
    reg = c.registry.collect()
    assert reg.height == c.reports.select("agency_key").unique().collect().height
    key = reg["agency_key"][0]
    f = _csv(tmp_path, f"agency_key,name,note,region\n{key},改过的名称,检查过,某地\n")
    build_corpus(files, out, workers=0, progress=False, registry=f)
    row = load_corpus(out).registry.collect().filter(pl.col("agency_key") == key).row(0, named=True)
    assert (row["name"], row["note"], row["region"], row["region_source"]) == ("改过的名称", "检查过", "某地", "registry")
