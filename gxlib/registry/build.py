"""The registry frame (``frames.REGISTRY``): one row per body, from the corpus' reports, the names'
inference (:func:`gxlib.agency.describe_agency`), the alias table and the registry file.

Precedence for every fact: the registry file (source ``registry``, or ``confirmed`` when its row
says 是 in ``confirmed``) over the report text (``text``: a 汇总…各有关单位…编制 sentence) over
the names (``inferred``); ``none`` when nothing says it.  A key given by the alias table reads
``alias``.  Nothing is dropped: a body in the file without a report is a row with ``n_reports``
0, a parent the corpus does not know is kept as given and reported (``registry.parent_missing``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from .. import frames
from ..agency import _clean, agency_key, describe_agency
from . import codes
from .io import RegistryFile, parent_cycles


def key_function(registry: RegistryFile | None, aliases: Mapping[str, str] | None) -> Callable[[str], str]:
    """printed name → key: a name the registry file lists, else :func:`agency_key` with the
    aliases (so an unlisted spelling still folds)."""
    names = registry.name_map() if registry else {}

    def keyfn(name: str) -> str:
        s = _clean(name)
        if s in names:
            return names[s]
        k = agency_key(name, aliases) if aliases else agency_key(name)
        return names.get(_clean(k), k)

    return keyfn


def _key_source(name: str, key: str, registry: RegistryFile | None, aliases: Mapping[str, str] | None) -> str:
    if registry and _clean(name) in registry.name_map():
        return "confirmed" if registry.entries[key].get("confirmed") else "registry"
    if aliases and (_clean(name) in aliases):
        return "alias"
    return "inferred"


def _names(reports: pl.DataFrame) -> pl.DataFrame:
    """agency_key → names (struct name, years) in order of first year, latest name, years."""
    by_name = (
        reports.filter(pl.col("agency").is_not_null())
        .group_by("agency_key", "agency")
        .agg(years=pl.col("year").drop_nulls().unique().sort().cast(pl.Int32))
        .with_columns(first=pl.col("years").list.min(), last=pl.col("years").list.max())
        .sort("agency_key", "first", "agency", nulls_last=True)
    )
    return by_name.group_by("agency_key", maintain_order=True).agg(
        names=pl.struct(name=pl.col("agency"), years=pl.col("years")),
        latest=pl.col("agency").sort_by(pl.col("last").fill_null(-1), "agency").last(),
    )


def build_registry(reports: pl.DataFrame, registry: RegistryFile | None = None,
                   aliases: Mapping[str, str] | None = None) -> tuple[pl.DataFrame, list[dict]]:
    """(REGISTRY frame, findings rows) for a corpus' REPORTS (``agency_key`` already computed with
    :func:`key_function`).  Findings: ``registry.parent_missing``, ``registry.no_report``,
    ``registry.parent_cycle`` (see :data:`gxlib.registry.RULES`)."""
    rep = reports.filter(pl.col("agency_key").is_not_null())
    if "consolidates" not in rep.columns:
        rep = rep.with_columns(consolidates=pl.lit(False))
    per = rep.group_by("agency_key").agg(
        years=pl.col("year").drop_nulls().unique().sort().cast(pl.Int32),
        n_reports=pl.len().cast(pl.Int32),
        consolidates=pl.col("consolidates").fill_null(False).any(),
        first_report=pl.col("report_id").sort_by(pl.col("year").fill_null(-1), "report_id").last(),
    ).join(_names(rep), on="agency_key", how="left")
    rows: dict[str, dict] = {}
    for r in per.iter_rows(named=True):
        rows[r["agency_key"]] = _inferred_row(r, registry, aliases)
    entries = registry.entries if registry else {}
    for key, e in entries.items():
        row = rows.get(key) or _inferred_row({"agency_key": key, "latest": e.get("name") or key, "names": [],
                                              "years": [], "n_reports": 0, "consolidates": False}, None, None)
        rows[key] = _apply_file(row, e)
    keyfn = key_function(registry, aliases)
    for row in rows.values():  # an inferred parent goes through the same names → key table
        if row["parent_source"] == "inferred" and row["parent_key"]:
            row["parent_key"] = keyfn(row["parent_key"])
            if row["parent_key"] == row["agency_key"]:
                row["parent_key"], row["parent_source"] = None, "none"
    findings = _findings(rows, entries, per)
    df = pl.DataFrame([{c: r.get(c) for c in frames.REGISTRY} for r in rows.values()] or None,
                      schema=frames.REGISTRY, orient="row") if rows else frames.empty("registry")
    return df.sort("agency_key"), findings


def _inferred_row(r: dict, registry: RegistryFile | None, aliases: Mapping[str, str] | None) -> dict:
    name = r.get("latest") or r["agency_key"]
    d = describe_agency(name)
    names = r.get("names") or []
    src = {_key_source(n["name"], r["agency_key"], registry, aliases) for n in names} or {"inferred"}
    key_source = next((s for s in ("confirmed", "registry", "alias") if s in src), "inferred")

    def s(v):
        return "inferred" if v is not None else "none"

    # A report consolidates its members when its text says so (「汇总…各有关单位…编制」) or the
    # registry file marks it; a 本级政府's name alone does not tell (many cover only the
    # government itself), and comparing those would report impossible sums that are not.
    cons, cons_src = (True, "text") if r.get("consolidates") else (False, "none")
    code = codes.division_code(d["province"], d["city"], d["county"])
    return {
        "agency_key": r["agency_key"], "name": name, "names": names, "key_source": key_source,
        "years": r.get("years") or [], "n_reports": r.get("n_reports") or 0,
        "level": d["level"], "level_source": s(d["level"]),
        "agency_type": d["agency_type"], "type_source": s(d["agency_type"]),
        "parent_key": d["parent_key"], "parent_source": s(d["parent_key"]),
        "region": d["region"], "region_source": s(d["region"]),
        "division_code": code, "consolidated": cons, "consolidated_source": cons_src, "note": None,
        "_report": r.get("first_report"),
    }


def _apply_file(row: dict, e: dict) -> dict:
    src = "confirmed" if e.get("confirmed") else "registry"
    for col, scol in (("level", "level_source"), ("agency_type", "type_source"), ("parent_key", "parent_source"),
                      ("region", "region_source"), ("consolidated", "consolidated_source")):
        if e.get(col) is not None:
            row[col], row[scol] = e[col], src
    if e.get("division_code"):
        row["division_code"] = e["division_code"]
    if e.get("name"):
        row["name"] = e["name"]
    if e.get("note"):
        row["note"] = e["note"]
    if row["key_source"] == "inferred" and (e.get("names") or e.get("confirmed")):
        row["key_source"] = src
    return row


def _findings(rows: dict[str, dict], entries: dict, per: pl.DataFrame) -> list[dict]:
    from . import finding

    out = []
    for key, row in rows.items():
        parent = row["parent_key"]
        if parent and parent not in rows:
            f = finding("registry.parent_missing", row.get("_report"), key=key, parent=parent,
                        source=row["parent_source"])
            if row["parent_source"] == "inferred":  # a name's parent outside the corpus is common: note it
                f["severity"] = "info"
            out.append(f)
        if key in entries and not row["n_reports"]:
            out.append(finding("registry.no_report", None, key=key))
    for cyc in parent_cycles({k: r["parent_key"] for k, r in rows.items()}):
        out.append(finding("registry.parent_cycle", rows[cyc[0]].get("_report"), cycle=" → ".join(cyc)))
    return out
