"""The complete brief (issue 5) on a constructed results document: DiD outcomes with event
study and diagnostics, staff retention, QA; pages 1-2 the brief, the annex from page 3.

References: expected wording is written out by hand from the rules in ``evidence.py``,
``retention.py`` and ``wording.py``; disclosure figures are worked by hand from the ONS 10-5
rule (REFERENCES.md) and cross-checked by a brute-force attacker (``recoverable_cells``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from pilot_eval.estimators import Unavailable

from pilot_eval.brief import BriefOptions, brief_html, build_brief_content, render_html, render_pdf
from pilot_eval.report.build_retention import km_groups, pilot_effect, rmst_report
from pilot_eval.report.outcome import (
    Aggregation,
    AggregationRow,
    Bacon,
    BaconComparison,
    CheckEstimate,
    CrossCheck,
    EventStudy,
    EventTimeRow,
    Finding,
    LeaveOneOut,
    LeaveOneOutRow,
    Placebo,
    PreTrendChoice,
    PreTrendTest,
    Sensitivity,
    Staggered,
)
from pilot_eval.report.project_report import QaLog
from pilot_eval.report.retention_report import (
    Cox,
    CoxTerm,
    LeavingDid,
    Rates,
    RetentionReport,
    Table,
)

_spec = importlib.util.spec_from_file_location("brief_base", Path(__file__).with_name(
    "test_brief.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)
from report_factory import outcome, project  # noqa: E402

POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
OUTCOME_NAMES = ("goals_met", "cost", "repeat", "engagement")


def km_curve(n: int, monthly_leaving: float) -> list[dict]:
    """A hand-made step curve: survival falls by a fixed share each month for 36 months."""
    curve, survival, at_risk = [], 1.0, n
    for month in range(1, 37):
        survival *= 1 - monthly_leaving
        curve.append({"time": float(month), "survival": survival, "ci_low": survival - 0.05,
                      "ci_high": min(survival + 0.05, 1.0), "at_risk": at_risk})
        at_risk = max(int(round(n * survival)) - month, 0)
    return curve


def km_results() -> dict:
    """Kaplan-Meier summaries as the estimator writes them (``KaplanMeierResult.to_dict()``)."""
    return {
        "Pilot teams": {"n": 180, "events": 47, "median": None, "ci_transform": "log-log",
                        "curve": km_curve(180, 0.010), "retention_at": {"12": {
                            "time": 12, "survival": 0.8864, "ci_low": 0.83, "ci_high": 0.93}}},
        "Comparison teams": {"n": 420, "events": 168, "median": 30.5, "ci_transform": "log-log",
                             "curve": km_curve(420, 0.018),
                             "retention_at": {"12": {"time": 12, "survival": 0.8044,
                                                     "ci_low": 0.76, "ci_high": 0.84}}},
    }


def retention_results(**changes) -> RetentionReport:
    cox = Cox(ties="efron", se_type="clustered by team", terms=(
        CoxTerm(name="pilot:post", coef=-0.3285, se=0.12, hazard_ratio=0.72, ci_low=0.569,
                ci_high=0.911, p_value=0.006),), n_obs=600, n_events=215, n_clusters=48,
        level=0.95)
    rmst = rmst_report({"tau": 24.0, "level": 0.95,
                        "by_group": {"Pilot teams": {"estimate": 21.9, "se": 0.3},
                                     "Comparison teams": {"estimate": 20.6, "se": 0.2}},
                        "difference": {"group": "Pilot teams", "reference": "Comparison teams",
                                       "estimate": 1.3, "se": 0.36, "ci_low": 0.59,
                                       "ci_high": 2.01, "p_value": 0.0003},
                        "variance": "Greenwood-type plug-in (R survRM2)"})
    rates = Rates(
        period="year",
        definitions=(("leaver_rate", "leavers in the year / average staff in post "
                                     "(NHS definition)"),),
        by_arm=Table(columns=("arm", "period", "staff_in_post", "leavers", "leaver_rate"),
                     rows=(("pilot", "2025", 180, 23, 0.1278),
                           ("comparison", "2025", 420, 81, 0.1929),
                           ("pilot (small wave)", "2025", 18, 4, 0.2222))),
        by_team=Table(columns=(), rows=()), means=())
    leaving = LeavingDid(rate_ratio=0.66, ci_low=0.48, ci_high=0.91, p_value=0.011,
                         estimate=-0.4155, se=0.166, level=0.95,
                         se_description="clustered by team", model="leavers ~ pilot_post",
                         n_obs=470, n_units=47, n_clusters=47, leavers=7.0,
                         person_time=1210.5)
    report = RetentionReport(
        time_unit="months", ci_transform="log-log", level=0.95, groups=km_groups(km_results()),
        logrank=None, cox=cox, pilot_effect=pilot_effect(cox), rmst=rmst, rates=rates,
        leaving=leaving)
    return dataclasses.replace(report, **changes)


def event_time_rows() -> tuple[EventTimeRow, ...]:
    rows = []
    for e in range(-6, 9):
        if e == -1:  # the reference period, as the event-study estimator writes it
            missing = Unavailable("the reference period (normalised to zero)")
            rows.append(EventTimeRow(e=-1, label="1 month before", estimate=missing,
                                     se=missing, ci_low=missing, ci_high=missing,
                                     is_reference=True))
            continue
        effect = 0.0 if e < 0 else 4.0
        rows.append(EventTimeRow(e=e, label=str(e), estimate=effect + 0.3 * (-1) ** e, se=1.0,
                                 ci_low=effect - 1.9, ci_high=effect + 2.1))
    return tuple(rows)


def pretest(p_value: float, statistic: float = 4.2) -> PreTrendChoice:
    test = PreTrendTest(source="estimator", statistic=statistic, df=5.0, p_value=p_value,
                        reliable=True, note="joint test that the 5 pre-period effects are zero, "
                                            "48 clusters")
    return PreTrendChoice(used=test, why="the estimator's own pre-test", tests=(test,))


def first_outcome(**changes):
    estimate = lambda value: CheckEstimate(estimate=value, ci_low=2.0, ci_high=6.0,  # noqa: E731
                                           p_value=0.001, n_obs=1300)
    sensitivity = Sensitivity(parameter="the average post-period effect", window=(-5, 4),
                              breakdown_mbar=1.5, breakdown_m=Unavailable("not reported"),
                              relative_magnitude=(), smoothness=())
    fields = dict(
        event_study=EventStudy(source="event study", rows=event_time_rows(), reference=-1),
        pretest=pretest(0.52),
        leave_one_out=LeaveOneOut(full=estimate(4.137), rows=tuple(
            LeaveOneOutRow(unit=f"Team {i}", result=estimate(4.1 + 0.1 * i))
            for i in range(1, 4)), hinge_units=(), note=""),
        sensitivity=sensitivity,
        placebo=Placebo(result=CheckEstimate(estimate=0.21, ci_low=-1.4, ci_high=1.8,
                                             p_value=0.8, n_obs=500),
                        fake_start=7, fake_start_label="2024-07", shift=6, passed=True,
                        note=""),
        bacon=Bacon(twfe_estimate=4.12, by_type=(), n_units=48, comparisons=(
            BaconComparison(treated="2025-01", comparison="never", type="treated vs never",
                            weight=0.8, estimate=4.2),
            BaconComparison(treated="2025-07", comparison="2025-01", type="later vs earlier",
                            weight=0.2, estimate=3.8))),
        cross_check=CrossCheck(reference="linearmodels", max_abs_difference=3e-12))
    fields.update(changes)
    return outcome(**fields)


def full_results(*, first=None, retention=None, **options) -> object:
    outcomes = [first or first_outcome(),
                outcome(outcome="cost", label="Cost per case", unit="GBP",
                        polarity="lower_is_better", estimate=-123.4, ci=(-310.2, 70.1)),
                outcome(outcome="repeat", label="Repeat referrals within 12 months",
                        polarity="lower_is_better", estimate=-1.31, ci=(-2.1, -0.51)),
                outcome(outcome="engagement", label="Staff engagement index",
                        unit="points", estimate=3.6, ci=(3.02, 4.1))]
    report = project(outcomes, retention=retention or retention_results(), **options)
    return dataclasses.replace(report, qa=QaLog(
        run_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC), clock="system",
        pilot_eval_version="0.1.0", software=(("Python", "3.11"), ("pilot-eval", "0.1.0")),
        seeds=(20261127,)))


OPTIONS = BriefOptions(organisation=base.WELSH_TEAM, author="Analyst Ŵ",
                       issue="Should budget autonomy extend to every children's team?",
                       recommendation="Extend to two more areas and keep evaluating.",
                       decision="for decision", date="2026-11-27", analyst="Analyst Ŵ",
                       cost="£40,000 a year for 16 teams")


@pytest.fixture(scope="module")
def full():
    return build_brief_content(full_results(), OPTIONS)


@pytest.fixture(scope="module")
def technical():
    from pilot_eval.brief.technical import build_technical_content

    return build_technical_content(full_results(), OPTIONS)


def tables_of(technical) -> dict:
    return {t.caption: t for s in technical.sections for t in s.tables}


@pytest.fixture(scope="module")
def full_pdf(tmp_path_factory, full) -> Path:
    return render_pdf(full, tmp_path_factory.mktemp("full") / "brief.pdf")


def page_text(path: Path, first: int, last: int | None = None) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(first), "-l",
                          str(last or first), str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


# ---------------------------------------------------------------- content


def test_summary_box_title_and_headline_choice(full):
    # four outcomes: every one is headlined by default (at most MAX_HEADLINE_OUTCOMES)
    assert full.title == ("Pilot teams did better on 3 of 4 outcomes, no clear change on 1; "
                          "staff stayed longer")
    assert full.summary.decision == "For decision"
    assert full.summary.recommendation == "Extend to two more areas and keep evaluating."
    assert [r.outcome for r in full.outcomes] == list(OUTCOME_NAMES)  # default: all (<= 4)
    assert full.headlines[3].startswith("Staff engagement index: about 3.6 points higher")
    assert not any(s.heading == "Other outcomes" for s in full.annex)


def test_outcomes_beyond_the_headline_are_in_the_annex():
    built = build_brief_content(full_results(), BriefOptions(
        headline_outcomes=("goals_met", "repeat"), date="2026-11-27"))
    other = next(s for s in built.annex if s.heading == "Other outcomes")
    assert other.paragraphs[1].startswith("Staff engagement index: about 3.6 points higher")
    from pilot_eval.brief.technical import build_technical_content

    technical = build_technical_content(full_results(), BriefOptions(
        headline_outcomes=("goals_met", "repeat"), date="2026-11-27"))
    estimates = tables_of(technical)["Headline estimate of every outcome"]
    assert len(estimates.rows) == len(OUTCOME_NAMES)


def test_chosen_headlines_and_placeholders():
    options = BriefOptions(headline_outcomes=("engagement",), date="2026-11-27")
    built = build_brief_content(full_results(), options)
    assert [r.outcome for r in built.outcomes] == ["engagement"]
    assert built.summary.recommendation.startswith("No recommendation has been written yet")
    assert built.summary.decision == "For noting"
    with pytest.raises(ValueError, match="not in the results"):
        build_brief_content(full_results(), BriefOptions(headline_outcomes=("nope",)))


def test_cost_line_uses_analyst_cost_and_cost_outcomes(full):
    # the cost outcome in words, not "-£120 (no clear change)"
    assert full.cost == ("Running the pilot cost £40,000 a year for 16 teams. Cost per case: no "
                         "clear change (about £120 lower; 95% range £310 lower to £70 higher).")
    no_cost = build_brief_content(full_results(), BriefOptions(
        headline_outcomes=("goals_met",), date="2026-11-27"))
    assert no_cost.cost == "No cost data were given for this brief."


def test_retention_headline_sentences(full):
    # hand-worked: 0.8864 -> 89%, 0.8044 -> 80% (bases 180 and 420 >= 25); HR 0.72 -> 28% less
    assert full.retention.sentences == (
        "Staff still in post 12 months after starting: 89% in pilot teams, against 80% in "
        "comparison teams.",
        "After the pilot started, staff in pilot teams were about 28% less likely to leave at "
        "any given time than the change in comparison teams suggests (hazard ratio 0.72; 95% "
        "range 0.57 to 0.91).",  # ratios with 2 decimals
        "Over the first 24 months, staff in pilot teams stayed on average about 1.3 months "
        "longer (95% range 0.59 to 2 months longer).",
        # rate ratio 0.66 -> 34% lower
        "After the pilot started, the leaving rate in pilot teams was about 34% lower than "
        "the comparison teams' trend suggests (rate ratio 0.66; 95% range 0.48 to 0.91).",
    )


def test_retention_table_applies_disclosure_control(full):
    # hand-worked: pilot 180 staff, 47 left, 133 stayed; comparison 420, 168, 252;
    # all counts >= 10, so nothing is hidden and each is rounded to the nearest 5.
    assert full.retention.table.rows == (
        ("Pilot teams", "180", "45", "135", "89%", "not reached"),
        ("Comparison teams", "420", "170", "250", "80%", "30.5 months"),
        ("All staff", "600", "215", "385", "", ""),
    )


def test_small_arm_is_suppressed_with_secondary_suppression():
    km = km_results()
    km["Pilot teams"].update(n=20, events=6)  # 6 leavers < 10; base 20 < 25
    document = full_results(retention=retention_results(groups=km_groups(km)))
    built = build_brief_content(document, OPTIONS)
    pilot, comparison, total = built.retention.table.rows
    assert pilot[2] == "[c]" and pilot[4] == "[c]"  # primary, and the rate on a small base
    assert "[c]" in comparison[1:4]  # secondary: the column total would give 6 away
    assert built.retention.sentences[0].endswith(
        "not shown in pilot teams (fewer than 25 staff), against 80% in comparison teams.")
    assert built.caveats[1] == ("Few staff: fewer than 25 staff in pilot teams, so retention "
                                "figures there are hidden or uncertain.")


def test_evidence_is_moderate_with_no_reason_to_lower(full):
    rating = full.outcomes[0].evidence
    assert (rating.level, rating.word, rating.bar) == (3, "Moderate", "■■■□□")
    assert rating.reasons == ()


def test_failed_pretest_lowers_evidence_and_becomes_a_caveat():
    document = full_results(first=first_outcome(pretest=pretest(0.0104, 15.0)))
    built = build_brief_content(document, OPTIONS)
    rating = built.outcomes[0].evidence
    assert rating.level == 2 and rating.word == "Low"
    assert rating.reasons[0] == ("Pilot and comparison teams were already moving differently "
                                 "before the pilot (pre-trend test p = 0.01).")
    assert built.caveats[1].startswith("Pilot and comparison teams were already moving apart")


def test_charts_on_page_two_and_in_the_annex(full):
    kinds = [c.spec.kind for c in full.charts]
    assert kinds == ["group_means", "retention", "event_time"]
    assert full.charts[1].title == "Staff stayed longer in pilot teams than in comparison teams"
    assert ("Staff still in post 12 months after starting: 89% in pilot teams"
            in full.charts[1].alt_text)
    assert full.charts[2].title == ("The gap in cases closed with goals met opened after the "
                                    "pilot started, not before")
    assert len(full.annex_charts) == 3  # the other outcomes' pilot-vs-comparison charts
    for chart in (*full.charts, *full.annex_charts):
        assert chart.alt_text and chart.table.rows and chart.key


def test_annex_sections_in_order(full, technical):
    assert [s.heading for s in full.annex] == [
        "How the effect was estimated", "Data used and what was left out",
        "Why the evidence has its rating", "Quality assurance", "Glossary", "The full tables"]
    assert [s.heading for s in technical.sections] == [
        "Design and assumptions", "Data sources", "Estimators and conventions",
        "How this was estimated", "Full results",
        "Diagnostics and robustness", "Data behind the charts", "Notes on the data",
        "Disclosure control", "Glossary", "Quality-assurance log"]
    qa = technical.sections[-1]
    checks = dict(qa.tables[0].rows)
    assert checks["Independent re-estimate: Cases closed with goals met (linearmodels)"] == (
        "agrees: largest absolute difference 3.00e-12")
    assert checks["Data validation: Cost per case"] == "passed with no findings"
    assert qa.tables[1].rows == (("Python", "3.11"), ("pilot-eval", "0.1.0"))
    assert "Random seeds: 20261127." in qa.bullets
    data = next(s for s in technical.sections if s.heading == "Data sources").tables[0]
    assert data.rows[0] == ("demo.csv", "1,440", "1,400 (Cases closed with goals met); 1,400 "
                            "(Cost per case); 1,400 (Repeat referrals within 12 months); 1,400 "
                            "(Staff engagement index)", "ab" * 32)
    brief_qa = next(s for s in full.annex if s.heading == "Quality assurance")
    assert "Random seeds: 20261127." in brief_qa.bullets
    assert ("Cases closed with goals met: data checks passed with no findings; independent "
            "re-estimate: agrees: largest absolute difference 3.00e-12.") in brief_qa.bullets


def test_options_round_trip_through_json():
    import json

    again = BriefOptions.from_dict(json.loads(json.dumps(OPTIONS.to_dict())))
    assert again == OPTIONS
    with pytest.raises(ValueError, match="unknown brief option"):
        BriefOptions.from_dict({"organisaton": "typo"})
    assert BriefOptions.from_dict({"organisaton": "typo", "issue": "Why"},
                                  strict=False) == BriefOptions(issue="Why")
    with pytest.raises(ValueError, match="decision"):
        BriefOptions(decision="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown disclosure threshold"):
        BriefOptions.from_dict({"disclosure": {"min_cout": 5}})
    with pytest.raises(ValueError, match="not a date"):
        BriefOptions(date="27/11/2026")


def test_at_least_two_caveats_when_nothing_else_stands_out():
    one = outcome(warnings=(), rows=(1440, 1440))
    built = build_brief_content(project(one, date="2026-11-27"))
    assert built.caveats == (
        "These are estimates, not proof: they assume that pilot and comparison teams would "
        "have changed in parallel without the pilot.",
        "Pilot teams were not chosen at random, so they may differ from comparison teams in "
        "ways the comparison does not capture.")


def test_a_project_without_staff_records_has_no_retention_part():
    built = build_brief_content(project(full_results().outcomes, organisation="Org",
                                        date="2026-11-27"))
    assert built.retention is None and built.organisation == "Org"


# ---------------------------------------------------------------- PDF and HTML


@needs_poppler
def test_pdf_pages_one_two_are_the_brief_and_annex_starts_on_three(full_pdf, full):
    first, second, third = (page_text(full_pdf, p) for p in (1, 2, 3))
    assert full.title in first and "For decision" in first
    assert "4.1 percentage points" in first and "■■■□□ Moderate (3 of 5)" in first
    assert "89% in pilot teams" in first and "hazard ratio 0.72" in first
    assert "What happened over time" in second and "Annex" not in second
    assert third.startswith("Annex How the effect was estimated")
    assert "Staff counts under 10 shown as [c]" in first + second + third


@needs_poppler
def test_four_headlines_still_fit_two_pages(tmp_path):
    options = BriefOptions(headline_outcomes=OUTCOME_NAMES, date="2026-11-27",
                           issue="Long issue text. " * 12, recommendation="Do it. " * 20)
    built = build_brief_content(full_results(), options)
    path = render_pdf(built, tmp_path / "four.pdf")
    assert page_text(path, 3).startswith("Annex How the effect was estimated")


def test_full_pdf_is_byte_identical(tmp_path, full, full_pdf):
    assert render_pdf(full, tmp_path / "again.pdf").read_bytes() == full_pdf.read_bytes()


def test_html_twin_has_the_same_sections(full):
    document = brief_html(full)
    for heading in ("What we found", "How strong the evidence is", "Did staff stay?",
                    "Things to bear in mind", "What happened over time",
                    "Annex", "Quality assurance", "Glossary"):
        assert f">{heading}</h" in document, heading
    parser = base.Outline()
    parser.feed(document)
    assert parser.headings.count(1) == 1
    for before, after in zip(parser.headings, parser.headings[1:], strict=False):
        assert after <= before + 1
    assert len([t for t, _ in parser.tags if t == "svg"]) == 3  # the brief's own charts
    assert 'aria-hidden="true">■■■□□</span> Moderate (3 of 5)' in document


def test_html_twin_renders_to_file(tmp_path, full):
    path = render_html(full, tmp_path / "brief.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_rates_tables_protect_counts_and_small_bases(technical):
    tables = tables_of(technical)
    rates = tables["Workforce rates by arm"]
    assert rates.columns == ("Arm", "Period from", "staff in post", "Leavers", "leaver rate")
    # hand-worked: 23 -> 25, 81 -> 80; 4 < 10 -> [c]; base 18 < 25 -> rate [c]; 3 s.f.
    assert rates.rows == (("Pilot", "2025", "180", "25", "0.128"),
                          ("Comparison", "2025", "420", "80", "0.193"),
                          ("Pilot (small wave)", "2025", "20", "[c]", "[c]"))
    leaving = dict(tables["Difference-in-differences on leaving"].rows)
    assert (leaving["Rate ratio"], leaving["95% range"], leaving["p-value"],
            leaving["Person-days"]) == ("0.660", "0.480 to 0.910", "0.011", "1,210")
    assert leaving["Leavers"] == "[c]"  # 7 leavers < 10
    results = next(s for s in technical.sections if s.heading == "Full results")
    assert results.bullets == ("leaver_rate: leavers in the year / average staff in post "
                               "(NHS definition)",)


def test_diagnostics_list_placebo_bacon_and_unchecked(full, technical):
    diagnostics = next(s for s in technical.sections
                       if s.heading == "Diagnostics and robustness")
    assert ("Cases closed with goals met: in-time placebo (fake start before the pilot) "
            "estimate 0.210, range -1.40 to 1.80.") in diagnostics.bullets
    bacon = [t for t in diagnostics.tables if "Goodman-Bacon" in t.caption][0]
    assert bacon.rows[1] == ("Started 2025-07 vs started 2025-01", "later vs earlier",
                             "0.200", "3.80")
    event = next(c for c in full.charts if c.spec.kind == "event_time")
    assert ("-1", "0 (reference)", "", "") in event.table.rows
    from pilot_eval.report.evidence import evidence_reasons

    lines = evidence_reasons([(r.label, r.evidence) for r in full.outcomes])
    assert lines[-1] == ("Not yet checked for every outcome, so the rating may be too generous: "
                         "leave-one-out not run; no formal pre-trend test in these results; "
                         "sensitivity to parallel-trend violations not run; the pre-trend "
                         "test's power against a trend that would explain the effect.")


HOSTILE = "A&E <North> \"Q\" </td><script>x</script> فريق 🚀 " + "Ŵ" * 120


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # emoji: DejaVu has none
def test_hostile_narrative_and_group_names_render(tmp_path):
    km = km_results()
    km[HOSTILE] = km.pop("Comparison teams")
    document = full_results(retention=retention_results(groups=km_groups(km)))
    options = BriefOptions(organisation=HOSTILE, issue=HOSTILE, recommendation=HOSTILE,
                           cost=HOSTILE, title=HOSTILE, analyst=HOSTILE, date="2026-11-27")
    built = build_brief_content(document, options)
    pdf = render_pdf(built, tmp_path / "hostile.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    parser = base.Outline()
    parser.feed(render_html(built, tmp_path / "hostile.html").read_text(encoding="utf-8"))
    assert "script" not in {t for t, _ in parser.tags}
    assert parser.headings.count(1) == 1
    if POPPLER:
        assert "A&E <North>" in page_text(pdf, 1)


def test_logo_is_drawn_on_page_one(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (18, 67, 109)).save(logo)
    built = build_brief_content(full_results(), BriefOptions(
        logo=str(logo), date="2026-11-27"))
    pdf = render_pdf(built, tmp_path / "logo.pdf")
    assert b"/Subtype /Image" in pdf.read_bytes()
    if POPPLER:
        assert page_text(pdf, 3).startswith("Annex How the effect was estimated")
    parser = base.Outline()
    parser.feed(brief_html(built))
    images = [a for t, a in parser.tags if t == "img"]
    assert len(images) == 1 and images[0]["src"].startswith("data:image/png;base64,")
    assert images[0]["alt"] == "Logo"


@needs_poppler
def test_full_pdf_metadata_fonts_and_page_numbers(full_pdf, full):
    info = subprocess.run(["pdfinfo", str(full_pdf)], check=True, capture_output=True,
                          text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == full.title
    assert fields["Author"].strip() == "Analyst Ŵ"
    assert "Staff engagement index" in fields["Keywords"]
    pages = int(fields["Pages"])
    assert page_text(full_pdf, pages).endswith(f"Page {pages} of {pages}")
    fonts = subprocess.run(["pdffonts", str(full_pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all(row.split()[-5] == "yes" and "DejaVuSans" in row for row in fonts)


def test_html_every_chart_is_followed_by_its_data_table(full):
    document = brief_html(full)
    for chart in full.charts:
        position = document.index(">" + chart.title.replace("&", "&amp;") + "</h")
        following = document[position:]
        assert following.index("</svg>") < following.index("<table>"), chart.title
        assert following.index("<table>") < following.index("</section>"), chart.title


def test_staggered_results_take_the_event_study_from_the_dynamic_aggregation():
    rows = (AggregationRow(key=-2, label="2 months before", estimate=0.1, se=1.0, ci_low=-1.9,
                           ci_high=2.1),
            AggregationRow(key=0, label="start month", estimate=4.0, se=1.0, ci_low=2.0,
                           ci_high=6.0))
    dynamic = Aggregation(kind="dynamic", estimate=4.0, se=1.0, ci_low=2.0, ci_high=6.0,
                          rows=rows)
    first = first_outcome(
        estimator="callaway-santanna",
        event_study=EventStudy(source="dynamic aggregation", reference=None, rows=tuple(
            EventTimeRow(e=r.key, label=r.label, estimate=r.estimate, se=r.se,
                         ci_low=r.ci_low, ci_high=r.ci_high) for r in rows)),
        staggered=Staggered(att_gt=(), aggregations=(dynamic,), control="never", method="dr",
                            base_period="varying", anticipation=0, unbalanced="drop"))
    document = full_results(first=first)
    built = build_brief_content(document, OPTIONS)
    event = next(c for c in built.charts if c.spec.kind == "event_time")
    assert event.spec.reference is None
    assert event.spec.points == ((-2, 0.1, -1.9, 2.1), (0, 4.0, 2.0, 6.0))
    from pilot_eval.brief.technical import build_technical_content

    technical = build_technical_content(document, OPTIONS)
    aggregations = [t for s in technical.sections for t in s.tables
                    if t.caption.startswith("Callaway & Sant'Anna: the effect averaged")]
    assert aggregations[0].rows[0][1:] == ("Average over time since the start", "4.00", "1.00",
                                           "2.00", "6.00")
    wide = next(t for s in technical.sections for t in s.tables if t.caption.startswith(
        "Effect by time since the pilot started"))
    assert wide.rows[0][:3] == ("2 months before", "0.100", "1.00")


def test_few_treated_units_lower_the_rating_when_clustered_by_unit():
    document = full_results(first=first_outcome(n_pilot=6))
    rating = build_brief_content(document, OPTIONS).outcomes[0].evidence
    assert rating.reasons == ("Few pilot clusters (6): the range is approximate.",)


def test_coded_retention_groups_get_plain_names():
    km = km_results()
    km["1"], km["0"] = km.pop("Pilot teams"), km.pop("Comparison teams")
    document = full_results(retention=retention_results(groups=km_groups(km)))
    built = build_brief_content(document, OPTIONS)
    assert built.retention.sentences[0] == ("Staff still in post 12 months after starting: 89% "
                                            "in pilot teams, against 80% in comparison teams.")
    chart = next(c for c in built.charts if c.spec.kind == "retention")
    assert chart.spec.arms == (("Pilot teams", "pilot"), ("Comparison teams", "comparison"))


def test_qa_log_lists_findings_once_and_the_re_estimate():
    from pilot_eval.brief.annex_qa import cross_check_outcome, validation_rows

    finding = Finding(severity="warning", code="unbalanced_panel",
                      message="the panel is unbalanced")
    one = outcome(validation=(finding,))
    two = outcome(outcome="cost", label="Cost per case", validation=(finding,))
    rows = validation_rows(project([one, two]))
    assert rows.count(("  finding (warning)", "the panel is unbalanced")) == 1
    assert ("Data validation: Cost per case", "1 finding, 0 errors") in rows
    assert cross_check_outcome(CrossCheck(reference="linearmodels", max_abs_difference=0.01,
                                          estimate=4.135001, se=0.76417)) == (
        "DIFFERS: re-estimate 4.14 (SE 0.764); largest absolute difference 0.0100")


def test_real_kaplan_meier_and_rmst_results_flow_into_the_brief():
    """The brief reads the estimators' own dictionaries: its numbers equal theirs."""
    import numpy as np
    import pilot_eval.estimators.survival.cox  # noqa: F401  (first: see NOTES, import cycle)
    from pilot_eval.estimators.disclosure import round_count
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
    from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival

    from pilot_eval.brief.retention import value_at
    from pilot_eval.report.words import number_in_words

    generator = np.random.default_rng(20261127)
    groups = np.array(["Pilot teams"] * 120 + ["Comparison teams"] * 200)
    scale = np.where(groups == "Pilot teams", 40.0, 25.0)
    tenure = np.ceil(generator.exponential(scale))  # whole months: ties, as in staff data
    event = (tenure <= 30).astype(int)
    tenure = np.minimum(tenure, 30.0)
    km = KaplanMeier(times=(6.0, 12.0, 24.0)).fit_arrays(tenure, event, group=groups).to_dict()
    rmst = RestrictedMeanSurvival(tau=24.0, reference="Comparison teams").fit_arrays(
        tenure, event, group=groups).to_dict()
    groups = km_groups(km)
    document = full_results(retention=retention_results(
        groups=groups, rmst=rmst_report(rmst), cox=None, pilot_effect=None, leaving=None))
    built = build_brief_content(document, OPTIONS)
    pilot_12 = km["Pilot teams"]["retention_at"]["12"]["survival"]
    comparison_12 = km["Comparison teams"]["retention_at"]["12"]["survival"]
    pilot_24 = km["Pilot teams"]["retention_at"]["24"]["survival"]
    comparison_24 = km["Comparison teams"]["retention_at"]["24"]["survival"]
    assert built.retention.sentences[0] == (  # the horizons a manager thinks in: 12 and 24
        f"Staff still in post 12 and 24 months after starting: {pilot_12:.0%} and "
        f"{pilot_24:.0%} in pilot teams, against {comparison_12:.0%} and {comparison_24:.0%} "
        "in comparison teams.")
    diff = rmst["difference"]
    assert f"about {number_in_words(diff['estimate'])} months" in built.retention.sentences[1]
    assert built.retention.table.rows[0][1] == f"{round_count(km['Pilot teams']['n'], 5):,}"
    # the brief's own step lookup agrees with the estimator's survival at 12 months
    assert value_at(groups[0].curve, 12.0)[0] == pytest.approx(pilot_12, abs=1e-12)


