"""The project report for the window: run it, draw its charts, export and preview its brief.

Called from the task runner only (or, for large tables, in a child process: ``report_here``
is importable and everything it returns pickles).  The window runs the whole session project
through ``pilot_eval.report.run_project`` (every outcome, the retention options, the brief
options), so what it shows is the report the command line and the brief render.  The charts
are the brief's own (``pilot_eval.brief``'s chart content: the same builder, the same data
table as the chart's text alternative), drawn here as PNG so the GUI thread never draws.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pilot_eval.progress import Progress


@dataclass(frozen=True)
class Chart:
    """A chart of the brief as the window shows it: the picture, and its data table."""

    png: bytes | None
    title: str
    alt_text: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    key: str = ""


#: The chart the Impact step shows for an outcome: the first of these that the report has.
IMPACT_CHARTS = ("synthetic", "event", "means")


@dataclass(frozen=True)
class ReportOutput:
    """What a run hands back to the GUI thread: the report and its charts, by name
    (``means:OUTCOME``, ``event:OUTCOME``, ``synthetic:OUTCOME``, ``retention``).

    ``pending``: charts still to be drawn (the run draws first what the first screen shows and
    the rest after the result is shown; ``draw_charts`` draws them)."""

    report: Any  # pilot_eval.report.ProjectReport
    charts: dict[str, Chart] = field(default_factory=dict)
    pending: tuple[str, ...] = ()

    def chart(self, kind: str, outcome: str = "") -> Chart | None:
        return self.charts.get(f"{kind}:{outcome}" if outcome else kind)

    def is_pending(self, kind: str, outcome: str = "") -> bool:
        """Is this chart still being drawn?"""
        return (f"{kind}:{outcome}" if outcome else kind) in self.pending

    def first_chart(self, kinds: tuple[str, ...], outcome: str) -> tuple[Chart | None, bool]:
        """The first of ``kinds`` the report has for ``outcome``, and whether one before it
        (or it) is still being drawn -- then ``(None, True)``: never a chart that a pending
        one would replace."""
        for kind in kinds:
            if self.is_pending(kind, outcome):
                return None, True
            chart = self.chart(kind, outcome)
            if chart is not None:
                return chart, False
        return None, False

    def with_charts(self, charts: dict[str, Chart]) -> ReportOutput:
        """This output with the pending ``charts`` drawn (nothing pending any more)."""
        return dataclasses.replace(self, charts={**self.charts, **charts}, pending=())


def render(content: Any) -> Chart:
    """A ``ChartContent`` of the brief, drawn (its spec through the brief's builder)."""
    from pilot_eval.brief.figures import figure_for

    from .chart_image import render_png

    return Chart(png=render_png(figure_for(content.spec)), title=content.title,
                 alt_text=content.alt_text, columns=tuple(content.table.columns),
                 rows=tuple(tuple(str(c) for c in row) for row in content.table.rows),
                 key=getattr(content, "key", ""))


def render_spec(spec: Any, title: str) -> Chart:
    """A means chart before any report (the Trends step): the brief's builder and table."""
    from pilot_eval.brief.figures import figure_for
    from pilot_eval.brief.text import means_table_rows

    from .chart_image import render_png

    unit_noun = getattr(spec, "unit_noun", "teams")
    columns = ("Period", f"Pilot {unit_noun}: mean", f"Pilot {unit_noun} with data",
               f"Comparison {unit_noun}: mean", f"Comparison {unit_noun} with data")
    return Chart(png=render_png(figure_for(spec)), title=title, alt_text=title,
                 columns=columns, rows=tuple(tuple(str(c) for c in row) for row in
                                             means_table_rows(spec.group_means, spec.unit)))


def chart_makers(report: Any) -> dict[str, Callable[[], Chart | None]]:
    """How to draw each chart of ``report``, by name, in the order the window shows them: per
    outcome the means, a synthetic headline's trajectory (pilot against its synthetic
    comparison) and the event study, as the brief draws them; then the retention chart.  A
    maker returns None when its outcome has no such chart."""
    from pilot_eval.report import Unavailable

    unit_noun = report.brief.unit_noun
    makers: dict[str, Callable[[], Chart | None]] = {}
    for outcome in report.outcomes:
        makers[f"means:{outcome.outcome}"] = partial(means_chart, outcome, unit_noun)
        synthetic = getattr(outcome, "synthetic", None)
        if synthetic is not None and synthetic.path is not None:
            makers[f"synthetic:{outcome.outcome}"] = partial(synthetic_chart, outcome, synthetic)
        makers[f"event:{outcome.outcome}"] = partial(event_chart, outcome, unit_noun)
    retention = report.retention
    if retention is not None and not isinstance(retention, Unavailable):
        makers["retention"] = partial(retention_chart, retention, report.brief)
    return makers


def means_chart(outcome: Any, unit_noun: str) -> Chart:
    """An outcome's means over time, as the brief draws them."""
    from pilot_eval.brief.content import chart_content, outcome_row

    return render(chart_content(outcome, outcome_row(outcome, unit_noun), unit_noun))


def event_chart(outcome: Any, unit_noun: str) -> Chart | None:
    """An outcome's effect by periods since the pilot, as the brief draws it (None: none)."""
    from pilot_eval.brief.build import event_time_chart
    from pilot_eval.brief.content import outcome_row

    content = event_time_chart(outcome, outcome_row(outcome, unit_noun))
    return None if content is None else render(content)


def draw_charts(report: Any, keys: tuple[str, ...] | None = None, progress: Progress | None = None
                ) -> dict[str, Chart]:
    """The charts ``keys`` of ``report`` (None: all of them), drawn in that order; a chart
    its outcome does not have is left out."""
    makers = chart_makers(report)
    keys = tuple(makers) if keys is None else keys
    charts: dict[str, Chart] = {}
    for done, key in enumerate(keys):
        if progress is not None:
            progress.report(done / max(len(keys), 1), "Drawing the charts")
        chart = makers[key]() if key in makers else None
        if chart is not None:
            charts[key] = chart
    return charts


def first_screen_charts(report: Any, outcome: str | None) -> tuple[dict[str, Chart],
                                                                    tuple[str, ...]]:
    """The chart the Impact step shows for ``outcome`` (its synthetic trajectory, else its
    event study, else its means), drawn now, and the names of the others, to draw later."""
    makers = chart_makers(report)
    charts: dict[str, Chart] = {}
    tried: set[str] = set()
    for kind in IMPACT_CHARTS if outcome else ():
        key = f"{kind}:{outcome}"
        if key not in makers:
            continue
        tried.add(key)
        chart = makers[key]()
        if chart is not None:
            charts[key] = chart
            break
    return charts, tuple(k for k in makers if k not in tried)


def synthetic_chart(outcome: Any, section: Any) -> Chart:
    """The pilot and its synthetic comparison over time (``charts.synthetic``'s builder, as
    the report's technical section draws it), with its numbers as the data table."""
    from pilot_eval.charts.synthetic import section_figures
    from pilot_eval.report.words import format_value

    from .chart_image import render_png

    trajectory, _gaps, _weights = section_figures(section, outcome_label=outcome.label,
                                                  unit=outcome.unit)
    path = section.path
    title = f"{outcome.label}: the pilot and its synthetic comparison"
    rows = tuple((label, format_value(p, outcome.unit), format_value(s, outcome.unit))
                 for label, p, s in zip(path.labels, path.pilot, path.synthetic, strict=True))
    start = path.labels[path.start_index] if 0 <= path.start_index < len(path.labels) else ""
    alt = (f"Line chart: {outcome.label} of the pilot and of its synthetic comparison (a "
           f"weighted mix of comparison units) in each period; the pilot starts in {start}.")
    return Chart(png=render_png(trajectory), title=title, alt_text=alt,
                 columns=("Period", "Pilot", "Synthetic comparison"), rows=rows)


def retention_chart(retention: Any, options: Any) -> Chart | None:
    """The brief's retention chart (curves cut where fewer than the disclosure base remain at
    risk, labels at the line ends), or None when there are no curves."""
    from pilot_eval.brief.build import retention_chart as brief_retention_chart

    content = brief_retention_chart(retention, options, "")
    return None if content is None else render(content)


def report_here(project: Any, project_file: str | None, *, progress: Progress,
                expected_sha256: str | None = None, staff_view: Any = None,
                first: str | None = None) -> ReportOutput:
    """``run_project`` on the session's project, then its charts.  ``expected_sha256``: the
    outcome panel as the window shows it (a file changed since is refused, not analysed).

    ``first``: the outcome the window shows; only its Impact chart is drawn here and the
    others are left ``pending`` (the window draws them after showing the result).  None
    draws every chart.

    A staff entry with choices only the window offers so far (reading options, pilot starts
    from the outcome panel) cannot go through ``run_project``: the report then takes the
    retention report the window built for those records (``staff_view``), from the same
    core code."""
    from pilot_eval.errors import DataError
    from pilot_eval.report import run_project
    from pilot_eval.report.run import Stage

    from .retention_core import uses_window_keys

    own = uses_window_keys(project.staff_data)
    runnable = dataclasses.replace(project, staff_data=None) if own else project
    report = run_project(runnable, Stage(progress, 0.0, 0.9), project_file=project_file)
    if own and staff_view is not None and staff_view.report is not None:
        report = dataclasses.replace(report, retention=staff_view.report)
    panel = report.provenance.sources[0] if report.provenance.sources else None
    if expected_sha256 and panel is not None and panel.sha256 != expected_sha256:
        raise DataError("the data file changed since it was opened", file=panel.file,
                        hint="Open it again to see and check its new contents.")
    progress.report(0.92, "Drawing the charts")
    if first is None:
        charts, pending = draw_charts(report), ()
    else:
        charts, pending = first_screen_charts(report, first)
    progress.report(1.0, "Done")
    return ReportOutput(report=report, charts=charts, pending=pending)


def with_brief(report: Any, project: Any) -> Any:
    """``report`` with the brief's options and narrative as the project has them now (the
    analyst edits them after the run; no figure changes)."""
    from pilot_eval.report.run import brief_options

    return dataclasses.replace(report, brief=brief_options(project),
                               narrative=tuple(sorted(project.narrative.items())))


def export_brief(report: Any, folder: str | Path, progress: Progress) -> tuple[str, ...]:
    """Write brief.pdf, brief.html, technical-report.pdf, tables.xlsx and results.json into
    ``folder`` (as ``pilot-eval brief --out FOLDER`` does); return their paths (brief.pdf
    and brief.html first)."""
    from pilot_eval.pipeline import write_outputs

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = write_outputs(report, out, progress=progress)
    return tuple(str(path) for path in written.files)


def export_tables(report: Any, path: str | Path, progress: Progress) -> list[str]:
    """The report's tables as an ``.xlsx`` workbook, or one CSV per table beside ``path``
    (``pilot_eval.tables.export_report_tables``); return the files written."""
    from pilot_eval.tables import export_report_tables

    progress.report(0.1, "Writing the tables")
    return [str(p) for p in export_report_tables(report, path)]


#: Where the HTML twin's first page ends: the charts over time, else the annex.
PAGE_ONE_ENDS = ('<section aria-labelledby="over-time">', '<section aria-labelledby="annex">')


def page_one_html(document: str) -> str:
    """The part of the brief's HTML before the charts and the annex, closed again."""
    for marker in PAGE_ONE_ENDS:
        cut = document.find(marker)
        if cut >= 0:
            return document[:cut] + "</main>\n</body>\n</html>\n"
    return document


def brief_preview(report: Any, progress: Progress) -> str:
    """Page 1 of the brief as HTML, from the content the export writes."""
    from pilot_eval.brief import brief_html, build_brief_content

    progress.report(0.1, "Drawing the preview")
    page = page_one_html(brief_html(build_brief_content(report)))
    progress.report(1.0, "Done")
    return page
