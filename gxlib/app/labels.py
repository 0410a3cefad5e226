"""What a reader sees of a frame: Chinese column names, Chinese values (错误/警告/提示, 旧版格式,
rule names), which code columns stay off screen, and which cells are rates (shown as percentages).

One place for the on-screen tables (:mod:`.widgets`) and the downloads (:mod:`.downloads`), so
both say the same thing.  The column names extend :data:`gxlib.metrics.COLUMN_ZH` (used by the
notebooks too) with the dashboards' own columns.
"""

from __future__ import annotations

import polars as pl

from .. import export, metrics
from .data import UNIDENTIFIED

# the dashboards' own columns (metrics.COLUMN_ZH has the metric frames')
EXTRA_ZH = {
    "n_unknown": "无法确定数（未计入）", "n_from_parts": "由分项合计得出的报告数", "note": "说明",
    "timeliness": "发布情况", "published": "发布日期", "due": "发布期限", "format": "格式",
    "has_error": "含错误", "status": "状态", "rule_zh": "规则", "rule": "规则代码",
    "template": "模板", "expected_template": "应用模板", "prev_value": "上年数值", "value_both": "本年数值（可比机关）", "n_both": "可比机关数", "change": "变化",
    "members_reported": "已报单位", "members_registry": "名录单位", "group": "分组代码", "group_zh": "分组", "n_counted": "计入报告数",
    "n_folded": "并入汇总报告数", "n_duplicates": "重复报告数", "n_ambiguous": "无法确定的报告数",
    "n_missing": "未填该项的报告数", "counted": "计入的机关", "parent_key": "上级机关代码", "parent": "上级机关",
    "region_level": "地区层级", "n_agencies": "机关数", "table_zh": "表", "row_zh": "行", "col_zh": "列",
}
META_UNKNOWN = ("region", "level", "agency_type", "parent")  # a null here is shown as 未识别
STATUSES = ("按时", "逾期", "日期不详", "未发布", "名单外", "已收录", "未收录")
COLUMN_ZH = metrics.COLUMN_ZH | EXTRA_ZH

TEMPLATE_ZH = {metrics.OLDER: "旧版格式", "unknown": UNIDENTIFIED}
is_rate_indicator = export.is_rate_indicator
rate_rows = export.rate_rows
RATE_VALUE_COLS = export.RATE_VALUE_COLS

# what the dashboards' own columns mean (the 指标定义 sheet defines every column of a download)
COLUMN_DEFS = {
    "agency": "报告上署名的发布机关（最近一年的写法）。", "region": "机关所在地区（由机关名称推断或名单/登记表给出）；空白为未识别。",
    "level": "机关层级：省级/市级/县级/乡级；空白为未识别（不按任何层级计）。",
    "agency_type": "机关类型：政府、部门、派出机构、乡镇街道；空白为未识别。",
    "template": "报告所用的年报模板：2019 版（2019–2020 年度）或 2021 版（2021 年度起）；旧版格式（2019 年以前）不提取表格、不计入统计。",
    "report_id": "报告编号：语料库中每份报告文件的唯一标识。", "source": "报告来源文件的路径。",
    "format": "来源文件格式（html、pdf、docx、txt 等）。", "published": "报告写明的发布（成文）日期；空白为未写明。",
    "due": "条例第四十九条规定的发布期限。", "has_error": "该报告是否至少有一条“错误”级检查发现。",
    "timeliness": "按时：不晚于期限；逾期：晚于期限；日期不详：报告未写明发布日期。",
    "indicator": "指标代码（与指标名称一一对应，供程序引用）。", "indicator_zh": "指标名称，定义见本表下方。",
    "prev_value": "上一年度同一指标的数值（总览指标卡：可比机关在上一年度的数值；报告数为上一年度全部报告）。",
    "value_both": "本年度同一指标在可比机关上的数值：与上年数值比较的一方（报告数为本年全部报告）。",
    "n_both": "可比机关数（每项指标分别计）：本年度与上一年度都有报告、且该指标两年的数值都能确定（比率：分子和分母都能确定；按时发布率：两年都写明发布日期）的机关。变化只在这些机关上计算：收录范围的扩大不算作增长，某一年无法确定的数值也不按 0 计。",
    "change": "本年数值 − 上年数值（总览指标卡为可比机关上的数值之差；比率为百分点之差）。",
    "rule": "检查规则代码（与规则名称一一对应，供程序引用）。", "rule_zh": "检查规则的名称。",
    "severity": "错误：数字不可能成立（如合计不等）；警告：很可能有问题；提示：供核对。",
    "n_findings": "检查发现的条数。", "n_reports": "纳入计算的报告份数（同一机关同一年度只计一份）。",
    "note": "说明。", "outcome_zh": "依申请公开的办理结果（表三（三）各项）。",
    "peer_median": "同级机关（同地区同层级，不足 3 个时为同层级）该指标的中位数。",
    "peer_q1": "同级机关的下四分位数（25%）。", "peer_q3": "同级机关的上四分位数（75%）。",
    "n_peers": "参与比较的同级机关数；不足 3 个不画同级区间。", "peer_group": "比较组：同地区同层级、同层级，或样本不足。",
    "table_zh": "年报模板中的表。", "row_zh": "表中的行（模板的正式名称）。", "col_zh": "表中的列（模板的正式名称）。",
    "raw": "报告中印出的原文。", "where": "该数字在来源文件中的位置。", "expected": "按勾稽关系应有的数值。",
    "actual": "报告中的实际数值。", "message": "检查发现的说明。",
    "prev_year": "上一年度。", "prev_carried_forward": "上年报告“结转下年度继续办理”（总计）。",
    "carried_over": "本年报告“上年结转政府信息公开申请数量”（总计）。", "diff": "本年上年结转 − 上年结转下年度。",
    "prev_report_id": "上年报告的编号。", "prev_raw": "上年报告中印出的原文。", "prev_where": "上年数字在来源文件中的位置。",
    "n_from_parts": "总计栏空白、由分项相加得出的报告数。",
    "group_zh": "汇总的分组（上级机关或层级）。", "group": "分组的机关代码或层级。",
    "n_counted": "该组该年计入合计的报告份数。", "n_folded": "所属单位报告已含在其上级的汇总报告中、未再相加的份数。",
    "n_duplicates": "同一机关同一年的重复报告（只取一份）。",
    "本年新收申请": "表三 一、本年新收政府信息公开申请数量（总计栏）之和，每份申请只计一次（汇总报告与其所属单位不相加）。",
}


