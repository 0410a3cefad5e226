"""The registry file: a CSV or Excel roster the user writes or corrects and feeds back
(``gx build --registry FILE``).  Every problem is reported at once, with its line, and nothing is
dropped: a file with any error is refused whole (:class:`RegistryError`).

Columns (only ``agency_key`` is required; the header must use these names):

==================  ==========================================================================
``agency_key``      the body's stable key (any text; the corpus keys are a good start)
``name``            the name to show
``names``           every other name the body has printed, separated by ``;`` (a rename: the
                    old name here keeps one key across it)
``level``           省级 | 市级 | 县级 | 乡级 | 特殊功能区
``agency_type``     政府 | 部门 | 派出机构 | 乡镇街道
``parent_key``      the key of the body it reports to
``region``          the region it belongs to (free text, e.g. 平潭综合实验区)
``division_code``   GB/T 2260 code (6 digits)
``consolidated``    是/否 (yes/no, true/false, 1/0): its report sums its members' reports
``confirmed``       是/否: the user has checked this row (sources read ``confirmed``, not ``registry``)
``note``            free text, kept
==================  ==========================================================================

``years``, ``n_reports`` and the ``*_source`` columns, which ``gx registry`` writes for reading,
are accepted and ignored on input.  Empty cells mean "not given" (the inference stays).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..agency import LEVELS, TYPES, _clean

COLUMNS = ("agency_key", "name", "names", "level", "agency_type", "parent_key", "region", "division_code",
           "consolidated", "confirmed", "note")
READ_ONLY = ("years", "n_reports", "key_source", "level_source", "type_source", "parent_source",
             "region_source", "consolidated_source")
_TRUE = {"是", "yes", "y", "true", "1", "t", "✓"}
_FALSE = {"否", "no", "n", "false", "0", "f"}
_SPLIT = re.compile(r"\s*[;；|\n]\s*")


class RegistryError(ValueError):
    """The registry file cannot be used; ``problems`` lists every reason (with its line)."""

    def __init__(self, path: str, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: {len(problems)} problem(s) in the registry file:\n  " + "\n  ".join(problems))


@dataclass
class RegistryFile:
    """A validated registry file: one entry per key (dicts with :data:`COLUMNS`; ``names`` a list,
    booleans as bool or None) and the name → key table it implies."""

    path: str
    entries: dict[str, dict] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key -> line in the file

    def name_map(self) -> dict[str, str]:
        """Normalised name (key, name and names) → key."""
        out: dict[str, str] = {}
        for k, e in self.entries.items():
            for n in (k, e.get("name"), *e.get("names", [])):
                if n:
                    out[_clean(n)] = k
        return out


def _rows_csv(p: Path) -> list[list[str]]:
    text = p.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    delim = "\t" if p.suffix.lower() == ".tsv" or "\t" in first else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delim)]


def _rows_xlsx(p: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(p, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    out = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return out


def _bool(v: str, col: str, line: int, problems: list[str]) -> bool | None:
    s = v.strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    problems.append(f"line {line}: {col} {v!r} is not 是/否 (yes/no, true/false, 1/0)")
    return None


def read_registry(path: str | Path) -> RegistryFile:
    """Read and validate a registry file (``.csv``/``.tsv``/``.txt`` or ``.xlsx``).  Raises
    :class:`RegistryError` listing unknown columns, empty or duplicate keys, a name given to two
    keys, values outside the vocabularies, and cycles in ``parent_key``."""
    p = Path(path)
    if not p.is_file():
        raise RegistryError(str(p), ["no such file"])
    try:
        rows = _rows_xlsx(p) if p.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(p)
    except Exception as e:  # noqa: BLE001 - any unreadable file is one clear problem
        raise RegistryError(str(p), [f"cannot be read as {'Excel' if p.suffix.lower().startswith('.xls') else 'CSV'}: {e}"]) from e
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise RegistryError(str(p), ["the file is empty (a header with agency_key is needed)"])
    header = [h.strip() for h in rows[0]]
    problems: list[str] = []
    unknown = [h for h in header if h and h not in COLUMNS and h not in READ_ONLY]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}; the columns are: {', '.join(COLUMNS)}")
    if "agency_key" not in header:
        problems.append("no agency_key column")
        raise RegistryError(str(p), problems)
    dup_cols = sorted({h for h in header if h and header.count(h) > 1})
    if dup_cols:
        problems.append(f"column(s) given twice: {', '.join(dup_cols)}")
    reg = RegistryFile(str(p))
    name_owner: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(rows[1:], start=2):
        rec = {h: (row[j].strip() if j < len(row) else "") for j, h in enumerate(header) if h in COLUMNS}
        extra = [c for c in row[len(header):] if c.strip()]
        if extra:
            problems.append(f"line {i}: {len(extra)} value(s) beyond the header's columns ({', '.join(extra[:3])})")
        key = rec.get("agency_key", "")
        if not key:
            problems.append(f"line {i}: empty agency_key")
            continue
        if key in reg.entries:
            problems.append(f"line {i}: duplicate agency_key {key!r} (first on line {reg.lines[key]})")
            continue
        e = {c: (rec.get(c) or None) for c in COLUMNS}
        e["names"] = [n for n in _SPLIT.split(rec.get("names", "")) if n]
        if e["level"] and e["level"] not in LEVELS:
            problems.append(f"line {i}: level {e['level']!r} is not one of {'/'.join(LEVELS)}")
        if e["agency_type"] and e["agency_type"] not in TYPES:
            problems.append(f"line {i}: agency_type {e['agency_type']!r} is not one of {'/'.join(TYPES)}")
        if e["division_code"] and not re.fullmatch(r"\d{2}(?:\d{2}){0,2}", e["division_code"]):
            problems.append(f"line {i}: division_code {e['division_code']!r} is not a GB/T 2260 code (2, 4 or 6 digits)")
        e["consolidated"] = _bool(rec.get("consolidated", ""), "consolidated", i, problems)
        e["confirmed"] = bool(_bool(rec.get("confirmed", ""), "confirmed", i, problems))
        if e["parent_key"] == key:
            problems.append(f"line {i}: {key!r} is its own parent")
        for n in {_clean(x) for x in (key, e["name"], *e["names"]) if x}:
            owner = name_owner.get(n)
            if owner and owner[0] != key:
                problems.append(f"line {i}: name {n!r} is given to {key!r} and to {owner[0]!r} (line {owner[1]})")
            name_owner.setdefault(n, (key, i))
        reg.entries[key], reg.lines[key] = e, i
    problems += [f"line {reg.lines[c[0]]}: parent_key cycle {' → '.join(c)}" for c in parent_cycles(
        {k: e["parent_key"] for k, e in reg.entries.items()}) if len(c) > 2]  # self-parents: reported above
    if problems:
        raise RegistryError(str(p), problems)
    return reg


def parent_cycles(parents: dict[str, str | None]) -> list[list[str]]:
    """Every cycle in a key → parent map, each once, as [a, b, …, a] (self-parents included)."""
    cycles, done = [], set()
    for start in parents:
        path, seen, k = [], {}, start
        while k is not None and k in parents and k not in done:
            if k in seen:
                cyc = path[seen[k]:] + [k]
                cycles.append(cyc)
                break
            seen[k] = len(path)
            path.append(k)
            k = parents.get(k)
        done.update(path)
    return cycles


def write_registry(frame, path: str | Path) -> Path:
    """Write a registry frame (``frames.REGISTRY``) as an editable file: CSV (UTF-8 with BOM, opens in
    Excel) or ``.xlsx``; ``names`` joined by ``; ``, years as ``2019-2023``.  Feeding it back with
    ``--registry`` changes nothing until a cell is edited (then the edit's source reads ``registry``,
    or ``confirmed`` with 是 in ``confirmed``)."""
    import polars as pl

    p = Path(path)
    df = frame.select(
        "agency_key", "name",
        pl.col("names").list.eval(pl.element().struct.field("name")).list.join("; ").alias("names"),
        "level", "agency_type", "parent_key", "region", "division_code",
        pl.col("consolidated").replace_strict({True: "是", False: "否"}, default=None, return_dtype=pl.String),
        pl.lit("").alias("confirmed"), "note",
        pl.col("years").list.eval(pl.element().cast(pl.String)).list.join(",").alias("years"),
        "n_reports", *[c for c in READ_ONLY if c.endswith("_source")],
    )
    if p.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "registry"
        ws.append(df.columns)
        for row in df.iter_rows():
            ws.append(list(row))
        wb.save(p)
    else:
        p.write_bytes(b"\xef\xbb\xbf" + df.write_csv().encode("utf-8"))
    return p
