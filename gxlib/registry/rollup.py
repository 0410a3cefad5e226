"""Roll-ups and region views over a corpus with a registry.

Every function takes ``corpus``: a :class:`gxlib.corpus.Corpus` (or anything with ``registry``,
``reports`` and ``cells`` frames, lazy or not).

* **Members** of a consolidated body are the bodies whose ``parent_key`` is it, except other
  governments (政府: a county's 本级政府 report is its own consolidation, not part of its city's).
* One report per body and year is used: when a body has several for one year (two crawls of one
  report), the one with the fewest ambiguous cells (then the smallest report_id) is kept, the others
  are ``duplicate``.
* In a roll-up a blank cell counts 0 in the members' sum; an ambiguous member cell makes the sum
  unknown (null, counted in ``members_ambiguous``); a blank or ambiguous consolidated cell is not
  compared.
* Region totals count each report once: a member's report is ``folded`` into its consolidated
  parent's report of the same year when there is one (its applications are already there), else
  ``counted``.  Ambiguous cells are excluded and counted, never taken as 0.
"""

from __future__ import annotations

import polars as pl

from .. import spec


def _df(x) -> pl.DataFrame:
    return x.collect() if isinstance(x, pl.LazyFrame) else x


def _parts(corpus) -> tuple[pl.DataFrame, pl.DataFrame]:
    reg = _df(corpus.registry)
    rep = _df(corpus.reports).select("report_id", "agency_key", pl.col("year").cast(pl.Int32), "n_ambiguous")
    return reg, rep.filter(pl.col("agency_key").is_not_null() & pl.col("year").is_not_null())


def _kept(rep: pl.DataFrame) -> pl.DataFrame:
    """One report per (agency_key, year), with ``dups`` the others' ids."""
    s = rep.sort("agency_key", "year", pl.col("n_ambiguous").fill_null(0), "report_id")
    return s.group_by("agency_key", "year", maintain_order=True).agg(
        report_id=pl.col("report_id").first(), dups=pl.col("report_id").slice(1))


def members(corpus, key: str) -> pl.DataFrame:
    """The members of ``key`` in the registry (key, name, type, years)."""
    reg = _df(corpus.registry)
    return reg.filter((pl.col("parent_key") == key) & (pl.col("agency_type").fill_null("") != "政府")).select(
        "agency_key", "name", "agency_type", "level", "years").sort("agency_key")


def _consolidated(reg: pl.DataFrame) -> list[str]:
    has_members = reg.filter(pl.col("agency_type").fill_null("") != "政府")["parent_key"].drop_nulls().unique()
    return reg.filter(pl.col("consolidated").fill_null(False) & pl.col("agency_key").is_in(has_members.implode()))[
        "agency_key"].sort().to_list()


