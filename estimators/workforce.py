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
from pilot_eval.estimators.unavailable import Unavailable

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
        One row per group and period (groups sorted, periods in the order given) with
        ``period``, ``period_start``, ``period_end``, ``headcount_start``, ``headcount_end``,
        ``leavers``, ``stayers``, ``person_days`` and the three rates (NaN where the base is
        zero; see ``PeriodCounts.rates``). The counts are those of ``spell_counts`` on each
        group's spells, computed for every group at once (one pass over the spells per period).
    """
    for name in (start, end, left, *by, *([weights] if weights else [])):
        if name not in spells.columns:
            raise EstimationError(f"column '{name}' is not in the spells", column=name)
    if by:
        grouped = spells.groupby(list(by), sort=True, dropna=False)
        codes = grouped.ngroup().to_numpy()
        keys = grouped.size().index
        key_columns = {name: keys.get_level_values(i).to_numpy() for i, name in enumerate(by)}
    else:
        codes, key_columns = np.zeros(len(spells), dtype=np.intp), {}
    n_groups = int(codes.max()) + 1 if codes.size else 0
    counts = _period_counts(spells[start].to_numpy("datetime64[D]"),
                            spells[end].to_numpy("datetime64[D]"),
                            spells[left].to_numpy(bool), codes, n_groups, periods,
                            None if weights is None else spells[weights].to_numpy(float))
    n_periods = len(periods)
    table = {name: np.repeat(values, n_periods) for name, values in key_columns.items()}
    table["period"] = np.tile(np.array([label for label, _, _ in periods], dtype=object),
                              n_groups)
    for name, position in (("period_start", 1), ("period_end", 2)):
        days = pd.DatetimeIndex([pd.Timestamp(p[position]) for p in periods])
        table[name] = np.tile(days.to_numpy(), n_groups)
    flat = {name: values.ravel() for name, values in counts.items()}
    table.update(flat)
    if np.any(flat["stayers"] > flat["headcount_start"]):
        raise EstimationError("the stability index needs the stayers to be part of the staff in "
                              "post at the start; count the same cohort twice")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["nhs_leaver_rate"] = _rate(flat["leavers"],
                                         (flat["headcount_start"] + flat["headcount_end"]) / 2.0)
        table["stability_index"] = _rate(flat["stayers"], flat["headcount_start"])
        table["dfe_turnover_rate"] = _rate(flat["leavers"], flat["headcount_end"])
    return pd.DataFrame(table)


def _rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``; NaN where the base is not a positive number (``_ratio``)."""
    usable = np.isfinite(denominator) & (denominator > 0)
    return np.where(usable, numerator / np.where(usable, denominator, 1.0), np.nan)


def _period_counts(start: np.ndarray, end: np.ndarray, left: np.ndarray, codes: np.ndarray,
                   n_groups: int, periods: Sequence[tuple[str, object, object]],
                   weights: np.ndarray | None) -> dict[str, np.ndarray]:
    """``spell_counts`` of every group (``codes``) and period: arrays (groups x periods)."""
    names = ("headcount_start", "headcount_end", "leavers", "stayers", "person_days")
    out = {name: np.zeros((n_groups, len(periods))) for name in names}
    open_end = np.isnat(end)
    far = np.where(open_end, np.datetime64("9999-12-31"), end).astype(np.int64)
    begin = start.astype(np.int64)
    counted_end = left & ~open_end  # a leaving that counts, on the day ``far``
    w = np.ones(start.size) if weights is None else weights
    firsts = np.array([np.datetime64(p[1], "D").astype(np.int64) for p in periods], np.int64)
    afters = np.array([np.datetime64(p[2], "D").astype(np.int64) for p in periods], np.int64)
    if firsts.size and np.all(firsts < afters) and np.array_equal(firsts[1:], afters[:-1]):
        return _contiguous_counts(begin, far, counted_end, codes, n_groups, firsts, afters - 1, w)
    for k, (_, first_day, after) in enumerate(periods):
        first = np.datetime64(first_day, "D").astype(np.int64)
        last = np.datetime64(after, "D").astype(np.int64) - 1
        ended_by_last = counted_end & (far <= last)
        at_start = (begin <= first) & (far >= first)
        masks = {"headcount_start": at_start,
                 "headcount_end": (begin <= last) & (far > last),
                 "leavers": ended_by_last & (far >= first),
                 "stayers": at_start & ~ended_by_last}
        for name, mask in masks.items():
            out[name][:, k] = np.bincount(codes[mask], w[mask], n_groups)
        days = np.minimum(far, last) - np.maximum(begin, first) + 1
        np.clip(days, 0, None, out=days)
        out["person_days"][:, k] = np.bincount(codes, w * days, n_groups)
    return out


