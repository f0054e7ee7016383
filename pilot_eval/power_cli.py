"""The ``pilot-eval power`` sub-command: plan the next phase from the pilot's own data.

::

    pilot-eval power DATA --outcome COL --unit COL --time COL (--effect X | --power 0.8)
        --teams 10,20,40 --months 12,24 [--staggered] [--cohort COL | --treatment COL]
        [--pre N] [--comparison-ratio R] [--estimator auto|twfe|callaway-santanna|synthetic-did]
        [--polarity higher_is_better|lower_is_better|neutral] [--hazard-ratio HR]
        [--leaver-rate R] [--alpha A] [--seed S] [--reps N] [--json]

Bad input raises ``PilotEvalError`` / ``EstimatorConfigError`` / ``EstimationError``; the
dispatcher in ``pilot_eval.cli`` turns them into exit code 2 with the message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pilot_eval.errors import PilotEvalError

EXIT_OK = 0


def _integers(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of whole numbers, e.g. 10,20,40") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one number, e.g. 10,20,40")
    return values


def add_power_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "power", help="plan the next phase: power and minimum detectable effect",
        description="Simulates the estimator the pilot uses on resampled whole teams of the "
                    "pilot's own data (months without the pilot) for a grid of pilot teams x "
                    "months of follow-up, with the analytic formulas beside it.")
    parser.add_argument("data", type=Path, help="CSV, Excel (.xlsx), Parquet or Stata file")
    parser.add_argument("--outcome", required=True, help="outcome column")
    parser.add_argument("--unit", required=True, help="team column")
    parser.add_argument("--time", required=True, help="period column (months)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--effect", type=float, help="the effect that matters, in the "
                                                     "outcome's units: power to detect it")
    target.add_argument("--power", type=float, help="target power (e.g. 0.8): the smallest "
                                                    "effect detected that often")
    parser.add_argument("--teams", type=_integers, default=(10, 20, 40),
                        help="numbers of pilot teams, comma-separated (default 10,20,40)")
    parser.add_argument("--months", type=_integers, default=(12, 24),
                        help="months of follow-up, comma-separated (default 12,24)")
    parser.add_argument("--staggered", action="store_true",
                        help="pilot teams start in two waves, the second half-way through")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--cohort", help="column with each team's pilot start (0/blank = none): "
                                      "pilot months are left out of the resampled series")
    who.add_argument("--treatment", help="0/1 column marking pilot team-months (left out)")
    parser.add_argument("--pre", type=int, help="months before the start in each design "
                                                "(default: the pilot's own, at most 12)")
    parser.add_argument("--comparison-ratio", type=float,
                        help="comparison teams per pilot team (default: the pilot's own)")
    parser.add_argument("--estimator", default="auto",
                        help="auto|twfe|callaway-santanna|synthetic-did (auto: two-way fixed "
                             "effects for simultaneous starts, Callaway & Sant'Anna for "
                             "staggered; synthetic-did for a pilot of a few teams)")
    parser.add_argument("--polarity", default="neutral",
                        help="higher_is_better|lower_is_better|neutral: checks the sign of "
                             "--effect")
    parser.add_argument("--hazard-ratio", type=float,
                        help="also plan retention: leavers and staff to detect this hazard "
                             "ratio of leaving")
    parser.add_argument("--leaver-rate", type=float, default=0.15,
                        help="share of staff leaving in a year, for --hazard-ratio (0.15)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the simulation")
    parser.add_argument("--reps", type=int, default=400,
                        help="replications per design (default 400)")
    parser.add_argument("--sheet", help="Excel sheet")
    parser.add_argument("--encoding", help="text encoding of a CSV file")
    parser.add_argument("--delimiter", help="CSV delimiter")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def request_from_args(args: argparse.Namespace):
    """The ``PowerRequest`` the command line asks for (checked)."""
    from pilot_eval.estimators import PanelColumns
    from pilot_eval.planning import PowerRequest

    columns = PanelColumns(outcome=args.outcome, unit=args.unit, time=args.time,
                           cohort=args.cohort, treatment=args.treatment)
    options = {"teams": args.teams, "months": args.months, "staggered": args.staggered,
               "pre": args.pre, "comparison_ratio": args.comparison_ratio,
               "estimator": args.estimator, "reps": args.reps, "seed": args.seed,
               "alpha": args.alpha, "polarity": args.polarity,
               "hazard_ratio": args.hazard_ratio, "leaver_rate": args.leaver_rate}
    if args.effect is not None:
        return PowerRequest(columns, effect=args.effect, **options)
    return PowerRequest(columns, power=args.power, **options)


def run_power_command(args: argparse.Namespace) -> int:
    from pilot_eval.io import load_table
    from pilot_eval.jsonio import dumps
    from pilot_eval.planning import plan_power

    request = request_from_args(args)
    table = load_table(args.data, sheet=args.sheet, encoding=args.encoding,
                       delimiter=args.delimiter)
    if len(table.frame) == 0:
        raise PilotEvalError("the file has no data rows", file=str(args.data))
    plan = plan_power(request, table)
    sys.stdout.write((dumps(plan.to_dict()) if args.json else plan.summary()) + "\n")
    return EXIT_OK
