"""gx fetch's small recognisers, on inputs written the way Chinese government CMSs print them."""

from __future__ import annotations

import json

import pytest

from gxlib.fetch import lists, titles
from gxlib.fetch.manifest import local_path

REPORTS = [
    ("平潭综合实验区2020年政府信息公开工作年度报告", 2020),
    ("成都市锦江区财政局2019年度政府信息公开工作年度报告", 2019),
    ("XX市人民政府办公室2021年政府信息公开年度报告", 2021),
    ("XX县2022年政务公开工作年度报告", 2022),
    ("XX区卫生健康局关于2020年政府信息公开工作情况的报告", 2020),
    ("关于报送2021年政府信息公开工作年度报告的函", 2021),
    ("XX镇二〇二三年政府信息公开工作年度报告", 2023),
    ("政府信息公开工作年度报告", None),
]
NOT_REPORTS = [
    "关于做好2020年政府信息公开工作年度报告编制发布工作的通知",
    "关于做好政府信息公开工作年度报告发布工作的通知",
    "关于印发2021年政务公开工作要点的通知",
    "2020年政府信息公开工作年度报告解读",
    "图解：2021年政府信息公开工作年度报告",
    "区政府召开常务会议",
    "2020年度法治政府建设年度报告",
]


@pytest.mark.parametrize("title,year", REPORTS)
def test_report_titles_and_year(title, year):
    t = titles.classify(title)
    assert t.is_report, (title, t)
    assert t.year == year


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_not_report_titles(title):
    assert not titles.classify(title).is_report, title


def test_bare_annual_report_only_inside_a_report_column():
    assert titles.classify("2020年度报告", column="政府信息公开年报").is_report
    assert not titles.classify("2020年度报告", column="通知公告").is_report
    assert not titles.classify("年度报告", column="政府信息公开年报").is_report  # no year: not enough


def test_create_page_html_both_forms():
    base = "http://x.gov.cn/xxgk/ndbg/index.html"
    p = lists.parse_list(base, '<html><body><script>createPageHTML(3, 0, "index", "html");</script></body></html>')
    assert p.pages == [base, "http://x.gov.cn/xxgk/ndbg/index_1.html", "http://x.gov.cn/xxgk/ndbg/index_2.html"]
    assert "static" in p.shapes
    p = lists.parse_list(base, "<script>createPageHTML('page_div',2, 1,'index','shtml',30);</script>")
    assert p.pages == ["http://x.gov.cn/xxgk/ndbg/index.shtml", "http://x.gov.cn/xxgk/ndbg/index_1.shtml"]


def test_entries_with_dates_beside_the_link():
    html = """<ul><li><a href="./202101/t20210120_1.html" title="某局2020年政府信息公开工作年度报告">某局2020年政府…</a>
    <span>2021-01-20</span></li><li><a href="/a.pdf">某局2019年政府信息公开工作年度报告</a>（2020年1月31日）</li>
    <li><a href="javascript:void(0)">返回顶部链接</a></li></ul>"""
    p = lists.parse_list("http://x.gov.cn/col/index.html", html)
    assert [(e.url, e.title, e.date) for e in p.entries] == [
        ("http://x.gov.cn/col/202101/t20210120_1.html", "某局2020年政府信息公开工作年度报告", "2021-01-20"),
        ("http://x.gov.cn/a.pdf", "某局2019年政府信息公开工作年度报告", "2020-01-31"),
    ]


def test_datastore_records_and_page_parameter():
    html = """<div id="d"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&columnid=5"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="/art/2021/1/2/art_5_1.html" title="某县2020年政府信息公开工作年度报告">x</a><span>2021-01-02</span></li>]]></record>
    </recordset></datastore></script></div><script>$('#d').jpage({totalRecord:31, perPage:15, proxyUrl:'dataproxy.jsp'});</script>"""
    p = lists.parse_list("http://x.gov.cn/col/col5/index.html", html)
    assert p.shapes[0] == "datastore"
    assert [(e.url, e.date) for e in p.entries] == [("http://x.gov.cn/art/2021/1/2/art_5_1.html", "2021-01-02")]
    assert p.pages == [f"http://x.gov.cn/module/web/jpage/dataproxy.jsp?page={i}&appid=1&columnid=5" for i in (1, 2, 3)]


def test_next_and_last_links():
    html = '<a href="list_2.shtml">下一页</a> <a href="list_9.shtml">尾页</a> <a href="javascript:;">上一页</a>'
    p = lists.parse_list("http://x.gov.cn/ndbg/list_1.shtml", html)
    assert p.pages == ["http://x.gov.cn/ndbg/list_2.shtml", "http://x.gov.cn/ndbg/list_9.shtml"]


def test_json_endpoint_discovered_and_paged():
    html = '<script>$.ajax({url: "/api/list?channelId=7&pageNo=1&pageSize=10", success: f});</script><script src="/js/a.js"></script>'
    p = lists.parse_list("http://x.gov.cn/ndbg/index.html", html)
    assert p.json_endpoints == ["http://x.gov.cn/api/list?channelId=7&pageNo=1&pageSize=10"]
    body = json.dumps({"data": {"total": 25, "pageSize": 10, "list": [
        {"title": "<em>某局</em>2020年政府信息公开工作年度报告", "url": "/art/1.html", "pubDate": "2021-01-20 10:00:00"}]}})
    j = lists.parse_json(p.json_endpoints[0], body.encode())
    assert [(e.url, e.title, e.date) for e in j.entries] == [
        ("http://x.gov.cn/art/1.html", "某局2020年政府信息公开工作年度报告", "2021-01-20")]
    assert j.pages == [f"http://x.gov.cn/api/list?channelId=7&pageNo={i}&pageSize=10" for i in (1, 2, 3)]
    assert lists.parse_json("http://x/api", b'{"code": 0, "msg": "ok"}') is None


@pytest.mark.parametrize("text,iso", [("2021-01-20", "2021-01-20"), ("发布时间：2021年1月5日", "2021-01-05"),
                                      ("2021/1/5 10:00", "2021-01-05"), ("2021-13-40", None), ("无", None)])
def test_iso_date(text, iso):
    assert lists.iso_date(text) == iso


def test_local_paths():
    assert local_path("http://x.gov.cn:8080/a/b/") == "files/x.gov.cn_8080/a/b/index.html"
    assert local_path("http://x.gov.cn/a/r.pdf", version=2) == "files/x.gov.cn/a/r.v2.pdf"
    assert local_path("http://x.gov.cn/down.jsp?id=3&f=r.pdf") == "files/x.gov.cn/down_id_3_f_r_pdf.jsp"
    assert local_path("http://x.gov.cn/../../etc/passwd") == "files/x.gov.cn/etc/passwd"


def test_page_text_decoding():
    from gxlib.fetch.client import Result
    from gxlib.fetch.crawl import _decode

    title = "某局2020年政府信息公开工作年度报告"
    undeclared = Result("u", "u", 200, [("Content-Type", "text/html")], f"<p>{title}</p>".encode("gbk"))
    declared = Result("u", "u", 200, [], f'<meta charset="gb2312"><p>{title}</p>'.encode("gbk"))
    utf8 = Result("u", "u", 200, [("Content-Type", "text/html; charset=utf-8")], f"<p>{title}</p>".encode())
    assert all(title in _decode(r) for r in (undeclared, declared, utf8))
