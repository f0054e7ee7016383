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


MIXED_UTF8 = "utf-8+cp1252"
"""The encoding recorded for a UTF-8 file some of whose rows are Windows-1252 (each row is
decoded in the encoding it is valid in; the rows read as Windows-1252 are named)."""


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from a file, with the codec name that decoded it (``MIXED_UTF8`` for a
    file mixing UTF-8 and Windows-1252 rows) and what the user should know about it."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()


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
    if encoding == MIXED_UTF8:
        decoded = _mixed(data, start=_bom_length(data), file=file) or _detect(data, file=file)
    elif encoding is not None:
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
            rows = _invalid_lines(data, encoding)
            where = (f"byte {exc.args[2]} is" if not rows else
                     "this row is" if len(rows) == 1 else "these rows are")
            raise DataError(
                f"the file cannot be read as {encoding}: {where} not valid {encoding}",
                file=file,
                rows=rows, hint="Leave the encoding empty to detect it (rows in another "
                "encoding are then read as Windows-1252 and named), or save the file from "
                "Excel as 'CSV UTF-8'.") from None
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
                mixed = _mixed(data, start=len(bom), file=file) if codec == "utf-8-sig" \
                    else None
                if mixed is not None:
                    return mixed
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
    mixed = _mixed(data, start=0, file=file)
    if mixed is not None:
        return mixed
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"the text encoding is not UTF-8, UTF-16 or Windows-1252 (byte {exc.start} "
            "does not fit any of them); it may not be a text file",
            file=file,
            hint="Re-save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
        ) from None


_ESCAPED = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_WORD = re.compile(r"[^\s,;|\"]*[^\x00-\x7f][^\s,;|\"]*")


def _bom_length(data: bytes) -> int:
    return len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0


def _invalid_lines(data: bytes, encoding: str) -> list[int]:
    """1-based numbers of the lines holding bytes that are not valid ``encoding``."""
    try:
        text = data.decode(encoding, errors="surrogateescape")
    except (UnicodeError, LookupError):
        return []
    return [n for n, line in enumerate(text.split("\n"), start=1) if _ESCAPED.search(line)]


def _mixed(data: bytes, *, start: int, file: str) -> DecodedText | None:
    """Decode a UTF-8 file some of whose lines are Windows-1252, line by line; None when no
    line holds valid non-ASCII UTF-8 (then the file is Windows-1252 as a whole)."""
    body = data[start:]
    text = body.decode("utf-8", errors="surrogateescape")
    if not _VALID_NON_ASCII.search(text) or not _ESCAPED.search(text):
        return None
    lines = body.split(b"\n")
    bad = [i for i, line in enumerate(text.split("\n")) if _ESCAPED.search(line)]
    bad_set = set(bad)
    parts = []
    for index, line in enumerate(lines):
        if index in bad_set:
            try:
                parts.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                parts.append(line.decode("latin-1"))
        else:
            parts.append(line.decode("utf-8"))
    rows = [i + 1 for i in bad]
    example = _WORD.search(parts[bad[0]])
    shown = f" (such as '{example.group(0)[:40]}')" if example else ""
    note = (f"{_rows_phrase(rows)} of {file.replace(chr(92), '/').rsplit('/', 1)[-1]} "
            f"{'is' if len(rows) == 1 else 'are'} not valid UTF-8, unlike the rest of the "
            f"file: {'it was' if len(rows) == 1 else 'they were'} read as Windows-1252"
            f"{shown}. Check {'it' if len(rows) == 1 else 'them'}; saving the file from Excel "
            "as 'CSV UTF-8' avoids this.")
    return DecodedText("\n".join(parts), MIXED_UTF8, (note,))


def _rows_phrase(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"Row{'s' if len(rows) > 1 else ''} {shown}{more}"


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
AMBIGUOUS = {",": re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$"),
             ".": re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")}
"""``1,700`` or ``1.700``: a thousands separator (1700) or a decimal mark (1.7); a lone cell
cannot tell (``0,125`` can: a thousands group never starts with 0)."""
_DECIMAL_PATTERNS = {",": _COMMA_DECIMAL, ".": _POINT_DECIMAL}


def sniff_decimal(cells: list[str], *, delimiter: str) -> str:
    """Return ``","`` when the cells use decimal commas (only possible if the delimiter isn't one).

    Cells such as ``1,5`` or ``1.234,5`` vote for a comma; ``1.5`` or ``1,234.5`` for a point.
    Cells such as ``1,700`` or ``1.700`` (one mark, exactly three digits after it) do not vote:
    they read either way.  With no other evidence the point is the decimal mark, and the loader
    says which reading it took for such columns (``pilot_eval.io.ambiguity``).
    """
    if delimiter == ",":
        return "."
    comma = sum(1 for c in cells if decimal_evidence(c, ","))
    point = sum(1 for c in cells if decimal_evidence(c, "."))
    return "," if comma > point else "."


def decimal_evidence(cell: str, mark: str) -> bool:
    """Whether ``cell`` can only be read with ``mark`` as the decimal mark."""
    return bool(_DECIMAL_PATTERNS[mark].match(cell)) and not AMBIGUOUS[mark].match(cell)
