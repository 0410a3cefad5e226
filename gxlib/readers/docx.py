"""Word (.docx) reader → :class:`~gxlib.document.Document`.

Body text is every paragraph in document order, with each table's rows (cells joined by a
tab) where the table stands.  Every table becomes a :class:`~gxlib.document.Grid` whose
merged cells appear once: Word writes a horizontal merge as one ``w:tc`` with
``w:gridSpan`` and a vertical merge as a ``w:tc`` with ``w:vMerge="restart"`` followed by
``w:vMerge`` continuation cells in the rows below.  We read the XML (through python-docx's
element classes) rather than ``Table.rows[i].cells``, which repeats a merged cell in every
grid slot it covers.  A one-cell table used as a page frame around the whole report is not a
grid: its content is read as body.

Legacy binary Word / WPS files (``.doc``, ``.wps``: OLE2 compound files) are refused with a
clear :class:`~gxlib.errors.UnsupportedFormat`.
"""

from __future__ import annotations

import io
import pathlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from gxlib import budget
from gxlib.document import Cell, Document, Grid
from gxlib.errors import EmptyDocument, UnsupportedFormat
from gxlib import glyphs
from gxlib.script import fold, fold_pieces, mark_folded

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


P, TBL, TR, TC, SDT, SDT_CONTENT = (_q(t) for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
T, TAB, BR, CR, DEL, INS = (_q(t) for t in ("t", "tab", "br", "cr", "del", "ins"))
MOVE_FROM, TXBX_CONTENT = _q("moveFrom"), _q("txbxContent")
R, RPR, VERT_ALIGN, VAL = _q("r"), _q("rPr"), _q("vertAlign"), _q("val")
SMART_TAG, CUSTOM_XML, HYPERLINK, FLD_SIMPLE = (_q(t) for t in ("smartTag", "customXml", "hyperlink", "fldSimple"))
FALLBACK = f"{{{_MC}}}Fallback"


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


_WS = re.compile(r"[\s\u3000\xa0]+")


def _clean(text: str) -> str:
    """Drop whitespace next to CJK (it is layout, not a word break); one space elsewhere."""
    parts = _WS.split(text.strip())
    out = ""
    for p in parts:
        if not p:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(p[0])):
            out += " "
        out += p
    return out


def _join(lines: list[str]) -> str:
    """Join a cell's paragraphs / wrapped lines: no space between CJK, one between words."""
    out = ""
    for t in lines:
        t = _clean(t)
        if not t:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(t[0])) and out[-1].isalnum() and t[0].isalnum():
            out += " "
        out += t
    return out


def _para_text(p) -> str:
    """A paragraph's text: runs (also inside hyperlinks, insertions, smart tags, text boxes), tabs
    and breaks; deleted text, the old place of moved text (``w:moveFrom``: a tracked move prints it
    at its ``w:moveTo`` only) and the fallback copy of alternate content are skipped."""
    out: list[str] = []

    def walk(el) -> None:
        for ch in el:
            tag = ch.tag
            if tag == T:
                out.append(ch.text or "")
            elif tag == TAB:
                out.append("\t")
            elif tag in (BR, CR):
                out.append("\n")
            elif tag in (DEL, MOVE_FROM, FALLBACK) or tag == P or tag == TBL:
                continue  # deleted or moved-away text; duplicate fallback; nested paragraphs are read on their own
            elif tag == R and _superscript(ch):
                # a footnote mark (253 with a raised 1): a note after the value, not its last digit
                mark = "".join(t.text or "" for t in ch.iter(T)).strip()
                out.append(f"（{mark}）" if mark else "")
            elif tag == TXBX_CONTENT:
                # a text box (in a cell or a paragraph) prints its paragraphs where it is anchored
                out.append("\n".join(_para_text(b) if b.tag == P else "\n".join(_table_lines(b))
                                     for b in _block_children(ch)))
            elif isinstance(tag, str):
                walk(ch)

    walk(p)
    return "".join(out)


def _superscript(run) -> bool:
    rpr = run.find(RPR)
    va = rpr.find(VERT_ALIGN) if rpr is not None else None
    return va is not None and va.get(VAL) == "superscript"


# ---------------------------------------------------------------------------------------


@dataclass
class _State:
    grids: list[Grid]
    lines: list[str]
    problems: list[str]


def _block_children(el):
    """Paragraphs and tables of a body / cell, looking through content controls."""
    for ch in el:
        if ch.tag in (P, TBL):
            yield ch
        elif ch.tag in (SDT, SDT_CONTENT, CUSTOM_XML):
            yield from _block_children(ch if ch.tag != SDT else _sdt_content(ch))


