"""Numbers a report *states in its text*: channel/category volumes and application counts.

:func:`extract_narrative` turns a report's plain text into a NARRATIVE frame (see
:mod:`gxlib.frames`): one row per stated number, with the section (一…六) it was found in,
the sentence fragment it comes from (``text``) and its character offset in the document.

Two kinds of statements are recognised:

* **Proactive volumes** (measure ``proactive_items``, unit 条)::

      我局向市政府门户网站报送信息总计154条，审发通过130条，其中动态类信息8条，…
      我局门户网站主动公开政务信息659条，其中工作动态类信息101条，…
      全年主动公开我区各级单位政府信息2645条
      在主动公开的24条政府信息中，行政法规、规章和规范性文件7条，…

  The statement's counts *before* 其中 (or before the ``在…N条…中`` form) are its stated
  totals (category ``总计``; 「总计154条，审发通过130条」 gives two, the headline first).
  The counts after the marker are the parts, category = the words before each number.
  Every row of one statement carries the same ``text`` (the statement), so
  :func:`statements` can regroup them (used by :mod:`gxlib.checks`, rule ``narrative.parts_sum``).

* **Application and review counts** (unit 件, or 起/宗 as printed): ``applications_received``,
  ``applications_concluded``, ``applications_carried_forward``, ``applications_granted``,
  ``applications_granted_or_partial``, ``reconsiderations``, ``lawsuits`` — and the zero
  statements (「没有出现就政府信息公开提出复议、诉讼和申诉的情况」, 未发生…行政复议…) which give 0.

The extractor is deliberately precise rather than greedy: approximate numbers (7700余条, 近百件),
percentages, and numbers whose measure is not certain are left out, because a wrong number here
becomes a false finding downstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from . import frames
from .document import split_sections

# ---------------------------------------------------------------------------------------------
# Text helpers

# 1,234 or 1234 (an ASCII thousands comma only): 「\d{1,3}(?:,\d{3})+|\d+」 with its first digit taken
# out in front (the same matches, tried in the same order), so that a pattern led by it lets the
# regex engine skip to a digit instead of trying every offset (tests/test_speed_exact.py compares)
_NUM = r"\d(?:\d{0,2}(?:,\d{3})+|\d*)"
_APPROX_BEFORE = re.compile(r"(?:近|约|超过|超|逾|将近|大约)$")
_APPROX_AFTER = re.compile(r"^(?:余|多)")
# Sentence boundaries: a statement never crosses these.
_SENT_END = "。；;！？!?\n"


_CN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = r"[一二两三四五六七八九十百千]+"  # 「三件」「十二件」 (零 alone is the word 零件, never a count)


def _cn(s: str) -> int | None:
    """A Chinese numeral up to 9999 (三, 十二, 二十, 一百零五 without 零 → 一百五 is not written)."""
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGIT:
            if digit is not None:
                return None  # 「二三」: not a number
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _num(s: str) -> float:
    if s[0] in _CN_DIGIT or s[0] in _CN_UNIT:
        n = _cn(s)
        return float("nan") if n is None else float(n)
    return float(s.replace(",", ""))


_SENTENCE = re.compile(f"[^{_SENT_END}]+")


def _sentences(text: str):
    """(start, sentence) for each sentence of ``text`` (boundaries kept out)."""
    for m in _SENTENCE.finditer(text):
        yield m.start(), m.group()


def _section_bounds(text: str, sections: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(start offset, numeral) of each section found by :func:`split_sections`, in order."""
    out: list[tuple[int, str]] = []
    pos = 0
    for num, body in (split_sections(text) if sections is None else sections).items():
        at = text.find(body, pos)
        if at < 0:
            continue
        out.append((at, num))
        pos = at + 1
    return sorted(out)


def _section_at(bounds: list[tuple[int, str]], offset: int) -> str | None:
    sec = None
    for start, num in bounds:
        if start <= offset:
            sec = num
        else:
            break
    return sec


def _is_approx(text: str, start: int, end: int) -> bool:
    return bool(_APPROX_BEFORE.search(text[max(0, start - 4) : start]) or _APPROX_AFTER.match(text[end : end + 2]))


# ---------------------------------------------------------------------------------------------
# Proactive volumes (条)

