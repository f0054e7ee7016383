"""Goodman-Bacon decomposition: checked against brute-force regressions and fixest's TWFE.

References
----------
* The TWFE estimate each decomposition must add up to is computed here independently: least
  squares (numpy ``lstsq``) of the outcome on the pilot indicator plus unit and period dummies.
* Each 2x2 estimate is re-estimated as a TWFE regression on its own subsample (the two groups,
  the periods of its window); each weight is recomputed from Goodman-Bacon (2021, eq. 10e-g)
  in its variance form: squared subsample share x variance of the within-transformed treatment
  in the subsample, over the variance of the within-transformed treatment in the full panel.
* mpdta (``tests/data/mpdta.csv``, R ``did::mpdta``, copied by engineer A from the project's
  shared reference data): the static TWFE of ``lemp`` is -0.036549 (R fixest
  ``feols(lemp ~ treat_post | countyreal + year)``, quoted in the project's REFERENCES), and
  every comparison against R ``bacondecomp`` 0.1.1 (R 4.6.1):
  ``bacon(lemp ~ d, data = mpdta, id_var = "countyreal", time_var = "year")`` with
  ``d = first.treat > 0 & year >= first.treat``, printed with 17 significant digits in the
  public repository simoneSantoni/DrSnow, file ``test/validation/did/r_bacon.csv`` (commit
  ae2671180b9456d37ea6f7c5b2fe2c332fc3d130); copied into ``R_BACONDECOMP_MPDTA`` below.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.bacon import (
    ALWAYS,
    EARLIER_VS_LATER,
    LATER_VS_ALWAYS,
    LATER_VS_EARLIER,
    NEVER,
    TREATED_VS_NEVER,
    BaconDecomposition,
)
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError

DATA = Path(__file__).resolve().parents[1] / "data"
WEIGHT_SUM_TOLERANCE = 1e-12
"""The weights are normalised to sum to one; only rounding remains."""
TWFE_TOLERANCE = 1e-10
"""Theorem 1 is an identity; the gap is floating-point error of two different computations."""
FIXEST_TOLERANCE = 5e-7
"""fixest's TWFE coefficient for mpdta is quoted with 6 decimals (-0.036549)."""
BRUTE_FORCE_TOLERANCE = 1e-10
"""Sub-sample regressions by lstsq against group-mean formulas: rounding only."""
R_TOLERANCE = 1e-12
"""R bacondecomp's figures carry 17 significant digits; the same group-mean arithmetic in a
different order agrees to rounding."""
FIXEST_MPDTA_TWFE = -0.036549  # R fixest, REFERENCES.md "Static TWFE on mpdta"

# R bacondecomp 0.1.1 on mpdta (source in the module docstring): treated, untreated (99999 =
# never treated), estimate, weight, type.
R_BACONDECOMP_MPDTA = [
    (2006, 2007, 0.018480380807536088, 0.052005451971046328, "Earlier vs Later Treated"),
    (2004, 2007, -0.091055401600490901, 0.026002725985523167, "Earlier vs Later Treated"),
    (2007, 2006, 0.010575453874159176, 0.017335150657015443, "Later vs Earlier Treated"),
    (2004, 2006, -0.045607905211029198, 0.0052931757731344868, "Earlier vs Later Treated"),
    (2007, 99999, -0.043106032808677024, 0.53565615530177724, "Treated vs Untreated"),
    (2006, 99999, -0.022570047608477646, 0.24533869708478345, "Treated vs Untreated"),
    (2004, 99999, -0.079749126574727977, 0.081779565694927794, "Treated vs Untreated"),
    (2007, 2004, -0.019604805926793908, 0.026002725985523167, "Later vs Earlier Treated"),
    (2006, 2004, 0.054286900200548965, 0.010586351546268974, "Later vs Earlier Treated"),
]
R_TYPES = {"Earlier vs Later Treated": EARLIER_VS_LATER,
           "Later vs Earlier Treated": LATER_VS_EARLIER,
           "Treated vs Untreated": TREATED_VS_NEVER}

COLUMNS = PanelColumns(outcome="y", unit="unit", time="period", cohort="start")
MPDTA = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


def dummies_twfe(frame: pd.DataFrame, columns: PanelColumns) -> float:
    """TWFE coefficient by least squares with explicit unit and period dummies."""
    start = frame[columns.cohort].fillna(0).to_numpy()
    time = frame[columns.time].to_numpy()
    treated = ((start > 0) & (time >= start)).astype(float)
    units = pd.get_dummies(frame[columns.unit], dtype=float).to_numpy()
    periods = pd.get_dummies(frame[columns.time], dtype=float).to_numpy()[:, 1:]
    design = np.column_stack([treated, units, periods])
    coef, *_ = np.linalg.lstsq(design, frame[columns.outcome].to_numpy(float), rcond=None)
    return float(coef[0])


