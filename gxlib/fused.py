"""Fused runs → coded cells: split the digit runs of crawler-flattened tables.

A crawler that flattened an HTML table glued every value cell of a row into one run:
``规范性文件898989`` is three cells (89|89|89? 8|98|989? …).  The printed text alone cannot
say; the template can.  :func:`solve` takes a Document's fused grids (rows ``[label, run]``,
see :mod:`gxlib.readers.crawler`) and

1. maps each label to a template row (normalised label, then the best fuzzy match among
   the template's rows of that table);
2. lists every split of each run into the row's cells (:mod:`gxlib.runs`; column count and
   kinds from the spec): a multi-digit cell never starts with ``0``; a signed ``本年增/减`` cell may start
   with ``+``/``-``; a money cell may carry decimals and, at the run's end, a unit
   (``元`` / ``万元``);
3. keeps the splits that satisfy the row's own identity (表三: total = the six applicant
   columns; 表四: each group's 总计 = 维持 + 纠正 + 其他 + 尚未审结), then solves 表三 jointly
   with :mod:`gxlib.solver`, the one solver grid rows use too (per column: （七）总计 = sum of the outcome rows; 一 + 二 = （七）总计 + 四);
4. treats spaces inside a run as hints: when splits that put a cell boundary at every
   space satisfy the identities, only those are kept;
5. never guesses: a row with several surviving splits gets ``value=None, ambiguous=True``
   on every cell and an ``extract.ambiguous`` finding naming the candidates.  When the
   document's own arithmetic is wrong (no split satisfies every identity) the identities
   that do hold are used, else each row alone, and ``extract.identity_broken`` is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from gxlib import solver
from gxlib.runs import _boundaries, _kind, _num, _prepare, _Run, _splits, _TooMany, _value
from gxlib.document import Document, Grid
from gxlib.extract import CodedCell
from gxlib.spec import (
    OTHER_SINGLE_ROW,
    TABLE_NUMBER,
    Row,
    applications_rows,
    normalize_label,
)
from gxlib.spec import (
    template as _template,
)

_SHOW = 6  # candidates named in a finding


@dataclass
class FusedResult:
    """What :func:`solve` found: cells, findings and how many cells were settled."""

    cells: list[CodedCell] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    resolved: int = 0  # cells whose value the split settled
    ambiguous: int = 0  # cells left None because several splits fit (or none could be made)
    log: list[str] = field(default_factory=list)  # per run: the readings considered and kept (explain)
    matches: list[dict] = field(default_factory=list)  # printed label → template row (see Extraction.matches)


# ---------------------------------------------------------------------------------------
# Label → row


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return normalize_label(re.sub(r"\(single row.*\)$", "", text)).rstrip("：:")


@lru_cache(maxsize=512)
def _row_keys(row_label: str) -> tuple[str, ...]:
    parts = re.split(r"\s+/\s*", row_label)
    leaf = _key(re.sub(r"\s*\(.*\)$", "", parts[-1]))
    keys = [leaf]
    if len(parts) > 1:
        keys.append(_key(parts[-2]) + leaf)
    if leaf.endswith("规范性文件"):
        keys += ["规范性文件", "行政规范性文件"]
    return tuple(keys)


_NUMBERING = re.compile(r"^(\d+\.|（.）|[一二三四五六七八九十]、)?")


def _score(label: str, row: Row) -> float:
    """How well a printed label names ``row``: 1 exact, ~0.9 one ends with the other, else a
    fuzzy ratio (typos, dropped characters), penalised when the item numbers differ."""
    return _score_labels(label, row.label)


@lru_cache(maxsize=16384)
def _score_labels(label: str, row_label: str) -> float:
    n = _key(label)
    if not n:
        return 0.0
    keys = _row_keys(row_label)
    if n in keys:
        return 1.0
    best = 0.0
    for k in keys:
        if len(k) >= 2 and len(n) >= 2 and (n.endswith(k) or k.endswith(n)):
            best = max(best, 0.9 + 0.05 * min(len(n), len(k)) / max(len(n), len(k)))
    if best:
        return best
    for k in keys:
        # Cheap upper bound before the quadratic matcher.
        if 2 * min(len(n), len(k)) / (len(n) + len(k)) < _THRESHOLD:
            continue
        r = SequenceMatcher(None, n, k, autojunk=False).ratio()
        num_n, num_k = _NUMBERING.match(n).group(0), _NUMBERING.match(k).group(0)
        if num_n and num_k and num_n != num_k:
            r *= 0.7
        best = max(best, r)
    return best


_THRESHOLD = 0.6


def _is_reviews_header(label: str) -> bool:
    n = _key(label)
    return "复议" in n and ("诉讼" in n or "维持" in n) and len(n) > 12


def _table_rows(tpl: str, table: str, single_other: bool) -> list[Row]:
    if table == "applications":
        rows = list(applications_rows(tpl, single_other))
        if tpl == "2021" and not single_other:
            # A 2021-template report may still print （六）其他处理 as one row.
            rows.append(_template("2019")["applications"].row(OTHER_SINGLE_ROW))
        return rows
    return list(_template(tpl)[table].rows)


def _match_grid(grid: Grid, tpl: str, single_other: bool) -> tuple[str | None, list[list[Row] | None]]:
    """The grid's table and, per grid row, the template rows its run covers (None: unmatched)."""
    labels = [r[0].text if r else "" for r in grid.rows]
    # A label printed with no run must name its row closely (a heading such as 三、本年度办理结果
    # is not a blank row, and must not take a row from the label that follows it).
    bare = [len(r) > 1 and not r[1].text.strip() for r in grid.rows]
    if any(_is_reviews_header(lab) for lab in labels):
        rows = list(_template(tpl)["reviews"].rows)
        out: list[list[Row] | None] = []
        for lab in labels:
            if _is_reviews_header(lab):
                out.append(rows)
            else:
                best = max(rows, key=lambda r: _score(lab, r))
                out.append([best] if _score(lab, best) >= _THRESHOLD else None)
        return "reviews", out
    tables = {t: _table_rows(tpl, t, single_other) for t in ("proactive", "applications", "reviews")}
    votes: dict[str, float] = {t: 0.0 for t in tables}
    for lab in labels:
        for t, rows in tables.items():
            s = max((_score(lab, r) for r in rows), default=0.0)
            if s >= _THRESHOLD:
                votes[t] += s
    table = max(votes, key=votes.get)
    if votes[table] == 0:
        return None, [None] * len(labels)
    rows = tables[table]
    out = []
    used: set[str] = set()
    last = -1
    for lab, no_run in zip(labels, bare):
        scored = [(_score(lab, r), i, r) for i, r in enumerate(rows)]
        top = max((s for s, _, _ in scored), default=0.0)
        if top < (0.9 if no_run else _THRESHOLD):
            out.append(None)
            continue
        tied = [(i, r) for s, i, r in scored if s >= top - 1e-9 and r.code not in used]
        if not tied:
            out.append(None)
            continue
        after = [(i, r) for i, r in tied if i > last]
        i, r = (after or tied)[0]
        used.add(r.code)
        last = i
        out.append([r])
    return table, out


