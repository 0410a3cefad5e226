"""Shared fixtures: a real Voilà server (``voila_server``) and a real Debian chromium (``browser``).

Browser tests are marked ``browser``; ``make test`` runs them in their own pytest run without xdist.
Without /usr/bin/chromium they skip, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("GX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium 15x draws its toolbar and omnibox as WebUI pages, in a renderer of their own
    # (--top-chrome-webui) that headless has no window to show: measured with psutil, it cost
    # 0.4–0.6 s of CPU per page load, as much as the dashboard page itself (bench/bench_service.py's
    # eight browsers spent it on the two cores the server uses).  Chromium ignores names it lacks.
    "--disable-features=" + ",".join([
        "WebUIToolbar", "WebUILocationBar", "WebUIOmniboxPopup", "WebUIOmniboxFullPopup",
        "WebUIOmniboxAimPopup", "WebUIReloadButton", "WebUIBackForwardButton", "WebUIHomeButton",
        "WebUIAppMenuButton", "WebUIAvatarButton", "WebUIExtensionsContainer", "WebUIPinnedToolbarActions",
        "WebUIMediaButton", "WebUISplitTabsButton", "WebUIGlicButton", "WebUIBatterySaverButton",
        "WebUIPerformanceInterventionButton"]),
]
SERVER_START_TIMEOUT = 90.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"voila exited with code {proc.returncode} before it was ready; log:\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = e
        time.sleep(0.25)
    raise RuntimeError(f"voila not ready at {url} after {timeout:.0f}s ({last}); log:\n{log.read_text()[-4000:]}")


def stop_server(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM lets Voilà shut its kernels down (they run in their own sessions); then SIGKILL the group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=5)


def start_server(
    port: int, log: Path, corpus: str | None = None, extra: list[str] | None = None,
    env_extra: dict[str, str] | None = None,
) -> subprocess.Popen:
    # the README's command, `gx serve`, through the CLI
    cmd = [sys.executable, "-m", "gxlib.cli", "serve", "--port", str(port), "--no-browser", *(extra or [])]
    if corpus:
        cmd += ["--corpus", corpus]
    if "--pool" not in (extra or []):  # one preheated kernel per dashboard keeps the suite light on 2 cores
        cmd += ["--pool", os.environ.get("GX_TEST_POOL", "1")]
    if "--fill-delay" not in (extra or []):  # a test opens pages one after another: no burst to wait out
        cmd += ["--fill-delay", "1"]
    env = dict(os.environ)
    env.pop("GX_DEMO", None)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(env_extra or {})
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``gx serve`` (Voilà) on a free 127.0.0.1 port; yields the base URL, e.g. http://127.0.0.1:PORT."""
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    proc = start_server(port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/", proc, SERVER_START_TIMEOUT, log)
        yield base
    finally:
        stop_server(proc)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            (ARTIFACTS / "voila-test-server.log").write_bytes(log.read_bytes())
        except OSError:
            pass


@pytest.fixture(scope="session")
def _playwright() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found: install Debian's chromium (make test does: apt-get install chromium)"
        if in_ci():
            pytest.fail(msg + " -- required in CI", pytrace=False)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright) -> Iterator[object]:
    """Headless Debian chromium driven by Playwright (never a downloaded browser)."""
    b = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
