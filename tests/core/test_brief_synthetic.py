"""The synthetic comparison in the brief and the technical report (issue 15 item 4).

Checked against the report's own typed section (brute force): the chart tables hold the pilot,
the synthetic comparison and their difference in every period, and the placebos' smallest and
largest gap; the weights table lists every comparison unit with a weight, largest first; the
sentence uses the brief's nouns; the charts draw the same numbers.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval import demo_small
from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.brief import synthetic as brief_synthetic
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.synthetic import PlaceboGaps
from pilot_eval.small_pilots import method_sentence

ROLES = PanelColumns(outcome="goals_met_pct", unit="team", time="month", treatment="pilot")
FIGURES = 3  # tables show three significant figures: half a unit of the third


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The small-pilot demo's outcomes, as the committed CSV reads."""
    return pd.read_csv(io.StringIO(demo_small.file_texts()["outcomes.csv"]))


@pytest.fixture(scope="module")
def outcome(frame):
    return outcome_report(run_analysis(DidRequest(columns=ROLES, placebo_reps=50), frame))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def shown(value: float) -> pytest.approx:
    """``value`` as a table cell may show it: within half a unit of its third figure."""
    half = 0.5 * 10 ** (math.floor(math.log10(abs(value))) - FIGURES + 1) if value else 0.0
    return pytest.approx(value, abs=half + 1e-9)


def test_method_bullet_in_the_briefs_nouns(outcome):
    assert outcome.synthetic is not None
    bullet = brief_synthetic.method_bullet(outcome, "services")
    assert bullet == f"{outcome.label}: " + method_sentence("sdid", units="services",
                                                            periods="months")
    assert "comparison services" in bullet and "teams" not in bullet


def test_path_chart_table_is_the_section(outcome):
    path_chart, gaps_chart = brief_synthetic.synthetic_charts(outcome, "teams")
    path = outcome.synthetic.path
    rows = path_chart.table.rows
    assert [r[0] for r in rows] == list(path.labels)
    for row, p, s in zip(rows, path.pilot, path.synthetic, strict=True):
        assert _number(row[1]) == shown(p)
        assert _number(row[2]) == shown(s)
        assert _number(row[3]) == shown(p - s)
    assert path.labels[path.start_index] in path_chart.alt_text
    assert path_chart.spec.others == (path.synthetic,)


def test_gaps_chart_table_holds_the_placebo_extremes(outcome):
    _, gaps_chart = brief_synthetic.synthetic_charts(outcome, "teams")
    gaps = outcome.synthetic.placebo_gaps
    assert isinstance(gaps, PlaceboGaps)
    for k, row in enumerate(gaps_chart.table.rows):
        values = [p.gaps[k] for p in gaps.placebos]
        assert _number(row[1]) == shown(gaps.pilot[k])
        assert _number(row[2]) == shown(min(values))
        assert _number(row[3]) == shown(max(values))
    assert f"ranks {gaps.rank} of {len(gaps.placebos) + 1}" in gaps_chart.alt_text


def test_annex_section_lists_every_weight_largest_first_and_the_checks(outcome):
    section = brief_synthetic.synthetic_annex(outcome, "teams")
    (weights,) = section.tables
    assert [r[0] for r in weights.rows] == [w.unit for w in outcome.synthetic.weights]
    shares = [float(r[1].rstrip("%")) for r in weights.rows]
    assert shares == sorted(shares, reverse=True)
    assert sum(shares) == pytest.approx(100.0, abs=0.05 * len(shares))
    assert len(section.bullets) == len(outcome.synthetic.checks) == 2
    assert section.bullets[0].startswith("Pre-period fit (")
    assert any("In-space placebos" in p for p in section.paragraphs)


def test_charts_draw_the_specs(outcome):
    path_chart, gaps_chart = brief_synthetic.synthetic_charts(outcome, "teams")
    fig = brief_synthetic.figure(path_chart.spec)
    assert list(fig.axes[0].lines[1].get_ydata()) == pytest.approx(outcome.synthetic.path.synthetic)
    fig = brief_synthetic.figure(gaps_chart.spec)
    assert len(fig.axes[0].lines) == len(outcome.synthetic.placebo_gaps.placebos) + 3


