"""Real converters run on the real reports of ../shared, and gxlib's result scored against gold.

Used by ``bench/bench_converters.py`` (prints the table) and ``tests/test_converters.py``.
Each converter is a function ``(source path, output dir) -> output path``; a converter whose
program or package is missing raises :class:`Missing` (the caller skips it, saying why).
LibreOffice also makes the Word and PDF copies of each HTML page (``soffice→docx``,
``soffice→pdf``), which are then fed to the PDF and Word converters like any other source.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

# (document, gold): every real HTML / PDF / Word source in ../shared that has gold
SOURCES = (
    ("002_hongzequ_2023.pdf", "gold/002_hongzequ_2023.json"),
    ("004_shanghai_szfbgt_2019.html", "gold/004_shanghai_szfbgt_2019.json"),
    ("peer/01_hangzhou-style-2025.html", "peer/gold/01_hangzhou-style-2025.json"),
)


class Missing(Exception):
    """The converter's program or package is not installed."""


def _run(cmd: list[str], timeout: float = 180) -> None:
    if shutil.which(cmd[0]) is None:
        raise Missing(f"{cmd[0]} is not installed")
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)


def _out(src: Path, out: Path, tag: str, ext: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{src.stem}.{tag}.{ext}"


def _module(name: str):
    """The converter package ``name``, or :class:`Missing` saying why it is not there."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise Missing(f"{name}: {e}") from e


def pymupdf4llm(src: Path, out: Path) -> Path:
    m = _module("pymupdf4llm")
    p = _out(src, out, "pymupdf4llm", "md")
    p.write_text(m.to_markdown(str(src)), encoding="utf-8")
    return p


def markitdown(src: Path, out: Path) -> Path:
    MarkItDown = _module("markitdown").MarkItDown
    p = _out(src, out, "markitdown", "md")
    p.write_text(MarkItDown().convert(str(src)).text_content, encoding="utf-8")
    return p


def _pdftotext(*flags: str):
    tag = "pdftotext" + "".join(flags).replace("-", "_")

    def conv(src: Path, out: Path) -> Path:
        p = _out(src, out, tag, "txt")
        _run(["pdftotext", *flags, "-enc", "UTF-8", str(src), str(p)])
        return p

    return conv


def _pandoc(to: str, ext: str):
    def conv(src: Path, out: Path) -> Path:
        p = _out(src, out, "pandoc_" + to.replace("-", "_"), ext)
        _run(["pandoc", "--wrap=none", "-t", to, "-o", str(p), str(src)])
        return p

    return conv


def html2text(src: Path, out: Path) -> Path:
    m = _module("html2text")
    h = m.HTML2Text()
    h.body_width = 0
    p = _out(src, out, "html2text", "md")
    p.write_text(h.handle(src.read_text(encoding="utf-8")), encoding="utf-8")
    return p


def markdownify(src: Path, out: Path) -> Path:
    m = _module("markdownify").markdownify
    p = _out(src, out, "markdownify", "md")
    p.write_text(m(src.read_text(encoding="utf-8")), encoding="utf-8")
    return p


def _soffice(fmt: str):
    """LibreOffice headless; ``txt`` is its plain-text export (tables as lines of cells)."""
    def conv(src: Path, out: Path) -> Path:
        # an HTML page opens in Writer/Web, which exports only through named filters
        target = {"txt": "txt:Text (encoded):UTF8", "docx": "docx:MS Word 2007 XML",
                  "pdf": "pdf:writer_web_pdf_Export" if kind(src) == "html" else "pdf:writer_pdf_Export"}[fmt]
        d = out / f"soffice_{fmt}_{src.suffix.lstrip('.')}"
        d.mkdir(parents=True, exist_ok=True)
        profile = (out / "lo-profile").resolve().as_uri()
        _run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
              "--outdir", str(d), str(src)], timeout=300)
        p = d / f"{src.stem}.{fmt}"
        if not p.is_file():
            raise RuntimeError(f"soffice wrote no {p.name}")
        return p

    return conv


# converter name -> (source kinds it takes, function)
CONVERTERS = {
    "pymupdf4llm": ({"pdf"}, pymupdf4llm),
    "markitdown": ({"pdf", "docx", "html"}, markitdown),
    "pdftotext -layout": ({"pdf"}, _pdftotext("-layout")),
    "pdftotext": ({"pdf"}, _pdftotext()),
    "pdftotext -raw": ({"pdf"}, _pdftotext("-raw")),
    "pandoc gfm": ({"html", "docx"}, _pandoc("gfm", "md")),
    "pandoc gfm-raw_html": ({"html", "docx"}, _pandoc("gfm-raw_html", "md")),
    "pandoc commonmark": ({"html", "docx"}, _pandoc("commonmark", "md")),
    "pandoc markdown": ({"html", "docx"}, _pandoc("markdown", "md")),
    "pandoc plain": ({"html", "docx"}, _pandoc("plain", "txt")),
    "html2text": ({"html"}, html2text),
    "markdownify": ({"html"}, markdownify),
    "soffice→txt": ({"html", "docx"}, _soffice("txt")),
}
# LibreOffice copies of a source, themselves read by gxlib and fed to the converters above
COPIES = {"soffice→docx": ({"html"}, _soffice("docx")), "soffice→pdf": ({"html", "docx"}, _soffice("pdf"))}


def kind(p: Path) -> str:
    return {".htm": "html"}.get(p.suffix.lower(), p.suffix.lower().lstrip("."))


@dataclass
class Trial:
    source: str  # the document of ../shared
    chain: str  # e.g. "soffice→docx | pandoc gfm" ("" = the source itself)
    path: Path | None  # the converted file (None when the converter failed)
    gold: Path
    error: str = ""


def trials(out: Path, corpus: Path = CORPUS, names: set[str] | None = None) -> list[Trial]:
    """Every (source, chain) the installed converters make, converted into ``out``.
    ``names``: only these converters (and the copies they need)."""
    result: list[Trial] = []
    for doc, gold in SOURCES:
        src, g = corpus / doc, corpus / gold
        if not src.is_file() or not g.is_file():
            continue
        inputs = [("", src)]
        for chain, path in inputs:  # grows: html → docx → pdf is a real office-suite path too
            for cname, (kinds, fn) in COPIES.items():
                if kind(path) not in kinds or len(inputs) > 4 or names is not None and cname not in names:
                    continue
                label = f"{chain}→{cname.split('→')[1]}" if chain else cname
                try:
                    inputs.append((label, fn(path, out / label.replace("→", "_"))))
                except Missing:
                    continue
        for chain, path in list(inputs):
            if chain:
                result.append(Trial(doc, chain, path, g))
            for cname, (kinds, fn) in CONVERTERS.items():
                if kind(path) not in kinds or names is not None and cname not in names:
                    continue
                label = f"{chain} | {cname}" if chain else cname
                try:
                    result.append(Trial(doc, label, fn(path, out / (chain or "src").replace("→", "_")), g))
                except Missing:
                    continue
                except Exception as e:  # the converter itself failed: reported, not fatal
                    result.append(Trial(doc, label, None, g, f"{type(e).__name__}: {e}"[:200]))
    return result


@dataclass
class Score:
    exact: int = 0
    ambiguous: int = 0  # gold states a value, gxlib says ambiguous
    wrong: int = 0  # gxlib states a value that differs from gold (or settles a cell gold leaves open)
    missing: int = 0
    of: int = 0  # gold cells with a value
    error: str = ""


def score(path: Path, gold: Path) -> Score:
    """gxlib.read_report(path) against gold, as /work/tools_local/score.py compares them."""
    import gxlib

    g = json.loads(gold.read_text(encoding="utf-8"))
    s = Score()
    try:
        mine = {(c["table"], c["row"], c["col"]): c for c in gxlib.read_report(path).to_contract()["cells"]}
    except Exception as e:  # a reader error is a result here, not a crash of the bench
        mine, s.error = {}, f"{type(e).__name__}: {e}"[:200]
    for c in g["cells"]:
        m = mine.get((c["table"], c["row"], c["col"]))
        stated = m is not None and not m.get("ambiguous") and m.get("value") is not None
        if c.get("ambiguous"):
            s.wrong += stated
            continue
        s.of += 1
        if m is None:
            s.missing += 1
        elif m.get("ambiguous"):
            s.ambiguous += 1
        elif (m.get("value") or 0) == (c.get("value") or 0):
            s.exact += 1
        else:
            s.wrong += 1
    return s


def diff(path: Path, gold: Path) -> list[str]:
    """The cells where gxlib's reading of ``path`` is not gold's, one line each."""
    import gxlib

    g = json.loads(gold.read_text(encoding="utf-8"))
    mine = {(c["table"], c["row"], c["col"]): c for c in gxlib.read_report(path).to_contract()["cells"]}
    lines = []
    for c in g["cells"]:
        k = (c["table"], c["row"], c["col"])
        m = mine.get(k)
        if c.get("ambiguous"):
            continue
        if m is None:
            lines.append(f"MISSING {k} gold {c.get('value')}")
        elif m.get("ambiguous"):
            lines.append(f"AMBIG   {k} gold {c.get('value')} raw {m.get('raw')!r} cands {m.get('candidates')}")
        elif (m.get("value") or 0) != (c.get("value") or 0):
            lines.append(f"WRONG   {k} ours {m.get('value')} gold {c.get('value')} raw {m.get('raw')!r}")
    return lines
