"""Every build state has a way back (issue 16): kill -9 at each commit point of a fresh and an
incremental build, damaged parts (--verify / --repair), confined manifest paths, moved sources,
gxlib's own temp files and a stale lock, no build process outliving its parent.

Sources are the synthetic demo reports (data/demo/reports, HTML and text: fast to parse)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from gxlib.corpus import CORPUS_FINDINGS, MANIFEST, TABLES, CorpusError, build_corpus, load_corpus
from gxlib.recovery import CRASH_POINTS

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo" / "reports"
pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason=f"the demo reports are not at {DEMO}")


def sleepy_reader(source: str, data: bytes):  # module level: picklable into spawned workers
    time.sleep(3600)


def demo_files(n: int, skip: int = 0) -> list[Path]:
    files = sorted(DEMO.glob("*.html")) + sorted(DEMO.glob("*.txt"))
    files = sorted(files, key=lambda p: p.name)
    return files[skip : skip + n]


def fill(src: Path, files: list[Path]) -> Path:
    src.mkdir(parents=True, exist_ok=True)
    for p in files:
        shutil.copy(p, src / p.name)
    return src


def build_proc(src: Path, out: Path, crash: str | None = None, workers: int = 0, reader: str | None = None,
               **kw) -> subprocess.Popen:
    env = {**os.environ, "GX_CRASH_AT": crash or ""}
    args = ", ".join(f"{k}={v!r}" for k, v in {"workers": workers, "batch_size": 2, "progress": False, **kw}.items())
    imp = "from tests.test_recovery import sleepy_reader; " if reader else ""
    code = (f"import sys; from gxlib.corpus import build_corpus; {imp}"
            f"build_corpus([{str(src)!r}], {str(out)!r}, {args}{', reader=' + reader if reader else ''})")
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, start_new_session=True)


def build_sub(src: Path, out: Path, crash: str | None = None, **kw) -> int:
    p = build_proc(src, out, crash, **kw)
    return p.wait(timeout=300)


def snapshot(out: Path) -> dict:
    """What a corpus holds: every table sorted, and the manifest's file entries."""
    c = load_corpus(out)
    snap = {}
    for t in (*TABLES, CORPUS_FINDINGS):
        df = getattr(c, t).collect()
        snap[t] = df.sort(df.columns, nulls_last=True)
    snap["files"] = {s: {k: e[k] for k in ("status", "source")} for s, e in c.manifest["files"].items()}
    return snap


