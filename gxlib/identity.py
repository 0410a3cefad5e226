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


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


def phone_digits(phone: str | None) -> str | None:
    """The subscriber number of a printed phone (its last 7–8 digits), so 「0591-23156157」 and
    「23156157」 compare equal."""
    if not phone:
        return None
    d = re.sub(r"\D", "", phone)
    return d[-8:] if len(d) >= 7 else None


def identity_signals(doc: Document) -> dict:
    """``url``, ``signature``, ``phone``, ``address``, ``consolidates`` for one document."""
    text = _norm(doc.text or "")
    phone = _PHONE.search(text[:4000])
    addr = _ADDRESS.search(text[:4000])
    sig = _SIGNATURE.search(text[-300:])
    signature = sig.group(1) if sig and _ORGAN_END.search(sig.group(1)) else None
    return {
        "url": (doc.meta or {}).get("url") or None,
        "signature": signature,
        "phone": re.sub(r"\s+", "", phone.group(1)) if phone else None,
        "address": addr.group(1).strip() if addr else None,
        "consolidates": bool(_CONSOLIDATES.search(text)),
    }
