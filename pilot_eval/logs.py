"""Where pilot-eval keeps its log files, and the rotating file handler that writes them.

Windows: ``%LOCALAPPDATA%\\pilot-eval\\logs``; elsewhere ``$XDG_STATE_HOME/pilot-eval/logs``
(default ``~/.local/state``).  ``PILOT_EVAL_HOME`` overrides the base folder (tests, portable
installs).  Nothing is ever sent anywhere.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "pilot-eval.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3


def data_home() -> Path:
    """The user's pilot-eval folder (settings, logs, recovery files)."""
    override = os.environ.get("PILOT_EVAL_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "pilot-eval"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pilot-eval"


def log_dir() -> Path:
    return data_home() / "logs"


def log_path() -> Path:
    return log_dir() / LOG_NAME


_current: dict[str, Path | None] = {"path": None}


def configure_file_logging(folder: str | Path | None = None, level: int = logging.INFO) -> Path:
    """Send the ``pilot_eval`` logger to one rotating file and return the file's path.

    ``folder`` defaults to ``log_dir()``.  Calling it again moves the log to the folder given
    (tests use a temporary folder); the same folder again keeps the open file.
    Falls back to the temporary folder when the user's folder cannot be written (a locked-down
    profile), so logging never stops the tool from working.
    """
    logger = logging.getLogger("pilot_eval")
    folders = [Path(folder)] if folder is not None else [log_dir()]
    if _current["path"] == folders[0] / LOG_NAME:
        return _current["path"]
    folders.append(Path(tempfile.gettempdir()) / "pilot-eval" / "logs")
    for candidate in folders:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(candidate / LOG_NAME, maxBytes=_MAX_BYTES,
                                          backupCount=_BACKUPS, encoding="utf-8")
        except OSError:
            continue
        for old in list(logger.handlers):  # one log file per process
            if isinstance(old, RotatingFileHandler):
                logger.removeHandler(old)
                old.close()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
        _current["path"] = candidate / LOG_NAME
        return candidate / LOG_NAME
    return log_path()


def current_log_path() -> Path | None:
    """The file the log is going to, or ``None`` before ``configure_file_logging``."""
    return _current["path"]
