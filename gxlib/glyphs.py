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

* **Item numbers printed as one character** (⑴ ⒈ ㈠, Word's numbering, OCR): written out as
  (1) 1. （一） (:func:`expand_enclosed`); ① is not (in a value cell it is a footnote mark).
* **Letter-spaced titles and headings** (2 0 1 9 年 政 府 信 息 …): joined (:func:`join_spaced`).

The readers apply them before anything reads a word (text formats on the text, HTML on the text
its page shows, PDF on its characters, Word on its runs; letter-spacing on the text they make)
and say on the document how many were changed.  Dropping and writing out change lengths: offsets
are those of the text so read.
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
# item numbers printed as one character (Word's numbering, OCR): ⑴ ⒈ ㈠ → (1) 1. （一）.  Not ①:
# a circled digit in a value cell is a footnote mark (3①), never the number 31.
_ENCLOSED = "\u2474-\u249b\u3220-\u3243"
_ENCLOSED_RE = re.compile(f"[{_ENCLOSED}]")
_EITHER = re.compile("[" + "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in _GLYPH_BLOCKS) + INVISIBLE + _ENCLOSED
                     + "\U000e0000-\U000e01ef]")
GLYPHS = ("{n} look-alike glyph(s) (Kangxi radicals / compatibility ideographs such as ⼀ U+2F00) "
          "read as the characters they stand for (Unicode NFKC, offsets kept)")
ENCLOSED = ("{n} item number(s) printed as one character (⑴ ⒈ ㈠) read as what they enclose "
            "((1) 1. （一）; offsets are those of the text so written)")
SPACED = "{n} letter-spaced run(s) (政 府 信 息 公 开, a title or heading spaced out for layout) read as words"
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


@lru_cache(maxsize=1)
def _enclosed_table() -> dict[int, str]:
    out = {}
    for a, b in ((0x2474, 0x249C), (0x3220, 0x3244)):
        for cp in range(a, b):
            n = unicodedata.normalize("NFKC", chr(cp))
            out[cp] = n.replace("(", "（").replace(")", "）") if "\u4e00" <= n[1:2] <= "\u9fff" else n
    return out


def expand_enclosed(text: str) -> tuple[str, int]:
    """``text`` with its one-character item numbers written out, and how many there were."""
    n = len(_ENCLOSED_RE.findall(text))
    return (text.translate(_enclosed_table()), n) if n else (text, 0)


# Letter-spacing: a title or heading laid out with a space after every character (Word's centred
# titles, PDF text of justified lines).  Four or more single characters, each alone between
# spaces: no table row printed as text is made of them (its cells are words or numbers).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_SP = "[ \\u3000\\xa0]"
_SPACED = re.compile(f"(?<![{_CJK}])(?:[{_CJK}]{_SP}{{1,3}}){{3,}}[{_CJK}](?![{_CJK}])")
# the year of such a title (2 0 1 9 年 政 府, or 2 0 1 9年 where a PDF's text kept only the digits
# apart): four digits 19xx/20xx right before 年, never a row of counts (1 2 3 4 年 is one)
_SPACED_YEAR = re.compile(f"(?<![\\d.])(?:1{_SP}{{1,3}}9|2{_SP}{{1,3}}0){_SP}{{1,3}}\\d{_SP}{{1,3}}\\d"
                          f"(?:{_SP}{{1,3}}(?=年{_SP}{{1,3}}[{_CJK}]{_SP})|(?=年))")
# a cheap first look, each pattern starting with a literal (a fast scan): a character alone
# between spaces, or a digit after a space right before 年
_MAYBE = tuple(re.compile(p) for p in (f" [{_CJK}] ", f"\u3000[{_CJK}]\u3000", f"\xa0[{_CJK}]\xa0", " \\d年"))
_GAP = re.compile(f"{_SP}+")


def join_spaced(text: str) -> tuple[str, int]:
    """``text`` with its letter-spaced runs written as words, and how many there were."""
    if not any(p.search(text) for p in _MAYBE):
        return text, 0
    lines, n = text.split("\n"), 0
    for i, line in enumerate(lines):  # (the full patterns only on the lines that may hold a run)
        if "|" not in line and "\t" not in line and any(p.search(line) for p in _MAYBE):  # (not a table row)
            line, years = _SPACED_YEAR.subn(_joined, line)
            lines[i], k = _SPACED.subn(_joined, line)
            n += years + k
    return ("\n".join(lines), n) if n else (text, 0)


def _joined(m: re.Match) -> str:
    return _GAP.sub("", m.group())


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
    """The text as printed: letter-spaced runs joined, invisible characters dropped, look-alike
    glyphs folded, one-character item numbers written out; the notes for the document."""
    text, spaced = join_spaced(text)
    text, dropped, glyphs, enclosed = _characters(text)
    text, again = join_spaced(text) if dropped or enclosed else (text, 0)
    return text, notes(dropped, glyphs, enclosed, spaced + again)


def _characters(text: str, expand: bool = True) -> tuple[str, int, int, int]:
    """:func:`drop_invisible`, :func:`fold_glyphs`, :func:`expand_enclosed` (when ``expand``),
    with their counts."""
    if _EITHER.search(text) is None and not _refers(text):  # (almost every text: one scan)
        return text, 0, 0, 0
    text, dropped = drop_invisible(text)
    text, glyphs = fold_glyphs(text)
    text, enclosed = expand_enclosed(text) if expand else (text, 0)
    return text, dropped, glyphs, enclosed


def _refers(text: str) -> bool:
    """Does markup refer to an invisible character (by name or number)?"""
    if "&" not in text:
        return False
    return _named().search(text) is not None or "&#" in text and any(
        _numbered(m) == "" for m in _NUMBERED.finditer(text))


def clean_pieces(pieces: Sequence[str]) -> tuple[list[str], list[str]]:
    """The characters of :func:`clean` in each piece (a PDF's characters, a Word file's runs): a
    piece stays one character for one or becomes empty — item numbers are not written out (a
    PDF character keeps one box; their labels fold them, :func:`gxlib.spec.normalize_label`).
    Letter-spacing is the caller's, on the text the pieces make."""
    if _EITHER.search("".join(pieces)) is None:
        return list(pieces), []
    out, counts = [], [0, 0, 0]
    for p in pieces:
        text, *got = _characters(p, expand=False)
        out.append(text)
        counts = [a + b for a, b in zip(counts, got)]
    return out, notes(*counts)


def notes(dropped: int = 0, glyphs: int = 0, enclosed: int = 0, spaced: int = 0) -> list[str]:
    """The document's notes for what was changed (none for nothing)."""
    return [m.format(n=n) for m, n in ((DROPPED, dropped), (GLYPHS, glyphs), (ENCLOSED, enclosed), (SPACED, spaced)) if n]
