"""The HTML reader's libxslt walk (gxlib/readers/htmlwalk.py) reads exactly what its Python walk
reads: the same grids (text, provenance, positions, spans) and the same plain text, on every real
page in ../shared, on the bundled demo pages and on pages crafted to hit each rule of the walk."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from gxlib.readers import decode_text, html, htmlwalk, read_document
from shared import SHARED

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"


def _tree(text: str):
    """A fresh tree as parse() has it before the walk (the Python walk marks cell blocks' tails)."""
    root, shallow = html._parse_tree(html._XML_DECL.sub("", text, count=1), "test")
    etree.strip_elements(root, *html._SKIP, etree.Comment, with_tail=False)
    body = root.find("body")
    return shallow, root, (body if body is not None else root)


def _both(text: str):
    shallow, root, start = _tree(text)
    assert shallow
    py = html._read_python(root, start)
    _, root, start = _tree(text)
    fast = html._read_xslt(root, start)
    return py, fast


def _cells(grids):
    return [(g.where, [[(c.text, c.where, c.row, c.col, c.rowspan, c.colspan) for c in row] for row in g.rows])
            for g in grids]


def _assert_same(text: str) -> None:
    (g1, p1, n1), (g2, p2, n2) = _both(text)
    assert _cells(g2) == _cells(g1)
    assert p2 == p1
    assert n2 == n1


def _real_pages() -> list[Path]:
    pages = sorted(p for p in (SHARED / "corpus").rglob("*.htm*") if p.is_file())
    if not pages:
        pytest.skip(f"no real HTML page under {SHARED / 'corpus'}")
    return pages


def test_same_on_every_real_page():
    for page in _real_pages():
        text = decode_text(page.read_bytes())
        assert htmlwalk.safe(text), page  # so the real pages do take the libxslt walk
        _assert_same(text)


def test_same_on_the_demo_pages():
    pages = sorted(DEMO.glob("*.htm*"))
    if not pages:
        pytest.skip(f"no demo page in {DEMO}")
    for page in pages:
        _assert_same(decode_text(page.read_bytes()))


CRAFTED = [
    # blocks inside cells, <br>, nested lists, text around the blocks, th cells
    "<table><tr><th>本年新<br>制作数量</th><td> 5 <p>6</p>7<div>8<li>9</li></div> </td></tr></table>",
    "<table><tr><td><p>1</p><p>2</p></td><td><div><p>a</p>b</div>c</td><td><span>x</span>y</td></tr></table>",
    # spans as printed: odd values, blanks, white space, too large
    '<table><tr><td rowspan="2" colspan=" 3 ">a</td><td colspan="">b</td><td rowspan="x">c</td></tr>'
    '<tr><td colspan="0">d</td><td rowspan="999">e</td><td rowspan="-2">f</td></tr><tr><td>g</td></tr></table>',
    # nested layout tables: only leaf tables are grids; text before, between, after and inside
    "<html><head><title>标题</title><style>td{}</style></head><body>前言<table><tr><td>外层"
    "<table><tr><td>1</td><td>2</td></tr></table>尾巴<div>块</div></td><td><p>段</p></td></tr></table>"
    "<p>一、总体情况</p>结尾<table><tr><td>3</td></tr></table>后</body></html>",
    # a row nested in a cell without a table, a cell outside a row, a table without rows
    "<table><tr><td>a<tr><td>b</td></tr></td></tr><td>c</td></table><table></table><table><caption>x</caption></table>",
    # white space of every kind, &nbsp;, entities, full-width spaces, Word's <o:p>
    "<p>\u3000一、\t总体\xa0情况 &nbsp; </p><table><tr><td>&nbsp;</td><td> \u3000 </td><td>1\n2</td>"
    "<td>a  b\r\nc</td><td><o:p>7</o:p></td><td>&lt;&amp;&#160;&#x4e00;</td></tr></table>",
    # comments, scripts and noscript inside cells (stripped), a report-looking script
    "<body><table><tr><td>1<!-- c -->2<script>var a='<table>'</script>3</td><noscript><table><tr><td>n"
    "</td></tr></table></noscript></tr></table></body>",
    # headings, sections, list items and a title inside the body; bars in the text
    "<body><h1>一</h1><section>二<article>三</article></section><ul><li>甲 | 乙</li><li>| 丙 |</li></ul>"
    "<title>内</title><h6>六</h6></body>",
    # a fragment with no body element, text only, an empty cell row
    "<div>片段</div>文字<table><tr></tr><tr><td></td></tr></table>",
    "纯文字，没有标签",
]


@pytest.mark.parametrize("text", CRAFTED, ids=range(len(CRAFTED)))
def test_same_on_crafted_pages(text):
    _assert_same(text)


def test_same_on_random_nestings():
    """Random trees of the elements the walks treat differently, with text everywhere."""
    rng = random.Random(14)
    tags = ["table", "tr", "td", "th", "p", "div", "li", "br", "span", "b", "h2", "o:p", "section"]

    def node(depth: int) -> str:
        if depth > 6 or rng.random() < 0.25:
            return rng.choice(["1", " 2 ", "文字", "\u3000", "\n", "a\xa0b", "", " | "])
        tag = rng.choice(tags)
        attrs = rng.choice(["", ' rowspan="2"', ' colspan="3"', ' rowspan="2" colspan="2"'])
        inner = "".join(node(depth + 1) for _ in range(rng.randint(0, 4)))
        return f"<{tag}{attrs}>{inner}</{tag}>" + rng.choice(["", "尾", " "])

    for _ in range(300):
        _assert_same("<body>" + "".join(node(0) for _ in range(3)) + "</body>")


@pytest.mark.parametrize("sep", ["\ufdd0", "\ufdd3", "&#64978;", "&#xFDD5;", "&#x0fdd1;"])
def test_a_page_holding_a_separator_takes_the_python_walk(sep):
    page = f"<p>一、总体情况{sep}</p><table><tr><td>信息{sep}内容</td><td>1</td></tr></table>"
    assert not htmlwalk.safe(page)
    doc = html.parse(page, "t.html", "0")
    shallow, root, start = _tree(page)
    grids, plain, _ = html._read_python(root, start)
    assert _cells(doc.grids) == _cells(grids) and doc.text == plain
    assert any(s in doc.text for s in htmlwalk.SEPARATORS)  # the character stays in the text, as printed


def test_fold_is_the_white_space_substitution():
    """_WS_FOLD (no match for a lone space) substitutes exactly as _WS does."""
    rng = random.Random(5)
    alphabet = [" ", "\t", "\r", "\f", "\v", "\xa0", "\u3000", "\n", "a", "中", "|", "\u2003"]
    for _ in range(5000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert html._WS_FOLD.sub(" ", s) == html._WS.sub(" ", s)


def test_long_fold_is_the_white_space_substitution():
    """_fold_long (string methods, for a whole page's text) substitutes exactly as _WS does."""
    rng = random.Random(6)
    alphabet = [" ", "  ", "\t", "\r", "\f", "\v", "\xa0", "\u3000", "\n", "a", "中", "|", "\u2003", "\x1c"]
    for _ in range(20000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert html._fold_long(s) == html._WS.sub(" ", s)
    for page in _real_pages():  # the raw pages: their indentation, &nbsp; and ideographic spaces
        text = decode_text(page.read_bytes())
        assert html._fold_long(text) == html._WS.sub(" ", text)


def test_clean_shortcut_is_the_fold():
    rng = random.Random(7)
    alphabet = [" ", "\t", "\xa0", "\u3000", "\n", "\u2003", "\x1c", "1", ".", "中", "（", "a"]
    for _ in range(5000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert html._clean(s) == html._WS.sub(" ", s).replace("\n", "").strip()


def test_real_page_document_is_unchanged_by_the_walk_choice(monkeypatch):
    """The whole Document (text, grids, meta) is the same whichever walk read the page."""
    for page in _real_pages():
        fast = read_document(page)
        monkeypatch.setattr(htmlwalk, "safe", lambda text: False)
        slow = read_document(page)
        monkeypatch.undo()
        assert (fast.text, _cells(fast.grids), fast.meta) == (slow.text, _cells(slow.grids), slow.meta)


def test_control_count_is_the_pattern_count():
    """decode_text's count of control characters (in C, on UTF-8 bytes) is _CONTROL's."""
    from gxlib.readers import _CONTROL, _count_control

    rng = random.Random(3)
    alphabet = ["\x00", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x0e", "\x1f", " ", "a", "中", "\ufffd",
                "\ud800", "\U0001f600", "\x7f", "\x80", "\xef"]
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert _count_control(s) == len(_CONTROL.findall(s))


def test_control_bytes_bound_keeps_the_verdict():
    """decode_text's count on the bytes (for a file read strictly as UTF-8 or GB18030) refuses and
    accepts exactly the files that counting the decoded head refuses and accepts."""
    from gxlib.errors import EncodingError, UnsupportedFormat
    from gxlib.readers import _count_control

    def slow(data):
        try:
            text = html.decode(data)
        except EncodingError:
            return "undecodable"
        return bool(text) and _count_control(text[:20000]) > max(8, len(text[:20000]) // 50)

    def refused(data):
        try:
            decode_text(data)
        except UnsupportedFormat:
            return True
        except EncodingError:
            return "undecodable"
        return False

    rng = random.Random(11)
    pieces = [b"\x00", b"\x01", b"\x1f", b"\t", b"\n", b"a", b"<p>", "中".encode(), "中".encode("gb18030"),
              b"\xef\xbf\xbd", b"\xff", b"\x81\x30\x81\x30", b"\xef\xbb\xbf", b'<meta charset="utf-7">', b"+AAA-"]
    datas = [b"".join(rng.choice(pieces) for _ in range(rng.randint(1, n))) for n in (12, 40, 600) for _ in range(3000)]
    datas += [p.read_bytes() for p in _real_pages()]
    for data in datas:
        assert refused(data) == slow(data), data[:60]


def test_cell_factory_is_the_dataclass():
    """The libxslt walk's cells (made without the class call) are the Cells the dataclass makes,
    every field set."""
    import dataclasses

    from gxlib.document import Cell

    assert [f.name for f in dataclasses.fields(Cell)] == ["text", "where", "row", "col", "rowspan", "colspan"]
    page = ('<table><tr><td rowspan="2">规章</td><td colspan="2"><p>3</p></td></tr>'
            '<tr><td>1</td><td>2</td></tr></table>')
    _, root, start = _tree(page)
    grids, _, _ = html._read_xslt(root, start)
    made = [c for g in grids for row in g.rows for c in row]
    assert len(made) == 4
    for c in made:
        fields = [getattr(c, f.name) for f in dataclasses.fields(Cell)]  # an unset slot raises here
        assert type(c) is Cell and c == Cell(*fields)
    assert [(c.text, c.row, c.col, c.rowspan, c.colspan) for c in made] == [
        ("规章", 0, 0, 2, 1), ("3", 0, 1, 1, 2), ("1", 1, 1, 1, 1), ("2", 1, 2, 1, 1)]
    assert html._wheres(2, 4, 3) == ("table 2, row 5, cell 1", "table 2, row 5, cell 2", "table 2, row 5, cell 3")
