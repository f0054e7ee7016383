"""The evidence-strength rating as data (the rules that set it are in ``evidence``)."""

from __future__ import annotations

from dataclasses import dataclass

SCALE_TOP = 5
WORDS = {1: "Very low", 2: "Low", 3: "Moderate", 4: "High", 5: "Very high"}
FILLED, HOLLOW = "■", "□"


@dataclass(frozen=True)
class EvidenceRating:
    """A rating from ``ceiling`` lowered by one level per reason (never below 1).

    ``not_checked`` lists what could not be checked (so the rating may be too generous).
    """

    level: int
    ceiling: int
    reasons: tuple[str, ...]
    design: str
    not_checked: tuple[str, ...] = ()

    @property
    def word(self) -> str:
        return WORDS[self.level]

    @property
    def bar(self) -> str:
        """``■■■□□``: filled squares for the level, hollow for the rest of the scale."""
        return FILLED * self.level + HOLLOW * (SCALE_TOP - self.level)

    @property
    def label(self) -> str:
        """``Moderate (3 of 5)``: the word and the number, for text and screen readers."""
        return f"{self.word} ({self.level} of {SCALE_TOP})"
