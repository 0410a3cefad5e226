"""Names of the corpus folder's parts, format constants, and :class:`CorpusError`."""

from __future__ import annotations

FORMAT = "gxlib-corpus"
FORMAT_VERSION = 1
TABLES = ("reports", "cells", "narrative", "findings", "errors")
CORPUS_FINDINGS = "findings_corpus"
REGISTRY = "registry"  # recomputed every build from the reports, the alias table and --registry FILE
REPORT_EXTS = frozenset({".html", ".htm", ".shtml", ".txt", ".pdf", ".docx", ".doc", ".wps", ".md", ".markdown"})
ARCHIVE_EXTS = frozenset({".zip"})
WARC_EXTS = (".warc", ".warc.gz")
WARC_MEMBER = "\0warc@"  # _Item.member of a WARC record: prefix + byte offset (no zip member starts with NUL)
RETRY_STAGES = frozenset({"timeout", "worker"})
MANIFEST = "manifest.json"
JOURNAL = "_journal"
LOCK = ".gx-build.lock"


class CorpusError(Exception):
    """The corpus folder cannot be built or loaded (not a corpus, locked, newer format …)."""
