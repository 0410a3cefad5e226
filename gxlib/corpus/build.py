"""``build_corpus``: scan, parse, compact, corpus-wide steps, manifest."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from .. import PARSER_VERSION, budget, frames, recovery
from .layout import (
    CORPUS_FINDINGS,
    FORMAT_VERSION,
    JOURNAL,
    LOCK,
    MANIFEST,
    REGISTRY,
    RETRY_STAGES,
    TABLES,
    CorpusError,
    rels,
)
from .parse import (
    _bar,
    _parse_all,
)
from .scan import (
    _Item,
    _Scanner,
)
from .store import (
    _apply_aliases,
    _batch_id,
    _compact,
    _empty_manifest,
    _fsync_dir,
    _gc,
    _now,
    _read_manifest,
    _read_sources,
    _write_json,
    _write_parquet,
)
from . import state
from .summary import (
    BuildSummary,
)
from .load import _lazy_tables
from .wide import (
    _alias_keyfn,
    _read_registry_file,
    Wide,
    reading_quality,
    run_steps,
)

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
    reg_sha = state.file_sha(registry)
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
                          batch_size, force, reader, t0, repair, reg_file, reg_sha)
    finally:
        os.close(lock_fd)
    return summary


def _build_locked(sources, out, summary, workers, dask_scheduler, executor, timeout, aliases, progress,
                  batch_size, force, reader, t0, repair=False, reg_file=None, reg_sha=None) -> None:
    old = _read_manifest(out)
    if old is None:  # marks the folder as ours; "complete": False until the first build ends
        old = {**_empty_manifest(), "complete": False}
        _write_json(old, out / MANIFEST, point="first-manifest")
    old_layout = int(old.get("format_version", 1)) < FORMAT_VERSION  # an older layout: written again in this one
    same_version = old.get("parser_version") == PARSER_VERSION and not force and not old_layout
    damage = recovery.verify(out, old) if repair else recovery.quick_damage(out, old)
    if damage and same_version and not repair:
        raise CorpusError(f"{out}: damaged part(s): " + "; ".join(map(str, damage[:5]))
                          + " — run `gx build --repair` to rebuild them from the sources (nothing was changed)")
    if not same_version and old.get("files"):
        summary.notes.append(
            "reparsing everything: " + ("force=True" if force else f"corpus format {old.get('format_version', 1)} → "
                                        f"{FORMAT_VERSION} (partitioned by year)" if old_layout
                                        else f"parser version {old.get('parser_version')} → {PARSER_VERSION}")
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
                if not all(recovery.confined(out, p).exists() for v in j["paths"].values() for p in rels(v)):
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
        rps = rels(part["paths"].get("reports"))
        if rps and part.get("aliases") != alias_digest:
            names = []
            for rp in rps:
                df = _apply_aliases(pl.read_parquet(out / rp), keyfn)
                head = rp.rsplit("/", 1)[0]
                new = f"{head}/part-{pid}" + (f".a{alias_digest}" if alias_digest else "") + ".parquet"
                if new == rp:
                    new = f"{head}/part-{pid}.r{_batch_id([rp])[:6]}.parquet"
                _write_parquet(df, out / new)
                names.append(new)
            part["paths"]["reports"] = names
            part["aliases"] = alias_digest

    # ---- manifest (without corpus-scope parts) → corpus checks → final manifest
    manifest = _empty_manifest()
    manifest.update(parts=parts, files=files,
                    aliases={"digest": alias_digest, "source": None if aliases is None or isinstance(aliases, Mapping) else str(aliases)} if alias_digest else None)
    # ---- corpus-wide steps (gxlib.corpus.wide.STEPS) over the parts just listed, unless their
    # inputs are those of the previous build (gxlib.corpus.state)
    key = None if repair else state.wide_key(out, parts, alias_digest, reg_sha)
    prev = old.get("wide") if same_version else None
    if state.reusable(out, prev, key):
        wide_state = prev
        summary.notes.extend(prev.get("notes") or [])
        summary.notes.append("corpus-wide steps skipped (cross-year checks, registry, aggregates): "
                             "their inputs are unchanged")
    else:
        n0 = len(summary.notes)
        wide = run_steps(Wide(out, manifest, summary.notes, reg_file=reg_file, aliases=aliases, rewrite=repair))
        # a failed step is tried again next time (its failure may be transient: memory, a killed worker)
        wide_state = {"key": None if wide.errors else key, "paths": wide.paths, "rows": wide.rows, "errors": wide.errors,
                      "notes": summary.notes[n0:], "quality": reading_quality(out, manifest)}
    manifest["wide"] = wide_state
    build_paths = {t: list(ps) for t, ps in wide_state["paths"].items()}
    build_rows = dict(wide_state["rows"])
    berrors = list(scanner.errors) + list(wide_state["errors"])
    if berrors:
        edf = frames.frame("errors", berrors)
        name = f"errors/part-build-{hashlib.sha256(edf.write_ipc(None).getvalue()).hexdigest()[:16]}.parquet"
        if repair or not (out / name).is_file():  # named by its content: present means written
            _write_parquet(edf, out / name)
        build_paths["errors"] = [name]
        build_rows["errors"] = edf.height
        for r in berrors:
            summary.failed[(r["stage"], r["error"])] += 1
    manifest["build"] = {"paths": build_paths, "rows": build_rows}
    from .. import aggregates  # the dashboards' compact tables (aggregates/), from the tables just written

    wkey = wide_state["key"]  # None after a failed step: the aggregates are then recomputed next time too
    agg = aggregates.unchanged(out, old.get(aggregates.DIR) if same_version else None, wkey)
    manifest[aggregates.DIR] = agg if agg is not None else aggregates.write_build(
        out, manifest, _lazy_tables(out, manifest), summary.notes, inputs=wkey)
    counts = {t: 0 for t in (*TABLES, CORPUS_FINDINGS, REGISTRY)}
    for part in parts.values():
        for t, n in part["rows"].items():
            counts[t] = counts.get(t, 0) + n
    for t, n in build_rows.items():
        counts[t] = counts.get(t, 0) + n
    st = Counter(e["status"] for e in files.values())
    counts["files_ok"], counts["files_failed"] = st.get("ok", 0), st.get("failed", 0)
    summary.counts = counts
    summary.quality = dict(wide_state["quality"])
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
