"""The brief's options live with the report (``pilot_eval.report.options``); re-exported here
for code that still imports them from the brief."""

from pilot_eval.report.options import (
    DECISIONS,
    MAX_HEADLINE_OUTCOMES,
    BriefOptions,
    Decision,
    DisclosureThresholds,
)

__all__ = ["DECISIONS", "MAX_HEADLINE_OUTCOMES", "BriefOptions", "Decision",
           "DisclosureThresholds"]
