"""Plausibility of one report's numbers: signs, integers, outcomes within the applications."""

from __future__ import annotations

from .base import TABLE_ZH, _Ctx, _rule, col_zh, row_zh
from .tables import _app_cols, _outcome_rows

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
