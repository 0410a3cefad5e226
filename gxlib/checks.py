"""The checks: the template's 勾稽关系 and other rules, written as data.

Every rule is a :class:`Rule` in :data:`RULES` (code → rule): a stable ``code`` that other
modules, the CLI and stored findings use, a ``severity``, a ``scope`` (``report``: one report
alone; ``corpus``: across the reports of one agency in a corpus), a Chinese title, a docstring
and a Chinese message template.  :func:`rules_table` lists them for the docs.

* :func:`check_report` runs the report-scope rules on one report's frames.
* :func:`check_corpus` runs the cross-year rules on a whole corpus as polars joins
  (no Python loop per report).

Semantics that keep the checker quiet when it should be:

* **Blank ≠ 0 in the data, but a blank cell counts as 0 in an identity** — except that an
  identity whose *stated* side (the total being checked) is blank is not checked, and the
  总计 column of 表三 left blank on every outcome row (a report that fills 总计 only for
  一/二/（七）/四) is "not filled", not an error.  Parts that are all blank while the stated
  total is non-zero *are* an error.
* **Ambiguous cells** (``ambiguous`` = True: the value could not be settled from the
  document) make every identity that involves them unchecked.
* **Rows absent** from the document are reported once (``template.missing_row``) and the
  identities needing them are not checked.
* Findings say what is wrong in words a reviewer accepts, with the template's labels:
  「表四 行政复议 总计 印为 0，但 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0 = 11」.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from . import frames, spec
from .document import SECTION_NUMERALS
from .spec import APPLICANT_COLS, REVIEW_PARTS, REVIEW_ROWS, template_for_year

# ---------------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # error | warning | info
    scope: str  # report | corpus
    title_zh: str
    doc: str
    message: str  # Chinese message template (str.format fields)
    func: Callable = field(repr=False, compare=False)


RULES: dict[str, Rule] = {}


def _rule(code: str, severity: str, scope: str, title_zh: str, message: str):
    def deco(func: Callable) -> Callable:
        RULES[code] = Rule(code, severity, scope, title_zh, (func.__doc__ or "").strip(), message, func)
        return func

    return deco


# Findings the readers emit while extracting (gxlib.extract, gxlib.fused), listed here so that
# every finding code is documented in one place: code -> (severity, title_zh, doc).
EXTRACT_RULES: dict[str, tuple[str, str, str]] = {
    "extract.partial_row": ("warning", "行不完整", "A printed row has fewer value cells than the template's columns."),
    "extract.hybrid_template": ("info", "混用两版模板",
                        "The tables follow different templates (e.g. a 2021 表二 with the 2019 one-row （六）其他处理)."),
    "extract.unplaced_rows": ("warning", "无行名的行无法定位",
                              "Rows of 表三 numbers with no label where the template's row order cannot place them."),
    "extract.unreadable": ("warning", "无法识别的数值", "A value cell's text is neither a number nor a blank mark."),
    "extract.ambiguous": ("warning", "数字串拆分不唯一",
                          "Fused crawler text: more than one split of a digit run satisfies every identity."),
    "extract.identity_broken": ("warning", "无拆分满足全部勾稽关系",
                                "Fused crawler text: no split satisfies every identity (the document's own "
                                "arithmetic is wrong); each row was split on its own."),
    "extract.unsplittable": ("warning", "数字串无法拆分", "Fused crawler text: a run cannot form the row's cells."),
    "extract.unmatched_label": ("warning", "未识别的行",
                                "A table row whose label is no template row: its numbers were not read."),
    "extract.duplicate_row": ("info", "重复的行", "A template row printed twice: the first is used."),
    "extract.extra_cells": ("warning", "多出的数值",
                            "A row prints more numbers than the template has columns: columns may be shifted."),
}


def rules_table() -> pl.DataFrame:
    """The rules as a frame (code, severity, scope, title_zh, doc) for the README and docs;
    scope ``extract`` marks findings the readers emit."""
    return pl.DataFrame(
        [{"code": r.code, "severity": r.severity, "scope": r.scope, "title_zh": r.title_zh, "doc": r.doc}
         for r in RULES.values()]
        + [{"code": c, "severity": sev, "scope": "extract", "title_zh": t, "doc": d}
           for c, (sev, t, d) in EXTRACT_RULES.items()]
        + [{"code": c, "severity": sev, "scope": "registry", "title_zh": t, "doc": d}
           for c, (sev, t, d, _) in _registry_rules().items()],
        schema={"code": pl.String, "severity": pl.String, "scope": pl.String, "title_zh": pl.String,
                "doc": pl.String},
    )


def _registry_rules() -> dict:
    from .registry import RULES as REGISTRY_RULES  # registry findings: names, parents, roll-ups

    return REGISTRY_RULES


# ---------------------------------------------------------------------------------------------
# Labels and numbers for messages

TABLE_ZH = {t: f"表{n}" for t, n in spec.TABLE_NUMBER.items()}


def _fmt(x: float | None) -> str:
    if x is None:
        return "空白"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=4096)  # labels are the template's: one lookup per row, not one per report
def row_zh(table: str, row: str, tpl: str | None = None) -> str:
    """A row's label in a message: numbered sub-items with their group (（三）不予公开 1.属于国家秘密)."""
    return spec.row_display(table, row, tpl, with_group=True)


