"""Timeliness: the publication date against the 条例's deadline."""

from __future__ import annotations

import datetime as dt

from .base import _Ctx, _rule

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
        from ..agency import describe_agency

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