def _sdt_content(sdt):
    c = sdt.find(SDT_CONTENT)
    return c if c is not None else []


def _walk(container, st: _State) -> None:
    for el in _block_children(container):
        if el.tag == P:
            text = _para_text(el)
            for line in text.split("\n"):
                line = line.strip()
                if line:
                    st.lines.append(line)
        else:
            _table(el, st)


def _rows(tbl):
    for ch in tbl:
        if ch.tag == TR:
            yield ch
        elif ch.tag in (SDT, CUSTOM_XML):
            yield from _rows(_sdt_content(ch) if ch.tag == SDT else ch)


def _row_cells(tr):
    for ch in tr:
        if ch.tag == TC:
            yield ch
        elif ch.tag in (SDT, CUSTOM_XML):
            yield from _row_cells(_sdt_content(ch) if ch.tag == SDT else ch)


def _int_attr(el, path: str, default: int) -> int:
    found = el.find(path)
    if found is None:
        return default
    v = found.get(_q("val"))
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _merge(tc, kind: str) -> str | None:
    """A cell's ``w:vMerge`` / ``w:hMerge`` (``kind``): "restart", "continue" (the element without
    a value), or None."""
    m = tc.find(f"{_q('tcPr')}/{_q(kind)}")
    if m is None:
        return None
    return m.get(_q("val")) or "continue"


def _table(tbl, st: _State) -> None:
    trs = list(_rows(tbl))
    rows_tc = [list(_row_cells(tr)) for tr in trs]
    # a one-cell table framing the report: read what it holds as body
    if len(rows_tc) == 1 and len(rows_tc[0]) == 1:
        _walk(rows_tc[0][0], st)
        return
    index = len(st.grids) + 1
    grid = Grid([], where=f"table {index}")
    st.grids.append(grid)  # reserve the number first: nested tables come after their parent
    open_cells: dict[int, Cell] = {}  # grid column → the cell that covers it in the row above
    rows: list[list[Cell]] = []
    nested: list = []
    for r, (tr, tcs) in enumerate(zip(trs, rows_tc)):
        col = _int_attr(tr, f"{_q('trPr')}/{_q('gridBefore')}", 0)
        row: list[Cell] = []
        below: dict[int, Cell] = {}
        last: Cell | None = None  # the cell of the previous w:tc in this row (its own, or one merged from above)
        for tc in tcs:
            span = max(1, _int_attr(tc, f"{_q('tcPr')}/{_q('gridSpan')}", 1))
            if _merge(tc, "hMerge") == "continue" and last is not None:
                # the legacy horizontal merge (older Word / WPS): one w:tc per grid column, the
                # continuation cells belong to the cell on their left, as a gridSpan would
                if last.row == r and last.col + last.colspan <= col:
                    last.colspan = col + span - last.col
                for c in range(col, col + span):
                    below[c] = last
                col += span
                continue
            vm = _merge(tc, "vMerge")
            above = open_cells.get(col)
            if vm == "continue" and above is not None and above.col == col:
                above.rowspan = r - above.row + 1
                cell = above
            else:
                if vm == "continue":
                    st.problems.append(
                        f"table {index}, row {r + 1}: a merged-cell continuation has no cell above it; read as its own cell"
                    )
                texts: list[str] = []
                for el in _block_children(tc):
                    if el.tag == P:
                        texts.append(_para_text(el))
                    else:
                        nested.append(el)
                        texts.append("\n".join(_table_lines(el)))
                cell = Cell(
                    _join(t for text in texts for t in text.split("\n")),
                    f"table {index}, row {len(rows) + 1}, cell {len(row) + 1}",
                    row=r,
                    col=col,
                    rowspan=1,
                    colspan=span,
                )
                row.append(cell)
            for c in range(col, col + span):
                below[c] = cell
            col += span
            last = cell
        open_cells = below
        rows.append(row)
    grid.rows = [r for r in rows if r]
    # fix the printed-row numbers in `where` when rows were dropped (all cells continuations)
    for i, row in enumerate(grid.rows, 1):
        for j, cell in enumerate(row, 1):
            cell.where = f"table {index}, row {i}, cell {j} (grid row {cell.row + 1}, col {cell.col + 1})"
    for row in grid.rows:
        st.lines.append("\t".join(c.text for c in row))
    for el in nested:
        _table(el, _State(st.grids, [], st.problems))


