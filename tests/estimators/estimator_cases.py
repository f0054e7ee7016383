"""Fits of every estimator on small published or seeded data, shared by the calling
convention and result protocol tests.  Data: tests/data (mpdta from R ``did``, Rossi, bmt, hypoxia
survival data; see the READMEs there)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pilot_eval.estimators import (
    BaconDecomposition,
    CallawaySantAnna,
    CauseSpecificCox,
    CoxModel,
    CumulativeIncidence,
    DidTwoByTwo,
    EventStudy,
    FineGray,
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
HYPOXIA = SpellColumns(duration="time", event="status", covariates=("ifp", "tumsize", "pelnode"))


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
    ("fine-gray", lambda: FineGray(event_type=1), lambda: survival("hypoxia"), HYPOXIA),
]
