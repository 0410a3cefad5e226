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
- Refuses, before starting, a folder that is not a built corpus (no ``manifest.json`` / ``reports``)
  and a roster file that cannot be read (``--roster``, passed to kernels as ``GX_ROSTER``).
- Voilà runs in its own process group: Ctrl-C / SIGINT / SIGTERM reach ``gx serve`` only, which
  asks Voilà to stop with SIGTERM (it then shuts its kernels down) — no "are you sure" prompt.
- Service settings live in ``voila.json``: preheated pools (``VoilaKernelManager.kernel_pools_config``:
  8 for the overview, 2 for the others; ``--pool N`` sets every pool; a used kernel is replaced
  30 s later, ``--fill-delay S``), idle culling of kernels whose
  page is gone (``MappingKernelManager.cull_*``; ``--cull-idle S``), raised IOPub / cell timeouts,
  and no template or theme override from the URL.
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


DEMO_ROSTER = REPO_ROOT / "data" / "demo-roster.csv"  # outside data/demo, which make demo-data rebuilds


def kernel_env(corpus: str | os.PathLike[str] | None = None, base: dict[str, str] | None = None, *,
               roster: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The environment for Voilà and so for its kernels (``GX_ROSTER``: the roster given, else the
    bundled demo's own for the demo corpus, else none: the corpus's roster.csv if it has one)."""
    env = dict(os.environ if base is None else base)
    corpus_path = Path(corpus).expanduser().resolve() if corpus else DEMO_CORPUS
    env["GX_CORPUS"] = str(corpus_path)
    if roster:
        env["GX_ROSTER"] = str(Path(roster).expanduser().resolve())
    elif corpus_path == DEMO_CORPUS.resolve() and DEMO_ROSTER.is_file():
        env["GX_ROSTER"] = str(DEMO_ROSTER)
    else:
        env.pop("GX_ROSTER", None)
    if is_demo_corpus(corpus_path):
        env["GX_DEMO"] = "1"
    else:
        env.pop("GX_DEMO", None)
    # Our template first; Voilà looks templates up in the Jupyter data path.  The chart bundle is
    # published as a static file of that template, from a data dir of its own (gxlib.app.bundle).
    from .app import bundle, preview  # altair and vl-convert: only when serving

    dirs = [str(TEMPLATE_ROOT)]
    published = bundle.publish()
    if published:
        dirs.append(str(published[0]))
        env[bundle.URL_ENV] = published[1]
    else:
        env.pop(bundle.URL_ENV, None)
    env.setdefault(preview.ENV, "1")  # the static first paint (gxlib.app.preview); GX_PREVIEW=0: off
    jp = env.get("JUPYTER_PATH")
    env["JUPYTER_PATH"] = os.pathsep.join(dirs + ([jp] if jp else []))
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


def corpus_problem(corpus: Path) -> str | None:
    """Why ``corpus`` is not a built corpus (None when it is one)."""
    if not corpus.exists():
        return f"语料库目录不存在 / corpus folder does not exist: {corpus}"
    if not corpus.is_dir():
        return f"不是目录 / not a folder: {corpus}"
    if not (corpus / "manifest.json").is_file() or not (corpus / "reports").exists():
        return (f"不是已构建的语料库（缺少 manifest.json 或 reports）/ not a built corpus: {corpus} "
                f"(build one with: gx build REPORTS_DIR -o {corpus})")
    return None


def aggregates_note(corpus: Path, roster: str | None = None) -> str | None:
    """What to tell the user when the dashboards cannot use the build's aggregates: they are then
    computed in every kernel, in memory (slow, and large, on a big corpus)."""
    from . import aggregates
    from .corpus import load_corpus
    from .roster import RosterError, find_roster, read_roster

    c = load_corpus(corpus)
    rpath = find_roster(corpus, roster)
    try:
        why = aggregates.not_stored(c, read_roster(rpath) if rpath else None)
    except RosterError:  # the page says so; the aggregates are then computed without it
        why = aggregates.not_stored(c, None)
    if why is None:
        return None
    return (f"{why}: the dashboards compute them in memory, in every kernel (slow on a large corpus). "
            f"`gx build SOURCES -o {corpus}` writes them again (the parsed reports are reused) / "
            f"汇总表需重新生成：仪表盘将在内存中计算，大型语料库较慢；重新运行 gx build 即可更新。")


def build_command(
    port: int = DEFAULT_PORT,
    no_browser: bool = False,
    host: str = DEFAULT_HOST,
    preheat: bool | None = None,
    pool: int | None = None,
    cull_idle: int | None = None,
    fill_delay: float | None = None,
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
    if pool is not None:
        cmd.append(f'--VoilaKernelManager.kernel_pools_config={{"default": {{"pool_size": {int(pool)}}}}}')
    if fill_delay is not None:
        cmd.append(f"--VoilaKernelManager.fill_delay={float(fill_delay)}")
    if cull_idle is not None:
        cmd += [f"--MappingKernelManager.cull_idle_timeout={int(cull_idle)}",
                f"--MappingKernelManager.cull_interval={max(1, min(30, int(cull_idle) // 2))}"]
    return cmd


def main(
    port: int | None = None,
    corpus: str | None = None,
    no_browser: bool = False,
    *,
    preheat: bool | None = None,
    roster: str | None = None,
    pool: int | None = None,
    cull_idle: int | None = None,
    fill_delay: float | None = None,
) -> int:
    """Run Voilà over ``dashboards/`` until it stops or is interrupted; return its exit code
    (0 after Ctrl-C / SIGINT / SIGTERM; 2 when the corpus or roster is refused)."""
    if not DASHBOARDS_DIR.is_dir():
        print(f"gx serve: no dashboards folder at {DASHBOARDS_DIR}", file=sys.stderr)
        return 2
    env = kernel_env(corpus, roster=roster)
    problem = corpus_problem(Path(env["GX_CORPUS"]))
    if problem:
        print(f"gx serve: {problem}", file=sys.stderr)
        return 2
    if env.get("GX_ROSTER"):
        from .roster import RosterError, read_roster

        try:
            n = read_roster(env["GX_ROSTER"]).height
        except RosterError as e:
            print(f"gx serve: {e}", file=sys.stderr)
            return 2
        print(f"gx serve: roster {env['GX_ROSTER']} ({n} agencies)", flush=True)
    note = aggregates_note(Path(env["GX_CORPUS"]), env.get("GX_ROSTER"))
    if note:
        print(f"gx serve: note: {note}", flush=True)
    cmd = build_command(port if port is not None else DEFAULT_PORT, no_browser=no_browser, preheat=preheat,
                        pool=pool, cull_idle=cull_idle, fill_delay=fill_delay)
    print(f"gx serve: http://{DEFAULT_HOST}:{port or DEFAULT_PORT}/  (corpus {env['GX_CORPUS']})", flush=True)
    # its own process group: a terminal's ^C reaches gx serve only, which stops Voilà with SIGTERM
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, start_new_session=True)
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    old = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        rc = proc.wait()
        return 0 if stopping else rc
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if stopping:
            print("gx serve: stopped", flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="gx serve", description="Serve the gxlib dashboards with Voilà (read-only).")
    p.add_argument("--port", type=int, default=None, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    p.add_argument("--corpus", default=None, help="corpus folder (default: the bundled demo corpus)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    add_service_args(p)
    return p.parse_args(argv)


def add_service_args(p: argparse.ArgumentParser) -> None:
    """The options gx serve shares with python -m gxlib.serve."""
    p.add_argument("--roster", default=None, help="CSV/TSV/Excel list of who must publish (overrides the "
                   "corpus's roster.csv; see gxlib.roster)")
    p.add_argument("--pool", type=int, default=None,
                   help="preheated kernels per dashboard (default voila.json: overview 8, others 2)")
    p.add_argument("--cull-idle", type=int, default=None,
                   help="seconds before an idle kernel with no open page is stopped (default voila.json: 120)")
    p.add_argument("--fill-delay", type=float, default=None,
                   help="seconds before a used preheated kernel is replaced (default voila.json: 30; "
                   "shorter serves the next viewers sooner but competes with the pages just opened)")
    p.add_argument(
        "--no-preheat", action="store_true", help="start each dashboard's kernel on request (slower first render)"
    )


def run(a: argparse.Namespace) -> int:
    return main(a.port, a.corpus, a.no_browser, preheat=False if a.no_preheat else None, roster=a.roster,
                pool=a.pool, cull_idle=a.cull_idle, fill_delay=a.fill_delay)


if __name__ == "__main__":
    sys.exit(run(_parse(sys.argv[1:])))
