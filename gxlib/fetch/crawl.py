"""The walk: a column's list pages → its report entries → article pages → attachments.

Every file is written to ``DIR/files/<host>/<path>`` and recorded in the manifest as soon as it
is fetched; list pages are kept in the WARC only.
"""

from __future__ import annotations

import concurrent.futures as cf
import fcntl
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from . import lists, titles
from .client import USER_AGENT, Client, Options, Result
from .manifest import Manifest, local_path
from .summary import FetchSummary
from .warc import Warc

ATTACH_EXTS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".txt")
BUILD_EXTS = (".pdf", ".doc", ".docx", ".wps", ".txt")  # what gx build reads
STATE = ".gx-fetch"
_MAYBE = re.compile(r"信息公开|政务公开|年报|年度")


@dataclass
class _Candidate:
    url: str
    title: str
    date: str | None
    column: str | None
    list_url: str
    columns: list[str] = field(default_factory=list)


def _ext(url: str) -> str:
    """The attachment extension of a URL: of its path, else of a ``filename=…`` query value."""
    p = urlsplit(url)
    for part in (p.path, *p.query.split("&")):
        low = part.lower()
        for e in ATTACH_EXTS:
            if low.endswith(e):
                return e
    return ""


def _is_html(r: Result) -> bool:
    ct = (r.header("content-type") or "").lower()
    return "html" in ct or (not ct and r.body.lstrip()[:1] == b"<")


def _decode(r: Result) -> str:
    """The page's text: the declared charset (header, then meta), else UTF-8, else GB18030 (GBK pages
    often declare nothing)."""
    ct = r.header("content-type") or ""
    m = re.search(r"charset=([\w-]+)", ct, re.I) or re.search(rb"charset=[\"']?([\w-]+)", r.body[:2048], re.I)
    if m:
        enc = m.group(1)
        enc = enc.decode() if isinstance(enc, bytes) else enc
        enc = "gb18030" if enc.lower() in ("gbk", "gb2312") else enc
        try:
            return r.body.decode(enc, "replace")
        except LookupError:
            pass
    try:
        return r.body.decode("utf-8")
    except UnicodeDecodeError:
        return r.body.decode("gb18030", "replace")


def _meta(root, name: str) -> str | None:
    m = root.xpath(f'//meta[translate(@name,"ABCDEFGHIJKLMNOPQRSTUVWXYZ","abcdefghijklmnopqrstuvwxyz")="{name.lower()}"]/@content')
    return m[0].strip() if m and m[0].strip() else None


def _has_report_table(root) -> bool:
    """The page itself prints the report's statistics tables (表三's rows)."""
    for t in root.iter("table"):
        text = t.text_content()
        if "申请" in text and ("自然人" in text or "收到" in text or "结果" in text):
            return True
    return False


