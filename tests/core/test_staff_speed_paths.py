"""Fast paths of the staff-records pipeline (issue 12) against the code they replaced.

Each test keeps the earlier implementation (or the plain pandas definition) here and checks
that the fast path gives exactly the same frame: values, dtypes, column order and index, on
generated records with the awkward cases (blank reasons, comparison teams, spells that start
after the pilot, an extra numeric and an extension-typed column).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pilot_eval.io.frames import spreadsheet_rows
from pilot_eval.staff import (
    COMPARISON,
    PILOT,
    StaffOptions,
    _spell_table,
    read_staff,
    split_at,
)


def _records(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.integers(0, 3500, n), unit="D")
    end = pd.Series(start + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"))
    end[rng.random(n) < 0.3] = pd.NaT
    end[end >= pd.Timestamp("2024-10-01")] = pd.NaT
    reasons = np.array(["resigned", "retired", "moved internally", "dismissed", None],
                       dtype=object)
    frame = pd.DataFrame({
        "staff_id": [f"P{i}" for i in range(n)],
        "team": [f"T{t:02d}" for t in rng.integers(0, 30, n)],
        "start_date": start.strftime("%d/%m/%Y"),
        "end_date": end.dt.strftime("%d/%m/%Y").to_numpy(),
        "leaving_reason": reasons[rng.integers(0, reasons.size, n)],
        "grade": rng.integers(1, 9, n),
        "fte": pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n).round(2)),
                        dtype="Float64"),
    })
    starts = {f"T{t:02d}": pd.Timestamp(f"{2018 + t % 4}-{1 + t % 12:02d}-01")
              for t in range(0, 30, 2)}
    return frame, starts


OPTIONS = StaffOptions(team="team", start="start_date", end="end_date",
                       reason="leaving_reason", staff_id="staff_id",
                       extract_date=dt.date(2024, 10, 1))


def _split_by_definition(spells: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """The earlier ``split_at``: both pieces by ``assign``, concatenated, sorted."""
    cut = ((reference - spells["start_date"]).dt.days.to_numpy(float)) / (365.25 / 12)
    cut = np.where(np.isnan(cut), np.inf, cut)
    entry, exit_ = spells["entry"].to_numpy(float), spells["duration"].to_numpy(float)
    inside = (cut > entry) & (cut < exit_)
    before = spells.assign(post=np.where(cut >= exit_, 0, np.where(inside, 0, 1)),
                           duration=np.where(inside, cut, exit_),
                           event=np.where(inside, "0", spells["event"]))
    after = spells[inside].assign(entry=cut[inside], post=1)
    rows = pd.concat([before, after], ignore_index=True)
    pilot = (rows["arm"] == PILOT).astype(int)
    rows = rows.assign(pilot=pilot, pilot_post=pilot * rows["post"],
                       arm_period=rows["arm"] + np.where(rows["post"] == 1, " after",
                                                         " before"))
    return rows.sort_values(["row", "entry"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("seed", [3, 4])
def test_split_equals_concatenate_and_sort(seed):
    frame, starts = _records(4000, seed)
    spells = read_staff(frame, OPTIONS, pilot_starts=starts).spells
    reference = spells["pilot_start"].fillna(spells["pilot_start"].min())
    got = split_at(spells, reference)
    expected = _split_by_definition(spells, reference)
    assert 0 < (got["post"] == 1).sum() < len(got) and len(got) > len(spells)
    assert isinstance(got.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # spells out of spreadsheet-row order take the concatenate-and-sort path itself
    shuffled = spells.iloc[np.random.default_rng(seed).permutation(len(spells))]
    pd.testing.assert_frame_equal(split_at(shuffled, reference[shuffled.index]),
                                  _split_by_definition(shuffled, reference[shuffled.index]),
                                  check_exact=True)


def test_arm_and_arm_period_hold_the_same_labels():
    frame, starts = _records(2000, 5)
    staff = read_staff(frame, OPTIONS, pilot_starts=starts)
    spells, rows = staff.spells, staff.start_stop
    expected_arm = np.where(spells["pilot_start"].notna(), PILOT, COMPARISON)
    assert spells["arm"].dtype == object
    np.testing.assert_array_equal(spells["arm"].to_numpy(), expected_arm.astype(object))
    expected = rows["arm"] + np.where(rows["post"] == 1, " after", " before")
    pd.testing.assert_series_equal(rows["arm_period"], expected, check_names=False)


def test_spell_table_equals_copy_insert_assign_and_owns_its_cells():
    frame, _ = _records(1000, 6)
    frame = frame.set_axis(pd.RangeIndex(5, 1005))
    added = {"team": frame["team"].copy(), "left": np.arange(1000) % 2 == 0,
             "duration": np.linspace(0, 10, 1000), "start_date": pd.to_datetime(
                 frame["start_date"], format="%d/%m/%Y")}
    got = _spell_table(frame, added)
    expected = frame.copy()
    expected.insert(0, "row", spreadsheet_rows(range(len(frame))))
    expected = expected.assign(**added)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    frame.loc[5, "staff_id"] = "changed"
    frame.loc[5, "grade"] = -1
    assert got.loc[5, "staff_id"] == "P0" and got.loc[5, "grade"] == expected.loc[5, "grade"]


def _followed_before(frame, entry, needed):
    """The earlier ``_followed``: every column of the followed spells."""
    if entry is None or entry not in frame.columns:
        return frame
    return frame[pd.to_numeric(frame[entry], errors="coerce").fillna(1.0) <= 0]


def _staff_terms_before(spells):
    from pilot_eval.retention_fine_gray import PILOT_TERM

    starts = pd.to_datetime(spells["pilot_start"])
    reference = starts.fillna(starts.min())
    pilot = (spells["arm"] == "pilot").astype(int)
    after = (pd.to_datetime(spells["start_date"]) >= reference).astype(int)
    return spells.assign(pilot=pilot, joined_after_start=after, **{PILOT_TERM: pilot * after})


def test_fine_gray_on_the_columns_it_reads_equals_the_copy_of_every_column(monkeypatch):
    from pilot_eval.estimators import SpellColumns

    import pilot_eval.retention_fine_gray as module

    frame, starts = _records(4000, 8)
    options = dataclasses.replace(OPTIONS, observed_from=dt.date(2016, 1, 1))
    spells = read_staff(frame, options, pilot_starts=starts).spells
    columns = SpellColumns(duration="duration", event="event", entry="entry", group="arm",
                           covariates=("pilot", "post", "pilot_post", "grade"), cluster="team")
    got, got_about = module.fine_gray_leaving(spells, columns, "resigned", staff=True,
                                              level=0.95)
    monkeypatch.setattr(module, "_followed", _followed_before)
    monkeypatch.setattr(module, "_staff_terms", _staff_terms_before)
    expected, expected_about = module.fine_gray_leaving(spells, columns, "resigned",
                                                        staff=True, level=0.95)
    assert got_about == expected_about and got_about["n_used"] < len(spells)
    assert got.to_dict() == expected.to_dict()


def test_retention_fits_share_one_set_of_survival_arrays():
    """KM, log-rank, RMST and cumulative incidence fitted on arrays coded once equal the
    estimators fitted on the spells themselves."""
    from pilot_eval.estimators import SpellColumns
    from pilot_eval.estimators.survival.competing_risks import CumulativeIncidence
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
    from pilot_eval.estimators.survival.logrank import LogRankTest
    from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival

    from pilot_eval.retention import RetentionRequest, run_retention

    frame, starts = _records(3000, 9)
    teams = pd.DataFrame({"team": list(starts), "pilot_start": [f"{d:%Y-%m}" for d in
                                                                 starts.values()]})
    request = RetentionRequest(SpellColumns(team="team", start="start_date", end="end_date",
                                            reason="leaving_reason", staff_id="staff_id"),
                               extract_date=dt.date(2024, 10, 1),
                               pilot_start_col="pilot_start")
    frame = frame.assign(pilot_start=frame["team"].map(teams.set_index("team")["pilot_start"]))
    analysis = run_retention(request, frame)
    results, spells = analysis.results, analysis.spells
    columns = SpellColumns(duration="duration", event="event", entry="entry", group="arm")
    km = KaplanMeier(level=0.95, times=tuple(sorted({6.0, 12.0, 24.0,
                                                    *results["horizon"]["times"]})))
    assert results["km"].to_dict() == km.fit(spells, columns).to_dict()
    assert results["logrank"].to_dict() == LogRankTest().fit(spells, columns).to_dict()
    rmst = RestrictedMeanSurvival(tau=analysis.request.tau, reference="comparison")
    assert results["rmst"].to_dict() == rmst.fit(spells, columns).to_dict()
    incidence = CumulativeIncidence().fit(spells, columns).to_dict()
    assert results["cumulative_incidence"] == incidence["cumulative_incidence"]
    assert (results["cumulative_incidence_by_group"]
            == incidence["cumulative_incidence_by_group"])