def rollup(corpus, key: str | None = None, tables=("applications", "reviews")) -> pl.DataFrame:
    """Per consolidated body, year and cell of 表三/表四: ``consolidated`` vs ``members_sum``, with
    ``members_reported`` (members printing the cell), ``members_present`` (members with a report that
    year), ``members_registry`` (members in the registry) and ``exceeds`` (Σ members > consolidated;
    null when not comparable).  Vectorised over all bodies (one join per step, no loop per body)."""
    reg, rep = _parts(corpus)
    kept = _kept(rep).select("agency_key", "year", "report_id")
    cons_keys = [key] if key else _consolidated(reg)
    mem = reg.filter(pl.col("parent_key").is_in(cons_keys) & (pl.col("agency_type").fill_null("") != "政府")).select(
        "agency_key", c_key="parent_key")
    n_reg = mem.group_by("c_key").agg(members_registry=pl.len().cast(pl.Int32))
    c_rep = kept.filter(pl.col("agency_key").is_in(cons_keys)).select(c_key="agency_key", year="year",
                                                                        c_report="report_id")
    m_rep = kept.join(mem, on="agency_key").select("c_key", "year", "report_id")
    present = m_rep.group_by("c_key", "year").agg(members_present=pl.len().cast(pl.Int32))
    cells = _df(corpus.cells).filter(pl.col("table").is_in(list(tables))).select(
        "report_id", "table", "row", "col", "value", pl.col("ambiguous").fill_null(False))
    cons = cells.join(c_rep, left_on="report_id", right_on="c_report").select(
        "c_key", "year", "report_id", "table", "row", "col", consolidated="value", consolidated_ambiguous="ambiguous")
    msum = cells.join(m_rep, on="report_id").group_by("c_key", "year", "table", "row", "col").agg(
        s=pl.col("value").filter(~pl.col("ambiguous")).fill_null(0).sum(),
        members_ambiguous=pl.col("ambiguous").sum().cast(pl.Int32),
        members_reported=pl.len().cast(pl.Int32),
    )
    j = (cons.join(msum, on=["c_key", "year", "table", "row", "col"], how="left")
         .join(present, on=["c_key", "year"], how="left").join(n_reg, on="c_key", how="left"))
    j = j.with_columns(
        members_sum=pl.when(pl.col("members_ambiguous").fill_null(0) == 0).then(pl.col("s").fill_null(0)),
        members_ambiguous=pl.col("members_ambiguous").fill_null(0),
        members_reported=pl.col("members_reported").fill_null(0),
        members_present=pl.col("members_present").fill_null(0),
    ).with_columns(
        exceeds=pl.when(pl.col("consolidated").is_not_null() & ~pl.col("consolidated_ambiguous")
                        & pl.col("members_sum").is_not_null())
        .then(pl.col("members_sum") > pl.col("consolidated") + 1e-9)
    )
    return j.select(
        pl.col("c_key").alias("agency_key"), "year", "report_id", "table", "row", "col", "consolidated",
        "consolidated_ambiguous", "members_sum", "members_ambiguous", "members_reported", "members_present",
        "members_registry", "exceeds",
    ).sort("agency_key", "year", "table", "row", "col")


def rollup_findings(corpus) -> list[dict]:
    """``rollup.members_exceed`` for every cell where Σ members > the consolidated figure."""
    from . import _fmt, finding

    ru = rollup(corpus).filter(pl.col("exceeds").fill_null(False))
    return [finding("rollup.members_exceed", r["report_id"], r["table"], r["row"], r["col"], r["consolidated"],
                    r["members_sum"], year=r["year"], label=_label(r["table"], r["row"], r["col"]),
                    members=_fmt(r["members_sum"]), n=r["members_reported"], consolidated=_fmt(r["consolidated"]))
            for r in ru.iter_rows(named=True)]


def _label(table: str, row: str, col: str) -> str:
    t = {"applications": "表三", "reviews": "表四"}.get(table, table)
    try:
        return f"{t} {spec.row_display(table, row, with_group=True)} {spec.col_label(table, col)}"
    except (KeyError, ValueError):
        return f"{t} {row}.{col}"


