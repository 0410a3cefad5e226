"""Chinese labels of tables, outcomes and columns (:func:`zh`), and the indicator registry
(:class:`Indicator`, :func:`definitions`)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .. import spec
from .conventions import POLICY_ZH


# Labels

TABLE_ZH = {t: f"表{n}" for t, n in spec.TABLE_NUMBER.items()}

OUTCOMES = ("granted", "partially_granted", "denied", "unavailable", "rejected", "other")
OUTCOME_ZH = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied": "不予公开",
    "unavailable": "无法提供",
    "rejected": "不予处理",
    "other": "其他处理",
}


def _outcome_of(row: str) -> str | None:
    if row in ("granted", "partially_granted"):
        return row
    for prefix, group in (("denied_", "denied"), ("unavailable_", "unavailable"), ("rejected_", "rejected")):
        if row.startswith(prefix):
            return group
    if row == "other" or row.startswith("other_"):
        return "other"
    return None


OUTCOME_GROUP: dict[str, str | None] = {r: _outcome_of(r) for r in sorted(spec.all_row_codes("applications"))}
OUTCOME_ROWS = tuple(r for r, g in OUTCOME_GROUP.items() if g is not None)
APPLICANT_ZH = {c: spec.col_label("applications", c) for c in spec.APPLICANT_COLS}
APPLICANT_ZH["other_org"] = "其他组织"
REVIEW_ZH = {
    "reconsideration": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_reconsideration": "复议后起诉",
}
REVIEW_PART_ZH = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
                  "total": "总计"}


def row_zh(table: str, row: str) -> str:
    """A row's printed label without the template's parenthetical note (（二）部分公开)."""
    return spec.row_display(table, row)


# Column names used in metric frames → Chinese headers (zh() renames; export writes them as definitions).
COLUMN_ZH: dict[str, str] = {
    "agency": "机关", "agency_key": "机关代码", "region": "地区", "level": "层级", "agency_type": "机关类型",
    "year": "年度", "template": "模板", "report_id": "报告编号",
    "outcome": "办理结果代码", "outcome_zh": "办理结果", "reason": "行代码", "reason_zh": "具体情形",
    "count": "件数", "share": "占比", "n_reports": "报告数",
    "applicant": "申请人类型代码", "applicant_zh": "申请人类型",
    "new_received": "本年新收申请", "carried_over": "上年结转", "total_handled": "本年办理总计",
    "carried_forward": "结转下年度", "balance_gap": "收支差额",
    "granted": "予以公开", "partially_granted": "部分公开", "denied": "不予公开", "unavailable": "无法提供",
    "rejected": "不予处理", "other": "其他", "upheld": "结果维持", "corrected": "结果纠正", "pending": "尚未审结",
    "concluded": "已审结", "total": "总计", "total_source": "合计来源",
    "review": "类型代码", "review_zh": "类型", "part": "结果代码", "part_zh": "结果",
    "numerator": "分子", "denominator": "分母", "value": "数值", "rate": "比率", "rank": "名次", "status": "状态",
    "indicator": "指标代码", "indicator_zh": "指标",
    "item": "事项代码", "item_zh": "事项", "measure": "栏目代码", "measure_zh": "栏目", "unit": "单位",
    "series": "可比口径", "series_zh": "口径",
    "channel": "渠道", "category": "类别",
    "rule": "规则", "rule_zh": "规则名称", "severity": "级别", "n_findings": "问题数", "n_agencies": "机关数",
    "report_share": "涉及报告占比",
    "prev_year": "上一年度", "prev_value": "上年数值", "change": "变化", "pct_change": "变化率",
    "prev_report_id": "上年报告编号", "prev_carried_forward": "上年结转下年度", "diff": "差额",
    "where": "位置", "prev_where": "上年位置", "raw": "原文", "prev_raw": "上年原文", "source": "来源文件",
    "peer_median": "同级中位数", "peer_q1": "同级下四分位", "peer_q3": "同级上四分位", "n_peers": "同级机关数",
    "peer_group": "比较组",
    "table": "表", "table_zh": "表名", "row": "行", "col": "列", "expected": "应为", "actual": "实际", "message": "说明",
    "n_cells": "单元格数", "n_ambiguous": "不确定单元格", "n_blank": "空白单元格", "n_reports_ambiguous": "含不确定值的报告",
    "disputes": "复议诉讼总数", "disputes_per_100": "每百件申请复议诉讼数",
}


def zh(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with Chinese column headers (for display and export); unknown columns keep their name."""
    mapping = {c: COLUMN_ZH[c] for c in frame.columns if c in COLUMN_ZH}
    # two codes may share a label (e.g. other/其他): keep the first, suffix the rest
    seen: dict[str, int] = {}
    for c in frame.columns:
        lab = mapping.get(c, c)
        if lab in seen:
            mapping[c] = f"{lab}({c})"
        seen[lab] = 1
    return frame.rename(mapping)


