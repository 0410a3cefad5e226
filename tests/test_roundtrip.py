"""Generate → parse → equal to the ground truth; with faults injected, the checks find exactly
the injected faults (and nothing on the consistent reports)."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gxlib
from gxlib.corpus import build_corpus, load_corpus
from gxlib.demo import generate

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "demo" / "reports"
CORPUS_RULES = ("cross_year.",)  # need the previous year: checked over a corpus, not one report


def _compare(report_path: Path) -> list[str]:
    """What differs between the parse of one generated report and its truth file."""
    truth = json.loads(Path(f"{report_path}.truth.json").read_text(encoding="utf-8"))
    rep = gxlib.read_report(report_path)
    out = rep.to_contract()
    diffs = [f"{k}: {out[k]!r} != {truth[k]!r}" for k in ("format", "agency", "year", "template", "published") if out[k] != truth[k]]
    mine = {(c["table"], c["row"], c["col"]): c for c in out["cells"]}
    want = {(c["table"], c["row"], c["col"]): c for c in truth["cells"]}
    if set(mine) != set(want):
        diffs.append(f"cells missing {sorted(set(want) - set(mine))[:3]} extra {sorted(set(mine) - set(want))[:3]}")
    for k in set(mine) & set(want):
        a, b = mine[k]["value"], want[k]["value"]
        if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9):
            diffs.append(f"{k}: {a!r} != {b!r} (raw {mine[k]['raw']!r})")
    found = Counter(f["rule"] for f in out["findings"] if f["severity"] in ("error", "warning"))
    injected = Counter(f["rule"] for f in truth["faults"] if f["rule"] and not f["rule"].startswith(CORPUS_RULES))
    if set(found) != set(injected):
        diffs.append(f"findings {sorted(found)} != injected faults {sorted(injected)}")
    return diffs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    formats=st.sets(st.sampled_from(["html", "text", "pdf", "docx"]), min_size=1),
    first=st.integers(2019, 2024),
    n_years=st.integers(1, 3),
    fault_rate=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_generated_reports_parse_to_their_truth(seed, formats, first, n_years, fault_rate):
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, agencies=2, years=(first, min(first + n_years - 1, 2025)), formats=tuple(sorted(formats)),
                 seed=seed, fault_rate=fault_rate)
        reports = [p for p in sorted(Path(tmp, "reports").iterdir()) if not p.name.endswith(".truth.json")]
        assume(reports)  # every agency may skip a year: nothing to compare then
        problems = {p.name: d for p in reports if (d := _compare(p))}
        assert not problems


@pytest.mark.slow
def test_bundled_demo_reports_parse_exactly():
    reports = [p for p in sorted(BUNDLED.iterdir()) if not p.name.endswith(".truth.json")]
    assert len(reports) >= 300 and {p.suffix for p in reports} == {".html", ".txt", ".pdf", ".docx"}
    problems = {p.name: d for p in reports if (d := _compare(p))}
    assert not problems, f"{len(problems)} of {len(reports)} differ, e.g. {list(problems.items())[:3]}"


def test_cross_year_faults_found_over_a_corpus(tmp_path):
    generate(tmp_path / "gen", agencies=6, years=(2019, 2023), formats=("html", "text"), seed=5, fault_rate=0.6)
    build_corpus([tmp_path / "gen" / "reports"], tmp_path / "corpus", workers=0, progress=False)
    corpus = load_corpus(tmp_path / "corpus")
    src = corpus.reports.select("report_id", "source").collect()
    by_id = dict(src.iter_rows())
    found = {
        (Path(by_id[f["report_id"]]).name, f["col"])
        for f in corpus.findings.filter(pl.col("rule") == "cross_year.carry_over").collect().iter_rows(named=True)
    }
    injected = set()
    for truth in (tmp_path / "gen" / "reports").glob("*.truth.json"):
        for f in json.loads(truth.read_text(encoding="utf-8"))["faults"]:
            if f["rule"] == "cross_year.carry_over":
                injected.add((truth.name.removesuffix(".truth.json"), f["col"]))
    assert injected, "the seed should inject carry-over breaks"
    assert found == injected
