"""The fetch manifest, ``DIR/fetch-manifest.json``: what was found, fetched and kept.

Written atomically (temp file, fsync, rename) after every document, so a fetch killed at any point
leaves a manifest that lists exactly the files on disk; ``--resume`` continues from it.

::

    {"format": "gxlib-fetch", "format_version": 1, "created", "updated", "args": {...},
     "documents": {URL: {
        "url", "title", "column", "columns": [...], "list_url", "report_year", "year_source",
        "published", "published_from": "meta PubDate" | "list" | null,
        "kind": "page" | "attachment", "parent": URL | null, "build": bool,
        "status": "ok" | "failed" | "skipped", "reason": str | null,
        "versions": [{"path", "sha256", "size", "http_status", "content_type", "fetched_at",
                      "warc": {"file", "offset", "record_id"}}],
        "last_checked", "from_cache": bool}},
     "lists": {URL: {"http_status", "shapes", "entries", "column", "fetched_at", "error"}},
     "fetch_errors": [{"url", "stage", "error", "at"}],
     "summary": {...}}

A document whose content changed since the last fetch gets a new entry in ``versions`` (its file
``name.v2.ext`` beside the first); the old file and its WARC record stay.  ``build`` says whether
``gx build DIR`` reads the document: an article page that prints the report's tables, else the
report's attachments that gxlib reads (``.pdf .docx .doc .wps .txt``; spreadsheets are kept, not read).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

NAME = "fetch-manifest.json"
FORMAT = "gxlib-fetch"
FORMAT_VERSION = 1


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Manifest:
    def __init__(self, out: Path, args: dict):
        self.out = out
        self.path = out / NAME
        self._lock = threading.Lock()
        old = load(out)
        self.data = old or {"format": FORMAT, "format_version": FORMAT_VERSION, "created": now(),
                            "documents": {}, "lists": {}, "fetch_errors": []}
        self.data["args"] = args
        self.data["fetch_errors"] = []  # this run's errors; the documents keep their last state

    @property
    def documents(self) -> dict[str, dict]:
        return self.data["documents"]

    def error(self, url: str, stage: str, error: str, at: str | None = None) -> None:
        with self._lock:
            self.data["fetch_errors"].append({"url": url, "stage": stage, "error": error, "at": at or now()})

    def save(self) -> None:
        with self._lock:
            self.data["updated"] = now()
            text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True)
            tmp = self.path.with_name(f".{NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)


def load(out: Path) -> dict | None:
    p = Path(out) / NAME
    if not p.exists():
        return None
    d = json.loads(p.read_text(encoding="utf-8"))
    if d.get("format") != FORMAT:
        raise ValueError(f"{p} is not a gx fetch manifest")
    return d


def local_path(url: str, version: int = 1, content_type: str | None = None) -> str:
    """``files/<host>/<path>`` for a URL (``index.html`` for a folder; ``.vN`` before the
    extension for later versions; the query folded into the name)."""
    p = urlsplit(url)
    host = p.netloc.replace(":", "_")
    parts = [x for x in PurePosixPath(unquote(p.path)).parts if x not in ("/", "..", ".")]
    if not parts or p.path.endswith("/"):
        parts.append("index.html")
    name = parts[-1]
    if p.query:
        stem, dot, ext = name.rpartition(".")
        q = "".join(c if c.isalnum() else "_" for c in p.query)[:80]
        name = f"{stem}_{q}.{ext}" if dot else f"{name}_{q}"
    if "." not in name and content_type and "html" in content_type:
        name += ".html"
    if version > 1:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}.v{version}.{ext}" if dot else f"{name}.v{version}"
    return "/".join(["files", host, *parts[:-1], name])


def build_items(out: str | os.PathLike) -> list[tuple[str, dict]]:
    """(absolute file path, {"source_url", "published"}) of the latest version of every document the
    manifest marks for ``gx build``."""
    out = Path(out)
    d = load(out) or {}
    items = []
    for url, doc in sorted(d.get("documents", {}).items()):
        if not doc.get("build") or not doc.get("versions"):
            continue
        v = doc["versions"][-1]
        items.append((str(out / v["path"]), {"source_url": url, "published": doc.get("published")}))
    return items
