"""Build a Parquet corpus from folders and zip archives of reports, and load it lazily.

    >>> from gxlib.corpus import build_corpus, load_corpus
    >>> summary = build_corpus(["reports/", "more.zip"], "corpus/")      # parallel, incremental
    >>> print(summary)
    >>> c = load_corpus("corpus/")                                        # polars LazyFrames
    >>> c.cells.join(c.reports, on="report_id").group_by("year", "row").agg(pl.col("value").sum())

Command line: ``gx build SRC... -o DIR [--workers N] [--dask-scheduler tcp://host:8786]
[--timeout S] [--aliases FILE] [--registry FILE] [--no-progress]``.

Corpus layout
-------------
::

    DIR/
      manifest.json                    # written last, atomically: the only list of live parts
      reports/part-<batch>.parquet     # one row per report            (frames.REPORTS)
      cells/part-<batch>.parquet       # one row per printed cell      (frames.CELLS)
      narrative/part-<batch>.parquet   # numbers stated in the text    (frames.NARRATIVE)
      findings/part-<batch>.parquet    # per-report check findings     (frames.FINDINGS)
      errors/part-<batch>.parquet      # files that could not be read  (frames.ERRORS)
      errors/part-build-<hash>.parquet # errors found while scanning the sources / running corpus checks
      findings_corpus/part-<hash>.parquet  # corpus-scope findings (cross-year checks), recomputed every build
      registry/part-<hash>.parquet     # one row per body (frames.REGISTRY, gxlib.registry), recomputed every build
      _journal/<batch>.json            # present only while (or after an interrupted) build runs

* ``<batch>`` is the first 16 hex digits of sha256(parser version + the sorted sha256 of the batch's
  files): the same files parsed by the same gxlib always give the same part names.
* A table part is written only when the batch has rows for it; tables without any part load as empty
  frames of their schema.  ``reports`` parts written with an alias table are named
  ``part-<batch>.a<8 hex of the alias table>.parquet``.
* ``_state/sources.json`` is a stat cache (path → size, mtime, sha256) so unchanged files are not
  re-hashed; it is only a cache (a stale one is still correct) and ``load_corpus`` never reads it.
* ``manifest.json`` holds ``format`` (``"gxlib-corpus"``), ``format_version``, ``parser_version``
  (``gxlib.PARSER_VERSION``), ``parts`` (batch → its number of files, its part paths and row counts),
  ``files`` (sha256 → ``status`` ok | failed, ``source``, ``part``, and ``stage``/``error`` when
  failed), ``build`` (the recomputed corpus-wide parts), ``aliases`` (digest of the alias table), ``counts``
  (rows per table, files by status) and ``last_build`` (the summary of the latest build).

How a build works
-----------------
* Sources are walked recursively (folders, single files, ``.zip`` archives whose members are read in
  memory and recorded as ``archive.zip!member/path.html``).  Report files: ``.html .htm .shtml .txt
  .md .markdown .pdf .docx`` (and ``.doc .wps``; a folder's README.md is skipped).  Hidden files and folders, our own
  ``*.truth.json``, non-regular files (FIFOs, sockets) and other extensions are skipped and counted by
  reason; a file whose content (sha256) was already seen is skipped as a duplicate.
* A ``gx fetch`` folder (one holding ``fetch-manifest.json``) is read from its manifest: the latest
  version of each document marked ``build``; a ``.warc``/``.warc.gz`` file contributes the report
  responses its ``metadata`` records mark (``file.warc.gz!URL``).  Both set ``reports.source_url``, and
  ``published`` from the page when the document prints no date (``gxlib.fetch``).
* Files are parsed in batches on a :class:`concurrent.futures.Executor`: a local
  ``ProcessPoolExecutor`` (``spawn``; default ``workers`` = CPU count), a Dask distributed executor
  (``dask_scheduler="tcp://host:8786"``), or any executor given.  Workers return Arrow IPC bytes, one
  stream per table; the building process writes the parts.
* Incremental: a file whose sha256 is in the corpus with the same parser version is not parsed again
  ("unchanged"); a new parser version reparses everything and the old parts are dropped at the end.
  The corpus mirrors the sources of the latest build: files no longer found (or changed) leave it.
  Files that failed by ``timeout`` or ``worker`` death are retried on the next build.
* Atomic: every part is written to a temp file in the same folder, fsynced and renamed; after its
  parts, each batch writes ``_journal/<batch>.json``; ``manifest.json`` is replaced last.  A build
  killed midway leaves the previous corpus loadable (``load_corpus`` reads only the manifest's parts)
  and the next build resumes from the journal ("resumed").  One build at a time (an ``flock`` on
  ``.gx-build.lock``: the kernel releases it when its holder dies).  A first build's manifest says
  ``"complete": false`` until it ends (``load_corpus`` refuses it).  Damaged parts, confined part
  paths, moved sources, ``--verify`` / ``--repair``: :mod:`gxlib.recovery`.  Per-file size, member,
  nesting, page, time and memory limits: :mod:`gxlib.budget`.
* Fault-tolerant: every failure is a row in ``errors`` (source, sha256, stage, error class, reason)
  and the build goes on.  Per-file ``timeout``: ``SIGALRM`` in process workers (interrupts Python code
  and blocking system calls); in threads (Dask workers run tasks in threads) an asynchronous exception
  (interrupts Python code only).  Backstop: a worker process stuck past twice the limit (a C call that
  ignores both) ends itself, which is handled as a worker death: the batch's files are retried
  (alone, in a one-process pool for the local pool; by bisection on other executors) and the culprit
  is recorded with stage ``worker``.
* After parsing, ``gxlib.checks.check_corpus(reports, cells, narrative)`` runs once over the whole
  corpus (``findings_corpus``), and the alias table (``gxlib.agency.load_aliases``) recomputes
  ``reports.agency_key`` without reparsing.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import hashlib
import io
import json
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from . import PARSER_VERSION, budget, frames, recovery
from .errors import GxError, ParseTimeout, TooLarge

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


# --------------------------------------------------------------------------- summary


@dataclass
class BuildSummary:
    """What one build did.  ``print(summary)`` gives the human form; ``to_dict()`` the JSON one."""

    out_dir: str
    parser_version: str = PARSER_VERSION
    executor: str = ""
    found: int = 0  # report files found in the sources (after de-duplication)
    parsed: int = 0  # files parsed by this build (ok + failed)
    ok: int = 0
    unchanged: int = 0  # already in the corpus with this parser version
    resumed: int = 0  # parsed by an interrupted earlier build (journal)
    removed: int = 0  # files of the corpus no longer in the sources (or changed)
    failed: Counter = field(default_factory=Counter)  # (stage, error class) -> files, this build
    skipped: Counter = field(default_factory=Counter)  # reason -> files
    retried_alone: int = 0  # files re-run in isolation after a worker died
    elapsed: float = 0.0
    counts: dict = field(default_factory=dict)  # rows per table in the corpus after the build
    quality: dict = field(default_factory=dict)  # cells settled by print / identities, ambiguous, unreadable
    notes: list = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    @property
    def files_per_s(self) -> float:
        return self.parsed / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "out_dir": self.out_dir,
            "parser_version": self.parser_version,
            "executor": self.executor,
            "found": self.found,
            "parsed": self.parsed,
            "ok": self.ok,
            "unchanged": self.unchanged,
            "resumed": self.resumed,
            "removed": self.removed,
            "failed": [{"stage": s, "error": e, "files": n} for (s, e), n in sorted(self.failed.items())],
            "skipped": dict(sorted(self.skipped.items())),
            "retried_alone": self.retried_alone,
            "elapsed": round(self.elapsed, 3),
            "files_per_s": round(self.files_per_s, 1),
            "counts": self.counts,
            "quality": self.quality,
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        c = self.counts
        lines = [
            f"gx build → {self.out_dir}  (gxlib {self.parser_version}, {self.executor})",
            f"  found     {self.found} report files",
            f"  parsed    {self.parsed}  ({self.ok} ok, {self.n_failed} failed)"
            f"  in {self.elapsed:.1f}s = {self.files_per_s:.1f} files/s",
            f"  unchanged {self.unchanged}" + (f"  (resumed from an interrupted build: {self.resumed})" if self.resumed else ""),
        ]
        if self.removed:
            lines.append(f"  removed   {self.removed} (no longer in the sources, or changed)")
        if self.retried_alone:
            lines.append(f"  retried   {self.retried_alone} files in isolation after a worker died")
        if self.failed:
            lines.append(f"  failed    {self.n_failed} (stage / error):")
            for (s, e), n in sorted(self.failed.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"    {n:>6}  {s:<8} {e}")
        if self.skipped:
            lines.append(f"  skipped   {sum(self.skipped.values())} (reason):")
            for r, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"    {n:>6}  {r}")
        if c:
            lines.append(
                "  corpus    "
                + ", ".join(f"{c.get(t, 0)} {t}" for t in (*TABLES, CORPUS_FINDINGS))
                + f"; files ok {c.get('files_ok', 0)}, failed {c.get('files_failed', 0)}"
            )
        q = self.quality
        if q.get("cells"):
            lines.append(
                f"  reading   {q['cells']} cells: {q['by_print']} settled by print, {q['by_identities']} by the "
                f"identities, {q['ambiguous']} ambiguous, {q['unreadable']} unreadable"
            )
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)


_QUALITY = {"cells": "n_cells", "by_print": "n_by_print", "by_identities": "n_by_identities",
            "ambiguous": "n_ambiguous", "unreadable": "n_unreadable"}


def _reading_quality(out: Path, manifest: dict) -> dict:
    """How far the corpus can be trusted: its cells by how they were settled (a lazy sum)."""
    lf = _lazy_tables(out, manifest, include_build=False).get("reports")
    if lf is None:
        return {}
    row = lf.select(pl.col(c).sum().alias(k) for k, c in _QUALITY.items()).collect().row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}


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
        from .fetch.manifest import build_items

        out = []
        for file, meta in build_items(path):
            for it in self._file(file, os.path.basename(file), explicit=True):
                self.meta[it.sha256] = meta
                out.append(it)
        return out

    def _warc(self, path: str) -> list[_Item]:
        """The report responses of a ``gx fetch`` WARC file, read in place."""
        from .fetch.warc import read_member, report_members

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


# --------------------------------------------------------------------------- worker side


class _Alarm(BaseException):
    """Raised into parsing code when the per-file limit is reached (BaseException: not swallowed by
    a parser's ``except Exception``)."""


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = [ctypes.c_ulong, ctypes.py_object]
_clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(("PyThreadState_SetAsyncExc", ctypes.pythonapi))


class _Watchdog(threading.Thread):
    """Backstop in worker processes: a file still running ``grace`` seconds past its limit (stuck in a C
    call that neither SIGALRM nor an async exception interrupts) ends the process; the building
    process sees a worker death and isolates the file."""

    def __init__(self) -> None:
        super().__init__(name="gx-watchdog", daemon=True)
        self.deadlines: dict[int, tuple[float, str]] = {}
        self.lock = threading.Lock()

    def run(self) -> None:  # pragma: no cover - exercised only when a C call hangs
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self.lock:
                late = [src for d, src in self.deadlines.values() if now > d]
            if late:
                sys.stderr.write(f"gx: {late[0]} is stuck past the hard time limit; ending process {os.getpid()}\n")
                sys.stderr.flush()
                os._exit(75)


_WATCHDOG: _Watchdog | None = None
_WATCHDOG_LOCK = threading.Lock()


def _watchdog() -> _Watchdog:
    global _WATCHDOG
    with _WATCHDOG_LOCK:
        if _WATCHDOG is None or not _WATCHDOG.is_alive():
            _WATCHDOG = _Watchdog()
            _WATCHDOG.start()
        return _WATCHDOG


@contextlib.contextmanager
def _limit(seconds: float | None, source: str, hard: bool):
    """Raise :class:`_Alarm` in this thread after ``seconds``."""
    if not seconds or seconds <= 0:
        yield
        return
    tid = threading.get_ident()
    wd = _watchdog() if hard else None
    if wd is not None:
        with wd.lock:
            wd.deadlines[tid] = (time.monotonic() + seconds + max(5.0, seconds), source)
    try:
        if threading.current_thread() is threading.main_thread():

            def on_alarm(signum, frame):
                raise _Alarm()

            old = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
        else:
            state = {"armed": True, "fired": False}
            lock = threading.Lock()

            def fire():
                with lock:
                    if state["armed"]:
                        state["fired"] = True
                        _set_async_exc(tid, _Alarm)

            timer = threading.Timer(seconds, fire)
            timer.daemon = True
            timer.start()
            try:
                yield
            finally:
                with lock:
                    state["armed"] = False
                    timer.cancel()
                    if state["fired"]:
                        _clear_async_exc(tid, None)  # drop it if it has not been raised yet
    finally:
        if wd is not None:
            with wd.lock:
                wd.deadlines.pop(tid, None)


def run_bounded(source: str, fn: Callable[[], Any], limits: budget.Budget | None = None) -> Any:
    """``fn()`` under the per-file time limit of ``gx build`` (SIGALRM / async exception, and the
    watchdog backstop that ends the process past twice the limit): for gx parse / check / explain."""
    b = limits or budget.current()
    try:
        with _limit(b.timeout, source, hard=True):
            return fn()
    except _Alarm:
        raise ParseTimeout(f"{source}: reading took longer than {b.timeout:g}s ({budget.how_to_raise('timeout')})") from None


def _init_worker(limits: budget.Budget, parent: int) -> None:
    """Process-pool initializer: the budget, an address-space limit, and an exit when the building
    process dies (``PR_SET_PDEATHSIG`` on Linux, a parent-watch thread everywhere)."""
    budget.set_current(limits)
    budget.limit_memory(limits)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(70)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="gx-parent-watch", daemon=True).start()


