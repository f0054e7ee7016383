"""The demo pilot's TRUE effects are recoverable from its files.

References, all brute force in this file:

* two-way fixed effects as ordinary least squares with team and month dummies (numpy lstsq);
* the EXACT sampling standard deviation of that estimate, computed from the noise the
  generator puts in (``demo.MODELS``: AR(1) noise within a team, sd ``noise_sd``, correlation
  ``noise_rho``, independent between teams, plus the rounding to ``decimals``).  Team and month
  effects are absorbed by the dummies and caseload is a regressor, so conditional on the design
  the estimate minus its target is exactly ``w' noise`` with ``w`` the estimate's row of the
  pseudo-inverse: sd = sqrt(w' Omega w) with the known Omega.  No estimated SE is involved;
* staff records: resignations per person-day at risk (Poisson counts).

The exact standard deviations were checked once by Monte Carlo during development (200 fresh
outcome panels from seeds 1000-1199, same design): sampling sd of the estimate minus its target
0.657 / 29.4 / 0.392 / 0.426 against the exact 0.658 / 30.8 / 0.391 / 0.422 (goals met, cost,
repeat referrals, engagement); every mean difference within one simulation standard error
(0.07 sd).

Tolerances: a single estimate must lie within ``Z_TOLERANCE`` = 3 exact standard deviations of
its target (a 0.27% false-alarm rate under the generator's own model); a vector of event-study
estimates must pass a chi-square test at ``CHI2_LEVEL`` = 0.999.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval import demo

Z_TOLERANCE = 3.0
CHI2_LEVEL = 0.999
DOCS_ROUNDING = 0.005 + 1e-9  # docs/demo-data.md prints two decimals
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo-data.md"
CONSTANT = ["goals_met_pct", "cost_per_case_gbp"]
GROWING = ["repeat_referral_pct", "engagement_index"]


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate()


def _sample(data: demo.DemoData, outcome: str) -> pd.DataFrame:
    index = {label: k for k, label in enumerate(demo.months())}
    frame = data.outcomes.dropna(subset=[outcome]).copy()
    frame["t"] = frame["month"].map(index)
    start = frame["pilot_start"].map(index)
    frame["event_time"] = (frame["t"] - start).astype("Int64")  # <NA> for comparison teams
    return frame.sort_values(["team", "t"]).reset_index(drop=True)


def _design(frame: pd.DataFrame, extra: dict[str, np.ndarray], *,
            caseload: bool = True) -> tuple[np.ndarray, list[str]]:
    """Team dummies (all), month dummies (first dropped), caseload, then ``extra``."""
    teams = pd.get_dummies(frame["team"], dtype=float)
    months_ = pd.get_dummies(frame["t"], dtype=float).iloc[:, 1:]
    blocks = [teams.to_numpy(), months_.to_numpy()]
    if caseload:
        blocks.append(frame[["caseload"]].to_numpy(float))
    blocks += [np.asarray(v, float)[:, None] for v in extra.values()]
    names = [*teams.columns, *months_.columns] + (["caseload"] if caseload else []) + list(extra)
    return np.hstack(blocks), names


def _noise_covariance(frame: pd.DataFrame, outcome: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per team: its row positions and the exact covariance of its noise (AR(1) + rounding)."""
    model = demo.MODELS[outcome]
    rounding = (10.0 ** -model.decimals) ** 2 / 12.0
    blocks = []
    for _, rows in frame.groupby("team", sort=False).indices.items():
        t = frame["t"].to_numpy()[rows]
        sigma = model.noise_sd**2 * model.noise_rho ** np.abs(t[:, None] - t[None, :])
        blocks.append((rows, sigma + rounding * np.eye(len(rows))))
    return blocks


