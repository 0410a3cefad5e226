"""Template-driven extraction: any Document's grids → coded cells (table, row, col).

How a value finds its code, in three steps a user can follow (``explain()`` prints them):

1. **Template.** Which national template the tables follow is read off the tables
   themselves (column headings and rows that exist in only one template), not the year.
2. **Rows.** Each grid row splits into label cells (leading text) and value cells (what
   follows).  The last label is matched against the template's row labels after
   :func:`gxlib.spec.normalize_label` (spaces, ``1、``/``1.``, brackets): exact, then
   containment (规范性文件 ⊂ 行政规范性文件, truncated text), then similarity (typos such as
   其他法律行政止公开).  A row is taken once.
3. **Columns.** The row's value cells are aligned with the template's columns *by order*
   (header and data rows often disagree on colspans, so grid positions are not trusted).
   表四's data row carries no label: the 15 values after the 行政复议/行政诉讼 header.

Fused crawler rows (``Grid.fused``) go to :mod:`gxlib.fused`, which splits digit runs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

from . import gridrows, headings, misread, spec
from .reviewrows import reviews_piece as _reviews_piece, take_reviews as _take_reviews, take_reviews_piece as _take_reviews_piece
from .script import FOLDED, folded_finding
from .coded import CodedCell, Extraction  # noqa: F401  (re-exported: the extractor's output)
from .document import Cell, Document
from .values import in_value_position, is_blank, is_value


# --- template detection ------------------------------------------------------------------
# Column headings and rows printed by only one template.  Truncated headings (本年新) still
# carry the 2019 signal as a prefix.
_SIGNALS = {
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "处理决定数量",
             "其他对外管理服务事项", "政府集中采购", "采购项目数量", "采购总金额", "第（九）项"),
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
             "逾期不补正", "逾期未按收费通知"),
}
_SIGNALS_NORM = {t: tuple(spec.normalize_label(s) for s in sigs) for t, sigs in _SIGNALS.items()}


def _printed(doc: Document) -> Counter:
    """How many cells of the document's grids print each text."""
    return Counter([cell.text for grid in doc.grids for row in grid.rows for cell in row])


def detect_template(doc: Document, printed: Counter | None = None) -> str:
    """``2019`` | ``2021`` from the tables' own headings and rows; ``unknown`` when none.
    ``printed``: :func:`_printed` of ``doc`` when the caller has it."""
    score = {"2019": 0, "2021": 0}
    # each distinct text once, weighed by how many cells print it (the counting runs in C)
    for text, n in (_printed(doc) if printed is None else printed).items():
        for tpl in _signals(text):
            score[tpl] += n
    if score["2019"] == score["2021"] == 0 and doc.grids:
        # Fused grids hold labels and runs only; the column headings are in the text.
        text = spec.normalize_label(doc.text)
        for tpl, sigs in _SIGNALS_NORM.items():
            score[tpl] = sum(text.count(s) for s in sigs if len(s) >= 4)
        score["2019"] -= sum(text.count(s) for s in _SIGNALS_NORM["2021"] if "处理决定数量" in s)
    if score["2019"] <= 0 and score["2021"] <= 0:
        return "unknown"
    return "2021" if score["2021"] > score["2019"] else "2019"


@lru_cache(maxsize=65536)
def _signals(printed: str) -> tuple[str, ...]:
    """The templates a printed cell's text points to (cached: headings repeat across reports)."""
    text = spec.normalize_label(printed)
    if len(text) < 3 or is_value(printed):
        return ()
    out = []
    for tpl, sigs in _SIGNALS_NORM.items():
        # a truncated heading (本年新) is a prefix of a 2019 signal; "本年处理决定数量" (2021)
        # contains "处理决定数量" (2019): the 2021 signal wins
        hits = any(s in text or (tpl == "2019" and s.startswith(text)) for s in sigs)
        if hits and not (tpl == "2019" and any(s in text for s in _SIGNALS_NORM["2021"])):
            out.append(tpl)
    return tuple(out)


# --- row matching -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Target:
    table: str
    row: spec.Row
    norm: str  # normalized leaf label