# ---------------------------------------------------------------------------------------------
# The indicator registry


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    definition_zh: str
    numerator: str  # a column of report_indicators()
    denominator: str | None  # None: a count, not a rate
    min_denominator: float = 0
    scale: float = 1.0  # 100 for "per 100"
    higher_is_better: bool | None = None


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("applications_received", "本年新收申请数", "表三 一、本年新收政府信息公开申请数量（总计栏）。",
                  "new_received", None),
        Indicator("total_handled", "本年办理总数", "表三 （七）总计：本年度办理结果之和。", "total_handled", None),
        Indicator("grant_rate", "予以公开率",
                  "予以公开件数 ÷ 本年办理总数（表三（一）÷（七）总计）；分母小于 10 件为样本不足。",
                  "granted", "total_handled", 10, higher_is_better=True),
        Indicator("open_rate", "公开率（含部分公开）",
                  "（予以公开 + 部分公开）÷ 本年办理总数（表三（一）+（二）÷（七））；分母小于 10 件为样本不足。",
                  "opened", "total_handled", 10, higher_is_better=True),
        Indicator("denial_rate", "不予公开率", "不予公开（8 种情形之和）÷ 本年办理总数；分母小于 10 件为样本不足。",
                  "denied", "total_handled", 10, higher_is_better=False),
        Indicator("unavailable_rate", "无法提供率", "无法提供（3 种情形之和）÷ 本年办理总数；分母小于 10 件为样本不足。",
                  "unavailable", "total_handled", 10),
        Indicator("carry_forward_rate", "结转率",
                  "结转下年度继续办理 ÷（本年新收 + 上年结转）；分母小于 10 件为样本不足。",
                  "carried_forward", "received_and_carried", 10, higher_is_better=False),
        Indicator("correction_rate", "复议纠错率",
                  "行政复议结果纠正 ÷ 已审结复议（结果维持 + 结果纠正 + 其他结果，不含尚未审结）；分母小于 3 件为样本不足。",
                  "reconsideration_corrected", "reconsideration_concluded", 3, higher_is_better=False),
        Indicator("litigation_correction_rate", "诉讼纠错率",
                  "行政诉讼（直接起诉 + 复议后起诉）结果纠正 ÷ 已审结诉讼；分母小于 3 件为样本不足。",
                  "litigation_corrected", "litigation_concluded", 3, higher_is_better=False),
        Indicator("litigation_after_reconsideration_share", "复议后起诉比例",
                  "复议后起诉总数 ÷ 行政复议总数：复议后仍诉至法院的比例；分母小于 3 件为样本不足。",
                  "litigation_after_reconsideration_total", "reconsideration_total", 3),
        Indicator("disputes_per_100", "每百件申请复议诉讼数",
                  "（行政复议 + 行政诉讼总数）÷ 本年办理总数 × 100；分母小于 10 件为样本不足。",
                  "disputes", "total_handled", 10, scale=100.0, higher_is_better=False),
    )
}

# Chinese headers for the remaining columns notebooks and dashboards show (indicator codes by their
# names; kept apart from COLUMN_ZH above so the two lists merge easily)
COLUMN_ZH.update({c: i.name_zh for c, i in INDICATORS.items() if c not in COLUMN_ZH})
COLUMN_ZH.update({f"{c}_ok": f"{i.name_zh}样本充足" for c, i in INDICATORS.items() if i.denominator})
COLUMN_ZH.update({
    "reconsideration_total": "行政复议总计", "reconsideration_corrected": "行政复议结果纠正",
    "reconsideration_concluded": "行政复议已审结", "litigation_direct_total": "未经复议直接起诉总计",
    "litigation_after_reconsideration_total": "复议后起诉总计", "after_share": "复议后起诉占复议比例",
    "n_unknown": "无法确定数（未计入）", "n_from_parts": "由分项合计得出的报告数", "comparable": "跨模板可比",
    "expected_template": "应用模板", "format": "格式", "published": "发布日期", "section": "正文部分",
    "stage": "环节", "error": "错误信息", "role": "计入方式", "group": "分组", "n_counted": "计入报告数",
    "n_folded": "并入汇总报告数", "n_duplicates": "重复报告数", "n_missing": "未填该项的报告数",
    "counted": "计入的机关", "evidence": "依据", "old_key": "旧机关代码", "old_name": "旧名称",
    "old_last": "旧名称最后年度", "old_report": "旧名称报告编号", "new_key": "新机关代码", "new_name": "新名称",
    "new_first": "新名称起始年度", "new_report": "新名称报告编号", "note": "说明",
    "name": "名称", "years": "年度", "exceeds": "合计超过本级", "members_reported": "填报该格的所属单位数",
    "members_present": "有报告的所属单位数", "members_registry": "登记的所属单位数", "members_sum": "所属单位合计",
    "consolidated": "汇总报告数值", "consolidated_ambiguous": "汇总数无法确定", "members_ambiguous": "所属单位含无法确定",
})


def indicators_table() -> pl.DataFrame:
    """The registry as a frame (for the 指标定义 sheet and the notebooks)."""
    return pl.DataFrame(
        [{"code": i.code, "name_zh": i.name_zh, "definition_zh": i.definition_zh, "numerator": i.numerator,
          "denominator": i.denominator, "min_denominator": float(i.min_denominator)} for i in INDICATORS.values()],
        schema={"code": pl.String, "name_zh": pl.String, "definition_zh": pl.String, "numerator": pl.String,
                "denominator": pl.String, "min_denominator": pl.Float64},
    )


def definitions(*codes: str) -> dict[str, str]:
    """{name_zh: definition_zh} for indicators (all when none given) plus the policy note: for export()."""
    picked = [INDICATORS[c] for c in codes] if codes else list(INDICATORS.values())
    return {i.name_zh: i.definition_zh for i in picked} | {"口径说明": POLICY_ZH}
