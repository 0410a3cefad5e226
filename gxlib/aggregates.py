"""Compact aggregates for the dashboards, written by the build into ``aggregates/``.

* ``indicators`` — one row per report (agency-year, ``older`` reports included and flagged): the
  report's meta (agency key, year, region, level, type, template, parent), its publication facts
  (published, due, status 按时/逾期/日期不详, has_error) and every named indicator's numerator and
  denominator as :func:`gxlib.metrics.report_indicators` defines them (null = unknown or not printed).
* ``kpi`` — per year × region × level × agency_type × template × ``in_prev`` × ``in_next`` (whether the
  agency also has a report the year before / after): report counts and, per indicator of
  :data:`gxlib.metrics.INDICATORS`, the summable parts of the pooled value (Σ numerator, Σ denominator
  over the reports where both are known, how many reports were left out as unknown).  The two flags
  let a year be compared with the one before on the same agencies (:data:`MATCHED`), and the same
  parts again on the reports whose agency's report of the year before (suffix ``_kp``) / after
  (``_kn``) has the indicator known too (:data:`PARTS`): ``<code>__num_kp``, ``__den_kp``, ``__n_kp``
  (a count: ``__value_kp``, ``__n_kp``), the same with ``_kn``, and ``n_on_time_kp`` / ``n_dated_kp``
  (both reports dated) and ``_kn``.  A change of year Y then compares Σ ``_kp`` of Y with Σ ``_kn`` of
  Y − 1: the same agencies on both sides, each with a report in both years and the value known in
  both (for a rate: numerator and denominator, as :func:`pooled` counts known) — an agency whose value
  is unknown in one of the two years is on neither side (unknown is never 0, not even in a change).
* ``outcomes`` / ``proactive`` — 表三 办理结果 and 表二 totals per year × the same dimensions, each with
  ``n_unknown`` (unknown values left out; a cell with no known value is null, never 0).
* ``findings`` — findings per agency × year × rule (with the dimensions), for the quality page.
* ``carry`` — :func:`gxlib.metrics.carry_over_breaks` (the cross-year carry-over breaks; a few rows),
  for the quality page.
* ``regions`` — :func:`gxlib.registry.region_totals` of 本年新收申请 per grouping (``by``: parent, level,
  root) × group × year, each application counted once (a member's report folded into its
  consolidated parent's report of the same year), for the overview's 地区合计 panel.

Every table is a lazy polars query over the corpus frames, written with the streaming engine
(``sink_parquet``), so nothing at report × cell granularity is held in memory.  The dashboards read
them with ``scan_parquet`` and a filter per view; :func:`pooled` turns ``kpi`` rows into the same
value, status and ``n_unknown`` as :func:`gxlib.metrics.rate` over the reports they summarise
(``matched=``: from the ``_kp`` / ``_kn`` parts).  Stored aggregates of a version of
:data:`KPI_AGAIN` are read, their ``kpi`` computed again from their ``indicators`` (:func:`stored`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from . import metrics
from .roster import LATE, ON_TIME, UNDATED

DIR = "aggregates"
VERSION = 3  # 2: kpi has in_prev / in_next; 3: and the parts known in both years (PARTS)
KPI_AGAIN = (2,)  # stored aggregates of these versions are read, but their kpi is computed again from
# their indicators table (the same in both: kpi only gained columns): one pass at first use, no rebuild
DIMS = ("year", "region", "level", "agency_type", "template")
MATCHED = ("in_prev", "in_next")  # kpi: the agency also has a (not older) report in year − 1 / year + 1
PARTS = {"in_prev": "kp", "in_next": "kn"}  # kpi: suffix of the parts on reports whose agency's report
# of year − 1 / year + 1 also has the value known (a rate: numerator and denominator; on time: dated)
NAMES = ("indicators", "kpi", "outcomes", "proactive", "findings")
OPTIONAL = ("regions", "carry")  # absent from corpora built before it: the dashboards compute it at first use
REGION_CELL = ("applications", "new_received", "total")  # 表三 一、本年新收政府信息公开申请数量 · 总计
REGION_BY = ("parent", "level", "root")
FACTS = ("source", "format", "published", "n_cells", "n_ambiguous")


def due_date_expr(year: str = "year", agency_type: str = "agency_type") -> pl.Expr:
    """条例 第四十九条 deadline (the same rule as checks ``timeliness.late``)."""
    return (
        pl.when(pl.col(agency_type) == "部门")
        .then(pl.date(pl.col(year) + 1, 1, 31))
        .otherwise(pl.date(pl.col(year) + 1, 3, 31))
    )


def status_expr() -> pl.Expr:
    return (pl.when(pl.col("published").is_null()).then(pl.lit(UNDATED))
            .when(pl.col("published") > pl.col("due")).then(pl.lit(LATE))
            .otherwise(pl.lit(ON_TIME)).alias("status"))


# --------------------------------------------------------------------------------------------- queries


def frames(corpus: Any, roster: pl.DataFrame | None = None) -> metrics.Frames:
    """The corpus as metrics.Frames with the roster's level / type applied to the reports (lazily)."""
    rep = metrics._lazy(corpus, "reports")
    if roster is not None and roster.height:
        r = roster.lazy().select("agency_key", pl.col("level").alias("_rl"), pl.col("agency_type").alias("_rt"))
        rep = (rep.join(r, on="agency_key", how="left")
               .with_columns(pl.coalesce("_rl", "level").alias("level"),
                             pl.coalesce("_rt", "agency_type").alias("agency_type"))
               .drop("_rl", "_rt"))
    return metrics.Frames(reports=rep, cells=metrics._lazy(corpus, "cells"),
                          narrative=metrics._lazy(corpus, "narrative"), findings=metrics._lazy(corpus, "findings"))