@lru_cache(maxsize=4096)
def col_zh(table: str, col: str) -> str:
    try:
        label = spec.col_label(table, col)
    except KeyError:
        return col
    if table == "applications" and col == "other_org":
        return "其他（法人或其他组织）"
    return label


# ---------------------------------------------------------------------------------------------
# One report's cells as a lookup


@dataclass(slots=True)
class _Cell:
    value: float | None
    ambiguous: bool


class _Cells:
    def __init__(self, cells: list[dict]):
        self.map: dict[tuple[str, str, str], _Cell] = {
            (x["table"], x["row"], x["col"]): _Cell(x["value"], bool(x.get("ambiguous"))) for x in cells
        }
        rows: dict[str, dict[str, None]] = {}  # table -> its rows in order of first appearance
        for t, r, _c in self.map:
            rows.setdefault(t, {})[r] = None
        self.rows: dict[str, list[str]] = {t: list(rs) for t, rs in rows.items()}

    def get(self, t: str, r: str, c: str) -> _Cell | None:
        return self.map.get((t, r, c))

    def has_row(self, t: str, r: str) -> bool:
        return r in self.rows.get(t, [])


def _eq(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-6)


@dataclass
class _Ctx:
    report: dict
    cells: _Cells
    narrative: list[dict]  # NARRATIVE rows of this report
    sections: dict[str, str] | None
    out: list[dict] = field(default_factory=list)

    @property
    def rid(self) -> str | None:
        return self.report.get("report_id")

    def find(self, rule: str, table=None, row=None, col=None, expected=None, actual=None, /, **fields) -> None:
        r = RULES[rule]
        fields.setdefault("expected", _fmt(expected))
        fields.setdefault("actual", _fmt(actual))
        self.out.append(
            {"report_id": self.rid, "rule": rule, "severity": r.severity, "table": table, "row": row, "col": col,
             "expected": expected, "actual": actual, "message": r.message.format(**fields)}
        )


def _sum_identity(ctx: _Ctx, rule: str, table: str, stated: tuple[str, str], parts: list[tuple[str, str]],
                  prefix: str, skip_blank_total_column: bool = False) -> None:
    """stated cell = sum of part cells (blank parts count 0), with the skip rules of the module doc."""
    get = ctx.cells.map.get
    s = get((table, *stated))
    if s is None or s.value is None or s.ambiguous:
        return  # stated side absent, blank (not filled) or unsettled: nothing to check
    present = [(p, c) for p in parts if (c := get((table, *p))) is not None]
    if not present or any(c.ambiguous for _, c in present):
        return
    if skip_blank_total_column:
        if all(c.value is None for _, c in present):
            return  # the 总计 column left blank on every part row: not filled, not an error
        # a single 总计 cell left blank on a row whose applicant cells are printed: not filled;
        # the row's own cells stand in for it (table3.row_total does not check a blank 总计 either)
        filled = []
        for p, c in present:
            if c.value is None:
                row_cells = [ctx.cells.get(table, p[0], a) for a in APPLICANT_COLS]
                row_cells = [x for x in row_cells if x is not None]
                if any(x.ambiguous for x in row_cells):
                    return
                c = _Cell(sum(x.value or 0.0 for x in row_cells), False)
            filled.append((p, c))
        present = filled
    total = sum(c.value or 0.0 for _, c in present)
    if _eq(total, s.value):
        return
    label = lambda p: row_zh(table, p[0]) if p[1] == stated[1] else col_zh(table, p[1])  # noqa: E731
    terms = " + ".join(f"{label(p)} {_fmt(c.value or 0.0)}" for p, c in present)
    ctx.find(rule, table, stated[0], stated[1], total, s.value, where=prefix, parts=terms)


# ---------------------------------------------------------------------------------------------
# 表三 / 表四 identities


def _app_cols() -> tuple[str, ...]:
    return (*APPLICANT_COLS, "total")


_NON_OUTCOME = ("new_received", "carried_over", "total_handled", "carried_forward")


