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


class FileAccessError(PilotEvalError, OSError):
    """The operating system refused to read or write a file (disk full, no permission, file
    open in another program, path too long ...): the user's to fix, never a bug.

    ``errno`` / ``winerror`` keep the original codes (``None`` when unknown).  Subclasses
    ``OSError`` so that code written for raw OS errors still catches it.
    """

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None,
                 errno: int | None = None, winerror: int | None = None) -> None:
        PilotEvalError.__init__(self, message, file=file, hint=hint)
        self.errno = errno
        self.winerror = winerror

    def __str__(self) -> str:
        return self.user_message()


WINDOWS_MAX_PATH = 260
"""Characters in a full path that older Windows programs (and Windows without long paths
enabled) accept."""
_SHARING_VIOLATIONS = (32, 33)  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_DISK_FULL = (39, 112)  # ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
_PATH_TOO_LONG = (206,)  # ERROR_FILENAME_EXCED_RANGE
_KEPT = "The previous files were not changed."


def from_os_error(error: OSError, *, path: object = None, action: str = "write",
                  length_of: str | None = None) -> PilotEvalError:
    """Say plainly what an ``OSError`` means for the user, with the path and what to do.

    ``action`` is the verb for the message (``"write"``, ``"read"``, ``"create"``...);
    ``length_of`` is the path the system really used when it differs from ``path`` (a
    temporary file beside it), for Windows' limit on path lengths.  An error that is already
    a ``PilotEvalError`` is returned unchanged.
    """
    import errno as codes
    import sys

    if isinstance(error, PilotEvalError):
        return error
    file = str(path if path is not None else (error.filename or "")) or None
    number = error.errno
    winerror = getattr(error, "winerror", None)
    where = f" ({error.strerror})" if error.strerror else ""

    def made(message: str, hint: str) -> FileAccessError:
        return FileAccessError(message, file=file, hint=hint, errno=number, winerror=winerror)

    if number in (codes.ENOSPC, getattr(codes, "EDQUOT", -1)) or winerror in _DISK_FULL:
        return made("there is no space left on the disk",
                    f"Free some space on the disk (or choose another drive) and try again. "
                    f"{_KEPT}")
    if winerror in _SHARING_VIOLATIONS:
        return made("the file is open in another program (for example Excel or a PDF viewer)",
                    "Close it there and try again, or save under another name. " + _KEPT)
    if (number == codes.ENAMETOOLONG or winerror in _PATH_TOO_LONG
            or (sys.platform == "win32" and isinstance(error, FileNotFoundError)
                and max(len(file or ""), len(length_of or "")) >= WINDOWS_MAX_PATH)):
        length = f" ({len(file)} characters)" if file else ""
        return made(f"the path is too long{length}; Windows allows {WINDOWS_MAX_PATH} "
                    "characters",
                    "Choose a folder nearer the top of the drive (for example C:\\Reports) or "
                    "a shorter file name.")
    if number == codes.EROFS:
        return made("the disk is read-only", "Choose a folder on a disk you can write to.")
    if isinstance(error, NotADirectoryError | FileExistsError):
        blocking = _file_in_the_way(file)
        if blocking is not None:
            file = blocking
            return made("this is a file, not a folder",
                        "Choose a folder (or a new folder name) for the output, not an "
                        "existing file.")
        return made("a part of this path is a file, not a folder",
                    "Choose a folder, or rename the file that has the folder's name.")
    if isinstance(error, IsADirectoryError):
        return made("this is a folder, not a file", "Choose a file name inside the folder.")
    if isinstance(error, PermissionError):
        return made(f"you do not have permission to {action} here{where}",
                    "Choose a folder you can write to (for example in your Documents), close "
                    "the file if another program has it open, or ask IT for access. " + _KEPT
                    if action != "read" else
                    "Check that you may read the file, and close it in other programs.")
    if isinstance(error, FileNotFoundError):
        return made("the file or folder does not exist",
                    "Check the path; the folder may have been moved, renamed or disconnected.")
    if number == codes.EIO:
        return made("the disk reported an input/output error",
                    "Check the drive or the network connection, then try again.")
    return made(f"the operating system could not {action} the file{where}",
                "Check the disk, the folder and your permissions, then try again.")


def _file_in_the_way(path: str | None) -> str | None:
    """The nearest part of ``path`` (itself or a parent) that exists and is not a folder."""
    from pathlib import Path

    if not path:
        return None
    for candidate in (Path(path), *Path(path).parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else str(candidate)
        except OSError:
            return None
    return None