# ---------------------------------------------------------------------------------------
# One grid row = one unit


@dataclass
class _Unit:
    table: str
    rows: list[Row]
    label: str
    run: str
    where: str
    kinds: list[str]
    prepared: _Run
    cands: list[tuple[str, ...]] = field(default_factory=list)  # the splits still in play
    free: list[tuple[str, ...]] | None = None  # every split, identities aside (None: too many to list)
    broken_rows: list[str] = field(default_factory=list)  # rows whose own total fits no split
    failed: str | None = None  # why no split could be made at all

    @property
    def ncells(self) -> int:
        return len(self.kinds)

    def row_slices(self) -> list[tuple[Row, int, int]]:
        out, p = [], 0
        for r in self.rows:
            out.append((r, p, p + len(r.cols)))
            p += len(r.cols)
        return out

    def values(self, split: tuple[str, ...]) -> tuple[float, ...]:
        last = len(split) - 1
        return tuple(
            _value(t, k, self.prepared.unit, i == last) for i, (t, k) in enumerate(zip(split, self.kinds))
        )


def _row_groups(unit: _Unit) -> list[tuple[int, int]] | None:
    if unit.table == "proactive":
        return None
    groups = []
    for r, a, b in unit.row_slices():
        if r.cols[-1].code == "total":
            groups.append((a, b - 1))
    return groups or None


