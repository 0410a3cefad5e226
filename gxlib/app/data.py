"""The corpus prepared for the dashboards: loaded and aggregated once per corpus, filters, labels."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import polars as pl

from .. import metrics, roster, spec

DEMO_TEXT = "示例数据，非真实报告"
ALL = "全部"
ANY = ""  # a filter dropdown's value for 全部 (None would show as an empty dropdown)
ALL_YEARS = "all"  # the year dropdown's value for 全部年度 (also in the URL: ?year=all)
UNIDENTIFIED = "未识别"  # a filter option (and URL value) for rows whose level/type/region… is unknown (null)
from ..roster import COLLECTED, LATE, MISSING, NOT_COLLECTED, OFF_ROSTER, ON_TIME, UNDATED  # noqa: E402

STATUS_COLORS = {ON_TIME: "#5cb85c", LATE: "#f0ad4e", MISSING: "#d9534f", UNDATED: "#9e9e9e",
                 OFF_ROSTER: "#7e57c2", COLLECTED: "#5c9bd6", NOT_COLLECTED: "#eeeeee"}
UNKNOWN_SUFFIX = "__n_unknown"  # a column ``X__n_unknown``: how many unknown values cell X left out
FILTER_LABELS = {"year": "年度", "region": "地区", "level": "层级", "agency_type": "机关类型", "template": "模板"}
FILTER_COLUMNS = ("region", "level", "agency_type", "template")
TABLE_ROWS = 30  # rows shown in an on-screen table (downloads carry all rows)
IN_MEMORY = ("kpi", "outcomes", "proactive")  # aggregates per dimension cell: small, held in memory by Data.scan

# ---------------------------------------------------------------------------------------------
# Indicators the dashboards need beyond gxlib.metrics (definitions for KPI cards and 指标定义 sheets)

EXTRA_DEFINITIONS = {
    "报告数": "纳入统计的年度报告份数（同一机关同一年度只计一份）。",
    "含错误报告数": "至少有一条 error 级检查发现（勾稽关系不平、缺表等）的报告份数。",
    "按时发布率": "按时发布的报告 ÷ 有发布日期的报告。期限（条例第四十九条）：部门 次年1月31日前，"
                  "本级政府 次年3月31日前；机关类型不明按 3月31日 计。",
    "发布状态": "按时：发布日期不晚于期限；逾期：晚于期限；日期不详：报告未写明发布日期；"
                "未发布：应发布机关名单（名单文件）上的机关在该年度没有报告；名单外：报告的机关不在名单上。"
                "没有名单时只能说“已收录/未收录”：语料库中没有某份报告，不等于该机关没有发布。",
    "收录情况": "已收录：语料库中有该机关该年度的报告；未收录：语料库中没有（可能只是未收集到，不表示未发布）。",
}


def definitions(*codes: str, extra: Iterable[str] = ()) -> dict[str, str]:
    """metrics.definitions(*codes) plus the dashboard-only definitions named in ``extra``."""
    out = {k: EXTRA_DEFINITIONS[k] for k in extra}
    return out | metrics.definitions(*codes)


from ..aggregates import due_date_expr  # noqa: E402,F401 - re-exported (was defined here)


# ---------------------------------------------------------------------------------------------
# Data: loaded and aggregated once per corpus


@dataclass(eq=False)
class Data:
    """A corpus prepared for the dashboards.

    ``agg`` holds the build's compact aggregates (:mod:`gxlib.aggregates`) as lazy scans; views query
    them with their filters (:meth:`scan`).  The report-level frames (``reports``, ``indicators``,
    ``findings`` …) are loaded on first use only, by the pages that need them (quality, agency card)."""

    path: Path | None
    is_demo: bool
    corpus: Any = None
    agg: dict[str, pl.LazyFrame] = field(default_factory=dict)
    agg_source: str = ""  # "stored" (written by the build) | "computed" (on the fly, older corpus)
    cache: dict[str, dict] = field(default_factory=dict)  # per page: results per filter state, shared by its apps
    roster: pl.DataFrame | None = None  # gxlib.roster.read_roster, None without one
    roster_path: Path | None = None
    roster_error: str | None = None
    error: str | None = None
    _small: dict[str, pl.DataFrame | None] = field(default_factory=dict, repr=False)

    def scan(self, name: str, state: Mapping[str, Any] | None = None, columns: Iterable[str] = FILTER_COLUMNS,
             year: int | None = None) -> pl.LazyFrame:
        """Aggregate ``name`` filtered by the non-year filters of ``state`` (and ``year``), lazily;
        the small per-cell aggregates (:data:`IN_MEMORY`) from memory, the others from Parquet."""
        lf = self.small(name).lazy() if name in IN_MEMORY else self.agg.get(name)
        if lf is None:
            return pl.LazyFrame()
        lf = apply_filters(lf, state or {}, columns)
        return lf.filter(pl.col("year") == year) if year is not None else lf

    def small(self, name: str) -> pl.DataFrame | None:
        """A small aggregate (one row per year × region × level × type × template cell, and per
        outcome or 表二 item), collected once: a filter change is then a polars filter over memory,
        not a Parquet scan."""
        if name not in self._small:
            lf = self.agg.get(name)
            self._small[name] = lf.collect() if lf is not None else None
        return self._small[name]

    @cached_property
    def _facts(self) -> pl.DataFrame:
        """The dimension values with at least one counted report (years, filter options)."""
        if "kpi" not in self.agg:
            return pl.DataFrame()
        return self.scan("kpi").filter(pl.col("n_reports") > 0).select("year", *FILTER_COLUMNS).unique().collect()

    @property
    def ok(self) -> bool:
        return self.error is None and self._facts.height > 0

    @property
    def years(self) -> list[int]:
        return sorted(self._facts["year"].drop_nulls().unique().to_list()) if self.ok else []

    def options(self, column: str) -> list[str]:
        """A filter's values, and 未识别 last when some reports' value is unknown (they stay selectable)."""
        if not self.ok:
            return []
        col = self._facts[column]
        return sorted(col.drop_nulls().unique().to_list()) + ([UNIDENTIFIED] if col.null_count() else [])

    def counted(self) -> pl.LazyFrame:
        """The ``indicators`` rows of the counted reports (older left out), lazily: pages filter
        and select before collecting, so no report-level frame of the whole corpus is held."""
        lf = self.agg.get("indicators")
        return lf.filter(~pl.col("older")) if lf is not None else pl.LazyFrame()

    # -- report-level frames, loaded on demand ------------------------------------------------
    @cached_property
    def coverage_reports(self) -> pl.DataFrame:
        """One row per agency-year incl. older reports (who published): the indicators table."""
        return self.agg["indicators"].collect() if "indicators" in self.agg else pl.DataFrame()

    @cached_property
    def reports(self) -> pl.DataFrame:
        """Counted reports (older left out), with source, published, due, status, has_error."""
        c = self.coverage_reports
        return c.filter(~pl.col("older")) if c.height else c

    @property
    def indicators(self) -> pl.DataFrame:
        """metrics.report_indicators (roster applied): the same rows as ``reports``."""
        return self.reports

    @cached_property
    def older(self) -> pl.DataFrame:
        """metrics.older_reports: listed, never counted."""
        lf = self.agg.get("indicators")
        if lf is None:
            return pl.DataFrame()
        return (lf.filter(pl.col("older")).select(*META, "source", pl.lit(metrics.OLDER_ZH).alias("note"))
                .collect().sort("agency_key", "year"))

    @cached_property
    def agency_names(self) -> pl.DataFrame:
        """agency_key → the name its latest counted report printed."""
        return (self.counted().select("agency_key", "agency", "year").sort("year").group_by("agency_key")
                .agg(pl.col("agency").last()).collect())

    @cached_property
    def coverage(self) -> pl.DataFrame:
        """gxlib.roster.coverage of the corpus (agency × year), computed once from the columns it reads;
        a filter is then a polars filter over it."""
        from ..roster import GRID_COLS

        lf = self.agg.get("indicators")
        if lf is None:
            return pl.DataFrame()
        rep = lf.select([c for c in GRID_COLS if c != "timeliness"]).collect()
        return roster.coverage(rep, self.roster, self.years)

    def frames(self) -> metrics.Frames:
        from ..aggregates import frames

        return frames(self.corpus, self.roster)

    def findings_lazy(self) -> pl.LazyFrame:
        """metrics.findings (with cells and meta), lazily: filter before collecting."""
        return metrics.findings(self.frames()) if self.corpus is not None else pl.LazyFrame()

    def findings_of(self, key: str, cells: bool = True) -> pl.LazyFrame:
        """metrics.findings of one agency's reports: the corpus frames are cut to its report ids
        first (pushed into the Parquet scans), so the corpus-wide report dedup and the cell join
        run over its few reports, not the whole corpus (the same rows: the ids are the ones
        ``metrics.reports`` keeps, one per agency-year)."""
        if self.corpus is None or "indicators" not in self.agg:
            return pl.LazyFrame()
        ids = (self.agg["indicators"].filter(pl.col("agency_key") == key).select("report_id").collect()
               ["report_id"].implode())
        f = self.frames()
        mine = pl.col("report_id").is_in(ids)
        return metrics.findings(metrics.Frames(reports=f.reports.filter(mine), cells=f.cells.filter(mine),
                                               narrative=f.narrative, findings=f.findings.filter(mine)), cells=cells)

    @cached_property
    def findings(self) -> pl.DataFrame:
        return self.findings_lazy().collect()


def corpus_path() -> Path | None:
    p = os.environ.get("GX_CORPUS", "")
    return Path(p) if p else None


def demo_flag(path: Path | None) -> bool:
    if os.environ.get("GX_DEMO") == "1":
        return True
    return path is not None and (path / "DEMO").exists()


META = ("report_id", "agency", "agency_key", "region", "level", "agency_type", "year", "template")


@cache
def _load(path_str: str | None) -> Data:
    path = Path(path_str) if path_str else None
    data = Data(path=path, is_demo=demo_flag(path))
    if path is None or not path.is_dir():
        data.error = "未找到语料库（GX_CORPUS 未设置或目录不存在）"
        return data
    from .. import aggregates
    from ..corpus import load_corpus

    try:
        corpus = load_corpus(path)
    except Exception as e:  # noqa: BLE001 - shown to the user, details in the server log
        data.error = f"语料库无法读取：{type(e).__name__}"
        return data
    if corpus.manifest.get("demo"):
        data.is_demo = True
    data.corpus = corpus
    _roster(data, path)
    # the build's aggregates, or (a corpus built before them, or with another roster) computed in memory
    data.agg_source = "stored" if aggregates.stored(corpus, data.roster) is not None else "computed"
    data.agg = aggregates.tables(corpus, data.roster)
    return data


def _roster(data: Data, corpus_dir: Path) -> None:
    """The roster from ``$GX_ROSTER`` (gx serve --roster) or the corpus's roster.csv; a bad one is
    reported on the page (the dashboards then judge coverage only)."""
    p = roster.find_roster(corpus_dir, os.environ.get("GX_ROSTER") or None)
    if p is None:
        return
    data.roster_path = p
    try:
        data.roster = roster.read_roster(p)
    except roster.RosterError as e:
        data.roster_error = f"应发布机关名单无法使用，按“已收录/未收录”显示：{e}"


def load(path: str | os.PathLike | None = None) -> Data:
    """The dashboards' data for ``path`` (default: ``$GX_CORPUS``); cached per path in the kernel."""
    p = Path(path) if path is not None else corpus_path()
    return _load(str(p.resolve()) if p is not None else None)


