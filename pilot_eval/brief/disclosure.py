"""Published cells from staff records: the estimators' disclosure control, formatted.

The rule and its one implementation (primary suppression, rounding, secondary suppression,
rates on small bases) are in ``pilot_eval.estimators.disclosure``; these helpers only format
its output for the brief (thousands separators, percentages, ``no data``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pilot_eval.estimators.disclosure import (
    DEFAULT_RULE,
    SUPPRESSED,
    DisclosureRule,
    protect_count,
    protect_rate,
)
from pilot_eval.estimators.disclosure import (
    protect_table as protect_frame,
)

__all__ = ["SUPPRESSED", "count_cell", "percent_cell", "protect_table"]


def _thousands(cell: str) -> str:
    return cell if cell == SUPPRESSED else f"{int(cell):,}"


def count_cell(count: int | None, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """One count for publication: ``[c]``, or rounded with a thousands separator."""
    if count is None:
        return "no data"
    return _thousands(protect_count(count, rule))


def percent_cell(share: float | None, base: int | None, rule: DisclosureRule = DEFAULT_RULE,
                 *, decimals: int = 0) -> str:
    """A percentage (``share`` in 0..1) unless its base is too small: then ``[c]``."""
    if share is None or base is None:
        return "no data"
    shown = protect_rate(share, base, rule)
    return SUPPRESSED if shown == SUPPRESSED else f"{share * 100:.{decimals}f}%"


def protect_table(counts: Sequence[Sequence[int]], rule: DisclosureRule = DEFAULT_RULE
                  ) -> list[list[str]]:
    """A table of counts with a total column and a total row, as published text."""
    published = protect_frame(pd.DataFrame([list(row) for row in counts]), rule)
    return [[_thousands(cell) for cell in row] for row in published.to_numpy().tolist()]
