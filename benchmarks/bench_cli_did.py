"""Whole-process benchmark of ``pilot-eval did`` against the same job done with pandas + pyfixest.

Builds a balanced panel (default 20,000 units x 50 periods = 1M rows, one treatment regressor,
unit and period effects), writes it as CSV, then times as separate processes, in one run:

* ``pilot-eval did DATA --outcome y --unit unit --time period --treatment d --json``
  (read CSV, validate, estimate with clustered SEs, print JSON);
* a Python process that reads the CSV with pandas and fits pyfixest
  ``feols("y ~ d | unit + period", vcov={"CRV1": "unit"})`` and prints the estimate.

Reports wall times, the ratio (target: pilot-eval <= 0.5x the pyfixest job), the peak resident
memory of the pilot-eval process (target < 1.5 GB), and checks both estimates agree.  The two
jobs alternate (ours, theirs, ours, ...) so that a burst of load from other processes hits both;
best and median of ``--repeat`` runs are shown.  Start-up alone (``pilot-eval --version``, and
the imports of the pyfixest job) is timed separately.

Run: ``python benchmarks/bench_cli_did.py [--units 20000 --periods 50 --repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PYFIXEST_JOB = """
import sys, pandas as pd, pyfixest as pf
frame = pd.read_csv(sys.argv[1])
fit = pf.feols("y ~ d | unit + period", data=frame, vcov={"CRV1": "unit"})
print(repr(float(fit.coef()["d"])), repr(float(fit.se()["d"])))
"""

PYFIXEST_IMPORTS = "import pandas, pyfixest"

PEAK_RSS = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def make_panel(units: int, periods: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), periods)
    period = np.tile(np.arange(1, periods + 1), units)
    start = np.where(rng.random(units) < 0.3, periods // 2, 0)[unit]
    d = ((start > 0) & (period >= start)).astype(np.int8)
    y = rng.normal(size=units)[unit] + 0.05 * period + 0.5 * d + rng.normal(size=unit.size)
    return pd.DataFrame({"unit": unit, "period": period, "d": d, "y": y})


def run_once(command: list[str]) -> tuple[float, str]:
    """Wall time of one process and its standard output."""
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, done.stdout


def alternate(commands: list[list[str]], repeat: int) -> tuple[list[list[float]], list[str]]:
    """Run the commands in turn ``repeat`` times; every command's times and last output."""
    times: list[list[float]] = [[] for _ in commands]
    outputs = [""] * len(commands)
    for _ in range(repeat):
        for index, command in enumerate(commands):
            seconds, outputs[index] = run_once(command)
            times[index].append(seconds)
    return times, outputs


def shown(times: list[float]) -> str:
    return f"{min(times):7.2f} s best, {statistics.median(times):6.2f} s median"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "panel.csv"
        make_panel(args.units, args.periods).to_csv(data, index=False)
        ours = [sys.executable, "-m", "pilot_eval.ui.launch", "did", str(data), "--outcome", "y",
                "--unit", "unit", "--time", "period", "--treatment", "d", "--json"]
        peer = [sys.executable, "-c", PYFIXEST_JOB, str(data)]
        (all_ours, all_peer), (out_ours, out_peer) = alternate([ours, peer], args.repeat)
        starts, _ = alternate([[sys.executable, "-m", "pilot_eval.ui.launch", "--version"],
                               [sys.executable, "-c", PYFIXEST_IMPORTS]], args.repeat)
        peak = subprocess.run([sys.executable, "-c", PEAK_RSS, *ours], capture_output=True,
                              text=True, check=True).stdout.strip()

    result = json.loads(out_ours)
    coef, se = (float(v) for v in out_peer.split())
    rows = args.units * args.periods
    print(f"rows: {rows:,}  ({args.units:,} units x {args.periods} periods), best of {args.repeat}")
    t_ours, t_peer = min(all_ours), min(all_peer)
    print(f"pilot-eval did (whole process):      {shown(all_ours)}")
    print(f"pandas + pyfixest (whole process):   {shown(all_peer)}")
    print(f"ratio pilot-eval / pyfixest:         {t_ours / t_peer:7.2f}   (best; target <= 0.5)")
    print(f"ratio of medians:                    "
          f"{statistics.median(all_ours) / statistics.median(all_peer):7.2f}")
    print(f"start-up: pilot-eval --version        {shown(starts[0])}")
    print(f"start-up: import pandas, pyfixest     {shown(starts[1])}")
    print(f"peak memory of pilot-eval process:   {int(peak) / 1024:7.0f} MB  (target < 1536)")
    print(f"estimate  pilot-eval {result['estimate']:.12f}  pyfixest {coef:.12f}")
    print(f"SE        pilot-eval {result['se']:.12f}  pyfixest {se:.12f}")
    print(f"max abs difference: {max(abs(result['estimate'] - coef), abs(result['se'] - se)):.2e}")
    print(f"resource module ru_maxrss unit: kB on Linux ({os.uname().sysname}); "
          f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
