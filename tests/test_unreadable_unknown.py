"""A cell printed as something no reader can make a number of (「3-」) is unknown everywhere: in
the frames (``ambiguous``, ``settled = "unreadable"``), in the metrics (never a 0 in a sum), and in
the checks (an identity with an unreadable part is not checked, so no false 总计 error)."""

from __future__ import annotations

import types

import polars as pl
from test_real_shapes4 import T3_HEAD, _page, _row

from gxlib.metrics import cell_values
from gxlib.report import read_report


def _report(tmp_path):
    t3 = ("<p>三、收到和处理政府信息公开申请情况</p><table>" + T3_HEAD
          + _row("一、本年新收政府信息公开申请数量", ("3-", 0, 0, 0, 0, 0, 3)) + "</table>")
    path = tmp_path / "r.html"
    path.write_text(_page(t3), encoding="utf-8")
    return read_report(path)


def test_unreadable_cell_is_unknown_in_frames_and_metrics(tmp_path):
    rep = _report(tmp_path)
    cell = next(c for c in rep.rows["cells"] if c["row"] == "new_received" and c["col"] == "natural_person")
    assert cell["value"] is None and cell["settled"] == "unreadable" and cell["ambiguous"]
    corpus = types.SimpleNamespace(reports=rep.reports, cells=pl.DataFrame(rep.rows["cells"]))
    known = cell_values(corpus).filter(pl.col("row") == "new_received").collect()
    assert "natural_person" not in known["col"].to_list()  # left out, not 0
    kept = cell_values(corpus, keep_unknown=True).filter(
        (pl.col("row") == "new_received") & (pl.col("col") == "natural_person")).collect()
    assert kept["value"].to_list() == [None]
    assert known.filter(pl.col("col") == "total")["value"].to_list() == [3.0]


def test_identity_with_an_unreadable_part_is_not_checked(tmp_path):
    rules = {f["rule"] for f in _report(tmp_path).rows["findings"]}
    assert "extract.unreadable" in rules
    assert "table3.row_total" not in rules  # 3 = ? + 0 + … cannot be checked; it is not an error
