"""Fixtures for the window's tests: logging into a temporary folder, a fake core, a small panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_eval.ui.logs import configure_logging
from ui_fakes import FakeCore, small_panel


@pytest.fixture(autouse=True)
def log_file(tmp_path_factory):
    """Unexpected errors are logged into a temporary folder, never the user's."""
    return configure_logging(tmp_path_factory.mktemp("logs"))


@pytest.fixture
def fake_core() -> FakeCore:
    core = FakeCore()
    yield core
    if core.gate is not None:
        core.gate.set()  # never leave a worker waiting


@pytest.fixture
def panel_csv(tmp_path) -> Path:
    path = tmp_path / "panel.csv"
    small_panel().to_csv(path, index=False)
    return path
