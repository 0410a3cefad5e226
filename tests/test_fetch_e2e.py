"""gx fetch end to end: a fetch killed midway resumes to the same result; ``gx fetch`` → ``gx build``
gives reports with source URLs and publication dates; the WARC records replay the served bytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

import fetch_site as fs
from gxlib.corpus import build_corpus, load_corpus
from gxlib.fetch import fetch
from gxlib.fetch.warc import read_member
from gxlib.report import read_report

REPO = Path(__file__).resolve().parents[1]
FAST = dict(delay=0, timeout=2, retries=1, backoff=0.01, progress=False)


@pytest.fixture
def site():
    s = fs.Site().start()
    fs.static_site(s)
    yield s
    s.stop()


def _gx(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "gxlib.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _docs(out: Path) -> dict:
    """What a fetch kept, without the times: URL → (status, kind, year, published, build, file, sha256)."""
    m = json.loads((out / "fetch-manifest.json").read_text(encoding="utf-8"))
    return {u: (d["status"], d["kind"], d["report_year"], d["published"], d["build"],
                [(v["path"], v["sha256"]) for v in d["versions"]]) for u, d in m["documents"].items()}


@pytest.mark.slow
def test_killed_fetch_resumes_to_the_same_result(site, tmp_path):
    url = site.base + site.expected["static"]["start"]
    whole = tmp_path / "whole"
    fetch([url], whole, **FAST)

    for p in site.expected["static"]["docs"]:
        site.routes[p].delay = 0.4  # slow documents: the kill lands midway
    cut = tmp_path / "cut"
    proc = _gx("fetch", url, "-o", str(cut), "--delay", "0", "--concurrency", "1", "--no-progress")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if len(json.loads((cut / "fetch-manifest.json").read_text(encoding="utf-8"))["documents"]) >= 2:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done_before = _docs(cut)
    assert 2 <= len(done_before) < len(_docs(whole)), "killed midway"

    for p in site.expected["static"]["docs"]:
        site.routes[p].delay = 0
    n = len(site.log)
    again = _gx("fetch", url, "-o", str(cut), "--delay", "0", "--resume", "--no-progress", "--json")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    summary = json.loads(out)
    assert summary["resumed"] >= 1
    asked = {p for p, _, _ in site.log[n:]}
    for u, d in done_before.items():
        if d[0] == "ok" and d[1] == "page":
            assert u[len(site.base):] not in asked, "a document finished before the kill is not asked again"
    assert _docs(cut) == _docs(whole), "resumed = uninterrupted"


@pytest.mark.slow
def test_fetch_then_build_carries_url_and_date(site, tmp_path):
    url = site.base + site.expected["static"]["start"]
    out = tmp_path / "site"
    p = _gx("fetch", url, "-o", str(out), "--delay", "0", "--no-progress")
    text, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert "found       6 reports" in text and "failed      0" in text
    b = _gx("build", str(out), "-o", str(tmp_path / "corpus"), "--workers", "0", "--no-progress")
    _, err = b.communicate(timeout=300)
    assert b.returncode == 0, err
    reports = load_corpus(tmp_path / "corpus").reports.collect()
    exp = site.expected["static"]["docs"]
    assert reports.height == 6, "six reports: five pages with tables or a PDF/DOCX, the DOCX's page not read"
    assert reports["source_url"].null_count() == 0 and reports["published"].null_count() == 0
    got = {u[len(site.base):]: (y, str(d)) for u, y, d in reports.select("source_url", "year", "published").iter_rows()}
    for path, (y, d) in got.items():
        assert exp[path][1:] == (y, d), path

    # the DOCX prints no date: published comes from the article page's <meta name="PubDate">
    docx = next(p for p in exp if p.endswith(".docx"))
    alone = read_report(next((out / "files").rglob(Path(docx).name)))
    assert alone.reports["published"][0] is None
    assert got[docx][1] == exp[docx][2]

    # the same reports straight from the WARC file
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    build_corpus(warcs, tmp_path / "from-warc", workers=0, progress=False)
    wr = load_corpus(tmp_path / "from-warc").reports.collect()
    assert sorted(wr["sha256"]) == sorted(reports["sha256"])
    assert sorted(wr["source_url"]) == sorted(reports["source_url"])
    assert wr["published"].null_count() == 0


def test_warc_records_replay_byte_for_byte(site, tmp_path):
    url = site.base + site.expected["static"]["start"]
    fetch([url], tmp_path, **FAST)
    m = json.loads((tmp_path / "fetch-manifest.json").read_text(encoding="utf-8"))
    n = 0
    for u, d in m["documents"].items():
        for v in d["versions"]:
            w = v["warc"]
            body = read_member(tmp_path / "warc" / w["file"], w["offset"])
            assert body == site.routes[u[len(site.base):]].body == (tmp_path / v["path"]).read_bytes()
            n += 1
    assert n == 7
    seen = {}
    with open(next((tmp_path / "warc").glob("*.warc.gz")), "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                path = rec.rec_headers.get_header("WARC-Target-URI")[len(site.base):]
                seen[path] = (rec.http_headers.get_statuscode(), rec.content_stream().read())
    for path in ["/robots.txt", *(p for p in site.routes if p.startswith("/xxgk/ndbg/index"))]:
        assert seen[path] == ("200", site.routes[path].body), path

    # a second run's 304s are revisit records pointing at the first capture
    fetch([url], tmp_path, **FAST)
    newest = sorted((tmp_path / "warc").glob("*.warc.gz"))[-1]
    with open(newest, "rb") as f:
        kinds = [r.rec_type for r in ArchiveIterator(f)]
    assert kinds[0] == "warcinfo" and set(kinds[1:]) == {"revisit"}


def test_404_is_in_the_warc(tmp_path):
    s = fs.Site().start()
    try:
        fs.trouble_site(s)
        fetch([s.base + "/trouble/index.html"], tmp_path, max_bytes=200_000, **{**FAST, "timeout": 0.5})
    finally:
        s.stop()
    with open(next((tmp_path / "warc").glob("*.warc.gz")), "rb") as f:
        got = {r.rec_headers.get_header("WARC-Target-URI")[len(s.base):]: r.http_headers.get_statuscode()
               for r in ArchiveIterator(f) if r.rec_type == "response"}
    assert got["/gone/2019.html"] == "404"
    assert got["/loop/a.html"] == got["/loop/b.html"] == "302"
    assert got["/ok/500-then-ok.html"] == "200"
