"""A synthetic national corpus written directly as Parquet (no documents, no parse): N reports of
N/7 agencies × 2019–2025 in 340 regions, with the cells the dashboards read (表三 总计 column of every
row, 表四 parts and totals, 表二), about 0.5 % of them unknown (ambiguous), and a few ``older`` reports;
then ``gxlib.aggregates.write`` computes the dashboards' tables exactly as a build does.

    .venv/bin/python bench/synth_national.py 1000000 /tmp/national      # used by bench_load / bench_dashboards

Parts hold one year each, split in chunks of ``--chunk`` reports; the manifest lists the parts (its
per-file ``files`` map is left empty: there are no source files)."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from gxlib import __version__, aggregates, frames, spec  # noqa: E402
from gxlib.corpus import FORMAT, FORMAT_VERSION, TABLES  # noqa: E402

YEARS = range(2019, 2026)
LEVELS = ("省级", "市级", "市级", "县级", "县级", "县级", "县级", "县级", "乡级", None)  # None: level not inferred
TYPES = ("政府", "部门", "部门", "乡镇街道")
LAM = {"new_received": 60, "carried_over": 4, "granted": 25, "partially_granted": 6, "total_handled": 0,
       "carried_forward": 4}


def _meta(year: int, n_ag: int, rng: np.random.Generator) -> pl.DataFrame:
    idx = np.arange(n_ag)
    tpl = "2019" if year < 2021 else "2021"
    template = np.where(rng.random(n_ag) < 0.002, "older", tpl)
    pub_day = rng.integers(0, 120, n_ag)
    pub_null = rng.random(n_ag) < 0.03
    return pl.DataFrame({
        "report_id": [f"{year:04d}{i:012x}" for i in idx],
        "agency_key": [f"A{i:07d}" for i in idx],
        "agency": [f"第{i % 340:03d}地区机关{i:07d}" for i in idx],
        "region": [f"省{(i % 340) // 11:02d}市{i % 11:02d}" for i in idx],
        "level": [LEVELS[i % len(LEVELS)] for i in idx],
        "agency_type": [TYPES[i % len(TYPES)] for i in idx],
        "template": template,
        "n_cells": np.full(n_ag, 60, np.int32),
        "pub": pub_day, "pub_null": pub_null,
    }).with_columns(
        pl.lit(year, pl.Int32).alias("year"),
        pl.when(pl.col("pub_null")).then(None).otherwise(pl.date(year + 1, 1, 1) + pl.duration(days=pl.col("pub")))
        .alias("published"),
        pl.lit("synthetic").alias("format"), pl.lit(tpl).alias("expected_template"),
        pl.concat_str(pl.lit("synthetic/"), pl.col("report_id")).alias("source"),
        pl.col("report_id").alias("sha256"),
    ).drop("pub", "pub_null")


def _cells(meta: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Long cells: 表三 总计 per row, 表四 parts + totals, 表二 (older reports print none)."""
    m = meta.filter(pl.col("template") != "older")
    n = m.height
    tpl = m["template"][0] if n else "2021"
    out = []

    def put(table, rows_cols, values):
        k = len(rows_cols)
        out.append(pl.DataFrame({
            "report_id": np.repeat(m["report_id"].to_numpy(), k),
            "table": table,
            "row": np.tile([r for r, _ in rows_cols], n), "col": np.tile([c for _, c in rows_cols], n),
            "value": values.reshape(-1).astype(float),
        }))

    app_rows = spec.template(tpl)["applications"].row_codes
    vals = np.column_stack([rng.poisson(LAM.get(r, 1.5), n) for r in app_rows])
    outcome_cols = [i for i, r in enumerate(app_rows) if r not in LAM or r in ("granted", "partially_granted")]
    vals[:, app_rows.index("total_handled")] = vals[:, outcome_cols].sum(axis=1)
    put("applications", [(r, "total") for r in app_rows], vals)
    rc = [(r, p) for r in spec.REVIEW_ROWS for p in (*spec.REVIEW_PARTS, "total")]
    rv = rng.poisson(1.2, (n, len(rc)))
    for j in range(len(spec.REVIEW_ROWS)):
        rv[:, 5 * j + 4] = rv[:, 5 * j: 5 * j + 4].sum(axis=1)
    put("reviews", rc, rv)
    pc = [(r.code, c.code) for r in spec.template(tpl)["proactive"].rows for c in r.cols]
    put("proactive", pc, rng.poisson(8, (n, len(pc))))
    cells = pl.concat(out)
    amb = pl.Series(rng.random(cells.height) < 0.005)
    return cells.with_columns(
        pl.when(amb).then(None).otherwise(pl.col("value")).alias("value"), amb.alias("ambiguous"),
        pl.lit(tpl).alias("template"),
        pl.when(amb).then(pl.lit("ambiguous")).otherwise(pl.lit("print")).alias("settled"))


