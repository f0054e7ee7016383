"""One block design: weights and estimate for synthetic DiD, synthetic control and DiD.

The panel is a matrix ``Y`` (units x periods) whose first ``n0`` rows are comparison units and
whose first ``t0`` columns are before the start; every other cell is treated (Arkhangelsky et
al. 2021, Algorithm 1).  ``tau = (-omega, 1/N1) Y (-lambda, 1/T1)'``:

* ``"sdid"``: unit weights omega with an intercept and ridge ``zeta_omega = (N1 T1)^(1/4)
  sigma``; time weights lambda with an intercept and ``zeta_lambda = 1e-6 sigma``; ``sigma`` is
  the standard deviation of the comparison units' first differences before the start;
* ``"sc"``: unit weights without an intercept and ``zeta_omega = 1e-6 sigma``; lambda = 0
  (the post-period means are compared);
* ``"did"``: uniform weights (plain difference-in-differences of means).

Several panels of the same shape (the replications of an inference procedure) are fitted at
once.  The regularisation may be fixed in advance (R ``synthdid`` keeps the original estimate's
``zeta`` and stopping rule in its placebo, bootstrap and jackknife replications).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from pilot_eval.estimators.did.synthetic.frank_wolfe import SimplexProblems, solve_sparse

Method = Literal["sdid", "sc", "did"]
METHODS: tuple[str, ...] = get_args(Method)

ETA_LAMBDA = 1e-6
"""R synthdid ``eta.lambda``: time weights are (almost) unregularised."""
ETA_OMEGA_SC = 1e-6
"""R synthdid ``sc_estimate``'s ``eta.omega``: synthetic control weights (almost) unregularised."""
MIN_DECREASE = 1e-5
"""R synthdid / Stata sdid ``min.decrease``: stop when a step gains less than (1e-5 sigma)^2."""
MAX_ITER = 10_000
"""R synthdid ``max.iter`` / Stata sdid ``max_iter``."""


@dataclass(frozen=True)
class Regularisation:
    """Noise level ``sigma`` and the penalties and stopping rule derived from it."""

    noise: float
    zeta_omega: float
    zeta_lambda: float
    min_decrease: float

    def to_dict(self) -> dict[str, float]:
        return {"noise_level": self.noise, "zeta_omega": self.zeta_omega,
                "zeta_lambda": self.zeta_lambda, "min_decrease": self.min_decrease}


def noise_level(y: np.ndarray, n0: int, t0: int) -> float:
    """Sample standard deviation of the comparison units' first differences before the start."""
    diffs = np.diff(y[:n0, :t0], axis=1)
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def regularisation(y: np.ndarray, n0: int, t0: int, method: str) -> Regularisation:
    """The defaults of R ``synthdid_estimate`` / ``sc_estimate`` for the panel ``y``."""
    sigma = noise_level(y, n0, t0)
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    eta_omega = ETA_OMEGA_SC if method == "sc" else (n1 * t1) ** 0.25
    return Regularisation(noise=sigma, zeta_omega=eta_omega * sigma,
                          zeta_lambda=ETA_LAMBDA * sigma, min_decrease=MIN_DECREASE * sigma)


@dataclass(frozen=True)
class BlockFit:
    """Weights and estimates of B panels: ``omega`` (B, n0), ``lambda_`` (B, t0), ``tau`` (B,)."""

    omega: np.ndarray
    lambda_: np.ndarray
    tau: np.ndarray


def collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """(B, n0 + 1, t0 + 1): treated rows and post columns replaced by their means."""
    top = np.concatenate([y[:, :n0, :t0], y[:, :n0, t0:].mean(axis=2, keepdims=True)], axis=2)
    treated = y[:, n0:, :]
    bottom = np.concatenate([treated[:, :, :t0].mean(axis=1, keepdims=True),
                             treated[:, :, t0:].mean(axis=(1, 2))[:, None, None]], axis=2)
    return np.concatenate([top, bottom], axis=1)


def estimate(y: np.ndarray, n0: int, t0: int, omega: np.ndarray,
             lambda_: np.ndarray) -> np.ndarray:
    """``(-omega, 1/N1) Y (-lambda, 1/T1)'`` for each of the B panels."""
    treated_rows = y[:, n0:, :].mean(axis=1)
    unit_contrast = treated_rows - np.einsum("bi,bit->bt", omega, y[:, :n0, :])
    return unit_contrast[:, t0:].mean(axis=1) - np.einsum("bt,bt->b", lambda_,
                                                          unit_contrast[:, :t0])


