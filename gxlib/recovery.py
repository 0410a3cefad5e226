"""Every build state has a way back: checks and repairs of a corpus folder (used by
:mod:`gxlib.corpus`).

* **Confinement.**  A manifest's part paths must be relative and stay inside the corpus folder
  (``../``, absolute paths and symlinks out are refused at load and build time): a crafted
  manifest cannot make a kernel open ``/etc/passwd``.
* **Quick check** (every load and build): each listed part exists and carries Parquet's magic at
  both ends — a truncated part is named, not a raw ``ComputeError`` later.
* **Verify** (``gx build --verify``): every part is read in full against its schema and the row
  count the manifest records; every file entry points at a live part.
* **Repair** (``gx build --repair``): the files of damaged parts are dropped from the manifest so
  the build parses them again from their sources.
* **Moved sources**: a file whose content (sha256) is in the corpus under another path gets its
  new path (``reports.source`` / ``errors.source`` rewritten) without being reparsed.
* **Stray files**: gxlib's own temp files (``.manifest.json.<pid>.tmp``, ``.part-….tmp``), the
  lock and the journal are recognised, so a build killed at its very first commit never locks
  the folder out.  The lock is ``flock``-based: the kernel releases it when its holder dies.
* **Crash hook** for tests: ``GX_CRASH_AT=<point>[:n]`` ends the building process with
  ``os._exit`` at the n-th time it reaches a named commit point (see :data:`CRASH_POINTS`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import polars as pl

from . import frames

CRASH_POINTS = (
    "first-manifest",  # the first build's empty manifest written to its temp file, not yet renamed
    "part",  # a batch's parts written, its journal entry not yet
    "journal",  # a batch's journal entry written
    "compact",  # parts rewritten (compaction, aliases, moved sources), manifest not yet
    "manifest",  # the final manifest written to its temp file, not yet renamed
    "manifest-done",  # the final manifest in place; the stat cache and clean-up not yet
)
_hits: dict[str, int] = {}
_OWN_TEMP = re.compile(r"^\.(manifest\.json|.+\.parquet|.+\.json)\.\d+\.tmp$")
MAGIC = b"PAR1"


def crash_point(name: str) -> None:
    """Test-only fault injection: ``GX_CRASH_AT=journal:2`` exits at the second journal entry."""
    want = os.environ.get("GX_CRASH_AT")
    if not want:
        return
    point, _, nth = want.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os._exit(137)


def is_own_temp(name: str) -> bool:
    return _OWN_TEMP.match(name) is not None


# --------------------------------------------------------------------------- confinement


class UnsafePath(ValueError):
    pass


def confined(out: Path, rel: str) -> Path:
    """``out / rel`` when ``rel`` is a plain relative path inside ``out``; else :class:`UnsafePath`."""
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise UnsafePath(f"part path {rel!r} is not a path")
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or re.match(r"^[A-Za-z]:", rel) or ".." in p.parts:
        raise UnsafePath(f"part path {rel!r} leaves the corpus folder")
    full = out / p
    real, root = os.path.realpath(full), os.path.realpath(out)
    if os.path.commonpath([real, root]) != root:
        raise UnsafePath(f"part path {rel!r} resolves outside the corpus folder ({real})")
    return full


def manifest_paths(m: dict) -> list[tuple[str, str, str]]:
    """(batch id or "build", table, relative path) of every part a manifest lists."""
    out = [(pid, t, rel) for pid, part in (m.get("parts") or {}).items()
           for t, v in (part.get("paths") or {}).items() for rel in _rels(v)]
    for t, rels in ((m.get("build") or {}).get("paths") or {}).items():
        out.extend(("build", t, rel) for rel in rels)
    return out


def _rels(v) -> list:
    """A part's paths for one table: a list (corpus format 2, one file per report year) or one path."""
    return [v] if isinstance(v, str) else list(v or [])


def check_confined(out: Path, m: dict) -> None:
    for _pid, _t, rel in manifest_paths(m):
        confined(out, rel)


# --------------------------------------------------------------------------- checks


