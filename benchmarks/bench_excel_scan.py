"""The workbook scan on large sheets (docs/performance.md, "Large Excel workbooks").

``make`` writes a workbook of N rows x M columns straight as XML (numbers and shared strings
alternating, one shared-strings part), zipped with deflate, because openpyxl would take hours
to write 60 million cells; ``scan`` times ``budget.check_workbook`` on it in a child process
(CPU seconds from ``os.wait4``).  Generated files are large: keep them in /tmp, never commit
them.

    python benchmarks/bench_excel_scan.py make /tmp/xl/1m60.xlsx --rows 1000000 --columns 60
    python benchmarks/bench_excel_scan.py scan /tmp/xl/1m60.xlsx            # the machine's memory
    python benchmarks/bench_excel_scan.py scan /tmp/xl/1m60.xlsx --free 8e9 # an 8 GB budget
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import zipfile

from pilot_eval.io.frames import column_letter

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
VARIANTS = 1024
"""Distinct rows of values (more than deflate's 32 KB window holds, so rows do not repeat)."""
STRINGS = 5000


def _row_templates(columns: int, seed: int = 7) -> list[bytes]:
    """Rows with ``\\x00`` where the row number goes."""
    rng = random.Random(seed)
    letters = [column_letter(j) for j in range(columns)]
    out = []
    for _ in range(VARIANTS):
        cells = []
        for j, letter in enumerate(letters):
            if j % 2:
                cells.append(f'<c r="{letter}\x00" t="s"><v>{rng.randrange(STRINGS)}</v></c>')
            else:
                cells.append(f'<c r="{letter}\x00"><v>{rng.uniform(0, 1e5):.4f}</v></c>')
        out.append(('<row r="\x00">' + "".join(cells) + "</row>").encode())
    return out


def make(path: str, rows: int, columns: int) -> None:
    templates = _row_templates(columns)
    last = column_letter(columns - 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml",
                   f'<?xml version="1.0"?><Types xmlns="{CT}"><Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                   'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{NS}" '
                   f'xmlns:r="{REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships '
                   f'xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
                   'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                   f'Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{NS}">'
                   + "".join(f"<si><t>team {i:05d}</t></si>" for i in range(STRINGS))
                   + "</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}"><dimension '
                        f'ref="A1:{last}{rows}"/><sheetData>'.encode())
            block = []
            for r in range(1, rows + 1):
                block.append(templates[r % VARIANTS].replace(b"\x00", str(r).encode()))
                if len(block) == 2000:
                    sheet.write(b"".join(block))
                    block = []
            sheet.write(b"".join(block) + b"</sheetData></worksheet>")


SCAN = """
import json, os, sys, time
from pilot_eval.errors import DataError
from pilot_eval.io.budget import check_workbook
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    budget = check_workbook(data, file=sys.argv[1])
    outcome = {"refused": False, "sheets": {k: [v.rows, v.cells] for k, v in
                                            budget.sheets.items()}}
except DataError as exc:
    outcome = {"refused": True, "message": exc.message}
outcome["wall_s"] = time.perf_counter() - start
print(json.dumps(outcome))
"""


def scan(path: str, free: float | None) -> dict:
    env = dict(os.environ)
    if free is not None:
        env["PILOT_EVAL_AVAILABLE_MEMORY"] = str(int(free))
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", SCAN, path], stdout=subprocess.PIPE,
                             env=env, text=True)
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    outcome = json.loads(out.strip().splitlines()[-1]) if status == 0 else {"status": status}
    outcome.update(cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
                   total_wall_s=round(time.perf_counter() - start, 2),
                   peak_mb=round(usage.ru_maxrss / 1024), load=os.getloadavg()[0])
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["make", "scan"])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=60)
    parser.add_argument("--free", type=float, default=None,
                        help="bytes of free memory to assume (PILOT_EVAL_AVAILABLE_MEMORY)")
    args = parser.parse_args()
    if args.action == "make":
        make(args.path, args.rows, args.columns)
        print(f"{args.path}: {os.path.getsize(args.path) / 2**20:.0f} MB")
    else:
        print(json.dumps(scan(args.path, args.free)))


if __name__ == "__main__":
    main()
