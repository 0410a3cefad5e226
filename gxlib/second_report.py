"""A page that prints two reports one after the other (this year's, then last year's).

Sites put the previous year's report under the new one on the same page, or a column page
holds both.  The first is the page's report.  One rule, :func:`cut_at`, says where the second
starts, for the tables in any reading order: at a second 表二 opening (a table printing
第二十条第（一）项) after a 表三 or 表四 has been printed.  From there on the tables are another
report's, and so is the text from that report's title (:func:`title_in`) on.  They are not read
into this report (before, the second 表二's rows filled the first's gaps and its 表三 rows were
reported as duplicates).  The extractor says so (``extract.second_report``).

* Grids (HTML, Word, PDF, Markdown): :func:`first_report` cuts the document's grids and text.
* Crawler text, whose tables are fused into the flat text: the crawler reader finds the
  openings in the text (its own patterns for the tables' headings), asks :func:`cut_at`, and
  cuts the body before it locates the tables; ``Document.second_report`` records where, and
  :func:`first_report` gives its finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from . import spec
from .document import Document, Grid
from .headings import by_years

_OPENS_PROACTIVE = spec.normalize_label("第二十条第（一）项")
_LATER_TABLES = tuple(spec.normalize_label(w) for w in ("申请人情况", "行政复议", "行政诉讼"))
# the second report's title: 〔organ〕YYYY年〔度〕〔organ〕政府信息公开〔工作〕年度报告
_YEAR, _NAME = r"(?:19|20)\d{2}\s*年度?", r"政府信息公开(?:工作)?年度报告"
# in a page's text, a line of its own (a sentence in section 五 that names last year's report is not one)
_TITLE = re.compile(r"(?m)^[^\n。；，]{0,40}?" + _YEAR + r"[^\n。；，]{0,40}?" + _NAME + r"[ \t]*$")
# in flat text (no lines): standing after a space, a sentence's end or a date (the first report's
# signature), its organ holding no digit, space or punctuation, and not going on as a sentence
# does (「在2020年…年度报告中」 names a report, it is not one)
_TITLE_INLINE = re.compile(r"(?:^|(?<=[\s。！？!?日]))[^\s。；，、：:！？!?\d《]{0,40}?" + _YEAR + r"[^。；，\d]{0,40}?"
                           + _NAME + r"(?![》”中的已，、])")

T = TypeVar("T")


def cut_at(tables: Iterable[T], opens_proactive: Callable[[T], bool], later: Callable[[T], bool]) -> T | None:
    """The tables in reading order → the first that opens a second report (None: one report):
    the first 表二 opening (``opens_proactive``) once a 表三 or 表四 (``later``) has been printed."""
    seen_later = False
    for t in tables:
        if seen_later and opens_proactive(t):
            return t
        seen_later = seen_later or later(t)
    return None


def title_in(text: str, start: int, end: int | None = None, *, inline: bool = False) -> re.Match | None:
    """The second report's title in ``text[start:end]``, the first there: on a line of its own
    (grids: searched from the first report's section 四 on), or in flat text (``inline``: from the
    first report's last table to the second's 表二) standing as a title does."""
    return (_TITLE_INLINE if inline else _TITLE).search(text, start, len(text) if end is None else end)


def finding(where: str, title: str | None) -> dict:
    what = f"「{title}」" if title else "另一份报告"
    return {"rule": "extract.second_report", "severity": "warning", "table": None, "row": None, "col": None,
            "message": f"{where} 起页面另载{what}（第二个表二），其表格未读入本报告"}


def _says(grid: Grid, words: tuple[str, ...], hint: str) -> bool:
    """Does a cell print one of ``words`` (normalised)?  ``hint``: a character each of them holds
    as printed (a cheap test first: most cells are numbers)."""
    return any(hint in c.text and any(w in spec.normalize_label(c.text) for w in words) for row in grid.rows for c in row)


def first_report(doc: Document) -> tuple[Document, dict | None]:
    """The document cut to its first report, and the finding that says what was left out (None
    when the page prints one report)."""
    if doc.second_report is not None:  # cut by the reader (crawler text)
        return doc, finding(*doc.second_report)
    if any(g.fused for g in doc.grids):
        return doc, None  # crawler text: its reader cuts
    cut = cut_at(range(len(doc.grids)), lambda i: _says(doc.grids[i], (_OPENS_PROACTIVE,), "条"),
                 lambda i: (_says(doc.grids[i], _LATER_TABLES[1:], "行") or _says(doc.grids[i], _LATER_TABLES[:1], "申"))
                 and by_years(doc.grids[i]) is None)
    if cut is None:
        return doc, None
    text = doc.text
    four = doc.sections.get("四")
    start = text.find(four) if four else -1
    title = title_in(text, start) if start >= 0 else None
    if title is not None:
        text = text[: title.start()]
    return (replace(doc, grids=doc.grids[:cut], text=text, _sections=None),
            finding(doc.grids[cut].where, title.group(0) if title else None))
