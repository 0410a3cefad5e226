"""The roster: who must publish an annual report, from which year — the only basis for 未发布.

A corpus holds the reports that were *collected*; an agency-year missing from it may simply not have
been collected.  Non-publication can only be judged against a list of the bodies that must publish.
Give one as CSV, TSV or Excel (first sheet), one row per body, headers in Chinese or English:

=============  ==============  ========  =====================================================
column         also accepted   required  meaning
=============  ==============  ========  =====================================================
机关           agency          yes       the body's name (matched through ``agency_key``, so
                                         spellings and 办公厅/政府 variants agree)
起始年度       from_year       no        first report year it must publish (default: the
                                         corpus's first year)
终止年度       to_year         no        last report year (a body merged or abolished)
层级           level           no        省级 / 市级 / 县级 / 乡级 (fills an unknown level)
上级           parent          no        the parent body (shown, not used in counts)
机关类型       agency_type     no        政府 / 部门 (sets the 条例 第四十九条 deadline)
地区           region          no        region shown for a body with no report
=============  ==============  ========  =====================================================

``gx build --roster FILE`` stores it in the corpus folder as ``roster.csv``; ``gx serve --roster
FILE`` (or ``$GX_ROSTER``) overrides that.  With a roster the quality dashboard shows 按时 / 逾期 /
未发布 / 日期不详 per agency-year and lists reports of bodies not on it as 名单外; without one
only 已收录 / 未收录, never 未发布.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .errors import GxError

ROSTER_FILE = "roster.csv"
COLUMNS = {  # canonical: accepted headers
    "agency": ("机关", "机关名称", "agency", "name"),
    "from_year": ("起始年度", "起始年份", "from_year", "from"),
    "to_year": ("终止年度", "终止年份", "to_year", "to"),
    "level": ("层级", "level"),
    "parent": ("上级", "上级机关", "parent"),
    "agency_type": ("机关类型", "类型", "agency_type", "type"),
    "region": ("地区", "region"),
}
SCHEMA = {"agency": pl.String, "agency_key": pl.String, "from_year": pl.Int32, "to_year": pl.Int32,
          "level": pl.String, "parent": pl.String, "agency_type": pl.String, "region": pl.String}


class RosterError(GxError, ValueError):
    """A roster file that cannot be used (said in Chinese and English, nothing is changed)."""


def _read_raw(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pl.read_excel(path, engine="openpyxl", infer_schema_length=0)
        text = path.read_text(encoding="utf-8-sig")
        sep = "\t" if suffix == ".tsv" or "\t" in text.split("\n", 1)[0] else ","
        return pl.read_csv(text.encode(), separator=sep, infer_schema=False)
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError, ImportError) as e:
        raise RosterError(f"名单文件无法读取 / cannot read roster {path}: {e}") from e


def _canonical(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    lookup = {h.lower(): c for c, hs in COLUMNS.items() for h in hs}
    ren = {c: lookup[c.strip().lower()] for c in frame.columns if c.strip().lower() in lookup}
    frame = frame.rename(ren).select(list(dict.fromkeys(ren.values())))
    if "agency" not in frame.columns:
        raise RosterError(f"名单缺少“机关”列 / roster {path} has no 机关 (agency) column; "
                          f"columns: {', '.join(COLUMNS)}")
    for c in COLUMNS:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(c))
    return frame.with_columns(pl.col(c).cast(pl.String).str.strip_chars() for c in COLUMNS)


def _years(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    for c in ("from_year", "to_year"):
        v = frame[c].str.replace(r"年度?$", "")
        bad = frame.filter(v.is_not_null() & (v != "") & v.cast(pl.Int32, strict=False).is_null())
        if bad.height:
            raise RosterError(f"名单“{COLUMNS[c][0]}”不是年份 / roster {path}: {c} is not a year: "
                              f"{bad[c][0]!r} ({bad['agency'][0]})")
        frame = frame.with_columns(v.cast(pl.Int32, strict=False).alias(c))
    return frame


def read_roster(path: str | Path, aliases: dict[str, str] | None = None) -> pl.DataFrame:
    """The roster as a frame (:data:`SCHEMA`), one row per agency_key; raises :class:`RosterError`."""
    from .agency import agency_key

    path = Path(path)
    if not path.is_file():
        raise RosterError(f"名单文件不存在 / roster file not found: {path}")
    frame = _years(_canonical(_read_raw(path), path), path)
    frame = frame.filter(pl.col("agency").is_not_null() & (pl.col("agency") != ""))
    if frame.height == 0:
        raise RosterError(f"名单中没有机关 / roster {path} lists no agency")
    keys = [agency_key(a, aliases) for a in frame["agency"]]
    frame = frame.with_columns(pl.Series("agency_key", keys, pl.String))
    dup = frame.filter(pl.col("agency_key").is_duplicated())
    if dup.height:
        raise RosterError(f"名单中同一机关出现两次 / roster {path} lists one body twice: "
                          f"{', '.join(dup['agency'].to_list()[:4])}")
    return frame.select(list(SCHEMA)).cast(SCHEMA)


def write_roster(roster: pl.DataFrame, corpus_dir: str | Path) -> Path:
    """Store a read roster in the corpus folder (``roster.csv``, Chinese headers)."""
    out = Path(corpus_dir) / ROSTER_FILE
    zh = {c: hs[0] for c, hs in COLUMNS.items()}
    roster.drop("agency_key").rename(zh).write_csv(out)
    return out


def find_roster(corpus_dir: str | Path | None, explicit: str | Path | None = None) -> Path | None:
    """The roster to use: ``explicit`` (``--roster`` / ``$GX_ROSTER``), else the corpus's own."""
    if explicit:
        return Path(explicit)
    if corpus_dir is not None and (Path(corpus_dir) / ROSTER_FILE).is_file():
        return Path(corpus_dir) / ROSTER_FILE
    return None