def indicator_rows(corpus: Any, roster: pl.DataFrame | None = None, registry: Any = None) -> pl.LazyFrame:
    """One row per report (one per agency-year, older ones flagged): meta, facts and indicator parts."""
    f = frames(corpus, roster)
    ri = metrics.report_indicators_lazy(f)
    nums = [c for c in ri.collect_schema().names() if c not in metrics.META_COLS]
    errors = f.findings.filter(pl.col("severity") == "error").select("report_id").unique()
    out = (
        metrics.reports(f, include_older=True).select(*metrics.META_COLS, *FACTS)
        .with_columns((pl.col("template") == metrics.OLDER).fill_null(False).alias("older"),
                      due_date_expr().alias("due"))
        .with_columns(status_expr())
        # has_error by a left join on the reports with an error (streams; no collected id list)
        .join(errors.with_columns(pl.lit(True).alias("has_error")), on="report_id", how="left")
        .with_columns(pl.col("has_error").fill_null(False))
    )
    if registry is not None:
        reg = (registry if isinstance(registry, pl.LazyFrame) else registry.lazy()).select("agency_key", "parent_key")
        out = out.join(reg.unique("agency_key"), on="agency_key", how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.String).alias("parent_key"))
    return out.join(ri.select("report_id", *nums), on="report_id", how="left")


def known(ind: metrics.Indicator) -> pl.Expr:
    """The report's value of ``ind`` is known: its numerator and (a rate) its denominator (as :func:`pooled`
    and :func:`gxlib.metrics.rate` count known)."""
    e = pl.col(ind.numerator).is_not_null()
    return e & pl.col(ind.denominator).is_not_null() if ind.denominator is not None else e


def _known_flags() -> dict[str, pl.Expr]:
    """Per indicator (and ``dated``: the publication date, which 按时发布率 reads): the value is known."""
    return {code: known(ind) for code, ind in metrics.INDICATORS.items()} | {"dated": pl.col("status") != UNDATED}


