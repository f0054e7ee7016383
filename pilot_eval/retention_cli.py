"""The ``pilot-eval retention`` sub-command (staff retention analyses)."""

from __future__ import annotations

import argparse


def add_retention_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("retention", help="staff retention analyses (not yet available)")


def run_retention_command(args: argparse.Namespace) -> int:
    from pilot_eval.errors import PilotEvalError

    raise PilotEvalError("the retention analysis is not available yet in this version")
