"""Report metadata from what the document prints: agency (发布机关), report year,
publication date and statistics period.  Container metadata (a crawler header, an HTML
``<title>``) is used first where it states the same thing; nothing is guessed: what is not
stated stays None."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .document import Document

_TITLE = re.compile(
    r"(?P<pre>[^\n。，,；;：:]{0,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*(?P<post>[^\n。，,；;]{0,60}?)\s*"
    # 政府信息公开工作年度报告 / …年度工作报告 / …工作情况的报告 / 政务公开工作年度报告
    r"(?:政府)?(?:信息公开|政务公开)\s*(?:工作)?\s*(?:情况)?\s*的?\s*(?:年\s*度)?\s*(?:工作)?\s*(?:情况)?\s*的?\s*报\s*告"
)
_DATE_CN = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_PUBLISHED = re.compile(r"(?:发布日期|发布时间|发文日期|成文日期|(?<![止至计期])日期)\s*[:：]\s*")
# _PUBLISHED with every alternative led by a character (its look-behind moved after 日), so the
# regex engine skips to 发/成/日 instead of trying each offset; the same matches
# (tests/test_speed_exact.py compares them)
_PUBLISHED_SCAN = re.compile(r"(?:发布日期|发布时间|发文日期|成文日期|日(?<![止至计期]日)期)\s*[:：]\s*")
_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计期间|统计时间|数据统计期|统计期)[^。\n]{0,12}?(?:自|从|为|是)?\s*"
    r"(?P<y1>(?:19|20)\d{2})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日\s*(?:起)?\s*(?:至|到|-|—|～|~)\s*"
    r"(?:(?P<y2>(?:19|20)\d{2})\s*年\s*)?(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日"
)
# A title line that prints no year (驼峰路街道办事处政府信息公开工作年度报告): its agency is still the words before it.
_TITLE_NO_YEAR = re.compile(r"^\s*(?P<agency>[\u4e00-\u9fff（）()]{2,40}?)\s*(?:政府)?信息公开(?:工作)?(?:年度)?报告\s*$",
                            re.MULTILINE)
# The report year as its overview prints it (2020年度我街办未接到…申请), when no title or period states it.
_YEAR_DU = re.compile(r"((?:19|20)\d{2})\s*年度")
_FIRST_TABLE = re.compile(r"二\s*[、.．]\s*主动公开政府信息")
# Words around the agency name in a title that are not part of it.
# A cover letter's title (…管理局关于报送2020年度…报告的函) names the agency before 关于报送/关于印发.
_AGENCY_JUNK = re.compile(r"^(?:关于|印发)|(?:关于(?:报送|印发|公布|发布)?)$|[《》“”\"]|\s")


@dataclass
class Metadata:
    agency: str | None
    year: int | None
    published: date | None
    period_start: date | None
    period_end: date | None
    title: str | None


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def find_title(doc: Document) -> re.Match | None:
    for candidate in (doc.meta.get("title", ""), doc.text[:3000]):
        m = _TITLE.search(candidate)
        if m:
            return m
    return None


def read_metadata(doc: Document) -> Metadata:
    m = find_title(doc)
    agency = year = None
    title = None
    if m:
        title = m.group(0).strip()
        year = int(m["year"])
        pre = m["pre"] or ""
        if "\n" in m.string[m.end("pre"):m.start("year")] and _AGENCY_JUNK.sub("", m["post"] or ""):
            pre = ""  # the line above a title that names its agency after the year (site chrome, a nav bar) is not it
        name = _AGENCY_JUNK.sub("", pre) or _AGENCY_JUNK.sub("", m["post"] or "")
        agency = name or None
    period_start = period_end = None
    p = _PERIOD.search(doc.text)
    if p:
        period_start = _date(p["y1"], p["m1"], p["d1"])
        period_end = _date(p["y2"] or p["y1"], p["m2"], p["d2"])
        if year is None and period_start:
            year = period_start.year
    if m is None:
        t = _TITLE_NO_YEAR.search(doc.text[:1500])
        agency = _AGENCY_JUNK.sub("", t["agency"]) or None if t else None
    if year is None:
        year = _overview_year(doc.text)
    if agency is None:
        agency = _signature_agency(doc.text)
    return Metadata(agency, year, _published(doc), period_start, period_end, title)


def _published(doc: Document) -> date | None:
    stated = doc.meta.get("published") or ""
    m = _DATE_ISO.search(stated) or _DATE_CN.search(stated)
    if m:
        return _date(m["y"], m["m"], m["d"])
    head = doc.text[:1500]
    for lab in _PUBLISHED_SCAN.finditer(head):
        rest = head[lab.end() : lab.end() + 20]
        m = _DATE_ISO.match(rest) or _DATE_CN.match(rest)
        if m:
            return _date(m["y"], m["m"], m["d"])
    # the signature date: the last Chinese date in the closing lines, on a line of its own
    tail_lines = [ln.strip() for ln in doc.text.strip().splitlines()[-8:]]
    for line in reversed(tail_lines):
        m = _DATE_CN.fullmatch(line) or _DATE_ISO.fullmatch(line)
        if m:
            return _date(m["y"], m["m"], m["d"])
    return None


def _signature_agency(text: str) -> str | None:
    lines = [ln.strip() for ln in text.strip().splitlines()[-8:]]
    for i, line in enumerate(lines):
        if _DATE_CN.fullmatch(line) and i > 0 and 2 <= len(lines[i - 1]) <= 40:
            return lines[i - 1]
    return None


def _overview_year(text: str) -> int | None:
    """The one year the overview (the text before 表二) prints as ``YYYY年度``; None when it prints
    none or two (a report comparing with the year before does not say which is its own)."""
    t = _FIRST_TABLE.search(text, 0, 20000)
    years = {int(y) for y in _YEAR_DU.findall(text, 0, t.start() if t else 3000)}
    return years.pop() if len(years) == 1 else None
