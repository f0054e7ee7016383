"""Predictors for synthetic control matched on characteristics (R ``Synth``'s ``dataprep``).

Abadie & Gardeazabal (2003) and Abadie, Diamond & Hainmueller (2010) choose the donor weights
to reproduce the pilot's *predictors*: averages of characteristics over chosen pre-periods
(income, prices, schooling...) and selected outcome values ("lags").  A ``Predictor`` is one
row of R ``Synth``'s ``X1``/``X0`` matrices: the mean of ``column`` over ``periods`` for each
unit, missing values skipped (``dataprep``'s ``predictors.op = "mean"`` with ``na.rm =
TRUE``, for its ``predictors`` and its ``special.predictors`` alike).  An outcome lag is
``Predictor("cigsale", (1988,))``.

``predictor_values`` reads them from a long frame; every refusal names the predictor, the
column, the unit and the periods, and says what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pilot_eval.estimators.did.design import numeric_column
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError

if TYPE_CHECKING:
    from pilot_eval.estimators.did.synthetic.panel import SyntheticPanel

SHOWN = 5


@dataclass(frozen=True)
class Predictor:
    """The mean of ``column`` over ``periods`` (values of the time column), one per unit.

    ``name`` labels it in the balance table (default ``"column periods"``, e.g.
    ``"beer 1984-1988"``).
    """

    column: str
    periods: tuple[float, ...]
    name: str = ""

    def __post_init__(self) -> None:
        periods = (self.periods,) if isinstance(self.periods, int | float) else self.periods
        try:
            values = tuple(float(p) for p in periods)
        except (TypeError, ValueError) as err:
            raise EstimatorConfigError(
                f"predictor '{self.column}': periods must be values of the time column "
                f"(numbers), got {self.periods!r}") from err
        if not values:
            raise EstimatorConfigError(f"predictor '{self.column}' has no periods; give at "
                                       "least one period to average over")
        if len(set(values)) != len(values):
            raise EstimatorConfigError(f"predictor '{self.column}' lists a period twice: "
                                       f"{self.periods!r}")
        object.__setattr__(self, "periods", values)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        first, last = _text(self.periods[0]), _text(self.periods[-1])
        span = first if len(self.periods) == 1 else f"{first}-{last}"
        return f"{self.column} {span}"


def _text(value: float) -> str:
    return f"{value:g}"


def predictor_values(frame: pd.DataFrame, unit_col: str, time_col: str,
                     panel: SyntheticPanel,
                     predictors: tuple[Predictor, ...]) -> np.ndarray:
    """(k predictors, units of ``panel``): each unit's mean of each predictor's column."""
    missing = [p.column for p in predictors if p.column not in frame.columns]
    if missing:
        raise EstimationError(f"predictor column(s) not in the data: {', '.join(missing)}",
                              column=missing[0])
    labels = frame[unit_col].to_numpy()
    unit_index = pd.Index(panel.units).get_indexer(labels)
    time = numeric_column(frame, time_col, "time")
    out = np.empty((len(predictors), panel.units.size))
    for row, predictor in enumerate(predictors):
        absent = [p for p in predictor.periods if not np.any(panel.periods == p)]
        if absent:
            raise EstimationError(
                f"predictor '{predictor.label}': period(s) {', '.join(map(_text, absent))} "
                f"are not in the time column '{time_col}' (it runs from "
                f"{_text(panel.periods[0])} to {_text(panel.periods[-1])})", column=time_col)
        values = numeric_column(frame, predictor.column, "predictor")
        keep = np.isin(time, predictor.periods) & (unit_index >= 0) & ~np.isnan(values)
        for unit in range(panel.units.size):
            cells = values[keep & (unit_index == unit)]
            if cells.size == 0:
                raise EstimationError(
                    f"predictor '{predictor.label}': '{predictor.column}' is empty for "
                    f"{panel.units[unit]} in every period it averages "
                    f"({', '.join(map(_text, predictor.periods[:SHOWN]))}"
                    f"{' ...' if len(predictor.periods) > SHOWN else ''}); fill it in, "
                    "choose other periods, or drop the unit", column=predictor.column)
            out[row, unit] = mean(cells)
    return out


def mean(values: np.ndarray) -> float:
    """The mean from an exactly rounded sum (R sums in extended precision)."""
    return math.fsum(values.tolist()) / values.size
