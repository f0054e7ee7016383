"""Loading and validating R ``did::mpdta`` (tests/data/mpdta.csv, see tests/data/README.md).

Reference facts (REFERENCES.md, from the R package ``did``): SHA-256
2283bea1221a152420f98dfa20f633c5d054ea51d881115c8cd702a97bcd3167; 2,500 rows = 500 counties x
2003-2007, balanced; ``first.treat`` 0 for 309 never-treated counties, 2004 for 20, 2006 for 40,
2007 for 131.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.io import load_table, normalise_periods
from pilot_eval.roles import guess_roles
from pilot_eval.validation import validate_panel

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta.csv"
MPDTA_SHA256 = "2283bea1221a152420f98dfa20f633c5d054ea51d881115c8cd702a97bcd3167"
COHORT_SIZES = {0: 309, 2004: 20, 2006: 40, 2007: 131}
COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def table():
    return load_table(MPDTA)


def test_loads_with_the_published_hash_and_shape(table):
    assert table.sha256 == MPDTA_SHA256
    assert table.n_rows == 2500 and table.frame["countyreal"].nunique() == 500
    assert sorted(table.frame["year"].unique().tolist()) == [2003, 2004, 2005, 2006, 2007]
    assert table.missing_markers == {}
    assert (table.encoding, table.delimiter, table.decimal) == ("utf-8", ",", ".")


def test_cohort_sizes_match_the_r_package(table):
    mapping = normalise_periods(table.frame, time="year", cohort="first.treat")
    assert mapping.kind == "integer"
    sizes = mapping.frame.groupby("first.treat")["countyreal"].nunique().to_dict()
    assert sizes == COHORT_SIZES


def test_validates_cleanly_and_roles_are_guessed(table):
    report = validate_panel(table.frame, COLUMNS, file="mpdta.csv")
    assert report.problems == (), report.summary()
    roles = guess_roles(table.frame)
    assert {roles["year"], roles["countyreal"], roles["first.treat"], roles["lemp"]} == {
        "time", "unit", "cohort", "outcome"}
    assert roles["countyreal"] == "unit" and roles["first.treat"] == "cohort"
