"""The format-free document model every reader produces and nothing downstream looks behind.

A :class:`Document` is what a report *prints*: its plain text (for metadata and the
narrative), its sections 一…六, and its tables as grids of printed cells.  Each cell keeps
its raw text and where it was found (``where``), so every extracted value can be traced
back to the source.  Readers resolve colspan/rowspan into grid coordinates; a row keeps
its printed cells in reading order, which is what the extractor aligns by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(slots=True)
class Cell:
    """One printed cell: raw text as printed, its grid position and where it is in the source."""

    text: str
    where: str  # human-readable provenance: "line 57", "table 2 row 5 cell 3", "page 3 (x=120,y=388)"
    row: int = 0  # top-left grid position after span resolution
    col: int = 0
    rowspan: int = 1
    colspan: int = 1


@dataclass(slots=True)
class Grid:
    """A table as printed: rows of cells in reading order.

    ``fused`` marks a grid whose rows are ``[label, run]`` pairs where the crawler glued all
    value cells of the row into one run of digits (see :mod:`gxlib.fused`).  ``caption`` is
    what the document prints right above the table: a hint (converters cut one table into
    several, each under a heading such as ``### 行政复议``), never trusted alone.
    """

    rows: list[list[Cell]]
    where: str
    fused: bool = False
    caption: str = ""  # the text printed just before the table (a Markdown heading, a title line)


SECTION_NUMERALS = ("一", "二", "三", "四", "五", "六")


@dataclass(slots=True)
class Document:
    source: str
    format: str  # html | text | pdf | docx | markdown
    sha256: str
    text: str  # the report's plain text, tables included, in reading order
    grids: list[Grid] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # what the container states (crawler header, <title>, PDF info)
    problems: list[str] = field(default_factory=list)  # what the reader could not read, in words
    # printed in traditional characters and read folded to simplified: the OpenCC configuration
    # (gxlib.script.CONFIG), else "".  The folded text keeps the printed text's offsets.
    folded: str = ""
    images: dict[str, int] = field(default_factory=dict)  # section 一…六 → images printed in it (HTML, Markdown)
    unread_pages: tuple[int, ...] = ()  # pages with no text layer (scanned in): what they print is unknown
    # a second report printed after this one that the reader cut off (crawler text, gxlib.second_report):
    # (where its first table starts, its title or None)
    second_report: tuple[str, str | None] | None = None
    _sections: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def sections(self) -> dict[str, str]:
        """Section texts keyed 一…六 (only those found)."""
        if self._sections is None:
            self._sections = split_sections(self.text)
        return self._sections


# Headings of the six sections; the wording varies, the numeral and the key words do not.
_SECTION_RE = re.compile(
    r"(?:^|\n|(?<=[。；;！!？?\s\d）)】」”元条件]))\s*(?P<num>[一二三四五六])\s*[、.．]\s*(?P<title>"
    r"总体情况|(?:概述|综述|基本情况)"
    r"|主动公开政府信息(?:的)?情况|主动公开"
    r"|收到和处理政府信息公开申请(?:的)?情况"
    r"|政府信息公开行政复议、?\s*行政诉讼情况|因政府信息公开申请|政府信息公开行政复议"
    r"|存在的主要问题|政府信息公开工作存在"
    r"|其他需要报告的事项|\d{4}年工作计划|其他)"
)


# _SECTION_RE from its numeral on, for speed (a search that starts at a numeral is a fast scan);
# what _SECTION_RE asks before the numeral is tested by _heading_starts (tests/test_speed_exact.py
# compares the two on every report text).
_SECTION_FROM_NUM = re.compile(_SECTION_RE.pattern[_SECTION_RE.pattern.index(r"\s*(?P<num>") + 3 :])
_BEFORE_HEADING = frozenset("。；;！!？?0123456789）)】」”元条件")


def _heading_starts(text: str):
    """The matches of _SECTION_RE.finditer(text), each as its _SECTION_FROM_NUM match: a
    numeral at the start, after white space, or after one of _SECTION_RE's preceding characters."""
    pos = 0
    while (m := _SECTION_FROM_NUM.search(text, pos)) is not None:
        j = m.start()
        prev = text[j - 1] if j else ""
        if not j or prev.isspace() or prev in _BEFORE_HEADING or prev.isdecimal():
            yield m
            pos = m.end()
        else:
            pos = j + 1


def split_sections(text: str) -> dict[str, str]:
    """Split plain text at the first heading of each section 一…六, in order."""
    found: dict[str, int] = {}
    expect = 0
    for m in _heading_starts(text):
        num = m.group("num")
        idx = SECTION_NUMERALS.index(num)
        if idx >= expect and num not in found:
            found[num] = m.start("num")
            expect = idx + 1
    keys = sorted(found, key=found.get)
    out: dict[str, str] = {}
    for i, k in enumerate(keys):
        end = found[keys[i + 1]] if i + 1 < len(keys) else len(text)
        out[k] = text[found[k] : end].strip()
    return out


IMAGE_MARK = "\ue000"  # where a rough text of the page (see images_by_section) had an image


def mark_images(text: str, image: re.Pattern) -> str:
    """``text`` with IMAGE_MARK where ``image`` matches, and nowhere else (a private-use glyph the
    page itself prints is blanked first: it is no image)."""
    return image.sub(IMAGE_MARK, text.replace(IMAGE_MARK, " ") if IMAGE_MARK in text else text)


def images_by_section(rough: str) -> dict[str, int]:
    """Section numeral → how many ``IMAGE_MARK`` stand in it, in a rough text of the page with
    a mark where each image was (a table a site printed as a picture leaves only that)."""
    if IMAGE_MARK not in rough:
        return {}
    sections = split_sections(rough)
    return {k: n for k, v in sections.items() if (n := v.count(IMAGE_MARK))}

