"""Project files: size, depth and text limits; hostile files; saves that cannot lose a version.

Every malformed project is a ``ProjectFileError`` (exit 2 on the command line) that offers the
``.bak``; a kill -9 at any moment of a save leaves a project and a ``.bak`` that both open.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilot_eval import atomic
from pilot_eval.cli import EXIT_BAD_INPUT, main
from pilot_eval.errors import FileAccessError, ProjectFileError
from pilot_eval.json_limits import nesting_depth
from pilot_eval.pipeline import demo_project
from pilot_eval.project import (
    MAX_DEPTH,
    MAX_PROJECT_BYTES,
    MAX_TEXT_CHARS,
    Project,
    backup_path,
    load_project,
    save_project,
)

KILL_ITERATIONS = 30
"""kill -9 during saves, this many times (issue 11: "a few dozen iterations in CI")."""
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Project, Path]:
    """The demo project saved twice (so a good .bak exists)."""
    folder = tmp_path_factory.mktemp("limits")
    project = demo_project(folder)
    path = folder / "demo.pilot.json"
    save_project(project, path)
    save_project(replace(project, narrative={"summary": "second version"}), path)
    return project, path


def _hostile(saved, data: bytes, name: str = "hostile.pilot.json") -> ProjectFileError:
    """Open ``data`` saved beside a good .bak; return the error (it must be one)."""
    _, good = saved
    target = good.with_name(name)
    target.write_bytes(data)
    backup_path(target).write_bytes(good.read_bytes())
    with pytest.raises(ProjectFileError) as caught:
        load_project(target)
    assert target.read_bytes() == data, "opening must never change the file"
    message = caught.value.user_message()
    assert f"{name}.bak" in message and "open it instead" in message, message
    return caught.value


def test_a_project_nested_100000_levels_is_refused_offering_the_backup(saved):
    error = _hostile(saved, b'{"format": "pilot-eval project", "narrative": '
                            + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert "nested 100001 levels deep" in error.message


def test_the_command_line_exits_2_on_a_deep_project_and_names_the_backup(saved, capsys):
    _, good = saved
    target = good.with_name("deep.pilot.json")
    target.write_bytes(b"[" * 100_000)
    backup_path(target).write_bytes(good.read_bytes())
    assert main(["brief", str(target), "--out", str(good.parent / "out")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "nested" in err and "deep.pilot.json.bak" in err and "Traceback" not in err


def test_a_huge_project_is_refused_before_it_is_parsed(saved, monkeypatch):
    real_loads = json.loads

    def loads(text, *args, **kwargs):
        assert len(text) < MAX_PROJECT_BYTES, "a huge file was parsed"
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr("json.loads", loads)
    padding = b" " * (MAX_PROJECT_BYTES + 1)
    error = _hostile(saved, b'{"format": "pilot-eval project"' + padding + b"}")
    assert "too large" in error.message and "8 MB" in error.message


def test_a_huge_text_is_refused_by_name(saved):
    _, good = saved
    document = json.loads(good.read_text(encoding="utf-8"))
    document["narrative"]["summary"] = "x" * (MAX_TEXT_CHARS + 1)
    error = _hostile(saved, json.dumps(document).encode("utf-8"))
    assert "'narrative.summary' is 100,001 characters long" in error.message


def test_brackets_inside_texts_are_not_nesting():
    text = json.dumps({"a": "[[[[{{{{" * 100, "b": [[1]], "c": '\\"[['}).encode()
    assert nesting_depth(text) == 3


def _depth(value) -> int:
    """Nesting of a Python value's containers (the reference for nesting_depth)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_TRICKY_TEXT = st.text(alphabet=st.sampled_from('ab"\\[]{}\n\u00e9\u20ac'), max_size=12)
_JSON_VALUES = st.recursive(
    st.none() | st.integers() | _TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY_TEXT, inner, max_size=3),
    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_JSON_VALUES, chunk=st.integers(1, 9), ascii_only=st.booleans())
