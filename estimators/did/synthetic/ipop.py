"""Interior-point solver for the donor-weight problem of R ``Synth``: kernlab's ``ipop``.

R ``Synth`` finds the donor weights ``w`` for given predictor weights ``V`` by solving the
quadratic programme

    min  c'w + w'Hw / 2    subject to  sum(w) = 1,  0 <= w <= 1,

with ``H = X0' V X0`` and ``c = -X0' V X1``, through ``kernlab::ipop`` (a primal-dual interior
point method after Vanderbei's LOQO, 1992) with ``margin = 5e-4``, ``sigf = 5`` and
``bound = 10``.  ``ipop`` stops as soon as the primal and dual objectives agree to ``sigf``
significant figures, so its answer is an interior point a little short of the exact optimum
(weights of the order of 1e-6 on donors the exact solution leaves out).  R ``Synth``'s
published weights and its search over ``V`` are those of this stopped solution, so the solver
is reproduced step for step here: the same starting point, predictor and corrector solves,
step rule (a share ``1 - margin`` of the way to the boundary) and barrier update.

Problems of the same size are solved together (B problems, arrays with a leading batch axis):
each stops on its own test, as a separate call would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARGIN = 5e-4
"""R ``Synth`` ``Margin.ipop``: each step goes ``1 - margin`` of the way to the boundary."""
SIGNIFICANT_FIGURES = 5
"""R ``Synth`` ``Sigf.ipop``: stop when primal and dual objectives agree to this many figures."""
BOUND = 10.0
"""R ``Synth`` ``Bound.ipop``: lower clip of the starting slack variables."""
MAX_ITER = 1000
"""R ``Synth`` passes ``maxiter = 1000`` to ``ipop``."""


@dataclass(frozen=True)
class IpopSettings:
    """``ipop``'s tuning as R ``Synth`` passes it (``Margin.ipop``, ``Sigf.ipop``, ``Bound.ipop``)."""

    margin: float = MARGIN
    sigf: float = SIGNIFICANT_FIGURES
    bound: float = BOUND
    max_iter: int = MAX_ITER


R_SYNTH = IpopSettings()
"""The settings R ``Synth`` passes (its defaults)."""


@dataclass
class _State:
    """Primal ``x``, dual ``y`` and the slack pairs of the box and equality constraints.

    ``g``/``z`` belong to ``x >= 0``, ``t``/``s`` to ``x <= 1`` (vectors, one per donor);
    ``w``/``v`` and ``p``/``q`` to the two sides of ``sum(x) = 1`` (one number per problem).
    """

    x: np.ndarray
    y: np.ndarray
    g: np.ndarray
    z: np.ndarray
    t: np.ndarray
    s: np.ndarray
    w: np.ndarray
    v: np.ndarray
    p: np.ndarray
    q: np.ndarray


