"""The PDF reader: pages → grids and body text → Document (see the package docstring)."""


from __future__ import annotations

import pathlib


from gxlib import budget
from gxlib.document import Document, Grid
from gxlib.errors import EmptyDocument, ScannedPDF
from gxlib import glyphs
from gxlib.script import fold, fold_pieces, mark_folded

from .grid import _build_grid, _continues, _find_parts, _join_lines, _Line, _lines, _Part, _Table
from .page import _PAGE_NUMBER, _load_pages, _meta, _open, _Page

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
    # a 繁體 PDF: its characters folded to simplified, one for one (boxes and order kept), before
    # anything reads a word
    # (and look-alike glyphs, ⼀ for 一, read as the characters they stand for)
    chars = [c for p in pages for c in p.chars]
    texts, notes = glyphs.clean_pieces([c.text for c in chars])  # (page.py skips invisible ones already)
    texts, folded = fold_pieces(texts)
    if folded or notes:
        for c, t in zip(chars, texts):
            c.text = t
        for p in pages:
            p.chars = [c for c in p.chars if c.text]
    meta = {k: glyphs.clean(v)[0] if isinstance(v, str) else v for k, v in meta.items()}
    if folded:
        meta = {k: fold(v) if isinstance(v, str) else v for k, v in meta.items()}

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
    widths = {p.number: p.width for p in pages}
    for i, t in enumerate(tables, 1):
        t.index = i
        grid = _build_grid(t, chars_by_page, problems, widths)
        grids.append(grid)
        blocks.append((t.parts[0].page, t.parts[0].top, grid))
    for page_no, lines in body_lines.items():
        for ln in lines:
            blocks.append((page_no, ln.top, ln))
    blocks.sort(key=lambda b: (b[0], b[1]))

    text, spaced = glyphs.join_spaced(_text(blocks, pages))  # a title set letter-spaced (政 府 信 息)
    notes = notes + glyphs.notes(spaced=spaced)
    if not text.strip():
        raise EmptyDocument(f"{name}: the PDF holds no readable text")
    if not grids:
        grids = _unruled_tables(text, problems)
    else:
        # a table printed without rulings beside ruled ones (a Word table whose borders were
        # removed): read from the body text, which holds none of the ruled tables' text
        body = _text([b for b in blocks if not isinstance(b[2], Grid)], pages)
        grids += _unruled_tables(body, problems, skip=_kinds(grids, fused=False))
    doc = Document(
        source=name, format="pdf", sha256=sha256, text=text, grids=grids, meta=meta, problems=problems,
        unread_pages=tuple(p.number for p in pages if p not in visible and p.images),  # blank pages: nothing unread
    )
    if folded:
        mark_folded(doc)
    doc.problems.extend(notes)
    return doc


def _unruled_tables(text: str, problems: list[str], skip: frozenset[str] | None = None) -> list[Grid]:
    """Tables drawn without rulings (an office suite's PDF of a borderless table): no cell
    boundary is on the page, only the text's order and its word gaps, as in a crawler's dump
    of a page; the fused-text reader reads them (label + run, spaces as hints, identities and
    ambiguity), never by guessed column positions.  ``skip``: the tables (表二/表三/表四) ruled
    grids hold, when ``text`` is the body text around them (only the others are looked for)."""
    from ..crawler import _find_tables, looks_fused

    if skip is None and not looks_fused(text):
        return []
    grids, found = _find_tables(text, 0, len(text))
    if skip is None:
        if grids:
            problems.append("no ruled table: the tables were read from the text layer's order (label, numbers)")
        problems.extend(found)
        return grids
    keep = [g for g in grids if (k := _kinds([g], fused=True)) and not (k & skip)]
    for g in keep:
        problems.append(f"{g.where}: a table printed without ruling lines ({'/'.join(sorted(_kinds([g], fused=True)))}) "
                        "was read from the text layer's order (label, numbers)")
    return keep


# words only one of the three tables prints in its rows or headings
_KIND_WORDS = {
    "proactive": ("第二十条", "规章", "行政许可", "行政处罚", "行政事业性收费"),
    "applications": ("本年新收", "予以公开", "不予公开", "无法提供", "不予处理", "结转下年度"),
    "reviews": ("维持", "纠正", "复议后起诉", "未经复议"),
}


def _kinds(grids: list[Grid], fused: bool) -> frozenset[str]:
    """The template tables (proactive/applications/reviews) whose words these grids print (a fused
    grid: in its labels only)."""
    out = set()
    for g in grids:
        if g.fused != fused:
            continue
        texts = [row[0].text for row in g.rows] if fused else [c.text for row in g.rows for c in row]
        joined = "".join(texts).replace(" ", "")
        out |= {k for k, words in _KIND_WORDS.items() if any(w in joined for w in words)}
    return frozenset(out)


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

