"""The demo pilot's committed files: reproducible, the promised shape, consistent staff spells.

The reference for reproducibility is the committed folder ``resources/demo`` itself: the
generator with the default seed must rebuild every file byte for byte.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pilot_eval
from pilot_eval import demo
from pilot_eval.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "resources" / "demo"
OUTCOME_COLUMNS = ["council", "team", "month", "pilot_start", "pilot", "goals_met_pct",
                   "cost_per_case_gbp", "repeat_referral_pct", "engagement_index", "caseload"]
STAFF_COLUMNS = ["staff_id", "team", "council", "start_date", "end_date", "leaving_reason",
                 "grade", "fte", "age_band"]


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate()


@pytest.fixture(scope="module", params=[demo.DEFAULT_SEED, 1, 777])
def any_seed(request) -> demo.DemoData:
    """The committed draw and two others: the generator's invariants hold for any seed."""
    return demo.generate(request.param)


@pytest.fixture(scope="module")
def outcomes_file() -> pd.DataFrame:
    return pd.read_csv(COMMITTED / "outcomes.csv", encoding="utf-8")


@pytest.fixture(scope="module")
def staff_file() -> pd.DataFrame:
    return pd.read_csv(COMMITTED / "staff.csv", encoding="utf-8", dtype=str,
                       keep_default_na=False)


# --- reproducibility -------------------------------------------------------------------------

def test_generate_reproduces_every_committed_file_byte_for_byte(data):
    for name, text in demo.file_texts(data).items():
        assert (COMMITTED / name).read_bytes() == text.encode("utf-8"), name


