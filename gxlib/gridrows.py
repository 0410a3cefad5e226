"""A grid row's printed cells → coded cells, every reading choice listed and settled by the solver.

A row prints as many cells as its template row has columns, and then it reads one way.  When
it does not, the ways it can be read are listed, never picked by position alone:

- fewer cells in Markdown or text (formats that drop an empty cell's place): every placing
  of the empty cells;
- more cells than columns with empty ones among them (a label spanning two columns in a PDF
  prints an empty cell before the numbers; a layout cell): every choice of spacer cells.

The row's total keeps the readings it allows; the header columns' positions in the grid (PDF,
HTML and Word keep them) are a hint; 表三 rows then go to :func:`gxlib.solver.solve_applications`
with every other 表三 row of the document, so the column identities can settle what the row
alone cannot.  A cell is stated only when every reading kept gives it the same value.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from math import copysign

from . import solver, spec
from .coded import CodedCell, Extraction, as_printed
from .document import Cell, Grid
from .headings import column_key
from .values import _UNREADABLE, Unreadable, _parse_value, is_blank, parse_value

# Formats whose rows do not keep an empty cell's place: a short row's missing cell may be
# anywhere (HTML, Word and PDF rows keep their cells' places).
_LOOSE_FORMATS = ("markdown", "text")
# Formats whose cells carry grid positions resolved from the page (spans, rulings): there the
# header columns' positions can tell a spacer from a printed empty cell.
_PLACED_FORMATS = ("pdf", "html", "docx")
_SHOW = 6  # readings named in a finding

Reading = list[Cell | None]


def take_row(ex: Extraction, table: str, row: spec.Row, values: list[Cell], fmt: str = "",
             header: list[tuple[int, int]] | None = None, headed: list[int | str] | None = None) -> None:
    """Code one template row from its printed value cells.  ``header``: per template column,
    the grid columns its heading spans (None when the grid's header was not found); ``headed``:
    for a short row, what the heading above each value names (see :func:`value_headings`)."""
    cols = row.cols
    if headed is not None and len(values) < len(cols):
        _take_headed(ex, table, row, values, headed)
        return
    if len(values) != len(cols) and _chosen(ex, table, row, values, fmt, header):
        return  # the row reads more than one way: left to the solver
    code, append = row.code, ex.cells.append
    for col, cell in zip(cols, values):  # coded(), inline for the readable cells (a call per cell less)
        value = _parse_value(cell.text, col.unit)
        if value is not _UNREADABLE:
            append(as_printed(table, code, col.code, value, cell.text, cell.where))
        else:
            append(coded(ex, table, code, col, cell))
    if len(values) < len(cols):
        _partial_row(ex, table, row, len(values), [c.code for c in cols[len(values):]])
    elif table == "applications":  # a fixed vector for the column identities, made only if a row is open
        ex.choices.append((row, values))  # (a _Pending only then: see settle_choices)


def value_headings(grid: Grid, upto: int, values: list[Cell], cols: tuple[spec.Column, ...],
                   fmt: str) -> list[int | str] | None:
    """Per printed value of a short row, what the nearest heading starting at its grid column
    names: a template column (its index) or a column group (its name: the value is
    then the sum of the group's columns, e.g. one 法人或其他组织 column for five).  None unless
    every value is headed so and the named columns go left to right.  In Markdown and text
    (no empty cell keeps its place) only a heading row printing as many cells as the row counts."""
    if len(values) >= len(cols) or fmt not in _PLACED_FORMATS + _LOOSE_FORMATS:
        return None
    width = len(grid.rows[upto]) if fmt in _LOOSE_FORMATS else None
    above = [r for r in range(upto - 1, -1, -1) if width is None or len(grid.rows[r]) == width]
    leaves = {spec.normalize_label(c.leaf): j for j, c in enumerate(cols)}
    groups = {spec.normalize_label(g) for c in cols for g in spec.label_parts(c.label)[:-1]}
    out: list[int | str] = []
    for v in values:
        named = next((name for r in above for cell in grid.rows[r]
                      if cell.col == v.col  # (where header and rows disagree on spans: no heading)
                      for name in [_heading(cell.text, leaves, groups)] if name is not None), None)
        if named is None:
            return None
        out.append(named)
    idx = [h for h in out if isinstance(h, int)]
    return out if idx == sorted(set(idx)) else None


def _heading(text: str, leaves: dict[str, int], groups: set[str]) -> int | str | None:
    key = column_key(text)
    return leaves.get(key, key if key in groups else None)


def _take_headed(ex: Extraction, table: str, row: spec.Row, values: list[Cell], headed: list[int | str]) -> None:
    """A short row whose values' headings name their columns: each value to the column its
    heading names; a value under a group's heading (the sum of several columns) to none."""
    cols = row.cols
    for cell, h in zip(values, headed):
        if isinstance(h, int):
            ex.cells.append(coded(ex, table, row.code, cols[h], cell))
    got = {h for h in headed if isinstance(h, int)}
    missing = [c.code for j, c in enumerate(cols) if j not in got]
    sums = [f"「{h}」{cell.text}" for cell, h in zip(values, headed) if isinstance(h, str)]
    _partial_row(ex, table, row, len(got), missing,
                 f"；{'、'.join(sums)} 是一组列之和，不读入其中任何一列" if sums else "")


def _partial_row(ex: Extraction, table: str, row: spec.Row, n_read: int, missing: list[str], note: str = "") -> None:
    ex.problems.append({
        "rule": "extract.partial_row", "severity": "warning", "table": table, "row": row.code,
        "col": missing[0] if missing else None,
        "message": f"表{spec.TABLE_NUMBER[table]} {row.leaf}：只读到 {n_read} 个数值，缺 {len(missing)} 列"
                   f"（{'、'.join(missing)}）{note}",
    })


def fold_total_only(ex: Extraction) -> None:
    """表三 printed with its 总计 column only (headed 申请人情况：总计 or 合计（件）, no applicant-type
    column): one finding naming the shape in place of one ``extract.partial_row`` per row, each true
    but the same.  The cells stay as read: the printed 总计 stated, the applicant columns absent
    (unknown, never 0).  Only when every 表三 row read has its 总计 cell alone."""
    table = "applications"
    read: dict[str, set[str]] = {}
    for c in ex.cells:
        if c.table == table:
            read.setdefault(c.row, set()).add(c.col)
    partial = [k for k, p in enumerate(ex.problems) if p["rule"] == "extract.partial_row" and p.get("table") == table]
    if len(partial) < 2 or any(cols != {"total"} for cols in read.values()) or any(
            ex.problems[k].get("row") not in read for k in partial):
        return
    names = "、".join(spec.col_label(table, c) for c in spec.APPLICANT_COLS)
    ex.problems[partial[0]] = {
        "rule": "extract.partial_row", "severity": "warning", "table": table, "row": None, "col": None,
        "message": f"表三只印了总计一列，各申请人类型列（{names}）未印：{len(read)} 行只读到总计，"
                   "各申请人类型的数值未知，未计入（不是 0）",
    }
    drop = set(partial[1:])
    ex.problems[:] = [p for k, p in enumerate(ex.problems) if k not in drop]


def _chosen(ex: Extraction, table: str, row: spec.Row, values: list[Cell], fmt: str,
            header: list[tuple[int, int]] | None) -> bool:
    """A row printing more or fewer cells than its columns: its readings listed for the solver
    (True), or else, where more numbers are printed than columns hold, the finding (False: the
    row is then coded by position)."""
    cols = row.cols
    lifted = ex.lifted.get(spec.PROACTIVE_ITEM.get(row.code)) if table == "proactive" else None
    if fmt in _LOOSE_FORMATS and lifted and len(values) == len(cols) - 1:
        cell = lifted.pop(0)  # the item's lifted values, in the order its rows print
        readings = [values[:j] + [cell] + values[j:] for j in range(len(cols))]
        named = [j for j, c in enumerate(cols) if any(w in cell.text for w in spec.NOTE_COLUMNS.get(c.code, ()))]
        _choose(ex, table, row, values + [cell], readings, "placings of a lifted value", header, named or None)
        return True
    if fmt in _LOOSE_FORMATS and 0 < len(values) < len(cols):
        _choose(ex, table, row, values, _short_readings(values, len(cols)), "placings of the empty cell", header)
        return True
    extra = [v for v in values[len(cols):] if not is_blank(v.text)]
    # (the spacer choices below arise only in a row printing more cells than columns)
    blanks = [j for j, v in enumerate(values) if is_blank(v.text) and not v.text.strip()] \
        if len(values) > len(cols) else []
    if extra and len(values) - len(cols) <= len(blanks):
        readings = _spacer_readings(values, blanks, len(cols))
        if cols[-1].code != "total" or any(_holds(r, cols) for r in readings):
            _choose(ex, table, row, values, readings, "choices of spacer cells", header)
            return True
    if not extra and fmt in _PLACED_FORMATS and len(values) > len(cols):
        # Only empty cells beyond the columns: trailing padding, or a spacer before the numbers
        # with the row's last cells printed empty.  The header's positions (or the identities)
        # tell; where nothing does the cells stay ambiguous.  (Markdown and text rows read as
        # padded: converters pad rows at the end and keep no positions.)
        readings = _spacer_readings(values, blanks, len(cols))
        if len({tuple(None if c is None else c.text for c in r) for r in readings}) > 1:
            _choose(ex, table, row, values, readings, "choices of spacer or padding cells", header)
            return True
    if extra and fmt in _LOOSE_FORMATS:
        # more numbers than columns in a row that keeps no places (a converter split a cell:
        # 251000元 as 2 | 51000元): which are the row's is not settled
        raw = " ".join(v.text for v in values)
        ex.cells.extend(CodedCell(table, row.code, c.code, None, raw, values[0].where, ambiguous=True) for c in cols)
        ex.problems.append({"rule": "extract.ambiguous", "severity": "warning", "table": table, "row": row.code,
                            "col": None, "message": f"表{spec.TABLE_NUMBER[table]} {row.leaf}：印出 {len(values)} 个数值"
                            f"（{raw}），模板只有 {len(cols)} 列，无法确定各列"})
        return True
    if extra:  # more printed numbers than columns and no empty cell (or reading) to explain them
        ex.problems.append(
            {
                "rule": "extract.extra_cells",
                "severity": "warning",
                "table": table,
                "row": row.code,
                "col": None,
                "message": f"表{spec.TABLE_NUMBER[table]} {row.leaf}：比模板多出 {len(extra)} 个数值"
                f"（{'、'.join(v.text for v in extra)}，{extra[0].where}），各列可能错位",
            }
        )
    return False


def _short_readings(values: list[Cell], n: int) -> list[Reading]:
    """A row printing fewer values than its n cells: every placing of the missing cells."""
    out = []
    for gaps in combinations(range(n), n - len(values)):
        it = iter(values)
        out.append([None if j in gaps else next(it) for j in range(n)])
    return out


def _spacer_readings(values: list[Cell], blanks: list[int], n: int) -> list[Reading]:
    """A row printing more cells than its n: every choice of empty cells to drop as spacers."""
    return [[v for j, v in enumerate(values) if j not in drop] for drop in combinations(blanks, len(values) - n)]


def _number(cell: Cell | None, col: spec.Column) -> float:
    return 0.0 if cell is None else (parse_value(cell.text, col.unit) or 0.0)


def _holds(reading: Reading, cols) -> bool:
    """The row's own identity (总计 = the parts; blank counts 0) on one reading."""
    try:
        nums = [_number(c, col) for c, col in zip(reading, cols)]
    except Unreadable:
        return False
    return abs(sum(nums[:-1]) - nums[-1]) < 1e-9


def _vector(reading: Reading, cols) -> solver.Vector | None:
    try:
        return tuple(_decimal(_number(c, col)) for c, col in zip(reading, cols))
    except Unreadable:
        return None


_ZERO, _MINUS_ZERO = Decimal("0.0"), Decimal("-0.0")


def _decimal(x: float) -> Decimal:
    """Decimal(str(x)), cached: the same few numbers fill most cells (0.0 and -0.0, one key
    to a cache, are told apart here)."""
    if x == 0:
        return _MINUS_ZERO if copysign(1.0, x) < 0 else _ZERO
    return _decimal_of(x)


@lru_cache(maxsize=65536)
def _decimal_of(x: float) -> Decimal:
    return Decimal(str(x))


def _under_header(reading: Reading, header: list[tuple[int, int]]) -> bool:
    """Every printed cell of the reading lies under its own column's heading."""
    return all(c is None or a <= c.col < b for c, (a, b) in zip(reading, header))


class _Pending:
    """A row's choice, kept until every 表三 row is read (the column identities need them all)."""

    __slots__ = ("choice", "row", "values", "before", "what", "hint")

    def __init__(self, choice: solver.Choice, row: spec.Row, values: list[Cell], before: list[Reading],
                 what: str) -> None:
        self.choice, self.row, self.values, self.before, self.what = choice, row, values, before, what
        self.hint = "under their headings"  # what the hinted readings agree with (for explain)


def _choose(ex: Extraction, table: str, row: spec.Row, values: list[Cell], readings: list[Reading], what: str,
            header: list[tuple[int, int]] | None, hinted: list[int] | None = None) -> None:
    """``hinted``: readings a printed word prefers (a note naming its column); else the header's positions."""
    cols = row.cols
    before = readings
    if cols[-1].code == "total":
        readings = [r for r in readings if _holds(r, cols)] or readings  # none holds: the print is wrong
    named = hinted is not None
    if named:
        chosen = [before[i] for i in hinted]
        hinted = [i for i, r in enumerate(readings) if any(r is n for n in chosen)] or None
    if hinted is None and header:
        hinted = [i for i, r in enumerate(readings) if _under_header(r, header)]
    choice = solver.Choice(table, [row], readings, [_vector(r, cols) for r in readings], hinted or None)
    pending = _Pending(choice, row, values, before, what)
    if named:
        pending.hint = "with the value in the column its note names"
    if table == "applications":
        ex.choices.append(pending)
    else:
        if hinted:
            choice.kept = hinted
        _emit(ex, pending)


def settle_choices(ex: Extraction) -> None:
    """Solve 表三's open rows jointly with its printed ones, then code them."""
    open_ = [p for p in ex.choices if type(p) is _Pending]  # the others: (row, values) printed with one reading
    if not open_:
        return
    choices = [p.choice if type(p) is _Pending else _fixed_choice(*p) for p in ex.choices]
    broken = solver.solve_applications(choices, ex.template)
    if broken and any(len(p.choice.readings) > 1 for p in open_):
        for name in broken:
            ex.log.append(f"表三: no reading satisfies {solver.IDENTITY_WORDS[name]}; each row's own total decides")
            ex.problems.append(
                {
                    "rule": "extract.identity_broken",
                    "severity": "warning",
                    "table": "applications",
                    "row": "total_handled",
                    "col": None,
                    "message": f"表三 没有任何读法能满足 {solver.IDENTITY_WORDS[name]}（报告自身数字不平衡）；"
                    "按各行自身的总计读取",
                }
            )
    for p in open_:
        if p.choice.hinted and len(p.choice.kept) > 1:  # the identities could not decide: the positions do
            p.choice.kept = [i for i in p.choice.kept if i in p.choice.hinted] or p.choice.kept
        _emit(ex, p)
    ex.choices.clear()


def _fixed_choice(row: spec.Row, values: list[Cell]) -> solver.Choice:
    """The one reading of a 表三 row printed with one cell per column, as the solver takes it."""
    reading = list(values[: len(row.cols)])
    return solver.Choice("applications", [row], [reading], [_vector(reading, row.cols)])


def _emit(ex: Extraction, p: _Pending) -> None:
    table, row, values, cols = p.choice.table, p.row, p.values, p.row.cols
    readings = p.choice.kept_readings()
    base = [p.choice.readings[i] for i in p.choice.hinted] if p.choice.hinted else p.before
    steps = [f"{len(p.before)} {p.what}"]
    if cols[-1].code == "total":
        steps.append(f"{len(p.choice.readings)} kept by the row total")
    if p.choice.hinted:
        steps.append(f"{len(p.choice.hinted)} {p.hint}")
    if table == "applications":
        steps.append(f"{len(readings)} by the column identities")
    ex.log.append(f"{values[0].where}: {table}.{row.code} prints {len(values)} cells for {len(cols)}: " + ", ".join(steps))
    for j, col in enumerate(cols):
        same, cell = solver.agreed([None if r[j] is None else r[j].text for r in readings])
        if same:
            cell = readings[0][j]
            by = "print" if solver.agreed([None if r[j] is None else r[j].text for r in base])[0] else "identities"
            if cell is None:
                ex.cells.append(CodedCell(table, row.code, col.code, None, "", values[0].where, settled=by))
            else:
                c = coded(ex, table, row.code, col, cell)
                c.settled = by if c.settled == "print" else c.settled
                ex.cells.append(c)
        else:
            ex.cells.append(CodedCell(table, row.code, col.code, None, " ".join(v.text for v in values),
                                      values[0].where, ambiguous=True))
    if len(readings) > 1:
        shown = "；".join("|".join("□" if c is None else (c.text or "□") for c in r) for r in readings[:_SHOW])
        ex.problems.append(
            {
                "rule": "extract.ambiguous",
                "severity": "warning",
                "table": table,
                "row": row.code,
                "col": None,
                "message": f"表{spec.TABLE_NUMBER[table]} {row.leaf}：印了 {len(values)} 格（应有 {len(cols)} 格），"
                f"有 {len(readings)} 种读法：{shown}",
            }
        )


def header_columns(grid: Grid, upto: int, cols: tuple[spec.Column, ...], fmt: str) -> list[tuple[int, int]] | None:
    """Per template column, the grid columns [a, b) its heading spans in the rows above row
    ``upto`` (the nearest heading of each), when every column's heading is printed there in order."""
    if fmt not in _PLACED_FORMATS:
        return None
    want = [spec.normalize_label(c.leaf) for c in cols]
    found: list[tuple[int, int] | None] = [None] * len(cols)
    for r in range(upto - 1, -1, -1):
        for cell in grid.rows[r]:
            key = spec.normalize_label(cell.text)
            for j, w in enumerate(want):
                if found[j] is None and key == w:
                    found[j] = (cell.col, cell.col + cell.colspan)
    if any(f is None for f in found):
        return None
    starts = [a for a, _ in found]
    return found if starts == sorted(set(starts)) else None


def coded(ex: Extraction, table: str, row: str, col: spec.Column, cell: Cell) -> CodedCell:
    value = _parse_value(cell.text, col.unit)  # parse_value without its wrapper: a call per cell less
    if value is not _UNREADABLE:
        return as_printed(table, row, col.code, value, cell.text, cell.where)
    ex.problems.append(
        {
            "rule": "extract.unreadable",
            "severity": "warning",
            "table": table,
            "row": row,
            "col": col.code,
            "message": f"{cell.where}: 无法识别的数值 {cell.text!r}",
        }
    )
    return CodedCell(table, row, col.code, None, cell.text, cell.where, settled="unreadable")


def take_short_reviews(ex: Extraction, values: list[Cell]) -> None:
    """表四's one data row printing one cell fewer than its 15 (a cell deleted in Word, the cells on
    its right moved left): every placing of the missing cell is a reading, the missing cell an
    unknown count ≥ 0.  Each of the three rows' own total (总计 = the parts) keeps the placings it
    allows and gives the missing cell its value (总计 − the other parts, or the parts' sum when it is
    the 总计); a cell is stated only where every kept placing gives it the same value, else it is
    ambiguous (never read by position, never taken as 0)."""
    rows = spec.template(ex.template)["reviews"].rows
    n = sum(len(r.cols) for r in rows)
    before = _short_readings(values, n)

    def split(reading: Reading) -> list[Reading]:
        out, k = [], 0
        for r in rows:
            out.append(reading[k:k + len(r.cols)])
            k += len(r.cols)
        return out

    solved = [(rd, nums) for rd in before if (nums := _with_gap(split(rd), rows)) is not None]
    kept = [rd for rd, _ in solved] or before
    ex.log.append(f"{values[0].where}: reviews prints {len(values)} cells for {n}: {len(before)} placings of the "
                  f"missing cell, {len(kept)} kept by the rows' totals")
    raw = " ".join(v.text for v in values)
    parts = [split(rd) for rd in kept]
    for i, r in enumerate(rows):
        for j, col in enumerate(r.cols):
            printed = [p[i][j] for p in parts]
            nums = [x[i][j] for _, x in solved]
            if nums and all(abs(x - nums[0]) < 1e-9 for x in nums):
                if all(c is not None for c in printed) and solver.agreed([c.text for c in printed])[0]:
                    c = coded(ex, "reviews", r.code, col, printed[0])  # printed in place in every placing
                    c.settled = "identities" if c.settled == "print" and len(kept) < len(before) else c.settled
                else:  # the missing cell, or a cell the placings agree on by value
                    c = CodedCell("reviews", r.code, col.code, nums[0], raw, values[0].where, settled="identities")
            elif not nums and all(c is not None for c in printed) and solver.agreed([c.text for c in printed])[0]:
                c = coded(ex, "reviews", r.code, col, printed[0])  # no placing balances: in place in every one
            else:
                c = CodedCell("reviews", r.code, col.code, None, raw, values[0].where, ambiguous=True)
            ex.cells.append(c)
    shown = "；".join("|".join("□" if c is None else (c.text or "□") for c in rd) for rd in kept[:_SHOW])
    ex.problems.append({
        "rule": "extract.ambiguous" if len(kept) > 1 else "extract.partial_row", "severity": "warning",
        "table": "reviews", "row": None, "col": None,
        "message": f"表四 数据行只印了 {len(values)} 格（应有 {n} 格），缺的一格位置未印明；各行总计留下 {len(kept)} 种读法"
                   f"：{shown}" + ("（各读法一致的格照读，其余未定）" if len(kept) > 1 else ""),
    })


def _with_gap(parts: list[Reading], rows) -> list[list[float]] | None:
    """A placing's numbers per row, the missing cell (None) given the value its row's total leaves
    it (≥ 0); None when a row's total does not hold or a cell cannot be read as a number."""
    out = []
    for part, r in zip(parts, rows):
        try:
            nums = [None if c is None else _number(c, col) for c, col in zip(part, r.cols)]
        except Unreadable:
            return None
        if None in nums:
            g = nums.index(None)
            rest = sum(x for k, x in enumerate(nums[:-1]) if k != g)
            nums[g] = rest if g == len(nums) - 1 else nums[-1] - rest
            if nums[g] < 0:
                return None
        elif abs(sum(nums[:-1]) - nums[-1]) >= 1e-9:
            return None
        out.append(nums)
    return out
