"""Collect a government site's annual reports, politely, resumably, with proof of what was served.

    >>> from gxlib.fetch import fetch
    >>> s = fetch(["https://www.example.gov.cn/xxgk/ndbg/index.html"], "reports/", years=(2019, 2025))
    >>> print(s)                 # found / downloaded / skipped / failed with reasons

Command line: ``gx fetch URL... -o DIR [--years 2019-2025] [--max-pages N] [--delay S]
[--concurrency K] [--resume]``; then ``gx build DIR -o corpus/``.

Modules: :mod:`.client` (HTTP, cache, robots.txt, pacing, retries, limits), :mod:`.lists` (list
shapes and pagination), :mod:`.titles` (which titles are reports, and their year),
:mod:`.manifest` (the manifest), :mod:`.warc` (WARC records), :mod:`.crawl` (the walk).
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin

from .summary import FetchSummary

__all__ = ["fetch", "FetchSummary", "Options", "USER_AGENT"]



def __getattr__(name: str):
    # the HTTP stack is imported on first use, not by `gx parse` building its argument parser
    if name in ("Options", "USER_AGENT"):
        from . import client

        return getattr(client, name)
    raise AttributeError(name)


def fetch(
    urls: Sequence[str],
    out: str | os.PathLike,
    *,
    column: str | None = None,
    years: tuple[int, int] | None = None,
    max_pages: int = 200,
    delay: float = 1.0,
    concurrency: int = 2,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = 50 * 1024 * 1024,
    offsite: bool = False,
    allow_hosts: Sequence[str] = (),
    user_agent: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> FetchSummary:
    """Walk the column list pages ``urls`` (or ``urls`` joined with ``column``: a home page plus a
    column path), keep the annual reports of ``years`` (inclusive; titles without a year are kept and
    flagged) with their attachments in ``out``, with ``out/fetch-manifest.json`` and a WARC file.

    Without ``resume`` every known URL is asked again with its validators (a 304 costs nothing);
    with ``resume`` the documents an earlier (interrupted) run finished are not asked again."""
    from .client import USER_AGENT, Options
    from .crawl import Crawler, lock

    user_agent = user_agent or USER_AGENT

    starts = [urljoin(u, column) if column else u for u in urls]
    if not starts:
        raise ValueError("no URL to fetch")
    opts = Options(delay=delay, concurrency=concurrency, timeout=timeout, retries=retries, backoff=backoff,
                   max_bytes=max_bytes, offsite=offsite, allow_hosts=tuple(allow_hosts), user_agent=user_agent)
    outp = Path(out)
    outp.mkdir(parents=True, exist_ok=True)
    args = {"urls": starts, "years": list(years) if years else None, "max_pages": max_pages, "delay": delay,
            "concurrency": concurrency, "timeout": timeout, "retries": retries, "max_bytes": max_bytes,
            "offsite": offsite, "allow_hosts": list(allow_hosts), "resume": resume}
    fd = lock(outp)
    try:
        return Crawler(starts, outp, opts, years, max_pages, resume, progress, args).run()
    finally:
        os.close(fd)


class _CallableModule(types.ModuleType):
    """``gxlib.fetch(...)`` is :func:`fetch` (the package and its function share the name)."""

    def __call__(self, *args, **kwargs) -> FetchSummary:
        return fetch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
