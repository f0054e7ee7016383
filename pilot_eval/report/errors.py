"""Errors of the report and the brief: bad options, a results file that cannot be read."""

from __future__ import annotations

from pilot_eval.errors import PilotEvalError


class BriefError(PilotEvalError, ValueError):
    """The brief cannot be built from what it was given, or cannot be written where asked."""


class ResultsFileError(PilotEvalError, ValueError):
    """A results.json cannot be read back as a report (damaged, or from a newer version)."""
