"""Proof of what was served: every HTTP response of a fetch as a WARC record (warcio).

One file per run, ``DIR/warc/gx-fetch-<UTC time>-<pid>.warc.gz``, one gzip member per record
(so a run killed midway leaves every record before the cut readable).  Records:

* ``warcinfo`` first (software, operator's User-Agent, the command's arguments);
* ``response`` for every answer the server sent (200, 404, 500, redirects…): the status line, the
  headers and the body exactly as received (requests ask for ``Accept-Encoding: identity``; a
  server that compresses anyway is recorded decoded, its ``Content-Encoding`` header renamed
  ``X-Gx-Original-Content-Encoding``);
* ``revisit`` (profile *server-not-modified*) when a conditional request got 304: the body is the
  one of the earlier capture (``WARC-Refers-To-*``);
* ``metadata`` (``application/json``) after a report document's record, ``WARC-Concurrent-To`` it:
  the manifest's facts (title, column, report year, publication date, whether ``gx build`` reads it).

:func:`report_members` and :func:`read_member` let ``gx build`` read reports straight from WARC files.
"""

from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
_DROP = {"transfer-encoding"}


@dataclass(frozen=True)
class WarcRef:
    file: str  # file name inside DIR/warc
    offset: int
    record_id: str


class Warc:
    """A thread-safe appending WARC writer."""

    def __init__(self, path: Path, info: dict):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._f = open(path, "ab")
        self._w = WARCWriter(self._f, gzip=True, warc_version="WARC/1.1")
        self._lock = threading.Lock()
        self._write(self._w.create_warcinfo_record(path.name, info))

    def _write(self, rec) -> WarcRef:
        with self._lock:
            offset = self._f.tell()
            self._w.write_record(rec)
            self._f.flush()
        return WarcRef(self.path.name, offset, rec.rec_headers.get_header("WARC-Record-ID"))

    def response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                 truncated: bool = False) -> WarcRef:
        hs = []
        for k, v in headers:
            lk = k.lower()
            if lk in _DROP:
                continue
            if lk == "content-encoding":
                k = "X-Gx-Original-Content-Encoding"
            hs.append((k, v))
        http = StatusAndHeaders(f"{status} {reason}".strip(), hs, protocol="HTTP/1.1")
        extra = {"WARC-Truncated": "length"} if truncated else None
        rec = self._w.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                         http_headers=http, warc_headers_dict=extra)
        return self._write(rec)

    def revisit(self, url: str, digest: str, refers_to_date: str, headers: list[tuple[str, str]]) -> WarcRef:
        http = StatusAndHeaders("304 Not Modified", [(k, v) for k, v in headers if k.lower() not in _DROP],
                                protocol="HTTP/1.1")
        rec = self._w.create_revisit_record(url, digest, url, refers_to_date, http_headers=http)
        rec.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
        return self._write(rec)

    def metadata(self, url: str, concurrent_to: str, meta: dict) -> WarcRef:
        data = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
        rec = self._w.create_warc_record(url, "metadata", payload=io.BytesIO(data), length=len(data),
                                         warc_content_type="application/json",
                                         warc_headers_dict={"WARC-Concurrent-To": concurrent_to})
        return self._write(rec)

    def close(self) -> None:
        with self._lock:
            self._f.close()


def payload_digest(body: bytes) -> str:
    import base64
    import hashlib

    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


# --------------------------------------------------------------------------- reading


def iter_records(path: str | os.PathLike):
    """(offset, record type, target URI, record id, concurrent-to, status, payload bytes) of every
    readable record; a truncated last record (a killed run) ends the iteration quietly."""
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        try:
            for rec in it:
                h = rec.rec_headers
                status = rec.http_headers.get_statuscode() if rec.http_headers else None
                body = rec.content_stream().read()
                yield (it.get_record_offset(), rec.rec_type, h.get_header("WARC-Target-URI"),
                       h.get_header("WARC-Record-ID"), h.get_header("WARC-Concurrent-To"),
                       int(status) if status and status.isdigit() else None, body)
        except Exception:  # noqa: BLE001 - a cut record: everything before it was yielded
            return


def report_members(path: str | os.PathLike) -> list[tuple[int, str, dict]]:
    """(offset, URL, metadata) of the report responses a ``gx fetch`` WARC marks for ``gx build``."""
    meta: dict[str, dict] = {}
    responses: dict[str, tuple[int, str]] = {}
    for offset, kind, uri, rid, conc, _status, body in iter_records(path):
        if kind == "metadata" and conc:
            try:
                meta[conc] = json.loads(body.decode("utf-8"))
            except ValueError:
                continue
        elif kind == "response":
            responses[rid] = (offset, uri)
    return [(off, uri, meta[rid]) for rid, (off, uri) in responses.items() if meta.get(rid, {}).get("build")]


def read_member(path: str | os.PathLike, offset: int) -> bytes:
    """The HTTP body of the response record at ``offset``."""
    with open(path, "rb") as f:
        f.seek(offset)
        rec = next(iter(ArchiveIterator(f)))
        return rec.content_stream().read()
