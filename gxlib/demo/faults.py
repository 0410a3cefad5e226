"""Fault injection for the demo corpus, and the identities the faults break.

A fault is something a real report gets wrong.  Each one injected is recorded in the
report's truth file as ``{"kind", "rule", "table", "row", "col", ...}`` where ``rule`` is the
check code that should fire (``None`` for faults no rule catches, e.g. label typos, which
the parser must simply read through).  For arithmetic faults one altered cell can break
several identities; every identity it breaks is recorded, each with the altered cell's
location, so "the identity of column c / row r fails" always has a fault naming that rule
with that column / row.
"""

from __future__ import annotations

import random

from gxlib import spec

RULES = (
    "table3.balance",
    "table3.total_handled",
    "table3.row_total",
    "table4.row_total",
    "narrative.table_mismatch",
    "narrative.parts_sum",
    "timeliness.late",
    "template.year_mismatch",
    "cross_year.carry_over",
)
ARITHMETIC = ("table3.balance", "table3.total_handled", "table3.row_total", "table4.row_total")

# kind -> relative weight of being drawn
FAULT_WEIGHTS = {
    "table3.balance": 1.0,
    "table3.total_handled": 1.0,
    "table3.row_total": 1.0,
    "table4.row_total": 1.0,
    "narrative.table_mismatch": 2.0,
    "narrative.parts_sum": 1.5,
    "timeliness.late": 2.0,
    "template.year_mismatch": 1.0,
    "label_typo": 2.0,
    "cross_year.carry_over": 1.5,
}

Key = tuple[str, str, str]


def _v(values: dict, key: Key) -> float:
    v = values.get(key)
    return 0 if v is None else v


def identity_failures(values: dict[Key, float | int | None], app_rows: list[str] | tuple[str, ...]) -> set[tuple]:
    """Every template identity the printed ``values`` break (blank counts as 0).

    Returns ``(rule, row, col)`` tuples: column identities carry ``row=None``, row
    identities ``col=None``."""
    out: set[tuple] = set()
    cols = (*spec.APPLICANT_COLS, "total")
    outcome = [r for r in spec.outcome_rows(list(app_rows)) if r != "total_handled"]
    for c in cols:
        g = lambda r: _v(values, ("applications", r, c))  # noqa: E731
        if g("new_received") + g("carried_over") != g("total_handled") + g("carried_forward"):
            out.add(("table3.balance", None, c))
        if round(sum(g(r) for r in outcome), 6) != g("total_handled"):
            out.add(("table3.total_handled", None, c))
    for r in app_rows:
        if sum(_v(values, ("applications", r, c)) for c in spec.APPLICANT_COLS) != _v(
            values, ("applications", r, "total")
        ):
            out.add(("table3.row_total", r, None))
    for r in spec.REVIEW_ROWS:
        if sum(_v(values, ("reviews", r, c)) for c in spec.REVIEW_PARTS) != _v(values, ("reviews", r, "total")):
            out.add(("table4.row_total", r, None))
    # an altered outcome can exceed what the column received: the checks warn about that too
    for c in cols:
        base = [values.get(("applications", r, c)) for r in ("new_received", "carried_over")]
        if all(v is None for v in base):
            continue
        for r in outcome:
            v = values.get(("applications", r, c))
            if v is not None and v > sum(x or 0 for x in base) + 1e-6:
                out.add(("plausibility.outcome_exceeds_total", r, c))
    return out


def still_broken(faults: list[dict], values: dict, app_rows) -> list[dict]:
    """The fault records whose finding the final printed values still show: a second fault
    can undo a consequence of the first (a raised 一 that an outcome no longer exceeds)."""
    now = identity_failures(values, app_rows)
    rules = {r for r, _, _ in now}
    keep = []
    for f in faults:
        if f["kind"] != "arithmetic":
            keep.append(f)
        elif f["rule"] == "plausibility.outcome_exceeds_total":
            if (f["rule"], f["row"], f["col"]) in now:
                keep.append(f)
        elif f["rule"] in rules:
            keep.append(f)
    return keep


