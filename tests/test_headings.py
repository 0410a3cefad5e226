"""gxlib.headings on grids built by hand: the column order a header states is found once per grid
and answered per block of rows, so a header printed again in another order further down is
obeyed below it and only there."""

from __future__ import annotations

from gxlib import headings, spec
from gxlib.document import Cell, Grid


def _row(r: int, texts: list[str]) -> list[Cell]:
    return [Cell(t, f"row {r + 1}, cell {c + 1}", r, c) for c, t in enumerate(texts)]


def _grid(blocks: list[list[str]]) -> Grid:
    return Grid([_row(r, texts) for r, texts in enumerate(blocks)], where="table 1")


def test_a_header_printed_again_in_another_order_holds_only_below_it():
    cols = spec.template("2021")["applications"].rows[0].cols  # 自然人 … 总计
    names = [c.leaf for c in cols]
    turned = [names[1], names[0], *names[2:]]
    grid = _grid([["", *names], ["a", *"123456789"[: len(names)]],
                  ["", *turned], ["b", *"987654321"[: len(names)]], ["c", *"111111111"[: len(names)]]])
    answers = [headings.permutation(grid, r, grid.rows[r][1:], cols) for r in (1, 3, 4)]
    assert answers[0] is None  # the template's order
    assert answers[1] == answers[2] == [1, 0, *range(2, len(names))]
    # the same answers from a fresh look at each row (no memo shared between the rows)
    fresh = []
    for r in (1, 3, 4):
        headings._LAST[:] = [None, None]
        fresh.append(headings.permutation(grid, r, grid.rows[r][1:], cols))
    assert fresh == answers
