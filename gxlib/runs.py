"""A digit run → every split of it into a row's cells (the readings :mod:`gxlib.fused` weighs).

A crawler glued a row's value cells into one run (``898989``).  A split is admissible when a
multi-digit cell does not start with ``0``, a signed ``本年增/减`` cell alone may start with ``+``/``-``,
a money cell may carry decimals and, at the run's end, a unit (``元``/``万元``); with row groups
given, each group's last cell must equal the sum of the others (the row's own total).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from gxlib.spec import Column

# Caps that keep the search bounded on pathological runs (milliseconds per report).
_MAX_SPLITS = 5000  # candidate splits kept per run
_MAX_STEPS = 100_000  # recursion steps per run

_TRANS = str.maketrans("０１２３４５６７８９＋－．", "0123456789+-.")
_UNIT = re.compile(r"(万元|元)$")


def _kind(col: Column) -> str:
    if col.unit == "万元":
        return "money"
    if col.code == "change":
        return "signed"
    return "count"


@dataclass
class _Run:
    compact: str  # the run without spaces (and without its unit)
    spaces: frozenset[int]  # positions in ``compact`` where the run printed a space
    unit: str | None  # 元 / 万元 at the run's end


def _prepare(run: str) -> _Run:
    # A count's unit (``2笔 984361元``, ``1个 246900元``) closes its cell like a space.
    s = re.sub(r"[\s\u3000\xa0个笔宗件]+", " ", run.translate(_TRANS)).strip()
    unit = None
    m = _UNIT.search(s.replace(" ", ""))
    if m:
        unit = m.group(1)
        s = s[: s.rfind(unit[0])].rstrip()
    out: list[str] = []
    spaces: set[int] = set()
    for ch in s:
        if ch == " ":
            if out:
                spaces.add(len(out))
            continue
        out.append(ch)
    return _Run("".join(out), frozenset(spaces), unit)


def _tokens(c: str, p: int, kind: str, room: int) -> list[str]:
    """Every token of ``kind`` starting at ``c[p]`` that leaves ``room`` chars for the rest."""
    end = len(c) - room
    if p >= end:
        return []
    # A lone dash is a cell printed blank (``1-10``: 1 | - | 10, or 1 | -1 | 0 for 本年增/减).
    dash = ["-"] if c[p] == "-" else []
    q = p
    sign = ""
    if c[q] in "+-":
        if kind != "signed":
            return dash
        sign, q = c[q], q + 1
    if q >= end or not c[q].isdigit():
        return dash
    if c[q] == "0":
        ints = [q + 1]
    else:
        ints = []
        r = q
        while r < end and c[r].isdigit():
            r += 1
            ints.append(r)
    out = []
    for i in ints:
        out.append(c[p:i])
        if kind == "money" and i < end and c[i] == ".":
            r = i + 1
            while r < end and c[r].isdigit():
                r += 1
                out.append(c[p:r])
    if sign:
        out = [t for t in out if len(t) > 1]
    return dash + out


class _TooMany(Exception):
    pass


def _count_free(c: str, kinds: list[str]) -> int:
    """How many splits of ``c`` into tokens of ``kinds`` exist (no identities)."""
    n = len(kinds)
    ways = [[0] * (n + 1) for _ in range(len(c) + 1)]
    ways[len(c)][n] = 1
    for i in range(n - 1, -1, -1):
        for p in range(len(c) - 1, -1, -1):
            ways[p][i] = sum(ways[p + len(t)][i + 1] for t in _tokens(c, p, kinds[i], n - i - 1))
    return ways[0][0]


def _splits(c: str, kinds: list[str], groups: list[tuple[int, int]] | None) -> list[tuple[str, ...]]:
    """All splits of ``c`` into len(kinds) tokens.

    ``groups``: (first, last) cell index ranges whose last cell must equal the sum of the
    others (None: no identity).  A group is searched total-first: for every place its total
    could be printed, the parts before it are split under 「each part ≤ what is left of the
    total」, which bounds every part's length by the total's — so long runs stay cheap.
    Raises _TooMany when the answer would be unreasonably large.
    """
    n = len(kinds)
    L = len(c)
    if not groups:
        if _count_free(c, kinds) > _MAX_SPLITS:
            raise _TooMany
        blocks: list[tuple[int, int, bool]] = [(i, i, False) for i in range(n)]
    else:
        blocks = []
        i = 0
        for a, b in sorted(groups):
            blocks += [(j, j, False) for j in range(i, a)]
            blocks.append((a, b, True))
            i = b + 1
        blocks += [(j, j, False) for j in range(i, n)]
    steps = 0

    @cache
    def toks(p: int, kind: str, room: int) -> list[str]:
        return _tokens(c, p, kind, room)

    def tick() -> None:
        nonlocal steps
        steps += 1
        if steps > _MAX_STEPS:
            raise _TooMany

    @cache
    def bounds(p: int, q: int, i: int, m: int, w: int) -> tuple[int, int] | None:
        """(least, greatest) sum of a split of c[p:q] into cells i..i+m-1 of at most ``w``
        characters each (None: no such split)."""
        tick()
        if m == 0:
            return (0, 0) if p == q else None
        if q - p < m or q - p > m * w:
            return None
        lo = hi = None
        for tok in toks(p, kinds[i], L - q + m - 1):
            if len(tok) > w:
                break
            sub = bounds(p + len(tok), q, i + 1, m - 1, w)
            if sub is None:
                continue
            v = int(Decimal(tok)) if tok.lstrip("+-").isdigit() else None
            if v is None or v < 0:
                continue
            lo = v + sub[0] if lo is None else min(lo, v + sub[0])
            hi = v + sub[1] if hi is None else max(hi, v + sub[1])
        return None if lo is None else (lo, hi)

    @cache
    def parts(p: int, q: int, i: int, m: int, rest: int, w: int) -> tuple[tuple[str, ...], ...]:
        """Splits of c[p:q] into cells i..i+m-1 summing to ``rest`` (each at most ``w`` long)."""
        tick()
        if m == 1:
            tok = c[p:q]
            ok = tok.isdigit() and (tok == "0" or tok[0] != "0") and int(tok) == rest
            return ((tok,),) if ok else ()
        width = len(str(rest))
        if q - p < m or q - p > m * width:
            return ()
        out = []
        for tok in toks(p, kinds[i], L - q + m - 1):
            if len(tok) > width:
                break
            if not tok.isdigit():
                continue
            v = int(tok)
            if v > rest:
                break
            bd = bounds(p + len(tok), q, i + 1, m - 1, w)
            if bd is None or not bd[0] <= rest - v <= bd[1]:
                continue
            for tail in parts(p + len(tok), q, i + 1, m - 1, rest - v, w):
                out.append((tok,) + tail)
                if len(out) > _MAX_SPLITS:
                    raise _TooMany
        return tuple(out)

    @cache
    def from_(p: int, k: int) -> tuple[tuple[str, ...], ...]:
        """Splits of c[p:] into blocks k…"""
        tick()
        if k == len(blocks):
            return ((),) if p == L else ()
        a, b, grouped = blocks[k]
        cells_after = n - b - 1
        out = []
        if not grouped:
            for tok in _tokens(c, p, kinds[a], cells_after):
                for tail in from_(p + len(tok), k + 1):
                    out.append((tok,) + tail)
                    if len(out) > _MAX_SPLITS:
                        raise _TooMany
            return tuple(out)
        m = b - a  # parts before the total
        for q in range(p + m, L - cells_after):
            for tot in _tokens(c, q, "count", cells_after):
                if (q - p) > m * len(tot):
                    continue
                tails = from_(q + len(tot), k + 1)
                if not tails:
                    continue
                for ps in parts(p, q, a, m, int(tot), len(tot)):
                    for tail in tails:
                        out.append(ps + (tot,) + tail)
                        if len(out) > _MAX_SPLITS:
                            raise _TooMany
        return tuple(out)

    return list(from_(0, 0))


def _boundaries(split: tuple[str, ...]) -> set[int]:
    out, p = set(), 0
    for tok in split[:-1]:
        p += len(tok)
        out.add(p)
    return out


def _num(tok: str) -> Decimal:
    """A token's amount inside an identity: a blank cell (``-``) counts as 0."""
    return Decimal(0) if tok == "-" else Decimal(tok)


def _value(tok: str, kind: str, unit: str | None, last: bool) -> float | None:
    if tok == "-":
        return None
    d = Decimal(tok)
    if kind == "money" and last and unit == "元":
        d = d / Decimal(10000)
    return float(d)


