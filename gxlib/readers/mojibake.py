"""Mojibake (乱码): a report whose UTF-8 bytes a crawler decoded with the wrong codec and saved.

Two shapes are common in collected Chinese pages:

* **UTF-8 read as Latin-1 / cp1252** (``æ”¿åºœä¿¡æ¯``): an HTTP client's default for a page sent
  without a charset (``requests`` takes ISO-8859-1).  Repaired by ftfy's ``fix_encoding`` (the
  maintained tool for exactly this), kept only when the repair reads as Chinese.
* **UTF-8 read as GBK** (``鏀垮簻淇℃伅``): GBK's byte pairs cut UTF-8's three-byte characters, so
  the wrong decode always dropped bytes: such a report cannot be trusted, and the reader says so
  (EncodingError, with the reason) instead of reading damaged numbers.  So does a Latin-1 one
  whose wrong decode dropped bytes (U+FFFD in it).

Ordinary text is never touched: each shape is tested for first, on a cheap count.
"""

from __future__ import annotations

import re

from ..errors import EncodingError

_LATIN = re.compile("[\u00c0-\u00ff]")
_CJK = re.compile("[\u4e00-\u9fff]")
_WORDS = ("政府信息", "公开", "年度报告", "申请")  # a repair must read as a report
LATIN_NOTE = "mojibake repaired: UTF-8 text that was read as Latin-1/cp1252 (ftfy fix_encoding)"


def _reads_as_report(text: str) -> bool:
    return sum(w in text for w in _WORDS) >= 2


def repair(text: str) -> tuple[str, str | None]:
    """(the text as written, a note when it was repaired).  Raises EncodingError for a mojibake
    that lost bytes."""
    if _reads_as_report(text):
        return text, None  # (every real report: its words are there)
    sample = text[:20000]
    if len(_LATIN.findall(sample)) > max(20, len(_CJK.findall(sample))):
        import ftfy

        fixed = ftfy.fix_encoding(text)
        if fixed != text and _reads_as_report(fixed):
            if "\ufffd" in text:
                raise _lost("Latin-1/cp1252", text)
            return fixed, LATIN_NOTE
        return text, None
    return _from_gbk(text)


def _lost(codec: str, text: str) -> EncodingError:
    return EncodingError(
        f"UTF-8 text that was read as {codec} and saved again (乱码), and bytes were lost in that step "
        f"({text.count(chr(0xFFFD))} replaced by U+FFFD): its numbers cannot be trusted; fetch the page "
        "again with its real encoding (UTF-8)")


def _from_gbk(text: str) -> tuple[str, None]:
    """A text that reads as a report once its characters go back to GBK bytes and those are read as
    UTF-8 is such a mojibake.  It never goes back exactly (GBK pairs cut UTF-8's three-byte
    characters: no real page of ../shared does), so it is refused with the reason."""
    sample = text[:20000]
    if _reads_as_report(sample.encode("gbk", errors="replace").decode("utf-8", errors="replace")):
        raise _lost("GBK", text)
    return text, None
