"""Multi-outcome runs and the demo pipeline (data -> estimates -> results.json + brief).

``pilot-eval demo`` and the window's "Open the demo pilot" both come through here, and both
use ``run_analysis`` for every number.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilot_eval import __version__
from pilot_eval.analysis import DidAnalysis, DidRequest, run_analysis
from pilot_eval.estimators import PanelColumns
from pilot_eval.io import LoadedTable, load_table
from pilot_eval.jsonio import write_json_atomic
from pilot_eval.progress import SILENT, Progress

DEMO_ORGANISATION = "Demo councils' empowerment pilot"


@dataclass(frozen=True)
class DemoOutputs:
    """The files the demo wrote and its one-line headline."""

    pdf: Path
    html: Path
    results: Path
    headline: str


class _Stage(Progress):
    """Maps a sub-task's 0..1 progress onto a slice of the parent's range."""

    def __init__(self, parent: Progress, start: float, stop: float) -> None:
        super().__init__()
        self._parent, self._start, self._stop = parent, start, stop

    def report(self, fraction: float, message: str = "") -> None:
        self._parent.report(self._start + (self._stop - self._start) * fraction, message)

    def check(self) -> None:
        self._parent.check()


def demo_requests() -> list[DidRequest]:
    """One request per demo outcome: team x month panel, pilot start as the cohort."""
    from pilot_eval.demo import OUTCOMES

    requests = []
    for info in OUTCOMES:
        columns = PanelColumns(outcome=info.column, unit="team", time="month",
                               cohort="pilot_start", cluster="team")
        requests.append(DidRequest(columns, outcome_label=info.label, outcome_unit=info.unit,
                                   polarity=info.polarity))
    return requests


def run_outcomes(
    requests: Sequence[DidRequest],
    table: LoadedTable,
    progress: Progress | None = None,
) -> list[DidAnalysis]:
    """``run_analysis`` for each request on the same table, with progress across all of them."""
    progress = progress or SILENT
    analyses = []
    for i, request in enumerate(requests):
        stage = _Stage(progress, i / len(requests), (i + 1) / len(requests))
        analyses.append(run_analysis(request, table, stage))
    return analyses


def results_document(analyses: Sequence[DidAnalysis], table: LoadedTable) -> dict[str, Any]:
    """The ``results.json`` document: provenance plus every outcome's result dictionary."""
    return {
        "pilot_eval_version": __version__,
        "data": {"file": Path(table.path).name, "sha256": table.sha256, "n_rows": table.n_rows},
        "outcomes": [analysis.to_dict() for analysis in analyses],
    }


def run_demo(out_dir: str | Path, *, progress: Progress | None = None,
             date: _dt.date | None = None) -> DemoOutputs:
    """Run the whole pipeline on the bundled demo pilot and write the brief and results."""
    from pilot_eval.brief import build_brief_content, render_html, render_pdf
    from pilot_eval.demo import demo_path

    progress = progress or SILENT
    out = Path(out_dir)
    progress.report(0.0, "Loading the demo pilot")
    table = load_table(demo_path("outcomes.csv"))
    analyses = run_outcomes(demo_requests(), table, _Stage(progress, 0.05, 0.8))
    document = results_document(analyses, table)
    results = write_json_atomic(out / "results.json", document)
    progress.report(0.85, "Writing the brief")
    content = build_brief_content(document["outcomes"], organisation=DEMO_ORGANISATION,
                                  date=date or _dt.date.today())
    pdf = render_pdf(content, out / "brief.pdf") or out / "brief.pdf"
    html = render_html(content, out / "brief.html") or out / "brief.html"
    progress.report(1.0, "Done")
    return DemoOutputs(pdf=Path(pdf), html=Path(html), results=results,
                       headline=_headline(content))


def _headline(content: Any) -> str:
    sentences = getattr(content, "headlines", None) or getattr(content, "headline", "")
    if isinstance(sentences, list | tuple):
        return " ".join(str(s) for s in sentences[:1])
    return str(sentences)
