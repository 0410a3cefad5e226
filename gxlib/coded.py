"""What extraction produces: coded cells (table, row, col) and the per-document record of how."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class CodedCell:
    """One template cell as the document prints it."""

    table: str  # proactive | applications | reviews
    row: str  # row code from codes.tsv
    col: str  # column code
    value: float | None  # None: printed blank, or ambiguous
    raw: str  # printed text (fused text: the whole run)
    where: str  # provenance
    ambiguous: bool = False
    # how the value was settled: print (one reading) | identities (the template's identities
    # chose among readings) | ambiguous (several readings remain) | unreadable (none could be made)
    settled: str = "print"

    def __post_init__(self) -> None:
        if self.ambiguous and self.settled == "print":
            self.settled = "ambiguous"


_new = object.__new__


def as_printed(table: str, row: str, col: str, value: float | None, raw: str, where: str) -> CodedCell:
    """``CodedCell(table, row, col, value, raw, where)`` (settled by print) without the class call,
    whose __init__ is entered from C: every readable cell of a table is made here
    (tests/test_speed_exact.py checks that it sets every field)."""
    cell = _new(CodedCell)
    cell.table = table
    cell.row = row
    cell.col = col
    cell.value = value
    cell.raw = raw
    cell.where = where
    cell.ambiguous = False
    cell.settled = "print"
    return cell


@dataclass
class Extraction:
    template: str  # 2019 | 2021 | unknown (no template table found)
    cells: list[CodedCell] = field(default_factory=list)
    single_other: bool = False  # 表三 prints （六）其他处理 as one row
    problems: list[dict] = field(default_factory=list)  # findings-shaped dicts: what could not be read
    log: list[str] = field(default_factory=list)  # how each row was matched (for explain())
    resolved: int = 0  # fused runs: cells settled by the identities
    ambiguous: int = 0
    table_templates: dict[str, str] = field(default_factory=dict)  # table -> the template it prints
    # 表三 rows read so far, as reading choices for the one solver (gxlib.gridrows.settle_choices)
    choices: list = field(default_factory=list, repr=False)
    # each printed row label matched to a template row: {where, printed, table, row, score}
    matches: list[dict] = field(default_factory=list)
    # 第二十条 item → value cells a converter lifted out of that item's 表二 rows (gxlib.gridrows)
    lifted: dict = field(default_factory=dict, repr=False)

    def table_templates_text(self) -> str | None:
        names = {"proactive": "表二", "applications": "表三"}
        parts = [f"{names[t]} {v}" for t, v in self.table_templates.items() if t in names]
        return " · ".join(parts) or None
