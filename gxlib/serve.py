"""Serve the dashboards in ``dashboards/`` with Voilà, read-only and offline.

``gx serve [--port N] [--corpus DIR] [--no-browser]`` calls :func:`main`; so does
``python -m gxlib.serve``. Each dashboard is then at ``/voila/render/<name>.ipynb``.

What this sets up (the rest is in ``voila.json`` at the repository root):

- Voilà runs as ``[sys.executable, "-m", "voila", dashboards/]`` from the repository root, with
  ``voila.json`` (sources stripped, no tracebacks, template ``gx``, preheated kernels) as its only
  config file, so a user's ``~/.jupyter`` cannot loosen it.
- The ``gx`` template (``gxlib/_voila``) is Voilà's ``lab`` template minus its two CDN links; with
  altair's offline renderer, the page requests nothing from outside this server.
- Kernels get ``GX_CORPUS`` (the corpus folder; default: the bundled demo corpus
  ``data/demo/corpus``) and ``GX_DEMO=1`` when that corpus is the demo one.
- Binds ``127.0.0.1`` only. For an exposed deployment put an authenticating TLS proxy in front.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
DEMO_CORPUS = REPO_ROOT / "data" / "demo" / "corpus"
VOILA_CONFIG_DIR = REPO_ROOT  # holds voila.json
TEMPLATE_ROOT = Path(__file__).resolve().parent / "_voila"  # a Jupyter data dir: voila/templates/gx

DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"


def is_demo_corpus(corpus: Path) -> bool:
    """True for the bundled synthetic corpus (or any corpus folder marked with a ``DEMO`` file)."""
    corpus = corpus.resolve()
    demo = DEMO_CORPUS.resolve()
    return corpus == demo or demo in corpus.parents or (corpus / "DEMO").exists()


def kernel_env(corpus: str | os.PathLike[str] | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voilà and so for its kernels."""
    env = dict(os.environ if base is None else base)
    corpus_path = Path(corpus).expanduser().resolve() if corpus else DEMO_CORPUS
    env["GX_CORPUS"] = str(corpus_path)
    if is_demo_corpus(corpus_path):
        env["GX_DEMO"] = "1"
    else:
        env.pop("GX_DEMO", None)
    # Our template first; Voilà looks templates up in the Jupyter data path.
    jp = env.get("JUPYTER_PATH")
    env["JUPYTER_PATH"] = str(TEMPLATE_ROOT) + (os.pathsep + jp if jp else "")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


def build_command(
    port: int = DEFAULT_PORT,
    no_browser: bool = False,
    host: str = DEFAULT_HOST,
    preheat: bool | None = None,
) -> list[str]:
    """The Voilà command line. ``preheat=None`` keeps what ``voila.json`` says (on)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(DASHBOARDS_DIR),
        f"--port={int(port)}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",
        # Only the project's voila.json, not ~/.jupyter or /etc/jupyter.
        f"--Voila.config_file_paths={VOILA_CONFIG_DIR}",
    ]
    if no_browser:
        cmd.append("--no-browser")
    if preheat is not None:
        cmd.append(f"--VoilaConfiguration.preheat_kernel={preheat}")
    return cmd


def main(
    port: int | None = None,
    corpus: str | None = None,
    no_browser: bool = False,
    *,
    preheat: bool | None = None,
) -> int:
    """Run Voilà over ``dashboards/`` until it stops or is interrupted; return its exit code."""
    if not DASHBOARDS_DIR.is_dir():
        print(f"gx serve: no dashboards folder at {DASHBOARDS_DIR}", file=sys.stderr)
        return 2
    env = kernel_env(corpus)
    if not Path(env["GX_CORPUS"]).is_dir():
        print(
            f"gx serve: corpus folder {env['GX_CORPUS']} does not exist; "
            "serving anyway (the dashboards will say that no corpus is present).",
            file=sys.stderr,
        )
    cmd = build_command(port if port is not None else DEFAULT_PORT, no_browser=no_browser, preheat=preheat)
    print(f"gx serve: http://{DEFAULT_HOST}:{port or DEFAULT_PORT}/  (corpus {env['GX_CORPUS']})", flush=True)
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env)

    def _forward(signum: int, _frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    old_term = signal.signal(signal.SIGTERM, _forward)
    try:
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                # Voilà handles SIGINT itself (asks to confirm on a tty); a second ^C ends it.
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="gx serve", description="Serve the gxlib dashboards with Voilà (read-only).")
    p.add_argument("--port", type=int, default=None, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    p.add_argument("--corpus", default=None, help="corpus folder (default: the bundled demo corpus)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--no-preheat", action="store_true", help="start each dashboard's kernel on request (slower first render)"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    a = _parse(sys.argv[1:])
    sys.exit(main(a.port, a.corpus, a.no_browser, preheat=False if a.no_preheat else None))