def _default_read(source: str, data: bytes):
    from .readers import read_document
    from .report import build_report

    try:
        doc = read_document(source, data)
    except Exception as e:
        with contextlib.suppress(Exception):
            e.__gx_stage__ = "read"
        raise
    return build_report(doc, check=True)


def _stage_of(e: BaseException) -> str:
    if isinstance(e, GxError):
        return getattr(e, "stage", "read") or "read"
    s = getattr(e, "__gx_stage__", None)
    if s:
        return s
    for fr, _ in traceback.walk_tb(e.__traceback__):
        if fr.f_code.co_filename.replace("\\", "/").endswith("/gxlib/checks.py"):
            return "check"
    return "extract"


def conform(df: pl.DataFrame | pl.LazyFrame, name: str) -> pl.DataFrame:
    """``df`` with exactly the columns and dtypes of ``frames.SCHEMAS[name]`` (missing → null)."""
    schema = frames.SCHEMAS[name]
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    if df.schema == schema:
        return df
    have = set(df.columns)
    return df.select(
        [(pl.col(c).cast(t) if c in have else pl.lit(None, dtype=t)).alias(c) for c, t in schema.items()]
    )


def _report_parts(rep: Any) -> dict[str, list[dict] | pl.DataFrame]:
    """A parsed report's rows per table (a Report keeps rows; anything else offers frames)."""
    rows = getattr(rep, "rows", None)
    if isinstance(rows, dict):
        return {t: rows[t] for t in ("reports", "cells", "narrative", "findings")}
    return {t: conform(getattr(rep, t), t) for t in ("reports", "cells", "narrative", "findings")}