_ITEM = re.compile(rf"(?P<n>{_NUM})\s*(?P<approx>余|多)?\s*条")
# The parts marker: 其中 / （其中 / 在…N条…中，
_PARTS_MARKER = re.compile(r"其中[:：，,]?|(?<=中)[，,:：](?=[^，,]*?\d)")
# A publishing verb must be in the clause of a stated count (so 「网友来信13条」 is not a volume).
_VERB = re.compile(r"主动公开|公开|公布|发布|报送|推送|刊发|刊登|编发|审发")
_WHAT = re.compile(r"信息|稿件|文件|政务")
_NOT_VOLUME = re.compile(r"来信|留言|咨询|投诉|举报|建议|提案办理|申请|意见|热线|信箱")
_CHANNEL = re.compile(
    r"(?P<ch>[“”\"\u4e00-\u9fff]{0,8}?"
    r"(?:门户网站|政府网站|网站|政务新媒体|微信公众号|公众号|官方微博|微博|政府公报|公报|头条号|客户端))"
)
_CH_TRIM = re.compile(
    r"^(?:我局|我委|我办|我厅|我区|我县|我市|本局|本机关|首次|累计|共|通过|在|向|于|经|及|和|并|今年|全年|年内|全区|全市|全县)+"
)
_CAT_TRIM = re.compile(r"^(?:[\s，,、；;：:（(）)]|以及|及|和|与|另有|其中)+|[\s，,、；;：:（(）)]+$")
_PARENS = re.compile(r"[（(][^（()）]*[)）]")
_CLAUSE = re.compile(r"[^，,：:]+")


def _blank_parens(s: str) -> str:
    """Replace parenthesised sub-breakdowns by spaces (offsets stay valid); a （其中…） is kept."""
    if "（" not in s and "(" not in s:
        return s  # no opening bracket: _PARENS cannot match
    prev = None
    while prev != s:
        prev = s
        s = _PARENS.sub(lambda m: " " * len(m.group(0)) if "其中" not in m.group(0) else m.group(0)[1:-1].join("  "), s)
    return s


@dataclass(slots=True)
class Statement:
    """One proactive-volume statement: its stated totals and its parts (after 其中).

    ``exhaustive`` is False when the parts are announced as a selection (…等, 其中主要/重点…):
    then they need not add up to a stated total.
    """

    text: str
    channel: str | None
    stated: list[tuple[str, float, int]]  # (category, count, offset in text)
    parts: list[tuple[str, float, int]]
    exhaustive: bool = True


def _volume_clause(work: str, at: int) -> str | None:
    """The clause holding the count at ``at`` if it reads as a publishing statement, else None."""
    cs = max(work.rfind(c, 0, at) for c in "，,：:") + 1
    clause = work[cs : at + 12]
    ce = min([i for i in (clause.find("，", at - cs), clause.find(",", at - cs)) if i >= 0] or [len(clause)])
    clause = clause[:ce]
    if not _VERB.search(clause) or not _WHAT.search(clause) or _NOT_VOLUME.search(clause):
        return None
    return work[cs:at]


def _channel(before: str) -> str | None:
    cm = _CHANNEL.search(before)
    if not cm:
        return None
    return _CH_TRIM.sub("", re.sub(r"[“”\"]", "", cm.group("ch"))) or None


def parse_statement(sentence: str) -> Statement | None:
    """Parse a sentence holding one 其中-statement into a :class:`Statement`, or None.

    The stated totals are the ``N条`` before the parts marker (其中, or the ``在…中，`` form);
    the parts are the ``N条`` after it, parenthesised sub-breakdowns excluded.  A sentence
    without a usable marker is not a statement (see :func:`parse_volumes` for single counts).
    """
    if "条" not in sentence:
        return None
    return _statement(sentence, _blank_parens(sentence))


