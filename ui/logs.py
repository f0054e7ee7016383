"""Logging of unexpected errors to a rotating file in the user's data folder.

The window calls ``configure_logging()`` once at start-up; tests pass a temporary folder.  The
log file's path is shown in error dialogs so a user can send it to support.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOGGER_NAME = "pilot_eval"
LOG_FILE_NAME = "pilot-eval.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3

_state: dict[str, Path | None] = {"path": None}


def default_log_folder() -> Path:
    """``logs`` in the per-user data folder (``QStandardPaths.AppLocalDataLocation``).

    ``PILOT_EVAL_HOME`` overrides the base folder, as it does for the command line's log.
    """
    import os

    from PySide6.QtCore import QStandardPaths

    override = os.environ.get("PILOT_EVAL_HOME")
    if override:
        return Path(override) / "logs"

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(location) / "logs"


def configure_logging(folder: Path | None = None) -> Path:
    """Send the ``pilot_eval`` logger to a rotating file in ``folder`` and return the file's path.

    Calling it again with another folder moves the log there (tests use a temporary folder).
    """
    folder = Path(folder) if folder is not None else default_log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):  # one log file: replace any earlier file handler
        if isinstance(handler, RotatingFileHandler):
            logger.removeHandler(handler)
            handler.close()
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                  encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    _state["path"] = path
    return path


def log_path() -> str:
    """The current log file's path, or ``""`` when logging has not been configured."""
    path = _state["path"]
    return str(path) if path is not None else ""


def get_logger(name: str = "ui") -> logging.Logger:
    """A child of the ``pilot_eval`` logger."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}")
