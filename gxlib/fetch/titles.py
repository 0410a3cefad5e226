"""Which list entries are annual reports, and of which year: from the title alone.

    >>> classify("平潭综合实验区2020年政府信息公开工作年度报告")
    Title(is_report=True, year=2020, reason='report')
    >>> classify("关于做好2020年政府信息公开工作年度报告编制发布工作的通知").reason
    'notice about reports'

A title is a report when it names the disclosure work (信息公开 / 政务公开) and a report
(年度报告, 年报, 工作情况的报告, 工作报告), or is a cover letter sending one (关于报送…年度报告的函);
inside a 年报 column a bare "2020年度报告" is enough.  Notices, plans, interpretations and
tables of contents *about* reports are not reports.  The year is read from the title (Arabic
or Chinese digits); a title without one gives ``year=None`` — never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORK = re.compile(r"信息公开|政务公开")
_REPORT = re.compile(r"年度报告|年报|工作情况的?报告|工作报告")
_LETTER = re.compile(r"关于报送.*年度报告的函")
# about reports, not reports: notices, plans, interpretations, charts, lists
_NOT = re.compile(
    r"(的|工作)?通知$|通知[》」]?$|编制(和|与|及)?发布|编制工作|发布工作|要点|方案|计划|解读|图解|问答|答记者问|"
    r"目录|指南|制度|考核|评估|第三方|情况通报|通报|公示$|征集|培训"
)
_COLUMN = re.compile(r"年报|年度报告")
_CN_DIGIT = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
             "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([一二][〇零○Ｏ九][一二三四五六七八九〇零○Ｏ]{2})\s*年")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Title:
    is_report: bool
    year: int | None
    reason: str  # report | cover letter | notice about reports | not a report title


def report_year(title: str) -> int | None:
    """The first year printed in ``title`` (2020年, 2020年度, 二〇二〇年), else None."""
    t = _WS.sub("", title)
    m = _YEAR.search(t)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(t)
    if m:
        return int("".join(_CN_DIGIT[c] for c in m.group(1)))
    return None


def classify(title: str, column: str | None = None) -> Title:
    """Is ``title`` (in list column ``column``) an annual report, and of which year."""
    t = _WS.sub("", title or "")
    year = report_year(t)
    if _LETTER.search(t):
        return Title(True, year, "cover letter")
    has_report = bool(_REPORT.search(t))
    if has_report and _NOT.search(t):
        return Title(False, year, "notice about reports")
    if has_report and (_WORK.search(t) or (column and _COLUMN.search(column) and year is not None)):
        return Title(True, year, "report")
    return Title(False, year, "not a report title")
