"""Check an outcome panel against its column roles and report every problem at once.

``validate_panel`` never stops at the first problem: the analyst gets one list of errors (the
analysis cannot run) and warnings (it runs, but read the caveat).  Rows are 1-based spreadsheet
rows: the header is row 1, so frame position ``i`` is row ``i + 2``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.errors import PilotEvalError, ValidationFailed
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.thresholds import FEW_CLUSTERS, FEW_TREATED_CLUSTERS, WEBB_BELOW
from pilot_eval.io.frames import spreadsheet_rows
from pilot_eval.io.periods import normalise_periods
from pilot_eval.validation_checks import (
    UnitPeriodKeys,
    UnitRuns,
    first_per_unit,
    non_finite,
    unit_period_keys,
    unit_runs,
)

Severity = Literal["error", "warning"]

MIN_CLUSTERS = FEW_CLUSTERS
"""Below this many clusters, cluster-robust standard errors are unreliable."""
MIN_TREATED_CLUSTERS = FEW_TREATED_CLUSTERS
"""Below this many treated clusters, the same (MacKinnon & Webb 2017)."""
MAX_ROWS_IN_MESSAGE = 10
"""Rows shown in a one-line description."""
MAX_ROWS_KEPT = 1000
"""Rows kept in a problem (and its JSON); the message says when more were found."""
MAX_NAMES_SHOWN = 40
"""Column names listed when a role names a column that does not exist."""

BOOTSTRAP_HINT = ("With standard errors set to auto, the two-way and 2x2 ranges and p-values "
                  "come from the wild cluster bootstrap (Webb weights below about "
                  f"{WEBB_BELOW} clusters).")
SMALL_PILOT_HINT = ("Read the estimate with the pre-pilot trends; a method built for a few pilot "
                    "units (synthetic control, synthetic difference-in-differences) suits this "
                    "design better.")


@dataclass(frozen=True)
class Problem:
    """One problem found in the data.

    ``code`` is a stable snake_case identifier (for tests, logs and the QA log); ``rows`` are
    1-based spreadsheet rows.
    """

    severity: Severity
    code: str
    message: str
    file: str | None = None
    rows: tuple[int, ...] = ()
    column: str | None = None
    hint: str | None = None

    def describe(self) -> str:
        """One line: severity, where, what, and how to fix it."""
        where = []
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_IN_MESSAGE])
            more = (f" and {len(self.rows) - MAX_ROWS_IN_MESSAGE} more"
                    if len(self.rows) > MAX_ROWS_IN_MESSAGE else "")
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        place = f" ({', '.join(where)})" if where else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{self.severity}: {self.message}{place}.{hint}"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "file": self.file, "rows": list(self.rows), "column": self.column,
                "hint": self.hint}


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found, errors first."""

    problems: tuple[Problem, ...] = field(default_factory=tuple)
    file: str | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def codes(self) -> tuple[str, ...]:
        """The problems' codes, in order."""
        return tuple(p.code for p in self.problems)

    def summary(self) -> str:
        """Several lines: a count, then one line per problem."""
        head = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return "\n".join([head, *(f"- {p.describe()}" for p in self.problems)])

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "ok": self.ok,
                "problems": [p.to_dict() for p in self.problems]}

    def raise_if_errors(self) -> None:
        """Raise ``ValidationFailed(self)`` if there is any error; with exactly one error
        the exception also carries that error's ``rows`` and ``column``."""
        if self.errors:
            error = ValidationFailed(self, file=self.file)
            if len(self.errors) == 1:
                error.rows, error.column = self.errors[0].rows, self.errors[0].column
            raise error


class _Collector:
    def __init__(self, file: str | None, labels: np.ndarray | None = None) -> None:
        self.file = file
        self.found: list[Problem] = []
        self.labels = labels  # each position's row label (a trimmed or filtered table)

    def add(self, severity: Severity, code: str, message: str, *, rows=(), column=None,
            hint=None) -> None:
        rows = [int(r) for r in rows]
        if self.labels is not None:  # positions -> the rows of the file the user sees
            rows = [int(self.labels[r - 2]) + 2 if 0 <= r - 2 < len(self.labels) else r
                    for r in rows]
        if len(rows) > MAX_ROWS_KEPT:
            message = f"{message} (the first {MAX_ROWS_KEPT} of {len(rows)} rows are listed)"
            rows = rows[:MAX_ROWS_KEPT]
        self.found.append(Problem(severity, code, message, self.file, tuple(rows), column,
                                  hint))

    def report(self) -> ValidationReport:
        ordered = sorted(self.found, key=lambda p: p.severity != "error")
        return ValidationReport(tuple(ordered), self.file)


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    return spreadsheet_rows([int(p) for p in np.asarray(mask).nonzero()[0]])


