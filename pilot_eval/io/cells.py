"""Turn columns of text cells into typed columns: missing markers, numbers, decimal commas.

Every text cell is stripped of surrounding whitespace.  Cells that are empty or hold one of the
usual "no value" markers become missing and are counted.  A column whose remaining cells are all
numbers (with the file's decimal separator and optional thousands separators; ``inf``,
``-Infinity`` and the like are read as the floats +-inf, which validation refuses by row) becomes
numeric; otherwise it stays text, so that validation can name the cells that are not numbers.
"""

from __future__ import annotations

import functools
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

_INFINITY = "[iI][nN][fF]([iI][nN][iI][tT][yY])?"
"""``inf`` or ``infinity`` in any case: read as a float (validation then names the rows)."""
_NUMBER = re.compile(r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|" + _INFINITY + ")$")
THOUSANDS_SEPARATORS = (",", ".", " ", "")
"""Thousands separators a caller may choose: comma, point, space (also the no-break spaces
French and Swiss exports use) or ``""`` for none; ``None`` means the mark that is not the
decimal one."""
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
PREFIX_BYTES = 1 << 16
"""Bytes of a column looked at first when checking that it holds only digits."""
MAX_INTEGER_DIGITS = 15
"""Longest whole number kept as int64 (longer ones are read as floats)."""
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_BOOLEAN = {"true": 1, "false": 0}


def number_text(text: str, *, decimal: str, thousands: str | None = None) -> str | None:
    """Return ``text`` in Python float syntax if it is a number, else None.

    ``decimal`` is ``"."`` or ``","``.  ``thousands`` separates groups of three digits
    (``1,234.5``, ``1.234,5``, ``1 234,5``); ``None`` accepts the mark that is not the decimal
    one, ``""`` accepts none.
    """
    separator = thousands if thousands is not None else ("." if decimal == "," else ",")
    if separator:
        if separator == " ":
            text = normalise_spaces(text)
        if _grouped(separator, decimal).match(text):
            text = text.replace(separator, "")
    if decimal == ",":
        if "." in text:
            return None
        text = text.replace(",", ".")
    return text if _NUMBER.match(text) else None


def normalise_spaces(text: str) -> str:
    """No-break spaces (French and Swiss thousands separators) as plain spaces."""
    return text.translate(_SPACES)


@functools.lru_cache(maxsize=16)
def _grouped(separator: str, decimal: str) -> re.Pattern[str]:
    """Digits in groups of three joined by ``separator``, then an optional decimal part."""
    sep, dec = re.escape(separator), re.escape(decimal)
    return re.compile(rf"^[+-]?\d{{1,3}}({sep}\d{{3}})+({dec}\d+)?$")


def _case_variants(word: str) -> set[str]:
    variants = {""}
    for ch in word:
        variants = {v + c for v in variants for c in {ch.lower(), ch.upper()}}
    return variants


_MARKER_VARIANTS = pa.array(sorted(set().union(*(_case_variants(m) for m in MISSING_MARKERS))),
                            type=pa.string())
"""Every upper/lower-case spelling of the markers, so no lowercase copy of a column is needed."""
_ASCII_SPACE_MAX = 32
"""Bytes up to this value include every ASCII whitespace character (tab, newline, space...)."""


def cell_bytes(array: pa.Array) -> np.ndarray:
    """The bytes of all cells of a string array, exactly (uint8; honours the array's offset)."""
    if len(array) == 0:
        return np.zeros(0, dtype=np.uint8)
    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(array.type)
                           else np.int32)
    start, end = int(bounds[array.offset]), int(bounds[array.offset + len(array)])
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[start:end]


def _needs_trim(array: pa.Array) -> bool:
    """False when no cell can hold whitespace (pure ASCII without tab, space or the like)."""
    raw = cell_bytes(array)
    return bool(raw.size) and (int(raw.min()) <= _ASCII_SPACE_MAX or int(raw.max()) >= 128)


