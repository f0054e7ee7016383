"""Budgets before work: refuse a data file that would not fit in memory before reading it.

Every loader first asks this module what a file would cost:

* any file: it must be an ordinary file (a device such as ``/dev/zero``, a named pipe, a
  socket or a folder is refused by name, also behind a link), and it is read only up to the
  budget, so a file that grows, or whose size was misreported, is refused when it passes it;
* CSV and Stata: the file's size times the measured expansion of a load;
* Excel (.xlsx): the zip's declared uncompressed sizes, then a streaming scan of the shared
  strings and of every sheet (rows, cells, the longest cell), checked against Excel's
  own limits (1,048,576 rows, 16,384 columns, 32,767 characters in a cell) and the memory
  that many cells take; the zip reader itself never yields more than the declared size;
* Parquet: the metadata's row counts and uncompressed column sizes; the row groups are then
  read one batch at a time and the reading stops when the batches pass the budget.

A refusal is a ``DataError`` naming the file, what it would need and the limit.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pilot_eval.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

MEMORY_ENV = "PILOT_EVAL_AVAILABLE_MEMORY"
"""Bytes of free memory to assume instead of asking the system (tests, IT overrides)."""

# Peak memory of a load as a multiple of the file's size (benchmarks/bench_memory.py measured
# 8.1 for a 1M x 20 CSV).  Conservative: a refusal must only come when the load would really
# not fit.
TEXT_MEMORY_FACTOR = 9.0
STATA_MEMORY_FACTOR = 4.0
PARQUET_MEMORY_FACTOR = 3.0
"""Peak memory of a Parquet load as a multiple of its decoded (Arrow) size: Arrow + pandas."""

# Excel: peak memory measured on workbooks of 100,000 rows (numbers, inline text and shared
# strings) was 0.5 to 0.97 times this estimate.
EXCEL_BYTES_PER_ROW = 250
EXCEL_BYTES_PER_CELL = 120
EXCEL_SHEET_XML_FACTOR = 2.5
EXCEL_SHARED_XML_FACTOR = 6.0
EXCEL_BYTES_PER_SHARED_STRING = 100
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
MAX_CELL_XML_BYTES = EXCEL_MAX_CELL_CHARS * 10 + 4096
"""Longest run of XML text one cell can need (a character escaped as ``&#x10FFFF;`` takes 10
bytes) plus its tags: a longer run holds more than Excel allows in a cell."""
MAX_ZIP_DIRECTORY = 16 * 2**20
"""Largest zip central directory read (a real workbook's is a few kilobytes)."""
MAX_OTHER_PART = 64 * 2**20
"""Largest workbook part other than sheets and shared strings (styles, workbook, themes)."""
SCAN_CHUNK = 1 << 20


# ------------------------------------------------------------------ memory

def available_memory() -> int | None:
    """Free physical memory in bytes (psutil, else ``os.sysconf``); ``None`` when unknown."""
    override = os.environ.get(MEMORY_ENV)
    if override:
        try:
            return int(float(override))
        except ValueError:
            return None
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except (ImportError, OSError, AttributeError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # Windows without psutil: unknown
        return None


def size_text(n: float) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{max(1, round(n / 1024))} KB"


_FITS_HINT = ("Close other programs and try again, or load a smaller extract (only the columns "
              "and years you need); a Parquet copy of a large CSV also needs less memory.")


def require_memory(need: float, *, file: str, what: str, free: int | None = None) -> None:
    """Refuse when ``need`` bytes exceed the free memory (``what`` says why it is needed)."""
    free = available_memory() if free is None else free
    if free is None or need <= free:
        return
    needed, available = size_text(need), size_text(free)
    if needed == available:  # "needs about 7.5 GB, but only 7.5 GB is free" reads as a fault
        needed, available = f"{need / 1024**3:.2f} GB", f"{free / 1024**3:.2f} GB"
    raise DataError(f"the file is too large for this computer's free memory: {what}, which "
                    f"needs about {needed}, but only {available} is free",
                    file=file, hint=_FITS_HINT)


def stopped(*, file: str, what: str, at: float) -> DataError:
    """Reading was stopped at the budget: the file is larger than it looked."""
    return DataError(f"the file is too large for this computer's free memory: reading stopped "
                     f"at {size_text(at)} because {what}", file=file, hint=_FITS_HINT)


def read_limit(factor: float) -> int | None:
    """Most bytes of a file worth reading when its load takes ``factor`` times its size."""
    free = available_memory()
    return None if free is None else int(free / factor)


# ------------------------------------------------------------------ ordinary files only

_KINDS = ((stat.S_ISCHR, "a device (such as /dev/zero), not a data file"),
          (stat.S_ISBLK, "a disk device, not a data file"),
          (stat.S_ISFIFO, "a named pipe, not a data file"),
          (stat.S_ISSOCK, "a socket, not a data file"))


def regular_size(target: Path, *, file: str) -> int:
    """The size of ``target``; ``DataError`` unless it is an ordinary file (links followed)."""
    try:
        info = target.stat()
    except FileNotFoundError:
        raise DataError("the file does not exist", file=file,
                        hint="Check the name and folder; it may have been moved or renamed."
                        ) from None
    except OSError as exc:
        raise DataError(f"the file cannot be opened ({exc.strerror or exc})", file=file,
                        hint="Check the path and that you may read it.") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError("this is a folder, not a file", file=file,
                        hint="Choose a data file inside the folder.")
    if not stat.S_ISREG(info.st_mode):
        kind = next((text for test, text in _KINDS if test(info.st_mode)),
                    "not an ordinary file")
        link = ""
        if target.is_symlink():
            link = f" (it is a link to {os.path.realpath(target)})"
        raise DataError(f"this is {kind}{link}", file=file,
                        hint="Choose the CSV, Excel, Parquet or Stata file that holds the data.")
    return info.st_size


def read_within(target: Path, *, limit: int | None, file: str, need_per_byte: float) -> bytes:
    """The file's bytes, reading at most ``limit + 1`` of them (refused beyond ``limit``)."""
    try:
        with open(target, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):  # swapped since checked
                raise DataError("this is not an ordinary file", file=file,
                                hint="Choose the file that holds the data.")
            data = stream.read(-1 if limit is None else limit + 1)
    except OSError as exc:
        raise DataError(f"the file cannot be opened ({exc.strerror or exc})", file=file,
                        hint="Close it in Excel if it is open, and check you may read it."
                        ) from None
    if limit is not None and len(data) > limit:
        del data
        raise stopped(file=file, at=limit,
                      what=f"it is larger than its size said, and loading it needs "
                           f"{need_per_byte:g} times its size")
    return data


# ------------------------------------------------------------------ Excel

@dataclass(frozen=True)
class PartScan:
    """What a streaming pass over one workbook part found."""

    size: int
    rows: int
    """Rows a reader yields: the highest row number (gaps are yielded as empty rows)."""
    cells: int
    strings: int


@dataclass(frozen=True)
class WorkbookBudget:
    """What a workbook's parts unpack to: its shared strings' memory and each sheet's scan."""

    shared: int
    sheets: dict[str, PartScan]


def check_workbook(data: bytes, *, file: str) -> WorkbookBudget:
    """Check a workbook before openpyxl opens it (which parses the shared strings and, for a
    sheet without a recorded dimension, the whole sheet): the zip's structure and declared
    sizes, then a streaming scan of the shared strings and of every sheet."""
    directory = _zip_directory_size(data)
    if directory is not None and directory > MAX_ZIP_DIRECTORY:
        raise DataError(f"the workbook's table of contents is {size_text(directory)}, far more "
                        "than a workbook has", file=file, hint=_NOT_EXCEL)
    try:
        archive = zipfile.ZipFile(_bytes_io(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return WorkbookBudget(0, {})  # openpyxl gives the precise "damaged workbook" message
    with archive:
        infos = archive.infolist()
        for info in infos:
            lowered = info.filename.lower()
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise DataError(f"the workbook part {info.filename} is compressed in a way "
                                "Excel never uses", file=file, hint=_NOT_EXCEL)
            if (lowered.endswith((".xml", ".rels")) and "worksheets/" not in lowered
                    and not lowered.endswith("sharedstrings.xml")
                    and info.file_size > MAX_OTHER_PART):
                raise DataError(f"the workbook part {info.filename} is "
                                f"{size_text(info.file_size)} when unpacked, far more than "
                                "Excel writes", file=file, hint=_NOT_EXCEL)
        declared = sum(i.file_size for i in infos
                       if i.filename.lower().endswith("sharedstrings.xml"))
        require_memory(len(data) + declared * EXCEL_SHARED_XML_FACTOR, file=file,
                       what=f"its shared strings unpack to {size_text(declared)} of text")
        names = _sheet_names_by_part(archive)
        shared, sheets = 0, {}
        for info in infos:
            lowered = info.filename.lower()
            if lowered.endswith("sharedstrings.xml"):
                scan = scan_part(archive, info, file=file, what="the shared strings",
                                 element=b"si")
                shared += int(scan.size * EXCEL_SHARED_XML_FACTOR
                              + scan.strings * EXCEL_BYTES_PER_SHARED_STRING)
            elif "worksheets/" in lowered and lowered.endswith(".xml"):
                name = names.get(info.filename)
                what = f"the sheet '{name}'" if name else f"a sheet ({info.filename})"
                sheets[info.filename] = scan_part(archive, info, file=file, what=what,
                                                  element=b"c")
    require_memory(len(data) + shared, file=file,
                   what="its shared strings unpack to more text than fits")
    return WorkbookBudget(shared, sheets)


def check_sheet(budget: WorkbookBudget, part: str | None, *, file: str, sheet: str) -> int:
    """Refuse the sheet about to be read if its cells would not fit; return the most rows
    reading it may yield (``part`` is the sheet's path in the zip; when unknown, the
    workbook's largest sheet stands in)."""
    scan = budget.sheets.get(part or "")
    if scan is None:
        if not budget.sheets:
            return EXCEL_MAX_ROWS
        scan = max(budget.sheets.values(), key=lambda s: s.size)
    need = (scan.rows * EXCEL_BYTES_PER_ROW + scan.cells * EXCEL_BYTES_PER_CELL
            + scan.size * EXCEL_SHEET_XML_FACTOR + budget.shared)
    require_memory(need, file=file, what=f"the sheet '{sheet}' has {scan.rows:,} rows and "
                                         f"{scan.cells:,} filled cells")
    return scan.rows


def _sheet_names_by_part(archive: zipfile.ZipFile) -> dict[str, str]:
    """``{"xl/worksheets/sheet1.xml": "Data"}`` from the workbook's index (best effort: the
    names only make messages clearer)."""
    import posixpath
    import xml.etree.ElementTree as ElementTree

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, OSError, zipfile.BadZipFile, zlib.error,
            ValueError, EOFError, RuntimeError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names = {}
    for element in book.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rel, "")
        if target:
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            names[part] = element.get("name", "")
    return names


_NOT_EXCEL = ("It was not saved by Excel, or it is damaged; open it in Excel and save it again, "
              "or export the data as CSV.")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')


def scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: str, what: str,
              element: bytes) -> PartScan:
    """Stream one XML part: count rows and ``element`` tags, refuse Excel-impossible sizes.

    Refuses more than 1,048,576 rows (or a dimension beyond Excel's rows and columns), and a
    cell (or shared string) whose XML is longer than ``MAX_CELL_XML_BYTES``.  The counts are
    of the bytes really unpacked, so a sheet's declared dimension cannot hide them.
    """
    rows = cells = last_row = 0
    prefix = b""
    carry = b""
    last_element = None
    offset = 0
    first = True
    for chunk in _chunks(archive, info, file=file):
        buffer = carry + chunk
        if first:
            prefix = _prefix(buffer)
            _check_dimension(buffer, file=file, what=what)
            first = False
        cut = buffer.rfind(b"<")
        if cut <= 0:
            cut = len(buffer) if cut < 0 else 0
        part, carry = buffer[:cut], buffer[cut:]
        if len(carry) > MAX_CELL_XML_BYTES:
            raise _cell_too_long(file=file, what=what)
        _check_text_runs(part, file=file, what=what)
        rows += _count_tags(part, prefix + b"row")
        last_row = max(last_row, rows, _last_row_number(part, prefix))
        starts = _tag_starts(part, prefix + element)
        cells += len(starts)
        if last_row > EXCEL_MAX_ROWS:
            raise DataError(f"{what} has more than {EXCEL_MAX_ROWS:,} rows, more than Excel "
                            "allows", file=file, hint=_NOT_EXCEL)
        if starts:
            first_start = offset + starts[0]
            if last_element is not None and first_start - last_element > MAX_CELL_XML_BYTES:
                raise _cell_too_long(file=file, what=what)
            spans = [b - a for a, b in zip(starts, starts[1:], strict=False)]
            if spans and max(spans) > MAX_CELL_XML_BYTES:
                raise _cell_too_long(file=file, what=what)
            last_element = offset + starts[-1]
        offset += len(part)
    end = offset + len(carry)
    if element == b"si" and last_element is not None and end - last_element > MAX_CELL_XML_BYTES:
        raise _cell_too_long(file=file, what=what)  # the last shared string, up to </sst>
    return PartScan(size=info.file_size, rows=last_row, cells=cells if element == b"c" else 0,
                    strings=cells if element == b"si" else 0)


def _cell_too_long(*, file: str, what: str) -> DataError:
    return DataError(f"a cell in {what} holds more than {EXCEL_MAX_CELL_CHARS:,} characters, "
                     "more than Excel allows in a cell", file=file, hint=_NOT_EXCEL)


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: str) -> Iterator[bytes]:
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            RuntimeError) as exc:
        raise DataError(f"the Excel workbook is damaged ({type(exc).__name__}: {exc})",
                        file=file, hint="Open it in Excel, repair it if asked, and save it "
                        "again as .xlsx.") from None


