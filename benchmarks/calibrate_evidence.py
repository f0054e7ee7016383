"""Calibration study of the evidence rating: does it tell good designs from bad ones?

Simulates a few hundred pilots, runs each through the same path as a project
(``run_analysis`` with the checks and the sensitivity analysis, then ``outcome_report``, whose
builder rates the evidence) and counts:

* **parallel trends, well powered**: how often the rating reaches the design's ceiling
  (target: at least 80% of runs);
* **a pre-trend violation as large as the effect**: the pilot units drift away from the
  comparison units along a straight line, steep enough that, continued after the start, it
  biases the headline estimate by as much as the true effect (the estimate is about twice the
  truth); how often the rating is lower than the ceiling (target: at least 80%);
* the **coverage** of each headline estimator's 95% range for the true effect in the parallel
  runs (target 93-97%), and how often the effect is found (power);
* the same two rates for the rule the rating used before this study (``legacy_level``), for
  comparison.

Designs (``DESIGNS``): team x month panels with staggered starts (Callaway & Sant'Anna), one
start (two-way fixed effects), a quarterly panel (aggregated periods: the relative-magnitudes
bound) and a small pilot of three teams (synthetic difference-in-differences; its coverage is
reported, its rating described).  Outcomes are ``baseline + team + period + effect + AR(1)
noise`` with period effects common to every team, so trends are parallel by construction
unless a violation is added.  Every run is seeded from ``(design, scenario, replication)``.

Run::

    python benchmarks/calibrate_evidence.py [--reps 60] [--workers 2] [--json out.json]

The results of the full run are in docs/evidence-rating.md; ``tests/core/
test_evidence_calibration.py`` runs a small version.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context

import numpy as np
import pandas as pd

SCENARIOS = ("parallel", "violation")


@dataclass(frozen=True)
class Design:
    """A simulated pilot: ``teams`` units of which ``pilots`` start at the ``starts`` periods
    (0-based, in turn), ``periods`` periods of ``kind`` ("month" or "quarter"), a constant
    TRUE ``effect`` from the start, AR(1) noise (sd ``noise``, autocorrelation ``rho``)."""

    name: str
    teams: int
    pilots: int
    periods: int
    starts: tuple[int, ...]
    kind: str
    effect: float
    noise: float
    rho: float = 0.3
    team_sd: float = 5.0
    period_sd: float = 0.6
    rated: bool = True
    """Whether the rating targets apply (designs whose data cannot tell a trend from noise,
    and the small pilot, are reported, not targeted)."""
    share: float = 1.0
    """Share of ``--reps`` run for this design (the small pilot's placebos are slow)."""


DESIGNS = (
    Design("staggered-monthly", teams=60, pilots=20, periods=30, starts=(12, 18),
           kind="month", effect=4.0, noise=3.5),
    Design("one-start-monthly", teams=50, pilots=20, periods=24, starts=(12,), kind="month",
           effect=3.5, noise=2.0),
    Design("quarterly", teams=60, pilots=24, periods=12, starts=(6,), kind="quarter",
           effect=2.0, noise=1.0, rho=0.2, period_sd=0.3),
    Design("one-start-monthly, trend-weak", teams=50, pilots=20, periods=24, starts=(12,),
           kind="month", effect=3.5, noise=4.5, rated=False),
    Design("small-pilot", teams=30, pilots=3, periods=20, starts=(12,), kind="month",
           effect=6.0, noise=2.0, rho=0.2, rated=False, share=0.34),
)


def period_labels(design: Design) -> list[str]:
    """Month labels from Jan 2021 (``2021-01``) or quarter labels (``2021 Q1``)."""
    if design.kind == "quarter":
        return [f"{2021 + k // 4} Q{k % 4 + 1}" for k in range(design.periods)]
    return [f"{2021 + k // 12}-{k % 12 + 1:02d}" for k in range(design.periods)]


def simulate(design: Design, rng: np.random.Generator, *, slope: float = 0.0,
             effect: float | None = None, noise: bool = True) -> pd.DataFrame:
    """One pilot's panel: ``team, period, pilot_start`` (label; blank = never), ``y``.

    ``slope`` adds a straight-line drift of the pilot teams from the comparison teams (per
    period, zero at the first start), before and after the start.
    """
    effect = design.effect if effect is None else effect
    n, t = design.teams, design.periods
    start = np.full(n, -1)
    for k in range(design.pilots):
        start[k] = design.starts[k % len(design.starts)]
    is_pilot = start >= 0
    period = np.arange(t)
    scale = 1.0 if noise else 0.0
    team = rng.normal(0.0, design.team_sd, n)
    common = 0.05 * period + rng.normal(0.0, design.period_sd, t) * scale
    shocks = rng.standard_normal((n, t)) * design.noise * scale
    ar = np.empty((n, t))
    ar[:, 0] = shocks[:, 0]
    for k in range(1, t):
        ar[:, k] = design.rho * ar[:, k - 1] + math.sqrt(1.0 - design.rho ** 2) * shocks[:, k]
    post = is_pilot[:, None] & (period[None, :] >= start[:, None])
    drift = slope * (period[None, :] - min(design.starts)) * is_pilot[:, None]
    y = 60.0 + team[:, None] + common[None, :] + effect * post + ar + drift
    labels = period_labels(design)
    return pd.DataFrame({
        "team": np.repeat([f"team {i + 1:02d}" for i in range(n)], t),
        "period": np.tile(labels, n),
        "pilot_start": np.repeat([labels[s] if s >= 0 else None for s in start], t),
        "y": y.ravel(),
    })


def request(design: Design):
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.analysis import DidRequest

    columns = PanelColumns(outcome="y", unit="team", time="period", cohort="pilot_start",
                           cluster="team")
    return DidRequest(columns, checks=True, sensitivity=True, placebo_reps=50,
                      outcome_label="Simulated outcome", outcome_unit="points",
                      polarity="higher_is_better")


def bias_per_slope(design: Design) -> float:
    """The headline's bias per unit of drift slope (a noise-free panel with no effect)."""
    from pilot_eval.analysis import run_analysis

    frame = simulate(design, np.random.default_rng(0), slope=1.0, effect=0.0, noise=False)
    quiet = replace(request(design), checks=False, sensitivity=False)
    return float(run_analysis(quiet, frame).result.estimate)


@dataclass(frozen=True)
class Run:
    design: str
    scenario: str
    replication: int
    estimator: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    covered: bool | None
    found: bool | None
    level: int
    ceiling: int
    legacy: int | None
    reasons: tuple[str, ...]
    seconds: float


def legacy_level(report) -> int | None:
    """The rule before this study (relative-magnitude breakdown < 1 on single months, any lead's
    half-range above the effect, leave-one-out losing the clear direction, > 10% of rows left
    out), recomputed from the report, for comparison."""
    from pilot_eval.estimators import Unavailable

    from pilot_eval.report.values import number

    if report.headline.estimator.startswith("synthetic"):
        return None
    reasons = 0
    test = report.pretest.used
    estimate = number(report.headline.estimate)
    p = number(test.p_value) if test else None
    leads = [r for r in (test.lead_rows if test else ()) if number(r.ci_high) is not None]
    wide = bool(leads and estimate) and max(
        (number(r.ci_high) - number(r.ci_low)) / 2 for r in leads) >= abs(estimate)
    if (p is not None and p < 0.05) or wide:
        reasons += 1
    clusters = report.headline.clusters
    if (clusters.n is not None and clusters.n < 30) or (
            clusters.n_pilot is not None and clusters.n_pilot < 10):
        reasons += 1
    loo = report.leave_one_out
    if loo is not None and not isinstance(loo, Unavailable) and loo.hinge_units:
        reasons += 1
    sensitivity = report.sensitivity
    mbar = (number(sensitivity.breakdown_mbar)
            if sensitivity is not None and not isinstance(sensitivity, Unavailable) else None)
    if mbar is not None and mbar < 1.0:
        reasons += 1
    share = report.data.share_left_out
    if share is not None and share > 0.10:
        reasons += 1
    return max(1, 3 - reasons)


def one_run(task: tuple[int, str, int, float]) -> Run:
    """Simulate and rate one pilot: ``(design index, scenario, replication, slope)``."""
    from pilot_eval.analysis import run_analysis
    from pilot_eval.report.build_outcome import outcome_report
    from pilot_eval.report.values import number

    index, scenario, replication, slope = task
    design = DESIGNS[index]
    seed = np.random.SeedSequence((index, SCENARIOS.index(scenario), replication))
    frame = simulate(design, np.random.default_rng(seed), slope=slope)
    began = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = outcome_report(run_analysis(request(design), frame))
    h = report.headline
    estimate, low, high = number(h.estimate), number(h.ci_low), number(h.ci_high)
    complete = None not in (low, high)
    return Run(design=design.name, scenario=scenario, replication=replication,
               estimator=h.estimator, estimate=estimate, ci_low=low, ci_high=high,
               covered=(low <= design.effect <= high) if complete else None,
               found=(low > 0 or high < 0) if complete else None,
               level=report.evidence.level, ceiling=report.evidence.ceiling,
               legacy=legacy_level(report), reasons=report.evidence.reasons,
               seconds=time.process_time() - began)


def tasks(designs: Sequence[int], reps: int) -> list[tuple[int, str, int, float]]:
    out = []
    for index in designs:
        slope = DESIGNS[index].effect / bias_per_slope(DESIGNS[index])
        for scenario in SCENARIOS:
            for replication in range(max(1, round(reps * DESIGNS[index].share))):
                out.append((index, scenario, replication,
                            slope if scenario == "violation" else 0.0))
    return out


def run_study(designs: Sequence[int] | None = None, reps: int = 60,
              workers: int = 2) -> list[Run]:
    """Every run of the study (``workers`` processes; 1 runs in this process)."""
    chosen = list(range(len(DESIGNS))) if designs is None else list(designs)
    todo = tasks(chosen, reps)
    if workers <= 1:
        return [one_run(t) for t in todo]
    with get_context("spawn").Pool(workers) as pool:
        return list(pool.imap(one_run, todo, chunksize=4))


def proportion(hits: Iterable[bool]) -> tuple[float, float, int]:
    """Share, its Monte Carlo standard error and the number of runs."""
    values = [bool(h) for h in hits]
    if not values:
        return math.nan, math.nan, 0
    share = sum(values) / len(values)
    return share, math.sqrt(share * (1.0 - share) / len(values)), len(values)


@dataclass(frozen=True)
class Summary:
    design: str
    estimator: str
    runs: int
    ceiling_parallel: float
    lowered_violation: float
    coverage: float
    coverage_se: float
    power: float
    legacy_ceiling_parallel: float | None
    legacy_lowered_violation: float | None
    rated: bool


def summarise(runs: Sequence[Run]) -> list[Summary]:
    rows = []
    for design in DESIGNS:
        mine = [r for r in runs if r.design == design.name]
        if not mine:
            continue
        parallel = [r for r in mine if r.scenario == "parallel"]
        violation = [r for r in mine if r.scenario == "violation"]
        covered = [r.covered for r in parallel if r.covered is not None]
        legacy = [r for r in mine if r.legacy is not None]
        rows.append(Summary(
            design=design.name,
            estimator="/".join(sorted({r.estimator for r in parallel})),
            runs=len(mine),
            ceiling_parallel=proportion(r.level == r.ceiling for r in parallel)[0],
            lowered_violation=proportion(r.level < r.ceiling for r in violation)[0],
            coverage=proportion(covered)[0], coverage_se=proportion(covered)[1],
            power=proportion(r.found for r in parallel if r.found is not None)[0],
            legacy_ceiling_parallel=proportion(
                r.legacy == 3 for r in legacy if r.scenario == "parallel")[0] if legacy
            else None,
            legacy_lowered_violation=proportion(
                r.legacy < 3 for r in legacy if r.scenario == "violation")[0] if legacy
            else None,
            rated=design.rated))
    return rows


def markdown(rows: Sequence[Summary], runs: Sequence[Run]) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None or math.isnan(value) else f"{value:.0%}"

    lines = ["| design | headline estimator | runs | ceiling, parallel trends | lower, "
             "violation | coverage of 95% range (MC s.e.) | effect found | old rule: ceiling "
             "/ lower |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.design}{'' if r.rated else ' (not targeted)'} | {r.estimator} | {r.runs} | "
            f"{pct(r.ceiling_parallel)} | {pct(r.lowered_violation)} | {r.coverage:.1%} "
            f"({r.coverage_se:.1%}) | {pct(r.power)} | {pct(r.legacy_ceiling_parallel)} / "
            f"{pct(r.legacy_lowered_violation)} |")
    rated = {d.name for d in DESIGNS if d.rated}
    parallel = [r for r in runs if r.design in rated and r.scenario == "parallel"]
    violation = [r for r in runs if r.design in rated and r.scenario == "violation"]
    lines += ["", f"All rated designs: ceiling in {pct(proportion(r.level == r.ceiling for r in parallel)[0])} "
              f"of {len(parallel)} parallel-trend runs; lower in "
              f"{pct(proportion(r.level < r.ceiling for r in violation)[0])} of "
              f"{len(violation)} violation runs."]
    reasons: dict[str, int] = {}
    for run in runs:
        for reason in run.reasons:
            key = f"{run.scenario}: {reason.split(':')[0].split('(')[0].strip()}"
            reasons[key] = reasons.get(key, 0) + 1
    lines += ["", "Reasons given (runs):"]
    lines += [f"- {k}: {v}" for k, v in sorted(reasons.items())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=60, help="runs per design and scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--designs", default="", help="comma-separated design names")
    parser.add_argument("--json", help="write every run here")
    args = parser.parse_args(argv)
    names = [d.name for d in DESIGNS]
    chosen = ([names.index(n) for n in args.designs.split(",")] if args.designs else None)
    wall, cpu = time.perf_counter(), time.process_time()
    runs = run_study(chosen, args.reps, args.workers)
    elapsed = time.perf_counter() - wall
    print(markdown(summarise(runs), runs))
    print(f"\n{len(runs)} simulated pilots in {elapsed:.0f} s wall clock with {args.workers} "
          f"worker(s); {sum(r.seconds for r in runs):.0f} s CPU in the analyses "
          f"(+{time.process_time() - cpu:.0f} s in this process).")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump([asdict(r) for r in runs], stream, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