def column_defs(frame: pl.DataFrame) -> dict[str, str]:
    """Meanings of ``frame``'s columns (year columns of a grid, status columns of a pivot too)."""
    out = {c: COLUMN_DEFS[c] for c in frame.columns if c in COLUMN_DEFS}
    for c in frame.columns:
        if c.endswith("年") and c[:4].isdigit():
            out[c] = f"{c[:4]} 年度的发布或收录情况（定义见“发布状态”）。"
        elif c.endswith("__n_unknown"):
            out[c] = "该格无法确定、未计入的数值个数（不按 0 计）。"
        elif c in ("问题年数", "逾期年数"):
            out[c] = "逾期（有名单时另加未发布）的年度数。"
        elif c == "合计":
            out[c] = "各办理结果之和（全部无法确定时为空）。"
        elif c in STATUSES:
            out[c] = f"该年度为“{c}”的机关数（定义见“发布状态”）。"
        elif c in metrics.OUTCOME_ZH.values():
            out[c] = f"办理结果为“{c}”的申请件数（表三 三、本年度办理结果）。"
        elif "·" in c:
            out[c] = f"表二 {c}：各报告之和（无法确定的单元格不计入，见旁列）。"
    return out


rate_columns = export.rate_columns


def code_columns(frame: pl.DataFrame) -> list[str]:
    """Code columns with a Chinese twin (rule/rule_zh, indicator/indicator_zh …): kept in
    downloads (after the twin), not shown on screen."""
    return [c for c in frame.columns if f"{c}_zh" in frame.columns]


def chinese_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Severity as 错误/警告/提示, template ``older`` as 旧版格式, an unknown level/type/region as
    未识别 (the filters' option of that name)."""
    out = [pl.col(c).fill_null(UNIDENTIFIED) for c in META_UNKNOWN
           if c in frame.columns and frame.schema[c] == pl.String]
    if "severity" in frame.columns and frame.schema["severity"] == pl.String:
        out.append(pl.col("severity").replace(metrics.SEVERITY_ZH))
    if "template" in frame.columns and frame.schema["template"] == pl.String:
        out.append(pl.col("template").replace(TEMPLATE_ZH))
    return frame.with_columns(out) if out else frame


def zh_names(columns: list[str]) -> list[str]:
    """Chinese headers (two codes with one label get a suffix, as metrics.zh does)."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        lab = COLUMN_ZH.get(c, c)
        if lab in seen:
            seen[lab] += 1
            lab = f"{lab}（{c}）"
        else:
            seen[lab] = 1
        out.append(lab)
    return out


def zh(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with Chinese headers and values (for screens and downloads)."""
    frame = chinese_values(frame)
    return frame.rename(dict(zip(frame.columns, zh_names(frame.columns))))


def _pct(e: pl.Expr, points: bool = False) -> pl.Expr:
    txt = pl.format("{} 个百分点", (e * 100).round(1)) if points else pl.format("{}%", (e * 100).round(1))
    return pl.when(e.is_null()).then(pl.lit("—")).otherwise(txt)


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame as a notebook shows it (what the dashboards' tables show): Chinese values (错误/警告/提示,
    旧版格式, 未识别), rates as percentages (``40.9%``; ``—`` when unknown, never 0; a change of a
    rate in 个百分点) — rate columns by name, and ``value``/``change``… in the rows whose
    ``indicator`` is a rate — code columns with a Chinese twin left out, Chinese headers."""
    exprs = export.rate_cells(frame, _pct, lambda e: e.cast(pl.String))
    out = chinese_values(frame).with_columns(exprs).drop(code_columns(frame))
    return out.rename(dict(zip(out.columns, zh_names(out.columns))))
