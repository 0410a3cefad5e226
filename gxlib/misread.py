"""Cells OCR misread (「l7」, 「O」, 「1 208」): not settled by print; the identities may settle them.

A scanned report's table, read by OCR, prints look-alikes for digits (O for 0, l or I for 1) or a
space inside a number.  Such a cell is *unreadable* as printed; :func:`gxlib.values.misread_readings`
lists the numbers it can stand for.  Here the template's identities that touch the cell with every
other cell of them stated — its row's total (表三, 表四), and for 表三 its column's
（七）总计 = the outcome rows and 一 + 二 = （七）总计 + 四 — keep the readings they allow
(:func:`gxlib.solver.cell_identities`, :func:`gxlib.solver.kept_by_sums`): one reading kept by at least one identity is stated
(``settled="identities"``, finding ``extract.misread``); otherwise the cell is ``ambiguous``, its
``extract.unreadable`` finding naming the readings.  Never guessed: no identity, no value."""

from __future__ import annotations

from . import solver
from .coded import Extraction
from .values import misread_readings

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
            sums = solver.cell_identities(ex.template, ex.single_other, cells, c)
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
        why = ("其余单元格不足以用勾稽关系核定" if not solver.cell_identities(ex.template, ex.single_other, cells, c)
               else "勾稽关系不允许任何读法")
        f = mine.get((c.table, c.row, c.col))
        if f is not None:
            f["message"] += f"（读法：{'、'.join(f'{x:g}' for x in readings)}；{why}，未采用）"
