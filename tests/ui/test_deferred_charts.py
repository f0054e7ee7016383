"""Charts after the result (issue 12): a run draws the chart the Impact step shows first and
the others once the result is shown, never showing a wrong or stale chart meanwhile.

References: drawing every chart of the same report at once (``draw_charts(report)``, what the
window did before), byte for byte; with the fake core, which charts each step shows while the
rest are drawn and after a newer run overtook them."""

from __future__ import annotations

import threading

import pytest
from pilot_eval.ui.chart_panel import DRAWING
from pilot_eval.ui.controller import CHARTS
from pilot_eval.ui.report_core import draw_charts, report_here

from pilot_eval.pipeline import demo_project
from pilot_eval.progress import Progress
from pilot_eval.project import load_project, save_project

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    path = save_project(demo_project(folder), folder / "demo.pilot.json")
    project = load_project(path)
    first = project.outcomes[1].column  # not the first outcome: the choice must follow it
    return first, report_here(project, str(path), progress=Progress(), first=first)


def test_the_run_draws_the_shown_outcomes_impact_chart_and_leaves_the_rest(demo_report):
    first, output = demo_report
    assert list(output.charts) == [f"event:{first}"]  # the event study: the Impact chart
    everything = draw_charts(output.report)
    assert set(output.pending) == set(everything) - {f"event:{first}"}
    assert len(everything) == 9  # four outcomes' means and event studies, retention
    later = output.with_charts(draw_charts(output.report, output.pending))
    assert later.pending == ()
    assert {k: c.png for k, c in later.charts.items()} == \
        {k: c.png for k, c in everything.items()}  # the same pictures, byte for byte
    assert {k: c.rows for k, c in later.charts.items()} == \
        {k: c.rows for k, c in everything.items()}


def test_a_chart_still_being_drawn_is_never_replaced_by_a_fallback(demo_report):
    first, output = demo_report
    other = output.report.outcomes[0].outcome
    assert output.first_chart(("synthetic", "event", "means"), first) == \
        (output.charts[f"event:{first}"], False)
    # The other outcome's event study is pending: its means chart must not stand in for it.
    assert output.first_chart(("synthetic", "event", "means"), other) == (None, True)
    assert output.is_pending("retention")


@pytest.fixture
def deferred(fake_core):
    fake_core.deferred_charts = True
    fake_core.chart_gate = threading.Event()
    return fake_core


def open_and_run(qtbot, window, path):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)
    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS), \
            qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS) as blocker:
        window.impact_page.run_button.click()
    return blocker.args[0]


def test_the_result_shows_before_the_other_charts_and_they_follow(qtbot, window, deferred,
                                                                 panel_csv):
    output = open_and_run(qtbot, window, panel_csv)
    assert output.pending  # the means are left for later
    impact, trends = window.impact_page.chart, window.trends_page.chart
    assert impact.has_picture() and impact.title.text() == "Score: effect by period"
    assert not trends.has_picture() and trends.note.text() == DRAWING
    assert window.controller.runner.is_running(CHARTS)
    with qtbot.waitSignal(window.controller.charts_ready, timeout=WAIT_MS) as drawn:
        deferred.chart_gate.set()
    assert drawn.args[0].pending == () and window.controller.report_output is drawn.args[0]
    assert trends.has_picture() and trends.title.text() == "Score over time"
    assert impact.title.text() == "Score: effect by period"  # unchanged


def test_charts_of_an_overtaken_run_are_dropped(qtbot, window, deferred, panel_csv):
    first = open_and_run(qtbot, window, panel_csv)
    ready = []
    window.controller.charts_ready.connect(ready.append)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS) as blocker:
        window.impact_page.run_button.click()  # a new run while the old charts are drawn
    second = blocker.args[0]
    assert second is not first
    deferred.chart_gate.set()
    qtbot.waitUntil(lambda: not window.controller.runner.is_running(CHARTS), timeout=WAIT_MS)
    qtbot.wait(50)
    assert [o.report for o in ready] == [second.report]  # only the newer run's charts
    assert window.controller.report_output.report is second.report


def test_a_failure_while_drawing_the_rest_keeps_the_result(qtbot, window, deferred, panel_csv):
    def broken(output, progress):
        raise RuntimeError("the chart builder broke")

    deferred.draw_charts = broken
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS) as failed:
        open_and_run(qtbot, window, panel_csv)
    assert "the chart builder broke" in failed.args[0].message
    qtbot.waitUntil(lambda: window.controller.report_output is not None
                    and window.controller.report_output.pending == (), timeout=WAIT_MS)
    assert window.impact_page.sentence.text()  # the result stays
    assert window.trends_page.chart.note.text() == "No chart for these data."  # not "Drawing"


def test_the_other_steps_never_show_a_result_the_inputs_have_dropped(qtbot, window, panel_csv):
    """The Impact step shows a result at once and the other steps an event later; if the
    inputs change in between (the unit role cleared), those steps do not show the old result."""
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    shown = []
    window.result_shown.connect(lambda: shown.append(True))
    window.controller.result_ready.connect(lambda _o: window.controller.set_role("unit", None))
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    qtbot.wait(100)
    assert shown == [] and window.controller.report is None
    assert window.brief_page.reported_text() == ""
    assert window.plan_page.from_run.text() == ""
