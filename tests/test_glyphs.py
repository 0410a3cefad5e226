"""Look-alike glyphs: a PDF font or an OCR engine that gives ⼀ ⼆ ⼈ ⽂ (Kangxi radicals, U+2F00…)
or a CJK compatibility ideograph for the character it looks like.  Such a report must read
exactly as the same report printed with the common characters, in every reader, and say so."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import gxlib
from gxlib import script
from gxlib.readers.pdf import reader as pdf_reader

from shared import CORPUS, needs_shared

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
# the common characters of the template's words that fonts print as radicals (第⼆⼗条, ⼯作, ⼈)
COMMON = "一二八十人大小工文日月行"  # each a Kangxi radical too


def _lookalike() -> dict[str, str]:
    back = {}
    for cp, ch in script._glyph_table().items():
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
    assert script.fold_glyphs("第⼆⼗条 ⼀、总体情况")[0] == "第二十条 一、总体情况"
    assert script.fold_glyphs("第二十条")[1] == 0  # nothing to fold: the text itself, counted 0


@needs_shared
@pytest.mark.parametrize("name", ["004_shanghai_szfbgt_2019.html", "005_pingtan_2019.txt",
                                  "peer/08_shuyang-county-2025.md"])
def test_text_formats_with_lookalike_glyphs_read_as_printed_plainly(tmp_path, name):
    src = (CORPUS / name).read_text(encoding="utf-8")
    bad = _as_glyphs(src)
    assert bad != src
    path = tmp_path / Path(name).name
    path.write_text(bad, encoding="utf-8")
    folded = gxlib.read_report(path)
    assert _reading(folded) == _reading(gxlib.read_report(CORPUS / name))
    n = sum(a != b for a, b in zip(src, bad))
    assert script.GLYPHS.format(n=n) in folded.document.problems


def test_word_file_with_lookalike_glyphs_reads_as_printed_plainly(tmp_path):
    src = sorted(DEMO.glob("*.docx"))[0]
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = _as_glyphs(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    path = tmp_path / src.name
    path.write_bytes(out.getvalue())
    folded = gxlib.read_report(path)
    assert _reading(folded) == _reading(gxlib.read_report(src))
    assert any("look-alike glyph" in p for p in folded.document.problems)


@needs_shared
def test_pdf_whose_font_maps_to_radicals_reads_as_printed_plainly(monkeypatch):
    """The PDF's characters as a font with such a ToUnicode map gives them (the real PDF's
    characters turned to radicals as the pages are loaded, before the reader folds anything)."""
    path = CORPUS / "002_hongzequ_2023.pdf"
    plain = _reading(gxlib.read_report(path))
    load = pdf_reader._load_pages

    def with_radicals(pdf, data):
        pages = load(pdf, data)
        for p in pages:
            for c in p.chars:
                c.text = _as_glyphs(c.text)
        return pages

    monkeypatch.setattr(pdf_reader, "_load_pages", with_radicals)
    folded = gxlib.read_report(path)
    assert _reading(folded) == plain
    assert any("look-alike glyph" in p for p in folded.document.problems)
