"""Open a built corpus: lazy frames over the parts its manifest lists."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .. import frames, recovery
from .layout import (
    CORPUS_FINDINGS,
    MANIFEST,
    REGISTRY,
    TABLES,
    YEAR_TABLES,
    CorpusError,
    year_of,
)
from .store import (
    _part_tables,
    _read_manifest,
)

# --------------------------------------------------------------------------- load


def _lazy_tables(out: Path, manifest: dict, include_build: bool = True,
                 years: Iterable[int | None] | None = None) -> dict[str, pl.LazyFrame]:
    """Lazy frames over the manifest's parts; ``years``: only those report years' partitions of the
    per-report tables (None in it: the unknown year)."""
    keep = None if years is None else set(years)
    paths: dict[str, list[str]] = {t: [] for t in (*TABLES, CORPUS_FINDINGS, REGISTRY)}
    for part in manifest.get("parts", {}).values():
        for t, rel in _part_tables(part):
            if keep is None or t not in YEAR_TABLES or year_of(rel) in keep:
                paths[t].append(rel)
    if include_build:
        for t, rs in manifest.get("build", {}).get("paths", {}).items():
            paths.setdefault(t, []).extend(rs)  # a table a corpus-wide step adds
    lazy = {}
    for t, rs in paths.items():
        schema = frames.SCHEMAS["findings" if t == CORPUS_FINDINGS else t]
        if rs:
            # hive: a filter on reports.year opens only that year's files (the column is in the files
            # too, so a part read alone keeps the schema); a part written before a column was added
            # to the schema loads with the column null
            hive = t == "reports" and all(year_of(r) != "" for r in rs)
            lazy[t] = pl.scan_parquet([str(out / r) for r in sorted(rs)], schema=schema, glob=False,
                                      hive_partitioning=hive, missing_columns="insert")
        else:
            lazy[t] = pl.LazyFrame(schema=schema)
    return lazy


def corpus_years(manifest: dict) -> list[int | None]:
    """The report years with a partition in the corpus (None: reports of unknown year), in order; ""
    last when some parts are unpartitioned (format 1): ``_lazy_tables(years=[""])`` opens those."""
    ys = {year_of(rel) for part in manifest.get("parts", {}).values() for t, rel in _part_tables(part)
          if t in YEAR_TABLES}
    flat = "" in ys  # parts of the format 1 layout (all years in one file): listed as ""
    ys.discard("")
    return sorted(ys, key=lambda y: (y is None, y or 0)) + ([""] if flat else [])


@dataclass
class Corpus:
    """A built corpus: lazy frames with the :mod:`gxlib.frames` schemas.

    ``findings`` holds per-report and corpus-scope findings; ``findings_corpus`` only the latter."""

    path: Path
    manifest: dict
    reports: pl.LazyFrame
    cells: pl.LazyFrame
    narrative: pl.LazyFrame
    findings: pl.LazyFrame
    errors: pl.LazyFrame
    findings_corpus: pl.LazyFrame
    registry: pl.LazyFrame = field(default_factory=lambda: pl.LazyFrame(schema=frames.REGISTRY))

    @property
    def parser_version(self) -> str:
        return self.manifest.get("parser_version", "")

    def collect_summary(self) -> dict:
        """Counts from the manifest plus reports by year and format, and errors by stage/class."""
        by_year = self.reports.group_by("year").agg(pl.len().alias("reports")).sort("year").collect()
        by_format = self.reports.group_by("format").agg(pl.len().alias("reports")).sort("format").collect()
        errs = self.errors.group_by("stage", "error").agg(pl.len().alias("files")).sort("files", descending=True).collect()
        return {
            "path": str(self.path),
            "parser_version": self.parser_version,
            "updated": self.manifest.get("updated"),
            "counts": self.manifest.get("counts", {}),
            "reports_by_year": dict(zip(by_year["year"].to_list(), by_year["reports"].to_list())),
            "reports_by_format": dict(zip(by_format["format"].to_list(), by_format["reports"].to_list())),
            "errors": errs.to_dicts(),
        }

    def __repr__(self) -> str:
        c = self.manifest.get("counts", {})
        return f"Corpus({str(self.path)!r}, parser {self.parser_version}, " + ", ".join(
            f"{c.get(t, 0)} {t}" for t in TABLES
        ) + ")"


def load_corpus(path: str | os.PathLike, years: Iterable[int | None] | None = None) -> Corpus:
    """Open a corpus built by :func:`build_corpus`: lazy frames over the parts its manifest lists.

    A filter on ``reports.year`` reads only that year's files (hive partitions); ``years`` restricts
    every per-report table (reports, cells, narrative, findings) to those years' files, so a query on
    the cells of one year never opens another year's parts."""
    out = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    m = _read_manifest(out)
    if m is None:
        raise CorpusError(f"{out}: not a gxlib corpus (no {MANIFEST}); build one with `gx build SRC -o {out}`")
    if not m.get("complete", True):
        raise CorpusError(f"{out}: its first build was interrupted and holds no complete corpus yet; "
                          "run the same `gx build` again to finish it")
    damage = recovery.quick_damage(out, m)
    if damage:
        raise CorpusError(f"{out}: damaged part(s): " + "; ".join(map(str, damage[:5]))
                          + " — run `gx build --verify` / `gx build SRC -o DIR --repair`")
    lz = _lazy_tables(out, m, years=years)
    findings = lz["findings"] if not m.get("build", {}).get("paths", {}).get(CORPUS_FINDINGS) else pl.concat(
        [lz["findings"], lz[CORPUS_FINDINGS]], how="vertical"
    )
    return Corpus(out, m, lz["reports"], lz["cells"], lz["narrative"], findings, lz["errors"], lz[CORPUS_FINDINGS],
                  lz[REGISTRY])


def verify_corpus(path: str | os.PathLike) -> list[recovery.Damage]:
    """Every part of the corpus read in full (schema, rows against the manifest, readability)."""
    out = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    m = _read_manifest(out)
    if m is None:
        raise CorpusError(f"{out}: not a gxlib corpus (no {MANIFEST})")
    return recovery.verify(out, m)
