"""The two national templates as data: tables, rows, columns, labels, units and identities.

Everything in gxlib that needs to know what a template looks like imports this module:
the extractor (labels to match), the checks (identities), the demo generator (what to
render) and the charts (Chinese labels).  The facts come from ``spec_data/codes.tsv``
(one line per cell: template, table, row, row_label, col, col_label, unit); the label
variants seen in the wild and the identities are written down here, once.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources

TEMPLATES = ("2019", "2021")
TABLES = ("proactive", "applications", "reviews")
TABLE_NUMBER = {"proactive": "二", "applications": "三", "reviews": "四"}
TABLE_TITLE = {
    "proactive": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "reviews": "政府信息公开行政复议、行政诉讼情况",
}
APPLICANT_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
REVIEW_PARTS = ("upheld", "corrected", "other", "pending")
REVIEW_ROWS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
# The 第二十条 item each 表二 row is reported under (the table prints the item as a title row).
PROACTIVE_ITEM = {
    "regulations": "（一）",
    "normative_documents": "（一）",
    "licensing": "（五）",
    "other_services": "（五）",
    "penalties": "（六）",
    "coercion": "（六）",
    "fees": "（八）",
    "procurement": "（九）",
}
# A note printed beside a value (「55（含自然失效 29 件）」) that names a way a text leaves force
# belongs to the 本年废止件数 column: revising a 规章 repeals its old text, and reports count it so.
NOTE_COLUMNS = {"repealed": ("废止", "失效", "修订", "修改")}


def template_for_year(year: int | None) -> str | None:
    """The template a report of ``year`` should use (国办公开办函〔2019〕60号 / 〔2021〕30号)."""
    if year is None:
        return None
    if year <= 2018:
        return "older"
    return "2019" if year <= 2020 else "2021"


def label_parts(label: str) -> list[str]:
    """codes.tsv writes a label's group and leaf as ``group / leaf`` (the slash has a space before it)."""
    return re.split(r"\s+/\s*", label)


@dataclass(frozen=True)
class Column:
    code: str
    label: str  # official label, group / leaf joined by " / "
    unit: str

    @cached_property  # (asked for every value of every row read)
    def leaf(self) -> str:
        return label_parts(self.label)[-1]


@dataclass(frozen=True)
class Row:
    code: str
    label: str  # official label, group / leaf joined by " / "
    cols: tuple[Column, ...]

    @cached_property
    def leaf(self) -> str:
        """The label printed in the row's own cell (e.g. ``1.属于国家秘密``)."""
        return re.sub(r"\s*\(.*\)$", "", label_parts(self.label)[-1])

    @property
    def group(self) -> str | None:
        parts = label_parts(self.label)
        return parts[-2] if len(parts) > 1 else None

    @property
    def col_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.cols)


@dataclass(frozen=True)
class Table:
    template: str
    code: str
    rows: tuple[Row, ...]

    @property
    def number(self) -> str:
        return TABLE_NUMBER[self.code]

    @property
    def title(self) -> str:
        return TABLE_TITLE[self.code]

    def row(self, code: str) -> Row:
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(f"{self.template}/{self.code} has no row {code!r}")

    @property
    def row_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rows)


@dataclass(frozen=True)
class Template:
    code: str
    tables: dict[str, Table] = field(hash=False)

    def __getitem__(self, table: str) -> Table:
        return self.tables[table]

    def cells(self) -> list[tuple[str, str, str]]:
        """Every (table, row, col) of the template, in document order."""
        return [(t.code, r.code, c.code) for t in self.tables.values() for r in t.rows for c in r.cols]


