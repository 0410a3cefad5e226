"""Re-checking a report from a built corpus (its stored frames) gives the findings the fresh read
gave: what the document hid from the reader — PDF pages with no text layer, tables printed only as
pictures — is stored on the report row (``unread_pages``, ``pictured_tables``), so
``template.missing_table`` does not come back on the re-check for a table that is unknown, not
missing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from gxlib import frames
from gxlib.checks import RULES, check_report
from gxlib.corpus import build_corpus, load_corpus
from gxlib.report import read_report
from tests.test_real_shapes4 import _page

# template.missing_section needs the section texts, which a corpus does not store
_RECHECKED = {c for c, r in RULES.items() if r.scope == "report"} - {"template.missing_section"}


def _pictured_html(root: Path) -> Path:
    """A site that put 表三 and 表四 up as pictures under their headings; 表二 is a table."""
    img = "<p><img src='/u/cms/www/202401/{}.png' width='640'/></p>"
    t2 = ("<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
          "<tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr>"
          "<tr><td>行政规范性文件</td><td>2</td><td>1</td><td>9</td></tr></table>")
    body = (f"<p>二、主动公开政府信息情况</p>{t2}<p>三、收到和处理政府信息公开申请情况</p>{img.format(2)}"
            f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{img.format(4)}")
    path = root / "pictured.html"
    path.write_text(_page(body), encoding="utf-8")
    return path


def _partly_scanned_pdf(root: Path) -> Path:
    """Page 1 with a text layer (title, 表二 ruled), page 2 scanned in (an image only)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    from tests.test_real_shapes_pdf_docx import TITLE, _canvas, _ruled_table2

    path = root / "partly_scanned.pdf"
    c = _canvas(path)
    c.setFont("STSong-Light", 14)
    c.drawString(150, 842 - 60, TITLE)
    c.setFont("STSong-Light", 11)
    c.drawString(90, 842 - 90, "一、总体情况")
    c.drawString(90, 842 - 140, "二、主动公开政府信息情况")
    _ruled_table2(c, 155)
    c.showPage()
    img = Image.new("L", (600, 800), 255)
    for x in range(50, 550):
        img.putpixel((x, 100), 0)
    c.drawImage(ImageReader(img), 0, 0, width=595, height=842)
    c.showPage()
    c.save()
    return path


def _keys(f: pl.DataFrame) -> list[tuple]:
    return sorted(f.filter(pl.col("rule").is_in(list(_RECHECKED)))
                  .select("rule", "table", "row", "col", "message").iter_rows())


def test_recheck_from_the_stored_corpus_gives_the_fresh_read_findings(tmp_path):
    """A table printed as a picture (HTML) and tables on a scanned PDF page: the fresh read says
    extract.table_image / template.unread_pages, and the re-check of the stored frames says the same
    (before: the stored row did not carry the facts, and the re-check said template.missing_table)."""
    pytest.importorskip("reportlab")
    src = tmp_path / "src"
    src.mkdir()
    docs = [_pictured_html(src), _partly_scanned_pdf(src)]
    fresh = {read_report(p).reports["report_id"][0]: read_report(p) for p in docs}
    out = tmp_path / "corpus"
    build_corpus([src], out, workers=1, progress=False)
    k = load_corpus(out)
    reports = k.reports.collect()
    cells, narrative = k.cells.collect(), k.narrative.collect()
    assert set(reports["report_id"]) == set(fresh)
    for row in reports.iter_rows(named=True):
        rep = fresh[row["report_id"]]
        again = check_report(row, cells.filter(pl.col("report_id") == row["report_id"]),
                             narrative.filter(pl.col("report_id") == row["report_id"]))
        assert "template.missing_table" not in set(again["rule"])
        assert _keys(again) == _keys(rep.findings)
    by_format = {r["format"]: r for r in reports.iter_rows(named=True)}
    assert by_format["pdf"]["unread_pages"] == "2" and by_format["pdf"]["pictured_tables"] is None
    assert by_format["html"]["pictured_tables"] == "applications,reviews" and by_format["html"]["unread_pages"] is None
    pdf = fresh[by_format["pdf"]["report_id"]]
    assert "template.unread_pages" in set(pdf.findings["rule"])


def test_corpus_written_before_the_columns_loads_them_null(tmp_path):
    """A corpus whose reports parts were written before ``unread_pages`` / ``pictured_tables`` were
    columns still loads, with the exact schema, the two columns null."""
    src = tmp_path / "src"
    src.mkdir()
    _pictured_html(src)
    out = tmp_path / "corpus"
    build_corpus([src], out, workers=0, progress=False)
    for part in (out / "reports").rglob("*.parquet"):
        pl.read_parquet(part).drop("unread_pages", "pictured_tables").write_parquet(part)
    reports = load_corpus(out).reports.collect()
    assert reports.schema == frames.REPORTS
    assert reports["pictured_tables"].to_list() == [None] and reports["unread_pages"].to_list() == [None]