@cache
def _targets(tpl: str) -> tuple[_Target, ...]:
    rows: list[tuple[str, spec.Row]] = []
    for table in spec.TABLES:  # 表四's rows too: some reports print it as 3 rows × 5 columns
        for r in spec.template(tpl)[table].rows:
            rows.append((table, r))
    if tpl == "2021":  # the single-row （六） some 2021-template reports print
        rows.append(("applications", spec.template("2019")["applications"].row(spec.OTHER_SINGLE_ROW)))
    return tuple(_Target(t, r, spec.normalize_label(r.leaf)) for t, r in rows)


def _score(label: str, target: str) -> float:
    if label == target:
        return 1.0
    short, long_ = sorted((label, target), key=len)
    if len(short) >= 2 and short in long_ and (long_.startswith(short) or len(short) >= 4):
        # containment: truncated text (本年新, 2.重复), or 行政规范性文件 ⊃ 规范性文件; prefer the
        # closer length.  A short piece from the middle or end (申请, 信息 — the rest of a label
        # a page break cut) is no evidence of which row it is.
        return 0.85 + 0.1 * len(short) / len(long_)
    return SequenceMatcher(None, label, target, autojunk=False).ratio()


MATCH_THRESHOLD = 0.62


@lru_cache(maxsize=65536)
def _ranked(label: str, tpl: str) -> tuple[tuple[float, int], ...]:
    """Template rows a printed label could be, best first (labels repeat across thousands of
    reports, so the similarity scoring runs once per distinct label)."""
    norm = spec.normalize_label(label)
    scored = [(_score(norm, t.norm), i) for i, t in enumerate(_targets(tpl))]
    qualified = _QUALIFIED.match(norm)
    if qualified:  # 行政诉讼（未经复议）: the group's name, its row named in brackets
        group, inner = qualified.groups()
        scored = [max(x, (_score(inner, t.norm), i)) if _group(t) == group else x
                  for x, (i, t) in zip(scored, enumerate(_targets(tpl)))]
    return tuple(sorted((x for x in scored if x[0] >= MATCH_THRESHOLD), key=lambda x: (-x[0], x[1])))


_QUALIFIED = re.compile(r"^(.{2,}?)[（(]([^（()）]{2,})[)）]$")


def _group(t: _Target) -> str:
    """A template row's nearest group label, normalized (行政诉讼 for 未经复议直接起诉)."""
    return spec.normalize_label(t.row.group) if t.row.group else ""


def best_row(label: str, tpl: str) -> tuple[_Target | None, float]:
    """The template row ``label`` is most like, printed before or not."""
    ranked = _ranked(label, tpl)
    return (_targets(tpl)[ranked[0][1]], ranked[0][0]) if ranked else (None, 0.0)


# Words only a template table's headings print.
_HEADINGS = ("申请人情况", "第二十条", "信息内容", "行政复议", "行政诉讼", "本年新收", "上年结转", "结转下年度")


@lru_cache(maxsize=65536)
def _is_strong(printed: str, tpl: str) -> bool:
    """A cell only a template table prints: a heading word, or a row label of 4+ characters
    that matches a template row closely (not a short word such as 总计 / 其他 / 数量)."""
    norm = spec.normalize_label(printed)
    if any(h in norm for h in _HEADINGS):
        return True
    target, score = best_row(printed, tpl)
    return target is not None and score >= 0.9 and len(re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）.、]?", "", norm)) >= 4


# Words a caption above a piece of a template table prints (a converter cut the table and
# left its title or a heading above each piece).
_CAPTION_WORDS = ("主动公开政府信息情况", "第二十条", "收到和处理政府信息公开申请", "申请人情况", "行政复议", "行政诉讼",
                  "本年度办理结果", "表二", "表三", "表四")


def is_template_grid(grid, tpl: str) -> bool:
    """Does the grid print a template table (or a part of one)?  Other tables of a report
    (a statistics table in section 一 with rows 其他 / 总计) are not mapped at all."""
    if grid.caption and any(w in spec.normalize_label(grid.caption) for w in _CAPTION_WORDS):
        return True
    if any(_is_strong(c.text, tpl) for row in grid.rows for c in row if c.text and not is_value(c.text)):
        return True
    return any(_row_fits(row, tpl) for row in grid.rows)


