"""Fine-Gray subdistribution hazards against published R cmprsk ``crr`` / Stata ``stcrreg``
output, and brute-force checks (Cox without competing events, zero score, an O(n^2) loop
transcription of the weighted risk sets and of the variance terms)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import CoxModel, EstimationError, FineGray, SpellColumns
from pilot_eval.estimators.survival.fine_gray import fine_gray_data
from pilot_eval.estimators.survival.fine_gray_math import influence, likelihood, risk_sets

DATA = Path(__file__).resolve().parents[1] / "data" / "survival"
CRR_FULL = 1e-8  # crr stops Newton at its gtol; ours runs to a 1e-10 step: ~1e-10 apart
EXACT = 1e-10  # the same formulas computed two ways
HYPOXIA = SpellColumns(duration="time", event="status", covariates=("ifp", "tumsize", "pelnode"))
BMTCRR = SpellColumns(duration="ftime", event="Status",
                      covariates=("Sex", "D", "Phase", "Age", "Source"))


def hypoxia() -> pd.DataFrame:
    return pd.read_csv(DATA / "hypoxia.csv")


def bmtcrr_integer_codes() -> pd.DataFrame:
    """bmtcrr with each factor as its R integer code (levels in sorted order, from 1), as the
    book's ``covs[, c(1:3, 5)] <- lapply(covs[, c(1:3, 5)], as.integer)``."""
    frame = pd.read_csv(DATA / "bmtcrr.csv")
    for name in ("Sex", "D", "Phase", "Source"):
        levels = sorted(frame[name].unique())
        frame[name] = frame[name].map({level: k + 1 for k, level in enumerate(levels)})
    return frame


# ------------------------------------------------------------------ published references

def test_hypoxia_matches_cmprsk_crr_to_full_precision():
    # R 4.6 cmprsk 2.2-12: crr(time, status, cov1 = cbind(ifp, tumsize, pelnode), failcode = 1,
    # cencode = 0) on Stata's hypoxia data, written at full precision by the Stata-Tools
    # finegray package's cross-validation (github.com/tpcopeland/Stata-Tools, MIT,
    # finegray/qa/data/finegray_r_output.csv at commit f62405c1): coef, sqrt(diag(var)),
    # sqrt(diag(invinf)), loglik, loglik.null, sum(bfitj), predict(fit, 0) at t = 2, 5, 10.
    crr = {"ifp": (0.0326664011624452, 0.0172391287824328, 0.0192229127037476),
           "tumsize": (0.260309555167442, 0.097534567132774, 0.093681789879146),
           "pelnode": (-0.779114025654173, 0.427843703197367, 0.408160438718793)}
    result = FineGray(event_type=1).fit(hypoxia(), HYPOXIA)
    assert result.converged and (result.n_events, result.n_competing, result.n_censored) == (
        33, 17, 59)
    for c in result.coefficients:
        coef, se, se_model = crr[c.name]
        assert c.coef == pytest.approx(coef, rel=CRR_FULL)
        assert c.se == pytest.approx(se, rel=CRR_FULL)
        assert c.se_model == pytest.approx(se_model, rel=CRR_FULL)
    assert result.log_pseudolikelihood == pytest.approx(-138.530800547894, rel=CRR_FULL)
    assert result.log_pseudolikelihood_null == pytest.approx(-148.652701848846, rel=CRR_FULL)
    assert result.baseline_hazard.sum() == pytest.approx(0.0813224087655316, rel=CRR_FULL)
    cif = result.cumulative_incidence({"ifp": 0, "tumsize": 0, "pelnode": 0}, times=[2, 5, 10])
    np.testing.assert_allclose(cif["cumulative_incidence"],
                               [0.0578615418340342, 0.0637560128507071, 0.0781035839603583],
                               rtol=CRR_FULL)


def test_hypoxia_matches_stata_stcrreg():
    # Stata: webuse hypoxia; stset dftime, failure(failtype == 1);
    # stcrreg ifp tumsize pelnode, compete(failtype == 2) -- coefficients and log
    # pseudolikelihood as quoted (7 decimals / 4 decimals) in the Stata-Tools finegray
    # validation suite (finegray/qa/validation_finegray.do, "stcrreg reference values").
    result = FineGray(event_type=1).fit(hypoxia(), HYPOXIA)
    coef = {c.name: c.coef for c in result.coefficients}
    assert coef["ifp"] == pytest.approx(0.0326664, abs=5e-8)
    assert coef["tumsize"] == pytest.approx(0.2603096, abs=5e-8)
    assert coef["pelnode"] == pytest.approx(-0.7791140, abs=5e-8)
    assert result.log_pseudolikelihood == pytest.approx(-138.5308, abs=5e-5)
    # stcrreg's robust variance is crr's times n/(n-1) unless told noadjust
    adjusted = FineGray(event_type=1, small_sample=True).fit(hypoxia(), HYPOXIA)
    for a, c in zip(adjusted.coefficients, result.coefficients, strict=True):
        assert a.se == pytest.approx(c.se * np.sqrt(109 / 108), rel=EXACT)


