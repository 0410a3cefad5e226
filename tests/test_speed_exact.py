"""The shortcuts the parse takes for speed give exactly what the slow path gives.

Each shortcut rests on a fact about Unicode or about a pattern; these tests check the fact
itself (every code point, every pattern), so a Python with newer Unicode data that broke it
fails here rather than changing a parse silently.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from gxlib import identity, narrative
from gxlib.readers import read_document
from shared import SHARED


def _composition_seconds() -> set[str]:
    """Characters that are the second part of a canonical composition (they may merge with the
    character before them, so a text holding one must be normalized by unicodedata)."""
    out = set()
    for cp in range(sys.maxunicode + 1):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2:
            out.add(chr(int(d.split()[1], 16)))
    return out


def test_nfkc_inert_characters_are_left_alone_by_nfkc():
    inert = re.compile(f"[{identity.NFKC_INERT}]")
    seconds = _composition_seconds()
    chars = [chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp < 0xE000 and inert.match(chr(cp))]
    assert len(chars) > 20000  # ASCII, the CJK ideographs, punctuation
    bad = [hex(ord(c)) for c in chars
           if unicodedata.normalize("NFKC", c) != c or unicodedata.combining(c) or c in seconds]
    assert bad == []


def test_nfkc_one_to_one_map_is_nfkc():
    seconds = _composition_seconds()
    for c, mapped in identity.NFKC_ONE_TO_ONE.items():
        assert unicodedata.normalize("NFKC", c) == mapped
        assert mapped not in seconds and not unicodedata.combining(mapped)


@pytest.mark.parametrize("text", [
    "政府信息公开（2023年）：电话０５９１－２３１６１００５　地址：福州市",
    "e\u0301 and ＡＢＣ…㎡ ﬁ",  # composing, compatibility forms: the slow path
    "本报告由…汇总\n\u0301各单位编制",
    "가\u1161\n\u1100\u1161",  # Hangul jamo compose
    "",
])
def test_nfkc_matches_unicodedata(text):
    assert identity.nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_matches_unicodedata_on_real_and_random_texts():
    """nfkc's replacements of the common full-width forms, then unicodedata.is_normalized, give
    unicodedata's NFKC on every real report text and on random mixes of every path's characters."""
    import random

    texts = [read_document(f).text for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]
    assert texts, "no real report text in ../shared/corpus"
    rng = random.Random(11)
    pieces = [*identity._COMMON_WIDE, "０", "Ａ", "．", "中", "文", "e", "\u0301", "\u3099", "か", "ﬁ", "㈠", "\n", " ", "1"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    for text in texts:
        assert identity.nfkc(text) == unicodedata.normalize("NFKC", text), text[:80]


def test_nfkc_of_text_cut_at_a_line_break_is_nfkc_of_the_pieces():
    """_norm_head / _norm_tail normalize a piece of the text cut at a line break."""
    tricky = ["e", "\u0301", "\u1100", "\u1161", "ＡＢ", "…", "\u3000", "ﬁ", "中", "\u0338", "\u3099", "か"]
    for a in tricky:
        for b in tricky:
            whole = a + "\n" + b
            assert unicodedata.normalize("NFKC", whole) == (
                unicodedata.normalize("NFKC", a + "\n") + unicodedata.normalize("NFKC", b))
    assert unicodedata.normalize("NFKC", "\n") == "\n"


def test_consolidation_words_come_from_no_other_character():
    """identity_signals normalizes the whole text only when it holds the consolidation
    statement's words: no character but those words' own has NFKC holding one of them."""
    chars = set("".join(identity.CONSOLIDATES_WORDS))
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if c in chars or 0xD800 <= cp < 0xE000:
            continue
        n = unicodedata.normalize("NFKC", c)
        assert not (set(n) & chars), hex(cp)


@pytest.mark.parametrize("n", [5, 300, 4000])
def test_norm_head_and_tail_equal_the_whole_normalized_text(n):
    lines = ["  ＡＢＣ：电话０５９１", "e\u0301x", "中文（一）", "\u3000\u3000", "…………", "ﬁ" * 7] * 400
    raw = "\n".join(lines)
    whole = identity._norm(raw)
    assert identity._norm_head(raw, n) == whole[:n]
    assert identity._norm_tail(raw, n) == whole[-n:]
    short = "  电话：１２３  "
    assert identity._norm_head(short, n) == identity._norm(short)[:n]
    assert identity._norm_tail(short, n) == identity._norm(short)[-n:]


def test_application_patterns_need_their_words():
    """narrative skips a pattern whose words are absent from a sentence: every match of each
    pattern holds one of them (checked on the pattern's own literal alternatives)."""
    for _measure, rx in narrative._APP_PATTERNS:
        words = narrative._APP_WORDS[rx]
        # the pattern's first literal group: each alternative it admits starts with one of the words
        src = rx.pattern
        assert any(w in src for w in words)
        for probe in ("收到申请12件", "受理政府信息公开申请3件", "办结69件", "答复依申请公开申请5件", "予以公开及部分公开8件",
                      "予以公开7件", "1件结转下年度继续办理", "结转至2026年6件", "行政复议2件", "行政诉讼1件", "共收到70件申请",
                      "收悉申请4件", "顺延到下年度2件"):
            if rx.search(probe):
                assert any(w in probe for w in words), (rx.pattern, probe)


@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "peer/01_hangzhou-style-2025.html"])
def test_narrative_with_given_sections_is_the_same(name):
    path = SHARED / "corpus" / name
    if not path.exists():
        pytest.skip(f"{path} absent (../shared/corpus not mounted)")
    doc = read_document(path)
    assert narrative.narrative_records("r", doc.text, doc.sections) == narrative.narrative_records("r", doc.text)


