"""Statistical disclosure control for counts from staff records.

The rule (ONS "10-5" practice, REFERENCES.md): counts under 10 are suppressed and shown as
``[c]``; other counts are rounded to the nearest 5; **secondary suppression** hides further
cells so that no suppressed cell can be worked out from a published total; percentages and
means on a base under 25 are suppressed.  Model estimates (hazard ratios, CIs) are not
disclosive and are not touched.  Thresholds come from ``DisclosureThresholds``.

``estimators/`` has no such helpers (checked), so they live here, beside their only user.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from pilot_eval.brief.options import DisclosureThresholds

SUPPRESSED = "[c]"
DEFAULT = DisclosureThresholds()


def round_to_base(count: int, base: int) -> int:
    """``count`` rounded to the nearest multiple of ``base``, halves up (12.5 -> 15)."""
    return int((Decimal(count) / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * base


def is_primary(count: int, rule: DisclosureThresholds = DEFAULT) -> bool:
    """A count that must be hidden in its own right (under the threshold; zero is kept)."""
    return 0 < count < rule.min_count


def count_cell(count: int | None, rule: DisclosureThresholds = DEFAULT) -> str:
    """One count for publication: ``[c]``, or rounded with a thousands separator."""
    if count is None:
        return "no data"
    if is_primary(count, rule):
        return SUPPRESSED
    return f"{round_to_base(int(count), rule.rounding):,}"


def percent_cell(share: float | None, base: int | None,
                 rule: DisclosureThresholds = DEFAULT, *, decimals: int = 0) -> str:
    """A percentage (``share`` in 0..1) unless its base is too small: then ``[c]``."""
    if share is None or base is None:
        return "no data"
    if base < rule.min_base:
        return SUPPRESSED
    return f"{share * 100:.{decimals}f}%"


def with_totals(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a total column on the right and a total row at the bottom."""
    grid = [[int(v) for v in row] + [sum(int(v) for v in row)] for row in counts]
    width = len(grid[0]) if grid else 1
    grid.append([sum(row[c] for row in grid) for c in range(width)])
    return grid


def _equations(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """The additive relations of a table with totals (``n_rows``/``n_cols`` include them):
    every row's cells add up to its last cell, every column's to its bottom cell."""
    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    cols = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    return rows + cols


def suppression_mask(counts: Sequence[Sequence[int]],
                     rule: DisclosureThresholds = DEFAULT) -> list[list[bool]]:
    """Which cells of a table of counts *with its totals* to hide (``with_totals`` layout).

    Primary: inner cells and totals under the threshold.  Secondary: while some row or
    column (total included) has exactly one hidden cell, which its other cells would give
    away, also hide that line's smallest visible non-zero cell (zeros reveal nothing).
    """
    grid = with_totals(counts)
    n_rows, n_cols = len(grid), len(grid[0])
    mask = [[is_primary(v, rule) for v in row] for row in grid]
    changed = True
    while changed:
        changed = False
        for line in _equations(n_rows, n_cols):
            hidden = [cell for cell in line if mask[cell[0]][cell[1]]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line
                          if not mask[cell[0]][cell[1]] and grid[cell[0]][cell[1]] > 0]
            if not candidates:  # only zeros beside it: the zeros reveal the hidden total
                continue
            r, c = min(candidates, key=lambda cell: (grid[cell[0]][cell[1]], cell))
            mask[r][c] = True
            changed = True
    return mask


def protect_table(counts: Sequence[Sequence[int]], rule: DisclosureThresholds = DEFAULT
                  ) -> list[list[str]]:
    """A table of counts with a total column and a total row, as published text.

    Every cell is rounded or ``[c]``; see ``suppression_mask`` for which are hidden.
    """
    grid = with_totals(counts)
    mask = suppression_mask(counts, rule)
    return [[SUPPRESSED if mask[r][c] else count_cell(v, rule) for c, v in enumerate(row)]
            for r, row in enumerate(grid)]


def recoverable_cells(published: Sequence[Sequence[str]]) -> set[tuple[int, int]]:
    """Brute force: hidden cells of a published table (totals included) that can be solved.

    Treats every published number as exact (conservative: rounding only makes recovery
    harder) and repeatedly solves any row or column with exactly one unknown.  A protected
    table gives an empty set.
    """
    known = [[cell != SUPPRESSED for cell in row] for row in published]
    n_rows, n_cols = len(published), len(published[0]) if published else 0
    recovered: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for line in _equations(n_rows, n_cols):
            unknown = [cell for cell in line if not known[cell[0]][cell[1]]]
            if len(unknown) == 1:
                r, c = unknown[0]
                known[r][c] = True
                recovered.add((r, c))
                changed = True
    return recovered
