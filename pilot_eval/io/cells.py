"""Turn columns of text cells into typed columns: missing markers, numbers, decimal commas.

Every text cell is stripped of surrounding whitespace.  Cells that are empty or hold one of the
usual "no value" markers become missing and are counted.  A column whose remaining cells are all
numbers (with the file's decimal separator and optional thousands separators) becomes numeric;
otherwise it stays text, so that validation can name the cells that are not numbers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "n/a", "na", "-", "*", "[c]", "[x]", "[z]", "..", ".", "#n/a"}
)
"""Cell texts read as missing (compared case-insensitively after stripping whitespace).

``[c]`` confidential, ``[x]`` not available, ``[z]`` not applicable are the UK statistical
shorthand; ``..`` and ``.`` are common in published tables; ``#N/A`` is Excel's.
"""

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_POINT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_BOOLEAN = {"true": 1, "false": 0}
_MARKER_ARRAY = pa.array(sorted(MISSING_MARKERS), type=pa.string())


def number_text(text: str, *, decimal: str) -> str | None:
    """Return ``text`` in Python float syntax if it is a number, else None.

    ``decimal`` is ``"."`` or ``","``; the other character is accepted as a thousands separator
    in groups of three (``1,234.5`` or ``1.234,5``).
    """
    if decimal == ",":
        if _THOUSANDS_COMMA_DECIMAL.match(text):
            text = text.replace(".", "")
        if "." in text:
            return None
        text = text.replace(",", ".")
    elif _THOUSANDS_POINT_DECIMAL.match(text):
        text = text.replace(",", "")
    return text if _NUMBER.match(text) else None


def _arrow_text(cells: pd.Series) -> pa.Array:
    """The cells as an Arrow string array, stripped, with missing cells as empty strings."""
    values = cells.astype(object).where(cells.notna(), "").to_numpy(dtype=object)
    try:
        array = pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or bytes mixed in with text
        array = pa.array([str(v) for v in values], type=pa.string())
    return pc.utf8_trim_whitespace(array)


def clean_text_column(cells: pd.Series, *, decimal: str) -> tuple[pd.Series, int]:
    """Return the typed column and the number of cells turned into missing values.

    ``cells`` holds strings (or missing values); the result keeps its index and name.
    String work is done with Arrow compute functions, so large files load quickly.
    """
    text = _arrow_text(cells)
    missing = pc.is_in(pc.utf8_lower(text), value_set=_MARKER_ARRAY).to_numpy(
        zero_copy_only=False)
    n_missing = int(missing.sum())
    present = text.filter(pa.array(~missing))
    typed = _as_numbers(present, decimal=decimal)
    if typed is None:
        typed = _as_booleans(present)
    if typed is None:
        out = pd.Series(text.to_numpy(zero_copy_only=False), index=cells.index,
                        name=cells.name, dtype=object)
        return out.where(~missing, np.nan), n_missing
    if missing.any():
        values = np.full(len(cells), np.nan)
        values[~missing] = typed.astype("float64")
        return pd.Series(values, index=cells.index, name=cells.name), n_missing
    return pd.Series(typed, index=cells.index, name=cells.name), n_missing


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py()) if len(mask) else True


def _as_numbers(present: pa.Array, *, decimal: str) -> np.ndarray | None:
    """int64 or float64 values if every cell is a number, else None."""
    if len(present) == 0:
        return None
    plain = present
    if decimal == ",":
        if not _all(pc.invert(pc.match_substring(present, "."))):
            return _slow_numbers(present, decimal=decimal)
        plain = pc.replace_substring(present, ",", ".")
    if not _all(pc.match_substring_regex(plain, _NUMBER.pattern)):
        return _slow_numbers(present, decimal=decimal)
    if _all(pc.match_substring_regex(plain, r"^[+-]?\d{1,15}$")):
        return pc.cast(plain, pa.int64()).to_numpy()
    return pc.cast(plain, pa.float64()).to_numpy()


def _slow_numbers(present: pa.Array, *, decimal: str) -> np.ndarray | None:
    """Numbers with thousands separators, one cell at a time (only when the first fits)."""
    cells = present.to_pylist()
    if number_text(cells[0], decimal=decimal) is None:
        return None  # the first cell is text: not a number column
    converted = [number_text(c, decimal=decimal) for c in cells]
    if any(c is None for c in converted):
        return None
    if all(_INTEGER.match(c) for c in converted):
        return np.array([int(c) for c in converted], dtype="int64")
    return np.array([float(c) for c in converted], dtype="float64")


def _as_booleans(present: pa.Array) -> np.ndarray | None:
    lowered = pc.utf8_lower(present)
    if len(present) == 0 or not _all(pc.is_in(lowered, value_set=pa.array(list(_BOOLEAN)))):
        return None
    return pc.equal(lowered, "true").to_numpy(zero_copy_only=False).astype("int64")
