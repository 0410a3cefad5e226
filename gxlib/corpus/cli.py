"""``gx build`` command line."""

from __future__ import annotations

import sys

from .. import budget
from .build import (
    build_corpus,
)
from .layout import (
    CorpusError,
)
from .load import (
    verify_corpus,
)

# --------------------------------------------------------------------------- CLI


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
