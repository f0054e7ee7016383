"""Errors of the brief (defined with the report, which checks the brief's options)."""

from __future__ import annotations

from pilot_eval.report.errors import BriefError

__all__ = ["BriefError"]
