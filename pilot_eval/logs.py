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


def configure_file_logging(level: int = logging.INFO) -> Path:
    """Attach one rotating file handler to the ``pilot_eval`` logger; return the log file path.

    Falls back to the temporary folder when the user's folder cannot be written (a locked-down
    profile), so logging never stops the tool from working.
    """
    logger = logging.getLogger("pilot_eval")
    for handler in logger.handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    for folder in (log_dir(), Path(tempfile.gettempdir()) / "pilot-eval" / "logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(folder / LOG_NAME, maxBytes=_MAX_BYTES,
                                          backupCount=_BACKUPS, encoding="utf-8")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)
        return folder / LOG_NAME
    return log_path()
