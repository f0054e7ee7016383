"""Small-pilot choice and the synthetic DiD evidence terms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pilot_eval.estimators import PanelColumns, SyntheticControl, SyntheticDid

from pilot_eval.small_pilots import evidence_terms, fit_term, method_sentence, small_pilot

DATA = Path(__file__).parents[1] / "data" / "synthetic" / "california_prop99.csv"
COLS = PanelColumns(outcome="PacksPerCapita", unit="State", time="Year", treatment="treated")


def test_threshold_and_reasons():
    assert small_pilot(1, 38, 19).use_synthetic
    assert "MacKinnon & Webb" in small_pilot(5, 40, 12).reason
    assert not small_pilot(6, 40, 12).use_synthetic
    assert "comparison" in small_pilot(3, 3, 12).reason
    assert "history" in small_pilot(2, 20, 3).reason


def test_evidence_terms_on_california():
    result = SyntheticDid(se="placebo", replications=40, seed=2).fit(
        pd.read_csv(DATA, sep=";"), COLS)
    fit, rank = evidence_terms(result)
    assert fit.name == "pre-period fit" and fit.rating == "good"
    assert rank.name == "placebo rank"
    larger = 40 - result.placebo_rank
    assert f"larger than {larger} of 40" in rank.text
    assert rank.rating == ("good" if result.placebo_rank / 40 <= 0.05 else "weak")
    assert evidence_terms(result.to_dict()) == (fit, rank)
    none = SyntheticDid(se="none").fit(pd.read_csv(DATA, sep=";"), COLS)
    assert evidence_terms(none)[1].rating == "unavailable"
    assert method_sentence().startswith("We compared the pilot's change")
    assert "synthetic" in method_sentence("sc")


def _pilot_panel(n_pilot: int, *, drift: float, seed: int) -> pd.DataFrame:
    """30 teams x 20 months, parallel trends plus AR(1) noise (sd 2); the pilot teams may
    drift away from the others by ``drift`` per month, before and after the start."""
    rng = np.random.default_rng(seed)
    n, periods, start = 30, 20, 12
    noise = np.zeros((n, periods))
    for t in range(periods):
        noise[:, t] = (0.5 * noise[:, t - 1] if t else 0.0) + rng.normal(0, 2, n)
    pilot = np.zeros((n, periods))
    pilot[:n_pilot, start:] = 1.0
    y = (60 + rng.normal(0, 5, n)[:, None] + np.cumsum(rng.normal(0, 1, periods))[None]
         + 3 * pilot + noise)
    y[:n_pilot] += drift * np.arange(periods) ** 2 / periods
    return pd.DataFrame({"team": np.repeat(np.arange(n), periods),
                         "month": np.tile(np.arange(periods), n), "y": y.ravel(),
                         "pilot": pilot.ravel()})


def test_fit_rule_passes_noisy_parallel_pilots_and_flags_drifting_ones():
    """The pre-period fit is judged against the comparison units' period-to-period noise, so
    a noisy pilot on a parallel trend is not failed for its noise (the half-spread rule
    failed most of them), while a pilot bending away from the others is flagged."""
    roles = {"outcome": "y", "unit": "team", "time": "month", "treatment": "pilot"}
    for n_pilot in (1, 3, 5):
        for seed in range(4):
            fit = SyntheticDid(se="none").fit(_pilot_panel(n_pilot, drift=0.0, seed=seed),
                                              **roles)
            assert evidence_terms(fit)[0].rating == "good"
    bent = SyntheticDid(se="none").fit(_pilot_panel(1, drift=3.0, seed=0), **roles)
    assert evidence_terms(bent)[0].rating == "weak"
    assert "more than the comparison units' usual change" in evidence_terms(bent)[0].text


def test_fit_term_thresholds_at_the_noise_level():
    assert fit_term(1.0, 1.0).rating == "good"
    assert fit_term(1.0 + 1e-9, 1.0).rating == "weak"


def test_synthetic_control_terms():
    frame = pd.read_csv(DATA, sep=";")
    result = SyntheticControl().fit(frame, COLS)
    fit, rank = evidence_terms(result)
    assert fit.rating == "good" and "within the comparison units' usual change" in fit.text
    assert f"ranked {result.rank} of 39" in rank.text
    assert rank.rating == ("good" if result.rank / 39 <= 0.05 else "weak")
    shifted = frame.copy()
    shifted.loc[shifted.State == "California", "PacksPerCapita"] += 150.0
    poor = SyntheticControl(placebos=False).fit(shifted, COLS)
    fit, rank = evidence_terms(poor)
    assert fit.rating == "weak" and rank.rating == "unavailable"
