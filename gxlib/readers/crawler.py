"""Crawler text dumps (``page.txt``): a metadata header, then the page's flattened 正文.

A site crawler saved each report as plain text: a few ``key: value`` lines (标题, 发布时间,
发布机构, 栏目, 原文链接 …), a separator line ``==================== 正文 ====================``
and the body.  When the crawler flattened an HTML table it glued every cell together with
no separator, so a table row reads ``规范性文件898989`` (three cells: which three is for
:mod:`gxlib.fused` to work out).  This reader

* splits the header from the body (:func:`parse_header`);
* strips the site chrome a page dump carries at the body's start (``当前位置： 首页…``,
  ``微信 微博 QQ空间``, ``相关链接： -->``) and end (``来源：…``, ``附件下载``) by generic patterns;
* locates the template tables (表二, 表三, 表四) inside the flat text and emits one fused
  :class:`~gxlib.document.Grid` per table whose rows are ``[label, run]``: the row label as
  printed and the run of value text that follows it (as printed, spaces kept).

Document.text is the body with the tables left in place.  Bodies whose tables were dumped as
pipe-separated cells (``0 |`` lines) are not fused text: :func:`looks_fused` says so, and
such bodies get no grids here (the pipe-text reader handles them).
"""

from __future__ import annotations

import re

from gxlib import second_report
from gxlib.document import Cell, Document, Grid
from gxlib.errors import EmptyDocument, EncodingError
from gxlib.spec import TEMPLATES, normalize_label, template

# ---------------------------------------------------------------------------------------
# Header

_SEPARATOR = re.compile(r"^\s*=+\s*正\s*文\s*=+\s*$", re.MULTILINE)
_SEPARATOR_CORE = re.compile(r"=\s*正\s*文\s*=")
_HEADER_LINE = re.compile(r"^\s*(?P<key>[^:：\n]{1,12}?)\s*[:：][ \t]*(?P<value>.*?)\s*$")
_HEADER_KEYS = {
    "标题": "title",
    "发布时间": "published",
    "发布日期": "published",
    "文号": "doc_number",
    "发布机构": "issuer",
    "发文机关": "issuer",
    "栏目": "column",
    "原文链接": "url",
    "链接": "url",
    "本地目录": "local_dir",
}


_CORE_FROM_WORD = re.compile(r"正\s*文\s*=")


def _has_separator_core(text: str) -> bool:
    """``_SEPARATOR_CORE.search(text) is not None``, found from each 正 (a fast scan for one
    character; an HTML page holds an "=" in every attribute): the "=" before it over white
    space (\\s is str.isspace).  tests/test_speed_exact.py compares the two."""
    i = text.find("正")
    while i >= 0:
        if _CORE_FROM_WORD.match(text, i):
            j = i - 1
            while j >= 0 and text[j].isspace():
                j -= 1
            if j >= 0 and text[j] == "=":
                return True
        i = text.find("正", i + 1)
    return False


def _split_header(text: str) -> tuple[dict[str, str], int]:
    """(meta, offset of the body in ``text``); ({}, 0) when there is no crawler header."""
    # the separator's core first (a page without the separator, every HTML page, is not
    # scanned line by line)
    m = _SEPARATOR.search(text) if _has_separator_core(text) else None
    if m is None:
        return {}, 0
    head = text[: m.start()]
    meta: dict[str, str] = {}
    for line in head.splitlines():
        lm = _HEADER_LINE.match(line)
        if not lm:
            continue
        key = _HEADER_KEYS.get(lm.group("key").strip())
        value = lm.group("value").strip()
        if key and value and key not in meta:
            meta[key] = value
    start = m.end()
    if text.startswith("\r\n", start):
        start += 2
    elif text.startswith("\n", start):
        start += 1
    return meta, start


def parse_header(text: str) -> tuple[dict[str, str], str]:
    """Split a crawler dump into (meta, body).

    ``meta`` has English keys — ``title``, ``published`` (as printed, e.g. ``2020-01-20 15:22``),
    ``issuer``, ``column``, ``url`` and, when present, ``doc_number`` and ``local_dir`` — for
    the header lines that carry a value.  Text without the ``===== 正文 =====`` separator is
    returned whole with an empty meta.
    """
    meta, start = _split_header(text)
    return meta, text[start:]