def test_full_pdf_and_html_are_byte_identical_in_another_process(tmp_path, full, full_pdf):
    """No dependence on hash seeds, caches or import order: render in a fresh interpreter."""
    import os
    import sys

    script = (
        "import sys, importlib.util\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        f"spec = importlib.util.spec_from_file_location('full', {str(Path(__file__))!r})\n"
        "full = importlib.util.module_from_spec(spec); spec.loader.exec_module(full)\n"
        "from pilot_eval.brief import build_brief_content, render_html, render_pdf\n"
        "content = build_brief_content(full.full_results(), full.OPTIONS)\n"
        "render_pdf(content, sys.argv[1]); render_html(content, sys.argv[2])\n"
    )
    pdf, html = tmp_path / "other.pdf", tmp_path / "other.html"
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    subprocess.run([sys.executable, "-c", script, str(pdf), str(html)], check=True, env=env)
    assert pdf.read_bytes() == full_pdf.read_bytes()
    assert html.read_text(encoding="utf-8") == brief_html(full)


def test_full_content_is_json_safe(full):
    import json

    data = json.loads(json.dumps(full.to_dict()))
    assert data["summary"]["decision"] == "For decision"
    assert data["outcomes"][0]["evidence"]["level"] == 3
    assert data["annex"][-1]["heading"] == "The full tables"


