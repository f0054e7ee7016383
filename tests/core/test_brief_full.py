"""The complete brief (issue 5) on a constructed results document: DiD outcomes with event
study and diagnostics, staff retention, QA; pages 1-2 the brief, the annex from page 3.

References: expected wording is written out by hand from the rules in ``evidence.py``,
``retention.py`` and ``wording.py``; disclosure figures are worked by hand from the ONS 10-5
rule (REFERENCES.md) and cross-checked by a brute-force attacker (``recoverable_cells``).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from pilot_eval.brief import BriefOptions, brief_html, build_brief_content, render_html, render_pdf

_spec = importlib.util.spec_from_file_location("brief_base", Path(__file__).with_name(
    "test_brief.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

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


def retention_results() -> dict:
    pilot, comparison = km_curve(180, 0.010), km_curve(420, 0.018)
    return {
        "time_unit": "months",
        "km": {
            "Pilot teams": {"n": 180, "events": 47, "median": None, "ci_transform": "log-log",
                            "curve": pilot, "retention_at": {"12": {
                                "time": 12, "survival": 0.8864, "ci_low": 0.83,
                                "ci_high": 0.93}}},
            "Comparison teams": {"n": 420, "events": 168, "median": 30.5,
                                 "ci_transform": "log-log", "curve": comparison,
                                 "retention_at": {"12": {"time": 12, "survival": 0.8044,
                                                         "ci_low": 0.76, "ci_high": 0.84}}},
        },
        "logrank": {"statistic": 9.1, "df": 1, "p_value": 0.0026},
        "cox": {"ties": "efron", "se_type": "clustered by team", "coefficients": [
            {"name": "pilot:post", "coef": -0.3285, "se": 0.12, "hazard_ratio": 0.72,
             "ci_low": 0.569, "ci_high": 0.911, "p_value": 0.006}]},
        "rmst": {"tau": 24.0, "by_group": {"Pilot teams": {"estimate": 21.9, "se": 0.3},
                                           "Comparison teams": {"estimate": 20.6, "se": 0.2}},
                 "difference": {"group": "Pilot teams", "reference": "Comparison teams",
                                "estimate": 1.3, "se": 0.36, "ci_low": 0.59, "ci_high": 2.01,
                                "p_value": 0.0003},
                 "variance": "Greenwood-type plug-in (R survRM2)"},
        "rates": {
            "arm_period": [
                {"arm": "pilot", "period": "2025", "staff_in_post": 180, "leavers": 23,
                 "leaver_rate": 0.1278},
                {"arm": "comparison", "period": "2025", "staff_in_post": 420, "leavers": 81,
                 "leaver_rate": 0.1929},
                {"arm": "pilot (small wave)", "period": "2025", "staff_in_post": 18,
                 "leavers": 4, "leaver_rate": 0.2222}],
            "definitions": {"leaver_rate": "leavers in the year / average staff in post "
                                           "(NHS definition)"}},
        "did_leaving": {"rate_ratio": 0.66, "ci_low": 0.48, "ci_high": 0.91, "p_value": 0.011,
                        "leavers": 7, "person_time": 1210.5},
        "warnings": [],
    }


def event_time_rows() -> list[dict]:
    rows = []
    for e in range(-6, 9):
        if e == -1:  # the reference period, as the event-study estimator writes it
            rows.append({"e": -1, "estimate": None, "se": None, "ci_low": None,
                         "ci_high": None, "is_reference": True})
            continue
        effect = 0.0 if e < 0 else 4.0
        rows.append({"e": e, "estimate": effect + 0.3 * (-1) ** e, "se": 1.0,
                     "ci_low": effect - 1.9, "ci_high": effect + 2.1})
    return rows


def full_results(**changes) -> dict:
    first = base.analysis()
    first.update(event_time=event_time_rows(),
                 pretest={"statistic": 4.2, "df": 5, "p_value": 0.52},
                 leave_one_out=[{"unit": f"Team {i}", "estimate": 4.1 + 0.1 * i,
                                 "ci_low": 2.0, "ci_high": 6.0} for i in range(1, 4)],
                 sensitivity={"breakdown": 1.5},
                 placebo={"estimate": 0.21, "ci_low": -1.4, "ci_high": 1.8},
                 bacon={"estimator": "bacon", "comparisons": [  # as estimators/bacon.py
                     {"treated": 13, "comparison": "never", "type": "treated vs never",
                      "weight": 0.8, "estimate": 4.2},
                     {"treated": 19, "comparison": 13, "type": "later vs earlier",
                      "weight": 0.2, "estimate": 3.8}]},
                 cross_check={"reference": "linearmodels", "max_abs_difference": 3e-12,
                              "skipped_reason": None})
    outcomes = [first,
                base.analysis(outcome="cost", label="Cost per case", unit="GBP",
                              polarity="lower_is_better", estimate=-123.4, ci=(-310.2, 70.1)),
                base.analysis(outcome="repeat", label="Repeat referrals within 12 months",
                              polarity="lower_is_better", estimate=-1.31, ci=(-2.1, -0.51)),
                base.analysis(outcome="engagement", label="Staff engagement index",
                              unit="points", estimate=3.6, ci=(3.02, 4.1))]
    document = {"pilot_eval_version": "0.1.0",
                "data": {"file": "outcomes.csv", "sha256": "cd" * 32, "n_rows": 1440},
                "outcomes": outcomes, "retention": retention_results(),
                "qa": {"software": {"Python": "3.11", "pilot-eval": "0.1.0"}, "seeds": [20261127]}}
    document.update(changes)
    return document


OPTIONS = BriefOptions(organisation=base.WELSH_TEAM, author="Analyst Ŵ",
                       issue="Should budget autonomy extend to every children's team?",
                       recommendation="Extend to two more areas and keep evaluating.",
                       decision="for decision", date="2026-11-27", analyst="Analyst Ŵ",
                       cost="£40,000 a year for 16 teams")


@pytest.fixture(scope="module")
def full():
    return build_brief_content(full_results(), options=OPTIONS)


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
    built = build_brief_content(full_results(), options=BriefOptions(
        headline_outcomes=("goals_met", "repeat"), date="2026-11-27"))
    other = next(s for s in built.annex if s.heading == "Other outcomes")
    assert other.paragraphs[1].startswith("Staff engagement index: about 3.6 points higher")
    estimates = next(t for s in built.annex for t in s.tables
                     if t.caption == "All outcomes: exact estimates")
    assert len(estimates.rows) == len(OUTCOME_NAMES)


def test_chosen_headlines_and_placeholders():
    options = BriefOptions(headline_outcomes=("engagement",), date="2026-11-27")
    built = build_brief_content(full_results(), options=options)
    assert [r.outcome for r in built.outcomes] == ["engagement"]
    assert built.summary.recommendation.startswith("No recommendation has been written yet")
    assert built.summary.decision == "For noting"
    with pytest.raises(ValueError, match="not in the results"):
        build_brief_content(full_results(), options=BriefOptions(headline_outcomes=("nope",)))


def test_cost_line_uses_analyst_cost_and_cost_outcomes(full):
    # the cost outcome in words, not "-£120 (no clear change)"
    assert full.cost == ("Running the pilot cost £40,000 a year for 16 teams. Cost per case: no "
                         "clear change (about £120 lower; 95% range £310 lower to £70 higher).")
    no_cost = build_brief_content(full_results(), options=BriefOptions(
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
    document = full_results()
    km = document["retention"]["km"]
    km["Pilot teams"].update(n=20, events=6)  # 6 leavers < 10; base 20 < 25
    built = build_brief_content(document, options=OPTIONS)
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
    document = full_results()
    document["outcomes"][0]["pretest"] = {"statistic": 15.0, "df": 5, "p_value": 0.0104}
    built = build_brief_content(document, options=OPTIONS)
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


def test_annex_sections_in_order(full):
    assert [s.heading for s in full.annex] == [
        "Design and assumptions", "Data sources", "Estimators and conventions",
        "How this was estimated", "Full results",
        "Diagnostics and robustness", "Data behind the charts", "Disclosure control",
        "Glossary", "Quality-assurance log"]
    qa = full.annex[-1]
    checks = dict(qa.tables[0].rows)
    assert checks["Independent re-estimate: Cases closed with goals met (linearmodels)"] == (
        "agrees: largest absolute difference 3e-12")
    assert checks["Data validation: Cost per case"] == "passed with no findings"
    assert qa.tables[1].rows == (("Python", "3.11"), ("pilot-eval", "0.1.0"))
    assert "Random seeds: 20261127." in qa.bullets
    data = next(s for s in full.annex if s.heading == "Data sources").tables[0]
    assert data.rows[0] == ("outcomes.csv", "1440", "", "cd" * 32)


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
    one = base.analysis(warnings=())
    one["data"]["n_rows_used"] = one["data"]["n_rows"]
    built = build_brief_content({"outcomes": [one]}, date="2026-11-27")
    assert built.caveats == (
        "These are estimates, not proof: they assume that pilot and comparison teams would "
        "have changed in parallel without the pilot.",
        "Pilot teams were not chosen at random, so they may differ from comparison teams in "
        "ways the comparison does not capture.")


def test_list_of_outcomes_is_still_accepted():
    built = build_brief_content(full_results()["outcomes"], organisation="Org",
                                date="2026-11-27")
    assert built.retention is None and built.organisation == "Org"


# ---------------------------------------------------------------- PDF and HTML


@needs_poppler
def test_pdf_pages_one_two_are_the_brief_and_annex_starts_on_three(full_pdf, full):
    first, second, third = (page_text(full_pdf, p) for p in (1, 2, 3))
    assert full.title in first and "For decision" in first
    assert "4.1 percentage points" in first and "■■■□□ Moderate (3 of 5)" in first
    assert "89% in pilot teams" in first and "hazard ratio 0.72" in first
    assert "What happened over time" in second and "Annex" not in second
    assert third.startswith("Annex: technical details")
    assert "Staff counts under 10 shown as [c]" in first + second + third


@needs_poppler
def test_four_headlines_still_fit_two_pages(tmp_path):
    options = BriefOptions(headline_outcomes=OUTCOME_NAMES, date="2026-11-27",
                           issue="Long issue text. " * 12, recommendation="Do it. " * 20)
    built = build_brief_content(full_results(), options=options)
    path = render_pdf(built, tmp_path / "four.pdf")
    assert page_text(path, 3).startswith("Annex: technical details")


def test_full_pdf_is_byte_identical(tmp_path, full, full_pdf):
    assert render_pdf(full, tmp_path / "again.pdf").read_bytes() == full_pdf.read_bytes()


def test_html_twin_has_the_same_sections(full):
    document = brief_html(full)
    for heading in ("What we found", "How strong the evidence is", "Did staff stay?",
                    "Things to bear in mind", "What happened over time",
                    "Annex: technical details", "Quality-assurance log", "Glossary"):
        assert f">{heading}</h" in document, heading
    parser = base.Outline()
    parser.feed(document)
    assert parser.headings.count(1) == 1
    for before, after in zip(parser.headings, parser.headings[1:], strict=False):
        assert after <= before + 1
    assert len([t for t, _ in parser.tags if t == "svg"]) == 6
    assert 'aria-hidden="true">■■■□□</span> Moderate (3 of 5)' in document


def test_html_twin_renders_to_file(tmp_path, full):
    path = render_html(full, tmp_path / "brief.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_rates_tables_protect_counts_and_small_bases(full):
    tables = {t.caption: t for s in full.annex for t in s.tables}
    rates = tables["Workforce rates: arm period"]
    assert rates.columns == ("arm", "period", "staff in post", "leavers", "leaver rate")
    # hand-worked: 23 -> 25, 81 -> 80; 4 < 10 -> [c]; base 18 < 25 -> rate [c]
    assert rates.rows == (("pilot", "2025", "180", "25", "0.1278"),
                          ("comparison", "2025", "420", "80", "0.1929"),
                          ("pilot (small wave)", "2025", "20", "[c]", "[c]"))
    assert tables["Difference-in-differences on leaving"].rows == (
        ("rate ratio", "0.66"), ("ci low", "0.48"), ("ci high", "0.91"), ("p value", "0.011"),
        ("leavers", "[c]"), ("person time", "1210.5"))  # 7 leavers < 10 -> [c]
    results = next(s for s in full.annex if s.heading == "Full results")
    assert results.bullets == ("leaver_rate: leavers in the year / average staff in post "
                               "(NHS definition)",)


def test_diagnostics_list_placebo_bacon_and_unchecked(full):
    diagnostics = next(s for s in full.annex if s.heading == "Diagnostics and robustness")
    assert ("Cases closed with goals met: in-time placebo (fake start before the pilot) "
            "estimate 0.21, range -1.4 to 1.8.") in diagnostics.bullets
    bacon = [t for t in diagnostics.tables if "Goodman-Bacon" in t.caption][0]
    assert bacon.rows[1] == ("cohort 19 vs 13", "later vs earlier", "0.2", "3.8")
    event = next(c for c in full.charts if c.spec.kind == "event_time")
    assert ("-1", "0 (reference)", "", "") in event.table.rows
    from pilot_eval.brief.evidence import evidence_reasons

    lines = evidence_reasons([(r.label, r.evidence) for r in full.outcomes])
    assert lines[-1] == ("Not yet checked for every outcome, so the rating may be too generous: "
                         "leave-one-out not run; no formal pre-trend test in these results; "
                         "sensitivity to parallel-trend violations not run.")


HOSTILE = "A&E <North> \"Q\" </td><script>x</script> فريق 🚀 " + "Ŵ" * 120


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # emoji: DejaVu has none
def test_hostile_narrative_and_group_names_render(tmp_path):
    document = full_results()
    km = document["retention"]["km"]
    km[HOSTILE] = km.pop("Comparison teams")
    options = BriefOptions(organisation=HOSTILE, issue=HOSTILE, recommendation=HOSTILE,
                           cost=HOSTILE, title=HOSTILE, analyst=HOSTILE, date="2026-11-27")
    built = build_brief_content(document, options=options)
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
    built = build_brief_content(full_results(), options=BriefOptions(
        logo=str(logo), date="2026-11-27"))
    pdf = render_pdf(built, tmp_path / "logo.pdf")
    assert b"/Subtype /Image" in pdf.read_bytes()
    if POPPLER:
        assert page_text(pdf, 3).startswith("Annex: technical details")
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
    for chart in (*full.charts, *full.annex_charts):
        position = document.index(">" + chart.title.replace("&", "&amp;") + "</h")
        following = document[position:]
        assert following.index("</svg>") < following.index("<table>"), chart.title
        assert following.index("<table>") < following.index("</section>"), chart.title


def test_staggered_results_take_the_event_study_from_the_dynamic_aggregation():
    document = full_results()
    first = document["outcomes"][0]
    del first["event_time"]
    first["estimator"] = "callaway-santanna"
    first["aggregations"] = {"dynamic": {"estimate": 4.0, "se": 1.0, "ci_low": 2.0,
                                         "ci_high": 6.0, "rows": [  # as estimators/did/callaway_santanna/results.py
        {"event_time": -2, "estimate": 0.1, "se": 1.0, "ci_low": -1.9, "ci_high": 2.1},
        {"event_time": 0, "estimate": 4.0, "se": 1.0, "ci_low": 2.0, "ci_high": 6.0}]}}
    built = build_brief_content(document, options=OPTIONS)
    event = next(c for c in built.charts if c.spec.kind == "event_time")
    assert event.spec.reference is None
    assert event.spec.points == ((-2, 0.1, -1.9, 2.1), (0, 4.0, 2.0, 6.0))
    aggregations = [t for s in built.annex for t in s.tables
                    if t.caption.startswith("Aggregations of ATT(g,t)")]
    assert aggregations[0].rows[0][1:] == ("dynamic (overall)", "4", "1", "2", "6")
    wide = next(t for s in built.annex for t in s.tables if t.caption.startswith(
        "Effect by periods since the pilot started"))
    assert wide.rows[0][:3] == ("-2", "0.1", "1")


def test_few_treated_units_lower_the_rating_when_clustered_by_unit():
    document = full_results()
    document["outcomes"][0]["n_treated_units"] = 6
    rating = build_brief_content(document, options=OPTIONS).outcomes[0].evidence
    assert rating.reasons == ("Few pilot clusters (6): the range is approximate.",)


def test_coded_retention_groups_get_plain_names():
    document = full_results()
    km = document["retention"]["km"]
    km["1"], km["0"] = km.pop("Pilot teams"), km.pop("Comparison teams")
    built = build_brief_content(document, options=OPTIONS)
    assert built.retention.sentences[0] == ("Staff still in post 12 months after starting: 89% "
                                            "in pilot teams, against 80% in comparison teams.")
    chart = next(c for c in built.charts if c.spec.kind == "retention")
    assert chart.spec.arms == (("Pilot teams", "pilot"), ("Comparison teams", "comparison"))


def test_qa_log_lists_findings_once_and_the_re_estimate():
    from pilot_eval.brief.annex_qa import cross_check_outcome, validation_rows

    finding = {"severity": "warning", "message": "the panel is unbalanced"}
    one, two = base.analysis(), base.analysis(outcome="cost", label="Cost per case")
    one["validation"] = two["validation"] = [finding]
    rows = validation_rows({}, [one, two])
    assert rows.count(("  finding (warning)", "the panel is unbalanced")) == 1
    assert ("Data validation: Cost per case", "1 finding(s), 0 error(s)") in rows
    assert cross_check_outcome({"reference": "linearmodels", "max_abs_difference": 0.01,
                                "estimate": 4.135001, "se": 0.76417}) == (
        "DIFFERS: re-estimate 4.135 (SE 0.76417); largest absolute difference 0.01")


def test_real_kaplan_meier_and_rmst_results_flow_into_the_brief():
    """The brief reads the estimators' own dictionaries: its numbers equal theirs."""
    import numpy as np
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
    from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival

    from pilot_eval.brief.disclosure import round_to_base
    from pilot_eval.brief.retention import value_at
    from pilot_eval.brief.wording import number_in_words

    generator = np.random.default_rng(20261127)
    groups = np.array(["Pilot teams"] * 120 + ["Comparison teams"] * 200)
    scale = np.where(groups == "Pilot teams", 40.0, 25.0)
    tenure = np.ceil(generator.exponential(scale))  # whole months: ties, as in staff data
    event = (tenure <= 30).astype(int)
    tenure = np.minimum(tenure, 30.0)
    km = KaplanMeier(times=(6.0, 12.0, 24.0)).fit_arrays(tenure, event, group=groups).to_dict()
    rmst = RestrictedMeanSurvival(tau=24.0, reference="Comparison teams").fit_arrays(
        tenure, event, group=groups).to_dict()
    document = full_results()
    document["retention"] = {"km": km, "rmst": rmst}
    built = build_brief_content(document, options=OPTIONS)
    pilot_12 = km["Pilot teams"]["retention_at"]["12"]["survival"]
    comparison_12 = km["Comparison teams"]["retention_at"]["12"]["survival"]
    assert built.retention.sentences[0] == (
        f"Staff still in post 12 months after starting: {pilot_12:.0%} in pilot teams, "
        f"against {comparison_12:.0%} in comparison teams.")
    diff = rmst["difference"]
    assert f"about {number_in_words(diff['estimate'])} months" in built.retention.sentences[1]
    assert built.retention.table.rows[0][1] == f"{round_to_base(km['Pilot teams']['n'], 5):,}"
    # the brief's own step lookup agrees with the estimator's survival at 12 months
    assert value_at(km["Pilot teams"]["curve"], 12.0)[0] == pytest.approx(pilot_12, abs=1e-12)


