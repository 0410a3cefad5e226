"""The rule registry (:class:`Rule`, :data:`RULES`, the ``_rule`` decorator), the labels and
numbers messages use, and one report's cells as a lookup (:class:`_Ctx`) that the report-scope
rules read."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .. import spec
from ..spec import APPLICANT_COLS

# ---------------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # error | warning | info
    scope: str  # report | corpus
    title_zh: str
    doc: str
    message: str  # Chinese message template (str.format fields)
    func: Callable = field(repr=False, compare=False)


RULES: dict[str, Rule] = {}


def _rule(code: str, severity: str, scope: str, title_zh: str, message: str):
    def deco(func: Callable) -> Callable:
        RULES[code] = Rule(code, severity, scope, title_zh, (func.__doc__ or "").strip(), message, func)
        return func

    return deco


# ---------------------------------------------------------------------------------------------
# Labels and numbers for messages

TABLE_ZH = {t: f"表{n}" for t, n in spec.TABLE_NUMBER.items()}


def _fmt(x: float | None) -> str:
    if x is None:
        return "空白"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=4096)  # labels are the template's: one lookup per row, not one per report
def row_zh(table: str, row: str, tpl: str | None = None) -> str:
    """A row's label in a message: numbered sub-items with their group (（三）不予公开 1.属于国家秘密)."""
    return spec.row_display(table, row, tpl, with_group=True)


@lru_cache(maxsize=4096)
def col_zh(table: str, col: str) -> str:
    try:
        label = spec.col_label(table, col)
    except KeyError:
        return col
    if table == "applications" and col == "other_org":
        return "其他（法人或其他组织）"
    return label


# ---------------------------------------------------------------------------------------------
# One report's cells as a lookup


@dataclass(slots=True)
class _Cell:
    value: float | None
    ambiguous: bool


class _Cells:
    def __init__(self, cells: list[dict]):
        self.map: dict[tuple[str, str, str], _Cell] = {}
        rows: dict[str, dict[str, None]] = {}  # table -> its rows in order of first appearance
        for x in cells:
            t, r = x["table"], x["row"]
            self.map[(t, r, x["col"])] = _Cell(x["value"], bool(x.get("ambiguous")) or x.get("settled") == "unreadable")
            if (seen := rows.get(t)) is None:
                rows[t] = {r: None}
            else:
                seen[r] = None
        self.rows: dict[str, list[str]] = {t: list(rs) for t, rs in rows.items()}

    @classmethod
    def of_coded(cls, coded: list) -> _Cells:
        """The same lookup over the extraction's CodedCells, as ``read_report`` has them: each
        carries ``value`` and ``ambiguous`` itself (no _Cell is made per cell)."""
        self = cls.__new__(cls)
        self.map = {}
        rows: dict[str, dict[str, None]] = {}
        for x in coded:
            t, r = x.table, x.row
            # an unreadable cell is unknown, as ambiguous ones are (its None is no printed blank)
            self.map[(t, r, x.col)] = _Cell(None, True) if x.settled == "unreadable" else x
            if (seen := rows.get(t)) is None:
                rows[t] = {r: None}
            else:
                seen[r] = None
        self.rows = {t: list(rs) for t, rs in rows.items()}
        return self

    def get(self, t: str, r: str, c: str) -> _Cell | None:
        return self.map.get((t, r, c))

    def has_row(self, t: str, r: str) -> bool:
        return r in self.rows.get(t, [])


def _eq(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-6)


@dataclass
class _Ctx:
    report: dict
    cells: _Cells
    narrative: list[dict]  # NARRATIVE rows of this report
    sections: dict[str, str] | None
    out: list[dict] = field(default_factory=list)

    @property
    def rid(self) -> str | None:
        return self.report.get("report_id")

    def find(self, rule: str, table=None, row=None, col=None, expected=None, actual=None, /, **fields) -> None:
        r = RULES[rule]
        fields.setdefault("expected", _fmt(expected))
        fields.setdefault("actual", _fmt(actual))
        self.out.append(
            {"report_id": self.rid, "rule": rule, "severity": r.severity, "table": table, "row": row, "col": col,
             "expected": expected, "actual": actual, "message": r.message.format(**fields)}
        )


def _sum_identity(ctx: _Ctx, rule: str, table: str, stated: tuple[str, str], parts: list[tuple[str, str]],
                  prefix: str, skip_blank_total_column: bool = False) -> None:
    """stated cell = sum of part cells (blank parts count 0), with the skip rules of the module doc."""
    get = ctx.cells.map.get
    s = get((table, stated[0], stated[1]))
    if s is None or s.value is None or s.ambiguous:
        return  # stated side absent, blank (not filled) or unsettled: nothing to check
    present = []
    for p in parts:  # (one loop, no generator: an identity per row and column of every report)
        if (c := get((table, p[0], p[1]))) is not None:
            if c.ambiguous:
                return
            present.append((p, c))
    if not present:
        return
    if skip_blank_total_column:
        if all(c.value is None for _, c in present):
            return  # the 总计 column left blank on every part row: not filled, not an error
        # a single 总计 cell left blank on a row whose applicant cells are printed: not filled;
        # the row's own cells stand in for it (table3.row_total does not check a blank 总计 either)
        filled = []
        for p, c in present:
            if c.value is None:
                row_cells = [ctx.cells.get(table, p[0], a) for a in APPLICANT_COLS]
                row_cells = [x for x in row_cells if x is not None]
                if any(x.ambiguous for x in row_cells):
                    return
                c = _Cell(sum(x.value or 0.0 for x in row_cells), False)
            filled.append((p, c))
        present = filled
    total = sum([c.value or 0.0 for _, c in present])
    if _eq(total, s.value):
        return
    label = lambda p: row_zh(table, p[0]) if p[1] == stated[1] else col_zh(table, p[1])  # noqa: E731
    terms = " + ".join(f"{label(p)} {_fmt(c.value or 0.0)}" for p, c in present)
    ctx.find(rule, table, stated[0], stated[1], total, s.value, where=prefix, parts=terms)
