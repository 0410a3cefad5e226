"""What one build did: :class:`BuildSummary`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .. import PARSER_VERSION
from .layout import (
    CORPUS_FINDINGS,
    TABLES,
)

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
