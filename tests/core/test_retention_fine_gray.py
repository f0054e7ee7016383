"""The retention analysis's Fine-Gray model of resigning (``retention --json`` key
``fine_gray``, ``RetentionReport.fine_gray``): the spells and terms it uses, and that its
figures are the estimator's on exactly those spells (the estimator itself is checked against
R crr and Stata stcrreg in tests/estimators/test_fine_gray.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pilot_eval.estimators import FineGray, SpellColumns

from pilot_eval.demo import demo_path
from pilot_eval.io import load_table
from pilot_eval.report.build_retention import retention_report
from pilot_eval.retention import RetentionRequest, demo_request, run_retention
from pilot_eval.retention_fine_gray import PILOT_TERM, STAFF_TERMS

SURVIVAL = Path(__file__).parents[1] / "data" / "survival"
SAME = 1e-12  # the same fit on the same rows


@pytest.fixture(scope="module")
def demo():
    return run_retention(demo_request(), load_table(demo_path("staff.csv")))


def test_demo_json_has_the_fine_gray_model_of_resigning(demo):
    data = json.loads(json.dumps(demo.to_dict(), allow_nan=False))
    model = data["fine_gray"]
    assert model["estimator"] == "fine-gray" and model["event_type"] == "resigned"
    assert [c["name"] for c in model["coefficients"]] == list(STAFF_TERMS)
    assert model["pilot_term"] == PILOT_TERM
    spells = demo.spells
    assert model["n_spells"] == len(spells)
    assert model["n_used"] == model["n_obs"] == int((spells["entry"] <= 0).sum()) < len(spells)
    assert "followed from their start" in model["population"]
    assert model["n_clusters"] == spells.loc[spells["entry"] <= 0, "team"].nunique()
    assert "Cumulative incidence (Fine-Gray)" in demo.summary()


def test_the_fit_is_the_estimators_on_joiners_with_terms_at_joining(demo):
    spells = demo.spells
    joiners = spells[spells["entry"] <= 0]
    first_start = pd.to_datetime(spells["pilot_start"]).min()
    reference = pd.to_datetime(joiners["pilot_start"]).fillna(first_start)
    pilot = (joiners["arm"] == "pilot").astype(int)
    after = (pd.to_datetime(joiners["start_date"]) >= reference).astype(int)
    frame = joiners.assign(pilot=pilot, joined_after_start=after, **{PILOT_TERM: pilot * after})
    direct = FineGray(event_type="resigned").fit(frame, SpellColumns(
        duration="duration", event="event", covariates=STAFF_TERMS, cluster="team"))
    ours = demo.results["fine_gray"]
    for a, b in zip(ours.coefficients, direct.coefficients, strict=True):
        assert a.coef == pytest.approx(b.coef, rel=SAME)
        assert a.se == pytest.approx(b.se, rel=SAME)
    # internal moves are not leaving (censored), other reasons compete
    assert ours.n_competing == int(joiners["event"].isin(
        ["retired", "dismissed", "end of contract"]).sum())


def test_report_carries_the_model_typed(demo):
    report = retention_report(demo)
    model = report.fine_gray
    assert model.cause == "resigned" and model.pilot_term == PILOT_TERM
    term = model.term(PILOT_TERM)
    coefficient = next(c for c in demo.results["fine_gray"].coefficients
                       if c.name == PILOT_TERM)
    assert term.shr == coefficient.shr and term.ci_low == coefficient.ci_low
    assert model.n_used < model.n_spells


def test_generic_form_uses_the_analysts_covariates_and_cause():
    frame = pd.read_csv(SURVIVAL / "hypoxia.csv")
    request = RetentionRequest(SpellColumns(duration="time", event="status",
                                            covariates=("ifp", "tumsize", "pelnode")),
                               cause="1")
    analysis = run_retention(request, frame)
    model = analysis.to_dict()["fine_gray"]
    assert model["population"] == "every spell" and model["pilot_term"] is None
    direct = FineGray(event_type=1).fit(frame, duration="time", event="status",
                                        covariates=("ifp", "tumsize", "pelnode"))
    assert [c["coef"] for c in model["coefficients"]] == pytest.approx(
        [c.coef for c in direct.coefficients], rel=SAME)


def test_without_a_reason_to_model_there_is_no_fine_gray_and_no_warning():
    frame = pd.read_csv(SURVIVAL / "rossi.csv")
    request = RetentionRequest(SpellColumns(duration="week", event="arrest",
                                            covariates=("fin", "age")))
    data = run_retention(request, frame).to_dict()
    assert "no leaving reason" in data["fine_gray"]["unavailable"]
    assert not any("Fine-Gray" in w for w in data["warnings"])