# ---------------------------------------------------------------------------------------
# Site chrome

_CHROME_HEAD = re.compile(r"\s*(?:您?当前(?:的)?(?:所在)?位置|您的位置|所在位置)\s*[:：>]")
_CHROME_MARK = re.compile(
    r"-->|相关链接\s*[:：]?|文件下载|全真版|文字版|QQ空间|微博|微信|分享到\s*[:：]?|打印本页|【\s*打印\s*】|【\s*关闭\s*】"
    r"|字号\s*[:：]?(?:\s*[大中小]){0,3}|浏览次数\s*[:：]?\s*\d*|访问量\s*[:：]?\s*\d*"
    r"|(?:发布)?时间\s*[:：]\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:信息)?来源\s*[:：]\s*\S+"
)
_SENTENCE = re.compile(r"[。，；！？]")
_CHROME_TAIL = re.compile(
    r"(?:[\s\u3000]*(?:附件下载|相关附件|附件\s*[:：]|【?\s*打印(?:本页)?\s*】?|【?\s*关闭(?:窗口)?\s*】?"
    r"|(?:信息)?来源\s*[:：]\s*\S+|分享到\s*[:：]?|扫一扫\S*))+[\s\u3000]*$"
)


def _strip_chrome(body: str) -> tuple[int, int]:
    """(start, end) of the body without the site chrome at its start and end."""
    start, end = 0, len(body)
    if _CHROME_HEAD.match(body):
        pos = _CHROME_HEAD.match(body).end()
        for m in _CHROME_MARK.finditer(body, pos):
            gap = body[pos : m.start()]
            if m.start() - pos > 160 or _SENTENCE.search(gap):
                break
            pos = m.end()
        start = pos
    tail = _CHROME_TAIL.search(body, start)
    if tail is not None:
        end = tail.start()
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


# ---------------------------------------------------------------------------------------
# Where the tables are

# The pipe-text dump ends every cell with " |" (one cell per line).
_PIPE_LINE = re.compile(r"\|[ \t]*$", re.MULTILINE)


def _sp(s: str) -> str:
    """A regex for ``s`` with optional spaces between characters."""
    return r"[\s\u3000\xa0]*".join(re.escape(ch) for ch in s)


_GAP = r"[\s\u3000\xa0\"'“”‘’「」]*"
_NUM_PUNCT = r"[.、．,，]"


def _label_regex(label: str) -> str:
    """A tolerant regex for a printed label (spaces inside it, bracket and numbering variants)."""
    out = []
    for ch in normalize_label(label):
        if ch in "（(":
            out.append(r"[（(]")
        elif ch in "）)":
            out.append(r"[）)]")
        elif ch in ".、":
            out.append(_NUM_PUNCT)
        elif ch in "，,":
            out.append(r"[，,]")
        elif ch in "：:":
            out.append(r"[：:]")
        elif ch.isdigit():
            out.append(f"[{ch}{chr(ord(ch) + 0xFEE0)}]")
        else:
            out.append(re.escape(ch))
    return _GAP.join(out)


def _proactive_items() -> list[str]:
    names: set[str] = set()
    for t in TEMPLATES:
        for r in template(t)["proactive"].rows:
            names.add(r.leaf)
    names |= {"规范性文件", "行政规范性文件"}
    return sorted(names, key=len, reverse=True)


def _proactive_headers() -> list[str]:
    heads: set[str] = {"信息内容"}
    for t in TEMPLATES:
        for r in template(t)["proactive"].rows:
            for c in r.cols:
                heads.add(c.leaf)
                heads.add(re.sub(r"（.*?）$", "", c.leaf))
    return sorted(heads, key=len, reverse=True)


