"""What every estimator's result offers, whatever the family.

* ``tidy()``: a fresh DataFrame with one row per term and the columns ``term, estimate, se,
  statistic, p_value, ci_low, ci_high`` first (as R broom and pyfixest); estimator-specific
  columns may follow.  Numbers that do not apply or could not be computed are NaN here; the
  reasons stay on the result (``unavailable``).
* ``summary()``: plain text, periods shown by their labels; ``str(result)`` is the summary.
* ``_repr_html_()``: the headline, the tidy table and the warnings, for notebooks; ``repr``
  is the one-line headline (result classes are declared with ``repr=False``).
* ``level``, ``n_obs``, ``warnings`` and ``unavailable`` (``{statistic: reason}``).

Results with one headline number (the DiD estimators) also carry ``estimate``, ``se``,
``ci_low``, ``ci_high`` and ``p_value`` through ``Estimate``; regression-based DiD results share
the rest of their inference through ``DidEstimate``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

import pandas as pd
from pilot_eval.estimators.inference.variance import Inference
from pilot_eval.estimators.unavailable import Unavailable

TIDY_COLUMNS = ("term", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high")
"""The first columns of every ``tidy()`` frame, in this order."""

Number = float | Unavailable
"""A statistic: a float, or ``Unavailable`` with the reason it could not be computed."""

HTML_ROWS = 40
"""Rows of the tidy table shown in a notebook (the rest are counted, not shown)."""


@dataclass(frozen=True)
class Term:
    """One row of ``tidy()``: a named quantity and its inference (``None`` = does not apply)."""

    term: str
    estimate: Number | None
    se: Number | None = None
    statistic: Number | None = None
    p_value: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None


def as_float(value: object) -> float:
    """``value`` as a float for a frame: NaN for ``None`` and ``Unavailable``."""
    if value is None or isinstance(value, Unavailable):
        return math.nan
    return float(value)  # type: ignore[arg-type]  # numbers and numpy scalars


def tidy_frame(terms: Iterable[Term],
               extra: Mapping[str, Sequence[object]] | None = None) -> pd.DataFrame:
    """The tidy frame of ``terms``, with ``extra`` columns (one value per term) after them."""
    rows = list(terms)
    data: dict[str, list[object]] = {"term": [t.term for t in rows]}
    for name in TIDY_COLUMNS[1:]:
        data[name] = [as_float(getattr(t, name)) for t in rows]
    frame = pd.DataFrame(data, columns=list(TIDY_COLUMNS))
    for name, values in (extra or {}).items():
        frame[name] = list(values)
    return frame


def label_of(value: object, labels: Mapping[int, str]) -> str:
    """A period's label (``"Apr 2024"``), or the period itself when it has none."""
    if value is None or isinstance(value, Unavailable):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and int(number) in labels:
        return labels[int(number)]
    return f"{int(number)}" if number.is_integer() else f"{number:g}"


def fmt(value: object, digits: int = 6) -> str:
    """A statistic for text output: ``n/a`` for ``None``/``Unavailable``/NaN."""
    if value is None or isinstance(value, Unavailable):
        return "n/a"
    number = float(value)  # type: ignore[arg-type]
    return "n/a" if math.isnan(number) else f"{number:.{digits}g}"


class Result:
    """The protocol every estimator result follows (mixed into frozen dataclasses).

    A subclass provides ``summary()`` and either a ``terms`` field (a tuple of ``Term``) or
    its own ``tidy_rows()``, and has a ``warnings`` attribute (a field or a property).
    """

    title: ClassVar[str] = "Result"

    def tidy_rows(self) -> tuple[Term, ...]:
        """The rows of ``tidy()`` (the ``terms`` field by default)."""
        terms = getattr(self, "terms", None)
        if terms is None:
            raise NotImplementedError(f"{type(self).__name__} has no terms")
        return tuple(terms)

    def tidy_extra(self) -> dict[str, list[object]]:
        """Estimator-specific columns after the tidy ones (one value per term)."""
        return {}

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``term, estimate, se, statistic, p_value, ci_low, ci_high``
        (a fresh frame; NaN where a number does not apply or is unavailable)."""
        return tidy_frame(self.tidy_rows(), self.tidy_extra())

    def summary(self) -> str:
        """A plain-text report."""
        raise NotImplementedError

    def headline(self) -> str:
        """One line for the top of the notebook view (the title by default)."""
        return self.title

    @property
    def unavailable(self) -> dict[str, str]:
        """``{name: reason}`` for every top-level statistic that could not be computed."""
        found: dict[str, str] = {}
        for item in fields(self):  # type: ignore[arg-type]  # subclasses are dataclasses
            value = getattr(self, item.name)
            if isinstance(value, Unavailable):
                found[item.name] = value.reason
        for name in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            value = getattr(self, name, None)
            if isinstance(value, Unavailable):
                found.setdefault(name, value.reason)
        return found

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.headline()}>"

    def _repr_html_(self) -> str:
        frame = self.tidy()
        shown = frame.head(HTML_ROWS)
        table = shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.6g}",
                              border=0)
        parts = [f"<div class=\"pilot-eval-result\"><strong>{html.escape(self.title)}</strong>",
                 f"<p>{html.escape(self.headline())}</p>", table]
        if len(frame) > HTML_ROWS:
            parts.append(f"<p>{len(frame) - HTML_ROWS} more rows: use <code>.tidy()</code>"
                         "</p>")
        warnings: tuple[str, ...] = getattr(self, "warnings", ())
        if warnings:
            items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
            parts.append(f"<p>Warnings:</p><ul>{items}</ul>")
        parts.append("</div>")
        return "\n".join(parts)


@dataclass(frozen=True, kw_only=True, repr=False)
class Estimate(Result):
    """A result with one headline estimate and its inference."""

    estimate: Number
    se: Number
    ci_low: Number
    ci_high: Number
    p_value: Number
    level: float
    n_obs: int
    warnings: tuple[str, ...] = ()

    def headline(self) -> str:
        return (f"estimate {fmt(self.estimate)} (SE {fmt(self.se)}), {self.level:.0%} CI "
                f"{fmt(self.ci_low)} to {fmt(self.ci_high)}, p = {fmt(self.p_value, 4)}; "
                f"{self.n_obs:,} rows")


@dataclass(frozen=True, kw_only=True, repr=False)
class DidEstimate(Estimate):
    """The inference a regression-based DiD result shares (t with ``df`` degrees of freedom)."""

    outcome: str
    t_stat: Number
    df: int
    n_units: int | None
    n_periods: int
    n_clusters: int | None
    se_type: str
    se_description: str


def inference_terms(names: Sequence[str], estimates: Sequence[float],
                    inferences: Sequence[Inference]) -> tuple[Term, ...]:
    """Terms from estimates and their inference (se, t, p, interval)."""
    return tuple(Term(name, float(b), inf.se, inf.t_stat, inf.p_value, inf.ci_low, inf.ci_high)
                 for name, b, inf in zip(names, estimates, inferences, strict=True))