@cache
def _codes_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("gxlib").joinpath("spec_data/codes.tsv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines(), delimiter="\t"))


@cache
def template(code: str) -> Template:
    """The template ``"2019"`` or ``"2021"`` as data."""
    if code not in TEMPLATES:
        raise KeyError(f"no national template {code!r} (known: {', '.join(TEMPLATES)})")
    tables: dict[str, dict[str, tuple[str, list[Column]]]] = {}
    for rec in _codes_rows():
        if rec["template"] != code:
            continue
        rows = tables.setdefault(rec["table"], {})
        label, cols = rows.setdefault(rec["row"], (rec["row_label"], []))
        cols.append(Column(rec["col"], rec["col_label"], rec["unit"]))
    return Template(
        code,
        {
            t: Table(code, t, tuple(Row(r, lab, tuple(cols)) for r, (lab, cols) in rows.items()))
            for t, rows in ((t, tables[t]) for t in TABLES)
        },
    )


# The single-row （六）其他处理 of the 2019 template also appears in 2021-template reports.
OTHER_SINGLE_ROW = "other"
OTHER_SUB_ROWS = ("other_no_correction", "other_unpaid_fee", "other_misc")


def applications_rows(tpl: str, single_other: bool = False) -> tuple[Row, ...]:
    """表三's rows as a report prints them (2021 reports may print （六） as one row)."""
    rows = template(tpl)["applications"].rows
    if tpl == "2021" and single_other:
        other = template("2019")["applications"].row(OTHER_SINGLE_ROW)
        out: list[Row] = []
        for r in rows:
            if r.code == OTHER_SUB_ROWS[0]:
                out.append(other)
            elif r.code not in OTHER_SUB_ROWS:
                out.append(r)
        return tuple(out)
    return rows


# 表三's outcome rows: the parts that add up to （七）总计.
def outcome_rows(row_codes: tuple[str, ...] | list[str]) -> list[str]:
    codes = list(row_codes)
    return codes[codes.index("granted") : codes.index("total_handled")]


def all_row_codes(table: str) -> set[str]:
    return {r.code for t in TEMPLATES for r in template(t)[table].rows}


def col_label(table: str, col: str) -> str:
    for t in TEMPLATES:
        for r in template(t)[table].rows:
            for c in r.cols:
                if c.code == col:
                    return c.leaf
    raise KeyError(col)


def row_display(table: str, row: str, tpl: str | None = None, *, with_group: bool = False) -> str:
    """A row's label for messages, tables and charts: the printed leaf without the template's
    parenthetical note (（二）部分公开); ``with_group`` prefixes numbered sub-items with their group
    (（三）不予公开 1.属于国家秘密) and names 表四's rows in full (行政诉讼（复议后起诉）); ``tpl``
    picks the template whose wording to use (规范性文件 2019, 行政规范性文件 2021)."""
    for t in ((tpl,) if tpl in TEMPLATES else ()) + TEMPLATES:
        try:
            r = template(t)[table].row(row)
        except KeyError:
            continue
        leaf = re.sub(r"（区分处理的.*$", "", r.leaf)
        if with_group and r.group and (table == "reviews"):
            return f"{r.group}（{leaf}）"
        if with_group and r.group and re.match(r"^\d", leaf):
            return f"{r.group} {leaf}"
        return leaf
    return row


def row_label(table: str, row: str) -> str:
    for t in TEMPLATES:
        for r in template(t)[table].rows:
            if r.code == row:
                return r.leaf
    raise KeyError(row)


# ---------------------------------------------------------------------------------------
# Label normalisation: the variants real reports print for the same official label.
_FULLWIDTH = str.maketrans("()（）:：;；,，" + "".join(map(chr, range(0xFF10, 0xFF1A))), "（）（）：：；；，，0123456789")
_ITEM_NUMBER = re.compile(r"^(\d+)\s*[、.．,，]\s*")  # 1、 1. 1． 1， → 1.
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_QUOTES = re.compile(r"[\"'“”‘’「」]")


def _enclosed() -> dict[int, str]:
    """Item numbers printed as one enclosed character (Word's numbering, OCR): ㈠ → （一）,
    ⑴ → （1）, ⒈ → 1., ① → 1. (Unicode's NFKC says what each encloses; a circled number as a
    label's item number is the number's item)."""
    out = {}
    for cp in (*range(0x2460, 0x2500), *range(0x3200, 0x3260)):
        n = unicodedata.normalize("NFKC", chr(cp))
        if n != chr(cp) and (n[0] in "(" or n[-1] == "." or n.isdigit()):
            out[cp] = (n + "." if n.isdigit() else n).translate(_FULLWIDTH)
    return out


_ENCLOSED = _enclosed()


@lru_cache(maxsize=65536)
def normalize_label(text: str) -> str:
    """Fold the harmless variants of a printed label: spaces inside it, half/full-width
    brackets and digits, ``1、`` vs ``1.``, quote styles.  Wording differences (typos,
    规范性文件 vs 行政规范性文件) are left to the matcher."""
    s = _SPACE.sub("", text).translate(_FULLWIDTH).translate(_ENCLOSED)
    s = _QUOTES.sub("", s)
    return _ITEM_NUMBER.sub(r"\1.", s)
