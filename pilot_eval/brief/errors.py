"""Errors of the brief: bad input to the content builder, or a file that cannot be written."""

from __future__ import annotations

from pilot_eval.errors import PilotEvalError


class BriefError(PilotEvalError, ValueError):
    """The brief cannot be built from what it was given, or cannot be written where asked."""
