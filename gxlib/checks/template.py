"""Template conformance: the year's template, its tables, rows and sections."""

from __future__ import annotations

import re
from functools import cache


from .. import spec
from ..document import SECTION_NUMERALS
from ..spec import template_for_year
from .base import TABLE_ZH, _Ctx, _rule, row_zh

_TEMPLATED = ("2019", "2021")


def _report_template(ctx: _Ctx) -> str | None:
    return ctx.report.get("template")


@_rule("template.year_mismatch", "warning", "report", "模板与年度不符",
       "{year} 年度报告应使用 {want} 版模板，但 表格为 {got} 版")
def _template_year(ctx: _Ctx) -> None:
    """The detected template differs from the one the report year calls for (≤2018 older,
    2019–2020 the 2019 template, 2021 on the 2021 template).  An undetected template
    (``unknown``) is not a mismatch."""
    got = _report_template(ctx)
    year = ctx.report.get("year")
    want = ctx.report.get("expected_template") or template_for_year(year)
    if not got or got == "unknown" or not want or got == want:
        return
    name = {"older": "2019年以前（无国家统一表格）"}
    ctx.find("template.year_mismatch", year=year, want=name.get(want, want), got=name.get(got, got))


@_rule("template.missing_table", "error", "report", "缺少表格", "未见 {table}（{title}）")
def _missing_table(ctx: _Ctx) -> None:
    """A 2019/2021-template report prints no cell of 表二, 表三 or 表四 — and a report of a
    templated year (2019 on) in which no template table could be read at all misses all three."""
    tpl = _report_template(ctx)
    if tpl not in _TEMPLATED and not (tpl == "unknown" and ctx.report.get("expected_template") in _TEMPLATED):
        return
    pictured = _listed(ctx.report.get("pictured_tables"))  # printed as pictures: extract.table_image says so
    unread = [t for t in _unread(ctx, printed=False) if t not in pictured]
    pages = _listed(ctx.report.get("unread_pages"))
    if pages and unread:  # the tables may stand on the pages no text could be read from
        ctx.find("template.unread_pages", pages="、".join(pages),
                 tables="、".join(TABLE_ZH[t] for t in unread))
        return
    for t in unread:
        ctx.find("template.missing_table", t, table=TABLE_ZH[t], title=spec.TABLE_TITLE[t])


@_rule("template.unread_pages", "warning", "report", "扫描页未能读取",
       "第 {pages} 页只有图像（扫描件），没有文字层，未能读取；{tables} 未读出，其数值未知，未计入（不是缺表）")
def _unread_pages(ctx: _Ctx) -> None:
    """Reported by :func:`_missing_table`: a PDF some of whose pages are images only (scanned in)
    and a table not read — it may be printed on those pages, so it is unknown, not missing."""


def _listed(value) -> tuple[str, ...]:
    """A REPORTS row's ``unread_pages`` / ``pictured_tables``: comma-separated as stored (a sequence is
    taken too); null (a corpus written before the columns were added) is none."""
    if not value:
        return ()
    return tuple(x.strip() for x in value.split(",") if x.strip()) if isinstance(value, str) else tuple(map(str, value))


def _unread(ctx: _Ctx, printed: bool) -> list[str]:
    """The tables with no cell read whose headings the text does (``printed``) or does not print."""
    text = "".join(ctx.sections.values()) if ctx.sections else ""
    return [t for t in spec.TABLES if t not in ctx.cells.rows and _headings_printed(text, t) == printed]


def _headings_printed(text: str, table: str) -> bool:
    """Does the text print at least three of the table's column or row headings (either template)?
    Then the table is there, only not read as cells (a PDF table drawn without ruling lines)."""
    return bool(text) and sum(h in text for h in _headings(table)) >= 3


@cache
def _headings(table: str) -> frozenset[str]:
    out = set()
    for tpl in spec.TEMPLATES:
        for r in spec.template(tpl)[table].rows:
            out |= {c.leaf for c in r.cols} | {re.sub(r"^\d+\.|^（.）|^[一二三四]、", "", r.leaf)}
    return frozenset(h for h in out if len(h) >= 4)


@_rule("template.unread_table", "warning", "report", "表格未能读取",
       "{table} 的表头已印出，但未能按单元格读出数值（如 PDF 中没有框线的表格），其数值未知，未计入")
