"""MHTML (``.mht``/``.mhtml``): a web page saved as one MIME file — Internet Explorer's and Edge's
"Web 档案，单个文件", Chrome's "网页，单个文件" (``From: <Saved by Blink>``), Word/WPS's "单个文件网页".

The file is a ``multipart/related`` message: the page is its ``text/html`` part, quoted-printable
or base64, in the charset the part names (gb2312/GBK read as GB18030) or, when it names none,
found as for any HTML page (:func:`gxlib.readers.html.decode_as`); the other parts are the page's
images and style sheets.  The standard library's :mod:`email` does the MIME work; the page's text
is then read as any HTML page (the document's format is ``html``).
"""

from __future__ import annotations

import email
import email.policy
from email.parser import BytesHeaderParser

from ..errors import UnsupportedFormat

_HEAD = 16384  # a saved page's MIME header block is a few hundred bytes
_GB = ("gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936")


def looks_like_mhtml(data: bytes) -> bool:
    """Does the file open with a MIME header block declaring ``multipart/related``?"""
    head = data[:_HEAD].lstrip()
    if b":" not in head[:200] or b"multipart/related" not in head.lower():
        return False
    msg = BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    return msg.get_content_type() == "multipart/related"


def page_text(data: bytes, name: str = "") -> str:
    """The saved page's HTML, decoded: the first ``text/html`` part (the saved page; frames and
    further pages a browser saves come after it)."""
    from .html import decode_as

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True) or b""
        charset = (part.get_content_charset() or "").lower()
        if charset:
            try:
                return payload.decode("gb18030" if charset in _GB else charset)
            except (UnicodeDecodeError, LookupError):
                pass  # the part's charset is wrong or unknown: find it as for any page
        return decode_as(payload)[0]
    raise UnsupportedFormat(f"{name}: an MHTML file holding no HTML page")