def _row_fits(row: list[Cell], tpl: str) -> bool:
    """A row whose label names a template row closely and that prints exactly that row's
    number of values (``| 规章 | 0 | 0 | 0 |`` under a generic header): a template row
    whatever the table around it says."""
    labels, values = _split_row(row)
    if not labels or not values:
        return False
    target, score = best_row(labels[-1].text, tpl)
    return target is not None and score >= 0.9 and len(_trim_blanks(values)) == len(target.row.cols)


def _grid_says_reviews(grid) -> bool:
    words = grid.caption + "".join([c.text for row in grid.rows for c in row if not is_value(c.text)])
    return any(w in words for w in ("复议", "诉讼", "维持", "纠正"))


def _says_reviews(grid, known: bool | None) -> bool:
    """:func:`_grid_says_reviews`, unless ``known`` already."""
    return _grid_says_reviews(grid) if known is None else known


def _caption_label(grid, row, labels: list[Cell], values: list[Cell]) -> list[Cell]:
    """A piece of a table with one row of numbers and no label of its own (``### 行政复议`` over
    ``| 27 | 10 | 9 | 15 | 61 |``) takes its caption as the label."""
    if labels or not values or not grid.caption or len(values) >= 10:
        return labels  # 10 or 15 numbers are 表四's litigation rows or whole data row (gxlib.reviewrows)
    with_values = [r for r in grid.rows if any(is_value(c.text) and not is_blank(c.text) for c in r)]
    if len(with_values) != 1:
        return labels
    return [Cell(grid.caption.split(" ")[-1], f"{grid.where} (caption)")]


def match_row(label: str, tpl: str, taken: set[tuple[str, str]]) -> tuple[_Target | None, float]:
    """The best template row for ``label`` that the report has not printed yet."""
    targets = _targets(tpl)
    for score, i in _ranked(label, tpl):
        t = targets[i]
        if (t.table, t.row.code) not in taken:
            return t, score
    return None, 0.0


# --- the extractor ----------------------------------------------------------------------
_REVIEW_HEADERS = ("行政复议", "行政诉讼")


def _reviews_row_grid(grid, in_reviews: bool) -> bool:
    """Does the grid hold 表四's row of 15 values though it names no template row: after the
    行政复议/行政诉讼 header (``in_reviews``), or, with 12 or more of them printed, under header
    cells of its own that say 维持/纠正 (the row is read by the template's fixed order either way)."""
    wide = [v for v in (_split_row(r)[1] for r in grid.rows) if len(v) >= 15]
    if not wide:
        return False
    return in_reviews or (any(len(_trim_blanks(v)) >= 12 for v in wide) and _grid_says_reviews(grid))


@lru_cache(maxsize=65536)
def _opens_reviews(printed: str) -> bool:
    """A label cell that starts 表四's header (行政复议 / 行政诉讼)."""
    return spec.normalize_label(printed).startswith(_REVIEW_HEADERS)