_ITEM_AT_END = re.compile(
    "(?:" + "|".join(_label_regex(n) for n in _proactive_items()) + r")[\s\u3000\xa0]*$"
)
_PROACTIVE_HEAD = re.compile(
    "|".join(_label_regex(h) for h in _proactive_headers())
    + r"|第\s*二\s*十\s*条\s*(?:第\s*[（(]?\s*[一二三四五六七八九十\d]+\s*[)）]?\s*项)?"
)
_PROACTIVE_START_ALT = re.compile(r"第\s*二\s*十\s*条")
_PROACTIVE_INFO = re.compile(r"信\s*息\s*内\s*容")
_PROACTIVE_COLHEAD = re.compile(
    r"本\s*年\s*新\s*制\s*作|本\s*年\s*制\s*发|信\s*息\s*内\s*容|上\s*一\s*年\s*项\s*目|本\s*年\s*处\s*理\s*决\s*定|"
    + _label_regex("规章")
    + r"[\s\u3000]*[0-9０-９]"
)

_APPL_FIRST = re.compile(r"一\s*[、.．,，]\s*本\s*年\s*新\s*收")
_APPL_HEAD = re.compile(r"申\s*请\s*人\s*情\s*况|自\s*然\s*人[\s\u3000]*法\s*人\s*或\s*其\s*他\s*组\s*织")
_APPL_TITLE = re.compile(r"三\s*、\s*收\s*到\s*和\s*处\s*理")
# The last numbering marker in a text segment starts the 表三 row label.
_APPL_MARKER = re.compile(
    r"[一二三四]\s*[、.．](?!\s*[、.．])|[（(]\s*[一二三四五六七]\s*[)）]|[1-9１-９]\s*[.、．,，](?![0-9０-９])"
)

_REVIEW_HEAD = re.compile(r"行\s*政\s*复\s*议")
_REVIEW_NEEDS = (re.compile(r"维\s*持"), re.compile(r"纠\s*正"))

_SECTION_FIVE = re.compile(r"五\s*[、.．]\s*(?:政\s*府\s*信\s*息\s*公\s*开\s*工\s*作\s*)?存\s*在")

# A run of printed values: digits with the spaces, signs and decimal points between them,
# and a money unit at its end.  A digit directly before 1. / 2、 + text is an item number.
_RUN = re.compile(
    r"[+\-＋－]?[0-9０-９](?:(?:[0-9０-９\s\u3000\xa0+\-＋－.．]|[个笔宗件](?=[\s\u3000\xa0]*[0-9０-９]))*[0-9０-９])?"
    r"(?:[\s\u3000]*万?元)?"
)
# The narrative's first words glued to a table's last run: ``…继续办理20000022025年，我局…``.
_YEAR_GLUED = re.compile(r"(?:19|20)\d\d$")
_ITEM_NO_AFTER = re.compile(r"[\s\u3000]*[.、．,，][\s\u3000]*(?![0-9０-９\s])")
_NOT_VALUE_AFTER = re.compile(r"[\s\u3000]*[)）项条年月日号%％]")
_NOT_VALUE_BEFORE = re.compile(r"[（(第]$")


def _tokenize(text: str, lo: int, hi: int) -> list[tuple[str, int, int]]:
    """Split ``text[lo:hi]`` into ("text"|"run", start, end) pieces."""
    out: list[tuple[str, int, int]] = []
    pos = lo
    for m in _RUN.finditer(text, lo, hi):
        s, e = m.start(), m.end()
        if text.startswith("年", e) and e - s > 4 and _YEAR_GLUED.search(text, s, e):
            e -= 4  # the year belongs to the sentence after the table, not to the run
            while e > s and text[e - 1] in " \u3000\xa0":
                e -= 1
        elif _NOT_VALUE_BEFORE.search(text, max(lo, s - 1), s) or _NOT_VALUE_AFTER.match(text, e):
            continue
        if _ITEM_NO_AFTER.match(text, e) and not re.search(r"元\s*$", m.group()):
            # ``00000002.其他`` – the last digit numbers the next label.
            e2 = e - 1
            while e2 > s and text[e2 - 1] in " \u3000\xa0":
                e2 -= 1
            if e2 <= s or not re.search(r"[0-9０-９]", text[s:e2]):
                continue
            e = e2
            while e > s and text[e - 1] in " \u3000\xa0":
                e -= 1
        if s > pos:
            out.append(("text", pos, s))
        out.append(("run", s, e))
        pos = e
    if pos < hi:
        out.append(("text", pos, hi))
    return out


