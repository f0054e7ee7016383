"""Leave-one-out of Callaway & Sant'Anna for a robustness table: the overall ATT alone.

A leave-one-out table shows, for each unit left out, the overall ATT (R did's ``simple``
aggregation) with its interval and p-value. Without a bootstrap these are computed from the
ATT(g,t) cells alone, so the group, dynamic and calendar aggregations, the pre-test and the
per-cell standard errors a full fit adds are skipped; the numbers are the ones the full fit
gives (the same functions on the same arrays). With a bootstrap the simple aggregation's
critical value shares draws with the others, so the full fits are returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.callaway_santanna.aggregate import simple
from pilot_eval.estimators.did.callaway_santanna.attgt import group_time_cells
from pilot_eval.estimators.did.callaway_santanna.data import PreparedPanel
from pilot_eval.estimators.did.callaway_santanna.results import z_headline
from pilot_eval.estimators.inference.distributions import norm_ppf
from pilot_eval.estimators.results import Number

if TYPE_CHECKING:
    from pilot_eval.estimators.did.callaway_santanna.estimator import (
        CallawaySantAnna,
        CallawaySantAnnaResult,
    )


@dataclass(frozen=True)
class OverallAtt:
    """The overall ATT of a fit: what ``CallawaySantAnnaResult`` reports as its headline."""

    estimate: Number
    se: Number
    ci_low: Number
    ci_high: Number
    t_stat: Number
    p_value: Number
    n_obs: int
    n_units: int


def overall_without_each(model: CallawaySantAnna, frame: pd.DataFrame, columns: PanelColumns,
                         units: Iterable[object]
                         ) -> Iterator[tuple[object, OverallAtt | CallawaySantAnnaResult]]:
    """``(unit, overall ATT of model.fit(frame without unit))`` for each of ``units``."""
    if model.bootstrap:
        yield from model.leave_one_out(frame, columns, units)
        return
    yield from model.each_unit_left_out(frame, columns, units,
                                        lambda smaller, _periods: overall_att(model, smaller))


def overall_att(model: CallawaySantAnna, panel: PreparedPanel) -> OverallAtt:
    """The simple aggregation of ``model`` on ``panel`` with its analytic interval."""
    from pilot_eval.estimators.did.callaway_santanna.estimator import _aggregation, _analytic

    cells = group_time_cells(panel, control=model.control, method=model.method,
                             base_period=model.base_period, anticipation=model.anticipation,
                             unbalanced=model.unbalanced)
    parts = simple(cells, panel.cohort)
    z = float(norm_ppf(0.5 + model.level / 2.0))
    overall = _aggregation(parts, _analytic(parts, panel.clusters), z, z, False)
    z_stat, p_value = z_headline(overall.estimate, overall.se)
    return OverallAtt(overall.estimate, overall.se, overall.ci_low, overall.ci_high, z_stat,
                      p_value, panel.n_obs, len(panel.units))
