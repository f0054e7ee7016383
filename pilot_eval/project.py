"""Project files: versioned JSON (never pickle) holding what is needed to redo an analysis.

A project records the data sources (paths relative to the project file, plus the SHA-256 of the
bytes read), the column roles, the outcomes with their descriptions, the analysis options, the
brief's options and the analyst's narrative text.  Saving is atomic (temp file + ``os.replace``)
and keeps the previous version as ``NAME.pilot.json.bak``.  Opening a damaged file or one from
a newer pilot-eval raises ``ProjectFileError`` with a message that says what to do, and never
changes the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pilot_eval.analysis import POLARITIES, DidOptions, DidRequest
from pilot_eval.errors import ProjectFileError
from pilot_eval.jsonio import dumps, write_bytes_atomic
from pilot_eval.spec import DatasetSpec

FORMAT = "pilot-eval project"
VERSION = 1
SUFFIX = ".pilot.json"
STAFF_PATH_KEYS = ("path", "pilot_starts_path")
"""Entries of ``staff_data`` that are file paths (stored relative to the project file)."""
_TOP_KEYS = ("format", "version", "outcome_data", "outcomes", "did", "staff_data",
             "retention", "brief", "narrative")


@dataclass(frozen=True)
class OutcomeChoice:
    """One outcome to analyse and how to describe it in the brief."""

    column: str
    label: str = ""
    unit: str = ""
    polarity: str = "neutral"
    expected_effect: float | None = None
    """The effect of the size expected (outcome units), for planning the next phase; None:
    the report speaks of the smallest change the design detects instead."""

    def __post_init__(self) -> None:
        if self.polarity not in POLARITIES:
            raise ProjectFileError(f"outcome '{self.column}' has polarity {self.polarity!r}",
                                   hint=f"Use one of: {', '.join(POLARITIES)}.")
        if self.expected_effect is not None:
            _check_expected(self.column, self.expected_effect, self.polarity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "label": self.label, "unit": self.unit,
                               "polarity": self.polarity}
        if self.expected_effect is not None:  # written only when set: older files unchanged
            out["expected_effect"] = self.expected_effect
        return out


def _check_expected(column: str, effect: object, polarity: str) -> None:
    """An expected effect is a non-zero number whose sign is an improvement."""
    if (isinstance(effect, bool) or not isinstance(effect, int | float)
            or not math.isfinite(effect) or effect == 0):
        raise ProjectFileError(f"outcome '{column}' has expected effect {effect!r}",
                               hint="Give the change that would matter as a non-zero number "
                                    "in the outcome's units, or leave it out.")
    if (polarity == "higher_is_better" and effect < 0) or (
            polarity == "lower_is_better" and effect > 0):
        better, sign = (("higher", "positive") if polarity == "higher_is_better"
                        else ("lower", "negative"))
        raise ProjectFileError(
            f"outcome '{column}' has expected effect {effect!r}, but {better} is better for it",
            hint=f"Give the improvement hoped for as a {sign} number.")


@dataclass(frozen=True)
class Project:
    """Everything needed to redo an analysis and its brief.

    ``staff_data``, ``retention`` and ``brief`` are stored as plain JSON objects owned by the
    retention analysis and the brief; this module keeps them intact.
    """

    outcome_data: DatasetSpec | None = None
    outcomes: tuple[OutcomeChoice, ...] = ()
    did: DidOptions = field(default_factory=lambda: DidOptions(checks=True))
    staff_data: dict[str, Any] | None = None
    retention: dict[str, Any] = field(default_factory=dict)
    brief: dict[str, Any] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)

    def did_requests(self) -> list[DidRequest]:
        """One ``DidRequest`` per outcome, sharing the dataset's roles and the options."""
        if self.outcome_data is None:
            return []
        base = self.outcome_data.columns
        return [
            DidRequest(replace(base, outcome=o.column), **self.did.to_dict(),
                       outcome_label=o.label or None, outcome_unit=o.unit, polarity=o.polarity)
            for o in self.outcomes
        ]

    def to_dict(self, *, relative_to: Path | None = None) -> dict[str, Any]:
        data = None
        if self.outcome_data is not None:
            data = self.outcome_data.to_dict()
            data["path"] = _relative(data["path"], relative_to)
        staff = None
        if self.staff_data is not None:
            staff = dict(self.staff_data)
            for key in STAFF_PATH_KEYS:
                if isinstance(staff.get(key), str):
                    staff[key] = _relative(staff[key], relative_to)
        return {"format": FORMAT, "version": VERSION, "outcome_data": data,
                "outcomes": [o.to_dict() for o in self.outcomes], "did": self.did.to_dict(),
                "staff_data": staff, "retention": dict(self.retention),
                "brief": dict(self.brief), "narrative": dict(self.narrative)}


def _relative(path: str, folder: Path | None) -> str:
    """``path`` relative to ``folder`` when possible (portable projects), else absolute."""
    if folder is None:
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return str(Path(path).resolve())


