"""Whole-process timing shared by the benchmarks: wall time, CPU seconds and peak memory.

The build machine has two cores shared by several engineers, so wall time swings with their
load; the CPU seconds a process used (user + system, from ``os.wait4``) hardly do, and are the
figure to trust. Each job runs as its own process, jobs alternate (ours, peer, ours, ...) so a
burst of load hits both, and the best (lowest) run of each is reported with the median.

Not a test module: imported by the ``bench_*.py`` scripts (run from the repository root or from
``benchmarks/``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

PILOT_EVAL = [sys.executable, "-m", "pilot_eval.ui.launch"]
"""The ``pilot-eval`` console script as a command (same interpreter as the benchmark)."""


@dataclass(frozen=True)
class Run:
    """One process: wall and CPU seconds, peak resident memory (MiB) and its output."""

    wall: float
    cpu: float
    peak_mib: float
    stdout: str


def run(command: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion; raise ``CalledProcessError`` when it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)  # reaps it: keep its resource usage
        wall = time.perf_counter() - began
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise subprocess.CalledProcessError(code, command, stdout, stderr)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, stdout)


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
