"""The streaming scan of one workbook part (a sheet or the shared strings) for ``io/budget.py``.

The scan unpacks the part a few megabytes at a time and, for each piece, counts its
``<row ...>`` and ``<c ...>`` (or ``<si ...>``) start tags and checks that no run of bytes
between two ``<``, or between two starts of a cell, is longer than one cell may be.  It
must keep up with the unpacking on a sheet of 60 million cells, so nothing here makes a
Python object per tag: candidates are found with numpy on two-byte windows, text runs with
``bytes.rfind`` jumps of nearly the limit, and a deflated part is unpacked with ``zlib``
straight from the workbook's bytes (the zip module's reader copies every piece twice and
sums its checksum; openpyxl checks that checksum when it reads the part).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from pilot_eval.errors import DataError

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
MAX_CELL_XML_BYTES = EXCEL_MAX_CELL_CHARS * 10 + 4096
"""Longest run of XML text one cell can need (a character escaped as ``&#x10FFFF;`` takes 10
bytes) plus its tags: a longer run holds more than Excel allows in a cell."""
SCAN_CHUNK = 4 << 20
"""Most bytes of a part unpacked at a time."""
DEFLATED_INPUT = 1 << 18
"""Compressed bytes handed to zlib at a time (a small piece keeps its unused tail small)."""
DIMENSION_WINDOW = 1 << 20
"""The sheet's dimension is looked for in its first megabyte (it comes before the cells)."""
ROW_ENDS = b" >/\t\n\r"
"""The bytes that may follow ``<row`` (what the scan has always counted)."""
ELEMENT_ENDS = b" \t\n\r\x0b\x0c/>"
"""The bytes that may follow ``<c`` or ``<si`` (a regular expression's ``[\\s/>]``)."""
NOT_EXCEL = ("It was not saved by Excel, or it is damaged; open it in Excel and save it again, "
             "or export the data as CSV.")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')
_ROW_NUMBER = re.compile(rb'\sr="(\d{1,12})"')


@dataclass(frozen=True)
class PartScan:
    """What a streaming pass over one workbook part found."""

    size: int
    rows: int
    """Rows a reader yields: the highest row number (gaps are yielded as empty rows)."""
    cells: int
    strings: int
    read: int | None = None
    """Bytes unpacked when the scan stopped because the part already needed more memory than
    was free (0: its declared size alone did); the counts are then of those bytes only and
    the part cannot be read.  ``None``: the whole part was scanned."""


def scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: str, what: str,
              element: bytes, stop: Callable[[int, int, int], bool] | None = None,
              source: bytes | None = None) -> PartScan:
    """Stream one XML part: count rows and ``element`` tags, refuse Excel-impossible sizes.

    Refuses more than 1,048,576 rows (or a dimension beyond Excel's rows and columns), and a
    cell (or shared string) whose XML is longer than ``MAX_CELL_XML_BYTES``.  The counts are
    of the bytes really unpacked, so a sheet's declared dimension cannot hide them.  After
    each piece, ``stop(bytes unpacked, rows, elements)`` may end the scan early: the result
    then says how far it got (``PartScan.read``).  ``source``: the workbook's bytes, for the
    fast reader of deflated parts.
    """
    rows = cells = last_row = 0
    prefix = carry = b""
    last_element = None
    offset = 0
    first = True
    for pieces in _chunks(archive, info, file=file, source=source):
        buffer = b"".join((carry, *pieces))  # one copy: the piece ends where a tag may not
        del pieces
        if first:
            prefix = _prefix(buffer)
            _check_dimension(buffer, file=file, what=what)
            first = False
        # the piece scanned ends before its last "<" (which may open a tag cut in two): the
        # rest is carried into the next piece (all of it when there is no "<")
        cut = max(buffer.rfind(b"<"), 0)
        carry = buffer[cut:]
        if len(carry) > MAX_CELL_XML_BYTES or text_run_exceeds(buffer, MAX_CELL_XML_BYTES,
                                                               end=cut):
            raise _cell_too_long(file=file, what=what)
        row_starts = tag_starts(buffer, b"<" + prefix + b"row", ROW_ENDS, end=cut)
        rows += len(row_starts)
        if len(row_starts):
            last_row = max(last_row, rows, _row_number(buffer, int(row_starts[-1]), end=cut))
        starts = tag_starts(buffer, b"<" + prefix + element, ELEMENT_ENDS, end=cut)
        cells += len(starts)
        if last_row > EXCEL_MAX_ROWS:
            raise DataError(f"{what} has more than {EXCEL_MAX_ROWS:,} rows, more than Excel "
                            "allows", file=file, hint=NOT_EXCEL)
        before = None if last_element is None else last_element - offset
        if longest_gap_exceeds(starts, MAX_CELL_XML_BYTES, before=before):
            raise _cell_too_long(file=file, what=what)
        if len(starts):
            last_element = offset + int(starts[-1])
        offset += cut
        del buffer
        if stop is not None and stop(offset + len(carry), last_row, cells):
            return _part_scan(info, element, last_row, cells, read=offset + len(carry))
    end = offset + len(carry)
    if element == b"si" and last_element is not None and end - last_element > MAX_CELL_XML_BYTES:
        raise _cell_too_long(file=file, what=what)  # the last shared string, up to </sst>
    return _part_scan(info, element, last_row, cells)


