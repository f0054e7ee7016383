"""Kaplan-Meier against R survfit published figures, lifelines and a hand-worked table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from pilot_eval.estimators import EstimationError, EstimatorConfigError, SpellColumns, Unavailable
from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier

DATA = Path(__file__).resolve().parents[1] / "data" / "survival"
PUBLISHED_5DP = 5e-6  # figures printed to 5 decimals in REFERENCES.md
EXACT = 1e-12  # hand arithmetic / identical algorithm
LIBRARY = 1e-9  # lifelines computes the same formulas in a different order

ROSSI_FIN = SpellColumns(duration="week", event="arrest", group="fin")
LUNG_SEX = SpellColumns(duration="time", event="status", group="sex")


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return pd.read_csv(DATA / "rossi.csv")


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return pd.read_csv(DATA / "lung.csv")


def test_five_row_hand_table():
    # times 1, 2, 2+, 3, 5+ worked by hand:
    # t=1: n=5 d=1 S=0.8; t=2: n=4 d=1 c=1 S=0.6; t=3: n=2 d=1 S=0.3; t=5: n=1 c=1 S=0.3
    # Greenwood at t=3: 0.3^2 * (1/(5*4) + 1/(4*3) + 1/(2*1)) = 0.09 * 0.633333...
    result = KaplanMeier(times=(2.5, 6.0)).fit_arrays([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    curve = result["all"]
    np.testing.assert_allclose(curve.time, [1, 2, 3, 5], atol=EXACT)
    np.testing.assert_array_equal(curve.n_risk, [5, 4, 2, 1])
    np.testing.assert_array_equal(curve.n_event, [1, 1, 1, 0])
    np.testing.assert_array_equal(curve.n_censor, [0, 1, 0, 1])
    np.testing.assert_allclose(curve.survival, [0.8, 0.6, 0.3, 0.3], atol=EXACT)
    var3 = 0.09 * (1 / 20 + 1 / 12 + 1 / 2)
    assert curve.std_err[2] == pytest.approx(np.sqrt(var3), abs=EXACT)
    assert curve.median == 3.0
    assert curve.survival_at[0].survival == pytest.approx(0.6, abs=EXACT)
    assert isinstance(curve.survival_at[1].survival, Unavailable)  # beyond last time 5


def test_median_midpoint_rule_when_curve_sits_on_half():
    # times 1, 2+, 3, 4: S = 1, 1, 0.5, 0 -> first time with S <= 0.5 is 3... but S is exactly
    # 0.5 on [3, 4) and drops below at 4, so R survfit reports the midpoint (3 + 4) / 2 = 3.5
    result = KaplanMeier().fit_arrays([1, 2, 3, 4], [0, 0, 1, 1])
    assert result["all"].median == pytest.approx(3.5, abs=EXACT)
    # times 1, 2, 3+, 4: S = 0.75, 0.5, 0.5, 0 -> flat at 0.5 on [2, 4): midpoint 3
    result = KaplanMeier().fit_arrays([1, 2, 3, 4], [1, 1, 0, 1])
    assert result["all"].median == pytest.approx(3.0, abs=EXACT)
    # times 1, 2, 3: S = 2/3, 1/3, 0 -> plainly the first time below one half
    assert KaplanMeier().fit_arrays([1, 2, 3], [1, 1, 1])["all"].median == 2.0


def test_rossi_survival_at_52_weeks_by_fin(rossi):
    # REFERENCES.md (R survival survfit on Rossi): S(52) = 0.69444 (fin=0), 0.77778 (fin=1)
    result = KaplanMeier(times=(52,)).fit(rossi, ROSSI_FIN)
    assert result["0"].survival_at[0].survival == pytest.approx(0.69444, abs=PUBLISHED_5DP)
    assert result["1"].survival_at[0].survival == pytest.approx(0.77778, abs=PUBLISHED_5DP)
    assert isinstance(result["0"].median, Unavailable)  # never falls to one half


@pytest.mark.parametrize(
    ("transform", "men", "women"),
    [
        # REFERENCES.md: R survfit(Surv(time, status) ~ sex, lung), conf.type = "log" (R default)
        ("log", (212, 310), (348, 550)),
        # REFERENCES.md: the same with conf.type = "log-log"
        ("log-log", (210, 306), (345, 524)),
    ],
)
def test_lung_medians_and_median_ci_by_transform(lung, transform, men, women):
    result = KaplanMeier(ci_transform=transform).fit(lung, LUNG_SEX)
    assert result["1"].median == 270  # R: median 270 (men), 426 (women)
    assert result["2"].median == 426
    assert result["1"].median_ci == men
    assert result["2"].median_ci == women
    assert result["1"].median_ci_by_transform[transform] == men


@pytest.mark.parametrize("transform", ["log-log", "log"])
def test_curve_matches_lifelines(lung, transform):
    # lifelines 0.30 KaplanMeierFitter: same product-limit, Greenwood and log(-log) band
    result = KaplanMeier(ci_transform=transform).fit(lung, LUNG_SEX)
    for sex in (1, 2):
        rows = lung[lung.sex == sex]
        ref = KaplanMeierFitter().fit(rows.time, rows.status)
        curve = result[str(sex)]
        np.testing.assert_allclose(
            curve.survival, ref.survival_function_.loc[curve.time].to_numpy()[:, 0], atol=LIBRARY
        )
        np.testing.assert_array_equal(curve.n_risk, ref.event_table.loc[curve.time, "at_risk"])
        if transform == "log-log":
            band = ref.confidence_interval_.loc[curve.time].to_numpy()
            np.testing.assert_allclose(curve.ci_low, band[:, 0], atol=LIBRARY)
            np.testing.assert_allclose(curve.ci_high, band[:, 1], atol=LIBRARY)


def test_delayed_entry_matches_lifelines():
    rng = np.random.default_rng(7)
    entry = rng.integers(0, 12, 400).astype(float)
    time = entry + rng.integers(1, 40, 400)
    event = rng.integers(0, 2, 400)
    result = KaplanMeier().fit_arrays(time, event, entry=entry)
    ref = KaplanMeierFitter().fit(time, event, entry=entry)  # lifelines: entry < t <= time
    curve = result["all"]
    np.testing.assert_allclose(
        curve.survival, ref.survival_function_.loc[curve.time].to_numpy()[:, 0], atol=LIBRARY
    )
    band = ref.confidence_interval_.loc[curve.time].to_numpy()
    np.testing.assert_allclose(curve.ci_low, band[:, 0], atol=LIBRARY)


def test_result_is_immutable_and_json_safe(rossi):
    result = KaplanMeier(times=(12, 52, 100)).fit(rossi, ROSSI_FIN)
    with pytest.raises(ValueError):
        result["0"].survival[0] = 0.0
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {"0", "1"}
    entry = data["0"]
    assert {"n", "events", "median", "median_ci", "curve", "retention_at"} <= set(entry)
    assert entry["median"] is None and "median" in entry["unavailable"]
    assert entry["retention_at"]["100"]["survival"] is None
    assert entry["curve"][0].keys() == {"time", "survival", "ci_low", "ci_high", "at_risk"}
    assert "log-log" in result.summary()
    assert list(result.to_frame().group.unique()) == ["0", "1"]


def test_bad_inputs_say_what_and_where():
    with pytest.raises(EstimatorConfigError, match="ci_transform"):
        KaplanMeier(ci_transform="plain")
    with pytest.raises(EstimationError, match="row 3 of the data"):
        KaplanMeier().fit_arrays([1, 2, -1], [1, 0, 1])
    with pytest.raises(EstimationError, match="before the exit"):
        KaplanMeier().fit_arrays([1, 2], [1, 0], entry=[0, 2])
    with pytest.raises(EstimationError, match="not in the data"):
        KaplanMeier().fit(pd.DataFrame({"t": [1]}), SpellColumns(duration="t", event="e"))
