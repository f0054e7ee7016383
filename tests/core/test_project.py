"""Project files: round trip, relative paths, backups, and clear refusals of bad files."""

from __future__ import annotations

import json

import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import ProjectFileError
from pilot_eval.project import (
    FORMAT,
    VERSION,
    DidOptions,
    OutcomeChoice,
    Project,
    backup_path,
    check_source,
    load_project,
    save_project,
)
from pilot_eval.spec import DatasetSpec


@pytest.fixture
def project(tmp_path):
    data = tmp_path / "data" / "panel.csv"
    data.parent.mkdir()
    data.write_text("team,month,start,y\nA,1,0,1.0\n", encoding="utf-8")
    import hashlib

    spec = DatasetSpec(path=str(data), sha256=hashlib.sha256(data.read_bytes()).hexdigest(),
                       columns=PanelColumns(outcome="y", unit="team", time="month",
                                            cohort="start", covariates=("x",)))
    return Project(outcome_data=spec,
                   outcomes=(OutcomeChoice("y", "Cases closed", "%", "higher_is_better"),),
                   did=DidOptions(estimator="twfe", se="hc1", level=0.9),
                   brief={"organisation": "A&E <North>", "date": "2025-10-01"},
                   narrative={"recommendation": "Scale to all teams — Tŷ Ddewi first."})


def test_round_trip_keeps_everything(tmp_path, project):
    path = save_project(project, tmp_path / "my.pilot.json")
    assert load_project(path) == project


def test_plan_entries_round_trip_as_version_2(tmp_path, project):
    from dataclasses import replace

    from pilot_eval.project_plan import PlanEntries

    planned = replace(project, plan=PlanEntries(effect=-1.5, power=0.9, teams=(4, 8),
                                                months=(6, 12, 24), staggered=True))
    path = save_project(planned, tmp_path / "planned.pilot.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["version"] == VERSION == 2
    assert stored["plan"] == {"effect": -1.5, "power": 0.9, "teams": [4, 8],
                              "months": [6, 12, 24], "staggered": True}
    assert load_project(path) == planned


def test_data_paths_are_stored_relative_to_the_project(tmp_path, project):
    path = save_project(project, tmp_path / "my.pilot.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["format"] == FORMAT and stored["version"] == 1  # no plan entries: version 1
    assert stored["outcome_data"]["path"] == "data/panel.csv"
    moved = tmp_path / "moved"
    (tmp_path / "data").rename(tmp_path / "moved_data")
    moved.mkdir()
    # Moving project and data together keeps them working:
    (tmp_path / "moved_data").rename(moved / "data")
    path.rename(moved / "my.pilot.json")
    reopened = load_project(moved / "my.pilot.json")
    assert check_source(reopened.outcome_data).state == "ok"


def test_saving_again_keeps_the_previous_version_as_bak(tmp_path, project):
    path = tmp_path / "my.pilot.json"
    save_project(project, path)
    first = path.read_bytes()
    save_project(Project(outcome_data=project.outcome_data, outcomes=project.outcomes), path)
    assert backup_path(path).read_bytes() == first
    assert load_project(path).narrative == {}


def test_a_changed_or_missing_data_file_is_noticed(tmp_path, project):
    data = tmp_path / "data" / "panel.csv"
    data.write_text("team,month,start,y\nA,1,0,2.0\n", encoding="utf-8")
    assert check_source(project.outcome_data).state == "changed"
    data.unlink()
    status = check_source(project.outcome_data)
    assert status.state == "missing" and "panel.csv" in status.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b'{"format": "something else"}', "not a pilot-eval project"),
        (b'[1, 2, 3]', "not a pilot-eval project"),
        (json.dumps({"format": FORMAT, "version": VERSION + 1}).encode(), "newer pilot-eval"),
        (json.dumps({"format": FORMAT, "version": "one"}).encode(), "no valid version"),
        (json.dumps({"format": FORMAT, "version": 1, "extra": 1}).encode(), "unknown entries"),
        (json.dumps({"format": FORMAT, "version": 1, "outcomes": [{"col": "y"}]}).encode(),
         "wrong shape"),
        (json.dumps({"format": FORMAT, "version": 1,
                     "outcomes": [{"column": "y", "polarity": "up"}]}).encode(), "polarity"),
        (json.dumps({"format": FORMAT, "version": 2, "plan": [1]}).encode(), "not a JSON"),
        (json.dumps({"format": FORMAT, "version": 2, "plan": {"teams": [0]}}).encode(),
         "plan's teams"),
        (json.dumps({"format": FORMAT, "version": 2, "plan": {"power": 1.5}}).encode(),
         "target power"),
        (json.dumps({"format": FORMAT, "version": 2, "plan": {"effect": 0}}).encode(),
         "plan's effect"),
        (json.dumps({"format": FORMAT, "version": 2, "plan": {"waves": 2}}).encode(),
         "unknown keys"),
    ],
)
def test_bad_project_files_are_refused_clearly_and_left_alone(tmp_path, content, expected):
    path = tmp_path / "bad.pilot.json"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    assert expected in caught.value.user_message()
    assert "bad.pilot.json" in caught.value.user_message()
    assert path.read_bytes() == content


def test_a_damaged_file_offers_the_backup(tmp_path, project):
    path = tmp_path / "my.pilot.json"
    save_project(project, path)
    save_project(project, path)
    path.write_bytes(path.read_bytes()[:50])  # truncated, as after a crash mid-copy
    with pytest.raises(ProjectFileError, match="my.pilot.json.bak"):
        load_project(path)
    assert load_project(backup_path(path)) == project


def test_missing_project_and_folder_are_clear(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_project(tmp_path / "nowhere.pilot.json")
    with pytest.raises(ProjectFileError, match="folder"):
        load_project(tmp_path)


def test_requests_carry_roles_options_and_descriptions(project):
    (request,) = project.did_requests()
    assert request.columns.outcome == "y" and request.columns.cohort == "start"
    assert (request.estimator, request.se, request.level) == ("twfe", "hc1", 0.9)
    assert request.outcome_label == "Cases closed" and request.polarity == "higher_is_better"
