"""Projects for the window: build a ``Project`` from the session, save it, and the autosave
recovery files that survive a crash.

Recovery files live in ``pilot_eval.logs.data_home() / "recovery"``: ``autosave-PID.pilot.json``
(a normal project file with absolute data paths) and ``autosave-PID.json`` (which project it
belongs to and when it was written).  A clean exit deletes them; files left by a process that
is no longer running are offered at the next start.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: ``DidOptions`` fields the Impact step sets and a project keeps.
SAVED_OPTIONS = ("estimator", "se", "level", "control", "checks", "sensitivity")

AUTOSAVE_MS = 3 * 60 * 1000  # every three minutes
RECOVERY_PREFIX = "autosave-"


@dataclass(frozen=True)
class RecoveryFile:
    """An autosave left behind by a session that did not close cleanly."""

    project: Path
    original: str  # the project file it belongs to ("" for a project never saved)
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%d %b %Y %H:%M", time.localtime(self.saved_at))
        name = Path(self.original).name if self.original else "an unsaved project"
        return f"{name}, autosaved {when}"


def recovery_dir() -> Path:
    from pilot_eval.logs import data_home

    return data_home() / "recovery"


def outcome_choices(results: list[dict[str, Any]], current: str | None) -> tuple[Any, ...]:
    """One ``OutcomeChoice`` per analysed outcome (else the current outcome column)."""
    from pilot_eval.analysis import POLARITIES
    from pilot_eval.project import OutcomeChoice

    choices, seen = [], set()
    for result in results:
        column = str(result.get("outcome") or "")
        if column and column not in seen:
            seen.add(column)
            polarity = result.get("polarity", "neutral")
            choices.append(OutcomeChoice(
                column, str(result.get("outcome_label") or ""),
                str(result.get("outcome_unit") or ""),
                polarity if polarity in POLARITIES else "neutral"))
    if not choices and current:
        choices.append(OutcomeChoice(current))
    return tuple(choices)


def session_project(table: Any, roles: dict[str, str | None], results: list[dict[str, Any]], *,
                    base: Any = None, staff: dict[str, Any] | None = None,
                    brief: dict[str, Any] | None = None,
                    narrative: dict[str, str] | None = None,
                    date_format: str | None = None,
                    options: dict[str, Any] | None = None) -> Any:
    """The ``Project`` that redoes this session (``base``: the project opened, kept intact)."""
    from dataclasses import replace

    from pilot_eval.estimators import PanelColumns

    from pilot_eval.project import Project
    from pilot_eval.spec import DatasetSpec

    project = base if base is not None else Project()
    spec = None
    if table is not None and roles.get("outcome"):
        columns = PanelColumns(**{r: c for r, c in roles.items() if c})
        old = project.outcome_data
        spec = DatasetSpec.from_table(table, columns, date_format=date_format or (
            old.date_format if old else None))
        spec = replace(spec, path=str(Path(spec.path).resolve()))
    merged_brief = {**project.brief, **(brief or {})}
    merged_text = {**project.narrative, **(narrative or {})}
    did = replace(project.did, **{k: v for k, v in (options or {}).items()
                                  if k in SAVED_OPTIONS})
    return replace(project, outcome_data=spec if spec is not None else project.outcome_data,
                   did=did,
                   outcomes=outcome_choices(results, roles.get("outcome")) or project.outcomes,
                   staff_data=staff if staff is not None else project.staff_data,
                   brief=merged_brief, narrative=merged_text)


def write_recovery(project: Any, original: str | None, *, folder: Path | None = None,
                   pid: int | None = None) -> Path:
    """Write the autosave of this process; return the project file written."""
    from pilot_eval.jsonio import dumps, write_bytes_atomic

    folder = folder or recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{RECOVERY_PREFIX}{pid or os.getpid()}"
    target = folder / f"{stem}.pilot.json"
    write_bytes_atomic(target, (dumps(project.to_dict()) + "\n").encode("utf-8"))
    meta = {"original": original or "", "saved_at": time.time()}
    write_bytes_atomic(folder / f"{stem}.json", json.dumps(meta).encode("utf-8"))
    return target


def discard_recovery(*, folder: Path | None = None, pid: int | None = None) -> None:
    """Delete this process's autosave (a clean exit, or the user declined the recovery)."""
    folder = folder or recovery_dir()
    stem = f"{RECOVERY_PREFIX}{pid or os.getpid()}"
    for path in (folder / f"{stem}.pilot.json", folder / f"{stem}.json"):
        path.unlink(missing_ok=True)


def discard_file(recovery: RecoveryFile) -> None:
    recovery.project.unlink(missing_ok=True)
    Path(str(recovery.project).removesuffix(".pilot.json") + ".json").unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # no cheap check: assume gone (a second window is rare)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_recovery(*, folder: Path | None = None) -> list[RecoveryFile]:
    """Autosaves left by sessions no longer running, newest first."""
    folder = folder or recovery_dir()
    found = []
    for path in folder.glob(f"{RECOVERY_PREFIX}*.pilot.json") if folder.is_dir() else ():
        stem = path.name.removesuffix(".pilot.json")
        try:
            pid = int(stem.removeprefix(RECOVERY_PREFIX))
        except ValueError:
            continue
        if _alive(pid):
            continue
        try:
            meta = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        found.append(RecoveryFile(path, str(meta.get("original", "")),
                                  float(meta.get("saved_at", path.stat().st_mtime))))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)
