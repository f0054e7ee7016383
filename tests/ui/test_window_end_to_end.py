"""The window with the real core: what the core API builds, bad files, projects whose data
moved or changed.  (The whole demo, figure by figure against the report and the brief, is
``test_report_walk.py``.)"""

from __future__ import annotations

import dataclasses

import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.ui.core_api import CoreApi, guess_outcome_info
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.main_window import MainWindow

from pilot_eval.demo import demo_path
from pilot_eval.errors import PilotEvalError
from pilot_eval.io import load_table

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, monkeypatch):
    shown: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    window = MainWindow()
    window.shown_errors = shown
    qtbot.addWidget(window)
    window.show()
    yield window
    window.controller.shutdown()


def test_the_core_api_builds_the_request_the_cli_would(qtbot):
    roles = {"unit": "team", "time": "month", "outcome": "cost_per_case_gbp",
             "cohort": "pilot_start", "treatment": None, "cluster": None}
    columns = CoreApi().columns(roles)
    assert dataclasses.asdict(columns) == dataclasses.asdict(PanelColumns(
        outcome="cost_per_case_gbp", unit="team", time="month", cohort="pilot_start"))
    assert guess_outcome_info("cost_per_case_gbp").unit == "GBP"


@pytest.mark.parametrize(("name", "content"), [
    ("empty.csv", b""),
    ("notes.docx", b"PK\x03\x04 not a table"),
    ("broken.csv", b'team,month\nA,1\n"unterminated,2\n'),
])
def test_a_bad_file_shows_the_loaders_user_message(qtbot, window, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PilotEvalError) as direct:  # the loader's own message: the reference
        load_table(path)
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.open_file(path)
    assert [d.message.text() for d in window.shown_errors] == [direct.value.user_message()]
    assert "Traceback" not in window.shown_errors[0].message.text()
    assert window.controller.table is None
    assert window.data_page.open_button.isEnabled()


def demo_project(folder, *, outcome="cost_per_case_gbp"):
    """A saved project over a copy of the demo outcomes (with the copy's SHA-256)."""
    import hashlib
    import shutil

    from pilot_eval.project import OutcomeChoice, Project, save_project
    from pilot_eval.spec import DatasetSpec

    data = folder / "outcomes.csv"
    shutil.copyfile(demo_path("outcomes.csv"), data)
    spec = DatasetSpec(path=str(data), columns=PanelColumns(
        outcome="goals_met_pct", unit="team", time="month", cohort="pilot_start",
        cluster="council"), sha256=hashlib.sha256(data.read_bytes()).hexdigest())
    return save_project(Project(outcome_data=spec, outcomes=(OutcomeChoice(outcome),)),
                        folder / "pilot.pilot.json"), data


def test_a_project_opens_its_data_with_its_roles(qtbot, window, tmp_path):
    project, _ = demo_project(tmp_path)
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS) as blocker:
        window.open_file(project)
    assert window.shown_errors == []
    assert window.controller.roles == {"unit": "team", "time": "month",
                                       "outcome": "cost_per_case_gbp", "cohort": "pilot_start",
                                       "treatment": None, "cluster": "council"}
    assert not any("changed" in i.text for i in blocker.args[0])


def test_a_project_whose_data_changed_or_moved_says_so(qtbot, window, tmp_path):
    project, data = demo_project(tmp_path)
    data.write_text(data.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS) as blocker:
        window.open_file(project)
    assert "has changed since the project was saved" in blocker.args[0][0].text
    assert blocker.args[0][0].severity == "warning"
    data.unlink()
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.open_file(project)
    assert "is no longer at" in window.shown_errors[0].message.text()