def _part_scan(info: zipfile.ZipInfo, element: bytes, rows: int, count: int, *,
               read: int | None = None) -> PartScan:
    return PartScan(size=info.file_size, rows=rows, cells=count if element == b"c" else 0,
                    strings=count if element == b"si" else 0, read=read)


def _cell_too_long(*, file: str, what: str) -> DataError:
    return DataError(f"a cell in {what} holds more than {EXCEL_MAX_CELL_CHARS:,} characters, "
                     "more than Excel allows in a cell", file=file, hint=NOT_EXCEL)


# ------------------------------------------------------------------ unpacking

def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: str,
            source: bytes | None = None) -> Iterator[list[bytes]]:
    """The part's bytes, about ``SCAN_CHUNK`` at a time (each time as a list of pieces, which
    the scan joins to what it carries over), never more than its declared size."""
    span = None if source is None else deflated_span(source, info)
    try:
        if span is None or source is None:  # stored, encrypted or unusual: the zip module
            with archive.open(info) as stream:  # reads (or refuses) it
                while chunk := stream.read(SCAN_CHUNK):
                    yield [chunk]
        else:
            yield from inflate(memoryview(source)[span[0]:span[1]], info.file_size)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            RuntimeError) as exc:
        raise DataError(f"the Excel workbook is damaged ({type(exc).__name__}: {exc})",
                        file=file, hint="Open it in Excel, repair it if asked, and save it "
                        "again as .xlsx.") from None


def deflated_span(source: bytes, info: zipfile.ZipInfo) -> tuple[int, int] | None:
    """Where ``info``'s deflated bytes lie in ``source`` (after its local header), or None
    when the part is not plainly deflated or its local header does not match the directory
    (the zip module then reads it, and refuses what is wrong)."""
    at = info.header_offset
    if (info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1
            or at < 0 or at + 30 > len(source) or source[at:at + 4] != b"PK\x03\x04"):
        return None
    name_length, extra_length = struct.unpack("<HH", source[at + 26:at + 30])
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    try:
        name = info.orig_filename.encode(encoding)
    except UnicodeEncodeError:
        return None
    start = at + 30 + name_length + extra_length
    end = start + info.compress_size
    if source[at + 30:at + 30 + name_length] != name or end > len(source):
        return None
    return start, end


def inflate(deflated: memoryview, size: int) -> Iterator[list[bytes]]:
    """Unpack a raw deflate stream, yielding lists of pieces of ``SCAN_CHUNK`` bytes in all
    (the last may be fewer); ``ValueError`` as soon as it unpacks to more than ``size`` bytes (the part's
    declared size: the zip module stops there and refuses the part's checksum) or when its
    compressed bytes end before the stream does."""
    if size == 0:
        return  # as the zip module: nothing to read
    unpacker = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = taken = held = 0
    pending: bytes | memoryview = b""
    pieces: list[bytes] = []
    while not unpacker.eof:
        if not pending:
            pending = deflated[taken:taken + DEFLATED_INPUT]
            taken += len(pending)
            if not pending:
                raise ValueError("the part ends before its compressed data does")
        piece = unpacker.decompress(pending, min(SCAN_CHUNK, size - produced + 1))
        pending = unpacker.unconsumed_tail
        produced += len(piece)
        if produced > size:
            raise ValueError(f"the part unpacks to more than its declared {size:,} bytes")
        pieces.append(piece)
        held += len(piece)
        if held >= SCAN_CHUNK:
            yield pieces
            pieces, held = [], 0
    if held:
        yield pieces


