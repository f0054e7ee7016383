"""Names-based guesses shared by the window and the command line (pilot_eval.role_names).

References: the demo's outcome metadata (pilot_eval.demo.OUTCOMES, docs/demo-data.md) and the
column-name conventions listed in the module (hand-checked cases)."""

from __future__ import annotations

import pandas as pd

from pilot_eval.demo import OUTCOMES
from pilot_eval.role_names import (
    OutcomeInfo,
    guess_outcome_info,
    guess_staff_columns,
    normalise_roles,
)


def test_outcome_info_from_the_demo_metadata_and_from_name_endings():
    first = OUTCOMES[0]
    assert guess_outcome_info(first.column) == OutcomeInfo(first.label, first.unit,
                                                           first.polarity)
    assert guess_outcome_info("waiting_days_pct") == OutcomeInfo("Waiting days pct", "%")
    assert guess_outcome_info("spend_gbp").unit == "GBP"
    assert guess_outcome_info("wellbeing_index").unit == "points"
    assert guess_outcome_info("visits") == OutcomeInfo("Visits")


def test_roles_take_one_outcome_that_is_not_a_flag_and_one_way_of_treatment():
    frame = pd.DataFrame({"pilot": [0, 1, 0, 1], "score": [1.0, 2.5, 3.0, 4.5]})
    guessed = {"team": "unit", "month": "time", "pilot": "outcome", "score": "outcome",
               "start": "cohort", "treated": "treatment"}
    assert normalise_roles(guessed, frame) == {
        "unit": "team", "time": "month", "outcome": "score", "cohort": "start",
        "treatment": None, "cluster": None}
    assert normalise_roles({"unit": "team", "period": "month"})["time"] == "month"


def test_staff_columns_found_by_name_whatever_the_case():
    assert guess_staff_columns(["Staff_ID", "Team", "Hire_Date", "Date_Left", "Reason"]) == {
        "staff_id": "Staff_ID", "team": "Team", "start": "Hire_Date", "end": "Date_Left",
        "reason": "Reason"}
    assert guess_staff_columns(["name", "grade"]) == {}