def fit_block(y: np.ndarray, n0: int, t0: int, method: str, regs: list[Regularisation], *,
              omega_start: np.ndarray | None = None, lambda_start: np.ndarray | None = None,
              max_iter: int = MAX_ITER, sparse: bool = True) -> BlockFit:
    """Weights and estimate for B panels ``y`` (B, N, T) sharing ``n0`` and ``t0``.

    ``regs`` gives each panel's regularisation; ``omega_start``/``lambda_start`` the starting
    weights (uniform when not given), as R passes the original weights to its replications.
    """
    y = np.asarray(y, dtype=np.float64)
    n_prob = y.shape[0]
    uniform_omega = np.full((n_prob, n0), 1.0 / n0)
    uniform_lambda = np.full((n_prob, t0), 1.0 / t0)
    if method == "did":
        return BlockFit(uniform_omega, uniform_lambda,
                        estimate(y, n0, t0, uniform_omega, uniform_lambda))
    yc = collapsed(y, n0, t0)
    decrease = np.array([r.min_decrease for r in regs])
    if method == "sdid":
        problems = SimplexProblems.build(yc[:, :n0, :t0], yc[:, :n0, t0],
                                         np.array([r.zeta_lambda for r in regs]), centre=True)
        start = uniform_lambda if lambda_start is None else lambda_start
        lambda_ = solve_sparse(problems, start, min_decrease=decrease, max_iter=max_iter,
                               sparse=sparse).weights
    else:  # synthetic control: the post-period means are compared
        lambda_ = np.zeros((n_prob, t0))
    problems = SimplexProblems.build(
        np.swapaxes(yc[:, :n0, :t0], 1, 2), yc[:, n0, :t0],
        np.array([r.zeta_omega for r in regs]), centre=method == "sdid")
    start = uniform_omega if omega_start is None else omega_start
    omega = solve_sparse(problems, start, min_decrease=decrease, max_iter=max_iter,
                         sparse=sparse).weights
    return BlockFit(omega, lambda_, estimate(y, n0, t0, omega, lambda_))


def fit_ragged(panels: list[np.ndarray], n0s: list[int], t0: int, method: str,
               regs: list[Regularisation], *, omega_starts: list[np.ndarray | None],
               lambda_starts: list[np.ndarray | None], max_iter: int = MAX_ITER,
               sparse: bool = True) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """``fit_block`` for panels with different numbers of comparison units (bootstrap draws).

    The weight problems are padded to one size and solved together (``frank_wolfe``: padding
    changes no problem's iterates); returns ``(omega, lambda, tau)`` per panel.
    """
    if method == "did":
        out = []
        for y, n0 in zip(panels, n0s, strict=True):
            fit = fit_block(y[None], n0, t0, method, regs[:1])
            out.append((fit.omega[0], fit.lambda_[0], float(fit.tau[0])))
        return out
    ycs = [collapsed(np.asarray(y, dtype=np.float64)[None], n0, t0)[0]
           for y, n0 in zip(panels, n0s, strict=True)]
    decrease = np.array([r.min_decrease for r in regs])
    if method == "sdid":
        problems = SimplexProblems.padded(
            [(yc[:n0, :t0], yc[:n0, t0]) for yc, n0 in zip(ycs, n0s, strict=True)],
            np.array([r.zeta_lambda for r in regs]), centre=True)
        start = np.stack([np.full(t0, 1.0 / t0) if s is None else s for s in lambda_starts])
        lambdas = solve_sparse(problems, start, min_decrease=decrease, max_iter=max_iter,
                               sparse=sparse).weights
    else:
        lambdas = np.zeros((len(panels), t0))
    problems = SimplexProblems.padded(
        [(yc[:n0, :t0].T, yc[n0, :t0]) for yc, n0 in zip(ycs, n0s, strict=True)],
        np.array([r.zeta_omega for r in regs]), centre=method == "sdid", share_columns=True)
    width = problems.a.shape[2]
    start = np.zeros((len(panels), width))
    for j, (s, n0) in enumerate(zip(omega_starts, n0s, strict=True)):
        start[j, :n0] = np.full(n0, 1.0 / n0) if s is None else s
    omegas = solve_sparse(problems, start, min_decrease=decrease, max_iter=max_iter,
                          sparse=sparse).weights
    out = []
    for j, (y, n0) in enumerate(zip(panels, n0s, strict=True)):
        omega = omegas[j, :n0]
        tau = estimate(np.asarray(y, dtype=np.float64)[None], n0, t0, omega[None],
                       lambdas[j][None])
        out.append((omega, lambdas[j], float(tau[0])))
    return out