def _statement(sentence: str, work: str) -> Statement | None:
    """:func:`parse_statement` of a sentence holding 条, given ``work``: its parentheses blanked."""
    m = _PARTS_MARKER.search(work)
    if not m:
        return None
    stated: list[tuple[str, float, int]] = []
    parts: list[tuple[str, float, int]] = []
    prev_end = 0
    items = list(_ITEM.finditer(work))
    if not items or items[-1].start() < m.start():
        return None
    for it in items:
        s = it.start("n")
        if it.group("approx") or "%" in work[it.end() : it.end() + 2]:
            return None  # an approximate count makes the statement unusable for sums
        in_parts = s >= m.end()
        if in_parts and prev_end < m.end():
            prev_end = m.end()
        before = work[prev_end:s]
        cat = _CAT_TRIM.sub("", before.strip())
        (parts if in_parts else stated).append((cat, _num(it.group("n")), s))
        prev_end = it.end()
    if not stated or not parts:
        return None
    first = _volume_clause(work, stated[0][2])
    if first is None:
        return None
    # every count stated before 其中 is a stated total (category 总计): 「报送信息总计154条，审发通过130条」
    # gives two 总计 rows, the first being the channel's headline figure; the qualifier stays in ``text``
    stated_out = [("总计", n, off) for _cat, n, off in stated]
    tail = work[items[-1].end() :]
    exhaustive = not (re.match(r"\s*等", tail) or re.match(r"\s*(?:主要|重点(?:有|是|包括|为|[：:，,])|包括[了]?主要)", work[m.end() :]))
    return Statement(sentence, _channel(first), stated_out, parts, exhaustive)


def parse_volumes(sentence: str) -> list[tuple[str, str | None, float, int]]:
    """Single stated volumes of a sentence without a 其中 list: (clause, channel, count, offset)."""
    if "条" not in sentence:
        return []  # every volume is N条
    return _volumes(sentence, _blank_parens(sentence))


def _volumes(sentence: str, work: str) -> list[tuple[str, str | None, float, int]]:
    """:func:`parse_volumes` of a sentence holding 条, given ``work``: its parentheses blanked."""
    out = []
    for cm in _CLAUSE.finditer(work):
        clause = cm.group(0)
        items = list(_ITEM.finditer(clause))
        if len(items) != 1 or items[0].group("approx"):
            continue
        it = items[0]
        if "%" in clause[it.end() : it.end() + 2] or "其中" in clause or "中" == clause[-1:]:
            continue
        if re.search(r"\d", clause[: it.start()][-1:] or ""):
            continue
        if not _VERB.search(clause) or not _WHAT.search(clause) or _NOT_VOLUME.search(clause):
            continue
        out.append((sentence[cm.start() : cm.end()], _channel(clause[: it.start()]), _num(it.group("n")),
                    cm.start() + it.start("n")))
    return out


def statements(narrative: pl.DataFrame | list[dict]) -> list[tuple[str, str | None, Statement]]:
    """Regroup NARRATIVE proactive rows (a frame or dict rows) into statements:
    (report_id, channel, Statement).

    Rows of one statement share ``report_id`` and ``text``; the split into stated totals and
    parts is re-derived from the text by :func:`parse_statement`.
    """
    out = []
    rows_in = narrative.to_dicts() if isinstance(narrative, pl.DataFrame) else narrative
    rows = dict.fromkeys((x["report_id"], x["text"]) for x in rows_in if x["measure"] == "proactive_items")
    for rid, text in rows:
        if not text:
            continue
        st = parse_statement(text)
        if st is not None:
            out.append((rid, st.channel, st))
    return out


# ---------------------------------------------------------------------------------------------
# Application and review counts (件)

_UNIT = r"(?P<unit>件|起|宗|次)"
_N = rf"(?P<n>{_NUM}|{_CN_NUM})"
_GAP = r"[^，,。；;\d%]{0,24}?"  # words within one clause, no other number
_TOTALWORD = r"(?:共计|合计|总计|共|计)?"

