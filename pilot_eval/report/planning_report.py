"""The report's planning section: could the pilot have told, and what would the next phase need.

Built (``report.build_planning``) only for an outcome whose headline range includes zero: the
pilot's own design is replayed by simulation with the headline's estimator on the pilot's own
teams (whole series, months without the pilot), then a small grid of larger designs (pilot
teams x months of follow-up).  ``sentence`` is the one sentence for the brief's first page;
views format the rest, they never compute.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedRow:
    """One design: its teams and months, and what the simulation and the formula say.

    ``power``/``mc_se`` are for ``PlanningSection.effect`` (None without an effect);
    ``mde`` is the smallest change detected with the target power (signed in the direction of
    an improvement; None when no change within 100 standard errors reaches it).
    """

    pilot_teams: int
    comparison_teams: int
    months_before: int
    months_after: int
    staggered: bool
    power: float | None
    mc_se: float | None
    mde: float | None
    formula_mde: float
    false_alarm_rate: float


@dataclass(frozen=True)
class PlanningSection:
    """Power of the pilot's own design and of a grid of next-phase designs, in words too.

    ``effect_source`` says where ``effect`` came from: ``"expected"`` (the project's expected
    effect for this outcome) or ``"none"`` (no effect given: the rows' ``mde`` speak instead).
    """

    effect: float | None
    effect_source: str
    target_power: float
    alpha: float
    estimator: str
    replications: int
    seed: int
    pilot: PlannedRow
    grid: tuple[PlannedRow, ...]
    sd: float
    icc: float
    serial_correlation: float | None
    sentence: str
    power_explained: str
    method: str
    notes: tuple[str, ...] = ()

    @property
    def smallest_enough(self) -> PlannedRow | None:
        """The smallest grid design (teams x months) reaching the target power for the effect."""
        if self.effect is None:
            return None
        enough = [r for r in self.grid if r.power is not None and r.power >= self.target_power]
        return min(enough, key=lambda r: (r.pilot_teams * r.months_after, r.pilot_teams),
                   default=None)


__all__ = ["PlannedRow", "PlanningSection"]