def _matched_aggs(kept: pl.Expr) -> list[pl.Expr]:
    """The summable parts of :data:`PARTS`: on the reports whose value is known and whose agency's
    report of the year before / after has it known too (``_kp_<code>`` / ``_kn_<code>``)."""
    aggs = []
    for suf in PARTS.values():
        for code, ind in metrics.INDICATORS.items():
            both = kept & known(ind) & pl.col(f"_{suf}_{code}")
            num = pl.col(ind.numerator)
            if ind.denominator is None:
                aggs.append(pl.when(both.any()).then(num.filter(both).sum()).otherwise(None)
                            .alias(f"{code}__value_{suf}"))
            else:
                aggs += [num.filter(both).sum().alias(f"{code}__num_{suf}"),
                         pl.col(ind.denominator).filter(both).sum().alias(f"{code}__den_{suf}")]
            aggs.append(both.sum().cast(pl.UInt32).alias(f"{code}__n_{suf}"))
        dated = kept & (pl.col("status") != UNDATED) & pl.col(f"_{suf}_dated")
        aggs += [(dated & (pl.col("status") == ON_TIME)).sum().cast(pl.UInt32).alias(f"n_on_time_{suf}"),
                 dated.sum().cast(pl.UInt32).alias(f"n_dated_{suf}")]
    return aggs


def _cell_aggs() -> list[pl.Expr]:
    kept = ~pl.col("older")
    aggs = [kept.sum().cast(pl.UInt32).alias("n_reports"),
            (kept & pl.col("has_error")).sum().cast(pl.UInt32).alias("n_error"),
            (kept & (pl.col("status") == ON_TIME)).sum().cast(pl.UInt32).alias("n_on_time"),
            (kept & (pl.col("status") == UNDATED)).sum().cast(pl.UInt32).alias("n_undated"),
            pl.col("older").sum().cast(pl.UInt32).alias("n_older")]
    for code, ind in metrics.INDICATORS.items():
        num = pl.col(ind.numerator)
        if ind.denominator is None:
            aggs += [pl.when((num.is_not_null() & kept).any()).then(num.filter(kept).sum()).otherwise(None)
                     .alias(f"{code}__value"),
                     (num.is_not_null() & kept).sum().cast(pl.UInt32).alias(f"{code}__n"),
                     (num.is_null() & kept).sum().cast(pl.UInt32).alias(f"{code}__n_unknown")]
        else:
            valid = num.is_not_null() & pl.col(ind.denominator).is_not_null() & kept
            aggs += [num.filter(valid).sum().alias(f"{code}__num"),
                     pl.col(ind.denominator).filter(valid).sum().alias(f"{code}__den"),
                     valid.sum().cast(pl.UInt32).alias(f"{code}__n"),
                     (~valid & kept).sum().cast(pl.UInt32).alias(f"{code}__n_unknown")]
    return aggs + _matched_aggs(kept)


def kpi_cells(indicators: pl.LazyFrame) -> pl.LazyFrame:
    """Per year × dimension × :data:`MATCHED` cell: report counts and the summable parts of every indicator."""
    return _with_neighbours(indicators).group_by([*DIMS, *MATCHED]).agg(_cell_aggs())


def _with_neighbours(indicators: pl.LazyFrame) -> pl.LazyFrame:
    """``in_prev`` / ``in_next``: the report's agency has a report (not older) in the year before /
    after.  A year-over-year change is then computed on the agencies present in both years: a corpus
    that gained the reports of a city would otherwise show its volumes as growth.  ``_kp_<code>`` /
    ``_kn_<code>`` (:data:`PARTS`): that report has the value of ``<code>`` known (``dated``: its
    publication date) — false when there is no such report."""
    flags = _known_flags()
    keys = (indicators.filter(~pl.col("older") & pl.col("agency_key").is_not_null() & pl.col("year").is_not_null())
            .group_by("agency_key", "year").agg(e.all().alias(f"_k_{k}") for k, e in flags.items()))

    def shifted(by: int, name: str) -> pl.LazyFrame:
        suf = PARTS[name]
        return keys.select("agency_key", (pl.col("year") + by).alias("year"), pl.lit(True).alias(name),
                           *(pl.col(f"_k_{k}").alias(f"_{suf}_{k}") for k in flags))

    filled = [*MATCHED, *(f"_{suf}_{k}" for suf in PARTS.values() for k in flags)]
    return (indicators.join(shifted(1, "in_prev"), on=["agency_key", "year"], how="left")
            .join(shifted(-1, "in_next"), on=["agency_key", "year"], how="left")
            .with_columns(pl.col(c).fill_null(False) for c in filled))


