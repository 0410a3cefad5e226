"""The agency card shows what the registry knows: parent, names across years, and for a body whose
report consolidates its members, 本级报告 vs 所属单位合计 (built from the real 平潭 corpus)."""

from __future__ import annotations

import re

import pytest

from tests.shared import CORPUS, needs_shared

pytestmark = [needs_shared, pytest.mark.corpus]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from gxlib.app.data import _load
    from gxlib.corpus import build_corpus

    out = tmp_path_factory.mktemp("pt") / "corpus"
    zone = sorted(CORPUS.glob("0*_pingtan_202*.txt")) + [CORPUS / "005_pingtan_2019.txt"]
    alias = out.parent / "aliases.csv"
    alias.write_text("alias,canonical\n平潭综合实验区投资促进局,平潭综合实验区国有资产管理局\n", encoding="utf-8")
    build_corpus([CORPUS / "pingtan", *zone], out, workers=1, progress=False, aliases=alias)
    return _load(str(out))


def _text(h: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h))


def test_a_renamed_body_is_one_entry_with_its_former_name(data):
    from gxlib.app.agency import agency_choices

    labels = [k for k in agency_choices(data) if "投资促进局" in k or "国有资产管理局" in k]
    assert labels == ["平潭综合实验区投资促进局（曾用名 平潭综合实验区国有资产管理局）"], labels


def test_a_township_body_shows_its_parent(data):
    from gxlib.app.agency import AgencyApp

    app = AgencyApp(data, {"agency": "平潭综合实验区金井片区管理局"})
    facts = _text(app.facts.value)
    assert "层级 乡级" in facts and "上级：平潭综合实验区" in facts
    assert app.rollup.value == ""  # not consolidated: no 本级 vs 所属单位 panel


def test_the_zone_card_compares_its_consolidated_report_with_its_members(data):
    from gxlib.app.agency import AgencyApp

    app = AgencyApp(data, {"agency": "平潭综合实验区"})
    roll = _text(app.rollup.value)
    assert "2025 年" in roll and "所属单位" in roll and "本级报告" in roll and "所属单位合计" in roll
    assert "平潭综合实验区金井片区管理局" in roll and "逐格比较" in roll
