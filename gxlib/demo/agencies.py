"""Synthetic publishing agencies built from real place names of five provinces.

Every agency has a stable ASCII ``key`` (``sichuan-guangyuan-cangxi-czj``), the printed
``name`` (苍溪县财政局), its region (province / city / county), ``level`` (省级 | 市级 | 县级)
and ``type`` (政府 | 部门).  The pool is fixed; :func:`select` draws ``n`` of them for a
seed, favouring governments and provincial agencies a little so small demo sets still mix.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from functools import cache

# province (name, pinyin) -> city (name, pinyin) -> counties "name:pinyin"
PLACES: dict[tuple[str, str], dict[tuple[str, str], str]] = {
    ("四川省", "sichuan"): {
        ("成都市", "chengdu"): "锦江区:jinjiang 青羊区:qingyang 武侯区:wuhou 双流区:shuangliu 郫都区:pidu 金堂县:jintang",
        ("广元市", "guangyuan"): "利州区:lizhou 昭化区:zhaohua 朝天区:chaotian 旺苍县:wangcang 青川县:qingchuan 剑阁县:jiange 苍溪县:cangxi",
        ("绵阳市", "mianyang"): "涪城区:fucheng 游仙区:youxian 江油市:jiangyou 三台县:santai 盐亭县:yanting",
        ("南充市", "nanchong"): "顺庆区:shunqing 阆中市:langzhong 南部县:nanbu 仪陇县:yilong",
    },
    ("江苏省", "jiangsu"): {
        ("南京市", "nanjing"): "玄武区:xuanwu 秦淮区:qinhuai 鼓楼区:gulou 江宁区:jiangning 浦口区:pukou",
        ("淮安市", "huaian"): "淮安区:huaianqu 淮阴区:huaiyin 清江浦区:qingjiangpu 洪泽区:hongze 涟水县:lianshui 盱眙县:xuyi 金湖县:jinhu",
        ("苏州市", "suzhou"): "姑苏区:gusu 吴中区:wuzhong 吴江区:wujiang 常熟市:changshu 昆山市:kunshan 太仓市:taicang",
        ("徐州市", "xuzhou"): "鼓楼区:gulou 云龙区:yunlong 丰县:fengxian 沛县:peixian 邳州市:pizhou",
    },
    ("福建省", "fujian"): {
        ("福州市", "fuzhou"): "鼓楼区:gulou 台江区:taijiang 仓山区:cangshan 闽侯县:minhou 连江县:lianjiang 福清市:fuqing",
        ("厦门市", "xiamen"): "思明区:siming 湖里区:huli 集美区:jimei 海沧区:haicang 同安区:tongan 翔安区:xiangan",
        ("泉州市", "quanzhou"): "鲤城区:licheng 丰泽区:fengze 晋江市:jinjiang 石狮市:shishi 南安市:nanan 安溪县:anxi",
        ("莆田市", "putian"): "城厢区:chengxiang 涵江区:hanjiang 荔城区:licheng 仙游县:xianyou",
    },
    ("浙江省", "zhejiang"): {
        ("杭州市", "hangzhou"): "上城区:shangcheng 西湖区:xihu 余杭区:yuhang 萧山区:xiaoshan 桐庐县:tonglu 淳安县:chunan",
        ("宁波市", "ningbo"): "海曙区:haishu 江北区:jiangbei 鄞州区:yinzhou 象山县:xiangshan 宁海县:ninghai 余姚市:yuyao",
        ("温州市", "wenzhou"): "鹿城区:lucheng 瓯海区:ouhai 乐清市:yueqing 瑞安市:ruian 永嘉县:yongjia",
    },
    ("河南省", "henan"): {
        ("郑州市", "zhengzhou"): "中原区:zhongyuan 金水区:jinshui 二七区:erqi 中牟县:zhongmou 巩义市:gongyi 新郑市:xinzheng",
        ("洛阳市", "luoyang"): "老城区:laocheng 西工区:xigong 洛龙区:luolong 孟津区:mengjin 栾川县:luanchuan 嵩县:songxian",
        ("开封市", "kaifeng"): "龙亭区:longting 鼓楼区:gulou 祥符区:xiangfu 杞县:qixian 兰考县:lankao",
    },
}

# department code -> (city/county name, provincial name)
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "czj": ("财政局", "财政厅"),
    "scjgj": ("市场监督管理局", "市场监督管理局"),
    "gaj": ("公安局", "公安厅"),
    "zrzyj": ("自然资源局", "自然资源厅"),
    "jyj": ("教育局", "教育厅"),
    "wjw": ("卫生健康委员会", "卫生健康委员会"),
    "sthjj": ("生态环境局", "生态环境厅"),
    "zjj": ("住房和城乡建设局", "住房和城乡建设厅"),
    "jtysj": ("交通运输局", "交通运输厅"),
    "nyncj": ("农业农村局", "农业农村厅"),
    "rsj": ("人力资源和社会保障局", "人力资源和社会保障厅"),
    "mzj": ("民政局", "民政厅"),
    "sfj": ("司法局", "司法厅"),
    "slj": ("水利局", "水利厅"),
    "yjj": ("应急管理局", "应急管理厅"),
    "swj": ("商务局", "商务厅"),
    "whlyj": ("文化广电旅游局", "文化和旅游厅"),
    "tjj": ("统计局", "统计局"),
    "sjj": ("审计局", "审计厅"),
    "ybj": ("医疗保障局", "医疗保障局"),
}
# the county-level names that differ from the city-level ones
COUNTY_DEPT_NAMES = {"jyj": "教育和体育局", "wjw": "卫生健康局", "whlyj": "文化旅游局"}


@dataclass(frozen=True)
class Agency:
    name: str
    key: str
    province: str
    city: str | None
    county: str | None
    level: str  # 省级 | 市级 | 县级
    type: str  # 政府 | 部门
    dept: str  # department code, or zf / bgt for governments

    @property
    def region(self) -> str:
        return "/".join(p for p in (self.province, self.city, self.county) if p)

    @property
    def is_government(self) -> bool:
        """The 本级政府 itself (deadline 3月31日), not its 办公厅 or a department."""
        return self.dept == "zf"

    def to_json(self) -> dict:
        d = asdict(self)
        d["region"] = self.region
        return d


@cache
def pool() -> tuple[Agency, ...]:
    """Every agency the generator knows, in a fixed order."""
    out: list[Agency] = []
    for (prov, ppy), cities in PLACES.items():
        out.append(Agency(f"{prov}人民政府", f"{ppy}-zf", prov, None, None, "省级", "政府", "zf"))
        out.append(Agency(f"{prov}人民政府办公厅", f"{ppy}-bgt", prov, None, None, "省级", "政府", "bgt"))
        for code, (_, pname) in DEPARTMENTS.items():
            out.append(Agency(f"{prov}{pname}", f"{ppy}-{code}", prov, None, None, "省级", "部门", code))
        for (city, cpy), counties in cities.items():
            out.append(Agency(f"{city}人民政府", f"{ppy}-{cpy}-zf", prov, city, None, "市级", "政府", "zf"))
            for code, (cname, _) in DEPARTMENTS.items():
                out.append(Agency(f"{city}{cname}", f"{ppy}-{cpy}-{code}", prov, city, None, "市级", "部门", code))
            for item in counties.split():
                county, kpy = item.split(":")
                # districts print with their city (淮安市洪泽区); counties and county-level cities alone
                prefix = city if county.endswith("区") else ""
                base = f"{prefix}{county}"
                out.append(Agency(f"{base}人民政府", f"{ppy}-{cpy}-{kpy}-zf", prov, city, county, "县级", "政府", "zf"))
                for code, (cname, _) in DEPARTMENTS.items():
                    name = COUNTY_DEPT_NAMES.get(code, cname)
                    out.append(
                        Agency(f"{base}{name}", f"{ppy}-{cpy}-{kpy}-{code}", prov, city, county, "县级", "部门", code)
                    )
    names = [a.name for a in out]
    keys = [a.key for a in out]
    assert len(set(names)) == len(names) and len(set(keys)) == len(keys), "agency pool not unique"
    return tuple(out)


def select(n: int, seed: int) -> list[Agency]:
    """``n`` agencies for ``seed`` (weighted sampling without replacement), in pool order."""
    agencies = pool()
    if n > len(agencies):
        raise ValueError(f"at most {len(agencies)} demo agencies (asked for {n})")
    rng = random.Random(f"gxdemo|{seed}|agencies")
    scored = []
    for i, a in enumerate(agencies):
        w = 1.0
        if a.type == "政府":
            w *= 4.0
        if a.level == "省级":
            w *= 2.0
        elif a.level == "市级":
            w *= 1.5
        scored.append((rng.random() ** (1.0 / w), i))
    chosen = sorted(i for _, i in sorted(scored, reverse=True)[:n])
    return [agencies[i] for i in chosen]
