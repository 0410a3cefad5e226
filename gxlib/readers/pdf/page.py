"""A PDF page's raw content: characters with their boxes, the rulings its vector paths draw, page loading."""

from __future__ import annotations

import ctypes
import logging
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as R
import pypdfium2_cfg

# A parse cut off by --timeout inside a PDFium call can leave a page object open; pypdfium2 closes it
# when the process ends and writes a warning to stderr then, after gx's own error message.
pypdfium2_cfg.DEBUG_AUTOCLOSE.value = logging.ERROR

from gxlib.errors import EmptyDocument, EncryptedPDF, UnsupportedFormat
from gxlib.glyphs import invisible_codes

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
    rotated: bool = False  # set at an angle (a heading in vertical text, 文字方向): its cell reads in text order

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
    angle = R.FPDFText_GetCharAngle
    rect = R.FS_RECTF()
    pr = ctypes.byref(rect)
    out: list[_Char] = []
    index: list[int] = []
    gap = False
    invisible = invisible_codes()
    for i in range(n):
        code = get_unicode(textpage, i)
        if code <= 32 or code in (0xA0, 0x3000, 0xFFFE, 0xFFFF, 0xFEFF) or 0xD800 <= code <= 0xDFFF:
            gap = True  # spaces (PDFium's generated ones too) only separate words
            continue
        if code in invisible:
            continue  # a zero-width space or soft hyphen prints nothing, not even a word break
        if not loose(textpage, i, pr):
            continue
        t, b = top - rect.top, top - rect.bottom
        a = angle(textpage, i)
        out.append(_Char(chr(code), rect.left, rect.right, t, b, page_no, gap, 0.3 < a < 5.98))
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
# Document metadata and loading


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


