"""A fast path for plain UTF-8 CSV text: Arrow's multi-threaded reader, every cell as a string.

``arrow_table_frame`` returns the same cells the pandas reader in ``tables.py`` would (header row
first, every value as text), but as Arrow-backed string columns, so that cleaning
(``cells.clean_text_column``) works on the Arrow arrays without any Python objects.  It takes
only files whose reading cannot differ from the pandas reader's: UTF-8, no quote characters,
no blank lines, no lone carriage returns, the same number of fields on every line.  For anything
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


def utf8_payload(data: bytes, encoding: str) -> bytes | None:
    """The file's bytes without leading byte-order marks when they are UTF-8, else None."""
    if codecs.lookup(encoding).name not in FAST_ENCODINGS:
        return None
    start = 0
    while data.startswith(codecs.BOM_UTF8, start):
        start += len(codecs.BOM_UTF8)
    return data[start:] if start else data


def _plain(payload: bytes) -> bool:
    """No quotes, no blank lines, no lone carriage returns, and not starting with a newline."""
    if not payload or payload[:1] in (b"\n", b"\r"):
        return False
    if b'"' in payload or b"\n\n" in payload:
        return False
    if b"\r" not in payload:
        return True
    return b"\n\r\n" not in payload and payload.count(b"\r") == payload.count(b"\r\n")


def arrow_table_frame(payload: bytes, *, delimiter: str) -> pd.DataFrame | None:
    """All rows (the header row first) as Arrow string columns ``0..n-1``, or None.

    None means: use the pandas reader (the text is not plain, or Arrow refused it, for example
    because a line has a different number of fields than the header).
    """
    if not _plain(payload):
        return None
    body = payload.rstrip(b"\r\n")  # trailing newlines only end the last line
    first_line = body.split(b"\n", 1)[0].rstrip(b"\r")
    n_fields = first_line.count(delimiter.encode("utf-8")) + 1
    names = [f"f{i}" for i in range(n_fields)]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(body),
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
