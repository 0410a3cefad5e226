"""Printed cell text → number.  Keeps the distinction the spec asks for: a printed 0 is 0,
a blank cell (empty, &nbsp;, -, /, —, 无) is None, and text that is neither is *unreadable*
(None too, but reported), never guessed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

BLANK_MARKS = {"", "-", "/", "—", "——", "－", "–", "无", "\\", "／", "空"}
_FOLD = str.maketrans("０１２３４５６７８９．，－＋\xa0\u3000\t\r\n", "0123456789.,-+     ")
# A value may carry a note after it, as reports print sub-counts (「55（含自然失效 29 件）」): the
# value is the number before the note.
VALUE_RE = re.compile(r"^(?P<sign>[+\-−])?\s*(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|元|件|个|项|条|次)?"
                      r"(?:\s*[（(](?P<note>[^（）()]{1,40})[）)])?$")


# A footnote marker printed after a value (「3①」, 「21*」, 「1②」, with a 注： paragraph under the
# table saying what it marks): the value is the number before it.  Only after a number: a marker
# alone is not a value.  A whole-cell 零/〇 is a printed zero.
_MARKS = "\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2469\u2776\u2777\u2778\u2779\u277a*＊※"
_ZERO_WORDS = frozenset(("零", "〇"))


def _value_text(s: str) -> str:
    """Folded cell text with a footnote marker after its number dropped, a 零 read as 0."""
    if s in _ZERO_WORDS:
        return "0"
    if s and s[-1] in _MARKS:
        head = s.rstrip(_MARKS).rstrip()
        if head and VALUE_RE.match(head):
            return head
    return s


def fold(text: str) -> str:
    """Full-width digits and signs to ASCII; white space trimmed at the ends only, so two numbers
    printed in one cell ("3 2") stay unreadable instead of becoming 32 (:func:`misread_readings`
    lists 32 as a reading, for the identities to confirm or not)."""
    return text.translate(_FOLD).replace("−", "-").strip()


@lru_cache(maxsize=65536)
def is_blank(text: str) -> bool:
    return fold(text) in BLANK_MARKS


@lru_cache(maxsize=65536)
def is_value(text: str) -> bool:
    """True when the printed text can stand in a value cell (a number or a blank mark)."""
    s = _value_text(fold(text))
    return s in BLANK_MARKS or VALUE_RE.match(s) is not None


_NUMERIC_ISH = re.compile(r"[\d\s.,+\-%元万件个项条次]*\d[\d\s.,+\-%元万件个项条次]*")


@lru_cache(maxsize=65536)
def in_value_position(text: str) -> bool:
    """Text that stands where a value stands: a value, or something made of digits that is not
    a number (「3 2」 — two numbers in one cell), or a number OCR misread (「l7」, 「O」): it is then
    read as unreadable, not as a label."""
    return is_value(text) or _NUMERIC_ISH.fullmatch(fold(text)) is not None or bool(misread_readings(text))


# OCR's look-alikes of digits in a scanned table (O for 0, l or I for 1) and a space inside a
# number (「1 208」): the cell is not settled by print; these are its readings, for the identities.
_LOOKALIKE = str.maketrans("OoIl", "0011")
_MISREAD = re.compile(r"[\dOoIl]+(?: [\dOoIl]+|,[\dOoIl]{3})*")
_HAS_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=65536)
def misread_readings(text: str) -> tuple[float, ...]:
    """The numbers an OCR-misread value cell can stand for (「l7」 → 17, 「1 208」 or 「1 63」 with a
    space OCR put inside the number → 1208, 163), or ()
    when the text is a number as printed or not such a cell.  Letters alone count only in a
    cell of at most two characters without I (「O」, 「l」, 「lO」), never a word or a Roman numeral;
    one space inside a number at most."""
    s = fold(text)
    if not s or VALUE_RE.match(s) or not _MISREAD.fullmatch(s):
        return ()
    if not _HAS_DIGIT.search(s) and (len(s) > 2 or "I" in s):
        return ()  # letters alone: a short O/o/l only (I, II are Roman numerals, labels)
    if s.count(" ") > 1:
        return ()  # 「1 2 3」: several numbers side by side, not one with a space OCR put in it
    digits = s.translate(_LOOKALIKE).replace(" ", "").replace(",", "")
    if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
        return ()  # (no number is printed with a leading zero)
    return (float(int(digits)),)


class Unreadable(ValueError):
    """A value cell whose text is neither a number nor a blank mark."""


_UNREADABLE = object()


def parse_value(text: str, unit: str = "件") -> float | None:
    """Parse a printed value for a column of ``unit`` (万元 columns convert 元 to 万元)."""
    value = _parse_value(text, unit)
    if value is _UNREADABLE:
        raise Unreadable(f"not a number: {text!r}")
    return value


@lru_cache(maxsize=65536)  # printed values repeat across cells and reports (0, 1, 12 …)
def _parse_value(text: str, unit: str):
    s = _value_text(fold(text))
    if s in BLANK_MARKS:
        return None
    m = VALUE_RE.match(s)
    if not m:
        return _UNREADABLE
    try:
        num = Decimal(m["num"].replace(",", ""))
    except InvalidOperation as e:  # pragma: no cover - the regex admits only decimals
        raise Unreadable(str(e)) from e
    if m["sign"] == "-" or m["sign"] == "−":
        num = -num
    if unit == "万元" and m["unit"] == "元":
        num = num / 10000
    return float(num)
