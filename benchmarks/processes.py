"""Whole-process timing shared by the benchmarks: wall time, CPU seconds and peak memory.

The build machine has two cores shared by several engineers, so wall time swings with their
load; the CPU seconds a process used (user + system, from ``os.wait4``) hardly do, and are the
figure to trust. Each job runs as its own process, jobs alternate (ours, peer, ours, ...) so a
burst of load hits both, and the best (lowest) run of each is reported with the median.

Not a test module: imported by the ``bench_*.py`` scripts (run from the repository root or from
``benchmarks/``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PILOT_EVAL = [sys.executable, "-m", "pilot_eval.ui.launch"]
"""The ``pilot-eval`` console script as a command (same interpreter as the benchmark)."""


@dataclass(frozen=True)
class Run:
    """One process: wall and CPU seconds, peak resident memory (MiB) and its output."""

    wall: float
    cpu: float
    peak_mib: float
    stdout: str


_SPAWNER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    began = time.perf_counter()
    child = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
child.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps({"code": child.returncode, "wall": wall, "maxrss": usage.ru_maxrss,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""
"""Runs the measured command from a small interpreter: Linux carries a parent's peak memory
into the ``ru_maxrss`` of the children it forks, so the benchmark (with pandas loaded) must not
be the direct parent of what it measures."""


def run(command: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion; raise ``CalledProcessError`` when it fails."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder) / "out", Path(folder) / "err"
        done = subprocess.run([sys.executable, "-S", "-c", _SPAWNER, str(out), str(err),
                               *command], capture_output=True, text=True, env=env, check=True)
        report = json.loads(done.stdout)
        stdout = out.read_text(encoding="utf-8", errors="replace")
        stderr = err.read_text(encoding="utf-8", errors="replace")
    if report["code"] != 0:
        raise subprocess.CalledProcessError(report["code"], command, stdout, stderr)
    return Run(report["wall"], report["cpu"], report["maxrss"] / 1024.0, stdout)


@dataclass(frozen=True)
class Series:
    """Repeated runs of one job."""

    label: str
    runs: tuple[Run, ...]

    @property
    def cpu(self) -> float:
        return min(r.cpu for r in self.runs)

    @property
    def wall(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return min(r.peak_mib for r in self.runs)

    @property
    def stdout(self) -> str:
        return self.runs[-1].stdout

    def line(self) -> str:
        cpus = [r.cpu for r in self.runs]
        walls = [r.wall for r in self.runs]
        return (f"{self.label:<44} CPU {min(cpus):7.2f} s (median {statistics.median(cpus):6.2f})"
                f"  wall {min(walls):7.2f} s (median {statistics.median(walls):6.2f})"
                f"  peak {self.peak_mib:7.0f} MiB")


def alternate(jobs: dict[str, list[str]], repeat: int) -> dict[str, Series]:
    """Run every job ``repeat`` times, in turn; the runs of each job by label."""
    runs: dict[str, list[Run]] = {label: [] for label in jobs}
    for _ in range(repeat):
        for label, command in jobs.items():
            runs[label].append(run(command))
    return {label: Series(label, tuple(found)) for label, found in runs.items()}


def ratio_line(ours: Series, peer: Series, target: float) -> str:
    cpu, wall = ours.cpu / peer.cpu, ours.wall / peer.wall
    verdict = "met" if cpu <= target else "NOT met"
    return (f"ratio {ours.label} / {peer.label}: CPU {cpu:.2f}, wall {wall:.2f} "
            f"(target <= {target}: {verdict} on CPU)")
