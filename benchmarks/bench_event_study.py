"""Speed of the event study (20 leads and lags) on the balanced 1M-row panel, against peers.

A script, not a test: ``python benchmarks/bench_event_study.py [--units 20000 --periods 50]``.
Builds the staggered panel of ``bench_twfe.py`` (20,000 units x 50 periods, starts in periods
16, 25 and 33 or never) and times, in one run,

* our TWFE (one treatment dummy): ``TwoWayFixedEffects(..., cross_check="never")`` (the
  yardstick: the target is an event study under 2x this time),
* our event study: ``EventStudy(columns, leads=20, lags=20)`` (40 binned dummies),
* pyfixest ``feols("y ~ i(rel, ref=-1) | unit + time", vcov={"CRV1": "unit"})`` on the same
  binned event times,

checks that the 40 coefficients agree with pyfixest, and prints times and ratios.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.event_study.estimator import EventStudy
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_twfe import best_of, build_panel  # noqa: E402

WINDOW = 20
AGREEMENT_RTOL = 1e-6


def with_cohort(frame: pd.DataFrame) -> pd.DataFrame:
    """Add each unit's start period (0 = never) from the treatment dummy."""
    first = frame.loc[frame["d"] == 1].groupby("unit")["time"].min()
    return frame.assign(c=frame["unit"].map(first).fillna(0).astype(np.int64))


def ours_twfe(frame: pd.DataFrame) -> float:
    columns = PanelColumns(outcome="y", unit="unit", time="time", treatment="d")
    return TwoWayFixedEffects(se="cluster", cross_check="never").fit(frame, columns).estimate


def ours_event_study(frame: pd.DataFrame):
    columns = PanelColumns(outcome="y", unit="unit", time="time", cohort="c")
    return EventStudy(leads=WINDOW, lags=WINDOW).fit(frame, columns)


def pyfixest_event_study(frame: pd.DataFrame) -> dict[int, float]:
    import pyfixest as pf

    rel = (frame["time"] - frame["c"]).clip(-WINDOW, WINDOW).where(frame["c"] > 0, -1)
    model = pf.feols("y ~ i(rel, ref=-1) | unit + time", data=frame.assign(rel=rel),
                     vcov={"CRV1": "unit"})
    return {int(name.split("::")[1]): float(b) for name, b in model.coef().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frame = with_cohort(build_panel(args.units, args.periods))
    print(f"panel: {args.units:,} units x {args.periods} periods = {len(frame):,} rows; "
          f"event window -{WINDOW}..{WINDOW} (binned ends)")
    ours_twfe(frame)
    ours_event_study(frame)  # warm-up
    twfe_time, _ = best_of(args.repeats, lambda: ours_twfe(frame))
    es_time, result = best_of(args.repeats, lambda: ours_event_study(frame))
    pyfixest_event_study(frame)  # warm-up (numba/rust initialisation)
    pf_time, peer = best_of(max(1, args.repeats - 1), lambda: pyfixest_event_study(frame))
    print(f"{'run':40s} {'seconds':>9s} {'x our TWFE':>11s}")
    for name, seconds in (("pilot-eval TWFE (1 dummy)", twfe_time),
                          (f"pilot-eval EventStudy ({len(result.events)} dummies)", es_time),
                          ("pyfixest feols event study", pf_time)):
        print(f"{name:40s} {seconds:9.3f} {seconds / twfe_time:11.2f}")
    ours = dict(zip(result.events, result.coef, strict=True))
    worst = max(abs(ours[e] - b) / max(1.0, abs(b)) for e, b in peer.items())
    print(f"event study / TWFE time: {es_time / twfe_time:.2f} (target < 2)")
    print(f"largest coefficient difference to pyfixest (relative): {worst:.1e} "
          f"(pyfixest's default demeaning tolerance is 1e-6)")


if __name__ == "__main__":
    main()
