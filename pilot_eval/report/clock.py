"""The clock that dates a run: the system clock, or a fixed one for reproducible outputs.

Set the environment variable ``PILOT_EVAL_CLOCK`` to an ISO date-time (``2025-10-01T09:00``,
optionally with a UTC offset) to make every run read that moment instead of the system clock;
``run_project(..., clock=...)`` takes a callable for the same purpose in code and tests.  The
report records which clock was used (``QaLog.clock``), and the brief says so when it is fixed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from pilot_eval.report.errors import BriefError

CLOCK_VARIABLE = "PILOT_EVAL_CLOCK"
SYSTEM = "system"

Clock = Callable[[], dt.datetime]


def system_now() -> dt.datetime:
    """Now, to the second, in local time with its UTC offset."""
    return dt.datetime.now().astimezone().replace(microsecond=0)


def read_clock(clock: Clock | None = None) -> tuple[dt.datetime, str]:
    """``(moment, which clock)``: ``clock()`` if given, else ``PILOT_EVAL_CLOCK``, else the
    system clock."""
    if clock is not None:
        return clock().replace(microsecond=0), "fixed (given by the caller)"
    fixed = os.environ.get(CLOCK_VARIABLE, "").strip()
    if fixed:
        try:
            moment = dt.datetime.fromisoformat(fixed)
        except ValueError as error:
            raise BriefError(f"{CLOCK_VARIABLE}={fixed!r} is not a date and time",
                             hint="Write it as 2025-10-01T09:00:00, or unset it to use the "
                                  "system clock.") from error
        return moment.replace(microsecond=0), f"fixed ({CLOCK_VARIABLE}={fixed})"
    return system_now(), SYSTEM
