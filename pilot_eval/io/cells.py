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
_BOOLEAN = {"true": 1, "false": 0}


def is_missing_marker(text: str) -> bool:
    """True if ``text`` (stripped, any case) is a missing-value marker."""
    return text.strip().lower() in MISSING_MARKERS


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


def clean_text_column(cells: pd.Series, *, decimal: str) -> tuple[pd.Series, int]:
    """Return the typed column and the number of cells turned into missing values.

    ``cells`` holds strings (or missing values); the result keeps its index and name.
    """
    text = cells.astype(object).where(cells.notna(), "")
    text = text.map(lambda v: v.strip() if isinstance(v, str) else str(v).strip())
    missing = text.str.lower().isin(MISSING_MARKERS)
    n_missing = int(missing.sum())
    present = text[~missing]
    typed = _as_numbers(present, decimal=decimal)
    if typed is None:
        typed = _as_booleans(present)
    if typed is None:
        out = text.astype(object).where(~missing, np.nan)
        return out, n_missing
    if missing.any():
        out = pd.Series(np.nan, index=cells.index, name=cells.name, dtype="float64")
        out[~missing] = typed.astype("float64")
        return out, n_missing
    return typed.rename(cells.name), n_missing


def _as_numbers(present: pd.Series, *, decimal: str) -> pd.Series | None:
    if present.empty:
        return None
    converted = present.map(lambda v: number_text(v, decimal=decimal))
    if converted.isna().any():
        return None
    values = pd.to_numeric(converted, errors="coerce")
    if values.isna().any():
        return None
    is_integer_text = ~converted.str.contains(r"[.eE]", regex=True)
    if bool(is_integer_text.all()) and bool((values.abs() < 2**53).all()):
        return values.astype("int64")
    return values.astype("float64")


def _as_booleans(present: pd.Series) -> pd.Series | None:
    lowered = present.str.lower()
    if present.empty or not lowered.isin(_BOOLEAN).all():
        return None
    return lowered.map(_BOOLEAN).astype("int64")