def _estimate(x: np.ndarray, y: np.ndarray, columns: list[int],
              blocks: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """OLS coefficients for ``columns`` (lstsq), their rows of (X'X)^-1 X' and exact covariance."""
    coefficients, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    assert rank == x.shape[1]
    beta = coefficients[columns]
    unit = np.eye(x.shape[1])[:, columns]
    rows = np.linalg.solve(x.T @ x, unit).T @ x.T
    np.testing.assert_allclose(rows @ y, beta, rtol=1e-8, atol=1e-8)
    cov = sum((rows[:, r] @ sigma @ rows[:, r].T for r, sigma in blocks),
              np.zeros((len(columns), len(columns))))
    return beta, rows, cov


def _true_effect(frame: pd.DataFrame, outcome: str) -> np.ndarray:
    event_time = frame["event_time"].fillna(-1).to_numpy(int)
    return demo.MODELS[outcome].effect.at(event_time)


class Figures(NamedTuple):
    """An estimate on the files, its exact noise sd, its target (expectation over noise and
    caseload) and the shift the caseload changes add in this draw (known, mean zero)."""

    estimate: float
    sd: float
    target: float
    caseload_shift: float


def _figures(frame: pd.DataFrame, outcome: str, weights: np.ndarray) -> Figures:
    """Figures of a linear estimator ``weights @ y`` whose weights cancel team and month effects."""
    model = demo.MODELS[outcome]
    sd = np.sqrt(sum(weights[rows] @ sigma @ weights[rows]
                     for rows, sigma in _noise_covariance(frame, outcome)))
    shift = model.caseload_coef * frame["caseload"].to_numpy()
    return Figures(float(weights @ frame[outcome].to_numpy()), float(sd),
                   float(weights @ _true_effect(frame, outcome)), float(weights @ shift))


def _static_twfe(data: demo.DemoData, outcome: str) -> Figures:
    """Static TWFE without covariates (the tool's default) by OLS with dummies."""
    frame = _sample(data, outcome)
    x, names = _design(frame, {"pilot": frame["pilot"].to_numpy()}, caseload=False)
    beta, rows, _ = _estimate(x, frame[outcome].to_numpy(), [names.index("pilot")], [])
    figures = _figures(frame, outcome, rows[0])
    assert figures.estimate == pytest.approx(float(beta[0]), abs=1e-8)
    return figures


@pytest.fixture(scope="module")
def twfe(data) -> dict[str, Figures]:
    return {outcome: _static_twfe(data, outcome) for outcome in demo.OUTCOMES.columns}


def _within_noise(figures: Figures) -> bool:
    gap = figures.estimate - figures.target - figures.caseload_shift
    return abs(gap) <= Z_TOLERANCE * figures.sd


@pytest.mark.parametrize("outcome", CONSTANT)
def test_twfe_recovers_a_constant_effect(data, twfe, outcome):
    figures, truth = twfe[outcome], demo.MODELS[outcome].effect.full
    assert figures.target == pytest.approx(truth, abs=1e-9)  # constant effect: TWFE is unbiased
    assert data.true_effects[outcome] == pytest.approx(truth, abs=1e-12)
    assert _within_noise(figures), figures
    assert figures.sd < abs(truth) / 4  # the demo has the power to show the effect clearly


@pytest.mark.parametrize("outcome", GROWING)
def test_twfe_on_a_growing_effect_hits_its_own_target_not_the_att(data, twfe, outcome):
    figures = twfe[outcome]
    assert _within_noise(figures), figures
    att = data.true_effects[outcome]
    effect = demo.MODELS[outcome].effect
    assert min(effect.first_month, effect.full) < att < max(effect.first_month, effect.full)
    # Staggered adoption + growing effect: the TWFE target differs from the ATT.
    assert abs(figures.target - att) > 0.02


@pytest.mark.parametrize("outcome", [*CONSTANT, *GROWING])
def test_event_study_recovers_the_true_path_and_flat_pre_trends(data, outcome):
    frame = _sample(data, outcome)
    event_time = frame["event_time"]
    lags = sorted(int(e) for e in event_time.dropna().unique() if e != -1)
    extra = {f"e{e}": (event_time == e).fillna(False).to_numpy() for e in lags}
    x, names = _design(frame, extra)
    columns = [names.index(f"e{e}") for e in lags]
    beta, _, cov = _estimate(x, frame[outcome].to_numpy(), columns,
                             _noise_covariance(frame, outcome))
    truth = demo.MODELS[outcome].effect.at(np.array(lags))  # zero before the pilot
    gap = beta - truth
    chi2 = float(gap @ np.linalg.solve(cov, gap))
    assert chi2 < stats.chi2.ppf(CHI2_LEVEL, len(lags)), (chi2, len(lags))
    assert lags[0] == -18 and lags[-1] == 17


def _cs_simple_weights(frame: pd.DataFrame) -> np.ndarray:
    """Row weights ``c`` with Callaway & Sant'Anna's simple ATT = ``c @ y``.

    Brute force from the definition (R ``did`` defaults without covariates: never-treated
    comparison, varying base period, units missing any month dropped):
    ATT(g,t) = mean over cohort g of (y[t] - y[g-1]) minus the same mean over never-treated
    teams, for t >= g; the simple aggregate weights each ATT(g,t) by the cohort's size.
    """
    complete = frame.groupby("team")["t"].transform("size") == demo.N_MONTHS
    cohort = (frame["t"] - frame["event_time"].astype(float)).where(complete)  # NaN: not a cohort
    never = complete & frame["event_time"].isna()
    t = frame["t"].to_numpy()
    sizes = {int(g): frame.loc[cohort == g, "team"].nunique() for g in cohort.dropna().unique()}
    n_never = frame.loc[never, "team"].nunique()
    total = sum(n * (demo.N_MONTHS - g) for g, n in sizes.items())
    weights = np.zeros(len(frame))
    for g, n in sizes.items():
        in_g = (cohort == g).to_numpy()
        for period in range(g, demo.N_MONTHS):
            w = n / total
            weights += w / n * (in_g & (t == period)) - w / n * (in_g & (t == g - 1))
            weights -= w / n_never * (never.to_numpy() & (t == period))
            weights += w / n_never * (never.to_numpy() & (t == g - 1))
    return weights


@pytest.fixture(scope="module")
def cs(data) -> dict[str, Figures]:
    """Callaway & Sant'Anna simple ATT (no covariates) on the files, for every outcome."""
    figures = {}
    for outcome in demo.OUTCOMES.columns:
        frame = _sample(data, outcome)
        figures[outcome] = _figures(frame, outcome, _cs_simple_weights(frame))
    return figures


@pytest.mark.parametrize("outcome", [*CONSTANT, *GROWING])
def test_callaway_santanna_simple_att_is_within_noise_of_the_truth(data, cs, outcome):
    frame = _sample(data, outcome)
    c = _cs_simple_weights(frame)
    # Team and month effects cancel exactly: the weights sum to zero within every team and month.
    assert np.abs(pd.Series(c).groupby(frame["team"]).sum()).max() < 1e-12
    assert np.abs(pd.Series(c).groupby(frame["t"]).sum()).max() < 1e-12
    treated_post = (frame["event_time"] >= 0).fillna(False).to_numpy()
    assert c[treated_post].sum() == pytest.approx(1.0)  # an average over pilot team-months
    # Units missing a month are dropped, so the target is the ATT of the teams kept.
    assert cs[outcome].target == pytest.approx(data.true_effects[outcome], abs=0.02)
    assert _within_noise(cs[outcome]), cs[outcome]


def _resignation_rates(data: demo.DemoData) -> tuple[int, int, float]:
    """Resignations in pilot teams after their start, elsewhere, and the ratio of their rates
    per person-day at risk (from the later of spell start and 1 April 2023 to the spell end)."""
    staff = data.staff
    first, extract = pd.Timestamp("2023-04-01"), pd.Timestamp(data.extract_date)
    pilot_day = pd.to_datetime(data.teams.set_index("team")["pilot_start"] + "-01")
    start = staff["start_date"].clip(lower=first)
    end = staff["end_date"].fillna(extract - pd.Timedelta(days=1))
    switch = staff["team"].map(pilot_day).fillna(extract)  # comparison teams never switch
    exposed_days = (end - np.maximum(start, switch)).dt.days.clip(lower=0)
    total_days = (end - start).dt.days
    resigned = staff["leaving_reason"] == "resigned"
    exposed_events = int((resigned & (staff["end_date"] >= switch)).sum())
    other_events = int(resigned.sum()) - exposed_events
    ratio = (exposed_events / exposed_days.sum()) / (
        other_events / (total_days - exposed_days).sum())
    return exposed_events, other_events, float(ratio)


def test_resignation_rate_falls_by_the_true_hazard_ratio_in_pilot_teams(data):
    exposed_events, other_events, ratio = _resignation_rates(data)
    # Poisson counts, plus the between-team frailty (log-sd TEAM_FRAILTY_SD) averaged over the
    # 16 pilot teams and the 48 teams that contribute unexposed time.
    frailty = demo.TEAM_FRAILTY_SD**2 * (1 / 16 + 1 / 48)
    sd = np.sqrt(1 / exposed_events + 1 / other_events + frailty)
    assert exposed_events >= 10  # enough events for the comparison to mean something
    assert abs(np.log(ratio) - np.log(demo.PILOT_RESIGNATION_HR)) <= Z_TOLERANCE * sd, ratio


def _docs_table() -> dict[str, dict[str, float]]:
    """Rows ``| `column` | ... |`` of the TRUE effects table in docs/demo-data.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("<!-- true-effects -->")[1].split("<!-- /true-effects -->")[0]
    table = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            numbers = [float(c.replace("−", "-").replace("+", "").replace(",", ""))
                       for c in cells if re.fullmatch(r"[+\-−]?[\d,]+(\.\d+)?", c)]
            table[match.group(1)] = numbers
    return table


def test_docs_state_the_true_effects_and_estimates_of_the_files(data, twfe, cs):
    table = _docs_table()
    assert set(table) == set(demo.OUTCOMES.columns)
    for outcome, numbers in table.items():
        effect = demo.MODELS[outcome].effect
        first, full, att, twfe_target, twfe_estimate, cs_estimate = numbers
        assert (first, full) == (effect.first_month, effect.full), outcome
        # The docs print two decimals: they must be the generator's numbers rounded.
        close = partial(pytest.approx, abs=DOCS_ROUNDING)
        assert att == close(data.true_effects[outcome]), outcome
        assert twfe_target == close(twfe[outcome].target), outcome
        assert twfe_estimate == close(twfe[outcome].estimate), outcome
        assert cs_estimate == close(cs[outcome].estimate), outcome


def test_docs_counts_match_the_generated_files(data, twfe, cs):
    """The prose of docs/demo-data.md quotes counts from this draw; they must stay true."""
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    outcomes, staff = data.outcomes, data.staff
    blanks = outcomes[list(demo.OUTCOMES.columns)].isna().sum()
    reasons = staff["leaving_reason"].value_counts()
    exposed, other, ratio = _resignation_rates(data)
    half_width = 1.96 * np.sqrt(1 / exposed + 1 / other)  # Poisson counts only, as the docs say
    low, high = ratio * np.exp(-half_width), ratio * np.exp(half_width)
    facts = [
        f"({len(outcomes):,} rows)",
        f"({len(staff)} spells, {staff['staff_id'].nunique()} people)",
        f"{48 * 30 - len(outcomes)} team-months are absent ({len(outcomes):,} of 1,440 rows",
        f"and {blanks.sum()} outcome values are blank",
        f"there are {reasons['resigned']} resignations, {exposed} of them",
        f"{reasons['moved internally']} moved internally, {reasons['retired']} retired, "
        f"{reasons['end of contract']} end of contract, {reasons['dismissed']} dismissed",
        f"{staff['end_date'].isna().sum()} spells are still open",
        f"is about {ratio:.2f} (95% range roughly {low:.2f} to {high:.2f})",
        f"(the earliest in {staff['start_date'].min().year})",
    ]
    for figures in (twfe, cs):
        sd = [figures[c].sd for c in demo.OUTCOMES.columns]
        facts.append(f"{sd[0]:.2f} (goals met), £{sd[1]:.0f} (cost), {sd[2]:.2f} (repeat "
                     f"referrals) and {sd[3]:.2f} (engagement)")
        shift = [figures[c].caseload_shift for c in demo.OUTCOMES.columns]
        facts.append(f"{shift[0]:+.2f}, {'-' if shift[1] < 0 else '+'}£{abs(shift[1]):.0f}, "
                     f"{shift[2]:+.2f} and {shift[3]:+.2f}")
    z = [(f.estimate - f.target - f.caseload_shift) / f.sd for f in cs.values()]
    facts.append(f"In this draw the estimates are {abs(z[0]):.1f}, {abs(z[1]):.1f}, "
                 f"{abs(z[2]):.1f} and {abs(z[3]):.1f} standard deviations from their targets")
    missing = [fact for fact in facts if fact not in text]
    assert not missing, missing


def test_docs_parameter_table_matches_the_generator():
    text = DOCS.read_text(encoding="utf-8").split("<!-- true-effects -->")[0]
    month_names = ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"]
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|(.*)\|\s*$", line)
        if match and match.group(1) in demo.MODELS:
            rows[match.group(1)] = [c.strip() for c in match.group(2).split("|")]
    assert set(rows) == set(demo.MODELS)
    for outcome, cells in rows.items():
        model = demo.MODELS[outcome]
        numbers = [float(c.replace(",", "").replace("+", "")) for i, c in enumerate(cells)
                   if i != 4]
        amplitude, peak = re.fullmatch(r"±([\d.]+) \((\w+)\)", cells[4]).groups()
        assert numbers == [model.baseline, model.team_sd, model.selection, model.trend,
                           model.month_sd, model.caseload_coef, model.noise_sd,
                           model.noise_rho], outcome
        assert float(amplitude) == model.season_amplitude, outcome
        assert month_names.index(peak) + 1 == model.season_peak, outcome
