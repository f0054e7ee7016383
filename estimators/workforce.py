"""Workforce rates by their published definitions (NHS and DfE), from counts or staff spells.

Definitions (see the project's reference notes):

* **NHS leaver rate** = leavers in the period / mean of the headcount at the start and at the
  end of the period.
* **NHS stability index** = share of the staff in post at the start of the period who are still
  in post at its end (100 at the start, 90 still there = 90%).
* **DfE children's social work turnover rate** = leavers in the year to 30 September / staff in
  post at 30 September (the end of the period); counted in FTE in the published series.
* **Vacancy rate** = vacancies / (vacancies + staff in post); **agency rate** = agency workers /
  (agency workers + staff in post).

Rates are fractions (0.118 for 11.8%). A rate whose base is zero is ``Unavailable``.

Spell conventions (``spell_counts``): a spell runs from its start date to its end date, both
days included; a blank (``NaT``) end means still in post. Someone is *in post* on day ``d`` when
``start <= d <= end``. A *leaver in the period* ``[from, to)`` has an end date in ``[from, to)``
and a leaving that counts (``left``; for example internal moves are not counted). Staff whose
spell ends for a reason that does not count stay in the stability index's numerator: they have
not left the organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.unavailable import Unavailable, json_number

DEFINITIONS: dict[str, str] = {
    "nhs_leaver_rate": "leavers in the period / mean of the headcount at the start and the end "
                       "of the period (NHS Digital)",
    "stability_index": "share of staff in post at the start of the period still in post at its "
                       "end (NHS Digital stability index)",
    "dfe_turnover_rate": "leavers in the period / staff in post at the end of the period (DfE "
                         "children's social work workforce, year to 30 September)",
    "vacancy_rate": "vacancies / (vacancies + staff in post) (DfE)",
    "agency_rate": "agency workers / (agency workers + staff in post) (DfE)",
}


def _ratio(numerator: float, denominator: float, what: str) -> float | Unavailable:
    if not np.isfinite(denominator) or denominator <= 0:
        return Unavailable(f"{what}: the base is {denominator:g}, so no rate can be formed")
    return float(numerator) / float(denominator)


def nhs_leaver_rate(leavers: float, headcount_start: float, headcount_end: float
                    ) -> float | Unavailable:
    """NHS leaver rate: ``leavers / ((headcount_start + headcount_end) / 2)``."""
    return _ratio(leavers, (headcount_start + headcount_end) / 2.0, "leaver rate")


def stability_index(in_post_at_start: float, still_in_post_at_end: float) -> float | Unavailable:
    """NHS stability index: ``still_in_post_at_end / in_post_at_start`` (same cohort)."""
    if still_in_post_at_end > in_post_at_start:
        raise EstimationError(
            f"the stability index needs the stayers ({still_in_post_at_end:g}) to be part of the "
            f"staff in post at the start ({in_post_at_start:g}); count the same cohort twice"
        )
    return _ratio(still_in_post_at_end, in_post_at_start, "stability index")


def dfe_turnover_rate(leavers: float, staff_in_post_at_end: float) -> float | Unavailable:
    """DfE social-work turnover rate: ``leavers / staff in post at the end of the year``."""
    return _ratio(leavers, staff_in_post_at_end, "turnover rate")


def vacancy_rate(vacancies: float, staff_in_post: float) -> float | Unavailable:
    """DfE vacancy rate: ``vacancies / (vacancies + staff in post)``."""
    return _ratio(vacancies, vacancies + staff_in_post, "vacancy rate")


def agency_rate(agency_workers: float, staff_in_post: float) -> float | Unavailable:
    """DfE agency rate: ``agency / (agency + staff in post)``."""
    return _ratio(agency_workers, agency_workers + staff_in_post, "agency rate")


@dataclass(frozen=True)
class PeriodCounts:
    """Counts of one period ``[start, end)`` from staff spells (weights: 1 or FTE)."""

    headcount_start: float
    headcount_end: float
    leavers: float
    stayers: float
    person_time: float

    def rates(self) -> dict[str, float | Unavailable]:
        return {
            "nhs_leaver_rate": nhs_leaver_rate(self.leavers, self.headcount_start,
                                               self.headcount_end),
            "stability_index": stability_index(self.headcount_start, self.stayers),
            "dfe_turnover_rate": dfe_turnover_rate(self.leavers, self.headcount_end),
        }


def spell_counts(start: np.ndarray, end: np.ndarray, left: np.ndarray, *,
                 period_start: np.datetime64, period_end: np.datetime64,
                 weights: np.ndarray | None = None) -> PeriodCounts:
    """Headcounts, leavers, stayers and person-days of the period ``[period_start, period_end)``.

    ``start``/``end`` are ``datetime64[D]`` arrays (``NaT`` end = still in post); ``left`` is
    a boolean array, True when the spell's end counts as leaving. The headcount at the start
    counts spells in post on the first day; the headcount at the end counts spells in post at
    the close of the last day (``period_end - 1 day``), so a spell whose last day is the
    period's last day is a leaver, not in post at the end.
    """
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    left = np.asarray(left, dtype=bool)
    w = np.ones(start.size) if weights is None else np.asarray(weights, dtype=float)
    first = np.datetime64(period_start, "D")
    last = np.datetime64(period_end, "D") - np.timedelta64(1, "D")
    open_end = np.isnat(end)
    far = np.where(open_end, np.datetime64("9999-12-31"), end)
    at_start = (start <= first) & (far >= first)
    at_end = (start <= last) & (far > last)
    leaves = left & ~open_end & (far >= first) & (far <= last)
    stayers = at_start & ~(left & ~open_end & (far <= last))
    days_from = np.maximum(start, first)
    days_to = np.minimum(far, last)
    days = np.clip((days_to - days_from).astype(np.int64) + 1, 0, None)
    return PeriodCounts(float(w[at_start].sum()), float(w[at_end].sum()), float(w[leaves].sum()),
                        float(w[stayers].sum()), float((w * days).sum()))


def rates_table(spells: pd.DataFrame, periods: Sequence[tuple[str, object, object]], *,
                by: Sequence[str] = (), start: str = "start", end: str = "end",
                left: str = "left", weights: str | None = None) -> pd.DataFrame:
    """Workforce counts and rates per period (and per level of the ``by`` columns).

    Parameters
    ----------
    spells : DataFrame
        One row per spell with datetime ``start``/``end`` columns (``NaT`` end = in post) and a
        boolean ``left`` column (the end counts as leaving).
    periods : sequence of (label, first day, day after the last day)
        The periods, for example quarters or years to 30 September.
    by : sequence of str
        Grouping columns (team, arm ...).
    weights : str, optional
        A column of weights (FTE) for FTE-based counts; headcount otherwise.

    Returns
    -------
    DataFrame
        One row per group and period with ``period``, ``period_start``, ``period_end``,
        ``headcount_start``, ``headcount_end``, ``leavers``, ``stayers``, ``person_days`` and
        the three rates (NaN where the base is zero; see ``PeriodCounts.rates``).
    """
    for name in (start, end, left, *by, *([weights] if weights else [])):
        if name not in spells.columns:
            raise EstimationError(f"column '{name}' is not in the spells", column=name)
    groups = [((), spells)] if not by else [
        (key if isinstance(key, tuple) else (key,), part)
        for key, part in spells.groupby(list(by), sort=True, dropna=False)]
    rows = []
    for key, part in groups:
        for label, first, after in periods:
            counts = spell_counts(
                part[start].to_numpy("datetime64[D]"), part[end].to_numpy("datetime64[D]"),
                part[left].to_numpy(bool), period_start=np.datetime64(first, "D"),
                period_end=np.datetime64(after, "D"),
                weights=None if weights is None else part[weights].to_numpy(float))
            rates = {k: json_number(v) for k, v in counts.rates().items()}
            rows.append({**dict(zip(by, key, strict=True)), "period": label,
                         "period_start": pd.Timestamp(first), "period_end": pd.Timestamp(after),
                         "headcount_start": counts.headcount_start,
                         "headcount_end": counts.headcount_end, "leavers": counts.leavers,
                         "stayers": counts.stayers, "person_days": counts.person_time,
                         **{k: np.nan if v is None else v for k, v in rates.items()}})
    return pd.DataFrame(rows)


def calendar_periods(first: object, until: object, *, months: int
                     ) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Whole periods of ``months`` months from the month of ``first`` up to the day ``until``.

    Each is ``(label, first day, day after the last day)``; the label is the first month
    (``"2023-04"``). A last period that would end after ``until`` is left out.
    """
    if months < 1:
        raise EstimationError(f"periods must be at least one month long; got {months}")
    start = pd.Timestamp(first).to_period("M").to_timestamp()
    stop = pd.Timestamp(until)
    out = []
    while (after := start + pd.DateOffset(months=months)) <= stop:
        out.append((f"{start:%Y-%m}", start, after))
        start = after
    return out


def rates_records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows of a ``rates_table``: dates as ISO text, counts as whole numbers, missing
    rates as ``None``, and ``base`` = the smaller headcount (for disclosure control)."""
    out = []
    for record in frame.to_dict("records"):
        row = {}
        for key, value in record.items():
            if key in ("period_index",):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            elif value is pd.NaT:
                value = None
            elif isinstance(value, float | np.floating) and key in (
                    "headcount_start", "headcount_end", "leavers", "stayers", "person_days"):
                value = int(round(float(value)))
            elif isinstance(value, float | np.floating):
                value = float(value) if np.isfinite(value) else None
            elif isinstance(value, np.integer):
                value = int(value)
            row[key] = value
        if "headcount_start" in row:
            row["base"] = min(row["headcount_start"], row["headcount_end"])
        out.append(row)
    return out
