"""The .docx reader on the national 2021 blank form (filled in here) and on documents built here."""

from __future__ import annotations

import hashlib
import io
import pathlib
import zipfile

import pytest

from gxlib.document import Document
from gxlib.errors import EmptyDocument, UnsupportedFormat
from gxlib.readers import docx as docx_reader

docx = pytest.importorskip("docx")

SHARED = pathlib.Path(__file__).parents[1].parent / "shared"
TEMPLATE = SHARED / "spec" / "template_2021_blank.docx"


def _read(path: pathlib.Path, data: bytes | None = None) -> Document:
    data = path.read_bytes() if data is None else data
    return docx_reader.read(path, data, hashlib.sha256(data).hexdigest())


def _texts(row) -> list[str]:
    return [c.text for c in row]


def _distinct(cells):
    out = []
    for c in cells:
        if not any(c._tc is o._tc for o in out):
            out.append(c)
    return out


@pytest.fixture()
def filled(tmp_path) -> tuple[Document, dict]:
    """The blank 2021 form with a distinct number in every value cell of 表三 and 表四."""
    if not TEMPLATE.exists():
        pytest.skip(f"template absent: {TEMPLATE} (the shared spec is not mounted)")
    d = docx.Document(str(TEMPLATE))
    t2, t3, t4 = d.tables
    written: dict = {"apps": [], "reviews": []}
    # 表二: 规章 row
    for k, cell in enumerate(_distinct(t2.rows[2].cells)[1:]):
        cell.text = str(k + 7)
    # 表三: rows 3.. are data rows, the last 7 grid slots are the value cells
    for r, row in enumerate(t3.rows[3:]):
        vals = [str(100 * r + k) for k in range(7)]
        for cell, v in zip(row.cells[-7:], vals):
            cell.text = v
        written["apps"].append(vals)
    # 表四: the single data row of 15 cells; one left blank on purpose
    vals = [str(k) for k in range(15)]
    vals[3] = ""
    for cell, v in zip(t4.rows[3].cells, vals):
        cell.text = v
    written["reviews"] = vals
    # narrative in section 一 (the form's first "（文字描述）" placeholder)
    next(p for p in d.paragraphs if p.text.strip() == "（文字描述）").add_run("本年度共收到申请25件。")
    p = tmp_path / "filled.docx"
    d.save(str(p))
    return _read(p), written


def test_template_grids(filled):
    doc, written = filled
    assert doc.format == "docx"
    assert len(doc.grids) == 3
    proactive, apps, reviews = doc.grids
    assert _texts(proactive.rows[0]) == ["第二十条第（一）项"] and proactive.rows[0][0].colspan == 4
    assert _texts(proactive.rows[2]) == ["规章", "7", "8", "9"]
    assert _texts(proactive.rows[6]) == ["行政许可", ""]  # blank cell present
    assert proactive.rows[6][1].colspan == 3


def test_template_table3_rows(filled):
    doc, written = filled
    apps = doc.grids[1]
    header = apps.rows[:3]
    corner = header[0][0]
    assert corner.text.startswith("（本列数据的勾稽关系为") and (corner.rowspan, corner.colspan) == (3, 3)
    assert _texts(header[2]) == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]  # 商业/企业 joined
    data = apps.rows[3:]
    assert len(data) == 25
    for row, vals in zip(data, written["apps"]):
        assert _texts(row[-7:]) == vals  # labels, then the 7 value cells
        assert [c.col for c in row[-7:]] == list(range(3, 10))
    assert _texts(data[0]) == ["一、本年新收政府信息公开申请数量"] + written["apps"][0]
    # merged cells appear once, in their first row, with their span
    assert _texts(data[2])[:2] == ["三、本年度办理结果", "（一）予以公开"]
    assert (data[2][0].rowspan, data[2][0].colspan) == (22, 1)
    assert sum(c.text == "三、本年度办理结果" for row in apps.rows for c in row) == 1
    assert _texts(data[4])[:2] == ["（三）不予公开", "1.属于国家秘密"] and data[4][0].rowspan == 8
    assert _texts(data[5])[0] == "2.其他法律行政法规禁止公开" and len(data[5]) == 8
    assert _texts(data[-1])[0] == "四、结转下年度继续办理" and data[-1][0].colspan == 3
    assert data[4][1].where.startswith("table 2, row 8, cell 2")


