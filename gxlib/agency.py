"""Agency identity: one stable key per publishing body across years and spellings, and what its
name says about it (region, level, type).

``agency_key`` decisions (documented here because they are choices, not facts):

* Spaces, punctuation, brackets and their contents (「上海市人民政府办公厅（代表市政府）」) are
  dropped; full-width characters are folded (NFKC).
* A government is keyed by its region: 「广元市人民政府」, 「广元市政府」 → ``广元市``.  The same
  holds for a zone's party-working-committee / administrative committee, which vary from year to
  year for the same body: 「平潭综合实验区党工委管委会」, 「平潭综合实验区管委会」,
  「平潭综合实验区」 → ``平潭综合实验区``.  Those words are stripped only as a suffix after a zone
  name (…区/园/港/城/岛), so a 「…住房公积金管理委员会」 keeps its name.
* **A government's general office stands for the government**: 「上海市人民政府办公厅」 and
  「XX县人民政府办公室」 → the government's key (``上海市``).  Under 条例 the 本级政府 report is
  compiled and issued by its 办公厅/办公室, and a report signed by the office is that report
  (the Shanghai 2019 report says it reports 「代表市政府」).  Where an office also publishes a
  separate departmental report, give it its own canonical name in the alias table (one that does
  not end in 人民政府办公厅/办公室, e.g. ``XX市人民政府办公室机关``).
* A leading province is dropped when a city or county follows (「四川省广元市财政局」 =
  「广元市财政局」); a parent city is kept before a county (「淮安市洪泽区」 ≠ 「洪泽区」 as keys,
  because county names repeat across the country — map them with an alias when needed).
* Distinct bodies stay distinct: 「平潭综合实验区市场监督管理局」 ≠ 「平潭综合实验区」,
  「广元市财政局」 ≠ 「广元市人民政府」.

An alias table (CSV or TSV with columns ``alias,canonical``, see :func:`load_aliases`) is applied
first; the canonical name then goes through the same normalisation, so aliases and spellings agree.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

# Provinces, autonomous regions and 直辖市 (full names); short forms are recognised too.
PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省",
    "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
    "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_SHORT = {re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", p): p for p in PROVINCES}

# Zones whose level the name cannot tell (a 新区 may be a county-level district or a zone).
_ZONE = r"(?:综合实验区|实验区|试验区|示范区|合作区|新区|高新技术产业开发区|经济技术开发区|开发区|高新区|保税区|自由贸易区|自贸区|工业园区|产业园区|园区|片区)"
_GOV = r"(?:人民政府|政府)"
_OFFICE = r"(?:办公厅|办公室)"
_COMMITTEE = r"(?:党工委|党工委员会|工委|管委会|管理委员会)"
# words that end in 市/区/县 but are not places (「城市管理局」), and words that start with one
# (「…市场监督管理局」 must not end a place at 市).  Real places contain some of these strings
# (成都市, 晋城市, 东城区, 中山区), so a candidate is rejected only when it *is* such a word or
# its last character starts one.
_NOT_PLACE = ("城市", "社区", "景区", "小区", "街区", "城区", "辖区", "山区", "库区", "都市")
_STARTS_WORD = ("市场", "市容", "县域", "区域", "市民", "区划")


# 市民 starts a word only in 市民服务中心 / 市民卡 …, not before an organ (淮安市民政局, 市民族宗教事务局, 市民防局)
_MIN_ORGAN = ("民政", "民族", "民防", "民宗")


def _is_place(candidate: str, following: str) -> bool:
    # an organ word inside the candidate (「公安局利州区」 before 分局) means it is not a place
    pair = candidate[-1] + following[:1]
    starts_word = pair in _STARTS_WORD and not (pair == "市民" and following.startswith(_MIN_ORGAN))
    return (candidate not in _NOT_PLACE and not starts_word
            and not re.search(r"[局厅委]|办公|政府", candidate))
_PUNCT = re.compile(r"[\s\u3000·•・,，.。、;；:：!！?？\"'“”‘’「」『』《》<>/\\|\-—_]+")
_BRACKETS = re.compile(r"[（(\[【][^（()）\]】]*[)）\]】]")


def _clean(name: str) -> str:
    s = unicodedata.normalize("NFKC", name or "")
    prev = None
    while prev != s:
        prev = s
        s = _BRACKETS.sub("", s)
    s = _PUNCT.sub("", s)
    # a cover letter's title cut after the organ (「…管理局关于报送2020年度…的函」)
    s = re.sub(r"(?<=[局委厅办府会室处])关于.*$", "", s)
    # trailing words of a report title, if a whole title was given
    s = re.sub(r"\d{4}年度?.*$", "", s) if re.search(r"\d{4}年度?.*报告$", s) else s
    return s


def _norm_alias(name: str) -> str:
    return _clean(name)


def load_aliases(path: str | Path) -> dict[str, str]:
    """Read an alias table (CSV, or TSV when the file ends in .tsv / has tabs) with columns
    ``alias,canonical``.  Keys are normalised (spaces/punctuation folded) so lookups match
    spelling variants; blank lines and rows with an empty cell are skipped."""
    p = Path(path)
    text = p.read_text(encoding="utf-8-sig")
    delim = "\t" if p.suffix.lower() == ".tsv" or ("\t" in text.splitlines()[0] if text else False) else ","
    out: dict[str, str] = {}
    for rec in csv.DictReader(text.splitlines(), delimiter=delim):
        a, c = (rec.get("alias") or "").strip(), (rec.get("canonical") or "").strip()
        if a and c:
            out[_norm_alias(a)] = c
    return out


# ---------------------------------------------------------------------------------------------
# Parsing the region prefix


def _split_region(s: str) -> tuple[str | None, str | None, str | None, str | None, str]:
    """(province, city, county, zone, rest) from the start of a cleaned name."""
    province = city = county = zone = None
    rest = s
    for p in sorted(PROVINCES, key=len, reverse=True):
        if rest.startswith(p):
            province, rest = p, rest[len(p) :]
            break
    else:
        for short, full in sorted(_SHORT.items(), key=lambda kv: -len(kv[0])):
            if rest.startswith(short) and not rest.startswith(short + "市") and full not in MUNICIPALITIES:
                if re.match(r"(?:省|自治区)", rest[len(short) :]):
                    province, rest = full, rest[len(short) :].lstrip("省")
                break
    # a zone (平潭综合实验区, XX经济技术开发区) right here or after a city
    def zone_at(r: str) -> tuple[str | None, str]:
        m = re.match(rf"^([\u4e00-\u9fff]{{2,12}}?{_ZONE})", r)
        if m and not any(w in m.group(1) for w in ("管理局", "局", "委员会")):
            return m.group(1), r[m.end() :]
        return None, r

    if province not in MUNICIPALITIES:
        m = re.match(r"^([\u4e00-\u9fff]{2,6}?(?:自治州|地区|盟|市|州))", rest)
        if m and _is_place(m.group(1), rest[m.end() :]) and not re.search(_ZONE, m.group(1)):
            city, rest = m.group(1), rest[m.end() :]
    zone, rest2 = zone_at(rest)
    if zone:
        return province, city, None, zone, rest2
    m = re.match(r"^([\u4e00-\u9fff]{1,6}?(?:自治县|自治旗|县|区|旗|市))", rest)
    if m and _is_place(m.group(1), rest[m.end() :]) and (city or province or len(m.group(1)) >= 2):
        # a single character before 市/区 is rarely a place (e.g. 「区直」), unless it is 县 (歙县)
        body = m.group(1)
        if len(body) >= 3 or body.endswith("县"):
            county, rest = body, rest[m.end() :]
    return province, city, county, zone, rest


def _organ(rest: str) -> str:
    """The organ part with the government words folded: '' for the government itself."""
    # the government's office stands for the government; 行政公署 is a 地区/盟's government
    return re.sub(rf"^(?:{_GOV}|行政公署){_OFFICE}?$", "", rest)


def agency_key(name: str, aliases: Mapping[str, str] | None = None) -> str:
    """A stable key for the body behind ``name`` (see the module doc for the decisions)."""
    s = _clean(name)
    if aliases:
        canon = aliases.get(s) or aliases.get(name)
        if canon:
            s = _clean(canon)
    province, city, county, zone, rest = _split_region(s)
    # zone committees: strip as suffixes (repeatedly) after a zone name
    if zone:
        rest = re.sub(rf"^(?:{_COMMITTEE})+$", "", rest)
        rest = re.sub(rf"^(?:{_COMMITTEE})+(?={_GOV}|$)", "", rest)
    rest = _organ(rest)
    # a township's government is keyed by its place, as a county's is (「XX镇人民政府」 = 「XX镇」)
    if (town := _TOWNSHIP.match(rest)) and (county or zone or city):
        rest = town.group(1)
    # a 直辖市 is its districts' parent city: keep it (北京市朝阳区 ≠ 长春市朝阳区)
    parent = province if province in MUNICIPALITIES or not (city or county or zone) else None
    region = "".join(x for x in (parent, city, county, zone) if x)
    return (region + rest) or s


# ---------------------------------------------------------------------------------------------
# What a name says: level, type, parent (the inference the registry starts from)

LEVELS = ("省级", "市级", "县级", "乡级", "特殊功能区")
TYPES = ("政府", "部门", "派出机构", "乡镇街道")

# a township-level body after its county / zone: 镇, 乡, 街道, a zone's 片区 / 社区 office
_TOWNSHIP = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:民族乡|苏木|乡|镇|街道))(?:人民政府|政府|办事处|办)?(?:党工委|党委)?$")
_PIANQU = re.compile(r"^([\u4e00-\u9fff]{1,8}?片区)(?:管理局|管委会|管理委员会|办事处)$")
# a zone that governs a territory of its own (a government in all but name)
_GOVERNING_ZONE = r"(?:综合实验区|新区|综合试验区)$"
_DEPT_END = r"(?:局|委员会|委|厅|办|办公室|中心|署|所|院|站|队|会|处|部)$"
_RANK_BELOW = {"省级": "市级", "市级": "县级", "县级": "乡级"}


def _region_level(province, city, county) -> str | None:
    if county:
        return "县级"
    if city:
        return "市级"
    if province:
        return "省级"
    return None


def _region_parent(province, city, county, zone) -> str | None:
    """The government a region's government reports to, when the name says it."""
    if county or zone:
        up = city or (province if province in MUNICIPALITIES or (province and not city) else None)
        return agency_key(up) if up else None
    if city:
        return agency_key(province) if province else None
    return None