def simplex_qp(h: np.ndarray, c: np.ndarray,
               settings: IpopSettings = R_SYNTH) -> np.ndarray:
    """Weights (B, n) for B problems ``min c'w + w'Hw/2`` on the simplex, as ``ipop`` stops.

    ``h`` is (B, n, n) (symmetric), ``c`` is (B, n).
    """
    h = np.asarray(h, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    n_prob, n = c.shape
    bound = settings.bound
    # starting point: [-(H + I) 1; 1' 1] [x; y] = [c; 1]
    system = _system(h, np.ones((n_prob, n)), np.ones(n_prob))
    start = _solve(system, np.concatenate([c, np.ones((n_prob, 1))], axis=1))
    x, y = start[:, :n], start[:, n]
    w = np.maximum(np.abs(y), bound)
    state = _State(x=x, y=y, g=np.maximum(np.abs(x), bound), z=np.maximum(np.abs(x), bound),
                   t=np.maximum(np.abs(1.0 - x), bound), s=np.maximum(np.abs(x), bound),
                   w=w, v=np.maximum(np.abs(y), bound), p=np.maximum(np.abs(w), bound),
                   q=np.maximum(np.abs(y), bound))
    mu = _complementarity(state, n)
    active = np.ones(n_prob, dtype=bool)
    for _ in range(settings.max_iter):
        active &= _figures(state, h, c) < settings.sigf
        if not active.any():
            break
        mu = _step(state, h, c, mu, active, settings.margin)
    return state.x


def _system(h: np.ndarray, d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The reduced KKT matrix ``[-(H + diag(d)) 1; 1' e]`` of each problem."""
    n_prob, n = d.shape
    out = np.empty((n_prob, n + 1, n + 1))
    out[:, :n, :n] = -h
    idx = np.arange(n)
    out[:, idx, idx] -= d
    out[:, :n, n] = 1.0
    out[:, n, :n] = 1.0
    out[:, n, n] = e
    return out


def _solve(system: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return np.linalg.solve(system, rhs[..., None])[..., 0]


def _complementarity(st: _State, n: int) -> np.ndarray:
    """``(z'g + v w + s't + p q) / (2 (m + n))`` with one equality constraint (m = 1)."""
    return (np.einsum("bi,bi->b", st.z, st.g) + st.v * st.w
            + np.einsum("bi,bi->b", st.s, st.t) + st.p * st.q) / (2.0 * (1 + n))


def _figures(st: _State, h: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Significant figures to which the primal and dual objectives agree."""
    hx = np.einsum("bij,bj->bi", h, st.x)
    xhx = np.einsum("bi,bi->b", st.x, hx)
    primal = np.einsum("bi,bi->b", c, st.x) + 0.5 * xhx
    dual = st.y - 0.5 * xhx - st.s.sum(axis=1)  # b'y - x'Hx/2 + l'z - u's - r'q
    with np.errstate(divide="ignore"):
        figures = -np.log10(np.abs(primal - dual) / (np.abs(primal) + 1.0))
    return np.maximum(figures, 0.0)


@dataclass
class _Residuals:
    rho: np.ndarray
    nu: np.ndarray
    tau: np.ndarray
    alpha: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray


def _step(st: _State, h: np.ndarray, c: np.ndarray, mu: np.ndarray, active: np.ndarray,
          margin: float) -> np.ndarray:
    """One predictor-corrector iteration on the active problems; returns the next barrier."""
    hx = np.einsum("bij,bj->bi", h, st.x)
    res = _Residuals(rho=1.0 - st.x.sum(axis=1) + st.w, nu=-st.x + st.g,
                     tau=1.0 - st.x - st.t, alpha=-st.w - st.p,
                     sigma=c - st.y[:, None] - st.z + st.s + hx, beta=st.y + st.q - st.v)
    d = st.z / st.g + st.s / st.t
    e = 1.0 / (st.v / st.w + st.q / st.p)
    system = _system(h, d, e)
    # predictor: the affine-scaling direction (gamma = minus the slacks' duals)
    gammas = (-st.z, -st.w, -st.s, -st.q)
    delta = _direction(st, res, system, e, gammas)
    alfa = _step_length(st, delta, margin)
    new_mu = mu * ((alfa - 1.0) / (alfa + 10.0)) ** 2
    # corrector: centring on mu plus the second-order term of the predictor
    gz = mu[:, None] / st.g - st.z - delta["z"] * delta["g"] / st.g
    gw = mu / st.v - st.w - delta["w"] * delta["v"] / st.v
    gs = mu[:, None] / st.t - st.s - delta["s"] * delta["t"] / st.t
    gq = mu / st.p - st.q - delta["q"] * delta["p"] / st.p
    delta = _direction(st, res, system, e, (gz, gw, gs, gq))
    alfa = _step_length(st, delta, margin)
    for name in ("x", "g", "w", "t", "p", "y", "z", "v", "s", "q"):
        old = getattr(st, name)
        if old.ndim == 2:
            setattr(st, name, np.where(active[:, None], old + delta[name] * alfa[:, None], old))
        else:
            setattr(st, name, np.where(active, old + delta[name] * alfa, old))
    return np.where(active, new_mu, mu)


def _direction(st: _State, res: _Residuals, system: np.ndarray, e: np.ndarray,
               gammas: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    """Newton direction for the given complementarity targets ``(gamma_z, _w, _s, _q)``."""
    gamma_z, gamma_w, gamma_s, gamma_q = gammas
    hat_beta = res.beta - st.v * gamma_w / st.w
    hat_alpha = res.alpha - st.p * gamma_q / st.q
    hat_nu = res.nu + st.g * gamma_z / st.z
    hat_tau = res.tau - st.t * gamma_s / st.s
    c_x = res.sigma - st.z * hat_nu / st.g - st.s * hat_tau / st.t
    c_y = res.rho - e * (hat_beta - st.q * hat_alpha / st.p)
    solved = _solve(system, np.concatenate([c_x, c_y[:, None]], axis=1))
    dx, dy = solved[:, :-1], solved[:, -1]
    dw = -e * (hat_beta - st.q * hat_alpha / st.p + dy)
    ds = st.s * (dx - hat_tau) / st.t
    dz = st.z * (hat_nu - dx) / st.g
    dq = st.q * (dw - hat_alpha) / st.p
    return {"x": dx, "y": dy, "w": dw, "s": ds, "z": dz, "q": dq,
            "v": st.v * (gamma_w - dw) / st.w, "p": st.p * (gamma_q - dq) / st.q,
            "g": st.g * (gamma_z - dz) / st.z, "t": st.t * (gamma_s - ds) / st.s}


def _step_length(st: _State, delta: dict[str, np.ndarray], margin: float) -> np.ndarray:
    """``(1 - margin)`` of the largest step keeping every slack and dual positive (at most 1)."""
    ratios = [delta["g"] / st.g, (delta["w"] / st.w)[:, None], delta["t"] / st.t,
              (delta["p"] / st.p)[:, None], delta["z"] / st.z, (delta["v"] / st.v)[:, None],
              delta["s"] / st.s, (delta["q"] / st.q)[:, None],
              np.full((st.x.shape[0], 1), -1.0)]
    return -(1.0 - margin) / np.concatenate(ratios, axis=1).min(axis=1)
