"""Where the real reports live (../shared beside the project) and how tests skip without them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("GX_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
CORPUS = SHARED / "corpus"
GOLD = CORPUS / "gold"

needs_shared = pytest.mark.skipif(
    not GOLD.is_dir(), reason=f"the real-report corpus is not at {CORPUS} (CI always has ../shared)"
)


SHARED_CORPUS = CORPUS
needs_corpus = needs_shared
# Every folder of real reports with hand-verified or independently solved gold.
GOLD_DIRS = (CORPUS, CORPUS / "pingtan", CORPUS / "peer")


def gold_files(dirs: tuple[Path, ...] = (CORPUS,)) -> list[Path]:
    """Gold files of ``dirs`` (``<folder>/gold/<stem>.json``; the document is in <folder>)."""
    return [g for d in dirs if (d / "gold").is_dir() for g in sorted((d / "gold").glob("*.json"))]


def all_gold_files() -> list[Path]:
    """Gold of every folder of real reports: the first corpus, pingtan/ and peer/."""
    return gold_files(GOLD_DIRS)


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_map(cells) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in cells}
