"""Whole-process benchmark of ``pilot-eval retention`` on large staff records (issue 12).

Writes staff records of ``--spells`` rows (default 100,000 and 1,000,000): 500 teams in 25
councils over 13 years (2011-10 to the extract on 1 October 2024), a fifth of the people with a
second, later spell, leaving reasons (resigned, retired, moved internally, dismissed, end of
contract), UK dates (dd/mm/yyyy), and a team table where 200 teams start the pilot between
April 2019 and April 2022. Then runs, as separate processes,

    pilot-eval retention staff.csv --start start_date --end end_date --team team
        --reason leaving_reason --staff-id staff_id --pilot-starts teams.csv
        --extract-date 01/10/2024 --json

and reports CPU seconds (the figure to trust on a shared machine), wall seconds and the
process's peak resident memory, against the targets (100k spells <= 3 s CPU; 1M spells
<= 15 s and < 1.5 GB). There is no peer that reads staff records; ``pandas.read_csv`` of the
same file is shown for scale.

Run: ``python benchmarks/bench_staff_records.py [--spells 100000 1000000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import PILOT_EVAL, alternate  # noqa: E402

EXTRACT = pd.Timestamp("2024-10-01")
FIRST_DAY = pd.Timestamp("2011-10-01")
TEAMS, COUNCILS, PILOT_TEAMS = 500, 25, 200
REASONS = ("resigned", "retired", "moved internally", "dismissed", "end of contract")
REASON_SHARES = (0.6, 0.15, 0.1, 0.05, 0.1)
TARGETS = {100_000: (3.0, None), 1_000_000: (15.0, 1536.0)}  # CPU seconds, peak MiB


def staff_records(n_spells: int, seed: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(staff, teams)`` frames as an HR extract would hold them (dates as text)."""
    rng = np.random.default_rng(seed)
    days = (EXTRACT - FIRST_DAY).days
    n_first = int(n_spells / 1.2)
    n_second = n_spells - n_first
    start = rng.integers(-3650, days - 30, n_first)
    length = rng.exponential(4 * 365.25, n_first).astype(int)
    end = start + length
    # second spells follow a first spell that ended at least two years before the extract
    candidates = np.flatnonzero(end < days - 730)
    follows = rng.choice(candidates, n_second, replace=False)
    second_start = end[follows] + rng.integers(1, 60, n_second)
    second_end = second_start + rng.exponential(4 * 365.25, n_second).astype(int)
    staff_id = np.concatenate([np.arange(n_first), follows])
    start = np.concatenate([start, second_start])
    end = np.concatenate([end, second_end])
    team = rng.integers(0, TEAMS, n_spells)
    open_ = end >= days - 1
    reason = rng.choice(np.array(REASONS, dtype=object), n_spells, p=REASON_SHARES)
    reason[open_] = None
    start_text = (FIRST_DAY + pd.to_timedelta(start, unit="D")).strftime("%d/%m/%Y")
    end_text = pd.Series((FIRST_DAY + pd.to_timedelta(end, unit="D")).strftime("%d/%m/%Y"))
    end_text[open_] = None
    staff = pd.DataFrame({
        "staff_id": [f"S{i:07d}" for i in staff_id],
        "team": [f"Team {t:03d}" for t in team],
        "council": [f"Council {t % COUNCILS:02d}" for t in team],
        "start_date": start_text, "end_date": end_text.to_numpy(), "leaving_reason": reason,
    })
    order = np.argsort(rng.random(n_spells))  # an extract is not sorted by person
    pilot_month = rng.integers(0, 37, PILOT_TEAMS)  # April 2019 + 0..36 months
    starts = [f"{2019 + (3 + m) // 12}-{(3 + m) % 12 + 1:02d}" for m in pilot_month]
    teams = pd.DataFrame({"team": [f"Team {t:03d}" for t in range(TEAMS)],
                          "pilot_start": starts + [""] * (TEAMS - PILOT_TEAMS)})
    return staff.iloc[order].reset_index(drop=True), teams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spells", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.spells:
        with tempfile.TemporaryDirectory() as folder:
            staff_path, teams_path = Path(folder) / "staff.csv", Path(folder) / "teams.csv"
            staff, teams = staff_records(n)
            staff.to_csv(staff_path, index=False)
            teams.to_csv(teams_path, index=False)
            del staff
            ours = [*PILOT_EVAL, "retention", str(staff_path), "--start", "start_date",
                    "--end", "end_date", "--team", "team", "--reason", "leaving_reason",
                    "--staff-id", "staff_id", "--pilot-starts", str(teams_path),
                    "--extract-date", "01/10/2024", "--json"]
            read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(staff_path)!r})"]
            series = alternate({f"pilot-eval retention, {n:,} spells": ours,
                                "pandas.read_csv of the file": read}, args.repeat)
        mine = series[f"pilot-eval retention, {n:,} spells"]
        print(f"--- {n:,} spells, best of {args.repeat}")
        for one in series.values():
            print(one.line())
        cpu_target, memory_target = TARGETS.get(n, (None, None))
        if cpu_target is not None:
            print(f"target CPU <= {cpu_target} s: {'met' if mine.cpu <= cpu_target else 'NOT met'}")
        if memory_target is not None:
            print(f"target peak < {memory_target:.0f} MiB: "
                  f"{'met' if mine.peak_mib < memory_target else 'NOT met'}")
        result = json.loads(mine.stdout)
        did = result["did_leaving"]
        print(f"rate ratio {did.get('rate_ratio')}, Cox HR rows "
              f"{len((result.get('cox') or {}).get('coefficients', []))}, "
              f"warnings {len(result['warnings'])}")


if __name__ == "__main__":
    main()
