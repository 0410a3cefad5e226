"""Corpus layout and scale (issue 14): parts partitioned by report year (hive style) so a query for
one year opens only its files; corpus-wide steps run bucket by bucket with the same result as in
one piece; Dask workers write their own parts into the corpus folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from gxlib.corpus import CORPUS_FINDINGS, build_corpus, load_corpus
from gxlib.corpus import wide as wide_mod
from gxlib.corpus.layout import HIVE_NULL

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo" / "reports"


# demo agencies whose years disagree (carry-over findings), plus a few whose years agree
WITH_FINDINGS = ["fujian-putian-chengxiang-scjgj", "jiangsu-xuzhou-gulou-tjj", "zhejiang-ningbo-jiangbei-zrzyj",
                 "zhejiang-nyncj"]


def demo_files(n_more: int) -> list[Path]:
    reports = sorted(p for p in DEMO.iterdir() if p.suffix in (".html", ".txt"))
    others = sorted({p.name.rsplit("_", 1)[0] for p in reports} - set(WITH_FINDINGS))[:n_more]
    return [p for p in reports if p.name.rsplit("_", 1)[0] in {*WITH_FINDINGS, *others}]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A corpus of a few demo agencies over all their years (built once for the module)."""
    root = tmp_path_factory.mktemp("layout")
    src = root / "src"
    src.mkdir()
    for p in demo_files(4):
        shutil.copy(p, src / p.name)
    out = root / "out"
    s = build_corpus([src], out, workers=2, progress=False, batch_size=8)
    assert s.ok == s.found >= 20
    return src, out


def frames_sorted(out: Path) -> dict[str, pl.DataFrame]:
    c = load_corpus(out)
    got = {}
    for t in ("reports", "cells", "narrative", "findings", "errors", "findings_corpus", "registry"):
        df = getattr(c, t).collect()
        keys = [k for k, d in df.schema.items() if not isinstance(d, (pl.List, pl.Struct))]
        got[t] = df.sort(keys, nulls_last=True)
    return got


def corrupt_keeping_magic(p: Path) -> None:
    """Zero the footer metadata but keep 'PAR1' at both ends: the cheap load-time check passes, any
    read of the file fails."""
    b = bytearray(p.read_bytes())
    b[4:-8] = bytes(len(b) - 12)
    p.write_bytes(bytes(b))


def test_per_report_tables_are_partitioned_by_year(small):
    _src, out = small
    m = json.loads((out / "manifest.json").read_text())
    assert m["format_version"] == 2
    c = load_corpus(out)
    years = sorted(c.reports.select(pl.col("year").unique()).collect()["year"].drop_nulls().to_list())
    assert len(years) >= 5
    for t in ("reports", "cells", "narrative", "findings"):
        dirs = {p.name for p in (out / t).iterdir() if p.is_dir()}
        assert dirs and all(d.startswith("year=") for d in dirs), (t, dirs)
        assert not list((out / t).glob("part-*.parquet"))  # nothing outside a year folder
    # every reports file holds only its folder's year; the year column is in the file too
    for f in (out / "reports").rglob("part-*.parquet"):
        want = f.parent.name.split("=", 1)[1]
        got = pl.read_parquet(f)["year"].unique().to_list()
        assert got == ([None] if want == HIVE_NULL else [int(want)])
    # the other tables follow their report's year
    rep = c.reports.select("report_id", "year").collect()
    for f in (out / "cells").rglob("part-*.parquet"):
        ids = pl.read_parquet(f, columns=["report_id"])["report_id"].unique()
        ys = rep.filter(pl.col("report_id").is_in(ids.implode()))["year"].unique().to_list()
        assert ys == [int(f.parent.name.split("=", 1)[1])]


def test_a_query_for_one_year_reads_only_its_files(small, tmp_path):
    _src, built = small
    out = tmp_path / "c"
    shutil.copytree(built, out)
    c = load_corpus(out)
    years = sorted(c.reports.select(pl.col("year").unique()).collect()["year"].drop_nulls().to_list())
    keep, broken = years[0], years[-1]
    want_reports = c.reports.filter(pl.col("year") == keep).collect()
    want_cells = load_corpus(out, years=[keep]).cells.collect()
    assert want_reports.height and want_cells.height
    plan = c.reports.filter(pl.col("year") == keep).explain()
    assert f"year={keep}/" in plan and f"year={broken}/" not in plan
    for t in ("reports", "cells"):
        for f in (out / t / f"year={broken}").glob("part-*.parquet"):
            corrupt_keeping_magic(f)
    c = load_corpus(out)  # the magic bytes are intact: loads
    assert c.reports.filter(pl.col("year") == keep).collect().equals(want_reports)  # never opens year=broken
    assert load_corpus(out, years=[keep]).cells.collect().equals(want_cells)
    with pytest.raises(Exception):  # noqa: B017 - any read of the broken year fails (polars ComputeError)
        c.reports.filter(pl.col("year") == broken).collect()
    with pytest.raises(Exception):  # noqa: B017
        load_corpus(out, years=[broken]).cells.collect()


def test_cross_year_checks_per_bucket_equal_one_bucket(small, monkeypatch):
    """Bucketing agencies (to bound memory) must not change a single corpus-scope finding."""
    _src, out = small
    m = json.loads((out / "manifest.json").read_text())
    base = {**m, "build": {"paths": {}, "rows": {}}}

    class Kept(wide_mod.Wide):  # the step's output kept in memory instead of written as parts
        def write(self, table, df):
            self.kept = [*getattr(self, "kept", []), df] if table == CORPUS_FINDINGS else getattr(self, "kept", [])

    def findings(bucket_reports: int) -> pl.DataFrame:
        monkeypatch.setattr(wide_mod, "BUCKET_REPORTS", bucket_reports)
        ctx = Kept(out, base, [])
        wide_mod.cross_year(ctx)
        assert not ctx.errors
        return pl.concat(ctx.kept).sort(pl.all(), nulls_last=True)

    one = findings(10**9)
    many = findings(3)  # a bucket per agency or two
    assert one.height > 0  # the demo agencies have cross-year findings
    assert many.equals(one)


def test_old_layout_is_rewritten(small, tmp_path):
    src, built = small
    out = tmp_path / "c"
    shutil.copytree(built, out)
    mp = out / "manifest.json"
    m = json.loads(mp.read_text())
    m["format_version"] = 1
    mp.write_text(json.dumps(m))
    s = build_corpus([src], out, workers=2, progress=False, batch_size=8)
    assert s.parsed == s.found and s.unchanged == 0
    assert any("corpus format 1 → 2" in n for n in s.notes)
    a, b = frames_sorted(built), frames_sorted(out)
    for t in a:
        assert a[t].equals(b[t]), t


def test_dask_workers_write_their_own_parts(small, tmp_path):
    distributed = pytest.importorskip("distributed")
    src, local = small
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        worker_pids = set(client.run(os.getpid).values())
        s = build_corpus([src], tmp_path / "dask", dask_scheduler=cl.scheduler_address, progress=False, batch_size=4)
    assert s.executor.startswith("dask") and s.ok == s.found
    m = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    writers = {p.get("writer") for p in m["parts"].values()}
    assert None not in writers  # every batch's parts were written by a worker, none by the client
    assert {int(w.rsplit(":", 1)[1]) for w in writers} <= worker_pids and len(writers) >= 2
    assert os.getpid() not in {int(w.rsplit(":", 1)[1]) for w in writers}
    a, b = frames_sorted(local), frames_sorted(tmp_path / "dask")
    for t in a:
        assert a[t].drop("source", strict=False).equals(b[t].drop("source", strict=False)), t