def within_treatment(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series:
    """The two-way within-transformed pilot indicator of a balanced panel."""
    start = frame[columns.cohort].fillna(0)
    d = ((start > 0) & (frame[columns.time] >= start)).astype(float)
    unit_mean = d.groupby(frame[columns.unit]).transform("mean")
    time_mean = d.groupby(frame[columns.time]).transform("mean")
    return d - unit_mean - time_mean + d.mean()


def staggered_panel(seed: int = 3, *, always: int = 0, late: int = 0) -> pd.DataFrame:
    """Balanced panel, periods 1..8, starts 3, 5, 7 and never; heterogeneous dynamic effects."""
    rng = np.random.default_rng(seed)
    starts = [3] * 4 + [5] * 6 + [7] * 3 + [0] * 5 + [1] * always + [20] * late
    rows = []
    for unit, start in enumerate(starts):
        level = rng.normal()
        for period in range(1, 9):
            effect = (0.5 + 0.3 * (period - start)) if 0 < start <= period else 0.0
            y = level + 0.2 * period + effect * (1 + start / 10) + rng.normal(scale=0.3)
            rows.append({"unit": f"u{unit:02d}", "period": period, "start": start, "y": y})
    return pd.DataFrame(rows)


def brute_force_comparison(frame: pd.DataFrame, comparison) -> tuple[float, float]:
    """Re-estimate one 2x2 on its subsample (TWFE by lstsq) and its variance-form weight."""
    start = frame["start"].where(frame["start"] <= frame["period"].max(), 0)
    start_of = dict(zip(frame["unit"], start, strict=False))
    first = frame["period"].min()

    def members(label):
        if label == NEVER:
            return {u for u, s in start_of.items() if s == 0}
        if label == ALWAYS:
            return {u for u, s in start_of.items() if 0 < s <= first}
        return {u for u, s in start_of.items() if s == label}

    units = members(comparison.treated) | members(comparison.comparison)
    periods = frame["period"]
    if comparison.type == EARLIER_VS_LATER:
        window = periods < comparison.comparison
    elif comparison.type in (LATER_VS_EARLIER, LATER_VS_ALWAYS):
        begin = first if comparison.comparison == ALWAYS else comparison.comparison
        window = periods >= begin
    else:
        window = periods == periods  # every period
    sub = frame[frame["unit"].isin(units) & window].copy()
    sub["start"] = sub["start"].where(sub["start"] <= frame["period"].max(), 0)
    estimate = dummies_twfe(sub, COLUMNS)
    variance_sub = float((within_treatment(sub, COLUMNS) ** 2).mean())
    full = frame.copy()
    full["start"] = start
    variance_full = float((within_treatment(full, COLUMNS) ** 2).mean())
    share = sub.shape[0] / frame.shape[0]
    return estimate, share**2 * variance_sub / variance_full


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def test_mpdta_weights_sum_to_one_and_average_to_twfe(mpdta):
    result = BaconDecomposition().fit(mpdta, MPDTA)
    weights = np.array([c.weight for c in result.comparisons])
    estimates = np.array([c.estimate for c in result.comparisons])
    assert abs(weights.sum() - 1.0) < WEIGHT_SUM_TOLERANCE
    reference = dummies_twfe(mpdta, MPDTA)
    assert abs(weights @ estimates - reference) < TWFE_TOLERANCE
    assert abs(result.twfe_estimate - reference) < TWFE_TOLERANCE
    assert abs(result.twfe_estimate - FIXEST_MPDTA_TWFE) < FIXEST_TOLERANCE
    assert {t.type for t in result.by_type} == {TREATED_VS_NEVER, EARLIER_VS_LATER,
                                                LATER_VS_EARLIER}
    assert len(result.comparisons) == 3 + 3 + 3  # 3 cohorts vs never, 3 pairs both ways
    assert result.timing_groups == ((2004, 20), (2006, 40), (2007, 131), (NEVER, 309))


def test_mpdta_matches_r_bacondecomp(mpdta):
    result = BaconDecomposition().fit(mpdta, MPDTA)
    ours = {(c.treated, c.comparison): c for c in result.comparisons}
    assert len(ours) == len(R_BACONDECOMP_MPDTA)
    for treated, untreated, estimate, weight, kind in R_BACONDECOMP_MPDTA:
        comparison = ours[(treated, NEVER if untreated == 99999 else untreated)]
        assert comparison.type == R_TYPES[kind]
        assert comparison.estimate == pytest.approx(estimate, abs=R_TOLERANCE)
        assert comparison.weight == pytest.approx(weight, abs=R_TOLERANCE)


def test_mpdta_each_comparison_matches_its_subsample_regression(mpdta):
    frame = mpdta.rename(columns={"lemp": "y", "countyreal": "unit", "year": "period",
                                  "first.treat": "start"})
    result = BaconDecomposition().fit(frame, COLUMNS)
    for comparison in result.comparisons:
        estimate, weight = brute_force_comparison(frame, comparison)
        assert comparison.estimate == pytest.approx(estimate, abs=BRUTE_FORCE_TOLERANCE)
        assert comparison.weight == pytest.approx(weight, abs=BRUTE_FORCE_TOLERANCE)


@pytest.mark.parametrize(("always", "late"), [(0, 0), (3, 0), (2, 2)])
def test_synthetic_panel_decomposes_exactly(always, late):
    frame = staggered_panel(always=always, late=late)
    result = BaconDecomposition().fit(frame, COLUMNS)
    weights = np.array([c.weight for c in result.comparisons])
    estimates = np.array([c.estimate for c in result.comparisons])
    assert abs(weights.sum() - 1.0) < WEIGHT_SUM_TOLERANCE
    assert abs(weights @ estimates - dummies_twfe(frame, COLUMNS)) < TWFE_TOLERANCE
    for comparison in result.comparisons:
        estimate, weight = brute_force_comparison(frame, comparison)
        assert comparison.estimate == pytest.approx(estimate, abs=BRUTE_FORCE_TOLERANCE)
        assert comparison.weight == pytest.approx(weight, abs=BRUTE_FORCE_TOLERANCE)
    types = {c.type for c in result.comparisons}
    assert (LATER_VS_ALWAYS in types) == bool(always)
    if always:
        assert any("every period" in note for note in result.notes)
        # always-treated units are controls only, as in R bacondecomp
        assert all(c.treated != ALWAYS for c in result.comparisons)
    if late:
        assert any("after the last period" in note for note in result.notes)


def test_by_type_totals_are_weighted_sums():
    result = BaconDecomposition().fit(staggered_panel(always=2), COLUMNS)
    for total in result.by_type:
        members = [c for c in result.comparisons if c.type == total.type]
        weight = sum(c.weight for c in members)
        assert total.weight == pytest.approx(weight, abs=WEIGHT_SUM_TOLERANCE)
        assert total.estimate == pytest.approx(
            sum(c.weight * c.estimate for c in members) / weight, abs=BRUTE_FORCE_TOLERANCE)


def test_no_never_treated_group_still_decomposes():
    frame = staggered_panel()
    frame = frame[frame["start"] > 0]
    result = BaconDecomposition().fit(frame, COLUMNS)
    assert TREATED_VS_NEVER not in {c.type for c in result.comparisons}
    assert abs(sum(c.weight * c.estimate for c in result.comparisons)
               - dummies_twfe(frame, COLUMNS)) < TWFE_TOLERANCE


def test_to_dict_is_json_safe_and_has_the_contract_keys(mpdta):
    result = BaconDecomposition().fit(mpdta, MPDTA)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["twfe_estimate"] == pytest.approx(result.twfe_estimate)
    assert set(data["comparisons"][0]) == {"treated", "comparison", "type", "estimate", "weight"}
    assert set(data["by_type"]) == {TREATED_VS_NEVER, EARLIER_VS_LATER, LATER_VS_EARLIER}
    assert set(data["by_type"][TREATED_VS_NEVER]) == {"weight", "estimate"}
    frame = result.to_frame()
    assert list(frame.columns) == ["treated", "comparison", "type", "estimate", "weight"]
    assert len(frame) == len(result.comparisons)
    assert "TWFE estimate: -0.036549" in result.summary()


def test_input_frame_is_not_modified(mpdta):
    before = mpdta.copy()
    BaconDecomposition().fit(mpdta, MPDTA)
    pd.testing.assert_frame_equal(mpdta, before)


def test_unbalanced_panel_is_refused_with_the_fix():
    frame = staggered_panel().iloc[1:]
    with pytest.raises(EstimationError, match="balanced panel.*keep only units"):
        BaconDecomposition().fit(frame, COLUMNS)


def test_missing_outcome_is_refused():
    frame = staggered_panel()
    frame.loc[5, "y"] = np.nan
    with pytest.raises(EstimationError, match="missing value"):
        BaconDecomposition().fit(frame, COLUMNS)


def test_pilot_start_must_be_constant_within_unit():
    frame = staggered_panel()
    frame.loc[0, "start"] = 4
    with pytest.raises(EstimationError, match="same in every row"):
        BaconDecomposition().fit(frame, COLUMNS)


def test_no_variation_in_treatment_is_refused():
    frame = staggered_panel()
    frame["start"] = 3
    with pytest.raises(EstimationError, match="does not vary"):
        BaconDecomposition().fit(frame, COLUMNS)


def test_missing_roles_are_a_config_error():
    with pytest.raises(EstimatorConfigError, match="cohort"):
        BaconDecomposition().fit(pd.DataFrame(),
                                 PanelColumns(outcome="y", unit="unit", time="period"))
