"""The quality page's coverage grid (agency × year, :func:`gxlib.roster.coverage`) at national scale.

The grid has one row per agency and year: 10⁶ rows for 143k agencies.  The page never holds it:
a first-use pass (one streaming query over the ``indicators`` columns it reads) keeps two small
tables, the status counts per filter cell × year and one row per agency (its wide-table index and
how many of its years are a problem); a filter is then a polars filter over them.  The grid rows of
the few agencies a view shows (the table's first rows, the heat map) are computed again for those
agencies only (:func:`grid`, the report scan cut to their keys); the whole grid is computed on
demand for a download.  Every count is the one :func:`gxlib.roster.coverage` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from .. import roster as roster_mod
from ..roster import GRID_COLS, LATE, MISSING
from .data import Data, apply_filters

FILTERS = ("region", "level", "agency_type")
INDEX = ["agency_key", "agency", "region", "level", "agency_type"]  # a row of the wide table
ORDER = ["agency", "agency_key", "region", "level", "agency_type"]  # after the problem count: a total order
OFF_COLS = ["agency", "agency_key", "region", "level", "year", "timeliness", "published", "report_id"]


def problem_column(with_roster: bool) -> str:
    return "问题年数" if with_roster else "逾期年数"


def bad_expr(with_roster: bool) -> pl.Expr:
    """A problem year: 逾期 or 未发布 with a roster; without one only 逾期 (a year not collected is
    not the agency's problem)."""
    bad = pl.col("status").is_in([LATE, MISSING]) if with_roster else (pl.col("timeliness") == LATE)
    return bad.fill_null(False)


def _reports(data: Data, keys: pl.Series | None = None, counts: bool = False) -> pl.LazyFrame:
    """The grid's input (GRID_COLS of the ``indicators`` rows); ``counts``: for the status counts
    only, so the report id, publication and due dates (which do not decide a status) are not read."""
    cols = [c for c in GRID_COLS if c != "timeliness"]
    if counts:
        cols = [c if c not in ("report_id", "published", "due") else
                pl.lit(1 if c == "report_id" else None, pl.Int8 if c == "report_id" else pl.Date).alias(c)
                for c in cols]
    lf = data.agg["indicators"].select(cols)
    return lf.filter(pl.col("agency_key").is_in(keys.implode())) if keys is not None else lf


def grid(data: Data, keys: pl.Series | None = None, sort: bool = True, counts: bool = False) -> pl.LazyFrame:
    """The coverage grid, lazily; of the agencies ``keys`` only when given (the same rows as the
    whole grid's for them: an agency's rows depend on its own reports and roster entry only);
    ``counts``: statuses only (report_id a placeholder, no dates; the names and dimensions
    categorical: a third less memory for the 10⁶-row pass; cast back to strings after it)."""
    if "indicators" not in data.agg or not data.years:
        return pl.LazyFrame(schema={c: pl.String for c in GRID_COLS})
    ros = data.roster
    if keys is not None and ros is not None:
        ros = ros.filter(pl.col("agency_key").is_in(keys.implode()))
    rep = _reports(data, keys, counts)
    if counts:
        rep = rep.with_columns(pl.col(c).cast(pl.Categorical) for c in INDEX)
        if ros is not None:
            ros = ros.with_columns(pl.col(c).cast(pl.Categorical) for c in INDEX if c in ros.columns)
    return roster_mod.coverage(rep, ros, data.years, sort=sort)


@dataclass
class Summary:
    """What the page shows of the whole grid, small: ``cells`` (filter cell × year × status ×
    timeliness → n rows), ``rows`` (one per wide-table row: its index and problem years),
    ``agencies`` (agency × the filter cells of its counted reports, for the carry-over breaks) and
    ``carry`` (how many carry-over breaks each agency has; set at the panel's first use)."""

    cells: pl.DataFrame
    rows: pl.DataFrame
    agencies: pl.DataFrame
    carry: pl.DataFrame | None = None


def summary(data: Data, carry: pl.LazyFrame | None = None) -> Summary:
    """The page's :class:`Summary` of ``data``, computed once per corpus (one pass over the grid;
    ``carry``: the carry-over breaks, counted per agency)."""
    store = data.cache.setdefault("coverage", {})
    if "summary" not in store:
        wr = data.roster is not None
        g = grid(data, sort=False, counts=True)
        cells = g.group_by(*FILTERS, "year", "status", "timeliness").agg(pl.len().cast(pl.UInt32).alias("n"))
        rows = g.group_by(INDEX).agg(bad_expr(wr).sum().cast(pl.Int32).alias("_bad"))
        agencies = (data.counted().select("agency_key", *FILTERS).unique() if "indicators" in data.agg
                    else pl.LazyFrame(schema={c: pl.String for c in ("agency_key", *FILTERS)}))
        store["summary"] = Summary(*[f.with_columns(pl.col(pl.Categorical).cast(pl.String)) for f in
                                     pl.collect_all([cells, rows, agencies], engine="streaming")])
    s = store["summary"]
    if s.carry is None and carry is not None:
        s.carry = carry.group_by("agency_key").agg(pl.len().cast(pl.UInt32).alias("n")).sort("agency_key").collect()
    return s


def by_year(s: Summary, state: Mapping[str, Any], with_roster: bool) -> pl.DataFrame:
    """Agencies per year × status (with a roster), or per year × timeliness of the collected reports."""
    c = apply_filters(s.cells, state, FILTERS)
    if not with_roster:
        c = c.filter(pl.col("timeliness").is_not_null()).with_columns(pl.col("timeliness").alias("status"))
    return (c.group_by("year", "status").agg(pl.col("n").sum().cast(pl.UInt32)).sort("year", "status"))


def n_rows(s: Summary, state: Mapping[str, Any], status: str | None = None) -> int:
    c = apply_filters(s.cells, state, FILTERS)
    return int(c.filter(pl.col("status") == status)["n"].sum() if status else c["n"].sum())


def wide_order(s: Summary, state: Mapping[str, Any], with_roster: bool) -> pl.DataFrame:
    """The wide table's rows (INDEX + the problem column, unsorted), without the years."""
    name = problem_column(with_roster)
    r = apply_filters(s.rows, state, FILTERS)
    n = r.group_by("agency_key").agg(pl.col("_bad").sum().cast(pl.Int32).alias(name))
    return r.select(INDEX).join(n, on="agency_key", how="left")


def _first(order: pl.DataFrame, name: str, rows: int) -> pl.DataFrame:
    """The first ``rows`` of ``order`` in the page's order (most problem years first, then ORDER):
    only the rows at or above the ``rows``-th largest count are sorted."""
    if order.height > rows:
        order = order.filter(pl.col(name) >= order[name].top_k(rows).min())
    return order.sort([name, *ORDER], descending=[True] + [False] * len(ORDER), nulls_last=True).head(rows)


def grid_wide(g: pl.DataFrame, with_roster: bool, years: list[int] | None = None) -> pl.DataFrame:
    """One row per agency, a column per year (``years``: the columns of the whole filtered grid,
    when ``g`` is only some agencies' rows) and the problem column (逾期 + 未发布 with a roster,
    else 逾期), the agencies with the most problem years first."""
    if g.height == 0:
        return g
    w = g.pivot(on="year", index=INDEX, values="status", aggregate_function="first", sort_columns=True)
    ycols = [c for c in w.columns if c.isdigit()]
    name = problem_column(with_roster)
    n = g.group_by("agency_key").agg(bad_expr(with_roster).sum().cast(pl.Int32).alias(name))
    w = w.rename({c: f"{c}年" for c in ycols}).join(n, on="agency_key", how="left")
    if years is not None:
        want = [f"{y}年" for y in sorted(str(y) for y in years)]
        w = w.with_columns(pl.lit(None, pl.String).alias(c) for c in want if c not in w.columns).select(
            *INDEX, *want, name)
    return w.sort([name, *ORDER], descending=[True] + [False] * len(ORDER), nulls_last=True)


def filtered_grid(data: Data, state: Mapping[str, Any], keys: pl.Series | None = None) -> pl.DataFrame:
    return apply_filters(grid(data, keys), state, FILTERS).collect()


@dataclass
class GridView:
    """The grid panel's rows: ``by_year`` (year × status → n), ``head`` (the wide table's first rows),
    ``heat`` (the grid rows of the agencies with a problem among them, at most ``worst``), ``worst``
    (their names in order) and ``total`` (wide rows in all)."""

    by_year: pl.DataFrame
    head: pl.DataFrame
    heat: pl.DataFrame
    worst: list[str]
    total: int


def view(data: Data, state: Mapping[str, Any], rows: int = 40) -> GridView:
    """The grid panel under ``state``: the whole grid's counts, the first ``rows`` agencies' rows."""
    wr = data.roster is not None
    s = summary(data)
    name = problem_column(wr)
    order = wide_order(s, state, wr)
    first = _first(order, name, rows)
    sub = filtered_grid(data, state, first["agency_key"].unique()) if first.height else pl.DataFrame()
    years = (apply_filters(s.cells, state, FILTERS)["year"].unique().to_list()) if first.height else []
    head = grid_wide(sub, wr, years) if sub.height else pl.DataFrame()
    # the whole table's first rows: ``head`` has every row of their agencies, in the same total order
    head = head.head(rows)
    worst = head.filter(pl.col(name) > 0).head(40) if head.height else head
    heat = (sub.filter(pl.col("agency_key").is_in(worst["agency_key"].implode()))
            .with_columns(pl.col("published").cast(pl.String))) if worst.height else pl.DataFrame()
    return GridView(by_year(s, state, wr), head, heat, worst["agency"].to_list() if worst.height else [],
                    order.height)


def off_roster_rows(data: Data, state: Mapping[str, Any], limit: int | None = None) -> pl.DataFrame:
    """The grid's 名单外 rows under ``state`` (reports of bodies not on the roster), in its order."""
    if data.roster is None or "indicators" not in data.agg or not data.years:
        return pl.DataFrame()
    lf = apply_filters(roster_mod.off_roster(_reports(data), data.roster), state, FILTERS)
    lf = lf.sort("agency", "agency_key", "year")
    return (lf.head(limit) if limit is not None else lf).select(OFF_COLS).collect()
