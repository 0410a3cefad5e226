"""What the corpus-wide steps were computed from, so a build whose inputs did not change skips them.

A build records in ``manifest.json`` ``wide``: ``key`` (:func:`wide_key`: a digest of every live part
file's path, size and mtime, the alias table and registry file, and the gxlib code), the steps'
``paths``/``rows``/``errors``/``notes`` and the reading ``quality``.  The next build computes the
key again after parsing and compaction; when it matches and every listed file is still there, the
cross-year checks, registry and reading-quality sum are not run again and their files are not
rewritten ("corpus-wide steps skipped").  Part files are written once under content-derived names
and replaced atomically, so a part that changed (reparsed, compacted, re-aliased, repaired) has a
new name or a new mtime: the key can only say "unchanged" when the steps' inputs are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path

from .layout import rels

# presentation code: never an input of a corpus-wide table
_SKIP_DIRS = {"__pycache__", "_voila", "app", "demo", "fetch"}


@cache
def code_version() -> str:
    """A digest of every gxlib module that could change a corpus-wide table (conservative: all but
    presentation and fetching): another gxlib recomputes them."""
    h = hashlib.sha256()

    def walk(folder, prefix: str) -> None:
        for f in sorted(folder.iterdir(), key=lambda f: f.name):
            if f.is_dir() and f.name not in _SKIP_DIRS:
                walk(f, f"{prefix}{f.name}/")
            elif f.name.endswith((".py", ".tsv")):
                h.update(f"{prefix}{f.name}".encode() + b"\0" + f.read_bytes())

    walk(resources.files("gxlib"), "")
    return h.hexdigest()[:16]


def wide_key(out: Path, parts: dict, alias_digest: str | None, registry_sha: str | None) -> str | None:
    """The digest of the corpus-wide steps' inputs; None when a part file cannot be stat'ed."""
    h = hashlib.sha256(json.dumps([code_version(), alias_digest, registry_sha]).encode())
    for pid in sorted(parts):
        for t, v in sorted(parts[pid]["paths"].items()):
            for rel in rels(v):
                try:
                    st = (out / rel).stat()
                except OSError:
                    return None
                h.update(f"{pid}\0{t}\0{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def reusable(out: Path, prev: dict | None, key: str | None) -> bool:
    """The previous build's corpus-wide results stand: same inputs, every file still present."""
    from .. import recovery

    if not prev or key is None or prev.get("key") != key:
        return False
    try:  # the manifest's own paths were checked when it was read; these are checked here
        return all(recovery.confined(out, p).is_file() for ps in (prev.get("paths") or {}).values() for p in ps)
    except recovery.UnsafePath:
        return False


def file_sha(path) -> str | None:
    if path is None:
        return None
    h = hashlib.sha256()
    with open(os.path.expanduser(os.fspath(path)), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
