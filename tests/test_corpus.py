"""gxlib.corpus: build (parallel, incremental, fault-tolerant, resumable) and load (lazy, exact schemas).

Real reports are copied from ../shared/corpus into tmp_path at test time (never into the project);
the tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from gxlib import frames
from gxlib.corpus import CORPUS_FINDINGS, REGISTRY, TABLES, BuildSummary, CorpusError, _default_read, build_corpus, load_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
needs_shared = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the real-report corpus is not at {CORPUS}")
pytestmark = needs_shared
REPO = Path(__file__).resolve().parents[1]

# files that parse fine today with the HTML and pipe-text readers
GOOD = ["guangyuan_czj_2020.txt", "004_shanghai_szfbgt_2019.html"]


# ---- test-only readers (module level: picklable into spawned worker processes) ----------------


def hang_reader(source: str, data: bytes):
    """A reader that really hangs on a marked file: a pure-Python busy loop, or a blocking sleep."""
    if b"GX-TEST-HANG-LOOP" in data:
        while True:
            pass
    if b"GX-TEST-HANG-SLEEP" in data:
        time.sleep(3600)
    return _default_read(source, data)


def crash_reader(source: str, data: bytes):
    """A reader whose worker process dies on a marked file (as a segfault or the OOM killer would)."""
    if b"GX-TEST-CRASH" in data:
        os.kill(os.getpid(), signal.SIGKILL)
    return _default_read(source, data)


# ---- helpers ---------------------------------------------------------------------------------


def variant(name: str, k: int) -> bytes:
    """The real report ``name`` with a few bytes of trailing padding, so each copy has its own sha256."""
    data = (CORPUS / name).read_bytes()
    if name.endswith(".html"):
        return data + f"\n<!-- copy {k} -->\n".encode()
    return data + b"\n" * (k + 1)


def make_sources(root: Path) -> Path:
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    for name in GOOD:
        shutil.copy(CORPUS / name, src / name)
    (src / "empty.txt").write_bytes(b"")
    (src / "sub" / "junk.html").write_bytes(os.urandom(4096))
    (src / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (src / "sub" / "page.html").write_text("<html><body><h1>通知</h1><p>本站维护。</p></body></html>", encoding="utf-8")
    with zipfile.ZipFile(src / "bundle.zip", "w") as z:
        z.writestr("2020/gy-copy.txt", variant("guangyuan_czj_2020.txt", 1))
        z.writestr("__MACOSX/._gy-copy.txt", b"junk")
    (src / "r.truth.json").write_text("{}")
    (src / "README.md").write_text("not a report")
    (src / ".hidden.html").write_bytes(variant("004_shanghai_szfbgt_2019.html", 9))
    (src / "dup.txt").write_bytes((CORPUS / GOOD[0]).read_bytes())  # same content as a file above
    return src


def frames_of(path: Path) -> dict[str, pl.DataFrame]:
    c = load_corpus(path)
    out = {}
    for t in (*TABLES, CORPUS_FINDINGS):
        df = getattr(c, t).collect()
        out[t] = df.sort(df.columns, nulls_last=True)
    return out


def assert_same_frames(a: Path, b: Path) -> None:
    fa, fb = frames_of(a), frames_of(b)
    for t in fa:
        assert fa[t].equals(fb[t]), f"table {t} differs"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, BuildSummary]:
    root = tmp_path_factory.mktemp("corpus")
    src = make_sources(root)
    out = root / "out"
    s = build_corpus([src], out, workers=2, progress=False)
    return src, out, s


# ---- build -----------------------------------------------------------------------------------


def test_build_records_good_and_bad_files(built):
    src, out, s = built
    assert s.found == 7  # 2 good + the zip member + empty, junk, .doc, page.html (dup/hidden/truth skipped)
    assert s.ok == 3
    c = load_corpus(out)
    reports = c.reports.collect()
    assert reports.height == 3
    assert f"{src / 'bundle.zip'}!2020/gy-copy.txt" in reports["source"].to_list()
    errors = c.errors.collect()
    by_file = {Path(r["source"]).name: r for r in errors.iter_rows(named=True)}
    assert by_file["empty.txt"]["error"] == "EmptyDocument"
    assert by_file["legacy.doc"]["error"] == "UnsupportedFormat" and "legacy" in by_file["legacy.doc"]["reason"]
    assert by_file["junk.html"]["error"] in {"UnsupportedFormat", "EncodingError"}
    assert by_file["page.html"]["error"] == "NotAReport" and by_file["page.html"]["stage"] == "extract"
    assert all(r["sha256"] and len(r["sha256"]) == 64 for r in by_file.values())
    assert s.skipped["ground truth (*.truth.json)"] == 1
    assert s.skipped["hidden"] == 2  # .hidden.html and the zip's __MACOSX member
    assert s.skipped["a folder's own notes (README, CHANGELOG)"] == 1
    assert s.skipped["duplicate content (same sha256 as another file)"] == 1
    assert c.cells.select(pl.len()).collect().item() == s.counts["cells"] > 300
    m = json.loads((out / "manifest.json").read_text())
    assert m["format"] == "gxlib-corpus" and m["parser_version"]
    assert {e["status"] for e in m["files"].values()} == {"ok", "failed"}
    assert not (out / "_journal").exists()


def test_load_corpus_exact_schemas(built):
    _, out, _ = built
    c = load_corpus(out)
    for t in TABLES:
        lf = getattr(c, t)
        assert isinstance(lf, pl.LazyFrame)
        assert lf.collect_schema() == frames.SCHEMAS[t], t
        assert lf.collect().schema == frames.SCHEMAS[t], t
    # a table with no part at all still has its schema
    assert c.findings_corpus.collect_schema() == frames.FINDINGS
    summary = c.collect_summary()
    assert summary["counts"]["reports"] == 3 and summary["reports_by_year"]


def test_load_rejects_a_non_corpus(tmp_path):
    with pytest.raises(CorpusError, match="not a gxlib corpus"):
        load_corpus(tmp_path)


def test_rerun_parses_nothing(built):
    src, out, first = built
    before = frames_of(out)
    s = build_corpus([src], out, workers=2, progress=False)
    assert s.parsed == 0 and s.unchanged == first.found
    after = frames_of(out)
    for t in before:
        assert before[t].equals(after[t])


def test_changed_file_reparses_only_itself(tmp_path):
    src = make_sources(tmp_path)
    out = tmp_path / "out"
    build_corpus([src], out, workers=2, progress=False)
    target = src / GOOD[1]
    old_id = load_corpus(out).reports.filter(pl.col("source") == str(target)).collect()["report_id"].item()
    target.write_bytes(variant(GOOD[1], 3))
    s = build_corpus([src], out, workers=2, progress=False)
    assert s.parsed == 1 and s.removed == 1 and s.unchanged == s.found - 1
    reports = load_corpus(out).reports.collect()
    assert reports.height == 3
    assert old_id not in reports["report_id"].to_list()
    cells = load_corpus(out).cells.collect()
    assert old_id not in cells["report_id"].to_list()
    assert set(cells["report_id"]) == set(reports["report_id"])
    # a removed file leaves the corpus too
    target.unlink()
    s = build_corpus([src], out, workers=2, progress=False)
    assert s.parsed == 0 and s.removed == 1
    assert load_corpus(out).reports.collect().height == 2


def test_new_parser_version_reparses_all(tmp_path):
    src = make_sources(tmp_path)
    out = tmp_path / "out"
    first = build_corpus([src], out, workers=2, progress=False)
    mp = out / "manifest.json"
    m = json.loads(mp.read_text())
    m["parser_version"] = "0.0.1-old"  # as if an older gxlib had built it
    mp.write_text(json.dumps(m))
    old_parts = {p for part in m["parts"].values() for ps in part["paths"].values() for p in ps}
    # a stray old part that no manifest lists must not be read, and is cleaned up
    s = build_corpus([src], out, workers=2, progress=False)
    assert s.parsed == first.found and s.unchanged == 0
    m2 = json.loads(mp.read_text())
    new_parts = {p for part in m2["parts"].values() for ps in part["paths"].values() for p in ps}
    assert frames_of(out)["reports"].height == 3
    # same files and same version → same part names; anything not listed is gone from disk
    on_disk = {p.relative_to(out).as_posix() for t in (*TABLES, CORPUS_FINDINGS, REGISTRY) for p in (out / t).rglob("part-*.parquet")}
    assert on_disk == new_parts | {p for ps in m2["build"]["paths"].values() for p in ps}
    assert old_parts  # the old manifest had parts


def test_per_file_timeout_in_process_workers(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for k in range(3):
        (src / f"ok{k}.txt").write_bytes(variant(GOOD[0], k))
    (src / "loop.txt").write_bytes(variant(GOOD[0], 10) + b"GX-TEST-HANG-LOOP")
    (src / "sleep.txt").write_bytes(variant(GOOD[0], 11) + b"GX-TEST-HANG-SLEEP")
    t0 = time.monotonic()
    s = build_corpus([src], tmp_path / "out", workers=2, timeout=1.0, progress=False, reader=hang_reader, batch_size=2)
    assert time.monotonic() - t0 < 30
    assert s.ok == 3 and s.failed == {("timeout", "ParseTimeout"): 2}
    errors = load_corpus(tmp_path / "out").errors.collect()
    assert sorted(Path(x).name for x in errors["source"]) == ["loop.txt", "sleep.txt"]
    assert set(errors["stage"]) == {"timeout"}
    # timeouts are retried by the next build (they may pass on a less busy machine)
    s2 = build_corpus([src], tmp_path / "out", workers=2, timeout=1.0, progress=False, reader=hang_reader)
    assert s2.parsed == 2 and s2.unchanged == 3


def test_per_file_timeout_in_threads(tmp_path):
    """Dask workers run tasks in threads: there the limit is an asynchronous exception."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_bytes(variant(GOOD[0], 0))
    (src / "loop.txt").write_bytes(variant(GOOD[0], 10) + b"GX-TEST-HANG-LOOP")
    with ThreadPoolExecutor(2) as ex:
        s = build_corpus([src], tmp_path / "out", executor=ex, timeout=1.0, progress=False, reader=hang_reader)
    assert s.ok == 1 and s.failed == {("timeout", "ParseTimeout"): 1}
    assert threading.active_count() < 10