def show(value: object) -> str:
    """A cell value as the analyst typed it: text in quotes, whole numbers without ``.0``."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def _values(series: pd.Series, mask: np.ndarray, limit: int = 5) -> str:
    shown = [show(v) for v in series.to_numpy()[np.asarray(mask)][:limit]]
    return ", ".join(shown) + (" ..." if int(np.asarray(mask).sum()) > limit else "")


def nearest_name(name: str, available: list[str]) -> str | None:
    """The available column name closest to ``name`` (case and spacing ignored first)."""
    folded = {a.strip().lower().replace(" ", "_"): a for a in available}
    key = name.strip().lower().replace(" ", "_")
    if key in folded:
        return folded[key]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def validate_panel(
    frame: pd.DataFrame,
    columns: PanelColumns,
    *,
    file: str | None = None,
    options: object = None,
) -> ValidationReport:
    """Check ``frame`` against ``columns``; return every problem found.

    ``options`` (a ``DidOptions``; default: ``auto`` everything) says which estimator the
    analysis will choose, so that the ``rows_used`` warning gives the units and rows it uses.

    Works for the three designs of ``PanelColumns`` (``treatment``, ``cohort``, ``group`` +
    ``post``) and for repeated cross-sections (no ``unit``).  Periods may be integers, dates or
    year-month text (they are mapped with ``normalise_periods`` first).

    Errors: ``duplicate_column``, ``unknown_column``, ``missing_role``, ``bad_period``,
    ``duplicate_unit_period``, ``non_numeric``, ``non_finite``, ``bad_weights``, ``not_binary``,
    ``cohort_varies_within_unit``, ``no_treated_units``, ``no_comparison_units``,
    ``no_before_period``, ``no_after_period``.
    Warnings: ``totals_rows``, ``treatment_switches_off``, ``pilot_start_uncertain``,
    ``unbalanced_panel``, ``rows_used``,
    ``missing_values``,
    ``few_clusters``, ``no_never_treated``, ``period_looks_like_yyyymm``.
    """
    trimmed = not frame.index.equals(pd.RangeIndex(len(frame)))
    labels = (frame.index.to_numpy() if trimmed and pd.api.types.is_integer_dtype(frame.index)
              else None)
    out = _Collector(file, labels)
    available = [str(c) for c in frame.columns]
    repeated = sorted({c for c in available if available.count(c) > 1})
    if repeated:  # load_table refuses these; a frame built elsewhere may not
        out.add("error", "duplicate_column", f"these column names appear more than once: "
                f"{', '.join(repeated)}", column=repeated[0],
                hint="Rename the columns so that every name is unique.")
        return out.report()
    known = _check_columns(columns, available, out)
    _check_roles(columns, out)
    given = (frame if frame.index.equals(pd.RangeIndex(len(frame)))
             else frame.reset_index(drop=True))  # read only: no copy needed
    _check_totals(given, columns, out)
    frame, periods_ok = _normalised(given, columns, known, out)
    _check_numeric(frame, columns, known, out)
    if columns.time in known:
        _check_yyyymm(frame[columns.time], columns.time, out)
    _check_weights(frame, columns, known, out)
    binary_ok = _check_binary(frame, columns, known, out)
    _check_missing(frame, columns, known, out)
    if columns.unit in known and columns.time in known:
        keys = unit_period_keys(frame[columns.unit], frame[columns.time])
        _check_duplicates(frame, columns, out, as_given=given, keys=keys)
        if periods_ok:
            _check_balance(columns, out, keys)
    if binary_ok and periods_ok and _design_columns_known(columns, known):
        treated = _treated_indicator(frame, columns)
        if treated is not None:
            _check_design(frame, columns, treated, out)
            _check_clusters(frame, columns, treated, known, out)
    if not any(p.severity == "error" for p in out.found) and columns.unit is not None:
        _check_usage(frame, columns, options, out)
    return out.report()


def _check_totals(frame: pd.DataFrame, columns: PanelColumns, out: _Collector) -> None:
    """Totals and subtotals rows ("Total", "All teams", a blank team with figures)."""
    from pilot_eval.exclusions import totals_rows

    rows = totals_rows(frame, columns)
    if not rows:
        return
    first = rows[0] - 2
    key = next((c for c in (columns.unit, columns.time) if c in frame.columns), None)
    seen = show(frame[key].iloc[first]) if key is not None else ""
    from pilot_eval.exclusions import rows_text

    numbers = rows_text(out_rows(out, rows))
    out.add("warning", "totals_rows",
            f"{len(rows)} row(s) look like totals or subtotals (for example {seen or 'a blank '}"
            f"{' ' if seen else ''}in row {out_rows(out, rows)[0]}); left in, each would be "
            "analysed as one more unit or be refused", rows=rows, column=key,
            hint=f"Leave these rows out: --exclude-rows {numbers} on the command line (the "
                 "project keeps the rows you leave out).")


def out_rows(out: _Collector, rows: list[int]) -> list[int]:
    """Spreadsheet rows for the user, through the collector's row labels."""
    if out.labels is None:
        return rows
    return [int(out.labels[r - 2]) + 2 for r in rows]


