"""Speed of the survival estimators on 1M staff spells with monthly tenure (heavy ties).

Compares our estimators with lifelines (and scikit-survival when installed) in the same run
and prints the ratios. Not a test: run by hand, e.g.

    python benchmarks/bench_survival.py            # 1,000,000 spells
    python benchmarks/bench_survival.py --rows 200000

Targets (issue 4): KM + log-rank + Cox under 5 s; RMST and cumulative incidence under 2 s.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
from pilot_eval.estimators import SpellColumns
from pilot_eval.estimators.survival.competing_risks import CumulativeIncidence
from pilot_eval.estimators.survival.cox.model import CoxModel
from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
from pilot_eval.estimators.survival.logrank import LogRankTest
from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival


def staff_spells(rows: int, seed: int = 2026) -> pd.DataFrame:
    """Synthetic spells: 500 teams, half piloting; tenure in whole months, censored at 120."""
    rng = np.random.default_rng(seed)
    team = rng.integers(0, 500, rows)
    pilot = (team % 2).astype(float)
    post = rng.integers(0, 2, rows).astype(float)
    grade = rng.integers(0, 4, rows).astype(float)
    hazard = 0.02 * np.exp(-0.25 * pilot * post + 0.1 * post + 0.05 * grade)
    months = np.ceil(rng.exponential(1 / hazard))
    follow_up = rng.integers(1, 121, rows)
    left = months <= follow_up
    reason = np.where(left, rng.choice([1, 2], rows, p=[0.7, 0.3]), 0)
    return pd.DataFrame({
        "months": np.minimum(months, follow_up).astype(float), "left": left.astype(int),
        "reason": reason, "team": team, "pilot": pilot, "post": post,
        "pilot_post": pilot * post, "grade": grade,
    })


def timed(label: str, work: Callable[[], object], results: dict[str, float]) -> object:
    start = time.perf_counter()
    out = work()
    results[label] = time.perf_counter() - start
    print(f"{label:48s} {results[label]:8.2f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-lifelines-cox", action="store_true",
                        help="skip lifelines CoxPHFitter (the slowest peer)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frame = staff_spells(args.rows)
    print(f"{args.rows:,} spells, {frame.months.nunique()} distinct tenures, "
          f"{frame.left.mean():.0%} leavers\n")
    t: dict[str, float] = {}
    by_pilot = SpellColumns(duration="months", event="left", group="pilot")
    cox_cols = SpellColumns(duration="months", event="left",
                            covariates=("pilot", "post", "pilot_post"))
    cr_cols = SpellColumns(duration="months", event="reason", group="pilot")

    timed("ours: Kaplan-Meier by arm (+6/12/24 months)",
          lambda: KaplanMeier(times=(6, 12, 24)).fit(frame, by_pilot), t)
    timed("ours: log-rank by arm", lambda: LogRankTest().fit(frame, by_pilot), t)
    timed("ours: Cox Breslow (numpy)",
          lambda: CoxModel(ties="breslow").fit(frame, cox_cols), t)
    timed("ours: Cox Efron (numpy)",
          lambda: CoxModel(ties="efron", engine="numpy").fit(frame, cox_cols), t)
    timed("ours: Cox Breslow clustered by team",
          lambda: CoxModel(ties="breslow").fit(frame, replace(cox_cols, cluster="team")), t)
    timed("ours: RMST by arm", lambda: RestrictedMeanSurvival().fit(frame, by_pilot), t)
    timed("ours: cumulative incidence by reason and arm",
          lambda: CumulativeIncidence().fit(frame, cr_cols), t)

    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import restricted_mean_survival_time

    arms = [frame[frame.pilot == a] for a in (0.0, 1.0)]
    timed("lifelines: KaplanMeierFitter by arm",
          lambda: [KaplanMeierFitter().fit(a.months, a.left) for a in arms], t)
    timed("lifelines: logrank_test",
          lambda: logrank_test(arms[0].months, arms[1].months, arms[0].left, arms[1].left), t)
    if not args.skip_lifelines_cox:
        data = frame[["months", "left", "pilot", "post", "pilot_post"]]
        timed("lifelines: CoxPHFitter (Efron)",
              lambda: CoxPHFitter().fit(data, "months", "left"), t)
        timed("ours: Cox Efron, lifelines engine (+ our extras)",
              lambda: CoxModel(ties="efron", engine="lifelines").fit(frame, cox_cols), t)

    def lifelines_rmst():
        tau = min(a.months.max() for a in arms)
        return [restricted_mean_survival_time(KaplanMeierFitter().fit(a.months, a.left), t=tau)
                for a in arms]

    timed("lifelines: RMST point estimates (KM + integral)", lifelines_rmst, t)
    try:
        from sksurv.nonparametric import cumulative_incidence_competing_risks
    except ImportError:
        print("scikit-survival not installed: no cumulative-incidence peer")
    else:
        timed("scikit-survival: cumulative incidence (overall + by arm)", lambda: [
            cumulative_incidence_competing_risks(d.reason.to_numpy(), d.months.to_numpy(),
                                                 conf_type="log-log")
            for d in (frame, *arms)], t)

    print("\nTotals and ratios (peer / ours):")
    ours_main = (t["ours: Kaplan-Meier by arm (+6/12/24 months)"] + t["ours: log-rank by arm"]
                 + t["ours: Cox Breslow (numpy)"])
    print(f"  KM + log-rank + Cox (Breslow, numpy): {ours_main:.2f} s (target < 5 s)")
    efron_main = ours_main - t["ours: Cox Breslow (numpy)"] + t["ours: Cox Efron (numpy)"]
    print(f"  KM + log-rank + Cox (Efron, numpy):   {efron_main:.2f} s (target < 5 s)")
    print(f"  RMST: {t['ours: RMST by arm']:.2f} s; cumulative incidence: "
          f"{t['ours: cumulative incidence by reason and arm']:.2f} s (targets < 2 s)")
    pairs = [
        ("lifelines: KaplanMeierFitter by arm", "ours: Kaplan-Meier by arm (+6/12/24 months)"),
        ("lifelines: logrank_test", "ours: log-rank by arm"),
        ("lifelines: CoxPHFitter (Efron)", "ours: Cox Efron (numpy)"),
        ("lifelines: RMST point estimates (KM + integral)", "ours: RMST by arm"),
        ("scikit-survival: cumulative incidence (overall + by arm)",
         "ours: cumulative incidence by reason and arm"),
    ]
    for peer, ours in pairs:
        if peer in t:
            print(f"  {peer:58s} {t[peer] / t[ours]:6.1f}x")


if __name__ == "__main__":
    main()
