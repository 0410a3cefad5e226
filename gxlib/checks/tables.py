"""表三 / 表四 identities: the sums the template prints in its headers."""

from __future__ import annotations

from .. import spec
from ..spec import APPLICANT_COLS, REVIEW_PARTS, REVIEW_ROWS
from .base import _Cells, _Ctx, _eq, _fmt, _rule, _sum_identity, col_zh, row_zh

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
        if any(ctx.cells.get("applications", row, c) is None for c in APPLICANT_COLS):
            continue  # a column not printed (one 法人或其他组织 column for five): the sum is not known
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
