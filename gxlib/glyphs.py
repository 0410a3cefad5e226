"""Characters that print as another character, or as nothing, read as what the page shows.

* **Look-alike glyphs.**  A PDF font (Word's export with some fonts), a converter or an OCR engine
  gives ⼀ ⼆ ⼈ ⽂ ⼯ (Kangxi radicals U+2F00…, the radical supplement U+2E80…) or a CJK
  compatibility ideograph for the common character it looks like; 第⼆⼗条 / ⼯作 then match
  nothing.  Unicode says what each stands for (its NFKC form, one character): folded one for one,
  offsets kept (:func:`fold_glyphs`).
* **Invisible characters.**  Web editors and WeChat put zero-width spaces (U+200B), joiners, word
  joiners (U+2060), byte-order marks (U+FEFF) and soft hyphens (U+00AD) inside words and numbers:
  ``1<U+200B>2`` prints 12 and was read as 1 and 2, a label split so matched no row.  They print
  nothing, so they are dropped (:func:`drop_invisible`) — the text gets shorter by as many, and
  every offset after is the shown text's.

The readers apply both before anything reads a word (text formats on the decoded text, PDF on
its characters, Word on its runs) and say on the document how many were changed.
"""

from __future__ import annotations

import html.entities
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_GLYPH_BLOCKS = ((0x2E80, 0x2EF4), (0x2F00, 0x2FD6), (0xF900, 0xFB00))
_GLYPH = re.compile("[" + "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in _GLYPH_BLOCKS) + "]")
# Unicode's format characters (category Cf) that occur in Chinese pages, and variation selectors:
# none prints a mark of its own
INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE}\U000e0000-\U000e01ef]")
_EITHER = re.compile("[" + "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in _GLYPH_BLOCKS) + INVISIBLE
                     + "\U000e0000-\U000e01ef]")
GLYPHS = ("{n} look-alike glyph(s) (Kangxi radicals / compatibility ideographs such as ⼀ U+2F00) "
          "read as the characters they stand for (Unicode NFKC, offsets kept)")
DROPPED = ("{n} invisible character(s) (zero-width spaces, joiners, soft hyphens, byte-order marks) "
           "dropped: they print nothing (offsets are those of the text without them)")


@lru_cache(maxsize=1)
def _glyph_table() -> dict[int, str]:
    out = {}
    for a, b in _GLYPH_BLOCKS:
        for cp in range(a, b):
            n = unicodedata.normalize("NFKC", chr(cp))
            if len(n) == 1 and n != chr(cp):
                out[cp] = n
    return out


@lru_cache(maxsize=1)
def invisible_codes() -> frozenset[int]:
    """The code points :func:`drop_invisible` drops (for a reader that sees one character at a time)."""
    return frozenset(cp for cp in list(range(0x3400)) + list(range(0xFE00, 0xFF00)) + list(range(0xE0000, 0xE01F0))
                     if _INVISIBLE.match(chr(cp)))


def fold_glyphs(text: str) -> tuple[str, int]:
    """``text`` with its look-alike glyphs folded (same length), and how many there were."""
    if _GLYPH.search(text) is None:  # (almost every text: one scan)
        return text, 0
    table = _glyph_table()
    n = sum(1 for c in _GLYPH.findall(text) if ord(c) in table)
    return (text.translate(table), n) if n else (text, 0)


_NUMBERED = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


@lru_cache(maxsize=1)
def _named() -> re.Pattern:
    """HTML5's names of invisible characters (``&shy;``, ``&ZeroWidthSpace;``, ``&zwnj;`` …)."""
    names = sorted({n.rstrip(";") for n, c in html.entities.html5.items() if c and _INVISIBLE.fullmatch(c)},
                   key=len, reverse=True)
    return re.compile("&(?:%s);" % "|".join(map(re.escape, names)))


def _numbered(m: re.Match) -> str:
    hexa, dec = m.groups()
    return "" if int(hexa or dec, 16 if hexa else 10) in invisible_codes() else m.group()


def drop_invisible(text: str) -> tuple[str, int]:
    """``text`` without its invisible characters (and references to them in markup, which lxml
    would decode later: ``&shy;``, ``&#8203;``), and how many there were."""
    text, n = _named().subn("", text) if "&" in text else (text, 0)
    if "&#" in text:
        out = _NUMBERED.sub(_numbered, text)
        n += len(_NUMBERED.findall(text)) - len(_NUMBERED.findall(out))
        text = out
    if _INVISIBLE.search(text) is None:
        return text, n
    out = _INVISIBLE.sub("", text)
    return out, n + len(text) - len(out)


def clean(text: str) -> tuple[str, list[str]]:
    """:func:`drop_invisible` then :func:`fold_glyphs`; the notes for the document."""
    if _EITHER.search(text) is None and not _refers(text):  # (almost every text: one scan)
        return text, []
    text, dropped = drop_invisible(text)
    text, glyphs = fold_glyphs(text)
    return text, _notes(dropped, glyphs)


def _refers(text: str) -> bool:
    """Does markup refer to an invisible character (by name or number)?"""
    if "&" not in text:
        return False
    return _named().search(text) is not None or "&#" in text and any(
        _numbered(m) == "" for m in _NUMBERED.finditer(text))


def clean_pieces(pieces: Sequence[str]) -> tuple[list[str], list[str]]:
    """:func:`clean` of each piece (a Word file's runs): a word split over two pieces is the same
    word after; a piece may become empty."""
    joined = "".join(pieces)
    if _GLYPH.search(joined) is None and _INVISIBLE.search(joined) is None:
        return list(pieces), []
    out = [clean(p)[0] for p in pieces]
    dropped = len(joined) - sum(len(p) for p in out)
    glyphs = fold_glyphs(joined)[1]
    return out, _notes(dropped, glyphs)


def _notes(dropped: int, glyphs: int) -> list[str]:
    return ([DROPPED.format(n=dropped)] if dropped else []) + ([GLYPHS.format(n=glyphs)] if glyphs else [])
