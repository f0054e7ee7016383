"""Turn any exception into what the analyst sees: a message, what to do, and details to copy.

Problems the user can fix (``PilotEvalError``, the estimators' ``ValueError`` subclasses) show
their own message.  Anything else is a fault in pilot-eval: the user sees a short apology with the
exception's type and the log file's location, never a traceback in the main text; the full
traceback goes into the details (for "Copy details") and into the log.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorInfo:
    """What an error dialog shows.

    Attributes
    ----------
    title:
        Short heading, for example "The file could not be opened".
    message:
        One paragraph in plain language: what went wrong and how to fix it.
    details:
        Technical text for "Copy details" (exception type, message, traceback).
    expected:
        True for problems the user can fix, False for faults in pilot-eval.
    log_path:
        Where unexpected errors were logged ("" when logging is not set up).
    """

    title: str
    message: str
    details: str = ""
    expected: bool = True
    log_path: str = ""


def is_user_problem(exc: BaseException) -> bool:
    """True for errors that describe bad input the user can fix (not bugs in pilot-eval)."""
    from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError

    from pilot_eval.errors import PilotEvalError

    return isinstance(exc, PilotEvalError | EstimationError | EstimatorConfigError)


def user_text(exc: BaseException) -> str:
    """The exception's message for a person: ``user_message()`` when it has one."""
    message = getattr(exc, "user_message", None)
    if callable(message):
        return str(message())
    return str(exc) or type(exc).__name__


def technical_details(exc: BaseException) -> str:
    """Exception type, message and traceback as one copyable text."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(lines).rstrip()


def describe_exception(exc: BaseException, *, title: str, log_path: str = "") -> ErrorInfo:
    """Build the ``ErrorInfo`` for ``exc`` raised while doing the task named by ``title``."""
    details = technical_details(exc)
    if is_user_problem(exc):
        return ErrorInfo(title=title, message=user_text(exc), details=details, expected=True,
                         log_path=log_path)
    message = (
        f"Something went wrong inside pilot-eval ({type(exc).__name__}: {user_text(exc)}). "
        "Your data and settings are unchanged; you can try again. If it happens again, use "
        "\"Copy details\" and send the text to your support team"
        + (" with the log file named below." if log_path else ".")
    )
    return ErrorInfo(title=title, message=message, details=details, expected=False,
                     log_path=log_path)
