"""A fast path for plain UTF-8 CSV text: Arrow's multi-threaded reader, every cell as a string.

``arrow_table_frame`` returns the same cells the pandas reader in ``tables.py`` would (header row
first, every value as text), but as Arrow-backed string columns, so that cleaning
(``cells.clean_text_column``) works on the Arrow arrays without any Python objects.  It takes
only files whose reading cannot differ from the pandas reader's: UTF-8, no quote characters,
no lone carriage returns, the same number of fields on every line (a blank line is a row of
empty cells, as pandas reads it, except in one-column files, which go to pandas).  For anything
else it returns ``None`` and the caller uses the pandas reader, which keeps its precise messages
(row numbers of ragged rows, unclosed quotes) and its blank-line handling.
"""

from __future__ import annotations

import codecs

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

FAST_ENCODINGS = frozenset({"utf-8", "utf-8-sig"})
"""Codecs whose bytes Arrow reads directly (after the byte-order marks are removed)."""
BLOCK_SIZE = 4 << 20
"""Bytes per block handed to a reader thread."""
HEADER_BYTES = 1 << 20
"""Longest header line the fast reader takes."""


def utf8_start(data: bytes, encoding: str) -> int | None:
    """Where the text starts after any byte-order marks when it is UTF-8; None otherwise."""
    try:
        if codecs.lookup(encoding).name not in FAST_ENCODINGS:
            return None
    except LookupError:  # e.g. sniffing.MIXED_UTF8: decoded row by row, never from the bytes
        return None
    start = 0
    while data.startswith(codecs.BOM_UTF8, start):
        start += len(codecs.BOM_UTF8)
    return start


def _plain(data: bytes, *, start: int, n_fields: int) -> bool:
    """No quotes, no lone carriage returns, not starting with a newline, and no blank lines.

    Blank lines are looked for only in one-column files: with more columns Arrow itself
    refuses them (a blank line has one field).
    """
    if len(data) <= start or data[start] in (10, 13) or b'"' in data:
        return False
    if n_fields == 1 and (b"\n\n" in data or b"\n\r\n" in data):
        return False
    if b"\r" not in data:
        return True
    return data.count(b"\r") == data.count(b"\r\n")


def _content_end(data: bytes) -> int:
    """Length without the trailing line ends (which only end the last line)."""
    end = len(data)
    while end and data[end - 1] in (10, 13):
        end -= 1
    return end


def arrow_table_frame(data: bytes, *, start: int, delimiter: str) -> pd.DataFrame | None:
    """All rows (the header row first) as Arrow string columns ``0..n-1``, or None.

    None means: use the pandas reader (the text is not plain, or Arrow refused it, for example
    because a line has a different number of fields than the header).
    """
    head = data[start:start + HEADER_BYTES]
    first_line = head.split(b"\n", 1)[0].split(b"\r", 1)[0]
    if len(first_line) == len(head) < len(data) - start:
        return None  # a very long header line: leave it to pandas
    n_fields = first_line.count(delimiter.encode("utf-8")) + 1
    if not _plain(data, start=start, n_fields=n_fields):
        return None
    body = memoryview(data)[start:_content_end(data)]  # a view, not a copy
    names = [f"f{i}" for i in range(n_fields)]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=BLOCK_SIZE),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=False,
                                              double_quote=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.columns = range(n_fields)
    return frame
