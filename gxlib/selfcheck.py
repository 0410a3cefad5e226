"""年报自检: check one draft report before it is published — what was read, every finding, template
conformance, the cross-year rules against last year's report — and write it as an Excel check report.

    >>> from gxlib import selfcheck
    >>> res = selfcheck.check_bytes("草稿.docx", data, previous=selfcheck.Previous.from_report(last))
    >>> res.findings            # one frame: report-scope, reader and cross-year findings, in Chinese
    >>> selfcheck.to_xlsx(res)  # bytes of the check report (概要 / 问题 / 模板符合性 / 表二 / 表三 / 表四)

The page (:mod:`gxlib.selfcheck_view`, ``dashboards/check.ipynb``) and ``gx check FILE --report
check.xlsx`` both call this module, so they give the same result.  Nothing here writes the upload
anywhere: :class:`Upload` keeps it in a private temporary folder that is removed when the page
closes, at interpreter exit, or on SIGTERM.
"""

from __future__ import annotations

import atexit
import io
import os
import re
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import frames, spec
from .checks import EXTRACT_RULES, RULES, TABLE_ZH, check_corpus
from .report import Report, read_report

MAX_BYTES = int(float(os.environ.get("GX_CHECK_MAX_MB", "20")) * 1024 * 1024)
ACCEPTED = (".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".shtml", ".txt", ".md", ".markdown", ".mht", ".mhtml")
LEGACY = (".doc", ".wps")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = ("error", "warning", "info")
PASTED_NAME = "粘贴的文本.txt"


class Refused(ValueError):
    """An upload refused before reading (size, type); ``str(e)`` is a Chinese message for the user."""


def accepted_types(legacy_ok: bool | None = None) -> tuple[str, ...]:
    """The file types the page accepts (.doc/.wps only when LibreOffice is installed)."""
    from .readers.legacy import find_converter

    ok = find_converter() is not None if legacy_ok is None else legacy_ok
    return tuple(x for x in ACCEPTED if ok or x not in LEGACY)


def validate(name: str, size: int, *, max_bytes: int = MAX_BYTES, types: tuple[str, ...] | None = None) -> None:
    """Refuse an upload by its size and name before any byte is read."""
    types = accepted_types() if types is None else types
    if size > max_bytes:
        raise Refused(f"文件「{name}」大小为 {size / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB，未读取。")
    if size == 0:
        raise Refused(f"文件「{name}」是空文件，未读取。")
    ext = Path(name).suffix.lower()
    if ext not in types:
        extra = "（.doc/.wps 需要服务器安装 LibreOffice）" if ext in LEGACY else ""
        raise Refused(f"不支持的文件类型「{ext or '无扩展名'}」{extra}。请上传 {'、'.join(types)} 格式的年报。")


# --------------------------------------------------------------------------- the upload's temp folder


class Upload:
    """A private temporary folder (0700) for this page's uploads; :meth:`close` removes it, and so do
    interpreter exit (atexit) and SIGTERM (the kernel being shut down), whichever comes first."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gx-check-"))
        atexit.register(self.close)
        _on_sigterm(self.close)

    def save(self, name: str, data: bytes) -> Path:
        """Keep ``data`` as this page's current upload (replacing the previous one)."""
        self.clear()
        safe = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", Path(name).name)[-120:] or "upload"
        path = self.dir / safe
        path.write_bytes(data)
        return path

    def clear(self) -> None:
        if self.dir.is_dir():
            for p in self.dir.iterdir():
                p.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


_CLEANUPS: list = []


def _on_sigterm(fn) -> None:
    """Run ``fn`` on SIGTERM, then the handler that was there (the kernel's own, or exit)."""
    if not _CLEANUPS:
        try:
            old = signal.getsignal(signal.SIGTERM)
        except ValueError:
            return

        def handler(signum, frame):
            for f in list(_CLEANUPS):
                f()
            if callable(old):
                old(signum, frame)
            else:
                raise SystemExit(128 + signum)

        try:
            signal.signal(signal.SIGTERM, handler)
        except ValueError:  # not the main thread
            return
    _CLEANUPS.append(fn)


# --------------------------------------------------------------------------- the previous year's report


@dataclass
class Previous:
    """Last year's report for the cross-year rules: one REPORTS row and its CELLS."""

    label: str
    reports: pl.DataFrame
    cells: pl.DataFrame

    @classmethod
    def from_report(cls, rep: Report, label: str | None = None) -> Previous:
        return cls(label or Path(rep.document.source).name, rep.reports, rep.cells)

    @classmethod
    def from_corpus(cls, corpus, report_id: str) -> Previous:
        reps = corpus.reports.filter(pl.col("report_id") == report_id).collect()
        if reps.is_empty():
            raise KeyError(report_id)
        r = reps.row(0, named=True)
        cells = corpus.cells.filter(pl.col("report_id") == report_id).collect()
        return cls(f"语料库：{r['agency'] or '机关不详'} {r['year'] or ''} 年", reps.select(frames.REPORTS.names()),
                   cells.select(frames.CELLS.names()))


def corpus_choices(corpus, limit: int = 5000) -> list[tuple[str, str]]:
    """[(label, report_id)] of a corpus's reports, by agency and year, for the 上年报告 picker."""
    reps = corpus.reports.select("report_id", "agency", "year").sort("agency", "year", nulls_last=True).head(limit).collect()
    return [(f"{a or '机关不详'} {y or ''} 年", rid) for rid, a, y in reps.iter_rows()]


# --------------------------------------------------------------------------- the check


@dataclass
class CheckResult:
    name: str
    report: Report | None = None
    error: str | None = None  # why the draft could not be read (Chinese)
    findings: pl.DataFrame = field(default_factory=lambda: frames.empty("findings"))
    previous: Previous | None = None
    previous_note: str | None = None  # why the cross-year rules were not run

    @property
    def ok(self) -> bool:
        return self.report is not None

    def count(self, severity: str) -> int:
        return int((self.findings["severity"] == severity).sum()) if self.findings.height else 0

    @property
    def meta(self) -> dict:
        return self.report.reports.row(0, named=True) if self.report else {}


def rule_title(code: str) -> str:
    if code in RULES:
        return RULES[code].title_zh
    if code in EXTRACT_RULES:
        return EXTRACT_RULES[code][1]
    return code


def check_bytes(name: str, data: bytes, previous: Previous | None = None) -> CheckResult:
    """Read and check a draft given as bytes (``name`` decides nothing but the messages)."""
    try:
        rep = read_report(name, data=data)
    except Exception as e:  # noqa: BLE001 - any reader failure is a message for the user, never a crash
        return CheckResult(name, error=unreadable_message(name, e))
    return _checked(name, rep, previous)


def check_text(text: str, previous: Previous | None = None) -> CheckResult:
    return check_bytes(PASTED_NAME, text.encode("utf-8"), previous)


def check_path(path: str | os.PathLike, previous: Previous | None = None) -> CheckResult:
    p = Path(path)
    return check_bytes(str(p), p.read_bytes(), previous)


def unreadable_message(name: str, e: Exception) -> str:
    from . import errors as E

    why = {
        E.EmptyDocument: "文件是空的或没有文字",
        E.UnsupportedFormat: "不是可读取的年报格式",
        E.EncodingError: "文字编码无法识别",
        E.NotAReport: "没有找到年报标题或模板表格",
        E.ScannedPDF: "PDF 是扫描件（没有文字层），需要先 OCR",
        E.EncryptedPDF: "PDF 有密码保护",
        E.ConversionTimeout: "LibreOffice 转换超时",
    }
    reason = next((v for k, v in why.items() if isinstance(e, k)), "读取时出错")
    return f"无法读取「{Path(name).name}」：{reason}。（技术细节：{type(e).__name__}: {e}）"


def _checked(name: str, rep: Report, previous: Previous | None) -> CheckResult:
    res = CheckResult(name, rep, previous=previous)
    found = [rep.findings]
    if previous is not None:
        cross, note = cross_year(rep, previous)
        res.previous_note = note
        found.append(cross)
    res.findings = _order(pl.concat(found, how="vertical"))
    return res


def cross_year(rep: Report, prev: Previous) -> tuple[pl.DataFrame, str | None]:
    """The corpus-scope rules on (last year, this draft), as ``gx check`` runs them on several files.
    Both are keyed as one agency: the user says that report is this body's."""
    year = rep.reports["year"][0]
    pyear = prev.reports["year"][0] if prev.reports.height else None
    if year is None or pyear is None:
        return frames.empty("findings"), "上年报告或本报告的年度不详，未做跨年度核对。"
    if pyear != year - 1:
        return frames.empty("findings"), f"所选上年报告为 {pyear} 年，不是 {year - 1} 年，未做跨年度核对。"
    rid = rep.report_id
    prev_rid = prev.reports["report_id"][0]
    if prev_rid == rid:
        return frames.empty("findings"), "所选上年报告与本报告是同一文件，未做跨年度核对。"
    key = pl.lit("selfcheck")
    reports = pl.concat([prev.reports.select(frames.REPORTS.names()), rep.reports.select(frames.REPORTS.names())],
                        how="vertical_relaxed").with_columns(agency_key=key)
    cells = pl.concat([prev.cells.select(frames.CELLS.names()), rep.cells.select(frames.CELLS.names())],
                      how="vertical_relaxed")
    found = check_corpus(reports, cells).filter(pl.col("report_id") == rid)
    return found.select(frames.FINDINGS.names()), None


def _order(f: pl.DataFrame) -> pl.DataFrame:
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    tables = {t: i for i, t in enumerate(spec.TABLES)}
    return (f.with_columns(_s=pl.col("severity").replace_strict(rank, default=9),
                           _t=pl.col("table").replace_strict(tables, default=9))
            .sort("_s", "_t", maintain_order=True).drop("_s", "_t"))


# --------------------------------------------------------------------------- conformance


def label_variants(rep: Report) -> list[dict]:
    """Rows whose printed label differs from the template's wording (misspelt, abbreviated …), from the
    extractor's label matches (what ``gx explain`` prints as ``'label' → table.row``)."""
    tpl = rep.template if rep.template in spec.TEMPLATES else None
    if tpl is None:
        return []
    out = []
    for m in rep.extraction.matches:
        try:
            official = spec.template(tpl)[m["table"]].row(m["row"]).leaf
        except KeyError:
            official = spec.row_display(m["table"], m["row"])
        if spec.normalize_label(m["printed"]) != spec.normalize_label(official):
            out.append({k: m[k] for k in ("table", "row", "printed", "where")} | {"official": official})
    return out


def conformance(res: CheckResult) -> list[dict]:
    """Template conformance as rows {item, status (符合/不符/提示), detail} for the page and the report."""
    if not res.ok:
        return []
    r = res.meta
    want, got = r["expected_template"], r["template"]
    tname = {"older": "2019 年以前的格式", "unknown": "未识别"}
    rows = [{"item": "模板版本", "status": "符合" if want in (None, got) else "不符",
             "detail": f"{r['year'] or '年度不详'} 年度应使用 {tname.get(want, want) if want else '（年度不详）'} 版模板，"
                       f"报告使用 {tname.get(got, got)} 版"}]
    f = res.findings
    for code, item in (("template.missing_table", "缺少表格"), ("template.unread_table", "未能读取的表格"),
                       ("template.missing_row", "缺少行"),
                       ("template.missing_section", "缺少章节"), ("template.unknown_row", "模板外的行"),
                       ("extract.unmatched_label", "未识别的行")):
        msgs = f.filter(pl.col("rule") == code)["message"].to_list()
        rows.append({"item": item, "status": "不符" if msgs else "符合", "detail": "；".join(msgs) or "无"})
    variants = label_variants(res.report)
    rows.append({"item": "行标签与模板用字", "status": "提示" if variants else "符合",
                 "detail": "；".join(f"{TABLE_ZH[v['table']]} 印为「{v['printed']}」，模板为「{v['official']}」"
                                    for v in variants) or "与模板一致"})
    return rows


# --------------------------------------------------------------------------- cells as the template lays them out


def cell_status(res: CheckResult) -> dict[tuple[str, str, str], dict]:
    """(table,row,col) → {value, raw, state (value|blank|ambiguous|unreadable), reason}."""
    if not res.ok:
        return {}
    unreadable = {(x["table"], x["row"], x["col"]): x["message"]
                  for x in res.findings.filter(pl.col("rule") == "extract.unreadable").iter_rows(named=True)}
    out = {}
    for c in res.report.cells.iter_rows(named=True):
        key = (c["table"], c["row"], c["col"])
        if key in unreadable:
            st, why = "unreadable", unreadable[key]
        elif c["ambiguous"]:
            st, why = "ambiguous", f"文档中此格的数值无法唯一确定（印为「{c['raw']}」，有多种读法满足勾稽关系）"
        elif c["value"] is None:
            st, why = "blank", None
        else:
            st, why = "value", None
        out[key] = {"value": c["value"], "raw": c["raw"], "state": st, "reason": why, "where": c["where"]}
    return out


def fmt_value(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.6f}".rstrip("0").rstrip(".")


def layout_template(res: CheckResult) -> str:
    """The template the tables are drawn in: the one the report uses, else the year's, else 2021."""
    if res.ok and res.report.template in spec.TEMPLATES:
        return res.report.template
    want = res.meta.get("expected_template") if res.ok else None
    return want if want in spec.TEMPLATES else "2021"


def table_rows(res: CheckResult, table: str) -> list[spec.Row]:
    tpl = layout_template(res)
    if table == "applications":
        single = bool(res.ok and res.report.extraction.single_other)
        return list(spec.applications_rows(tpl, single_other=single))
    return list(spec.template(tpl)[table].rows)


# --------------------------------------------------------------------------- the Excel check report


def findings_table(res: CheckResult) -> pl.DataFrame:
    """The findings as the report prints them (Chinese headers)."""
    f = res.findings
    return pl.DataFrame({
        "级别": [SEVERITY_ZH.get(s, s) for s in f["severity"]],
        "规则": [rule_title(c) for c in f["rule"]],
        "表": [TABLE_ZH.get(t, "") if t else "" for t in f["table"]],
        "行": [spec.row_display(t, r, with_group=True) if t and r else "" for t, r in zip(f["table"], f["row"])],
        "列": [_col(t, c) for t, c in zip(f["table"], f["col"])],
        "说明": f["message"].to_list(),
        "应为": [fmt_value(x) for x in f["expected"]],
        "实为": [fmt_value(x) for x in f["actual"]],
        "规则代码": f["rule"].to_list(),
    }, schema={k: pl.String for k in ("级别", "规则", "表", "行", "列", "说明", "应为", "实为", "规则代码")})


def _col(table: str | None, col: str | None) -> str:
    if not table or not col:
        return ""
    try:
        return spec.col_label(table, col)
    except KeyError:
        return col


def summary_rows(res: CheckResult) -> list[tuple[str, str]]:
    m = res.meta
    rows = [("文件", Path(res.name).name)]
    if not res.ok:
        return rows + [("结果", res.error or "")]
    rows += [("发布机关", m["agency"] or "未识别"), ("年度", str(m["year"] or "未识别")),
             ("使用模板", m["template"]), ("格式", m["format"]),
             ("读取的单元格", str(m["n_cells"])), ("无法确定的单元格", str(m["n_ambiguous"]))]
    rows += [(f"{SEVERITY_ZH[s]}数", str(res.count(s))) for s in SEVERITY_ORDER]
    rows.append(("上年报告", res.previous.label if res.previous else "未提供（跨年度规则未核对）"))
    if res.previous_note:
        rows.append(("跨年度核对", res.previous_note))
    rows.append(("结论", verdict(res)))
    return rows


def verdict(res: CheckResult) -> str:
    if not res.ok:
        return "无法读取"
    if res.count("error"):
        return f"发现 {res.count('error')} 处错误，请修改后再发布"
    if res.count("warning"):
        return f"未发现错误；有 {res.count('warning')} 条警告，请核实"
    return "未发现错误或警告"


def to_xlsx(res: CheckResult) -> bytes:
    """The check report as an Excel workbook: 概要, 问题, 模板符合性, then 表二/表三/表四 as read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    for k, v in summary_rows(res):
        ws.append([k, v])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 90
    sheet = wb.create_sheet("问题")
    ft = findings_table(res)
    sheet.append(ft.columns)
    for row in ft.iter_rows():
        sheet.append(list(row))
    sheet.column_dimensions["F"].width = 90
    conf = wb.create_sheet("模板符合性")
    conf.append(["项目", "结论", "说明"])
    for c in conformance(res):
        conf.append([c["item"], c["status"], c["detail"]])
    conf.column_dimensions["C"].width = 100
    fill = {"ambiguous": PatternFill("solid", fgColor="FFF3C4"), "unreadable": PatternFill("solid", fgColor="FAD4D4")}
    status = cell_status(res)
    for table in spec.TABLES:
        t = wb.create_sheet(TABLE_ZH[table])
        header = None
        for row in table_rows(res, table):
            if row.col_codes != header:  # 表二's blocks each have their own columns
                header = row.col_codes
                t.append(["项目", *[c.label.replace(" / ", "·") for c in row.cols]])
                for cell in t[t.max_row]:
                    cell.font = Font(bold=True)
            line = [spec.row_display(table, row.code, layout_template(res), with_group=True)]
            marks = []
            for c in row.cols:
                s = status.get((table, row.code, c.code))
                line.append("未见" if s is None else (s["value"] if s["state"] == "value" else
                            {"blank": "", "ambiguous": "无法确定", "unreadable": "无法识别"}[s["state"]]))
                marks.append(s["state"] if s else None)
            t.append(line)
            for cell, mark in zip(t[t.max_row][1:], marks):
                if mark in fill:
                    cell.fill = fill[mark]
        t.column_dimensions["A"].width = 40
    for s in wb.worksheets:
        s.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
