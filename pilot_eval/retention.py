"""Staff retention analysis: one orchestration path for the CLI, the window and the brief.

``run_retention(request, staff_table, progress)`` validates the records, turns staff spells into
survival data (``pilot_eval.staff``) and runs Kaplan-Meier, log-rank, Cox (pilot x post on
start-stop rows, clustered by team), RMST, cumulative incidence by leaving reason, the workforce
rates and the difference-in-differences on leaving. Input is either staff records
(``SpellColumns(team, start, end, reason ...)``) or the generic survival form
(``SpellColumns(duration, event, ...)``); durations of staff records are in months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pilot_eval.errors import PilotEvalError
from pilot_eval.estimators import PanelColumns, SpellColumns, Unavailable
from pilot_eval.estimators.did.leaving import PoissonLeavingDid
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.survival.competing_risks import CumulativeIncidence
from pilot_eval.estimators.survival.cox.model import CoxModel, Ties
from pilot_eval.estimators.survival.data import arrays_from_frame
from pilot_eval.estimators.survival.kaplan_meier import CI_TRANSFORMS, CiTransform, KaplanMeier
from pilot_eval.estimators.survival.logrank import LogRankTest
from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival
from pilot_eval.estimators.thresholds import HORIZON_MIN_AT_RISK, HORIZON_MONTHS
from pilot_eval.estimators.workforce import (
    DEFINITIONS,
    calendar_periods,
    rates_records,
    rates_table,
)
from pilot_eval.progress import SILENT, Progress
from pilot_eval.retention_fine_gray import fine_gray_leaving
from pilot_eval.staff import INTERNAL_MOVES, StaffOptions, pilot_starts_from_table, read_staff

JSON_KEYS = ("km", "logrank", "cox", "rmst", "cumulative_incidence",
             "cumulative_incidence_by_group", "rates", "did_leaving", "warnings")
RATE_PERIODS = {"month": 1, "quarter": 3, "year": 12, "dfe-year": 12}
"""Months per rate period; ``dfe-year`` = years to 30 September (DfE social-work workforce)."""
YEAR_DAYS = 365.25
LEAVING_COLUMNS = PanelColumns(outcome="leavers", exposure="person_days", unit="team",
                               time="period", treatment="pilot_post")
"""The team-period rates table's columns in the Poisson DiD on leaving."""
TEAM_RATE_ROWS = 5_000
"""Team-period rate rows written to the JSON by default; larger tables (500 teams over 13 years
is 26,000 rows) are left out unless asked (``team_rates=True``, ``--team-rates``)."""


