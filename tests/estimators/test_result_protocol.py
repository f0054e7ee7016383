"""One protocol for every estimator result (estimators/results.py), checked on each of them:
a tidy frame whose first columns are ``term, estimate, se, statistic, p_value, ci_low, ci_high``
(as broom / pyfixest), ``summary()`` as ``str()``, a notebook view, a one-line repr,
``warnings`` and ``unavailable``; and periods given as users have them (year-month text,
dates, pandas periods) giving the same numbers as integer periods, shown by their labels."""

from __future__ import annotations

import functools
import html
import math

import numpy as np
import pandas as pd
import pytest
from estimator_cases import CASES, MPDTA, mpdta
from pilot_eval.estimators import (
    BaconDecomposition,
    CallawaySantAnna,
    DidTwoByTwo,
    EventStudy,
    LeavingDidResult,
    PanelColumns,
    SunAbraham,
    TwoWayFixedEffects,
    WildClusterBootstrap,
    from_event_study,
    relative_magnitude_bounds,
    smoothness_bounds,
)
from pilot_eval.estimators.results import TIDY_COLUMNS, Estimate, Result

from pilot_eval import estimators

EXACT = 1e-12  # the same data coded two ways: identical arithmetic up to rounding


@functools.cache
def fitted() -> dict[str, Result]:
    results = {name: make().fit(data(), columns) for name, make, data, columns in CASES}
    inputs = from_event_study(EventStudy(leads=3, lags=2).fit(mpdta(), MPDTA))
    results["smoothness bounds"] = smoothness_bounds(inputs.beta, inputs.sigma,
                                                     n_pre=inputs.n_pre)
    results["relative magnitude bounds"] = relative_magnitude_bounds(
        inputs.beta, inputs.sigma, n_pre=inputs.n_pre, mbar_grid=(0.0, 0.5), seed=1)
    return results


NAMES = [case[0] for case in CASES] + ["smoothness bounds", "relative magnitude bounds"]
HEADLINES = ["2x2", "twfe", "event study", "sun-abraham", "callaway-santanna", "wild bootstrap",
             "poisson leaving"]


def test_every_exported_result_class_is_checked():
    exported = {getattr(estimators, name) for name in estimators.__all__
                if name.endswith("Result") and name != "Result"}
    checked = {type(result) for result in fitted().values()}
    assert exported <= checked, sorted(c.__name__ for c in exported - checked)
    assert all(issubclass(cls, Result) for cls in exported)


@pytest.mark.parametrize("name", NAMES)
def test_result_protocol(name):
    result = fitted()[name]
    tidy = result.tidy()
    assert isinstance(tidy, pd.DataFrame) and len(tidy) >= 1
    assert tuple(tidy.columns[:len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert all(isinstance(term, str) and term for term in tidy["term"])
    for column in TIDY_COLUMNS[1:]:
        assert tidy[column].dtype == np.float64, column
    assert tidy is not result.tidy()  # a fresh frame every call
    text = result.summary()
    assert isinstance(text, str) and text and str(result) == text
    view = result._repr_html_()
    assert "<table" in view and html.escape(type(result).title) in view
    assert repr(result).startswith(f"<{type(result).__name__}: ") and "\n" not in repr(result)
    assert isinstance(result.warnings, tuple)
    assert all(isinstance(w, str) for w in result.warnings)
    assert isinstance(result.unavailable, dict)


def test_every_headline_result_is_an_estimate():
    assert {n for n, r in fitted().items() if isinstance(r, Estimate)} == set(HEADLINES)


@pytest.mark.parametrize("name", HEADLINES)
def test_headline_results_share_the_estimate_fields(name):
    result = fitted()[name]
    for field in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        value = getattr(result, field)
        assert isinstance(value, float) or value.__class__.__name__ == "Unavailable"
    assert 0 < result.level < 1 and isinstance(result.n_obs, int) and result.n_obs > 0
    if not isinstance(result.estimate, float) or isinstance(result, LeavingDidResult):
        return
    assert result.ci_low <= result.estimate <= result.ci_high  # the interval is the estimate's
    assert result.tidy()["estimate"].iloc[0] == pytest.approx(result.estimate) or name in (
        "event study", "sun-abraham", "2x2", "callaway-santanna")


def test_unavailable_statistics_are_nan_in_tidy_and_listed_with_reasons():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0], "g": [0, 0, 1, 1], "p": [0, 1, 0, 1],
                          "site": [1, 1, 1, 1]})
    result = DidTwoByTwo().fit(frame, outcome="y", group="g", post="p", cluster="site")
    assert "se" in result.unavailable and "2 clusters" in result.unavailable["se"]
    assert math.isnan(result.tidy().set_index("term").loc["pilot x after", "se"])