def _contiguous_counts(begin: np.ndarray, far: np.ndarray, counted_end: np.ndarray,
                       codes: np.ndarray, n_groups: int, firsts: np.ndarray, lasts: np.ndarray,
                       w: np.ndarray) -> dict[str, np.ndarray]:
    """``_period_counts`` for back-to-back periods, in one pass over the spells.

    Each spell is in post at the start of a run of consecutive periods, in post at the end of
    another, and overlaps a third; each run is added to a per-group difference array (summed
    along the periods afterwards), and each counted leaving falls in one period. Person-days
    are the full length of every overlapped period less the days before the spell's start in
    its first one and after its end in its last one.
    """
    k = firsts.size

    def runs(low: np.ndarray, high: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Per group and period: the weights of the spells whose run [low, high] covers it."""
        keep = low <= high
        diff = np.bincount(codes[keep] * (k + 1) + low[keep], weight[keep], n_groups * (k + 1))
        diff -= np.bincount(codes[keep] * (k + 1) + high[keep] + 1, weight[keep],
                            n_groups * (k + 1))
        return np.cumsum(diff.reshape(n_groups, k + 1), axis=1)[:, :k]

    def at(period: np.ndarray, keep: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return np.bincount(codes[keep] * k + period[keep], weight[keep],
                           n_groups * k).reshape(n_groups, k)

    first_in = np.searchsorted(lasts, begin, "left")  # first period the spell overlaps
    last_in = np.searchsorted(firsts, far, "right") - 1  # last one (it holds the day ``far``)
    head_start = runs(np.searchsorted(firsts, begin, "left"), last_in, w)
    head_end = runs(first_in, np.searchsorted(lasts, far, "left") - 1, w)
    ends_in = last_in
    inside = (ends_in >= 0) & (far <= lasts[np.clip(ends_in, 0, k - 1)])
    period_of_end = np.clip(ends_in, 0, k - 1)
    leaving = counted_end & inside
    leavers = at(period_of_end, leaving, w)
    stayed_then_left = at(period_of_end, leaving & (begin <= firsts[period_of_end]), w)
    lengths = (lasts - firsts + 1).astype(float)
    overlaps = first_in <= last_in
    lead = np.maximum(begin - firsts[np.clip(first_in, 0, k - 1)], 0)
    tail = np.maximum(lasts[np.clip(last_in, 0, k - 1)] - far, 0)
    person_days = (runs(first_in, last_in, w) * lengths
                   - at(np.clip(first_in, 0, k - 1), overlaps, w * lead)
                   - at(np.clip(last_in, 0, k - 1), overlaps, w * tail))
    return {"headcount_start": head_start, "headcount_end": head_end, "leavers": leavers,
            "stayers": head_start - stayed_then_left, "person_days": person_days}


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


COUNT_COLUMNS = ("headcount_start", "headcount_end", "leavers", "stayers", "person_days")


def rates_records(frame: pd.DataFrame, *, whole_counts: bool = True) -> list[dict]:
    """JSON-safe rows of a ``rates_table``: dates as ISO text, counts as whole numbers (as they
    are; FTE counts, ``whole_counts=False``, keep their fractions), missing rates as ``None``,
    and ``base`` = the smaller headcount (for disclosure control)."""
    names = [name for name in frame.columns if name != "period_index"]
    columns = [_json_column(name, frame[name], whole_counts) for name in names]
    out = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    if "headcount_start" in names and "headcount_end" in names:
        for row in out:
            row["base"] = min(row["headcount_start"], row["headcount_end"])
    return out


def _json_column(name: str, column: pd.Series, whole_counts: bool = True) -> list:
    """One column's values as JSON-safe Python objects, converted a column at a time."""
    kind = column.dtype.kind
    if kind == "M":
        text = column.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        return [None if isinstance(v, float) else v for v in text]
    if kind == "f" and name in COUNT_COLUMNS and whole_counts:
        return np.rint(column.to_numpy()).astype(np.int64).tolist()
    if kind == "f":
        values = column.to_numpy()
        return [v if finite else None
                for v, finite in zip(values.tolist(), np.isfinite(values), strict=True)]
    if kind in "iub":
        return column.to_numpy().tolist()
    return [_json_value(name, v) for v in column.tolist()]


def _json_value(name: str, value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and name in COUNT_COLUMNS:
        return int(round(float(value)))
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
