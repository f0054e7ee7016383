"""The demo pipeline end to end (the path of ``pilot-eval demo`` and ``pilot-eval brief``).

Reference: the demo generator's documented TRUE effects and the two-way fixed-effects estimates
on the committed files computed by brute force (OLS with team and month dummies) in
``docs/demo-data.md``, which ``tests/core/test_demo_effects.py`` recomputes.  Reproducibility is
checked byte for byte: the brief rebuilt from results.json, and the same project rerun (same
clock) into another folder from another working directory, give identical files.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from pilot_eval.atomic import check_output_set, temporary_files
from pilot_eval.cli import EXIT_OK, main
from pilot_eval.pipeline import run_demo
from pilot_eval.report import ProjectReport
from pilot_eval.report.clock import CLOCK_VARIABLE

# docs/demo-data.md, columns "TWFE estimate on these files" and "CS simple ATT on these files"
# (brute force in tests/core/test_demo_effects.py; printed to 2 decimals).
TWFE_ON_FILES = {"goals_met_pct": 4.14, "cost_per_case_gbp": -169.88,
                 "repeat_referral_pct": -1.29, "engagement_index": 3.55}
CS_ON_FILES = {"goals_met_pct": 4.36, "cost_per_case_gbp": -144.70,
               "repeat_referral_pct": -3.18, "engagement_index": 2.70}
PRINTED_ROUNDING = 0.005
TRUE_ATT = {"goals_met_pct": 4.00, "cost_per_case_gbp": -150.0,
            "repeat_referral_pct": -1.41, "engagement_index": 4.21}
CLOCK = "2026-03-02T10:30:00+00:00"
OUTPUTS = ("brief.pdf", "brief.html", "technical-report.pdf", "tables.xlsx", "results.json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CLOCK_VARIABLE, CLOCK)
        old = os.umask(0o022)
        try:
            outputs = run_demo(out)
        finally:
            os.umask(old)
    return out, outputs


@pytest.fixture()
def fixed_clock(monkeypatch):
    monkeypatch.setenv(CLOCK_VARIABLE, CLOCK)


def report_of(folder) -> ProjectReport:
    return ProjectReport.from_json((folder / "results.json").read_bytes())


def test_demo_writes_the_five_files_and_a_project(demo):
    out, outputs = demo
    assert [p.name for p in outputs.files] == list(OUTPUTS)
    assert outputs.pdf == out / "brief.pdf" and outputs.pdf.read_bytes().startswith(b"%PDF")
    assert outputs.technical.read_bytes().startswith(b"%PDF")
    assert "<html" in outputs.html.read_text(encoding="utf-8")
    assert (out / "demo.pilot.json").is_file() and (out / "data" / "outcomes.csv").is_file()
    assert not list(temporary_files(out))
    status = check_output_set(out)  # the five files of one run, each with its SHA-256
    assert status.complete and set(status.files) == set(OUTPUTS)


def test_every_output_is_readable_by_group_and_others_under_umask_022(demo):
    out, _ = demo
    for name in (*OUTPUTS, "demo.pilot.json", "data/outcomes.csv"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name


def test_demo_estimates_match_brute_force_and_cover_the_truth(demo):
    out, _ = demo
    report = report_of(out)
    assert [o.outcome for o in report.outcomes] == list(TWFE_ON_FILES)
    covered = 0
    for outcome in report.outcomes:
        name, headline = outcome.outcome, outcome.headline
        # The demo's pilots start at two dates, so auto reports Callaway & Sant'Anna with the
        # two-way estimate beside it.
        assert headline.estimator == "callaway-santanna"
        assert headline.estimate == pytest.approx(CS_ON_FILES[name], abs=PRINTED_ROUNDING)
        assert outcome.twfe.estimate == pytest.approx(TWFE_ON_FILES[name], abs=PRINTED_ROUNDING)
        assert outcome.twfe.n_units == 48 and outcome.twfe.se_type == "cluster"
        covered += headline.ci_low <= TRUE_ATT[name] <= headline.ci_high
    assert covered >= 3  # "its confidence intervals cover the ATT in most outcomes"


def test_the_brief_rebuilt_from_results_json_is_byte_identical(demo, tmp_path, capsys):
    out, _ = demo
    code = main(["brief", str(out / "results.json"), "--out", str(tmp_path)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert "without re-running" in capsys.readouterr().out
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_brief_command_reproduces_the_demo_byte_for_byte_from_another_folder(
        demo, tmp_path, capsys, fixed_clock, monkeypatch):
    """Same project, same clock, another output folder and another working directory: the
    data files are named relative to the project file, so every output is identical."""
    out, _ = demo
    monkeypatch.chdir(tmp_path)
    code = main(["brief", str(out / "demo.pilot.json"), "--out", "elsewhere"])
    assert code == EXIT_OK, capsys.readouterr().err
    for name in OUTPUTS:
        assert (tmp_path / "elsewhere" / name).read_bytes() == (out / name).read_bytes(), name


def test_results_record_the_run_and_name_files_relative_to_the_project(demo):
    report = report_of(demo[0])
    assert report.qa.run_at.isoformat() == CLOCK
    assert report.qa.clock == f"fixed ({CLOCK_VARIABLE}={CLOCK})"
    assert [s.file for s in report.provenance.sources] == ["data/outcomes.csv",
                                                           "data/staff.csv"]
    assert report.brief.demo and report.brief.date == ""  # dated by the run
    text = (demo[0] / "brief.html").read_text(encoding="utf-8")
    assert "results produced 2 March 2026 at 10:30" in text
    assert "Demonstration: simulated data" in text
    assert str(demo[0]) not in text  # no absolute path of this machine


def test_brief_command_names_a_missing_data_file(demo, tmp_path, capsys):
    out, _ = demo
    project = tmp_path / "copy.pilot.json"
    project.write_bytes((out / "demo.pilot.json").read_bytes())  # data/ is not beside it
    code = main(["brief", str(project), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "outcomes.csv" in err and "Traceback" not in err


def test_a_damaged_results_file_is_a_clear_error(demo, tmp_path, capsys):
    damaged = tmp_path / "results.json"
    damaged.write_bytes((demo[0] / "results.json").read_bytes()[:5000])
    code = main(["brief", str(damaged), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "results" in err


def test_demo_results_include_staff_retention_consistent_with_the_truth(demo):
    """docs/demo-data.md: the TRUE resignation hazard ratio in pilot teams after their start is
    0.6; leaving for any reason combines it with unaffected reasons."""
    out, _ = demo
    retention = report_of(out).retention
    assert retention.cox.ties == "efron"
    effect = retention.pilot_effect
    assert effect.term.name == "pilot_post" and effect.is_difference_in_differences
    term = effect.term
    assert term.hazard_ratio < 1 and term.ci_low < 0.6 < term.ci_high
    assert retention.rmst.tau == 24.0  # the project's horizon
    assert retention.incidence and retention.rates.by_arm.rows and retention.leaving.rate_ratio
    project = json.loads((out / "demo.pilot.json").read_text(encoding="utf-8"))
    assert project["staff_data"]["path"] == "data/staff.csv"
    assert project["staff_data"]["pilot_starts_path"] == "data/teams.csv"


def test_tables_xlsx_holds_each_headline_estimate_as_a_number(demo):
    """tables.xlsx read back with openpyxl: a read-me sheet first, then one sheet per table;
    the headline sheet's estimates are numbers equal to the report's."""
    import openpyxl

    out, _ = demo
    report = report_of(out)
    book = openpyxl.load_workbook(out / "tables.xlsx")
    assert book.sheetnames[:3] == ["Read me", "Headline", "ATT(g,t)"]
    readme = {r[0]: r[1] for r in book["Read me"].iter_rows(min_row=2, values_only=True)}
    assert readme["Data: outcome panel"].startswith("data/outcomes.csv; 1,433 rows")
    rows = list(book["Headline"].iter_rows(values_only=True))
    header = rows[0]
    by_outcome = {r[header.index("outcome")]: r for r in rows[1:]}
    for outcome in report.outcomes:
        cell = by_outcome[outcome.outcome][header.index("estimate")]
        # Excel keeps 15 significant digits (openpyxl writes them so); results.json keeps all
        assert isinstance(cell, float)
        assert cell == pytest.approx(outcome.headline.estimate, rel=1e-14, abs=0)
    assert book.properties.modified.isoformat().startswith("2026-03-02T10:30")
