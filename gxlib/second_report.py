"""A page that prints two reports one after the other (this year's, then last year's).

Sites put the previous year's report under the new one on the same page, or a column page
holds both.  The first is the page's report: its tables are the template tables up to a
second 表二 opening (a table printing 第二十条第（一）项) after a 表三 or 表四 has been printed;
from there on the grids are another report's, and so is the text from that report's title line
on.  They are not read into this report (before, the second 表二's rows filled the first's gaps
and its 表三 rows were reported as duplicates).  The extractor says so (``extract.second_report``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import spec
from .document import Document, Grid
from .headings import by_years

_OPENS_PROACTIVE = spec.normalize_label("第二十条第（一）项")
_LATER_TABLES = tuple(spec.normalize_label(w) for w in ("申请人情况", "行政复议", "行政诉讼"))
# the second report's title: a line of its own (a sentence in section 五 that names last year's
# report is not one)
_TITLE = re.compile(r"(?m)^[^\n。；，]{0,40}?(?:19|20)\d{2}\s*年度?[^\n。；，]{0,40}?政府信息公开(?:工作)?年度报告[ \t]*$")


def _says(grid: Grid, words: tuple[str, ...], hint: str) -> bool:
    """Does a cell print one of ``words`` (normalised)?  ``hint``: a character each of them holds
    as printed (a cheap test first: most cells are numbers)."""
    return any(hint in c.text and any(w in spec.normalize_label(c.text) for w in words) for row in grid.rows for c in row)


def first_report(doc: Document) -> tuple[Document, dict | None]:
    """The document cut to its first report, and the finding that says what was left out (None
    when the page prints one report)."""
    later, cut = False, None
    for i, grid in enumerate(doc.grids):
        if grid.fused:
            return doc, None  # crawler text's fused rows: not cut
        if later and _says(grid, (_OPENS_PROACTIVE,), "条"):
            cut = i
            break
        later = later or (_says(grid, _LATER_TABLES[1:], "行") or _says(grid, _LATER_TABLES[:1], "申")) \
            and by_years(grid) is None
    if cut is None:
        return doc, None
    text = doc.text
    four = doc.sections.get("四")
    start = text.find(four) if four else -1
    title = _TITLE.search(text, start) if start >= 0 else None
    if title is not None:
        text = text[: title.start()]
    what = f"「{title.group(0)}」" if title else "另一份报告"
    finding = {"rule": "extract.second_report", "severity": "warning", "table": None, "row": None, "col": None,
               "message": f"{doc.grids[cut].where} 起页面另载{what}（第二个表二），其表格未读入本报告"}
    return replace(doc, grids=doc.grids[:cut], text=text, _sections=None), finding
