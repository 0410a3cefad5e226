"""Fixtures for tests/test_dashboards.py: one Voilà server, one browser page per dashboard.

By default the dashboards are tested on the server of conftest's ``voila_server`` (the bundled demo
corpus, ``data/demo/corpus``), so the whole browser run shares one server.  For development,
``GX_TEST_DASH_CORPUS=/some/corpus`` starts a separate server on that corpus instead.

``dash_page(name, query)`` opens ``/voila/render/<name>.ipynb?<query>`` once per name in its own
browser context, records console errors and request URLs, and waits until the page has drawn
(``.gx-state`` marker + a vega SVG mark).  Tests reuse the page, and each navigates further on it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import SERVER_START_TIMEOUT, _wait_http, free_port, start_server, stop_server

from gxlib import serve

RENDER_TIMEOUT_MS = 90_000
MARK = ".vega-embed svg .role-mark"


@dataclass
class DashServer:
    base: str
    corpus: Path


@dataclass
class DashPage:
    name: str
    context: object
    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ws_bytes: list[int] = field(default_factory=lambda: [0])  # received over the kernel websocket

    def wait_state(self, query_contains: str = "", timeout: int = 30_000) -> None:
        """Wait until the dashboard has drawn a state whose query string contains ``query_contains``."""
        sel = ".gx-state[data-query]" if not query_contains else f'.gx-state[data-query*="{query_contains}"]'
        self.page.wait_for_selector(sel, state="attached", timeout=timeout)


@pytest.fixture(scope="session")
def dash_server(request, tmp_path_factory) -> Iterator[DashServer]:
    corpus = os.environ.get("GX_TEST_DASH_CORPUS")
    if not corpus:
        base = request.getfixturevalue("voila_server")
        yield DashServer(base, serve.DEMO_CORPUS)
        return
    port = free_port()
    log = tmp_path_factory.mktemp("voila-dash") / "voila.log"
    proc = start_server(port, log, corpus)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/", proc, SERVER_START_TIMEOUT, log)
        yield DashServer(base, Path(corpus))
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def dash_corpus(dash_server):
    """The served corpus, loaded with gxlib (for expected values)."""
    from gxlib.corpus import load_corpus

    if not (dash_server.corpus / "manifest.json").exists() and not any(dash_server.corpus.glob("*")):
        pytest.skip(f"no corpus at {dash_server.corpus}")
    return load_corpus(dash_server.corpus)


@pytest.fixture(scope="session")
def dash_pages(dash_server, browser) -> Iterator[dict]:
    """{name: DashPage}, opened lazily by ``open_dash``; contexts closed at the end of the session."""
    pages: dict[str, DashPage] = {}
    yield pages
    for p in pages.values():
        try:
            p.context.close()
        except Exception:  # noqa: BLE001
            pass


def _count_frame(dp: DashPage, frame) -> None:
    payload = frame.get("payload", b"") if isinstance(frame, dict) else frame
    dp.ws_bytes[0] += len(payload)


def open_dash(dash_server: DashServer, browser, pages: dict, name: str, query: str = "") -> DashPage:
    if name in pages:
        return pages[name]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    dp = DashPage(name, context, page)
    page.on("request", lambda r: dp.requests.append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: _count_frame(dp, f)))
    page.on("console", lambda m: dp.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: dp.errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: dp.errors.append(f"requestfailed: {r.url} {r.failure}"))
    t0 = time.monotonic()
    page.goto(f"{dash_server.base}/voila/render/{name}.ipynb" + (f"?{query}" if query else ""),
              wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    cell_error = page.get_by_text("此处的计算出错").first
    try:
        page.locator(".gx-state[data-query]").or_(cell_error).first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    except Exception as e:
        context.close()
        raise AssertionError(f"{name}: did not render; browser errors: {dp.errors}") from e
    if cell_error.count():
        context.close()
        raise AssertionError(f"{name}: a dashboard cell failed in the kernel (see artifacts/voila-test-server.log)")
    page.wait_for_selector(MARK, state="attached", timeout=RENDER_TIMEOUT_MS)
    dp.seconds = time.monotonic() - t0
    pages[name] = dp
    return dp
