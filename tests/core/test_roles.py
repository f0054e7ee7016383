"""``guess_roles``: suggestions for the role form, from names first and then values.

Reference frames are built here with the column layout of well-known panels (R ``did::mpdta``:
year, countyreal, lpop, lemp, first.treat, treat; values invented) and of council pilot data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilot_eval.roles import ROLES, guess_roles


def mpdta_like() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for county in range(8001, 8041):
        first = (0, 2004, 2006, 2007)[county % 4]
        for year in range(2003, 2008):
            rows.append({"year": year, "countyreal": county, "lpop": 5.0 + county % 7,
                         "lemp": rng.normal(8, 1), "first.treat": first,
                         "treat": int(first > 0)})
    return pd.DataFrame(rows)


def test_mpdta_layout():
    assert guess_roles(mpdta_like()) == {
        "year": "time", "countyreal": "unit", "first.treat": "cohort", "lpop": "covariate",
        "lemp": "outcome"}


def test_treatment_that_changes_within_units():
    frame = mpdta_like()
    frame["D"] = ((frame["first.treat"] > 0) & (frame["year"] >= frame["first.treat"])
                  ).astype(int)
    roles = guess_roles(frame.drop(columns=["first.treat"]))
    assert roles["D"] == "treatment" and "treat" not in roles


def test_council_pilot_layout_with_month_text():
    frame = pd.DataFrame({
        "Council": ["North"] * 4 + ["South"] * 4,
        "TeamName": ["Ash"] * 2 + ["Birch"] * 2 + ["Cedar"] * 2 + ["Damson"] * 2,
        "Month": ["Jan 2023", "Feb 2023"] * 4,
        "PilotGroup": [1, 1, 1, 1, 0, 0, 0, 0],
        "After": [0, 1] * 4,
        "Caseload": [14.0, 15.5, 13.0, 12.5, 16.0, 15.0, 14.5, 14.0],
        "Region": ["N"] * 4 + ["S"] * 4,
    })
    assert guess_roles(frame) == {"Month": "time", "TeamName": "unit", "PilotGroup": "group",
                                  "After": "post", "Region": "cluster", "Caseload": "outcome"}


def test_dates_and_weights_and_unknown_text():
    frame = pd.DataFrame({
        "team_id": [1, 1, 2, 2], "date": pd.to_datetime(["2023-01-01", "2023-02-01"] * 2),
        "notes": ["a", "b", "c", "d"], "weight": [1.0, 1.0, 2.0, 2.0],
        "outcome": [1.0, 2.0, 3.0, 4.0]})
    roles = guess_roles(frame)
    assert roles == {"date": "time", "team_id": "unit", "weight": "weights",
                     "outcome": "outcome"}
    assert set(roles.values()) <= set(ROLES)


def test_nothing_to_guess():
    assert guess_roles(pd.DataFrame({"a": ["x", "y"], "b": ["p", "q"]})) == {}


SINGLE_ROLES = ("unit", "time", "cohort", "treatment", "group", "post", "cluster", "weights")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_frame_gets_valid_suggestions(data):
    names = data.draw(st.lists(st.sampled_from(
        ["year", "team", "pilot", "post", "y", "first.treat", "region", "weight", "notes"]),
        min_size=1, max_size=6, unique=True))
    n_rows = data.draw(st.integers(0, 8))
    cell = st.one_of(st.integers(0, 3), st.floats(allow_nan=True), st.sampled_from(
        ["a", "2023-01", "", None]))
    frame = pd.DataFrame({n: data.draw(st.lists(cell, min_size=n_rows, max_size=n_rows))
                          for n in names})
    roles = guess_roles(frame)
    assert set(roles) <= set(names) and set(roles.values()) <= set(ROLES)
    for role in SINGLE_ROLES:
        assert list(roles.values()).count(role) <= 1
