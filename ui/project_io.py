"""Projects for the window: build a ``Project`` from the session, save it, and the autosave
recovery files that survive a crash.

Recovery files live in ``pilot_eval.logs.data_home() / "recovery"``: ``autosave-PID.pilot.json``
(a normal project file with absolute data paths) and ``autosave-PID.json`` (which project it
belongs to, when it was written, and which process wrote it: id, start time and machine).  A
clean exit deletes them; files left by a process that is really gone (``psutil``, the process
id and its start time, so a reused id is not mistaken for the writer) are offered at the next
start.  Another window's autosave, on this machine or another, is never offered.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: ``DidOptions`` fields the Impact step sets and a project keeps.
SAVED_OPTIONS = ("estimator", "se", "level", "control", "checks", "sensitivity", "placebo_reps")

AUTOSAVE_MS = 3 * 60 * 1000  # every three minutes
RECOVERY_PREFIX = "autosave-"


@dataclass(frozen=True)
class RecoveryFile:
    """An autosave left behind by a session that did not close cleanly."""

    project: Path
    original: str  # the project file it belongs to ("" for a project never saved)
    saved_at: float
    original_digest: str | None = None  # SHA-256 of the original as the session knew it

    def describe(self) -> str:
        when = time.strftime("%d %b %Y %H:%M", time.localtime(self.saved_at))
        name = Path(self.original).name if self.original else "an unsaved project"
        return f"{name}, autosaved {when}"


def recovery_dir() -> Path:
    from pilot_eval.logs import data_home

    return data_home() / "recovery"


def outcome_choices(base: tuple[Any, ...], analysed: list[str], current: str | None
                    ) -> tuple[Any, ...]:
    """The project's outcomes: those it had (as described there), then each outcome run in
    this session and the current one (described from its column name)."""
    from pilot_eval.project import OutcomeChoice

    from .core_api import guess_outcome_info

    choices, seen = list(base), {o.column for o in base}
    for column in [*analysed, current]:
        if column and column not in seen:
            seen.add(column)
            info = guess_outcome_info(column)
            choices.append(OutcomeChoice(column, info.label, info.unit, info.polarity))
    return tuple(choices)


def session_project(table: Any, roles: dict[str, str | None], analysed: list[str], *,
                    base: Any = None, staff: dict[str, Any] | None = None,
                    brief: dict[str, Any] | None = None,
                    narrative: dict[str, str] | None = None,
                    date_format: str | None = None,
                    options: dict[str, Any] | None = None,
                    header_row: int | None = None, excluded: tuple[int, ...] = (),
                    plan: Any = None) -> Any:
    """The ``Project`` that redoes this session (``base``: the project opened, kept intact
    where the session did not change it, so an unchanged session is the saved project;
    ``plan``: the Plan step's ``PlanEntries``, ``None`` to keep the project's)."""
    from dataclasses import replace

    from pilot_eval.estimators import PanelColumns

    from pilot_eval.project import Project
    from pilot_eval.spec import DatasetSpec

    from .core_api import ROLE_FIELDS

    project = base if base is not None else Project()
    spec = project.outcome_data
    if table is not None and roles.get("outcome"):
        columns = PanelColumns(**{r: c for r, c in roles.items() if c})
        old = project.outcome_data
        if old is not None and old.path == str(table.path) and old.sha256 == table.sha256:
            mapped = {field: roles.get(role) for role, field in ROLE_FIELDS.items()
                      if role != "outcome"}  # the roles the window shows; the rest kept
            spec = replace(old, columns=replace(old.columns, **mapped))
        else:
            spec = DatasetSpec.from_table(table, columns, date_format=date_format or (
                old.date_format if old else None))
            spec = replace(spec, path=str(Path(spec.path).resolve()))
        spec = replace(spec, header_row=header_row, exclude_rows=tuple(excluded))
    merged_brief = {**project.brief, **(brief or {})}
    merged_text = {**project.narrative, **(narrative or {})}
    did = replace(project.did, **{k: v for k, v in (options or {}).items()
                                  if k in SAVED_OPTIONS})
    return replace(project, outcome_data=spec, did=did,
                   outcomes=outcome_choices(project.outcomes, analysed, roles.get("outcome")),
                   staff_data=dict(staff) if staff is not None else project.staff_data,
                   brief=merged_brief, narrative=merged_text,
                   plan=plan if plan is not None else project.plan)


def write_recovery(project: Any, original: str | None, *, folder: Path | None = None,
                   pid: int | None = None, original_digest: str | None = None) -> Path:
    """Write the autosave of process ``pid`` (default: this one); return the project file."""
    from pilot_eval.atomic import write_bytes
    from pilot_eval.jsonio import dumps

    from .project_lock import machine_name, process_started

    folder = folder or recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pid = pid or os.getpid()
    stem = f"{RECOVERY_PREFIX}{pid}"
    target = folder / f"{stem}.pilot.json"
    write_bytes(target, (dumps(project.to_dict()) + "\n").encode("utf-8"))
    meta = {"original": original or "", "saved_at": time.time(), "pid": pid,
            "process_started": process_started(pid), "machine": machine_name(),
            "original_sha256": original_digest}
    write_bytes(folder / f"{stem}.json", json.dumps(meta).encode("utf-8"))
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


def writer_gone(meta: dict[str, Any], pid: int) -> bool:
    """Is the session that wrote an autosave really gone?  Only a process on this machine
    can be checked; another machine's autosave (a shared profile) is left alone."""
    from .project_lock import machine_name, process_alive

    machine = meta.get("machine")
    if machine is not None and machine != machine_name():
        return False
    started = meta.get("process_started")
    started = float(started) if isinstance(started, int | float) and started >= 0 else None
    return not process_alive(pid, started)


def find_recovery(*, folder: Path | None = None) -> list[RecoveryFile]:
    """Autosaves left by sessions that are really gone, newest first."""
    folder = folder or recovery_dir()
    found = []
    for path in folder.glob(f"{RECOVERY_PREFIX}*.pilot.json") if folder.is_dir() else ():
        stem = path.name.removesuffix(".pilot.json")
        try:
            pid = int(stem.removeprefix(RECOVERY_PREFIX))
        except ValueError:
            continue
        try:
            meta = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict) or not writer_gone(meta, pid):
            continue
        digest = meta.get("original_sha256")
        found.append(RecoveryFile(path, str(meta.get("original", "")),
                                  float(meta.get("saved_at", path.stat().st_mtime)),
                                  digest if isinstance(digest, str) else None))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)
