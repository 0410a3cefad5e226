"""Worker side: parse a batch of files under per-file time and memory limits."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import os
import signal
import sys
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from .. import PARSER_VERSION, budget, frames
from ..errors import GxError, ParseTimeout
from .layout import (
    TABLES,
    WARC_MEMBER,
)
from .scan import (
    _err,
)

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
    fired = {"yes": False}
    try:
        with _alarm_wins(fired):
            if threading.current_thread() is threading.main_thread():
                with _signal_alarm(seconds, fired):
                    yield
            else:
                with _async_alarm(seconds, tid, fired):
                    yield
    finally:
        if wd is not None:
            with wd.lock:
                wd.deadlines.pop(tid, None)


@contextlib.contextmanager
def _alarm_wins(fired: dict):
    """An alarm raised inside a C call can come out as another exception (ctypes turns it into
    ``ArgumentError``, a library may wrap it): once the limit has fired, any failure is the timeout."""
    try:
        yield
    except _Alarm:
        raise
    except Exception as e:
        if fired["yes"]:
            raise _Alarm() from e
        raise


@contextlib.contextmanager
def _signal_alarm(seconds: float, fired: dict):
    def on_alarm(signum, frame):
        fired["yes"] = True
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _async_alarm(seconds: float, tid: int, fired: dict):
    lock = threading.Lock()
    armed = {"yes": True}

    def fire():
        with lock:
            if armed["yes"]:
                fired["yes"] = True
                _set_async_exc(tid, _Alarm)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed["yes"] = False
            timer.cancel()
            if fired["yes"]:
                _clear_async_exc(tid, None)  # drop it if it has not been raised yet


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
    from ..readers import read_document
    from ..report import build_report

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
    return getattr(e, "__gx_stage__", None) or "extract"  # gxlib.checks tags what its rules raise


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
    encode: bool = True,
) -> dict:
    """Parse a batch of files in a worker: {"tables": {name: IPC bytes}, "files": {sha: entry}}
    (``encode=False``: frames, for a worker that writes its own parts).

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
                    from ..fetch.warc import read_member

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
    tables = {t: _batch_frame(t, parts) for t, parts in out.items() if parts}
    if encode:
        tables = {t: _to_ipc(df) for t, df in tables.items()}
    return {
        "tables": tables,
        "files": entries,
        "parser_version": PARSER_VERSION,
        "pid": os.getpid(),
        "seconds": time.perf_counter() - t0,
    }
