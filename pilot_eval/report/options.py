"""The analyst's choices for a brief, stored in the project file: ``BriefOptions``.

Frozen and JSON-round-trippable (``to_dict`` / ``from_dict``), so the project file can keep it
and ``pilot-eval brief PROJECT.json`` can rebuild the same brief byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from pilot_eval.estimators.disclosure import DisclosureRule
from pilot_eval.report.errors import BriefError

Decision = Literal["for decision", "for noting"]
DECISIONS: tuple[str, ...] = ("for decision", "for noting")
MAX_HEADLINE_OUTCOMES = 4  # more would push page 1 past a minute's reading


DisclosureThresholds = DisclosureRule
"""The brief's disclosure thresholds are the estimators' one disclosure rule
(``pilot_eval.estimators.disclosure.DisclosureRule``: min_count, rounding, min_base)."""


@dataclass(frozen=True)
class BriefOptions:
    """What the analyst sets for a brief (all optional).

    Parameters
    ----------
    organisation, author
        Under the title and in the document properties (author falls back to organisation).
    logo
        Path of a PNG or JPEG logo for the top of page 1 (``""``: none).
    disclosure
        Thresholds for counts from staff records.
    headline_outcomes
        Outcome names (``outcome`` keys) to headline on page 1, in order; empty means the first
        outcomes in the results, up to ``MAX_HEADLINE_OUTCOMES``.  The rest go to the annex.
    issue, recommendation
        The summary box's narrative (a neutral placeholder is shown when empty).
    decision
        ``"for decision"`` or ``"for noting"``.
    date
        The brief's date as ISO text (``""``: today); fix it for byte-identical output.
    title
        Replaces the generated title (``""``: state the finding).
    cost
        The pilot's running cost in the analyst's words (e.g. "£40,000 a year for 12 teams").
    unit_noun
        What the units are called ("teams", "councils").
    analyst, seeds
        Who ran the analysis, and any random seeds, for the quality-assurance log.
    demo
        The brief is of the bundled demo (simulated data): it says so on page 1.
    """

    organisation: str = ""
    author: str = ""
    logo: str = ""
    disclosure: DisclosureThresholds = field(default_factory=DisclosureThresholds)
    headline_outcomes: tuple[str, ...] = ()
    issue: str = ""
    recommendation: str = ""
    decision: Decision = "for noting"
    date: str = ""
    title: str = ""
    cost: str = ""
    unit_noun: str = "teams"
    analyst: str = ""
    seeds: tuple[int, ...] = ()
    demo: bool = False

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise BriefError(f"the brief's decision line is {self.decision!r}",
                             hint='Use "for decision" or "for noting".')
        if self.date:
            try:
                dt.date.fromisoformat(self.date)
            except ValueError as exc:
                raise BriefError(f"the brief date {self.date!r} is not a date",
                                 hint="Give it as YYYY-MM-DD, for example 2026-11-27.") from exc
        if len(self.headline_outcomes) > MAX_HEADLINE_OUTCOMES:
            raise BriefError(
                f"{len(self.headline_outcomes)} outcomes were chosen for the headline",
                hint=f"Choose at most {MAX_HEADLINE_OUTCOMES}; the others go to the annex.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: tuples as lists, thresholds as a nested dictionary."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, DisclosureThresholds):
                value = {f.name: getattr(value, f.name) for f in fields(value)}
            elif isinstance(value, tuple):
                value = list(value)
            out[item.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, strict: bool = True) -> BriefOptions:
        """Rebuild from ``to_dict()`` output.

        With ``strict`` (the default) unknown keys are an error, so a typo is not silently
        lost; ``strict=False`` ignores them (for a project file that keeps other things in
        the same object).
        """
        if not isinstance(data, Mapping):
            raise BriefError(f"brief options are a {type(data).__name__}, not a dictionary",
                             hint="Store BriefOptions.to_dict() in the project file.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if not strict:
            data = {k: v for k, v in data.items() if k in known}
        elif unknown:
            raise BriefError(f"unknown brief option(s): {', '.join(unknown)}",
                             hint=f"Known options: {', '.join(sorted(known))}.")
        values = dict(data)
        if "disclosure" in values and isinstance(values["disclosure"], Mapping):
            thresholds = {f.name for f in fields(DisclosureThresholds)}
            wrong = sorted(set(values["disclosure"]) - thresholds)
            if wrong:
                raise BriefError(f"unknown disclosure threshold(s): {', '.join(wrong)}",
                                 hint=f"Known thresholds: {', '.join(sorted(thresholds))}.")
            values["disclosure"] = DisclosureThresholds(**values["disclosure"])
        for name in ("headline_outcomes", "seeds"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)
