"""What one ``gx fetch`` did: ``print(summary)`` for people, ``to_dict()`` for the manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FetchSummary:
    out_dir: str
    pages: int = 0  # list pages requested
    found: int = 0  # report entries selected from the lists
    reports: int = 0  # article pages kept
    attachments: int = 0  # attachments kept (and reports listed as a file)
    downloaded: int = 0  # files written this run (new, or a new version)
    new_versions: int = 0  # of which: a document whose content changed since the last fetch
    unchanged: int = 0  # documents fetched again with the same content
    resumed: int = 0  # documents finished by an earlier run, not requested again (--resume)
    requests: int = 0
    cache_hits: int = 0  # answers served by the HTTP cache (304 Not Modified)
    downloaded_bytes: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    failed: Counter = field(default_factory=Counter)  # reason -> count
    fetch_errors: int = 0
    warc: str = ""
    notes: set = field(default_factory=set)

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    def to_dict(self) -> dict:
        return {
            "out_dir": self.out_dir, "pages": self.pages, "found": self.found, "reports": self.reports,
            "attachments": self.attachments, "downloaded": self.downloaded, "new_versions": self.new_versions,
            "unchanged": self.unchanged, "resumed": self.resumed, "requests": self.requests,
            "cache_hits": self.cache_hits, "downloaded_bytes": self.downloaded_bytes,
            "skipped": dict(sorted(self.skipped.items())), "failed": dict(sorted(self.failed.items())),
            "fetch_errors": self.fetch_errors, "warc": self.warc, "notes": sorted(self.notes),
        }

    def __str__(self) -> str:
        lines = [
            f"gx fetch → {self.out_dir}",
            f"  list pages  {self.pages}",
            f"  found       {self.found} reports ({self.reports} article pages, {self.attachments} attachments kept)",
            f"  downloaded  {self.downloaded} files ({self.new_versions} new versions of changed documents), "
            f"{self.downloaded_bytes} bytes",
            f"  unchanged   {self.unchanged}" + (f"   resumed {self.resumed}" if self.resumed else ""),
            f"  requests    {self.requests} ({self.cache_hits} cache hits: 304 Not Modified)",
        ]
        for name, c in (("skipped", self.skipped), ("failed", self.failed)):
            if c:
                lines.append(f"  {name:<11} {sum(c.values())} (reason):")
                lines.extend(f"    {n:>5}  {r}" for r, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            else:
                lines.append(f"  {name:<11} 0")
        lines.append(f"  WARC        {self.warc}")
        lines.extend(f"  note: {n}" for n in sorted(self.notes))
        return "\n".join(lines)
