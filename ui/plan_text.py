"""The report's planning section in words for the Plan step (``OutcomeReport.planning``).

The report builds the section (``pilot_eval.report.build_planning``) for an outcome whose
range includes zero: could the pilot have told, and what would the next phase need.  Views
format it, they never compute.  Pure functions: tested without a window.
"""

from __future__ import annotations

from typing import Any


def planning_lines(report: Any) -> list[str]:
    """One line per outcome of ``report`` that has a planning section: its sentence, or why
    it could not be planned (an ``Unavailable``)."""
    lines: list[str] = []
    for outcome in getattr(report, "outcomes", ()) or ():
        section = getattr(outcome, "planning", None)
        if section is None:
            continue
        reason = getattr(section, "reason", None)
        if reason is not None:
            lines.append(f"{outcome.label}: the next phase could not be planned from this "
                         f"run ({reason}).")
        else:
            lines.append(f"{outcome.label}: {section.sentence}")
    return lines


def expected_effect(report: Any, column: str | None) -> float | None:
    """The effect the run planned for ``column`` (the project's expected effect), if any."""
    for outcome in getattr(report, "outcomes", ()) or ():
        section = getattr(outcome, "planning", None)
        if outcome.outcome == column and section is not None:
            effect = getattr(section, "effect", None)
            return float(effect) if effect is not None else None
    return None
