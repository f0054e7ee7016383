"""Callaway & Sant'Anna with a covariate (``lpop`` in mpdta): reg, ipw and dr.

References:
* published R ``did`` output for ``att_gt(yname="lemp", gname="first.treat", idname="countyreal",
  tname="year", xformla=~lpop, data=mpdta)`` (doubly robust, never-treated, varying base) and
  ``aggte(type="dynamic")``, printed in the ``ddml`` package's "Diff-in-Diff" article
  (GitHub ``thomaswiemann/ddml``, ``articles/did.md``) to four decimals; its standard errors
  are bootstrap draws and are not used;
* each ATT(g,t) recomputed here from its formula, with statsmodels OLS (outcome regression on
  the comparison units' changes) and statsmodels Logit (propensity score);
* the influence functions against leave-one-out (jackknife) pseudo-values of the same 2x2
  estimator, a brute-force derivative of the estimator with respect to each unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna
from pilot_eval.estimators.did.callaway_santanna.two_by_two import ESTIMATORS

DATA = Path(__file__).resolve().parents[1] / "data"
PRINTED_TOL = 0.5e-4 + 1e-9  # figures printed to four decimals
P_PRINTED_TOL = 0.5e-5 + 1e-9  # R did prints the pre-test p-value to five decimals
FORMULA_TOL = 1e-8  # same formula, different solvers (Newton here, IRLS in statsmodels)
# Jackknife pseudo-values equal the influence function up to O(1/n_treated) terms: the jackknife
# SE exceeds the plug-in (influence-function) SE by a factor of about 1 + c / n_treated (for a
# difference of means c = 1/2 from the n/(n-1) divisor; leverage adds to it).  Measured on the
# cells below: ratios 1.042 (20 treated), 1.017 (40), 1.005 (131), so the test requires
# 1 < ratio < 1 + 1/n_treated, and a correlation of pseudo-values and influence function of at
# least 0.9995 (measured >= 0.99985).
JACKKNIFE_CORRELATION = 0.9995

COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
LPOP = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                    covariates=("lpop",))

# ddml "Diff-in-Diff" article, R did summary(att_gt(..., xformla=~lpop)): (group, time) -> ATT
PRINTED_ATT_GT = {
    (2004, 2004): -0.0145, (2004, 2005): -0.0764, (2004, 2006): -0.1404, (2004, 2007): -0.1069,
    (2006, 2004): -0.0005, (2006, 2005): -0.0062, (2006, 2006): 0.0010, (2006, 2007): -0.0413,
    (2007, 2004): 0.0267, (2007, 2005): -0.0046, (2007, 2006): -0.0284, (2007, 2007): -0.0288,
}
PRINTED_PRETEST_P = 0.23267
# same article, summary(aggte(attgt_lm, type="dynamic")): event time -> estimate; overall
PRINTED_DYNAMIC = {-3: 0.0267, -2: -0.0036, -1: -0.0232, 0: -0.0211, 1: -0.0530, 2: -0.1404,
                   3: -0.1069}
PRINTED_DYNAMIC_OVERALL = -0.0804


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def fits(mpdta):
    return {m: CallawaySantAnna(method=m).fit(mpdta, LPOP)
            for m in ("dr", "ipw", "reg")}


def test_dr_matches_published_r_did_with_lpop(fits):
    result = fits["dr"]
    got = {(e.group, e.time): e.estimate for e in result.att_gt}
    assert set(got) == set(PRINTED_ATT_GT)
    for cell, printed in PRINTED_ATT_GT.items():
        assert got[cell] == pytest.approx(printed, abs=PRINTED_TOL), cell
    assert result.pretest.p_value == pytest.approx(PRINTED_PRETEST_P, abs=P_PRINTED_TOL)
    dynamic = result.aggregation("dynamic")
    assert {r.value: r.estimate for r in dynamic.rows} == pytest.approx(PRINTED_DYNAMIC,
                                                                        abs=PRINTED_TOL)
    assert dynamic.estimate == pytest.approx(PRINTED_DYNAMIC_OVERALL, abs=PRINTED_TOL)


def _cell(frame: pd.DataFrame, group: int, time: int, control: str = "never"):
    """2x2 sample of ATT(g,t) with the varying base period (as R did)."""
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    info = frame.groupby("countyreal")[["first.treat", "lpop"]].first()
    base = time - 1 if time < group else group - 1
    cohort = info["first.treat"]
    comparison = cohort == 0
    if control == "not-yet":
        comparison |= (cohort > max(time, base)) & (cohort != group)
    keep = (cohort == group) | comparison
    delta = (wide[time] - wide[base])[keep].to_numpy()
    treated = (info.loc[keep, "first.treat"] == group).to_numpy(float)
    x = sm.add_constant(info.loc[keep, "lpop"].to_numpy())
    return delta, treated, x


def _formula_att(method: str, delta, treated, x) -> float:
    t, c = treated == 1, treated == 0
    if method in ("reg", "dr"):
        prediction = sm.OLS(delta[c], x[c]).fit().predict(x)
    if method in ("ipw", "dr"):
        ps = sm.Logit(treated, x).fit(disp=0, tol=1e-12, maxiter=200).predict(x)
        odds = ps[c] / (1 - ps[c])
    if method == "reg":
        return float(np.mean(delta[t]) - np.mean(prediction[t]))
    if method == "ipw":
        return float(np.mean(delta[t]) - np.sum(odds * delta[c]) / np.sum(odds))
    residual = delta - prediction
    return float(np.mean(residual[t]) - np.sum(odds * residual[c]) / np.sum(odds))


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
def test_every_att_gt_equals_its_formula(fits, mpdta, method):
    for effect in fits[method].att_gt:
        delta, treated, x = _cell(mpdta, effect.group, effect.time)
        expected = _formula_att(method, delta, treated, x)
        assert effect.estimate == pytest.approx(expected, abs=FORMULA_TOL), (effect.group,
                                                                             effect.time)


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
def test_not_yet_treated_controls_with_a_covariate_equal_the_formula(mpdta, method):
    result = CallawaySantAnna(method=method, control="not-yet").fit(mpdta, LPOP)
    for effect in result.att_gt:
        delta, treated, x = _cell(mpdta, effect.group, effect.time, control="not-yet")
        expected = _formula_att(method, delta, treated, x)
        assert effect.estimate == pytest.approx(expected, abs=FORMULA_TOL), (effect.group,
                                                                             effect.time)


def test_methods_differ_with_a_covariate(fits):
    # they coincide without covariates (test_callaway_santanna.py); with lpop they must not
    dr = fits["dr"].to_frame()["estimate"].to_numpy()
    reg = fits["reg"].to_frame()["estimate"].to_numpy()
    assert np.max(np.abs(dr - reg)) > 1e-4


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
@pytest.mark.parametrize("cell", [(2004, 2006), (2006, 2007), (2007, 2005)])
def test_influence_function_matches_jackknife(mpdta, method, cell):
    delta, treated, x = _cell(mpdta, *cell)
    estimator = ESTIMATORS[method]
    fit = estimator(delta, treated, x)
    n = len(delta)
    keep = np.ones(n, bool)
    leave_one_out = np.empty(n)
    for i in range(n):
        keep[i] = False
        leave_one_out[i] = estimator(delta[keep], treated[keep], x[keep]).estimate
        keep[i] = True
    pseudo = (n - 1) * (fit.estimate - leave_one_out)
    se_if = np.sqrt(np.sum(fit.influence**2)) / n
    se_jack = np.sqrt(np.sum((pseudo - pseudo.mean()) ** 2)) / n
    n_treated = treated.sum()
    assert 1.0 < se_jack / se_if < 1.0 + 1.0 / n_treated
    assert np.corrcoef(pseudo, fit.influence)[0, 1] > JACKKNIFE_CORRELATION
    assert abs(fit.influence.mean()) < 1e-10  # influence functions have mean zero


def test_columns_as_keywords_give_the_same_fit(mpdta, fits):
    result = CallawaySantAnna().fit(mpdta, outcome="lemp", unit="countyreal", time="year",
                                    cohort="first.treat", covariates="lpop")
    assert result.covariates == ("lpop",)
    assert result.estimate == pytest.approx(fits["dr"].estimate, abs=1e-12)
