"""Named indicators over a corpus (or one report), computed in polars: LazyFrame in, DataFrame out.

Every function takes a *corpus-like* object: anything with ``.reports`` and ``.cells`` (and, for
some, ``.narrative`` / ``.findings``) as polars LazyFrames or DataFrames in the schemas of
:mod:`gxlib.frames` — a :class:`gxlib.corpus.Corpus`, a :class:`gxlib.Report`, or a
:class:`Frames` you build yourself.

Conventions (the same in every notebook and dashboard; ``POLICY_ZH`` says them in Chinese):

* **Blank counts as 0.**  A printed cell left blank (``value`` null, ``ambiguous`` false) is 0 in
  sums and rates.  The data keeps blank ≠ 0; only analyses fold it.
* **Unknown is never zero.**  A cell the document alone cannot settle (``ambiguous`` true) is
  unknown: it contributes nothing, and every aggregate says how many unknown values it left out
  (column ``n_unknown``); an aggregate with no known value at all is null (shown as —), never 0.
  A row total that would depend on an unknown cell is null (unknown), not under-counted; a rate
  whose numerator or denominator is unknown for a report is not computed for that report (the
  pooled rate leaves the report out and counts it in ``n_unknown``).  :func:`ambiguity_summary`
  counts unknown cells per table.
* **``older`` (pre-2019) reports are excluded** from every count, rate and year-over-year
  comparison: they print no template tables (:func:`older_reports` lists them; :func:`findings`
  adds an 提示 finding 旧版格式，未提取表格 for each).
* **表三/表四 row totals** come from the printed 总计 column when it holds a number, else from the sum
  of the parts (six applicant columns; 维持+纠正+其他+尚未审结) — column ``total_source`` says which
  (``总计栏`` / ``分项合计``).
* **One report per agency and year.**  When a corpus holds several reports of one agency-year (the same
  report in two formats), the one with the fewest ambiguous cells, then the most cells, then the
  smallest ``report_id`` is used.
* **Tiny denominators are never ranked.**  A rate whose denominator is below the indicator's
  ``min_denominator`` is shown as 样本不足 and left out of rankings and of the "best"/"worst" lists.
"""


from __future__ import annotations

from .conventions import (  # noqa: F401
    INSUFFICIENT, LEVEL_UNKNOWN, META_COLS, OLDER, OLDER_RULE, OLDER_ZH, PEERS_LACKING, POLICY_ZH,
    RANKED, SEVERITY_ZH, known_sum, n_unknown, unknown_note,
)
from .labels import (  # noqa: F401
    APPLICANT_ZH, COLUMN_ZH, INDICATORS, Indicator, OUTCOMES, OUTCOME_GROUP, OUTCOME_ROWS, OUTCOME_ZH,
    REVIEW_PART_ZH, REVIEW_ZH, TABLE_ZH, definitions, indicators_table, row_zh, zh,
)
from .inputs import (  # noqa: F401
    Frames, _lazy, ambiguity_summary, application_rows, cell_values, older_reports, reports, review_rows,
)
from .measures import (  # noqa: F401
    PROACTIVE_NOTE_ZH, PROACTIVE_SERIES, applicant_mix, applications_by_outcome, by_group,
    correction_rate, grant_rate, litigation_after_reconsideration, narrative_categories,
    narrative_totals, proactive_items_by_year, proactive_items_lazy, rate, received_vs_carried,
    report_indicators, report_indicators_lazy, reviews_by_outcome,
)
from .compare import rankings, year_over_year  # noqa: F401
from .quality import _older_findings, _rules_zh, carry_over_breaks, findings, findings_summary, with_cells  # noqa: F401
from .profile import PROFILE_INDICATORS, agency_profile  # noqa: F401
