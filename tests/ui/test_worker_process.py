"""Checks of large tables in the kept child process (``worker_process``): the table crosses in
slices and comes back whole (reference: the frame itself, ``assert_frame_equal`` with its index
and attributes); validation and trends give what this process gives (the same code path:
equal, byte for byte for the chart); an error keeps its type and message; Cancel and a child
that dies end the call at once with a clear error, and the next call starts a fresh child."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.ui import process_task, worker_process
from pilot_eval.ui.core_api import CoreApi, trends_output, validate_table
from pilot_eval.ui.process_task import ChildProcessError
from pilot_eval.ui.worker_process import WorkerProcess, frame_chunks, frame_from_chunks

from pilot_eval.errors import AnalysisCancelled, DataError
from pilot_eval.io import load_table
from pilot_eval.progress import Progress

ROLES = {"unit": "team", "time": "month", "outcome": "score", "cohort": "pilot_start",
         "treatment": None, "cluster": None}


def mixed_frame(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({
        "text": rng.choice(["a", "Bé", None, "ĉ"], size=rows).astype(object),
        "number": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(size=rows)),
        "count": rng.integers(0, 9, size=rows),
        "flag": rng.random(rows) < 0.5,
        "when": pd.date_range("2024-01-01", periods=rows, freq="D"),
        "kind": pd.Categorical(rng.choice(["x", "y"], size=rows)),
        "maybe": pd.array(rng.integers(0, 3, size=rows), dtype="Int64"),
    })
    frame.loc[3, "maybe"] = pd.NA
    frame = frame.drop(index=[5, 6])  # rows left out: the loaders' numbering keeps its gaps
    frame.attrs["source"] = "test"
    return frame


def test_a_frame_crosses_in_slices_unchanged(monkeypatch):
    monkeypatch.setattr(worker_process, "CHUNK_ROWS", 7)
    frame = mixed_frame()
    chunks = frame_chunks(frame)
    assert len(chunks) == 6  # 38 rows in slices of 7
    back = frame_from_chunks(chunks)
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs
    empty = frame.iloc[:0]
    pd.testing.assert_frame_equal(frame_from_chunks(frame_chunks(empty)), empty)
    # Arrow IPC streams (a data format), not pickles: each starts with Arrow's continuation
    # marker, and a pickle (protocol 2+, b"\x80") is never read back
    assert all(chunk.startswith(b"\xff\xff\xff\xff") for chunk in chunks)
    assert "pickle" not in Path(worker_process.__file__).read_text(encoding="utf-8").replace(
        "no pickled frame", "")


def test_a_table_arrow_cannot_carry_is_worked_on_here(panel_csv):
    """A column mixing numbers and text as Python objects (no loader makes one) cannot cross:
    the call runs in this process with the same answer, and no child is started for it."""
    table = load_table(panel_csv)
    mixed = dataclasses.replace(table, frame=table.frame.assign(
        note=[1.5 if i % 2 else "text" for i in range(len(table.frame))]))
    with pytest.raises(worker_process.TableCannotCross):
        frame_chunks(mixed.frame)
    worker = WorkerProcess()
    try:
        assert worker.call(table_shape, mixed, progress=Progress()) == \
            ((len(table.frame), table.frame.shape[1] + 1), table.path)
        assert worker._child is None  # no child was started for it
        table_read, said = worker.run(read_mixed, str(panel_csv), progress=Progress())
        expected, _ = read_mixed(str(panel_csv), Progress())  # read again, here
        pd.testing.assert_frame_equal(table_read.frame, expected.frame)
        assert said == "read" and worker._held is None  # the child keeps nothing
    finally:
        worker.close()


# Run in the child (importable by name).
def table_shape(table, progress):
    return table.frame.shape, table.path


def read_mixed(path, progress):
    table = load_table(path)
    return (dataclasses.replace(table, frame=table.frame.assign(
        note=[1.5 if i % 2 else "text" for i in range(len(table.frame))])), "read")


def keep_working(table, progress):
    while True:
        progress.report(0.5, "working")
        time.sleep(0.05)


def die(table, progress):
    os._exit(7)


def refuse(table, progress):
    raise DataError("the outcome column holds text", file="panel.csv",
                    hint="Choose a number column.")


@pytest.fixture
def worker():
    worker = WorkerProcess()
    yield worker
    worker.close()


@pytest.mark.slow  # starts Python processes (a few seconds each on a busy machine)
def test_errors_cancel_and_a_dead_child_end_the_call_and_the_next_call_works(panel_csv,
                                                                            worker):
    table = load_table(panel_csv)
    assert worker.call(table_shape, table, progress=Progress()) == ((16, 4), table.path)

    with pytest.raises(DataError) as refused:
        worker.call(refuse, table, progress=Progress())
    assert "the outcome column holds text" in refused.value.user_message()
    assert worker.call(table_shape, table, progress=Progress())[0] == (16, 4)  # same child

    progress, messages = Progress(), []

    def report(fraction, message):
        messages.append(message)

    progress = Progress(report)
    threading.Timer(1.0, progress.cancel).start()
    began = time.monotonic()
    with pytest.raises(AnalysisCancelled):
        worker.call(keep_working, table, progress=progress)
    assert "working" in messages and time.monotonic() - began < 30
    assert worker.call(table_shape, table, progress=Progress())[0] == (16, 4)  # a new child

    with pytest.raises(ChildProcessError, match="exit code 7"):
        worker.call(die, table, progress=Progress())
    assert worker.call(table_shape, table, progress=Progress())[0] == (16, 4)


@pytest.mark.slow
def test_large_tables_are_checked_in_the_child_as_in_this_process(panel_csv, monkeypatch):
    monkeypatch.setattr(process_task, "PROCESS_ROWS", 1)  # every table counts as large
    table = load_table(panel_csv)
    core = CoreApi()
    try:
        there = core.validate(table, ROLES, Progress())
        here = validate_table(table, ROLES, Progress())
        assert [p.describe() for p in there.problems] == [p.describe() for p in here.problems]
        assert there.problems  # the panel's missing outcome: something to compare
        shown = core.trends(table, ROLES, Progress())
        expected = trends_output(table, ROLES, Progress())
        assert shown.trends == expected.trends
        assert shown.chart.png == expected.chart.png and shown.chart.rows == expected.chart.rows
    finally:
        core.close()
    assert core._checks._child is None  # closed with the window


@pytest.mark.slow
def test_a_table_read_in_the_child_comes_back_whole_and_stays_there(panel_csv, worker,
                                                                    monkeypatch):
    from pilot_eval.ui.core_api import open_table_here

    table, roles = worker.run(open_table_here, str(panel_csv), progress=Progress())
    expected, expected_roles = open_table_here(str(panel_csv), Progress())
    pd.testing.assert_frame_equal(table.frame, expected.frame)
    assert (table.sha256, table.n_rows, table.path) == \
        (expected.sha256, expected.n_rows, expected.path)
    assert roles == expected_roles

    def not_again(frame):
        raise AssertionError("the child holds this table: it must not be sent again")

    monkeypatch.setattr(worker_process, "frame_chunks", not_again)
    assert worker.call(table_shape, table, progress=Progress()) == ((16, 4), table.path)


@pytest.mark.slow
def test_a_large_projects_data_is_read_in_the_child_as_in_this_process(panel_csv, tmp_path,
                                                                        monkeypatch):
    """A project whose data file counts as large opens with the same table, roles, note and
    project as when read in this process; its checks then use the table the child kept."""
    from pilot_eval.estimators import PanelColumns
    from pilot_eval.ui import core_api

    from pilot_eval.project import OutcomeChoice, Project, save_project
    from pilot_eval.spec import DatasetSpec

    columns = PanelColumns(outcome="score", unit="team", time="month", cohort="pilot_start")
    project = Project(outcome_data=DatasetSpec.from_table(load_table(panel_csv), columns),
                      outcomes=(OutcomeChoice("score", "Score"),))
    path = save_project(project, tmp_path / "p.pilot.json")
    here = CoreApi().open_project(str(path), Progress())
    monkeypatch.setattr(core_api, "PROCESS_BYTES", 1)
    core = CoreApi()
    try:
        table, roles, note, extras = core.open_project(str(path), Progress())
        assert core._checks._held is not None  # read there, and kept
        pd.testing.assert_frame_equal(table.frame, here[0].frame)
        assert (roles, note) == (here[1], here[2])
        assert extras["project"] == here[3]["project"]
        monkeypatch.setattr(worker_process, "frame_chunks", None)  # must not be sent again
        monkeypatch.setattr(process_task, "PROCESS_ROWS", 1)
        assert [p.describe() for p in core.validate(table, ROLES, Progress()).problems] == \
            [p.describe() for p in validate_table(here[0], ROLES, Progress()).problems]
    finally:
        core.close()


@pytest.mark.slow
def test_a_large_table_is_sorted_in_the_child_as_in_this_process(panel_csv, monkeypatch):
    from pilot_eval.ui.sorting import sorted_order

    monkeypatch.setattr(process_task, "PROCESS_ROWS", 1)
    table = load_table(panel_csv)
    core = CoreApi()
    try:
        rows = np.arange(15, -1, -1)
        for column, falling in ((0, False), (3, True)):
            there = core.sort_rows(table, column, rows, falling, Progress())
            np.testing.assert_array_equal(
                there, sorted_order(table.frame.iloc[:, column], rows, falling))
    finally:
        core.close()


@pytest.mark.slow
def test_a_large_file_read_by_the_import_wizard_is_read_and_kept_in_the_child(
        panel_csv, monkeypatch):
    """The wizard's read (``CoreApi.load_table`` with its options) and the roles guessed for
    the table it chose: in the child, which keeps the table, with what this process gives."""
    from pilot_eval.ui import core_api

    options = {"delimiter": ",", "decimal": "."}
    here = load_table(panel_csv, **options)
    here_roles = CoreApi().table_roles(here, Progress())
    monkeypatch.setattr(core_api, "PROCESS_BYTES", 1)
    core = CoreApi()
    try:
        table = core.load_table(str(panel_csv), Progress(), **options)
        assert core._checks._held is not None  # read there, and kept
        pd.testing.assert_frame_equal(table.frame, here.frame)
        assert (table.sha256, table.delimiter, table.decimal) == \
            (here.sha256, here.delimiter, here.decimal)
        monkeypatch.setattr(worker_process, "frame_chunks", None)  # must not be sent again
        monkeypatch.setattr(process_task, "PROCESS_ROWS", 1)
        assert core.table_roles(table, Progress()) == here_roles
    finally:
        core.close()
