"""Fuzzed and truncated project files: opening one gives a ``Project`` or a ``ProjectFileError``
that says what is wrong and offers the ``.bak`` -- never another exception, never a change to
the file.  (Hypothesis generates the damage; the valid file is the demo project.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilot_eval.errors import ProjectFileError
from pilot_eval.pipeline import demo_project
from pilot_eval.project import Project, backup_path, load_project, save_project

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
NO_BACKUP_OFFER = ("newer pilot-eval",)
"""Errors where the file is fine and the .bak is no help."""


@pytest.fixture(scope="module")
def project_file(tmp_path_factory) -> Path:
    """The demo project saved twice, so that ``.bak`` exists beside it."""
    folder = tmp_path_factory.mktemp("project")
    project = demo_project(folder)
    path = folder / "demo.pilot.json"
    save_project(project, path)
    save_project(project, path)
    assert backup_path(path).exists()
    return path


def _open(path: Path, data: bytes) -> Project | ProjectFileError:
    """Write ``data`` as a project beside the real one (same folder, same .bak) and open it."""
    target = path.with_name("fuzzed.pilot.json")
    target.write_bytes(data)
    backup_path(target).write_bytes(path.read_bytes())
    try:
        result: Project | ProjectFileError = load_project(target)
    except ProjectFileError as error:
        result = error
    assert target.read_bytes() == data, "opening a project must never change it"
    return result


def _check(result: Project | ProjectFileError, *, backup_offered: bool = False) -> None:
    """A project, or an error naming the file with a hint (and the .bak when asked)."""
    if isinstance(result, Project):
        return
    text = result.user_message()
    assert result.file and result.file.endswith("fuzzed.pilot.json")
    assert result.hint, text
    if backup_offered and not any(reason in result.message for reason in NO_BACKUP_OFFER):
        assert "fuzzed.pilot.json.bak" in text, text


def test_the_valid_file_opens(project_file):
    assert isinstance(_open(project_file, project_file.read_bytes()), Project)


def test_every_truncation_is_a_clear_error_offering_the_backup(project_file):
    data = project_file.read_bytes()
    step = max(1, len(data) // 400)  # ~400 cut points spread over the whole file
    for cut in [*range(0, len(data) - 2, step), len(data) - 2]:
        result = _open(project_file, data[:cut])
        assert isinstance(result, ProjectFileError), cut
        _check(result, backup_offered=True)


@FUZZ
@given(st.data())
def test_random_byte_corruptions(project_file, data):
    original = bytearray(project_file.read_bytes())
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        position = data.draw(st.integers(0, len(original) - 1), label="position")
        original[position] = data.draw(st.integers(0, 255), label="byte")
    _check(_open(project_file, bytes(original)))


def _replace(document: dict, where: tuple, value) -> bytes:
    parent = document
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    return json.dumps(document).encode("utf-8")


@pytest.mark.parametrize(("where", "value"), [
    (("version",), "one"), (("outcomes",), {"a": 1}), (("did",), [1]), (("brief",), 3),
    (("staff_data",), "x"),
])
def test_damaged_entries_offer_the_backup(project_file, where, value):
    document = json.loads(project_file.read_text(encoding="utf-8"))
    result = _open(project_file, _replace(document, where, value))
    assert isinstance(result, ProjectFileError)
    _check(result, backup_offered=True)


@pytest.mark.parametrize(("where", "value"), [
    (("outcome_data", "columns", "eights"), 1), (("outcome_data",), []),
    (("outcome_data", "sha256"), 5),
])
def test_a_damaged_data_source_entry_offers_the_backup(project_file, where, value):
    document = json.loads(project_file.read_text(encoding="utf-8"))
    result = _open(project_file, _replace(document, where, value))
    assert isinstance(result, ProjectFileError)
    _check(result, backup_offered=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=3),
    max_leaves=8)


def _paths(value, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


@FUZZ
@given(st.data())
def test_entries_replaced_by_random_json(project_file, data):
    document = json.loads(project_file.read_text(encoding="utf-8"))
    paths = [p for p in _paths(document) if p]
    where = data.draw(st.sampled_from(paths), label="entry")
    _check(_open(project_file, _replace(document, where, data.draw(json_values, label="value"))))


@FUZZ
@given(json_values)
def test_any_json_document(project_file, value):
    _check(_open(project_file, json.dumps(value).encode("utf-8")))
