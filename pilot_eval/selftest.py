"""``pilot-eval --self-test OUT_DIR``: prove an installation (or a packaged bundle) works.

Imports every module of the package, then runs the demo pipeline -- validation and the
difference-in-differences for every demo outcome, a staff-retention analysis, and both brief
renderers (PDF and HTML) -- writing into ``OUT_DIR``.  Prints a short report with timings and
returns a non-zero exit code when any step fails.  Nothing is sent anywhere.

The check script ``packaging/check.sh`` runs this inside the PyInstaller bundle; the step that
imports every module is what finds a hidden import the spec forgot.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_FAILED = 0, 1
PACKAGE = "pilot_eval"
SUBPACKAGES = ("pilot_eval.estimators", "pilot_eval.ui", "pilot_eval.resources")
"""Mapped to other folders (``package-dir``): an editable install's ``pilot_eval.__path__``
does not hold them, so they are walked on their own."""
SKIP_MODULES = ("pilot_eval.ui.launch",)
"""Modules not imported by the self-test (the entry point itself: already running)."""


@dataclass(frozen=True)
class StepResult:
    """One step of the self-test: its name, whether it passed, how long it took, details."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "seconds": round(self.seconds, 3),
                "detail": self.detail}


@dataclass(frozen=True)
class SelfTestReport:
    """Every step's result; ``ok`` when all passed."""

    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def summary(self) -> str:
        lines = [f"pilot-eval self-test: {'PASSED' if self.ok else 'FAILED'} "
                 f"in {self.seconds:.1f} s"]
        for step in self.steps:
            mark = "ok  " if step.ok else "FAIL"
            lines.append(f"  {mark} {step.name:<28} {step.seconds:6.2f} s  {step.detail}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "seconds": round(self.seconds, 3),
                "steps": [step.to_dict() for step in self.steps]}


def module_names(package: str = PACKAGE, *,
                 subpackages: Sequence[str] = SUBPACKAGES) -> list[str]:
    """Every module and sub-package below ``package`` (sorted).

    Sub-packages are imported to find their folders; plain modules are only listed.
    """
    names = set()
    for name in (package, *subpackages):
        root = importlib.import_module(name)
        names.add(name)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{name}."):
            names.add(info.name)
    return sorted(names)


def import_all(package: str = PACKAGE, *, skip: Sequence[str] = SKIP_MODULES) -> str:
    """Import every module of ``package``; raise ``ImportError`` naming all that failed."""
    names = [n for n in module_names(package) if n not in skip]
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - collect every failure, report them together
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    if failed:
        raise ImportError(f"{len(failed)} of {len(names)} modules failed to import: "
                          + "; ".join(failed))
    return f"{len(names)} modules"


def run_did_and_brief(out_dir: Path) -> str:
    """The demo pipeline: DiD for every demo outcome, results.json, brief.pdf and brief.html."""
    from pilot_eval.pipeline import run_demo

    outputs = run_demo(out_dir)
    for path in (outputs.pdf, outputs.html, outputs.results):
        if not path.is_file() or path.stat().st_size == 0:
            raise RuntimeError(f"{path.name} was not written")
    if not outputs.pdf.read_bytes().startswith(b"%PDF-"):
        raise RuntimeError("brief.pdf is not a PDF file")
    if "<html" not in outputs.html.read_text(encoding="utf-8")[:2000].lower():
        raise RuntimeError("brief.html is not an HTML page")
    return f"brief.pdf {outputs.pdf.stat().st_size // 1024} KiB"


def run_retention(out_dir: Path) -> str:
    """Staff retention on the demo staff records.

    Uses ``pilot_eval.retention`` when that module offers ``run_demo_retention(out_dir)``;
    otherwise reads the demo spells and fits Kaplan-Meier curves by arm directly.
    """
    if importlib.util.find_spec("pilot_eval.retention") is not None:
        retention = importlib.import_module("pilot_eval.retention")
        runner = getattr(retention, "run_demo_retention", None)
        if callable(runner):
            runner(out_dir)
            return "pilot_eval.retention.run_demo_retention"
    from pilot_eval.demo import demo_path
    from pilot_eval.estimators import SpellColumns
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier
    from pilot_eval.io import load_table
    from pilot_eval.staff import StaffOptions, pilot_starts_from_table, read_staff

    teams = load_table(demo_path("teams.csv"))
    starts = pilot_starts_from_table(teams.frame, team="team", file=teams.path)
    staff = load_table(demo_path("staff.csv"))
    options = StaffOptions(team="team", start="start_date", end="end_date",
                           reason="leaving_reason", staff_id="staff_id")
    spells = read_staff(staff.frame, options, file=staff.path, pilot_starts=starts)
    frame = spells.spells.assign(left=spells.spells["left"].astype(int))
    result = KaplanMeier(times=(12.0,)).fit(
        frame, SpellColumns(duration="duration", event="left", group="arm", entry="entry"))
    if len(result.curves) != 2:
        raise RuntimeError(f"expected pilot and comparison curves, got {sorted(result.curves)}")
    return f"Kaplan-Meier on {len(frame):,} spells"


ABOUT_REQUIRED = ("numpy", "pandas", "scipy", "matplotlib", "reportlab", "openpyxl", "pyarrow",
                  "lifelines", "linearmodels", "pyside6-essentials")
"""Distributions whose versions and licences the About dialog must be able to show."""


def check_about(_out: Path) -> str:
    """The About data: pilot-eval's own version and the main libraries' metadata are there
    (a bundle without them would show an empty About dialog)."""
    from pilot_eval.about import about_info, normalise

    info = about_info()
    if info.app.version == "0.0.0":
        raise RuntimeError("pilot-eval's own package metadata is missing (version 0.0.0)")
    names = {normalise(p.name) for p in info.packages}
    missing = [name for name in ABOUT_REQUIRED if name not in names]
    if missing:
        raise RuntimeError(f"no version/licence metadata for: {', '.join(missing)}")
    return f"pilot-eval {info.app.version}, {len(info.packages)} packages"


def default_steps() -> list[tuple[str, Callable[[Path], str]]]:
    """The self-test's steps, in order."""
    return [
        ("import every module", lambda _out: import_all()),
        ("versions and licences", check_about),
        ("DiD + brief (PDF, HTML)", run_did_and_brief),
        ("staff retention", run_retention),
    ]


def run_self_test(out_dir: str | Path, *,
                  steps: Sequence[tuple[str, Callable[[Path], str]]] | None = None
                  ) -> SelfTestReport:
    """Run every step into ``out_dir`` (created); a failing step does not stop the others."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # importing ui needs no screen
    results = []
    for name, step in (default_steps() if steps is None else steps):
        start = time.perf_counter()
        try:
            detail = step(out)
            results.append(StepResult(name, True, time.perf_counter() - start, detail))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a failed step
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            results.append(StepResult(name, False, time.perf_counter() - start, last))
    return SelfTestReport(tuple(results))


def main(out_dir: str | Path, *, stream: TextIO | None = None) -> int:
    """Run the self-test, print its report (and write ``selftest.json``); return the exit code."""
    from pilot_eval.atomic import write_json

    stream = stream or sys.stdout
    report = run_self_test(out_dir)
    try:
        write_json(Path(out_dir) / "selftest.json", report.to_dict())
    except OSError as exc:
        print(f"pilot-eval self-test: could not write selftest.json ({exc})", file=stream)
        return EXIT_FAILED
    print(report.summary(), file=stream)
    return EXIT_OK if report.ok else EXIT_FAILED
