"""TWFE and Callaway & Sant'Anna from 100k to 3M rows against peers, and a growth plot (issue 12).

Panel: ``rows / 10`` units x 10 periods, never-treated units and four staggered cohorts, unit and
period effects (as ``bench_callaway_santanna.py``). For every size each fit runs in a fresh
process that imports its library, fits once on a 2,000-row panel (so that just-in-time
compilation, e.g. pyfixest's numba kernels, is not counted), builds the panel, then times the
fit alone (CPU seconds of the process, ``time.process_time``, and wall seconds):

* TWFE, clustered by unit: ours (``TwoWayFixedEffects(se="cluster", cross_check="never")``)
  against pyfixest ``feols("y ~ d | unit + time", vcov={"CRV1": "unit"})``;
* Callaway & Sant'Anna (dr, never-treated, no covariates, analytic SEs): ours against the
  ``csdid`` package run with ``--peer-python`` (an interpreter where it is installed; it pins
  dependencies that clash with the project's), with ``--peer-timeout`` seconds per fit.

Prints a table with the ratios (target: ours <= 0.5x the best peer at every size) and, with
``--plot PATH``, draws CPU seconds against rows on log-log axes (linear growth is a line of
slope 1). Estimates are checked to agree (TWFE to 1e-8 relative; every ATT(g,t) to 1e-8).

Run: ``python benchmarks/bench_scaling.py [--sizes 100000 300000 1000000 3000000]
[--peer-python /path/to/python] [--plot docs/performance-scaling.png]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

BUILD = """
import numpy as np, pandas as pd
def panel(rows, seed=12345):
    units = rows // 10
    rng = np.random.default_rng(seed)
    cohort = rng.choice(np.array((0, 3, 5, 7, 9)), size=units, p=[0.4, 0.15, 0.15, 0.15, 0.15])
    period = np.arange(1, 11)
    y = (rng.normal(size=units) + 0.1 * cohort)[:, None] + 0.3 * period[None, :]
    y = y + rng.normal(size=(units, 10))
    exposure = period[None, :] - cohort[:, None]
    treated = (cohort[:, None] > 0) & (exposure >= 0)
    y = y + np.where(treated, 0.5 + 0.1 * exposure, 0.0)
    return pd.DataFrame({"unit": np.repeat(np.arange(units), 10), "time": np.tile(period, units),
                         "y": y.ravel(), "cohort": np.repeat(cohort, 10),
                         "d": treated.ravel().astype(float)})
"""

JOBS = {
    "ours_twfe": BUILD + """
import sys, time, json
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects
columns = PanelColumns(outcome="y", unit="unit", time="time", treatment="d")
TwoWayFixedEffects(se="cluster", cross_check="never").fit(panel(2000), columns)  # warm-up
frame = panel(int(sys.argv[1]))
cpu, wall = time.process_time(), time.perf_counter()
r = TwoWayFixedEffects(se="cluster", cross_check="never").fit(frame, columns)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "estimate": r.estimate, "se": r.se}))
""",
    "pyfixest_twfe": BUILD + """
import sys, time, json
import pyfixest as pf
pf.feols("y ~ d | unit + time", data=panel(2000), vcov={"CRV1": "unit"})  # warm-up (numba)
frame = panel(int(sys.argv[1]))
cpu, wall = time.process_time(), time.perf_counter()
fit = pf.feols("y ~ d | unit + time", data=frame, vcov={"CRV1": "unit"})
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "estimate": float(fit.coef()["d"]), "se": float(fit.se()["d"])}))
""",
    "ours_cs": BUILD + """
import sys, time, json
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna
columns = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort")
CallawaySantAnna().fit(panel(2000), columns)  # warm-up
frame = panel(int(sys.argv[1]))
cpu, wall = time.process_time(), time.perf_counter()
r = CallawaySantAnna().fit(frame, columns)
table = r.to_frame()
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "att": table["estimate"].astype(float).tolist()}))
""",
    "csdid_cs": BUILD + """
import sys, time, json, warnings
warnings.filterwarnings("ignore")
from csdid.att_gt import ATTgt
ATTgt(yname="y", gname="cohort", idname="unit", tname="time", data=panel(2000),
      control_group="nevertreated").fit(est_method="dr", base_period="varying", bstrap=False)
frame = panel(int(sys.argv[1]))
cpu, wall = time.process_time(), time.perf_counter()
model = ATTgt(yname="y", gname="cohort", idname="unit", tname="time", data=frame,
              control_group="nevertreated")
