"""表四's data rows as gxlib.extract finds them: the one 15-value row, or the pieces of a 表四
printed as two tables (行政复议 / 行政诉讼)."""

from __future__ import annotations

from . import gridrows, spec
from .coded import Extraction
from .document import Cell
from .values import is_value

_LITIGATION = ("litigation_direct", "litigation_after_reconsideration")


def reviews_piece(grid, values: list[Cell], taken: set[tuple[str, str]]) -> tuple[str, ...]:
    """表四 printed as two tables (行政复议's 5 columns, then 行政诉讼's 10: a report's layout for a
    narrow page): an unlabelled row of 10 values in a piece whose header or caption says 行政诉讼
    (and 复议 only as 未经复议/复议后) is the two litigation rows in the template's order; one of 5
    values in a piece that says 行政复议 and not 诉讼 (nor 起诉: a piece headed 未经复议直接起诉 or
    复议后起诉 alone is one litigation row, which nothing here places) is the reconsideration row.  Else ()."""
    if ("reviews", "*") in taken or len(values) not in (5, 10) or any(not is_value(v.text) for v in values):
        return ()
    words = grid.caption.split(" ")[-1] + "".join([c.text for row in grid.rows for c in row if not is_value(c.text)])
    bare = words.replace("未经复议", "").replace("复议后", "")
    if len(values) == 10 and "诉讼" in words and "复议" not in bare:
        rows = _LITIGATION
    elif len(values) == 5 and "复议" in bare and "诉讼" not in words and "起诉" not in words:
        rows = ("reconsideration",)
    else:
        return ()
    return () if any(("reviews", r) in taken for r in rows) else rows


def take_reviews_piece(ex: Extraction, rows: tuple[str, ...], values: list[Cell], taken: set[tuple[str, str]]) -> None:
    table = spec.template(ex.template)["reviews"]
    for i, code in enumerate(rows):
        row = next(r for r in table.rows if r.code == code)
        part = values[i * len(row.cols):(i + 1) * len(row.cols)]
        for col, cell in zip(row.cols, part):
            ex.cells.append(gridrows.coded(ex, "reviews", code, col, cell))
        taken.add(("reviews", code))
    ex.log.append(f"{values[0].where}: {len(values)} values of a 表四 piece → reviews {', '.join(rows)}")


def take_reviews(ex: Extraction, values: list[Cell]) -> None:
    table = spec.template(ex.template)["reviews"]
    slots = [(r, c) for r in table.rows for c in r.cols]
    for (r, c), cell in zip(slots, values):
        ex.cells.append(gridrows.coded(ex, "reviews", r.code, c, cell))
