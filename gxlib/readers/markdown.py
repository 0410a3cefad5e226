"""Markdown — what PDF-to-Markdown converters and OCR models produce.

GitHub pipe tables, HTML ``<table>`` blocks inside the Markdown and ``#`` headings are read into
the same :class:`~gxlib.document.Document` as every other format.  The tables are read
*leniently*, line by line, not by the GFM rules: a converter's output is rarely a valid GFM
table (one table cut into several, a row with more cells than its header, which GFM would
drop), and every printed cell must survive to the extractor, which decides what it is.

* a line that starts with ``|`` is a table row; a delimiter line (``|---|---|``) separates
  nothing; consecutive rows form one grid, and anything else between them ends it;
* each grid's ``caption`` is the text just above it (a heading such as ``### 行政复议``);
* GFM's outer pipes are optional: a line ``a| b| c`` (html2text writes them so) is a row too
  when a line next to it has cells as well (a lone ``|`` in prose is not a table);
* a grid table (pandoc's ``+----+----+`` borders): the lines between two borders are one row,
  their cells joined column by column (a cell's text wraps onto the next line);
* pandoc's dash-ruled simple and multiline tables are rewritten as pipe rows first
  (:mod:`.dashed`);
* page footers (``— 4 —``, ``- 4 -``, ``第 4 页``) are dropped wherever they stand;
* a short line of a label and numbers (``行政许可 0``: a table row the converter flattened)
  is a grid row too;
* lines of a lone value, each with the note printed under it (``22`` / ``（其中修订 16 件）``),
  are a grid of one-cell rows: cells a converter lifted out of their table (a PDF cell of two
  lines), left for the extractor to place;
* a table a converter drew from a real one with spans (pandoc, markitdown, markdownify: one
  delimiter row as wide as the widest row) keeps its cells' places: a label's colspan leaves
  empty cells after it and a rowspan empty cells below it, or (markitdown) no cells at all at
  the row's start.  Those fillers are dropped where they can only be fillers: in the label
  columns, left of every printed number, so each row reads as label(s) then its values, as
  the HTML reader gives it;
* a table whose converter repeats a spanned cell's text in each column it spans (docling) reads
  one number repeated under one repeated heading as one cell;
* ``Document.text`` is the Markdown without its markup: headings as lines, table rows as
  cells joined by spaces, so the metadata and narrative readers see plain text.
"""

from __future__ import annotations

import re

from ..document import Cell, Document, Grid, images_by_section, mark_images
from . import dashed

_ROW = re.compile(r"^\s*\|(?P<body>.*?)\|?\s*$")
_DELIM = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_FOOTER = re.compile(r"^\s*(?:[—–\-－]+\s*\d{1,3}\s*[—–\-－]+|第\s*\d{1,3}\s*页(?:\s*[/／共]\s*\d{1,3}\s*页?)?)\s*$")
_INLINE = re.compile(r"\*\*|__|`|<br\s*/?>|&nbsp;", re.I)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.I | re.S)
_SPLIT = re.compile(r"(?<!\\)\|")
# A table row a converter flattened into a line of text: a short label, then its numbers
# (``行政许可 0``, ``行政规范性文件 6 1 32``).  The extractor keeps it only if the label is a
# template row's.
_LONE = re.compile(r"^\s*\d[\d,]*(?:\.\d+)?\s*$")  # a value on a line of its own
_NOTE = re.compile(r"^\s*[（(][^（）()]{1,40}[）)]\s*$")  # a note in brackets on a line of its own
_FLAT = re.compile(r"^\s*(?P<label>[^\d\s|#(（—\-][^|。；，]{1,40}?)\s+(?P<vals>[\d.,]+(?:\s+[\d.,]+)*)\s*$")


_BORDER = re.compile(r"^\s*\+(?:[-=:]+\+)+\s*$")  # a grid table's rule line
_BARE = re.compile(r"^\s*(?P<body>[^|\s][^|]*(?<!\\)\|.*?)\s*$")  # a row without its outer pipes


# A table row printed whole on its line without outer pipes (``规章 | 0 | 0 | 0 |``: a crawler's
# text of a page's table): two cells with text, then a separator.  The seed's pipe dumps print
# one cell a line (``规章 |``), never this; a template table prints dozens of such rows.
_INLINE_ROW = re.compile(r"^\s*[^|\s][^|]*\|\s*[^|\s][^|]*\|")
_MIN_INLINE_ROWS = 10