def _prefix(head: bytes) -> bytes:
    """The namespace prefix of the root element (``b"x:"`` for ``<x:worksheet>``), or b""."""
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?(worksheet|sst)[\s>]", head)
    return match.group(1) or b"" if match else b""


def _check_dimension(head: bytes, *, file: str, what: str) -> None:
    match = _DIMENSION.search(head[:SCAN_CHUNK])
    if not match:
        return
    letters, number = match.group(1).decode(), int(match.group(2))
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    if number > EXCEL_MAX_ROWS or column > EXCEL_MAX_COLUMNS:
        raise DataError(f"{what} says it spans {letters}{number}, beyond Excel's "
                        f"{EXCEL_MAX_ROWS:,} rows and {EXCEL_MAX_COLUMNS:,} columns",
                        file=file, hint=_NOT_EXCEL)


def _count_tags(part: bytes, name: bytes) -> int:
    return sum(part.count(b"<" + name + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))


_ROW_NUMBER = re.compile(rb'\sr="(\d{1,12})"')


def _last_row_number(part: bytes, prefix: bytes) -> int:
    """The row number (``r="..."``) of the last row tag in ``part`` (rows come in order)."""
    start = part.rfind(b"<" + prefix + b"row")
    if start < 0:
        return 0
    end = part.find(b">", start)
    match = _ROW_NUMBER.search(part, start, end if end > 0 else len(part))
    return int(match.group(1)) if match else 0


