"""HTML pages as published: whole pages (navigation, scripts, nested layout tables) or bare
fragments, in UTF-8 or GBK/GB18030 (declared or not).

Only *leaf* tables (tables with no table inside) become grids: layout tables that wrap the
report are walked through.  ``<br>`` inside a cell joins without a space (本年新<br>制作数量
is one label), ``&nbsp;`` is blank.  Colspan/rowspan are resolved into grid coordinates.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..document import Cell, Document, Grid
from ..errors import EmptyDocument, EncodingError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "title"}
_SKIP = {"script", "style", "noscript", "template", "head"}
_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")


def looks_like_html(text: str) -> bool:
    head = text[:5000].lower()
    return any(tag in head for tag in ("<html", "<body", "<table", "<p", "<div", "<!doctype"))


def decode(data: bytes) -> str:
    """Decode by BOM, then declared charset, then UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    tried = []
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        tried.append("gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name)
    tried += ["utf-8", "gb18030"]
    for enc in tried:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise EncodingError("the bytes decode neither as UTF-8 nor as GB18030/GBK")


def _cell_text(el) -> str:
    parts: list[str] = []
    for node in el.iter():
        if node.tag in _SKIP:
            continue
        if node is not el and node.text and node.tag not in _SKIP:
            parts.append(node.text)
        elif node is el and el.text:
            parts.append(el.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return _WS.sub(" ", "".join(parts)).replace("\n", "").strip()


def _grid(table, index: int) -> Grid:
    rows: list[list[Cell]] = []
    taken: dict[tuple[int, int], bool] = {}
    trs = [tr for tr in table.iter("tr") if tr.getparent() is not None]
    for r, tr in enumerate(trs):
        row: list[Cell] = []
        c = 0
        for k, td in enumerate(el for el in tr if el.tag in ("td", "th")):
            while taken.get((r, c)):
                c += 1
            rs = _span(td.get("rowspan"))
            cs = _span(td.get("colspan"))
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = True
            row.append(Cell(_cell_text(td), f"table {index}, row {r + 1}, cell {k + 1}", r, c, rs, cs))
            c += cs
        rows.append(row)
    return Grid(rows, where=f"table {index}")


def _span(v: str | None) -> int:
    try:
        return max(1, min(int(str(v).strip()), 200))
    except (TypeError, ValueError):
        return 1


def _plain_text(root) -> str:
    out: list[str] = []

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            if el.tail:
                out.append(el.tail)
            return
        block = el.tag in _BLOCK
        if block:
            out.append("\n")
        if el.tag in ("td", "th"):
            out.append(" | ")
        if el.text:
            out.append(el.text)
        for child in el:
            walk(child)
        if block:
            out.append("\n")
        if el.tail:
            out.append(el.tail)

    walk(root)
    lines = (_WS.sub(" ", ln).strip(" |") for ln in "".join(out).split("\n"))
    return "\n".join(ln.strip() for ln in lines if ln.strip())


def parse(text: str, source: str, sha256: str, meta: dict[str, str] | None = None) -> Document:
    if not text.strip():
        raise EmptyDocument(f"{source}: the page is empty")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        raise EmptyDocument(f"{source}: no HTML content ({e})") from e
    meta = dict(meta or {})
    title = root.find(".//title")
    if title is not None and title.text and "title" not in meta:
        meta["title"] = title.text.strip()
    leaf_tables = [t for t in root.iter("table") if t.find(".//table") is None]
    grids = [_grid(t, i + 1) for i, t in enumerate(leaf_tables)]
    body = root.find("body")
    plain = _plain_text(body if body is not None else root)
    embedded = _embedded_report(root)
    if embedded is not None and len(embedded) > len(plain) // 2:
        # the page renders the report from a script string (``let content = "..."``)
        inner = parse(embedded, source, sha256, meta)
        inner.problems.append("the report was embedded in a <script> string literal and read from there")
        return inner
    return Document(source, "html", sha256, plain, grids, meta)


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
