"""``gx fetch URL... -o DIR``: the command line of :func:`gxlib.fetch.fetch`.

Exit 0 when every report found was kept, 1 when some failed (see the summary and the manifest's
``fetch_errors``), 2 when the arguments are wrong or DIR is being written by another fetch.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    sf = sub.add_parser("fetch", help="collect a site's annual reports (politely, resumably, with a WARC record)")
    sf.add_argument("urls", nargs="+", metavar="URL", help="column list pages (or a home page with --column)")
    sf.add_argument("-o", "--output", required=True, help="folder for the files, the manifest and the WARC")
    sf.add_argument("--column", default=None, help="column path joined to each URL (e.g. /xxgk/ndbg/index.html)")
    sf.add_argument("--years", default=None, help="report years to keep, e.g. 2019-2025 (titles without a year are kept)")
    sf.add_argument("--max-pages", type=int, default=200, help="list pages per start URL (default 200)")
    sf.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host (default 1)")
    sf.add_argument("--concurrency", type=int, default=2, help="requests at once to one host (default 2)")
    sf.add_argument("--timeout", type=float, default=30.0, help="seconds per request attempt (default 30)")
    sf.add_argument("--retries", type=int, default=3, help="retries after a 5xx, timeout or connection error")
    sf.add_argument("--backoff", type=float, default=1.0, help="first retry wait in seconds, doubling (default 1)")
    sf.add_argument("--max-size", type=float, default=50.0, help="largest file in MB (default 50)")
    sf.add_argument("--allow-host", action="append", default=[], help="another host whose links may be followed")
    sf.add_argument("--offsite", action="store_true", help="follow links to any host")
    sf.add_argument("--user-agent", default=None, help="User-Agent (default names gxlib and its purpose)")
    sf.add_argument("--resume", action="store_true", help="do not ask again for documents an earlier run finished")
    sf.add_argument("--json", action="store_true", help="print the summary as JSON")
    sf.add_argument("--no-progress", action="store_true")
    sf.set_defaults(func=main)
    return sf


def _years(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    a, _, b = text.partition("-")
    return int(a), int(b or a)


def main(args: argparse.Namespace) -> int:
    from . import fetch

    try:
        years = _years(args.years)
    except ValueError:
        print(f"--years: expected e.g. 2019-2025, got {args.years!r}", file=sys.stderr)
        return 2
    try:
        s = fetch(args.urls, args.output, column=args.column, years=years, max_pages=args.max_pages,
                  delay=args.delay, concurrency=args.concurrency, timeout=args.timeout, retries=args.retries,
                  backoff=args.backoff, max_bytes=int(args.max_size * 1024 * 1024), offsite=args.offsite,
                  allow_hosts=args.allow_host, user_agent=args.user_agent, resume=args.resume,
                  progress=not args.no_progress)
    except (RuntimeError, ValueError) as e:
        print(f"gx fetch: {e}", file=sys.stderr)
        return 2
    print(json.dumps(s.to_dict(), ensure_ascii=False, indent=1) if args.json else s)
    return 1 if s.n_failed else 0
