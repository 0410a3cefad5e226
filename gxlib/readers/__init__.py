"""Readers: one module per input format, each producing a :class:`gxlib.document.Document`.

``read_document(path)`` sniffs the format from the bytes (not the file name alone):

=========  ===========================================  ======================
format     recognised by                                 module
=========  ===========================================  ======================
pdf        ``%PDF`` magic                                :mod:`.pdf`
docx       a zip holding ``word/document.xml``           :mod:`.docx`
doc, wps   OLE2 magic ``D0 CF 11 E0`` (LibreOffice → .docx)  :mod:`.legacy`
html       markup (``<html``, ``<table``, ``<p`` …)       :mod:`.html`
html       a MIME ``multipart/related`` file (.mht/.mhtml)  :mod:`.mhtml` → :mod:`.html`
text       crawler header (``标题:`` … ``正文`` line)      :mod:`.crawler`
text       cells on lines ending `` |``                  :mod:`.pipe`
text       table rows as tab-separated lines             :mod:`.tabbed`
markdown   pipe tables with ``|---|`` rows, ``#`` headings   :mod:`.markdown`
           (``.md`` / ``.markdown``, or sniffed in ``.txt``)
=========  ===========================================  ======================
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from .. import budget, glyphs
from ..document import Document
from ..errors import EmptyDocument, EncodingError, UnsupportedFormat
from ..script import fold_traditional, mark_folded


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff(data: bytes, name: str = "") -> str:
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise UnsupportedFormat(f"{name}: a zip archive that is not a Word .docx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "legacy"  # .doc / .wps (an OLE2 compound file); legacy.kind_of refuses .xls/.ppt
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise UnsupportedFormat(f"{name}: an image, not a report (gxlib does no OCR)")
    return "markup-or-text"


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20)])


def _count_control(text: str) -> int:
    """len(_CONTROL.findall(text)), counted in C: in UTF-8 a control character is its own byte
    (no other character's bytes are below 0x80) and U+FFFD is the only EF BF BD."""
    b = text.encode("utf-8", "surrogatepass")
    return len(b) - len(b.translate(None, _CONTROL_BYTES)) + b.count(b"\xef\xbf\xbd")


# codecs in which a control character is one control byte and a control byte always one
# control character (no byte of a multi-byte character is below 0x30)
_CONTROL_BYTE_CODECS = ("utf-8", "gb18030")


def decode_text(data: bytes, name: str = "") -> str:
    return decode_text_noted(data, name)[0]


def decode_text_noted(data: bytes, name: str = "") -> tuple[str, list[str]]:
    """:func:`decode_text` and the reader's notes (a repaired mojibake, :mod:`.mojibake`)."""
    from .html import decode_as
    from .mojibake import repair

    text, codec = decode_as(data)
    text, note = repair(text)
    notes = [note] if note else []
    # binary junk decodes as GB18030 too: refuse text that is mostly control characters
    if text:
        head = text[:20000]
        limit = max(8, len(head) // 50)
        # read strictly by such a codec and holding no U+FFFD, the head has at most as many
        # control characters as the file has control bytes: counted on the bytes (no encoding)
        # unless over the limit
        if codec in _CONTROL_BYTE_CODECS and "\ufffd" not in text \
                and len(data) - len(data.translate(None, _CONTROL_BYTES)) <= limit:
            return text, notes
        if _count_control(head) > limit:
            raise UnsupportedFormat(f"{name}: binary data, not a text, HTML, PDF or Word report")
    return text, notes


def read_document(path: str | Path, data: bytes | None = None) -> Document:
    """Read any supported file into the format-free Document model, within the budget in force
    (:func:`gxlib.budget.current`): regular files only, at most ``max_file_mb``."""
    path = Path(path)
    b = budget.current()
    if data is None:
        data = budget.read_file(path, b)
    elif (limit := b.bytes("max_file_mb")) is not None and len(data) > limit:
        raise budget.too_large(str(path), "max_file_mb", b.max_file_mb, f"{len(data) / budget.MB:,.0f} MB")
    if not data.strip():
        raise EmptyDocument(f"{path}: the file is empty")
    digest = sha256_of(data)
    kind = sniff(data, str(path))
    if kind == "pdf":
        from . import pdf

        return pdf.read(path, data, digest)
    if kind == "docx":
        from . import docx

        return docx.read(path, data, digest)
    if kind == "legacy":
        from . import legacy

        return legacy.read(path, data, digest)
    from . import mhtml

    try:
        # a page saved as one MIME file (.mht/.mhtml): its HTML part, decoded
        text, notes = (mhtml.page_text(data, str(path)), []) if mhtml.looks_like_mhtml(data) \
            else decode_text_noted(data, str(path))
    except EncodingError as e:
        raise EncodingError(f"{path}: {e}") from e
    if not text.strip():
        raise EmptyDocument(f"{path}: the file holds only white space")
    text, folded = fold_traditional(text)
    doc = document_from_text(text, str(path), digest)
    doc.problems[:0] = notes
    if folded:
        mark_folded(doc)
    if "\ufffd" in text:
        doc.problems.append(f"{text.count(chr(0xFFFD))} undecodable byte sequence(s) replaced by U+FFFD")
    return doc


# A PDF's page break in its text export (pdftotext, LibreOffice): a form feed, a page-number
# footer on a line of its own ("- 4 -", "—3—", "第 4 页").  Inside a table row it would be read
# as the row's next cell (or glued onto its last number).  Lines are tested one by one, only those
# whose first character can open a mark: one regex over a whole page costs a millisecond.
_PAGE_MARK_LINE = re.compile(r"[ \t\f]*(?:[—–\-－]+[ \t]*\d{1,3}[ \t]*[—–\-－]+|第[ \t]*\d{1,3}[ \t]*页"
                             r"(?:[ \t]*[/／共][ \t]*\d{1,3}[ \t]*页?)?)[ \t]*")
_MARK_OPENS = frozenset("—–-－第")


def blank_page_marks(text: str) -> str:
    """``text`` with its page marks blanked to spaces (offsets and line numbers kept); ``text``
    itself when it has none."""
    out, hit = [], False
    for line in text.split("\n"):
        head = line.lstrip(" \t\f")
        if head and head[0] in _MARK_OPENS and _PAGE_MARK_LINE.fullmatch(line):
            line, hit = " " * len(line), True
        out.append(line)
    if not hit:
        return text.replace("\f", " ") if "\f" in text else text
    return "\n".join(out).replace("\f", " ")


def document_from_text(text: str, source: str, sha256: str) -> Document:
    """Markup → HTML reader; cells on `` |`` lines → pipe reader; tab-separated rows → tabbed
    reader; anything else (crawler dumps with glued cells, plain text) → crawler reader.  A
    crawler header is read in every case."""
    from . import crawler, html

    meta, body = crawler.parse_header(text)
    if html.starts_as_markup(body):  # a page that starts as markup is HTML whatever its footer's " |" link separators say
        return html.parse(body, source, sha256, meta)  # (it cleans the text the page shows, not its markup)
    return _text_document(text, meta, body, source, sha256)


def _text_document(text: str, meta: dict, body: str, source: str, sha256: str) -> Document:
    """The reader the text's shape calls for, given the text as printed (:func:`gxlib.glyphs.clean`:
    HTML cleans the text its page shows, the others the whole text)."""
    from . import crawler, html, markdown, pipe, tabbed

    # before the pipe-text test: Markdown table rows end with "|" too
    if markdown.looks_like_markdown(body, source):
        return _cleaned(text, lambda t, m, b, off: markdown.parse(b, source, sha256, m, off))
    blanked = blank_page_marks(text)
    if blanked is not text:  # blanked to as many spaces: body is still text's tail
        text, body = blanked, blanked[len(blanked) - len(body):]
    is_pipe = pipe.looks_like_pipe(body)
    if html.looks_like_html(body) and not is_pipe:
        return html.parse(body, source, sha256, meta)
    if is_pipe:
        return _cleaned(text, lambda t, m, b, off: pipe.parse(b, source, sha256, m, off))
    if tabbed.looks_tabbed(body):
        return _cleaned(text, lambda t, m, b, off: tabbed.parse(b, source, sha256, m, off))
    return _cleaned(text, lambda t, m, b, off: crawler.read_text(t, source, sha256))


def _cleaned(text: str, read) -> Document:
    """``read(text, meta, body, line offset of the body)`` on the text as printed, its notes kept."""
    from . import crawler

    text, notes = glyphs.clean(text)
    meta, body = crawler.parse_header(text)
    doc = read(text, meta, body, text[: len(text) - len(body)].count("\n") if meta else 0)
    doc.problems.extend(notes)
    return doc
