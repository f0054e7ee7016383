"""Workforce rates against their published definitions on hand-worked tables.

References: NHS Digital leaver rate and stability index, DfE children's social work workforce
turnover, vacancy and agency rates (definitions as quoted in the project's reference notes).
Every expected number below is worked by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.unavailable import Unavailable
from pilot_eval.estimators.workforce import (
    agency_rate,
    calendar_periods,
    dfe_turnover_rate,
    nhs_leaver_rate,
    rates_records,
    rates_table,
    spell_counts,
    stability_index,
    vacancy_rate,
)

EXACT = 1e-12  # hand-worked ratios of small integers
KM_AGREEMENT = 1e-12  # stability index vs Kaplan-Meier of the same cohort (same arithmetic)

FIRST, AFTER = np.datetime64("2024-10-01"), np.datetime64("2025-10-01")  # year to 30 Sep 2025

# name, start, end (blank = in post), counts as leaving
HAND_SPELLS = [
    ("A", "2020-01-01", None, False),          # in post throughout: start, end, stayer
    ("B", "2021-05-01", "2025-03-31", True),   # leaver; in post at start only
    ("C", "2024-12-01", "2025-06-30", True),   # joined and left inside the year: leaver
    ("D", "2025-01-01", None, False),          # joiner, in post at the end
    ("E", "2019-01-01", "2024-11-30", False),  # internal move: not a leaver, still a stayer
    ("F", "2018-01-01", "2025-09-30", True),   # left on the last day: leaver, not in post at end
    ("G", "2022-02-02", "2024-09-30", True),   # left the day before the year: not counted
]


def _hand_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": [s[0] for s in HAND_SPELLS],
        "start": pd.to_datetime([s[1] for s in HAND_SPELLS]),
        "end": pd.to_datetime([s[2] for s in HAND_SPELLS]),
        "left": [s[3] for s in HAND_SPELLS],
        "team": ["t1", "t1", "t1", "t2", "t2", "t2", "t2"],
    })


def test_published_formulas_on_small_numbers() -> None:
    # NHS: 12 leavers, headcount 100 at the start and 140 at the end -> 12 / 120 = 10%
    assert nhs_leaver_rate(12, 100, 140) == pytest.approx(0.10, abs=EXACT)
    # NHS stability: 100 at the start, 90 of them still there -> 90%
    assert stability_index(100, 90) == pytest.approx(0.90, abs=EXACT)
    # DfE: 59 leavers in the year to 30 September, 500 FTE in post at 30 September -> 11.8%
    assert dfe_turnover_rate(59, 500) == pytest.approx(0.118, abs=EXACT)
    # DfE: 71 vacancies, 429 in post -> 71 / 500 = 14.2%; 65 agency, 435 in post -> 13.0%
    assert vacancy_rate(71, 429) == pytest.approx(0.142, abs=EXACT)
    assert agency_rate(65, 435) == pytest.approx(0.130, abs=EXACT)


def test_zero_base_is_unavailable_and_bad_cohort_raises() -> None:
    assert isinstance(nhs_leaver_rate(0, 0, 0), Unavailable)
    assert isinstance(dfe_turnover_rate(1, 0), Unavailable)
    with pytest.raises(EstimationError, match="same cohort"):
        stability_index(5, 6)


def test_spell_counts_hand_worked_year() -> None:
    frame = _hand_frame()
    counts = spell_counts(frame.start.to_numpy("datetime64[D]"), frame.end.to_numpy("datetime64[D]"),
                          frame.left.to_numpy(), period_start=FIRST, period_end=AFTER)
    assert counts.headcount_start == 4  # A, B, E, F in post on 1 Oct 2024
    assert counts.headcount_end == 2  # A, D in post at the close of 30 Sep 2025
    assert counts.leavers == 3  # B, C, F
    assert counts.stayers == 2  # A, and E (moved internally: not a leaver)
    rates = counts.rates()
    assert rates["nhs_leaver_rate"] == pytest.approx(3 / ((4 + 2) / 2), abs=EXACT)
    assert rates["dfe_turnover_rate"] == pytest.approx(3 / 2, abs=EXACT)
    assert rates["stability_index"] == pytest.approx(2 / 4, abs=EXACT)
    # person-days: A 365, B 182 (1 Oct - 31 Mar), C 212, D 273, E 61, F 365
    assert counts.person_time == 365 + 182 + 212 + 273 + 61 + 365


def test_fte_weights() -> None:
    frame = _hand_frame()
    fte = np.array([1.0, 0.5, 1.0, 0.8, 1.0, 0.6, 1.0])
    counts = spell_counts(frame.start.to_numpy("datetime64[D]"), frame.end.to_numpy("datetime64[D]"),
                          frame.left.to_numpy(), period_start=FIRST, period_end=AFTER, weights=fte)
    assert counts.headcount_end == pytest.approx(1.0 + 0.8, abs=EXACT)
    assert counts.leavers == pytest.approx(0.5 + 1.0 + 0.6, abs=EXACT)


def test_rates_table_by_team() -> None:
    table = rates_table(_hand_frame(), [("2024/25", FIRST, AFTER)], by=["team"])
    t1 = table.set_index("team").loc["t1"]
    # t1: A, B in post at start; A at end; leavers B, C -> NHS 2 / 1.5, DfE 2 / 1, stability 1/2
    assert (t1.headcount_start, t1.headcount_end, t1.leavers) == (2, 1, 2)
    assert t1.nhs_leaver_rate == pytest.approx(2 / 1.5, abs=EXACT)
    assert t1.dfe_turnover_rate == pytest.approx(2.0, abs=EXACT)
    assert t1.stability_index == pytest.approx(0.5, abs=EXACT)


def test_stability_index_equals_cohort_kaplan_meier() -> None:
    """Brute force: with no exits other than leaving, the stability index over a period is the
    Kaplan-Meier survival at the period end of the cohort in post at its start (lifelines)."""
    rng = np.random.default_rng(20261127)
    n = 400
    start = np.datetime64("2015-01-01") + rng.integers(0, 3000, n).astype("timedelta64[D]")
    tenure = rng.exponential(900, n).astype(int)
    end = start + tenure.astype("timedelta64[D]")
    still = end > np.datetime64("2026-01-01")
    end = np.where(still, np.datetime64("NaT"), end).astype("datetime64[D]")
    left = ~still
    first, after = np.datetime64("2023-04-01"), np.datetime64("2024-04-01")
    counts = spell_counts(start, end, left, period_start=first, period_end=after)
    cohort = (start <= first) & (np.isnat(end) | (end >= first))
    length = int((after - first).astype(int))
    exit_day = np.where(np.isnat(end), 10**6, (end - first).astype("timedelta64[D]").astype(int)
                        + 1)
    duration = np.minimum(exit_day[cohort], length)
    event = exit_day[cohort] <= length
    km = KaplanMeierFitter().fit(duration, event)
    expected = float(km.survival_function_at_times(length).iloc[0])
    assert 0.2 < expected < 0.9  # the cohort really does lose people
    assert counts.rates()["stability_index"] == pytest.approx(expected, abs=KM_AGREEMENT)


FAST_PATH_ATOL = 1e-10  # all groups at once against one spell_counts call per group (issue 12)


@pytest.mark.parametrize("back_to_back", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_rates_table_equals_spell_counts_per_group_and_period(weighted, back_to_back) -> None:
    """The vectorised table holds, row by row, what ``spell_counts`` gives for that group's
    spells and period (the earlier implementation looped exactly so): back-to-back periods
    (counted in one pass) and periods with gaps between them (one pass per period)."""
    rng = np.random.default_rng(7)
    n = 6_000
    start = np.datetime64("2012-01-01") + rng.integers(0, 4000, n).astype("timedelta64[D]")
    end = (start + rng.exponential(700, n).astype(int).astype("timedelta64[D]"))
    still = end > np.datetime64("2023-06-30")
    end = np.where(still, np.datetime64("NaT"), end).astype("datetime64[D]")
    frame = pd.DataFrame({"start": start, "end": end, "left": ~still & (rng.random(n) < 0.9),
                          "team": rng.choice(["a", "b", "c", "d"], n),
                          "arm": rng.choice([1, 2], n), "fte": rng.choice([1.0, 0.8, 0.5], n)})
    periods = calendar_periods("2018-04-01", "2023-07-01", months=3)
    if not back_to_back:
        periods = periods[::2]
    table = rates_table(frame, periods, by=["team", "arm"], weights="fte" if weighted else None)
    expected = []
    for (team, arm), part in frame.groupby(["team", "arm"], sort=True):
        for label, first, after in periods:
            counts = spell_counts(part.start.to_numpy("datetime64[D]"),
                                  part.end.to_numpy("datetime64[D]"), part.left.to_numpy(),
                                  period_start=np.datetime64(first, "D"),
                                  period_end=np.datetime64(after, "D"),
                                  weights=part.fte.to_numpy() if weighted else None)
            rates = {k: np.nan if isinstance(v, Unavailable) else v
                     for k, v in counts.rates().items()}
            expected.append({"team": team, "arm": arm, "period": label,
                             "headcount_start": counts.headcount_start,
                             "headcount_end": counts.headcount_end, "leavers": counts.leavers,
                             "stayers": counts.stayers, "person_days": counts.person_time,
                             **rates})
    expected = pd.DataFrame(expected)
    assert len(table) == len(expected) == 8 * len(periods)
    assert list(table["team"]) == list(expected["team"])
    assert list(table["arm"]) == list(expected["arm"]) and list(table["period"]) == list(
        expected["period"])
    for name in ("headcount_start", "headcount_end", "leavers", "stayers", "person_days",
                 "nhs_leaver_rate", "stability_index", "dfe_turnover_rate"):
        np.testing.assert_allclose(table[name], expected[name], rtol=0, atol=FAST_PATH_ATOL,
                                   err_msg=name)


def _records_one_value_at_a_time(frame: pd.DataFrame) -> list[dict]:
    """The earlier ``rates_records``: every value converted on its own."""
    out = []
    for record in frame.to_dict("records"):
        row = {}
        for key, value in record.items():
            if key == "period_index":
                continue
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            elif value is pd.NaT:
                value = None
            elif isinstance(value, float | np.floating) and key in (
                    "headcount_start", "headcount_end", "leavers", "stayers", "person_days"):
                value = int(round(float(value)))
            elif isinstance(value, float | np.floating):
                value = float(value) if np.isfinite(value) else None
            elif isinstance(value, np.integer):
                value = int(value)
            row[key] = value
        row["base"] = min(row["headcount_start"], row["headcount_end"])
        out.append(row)
    return out


def test_rates_records_equal_the_value_by_value_conversion() -> None:
    rng = np.random.default_rng(3)
    n = 3_000
    start = np.datetime64("2016-01-01") + rng.integers(0, 2500, n).astype("timedelta64[D]")
    end = (start + rng.exponential(500, n).astype(int).astype("timedelta64[D]"))
    end = np.where(end > np.datetime64("2022-12-31"), np.datetime64("NaT"), end)
    frame = pd.DataFrame({"start": start, "end": end.astype("datetime64[D]"),
                          "left": ~np.isnat(end), "team": rng.choice(["x", "y", "z"], n)})
    table = rates_table(frame, calendar_periods("2020-01-01", "2023-01-01", months=3),
                        by=["team"])
    table = table.assign(pilot_start=table["team"].map({"x": pd.Timestamp("2021-04-01")}),
                         pilot_post=(table["team"] == "x").astype(int),
                         period_index=pd.factorize(table["period"])[0])
    table.loc[0, "nhs_leaver_rate"] = np.nan
    records = rates_records(table)
    assert records == _records_one_value_at_a_time(table)
    assert records[0]["nhs_leaver_rate"] is None and records[0]["pilot_start"] == "2021-04-01"
    assert records[-1]["pilot_start"] is None and "period_index" not in records[0]
