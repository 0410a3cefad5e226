"""The numbers behind each synthetic report: an agency's state carried year to year.

:class:`AgencySim` keeps what links years (applications carried forward, documents in force,
catalogue item counts) and :meth:`AgencySim.year` draws one year's activity with realistic
skew: most agencies get a handful of applications, mostly from 自然人, with many zero rows;
a few large ones get thousands.  The values it returns obey every template identity; faults
are applied afterwards (:mod:`gxlib.demo.faults`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from gxlib import spec

from .agencies import Agency

APPLICANT_WEIGHTS = (0.86, 0.07, 0.006, 0.006, 0.03, 0.028)  # spec.APPLICANT_COLS order

# relative weights of the outcome rows (（一）…（六）), by row code
OUTCOME_WEIGHTS = {
    "granted": 38.0,
    "partially_granted": 9.0,
    "denied_state_secret": 0.3,
    "denied_prohibited_by_law": 0.6,
    "denied_endangers_security": 0.3,
    "denied_third_party_rights": 0.8,
    "denied_internal_affairs": 1.0,
    "denied_process_info": 1.5,
    "denied_enforcement_file": 0.8,
    "denied_query_matter": 1.2,
    "unavailable_not_held": 20.0,
    "unavailable_needs_creation": 3.0,
    "unavailable_unclear": 2.5,
    "rejected_petition": 4.0,
    "rejected_duplicate": 3.0,
    "rejected_publication": 0.8,
    "rejected_excessive": 1.0,
    "rejected_confirmation": 1.0,
    "other": 4.0,
    "other_no_correction": 2.5,
    "other_unpaid_fee": 0.3,
    "other_misc": 1.2,
}

# which departments do much of what (multipliers of the agency's activity scale)
LICENSING = {"scjgj": 40, "zrzyj": 15, "zjj": 15, "jtysj": 12, "wjw": 12, "sthjj": 6, "swj": 5, "jyj": 3, "slj": 3,
             "nyncj": 5, "whlyj": 4, "rsj": 4, "mzj": 2, "yjj": 3, "gaj": 20, "zf": 10, "bgt": 2}
PENALTIES = {"gaj": 60, "scjgj": 30, "sthjj": 8, "jtysj": 15, "yjj": 5, "wjw": 6, "zrzyj": 5, "zjj": 4,
             "whlyj": 2, "nyncj": 3, "slj": 2, "zf": 8, "swj": 1}
COERCION = {"gaj": 10, "scjgj": 4, "sthjj": 2, "jtysj": 2, "zrzyj": 1, "zf": 1}
FEES = {"gaj": 1.0, "zrzyj": 2.0, "zjj": 0.6, "scjgj": 0.3, "jtysj": 0.5, "slj": 0.3, "zf": 1.5}
APPS = {"zrzyj": 4.0, "zjj": 2.5, "gaj": 1.8, "zf": 3.0, "bgt": 2.0, "rsj": 1.5, "scjgj": 1.5, "jtysj": 1.2,
        "sthjj": 1.2, "czj": 0.8, "tjj": 0.3, "sjj": 0.4, "ybj": 0.6}
LEVEL = {"省级": 4.0, "市级": 2.0, "县级": 1.0}


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def multinomial(rng: random.Random, n: int, weights: tuple[float, ...] | list[float]) -> list[int]:
    counts = [0] * len(weights)
    if n <= 0:
        return counts
    for i in rng.choices(range(len(weights)), weights=weights, k=n):
        counts[i] += 1
    return counts


def binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if n > 200:
        mu = n * p
        return min(n, max(0, round(rng.gauss(mu, math.sqrt(mu * (1 - p))))))
    return sum(1 for _ in range(n) if rng.random() < p)


@dataclass
class Underlying:
    """One year's activity, template-free."""

    regs: tuple[int, int, int, int]  # issued, repealed, in_force, total_published
    norms: tuple[int, int, int, int]
    items: dict[str, tuple[int, int, int]]  # row -> (prev_count, change, decisions)
    fees_amount: float  # 万元
    procurement: tuple[int, float]  # projects, 万元
    new_received: list[int]
    carried_over: list[int]
    carried_forward: list[int]
    outcomes: dict[str, list[int]] = field(default_factory=dict)  # filled per printed row set
    reviews: dict[str, list[int]] = field(default_factory=dict)


