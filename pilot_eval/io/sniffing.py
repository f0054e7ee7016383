"""Recognise what a file is before parsing it: signatures, text encodings and delimiters.

No extra dependency: the encoding is found from the byte-order mark first, then by trying strict
UTF-8, then Windows-1252 (what Excel on Windows writes for "CSV").  Delimiters are chosen by
counting fields per line for each candidate and keeping the one whose count agrees with the
header on the most lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from pilot_eval.errors import DataError

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Candidate delimiters, in order of preference when the evidence is tied."""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PAR1", "parquet"),
    (b"<stata_dta>", "stata"),
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"),
)

_SIGNATURE_HINTS = {
    "zip": ("this is an Excel workbook, not a text file", "Rename it to .xlsx and load it again."),
    "ole": ("this is an old-style Excel workbook (.xls) or a password-protected workbook",
            "Open it in Excel, remove any password and save it as .xlsx or CSV."),
    "parquet": ("this is a Parquet file, not a text file", "Rename it to .parquet."),
    "stata": ("this is a Stata data file, not a text file", "Rename it to .dta."),
    "pdf": ("this is a PDF document, not a data table",
            "Export the table from its source as CSV or Excel instead."),
    "gzip": ("this is a compressed (gzip) file", "Decompress it first."),
}


def file_signature(head: bytes) -> str | None:
    """Name the container format from the first bytes (``"zip"``, ``"ole"``...), or None."""
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return None


def refuse_signature(head: bytes, *, file: str, expected: str) -> None:
    """Raise ``DataError`` if the bytes start with a signature other than ``expected``.

    ``head`` should be the first few kilobytes: a zip's entry names tell a workbook (``xl/``)
    from a Word document or another archive.
    """
    found = file_signature(head)
    if found is None or found == expected:
        return
    message, hint = _SIGNATURE_HINTS[found]
    if found == "zip" and b"xl/" in head:
        message = "this is an Excel workbook, not a text file"
    elif found == "zip" and b"word/" in head:
        message, hint = "this is a Word document, not a data table", (
            "Copy the table into Excel and save it as .xlsx or CSV.")
    elif found == "zip":
        message, hint = "this is a zip archive, not a text file", (
            "Unzip it and choose the data file inside (or, if it is a workbook, rename it "
            "to .xlsx).")
    raise DataError(message, file=file, hint=hint)


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from a file, with the Python codec name that decoded it."""

    text: str
    encoding: str


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_binary(text: str) -> bool:
    """True when the text holds NUL bytes or many control characters (not a table)."""
    if "\x00" in text:
        return True
    sample = text[:20000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return controls > max(2, len(sample) // 100)


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when mostly-ASCII text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes, *, file: str, encoding: str | None = None) -> DecodedText:
    """Decode file bytes: the given encoding, else BOM, strict UTF-8, then Windows-1252.

    UTF-16 without a byte-order mark is recognised by its NUL bytes (every other byte of
    mostly-ASCII text).

    Raises
    ------
    DataError
        If the bytes cannot be decoded or look like a binary file rather than text.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(
                f"the encoding {encoding!r} is not known", file=file,
                hint="Leave the encoding empty to detect it, or use utf-8, utf-16 or cp1252.",
            ) from None
        try:
            text = data.decode(encoding)
        except UnicodeError as exc:
            raise DataError(
                f"the file cannot be read as {encoding} (byte {exc.args[2]} does not fit)",
                file=file,
                hint="Leave the encoding empty to detect it automatically.",
            ) from None
        decoded = DecodedText(text.lstrip("\ufeff"), encoding)
    else:
        decoded = _detect(data, file=file)
    if _looks_binary(decoded.text):
        raise DataError(
            "the file looks like binary data, not a text table",
            file=file,
            hint="Choose the CSV, Excel, Parquet or Stata file that holds the data.",
        )
    return decoded


def _binary_bytes(data: bytes) -> bool:
    """NUL or other control bytes early in a file without a BOM: not text in any 8-bit or
    UTF-8 encoding (UTF-16 without a BOM is recognised before this is asked)."""
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in sample or controls > max(2, len(sample) // 100)


def _detect(data: bytes, *, file: str) -> DecodedText:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(codec).lstrip("\ufeff"), codec)
            except UnicodeError:
                raise DataError(
                    f"the file starts with a {codec} byte-order mark but is not valid {codec}",
                    file=file,
                    hint="Re-save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
                ) from None
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        try:
            return DecodedText(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    if _binary_bytes(data):
        raise DataError("the file looks like binary data, not a text table", file=file,
                        hint="Choose the CSV, Excel, Parquet or Stata file that holds the data.")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"the text encoding is not UTF-8, UTF-16 or Windows-1252 (byte {exc.start} "
            "does not fit any of them); it may not be a text file",
            file=file,
            hint="Re-save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
        ) from None


SNIFF_CHARACTERS = 1 << 16
"""Characters of text first inspected for the delimiter (more if the lines are long)."""


def _lines(text: str, limit: int = 200) -> list[str]:
    """The first ``limit`` non-blank lines (reading a growing prefix, never copying the file)."""
    size = SNIFF_CHARACTERS
    while True:
        prefix = text[:size]
        whole = len(prefix) == len(text)
        lines = []
        for line in io.StringIO(prefix):
            if not whole and not line.endswith("\n"):
                break  # cut off by the prefix: read a longer one
            if line.strip():
                lines.append(line.rstrip("\r\n"))
            if len(lines) >= limit:
                return lines
        if whole:
            return lines
        size *= 4


def _field_counts(lines: list[str], delimiter: str) -> list[int]:
    try:
        return [len(row) for row in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        return []


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter (``,`` ``;`` tab ``|``) whose field count agrees with the header.

    Score = number of lines whose field count equals the header's, for delimiters that split
    the header into at least two fields.  A single-column file gets ``","``.
    """
    lines = _lines(text)
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = _field_counts(lines, delimiter)
        if not counts or counts[0] < 2:
            continue
        agree = sum(1 for c in counts if c == counts[0])
        score = (agree, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


_COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$")
_POINT_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d*)\.\d+$")


def sniff_decimal(cells: list[str], *, delimiter: str) -> str:
    """Return ``","`` when the cells use decimal commas (only possible if the delimiter isn't one).

    Cells such as ``1,5`` or ``1.234,5`` vote for a comma; ``1.5`` or ``1,234.5`` for a point.
    """
    if delimiter == ",":
        return "."
    comma = sum(1 for c in cells if _COMMA_DECIMAL.match(c))
    point = sum(1 for c in cells if _POINT_DECIMAL.match(c))
    return "," if comma > point else "."
