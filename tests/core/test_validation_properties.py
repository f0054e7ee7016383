"""Property test: ``validate_panel`` returns a report for any frame and any role set, never an
exception (reference: the "every problem at once, as a report" contract in
docs/architecture.md).  Example count is modest to keep the suite fast."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pilot_eval.estimators import PanelColumns

from pilot_eval.validation import ValidationReport, validate_panel

EXAMPLES = int(os.environ.get("PILOT_EVAL_HYPOTHESIS_EXAMPLES", "100"))

units = st.sampled_from(["A", "B", "C", 1, 2, np.nan])
times = st.sampled_from([1, 2, 3, 2023, "2023-01", "2023-02", "01/02/2023", "x", np.nan, 2.5])
flags = st.sampled_from([0, 1, 0, 1, 2, np.nan, "yes", True])
values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                   st.sampled_from(["a", "1,5", None]))
cohorts = st.sampled_from([0, 2, 3, "never", "2023-02", np.nan, -1])

DESIGNS = [
    PanelColumns(outcome="y", unit="u", time="t", treatment="d"),
    PanelColumns(outcome="y", unit="u", time="t", cohort="c", cluster="u"),
    PanelColumns(outcome="y", unit="u", group="d", post="p"),
    PanelColumns(outcome="y", time="t", treatment="d", covariates=("c",)),
    PanelColumns(outcome="y", unit="missing", time="t", treatment="d", weights="y"),
]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(units, times, flags, flags, values, cohorts), max_size=12),
       design=st.sampled_from(DESIGNS))
def test_any_frame_gives_a_report(rows, design):
    frame = pd.DataFrame(rows, columns=["u", "t", "d", "p", "y", "c"])
    report = validate_panel(frame, design, file="random.csv")
    assert isinstance(report, ValidationReport)
    assert all(r >= 2 for p in report.problems for r in p.rows)
    json.dumps(report.to_dict())
