"""What a report says about who wrote it, beyond its title: the page address, the signature
(落款), the contact phone and address, and whether it says it consolidates its units' reports.

These are the signals the registry uses to propose a rename (same site column, same signature,
same address or phone in consecutive years) and to mark a consolidated (汇总) report.  Each is
taken only when printed; nothing is guessed (null when absent).
"""

from __future__ import annotations

import re
import unicodedata

from .document import Document

# 「如对本报告有任何疑问，请与…联系（地址：…，邮编：…，电话：0591-23161005）」
_PHONE = re.compile(r"(?:联系)?电话[：:]\s*([0-9][0-9\-－—–\s()（）]{5,24}[0-9])")
# _PHONE without its optional lead word: the same number (group 1) from the first 电话 whose
# tail matches, found by a literal scan (_PHONE's optional start is tried at every offset: 30×
# slower); tests/test_speed_exact.py compares the two
_PHONE_FROM_WORD = re.compile(_PHONE.pattern.removeprefix("(?:联系)?"))
_ADDRESS = re.compile(r"(?:地址|地点)[：:]\s*([^，,；;：:）)。\n]{4,60})")
# the signature: an organ name closing the text, followed by its date
_SIGNATURE = re.compile(
    r"(?:^|[。；;！!？?\s）)」”])([\u4e00-\u9fff（）()]{4,40}?)\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年"
    r"\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:附件下载|附件|打印本页|关闭窗口|【[^】]*】|\s)*$"
)
_ORGAN_END = re.compile(r"(?:局|委员会|委|厅|办公室|办|政府|管委会|党工委|中心|院|署|办事处|处|所|站|会)$")
# 「本报告由…汇总…各有关单位…编制而成」 and its variants
_CONSOLIDATES = re.compile(
    r"汇总[^。；]{0,40}?(?:各有关单位|各单位|各部门|各有关部门|所属单位|下属单位|各乡镇|各街道|各区县|各县区)"
    r"[^。；]{0,40}?编制"
)


# NFKC of plain Chinese text, fast: text made only of characters NFKC leaves alone (ASCII, CJK
# ideographs, common punctuation) or maps one-to-one (full-width ASCII, U+3000, U+00A0) is
# normalized by replacing those; anything else goes through unicodedata.  Both sets are
# checked against unicodedata for every code point by tests/test_speed_exact.py.
NFKC_INERT = "\t\n\r\x20-\x7e\u4e00-\u9fff\u3001\u3002\u3007-\u3011\u3014-\u301b\u2013\u2014\u2190-\u2193\u2018\u2019\u201c\u201d\u00b7"
NFKC_ONE_TO_ONE = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " ", "\xa0": " "}
_OTHER = re.compile(f"[^{NFKC_INERT}\uff01-\uff5e\u3000\xa0]")
_ONE_TO_ONE = re.compile("[\uff01-\uff5e\u3000\xa0]")


# the full-width forms reports print most: replaced first by string methods (each a fast scan), so
# most texts are then left in NFKC form, which unicodedata.is_normalized tells in one pass in C
_COMMON_WIDE = "，：；（）！？\u3000\xa0"


def nfkc(s: str) -> str:
    """``unicodedata.normalize("NFKC", s)``, without its cost on plain Chinese text.  A character
    of NFKC_ONE_TO_ONE decomposes (NFKD) to its ASCII image, so replacing it by that image
    leaves the NFKC of the text as it was."""
    for c in _COMMON_WIDE:
        if c in s:
            s = s.replace(c, NFKC_ONE_TO_ONE[c])
    if unicodedata.is_normalized("NFKC", s):
        return s
    if _OTHER.search(s) is not None:
        return unicodedata.normalize("NFKC", s)
    for c in set(_ONE_TO_ONE.findall(s)):
        s = s.replace(c, NFKC_ONE_TO_ONE[c])
    return s


def _norm(s: str) -> str:
    return nfkc(s).strip()


def phone_digits(phone: str | None) -> str | None:
    """The subscriber number of a printed phone (its last 7–8 digits), so 「0591-23156157」 and
    「23156157」 compare equal."""
    if not phone:
        return None
    d = re.sub(r"\D", "", phone)
    return d[-8:] if len(d) >= 7 else None


# words the consolidation statement needs: no other character's NFKC form holds them
# (tests/test_speed_exact.py scans every code point), so a text without them is not normalized
CONSOLIDATES_WORDS = ("汇总", "编制")


def _norm_head(raw: str, n: int) -> str:
    """``_norm(raw)[:n]`` normalizing only a head of ``raw``: NFKC of a text cut after a line
    break is the NFKC of its two pieces joined (a line break never composes)."""
    cut = raw.find("\n", n)
    if cut >= 0:
        head = nfkc(raw[: cut + 1]).lstrip()
        if len(head.rstrip()) >= n:
            return head[:n]
    return _norm(raw)[:n]


def _norm_tail(raw: str, n: int) -> str:
    """``_norm(raw)[-n:]``, normalizing only a tail of ``raw`` (cut before a line break)."""
    cut = raw.rfind("\n", 0, max(0, len(raw) - n))
    if cut >= 0:
        tail = nfkc(raw[cut:]).rstrip()
        if len(tail.lstrip()) >= n:
            return tail[-n:]
    return _norm(raw)[-n:]


def identity_signals(doc: Document) -> dict:
    """``url``, ``signature``, ``phone``, ``address``, ``consolidates`` for one document."""
    raw = doc.text or ""
    head = _norm_head(raw, 4000)
    phone = _PHONE_FROM_WORD.search(head)
    addr = _ADDRESS.search(head)
    sig = _SIGNATURE.search(_norm_tail(raw, 300))
    signature = sig.group(1) if sig and _ORGAN_END.search(sig.group(1)) else None
    return {
        "url": (doc.meta or {}).get("url") or None,
        "signature": signature,
        "phone": re.sub(r"\s+", "", phone.group(1)) if phone else None,
        "address": addr.group(1).strip() if addr else None,
        "consolidates": all(w in raw for w in CONSOLIDATES_WORDS) and bool(_CONSOLIDATES.search(_norm(raw))),
    }