_APP_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 予以公开及部分公开258件 (must come before 予以公开N件)
    ("applications_granted_or_partial", re.compile(rf"(?:予以公开|全部公开)(?:及|和|与|、)部分公开{_TOTALWORD}{_N}{_UNIT}")),
    ("applications_granted", re.compile(rf"(?<![不及和与、])予以公开(?!及|和|与|、){_TOTALWORD}{_N}{_UNIT}")),
    # 收到政府信息公开申请N件 / 收到政府依申请公开件N件 / 共受理…申请N件 / 接收…申请共计N件
    (
        "applications_received",
        re.compile(rf"(?:收到|受理|接收|接到|收悉)(?P<mid>{_GAP}申请{_GAP}|{_GAP}依申请公开件?){_TOTALWORD}{_N}{_UNIT}"),
    ),
    # 共收到70件申请
    ("applications_received", re.compile(rf"(?:收到|受理|接收|接到){_TOTALWORD}{_N}{_UNIT}(?:政府信息公开|依申请公开)?申请")),
    # 办结69件 / 共办结148件 / 办结依申请公开81件 / 答复政府信息公开申请805件
    ("applications_concluded", re.compile(rf"办结(?!率)(?P<mid>{_GAP}){_TOTALWORD}{_N}{_UNIT}")),
    ("applications_concluded", re.compile(rf"答复(?:政府信息公开|依申请公开)申请{_TOTALWORD}{_N}{_UNIT}")),
    # 1件结转下年度继续办理 / 72件申请…顺延到下年度
    (
        "applications_carried_forward",
        re.compile(rf"{_N}{_UNIT}(?:申请)?[^，,。；;\d]{{0,12}}?(?:结转|顺延)(?:至|到)?(?:下一?年度?|次年|\d{{4}}年)"),
    ),
    # 结转下年度继续办理N件 / 结转至2026年6件
    (
        "applications_carried_forward",
        re.compile(rf"(?:结转|顺延)(?:至|到)?(?:下一?年度?|次年|\d{{4}}年度?)(?:继续办理|办理|答复)?{_TOTALWORD}{_N}{_UNIT}"),
    ),
    # 行政复议7件 / 行政复议案件2件 / 复议36起
    # (「(?:行政复议|复议)」 is 「(?:行政)?复议」: the same matches in the same order of trial, and an
    # alternation of words lets the regex engine skip to 行 or 复 instead of trying every offset;
    # tests/test_speed_exact.py compares the two forms)
    ("reconsiderations", re.compile(rf"(?<![未无])(?:行政复议|复议)(?:案件|申请)?{_TOTALWORD}{_N}{_UNIT}")),
    ("lawsuits", re.compile(rf"(?<![未无])(?:行政诉讼|诉讼)(?:案件)?{_TOTALWORD}{_N}{_UNIT}")),
]
# a word each pattern needs (a quick test before the pattern runs)
_APP_WORDS = {rx: words for rx, words in zip((rx for _, rx in _APP_PATTERNS), (
    ("部分公开",), ("予以公开",), ("收到", "受理", "接收", "接到", "收悉"), ("收到", "受理", "接收", "接到"),
    ("办结",), ("答复",), ("结转", "顺延"), ("结转", "顺延"), ("复议",), ("诉讼",)))}
assert len(_APP_WORDS) == len(_APP_PATTERNS)
# per pattern: (measure, pattern, whether it needs a sentence about applications, its one word or
# None, a search for one of its words: the any(word in text) test in C).  A pattern of one word
# tests it with ``in`` (a search is a call and a scan that tests each character against a class)
_APP_RUNS = [(measure, rx, measure in ("applications_concluded", "applications_carried_forward"),
              _APP_WORDS[rx][0] if len(_APP_WORDS[rx]) == 1 else None,
              re.compile("|".join(map(re.escape, _APP_WORDS[rx])))) for measure, rx in _APP_PATTERNS]
# 行政复议、行政诉讼各N件
_BOTH = re.compile(rf"(?:行政复议|复议)(?:和|、|及|与)(?:行政)?诉讼(?:案件)?各{_N}{_UNIT}")
# Zero statements: 没有出现就政府信息公开提出复议、诉讼和申诉的情况 / 未发生…行政复议、行政诉讼
_ZERO = re.compile(
    r"(?:没有出现|未出现|未发生|没有发生|未收到|没有收到|未有|无)(?P<body>[^，,。；;\d]{0,40}?(?:复议|诉讼)[^，,。；;\d]{0,20})"
)
_ZERO_RECEIVED = re.compile(r"(?:未收到|没有收到|未受理|没有受理|未接到)(?:任何)?(?:政府信息公开|依申请公开)(?:的)?申请")
# Sentences about hotlines, mailboxes, complaints: their 办结/收到 counts are not applications.
_NOISE = re.compile(r"咨询|投诉|信箱|留言|来信|热线|12345|举报|提案|建议办理|信访件")
_ZERO_BAD = re.compile(r"纠|败诉|撤销|维持|确认违法|被告|应诉|出庭")


