"""Logging for the window: the core's rotating log file (``pilot_eval.logs``), one per process.

The window calls ``configure_logging()`` once at start-up; tests pass a temporary folder.  The
log file's path is shown in error dialogs so a user can send it to support.  The command line
and the window write to the same folder (``pilot_eval.logs.log_dir()``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pilot_eval.logs import configure_file_logging, current_log_path, log_dir

LOGGER_NAME = "pilot_eval"


def default_log_folder() -> Path:
    """The user's log folder (``PILOT_EVAL_HOME`` overrides its base)."""
    return log_dir()


def configure_logging(folder: Path | None = None) -> Path:
    """Send the ``pilot_eval`` logger to a rotating file in ``folder``; return the file's path."""
    return configure_file_logging(folder)


def log_path() -> str:
    """The current log file's path, or ``""`` when logging has not been configured."""
    path = current_log_path()
    return str(path) if path is not None else ""


def get_logger(name: str = "ui") -> logging.Logger:
    """A child of the ``pilot_eval`` logger."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}")
