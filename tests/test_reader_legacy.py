"""Legacy Word (.doc/.wps) through LibreOffice: real conversions with Debian's soffice, a fake
converter that hangs (killed with its process group), and no converter at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from gxlib import read_report
from gxlib.corpus import build_corpus, load_corpus
from gxlib.errors import ConversionTimeout, UnsupportedFormat
from gxlib.readers import legacy, read_document

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "reports"
DOCX = DEMO / "fujian-fuzhou-minhou-jyj_2022.docx"
SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                                   "apt-get install libreoffice-writer-nogui (make sysdeps does)")
GARBAGE_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(64) + b"\0" * 4096


def _cells(rep) -> set[tuple]:
    return set(rep.cells.select("table", "row", "col", "value", "ambiguous").iter_rows())


@pytest.fixture(scope="module")
def demo_doc(tmp_path_factory) -> Path:
    """The demo .docx saved as Word 97 .doc by LibreOffice itself (made here, not stored)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    tmp = tmp_path_factory.mktemp("doc")
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(tmp / 'p').as_uri()}",
                    "--convert-to", "doc", "--outdir", str(tmp), str(DOCX)],
                   check=True, capture_output=True, timeout=180, env=os.environ | {"HOME": str(tmp)})
    out = tmp / (DOCX.stem + ".doc")
    assert out.read_bytes()[:4] == legacy.OLE2_MAGIC
    return out


@needs_soffice
def test_doc_reads_the_same_cells_as_the_docx(demo_doc):
    want = read_report(DOCX)
    got = read_report(demo_doc)
    assert got.reports["format"][0] == "doc"
    assert got.template == want.template and got.reports["year"][0] == want.reports["year"][0]
    assert len(want.cells) > 100
    assert _cells(got) == _cells(want)


@needs_soffice
def test_wps_name_is_read_too(demo_doc, tmp_path):
    wps = tmp_path / "report.wps"
    shutil.copy(demo_doc, wps)
    doc = read_document(wps)
    assert doc.format == "wps" and len(doc.grids) == 3


@needs_soffice
def test_doc_libreoffice_cannot_convert_is_a_clear_error(tmp_path):
    bad = tmp_path / "damaged.doc"
    bad.write_bytes(GARBAGE_OLE)
    with pytest.raises(UnsupportedFormat, match="LibreOffice could not convert") as e:
        read_report(bad)
    assert "damaged.doc" in str(e.value)


def test_hanging_converter_is_stopped_with_its_process_group(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    child = tmp_path / "child.pid"
    # a converter that forks a helper and never finishes
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv(legacy.CONVERTER_ENV, str(fake))
    monkeypatch.setenv(legacy.TIMEOUT_ENV, "2")
    (tmp_path / "slow.doc").write_bytes(GARBAGE_OLE)
    t0 = time.monotonic()
    with pytest.raises(ConversionTimeout, match="did not convert the .doc file within 2 s"):
        read_report(tmp_path / "slow.doc")
    assert time.monotonic() - t0 < 20
    pid = int(child.read_text())
    time.sleep(0.2)
    state = Path(f"/proc/{pid}/stat")
    assert not state.exists() or state.read_text().split()[2] == "Z", "the converter's child survived the timeout"


def test_no_libreoffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv(legacy.CONVERTER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice / libreoffice on it
    (tmp_path / "r.doc").write_bytes(GARBAGE_OLE)
    with pytest.raises(UnsupportedFormat, match="LibreOffice is not installed.*libreoffice-writer-nogui"):
        read_report(tmp_path / "r.doc")


def test_ole2_workbook_is_refused_before_any_conversion(tmp_path, monkeypatch):
    monkeypatch.setenv(legacy.CONVERTER_ENV, str(tmp_path / "never-run"))
    (tmp_path / "x.doc").write_bytes(GARBAGE_OLE + "Workbook".encode("utf-16-le") + b"\0\0")
    with pytest.raises(UnsupportedFormat, match="Excel workbook"):
        read_document(tmp_path / "x.doc")


@needs_soffice
def test_corpus_build_reads_doc_and_wps_and_records_a_broken_one(demo_doc, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(demo_doc, src / "a.doc")
    (src / "b.wps").write_bytes(demo_doc.read_bytes() + b"\0")  # own sha256
    (src / "broken.doc").write_bytes(GARBAGE_OLE)
    build_corpus([src], tmp_path / "out", workers=1, progress=False)
    c = load_corpus(tmp_path / "out")
    reps = c.reports.collect()
    assert sorted(reps["format"].to_list()) == ["doc", "wps"]
    errs = c.errors.collect()
    assert errs.height == 1 and "broken.doc" in errs["source"][0] and errs["error"][0] == "UnsupportedFormat"
