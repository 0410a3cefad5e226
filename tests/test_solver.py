"""The one solver for reading choices (gxlib.solver), on real PDFs drawn here and on its own rules.

The PDFs are real files (reportlab, ruled tables, a text layer) read by the PDF reader, as a
report whose 表三 labels span two columns prints them: a label cell and an empty cell before
the numbers (Word and WPS exports do this when a merged cell is drawn as two).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from gxlib import gridrows, solver, spec
from gxlib.demo import _agency_reports, layout, render_pdf
from gxlib.demo.agencies import select
from gxlib.demo.layout import GCell
from gxlib.extract import extract
from gxlib.readers import read_document


def _spanning_pdf(monkeypatch, tmp_path, seed: int):
    """A demo report drawn as a PDF whose full-width 表三 labels are a label cell + an empty cell."""
    drawn = layout._grid_applications

    def split_labels(report):
        g = drawn(report)
        for line in g.rows[3:]:
            if line[0].kind == "label" and line[0].colspan == 3:
                line[0].colspan = 2
                line.insert(1, GCell("", kind="data"))
        return g

    monkeypatch.setattr(render_pdf, "grid", lambda r, t: split_labels(r) if t == "applications" else layout.grid(r, t))
    rep = next(_agency_reports(select(5, seed)[0], seed, [2022], ("pdf",), 0.0))
    data = render_pdf.render(rep)
    path = tmp_path / "spanning.pdf"
    path.write_bytes(data)
    truth = {(c["table"], c["row"], c["col"]): c["value"] for c in rep.truth(data)["cells"]}
    return read_document(path, data), truth


def _open_rows(doc) -> list[str]:
    """表三 rows whose spacer cell the row total alone cannot place (two readings survive it)."""
    ex = extract(doc, "2021")
    return [line for line in ex.log if "choices of spacer cells" in line and " 1 kept by the row total" not in line]


@pytest.mark.parametrize("seed", [3, 5])
def test_a_spanning_label_in_a_real_pdf_keeps_every_value_in_its_column(monkeypatch, tmp_path, seed):
    doc, truth = _spanning_pdf(monkeypatch, tmp_path, seed)
    assert _open_rows(doc), "the drawn PDF must print rows the row total cannot settle (else the test proves nothing)"
    ex = extract(doc, "2021")
    got = {(c.table, c.row, c.col): c.value for c in ex.cells}
    assert {k: got.get(k) for k in truth} == truth
    assert not [p for p in ex.problems if p["rule"] in ("extract.extra_cells", "extract.ambiguous")]


def test_without_header_positions_the_column_identities_settle_the_same_pdf(monkeypatch, tmp_path):
    doc, truth = _spanning_pdf(monkeypatch, tmp_path, 3)
    monkeypatch.setattr(gridrows, "header_columns", lambda *a: None)
    ex = extract(doc, "2021")
    got = {(c.table, c.row, c.col): c for c in ex.cells}
    assert {k: got[k].value for k in truth} == truth
    by_identities = {(c.row, c.col) for c in ex.cells if c.settled == "identities"}
    assert by_identities, "some cells were settled only by 表三's column identities"
    assert {r for r, _ in by_identities} <= {"new_received", "carried_over", "total_handled", "carried_forward"}


def test_with_neither_positions_nor_the_rest_of_the_table_the_cells_stay_ambiguous(monkeypatch, tmp_path):
    doc, _ = _spanning_pdf(monkeypatch, tmp_path, 3)
    monkeypatch.setattr(gridrows, "header_columns", lambda *a: None)
    monkeypatch.setattr(solver, "_joint", lambda *a: None)  # as if no reading satisfied the column identities
    ex = extract(doc, "2021")
    assert any(c.ambiguous for c in ex.cells if c.row == "new_received")
    assert any(p["rule"] == "extract.ambiguous" and p["row"] == "new_received" for p in ex.problems)


# ---------------------------------------------------------------------------------------------
# The solver's own rules, on vectors


def _table(tpl: str, open_row: str, readings: list[tuple[int, ...]], hinted=None) -> dict[str, solver.Choice]:
    """Every 表三 row of ``tpl`` as a fixed vector (one applicant column), ``open_row`` with ``readings``.
    Printed: 2 new, 1 carried over, 2 granted, 1 carried forward (so total_handled = 2)."""
    fixed = {"new_received": 2, "carried_over": 1, "granted": 2, "total_handled": 2, "carried_forward": 1}
    rows = spec.applications_rows(tpl, False)
    out = {}
    for r in rows:
        vals = readings if r.code == open_row else [(fixed.get(r.code, 0), fixed.get(r.code, 0))]
        vecs = [tuple(Decimal(v) for v in vs) for vs in vals]
        out[r.code] = solver.Choice("applications", [r], list(vals), vecs, hinted if r.code == open_row else None)
    return out


def test_the_column_identities_keep_only_the_reading_they_allow():
    t = _table("2021", "granted", [(2, 2), (0, 2)])  # is 予以公开 2 or 0 in the first column?
    assert solver.solve_applications(list(t.values()), "2021") == []
    assert t["granted"].kept_readings() == [(2, 2)]


def test_a_hint_never_overrules_the_identities():
    t = _table("2021", "granted", [(0, 2), (2, 2)], hinted=[0])  # the hinted reading breaks the sums
    solver.solve_applications(list(t.values()), "2021")
    assert t["granted"].kept_readings() == [(2, 2)]


def test_a_hint_decides_among_readings_the_identities_all_allow():
    t = _table("2021", "carried_over", [(1, 1), (1, 1)], hinted=[1])
    solver.solve_applications(list(t.values()), "2021")
    assert t["carried_over"].kept == [1]


def test_broken_arithmetic_is_reported_and_decides_nothing():
    t = _table("2021", "granted", [(5, 5), (6, 6)])  # neither reading adds up to 总计 2
    broken = solver.solve_applications(list(t.values()), "2021")
    assert "sum" in broken
    assert len(t["granted"].kept) == 2


def test_a_table_no_reading_balances_is_reported_and_nothing_is_guessed(monkeypatch, tmp_path):
    doc, truth = _spanning_pdf(monkeypatch, tmp_path, 3)
    monkeypatch.setattr(gridrows, "header_columns", lambda *a: None)
    # the report's own arithmetic broken: 予以公开 printed one higher than its 总计 allows
    for g in doc.grids:
        for row in g.rows:
            if any("予以公开" in c.text for c in row):
                row[-1].text = str(int(row[-1].text or 0) + 1)
                row[-7].text = str(int(row[-7].text or 0) + 1)
    ex = extract(doc, "2021")
    assert any(p["rule"] == "extract.identity_broken" for p in ex.problems)
    # the identity that still holds may settle cells; every cell stated is the printed one
    stated = [c for c in ex.cells if c.table == "applications" and c.row != "granted" and not c.ambiguous]
    assert stated and all(c.value == truth[(c.table, c.row, c.col)] for c in stated)
    assert any(c.ambiguous for c in ex.cells)
