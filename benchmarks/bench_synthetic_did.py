"""Synthetic DiD: pilot-eval against the Python port of R synthdid (``synthdid-py``) in one run.

1. 50 units x 40 periods, one pilot unit starting in period 31, placebo standard error with
   200 replications.  Both use ``numpy.random.default_rng(seed).permutation`` for the placebo
   draws, so with the same seed they must give the same estimate *and* the same standard
   error; the run checks both before timing.  Target: at most 2 s, and faster than the port.
2. 1,000 units x 60 periods, 20 pilot units starting in period 46: the point estimate, the
   default (``se="auto"``: the jackknife with 20 pilot units) and the bootstrap with 200
   replications.  Target: at most 10 s.

Data: a low-rank factor model with noise (the paper's simulation design, simplified).
Timings are the best of three (the machine is shared).

Run: ``pip install -e ".[bench]"`` then ``python benchmarks/bench_synthetic_did.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from pilot_eval.estimators import PanelColumns, SyntheticDid

REPEATS = 3
SEED = 11
COLUMNS = PanelColumns(outcome="y", unit="unit", time="period", treatment="d")


def best_time(task, repeats: int = REPEATS) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` runs (and the CPU time of that run is printed too)."""
    times, result = [], None
    for _ in range(repeats):
        began, cpu = time.perf_counter(), time.process_time()
        result = task()
        times.append((time.perf_counter() - began, time.process_time() - cpu))
    wall, cpu = min(times)
    print(f"    (wall {wall:.2f} s, CPU {cpu:.2f} s)")
    return wall, result


def factor_panel(n_units: int, n_periods: int, n_treated: int, start: int,
                 seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(n_units, 3))
    factors = np.cumsum(rng.normal(size=(3, n_periods)), axis=1) * 0.3
    y = (loadings @ factors + rng.normal(size=(n_units, 1)) * 2
         + rng.normal(size=(n_units, n_periods)))
    treated = np.zeros((n_units, n_periods))
    treated[n_units - n_treated:, start - 1:] = 1.0
    y += 1.5 * treated
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    return pd.DataFrame({"unit": unit, "period": period, "y": y.ravel(),
                         "d": treated.ravel()})


def port_placebo(frame: pd.DataFrame, seed: int) -> tuple[float, float]:
    import synthdid  # the peer; imported here so the rest runs without it

    panel = synthdid.panel_matrices(frame[["unit", "period", "y", "d"]], unit="unit",
                                    time="period", outcome="y", treatment="d")
    est = synthdid.synthdid_estimate(panel.Y, panel.N0, panel.T0)
    return float(est), synthdid.placebo_se(est, replications=200, random_state=seed)


def main() -> None:
    small = factor_panel(50, 40, 1, 31)
    ours_t, ours = best_time(lambda: SyntheticDid(se="placebo", replications=200,
                                                  seed=SEED).fit(small, COLUMNS))
    print(f"50 x 40, 1 pilot, placebo 200: pilot-eval {ours_t:.2f} s  "
          f"estimate {ours.estimate:.10f}  se {ours.se:.10f}")
    try:
        port_t, (port_est, port_se) = best_time(lambda: port_placebo(small, SEED), 1)
    except ImportError:
        print("  synthdid-py is not installed (pip install -e '.[bench]'): no peer timing")
    else:
        print(f"                                synthdid-py {port_t:.2f} s  "
              f"estimate {port_est:.10f}  se {port_se:.10f}")
        print(f"  same estimate: {abs(port_est - ours.estimate) < 1e-8}; same se: "
              f"{abs(port_se - ours.se) < 1e-6}; speed-up x{port_t / ours_t:.1f}")
    big = factor_panel(1000, 60, 20, 46)
    for label, se, repeats in (("point only", "none", REPEATS),
                               ("auto = jackknife", "auto", REPEATS),
                               ("bootstrap 200", "bootstrap", 1)):
        t, res = best_time(lambda se=se: SyntheticDid(se=se, seed=SEED).fit(big, COLUMNS),
                           repeats)
        print(f"1000 x 60, 20 pilots, {label}: {t:.2f} s  estimate {res.estimate:.6f}  "
              f"se {res.se}")


if __name__ == "__main__":
    main()
