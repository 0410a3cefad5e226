"""PDF reader: a PDF with a text layer → :class:`~gxlib.document.Document`.

Library: **pypdfium2** (PDFium, Apache-2.0/BSD) for everything — the characters with their
boxes (``FPDFText_*``) and the vector paths that draw the table rulings (``FPDFPath_*``).
pdfplumber/pdfminer give the same objects but interpret the page in pure Python, which
alone costs ~4× our whole budget; PDFium does it in C in a few milliseconds.

How tables are read: every horizontal/vertical stroke (lines, and rectangles thin enough
to be lines) is a ruling.  Rulings that touch form one table.  The x positions of the
vertical rules and the y positions of the horizontal rules cut the table into slots; two
neighbouring slots belong to one printed cell when no rule separates them, so spanned
cells come out once with their rowspan/colspan.  Each character goes to the cell that
holds its centre; the lines of a cell are joined without spaces (a label that wraps, a
vertical label printed one character per line).  A table at the top of page n+1 whose
outer edges and column rules match the table at the bottom of page n (and nothing but a
page number in between) is the same table: its rows are appended to one grid.  A tall row
the page break cut in two (upper part on page n, the rest on page n+1, both ruled) is joined
back into one row when the content says so (:func:`_is_split_row`).

Coordinates in ``where`` are PDF points from the top-left corner of the page.
"""

from __future__ import annotations

import bisect
import ctypes
import pathlib
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache

import pypdfium2 as pdfium
import pypdfium2.raw as R

from gxlib.document import Cell, Document, Grid
from gxlib import budget, spec
from gxlib.errors import EmptyDocument, EncryptedPDF, ScannedPDF, UnsupportedFormat
from gxlib.values import in_value_position

SNAP = 2.5  # rules closer than this (pt) are the same rule
TOUCH = 3.0  # a rule ending this close to another one touches it
THIN = 3.0  # a filled rectangle thinner than this is a drawn line
MIN_COVER = 0.5  # a rule separates two slots when it covers this share of their common edge

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–_·•]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[\s\-—–_·•]*$"
)


