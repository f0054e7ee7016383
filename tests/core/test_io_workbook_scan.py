"""The fast workbook scan (issue #11's weak point: a huge workbook was refused only after a
full scan): its counts equal a straightforward count over the whole unpacked XML, whatever
the chunk boundaries, prefixes and tag spellings; a sheet that does not fit is refused
before its end; declared sizes only ever refuse.

The reference for every count is a regular expression run over the whole XML at once --
the definition the scan has always used (``<c`` followed by ``[\\s/>]``, ``<row`` followed
by one of `` >/\\t\\n\\r``, a run between two ``<`` or two cell starts longer than
``MAX_CELL_XML_BYTES`` is a cell longer than Excel allows).
"""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from hostile_files import write_workbook

from pilot_eval.errors import DataError
from pilot_eval.io import budget as budget_module
from pilot_eval.io import load_table, part_scan, sheet_names
from pilot_eval.io.budget import (
    EXCEL_BYTES_PER_CELL,
    EXCEL_BYTES_PER_ROW,
    EXCEL_SHEET_XML_FACTOR,
    MAX_CELL_XML_BYTES,
    MEMORY_ENV,
    check_workbook,
)
from pilot_eval.io.part_scan import ROW_ENDS, scan_part, tag_starts, text_run_exceeds

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CHUNKS = (64, 97, 1000, 4096, 65_536, part_scan.SCAN_CHUNK)
"""Piece sizes the scan is run with: tiny ones put chunk boundaries inside every tag."""


def _sheet_xml(seed: int, *, prefix: str = "", rows: int = 300) -> bytes:
    """A sheet with every spelling the counts must handle: cells written ``<c r=..>``,
    ``<c\\n``, ``<c\\t``, ``<c/>`` and ``<c>``; rows ``<row>``, ``<row\\r\\n``; tags that start
    like a cell or a row but are not (``<col>``, ``<cols>``, ``<cfRule>``, ``<rowBreaks>``,
    rich-text ``<r>`` and ``<rPh>``); text that looks like tags (``&lt;c r``)."""
    rng = random.Random(seed)
    p = prefix
    out = [f'<?xml version="1.0"?><{p}worksheet xmlns{":" + p[:-1] if p else ""}="{NS}">'
           f'<{p}dimension ref="A1:Z{rows}"/><{p}cols><{p}col min="1" max="3" width="9"/>'
           f"</{p}cols><{p}sheetData>"]
    number = 0
    for _ in range(rows):
        number += rng.choice((1, 1, 1, 2, 5))
        opener = rng.choice((f'<{p}row r="{number}">', f'<{p}row\r\n r="{number}" spans="1:9">',
                             f'<{p}row r="{number}"\t>'))
        cells = []
        for j in range(rng.randrange(0, 9)):
            ref = f"{chr(65 + j)}{number}"
            cells.append(rng.choice((
                f'<{p}c r="{ref}"><{p}v>{rng.random():.6f}</{p}v></{p}c>',
                f'<{p}c\nr="{ref}" t="s"><{p}v>{rng.randrange(100)}</{p}v></{p}c>',
                f'<{p}c\tr="{ref}"/>',
                f"<{p}c/>",
                f"<{p}c><{p}v>1</{p}v></{p}c>",
                f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}r><{p}t>&lt;c r and &lt;row '
                f"{'x' * rng.randrange(0, 300)}</{p}t></{p}r><{p}rPh sb=\"0\"><{p}t>y</{p}t>"
                f"</{p}rPh></{p}is></{p}c>",
            )))
        out.append(opener + "".join(cells) + f"</{p}row>")
        if rng.random() < 0.02:
            number += 1
            out.append(f'<{p}row r="{number}"/>')  # an empty self-closed row counts too
    out.append(f'</{p}sheetData><{p}conditionalFormatting sqref="A1"><{p}cfRule type="x"/>'
               f'</{p}conditionalFormatting><{p}rowBreaks count="1"><{p}brk id="3"/>'
               f"</{p}rowBreaks></{p}worksheet>")
    return "".join(out).encode()


def _reference(xml: bytes, prefix: bytes) -> tuple[int, int]:
    """(rows a reader yields, cells) counted over the whole XML with regular expressions."""
    p = re.escape(prefix)
    row_tags = list(re.finditer(b"<" + p + rb"row[ >/\t\n\r]", xml))
    last = 0
    if row_tags:
        tail = xml[row_tags[-1].start():xml.find(b">", row_tags[-1].start())]
        found = re.search(rb'\sr="(\d+)"', tail)
        last = int(found.group(1)) if found else 0
    cells = len(re.findall(b"<" + p + rb"c[\s/>]", xml))
    return max(len(row_tags), last), cells