def _where(text: str, start: int, end: int) -> str:
    line = text.count("\n", 0, start) + 1
    line_start = text.rfind("\n", 0, start) + 1
    return f"line {line}, chars {start - line_start + 1}–{end - line_start}"


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\u3000\xa0\r\n":
        s += 1
    while e > s and text[e - 1] in " \t\u3000\xa0\r\n":
        e -= 1
    return s, e


def _proactive_label(text: str, s: int, e: int) -> tuple[int, int] | None:
    m = _ITEM_AT_END.search(text, s, e)
    if m:
        return _trim(text, m.start(), e)
    # Unknown item name: whatever follows the last heading word.
    last = s
    for h in _PROACTIVE_HEAD.finditer(text, s, e):
        last = h.end()
    ls, le = _trim(text, last, e)
    if le - ls < 2 or le - ls > 30 or _SENTENCE.search(text, ls, le):
        return None
    return ls, le


def _appl_label(text: str, s: int, e: int) -> tuple[int, int] | None:
    last = None
    for m in _APPL_MARKER.finditer(text, s, e):
        last = m.start()
    if last is None:
        # No numbering printed: a short label-like segment is the label itself.
        ls, le = _trim(text, s, e)
        if le - ls < 2 or le - ls > 60 or _SENTENCE.search(text, ls, le) or "。" in text[ls:le]:
            return None
        return ls, le
    ls, le = _trim(text, last, e)
    return (ls, le) if le > ls else None


