"""Typing text columns: the shortcuts of issue 12 against the passes they skip.

``cells._as_numbers`` and ``cells._as_booleans`` now give up on a column whose first cell is
not a number (or not true/false) before scanning the whole column, and ``_shared_strings``
converts mostly-distinct columns (identifiers) cell by cell instead of hashing them. The
reference functions below are the earlier code (every cell scanned; every column dictionary
encoded); on thousands of random columns of mixed cells, for every decimal mark and thousands
separator, the results must be identical (both ``None``, or equal arrays of the same dtype).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pilot_eval.io import cells

KINDS = ("12", "007", "-3", "+5", "1.5", "-.5", "2.", "1e3", "-1.5E-2", "inf", "-Infinity",
         "1,234", "1,234.5", "1.234,5", "1,5", "12,5", "1 234", "1\u00a0234,5", "1234567890123456",
         "x", "Team 7", "27/08/2015", "2015-08-27", "true", "FALSE", "True", "yes", "-.", "1-2",
         "1.2.3", "..5", "e5")


def _slow_numbers_every_cell(present, *, decimal, thousands=None):
    converted_cells = present.to_pylist()
    if cells.number_text(converted_cells[0], decimal=decimal, thousands=thousands) is None:
        return None
    converted = [n for c in converted_cells
                 if (n := cells.number_text(c, decimal=decimal, thousands=thousands))
                 is not None]
    if len(converted) < len(converted_cells):
        return None
    if all(cells._INTEGER.match(c) for c in converted):
        return np.array([int(c) for c in converted], dtype="int64")
    return np.array([float(c) for c in converted], dtype="float64")


def _numbers_every_cell(present, *, decimal, thousands=None):
    """``_as_numbers`` before the first-cell check."""
    if len(present) == 0:
        return None
    if cells._plain_integers(present):
        return pc.cast(present, pa.int64()).to_numpy()
    plain = present
    if decimal == ",":
        if not cells._all(pc.invert(pc.match_substring(present, "."))):
            return _slow_numbers_every_cell(present, decimal=decimal, thousands=thousands)
        plain = pc.replace_substring(present, ",", ".")
    if not cells._plain_decimals(plain) and not cells._all(
            pc.match_substring_regex(plain, cells._NUMBER.pattern)):
        return _slow_numbers_every_cell(present, decimal=decimal, thousands=thousands)
    if not cells._has_any_byte(plain, b".eE") and cells._all(
            pc.match_substring_regex(plain, r"^[+-]?\d{1,15}$")):
        if cells._has_any_byte(plain, b"+"):
            plain = pc.utf8_ltrim(plain, characters="+")
        return pc.cast(plain, pa.int64()).to_numpy()
    return pc.cast(plain, pa.float64()).to_numpy()


def _booleans_every_cell(present):
    lowered = pc.utf8_lower(present)
    if len(present) == 0 or not cells._all(pc.is_in(lowered, value_set=pa.array(
            ["true", "false"]))):
        return None
    return pc.equal(lowered, "true").to_numpy(zero_copy_only=False).astype("int64")


def _columns(n_columns: int, seed: int):
    """Columns of 1-6 cells: mostly of one kind (so that many parse), some mixed."""
    rng = np.random.default_rng(seed)
    for _ in range(n_columns):
        size = int(rng.integers(1, 7))
        main = KINDS[rng.integers(len(KINDS))]
        kinds = [main if rng.random() < 0.7 else KINDS[rng.integers(len(KINDS))]
                 for _ in range(size)]
        yield pa.array(kinds, type=pa.string())


def _same(got, expected) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize(("decimal", "thousands"), [
    (".", None), (".", ","), (".", " "), (".", ""), (",", None), (",", "."), (",", " "),
    (",", "")])
def test_first_cell_checks_equal_scanning_every_cell(decimal, thousands):
    parsed = 0
    for present in _columns(1500, seed=len(decimal + (thousands or "none"))):
        expected = _numbers_every_cell(present, decimal=decimal, thousands=thousands)
        got = cells._as_numbers(present, decimal=decimal, thousands=thousands)
        assert _same(got, expected), present.to_pylist()
        assert _same(cells._as_booleans(present), _booleans_every_cell(present))
        parsed += expected is not None
    assert parsed > 150  # the columns exercise the parsing paths, not only the refusals


def test_identifier_columns_are_not_hashed_and_hold_the_same_strings():
    n = 3 * cells.SHARE_SAMPLE
    ids = pa.array([f"S{i:07d}" for i in range(n)])
    teams = pa.array([f"Team {i % 500:03d}" for i in range(n)])
    for text in (ids, teams):
        encoded = pc.dictionary_encode(text)
        expected = encoded.dictionary.to_numpy(zero_copy_only=False)[
            encoded.indices.to_numpy(zero_copy_only=False)]
        got = cells._shared_strings(text)
        assert got.dtype == object and np.array_equal(got, expected)
    shared = cells._shared_strings(teams)
    assert shared[0] is shared[500]  # repeated labels are still one Python string