def _absolute(path: str, folder: Path) -> str:
    candidate = Path(path)
    return str(candidate if candidate.is_absolute() else (folder / candidate).resolve())


def save_project(project: Project, path: str | Path) -> Path:
    """Write ``project`` atomically; the previous version is kept as ``.bak``."""
    target = Path(path)
    text = dumps(project.to_dict(relative_to=target.parent)) + "\n"
    if target.exists():
        shutil.copy2(target, backup_path(target))
    try:
        return write_bytes_atomic(target, text.encode("utf-8"))
    except OSError as error:
        raise ProjectFileError(f"could not save the project ({error.strerror or error})",
                               file=str(target),
                               hint="Choose a folder you can write to, or free some space.")\
            from error


def backup_path(path: str | Path) -> Path:
    target = Path(path)
    return target.with_name(target.name + ".bak")


def load_project(path: str | Path) -> Project:
    """Read a project file; ``ProjectFileError`` (naming a ``.bak`` if any) when it can't be."""
    source = Path(path)
    name = str(source)
    backup = backup_path(source)
    offer = (f" A backup of the previous version exists: {backup.name}." if backup.exists()
             else "")
    try:
        raw = source.read_bytes()
    except FileNotFoundError as error:
        raise ProjectFileError("the project file does not exist", file=name,
                               hint="Check the path, or open the data again.") from error
    except IsADirectoryError as error:
        raise ProjectFileError("this is a folder, not a project file", file=name,
                               hint=f"Choose a file ending in {SUFFIX}.") from error
    except OSError as error:
        raise ProjectFileError(f"the project file cannot be read ({error.strerror})",
                               file=name, hint="Close other programs using it and try again.")\
            from error
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectFileError("the project file is damaged (it is not valid JSON)", file=name,
                               hint="Nothing was changed." + offer) from error
    return project_from_dict(document, folder=source.resolve().parent, file=name, offer=offer)


def project_from_dict(document: Any, *, folder: Path, file: str | None = None,
                      offer: str = "") -> Project:
    """Rebuild a project from its JSON object; relative data paths resolve against ``folder``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProjectFileError("this is not a pilot-eval project file", file=file,
                               hint=f"Choose a file saved by pilot-eval (ending in {SUFFIX}).")
    version = document.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"the project file has no valid version ({version!r})",
                               file=file, hint="The file is damaged." + offer)
    if version > VERSION:
        raise ProjectFileError(
            f"the project was saved by a newer pilot-eval (file version {version}, this "
            f"version reads up to {VERSION})", file=file,
            hint="Update pilot-eval to open it; the file was not changed.")
    unknown = sorted(set(document) - set(_TOP_KEYS))
    if unknown:
        raise ProjectFileError(f"the project file has unknown entries: {', '.join(unknown)}",
                               file=file, hint="The file is damaged." + offer)
    try:
        data = document.get("outcome_data")
        spec = None
        if data is not None:
            try:
                spec = DatasetSpec.from_dict(data, file=file)
            except ProjectFileError as error:  # inside a project: damage, not a newer version
                raise ProjectFileError(f"the data source entry is damaged: {error.message}",
                                       file=file, hint="The file is damaged." + offer) from error
            spec = replace(spec, path=_absolute(spec.path, folder))
        outcomes = tuple(OutcomeChoice(**o) for o in document.get("outcomes", []))
        did = DidOptions(**document.get("did", {}))
        staff = document.get("staff_data")
        if staff is not None and not isinstance(staff, dict):
            raise TypeError("staff_data is not a JSON object")
        if staff is not None:
            staff = {k: _absolute(v, folder) if k in STAFF_PATH_KEYS and isinstance(v, str)
                     else v for k, v in staff.items()}
        return Project(outcome_data=spec, outcomes=outcomes, did=did, staff_data=staff,
                       retention=dict(document.get("retention") or {}),
                       brief=dict(document.get("brief") or {}),
                       narrative={str(k): str(v) for k, v in
                                  (document.get("narrative") or {}).items()})
    except ProjectFileError as error:
        error.file = error.file or file
        raise
    except (TypeError, AttributeError, ValueError) as error:
        raise ProjectFileError(f"the project file has an entry of the wrong shape ({error})",
                               file=file, hint="The file is damaged." + offer) from error


@dataclass(frozen=True)
class SourceStatus:
    """Whether a data file a project refers to is still where it was, with the same bytes."""

    path: str
    state: str  # "ok", "missing" or "changed"
    message: str


def check_source(spec: DatasetSpec) -> SourceStatus:
    """Compare a dataset's file with the hash recorded in the project."""
    source = Path(spec.path)
    if not source.is_file():
        return SourceStatus(spec.path, "missing",
                            f"The data file {source.name} is no longer at {source.parent}. "
                            "Locate it to continue.")
    if spec.sha256 and _sha256(source) != spec.sha256:
        return SourceStatus(spec.path, "changed",
                            f"The data file {source.name} has changed since the project was "
                            "saved; results will differ from the saved brief.")
    return SourceStatus(spec.path, "ok", "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
