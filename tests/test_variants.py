"""Real reports as other downloads deliver them: the same document with one realistic variation
(made in tmp_path at test time) must still parse to its gold cells."""

from __future__ import annotations

import pytest

import gxlib
from tests.shared import CORPUS, GOLD, cell_map, load_gold, needs_shared

pytestmark = [needs_shared, pytest.mark.corpus]


def _matches_gold(path, stem: str) -> list:
    gold = load_gold(GOLD / f"{stem}.json")
    out = gxlib.read_report(path).to_contract()
    mine, want = cell_map(out["cells"]), cell_map(gold["cells"])
    assert set(mine) == set(want)
    return [(k, mine[k]["value"], g["value"]) for k, g in want.items()
            if not g.get("ambiguous") and (mine[k].get("ambiguous") or mine[k]["value"] != g["value"])]


def _variant(tmp_path, name: str, text: str, suffix: str, **kw):
    p = tmp_path / f"variant{suffix}"
    p.write_text(text, encoding="utf-8", **kw)
    return p


def test_pipe_text_with_doubled_line_endings(tmp_path):
    src = (CORPUS / "guangyuan_czj_2020.txt").read_text(encoding="utf-8")
    p = _variant(tmp_path, "x", src.replace("\n", "\r\r\n"), ".txt", newline="")
    assert not _matches_gold(p, "guangyuan_czj_2020")


def test_pipe_text_with_an_empty_line_after_a_label(tmp_path):
    src = (CORPUS / "guangyuan_czj_2020.txt").read_text(encoding="utf-8")
    p = _variant(tmp_path, "x", src.replace("(一)予以公开 |\n", "(一)予以公开 |\n\n", 1), ".txt")
    assert not _matches_gold(p, "guangyuan_czj_2020")


def test_crawler_text_with_full_width_item_numbers(tmp_path):
    src = (CORPUS / "009_pingtan_2023.txt").read_text(encoding="utf-8")
    assert "2.重复申请" in src
    p = _variant(tmp_path, "x", src.replace("2.重复申请", "２．重复申请"), ".txt")
    assert not _matches_gold(p, "009_pingtan_2023")


def test_html_with_an_empty_column_before_the_reviews_data_row(tmp_path):
    src = (CORPUS / "004_shanghai_szfbgt_2019.html").read_text(encoding="utf-8")
    i = src.rfind("<table")
    j = src.find("<tr", i)
    for _ in range(3):
        j = src.find("<tr", j + 1)
    k = src.find(">", j) + 1
    p = _variant(tmp_path, "x", src[:k] + "<td>&nbsp;</td>" + src[k:], ".html")
    assert not _matches_gold(p, "004_shanghai_szfbgt_2019")