def _batch_frame(name: str, parts: list) -> pl.DataFrame:
    """One frame for a whole batch: rows of every report at once (one frame built per batch,
    not per report), plus any ready-made frames."""
    rows = [r for p in parts if isinstance(p, list) for r in p]
    dfs = [p for p in parts if isinstance(p, pl.DataFrame)]
    if rows or not dfs:
        dfs.insert(0, frames.frame(name, rows))
    return pl.concat(dfs, how="vertical") if len(dfs) > 1 else dfs[0]


def _to_ipc(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_ipc(buf, compression="lz4")
    return buf.getvalue()


def _warm_up() -> None:
    """Import every module a parse may need, once per worker process."""
    import importlib

    for name in ("report", "extract", "fused", "narrative", "checks", "agency", "metadata",
                 "readers.html", "readers.pipe", "readers.crawler", "readers.pdf", "readers.docx", "readers.markdown"):
        importlib.import_module(f"gxlib.{name}")


def _parse_batch(
    items: Sequence[tuple[str, str, str | None, str]],
    timeout: float | None,
    reader: Callable[[str, bytes], Any] | None = None,
    builder_pid: int | None = None,
    limits: budget.Budget | None = None,
) -> dict:
    """Parse a batch of files in a worker: {"tables": {name: IPC bytes}, "files": {sha: entry}}.

    Never raises for a bad file (each becomes an ``errors`` row); an exception out of here means the
    worker itself failed."""
    hard = builder_pid is not None and os.getpid() != builder_pid
    if limits is not None:
        budget.set_current(limits)
    _warm_up()  # imports count against no file's timeout
    read = reader or _default_read
    out: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    errors: list[dict] = []
    entries: dict[str, dict] = {}
    zips: dict[str, zipfile.ZipFile] = {}
    t0 = time.perf_counter()
    try:
        for source, path, member, sha in items:
            try:
                if member is None:
                    data = budget.read_file(path)
                elif member.startswith(WARC_MEMBER):
                    from .fetch.warc import read_member

                    data = read_member(path, int(member[len(WARC_MEMBER):]))
                else:
                    z = zips.get(path) or zips.setdefault(path, zipfile.ZipFile(path))
                    data = budget.read_member(z, z.getinfo(member), path)
            except Exception as e:  # noqa: BLE001 - any failure to read is data
                errors.append(_err(source, sha, "read", type(e).__name__, f"{source}: {e}"))
                entries[sha] = {"status": "failed", "source": source, "stage": "read", "error": type(e).__name__}
                continue
            actual = hashlib.sha256(data).hexdigest()
            if actual != sha:  # changed since the scan: record what was parsed under the scanned key
                sha_note = f" (content changed during the build: now {actual[:16]})"
            else:
                sha_note = ""
            try:
                with _limit(timeout, source, hard):
                    rep = read(source, data)
                    parts = _report_parts(rep)
            except _Alarm:
                errors.append(_err(source, sha, "timeout", "ParseTimeout", f"{source}: parsing took longer than {timeout:g}s{sha_note}"))
                entries[sha] = {"status": "failed", "source": source, "stage": "timeout", "error": "ParseTimeout"}
                continue
            except Exception as e:  # noqa: BLE001 - any parser exception is data
                stage = _stage_of(e)
                msg = str(e) or repr(e)
                if not isinstance(e, GxError):
                    tb = traceback.extract_tb(e.__traceback__)
                    if tb:
                        last = tb[-1]
                        msg += f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
                errors.append(_err(source, sha, stage, type(e).__name__, msg + sha_note))
                entries[sha] = {"status": "failed", "source": source, "stage": stage, "error": type(e).__name__}
                continue
            for t, part in parts.items():
                out[t].append(part)
            entries[sha] = {"status": "ok", "source": source}
    finally:
        for z in zips.values():
            z.close()
    if errors:
        out["errors"].append(errors)
    tables = {t: _to_ipc(_batch_frame(t, parts)) for t, parts in out.items() if parts}
    return {
        "tables": tables,
        "files": entries,
        "parser_version": PARSER_VERSION,
        "pid": os.getpid(),
        "seconds": time.perf_counter() - t0,
    }


# --------------------------------------------------------------------------- files on disk


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, write: Callable[[Path], None], point: str | None = None) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if point:
            recovery.crash_point(point)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_parquet(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda p: df.write_parquet(p, compression="zstd", statistics=True))