def _outcome_rows(cells: _Cells) -> list[str]:
    """The outcome rows the report prints (（一）…（六）, either shape of （六）; when a report
    prints both the （六） subtotal row and its sub-rows, the sub-rows count, not both)."""
    rows = [r for r in cells.rows.get("applications", []) if r not in _NON_OUTCOME]
    if any(r in spec.OTHER_SUB_ROWS for r in rows):
        rows = [r for r in rows if r != spec.OTHER_SINGLE_ROW]
    return rows


@_rule("table3.balance", "error", "report", "表三 一+二 = （七）+四",
       "表三 {col} 列：一 本年新收 {n} + 二 上年结转 {c} = {lhs}，但 （七）总计 {t} + 四 结转下年度 {f} = {rhs}")
def _table3_balance(ctx: _Ctx) -> None:
    """表三, every column and 总计: 一 本年新收 + 二 上年结转 = （七）总计 + 四 结转下年度继续办理
    (the identity printed in the table header).  Blank cells count 0; a column whose four cells are
    all blank is not filled and not checked; in the 总计 column a side left entirely blank is not
    filled either."""
    rows = ("new_received", "carried_over", "total_handled", "carried_forward")
    for col in _app_cols():
        cs = [ctx.cells.get("applications", r, col) for r in rows]
        if any(c is None for c in cs) or any(c.ambiguous for c in cs):
            continue
        if all(c.value is None for c in cs):
            continue
        if col == "total" and (all(c.value is None for c in cs[:2]) or all(c.value is None for c in cs[2:])):
            continue
        n, c, t, f = (x.value or 0.0 for x in cs)
        if _eq(n + c, t + f):
            continue
        ctx.find("table3.balance", "applications", "total_handled", col, n + c, t + f,
                 col=col_zh("applications", col), n=_fmt(n), c=_fmt(c), lhs=_fmt(n + c), t=_fmt(t), f=_fmt(f),
                 rhs=_fmt(t + f))


@_rule("table3.total_handled", "error", "report", "表三 （七）总计 = （一）…（六）之和",
       "表三 （七）总计 {where} 印为 {actual}，但 {parts} = {expected}")
def _table3_total_handled(ctx: _Ctx) -> None:
    """表三, every column: （七）总计 = the sum of the outcome rows （一）…（六） including every
    sub-item (（六） as one row or as its three 2021 sub-rows, whichever the report prints)."""
    outs = _outcome_rows(ctx.cells)
    if not outs:
        return
    for col in _app_cols():
        _sum_identity(ctx, "table3.total_handled", "applications", ("total_handled", col),
                      [(r, col) for r in outs], "总计栏" if col == "total" else col_zh("applications", col),
                      skip_blank_total_column=(col == "total"))


@_rule("table3.row_total", "error", "report", "表三 总计列 = 六类申请人之和",
       "表三 {where} 总计 印为 {actual}，但 {parts} = {expected}")
def _table3_row_total(ctx: _Ctx) -> None:
    """表三, every row: 总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他."""
    for row in ctx.cells.rows.get("applications", []):
        _sum_identity(ctx, "table3.row_total", "applications", (row, "total"),
                      [(row, c) for c in APPLICANT_COLS], row_zh("applications", row))


@_rule("table4.row_total", "error", "report", "表四 总计 = 维持+纠正+其他+尚未审结",
       "表四 {where} 总计 印为 {actual}，但 {parts} = {expected}")
def _table4_row_total(ctx: _Ctx) -> None:
    """表四, every row (行政复议, 未经复议直接起诉, 复议后起诉): 总计 = 结果维持 + 结果纠正 +
    其他结果 + 尚未审结."""
    for row in REVIEW_ROWS:
        _sum_identity(ctx, "table4.row_total", "reviews", (row, "total"), [(row, c) for c in REVIEW_PARTS],
                      row_zh("reviews", row))


# ---------------------------------------------------------------------------------------------
# Template conformance

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
    for t in spec.TABLES:
        if t not in ctx.cells.rows:
            ctx.find("template.missing_table", t, table=TABLE_ZH[t], title=spec.TABLE_TITLE[t])


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
    if ctx.sections is None or _report_template(ctx) not in _TEMPLATED:
        return
    body = "\n".join(ctx.sections.values())
    missing = [n for n in SECTION_NUMERALS if n not in ctx.sections and not _HEADINGS[n].search(body)]
    if missing:
        ctx.find("template.missing_section", missing="、".join(missing))


# ---------------------------------------------------------------------------------------------
# Plausibility


