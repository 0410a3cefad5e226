"""gx fetch against fixture CMS sites served on 127.0.0.1 (tests/fetch_site.py): every report found,
no notice mistaken, politeness and failures handled and recorded, re-runs incremental."""

from __future__ import annotations

import json
import pytest

import fetch_site as fs
from gxlib.fetch import fetch
from gxlib.fetch.client import USER_AGENT

FAST = dict(delay=0, timeout=0.5, retries=1, backoff=0.01, progress=False)


@pytest.fixture
def site():
    s = fs.Site().start()
    yield s
    s.stop()


def _manifest(out) -> dict:
    return json.loads((out / "fetch-manifest.json").read_text(encoding="utf-8"))


def _path(site, url: str) -> str:
    return url[len(site.base):]


@pytest.mark.parametrize("shape", ["static", "datastore", "links", "json"])
def test_every_report_found_and_no_notice(site, tmp_path, shape):
    getattr(fs, f"{shape}_site")(site)
    exp = site.expected[shape]
    s = fetch([site.base + exp["start"]], tmp_path, **FAST)
    m = _manifest(tmp_path)
    docs = {_path(site, u): d for u, d in m["documents"].items()}
    assert set(docs) == set(exp["docs"]), "every report (pages and attachments, last page too), nothing else"
    for p, (kind, year, pub) in exp["docs"].items():
        d = docs[p]
        assert (d["status"], d["kind"], d["report_year"], d["published"]) == ("ok", kind, year, pub), p
        v = d["versions"][-1]
        assert (tmp_path / v["path"]).read_bytes() == site.routes[p].body
        assert v["sha256"] == d["sha256"] and v["http_status"] == 200
    assert not any(fs.NOTICE in d["title"] for d in docs.values())
    assert s.skipped["notice about reports (not a report)"] == 1
    assert shape in {sh for e in m["lists"].values() for sh in e["shapes"]}
    assert s.n_failed == 0 and m["fetch_errors"] == []
    assert {ua for _, ua, _ in site.log} == {USER_AGENT}


def test_static_site_details(site, tmp_path):
    fs.static_site(site)
    fetch([site.base + site.expected["static"]["start"]], tmp_path, **FAST)
    docs = {_path(site, u): d for u, d in _manifest(tmp_path)["documents"].items()}
    letter = [d for d in docs.values() if d["title"].startswith("关于报送")]
    assert len(letter) == 1 and letter[0]["build"]
    docx = next(d for p, d in docs.items() if p.endswith(".docx"))
    parent = docs[_path(site, docx["parent"])]
    assert parent["build"] is False and docx["build"] is True, "the page only links the report: build the DOCX"
    assert docx["published_from"] == "meta PubDate"
    pdf = next(d for p, d in docs.items() if p.endswith(".pdf"))
    assert pdf["parent"] is None and pdf["published_from"] == "list", "a bare PDF link dates from the list"
    assert all(d["column"] == "政府信息公开年报" for d in docs.values())
    assert not site.requested("/xxgk/ndbg/202103/t2021030"), "non-report news pages are never fetched"


def test_trouble_is_handled_and_recorded(site, tmp_path):
    fs.trouble_site(site)
    s = fetch([site.base + "/trouble/index.html"], tmp_path, max_bytes=200_000, **FAST)
    m = _manifest(tmp_path)
    docs = {_path(site, u) if u.startswith(site.base) else u: d for u, d in m["documents"].items()}
    errors = {_path(site, e["url"]): e for e in m["fetch_errors"]}

    assert docs["/private/2019.html"]["status"] == "skipped"
    assert docs["/private/2019.html"]["reason"] == "disallowed by robots.txt"
    assert not site.requested("/private/"), "robots.txt is obeyed"
    assert site.requested("/robots.txt") == ["/robots.txt"], "robots.txt read once per host"

    assert docs["/gone/2019.html"]["status"] == "failed" and errors["/gone/2019.html"]["error"] == "HTTP 404"
    ok = docs["/ok/500-then-ok.html"]
    assert ok["status"] == "ok" and len(site.requested("/ok/500-then-ok.html")) == 2, "500, retried, then 200"
    assert errors["/ok/slow.html"]["stage"] == "timeout" and "after 2 attempts" in errors["/ok/slow.html"]["error"]
    assert errors["/loop/a.html"]["stage"] == "redirect" and "redirect loop" in errors["/loop/a.html"]["error"]
    assert "non-http(s)" in errors["/ftp.html"]["error"]
    assert docs["/moved.html"]["status"] == "ok", "a redirect on the site is followed"
    assert errors["/big/huge.pdf"]["stage"] == "too-large" and docs["/big/huge.pdf"]["status"] == "failed"
    assert not (tmp_path / "files" / site.base.split("//")[1].replace(":", "_") / "big" / "huge.pdf").exists()
    off = [d for u, d in docs.items() if "offsite" in u]
    assert off and off[0]["status"] == "skipped" and off[0]["reason"].startswith("off-site")
    assert not site.requested("/offsite/"), "nothing off the site is fetched"
    assert s.n_failed == 5 and len(m["fetch_errors"]) == 5
    text = str(s)
    for reason in ("HTTP 404", "redirect loop", "larger than the limit", "timeout after", "disallowed by robots.txt"):
        assert reason in text