def _check_usage(frame: pd.DataFrame, columns: PanelColumns, options: object,
                 out: _Collector) -> None:
    """Say how many units and rows the chosen estimator will use, when it leaves some out
    (``pilot_eval.usage``: the analysis reports the same numbers)."""
    from pilot_eval.errors import PilotEvalError as _Refused
    from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
    from pilot_eval.small_pilots import answer_hint
    from pilot_eval.usage import planned_choice, planned_usage

    try:
        choice = planned_choice(frame, columns, options)
        usage = planned_usage(frame, columns, options, choice=choice)
    except (EstimationError, EstimatorConfigError, _Refused) as error:
        out.add("warning", "estimator_refuses", f"the analysis will refuse this data: {error}",
                column=getattr(error, "column", None))
        return
    # "a method built for a few pilot units suits this design": say when it is the one chosen
    out.found = list(answer_hint(ValidationReport(tuple(out.found), out.file),
                                 choice.estimator, planned=True).problems)
    if usage.n_rows_used < usage.n_rows or usage.unbalanced == "allow":
        out.add("warning", "rows_used", usage.message(), column=columns.unit,
                hint="The analysis reports the same numbers with its result.")


def _check_columns(columns: PanelColumns, available: list[str], out: _Collector) -> set[str]:
    known = set()
    for name in columns.used():
        if name in available:
            known.add(name)
            continue
        guess = nearest_name(name, available)
        hint = f"Did you mean '{guess}'?" if guess else "Choose one of the available columns."
        shown = ", ".join(available[:MAX_NAMES_SHOWN]) + (
            f" and {len(available) - MAX_NAMES_SHOWN} more"
            if len(available) > MAX_NAMES_SHOWN else "")
        out.add("error", "unknown_column",
                f"there is no column '{name}'; the columns are: {shown}",
                column=name, hint=hint)
    return known


def _check_roles(columns: PanelColumns, out: _Collector) -> None:
    if columns.design == "2x2" and (columns.group is None or columns.post is None):
        out.add("error", "missing_role", "the roles do not say who is in the pilot and when",
                hint="Choose a treatment (0/1) column, a pilot-start column, or both a "
                     "pilot-group and an after-start (0/1) column.")
    if columns.design in ("treatment", "cohort") and columns.time is None:
        out.add("error", "missing_role", "a period (time) column is needed for this design",
                hint="Choose the column that holds the month, quarter or year.")