@_rule("plausibility.negative", "error", "report", "负数", "{table} {row} {col} 印为 {actual}，该项不应为负数")
def _negative(ctx: _Ctx) -> None:
    """A count is negative.  Only 表二's 本年增/减 (2019 template ``change``) may be negative."""
    for (t, r, c), cell in ctx.cells.map.items():
        if cell.value is not None and cell.value < 0 and c != "change":
            ctx.find("plausibility.negative", t, r, c, None, cell.value, table=TABLE_ZH.get(t, t), row=row_zh(t, r),
                     col=col_zh(t, c))


@_rule("plausibility.non_integer", "error", "report", "件数非整数", "{table} {row} {col} 印为 {actual}，件数应为整数")
def _non_integer(ctx: _Ctx) -> None:
    """A count cell holds a non-integer (money, 表二 ``amount`` in 万元, may have decimals)."""
    for (t, r, c), cell in ctx.cells.map.items():
        if cell.value is not None and c != "amount" and not float(cell.value).is_integer():
            ctx.find("plausibility.non_integer", t, r, c, None, cell.value, table=TABLE_ZH.get(t, t),
                     row=row_zh(t, r), col=col_zh(t, c))


@_rule("plausibility.outcome_exceeds_total", "warning", "report", "办理结果超过申请总数",
       "表三 {row} {col} 为 {actual}，超过 一 本年新收 + 二 上年结转 = {expected}")
def _outcome_exceeds(ctx: _Ctx) -> None:
    """An outcome row （一）…（六） in a column is larger than 一 本年新收 + 二 上年结转 of that column
    (a column whose 一 and 二 are both blank is not checked)."""
    outs = _outcome_rows(ctx.cells)
    for col in _app_cols():
        n = ctx.cells.get("applications", "new_received", col)
        c = ctx.cells.get("applications", "carried_over", col)
        if n is None or c is None or n.ambiguous or c.ambiguous or (n.value is None and c.value is None):
            continue
        base = (n.value or 0.0) + (c.value or 0.0)
        for r in outs:
            cell = ctx.cells.get("applications", r, col)
            if cell is None or cell.ambiguous or cell.value is None:
                continue
            if cell.value > base + 1e-6:
                ctx.find("plausibility.outcome_exceeds_total", "applications", r, col, base, cell.value,
                         row=row_zh("applications", r), col=col_zh("applications", col))


# ---------------------------------------------------------------------------------------------
# Narrative vs tables

# measure -> (table, rows, part columns, wording)
NARRATIVE_TABLE = {
    "applications_received": ("applications", ("new_received",), APPLICANT_COLS, "收到申请"),
    "applications_concluded": ("applications", ("total_handled",), APPLICANT_COLS, "办结"),
    "applications_carried_forward": ("applications", ("carried_forward",), APPLICANT_COLS, "结转下年度"),
    "applications_granted": ("applications", ("granted",), APPLICANT_COLS, "予以公开"),
    "applications_granted_or_partial": ("applications", ("granted", "partially_granted"), APPLICANT_COLS,
                                        "予以公开及部分公开"),
    "reconsiderations": ("reviews", ("reconsideration",), REVIEW_PARTS, "行政复议"),
    "lawsuits": ("reviews", ("litigation_direct", "litigation_after_reconsideration"), REVIEW_PARTS, "行政诉讼"),
}


def _row_candidates(cells: _Cells, table: str, row: str, parts: tuple[str, ...]) -> list[float] | None:
    """What a row's count may be: its printed 总计 and/or the sum of its part columns.
    None when it cannot be told (row absent, ambiguous, nothing printed but blanks elsewhere)."""
    if not cells.has_row(table, row):
        return None
    tot = cells.get(table, row, "total")
    pcs = [cells.get(table, row, c) for c in parts]
    out: list[float] = []
    if tot is not None and not tot.ambiguous and tot.value is not None:
        out.append(tot.value)
    present = [c for c in pcs if c is not None]
    if present and not any(c.ambiguous for c in present):
        s = sum(c.value or 0.0 for c in present)
        if s not in out:
            out.append(s)
    if tot is not None and tot.ambiguous and not out:
        return None
    return out or None


@_rule("narrative.table_mismatch", "warning", "report", "正文数字与表格不符",
       "正文称 {what} {actual} {unit}，但 {table_terms}")