def test_nesting_depth_equals_the_documents_nesting_at_any_piece_boundary(
        value, chunk, ascii_only):
    """Texts full of quotes, backslashes and brackets, escaped as JSON escapes them (also runs
    of backslashes cut by a piece boundary: the scan goes a few bytes at a time here)."""
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    assert nesting_depth(raw, piece=chunk) == nesting_depth(raw) == _depth(value)


def test_a_long_text_costs_no_more_than_its_bytes_to_measure():
    """The depth scan used a regular expression over the strings, which took ~100 times a long
    string's size (a 5 MB text in a project: 700 MB; a long string of escapes: 60 times);
    it now works a few megabytes at a time."""
    import tracemalloc

    for text in ("Z" * 5_000_000, "\n" * 2_500_000):
        raw = json.dumps({"a": text, "b": [[1]]}).encode()
        tracemalloc.start()
        assert nesting_depth(raw) == 3
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 40 * 2**20  # pieces of 256 KB: ~13 MB, not the text's size x 100


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_given_as_a_project_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.pilot.json"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="not an ordinary file"):
        load_project(fifo)  # reading it would wait forever for a writer


def test_a_folder_given_as_a_project_is_refused(tmp_path):
    with pytest.raises(ProjectFileError, match="this is a folder"):
        load_project(tmp_path)


def test_a_project_too_large_to_open_again_is_not_saved(saved, tmp_path):
    project, good = saved
    target = tmp_path / "long.pilot.json"
    save_project(project, target)
    before = target.read_bytes()
    with pytest.raises(ProjectFileError, match="characters long") as caught:
        save_project(replace(project, narrative={"summary": "y" * (MAX_TEXT_CHARS + 5)}),
                     target)
    assert "Shorten the text" in caught.value.hint
    assert target.read_bytes() == before


def test_a_full_disk_while_saving_keeps_the_project_and_its_backup(saved, tmp_path,
                                                                   monkeypatch):
    project, _ = saved
    target = tmp_path / "full.pilot.json"
    save_project(project, target)
    save_project(replace(project, narrative={"summary": "v2"}), target)
    before = (target.read_bytes(), backup_path(target).read_bytes())

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(FileAccessError, match="no space left on the disk"):
        save_project(replace(project, narrative={"summary": "v3"}), target)
    monkeypatch.undo()
    assert (target.read_bytes(), backup_path(target).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.pilot.json",
                                                         "full.pilot.json.bak"]