def _normalised(frame: pd.DataFrame, columns: PanelColumns, known: set[str],
                out: _Collector) -> tuple[pd.DataFrame, bool]:
    """The frame with periods as integers, and whether that worked (else a problem)."""
    time = columns.time if columns.time in known else None
    if time is None:
        return frame, True
    cohort = columns.cohort if columns.cohort in known else None
    if all(pd.api.types.is_integer_dtype(frame[name].dtype)
           for name in (time, cohort) if name is not None):
        return frame, True  # integer periods map to themselves (``run_analysis`` mapped them)
    present = frame[time].notna().to_numpy()
    roles = [time] if cohort is None or cohort == time else [time, cohort]
    try:  # only the period columns are copied and mapped
        mapped = normalise_periods(frame.loc[present, roles].reset_index(drop=True), time=time,
                                   cohort=cohort, file=out.file)
    except PilotEvalError as exc:
        rows = list(exc.rows)
        if rows:  # map rows of the subset back to the file
            positions = np.flatnonzero(present)
            rows = spreadsheet_rows([positions[r - 2] for r in rows if r - 2 < positions.size])
        out.add("error", "bad_period", exc.message, rows=rows, column=exc.column,
                hint=exc.hint)
        return frame, False
    times = np.full(len(frame), np.nan)
    times[present] = mapped.frame[time].to_numpy()
    replaced = {time: times.astype("int64") if present.all() else times}
    if cohort is not None:
        cohorts = np.zeros(len(frame), dtype="int64")
        cohorts[present] = mapped.frame[cohort].to_numpy()
        replaced[cohort] = cohorts
    # a new frame sharing the other columns (read only here) instead of a deep copy
    result = pd.DataFrame({name: pd.Series(replaced[name], index=frame.index)
                           if name in replaced else frame[name] for name in frame.columns},
                          index=frame.index, copy=False)
    return result, True


def _check_yyyymm(time: pd.Series, column: str, out: _Collector) -> None:
    """Warn when integer periods look like year and month run together (202301)."""
    if not pd.api.types.is_integer_dtype(time.dtype):
        return
    values = set(time.dropna().astype("int64").unique().tolist())
    if not values or not all(190001 <= v <= 210012 and 1 <= v % 100 <= 12 for v in values):
        return
    if any(v % 100 == 12 and v + 89 in values for v in values):
        out.add("warning", "period_looks_like_yyyymm",
                "the periods look like year and month written as one number (such as "
                "202301), so December to January counts as 89 periods", column=column,
                hint="Write them as text such as 2023-01, or as dates, so that months are "
                     "counted correctly.")


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def _check_numeric(frame: pd.DataFrame, columns: PanelColumns, known: set[str],
                   out: _Collector) -> None:
    for role, name in (("outcome", columns.outcome), ("weights", columns.weights),
                       *(("covariate", c) for c in columns.covariates)):
        if name not in known:
            continue
        series = frame[name]
        if pd.api.types.is_bool_dtype(series.dtype):
            continue
        bad = (series.notna() & _numeric(series).isna()).to_numpy()
        if bad.any():
            out.add("error", "non_numeric",
                    f"the {role} must be numbers, but {int(bad.sum())} cell(s) are not: "
                    f"{_values(series, bad)}", rows=_rows(bad), column=name,
                    hint="Correct these cells, or leave them empty if the value is unknown"
                         + ("." if role != "covariate" else
                            "; or leave this column out of the covariates."))
            continue
        infinite = non_finite(series) if role != "weights" else None  # weights: bad_weights
        if infinite is not None and infinite.any():
            out.add("error", "non_finite",
                    f"the {role} must be finite numbers, but {int(infinite.sum())} cell(s) "
                    f"are infinite: {_values(series, infinite)}", rows=_rows(infinite),
                    column=name,
                    hint="Replace them with the real values, or leave them empty if the value "
                         "is unknown (a formula that divided by zero often writes 'inf').")


def _check_weights(frame: pd.DataFrame, columns: PanelColumns, known: set[str],
                   out: _Collector) -> None:
    if columns.weights not in known:
        return
    weights = _numeric(frame[columns.weights])
    bad = (weights < 0).to_numpy() | np.isinf(weights.to_numpy(dtype="float64"))
    if bad.any():
        out.add("error", "bad_weights", f"weights must be zero or positive, but "
                f"{int(bad.sum())} are not: {_values(frame[columns.weights], bad)}",
                rows=_rows(bad), column=columns.weights, hint="Correct these weights.")


