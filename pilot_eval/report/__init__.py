"""One project, one report: the typed ``ProjectReport`` every output renders.

``run_project(project, progress)`` runs a project and builds its report, making every
decision once (which interval is the headline, which pre-trend test is read, which Cox term is
the pilot effect, the evidence rating).  The window, the command line, results.json
(``ProjectReport.to_json`` / ``from_json``) and the brief read its typed fields; none of them
computes a statistic or chooses between figures.  Shared wording lives in ``words``.
"""

from pilot_eval.estimators import Unavailable
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.options import BriefOptions, DisclosureThresholds
from pilot_eval.report.outcome import Headline, OutcomeReport
from pilot_eval.report.project_report import (
    SCHEMA_VERSION,
    DataSource,
    ProjectReport,
    Provenance,
    QaLog,
)
from pilot_eval.report.retention_report import RetentionReport
from pilot_eval.report.run import run_project

__all__ = [
    "SCHEMA_VERSION",
    "BriefOptions",
    "DataSource",
    "DisclosureThresholds",
    "EvidenceRating",
    "Headline",
    "OutcomeReport",
    "ProjectReport",
    "Provenance",
    "QaLog",
    "RetentionReport",
    "Unavailable",
    "run_project",
]
