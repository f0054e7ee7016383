"""Two windows, one project: a lock file beside the project, and "is that process alive?".

``NAME.pilot.json.lock`` (JSON) names who has the project open: the user, the machine, the
process id and when that process started (so a process id reused by another program after a
crash is not mistaken for the owner), and a token naming the window (two windows of one
process, as in the tests, are two owners).  A lock whose process is gone on this machine is stale and
is taken over; a lock held by a live process, or by another machine (whose processes cannot be
seen from here), is respected: the project opens read-only or as a copy.

``process_alive(pid, started)`` is the one liveness test of the window (locks and autosave
recovery), with ``psutil`` on every platform: on Windows ``os.kill(pid, 0)`` would end the
process instead of testing it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import platform
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from .logs import get_logger

LOCK_SUFFIX = ".lock"
#: Seconds between a process's recorded start time and psutil's for the same process.
START_TOLERANCE = 1.0

_log = get_logger("project_lock")


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or None if it is not running."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.AccessDenied:  # running, but another user's: its start time is hidden
        return -1.0


def process_alive(pid: int, started: float | None = None) -> bool:
    """Is process ``pid`` running, and (when ``started`` is known) the same process that
    started then?  Works the same on Windows, macOS and Linux."""
    if pid == os.getpid():
        return True
    if pid <= 0 or not psutil.pid_exists(pid):
        return False
    now = process_started(pid)
    if now is None:
        return False
    if started is None or now < 0:
        return True  # cannot tell a reused id from the owner: assume the owner
    return abs(now - started) <= START_TOLERANCE


def machine_name() -> str:
    return platform.node() or "this computer"


def user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no user name in the environment
        return "someone"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project open."""

    user: str
    machine: str
    pid: int
    started: float | None  # the process's start time (psutil), to detect a reused id
    since: float  # when the project was opened
    token: str = ""  # the window holding it

    @classmethod
    def this_window(cls, token: str) -> LockOwner:
        return cls(user=user_name(), machine=machine_name(), pid=os.getpid(),
                   started=process_started(os.getpid()), since=time.time(), token=token)

    def is_window(self, token: str) -> bool:
        return self.machine == machine_name() and self.pid == os.getpid() and \
            self.token == token

    def is_alive(self) -> bool:
        """False only when the owner is known to be gone (same machine, process ended)."""
        if self.machine != machine_name():
            return True
        return process_alive(self.pid, self.started)

    def describe(self) -> str:
        when = time.strftime("%H:%M on %d %b %Y", time.localtime(self.since))
        where = "this computer" if self.machine == machine_name() else self.machine
        return f"{self.user} on {where} (since {when})"


def lock_path(project: str | Path) -> Path:
    target = Path(project)
    return target.with_name(target.name + LOCK_SUFFIX)


def read_lock(project: str | Path) -> LockOwner | None:
    """The owner named in the project's lock file, or None when there is none (or it cannot
    be read: a damaged lock protects nothing)."""
    try:
        data = json.loads(lock_path(project).read_text(encoding="utf-8"))
        return LockOwner(user=str(data["user"]), machine=str(data["machine"]),
                         pid=int(data["pid"]),
                         started=None if data.get("started") is None else float(data["started"]),
                         since=float(data.get("since", 0.0)), token=str(data.get("token", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        _log.warning("Ignoring an unreadable lock file beside %s", project)
        return None


def new_token() -> str:
    """A window's name in its lock files."""
    return uuid.uuid4().hex


class ProjectLock:
    """A lock a window holds on one project (``token`` names the window)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.path: Path | None = None  # the project locked

    def acquire(self, project: str | Path) -> LockOwner | None:
        """Lock ``project`` for this window; return None when locked (or when the lock cannot
        be written, e.g. a read-only folder: nothing to protect then), else the live owner."""
        target = Path(project)
        if self.path is not None and self.path == target:
            return None
        owner = read_lock(target)
        if owner is not None and not owner.is_window(self.token) and owner.is_alive():
            return owner
        if owner is not None:  # stale (its process is gone), or this window's own
            with contextlib.suppress(OSError):
                lock_path(target).unlink()
        self.release()
        mine = LockOwner.this_window(self.token)
        try:
            descriptor = os.open(lock_path(target), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another window took it in between
            other = read_lock(target)
            return other if other is not None else mine
        except OSError:
            _log.info("No lock file written beside %s (folder not writable)", target)
            return None
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(asdict(mine), stream)
        self.path = target
        return None

    def release(self) -> None:
        """Delete this window's lock file (only if it is still ours)."""
        if self.path is None:
            return
        owner = read_lock(self.path)
        if owner is not None and owner.is_window(self.token):
            with contextlib.suppress(OSError):
                lock_path(self.path).unlink()
        self.path = None


def file_signature(path: str | Path) -> tuple[int, int] | None:
    """``(size, modification time in ns)`` of a file, None when it does not exist: what the
    window compares before saving over a project another window may have saved."""
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def describe_lock(owner: LockOwner, project: Any) -> str:
    return (f"{Path(str(project)).name} is open in another pilot-eval window: "
            f"{owner.describe()}.")