def test_template_table4_data_row(filled):
    doc, written = filled
    reviews = doc.grids[2]
    assert _texts(reviews.rows[0]) == ["行政复议", "行政诉讼"]
    assert [c.colspan for c in reviews.rows[0]] == [5, 10]
    assert reviews.rows[1][0].rowspan == 2
    assert len(reviews.rows[2]) == 10
    assert _texts(reviews.rows[3]) == written["reviews"]
    assert reviews.rows[3][3].text == ""


def test_template_text_order(filled):
    doc, _ = filled
    text = doc.text
    assert "本年度共收到申请25件。" in text
    order = [
        "一、总体情况",
        "本年度共收到申请25件。",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "规章\t7\t8\t9",
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量\t0\t1\t2",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    pos = [text.index(s) for s in order]
    assert pos == sorted(pos)
    assert list(doc.sections) == ["一", "二", "三", "四", "五", "六"]


def test_merged_cells_deduplicated(tmp_path):
    d = docx.Document()
    d.add_paragraph("标题")
    t = d.add_table(rows=3, cols=3)
    a = t.cell(0, 0).merge(t.cell(1, 0))  # vertical
    a.text = "合并纵"
    b = t.cell(0, 1).merge(t.cell(0, 2))  # horizontal
    b.text = "合并横"
    t.cell(1, 1).text = "1"
    t.cell(2, 0).text = "尾"
    t.cell(2, 2).text = "3"
    p = tmp_path / "m.docx"
    d.save(str(p))
    g = _read(p).grids[0]
    assert [[(c.text, c.row, c.col, c.rowspan, c.colspan) for c in row] for row in g.rows] == [
        [("合并纵", 0, 0, 2, 1), ("合并横", 0, 1, 1, 2)],
        [("1", 1, 1, 1, 1), ("", 1, 2, 1, 1)],
        [("尾", 2, 0, 1, 1), ("", 2, 1, 1, 1), ("3", 2, 2, 1, 1)],
    ]


def test_wrapped_cell_text_joined(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    c = t.cell(0, 0)
    c.text = "4.无正当理由大量反复"
    c.add_paragraph("申请")
    t.cell(0, 1).paragraphs[0].add_run("Word").add_break()
    t.cell(0, 1).paragraphs[0].add_run("Press")
    p = tmp_path / "w.docx"
    d.save(str(p))
    g = _read(p).grids[0]
    assert _texts(g.rows[0]) == ["4.无正当理由大量反复申请", "Word Press"]


def test_layout_frame_table_is_read_as_body(tmp_path):
    d = docx.Document()
    frame = d.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "一、总体情况"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "行政许可"
    inner.cell(0, 1).text = "550"
    cell.add_paragraph("二、主动公开政府信息情况")
    p = tmp_path / "frame.docx"
    d.save(str(p))
    doc = _read(p)
    assert len(doc.grids) == 1
    assert _texts(doc.grids[0].rows[0]) == ["行政许可", "550"]
    assert doc.text.split("\n")[:3] == ["一、总体情况", "行政许可\t550", "\t"]


def test_legacy_doc_and_wps_refused(tmp_path):
    ole = docx_reader.OLE2_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le")
    for name in ("old.doc", "old.wps"):
        with pytest.raises(UnsupportedFormat, match=r"convert to \.docx or \.pdf first"):
            _read(tmp_path / name, ole)


def test_bad_inputs(tmp_path):
    with pytest.raises(EmptyDocument):
        _read(tmp_path / "e.docx", b"")
    with pytest.raises(UnsupportedFormat, match="no ZIP"):
        _read(tmp_path / "j.docx", b"just some text, not a document")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not word")
    with pytest.raises(UnsupportedFormat, match="not a readable .docx"):
        _read(tmp_path / "z.docx", buf.getvalue())
    blank = tmp_path / "blank.docx"
    docx.Document().save(str(blank))
    with pytest.raises(EmptyDocument, match="no text"):
        _read(blank)


def test_meta(tmp_path):
    d = docx.Document()
    d.core_properties.title = "某某局2023年政府信息公开工作年度报告"
    d.add_paragraph("正文")
    p = tmp_path / "meta.docx"
    d.save(str(p))
    doc = _read(p)
    assert doc.meta["title"] == "某某局2023年政府信息公开工作年度报告"
    assert "created" in doc.meta