def _narrative_table(ctx: _Ctx) -> None:
    """A count stated in the text (收到申请N件, 办结N件, N件结转下年度, 予以公开N件, 予以公开及部分
    公开N件, 行政复议N件, 行政诉讼N件, and the zero statements) differs from the tables: 表三 一/（七）/
    四/（一）/（一）+（二） 总计, 表四 行政复议 总计, 未经复议直接起诉 + 复议后起诉 总计.  The table value
    may be the printed 总计 or the sum of its parts (a report that leaves 总计 blank); the text agrees
    when it matches either.  A measure stated several times is flagged only when no statement agrees."""
    if not ctx.narrative:
        return
    for measure, (table, rows, parts, what) in NARRATIVE_TABLE.items():
        stated = [x for x in ctx.narrative if x["measure"] == measure]
        if not stated:
            continue
        cands = [_row_candidates(ctx.cells, table, r, parts) for r in rows]
        if any(c is None for c in cands):
            continue
        sums = {0.0}
        for c in cands:
            sums = {a + b for a in sums for b in c}
        counts = [x["count"] for x in stated if x["count"] is not None]
        units = [x["unit"] for x in stated]
        if not counts or any(any(_eq(x, s) for s in sums) for x in counts):
            continue
        shown = [c[0] for c in cands]  # printed 总计 first, else the sum of parts
        if len(rows) == 1:
            terms = f"{TABLE_ZH[table]} {row_zh(table, rows[0])} 总计 为 {_fmt(shown[0])}"
        else:
            terms = (f"{TABLE_ZH[table]} " + " + ".join(f"{row_zh(table, r)} {_fmt(v)}" for r, v in zip(rows, shown))
                     + f" = {_fmt(sum(shown))}")
        ctx.find("narrative.table_mismatch", table, rows[0], "total", sum(shown), counts[0], what=what, unit=units[0] or "件", table_terms=terms)


@_rule("narrative.parts_sum", "warning", "report", "正文分项之和与总数不符",
       "正文{channel}：其中各项 {parts} = {expected}，但 所称{stated}")
def _narrative_parts(ctx: _Ctx) -> None:
    """A channel's categories stated after 其中 do not add up to the count they break down
    (「门户网站主动公开政务信息659条，其中工作动态类信息101条，…」 adding to 619).  其中 may refer to
    any count stated before it in the sentence (「报送信息总计154条，审发通过130条，其中…」 adds to the
    130 that passed); the statement is flagged only when the parts match none of them, and not
    when the parts are announced as a selection (…等, 其中主要…)."""
    from .narrative import statements

    if not ctx.narrative:
        return
    for rid, channel, st in statements(ctx.narrative):
        if rid != ctx.rid and ctx.rid is not None:
            continue
        if not st.exhaustive or len(st.parts) < 2:
            continue
        psum = sum(n for _, n, _ in st.parts)
        if any(_eq(psum, n) for _, n, _ in st.stated):
            continue
        nearest = st.stated[-1][1]
        said = "、".join(f"{_fmt(n)}条" for _c, n, _ in st.stated)
        ctx.find("narrative.parts_sum", None, channel, None, psum, nearest,
                 channel=f" {channel}" if channel else "", parts=" + ".join(_fmt(n) for _, n, _ in st.parts), stated=f"总数为 {said}" if len(st.stated) == 1 else f"的 {said} 均不相符")


# ---------------------------------------------------------------------------------------------
# Timeliness


def _as_date(x) -> dt.date | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except ValueError:
        return None


@_rule("timeliness.late", "warning", "report", "逾期发布",
       "{year} 年度报告 {published} 发布，晚于 {due} 的期限（{who}）{days} 天")
def _late(ctx: _Ctx) -> None:
    """条例 第四十九条: a department's report is due by 1月31日 of the next year, the 本级政府's by
    3月31日.  Unknown agency type: 3月31日 is used, and the message says so.  Needs the published
    date and the year."""
    pub = _as_date(ctx.report.get("published"))
    year = ctx.report.get("year")
    if pub is None or year is None:
        return
    kind = ctx.report.get("agency_type")
    if kind is None and ctx.report.get("agency") and "agency_type" not in ctx.report:
        from .agency import describe_agency

        kind = describe_agency(ctx.report["agency"]).get("agency_type")
    if kind == "部门":
        due, who = dt.date(year + 1, 1, 31), "部门报告 1月31日前"
    elif kind == "政府":
        due, who = dt.date(year + 1, 3, 31), "本级政府报告 3月31日前"
    else:
        due, who = dt.date(year + 1, 3, 31), "机关类型不明，按 3月31日 计"
    if pub > due:
        days = (pub - due).days
        ctx.find("timeliness.late", None, None, None, None, float(days), year=year, published=pub.isoformat(),
                 due=due.isoformat(), who=who, days=days)


# ---------------------------------------------------------------------------------------------
# Corpus-scope rules (their functions take frames; see check_corpus)


def _fmt_expr(e: pl.Expr) -> pl.Expr:
    return (
        pl.when(e.is_null())
        .then(pl.lit("空白"))
        .when(e == e.round(0))
        .then(e.cast(pl.Int64).cast(pl.String))
        .otherwise(e.cast(pl.String))
    )


