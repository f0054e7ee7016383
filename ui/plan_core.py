"""The work behind the "Plan the next phase" panel, run in the task runner (off the GUI thread).

``run_plan(frame, roles, options, progress)`` builds the request from the window's column roles
and the panel's options, runs ``pilot_eval.planning.plan_power`` and renders the power curve to
PNG, so the panel only shows the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pilot_eval.estimators import PanelColumns

from pilot_eval.charts.power import power_curve_figure
from pilot_eval.planning import PowerRequest, plan_power
from pilot_eval.progress import Progress

from .chart_image import render_png


def run_plan(frame: pd.DataFrame, roles: Mapping[str, str | None], options: Mapping[str, Any],
             progress: Progress | None = None) -> tuple[dict[str, Any], bytes | None]:
    """``(plan.to_dict(), power-curve PNG)`` for the window's data and the panel's options."""
    columns = PanelColumns(outcome=roles["outcome"], unit=roles["unit"], time=roles["time"],
                           cohort=roles.get("cohort"),
                           treatment=None if roles.get("cohort") else roles.get("treatment"))
    request = PowerRequest(columns, **dict(options))
    plan = plan_power(request, frame, progress).to_dict()
    return plan, render_png(power_curve_figure(plan))
