"""Polite HTTP for ``gx fetch``: cache, robots.txt, per-host pacing, retries, limits, WARC.

* **httpx** does the HTTP (one pooled, thread-safe client; redirects followed here, one hop at a
  time, so that each hop is checked: only ``http``/``https``, only on the allowed hosts, no loop).
* **hishel** (2.x, RFC 9111 mode, SQLite storage in ``DIR/.gx-fetch/http-cache.sqlite``) keeps every
  response with its validators; each request says ``Cache-Control: no-cache``, so a stored page is
  always revalidated with ``If-None-Match`` / ``If-Modified-Since`` and a 304 costs no download
  (counted as a cache hit).
* **protego** reads robots.txt (Google's semantics: ``Allow``/``Disallow`` wildcards, ``Crawl-delay``,
  which raises the per-host delay).  robots.txt 4xx → everything allowed; 5xx or no answer → the
  host is treated as disallowed (what the major crawlers do).
* **tenacity** retries 5xx answers, timeouts and connection errors with exponential backoff.
* A per-host gate: at most ``concurrency`` requests at once and request starts at least ``delay``
  seconds apart.  A file over ``max_bytes`` is cut off (``Content-Length`` first, else while
  streaming) and recorded as failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import hishel
import httpx
from hishel.httpx import CacheTransport
from protego import Protego
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from .warc import Warc, WarcRef, payload_digest

USER_AGENT = "gxlib-fetch/0.1 (+https://pypi.org/project/gxlib/; collects government information-disclosure annual reports for research; obeys robots.txt)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class Options:
    delay: float = 1.0  # seconds between request starts on one host
    concurrency: int = 2  # requests at once on one host
    timeout: float = 30.0  # seconds (connect, read) per attempt
    retries: int = 3  # further attempts after a 5xx / timeout / connection error
    backoff: float = 1.0  # first wait before a retry, doubling
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    offsite: bool = False  # follow links to other hosts
    allow_hosts: tuple[str, ...] = ()  # hosts allowed besides the start URLs'


@dataclass
class Result:
    url: str
    final_url: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    from_cache: bool = False  # the body was the cached one (304, or fresh in the cache)
    error: str | None = None  # reason it failed, for the manifest's fetch_errors
    stage: str | None = None  # robots | off-site | http | timeout | too-large | redirect | connection
    attempts: int = 0
    warc: WarcRef | None = None
    fetched_at: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


class _Retry(Exception):
    def __init__(self, result: Result):
        self.result = result


class _Gate:
    """Per-host concurrency and pacing."""

    def __init__(self, delay: float, concurrency: int):
        self.delay = delay
        self.sem = threading.Semaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next = 0.0

    @contextlib.contextmanager
    def slot(self):
        with self.sem:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next)
                self.next = start + self.delay
            if start > now:
                time.sleep(start - now)
            yield


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Client:
    def __init__(self, opts: Options, state_dir: Path, warc: Warc | None, start_urls: list[str]):
        self.opts = opts
        self.warc = warc
        self.hosts = {urlsplit(u).netloc.lower() for u in start_urls} | {h.lower() for h in opts.allow_hosts}
        state_dir.mkdir(parents=True, exist_ok=True)
        self.storage = hishel.SqliteStorage(database_path=state_dir / "http-cache.sqlite")
        transport = CacheTransport(httpx.HTTPTransport(retries=0), storage=self.storage, rfc=True)
        self.http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(opts.timeout),
            follow_redirects=False,
            headers={"User-Agent": opts.user_agent, "Accept-Encoding": "identity", "Cache-Control": "no-cache"},
        )
        self._gates: dict[str, _Gate] = {}
        self._robots: dict[str, Protego | None] = {}
        self._lock = threading.Lock()
        self.robots_errors: list[dict] = []
        self.stats = {"requests": 0, "cache_hits": 0, "downloaded_bytes": 0}

    def close(self) -> None:
        self.http.close()

    # ---------------------------------------------------------------- policy

    def allowed(self, url: str) -> str | None:
        """None when ``url`` may be fetched, else why not (scheme, off-site, robots.txt)."""
        p = urlsplit(url)
        if p.scheme not in ("http", "https"):
            return f"not http(s): {p.scheme}"
        if not self.opts.offsite and p.netloc.lower() not in self.hosts:
            return "off-site (use --allow-host or --offsite)"
        rp = self._robots_for(p.scheme, p.netloc.lower())
        if rp is False:
            return "robots.txt could not be read: host treated as disallowed"
        if rp is not None and not rp.can_fetch(url, self.opts.user_agent):
            return "disallowed by robots.txt"
        return None

    def _gate(self, host: str) -> _Gate:
        with self._lock:
            g = self._gates.get(host)
            if g is None:
                g = self._gates[host] = _Gate(self.opts.delay, self.opts.concurrency)
            return g

    def _robots_for(self, scheme: str, host: str):
        with self._lock:
            if host in self._robots:
                return self._robots[host]
        url = f"{scheme}://{host}/robots.txt"
        r = self._get(url)
        if r.status is not None and 200 <= r.status < 300:
            rp = Protego.parse(r.body.decode("utf-8", "replace"))
            cd = rp.crawl_delay(self.opts.user_agent)
            if cd:
                self._gate(host).delay = max(self._gate(host).delay, float(cd))
        elif r.status is not None and 400 <= r.status < 500:
            rp = None
        else:
            rp = False
            self.robots_errors.append({"url": url, "stage": "robots", "error": r.error or f"HTTP {r.status}",
                                       "at": r.fetched_at})
        with self._lock:
            self._robots[host] = rp
        return rp

    # ---------------------------------------------------------------- fetching

    def get(self, url: str) -> Result:
        """GET ``url`` with every rule applied; never raises for a network or HTTP failure."""
        why = self.allowed(url)
        if why is not None:
            stage = "robots" if "robots" in why else "off-site"
            return Result(url, url, error=why, stage=stage, fetched_at=_now())
        seen = [url]
        cur = url
        while True:
            r = self._get(cur)
            if r.status not in REDIRECTS or r.error:
                r.url, r.final_url = url, cur
                return r
            loc = r.header("location")
            nxt = urljoin(cur, loc) if loc else None
            problem = None
            if nxt is None:
                problem = "redirect without Location"
            elif urlsplit(nxt).scheme not in ("http", "https"):
                problem = f"redirect to a non-http(s) URL refused: {nxt}"
            elif nxt in seen:
                problem = f"redirect loop: {' → '.join(seen + [nxt])}"
            elif len(seen) > self.opts.max_redirects:
                problem = f"more than {self.opts.max_redirects} redirects"
            else:
                why = self.allowed(nxt)
                if why is not None:
                    problem = f"redirect to {nxt} refused: {why}"
            if problem:
                return Result(url, cur, status=r.status, headers=r.headers, error=problem, stage="redirect",
                              attempts=r.attempts, warc=r.warc, fetched_at=r.fetched_at)
            seen.append(nxt)
            cur = nxt

    def _get(self, url: str) -> Result:
        """One URL, no redirect handling, with retries."""
        retrying = Retrying(
            stop=stop_after_attempt(self.opts.retries + 1),
            wait=wait_exponential(multiplier=self.opts.backoff, max=60),
            retry=retry_if_exception_type(_Retry),
            reraise=True,
        )
        n = 0
        try:
            for attempt in retrying:
                with attempt:
                    n += 1
                    r = self._once(url)
                    r.attempts = n
                    if r.stage in ("timeout", "connection") or (r.status is not None and r.status >= 500):
                        raise _Retry(r)
        except _Retry as e:
            r = e.result
            if r.error is None:
                r.error = f"HTTP {r.status} after {n} attempt{'s' if n > 1 else ''}"
                r.stage = "http"
            else:
                r.error += f" (after {n} attempt{'s' if n > 1 else ''})"
            return r
        if r.error is None and r.status is not None and r.status >= 400:
            r.error, r.stage = f"HTTP {r.status}", "http"
        return r

    def _once(self, url: str) -> Result:
        host = urlsplit(url).netloc.lower()
        res = Result(url, url)
        with self._gate(host).slot():
            res.fetched_at = _now()
            self.stats["requests"] += 1
            try:
                with self.http.stream("GET", url) as resp:
                    res.status = resp.status_code
                    res.headers = list(resp.headers.items())
                    caching = resp.extensions.get("caching") or {}
                    res.from_cache = bool(caching.get("from_cache"))
                    body, cut = self._read(resp)
                    res.body = body
            except httpx.TimeoutException as e:
                res.error, res.stage = f"timeout after {self.opts.timeout:g}s ({type(e).__name__})", "timeout"
                return res
            except httpx.HTTPError as e:
                res.error, res.stage = f"{type(e).__name__}: {e}", "connection"
                return res
        if cut:
            res.error, res.stage = f"larger than the limit of {self.opts.max_bytes} bytes", "too-large"
        if res.from_cache:
            self.stats["cache_hits"] += 1
        else:
            self.stats["downloaded_bytes"] += len(res.body)
        self._record(res, revalidated=bool(caching.get("revalidated")), truncated=cut)
        return res

    def _read(self, resp: httpx.Response) -> tuple[bytes, bool]:
        limit = self.opts.max_bytes
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return b"", True
        chunks, n = [], 0
        for chunk in resp.iter_bytes():
            n += len(chunk)
            if n > limit:
                return b"".join(chunks), True
            chunks.append(chunk)
        return b"".join(chunks), False

    def _record(self, res: Result, revalidated: bool, truncated: bool) -> None:
        if self.warc is None:
            return
        if res.from_cache:
            if revalidated:  # the server answered 304; the body is the earlier capture's
                res.warc = self.warc.revisit(res.url, payload_digest(res.body), res.header("date") or res.fetched_at,
                                             res.headers)
            return
        reason = httpx.codes.get_reason_phrase(res.status or 0)
        res.warc = self.warc.response(res.url, res.status or 0, reason, res.headers, res.body, truncated=truncated)
