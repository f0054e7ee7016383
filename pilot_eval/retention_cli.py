"""The ``pilot-eval retention`` sub-command (staff retention analyses).

::

    pilot-eval retention DATA (--duration COL --event COL | --start COL --end COL --team COL
        [--reason COL] [--extract-date DATE] [--pilot-starts FILE|--pilot-start-col COL])
        [--group COL] [--covariates A,B] [--cluster COL] [--entry COL] [--strata COL]
        [--tau T] [--ties efron|breslow] [--ci-transform log-log|log] [--fte COL] [--json]

Bad input raises ``PilotEvalError`` / ``EstimatorConfigError`` / ``EstimationError``, which
``pilot_eval.cli.main`` turns into exit code 2 with the message on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pilot_eval.cli_data import add_reading_options, print_notes, reading_options
from pilot_eval.errors import PilotEvalError

EXIT_OK = 0
COMPACT_JSON_SPELLS = 20_000
"""Above this many spells ``--json`` is written without indentation (same content)."""


def add_retention_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "retention", help="staff retention: survival curves, Cox, RMST, leaving rates, DiD",
        description="Retention analyses of staff records (one row per employment spell: "
                    "--start, --end, --team) or of survival data (--duration, --event). "
                    "Staff tenure is measured in months.")
    parser.add_argument("data", type=Path, help="CSV, Excel (.xlsx), Parquet or Stata file")
    parser.add_argument("--duration", help="survival form: time to leaving or censoring")
    parser.add_argument("--event", help="survival form: 0 = censored, other = event type")
    parser.add_argument("--start", help="staff records: first day of the spell")
    parser.add_argument("--end", help="staff records: last day (blank = still in post)")
    parser.add_argument("--team", help="staff records: team (the unit given the pilot)")
    parser.add_argument("--reason", help="staff records: leaving reason")
    parser.add_argument("--staff-id", help="staff records: person identifier (for overlaps)")
    parser.add_argument("--extract-date", help="date of the extract (dd/mm/yyyy or yyyy-mm-dd);"
                                               " default: the day after the latest date")
    parser.add_argument("--observed-from", help="first day the records cover (left "
                                                "truncation); default: guessed from the data")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pilot-starts", type=Path, help="team table: team, pilot_start")
    where.add_argument("--pilot-start-col", help="column of each spell's team pilot start")
    parser.add_argument("--exclude-reasons", default=None,
                        help="comma-separated reasons that do not count as leaving "
                             "(default: internal moves)")
    parser.add_argument("--group", help="group column (default for staff records: the arm)")
    parser.add_argument("--covariates", default="", help="comma-separated numeric covariates")
    parser.add_argument("--cluster", help="cluster column for robust SEs (default: team)")
    parser.add_argument("--entry", help="survival form: entry time (delayed entry)")
    parser.add_argument("--strata", help="strata column (stratified log-rank and Cox)")
    parser.add_argument("--tau", type=float, help="RMST horizon (default: the largest time "
                                                  "every group reaches)")
    parser.add_argument("--ties", choices=("efron", "breslow"), default="efron")
    parser.add_argument("--ci-transform", choices=("log-log", "log"), default="log-log")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level")
    parser.add_argument("--rate-period", choices=("month", "quarter", "year", "dfe-year"),
                        default="quarter", help="period of the workforce rates (dfe-year: "
                                                "years to 30 September)")
    parser.add_argument("--team-rates", action="store_true", default=None,
                        help="write every team's rates per period into the JSON (by default "
                             "only up to 5,000 team-period rows)")
    parser.add_argument("--fte", help="staff records: full-time equivalent of each spell "
                                      "(workforce counts and rates in FTE, as the DfE and NHS "
                                      "publish them)")
    add_reading_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    import pandas as pd  # here, so that --help and --version do not load it

    from pilot_eval.errors import DataError
    from pilot_eval.io import parse_dates

    forms = ("Write it in day/month/year order (dd/mm/yyyy, e.g. 13/10/2025) or as "
             "yyyy-mm-dd (2025-10-13).")
    try:
        parsed = parse_dates(pd.Series([text]), column=option)
    except DataError:  # e.g. US order (10/13/2025): an option value, not a row of a file
        raise PilotEvalError(f"{option} {text!r} is not a date this tool reads",
                             hint=forms) from None
    if parsed.isna().iloc[0]:
        raise PilotEvalError(f"{option} {text!r} is not a date", hint=forms)
    return parsed.iloc[0].date()


def request_from_args(args: argparse.Namespace):
    """The ``RetentionRequest`` the command line asks for (checked)."""
    from pilot_eval.estimators import SpellColumns
    from pilot_eval.retention import RetentionRequest
    from pilot_eval.staff import INTERNAL_MOVES

    generic = args.duration is not None or args.event is not None
    staff = any(v is not None for v in (args.start, args.end, args.team))
    if generic == staff:
        both = " (not a mix of the two)" if generic else ""
        raise PilotEvalError(
            "say what the rows are: --duration and --event (survival data) or --start, --end "
            f"and --team (staff records){both}", file=str(args.data),
            hint="For example: --start start_date --end end_date --team team --reason "
                 "leaving_reason --pilot-starts teams.csv")
    missing = ([o for o, v in (("--duration", args.duration), ("--event", args.event)) if v is None]
               if generic else [o for o, v in (("--start", args.start), ("--end", args.end),
                                               ("--team", args.team)) if v is None])
    if missing:
        raise PilotEvalError(f"missing {' and '.join(missing)}", file=str(args.data),
                             hint="Name the column for each.")
    staff_only = (args.reason, args.extract_date, args.pilot_starts, args.pilot_start_col)
    if generic and any(v is not None for v in staff_only):
        raise PilotEvalError("--reason, --extract-date, --pilot-starts and --pilot-start-col are "
                             "for staff records (--start, --end, --team)", file=str(args.data))
    covariates = tuple(c.strip() for c in args.covariates.split(",") if c.strip())
    columns = SpellColumns(staff_id=args.staff_id, team=args.team, start=args.start, end=args.end,
                           reason=args.reason, duration=args.duration, event=args.event,
                           group=args.group, covariates=covariates, cluster=args.cluster,
                           entry=args.entry, strata=args.strata)
    excluded = (INTERNAL_MOVES if args.exclude_reasons is None else
                tuple(r.strip() for r in args.exclude_reasons.split(",") if r.strip()))
    return RetentionRequest(
        columns, extract_date=_date(args.extract_date, "--extract-date"),
        pilot_starts_path=None if args.pilot_starts is None else str(args.pilot_starts),
        pilot_start_col=args.pilot_start_col, excluded_reasons=excluded,
        observed_from=_date(args.observed_from, "--observed-from"), tau=args.tau,
        ties=args.ties, ci_transform=args.ci_transform, level=args.level,
        rate_period=args.rate_period, team_rates=args.team_rates, fte=args.fte)


def run_retention_command(args: argparse.Namespace) -> int:
    from pilot_eval.io import load_table
    from pilot_eval.jsonio import dumps
    from pilot_eval.retention import run_retention

    request = request_from_args(args)
    table = load_table(args.data, **reading_options(args))
    print_notes(table)
    analysis = run_retention(request, table)
    if args.json:
        # Large records give megabytes of curves: Python's indenting encoder is ten times
        # slower than its compact one, so large outputs are written compact (issue 12).
        spells = analysis.spells
        compact = spells is not None and len(spells) > COMPACT_JSON_SPELLS
        sys.stdout.write(dumps(analysis.to_dict(), indent=None if compact else 2) + "\n")
    else:
        sys.stdout.write(analysis.summary() + "\n")
    return EXIT_OK
