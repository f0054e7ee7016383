"""The retention analysis for the window: guess the staff records' columns, run
``pilot_eval.retention.run_retention`` and draw the curves (called from the task runner only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilot_eval.progress import Progress
from pilot_eval.role_names import STAFF_NAMES, guess_staff_columns  # noqa: F401

#: The staff table's added column holding pilot starts taken from the outcome panel.
PANEL_START_COLUMN = "pilot_start (from the outcome panel)"

#: How the window names each ``SpellColumns`` field of the staff records.
FIELD_WORDS: dict[str, str] = {"staff_id": "staff id", "team": "team", "start": "start date",
                               "end": "end date", "reason": "leaving reason"}


@dataclass(frozen=True)
class RetentionOutput:
    """What a retention task hands back to the GUI thread."""

    result: dict[str, Any]
    figure: Any = None  # the curves as PNG bytes
    chart_problem: str = ""
    columns: tuple[str, ...] = ()  # the staff file's columns, for the column form
    roles: tuple[tuple[str, str], ...] = ()  # (SpellColumns field, column) used
    problems: tuple[str, ...] = ()  # validation problems of the staff records, with row/column


def _date(value: Any) -> Any:
    """An ISO date text (as stored in project files) as a ``date``; None stays None."""
    import datetime as dt

    return dt.date.fromisoformat(str(value)) if value else None


def run_staff_retention(staff_path: str, pilot_starts_path: str | None,
                        progress: Progress, *, extract_date: str | None = None,
                        observed_from: str | None = None,
                        columns: dict[str, str | None] | None = None,
                        panel_starts: tuple[Any, str, str] | None = None,
                        read: dict[str, Any] | None = None) -> RetentionOutput:
    """Read the staff records at ``staff_path`` and run every retention analysis.

    ``extract_date`` and ``observed_from`` are ISO dates (None: guessed from the data);
    ``columns`` maps ``SpellColumns`` fields to columns (None: guessed from the names).  Missing
    columns and validation errors come back as ``problems`` (with no result), not as errors.
    ``panel_starts`` is ``(outcome panel frame, unit column, cohort column)``: the pilot starts
    are then each team's cohort in the outcome panel instead of a teams file.  ``read`` are
    ``load_table`` options chosen in the import wizard (encoding, delimiter, sheet ...)."""
    from pilot_eval.estimators import SpellColumns

    from pilot_eval.errors import DataError
    from pilot_eval.io import load_table
    from pilot_eval.retention import RetentionRequest, run_retention

    progress.report(0.02, f"Reading {Path(staff_path).name}")
    table = load_table(staff_path, **(read or {}))
    names = tuple(str(c) for c in table.frame.columns)
    found = {k: v for k, v in (columns or {}).items() if v} if columns else \
        guess_staff_columns(list(names))
    chosen = tuple(found.items())
    missing = [f for f in ("team", "start", "end") if f not in found]
    if missing:
        words = ", ".join(FIELD_WORDS[f] for f in missing)
        return RetentionOutput(result={}, columns=names, roles=chosen, problems=(
            f"error: choose the staff records' {words} column in the form (one row per person "
            "and post).",))
    start_column = None
    if panel_starts is not None:
        table, start_column, pilot_starts_path = _with_panel_starts(
            table, found["team"], *panel_starts), PANEL_START_COLUMN, None
    request = RetentionRequest(SpellColumns(**found), pilot_starts_path=pilot_starts_path,
                               pilot_start_col=start_column,
                               extract_date=_date(extract_date),
                               observed_from=_date(observed_from))
    try:
        analysis = run_retention(request, table, progress)
    except DataError as exc:  # listed in the step, each with its row and column
        report = getattr(exc, "report", None)
        problems = (tuple(p.describe() for p in report.problems) if report is not None
                    else (f"error: {exc}",))
        return RetentionOutput(result={}, columns=names, roles=chosen, problems=problems)
    from pilot_eval.report.build_retention import retention_report

    result = {**analysis.to_dict(), "report": retention_report(analysis)}
    from .chart_image import render_png

    figure, problem = retention_chart(result)
    listed = tuple(_describe(p) for p in (result.get("validation") or {}).get("problems", ()))
    return RetentionOutput(result=result, figure=render_png(figure), chart_problem=problem,
                           columns=names, roles=chosen, problems=listed)


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


def _describe(problem: dict[str, Any]) -> str:
    """A validation problem's dictionary as one line with its rows and column."""
    where = []
    if problem.get("column"):
        where.append(f"column '{problem['column']}'")
    rows = list(problem.get("rows") or ())
    if rows:
        shown = ", ".join(str(r) for r in rows[:5]) + (" …" if len(rows) > 5 else "")
        where.append(f"row{'s' if len(rows) > 1 else ''} {shown}")
    place = f" ({', '.join(where)})" if where else ""
    return f"{problem.get('severity', 'warning')}: {problem.get('message', '')}{place}."


def retention_chart(result: dict[str, Any]) -> tuple[Any, str]:
    """The retention curves, or ``(None, reason)``."""
    from pilot_eval.charts.retention_curves import retention_figure

    km = result.get("km") or {}
    curves = {group: part["curve"] for group, part in km.items()
              if isinstance(part, dict) and part.get("curve")}
    if not curves:
        return None, "No retention curves to draw."
    arms = {g: "pilot" if "pilot" in g.lower() else "comparison" for g in curves}
    try:
        return retention_figure(curves, arms=arms,
                                time_unit=result.get("time_unit", "months")), ""
    except (KeyError, ValueError) as exc:
        return None, f"The chart could not be drawn: {exc}"
