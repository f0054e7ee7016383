"""Roles, outcome descriptions and staff-record columns guessed from names: the window and the
command line share these (no pandas needed, so the window starts fast).

``normalise_roles`` turns the value-based guesses of ``pilot_eval.roles.guess_roles`` into one
column per role of the window's form; ``guess_outcome_info`` describes an outcome column
(label, unit, polarity); ``guess_staff_columns`` finds the staff records' columns by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pilot_eval.polarity import Polarity

ROLE_FIELDS: dict[str, str] = {
    "unit": "unit",
    "time": "time",
    "outcome": "outcome",
    "cohort": "cohort",
    "treatment": "treatment",
    "cluster": "cluster",
}
"""Roles of the outcome panel, in form order, with the ``PanelColumns`` field each one fills."""

ROLE_ALIASES: dict[str, str] = {
    "period": "time",
    "pilot_start": "cohort",
    "start": "cohort",
    "pilot": "treatment",
    "treated": "treatment",
}
"""Other names the role guesser may use for the same roles."""

UNIT_SUFFIXES: dict[str, str] = {"_pct": "%", "_percent": "%", "_gbp": "GBP", "_index": "points"}
"""Column-name endings that say the outcome's unit."""

STAFF_NAMES: dict[str, tuple[str, ...]] = {
    "staff_id": ("staff_id", "person_id", "employee_id", "id"),
    "team": ("team", "team_name", "unit"),
    "start": ("start_date", "start", "date_started", "hire_date"),
    "end": ("end_date", "end", "leaving_date", "date_left"),
    "reason": ("leaving_reason", "reason", "reason_for_leaving"),
}
"""Column names tried, in order, for each staff-record field of ``SpellColumns`` (lower case)."""


@dataclass(frozen=True)
class OutcomeInfo:
    """How the brief and the window describe an outcome column."""

    label: str
    unit: str = ""
    polarity: Polarity = "neutral"


def _role_of_column(guessed: dict[str, str]) -> list[tuple[str, str]]:
    """``(role, column)`` pairs from either ``{column: role}`` or ``{role: column}``."""
    known = set(ROLE_FIELDS) | set(ROLE_ALIASES)
    if guessed and all(key in known for key in guessed):  # {role: column}
        return [(ROLE_ALIASES.get(role, role), column) for role, column in guessed.items()]
    return [(ROLE_ALIASES.get(role, role), column) for column, role in guessed.items()]


def _is_flag(frame: Any, column: str) -> bool:
    """A 0/1 column: a poor default outcome (it is usually the pilot flag)."""
    if frame is None or column not in frame.columns:
        return False
    return frame[column].dropna().nunique() <= 2


def normalise_roles(guessed: dict[str, str], frame: Any = None) -> dict[str, str | None]:
    """The form's roles (``ROLE_FIELDS``) from the guesser's suggestions.

    The first suggested outcome that is not a 0/1 flag is used; one way of saying who is
    treated is kept (the pilot start period before a 0/1 flag); unknown roles are dropped.
    """
    roles: dict[str, str | None] = dict.fromkeys(ROLE_FIELDS)
    outcomes = []
    for role, column in _role_of_column(guessed):
        if role == "outcome" and column:
            outcomes.append(column)
        elif role in roles and column and roles[role] is None:
            roles[role] = column
    useful = [c for c in outcomes if not _is_flag(frame, c)]
    chosen = useful or outcomes
    roles["outcome"] = chosen[0] if chosen else None
    if roles["cohort"] and roles["treatment"]:  # one way of saying who is treated
        roles["treatment"] = None
    return roles


def guess_outcome_info(column: str) -> OutcomeInfo:
    """Label, unit and polarity of ``column``: the demo's metadata when known, else its name."""
    from pilot_eval.demo import OUTCOMES

    known = OUTCOMES.get(column)
    if known is not None:
        return OutcomeInfo(label=known.label, unit=known.unit, polarity=known.polarity)
    unit = next((u for s, u in UNIT_SUFFIXES.items() if column.lower().endswith(s)), "")
    return OutcomeInfo(label=column.replace("_", " ").capitalize(), unit=unit)


def guess_staff_columns(columns: list[str]) -> dict[str, str]:
    """``{field: column}`` for the staff-record fields found by name."""
    lower = {str(c).lower(): str(c) for c in columns}
    found = {}
    for field, names in STAFF_NAMES.items():
        match = next((lower[n] for n in names if n in lower), None)
        if match is not None:
            found[field] = match
    return found