def _col_zh_expr(table: str, e: pl.Expr) -> pl.Expr:
    cols = {c for t in spec.TEMPLATES for r in spec.template(t)[table].rows for c in r.col_codes}
    return e.replace_strict({c: col_zh(table, c) for c in cols}, default=e, return_dtype=pl.String)


def _keyed(reports: pl.DataFrame) -> pl.DataFrame:
    name = pl.col("agency") if "agency" in reports.columns else pl.lit(None, pl.String).alias("agency")
    return (
        reports.select("report_id", "agency_key", pl.col("year").cast(pl.Int32), "template", name)
        .filter(pl.col("agency_key").is_not_null() & pl.col("year").is_not_null())
        .unique("report_id")
    )


def _findings_frame(df: pl.DataFrame, rule: str) -> pl.DataFrame:
    r = RULES[rule]
    return df.select(
        pl.col("report_id"),
        pl.lit(rule).alias("rule"),
        pl.lit(r.severity).alias("severity"),
        *(pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, pl.String).alias(c)
          for c in ("table", "row", "col")),
        *(pl.col(c).cast(pl.Float64) if c in df.columns else pl.lit(None, pl.Float64).alias(c)
          for c in ("expected", "actual")),
        pl.col("message"),
    ).cast(dict(frames.FINDINGS))


@_rule("cross_year.carry_over", "error", "corpus", "上年结转 = 上年报告的结转下年度",
       "表三 二、上年结转 {col} 印为 {actual}，但 {prev_year} 年报告 四、结转下年度继续办理 {col} 为 {expected}")
