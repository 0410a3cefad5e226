"""Every real report in ../shared/corpus parses to its hand-verified gold file, cell for cell."""

from __future__ import annotations

import pytest

import gxlib
from tests.shared import CORPUS, cell_map, gold_files, load_gold, needs_shared

pytestmark = [needs_shared, pytest.mark.corpus]


def _cases():
    return [pytest.param(g, id=g.stem) for g in gold_files()]


@pytest.mark.parametrize("gold_path", _cases())
def test_report_matches_gold(gold_path):
    gold = load_gold(gold_path)
    rep = gxlib.read_report(CORPUS / gold["file"])
    out = rep.to_contract()
    assert out["template"] == gold["template"]
    assert out["year"] == gold["year"]
    assert out["error"] is None
    mine, want = cell_map(out["cells"]), cell_map(gold["cells"])
    assert set(mine) == set(want), f"missing {sorted(set(want) - set(mine))[:5]}, extra {sorted(set(mine) - set(want))[:5]}"
    wrong = []
    for key, g in want.items():
        m = mine[key]
        if g.get("ambiguous"):
            # gold could not settle it: ours may be ambiguous too, or the same value
            if not m.get("ambiguous") and m["value"] != g["value"]:
                wrong.append((key, m["value"], g))
            continue
        if m.get("ambiguous") or m["value"] != g["value"]:
            wrong.append((key, m["value"], g["value"]))
    assert not wrong, f"{len(wrong)} cells differ from gold, e.g. {wrong[:5]}"


@pytest.mark.parametrize("gold_path", _cases())
def test_published_date_and_agency(gold_path):
    gold = load_gold(gold_path)
    out = gxlib.read_report(CORPUS / gold["file"]).to_contract()
    assert out["published"] == gold["published"]
    # gold writes the short name; ours may carry the city/county prefix the title prints
    assert out["agency"] and (gold["agency"] in out["agency"] or out["agency"] in gold["agency"])


def test_older_reports_have_no_cells():
    olds = [g for g in gold_files() if load_gold(g)["template"] == "older"]
    assert olds, "the corpus should hold at least one pre-2019 report"
    for g in olds:
        out = gxlib.read_report(CORPUS / load_gold(g)["file"]).to_contract()
        assert out["template"] == "older"
        assert out["cells"] == []
