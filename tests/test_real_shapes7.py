"""Seventh round of real shapes: pages saved by a browser or Word as one MIME file (.mht/.mhtml),
and value cells carrying footnote marks (3①, 21*, 253<sup>1</sup>) or a written 零.  Each test
builds the shape from the same report printed plainly and asserts the same reading."""

from __future__ import annotations

import base64
import quopri
import re

import pytest

import gxlib

from tests.test_readers_text_html import html_report, values_for


def _cells(report) -> dict:
    return {(c["table"], c["row"], c["col"]): c["value"] for c in report.to_contract()["cells"]}


def _plain(tmp_path):
    page = html_report("2021", values_for("2021"))
    path = tmp_path / "plain.html"
    path.write_text(page, encoding="utf-8")
    return page, _cells(gxlib.read_report(path))


def _mime(html_part: bytes, charset: str, encoding: str, saved_by: str) -> bytes:
    body = quopri.encodestring(html_part) if encoding == "quoted-printable" else base64.encodebytes(html_part)
    return (f"From: <{saved_by}>\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/related; type="text/html"; boundary="----=_NextPart_01"\r\n\r\n'
            "------=_NextPart_01\r\n"
            f'Content-Type: text/html; charset="{charset}"\r\nContent-Transfer-Encoding: {encoding}\r\n'
            "Content-Location: http://www.example.gov.cn/art/2022/report.html\r\n\r\n").encode("ascii") + body + (
            "\r\n------=_NextPart_01\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Location: http://www.example.gov.cn/logo.png\r\n\r\niVBORw0KGgo=\r\n"
            "------=_NextPart_01--\r\n").encode("ascii")


@pytest.mark.parametrize("charset,encoding,saved_by,suffix", [
    ("gb2312", "quoted-printable", "Saved by Windows Internet Explorer 8", ".mht"),
    ("utf-8", "quoted-printable", "Saved by Blink", ".mhtml"),
    ("utf-8", "base64", "Saved by Blink", ".mhtml"),
])
def test_page_saved_as_one_mime_file_reads_as_the_page(tmp_path, charset, encoding, saved_by, suffix):
    """Before: NotAReport ('no annual-report title and no template table') for a file it could not open."""
    page, plain = _plain(tmp_path)
    path = tmp_path / f"saved{suffix}"
    path.write_bytes(_mime(page.encode("gb18030" if charset == "gb2312" else charset), charset, encoding, saved_by))
    report = gxlib.read_report(path)
    assert _cells(report) == plain
    assert report.to_contract()["format"] == "html"


def test_mime_file_without_a_page_is_refused_clearly(tmp_path):
    path = tmp_path / "images.mht"
    path.write_bytes(_mime(b"", "utf-8", "base64", "Saved by Blink").replace(b"text/html; charset", b"text/plain; charset"))
    with pytest.raises(gxlib.errors.UnsupportedFormat, match="MHTML"):
        gxlib.read_report(path)


def _marked(page: str) -> str:
    """Three value cells in four with a footnote mark after the number."""
    k = 0

    def mark(m):
        nonlocal k
        k += 1
        return f"<td>{m.group(1)}{['', '①', '*', '<sup>1</sup>'][k % 4]}</td>"

    return re.sub(r"<td>(\d+)</td>", mark, page)


@pytest.mark.parametrize("deep", [False, True])
def test_value_cells_with_footnote_marks_read_the_number(tmp_path, deep):
    """Before: 253<sup>1</sup> read as 2531 (a wrong value stated); 3① and 21* unreadable."""
    page, plain = _plain(tmp_path)
    marked = _marked(page)
    assert "<sup>1</sup>" in marked and "①" in marked
    if deep:  # deeper than libxml2's default limit: the Python walk reads it
        marked = marked.replace("<body>", "<body>" + "<div>" * 300).replace("</body>", "</div>" * 300 + "</body>")
    path = tmp_path / "marked.html"
    path.write_text(marked, encoding="utf-8")
    assert _cells(gxlib.read_report(path)) == plain


def test_zero_written_as_a_word_and_marks_alone():
    from gxlib.values import Unreadable, is_value, parse_value

    assert parse_value("零") == 0 and parse_value("〇") == 0
    assert parse_value("3①") == 3 and parse_value("21*") == 21
    assert not is_value("①") and not is_value("*")
    with pytest.raises(Unreadable):
        parse_value("3①2")


def test_word_value_with_a_superscript_footnote_mark_reads_the_number(tmp_path):
    """Before: a value run followed by a raised 1 (Word's footnote reference style) read as the
    number with a 1 after it (4¹ → 41, a wrong value stated)."""
    import io
    import zipfile
    from pathlib import Path

    src = sorted((Path(__file__).resolve().parents[1] / "data" / "demo" / "reports").glob("*.docx"))[0]
    raised = '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>1</w:t></w:r>'
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data, n = re.subn(r"(<w:r>(?:(?!</w:r>).)*?<w:t[^>]*>\d+</w:t></w:r>)", lambda m: m.group(1) + raised,
                                  data.decode("utf-8"))
                assert n > 5
                data = data.encode("utf-8")
            zout.writestr(item, data)
    path = tmp_path / src.name
    path.write_bytes(out.getvalue())
    assert _cells(gxlib.read_report(path)) == _cells(gxlib.read_report(src))