def _empty_rows(text: str, s: int, e: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Numbered 表三 labels printed with no value after them (``2.申请人逾期…申请3.其他（七）总计``):
    every numbered segment but the last of a text piece, paired with an empty run.  The
    extractor keeps only those that name a template row closely (not group headings)."""
    marks = [m.start() for m in _APPL_MARKER.finditer(text, s, e)]
    out = []
    for a, b in zip(marks, marks[1:] + [e]):
        ls, le = _trim(text, a, b)
        if le - ls >= 3 and not _SENTENCE.search(text, ls, le):
            out.append(((ls, le), (le, le)))
    return out


def _label_run_pairs(
    text: str, lo: int, hi: int, label_of, empties=None
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(label span, run span) for each digit run right after a text piece that ``label_of``
    recognises as a row label; with ``empties``, also the labels it finds printed bare."""
    pairs = []
    pieces = _tokenize(text, lo, hi)
    for i, (kind, s, e) in enumerate(pieces):
        if kind != "run" or i == 0 or pieces[i - 1][0] != "text":
            continue
        lab = label_of(text, pieces[i - 1][1], pieces[i - 1][2])
        if lab is not None:
            if empties is not None:
                pairs += empties(text, pieces[i - 1][1], lab[0])
            pairs.append((lab, _trim(text, s, e)))
    return pairs


def _grid(text: str, pairs: list[tuple[tuple[int, int], tuple[int, int]]], lo: int, hi: int) -> Grid | None:
    rows = []
    for i, ((ls, le), (rs, re_)) in enumerate(pairs):
        rows.append(
            [
                Cell(text[ls:le], _where(text, ls, le), row=i, col=0),
                Cell(text[rs:re_], _where(text, rs, re_), row=i, col=1),
            ]
        )
    if not rows:
        return None
    return Grid(rows=rows, where=_where(text, lo, hi), fused=True)


_REVIEW_NUMBERED = re.compile(r"[四4]\s*[、.．]")


def _reviews_header(text: str, lo: int, hi: int) -> tuple[int | None, int | None]:
    """(start of 表四's column header, start of its title or of the header) in ``text[lo:hi]``:
    the first 维持 with 纠正 right after it, before any run of values, backed up to the
    header's first 行政复议 and to a 四、 numbering printed just before."""
    for m in _REVIEW_NEEDS[0].finditer(text, lo, hi):
        if not _REVIEW_NEEDS[1].search(text, m.end(), min(hi, m.end() + 40)):
            continue
        start = m.start()
        back = max(lo, m.start() - 80)
        for h in _REVIEW_HEAD.finditer(text, back, m.start()):
            if not _RUN.search(text, h.end(), m.start()):
                start = h.start()  # the last one: a title's 行政复议 may stand just before it
        title = start
        for n in _REVIEW_NUMBERED.finditer(text, max(lo, start - 40), start):
            if not re.search(r"[0-9０-９。]", text[n.end() : start]):
                title = n.start()
                break
        return start, title
    return None, None


def _find_tables(text: str, lo: int, hi: int) -> tuple[list[Grid], list[str]]:
    """Locate 表二/表三/表四 in the flat body ``text[lo:hi]`` and return their fused grids."""
    grids: list[Grid] = []
    problems: list[str] = []

    # 表三: the first row label (一、本年新收…) after the applicant header.
    a_lo = None
    head = _APPL_HEAD.search(text, lo, hi)
    first = _APPL_FIRST.search(text, head.end() if head else lo, hi)
    if first is not None and (head is None or first.start() - head.end() < 200):
        a_lo = first.start()
    elif head is not None:
        a_lo = head.end()
        # Skip the remaining header words up to the first numbering marker.
        mk = _APPL_MARKER.search(text, a_lo, min(hi, a_lo + 200))
        a_lo = mk.start() if mk else a_lo

    # 表四: found by its column headings (维持 … 纠正), never by its title, which reports misspell
    # (行政法复议) or reword; its zone starts at the header's first word (行政复议).
    r_lo, r_title_start = _reviews_header(text, a_lo if a_lo is not None else lo, hi)

    # 表二: from 第二十条第（一）项 to 表三's title/header.
    p_limit = min(x for x in (a_lo, head.start() if head else None, r_title_start, hi) if x is not None)
    p_start = None
    for m in _PROACTIVE_START_ALT.finditer(text, lo, p_limit):
        if _PROACTIVE_COLHEAD.search(text, m.end(), min(p_limit, m.end() + 60)):
            p_start = m
            break
    # No 第二十条 heading printed before the first sub-table (none at all, or the first one
    # cut off with the page before an excerpt): its column headings start the table.
    for m in _PROACTIVE_INFO.finditer(text, lo, p_start.start() if p_start else p_limit):
        if _PROACTIVE_COLHEAD.search(text, m.end(), min(p_limit, m.end() + 60)):
            p_start = m
            break
    if p_start is not None:
        t3 = _APPL_TITLE.search(text, p_start.end(), p_limit)
        p_hi = t3.start() if t3 else p_limit
        # Heading of the first sub-table: the zone starts there.
        zone_lo = p_start.start()
        g = _grid(text, _label_run_pairs(text, zone_lo, p_hi, _proactive_label), zone_lo, p_hi)
        if g is not None:
            grids.append(g)
        else:
            problems.append("表二: headings found but no item rows with values")

    # 表三 rows: label segment + run, up to 表四.
    if a_lo is not None:
        a_hi = r_title_start if r_title_start is not None else hi
        sec5 = _SECTION_FIVE.search(text, a_lo, a_hi)
        if sec5 is not None:
            a_hi = sec5.start()
        g = _grid(text, _label_run_pairs(text, a_lo, a_hi, _appl_label, _empty_rows), a_lo, a_hi)
        if g is not None:
            grids.append(g)
        else:
            problems.append("表三: header found but no rows with values")

    # 表四: the header text is the label of its one run (15 numbers).
    if r_lo is not None:
        sec5 = _SECTION_FIVE.search(text, r_lo, hi)
        z_hi = sec5.start() if sec5 else hi
        pieces = _tokenize(text, r_lo, z_hi)
        pairs = []
        label_span = None
        digits = 0
        for kind, s, e in pieces:
            if kind == "text":
                if digits:
                    # A second label: rows printed one by one.
                    lab = _trim(text, s, e)
                    label_span = lab if lab[1] > lab[0] else label_span
                else:
                    label_span = _trim(text, s, e)
                continue
            if label_span is None:
                continue
            pairs.append((label_span, _trim(text, s, e)))
            digits += len(re.findall(r"[0-9０-９]", text[s:e]))
            label_span = None
            if digits >= 15:
                z_hi = e
                break
        g = _grid(text, pairs, r_lo, z_hi)
        if g is not None:
            grids.append(g)
        else:
            problems.append("表四: header found but no run of values")
    return grids, problems


# 表二's opening: the first item's heading with the table's column headings right after it
_PROACTIVE_OPENS = re.compile(r"第\s*二\s*十\s*条\s*第\s*[（(]\s*一\s*[)）]\s*项")


def _second_report(text: str, lo: int, hi: int) -> tuple[int, str, str | None] | None:
    """A second report printed after the first in the flat body ``text[lo:hi]``: (where its text
    starts, where its 表二 opens, its title or None), by :func:`gxlib.second_report.cut_at` over the
    tables' headings in the order printed (表二 opening; 表三's 申请人情况, 表四's 维持…纠正)."""
    opens = [(m.start(), m.end(), "proactive") for m in _PROACTIVE_OPENS.finditer(text, lo, hi)
             if _PROACTIVE_COLHEAD.search(text, m.end(), min(hi, m.end() + 60))]
    if not opens:
        return None  # (most bodies: one 表二, or none)
    later = [(m.start(), m.end(), "later") for m in _APPL_HEAD.finditer(text, lo, hi)]
    later += [(m.start(), m.end(), "later") for m in _REVIEW_NEEDS[0].finditer(text, lo, hi)
              if _REVIEW_NEEDS[1].search(text, m.end(), min(hi, m.end() + 40))]
    marks = sorted(opens + later)
    cut = second_report.cut_at(marks, lambda t: t[2] == "proactive", lambda t: t[2] == "later")
    if cut is None:
        return None
    after = max(e for s, e, kind in marks if kind == "later" and s < cut[0])  # the first report's last table
    title = second_report.title_in(text, after, cut[0], inline=True)
    start = title.start() if title else cut[0]
    return start, _where(text, cut[0], cut[1]), title.group(0) if title else None


# ---------------------------------------------------------------------------------------
# Public API

_FUSED_HINT = re.compile(
    r"(?:本\s*年\s*新\s*收\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请\s*数\s*量|总\s*计|规\s*章|行\s*政\s*许\s*可)"
    r"[\s\u3000]*[0-9０-９]"
)


def looks_fused(body: str) -> bool:
    """True when the body holds template tables flattened into glued runs (no cell separators).

    Bodies with pipe-separated cells (``0 |`` lines) are not fused — they belong to the
    pipe-text reader — nor are bodies without any table-like ``label + digits`` text.
    """
    if len(_PIPE_LINE.findall(body)) >= 3:
        return False
    return _FUSED_HINT.search(body) is not None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; newlines normalised to ``\\n``."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise EncodingError("the bytes decode neither as UTF-8 nor as GB18030")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read(path: str, data: bytes, sha256: str) -> Document:
    """Read a crawler text dump into a :class:`Document` (format ``"text"``).

    ``meta`` comes from the crawler header; ``text`` is the body without site chrome, tables
    left in place; ``grids`` holds one fused grid per template table found (rows
    ``[label, run]``).  Pipe-text bodies and reports without template tables (pre-2019
    reports) get no grids.
    """
    if not data or not data.strip():
        raise EmptyDocument(f"{path}: empty file")
    return read_text(decode(data), str(path), sha256)


def read_text(text: str, path: str, sha256: str) -> Document:
    """:func:`read` for text already decoded (the format sniffer decodes once)."""
    if not text.strip():
        raise EmptyDocument(f"{path}: no text")
    meta, b0 = _split_header(text)
    s, e = _strip_chrome(text[b0:])
    lo, hi = b0 + s, b0 + e
    body = text[lo:hi]
    if not body.strip():
        raise EmptyDocument(f"{path}: the crawler header has no body")
    grids: list[Grid] = []
    problems: list[str] = []
    second = None
    if looks_fused(body):
        cut = _second_report(text, lo, hi)
        if cut is not None:  # another report after this one: not read into it
            hi, second = cut[0], cut[1:]
            body = text[lo:hi].rstrip()
        grids, problems = _find_tables(text, lo, hi)
    elif len(_PIPE_LINE.findall(body)) >= 3:
        problems.append("body holds pipe-separated cells: not fused text (pipe-text reader)")
    return Document(source=str(path), format="text", sha256=sha256, text=body, grids=grids, meta=meta,
                    problems=problems, second_report=second)