def _check_binary(frame: pd.DataFrame, columns: PanelColumns, known: set[str],
                  out: _Collector) -> bool:
    ok = True
    for role, name in (("treatment", columns.treatment), ("pilot group", columns.group),
                       ("after-start", columns.post)):
        if name is None or name not in known:
            continue
        series = frame[name]
        values = _numeric(series.astype("float64") if series.dtype == bool else series)
        bad = (series.notna() & ~values.isin([0, 1])).to_numpy()
        if bad.any():
            ok = False
            out.add("error", "not_binary",
                    f"the {role} column must hold only 0 and 1, but has "
                    f"{_values(series, bad)}", rows=_rows(bad), column=name,
                    hint="Recode it as 1 (yes) and 0 (no).")
    return ok


def _check_missing(frame: pd.DataFrame, columns: PanelColumns, known: set[str],
                   out: _Collector) -> None:
    for name in columns.used():
        if name not in known or name == columns.cohort:  # a blank pilot start means never
            continue
        missing = frame[name].isna().to_numpy()
        if missing.any():
            count = int(missing.sum())
            out.add("warning", "missing_values",
                    f"{count} {'row has' if count == 1 else 'rows have'} no value here and "
                    "will be left out of the analysis", rows=_rows(missing), column=name,
                    hint="Fill in the values if they are known.")


def _check_duplicates(frame: pd.DataFrame, columns: PanelColumns, out: _Collector, *,
                      as_given: pd.DataFrame, keys: UnitPeriodKeys) -> None:
    duplicated = keys.row_count > 1
    if not duplicated.any():
        return
    first = as_given[[columns.unit, columns.time]][duplicated].iloc[0]  # as the user wrote it
    groups = int(np.count_nonzero(keys.pair_count > 1))
    out.add("error", "duplicate_unit_period",
            f"{groups} unit-period combination(s) appear more than once (for example unit "
            f"{show(first.iloc[0])} in period {show(first.iloc[1])})", rows=_rows(duplicated),
            column=columns.unit,
            hint="Keep one row per unit and period (add up or average the duplicates).")


def _check_balance(columns: PanelColumns, out: _Collector, keys: UnitPeriodKeys) -> None:
    n_periods = int(np.count_nonzero(np.bincount(keys.pair_time)))
    per_unit = np.bincount(keys.pair_unit)
    units = per_unit[per_unit > 0]  # periods of each unit with a complete row
    short = units[units < n_periods]
    if short.size == 0:
        return
    gaps = int((n_periods - short).sum())
    out.add("warning", "unbalanced_panel",
            f"the panel is unbalanced: {len(short)} of {len(units)} units lack some of the "
            f"{n_periods} periods ({gaps} unit-periods missing in total)", column=columns.unit,
            hint="Two-way estimates use the rows that exist; Callaway & Sant'Anna keeps or "
                 "drops incomplete units (the number of rows used is given); check that "
                 "missing periods are not related to the pilot.")


def _design_columns_known(columns: PanelColumns, known: set[str]) -> bool:
    needed = {"treatment": [columns.treatment, columns.time],
              "cohort": [columns.cohort, columns.time],
              "2x2": [columns.group, columns.post]}[columns.design]
    if columns.unit is not None:
        needed.append(columns.unit)
    return all(n is not None and n in known for n in needed)


