"""Log-rank test against R survdiff published figures, lifelines and a brute-force loop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import multivariate_logrank_test
from pilot_eval.estimators import EstimationError, SpellColumns
from pilot_eval.estimators.survival.logrank import LogRankTest
from scipy import stats

DATA = Path(__file__).resolve().parents[1] / "data" / "survival"
PUBLISHED_5DP = 5e-6  # chi-square printed to 5 decimals
PUBLISHED_4DP = 5e-5  # chi-square printed to 4 decimals
P_PRINTED = 5e-7  # p-values printed to 6 decimals / 4 significant digits
LIBRARY = 1e-9


def brute_force_logrank(time, event, group, strata, entry=None):
    """Textbook loop: at each event time of each stratum add O-E and the hypergeometric V."""
    entry = np.full(len(time), -np.inf) if entry is None else entry
    levels = sorted(set(group))
    k = len(levels)
    o_minus_e = np.zeros(k)
    v = np.zeros((k, k))
    for s in sorted(set(strata)):
        in_s = strata == s
        for t in sorted(set(time[in_s & (event == 1)])):
            risk = in_s & (time >= t) & (entry < t)
            n = risk.sum()
            d = (risk & (time == t) & (event == 1)).sum()
            for a, ga in enumerate(levels):
                n_a = (risk & (group == ga)).sum()
                d_a = (risk & (group == ga) & (time == t) & (event == 1)).sum()
                o_minus_e[a] += d_a - n_a * d / n
                for b, gb in enumerate(levels):
                    n_b = (risk & (group == gb)).sum()
                    if n > 1:
                        v[a, b] += d * (n - d) / (n - 1) * n_a / n * ((a == b) - n_b / n)
    diff = o_minus_e[:-1]
    return float(diff @ np.linalg.solve(v[:-1, :-1], diff))


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return pd.read_csv(DATA / "lung.csv")


def test_rossi_by_fin():
    # REFERENCES.md (R survdiff(Surv(week, arrest) ~ fin, Rossi)): chi2 3.83757, p 0.05012
    rossi = pd.read_csv(DATA / "rossi.csv")
    result = LogRankTest().fit(rossi, SpellColumns(duration="week", event="arrest", group="fin"))
    assert result.statistic == pytest.approx(3.83757, abs=PUBLISHED_5DP)
    assert result.df == 1
    assert result.p_value == pytest.approx(0.05012, abs=P_PRINTED * 10)


def test_lung_by_sex(lung):
    # REFERENCES.md (R survdiff(Surv(time, status) ~ sex, lung)): chi2 10.3267, p 0.001311
    result = LogRankTest().fit(lung, SpellColumns(duration="time", event="status", group="sex"))
    assert result.statistic == pytest.approx(10.3267, abs=PUBLISHED_4DP)
    assert result.p_value == pytest.approx(0.001311, abs=P_PRINTED)


def test_k_groups_match_lifelines(lung):
    # lifelines 0.30 multivariate_logrank_test, four ECOG groups (missing coded -1)
    frame = lung.fillna({"ph.ecog": -1})
    result = LogRankTest().fit(frame, SpellColumns(duration="time", event="status",
                                                   group="ph.ecog"))
    ref = multivariate_logrank_test(frame.time, frame["ph.ecog"], frame.status)
    assert result.statistic == pytest.approx(ref.test_statistic, abs=LIBRARY)
    assert result.df == ref.degrees_of_freedom == 4
    assert result.p_value == pytest.approx(ref.p_value, abs=LIBRARY)


def test_stratified_matches_brute_force(lung):
    frame = lung.dropna(subset=["ph.ecog"])
    frame = frame[frame["ph.ecog"] < 3]
    result = LogRankTest().fit(
        frame, SpellColumns(duration="time", event="status", group="ph.ecog", strata="sex")
    )
    expected = brute_force_logrank(frame.time.to_numpy(), frame.status.to_numpy(),
                                   frame["ph.ecog"].to_numpy(), frame.sex.to_numpy())
    assert result.statistic == pytest.approx(expected, abs=LIBRARY)
    assert result.df == 2 and result.n_strata == 2
    assert result.p_value == pytest.approx(stats.chi2.sf(expected, 2), abs=LIBRARY)


def test_delayed_entry_matches_brute_force():
    rng = np.random.default_rng(5)
    entry = rng.integers(0, 10, 300).astype(float)
    time = entry + rng.integers(1, 30, 300)
    event = rng.integers(0, 2, 300)
    group = rng.choice(["a", "b", "c"], 300)
    result = LogRankTest().fit_arrays(time, event, group=group, entry=entry)
    expected = brute_force_logrank(time, event, group, np.zeros(300), entry)
    assert result.statistic == pytest.approx(expected, abs=LIBRARY)
    assert result.df == 2


def test_json_and_errors(lung):
    result = LogRankTest().fit(lung, SpellColumns(duration="time", event="status", group="sex"))
    data = json.loads(json.dumps(result.to_dict()))
    assert {"statistic", "df", "p_value"} <= set(data)
    assert "chi2" in result.summary()
    with pytest.raises(EstimationError, match="two groups"):
        LogRankTest().fit_arrays([1, 2], [1, 1], group=["a", "a"])
    with pytest.raises(EstimationError, match="group column"):
        LogRankTest().fit(lung, SpellColumns(duration="time", event="status"))
