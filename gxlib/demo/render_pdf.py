"""PDF reports with a text layer and real ruled tables, drawn with reportlab's canvas.

Font: reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1, encoding UniGB-UCS2-H).
It needs no font file (nothing to ship or install, tiny PDFs since the font is not
embedded) and pdfminer/pdfplumber map its CIDs back to Unicode exactly, so the Chinese
text extracts as printed.  Tables are drawn cell by cell on a grid: merged cells are one
rectangle, and a table that does not fit flows onto the next page without a repeated
header; a rowspan cut by the page break is drawn on both pages, its label on the first.
``invariant=1`` makes the bytes reproducible.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from .layout import Report, TableGrid, grid, placements

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 62.0, 62.0, 64.0, 64.0
WIDTH = PAGE_W - LEFT - RIGHT
COL_WEIGHTS = {
    ("proactive", 5): (3.0, 2.0, 1.0, 1.0, 2.0),
    ("proactive", 4): (3.0, 2.0, 2.0, 2.0),
    ("applications", 10): (0.55, 1.3, 3.4, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9),
    ("reviews", 15): (1.0,) * 15,
}
NO_LINE_START = set("，。；：、）》〉”’！？,.;:)")
_registered = False
_widths: dict[tuple[str, float], float] = {}


def _font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


def _w(ch: str, size: float) -> float:
    k = (ch, size)
    w = _widths.get(k)
    if w is None:
        w = _widths[k] = pdfmetrics.stringWidth(ch, FONT, size)
    return w


def wrap(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    lines, cur, used = [], [], indent
    for ch in text:
        w = _w(ch, size)
        # closing punctuation never starts a line: let it hang past the margin instead
        if cur and used + w > width and ch not in NO_LINE_START:
            lines.append("".join(cur))
            cur, used = [], 0.0
        cur.append(ch)
        used += w
    if cur or not lines:
        lines.append("".join(cur))
    return lines


class _Flow:
    def __init__(self, c: canvas.Canvas):
        self.c = c
        self.y = PAGE_H - TOP
        self.page = 1

    def need(self, h: float) -> None:
        if self.y - h < BOTTOM and self.y < PAGE_H - TOP:
            self.new_page()

    def new_page(self) -> None:
        self.c.setFont(FONT, 9)
        self.c.drawCentredString(PAGE_W / 2, BOTTOM / 2, f"- {self.page} -")
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - TOP


def _para(f: _Flow, text: str, size: float = 10.5, align: str = "left", indent: bool = True) -> None:
    lead = size * 1.6
    first = 2 * size if indent and align == "left" else 0.0
    lines = wrap(text, WIDTH, size, first)
    c = f.c
    for i, line in enumerate(lines):
        f.need(lead)
        f.y -= lead
        c.setFont(FONT, size)
        if align == "center":
            c.drawCentredString(PAGE_W / 2, f.y + size * 0.3, line)
        elif align == "right":
            c.drawRightString(PAGE_W - RIGHT, f.y + size * 0.3, line)
        else:
            c.drawString(LEFT + (first if i == 0 else 0.0), f.y + size * 0.3, line)


def _table(f: _Flow, g: TableGrid) -> None:
    size = 6.5 if g.code == "reviews" else 8.0
    lead, pad = size * 1.35, (1.5 if g.code == "reviews" else 3.0)
    weights = COL_WEIGHTS[(g.code, g.width)]
    scale = WIDTH / sum(weights)
    xs = [LEFT]
    for w in weights:
        xs.append(xs[-1] + w * scale)
    placed = [
        (cell, r, col, wrap(cell.text, xs[col + cell.colspan] - xs[col] - 2 * pad, size))
        for cell, r, col in placements(g)
    ]
    n = len(g.rows)
    heights = [lead + 2 * pad] * n
    for cell, r, _, lines in placed:
        if cell.rowspan == 1:
            heights[r] = max(heights[r], len(lines) * lead + 2 * pad)
    for cell, r, _, lines in placed:
        if cell.rowspan > 1:
            need = len(lines) * lead + 2 * pad
            have = sum(heights[r : r + cell.rowspan])
            if need > have:
                heights[r + cell.rowspan - 1] += need - have
    # paginate: rows never split, headers never repeated
    tops: list[tuple[int, float]] = []  # (page, y top) per row
    cur: list[int] = []
    for r in range(n):
        if f.y - heights[r] < BOTTOM and f.y < PAGE_H - TOP:
            if cur:
                _draw_page_cells(f, placed, tops, heights, xs, size, lead, pad, cur)
            f.new_page()
            cur = []
        tops.append((f.page, f.y))
        cur.append(r)
        f.y -= heights[r]
    _draw_page_cells(f, placed, tops, heights, xs, size, lead, pad, cur)
    f.y -= 6


def _draw_page_cells(f, placed, tops, heights, xs, size, lead, pad, rows_here) -> None:
    c = f.c
    c.setLineWidth(0.6)
    here = set(rows_here)
    for cell, r, col, lines in placed:
        span = [x for x in range(r, r + cell.rowspan) if x in here]
        if not span:
            continue
        y_top = tops[span[0]][1]
        h = sum(heights[x] for x in span)
        x0, x1 = xs[col], xs[col + cell.colspan]
        c.rect(x0, y_top - h, x1 - x0, h, stroke=1, fill=0)
        if span[0] != r:  # the continuation of a rowspan cut by the page break: no text
            continue
        c.setFont(FONT, size)
        block = len(lines) * lead
        y = y_top - (h - block) / 2 - lead + (lead - size) / 2 + size * 0.15
        for line in lines:
            if cell.kind == "label":
                c.drawString(x0 + pad, y, line)
            else:
                c.drawCentredString((x0 + x1) / 2, y, line)
            y -= lead


def render(report: Report) -> bytes:
    _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(report.title)
    c.setAuthor(report.agency.name)
    c.setCreator("gxlib demo (synthetic)")
    c.setSubject("示例数据，非真实报告 / synthetic demo data, not real reports")
    f = _Flow(c)
    for kind, payload in report.blocks:
        if kind == "title":
            _para(f, str(payload), size=15, align="center")
            f.y -= 6
        elif kind == "h":
            f.need(40)
            _para(f, str(payload), size=11.5, indent=False)
        elif kind == "p":
            _para(f, str(payload))
        elif kind == "sign":
            _para(f, str(payload), align="right")
        elif kind == "table":
            _table(f, grid(report, str(payload)))
    f.new_page()
    c.save()
    return buf.getvalue()
