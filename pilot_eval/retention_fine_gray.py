"""The retention analysis's Fine-Gray model: the cumulative incidence of one leaving reason
(resigning, by default) while other reasons compete, beside the cause-specific Cox model.

The Fine-Gray model here takes covariates fixed for the whole spell and no delayed entry, so:

* staff records: only spells followed from their start (joined on or after the date the
  records start, ``entry == 0``) are used, and the pilot enters as it stood when the person
  joined -- ``pilot`` (joined a pilot team), ``joined_after_start`` (joined after the team's
  pilot began; for comparison teams, after the first pilot began) and their product
  ``pilot_joined_after_start``, a difference-in-differences on the subdistribution hazard
  between cohorts of joiners. Standard errors are clustered by team.
* generic duration/event data: the rows without delayed entry, with the analyst's covariates.

The cause-specific Cox model on start-stop rows remains the headline pilot effect on leaving;
this model answers "what share end up resigning", counting that people who retire or are
dismissed can no longer resign.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.estimators import SpellColumns, Unavailable
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.survival.fine_gray import FineGray
from pilot_eval.staff import column_take

PILOT_TERM = "pilot_joined_after_start"
"""The staff-records term that is the pilot's effect on the subdistribution hazard."""
STAFF_TERMS = ("pilot", "joined_after_start", PILOT_TERM)


def _followed(frame: pd.DataFrame, entry: str | None, needed: tuple) -> pd.DataFrame:
    """The rows followed from their start (``entry <= 0``; every row without an entry column).

    Only the columns the model reads (``needed``, those present) are taken: the spells table
    carries every column of the file, and copying them all is most of the work at a million
    spells (issue 12).
    """
    if entry is None or entry not in frame.columns:
        return frame
    names = [c for c in dict.fromkeys(needed) if c is not None and c in frame.columns]
    rows = np.flatnonzero(pd.to_numeric(frame[entry], errors="coerce").fillna(1.0) <= 0)
    return pd.DataFrame({name: column_take(frame[name], rows) for name in names},
                        index=frame.index[rows], copy=False)


def _varying(frame: pd.DataFrame, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if frame[n].nunique(dropna=False) > 1)


def _staff_terms(spells: pd.DataFrame) -> pd.DataFrame:
    """``pilot``, ``joined_after_start`` and their product, from each spell's start date."""
    starts = pd.to_datetime(spells["pilot_start"])
    reference = starts.fillna(starts.min())
    pilot = (spells["arm"] == "pilot").astype(int)
    after = (pd.to_datetime(spells["start_date"]) >= reference).astype(int)
    terms = {"pilot": pilot, "joined_after_start": after, PILOT_TERM: pilot * after}
    # ``spells.assign(**terms)`` without copying the other columns (a new frame over them)
    columns = {name: terms.get(name, spells[name]) for name in spells.columns}
    columns.update(terms)
    return pd.DataFrame(columns, index=spells.index, copy=False)


def fine_gray_leaving(whole: pd.DataFrame, columns: SpellColumns, cause: object | None, *,
                      staff: bool, level: float) -> tuple[Any, dict[str, Any]]:
    """``(FineGrayResult or Unavailable, description)`` for the cause's cumulative incidence.

    ``whole`` has one row per spell (``duration``, ``event`` as in ``columns``); ``columns``
    are the Cox model's (entry, covariates, cluster). The description says which spells and
    terms were used (``population``, ``n_spells``, ``n_used``, ``pilot_term``)."""
    about: dict[str, Any] = {"n_spells": len(whole)}
    if cause is None:
        return Unavailable("no leaving reason to model: give one with --cause (e.g. "
                           "resigned)"), about
    frame = _followed(whole, columns.entry, (
        columns.duration, columns.event, columns.cluster, *columns.covariates,
        *(("team", "pilot_start", "arm", "start_date") if staff else ())))
    about["n_used"] = len(frame)
    about["population"] = ("every spell" if len(frame) == len(whole) else
                           "spells followed from their start (people who joined after the "
                           "records begin); earlier starters enter part-way, which this model "
                           "cannot take")
    cluster: str | None
    if staff:
        if frame["pilot_start"].notna().sum() == 0:
            return Unavailable("no team has a pilot start, so there is no pilot term"), about
        frame = _staff_terms(frame)
        wanted = (*STAFF_TERMS, *(c for c in columns.covariates if c not in (
            "pilot", "post", "pilot_post")))
        cluster = columns.cluster or "team"
    else:
        wanted, cluster = columns.covariates, columns.cluster
    if frame.empty:
        return Unavailable("no spell is followed from its start"), about
    terms = _varying(frame, tuple(wanted))
    about["pilot_term"] = PILOT_TERM if staff and PILOT_TERM in terms else None
    if staff and PILOT_TERM not in terms:
        about["note"] = ("no joiner of a pilot team started after its pilot began (or all "
                         "did), so the pilot term cannot be estimated")
    if not terms:
        return Unavailable("no covariate varies among the spells used"), about
    model = FineGray(event_type=cause, level=level)
    roles = SpellColumns(duration=columns.duration, event=columns.event, covariates=terms,
                         cluster=cluster)
    try:
        result = model.fit(frame, roles)
    except EstimationError as exc:
        return Unavailable(str(exc)), about
    if not np.isfinite([c.se for c in result.coefficients]).all():
        return Unavailable("the standard errors could not be computed"), about
    return result, about