def test_a_damaged_project_does_not_replace_a_good_backup(saved, tmp_path):
    project, _ = saved
    target = tmp_path / "p.pilot.json"
    save_project(project, target)
    save_project(replace(project, narrative={"summary": "v2"}), target)
    good_backup = backup_path(target).read_bytes()
    target.write_bytes(b'{"format": "pilot-eval proj')  # damaged on disk
    save_project(replace(project, narrative={"summary": "v3"}), target)
    assert backup_path(target).read_bytes() == good_backup
    assert load_project(target).narrative == {"summary": "v3"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kill -9 of a forked saver is POSIX")
def test_kill_9_during_saves_never_loses_a_version(saved, tmp_path):
    """A child saves versions of the project in a loop; it is killed (SIGKILL) at a random
    moment, KILL_ITERATIONS times.  After each kill the project and its .bak both open, and the
    next save removes every temporary file the killed savers left."""
    project, _ = saved
    target = tmp_path / "killed.pilot.json"
    save_project(project, target)
    rng = random.Random(20251206)
    orphans_seen: set[str] = set()
    for iteration in range(KILL_ITERATIONS):
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                for version in range(1_000_000):
                    text = f"iteration {iteration} version {version} " * 2500
                    save_project(replace(project, narrative={"summary": text[:90_000],
                                                             "context": text[:60_000]}), target)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        orphans_seen.update(p.name for p in atomic.temporary_files(tmp_path))
        assert isinstance(load_project(target), Project), iteration
        if backup_path(target).exists():
            assert isinstance(load_project(backup_path(target)), Project), iteration
    save_project(project, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.pilot.json",
                                                         "killed.pilot.json.bak"]
    print(f"kill -9 x{KILL_ITERATIONS}: project and .bak always opened; "
          f"{len(orphans_seen)} orphan temporary files seen after kills, all removed")


# ------------------------------------------------------------------ fuzzing the limits

@FUZZ
@given(depth=st.integers(1, 3 * MAX_DEPTH), where=st.sampled_from(["narrative", "brief",
                                                                   "retention", "did"]))
def test_any_nesting_opens_or_is_refused_offering_the_backup(saved, depth, where):
    _, good = saved
    document = json.loads(good.read_text(encoding="utf-8"))
    value: object = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    document[where] = value
    target = good.with_name("nested.pilot.json")
    target.write_text(json.dumps(document), encoding="utf-8")
    backup_path(target).write_bytes(good.read_bytes())
    try:
        load_project(target)
    except ProjectFileError as error:
        assert "nested.pilot.json.bak" in error.user_message()
        if depth + 1 > MAX_DEPTH:
            assert "nested" in error.message
    else:
        assert depth + 1 <= MAX_DEPTH


@FUZZ
@given(extra=st.integers(-3, 3), field=st.sampled_from(["summary", "context", "caveats"]))
def test_texts_at_the_limit_open_and_beyond_it_are_refused(saved, extra, field):
    _, good = saved
    document = json.loads(good.read_text(encoding="utf-8"))
    document["narrative"][field] = "é" * (MAX_TEXT_CHARS + extra)
    target = good.with_name("texts.pilot.json")
    target.write_text(json.dumps(document), encoding="utf-8")
    backup_path(target).write_bytes(good.read_bytes())
    if extra <= 0:
        assert len(load_project(target).narrative[field]) == MAX_TEXT_CHARS + extra
    else:
        with pytest.raises(ProjectFileError, match=f"narrative.{field}"):
            load_project(target)


@FUZZ
@given(size=st.integers(MAX_PROJECT_BYTES - 64, MAX_PROJECT_BYTES + 64))
def test_sizes_around_the_limit(saved, size):
    _, good = saved
    data = good.read_bytes().rstrip()
    padded = data[:-1] + b" " * max(0, size - len(data)) + b"}"
    target = good.with_name("sized.pilot.json")
    target.write_bytes(padded)
    backup_path(target).write_bytes(good.read_bytes())
    if len(padded) <= MAX_PROJECT_BYTES:
        assert isinstance(load_project(target), Project)
    else:
        with pytest.raises(ProjectFileError, match="too large"):
            load_project(target)


# ------------------------------------------------------------------ results.json read back

@pytest.mark.parametrize(("body", "message"), [
    (b'{"format": "pilot-eval results", "schema_version": 2, "x": ' + b"[" * 100_000
     + b"]" * 100_000 + b"}", "nested 100001 levels deep"),
    (b'{"format": "pilot-eval results", "x": ' + b"[" * 20 + b'"\xff' + b"]" * 20 + b"}",
     "not valid JSON"),
])
def test_a_hostile_results_file_exits_2(tmp_path, capsys, body, message):
    """``pilot-eval brief results.json`` rebuilds outputs from an archived report; a deep or
    damaged one is refused before it is parsed, never an internal error."""
    path = tmp_path / "results.json"
    path.write_bytes(body)
    assert main(["brief", str(path), "--out", str(tmp_path / "out")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err and "bug" not in err


def test_a_results_file_larger_than_the_limit_is_not_read(tmp_path, monkeypatch):
    from pilot_eval import pipeline
    from pilot_eval.report.errors import ResultsFileError

    path = tmp_path / "results.json"
    path.write_bytes(b'{"format": "pilot-eval results", "pad": "' + b"x" * 2000 + b'"}')
    monkeypatch.setattr(pipeline, "MAX_RESULTS_BYTES", 1000)
    with pytest.raises(ResultsFileError, match="too large"):
        pipeline.read_results(path)