def coverage(corpus, key: str | None = None) -> pl.DataFrame:
    """Per consolidated body and year: its report (or null), members present / in the registry, who
    is missing, cells compared and exceeded, and a plain statement."""
    reg, rep = _parts(corpus)
    kept = _kept(rep)
    ru = rollup(corpus, key)
    names = dict(zip(reg["agency_key"], reg["name"]))
    rows = []
    for c in [key] if key else _consolidated(reg):
        mem = members(corpus, c)["agency_key"].to_list()
        by_year = kept.filter(pl.col("agency_key").is_in([c, *mem]))
        for y in sorted(by_year["year"].unique().to_list()):
            here = set(by_year.filter(pl.col("year") == y)["agency_key"].to_list())
            mine = kept.filter((pl.col("agency_key") == c) & (pl.col("year") == y))["report_id"].to_list()
            cy = ru.filter((pl.col("agency_key") == c) & (pl.col("year") == y))
            compared = int(cy["exceeds"].is_not_null().sum())
            exceeded = int(cy["exceeds"].fill_null(False).sum())
            present = [m for m in mem if m in here]
            missing = [m for m in mem if m not in here]
            rows.append({"agency_key": c, "year": y, "report_id": mine[0] if mine else None,
                         "members_present": len(present), "members_registry": len(mem),
                         "present": [names.get(m, m) for m in present], "missing": [names.get(m, m) for m in missing],
                         "cells_compared": compared, "cells_exceeded": exceeded,
                         "statement": _statement(names.get(c, c), y, bool(mine), len(present), len(mem), compared,
                                                 exceeded, [names.get(m, m) for m in missing])})
    schema = {"agency_key": pl.String, "year": pl.Int32, "report_id": pl.String, "members_present": pl.Int32,
              "members_registry": pl.Int32, "present": pl.List(pl.String), "missing": pl.List(pl.String),
              "cells_compared": pl.Int32, "cells_exceeded": pl.Int32, "statement": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _statement(name, year, has_report, present, total, compared, exceeded, missing) -> str:
    cov = f"所属单位报告 {present}/{total} 个"
    if missing:
        cov += "（缺：" + "、".join(missing[:5]) + ("等" if len(missing) > 5 else "") + "）"
    if not has_report:
        return f"{name} {year} 年：无汇总报告；{cov}，其和不是该地区的全部"
    if not compared:
        return f"{name} {year} 年：汇总报告没有可与所属单位逐格比较的表三/表四数字；{cov}"
    if exceeded:
        return f"{name} {year} 年：汇总报告与{cov}逐格比较 {compared} 格，其中 {exceeded} 格所属单位之和大于汇总数（不可能，见 rollup.members_exceed）"
    return f"{name} {year} 年：汇总报告与{cov}逐格比较 {compared} 格，所属单位之和均不超过汇总数；汇总数另含名录外单位或未公开报告的单位"


def _ancestors(reg: pl.DataFrame) -> dict[str, list[str]]:
    parent = dict(zip(reg["agency_key"], reg["parent_key"]))
    out = {}
    for k in parent:
        chain, seen, p = [], {k}, parent.get(k)
        while p and p not in seen:
            chain.append(p)
            seen.add(p)
            p = parent.get(p)
        out[k] = chain
    return out


def attribution(corpus) -> pl.DataFrame:
    """Every report once: ``role`` counted | folded | duplicate and ``counted_in`` (the report that
    carries its applications in a region total: itself, its consolidated parent's, or the kept copy)."""
    reg, rep = _parts(corpus)
    kept = _kept(rep)
    cons = set(_consolidated(reg))
    is_member = {k for k, p, t in zip(reg["agency_key"], reg["parent_key"], reg["agency_type"])
                 if p in cons and t != "政府"}
    parent = dict(zip(reg["agency_key"], reg["parent_key"]))
    have = {(k, y): r for k, y, r in kept.select("agency_key", "year", "report_id").iter_rows()}
    rows = []
    for k, y, rid, dups in kept.iter_rows():
        target, cur, seen = rid, k, {k}
        while cur in is_member and (parent[cur], y) in have and parent[cur] not in seen:
            cur = parent[cur]
            seen.add(cur)
            target = have[(cur, y)]
        rows.append({"report_id": rid, "agency_key": k, "year": y, "role": "counted" if target == rid else "folded",
                     "counted_in": target, "counted_key": cur})
        rows += [{"report_id": d, "agency_key": k, "year": y, "role": "duplicate", "counted_in": target,
                  "counted_key": cur} for d in dups]
    schema = {"report_id": pl.String, "agency_key": pl.String, "year": pl.Int32, "role": pl.String,
              "counted_in": pl.String, "counted_key": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def region_totals(corpus, table: str = "applications", row: str = "new_received", col: str = "total",
                  by: str = "root") -> pl.DataFrame:
    """One cell summed per group and year, each report once (:func:`attribution`).  ``by``: ``root``
    (the topmost body above it in the registry), ``parent`` (the counted body's parent, or itself when
    it has none) or ``level``.  Columns: group, year, value, n_counted, n_folded, n_duplicates,
    n_ambiguous (counted reports whose cell is ambiguous: left out of value), n_missing (counted
    reports that do not print the cell), counted (keys summed)."""
    reg, _ = _parts(corpus)
    att = attribution(corpus)
    cell = _df(corpus.cells).filter((pl.col("table") == table) & (pl.col("row") == row) & (pl.col("col") == col)
                                    ).select("report_id", "value", pl.col("ambiguous").fill_null(False)).unique("report_id")
    anc = _ancestors(reg)
    info = reg.select("agency_key", "parent_key", "level")
    groups = {k: (a[-1] if a else k) for k, a in anc.items()}
    counted = att.filter(pl.col("role") == "counted").join(cell, on="report_id", how="left").join(
        info, on="agency_key", how="left")
    gexpr = {"root": pl.col("agency_key").replace_strict(groups, default=pl.col("agency_key"), return_dtype=pl.String),
             "parent": pl.coalesce("parent_key", "agency_key"),
             "level": pl.col("level").fill_null("未知")}[by]
    folded = att.filter(pl.col("role") != "counted").join(
        att.filter(pl.col("role") == "counted").select("report_id", g_key="agency_key"),
        left_on="counted_in", right_on="report_id").join(info, left_on="g_key", right_on="agency_key", how="left")
    fold_g = folded.with_columns(agency_key=pl.col("g_key")).with_columns(group=gexpr).group_by("group", "year").agg(
        n_folded=(pl.col("role") == "folded").sum().cast(pl.Int32),
        n_duplicates=(pl.col("role") == "duplicate").sum().cast(pl.Int32))
    tot = counted.with_columns(group=gexpr).group_by("group", "year").agg(
        value=pl.col("value").filter(~pl.col("ambiguous")).fill_null(0).sum(),
        n_counted=pl.len().cast(pl.Int32),
        n_ambiguous=pl.col("ambiguous").fill_null(False).sum().cast(pl.Int32),
        n_missing=pl.col("ambiguous").is_null().sum().cast(pl.Int32),
        counted=pl.col("agency_key").sort(),
    )
    return tot.join(fold_g, on=["group", "year"], how="left").with_columns(
        pl.col("n_folded").fill_null(0), pl.col("n_duplicates").fill_null(0),
    ).select("group", "year", "value", "n_counted", "n_folded", "n_duplicates", "n_ambiguous", "n_missing",
             "counted").sort("group", "year")


# ----------------------------------------------------------------------------- agency picker / card


def agency_names(corpus, key: str) -> pl.DataFrame:
    """Every name ``key`` printed, with its first and last year (the picker's 「曾用名」)."""
    reg = _df(corpus.registry).filter(pl.col("agency_key") == key)
    if reg.is_empty():
        return pl.DataFrame(schema={"name": pl.String, "first": pl.Int32, "last": pl.Int32, "years": pl.List(pl.Int32)})
    return reg.select(pl.col("names").explode()).unnest("names").with_columns(
        first=pl.col("years").list.min(), last=pl.col("years").list.max()).select("name", "first", "last", "years")


def agency_card(corpus, key: str, year: int | None = None) -> dict:
    """What the agency card shows: names across years, parent, level/type with their sources, and —
    for a consolidated body — 本级 (its own report) vs 所属单位合计 per cell for ``year`` (default: its
    latest report), the members listed, and the coverage statement."""
    reg = _df(corpus.registry)
    me = reg.filter(pl.col("agency_key") == key)
    if me.is_empty():
        raise KeyError(f"{key!r} is not in the registry")
    r = me.row(0, named=True)
    parent = reg.filter(pl.col("agency_key") == r["parent_key"]) if r["parent_key"] else reg.clear()
    card = {
        "agency_key": key, "name": r["name"], "names": agency_names(corpus, key),
        "parent": {"agency_key": r["parent_key"], "name": parent["name"][0] if parent.height else None,
                   "source": r["parent_source"]} if r["parent_key"] else None,
        **{c: r[c] for c in ("level", "level_source", "agency_type", "type_source", "region", "division_code",
                             "consolidated", "consolidated_source")},
        "members": members(corpus, key), "rollup": None, "coverage": None, "year": None,
    }
    if card["members"].is_empty():
        return card
    ru = rollup(corpus, key)
    if year is None:
        year = int(ru["year"].max()) if ru.height else None
    cov = coverage(corpus, key)
    card["year"] = year
    card["coverage"] = cov.filter(pl.col("year") == year) if year is not None else cov.clear()
    card["rollup"] = ru.filter(pl.col("year") == year).select(
        "table", "row", "col", pl.col("consolidated").alias("本级报告"), pl.col("members_sum").alias("所属单位合计"),
        "members_reported", "members_present", "members_registry", "exceeds")
    return card
