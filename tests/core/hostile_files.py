"""Hostile files made inside the tests (nothing large is committed): a minimal .xlsx writer
that streams its parts, so a workbook that unpacks to hundreds of megabytes is made without
holding them, and a runner that loads a file in a child process and reports its peak memory.
"""
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def write_workbook(path, rows, *, shared=None, dimension=None, level=6):
    """rows: iterable of bytes chunks of <row> elements; shared: iterable of bytes chunks of
    <si> elements (or None)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        overrides = ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                     'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                     '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        rels = (f'<Relationship Id="rId1" Type="{REL}/worksheet" '
                'Target="worksheets/sheet1.xml"/>')
        if shared is not None:
            overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
            rels += (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" '
                     'Target="sharedStrings.xml"/>')
        z.writestr("[Content_Types].xml",
                   f'<?xml version="1.0"?><Types xmlns="{CT}"><Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'{overrides}</Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{NS}" '
                   f'xmlns:r="{REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships '
                   f'xmlns="{PKG}">{rels}</Relationships>')
        if shared is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as s:
                s.write(f'<?xml version="1.0"?><sst xmlns="{NS}">'.encode())
                for chunk in shared:
                    s.write(chunk)
                s.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as s:
            s.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}">'.encode())
            if dimension:
                s.write(f'<dimension ref="{dimension}"/>'.encode())
            s.write(b"<sheetData>")
            for chunk in rows:
                s.write(chunk)
            s.write(b"</sheetData></worksheet>")


def repeated(piece: bytes, total: int, block: int = 1 << 20) -> Iterator[bytes]:
    """``piece`` repeated to ``total`` bytes, in blocks (never all in memory)."""
    unit = piece * max(1, block // len(piece))
    sent = 0
    while sent < total:
        chunk = unit[: total - sent]
        sent += len(chunk)
        yield chunk


def numbered_rows(n: int, *, block: int = 20_000) -> Iterator[bytes]:
    """``n`` one-cell rows ``<row r="i"><c r="Ai"><v>1</v></c></row>``, in blocks."""
    for first in range(1, n + 1, block):
        yield "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>'
                      for i in range(first, min(n, first + block - 1) + 1)).encode()


LOAD_SCRIPT = """
import json, resource, sys
from pilot_eval.errors import DataError
from pilot_eval.io import load_table
{patch}
try:
    table = load_table(sys.argv[1])
    outcome = {{"refused": False, "rows": table.n_rows}}
except DataError as error:
    outcome = {{"refused": True, "message": error.user_message()}}
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
outcome["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
print(json.dumps(outcome))
"""


def load_in_child(path: Path, *, env: dict[str, str] | None = None, patch: str = "",
                  timeout: float = 600) -> dict:
    """Load ``path`` in a fresh interpreter; its outcome and peak resident memory."""
    import os

    environment = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT.format(patch=patch), str(path)],
                          capture_output=True, text=True, timeout=timeout, env=environment,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
