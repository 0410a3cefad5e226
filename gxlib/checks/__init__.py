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

import polars as pl

from .. import frames
# the rule modules, in the order their rules run (and rules_table lists them)
from . import tables, template, plausibility, narrative_table, timeliness, cross_year  # noqa: E402,F401,I001
from .base import RULES, TABLE_ZH, Rule, _fmt, col_zh, row_zh, _Cells, _Ctx  # noqa: F401
from .narrative_table import NARRATIVE_TABLE  # noqa: F401
from .reader_findings import EXTRACT_RULES

__all__ = ["EXTRACT_RULES", "NARRATIVE_TABLE", "RULES", "TABLE_ZH", "Rule", "check_corpus", "check_records",
           "check_report", "col_zh", "row_zh", "rules_table"]


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
    from ..registry import RULES as REGISTRY_RULES  # registry findings: names, parents, roll-ups

    return REGISTRY_RULES


# ---------------------------------------------------------------------------------------------
# Public API


def check_report(report: dict, cells: pl.DataFrame, narrative: pl.DataFrame | None = None,
                 sections: dict[str, str] | None = None) -> pl.DataFrame:
    """Run every report-scope rule on one report.

    ``report`` is one REPORTS row as a dict (report_id, agency, agency_type, year, template,
    expected_template, published, unread_pages, pictured_tables, …); ``cells`` that report's CELLS
    frame; ``narrative`` its NARRATIVE frame; ``sections`` its section texts 一…六
    (``template.missing_section`` needs them; a corpus does not store them).  On a corpus' stored rows
    it gives the findings ``read_report`` gave (but template.missing_section).  Returns a FINDINGS frame.
    """
    rid = report.get("report_id")
    mine = (lambda x: x.get("report_id") in (None, rid)) if rid is not None else (lambda x: True)  # noqa: E731
    cell_rows = [x for x in cells.to_dicts() if mine(x)]
    nar_rows = [x for x in narrative.to_dicts() if mine(x)] if narrative is not None else []
    return frames.frame("findings", check_records(report, cell_rows, nar_rows, sections))


def check_records(report: dict, cells: list[dict], narrative: list[dict] | None = None,
                  sections: dict[str, str] | None = None, *, coded: list | None = None) -> list[dict]:
    """:func:`check_report` on plain rows (dicts with the CELLS / NARRATIVE columns): the path
    ``read_report`` takes, with no frame built per report.  Returns FINDINGS rows.  An error
    raised by a rule is marked as the check stage's (``__gx_stage__``, read by the corpus build).
    ``coded``: the CodedCells ``cells`` were made from, when the caller has them (read off directly)."""
    ctx = _Ctx(report, _Cells(cells) if coded is None else _Cells.of_coded(coded), list(narrative or []), sections)
    try:
        for r in RULES.values():
            if r.scope == "report":
                r.func(ctx)
    except Exception as e:
        try:
            e.__gx_stage__ = "check"
        except AttributeError:  # pragma: no cover - an exception type without attributes
            pass
        raise
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