model.fit(est_method="dr", base_period="varying", bstrap=False)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "att": [float(v) for v in model.results["att"]]}))
""",
}
LABELS = {"ours_twfe": "pilot-eval TWFE", "pyfixest_twfe": "pyfixest feols",
          "ours_cs": "pilot-eval C&S", "csdid_cs": "csdid"}


def run_job(name: str, rows: int, python: str, timeout: float) -> dict:
    try:
        done = subprocess.run([python, "-c", JOBS[name], str(rows)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[100_000, 300_000, 1_000_000, 3_000_000])
    parser.add_argument("--peer-python", default=sys.executable)
    parser.add_argument("--peer-timeout", type=float, default=600.0)
    parser.add_argument("--plot", help="write the growth plot (PNG) here")
    parser.add_argument("--json", help="write the measurements (JSON) here")
    args = parser.parse_args()
    results: dict[str, dict[int, dict]] = {name: {} for name in JOBS}
    print(f"{'rows':>10} " + " ".join(f"{LABELS[n]:>22}" for n in JOBS) + "   ratios (CPU)")
    for rows in args.sizes:
        for name in JOBS:
            python = args.peer_python if name == "csdid_cs" else sys.executable
            results[name][rows] = run_job(name, rows, python, args.peer_timeout)
        cells = []
        for name in JOBS:
            r = results[name][rows]
            cells.append(f"{r['cpu']:8.2f} s ({r['wall']:6.2f})" if "cpu" in r
                         else f"{r['error'][:22]:>22}")
        print(f"{rows:>10,} " + " ".join(f"{c:>22}" for c in cells) + "   " + _ratios(results,
                                                                                    rows))
        _check_agreement(results, rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump({n: {str(k): v for k, v in r.items()} for n, r in results.items()}, stream,
                      indent=1)
    if args.plot:
        plot(results, args.plot)


def _ratios(results: dict, rows: int) -> str:
    out = []
    for ours, peer in (("ours_twfe", "pyfixest_twfe"), ("ours_cs", "csdid_cs")):
        a, b = results[ours][rows], results[peer][rows]
        if "cpu" in a and "cpu" in b:
            out.append(f"{LABELS[ours]} / {LABELS[peer]} {a['cpu'] / b['cpu']:.2f}")
        elif "cpu" in a:
            out.append(f"{LABELS[peer]}: {b['error']}")
    return "; ".join(out)


def _check_agreement(results: dict, rows: int) -> None:
    ours, peer = results["ours_twfe"][rows], results["pyfixest_twfe"][rows]
    if "estimate" in ours and "estimate" in peer:
        gap = abs(ours["estimate"] - peer["estimate"]) / max(1.0, abs(peer["estimate"]))
        assert gap < 1e-8, f"TWFE estimates differ by {gap:.2e} at {rows:,} rows"
    ours, peer = results["ours_cs"][rows], results["csdid_cs"][rows]
    if "att" in ours and "att" in peer and len(ours["att"]) == len(peer["att"]):
        gap = max(abs(a - b) for a, b in zip(ours["att"], peer["att"], strict=True))
        assert gap < 1e-8, f"ATT(g,t) differ by {gap:.2e} at {rows:,} rows"


def plot(results: dict, path: str) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.2), dpi=130)
    axes = figure.add_subplot()
    styles = {"ours_twfe": ("#1b6ca8", "-", "o"), "pyfixest_twfe": ("#1b6ca8", "--", "s"),
              "ours_cs": ("#c0392b", "-", "o"), "csdid_cs": ("#c0392b", "--", "s")}
    for name, runs in results.items():
        points = sorted((rows, r["cpu"]) for rows, r in runs.items() if "cpu" in r)
        if points:
            colour, line, marker = styles[name]
            axes.plot(*zip(*points, strict=True), color=colour, linestyle=line, marker=marker,
                      label=LABELS[name])
    sizes = sorted({rows for runs in results.values() for rows in runs})
    top = max(r["cpu"] for runs in results.values() for r in runs.values() if "cpu" in r)
    axes.plot([sizes[0], sizes[-1]], [top * sizes[0] / sizes[-1], top], color="#999999",
              linestyle=":", label="linear growth (slope 1)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("rows (units x 10 periods)")
    axes.set_ylabel("CPU seconds of the fit")
    axes.set_title("Two-way fixed effects and Callaway & Sant'Anna: time against rows")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    main()