class AgencySim:
    """An agency's activity over the years.  ``rng`` streams are derived from the seed, the
    agency key and the year, so one agency's numbers do not depend on which others exist."""

    def __init__(self, agency: Agency, seed: int):
        self.agency = agency
        r = random.Random(f"gxdemo|{seed}|{agency.key}|profile")
        a = agency
        lvl = LEVEL[a.level]
        self.scale = lvl * r.lognormvariate(0.0, 0.6)
        self.big = r.random() < 0.03  # a few large agencies with thousands of applications
        apps = APPS.get(a.dept, 0.7) * lvl * r.lognormvariate(0.3, 1.0)
        if self.big:
            apps *= r.uniform(80, 400)
        self.apps = apps
        self.cf_rate = r.uniform(0.0, 0.08) if r.random() < 0.6 else 0.0
        self.outcome_noise = {k: r.lognormvariate(0, 0.5) for k in OUTCOME_WEIGHTS}
        self.review_rate = r.uniform(0.0, 0.05)
        self.litigation_rate = r.uniform(0.0, 0.03)
        makes_regs = a.dept in ("zf", "bgt") and a.level in ("省级", "市级")
        self.regs_in_force = r.randint(40, 300) * (2 if a.level == "省级" else 1) if makes_regs else 0
        self.regs_rate = (6.0 if a.level == "省级" else 2.5) if makes_regs else 0.0
        self.regs_published = self.regs_in_force + r.randint(0, 80) if makes_regs else 0
        base = 12.0 if a.type == "政府" else 2.0
        self.norms_rate = base * lvl / 2 * r.lognormvariate(0, 0.5)
        self.norms_in_force = poisson(r, self.norms_rate * r.uniform(3, 8))
        self.norms_published = self.norms_in_force + poisson(r, self.norms_rate * 2)
        self.item_counts = {
            "licensing": poisson(r, LICENSING.get(a.dept, 0.3) * r.uniform(0.5, 2)),
            "other_services": poisson(r, LICENSING.get(a.dept, 0.5) * r.uniform(0.3, 1.5)),
            "penalties": poisson(r, PENALTIES.get(a.dept, 0.2) * r.uniform(2, 8)),
            "coercion": poisson(r, COERCION.get(a.dept, 0.1) * r.uniform(1, 4)),
            "fees": poisson(r, FEES.get(a.dept, 0.0) * r.uniform(2, 10)),
        }
        self.decision_rate = {
            "licensing": LICENSING.get(a.dept, 0.1) * self.scale * r.uniform(2, 40),
            "other_services": LICENSING.get(a.dept, 0.1) * self.scale * r.uniform(1, 20),
            "penalties": PENALTIES.get(a.dept, 0.05) * self.scale * r.uniform(2, 30),
            "coercion": COERCION.get(a.dept, 0.02) * self.scale * r.uniform(1, 10),
        }
        self.fees_rate = FEES.get(a.dept, 0.0) * self.scale * r.uniform(5, 300)  # 万元 a year
        self.procurement_rate = self.scale * r.uniform(0.5, 6)
        self.carried_forward = [0] * len(spec.APPLICANT_COLS)

    # --------------------------------------------------------------------------------
    def year(self, year: int, rng: random.Random, carry_delta: tuple[int, int] | None = None) -> Underlying:
        """Draw ``year``.  ``carry_delta`` = (column index, delta) breaks the carry-over link
        on purpose (a cross-year fault): this year's 上年结转 differs from last year's 结转."""
        trend = 1.0 + 0.06 * (year - 2019)
        # 表二 -----------------------------------------------------------------------------
        issued = poisson(rng, self.regs_rate)
        repealed = min(self.regs_in_force, poisson(rng, self.regs_rate * 0.4))
        self.regs_in_force += issued - repealed
        self.regs_published += issued
        regs = (issued, repealed, self.regs_in_force, self.regs_published)
        n_issued = poisson(rng, self.norms_rate * trend)
        n_repealed = min(self.norms_in_force, poisson(rng, self.norms_rate * 0.5))
        self.norms_in_force += n_issued - n_repealed
        self.norms_published += n_issued
        norms = (n_issued, n_repealed, self.norms_in_force, self.norms_published)
        items: dict[str, tuple[int, int, int]] = {}
        for row, prev in self.item_counts.items():
            change = 0
            if prev or rng.random() < 0.2:
                change = rng.choice((0, 0, 0, 1, -1, 2, -2, 3, 5)) if rng.random() < 0.6 else 0
                change = max(change, -prev)
            decisions = poisson(rng, self.decision_rate[row] * trend) if row in self.decision_rate else 0
            items[row] = (prev, change, decisions)
            self.item_counts[row] = prev + change
        fees = 0.0
        if self.fees_rate > 0:
            fen = max(0, round(rng.lognormvariate(math.log(self.fees_rate * 1e6), 0.4)))
            fees = fen / 1e6  # 万元 with fen precision (6 decimals)
        projects = poisson(rng, self.procurement_rate)
        amount = round(projects * rng.uniform(5, 120) * 100) / 100 if projects else 0.0  # 万元
        # 表三 -----------------------------------------------------------------------------
        carried_over = list(self.carried_forward)
        if carry_delta is not None:
            i, d = carry_delta
            carried_over[i] = max(0, carried_over[i] + d)
        n = poisson(rng, self.apps * trend * rng.lognormvariate(0, 0.3))
        new_received = multinomial(rng, n, APPLICANT_WEIGHTS)
        carried_forward = [binomial(rng, new_received[i], self.cf_rate) for i in range(len(new_received))]
        self.carried_forward = carried_forward
        u = Underlying(regs, norms, items, fees, (projects, amount), new_received, carried_over, carried_forward)
        u.reviews = self._reviews(rng, sum(new_received) + sum(carried_over) - sum(carried_forward))
        return u

    def _reviews(self, rng: random.Random, handled: int) -> dict[str, list[int]]:
        out = {}
        rec = poisson(rng, handled * self.review_rate)
        direct = poisson(rng, handled * self.litigation_rate)
        after = binomial(rng, rec, 0.3)
        for row, n in zip(spec.REVIEW_ROWS, (rec, direct, after)):
            parts = multinomial(rng, n, (0.62, 0.1, 0.12, 0.16))
            out[row] = parts + [sum(parts)]
        return out

    def outcomes(self, u: Underlying, rows: list[str], rng: random.Random) -> dict[str, list[int]]:
        """Split each applicant column's handled applications over the printed outcome rows."""
        weights = [OUTCOME_WEIGHTS[r] * self.outcome_noise[r] for r in rows]
        per_row = {r: [0] * len(spec.APPLICANT_COLS) for r in rows}
        for i in range(len(spec.APPLICANT_COLS)):
            handled = u.new_received[i] + u.carried_over[i] - u.carried_forward[i]
            if handled < 0:  # a broken carry-over can leave less than was carried forward
                u.carried_forward[i] += handled
                handled = 0
            for r, k in zip(rows, multinomial(rng, handled, weights)):
                per_row[r][i] = k
        return per_row


