"""单位画像 dashboard: one agency against its peers, its reports and findings."""

from __future__ import annotations

import copy
import html
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

import altair as alt
import ipywidgets as W
import polars as pl

from .. import charts, metrics
from .data import LATE, Data, cell_labels, definitions
from .state import UrlState, notice_html, to_query
from .widgets import ChartPanel, PrintButton, TablePanel, _marker, _retarget, header, section, table_html


def agency_choices(data: Data) -> dict[str, str]:
    """{label shown in the search box: agency_key}; labels are the latest printed name, the names
    it printed before (曾用名, from the registry: a renamed body is one entry) and the key when two
    agencies share a name.  Polars expressions over the (agency, name) pairs: no Python loop over
    the 10⁵ agencies of a national corpus."""
    if not data.ok:
        return {}
    rows = data.counted().select("agency_key", "agency", "year")
    latest = rows.sort("year").group_by("agency_key").agg(pl.col("agency").last())
    former = (rows.select("agency_key", pl.col("agency").alias("name")).unique()
              .join(latest, on="agency_key", how="inner")
              .filter(pl.col("name").is_not_null() & (pl.col("name") != "") & (pl.col("name") != pl.col("agency")))
              .sort("agency_key", "name")
              .group_by("agency_key", maintain_order=True).agg(pl.col("name").str.join("、").alias("former")))
    out = (latest.join(former, on="agency_key", how="left").sort("agency", "agency_key")
           .select("agency_key", pl.concat_str(
               pl.col("agency"),
               pl.when(pl.col("former").is_not_null()).then(pl.format("（曾用名 {}）", "former")).otherwise(pl.lit("")),
               pl.when(pl.col("agency").is_duplicated()).then(pl.format("（{}）", "agency_key")).otherwise(pl.lit("")),
           ).alias("label"))
           .collect(engine="streaming"))
    return dict(zip(out["label"].to_list(), out["agency_key"].to_list()))


def registry_card(data: Data, key: str) -> dict | None:
    """The registry's card of ``key`` (parent, names across years, 本级 vs 所属单位合计), or None
    for a corpus built without a registry table."""
    from ..registry import agency_card

    corpus = getattr(data, "corpus", None)
    if corpus is None or getattr(corpus, "registry", None) is None:
        return None
    try:
        return agency_card(corpus, key)
    except (KeyError, pl.exceptions.PolarsError):
        return None


def _registry_html(card: dict | None) -> str:
    """上级 / 曾用名 lines for the facts box."""
    if not card:
        return ""
    parts = []
    if card.get("parent"):
        p = card["parent"]
        parts.append(f"上级：{html.escape(p.get('name') or p['agency_key'])}")
    names = card.get("names")
    if names is not None and names.height > 1:
        shown = "；".join(f"{r['name']}（{r['first']}–{r['last']}）" for r in names.sort("first").iter_rows(named=True))
        parts.append(f"历年名称：{html.escape(shown)}")
    return f'<div class="gx-sub gx-registry">{" · ".join(parts)}</div>' if parts else ""


def rollup_frame(card: dict | None) -> pl.DataFrame:
    """本级报告 vs 所属单位合计 per 表三/表四 cell for the card's year (empty when not consolidated)."""
    from .. import spec

    if not card or card.get("rollup") is None or card["rollup"].is_empty():
        return pl.DataFrame()
    ru = card["rollup"]
    return ru.with_columns(
        pl.struct("table", "row").map_elements(lambda x: spec.row_display(x["table"], x["row"]), return_dtype=pl.String)
        .alias("行"),
    ).select("行", pl.col("col").alias("列"), "本级报告", "所属单位合计",
             pl.col("members_reported").alias("已报单位"), pl.col("members_registry").alias("名录单位"),
             pl.col("exceeds").alias("合计超过本级"))


def default_agency(data: Data) -> str | None:
    if not data.ok:
        return None
    # the agency with the most years, then the most applications handled (its rates are not 样本不足)
    best = (data.counted().group_by("agency_key")
            .agg(pl.len().alias("n"), pl.col("total_handled").sum().alias("h"))
            .sort(["n", "h", "agency_key"], descending=[True, True, False]).head(1).collect())
    return best["agency_key"][0]


AGENCY_FINDING_COLS = ("year", "severity", "rule_zh", "table_zh", "row_zh", "col_zh", "raw", "where", "expected",
                       "actual", "message", "source", "report_id", "rule")


def agency_findings(data: Data, key: str) -> pl.DataFrame:
    """The agency's findings with the cells they point at: the cell scan (over the corpus's cells,
    cut to its reports) only when one of them points at a cell (the join keys are never null)."""
    f = data.findings_of(key, cells=False).filter(pl.col("agency_key") == key).collect()
    keyed = f.filter(pl.all_horizontal(pl.col("table", "row", "col").is_not_null()))
    if keyed.is_empty():
        sch = data.frames().cells.collect_schema()
        f = f.with_columns(pl.lit(None, sch["raw"]).alias("raw"), pl.lit(None, sch["where"]).alias("where"))
    else:
        f = metrics.with_cells(f.lazy(), data.frames(), ids=keyed["report_id"].unique()).collect()
    return cell_labels(f.sort("year", "rule", "table", "row", "col")).select(AGENCY_FINDING_COLS)


