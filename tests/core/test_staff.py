"""Staff records -> spells: validation with rows and columns, tenure, start-stop split.

Expected values are worked by hand from the files in tests/data/retention/ (see its README).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.errors import DataError, ValidationFailed
from pilot_eval.io import load_table
from pilot_eval.staff import (
    MONTH_DAYS,
    StaffOptions,
    pilot_starts_from_table,
    read_staff,
)

DATA = Path(__file__).parents[1] / "data" / "retention"
EXACT = 1e-12  # day counts divided by the same month length
EXTRACT = dt.date(2025, 10, 1)
OPTIONS = StaffOptions(team="team", start="start_date", end="end_date", reason="leaving_reason",
                       staff_id="staff_id", extract_date=EXTRACT)


def _small():
    table = load_table(DATA / "staff_small.csv")
    starts = pilot_starts_from_table(load_table(DATA / "teams_small.csv").frame, team="team",
                                     file="teams_small.csv")
    return read_staff(table.frame, OPTIONS, file="staff_small.csv", pilot_starts=starts)


def test_every_problem_with_row_and_column() -> None:
    table = load_table(DATA / "staff_problems.csv")
    with pytest.raises(ValidationFailed) as caught:
        read_staff(table.frame, OPTIONS, file="staff_problems.csv")
    report = caught.value.report
    found = {(p.code, p.column): p.rows for p in report.problems}
    assert found[("end_before_start", "end_date")] == (3,)
    assert found[("future_date", "end_date")] == (4,)
    assert found[("overlapping_spells", "staff_id")] == (6,)  # S4's second spell starts early
    assert found[("unknown_reason", "leaving_reason")] == (7,)
    assert {p.severity for p in report.problems if p.code == "unknown_reason"} == {"warning"}
    assert "went to the moon" in next(p.message for p in report.problems
                                      if p.code == "unknown_reason")


def test_tenure_split_and_events_hand_worked() -> None:
    staff = _small()
    spells = staff.spells.set_index("staff_id")
    # S2: 01/04/2023 to 30/09/2024 inclusive = 549 days; resigned (counts as leaving)
    assert spells.loc["S2", "duration"] == pytest.approx(549 / MONTH_DAYS, abs=EXACT)
    assert spells.loc["S2", "event"] == "resigned" and spells.loc["S2", "left"]
    # S3 moved internally: not leaving, censored; S1 open: censored at the extract date
    assert spells.loc["S3", "event"] == "0" and not spells.loc["S3", "left"]
    assert spells.loc["S1", "duration"] == pytest.approx(1004 / MONTH_DAYS, abs=EXACT)
    assert list(spells["arm"]) == ["pilot"] * 3 + ["comparison"] * 3
    rows = staff.start_stop
    s2 = rows[rows.staff_id == "S2"]
    # split at team A's pilot start 01/04/2024: 366 days after 01/04/2023 (leap year)
    assert s2[["entry", "duration"]].to_numpy() == pytest.approx(
        np.array([[0, 366], [366, 549]]) / MONTH_DAYS, abs=EXACT)
    assert s2.event.tolist() == ["0", "resigned"] and s2.pilot_post.tolist() == [0, 1]
    # S3 starts after the pilot start: one piece, post from the start
    assert rows[rows.staff_id == "S3"].pilot_post.tolist() == [1]
    # comparison team B is split at the earliest pilot start (01/04/2024): post without pilot
    s4 = rows[rows.staff_id == "S4"]
    assert s4.post.tolist() == [0, 1] and s4.pilot_post.tolist() == [0, 0]
    assert s4.arm_period.tolist() == ["comparison before", "comparison after"]


def test_extract_date_from_file_and_pilot_start_column() -> None:
    table = load_table(DATA / "staff_small.csv")
    frame = table.frame.assign(start=np.where(table.frame.team == "A", "2024-04", ""))
    options = StaffOptions(team="team", start="start_date", end="end_date",
                           reason="leaving_reason", pilot_start_col="start")
    staff = read_staff(frame, options)
    assert staff.extract_date == dt.date(2025, 4, 1)  # the day after 31/03/2025, the latest
    assert "latest date" in staff.extract_source
    assert staff.spells.pilot_start.notna().sum() == 3


def test_leaving_is_configurable_and_truncation() -> None:
    table = load_table(DATA / "staff_small.csv")
    counted = StaffOptions(**{**OPTIONS.__dict__, "excluded_reasons": ()})
    staff = read_staff(table.frame, counted)
    assert staff.spells.set_index("staff_id").loc["S3", "event"] == "moved internally"
    truncated = StaffOptions(**{**OPTIONS.__dict__, "observed_from": dt.date(2023, 7, 1)})
    spells = read_staff(table.frame, truncated).spells.set_index("staff_id")
    # S1 started 01/01/2023, observed from 01/07/2023: enters 181 days into the spell
    assert spells.loc["S1", "entry"] == pytest.approx(181 / MONTH_DAYS, abs=EXACT)
    assert spells.loc["S5", "entry"] == 0


def test_missing_column_and_bad_team_table() -> None:
    table = load_table(DATA / "staff_small.csv")
    with pytest.raises(DataError, match="reason column 'why'"):
        read_staff(table.frame, StaffOptions(team="team", start="start_date", end="end_date",
                                             reason="why"))
    with pytest.raises(DataError, match="pilot_start"):
        pilot_starts_from_table(pd.DataFrame({"team": ["A"], "when": ["2024-04"]}), team="team",
                                file="t.csv")


def test_truncated_looking_records_get_a_warning() -> None:
    staff = _small()  # spells from 01/01/2023; the first leaving is on 30/06/2024
    assert any("--observed-from" in w for w in staff.warnings)
    assert staff.observed_from is None and (staff.spells.entry == 0).all()


def test_missing_team_is_an_error_with_its_row() -> None:
    frame = load_table(DATA / "staff_small.csv").frame.copy()
    frame.loc[2, "team"] = None
    with pytest.raises(ValidationFailed) as caught:
        read_staff(frame, OPTIONS)
    problem = next(p for p in caught.value.report.problems if p.code == "missing_team")
    assert problem.rows == (4,) and problem.column == "team"


def test_overlap_check_equals_the_per_person_version():
    """The grouped cummax + shift (issue 12) flags exactly the rows the earlier per-person
    ``transform(lambda s: s.cummax().shift())`` flagged, on 20,000 random spells with ties,
    missing ids and missing starts."""
    from pilot_eval.staff import _overlaps

    rng = np.random.default_rng(12)
    n = 20_000
    ids = rng.integers(0, 4_000, n).astype(float)
    ids[rng.random(n) < 0.01] = np.nan
    start = pd.Series(pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n),
                                                                     unit="D"))
    start[rng.random(n) < 0.01] = pd.NaT
    stop = start + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    frame = pd.DataFrame({"sid": ids})
    order = pd.DataFrame({"id": ids, "start": start, "stop": stop, "pos": np.arange(n)})
    order = order.dropna(subset=["id", "start"]).sort_values(["id", "start", "pos"])
    previous = order.groupby("id")["stop"].transform(lambda s: s.cummax().shift())
    expected = np.zeros(n, dtype=bool)
    expected[order["pos"].to_numpy()[(order["start"] <= previous).to_numpy()]] = True
    got = _overlaps(frame, start, stop.fillna(pd.Timestamp("2024-01-01")), "sid")
    assert expected.sum() > 1000
    np.testing.assert_array_equal(got, expected)


def _messy_records(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 2500, n), unit="D")
    end = pd.Series(start + pd.to_timedelta(rng.integers(0, 900, n), unit="D"))
    end[rng.random(n) < 0.3] = pd.NaT
    reasons = np.array(["Resigned", " resigned ", "RETIRED", "Moved internally",
                        "moved internally ", "career break", None, np.nan], dtype=object)
    frame = pd.DataFrame({
        "staff_id": [f"P{i}" for i in range(n)],
        "team": [f"T{t}" for t in rng.integers(0, 40, n)],
        "start_date": start.strftime("%d/%m/%Y"),
        "end_date": end.dt.strftime("%d/%m/%Y").to_numpy(),
        "leaving_reason": reasons[rng.integers(0, reasons.size, n)],
        "grade": rng.integers(1, 9, n),
    })
    starts = {f"T{t}": pd.Timestamp(f"2019-{m:02d}-01")
              for t, m in zip(range(0, 40, 2), rng.integers(1, 13, 20), strict=True)}
    return frame, starts


@pytest.mark.parametrize("excluded", [("moved internally",), ("moved internally", "None")])
def test_reasons_split_and_order_equal_the_row_by_row_definitions(excluded):
    """Reasons are read once per distinct value and pieces are placed without a sort (issue
    12): the same as the row-by-row definitions -- ``reason.astype(str).str.strip().lower()``
    against the excluded reasons (a blank cell reads 'None' or 'nan', so excluding 'None'
    excludes the blanks with None), labels stripped with 'left' for blanks, pilot starts looked
    up per row, start-stop rows sorted by spreadsheet row then entry."""
    frame, starts = _messy_records(3000, 7)
    options = StaffOptions(team="team", start="start_date", end="end_date",
                           reason="leaving_reason", staff_id="staff_id",
                           extract_date=dt.date(2025, 10, 1), excluded_reasons=excluded)
    got = read_staff(frame, options, pilot_starts=starts)
    reason = frame["leaving_reason"]
    text = reason.astype(str).str.strip().str.lower()
    ended = got.spells["end_date"].notna().to_numpy()
    left = ended & ~text.isin({r.lower() for r in excluded}).to_numpy()
    label = reason.where(reason.notna(), "left").astype(str).str.strip()
    np.testing.assert_array_equal(got.spells["left"].to_numpy(), left)
    np.testing.assert_array_equal(got.spells["event"].to_numpy(),
                                  np.where(left, label, "0"))
    assert left.sum() > 500 and (ended & ~left).sum() > 200
    expected_start = pd.to_datetime(frame["team"].map(lambda t: starts.get(t, pd.NaT)))
    pd.testing.assert_series_equal(got.spells["pilot_start"], expected_start,
                                   check_names=False)
    assert list(got.spells.columns[:7]) == ["row", *frame.columns]
    resorted = got.start_stop.sort_values(["row", "entry"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.start_stop, resorted, check_exact=True)
    assert len(got.start_stop) > len(got.spells)
    unknown = next(p for p in got.report.warnings if p.code == "unknown_reason")
    assert "career break" in unknown.message
