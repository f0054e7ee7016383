"""Large projects run in a child process: the same report as in this process, cancel stops the
child, a changed file is refused.  Reference: ``report_here`` on the same project in this
process (the same code path, so equal to floating-point round-off: ``SAME_PATH_RTOL``)."""

from __future__ import annotations

import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.ui.process_task import run_in_process
from pilot_eval.ui.report_core import report_here

from pilot_eval.errors import AnalysisCancelled, DataError
from pilot_eval.io import load_table
from pilot_eval.progress import Progress
from pilot_eval.project import OutcomeChoice, Project
from pilot_eval.report.values import number
from pilot_eval.spec import DatasetSpec

SAME_PATH_RTOL = 1e-12
FIGURES = ("estimate", "se", "ci_low", "ci_high", "p_value")


def project_of(panel_csv):
    table = load_table(panel_csv)
    columns = PanelColumns(outcome="score", unit="team", time="month", cohort="pilot_start")
    return Project(outcome_data=DatasetSpec.from_table(table, columns),
                   outcomes=(OutcomeChoice("score", "Score"),)), table


@pytest.mark.slow  # starts Python processes (about 3 s each on a busy machine)
def test_child_process_gives_the_in_process_report_and_refuses_a_changed_file(panel_csv):
    project, table = project_of(panel_csv)
    expected = report_here(project, None, progress=Progress()).report.outcomes[0].headline
    messages: list[str] = []
    output = run_in_process(report_here, project, None, expected_sha256=table.sha256,
                            progress=Progress(lambda f, m: messages.append(m)))
    shown = output.report.outcomes[0].headline
    assert number(expected.estimate) is not None
    for key in FIGURES:
        want, got = number(getattr(expected, key)), number(getattr(shown, key))
        if want is None:  # e.g. no analytic interval with 4 clusters: the same in both
            assert got is None, key
        else:
            assert got == pytest.approx(want, rel=SAME_PATH_RTOL), key
    assert output.chart("means", "score").png  # the chart, drawn in the child
    assert messages

    with pytest.raises(DataError, match="changed since it was opened"):
        run_in_process(report_here, project, None, expected_sha256="0" * 64,
                       progress=Progress())


def test_cancel_stops_the_child(panel_csv):
    project, _ = project_of(panel_csv)
    progress = Progress()
    progress.cancel()
    with pytest.raises(AnalysisCancelled):
        run_in_process(report_here, project, None, progress=progress)