def _unread_table(ctx: _Ctx) -> None:
    """A table whose column headings the text prints but whose cells no reader could read (a PDF
    table drawn without ruling lines): its values are unknown, not missing (template.missing_table
    is not reported for it)."""
    tpl = _report_template(ctx)
    if tpl not in _TEMPLATED and not (tpl == "unknown" and ctx.report.get("expected_template") in _TEMPLATED):
        return
    for t in _unread(ctx, printed=True):
        ctx.find("template.unread_table", t, table=TABLE_ZH[t])


def _row_variants(tpl: str, table: str) -> tuple[set[str], set[str]]:
    """(required rows, allowed rows) of a table; （六） may be one row or three in either template."""
    rows = set(spec.template(tpl)[table].row_codes)
    if table != "applications":
        return rows, rows
    six = {spec.OTHER_SINGLE_ROW, *spec.OTHER_SUB_ROWS}
    return rows - six, rows | six


@_rule("template.missing_row", "warning", "report", "缺少行", "{table} 未见 {row} 行")
def _missing_row(ctx: _Ctx) -> None:
    """A row of the template is absent from a table the report prints (for 表三 （六）其他处理
    may be printed as one row or as the 2021 template's three sub-rows)."""
    tpl = _report_template(ctx)
    if tpl not in _TEMPLATED:
        return
    for t in spec.TABLES:
        have = set(ctx.cells.rows.get(t, []))
        if not have:
            continue
        required, _ = _row_variants(tpl, t)
        if t == "applications" and spec.OTHER_SINGLE_ROW not in have and not (have & set(spec.OTHER_SUB_ROWS)):
            required = required | ({spec.OTHER_SINGLE_ROW} if tpl == "2019" else set(spec.OTHER_SUB_ROWS))
        for r in spec.template(tpl)[t].row_codes + ((spec.OTHER_SINGLE_ROW,) if tpl == "2021" else ()):
            if r in required and r not in have:
                ctx.find("template.missing_row", t, r, table=TABLE_ZH[t], row=row_zh(t, r))


@_rule("template.unknown_row", "info", "report", "模板外的行", "{table} 有模板（{tpl} 版）以外的行 {row}")
def _unknown_row(ctx: _Ctx) -> None:
    """A table holds a row the detected template does not have (e.g. a 2019-template row in a
    2021-template report)."""
    tpl = _report_template(ctx)
    if tpl not in _TEMPLATED:
        return
    for t, rows in ctx.cells.rows.items():
        if t not in spec.TABLES:
            continue
        _, allowed = _row_variants(tpl, t)
        for r in rows:
            if r not in allowed:
                ctx.find("template.unknown_row", t, r, table=TABLE_ZH.get(t, t), row=row_zh(t, r), tpl=tpl)


# A second look for a heading the section split missed (e.g. a heading glued to a table's last
# number in flattened crawler text: 「…24252.311082三、收到和处理…」).
_HEADINGS = {
    "一": re.compile(r"一\s*[、.．]\s*(?:总体情况|概述|综述|基本情况)"),
    "二": re.compile(r"二\s*[、.．]\s*主动公开"),
    "三": re.compile(r"三\s*[、.．]\s*(?:收到和处理|收到、处理|本年度?收到|政府信息依申请公开|依申请公开)"),
    "四": re.compile(r"四\s*[、.．]\s*(?:政府信息公开(?:的)?行政复议|因政府信息公开|行政复议|政府信息公开申请行政复议)"),
    "五": re.compile(r"五\s*[、.．]\s*(?:存在的主要问题|政府信息公开工作存在|主要问题|存在(?:的)?问题)"),
    "六": re.compile(r"六\s*[、.．]\s*(?:其他需要报告|其他|\d{4}年)"),
}


@_rule("template.missing_section", "warning", "report", "缺少章节", "未见第 {missing} 部分（报告应有 一至六 六个部分）")
def _missing_section(ctx: _Ctx) -> None:
    """A 2019/2021-template report lacks one of the six sections 一 总体情况 … 六 其他需要报告的事项
    (needs the section split; not checked without it)."""
    if ctx.sections is None or _report_template(ctx) not in _TEMPLATED or ctx.report.get("unread_pages"):
        return  # (sections on pages with no text layer are not missing: template.unread_pages)
    body = "\n".join(ctx.sections.values())
    missing = [n for n in SECTION_NUMERALS if n not in ctx.sections and not _HEADINGS[n].search(body)]
    if missing:
        ctx.find("template.missing_section", missing="、".join(missing))
