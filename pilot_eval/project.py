"""Project files: versioned JSON (never pickle) holding what is needed to redo an analysis.

A project records the data sources (paths relative to the project file, plus the SHA-256 of the
bytes read), the column roles, the outcomes with their descriptions, the analysis options, the
brief's options and the analyst's narrative text.  Saving is atomic (temp file + ``os.replace``)
and keeps the previous version as ``NAME.pilot.json.bak`` (``pilot_eval.atomic``).  Opening a
damaged file, one beyond the size, depth and text limits, or one from a newer pilot-eval
raises ``ProjectFileError`` with a message that says what to do (offering the ``.bak``), and
never changes the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pilot_eval.analysis import DidOptions, DidRequest
from pilot_eval.atomic import save_with_backup
from pilot_eval.errors import ProjectFileError
from pilot_eval.json_limits import loads_bounded, read_bounded, too_large
from pilot_eval.jsonio import dumps
from pilot_eval.polarity import POLARITIES, Polarity
from pilot_eval.project_plan import PlanEntries
from pilot_eval.spec import DatasetSpec

FORMAT = "pilot-eval project"
VERSION = 2
"""The newest project version this pilot-eval reads.  Version 2 added the Plan step's entries
(``"plan"``); a project without them is still written as version 1, so that earlier releases
open it."""
SUFFIX = ".pilot.json"
STAFF_PATH_KEYS = ("path", "pilot_starts_path")
"""Entries of ``staff_data`` that are file paths (stored relative to the project file)."""
MAX_PROJECT_BYTES = 8 * 2**20
"""Largest project file opened or saved (the demo's is about 10 KB: paths, roles, options and
the analyst's text)."""
MAX_DEPTH = 16
"""Deepest nesting of JSON objects and lists (a project nests 4 levels)."""
MAX_TEXT_CHARS = 100_000
"""Longest text value (a narrative paragraph, a label, a path)."""
MAX_ENTRIES = 200_000
"""Most values (objects, lists, texts, numbers) in one project document."""
_TOP_KEYS = ("format", "version", "outcome_data", "outcomes", "did", "staff_data",
             "retention", "brief", "narrative", "plan")


@dataclass(frozen=True)
class OutcomeChoice:
    """One outcome to analyse and how to describe it in the brief."""

    column: str
    label: str = ""
    unit: str = ""
    polarity: Polarity = "neutral"
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
    plan: PlanEntries | None = None
    """The Plan step's entries (``None``: never planned in the window)."""

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
        document = {"format": FORMAT, "version": 1 if self.plan is None else 2,
                    "outcome_data": data, "outcomes": [o.to_dict() for o in self.outcomes],
                    "did": self.did.to_dict(), "staff_data": staff,
                    "retention": dict(self.retention), "brief": dict(self.brief),
                    "narrative": dict(self.narrative)}
        if self.plan is not None:  # written only when set: version 1 files stay version 1
            document["plan"] = self.plan.to_dict()
        return document


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
    """Write ``project`` atomically; the version it replaces is kept as ``.bak``.

    The new file is written and synced first; only then does the previous version become the
    backup (itself written atomically), and the new file move into place, so a crash or a full
    disk at any moment leaves a whole project and a whole backup (``pilot_eval.atomic``).  A
    current file that is damaged does not replace a backup that opens.

    Raises
    ------
    ProjectFileError
        When the project is beyond the limits a project file may have (it could not be opened
        again).
    FileAccessError
        When the disk refuses (full, no permission, locked): the previous files are intact.
    """
    target = Path(path)
    text = dumps(project.to_dict(relative_to=target.parent)) + "\n"
    data = text.encode("utf-8")
    check_limits(json.loads(text), size=len(data), file=str(target), saving=True)
    return save_with_backup(target, data, backup=backup_path(target), keep_old=_opens)


def backup_path(path: str | Path) -> Path:
    target = Path(path)
    return target.with_name(target.name + ".bak")


def load_project(path: str | Path) -> Project:
    """Read a project file; ``ProjectFileError`` (offering the ``.bak`` if any) when it can't be.

    Files larger than ``MAX_PROJECT_BYTES``, nested deeper than ``MAX_DEPTH`` or holding a text
    longer than ``MAX_TEXT_CHARS`` are refused before they are parsed or used; so are devices,
    pipes and folders given as a project file.
    """
    source = Path(path)
    name = str(source)
    offer = backup_offer(source)
    raw = _read_limited(source, file=name, offer=offer)
    document = parse_document(raw, file=name, offer=offer)
    return project_from_dict(document, folder=source.resolve().parent, file=name, offer=offer)


def backup_offer(path: str | Path) -> str:
    """A sentence offering the project's ``.bak`` when there is one that opens, else ``""``."""
    backup = backup_path(path)
    try:
        if not backup.is_file():
            return ""
        with backup.open("rb") as stream:
            data = stream.read(MAX_PROJECT_BYTES + 1)
    except OSError:
        return ""
    if not _opens(data):
        return f" The backup {backup.name} is damaged too."
    return (f" A backup of the previous version exists: {backup.name} (open it instead, or "
            f"copy it over {Path(path).name}).")


def _opens(data: bytes) -> bool:
    """Whether ``data`` parses as a project document within the limits."""
    try:
        document = parse_document(data, file=None, offer="")
        return isinstance(document, dict) and document.get("format") == FORMAT
    except ProjectFileError:
        return False


def _read_limited(source: Path, *, file: str, offer: str) -> bytes:
    return read_bounded(source, limit=MAX_PROJECT_BYTES, kind="project file", offer=offer,
                        error=_maker(file))


def _maker(file: str | None):
    """``error(message, hint)`` for ``json_limits``: a ``ProjectFileError`` naming ``file``."""

    def make(message: str, hint: str) -> ProjectFileError:
        return ProjectFileError(message, file=file, hint=hint)
    return make


def _too_large(size: int, *, file: str | None, offer: str) -> ProjectFileError:
    return ProjectFileError(too_large("project file", size, MAX_PROJECT_BYTES), file=file,
                            hint="It is damaged or not a project file; nothing was changed."
                                 + offer)


def parse_document(raw: bytes, *, file: str | None, offer: str) -> Any:
    """The JSON document of a project file, within the size, depth and text limits."""
    if len(raw) > MAX_PROJECT_BYTES:
        raise _too_large(len(raw), file=file, offer=offer)
    document = loads_bounded(raw, max_depth=MAX_DEPTH, kind="project file",
                             error=_maker(file), damaged_hint="Nothing was changed." + offer)
    check_limits(document, size=len(raw), file=file, offer=offer)
    return document


def check_limits(document: Any, *, size: int, file: str | None, offer: str = "",
                 saving: bool = False) -> None:
    """Refuse a document beyond the limits: depth, text length, entries (iteratively)."""
    fix = ("Shorten the text (the brief has room for a few paragraphs)." if saving
           else "The file is damaged; nothing was changed." + offer)
    if size > MAX_PROJECT_BYTES:
        if saving:
            raise ProjectFileError(f"the project is too large to save ({size / 2**20:.1f} MB;"
                                   f" the limit is {MAX_PROJECT_BYTES // 2**20} MB)", file=file,
                                   hint=fix)
        raise _too_large(size, file=file, offer=offer)
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    entries = 0
    while stack:
        value, depth, where = stack.pop()
        entries += 1
        if entries > MAX_ENTRIES:
            raise ProjectFileError(f"the project file has more than {MAX_ENTRIES:,} entries",
                                   file=file, hint=fix)
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise ProjectFileError(
                f"the text '{where or 'value'}' is {len(value):,} characters long (a project "
                f"text holds at most {MAX_TEXT_CHARS:,})", file=file, hint=fix)
        children = (value.items() if isinstance(value, dict) else
                    enumerate(value) if isinstance(value, list) else ())
        for key, child in children:
            if isinstance(key, str) and len(key) > MAX_TEXT_CHARS:
                raise ProjectFileError(f"an entry name is {len(key):,} characters long",
                                       file=file, hint=fix)
            if isinstance(child, dict | list) and depth + 1 > MAX_DEPTH:
                raise ProjectFileError(f"the project file is nested more than {MAX_DEPTH} "
                                       "levels deep", file=file, hint=fix)
            stack.append((child, depth + 1, f"{where}.{key}" if where else str(key)))


def project_from_dict(document: Any, *, folder: Path, file: str | None = None,
                      offer: str = "") -> Project:
    """Rebuild a project from its JSON object; relative data paths resolve against ``folder``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProjectFileError("this is not a pilot-eval project file", file=file,
                               hint=f"Choose a file saved by pilot-eval (ending in {SUFFIX})."
                                    + offer)
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
                                  (document.get("narrative") or {}).items()},
                       plan=None if document.get("plan") is None
                       else PlanEntries.from_dict(document["plan"]))
    except ProjectFileError as error:
        error.file = error.file or file
        if offer and offer not in (error.hint or ""):
            error.hint = (error.hint or "The file is damaged.").rstrip() + offer
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
