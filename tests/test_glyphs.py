"""Characters that print as another character or as nothing (gxlib.glyphs), on real reports.

Look-alike glyphs: a PDF font or an OCR engine that gives ⼀ ⼆ ⼈ ⽂ (Kangxi radicals, U+2F00…)
for the character it looks like.  Invisible characters: zero-width spaces, soft hyphens,
byte-order marks and word joiners that editors leave inside words and numbers.  Either way the
report must read exactly as the same report printed plainly, in every reader, and say so."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import gxlib
from gxlib import glyphs
from gxlib.readers.pdf import reader as pdf_reader

from shared import CORPUS, needs_shared

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
# the common characters of the template's words that fonts print as radicals (第⼆⼗条, ⼯作, ⼈)
COMMON = "一二八十人大小工文日月行"  # each a Kangxi radical too


def _lookalike() -> dict[str, str]:
    back = {}
    for cp, ch in glyphs._glyph_table().items():
        if 0x2E80 <= cp < 0x2FE0 and ch in COMMON:
            back.setdefault(ch, chr(cp))
    return back


def _as_glyphs(text: str) -> str:
    table = _lookalike()
    return "".join(table.get(c, c) for c in text)


def _reading(report) -> tuple:
    c = report.to_contract()
    return (c["agency"], c["year"], c["template"],
            [(x["table"], x["row"], x["col"], x["value"], x["raw"]) for x in c["cells"]],
            sorted(f["rule"] for f in c["findings"]))


def test_folding_is_unicodes_own_one_for_one():
    assert set(_lookalike()) == set(COMMON)
    assert glyphs.fold_glyphs("第⼆⼗条 ⼀、总体情况")[0] == "第二十条 一、总体情况"
    assert glyphs.fold_glyphs("第二十条")[1] == 0  # nothing to fold: the text itself, counted 0


def _changed_reads_as_printed(tmp_path, name: str, change, note: str):
    """The real report ``name`` changed by ``change`` reads as the report itself, and its reader
    notes say ``note``; the changed document."""
    src = (CORPUS / name).read_text(encoding="utf-8")
    bad = change(src)
    assert bad != src
    path = tmp_path / Path(name).name
    path.write_text(bad, encoding="utf-8")
    report = gxlib.read_report(path)
    assert _reading(report) == _reading(gxlib.read_report(CORPUS / name))
    assert any(note in p for p in report.document.problems)
    return src, bad, report


@needs_shared
@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "005_pingtan_2019.txt",
                                  "peer/08_shuyang-county-2025.md"])
def test_text_formats_with_lookalike_glyphs_read_as_printed_plainly(tmp_path, name):
    src, bad, folded = _changed_reads_as_printed(tmp_path, name, _as_glyphs, "look-alike glyph")
    assert glyphs.GLYPHS.format(n=sum(a != b for a, b in zip(src, bad))) in folded.document.problems


def _docx_changed(tmp_path, change) -> Path:
    """The bundled demo's Word report with ``change`` applied to its document.xml text."""
    src = sorted(DEMO.glob("*.docx"))[0]
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    path = tmp_path / src.name
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("change,note", [(lambda t: _as_glyphs(t), "look-alike glyph"),
                                         (lambda t: _with_invisible(t, "\u200b"), "invisible character")])
def test_word_file_reads_as_printed_plainly(tmp_path, change, note):
    """Look-alike glyphs and zero-width spaces in a Word file's runs."""
    folded = gxlib.read_report(_docx_changed(tmp_path, change))
    assert _reading(folded) == _reading(gxlib.read_report(sorted(DEMO.glob("*.docx"))[0]))
    assert any(note in p for p in folded.document.problems)


def _pdf_changed_reads_as_printed(monkeypatch, change_chars, note: str | None) -> None:
    """The real PDF with ``change_chars(chars) -> chars`` applied to each page's characters as they
    are loaded (as a font's ToUnicode map or a converter would give them) reads as the PDF itself."""
    path = CORPUS / "002_hongzequ_2023.pdf"
    plain = _reading(gxlib.read_report(path))
    load = pdf_reader._load_pages

    def changed(pdf, data):
        pages = load(pdf, data)
        for p in pages:
            p.chars = change_chars(p.chars)
        return pages

    monkeypatch.setattr(pdf_reader, "_load_pages", changed)
    report = gxlib.read_report(path)
    assert _reading(report) == plain
    assert note is None or any(note in p for p in report.document.problems)


