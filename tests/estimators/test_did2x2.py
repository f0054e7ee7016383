"""2x2 difference-in-differences against statsmodels OLS and the cell-mean identity.

References:

* statsmodels ``OLS``/``WLS`` of ``y ~ g + p + g:p (+ x)`` with ``cov_type`` ``nonrobust``,
  ``HC1`` and ``cluster`` (``use_correction=True``, ``df_correction=True``: the factor
  ``G/(G-1) (N-1)/(N-K)`` and t with ``G-1`` df) — an independent implementation of the same
  formulas, to ``PEER_RTOL``.
* The cell-mean identity ``d = (pilot_after - pilot_before) - (comparison_after -
  comparison_before)`` (exact algebra without covariates), to ``IDENTITY_ATOL``.
* mpdta (R ``did`` data): the 2006 cohort against never-treated counties over 2003-2007,
  computed both as a panel (``cohort``) and from explicit group/post columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.two_by_two import DidTwoByTwo
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

DATA = Path(__file__).resolve().parents[1] / "data"
PEER_RTOL = 1e-9
IDENTITY_ATOL = 1e-12


def cross_section(seed: int, n: int = 400, *, weights: bool = False) -> pd.DataFrame:
    """Repeated cross-section: 20 sites (clusters), pilot sites 0-7, two periods."""
    rng = np.random.default_rng(seed)
    site = rng.integers(0, 20, n)
    group = (site < 8).astype(float)
    post = rng.integers(0, 2, n).astype(float)
    x = rng.normal(size=n)
    y = (1 + 0.4 * group + 0.2 * post + 0.7 * group * post + 0.3 * x
         + rng.normal(size=20)[site] + rng.normal(size=n) * (1 + group))
    frame = pd.DataFrame({"y": y, "g": group, "p": post, "x": x, "site": site})
    if weights:
        frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame


def statsmodels_fit(frame: pd.DataFrame, se: str, covariates=(), weights=None, groups=None):
    design = np.column_stack([np.ones(len(frame)), frame["g"], frame["p"],
                              frame["g"] * frame["p"], *(frame[c] for c in covariates)])
    model = (sm.OLS(frame["y"], design) if weights is None
             else sm.WLS(frame["y"], design, weights=frame[weights]))
    if se == "iid":
        return model.fit()
    if se == "hc1":
        return model.fit(cov_type="HC1", use_t=True)  # t with N-K df, as fixest and Stata
    return model.fit(cov_type="cluster", cov_kwds={"groups": frame[groups],
                                                   "use_correction": True,
                                                   "df_correction": True}, use_t=True)


@pytest.mark.parametrize("se", ["iid", "hc1", "cluster"])
@pytest.mark.parametrize("covariates", [(), ("x",)])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_statsmodels(se, covariates, weighted):
    frame = cross_section(7, weights=weighted)
    columns = PanelColumns(outcome="y", group="g", post="p", covariates=covariates,
                           cluster="site", weights="w" if weighted else None)
    result = DidTwoByTwo(se=se).fit(frame, columns)
    ref = statsmodels_fit(frame, se, covariates, "w" if weighted else None, "site")
    assert result.estimate == pytest.approx(ref.params.iloc[3], rel=PEER_RTOL)
    assert result.se == pytest.approx(ref.bse.iloc[3], rel=PEER_RTOL)
    assert result.p_value == pytest.approx(ref.pvalues.iloc[3], rel=1e-7)
    low, high = np.asarray(ref.conf_int(alpha=0.05))[3]
    assert result.ci_low == pytest.approx(low, rel=1e-7)
    assert result.ci_high == pytest.approx(high, rel=1e-7)
    expected_df = 19 if se == "cluster" else len(frame) - 4 - len(covariates)
    assert result.df == expected_df


def test_cell_mean_identity_without_covariates():
    frame = cross_section(3)
    result = DidTwoByTwo(se="hc1").fit(frame, PanelColumns(outcome="y", group="g", post="p"))
    cells = {}
    for name, g, p in (("pilot_before", 1, 0), ("pilot_after", 1, 1),
                       ("comparison_before", 0, 0), ("comparison_after", 0, 1)):
        rows = frame[(frame["g"] == g) & (frame["p"] == p)]["y"]
        cells[name] = rows.mean()
        assert result.cells[name].n == len(rows)
        assert result.cells[name].mean == pytest.approx(rows.mean(), abs=IDENTITY_ATOL)
    did = ((cells["pilot_after"] - cells["pilot_before"])
           - (cells["comparison_after"] - cells["comparison_before"]))
    assert result.estimate == pytest.approx(did, abs=IDENTITY_ATOL)


def test_repeated_cross_section_without_cluster_falls_back_to_hc1():
    frame = cross_section(5)
    result = DidTwoByTwo().fit(frame, PanelColumns(outcome="y", group="g", post="p"))
    ref = statsmodels_fit(frame, "hc1")
    assert result.se_type == "hc1"
    assert "HC1 is used instead of clustering" in result.se_description
    assert result.se == pytest.approx(ref.bse.iloc[3], rel=PEER_RTOL)


@pytest.fixture(scope="module")
def mpdta_2006() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "mpdta.csv")
    return frame[frame["first.treat"].isin([0, 2006])].reset_index(drop=True)


def test_panel_from_cohort_equals_explicit_group_and_post(mpdta_2006):
    by_cohort = DidTwoByTwo().fit(mpdta_2006, PanelColumns(
        outcome="lemp", unit="countyreal", time="year", cohort="first.treat"))
    flags = mpdta_2006.assign(g=(mpdta_2006["first.treat"] > 0).astype(float),
                              p=(mpdta_2006["year"] >= 2006).astype(float),
                              y=mpdta_2006["lemp"])
    explicit = DidTwoByTwo().fit(flags, PanelColumns(outcome="y", group="g", post="p",
                                        cluster="countyreal"))
    ref = statsmodels_fit(flags, "cluster", groups="countyreal")
    assert by_cohort.pilot_start == 2006
    assert by_cohort.n_units == 349 and by_cohort.n_clusters == 349
    assert by_cohort.estimate == pytest.approx(explicit.estimate, abs=IDENTITY_ATOL)
    assert by_cohort.se == pytest.approx(ref.bse.iloc[3], rel=PEER_RTOL)
    assert "countyreal" in by_cohort.se_description
    treatment = mpdta_2006.assign(
        d=((mpdta_2006["first.treat"] > 0) & (mpdta_2006["year"] >= 2006)).astype(int))
    by_treatment = DidTwoByTwo().fit(treatment, PanelColumns(
        outcome="lemp", unit="countyreal", time="year", treatment="d"))
    assert by_treatment.estimate == pytest.approx(by_cohort.estimate, abs=IDENTITY_ATOL)


def test_to_dict_is_json_safe_and_complete(mpdta_2006):
    import json

    result = DidTwoByTwo().fit(mpdta_2006, PanelColumns(
        outcome="lemp", unit="countyreal", time="year", cohort="first.treat"))
    data = json.loads(json.dumps(result.to_dict()))
    for key in ("estimator", "outcome", "estimate", "se", "ci_low", "ci_high", "p_value",
                "t_stat", "df", "level", "n_obs", "n_units", "n_periods", "n_clusters",
                "se_type", "se_description", "warnings", "unavailable", "cell_means"):
        assert key in data
    assert set(data["cell_means"]) == {"pilot_before", "pilot_after", "comparison_before",
                                       "comparison_after"}
    assert list(result.to_frame()["n"]) == [120, 80, 927, 618]
    assert "2x2" in result.summary()


def test_several_start_dates_are_refused():
    frame = pd.read_csv(DATA / "mpdta.csv")
    with pytest.raises(EstimationError, match="one pilot start") as info:
        DidTwoByTwo().fit(frame, PanelColumns(outcome="lemp", unit="countyreal", time="year",
                                 cohort="first.treat"))
    assert info.value.column == "first.treat"


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.assign(g=0.0), "no treated units"),
    (lambda f: f.assign(g=1.0), "no comparison units"),
    (lambda f: f[~((f["g"] == 1) & (f["p"] == 0))], "no rows before"),
    (lambda f: f.assign(y="high"), "must be numeric"),
    (lambda f: f.assign(x=2 * f["g"]), "collinear"),
])
def test_bad_designs_raise_value_errors(change, message):
    frame = change(cross_section(9))
    columns = PanelColumns(outcome="y", group="g", post="p", covariates=("x",))
    with pytest.raises(EstimationError, match=message):
        DidTwoByTwo(se="hc1").fit(frame, columns)


def test_panel_pilot_unit_without_before_row_is_refused(mpdta_2006):
    first = mpdta_2006[mpdta_2006["first.treat"] == 2006]["countyreal"].iloc[0]
    frame = mpdta_2006[~((mpdta_2006["countyreal"] == first) & (mpdta_2006["year"] < 2006))]
    with pytest.raises(EstimationError, match="no before-period"):
        DidTwoByTwo().fit(frame, PanelColumns(outcome="lemp", unit="countyreal", time="year",
                                 cohort="first.treat"))


def test_one_cluster_gives_unavailable_se():
    frame = cross_section(11).assign(site=1)
    result = DidTwoByTwo().fit(frame, PanelColumns(outcome="y", group="g", post="p",
                                                   cluster="site"))
    assert isinstance(result.se, Unavailable) and "2 clusters" in result.se.reason
    data = result.to_dict()
    assert data["se"] is None and data["p_value"] is None and "se" in data["unavailable"]
    assert np.isfinite(result.estimate)


def test_fit_does_not_mutate_input_and_returns_new_results():
    frame = cross_section(13)
    before = frame.copy(deep=True)
    model = DidTwoByTwo()
    columns = PanelColumns(outcome="y", group="g", post="p", cluster="site")
    first, second = model.fit(frame, columns), model.fit(frame, columns)
    pd.testing.assert_frame_equal(frame, before)
    assert first is not second and first == second
    with pytest.raises(AttributeError):
        first.estimate = 0.0  # frozen


def test_bad_options_are_config_errors():
    with pytest.raises(EstimatorConfigError, match="se='robust'"):
        DidTwoByTwo(se="robust")
    with pytest.raises(EstimatorConfigError, match="level"):
        DidTwoByTwo(level=95)


def test_two_period_balanced_panel_equals_two_way_fixed_effects(mpdta_2006):
    """Textbook identity: with two periods and a balanced panel, TWFE = the 2x2 DiD."""
    from pilot_eval.estimators.did.twfe import TwoWayFixedEffects

    frame = mpdta_2006[mpdta_2006["year"].isin([2005, 2006])]
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year",
                           cohort="first.treat")
    did = DidTwoByTwo().fit(frame, columns)
    twfe = TwoWayFixedEffects(cross_check="never").fit(frame, columns)
    assert did.estimate == pytest.approx(twfe.estimate, abs=IDENTITY_ATOL)


def test_weights_negative_refused_zero_dropped():
    frame = cross_section(15, weights=True)
    columns = PanelColumns(outcome="y", group="g", post="p", weights="w")
    with pytest.raises(EstimationError, match="must not be negative") as info:
        DidTwoByTwo(se="hc1").fit(frame.assign(w=-frame["w"]), columns)
    assert info.value.column == "w"
    zeroed = frame.assign(w=np.where(np.arange(len(frame)) < 10, 0.0, frame["w"]))
    result = DidTwoByTwo(se="hc1").fit(zeroed, columns)
    reference = DidTwoByTwo(se="hc1").fit(frame.iloc[10:], columns)
    assert result.n_obs == len(frame) - 10 and any("10 row(s)" in w for w in result.warnings)
    assert result.estimate == pytest.approx(reference.estimate, abs=IDENTITY_ATOL)
    assert result.se == pytest.approx(reference.se, abs=IDENTITY_ATOL)
