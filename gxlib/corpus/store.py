"""Files on disk: atomic writes, the manifest, batch parts and journal, compaction, clean-up."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from .. import PARSER_VERSION, frames, recovery
from .layout import (
    CORPUS_FINDINGS,
    FORMAT,
    FORMAT_VERSION,
    JOURNAL,
    MANIFEST,
    REGISTRY,
    TABLES,
    YEAR_TABLES,
    CorpusError,
    rels,
    year_dir,
)
from .scan import (
    _err,
    _Item,
)
from .summary import (
    BuildSummary,
)

# --------------------------------------------------------------------------- files on disk


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, write: Callable[[Path], None], point: str | None = None) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}{secrets.randbelow(10**6):06d}.tmp")  # unique across hosts
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
        "wide": None,
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


def _store_worker_death(out: Path, it: _Item, e: BaseException, parts, files, summary) -> None:
    name = type(e).__name__
    row = _err(it.source, it.sha256, "worker", name,
               f"{it.source}: the worker process died while parsing this file alone "
               f"(crash, out of memory, or stuck past the hard time limit): {e}")
    entries = {it.sha256: {"status": "failed", "source": it.source, "stage": "worker", "error": name}}
    _store(out, _batch_id([it.sha256], extra="worker"), {"errors": frames.frame("errors", [row])}, entries,
           parts, files, summary, None, None)


def write_batch_parts(out: Path, pid: str, tables: dict[str, pl.DataFrame], keyfn=None,
                      alias_digest: str | None = None) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Write one batch's tables as parts (atomically): the per-report tables split by report year
    (``<table>/year=<y>/part-<pid>.parquet``), ``errors`` in one file.  Runs in the building process
    or, on a cluster, in the worker itself (shared storage).  Returns (table → paths, table → rows)."""
    paths: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    years = _year_map(tables.get("reports"))
    for t, df in tables.items():
        if df.is_empty():
            continue
        if t == "reports":
            df = _apply_aliases(df, keyfn)
        name = f"part-{pid}" + (f".a{alias_digest}" if t == "reports" and alias_digest else "") + ".parquet"
        if t not in YEAR_TABLES:
            paths[t] = [f"{t}/{name}"]
            _write_parquet(df, out / paths[t][0])
        else:
            paths[t] = []
            for y, part in _split_by_year(df, t, years):
                rel = f"{t}/{year_dir(y)}/{name}"
                _write_parquet(part, out / rel)
                paths[t].append(rel)
        rows[t] = df.height
    for d in {Path(p).parent for ps in paths.values() for p in ps}:
        _fsync_dir(out / d)
    return paths, rows


def _year_map(reports: pl.DataFrame | None) -> dict[str, int | None]:
    if reports is None or reports.is_empty():
        return {}
    return dict(zip(reports["report_id"].to_list(), reports["year"].to_list()))


def _split_by_year(df: pl.DataFrame, table: str, years: dict[str, int | None]) -> list[tuple[int | None, pl.DataFrame]]:
    """(year, rows) of ``df``: its own ``year`` for reports, the report's year for the other tables
    (rows of a report not in the batch, which the parser never makes, land in the unknown year)."""
    y = pl.col("year") if table == "reports" else pl.col("report_id").replace_strict(
        years, default=None, return_dtype=pl.Int32)
    groups = df.with_columns(y.alias("__year")).partition_by("__year", as_dict=True, maintain_order=True,
                                                             include_key=False)
    return sorted(((k[0], g) for k, g in groups.items()), key=lambda kv: (kv[0] is None, kv[0] or 0))


def _store(out: Path, pid: str, tables: dict[str, pl.DataFrame], entries: dict[str, dict], parts: dict,
           files: dict, summary: BuildSummary, keyfn, alias_digest) -> None:
    """Write one batch's parts (atomically), then its journal entry; count its files."""
    paths, rows = write_batch_parts(out, pid, tables, keyfn, alias_digest)
    _commit(out, pid, paths, rows, entries, parts, files, summary, alias_digest)


def _commit(out: Path, pid: str, paths: dict[str, list[str]], rows: dict[str, int], entries: dict[str, dict],
            parts: dict, files: dict, summary: BuildSummary, alias_digest, writer: str | None = None) -> None:
    """A batch whose parts are on disk: its journal entry, then its files counted.  ``writer``:
    host:pid of the cluster worker that wrote the parts (None: this process)."""
    recovery.crash_point("part")
    shas = sorted(entries)
    part = {"n_files": len(shas), "paths": paths, "rows": rows, "aliases": alias_digest}
    if writer:
        part["writer"] = writer
    _write_json(
        {"id": pid, "parser_version": PARSER_VERSION, "shas": shas, "paths": paths, "rows": rows, "files": entries,
         "aliases": alias_digest, **({"writer": writer} if writer else {})},
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
    for t, v in part["paths"].items():
        for rel in rels(v):
            yield t, rel


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
        for t, rel in _part_tables(part):
            df = pl.read_parquet(out / rel)
            df = df.filter(pl.col("sha256").is_in(keep_sha)) if t == "errors" else df.filter(pl.col("report_id").is_in(keep_id))
            if df.is_empty():
                continue
            head, suffix = rel.split(f"part-{pid}", 1)  # keeps the year folder and the alias/moved tags
            name = f"{head}part-{new_id}{suffix}"
            _write_parquet(df, out / name)
            paths.setdefault(t, []).append(name)
            rows[t] = rows.get(t, 0) + df.height
        parts[new_id] = {"n_files": len(owned), "paths": paths, "rows": rows, "aliases": part.get("aliases")}
        for s in owned:
            files[s]["part"] = new_id


def _gc(out: Path, manifest: dict) -> None:
    """Delete part files the manifest does not list, stray temp files and the journal."""
    live = {rel for part in manifest["parts"].values() for _t, rel in _part_tables(part)}
    live |= {p for ps in manifest["build"]["paths"].values() for p in ps}
    for t in sorted({*TABLES, CORPUS_FINDINGS, REGISTRY, *manifest["build"]["paths"]}):
        d = out / t
        if not d.is_dir():
            continue
        for f in sorted(d.rglob("*"), reverse=True):  # files before their year folders
            rel = f.relative_to(out).as_posix()
            if f.is_dir():
                if f.name.startswith("year=") and not any(f.iterdir()):
                    with contextlib.suppress(OSError):
                        f.rmdir()
            elif (f.name.startswith("part-") and f.name.endswith(".parquet") and rel not in live) or (
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

def _apply_aliases(reports: pl.DataFrame, keyfn: Callable[[str], str] | None) -> pl.DataFrame:
    if keyfn is None or reports.is_empty():
        return reports
    names = reports["agency"].drop_nulls().unique().to_list()
    mapping = {n: keyfn(n) for n in names}
    key = pl.col("agency").replace_strict(mapping, default=None, return_dtype=pl.String)
    return reports.with_columns(
        pl.when(pl.col("agency").is_null()).then(pl.col("agency_key")).otherwise(key).alias("agency_key")
    )