def extract(doc: Document, year_template: str | None = None) -> Extraction:
    """Map every template cell the document's grids print to its (table, row, col) code.

    ``year_template``: the template the report's year calls for, used only when the tables
    print no heading or row that tells the two templates apart."""
    texts = _printed(doc)  # (the rows' loop below has a ``printed`` of its own)
    tpl = detect_template(doc, texts)
    log = []
    if tpl == "unknown" and year_template in ("2019", "2021") and doc.grids:
        tpl = year_template
        log.append(f"template: no heading tells the templates apart; the year's ({tpl}) is used")
    ex = Extraction(template=tpl, log=log)
    if tpl == "unknown":
        return ex
    if any(g.fused for g in doc.grids):
        from . import fused  # the digit-run solver

        single_other = _prints_single_other(doc, tpl)
        result = fused.solve(doc, tpl, single_other)
        ex.cells.extend(result.cells)
        ex.problems.extend(result.findings)
        ex.log.extend(result.log)
        ex.matches.extend(result.matches)
        ex.resolved, ex.ambiguous = result.resolved, result.ambiguous
        ex.single_other = single_other
    taken: set[tuple[str, str]] = {(c.table, c.row) for c in ex.cells}
    in_reviews = False
    order: list[tuple[str, object]] = []  # 表三 rows in document order: ("row", code) | ("orphan", values)
    for grid in (headings.untranspose(g) or g for g in doc.grids if not g.fused):
        # 表四's data row cut off into a table of its own, after its header; or in a table whose
        # header cells say 维持/纠正 while 行政复议/行政诉讼 went to text lines above it (PDF → Markdown)
        reviews_row = _reviews_row_grid(grid, in_reviews)
        item = _lifted_item(grid)
        if item:
            ex.lifted.setdefault(item, []).extend(r[0] for r in grid.rows)
            ex.log.append(f"{grid.where}: {len(grid.rows)} values lifted out of the 第二十条第{item}项 rows")
            continue
        if (compared := headings.by_years(grid)) or not is_template_grid(grid, tpl) and not reviews_row:
            ex.problems.extend([compared] if compared else [])
            ex.log.append(f"{grid.where}: not a template table (no heading or row label of 表二/三/四)")
            continue
        says_reviews = None  # _grid_says_reviews(grid), read only when a row asks (most grids' rows never do)
        for ri, row in enumerate(grid.rows):
            labels, values = _split_row(row)
            labels = _caption_label(grid, row, labels, values)
            for c in labels:  # (a loop, not any() over a generator: this runs for every row)
                if _opens_reviews(c.text):
                    in_reviews = True
                    break
            if not values:
                continue
            target, score = None, 0.0
            if labels:
                best, best_score = best_row(labels[-1].text, tpl)
                if best is not None and best_score >= 0.9 and (best.table, best.row.code) in taken:
                    if any(not is_blank(v.text) for v in values):
                        _duplicate(ex, best, labels[-1])  # a second copy: report it, never re-map it
                    continue
                target, score = match_row(labels[-1].text, tpl, taken)
                if target is None and len(labels) > 1:  # a group label carries the meaning
                    target, score = match_row("".join(c.text for c in labels), tpl, taken)
                if target and all(is_blank(v.text) for v in values) and len(values) < len(target.row.cols):
                    target = None  # a header cell (其他, 总计) beside an empty cell is not a data row
                if target and target.table == "reviews" and (
                    ("reviews", "*") in taken
                    or len(values) < len(target.row.cols) - 1
                    or len(values) >= 15  # the whole data row after its header words on the same row
                    or any(not is_value(v.text) for v in values)  # a heading cut into cells: 行政|诉讼
                    or all(is_blank(v.text) for v in values)
                ):
                    target = None  # 表四 already read as its one 15-value row, or its header (行政复议 … 行政诉讼)
            # (the values without padding, _trim_blanks(values), are wanted by the two tests below only)
            if target is None and len(values) >= 15 and not any(t == "reviews" for t, _ in taken) and (
                    in_reviews or len(_trim_blanks(values)) >= 12
                    and (says_reviews := _says_reviews(grid, says_reviews))):
                # 表四's data row (none read yet): no label of its own (or a word such as 数量); an empty column
                # printed before it (Word exports) is not a value
                while len(values) > 15 and is_blank(values[0].text):
                    values = values[1:]
                _take_reviews(ex, values)
                taken.add(("reviews", "*"))
                ex.log.append(f"{values[0].where}: 15 values after the 行政复议/行政诉讼 header → reviews")
                continue
            if not labels and (piece := _reviews_piece(grid, values, taken)):
                _take_reviews_piece(ex, piece, values, taken)
                continue
            if target is None and len(values) == 14 and not any(t == "reviews" for t, _ in taken) and (
                    in_reviews or (says_reviews := _says_reviews(grid, says_reviews))) and all(
                    is_value(v.text) for v in values) and sum(not is_blank(v.text) for v in values) >= 12:
                # 表四's data row one cell short (a cell deleted): the placings of the missing cell
                gridrows.take_short_reviews(ex, values)
                taken.add(("reviews", "*"))
                continue
            if not labels:
                printed = _trim_blanks(values)
                if len(printed) == len(spec.template(tpl)["applications"].rows[0].cols) and not (
                        says_reviews := _says_reviews(grid, says_reviews)):
                    order.append(("orphan", printed))  # a 表三 row whose label the converter lost
                continue
            if target is None:
                if any(is_value(v.text) and not is_blank(v.text) for v in values):  # (words only: a header row)
                    ex.log.append(f"{labels[-1].where}: no template row matches {labels[-1].text!r}")
                    ex.problems.append(
                        {
                            "rule": "extract.unmatched_label",
                            "severity": "warning",
                            "table": None,
                            "row": None,
                            "col": None,
                            "message": f"{labels[-1].where}: 表格行「{labels[-1].text}」不是模板中的行，其数值"
                            f"（{'、'.join(v.text for v in values if not is_blank(v.text))}）未读入",
                        }
                    )
                continue
            in_reviews = in_reviews and target.table == "reviews"
            taken.add((target.table, target.row.code))
            ex.log.append(f"{labels[-1].where}: {labels[-1].text!r} → {target.table}.{target.row.code} ({score:.2f})")
            ex.matches.append({"where": labels[-1].where, "printed": labels[-1].text, "table": target.table,
                               "row": target.row.code, "score": score})
            if target.row.code == spec.OTHER_SINGLE_ROW:
                ex.single_other = True
            if target.table == "applications":
                order.append(("row", target.row.code))
            header = gridrows.header_columns(grid, ri, target.row.cols, doc.format) if len(values) != len(
                target.row.cols) else None
            headed = gridrows.value_headings(grid, ri, values, target.row.cols, doc.format)
            values = headings.in_heading_order(grid, ri, values, target.row.cols, doc.format, ex.log)
            gridrows.take_row(ex, target.table, target.row, values, doc.format, header, headed)
    _place_orphans(ex, order, taken)
    gridrows.settle_choices(ex)
    gridrows.fold_total_only(ex)
    misread.settle(ex)
    if doc.format in _CLIPPING_FORMATS:
        _cut_totals(ex)
    _table_templates(ex, doc, texts)
    if ("reviews", "*") not in taken and not any(c.table == "reviews" for c in ex.cells):
        ex.log.append("表四: no data row of 15 values after the 行政复议/行政诉讼 header")
    return ex