def test_second_run_downloads_nothing_and_a_change_is_a_new_version(site, tmp_path):
    fs.static_site(site)
    url = site.base + site.expected["static"]["start"]
    first = fetch([url], tmp_path, **FAST)
    assert first.downloaded == 7 and first.cache_hits == 0
    n = len(site.log)
    again = fetch([url], tmp_path, **FAST)
    assert again.downloaded == 0 and again.downloaded_bytes == 0
    assert again.cache_hits == again.requests == len(site.log) - n, "every request answered 304 Not Modified"
    assert all("if-none-match" in {k.lower() for k in h} for _, _, h in site.log[n:])

    page = next(p for p in site.expected["static"]["docs"] if p.endswith("_100.html"))
    old = site.routes[page].body
    site.routes[page].body = old.replace("政府信息公开".encode(), "政府信息公开 ".encode(), 1)
    third = fetch([url], tmp_path, **FAST)
    assert third.downloaded == 1 and third.new_versions == 1
    d = _manifest(tmp_path)["documents"][site.base + page]
    assert len(d["versions"]) == 2
    assert (tmp_path / d["versions"][0]["path"]).read_bytes() == old, "the earlier version is kept"
    assert (tmp_path / d["versions"][1]["path"]).read_bytes() == site.routes[page].body
    assert d["versions"][1]["path"].endswith(".v2.html")


def test_delay_and_concurrency_per_host(site, tmp_path):
    fs.json_site(site)
    for r in site.routes.values():
        r.delay = 0.15
    fetch([site.base + "/gkml/ndbg/index.html"], tmp_path, delay=0.0, concurrency=2, progress=False)
    assert site.peak == 2, "two requests at once on one host, never more"
    site.starts.clear()
    site.peak = 0
    fetch([site.base + "/gkml/ndbg/index.html"], tmp_path / "paced", delay=0.25, concurrency=2, progress=False)
    gaps = [b - a for a, b in zip(site.starts, site.starts[1:])]
    # the client spaces request starts by --delay; arrival at the server jitters by connection setup
    span = site.starts[-1] - site.starts[0]
    assert len(gaps) > 5 and span >= 0.95 * 0.25 * len(gaps), f"{len(gaps) + 1} requests in {span:.2f}s: {gaps}"
    assert min(gaps) >= 0.1, gaps


def test_years_column_path_and_max_pages(site, tmp_path):
    fs.static_site(site)
    s = fetch([site.base + "/"], tmp_path, column="/xxgk/ndbg/index.html", years=(2020, 2021), **FAST)
    years = sorted(d["report_year"] for d in _manifest(tmp_path)["documents"].values())
    assert years == [2020, 2021], "a home page plus the column path; only the years asked for"
    assert s.skipped["report year outside --years"] == 4
    n = len(site.log)
    s = fetch([site.base + site.expected["static"]["start"]], tmp_path / "one", max_pages=1, **FAST)
    assert s.pages == 1 and s.skipped["list pages beyond --max-pages 1"] == 2
    assert not [p for p, _, _ in site.log[n:] if p.startswith("/xxgk/ndbg/index_")]
