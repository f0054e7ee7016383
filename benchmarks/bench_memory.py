"""Peak memory of loading a large CSV:
``python benchmarks/bench_memory.py [ROWS] [COLUMNS] [REPEATS]``.

Writes a ROWS x COLUMNS CSV (default 1,000,000 x 20: a team, a month and numeric columns with
some blanks) into a temporary folder, then loads it with ``pilot_eval.io.load_table`` in a fresh
subprocess and reports that process's peak resident memory (``ru_maxrss``), beside a subprocess
that only imports the same libraries (the baseline) and one that reads the file with plain
``pandas.read_csv`` (the peer); each is run REPEATS times (default 3) and the lowest peak kept.
The target (issue 7) is a peak under 1 GB for 1M x 20.

Measured on the 2-core shared build machine (1M x 20, a 118 MiB file; peaks vary by some
70 MiB between runs with Arrow's threads): before the loader released its intermediates,
1069-1076 MiB (three runs; 1051 MiB reported when issue 7 was filed); after (the text dropped
before the Arrow parse, the bytes after it, columns typed one at a time, equal text cells
shared), 642-716 MiB, best of three 642-654 MiB; the baseline is 112 MiB and
``pandas.read_csv`` 420 MiB.  The rest of the peak is mostly the final frame being
consolidated (one copy of the numeric columns, about 8 bytes x rows x columns).

Linux/macOS only (``resource``).  Not a unit test: run it by hand and quote its output.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_BYTES = 1024**3
LOADERS = {
    "baseline (imports only)": "import pilot_eval.io, pandas",
    "pandas.read_csv": "import pilot_eval.io, pandas; pandas.read_csv(PATH)",
    "pilot_eval load_table": "import pilot_eval.io; t = pilot_eval.io.load_table(PATH); "
                             "print(t.n_rows, t.frame.shape[1], file=__import__('sys').stderr)",
}


def write_csv(path: Path, rows: int, columns: int, *, seed: int = 1) -> Path:
    """Write the test file (run in a subprocess: Linux carries a parent's peak memory over
    into the ``ru_maxrss`` of the children it starts, so the parent must stay small)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data = {"team": np.repeat([f"Team {i:04d}" for i in range(rows // 30 + 1)], 30)[:rows],
            "month": np.tile([f"2024-{m:02d}" for m in range(1, 13)] * 3, rows // 36 + 1)[:rows]}
    for j in range(columns - 2):
        values = np.round(rng.normal(50, 10, rows), 2)
        values[rng.random(rows) < 0.01] = np.nan
        data[f"x{j + 1}"] = values
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def peak_rss_bytes(code: str) -> int:
    """Peak resident memory of a fresh interpreter running ``code``."""
    script = (f"{code}\nimport resource, sys\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    kib = int(done.stdout.strip().splitlines()[-1])
    return kib * (1 if sys.platform == "darwin" else 1024)  # macOS reports bytes


def main(rows: int = 1_000_000, columns: int = 20, repeats: int = 3) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        subprocess.run([sys.executable, __file__, "--write", str(path), str(rows), str(columns)],
                       check=True)
        size = path.stat().st_size
        print(f"{rows:,} rows x {columns} columns, file {size / 1024**2:.0f} MiB")
        peaks = {}
        for name, code in LOADERS.items():
            runs = [peak_rss_bytes(code.replace("PATH", repr(str(path))))
                    for _ in range(max(repeats, 1))]
            peaks[name] = min(runs)
            shown = ", ".join(f"{r / 1024**2:.0f}" for r in runs)
            print(f"  {name:<26} peak {peaks[name] / 1024**2:7.0f} MiB (best of: {shown})")
    ours = peaks["pilot_eval load_table"]
    print(f"load_table / pandas.read_csv peak ratio: {ours / peaks['pandas.read_csv']:.2f}")
    verdict = "under" if ours < TARGET_BYTES else "OVER"
    print(f"load_table peak {ours / 1024**2:.0f} MiB: {verdict} the 1 GiB target")
    return 0 if ours < TARGET_BYTES else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_csv(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main(*(int(a) for a in sys.argv[1:4])))
