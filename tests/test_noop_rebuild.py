"""A rebuild over unchanged inputs does (almost) nothing; a change redoes exactly what depends on it.

Real builds of generated reports (gxlib.demo): the corpus-wide steps and aggregates are skipped
only when their inputs are unchanged (gxlib.corpus.state), and their results then equal a fresh build's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from gxlib import aggregates, demo
from gxlib.corpus import CORPUS_FINDINGS, REGISTRY, TABLES, build_corpus, load_corpus

REPO = Path(__file__).resolve().parents[1]
ROSTER = REPO / "data" / "demo-roster.csv"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("noop")
    demo.generate(root, agencies=6, years=(2021, 2024), formats=("html", "text"), seed=3, fault_rate=0.2)
    return root / "reports"


def copy_sources(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for f in sorted(src.rglob("*")):
        if f.is_file():
            t = dst / f.relative_to(src)
            t.parent.mkdir(parents=True, exist_ok=True)
            t.write_bytes(f.read_bytes())
    return dst


def build(src: Path, out: Path):
    return build_corpus([src], out, workers=0, batch_size=4, progress=False)


def parquet_stats(out: Path) -> dict[str, tuple[int, int]]:
    return {f.relative_to(out).as_posix(): (f.stat().st_ino, f.stat().st_mtime_ns) for f in out.rglob("*.parquet")}


def sort_all(df: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c, t in df.schema.items() if not isinstance(t, (pl.List, pl.Struct, pl.Array))]
    return df.sort(cols, nulls_last=True) if cols else df


def everything(out: Path) -> dict[str, pl.DataFrame]:
    """Every table of the corpus, corpus-wide ones and the stored aggregates included."""
    c = load_corpus(out)
    got = {t: sort_all(getattr(c, t).collect()) for t in (*TABLES, CORPUS_FINDINGS, REGISTRY)}
    agg = aggregates.stored(c, aggregates._roster(c.path)[0])
    assert agg is not None, "the build's aggregates are not usable"
    got |= {f"aggregates.{k}": sort_all(v.collect()) for k, v in agg.items()}
    return got


def assert_same(a: Path, b: Path) -> None:
    fa, fb = everything(a), everything(b)
    assert fa.keys() == fb.keys()
    for t in fa:
        assert fa[t].equals(fb[t]), f"table {t} differs from a fresh build's"


def test_noop_rebuild_rewrites_no_parquet(reports, tmp_path):
    out = tmp_path / "out"
    first = build(reports, out)
    assert first.parsed > 20 and first.counts["findings_corpus"] > 0 and first.counts["registry"] > 0
    before, tables = parquet_stats(out), everything(out)
    m0 = json.loads((out / "manifest.json").read_text())
    s = build(reports, out)
    assert s.parsed == 0 and s.unchanged == first.found == s.found
    assert any("corpus-wide steps skipped" in n for n in s.notes)
    assert "unchanged %d" % s.found in str(s)
    assert parquet_stats(out) == before  # not one Parquet file written, moved or removed
    m1 = json.loads((out / "manifest.json").read_text())
    for k in ("parts", "build", "wide", aggregates.DIR, "counts"):
        assert m1[k] == m0[k], k
    assert s.quality == first.quality and s.counts == first.counts
    after = everything(out)
    for t in tables:
        assert tables[t].equals(after[t]), t


def test_one_changed_file_equals_a_fresh_build(reports, tmp_path):
    src = copy_sources(reports, tmp_path / "src")
    out = tmp_path / "out"
    build(src, out)
    before = parquet_stats(out)
    target = sorted(src.rglob("*.html"))[3]
    target.write_bytes(target.read_bytes().replace("年".encode(), "年 ".encode(), 1))
    s = build(src, out)
    assert s.parsed == 1 and s.removed == 1 and s.unchanged == s.found - 1
    assert not any("corpus-wide steps skipped" in n for n in s.notes)
    after = parquet_stats(out)
    kept = [p for p in before if p in after and after[p] == before[p] and p.startswith(("reports/", "cells/"))]
    assert kept, "the per-year parts of unchanged batches were rewritten"
    fresh = tmp_path / "fresh"
    build(src, fresh)
    assert_same(out, fresh)
    # and the next rebuild is a no-op again
    again = build(src, out)
    assert again.parsed == 0 and any("corpus-wide steps skipped" in n for n in again.notes)
    assert parquet_stats(out) == after


def gx_build(src: Path, out: Path, roster: Path) -> str:
    r = subprocess.run([sys.executable, "-m", "gxlib.cli", "build", str(src), "-o", str(out), "--workers", "0",
                        "--no-progress", "--roster", str(roster)], capture_output=True, text=True, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_roster_change_redoes_the_aggregates(reports, tmp_path):
    if not ROSTER.is_file():
        pytest.skip(f"no demo roster at {ROSTER}")
    out = tmp_path / "out"
    gx_build(reports, out, ROSTER)
    entry0 = json.loads((out / "manifest.json").read_text())[aggregates.DIR]
    before = parquet_stats(out)
    text = gx_build(reports, out, ROSTER)  # same roster: nothing is recomputed
    assert "corpus-wide steps skipped" in text
    assert parquet_stats(out) == before
    # another roster: every agency becomes 市级 (the dashboards' level column changes)
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    lv = head.index("层级")
    changed = [lines[0]] + [",".join(c if i != lv else "市级" for i, c in enumerate(ln.split(","))) for ln in lines[1:]]
    other = tmp_path / "other-roster.csv"
    other.write_text("\n".join(changed) + "\n", encoding="utf-8")
    gx_build(reports, out, other)
    entry1 = json.loads((out / "manifest.json").read_text())[aggregates.DIR]
    assert entry1["roster"] != entry0["roster"] and entry1["paths"] != entry0["paths"]
    fresh = tmp_path / "fresh"
    gx_build(reports, fresh, other)
    assert_same(out, fresh)


def test_interrupted_rebuild_after_a_change_resumes(reports, tmp_path):
    """Killed after the corpus-wide steps wrote their parts, before the manifest: the corpus on disk
    is still the previous one, and the next build recomputes (its inputs differ from the manifest's)."""
    src = copy_sources(reports, tmp_path / "src")
    out = tmp_path / "out"
    build(src, out)
    (sorted(src.rglob("*.txt"))[0]).write_bytes(b"\n" + sorted(src.rglob("*.txt"))[0].read_bytes())
    code = (f"from gxlib.corpus import build_corpus; build_corpus([{str(src)!r}], {str(out)!r}, workers=0, "
            "batch_size=4, progress=False)")
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "GX_CRASH_AT": "manifest",
                                                          "PYTHONPATH": str(REPO)}, cwd=REPO)
    assert r.returncode == 137
    s = build(src, out)
    assert s.resumed == 1 and not any("corpus-wide steps skipped" in n for n in s.notes)
    fresh = tmp_path / "fresh"
    build(src, fresh)
    assert_same(out, fresh)


def test_a_failed_step_is_not_skipped_next_time(reports, tmp_path, monkeypatch):
    from gxlib.corpus import wide

    def boom(ctx):
        ctx.failed("registry", MemoryError("out of memory (simulated)"))

    out = tmp_path / "out"
    with monkeypatch.context() as mp:
        mp.setattr(wide, "STEPS", [wide.cross_year, boom])
        first = build(reports, out)
    assert any("registry step failed" in n for n in first.notes) and first.counts["registry"] == 0
    s = build(reports, out)  # the same inputs, but the last result was a failure: run again
    assert s.parsed == 0 and not any("skipped" in n or "failed" in n for n in s.notes)
    assert s.counts["registry"] > 0
    fresh = tmp_path / "fresh"
    build(reports, fresh)
    assert_same(out, fresh)
