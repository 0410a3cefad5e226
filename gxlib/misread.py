"""Cells OCR misread (「l7」, 「O」, 「1 208」): not settled by print; the identities may settle them.

A scanned report's table, read by OCR, prints look-alikes for digits (O for 0, l or I for 1) or a
space inside a number.  Such a cell is *unreadable* as printed; :func:`gxlib.values.misread_readings`
lists the numbers it can stand for.  Here the template's identities that touch the cell with every
other cell of them stated — its row's total (表三, 表四), and for 表三 its column's
（七）总计 = the outcome rows and 一 + 二 = （七）总计 + 四 — keep the readings they allow
(:func:`gxlib.solver.kept_by_sums`): one reading kept by at least one identity is stated
(``settled="identities"``, finding ``extract.misread``); otherwise the cell is ``ambiguous``, its
``extract.unreadable`` finding naming the readings.  Never guessed: no identity, no value."""

from __future__ import annotations

from . import solver, spec
from .coded import CodedCell, Extraction
from .values import misread_readings

_BALANCE = (("new_received", 1), ("carried_over", 1), ("total_handled", -1), ("carried_forward", -1))


def _known(cells: dict, key) -> float | None:
    """The cell's number when it is stated (a printed blank counts 0, as in the solver); None
    when it is absent, ambiguous or unreadable."""
    c = cells.get(key)
    if c is None or c.ambiguous or c.settled == "unreadable":
        return None
    return 0.0 if c.value is None else c.value


def _sums(ex: Extraction, cells: dict, c: CodedCell) -> list[tuple[float, float]]:
    """The identities touching ``c`` whose other cells are all stated, solved for ``c``."""
    out = []

    def add(sign: float, keys_signs: list[tuple[tuple, float]], rhs_sign: float = 1.0) -> None:
        rest = 0.0
        for key, k in keys_signs:
            v = _known(cells, key)
            if v is None:
                return
            rest += k * v
        out.append((sign, rhs_sign * rest))

    table = spec.template(ex.template)[c.table] if ex.template in ("2019", "2021") else None
    if table is None:
        return out
    row = next((r for r in table.rows if r.code == c.row), None)
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
        single = ex.single_other or ex.template == "2019"
        outcome = spec.outcome_rows([r.code for r in spec.applications_rows(ex.template, single)])
        if c.row == "total_handled":
            add(1.0, [(("applications", o, c.col), 1.0) for o in outcome])
        elif c.row in outcome:
            add(1.0, [(("applications", "total_handled", c.col), 1.0)]
                + [(("applications", o, c.col), -1.0) for o in outcome if o != c.row])
        sign = dict(_BALANCE).get(c.row)
        if sign is not None:  # sign · cell = −(the other terms)
            add(sign, [(("applications", r, c.col), float(k)) for r, k in _BALANCE if r != c.row], -1.0)
    return out


def settle(ex: Extraction) -> None:
    """Settle or flag every misread cell of ``ex`` in place (repeated while a settled cell lets
    another identity be used)."""
    todo = [c for c in ex.cells if c.settled == "unreadable" and misread_readings(c.raw)]
    if not todo:
        return
    cells = {(c.table, c.row, c.col): c for c in ex.cells}
    keys = {(c.table, c.row, c.col) for c in todo}
    mine = {k: f for f in ex.problems  # their extract.unreadable findings
            if f["rule"] == "extract.unreadable" and (k := (f["table"], f["row"], f["col"])) in keys}
    progress = True
    while progress and todo:
        progress = False
        for c in list(todo):
            sums = _sums(ex, cells, c)
            kept = solver.kept_by_sums(misread_readings(c.raw), sums)
            if sums and len(kept) == 1:
                c.value, c.settled = kept[0], "identities"
                todo.remove(c)
                progress = True
                ex.log.append(f"{c.where}: misread {c.raw!r} → {kept[0]:g} (kept by {len(sums)} identities)")
                ex.problems.append({
                    "rule": "extract.misread", "severity": "info", "table": c.table, "row": c.row, "col": c.col,
                    "message": f"{c.where}: 数值 {c.raw!r} 疑为识别错误，按勾稽关系（{len(sums)} 项）核定为 {kept[0]:g}",
                })
    for key, f in mine.items():
        if cells[key].settled == "identities":
            ex.problems.remove(f)  # settled: extract.misread says how
    for c in todo:  # still open: ambiguous, the finding naming its readings
        readings = misread_readings(c.raw)
        c.ambiguous, c.settled = True, "ambiguous"
        why = ("其余单元格不足以用勾稽关系核定" if not _sums(ex, cells, c)
               else "勾稽关系不允许任何读法")
        f = mine.get((c.table, c.row, c.col))
        if f is not None:
            f["message"] += f"（读法：{'、'.join(f'{x:g}' for x in readings)}；{why}，未采用）"
