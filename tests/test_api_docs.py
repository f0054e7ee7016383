"""docs/api.md is executed: every example on the page runs with ``doctest`` and must print
what the page says (the library page cannot drift from the library)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_every_example_in_the_api_page_runs():
    if not API_PAGE.exists():
        pytest.fail(f"{API_PAGE} is missing")
    outcome = doctest.testfile(
        str(API_PAGE), module_relative=False, report=True, verbose=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 20, "the page lost its examples"
    assert outcome.failed == 0, f"{outcome.failed} example(s) in docs/api.md failed (above)"