_ITEM_CAPTION = re.compile(r"第二十条第\s*(（[一二三四五六七八九十]+）)\s*项\s*$")


# Formats made from a page, where a number too wide for its cell can be cut at the cell's edge
# (LibreOffice's PDF of a narrow column: 14069 printed, 14 in the text layer)
_CLIPPING_FORMATS = ("pdf", "markdown", "text")


def _cut_totals(ex: Extraction) -> None:
    """A row's 总计 whose digits begin the sum of its settled parts (14 beside parts adding to
    14069) is either a misprint or the first digits of a number its cell cut: not settled, so
    ambiguous (a total that is no such prefix stays as printed, for the checks to flag)."""
    rows: dict[tuple[str, str], dict[str, CodedCell]] = {}
    for c in ex.cells:
        rows.setdefault((c.table, c.row), {})[c.col] = c
    for (table, row), cells in rows.items():
        total = cells.get("total")
        parts = [c for col, c in cells.items() if col != "total"]
        if total is None or total.ambiguous or total.value is None or any(c.ambiguous for c in parts):
            continue
        t, whole = f"{total.value:g}", f"{sum(c.value or 0 for c in parts):g}"
        if whole != t and whole.startswith(t):
            total.value, total.ambiguous, total.settled = None, True, "ambiguous"
            ex.problems.append({"rule": "extract.ambiguous", "severity": "warning", "table": table, "row": row,
                                "col": "total", "message": f"{total.where}: 总计印为 {t}，各项之和为 {whole}："
                                f"可能是被单元格截断的数字，也可能是印错，未定（候选 {t} / {whole}）"})


def _lifted_item(grid) -> str | None:
    """The 第二十条 item of a grid of lone values printed right under the item's title (cells a
    PDF-to-Markdown converter lifted out of the item's rows), else None."""
    m = _ITEM_CAPTION.search(grid.caption)
    if m and all(len(r) == 1 and is_value(r[0].text) and not is_blank(r[0].text) for r in grid.rows):
        return m.group(1)
    return None