@needs_shared
def test_pdf_whose_font_maps_to_radicals_reads_as_printed_plainly(monkeypatch):
    import dataclasses

    _pdf_changed_reads_as_printed(
        monkeypatch, lambda chars: [dataclasses.replace(c, text=_as_glyphs(c.text)) for c in chars], "look-alike glyph")


# --- invisible characters ---------------------------------------------------------------------

INVISIBLE = ["\u200b", "\u00ad", "\ufeff", "\u2060", "\u200c"]


def _with_invisible(text: str, ch: str, every: int = 3) -> str:
    """``ch`` after every few digits and Chinese characters outside tags (as editors leave them)."""
    out, in_tag, k = [], False, 0
    for c in text:
        in_tag = (in_tag or c == "<") and c != ">"
        out.append(c)
        if not in_tag and (c.isdigit() or "\u4e00" <= c <= "\u9fff"):
            k += 1
            if k % every == 0:
                out.append(ch)
    return "".join(out)


@needs_shared
@pytest.mark.parametrize("ch", INVISIBLE)
@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "005_pingtan_2019.txt",
                                  "peer/08_shuyang-county-2025.md", "peer/01_hangzhou-style-2025.html"])
def test_invisible_characters_inside_words_and_numbers_read_as_printed(tmp_path, name, ch):
    """Before: 1<U+200B>2 was read as two numbers, labels split so matched no row (wrong values
    stated, the agency and year lost)."""
    _changed_reads_as_printed(tmp_path, name, lambda t: _with_invisible(t, ch), "invisible character")


@pytest.mark.parametrize("ref", ["&shy;", "&ZeroWidthSpace;", "&#8203;", "&#x200B;", "&#xFEFF;"])
@pytest.mark.parametrize("deep", [False, True])
def test_html_references_to_invisible_characters_are_dropped_in_both_walks(ref, deep):
    cells = "".join(f"<tr><td>{label}</td><td>1{ref}2</td><td>3</td></tr>" for label in ("信息", "内容"))
    page = f"<body><p>一、总体{ref}情况</p><table>{cells}</table></body>"
    if deep:  # deeper than libxml2's default limit: the Python walk reads it
        page = "<body>" + "<div>" * 300 + page[6:-7] + "</div>" * 300 + "</body>"
    from gxlib.readers import html

    doc = html.parse(page, "t.html", "0")
    assert [[c.text for c in row] for row in doc.grids[0].rows] == [["信息", "12", "3"], ["内容", "12", "3"]]
    assert "一、总体情况" in doc.text
    assert any("invisible character" in p for p in doc.problems)
    assert "&amp;" not in doc.text  # (and a reference to a visible character stays what it was)


def test_a_named_reference_is_case_sensitive_and_visible_ones_stay():
    assert glyphs.drop_invisible("a&Shy;b&nbsp;c&#x4e00;d&amp;") == ("a&Shy;b&nbsp;c&#x4e00;d&amp;", 0)
    assert glyphs.drop_invisible("1&shy;2\u200b3") == ("123", 2)


@needs_shared
def test_pdf_characters_with_zero_width_spaces_among_them_read_as_printed(monkeypatch):
    """A PDF whose text layer carries U+200B between characters (a converter's output): they
    are no characters of the page."""
    import dataclasses

    def with_zwsp(chars):
        out = []
        for k, c in enumerate(chars):
            out.append(c)
            if k % 3 == 2:
                out.append(dataclasses.replace(c, text="\u200b", x0=c.x1))
        return out

    _pdf_changed_reads_as_printed(monkeypatch, with_zwsp, "invisible character")


# --- item numbers printed as one character ------------------------------------------------------

_PAREN = dict(zip("一二三四五六七八九十", "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩"))
_DOT = dict(zip("123456789", "⒈⒉⒊⒋⒌⒍⒎⒏⒐"))


def _enclosed(text: str) -> str:
    """（二） → ㈡ and 3. → ⒊ before a label, as Word's numbering or OCR print them."""
    text = re.sub(r"[（(]([一二三四五六七八九十])[)）]", lambda m: _PAREN[m.group(1)], text)
    return re.sub(r"(?<![0-9])([1-9])[.．、](?=[\u4e00-\u9fff])", lambda m: _DOT[m.group(1)], text)


@needs_shared
@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "005_pingtan_2019.txt",
                                  "peer/08_shuyang-county-2025.md", "peer/01_hangzhou-style-2025.html"])