def _treated_indicator(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series | None:
    """0/1 (float, NaN where unknown) for the rows under the pilot."""
    if columns.design == "treatment":
        return _numeric(frame[columns.treatment].astype("float64"))
    if columns.design == "cohort":
        cohort = _numeric(frame[columns.cohort]).fillna(0)
        time = _numeric(frame[columns.time])
        return ((cohort > 0) & (time >= cohort)).astype("float64").where(time.notna())
    return (_numeric(frame[columns.group]) * _numeric(frame[columns.post]))


def _check_design(frame: pd.DataFrame, columns: PanelColumns, treated: pd.Series,
                  out: _Collector) -> None:
    if columns.design == "2x2":
        _check_2x2(frame, columns, out)
        return
    time = _numeric(frame[columns.time])
    usable = (treated.notna() & time.notna()).to_numpy()
    if not bool((treated[usable] == 1).any()):
        out.add("error", "no_treated_units", "no row is under the pilot", column=(
            columns.treatment or columns.cohort), hint="Check the treatment or pilot-start "
            "column: pilot units need 1 (or their start period).")
        return
    if columns.unit is None:
        _check_cross_section(time[usable], treated[usable], columns, out)
        return
    if columns.design == "cohort":
        _check_cohort_constant(frame, columns, out)
    unit = frame[columns.unit]
    if not usable.all():
        unit, time, treated = unit[usable], time[usable], treated[usable]
    runs = unit_runs(unit, time, treated, np.flatnonzero(usable))
    from_start = runs.first & (runs.d == 1)
    if from_start.any():
        # units whose rows begin after the data's first period lack rows, not pilot-free periods
        late = bool((runs.time[from_start] > np.nanmin(runs.time)).any())
        always = bool((runs.d[runs.ever] == 1).all()) and not late
        hint = ("Add the periods before the pilot for these units, or leave them out."
                if not (always and columns.design == "treatment") else
                "This column is 1 in every period for pilot units, so it marks pilot units, "
                "not pilot periods: use it as the pilot group with an after-start column, or "
                "choose the pilot-start column instead.")
        out.add("error", "no_before_period",
                f"{int(from_start.sum())} pilot unit(s) have no period before the pilot "
                f"started (for example {show(runs.unit[from_start][0])})",
                rows=spreadsheet_rows(runs.pos[from_start]), column=columns.unit, hint=hint)
    switched = np.zeros(len(runs.d), dtype=bool)
    switched[1:] = ((runs.d[1:] < runs.d[:-1]) & (runs.code[1:] == runs.code[:-1])
                    & (runs.code[1:] >= 0))
    if switched.any():
        units = pd.unique(runs.unit[switched])
        out.add("warning", "treatment_switches_off",
                f"the pilot ends (treatment goes from 1 to 0) for {len(units)} unit(s), "
                f"for example {show(units[0])}", rows=spreadsheet_rows(runs.pos[switched]),
                column=columns.treatment or columns.cohort,
                hint="Regression estimators still run; staggered-adoption estimators assume "
                     "the pilot never ends.")
    if columns.design == "treatment":
        _check_start_gaps(runs, columns, out)
    _check_comparison(runs, columns, out)


def _check_start_gaps(runs: UnitRuns, columns: PanelColumns, out: _Collector) -> None:
    """Pilot units whose start, read from a 0/1 flag, follows a missing period: the pilot may
    have started in the missing period, and the start taken is then one period late."""
    if len(runs.d) < 2:
        return
    periods = np.unique(runs.time[runs.code >= 0])
    starts = np.zeros(len(runs.d), dtype=bool)
    starts[1:] = ((runs.d[1:] == 1) & (runs.d[:-1] == 0) & (runs.code[1:] == runs.code[:-1])
                  & (runs.code[1:] >= 0))
    rows = np.flatnonzero(starts)
    between = (np.searchsorted(periods, runs.time[rows], side="left")
               - np.searchsorted(periods, runs.time[rows - 1], side="right"))
    gaps = rows[between > 0]
    if gaps.size == 0:
        return
    units = pd.unique(runs.unit[gaps])
    shown = ", ".join(show(u) for u in units[:5])
    more = f" and {len(units) - 5} more" if len(units) > 5 else ""
    out.add("warning", "pilot_start_uncertain",
            f"the first pilot period is missing for {len(units)} pilot unit(s) ({shown}{more}): "
            "the period before the first row with the flag at 1 has no row, so the pilot may "
            "have started then and the start taken from the flag is one period late",
            rows=spreadsheet_rows(runs.pos[gaps]), column=columns.treatment,
            hint="Add the missing period's row, or give each unit's pilot start in a "
                 "pilot-start column (--cohort COLUMN on the command line).")


def _check_comparison(runs: UnitRuns, columns: PanelColumns, out: _Collector) -> None:
    valid = runs.code >= 0
    if bool((valid & ~runs.ever).any()):  # some unit is never under the pilot
        return
    treated = valid & (runs.d == 1)
    # rows are sorted by period within each unit: a unit's first treated row is its start
    column = columns.treatment or columns.cohort
    if np.unique(runs.time[first_per_unit(runs.code, treated)]).size > 1:
        out.add("warning", "no_never_treated",
                "every unit joins the pilot at some point; only units that have not yet "
                "started serve as comparisons", column=column,
                hint="Effects after the last pilot start cannot be estimated; consider adding "
                     "units that never joined the pilot.")
        return
    out.add("error", "no_comparison_units",
            "every unit is in the pilot and all started together, so there is no comparison",
            column=column, hint="Add units that did not take part in the pilot.")


def _check_cross_section(time: pd.Series, treated: pd.Series, columns: PanelColumns,
                         out: _Collector) -> None:
    start = time[treated == 1].min()
    column = columns.treatment or columns.cohort
    if not bool((time < start).any()):
        out.add("error", "no_before_period",
                "the pilot is on from the first period, so there is no before period",
                column=column, hint="Add data from before the pilot started.")
    if not bool(((treated == 0) & (time >= start)).any()):
        out.add("error", "no_comparison_units",
                "after the pilot started no row is outside the pilot, so there is no "
                "comparison", column=column, hint="Add data from units outside the pilot.")


def _check_cohort_constant(frame: pd.DataFrame, columns: PanelColumns,
                           out: _Collector) -> None:
    pairs = frame[[columns.unit, columns.cohort]].dropna(subset=[columns.unit])
    varying = pairs.groupby(columns.unit)[columns.cohort].transform("nunique") > 1
    if bool(varying.any()):
        out.add("error", "cohort_varies_within_unit",
                f"the pilot start differs between rows of the same unit (for example "
                f"{show(pairs.loc[varying, columns.unit].iloc[0])})",
                rows=_rows(varying.reindex(frame.index, fill_value=False)),
                column=columns.cohort, hint="Give each unit one pilot start (0 if never).")


def _check_2x2(frame: pd.DataFrame, columns: PanelColumns, out: _Collector) -> None:
    group, post = _numeric(frame[columns.group]), _numeric(frame[columns.post])

    def has(g: int, p: int) -> bool:
        return bool(((group == g) & (post == p)).any())

    if not bool((group == 1).any()):
        out.add("error", "no_treated_units", "no row is in the pilot group",
                column=columns.group, hint="Mark pilot units with 1 in the group column.")
    elif not has(1, 0):
        out.add("error", "no_before_period", "the pilot group has no rows from before the "
                "pilot", column=columns.post, hint="Add data from before the pilot started.")
    elif not has(1, 1):
        out.add("error", "no_after_period", "the pilot group has no rows from after the "
                "pilot started", column=columns.post,
                hint="Add data from after the pilot started.")
    if not bool((group == 0).any()):
        out.add("error", "no_comparison_units", "every row is in the pilot group",
                column=columns.group, hint="Add units that did not take part in the pilot.")
    elif not (has(0, 0) and has(0, 1)):
        when = "before" if not has(0, 0) else "after"
        out.add("error", "no_comparison_units", f"the comparison group has no rows from {when} "
                "the pilot started", column=columns.post,
                hint=f"Add comparison data from {when} the pilot started.")


def _check_clusters(frame: pd.DataFrame, columns: PanelColumns, treated: pd.Series,
                    known: set[str], out: _Collector) -> None:
    cluster = columns.cluster if columns.cluster in known else columns.unit
    if cluster is None or cluster not in known:
        return
    ids = frame[cluster]
    total = int(ids.nunique())
    treated_ids = ids[(treated == 1).to_numpy()]
    if columns.design == "2x2":
        treated_ids = ids[(_numeric(frame[columns.group]) == 1).to_numpy()]
    n_treated = int(treated_ids.nunique())
    if n_treated == 0:  # already an error (no_treated_units)
        return
    if n_treated <= 2:
        out.add("warning", "few_clusters",
                f"there are {total} clusters and only {n_treated} in the pilot: with one or two "
                "pilot clusters neither cluster-robust standard errors nor the wild cluster "
                "bootstrap give reliable ranges or p-values (MacKinnon & Webb 2017)",
                column=cluster, hint=SMALL_PILOT_HINT)
    elif total < MIN_CLUSTERS or n_treated < MIN_TREATED_CLUSTERS:
        out.add("warning", "few_clusters",
                f"there are {total} clusters ({n_treated} in the pilot); cluster-robust "
                f"standard errors need about {MIN_CLUSTERS} clusters and "
                f"{MIN_TREATED_CLUSTERS} pilot clusters", column=cluster, hint=BOOTSTRAP_HINT)


__all__ = ["Problem", "ValidationReport", "nearest_name", "validate_panel"]