def _zip(xml: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipFile:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", method) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(io.BytesIO(data.getvalue()))


def _scan(xml: bytes, monkeypatch, chunk: int, *, method: int = zipfile.ZIP_DEFLATED,
          element: bytes = b"c"):
    monkeypatch.setattr(part_scan, "SCAN_CHUNK", chunk)
    monkeypatch.setattr(part_scan, "DEFLATED_INPUT", max(16, chunk // 4))
    archive = _zip(xml, method=method)
    source = archive.fp.getvalue()  # the zip's bytes, as check_workbook passes them
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    return scan_part(archive, info, file="book.xlsx", what="the sheet 'Data'", element=element,
                     source=source)


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scan_counts_what_a_whole_file_regex_counts(monkeypatch, seed, prefix):
    xml = _sheet_xml(seed, prefix=prefix)
    rows, cells = _reference(xml, prefix.encode())
    assert cells > 300 and rows > 300  # the sheet is not trivial
    for chunk in CHUNKS:
        for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            scan = _scan(xml, monkeypatch, chunk, method=method)
            assert (scan.rows, scan.cells, scan.read) == (rows, cells, None), (chunk, method)


def test_tag_starts_are_the_regex_matches_at_every_offset():
    """Every alignment of the two-byte windows, tags at the very start and end of a piece,
    a delimiter that would fall outside the piece."""
    rng = random.Random(5)
    pieces = [b"<c ", b"<c>", b"<c/", b"<col ", b"<c", b"c ", b"<<c\t", b"<row ", b"<rowX",
              b"<x:c ", b"<x:cx", b"<x:row>", b"x:c ", b"a", b"\x0b", b"<c\x0c"]
    for _ in range(300):
        part = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 40)))
        for tag, ends, pattern in ((b"<c", b" \t\n\r\x0b\x0c/>", rb"<c[\s/>]"),
                                   (b"<x:c", b" \t\n\r\x0b\x0c/>", rb"<x:c[\s/>]"),
                                   (b"<row", ROW_ENDS, rb"<row[ >/\t\n\r]"),
                                   (b"<x:row", ROW_ENDS, rb"<x:row[ >/\t\n\r]")):
            expected = [m.start() for m in re.finditer(pattern, part)]
            assert tag_starts(part, tag, ends).tolist() == expected, (part, tag)


def test_text_runs_are_measured_as_the_longest_gap_between_two_lt():
    rng = random.Random(9)
    for _ in range(300):
        limit = rng.randrange(1, 40)
        part = bytes(rng.choice(b"<<aaaaaaaaaa") for _ in range(rng.randrange(0, 120)))
        bounds = [0, *[i for i, b in enumerate(part) if b == 60], len(part)]
        expected = max(b - a for a, b in zip(bounds, bounds[1:], strict=False)) > limit
        assert text_run_exceeds(part, limit) == expected, (part, limit)


def _long_cell_xml(text_bytes: int, *, cells_after: int) -> bytes:
    """One inline-string cell whose text run is ``text_bytes`` long, between short cells."""
    short = b'<c r="A1"><v>1</v></c>'
    long = b'<c r="B1" t="inlineStr"><is><t>' + b"A" * text_bytes + b"</t></is></c>"
    return (f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData><row r="1">'.encode()
            + short * 3 + long + short * cells_after + b"</row></sheetData></worksheet>")


def _refused_by_reference(xml: bytes) -> bool:
    lts = [m.start() for m in re.finditer(b"<", xml)]
    bounds = [0, *lts, len(xml)]
    if max(b - a for a, b in zip(bounds, bounds[1:], strict=False)) > MAX_CELL_XML_BYTES:
        return True
    starts = [m.start() for m in re.finditer(rb"<c[\s/>]", xml)]
    return any(b - a > MAX_CELL_XML_BYTES for a, b in zip(starts, starts[1:], strict=False))