def _write_json(obj: Any, path: Path, point: str | None = None) -> None:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def w(p: Path) -> None:
        p.write_bytes(data)

    _atomic_write(path, w, point)


def _read_manifest(out: Path) -> dict | None:
    mp = out / MANIFEST
    if not mp.exists():
        return None
    try:
        m = json.loads(mp.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CorpusError(f"{mp}: unreadable manifest ({e})") from e
    if m.get("format") != FORMAT:
        raise CorpusError(f"{mp} is not a gxlib corpus manifest")
    if int(m.get("format_version", 0)) > FORMAT_VERSION:
        raise CorpusError(f"{mp}: corpus format {m['format_version']} is newer than this gxlib reads ({FORMAT_VERSION}); upgrade gxlib")
    try:
        recovery.check_confined(out, m)
    except recovery.UnsafePath as e:
        raise CorpusError(f"{mp}: {e}; refusing a manifest that points outside {out}") from e
    return m


def _read_sources(out: Path, old: dict) -> dict:
    try:
        return json.loads((out / "_state" / "sources.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return old.get("sources", {})


def _empty_manifest() -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "parser_version": PARSER_VERSION,
        "complete": True,
        "updated": _now(),
        "aliases": None,
        "parts": {},
        "build": {"paths": {}, "rows": {}},
        "files": {},
        "counts": {},
        "last_build": None,
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _batch_id(shas: Iterable[str], extra: str = "") -> str:
    h = hashlib.sha256(f"{PARSER_VERSION}\n{extra}\n".encode())
    for s in sorted(shas):
        h.update(s.encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- aliases / checks


def _alias_keyfn(aliases, registry=None) -> tuple[Callable[[str], str] | None, str | None, list[str]]:
    """(name → agency_key, digest of the alias table and registry file's names, notes)."""
    notes: list[str] = []
    try:
        from .agency import agency_key, load_aliases
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
        from .registry import key_function

        return key_function(registry, table), digest, notes

    def keyfn(name: str) -> str:
        return agency_key(name, table) if table else agency_key(name)

    return keyfn, digest, notes


def _apply_aliases(reports: pl.DataFrame, keyfn: Callable[[str], str] | None) -> pl.DataFrame:
    if keyfn is None or reports.is_empty():
        return reports
    names = reports["agency"].drop_nulls().unique().to_list()
    mapping = {n: keyfn(n) for n in names}
    key = pl.col("agency").replace_strict(mapping, default=None, return_dtype=pl.String)
    return reports.with_columns(
        pl.when(pl.col("agency").is_null()).then(pl.col("agency_key")).otherwise(key).alias("agency_key")
    )


def _run_corpus_checks(out: Path, manifest: dict, notes: list[str]) -> tuple[pl.DataFrame | None, dict | None]:
    """(findings frame or None, an errors row when check_corpus itself failed)."""
    try:
        from .checks import check_corpus
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
    from .registry import RegistryError, read_registry

    try:
        return read_registry(path)
    except RegistryError as e:
        raise CorpusError(f"{e} (nothing was changed)") from e


def _run_registry(out: Path, manifest: dict, reg_file, aliases, notes: list[str]):
    """(registry frame, its findings, an errors row when it failed): gxlib.registry over the reports."""
    from types import SimpleNamespace

    from .registry import build_registry, rename_candidates, rename_findings, rollup_findings

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
    from .agency import load_aliases

    return load_aliases(aliases)


# --------------------------------------------------------------------------- executors


class _InlineExecutor(cf.Executor):
    """``workers=0``: parse in the building process (debugging; no isolation from crashes)."""

    def submit(self, fn, /, *args, **kwargs):
        f: cf.Future = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001
            f.set_exception(e)
        return f


def _new_pool(n: int) -> cf.ProcessPoolExecutor:
    # spawn, not fork: polars' thread pool does not survive fork (polars docs: multiprocessing)
    return cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, initargs=(budget.current(), os.getpid()))


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):
            p.kill()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- build


def build_corpus(
    sources: Sequence[str | os.PathLike] | str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    workers: int | None = None,
    dask_scheduler: str | None = None,
    executor: cf.Executor | None = None,
    timeout: float = 60.0,
    aliases: str | os.PathLike | Mapping | None = None,
    registry: str | os.PathLike | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    force: bool = False,
    reader: Callable[[str, bytes], Any] | None = None,
    repair: bool = False,
    limits: budget.Budget | None = None,
) -> BuildSummary:
    """Parse every report under ``sources`` into the Parquet corpus ``out_dir`` (see the module doc).

    ``workers``: local worker processes (default: CPU count; ``0`` parses in this process).
    ``dask_scheduler``: address of a Dask scheduler (``tcp://host:8786``); ``executor``: any
    :class:`concurrent.futures.Executor` (takes precedence).  ``timeout``: per-file limit in seconds.
    ``aliases``: an alias table (path for :func:`gxlib.agency.load_aliases`, or a mapping) applied to
    ``reports.agency_key``.  ``registry``: a registry file (CSV/Excel, :func:`gxlib.registry.read_registry`):
    its names fix keys across renames and its facts override the inference; a bad file raises
    :class:`CorpusError` before anything is written.  ``batch_size``: files per task (default: adaptive, 16–256).
    ``force``: reparse every file.  ``reader``: a picklable ``(source, data) -> Report`` replacing
    :func:`gxlib.read_report` (custom readers, tests).  ``repair``: verify every part in full and
    parse the files of damaged ones again (else a damaged part stops the build with its name).
    ``limits``: the per-file :class:`gxlib.budget.Budget` (default: :func:`gxlib.budget.current`;
    its ``timeout`` is replaced by ``timeout``).
    """
    t0 = time.perf_counter()
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    missing = [os.fspath(s) for s in sources if not os.path.exists(os.path.expanduser(os.fspath(s)))]
    if missing:  # a mistyped path must not read as "every file was removed" and empty the corpus
        raise CorpusError(f"source not found: {', '.join(missing)} (nothing was changed)")
    out = Path(os.path.abspath(os.path.expanduser(os.fspath(out_dir))))
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out} exists and is not a folder")
    if out.is_dir() and not (out / MANIFEST).exists():
        stray = [p.name for p in out.iterdir()
                 if p.name not in (LOCK, JOURNAL, "_state", *TABLES, CORPUS_FINDINGS, REGISTRY) and not recovery.is_own_temp(p.name)]
        if stray:
            raise CorpusError(f"{out} is not empty and is not a gxlib corpus (no {MANIFEST}); choose a new or empty folder")
    reg_file = _read_registry_file(registry)
    out.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary(out_dir=str(out))
    lock_fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        import fcntl

        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise CorpusError(f"another gx build is writing {out} (lock {out / LOCK})") from e
        with budget.using((limits or budget.current()).replace(timeout=timeout)):
            _build_locked(sources, out, summary, workers, dask_scheduler, executor, timeout, aliases, progress,
                          batch_size, force, reader, t0, repair, reg_file)
    finally:
        os.close(lock_fd)
    return summary


def _build_locked(sources, out, summary, workers, dask_scheduler, executor, timeout, aliases, progress,
                  batch_size, force, reader, t0, repair=False, reg_file=None) -> None:
    old = _read_manifest(out)
    if old is None:  # marks the folder as ours; "complete": False until the first build ends
        old = {**_empty_manifest(), "complete": False}
        _write_json(old, out / MANIFEST, point="first-manifest")
    same_version = old.get("parser_version") == PARSER_VERSION and not force
    damage = recovery.verify(out, old) if repair else recovery.quick_damage(out, old)
    if damage and same_version and not repair:
        raise CorpusError(f"{out}: damaged part(s): " + "; ".join(map(str, damage[:5]))
                          + " — run `gx build --repair` to rebuild them from the sources (nothing was changed)")
    if not same_version and old.get("files"):
        summary.notes.append(
            "reparsing everything: " + ("force=True" if force else f"parser version {old.get('parser_version')} → {PARSER_VERSION}")
        )
    parts: dict[str, dict] = dict(old.get("parts", {})) if same_version else {}
    files: dict[str, dict] = dict(old.get("files", {})) if same_version else {}
    if repair and damage:
        dropped = recovery.drop_damaged(damage, parts, files)
        summary.notes.append(f"repair: {len(damage)} damaged part(s) ({', '.join(d.path for d in damage[:5])}); "
                             f"the files of {len(dropped)} batch(es) parsed again")
    elif repair:
        summary.notes.append("repair: every part verified, none damaged")

    # resume: batches a killed build finished (parts on disk, journal written after them)
    jdir = out / JOURNAL
    if jdir.is_dir():
        for jp in sorted(jdir.glob("*.json")):
            try:
                j = json.loads(jp.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if j.get("parser_version") != PARSER_VERSION or force:
                continue
            try:
                if not all(recovery.confined(out, p).exists() for p in j["paths"].values()):
                    continue
            except recovery.UnsafePath:
                continue
            parts[j["id"]] = {"n_files": len(j["shas"]), "paths": j["paths"], "rows": j["rows"], "aliases": j.get("aliases")}
            for sha, e in j["files"].items():
                files[sha] = {**e, "part": j["id"], "resumed": True}

    keyfn, alias_digest, notes = _alias_keyfn(aliases, reg_file)
    summary.notes.extend(notes)

    # ---- scan
    scan_bar = _bar(progress, None, "scanning", "file")
    scanner = _Scanner(_read_sources(out, old), out, on_item=(lambda: scan_bar.update(1)) if scan_bar is not None else None)
    if dask_scheduler is not None or executor is not None:
        sources = [os.path.abspath(os.path.expanduser(os.fspath(s))) for s in sources]
    all_items = scanner.scan(sources)
    if scan_bar is not None:
        scan_bar.close()
    summary.skipped.update(scanner.skipped)
    seen: set[str] = set()
    items: list[_Item] = []
    for it in sorted(all_items, key=lambda i: i.source):
        if it.sha256 in seen:
            summary.skipped["duplicate content (same sha256 as another file)"] += 1
            continue
        seen.add(it.sha256)
        items.append(it)
    summary.found = len(items)

    todo: list[_Item] = []
    for it in items:
        e = files.get(it.sha256)
        if e is None or (e.get("status") == "failed" and e.get("stage") in RETRY_STAGES and not e.get("resumed")):
            todo.append(it)
        elif e.get("resumed"):
            summary.resumed += 1
            summary.unchanged += 1
        else:
            summary.unchanged += 1
    queued = {it.sha256 for it in todo}
    moved = {it.sha256: it.source for it in items
             if it.sha256 not in queued and files[it.sha256].get("source") != it.source}
    for e in files.values():
        e.pop("resumed", None)
    live = seen

    # ---- parse
    jdir.mkdir(exist_ok=True)
    if todo:
        _parse_all(todo, out, parts, files, summary, workers, dask_scheduler, executor, timeout, progress,
                   batch_size, reader, keyfn, alias_digest, scanner.meta)

    # ---- drop files no longer in the sources, and rows superseded by a reparse
    removed = [s for s in files if s not in live]
    for s in removed:
        del files[s]
    summary.removed = len(removed)
    _compact(out, parts, files)
    if moved:  # same content at a new path: the new path, without reparsing
        n = recovery.relocate(out, parts, files, moved, _write_parquet)
        if n:
            summary.notes.append(f"{n} file(s) moved (same content): their new path recorded")
    recovery.crash_point("compact")

    # ---- aliases: recompute agency_key of parts written with another alias table
    for pid, part in parts.items():
        rp = part["paths"].get("reports")
        if rp and part.get("aliases") != alias_digest:
            df = _apply_aliases(pl.read_parquet(out / rp), keyfn)
            new = f"reports/part-{pid}" + (f".a{alias_digest}" if alias_digest else "") + ".parquet"
            if new == rp:
                new = f"reports/part-{pid}.r{_batch_id([rp])[:6]}.parquet"
            _write_parquet(df, out / new)
            part["paths"]["reports"] = new
            part["aliases"] = alias_digest

    # ---- manifest (without corpus-scope parts) → corpus checks → final manifest
    manifest = _empty_manifest()
    manifest.update(parts=parts, files=files,
                    aliases={"digest": alias_digest, "source": None if aliases is None or isinstance(aliases, Mapping) else str(aliases)} if alias_digest else None)
    build_paths: dict[str, list[str]] = {}
    build_rows: dict[str, int] = {}
    cfind, cerr = _run_corpus_checks(out, manifest, summary.notes)
    reg_df, reg_find, reg_err = _run_registry(out, manifest, reg_file, aliases, summary.notes)
    if reg_find is not None and reg_find.height:
        cfind = reg_find if cfind is None else pl.concat([cfind, reg_find], how="vertical")
    if reg_df is not None and reg_df.height:
        name = f"{REGISTRY}/part-{hashlib.sha256(reg_df.write_ipc(None).getvalue()).hexdigest()[:16]}.parquet"
        _write_parquet(reg_df, out / name)
        build_paths[REGISTRY] = [name]
        build_rows[REGISTRY] = reg_df.height
    cerr = cerr or reg_err
    berrors = list(scanner.errors) + ([cerr] if cerr else [])
    if cfind is not None and cfind.height:
        name = f"{CORPUS_FINDINGS}/part-{hashlib.sha256(cfind.write_ipc(None).getvalue()).hexdigest()[:16]}.parquet"
        _write_parquet(cfind, out / name)
        build_paths[CORPUS_FINDINGS] = [name]
        build_rows[CORPUS_FINDINGS] = cfind.height
    if berrors:
        edf = frames.frame("errors", berrors)
        name = f"errors/part-build-{hashlib.sha256(edf.write_ipc(None).getvalue()).hexdigest()[:16]}.parquet"
        _write_parquet(edf, out / name)
        build_paths["errors"] = [name]
        build_rows["errors"] = edf.height
        for r in berrors:
            summary.failed[(r["stage"], r["error"])] += 1
    manifest["build"] = {"paths": build_paths, "rows": build_rows}
    from . import aggregates  # the dashboards' compact tables (aggregates/), from the tables just written
    manifest[aggregates.DIR] = aggregates.write_build(out, manifest, _lazy_tables(out, manifest), summary.notes)
    counts = {t: 0 for t in (*TABLES, CORPUS_FINDINGS, REGISTRY)}
    for part in parts.values():
        for t, n in part["rows"].items():
            counts[t] = counts.get(t, 0) + n
    for t, n in build_rows.items():
        counts[t] = counts.get(t, 0) + n
    st = Counter(e["status"] for e in files.values())
    counts["files_ok"], counts["files_failed"] = st.get("ok", 0), st.get("failed", 0)
    summary.counts = counts
    summary.quality = _reading_quality(out, manifest)
    summary.failed = +summary.failed
    summary.elapsed = time.perf_counter() - t0
    manifest["counts"] = counts
    manifest["last_build"] = summary.to_dict()
    manifest["updated"] = _now()
    _fsync_dir(out)
    _write_json(manifest, out / MANIFEST, point="manifest")
    _fsync_dir(out)
    recovery.crash_point("manifest-done")
    (out / "_state").mkdir(exist_ok=True)
    _write_json(scanner.new_cache, out / "_state" / "sources.json")
    _gc(out, manifest)
    summary.elapsed = time.perf_counter() - t0


def _bar(progress: bool, total: int | None, desc: str, unit: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, smoothing=0.05, leave=total is not None)


def _batches(todo: list[_Item], n_slots: int, batch_size: int | None) -> list[list[_Item]]:
    if batch_size is None:
        batch_size = max(16, min(256, -(-len(todo) // max(1, n_slots * 4))))
    return [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]


def _parse_all(todo, out, parts, files, summary, workers, dask_scheduler, executor, timeout, progress,
               batch_size, reader, keyfn, alias_digest, fetch_meta=None) -> None:
    client = None
    own = False  # True when `ex` is our own local process pool (recreated when it breaks)
    if executor is not None:
        ex = executor
        n_slots = getattr(executor, "_max_workers", None) or workers or os.cpu_count() or 1
        summary.executor = f"executor {type(executor).__name__}"
    elif dask_scheduler:
        from distributed import Client

        client = Client(dask_scheduler, timeout="30s")
        ex = client.get_executor()
        n_slots = max(1, sum(client.nthreads().values()))
        summary.executor = f"dask {dask_scheduler} ({n_slots} threads)"
    elif workers == 0:
        ex = _InlineExecutor()
        n_slots = 1
        summary.executor = "in-process"
    else:
        n_slots = workers or os.cpu_count() or 1
        ex, own = _new_pool(n_slots), True
        summary.executor = f"{n_slots} local process" + ("es" if n_slots > 1 else "")
    builder = os.getpid()
    suspect_pool: cf.ProcessPoolExecutor | None = None  # one process: a death there names its culprit
    main_q = _batches(todo, n_slots, batch_size)
    main_q.reverse()  # pop() from the end keeps source order
    suspect_q: list[list[_Item]] = []
    pending: dict[cf.Future, tuple[list[_Item], str, cf.Executor]] = {}
    max_inflight = max(2, n_slots * 2)
    bar = _bar(progress, len(todo), "gx build", "file")

    limits = budget.current()

    def args_of(batch: list[_Item]):
        return ([(i.source, i.path, i.member, i.sha256) for i in batch], timeout, reader, builder, limits)

    def submit_main(batch: list[_Item], kind: str) -> None:
        nonlocal ex, own
        try:
            fut = ex.submit(_parse_batch, *args_of(batch))
        except cf.BrokenExecutor:
            if not own:
                summary.notes.append(f"{summary.executor} broke; continued on a local process pool")
            ex, own = _new_pool(n_slots), True
            fut = ex.submit(_parse_batch, *args_of(batch))
        pending[fut] = (batch, kind, ex)

    try:
        while main_q or suspect_q or pending:
            n_main = sum(1 for _, k, _e in pending.values() if k == "main")
            n_susp = len(pending) - n_main
            while main_q and n_main < max_inflight:
                submit_main(main_q.pop(), "main")
                n_main += 1
            while suspect_q and (n_susp == 0 or not own):
                batch = suspect_q.pop()
                if own:
                    if suspect_pool is None:
                        suspect_pool = _new_pool(1)
                    pending[suspect_pool.submit(_parse_batch, *args_of(batch))] = (batch, "suspect", suspect_pool)
                else:
                    submit_main(batch, "suspect")
                n_susp += 1
            done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                batch, kind, where = pending.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - the worker, not a file, failed
                    if isinstance(e, cf.BrokenExecutor):
                        if where is ex and own:
                            _kill_pool(ex)
                            ex = _new_pool(n_slots)
                        elif where is suspect_pool:
                            _kill_pool(suspect_pool)
                            suspect_pool = None
                    if kind == "main" and own:
                        summary.retried_alone += len(batch)
                        suspect_q.append(batch)  # re-run as is, alone: a batch that only shared the pool passes
                    elif len(batch) > 1:
                        if kind == "main":
                            summary.retried_alone += len(batch)
                        mid = len(batch) // 2
                        suspect_q.extend([batch[mid:], batch[:mid]])
                    else:
                        _store_worker_death(out, batch[0], e, parts, files, summary)
                        if bar is not None:
                            bar.update(1)
                    continue
                if res.get("parser_version") != PARSER_VERSION:
                    raise CorpusError(
                        f"a worker runs gxlib {res.get('parser_version')} but this process runs {PARSER_VERSION}: "
                        "install the same gxlib on every worker"
                    )
                tables = {t: pl.read_ipc(b) for t, b in res["tables"].items()}
                if fetch_meta and "reports" in tables:
                    tables["reports"] = _with_fetch_meta(tables["reports"], fetch_meta)
                _store(out, _batch_id(res["files"]), tables, res["files"], parts, files, summary, keyfn, alias_digest)
                if bar is not None:
                    bar.update(len(batch))
                    bar.set_postfix(failed=summary.n_failed, refresh=False)
    finally:
        if bar is not None:
            bar.close()
        if own:
            ex.shutdown(wait=True, cancel_futures=True)
        if suspect_pool is not None:
            suspect_pool.shutdown(wait=True, cancel_futures=True)
        if client is not None:
            client.close()


def _store_worker_death(out: Path, it: _Item, e: BaseException, parts, files, summary) -> None:
    name = type(e).__name__
    row = _err(it.source, it.sha256, "worker", name,
               f"{it.source}: the worker process died while parsing this file alone "
               f"(crash, out of memory, or stuck past the hard time limit): {e}")
    entries = {it.sha256: {"status": "failed", "source": it.source, "stage": "worker", "error": name}}
    _store(out, _batch_id([it.sha256], extra="worker"), {"errors": frames.frame("errors", [row])}, entries,
           parts, files, summary, None, None)


def _store(out: Path, pid: str, tables: dict[str, pl.DataFrame], entries: dict[str, dict], parts: dict,
           files: dict, summary: BuildSummary, keyfn, alias_digest) -> None:
    """Write one batch's parts (atomically), then its journal entry; count its files."""
    paths: dict[str, str] = {}
    rows: dict[str, int] = {}
    for t, df in tables.items():
        if df.is_empty():
            continue
        if t == "reports":
            df = _apply_aliases(df, keyfn)
        name = f"{t}/part-{pid}" + (f".a{alias_digest}" if t == "reports" and alias_digest else "") + ".parquet"
        _write_parquet(df, out / name)
        paths[t] = name
        rows[t] = df.height
    for d in {Path(p).parent for p in paths.values()}:
        _fsync_dir(out / d)
    recovery.crash_point("part")
    shas = sorted(entries)
    part = {"n_files": len(shas), "paths": paths, "rows": rows, "aliases": alias_digest}
    _write_json(
        {"id": pid, "parser_version": PARSER_VERSION, "shas": shas, "paths": paths, "rows": rows, "files": entries,
         "aliases": alias_digest},
        out / JOURNAL / f"{pid}.json",
    )
    recovery.crash_point("journal")
    parts[pid] = part
    for sha, e in entries.items():
        files[sha] = {**e, "part": pid}
        summary.parsed += 1
        if e["status"] == "ok":
            summary.ok += 1
        else:
            summary.failed[(e["stage"], e["error"])] += 1


def _part_tables(part: dict) -> Iterable[tuple[str, str]]:
    """(table, relative path) of a part's files."""
    yield from part["paths"].items()


def _compact(out: Path, parts: dict, files: dict) -> None:
    """Rewrite parts holding rows of files that left the corpus (changed, removed, reparsed)."""
    owned_by: dict[str, list[str]] = {}
    for sha, e in files.items():
        owned_by.setdefault(e.get("part"), []).append(sha)
    for pid in list(parts):
        part = parts[pid]
        owned = owned_by.get(pid, [])
        if len(owned) == part.get("n_files", len(part.get("files", ()))):
            continue
        del parts[pid]
        if not owned:
            continue
        keep_sha = set(owned)
        keep_id = {s[:16] for s in owned}
        new_id = _batch_id(owned, extra="compacted")
        paths, rows = {}, {}
        for t, rel in part["paths"].items():
            df = pl.read_parquet(out / rel)
            df = df.filter(pl.col("sha256").is_in(keep_sha)) if t == "errors" else df.filter(pl.col("report_id").is_in(keep_id))
            if df.is_empty():
                continue
            suffix = rel.split(f"part-{pid}", 1)[1]
            name = f"{t}/part-{new_id}{suffix}"
            _write_parquet(df, out / name)
            paths[t] = name
            rows[t] = df.height
        parts[new_id] = {"n_files": len(owned), "paths": paths, "rows": rows, "aliases": part.get("aliases")}
        for s in owned:
            files[s]["part"] = new_id


def _gc(out: Path, manifest: dict) -> None:
    """Delete part files the manifest does not list, stray temp files and the journal."""
    live = {p for part in manifest["parts"].values() for p in part["paths"].values()}
    live |= {p for ps in manifest["build"]["paths"].values() for p in ps}
    for t in (*TABLES, CORPUS_FINDINGS, REGISTRY):
        d = out / t
        if not d.is_dir():
            continue
        for f in d.iterdir():
            rel = f"{t}/{f.name}"
            if (f.name.startswith("part-") and f.name.endswith(".parquet") and rel not in live) or (
                f.name.startswith(".") and f.name.endswith(".tmp")
            ):
                with contextlib.suppress(OSError):
                    f.unlink()
    j = out / JOURNAL
    if j.is_dir():
        for f in j.iterdir():
            if f.suffix in (".json", ".tmp"):
                with contextlib.suppress(OSError):
                    f.unlink()
        with contextlib.suppress(OSError):
            j.rmdir()
    for f in out.glob(f".{MANIFEST}.*.tmp"):
        with contextlib.suppress(OSError):
            f.unlink()


# --------------------------------------------------------------------------- load


def _lazy_tables(out: Path, manifest: dict, include_build: bool = True) -> dict[str, pl.LazyFrame]:
    paths: dict[str, list[str]] = {t: [] for t in (*TABLES, CORPUS_FINDINGS, REGISTRY)}
    for part in manifest.get("parts", {}).values():
        for t, rel in _part_tables(part):
            paths[t].append(rel)
    if include_build:
        for t, rels in manifest.get("build", {}).get("paths", {}).items():
            paths[t].extend(rels)
    lazy = {}
    for t, rels in paths.items():
        schema = frames.SCHEMAS["findings" if t == CORPUS_FINDINGS else t]
        if rels:
            # a part written before a column was added to the schema loads with the column null
            lazy[t] = pl.scan_parquet([str(out / r) for r in sorted(rels)], schema=schema, glob=False,
                                      missing_columns="insert")
        else:
            lazy[t] = pl.LazyFrame(schema=schema)
    return lazy


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


def load_corpus(path: str | os.PathLike) -> Corpus:
    """Open a corpus built by :func:`build_corpus`: lazy frames over the parts its manifest lists."""
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
    lz = _lazy_tables(out, m)
    findings = lz["findings"] if not m.get("build", {}).get("paths", {}).get(CORPUS_FINDINGS) else pl.concat(
        [lz["findings"], lz[CORPUS_FINDINGS]], how="vertical"
    )
    return Corpus(out, m, lz["reports"], lz["cells"], lz["narrative"], findings, lz["errors"], lz[CORPUS_FINDINGS],
                  lz[REGISTRY])


# --------------------------------------------------------------------------- CLI


def verify_corpus(path: str | os.PathLike) -> list[recovery.Damage]:
    """Every part of the corpus read in full (schema, rows against the manifest, readability)."""
    out = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    m = _read_manifest(out)
    if m is None:
        raise CorpusError(f"{out}: not a gxlib corpus (no {MANIFEST})")
    return recovery.verify(out, m)


def _main_verify(args) -> int:
    try:
        damage = verify_corpus(args.output)
    except CorpusError as e:
        print(f"gx build --verify: {e}", file=sys.stderr)
        return 2
    if not damage:
        print(f"gx build --verify: {args.output}: every part reads, with its schema and the manifest's row counts")
        return 0
    for d in damage:
        print(f"gx build --verify: damaged {d}", file=sys.stderr)
    print(f"gx build --verify: {len(damage)} damaged part(s); `gx build SRC... -o {args.output} --repair` rebuilds them "
          "from the sources", file=sys.stderr)
    return 1


def main(args) -> int:
    """``gx build``: 0 when the build completed (failed files are data), 2 when nothing could be read
    or the output folder is unusable; ``--verify``: 0 when every part is sound, 1 when one is damaged."""
    if getattr(args, "verify", False):
        return _main_verify(args)
    if not args.sources:
        print("gx build: give at least one source folder, file or zip", file=sys.stderr)
        return 2
    limits = budget.from_args(args)
    try:
        summary = build_corpus(
            args.sources,
            args.output,
            workers=getattr(args, "workers", None),
            dask_scheduler=getattr(args, "dask_scheduler", None),
            timeout=limits.timeout,
            aliases=getattr(args, "aliases", None),
            registry=getattr(args, "registry", None),
            progress=not getattr(args, "no_progress", False),
            repair=getattr(args, "repair", False),
            limits=limits,
        )
    except (CorpusError, OSError) as e:
        print(f"gx build: {e}", file=sys.stderr)
        return 2
    print(summary)
    if summary.found == 0:
        print("gx build: no report files found in the sources", file=sys.stderr)
        return 2
    if summary.counts.get("reports", 0) == 0:
        print("gx build: no file could be read as a report", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    from .cli import main as cli_main

    sys.exit(cli_main(["build", *sys.argv[1:]]))
