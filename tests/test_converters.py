"""gxlib on what real converters make of the real reports of ../shared, scored against gold.

Each (source, converter chain) is converted at test time (once per session: LibreOffice is
slow) with the converters installed (pymupdf4llm, markitdown, pdftotext, pandoc, html2text,
markdownify, LibreOffice; see ``bench/converters.py``), read with ``gxlib.read_report`` and
compared cell by cell with the source's gold.  Every chain must state no wrong value; the
chains the readers read whole must give every gold cell exactly, the others at least the
share of gold's cells they reach now (a floor: a regression fails, an improvement passes).
Nothing converted is kept in the project.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from tests.shared import CORPUS, needs_shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import converters  # noqa: E402

HANG = "004_shanghai_szfbgt_2019.html"
HZ = "peer/01_hangzhou-style-2025.html"
PDF = "002_hongzequ_2023.pdf"

# (source, chain) -> share of gold's value cells read exactly (1.0: every one); the chains
# not listed here are run by bench/bench_converters.py only.
FLOORS = {
    (PDF, "pymupdf4llm"): 1.0,
    (PDF, "pdftotext -raw"): 1.0,
    (PDF, "pdftotext -layout"): 0.91,  # 表三's last rows lost where its page breaks
    (PDF, "pdftotext"): 0.15,  # column order: labels in one block, numbers in another
    (PDF, "markitdown"): 0.39,  # pdfminer's text, same order
    (HANG, "markitdown"): 1.0,
    (HANG, "markdownify"): 1.0,
    (HANG, "html2text"): 1.0,
    (HANG, "pandoc gfm"): 1.0,
    (HANG, "pandoc gfm-raw_html"): 0.88,  # 表二 written as "[TABLE]": the converter drops it
    (HANG, "pandoc commonmark"): 1.0,
    (HANG, "pandoc markdown"): 1.0,
    (HANG, "pandoc plain"): 1.0,
    (HANG, "soffice→docx"): 1.0,
    (HANG, "soffice→docx | pandoc gfm"): 1.0,
    (HANG, "soffice→docx | pandoc plain"): 1.0,
    (HANG, "soffice→docx | markitdown"): 1.0,
    (HANG, "soffice→pdf"): 0.44,  # the table is wider than the page: its right columns are off it
    (HZ, "markitdown"): 1.0,
    (HZ, "html2text"): 1.0,
    (HZ, "pandoc gfm"): 1.0,
    (HZ, "pandoc plain"): 1.0,
    (HZ, "soffice→txt"): 1.0,
    (HANG, "soffice→txt"): 0.5,  # one cell per line, blank cells a no-break space; rows whose 总计 is blank stay open
    (HZ, "soffice→docx"): 1.0,
    (HZ, "soffice→pdf"): 1.0,  # no rulings: read from the text layer's order
    (HZ, "soffice→pdf | pdftotext -raw"): 1.0,
    (HZ, "soffice→pdf | pdftotext -layout"): 0.92,
    (HZ, "soffice→docx→pdf | pdftotext -raw"): 0.78,  # totals cut by their narrow cells: flagged
    (HZ, "soffice→docx→pdf | pymupdf4llm"): 0.78,
    (HZ, "soffice→docx→pdf | pdftotext"): 0.02,  # column order: nearly all flagged, none wrong
    (HZ, "soffice→pdf | pymupdf4llm"): 0.95,  # a wrapped label's first line in a row of its own
    # LibreOffice's PDFs of 004's tables wider than the page: what the converters keep is mostly
    # flagged or missing, and never wrong
    (HANG, "soffice→pdf | pymupdf4llm"): 0.1,
    (HANG, "soffice→pdf | markitdown"): 0.06,
    (HANG, "soffice→docx→pdf | pymupdf4llm"): 0.1,
}
@pytest.fixture(scope="session")
def converted(tmp_path_factory):
    """``(source, chain) ->`` the file the chain makes of the source ("soffice→docx | pandoc
    gfm": LibreOffice's copy, then pandoc), each step made once per session, or pytest.skip
    naming the missing converter."""
    made: dict[tuple[str, str], Path] = {}

    def step(path: Path, key: tuple[str, str], name: str) -> Path:
        if key not in made:
            fn = (converters.COPIES.get(name) or converters.CONVERTERS[name])[1]
            made[key] = fn(path, tmp_path_factory.mktemp("conv"))
        return made[key]

    def get(source: str, chain: str) -> Path:
        path, done = CORPUS / source, ""
        *copy, last = [s.strip() for s in chain.split("|")]
        steps = [f"soffice→{x}" for x in copy[0].split("→")[1:]] if copy else []
        try:
            for name in [*steps, last]:
                done = f"{done}|{name}"
                path = step(path, (source, done), name)
        except converters.Missing as e:
            pytest.skip(f"converter not installed: {e}")
        return path

    return get


def _gold(source: str) -> Path:
    return CORPUS / dict(converters.SOURCES)[source]


@needs_shared
@pytest.mark.parametrize(("source", "chain"), sorted(FLOORS))
def test_converted_report_reads_exact_or_flagged(converted, source, chain):
    if not (CORPUS / source).is_file():
        pytest.skip(f"{source} is not in {CORPUS}")
    s = converters.score(converted(source, chain), _gold(source))
    assert s.of > 0 and not s.error, s.error
    lines = "\n".join(converters.diff(converted(source, chain), _gold(source))[:20])
    assert s.wrong == 0, f"{chain} of {source}: {s.wrong} wrong cells\n{lines}"
    floor = math.floor(FLOORS.get((source, chain), 1.0) * s.of)
    assert s.exact >= floor, f"{chain} of {source}: {s.exact}/{s.of} exact (floor {floor})\n{lines}"


@needs_shared
def test_a_page_footer_inside_a_pdftotext_row_is_not_a_cell(converted):
    """pdftotext prints the page break (form feed, ``- 4 -``) inside 表三's row 没有现成信息: the
    row's values stay its own (the footer was read as a glued cell, 3 → 3000)."""
    out = converted(PDF, "pdftotext -raw")
    text = out.read_text(encoding="utf-8")
    assert "\f" in text  # the shape under test is really there
    import gxlib

    cells = {(c["table"], c["row"], c["col"]): c for c in gxlib.read_report(out).to_contract()["cells"]}
    gold = {(c["table"], c["row"], c["col"]): c for c in converters.json.loads(_gold(PDF).read_text())["cells"]}
    key = ("applications", "unavailable_needs_creation", "natural_person")
    assert cells[key]["value"] == gold[key]["value"]