def _table_lines(tbl) -> list[str]:
    out: list[str] = []
    for tr in _rows(tbl):
        out.append("".join(_para_text(p) for tc in _row_cells(tr) for p in tc.iter(P)))
    return out


def _meta(core) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, attr in (("title", "title"), ("author", "author"), ("subject", "subject"), ("created", "created"),
                      ("modified", "modified"), ("last_modified_by", "last_modified_by")):
        try:
            v = getattr(core, attr)
        except Exception:  # noqa: BLE001 - a malformed core.xml is no reason to fail the read
            continue
        if v is None or v == "":
            continue
        out[key] = v.isoformat() if hasattr(v, "isoformat") else str(v).strip()
    return out


def _check_parts(data: bytes, name: str) -> None:
    """Every part within ``max_part_mb``: from the sizes the zip headers declare, then by streaming
    each part (counted, not kept) before python-docx expands it, so a header that lies gains
    nothing either."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            budget.check_zip_headers(z, name, "max_part_mb")
            for info in z.infolist():
                for _ in budget.iter_member(z, info, name, "max_part_mb"):
                    pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as e:
        raise UnsupportedFormat(f"{name}: not a readable .docx ({e.__class__.__name__}: {e})") from e
    except EOFError as e:
        raise UnsupportedFormat(f"{name}: the .docx is truncated ({e})") from e


def _check_container(data: bytes, name: str) -> None:
    if not data or not data.strip(b"\x00 \t\r\n"):
        raise EmptyDocument(f"{name}: the file is empty")
    if data[:8] == OLE2_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data[:1 << 20] or b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data[:65536]:
            raise UnsupportedFormat(
                f"{name}: a password-protected Word document; remove the password and save it as .docx or .pdf first"
            )
        raise UnsupportedFormat(
            f"{name}: a legacy binary Word/WPS document (.doc/.wps, OLE2); convert to .docx or .pdf first"
        )
    if data[:5] == b"{\\rtf":
        raise UnsupportedFormat(f"{name}: an RTF document, not .docx; convert to .docx or .pdf first")
    if data[:4] != b"PK\x03\x04":
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<html", b"<!doctype", b"<?xml")) or b"<html" in head:
            raise UnsupportedFormat(f"{name}: HTML/XML saved under a Word name, not a .docx; read it as HTML")
        raise UnsupportedFormat(f"{name}: not a .docx (no ZIP container)")


def read(path: pathlib.Path, data: bytes, sha256: str) -> Document:
    """Read a .docx into a Document (text, grids, meta, problems)."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    name = str(path)
    _check_container(data, name)
    _check_parts(data, name)
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise UnsupportedFormat(f"{name}: not a readable .docx ({e.__class__.__name__}: {e})") from e
    except Exception as e:  # noqa: BLE001 - lxml / python-docx raise many types on a damaged package
        raise UnsupportedFormat(f"{name}: the .docx is damaged ({e.__class__.__name__}: {e})") from e
    folded, notes = _fold_runs(d.element.body)
    st = _State([], [], [])
    _walk(d.element.body, st)
    text, spaced = glyphs.join_spaced("\n".join(st.lines))  # a title typed letter-spaced (政 府 信 息)
    notes = notes + glyphs.notes(spaced=spaced)
    if not text.strip():
        raise EmptyDocument(f"{name}: the .docx holds no text")
    meta = _meta(d.core_properties)
    meta = {k: glyphs.clean(v)[0] for k, v in meta.items()}
    doc = Document(source=name, format="docx", sha256=sha256, text=text, grids=st.grids,
                   meta={k: fold(v) for k, v in meta.items()} if folded else meta, problems=st.problems)
    if folded:
        mark_folded(doc)
    doc.problems.extend(notes)
    return doc


def _fold_runs(body) -> tuple[bool, list[str]]:
    """A 繁體 document: every run's text (``w:t``) folded to simplified, one character for one, before
    anything reads a word (a word split over runs is folded whole); look-alike glyphs (⼀ for 一)
    folded and invisible characters dropped in every document (:mod:`gxlib.glyphs`).  (Whether
    it was 繁體, the notes of :func:`gxlib.glyphs.clean_pieces`.)"""
    nodes = [t for t in body.iter(T) if t.text]
    texts, notes = glyphs.clean_pieces([t.text for t in nodes])
    texts, folded = fold_pieces(texts)
    if folded or notes:
        for t, s in zip(nodes, texts):
            t.text = s
    return folded, notes
