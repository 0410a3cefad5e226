"""Benchmark ``load_corpus`` + a typical aggregation (applications by outcome by year).

    .venv/bin/python bench/bench_load.py CORPUS_DIR            # time an existing corpus
    .venv/bin/python bench/bench_load.py --synth 100000 SEED_CORPUS_DIR
        # first replicate the parts of a small built corpus (e.g. bench_build's out-1000-w2) into a
        # corpus of 100k reports (new report_ids per copy, same cells), then time that

    .venv/bin/python bench/bench_load.py --national 1000000 /tmp/national
        # a national-scale corpus made directly as Parquet (bench/synth_national.py: reports, cells and
        # the build's aggregates), then load + typical aggregations over the aggregates

The synthetic corpus is written next to the seed (``<seed>-x<N>``) with the layout and manifest of a
real build, in parts of ~256 reports, so ``load_corpus`` cannot tell it from a built one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import polars as pl  # noqa: E402

from gxlib import __version__  # noqa: E402
from gxlib.corpus import FORMAT, FORMAT_VERSION, TABLES, load_corpus  # noqa: E402

OUTCOMES = {
    "granted": "予以公开", "partially_granted": "部分公开", "denied": "不予公开", "unavailable": "无法提供",
    "rejected": "不予处理", "other": "其他处理",
}


def aggregate(c) -> pl.DataFrame:
    """Applications concluded, by outcome group and report year (总计 column)."""
    outcome = pl.col("row").str.extract(r"^(granted|partially_granted|denied|unavailable|rejected|other)", 1)
    return (
        c.cells.filter((pl.col("table") == "applications") & (pl.col("col") == "total"))
        .with_columns(outcome=outcome)
        .filter(pl.col("outcome").is_not_null())
        .join(c.reports.select("report_id", "year"), on="report_id")
        .group_by("year", "outcome")
        .agg(applications=pl.col("value").sum(), reports=pl.col("report_id").n_unique())
        .sort("year", "outcome")
        .collect()
    )


def synth(seed: Path, n: int) -> Path:
    src = load_corpus(seed)
    base = {t: getattr(src, t).collect() for t in TABLES}
    per = base["reports"].height
    copies = -(-n // per)
    out = seed.parent / f"{seed.name}-x{n}"
    if (out / "manifest.json").exists():
        return out
    t0 = time.perf_counter()
    parts, files = {}, {}
    chunk = 256
    ids = base["reports"]["report_id"]
    for k in range(copies):
        tag = f"{k:05x}"
        remap = lambda df, col="report_id": df.with_columns(pl.concat_str(pl.lit(tag), pl.col(col).str.slice(5)).alias(col))  # noqa: E731
        rep = remap(base["reports"]).with_columns(sha256=pl.concat_str(pl.lit(tag), pl.col("sha256").str.slice(5)))
        for i in range(0, per, chunk):
            sel = set(ids[i : i + chunk].to_list())
            pid = hashlib.sha256(f"{tag}-{i}".encode()).hexdigest()[:16]
            paths, rows = {}, {}
            for t in ("reports", "cells", "narrative", "findings"):
                df = rep if t == "reports" else remap(base[t])
                df = df.filter(pl.col("report_id").str.slice(5).is_in([s[5:] for s in sel]))
                if df.is_empty():
                    continue
                rel = f"{t}/part-{pid}.parquet"
                (out / t).mkdir(parents=True, exist_ok=True)
                df.write_parquet(out / rel)
                paths[t], rows[t] = rel, df.height
            shas = rep.filter(pl.col("report_id").str.slice(5).is_in([s[5:] for s in sel]))["sha256"].to_list()
            parts[pid] = {"n_files": len(shas), "paths": paths, "rows": rows, "aliases": None}
            files.update({s: {"status": "ok", "source": f"synthetic/{s[:16]}", "part": pid} for s in shas})
    counts = {t: sum(p["rows"].get(t, 0) for p in parts.values()) for t in TABLES}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "parser_version": __version__, "complete": True,
                "updated": None, "aliases": None, "parts": parts, "build": {"paths": {}, "rows": {}},
                "files": files, "counts": counts, "last_build": None}
    (out / "manifest.json").write_text(json.dumps(manifest))
    print(f"synthesised {counts['reports']} reports / {counts['cells']} cells in {len(parts)} parts "
          f"in {time.perf_counter() - t0:.1f}s -> {out}")
    return out


def national(n: int, out: Path, repeat: int) -> int:
    """Time load + the dashboards' aggregations over the stored aggregates of a synthetic corpus."""
    from gxlib import aggregates
    from synth_national import synth as synth_national

    synth_national(n, out)
    for i in range(repeat):
        t0 = time.perf_counter()
        c = load_corpus(out)
        agg = aggregates.stored(c, None)
        t1 = time.perf_counter()
        rate = aggregates.pooled(agg["kpi"].collect(), "grant_rate", ("year",))
        t2 = time.perf_counter()
        outc = agg["outcomes"].filter(pl.col("level") == "县级").group_by("year", "outcome").agg(
            pl.col("count").sum(), pl.col("n_unknown").sum()).collect()
        t3 = time.perf_counter()
        print(f"run {i + 1}: load_corpus + aggregates {1000 * (t1 - t0):6.1f} ms; grant rate by year "
              f"{1000 * (t2 - t1):6.1f} ms; 县级 outcomes by year {1000 * (t3 - t2):6.1f} ms "
              f"({c.manifest['counts']['reports']} reports, {c.manifest['counts']['cells']} cells)")
    print(rate)
    print(outc.sort("year", "outcome").head(6))
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("corpus")
    p.add_argument("--synth", type=int, default=None, help="replicate CORPUS to this many reports first")
    p.add_argument("--national", type=int, default=None,
                   help="make a national-scale corpus of this many reports at CORPUS (bench/synth_national.py)")
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    if a.national:
        return national(a.national, Path(a.corpus), a.repeat)
    path = Path(a.corpus)
    if a.synth:
        path = synth(path, a.synth)
    for i in range(a.repeat):
        t0 = time.perf_counter()
        c = load_corpus(path)
        t1 = time.perf_counter()
        agg = aggregate(c)
        t2 = time.perf_counter()
        n = c.manifest["counts"]
        print(f"run {i + 1}: load_corpus {1000 * (t1 - t0):6.1f} ms  + aggregation {1000 * (t2 - t1):6.1f} ms  "
              f"= {t2 - t0:5.2f}s  ({n['reports']} reports, {n['cells']} cells, {agg.height} result rows)")
    print(agg.head(12))
    return 0


if __name__ == "__main__":
    sys.exit(main())
