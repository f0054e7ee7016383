"""Large analyses run in a child process: same numbers as in-process, cancel stops the child,
a changed file is refused.  Reference: ``CoreApi.analyse_here`` on the same table (the same code
path in this process, so equal to floating-point round-off: ``SAME_PATH_RTOL``)."""

from __future__ import annotations

import pytest
from pilot_eval.ui.core_api import CoreApi
from pilot_eval.ui.process_task import analyse_file, run_in_process

from pilot_eval.errors import AnalysisCancelled, DataError
from pilot_eval.io import load_table
from pilot_eval.progress import Progress

SAME_PATH_RTOL = 1e-12
ROLES = {"unit": "team", "time": "month", "outcome": "score", "cohort": "pilot_start",
         "treatment": None, "cluster": None}


@pytest.mark.slow  # starts Python processes (about 3 s each on a busy machine)
def test_child_process_gives_the_in_process_result_and_refuses_a_changed_file(panel_csv):
    table = load_table(panel_csv)
    expected = CoreApi().analyse_here(table, ROLES, Progress()).result
    messages: list[str] = []
    output = run_in_process(analyse_file, str(panel_csv), {}, table.sha256, ROLES,
                            {},
                            progress=Progress(lambda f, m: messages.append(m)))
    assert expected["estimate"] is not None
    for key in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        if expected[key] is None:  # e.g. no analytic interval with 4 clusters: same in both
            assert output.result[key] is None, key
        else:
            assert output.result[key] == pytest.approx(expected[key], rel=SAME_PATH_RTOL), key
    assert output.analysis is None and output.figure is not None  # PNG drawn in the child
    assert any("analysis process" in m for m in messages)

    with pytest.raises(DataError, match="changed since it was opened"):
        run_in_process(analyse_file, str(panel_csv), {}, "0" * 64, ROLES, {},
                       progress=Progress())


def test_cancel_stops_the_child(panel_csv):
    progress = Progress()
    progress.cancel()
    with pytest.raises(AnalysisCancelled):
        run_in_process(analyse_file, str(panel_csv), {}, None, ROLES, {}, progress=progress)