def outcome_cells(corpus: Any, roster: pl.DataFrame | None = None) -> pl.LazyFrame:
    """表三 办理结果 per cell × outcome group (what metrics.applications_by_outcome sums)."""
    rows = metrics.application_rows(frames(corpus, roster)).filter(pl.col("outcome").is_not_null())
    return (rows.group_by([*DIMS, "outcome"])
            .agg(metrics.known_sum("total", "count"), pl.col("report_id").n_unique().cast(pl.UInt32).alias("n_reports"),
                 (pl.col("total_source") == "分项合计").sum().cast(pl.UInt32).alias("n_from_parts"),
                 metrics.n_unknown("total"))
            .with_columns(pl.col("outcome").replace_strict(metrics.OUTCOME_ZH).alias("outcome_zh")))


def proactive_cells(corpus: Any, roster: pl.DataFrame | None = None) -> pl.LazyFrame:
    """表二 per cell × item × measure (metrics.proactive_items_by_year by the dimensions)."""
    return metrics.proactive_items_lazy(frames(corpus, roster), by=DIMS)


def finding_cells(corpus: Any, roster: pl.DataFrame | None = None) -> pl.LazyFrame:
    """Findings per agency × year × rule with the dimensions (metrics.findings without the cell join)."""
    f = frames(corpus, roster)
    rep = metrics.reports(f, include_older=True).select(*metrics.META_COLS)
    return (pl.concat([f.findings, metrics._older_findings(f)], how="vertical_relaxed")
            .join(rep, on="report_id", how="inner")
            .join(metrics._rules_zh(), on="rule", how="left")
            .with_columns(pl.col("rule_zh").fill_null(pl.col("rule")))
            .group_by("agency_key", *DIMS, "rule", "severity", "rule_zh")
            .agg(pl.len().cast(pl.UInt32).alias("n_findings"),
                 pl.col("report_id").n_unique().cast(pl.UInt32).alias("n_reports")))


def region_cells(corpus: Any, registry: Any = None) -> pl.DataFrame:
    """:func:`gxlib.registry.region_totals` of :data:`REGION_CELL` for every grouping of
    :data:`REGION_BY`, with ``by`` and the group's name (``group_name``, null for a level).  Exact per
    report year (reports are folded only into a report of the same year), so the build runs it one
    year at a time; only the one cell of each report is read (the cells are filtered lazily)."""
    from types import SimpleNamespace

    from . import frames as frames_mod
    from .registry import region_totals

    reg = registry if registry is not None else getattr(corpus, "registry", None)
    reg = pl.LazyFrame(schema=frames_mod.REGISTRY) if reg is None else reg.lazy()
    reg = reg.collect()
    table, row, col = REGION_CELL
    cells = metrics._lazy(corpus, "cells").filter(
        (pl.col("table") == table) & (pl.col("row") == row) & (pl.col("col") == col))
    part = SimpleNamespace(registry=reg, reports=metrics._lazy(corpus, "reports"), cells=cells)
    names = reg.select(pl.col("agency_key").alias("group"), pl.col("name").alias("group_name")).unique("group")
    out = []
    for by in REGION_BY:
        t = region_totals(part, table, row, col, by=by).drop("counted")
        if by != "level":
            t = t.join(names, on="group", how="left")
        else:
            t = t.with_columns(pl.lit(None, pl.String).alias("group_name"))
        out.append(t.select(pl.lit(by).alias("by"), "group", "group_name", pl.col("year").cast(pl.Int32),
                            pl.col("value").cast(pl.Float64), "n_counted", "n_folded", "n_duplicates", "n_ambiguous",
                            "n_missing"))
    return pl.concat(out, how="vertical")