def assert_same(a: Path, b: Path) -> None:
    sa, sb = snapshot(a), snapshot(b)
    assert sa["files"] == sb["files"]
    for t in (*TABLES, CORPUS_FINDINGS):
        assert sa[t].equals(sb[t]), f"table {t} differs"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Sources before (A) and after (B: 3 added, 1 removed, 1 changed) an incremental build, and
    clean corpora of both."""
    root = tmp_path_factory.mktemp("recovery")
    a = fill(root / "A", demo_files(6))
    b = fill(root / "B", demo_files(8))
    (b / demo_files(1)[0].name).unlink()
    changed = b / demo_files(8)[3].name
    changed.write_bytes(changed.read_bytes() + b"\n\n")
    clean_a, clean_b = root / "clean_a", root / "clean_b"
    build_corpus([a], clean_a, workers=0, progress=False)
    build_corpus([b], clean_b, workers=0, progress=False)
    return root, a, b, clean_a, clean_b


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill_at_each_commit_point_of_a_fresh_build(scenario, tmp_path, point):
    _root, a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    rc = build_sub(a, out, crash=f"{point}:2" if point in ("part", "journal") else point)
    assert rc == 137, f"the build did not reach commit point {point}"
    if point != "manifest-done":  # a first build killed before its manifest is never a (0-report) corpus
        with pytest.raises(CorpusError):
            load_corpus(out)
    assert build_sub(a, out) == 0  # resumes: the lock, temp files and journal of the kill are recognised
    assert_same(out, clean_a)
    assert not list(out.rglob("*.tmp")) and not (out / "_journal").exists()


@pytest.mark.parametrize("point", [p for p in CRASH_POINTS if p != "first-manifest"])
def test_kill_at_each_commit_point_of_an_incremental_build(scenario, tmp_path, point):
    _root, a, b, clean_a, clean_b = scenario
    out = tmp_path / "out"
    shutil.copytree(clean_a, out)
    src = tmp_path / "src"
    shutil.copytree(a, src)
    before = snapshot(out)
    for p in b.iterdir():  # the sources become B, in place
        shutil.copy(p, src / p.name)
    for p in list(src.iterdir()):
        if not (b / p.name).exists():
            p.unlink()
    assert build_sub(src, out, crash=point) == 137
    if point != "manifest-done":  # killed before the new manifest: exactly the old corpus
        now = snapshot(out)
        assert now["files"] == {s: e for s, e in before["files"].items()}
        assert all(now[t].equals(before[t]) for t in TABLES)
    assert build_sub(src, out) == 0
    # the same content as a clean build of B (only the paths differ: src vs B)
    sa, sb = snapshot(out), snapshot(clean_b)
    for t in ("cells", "narrative", "findings", CORPUS_FINDINGS):
        assert sa[t].equals(sb[t]), t
    assert sorted(Path(e["source"]).name for e in sa["files"].values()) == sorted(Path(e["source"]).name for e in sb["files"].values())


def test_stale_lock_and_own_temp_files_do_not_lock_the_folder_out(scenario, tmp_path):
    _root, a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    out.mkdir()
    (out / ".gx-build.lock").write_text("12345")  # left by a killed build: no process holds its flock
    (out / f".{MANIFEST}.99999.tmp").write_text("{")
    s = build_corpus([a], out, workers=0, progress=False)
    assert s.ok == 6
    assert_same(out, clean_a)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(CorpusError, match="not a gxlib corpus"):
        build_corpus([a], tmp_path / "other", workers=0, progress=False)


def test_a_live_lock_is_respected(scenario, tmp_path):
    import fcntl

    _root, a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    shutil.copytree(clean_a, out)
    fd = os.open(out / ".gx-build.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(CorpusError, match="another gx build"):
            build_corpus([a], out, workers=0, progress=False)
    finally:
        os.close(fd)


def test_truncated_part_verify_names_it_and_repair_restores(scenario, tmp_path):
    _root, a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    shutil.copytree(clean_a, out)
    part = sorted((out / "cells").rglob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    rel = part.relative_to(out).as_posix()
    with pytest.raises(CorpusError, match=rel):  # names the file, not a raw ComputeError
        load_corpus(out)
    gx = [sys.executable, "-m", "gxlib.cli", "build"]
    r = subprocess.run([*gx, "-o", str(out), "--verify"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1 and rel in r.stderr
    r = subprocess.run([*gx, str(a), "-o", str(out), "--workers", "0", "--no-progress"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and rel in r.stderr and "--repair" in r.stderr  # a plain build does not exit 0 over it
    r = subprocess.run([*gx, str(a), "-o", str(out), "--workers", "0", "--no-progress", "--repair"],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "repair: 1 damaged part" in r.stdout
    assert_same(out, clean_a)
    r = subprocess.run([*gx, "-o", str(out), "--verify"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_verify_catches_row_counts_and_schema(scenario, tmp_path):
    _root, _a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    shutil.copytree(clean_a, out)
    from gxlib.corpus import verify_corpus

    assert verify_corpus(out) == []
    part = sorted((out / "reports").rglob("part-*.parquet"))[0]
    df = pl.read_parquet(part)
    df.head(df.height - 1).write_parquet(part)  # readable, one row short
    rp = sorted((out / "narrative").rglob("part-*.parquet"))[0]
    pl.read_parquet(rp).drop("count" if "count" in pl.read_parquet(rp).columns else pl.read_parquet(rp).columns[-1]).write_parquet(rp)
    found = {d.path: d.problem for d in verify_corpus(out)}
    short = part.relative_to(out).as_posix()  # reports/year=Y/part-….parquet: named with its batch's other years
    assert any(short in path.split(", ") and "rows, the manifest records" in why for path, why in found.items())
    assert "schema" in found[rp.relative_to(out).as_posix()]


@pytest.mark.parametrize("bad", ["../../../../etc/passwd", "/etc/passwd", "cells/../../x.parquet"])
def test_manifest_paths_are_confined(scenario, tmp_path, bad):
    _root, a, _b, clean_a, _ = scenario
    out = tmp_path / "out"
    shutil.copytree(clean_a, out)
    m = json.loads((out / MANIFEST).read_text())
    pid = next(iter(m["parts"]))
    m["parts"][pid]["paths"]["cells"] = bad
    (out / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(CorpusError, match="outside|leaves the corpus folder"):
        load_corpus(out)
    with pytest.raises(CorpusError, match="outside|leaves the corpus folder"):
        build_corpus([a], out, workers=0, progress=False)


def test_moved_sources_get_their_new_path(scenario, tmp_path):
    _root, a, _b, _clean_a, _ = scenario
    src = tmp_path / "old"
    shutil.copytree(a, src)
    out = tmp_path / "out"
    build_corpus([tmp_path], out, workers=0, progress=False)
    src.rename(tmp_path / "new")
    s = build_corpus([tmp_path], out, workers=0, progress=False)
    assert s.parsed == 0 and s.unchanged == 6
    sources = load_corpus(out).reports.collect()["source"].to_list()
    assert sources and all("/new/" in x for x in sources)
    clean = tmp_path.parent / f"{tmp_path.name}-clean"
    build_corpus([tmp_path], clean, workers=0, progress=False, force=True)
    assert_same(out, clean)


def _descendants(pid: int) -> list[int]:
    psutil = pytest.importorskip("psutil")
    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def test_no_build_process_survives_its_parent(scenario, tmp_path):
    psutil = pytest.importorskip("psutil")
    _root, a, _b, _c, _ = scenario
    p = build_proc(a, tmp_path / "out", workers=2, reader="sleepy_reader")
    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline:  # the two workers (and the resource tracker) are up and parsing
        kids = _descendants(p.pid)
        if len(kids) >= 3 and (tmp_path / "out" / MANIFEST).exists():
            break
        time.sleep(0.2)
    assert len(kids) >= 2, "the workers never started"
    time.sleep(1.0)
    os.kill(p.pid, 9)  # the builder only, not its process group
    p.wait(timeout=30)
    deadline = time.monotonic() + 15
    alive = kids
    while time.monotonic() < deadline:
        alive = [k for k in kids if psutil.pid_exists(k) and psutil.Process(k).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            break
        time.sleep(0.2)
    for k in alive:  # do not leave them behind even when the assertion fails
        os.kill(k, 9)
    assert not alive, f"processes of the build survived it: {alive}"
