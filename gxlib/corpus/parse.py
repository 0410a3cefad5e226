"""Executors and the parse loop: local process pool, Dask, inline; worker deaths isolated."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import socket
from pathlib import Path

import polars as pl

from .. import PARSER_VERSION, budget
from .layout import (
    CorpusError,
)
from .scan import (
    _Item,
    _with_fetch_meta,
)
from .store import _batch_id, _commit, _store, _store_worker_death, write_batch_parts
from .worker import (
    _init_worker,
    _parse_batch,
)

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


def _parse_and_write(items, timeout, reader, builder_pid, limits, out: str, meta: dict) -> dict:
    """On a cluster worker: parse a batch and write its parts straight into the corpus folder (shared
    storage).  Only metadata goes back to the client (part paths, row counts, file entries): no
    report-level frame crosses the network.  The parts carry no alias table (the build applies it
    afterwards, per part, like any alias change)."""
    res = _parse_batch(items, timeout, reader, builder_pid, limits, encode=False)
    tables = res.pop("tables")
    if res["parser_version"] == PARSER_VERSION and res["files"]:
        if meta and "reports" in tables:
            tables["reports"] = _with_fetch_meta(tables["reports"], meta)
        paths, rows = write_batch_parts(Path(out), _batch_id(res["files"]), tables)
        res["written"] = {"paths": paths, "rows": rows, "by": f"{socket.gethostname()}:{os.getpid()}"}
    return res


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
            if client is not None and not own:  # Dask: the worker writes its parts itself
                meta = {i.sha256: fetch_meta[i.sha256] for i in batch if fetch_meta and i.sha256 in fetch_meta}
                fut = ex.submit(_parse_and_write, *args_of(batch), str(out), meta)
            else:
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
                if "written" in res:
                    w = res["written"]
                    _commit(out, _batch_id(res["files"]), w["paths"], w["rows"], res["files"], parts, files,
                            summary, None, writer=w["by"])
                    if bar is not None:
                        bar.update(len(batch))
                    continue
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
