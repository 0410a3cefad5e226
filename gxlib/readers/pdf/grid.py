"""Rulings → tables → grids: slots cut by the rules, cells joined where no rule separates them, split rows joined."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache


from gxlib import spec
from gxlib.document import Cell, Grid
from gxlib.values import in_value_position

from .page import MIN_COVER, SNAP, TOUCH, _Char, _is_wide, _Page, _Seg

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


def _build_grid(table: _Table, chars_by_page: dict[int, list[_Char]], problems: list[str],
                widths: dict[int, float] | None = None) -> Grid:
    """Rulings of all parts → slots → cells (with spans) → text.  ``widths``: each page's width,
    to tell a table cut by the page's right edge (see :func:`_cut_at_right`)."""
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

    cut = _cut_at_right(offsets, chars_by_page, widths or {})
    if cut:
        problems.append(f"page {cut}, {where_t}: the table runs past the page's right edge; its cells "
                        "there are not read (their text is outside the page)")
    rows: list[list[Cell]] = []
    for r in range(nr):
        row: list[Cell] = []
        for c in range(nc):
            if (r, c) not in cells:
                continue
            r0, c0, r1, c1 = cells[(r, c)]
            if cut and c1 == nc - 1:
                continue  # cut by the page edge: what it prints is partly off the page
            chs = texts[(r, c)]
            text = _cell_text(chs)
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


def _cell_text(chs: list[_Char]) -> str:
    """A cell's text: its lines top to bottom, each left to right; a cell set in rotated text (a
    heading in vertical 文字方向, each character a "line" of its own, bottom to top for btLr) reads
    in the text layer's order, which is the reading order (``chs`` keep the page's order)."""
    if not chs:
        return ""
    if all(c.rotated for c in chs):
        return "".join(c.text for c in chs)
    return _join_lines([ln.text for ln in _lines(chs)])


def _cut_at_right(offsets, chars_by_page: dict[int, list[_Char]], widths: dict[int, float]) -> int | None:
    """The page on which the table's last rule is the page's right edge with the table's text
    going on beyond it (an office suite's PDF of a table wider than the page: the rulings are
    clipped, the characters are not), or None."""
    for part, _shift, top, bottom in offsets:
        w = widths.get(part.page)
        if w is None or part.x1 < w - 1.5:
            continue
        if any(c.x0 >= w - 0.5 and top <= c.cy <= bottom for c in chars_by_page.get(part.page, [])):
            return part.page
    return None


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
        return _cell_text(chars[key])

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
