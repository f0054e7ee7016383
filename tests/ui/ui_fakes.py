"""A fake core for the window's tests, with the methods of ``pilot_eval.ui.core_api.CoreApi``.

Its "estimate" is computed by brute force (the difference of the four cell means) and handed
back in the real report types (``ProjectReport``, ``OutcomeReport``, ``RetentionReport``), so
controller and window tests run without the real core and in milliseconds.  The end-to-end
tests use the real core.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pilot_eval.ui.report_core import Chart, ReportOutput

from pilot_eval.errors import DataError
from pilot_eval.report import words

#: A 4x3 white PNG: a chart picture for pages that show one.
TINY_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAACXBIWXMAAA9hAAAPYQG"
                            "oP6dpAAAAFElEQVQImWP8//8/AwwwMSABFA4Aby0DA9JQ1YYAAAAASUVORK5CYII=")


@dataclass(frozen=True)
class FakeTable:
    frame: pd.DataFrame
    path: str
    sha256: str = "0" * 64
    missing_markers: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def __getattr__(self, name: str) -> Any:  # how it was read: sheet, encoding ... (none)
        if name.startswith("__"):
            raise AttributeError(name)
        return None


@dataclass(frozen=True)
class FakeProblem:
    severity: str
    message: str
    rows: tuple[int, ...] = ()
    column: str | None = None

    def describe(self) -> str:
        where = f"row {self.rows[0]}, " if self.rows else ""
        return f"{where}column '{self.column}': {self.message}"


@dataclass(frozen=True)
class FakeReport:
    problems: tuple[FakeProblem, ...] = ()


def small_panel() -> pd.DataFrame:
    """4 teams x 4 months; teams A and B start the pilot in month 3; one missing outcome."""
    rows = []
    for team, start in (("A", 3), ("B", 3), ("C", 0), ("D", 0)):
        for month in range(1, 5):
            effect = 2.0 if start and month >= start else 0.0
            rows.append({"team": team, "month": month, "pilot_start": start,
                         "score": 10.0 + month + (1.0 if team in "AC" else 0.0) + effect})
    frame = pd.DataFrame(rows)
    frame.loc[5, "score"] = float("nan")
    return frame


def cell_means_did(frame: pd.DataFrame) -> float:
    """Brute-force 2x2: (pilot after - pilot before) - (comparison after - comparison before)."""
    data = frame.dropna(subset=["score"])
    pilot = data["pilot_start"] > 0
    after = data["month"] >= 3
    mean = data["score"].groupby([pilot, after]).mean()
    return float((mean[(True, True)] - mean[(True, False)])
                 - (mean[(False, True)] - mean[(False, False)]))


class FakeCore:
    """Stands in for ``CoreApi``.  ``gate``: when set, analyses wait on it while reporting."""

    def __init__(self) -> None:
        self.retention_problems: tuple[str, ...] = ()
        self.gate: threading.Event | None = None
        self.fail_with: BaseException | None = None
        self.calls: list[str] = []
        self.deferred_charts = False  # True: as the real core, some charts after the result
        self.chart_gate: threading.Event | None = None
        self.every_chart: dict[str, Chart] = {}

    def load_table(self, path: str, progress: Any, **options: Any) -> FakeTable:
        self.calls.append("load")
        if not Path(path).exists() or Path(path).suffix != ".csv":
            raise DataError("the file does not exist or is not a CSV file", file=Path(path).name,
                            hint="Choose a .csv file.")
        return FakeTable(pd.read_csv(path), path)

    def open_table(self, path: str, progress: Any) -> tuple[FakeTable, dict[str, str | None]]:
        table = self.load_table(path, progress)
        return table, self.guess_roles(table.frame)

    def table_roles(self, table: Any, progress: Any) -> dict[str, str | None]:
        return self.guess_roles(table.frame)

    def guess_roles(self, frame: pd.DataFrame) -> dict[str, str | None]:
        return {"unit": "team", "time": "month", "outcome": "score", "cohort": "pilot_start",
                "treatment": None, "cluster": None}

    def validate(self, table: Any, roles: dict[str, str | None], progress: Any) -> FakeReport:
        self.calls.append("validate")
        missing = table.frame.index[table.frame[roles["outcome"]].isna()]
        return FakeReport(tuple(FakeProblem("warning", "missing outcome; the row is dropped",
                                            (int(i) + 2,), roles["outcome"]) for i in missing))

    def trends(self, table: Any, roles: dict[str, str | None], progress: Any) -> Any:
        """Pilot and comparison means per month by brute force (pandas groupby)."""
        from pilot_eval.ui.core_api import TrendsOutput

        from pilot_eval.report.outcome import (
            MeanPoint,
            PilotStart,
            PreTrendChoice,
            PreTrendTest,
            TrendsReport,
        )

        self.calls.append("trends")
        frame = table.frame.dropna(subset=[roles["outcome"]])
        arm = (frame[roles["cohort"]] > 0).map({True: "pilot", False: "comparison"})
        means = tuple(MeanPoint(period=int(month), label=f"M{int(month)}", arm=name,
                                mean=float(part[roles["outcome"]].mean()), n=len(part))
                      for (name, month), part in frame.groupby([arm, frame[roles["time"]]]))
        rows = tuple((f"M{p}", *(f"{m.mean:.2f}" for m in means if m.period == p))
                     for p in sorted({m.period for m in means}))
        chart = Chart(None, "Score over time", "", ("Period", "Comparison", "Pilot"), rows)
        trends = TrendsReport(group_means=means,
                              pilot_starts=(PilotStart(period=3, label="M3", n_units=2),),
                              period_kind="integer", event_study=None,
                              pretest=PreTrendChoice(used=PreTrendTest(
                                  source="event study", statistic=1.0, df=2, p_value=0.4,
                                  reliable=True, note="joint test of the leads"),
                                  why="the event study's joint test"))
        return TrendsOutput(roles["outcome"], "Score", "points", trends, chart)

    def run_report(self, project: Any, project_file: str | None, progress: Any, *,
                   table: Any = None, staff_view: Any = None, first: str | None = None
                   ) -> ReportOutput:
        """Every outcome of ``project``: the brute-force 2x2 on the session's table."""
        self.calls.append("analyse")
        self.project = project
        progress.report(0.1, "Estimating")
        if self.gate is not None:
            while not self.gate.wait(0.01):
                progress.report(0.5, "Still estimating")
        if self.fail_with is not None:
            raise self.fail_with
        estimate = cell_means_did(table.frame)
        outcomes = tuple(fake_outcome(o.column, o.label or o.column.capitalize(), estimate)
                         for o in project.outcomes)
        retention = getattr(staff_view, "report", None)
        charts = {f"means:{o.outcome}": Chart(TINY_PNG, f"{o.label} over time", "",
                                              ("Period", "Pilot teams: mean"),
                                              (("M1", "12.5"), ("M2", "13.0")))
                  for o in outcomes}
        progress.report(1.0, "Done")
        report = fake_project_report(outcomes, retention)
        if not self.deferred_charts or first is None:
            return ReportOutput(report=report, charts=charts)
        # As report_here: the Impact chart of ``first`` now (its event study), the rest later.
        charts.update({f"event:{o.outcome}": Chart(TINY_PNG, f"{o.label}: effect by period",
                                                   "", ("Period", "Effect"), (("M3", "2"),))
                       for o in outcomes})
        self.every_chart = charts
        first_key = f"event:{first}"
        return ReportOutput(report=report, charts={first_key: charts[first_key]},
                            pending=tuple(k for k in charts if k != first_key))

    def draw_charts(self, output: ReportOutput, progress: Any) -> ReportOutput:
        """The pending charts of ``output`` (waits on ``chart_gate`` when it is set)."""
        self.calls.append("charts")
        if self.chart_gate is not None:
            while not self.chart_gate.wait(0.01):
                progress.report(0.5, "Drawing the charts")
        return output.with_charts({k: self.every_chart[k] for k in output.pending})

    def export_brief(self, report: Any, project: Any, folder: str, progress: Any
                     ) -> tuple[str, str, str]:
        self.exported = [o.outcome for o in report.outcomes]
        self.brief_project = project
        out = Path(folder)
        pdf, html, results = out / "brief.pdf", out / "brief.html", out / "results.json"
        pdf.write_bytes(b"%PDF-1.4 fake")
        html.write_text(f"<p>{words.effect_cell(report.outcomes[0].headline.estimate, '')}</p>",
                        encoding="utf-8")
        results.write_text(report.to_json(), encoding="utf-8")
        return str(pdf), str(html), str(results)

    def brief_preview(self, report: Any, project: Any, progress: Any) -> str:
        recommendation = project.brief.get("recommendation", "")
        return (f"<h1>Fake brief: {report.outcomes[0].outcome}</h1>"
                f"<p>Recommendation: {recommendation}</p>")

    def retention(self, staff: dict[str, Any], retention: dict[str, Any], progress: Any,
                  **options: Any) -> Any:
        """Median stay per arm by brute force (the middle duration when no one is censored)."""
        from pilot_eval.ui.retention_core import RetentionView

        self.calls.append("retention")
        self.retention_args = (dict(staff), dict(retention), options)
        frame = pd.read_csv(staff["path"])
        report = fake_retention({arm: (len(part), float(part["months"].median()))
                                 for arm, part in frame.groupby("arm")})
        roles = tuple((f, c) for f, c in (staff.get("columns") or {"team": "team"}).items())
        return RetentionView(report=None if self.retention_problems else report,
                             columns=tuple(frame.columns), roles=roles,
                             problems=self.retention_problems)

    def exclude(self, table: Any, rows: tuple[int, ...]) -> Any:
        """``table`` without the spreadsheet rows (the index keeps each row's number)."""
        import dataclasses

        return dataclasses.replace(table, frame=table.frame.drop(index=[r - 2 for r in rows]))

    def sheet_names(self, path: str) -> list[str]:
        return []


