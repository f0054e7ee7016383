"""Benchmark: Callaway & Sant'Anna (dr, never-treated, no covariates, analytic SEs).

50,000 units x 10 periods, never-treated units plus 4 treated cohorts.  Times
``pilot_eval.estimators.did.callaway_santanna.estimator`` against the Python packages ``csdid`` and
``differences`` when they can be imported -- in this interpreter or in another one given with
``--peer-python`` (they pull dependencies that may conflict with the project's, so a throwaway
virtualenv is the usual place) -- and checks that every ATT(g,t) and SE agree.

Run:  python benchmarks/bench_callaway_santanna.py [--units 50000] [--repeat 3]
                                                    [--peer-python /path/to/venv/bin/python]

Times are the best of ``--repeat`` runs of the whole fit (data reshaping included) and are
compared as ratios within one run; this is not a unit test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PERIODS = 10
COHORTS = (3, 5, 7, 9)  # first treated periods; 0 = never treated

PEER_SCRIPT = r'''
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
data = np.load(sys.argv[1])
repeat = int(sys.argv[2])
frame = pd.DataFrame({"unit": data["unit"], "time": data["time"], "y": data["y"],
                      "cohort": data["cohort"]})
out = {}

def best(fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result

try:
    from csdid.att_gt import ATTgt as CsdidATTgt

    def run_csdid():
        model = CsdidATTgt(yname="y", gname="cohort", idname="unit", tname="time", data=frame,
                           control_group="nevertreated")
        model.fit(est_method="dr", base_period="varying", bstrap=False)
        return model.results

    seconds, res = best(run_csdid)
    out["csdid"] = {"seconds": seconds, "group": np.asarray(res["group"]).tolist(),
                    "time": np.asarray(res["year"]).tolist(),
                    "att": np.asarray(res["att"], float).tolist(),
                    "se": np.asarray(res["se"], float).tolist()}
except Exception as exc:  # report and go on: a peer that cannot run is skipped
    out["csdid"] = {"error": f"{type(exc).__name__}: {exc}"}

try:
    from differences import ATTgt as DifferencesATTgt

    indexed = frame.assign(cohort=frame["cohort"].where(frame["cohort"] > 0)).set_index(
        ["unit", "time"])

    def run_differences():
        model = DifferencesATTgt(data=indexed, cohort_column="cohort")
        model.fit(formula="y", est_method="dr", control_group="never_treated",
                  progress_bar=False, n_jobs=1)
        return model

    seconds, model = best(run_differences)
    table = model.results()
    table.columns = [c[-1] for c in table.columns]
    table = table.reset_index()
    out["differences"] = {"seconds": seconds, "group": table["cohort"].astype(float).tolist(),
                          "time": table["time"].astype(float).tolist(),
                          "att": table["ATT"].astype(float).tolist(),
                          "se": table["std_error"].astype(float).tolist()}
except Exception as exc:
    out["differences"] = {"error": f"{type(exc).__name__}: {exc}"}

print(json.dumps(out))
'''


def simulate(n_units: int, seed: int = 12345) -> pd.DataFrame:
    """Balanced panel with unit and period effects and cohort-specific dynamic effects."""
    rng = np.random.default_rng(seed)
    cohort = rng.choice(np.array((0, *COHORTS)), size=n_units, p=[0.4, 0.15, 0.15, 0.15, 0.15])
    unit_effect = rng.normal(size=n_units) + 0.1 * cohort
    period = np.arange(1, PERIODS + 1)
    y = unit_effect[:, None] + 0.3 * period[None, :] + rng.normal(size=(n_units, PERIODS))
    exposure = period[None, :] - cohort[:, None]
    treated = (cohort[:, None] > 0) & (exposure >= 0)
    y = y + np.where(treated, 0.5 + 0.1 * exposure, 0.0)
    return pd.DataFrame({
        "unit": np.repeat(np.arange(n_units), PERIODS),
        "time": np.tile(period, n_units),
        "y": y.ravel(),
        "cohort": np.repeat(cohort, PERIODS),
    })


def time_ours(frame: pd.DataFrame, repeat: int):
    from pilot_eval.estimators import PanelColumns
    from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

    estimator = CallawaySantAnna()
    columns = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort")
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = estimator.fit(frame, columns)
        times.append(time.perf_counter() - start)
    return min(times), result.to_frame()


def run_peers(frame: pd.DataFrame, repeat: int, python: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "panel.npz"
        script = Path(folder) / "peers.py"
        np.savez(data, **{c: frame[c].to_numpy() for c in frame.columns})
        script.write_text(PEER_SCRIPT, encoding="utf-8")
        done = subprocess.run([python, str(script), str(data), str(repeat)],
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"csdid": {"error": reason[0]}, "differences": {"error": reason[0]}}
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(ours: pd.DataFrame, peer: dict) -> tuple[float, float]:
    theirs = pd.DataFrame({"group": peer["group"], "time": peer["time"], "att": peer["att"],
                           "se_peer": peer["se"]})
    merged = ours.merge(theirs, on=["group", "time"], how="inner")
    if len(merged) != len(ours):
        return float("nan"), float("nan")
    return (float(np.max(np.abs(merged["estimate"] - merged["att"]))),
            float(np.max(np.abs(merged["se"] - merged["se_peer"]))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-python", default=os.environ.get("PILOT_EVAL_PEER_PYTHON",
                                                                sys.executable),
                        help="interpreter in which csdid/differences are installed")
    args = parser.parse_args(argv)
    frame = simulate(args.units)
    print(f"panel: {args.units} units x {PERIODS} periods = {len(frame)} rows, cohorts "
          f"{COHORTS} + never treated; dr, never-treated controls, analytic SEs")
    ours_seconds, ours = time_ours(frame, args.repeat)
    print(f"{'pilot-eval':<14}{ours_seconds:>9.3f} s   {len(ours)} ATT(g,t)")
    peers = run_peers(frame, args.repeat, args.peer_python)
    for name in ("csdid", "differences"):
        peer = peers.get(name, {"error": "not run"})
        if "error" in peer:
            print(f"{name:<14}  skipped ({peer['error']})")
            continue
        att_diff, se_diff = compare(ours, peer)
        ratio = peer["seconds"] / ours_seconds
        print(f"{name:<14}{peer['seconds']:>9.3f} s   pilot-eval is {ratio:.1f}x faster; "
              f"max |ATT diff| {att_diff:.2e}, max |SE diff| {se_diff:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