def _applications(text: str, context: str = "") -> list[dict]:
    """Application and review counts in one sentence; ``context`` is the paragraph before it
    (「收到申请14件。上年结转1件。全年办结19件…」: the last is about applications too)."""
    rows: list[dict] = []
    taken: list[tuple[int, int]] = []  # number spans already assigned

    def add(measure: str, n: str, unit: str, s: int, e: int, frag_span: tuple[int, int]) -> None:
        if any(a <= s < b for a, b in taken):
            return
        count = _num(n)
        if count != count or "%" in text[e : e + 2] or _is_approx(text, s, e - len(unit)):
            return  # not a numeral (「二三件」), a share, or an approximation
        taken.append((s, e))
        a, b = frag_span
        rows.append(
            {"measure": measure, "count": count, "unit": unit, "text": text[a:b], "offset": s, "category": None}
        )

    reviews = "复议" in text or "诉讼" in text
    if reviews:
        for m in _BOTH.finditer(text):
            add("reconsiderations", m.group("n"), m.group("unit"), m.start("n"), m.end("unit"), m.span())
            taken.pop()
            add("lawsuits", m.group("n"), m.group("unit"), m.start("n"), m.end("unit"), m.span())
    noisy = _NOISE.search(text) is not None  # no pattern reads a sentence about hotlines, complaints…
    about_applications = ("申请" in text or "申请" in context) and not noisy
    for measure, rx, needs_context, word, words in _APP_RUNS if not noisy else ():
        if needs_context and not about_applications or (
                word not in text if word is not None else words.search(text) is None):
            continue  # (a pattern cannot match without one of its words: skipped unrun)
        for m in rx.finditer(text):
            mid = m.groupdict().get("mid") or ""
            if measure == "applications_received" and re.search(r"上年|结转|复议|诉讼|咨询|来信|投诉|举报", mid):
                continue
            if measure == "applications_concluded" and re.search(r"复议|诉讼|信箱|来信|投诉|举报|案件|提案|建议", mid):
                continue
            add(measure, m.group("n"), m.group("unit"), m.start("n"), m.end("unit"), m.span())
    for m in _ZERO.finditer(text) if reviews else ():
        body = m.group("body")
        if _ZERO_BAD.search(body):
            continue
        # 「无」 alone is short and common: only accept it directly before the subject
        if m.group(0).startswith("无") and not re.match(
            r"(?:因|就)?(?:政府信息公开)?(?:申请)?(?:引起|引发|产生|提起|被申请)?的?(?:行政)?(?:复议|诉讼)", body
        ):
            continue
        for measure, word in (("reconsiderations", "复议"), ("lawsuits", "诉讼")):
            if word in body:
                rows.append(
                    {"measure": measure, "count": 0.0, "unit": "件", "text": m.group(0), "offset": m.start(),
                     "category": None}
                )
    # 「本年度未收到政府信息公开申请」: no application received
    for m in _ZERO_RECEIVED.finditer(text) if "申请" in text else ():
        rows.append({"measure": "applications_received", "count": 0.0, "unit": "件", "text": m.group(0),
                     "offset": m.start(), "category": None})
    return rows


# ---------------------------------------------------------------------------------------------


# A sentence can state a count only with a digit and a unit, or as a zero statement (未发生复议…).
_COUNTED = re.compile(r"[\d一二两三四五六七八九十百千]\s*[条件起宗次]|复议|诉讼|[未没][有]?[收受接][到理]")


_BOUNDARY = re.compile(f"[{_SENT_END}]")
_D = r"\d一二两三四五六七八九十百千"
_NUMERAL = frozenset(_D[2:])  # \d is str.isdecimal (tests/test_speed_exact.py checks every code point)
_COUNT_ENDS = "条件起宗次议讼到理"  # the last character of each alternative of _COUNTED


