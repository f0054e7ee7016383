"""One calling convention for every estimator: a frozen configuration of options, and the
columns given once, in ``fit`` -- as a role set (``fit(frame, PanelColumns(...))``) or as
keywords (``fit(frame, outcome="y", ...)``, as lifelines' ``fit(df, duration_col=...)``).

Each case fits the same data both ways and checks the results are identical (their JSON
dictionaries), so neither path can drift from the other."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pandas as pd
import pytest
from estimator_cases import CASES, MPDTA, ROSSI, mpdta
from pilot_eval.estimators import (
    CoxModel,
    EstimatorConfigError,
    KaplanMeier,
    PanelColumns,
    SpellColumns,
    TwoWayFixedEffects,
)


def as_keywords(columns: PanelColumns | SpellColumns) -> dict[str, object]:
    return {k: v for k, v in asdict(columns).items() if v not in (None, ())}


def as_json(result: object) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, default=str)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "make", "data", "columns"), CASES, ids=[c[0] for c in CASES])
def test_columns_as_a_role_set_or_as_keywords_give_the_same_result(name, make, data, columns):
    frame = data()
    before = frame.copy()
    estimator = make()
    hash(estimator)  # a frozen configuration of options only: hashable, reusable
    by_roles = estimator.fit(frame, columns)
    by_keywords = estimator.fit(frame, **as_keywords(columns))
    assert as_json(by_roles) == as_json(by_keywords)
    assert estimator.fit(frame, columns=columns) is not by_roles  # a new result every fit
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(("name", "make", "data", "columns"), CASES, ids=[c[0] for c in CASES])
def test_configurations_hold_no_columns(name, make, data, columns):
    names = {f.name for f in fields(make())}
    assert not names & {f.name for f in fields(type(columns))}, \
        f"{name}: a column role is also an option, so columns could be given twice"


def test_missing_twice_given_and_wrong_columns_say_how_to_call_fit():
    frame = mpdta()
    with pytest.raises(EstimatorConfigError, match=r"no columns were given; call fit\(frame"):
        TwoWayFixedEffects().fit(frame)
    with pytest.raises(EstimatorConfigError, match="given twice"):
        TwoWayFixedEffects().fit(frame, MPDTA, outcome="lemp")
    with pytest.raises(EstimatorConfigError, match="must be a PanelColumns, not SpellColumns"):
        TwoWayFixedEffects().fit(frame, ROSSI)  # type: ignore[arg-type]
    with pytest.raises(EstimatorConfigError, match="must be a SpellColumns"):
        CoxModel().fit(frame, MPDTA)  # type: ignore[arg-type]
    with pytest.raises(EstimatorConfigError, match="'duration_col' is not a column role"):
        KaplanMeier().fit(frame, duration_col="week")  # type: ignore[call-arg]


def test_covariates_are_kept_as_a_tuple_so_role_sets_hash():
    panel = PanelColumns(outcome="y", covariates=["a", "b"])
    assert panel.covariates == ("a", "b") and hash(panel) == hash(
        PanelColumns(outcome="y", covariates=("a", "b")))
    assert PanelColumns(outcome="y", covariates="a").covariates == ("a",)
    assert SpellColumns(duration="t", event="e", covariates=["x"]).covariates == ("x",)
    with pytest.raises(EstimatorConfigError, match="must be a column name"):
        PanelColumns(outcome="y", covariates=[1])  # type: ignore[list-item]