class Crawler:
    def __init__(self, urls: list[str], out: Path, opts: Options, years: tuple[int, int] | None,
                 max_pages: int, resume: bool, progress: bool, args: dict):
        self.urls = urls
        self.out = out
        self.opts = opts
        self.years = years
        self.max_pages = max_pages
        self.resume = resume
        self.progress = progress
        self.manifest = Manifest(out, args)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        info = {"software": "gxlib fetch", "format": "WARC File Format 1.1", "http-header-user-agent": opts.user_agent,
                "robots": "obey", "description": "gx fetch " + " ".join(urls)}
        self.warc = Warc(out / "warc" / f"gx-fetch-{stamp}-{os.getpid()}.warc.gz", info)
        self.client = Client(opts, out / STATE, self.warc, urls)
        self.summary = FetchSummary(str(out))
        self.bar = None
        self._count_lock = threading.Lock()
        self._attached: set[str] = set()

    def _inc(self, name: str, n=1, key: str | None = None) -> None:
        """Count under a lock: documents are handled on several threads."""
        with self._count_lock:
            if key is None:
                setattr(self.summary, name, getattr(self.summary, name) + int(n))
            else:
                getattr(self.summary, name)[key] += int(n)

    # ---------------------------------------------------------------- run

    def run(self) -> FetchSummary:
        try:
            self._bar()
            cands = self._walk_lists()
            reports = self._select(cands)
            self.summary.found = len(reports)
            if self.bar is not None:  # from here the bar counts documents
                self.bar.reset(total=len(reports))
                self._post()
            with cf.ThreadPoolExecutor(max_workers=max(1, self.opts.concurrency)) as ex:
                for _ in ex.map(self._document, reports):
                    if self.bar is not None:
                        self.bar.update(1)
        finally:
            if self.bar is not None:
                self.bar.close()
            self.client.close()
            self.warc.close()
        for e in self.client.robots_errors:
            self.manifest.error(e["url"], e["stage"], e["error"], e["at"])
        s = self.summary
        s.requests, s.cache_hits = self.client.stats["requests"], self.client.stats["cache_hits"]
        s.downloaded_bytes = self.client.stats["downloaded_bytes"]
        s.warc = str(self.warc.path.relative_to(self.out))
        s.fetch_errors = len(self.manifest.data["fetch_errors"])
        self.manifest.data["summary"] = s.to_dict()
        self.manifest.save()
        return s

    def _bar(self) -> None:
        if self.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=None, desc="gx fetch", unit="report", file=sys.stderr, dynamic_ncols=True)

    def _post(self) -> None:
        if self.bar is not None:
            s = self.summary
            self.bar.set_postfix(pages=s.pages, reports=s.found, attachments=s.attachments, failed=s.n_failed,
                                 refresh=False)

    # ---------------------------------------------------------------- lists

    def _walk_lists(self) -> list[_Candidate]:
        cands: dict[str, _Candidate] = {}
        with cf.ThreadPoolExecutor(max_workers=max(1, self.opts.concurrency)) as ex:
            for start in self.urls:
                seen = {start}
                wave = [(start, None)]
                n = 0
                while wave:
                    wave = wave[: max(0, self.max_pages - n)]
                    n += len(wave)
                    nxt = []
                    for (url, col), page in zip(wave, ex.map(self._list_page, [w for w in wave])):
                        if page is None:
                            continue
                        column = page.column or col
                        for e in page.entries:
                            c = cands.get(e.url)
                            if c is None:
                                cands[e.url] = _Candidate(e.url, e.title, e.date, column, url, [column] if column else [])
                            elif column and column not in c.columns:
                                c.columns.append(column)
                        for u in (*page.pages, *page.json_endpoints):
                            u = u.split("#")[0]
                            if u not in seen and self.client.allowed(u) is None:
                                seen.add(u)
                                nxt.append((u, column))
                    wave = nxt
                    if n >= self.max_pages and wave:
                        self._inc("skipped", len(wave), f"list pages beyond --max-pages {self.max_pages}")
                        break
        return list(cands.values())

    def _list_page(self, item) -> lists.ListPage | None:
        url, col = item
        r = self.client.get(url)
        self._inc("pages", 1)
        self._post()
        entry = {"http_status": r.status, "fetched_at": r.fetched_at, "from_cache": r.from_cache}
        if not r.ok:
            entry["error"] = r.error
            self.manifest.error(url, r.stage or "http", r.error or f"HTTP {r.status}", r.fetched_at)
            self._inc("failed", 1, f"list page: {r.error}")
            self.manifest.data["lists"][url] = entry
            return None
        ct = (r.header("content-type") or "").lower()
        page = None
        if "json" in ct or r.body.lstrip()[:1] in (b"{", b"["):
            page = lists.parse_json(url, r.body)
            if page is not None:
                page.column = col
        if page is None:
            page = lists.parse_list(url, _decode(r))
        entry.update(shapes=page.shapes, entries=len(page.entries), column=page.column)
        self.manifest.data["lists"][url] = entry
        return page

    def _select(self, cands: list[_Candidate]) -> list[_Candidate]:
        out = []
        for c in cands:
            t = titles.classify(c.title, c.column)
            truncated = c.title.rstrip().endswith(("...", "…", "..")) and _MAYBE.search(c.title)
            if not t.is_report and not truncated:
                if t.reason == "notice about reports":
                    self._inc("skipped", 1, "notice about reports (not a report)")
                continue
            if self.years and t.year is not None and not (self.years[0] <= t.year <= self.years[1]):
                self._inc("skipped", 1, "report year outside --years")
                continue
            why = self.client.allowed(c.url)
            if why is not None:
                self._doc_failed(c, None, why, "robots" if "robots" in why else "off-site", skipped=True)
                continue
            out.append(c)
        return out

    # ---------------------------------------------------------------- documents

    def _done_before(self, url: str) -> bool:
        d = self.manifest.documents.get(url)
        if not d or d.get("status") != "ok" or not d.get("versions"):
            return False
        kids = [k for k in self.manifest.documents.values() if k.get("parent") == url]
        return all(k.get("status") in ("ok", "skipped") for k in kids) and all(
            (self.out / v["path"]).exists() for k in [d, *kids] for v in k.get("versions", [])[-1:]
        )

    def _document(self, c: _Candidate) -> None:
        try:
            self._document_inner(c)
        except Exception as e:  # noqa: BLE001 - one document never stops the fetch
            self._doc_failed(c, None, f"{type(e).__name__}: {e}", "internal")
        self._post()

    def _document_inner(self, c: _Candidate) -> None:
        if self.resume and self._done_before(c.url):
            self._inc("resumed", 1)
            return
        r = self.client.get(c.url)
        if not r.ok:
            self._doc_failed(c, r, r.error or f"HTTP {r.status}", r.stage or "http")
            return
        year = titles.classify(c.title, c.column).year
        doc = {"url": c.url, "title": c.title, "column": c.column, "columns": c.columns, "list_url": c.list_url,
               "report_year": year, "published": c.date, "published_from": "list" if c.date else None,
               "parent": None, "reason": None, "status": "ok"}
        if _ext(c.url) or not _is_html(r):
            doc.update(kind="attachment", build=_ext(c.url) in BUILD_EXTS)
            self._inc("attachments", 1)
            self._keep(doc, r)
            return
        root = lists.parse_html(_decode(r)) if r.body.strip() else None
        attachments: list[tuple[str, str]] = []
        page_tables = False
        if root is not None:
            full = _meta(root, "ArticleTitle")
            if full and (c.title.rstrip().endswith(("...", "…")) or not titles.classify(c.title, c.column).is_report):
                t = titles.classify(full, c.column)
                if not t.is_report:
                    self._inc("skipped", 1, "article title is not a report (list title was truncated)")
                    return
                doc["title"], doc["report_year"] = full, t.year
            pub = lists.iso_date(_meta(root, "PubDate") or _meta(root, "pubdate") or "")
            if pub:
                doc["published"], doc["published_from"] = pub, "meta PubDate"
            doc["column"] = _meta(root, "ColumnName") or doc["column"]
            page_tables = _has_report_table(root)
            for a in root.iter("a"):
                href = (a.get("href") or "").strip()
                u = urljoin(c.url, href) if href else ""
                if u and _ext(u) and u not in (x[0] for x in attachments):
                    attachments.append((u, (a.get("title") or a.text_content() or "").strip()))
        doc.update(kind="page", build=page_tables)
        if doc["report_year"] is None:
            self.summary.notes.add("reports without a year in the title are kept with report_year null")
        self._keep(doc, r)
        self._inc("reports", 1)
        for u, label in attachments:
            self._attachment(doc, u, label, build=not page_tables and _ext(u) in BUILD_EXTS)

    def _attachment(self, parent: dict, url: str, label: str, build: bool) -> None:
        doc = {**{k: parent[k] for k in ("column", "columns", "list_url", "report_year", "published", "published_from")},
               "url": url, "title": label or parent["title"], "parent": parent["url"], "kind": "attachment",
               "build": build, "reason": None, "status": "ok"}
        with self._count_lock:  # an attachment linked from two pages is fetched once
            if url in self._attached:
                return
            self._attached.add(url)
        if self.resume and self._done_before(url):
            return
        why = self.client.allowed(url)
        if why is not None:
            self._record_failure(doc, why, "robots" if "robots" in why else "off-site", skipped=True)
            return
        r = self.client.get(url)
        if not r.ok:
            self._record_failure(doc, r.error or f"HTTP {r.status}", r.stage or "http", r=r)
            return
        self._inc("attachments", 1)
        self._keep(doc, r)

    def _doc_failed(self, c: _Candidate, r: Result | None, reason: str, stage: str, skipped: bool = False) -> None:
        doc = {"url": c.url, "title": c.title, "column": c.column, "columns": c.columns, "list_url": c.list_url,
               "report_year": titles.classify(c.title, c.column).year, "published": c.date,
               "published_from": "list" if c.date else None, "parent": None, "kind": None, "build": False}
        self._record_failure(doc, reason, stage, r=r, skipped=skipped)

    def _record_failure(self, doc: dict, reason: str, stage: str, r: Result | None = None, skipped: bool = False) -> None:
        old = self.manifest.documents.get(doc["url"], {})
        doc.update(status="skipped" if skipped else "failed", reason=reason, versions=old.get("versions", []),
                   http_status=r.status if r else None, last_checked=r.fetched_at if r else None,
                   warc=_ref(r.warc) if r and r.warc else None)
        with self.manifest._lock:
            self.manifest.documents[doc["url"]] = doc
        if skipped:
            self._inc("skipped", 1, reason)
        else:
            self._inc("failed", 1, reason)
            self.manifest.error(doc["url"], stage, reason, r.fetched_at if r else None)
        self.manifest.save()

    def _keep(self, doc: dict, r: Result) -> None:
        """Write a new version when the content is new; record the document; save the manifest."""
        old = self.manifest.documents.get(doc["url"], {})
        versions = list(old.get("versions", []))
        sha = r.sha256
        ct = r.header("content-type")
        if versions and versions[-1]["sha256"] == sha:
            if (self.out / versions[-1]["path"]).exists():
                self._inc("unchanged", 1)
            else:  # the file was removed by hand: restore it
                _atomic_write(self.out / versions[-1]["path"], r.body)
        else:
            rel = local_path(doc["url"], len(versions) + 1, ct)
            _atomic_write(self.out / rel, r.body)
            versions.append({"path": rel, "sha256": sha, "size": len(r.body), "http_status": r.status,
                             "content_type": ct, "fetched_at": r.fetched_at, "warc": _ref(r.warc) if r.warc else None})
            self._inc("downloaded", 1)
            self._inc("new_versions", len(versions) > 1)
        doc.update(versions=versions, http_status=r.status, last_checked=r.fetched_at, from_cache=r.from_cache,
                   sha256=sha, final_url=r.final_url if r.final_url != doc["url"] else None)
        if r.warc is not None and not r.from_cache and doc.get("build"):
            self.warc.metadata(doc["url"], r.warc.record_id, {k: doc.get(k) for k in (
                "title", "column", "report_year", "published", "published_from", "kind", "parent", "build")})
        with self.manifest._lock:
            self.manifest.documents[doc["url"]] = doc
        self.manifest.save()


def _ref(w) -> dict:
    return {"file": w.file, "offset": w.offset, "record_id": w.record_id}


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def lock(out: Path) -> int:
    (out / STATE).mkdir(parents=True, exist_ok=True)
    fd = os.open(out / STATE / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        os.close(fd)
        raise RuntimeError(f"another gx fetch is writing {out}") from e
    return fd


__all__ = ["Crawler", "Options", "USER_AGENT", "lock"]
