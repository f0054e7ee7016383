"""Speed of two-way fixed effects on a balanced 1M-row panel, against peers in the same run.

A script, not a test: ``python benchmarks/bench_twfe.py [--units 20000 --periods 50]``.
Builds 20,000 units x 50 periods with a staggered pilot (one regressor: the treatment dummy),
unit and period effects, and times

* ours: ``TwoWayFixedEffects(..., se="cluster", cross_check="never").fit`` (clustered by unit),
* linearmodels ``PanelOLS(entity_effects=True, time_effects=True)``, clustered by entity,
* pyfixest ``feols("y ~ d | unit + time", vcov={"CRV1": "unit"})``,

checks that the point estimates agree, and prints a table of times and ratios, plus the peak
memory our fit allocates (tracemalloc; numpy reports its buffers to it).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects

AGREEMENT_RTOL = 1e-8


def build_panel(n_units: int, n_periods: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units, dtype=np.int64), n_periods)
    period = np.tile(np.arange(1, n_periods + 1, dtype=np.int64), n_units)
    starts = rng.choice([0, n_periods // 3, n_periods // 2, 2 * n_periods // 3], n_units)
    cohort = starts[unit]
    treated = ((cohort > 0) & (period >= cohort)).astype(np.float64)
    y = (rng.normal(size=n_units)[unit] + 0.02 * period + 0.5 * treated
         + rng.normal(size=unit.size))
    return pd.DataFrame({"unit": unit, "time": period, "d": treated, "y": y})


def best_of(repeats: int, work):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - start)
    return min(times), value


def ours(frame: pd.DataFrame):
    columns = PanelColumns(outcome="y", unit="unit", time="time", treatment="d")
    model = TwoWayFixedEffects(se="cluster", cross_check="never")
    result = model.fit(frame, columns)
    return result.estimate, result.se


def panelols(frame: pd.DataFrame):
    from linearmodels import PanelOLS

    indexed = frame.set_index(["unit", "time"])
    model = PanelOLS(indexed["y"], indexed[["d"]], entity_effects=True, time_effects=True)
    result = model.fit(cov_type="clustered", cluster_entity=True)
    return float(result.params["d"]), float(result.std_errors["d"])


def pyfixest_fit(frame: pd.DataFrame):
    import pyfixest as pf

    result = pf.feols("y ~ d | unit + time", data=frame, vcov={"CRV1": "unit"})
    return float(result.coef()["d"]), float(result.se()["d"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frame = build_panel(args.units, args.periods)
    print(f"panel: {args.units:,} units x {args.periods} periods = {len(frame):,} rows "
          f"({frame.memory_usage(deep=True).sum() / 1e6:.0f} MB frame)")

    ours(frame)  # warm-up (imports, scipy)
    rows = [("pilot-eval TwoWayFixedEffects", *best_of(args.repeats, lambda: ours(frame)))]
    tracemalloc.start()
    ours(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(("linearmodels PanelOLS", *best_of(1, lambda: panelols(frame))))
    pyfixest_fit(frame)  # warm-up (numba/rust initialisation)
    rows.append(("pyfixest feols", *best_of(max(1, args.repeats - 1),
                                            lambda: pyfixest_fit(frame))))

    ours_time, (ours_est, ours_se) = rows[0][1], rows[0][2]
    print(f"{'estimator':32s} {'seconds':>9s} {'x ours':>8s} {'estimate':>14s} {'SE':>12s}")
    for name, seconds, (estimate, se) in rows:
        print(f"{name:32s} {seconds:9.3f} {seconds / ours_time:8.1f} {estimate:14.10f} "
              f"{se:12.8f}")
    agree = all(abs(est - ours_est) <= AGREEMENT_RTOL * abs(ours_est) for _, _, (est, _) in rows)
    print(f"point estimates agree to {AGREEMENT_RTOL:g} relative: {agree}")
    pyfixest_se = rows[2][2][1]
    print(f"SE relative difference to pyfixest (same convention): "
          f"{abs(pyfixest_se / ours_se - 1):.1e}")
    print(f"peak memory allocated during our fit (tracemalloc): {peak / 1e6:.0f} MB")
    print(f"our SE {ours_se:.8f}: PanelOLS counts the nested unit effects in K, so its SE is "
          "larger by sqrt((N-K_ours)/(N-K_panelols)); pyfixest uses our convention")


if __name__ == "__main__":
    main()
