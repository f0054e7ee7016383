"""Column roles: which column of a frame plays which part in an analysis.

The lowest layer defines the types it accepts; ``pilot_eval.DatasetSpec`` adds where the data
came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PanelColumns:
    """Roles in an outcome panel (unit x period) or a repeated cross-section.

    Exactly one way of saying who is treated is used:

    * ``treatment``: a 0/1 column, 1 for unit-periods under the pilot;
    * ``cohort``: the period in which each unit's pilot started (0 or missing = never);
    * ``group`` and ``post``: the two 0/1 flags of a 2x2 design.

    Periods (``time`` and ``cohort``) are integers by the time they reach an estimator; the
    application layer maps dates and year-month strings to ordered integers.
    """

    outcome: str
    unit: str | None = None
    time: str | None = None
    treatment: str | None = None
    cohort: str | None = None
    group: str | None = None
    post: str | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    cluster: str | None = None
    weights: str | None = None

    @property
    def design(self) -> str:
        """``"treatment"``, ``"cohort"`` or ``"2x2"``: how treatment is given."""
        if self.treatment is not None:
            return "treatment"
        if self.cohort is not None:
            return "cohort"
        return "2x2"

    def used(self) -> tuple[str, ...]:
        """Every column this role set refers to, in a stable order, without repeats."""
        names = [
            self.unit, self.time, self.outcome, self.treatment, self.cohort, self.group,
            self.post, *self.covariates, self.cluster, self.weights,
        ]
        seen: dict[str, None] = {}
        for name in names:
            if name is not None:
                seen.setdefault(name, None)
        return tuple(seen)


@dataclass(frozen=True)
class SpellColumns:
    """Roles in staff records (one row per employment spell) or a generic survival table.

    Either ``start``/``end`` dates (staff records) or ``duration``/``event`` (generic form).
    """

    staff_id: str | None = None
    team: str | None = None
    start: str | None = None
    end: str | None = None
    reason: str | None = None
    duration: str | None = None
    event: str | None = None
    group: str | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    cluster: str | None = None
    entry: str | None = None
    strata: str | None = None
