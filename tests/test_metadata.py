"""Agency, year, publication date and statistics period from what a report prints."""

from __future__ import annotations

from datetime import date

import pytest

from gxlib.document import Document
from gxlib.metadata import read_metadata


def meta(text: str, **container):
    return read_metadata(Document("x.txt", "text", "0" * 64, text, meta=container))


@pytest.mark.parametrize(
    "title, agency, year",
    [
        ("广元市财政局2020年政府信息公开工作年度报告", "广元市财政局", 2020),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅", 2019),
        ("广元市财政局\n2020年政府信息公开工作年度报告", "广元市财政局", 2020),  # title wrapped
        ("平潭综合实验区2021年度政府信息公开工作年度报告", "平潭综合实验区", 2021),
        ("关于广元市财政局2020年度政府信息公开工作情况的报告", "广元市财政局", 2020),
        ("广元市财政局2020年政府信息公开年度工作报告", "广元市财政局", 2020),
        ("苍溪县人民政府2022年政务公开工作年度报告", "苍溪县人民政府", 2022),
    ],
)
def test_title_variants(title, agency, year):
    m = meta(title + "\n一、总体情况\n……")
    assert (m.agency, m.year) == (agency, year)


def test_container_title_wins_and_signature_date():
    m = meta("正文……\n广元市财政局\n2021年1月19日", title="广元市财政局2020年政府信息公开工作年度报告")
    assert (m.agency, m.year, m.published) == ("广元市财政局", 2020, date(2021, 1, 19))


def test_published_from_page_and_crawler_header():
    assert meta("X局2020年政府信息公开工作年度报告\n发布日期：2021-01-08\n正文").published == date(2021, 1, 8)
    assert meta("X局2020年政府信息公开工作年度报告", published="2021-02-03 16:34").published == date(2021, 2, 3)


@pytest.mark.parametrize(
    "sentence, start, end",
    [
        ("本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。", date(2020, 1, 1), date(2020, 12, 31)),
        ("本年度报告中所列数据统计期限从2019年1月1日到12月31日止。", date(2019, 1, 1), date(2019, 12, 31)),
        ("统计期限为2019年9月1日至12月31日。", date(2019, 9, 1), date(2019, 12, 31)),
    ],
)
def test_statistics_period(sentence, start, end):
    m = meta("X局2019年政府信息公开工作年度报告\n" + sentence)
    assert (m.period_start, m.period_end) == (start, end)


def test_nothing_stated_nothing_guessed():
    m = meta("一段没有标题、没有日期的文字。")
    assert (m.agency, m.year, m.published, m.period_start) == (None, None, None, None)
