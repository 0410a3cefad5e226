"""A broken notebook fails nbval strict: an exception in a cell, or a changed deterministic output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_quick_start.ipynb"
CORPUS = Path(os.environ.get("GX_CORPUS", REPO / "data/demo/corpus"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "manifest.json").exists(), reason=f"no demo corpus at {CORPUS}"),
]


def _copy(tmp_path: Path) -> tuple[Path, dict]:
    """The notebook in a scratch project: tmp/pyproject.toml marks the root, tmp/data → the repo's data."""
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (tmp_path / "data").symlink_to(REPO / "data", target_is_directory=True)
    (tmp_path / "notebooks").mkdir()
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return tmp_path / "notebooks" / NOTEBOOK.name, nb


def _nbval(path: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(REPO / "nbval-sanitize.cfg"), str(path), "-q"]
    return subprocess.run(cmd, cwd=path.parent.parent, capture_output=True, text=True, timeout=600)


def _write(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_unaltered_copy_passes(tmp_path):
    path, nb = _copy(tmp_path)
    _write(path, nb)
    r = _nbval(path)
    assert r.returncode == 0, r.stdout[-3000:]


def test_exception_in_a_cell_fails(tmp_path):
    path, nb = _copy(tmp_path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[-1]["source"] = "raise RuntimeError('broken on purpose')\n" + "".join(code[-1]["source"])
    _write(path, nb)
    r = _nbval(path)
    assert r.returncode != 0
    assert "broken on purpose" in r.stdout


def test_changed_output_fails(tmp_path):
    path, nb = _copy(tmp_path)
    changed = False
    for c in nb["cells"]:
        for out in c.get("outputs", []):
            data = out.get("data", {})
            if out.get("output_type") == "execute_result" and "text/plain" in data and not changed:
                text = "".join(data["text/plain"])
                digits = [i for i, ch in enumerate(text) if ch.isdigit()]
                i = digits[len(digits) // 2]
                data["text/plain"] = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
                changed = True
    assert changed
    _write(path, nb)
    r = _nbval(path)
    assert r.returncode != 0