@dataclass(frozen=True)
class RetentionRequest:
    """What to analyse: column roles and options, checked when made (JSON-safe round trip)."""

    columns: SpellColumns
    extract_date: dt.date | None = None
    pilot_starts_path: str | None = None
    pilot_start_col: str | None = None
    excluded_reasons: tuple[str, ...] = INTERNAL_MOVES
    observed_from: dt.date | None = None
    tau: float | None = None
    ties: Ties = "efron"
    ci_transform: CiTransform = "log-log"
    level: float = 0.95
    times: tuple[float, ...] = (6.0, 12.0, 24.0)
    rate_period: str = "quarter"
    cause: str | None = None
    team_rates: bool | None = None
    """Per-team, per-period rates in ``rates.by_team``: ``None`` when there are at most
    ``TEAM_RATE_ROWS`` rows, ``True`` always, ``False`` never."""
    fte: str | None = None
    """Staff records: the column of each spell's full-time equivalent; workforce counts and
    rates are then in FTE, as the DfE and NHS publish them (the DiD on leaving stays on
    headcount: it models counts of leavers)."""

    def __post_init__(self) -> None:
        check_choice("ties", self.ties, ("efron", "breslow"))
        check_choice("ci_transform", self.ci_transform, CI_TRANSFORMS)
        check_choice("rate_period", self.rate_period, tuple(RATE_PERIODS))
        check_level(self.level)
        c = self.columns
        staff = c.start is not None or c.end is not None or c.team is not None
        generic = c.duration is not None or c.event is not None
        if staff == generic or (staff and None in (c.start, c.end, c.team)) or (
                generic and None in (c.duration, c.event)):
            raise EstimatorConfigError(
                "give either --start, --end and --team (staff records) or --duration and "
                "--event (survival data), not a mix")
        if self.pilot_starts_path and self.pilot_start_col:
            raise EstimatorConfigError("give --pilot-starts FILE or --pilot-start-col, not both")
        if self.tau is not None and not self.tau > 0:
            raise EstimatorConfigError(f"tau={self.tau!r} must be a positive time")
        if self.fte is not None and generic:
            raise EstimatorConfigError("--fte is for staff records (--start, --end, --team): "
                                       "the workforce rates it weights need them")

    @property
    def form(self) -> str:
        """``"staff"`` (start/end dates) or ``"survival"`` (duration/event)."""
        return "staff" if self.columns.start is not None else "survival"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": {f.name: getattr(self.columns, f.name)
                                           for f in fields(self.columns)}}
        out["columns"]["covariates"] = list(self.columns.covariates)
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "columns":
                continue
            out[f.name] = (value.isoformat() if isinstance(value, dt.date)
                           else list(value) if isinstance(value, tuple) else value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetentionRequest:
        columns = dict(data.get("columns") or {})
        columns["covariates"] = tuple(columns.get("covariates") or ())
        options = {k: v for k, v in data.items() if k != "columns" and k != "path"}
        for name in ("extract_date", "observed_from"):
            if options.get(name):
                options[name] = dt.date.fromisoformat(options[name])
        for name in ("excluded_reasons", "times"):
            if name in options:
                options[name] = tuple(options[name])
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise PilotEvalError(f"unknown retention option(s): {', '.join(unknown)}",
                                 hint=f"Known options: {', '.join(sorted(known))}.")
        return cls(columns=SpellColumns(**columns), **options)


STAFF_DATA_KEYS = ("columns", "extract_date", "observed_from", "pilot_starts_path",
                   "pilot_start_col", "excluded_reasons")
"""Request fields stored in a project's ``staff_data`` (with ``path``); the rest go in
``retention``."""


def request_to_project(request: RetentionRequest, path: str) -> tuple[dict, dict]:
    """``(staff_data, retention)`` dictionaries for a project file."""
    data = request.to_dict()
    staff = {"path": str(path), **{k: data[k] for k in STAFF_DATA_KEYS}}
    return staff, {k: v for k, v in data.items() if k not in STAFF_DATA_KEYS}


def request_from_project(staff_data: dict, retention: dict) -> RetentionRequest:
    """The request stored by ``request_to_project`` (``staff_data["path"]`` is ignored here)."""
    return RetentionRequest.from_dict({**dict(retention or {}), **dict(staff_data)})


def demo_request(folder: str | Path | None = None) -> RetentionRequest:
    """The retention analysis of the bundled demo (records observed from 1 April 2023; the
    default horizon: retention at 12 and 24 months and RMST over the first 24 months)."""
    from pilot_eval.demo import EXTRACT_DATE, demo_path

    teams = Path(folder) / "teams.csv" if folder is not None else demo_path("teams.csv")
    columns = SpellColumns(staff_id="staff_id", team="team", start="start_date",
                           end="end_date", reason="leaving_reason")
    return RetentionRequest(columns, extract_date=EXTRACT_DATE,
                            observed_from=dt.date(2023, 4, 1), pilot_starts_path=str(teams))


def default_horizon(km: dict[str, Any]) -> dict[str, Any] | None:
    """The default RMST horizon and retention-at times for staff records (in months): 24 and
    12, each capped at the largest time every arm reaches with at least
    ``HORIZON_MIN_AT_RISK`` staff at risk; ``None`` when no arm has that many."""
    reach = []
    for info in km.values():
        times = [float(p["time"]) for p in (info or {}).get("curve") or ()
                 if int(p.get("at_risk") or 0) >= HORIZON_MIN_AT_RISK]
        if not times:
            return None
        reach.append(max(times))
    if not reach:
        return None
    limit = min(reach)
    tau = min(HORIZON_MONTHS[-1], limit)
    chosen = tuple(sorted({min(t, limit) for t in HORIZON_MONTHS}))
    capped = limit < HORIZON_MONTHS[-1]
    why = (f"the default: 24 months, or the longest time both groups reach with at least "
           f"{HORIZON_MIN_AT_RISK} staff still followed, whichever is smaller"
           + (f" (here {limit:.3g} months)" if capped else ""))
    return {"tau": float(tau), "times": chosen, "limit": float(limit), "why": why}


@dataclass(frozen=True)
class RetentionAnalysis:
    """Everything ``run_retention`` produced; ``to_dict()`` is the ``retention --json`` object."""

    request: RetentionRequest
    results: dict[str, Any]
    warnings: tuple[str, ...]
    spells: pd.DataFrame | None = field(default=None, repr=False)
    rates_frame: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = {k: _as_json(self.results.get(k)) for k in JSON_KEYS if k != "warnings"}
        out["warnings"] = list(self.warnings)
        for extra in ("time_unit", "km_by_period", "data", "validation", "pilot_starts",
                      "horizon"):
            out[extra] = _as_json(self.results.get(extra))
        out["fine_gray"] = fine_gray_json(self.results)
        return out

    def summary(self) -> str:
        parts = []
        titles = {"cox": "Any leaving:",
                  "cox_cause": f"Cause-specific, '{self.results.get('cause')}' only (other "
                               "reasons censored):",
                  "fine_gray": "Cumulative incidence (Fine-Gray), "
                               f"{(self.results.get('fine_gray_about') or {}).get('population')}:"}
        for key in ("km", "logrank", "cox", "cox_cause", "fine_gray", "rmst",
                    "did_leaving_result"):
            value: Any = self.results.get(key)
            if hasattr(value, "summary"):
                title = titles.get(key)
                parts.append(value.summary() if title is None else f"{title}\n{value.summary()}")
            elif isinstance(value, Unavailable):
                parts.append(f"{key}: {value}")
        parts += [f"Warning: {w}" for w in self.warnings]
        return "\n\n".join(parts)


def fine_gray_json(results: dict[str, Any]) -> dict[str, Any] | None:
    """``retention --json`` key ``fine_gray``: the model's dictionary (or ``unavailable``
    with the reason) and which spells and terms it used."""
    value = results.get("fine_gray")
    if value is None:
        return None
    about = dict(results.get("fine_gray_about") or {})
    if isinstance(value, Unavailable):
        return {"unavailable": value.reason, **about}
    return {**value.to_dict(), **about}


def _as_json(value: Any) -> Any:
    if isinstance(value, Unavailable):
        return None
    return value.to_dict() if hasattr(value, "to_dict") else value


def _attempt(name: str, warnings: list[str], run) -> Any:
    """Run one analysis; a data problem becomes ``Unavailable`` with the reason as a warning."""
    try:
        return run()
    except (EstimationError, EstimatorConfigError) as exc:
        warnings.append(f"{name} not estimated: {exc}")
        return Unavailable(str(exc))


def _survival_frame(request: RetentionRequest, table, progress: Progress, warnings: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame, SpellColumns, dict[str, Any]]:
    """Rows for the whole-spell analyses, start-stop rows for Cox, their columns, extras."""
    frame = getattr(table, "frame", table)
    file = getattr(table, "path", None)
    c = request.columns
    if request.form == "survival":
        frame, c = group_terms(frame, c)
        return frame, frame, c, {"time_unit": "as in the data"}
    team, start, end = c.team, c.start, c.end
    assert team is not None and start is not None and end is not None  # RetentionRequest checks
    starts = None
    if request.pilot_starts_path:
        from pilot_eval.io import load_table

        teams = load_table(Path(request.pilot_starts_path))
        starts = pilot_starts_from_table(teams.frame, team=team, file=teams.path)
    options = StaffOptions(team=team, start=start, end=end, reason=c.reason,
                           staff_id=c.staff_id, extract_date=request.extract_date,
                           pilot_start_col=request.pilot_start_col,
                           excluded_reasons=request.excluded_reasons,
                           observed_from=request.observed_from)
    staff = read_staff(frame, options, file=file, pilot_starts=starts)
    warnings += staff.warnings
    progress.report(0.15, "staff records read")
    columns = SpellColumns(duration="duration", event="event", entry="entry",
                           group=c.group or "arm", strata=c.strata,
                           covariates=("pilot", "post", "pilot_post", *c.covariates),
                           cluster=c.cluster or "team")
    extras = {"time_unit": "months", "staff": staff,
              "data": {"file": file, "sha256": getattr(table, "sha256", None),
                       "n_rows": len(frame), "n_spells": len(staff.spells),
                       "extract_date": staff.extract_date.isoformat(),
                       "extract_date_source": staff.extract_source,
                       "observed_from": None if staff.observed_from is None
                       else staff.observed_from.isoformat()},
              "validation": staff.report.to_dict()}
    return staff.spells, staff.start_stop, columns, extras


NO_STARTS = ("no pilot starts were given, so there is no pilot effect to estimate: give each "
             "team's start with --pilot-starts FILE (columns team, pilot_start) or "
             "--pilot-start-col COLUMN")


def group_terms(frame: pd.DataFrame, columns: SpellColumns
                ) -> tuple[pd.DataFrame, SpellColumns]:
    """In the generic (duration/event) form the group enters the Cox model: a 0/1 group
    column as it is, otherwise one 0/1 column per level but the first (the reference, in
    sorted order) named ``group=level``, added to the covariates."""
    group = columns.group
    if group is None or group in columns.covariates or group not in frame.columns:
        return frame, columns
    values = frame[group]
    levels = sorted(values.dropna().unique().tolist(), key=str)
    if len(levels) < 2:
        return frame, columns
    if pd.api.types.is_numeric_dtype(values) and set(levels) <= {0, 1}:
        return frame, replace(columns, covariates=(group, *columns.covariates))
    terms = {f"{group}={level}": (values == level).astype(float).where(values.notna())
             for level in levels[1:]}
    return (frame.assign(**terms),
            replace(columns, covariates=(*terms, *columns.covariates)))


def _fte_column(spells: pd.DataFrame, name: str | None) -> str | None:
    """The FTE column, checked: present, numeric, above 0 (at most 1.5, a generous full time)."""
    if name is None:
        return None
    if name not in spells.columns:
        raise EstimationError(f"the FTE column '{name}' is not in the staff records; check "
                              "--fte", column=name)
    values = pd.to_numeric(spells[name], errors="coerce")
    bad = values.isna() | (values <= 0) | (values > 1.5)
    if bad.any():
        row = int(spells.loc[bad, "row"].iloc[0]) if "row" in spells.columns else None
        where = f" (spreadsheet row {row})" if row is not None else ""
        raise EstimationError(
            f"{int(bad.sum())} spell(s) have an FTE in '{name}' that is missing, not a number, "
            f"0 or below, or above 1.5{where}: write the FTE as a fraction of full time "
            "(1 = full time, 0.5 = half)", column=name)
    return name


def _cause(request: RetentionRequest, labels: tuple) -> object | None:
    if request.cause is not None:
        return request.cause
    return next((lab for lab in labels if "resign" in str(lab).lower()), None)


def _rates_and_did(request: RetentionRequest, staff, warnings: list[str]
                   ) -> tuple[dict[str, Any], Any, pd.DataFrame]:
    spells = staff.spells
    ended = spells["end_date"].dropna()
    first = pd.Timestamp(staff.observed_from or (ended.min() if len(ended)
                                                 else spells["start_date"].min()))
    if request.rate_period == "dfe-year":  # the first 1 October on or after the start
        october = pd.Timestamp(first.year, 10, 1)
        first = october if first <= october else pd.Timestamp(first.year + 1, 10, 1)
    periods = calendar_periods(first, staff.extract_date, months=RATE_PERIODS[request.rate_period])
    if not periods:
        raise EstimationError("the records cover less than one whole rate period; choose a "
                              "shorter period (month)")
    fte = _fte_column(spells, request.fte)
    pilot_start = spells.groupby("team")["pilot_start"].first()

    def by_team_table(weights: str | None) -> pd.DataFrame:
        table = rates_table(spells, periods, by=["team"], start="start_date", end="end_date",
                            weights=weights)
        return table.assign(
            pilot_post=(table["period_start"] >= table["team"].map(pilot_start)).astype(int),
            pilot_start=table["team"].map(pilot_start),
            leaver_rate_per_year=table["leavers"] / table["person_days"] * YEAR_DAYS,
            period_index=pd.factorize(table["period"], sort=True)[0])

    # the DiD on leaving models counts of leavers: headcount; the published rates may be FTE
    by_team = by_team_table(None)
    shown_team = by_team if fte is None else by_team_table(fte)
    by_arm = rates_table(spells, periods, by=["arm"], start="start_date", end="end_date",
                         weights=fte)
    rates: dict[str, Any] = {
        "period": request.rate_period, "definitions": dict(DEFINITIONS),
        "basis": "headcount" if fte is None else f"FTE (column '{fte}')",
        "by_arm": rates_records(by_arm, whole_counts=fte is None)}
    wanted = request.team_rates
    if wanted or (wanted is None and len(by_team) <= TEAM_RATE_ROWS):
        rates["by_team"] = rates_records(shown_team, whole_counts=fte is None)
    else:
        rates["by_team_rows"] = len(by_team)
        rates["by_team_note"] = (f"{len(by_team):,} team-period rows left out of the JSON; ask "
                                 "for them with --team-rates")
    did = _attempt("Poisson DiD on leaving", warnings,
                   lambda: PoissonLeavingDid(level=request.level).fit(by_team, LEAVING_COLUMNS))
    return rates, did, by_team


def _pilot_start_dates(spells: pd.DataFrame) -> list[str]:
    """The distinct pilot start dates of the teams, ISO text, in order."""
    starts = pd.to_datetime(spells["pilot_start"]).dropna().unique()
    return [f"{day:%Y-%m-%d}" for day in sorted(pd.DatetimeIndex(starts))]


def _linear_did(by_team: pd.DataFrame, level: float) -> Any:
    from pilot_eval.estimators.did.twfe import TwoWayFixedEffects

    columns = PanelColumns(outcome="leaver_rate_per_year", unit="team", time="period_index",
                           treatment="pilot_post", cluster="team")
    model = TwoWayFixedEffects(level=level, cross_check="auto")  # the QA re-estimate if cheap
    return model.fit(by_team[by_team["person_days"] > 0], columns)


def _staggered_did(by_team: pd.DataFrame, level: float) -> Any:
    """Callaway & Sant'Anna on team-period leaver rates (periods numbered from 1; cohort =
    first pilot period, 0 = never), robust to effects that vary across cohorts and time."""
    from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

    panel = by_team.assign(period_number=by_team["period_index"] + 1)
    first = panel[panel["pilot_post"] == 1].groupby("team")["period_number"].min()
    panel = panel.assign(cohort=panel["team"].map(first).fillna(0).astype(int))
    columns = PanelColumns(outcome="leaver_rate_per_year", unit="team", time="period_number",
                           cohort="cohort")
    return CallawaySantAnna(level=level).fit(panel, columns)


def run_retention(request: RetentionRequest, staff_table: Any,
                  progress: Progress | None = None) -> RetentionAnalysis:
    """Run every retention analysis the data allow.

    ``staff_table`` is a ``LoadedTable`` or a DataFrame. Bad input (missing columns, invalid
    spells) raises ``PilotEvalError`` or ``EstimationError``; an analysis that the data cannot
    support (no groups for a log-rank test, no covariates for Cox) becomes ``Unavailable`` with
    its reason in ``warnings``.
    """
    progress = progress or SILENT
    warnings: list[str] = []
    progress.report(0.0, "reading spells")
    whole, pieces, cols, extras = _survival_frame(request, staff_table, progress, warnings)
    staff = extras.pop("staff", None)
    has_group = cols.group is not None
    km_columns = SpellColumns(duration=cols.duration, event=cols.event, entry=cols.entry,
                              group=cols.group)
    results: dict[str, Any] = dict(extras)
    # the whole-spell columns are checked and coded once for KM, log-rank, RMST and the
    # cumulative incidence (each ``fit(frame, columns)`` is ``fit_data`` of these arrays)
    arrays = arrays_from_frame(whole, km_columns)
    km = KaplanMeier(ci_transform=request.ci_transform, level=request.level,
                     times=request.times)
    results["km"] = km.fit_data(arrays)
    if request.tau is None and request.form == "staff" and has_group:
        horizon = default_horizon(results["km"].to_dict())
        if horizon is not None:  # retention at 12 and 24 months, capped the same way
            results["horizon"] = horizon
            request = replace(request, tau=horizon["tau"])
            km = KaplanMeier(ci_transform=request.ci_transform, level=request.level,
                             times=tuple(sorted({*request.times, *horizon["times"]})))
            results["km"] = km.fit_data(arrays)
    progress.report(0.3, "Kaplan-Meier curves")
    logrank_columns = SpellColumns(duration=cols.duration, event=cols.event, entry=cols.entry,
                                   group=cols.group, strata=cols.strata)
    results["logrank"] = (_attempt("log-rank test", warnings, lambda data=arrays: LogRankTest(
        ).fit(whole, logrank_columns) if cols.strata is not None
        else LogRankTest().fit_data(data)) if has_group else Unavailable("no group column"))
    no_starts = (request.form != "survival" and not request.pilot_starts_path
                 and not request.pilot_start_col)
    if no_starts:  # without starts the pilot terms are all 0: keep the analyst's covariates
        from dataclasses import replace as _replace

        cols = _replace(cols, covariates=tuple(request.columns.covariates))
    if no_starts and not cols.covariates:
        results["cox"] = Unavailable(NO_STARTS)
        warnings.append(f"Cox model not estimated: {NO_STARTS}")
    elif not cols.covariates:
        results["cox"] = Unavailable("no covariates were given (--covariates)")
        warnings.append("Cox model not estimated: no covariates were given (--covariates)")
    else:
        results["cox"] = _attempt("Cox model", warnings, lambda: CoxModel(
            ties=request.ties, level=request.level).fit(pieces, cols))
    progress.report(0.55, "Cox model")
    results["rmst"] = _attempt("RMST", warnings, lambda data=arrays: RestrictedMeanSurvival(
        tau=request.tau, level=request.level,
        reference="comparison" if cols.group == "arm" else None).fit_data(data))
    incidence = _attempt("cumulative incidence", warnings,
                         lambda data=arrays: CumulativeIncidence(level=request.level
                                                                 ).fit_data(data))
    del arrays  # their last use: a million rows' arrays need not outlive it
    if not isinstance(incidence, Unavailable):
        parts = incidence.to_dict()
        results["cumulative_incidence"] = parts["cumulative_incidence"]
        results["cumulative_incidence_by_group"] = parts["cumulative_incidence_by_group"]
    progress.report(0.7, "cumulative incidence")
    rates_frame = None
    if staff is not None:
        results["km_by_period"] = km.fit(pieces, SpellColumns(
            duration="duration", event="event", entry="entry", group="arm_period"))
        cause = _cause(request, tuple(sorted(set(whole["event"].astype(str)) - {"0"})))
        results["cause"] = cause
        if cause is not None and cols.covariates:
            results["cox_cause"] = _attempt(f"cause-specific Cox ({cause})", warnings,
                                            lambda: CoxModel(
                ties=request.ties, level=request.level, event_type=cause).fit(pieces, cols))
        rates, did, rates_frame = _rates_and_did(request, staff, warnings)
        results["rates"] = rates
        results["pilot_starts"] = _pilot_start_dates(staff.spells)
        results["did_leaving_result"] = did
        linear = _attempt("linear DiD on leaver rates", warnings,
                          lambda: _linear_did(rates_frame, request.level))
        staggered = _attempt("Callaway-Sant'Anna DiD on leaver rates", warnings,
                             lambda: _staggered_did(rates_frame, request.level))
        results["did_leaving"] = {**(_as_json(did) or {"unavailable": str(did)}),
                                  "linear_rate": _as_json(linear),
                                  "staggered_rate": _as_json(staggered),
                                  "cause_specific_cox": _as_json(results.get("cox_cause"))}
    else:
        warnings.append("workforce rates and the DiD on leaving need staff records "
                        "(--start, --end, --team)")
    labels = tuple(sorted(set(whole[cols.event].astype(str)) - {"0", "0.0"}))
    cause = results.get("cause") if staff is not None else _cause(request, labels)
    fine_gray, results["fine_gray_about"] = fine_gray_leaving(
        whole, cols, cause, staff=staff is not None, level=request.level)
    results["fine_gray"] = fine_gray
    if isinstance(fine_gray, Unavailable) and cause is not None:
        warnings.append(f"Fine-Gray model not estimated: {fine_gray.reason}")
    cox = results.get("cox")
    if not isinstance(cox, Unavailable | None):
        warnings += [f"Cox model: {w}" for w in cox.warnings]
    progress.report(1.0, "retention analysis done")
    return RetentionAnalysis(request=request, results=results, warnings=tuple(warnings),
                             spells=whole if staff is not None else None,
                             rates_frame=rates_frame)


def run_demo_retention(out_dir: str | Path, progress: Progress | None = None
                       ) -> RetentionAnalysis:
    """Run ``demo_request()`` on the bundled demo staff records; write ``retention.json``."""
    from pilot_eval.atomic import write_json
    from pilot_eval.demo import demo_path
    from pilot_eval.io import load_table

    analysis = run_retention(demo_request(), load_table(demo_path("staff.csv")), progress)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "retention.json", analysis.to_dict())
    return analysis
