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
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pilot_eval.errors import DataError
from pilot_eval.io.part_scan import (
    EXCEL_MAX_CELL_CHARS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    MAX_CELL_XML_BYTES,
    NOT_EXCEL,
    PartScan,
    scan_part,
)

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
MAX_ZIP_DIRECTORY = 16 * 2**20
"""Largest zip central directory read (a real workbook's is a few kilobytes)."""
MAX_OTHER_PART = 64 * 2**20
"""Largest workbook part other than sheets and shared strings (styles, workbook, themes)."""


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
    raise too_large(need, free, file=file, what=what)


def too_large(need: float, free: int, *, file: str, what: str, more: bool = False) -> DataError:
    """The refusal of a load that needs ``need`` bytes (``more``: at least) with ``free`` free."""
    needed, available = size_text(need), size_text(free)
    if needed == available:  # "needs about 7.5 GB, but only 7.5 GB is free" reads as a fault
        needed, available = f"{need / 1024**3:.2f} GB", f"{free / 1024**3:.2f} GB"
    amount = f"more than {needed}" if more else f"about {needed}"
    return DataError(f"the file is too large for this computer's free memory: {what}, which "
                     f"needs {amount}, but only {available} is free", file=file,
                     hint=_FITS_HINT)


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
class WorkbookBudget:
    """What a workbook's parts unpack to: its shared strings' memory and each sheet's scan."""

    shared: int
    sheets: dict[str, PartScan]
    free: int | None = None
    """The free memory the sheets were scanned against (``None``: unknown, no limit)."""


def sheet_need(rows: int, cells: int, xml_bytes: int, shared: float) -> float:
    """Memory that reading a sheet takes: its rows, its cells, its XML and the shared strings."""
    return (rows * EXCEL_BYTES_PER_ROW + cells * EXCEL_BYTES_PER_CELL
            + xml_bytes * EXCEL_SHEET_XML_FACTOR + shared)


def check_workbook(data: bytes, *, file: str) -> WorkbookBudget:
    """Check a workbook before openpyxl opens it (which parses the shared strings and, for a
    sheet without a recorded dimension, the whole sheet): the zip's structure and declared
    sizes, then a streaming scan of the shared strings and of every sheet.

    The scan keeps the memory a part needs as it goes and stops as soon as that passes the
    free memory: shared strings that do not fit are refused at once (openpyxl reads them to
    open any sheet); a sheet that does not fit is recorded as such (``PartScan.read``) and
    refused when it is asked for, or at once when no sheet of the workbook fits.  The
    declared sizes only ever refuse (a zip can understate them; the scan counts what really
    unpacks)."""
    directory = _zip_directory_size(data)
    if directory is not None and directory > MAX_ZIP_DIRECTORY:
        raise DataError(f"the workbook's table of contents is {size_text(directory)}, far more "
                        "than a workbook has", file=file, hint=NOT_EXCEL)
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
                                "Excel never uses", file=file, hint=NOT_EXCEL)
            if (lowered.endswith((".xml", ".rels")) and "worksheets/" not in lowered
                    and not lowered.endswith("sharedstrings.xml")
                    and info.file_size > MAX_OTHER_PART):
                raise DataError(f"the workbook part {info.filename} is "
                                f"{size_text(info.file_size)} when unpacked, far more than "
                                "Excel writes", file=file, hint=NOT_EXCEL)
        strings = [i for i in infos if i.filename.lower().endswith("sharedstrings.xml")]
        sheets = [i for i in infos if "worksheets/" in i.filename.lower()
                  and i.filename.lower().endswith(".xml")]
        declared = sum(i.file_size for i in strings)
        require_memory(len(data) + declared * EXCEL_SHARED_XML_FACTOR, file=file,
                       what=f"its shared strings unpack to {size_text(declared)} of text")
        names = _sheet_names_by_part(archive)

        def what(info: zipfile.ZipInfo) -> str:
            name = names.get(info.filename)
            return f"the sheet '{name}'" if name else f"a sheet ({info.filename})"

        free = available_memory()
        lower_bound = declared * EXCEL_SHARED_XML_FACTOR
        if free is not None and sheets and all(
                sheet_need(0, 0, i.file_size, lower_bound) > free for i in sheets):
            smallest = min(sheets, key=lambda i: i.file_size)
            raise _sheet_too_large(PartScan(smallest.file_size, 0, 0, 0, read=0),
                                   shared=int(lower_bound), free=free, file=file,
                                   what=what(smallest))
        shared = _scan_shared_strings(archive, strings, file=file, source=data, free=free)
        scans = {}
        for info in sheets:
            if free is not None and sheet_need(0, 0, info.file_size, shared) > free:
                scans[info.filename] = PartScan(info.file_size, 0, 0, 0, read=0)
                continue
            stop = None if free is None else _over(free, shared)
            scans[info.filename] = scan_part(archive, info, file=file, what=what(info),
                                             element=b"c", stop=stop, source=data)
    budget = WorkbookBudget(shared, scans, free)
    if scans and free is not None and all(s.read is not None for s in scans.values()):
        part = min(scans, key=lambda p: scans[p].size)  # no sheet fits: refuse now
        raise _sheet_too_large(scans[part], shared=shared, free=free, file=file,
                               what=what(archive.getinfo(part)))
    return budget


