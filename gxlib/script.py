"""Reports printed in traditional characters: many government sites offer a 繁體 view of every
page, and a crawler that saved that view saved 第二十條 / 信息內容 / 本年處理決定數量.  The template's
words are matched in simplified characters, so such a text is folded to them before it is read.

The folding is OpenCC's (the maintained converter, its dictionaries of characters *and* phrases:
答覆 → 答复 while 覆蓋 stays, 隨著 → 随着 while 著名 stays), configuration :data:`CONFIG`:

* ``tw2s`` rather than ``t2s``: the 繁體 views of mainland sites print Taiwan's 著 for 着 (著力推進,
  隨著), which ``t2s`` leaves; tried on every real report of ../shared converted with OpenCC's s2t,
  s2tw and s2hk and folded back, ``tw2s`` gives back the s2t and s2tw views exactly, ``t2s`` misses
  24 著 of the s2tw views, and all three miss the HK view's 衞 (hk2s alone folds it, and misses 著).
* Offsets are kept: the folded text has the input's length, so every ``where`` and narrative offset
  still points into the printed text.  A phrase that OpenCC would fold to a different length folds,
  on its line only, character by character (each character alone, kept when it folds to not one).
* A text is folded only when it is one: :func:`is_traditional` looks at a sample of its CJK
  characters and asks how many OpenCC changes.  A simplified text (0 changed on every real report)
  or one quoting a few traditional words is never changed, and OpenCC sees only the sample of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

CONFIG = "tw2s"
SAMPLE = 4000  # a long text is looked at in windows when they hold at least half as many CJK characters
MIN_CHANGED = 10  # at least this many of them change …
MIN_SHARE = 0.05  # … and at least this share (繁體 views of real reports: 28–39 %; simplified ones: 0)
FOLDED = f"printed in traditional characters (a 繁體 view): read folded to simplified (OpenCC {CONFIG}, offsets kept)"

_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC(CONFIG)


def _convert(text: str) -> str:
    return _converter().convert(text)


_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))  # CJK unified, extension A, compatibility


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\U00020000" <= c <= "\U0003134f"


@lru_cache(maxsize=1)
def _folding() -> tuple[dict[str, str], re.Pattern]:
    """Every character of the BMP's CJK blocks that OpenCC folds, alone, to one other character
    (≈4,200 of 28,000), and a pattern finding any of them.  Asked of OpenCC once per process
    (≈50 ms, one call, a character a line): detection is then one regex scan in C, not an OpenCC
    call per report (0.6 ms on a 25 KB page, a fifth of its whole read, when each report asked)."""
    chars = [chr(i) for a, b in _RANGES for i in range(a, b)]
    out = _convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # cannot happen (a line break is never converted); stay exact anyway
        out = [_convert(c) for c in chars]
    table = {c: o for c, o in zip(chars, out) if len(o) == 1 and o != c}
    return table, re.compile("[" + "".join(sorted(table)) + "]")


def _char_map(chars) -> dict[str, str]:
    """Those of ``chars`` that fold, alone, to one other character (beyond the BMP's blocks,
    OpenCC is asked about each)."""
    table = _folding()[0]
    out = {c: table[c] for c in chars if c in table}
    for c in chars:
        if c > "\uffff" and _is_cjk(c) and len(o := _convert(c)) == 1 and o != c:
            out[c] = o
    return out


_WINDOWS, _WIDTH = 8, 2000  # a long text is sampled in windows spread over it …


def _sample(text: str) -> str:
    """The text looked at: all of a short one; windows spread over a long one, unless they hold
    few CJK characters (markup, scripts): then all of it."""
    if len(text) <= 2 * _WINDOWS * _WIDTH:
        return text
    step = len(text) // _WINDOWS
    sample = "".join(text[i * step : i * step + _WIDTH] for i in range(_WINDOWS))
    return sample if _cjk_count(sample) >= SAMPLE // 2 else text


def _cjk_count(text: str) -> int:
    return len(_NOT_CJK.sub("", text))


def traditional_share(text: str) -> tuple[int, int]:
    """(changed, looked at): how many of the sample's CJK characters OpenCC folds, alone."""
    sample = _sample(text)
    return len(_folding()[1].findall(sample)), _cjk_count(sample)


def is_traditional(text: str) -> bool:
    sample = _sample(text)
    found = _folding()[1]
    if found.search(sample) is None:  # a simplified text: no character of it folds
        return False
    changed = len(found.findall(sample))
    return changed >= MIN_CHANGED and changed >= MIN_SHARE * _cjk_count(sample)


def _fold_chars(line: str) -> str:
    m = _char_map(set(_NOT_CJK.sub("", line)))
    return line.translate(str.maketrans(m)) if m else line


def _same_length(text: str) -> str | None:
    try:
        out = _convert(text)
    except UnicodeError:  # a lone surrogate (OpenCC takes UTF-8)
        return None
    return out if len(out) == len(text) else None


def fold(text: str) -> str:
    """``text`` folded to simplified characters, of the same length (see the module's docstring)."""
    out = _same_length(text)
    if out is not None:
        return out
    return "\n".join(o if (o := _same_length(line)) is not None else _fold_chars(line) for line in text.split("\n"))


def fold_traditional(text: str) -> tuple[str, bool]:
    """``text`` in simplified characters, and whether it was folded (a 繁體 text only)."""
    if not is_traditional(text):
        return text, False
    return fold(text), True


def fold_pieces(pieces: Sequence[str]) -> tuple[list[str], bool]:
    """:func:`fold_traditional` of the text the pieces make (a PDF's characters, a Word file's
    runs), cut back into pieces of the same lengths (a word split over two runs is still one)."""
    joined = "".join(pieces)
    out, folded = fold_traditional(joined)
    if not folded or out == joined:
        return list(pieces), False
    res, i = [], 0
    for p in pieces:
        res.append(out[i : i + len(p)])
        i += len(p)
    return res, True


def mark_folded(doc) -> None:
    """Record on a :class:`gxlib.document.Document` that its text was folded (its problems say so;
    ``doc.folded`` names the configuration, for the report's finding and ``gx explain``)."""
    doc.folded = CONFIG
    if FOLDED not in doc.problems:
        doc.problems.append(FOLDED)


def folded_finding(doc) -> dict:
    """The report's ``extract.traditional_script`` finding for a folded document."""
    return {"rule": "extract.traditional_script", "severity": "info",
            "message": f"原文为繁体字（繁體），已用 OpenCC（{doc.folded}）转为简体后读取，字数与字符位置不变"}