def test_worker_death_loses_only_the_culprit(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for k in range(12):
        (src / f"ok{k:02}.txt").write_bytes(variant(GOOD[0], k))
    (src / "ok05b.txt").write_bytes(variant(GOOD[0], 50) + b"GX-TEST-CRASH")
    s = build_corpus([src], tmp_path / "out", workers=2, progress=False, reader=crash_reader, batch_size=6)
    assert s.ok == 12
    assert s.failed == {("worker", "BrokenProcessPool"): 1}
    assert s.retried_alone >= 6
    c = load_corpus(tmp_path / "out")
    assert c.reports.collect().height == 12
    err = c.errors.collect()
    assert err["source"].to_list() == [str(src / "ok05b.txt")] and err["stage"].to_list() == ["worker"]


def test_interrupted_build_loads_and_resumes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    n = 240
    for k in range(n):
        name = GOOD[k % 2]
        (src / f"r{k:04}{Path(name).suffix}").write_bytes(variant(name, k))
    out = tmp_path / "out"
    code = (
        "import sys; from gxlib.corpus import build_corpus; "
        f"build_corpus([{str(src)!r}], {str(out)!r}, workers=2, batch_size=4, progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    journal = out / "_journal"
    while time.monotonic() < deadline:
        if journal.is_dir() and len(list(journal.glob("*.json"))) >= 5:
            break
        assert proc.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers, mid-way
    proc.wait(timeout=30)
    done_batches = len(list(journal.glob("*.json")))
    assert 5 <= done_batches < n // 4
    # an interrupted first build is never a complete (empty) corpus: loading it says so (issue 16)
    with pytest.raises(CorpusError, match="first build was interrupted"):
        load_corpus(out)
    s = build_corpus([src], out, workers=2, progress=False)
    assert s.resumed >= 4 * done_batches - 8  # batches finished before the kill are not parsed again
    assert s.parsed + s.unchanged == n
    assert load_corpus(out).reports.collect().height == n
    fresh = tmp_path / "fresh"
    build_corpus([src], fresh, workers=2, progress=False)
    a, b = frames_of(out), frames_of(fresh)
    for t in a:
        assert a[t].equals(b[t]), t


def test_dask_local_cluster_gives_identical_frames(tmp_path):
    distributed = pytest.importorskip("distributed")
    src = make_sources(tmp_path)
    for k in range(20):
        (src / f"extra{k}.txt").write_bytes(variant(GOOD[0], 100 + k))
    local = tmp_path / "local"
    build_corpus([src], local, workers=2, progress=False, batch_size=8)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        s = build_corpus([src], tmp_path / "dask", dask_scheduler=cluster.scheduler_address, progress=False, batch_size=8)
    assert s.executor.startswith("dask")
    assert_same_frames(local, tmp_path / "dask")


def test_aliases_recompute_agency_key_without_reparsing(built, tmp_path):
    agency = pytest.importorskip("gxlib.agency", reason="gxlib.agency has not landed yet")
    src, out, _ = built
    work = tmp_path / "out"
    shutil.copytree(out, work)
    names = load_corpus(work).reports.collect()["agency"].drop_nulls().to_list()
    assert names
    aliases = {n: "某某测试机关" for n in names}
    s = build_corpus([src], work, workers=2, progress=False, aliases=aliases)
    assert s.parsed == 0
    keys = set(load_corpus(work).reports.collect()["agency_key"])
    assert keys == {agency.agency_key("某某测试机关", aliases)}


def test_cli_build_prints_the_summary(tmp_path):
    src = make_sources(tmp_path)
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, "-m", "gxlib.cli", "build", str(src), "-o", str(out), "--workers", "2", "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    assert "gx build →" in r.stdout and "parsed" in r.stdout and "failed" in r.stdout and "skipped" in r.stdout
    assert "files/s" in r.stdout
    # nothing readable at all → exit 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.html").write_bytes(b"")
    r = subprocess.run(
        [sys.executable, "-m", "gxlib.cli", "build", str(bad), "-o", str(tmp_path / "out2"), "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert r.returncode == 2
    # an output folder that is not a corpus → exit 2, untouched
    r = subprocess.run(
        [sys.executable, "-m", "gxlib.cli", "build", str(src), "-o", str(src), "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert r.returncode == 2 and "not a gxlib corpus" in r.stderr
