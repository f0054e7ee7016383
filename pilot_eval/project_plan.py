"""The Plan step's entries, kept in the project (its ``"plan"`` entry).

A reopened project plans the same next phase: the effect that matters, the target power, the
numbers of pilot teams, the months of follow-up and whether teams start in two waves.  The
names are ``pilot_eval.planning.PowerRequest``'s keywords, so the entries are the request's
options as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pilot_eval.errors import ProjectFileError

MAX_COUNTS = 12
"""Most numbers of teams (or months) a plan compares."""
MAX_COUNT = 100_000
"""Largest number of teams or months a plan entry may hold."""


@dataclass(frozen=True)
class PlanEntries:
    """What the Plan step asks: ``effect`` (outcome units; ``None``: find the smallest
    effect detected), ``power`` (the chance aimed for), ``teams`` and ``months`` (the designs
    compared) and ``staggered`` (pilot teams start in two waves)."""

    effect: float | None = None
    power: float = 0.8
    teams: tuple[int, ...] = (10, 20, 40)
    months: tuple[int, ...] = (12, 24)
    staggered: bool = False

    def __post_init__(self) -> None:
        if self.effect is not None and (isinstance(self.effect, bool)
                                        or not isinstance(self.effect, int | float)
                                        or not math.isfinite(self.effect) or self.effect == 0):
            raise ProjectFileError(f"the plan's effect is {self.effect!r}",
                                   hint="Give the effect that matters as a non-zero number, or "
                                        "leave it empty.")
        if isinstance(self.power, bool) or not isinstance(self.power, int | float) \
                or not 0.5 <= self.power < 1:
            raise ProjectFileError(f"the plan's target power is {self.power!r}",
                                   hint="Give a chance between 0.5 and 0.99, e.g. 0.8.")
        for name, counts in (("teams", self.teams), ("months", self.months)):
            if not isinstance(counts, tuple) or not 1 <= len(counts) <= MAX_COUNTS or any(
                    isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= MAX_COUNT
                    for c in counts):
                raise ProjectFileError(f"the plan's {name} are {counts!r}",
                                       hint=f"Give 1 to {MAX_COUNTS} whole numbers of 1 or more.")
        if not isinstance(self.staggered, bool):
            raise ProjectFileError(f"the plan's two-waves choice is {self.staggered!r}",
                                   hint="Use true or false.")

    def to_dict(self) -> dict[str, Any]:
        return {"effect": self.effect, "power": self.power, "teams": list(self.teams),
                "months": list(self.months), "staggered": self.staggered}

    @classmethod
    def from_dict(cls, data: Any) -> PlanEntries:
        """The entries of a project's ``"plan"`` object (``ProjectFileError`` when damaged)."""
        if not isinstance(data, dict):
            raise ProjectFileError("the plan entry is not a JSON object",
                                   hint="The file is damaged.")
        unknown = sorted(set(data) - {"effect", "power", "teams", "months", "staggered"})
        if unknown:
            raise ProjectFileError(f"the plan entry has unknown keys: {', '.join(unknown)}",
                                   hint="The file is damaged.")
        defaults = cls()

        def counts(name: str) -> tuple[Any, ...]:
            value = data.get(name, list(getattr(defaults, name)))
            return tuple(value) if isinstance(value, list) else value

        return cls(effect=data.get("effect"), power=data.get("power", defaults.power),
                   teams=counts("teams"), months=counts("months"),
                   staggered=data.get("staggered", defaults.staggered))
