"""What a table's own header says about where its values go, beyond the template's order.

- **Columns printed in another order, said by the header** (``科研机构 | 商业企业 | …`` under
  法人或其他组织): a full row whose values each stand under a heading naming a template column,
  the headings naming every column once and not in the template's order, is read by its
  headings (:func:`permutation`).  A heading row that does not name every column leaves the row
  to the template's order.
- **A heading worded round a column's name** (``申请人情况：总计``, ``总计（件）``, ``合计``): the
  column it names (:func:`column_key`), for the short rows read by their headings.
- **表三 printed transposed** (the applicant types as rows, the template's rows as columns):
  the grid is turned so each template row is a row again (:func:`untranspose`); every value
  keeps its printed cell and provenance.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache, lru_cache

from . import spec
from .document import Cell, Grid

_UNIT = re.compile(r"[（(](?:件|个|项|条|次|单位[:：]?件)[)）]$")
_PREFIX = re.compile(r"^.*[:：]")
_SYNONYM = {"合计": "总计"}


@lru_cache(maxsize=8192)  # (every heading cell is asked once per row below it)
def column_key(text: str) -> str:
    """A heading's text folded to the column name it states: a unit in brackets after it and a
    lead-in ending in a colon are words round the name (``申请人情况：总计（件）`` → 总计)."""
    key = spec.normalize_label(text)
    key = _UNIT.sub("", _PREFIX.sub("", key))
    return _SYNONYM.get(key, key)


def permutation(grid: Grid, upto: int, values: list[Cell], cols: tuple[spec.Column, ...]) -> list[int] | None:
    """Per value of a full row (as many values as columns), the template column its nearest
    heading names, when the headings name each column once and not in the template's order;
    else None (the row reads by the template's order).  In Markdown and text a heading row may
    have dropped an empty cell, shifting the headings after it: they then name some column twice
    or miss one, which is no permutation, so the row keeps the template's order."""
    if len(values) != len(cols) or len(cols) < 2:
        return None
    leaves = _leaves(cols)
    if len(leaves) != len(cols):
        return None  # two columns of one name: a heading cannot tell them apart
    index, rows, memo = _named_cells(grid)
    # the answer depends on which heading rows stand above: the same for every row between two
    key = (bisect_left(rows, upto), *leaves, *[v.col for v in values])  # (rows' cols are equal, not one tuple)
    if key not in memo:
        memo[key] = _heading_order(index, upto, values, leaves)
    return memo[key]


def _heading_order(index: dict, upto: int, values: list[Cell], leaves: dict[str, int]) -> list[int] | None:
    out: list[int] = []
    for v in values:
        named = next((leaves[k] for r, k in reversed(index.get(v.col, ())) if r < upto and k in leaves), None)
        if named is None:
            return None
        out.append(named)
    if sorted(out) != list(range(len(leaves))) or out == sorted(out):
        return None
    return out


_LEAVES: dict[int, tuple] = {}  # id(cols) → (cols, leaves): the template's rows live for the process


def _leaves(cols: tuple[spec.Column, ...]) -> dict[str, int]:
    """The template column each heading name states (by identity: hashing nine columns per
    row read cost more than building the map)."""
    hit = _LEAVES.get(id(cols))
    if hit is None or hit[0] is not cols:
        hit = _LEAVES[id(cols)] = (cols, {spec.normalize_label(c.leaf): j for j, c in enumerate(cols)})
        if len(_LEAVES) > 512:
            _LEAVES.clear()
            _LEAVES[id(cols)] = hit
    return hit[1]


@cache
def _leaf_keys() -> frozenset[str]:
    """Every template column's name as a heading states it (both templates, every row)."""
    return frozenset(spec.normalize_label(c.leaf) for t in spec.TEMPLATES
                     for table in spec.template(t).tables.values() for r in table.rows for c in r.cols)


_LAST: list = [None, None]  # (grid, its index): the rows of one grid are read one after another


def _named_cells(grid: Grid) -> tuple[dict[int, list[tuple[int, str]]], list[int], dict]:
    """Per grid column, the one-column cells whose text names a template column, as (row, name)
    top to bottom: the headings :func:`permutation` looks for, found once per grid, not per row;
    the rows holding them; and a memo of the answers."""
    if _LAST[0] is grid:
        return _LAST[1]
    names = _leaf_keys()
    index: dict[int, list[tuple[int, str]]] = {}
    for r, row in enumerate(grid.rows):
        for cell in row:
            if cell.colspan == 1 and (k := column_key(cell.text)) in names:
                index.setdefault(cell.col, []).append((r, k))
    found = (index, sorted({r for cells in index.values() for r, _ in cells}), {})
    _LAST[:] = [grid, found]
    return found


# the applicant columns of 表三 as printed (their leaves), the marks of a transposed 表三
_APPLICANTS = tuple(spec.normalize_label(c.leaf) for c in spec.template("2021")["applications"].rows[0].cols)
_ROW_WORDS = ("本年新收", "上年结转", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理",
              "总计", "结转下年度")


def untranspose(grid: Grid) -> Grid | None:
    """表三 printed with the applicant types as rows (自然人 … 总计 down the first column) and
    the template's rows as columns: the grid turned back (header row ``申请人情况 | 自然人 | …``,
    then one row per printed column: its heading cells top to bottom, then its values), else None."""
    if sum(1 for r in grid.rows if any(c.text.replace(" ", "").strip() in _APPLICANTS for c in r[:3])) < 5:
        return None  # (a cheap test first: fewer than five rows named by an applicant type)
    named = []  # (row index, its applicant label cell): the label cells stand before the values
    for i, r in enumerate(grid.rows):
        label = next((c for c in reversed(r[:4]) if spec.normalize_label(c.text) in _APPLICANTS), None)
        if label is not None:
            named.append((i, label))
    if len(named) < 5:
        return None
    top = named[0][0]
    header_text = "".join(c.text for r in grid.rows[:top] for c in r)
    if sum(w in header_text for w in _ROW_WORDS) < 6:
        return None
    data = [grid.rows[i] for i, _ in named]
    width = max(c.col + c.colspan for r in grid.rows for c in r)
    lead = max(c.col + c.colspan for _, c in named)
    w = 3  # label columns of the turned grid (表三 prints at most three)
    rows: list[list[Cell]] = [[Cell("申请人情况", grid.where, 0, 0, colspan=w)] +
                              [Cell(c.text, c.where, 0, w + k) for k, (_, c) in enumerate(named)]]
    for j in range(lead, width):
        heads, seen = [], set()
        for r in grid.rows[:top]:
            for c in r:
                if c.col <= j < c.col + c.colspan and id(c) not in seen and c.text.strip():
                    seen.add(id(c))
                    heads.append(Cell(c.text, c.where, len(rows), len(heads)))
        vals = []
        for k, r in enumerate(data):
            cell = next((c for c in r if c.col <= j < c.col + c.colspan), None)
            if cell is not None:
                vals.append(Cell(cell.text, cell.where, len(rows), w + k))
        if heads and vals:
            heads = heads[-w:]  # the labels stand right before the values, under 申请人情况
            rows.append([Cell(h.text, h.where, len(rows), w - len(heads) + i) for i, h in enumerate(heads)] + vals)
    return Grid(rows, grid.where + " (printed transposed: turned back)", caption=grid.caption)


_FORMATS = ("pdf", "html", "docx", "markdown", "text")  # grids whose cells carry their columns


def in_heading_order(grid: Grid, upto: int, values: list[Cell], cols: tuple[spec.Column, ...], fmt: str,
                     log: list[str]) -> list[Cell]:
    """A full row's values in the template's column order: as printed, unless the header puts
    the columns in another order (:func:`permutation`)."""
    perm = permutation(grid, upto, values, cols) if fmt in _FORMATS else None
    if perm is None:
        return values
    log.append(f"{values[0].where}: the header prints the columns in another order → read by their headings")
    return [values[perm.index(j)] for j in range(len(cols))]


_YEAR_HEADING = re.compile(r"^(?:19|20)\d{2}\s*年度?(?:[（(][^）)]*[)）])?$")


def by_years(grid: Grid) -> dict | None:
    """A table comparing years (``项目 | 2021年 | 2022年 | 增减``, in the overview): its rows
    name template rows (本年新收…, 行政许可) but it is no template table, so it is not read, and
    the finding says so.  None for any other grid (a template table heads no column by a year
    twice; one column headed by the report's year is left to the extractor)."""
    for row in grid.rows[:2]:
        years = [c.text.strip() for c in row if _YEAR_HEADING.match(spec.normalize_label(c.text))]
        if len(years) >= 2:
            return {"rule": "extract.comparison_table", "severity": "info", "table": None, "row": None, "col": None,
                    "message": f"{grid.where}：按年份对比的表格（{'、'.join(years)}），不是模板表格，未读入"}
    return None