def _section_texts() -> list[str]:
    import random
    from pathlib import Path

    texts = []
    root = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
    for f in sorted(root.glob("*"))[::7]:
        if f.suffix in (".html", ".txt", ".md"):
            texts.append(read_document(f).text)
    # headings glued to every kind of neighbour: numbers, punctuation, words, spaces
    rng = random.Random(14)
    pieces = ["一、总体情况", "二、主动公开政府信息情况", "三．收到和处理政府信息公开申请情况", "四.因政府信息公开申请",
              "五、存在的主要问题", "六、其他需要报告的事项", "六、2024年工作计划", "三、", "一", "、", "。", "；", " ", "\n",
              "\u3000", "）", "】", "元", "件", "x", "7", "７", "正文", "（二）", "主动公开"]
    texts += ["".join(rng.choice(pieces) for _ in range(60)) for _ in range(500)]
    return texts


def test_section_headings_found_as_the_full_pattern_finds_them():
    from gxlib import document

    for text in _section_texts():
        want = [(m.start("num"), m.group("num"), m.group("title")) for m in document._SECTION_RE.finditer(text)]
        got = [(m.start("num"), m.group("num"), m.group("title")) for m in document._heading_starts(text)]
        assert got == want


def test_checks_read_the_coded_cells_as_they_read_the_rows():
    """read_report hands the checks its CodedCells (no lookup object per cell): the findings are
    those the CELLS rows give, on every real report and every demo report."""
    from pathlib import Path

    from gxlib import read_report
    from gxlib.checks import check_records
    from gxlib.errors import GxError

    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
    files = [p for p in sorted((SHARED / "corpus").rglob("*")) + sorted(demo.glob("*.htm*")) + sorted(demo.glob("*.txt"))
             if p.suffix in (".html", ".txt", ".md", ".pdf", ".docx") and "gold" not in p.parts
             and p.name != "README.md"]
    if not files:
        pytest.skip("no real or demo report to read")
    n = 0
    for f in files:
        try:
            rep = read_report(f)
        except GxError:
            continue
        r = rep.rows
        slow = check_records(r["reports"][0], r["cells"], r["narrative"], rep.document.sections)
        fast = check_records(r["reports"][0], r["cells"], r["narrative"], rep.document.sections,
                             coded=rep.extraction.cells)
        assert fast == slow, f
        n += bool(slow)
    assert n > 10  # reports with findings were compared