def fake_outcome(column: str, label: str, estimate: float) -> Any:
    """An ``OutcomeReport`` of the brute-force estimate (range +-1, 4 teams, 15 rows)."""
    from pilot_eval.report import EvidenceRating, Headline, OutcomeReport
    from pilot_eval.report.outcome import Clusters, OutcomeData

    headline = Headline(
        estimator="2x2", estimator_reason="one start date and two periods", inference="analytic",
        inference_reason="clustered by team", se_type="cluster",
        se_description="clustered by team (CR1)", estimate=estimate, se=0.5,
        ci_low=estimate - 1.0, ci_high=estimate + 1.0, p_value=0.01, level=0.95, n_obs=15,
        n_units=4, n_periods=4, clusters=Clusters(n=4, variable="team", counts="teams"))
    return OutcomeReport(
        outcome=column, label=label, unit="points", polarity="higher_is_better",
        headline=headline, data=OutcomeData(file="panel.csv", sha256="0" * 64, rows_read=16,
                                            rows_used=15),
        evidence=EvidenceRating(level=2, ceiling=3, reasons=("Only 4 clusters.",),
                                design="2x2"), warnings=("only 4 clusters",))


def with_pretest(outcome: Any, p_value: float | None, *, reliable: bool = True,
                 leads: tuple[tuple[int, float, float], ...] = (),
                 means: tuple[Any, ...] = (), starts: tuple[Any, ...] = ()) -> Any:
    """``outcome`` with a pre-trend test (read when ``reliable``), event-study leads
    ``(e, low, high)`` and, optionally, group means and pilot starts."""
    import dataclasses

    from pilot_eval.report.outcome import (
        EventStudy,
        EventTimeRow,
        PreTrendChoice,
        PreTrendTest,
    )

    rows = tuple(EventTimeRow(e=e, label=f"{-e} months before", estimate=(lo + hi) / 2, se=0.1,
                              ci_low=lo, ci_high=hi) for e, lo, hi in leads)
    tests = () if p_value is None else (PreTrendTest(
        source="event study", statistic=1.0, df=len(leads) or 2, p_value=p_value,
        reliable=reliable, note="joint test of the leads"),)
    used = tests[0] if tests and reliable else None
    choice = PreTrendChoice(used=used, why="the event study's joint test" if used else
                            "too many restrictions for the clusters", tests=tests)
    return dataclasses.replace(
        outcome, pretest=choice, group_means=means or outcome.group_means,
        pilot_starts=starts or outcome.pilot_starts,
        event_study=EventStudy(source="event study", rows=rows, reference=-1) if rows else None)