def _split_row(row: list[Cell]) -> tuple[list[Cell], list[Cell]]:
    """Leading label cells, then the value cells that follow them."""
    start = 0
    while start < len(row) and is_blank(row[start].text) and any(not is_value(c.text) for c in row[start:]):
        start += 1  # empty layout cells before the label
    k = start
    while k < len(row) and not in_value_position(row[k].text):
        k += 1
    return row[start:k], row[k:]


_TABLE3_ONLY = ("逾期不补正", "逾期未按收费通知")


# the signals _table_templates counts, and those it takes off the 2019 score
_SCORED = {tpl: tuple(x for x in sigs if x not in _TABLE3_ONLY and len(x) >= 4) for tpl, sigs in _SIGNALS_NORM.items()}
_NOT_2019 = tuple(x for x in _SIGNALS_NORM["2021"] if "处理决定数量" in x)


def _signal_scores(texts) -> dict[str, int]:
    """Per template, how often its signals occur in the distinct ``texts`` (labels only), counted
    in one pass over them joined by a separator no signal contains."""
    norm = "|".join([spec.normalize_label(t) for t in texts if t and not is_value(t)])
    out = {tpl: sum([norm.count(x) for x in sigs]) for tpl, sigs in _SCORED.items()}
    out["2019"] -= sum([norm.count(x) for x in _NOT_2019])
    return out


def _cell_signal_scores(texts) -> dict[str, int]:
    """:func:`_signal_scores` of a grid's distinct cell texts, each text's counts made once for
    every report (no signal holds the separator, so the joined text's counts are the sums)."""
    s2019 = s2021 = 0
    for t in texts:
        if t and not is_value(t):
            a, b = _label_scores(t)
            s2019 += a
            s2021 += b
    return {"2019": s2019, "2021": s2021}


@lru_cache(maxsize=65536)
def _label_scores(label: str) -> tuple[int, int]:
    return tuple(_signal_scores([label]).values())


def _table_templates(ex: Extraction, doc: Document, texts: Counter) -> None:
    """The template each table prints, told apart: 表二 by its column headings, 表三 by its
    （六） rows (one 其他处理 row: 2019; three sub-rows: 2021).  A report mixing them (a 2021
    表二 with the 2019 one-row （六）, or the reverse) is flagged, not forced into one."""
    rows = {c.row for c in ex.cells if c.table == "applications"}
    ex.table_templates["proactive"] = ""  # keeps 表二 first in the summary
    if rows:
        ex.table_templates["applications"] = "2019" if spec.OTHER_SINGLE_ROW in rows else "2021" if (
            rows & {"other_no_correction", "other_unpaid_fee", "other_misc"}) else ex.template
    score = _cell_signal_scores(texts)  # the grids' distinct texts
    if max(score.values()) <= 0:  # fused grids: the headings are in the text
        score = _signal_scores([doc.text])
    if any(c.table == "proactive" for c in ex.cells) and max(score.values()) > 0:
        ex.table_templates["proactive"] = "2021" if score["2021"] > score["2019"] else "2019"
    ex.table_templates = {t: v for t, v in ex.table_templates.items() if v}
    found = set(ex.table_templates.values())
    if len(found) > 1:
        ex.problems.append(
            {
                "rule": "extract.hybrid_template",
                "severity": "info",
                "table": None,
                "row": None,
                "col": None,
                "message": f"表格混用两版模板：{ex.table_templates_text()}（按各表实际印出的行与列读取）",
            }
        )


def _trim_blanks(values: list[Cell]) -> list[Cell]:
    """The values without the empty cells a converter pads a row with at either end."""
    a, b = 0, len(values)
    # (a text of white space only is blank: is_blank(t) and not t.strip() is not t.strip())
    while a < b and not values[a].text.strip():
        a += 1
    while b > a and not values[b - 1].text.strip():
        b -= 1
    return values[a:b]