def test_counted_sentences_are_the_sentences_holding_a_count():
    """narrative._counted_sentences (one scan of the text) gives the sentences that
    _COUNTED.search finds a count in, on every real report text and on random texts made of the
    characters the patterns turn on (boundaries, white space, numerals, units, 复议/诉讼/未收到)."""
    import random

    def slow(text):
        return [(st, s) for st, s in narrative._sentences(text) if narrative._COUNTED.search(s)]

    texts = []
    for f in sorted((SHARED / "corpus").rglob("*")):
        if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md":
            texts.append(read_document(f).text)
    rng = random.Random(1)
    alphabet = list("。；;！？!?\n 　5二件条起宗次复议诉讼未没有收受接到理a") + ["\t", "１", "百"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    for text in texts:
        assert list(narrative._counted_sentences(text)) == slow(text), text[:80]


def test_phone_found_from_its_word_as_the_full_pattern_finds_it():
    """identity finds the phone from 电话 on (a literal scan), not trying 联系 at every offset:
    the same number on every real report's head and on random texts built around the words."""
    import random

    texts = [read_document(f).text[:4000] for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]
    rng = random.Random(7)
    pieces = ["联系", "电话", "：", ":", " ", "\n", "0591-", "2316", "1005", "（", "）", "-", "联", "系", "电", "话", "x", "7"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    for text in texts:
        full, fast = identity._PHONE.search(text), identity._PHONE_FROM_WORD.search(text)
        assert (full and full.group(1)) == (fast and fast.group(1)), text[:80]


def test_counted_end_scan_finds_what_counted_finds():
    """narrative._count_spans (each alternative's last character found by str.find, the rest read
    before it) finds the spans _COUNTED.finditer finds."""
    import random

    fast = narrative._count_spans

    texts = [read_document(f).text for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]
    rng = random.Random(3)
    alphabet = list("。；\n 　5二两百千件条起宗次复议诉讼未没有收受接到理a") + ["\t", "１", "复复议", "未有收到", "\u2003", "有收到", "收理"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    for text in texts:
        assert fast(text) == [m.span() for m in narrative._COUNTED.finditer(text)], text[:80]


def test_regex_digit_and_space_classes_are_the_str_predicates():
    """narrative._count_start reads \\d as str.isdecimal and \\s as str.isspace: true of every code point."""
    digit, space = re.compile(r"\d"), re.compile(r"\s")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        assert (digit.match(c) is not None) == c.isdecimal(), hex(cp)
        assert (space.match(c) is not None) == c.isspace(), hex(cp)


def test_published_scan_finds_what_published_finds():
    """metadata._PUBLISHED_SCAN (each alternative led by a character) matches where _PUBLISHED does."""
    import random

    from gxlib import metadata

    texts = [read_document(f).text[:1500] for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]
    rng = random.Random(5)
    pieces = ["发布", "日期", "时间", "发文", "成文", "日", "期", "止", "至", "计", "：", ":", " ", "\n", "2023", "x"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(20000)]
    for text in texts:
        assert [m.span() for m in metadata._PUBLISHED_SCAN.finditer(text)] == \
            [m.span() for m in metadata._PUBLISHED.finditer(text)], text[:80]


def test_coded_cell_as_printed_is_the_dataclass():
    """coded.as_printed (no class call) makes the CodedCell the dataclass makes, every field set."""
    import dataclasses

    from gxlib.coded import CodedCell, as_printed

    args = ("applications", "granted", "natural_person", 3.0, "3", "table 2, row 7, cell 2")
    made = as_printed(*args)
    assert made == CodedCell(*args) and type(made) is CodedCell
    assert [f.name for f in dataclasses.fields(CodedCell)] == \
        ["table", "row", "col", "value", "raw", "where", "ambiguous", "settled"]


def test_white_space_only_text_is_blank():
    """extract._trim_blanks drops a cell whose text is white space only without asking is_blank:
    every such text is blank."""
    from gxlib.values import is_blank

    spaces = [chr(cp) for cp in range(sys.maxunicode + 1) if chr(cp).isspace()]
    assert all(is_blank(c) and is_blank(c + " " + c) for c in spaces)


def test_cell_signal_scores_are_the_joined_scores():
    """extract._cell_signal_scores (each cell text's counts cached) equals _signal_scores of the
    texts joined, on every real report's cell texts."""
    from gxlib import extract

    for f in sorted((SHARED / "corpus").rglob("*")):
        if f.suffix in (".html", ".txt", ".md", ".docx") and "gold" not in f.parts and f.name != "README.md":
            texts = extract._printed(read_document(f))
            assert extract._cell_signal_scores(texts) == extract._signal_scores(texts), f


def _report_texts() -> list[str]:
    return [read_document(f).text for f in sorted((SHARED / "corpus").rglob("*"))
            if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]


def test_word_alternations_match_as_the_optional_prefix_did():
    """narrative's 「(?:行政复议|复议)」 patterns find what 「(?:行政)?复议」 found (same spans, same
    groups) on every real report's sentences and on random texts built around the words."""
    import random

    pairs = []
    for rx in [narrative._BOTH] + [rx for _, rx in narrative._APP_PATTERNS]:
        old = rx.pattern.replace("(?:行政复议|复议)", "(?:行政)?复议").replace("(?:行政诉讼|诉讼)", "(?:行政)?诉讼")
        if old != rx.pattern:
            pairs.append((rx, re.compile(old)))
    assert len(pairs) == 3
    texts = [s for t in _report_texts() for _, s in narrative._sentences(t) if "复议" in s or "诉讼" in s]
    assert texts, "no real sentence about reviews in ../shared/corpus"
    rng = random.Random(5)
    pieces = ["行政", "行", "政", "复议", "诉讼", "未", "无", "和", "、", "各", "案件", "申请", "共", "3", "12", "件", "起", "三"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    for new, old in pairs:
        for text in texts:
            assert [(m.span(), m.groupdict()) for m in new.finditer(text)] == [
                (m.span(), m.groupdict()) for m in old.finditer(text)], text[:80]


def test_separator_core_found_from_its_word_as_the_pattern_finds_it():
    """crawler._has_separator_core (from each 正) is _SEPARATOR_CORE's verdict on every real
    page and report text and on random texts built around the separator."""
    import random

    from gxlib.readers import crawler, decode_text

    texts = _report_texts() + [decode_text(f.read_bytes()) for f in sorted((SHARED / "corpus").rglob("*"))
                               if f.suffix in (".html", ".txt", ".md")]
    rng = random.Random(3)
    pieces = ["=", "==", " ", "\n", "\u3000", "正", "文", "正文", "x", "\t"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(30000)]
    for text in texts:
        assert crawler._has_separator_core(text) == (crawler._SEPARATOR_CORE.search(text) is not None), text[:80]


def test_number_led_by_its_first_digit_matches_as_before():
    """narrative._NUM with its first digit taken out in front finds what 「\\d{1,3}(?:,\\d{3})+|\\d+」
    found, in every pattern that holds it, on every real report's sentences and on random texts."""
    import random

    old_num = r"\d{1,3}(?:,\d{3})+|\d+"
    pats = [narrative._ITEM, narrative._BOTH] + [rx for _, rx in narrative._APP_PATTERNS]
    pairs = [(rx, re.compile(rx.pattern.replace(narrative._NUM, old_num))) for rx in pats]
    assert all(new.pattern != old.pattern for new, old in pairs)
    texts = [s for t in _report_texts() for _, s in narrative._sentences(t)]
    rng = random.Random(9)
    pieces = ["1", "23", "456", ",", ",000", " ", "条", "件", "余", "多", "收到", "申请", "复议", "诉讼", "各", "三", "结转", "下年度", "x"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    for new, old in pairs:
        for text in texts:
            assert [(m.span(), m.groupdict()) for m in new.finditer(text)] == [
                (m.span(), m.groupdict()) for m in old.finditer(text)], (new.pattern, text[:80])


def test_safe_page_test_is_the_reference_pattern_verdict():
    """htmlwalk.safe skips the character-reference pattern on a page without "#": the same verdict."""
    from gxlib.readers import htmlwalk

    for text in ["a&#64976;b", "&#xFDD0;", "&#x0fdd5", "#x", "&#65;", "plain", "&#0064981;", "&amp;#64976"]:
        slow = not any(s in text for s in htmlwalk.SEPARATORS) and htmlwalk._REF.search(text) is None
        assert htmlwalk.safe(text) == slow, text


def test_html_sniff_without_lowering_is_the_lowered_head_test():
    """html.looks_like_html tries the tags on the head as printed before lowering it: the same
    verdict as on the lowered head, on every real file's text and on random mixes of tags, upper
    case and the characters whose lower case is ASCII (İ → i̇, K → k)."""
    import random

    from gxlib.readers import decode_text, html

    def slow(text):
        head = text[:5000].lower()
        return any(tag in head for tag in ("<html", "<body", "<table", "<p", "<div", "<!doctype"))

    texts = [decode_text(f.read_bytes()) for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md")]
    rng = random.Random(13)
    pieces = ["<", "<P", "<p", "<D", "İ", "\u212a", "iv", "v", "<DİV", "<HTML", "<!DOCTYPE", "table", "中", ">", "x" * 4999]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    for text in texts:
        assert html.looks_like_html(text) == slow(text), text[:80]


def test_page_marks_blanked_line_by_line_as_the_whole_text_pattern_blanks_them():
    """blank_page_marks tests only the lines that can open a mark; the result is the one regex over
    the whole text (the earlier form) gives, on every real report text and on random texts made of
    marks, their near misses and table text."""
    import random

    from gxlib.readers import blank_page_marks

    whole = re.compile(r"^[ \t\f]*(?:[—–\-－]+[ \t]*\d{1,3}[ \t]*[—–\-－]+|第[ \t]*\d{1,3}[ \t]*页"
                       r"(?:[ \t]*[/／共][ \t]*\d{1,3}[ \t]*页?)?)[ \t]*$|\f", re.M)
    texts = [read_document(f).text for f in sorted((SHARED / "corpus").rglob("*"))
             if f.suffix in (".html", ".txt", ".md") and "gold" not in f.parts and f.name != "README.md"]
    assert texts, "no real report text in ../shared/corpus"
    rng = random.Random(5)
    pieces = ["- 4 -", "—3—", "－12－", "第 4 页", "第4页 / 共9页", "第 4 页共", "-", "—", "第", "页", "4", "1234",
              " ", "\t", "\f", "\n", "\r\n", "规章", "| 5 |", "2020-01-31", "x"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(30000)]
    for text in texts:
        want = whole.sub(lambda m: " " * len(m.group()), text)
        got = blank_page_marks(text)
        assert got == want, repr(text[:80])
        assert (got is text) == (want == text)