def _bare_rows(lines: list[str]) -> set[int]:
    """Indexes of the lines that are table rows without outer pipes: a line with a cell
    separator next to another line with cells."""
    piped = [bool(_BARE.match(ln)) or ln.lstrip().startswith("|") for ln in lines]
    return {i for i, ln in enumerate(lines) if _BARE.match(ln) and not ln.lstrip().startswith("|")
            and (i > 0 and piped[i - 1] or i + 1 < len(lines) and piped[i + 1])}


def looks_like_markdown(text: str, name: str = "") -> bool:
    """Pipe tables with delimiter rows, or several ``#`` headings (a ``.md`` name helps)."""
    md_name = name.lower().endswith((".md", ".markdown"))
    if not md_name and "|" not in text and "- -" not in text:
        return False  # the tests below need table rows (a row starts with "|") or a dash-ruled table
    lines = text.splitlines()
    delims = sum(1 for ln in lines if "-" in ln and _DELIM.match(ln) and "|" in ln)
    rows = sum(1 for ln in lines if ln.lstrip().startswith("|") and ln.count("|") >= 3)
    heads = sum(1 for ln in lines if _HEADING.match(ln))
    borders = sum(1 for ln in lines if "+-" in ln and _BORDER.match(ln))
    if md_name:
        return delims > 0 or heads > 0 or rows > 0 or len(_bare_rows(lines)) >= 3 or dashed.looks_dashed(lines)
    return delims >= 1 and rows >= 3 or heads >= 3 and rows >= 2 or borders >= 3 and rows >= 3 \
        or dashed.rules(lines) >= 2 or sum(1 for ln in lines if _INLINE_ROW.match(ln)) >= _MIN_INLINE_ROWS


def _drop_span_fillers(rows: list[list[Cell]], width: int) -> None:
    """A converter's grid of a real table (``width``: its delimiter row's): left-pad the rows a
    rowspan shortened, then drop the empty cells of the label columns (those left of the first
    column holding a number), which only spans leave."""
    if width < 3 or max(map(len, rows)) != width:
        return  # not one table drawn whole (a table cut into pieces keeps no places)
    padded = [[None] * (width - len(r)) + r if r and not _is_number(r[0].text) else r for r in rows]
    first = min((k for r in padded for k, c in enumerate(r) if c is not None and _is_number(c.text)), default=0)
    for r, p in zip(rows, padded):
        label_cols = first - (width - len(r)) if p is not r else first
        r[:] = [c for k, c in enumerate(r) if k >= label_cols or c.text.strip()]


