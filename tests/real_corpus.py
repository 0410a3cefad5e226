"""A corpus built in the test session from the real reports in ../shared/corpus (never copied into
the project): ``gx build ../shared/corpus ../shared/corpus/pingtan -o TMP``.  Skips with a reason
when ../shared is absent.  ``GX_SHARED`` points elsewhere (e.g. from a git worktree)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("GX_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
CORPUS = SHARED / "corpus"
SOURCES = (CORPUS, CORPUS / "pingtan")


def build_real_corpus(out: Path) -> Path:
    if not all(s.is_dir() for s in SOURCES):
        pytest.skip(f"the real reports are not at {CORPUS} (set GX_SHARED or put ../shared beside the project)")
    cmd = [sys.executable, "-m", "gxlib.cli", "build", *map(str, SOURCES), "-o", str(out), "--no-progress"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"gx build failed: {r.stderr[-2000:]}"
    return out


@pytest.fixture(scope="session")
def real_corpus_dir(tmp_path_factory) -> Path:
    return build_real_corpus(tmp_path_factory.mktemp("real") / "corpus")


@pytest.fixture(scope="session")
def real_corpus(real_corpus_dir):
    from gxlib.corpus import load_corpus

    return load_corpus(real_corpus_dir)
