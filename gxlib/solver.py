"""The one solver for every reading choice: the template's identities keep the readings they allow.

A *choice* is one printed row (or, for a fused run, several template rows) with every reading
of it still in play: the splits of a glued digit run (:mod:`gxlib.fused`), the placings of an
empty cell in a short row, the choices of spacer cells in a row that prints more cells than
the template has (:mod:`gxlib.extract`).  Each reader states only its readings; this module
decides among them, the same way for every format:

1. each row's own total (总计 = the parts) is applied by the caller while listing readings;
2. 表三 is solved jointly, per column: （七）总计 = the outcome rows, and
   一 + 二 = （七）总计 + 四.  Rows printed with one reading take part as fixed vectors, so a
   row the print leaves open can be settled by the rest of the table;
3. *hints* (printed spaces inside a run, the header columns' positions in a grid) narrow the
   readings when a hinted reading satisfies the identities, never against them;
4. when no reading satisfies every identity (the document's own arithmetic is wrong) the
   identities that do hold are used, and the broken ones are reported.

A cell is settled only when every reading kept gives it the same value; callers state that
value and flag the others ``ambiguous``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product
from typing import Any

from .spec import OTHER_SINGLE_ROW, Row, applications_rows, outcome_rows, template

_MAX_STATES = 20_000  # partial sums kept by the 表三 column solver (bounds pathological tables)

Vector = tuple[Decimal, ...]


@dataclass
class Choice:
    """One printed row's readings.  ``vectors[i]`` is reading ``i`` as numbers per cell (blank
    counts 0; ``None``: the reading holds a value that is not a number, so it cannot be summed).
    ``hinted``: the indices a hint prefers (``None``: no hint)."""

    table: str
    rows: list[Row]
    readings: list[Any]
    vectors: list[Vector | None]
    hinted: list[int] | None = None
    kept: list[int] = field(default_factory=list)  # filled by solve_applications

    def __post_init__(self) -> None:
        self.kept = list(range(len(self.readings)))

    def kept_readings(self) -> list[Any]:
        return [self.readings[i] for i in self.kept]

    def _preferred(self) -> list[int]:
        hinted = [i for i in (self.hinted or ()) if i in self.kept]
        return hinted or self.kept


class _TooBig(Exception):
    pass


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _sub(a: tuple, b: tuple) -> tuple:
    return tuple(x - y for x, y in zip(a, b))


def _step(sums: set[tuple], vectors: list[tuple], total: tuple) -> set[tuple]:
    """Every partial sum plus one vector, kept while it stays within the total (counts are ≥ 0)."""
    out = set()
    for f in sums:
        for v in vectors:
            s = _add(f, v)
            if all(x <= t for x, t in zip(s, total)):
                out.add(s)
    return out


def _column_viable(total: tuple, lists: list[list[tuple]]) -> list[set[int]] | None:
    """For 「total = sum of one vector per list」: per list, the indices that occur in some
    solution (None when there is none).  Forward and backward reachable partial sums."""
    n = len(lists)
    zero = tuple(0 for _ in total)
    fwd: list[set[tuple]] = [{zero}]
    for lst in lists:
        nxt = _step(fwd[-1], lst, total)
        if len(nxt) > _MAX_STATES:
            raise _TooBig
        if not nxt:
            return None
        fwd.append(nxt)
    if total not in fwd[-1]:
        return None
    bwd: list[set[tuple]] = [set() for _ in range(n + 1)]
    bwd[n] = {zero}
    for i in range(n - 1, -1, -1):
        nxt = _step(bwd[i + 1], lists[i], total)
        if len(nxt) > _MAX_STATES:
            raise _TooBig
        bwd[i] = nxt
    out = []
    for i, lst in enumerate(lists):
        ok = {j for j, v in enumerate(lst) if any(_sub(_sub(total, f), v) in bwd[i + 1] for f in fwd[i])}
        if not ok:
            return None
        out.append(ok)
    return out


_BALANCE = ("new_received", "carried_over", "total_handled", "carried_forward")


def _joint(vecs: dict[str, list[tuple]], outcome: list[str], use_sum: bool, use_balance: bool) -> dict[str, set[int]] | None:
    """Per row code, the candidate indices that occur in some solution of the chosen 表三
    column identities (None: no solution).  Rows the identities do not touch keep all."""
    viable = {code: set(range(len(v))) for code, v in vecs.items()}
    th = vecs.get("total_handled")
    use_sum = use_sum and th is not None and bool(outcome) and all(o in vecs for o in outcome)
    use_balance = use_balance and all(k in vecs for k in _BALANCE)
    if not (use_sum or use_balance):
        return viable
    if use_balance:
        sizes = [len(vecs[k]) for k in _BALANCE]
        if sizes[0] * sizes[1] * sizes[2] * sizes[3] > _MAX_STATES:
            raise _TooBig
    touched = (set(outcome) | {"total_handled"} if use_sum else set()) | (set(_BALANCE) if use_balance else set())
    found: dict[str, set[int]] = {code: set() for code in touched}
    nr, co, cf = (vecs.get(k, []) for k in ("new_received", "carried_over", "carried_forward"))
    for ti, T in enumerate(th):
        per = _column_viable(T, [vecs[o] for o in outcome]) if use_sum else []
        if per is None:
            continue
        combos = []
        if use_balance:
            combos = [(a, b, d) for a, b, d in product(range(len(nr)), range(len(co)), range(len(cf)))
                      if _add(nr[a], co[b]) == _add(T, cf[d])]
            if not combos:
                continue
        found["total_handled"].add(ti)
        for o, ok in zip(outcome if use_sum else (), per):
            found[o] |= ok
        for a, b, d in combos:
            found["new_received"].add(a)
            found["carried_over"].add(b)
            found["carried_forward"].add(d)
    if not found["total_handled"]:
        return None
    viable.update(found)
    return viable


IDENTITY_WORDS = {
    "sum": "（七）总计 = （一）至（六）各项之和",
    "balance": "第一项 + 第二项 = 第三项（七）总计 + 第四项",
}


def solve_applications(choices: list[Choice], tpl: str) -> list[str]:
    """Narrow the 表三 choices' ``kept`` readings by the column identities, in place.

    Returns the identities no reading satisfies (``"sum"``, ``"balance"``): the document's own
    arithmetic, for the caller to report.  Choices spanning several rows, or with a reading
    that is not numeric, do not take part (their rows then leave the identities unused)."""
    by_code = {c.rows[0].code: c for c in choices if len(c.rows) == 1 and c.kept
               and all(c.vectors[i] is not None for i in c.kept)}
    if not by_code:
        return []
    single = OTHER_SINGLE_ROW in by_code or tpl == "2019"
    outcome = outcome_rows([r.code for r in applications_rows(tpl, single)])
    pref = {code: c._preferred() for code, c in by_code.items()}
    full = {code: c.kept for code, c in by_code.items()}

    def attempt(idx: dict[str, list[int]], use_sum: bool, use_balance: bool):
        vecs = {code: [by_code[code].vectors[i] for i in idx[code]] for code in idx}
        return _joint(vecs, outcome, use_sum, use_balance)

    def keep(idx: dict[str, list[int]], viable: dict[str, set[int]] | None) -> None:
        for code, c in by_code.items():
            c.kept = [idx[code][j] for j in sorted(viable[code])] if viable else idx[code]

    try:
        for idx in (pref, full):
            v = attempt(idx, True, True)
            if v is not None:
                keep(idx, v)
                return []
        # The printed arithmetic is wrong somewhere: use what still holds.
        held = [(name, v) for name, flags in (("sum", (True, False)), ("balance", (False, True)))
                if (v := attempt(pref, *flags)) is not None]
        broken = [n for n in ("sum", "balance") if n not in {h for h, _ in held}]
        keep(pref, held[0][1] if len(held) == 1 else None)
        return broken or (["sum", "balance"] if len(held) != 1 else [])
    except _TooBig:
        keep(pref, None)
        return []


_BALANCE_SIGNS = dict(zip(_BALANCE, (1, 1, -1, -1)))  # 一 + 二 − （七）总计 − 四 = 0


def _stated(cells: dict, key) -> float | None:
    """A cell's number when it is stated (a printed blank counts 0, as in the choices' vectors);
    None when it is absent, ambiguous or unreadable."""
    c = cells.get(key)
    if c is None or c.ambiguous or c.settled == "unreadable":
        return None
    return 0.0 if c.value is None else c.value


def cell_identities(tpl: str, single_other: bool, cells: dict, c) -> list[tuple[float, float]]:
    """The identities touching one cell ``c`` (a CodedCell of ``cells``: (table, row, col) → cell)
    whose other cells are all stated, each solved for it as (sign, rest): sign · cell = rest.
    The row's own total (表三, 表四) and 表三's two column identities, as :func:`solve_applications`
    uses them on whole rows."""
    out: list[tuple[float, float]] = []

    def add(sign: float, terms: list[tuple[tuple, float]], rhs_sign: float = 1.0) -> None:
        rest = 0.0
        for key, k in terms:
            if (v := _stated(cells, key)) is None:
                return
            rest += k * v
        out.append((sign, rhs_sign * rest))

    table = template(tpl)[c.table] if tpl in ("2019", "2021") else None
    row = next((r for r in table.rows if r.code == c.row), None) if table is not None else None
    if row is None:
        return out
    cols = [k.code for k in row.cols]
    if c.table in ("applications", "reviews") and cols[-1] == "total":
        parts = [(c.table, c.row, k) for k in cols[:-1]]
        if c.col == "total":
            add(1.0, [(p, 1.0) for p in parts])
        else:  # cell = total − the other parts
            add(1.0, [((c.table, c.row, "total"), 1.0)] + [(p, -1.0) for p in parts if p[2] != c.col])
    if c.table == "applications":
        outcome = outcome_rows([r.code for r in applications_rows(tpl, single_other or tpl == "2019")])
        if c.row == "total_handled":
            add(1.0, [(("applications", o, c.col), 1.0) for o in outcome])
        elif c.row in outcome:
            add(1.0, [(("applications", "total_handled", c.col), 1.0)]
                + [(("applications", o, c.col), -1.0) for o in outcome if o != c.row])
        sign = _BALANCE_SIGNS.get(c.row)
        if sign is not None:  # sign · cell = −(the other terms)
            add(sign, [(("applications", r, c.col), float(k)) for r, k in _BALANCE_SIGNS.items() if r != c.row], -1.0)
    return out


def kept_by_sums(candidates: tuple[float, ...], sums: list[tuple[float, float]]) -> list[float]:
    """The candidates for one cell that every usable identity allows.  Each of ``sums`` is an
    identity solved for the cell: (sign, rest), the identity holding when sign · cell = rest
    (a part: cell = total − the other parts; a total: cell = the parts).  Counts are ≥ 0."""
    return [x for x in candidates if x >= 0 and all(sign * x == rest for sign, rest in sums)]


def agreed(values: list[Any]) -> tuple[bool, Any]:
    """(True, v) when every kept reading gives a cell the same value v."""
    first = values[0] if values else None
    return (bool(values) and all(v == first for v in values[1:]), first)
