"""The numbers the text states against the tables, and the text's own 其中 sums."""

from __future__ import annotations

from ..spec import APPLICANT_COLS, REVIEW_PARTS
from .base import TABLE_ZH, _Cells, _Ctx, _eq, _fmt, _rule, row_zh

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
    by_measure: dict[str, list[dict]] = {}  # the statements of each measure, in order (one pass)
    for x in ctx.narrative:
        by_measure.setdefault(x["measure"], []).append(x)
    for measure, (table, rows, parts, what) in NARRATIVE_TABLE.items():
        stated = by_measure.get(measure)
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
    from ..narrative import statements

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