def plan(rng: random.Random, fault_rate: float, year: int, prev_published: bool) -> list[str]:
    """The fault kinds one report gets (usually none; rarely two)."""
    if rng.random() >= fault_rate:
        return []
    n = 2 if rng.random() < 0.15 else 1
    kinds = [k for k in FAULT_WEIGHTS if not (k == "template.year_mismatch" and year < 2021)]
    if not prev_published:
        kinds.remove("cross_year.carry_over")
    out: list[str] = []
    while len(out) < n:
        k = rng.choices(kinds, weights=[FAULT_WEIGHTS[x] for x in kinds])[0]
        if k not in out:
            out.append(k)
    return out


def _delta(rng: random.Random, v: float) -> int:
    d = rng.choice((1, 1, 2, 3, 10, -1, -2))
    if v + d < 0:
        d = rng.randint(1, 3)
    return d


def arithmetic(rng: random.Random, rule: str, values: dict[Key, float | int | None], app_rows: list[str]) -> list[dict]:
    """Alter printed cells so ``rule`` fails; return one fault record per identity broken."""
    before = identity_failures(values, app_rows)
    outcome = [r for r in spec.outcome_rows(app_rows) if r != "total_handled"]
    applicant = rng.choices(spec.APPLICANT_COLS, weights=(8, 2, 1, 1, 1, 1))[0]
    if rule == "table3.balance":  # 一 of one column (and its row total) off: 一+二 ≠ 七+四
        row = "new_received"
        d = _delta(rng, min(_v(values, ("applications", row, applicant)), _v(values, ("applications", row, "total"))))
        altered = [(("applications", row, applicant), d), (("applications", row, "total"), d)]
    elif rule == "table3.total_handled":  # one outcome cell off, the row total follows it
        row = rng.choice(outcome[:2] + outcome[-6:])
        d = _delta(rng, min(_v(values, ("applications", row, applicant)), _v(values, ("applications", row, "total"))))
        altered = [(("applications", row, applicant), d), (("applications", row, "total"), d)]
    elif rule == "table3.row_total":  # a row's 总计 cell off
        row = rng.choice(outcome[:2] + ["new_received"])
        key = ("applications", row, "total")
        altered = [(key, _delta(rng, _v(values, key)))]
    elif rule == "table4.row_total":  # 表四 总计 off (or 0 although parts are not, as in real reports)
        row = rng.choice(spec.REVIEW_ROWS)
        key = ("reviews", row, "total")
        v = _v(values, key)
        altered = [(key, -v if v and rng.random() < 0.4 else _delta(rng, v))]
    else:
        raise ValueError(rule)
    for key, d in altered:
        values[key] = _v(values, key) + d
    broken = identity_failures(values, app_rows) - before
    faults = []
    for _r, (brule, brow, bcol) in enumerate(sorted(broken, key=lambda t: (t[0], t[1] or "", t[2] or ""))):
        # locate each broken identity at the altered cell it involves
        for (t, row_, col_), _d in altered:
            if (brow is None and col_ == bcol) or (bcol is None and row_ == brow) or (row_, col_) == (brow, bcol):
                faults.append({"kind": "arithmetic", "rule": brule, "table": t, "row": row_, "col": col_,
                               "injected": rule})
                break
        else:  # a consequence elsewhere (an outcome now exceeding a lowered 一): record it where it shows
            faults.append({"kind": "arithmetic", "rule": brule, "table": "applications", "row": brow, "col": bcol,
                           "injected": rule})
    return faults


def typo(rng: random.Random, label: str, table: str, tpl: str) -> str:
    """A printed label with a typo: a character dropped or two swapped, or the 规范性文件 /
    行政规范性文件 wording of the other template."""
    if label.endswith("规范性文件"):
        return "规范性文件" if label.startswith("行政") else "行政规范性文件"
    # keep the item number (1. / （一）) and the first character intact
    head = 0
    for i, ch in enumerate(label):
        if ch in ".、）)":
            head = i + 1
    body = label[head:]
    if len(body) < 4:
        return label + "事项"
    i = rng.randrange(1, len(body) - 1)
    if rng.random() < 0.5 or body[i] == body[i + 1]:
        body = body[:i] + body[i + 1 :]  # drop
    else:
        body = body[:i] + body[i + 1] + body[i] + body[i + 2 :]  # swap
    return label[:head] + body
