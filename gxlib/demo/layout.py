"""The report as format-free blocks, and its three tables as printed grids.

Every renderer walks the same :class:`Report`: its ``blocks`` (title, headings, paragraphs,
tables, signature) and, for each table, the grid :func:`grid` builds from :mod:`gxlib.spec`
with the merges of the national forms (表二 of the 2019 form as Word exports it, on five
grid columns; the 2021 form's 表二 on four; 表三 on ten with the rowspan group cells; 表四
on fifteen).  Renderers only decide how a grid looks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from gxlib import spec

from .agencies import Agency

EXT = {"html": "html", "text": "txt", "pdf": "pdf", "docx": "docx"}

ITEM = spec.PROACTIVE_ITEM  # the 第二十条 item each 表二 row is reported under
INFO_CONTENT = "信息内容"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANTS = "申请人情况"


@dataclass(slots=True)
class GCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    kind: str = "data"  # title | head | label | group | data
    key: tuple[str, str, str] | None = None  # (table, row, col) for data cells


@dataclass(slots=True)
class TableGrid:
    code: str
    width: int
    rows: list[list[GCell]]


@dataclass
class Report:
    agency: Agency
    year: int
    template: str  # the template printed
    single_other: bool
    format: str
    values: dict  # (table, row, col) -> printed value (None = blank)
    raws: dict  # (table, row, col) -> printed text
    row_labels: dict  # (table, row) -> printed label
    published: date
    deadline: date
    blocks: list[tuple[str, object]] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)
    style: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.agency.key}_{self.year}.{EXT[self.format]}"

    @property
    def title(self) -> str:
        return f"{self.agency.name}{self.year}年政府信息公开工作年度报告"

    def app_rows(self) -> list[str]:
        return [r.code for r in spec.applications_rows(self.template, self.single_other)]

    def table_rows(self, table: str) -> tuple[spec.Row, ...]:
        if table == "applications":
            return spec.applications_rows(self.template, self.single_other)
        return spec.template(self.template)[table].rows

    def cell_order(self) -> list[tuple[str, str, str]]:
        """Every printed data cell in document order."""
        return [(t, r.code, c) for t in spec.TABLES for r in self.table_rows(t) for c in r.col_codes]

    def truth(self, data: bytes) -> dict:
        a = self.agency
        cells = []
        for key in self.cell_order():
            v = self.values[key]
            if isinstance(v, float) and v.is_integer() and key[2] != "amount":
                v = int(v)
            cells.append({"table": key[0], "row": key[1], "col": key[2], "value": v, "raw": self.raws[key]})
        return {
            "source": self.filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": self.format,
            "agency": a.name,
            "year": self.year,
            "template": self.template,
            "published": self.published.isoformat(),
            "cells": cells,
            "findings": [],
            "error": None,
            "faults": self.faults,
            "agency_key": a.key,
            "level": a.level,
            "type": a.type,
            "region": a.region,
            "province": a.province,
            "city": a.city,
            "county": a.county,
            "expected_template": spec.template_for_year(self.year),
            "period_start": f"{self.year}-01-01",
            "period_end": f"{self.year}-12-31",
            "deadline": self.deadline.isoformat(),
            "variants": {k: v for k, v in self.style.items() if k in ("single_other", "encoding", "html_page")}
            | {"single_other": self.single_other},
            "narrative": self.narrative,
            "synthetic": True,
        }


def grid(report: Report, table: str) -> TableGrid:
    if table == "proactive":
        return _grid_proactive(report)
    if table == "applications":
        return _grid_applications(report)
    return _grid_reviews(report)


def _data(report: Report, key: tuple[str, str, str], colspan: int = 1) -> GCell:
    return GCell(report.raws[key], colspan=colspan, key=key)


def _grid_proactive(report: Report) -> TableGrid:
    rows = spec.template(report.template)["proactive"].rows
    labels = report.row_labels
    out: list[list[GCell]] = []
    wide = report.template == "2019"
    width = 5 if wide else 4
    misaligned = report.style.get("t2_misaligned", False)
    item = None
    for row in rows:
        if ITEM[row.code] != item:
            item = ITEM[row.code]
            out.append([GCell(f"第二十条第{item}项", colspan=width, kind="title")])
            heads = [c.leaf for c in row.cols]
            if len(heads) == 3:
                out.append([GCell(INFO_CONTENT, kind="head"), GCell(heads[0], kind="head"),
                            GCell(heads[1], colspan=2, kind="head"), GCell(heads[2], kind="head")])
            elif len(heads) == 2:
                out.append([GCell(INFO_CONTENT, kind="head"), GCell(heads[0], colspan=2, kind="head"),
                            GCell(heads[1], colspan=2, kind="head")])
            else:
                out.append([GCell(INFO_CONTENT, kind="head"), GCell(heads[0], colspan=3, kind="head")])
            if not wide and len(heads) == 3:  # the 2021 form: four plain columns
                out[-1][2].colspan = 1
        keys = [("proactive", row.code, c) for c in row.col_codes]
        label = GCell(labels[("proactive", row.code)], kind="label")
        if len(keys) == 3:
            if not wide:
                cells = [_data(report, k) for k in keys]
            elif misaligned and ITEM[row.code] in ("（五）", "（六）"):
                # Word exports seen in the wild: data rows [2,1,1] under a [1,2,1] header
                cells = [_data(report, keys[0], 2), _data(report, keys[1]), _data(report, keys[2])]
            else:
                cells = [_data(report, keys[0]), _data(report, keys[1], 2), _data(report, keys[2])]
        elif len(keys) == 2:
            cells = [_data(report, keys[0], 2), _data(report, keys[1], 2)]
        else:
            cells = [_data(report, keys[0], 3)]
        out.append([label, *cells])
    return TableGrid("proactive", width, out)


def _grid_applications(report: Report) -> TableGrid:
    rows = report.table_rows("applications")
    cols = rows[0].cols
    applicant_group = cols[1].label.split(" / ")[0].strip()  # 法人或其他组织
    out: list[list[GCell]] = [
        [GCell(T3_NOTE, colspan=3, rowspan=3, kind="head"), GCell(T3_APPLICANTS, colspan=7, kind="head")],
        [GCell(cols[0].leaf, rowspan=2, kind="head"), GCell(applicant_group, colspan=5, kind="head"),
         GCell(cols[-1].leaf, rowspan=2, kind="head")],
        [GCell(c.leaf, kind="head") for c in cols[1:-1]],
    ]
    codes = [r.code for r in rows]
    outcome = spec.outcome_rows(codes)
    top_group = rows[codes.index("granted")].group
    sub_counts: dict[str, int] = {}
    for r in rows:
        if r.code in outcome and r.code != "granted" and r.group:
            sub_counts[r.group] = sub_counts.get(r.group, 0) + 1
    seen: set[str] = set()
    for r in rows:
        label = report.row_labels[("applications", r.code)]
        line: list[GCell] = []
        if r.code not in outcome:
            line.append(GCell(label, colspan=3, kind="label"))
        else:
            if r.code == "granted":
                line.append(GCell(top_group, rowspan=len(outcome), kind="group"))
            sub = r.group if r.code != "granted" else None
            if sub:
                if sub not in seen:
                    seen.add(sub)
                    line.append(GCell(sub, rowspan=sub_counts[sub], kind="group"))
                line.append(GCell(label, kind="label"))
            else:
                line.append(GCell(label, colspan=2, kind="label"))
        line.extend(_data(report, ("applications", r.code, c)) for c in r.col_codes)
        out.append(line)
    return TableGrid("applications", 10, out)


def _grid_reviews(report: Report) -> TableGrid:
    rows = spec.template(report.template)["reviews"].rows
    parts = [c.leaf for c in rows[0].cols]
    out = [
        [GCell(report.row_labels[("reviews", rows[0].code)], colspan=5, kind="head"), GCell(rows[1].group, colspan=10, kind="head")],
        [*(GCell(p, rowspan=2, kind="head") for p in parts),
         GCell(report.row_labels[("reviews", rows[1].code)], colspan=5, kind="head"),
         GCell(report.row_labels[("reviews", rows[2].code)], colspan=5, kind="head")],
        [GCell(p, kind="head") for p in parts * 2],
        [_data(report, ("reviews", r.code, c)) for r in rows for c in r.col_codes],
    ]
    return TableGrid("reviews", 15, out)


def placements(g: TableGrid) -> list[tuple[GCell, int, int]]:
    """Each cell with its top-left grid position (row, column), rowspans resolved."""
    occupied: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(g.rows):
        col = 0
        for cell in row:
            while (r, col) in occupied:
                col += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    occupied.add((r + dr, col + dc))
            out.append((cell, r, col))
            col += cell.colspan
    return out