def arrow_text(cells: pd.Series) -> pa.Array:
    """The cells as an Arrow string array, stripped, with missing cells as empty strings.

    A column that already holds Arrow strings without missing values (the fast CSV reader's)
    is used as it is, without a round trip through Python objects.
    """
    array = _arrow_strings(cells)
    if array is None:
        values = cells.astype(object).where(cells.notna(), "").to_numpy(dtype=object)
        try:
            array = pa.array(values, type=pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or bytes mixed in with text
            array = pa.array([str(v) for v in values], type=pa.string())
    array = one_array(array)
    return pc.utf8_trim_whitespace(array) if _needs_trim(array) else array


def one_array(strings: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One string array of all the cells: Arrow splits a column holding more than 2 GB of
    text into chunks (its 32-bit offsets), which become one array with 64-bit offsets."""
    if not isinstance(strings, pa.ChunkedArray):
        return strings
    if strings.num_chunks == 1:
        return strings.chunk(0)
    if sum(c.nbytes for c in strings.chunks) < 2**31 - 1:
        try:
            return strings.combine_chunks()
        except pa.ArrowInvalid:  # the text itself passes the 32-bit offsets
            pass
    return strings.cast(pa.large_string()).combine_chunks()


def _arrow_strings(cells: pd.Series) -> pa.Array | None:
    """The column's own Arrow string array when it is Arrow-backed and has no nulls."""
    if not isinstance(cells.dtype, pd.ArrowDtype) or cells.dtype.pyarrow_dtype != pa.string():
        return None
    array = one_array(cells.array.__arrow_array__())
    return array if array.null_count == 0 else None


def missing_mask(text: pa.Array) -> pa.Array:
    """True for cells read as missing (blank or a ``MISSING_MARKERS`` marker, any case)."""
    return pc.is_in(text, value_set=_MARKER_VARIANTS)


def clean_text_column(cells: pd.Series, *, decimal: str,
                      thousands: str | None = None) -> tuple[pd.Series, int]:
    """Return the typed column and the number of cells turned into missing values.

    ``thousands`` is the thousands separator numbers may use (see ``number_text``).

    ``cells`` holds strings (or missing values); the result keeps its index and name.
    String work is done with Arrow compute functions, so large files load quickly.
    """
    text = arrow_text(cells)
    missing = missing_mask(text).to_numpy(zero_copy_only=False)
    n_missing = int(missing.sum())
    present = text.filter(pa.array(~missing)) if n_missing else text
    typed = _as_numbers(present, decimal=decimal, thousands=thousands)
    if typed is None:
        typed = _as_booleans(present)
    if typed is None:
        out = pd.Series(_shared_strings(text), index=cells.index, name=cells.name, dtype=object)
        return out.where(~missing, np.nan), n_missing
    if missing.any():
        values = np.full(len(cells), np.nan)
        values[~missing] = typed.astype("float64")
        return pd.Series(values, index=cells.index, name=cells.name), n_missing
    return pd.Series(typed, index=cells.index, name=cells.name), n_missing


SHARE_SAMPLE = 65_536
"""Cells looked at to judge whether a text column repeats its values (``_shared_strings``)."""


def _shared_strings(text: pa.Array) -> np.ndarray:
    """The cells as a numpy object array in which equal cells are one Python string: a text
    column (team names, months) repeats few values, and a million separate copies of them
    would take tens of megabytes more.

    A column whose first ``SHARE_SAMPLE`` cells are mostly distinct (identifiers) has little to
    share: its cells are converted one by one, without hashing a million strings (the same
    values; issue 12).
    """
    if len(text) > SHARE_SAMPLE:
        sample = text.slice(0, SHARE_SAMPLE)
        if 2 * len(pc.unique(sample)) > len(sample):
            return text.to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(text)
    uniques = encoded.dictionary.to_numpy(zero_copy_only=False)
    return uniques[encoded.indices.to_numpy(zero_copy_only=False)]


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py()) if len(mask) else True


def _as_numbers(present: pa.Array, *, decimal: str,
                thousands: str | None = None) -> np.ndarray | None:
    """int64 or float64 values if every cell is a number, else None."""
    if len(present) == 0:
        return None
    if number_text(present[0].as_py(), decimal=decimal, thousands=thousands) is None:
        return None  # a text column: every path below needs its first cell to be a number
    if _plain_integers(present):
        return pc.cast(present, pa.int64()).to_numpy()
    plain = present
    if decimal == ",":
        if not _all(pc.invert(pc.match_substring(present, "."))):
            return _slow_numbers(present, decimal=decimal, thousands=thousands)
        plain = pc.replace_substring(present, ",", ".")
    if not _plain_decimals(plain) and not _all(pc.match_substring_regex(plain, _NUMBER.pattern)):
        return _slow_numbers(present, decimal=decimal, thousands=thousands)
    if not _has_any_byte(plain, b".eE") and _all(
            pc.match_substring_regex(plain, r"^[+-]?\d{1,15}$")):
        if _has_any_byte(plain, b"+"):  # Arrow's integer parser refuses a plus sign
            plain = pc.utf8_ltrim(plain, characters="+")
        return pc.cast(plain, pa.int64()).to_numpy()
    return pc.cast(plain, pa.float64()).to_numpy()


def _plain_integers(present: pa.Array) -> bool:
    """True when every cell is 1 to 15 digits (no sign): what ``_INTEGER`` accepts, checked on
    the raw bytes instead of by a regular expression."""
    raw = cell_bytes(present)
    for part in (raw[:PREFIX_BYTES], raw):  # most text columns fail on the first bytes
        if part.size and (int(part.min()) < ord("0") or int(part.max()) > ord("9")):
            return False
    lengths = pc.binary_length(present)
    bounds = pc.min_max(lengths)
    return bounds["min"].as_py() >= 1 and bounds["max"].as_py() <= MAX_INTEGER_DIGITS


def _plain_decimals(plain: pa.Array) -> bool:
    """True when every cell is ``-?`` then digits with at most one ``.`` (and a digit).

    Over the characters ``0-9 . -`` that is exactly what ``_NUMBER`` accepts (``-.`` is the
    one such cell without a digit, since empty, ``.`` and ``-`` were read as missing), checked
    with a few counting passes instead of a regular expression.  False means: ask ``_NUMBER``.
    """
    raw = cell_bytes(plain)
    if raw.size == 0 or int(raw.min()) < ord("-") or int(raw.max()) > ord("9"):
        return False
    if bool((raw == ord("/")).any()):
        return False
    dots = pc.max(pc.count_substring(plain, ".")).as_py()
    minus = pc.count_substring(plain, "-")
    if dots > 1 or pc.max(minus).as_py() > 1:
        return False
    misplaced = pc.and_(pc.equal(minus, 1), pc.invert(pc.starts_with(plain, "-")))
    return not bool(pc.any(misplaced).as_py()) and not bool(
        pc.any(pc.equal(plain, "-.")).as_py())


def _has_any_byte(array: pa.Array, characters: bytes) -> bool:
    raw = cell_bytes(array).tobytes()
    return any(bytes([c]) in raw for c in characters)


def _slow_numbers(present: pa.Array, *, decimal: str,
                  thousands: str | None = None) -> np.ndarray | None:
    """Numbers with thousands separators, one cell at a time (only when the first fits)."""
    if number_text(present[0].as_py(), decimal=decimal, thousands=thousands) is None:
        return None  # the first cell is text: not a number column
    cells = present.to_pylist()
    converted = [n for c in cells
                 if (n := number_text(c, decimal=decimal, thousands=thousands)) is not None]
    if len(converted) < len(cells):
        return None
    if all(_INTEGER.match(c) for c in converted):
        return np.array([int(c) for c in converted], dtype="int64")
    return np.array([float(c) for c in converted], dtype="float64")


def _as_booleans(present: pa.Array) -> np.ndarray | None:
    if len(present) == 0 or str(present[0].as_py()).lower() not in _BOOLEAN:
        return None  # the first cell decides most columns without lowering them all
    lowered = pc.utf8_lower(present)
    if not _all(pc.is_in(lowered, value_set=pa.array(list(_BOOLEAN)))):
        return None
    return pc.equal(lowered, "true").to_numpy(zero_copy_only=False).astype("int64")


BATCH_MAX_ROWS = 20_000
"""Columns of tables up to this many rows are typed in batches (``clean_text_columns``)."""
BATCH_CELLS = 2_000_000
"""Cells typed in one batch."""


def clean_text_columns(columns: list[pd.Series], *, decimal: str,
                       thousands: str | None = None) -> list[tuple[pd.Series, int]]:
    """``clean_text_column`` of every column, with the string work done once for them all.

    A wide table (160 rows x 5,000 columns) would otherwise pay the fixed cost of a dozen Arrow
    calls per column. The cells of all columns are concatenated; missing markers, whole numbers,
    numbers and booleans are recognised in one pass each, and the numbers of every numeric
    column are parsed in one cast. A column that is anything else than plain numbers, booleans
    or text (all missing; possible thousands separators; a decimal comma next to a point) goes
    through ``clean_text_column`` itself, so every result is the one it gives.
    """
    if not columns:
        return []
    texts = [arrow_text(cells) for cells in columns]
    bounds = np.concatenate([[0], np.cumsum([len(t) for t in texts])])
    combined = pa.concat_arrays(texts)
    missing = pc.is_in(combined, value_set=_MARKER_VARIANTS).to_numpy(zero_copy_only=False)
    plain = combined
    dotted = None
    if decimal == ",":
        dotted = pc.match_substring(combined, ".").to_numpy(zero_copy_only=False)
        plain = pc.replace_substring(combined, ",", ".")
    whole = pc.match_substring_regex(plain, _INTEGER.pattern).to_numpy(zero_copy_only=False)
    number = pc.match_substring_regex(plain, _NUMBER.pattern).to_numpy(zero_copy_only=False)
    boolean = pc.is_in(pc.utf8_lower(combined), value_set=pa.array(list(_BOOLEAN)))
    boolean = boolean.to_numpy(zero_copy_only=False)
    kinds: list[str] = []
    for j in range(len(columns)):
        part = slice(bounds[j], bounds[j + 1])
        present = ~missing[part]
        if not present.any() or (dotted is not None and dotted[part][present].any()):
            kinds.append("single")
        elif whole[part][present].all():
            kinds.append("int")
        elif number[part][present].all():
            kinds.append("float")
        elif boolean[part][present].all():
            kinds.append("bool")
        else:
            first = texts[j].filter(pa.array(present))[0].as_py()
            kinds.append("single" if number_text(first, decimal=decimal, thousands=thousands)
                         is not None else "text")
    values = _batch_values(plain, combined, missing, bounds, kinds)
    out = []
    for j, cells in enumerate(columns):
        part = slice(bounds[j], bounds[j + 1])
        if kinds[j] == "single":
            out.append(clean_text_column(cells, decimal=decimal, thousands=thousands))
            continue
        gaps = missing[part]
        n_missing = int(gaps.sum())
        if kinds[j] == "text":
            typed = pd.Series(_shared_strings(texts[j]), index=cells.index, name=cells.name,
                              dtype=object)
            out.append((typed.where(~gaps, np.nan), n_missing))
            continue
        column = values[j]
        if n_missing:
            filled = np.full(len(cells), np.nan)
            filled[~gaps] = column.astype("float64")
            column = filled
        out.append((pd.Series(column, index=cells.index, name=cells.name), n_missing))
    return out


def _batch_values(plain: pa.Array, combined: pa.Array, missing: np.ndarray, bounds: np.ndarray,
                  kinds: list[str]) -> dict[int, np.ndarray]:
    """The present cells of every int, float and bool column, parsed in one cast per kind."""
    out: dict[int, np.ndarray] = {}
    for kind in ("int", "float", "bool"):
        chosen = [j for j, k in enumerate(kinds) if k == kind]
        if not chosen:
            continue
        rows = np.concatenate([bounds[j] + np.flatnonzero(~missing[bounds[j]:bounds[j + 1]])
                               for j in chosen])
        cells = pc.take(plain if kind != "bool" else combined, pa.array(rows))
        if kind == "int":
            if _has_any_byte(cells, b"+"):  # Arrow's integer parser refuses a plus sign
                cells = pc.utf8_ltrim(cells, characters="+")
            parsed = pc.cast(cells, pa.int64()).to_numpy()
        elif kind == "float":
            parsed = pc.cast(cells, pa.float64()).to_numpy()
        else:
            parsed = pc.equal(pc.utf8_lower(cells), "true").to_numpy(
                zero_copy_only=False).astype("int64")
        sizes = [int((~missing[bounds[j]:bounds[j + 1]]).sum()) for j in chosen]
        for j, piece in zip(chosen, np.split(parsed, np.cumsum(sizes)[:-1]), strict=True):
            out[j] = piece
    return out