def test_bmtcrr_matches_the_printed_crr_summary():
    # "R语言实战医学统计" (ayueme, CC BY-SA 4.0), chapter "Fine-Gray检验和竞争风险模型", knitted
    # output of summary(crr(bmtcrr$ftime, bmtcrr$Status, covs, failcode = 1, cencode = 0)) on
    # casebase's bmtcrr (177 patients of Scrucca, Santucci & Aversa) with Sex, D, Phase, Source
    # as integer codes: coef, se(coef), z, p-value, 2.5%, 97.5%, pseudo LR test 23.6 on 5 df,
    # pseudo log-likelihood -267. Each figure is matched to the digits printed.
    printed = {  # coef, se, z, p, ci_low, ci_high
        "Sex": (0.0494, 0.2867, 0.172, 0.86, 0.599, 1.84),
        "D": (-0.4860, 0.3040, -1.599, 0.11, 0.339, 1.12),
        "Phase": (0.4144, 0.1194, 3.470, 0.00052, 1.198, 1.91),
        "Age": (-0.0174, 0.0118, -1.465, 0.14, 0.960, 1.01),
        "Source": (0.9526, 0.5469, 1.742, 0.082, 0.888, 7.57)}
    result = FineGray(event_type=1).fit(bmtcrr_integer_codes(), BMTCRR)
    assert (result.n_obs, result.n_events, result.n_competing) == (177, 56, 75)
    for c in result.coefficients:
        coef, se, z, p, low, high = printed[c.name]
        for ours, shown in ((c.coef, coef), (c.se, se), (c.z, z), (c.p_value, p),
                            (c.ci_low, low), (c.ci_high, high)):
            assert ours == pytest.approx(shown, abs=half_unit(shown)), (c.name, ours, shown)
    assert result.lr_statistic == pytest.approx(23.6, abs=0.05) and result.lr_df == 5
    assert round(result.log_pseudolikelihood) == -267


def half_unit(printed: float) -> float:
    """Half a unit in the last of R's printed significant digits (``format``: 3 or 4)."""
    text = f"{printed:.10g}"
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** -decimals + 1e-12


def test_bmtcrr_data_are_the_books(tmp_path):
    # the same chapter prints cuminc(ftime, Status, D) at 20, 40, ..., 120 months: the
    # cumulative incidence of relapse in ALL 0.3713851 at 20 and 0.3875571 from 40 on, in AML
    # 0.2414530, 0.2663827, 0.2810390; checks tests/data/survival/bmtcrr.csv is that data
    from pilot_eval.estimators import CumulativeIncidence

    frame = pd.read_csv(DATA / "bmtcrr.csv")
    result = CumulativeIncidence().fit(frame, duration="ftime", event="Status", group="D")
    for group, expected in (("ALL", [0.3713851, 0.3875571, 0.3875571]),
                            ("AML", [0.2414530, 0.2663827, 0.2810390])):
        curve = result.by_group[group]["1"]
        at = np.searchsorted(curve.time, [20, 40, 60], side="right") - 1
        np.testing.assert_allclose(curve.estimate[at], expected, atol=5e-8)


# ------------------------------------------------------------------ brute force

def test_without_competing_events_it_is_the_breslow_cox_model():
    rossi = pd.read_csv(DATA / "rossi.csv").assign(id=lambda f: np.arange(len(f)))
    columns = SpellColumns(duration="week", event="arrest", covariates=("fin", "age", "prio"))
    fg = FineGray(event_type=1).fit(rossi, columns)
    cox = CoxModel(ties="breslow").fit(rossi, columns)
    robust = CoxModel(ties="breslow").fit(rossi, SpellColumns(
        duration="week", event="arrest", covariates=("fin", "age", "prio"), cluster="id"))
    for f, c, r in zip(fg.coefficients, cox.coefficients, robust.coefficients, strict=True):
        assert f.coef == pytest.approx(c.coef, rel=1e-8)
        assert f.se_model == pytest.approx(c.se, rel=1e-8)
        assert f.se == pytest.approx(r.se, rel=1e-8)  # the Lin-Wei sandwich
    assert fg.log_pseudolikelihood == pytest.approx(cox.log_likelihood, rel=1e-10)
    assert any("no competing events" in w for w in fg.warnings)