def agency_facts(data: Data, key: str) -> pl.DataFrame:
    return (data.counted().filter(pl.col("agency_key") == key)
            .select("year", "agency", "template", "format", "published", pl.col("status").alias("timeliness"),
                    "has_error", "source", "report_id").collect().sort("year"))


def profile_rows(data: Data, key: str) -> pl.DataFrame:
    """The indicator rows metrics.agency_profile reads for ``key``: its own and those of its level
    (its peers are of its level; rows of other levels never enter it), only the columns it reads —
    not the whole corpus."""
    cols = dict.fromkeys((*metrics.META_COLS, "total_handled"))
    for code in metrics.PROFILE_INDICATORS:
        ind = metrics.INDICATORS[code]
        cols |= dict.fromkeys((code, f"{code}_ok", ind.numerator) + ((ind.denominator,) if ind.denominator else ()))
    lf = data.counted()
    names = set(lf.collect_schema().names())
    lf = lf.select([c for c in cols if c in names])
    levels = lf.filter(pl.col("agency_key") == key).select("level").collect()["level"].drop_nulls()
    mine = pl.col("agency_key") == key
    return lf.filter(mine | (pl.col("level") == levels[-1]) if levels.len() else mine).collect()


PROFILE_COLS = ("indicator_zh", "year", "value", "denominator", "status", "peer_median", "peer_q1", "peer_q3",
                "n_peers", "peer_group", "indicator", "agency", "report_id")


def facts_meta(data: Data, key: str) -> dict:
    """The agency's latest report's meta (name, region, level, type)."""
    r = (data.counted().filter(pl.col("agency_key") == key).select("agency", "region", "level", "agency_type", "year")
         .collect().sort("year").tail(1))
    return r.row(0, named=True) if r.height else {}