# ---------------------------------------------------------------------------------------------
# Filters




def apply_filters(frame: pl.DataFrame | pl.LazyFrame, state: Mapping[str, Any],
                  columns: Iterable[str] = FILTER_COLUMNS) -> pl.DataFrame | pl.LazyFrame:
    """Rows of ``frame`` matching the non-year filters of ``state`` (None / 全部 = no filter;
    未识别 = the rows whose value is unknown)."""
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    preds = [pl.col(c).is_null() if state[c] == UNIDENTIFIED else pl.col(c) == state[c]
             for c in columns if state.get(c) not in (None, "", ALL) and c in names]
    return frame.filter(*preds) if preds else frame


def cell_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds Chinese 表/行/列 labels (table_zh, row_zh, col_zh) for table/row/col codes."""
    def lab(table: str | None, row: str | None, col: str | None) -> tuple[str, str, str]:
        t = f"{metrics.TABLE_ZH.get(table, table)} {spec.TABLE_TITLE.get(table, '')}".strip() if table else ""
        r = metrics.row_zh(table, row) if table and row else ""
        try:
            c = spec.col_label(table, col) if table and col else ""
        except KeyError:
            c = col or ""
        return t, r, c

    rows = [lab(t, r, c) for t, r, c in frame.select("table", "row", "col").iter_rows()]
    return frame.with_columns(
        pl.Series("table_zh", [x[0] for x in rows], pl.String),
        pl.Series("row_zh", [x[1] for x in rows], pl.String),
        pl.Series("col_zh", [x[2] for x in rows], pl.String),
    )


FACT_ZH = {"published": "发布日期", "status": "发布情况", "has_error": "含错误", "format": "格式"}
ROW_ZH = {"row_zh": "行", "col_zh": "列", "table_zh": "表"}


def zh(frame: pl.DataFrame) -> pl.DataFrame:
    """metrics.zh plus the dashboard's own columns."""
    extra = {c: z for c, z in {**FACT_ZH, **ROW_ZH}.items() if c in frame.columns}
    return metrics.zh(frame.rename(extra))
