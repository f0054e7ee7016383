"""The synthetic comparison of a synthetic DiD or synthetic control headline, for the brief and
the technical report (issue 15), read from ``OutcomeReport.synthetic``.

* ``method_bullet`` / ``synthetic_sentences``: the method in one plain sentence, for the
  brief's method section (``annex_brief.method_section``);
* ``synthetic_charts``: the pilot against its synthetic comparison and the placebo gaps, each
  with its title, alternative text and the data behind it (``SyntheticChartSpec`` is drawn by
  ``pilot_eval.charts.synthetic``: ``brief.figures.figure_for``);
* ``synthetic_annex``: the technical report's section: the sentence, the method's own checks
  (pre-period fit, placebo rank) and the comparison units with their weights, largest first.

Outcomes with any other headline give nothing (``None`` / empty tuples).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pilot_eval.brief.content import ChartContent
from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.synthetic import PlaceboGaps, SyntheticPath, SyntheticSection
from pilot_eval.report.words import amount, period_nouns, round_significant
from pilot_eval.small_pilots import method_sentence

FIGURES = 3
PATH = "synthetic_path"
GAPS = "placebo_gaps"
OFFSET_NOTE = ("The synthetic comparison is shifted by the pilot's average pre-pilot gap "
               "(synthetic DiD compares changes, not levels).")


@dataclass(frozen=True)
class SyntheticChartSpec:
    """What ``pilot_eval.charts.synthetic`` needs to draw one of the two charts: ``kind``
    ``"synthetic_path"`` (``others`` = the synthetic comparison) or ``"placebo_gaps"``
    (``others`` = each placebo's gaps)."""

    kind: str
    labels: tuple[str, ...]
    pilot: tuple[float, ...]
    others: tuple[tuple[float, ...], ...]
    start_index: int
    outcome_label: str
    unit: str
    note: str = ""


def _section(o: OutcomeReport) -> SyntheticSection | None:
    return getattr(o, "synthetic", None)


def sentence(o: OutcomeReport, unit_noun: str = "teams") -> str | None:
    """The method in one plain sentence, in the brief's nouns (``None``: not synthetic)."""
    section = _section(o)
    if section is None:
        return None
    return method_sentence(section.method, units=unit_noun,
                           periods=period_nouns(o.period_kind)[1])


def method_bullet(o: OutcomeReport, unit_noun: str = "teams") -> str | None:
    """``"<outcome>: <the sentence>"`` for the brief's method section."""
    text = sentence(o, unit_noun)
    return None if text is None else f"{o.label}: {text}"


def synthetic_sentences(outcomes: Sequence[OutcomeReport], unit_noun: str = "teams"
                        ) -> tuple[str, ...]:
    """``method_bullet`` of every outcome with a synthetic headline."""
    found = (method_bullet(o, unit_noun) for o in outcomes)
    return tuple(b for b in found if b is not None)


def cell(value: float) -> str:
    """A number for a table: three significant figures, trailing zeros kept (``4.40``)."""
    rounded = round_significant(float(value), FIGURES)
    if rounded == 0 or not math.isfinite(rounded):
        return "0" if rounded == 0 else "n/a"
    decimals = max(0, FIGURES - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _path_chart(o: OutcomeReport, path: SyntheticPath, unit_noun: str) -> ChartContent:
    gaps = [p - s for p, s in zip(path.pilot, path.synthetic, strict=True)]
    before, after = gaps[:path.start_index], gaps[path.start_index:]
    start = path.labels[path.start_index]
    alt = (f"Line chart of {o.label} from {path.labels[0]} to {path.labels[-1]}: the pilot "
           f"{unit_noun} and their synthetic comparison; the pilot started in {start}. Before "
           f"it the two lines differed by {amount(_mean([abs(g) for g in before]), o.unit)} on "
           f"average; after it the pilot was {amount(abs(_mean(after)), o.unit)} "
           f"{'above' if _mean(after) >= 0 else 'below'} its synthetic comparison on average.")
    table = DataTable(
        caption=f"{o.label}: the pilot {unit_noun} and their synthetic comparison",
        columns=("Period", f"Pilot {unit_noun}", "Synthetic comparison", "Gap"),
        rows=tuple((label, cell(p), cell(s), cell(g)) for label, p, s, g
                   in zip(path.labels, path.pilot, path.synthetic, gaps, strict=True)))
    spec = SyntheticChartSpec(PATH, path.labels, path.pilot, (path.synthetic,),
                              path.start_index, o.label, o.unit,
                              OFFSET_NOTE if path.offset else "")
    return ChartContent(
        title=f"{o.label}: the pilot {unit_noun} against their synthetic comparison",
        alt_text=alt, table=table, spec=spec,
        key=(f"Solid line with circles: pilot {unit_noun}. Dashed line with squares: their "
             "synthetic comparison. Dotted vertical line: pilot start."))


def _gaps_chart(o: OutcomeReport, gaps: PlaceboGaps, unit_noun: str) -> ChartContent:
    n = len(gaps.placebos)
    rank = ("" if gaps.rank is None else
            f" The pilot ranks {gaps.rank} of {n + 1} on how much more its gap grew after the "
            "start than before.")
    alt = (f"Line chart of the gap between each unit and its synthetic comparison, "
           f"{gaps.labels[0]} to {gaps.labels[-1]}: the pilot's gap highlighted, {n} comparison "
           f"{unit_noun} given the pilot's start as placebos in grey.{rank}")
    rows = []
    for k, label in enumerate(gaps.labels):
        values = [p.gaps[k] for p in gaps.placebos]
        rows.append((label, cell(gaps.pilot[k]), cell(min(values)) if values else "n/a",
                     cell(max(values)) if values else "n/a"))
    table = DataTable(
        caption=f"{o.label}: the pilot's gap and the placebos' ({n} comparison {unit_noun})",
        columns=("Period", "Pilot's gap", "Placebos: smallest gap", "Placebos: largest gap"),
        rows=tuple(rows))
    spec = SyntheticChartSpec(GAPS, gaps.labels, gaps.pilot,
                              tuple(p.gaps for p in gaps.placebos), gaps.start_index,
                              o.label, o.unit)
    return ChartContent(
        title=f"{o.label}: the pilot's gap against {n} placebos",
        alt_text=alt, table=table, spec=spec,
        key=(f"Thick line with circles: the pilot's gap to its synthetic comparison. Grey "
             f"lines: each comparison {unit_noun.removesuffix('s')} given the pilot's start, "
             "against its own synthetic comparison (placebos). Dotted vertical line: pilot "
             "start."))


def synthetic_charts(o: OutcomeReport, unit_noun: str = "teams") -> tuple[ChartContent, ...]:
    """The two charts of a synthetic headline (those that can be drawn)."""
    section = _section(o)
    if section is None:
        return ()
    charts = []
    if section.path is not None:
        charts.append(_path_chart(o, section.path, unit_noun))
    placebo = section.placebo_gaps
    if isinstance(placebo, PlaceboGaps) and placebo.placebos:
        charts.append(_gaps_chart(o, placebo, unit_noun))
    return tuple(charts)


def synthetic_annex(o: OutcomeReport, unit_noun: str = "teams") -> AnnexSection | None:
    """The technical report's section on the synthetic comparison of ``o``."""
    section = _section(o)
    if section is None:
        return None
    paragraphs = [sentence(o, unit_noun) or ""]
    if section.path is not None and section.path.offset:
        paragraphs.append(OFFSET_NOTE)
    placebo = section.placebo_gaps
    if isinstance(placebo, Unavailable):
        paragraphs.append(f"Placebo gaps: not available ({placebo.reason}).")
    elif isinstance(placebo, PlaceboGaps) and placebo.rank is not None:
        p = "" if placebo.p_value is None else f" (permutation p-value {cell(placebo.p_value)})"
        paragraphs.append(
            f"In-space placebos (Abadie, Diamond & Hainmueller 2010): each of the "
            f"{len(placebo.placebos)} comparison {unit_noun} in turn was given the pilot's start "
            f"and its own synthetic comparison; the pilot ranks {placebo.rank} of "
            f"{len(placebo.placebos) + 1} on the ratio of its gap after the start to its gap "
            f"before{p}.")
    checks = tuple(f"{c.name[0].upper()}{c.name[1:]} ({c.rating}): {c.text}."
                   for c in section.checks)
    weights = DataTable(
        caption=f"{o.label}: the comparison {unit_noun} that make up the synthetic "
                "comparison, largest weight first",
        columns=(f"Comparison {unit_noun}", "Weight"),
        rows=tuple((w.unit, f"{w.weight:.1%}") for w in section.weights))
    return AnnexSection(heading=f"Synthetic comparison: {o.label}", paragraphs=tuple(paragraphs),
                        bullets=checks, tables=(weights,))


def synthetic_annexes(outcomes: Sequence[OutcomeReport], unit_noun: str = "teams"
                      ) -> tuple[AnnexSection, ...]:
    """``synthetic_annex`` of every outcome that has one."""
    found = (synthetic_annex(o, unit_noun) for o in outcomes)
    return tuple(s for s in found if s is not None)


def figure(spec: SyntheticChartSpec, *, title: str = ""):
    """The chart of ``spec`` (matplotlib, through ``pilot_eval.charts.synthetic``)."""
    from pilot_eval.charts.synthetic import gaps_figure, path_figure

    if spec.kind == PATH:
        return path_figure(spec.labels, spec.pilot, spec.others[0], spec.start_index,
                           outcome_label=spec.outcome_label, unit=spec.unit, note=spec.note,
                           title=title)
    return gaps_figure(spec.labels, spec.pilot, spec.others, spec.start_index,
                       outcome_label=spec.outcome_label, unit=spec.unit, title=title)
