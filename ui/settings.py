"""Window settings in an INI file via ``QSettings`` (never the Windows registry).

The file is ``pilot_eval.logs.data_home() / "settings.ini"`` (``PILOT_EVAL_HOME`` moves it, as
the tests do).  It holds the recent projects and the window's geometry and state.  A project in
a temporary folder is never listed among the recent projects (nor kept there from an older
version that listed the demo's temporary copy).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from .places import is_network_path, is_temporary

SETTINGS_NAME = "settings.ini"
MAX_RECENT = 8
RECENT_KEY = "projects/recent"


def settings_path() -> Path:
    from pilot_eval.logs import data_home

    return data_home() / SETTINGS_NAME


def open_settings(path: str | Path | None = None) -> QSettings:
    """The INI settings at ``path`` (default: :func:`settings_path`)."""
    target = Path(path) if path is not None else settings_path()
    return QSettings(str(target), QSettings.Format.IniFormat)


def recent_projects(settings: QSettings) -> list[str]:
    """The recent projects, most recent first, without any in a temporary folder."""
    value = settings.value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings returns a lone entry as a string
        value = [value] if value else []
    return [str(v) for v in value or [] if not is_temporary(v)]


def add_recent(settings: QSettings, path: str) -> list[str]:
    """Put ``path`` first in the recent projects (kept to ``MAX_RECENT``) unless it is in a
    temporary folder; return the list."""
    if is_temporary(path):
        return recent_projects(settings)
    # A network path is kept as written: resolving it would ask the server about it.
    resolved = str(path) if is_network_path(path) else str(Path(path).resolve())
    paths = [resolved, *[p for p in recent_projects(settings) if p != resolved]][:MAX_RECENT]
    settings.setValue(RECENT_KEY, paths)
    settings.sync()
    return paths


def save_geometry(settings: QSettings, geometry: QByteArray, state: QByteArray) -> None:
    settings.setValue("window/geometry", geometry)
    settings.setValue("window/state", state)
    settings.sync()


def saved_geometry(settings: QSettings) -> tuple[QByteArray | None, QByteArray | None]:
    geometry = settings.value("window/geometry")
    state = settings.value("window/state")
    return (geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None)