@lru_cache(maxsize=4096)
def _free_splits(c: str, kinds: tuple[str, ...]) -> list[tuple[str, ...]] | None:
    """Every split identities aside (None: too many); cached, as runs such as 0000000 repeat."""
    try:
        return _splits(c, list(kinds), None)
    except _TooMany:
        return None


def _make_candidates(unit: _Unit) -> None:
    pr = unit.prepared
    c = pr.compact
    if not c or not re.fullmatch(r"[0-9+\-.]+", c):
        unit.failed = "run holds characters that are not values"
        return
    if pr.unit and unit.kinds[-1] != "money":
        unit.failed = f"run ends with a unit ({pr.unit}) but its last cell is not an amount"
        return
    groups = _row_groups(unit)
    try:
        cands = _splits(c, unit.kinds, groups)
    except _TooMany:
        unit.failed = "too many possible splits"
        return
    unit.free = cands if groups is None else _free_splits(c, tuple(unit.kinds))
    if not cands and groups:
        # The document's own row arithmetic is wrong: keep the splits that satisfy the most
        # row identities.
        try:
            free = _splits(c, unit.kinds, None)
        except _TooMany:
            unit.failed = "no split satisfies the row totals, and too many splits without them"
            return
        scored = []
        for sp in free:
            vals = [_num(t) for t in sp]
            ok = [sum(vals[a:b]) == vals[b] for a, b in groups]
            scored.append((sum(ok), ok, sp))
        if scored:
            best = max(s for s, _, _ in scored)
            cands = [sp for s, _, sp in scored if s == best]
            broken = set()
            for s, ok, _sp in scored:
                if s == best:
                    for (a, _b), good in zip(groups, ok):
                        if not good:
                            broken.add(a)
            unit.broken_rows = [r.code for r, a, _ in unit.row_slices() if a in broken]
    if cands and (_one_per_line(unit.run) or _LAID_OUT.search(unit.run)):
        # numbers printed one per line (a PDF's text export, cell by cell) or set in columns
        # (wide gaps: pandoc plain, pdftotext -layout): each is a cell, never cut or joined; as
        # many as the cells, or no reading at all
        cands = [sp for sp in cands if pr.spaces == _boundaries(sp)]
        if not cands:
            unit.failed = f"{len(unit.run.split())} numbers printed one per line for {unit.ncells} cells"
            return
    if not cands:
        unit.failed = f"{len(c)} characters cannot be split into {unit.ncells} cells"
        return
    unit.cands = cands


_LAID_OUT = re.compile(r"[\d.]( {2,}|\t|\s*\xa0\s*)[\d.]")  # numbers set apart by a column gap


_NBSP_LINE = re.compile(r"^[ \t]*\xa0[ \t\xa0]*$", re.M)


def _marked_blanks(run: str) -> str:
    """A run of one cell per line whose blank cells print a no-break space (LibreOffice's text
    export of a table's ``&nbsp;`` cells): those lines are blank cells (``-``), not nothing."""
    if "\xa0" not in run or "\n" not in run:
        return run
    marked = _NBSP_LINE.sub("-", run)
    return marked if _one_per_line(marked) else run


def _one_per_line(run: str) -> bool:
    """Numbers over three lines or more (a text export, not a crawler's glued run), each line a
    cell or a few cells set apart."""
    lines = [ln for ln in run.splitlines() if ln.strip()]
    return len(lines) > 2 and all(len(ln.split()) <= 2 for ln in lines)


def _preferred(unit: _Unit) -> list[tuple[str, ...]]:
    """Splits that put a cell boundary at every printed space (all splits if none does)."""
    return _preferred_of(unit, unit.cands)


