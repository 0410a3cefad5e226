"""Corpus-wide steps, run after parsing over the written Parquet parts, partition by partition.

:data:`STEPS` is the one list of them: each takes a :class:`Wide` context, reads the corpus lazily
(``ctx.lazy(years=...)``), and writes its tables with ``ctx.write(table, frame)`` (any number of
parts per table, so a step can write year by year).  The build lists what they wrote in the
manifest's ``build`` section.  Memory is bounded by one partition, not the corpus:

* ``cross_year`` (:func:`gxlib.checks.check_corpus`: carry-over, in-force, copy-paste fingerprints,
  outliers) runs per bucket of agencies (hash of ``agency_key``; every rule compares years of one
  agency), on at most ~:data:`BUCKET_REPORTS` reports (and ~:data:`BUCKET_PAIRS` rows of the rules'
  self-joins) and their 表二/表三 cells at a time, the cells spilled per bucket in one pass;
* ``registry`` builds the registry from a narrow projection of ``reports`` (10 columns, one row per
  report: the one step whose input grows with the corpus), then the roll-up checks year by year;
* :func:`reading_quality` is a streaming sum.

Aliases (``agency_key`` recomputed without reparsing) are applied per part by the build.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl

from .. import frames
from .layout import CORPUS_FINDINGS, REGISTRY, CorpusError
from .load import _lazy_tables, corpus_years
from .store import _write_parquet
from .scan import (
    _err,
)
from .worker import (
    conform,
)

# --------------------------------------------------------------------------- aliases / checks


def _alias_keyfn(aliases, registry=None) -> tuple[Callable[[str], str] | None, str | None, list[str]]:
    """(name → agency_key, digest of the alias table and registry file's names, notes)."""
    notes: list[str] = []
    try:
        from ..agency import agency_key, load_aliases
    except ImportError as e:
        if aliases is not None:
            notes.append(f"gxlib.agency is not available ({e}); agency_key left as parsed, aliases not applied")
        return None, None, notes
    table: Mapping | None
    if aliases is None:
        table = None
    elif isinstance(aliases, Mapping):
        table = dict(aliases)
    else:
        table = load_aliases(aliases)
    digest = None
    names = registry.name_map() if registry is not None else {}
    if table or names:
        digest = hashlib.sha256(json.dumps([table or {}, names], ensure_ascii=False, sort_keys=True,
                                           default=str).encode()).hexdigest()[:8]
    if names:
        from ..registry import key_function

        return key_function(registry, table), digest, notes

    def keyfn(name: str) -> str:
        return agency_key(name, table) if table else agency_key(name)

    return keyfn, digest, notes



def _read_registry_file(path):
    if path is None:
        return None
    from ..registry import RegistryError, read_registry

    try:
        return read_registry(path)
    except RegistryError as e:
        raise CorpusError(f"{e} (nothing was changed)") from e


def _load_aliases_maybe(aliases) -> Mapping | None:
    if aliases is None or isinstance(aliases, Mapping):
        return aliases
    from ..agency import load_aliases

    return load_aliases(aliases)



BUCKET_REPORTS = 20_000  # reports per cross-year bucket: ~4M 表二/表三 cells, a few hundred MB at most
BUCKET_PAIRS = 8_000_000  # rows of the rules' per-agency self-joins per bucket (~4 × Σ reports² per agency)


@dataclass
class Wide:
    """What a corpus-wide step sees: the corpus so far (its parsed parts) and where to put results."""

    out: Path
    manifest: dict
    notes: list[str]
    reg_file: object = None
    aliases: object = None
    registry: pl.DataFrame | None = None  # set by the registry step for later steps
    paths: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    rewrite: bool = False  # write parts even when a file of that (content-derived) name exists (repair)

    def lazy(self, years=None) -> dict[str, pl.LazyFrame]:
        return _lazy_tables(self.out, self.manifest, include_build=False, years=years)

    def years(self) -> list[int | None]:
        return corpus_years(self.manifest)

    def n_reports(self) -> int:
        return sum(p["rows"].get("reports", 0) for p in self.manifest.get("parts", {}).values())

    def write(self, table: str, df: pl.DataFrame) -> None:
        """One more part of a corpus-wide table (schema ``frames.SCHEMAS[table]``; empty frames are skipped)."""
        if df is None or df.is_empty():
            return
        n = len(self.paths.get(table, []))
        digest = hashlib.sha256(df.write_ipc(None).getvalue() + f"#{n}".encode()).hexdigest()[:16]
        name = f"{table}/part-{digest}.parquet"
        if self.rewrite or not (self.out / name).is_file():  # named by content: present means written
            _write_parquet(df, self.out / name)
        self.paths.setdefault(table, []).append(name)
        self.rows[table] = self.rows.get(table, 0) + df.height

    def failed(self, step: str, e: BaseException) -> None:
        self.notes.append(f"{step} step failed: {type(e).__name__}: {e}")
        self.errors.append(_err(f"({step})", None, "check", type(e).__name__, f"{step} failed: {e}"))


def cross_year(ctx: Wide) -> None:
    """Corpus-scope checks (``findings_corpus``), one bucket of agencies at a time.

    The bucket count bounds both the reports per bucket and the rows of the rules' self-joins (an
    agency's reports compared pairwise: Σ reports² per agency, large when one key holds many reports a
    year).  The 表二/表三 cells are first spilled to ``_state/spill/b=<bucket>/`` year by year (one
    pass over the cells), so each bucket reads only its own rows."""
    try:
        from ..checks import check_corpus
    except ImportError as e:
        ctx.notes.append(f"corpus-scope checks skipped: gxlib.checks.check_corpus is not available yet ({e})")
        return
    spill = ctx.out / "_state" / "spill"
    shutil.rmtree(spill, ignore_errors=True)  # a killed build's leftovers
    try:
        reports = ctx.lazy()["reports"].select("report_id", "agency_key", "year", "template", "agency")
        per_key = reports.group_by("agency_key").agg(n=pl.len()).collect(engine="streaming")
        n_buckets = max(1, math.ceil(ctx.n_reports() / BUCKET_REPORTS),
                        math.ceil(4 * int((per_key["n"].cast(pl.Int64) ** 2).sum() or 0) / BUCKET_PAIRS))
        bucket = (pl.col("agency_key").fill_null("").hash(seed=0) % n_buckets).alias("_b")
        buckets = reports.select("report_id", bucket).collect(engine="streaming")
        for y in ctx.years():
            cy = (ctx.lazy(years=[y])["cells"].filter(pl.col("table").is_in(["applications", "proactive"]))
                  .select("report_id", "table", "row", "col", "value", "ambiguous")
                  .join(buckets.lazy(), on="report_id").collect(engine="streaming"))
            for (b,), g in cy.partition_by("_b", as_dict=True, include_key=False).items():
                _write_parquet(g, spill / f"b={b}" / f"y={'null' if y is None else y or 'flat'}.parquet")
            del cy
        del buckets
        for b in range(n_buckets):
            rb = reports.filter(bucket == b).collect(engine="streaming")
            files = sorted((spill / f"b={b}").glob("*.parquet"))
            if rb.is_empty() or not files:
                continue
            cb = pl.read_parquet(files)
            ctx.write(CORPUS_FINDINGS, conform(check_corpus(rb, cb), "findings"))
    except Exception as e:  # noqa: BLE001 - a failing rule must not lose the build
        ctx.failed("check_corpus", e)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def registry(ctx: Wide) -> None:
    """gxlib.registry over the reports; its rename and roll-up findings go to ``findings_corpus``."""
    from types import SimpleNamespace

    from ..registry import build_registry, rename_candidates, rename_findings, rollup_findings

    lazy = ctx.lazy()
    try:
        table = _load_aliases_maybe(ctx.aliases)
        reports = lazy["reports"].select("report_id", "agency", "agency_key", "year", "n_ambiguous", "consolidates",
                                         "url", "signature", "phone", "address").collect(engine="streaming")
        reg, rows = build_registry(reports, ctx.reg_file, table)
        rows += rename_findings(rename_candidates(reports, reg))
        years = ctx.years()
        # a consolidated body and its members are compared within one year; unpartitioned (format 1)
        # parts hold every year, so then the roll-up runs once over everything
        groups = [[y] for y in years if y is not None] if "" not in years else [None]
        for ys in groups:
            cells = ctx.lazy(years=ys)["cells"].filter(pl.col("table").is_in(["applications", "reviews"])).select(
                "report_id", "table", "row", "col", "value", "ambiguous")
            rep = reports if ys is None else reports.filter(pl.col("year") == ys[0])
            rows += rollup_findings(SimpleNamespace(registry=reg, reports=rep, cells=cells))
        reg = conform(reg, "registry")
        ctx.registry = reg
        ctx.write(REGISTRY, reg)
        ctx.write(CORPUS_FINDINGS, frames.frame("findings", rows))
    except Exception as e:  # noqa: BLE001 - a failing registry step must not lose the build
        ctx.failed("registry", e)


# The corpus-wide steps, in order.  A step that needs the registry runs after ``registry``.
STEPS: list[Callable[[Wide], None]] = [cross_year, registry]


def run_steps(ctx: Wide, steps: list[Callable[[Wide], None]] | None = None) -> Wide:
    for step in STEPS if steps is None else steps:
        step(ctx)
    return ctx


_QUALITY = {"cells": "n_cells", "by_print": "n_by_print", "by_identities": "n_by_identities",
            "ambiguous": "n_ambiguous", "unreadable": "n_unreadable"}


def reading_quality(out: Path, manifest: dict) -> dict:
    """How far the corpus can be trusted: its cells by how they were settled (a streaming sum)."""
    lf = _lazy_tables(out, manifest, include_build=False).get("reports")
    if lf is None:
        return {}
    row = lf.select(pl.col(c).sum().alias(k) for k, c in _QUALITY.items()).collect(engine="streaming").row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}
