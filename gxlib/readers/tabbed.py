"""Tab-separated text dumps: a table copied out of Word or a spreadsheet into a .txt file,
one table row per line, cells separated by tabs (blank cells as empty fields).

Lines with a tab are table rows (表二's 2021 rows have one value); consecutive ones form a
grid.  A file is taken as tabbed when many lines have two tabs or more.  Everything else
is narrative and stays in ``Document.text``.
"""

from __future__ import annotations

from ..document import Cell, Document, Grid


def looks_tabbed(text: str, min_rows: int = 15) -> bool:
    return sum(1 for line in text.splitlines() if line.count("\t") >= 2) >= min_rows


def parse(text: str, source: str, sha256: str, meta: dict[str, str] | None = None, line_offset: int = 0) -> Document:
    grids: list[Grid] = []
    rows: list[list[Cell]] = []
    start = 0
    for i, line in enumerate(text.splitlines(), start=1 + line_offset):
        if "\t" not in line:
            if rows:
                grids.append(Grid(rows, where=f"lines {start}-{i - 1}"))
                rows = []
            continue
        if not rows:
            start = i
        fields = line.rstrip("\r\n").split("\t")  # trailing empty fields are blank cells
        rows.append([Cell(f.strip(), where=f"line {i}, cell {k + 1}", row=len(rows), col=k) for k, f in enumerate(fields)])
    if rows:
        grids.append(Grid(rows, where=f"lines {start}-{line_offset + len(text.splitlines())}"))
    plain = text.replace("\t", " | ")
    return Document(source, "text", sha256, plain, grids, dict(meta or {}))