def test_the_score_is_zero_at_the_estimate():
    for frame, columns in ((hypoxia(), HYPOXIA), (bmtcrr_integer_codes(), BMTCRR)):
        result = FineGray(event_type=1).fit(frame, columns)
        data = fine_gray_data(frame, columns, 1)
        parts = likelihood(data, risk_sets(data), np.array([c.coef for c in result.coefficients]))
        assert np.max(np.abs(parts.score)) < 1e-9


def tied_data(seed: int, n: int = 60) -> pd.DataFrame:
    """Integer times with heavy ties between events of both kinds and censoring."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"t": rng.integers(1, 9, n).astype(float),
                         "e": rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3]),
                         "x1": rng.normal(size=n), "x2": rng.integers(0, 2, n),
                         "g": rng.integers(0, 7, n)})


def brute_force(frame: pd.DataFrame, beta: np.ndarray) -> tuple[float, np.ndarray]:
    """Loglik and the influence terms by explicit loops over rows and event times (crr)."""
    t, e = frame["t"].to_numpy(), frame["e"].to_numpy()
    x = frame[["x1", "x2"]].to_numpy(float)
    n = t.size

    def g_left(u):  # Kaplan-Meier of censoring, just before u
        value = 1.0
        for v in np.unique(t[t < u]):
            value *= 1 - np.sum((t == v) & (e == 0)) / np.sum(t >= v)
        return value

    def weight(i, u):
        if t[i] >= u:
            return 1.0
        return g_left(u) / g_left(t[i]) if e[i] == 2 else 0.0

    grid = np.unique(t[e == 1])
    risk = np.exp(x @ beta)
    s0 = {u: sum(weight(i, u) * risk[i] for i in range(n)) for u in grid}
    xbar = {u: sum(weight(i, u) * risk[i] * x[i] for i in range(n)) / s0[u] for u in grid}
    d = {u: np.sum((t == u) & (e == 1)) for u in grid}
    loglik = sum(x[i] @ beta for i in range(n) if e[i] == 1) - sum(
        d[u] * np.log(s0[u]) for u in grid)
    terms = np.zeros_like(x)
    for i in range(n):
        if e[i] == 1:
            terms[i] += x[i] - xbar[t[i]]
        for u in grid:
            terms[i] -= weight(i, u) * risk[i] * (x[i] - xbar[u]) * d[u] / s0[u]
    for u in np.unique(t[e == 0]):  # psi: the censoring martingale terms
        q = sum(d[s] * g_left(s) / s0[s] * sum(
            risk[j] / g_left(t[j]) * (x[j] - xbar[s]) for j in range(n)
            if e[j] == 2 and t[j] < u) for s in grid if s >= u)
        followed = np.sum(t >= u)
        censored = np.sum((t == u) & (e == 0))
        for i in range(n):
            if t[i] >= u:
                terms[i] -= q * censored / followed**2
            if t[i] == u and e[i] == 0:
                terms[i] += q / followed
    return loglik, terms


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_sums_equal_the_loops_with_heavy_ties(seed):
    frame = tied_data(seed)
    columns = SpellColumns(duration="t", event="e", covariates=("x1", "x2"))
    data = fine_gray_data(frame, columns, 1)
    sets = risk_sets(data)
    beta = np.array([0.3, -0.5])
    parts = likelihood(data, sets, beta)
    loglik, terms = brute_force(frame, beta)
    assert parts.loglik == pytest.approx(loglik, rel=EXACT)
    ours = np.empty_like(terms)
    ours[data.order] = influence(data, sets, parts)
    np.testing.assert_allclose(ours, terms, rtol=EXACT, atol=EXACT)


def test_clusters_sum_the_terms_and_one_row_per_cluster_is_crr():
    frame = tied_data(4, n=200).assign(row=lambda f: np.arange(len(f)))
    columns = SpellColumns(duration="t", event="e", covariates=("x1", "x2"))
    plain = FineGray(event_type=1).fit(frame, columns)
    own = FineGray(event_type=1).fit(frame, SpellColumns(
        duration="t", event="e", covariates=("x1", "x2"), cluster="row"))
    np.testing.assert_allclose([c.se for c in own.coefficients],
                               [c.se for c in plain.coefficients], rtol=1e-12)
    model = FineGray(event_type=1)
    clustered = model.fit(frame, duration="t", event="e", covariates=("x1", "x2"), cluster="g")
    data = fine_gray_data(frame, columns, 1)
    parts = likelihood(data, risk_sets(data), np.array([c.coef for c in plain.coefficients]))
    terms = np.empty((len(frame), 2))
    terms[data.order] = influence(data, risk_sets(data), parts)
    sums = pd.DataFrame(terms).groupby(frame["g"].to_numpy()).sum().to_numpy()
    inverse = np.linalg.inv(parts.information)
    expected = np.sqrt(np.diag(inverse @ sums.T @ sums @ inverse))
    np.testing.assert_allclose([c.se for c in clustered.coefficients], expected, rtol=1e-9)
    assert clustered.n_clusters == 7
    stata = FineGray(event_type=1, small_sample=True).fit(frame, duration="t", event="e",
                                                          covariates=("x1", "x2"), cluster="g")
    np.testing.assert_allclose([c.se for c in stata.coefficients], expected * np.sqrt(7 / 6),
                               rtol=1e-9)


def test_row_order_and_event_labels_do_not_matter():
    frame = hypoxia()
    base = FineGray(event_type=1).fit(frame, HYPOXIA)
    shuffled = frame.sample(frac=1.0, random_state=5)
    labelled = frame.assign(status=frame["status"].map({0: "0", 1: "pelvic", 2: "distant"}))
    for result in (FineGray(event_type=1).fit(shuffled, HYPOXIA),
                   FineGray(event_type="pelvic").fit(labelled, HYPOXIA)):
        for a, b in zip(result.coefficients, base.coefficients, strict=True):
            assert a.coef == pytest.approx(b.coef, rel=1e-12)
            assert a.se == pytest.approx(b.se, rel=1e-10)


def test_cumulative_incidence_prediction_is_a_step_function_of_the_baseline():
    result = FineGray(event_type=1).fit(hypoxia(), HYPOXIA)
    values = {"ifp": 20.0, "tumsize": 5.0, "pelnode": 1.0}
    curve = result.cumulative_incidence(values)
    linear = sum(values[c.name] * c.coef for c in result.coefficients)
    expected = 1 - np.exp(-np.exp(linear) * np.cumsum(result.baseline_hazard))
    np.testing.assert_allclose(curve["cumulative_incidence"], expected, rtol=1e-12)
    assert curve["cumulative_incidence"].is_monotonic_increasing
    early = result.cumulative_incidence(values, times=[0.0, 0.001, 100.0])
    assert early["cumulative_incidence"].iloc[0] == 0.0
    assert early["cumulative_incidence"].iloc[2] == pytest.approx(expected[-1])
    with pytest.raises(EstimationError, match="missing: pelnode"):
        result.cumulative_incidence({"ifp": 1, "tumsize": 1})


# ------------------------------------------------------------------ what cannot be estimated

@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.assign(status=f["status"].replace(1, 2)), "no rows have the event type 1"),
    (lambda f: f.assign(tumsize2=2 * f["tumsize"]), "collinear"),
    (lambda f: f.assign(ifp=f["ifp"].where(f.index > 3)), "'ifp' has 4 missing"),
    (lambda f: f.assign(pelnode=1), "'pelnode' is constant"),
])
def test_data_that_cannot_be_estimated_say_why(change, message):
    columns = HYPOXIA
    frame = change(hypoxia())
    if "tumsize2" in frame.columns:
        columns = SpellColumns(duration="time", event="status",
                               covariates=("ifp", "tumsize", "tumsize2"))
    with pytest.raises(EstimationError, match=message):
        FineGray(event_type=1).fit(frame, columns)


def test_delayed_entry_and_strata_are_refused_with_the_alternative():
    frame = hypoxia().assign(start=0.0, site=lambda f: f["id"] % 3)
    with pytest.raises(EstimationError, match="delayed entry .* cause-specific Cox"):
        FineGray(event_type=1).fit(frame, duration="time", event="status",
                                   covariates=("ifp",), entry="start")
    with pytest.raises(EstimationError, match="strata"):
        FineGray(event_type=1).fit(frame, duration="time", event="status",
                                   covariates=("ifp",), strata="site")


def test_risk_set_sums_equal_the_weights_written_out():
    """``_at_grid`` (cumulative sums, issue 12) against the risk-set weights of Fine & Gray
    written out row by row: 1 while followed, G(t_k-)/G(T_i-) after a competing event, 0 after
    censoring or the event of interest."""
    from pilot_eval.estimators.survival.fine_gray_math import FineGrayData, _at_grid

    rng = np.random.default_rng(8)
    n = 400
    time = np.sort(rng.integers(1, 40, n).astype(float))
    code = rng.integers(0, 3, n)
    data = FineGrayData(time=time, code=code, x=rng.normal(size=(n, 2)), names=("a", "b"),
                        cluster=None, order=np.arange(n))
    sets = risk_sets(data)
    values = rng.normal(size=(n, 3))
    weights = np.zeros((sets.grid.size, n))
    for k, t in enumerate(sets.grid):
        weights[k] = np.where(time >= t, 1.0, np.where(code == 2, sets.g_grid[k] / sets.g_own,
                                                        0.0))
    np.testing.assert_allclose(_at_grid(sets, values), weights @ values, rtol=1e-12,
                               atol=1e-12)
