"""gxlib.charts: theme, template-break rule, aggregated data only, frames behind the charts."""

from __future__ import annotations

import polars as pl
import pytest

from gxlib import charts as ch
from gxlib import metrics as m
from tests.test_metrics import corpus  # noqa: F401  (fixture)


def test_trend_has_template_break_and_small_data(corpus):  # noqa: F811
    out = m.applications_by_outcome(corpus, by=("year",))
    fig = ch.outcome_trend(out)
    spec = fig.chart.to_dict()
    assert ch.has_template_break(spec)
    assert ch.data_rows(spec) < ch.MAX_ROWS
    assert "模板变更 2021" in str(spec)
    assert spec["config"]["font"].startswith('"Noto Sans CJK SC"')
    assert fig.frame.equals(out.select(fig.frame.columns))
    assert spec["layer"][0]["encoding"]["y"]["title"] == "件数"
    # legend toggle selection
    params = spec.get("params", []) + spec["layer"][0].get("params", [])
    assert any(p.get("bind") == "legend" for p in params)


@pytest.mark.parametrize("builder", ["rate", "mix", "flow", "reviews", "profile"])
def test_every_year_trend_marks_the_break(corpus, builder):  # noqa: F811
    ri = m.report_indicators(corpus)
    fig = {
        "rate": lambda: ch.rate_trend(m.grant_rate(ri)),
        "mix": lambda: ch.applicant_mix_chart(m.applicant_mix(corpus)),
        "flow": lambda: ch.received_carried_chart(m.received_vs_carried(corpus)),
        "reviews": lambda: ch.reviews_chart(m.reviews_by_outcome(corpus)),
        "profile": lambda: ch.profile_chart(m.agency_profile(ri, "A"), "grant_rate"),
    }[builder]()
    assert ch.has_template_break(fig.chart)
    assert isinstance(fig.frame, pl.DataFrame) and fig.frame.height < ch.MAX_ROWS


def test_refuses_raw_rows():
    big = pl.DataFrame({"year": [2020] * ch.MAX_ROWS, "outcome": ["granted"] * ch.MAX_ROWS,
                        "outcome_zh": ["予以公开"] * ch.MAX_ROWS, "count": [1.0] * ch.MAX_ROWS,
                        "share": [0.0] * ch.MAX_ROWS, "n_reports": [1] * ch.MAX_ROWS})
    with pytest.raises(ValueError, match="aggregated"):
        ch.outcome_trend(big)


def test_ranking_chart_draws_only_ranked(corpus):  # noqa: F811
    rk = m.rankings(corpus, "grant_rate", year=2023)
    fig = ch.ranking_chart(rk)
    assert fig.frame["agency_key"].to_list() == ["B", "A"]
    assert "样本不足" in str(fig.chart.to_dict()["title"])


def test_no_break_on_non_trend(corpus):  # noqa: F811
    fig = ch.outcome_detail(m.applications_by_outcome(corpus, by=(), detail=True))
    assert not ch.has_template_break(fig.chart)


def test_static_png(corpus):  # noqa: F811
    data = ch.png(ch.rate_trend(m.grant_rate(corpus)))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
