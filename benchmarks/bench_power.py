"""Speed of simulation power on the demo panel: a 3 x 3 grid, 200 replications per design.

A script, not a test: ``python benchmarks/bench_power.py [--reps 200] [--workers 2]``.
Runs ``plan_power`` on the bundled demo (goals met, months without the pilot resampled) for
pilot teams 10, 20, 40 x follow-up 6, 12, 18 months, simultaneous (two-way fixed effects) and
staggered (Callaway & Sant'Anna) starts, then synthetic DiD on the small-pilot demo (2 of 16
teams) for pilot teams 2, 4, 8 x 6, 12, 18 months, and prints wall-clock and CPU seconds and
replications per second (the machine is shared, so CPU seconds say more than wall time).  Issue 17's target:
<= 10 s wall on two cores for one grid.  As a peer it times the full estimators
(``TwoWayFixedEffects``, ``CallawaySantAnna``) on one simulated panel and extrapolates.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from pilot_eval.estimators import CallawaySantAnna, PanelColumns, TwoWayFixedEffects

from pilot_eval.demo import demo_path
from pilot_eval.planning import PowerRequest, plan_power

TEAMS, MONTHS = (10, 20, 40), (6, 12, 18)


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _full_estimator_seconds(staggered: bool) -> float:
    rng = np.random.default_rng(1)
    teams, months = 120, 30
    starts = np.where(np.arange(teams) < 40, 12, 0)
    if staggered:
        starts[20:40] = 21
    frame = pd.DataFrame({"unit": np.repeat(np.arange(teams), months),
                          "time": np.tile(np.arange(1, months + 1), teams),
                          "y": rng.normal(size=teams * months),
                          "cohort": np.repeat(np.where(starts > 0, starts + 1, 0), months)})
    frame["d"] = ((frame["cohort"] > 0) & (frame["time"] >= frame["cohort"])).astype(float)
    columns = PanelColumns(outcome="y", unit="unit", time="time",
                           **({"cohort": "cohort"} if staggered else {"treatment": "d"}))
    estimator = (CallawaySantAnna() if staggered
                 else TwoWayFixedEffects(cross_check="never"))
    _, wall, _ = _timed(lambda: [estimator.fit(frame, columns) for _ in range(5)])
    return wall / 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    frame = pd.read_csv(demo_path("outcomes.csv"))
    columns = PanelColumns(outcome="goals_met_pct", unit="team", time="month",
                           cohort="pilot_start")
    print(f"{'design':<28}{'wall s':>8}{'CPU s':>8}{'reps/s (wall)':>15}"
          f"{'full estimator, s/fit':>23}{'full, est. grid s':>19}")
    for staggered in (False, True):
        request = PowerRequest(columns, effect=3.0, teams=TEAMS, months=MONTHS,
                               staggered=staggered, reps=args.reps, workers=args.workers)
        plan_power(request, frame)  # warm-up: imports and caches
        plan, wall, cpu = _timed(lambda r=request: plan_power(r, frame))
        reps = len(plan.cells) * args.reps
        per_fit = _full_estimator_seconds(staggered)
        name = "staggered (C&S)" if staggered else "simultaneous (TWFE)"
        print(f"{name + ' 3x3 x ' + str(args.reps):<28}{wall:>8.2f}{cpu:>8.2f}"
              f"{reps / wall:>15,.0f}{per_fit:>23.4f}{per_fit * reps:>19.1f}")
    small = pd.read_csv(demo_path("outcomes.csv").parent / "small_pilot" / "outcomes.csv")
    request = PowerRequest(columns, effect=5.0, teams=(2, 4, 8), months=MONTHS,
                           estimator="synthetic-did", reps=args.reps, workers=args.workers)
    plan, wall, cpu = _timed(lambda: plan_power(request, small))
    reps = len(plan.cells) * args.reps
    print(f"{'synthetic DiD 3x3 x ' + str(args.reps):<28}{wall:>8.2f}{cpu:>8.2f}"
          f"{reps / wall:>15,.0f}")


if __name__ == "__main__":
    main()
