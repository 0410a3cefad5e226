"""The pipe-text dump, with the conventions of the seed report (guangyuan_czj_2020.txt).

Each table cell is printed on its own line followed by `` |``; a blank cell is a bare
``|``.  Between two rows of a table comes one line of span fillers: one ``|`` for every grid
slot of the row that no cell of the row starts in (covered by a colspan, or by a rowspan
from a row above); no line when there is none, and none after a table's last row.  Most
dumps fold full-width punctuation to half-width (``（一）`` → ``(一)``), print the group
labels of 表三 with a space where Word wrapped them (``(三)不予 公开``) and truncate the
two-line header cells of the 2019 表二 (``本年新``).
"""

from __future__ import annotations

from .layout import Report, grid

HALFWIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})
FOOTERS = (
    "单位地址:{addr} 联系电话:{tel}",
    "政府网站标识码{code} ICP备案号{icp}",
)


def render_table(report: Report, table: str, lines: list[str]) -> None:
    g = grid(report, table)
    style = report.style
    for i, row in enumerate(g.rows):
        for cell in row:
            text = cell.text
            if cell.kind == "group" and style.get("group_space") and text.startswith("（") and len(text) == 7:
                text = text[:5] + " " + text[5:]
            if cell.kind == "head" and style.get("trunc_head") and text.startswith("本年新"):
                text = "本年新"
            lines.append(f"{text} |" if text else "|")
        fillers = g.width - len(row)
        if i < len(g.rows) - 1 and fillers > 0:
            lines.append("|" * fillers)


def render(report: Report) -> bytes:
    style = report.style
    lines: list[str] = []
    for kind, payload in report.blocks:
        if kind == "title" and style.get("title_split"):
            text = str(payload)
            cut = text.index("工作年度报告")
            lines.extend((text[:cut], text[cut:]))
        elif kind == "table":
            render_table(report, str(payload), lines)
        else:
            lines.append(str(payload))
    if style.get("footer"):
        lines.append(FOOTERS[0].format(addr=f"{report.agency.city or report.agency.province}人民路{10 + report.year % 90}号",
                                       tel=f"0{800 + len(report.agency.name)}-{report.year}{len(report.agency.key):03d}"))
        lines.append(FOOTERS[1].format(code=f"{5100000000 + len(report.agency.key) * 1000 + report.year % 100}",
                                       icp=f"{report.agency.province[:1]}ICP备{19000000 + len(report.agency.name)}号"))
    text = "\n".join(lines) + "\n"
    if style.get("halfwidth"):
        text = text.translate(HALFWIDTH)
    return text.encode("utf-8")
