"""A file too large for the free memory is refused before it is read, with a clear message.

The free memory is set with ``PILOT_EVAL_AVAILABLE_MEMORY`` (the override the loader reads), so
the tests never need a really large file or a nearly full machine.
"""

from __future__ import annotations

import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import load_table
from pilot_eval.io import tables as tables_module
from pilot_eval.io.tables import MEMORY_ENV, TEXT_MEMORY_FACTOR, available_memory

CSV = "team,month,score\nA,2024-01,1.5\nB,2024-01,2.5\n"


def test_a_file_that_would_not_fit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(CSV, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setenv(MEMORY_ENV, str(int(size * TEXT_MEMORY_FACTOR) - 1))
    monkeypatch.setattr(tables_module, "_read_bytes",
                        lambda *a, **k: pytest.fail("the file was read before the check"))
    with pytest.raises(DataError) as caught:
        load_table(path)
    error = caught.value
    assert "too large for this computer's free memory" in error.message
    assert error.file == str(path)
    assert "smaller extract" in error.hint


def test_a_file_that_fits_loads(tmp_path, monkeypatch):
    path = tmp_path / "small.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setenv(MEMORY_ENV, str(int(path.stat().st_size * TEXT_MEMORY_FACTOR)))
    assert load_table(path).n_rows == 2


def test_excel_is_budgeted_from_what_it_unpacks_to(tmp_path, monkeypatch):
    """A workbook's cells take far more memory than its compressed bytes: 2,000 rows x 5
    columns fit in a few dozen kilobytes but need megabytes once read."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "book.xlsx"
    pd.DataFrame({f"x{j}": range(2000) for j in range(5)}).to_excel(path, index=False)
    # enough for a CSV of the same size, not for a workbook (compressed XML expands more)
    monkeypatch.setenv(MEMORY_ENV, str(int(path.stat().st_size * TEXT_MEMORY_FACTOR)))
    with pytest.raises(DataError, match="too large") as caught:
        load_table(path)
    assert "the sheet 'Sheet1'" in caught.value.message
    monkeypatch.setenv(MEMORY_ENV, str(50 * 2**20))
    assert load_table(path).n_rows == 2000


def test_available_memory_sources(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "12345")
    assert available_memory() == 12345
    monkeypatch.setenv(MEMORY_ENV, "not a number")
    assert available_memory() is None
    monkeypatch.delenv(MEMORY_ENV)
    free = available_memory()
    assert free is None or free > 0