def _count_start(text: str, p: int) -> int | None:
    """Where the _COUNTED match that ends with the character at ``p`` (one of _COUNT_ENDS) starts
    (None: no match ends there)."""
    ch = text[p]
    if ch == "议" or ch == "讼":
        return p - 1 if p and text[p - 1] == ("复" if ch == "议" else "诉") else None
    if ch == "到" or ch == "理":  # [未没]有?[收受接] before it
        if p < 2 or text[p - 1] not in "收受接":
            return None
        if text[p - 2] in "未没":
            return p - 2
        return p - 3 if p >= 3 and text[p - 2] == "有" and text[p - 3] in "未没" else None
    j = p - 1  # a unit: the numeral before it, over white space (\s is str.isspace)
    while j >= 0 and text[j].isspace():
        j -= 1
    return j if j >= 0 and (text[j].isdecimal() or text[j] in _NUMERAL) else None


def _count_spans(text: str) -> list[tuple[int, int]]:
    """The spans of _COUNTED.finditer(text), found from each match's last character (a unit, 议,
    讼, 到, 理) by ``str.find`` — a fast scan for one character, where a regex tests a class at
    every offset — and the rest read before it (a match is short and ends with one of them, so no
    two overlap).  tests/test_speed_exact.py compares the spans."""
    ends = []
    for ch in _COUNT_ENDS:
        p = text.find(ch)
        while p >= 0:
            ends.append(p)
            p = text.find(ch, p + 1)
    ends.sort()
    return [(a, p + 1) for p in ends if (a := _count_start(text, p)) is not None]


def _counted_sentences(text: str):
    """The sentences of :func:`_sentences` in which _COUNTED finds a count, from one scan of the
    whole text (not a search per sentence).  A match that crosses a boundary (a digit, a line
    break, 件) is in no sentence; it hides no match within one, as no alternative of _COUNTED
    starts with white space or with 条件起宗次.  A sentence's ends are the boundaries around the
    match: the next one searched forward, the one before it searched in the reversed text."""
    end = -1
    n = len(text)
    rev = None
    for a, b in _count_spans(text):
        if a < end:
            continue  # in the sentence just given
        after = _BOUNDARY.search(text, a)
        e = after.start() if after is not None else n  # the first boundary at or after the match
        if b > e:
            continue
        if rev is None:
            rev = text[::-1]
        before = _BOUNDARY.search(rev, n - a)  # the last boundary before the match, reversed
        start = n - before.start() if before is not None else 0
        end = e
        yield start, text[start:e]


def extract_narrative(report_id: str, text: str) -> pl.DataFrame:
    """The numbers ``text`` states, as a NARRATIVE frame (one row per number, document order)."""
    return frames.frame("narrative", narrative_records(report_id, text))


def narrative_records(report_id: str, text: str, sections: dict[str, str] | None = None) -> list[dict]:
    """:func:`extract_narrative` as plain rows (dicts with the NARRATIVE columns).  ``sections``:
    the text's :func:`split_sections` when the caller has it (``Document.sections``), not redone."""
    if not text:
        return []
    bounds = _section_bounds(text, sections)
    volumes: list[dict] = []
    apps: list[dict] = []
    for start, sent in _counted_sentences(text):
        if " | " in sent:  # a table row (cells joined by " | ")
            continue
        # a volume is N条: the sentence's parentheses blanked once for both readings of it
        work = _blank_parens(sent) if "条" in sent else None
        st = _statement(sent, work) if work is not None else None
        if st is not None:
            for cat, n, off in st.stated + st.parts:
                volumes.append(
                    {"measure": "proactive_items", "channel": st.channel, "category": cat, "count": n, "unit": "条",
                     "text": sent, "offset": start + off}
                )
        else:
            for clause, ch, n, off in _volumes(sent, work) if work is not None else ():
                volumes.append(
                    {"measure": "proactive_items", "channel": ch, "category": "总计", "count": n, "unit": "条",
                     "text": clause, "offset": start + off}
                )
        # application counts: one sentence at a time so a fragment never spans sentences
        context = text[text.rfind("\n", 0, start) + 1 : start]  # the paragraph before this sentence
        for r in _applications(sent, context):
            r["offset"] += start
            apps.append(r)
    rows = volumes + apps  # volumes first where offsets tie (the sort below is stable)
    for r in rows:
        r["report_id"] = report_id
        r["section"] = _section_at(bounds, r["offset"])
    rows.sort(key=lambda r: r["offset"])
    return [{k: r.get(k) for k in frames.NARRATIVE} for r in rows]