# ---------------------------------------------------------------------------------------------
# Coverage vs publication

ON_TIME, LATE, UNDATED, MISSING = "按时", "逾期", "日期不详", "未发布"
OFF_ROSTER = "名单外"
COLLECTED, NOT_COLLECTED = "已收录", "未收录"
GRID_COLS = ("agency_key", "agency", "region", "level", "agency_type", "year", "status", "timeliness",
             "published", "due", "report_id")


def apply_roster(frame: pl.DataFrame, roster: pl.DataFrame | None) -> pl.DataFrame:
    """``frame`` (with agency_key, level, agency_type) with the roster's level and type where it
    gives one (the roster is the authority on who a body is)."""
    if roster is None or frame.is_empty():
        return frame
    r = roster.select("agency_key", pl.col("level").alias("_rl"), pl.col("agency_type").alias("_rt"))
    return (frame.join(r, on="agency_key", how="left")
            .with_columns(pl.coalesce("_rl", "level").alias("level"), pl.coalesce("_rt", "agency_type").alias("agency_type"))
            .drop("_rl", "_rt"))


def coverage(reports: pl.DataFrame | pl.LazyFrame, roster: pl.DataFrame | None, years: list[int],
             sort: bool = True) -> pl.DataFrame | pl.LazyFrame:
    """Agency × year status (long, :data:`GRID_COLS`); lazy when ``reports`` is (the dashboards
    query it with filters and group-bys, never holding the 10⁶-row grid of a national corpus).

    ``reports``: one row per collected report (agency_key, agency, region, level, agency_type, year,
    published, due, report_id and ``status`` = its timeliness 按时/逾期/日期不详).  Without a roster:
    the corpus's agencies × ``years``, 已收录 or 未收录 (never 未发布).  With one: each listed body
    × the years it must publish (within ``years``): its report's timeliness, or 未发布; reports of
    bodies not on the roster are rows with status 名单外.  Sorted by agency and year (``sort=False``:
    in no order, for counts over the grid)."""
    lazy = isinstance(reports, pl.LazyFrame)
    if not years:
        schema = reports.collect_schema() if lazy else reports.schema
        empty = pl.DataFrame(schema={c: schema.get(c, pl.String) for c in GRID_COLS})
        return empty.lazy() if lazy else empty
    yrs = pl.DataFrame({"year": pl.Series(list(range(min(years), max(years) + 1)), dtype=pl.Int32)})
    yrs = yrs.lazy() if lazy else yrs
    rep = _grid_reports(reports)
    facts = rep.select("agency_key", "year", "timeliness", "published", "due", "report_id")
    if roster is None:
        bodies = (rep.sort("year").group_by("agency_key")
                  .agg(pl.col(c).last() for c in ("agency", "region", "level", "agency_type")))
        grid = bodies.join(yrs, how="cross").join(facts, on=["agency_key", "year"], how="left")
        out = (grid.with_columns(pl.when(pl.col("report_id").is_null()).then(pl.lit(NOT_COLLECTED))
                                 .otherwise(pl.lit(COLLECTED)).alias("status")).select(GRID_COLS))
        return out.sort("agency", "agency_key", "year") if sort else out
    lo, hi = min(years), max(years)
    roster = roster.lazy() if lazy else roster
    named = rep.sort("year").group_by("agency_key").agg(pl.col("agency").last().alias("_name"),
                                                        pl.col("region").last().alias("_region"))
    bodies = (roster.join(named, on="agency_key", how="left")
              .select("agency_key", pl.coalesce("_name", "agency").alias("agency"),
                      pl.coalesce("_region", "region").alias("region"), "level", "agency_type",
                      pl.col("from_year").fill_null(lo).alias("_from"), pl.col("to_year").fill_null(hi).alias("_to")))
    grid = (bodies.join(yrs, how="cross").filter(pl.col("year").is_between(pl.col("_from"), pl.col("_to")))
            .drop("_from", "_to")
            .join(facts, on=["agency_key", "year"], how="left")
            .with_columns(pl.col("timeliness").fill_null(pl.lit(MISSING)).alias("status")))
    out = pl.concat([grid.select(GRID_COLS), off_roster(rep, roster)], how="vertical_relaxed")
    return out.sort("agency", "agency_key", "year") if sort else out


def _grid_reports(reports: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    return reports.with_columns(pl.col("status").alias("timeliness")).select(GRID_COLS)


def off_roster(reports: pl.DataFrame | pl.LazyFrame, roster: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """The 名单外 rows of :func:`coverage`: reports of bodies not on ``roster`` (unsorted)."""
    rep = reports if "timeliness" in (reports.collect_schema() if isinstance(reports, pl.LazyFrame)
                                      else reports.schema) else _grid_reports(reports)
    if isinstance(rep, pl.LazyFrame):
        roster = roster.lazy()
    return rep.join(roster.select("agency_key"), on="agency_key", how="anti").with_columns(
        pl.lit(OFF_ROSTER).alias("status")).select(GRID_COLS)