def describe_agency(name: str) -> dict[str, str | None]:
    """What the name says (the choices are documented here; the registry records them as
    ``inferred``, and a registry file can correct any of them):

    * ``level`` 省级 | 市级 | 县级 | 乡级 | 特殊功能区 | None.  A county/district/banner (or a
      县级市 under a city) → 县级; a city, 自治州, 地区, 盟 → 市级 (a bare 「XX市」 is taken as
      prefecture-level: the name cannot tell a 县级市); a province or 直辖市 → 省级; a 乡/镇/街道,
      or a zone's 片区管理局 → 乡级; a zone (综合实验区, 开发区, 新区 …) and its departments →
      特殊功能区 (its rank is set by decree, not by its name); a 分局 → one rank below its bureau.
    * ``agency_type`` 政府 | 部门 | 派出机构 | 乡镇街道 | None.  政府: the government itself (…人民政府,
      its 办公厅/办公室, a bare region name, the 党工委管委会 of a zone that governs a territory:
      综合实验区, 新区); 部门: a bureau, commission, office … of a government; 派出机构: a 分局, a
      zone's 片区管理局, the 管委会 of a 开发区/园区 (an agency of the government that set it up);
      乡镇街道: a 乡/镇 government or a 街道办事处.
    * ``parent_key``: the body it reports to, when the name says it: a department → its government;
      a township → its county (or zone); a 分局 → its bureau; a county → its city; a city → its
      province; None when the name does not say (「歙县人民政府」, 「平潭综合实验区」).
    * ``region``, ``province``, ``city``, ``county``: the places in the name (``region``
      includes a zone, e.g. 平潭综合实验区).
    """
    s = _clean(name)
    province, city, county, zone, rest = _split_region(s)
    region = "".join(x for x in (province, city, county, zone) if x) or None
    out = {"region": region, "level": None, "agency_type": None, "parent_key": None,
           "province": province, "city": city, "county": county}
    if not region:
        if re.search(rf"{_GOV}(?:{_OFFICE})?$", s):
            out["agency_type"] = "政府"
        return out
    base_level = "特殊功能区" if zone else _region_level(province, city, county)
    gov_key = agency_key(region)
    if zone:
        rest = re.sub(rf"^(?:{_COMMITTEE})+", "", rest) if not _PIANQU.match(rest) else rest
    organ = _organ(rest)
    town = _TOWNSHIP.match(organ) or _PIANQU.match(organ)
    if organ == "":
        out["level"] = base_level
        if zone and not re.search(_GOVERNING_ZONE, zone):
            out["agency_type"] = "派出机构"  # a 开发区/园区's 管委会 acts for the government above it
        else:
            out["agency_type"] = "政府"
        out["parent_key"] = _region_parent(province, city, county, zone)
    elif town:
        out["level"] = "乡级"
        out["agency_type"] = "派出机构" if _PIANQU.match(organ) else "乡镇街道"
        out["parent_key"] = gov_key
    elif (m := re.match(r"^(.+?局)(.+分局)$", organ)):
        out["level"] = _RANK_BELOW.get(base_level, base_level)
        out["agency_type"] = "派出机构"
        out["parent_key"] = agency_key(region + m.group(1))
    elif re.search(_DEPT_END, organ):
        out["level"] = base_level
        out["agency_type"] = "部门"
        out["parent_key"] = gov_key
    return out