def test_item_numbers_printed_as_one_character_read_as_written_out(tmp_path, name):
    """Before: 7–14 cells of each lost (㈡部分公开 matched no row)."""
    _changed_reads_as_printed(tmp_path, name, _enclosed, "item number")


def test_a_circled_digit_is_a_label_number_but_never_joins_a_value():
    from gxlib import spec
    from gxlib.values import Unreadable, parse_value

    assert spec.normalize_label("①属于国家秘密") == spec.normalize_label("1.属于国家秘密")
    assert glyphs.clean("3①")[0] == "3①"  # a footnote mark stays one (never 31)
    with pytest.raises(Unreadable):  # an item number in a value cell is no count
        parse_value(glyphs.clean("⑶")[0], "件")


@needs_shared
def test_pdf_with_item_numbers_printed_as_one_character(monkeypatch):
    import dataclasses

    def enclosed(chars):
        text = _enclosed("".join(c.text for c in chars))
        out, k = [], 0  # one character for each printed one: the enclosed form takes the first one's box
        for ch in text:
            out.append(dataclasses.replace(chars[k], text=ch))
            k += 3 if ch in _PAREN.values() else 2 if ch in _DOT.values() else 1
        return out

    _pdf_changed_reads_as_printed(monkeypatch, enclosed, None)


# --- letter-spaced titles and headings -------------------------------------------------------------

def _spaced_out(text: str, sp: str = " ") -> str:
    """The title and the six section headings set letter-spaced (2 0 1 9 年 政 府 信 息 …)."""
    text = re.sub(r"[\u4e00-\u9fff\d]*政府信息公开工作年度报告", lambda m: sp.join(m.group()), text, count=2)
    return re.sub(r"(?<=[一二三四五六]、)(总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况"
                  r"|政府信息公开行政复议、行政诉讼情况|存在的主要问题及改进情况|其他需要报告的事项)",
                  lambda m: sp.join(m.group()), text)


@needs_shared
@pytest.mark.parametrize("sp", [" ", "\u3000"])
@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "005_pingtan_2019.txt",
                                  "peer/08_shuyang-county-2025.md", "peer/01_hangzhou-style-2025.html"])
def test_letter_spaced_title_and_headings_read_as_words(tmp_path, name, sp):
    """Before: the agency was lost (3 of 4) and every heading missed (template.missing_section)."""
    _changed_reads_as_printed(tmp_path, name, lambda t: _spaced_out(t, sp), "letter-spaced")


def test_rows_of_counts_are_never_joined():
    text = "自 然 人 1 2 0\n总计 自然人 法人 1 2 3 4 年\n不 予 处 理 1 2 0\n是 否 好"
    assert glyphs.join_spaced(text) == ("自 然 人 1 2 0\n总计 自然人 法人 1 2 3 4 年\n不予处理 1 2 0\n是 否 好", 1)
    assert glyphs.join_spaced("2 0 2 1年福州市")[0] == "2021年福州市"  # (a PDF kept only the digits apart)
    assert glyphs.join_spaced("2 0 2 1 年 度 报 告")[0] == "2021年度报告"
    for row in ("| 是 | 否 | 有 | 无 |", "是\t否\t有\t无"):  # a table row of one-character cells stays cells
        assert glyphs.join_spaced(row) == (row, 0)


def test_pdf_with_a_letter_spaced_title(tmp_path):
    from tests.test_real_shapes_pdf_docx import _canvas

    def pdf(path, sp):
        c = _canvas(path)
        c.setFont("STSong-Light", 14)
        c.drawString(60, 780, sp.join("2021年福州市闽侯县教育局政府信息公开工作年度报告"))
        c.setFont("STSong-Light", 11)
        for k, h in enumerate(["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]):
            c.drawString(90, 740 - 30 * k, h[:2] + sp.join(h[2:]))
            c.drawString(90, 725 - 30 * k, "本机关依法做好政府信息公开工作。")
        c.save()

    plain, spaced = tmp_path / "plain.pdf", tmp_path / "spaced.pdf"
    pdf(plain, "")
    pdf(spaced, " ")
    a, b = gxlib.read_report(plain), gxlib.read_report(spaced)
    assert b.document.sections.keys() == a.document.sections.keys() == {"一", "二", "三"}
    assert (b.to_contract()["agency"], b.to_contract()["year"]) == (a.to_contract()["agency"], 2021)
    assert a.to_contract()["agency"]
    assert any("letter-spaced" in p for p in b.document.problems)
