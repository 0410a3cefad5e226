"""Reports printed in traditional characters (a site's 繁體 view saved by a crawler, or exported to
Word/PDF from it): every reader folds them to simplified (gxlib/script.py, OpenCC) and reads the
same cells as from the simplified twin, at the same offsets; a simplified text is never changed.

The 繁體 twins are made here as the sites make them, by converting the simplified report
(OpenCC s2tw: Taiwan's forms, 著 for 着, as mainland sites' 繁體 buttons print them)."""

from __future__ import annotations

import time

import pytest

from gxlib import script
from gxlib.readers import decode_text, read_document
from gxlib.report import read_report
from tests.shared import GOLD_DIRS, needs_shared

opencc = pytest.importorskip("opencc")
_S2TW = opencc.OpenCC("s2tw")


def trad(s: str) -> str:
    """``s`` as a site's 繁體 view prints it."""
    return _S2TW.convert(s)


TITLE = "某市卫生健康委员会2024年政府信息公开工作年度报告"
OVERVIEW = "2024年，本委围绕着公开目标，着力推进政府信息公开工作，全年共收到政府信息公开申请21件。"
T2 = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
      ["规章", "0", "0", "0"],
      ["行政规范性文件", "3", "1", "12"]]
T2_5 = [["信息内容", "本年处理决定数量"], ["行政许可", "2468"]]
TAIL = ["五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]


def _contract(path):
    r = read_report(path)
    rep = r.to_contract(provenance=True) | {"narrative": r.rows["narrative"]}
    cells = {(c["table"], c["row"], c["col"]): (c["value"], c["where"]) for c in rep["cells"]}
    return rep, cells


def _same_as_twin(simp, trad_path):
    """The 繁體 twin reads to the simplified one's cells (values and where), agency and year, and
    says it was folded."""
    rs, cs = _contract(simp)
    rt, ct = _contract(trad_path)
    assert cs and ct == cs
    assert [{**n, "report_id": ""} for n in rt["narrative"]] == [{**n, "report_id": ""} for n in rs["narrative"]]
    assert (rt["agency"], rt["year"]) == (rs["agency"], rs["year"]) == ("某市卫生健康委员会", 2024)
    assert [f for f in rs["findings"] if f["rule"] == "extract.traditional_script"] == []
    assert [f["severity"] for f in rt["findings"] if f["rule"] == "extract.traditional_script"] == ["info"]
    assert read_document(trad_path).folded == script.CONFIG and read_document(simp).folded == ""
    return rs, rt


# ---------------------------------------------------------------------------------------
# HTML


def _html_page(conv=str) -> str:
    def table(rows):
        return "<table>" + "".join("<tr>" + "".join(f"<td>{conv(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>"

    paras = lambda ps: "".join(f"<p>{conv(p)}</p>" for p in ps)  # noqa: E731
    return (f"<html><head><meta charset='utf-8'><title>{conv(TITLE)}</title></head><body><div class='article'>"
            f"<h2>{conv(TITLE)}</h2>{paras(['一、总体情况', OVERVIEW, '二、主动公开政府信息情况'])}"
            f"{table(T2)}{table(T2_5)}{paras(TAIL)}</div></body></html>")


def test_short_traditional_html_page_reads_as_its_simplified_twin(tmp_path):
    """A short 繁體 page (one table of 表二, a title, the overview): it prints fewer than the 30
    template characters the old table-driven test asked for, so it was read unfolded (no cell)."""
    simp, tr = tmp_path / "s.html", tmp_path / "t.html"
    simp.write_text(_html_page(), encoding="utf-8")
    tr.write_text(_html_page(trad), encoding="utf-8")
    _same_as_twin(simp, tr)


def test_traditional_page_folds_only_its_cjk_characters():
    """The page's markup, scripts and Latin text are not touched: only its CJK characters fold."""
    page = _html_page(trad).replace("<body>", "<body><script>var s='Mode: 繁體';</script>")
    out, folded = script.fold_traditional(page)
    assert folded and len(out) == len(page)
    assert [i for i, (a, b) in enumerate(zip(page, out)) if a != b and not ("\u3400" <= a <= "\u9fff")] == []


def test_words_of_a_traditional_view_fold_beyond_the_template():
    """Words of the narrative and of agencies' names fold too, by OpenCC's phrases: 答覆 → 答复 (the
    old pair table held the no-op 覆覆), 著力 / 隨著 → 着力 / 随着 (Taiwan's 著, tw2s) while 著名
    stays, 檔案館, 徵求意見."""
    simp = ("对申请人的答复均在法定期限内作出。本委着力推进公开工作，随着平台建设完善，著名专家参与评估，"
            "市档案馆征求意见后编制了政府信息公开指南。" * 8)
    out, folded = script.fold_traditional(trad(simp))
    assert folded and out == simp


# ---------------------------------------------------------------------------------------
# Word


def _docx(path, conv=str) -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.core_properties.title = conv(TITLE)
    for p in (TITLE, "一、总体情况", OVERVIEW, "二、主动公开政府信息情况"):
        d.add_paragraph(conv(p))
    for rows in (T2, T2_5):
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        for i, r in enumerate(rows):
            for j, c in enumerate(r):
                cell = t.cell(i, j)
                if len(c) > 3:  # a word over two runs, as Word saves an edited cell
                    cell.paragraphs[0].add_run(conv(c[:2]))
                    cell.paragraphs[0].add_run(conv(c[2:]))
                else:
                    cell.text = conv(c)
    for p in TAIL:
        d.add_paragraph(conv(p))
    d.save(str(path))


def test_traditional_docx_reads_as_its_simplified_twin(tmp_path):
    """A .docx saved from a 繁體 view: before, the Word reader never folded, so no template word
    matched (no cell read, agency in traditional characters)."""
    simp, tr = tmp_path / "s.docx", tmp_path / "t.docx"
    _docx(simp)
    _docx(tr, trad)
    _same_as_twin(simp, tr)
    doc = read_document(tr)
    assert doc.meta["title"] == TITLE and doc.text == read_document(simp).text


# ---------------------------------------------------------------------------------------
# PDF (reportlab, as tests/test_reader_pdf.py builds its PDFs)


def _pdf(path, conv=str) -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    W, H = 595, 842
    c = canvas.Canvas(str(path), pagesize=(W, H))
    c.setFont("STSong-Light", 12)
    c.drawString(120, H - 60, conv(TITLE))
    c.setFont("STSong-Light", 10)
    y = 100
    for line in ("一、总体情况", OVERVIEW, "二、主动公开政府信息情况"):
        c.drawString(60, H - y, conv(line))
        y += 22
    xs, top, h = [60, 220, 330, 440, 540], y, 24
    for i in range(len(T2) + 1):
        c.line(xs[0], H - (top + i * h), xs[-1], H - (top + i * h))
    for x in xs:
        c.line(x, H - top, x, H - (top + len(T2) * h))
    for i, row in enumerate(T2):
        for j, cell in enumerate(row):
            c.drawString(xs[j] + 4, H - (top + i * h + 15), conv(cell))
    y = top + len(T2) * h + 30
    for line in TAIL:
        c.drawString(60, H - y, conv(line))
        y += 22
    c.showPage()
    c.save()


def test_traditional_pdf_reads_as_its_simplified_twin(tmp_path):
    """A PDF printed from a 繁體 view: before, the PDF reader never folded (no cell read)."""
    simp, tr = tmp_path / "s.pdf", tmp_path / "t.pdf"
    _pdf(simp)
    _pdf(tr, trad)
    _same_as_twin(simp, tr)
    assert read_document(tr).text == read_document(simp).text


# ---------------------------------------------------------------------------------------
# text: offsets


def _pipe_text(conv=str) -> str:
    cells = ["第二十条第(一)项", *(c for r in T2 for c in r), "第二十条第(五)项", *(c for r in T2_5 for c in r),
             "第二十条第(六)项", "信息内容", "本年处理决定数量", "行政处罚", "7", "行政强制", "0"]
    return (conv(f"{TITLE}\n一、总体情况\n{OVERVIEW}\n二、主动公开政府信息情况\n")
            + "".join(f"{conv(c)} |\n" for c in cells) + conv("\n".join(TAIL)) + "\n")


def test_traditional_text_keeps_offsets_into_the_printed_text(tmp_path):
    """Every ``where`` and narrative offset of the folded text points into the printed 繁體 text:
    the fragment at that offset, folded, is the one read."""
    simp, tr = tmp_path / "s.txt", tmp_path / "t.txt"
    simp.write_text(_pipe_text(), encoding="utf-8")
    tr.write_text(_pipe_text(trad), encoding="utf-8")
    rs, rt = _same_as_twin(simp, tr)
    printed = tr.read_text(encoding="utf-8")
    assert len(script.fold_traditional(printed)[0]) == len(printed)
    assert rt["narrative"]
    text = read_document(tr).text  # the document text the offsets count in (read from the folded one)
    for n in rt["narrative"]:
        at, count = n["offset"], f"{n['count']:g}"
        assert text[at: at + len(count)] == count, (n, text[at - 10: at + 10])  # the offset is the count's
        assert trad(n["text"]) in printed  # … of a fragment the 繁體 text printed


def test_a_conversion_that_changes_length_falls_back_to_characters():
    """A line OpenCC converts to another length (here a NUL, where OpenCC's C string ends) folds
    character by character; the other lines keep OpenCC's phrase conversion (答覆 → 答复)."""
    text = trad(OVERVIEW) + "\n第二十條\x00規章內容\n" + "對申請人的答覆" * 3
    out = script.fold(text)
    assert len(out) == len(text)
    lines = out.split("\n")
    assert lines[0] == OVERVIEW and lines[1] == "第二十条\x00规章内容" and lines[2] == "对申请人的答复" * 3


def test_a_phrase_changing_length_keeps_offsets(monkeypatch):
    """Were a phrase dictionary ever to fold to another length, only its line is folded char by char."""
    real = script._convert
    monkeypatch.setattr(script, "_convert", lambda s: real(s).replace("信息内容", "信息内容物"))
    text = "第二十條\n信息內容\n數量"
    assert script.fold(text) == "第二十条\n信息内容\n数量"


# ---------------------------------------------------------------------------------------
# detection


def test_simplified_report_quoting_traditional_words_is_not_folded(tmp_path):
    """A simplified report quoting a traditional passage (a 繁體 source's words, 30+ of the old
    marker characters): the share of characters OpenCC changes is small, so it is left as printed.
    Before, 30 marker characters anywhere folded the whole text, the quotation included."""
    quote = "「本條所稱資訊，指政府機關於職權範圍內作成或取得之文書、數據、圖畫、照片及電子紀錄。」"
    body = "".join(f"{i}、本机关按照条例规定，及时处理政府信息公开申请，依法公开规章和行政规范性文件，"
                   "持续做好政策解读、回应关切和平台建设等工作。" for i in range(200))
    text = f"{TITLE}\n一、总体情况\n{body}\n学习借鉴境外做法：{quote * 12}\n" + _pipe_text()[len(TITLE) + 1:]
    assert sum(text.count(c) for c in "條項數內請開處總況復訟與規費") >= 30  # the old test's trigger
    assert script.fold_traditional(text) == (text, False)
    p = tmp_path / "r.txt"
    p.write_text(text, encoding="utf-8")
    doc = read_document(p)
    assert doc.folded == "" and quote in doc.text


def test_detection_asks_opencc_once_per_process(monkeypatch):
    """OpenCC is asked once per process which characters fold (every CJK character of the BMP, one
    call); detection is then a scan of the text, with no OpenCC call per report; a long text is
    looked at in windows."""
    seen = []
    real = script._convert
    monkeypatch.setattr(script, "_convert", lambda s: seen.append(s) or real(s))
    script._folding.cache_clear()
    try:
        text = _pipe_text() * 200  # ≈ 100 KB of simplified report
        assert script.fold_traditional(text) == (text, False)
        assert len(seen) == 1 and len(seen[0].split("\n")) == sum(b - a for a, b in script._RANGES)
        t = trad(_pipe_text())
        assert script.is_traditional(t) and not script.is_traditional(text) and len(seen) == 1
        table = script._folding()[0]
        assert all(real(c) == f for c, f in table.items()) and table["條"] == "条" and "条" not in table
        assert len(script._sample(text)) == script._WINDOWS * script._WIDTH
    finally:
        script._folding.cache_clear()


def _real_texts():
    for d in GOLD_DIRS:
        for f in sorted(d.iterdir()):
            if f.is_file() and f.suffix in (".txt", ".html", ".md", ".pdf") and f.name != "README.md":
                yield f


@needs_shared
def test_fold_is_a_no_op_on_every_real_simplified_report():
    """Every real report in ../shared is simplified: nothing of any is folded (text formats as
    decoded, PDFs as their reader sees their characters), and OpenCC changes almost none of its
    sampled characters (far below the threshold)."""
    files = list(_real_texts())
    assert len(files) > 20
    for f in files:
        if f.suffix == ".pdf":
            doc = read_document(f)
            assert doc.folded == "" and script.FOLDED not in doc.problems, f.name
            text = doc.text
        else:
            text = decode_text(f.read_bytes(), str(f))
            assert script.fold_traditional(text) == (text, False), f.name
        changed, seen = script.traditional_share(text)
        assert seen > 100 and changed <= 0.1 * script.MIN_SHARE * seen, (f.name, changed, seen)


def test_traditional_fold_speed_on_100_kb():
    """Folding a 100 KB 繁體 text costs tens of milliseconds, not seconds (figure in the README)."""
    text = (trad(_pipe_text()) * 200)[:100_000]
    script.fold_traditional(text)  # OpenCC's dictionaries loaded once
    t0 = time.perf_counter()
    out, folded = script.fold_traditional(text)
    assert folded and len(out) == len(text) and time.perf_counter() - t0 < 2.0