def _over(free: int, shared: int) -> Callable[[int, int, int], bool]:
    """Whether a sheet scanned so far (bytes unpacked, rows, cells) already needs more than
    ``free`` -- the need ``check_sheet`` computes, which only grows as the scan goes on."""

    def stop(read: int, rows: int, cells: int) -> bool:
        return sheet_need(rows, cells, read, shared) > free

    return stop


def _scan_shared_strings(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], *, file: str,
                         source: bytes, free: int | None) -> int:
    """The memory the shared strings take once parsed; refused as soon as they (with the
    workbook's own bytes, ``source``) pass ``free``."""
    fixed = len(source)
    shared = 0
    for info in parts:
        def stop(read: int, _rows: int, count: int, before: int = shared) -> bool:
            return (free is not None and fixed + before + read * EXCEL_SHARED_XML_FACTOR
                    + count * EXCEL_BYTES_PER_SHARED_STRING > free)

        scan = scan_part(archive, info, file=file, what="the shared strings", element=b"si",
                         stop=stop, source=source)
        if scan.read is not None:
            need = (fixed + shared + scan.read * EXCEL_SHARED_XML_FACTOR
                    + scan.strings * EXCEL_BYTES_PER_SHARED_STRING)
            raise too_large(need, free or 0, file=file, more=True,
                            what=f"its shared strings hold at least {scan.strings:,} strings "
                                 f"(counted in the first {size_text(scan.read)} of "
                                 f"{size_text(scan.size)})")
        shared += int(scan.size * EXCEL_SHARED_XML_FACTOR
                      + scan.strings * EXCEL_BYTES_PER_SHARED_STRING)
    require_memory(fixed + shared, file=file,
                   what="its shared strings unpack to more text than fits")
    return shared


def check_sheet(budget: WorkbookBudget, part: str | None, *, file: str, sheet: str) -> int:
    """Refuse the sheet about to be read if its cells would not fit; return the most rows
    reading it may yield (``part`` is the sheet's path in the zip; when unknown, the
    workbook's largest sheet stands in)."""
    scan = budget.sheets.get(part or "")
    if scan is None:
        if not budget.sheets:
            return EXCEL_MAX_ROWS
        scan = max(budget.sheets.values(), key=lambda s: s.size)
    if scan.read is not None:
        raise _sheet_too_large(scan, shared=budget.shared, free=budget.free or 0, file=file,
                               what=f"the sheet '{sheet}'")
    require_memory(sheet_need(scan.rows, scan.cells, scan.size, budget.shared), file=file,
                   what=f"the sheet '{sheet}' has {scan.rows:,} rows and {scan.cells:,} "
                        "filled cells")
    return scan.rows


def _sheet_too_large(scan: PartScan, *, shared: int, free: int, file: str,
                     what: str) -> DataError:
    """The refusal of a sheet whose scan stopped at the budget (``scan.read`` bytes in)."""
    if not scan.read:
        return too_large(sheet_need(0, 0, scan.size, shared), free, file=file, more=True,
                         what=f"{what} unpacks to {size_text(scan.size)} of XML")
    return too_large(sheet_need(scan.rows, scan.cells, scan.read, shared), free, file=file,
                     more=True, what=f"{what} has at least {scan.rows:,} rows and "
                                     f"{scan.cells:,} filled cells (counted in the first "
                                     f"{size_text(scan.read)} of its {size_text(scan.size)} "
                                     "of XML, where reading stopped)")


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


__all__ = ["EXCEL_MAX_CELL_CHARS", "EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS", "MAX_CELL_XML_BYTES",
           "MEMORY_ENV", "TEXT_MEMORY_FACTOR", "PartScan", "WorkbookBudget", "available_memory",
           "check_sheet", "check_workbook", "read_parquet_within", "read_stata_within", "read_within",
           "regular_size", "require_memory", "size_text"]
