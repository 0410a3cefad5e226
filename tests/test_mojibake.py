"""Mojibake (乱码) on real reports: their UTF-8 bytes decoded with the wrong codec and saved again,
as crawlers do (an HTTP client's Latin-1 default for a page sent without a charset; a GBK guess)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gxlib
from gxlib.errors import EncodingError
from gxlib.readers import mojibake

from shared import CORPUS, needs_shared

NAMES = ["005_pingtan_2019.txt", "004_shanghai_szfbgt_2019.html", "peer/08_shuyang-county-2025.md"]


def _reading(report) -> tuple:
    c = report.to_contract()
    return (c["agency"], c["year"], c["template"],
            [(x["table"], x["row"], x["col"], x["value"], x["raw"]) for x in c["cells"]],
            sorted(f["rule"] for f in c["findings"]))


def _saved(tmp_path, name: str, codec: str, errors: str = "strict") -> Path:
    src = (CORPUS / name).read_bytes()
    path = tmp_path / Path(name).name
    path.write_text(src.decode(codec, errors=errors), encoding="utf-8")
    return path


@needs_shared
@pytest.mark.parametrize("name", NAMES)
def test_utf8_read_as_latin1_is_repaired(tmp_path, name):
    """Before: NotAReport (no title, no table found in æ”¿åºœä¿¡æ¯…)."""
    report = gxlib.read_report(_saved(tmp_path, name, "latin-1"))
    assert _reading(report) == _reading(gxlib.read_report(CORPUS / name))
    assert mojibake.LATIN_NOTE in report.document.problems


@needs_shared
@pytest.mark.parametrize("codec", ["gbk", "cp1252"])
def test_mojibake_that_lost_bytes_is_refused_with_the_reason(tmp_path, codec):
    """Before: 'binary data' — the user could not tell what was wrong with the file."""
    path = _saved(tmp_path, NAMES[0], codec, errors="replace")
    with pytest.raises(EncodingError, match="乱码.*fetch the page"):
        gxlib.read_report(path)


@needs_shared
def test_a_corpus_build_records_the_mojibake_and_goes_on(tmp_path):
    from gxlib.corpus import build_corpus, load_corpus

    src = tmp_path / "in"
    src.mkdir()
    _saved(src, NAMES[0], "gbk", errors="replace").rename(src / "bad.txt")
    (src / "good.txt").write_bytes((CORPUS / NAMES[0]).read_bytes())
    build_corpus([src], tmp_path / "out", workers=1)
    corpus = load_corpus(tmp_path / "out")
    errors = corpus.errors.collect()
    assert errors.height == 1 and errors.row(0, named=True)["source"].endswith("bad.txt")
    assert errors.row(0, named=True)["error"] == "EncodingError" and "乱码" in errors.row(0, named=True)["reason"]
    assert corpus.reports.collect().height == 1  # the good one is read


def test_ordinary_text_is_not_touched():
    text = "Résumé café naïve — an English page with accents, no report words"
    assert mojibake.repair(text) == (text, None)
