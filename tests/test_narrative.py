"""gxlib.narrative: numbers stated in the text, precise rather than greedy."""

from __future__ import annotations

import polars as pl
import pytest

from gxlib import frames
from gxlib.narrative import extract_narrative, parse_statement, statements
from tests.shared import CORPUS, needs_shared

SEED = (
    "一、总体情况\n（一）政务信息公开。2020年12月底，我局向市政府门户网站报送信息总计154条，审发通过130条，"
    "其中动态类信息8条，财政预决算及“三公”经费信息17条，专项资金74条，其他类信息31条。\n"
    "我局门户网站主动公开政务信息659条，其中工作动态类信息101条，电子公告信息120条，县区财政398条。\n"
    "（二）依申请公开。收到政府依申请公开件3件，没有出现就政府信息公开提出复议、诉讼和申诉的情况。\n"
    "（三）网络舆情。共办理书记信箱交办案件1件，网友来信13条，咨询答复61件，办结率100%。\n"
    "二、主动公开政府信息情况\n"
)


def rows(df: pl.DataFrame, measure: str | None = None) -> list[tuple]:
    if measure:
        df = df.filter(pl.col("measure") == measure)
    return df.select("channel", "category", "count").rows()


def test_schema_and_empty():
    assert extract_narrative("x", "").schema == frames.NARRATIVE
    assert extract_narrative("x", "没有数字的文字。").is_empty()


def test_channels_and_categories():
    df = extract_narrative("seed", SEED)
    assert df.schema == frames.NARRATIVE
    got = rows(df, "proactive_items")
    assert got[:3] == [("市政府门户网站", "总计", 154.0), ("市政府门户网站", "总计", 130.0),
                       ("市政府门户网站", "动态类信息", 8.0)]
    assert ("市政府门户网站", "财政预决算及“三公”经费信息", 17.0) in got
    assert ("门户网站", "总计", 659.0) in got and ("门户网站", "县区财政", 398.0) in got
    assert set(df.filter(pl.col("measure") == "proactive_items")["unit"]) == {"条"}
    assert set(df["section"]) == {"一"}
    # 网友来信13条 is not a publishing volume; 咨询答复61件 / 办结率 are not applications
    assert 13.0 not in df["count"].to_list() and 61.0 not in df["count"].to_list()
    # text and offset point at the number
    r = df.filter(pl.col("count") == 659.0).row(0, named=True)
    assert SEED[r["offset"] : r["offset"] + 3] == "659" and "其中" in r["text"]


def test_statement_regrouping():
    df = extract_narrative("seed", SEED)
    sts = statements(df)
    assert [(ch, [n for _, n, _ in st.stated], sum(n for _, n, _ in st.parts)) for _, ch, st in sts] == [
        ("市政府门户网站", [154.0, 130.0], 130.0), ("门户网站", [659.0], 619.0)]


def test_total_without_channel():
    df = extract_narrative("x", "全年主动公开我区各级单位政府信息2645条，主要通过政府网站等媒介进行公开。")
    assert rows(df) == [(None, "总计", 2645.0)]


def test_zai_zhong_form_and_parentheses():
    st = parse_statement("在主动公开的24条政府信息中，行政法规、规章和规范性文件7条，机关职能5条，工作动态12条")
    assert [n for _, n, _ in st.stated] == [24.0]
    assert [(c, n) for c, n, _ in st.parts] == [("行政法规、规章和规范性文件", 7.0), ("机关职能", 5.0), ("工作动态", 12.0)]
    st = parse_statement("今年共发布380条财政资金信息，其中专项资金152条，预决算公开197条（政府预决算32条、部门预决算公开165条）、“三公”经费31条")
    assert sum(n for _, n, _ in st.parts) == 380.0