def test_demo_staff_retention_results_flow_into_the_brief():
    """Integration: ``run_retention`` on the bundled demo staff records, as results.json holds
    it, gives the brief its retention sentences, protected counts and rate tables."""
    from pilot_eval.estimators import SpellColumns
    from pilot_eval.estimators.disclosure import round_count

    from pilot_eval.demo import demo_path
    from pilot_eval.io import load_table
    from pilot_eval.report.build_retention import retention_report
    from pilot_eval.retention import RetentionRequest, run_retention

    request = RetentionRequest(
        SpellColumns(staff_id="staff_id", team="team", start="start_date", end="end_date",
                     reason="leaving_reason"), pilot_starts_path=str(demo_path("teams.csv")))
    analysis = run_retention(request, load_table(demo_path("staff.csv")))
    retention = analysis.to_dict()
    built = build_brief_content(full_results(retention=retention_report(analysis)), OPTIONS)
    km = retention["km"]
    (pilot, comparison), (pilot_24, comparison_24) = (
        [km[g]["retention_at"][at]["survival"] for g in ("pilot", "comparison")]
        for at in ("12", "24"))
    assert tuple(analysis.to_dict()["horizon"]["times"]) == (12.0, 24.0)  # both arms reach 24
    assert built.retention.sentences[0] == (
        f"Staff still in post 12 and 24 months after starting: {pilot:.0%} and {pilot_24:.0%} "
        f"in pilot teams, against {comparison:.0%} and {comparison_24:.0%} in comparison "
        "teams.")
    hazard = next(c for c in retention["cox"]["coefficients"] if c["name"] == "pilot_post")
    assert f"hazard ratio {hazard['hazard_ratio']:.2f}" in built.retention.sentences[1]
    assert built.retention.table.rows[0][:2] == ("Pilot teams",
                                                 f"{round_count(km['pilot']['n'], 5):,}")
    from pilot_eval.brief.technical import build_technical_content

    technical = build_technical_content(full_results(retention=retention_report(analysis)),
                                        OPTIONS)
    captions = set(tables_of(technical))
    assert {"Workforce rates by arm: counts", "Workforce rates by arm: rates"} <= captions
    assert not any(c.startswith("Workforce rates by team") for c in captions)  # too long


