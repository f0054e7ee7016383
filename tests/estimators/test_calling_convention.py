"""One calling convention for every estimator: a frozen configuration of options, and the
columns given once, in ``fit`` -- as a role set (``fit(frame, PanelColumns(...))``) or as
keywords (``fit(frame, outcome="y", ...)``, as lifelines' ``fit(df, duration_col=...)``).

Each case fits the same data both ways and checks the results are identical (their JSON
dictionaries), so neither path can drift from the other."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import (
    BaconDecomposition,
    CallawaySantAnna,
    CauseSpecificCox,
    CoxModel,
    CumulativeIncidence,
    DidTwoByTwo,
    EstimatorConfigError,
    EventStudy,
    KaplanMeier,
    LogRankTest,
    PanelColumns,
    PoissonLeavingDid,
    RestrictedMeanSurvival,
    SpellColumns,
    SunAbraham,
    SyntheticControl,
    SyntheticDid,
    TwoWayFixedEffects,
    WildClusterBootstrap,
)

DATA = Path(__file__).resolve().parent.parent / "data"
MPDTA = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
ROSSI = SpellColumns(duration="week", event="arrest", group="fin",
                     covariates=("fin", "age", "prio"))
BMT = SpellColumns(duration="ftime", event="status", group="dis", covariates=("dis",))


def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def two_cohorts() -> pd.DataFrame:
    """mpdta with one pilot start (2006) and never-treated counties, 2005-2006."""
    frame = mpdta()
    return frame[frame["first.treat"].isin([0, 2006]) & frame["year"].isin([2005, 2006])]


def few_clusters() -> pd.DataFrame:
    """mpdta counties grouped into 10 clusters (the wild bootstrap's setting)."""
    frame = mpdta()
    return frame.assign(region=frame["countyreal"] % 10)


def leaving_panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for team in range(12):
        start = 3 if team < 5 else None
        for period in range(6):
            pilot = int(start is not None and period >= start)
            days = 300.0 + 10 * team
            rows.append({"team": team, "period": period, "pilot_post": pilot,
                         "person_days": days,
                         "leavers": int(rng.poisson(days / 100 * (0.7 if pilot else 1.0)))})
    return pd.DataFrame(rows)


def survival(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / "survival" / f"{name}.csv")


CASES = [
    ("2x2", lambda: DidTwoByTwo(), two_cohorts, MPDTA),
    ("twfe", lambda: TwoWayFixedEffects(cross_check="never"), mpdta, MPDTA),
    ("event study", lambda: EventStudy(leads=2, lags=2), mpdta, MPDTA),
    ("sun-abraham", lambda: SunAbraham(), mpdta, MPDTA),
    ("callaway-santanna", lambda: CallawaySantAnna(), mpdta,
     PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                  covariates=("lpop",))),
    ("bacon", lambda: BaconDecomposition(), mpdta, MPDTA),
    ("wild bootstrap", lambda: WildClusterBootstrap(draws=199, seed=1), few_clusters,
     PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                  cluster="region")),
    ("poisson leaving", lambda: PoissonLeavingDid(), leaving_panel,
     PanelColumns(outcome="leavers", exposure="person_days", unit="team", time="period",
                  treatment="pilot_post")),
    ("synthetic did", lambda: SyntheticDid(replications=10, seed=3), lambda: pd.read_csv(
        DATA / "synthetic" / "california_prop99.csv", sep=";"), PanelColumns(
        outcome="PacksPerCapita", unit="State", time="Year", treatment="treated")),
    ("synthetic control", lambda: SyntheticControl(), lambda: pd.read_csv(
        DATA / "synthetic" / "california_prop99.csv", sep=";"), PanelColumns(
        outcome="PacksPerCapita", unit="State", time="Year", treatment="treated")),
    ("kaplan-meier", lambda: KaplanMeier(times=(20.0,)), lambda: survival("rossi"), ROSSI),
    ("log-rank", lambda: LogRankTest(), lambda: survival("rossi"), ROSSI),
    ("rmst", lambda: RestrictedMeanSurvival(tau=40.0), lambda: survival("rossi"), ROSSI),
    ("cumulative incidence", lambda: CumulativeIncidence(), lambda: survival("bmt"), BMT),
    ("cox", lambda: CoxModel(), lambda: survival("rossi"), ROSSI),
    ("cause-specific cox", lambda: CauseSpecificCox(event_type=1), lambda: survival("bmt"),
     BMT),
]


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
