"""Findings the readers emit (gxlib.extract, gxlib.fused): documented here with the rules,
checked by no rule of this package."""

from __future__ import annotations

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
    "extract.traditional_script": ("info", "繁体字文本已转为简体读取",
                                   "The report is printed in traditional characters (a site's 繁體 view): it was "
                                   "read folded to simplified by OpenCC, of the same length (offsets kept)."),
    "extract.misread": ("info", "疑似识别错误的数值",
                        "A value cell OCR misread (l7, O, 1 208) that the template's identities settle; unsettled "
                        "ones stay extract.unreadable (ambiguous, their readings named)."),
    "extract.table_image": ("warning", "表格为图片",
                            "A template table printed as an image only (no table text): its cells are unknown, not 0."),
    "extract.second_report": ("warning", "页面另载一份报告",
                              "The page prints a second report after this one (last year's, under its own title): "
                              "its tables, from its 表二 on, are not read into this report."),
    "extract.comparison_table": ("info", "年度对比表未读入",
                                 "A table whose columns are years (项目 | 2021年 | 2022年): not a template table, "
                                 "its rows are not read as template rows."),
    "extract.extra_cells": ("warning", "多出的数值",
                            "A row prints more numbers than the template has columns: columns may be shifted."),
}