def synth(n: int, out: Path, chunk: int = 20_000, seed: int = 7) -> Path:
    if (out / "manifest.json").exists():
        return out
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_ag = -(-n // len(YEARS))
    parts, counts = {}, dict.fromkeys(TABLES, 0)
    for t in ("reports", "cells"):
        (out / t).mkdir(parents=True, exist_ok=True)
    for year in YEARS:
        meta = _meta(year, n_ag, rng)
        cells = _cells(meta, rng)
        n_amb = cells.group_by("report_id").agg(pl.col("ambiguous").sum().cast(pl.Int32).alias("n_ambiguous"))
        reps = meta.join(n_amb, on="report_id", how="left").with_columns(pl.col("n_ambiguous").fill_null(0))
        reps = reps.select(
            [pl.col(c).cast(t) if c in reps.columns else pl.lit(None, t).alias(c) for c, t in frames.REPORTS.items()])
        cells = cells.select([pl.col(c).cast(t) if c in cells.columns else pl.lit(None, t).alias(c)
                              for c, t in frames.CELLS.items()])
        for i in range(0, reps.height, chunk):
            r = reps.slice(i, chunk)
            c = cells.join(r.select("report_id"), on="report_id", how="semi")
            pid = hashlib.sha256(f"{year}-{i}".encode()).hexdigest()[:16]
            paths = {"reports": f"reports/part-{pid}.parquet", "cells": f"cells/part-{pid}.parquet"}
            r.write_parquet(out / paths["reports"], compression="zstd", statistics=True)
            c.write_parquet(out / paths["cells"], compression="zstd", statistics=True)
            parts[pid] = {"n_files": r.height, "paths": paths, "rows": {"reports": r.height, "cells": c.height},
                          "aliases": None}
            counts["reports"] += r.height
            counts["cells"] += c.height
        print(f"  {year}: {reps.height} reports, {cells.height} cells ({time.perf_counter() - t0:.0f}s)", flush=True)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "parser_version": __version__, "complete": True,
                "updated": None, "aliases": None, "parts": parts, "build": {"paths": {}, "rows": {}},
                "files": {}, "counts": counts, "last_build": None, "synthetic": True}
    (out / "manifest.json").write_text(json.dumps(manifest))
    t1 = time.perf_counter()
    from gxlib.corpus import load_corpus

    c = load_corpus(out)
    notes: list[str] = []
    entry = aggregates.write(out, c, manifest, notes, None)
    if entry is None:
        raise SystemExit("; ".join(notes))
    manifest[aggregates.DIR] = entry
    (out / "manifest.json").write_text(json.dumps(manifest))
    print(f"synthesised {counts['reports']} reports / {counts['cells']} cells in {len(parts)} parts in "
          f"{t1 - t0:.0f}s; aggregates {entry['rows']} in {time.perf_counter() - t1:.0f}s -> {out}")
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--chunk", type=int, default=20_000)
    a = p.parse_args()
    synth(a.n, Path(a.out), a.chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
