# ruff: noqa: F811  (fixtures imported from helper modules are redefined as test arguments)
"""Every analyst notebook runs headless on a corpus built from the real reports in ../shared/corpus
(``GX_CORPUS``), besides the strict nbval run on the bundled demo: no cell errors (their own
assertions hold), no 示例数据 banner on real data, Chinese table headers.  Skips without ../shared."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from real_corpus import real_corpus_dir  # noqa: F401

from gxlib.app.data import DEMO_TEXT

pytestmark = pytest.mark.corpus

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DTYPES = re.compile(r"^(str|bool|date|datetime\[.*\]|list\[.*\]|[iuf](8|16|32|64)|null|cat|struct\[.*\]|—|…)$")


def _outputs(nb) -> tuple[str, list[str]]:
    """All text the notebook shows, and the headers of its HTML tables."""
    text, heads = [], []
    for c in nb.cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            for mime in ("text/plain", "text/markdown", "text/html"):
                if mime in data:
                    text.append(data[mime])
            if "text" in o:
                text.append(o["text"])
            if "text/html" in data:
                heads += re.findall(r"<th>(.*?)</th>", data["text/html"])
    return "\n".join(text), heads


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_real_corpus(path, real_corpus_dir, monkeypatch):
    assert len(NOTEBOOKS) >= 6
    monkeypatch.setenv("GX_CORPUS", str(real_corpus_dir))
    monkeypatch.delenv("GX_DEMO", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as e:  # the failing cell and its traceback, not a wall of ANSI codes
        msg = ANSI.sub("", str(e))[-3000:]
        pytest.fail(f"{path.name} fails on the real corpus:\n{msg}")
    text, heads = _outputs(nb)
    assert DEMO_TEXT not in text, f"{path.name} says 示例数据 on real data"
    english = sorted({h for h in heads if re.search(r"[A-Za-z_]", h) and not DTYPES.match(h)})
    assert not english, f"{path.name}: table headers not in Chinese: {english}"