@dataclass
class Damage:
    part: str  # batch id, or "build" for the corpus-wide parts
    table: str
    path: str  # relative to the corpus folder
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def quick_damage(out: Path, m: dict) -> list[Damage]:
    """Missing or truncated parts, from 8 bytes of each (cheap enough for every load)."""
    found = []
    for pid, t, rel in manifest_paths(m):
        p = out / rel
        try:
            size = p.stat().st_size
            with open(p, "rb") as f:
                head = f.read(4)
                f.seek(max(0, size - 4))
                tail = f.read(4)
        except OSError as e:
            found.append(Damage(pid, t, rel, f"missing or unreadable ({e.strerror or e})"))
            continue
        if size < 12 or head != MAGIC or tail != MAGIC:
            found.append(Damage(pid, t, rel, f"truncated or not Parquet ({size} bytes, no Parquet footer)"))
    return found


def verify(out: Path, m: dict) -> list[Damage]:
    """Read every part in full: schema, row count against the manifest, readability; and the
    manifest's own consistency (file entries pointing at parts that do not exist)."""
    found = []
    parts = m.get("parts") or {}
    build_rows = (m.get("build") or {}).get("rows") or {}
    seen: dict[tuple[str, str], int] = {}  # (batch, table) -> rows read, when every file of it read
    for pid, t, rel in manifest_paths(m):
        try:
            p = confined(out, rel)
        except UnsafePath as e:
            found.append(Damage(pid, t, rel, str(e)))
            continue
        want_schema = frames.SCHEMAS["findings" if t == "findings_corpus" else t]
        try:
            df = pl.read_parquet(p)
        except Exception as e:  # noqa: BLE001 - any failure to read is the damage we report
            found.append(Damage(pid, t, rel, f"unreadable ({type(e).__name__}: {str(e).splitlines()[0][:200]})"))
            continue
        if df.schema != want_schema:
            found.append(Damage(pid, t, rel, f"schema differs from frames.SCHEMAS[{t!r}]"))
            continue
        seen[(pid, t)] = seen.get((pid, t), 0) + df.height
        if pid == "build":
            want = build_rows.get(t) if len(m["build"]["paths"][t]) == 1 else None
            if want is not None and df.height != want:
                found.append(Damage(pid, t, rel, f"{df.height} rows, the manifest records {want}"))
    damaged = {(d.part, d.table) for d in found}
    for (pid, t), n in seen.items():  # a batch's rows of one table are spread over its year files
        want = parts[pid]["rows"].get(t) if pid != "build" else None
        if want is not None and n != want and (pid, t) not in damaged:
            names = ", ".join(_rels(parts[pid]["paths"][t]))  # one of them is short: the total says which batch
            found.append(Damage(pid, t, names, f"{n} rows, the manifest records {want}"))
    for sha, e in (m.get("files") or {}).items():
        if e.get("part") not in parts:
            found.append(Damage(e.get("part") or "?", "files", f"files/{sha[:16]}", f"{e.get('source')}: its part is not in the manifest"))
    return found


def drop_damaged(damage: list[Damage], parts: dict, files: dict) -> set[str]:
    """Forget the batches with damaged parts so the build parses their files again; the ids dropped."""
    bad = {d.part for d in damage if d.part in parts}
    for pid in bad:
        del parts[pid]
    for sha in [s for s, e in files.items() if e.get("part") in bad or e.get("part") not in parts]:
        del files[sha]
    return bad


# --------------------------------------------------------------------------- moved sources


def relocate(out: Path, parts: dict, files: dict, moved: dict[str, str], write) -> int:
    """Give files whose content is unchanged their new source path: rewrite ``source`` in the
    ``reports`` and ``errors`` parts holding them (new part files; the old ones are collected after
    the manifest).  ``write(df, path)`` writes a part atomically.  Returns the files relocated."""
    by_part: dict[str, dict[str, str]] = {}
    for sha, new in moved.items():
        e = files.get(sha)
        if e is not None and e.get("part") in parts:
            by_part.setdefault(e["part"], {})[sha] = new
    for pid, m in by_part.items():
        part = parts[pid]
        tag = hashlib.sha256(repr(sorted(m.items())).encode()).hexdigest()[:8]
        for t in ("reports", "errors"):
            names = []
            for rel in _rels(part["paths"].get(t)):
                df = pl.read_parquet(confined(out, rel))
                new_source = pl.col("sha256").replace_strict(m, default=pl.col("source"), return_dtype=pl.String)
                df = df.with_columns(new_source.alias("source"))
                name = re.sub(r"(\.m[0-9a-f]{8})?\.parquet$", f".m{tag}.parquet", rel)
                write(df, out / name)
                names.append(name)
            if names:
                part["paths"][t] = names
        for sha, new in m.items():
            files[sha]["source"] = new
    return sum(len(m) for m in by_part.values())
