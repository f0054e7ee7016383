"""Retention orchestration: the demo end to end against its TRUE effect and lifelines, and the
generic survival form against R ``survival`` figures for the Rossi data.

References
----------
* docs/demo-data.md: TRUE resignation hazard ratio 0.6 in pilot teams after their start; 189
  resignations, 24 retired, 22 end of contract, 6 dismissed, 59 internal moves (not leaving).
* lifelines 0.30 ``KaplanMeierFitter`` (with ``entry``) and ``CoxPHFitter(entry_col=...,
  cluster_col=...)`` on the same spells / start-stop rows.
* REFERENCES.md, Rossi recidivism, Cox PH with Efron ties (R ``survival::coxph``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from pilot_eval.estimators import SpellColumns

from pilot_eval.demo import EXTRACT_DATE, demo_path
from pilot_eval.io import load_table
from pilot_eval.jsonio import dumps
from pilot_eval.retention import JSON_KEYS, RetentionRequest, run_retention

SURVIVAL = Path(__file__).parents[1] / "data" / "survival"
KM_TOLERANCE = 1e-10  # the same product-limit arithmetic
LIFELINES_COEF_TOLERANCE = 1e-7  # lifelines run with precision=1e-10 (its default 1e-7
# stops 3e-5 short of the maximum on these data)
R_COEF_TOLERANCE = 1e-6  # R figures printed to 7 decimals
R_SE_TOLERANCE = 1e-5  # R SEs printed to 5 decimals
LINEAR_CROSS_CHECK = 1e-8  # TWFE vs linearmodels, same least-squares problem
TRUE_RESIGNATION_HR = 0.6  # docs/demo-data.md
OBSERVED_FROM = dt.date(2023, 4, 1)  # the demo's records start in April 2023
OTHER_REASONS = ("moved internally", "retired", "dismissed", "end of contract")
DEMO_COLUMNS = SpellColumns(staff_id="staff_id", team="team", start="start_date",
                            end="end_date", reason="leaving_reason")


def _demo_request(**options) -> RetentionRequest:
    return RetentionRequest(DEMO_COLUMNS, extract_date=EXTRACT_DATE,
                            observed_from=OBSERVED_FROM,
                            pilot_starts_path=str(demo_path("teams.csv")), **options)


@pytest.fixture(scope="module")
def demo():
    from pilot_eval.retention import demo_request

    return run_retention(demo_request(), load_table(demo_path("staff.csv")))


def test_json_has_the_issue_keys_and_is_strict_json(demo) -> None:
    data = json.loads(dumps(demo.to_dict()))
    assert set(JSON_KEYS) <= set(data)
    assert set(data["km"]) == {"pilot", "comparison"}
    curve = data["km"]["pilot"]
    assert {"n", "events", "median", "median_ci", "curve", "retention_at"} <= set(curve)
    assert set(curve["retention_at"]) == {"6", "12", "24"}
    assert {"statistic", "df", "p_value"} <= set(data["logrank"])
    assert data["cox"]["ties"] == "efron" and data["cox"]["ph_test"]
    assert [c["name"] for c in data["cox"]["coefficients"]] == ["pilot", "post", "pilot_post"]
    assert {"tau", "by_group", "difference"} <= set(data["rmst"])
    assert set(data["cumulative_incidence"]) == {"resigned", "retired", "dismissed",
                                                 "end of contract"}
    assert set(data["cumulative_incidence_by_group"]) == {"pilot", "comparison"}
    assert data["time_unit"] == "months"
    assert set(data["km_by_period"]) == {"pilot before", "pilot after", "comparison before",
                                         "comparison after"}


def test_leavers_and_rates_add_up(demo) -> None:
    spells = demo.spells
    assert int(spells.left.sum()) == 189 + 24 + 22 + 6  # internal moves are not leaving
    rates = demo.to_dict()["rates"]
    assert len({r["period"] for r in rates["by_arm"]}) == 10  # Apr 2023 - Sep 2025 quarters
    by_arm = sum(r["leavers"] for r in rates["by_arm"])
    assert by_arm == sum(r["leavers"] for r in rates["by_team"]) == 241
    assert set(rates["definitions"]) >= {"nhs_leaver_rate", "stability_index",
                                         "dfe_turnover_rate"}


def test_cause_specific_cox_is_consistent_with_the_true_effect(demo) -> None:
    cause = demo.results["cox_cause"]
    row = next(c for c in cause.coefficients if c.name == "pilot_post")
    assert row.ci_low < TRUE_RESIGNATION_HR < row.ci_high
    assert row.ci_high < 1  # the draw shows fewer resignations under the pilot
    assert demo.to_dict()["did_leaving"]["cause_specific_cox"]["n_events"] == 189


def test_poisson_did_on_resignations_is_consistent_with_the_true_effect() -> None:
    request = _demo_request(excluded_reasons=OTHER_REASONS)
    did = run_retention(request, load_table(demo_path("staff.csv"))).to_dict()["did_leaving"]
    assert did["leavers"] == 189
    assert did["ci_low"] < TRUE_RESIGNATION_HR < did["ci_high"]


def test_km_matches_lifelines_with_delayed_entry(demo) -> None:
    spells = demo.spells
    for arm in ("pilot", "comparison"):
        rows = spells[spells.arm == arm]
        reference = KaplanMeierFitter().fit(rows.duration, rows.left, entry=rows.entry)
        ours = demo.results["km"][arm]
        expected = reference.survival_function_at_times(ours.time).to_numpy()
        assert np.abs(ours.survival - expected).max() < KM_TOLERANCE


def test_cox_coefficients_match_lifelines_on_start_stop_rows(demo) -> None:
    staff_rows = demo.results["cox"]
    from pilot_eval.staff import StaffOptions, pilot_starts_from_table, read_staff

    starts = pilot_starts_from_table(load_table(demo_path("teams.csv")).frame, team="team",
                                     file=None)
    options = StaffOptions(team="team", start="start_date", end="end_date",
                           reason="leaving_reason", staff_id="staff_id",
                           extract_date=EXTRACT_DATE, observed_from=OBSERVED_FROM)
    pieces = read_staff(load_table(demo_path("staff.csv")).frame, options,
                        pilot_starts=starts).start_stop
    frame = pieces.assign(died=(pieces.event != "0").astype(int))[
        ["duration", "died", "entry", "pilot", "post", "pilot_post", "team"]]
    fit = CoxPHFitter().fit(frame, "duration", "died", entry_col="entry", cluster_col="team",
                            fit_options={"precision": 1e-10})
    for c in staff_rows.coefficients:
        assert c.coef == pytest.approx(fit.params_[c.name], abs=LIFELINES_COEF_TOLERANCE)


def test_generic_survival_form_rossi_matches_r() -> None:
    covariates = ("fin", "age", "race", "wexp", "mar", "paro", "prio")
    request = RetentionRequest(SpellColumns(duration="week", event="arrest", group="fin",
                                            covariates=covariates))
    analysis = run_retention(request, load_table(SURVIVAL / "rossi.csv"))
    data = analysis.to_dict()
    fin = data["cox"]["coefficients"][0]
    assert fin["coef"] == pytest.approx(-0.3794222, abs=R_COEF_TOLERANCE)
    assert fin["se"] == pytest.approx(0.19138, abs=R_SE_TOLERANCE)
    assert data["logrank"]["statistic"] == pytest.approx(3.83757, abs=R_SE_TOLERANCE)
    assert data["rates"] is None and data["did_leaving"] is None
    assert any("staff records" in w for w in data["warnings"])


def test_request_round_trip_and_checks() -> None:
    request = _demo_request(tau=24.0, ties="breslow")
    again = RetentionRequest.from_dict(json.loads(json.dumps(request.to_dict())))
    assert again == request
    with pytest.raises(ValueError, match="not a mix"):
        RetentionRequest(SpellColumns(duration="t", event="e", team="team"))
    with pytest.raises(ValueError, match="ties"):
        _demo_request(ties="exact")


def test_project_round_trip_and_demo_request(demo) -> None:
    from pilot_eval.retention import demo_request, request_from_project, request_to_project

    request = demo_request()
    assert request.tau is None  # the default horizon (retention.default_horizon) decides
    assert demo.request == replace(request, tau=24.0)
    staff_data, options = request_to_project(request, "staff.csv")
    assert staff_data["path"] == "staff.csv" and "columns" in staff_data
    assert set(options) >= {"tau", "ties", "ci_transform", "rate_period"}
    stored = json.loads(json.dumps({"staff_data": staff_data, "retention": options}))
    assert request_from_project(stored["staff_data"], stored["retention"]) == request


def test_linear_and_staggered_did_on_leaver_rates(demo) -> None:
    did = demo.to_dict()["did_leaving"]
    linear = did["linear_rate"]
    assert linear["outcome"] == "leaver_rate_per_year" and linear["n_units"] == 48
    # the TWFE estimator's own cross-check against linearmodels PanelOLS on the same panel
    assert linear["cross_check"]["max_abs_difference"] < LINEAR_CROSS_CHECK
    staggered = did["staggered_rate"]
    assert staggered["estimator"] == "callaway-santanna" and staggered["n_units"] == 48
    assert staggered["ci_low"] < staggered["estimate"] < staggered["ci_high"]


def test_run_demo_retention_writes_json(tmp_path, monkeypatch) -> None:
    import pilot_eval.retention as retention

    monkeypatch.setattr(retention, "run_retention", lambda request, table, progress: FakeDemo())
    retention.run_demo_retention(tmp_path / "out")
    assert json.loads((tmp_path / "out" / "retention.json").read_text("utf-8")) == {"km": {}}


class FakeDemo:
    """Stands in for the (already tested) demo analysis: only the file writing is tested."""

    def to_dict(self) -> dict:
        return {"km": {}}
