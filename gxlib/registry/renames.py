"""Rename candidates: two keys that look like one body under two names.

A pair (old, new) is a candidate when old's last year + 1 = new's first year, their years never
overlap, they have the same parent in the registry (or both none), and at least one printed signal
agrees between old's last report and new's first report:

* ``same site column`` — the page address minus its date folders and file (crawler 原文链接:
  ``…/ptzhsyqgyz/zfxxgknb/202401/t…htm`` → ``…/ptzhsyqgyz/zfxxgknb``);
* ``signature`` — new's report is signed (落款) with old's name, or old's with new's;
* ``same phone`` — the contact phone's subscriber number; ``same address`` — the contact address.

Candidates are reported (``registry.rename_candidate``), never merged: only a registry or alias file
puts two names under one key.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import polars as pl

from ..agency import _clean
from ..identity import phone_digits


def site_column(url: str | None) -> str | None:
    """The site column a page sits in: host + path without the file and trailing date folders."""
    if not url:
        return None
    u = urlsplit(url.strip())
    parts = [p for p in u.path.split("/") if p]
    if parts and "." in parts[-1]:
        parts = parts[:-1]
    while parts and re.fullmatch(r"\d{4,8}|t?\d{8}(?:_\d+)?", parts[-1]):
        parts = parts[:-1]
    return (u.netloc.lower() + "/" + "/".join(parts)) if parts else None


def _ends(reports: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c in ("url", "signature", "phone", "address") if c in reports.columns]
    r = reports.filter(pl.col("agency_key").is_not_null() & pl.col("year").is_not_null()).select(
        "report_id", "agency_key", "agency", pl.col("year").cast(pl.Int32), *cols)
    for c in ("url", "signature", "phone", "address"):
        if c not in r.columns:
            r = r.with_columns(pl.lit(None, pl.String).alias(c))
    return r.join(registry.select("agency_key", "parent_key"), on="agency_key", how="left")


def rename_candidates(reports: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate pair: old/new key, name, years, the two reports, ``evidence`` (list)."""
    r = _ends(reports, registry)
    span = r.group_by("agency_key").agg(first=pl.col("year").min(), last=pl.col("year").max(),
                                        years=pl.col("year").unique())
    last = r.join(span, on="agency_key").filter(pl.col("year") == pl.col("last")).unique("agency_key", keep="first")
    first = r.join(span, on="agency_key").filter(pl.col("year") == pl.col("first")).unique("agency_key", keep="first")
    pairs = last.select(
        old_key="agency_key", old_name="agency", old_last="last", old_years="years", old_report="report_id",
        parent=pl.col("parent_key").fill_null(""), o_url="url", o_sig="signature", o_phone="phone", o_addr="address",
        join_year=pl.col("last") + 1,
    ).join(
        first.select(
            new_key="agency_key", new_name="agency", new_first="first", new_years="years", new_report="report_id",
            parent=pl.col("parent_key").fill_null(""), n_url="url", n_sig="signature", n_phone="phone",
            n_addr="address", join_year="first",
        ),
        on=["parent", "join_year"],
    ).filter(
        (pl.col("old_key") != pl.col("new_key"))
        & (pl.col("old_years").list.set_intersection(pl.col("new_years")).list.len() == 0)
    )
    out = []
    for p in pairs.iter_rows(named=True):
        ev = _evidence(p)
        if ev:
            out.append({k: p[k] for k in ("old_key", "old_name", "old_last", "old_report", "new_key", "new_name",
                                          "new_first", "new_report")} | {"evidence": ev})
    schema = {"old_key": pl.String, "old_name": pl.String, "old_last": pl.Int32, "old_report": pl.String,
              "new_key": pl.String, "new_name": pl.String, "new_first": pl.Int32, "new_report": pl.String,
              "evidence": pl.List(pl.String)}
    return pl.DataFrame(out, schema=schema, orient="row").sort("old_key", "new_key")


def _evidence(p: dict) -> list[str]:
    ev = []
    a, b = site_column(p["o_url"]), site_column(p["n_url"])
    if a and a == b:
        ev.append(f"同一网站栏目 {a}")
    if p["n_sig"] and _clean(p["n_sig"]) == _clean(p["old_name"] or ""):
        ev.append(f"{p['new_first']} 年报告落款仍为「{p['n_sig']}」")
    elif p["o_sig"] and _clean(p["o_sig"]) == _clean(p["new_name"] or ""):
        ev.append(f"{p['old_last']} 年报告落款已为「{p['o_sig']}」")
    pa, pb = phone_digits(p["o_phone"]), phone_digits(p["n_phone"])
    if pa and pa == pb:
        ev.append(f"同一联系电话 {p['n_phone']}")
    if p["o_addr"] and _clean(p["o_addr"]) == _clean(p["n_addr"] or ""):
        ev.append(f"同一联系地址 {p['n_addr']}")
    return ev


def rename_findings(candidates: pl.DataFrame) -> list[dict]:
    from . import finding

    return [finding("registry.rename_candidate", c["new_report"], old_name=c["old_name"], old_last=c["old_last"],
                    new_name=c["new_name"], new_first=c["new_first"], evidence="；".join(c["evidence"]))
            for c in candidates.iter_rows(named=True)]