# ---------------------------------------------------------------------------------------
# Raw page content


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int  # 1-based
    space_before: bool = False  # PDFium saw a word break (a space char) right before it

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class _Seg:
    """A ruling: horizontal (``pos`` = y, ``a..b`` = x range) or vertical (pos = x, a..b = y)."""

    horizontal: bool
    pos: float
    a: float
    b: float


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    chars: list[_Char]
    segs: list[_Seg]
    images: int


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _page_chars(textpage, page_no: int, top: float) -> list[_Char]:
    """The page's printed characters (no spaces: a space only marks the next char's ``space_before``)."""
    n = R.FPDFText_CountChars(textpage)
    get_unicode = R.FPDFText_GetUnicode
    loose = R.FPDFText_GetLooseCharBox
    rect = R.FS_RECTF()
    pr = ctypes.byref(rect)
    out: list[_Char] = []
    index: list[int] = []
    gap = False
    for i in range(n):
        code = get_unicode(textpage, i)
        if code <= 32 or code in (0xA0, 0x3000, 0xFFFE, 0xFFFF, 0xFEFF) or 0xD800 <= code <= 0xDFFF:
            gap = True  # spaces (PDFium's generated ones too) only separate words
            continue
        if not loose(textpage, i, pr):
            continue
        t, b = top - rect.top, top - rect.bottom
        out.append(_Char(chr(code), rect.left, rect.right, t, b, page_no, gap))
        index.append(i)
        gap = False
    if not out:
        return out
    # The loose box (font ascent..descent) makes even lines and honest gaps; some fonts report
    # absurd ones (a vertical label's glyphs 200pt tall): those get the glyph's own box.
    heights = sorted(c.bottom - c.top for c in out)
    usual = max(heights[len(heights) // 2], 1.0)
    tight = R.FPDFText_GetCharBox
    l_, r_, b_, t_ = (ctypes.c_double() for _ in range(4))
    pt = (ctypes.byref(l_), ctypes.byref(r_), ctypes.byref(b_), ctypes.byref(t_))
    keep: list[_Char] = []
    for c, i in zip(out, index):
        h, w = c.bottom - c.top, c.x1 - c.x0
        if h <= 0 or w <= 0 or h > 2.5 * usual or w > 2.5 * usual:
            if not tight(textpage, i, *pt) or r_.value <= l_.value:
                continue
            c.x0, c.x1 = l_.value, r_.value
            c.top, c.bottom = sorted((top - t_.value, top - b_.value))
        keep.append(c)
    return keep


def _mat_mul(m: tuple, n: tuple) -> tuple:
    """m then n (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _page_rulings(page, top: float, textpage, page_no: int) -> tuple[list[_Seg], int, int]:
    """The page's horizontal/vertical rulings (in top-down coordinates), its image count, and
    how many text objects PDFium could neither place nor decode (seen with non-embedded CID
    fonts, e.g. reportlab's STSong-Light drawing a single CJK character)."""
    segs: list[_Seg] = []
    lost: list = []
    bl, bb, br, bt = (ctypes.c_float() for _ in range(4))
    buf = (ctypes.c_ushort * 512)()
    images = 0
    fm = R.FS_MATRIX()
    x = ctypes.c_float()
    y = ctypes.c_float()
    fillmode = ctypes.c_int()
    stroke = ctypes.c_int()
    col = [ctypes.c_uint() for _ in range(4)]

    def visit(obj, parent_m: tuple) -> None:
        nonlocal images
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_IMAGE:
            images += 1
            return
        if kind == R.FPDF_PAGEOBJ_TEXT:
            R.FPDFPageObj_GetBounds(obj, ctypes.byref(bl), ctypes.byref(bb), ctypes.byref(br), ctypes.byref(bt))
            if br.value - bl.value < 0.01 and bt.value - bb.value < 0.01:
                R.FPDFPageObj_GetMatrix(obj, ctypes.byref(fm))
                _lost_text(obj, _mat_mul((fm.a, fm.b, fm.c, fm.d, fm.e, fm.f), parent_m))
            return
        if kind not in (R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_FORM):
            return
        R.FPDFPageObj_GetMatrix(obj, ctypes.byref(fm))
        m = _mat_mul((fm.a, fm.b, fm.c, fm.d, fm.e, fm.f), parent_m)
        if kind == R.FPDF_PAGEOBJ_FORM:
            for k in range(R.FPDFFormObj_CountObjects(obj)):
                visit(R.FPDFFormObj_GetObject(obj, k), m)
            return
        R.FPDFPath_GetDrawMode(obj, ctypes.byref(fillmode), ctypes.byref(stroke))
        filled = fillmode.value != R.FPDF_FILLMODE_NONE
        stroked = bool(stroke.value)
        if not (filled or stroked):
            return
        if stroked:
            R.FPDFPageObj_GetStrokeColor(obj, *[ctypes.byref(c) for c in col])
            if col[3].value == 0 or min(c.value for c in col[:3]) >= 245:
                stroked = False  # invisible or white: not a printed rule
        if filled and not stroked:
            R.FPDFPageObj_GetFillColor(obj, *[ctypes.byref(c) for c in col])
            if col[3].value == 0 or min(c.value for c in col[:3]) >= 245:
                return
        a, b, c, d, e, f = m
        pts: list[tuple[float, float, int]] = []  # (x, y, kind) in top-down page space
        for k in range(R.FPDFPath_CountSegments(obj)):
            sg = R.FPDFPath_GetPathSegment(obj, k)
            R.FPDFPathSegment_GetPoint(sg, ctypes.byref(x), ctypes.byref(y))
            px = x.value * a + y.value * c + e
            py = top - (x.value * b + y.value * d + f)
            kind_s = R.FPDFPathSegment_GetType(sg)
            pts.append((px, py, kind_s))
            if R.FPDFPathSegment_GetClose(sg):
                pts.append((None, None, -1))  # close marker
        if not pts:
            return
        if stroked:
            _stroke_segments(pts, segs)
        else:
            # filled shapes: only thin ones are lines (a rule drawn as a thin rectangle)
            xs = [p[0] for p in pts if p[0] is not None]
            ys = [p[1] for p in pts if p[1] is not None]
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            if y1 - y0 <= THIN and x1 - x0 > THIN:
                segs.append(_Seg(True, (y0 + y1) / 2, x0, x1))
            elif x1 - x0 <= THIN and y1 - y0 > THIN:
                segs.append(_Seg(False, (x0 + x1) / 2, y0, y1))

    def _lost_text(obj, m: tuple) -> None:
        n = R.FPDFTextObj_GetText(obj, textpage, buf, ctypes.sizeof(buf))
        if n <= 2:  # (bytes, with the terminator) PDFium can neither place nor decode it
            lost.append(obj)

    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for k in range(R.FPDFPage_CountObjects(page)):
        visit(R.FPDFPage_GetObject(page, k), identity)
    return segs, images, len(lost)


def _stroke_segments(pts: list, segs: list[_Seg]) -> None:
    start = None
    prev = None
    for px, py, kind in pts:
        if kind == -1:  # close: back to the subpath start
            if prev is not None and start is not None:
                _add_line(prev, start, segs)
            prev = start
            continue
        if kind == R.FPDF_SEGMENT_MOVETO or prev is None:
            start = prev = (px, py)
            continue
        if kind == R.FPDF_SEGMENT_LINETO:
            _add_line(prev, (px, py), segs)
        prev = (px, py)  # bezier points: curves are not rules


def _add_line(p: tuple, q: tuple, segs: list[_Seg]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= 0.5 and abs(x1 - x0) > 0.5:
        segs.append(_Seg(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) > 0.5:
        segs.append(_Seg(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))


# ---------------------------------------------------------------------------------------
# Tables on one page


@dataclass
class _Part:
    """The rulings of one table on one page."""

    page: int
    segs: list[_Seg]
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    xs: list[float] = field(default_factory=list)  # snapped vertical rule positions

    def __post_init__(self) -> None:
        h = [s for s in self.segs if s.horizontal]
        v = [s for s in self.segs if not s.horizontal]
        self.x0 = min([s.a for s in h] + [s.pos for s in v])
        self.x1 = max([s.b for s in h] + [s.pos for s in v])
        self.top = min([s.pos for s in h] + [s.a for s in v])
        self.bottom = max([s.pos for s in h] + [s.b for s in v])
        self.xs = _cluster([s.pos for s in v])

    def contains(self, c: _Char) -> bool:
        return self.x0 - 1 <= c.cx <= self.x1 + 1 and self.top - 1 <= c.cy <= self.bottom + 1


def _cluster(values: list[float], tol: float = SNAP) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _find_parts(page: _Page) -> list[_Part]:
    segs = page.segs
    n = len(segs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segs) if s.horizontal]
    vs = [i for i, s in enumerate(segs) if not s.horizontal]
    for i in hs:
        h = segs[i]
        for j in vs:
            v = segs[j]
            if h.a - TOUCH <= v.pos <= h.b + TOUCH and v.a - TOUCH <= h.pos <= v.b + TOUCH:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[ri] = rj
    groups: dict[int, list[_Seg]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(segs[i])
    parts = []
    for g in groups.values():
        nh = len(_cluster([s.pos for s in g if s.horizontal]))
        nv = len(_cluster([s.pos for s in g if not s.horizontal]))
        if nh >= 2 and nv >= 2 or (nh >= 1 and nv >= 3) or (nh >= 3 and nv >= 1):
            parts.append(_Part(page.number, g))
    parts.sort(key=lambda p: (p.top, p.x0))
    return parts


# ---------------------------------------------------------------------------------------
# Lines of text


@dataclass(slots=True)
class _Line:
    chars: list[_Char]
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    text: str = ""


def _lines(chars: list[_Char]) -> list[_Line]:
    """Group characters into lines (top to bottom), each line left to right."""
    rows: list[list[_Char]] = []
    spans: list[list[float]] = []  # [top, bottom] of each row
    for c in sorted(chars, key=lambda c: (c.page, c.cy, c.x0)):  # a cell a page break cut: page n first
        if rows and rows[-1][0].page == c.page:
            t, b = spans[-1]
            h = min(b - t, c.bottom - c.top) or 1.0
            overlap = min(b, c.bottom) - max(t, c.top)
            if overlap >= 0.5 * h:
                rows[-1].append(c)
                spans[-1] = [min(t, c.top), max(b, c.bottom)]
                continue
        rows.append([c])
        spans.append([c.top, c.bottom])
    out = []
    for row, (t, b) in zip(rows, spans):
        row.sort(key=lambda c: c.x0)
        out.append(_Line(row, row[0].x0, max(c.x1 for c in row), t, b, row[0].page, _line_text(row)))
    return out


def _line_text(row: list[_Char]) -> str:
    parts: list[str] = []
    prev: _Char | None = None
    for c in row:
        if prev is not None:
            w = max(prev.x1 - prev.x0, c.x1 - c.x0, 0.1)
            if c.text == prev.text and abs(c.x0 - prev.x0) < 0.3 * w:
                continue  # drawn twice for a fake bold
            gap = c.x0 - prev.x1
            h = c.bottom - c.top
            # a word break PDFium saw, or a gap too wide for letter spacing
            spaced = (c.space_before and gap > 0.05 * h) or gap > 0.8 * h
            if spaced and not (_is_wide(prev.text) or _is_wide(c.text)):
                parts.append(" ")
        parts.append(c.text)
        prev = c
    return "".join(parts)


def _join_lines(texts: list[str]) -> str:
    """Join the lines of one cell or paragraph: no space between CJK, one between words."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and out[-1].isascii() and t[0].isascii() and out[-1].isalpha() and t[0].isalpha():  # words, not digits
            out += " "
        out += t
    return out


# ---------------------------------------------------------------------------------------
# Grids


@dataclass
class _Table:
    parts: list[_Part]
    index: int = 0  # 1-based, in document order


def _continues(prev: _Part, nxt: _Part) -> bool:
    """Do the column rules of ``nxt`` (top of a page) continue those of ``prev``?"""
    if abs(prev.x0 - nxt.x0) > 2 * SNAP or abs(prev.x1 - nxt.x1) > 2 * SNAP:
        return False
    a = [x for x in prev.xs if prev.x0 + SNAP < x < prev.x1 - SNAP]
    b = [x for x in nxt.xs if nxt.x0 + SNAP < x < nxt.x1 - SNAP]
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return True
    hit = sum(1 for x in small if any(abs(x - y) <= 2 * SNAP for y in big))
    return hit >= 0.6 * len(small)


def _build_grid(table: _Table, chars_by_page: dict[int, list[_Char]], problems: list[str]) -> Grid:
    """Rulings of all parts → slots → cells (with spans) → text."""
    # Map each part into one vertical coordinate: part k starts where part k-1 ends.
    hsegs: list[_Seg] = []
    vsegs: list[_Seg] = []
    offsets: list[tuple[_Part, float, float, float]] = []  # part, shift, clip top, clip bottom
    cursor = None
    for _k, part in enumerate(table.parts):
        # a row cut by the page break has no rule at the cut: the rules' ends are the edge
        top, bottom = part.top, part.bottom
        shift = 0.0 if cursor is None else cursor - top
        offsets.append((part, shift, top, bottom))
        for s in part.segs:
            if s.horizontal:
                if top - TOUCH <= s.pos <= bottom + TOUCH:
                    hsegs.append(_Seg(True, s.pos + shift, s.a, s.b))
            else:
                a, b = max(s.a, top), min(s.b, bottom)
                if b - a > 0.5:
                    vsegs.append(_Seg(False, s.pos, a + shift, b + shift))
        cursor = bottom + shift

    ys = _cluster([s.pos for s in hsegs])
    xs = _cluster([s.pos for s in vsegs])
    # open sides: the ends of the rules bound the table too
    if hsegs:
        lo, hi = min(s.a for s in hsegs), max(s.b for s in hsegs)
        if not xs or lo < xs[0] - SNAP:
            xs.insert(0, lo)
        if hi > xs[-1] + SNAP:
            xs.append(hi)
    if vsegs:
        lo, hi = min(s.a for s in vsegs), max(s.b for s in vsegs)
        if not ys or lo < ys[0] - SNAP:
            ys.insert(0, lo)
        if hi > ys[-1] + SNAP:
            ys.append(hi)
    nr, nc = len(ys) - 1, len(xs) - 1
    where_t = f"table {table.index}"
    if nr < 1 or nc < 1:
        problems.append(f"page {table.parts[0].page}, {where_t}: ruling lines do not form a grid")
        return Grid([], where=f"page {table.parts[0].page}, {where_t}")

    # every lookup below is a bisection of a sorted list (ys, xs, part offsets, a line's rule
    # intervals), so a table continuing over 2,000 pages costs n log n, not n²
    def index(values: list[float], v: float) -> int:
        """The nearest value's index (the first of two equally near)."""
        i = bisect.bisect_left(values, v)
        if i == 0:
            return 0
        if i == len(values) or v - values[i - 1] <= values[i] - v:
            return i - 1
        return i

    # coverage of each boundary by rules: merged intervals per snapped line
    def intervals(segs: list[_Seg], lines: list[float]) -> list[list[tuple[float, float]]]:
        per: list[list[tuple[float, float]]] = [[] for _ in lines]
        for s in segs:
            per[index(lines, s.pos)].append((s.a, s.b))
        merged = []
        for ivs in per:
            ivs.sort()
            m: list[list[float]] = []
            for a, b in ivs:
                if m and a <= m[-1][1] + TOUCH:
                    m[-1][1] = max(m[-1][1], b)
                else:
                    m.append([a, b])
            merged.append([(a, b) for a, b in m])
        return merged

    hcov = intervals(hsegs, ys)
    vcov = intervals(vsegs, xs)

    def covered(ivs: list[tuple[float, float]], a: float, b: float) -> bool:
        """Do the (sorted, disjoint) intervals cover MIN_COVER of [a, b]?"""
        need = (b - a) * MIN_COVER
        got = 0.0
        k = max(0, bisect.bisect_right(ivs, a, key=lambda iv: iv[0]) - 1)
        while k < len(ivs) and ivs[k][0] < b:
            s, e = ivs[k]
            got += max(0.0, min(b, e) - max(a, s))
            k += 1
        return got >= need

    # where each combined y came from (page, y on the page); the parts' ranges ascend
    lows = [top + shift - TOUCH for _p, shift, top, _b in offsets]

    def source(y: float) -> tuple[int, float]:
        k = bisect.bisect_right(lows, y) - 1  # the last part starting above y: a row starting at a cut is the later page's
        if k >= 0:
            part, shift, _top, bottom = offsets[k]
            if y <= bottom + shift + TOUCH:
                return part.page, y - shift
        part, shift, _, _ = offsets[-1]
        return part.page, y - shift

    # characters of the table, in combined coordinates
    placed: list[tuple[_Char, float]] = []  # char, combined centre y
    for part, shift, top, bottom in offsets:
        for c in chars_by_page.get(part.page, []):
            if part.contains(c) and top - 1 <= c.cy <= bottom + 1:
                placed.append((c, c.cy + shift))

    def assemble(hcov: list[list[tuple[float, float]]]):
        """Slots → cells (regions of slots no rule separates) → their characters."""
        parent = list(range(nr * nc))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def union(i: int, j: int) -> None:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)

        for r in range(nr):
            for c in range(nc):
                if c + 1 < nc and not covered(vcov[c + 1], ys[r], ys[r + 1]):
                    union(r * nc + c, r * nc + c + 1)
                if r + 1 < nr and not covered(hcov[r + 1], xs[c], xs[c + 1]):
                    union(r * nc + c, (r + 1) * nc + c)

        regions: dict[int, list[int]] = {}
        for i in range(nr * nc):
            regions.setdefault(find(i), []).append(i)

        broken: list[str] = []
        cells: dict[tuple[int, int], tuple[int, int, int, int]] = {}  # (row, col) → r0, c0, r1, c1
        slot_of: dict[int, tuple[int, int]] = {}
        for _root, members in regions.items():
            rs = [m // nc for m in members]
            cs = [m % nc for m in members]
            r0, r1, c0, c1 = min(rs), max(rs), min(cs), max(cs)
            if len(members) != (r1 - r0 + 1) * (c1 - c0 + 1):
                page, y = source(ys[r0])
                broken.append(
                    f"page {page}, {where_t}: cell at row {r0 + 1}, col {c0 + 1} (x={xs[c0]:.0f},y={y:.0f}) "
                    "is not a rectangle (broken ruling); read as its bounding box"
                )
            cells[(r0, c0)] = (r0, c0, r1, c1)
            for m in members:
                slot_of[m] = (r0, c0)

        texts: dict[tuple[int, int], list[_Char]] = {k: [] for k in cells}
        for c, cy in placed:
            ci = _slot(xs, c.cx)
            ri = _slot(ys, cy)
            if ci is None or ri is None:
                continue
            texts[slot_of[ri * nc + ci]].append(c)
        return cells, slot_of, texts, broken

    cells, slot_of, texts, broken = assemble(hcov)
    # A tall row the page break cut in two (Word/WPS/LibreOffice print its upper part at the
    # bottom of page n and the rest at the top of page n+1, ruled as two rows): one row again.
    rejoined = False
    for _part, shift, top, _bottom in offsets[1:]:
        j = index(ys, top + shift)
        if 0 < j < nr and abs(ys[j] - (top + shift)) <= SNAP and _is_split_row(j, nc, cells, slot_of, texts):
            hcov[j] = []  # no rule at the cut: the two parts' slots join into one cell
            rejoined = True
    if rejoined:
        cells, slot_of, texts, broken = assemble(hcov)
    problems.extend(broken)

    rows: list[list[Cell]] = []
    for r in range(nr):
        row: list[Cell] = []
        for c in range(nc):
            if (r, c) not in cells:
                continue
            r0, c0, r1, c1 = cells[(r, c)]
            chs = texts[(r, c)]
            text = _join_lines([ln.text for ln in _lines(chs)]) if chs else ""
            page, y = source(ys[r0])
            row.append(
                Cell(
                    text,
                    "",  # filled below, once the cell's index in its printed row is known
                    row=r0,
                    col=c0,
                    rowspan=r1 - r0 + 1,
                    colspan=c1 - c0 + 1,
                )
            )
            row[-1].where = f"page {page}, {where_t}, row {len(rows) + 1}, cell {len(row)} (x={xs[c0]:.0f},y={y:.0f})"
        if row:
            rows.append(row)
    first_page = table.parts[0].page
    return Grid(rows, where=f"page {first_page}, {where_t}" + (
        f" (continues to page {table.parts[-1].page})" if len(table.parts) > 1 else ""
    ))


# A split row's lower part never starts with an item number: a row that does is a new row.
_NUMBERED = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．,，)）]|[①-⑳])"
)


@cache
def _template_labels() -> frozenset[str]:
    """The row labels (normalized) of the national templates' tables."""
    out = set()
    for tpl in spec.TEMPLATES:
        for table in spec.TABLES:
            for row in spec.template(tpl)[table].rows:
                out.add(spec.normalize_label(row.leaf))
    return frozenset(out)


@lru_cache(maxsize=4096)
def _label_score(text: str) -> float:
    """How closely ``text`` reads as a template row label (1.0: exactly)."""
    norm = spec.normalize_label(text)
    labels = _template_labels()
    if norm in labels:
        return 1.0
    return max((SequenceMatcher(None, norm, t, autojunk=False).ratio() for t in labels), default=0.0)


def _cell_kind(text: str) -> str:
    if not text:
        return "empty"
    return "value" if in_value_position(text) else "label"


def _is_split_row(
    j: int,
    nc: int,
    cells: dict[tuple[int, int], tuple[int, int, int, int]],
    slot_of: dict[int, tuple[int, int]],
    chars: dict[tuple[int, int], list[_Char]],
) -> bool:
    """Are slot rows ``j-1`` (the last on page n) and ``j`` (the first on page n+1) the two
    parts of one printed row that the page break cut?  Conservative: only when

    * both rows have the same cells (column spans) at the cut;
    * no column prints something in both parts, except the row's label ('2.重复' / '申请');
    * the lower part does not start a new row (no item number such as （一） 1. 一、 there);
    * and either the lower part holds no label (only the numbers printed lower down in the
      row, or nothing at all) under an upper part that has one, or the upper label is not a
      template row label while upper + lower label reads as one.
    """

    def text(key: tuple[int, int]) -> str:
        return _join_lines([ln.text for ln in _lines(chars[key])]) if chars[key] else ""

    pairs: list[tuple[str, str, bool]] = []  # upper text, lower text, spans more rows (a group cell)
    c = 0
    while c < nc:
        u, lo = slot_of[(j - 1) * nc + c], slot_of[j * nc + c]
        if u == lo:  # one cell already (no rule there)
            c = cells[u][3] + 1
            continue
        ur0, uc0, ur1, uc1 = cells[u]
        lr0, lc0, lr1, lc1 = cells[lo]
        if (uc0, uc1) != (lc0, lc1) or ur1 != j - 1 or lr0 != j:
            return False  # different cells on the two sides of the cut
        pairs.append((text(u), text(lo), ur0 < j - 1 or lr1 > j))
        c = uc1 + 1
    if not pairs:
        return False
    upper_labels: list[tuple[int, str]] = []
    lower_labels: list[tuple[int, str]] = []
    lower_empty = True
    for k, (tu, tl, group) in enumerate(pairs):
        ku, kl = _cell_kind(tu), _cell_kind(tl)
        if kl != "empty":
            lower_empty = False
        if kl == "label" and _NUMBERED.match(tl):
            return False  # a new numbered row (or group) starts the page
        if ku != "empty" and kl != "empty" and not (ku == kl == "label"):
            return False  # a column printed in both parts: two rows
        if group:
            continue  # a group label (三、本年度办理结果) spanning rows: not this row's own
        if ku == "label":
            upper_labels.append((k, tu))
        if kl == "label":
            lower_labels.append((k, tl))
    if lower_empty:
        return True  # only the (empty) rest of the row continues on the next page
    if not upper_labels:
        return False
    if not lower_labels:
        return True  # the label in the upper part, its numbers in the lower one
    if len(lower_labels) != 1 or lower_labels[0][0] != upper_labels[-1][0]:
        return False
    upper, lower = upper_labels[-1][1], lower_labels[0][1]
    if any(k > lower_labels[0][0] for k, _ in upper_labels):
        return False
    joined = _join_lines([upper, lower])
    s_upper, s_joined = _label_score(upper), _label_score(joined)
    return s_upper < 1.0 and s_joined >= 0.8 and s_joined > s_upper


def _slot(lines: list[float], v: float) -> int | None:
    """The slot [lines[i], lines[i+1]] holding v (sorted lines; bisection)."""
    if v < lines[0] - 1 or v > lines[-1] + 1:
        return None
    return min(bisect.bisect_left(lines, v, 1) - 1, len(lines) - 2)


# ---------------------------------------------------------------------------------------
# Document


def _meta(pdf: pdfium.PdfDocument) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        info = pdf.get_metadata_dict(skip_empty=True)
    except Exception:  # noqa: BLE001 - metadata is a courtesy, never a reason to fail
        return out
    keys = {
        "Title": "title",
        "Author": "author",
        "Subject": "subject",
        "Creator": "creator",
        "Producer": "producer",
        "CreationDate": "created",
        "ModDate": "modified",
    }
    for k, v in info.items():
        if k in keys and v and v.strip():
            out[keys[k]] = _pdf_date(v) if k in ("CreationDate", "ModDate") else v.strip()
    out["pages"] = str(len(pdf))
    return out


_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*([Zz+\-])?\s*(\d{2})?'?(\d{2})?'?$")


def _pdf_date(raw: str) -> str:
    """``D:20240226144123+06'41'`` → ``2024-02-26T14:41:23+06:41`` (raw string when unparseable)."""
    m = _DATE.match(raw.strip())
    if not m:
        return raw.strip()
    y, mo, d, h, mi, s, z, zh, zm = m.groups()
    out = f"{y}-{mo or '01'}-{d or '01'}"
    if h:
        out += f"T{h}:{mi or '00'}:{s or '00'}"
        if z in ("Z", "z"):
            out += "Z"
        elif z in ("+", "-"):
            out += f"{z}{zh or '00'}:{zm or '00'}"
    return out


def _open(data: bytes, name: str) -> pdfium.PdfDocument:
    if not data or not data.strip():
        raise EmptyDocument(f"{name}: the file is empty")
    if b"%PDF" not in data[:1024]:
        raise UnsupportedFormat(f"{name}: not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == R.FPDF_ERR_PASSWORD:
            raise EncryptedPDF(f"{name}: the PDF is password-protected; open it with the password and save an unprotected copy") from e
        raise UnsupportedFormat(f"{name}: the PDF is damaged and cannot be opened ({e})") from e


def _pdfminer_chars(data: bytes, index: int, height: float, left: float) -> list[_Char]:
    """The characters of one page read by pdfminer (through pdfplumber): slow, but it decodes
    the fonts PDFium cannot.  Only used for a page where PDFium lost text objects."""
    import io

    import pdfplumber

    out: list[_Char] = []
    with pdfplumber.open(io.BytesIO(data), pages=[index + 1]) as doc:
        gap = False
        for c in doc.pages[0].chars:
            t = c["text"]
            if not t or t.isspace():
                gap = True
                continue
            for ch in t:
                out.append(_Char(ch, c["x0"] + left, c["x1"] + left, c["top"], c["bottom"], index + 1, gap))
                gap = False
    return out


def _load_pages(pdf: pdfium.PdfDocument, data: bytes) -> list[_Page]:
    pages = []
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            left, bottom, right, top = page.get_mediabox()
            tp = page.get_textpage()
            try:
                chars = _page_chars(tp, i + 1, top)
                segs, images, lost = _page_rulings(page, top, tp, i + 1)
            finally:
                tp.close()
            if lost:
                chars = _pdfminer_chars(data, i, top - bottom, left)
            if left or bottom:
                for c in chars:
                    c.x0 -= left
                    c.x1 -= left
                for s in segs:
                    if s.horizontal:
                        s.a -= left
                        s.b -= left
                    else:
                        s.pos -= left
            pages.append(_Page(i + 1, right - left, top - bottom, chars, segs, images))
        finally:
            page.close()
    return pages


def read(path: pathlib.Path, data: bytes, sha256: str) -> Document:
    """Read a PDF with a text layer into a Document (text, grids, meta, problems)."""
    name = str(path)
    pdf = _open(data, name)
    try:
        if len(pdf) == 0:
            raise EmptyDocument(f"{name}: the PDF has no pages")
        b = budget.current()
        if b.max_pdf_pages and len(pdf) > b.max_pdf_pages:
            raise budget.too_large(name, "max_pdf_pages", b.max_pdf_pages, f"{len(pdf):,} pages")
        meta = _meta(pdf)
        pages = _load_pages(pdf, data)
    finally:
        pdf.close()

    problems: list[str] = []
    visible = [p for p in pages if any(c.text.strip() for c in p.chars)]
    if not visible:
        if any(p.images for p in pages):
            raise ScannedPDF(f"{name}: no text layer on any of its {len(pages)} pages (a scan?); it needs OCR first")
        raise EmptyDocument(f"{name}: the PDF holds no text")
    for p in pages:
        if p not in visible:
            what = "only an image (scanned?)" if p.images else "nothing"
            problems.append(f"page {p.number}: no text layer, holds {what}; not read")

    # tables on each page, then continuations across pages
    parts_by_page = {p.number: _find_parts(p) for p in pages}
    chars_by_page = {p.number: p.chars for p in pages}
    body_lines: dict[int, list[_Line]] = {}
    for p in pages:
        parts = parts_by_page[p.number]
        free = [c for c in p.chars if not any(t.contains(c) for t in parts)]
        lines = [ln for ln in _lines(free) if ln.text.strip()]
        body_lines[p.number] = [ln for ln in lines if not _is_page_number(ln, p)]

    tables: list[_Table] = []
    for p in pages:
        for k, part in enumerate(parts_by_page[p.number]):
            if k == 0 and tables and _can_continue(tables[-1].parts[-1], part, pages, body_lines):
                tables[-1].parts.append(part)
            else:
                tables.append(_Table([part]))
    grids: list[Grid] = []
    blocks: list[tuple[int, float, object]] = []  # (page, y, _Line | Grid)
    for i, t in enumerate(tables, 1):
        t.index = i
        grid = _build_grid(t, chars_by_page, problems)
        grids.append(grid)
        blocks.append((t.parts[0].page, t.parts[0].top, grid))
    for page_no, lines in body_lines.items():
        for ln in lines:
            blocks.append((page_no, ln.top, ln))
    blocks.sort(key=lambda b: (b[0], b[1]))

    text = _text(blocks, pages)
    if not text.strip():
        raise EmptyDocument(f"{name}: the PDF holds no readable text")
    return Document(
        source=name, format="pdf", sha256=sha256, text=text, grids=grids, meta=meta, problems=problems
    )


def _is_page_number(ln: _Line, page: _Page) -> bool:
    in_margin = ln.top > 0.85 * page.height or ln.bottom < 0.12 * page.height
    return in_margin and bool(_PAGE_NUMBER.match(ln.text))


def _can_continue(prev: _Part, nxt: _Part, pages: list[_Page], body: dict[int, list[_Line]]) -> bool:
    if nxt.page != prev.page + 1:
        return False
    if any(ln.top > prev.bottom for ln in body.get(prev.page, [])):
        return False  # text after the table on its page
    if any(ln.bottom < nxt.top for ln in body.get(nxt.page, [])):
        return False  # text before the table on the next page
    return _continues(prev, nxt)


def _text(blocks: list[tuple[int, float, object]], pages: list[_Page]) -> str:
    """Body lines joined into paragraphs; tables as one line per row (cells tab-separated)."""
    lines = [b[2] for b in blocks if isinstance(b[2], _Line)]
    if lines:
        left = _mode([round(ln.x0) for ln in lines])
        wide = [ln for ln in lines if ln.x1 - ln.x0 > 0.5 * (pages[0].width)]
        right = _mode([round(ln.x1) for ln in wide]) if wide else max(ln.x1 for ln in lines)
    out: list[str] = []
    para: list[str] = []
    prev: _Line | None = None

    def flush() -> None:
        if para:
            out.append(_join_lines(para))
            para.clear()

    for _page, _y, b in blocks:
        if isinstance(b, Grid):
            flush()
            prev = None
            for row in b.rows:
                out.append("\t".join(c.text for c in row))
            continue
        ln: _Line = b
        h = ln.bottom - ln.top
        if prev is not None:
            same_page_gap = ln.page == prev.page and ln.top - prev.bottom < 1.2 * h
            next_page = ln.page == prev.page + 1
            reaches_right = prev.x1 >= right - 1.5 * h
            flush_left = ln.x0 <= left + 0.6 * h
            if not (reaches_right and flush_left and (same_page_gap or next_page)):
                flush()
        para.append(ln.text)
        prev = ln
    flush()
    return "\n".join(out)


def _mode(values: list[int]) -> int:
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: (counts[v], -v))