def _place_orphans(ex: Extraction, order: list[tuple[str, object]], taken: set[tuple[str, str]]) -> None:
    """Rows of 表三 numbers with no label, placed by the template's row order: between two
    labelled rows, the template rows not printed there are filled in order when there are as
    many rows of numbers as missing rows; otherwise they are left out with a finding."""
    if not any(kind == "orphan" for kind, _ in order):
        return
    codes = [r.code for r in spec.applications_rows(ex.template, ex.single_other)]
    i = 0
    while i < len(order):
        if order[i][0] != "orphan":
            i += 1
            continue
        j = i
        while j < len(order) and order[j][0] == "orphan":
            j += 1
        before = next((order[k][1] for k in range(i - 1, -1, -1) if order[k][0] == "row"), None)
        after = next((order[k][1] for k in range(j, len(order)) if order[k][0] == "row"), None)
        lo = codes.index(before) + 1 if before in codes else 0
        hi = codes.index(after) if after in codes else len(codes)
        gap = [c for c in codes[lo:hi] if ("applications", c) not in taken]
        orphans = [order[k][1] for k in range(i, j)]
        if len(gap) == len(orphans):
            for code, values in zip(gap, orphans):
                row = spec.template(ex.template)["applications"].row(code)
                taken.add(("applications", code))
                ex.log.append(f"{values[0].where}: unlabelled row between {before} and {after} → applications.{code} (by the template's row order)")
                gridrows.take_row(ex, "applications", row, values)
        else:
            _unplaced(ex, gap, orphans, before, after, taken)
        i = j


def _unplaced(ex: Extraction, gap: list[str], orphans: list, before: str | None, after: str | None,
              taken: set[tuple[str, str]]) -> None:
    """Rows of numbers the template's order cannot place: each missing row's cells are ambiguous
    (any of them may be printed there, or the row not at all), so no sum treats them as blank."""
    table = spec.template(ex.template)["applications"]
    where = orphans[0][0].where
    for code in gap:
        taken.add(("applications", code))
        for col in table.row(code).cols:
            ex.cells.append(CodedCell("applications", code, col.code, None, "", where, ambiguous=True))
    ex.problems.append(
        {
            "rule": "extract.unplaced_rows",
            "severity": "warning",
            "table": "applications",
            "row": None,
            "col": None,
            "message": f"表三 有 {len(orphans)} 行数字没有行名（{where} 起），"
            f"而 {before or '表头'} 与 {after or '表尾'} 之间缺 {len(gap)} 行：无法按顺序确定，这些行记为无法确定",
        }
    )


def _duplicate(ex: Extraction, target: _Target, label: Cell) -> None:
    first = next((c.where for c in ex.cells if (c.table, c.row) == (target.table, target.row.code)), "?")
    ex.problems.append(
        {
            "rule": "extract.duplicate_row",
            "severity": "info",
            "table": target.table,
            "row": target.row.code,
            "col": None,
            "message": f"{label.where}: 「{label.text}」 再次出现（首次在 {first}），按首次出现的数值读取",
        }
    )


def _prints_single_other(doc: Document, tpl: str) -> bool:
    """Does a 2021-template document print （六）其他处理 as one row (no 1./2./3. sub-rows)?"""
    if tpl != "2021":
        return False
    text = spec.normalize_label(doc.text)
    return "逾期不补正" not in text and "逾期未按收费通知" not in text


def explain(doc: Document, year_template: str | None = None) -> str:
    """Which readings were considered and why one was kept: how each printed row was matched,
    each glued run's splits and those the identities kept, each short row's placings, and
    how every cell was settled."""
    ex = extract(doc, year_template)
    by: dict[str, int] = {}
    for c in ex.cells:
        by[c.settled] = by.get(c.settled, 0) + 1
    lines = [f"template: {ex.template}" + (f"  ({ex.table_templates_text()})" if ex.table_templates else ""), *ex.log]
    if doc.folded:
        lines.insert(1, f"script: {folded_finding(doc)['message']}")
    lines[1:1] = [f"reader: {p}" for p in doc.problems if p != FOLDED]  # what the reader changed or could not read
    lines.append("cells: " + ", ".join(f"{n} {k}" for k, n in sorted(by.items())))
    for p in ex.problems:
        if p["rule"] in ("extract.ambiguous", "extract.unplaced_rows", "extract.identity_broken", "extract.unsplittable"):
            lines.append(f"{p['rule']}: {p['message']}")
    return "\n".join(lines)