def _tag_starts(part: bytes, name: bytes) -> list[int]:
    pattern = re.compile(b"<" + re.escape(name) + rb"[\s/>]")
    return [m.start() for m in pattern.finditer(part)]


def _check_text_runs(part: bytes, *, file: str, what: str) -> None:
    """No run of bytes between two ``<`` may be longer than one cell can be."""
    if len(part) <= MAX_CELL_XML_BYTES:
        return
    import numpy as np

    positions = np.flatnonzero(np.frombuffer(part, dtype=np.uint8) == 60)
    bounds = np.concatenate(([0], positions, [len(part)]))
    if int(np.diff(bounds).max()) > MAX_CELL_XML_BYTES:
        raise _cell_too_long(file=file, what=what)


def _zip_directory_size(data: bytes) -> int | None:
    """The central directory's size from the end-of-directory record, or None if not found."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_558))
    if end < 0 or end + 22 > len(data):
        return None
    return int.from_bytes(data[end + 12:end + 16], "little")


def _bytes_io(data: bytes) -> BinaryIO:
    import io

    return io.BytesIO(data)


# ------------------------------------------------------------------ Parquet

def read_parquet_within(data: bytes, *, file: str) -> pd.DataFrame:
    """The Parquet file as a pandas frame, refused up front from its metadata and stopped when
    the decoded batches pass the budget (should the metadata understate them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(pa.BufferReader(data))
    metadata = parquet.metadata
    decoded = 0
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        decoded += max(row_group.total_byte_size, 8 * row_group.num_rows
                       * row_group.num_columns)
    require_memory(len(data) + decoded * PARQUET_MEMORY_FACTOR, file=file,
                   what=f"it holds {metadata.num_rows:,} rows x {metadata.num_columns} columns")
    free = available_memory()
    limit = None if free is None else (free - len(data)) / PARQUET_MEMORY_FACTOR
    batches: list = []
    seen = 0
    for batch in parquet.iter_batches(batch_size=65_536, use_pandas_metadata=True):
        seen += batch.nbytes
        if limit is not None and seen > limit:
            del batches
            raise stopped(file=file, at=limit, what="its data unpacks to more than its "
                                                    "metadata said")
        batches.append(batch)
    table = pa.Table.from_batches(batches, schema=parquet.schema_arrow)
    del batches
    return table.to_pandas()


# ------------------------------------------------------------------ Stata

def read_stata_within(data: bytes, *, file: str) -> pd.DataFrame:
    """The Stata file as a pandas frame, read in chunks that stop at the budget."""
    import io

    import pandas as pd

    free = available_memory()
    limit = None if free is None else (free - len(data)) / STATA_MEMORY_FACTOR
    chunks: list[pd.DataFrame] = []
    seen = 0
    with pd.read_stata(io.BytesIO(data), convert_categoricals=False, iterator=True,
                       chunksize=100_000) as reader:
        for chunk in reader:
            seen += int(chunk.memory_usage(deep=True).sum())
            if limit is not None and seen > limit:
                del chunks
                raise stopped(file=file, at=limit,
                              what="its rows take more memory than its size suggested")
            chunks.append(chunk)
    if not chunks:
        with pd.read_stata(io.BytesIO(data), convert_categoricals=False,
                           iterator=True) as reader:
            return reader.read()
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def sheet_part(worksheet: object) -> str | None:
    """The zip path of a read-only worksheet, or None if this openpyxl hides it."""
    part = getattr(worksheet, "_worksheet_path", None)
    return part if isinstance(part, str) else None


__all__ = ["MEMORY_ENV", "TEXT_MEMORY_FACTOR", "WorkbookBudget", "available_memory",
           "check_sheet", "check_workbook", "read_parquet_within", "read_stata_within", "read_within",
           "regular_size", "require_memory", "size_text"]
