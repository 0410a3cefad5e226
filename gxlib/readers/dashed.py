"""Dash-ruled tables — pandoc's simple and multiline tables (``pandoc -t markdown`` / ``plain``).

A line of dash runs (``-------- ------ ----``) gives the columns: each run is one column, from
its first dash to the start of the next run.  The rows below it (to the next dash line) are
cut at those places, counted in *display* columns (a CJK character is two wide, as pandoc pads
them).  In a multiline table (blank lines between the rows) the lines of one row are one row,
their text joined column by column.  :func:`to_pipes` rewrites each such table as pipe rows
(one ``| a | b |`` line per row, on the row's first line, the other lines left empty) so the
Markdown reader reads it as any other pipe table, its line numbers kept.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

_RULE = re.compile(r"^\s*-{2,}(?: +-{2,})+\s*$")  # two dash runs or more
_MAX_ROWS = 400  # a dash line with no closing one this far below is not a table's


def rules(lines: list[str]) -> int:
    """How many dash lines of a table ``lines`` holds."""
    return sum(1 for ln in lines if "- -" in ln and _RULE.match(ln))


def looks_dashed(lines: list[str]) -> bool:
    return rules(lines) >= 1


def _columns(rule: str) -> list[int]:
    return [m.start() for m in re.finditer(r"-+", rule)]


def _cut(line: str, starts: list[int]) -> list[str]:
    """``line``'s text in each column (by display position)."""
    cells = [""] * len(starts)
    pos = 0
    for ch in line:
        k = max(bisect.bisect_right(starts, pos) - 1, 0)
        if not ch.isspace():
            cells[k] += ch
        elif cells[k] and not cells[k].endswith(" "):
            cells[k] += " "
        pos += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return [c.strip() for c in cells]


def _row_text(lines: list[str], starts: list[int]) -> str:
    parts = [_cut(ln, starts) for ln in lines]
    cells = ["".join(p[k] for p in parts) for k in range(len(starts))]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_pipes(text: str) -> str:
    """``text`` with its dash-ruled tables rewritten as pipe rows (line count kept)."""
    lines = text.split("\n")
    if not looks_dashed(lines):
        return text
    i = 0
    while i < len(lines):
        if not _RULE.match(lines[i]):
            i += 1
            continue
        end = next((j for j in range(i + 1, min(len(lines), i + _MAX_ROWS)) if _RULE.match(lines[j])), None)
        if end is None:
            i += 1
            continue
        starts = _columns(lines[i])
        body = lines[i + 1:end]
        multiline = any(not ln.strip() for ln in body)
        groups: list[list[int]] = []
        for k, ln in enumerate(body, start=i + 1):
            if not ln.strip():
                groups.append([]) if groups and groups[-1] else None
                continue
            if not groups or not multiline:
                groups.append([])
            groups[-1].append(k)
        lines[i] = "|" + "|".join("---" for _ in starts) + "|"
        for g in (g for g in groups if g):
            row = _row_text([lines[k] for k in g], starts)
            for k in g:
                lines[k] = ""
            lines[g[0]] = row
        lines[end] = ""
        i = end + 1
    return "\n".join(lines)