def fake_project_report(outcomes: tuple[Any, ...], retention: Any = None) -> Any:
    import datetime as dt

    from pilot_eval.report import BriefOptions, ProjectReport, Provenance, QaLog

    return ProjectReport(outcomes=outcomes, retention=retention,
                         provenance=Provenance(project_file="", sources=()),
                         qa=QaLog(run_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
                                  clock="fixed", pilot_eval_version="test", software=()),
                         brief=BriefOptions())


def fake_retention(arms: dict[str, tuple[int, float]]) -> Any:
    """A ``RetentionReport`` with each arm's staff count and median (everyone left)."""
    from pilot_eval.report import RetentionReport
    from pilot_eval.report.retention_report import Curve, KmGroup

    groups = tuple(KmGroup(name=arm, display=f"{arm.capitalize()} teams", arm=arm, n=n,
                           events=n, median=median, median_ci=(None, None), retention_at=(),
                           curve=Curve((), (), (), (), ()))
                   for arm, (n, median) in sorted(arms.items(), key=lambda a: a[0] != "pilot"))
    return RetentionReport(time_unit="months", ci_transform="log-log", level=0.95,
                           groups=groups, logrank=None, cox=None, pilot_effect=None, rmst=None)


def staff_frame() -> pd.DataFrame:
    """Six staff, everyone left: medians 5 (pilot) and 3 (comparison) months."""
    return pd.DataFrame({"arm": ["pilot"] * 3 + ["comparison"] * 3,
                         "months": [4.0, 5.0, 9.0, 1.0, 3.0, 7.0]})
