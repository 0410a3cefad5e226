"""The server stays up in service (issue 17 item 5): kernels end when their page closes (the
shutdown beacon is accepted) or after the idle timeout (Jupyter server culling), so the number of
kernel processes returns to the preheated pool; ``gx serve`` refuses a folder that is not a corpus
and stops cleanly on SIGINT.  A real ``gx serve`` and Debian chromium; the load figures are in
``bench/bench_service.py``."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from conftest import SERVER_START_TIMEOUT, _wait_http, free_port, start_server, stop_server

REPO = Path(__file__).resolve().parents[1]
N_DASHBOARDS = len(list((REPO / "dashboards").glob("*.ipynb")))


def kernels(pid: int) -> list[psutil.Process]:
    """The kernel processes under the server (ipykernel, started in their own sessions)."""
    out = []
    for p in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()):
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_kernels(pid: int, want: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    n = -1
    while time.monotonic() < deadline:
        n = len(kernels(pid))
        if n == want:
            return n
        time.sleep(0.5)
    return n


def running(pid: int, kernel: str) -> bool:
    """Whether the kernel of id ``kernel`` has a process under the server (its connection file names it)."""
    for k in kernels(pid):
        try:
            if kernel in " ".join(k.cmdline()):
                return True
        except psutil.NoSuchProcess:
            pass
    return False


def wait_gone(pid: int, kernel: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(pid, kernel):
            return True
        time.sleep(0.25)
    return False


@pytest.mark.browser
@pytest.mark.slow
def test_kernels_return_to_the_pool_after_pages_close_and_plain_gets(browser, tmp_path):
    port = free_port()
    log = tmp_path / "voila.log"
    proc = start_server(port, log, extra=["--pool", "1", "--cull-idle", "30"])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/", proc, SERVER_START_TIMEOUT, log)
        pool = N_DASHBOARDS  # one preheated kernel per dashboard
        assert wait_kernels(proc.pid, pool, 120) == pool, "the pool did not fill"
        url = f"{base}/voila/render/agency.ipynb"
        for _ in range(10):  # a viewer opens the page and closes the tab: its beacon ends the kernel
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url, wait_until="commit", timeout=120_000)
            page.wait_for_selector(".gx-state[data-query]", state="attached", timeout=120_000)
            kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content()).group(1)
            assert running(proc.pid, kernel)
            page.close(run_before_unload=True)
            ctx.close()
            # well before culling could end it (idle 30 s, checked every 30 s): the beacon did
            assert wait_gone(proc.pid, kernel, 20), f"kernel {kernel} still running 20 s after its page closed"

        def get(_):
            with urllib.request.urlopen(url, timeout=180) as r:
                return r.status, len(r.read())

        with ThreadPoolExecutor(2) as ex:  # plain GETs: no page ever connects; culling ends them
            results = list(ex.map(get, range(10)))
        assert all(s == 200 and n > 1000 for s, n in results)
        n = wait_kernels(proc.pid, pool, 180)
        text = log.read_text(errors="replace")
        assert "'_xsrf' argument missing" not in text, "the shutdown beacon was refused"
        assert n == pool, f"{n} kernels still running, pool is {pool} (log: artifacts/voila-service.log)"
    finally:
        stop_server(proc)
        (REPO / "artifacts").mkdir(exist_ok=True)
        (REPO / "artifacts" / "voila-service.log").write_bytes(log.read_bytes())


def test_serve_refuses_a_folder_that_is_not_a_corpus(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    for folder in (tmp_path, tmp_path / "missing"):
        r = subprocess.run([sys.executable, "-m", "gxlib.cli", "serve", "--corpus", str(folder), "--no-browser",
                            "--port", str(free_port())], capture_output=True, text=True, timeout=60, cwd=REPO)
        assert r.returncode == 2
        assert "语料库" in r.stderr and str(folder) in r.stderr
        assert "Voila" not in r.stdout + r.stderr  # refused before starting


def test_serve_refuses_a_bad_roster(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("名称,年份\nX,2020\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "gxlib.cli", "serve", "--roster", str(bad), "--no-browser",
                        "--port", str(free_port())], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert r.returncode == 2 and "机关" in r.stderr


@pytest.mark.browser
def test_sigint_stops_server_and_kernels(tmp_path):
    port = free_port()
    log = tmp_path / "voila.log"
    proc = start_server(port, log, extra=["--pool", "1"])
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, SERVER_START_TIMEOUT, log)
        wait_kernels(proc.pid, N_DASHBOARDS, 120)
        tree = [proc.pid] + [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0
        time.sleep(1)
        alive = [p for p in tree if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running after SIGINT: {alive}"
        assert "gx serve: stopped" in log.read_text(errors="replace")
    finally:
        stop_server(proc)
