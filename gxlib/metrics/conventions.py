"""The conventions' constants (``POLICY_ZH`` says them in Chinese) and the sums that keep unknown apart from
zero."""

from __future__ import annotations

import polars as pl


POLICY_ZH = (
    "口径说明：表格中空白（未填写）的单元格按 0 计；无法确定数值的单元格不计入、不按 0 计，并单独计数"
    "（合计全部无法确定时显示为“—”）；2019 年以前的旧版格式报告未提取表格，不计入任何统计；"
    "表三、表四各行合计优先取“总计”栏，总计栏空白时取各分项之和；同一机关同一年度有多份报告时只取一份；"
    "比率的分母小于最小样本量时标为“样本不足”，不参与排名。"
)
INSUFFICIENT = "样本不足"
PEERS_LACKING = "同级样本不足"
LEVEL_UNKNOWN = "层级不详，无同级比较"
OLDER = "older"  # the template code of a pre-2019 report (no national tables)
OLDER_ZH = "旧版格式，未提取表格"
OLDER_RULE = "report.older_format"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def known_sum(col: str, alias: str | None = None) -> pl.Expr:
    """Σ of the known (non-null) values of ``col``; null when none is known (unknown is never 0)."""
    c = pl.col(col)
    return pl.when(c.is_not_null().any()).then(c.sum()).otherwise(None).alias(alias or col)


def n_unknown(col: str, alias: str = "n_unknown") -> pl.Expr:
    """How many values of ``col`` are unknown (null) in the group: what an aggregate left out."""
    return pl.col(col).is_null().sum().cast(pl.UInt32).alias(alias)


def unknown_note(n: int | None) -> str:
    """The Chinese note under a table or chart that left unknown values out ('' when none)."""
    return f"含 {int(n):,} 个无法确定的数值，未计入。" if n else ""
RANKED = "已排名"

META_COLS = ("report_id", "agency", "agency_key", "region", "level", "agency_type", "year", "template")
