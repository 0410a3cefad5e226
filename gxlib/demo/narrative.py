"""Section texts 一…六 of a synthetic report, whose counts agree with its tables.

:func:`compose` writes the report's blocks (title, statistics-period sentence, headings as
real reports print them, paragraphs, the three tables, the signature and date) and records
every count it states in ``report.narrative`` (section, channel, category, measure, count,
unit), so the narrative can be checked against the tables.  Narrative faults (a stated
count that differs from the table, category parts that do not add up to the stated total)
are injected here and recorded in ``report.faults``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .layout import Report

HEADINGS = (
    ("一", "一、总体情况"),
    ("二", "二、主动公开政府信息情况"),
    ("三", "三、收到和处理政府信息公开申请情况"),
    ("四", "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", "五、存在的主要问题及改进情况"),
    ("六", "六、其他需要报告的事项"),
)
NOTICE = {"2019": "国办公开办函〔2019〕60号", "2021": "国办公开办函〔2021〕30号"}

CATEGORIES = (
    "动态类信息", "通知公告", "财政预决算及“三公”经费信息", "政策文件", "政策解读", "人事信息",
    "规划计划", "统计信息", "行政执法信息", "重点领域信息", "政府采购信息", "建议提案办理结果",
    "应急管理信息", "机构职能信息", "其他类信息",
)
OPENINGS = (
    "{year}年，{who}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》（以下简称《条例》）和上级关于政务公开工作的部署要求，以公开为常态、不公开为例外，持续推进决策、执行、管理、服务、结果公开，政府信息公开工作取得新成效。",
    "{year}年，{who}认真贯彻落实《条例》和省、市关于政务公开工作的要求，围绕中心工作，加强组织领导，健全工作机制，拓展公开渠道，不断提升政府信息公开工作质量。",
    "{year}年，在上级政务公开主管部门的指导下，{who}严格执行《条例》，聚焦社会关切，强化政策解读和回应，扎实推进政府信息公开各项工作。",
)
MANAGEMENT = (
    "（三）政府信息管理。严格落实信息发布保密审查制度，坚持“先审查、后公开”和“一事一审”，全年组织开展政府信息公开保密审查{a}次；动态调整主动公开基本目录，及时清理过时失效信息。",
    "（三）政府信息管理。健全公文公开属性源头认定机制，在公文拟制环节明确公开方式；对现行有效的规范性文件进行集中清理，共梳理文件{a}件，并在门户网站集中公开。",
)
PLATFORM = (
    "（四）平台建设。持续优化政府门户网站栏目设置，完善信息公开专栏，加强网站内容保障和安全防护；用好政务新媒体，拓宽政民互动渠道，全年回复网民留言{b}条。",
    "（四）平台建设。推进政府网站集约化建设，规范政务新媒体管理，全年开展网站和新媒体自查{b}次，发现并整改问题{c}个。",
)
SUPERVISION = (
    "（五）监督保障。将政务公开工作纳入年度目标考核，明确分管领导和专职工作人员；组织开展政务公开业务培训{a}次，参训{b}人次，全年未发生因信息公开不当引发的责任追究事件。",
    "（五）监督保障。建立健全政务公开工作考核、社会评议和责任追究制度，主动接受社会监督，全年收到社会评议意见{a}条，均已及时处理。",
)
PROBLEMS = (
    "{year}年，{who}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：一是政策解读形式较为单一，图文、音视频解读偏少；二是主动公开信息的及时性、准确性有待进一步提高；三是工作人员业务能力有待加强。",
    "存在的主要问题：一是部分栏目信息更新不够及时；二是依申请公开办理的规范化水平有待提升；三是政民互动的深度和广度仍需拓展。",
)
IMPROVEMENTS = (
    "下一步，我们将进一步加强组织领导，完善工作制度，丰富解读形式，加大重点领域信息公开力度，强化业务培训，不断提升政府信息公开工作水平。",
    "针对上述问题，我们将从以下方面加以改进：一是加强政策解读，推行图解、视频等多样化解读方式；二是严格落实信息发布审核制度，确保信息公开及时准确；三是加强培训交流，提高工作人员业务水平。",
)
OTHER = (
    "本年度未收取政府信息公开信息处理费。",
    "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本年度未向申请人收取信息处理费。{year}年度政务公开工作要点已全部落实，人大代表建议和政协提案办理结果均已按规定公开。",
    "本机关本年度无其他需要报告的事项。",
)


def _count(rng: random.Random, scale: float) -> int:
    return max(0, round(rng.lognormvariate(0, 0.8) * scale))


def publication_date(rng: random.Random, report: Report, late: bool) -> tuple[date, date]:
    """(published, deadline): 部门 by 1月31日 of the next year, 本级政府 by 3月31日."""
    y = report.year + 1
    deadline = date(y, 3, 31) if report.agency.type == "政府" else date(y, 1, 31)
    if late:
        return deadline + timedelta(days=rng.randint(1, 120)), deadline
    start = date(y, 1, 8) if report.agency.type == "部门" else date(y, 1, 12)
    span = (deadline - start).days
    # most reports come out in the last fortnight before the deadline
    back = min(span, int(rng.expovariate(1 / 10)))
    return deadline - timedelta(days=back), deadline


def _v(report: Report, t: str, r: str, c: str) -> int:
    v = report.values.get((t, r, c))
    return int(v or 0)


def compose(report: Report, rng: random.Random, fault_kinds: list[str]) -> None:
    a = report.agency
    year = report.year
    who = a.name if rng.random() < 0.6 else ("我局" if a.type == "部门" and a.name.endswith("局") else a.name)
    blocks: list[tuple[str, object]] = []
    rec = report.narrative
    blocks.append(("title", report.title))
    blocks.append(
        (
            "p",
            "本报告根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发"
            f"〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{NOTICE[report.template]}）要求编制。"
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
            "存在的主要问题及改进情况、其他需要报告的事项。"
            f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
            f"如对本报告有疑问，请与{a.name}办公室联系。",
        )
    )
    blocks.append(("h", HEADINGS[0][1]))
    blocks.append(("p", rng.choice(OPENINGS).format(year=year, who=a.name)))

    # （一）主动公开: channel, categories and counts that add up (unless parts_sum)
    scale = 30 * {"省级": 6, "市级": 3, "县级": 1.5}[a.level] * (2 if a.type == "政府" else 1)
    cats = rng.sample(CATEGORIES[:-1], rng.randint(3, 7)) + (["其他类信息"] if rng.random() < 0.5 else [])
    parts = [max(1, _count(rng, scale / len(cats))) for _ in cats]
    total = sum(parts)
    if "narrative.parts_sum" in fault_kinds:
        d = rng.choice((-40, -10, -3, 2, 5, 20, 100))
        if total + d <= 0:
            d = abs(d)
        report.faults.append(
            {"kind": "narrative", "rule": "narrative.parts_sum", "table": None, "row": None, "col": None,
             "channel": "政府门户网站", "stated": total + d, "parts_sum": total}
        )
        total += d
    portal = "政府门户网站" if rng.random() < 0.8 else f"{a.name}政府门户网站".replace("人民政府政府", "人民政府")
    portal_channel = "政府门户网站"
    text = f"（一）主动公开。全年通过{portal}主动公开政府信息{total}条，其中" + "，".join(
        f"{c}{n}条" for c, n in zip(cats, parts)
    ) + "。"
    rec.append({"section": "一", "channel": portal_channel, "category": "总计", "measure": "proactive_items",
                "count": total, "unit": "条"})
    for c, n in zip(cats, parts):
        rec.append({"section": "一", "channel": portal_channel, "category": c, "measure": "proactive_items",
                    "count": n, "unit": "条"})
    if rng.random() < 0.6:
        short = (a.city or a.province)[:-1] if a.type == "政府" else a.name
        n = _count(rng, scale / 2) + 1
        text += f"通过“{short}发布”微信公众号等政务新媒体发布信息{n}条。"
        rec.append({"section": "一", "channel": "政务新媒体", "category": "总计", "measure": "proactive_items",
                    "count": n, "unit": "条"})
    text += f"围绕重点工作开展政策解读{_count(rng, 6)}次，召开新闻发布会{_count(rng, 2)}场。"
    blocks.append(("p", text))

    # （二）依申请公开: counts from the printed tables (or deliberately not)
    printed = {
        "applications_received": (_v(report, "applications", "new_received", "total"), ("applications", "new_received", "total")),
        "applications_concluded": (_v(report, "applications", "total_handled", "total"), ("applications", "total_handled", "total")),
        "applications_carried_forward": (_v(report, "applications", "carried_forward", "total"), ("applications", "carried_forward", "total")),
        "reconsiderations": (_v(report, "reviews", "reconsideration", "total"), ("reviews", "reconsideration", "total")),
        "lawsuits": (
            _v(report, "reviews", "litigation_direct", "total") + _v(report, "reviews", "litigation_after_reconsideration", "total"),
            ("reviews", "litigation_direct", "total"),
        ),
    }
    stated = {m: v for m, (v, _) in printed.items()}
    if "narrative.table_mismatch" in fault_kinds:
        m = rng.choice(list(printed))
        v, (t, r, c) = printed[m]
        d = rng.choice((1, 2, -1, 5, 10))
        if v + d < 0:
            d = 1
        stated[m] = v + d
        report.faults.append({"kind": "narrative", "rule": "narrative.table_mismatch", "table": t, "row": r, "col": c,
                              "measure": m, "stated": v + d, "printed": v})
    recv, done, cf = stated["applications_received"], stated["applications_concluded"], stated["applications_carried_forward"]
    co = _v(report, "applications", "carried_over", "total")
    np_ = _v(report, "applications", "new_received", "natural_person")
    org = sum(_v(report, "applications", "new_received", c) for c in
              ("commercial", "research", "social_welfare", "legal_service", "other_org"))
    text = f"（二）依申请公开。全年共收到政府信息公开申请{recv}件"
    if recv and np_ + org == recv and rng.random() < 0.7:
        text += f"，其中自然人申请{np_}件，法人或其他组织申请{org}件"
    text += "。"
    if co:
        text += f"上年结转{co}件。"
    text += f"全年办结{done}件，结转下年度继续办理{cf}件。"
    for m, unit in (("applications_received", "件"), ("applications_concluded", "件"),
                    ("applications_carried_forward", "件")):
        rec.append({"section": "一", "channel": None, "category": None, "measure": m, "count": stated[m], "unit": unit})
    rcount, lcount = stated["reconsiderations"], stated["lawsuits"]
    if rcount == 0 and lcount == 0 and rng.random() < 0.3 and "narrative.table_mismatch" not in fault_kinds:
        text += "全年未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    else:
        text += f"全年发生政府信息公开行政复议{rcount}件、行政诉讼{lcount}件。"
        rec.append({"section": "一", "channel": None, "category": None, "measure": "reconsiderations",
                    "count": rcount, "unit": "件"})
        rec.append({"section": "一", "channel": None, "category": None, "measure": "lawsuits",
                    "count": lcount, "unit": "件"})
    blocks.append(("p", text))
    blocks.append(("p", rng.choice(MANAGEMENT).format(a=_count(rng, 20) + 1)))
    blocks.append(("p", rng.choice(PLATFORM).format(b=_count(rng, 50) + 1, c=_count(rng, 5))))
    blocks.append(("p", rng.choice(SUPERVISION).format(a=_count(rng, 3) + 1, b=_count(rng, 60) + 5)))

    blocks.append(("h", HEADINGS[1][1]))
    blocks.append(("table", "proactive"))
    blocks.append(("h", HEADINGS[2][1]))
    blocks.append(("table", "applications"))
    blocks.append(("h", HEADINGS[3][1]))
    blocks.append(("table", "reviews"))
    blocks.append(("h", HEADINGS[4][1]))
    blocks.append(("p", rng.choice(PROBLEMS).format(year=year, who=who)))
    blocks.append(("p", rng.choice(IMPROVEMENTS)))
    blocks.append(("h", HEADINGS[5][1]))
    blocks.append(("p", rng.choice(OTHER).format(year=year)))
    blocks.append(("sign", a.name))
    d = report.published
    blocks.append(("sign", f"{d.year}年{d.month}月{d.day}日"))
    report.blocks = blocks
