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


def gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json")) if GOLD.is_dir() else []


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_map(cells) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in cells}
