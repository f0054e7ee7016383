"""Statistical disclosure control for tables of counts from staff records.

The rule (ONS-style "10-5" practice; thresholds configurable through ``DisclosureRule``):

1. **Primary suppression**: a count under ``min_count`` (zero excepted unless
   ``suppress_zero``) is shown as ``[c]``.
2. **Rounding**: every other count is rounded to the nearest multiple of ``rounding`` (halves
   up: 12.5 -> 15).
3. **Secondary suppression**: totals are published, so each row and each column of the table
   *with its total* is a linear equation ``cells = total``. An equation with exactly one hidden
   value would give it away, so further cells (the smallest remaining, totals last) are hidden
   until every row and column has none or at least two hidden values.
4. **Rates** (percentages, means) on a base under ``min_base`` are shown as ``[c]``.

Rounding is applied to what is shown only; suppression decisions use the true counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from pilot_eval.estimators.errors import EstimatorConfigError

SUPPRESSED = "[c]"
TOTAL = "Total"


@dataclass(frozen=True)
class DisclosureRule:
    """Thresholds of the disclosure control.

    Parameters
    ----------
    min_count : int
        Counts below this are suppressed (default 10).
    rounding : int
        Shown counts are rounded to a multiple of this (default 5; 1 = no rounding).
    min_base : int
        Rates on a base below this are suppressed (default 25).
    suppress_zero : bool
        Whether true zeros are suppressed too (default False: a zero discloses nothing about
        a person).
    """

    min_count: int = 10
    rounding: int = 5
    min_base: int = 25
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        for name in ("min_count", "rounding", "min_base"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise EstimatorConfigError(
                    f"{name}={value!r} must be a whole number of at least 1 (defaults: "
                    "min_count=10, rounding=5, min_base=25)")

    def to_dict(self) -> dict:
        return {"min_count": self.min_count, "rounding": self.rounding,
                "min_base": self.min_base, "suppress_zero": self.suppress_zero}

    def describe(self) -> str:
        """The rule in one sentence (the brief's footer and annex)."""
        return (f"Counts of staff under {self.min_count} are shown as [c] and other counts are "
                f"rounded to the nearest {self.rounding}; further cells are hidden where a "
                f"hidden one could be worked out from totals; percentages on fewer than "
                f"{self.min_base} staff are not shown.")


DEFAULT_RULE = DisclosureRule()


def round_count(count: float, base: int = 5) -> int:
    """``count`` rounded to the nearest multiple of ``base``, halves up (12.5 -> 15)."""
    return int((Decimal(str(count)) / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * base


def primary_mask(counts: np.ndarray, rule: DisclosureRule = DEFAULT_RULE) -> np.ndarray:
    """True where a count must be hidden in its own right."""
    counts = np.asarray(counts, dtype=float)
    low = counts < rule.min_count
    return low if rule.suppress_zero else low & (counts != 0)


def with_totals(counts: np.ndarray) -> np.ndarray:
    """The table with a total column (last) and a total row (last)."""
    counts = np.asarray(counts, dtype=float)
    body = np.column_stack([counts, counts.sum(axis=1)])
    return np.vstack([body, body.sum(axis=0)])


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    rows, cols = shape
    return ([[(i, j) for j in range(cols)] for i in range(rows)]
            + [[(i, j) for i in range(rows)] for j in range(cols)])


def _pick(line: list[tuple[int, int]], hidden: np.ndarray, table: np.ndarray) -> tuple[int, int]:
    """The cell to hide next in ``line``: the smallest shown non-total cell, totals last."""
    last_row, last_col = table.shape[0] - 1, table.shape[1] - 1
    candidates = [c for c in line if not hidden[c]]
    return min(candidates, key=lambda c: (c[0] == last_row or c[1] == last_col,
                                          table[c] == 0, table[c], c))


def suppression_mask(counts: np.ndarray, rule: DisclosureRule = DEFAULT_RULE) -> np.ndarray:
    """Hidden cells of the table **with** its totals (shape ``(rows + 1, cols + 1)``).

    Primary suppression on every cell (totals included), then secondary suppression until no
    row or column equation has exactly one hidden value.
    """
    table = with_totals(counts)
    hidden = primary_mask(table, rule)
    lines = _lines(table.shape)
    changed = True
    while changed:
        changed = False
        for line in lines:
            n_hidden = sum(bool(hidden[c]) for c in line)
            if n_hidden == 1 and len(line) > 1:
                hidden[_pick(line, hidden, table)] = True
                changed = True
    return hidden


def recoverable_cells(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells that a row or column equation gives away (should be empty)."""
    out = []
    for line in _lines(hidden.shape):
        shown = [c for c in line if hidden[c]]
        if len(shown) == 1:
            out.append(shown[0])
    return sorted(set(out))


def protect_table(counts: pd.DataFrame, rule: DisclosureRule = DEFAULT_RULE) -> pd.DataFrame:
    """A table of counts, with totals, as published: ``[c]`` or counts rounded to the base.

    ``counts`` holds non-negative whole counts (rows x columns); the result has an extra
    ``Total`` row and column and holds strings.
    """
    values = counts.to_numpy(dtype=float)
    if values.size == 0:
        raise EstimatorConfigError("the table of counts is empty; there is nothing to publish")
    if (values < 0).any() or not np.isfinite(values).all():
        raise EstimatorConfigError("disclosure control needs finite counts of at least 0; "
                                   "check the table (a rate or a missing value was passed?)")
    table = with_totals(values)
    hidden = suppression_mask(values, rule)
    shown = [[SUPPRESSED if hidden[i, j] else str(round_count(table[i, j], rule.rounding))
              for j in range(table.shape[1])] for i in range(table.shape[0])]
    return pd.DataFrame(shown, index=[*map(str, counts.index), TOTAL],
                        columns=[*map(str, counts.columns), TOTAL])


def protect_count(count: float, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """One count on its own (no totals published with it)."""
    return SUPPRESSED if primary_mask(np.array([count]), rule)[0] else str(
        round_count(count, rule.rounding))


def protect_rate(rate: float | None, base: float, rule: DisclosureRule = DEFAULT_RULE
                 ) -> float | str | None:
    """``rate`` unless its base is under ``min_base`` (then ``[c]``); ``None`` stays ``None``."""
    if rate is None:
        return None
    return SUPPRESSED if base < rule.min_base else rate


def protect_rows(rows: list[dict], *, counts: tuple[str, ...], rates: tuple[str, ...],
                 base: str, rule: DisclosureRule = DEFAULT_RULE) -> list[dict]:
    """Rows of a rates table (one dict per team-period or arm-period) as published.

    Columns in ``counts`` are protected one by one (``protect_count``; no totals are published
    with such rows, so no secondary suppression is needed), columns in ``rates`` are ``[c]``
    when the row's ``base`` is under ``min_base``; other columns are copied unchanged.
    """
    out = []
    for row in rows:
        size = row.get(base)
        shown = dict(row)
        for name in counts:
            if row.get(name) is not None:
                shown[name] = protect_count(row[name], rule)
        for name in rates:
            # a rate without a known base cannot be shown safely
            shown[name] = SUPPRESSED if size is None else protect_rate(row.get(name), size, rule)
        out.append(shown)
    return out