def compute(corpus: Any, roster: pl.DataFrame | None = None, registry: Any = None) -> dict[str, pl.LazyFrame]:
    """Every aggregate as a lazy query over ``corpus`` (``kpi`` over ``indicators``; ``regions`` is
    computed when asked for: its attribution runs in Python)."""
    ind = indicator_rows(corpus, roster, registry)
    return {"indicators": ind, "kpi": kpi_cells(ind), "outcomes": outcome_cells(corpus, roster),
            "proactive": proactive_cells(corpus, roster), "findings": finding_cells(corpus, roster)}


# --------------------------------------------------------------------------------------------- reading


def pooled(kpi: pl.DataFrame | pl.LazyFrame, code: str, by: Sequence[str] = (),
           matched: str | None = None) -> pl.DataFrame:
    """Indicator ``code`` pooled over the ``kpi`` rows given (grouped by ``by``): the columns of
    :func:`gxlib.metrics.rate` — value, n_reports, n_unknown (and numerator, denominator, status).
    ``matched`` (one of :data:`MATCHED`): from the parts of :data:`PARTS` — only the reports whose
    agency's report of the year before (``in_prev``) / after (``in_next``) has the value known too;
    ``n_reports`` is how many, and there is no ``n_unknown`` (every report counted has it known)."""
    ind = metrics.INDICATORS[code]
    keys = list(by)
    suf = f"_{PARTS[matched]}" if matched else ""
    unknown = [] if matched else [pl.col(f"{code}__n_unknown").sum().alias("n_unknown")]
    lf = kpi.lazy().filter(pl.col("n_reports") > 0).group_by(keys or pl.lit(1).alias("_all"))  # older-only cells out
    if ind.denominator is None:
        out = lf.agg(metrics.known_sum(f"{code}__value{suf}", "value"),
                     pl.col(f"{code}__n{suf}").sum().alias("n_reports"), *unknown)
    else:
        floor = max(ind.min_denominator, 1e-12)
        out = (lf.agg(pl.col(f"{code}__num{suf}").sum().alias("numerator"),
                      pl.col(f"{code}__den{suf}").sum().alias("denominator"),
                      pl.col(f"{code}__n{suf}").sum().alias("n_reports"), *unknown)
               .with_columns(
                   pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator") * ind.scale)
                   .otherwise(None).alias("value"),
                   pl.when(pl.col("denominator") >= floor).then(pl.lit(metrics.RANKED))
                   .otherwise(pl.lit(metrics.INSUFFICIENT)).alias("status")))
    out = out.with_columns(pl.lit(code).alias("indicator"), pl.lit(ind.name_zh).alias("indicator_zh"))
    return out.sort(keys or "_all").drop("_all", strict=False).collect()


def outcomes_by(outcomes: pl.DataFrame | pl.LazyFrame, by: Sequence[str] = ("year",)) -> pl.DataFrame:
    """metrics.applications_by_outcome(by=by) from the ``outcomes`` rows given (already filtered):
    count (null when no value is known), share of the group's known total, n_reports, n_from_parts,
    n_unknown."""
    keys = list(by)
    order = {o: i for i, o in enumerate(metrics.OUTCOMES)}
    total = pl.col("count").sum().over(keys) if keys else pl.col("count").sum()
    return (
        outcomes.lazy().group_by(*keys, "outcome", "outcome_zh")
        .agg(metrics.known_sum("count"), pl.col("n_reports").sum(), pl.col("n_from_parts").sum(),
             pl.col("n_unknown").sum())
        .with_columns(
            pl.when(total > 0).then(pl.col("count") / total).otherwise(None).alias("share"),
            pl.col("outcome").replace_strict(order, default=99).alias("_o"),
        )
        .sort(*keys, "_o")
        .select(*keys, "outcome", "outcome_zh", "count", "share", "n_reports", "n_from_parts", "n_unknown")
        .collect()
    )


