"""Every real report in ../shared/corpus (and its pingtan/ and peer/ folders) parses to its gold
file, cell for cell: every settled gold cell equal, every cell gold leaves ambiguous ambiguous in
ours too (a value there is a guess), template and year right."""

from __future__ import annotations

import pytest

import gxlib
from tests.shared import all_gold_files, cell_map, load_gold, needs_shared

pytestmark = [needs_shared, pytest.mark.corpus]


def _cases():
    return [
        pytest.param(g, id=f"{g.parent.parent.name}/{g.stem}")
        for g in all_gold_files()
    ]


def _compare(gold_path):
    gold = load_gold(gold_path)
    out = gxlib.read_report(gold_path.parent.parent / gold["file"]).to_contract()
    mine, want = cell_map(out["cells"]), cell_map(gold["cells"])
    wrong, guesses = [], []
    for key, g in want.items():
        m = mine.get(key)
        if g.get("ambiguous"):
            if m is not None and not m.get("ambiguous"):
                guesses.append((key, m["value"]))
        elif m is None or m.get("ambiguous") or m["value"] != g["value"]:
            wrong.append((key, None if m is None else m["value"], g["value"]))
    return gold, out, mine, want, wrong, guesses


@pytest.mark.parametrize("gold_path", _cases())
def test_report_matches_gold(gold_path):
    gold, out, mine, want, wrong, _ = _compare(gold_path)
    assert out["template"] == gold["template"]
    assert out["year"] == gold["year"]
    assert out["error"] is None
    assert set(mine) == set(want), f"missing {sorted(set(want) - set(mine))[:5]}, extra {sorted(set(mine) - set(want))[:5]}"
    assert not wrong, f"{len(wrong)} cells differ from gold, e.g. {wrong[:5]}"


@pytest.mark.parametrize("gold_path", [pytest.param(g, id=f"{g.parent.parent.name}/{g.stem}") for g in all_gold_files()])
def test_no_guess_where_gold_is_ambiguous(gold_path):
    """Counted apart from wrong values: a value stated where the document does not settle it."""
    *_, guesses = _compare(gold_path)
    assert not guesses, f"{len(guesses)} guesses where the document does not settle the cell: {guesses[:5]}"


def test_gold_folders_are_all_tried():
    names = {g.parent.parent.name for g in all_gold_files()}
    assert {"corpus", "pingtan", "peer"} <= names, names
