"""Real crawler dumps mutated the way real reports differ: misspelt or missing headings, a
duplicated section number, a misspelt label.  Headings are hints: every cell must come back
as it does from the unmutated document (the tables are found by the rows they hold)."""

from __future__ import annotations

import re

import pytest

import gxlib
from tests.shared import SHARED_CORPUS, needs_corpus

pytestmark = [needs_corpus, pytest.mark.corpus]

# (name, mutation) — each one seen in a real report (issue 11)
MUTATIONS = [
    ("表四 title misspelt 行政法复议", lambda t: t.replace("四、政府信息公开行政复议", "四、政府信息公开行政法复议", 1)),
    ("表四 title reworded", lambda t: re.sub(r"四、[^四]{0,20}行政复议[、]?行政诉讼情况", "四、复议诉讼", t, count=1)),
    ("表四 title dropped", lambda t: re.sub(r"四、[^四]{0,20}行政复议[、]?行政诉讼情况", "", t, count=1)),
    ("钩稽 for 勾稽", lambda t: t.replace("勾稽", "钩稽")),
    ("本年废纸件数", lambda t: t.replace("本年废止件数", "本年废纸件数")),
    ("不子公开", lambda t: t.replace("不予公开", "不子公开")),
    ("执法案件 for 执法案卷", lambda t: t.replace("执法案卷", "执法案件")),
    ("two sections numbered 二", lambda t: t.replace("三、收到和处理", "二、收到和处理", 1)),
    ("第二十条第（六）项 header dropped", lambda t: t.replace("第二十条第（六）项", "", 1)),
    ("no 第二十条 headers", lambda t: re.sub(r"第二十条第（[一二三四五六七八九]）项", "", t)),
    ("no 申请人情况 header", lambda t: t.replace("申请人情况", "", 1)),
    ("表三 title reworded", lambda t: t.replace("三、收到和处理政府信息公开申请情况", "三、申请办理", 1)),
]

# one body of each kind, both templates, a hybrid and the zone's own reports
FILES = ["czj_2019", "czj_2024", "gwh_2021", "gyz_2024", "jjf_2021", "jjp_2023", "scj_2025", "spp_2020", "zhz_2021"]


def _cells(rep) -> dict:
    return {(c["table"], c["row"], c["col"]): (c["value"], c.get("ambiguous", False)) for c in rep.to_contract()["cells"]}


@pytest.mark.parametrize("name,mutate", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_heading_reads_the_same_cells(name, mutate) -> None:
    paths = [SHARED_CORPUS / "pingtan" / f"{f}.txt" for f in FILES] + sorted(SHARED_CORPUS.glob("0*_pingtan_202*.txt"))
    tried = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        mutated = mutate(text)
        if mutated == text:
            continue
        tried += 1
        want = _cells(gxlib.read_report(path))
        got = _cells(gxlib.read_report(path, data=mutated.encode("utf-8")))
        wrong = [k for k in want if got.get(k) != want[k]]
        assert not wrong, f"{path.name} ({name}): {len(wrong)} cells differ, e.g. {wrong[:3]}"
        assert set(got) == set(want)
    assert tried, f"{name}: the mutation applies to none of the documents"