class AgencyApp:
    """单位画像: pick an agency (searchable; ``?agency=<key>``), its indicators per year against its
    peers' median and quartiles, its reports and its findings with the cells they point at."""

    def __init__(self, data: Data, params: Mapping[str, str] | None = None):


        self._time = time.perf_counter
        self.data = data
        params = params or {}
        self.choices = agency_choices(data)
        self.label_of = {v: k for k, v in self.choices.items()}
        asked = params.get("agency")
        key = asked if asked in self.label_of else self.choices.get(asked or "")  # a key, or a printed name
        self.notice = W.HTML(notice_html([("agency", asked)]) if asked and key is None else "")
        self.notice.add_class("gx-notice-box")
        if key is None:
            key = default_agency(data)
        self.key = key
        self.combo = W.Combobox(options=list(self.choices), value=self.label_of.get(key, ""),
                                placeholder="输入机关名称搜索", ensure_option=True, description="机关",
                                layout=W.Layout(width="420px"), style={"description_width": "40px"})
        self.combo.add_class("gx-filter")
        self.combo.add_class("gx-filter-agency")
        self.url = UrlState(server_seen=True)
        self.printer = PrintButton()
        self.facts = W.HTML()
        self.profile = ChartPanel("profile", lambda: definitions(*metrics.PROFILE_INDICATORS), table_rows=60,
                                  note="红线：本机关；虚线与阴影：同级（同地区同层级，不足 3 个时为同层级）机关的中位数与四分位区间；空心点：样本不足。")
        self.reports = TablePanel("reports", lambda: definitions(extra=("发布状态",)))
        self.findings = TablePanel("findings", lambda: definitions(), table_rows=50)
        self.rollup = W.HTML()
        self.marker = W.HTML()
        self._cache: dict[str, tuple] = {}
        for panel in (self.profile, self.reports, self.findings):
            panel.download.filters_fn = lambda: {"机关": self.label_of.get(self.key, self.key or ""),
                                                 "机关代码": self.key or ""}
        self.combo.observe(self._picked, names="value")
        self.url.observe(self._from_browser, names="browser_query")
        self.refresh()

    def _picked(self, change) -> None:
        key = self.choices.get(change.new)
        if key and key != self.key:
            self.key = key
            self.refresh()

    def _from_browser(self, change) -> None:
        key = parse_qs(change.new or "").get("agency", [None])[-1]
        if key in self.label_of and key != self.key:
            self.combo.value = self.label_of[key]

    def compute(self, key: str) -> tuple:
        if key not in self._cache:
            prof = metrics.agency_profile(profile_rows(self.data, key), key)
            chart = self._profile_spec(prof)
            self._cache[key] = (prof.select(PROFILE_COLS), chart, agency_facts(self.data, key),
                                agency_findings(self.data, key))
        return self._cache[key]

    _template: tuple | None = None

    def _profile_spec(self, prof: pl.DataFrame) -> dict | None:
        """The six charts.profile_chart panels as one vega-lite spec.  Altair builds it once (≈0.7 s
        for 6 layered charts on 2 cores); later agencies reuse that spec with their own rows in
        named datasets, year domain and titles (≈10 ms)."""
        codes = [c for c in metrics.PROFILE_INDICATORS if prof.filter(pl.col("indicator") == c).height]
        if not codes:
            return None
        agency = prof["agency"][0] or ""
        if self._template is None or self._template[0] != tuple(codes):
            figs = []
            for c in codes:
                fig = charts.profile_chart(prof, c)
                for layer in fig.chart.layer:
                    if getattr(layer, "data", None) is fig.frame:
                        layer.data = alt.NamedData(name=f"profile_{c}")
                figs.append(fig)
            spec_ = alt.concat(*[f.chart for f in figs], columns=2).to_dict(validate=False)
            self._template = (tuple(codes), spec_, agency)
        _, tpl, tpl_agency = self._template


        spec_ = copy.deepcopy({k: v for k, v in tpl.items() if k != "datasets"})
        spec_["datasets"] = dict(tpl.get("datasets", {}))
        for c in codes:
            rows = prof.filter(pl.col("indicator") == c).select(
                "year", "agency", "indicator_zh", "value", "denominator", "status", "peer_median", "peer_q1",
                "peer_q3", "n_peers", "peer_group")
            spec_["datasets"][f"profile_{c}"] = rows.to_dicts()
        years = prof["year"].drop_nulls()
        lo = min(int(years.min()), 2020) if years.len() else 2019
        hi = max(int(years.max()), 2021) if years.len() else 2025
        _retarget(spec_, [lo - 0.5, hi + 0.5], list(range(lo, hi + 1)), tpl_agency, agency)
        return spec_

    def refresh(self) -> None:
        t0 = self._time()
        key = self.key
        if key is None:
            return
        prof, chart, facts, finds = self.compute(key)
        card = registry_card(self.data, key)
        meta = facts_meta(self.data, key)
        years = facts["year"].to_list()
        late = facts.filter(pl.col("timeliness") == LATE)["year"].to_list()
        groups = set(prof["peer_group"].drop_nulls().to_list()) if prof.height else set()
        lacking = groups <= {metrics.PEERS_LACKING, metrics.LEVEL_UNKNOWN}
        peer_note = (f'<div class="gx-note gx-peers-lacking">{html.escape("、".join(sorted(groups)))}：'
                     "同级机关不足 3 个（或层级不详），不画同级区间。</div>" if lacking else "")
        self.facts.value = (
            f'<div class="gx-facts" data-agency="{html.escape(key, quote=True)}">'
            f'<div class="gx-title">{html.escape(meta.get("agency") or key)}</div>'
            f'<div class="gx-sub">机关代码 {html.escape(key)} · 地区 {html.escape(meta.get("region") or "—")} · '
            f'层级 {html.escape(meta.get("level") or "—")} · 类型 {html.escape(meta.get("agency_type") or "—")}</div>'
            f'<div class="gx-sub">语料库中的报告：{len(years)} 份（{", ".join(map(str, years)) or "—"}）；'
            f'逾期发布：{", ".join(map(str, late)) or "无"}；检查发现：{finds.height} 条。</div>'
            f'{_registry_html(card)}{peer_note}</div>'
        )
        self.rollup.value = self._rollup_html(card)
        self.profile.update(chart, frame=prof, table=None)
        self.profile.table.value = table_html(prof.select(PROFILE_COLS[:10]), "profile", self.profile.table_rows)
        self.reports.update(facts)
        self.findings.update(finds)
        self.url.query = to_query({"agency": key})
        ms = (self._time() - t0) * 1000
        self.marker.value = _marker(self.url.query, ms, f"更新用时 {ms:.0f} 毫秒")

    @staticmethod
    def _rollup_html(card: dict | None) -> str:
        """本级 vs 所属单位合计, with the members and the coverage statement (consolidated bodies)."""
        frame = rollup_frame(card)
        if frame.is_empty():
            return ""
        members = "、".join(card["members"]["name"].to_list()) if card["members"].height else "—"
        cov = card.get("coverage")
        stmt = cov["statement"][0] if cov is not None and cov.height and "statement" in cov.columns else ""
        return (f'<div class="gx-rollup"><div class="gx-sub">{card["year"]} 年 · 所属单位：{html.escape(members)}</div>'
                f'<div class="gx-note">{html.escape(stmt or "")}</div>{table_html(frame, "rollup", 60)}</div>')

    def widget(self) -> W.Widget:
        bar = W.HBox([self.combo, self.printer, self.url], layout=W.Layout(gap="12px", align_items="center"))
        bar.add_class("gx-noprint")
        bar.add_class("gx-filterbar")
        return W.VBox([
            header("单位画像", "一个机关历年的主要指标与同级机关比较；其报告与检查发现（可打印）"),
            self.notice, bar, self.facts,
            section("主要指标与同级比较"), self.profile.box,
            section("历年报告"), self.reports.box,
            section("本级报告与所属单位合计", "仅对报告写明由所属单位汇总编制（或名录标明）的机关比较；每项申请只计一次。"),
            self.rollup,
            section("检查发现及所指单元格", "表/行/列为模板的正式名称；原文为报告中印出的文字；位置为其在来源文件中的位置。"),
            self.findings.box,
            self.marker,
        ])
