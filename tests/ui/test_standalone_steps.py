"""Trends stands on its own, the demo project lives in the user's Documents, and Recent projects
never lists a temporary path (issue 14).

References: the Trends means are checked against a pandas ``groupby`` of the panel (brute
force, in ``ui_fakes``) and, with the real core, against ``pilot_eval.summaries.group_means``.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.places import demo_folder, is_temporary
from pilot_eval.ui.settings import add_recent, open_settings, recent_projects
from ui_fakes import small_panel

WAIT_MS = 60_000


def test_trends_show_the_means_as_soon_as_the_data_are_mapped(qtbot, window, panel_csv,
                                                              fake_core):
    with qtbot.waitSignal(window.controller.trends_ready, timeout=WAIT_MS) as blocker:
        window.open_file(panel_csv)
    assert "analyse" not in fake_core.calls  # no Impact run
    frame = small_panel().dropna(subset=["score"])
    pilot = frame[frame.pilot_start > 0].groupby("month").score.mean()
    comparison = frame[frame.pilot_start == 0].groupby("month").score.mean()
    rows = window.trends_page.table_rows()
    assert [r[0] for r in rows] == ["M1", "M2", "M3", "M4"]
    assert [float(r[1]) for r in rows] == [round(v, 2) for v in comparison]
    assert [float(r[2]) for r in rows] == [round(v, 2) for v in pilot]
    assert rows == [list(r) for r in blocker.args[0].chart.rows]
    assert "moved in parallel" in window.trends_page.sentence.text()  # the test read, p = 0.4
    assert "p = 0.4" in window.trends_page.sentence.text()

    window.controller.set_role("outcome", None)  # unmapped: the trends no longer apply
    assert window.trends_page.table_rows() == []


def test_trends_on_the_demo_before_impact_with_the_real_core(qtbot, documents):
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.demo import demo_path
    from pilot_eval.io import load_table
    from pilot_eval.io.periods import normalise_periods
    from pilot_eval.summaries import group_means

    window = MainWindow(settings=open_settings(documents / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.controller.trends_ready, timeout=WAIT_MS) as blocker:
            window.open_file(demo_path("outcomes.csv"))
        assert window.controller.output is None and window.trends_page.canvas.has_picture()
        table = load_table(demo_path("outcomes.csv"))
        roles = window.controller.roles
        columns = PanelColumns(**{k: v for k, v in roles.items() if v})
        periods = normalise_periods(table.frame, time=roles["time"], cohort=roles["cohort"])
        expected = group_means(periods.frame, columns, dict(periods.labels))
        trends = blocker.args[0].trends
        assert [dataclasses.asdict(m) for m in trends.group_means] == list(expected)
        assert trends.pretest.tests  # the event study's pre-trend test, before any run
        assert window.trends_page.sentence.text().startswith("Cases closed with goals met: ")
        assert "pre-trend test" in window.trends_page.sentence.text()
        assert window.trends_page.table_rows()[0][0] == "Apr 2023"  # labels, not codes
    finally:
        window.controller.shutdown()


def test_the_demo_is_created_once_in_the_documents_folder(qtbot, documents, tmp_path):
    window = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.controller.project_changed, timeout=WAIT_MS):
            window.open_demo()
        qtbot.waitUntil(lambda: not window.controller.runner.running_keys(), timeout=WAIT_MS)
        project = documents / "pilot-eval" / "demo" / "demo.pilot.json"
        assert demo_folder() == project.parent
        assert window.controller.project_path == str(project) and project.is_file()
        assert Path(window.controller.table.path).parent == project.parent / "data"
        assert not is_temporary(project)
        assert recent_projects(window.settings)[0] == str(project.resolve())
        assert window._export_folder() == project.parent.resolve()  # the brief goes beside it
        assert window.close()

        document = json.loads(project.read_text(encoding="utf-8"))
        document["brief"]["author"] = "Me"  # the user's own changes to the demo
        project.write_text(json.dumps(document), encoding="utf-8")
        edited = project.read_bytes()
        again = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
        qtbot.addWidget(again)
        with qtbot.waitSignal(again.controller.project_changed, timeout=WAIT_MS):
            again.open_demo()  # the user's demo project, not a fresh copy
        qtbot.waitUntil(lambda: not again.controller.runner.running_keys(), timeout=WAIT_MS)
        assert project.read_bytes() == edited
        assert again.brief_page.author.text() == "Me"
        again.controller.dirty = False
        assert again.close()
    finally:
        window.controller.shutdown()


def test_recent_projects_never_list_temporary_paths(tmp_path, documents):
    settings = open_settings(documents / "settings.ini")
    in_temp = Path(tempfile.gettempdir()) / "pilot-eval-demo-x" / "demo.pilot.json"
    assert is_temporary(in_temp)
    assert add_recent(settings, str(in_temp)) == []
    mine = documents / "mine.pilot.json"
    assert add_recent(settings, str(mine)) == [str(mine.resolve())]
    settings.setValue("projects/recent", [str(in_temp), str(mine)])  # from an older version
    assert recent_projects(settings) == [str(mine)]
