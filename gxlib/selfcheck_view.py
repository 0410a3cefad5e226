"""The 年报自检 page (``dashboards/check.ipynb``): upload or paste a draft, see what was read in the
template's own layout, every finding on its cell, template conformance, the cross-year rules
against last year's report, and download the check report (Excel, printable HTML).

The logic is :mod:`gxlib.selfcheck`; this module draws it.  :func:`result_html` is shared by the
page and the printable report (:func:`printable_html`), so both show the same tables and findings.
:class:`CheckPage` is one anywidget: the browser checks the size before sending anything, sends the
file's bytes as a comm buffer, and on ``pagehide`` asks the kernel to delete the upload (Voilà also
shuts the kernel down when the page closes, which runs :class:`gxlib.selfcheck.Upload`'s cleanup).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

import anywidget
import traitlets

from . import selfcheck as sc
from . import spec
from .checks import TABLE_ZH

E = html.escape
STATE_ZH = {"blank": "空白", "ambiguous": "无法确定", "unreadable": "无法识别", "missing": "未见"}

CSS = """
.gx-check { font-size: 14px; }
.gx-check .gx-title { font-size: 22px; font-weight: 600; margin: 6px 0 2px 0; }
.gx-check .gx-sub, .gx-check .gx-note { color: #555; font-size: 13px; margin: 2px 0 8px 0; }
.gx-check .gx-section { font-size: 17px; font-weight: 600; margin: 18px 0 6px 0; border-left: 4px solid #2f7ebc; padding-left: 8px; }
.gx-check .gx-controls { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.gx-check .gx-box { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; background: #fafafa; }
.gx-check textarea { width: 100%; height: 90px; font-size: 12px; }
.gx-check .gx-banner { padding: 8px 12px; margin: 8px 0; border: 1px solid #c9a227; background: #fff8e1; }
.gx-check .gx-refused, .gx-check .gx-unreadable { border-color: #d9534f; background: #fdecea; }
.gx-check .gx-ok { border-color: #5cb85c; background: #e8f5e9; }
.gx-check .gx-verdict-error { border-color: #d9534f; background: #fdecea; }
.gx-check table.gx-t { border-collapse: collapse; font-size: 12.5px; margin: 4px 0 12px 0; }
.gx-check table.gx-t th, .gx-check table.gx-t td { border: 1px solid #bbb; padding: 3px 6px; }
.gx-check table.gx-t th { background: #f2f5f9; font-weight: 500; }
.gx-check td.gx-label { text-align: left; min-width: 220px; }
.gx-check td.gx-sub-item { padding-left: 22px; }
.gx-check td.gx-cell { text-align: right; min-width: 42px; cursor: pointer; }
.gx-check td.gx-st-ambiguous { background: #fff3c4; }
.gx-check td.gx-st-unreadable { background: #fad4d4; }
.gx-check td.gx-st-missing { background: #eee; }
.gx-check td.gx-has-warning { outline: 2px solid #f0ad4e; outline-offset: -2px; }
.gx-check td.gx-has-error { outline: 2px solid #d9534f; outline-offset: -2px; }
.gx-check td.gx-hl { box-shadow: inset 0 0 0 3px #2f7ebc; background: #dbeafe; }
.gx-check .gx-findings li { margin: 4px 0; cursor: pointer; }
.gx-check .gx-findings li.gx-active { background: #dbeafe; }
.gx-check .gx-sev-error .gx-sev { color: #c62828; font-weight: 600; }
.gx-check .gx-sev-warning .gx-sev { color: #b26a00; font-weight: 600; }
.gx-check .gx-sev-info .gx-sev { color: #555; }
.gx-check .gx-at { color: #2f7ebc; font-size: 12px; }
.gx-check .gx-expect { color: #555; font-size: 12px; }
.gx-check .gx-cell-info { border: 1px solid #2f7ebc; padding: 6px 10px; background: #f5f9ff; position: fixed;
  right: 16px; bottom: 16px; max-width: 520px; z-index: 20; box-shadow: 0 2px 8px rgba(0,0,0,.2); }
.gx-check .gx-file-btn { display: inline-block; border: 1px solid #888; border-radius: 4px; padding: 2px 10px;
  background: #fff; cursor: pointer; margin: 4px 8px 4px 0; }
.gx-check .gx-file-name { color: #555; font-size: 12px; }
.gx-check .gx-conf td { text-align: left; }
.gx-check .gx-st-不符 { color: #c62828; font-weight: 600; } .gx-check .gx-st-符合 { color: #2e7d32; }
.gx-check .gx-legend span { display: inline-block; padding: 0 6px; margin-right: 8px; border: 1px solid #bbb; }
@media print { .gx-noprint { display: none !important; } .gx-check table.gx-t { break-inside: avoid; } }
"""


# --------------------------------------------------------------------------- findings → cells


def _key(t: str, r: str, c: str) -> str:
    return f"{t}.{r}.{c}"


def finding_cells(res: sc.CheckResult) -> list[list[str]]:
    """For each finding (in order), the cells it points at: its cell, else its row's, else its table's."""
    out = []
    for f in res.findings.iter_rows(named=True):
        t, r, c = f["table"], f["row"], f["col"]
        if not t or t not in spec.TABLES:
            out.append([])
            continue
        rows = [row for row in sc.table_rows(res, t) if r in (None, row.code)]
        out.append([_key(t, row.code, col.code) for row in rows for col in row.cols if c in (None, col.code)])
    return out


def _at(f: dict) -> str:
    if not f["table"]:
        return "全文"
    parts = [TABLE_ZH.get(f["table"], f["table"])]
    if f["row"]:
        parts.append(spec.row_display(f["table"], f["row"], with_group=True))
    if f["col"]:
        parts.append(sc._col(f["table"], f["col"]))
    return " · ".join(parts)


def findings_html(res: sc.CheckResult, cells_of: list[list[str]]) -> str:
    groups = {s: [] for s in sc.SEVERITY_ORDER}
    for i, f in enumerate(res.findings.iter_rows(named=True)):
        expect = ""
        if f["expected"] is not None or f["actual"] is not None:
            expect = (f'<div class="gx-expect">规则要求：{E(sc.rule_title(f["rule"]))}；'
                      f'应为 {E(sc.fmt_value(f["expected"])) or "—"}，实为 {E(sc.fmt_value(f["actual"])) or "空白"}</div>')
        else:
            expect = f'<div class="gx-expect">规则：{E(sc.rule_title(f["rule"]))}</div>'
        groups.setdefault(f["severity"], []).append(
            f'<li class="gx-finding gx-sev-{E(f["severity"])}" data-fid="{i}" data-severity="{E(f["severity"])}" '
            f'data-rule="{E(f["rule"])}" data-cells="{" ".join(cells_of[i])}">'
            f'<span class="gx-sev">[{sc.SEVERITY_ZH.get(f["severity"], f["severity"])}]</span> {E(f["message"])} '
            f'<span class="gx-at">（{E(_at(f))}）</span>{expect}</li>')
    parts = []
    for s in sc.SEVERITY_ORDER:
        items = groups.get(s) or ['<li class="gx-none">无</li>']
        parts.append(f'<div class="gx-group" data-severity="{s}"><b>{sc.SEVERITY_ZH[s]}（{len(groups.get(s, []))}）</b>'
                     f'<ul class="gx-findings">{"".join(items)}</ul></div>')
    return "".join(parts)


# --------------------------------------------------------------------------- tables in the template's layout


def _cell_td(res_cells: dict, sev: dict, fids: dict, table: str, row: str, col: str) -> str:
    key = _key(table, row, col)
    s = res_cells.get((table, row, col))
    state = "missing" if s is None else s["state"]
    text = "" if s is None or s["state"] != "value" else sc.fmt_value(s["value"])
    if state in ("ambiguous", "unreadable"):
        text = "？"
    tips = [{"missing": "报告中未见此格", "blank": "空白（报告未填数）"}.get(state) or (s and s["reason"]) or ""]
    if s and s["raw"] and state != "value":
        tips.append(f"原文「{s['raw']}」")
    if s and s["where"]:
        tips.append(f"位置 {s['where']}")
    label = f"{TABLE_ZH[table]} · {spec.row_display(table, row, with_group=True)} · {sc._col(table, col)}"
    cls = f"gx-cell gx-st-{state}" + (f" gx-has-{sev[key]}" if key in sev else "")
    return (f'<td class="{cls}" data-cell="{key}" data-state="{state}" data-fids="{" ".join(fids.get(key, []))}" '
            f'data-label="{E(label)}" title="{E("；".join(t for t in tips if t))}">{E(text)}</td>')


def _label_td(table: str, row: spec.Row, tpl: str) -> str:
    leaf = spec.row_display(table, row.code, tpl)
    sub = " gx-sub-item" if row.group and leaf[:1].isdigit() else ""
    return f'<td class="gx-label{sub}">{E(leaf)}</td>'


def _header(cols: tuple[spec.Column, ...], first: str = "项目") -> str:
    """Two header rows when columns have groups (法人或其他组织 / 商业企业 …), else one."""
    grouped = any(" / " in c.label for c in cols)
    if not grouped:
        return f'<tr><th>{first}</th>{"".join(f"<th>{E(c.leaf)}</th>" for c in cols)}</tr>'
    top, bottom, i = [], [], 0
    while i < len(cols):
        g = cols[i].label.split(" / ")[0] if " / " in cols[i].label else None
        if g is None:
            top.append(f'<th rowspan="2">{E(cols[i].leaf)}</th>')
            i += 1
            continue
        n = 1
        while i + n < len(cols) and cols[i + n].label.startswith(g + " / "):
            n += 1
        top.append(f'<th colspan="{n}">{E(g)}</th>')
        bottom += [f"<th>{E(c.leaf)}</th>" for c in cols[i:i + n]]
        i += n
    return f'<tr><th rowspan="2">{first}</th>{"".join(top)}</tr><tr>{"".join(bottom)}</tr>'


def _reviews_html(res: sc.CheckResult, cells: dict, sev: dict, fids: dict) -> str:
    """表四 as the template prints it: one row of 15 cells under 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉)."""
    rows = sc.table_rows(res, "reviews")
    top = ['<th colspan="5" rowspan="2">行政复议</th>', f'<th colspan="{5 * (len(rows) - 1)}">行政诉讼</th>']
    mid = [f'<th colspan="5">{E(r.leaf)}</th>' for r in rows[1:]]
    leaves = "".join(f"<th>{E(c.leaf)}</th>" for r in rows for c in r.cols)
    tds = "".join(_cell_td(cells, sev, fids, "reviews", r.code, c.code) for r in rows for c in r.cols)
    return (f'<table class="gx-t" data-table="reviews"><tr>{"".join(top)}</tr><tr>{"".join(mid)}</tr>'
            f"<tr>{leaves}</tr><tr>{tds}</tr></table>")


def tables_html(res: sc.CheckResult, cells_of: list[list[str]]) -> str:
    cells = sc.cell_status(res)
    sev: dict[str, str] = {}
    fids: dict[str, list[str]] = {}
    for i, (keys, s) in enumerate(zip(cells_of, res.findings["severity"])):
        for k in keys:
            fids.setdefault(k, []).append(str(i))
            if s in ("error", "warning") and sev.get(k) != "error":
                sev[k] = s
    tpl = sc.layout_template(res)
    out = []
    for table in spec.TABLES:
        title = f'<div class="gx-section">{TABLE_ZH[table]} {E(spec.TABLE_TITLE[table])}</div>'
        if table == "reviews":
            out.append(title + _reviews_html(res, cells, sev, fids))
            continue
        body, header, group = [], None, None
        for row in sc.table_rows(res, table):
            if row.col_codes != header:
                header = row.col_codes
                body.append(_header(row.cols, "项目" if table == "applications" else "信息内容"))
            if row.group and row.group != group:  # 三、本年度办理结果 / （三）不予公开 … printed above their items
                body.append(f'<tr><td class="gx-label" colspan="{len(row.cols) + 1}"><b>{E(row.group)}</b></td></tr>')
            group = row.group
            tds = "".join(_cell_td(cells, sev, fids, table, row.code, c.code) for c in row.cols)
            body.append(f'<tr>{_label_td(table, row, tpl)}{tds}</tr>')
        out.append(f'{title}<table class="gx-t" data-table="{table}">{"".join(body)}</table>')
    legend = ('<div class="gx-legend gx-note">图例：<span class="gx-st-ambiguous">？ 无法确定</span>'
              '<span class="gx-st-unreadable">？ 无法识别</span><span class="gx-st-missing">未见此格</span>'
              '<span style="outline:2px solid #d9534f">有错误</span><span style="outline:2px solid #f0ad4e">有警告</span>'
              '空白格即报告未填数。点击单元格查看其问题，点击问题定位单元格。</div>')
    return legend + "".join(out)


def conformance_html(res: sc.CheckResult) -> str:
    rows = "".join(f'<tr data-item="{E(c["item"])}"><td>{E(c["item"])}</td><td class="gx-st-{E(c["status"])}">'
                   f'{E(c["status"])}</td><td>{E(c["detail"])}</td></tr>' for c in sc.conformance(res))
    return f'<table class="gx-t gx-conf"><tr><th>项目</th><th>结论</th><th>说明</th></tr>{rows}</table>'


def summary_html(res: sc.CheckResult) -> str:
    cls = "gx-verdict-error" if res.count("error") else "gx-ok"
    facts = "".join(f"<tr><th>{E(k)}</th><td class='gx-label'>{E(v)}</td></tr>" for k, v in sc.summary_rows(res))
    return (f'<div class="gx-banner gx-verdict {cls}">{E(sc.verdict(res))}</div>'
            f'<table class="gx-t gx-summary">{facts}</table>')


def result_html(res: sc.CheckResult) -> str:
    """The whole result (summary, findings, conformance, tables) with data-* hooks for the page's script."""
    if not res.ok:
        return (f'<div class="gx-check-result" data-state="error" data-file="{E(Path(res.name).name)}">'
                f'<div class="gx-banner gx-unreadable">{E(res.error or "")}</div></div>')
    cells_of = finding_cells(res)
    counts = " ".join(f'data-{s}s="{res.count(s)}"' for s in sc.SEVERITY_ORDER)
    return (f'<div class="gx-check-result" data-state="done" data-file="{E(Path(res.name).name)}" {counts}>'
            f'<div class="gx-section">检查结论</div>{summary_html(res)}'
            f'<div class="gx-section">发现的问题</div>{findings_html(res, cells_of)}'
            '<div class="gx-cell-info gx-noprint" style="display:none"></div>'
            f'<div class="gx-section">模板符合性</div>{conformance_html(res)}'
            f'{tables_html(res, cells_of)}</div>')


def refused_html(message: str) -> str:
    return f'<div class="gx-check-result" data-state="refused"><div class="gx-banner gx-refused">{E(message)}</div></div>'


def printable_html(res: sc.CheckResult) -> str:
    """A standalone page to print or attach to the draft's approval (no script, no external file)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>年报自检报告 — '
            f'{E(Path(res.name).name)}</title><style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;'
            f'margin:24px}}{CSS}</style></head><body><div class="gx-check"><div class="gx-title">政府信息公开工作年度报告 自检报告'
            f'</div><div class="gx-sub">检查时间 {stamp}；由 gxlib 生成，报告文件未被保存。</div>{result_html(res)}</div></body></html>')


# --------------------------------------------------------------------------- the widget


class CheckPage(anywidget.AnyWidget):
    _esm = "".join((Path(__file__).parent / f).read_text(encoding="utf-8") for f in ("app/savefile.js", "selfcheck_view.js"))
    _css = CSS
    html = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(sc.MAX_BYTES).tag(sync=True)
    choices = traitlets.List([]).tag(sync=True)  # [[label, report_id]] of the corpus, for 上年报告
    previous = traitlets.Unicode("").tag(sync=True)
    tmp_name = traitlets.Unicode("").tag(sync=True)  # the upload folder's name (the tests assert on it)
    seq = traitlets.Int(0).tag(sync=True)  # bumped after every result drawn (even an identical one)

    def __init__(self, corpus_dir: str | os.PathLike | None = None, **kw):
        types = sc.accepted_types()
        super().__init__(accept=",".join(types), **kw)
        self.types = types
        self.upload = sc.Upload()
        self.tmp_name = self.upload.dir.name
        self.corpus = _open_corpus(corpus_dir)
        self.choices = [list(c) for c in sc.corpus_choices(self.corpus)] if self.corpus is not None else []
        self.result: sc.CheckResult | None = None
        self.prev: sc.Previous | None = None
        self.draft: tuple[str, bytes] | None = None
        self.on_msg(self._handle)

    def _handle(self, _w, content, buffers) -> None:
        kind = (content or {}).get("kind")
        if kind == "close":
            self.upload.close()
            return
        if kind == "download":
            self._download(content.get("fmt"))
            return
        self.busy = True
        try:
            self._act(kind, content, buffers)
        finally:
            self.busy = False
            self.seq += 1

    def _act(self, kind: str, content: dict, buffers: list) -> None:
        name = str(content.get("name") or "")
        try:
            if kind in ("draft", "prev_file"):
                sc.validate(name, int(content.get("size") or 0), max_bytes=self.max_bytes, types=self.types)
                if not buffers:
                    raise sc.Refused(f"文件「{name}」未收到内容。")
                data = bytes(buffers[0])
                sc.validate(name, len(data), max_bytes=self.max_bytes, types=self.types)
        except sc.Refused as e:
            self.html = refused_html(str(e))
            return
        if kind == "draft":
            path = self.upload.save(name, data)
            self.draft = (name, path)
        elif kind == "text":
            text = str(content.get("text") or "")
            if not text.strip():
                self.html = refused_html("粘贴的文本是空的。")
                return
            self.upload.clear()
            self.draft = (sc.PASTED_NAME, text.encode("utf-8"))
        elif kind == "prev_file":
            self._set_previous_file(name, data)
        elif kind == "prev_pick":
            self._set_previous_pick(str(content.get("report_id") or ""))
        self._run()

    def _set_previous_file(self, name: str, data: bytes) -> None:
        from .report import read_report

        try:
            self.prev = sc.Previous.from_report(read_report(name, data=data), f"上传：{name}")
            self.previous = self.prev.label
        except Exception as e:  # noqa: BLE001
            self.prev, self.previous = None, "上年报告" + sc.unreadable_message(name, e)

    def _set_previous_pick(self, report_id: str) -> None:
        if not report_id or self.corpus is None:
            self.prev, self.previous = None, ""
            return
        try:
            self.prev = sc.Previous.from_corpus(self.corpus, report_id)
            self.previous = self.prev.label
        except Exception as e:  # noqa: BLE001
            self.prev, self.previous = None, f"无法从语料库读取所选报告：{e}"

    def _run(self) -> None:
        if self.draft is None:
            return
        name, src = self.draft
        data = src.read_bytes() if isinstance(src, Path) else src
        self.result = sc.check_bytes(name, data, self.prev)
        self.html = result_html(self.result)

    def _download(self, fmt: str | None) -> None:
        if self.result is None or fmt not in ("xlsx", "html"):
            return
        stem = Path(self.result.name).stem[:40] or "report"
        if fmt == "xlsx":
            data, mime = sc.to_xlsx(self.result), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            data, mime = printable_html(self.result).encode("utf-8"), "text/html; charset=utf-8"
        self.send({"kind": "file", "filename": f"自检报告_{stem}.{fmt}", "mime": mime}, [data])


def _open_corpus(corpus_dir):
    path = corpus_dir or os.environ.get("GX_CORPUS")
    if not path or not Path(path, "manifest.json").exists():
        return None
    try:
        from .corpus import load_corpus

        return load_corpus(path)
    except Exception:  # noqa: BLE001 - the page works without a corpus (upload last year's report instead)
        return None


def page(corpus_dir: str | os.PathLike | None = None) -> CheckPage:
    return CheckPage(corpus_dir)


__all__ = ["CheckPage", "page", "printable_html", "result_html"]