def test_full_pdf_and_html_are_byte_identical_in_another_process(tmp_path, full, full_pdf):
    """No dependence on hash seeds, caches or import order: render in a fresh interpreter."""
    import os
    import sys

    script = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('full', {str(Path(__file__))!r})\n"
        "full = importlib.util.module_from_spec(spec); spec.loader.exec_module(full)\n"
        "from pilot_eval.brief import build_brief_content, render_html, render_pdf\n"
        "content = build_brief_content(full.full_results(), options=full.OPTIONS)\n"
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
    assert data["annex"][-1]["heading"] == "Quality-assurance log"


def test_demo_staff_retention_results_flow_into_the_brief():
    """Integration: ``run_retention`` on the bundled demo staff records, as results.json holds
    it, gives the brief its retention sentences, protected counts and rate tables."""
    from pilot_eval.estimators import SpellColumns

    from pilot_eval.brief.disclosure import round_to_base
    from pilot_eval.demo import demo_path
    from pilot_eval.io import load_table
    from pilot_eval.retention import RetentionRequest, run_retention

    request = RetentionRequest(
        SpellColumns(staff_id="staff_id", team="team", start="start_date", end="end_date",
                     reason="leaving_reason"), pilot_starts_path=str(demo_path("teams.csv")))
    retention = run_retention(request, load_table(demo_path("staff.csv"))).to_dict()
    built = build_brief_content(full_results(retention=retention), options=OPTIONS)
    km = retention["km"]
    pilot, comparison = (km[g]["retention_at"]["12"]["survival"] for g in ("pilot", "comparison"))
    assert built.retention.sentences[0] == (
        f"Staff still in post 12 months after starting: {pilot:.0%} in pilot teams, against "
        f"{comparison:.0%} in comparison teams.")
    hazard = next(c for c in retention["cox"]["coefficients"] if c["name"] == "pilot_post")
    assert f"hazard ratio {hazard['hazard_ratio']:.2f}" in built.retention.sentences[1]
    assert built.retention.table.rows[0][:2] == ("Pilot teams",
                                                 f"{round_to_base(km['pilot']['n'], 5):,}")
    captions = {t.caption for s in built.annex for t in s.tables}
    assert "Workforce rates: by arm" in captions
    assert "Workforce rates: by team" not in captions  # too long: left in results.json


def test_retention_curve_stops_where_few_staff_remain():
    from pilot_eval.brief.retention import disclosable_curve

    curve = [{"time": 1.0, "survival": 0.9, "at_risk": 40},
             {"time": 2.0, "survival": 0.8, "at_risk": 25},
             {"time": 3.0, "survival": 0.7, "at_risk": 24},
             {"time": 4.0, "survival": 0.6, "at_risk": 30}]
    assert disclosable_curve(curve, 25) == ((1.0, 0.9), (2.0, 0.8))
