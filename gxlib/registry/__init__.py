"""The agency registry: who reports to whom, under which names, and do the parts add up.

* :func:`build_registry` — one row per body (``frames.REGISTRY``) from the corpus' reports, the
  names' inference (:func:`gxlib.agency.describe_agency`), an alias table and a registry file
  (:func:`read_registry`, CSV or Excel, validated; :func:`write_registry` writes one to edit).
  ``gx build --registry FILE`` builds it with the corpus (the ``registry`` table).
* :func:`rename_candidates` — a name change the corpus shows but no file confirms (same site
  column, same signature, same contact address or phone, consecutive years): reported, never merged.
* :func:`rollup` / :func:`coverage` — a consolidated report's 表三/表四 against the sum of its
  members' reports, per cell, and how many members are present.
* :func:`region_totals` / :func:`attribution` — totals by parent or level counting each
  application once (a consolidated report and its members are never added together).
* :func:`agency_names`, :func:`agency_card` — what the dashboards' agency picker and card show.
"""

from __future__ import annotations



RULES: dict[str, tuple[str, str, str, str]] = {
    # code -> (severity, title_zh, doc, Chinese message template)
    "registry.parent_missing": (
        "warning", "上级机关不在语料中",
        "A body's parent is neither in the corpus nor in the registry file; kept as given (a warning when the file gave it, info when inferred from the name).",
        "{key} 的上级机关 {parent}（{source}）既不在语料中也不在登记表中"),
    "registry.no_report": (
        "info", "登记表中的机关无报告",
        "A body listed in the registry file has no report in the corpus: it stays in the registry with 0 reports (a missing member).",
        "登记表列出的 {key} 在语料中没有任何年度报告"),
    "registry.parent_cycle": (
        "error", "上级关系成环",
        "The parents, once the registry file's are combined with the inferred ones, form a cycle (a file alone with a cycle is refused).",
        "上级机关关系成环：{cycle}"),
    "registry.rename_candidate": (
        "info", "疑似更名",
        "Two keys look like one body renamed (consecutive years, same parent, and the same site column, signature, phone or address); never merged without a registry or alias file.",
        "{old_name}（至 {old_last} 年）与 {new_name}（自 {new_first} 年）疑为同一机关更名：{evidence}；未合并，如确认请在登记表 names 列登记旧名"),
    "rollup.members_exceed": (
        "warning", "所属单位之和超过汇总数",
        "A consolidated report's 表三/表四 cell is smaller than the sum of its members' reports for the same year (impossible if the registry's membership is right).",
        "{year} 年 {label}：所属单位报告之和 {members}（{n} 个单位）大于汇总报告的 {consolidated}"),
}


def finding(rule: str, report_id: str | None, table=None, row=None, col=None, expected=None, actual=None,
            **fields) -> dict:
    """A FINDINGS row for a registry / roll-up rule."""
    sev, _, _, msg = RULES[rule]
    return {"report_id": report_id, "rule": rule, "severity": sev, "table": table, "row": row, "col": col,
            "expected": expected, "actual": actual, "message": msg.format(**fields)}


def rules_zh() -> dict[str, str]:
    return {c: t for c, (_, t, _, _) in RULES.items()}


def _fmt(v) -> str:
    return "空白" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


from .build import build_registry, key_function  # noqa: E402
from .io import COLUMNS, RegistryError, RegistryFile, read_registry, write_registry  # noqa: E402
from .renames import rename_candidates, rename_findings, site_column  # noqa: E402
from .rollup import (agency_card, agency_names, attribution, coverage, members, region_totals,  # noqa: E402
                     rollup, rollup_findings)

__all__ = ["COLUMNS", "RULES", "RegistryError", "RegistryFile", "agency_card", "agency_names", "attribution",
           "build_registry", "coverage", "key_function", "members", "read_registry", "region_totals",
           "rename_candidates", "rename_findings", "rollup", "rollup_findings", "site_column", "write_registry"]

