"""The corpus prepared for the dashboards: loaded and aggregated once per corpus, filters, labels."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
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
TABLE_ROWS = 30  # rows shown in an on-screen table (downloads carry all rows)

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


def due_date_expr(year: str = "year", agency_type: str = "agency_type") -> pl.Expr:
    """条例 第四十九条 deadline (the same rule as checks ``timeliness.late``)."""
    return (
        pl.when(pl.col(agency_type) == "部门")
        .then(pl.date(pl.col(year) + 1, 1, 31))
        .otherwise(pl.date(pl.col(year) + 1, 3, 31))
    )


# ---------------------------------------------------------------------------------------------
# Data: loaded and aggregated once per corpus


@dataclass
class Data:
    """A corpus prepared for the dashboards (all frames collected; per-report granularity)."""

    path: Path | None
    is_demo: bool
    corpus: Any = None
    reports: pl.DataFrame = field(default_factory=pl.DataFrame)  # deduped, + source, published, due, on_time, has_error
    indicators: pl.DataFrame = field(default_factory=pl.DataFrame)  # metrics.report_indicators
    outcomes: pl.DataFrame = field(default_factory=pl.DataFrame)  # per report × outcome (+ meta)
    proactive: pl.DataFrame = field(default_factory=pl.DataFrame)  # per report × item × measure (+ meta)
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)  # metrics.findings, collected
    findings_raw: pl.DataFrame = field(default_factory=pl.DataFrame)  # the corpus findings frame
    older: pl.DataFrame = field(default_factory=pl.DataFrame)  # metrics.older_reports: listed, never counted
    coverage_reports: pl.DataFrame = field(default_factory=pl.DataFrame)  # reports incl. older (who published)
    roster: pl.DataFrame | None = None  # gxlib.roster.read_roster, None without one
    roster_path: Path | None = None
    roster_error: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.reports.height > 0

    @property
    def years(self) -> list[int]:
        return sorted(self.reports["year"].drop_nulls().unique().to_list()) if self.ok else []

    def options(self, column: str) -> list[str]:
        """A filter's values, and 未识别 last when some reports' value is unknown (they stay selectable)."""
        if not self.ok:
            return []
        col = self.reports[column]
        return sorted(col.drop_nulls().unique().to_list()) + ([UNIDENTIFIED] if col.null_count() else [])


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
    ri = roster.apply_roster(metrics.report_indicators(corpus), data.roster)
    data.indicators = ri
    meta = ri.select(META)
    findings = metrics.findings(corpus).collect()
    data.findings = findings
    data.findings_raw = corpus.findings.collect()
    errors = findings.filter(pl.col("severity") == "error").select("report_id").unique()
    allreps = (
        roster.apply_roster(metrics.reports(corpus, include_older=True)
                            .select(*META, "source", "format", "published").collect(), data.roster)
        .with_columns(due_date_expr().alias("due"))
        .with_columns(
            pl.when(pl.col("published").is_null()).then(pl.lit(UNDATED))
            .when(pl.col("published") > pl.col("due")).then(pl.lit(LATE))
            .otherwise(pl.lit(ON_TIME)).alias("status"),
            pl.col("report_id").is_in(errors["report_id"].implode()).alias("has_error"),
        )
    )
    data.coverage_reports = allreps
    data.reports = allreps.filter(pl.col("template").ne_missing(metrics.OLDER))
    data.older = metrics.older_reports(corpus)
    data.outcomes = metrics.applications_by_outcome(corpus, by=("report_id",)).join(meta, on="report_id")
    data.proactive = (
        metrics.proactive_items_by_year(corpus, by=("report_id", "year"))
        .drop("template")
        .join(meta.drop("year"), on="report_id")
    )
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


FILTER_LABELS = {"year": "年度", "region": "地区", "level": "层级", "agency_type": "机关类型", "template": "模板"}
FILTER_COLUMNS = ("region", "level", "agency_type", "template")


def apply_filters(frame: pl.DataFrame, state: Mapping[str, Any], columns: Iterable[str] = FILTER_COLUMNS) -> pl.DataFrame:
    """Rows of ``frame`` matching the non-year filters of ``state`` (None / 全部 = no filter;
    未识别 = the rows whose value is unknown)."""
    preds = [pl.col(c).is_null() if state[c] == UNIDENTIFIED else pl.col(c) == state[c]
             for c in columns if state.get(c) not in (None, "", ALL) and c in frame.columns]
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