def test_approximate_and_percentages_are_skipped():
    df = extract_narrative("x", "通过门户网站累计主动公开政府信息7700余条，其中重点领域信息2000余条。办结依申请公开81件，其中予以公开及部分公开42件，占51.85%。")
    assert df.filter(pl.col("measure") == "proactive_items").is_empty()
    assert 51.85 not in df["count"].to_list()
    assert rows(df, "applications_granted_or_partial") == [(None, None, 42.0)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。",
         {"applications_received": 70, "applications_concluded": 69, "applications_carried_forward": 1}),
        ("2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。",
         {"applications_received": 154, "applications_concluded": 148, "applications_carried_forward": 6}),
        ("市政府办公厅共受理政府信息公开申请859件，申请数量较去年回落12.3%；答复政府信息公开申请805件（含上年度结转申请18件，另有72件申请按照《条例》顺延到下年度答复）。",
         {"applications_received": 859, "applications_concluded": 805, "applications_carried_forward": 72}),
        ("予以公开及部分公开258件，占33.9%；不予公开35件。信息公开类行政复议7件，诉讼9件，均获维持。",
         {"applications_granted_or_partial": 258, "reconsiderations": 7, "lawsuits": 9}),
        ("因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。", {"reconsiderations": 2, "lawsuits": 7}),
        ("全年办理因政府信息公开申请引发的行政复议36起，行政诉讼9起。", {"reconsiderations": 36, "lawsuits": 9}),
        ("收到申请10件，予以公开6件，结转下年度继续办理2件。",
         {"applications_received": 10, "applications_granted": 6, "applications_carried_forward": 2}),
        ("本年度未发生因政府信息公开申请引起的行政复议、行政诉讼。", {"reconsiderations": 0, "lawsuits": 0}),
        ("全年未发生政府信息公开行政复议案件。", {"reconsiderations": 0}),
        ("行政复议5件，未发生被纠错的情况。", {"reconsiderations": 5}),
        # hotline and complaint counts are not applications
        ("截至目前共收到15564件咨询投诉件，已办结15042件。", {}),
        ("上年结转政府信息公开申请3件。", {}),
    ],
)
def test_application_statements(text, want):
    df = extract_narrative("x", text).filter(pl.col("measure") != "proactive_items")
    got = {m: c for m, c in df.select("measure", "count").rows()}
    assert got == want
    assert df.height == len(want)


def test_sections_assigned():
    text = "一、总体情况\n主动公开政府信息12条。\n二、主动公开政府信息情况\n表格\n四、政府信息公开行政复议、行政诉讼情况\n本年度行政复议2件。\n"
    df = extract_narrative("x", text)
    assert df.select("measure", "section").rows() == [("proactive_items", "一"), ("reconsiderations", "四")]


def _corpus_text(name: str) -> str:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} absent")
    if path.suffix == ".html":
        lxml_html = pytest.importorskip("lxml.html")
        return lxml_html.fromstring(path.read_text(encoding="utf-8")).text_content()
    return path.read_text(encoding="utf-8")


@needs_shared
@pytest.mark.corpus
def test_seed_report():
    df = extract_narrative("seed", _corpus_text("guangyuan_czj_2020.txt"))
    portal = df.filter(pl.col("channel") == "门户网站")
    assert portal.filter(pl.col("category") == "总计")["count"].to_list() == [659.0]
    assert portal.filter(pl.col("category") != "总计")["count"].sum() == 619.0
    assert rows(df, "applications_received") == [(None, None, 3.0)]
    assert rows(df, "reconsiderations") == [(None, None, 0.0)] and rows(df, "lawsuits") == [(None, None, 0.0)]


@needs_shared
@pytest.mark.corpus
def test_shanghai_2019_narrative():
    df = extract_narrative("004", _corpus_text("004_shanghai_szfbgt_2019.html"))
    got = dict(df.filter(pl.col("measure") != "proactive_items").select("measure", "count").rows())
    assert got == {"applications_received": 859.0, "applications_concluded": 805.0,
                   "applications_carried_forward": 72.0, "applications_granted_or_partial": 258.0,
                   "reconsiderations": 7.0, "lawsuits": 9.0}


@needs_shared
@pytest.mark.corpus
def test_pingtan_2021_narrative():
    df = extract_narrative("007", _corpus_text("007_pingtan_2021.txt"))
    got = dict(df.select("measure", "count").rows())
    assert got == {"proactive_items": 2645.0, "applications_received": 70.0, "applications_concluded": 69.0,
                   "applications_carried_forward": 1.0}


@needs_shared
@pytest.mark.corpus
def test_older_report_hotline_not_taken():
    df = extract_narrative("015", _corpus_text("015_pingtan_2018.txt"))
    assert 15042.0 not in df["count"].to_list()


@pytest.mark.parametrize(
    "text, received",
    [
        ("（二）依申请公开。本年度未收到政府信息公开申请。", 0.0),
        ("本年度没有收到任何政府信息公开申请，未发生行政复议和行政诉讼。", 0.0),
        ("全年未收到群众来信。", None),  # not about applications
    ],
)
def test_no_application_received_is_a_zero(text, received):
    from gxlib.narrative import narrative_records

    got = [r["count"] for r in narrative_records("r", text) if r["measure"] == "applications_received"]
    assert got == ([] if received is None else [received])


@pytest.mark.parametrize(
    "text, measure, count",
    [
        ("全年共收到政府信息公开申请三件，均已办结。", "applications_received", 3.0),
        ("全年办结政府信息公开申请十二件。", "applications_concluded", 12.0),
        ("发生政府信息公开行政复议两件。", "reconsiderations", 2.0),
        ("收到政府信息公开申请二十件。", "applications_received", 20.0),
    ],
)
def test_counts_written_in_chinese_numerals(text, measure, count):
    from gxlib.narrative import narrative_records

    assert [r["count"] for r in narrative_records("r", text) if r["measure"] == measure] == [count]