def _merge_repeated_spans(rows: list[list[Cell]]) -> None:
    """A converter that repeats a spanned cell's text in every column it spans (docling: a
    heading ``本年处理决定数量`` over three columns printed three times, and the row's one value
    under it, ``6536 | 6536 | 6536``, too): under a run of one heading repeated in adjacent
    columns of the nearest heading row, a row printing one number repeated across that run
    prints one cell.  Distinct headings never merge, so equal values under them stay apart."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if not any(_is_number(c.text) for c in r):  # a heading row: its runs of a repeated text
            runs, k = [], 0
            while k < len(r):
                j = k
                while j + 1 < len(r) and r[j + 1].text and r[j + 1].text == r[k].text:
                    j += 1
                if j > k and r[k].text:
                    runs.append((k, j + 1))
                k = j + 1
            continue
        drop = set()
        for a, b in runs:
            texts = [c.text for c in r[a:b]]
            if len(texts) == b - a and _is_number(texts[0]) and len(set(texts)) == 1:
                drop.update(range(a + 1, b))
        if drop:
            r[:] = [c for k, c in enumerate(r) if k not in drop]


def _join_wrapped_labels(rows: list[list[Cell]]) -> None:
    """A row of one label piece and no values, above a row whose label in that column goes on
    mid-item (no item number): the label's first line, which the converter (pymupdf4llm) put in
    a row of its own.  Joined to the row it begins, it is not read as a blank row."""
    for i in range(len(rows) - 1):
        row, nxt = rows[i], rows[i + 1]
        texts = [c for c in row if c.text]
        if len(texts) != 1 or _is_number(texts[0].text) or not any(_is_number(c.text) for c in nxt):
            continue
        k = row.index(texts[0])
        below = next((c for c in nxt if c.col == texts[0].col), None) if k < len(nxt) else None
        if below is None or not below.text or _ITEM.match(below.text) or _is_number(below.text):
            continue
        below.text = texts[0].text + below.text
        texts[0].text = ""


def _is_number(text: str) -> bool:
    return _LONE.match(text) is not None


def _flat_rows(label: str, vals: str) -> list[list[str]]:
    """A flattened line's rows: one, or several when the converter ran rows together on one line
    (``行政处罚 6937489 行政强制 166105``: a number inside the label starts the next row)."""
    rows: list[list[str]] = [[]]
    for tok in label.split():
        if _LONE.match(tok):
            rows[-1].append(tok)
        elif rows[-1] and _LONE.match(rows[-1][-1]):
            rows.append([tok])
        elif rows[-1]:
            rows[-1][0] += " " + tok
        else:
            rows[-1].append(tok)
    rows[-1].extend(vals.split())
    return rows


def _cells(body: str) -> list[str]:
    return [_INLINE.sub("", c).replace("\\|", "|").strip() for c in _SPLIT.split(body)]


_BR = re.compile(r"<br\s*/?>", re.I)
_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[（(][一二三四五六七八九十]{1,3}[）)])")


def _stacked(body: str) -> list[list[str]]:
    """A row the converter stacked from several printed rows (pymupdf4llm: ``100<br>5`` is two
    rows' cells, ``4.…<br>申请<br>5.…`` their labels): one list of cells per printed row.  The
    labels are split where an item number starts a line; where they cannot be split as many
    ways as the numbers, the numbers stay together (``100 5``, unreadable: flagged, not joined
    into ``1005``)."""
    raw = _SPLIT.split(body)
    parts = [[p.strip() for p in _BR.split(c)] for c in raw]
    nums = [p for p in parts if any(p) and all(_LONE.match(x) for x in p)]
    n = len(nums[0]) if nums else 1
    if n < 2 or any(len(p) != n for p in nums):
        return [_cells(body)]
    out = [[""] * len(raw) for _ in range(n)]
    for k, p in enumerate(parts):
        if p in nums or not any(p):
            for i in range(n):
                out[i][k] = p[i] if p in nums else ""
            continue
        groups: list[list[str]] = []
        for x in p:
            if not groups or _ITEM.match(x):
                groups.append([])
            groups[-1].append(x)
        if len(groups) != n:
            if len(p) == n:
                groups = [[x] for x in p]
            elif len(p) == 1:  # a group label's piece (（五）不予处 / 理): the first row's
                groups = [p] + [[] for _ in range(n - 1)]
            else:
                return [[" ".join(x for x in q if x) for q in parts]]
        for i, g in enumerate(groups):
            out[i][k] = _INLINE.sub("", "".join(g)).strip()
    return out


def _html_grids(block: str, first_index: int) -> tuple[list[Grid], str]:
    """An HTML table block inside the Markdown, read by the HTML reader (lxml)."""
    from . import html

    doc = html.parse(block, "", "")
    for i, g in enumerate(doc.grids):
        g.where = f"html table {first_index + i}"
    return doc.grids, doc.text


def parse(text: str, source: str, sha256: str, meta: dict[str, str] | None = None, line_offset: int = 0) -> Document:
    grids: list[Grid] = []
    plain: list[str] = []
    rows: list[list[Cell]] = []
    start = 0
    recent: list[str] = []  # the last text lines above the table being read
    lifted = False  # the grid being read holds lone values (see the module docstring)

    width = 0  # the delimiter row's cells in the grid being read
    in_grid_table = False  # the grid being read is ruled by +---+ lines
    unlabeled = [False, 0]  # the last grid's last row of numbers had no label; text lines since

    def end_grid(lineno: int) -> None:
        nonlocal lifted, width, in_grid_table
        lifted = in_grid_table = False
        if rows and width and not any(len(r) == 1 for r in rows):
            _merge_repeated_spans(rows)
            _drop_span_fillers(rows, width)
            _join_wrapped_labels(rows)
        width = 0
        if rows:
            # a label printed right after a row that has none (markitdown: ``| 13 | 13 | 524 |``
            # then 规章) may be that row's as well as the next's: then it is no caption
            caption = "" if unlabeled[0] and unlabeled[1] <= 1 else " ".join(recent[-2:])
            grids.append(Grid(list(rows), where=f"lines {start}-{lineno - 1}", caption=caption))
            last = next((r for r in reversed(rows) if any(_is_number(c.text) for c in r)), None)
            unlabeled[:] = [last is not None and all(_is_number(c.text) or not c.text for c in last), 0]
            rows.clear()

    # HTML blocks first: each becomes a placeholder line, read by the HTML reader.
    blocks: dict[str, str] = {}

    def hold(m: re.Match) -> str:
        key = f"\x00html{len(blocks)}\x00"
        blocks[key] = m.group(0)
        return "\n" + key + "\n" + "\n" * m.group(0).count("\n")

    body = dashed.to_pipes(_HTML_TABLE.sub(hold, text))
    lineno = line_offset
    body_lines = body.splitlines()
    bare = _bare_rows(body_lines)
    wrapped = False  # in a grid table, the last line read was a row line (a wrapped cell may follow)
    for lineno, line in enumerate(body_lines, start=1 + line_offset):
        if _FOOTER.match(line):
            continue  # a page footer inside a table does not end it
        if line.strip() in blocks:
            end_grid(lineno)
            found, block_text = _html_grids(blocks[line.strip()], len(grids) + 1)
            for g in found:
                g.caption = " ".join(recent[-2:])
            grids.extend(found)
            plain.append(block_text)
            continue
        if _BORDER.match(line):
            wrapped, in_grid_table = False, True  # the next row line starts a new row
            continue
        if _DELIM.match(line) and "|" in line:
            width = max(width, len(_cells(line.strip().strip("|"))))
            continue
        m = _ROW.match(line) or (lineno - 1 - line_offset in bare and _BARE.match(line)) or None
        if m and lifted:
            end_grid(lineno)
        if m:
            if not rows:
                start = lineno
            if in_grid_table and wrapped and rows and len(cells := _cells(m["body"])) == len(rows[-1]):
                for c, t in zip(rows[-1], cells):  # a grid-table cell's next line ("\\": pandoc's line break)
                    c.text = c.text.rstrip("\\").rstrip() + t
                plain[-1] = " ".join(c.text for c in rows[-1] if c.text)
                continue
            wrapped = in_grid_table
            for i, cells in enumerate(_stacked(m["body"]) if "<br" in line.lower() else [_cells(m["body"])]):
                r, at = len(rows), f"line {lineno}" + (f" (stacked row {i + 1})" if i else "")
                rows.append([Cell(t, f"{at}, cell {k + 1}", r, k) for k, t in enumerate(cells)])
                plain.append(" ".join(t for t in cells if t))
            continue
        if not line.strip():
            continue  # a blank line between two rows of one table (converters add them)
        if _LONE.match(line) or _NOTE.match(line) and lifted:
            if not lifted or _LONE.match(line):
                if rows and not lifted:
                    end_grid(lineno)
                if not rows:
                    start = lineno
                rows.append([Cell(line.strip(), f"line {lineno}", len(rows), 0)])
                lifted = True
            else:  # the note under a lifted value belongs to its cell
                rows[-1][0].text += line.strip()
            plain.append(line.strip())
            continue
        flat = None if _HEADING.match(line) else _FLAT.match(line)
        if flat and lifted:
            end_grid(lineno)
        if flat:
            if not rows:
                start = lineno
            for cells in _flat_rows(flat["label"], flat["vals"]):
                r = len(rows)
                rows.append([Cell(t, f"line {lineno}, word {k + 1}", r, k) for k, t in enumerate(cells)])
            plain.append(line.strip())
            continue
        end_grid(lineno)
        h = _HEADING.match(line)
        words = _INLINE.sub("", h["text"] if h else line).strip()
        plain.append(words)
        recent.append(words)
        del recent[:-2]
        unlabeled[1] += 1 if not h else 2  # a heading over a table is its caption
    end_grid(lineno + 1)
    images = images_by_section(mark_images(text, _MD_IMAGE)) if "![" in text or "<img" in text.lower() else {}
    return Document(source, "markdown", sha256, "\n".join(plain), grids, dict(meta or {}), images=images)


_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|<img\b[^>]*>", re.I)
