"""The synthetic section of an outcome whose headline is synthetic DiD or synthetic control.

``synthetic_section(raw, extras, labels)`` reads the headline's dictionary (and, for synthetic
DiD, the synthetic control fitted beside it for its in-space placebos) into typed fields: the
method in one sentence, the comparison units that make up the synthetic comparison (largest
weight first), the pilot and its synthetic comparison over time, the placebo gaps, and the
method's own checks (pre-period fit, placebo rank: ``pilot_eval.small_pilots``).

The evidence rating reads the same checks (``report.evidence``: the rules are there).  The
charts are drawn from these fields by ``pilot_eval.charts.synthetic`` (``section_figures``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pilot_eval.estimators import Unavailable
from pilot_eval.small_pilots import evidence_terms, method_sentence

SYNTHETIC_ESTIMATORS = ("synthetic-did", "synthetic-control")


@dataclass(frozen=True)
class SyntheticWeight:
    """A comparison unit and its share of the synthetic comparison."""

    unit: str
    weight: float


@dataclass(frozen=True)
class SyntheticPath:
    """The pilot and its synthetic comparison in every period (``synthetic`` includes the
    constant pre-period ``offset`` synthetic DiD allows; 0 for synthetic control)."""

    labels: tuple[str, ...]
    pilot: tuple[float, ...]
    synthetic: tuple[float, ...]
    offset: float
    start_index: int


@dataclass(frozen=True)
class PlaceboGap:
    """One comparison unit given the pilot's start: its gap to its own synthetic comparison."""

    unit: str
    gaps: tuple[float, ...]


@dataclass(frozen=True)
class PlaceboGaps:
    """The pilot's gap and every placebo's, by period; ``rank`` among them on the ratio of
    post- to pre-period fit (1 = largest), with its permutation ``p_value``."""

    labels: tuple[str, ...]
    pilot: tuple[float, ...]
    placebos: tuple[PlaceboGap, ...]
    start_index: int
    rank: int | None
    p_value: float | None


@dataclass(frozen=True)
class SyntheticCheck:
    """One of the method's own checks: ``rating`` is "good", "weak" or "unavailable"."""

    name: str
    rating: str
    text: str


@dataclass(frozen=True)
class SyntheticSection:
    """What the brief and the window show for a synthetic headline."""

    method: str
    sentence: str
    weights: tuple[SyntheticWeight, ...]
    path: SyntheticPath | None
    placebo_gaps: PlaceboGaps | Unavailable | None
    checks: tuple[SyntheticCheck, ...]


def synthetic_section(raw: Mapping[str, Any], extras: Mapping[str, Any],
                      labels: Mapping[int, str]) -> SyntheticSection | None:
    """The section for a synthetic headline ``raw`` (``None`` for any other estimator)."""
    method = str(raw.get("estimator") or "")
    if method not in SYNTHETIC_ESTIMATORS:
        return None
    path: SyntheticPath | None
    if method == "synthetic-control":
        weights, path = _control_weights(raw), _control_path(raw, labels)
        gaps: Any = _gaps(raw, labels)
    else:
        cohort = max(raw.get("cohorts") or [{}], key=lambda c: float(c.get("weight") or 0.0))
        weights = _weights(cohort.get("unit_weights") or [])
        path = _did_path(cohort, labels) if cohort else None
        control = extras.get("synthetic_control")
        gaps = (control if isinstance(control, Unavailable) else
                _gaps(control.to_dict(), labels) if control is not None else None)
    checks = tuple(SyntheticCheck(t.name, t.rating, t.text) for t in evidence_terms(dict(raw)))
    return SyntheticSection(method=method,
                            sentence=method_sentence("sc" if method == "synthetic-control"
                                                     else "sdid"),
                            weights=weights, path=path, placebo_gaps=gaps, checks=checks)


def _label(labels: Mapping[int, str], value: Any) -> str:
    try:
        return labels.get(int(value), str(value))
    except (TypeError, ValueError):
        return str(value)


def _weights(rows: list[Mapping[str, Any]]) -> tuple[SyntheticWeight, ...]:
    pairs = [(str(r["unit"]), float(r["weight"])) for r in rows if float(r["weight"]) > 0]
    pairs.sort(key=lambda p: -p[1])
    return tuple(SyntheticWeight(u, w) for u, w in pairs)


def _control_weights(raw: Mapping[str, Any]) -> tuple[SyntheticWeight, ...]:
    return _weights(raw.get("unit_weights") or [])


def _did_path(cohort: Mapping[str, Any], labels: Mapping[int, str]) -> SyntheticPath:
    path = cohort["trajectory"]
    offset = float(path.get("offset") or 0.0)
    return SyntheticPath(labels=tuple(_label(labels, p) for p in path["periods"]),
                         pilot=tuple(map(float, path["pilot"])),
                         synthetic=tuple(float(s) + offset for s in path["synthetic"]),
                         offset=offset, start_index=int(cohort["n_pre"]))


def _control_path(raw: Mapping[str, Any], labels: Mapping[int, str]) -> SyntheticPath:
    periods = list(raw["periods"])
    synthetic = [float(s) for s in raw["synthetic"]]
    pilot = [s + float(g) for s, g in zip(synthetic, raw["gaps"]["pilot"], strict=True)]
    return SyntheticPath(labels=tuple(_label(labels, p) for p in periods), pilot=tuple(pilot),
                         synthetic=tuple(synthetic), offset=0.0,
                         start_index=periods.index(raw["start"]))


def _gaps(raw: Mapping[str, Any], labels: Mapping[int, str]) -> PlaceboGaps:
    periods = list(raw["periods"])
    gaps = dict(raw["gaps"])
    pilot = tuple(map(float, gaps.pop("pilot")))
    p_value = raw.get("p_value")
    return PlaceboGaps(labels=tuple(_label(labels, p) for p in periods), pilot=pilot,
                       placebos=tuple(PlaceboGap(str(u), tuple(map(float, g)))
                                      for u, g in gaps.items()),
                       start_index=periods.index(raw["start"]),
                       rank=None if raw.get("placebo_rank") is None else int(raw["placebo_rank"]),
                       p_value=None if p_value is None else float(p_value))
