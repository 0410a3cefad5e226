"""Replay the hostile set of issue 16 and print, per input: exit code, message, time, peak RSS.

Usage::

    .venv/bin/python bench/bench_hostile.py [--keep DIR] [--no-pdf-2000]

Builds in a temp folder (nothing expanded is ever written): a zip whose member declares 3 GiB, a
.docx whose word/document.xml expands to 1 GiB, a report page inside 260 unclosed <font> tags and
one inside 100,000 nested <div>s, ruled table PDFs of 50 / 400 / 2,000 pages, a FIFO, /dev/zero,
and a corpus with a truncated Parquet part.  Each runs as its own ``gx`` process; ``rss`` is the
peak RSS of the largest single process (``wait4``), ``tree`` the largest sampled sum over the
process tree (a build with its workers).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import hostile_inputs as h  # noqa: E402

GX = [sys.executable, "-m", "gxlib.cli"]


def good_reports(dst: Path, n: int = 6) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for p in sorted(h.DEMO.glob("*.html"))[: n // 2] + sorted(h.DEMO.glob("*.txt"))[: n // 2]:
        shutil.copy(p, dst / p.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", default=None, help="build the inputs here and keep them")
    ap.add_argument("--no-pdf-2000", action="store_true", help="skip the 2,000-page PDF (slow to draw)")
    a = ap.parse_args()
    d = Path(a.keep or tempfile.mkdtemp(prefix="gx-hostile-"))
    d.mkdir(parents=True, exist_ok=True)
    src = d / "src"
    good_reports(src)
    h.zip_bomb(src / "bomb.zip")
    h.docx_bomb(src / "bomb.docx")
    h.deep_html(src / "font260.html")
    h.deep_html(src / "div100k.html", "div", 100_000, closed=True)
    pdfs = [50, 400] + ([] if a.no_pdf_2000 else [2000])
    for n in pdfs:
        h.long_table_pdf(src / f"long{n}.pdf", n)
    h.fifo(src / "fifo.html")

    rows = []

    def run(label: str, args: list[str], timeout: float = 600) -> dict:
        r = h.run_measured([*GX, *args], timeout=timeout, cwd=ROOT)
        rows.append((label, r))
        print(f"{label:<28} rc={r['rc']:<3} {r['seconds']:7.1f}s  rss {r['rss_mb']:7.0f} MB  tree {r['tree_mb']:7.0f} MB  "
              f"{r['message'][:150]}", flush=True)
        return r

    run("zip bomb (3 GiB member)", ["parse", str(src / "bomb.zip")])
    run("docx bomb (1 GiB part)", ["parse", str(src / "bomb.docx")])
    run("260 unclosed <font>", ["parse", str(src / "font260.html")])
    run("100,000 nested <div>", ["parse", str(src / "div100k.html")])
    for n in pdfs:
        run(f"PDF {n} pages", ["parse", str(src / f"long{n}.pdf")])
    run("FIFO", ["parse", str(src / "fifo.html")], timeout=60)
    run("/dev/zero", ["parse", "/dev/zero"], timeout=60)
    run("FIFO (gx check)", ["check", str(src / "fifo.html")], timeout=60)
    run("/dev/zero (gx explain)", ["explain", "/dev/zero"], timeout=60)
    out = d / "corpus"
    run("gx build, 2 workers, all", ["build", str(src), "-o", str(out), "--workers", "2", "--no-progress"])
    parts = sorted((out / "cells").rglob("part-*.parquet"))
    if parts:
        h.truncate(parts[0])
        run("truncated part: build", ["build", str(src), "-o", str(out), "--workers", "2", "--no-progress"])
        run("truncated part: --verify", ["build", "-o", str(out), "--verify"])
        run("truncated part: --repair", ["build", str(src), "-o", str(out), "--workers", "2", "--no-progress", "--repair"])
        run("after repair: --verify", ["build", "-o", str(out), "--verify"])
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    os.sync()


if __name__ == "__main__":
    main()
