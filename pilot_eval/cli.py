"""The ``pilot-eval`` command line.

Sub-commands: ``demo`` (the whole pipeline on the bundled demo pilot) and ``did`` (one
difference-in-differences estimate).  With no sub-command the window opens; the window lives
in ``pilot_eval.ui``, which this core module must not import, so the console script's entry
point (``pilot_eval.ui.launch``) passes a ``gui`` callable in.

Exit codes: 0 success, 2 bad input or an operating-system refusal such as a full disk, a
missing permission or a locked file (message on stderr, with the path and what to do), 1
internal error (log file named).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from pilot_eval import __version__
from pilot_eval.cli_data import add_reading_options, print_notes, reading_options
from pilot_eval.errors import PilotEvalError
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.thresholds import FEW_CLUSTERS, FEW_TREATED_CLUSTERS

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
GUI_COMMANDS = ("open", "screenshots")
GuiLauncher = Callable[[argparse.Namespace], int]

log = logging.getLogger("pilot_eval.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pilot-eval",
        description="Evaluate empowerment pilots: difference-in-differences, staff retention "
                    "and a brief for ministers. With no command, the window opens.",
    )
    parser.add_argument("--version", action="version", version=f"pilot-eval {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(commands)
    _add_did(commands)
    _add_brief(commands)
    from pilot_eval.retention_cli import add_retention_parser

    add_retention_parser(commands)
    from pilot_eval.power_cli import add_power_parser

    add_power_parser(commands)
    opener = commands.add_parser("open", help="open a project file in the window")
    opener.add_argument("project", type=Path, nargs="?", help="a .pilot.json project file")
    shots = commands.add_parser(
        "screenshots", help="open the demo offscreen, visit every step, save a PNG of each")
    shots.add_argument("out_dir", type=Path, help="folder for the PNG files")
    shots.add_argument("--scale", type=float, help="display scaling, e.g. 1.5 for 150%%")
    return parser


def _add_demo(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo", help="run the whole pipeline on the bundled demo pilot",
        description="Runs validation, the DiD for every demo outcome and the brief, and writes "
                    "brief.pdf, brief.html, technical-report.pdf, tables.xlsx and results.json "
                    "into --out.")
    demo.add_argument("--out", type=Path, default=None,
                      help="output folder (default: ./pilot-eval-demo/, or "
                           "./pilot-eval-small-pilot/ with --small-pilot)")
    demo.add_argument("--small-pilot", action="store_true",
                      help="the second demo instead: one council piloting in 2 of its 16 teams, "
                           "headed by synthetic difference-in-differences (for pilots with "
                           "only a few teams)")


def _add_brief(commands: argparse._SubParsersAction) -> None:
    brief = commands.add_parser(
        "brief", help="rerun a saved project (or rebuild from its results.json) and write its "
                      "brief",
        description="Given a project file, reruns its analyses on its data files; given a "
                    "results.json, rebuilds every output from the archived report without "
                    "re-running. Writes brief.pdf, brief.html, technical-report.pdf, tables.xlsx "
                    "and results.json into --out. Set "
                    "PILOT_EVAL_CLOCK (e.g. 2025-10-01T09:00:00) to date a rerun by a fixed "
                    "clock, for byte-identical outputs.")
    brief.add_argument("project", type=Path,
                       help="a .pilot.json project file, or a results.json written by pilot-eval")
    brief.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")


def _add_did(commands: argparse._SubParsersAction) -> None:
    did = commands.add_parser(
        "did", help="estimate a pilot's effect by difference-in-differences",
        description="Difference-in-differences on an outcome panel or repeated cross-section. "
                    "Say who is treated with --treatment (0/1 per row), --cohort (the period each "
                    "unit's pilot started; 0 or blank = never) or --group with --post (2x2 flags).")
    did.add_argument("data", type=Path, help="CSV, Excel (.xlsx), Parquet or Stata (.dta) file")
    did.add_argument("--outcome", required=True, help="outcome column")
    did.add_argument("--unit", help="unit column (team, council ...); needed with --treatment "
                                    "and --cohort (panel designs); optional only for a 2x2 "
                                    "repeated cross-section (--group with --post)")
    did.add_argument("--time", help="period column (integers, dates or year-month)")
    who = did.add_mutually_exclusive_group(required=True)
    who.add_argument("--treatment", help="0/1 column: 1 for unit-periods under the pilot")
    who.add_argument("--cohort", help="column with the period each unit's pilot started")
    who.add_argument("--group", help="0/1 column: 1 for the pilot group (2x2; needs --post)")
    did.add_argument("--post", help="0/1 column: 1 for the after period (2x2; with --group)")
    did.add_argument("--covariates", default="", help="comma-separated covariate columns")
    did.add_argument("--cluster", help="cluster column (default: the unit)")
    did.add_argument("--weights", help="weight column")
    add_reading_options(did)
    did.add_argument("--header-row", type=int, help="spreadsheet row holding the column names "
                     "when title rows sit above them (1-based, as the spreadsheet shows; "
                     "default 1)")
    did.add_argument("--exclude-rows", help="spreadsheet rows to leave out, e.g. totals rows: "
                     "552,553 or 552-560 (row numbers as the checks list them)")
    did.add_argument("--estimator", default="auto",
                     help="auto|2x2|twfe|event-study|callaway-santanna|sun-abraham|"
                          "synthetic-did|synthetic-control (default auto: synthetic-did for "
                          "5 or fewer pilot units on a complete panel, 2x2 for one start and "
                          "two periods, twfe for one start, callaway-santanna when staggered)")
    did.add_argument("--placebo-reps", type=int, default=200,
                     help="placebo replications of synthetic-did's standard error (default 200; "
                          "seeded by --seed)")
    did.add_argument("--se", default="auto",
                     help="auto|iid|hc1|cluster|wild (default auto: cluster-robust, or the wild "
                          "cluster bootstrap with fewer than "
                          f"{FEW_CLUSTERS} clusters or {FEW_TREATED_CLUSTERS} pilot clusters)")
    did.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    did.add_argument("--control", default="never",
                     help="comparison units for callaway-santanna and sun-abraham: never|not-yet "
                          "(default never; auto uses not-yet when every unit is piloted; for "
                          "sun-abraham not-yet means the last-piloted cohort)")
    did.add_argument("--unbalanced", default="auto",
                     help="callaway-santanna with units missing some periods: auto|drop|allow "
                          "(drop: R did's default, only complete units; allow: R did's "
                          "allow_unbalanced_panel = TRUE, every row kept; auto: drop unless "
                          "that loses more than 5%% of the rows)")
    did.add_argument("--method", default="dr", help="callaway-santanna with covariates: "
                                                    "dr|reg|ipw (default dr)")
    did.add_argument("--base-period", default="varying", help="varying|universal")
    did.add_argument("--anticipation", type=int, default=0,
                     help="periods before the start in which units may already react")
    did.add_argument("--bootstrap", type=int, default=0,
                     help="bootstrap draws (wild cluster bootstrap for twfe/2x2, multiplier "
                          "bootstrap for callaway-santanna); 0 = analytic")
    did.add_argument("--seed", type=int, default=20240601, help="seed of the bootstrap draws")
    did.add_argument("--placebo", action="store_true",
                     help="run the in-time placebo, leave-one-unit-out and covariate checks")
    did.add_argument("--bacon", action="store_true",
                     help="decompose the two-way estimate (Goodman-Bacon)")
    did.add_argument("--leads", type=int, help="event-study periods before the start (earlier "
                                               "ones binned; default 5 for the pre-trend test)")
    did.add_argument("--lags", type=int, help="event-study periods after the start (later ones "
                                              "binned; default all)")
    did.add_argument("--sensitivity", action="store_true",
                     help="Rambachan & Roth bounds on the first post-period effect under "
                          "violations of parallel trends (smoothness restrictions)")
    did.add_argument("--cross-check", action="store_true",
                     help="re-estimate the two-way fits with linearmodels for the QA record "
                          "(slow: it costs far more than the analysis)")
    did.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def main(argv: Sequence[str] | None = None, *, gui: GuiLauncher | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    # Overflow or 0/0 inside numeric libraries on extreme data: the results say what could not
    # be computed (Unavailable); raw RuntimeWarnings would only alarm the analyst.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _dispatch(args, gui)


def _dispatch(args: argparse.Namespace, gui: GuiLauncher | None) -> int:
    try:
        if args.command is None or args.command in GUI_COMMANDS:
            if gui is None:
                raise PilotEvalError("the window is not part of this installation",
                                     hint="Use a sub-command such as 'pilot-eval demo'.")
            return gui(args)
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "did":
            return _run_did(args)
        if args.command == "brief":
            return _run_brief(args)
        if args.command == "retention":
            from pilot_eval.retention_cli import run_retention_command

            return run_retention_command(args)
        if args.command == "power":
            from pilot_eval.power_cli import run_power_command

            return run_power_command(args)
    except (PilotEvalError, EstimatorConfigError, EstimationError) as error:
        message = error.user_message() if isinstance(error, PilotEvalError) else str(error)
        print(f"pilot-eval: {message}", file=sys.stderr)
        if getattr(args, "json", False):
            _json_error(error)
        return EXIT_BAD_INPUT
    except OSError as error:  # disk full, no permission, locked file ...: the user's to fix
        from pilot_eval.errors import from_os_error

        print(f"pilot-eval: {from_os_error(error).user_message()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("pilot-eval: this computer ran out of free memory. Close other programs and try "
              "again, or analyse a smaller extract of the data.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("pilot-eval: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception:  # an internal error: log the details, show a short message
        from pilot_eval.logs import configure_file_logging

        path = configure_file_logging()
        log.exception("internal error running %s", args.command)
        print(f"pilot-eval: internal error while running '{args.command}'. This is a bug, not "
              f"a problem with your data; details are in {path}", file=sys.stderr)
        return EXIT_INTERNAL
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects others


def _json_error(error: Exception) -> None:
    """With ``--json``, bad input is also one JSON object on stdout, so that scripts parse
    both outcomes: ``{error, file, rows, column, hint}`` (the exit code is unchanged)."""
    from pilot_eval.jsonio import dumps

    text = getattr(error, "message", None) or str(error)
    sys.stdout.write(dumps({"error": text, "file": getattr(error, "file", None),
                            "rows": list(getattr(error, "rows", ()) or ()),
                            "column": getattr(error, "column", None),
                            "hint": getattr(error, "hint", None)}) + "\n")


def _columns_from(args: argparse.Namespace):
    from pilot_eval.estimators import PanelColumns

    if args.group is not None and args.post is None:
        raise PilotEvalError("--group needs --post (the 0/1 after-period column)",
                             file=str(args.data))
    if args.group is None and args.post is not None:
        raise PilotEvalError("--post is only used with --group", file=str(args.data))
    if args.group is None and (args.unit is None or args.time is None):
        raise PilotEvalError("--treatment and --cohort need --unit and --time",
                             file=str(args.data),
                             hint="Name the unit column (e.g. --unit team) and the period column "
                                  "(e.g. --time month).")
    covariates = tuple(c.strip() for c in args.covariates.split(",") if c.strip())
    return PanelColumns(outcome=args.outcome, unit=args.unit, time=args.time,
                        treatment=args.treatment, cohort=args.cohort, group=args.group,
                        post=args.post, covariates=covariates, cluster=args.cluster,
                        weights=args.weights)


def _run_did(args: argparse.Namespace) -> int:
    from pilot_eval.analysis import DidRequest, run_analysis
    from pilot_eval.io import load_table
    from pilot_eval.jsonio import dumps
    from pilot_eval.role_names import guess_outcome_info

    columns = _columns_from(args)
    info = guess_outcome_info(columns.outcome)  # as the window describes the outcome
    request = DidRequest(columns, outcome_label=info.label, outcome_unit=info.unit,
                         polarity=info.polarity, estimator=args.estimator, se=args.se,
                         level=args.level,
                         control=args.control, method=args.method,
                         base_period=args.base_period, anticipation=args.anticipation,
                         bootstrap=args.bootstrap, seed=args.seed, checks=args.placebo,
                         bacon=args.bacon, leads=args.leads, lags=args.lags,
                         sensitivity=args.sensitivity, unbalanced=args.unbalanced,
                         placebo_reps=args.placebo_reps)
    table = load_table(args.data, **reading_options(args))
    print_notes(table)
    if args.exclude_rows:
        from pilot_eval.exclusions import exclude_rows, parse_rows

        table = exclude_rows(table, parse_rows(args.exclude_rows), file=str(args.data))
    analysis = run_analysis(request, table,
                            cross_check="always" if args.cross_check else "never")
    if args.json:
        sys.stdout.write(dumps(analysis.to_dict()) + "\n")
    else:
        sys.stdout.write(analysis.summary() + "\n")
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    if args.small_pilot:
        from pilot_eval.demo_small import PROJECT_FILE, run_small_demo

        args.out = args.out or Path("pilot-eval-small-pilot")
        outputs = run_small_demo(args.out)
        print("Small-pilot demo analysed. Wrote:\n" + _listing(outputs)
              + f"\n  {args.out / PROJECT_FILE} (open it in the window, or run "
                "'pilot-eval brief')")
        print(outputs.headline)
        return EXIT_OK
    from pilot_eval.pipeline import run_demo

    args.out = args.out or Path("pilot-eval-demo")
    outputs = run_demo(args.out)
    print("Demo pilot analysed. Wrote:\n" + _listing(outputs)
          + f"\n  {args.out / 'demo.pilot.json'} (open it in the window, or run 'pilot-eval brief')")
    print(outputs.headline)
    return EXIT_OK


def _run_brief(args: argparse.Namespace) -> int:
    from pilot_eval.pipeline import is_results_file, read_results, run_and_write, write_outputs
    from pilot_eval.project import check_source, load_project

    if is_results_file(args.project):  # rebuild every output from the archived report
        report = read_results(args.project)
        outputs = write_outputs(report, args.out)
        print(f"Rebuilt from {args.project} without re-running (results produced "
              f"{report.qa.run_date_text}). Wrote:\n" + _listing(outputs))
        return EXIT_OK
    project = load_project(args.project)
    if project.outcome_data is not None:
        status = check_source(project.outcome_data)
        if status.state == "missing":
            raise PilotEvalError(status.message, file=str(args.project),
                                 hint="Move the data file back, or open the project in the "
                                      "window and locate it.")
        if status.state == "changed":
            print(f"pilot-eval: warning: {status.message}", file=sys.stderr)
    _, outputs = run_and_write(project, args.project, args.out)
    print("Wrote:\n" + _listing(outputs))
    return EXIT_OK


def _listing(outputs) -> str:
    return "\n".join(f"  {path}" for path in outputs.files)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
