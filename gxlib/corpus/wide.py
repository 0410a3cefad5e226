"""Corpus-wide steps: aliases, cross-year checks, the registry and the reading-quality summary."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl

from .. import frames
from .layout import (
    CorpusError,
)
from .load import (
    _lazy_tables,
)
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



def _run_corpus_checks(out: Path, manifest: dict, notes: list[str]) -> tuple[pl.DataFrame | None, dict | None]:
    """(findings frame or None, an errors row when check_corpus itself failed)."""
    try:
        from ..checks import check_corpus
    except ImportError as e:
        notes.append(f"corpus-scope checks skipped: gxlib.checks.check_corpus is not available yet ({e})")
        return None, None
    lazy = _lazy_tables(out, manifest, include_build=False)
    # only what the cross-year rules read (表二/表三 values, no raw text or provenance), so the
    # step stays within memory on a 100k-report corpus (~20M cells)
    reports = lazy["reports"].select("report_id", "agency_key", "year", "template", "agency")
    cells = lazy["cells"].filter(pl.col("table").is_in(["applications", "proactive"])).select(
        "report_id", "table", "row", "col", "value", "ambiguous"
    )
    try:
        res = check_corpus(reports.collect(), cells.collect())
        return conform(res, "findings"), None
    except Exception as e:  # noqa: BLE001 - a failing rule must not lose the build
        notes.append(f"corpus-scope checks failed: {type(e).__name__}: {e}")
        return None, _err("(corpus)", None, "check", type(e).__name__, f"check_corpus failed: {e}")


def _read_registry_file(path):
    if path is None:
        return None
    from ..registry import RegistryError, read_registry

    try:
        return read_registry(path)
    except RegistryError as e:
        raise CorpusError(f"{e} (nothing was changed)") from e


def _run_registry(out: Path, manifest: dict, reg_file, aliases, notes: list[str]):
    """(registry frame, its findings, an errors row when it failed): gxlib.registry over the reports."""
    from types import SimpleNamespace

    from ..registry import build_registry, rename_candidates, rename_findings, rollup_findings

    lazy = _lazy_tables(out, manifest, include_build=False)
    try:
        table = _load_aliases_maybe(aliases)
        reports = lazy["reports"].select("report_id", "agency", "agency_key", "year", "n_ambiguous", "consolidates",
                                         "url", "signature", "phone", "address").collect()
        reg, rows = build_registry(reports, reg_file, table)
        rows += rename_findings(rename_candidates(reports, reg))
        cells = lazy["cells"].filter(pl.col("table").is_in(["applications", "reviews"])).select(
            "report_id", "table", "row", "col", "value", "ambiguous")
        rows += rollup_findings(SimpleNamespace(registry=reg, reports=reports, cells=cells))
        return conform(reg, "registry"), frames.frame("findings", rows), None
    except Exception as e:  # noqa: BLE001 - a failing registry step must not lose the build
        notes.append(f"registry step failed: {type(e).__name__}: {e}")
        return None, None, _err("(registry)", None, "check", type(e).__name__, f"registry failed: {e}")


def _load_aliases_maybe(aliases) -> Mapping | None:
    if aliases is None or isinstance(aliases, Mapping):
        return aliases
    from ..agency import load_aliases

    return load_aliases(aliases)


_QUALITY = {"cells": "n_cells", "by_print": "n_by_print", "by_identities": "n_by_identities",
            "ambiguous": "n_ambiguous", "unreadable": "n_unreadable"}


def _reading_quality(out: Path, manifest: dict) -> dict:
    """How far the corpus can be trusted: its cells by how they were settled (a lazy sum)."""
    lf = _lazy_tables(out, manifest, include_build=False).get("reports")
    if lf is None:
        return {}
    row = lf.select(pl.col(c).sum().alias(k) for k, c in _QUALITY.items()).collect().row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}