@pytest.mark.parametrize("chunk", [65_536, 100_003, 1 << 20])
@pytest.mark.parametrize("extra", [-40, -39, 0, 1])
def test_a_long_cell_is_refused_exactly_across_chunk_boundaries(monkeypatch, chunk, extra):
    """The text run (``<t>`` + text) or the cell (from ``<c`` to the next ``<c``) one byte
    either side of the limit, cut by pieces smaller and larger than the limit."""
    for text_bytes, cells_after in ((MAX_CELL_XML_BYTES - 3 + extra, 0),
                                    (MAX_CELL_XML_BYTES - 57 + extra, 1)):
        xml = _long_cell_xml(text_bytes, cells_after=cells_after)
        if _refused_by_reference(xml):
            with pytest.raises(DataError, match="32,767 characters"):
                _scan(xml, monkeypatch, chunk)
        else:
            assert _scan(xml, monkeypatch, chunk).cells == 4 + cells_after


def test_both_sides_of_the_long_cell_limit_are_exercised():
    """The cases above straddle the limit (else they would test one side only)."""
    outcomes = {_refused_by_reference(_long_cell_xml(MAX_CELL_XML_BYTES - 3 + extra,
                                                     cells_after=0)) for extra in (0, 1)}
    outcomes |= {_refused_by_reference(_long_cell_xml(MAX_CELL_XML_BYTES - 57 + extra,
                                                      cells_after=1)) for extra in (-40, -39)}
    assert outcomes == {True, False}


def test_a_part_that_unpacks_to_more_than_it_declares_is_damaged(monkeypatch):
    """The fast reader stops at the declared size as the zip module does: a lying size is
    never believed."""
    xml = _sheet_xml(4)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    raw = bytearray(data.getvalue())
    size = len(xml).to_bytes(4, "little")
    smaller = (len(xml) // 2).to_bytes(4, "little")
    assert raw.count(size) == 2  # the local header and the central directory
    raw = bytearray(bytes(raw).replace(size, smaller))
    archive = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == len(xml) // 2
    with pytest.raises(DataError, match="damaged"):
        scan_part(archive, info, file="lie.xlsx", what="the sheet", element=b"c",
                  source=bytes(raw))


def test_a_truncated_part_is_damaged():
    xml = _sheet_xml(6)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    archive = zipfile.ZipFile(io.BytesIO(data.getvalue()))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    span = part_scan.deflated_span(data.getvalue(), info)
    assert span is not None
    cut = memoryview(data.getvalue())[span[0]:span[1] - 50]
    with pytest.raises(ValueError, match="ends before"):
        list(part_scan.inflate(cut, info.file_size))
    whole = memoryview(data.getvalue())[span[0]:span[1]]
    assert b"".join(b"".join(p) for p in part_scan.inflate(whole, info.file_size)) == xml


# ------------------------------------------------------------------ refusing early

def _big_sheet(path, rows: int = 20_000, columns: int = 10) -> None:
    def blocks():
        for first in range(1, rows + 1, 1000):
            yield "".join(
                f'<row r="{i}">' + "".join(f'<c r="{chr(65 + j)}{i}"><v>{i * j}</v></c>'
                                           for j in range(columns)) + "</row>"
                for i in range(first, min(rows, first + 999) + 1)).encode()

    write_workbook(path, blocks())


def _counting_chunks(monkeypatch) -> list[int]:
    read: list[int] = []
    original = part_scan._chunks

    def counted(*args, **kwargs):
        for chunk in original(*args, **kwargs):
            read.append(len(chunk))
            yield chunk

    monkeypatch.setattr(part_scan, "_chunks", counted)
    return read


def test_a_sheet_that_does_not_fit_is_refused_before_its_end(tmp_path, monkeypatch):
    path = tmp_path / "huge.xlsx"
    _big_sheet(path)
    with zipfile.ZipFile(path) as archive:
        xml_size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    monkeypatch.setattr(part_scan, "SCAN_CHUNK", 65_536)
    monkeypatch.setattr(part_scan, "DEFLATED_INPUT", 16_384)
    read = _counting_chunks(monkeypatch)
    full = check_workbook(path.read_bytes(), file=str(path)).sheets["xl/worksheets/sheet1.xml"]
    assert (full.rows, full.cells, full.read) == (20_000, 200_000, None)
    pieces = len(read)
    need = (full.rows * EXCEL_BYTES_PER_ROW + full.cells * EXCEL_BYTES_PER_CELL
            + xml_size * EXCEL_SHEET_XML_FACTOR)
    # 40% of what the whole sheet needs: more than its declared XML alone needs, so the scan
    # starts, and refuses about 40% of the way in (the need grows with what is unpacked)
    budget = int(need * 0.4)
    assert budget > xml_size * EXCEL_SHEET_XML_FACTOR
    monkeypatch.setenv(MEMORY_ENV, str(budget))
    read.clear()
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert 0 < len(read) < pieces * 0.6, (len(read), pieces)
    error = caught.value
    assert error.file == str(path)
    message = error.message
    assert "too large for this computer's free memory" in message
    assert "the sheet 'Data' has at least" in message and "filled cells" in message
    counted = int(re.search(r"at least ([\d,]+) rows", message).group(1).replace(",", ""))
    assert 0 < counted < 20_000
    assert "is free" in message and "smaller extract" in error.hint


def test_declared_sizes_alone_refuse_before_any_scan(tmp_path, monkeypatch):
    path = tmp_path / "huge.xlsx"
    _big_sheet(path, rows=2000)
    with zipfile.ZipFile(path) as archive:
        xml_size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    monkeypatch.setenv(MEMORY_ENV, str(int(xml_size * EXCEL_SHEET_XML_FACTOR) - 1))
    monkeypatch.setattr(part_scan, "_chunks",
                        lambda *a, **k: pytest.fail("a part was scanned"))
    with pytest.raises(DataError, match="the sheet 'Data' unpacks to") as caught:
        load_table(path)
    assert caught.value.file == str(path)


def test_a_small_sheet_still_loads_beside_one_that_does_not_fit(tmp_path, monkeypatch):
    """Only the sheet asked for is refused: the sheet chooser lists both, the small one
    loads, the big one is refused with the counts the scan reached."""
    import openpyxl

    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["team", "score"])
    book.active.append(["A", 1.5])
    big = book.create_sheet("Data")
    for i in range(4000):
        big.append([i] * 12)
    book.save(path)
    scans = check_workbook(path.read_bytes(), file=str(path))
    data_scan = next(s for s in scans.sheets.values() if s.rows == 4000)
    need = budget_module.sheet_need(data_scan.rows, data_scan.cells, data_scan.size,
                                    scans.shared)
    budget = int(need * 0.6)  # more than the declared XML alone needs: the scan starts
    assert budget > data_scan.size * EXCEL_SHEET_XML_FACTOR + scans.shared
    monkeypatch.setenv(MEMORY_ENV, str(budget))
    assert sheet_names(path) == ["Notes", "Data"]
    assert load_table(path, sheet="Notes").frame["score"].tolist() == pytest.approx([1.5])
    with pytest.raises(DataError, match="the sheet 'Data' has at least") as caught:
        load_table(path, sheet="Data")
    assert "smaller extract" in caught.value.hint