def _preferred_of(unit: _Unit, splits: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    sp = unit.prepared.spaces
    if not sp:
        return splits
    good = [c for c in splits if sp <= _boundaries(c)]
    return good or splits


# ---------------------------------------------------------------------------------------
# 表三 jointly: the one solver (gxlib.solver), with printed spaces as hints


def _solve_applications(units: list[_Unit], tpl: str, findings: list[dict]) -> None:
    units = [u for u in units if len(u.rows) == 1 and u.cands]
    choices = []
    for u in units:
        spaces = u.prepared.spaces
        hinted = [i for i, sp in enumerate(u.cands) if spaces <= _boundaries(sp)] if spaces else None
        vectors = [tuple(_num(t) for t in sp) for sp in u.cands]
        choices.append(solver.Choice(u.table, u.rows, u.cands, vectors, hinted))
    for name in solver.solve_applications(choices, tpl):
        findings.append(
            {
                "rule": "extract.identity_broken",
                "severity": "warning",
                "table": "applications",
                "row": "total_handled",
                "col": None,
                "message": f"表三 没有任何拆分能满足 {solver.IDENTITY_WORDS[name]}（报告自身数字不平衡）；"
                "按各行自身的总计拆分",
            }
        )
    for u, ch in zip(units, choices):
        u.cands = ch.kept_readings()


# ---------------------------------------------------------------------------------------
# Public API


def _fmt_split(split: tuple[str, ...], unit: str | None) -> str:
    return "|".join(split) + (unit or "")


def solve(doc: Document, template: str, single_other: bool = False) -> FusedResult:
    """Split every fused grid row of ``doc`` into template cells.

    ``template`` is ``"2019"`` or ``"2021"``; ``single_other`` says the report prints 表三's
    （六）其他处理 as one row (a 2021 report printing it so is also recognised by its label).
    Returns every cell of every fused row found (raw = the whole run as printed, where = the
    run's place in the source), the findings, and how many cells were resolved / ambiguous.
    """
    tpl = template
    result = FusedResult()
    if tpl not in ("2019", "2021"):
        return result
    units: list[_Unit] = []
    seen: set[tuple[str, str]] = set()
    for grid in doc.grids:
        if not grid.fused:
            continue
        table, matched = _match_grid(grid, tpl, single_other)
        if table is None:
            continue
        apart = _printed_apart(grid, matched)
        for row, rows in zip(grid.rows, matched):
            if len(row) < 2:
                continue
            if not row[1].text.strip():
                _blank_row(result, table, rows, row, seen, apart)
                continue
            if rows is None:
                result.findings.append(
                    {
                        "rule": "extract.unmatched_label",
                        "severity": "warning",
                        "table": table,
                        "row": None,
                        "col": None,
                        "message": f"表{TABLE_NUMBER[table]} 行名 {row[0].text!r} 不是 {tpl} 模板中的行；"
                        f"数字串 {row[1].text.strip()} 未使用",
                    }
                )
                continue
            if any((table, r.code) in seen for r in rows):
                result.findings.append(
                    {
                        "rule": "extract.duplicate_row",
                        "severity": "info",
                        "table": table,
                        "row": rows[0].code,
                        "col": None,
                        "message": f"表{TABLE_NUMBER[table]} 行 {row[0].text!r} 再次出现（{row[1].where}），只用第一次",
                    }
                )
                continue
            seen.update((table, r.code) for r in rows)
            if len(rows) == 1:
                result.matches.append({"where": row[0].where, "printed": row[0].text, "table": table,
                                       "row": rows[0].code, "score": _score(row[0].text, rows[0])})
            kinds = [_kind(c) for r in rows for c in r.cols]
            run = _marked_blanks(row[1].text)
            u = _Unit(table, rows, row[0].text, run.strip(), row[1].where, kinds, _prepare(run))
            _make_candidates(u)
            units.append(u)

    _solve_applications([u for u in units if u.table == "applications"], tpl, result.findings)

    for u in units:
        tno = TABLE_NUMBER[u.table]
        for code in u.broken_rows:
            result.findings.append(
                {
                    "rule": "extract.identity_broken",
                    "severity": "warning",
                    "table": u.table,
                    "row": code,
                    "col": "total",
                    "message": f"表{tno} {_label_of(u, code)} 数字串 {u.run} 没有任何拆分能使总计等于各项之和"
                    "（报告自身数字不平衡）",
                }
            )
        cands = u.cands if u.failed is None else []
        if u.failed is None:
            cands = _preferred(u) if u.table != "applications" else cands
        result.log.append(_explain_unit(u, cands))
        cand_vals = [u.values(sp) for sp in cands]  # once per split, not once per cell
        free = _preferred_of(u, u.free) if u.free is not None else None
        free_vals = None if free is None else [u.values(sp) for sp in free]
        for r, a, b in u.row_slices():
            projections: dict[tuple[str, ...], None] = {}
            for sp in cands:
                projections.setdefault(sp[a:b], None)
            # A cell is settled when every split still in play gives it the same value
            # (``20+1737``: the sign opens 本年增/减, so 上一年项目数量 is 20 whatever follows).
            per_cell = [{v[a + j] for v in cand_vals} for j in range(len(r.cols))]
            if u.failed is not None:
                result.findings.append(
                    {
                        "rule": "extract.unsplittable",
                        "severity": "warning",
                        "table": u.table,
                        "row": r.code,
                        "col": None,
                        "message": f"{_label_of(u, r.code)} 数字串 {u.run} 无法拆分为 {len(r.cols)} 格: {u.failed}",
                    }
                )
            elif len(projections) > 1:
                shown = ", ".join(
                    _fmt_split(p, u.prepared.unit if b == u.ncells else None)
                    for p in list(projections)[:_SHOW]
                )
                more = ", …" if len(projections) > _SHOW else ""
                result.findings.append(
                    {
                        "rule": "extract.ambiguous",
                        "severity": "warning",
                        "table": u.table,
                        "row": r.code,
                        "col": None,
                        "message": f"{_label_of(u, r.code)} 数字串 {u.run} 有 {len(projections)} 种拆分: {shown}{more}",
                    }
                )
            for j, col in enumerate(r.cols):
                if len(per_cell[j]) == 1:
                    (val,) = per_cell[j]
                    by = "print" if free_vals is not None and len({v[a + j] for v in free_vals}) == 1 else "identities"
                    result.cells.append(CodedCell(u.table, r.code, col.code, val, u.run, u.where, settled=by))
                    result.resolved += 1
                else:
                    how = "unreadable" if u.failed is not None else "ambiguous"
                    result.cells.append(
                        CodedCell(u.table, r.code, col.code, None, u.run, u.where, ambiguous=True, settled=how)
                    )
                    result.ambiguous += 1
    return result


def _printed_apart(grid: Grid, matched: list[list[Row] | None]) -> bool:
    """A run holding more separate numbers than its rows have cells: the text printed the
    table's labels apart from its numbers (a PDF's text export in column order, labels in one
    block and numbers in another), so a label with no run is not a blank row."""
    return any(rows is not None and len(row) >= 2 and len(row[1].text.split()) > sum(len(r.cols) for r in rows)
               for row, rows in zip(grid.rows, matched))


def _blank_row(result: FusedResult, table: str, rows: list[Row] | None, row, seen: set, apart: bool = False) -> None:
    """A row printed with its label and no values: blank cells (value None, raw ''), when the
    label names one template row closely (a group heading such as （三）不予公开 does not);
    ambiguous cells when the grid's numbers were printed apart from its labels."""
    if rows is None or len(rows) != 1 or rows[0].code == OTHER_SINGLE_ROW or (table, rows[0].code) in seen:
        return
    if _score(row[0].text, rows[0]) < 0.9:
        return
    seen.add((table, rows[0].code))
    for col in rows[0].cols:
        result.cells.append(CodedCell(table, rows[0].code, col.code, None, "", row[0].where, ambiguous=apart))
    if apart:
        result.ambiguous += len(rows[0].cols)
        result.findings.append(
            {
                "rule": "extract.ambiguous",
                "severity": "warning",
                "table": table,
                "row": rows[0].code,
                "col": None,
                "message": f"表{TABLE_NUMBER[table]} {row[0].text!r}：行名后没有数字，而表中数字与行名分开印出，"
                "此行各格无法确定",
            }
        )


def _explain_unit(u: _Unit, kept: list[tuple[str, ...]]) -> str:
    """One line for ``gx explain``: the run, how many splits it has, how many the identities keep."""
    rows = "+".join(r.code for r in u.rows)
    head = f"{u.where}: {_label_of(u, u.rows[0].code)!r} run {u.run!r} → {u.table}.{rows}"
    if u.failed is not None:
        return f"{head}: no reading ({u.failed})"
    n_free = "many" if u.free is None else str(len(_preferred_of(u, u.free)))
    shown = ", ".join(_fmt_split(sp, u.prepared.unit) for sp in kept[:_SHOW]) + (", …" if len(kept) > _SHOW else "")
    verdict = "one reading" if len(kept) == 1 else f"{len(kept)} readings left"
    return f"{head}: {n_free} splits, {len(kept)} kept by the identities ({verdict}: {shown})"


def _label_of(u: _Unit, code: str) -> str:
    if len(u.rows) == 1:
        return re.sub(r"\s+", "", u.label)
    for r in u.rows:
        if r.code == code:
            return r.leaf
    return code