def _carry_over(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """Same agency (``agency_key``), consecutive years: this year's 表三 二 上年结转 = last year's
    四 结转下年度继续办理, per column and 总计.  Blank counts 0; a blank 总计 stands for the sum of
    its row's applicant cells; both blank, or either ambiguous, is not checked.  When an agency has several reports for last year,
    this year's cell is flagged only when it matches none of them."""
    keyed = _keyed(reports)
    app = cells.filter(pl.col("table") == "applications").join(keyed, on="report_id")
    # a 总计 cell left blank stands for the sum of its row's applicant cells (0 for a blank row)
    parts = pl.col("value").filter(pl.col("col") != "total").sum().over("report_id", "row")
    app = app.with_columns(
        value=pl.when((pl.col("col") == "total") & pl.col("value").is_null()).then(parts).otherwise(pl.col("value"))
    )
    cur = app.filter(pl.col("row") == "carried_over").select(
        "report_id", "agency_key", "year", "col", cur=pl.col("value"), cur_amb=pl.col("ambiguous").fill_null(False),
        cur_name="agency",
    )
    prev = app.filter(pl.col("row") == "carried_forward").select(
        "agency_key", (pl.col("year") + 1).alias("year"), "col", prev=pl.col("value"),
        prev_amb=pl.col("ambiguous").fill_null(False), prev_name="agency",
    )
    j = cur.join(prev, on=["agency_key", "year", "col"]).filter(
        ~pl.col("cur_amb") & ~pl.col("prev_amb")
        & ~(pl.col("cur").is_null() & pl.col("prev").is_null())
    )
    j = j.with_columns(ok=(pl.col("cur").fill_null(0) - pl.col("prev").fill_null(0)).abs() < 1e-6)
    g = (
        j.group_by("report_id", "col", "year")
        .agg(pl.col("ok").any(), pl.col("cur").fill_null(0).first().alias("actual"),
             pl.col("prev").fill_null(0).first().alias("expected"),
             renamed=pl.col("prev_name").filter(pl.col("prev_name") != pl.col("cur_name")).first())
        .filter(~pl.col("ok"))
    )
    msg = RULES["cross_year.carry_over"].message
    g = g.with_columns(
        table=pl.lit("applications"), row=pl.lit("carried_over"),
        message=pl.format(
            re.sub(r"\{\w+\}", "{}", msg),
            _col_zh_expr("applications", pl.col("col")), _fmt_expr(pl.col("actual")),
            (pl.col("year") - 1).cast(pl.String), _col_zh_expr("applications", pl.col("col")),
            _fmt_expr(pl.col("expected")),
        )
        # the registry keeps one key across a rename: say which name last year's report printed
        + pl.when(pl.col("renamed").is_not_null()).then(pl.format("（上年报告署名「{}」）", pl.col("renamed")))
        .otherwise(pl.lit("")),
    )
    return _findings_frame(g.sort("report_id", "col"), "cross_year.carry_over")


@_rule("cross_year.in_force", "warning", "corpus", "现行有效件数 = 上年 + 本年制发 − 本年废止",
       "表二 {row} 现行有效件数 印为 {actual}，但 {prev_year} 年 {prev} + 本年制发 {issued} − 本年废止 {repealed} = {expected}")
def _in_force(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """2021 template, same agency, consecutive years: this year's 现行有效件数 = last year's +
    本年制发件数 − 本年废止件数 (规章, 行政规范性文件).  A blank or ambiguous 现行有效件数 (either
    year) is not checked; a blank 制发/废止 counts 0.  A warning: clean-ups of old documents do
    not always show in 废止."""
    keyed = _keyed(reports).filter(pl.col("template") == "2021")
    p = cells.filter(
        (pl.col("table") == "proactive") & pl.col("row").is_in(["regulations", "normative_documents"])
    ).join(keyed, on="report_id")

    def pick(col: str, name: str) -> list[pl.Expr]:
        sel = pl.col("col") == col
        return [pl.col("value").filter(sel).first().alias(name),
                pl.col("ambiguous").fill_null(False).filter(sel).any().alias(name + "_amb"),
                sel.any().alias(name + "_has")]

    w = p.group_by("report_id", "agency_key", "year", "row").agg(
        *pick("issued", "issued"), *pick("repealed", "repealed"), *pick("in_force", "in_force")
    )
    prev = w.select("agency_key", (pl.col("year") + 1).alias("year"), "row", prev=pl.col("in_force"),
                    prev_amb=pl.col("in_force_amb"))
    j = w.join(prev, on=["agency_key", "year", "row"]).filter(
        pl.col("in_force").is_not_null() & pl.col("prev").is_not_null()
        & ~pl.col("in_force_amb") & ~pl.col("prev_amb") & ~pl.col("issued_amb") & ~pl.col("repealed_amb")
    )
    j = j.with_columns(
        expected=pl.col("prev") + pl.col("issued").fill_null(0) - pl.col("repealed").fill_null(0),
    ).with_columns(ok=(pl.col("expected") - pl.col("in_force")).abs() < 1e-6)
    g = (
        j.group_by("report_id", "row", "year")
        .agg(pl.col("ok").any(), pl.col("in_force").first().alias("actual"), pl.col("expected").first(),
             pl.col("prev").first(), pl.col("issued").fill_null(0).first(), pl.col("repealed").fill_null(0).first())
        .filter(~pl.col("ok"))
    )
    row_names = {r: row_zh("proactive", r, "2021") for r in ("regulations", "normative_documents")}
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["cross_year.in_force"].message)
    g = g.with_columns(
        table=pl.lit("proactive"), col=pl.lit("in_force"),
        message=pl.format(tmpl, pl.col("row").replace_strict(row_names, default=pl.col("row")),
                          _fmt_expr(pl.col("actual")), (pl.col("year") - 1).cast(pl.String),
                          _fmt_expr(pl.col("prev")), _fmt_expr(pl.col("issued")), _fmt_expr(pl.col("repealed")),
                          _fmt_expr(pl.col("expected"))),
    )
    return _findings_frame(g.sort("report_id", "row"), "cross_year.in_force")


@_rule("plausibility.copy_paste", "warning", "corpus", "表三与上年完全相同",
       "表三 与 {prev_year} 年报告（{prev_id}）逐格完全相同（{n} 格，且非全零/空白），疑为照抄上年")
def _copy_paste(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """表三 identical, cell for cell, to the same agency's previous-year report, and non-trivially so
    (not all zero/blank).  Reports with ambiguous 表三 cells are not compared."""
    keyed = _keyed(reports)
    # one fingerprint per report (its 表三 cells, sorted), so years are compared report to report,
    # not cell to cell: the join stays the size of the reports frame on a 100k-report corpus
    cell_text = pl.concat_str([pl.col("row"), pl.col("col"), pl.col("value").cast(pl.String).fill_null("∅")],
                              separator="|")
    per = (
        cells.filter(pl.col("table") == "applications")
        .group_by("report_id")
        .agg(
            n=pl.len(), amb=pl.col("ambiguous").fill_null(False).any(),
            nonzero=(pl.col("value").fill_null(0) != 0).any(),
            fp=cell_text.sort().str.join(";").hash(),
        )
        .join(keyed, on="report_id")
    )
    prev = per.select(prev_id=pl.col("report_id"), agency_key="agency_key", year=pl.col("year") + 1,
                      fp="fp", amb_prev="amb")
    pairs = per.join(prev, on=["agency_key", "year", "fp"]).filter(
        ~pl.col("amb") & ~pl.col("amb_prev") & pl.col("nonzero")
    )
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["plausibility.copy_paste"].message)
    g = pairs.with_columns(
        table=pl.lit("applications"),
        message=pl.format(tmpl, (pl.col("year") - 1).cast(pl.String), pl.col("prev_id"), pl.col("n").cast(pl.String)),
    )
    return _findings_frame(g.sort("report_id"), "plausibility.copy_paste")


@_rule("plausibility.outlier", "info", "corpus", "申请量异常",
       "表三 一、本年新收 总计 为 {actual}，超过本机关其他年度中位数 {median} 的 10 倍")
def _outlier(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None) -> pl.DataFrame:
    """表三 一 本年新收 总计 is more than 10× the agency's own median over its other years, and at
    least 50.  The 总计 is the printed one, else the sum of the applicant columns."""
    keyed = _keyed(reports)
    nr = cells.filter((pl.col("table") == "applications") & (pl.col("row") == "new_received")).join(
        keyed, on="report_id"
    )
    per = nr.group_by("report_id", "agency_key", "year").agg(
        total=pl.col("value").filter(pl.col("col") == "total").first(),
        parts=pl.col("value").filter(pl.col("col") != "total").sum(),
        any_part=pl.col("value").filter(pl.col("col") != "total").is_not_null().any(),
        amb=pl.col("ambiguous").fill_null(False).any(),
    ).with_columns(
        v=pl.when(pl.col("total").is_not_null()).then(pl.col("total"))
        .when(pl.col("any_part")).then(pl.col("parts")).otherwise(None)
    ).filter(pl.col("v").is_not_null() & ~pl.col("amb"))
    others = per.select("agency_key", other_year=pl.col("year"), other_v=pl.col("v"))
    g = (
        per.join(others, on="agency_key")
        .filter(pl.col("other_year") != pl.col("year"))
        .group_by("report_id", "v")
        .agg(median=pl.col("other_v").median())
        .filter((pl.col("v") > 10 * pl.col("median")) & (pl.col("v") >= 50))
    )
    tmpl = re.sub(r"\{\w+\}", "{}", RULES["plausibility.outlier"].message)
    g = g.with_columns(
        table=pl.lit("applications"), row=pl.lit("new_received"), col=pl.lit("total"),
        expected=pl.col("median"), actual=pl.col("v"),
        message=pl.format(tmpl, _fmt_expr(pl.col("v")), _fmt_expr(pl.col("median"))),
    )
    return _findings_frame(g.sort("report_id"), "plausibility.outlier")


# ---------------------------------------------------------------------------------------------
# Public API


def check_report(report: dict, cells: pl.DataFrame, narrative: pl.DataFrame | None = None,
                 sections: dict[str, str] | None = None) -> pl.DataFrame:
    """Run every report-scope rule on one report.

    ``report`` is one REPORTS row as a dict (report_id, agency, agency_type, year, template,
    expected_template, published, …); ``cells`` that report's CELLS frame; ``narrative`` its
    NARRATIVE frame; ``sections`` its section texts 一…六 (``template.missing_section`` needs them).
    Returns a FINDINGS frame.
    """
    rid = report.get("report_id")
    mine = (lambda x: x.get("report_id") in (None, rid)) if rid is not None else (lambda x: True)  # noqa: E731
    cell_rows = [x for x in cells.to_dicts() if mine(x)]
    nar_rows = [x for x in narrative.to_dicts() if mine(x)] if narrative is not None else []
    return frames.frame("findings", check_records(report, cell_rows, nar_rows, sections))


def check_records(report: dict, cells: list[dict], narrative: list[dict] | None = None,
                  sections: dict[str, str] | None = None) -> list[dict]:
    """:func:`check_report` on plain rows (dicts with the CELLS / NARRATIVE columns): the path
    ``read_report`` takes, with no frame built per report.  Returns FINDINGS rows."""
    ctx = _Ctx(report, _Cells(cells), list(narrative or []), sections)
    for r in RULES.values():
        if r.scope == "report":
            r.func(ctx)
    return ctx.out


def check_corpus(reports: pl.DataFrame, cells: pl.DataFrame, narrative: pl.DataFrame | None = None) -> pl.DataFrame:
    """Run the corpus-scope (cross-year) rules over a whole corpus: REPORTS and CELLS frames of many
    reports (``agency_key`` and ``year`` in REPORTS tie the years of one agency together).
    Vectorised joins: no Python loop per report.  Returns a FINDINGS frame."""
    if reports.is_empty() or cells.is_empty():
        return frames.empty("findings")
    if "ambiguous" not in cells.columns:
        cells = cells.with_columns(ambiguous=pl.lit(False))
    out = [r.func(reports, cells, narrative) for r in RULES.values() if r.scope == "corpus"]
    return pl.concat(out, how="vertical") if out else frames.empty("findings")
