"""HTML pages as published: whole pages (navigation, scripts, nested layout tables) or bare
fragments, in UTF-8 or GBK/GB18030 (declared or not).

Only *leaf* tables (tables with no table inside) become grids: layout tables that wrap the
report are walked through.  ``<br>`` inside a cell joins without a space (本年新<br>制作数量
is one label), ``&nbsp;`` is blank; a ``<sup>`` in a cell (a footnote marker, 「253<sup>1</sup>」) reads as a
bracketed note after the value (「253（1）」), not as its last digit.  Colspan/rowspan are resolved into grid coordinates.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from lxml import etree

_tostring = etree.tostring

from .. import budget
from .. import glyphs
from . import htmlwalk
from ..document import Cell, Document, Grid, images_by_section, mark_images
from ..errors import EmptyDocument, EncodingError, TooLarge

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BLOCK = frozenset(htmlwalk.BLOCK)
_FIELD = htmlwalk.FIELD
_SKIP = ("script", "style", "noscript", "template", "head")
# plain etree (no lxml.html element classes: their Python-side lookup doubles the parse time).
# huge_tree lifts libxml2's nesting limit of 256 (Word exports nest unclosed <font> deeper); our own
# budget (gxlib.budget: max_html_depth, max_html_elements) bounds the tree instead.  A page is read
# first without huge_tree: libxml2 then guarantees the depth bound itself (no Python walk of the
# tree to measure it), and a page that hits the bound is read again with huge_tree.  One parser
# of each kind per thread: its error_log is read after each parse.
_LOCAL = threading.local()
_LIBXML_DEPTH = 256  # libxml2's nesting limit without huge_tree
_SHALLOW_MAX_CHARS = 1_000_000  # far below libxml2's other limits without huge_tree (10 MB text nodes)


def _parser(huge: bool = True) -> etree.HTMLParser:
    name = "huge" if huge else "shallow"
    p = getattr(_LOCAL, name, None)
    if p is None:
        p = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=huge)
        setattr(_LOCAL, name, p)
    return p


# libxml2 errors after which the tree is incomplete (the rest of the page was dropped)
_FATAL = ("excessive depth", "huge input lookup", "memory", "parser_max_depth", "xml_parse_huge")
_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
# _WS's runs but a lone space, which it would replace by itself: the same substitution, fewer matches
_WS_FOLD = re.compile(r" [ \t\r\f\v\xa0\u3000]+|[\t\r\f\v\xa0\u3000][ \t\r\f\v\xa0\u3000]*")


_MARKUP_START = re.compile(r"\s*(?:<!doctype|<html|<\?xml|<head|<body)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def starts_as_markup(text: str) -> bool:
    return _MARKUP_START.match(text[:500]) is not None


_TAGS = ("<html", "<body", "<table", "<p", "<div", "<!doctype")


def looks_like_html(text: str) -> bool:
    head = text[:5000]
    # a tag printed in lower case is one in the lowered head too: found without lowering a page of
    # Chinese text (lower() maps each character on its own, an ASCII lower-case one to itself)
    if any(tag in head for tag in _TAGS):
        return True
    head = head.lower()
    return any(tag in head for tag in _TAGS)


def decode(data: bytes) -> str:
    """Decode by BOM, then declared charset, then UTF-8, then GB18030 (a superset of GBK)."""
    return decode_as(data)[0]


def decode_as(data: bytes) -> tuple[str, str]:
    """:func:`decode`, and the codec that read every byte ("utf-8", "gb18030", a declared one;
    "replace" when bytes were replaced or a BOM was read)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "replace"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "replace"
    tried = []
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        tried.append("gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name)
    tried += ["utf-8", "gb18030"]
    for enc in tried:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    # a file cut mid-character or with a stray byte: keep it when only a few bytes are bad
    # (the reader notes the replacements); junk stays an error
    best = min((data.decode(enc, errors="replace") for enc in ("utf-8", "gb18030")), key=lambda t: t.count("\ufffd"))
    if best.count("\ufffd") <= max(2, len(best) // 1000):
        return best, "replace"
    raise EncodingError("the bytes decode neither as UTF-8 nor as GB18030/GBK")


_CELL_BLOCK_TAGS = htmlwalk.CELL_BLOCK


def _raw_cell_text(td) -> str:
    """A cell's text before white space is folded.  Block children (<p>, <div>) are followed
    by a space, so two numbers stacked in a cell stay two (unreadable, not one glued number); a
    <br> inside a heading joins without one (本年新<br>制作数量 is one label).  Scripts and
    styles were stripped from the tree."""
    n = len(td)
    if n == 0:
        return td.text or ""
    if n == 1 and not len(td[0]) and type(td[0].tag) is str and td[0].tag != "sup":
        # one element with no children (<td><p>5</p></td>, the usual Word/CMS cell): its text
        # read off directly, as the serialisation below would give it
        child = td[0]
        gap = " " if child.tag in _CELL_BLOCK_TAGS else ""
        return f"{td.text or ''}{child.text or ''}{gap}{child.tail or ''}"
    for block in td.iter(*_CELL_BLOCK_TAGS):
        if block is not td:
            block.tail = " " + (block.tail or "")
    for sup in td.iter("sup"):  # a footnote marker: a note after the value, not its last digit
        mark = "".join(sup.itertext()).strip()
        if mark:
            sup.clear(keep_tail=True)
            sup.text = f"（{mark}）"
    return _tostring(td, method="text", encoding="unicode", with_tail=False)


def _clean(text: str) -> str:
    """A cell's printed text: white space folded, line breaks dropped."""
    s = text.strip()
    if not s or s.isalnum() or s.isprintable() and " " not in s:
        return s  # no white space inside to fold (\xa0, \u3000 and the controls are not printable)
    return _WS_FOLD.sub(" ", text).replace("\n", "").strip()


def _cell_text(td) -> str:
    return _clean(_raw_cell_text(td))


def _table_rows(table):
    """A leaf table's rows as the Python walk reads them: per ``td``/``th`` child of each
    ``tr`` (document order), its rowspan and colspan attributes and its raw text."""
    return ([(td.get("rowspan"), td.get("colspan"), _raw_cell_text(td)) for td in tr
             if td.tag == "td" or td.tag == "th"] for tr in table.iter("tr"))


def _grid(rows, index: int) -> Grid:
    """A Grid from rows of (rowspan, colspan, raw text), colspan/rowspan resolved into grid columns."""
    out: list[list[Cell]] = []
    below: dict[int, set[int]] = {}  # row -> grid columns taken by a rowspan from above
    prefix = f"table {index}, row "
    fold = _WS_FOLD.sub
    for r, tr in enumerate(rows):
        row: list[Cell] = []
        taken = below.pop(r, None)
        where = f"{prefix}{r + 1}, cell "
        c = 0
        for k, (rs, cs, text) in enumerate(tr, 1):
            if taken:
                while c in taken:
                    c += 1
            rs = 1 if rs is None else _span(rs)
            cs = 1 if cs is None else _span(cs)
            for dr in range(1, rs):
                below.setdefault(r + dr, set()).update(range(c, c + cs))
            s = text.strip()  # _clean(text), inline (a call per cell is a good part of the cost)
            if s and not s.isalnum() and not (s.isprintable() and " " not in s):
                s = fold(" ", text).replace("\n", "").strip()
            row.append(Cell(s, f"{where}{k}", r, c, rs, cs))
            c += cs
        out.append(row)
    return Grid(out, where=f"table {index}")


def _grid_of_walk(table: str, index: int) -> Grid:
    """:func:`_grid` of one table string of the libxslt walk (:func:`htmlwalk.walk`), split here
    as it is read: no (rowspan, colspan, text) tuple per cell.  A cell with either span
    attribute starts with FIELD and holds them before its text ('' when absent)."""
    out: list[list[Cell]] = []
    below: dict[int, set[int]] = {}  # row -> grid columns taken by a rowspan from above
    fold = _WS_FOLD.sub
    for r, tr in enumerate(table.split(htmlwalk.ROW)[1:]):
        row: list[Cell] = []
        append = row.append
        taken = below.pop(r, None)
        texts = tr.split(htmlwalk.CELL)
        wheres = _wheres(index, r, len(texts) - 1)
        c = 0
        for k in range(1, len(texts)):
            text = texts[k]
            if taken:
                while c in taken:
                    c += 1
            if text[:1] == _FIELD:
                rs, cs, text = text.split(_FIELD, 3)[1:]
                # _span's own first test inline (absent or "1": most spanned cells span one way)
                rs = 1 if not rs or rs == "1" else _span(rs)
                cs = 1 if not cs or cs == "1" else _span(cs)
                for dr in range(1, rs):
                    below.setdefault(r + dr, set()).update(range(c, c + cs))
            else:
                rs = cs = 1
            s = text.strip()  # _clean(text), inline
            if s and not s.isalnum() and not (s.isprintable() and " " not in s):
                s = fold(" ", text).replace("\n", "").strip()
            # Cell(s, where, r, c, rs, cs) without the class call (its __init__ is entered from C, a
            # good part of a table's read) nor a function call: tests/test_reader_html_walk.py
            # checks that every field is set as the dataclass sets it
            cell = _new(Cell)
            cell.text = s
            cell.where = wheres[k - 1]
            cell.row = r
            cell.col = c
            cell.rowspan = rs
            cell.colspan = cs
            append(cell)
            c += cs
        out.append(row)
    return Grid(out, where=f"table {index}")


@lru_cache(maxsize=8192)
def _wheres(index: int, r: int, n: int) -> tuple[str, ...]:
    """The ``where`` of each of the n cells of row r of table ``index``: the same strings in every
    page, formatted once."""
    prefix = f"table {index}, row {r + 1}, cell "
    return tuple([f"{prefix}{k}" for k in range(1, n + 1)])


_new = object.__new__


def _span(v: str | None) -> int:
    if not v or v == "1":  # absent, or as printed most often
        return 1
    try:
        return max(1, min(int(v.strip()), 200))
    except ValueError:
        return 1


def _grid_text(grid: Grid) -> str:
    return "\n" + "\n".join([" | ".join([c.text for c in row]) for row in grid.rows]) + "\n"


def _fold_long(text: str) -> str:
    """``_WS_FOLD.sub(" ", text)`` for a whole page's text, by string methods: each of _WS_FOLD's
    characters made a space, then runs of spaces made one (every maximal run of them becomes one
    space either way).  The regex engine tests each character against _WS_FOLD's class; a search
    for one character runs far faster (tests/test_reader_html_walk.py compares the two)."""
    for c in _FOLD_CHARS:
        if c in text:
            text = text.replace(c, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text


_FOLD_CHARS = "\t\r\f\v\xa0\u3000"  # _WS_FOLD's characters but the space


def _lines(raw: str) -> str:
    """The plain text's lines: white space folded, cell bars trimmed at the ends, empty lines dropped."""
    return "\n".join([s for ln in _fold_long(raw).split("\n") if (s := ln.strip(" |").strip())])


def _plain_text(root, grids: dict | None = None) -> str:
    """Text in reading order: a line per block element, a table row as one line of cells
    joined by `` | `` (blocks inside a cell do not break it).  Leaf tables already read into
    ``grids`` (element → Grid) are written from their grid, not walked again."""
    out: list[str] = []
    grids = grids or {}

    # an explicit stack, not recursion: a page nested thousands deep must not overflow Python's
    stack: list[tuple[object, bool, bool]] = [(root, False, False)]  # (element, in a cell, leaving)
    while stack:
        el, in_cell, leaving = stack.pop()
        if leaving:  # after the children: close the block, then the tail
            if in_cell:
                out.append("\n")
            if el.tail:
                out.append(el.tail)
            continue
        if not isinstance(el.tag, str):  # processing instructions and the like
            if el.tail:
                out.append(el.tail)
            continue
        grid = grids.get(el)
        if grid is not None:
            out.append(_grid_text(grid))
            if el.tail:
                out.append(el.tail)
            continue
        block = el.tag in _BLOCK and not (in_cell and el.tag not in ("table", "tr"))
        if block:
            out.append("\n")
        cell = el.tag in ("td", "th")
        if cell:
            out.append(" | ")
        if el.text:
            out.append(el.text)
        stack.append((el, block, True))  # "in_cell" slot carries whether to close a block
        stack.extend((child, in_cell or cell, False) for child in reversed(el))
    return _lines("".join(out))


def _read_python(root, start) -> tuple[list[Grid], str, list[str]]:
    """Grids and plain text by walking the tree in Python (any depth, any text), and the notes
    of :func:`gxlib.glyphs.clean` on what they show."""
    leaf_tables = [t for t in root.iter("table") if t.find(".//table") is None]
    grids = [_grid(_table_rows(t), i + 1) for i, t in enumerate(leaf_tables)]
    plain, notes = glyphs.clean(_plain_text(start, dict(zip(leaf_tables, grids))))  # (it holds the cells' text)
    if notes:
        for cell in (c for g in grids for row in g.rows for c in row):
            cell.text = glyphs.clean(cell.text)[0]
    return grids, plain, notes


def _read_xslt(root, start) -> tuple[list[Grid], str, list[str]]:
    """The same by one libxslt pass (:mod:`.htmlwalk`): what the Python walk reads, in C."""
    tables, pieces, notes = htmlwalk.walk(root)
    grids = [_grid_of_walk(t, i + 1) for i, t in enumerate(tables)]
    raw = [pieces[0]]
    for grid, piece in zip(grids, pieces[1:]):
        raw += (_grid_text(grid), piece)
    raw.append(glyphs.clean(start.tail or "")[0])
    return grids, _lines("".join(raw)), notes


def parse(text: str, source: str, sha256: str, meta: dict[str, str] | None = None) -> Document:
    if not text.strip():
        raise EmptyDocument(f"{source}: the page is empty")
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses a str that declares its encoding
    root, shallow = _parse_tree(text, source)
    meta = dict(meta or {})
    title = root.find(".//title")
    if title is not None and title.text and "title" not in meta:
        meta["title"] = title.text.strip()
    embedded = _embedded_report(root)
    etree.strip_elements(root, *_SKIP, etree.Comment, with_tail=False)
    body = root.find("body")
    start = body if body is not None else root
    grids = plain = None
    if shallow and htmlwalk.safe(text):  # libxslt's recursion is bounded: deep pages take the Python walk
        try:
            grids, plain, notes = _read_xslt(root, start)
        except etree.XSLTApplyError:
            grids = None
    if grids is None:
        grids, plain, notes = _read_python(root, start)
    if embedded is not None and len(embedded) > len(plain) // 2:
        # the page renders the report from a script string (``let content = "..."``)
        inner = parse(embedded, source, sha256, meta)
        inner.problems.append("the report was embedded in a <script> string literal and read from there")
        return inner
    meta = {k: glyphs.clean(v)[0] if isinstance(v, str) else v for k, v in meta.items()}
    return Document(source, "html", sha256, plain, grids, meta, images=_images(text), problems=notes)


_IMG = re.compile(r"<img\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def _images(text: str) -> dict[str, int]:
    """Images per section (:func:`gxlib.document.images_by_section`), from the page with its tags
    stripped (a rough text: enough to find the section headings around each image)."""
    if "<img" not in text and "<IMG" not in text:
        return {}
    return images_by_section(_TAG.sub("\n", mark_images(text, _IMG)))


def _parse_tree(text: str, source: str):
    """(the page's tree, whether it is within libxml2's default depth), complete or an error: a
    parser error that truncated the tree is never ignored (it would read as a report with
    tables missing)."""
    b = budget.current()
    tags = 4 * b.max_html_elements  # (a page shorter than this cannot hold more "<": not counted)
    if b.max_html_elements and len(text) > tags and text.count("<") > tags:
        raise budget.too_large(source, "max_html_elements", b.max_html_elements, f"{text.count('<'):,} tags")
    shallow = len(text) < _SHALLOW_MAX_CHARS
    root, fatal = _parse_with(_parser(huge=not shallow), text)
    if fatal and shallow:  # deeper than libxml2 reads by default: read it again without the limit
        shallow = False
        root, fatal = _parse_with(_parser(huge=True), text)
    if fatal:
        raise TooLarge(f"{source}: the HTML parser stopped: {fatal}; the page was not read "
                       f"(nesting beyond what libxml2 reads even with huge_tree)", "max_html_depth", b.max_html_depth)
    if root is None:
        raise EmptyDocument(f"{source}: no HTML content")
    if shallow and not (b.max_html_depth and b.max_html_depth < 2 * _LIBXML_DEPTH):
        # libxml2 read the page within its own depth limit: only the size is left to check
        n = int(_COUNT_ELEMENTS(root))
        if b.max_html_elements and n > b.max_html_elements:
            raise budget.too_large(source, "max_html_elements", b.max_html_elements, f"{n:,} elements")
    else:
        budget.check_tree(root, source, b)
    return root, shallow


_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")


def _parse_with(parser: etree.HTMLParser, text: str):
    """(root or None, the fatal error or None)."""
    try:
        root = etree.fromstring(text, parser) if text.strip() else None
    except etree.XMLSyntaxError as e:
        return None, str(e)
    fatal = next((f"{e.message.strip()} (line {e.line})" for e in parser.error_log
                  if any(k in e.message.lower() for k in _FATAL)), None)
    return root, fatal


_JS_STRING = re.compile(r"""(?P<q>["'`])(?P<body>(?:\\.|(?!(?P=q)).)*?<table(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)


def _embedded_report(root) -> str | None:
    """Report markup held in a JS string literal inside a <script>, unescaped."""
    for script in root.iter("script"):
        code = script.text or ""
        if "<table" not in code or "公开" not in code:
            continue
        m = _JS_STRING.search(code)
        if m:
            return _js_unescape(m.group("body"))
    return None


def _js_unescape(s: str) -> str:
    def sub(m: re.Match) -> str:
        e = m.group(1)
        if e.startswith("u"):
            return chr(int(e[1:], 16))
        return {"n": "\n", "t": "\t", "r": ""}.get(e, e)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", sub, s)


def read(path, data: bytes, sha256: str) -> Document:
    return parse(decode(data), str(path), sha256)
