"""The report of a whole project: every outcome, retention, provenance, QA log and the brief's
options and narrative.  ``to_json`` / ``from_json`` are results.json.

``from_json(report.to_json()) == report`` exactly (a round-trip test checks it), so every output
can be rebuilt from the archived results.json without re-running: the brief built from the
report read back is byte-identical to the one built from the report in memory.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from pilot_eval.estimators import Unavailable
from pilot_eval.report.codec import ReportFormatError, from_plain, to_plain
from pilot_eval.report.errors import ResultsFileError
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.retention_report import RetentionReport

SCHEMA_VERSION = 2
"""results.json's schema version (1 was the untyped results document before the report)."""
FORMAT = "pilot-eval results"


@dataclass(frozen=True)
class DataSource:
    """A data file analysed: its role, name relative to the project file, fingerprint, rows."""

    role: str
    file: str
    sha256: str
    rows_read: int
    excluded_rows: tuple[int, ...] = ()
    """File rows the analyst left out (1-based, as the spreadsheet numbers them)."""
    header_row: int | None = None


@dataclass(frozen=True)
class Provenance:
    """Where the data came from: the project file and every data source, with the span of
    periods analysed and the staff extract's dates."""

    project_file: str
    sources: tuple[DataSource, ...]
    first_period: str = ""
    last_period: str = ""
    extract_date: str = ""


@dataclass(frozen=True)
class CrossCheckLine:
    """One line of the QA log's checks table."""

    check: str
    outcome: str


@dataclass(frozen=True)
class QaLog:
    """When and with what the analysis ran: versions, seeds, clock, cross-checks.

    ``run_at`` is the moment the analysis ran (from the clock: ``clock`` says ``"system"``
    or which fixed clock was used, e.g. for the committed demo).
    """

    run_at: dt.datetime
    clock: str
    pilot_eval_version: str
    software: tuple[tuple[str, str], ...]
    seeds: tuple[int, ...] = ()
    checks: tuple[CrossCheckLine, ...] = ()

    @property
    def run_date_text(self) -> str:
        """``1 October 2025``: the run date as a UK reader writes it."""
        day = self.run_at.date()
        return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class ProjectReport:
    """One project, one report: the only thing the window, the command line, results.json and
    the brief render."""

    outcomes: tuple[OutcomeReport, ...]
    retention: RetentionReport | Unavailable | None
    provenance: Provenance
    qa: QaLog
    brief: BriefOptions
    narrative: tuple[tuple[str, str], ...] = ()
    demo: bool = False
    schema_version: int = SCHEMA_VERSION

    def outcome(self, name: str) -> OutcomeReport:
        """The report of outcome column ``name`` (``KeyError`` when it is not in the report)."""
        for report in self.outcomes:
            if report.outcome == name:
                return report
        raise KeyError(name)

    def to_plain(self) -> dict:
        """The JSON object of results.json (format and schema version first)."""
        return {"format": FORMAT, **to_plain(self)}

    def to_json(self) -> str:
        """results.json: UTF-8 JSON text, one space of indent, keys in declaration order."""
        return json.dumps(self.to_plain(), ensure_ascii=False, allow_nan=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, *, file: str | None = None) -> ProjectReport:
        """The report that ``to_json`` wrote (``ResultsFileError`` when it cannot be read)."""
        try:
            document = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ResultsFileError("the results file is damaged (it is not valid JSON)",
                                   file=file, hint="Run the project again to rewrite it.") \
                from error
        return cls.from_plain(document, file=file)

    @classmethod
    def from_plain(cls, document: object, *, file: str | None = None) -> ProjectReport:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ResultsFileError(
                "this is not a results file written by pilot-eval", file=file,
                hint="Give the results.json written beside a brief, or a .pilot.json project.")
        version = document.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ResultsFileError(
                f"the results file has schema version {version!r}; this pilot-eval reads up "
                f"to {SCHEMA_VERSION}", file=file,
                hint="Update pilot-eval, or run the project again with this version.")
        if version < SCHEMA_VERSION:
            raise ResultsFileError(
                f"the results file has the older schema version {version}", file=file,
                hint="Run the project again (pilot-eval brief PROJECT.pilot.json) to rewrite "
                     "it in the current form.")
        body = {k: v for k, v in document.items() if k != "format"}
        try:
            return from_plain(cls, body, "results")
        except ReportFormatError as error:
            raise ResultsFileError(f"the results file has an entry of the wrong shape ({error})",
                                   file=file, hint="Run the project again to rewrite it.") \
                from error
