"""Where the window keeps and looks for files, and which paths it must not touch by itself.

* ``documents_folder()``: the user's Documents (``PILOT_EVAL_DOCUMENTS`` moves it, as the tests
  do); the demo project lives in ``Documents/pilot-eval/demo``, never in a temporary folder
  (on Windows ``%TEMP%`` is cleaned, and a brief exported there is lost).
* ``is_temporary(path)``: inside the system's temporary folders (never listed in Recent
  projects, never offered as the place to export).
* ``is_network_path(path)``: a UNC or URL path (``\\\\server\\share\\x.csv``,
  ``//server/share``, ``\\\\?\\UNC\\...``, ``smb://...``).  Merely asking Windows whether such a
  file exists contacts the server and may send the user's network credentials (NTLM), so the
  window never touches one the user did not choose (see ``network_paths_of``).

Every function here works on the text of a path only: none of them touches the file system
(except ``documents_folder``, which asks Qt where Documents are).
"""

from __future__ import annotations

import ntpath
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

DOCUMENTS_ENV = "PILOT_EVAL_DOCUMENTS"
#: The files an export writes into its folder (as ``pilot-eval brief --out FOLDER``).
BRIEF_FILES = ("brief.pdf", "brief.html", "technical-report.pdf", "tables.xlsx", "results.json")
DEMO_SUBFOLDER = ("pilot-eval", "demo")
SMALL_DEMO_SUBFOLDER = ("pilot-eval", "small-pilot-demo")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DRIVE = re.compile(r"^[a-z]:", re.IGNORECASE)


def documents_folder() -> Path:
    """The user's Documents folder (the home folder when the system names none)."""
    override = os.environ.get(DOCUMENTS_ENV)
    if override:
        return Path(override)
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.StandardLocation.DocumentsLocation
    return Path(QStandardPaths.writableLocation(location) or Path.home())


def demo_folder() -> Path:
    """Where the demo project is created once: ``Documents/pilot-eval/demo``."""
    return documents_folder().joinpath(*DEMO_SUBFOLDER)


def small_demo_folder() -> Path:
    """Where the small-pilot demo (2 of 16 teams piloting) is created once:
    ``Documents/pilot-eval/small-pilot-demo``."""
    return documents_folder().joinpath(*SMALL_DEMO_SUBFOLDER)


# ----------------------------------------------------------------------- network paths
def network_host(path: Any) -> str | None:
    """The server a path names (lower case), or None for a local path.  Text only."""
    text = str(path).strip()
    if not text:
        return None
    match = _URL.match(text)
    if match:
        rest = text[match.end():]
        if text.lower().startswith("file:") and rest.startswith("/"):
            return None  # file:///C:/... is local
        return rest.split("/")[0].lower() or None
    slashed = text.replace("\\", "/")
    if slashed.startswith("//"):
        rest = slashed[2:]
        if rest[:2] in ("?/", "./"):  # \\?\ long paths and \\.\ devices
            rest = rest[2:]
            if _DRIVE.match(rest):
                return None  # \\?\C:\... is a local drive
            if rest.lower().startswith("unc/"):
                rest = rest[4:]
        return rest.split("/")[0].lower() or "?"
    # On Linux and macOS a UNC path written in a project is not absolute: the project reader
    # puts the project's folder in front of it.  A path part that starts with two backslashes
    # is that UNC path.
    for part in PurePosixPath(text).parts:
        if part.startswith("\\\\"):
            return network_host(part)
    return None


def is_network_path(path: Any) -> bool:
    return network_host(path) is not None


def network_paths_of(paths: Iterable[tuple[str, Any]], *, allowed_hosts: Iterable[str] = ()
                     ) -> list[tuple[str, str]]:
    """``(what, path)`` for each path that names a server not in ``allowed_hosts``."""
    allowed = {h.lower() for h in allowed_hosts}
    found = []
    for what, path in paths:
        if path is None or not str(path).strip():
            continue
        host = network_host(path)
        if host is not None and host not in allowed:
            found.append((what, str(path)))
    return found


# ----------------------------------------------------------------------- temporary folders
def temporary_roots() -> list[str]:
    """The system's temporary folders (as text, normalised; not resolved)."""
    roots = {tempfile.gettempdir()}
    for name in ("TEMP", "TMP", "TMPDIR"):
        if os.environ.get(name):
            roots.add(os.environ[name])
    local = os.environ.get("LOCALAPPDATA")
    if local:
        roots.add(ntpath.join(local, "Temp"))
    return sorted({_norm(r) for r in roots if r})


def _norm(path: Any) -> str:
    text = str(path)
    return os.path.normcase(os.path.abspath(text)) if not is_network_path(text) else text


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive
        return False


def is_temporary(path: Any) -> bool:
    """True for a path inside a temporary folder (the Documents folder never is)."""
    if is_network_path(path):
        return False
    target = _norm(path)
    if _inside(target, _norm(documents_folder())):
        return False
    return any(_inside(target, root) for root in temporary_roots())