def test_retention_curve_stops_where_few_staff_remain():
    from pilot_eval.brief.retention import disclosable_curve
    from pilot_eval.report.retention_report import Curve

    curve = Curve(time=(1.0, 2.0, 3.0, 4.0), survival=(0.9, 0.8, 0.7, 0.6),
                  ci_low=(None,) * 4, ci_high=(None,) * 4, at_risk=(40, 25, 24, 30))
    assert disclosable_curve(curve, 25) == ((1.0, 0.9), (2.0, 0.8))


def test_retention_is_stated_at_the_capped_horizon():
    """When the RMST horizon is shorter than 24 months (the records reach no further with 25
    staff in each arm, or the analyst chose it), retention is stated at 12 months and that
    horizon; a horizon under 12 months leaves it alone (issue 13: 12 and 24, or the largest
    time both arms reach, whichever is smaller)."""
    import numpy as np
    import pilot_eval.estimators.survival.cox  # noqa: F401  (first: see NOTES, import cycle)
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
    from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival

    from pilot_eval.brief.retention import horizon_times, retention_sentence

    generator = np.random.default_rng(7)
    groups = np.array(["Pilot teams"] * 150 + ["Comparison teams"] * 150)
    tenure = np.minimum(np.ceil(generator.exponential(30.0, size=300)), 20.0)
    event = (tenure < 20).astype(int)
    km = KaplanMeier(times=(6.0, 12.0, 18.0)).fit_arrays(tenure, event, group=groups).to_dict()
    for tau, expected in ((18.0, (12.0, 18.0)), (6.0, (6.0,))):
        rmst = rmst_report(RestrictedMeanSurvival(tau=tau, reference="Comparison teams")
                           .fit_arrays(tenure, event, group=groups).to_dict())
        assert horizon_times(km_groups(km), rmst) == expected
    sentence = retention_sentence(km_groups(km), OPTIONS.disclosure, rmst=rmst_report(
        RestrictedMeanSurvival(tau=18.0, reference="Comparison teams").fit_arrays(
            tenure, event, group=groups).to_dict()))
    pilot = [km["Pilot teams"]["retention_at"][t]["survival"] for t in ("12", "18")]
    assert sentence.startswith(f"Staff still in post 12 and 18 months after starting: "
                               f"{pilot[0]:.0%} and {pilot[1]:.0%} in pilot teams, against ")
    # without an RMST (the window before a run): 12 and 24 where the curves reach them
    assert horizon_times(km_groups(km)) == (12.0,)