# ------------------------------------------------------------------ counting

def tag_starts(data: bytes, tag: bytes, ends: bytes, *, end: int | None = None) -> np.ndarray:
    """The sorted offsets in ``data[:end]`` where ``tag`` (``b"<c"``, ``b"<x:row"``...) starts
    and is followed, before ``end``, by one of the bytes ``ends``.

    Candidates are the places where a two-byte window of the tag matches (its ``<`` and first
    letter, or for a prefixed tag its last two bytes, which are rarer than ``<x``); each is
    then checked byte by byte.  A tag starting with ``<`` cannot overlap itself, so these
    are also the starts a left-to-right search finds.
    """
    n = len(data) if end is None else end
    if n < len(tag) + 1:
        return np.empty(0, dtype=np.intp)
    shift = 0 if b":" not in tag else len(tag) - 2
    key = tag[shift] | tag[shift + 1] << 8
    even = np.flatnonzero(np.frombuffer(data, dtype="<u2", count=n // 2) == key)
    odd = np.flatnonzero(np.frombuffer(data, dtype="<u2", offset=1, count=(n - 1) // 2) == key)
    even <<= 1
    odd <<= 1
    odd += 1
    starts = np.concatenate((even, odd))
    starts.sort(kind="stable")
    if shift:
        starts -= shift
        starts = starts[np.searchsorted(starts, 0):]
    starts = starts[:np.searchsorted(starts, n - len(tag))]  # the end byte lies before n
    bytes_ = np.frombuffer(data, dtype=np.uint8, count=n)
    allowed = np.zeros(256, dtype=bool)
    allowed[list(ends)] = True
    keep = allowed[bytes_[starts + len(tag)]]
    for k, byte in enumerate(tag):
        if not shift <= k < shift + 2:  # the window's two bytes matched already
            keep &= bytes_[starts + k] == byte
    return starts[keep]


def longest_gap_exceeds(starts: np.ndarray, limit: int, *, before: int | None = None) -> bool:
    """Whether two consecutive offsets of ``starts`` (after ``before``, the last offset of the
    previous piece, on the same scale) lie more than ``limit`` apart."""
    if len(starts) == 0:
        return False
    if before is not None and int(starts[0]) - before > limit:
        return True
    return len(starts) > 1 and int(np.diff(starts).max()) > limit


def text_run_exceeds(data: bytes, limit: int, *, end: int | None = None) -> bool:
    """Whether, in ``data[:end]``, a run of bytes between two ``<`` -- or from the start to the
    first ``<``, or from the last ``<`` to ``end`` -- is longer than ``limit``.

    From each ``<`` it jumps to the farthest ``<`` within ``limit`` bytes (a backward
    search that stops at once in XML): a longer run cannot be jumped, and two jumps always
    advance more than ``limit``, so a megabyte takes a handful of searches.
    """
    at = 0
    end = len(data) if end is None else end
    while end - at > limit:
        farthest = data.rfind(b"<", at + 1, at + limit + 1)
        if farthest < 0:
            return True
        at = farthest
    return False


# ------------------------------------------------------------------ the head of a part

def _prefix(head: bytes) -> bytes:
    """The namespace prefix of the root element (``b"x:"`` for ``<x:worksheet>``), or b""."""
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?(worksheet|sst)[\s>]", head)
    return match.group(1) or b"" if match else b""


def _check_dimension(head: bytes, *, file: str, what: str) -> None:
    match = _DIMENSION.search(head[:DIMENSION_WINDOW])
    if not match:
        return
    letters, number = match.group(1).decode(), int(match.group(2))
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    if number > EXCEL_MAX_ROWS or column > EXCEL_MAX_COLUMNS:
        raise DataError(f"{what} says it spans {letters}{number}, beyond Excel's "
                        f"{EXCEL_MAX_ROWS:,} rows and {EXCEL_MAX_COLUMNS:,} columns",
                        file=file, hint=NOT_EXCEL)


def _row_number(data: bytes, start: int, *, end: int) -> int:
    """The row number (``r="..."``) of the row tag at ``start`` (0 if it has none), looked
    for up to the tag's ``>`` (or ``end``)."""
    close = data.find(b">", start, end)
    match = _ROW_NUMBER.search(data, start, close if close > 0 else end)
    return int(match.group(1)) if match else 0
