"""HTML pages as sites publish them: a full page with site chrome (navigation, scripts,
nested layout tables around the report) or a bare fragment; tables with the colspan /
rowspan merges of Word exports, ``&nbsp;`` in blank cells, ``<br>`` inside two-line header
labels; some pages GBK-encoded, with the charset declared in a meta tag or not at all.
"""

from __future__ import annotations

from html import escape

from .layout import GCell, Report, grid

NAV = ("首页", "机构概况", "政务公开", "政务服务", "互动交流", "专题专栏")
SIDE = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开")


def _td(cell: GCell, style: dict) -> str:
    attrs = ""
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if style.get("html_inline"):
        attrs += f' nowrap="nowrap" style="width:{38 * cell.colspan + (160 if cell.kind == "label" else 0)}px;"'
    text = cell.text
    if not text:
        inner = "&nbsp;"
    else:
        inner = escape(text, quote=False)
        if cell.kind == "head" and style.get("html_br") and len(text) >= 6 and text.startswith("本年"):
            cut = 3 if text.startswith("本年新") else 2
            inner = escape(text[:cut], quote=False) + "<br />" + escape(text[cut:], quote=False)
    if style.get("html_p") and text:
        align = "" if cell.kind == "label" else ' align="center"'
        inner = f"<p{align}>{inner}</p>"
    elif style.get("html_p") and style.get("html_p_blank"):
        inner = f'<p align="center">{inner}</p>'
    return f"<td{attrs}>{inner}</td>"


def render_table(report: Report, table: str) -> str:
    style = report.style
    g = grid(report, table)
    if style.get("html_inline"):
        head = '<table align="center" border="1" cellspacing="1"><tbody>'
    else:
        head = '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">'
    rows = "".join("<tr>" + "".join(_td(c, style) for c in row) + "</tr>" for row in g.rows)
    return head + rows + ("</tbody></table>" if style.get("html_inline") else "</table>")


def _body(report: Report) -> str:
    out = []
    for kind, payload in report.blocks:
        text = escape(str(payload), quote=False)
        if kind == "title":
            out.append(f"<p style='text-align: center;font-weight: bold;'>{text}</p>")
            if report.style.get("html_date_line"):
                out.append(f"<p style='text-align: center'>发布日期：{report.published.isoformat()}</p>")
        elif kind == "h":
            out.append(f"<p><strong>{text}</strong></p>" if report.style.get("html_strong") else f"<p>{text}</p>")
        elif kind == "p":
            out.append(f'<p style="text-indent:2em;">{text}</p>')
        elif kind == "sign":
            out.append(f'<p style="text-align:right;">{text}</p>')
        elif kind == "table":
            out.append(render_table(report, str(payload)))
    return "\n".join(out)


def _page(report: Report, body: str, meta: str) -> str:
    a = report.agency
    site = f"{a.city or a.province}人民政府" if a.type == "部门" else a.name
    nav = "".join(f'<li><a href="/{i}/index.html">{n}</a></li>' for i, n in enumerate(NAV))
    side = "".join(f'<li><a href="/xxgk/{i}/">{n}</a></li>' for i, n in enumerate(SIDE))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{meta}<title>{escape(report.title)}_{escape(site)}</title>
<meta name="SiteName" content="{escape(site)}" />
<meta name="ArticleTitle" content="{escape(report.title)}" />
<meta name="PubDate" content="{report.published.isoformat()} 09:30" />
<link rel="stylesheet" type="text/css" href="/css/style.css" />
<script type="text/javascript" src="/js/jquery.min.js"></script>
<script type="text/javascript">var _hmt = _hmt || []; function fontZoom(n){{document.getElementById("zoom").style.fontSize = n + "px";}}</script>
</head>
<body>
<div class="header"><div class="logo"><img src="/images/logo.png" alt="{escape(site)}" /></div>
<ul class="nav">{nav}</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a> &gt; 政府信息公开年报</div>
<table width="1000" border="0" cellspacing="0" cellpadding="0" align="center"><tr>
<td width="220" valign="top"><div class="left"><h3>政府信息公开</h3><ul>{side}</ul></div></td>
<td valign="top"><table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td class="title" align="center">{escape(report.title)}</td></tr>
<tr><td class="info" align="center">发布时间：{report.published.isoformat()}　来源：{escape(a.name)}　字号：[<a href="javascript:fontZoom(16)">大</a> <a href="javascript:fontZoom(14)">中</a> <a href="javascript:fontZoom(12)">小</a>]</td></tr>
<tr><td><div id="zoom" class="article">
{body}
</div></td></tr>
<tr><td class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></td></tr>
</table></td></tr></table>
<div class="footer"><p>主办：{escape(site)}办公室　网站标识码：{5100000000 + report.year}</p><p>技术支持：政府网站集约化平台</p></div>
<script type="text/javascript">document.write(unescape("%3Cspan id='cnzz_stat_icon'%3E%3C/span%3E"));</script>
</body>
</html>
"""


def render(report: Report) -> bytes:
    style = report.style
    enc = style.get("encoding", "utf-8")
    body = _body(report)
    if style.get("html_page") == "full":
        if enc == "utf-8":
            meta = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        elif enc == "gbk-declared":
            meta = f'<meta http-equiv="Content-Type" content="text/html; charset={style.get("charset_label", "gbk")}" />\n'
        else:
            meta = ""
        text = _page(report, body, meta)
    else:
        text = body + "\n"
        if enc == "gbk-declared":
            text = f'<meta charset="{style.get("charset_label", "gbk")}">\n' + text
    return text.encode("gbk" if enc.startswith("gbk") else "utf-8")
