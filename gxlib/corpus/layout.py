"""Names of the corpus folder's parts, format constants, and :class:`CorpusError`."""

from __future__ import annotations

FORMAT = "gxlib-corpus"

TABLES = ("reports", "cells", "narrative", "findings", "errors")
CORPUS_FINDINGS = "findings_corpus"
REGISTRY = "registry"  # recomputed every build from the reports, the alias table and --registry FILE
REPORT_EXTS = frozenset({".html", ".htm", ".shtml", ".txt", ".pdf", ".docx", ".doc", ".wps", ".md", ".markdown", ".mht", ".mhtml"})
ARCHIVE_EXTS = frozenset({".zip"})
WARC_EXTS = (".warc", ".warc.gz")
WARC_MEMBER = "\0warc@"  # _Item.member of a WARC record: prefix + byte offset (no zip member starts with NUL)
RETRY_STAGES = frozenset({"timeout", "worker"})
MANIFEST = "manifest.json"
JOURNAL = "_journal"
LOCK = ".gx-build.lock"


class CorpusError(Exception):
    """The corpus folder cannot be built or loaded (not a corpus, locked, newer format …)."""


# --------------------------------------------------------------------------- year partitions

FORMAT_VERSION = 2  # 2: per-report tables split by report year (hive style); 1: one file per batch and table
YEAR_TABLES = ("reports", "cells", "narrative", "findings")  # partitioned by the report's year
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # the year partition of reports whose year is unknown (polars / Arrow / Hive)
_YEAR_SEG = "/year="


def rels(v: str | list[str] | None) -> list[str]:
    """A manifest entry's part paths: a list (format 2) or one path (format 1)."""
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def year_dir(year: int | None) -> str:
    return f"year={HIVE_NULL if year is None else int(year)}"


def year_of(rel: str) -> int | None | str:
    """The report year a part path holds (None: unknown year), or "" for an unpartitioned path."""
    i = rel.find(_YEAR_SEG)
    if i < 0:
        return ""
    seg = rel[i + len(_YEAR_SEG):].split("/", 1)[0]
    return None if seg == HIVE_NULL else int(seg)