def test_write_and_the_command_line_produce_the_committed_bytes(tmp_path):
    assert demo.main([str(tmp_path / "out")]) == 0
    for name in demo.FILES:
        assert (tmp_path / "out" / name).read_bytes() == (COMMITTED / name).read_bytes(), name
    assert not list((tmp_path / "out").glob(".*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_bad_seed_is_refused_with_the_value_seen(seed):
    with pytest.raises(ValueError, match=f"seed={seed!r}"):
        demo.generate(seed)


def test_the_command_line_reports_problems_without_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert demo.main([str(blocker / "out")]) == 2
    assert demo.main([str(tmp_path / "out"), "--seed", "-3"]) == 2
    err = capsys.readouterr().err
    assert "seed=-3" in err and "Traceback" not in err


def test_same_seed_same_data_other_seed_other_data(data):
    again = demo.generate()
    pd.testing.assert_frame_equal(again.outcomes, data.outcomes)
    pd.testing.assert_frame_equal(again.staff, data.staff)
    other = demo.generate(seed=7)
    assert not other.outcomes["goals_met_pct"].equals(data.outcomes["goals_met_pct"])


def test_frames_equal_what_pandas_reads_from_the_files(data, outcomes_file):
    pd.testing.assert_frame_equal(data.outcomes, outcomes_file)
    pd.testing.assert_frame_equal(data.teams, pd.read_csv(COMMITTED / "teams.csv"))
    staff = pd.read_csv(COMMITTED / "staff.csv", parse_dates=["start_date", "end_date"],
                        date_format="%d/%m/%Y")
    pd.testing.assert_frame_equal(data.staff, staff)


def test_files_are_utf8_without_bom_with_unix_line_ends():
    for name in ("outcomes.csv", "staff.csv", "teams.csv"):
        raw = (COMMITTED / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        raw.decode("utf-8")


def test_demo_path_points_at_the_packaged_files():
    for name in demo.FILES:
        assert demo.demo_path(name) == COMMITTED / name
        assert demo.demo_path(name).is_file()
    with pytest.raises(DataError, match="outcomes.csv"):
        demo.demo_path("nonsense.csv")


def test_importing_the_module_does_no_file_io(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("file I/O at import time")

    monkeypatch.setattr("builtins.open", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.delitem(sys.modules, "pilot_eval.demo")  # restored after the test
    monkeypatch.setattr(pilot_eval, "demo", demo)
    fresh = importlib.import_module("pilot_eval.demo")
    assert fresh is not demo and fresh.DEFAULT_SEED == demo.DEFAULT_SEED


# --- shape of the outcome panel --------------------------------------------------------------

def test_outcomes_have_the_promised_columns_and_design(outcomes_file):
    frame = outcomes_file
    assert list(frame.columns) == OUTCOME_COLUMNS
    assert frame["team"].nunique() == 48
    assert frame["council"].nunique() == 4
    assert sorted(frame["month"].unique()) == demo.months()
    assert demo.months()[0] == "2023-04" and demo.months()[-1] == "2025-09"
    teams = frame.groupby("team")["pilot_start"].first()
    assert teams.notna().sum() == 16 and teams.isna().sum() == 32
    assert set(frame["pilot"]) == {0, 1}
    assert (frame["pilot"] == (frame["pilot_start"].notna()
                               & (frame["month"] >= frame["pilot_start"]))).all()


def test_three_councils_start_in_month_13_and_one_in_month_19(data):
    teams = data.teams
    starts = teams.dropna(subset=["pilot_start"]).groupby("council")["pilot_start"]
    assert starts.size().tolist() == [4, 4, 4, 4]
    by_council = starts.agg(lambda s: tuple(sorted(set(s))))
    assert sorted(by_council) == [("2024-04",)] * 3 + [("2024-10",)]
    assert demo.months().index("2024-04") == 12 and demo.months().index("2024-10") == 18
    late = by_council[by_council == ("2024-10",)].index[0]
    assert late == "Cyngor Sir Eryri"  # the Welsh council is the late one


def test_some_team_months_are_absent_and_some_outcomes_blank(outcomes_file):
    rows_per_team = outcomes_file.groupby("team").size()
    short = rows_per_team[rows_per_team < 30]
    expected = {team: 30 - len(labels) for team, labels in demo.ABSENT_MONTHS.items()}
    assert short.to_dict() == expected
    assert len(outcomes_file) == 48 * 30 - 7
    for team, labels in demo.ABSENT_MONTHS.items():
        present = set(outcomes_file.loc[outcomes_file["team"] == team, "month"])
        assert not present & set(labels) and len(present) == 30 - len(labels)
    pilot_teams = set(demo.PILOT_STARTS)
    assert pilot_teams & set(short.index), "a pilot team should also miss a month"
    for column, teams in demo.BLANK_MONTHS.items():
        blank = outcomes_file.loc[outcomes_file[column].isna(), ["team", "month"]]
        listed = {(team, label) for team, labels in teams.items() for label in labels}
        assert set(map(tuple, blank.to_numpy())) == listed, column
    assert outcomes_file["caseload"].notna().all()


def test_outcomes_stay_inside_their_natural_ranges(any_seed):
    outcomes_file = any_seed.outcomes
    for column in ("goals_met_pct", "repeat_referral_pct", "engagement_index"):
        values = outcomes_file[column].dropna()
        assert values.between(0.0, 100.0, inclusive="neither").all(), column
    assert (outcomes_file["cost_per_case_gbp"].dropna() > 500).all()
    assert outcomes_file["caseload"].between(5, 35).all()


def test_team_names_carry_welsh_and_accented_letters(data):
    names = "".join(data.teams["team"])
    for letter in "ŵŷâôîëé":
        assert letter in names, letter
    assert "Brontë House" in set(data.teams["team"]) and "Siân's team" in set(data.teams["team"])
    assert data.teams["team"].is_unique


def test_outcome_metadata_is_complete():
    assert demo.OUTCOMES.columns == tuple(OUTCOME_COLUMNS[5:9])
    assert [info.column for info in demo.OUTCOMES] == OUTCOME_COLUMNS[5:9]
    for column in demo.OUTCOMES.columns:
        info = demo.OUTCOMES[column]
        assert demo.OUTCOMES.get(column) is info and column in demo.OUTCOMES
        assert isinstance(info, demo.OutcomeInfo) and info.label and info.description
        assert info.unit in {"%", "GBP", "points"}
        assert info.polarity in {"higher_is_better", "lower_is_better"}
    assert demo.OUTCOMES["goals_met_pct"].label == "Cases closed with goals met"
    assert demo.OUTCOMES["cost_per_case_gbp"].polarity == "lower_is_better"
    assert demo.OUTCOMES.get("caseload") is None and "caseload" not in demo.OUTCOMES
    with pytest.raises(KeyError, match="goals_met_pct"):
        demo.OUTCOMES["caseload"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.OUTCOMES[0].label = "changed"


def test_metadata_file_records_the_extract_date_and_true_effects(data):
    meta = json.loads((COMMITTED / "metadata.json").read_text(encoding="utf-8"))
    assert meta["extract_date"] == "2025-10-01" == data.extract_date.isoformat()
    assert meta["seed"] == demo.DEFAULT_SEED
    assert set(meta["true_effects"]) == {*demo.OUTCOMES.columns, "resignation_hazard_ratio"}
    for name, value in data.true_effects.items():
        assert meta["true_effects"][name] == pytest.approx(value, abs=5e-5)


# --- staff spells ----------------------------------------------------------------------------

def test_staff_file_has_the_promised_columns_and_size(staff_file):
    assert list(staff_file.columns) == STAFF_COLUMNS
    assert 850 <= len(staff_file) <= 950
    assert set(staff_file["age_band"]) <= set(demo.AGE_BANDS)
    assert set(staff_file["fte"]) <= {"1.0", "0.8", "0.6", "0.5"}
    assert staff_file["start_date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    ended = staff_file["end_date"] != ""
    assert staff_file.loc[ended, "end_date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_spells_are_consistent(any_seed):
    data = any_seed
    staff = data.staff
    ended = staff["end_date"].notna()
    assert (staff.loc[ended, "end_date"] >= staff.loc[ended, "start_date"]).all()
    assert set(staff["leaving_reason"].dropna()) <= set(demo.LEAVING_REASONS)
    assert (staff["leaving_reason"].notna() == ended).all()  # blank reason iff blank end date
    extract = pd.Timestamp(data.extract_date)
    assert (staff["start_date"] < extract).all() and (staff.loc[ended, "end_date"] < extract).all()
    assert (staff["end_date"].isna() | (staff["end_date"] >= pd.Timestamp("2023-04-01"))).all()
    assert (staff["start_date"] < pd.Timestamp("2023-04-01")).sum() > 400  # in post before
    assert (staff["start_date"] >= pd.Timestamp("2023-04-01")).sum() > 200  # joined during


def test_no_person_has_overlapping_spells_and_movers_change_team(any_seed):
    staff = any_seed.staff.sort_values(["staff_id", "start_date"])
    repeated = staff[staff["staff_id"].duplicated(keep=False)]
    assert repeated["staff_id"].nunique() >= 20  # some staff have two spells
    for _, spells in repeated.groupby("staff_id"):
        ends = spells["end_date"].to_numpy()[:-1]
        starts = spells["start_date"].to_numpy()[1:]
        assert not pd.isna(ends).any()
        assert (starts > ends).all()
        assert spells["team"].nunique() == len(spells)
        assert spells["council"].nunique() == 1
        assert (spells["leaving_reason"].iloc[:-1] == "moved internally").all()


def test_resignations_are_the_main_leaving_reason(data):
    counts = data.staff["leaving_reason"].value_counts()
    assert counts.idxmax() == "resigned"
    assert set(counts.index) == set(demo.LEAVING_REASONS)
    assert np.isclose(data.true_effects["resignation_hazard_ratio"], demo.PILOT_RESIGNATION_HR)