def table_values(u: Underlying, sim: AgencySim, tpl: str, single_other: bool, rng: random.Random) -> dict:
    """The values of every cell the printed template has, keyed (table, row, col)."""
    t = spec.template(tpl)
    vals: dict[tuple[str, str, str], float | int] = {}
    # 表二
    src = {
        "regulations": u.regs,
        "normative_documents": u.norms,
    }
    for row in t["proactive"].rows:
        r = row.code
        for c in row.col_codes:
            if r in src:
                issued, repealed, in_force, published = src[r]
                v = {
                    "issued": issued,
                    "repealed": repealed,
                    "in_force": in_force,
                    "new_made": issued,
                    "new_published": issued,
                    "total_published": published,
                }[c]
            elif r == "procurement":
                v = u.procurement[0] if c == "projects" else u.procurement[1]
            elif r == "fees" and c == "amount":
                v = u.fees_amount
            else:
                prev, change, decisions = u.items[r]
                v = {"prev_count": prev, "change": change, "decisions": decisions}[c]
            vals[("proactive", r, c)] = v
    # 表三
    rows = spec.applications_rows(tpl, single_other)
    codes = [r.code for r in rows]
    outcome = [c for c in spec.outcome_rows(codes) if c != "total_handled"]
    per_row = sim.outcomes(u, outcome, rng)
    matrix: dict[str, list[int]] = {
        "new_received": u.new_received,
        "carried_over": u.carried_over,
        **per_row,
        "total_handled": [sum(per_row[r][i] for r in outcome) for i in range(len(spec.APPLICANT_COLS))],
        "carried_forward": u.carried_forward,
    }
    for r in codes:
        vec = matrix[r]
        for i, c in enumerate(spec.APPLICANT_COLS):
            vals[("applications", r, c)] = vec[i]
        vals[("applications", r, "total")] = sum(vec)
    # 表四
    for r in spec.REVIEW_ROWS:
        for c, v in zip((*spec.REVIEW_PARTS, "total"), u.reviews[r]):
            vals[("reviews", r, c)] = v
    return vals