def test_other_headlines_give_nothing(frame):
    twfe = outcome_report(run_analysis(DidRequest(columns=ROLES, estimator="twfe"), frame))
    assert brief_synthetic.method_bullet(twfe) is None
    assert brief_synthetic.synthetic_charts(twfe) == ()
    assert brief_synthetic.synthetic_annex(twfe) is None


def test_cell_keeps_three_significant_figures():
    assert [brief_synthetic.cell(v) for v in (4.4, -0.000915, 12345.6, 9.996, 0.0)] == [
        "4.40", "-0.000915", "12,300", "10.0", "0"]


@pytest.fixture(scope="module")
def project_report(tmp_path_factory):
    from pilot_eval.demo_small import small_pilot_project
    from pilot_eval.report.run import run_project

    folder = tmp_path_factory.mktemp("small-project")
    return run_project(small_pilot_project(folder))


def test_rating_reads_the_synthetic_checks(project_report):
    """The synthetic headline is rated on report.synthetic.checks (pre-period fit, placebo
    rank), not on the DiD ladder; a weak check lowers it by one level."""
    import dataclasses

    from pilot_eval.report.evidence import SYNTHETIC_DESIGN, rate_evidence
    from pilot_eval.report.synthetic import SyntheticCheck

    (o,) = project_report.outcomes
    assert o.evidence == rate_evidence(o)
    assert o.evidence.design == SYNTHETIC_DESIGN and o.evidence.level == 3
    assert [c.rating for c in o.synthetic.checks] == ["good", "good"]
    weak_fit = dataclasses.replace(o.synthetic, checks=(
        SyntheticCheck("pre-period fit", "weak", "it missed"), o.synthetic.checks[1]))
    rated = rate_evidence(dataclasses.replace(o, synthetic=weak_fit))
    assert rated.level == 2 and "did not track the pilot well" in rated.reasons[0]


def test_technical_report_and_brief_carry_the_synthetic_comparison(project_report):
    from pilot_eval.brief import build_brief_content
    from pilot_eval.brief.technical import build_technical_content

    (o,) = project_report.outcomes
    technical = build_technical_content(project_report)
    headings = [s.heading for s in technical.sections]
    assert f"Synthetic comparison: {o.label}" in headings
    synthetic = brief_synthetic.synthetic_charts(o, "teams")
    assert technical.charts[-2:] == synthetic
    behind = next(s for s in technical.sections if s.heading == "Data behind the charts")
    assert {c.table for c in synthetic} <= set(behind.tables)
    brief = build_brief_content(project_report)
    method = next(s for s in brief.annex if s.heading == "How the effect was estimated")
    assert brief_synthetic.method_bullet(o, "teams") in method.paragraphs
    # the placebo draws are seeded: the QA log lists the seed
    from pilot_eval.analysis import DidOptions

    assert f"seed {DidOptions().seed}" in o.headline.se_description
    assert project_report.qa.seeds == (DidOptions().seed,)


def test_tables_workbook_has_the_synthetic_sheets(project_report):
    from pilot_eval.tables import report_tables

    (o,) = project_report.outcomes
    tables = report_tables(project_report)
    weights, path = tables["Synthetic weights"], tables["Synthetic path"]
    assert list(weights["comparison unit"]) == [w.unit for w in o.synthetic.weights]
    assert list(weights["weight"]) == [w.weight for w in o.synthetic.weights]
    assert list(path["period"]) == list(o.synthetic.path.labels)
    assert list(path["gap"]) == pytest.approx(
        [p - s for p, s in zip(o.synthetic.path.pilot, o.synthetic.path.synthetic, strict=True)])
    assert path["pilot_start"].sum() == 1
    first = [p.gaps[0] for p in o.synthetic.placebo_gaps.placebos]
    assert (path["placebo_gap_min"].iloc[0], path["placebo_gap_max"].iloc[0]) == (
        min(first), max(first))