def test_a_budget_the_whole_sheet_fits_scans_it_all(tmp_path, monkeypatch):
    path = tmp_path / "fits.xlsx"
    _big_sheet(path, rows=3000, columns=4)
    monkeypatch.setenv(MEMORY_ENV, str(50 * 2**20))
    scan = check_workbook(path.read_bytes(), file=str(path)).sheets["xl/worksheets/sheet1.xml"]
    assert (scan.rows, scan.cells, scan.read) == (3000, 12_000, None)


def test_shared_strings_that_do_not_fit_are_refused_before_their_end(tmp_path, monkeypatch):
    """Their declared size fits, but 200,000 strings take more memory than is free: refused
    as soon as the count passes it, naming what was counted (openpyxl reads every shared
    string to open any sheet, so no sheet could be read)."""
    path = tmp_path / "strings.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
                   shared=[b"<si><t>a</t></si>" * 200_000])
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        declared = archive.getinfo("xl/sharedStrings.xml").file_size
    monkeypatch.setattr(part_scan, "SCAN_CHUNK", 65_536)
    monkeypatch.setattr(part_scan, "DEFLATED_INPUT", 16_384)
    read = _counting_chunks(monkeypatch)
    check_workbook(data, file=str(path))  # fits the machine: every piece is read
    pieces = len(read)
    need = (len(data) + declared * budget_module.EXCEL_SHARED_XML_FACTOR
            + 200_000 * budget_module.EXCEL_BYTES_PER_SHARED_STRING)
    free = int(len(data) + 0.6 * (need - len(data)))
    assert free > len(data) + declared * budget_module.EXCEL_SHARED_XML_FACTOR  # declared fits
    monkeypatch.setenv(MEMORY_ENV, str(free))
    read.clear()
    with pytest.raises(DataError, match="its shared strings hold at least") as caught:
        load_table(path)
    assert 0 < len(read) < pieces * 0.8, (len(read), pieces)
    assert caught.value.file == str(path) and "smaller extract" in caught.value.hint
