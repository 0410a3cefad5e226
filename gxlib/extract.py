"""Template-driven extraction: any Document's grids → coded cells (table, row, col).

(Work in progress by the lead: the matcher is being written.  The data class below is
the stable interface readers and the fused-text solver produce into.)
"""

from __future__ import annotations

from dataclasses import dataclass


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