def test_exponentiated_tidy_of_ratio_models():
    leaving = fitted()["poisson leaving"]
    ratio = leaving.tidy(exponentiate=True).iloc[0]
    assert ratio["estimate"] == pytest.approx(math.exp(leaving.estimate), rel=EXACT)
    assert ratio["ci_low"] == pytest.approx(math.exp(leaving.ci_low), rel=EXACT)
    cox = fitted()["cox"]
    hazard = cox.tidy(exponentiate=True).set_index("term")
    log_scale = cox.tidy().set_index("term")
    np.testing.assert_allclose(hazard["estimate"], np.exp(log_scale["estimate"]), rtol=EXACT)
    np.testing.assert_allclose(hazard["ci_high"], np.exp(log_scale["ci_high"]), rtol=EXACT)


# ------------------------------------------------------------------ periods as users have them

def monthly(frame: pd.DataFrame, form: str) -> pd.DataFrame:
    """mpdta's years 2003..2007 as the months Jan..May 2024 in ``form``; cohort 0 stays never."""
    month = {year: f"2024-{year - 2002:02d}" for year in range(2003, 2008)}
    time = frame["year"].map(month)
    cohort = frame["first.treat"].map(lambda y: month.get(y))
    if form == "text":
        return frame.assign(year=time, **{"first.treat": cohort.fillna("never")})
    if form == "date":
        return frame.assign(year=pd.to_datetime(time + "-01"),
                            **{"first.treat": pd.to_datetime(cohort + "-15")})
    return frame.assign(year=pd.PeriodIndex(time, freq="M"),
                        **{"first.treat": pd.PeriodIndex(cohort, freq="M")})


PANEL_ESTIMATORS = {
    "twfe": lambda: TwoWayFixedEffects(cross_check="never"),
    "event study": lambda: EventStudy(leads=2, lags=2),
    "sun-abraham": lambda: SunAbraham(),
    "callaway-santanna": lambda: CallawaySantAnna(),
    "bacon": lambda: BaconDecomposition(),
    "wild bootstrap": lambda: WildClusterBootstrap(draws=99, seed=3),
}


@pytest.mark.parametrize("form", ["text", "date", "period"])
@pytest.mark.parametrize("name", list(PANEL_ESTIMATORS))
def test_month_periods_give_the_same_numbers_as_integer_periods(name, form):
    frame = mpdta()
    columns = MPDTA if name != "wild bootstrap" else PanelColumns(
        outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
        cluster="region")
    if name == "wild bootstrap":
        frame = frame.assign(region=frame["countyreal"] % 10)
    by_year = PANEL_ESTIMATORS[name]().fit(frame, columns)
    by_month = PANEL_ESTIMATORS[name]().fit(monthly(frame, form), columns)
    year_tidy, month_tidy = by_year.tidy(), by_month.tidy()
    np.testing.assert_allclose(month_tidy["estimate"], year_tidy["estimate"], atol=EXACT)
    np.testing.assert_allclose(month_tidy["se"], year_tidy["se"], atol=EXACT)


def test_summaries_show_period_labels_not_codes():
    frame = monthly(mpdta(), "text")
    cs = CallawaySantAnna().fit(frame, MPDTA)
    text = cs.summary()
    assert "Feb 2024" in text and "May 2024" in text and "24290" not in text
    assert "ATT(Feb 2024, Mar 2024)" in set(cs.tidy()["term"])
    assert "e=1" in set(cs.tidy(aggregation="dynamic")["term"])
    assert "group Feb 2024" in set(cs.tidy(aggregation="group")["term"])
    bacon = BaconDecomposition().fit(frame, MPDTA)
    assert "Feb 2024 vs never" in set(bacon.tidy()["term"]) and "24289" not in bacon.summary()
    two = frame[frame["first.treat"].isin(["2024-04", "never"])
                & frame["year"].isin(["2024-03", "2024-04"])]
    assert "pilot start: Apr 2024" in DidTwoByTwo().fit(two, MPDTA).summary()


def test_periods_that_are_not_periods_say_how_to_convert_them():
    frame = mpdta().assign(year=lambda f: f["year"].map(lambda y: f"01/03/{y}"))
    with pytest.raises(estimators.EstimationError, match="dayfirst=True"):
        TwoWayFixedEffects().fit(frame, MPDTA)
