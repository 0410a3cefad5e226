"""Discovery: walk folders, zip archives, gx fetch folders and WARC files; hash what they hold."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .. import budget
from ..errors import TooLarge
from .layout import (
    ARCHIVE_EXTS,
    REPORT_EXTS,
    WARC_EXTS,
    WARC_MEMBER,
)

# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class _Item:
    source: str  # what the corpus records: /abs/path.html or /abs/a.zip!member/path.html
    path: str  # the file (or the archive) on disk
    member: str | None  # archive member name, or None
    sha256: str


def _hidden(part: str) -> bool:
    return part.startswith(".") or part == "__MACOSX"


def _classify(name: str) -> str | None:
    """None when ``name`` is a report file, else the skip reason (or "archive")."""
    low = name.lower()
    if low.endswith(".truth.json"):
        return "ground truth (*.truth.json)"
    ext = os.path.splitext(low)[1]
    if ext in (".md", ".markdown") and os.path.basename(low).startswith(("readme", "changelog", "license")):
        return "a folder's own notes (README, CHANGELOG)"
    if ext in REPORT_EXTS:
        return None
    if ext in ARCHIVE_EXTS:
        return "archive"
    if low.endswith(WARC_EXTS):
        return "warc"
    return f"not a report file type ({ext or 'no extension'})"


def _sha_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Scanner:
    """Walks the sources; hashes files (reusing the manifest's stat cache); collects skips."""

    def __init__(self, cache: Mapping[str, list], exclude: Path, on_item: Callable[[], None] | None = None):
        self.cache = cache
        self.new_cache: dict[str, list] = {}
        self.exclude = str(exclude)
        self.skipped: Counter = Counter()
        self.errors: list[dict] = []  # discovery errors (unreadable file, corrupt zip)
        self.on_item = on_item
        self.meta: dict[str, dict] = {}  # sha256 -> {"source_url", "published"} from gx fetch output

    def scan(self, sources: Sequence[str | os.PathLike]) -> list[_Item]:
        items: list[_Item] = []
        for src in sources:
            # paths stay as the user wrote them (relative ones too: a bundled corpus must not
            # record this machine's folders); build_corpus makes them absolute for remote workers
            p = os.path.normpath(os.path.expanduser(os.fspath(src)))
            if not os.path.exists(p):
                self.skipped["source not found"] += 1
                self.errors.append(_err(p, None, "read", "FileNotFoundError", f"{p}: no such file or folder"))
                continue
            if os.path.isdir(p) and os.path.exists(os.path.join(p, "fetch-manifest.json")):
                items.extend(self._fetch_dir(p))
            elif os.path.isdir(p):
                for root, dirs, files in os.walk(p):
                    keep = []
                    for d in sorted(dirs):
                        full = os.path.join(root, d)
                        if os.path.abspath(full) == self.exclude:
                            continue
                        if _hidden(d):
                            self.skipped["hidden"] += 1
                            continue
                        keep.append(d)
                    dirs[:] = keep
                    for name in sorted(files):
                        items.extend(self._file(os.path.join(root, name), name))
            else:
                items.extend(self._file(p, os.path.basename(p), explicit=True))
        return items

    def _file(self, path: str, name: str, explicit: bool = False) -> list[_Item]:
        if _hidden(name) and not explicit:
            self.skipped["hidden"] += 1
            return []
        kind = _classify(name)
        if kind == "warc":
            return self._warc(path)
        if kind is not None and kind != "archive":
            self.skipped[kind] += 1
            return []
        try:
            st = os.stat(path)
        except OSError as e:
            self.errors.append(_err(path, None, "read", type(e).__name__, f"{path}: {e}"))
            return []
        if not stat.S_ISREG(st.st_mode):
            self.skipped["not a regular file (FIFO, socket, device)"] += 1
            return []
        if kind == "archive":
            return self._archive(path, st)
        key = [st.st_size, st.st_mtime_ns]
        hit = self.cache.get(path)
        if hit and hit[:2] == key:
            sha = hit[2]
        else:
            try:
                sha = _sha_file(path)
            except OSError as e:
                self.errors.append(_err(path, None, "read", type(e).__name__, f"{path}: {e}"))
                return []
        self.new_cache[path] = [*key, sha]
        if self.on_item:
            self.on_item()
        return [_Item(path, path, None, sha)]

    def _archive(self, path: str, st: os.stat_result) -> list[_Item]:
        out = []
        try:
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    parts = info.filename.split("/")
                    if any(_hidden(x) for x in parts if x):
                        self.skipped["hidden"] += 1
                        continue
                    kind = _classify(parts[-1])
                    if kind == "archive":
                        self.skipped["archive inside an archive (unpack it first)"] += 1
                        continue
                    if kind is not None:
                        self.skipped[kind] += 1
                        continue
                    source = f"{path}!{info.filename}"
                    key = ["zip", info.CRC, info.file_size]
                    hit = self.cache.get(source)
                    if hit and hit[:3] == key:
                        sha = hit[3]
                    else:
                        try:  # streamed within the budget: a member declaring (or expanding to) 3 GiB is refused
                            h = hashlib.sha256()
                            for chunk in budget.iter_member(z, info, path, "max_member_mb"):
                                h.update(chunk)
                            sha = h.hexdigest()
                        except TooLarge as e:
                            self.errors.append(_err(source, None, "read", "TooLarge", str(e)))
                            continue
                        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError, EOFError) as e:
                            self.errors.append(_err(source, None, "read", type(e).__name__, f"{source}: {e}"))
                            continue
                    self.new_cache[source] = [*key, sha]
                    if self.on_item:
                        self.on_item()
                    out.append(_Item(source, path, info.filename, sha))
        except (zipfile.BadZipFile, OSError) as e:
            self.errors.append(_err(path, None, "read", type(e).__name__, f"{path}: not a readable zip archive ({e})"))
        return out


    def _fetch_dir(self, path: str) -> list[_Item]:
        """A ``gx fetch`` folder: the latest version of each document its manifest marks for building."""
        from ..fetch.manifest import build_items

        out = []
        for file, meta in build_items(path):
            for it in self._file(file, os.path.basename(file), explicit=True):
                self.meta[it.sha256] = meta
                out.append(it)
        return out

    def _warc(self, path: str) -> list[_Item]:
        """The report responses of a ``gx fetch`` WARC file, read in place."""
        from ..fetch.warc import read_member, report_members

        out = []
        try:
            for offset, url, meta in report_members(path):
                sha = hashlib.sha256(read_member(path, offset)).hexdigest()
                self.meta[sha] = {"source_url": url, "published": meta.get("published")}
                out.append(_Item(f"{path}!{url}", path, f"{WARC_MEMBER}{offset}", sha))
        except (OSError, ValueError) as e:
            self.errors.append(_err(path, None, "read", type(e).__name__, f"{path}: not a readable WARC file ({e})"))
        return out


def _with_fetch_meta(reports: pl.DataFrame, meta: Mapping[str, dict]) -> pl.DataFrame:
    """``source_url`` from gx fetch, and ``published`` from the page when the document prints none."""
    if not meta or reports.is_empty():
        return reports
    m = pl.DataFrame({"sha256": list(meta), "_url": [v.get("source_url") for v in meta.values()],
                      "_pub": [v.get("published") for v in meta.values()]},
                     schema={"sha256": pl.String, "_url": pl.String, "_pub": pl.String})
    return (reports.join(m, on="sha256", how="left")
            .with_columns(pl.coalesce("source_url", "_url").alias("source_url"),
                          pl.coalesce("published", pl.col("_pub").str.to_date(strict=False)).alias("published"))
            .select(reports.columns))


def _err(source: str, sha: str | None, stage: str, error: str, reason: str) -> dict:
    return {"source": source, "sha256": sha, "stage": stage, "error": error, "reason": reason}
