"""``read_report(path)``: reader → extract → narrative → checks → frames, for one file.

A :class:`Report` holds the tidy frames (schemas in :mod:`gxlib.frames`) and the layers
behind them (``document``, ``extraction``) so a user can see why a value came out as it did.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from . import PARSER_VERSION, frames, spec
from .document import Document
from .errors import NotAReport
from .checks import check_records
from .extract import Extraction, extract
from .identity import identity_signals
from .metadata import Metadata, read_metadata
from .narrative import narrative_records
from .second_report import first_report
from .readers import read_document
from .script import folded_finding

_OLDER_MARKERS = ("指标名称", "计量单位", "历年累计", "受理依申请公开信息总数")


@dataclass
class Report:
    """One report: the layers (``document``, ``metadata``, ``extraction``) and its rows.

    The tidy frames (``reports``, ``cells``, ``narrative``, ``findings``; schemas in
    :mod:`gxlib.frames`) are built from the rows on first access, so a parse that only needs
    the JSON contract, or a corpus batch that concatenates rows of many reports, builds none.
    """

    document: Document
    metadata: Metadata
    extraction: Extraction
    rows: dict[str, list[dict]]  # frame name -> rows (dicts with that frame's columns)

    @cached_property
    def reports(self) -> pl.DataFrame:
        return frames.frame("reports", self.rows["reports"])

    @cached_property
    def cells(self) -> pl.DataFrame:
        return frames.frame("cells", self.rows["cells"])

    @cached_property
    def narrative(self) -> pl.DataFrame:
        return frames.frame("narrative", self.rows["narrative"])

    @cached_property
    def findings(self) -> pl.DataFrame:
        return frames.frame("findings", self.rows["findings"])

    @property
    def report_id(self) -> str:
        return self.rows["reports"][0]["report_id"]

    @property
    def template(self) -> str:
        return self.rows["reports"][0]["template"]

    def table(self, name: str, *, labels: bool = False) -> pl.DataFrame:
        """A wide view of one table (表三 as 25×7): rows in printed order, one column per
        template column; ``labels=True`` uses the official Chinese labels instead of codes."""
        sub = self.cells.filter(pl.col("table") == name)
        if sub.is_empty():
            return pl.DataFrame()
        wide = sub.pivot(on="col", index="row", values="value", aggregate_function="first", maintain_order=True)
        if labels:
            wide = wide.with_columns(pl.col("row").replace_strict({r: spec.row_label(name, r) for r in wide["row"]}))
            wide = wide.rename({c: spec.col_label(name, c) for c in wide.columns if c != "row"} | {"row": "项目"})
        return wide

    def where(self, table: str, row: str, col: str) -> dict[str, Any]:
        """Where a value came from: raw text and its place in the source."""
        hit = self.cells.filter((pl.col("table") == table) & (pl.col("row") == row) & (pl.col("col") == col))
        if hit.is_empty():
            raise KeyError(f"the report prints no cell {table}.{row}.{col}")
        return hit.row(0, named=True) | {"source": self.document.source}

    def to_contract(self, *, provenance: bool = False) -> dict[str, Any]:
        """The ``gx parse --json`` object (../shared/spec/README.md), exactly.  ``provenance=True``
        adds each cell's ``where`` and each finding's ``expected``/``actual`` (``--where``)."""
        rep = self.rows["reports"][0]
        finding_keys = ("rule", "severity", "message", "table", "row", "col")
        if provenance:
            finding_keys += ("expected", "actual")
        return {
            "source": rep["source"],
            "sha256": rep["sha256"],
            "format": rep["format"],
            "agency": rep["agency"],
            "year": rep["year"],
            "template": rep["template"],
            "published": rep["published"].isoformat() if rep["published"] else None,
            "cells": [_contract_cell(c, provenance) for c in self.rows["cells"]],
            "findings": [{k: f.get(k) for k in finding_keys} for f in self.rows["findings"]],
            "error": None,
        }

    def to_json(self, *, provenance: bool = False) -> str:
        return json.dumps(self.to_contract(provenance=provenance), ensure_ascii=False)


def _contract_cell(c: dict, provenance: bool) -> dict:
    value = c["value"]
    if value is not None and float(value).is_integer() and c["col"] not in ("amount",):
        value = int(value)
    out = {"table": c["table"], "row": c["row"], "col": c["col"], "value": value, "raw": c["raw"]}
    if c["ambiguous"]:
        out["ambiguous"] = True  # as the gold files mark cells the document alone cannot settle
    if provenance:
        out["where"] = c["where"]
    return out


def read_report(path: str | Path, *, data: bytes | None = None, check: bool = True) -> Report:
    """Read one report file into frames (raises a :class:`gxlib.errors.GxError` on bad input)."""
    doc = read_document(path, data)
    return build_report(doc, check=check)


def build_report(doc: Document, *, check: bool = True) -> Report:
    doc, second = first_report(doc)  # a page printing a second (older) report after this one
    meta = read_metadata(doc)
    ex = extract(doc, spec.template_for_year(meta.year) if meta.year else None)
    if second:
        ex.problems.append(second)
    template = ex.template
    if template != "unknown" and not ex.cells:
        ex.template = template = "unknown"  # the year's template was tried and no table was read
    if template == "unknown" and (_is_older(doc, meta)):
        template = "older"
    if template == "unknown" and meta.title is None:
        raise NotAReport(f"{doc.source}: no annual-report title and no template table")
    if template == "older":
        ex.cells.clear()
    report_id = doc.sha256[:16]
    pictured = _pictured_tables(doc, ex)
    report_row = _report_row(report_id, doc, meta, template, ex)
    # stored with the report, so the checks run on the stored frames know them as the fresh read does
    report_row["unread_pages"] = ",".join(map(str, doc.unread_pages)) or None
    report_row["pictured_tables"] = ",".join(p["table"] for p in pictured) or None
    cells = [
        {"report_id": report_id, "table": c.table, "row": c.row, "col": c.col, "value": c.value, "raw": c.raw,
         # an unreadable cell is not settled by the document either: unknown wherever the frames
         # are read (metrics, aggregates, regional sums count ``ambiguous`` cells as unknown, never 0)
         "template": template, "ambiguous": c.ambiguous or c.settled == "unreadable", "settled": c.settled,
         "where": c.where}
        for c in ex.cells
    ]
    narrative = narrative_records(report_id, doc.text, doc.sections)
    findings = [_finding(p, report_id) for p in ex.problems + pictured]
    if doc.folded:
        findings.insert(0, _finding(folded_finding(doc), report_id))
    if check:
        findings += [_finding(f, report_id) for f in check_records(report_row, cells, narrative, doc.sections,
                                                                   coded=ex.cells)]
    rows = {"reports": [report_row], "cells": cells, "narrative": narrative, "findings": findings}
    return Report(doc, meta, ex, rows)


def _pictured_tables(doc: Document, ex: Extraction) -> list[dict]:
    """A template table of which no cell was read while its section prints images only (a site
    that put the table up as a picture): its cells are unknown, not missing and never 0."""
    if not doc.images:
        return []
    read = {c.table for c in ex.cells}
    out = []
    for table, sec in spec.TABLE_NUMBER.items():  # 表N is printed in section N
        n = doc.images.get(sec, 0)
        if n and table not in read:
            out.append({"rule": "extract.table_image", "severity": "warning", "table": table, "row": None, "col": None,
                        "message": f"表{spec.TABLE_NUMBER[table]}（{spec.TABLE_TITLE[table]}）在第{sec}部分只印为图片"
                        f"（{n} 张），没有可读的表格文字：其数值未知，未计入（不是 0）"})
    return out


def _finding(f: dict, report_id: str) -> dict:
    return {k: f.get(k) for k in frames.FINDINGS} | {"report_id": report_id}


def _is_older(doc: Document, meta: Metadata) -> bool:
    if meta.year is not None and meta.year <= 2018:
        return True
    head = doc.text
    return sum(m in head for m in _OLDER_MARKERS) >= 2


def _report_row(report_id: str, doc: Document, meta: Metadata, template: str, ex: Extraction) -> dict:
    who = _describe(meta.agency)
    settled = Counter([c.settled for c in ex.cells])  # one pass for the four counts
    return {
        "report_id": report_id,
        "source": doc.source,
        "sha256": doc.sha256,
        "format": doc.format,
        "agency": meta.agency,
        **who,
        "year": meta.year,
        "template": template,
        "expected_template": spec.template_for_year(meta.year),
        "published": meta.published,
        "period_start": meta.period_start,
        "period_end": meta.period_end,
        "n_cells": len(ex.cells),
        "n_ambiguous": settled["ambiguous"],
        "n_by_print": settled["print"],
        "n_by_identities": settled["identities"],
        "n_unreadable": settled["unreadable"],
        "table_templates": ex.table_templates_text(),
        "parser_version": PARSER_VERSION,
        **identity_signals(doc),
    }


@lru_cache(maxsize=4096)  # a corpus repeats its agencies' names year after year
def _describe(agency: str | None) -> dict:
    from .agency import agency_key, describe_agency

    if not agency:
        return {}
    d = describe_agency(agency)
    return {
        "agency_key": agency_key(agency),
        "region": d.get("region"),
        "level": d.get("level"),
        "agency_type": d.get("agency_type"),
    }

