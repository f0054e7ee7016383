"""Small-pilot choice and the synthetic DiD evidence terms."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pilot_eval.estimators import PanelColumns, SyntheticDid

from pilot_eval.small_pilots import evidence_terms, method_sentence, small_pilot

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
