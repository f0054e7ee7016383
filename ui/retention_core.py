"""The Retention step on its own, as soon as the staff records are open (called from the task
runner only): the project's staff entry and retention options, the core's ``run_retention``
and the report's ``retention_report`` — the figures ``run_project`` puts in the report — and
the brief's retention chart.

The staff entry is the project's ``staff_data`` (``path`` and the ``STAFF_DATA_KEYS`` of
``pilot_eval.retention``: columns, extract and "observed from" dates, the teams file), plus two
choices only the window offers for now: ``read`` (the import wizard's reading options) and
``pilot_starts_from: "panel"`` (each team's pilot start from the outcome panel's cohort column).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilot_eval.progress import Progress
from pilot_eval.role_names import STAFF_NAMES, guess_staff_columns  # noqa: F401

from .report_core import Chart, retention_chart

#: The staff table's added column holding pilot starts taken from the outcome panel.
PANEL_START_COLUMN = "pilot_start (from the outcome panel)"
#: Staff-entry keys the window adds to the project's (see the module's docstring).
WINDOW_KEYS = ("read", "pilot_starts_from")

#: How the window names each ``SpellColumns`` field of the staff records.
FIELD_WORDS: dict[str, str] = {"staff_id": "staff id", "team": "team", "start": "start date",
                               "end": "end date", "reason": "leaving reason"}


@dataclass(frozen=True)
class RetentionView:
    """What a retention task hands back to the GUI thread."""

    report: Any = None  # pilot_eval.report.RetentionReport, None when it could not run
    chart: Chart | None = None
    columns: tuple[str, ...] = ()  # the staff file's columns, for the column form
    roles: tuple[tuple[str, str], ...] = ()  # (SpellColumns field, column) used
    problems: tuple[str, ...] = ()  # validation problems of the staff records, with row/column


def core_staff(staff: dict[str, Any]) -> dict[str, Any]:
    """The staff entry without the window's own keys: what ``run_project`` accepts."""
    return {k: v for k, v in staff.items() if k not in WINDOW_KEYS}


def uses_window_keys(staff: dict[str, Any] | None) -> bool:
    return bool(staff) and any(staff.get(k) for k in WINDOW_KEYS)


def migrate_staff(staff: dict[str, Any] | None) -> dict[str, Any] | None:
    """A staff entry saved by an older window (``pilot_starts_file`` beside the staff file,
    ``pilot_starts_source``) in the project's form."""
    if not staff or not staff.get("path"):
        return None
    entry = dict(staff)
    name = entry.pop("pilot_starts_file", None)
    if name and not entry.get("pilot_starts_path"):
        entry["pilot_starts_path"] = str(Path(str(entry["path"])).parent / name)
    if entry.pop("pilot_starts_source", None) == "panel":
        entry["pilot_starts_from"] = "panel"
    return entry


def panel_pilot_starts(panel: Any, unit: str, cohort: str) -> dict[str, Any]:
    """``{team: pilot start}``: each unit's first non-blank cohort value in the outcome panel."""
    starts = panel[[unit, cohort]].dropna().drop_duplicates(unit)
    return dict(zip(starts[unit].astype(str), starts[cohort], strict=True))


def _with_panel_starts(table: Any, team: str, panel: Any, unit: str, cohort: str) -> Any:
    """The staff table with ``PANEL_START_COLUMN`` filled from the panel (blank: comparison)."""
    import dataclasses

    starts = panel_pilot_starts(panel, unit, cohort)
    frame = table.frame.copy()
    frame[PANEL_START_COLUMN] = frame[team].astype(str).map(starts)
    return dataclasses.replace(table, frame=frame)


def retention_here(staff: dict[str, Any], retention: dict[str, Any], progress: Progress, *,
                   project_file: str | None = None, panel: tuple[Any, str, str] | None = None,
                   brief: dict[str, Any] | None = None) -> RetentionView:
    """Read the staff records of ``staff`` (the project's entry) and build their
    ``RetentionReport`` with the project's ``retention`` options.

    Missing columns and validation errors come back as ``problems`` (with no report), not as
    errors.  ``panel`` is ``(outcome panel frame, unit column, cohort column)`` for
    ``pilot_starts_from: "panel"``; ``brief`` the project's brief options (the chart's
    disclosure base)."""
    from pilot_eval.errors import DataError
    from pilot_eval.io import load_table
    from pilot_eval.report.build_retention import retention_report
    from pilot_eval.report.options import BriefOptions
    from pilot_eval.retention import request_from_project, run_retention

    path = str(staff["path"])
    progress.report(0.02, f"Reading {Path(path).name}")
    table = load_table(path, **dict(staff.get("read") or {}))
    names = tuple(str(c) for c in table.frame.columns)
    given = {k: v for k, v in (staff.get("columns") or {}).items() if v}
    found = given or guess_staff_columns(list(names))
    chosen = tuple((k, v) for k, v in found.items() if isinstance(v, str))
    missing = [f for f in ("team", "start", "end") if not found.get(f)]
    if missing:
        words = ", ".join(FIELD_WORDS[f] for f in missing)
        return RetentionView(columns=names, roles=chosen, problems=(
            f"error: choose the staff records' {words} column in the form (one row per person "
            "and post).",))
    entry = {**core_staff(staff), "columns": found}
    if staff.get("pilot_starts_from") == "panel":
        if panel is None:
            return RetentionView(columns=names, roles=chosen, problems=(
                "error: open the outcome panel and choose its team and pilot start columns, "
                "or take the pilot starts from a teams file.",))
        table = _with_panel_starts(table, found["team"], *panel)
        entry.pop("pilot_starts_path", None)
        entry["pilot_start_col"] = PANEL_START_COLUMN
    request = request_from_project(entry, retention)
    try:
        analysis = run_retention(request, table, progress)
    except DataError as exc:  # listed in the step, each with its row and column
        report = getattr(exc, "report", None)
        problems = (tuple(p.describe() for p in report.problems) if report is not None
                    else (f"error: {exc}",))
        return RetentionView(columns=names, roles=chosen, problems=problems)
    folder = Path(project_file).resolve().parent if project_file else None
    result = retention_report(analysis, project_folder=folder)
    progress.report(0.95, "Drawing the retention curves")
    chart = retention_chart(result, BriefOptions.from_dict(dict(brief or {}), strict=False))
    return RetentionView(report=result, chart=chart, columns=names, roles=chosen,
                         problems=tuple(f.describe() for f in result.validation))
