"""Errors of the application core.

Every problem a user can cause (a bad file, a wrong column, a corrupt project) is a
``PilotEvalError`` that knows the file, the rows and the column involved and how to fix it.
The CLI prints ``user_message()`` and exits 2; the window shows the same text.
"""

from __future__ import annotations

from collections.abc import Sequence


def _rows_text(rows: Sequence[int]) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


class PilotEvalError(Exception):
    """Base class for problems the user can fix.

    Parameters
    ----------
    message:
        What went wrong, with the value seen.
    file, rows, column:
        Where.  ``rows`` are 1-based data-row numbers as a spreadsheet user counts them
        (the header is row 1, so the first data row is row 2).
    hint:
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rows: Sequence[int] = (),
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.rows = tuple(int(r) for r in rows)
        self.column = column
        self.hint = hint

    def user_message(self) -> str:
        """One paragraph: the file, the problem, the rows/columns and how to fix it."""
        parts = []
        if self.file:
            parts.append(f"In {self.file}")
        where = []
        if self.rows:
            where.append(_rows_text(self.rows))
        if self.column:
            where.append(f"column '{self.column}'")
        if where:
            parts.append(("at " if parts else "At ") + ", ".join(where))
        prefix = ", ".join(parts)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text

    def __str__(self) -> str:
        return self.user_message()


class DataError(PilotEvalError, ValueError):
    """A data file cannot be read, or its contents cannot be used as asked."""


class ValidationFailed(DataError):
    """Validation found errors; ``report`` holds every problem found."""

    def __init__(self, report, *, file: str | None = None) -> None:  # report: ValidationReport
        errors = report.errors
        first = errors[0] if errors else None
        count = len(errors)
        message = (
            f"the data has {count} problem{'s' if count != 1 else ''} to fix before the analysis "
            "can run:\n" + "\n".join(f"- {p.describe()}" for p in errors)
        )
        super().__init__(message, file=file or (first.file if first else None))
        self.report = report


class ProjectFileError(PilotEvalError, ValueError):
    """A project file is corrupt, of a newer version, or refers to data that moved."""


class AnalysisCancelled(PilotEvalError):
    """The user cancelled a running analysis."""

    def __init__(self) -> None:
        super().__init__("the analysis was cancelled")