PROACTIVE_KEYS = ("template", "item", "item_zh", "measure", "measure_zh", "series", "series_zh", "comparable", "unit")


def proactive_by(proactive: pl.DataFrame | pl.LazyFrame, by: Sequence[str] = ("year",)) -> pl.DataFrame:
    """metrics.proactive_items_by_year(by=by) from the ``proactive`` rows given (already filtered)."""
    keys = list(by)
    return (
        proactive.lazy().group_by(*keys, *PROACTIVE_KEYS)
        .agg(metrics.known_sum("value"), pl.col("n_reports").sum(), pl.col("n_unknown").sum())
        .sort(*keys, "template", "item", "measure")
        .collect()
    )


def tables(corpus: Any, roster: pl.DataFrame | None = None) -> dict[str, pl.LazyFrame]:
    """The corpus's aggregates: the build's stored ones, or (a corpus built before them, or with
    another roster) the same tables computed in memory.  For notebooks and the dashboards."""
    got = stored(corpus, roster)
    if got is not None:
        return got
    q = compute(corpus, roster, getattr(corpus, "registry", None))
    out = {k: v.collect().lazy() for k, v in q.items() if k != "kpi"}
    out["kpi"] = kpi_cells(out["indicators"]).collect().lazy()
    return out


def roster_digest(roster: pl.DataFrame | None) -> str | None:
    """What the aggregates were computed with: a digest of the read roster's rows (not of the
    file's bytes: the same list as CSV or Excel, or as stored in the corpus, is the same roster)."""
    if roster is None:
        return None
    cols = sorted(roster.columns)
    return f"{int(roster.select(cols).hash_rows(seed=3).sum()):x}-{roster.height}"


def not_stored(corpus: Any, roster: pl.DataFrame | None) -> str | None:
    """Why the build's aggregates of ``corpus`` cannot be used with ``roster`` (the dashboards then
    compute them in memory), in words for ``gx serve``; None when they can (:func:`stored`)."""
    entry = (getattr(corpus, "manifest", None) or {}).get(DIR) or {}
    if not entry:
        return "the corpus has no stored aggregates (built before them, or they failed)"
    if entry.get("version") != VERSION and entry.get("version") not in KPI_AGAIN:
        return f"its aggregates are of an older gxlib (version {entry.get('version')}, now {VERSION})"
    if entry.get("roster") != roster_digest(roster):
        return "its aggregates were computed with another roster than this one"
    paths = entry.get("paths") or {}
    if not set(NAMES) <= set(paths) <= set(NAMES) | set(OPTIONAL) or not all(
            (corpus.path / p).is_file() for ps in paths.values() for p in ps):
        return "files of its aggregates are missing"
    return None


def stored(corpus: Any, roster: pl.DataFrame | None) -> dict[str, pl.LazyFrame] | None:
    """The build's aggregates of ``corpus`` as lazy scans, or None when :func:`not_stored` says why not
    (absent, of another version, computed with another roster than ``roster``, files missing).  Of a
    version of :data:`KPI_AGAIN`: ``kpi`` is :func:`kpi_cells` of the stored ``indicators`` (lazily;
    the dashboards collect it once), the other tables as stored."""
    if not_stored(corpus, roster) is not None:
        return None
    entry = corpus.manifest[DIR]
    out = {n: _scan(corpus.path, ps, n) for n, ps in entry["paths"].items()}
    if entry.get("version") in KPI_AGAIN:
        out["kpi"] = kpi_cells(out["indicators"])
    return out


# --------------------------------------------------------------------------------------------- writing


def _content(lf: pl.LazyFrame | None) -> int:
    """An order-independent digest of a small corpus-wide table (corpus findings, registry)."""
    if lf is None:
        return 0
    df = lf.collect() if isinstance(lf, pl.LazyFrame) else lf
    return int(df.hash_rows(seed=1).sum()) if df.height else 0


