"""DOCX reports: the national form's tables built with python-docx, with the merges of
the blank form (gridSpan for colspans, vMerge restart/continue for rowspans): 表二 on four
grid columns (2021) or the five of the 2019 form as Word exports it, 表三 on ten, 表四 on
fifteen.  The zip is rewritten with fixed timestamps so the same seed gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell

from .layout import Report, grid, placements


def _fonts(d: docx.document.Document) -> None:
    st = d.styles["Normal"]
    st.font.name = "Times New Roman"
    st.font.size = Pt(10.5)
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _table(d, report: Report, code: str) -> None:
    g = grid(report, code)
    t = d.add_table(rows=len(g.rows), cols=g.width)
    t.style = d.styles["Table Grid"]
    placed = placements(g)
    trs = t._tbl.tr_lst
    for cell, r, c in placed:  # text first, while every row still has one tc per grid column
        tc = trs[r].tc_lst[c]
        dc = _Cell(tc, t)
        p = dc.paragraphs[0]
        if cell.text:
            run = p.add_run(cell.text)
            run.font.size = Pt(9 if code != "reviews" else 8)
        if cell.kind != "label":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # the merges' corner cells, taken before any merge (merged areas never overlap, so the
    # elements stay valid); CT_Tc.merge is what Table.cell(...).merge does, minus the
    # full-grid walk Table.cell makes on every call
    corners = [
        (trs[r].tc_lst[c], trs[r + cell.rowspan - 1].tc_lst[c + cell.colspan - 1])
        for cell, r, c in placed
        if cell.rowspan > 1 or cell.colspan > 1
    ]
    for top_left, bottom_right in corners:
        top_left.merge(bottom_right)


def render(report: Report) -> bytes:
    d = docx.Document()
    _fonts(d)
    stamp = datetime(report.published.year, report.published.month, report.published.day, 9, 0, 0)
    cp = d.core_properties
    cp.title = report.title
    cp.author = report.agency.name
    cp.last_modified_by = report.agency.name
    cp.comments = "示例数据，非真实报告 / synthetic demo data, not real reports"
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp
    cp.revision = 1
    for kind, payload in report.blocks:
        if kind == "table":
            _table(d, report, str(payload))
            continue
        p = d.add_paragraph()
        run = p.add_run(str(payload))
        if kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(16)
        elif kind == "h":
            run.bold = True
        elif kind == "sign":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p.paragraph_format.first_line_indent = Pt(21)
    buf = io.BytesIO()
    d.save(buf)
    # fixed timestamps and order inside the zip: byte-identical output for a seed
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()
