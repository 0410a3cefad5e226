"""Pipe text dumps (the seed's form): every cell on its own line followed by `` |``, a blank
cell as a bare ``|``, and span fillers as extra ``|`` — several on one line at a row's end.

A line of two or more bare pipes can only be fillers, so it ends a row; a label that follows
a value also starts a new row.  Everything else (narrative) stays in ``Document.text``.

A row's last cell may carry its fillers on the same line (``0 | |``): they end the row too.

Some page-to-text exports put the pipe on a line of its own (``规章`` / ``|`` / ``0`` / ``|``): a bare
``|`` right after a line that does not end with one closes that line's cell (it is not a blank
cell, which follows a cell line that has its own pipe).
"""

from __future__ import annotations

import re

from ..document import Cell, Document, Grid
from ..values import is_value

_CELL = re.compile(r"^(?P<text>.*?)\s*\|\s*$")
_FILLERS = re.compile(r"^\s*\|(\s*\|)+\s*$")
# a row's last cell with its span fillers on the same line (``0 | |``, ``第二十条第(一)项 | ||||``)
_CELL_THEN_FILLERS = re.compile(r"^[^|]*?\S[^|]*?\s*\|(\s*\|)+\s*$")


def looks_like_pipe(text: str, min_lines: int = 20) -> bool:
    if text.count("|") < min_lines:
        return False  # each line counted below ends with its own "|"
    return sum(1 for line in text.splitlines() if line.rstrip().endswith("|")) >= min_lines


def _join_own_line_pipes(lines: list[str]) -> list[str]:
    """Each bare ``|`` line that closes the cell on the line before it (that line not ending with
    a pipe itself) moved onto that line; the ``|`` line left empty, so line numbers are kept."""
    out = list(lines)
    prev = -1  # the last non-empty line
    for i, line in enumerate(out):
        if not line.strip():
            continue
        if line.strip() == "|" and prev >= 0 and not out[prev].rstrip().endswith("|"):
            out[prev], out[i] = out[prev].rstrip() + " |", ""
            continue
        prev = i
    return out


def parse(text: str, source: str, sha256: str, meta: dict[str, str] | None = None, line_offset: int = 0) -> Document:
    lines = _join_own_line_pipes(text.splitlines())
    grids: list[Grid] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    start = 0

    def end_row() -> None:
        nonlocal row
        if row:
            rows.append(row)
            row = []

    def end_grid(lineno: int) -> None:
        end_row()
        if rows:
            grids.append(Grid(list(rows), where=f"lines {start}-{lineno - 1}"))
            rows.clear()

    for i, line in enumerate(lines, start=1 + line_offset):
        if not line.strip():  # empty lines (doubled line endings) separate nothing
            continue
        if _FILLERS.match(line):
            end_row()
            continue
        m = _CELL.match(line)
        if not m:
            end_grid(i)
            continue
        if not rows and not row:
            start = i
        filled = _CELL_THEN_FILLERS.match(line)
        cell_text = (line[: line.index("|")] if filled else m["text"]).strip()
        if row and not is_value(cell_text) and is_value(row[-1].text):
            end_row()
        row.append(Cell(cell_text, where=f"line {i}", row=len(rows), col=len(row)))
        if filled:
            end_row()  # the fillers end the row, as on a line of their own
    end_grid(i + 1 if text else 1)
    plain = "\n".join(_CELL.sub(r"\g<text>", ln) if _CELL.match(ln) else ln for ln in lines)
    return Document(source, "text", sha256, plain, grids, dict(meta or {}))