def _digest(manifest: dict, roster_sha: str | None, tables: Sequence[pl.LazyFrame | None] = ()) -> str:
    """The parts, alias table, roster and corpus-wide tables the aggregates were computed from."""
    blob = json.dumps([VERSION, roster_sha, sorted(manifest.get("parts", {})), manifest.get("aliases"),
                       [_content(t) for t in tables]], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _year_slices(corpus: Any) -> list[tuple[str, metrics.Frames]]:
    """The corpus one report year at a time (reports, their cells and findings): every aggregate
    is per agency-year or grouped by year, so computing it per year and concatenating is exact,
    and only one year's cells are ever in a query's state."""
    rep = metrics._lazy(corpus, "reports")
    years = rep.select(pl.col("year").unique()).collect(engine="streaming")["year"].to_list()
    out = []
    for y in sorted(years, key=lambda v: (v is None, v)):
        r = rep.filter(pl.col("year").is_null() if y is None else pl.col("year") == y)
        ids = r.select("report_id")
        out.append(("none" if y is None else str(y), metrics.Frames(
            reports=r, cells=metrics._lazy(corpus, "cells").join(ids, on="report_id", how="semi"),
            narrative=metrics._lazy(corpus, "narrative").join(ids, on="report_id", how="semi"),
            findings=metrics._lazy(corpus, "findings").join(ids, on="report_id", how="semi"))))
    return out


def _sink(q: pl.LazyFrame, out: Path, rel: str) -> None:
    if not (out / rel).is_file():  # named by content digest: present means done
        tmp = out / DIR / f".{Path(rel).name}.tmp"
        q.sink_parquet(tmp, compression="zstd", statistics=True, engine="streaming")
        os.replace(tmp, out / rel)


def _roster(out: Path) -> tuple[pl.DataFrame | None, str | None]:
    """The corpus's stored roster (None when absent or unreadable) and its digest."""
    from . import roster as roster_mod

    rpath = roster_mod.find_roster(out)
    try:
        rframe = roster_mod.read_roster(rpath) if rpath is not None else None
    except roster_mod.RosterError:
        rframe = None
    return rframe, roster_digest(rframe)


def _inputs_key(inputs: str | None, rsha: str | None) -> str | None:
    """The aggregates' inputs: the corpus-wide steps' inputs (gxlib.corpus.state.wide_key) and the roster."""
    return None if inputs is None else hashlib.sha256(f"{VERSION}\0{rsha}\0{inputs}".encode()).hexdigest()[:24]


def unchanged(out: Path, previous: dict | None, inputs: str | None) -> dict | None:
    """``previous`` (the manifest's aggregates entry) when it was computed from the same ``inputs``
    (gxlib.corpus.state.wide_key) and roster and its files are all there; else None."""
    if not previous or inputs is None or previous.get("version") != VERSION or not previous.get("inputs"):
        return None
    if previous["inputs"] != _inputs_key(inputs, _roster(out)[1]):
        return None
    paths = previous.get("paths") or {}
    if not set(NAMES) <= set(paths) or not all(
            isinstance(p, str) and p.startswith(f"{DIR}/") and ".." not in p and (out / p).is_file()
            for ps in paths.values() for p in ps):
        return None
    return previous


def write(out: Path, corpus: Any, manifest: dict, notes: list[str], registry: Any = None,
          corpus_findings: pl.LazyFrame | None = None, inputs: str | None = None) -> dict | None:
    """Compute and store the aggregates (streaming, one report year at a time) under
    ``out/aggregates``; the manifest entry, or None when it failed (said in ``notes``; the
    dashboards then compute them on the fly).

    Files are named by a digest of the parts and the roster, so an unchanged corpus is not
    recomputed; files listed by neither the new entry nor the manifest on disk are removed.
    ``inputs``: the corpus-wide steps' inputs (gxlib.corpus.state.wide_key), recorded with the roster's
    digest so that the next build with the same ones reuses the entry (:func:`unchanged`)."""
    rframe, rsha = _roster(out)
    dig = _digest(manifest, rsha, [corpus_findings, registry])
    (out / DIR).mkdir(exist_ok=True)
    entry: dict = {"version": VERSION, "roster": rsha, "paths": {n: [] for n in (*NAMES, *OPTIONAL)}, "rows": {},
                   "inputs": _inputs_key(inputs, rsha)}
    try:
        for y, part in _year_slices(corpus):
            q = compute(part, rframe, registry)
            for name in ("indicators", "outcomes", "proactive", "findings"):
                rel = f"{DIR}/{name}-{dig}-{y}.parquet"
                _sink(q[name], out, rel)
                entry["paths"][name].append(rel)
            rel = f"{DIR}/regions-{dig}-{y}.parquet"
            if not (out / rel).is_file():
                tmp = out / DIR / f".regions-{y}.tmp"
                region_cells(part, registry).write_parquet(tmp, compression="zstd", statistics=True)
                os.replace(tmp, out / rel)
            entry["paths"]["regions"].append(rel)
        rel = f"{DIR}/kpi-{dig}.parquet"
        _sink(kpi_cells(_scan(out, entry["paths"]["indicators"], "indicators")), out, rel)
        entry["paths"]["kpi"] = [rel]
        rel = f"{DIR}/carry-{dig}.parquet"  # cross-year: over the whole corpus, two cells per report
        if not (out / rel).is_file():
            tmp = out / DIR / ".carry.tmp"
            metrics.carry_over_breaks(corpus).write_parquet(tmp, compression="zstd", statistics=True)
            os.replace(tmp, out / rel)
        entry["paths"]["carry"] = [rel]
        for name, rels in entry["paths"].items():
            entry["rows"][name] = _scan(out, rels, name).select(pl.len()).collect().item()
    except Exception as e:  # noqa: BLE001 - the aggregates must not lose the build
        notes.append(f"aggregates not written ({type(e).__name__}: {e}); dashboards compute them on the fly")
        return None
    _gc(out, entry)
    return entry


def _scan(out: Path, rels: list[str], name: str) -> pl.LazyFrame:
    if rels:
        return pl.scan_parquet([str(out / r) for r in rels], glob=False)
    return pl.LazyFrame()


def write_build(out: Path, manifest: dict, lazy: dict[str, pl.LazyFrame], notes: list[str],
                inputs: str | None = None) -> dict | None:
    """:func:`write` from the build's lazy tables (per-report and corpus-scope findings together)."""
    corpus = metrics.Frames(reports=lazy["reports"], cells=lazy["cells"], narrative=lazy["narrative"],
                            findings=pl.concat([lazy["findings"], lazy["findings_corpus"]], how="vertical"))
    return write(out, corpus, manifest, notes, lazy.get("registry"), lazy["findings_corpus"], inputs)


def _gc(out: Path, entry: dict) -> None:
    keep = {p for ps in entry["paths"].values() for p in ps}
    with contextlib.suppress(OSError, ValueError, AttributeError):
        old = json.loads((out / "manifest.json").read_text()).get(DIR) or {}
        keep |= {p for ps in (old.get("paths") or {}).values() for p in ps}
    for f in (out / DIR).iterdir():
        if f"{DIR}/{f.name}" not in keep:
            with contextlib.suppress(OSError):
                f.unlink()


def refresh(out: str | os.PathLike) -> dict | None:
    """Recompute the aggregates of a built corpus (after ``gx build --roster`` stored its roster)."""
    from .corpus import load_corpus
    from .corpus.store import _write_json

    c = load_corpus(out)
    inputs = (c.manifest.get("wide") or {}).get("key")
    entry = unchanged(c.path, c.manifest.get(DIR), inputs)
    if entry is not None:  # the same roster as the build's: nothing to redo
        return entry
    notes: list[str] = []
    entry = write(c.path, c, c.manifest, notes, c.registry, c.findings_corpus, inputs)
    m = dict(c.manifest)
    m[DIR] = entry
    _write_json(m, c.path / "manifest.json")
    return entry
