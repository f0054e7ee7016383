"""Staff records (one row per employment spell) -> validated spells and start-stop survival rows.

Conventions
-----------
* A spell runs from ``start`` to ``end``, both days included; a blank end means still in post at
  the **extract date** (given, or taken from the file as the day after its latest date).
* Tenure is measured in months (``days / (365.25 / 12)``) from the spell's start to its exit:
  the day after the last day, or the extract date for open spells.
* A spell ends in **leaving** when it has an end date and its reason is not excluded;
  internal moves (``moved internally``, ``internal move``, ``internal transfer``, ``transfer``)
  are excluded by default and count as censored.
* Records that only hold spells in post on or after some date (``observed_from``) are
  left-truncated: a spell that started earlier enters the risk set at ``observed_from``
  (delayed entry). ``observed_from`` is never guessed; a warning says when the records look
  truncated (nobody left in the first year of the spells).
* Each team's spells are split at a **reference date** into start-stop rows: the pilot start
  for pilot teams, the earliest pilot start for comparison teams, so ``post`` is calendar time
  after the pilot began and ``pilot_post`` is the difference-in-differences term.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.estimators.survival.lookup import unique_inverse
from pilot_eval.io import parse_dates
from pilot_eval.io.frames import FIRST_DATA_ROW, spreadsheet_rows
from pilot_eval.validation import Problem, ValidationReport

MONTH_DAYS = 365.25 / 12
INTERNAL_MOVES = ("moved internally", "internal move", "internal transfer", "transfer")
KNOWN_REASONS = ("resigned", "resignation", "retired", "retirement", "dismissed", "dismissal",
                 "end of contract", "end of fixed-term contract", "redundancy", "death",
                 "ill health", "other", *INTERNAL_MOVES)
PILOT, COMPARISON = "pilot", "comparison"
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class StaffOptions:
    """How to read staff records: column roles and what counts as leaving."""

    team: str
    start: str
    end: str
    reason: str | None = None
    staff_id: str | None = None
    extract_date: dt.date | None = None
    pilot_start_col: str | None = None
    excluded_reasons: tuple[str, ...] = INTERNAL_MOVES
    known_reasons: tuple[str, ...] = KNOWN_REASONS
    observed_from: dt.date | None = None


@dataclass(frozen=True)
class StaffSpells:
    """Validated spells (``spells``) and their start-stop rows split at the reference date.

    ``spells`` columns: ``row`` (spreadsheet row), ``team``, ``staff_id``, ``start_date``,
    ``end_date`` (NaT = open), ``reason``, ``left`` (bool), ``event`` (reason if left else 0),
    ``pilot_start`` (NaT for comparison teams), ``arm``, ``entry`` and ``duration`` (months
    since the spell's start), plus the file's other columns.
    ``start_stop`` adds ``post``, ``pilot`` and ``pilot_post`` (0/1) and ``arm_period``
    (``"pilot before"`` ...) with ``entry``/``duration`` per piece; only a spell's last piece carries its event.
    """

    spells: pd.DataFrame
    start_stop: pd.DataFrame
    extract_date: dt.date
    extract_source: str
    observed_from: dt.date | None
    report: ValidationReport
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _problem(severity, code, message, *, file, mask=None, column=None, hint=None) -> Problem:
    rows = () if mask is None else tuple(spreadsheet_rows(np.flatnonzero(np.asarray(mask))))
    return Problem(severity, code, message, file, rows[:1000], column, hint)


def parse_pilot_start(values: pd.Series, *, column: str, file: str | None) -> pd.Series:
    """Pilot start dates: year-month (``2024-04`` = 1 April 2024) or dates; blank = never."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    matched = text.str.extract(_YEAR_MONTH)
    if matched[0].notna().any() and (matched[0].notna() | (text == "")).all():
        out = pd.to_datetime(dict(year=matched[0].astype(float), month=matched[1].astype(float),
                                  day=1), errors="coerce")
        return pd.Series(out.to_numpy(), index=values.index, name=values.name)
    return parse_dates(values, column=column, file=file)


def pilot_starts_from_table(frame: pd.DataFrame, *, team: str, file: str | None
                            ) -> dict[object, pd.Timestamp]:
    """``{team: pilot start}`` from a team table with a team column and ``pilot_start``."""
    key = team if team in frame.columns else "team"
    column = next((c for c in ("pilot_start", "pilot start", "start") if c in frame.columns), None)
    if key not in frame.columns or column is None:
        raise DataError(
            f"the team table needs a '{team}' (or 'team') column and a 'pilot_start' column; it "
            f"has {', '.join(map(str, frame.columns))}", file=file,
            hint="One row per team; pilot_start as yyyy-mm or dd/mm/yyyy, blank for comparison "
                 "teams.")
    starts = parse_pilot_start(frame[column], column=column, file=file)
    duplicated = frame[key].duplicated(keep=False).to_numpy()
    if duplicated.any():
        raise DataError("a team appears more than once in the team table", file=file,
                        column=key, rows=spreadsheet_rows(np.flatnonzero(duplicated)),
                        hint="Keep one row per team.")
    return {t: s for t, s in zip(frame[key], starts, strict=True) if pd.notna(s)}


def _columns_present(frame: pd.DataFrame, options: StaffOptions, file: str | None) -> None:
    for role in ("team", "start", "end", "reason", "staff_id", "pilot_start_col"):
        name = getattr(options, role)
        if name is not None and name not in frame.columns:
            raise DataError(f"the {role.replace('_', ' ')} column '{name}' is not in the file",
                            file=file, column=name,
                            hint=f"Columns are: {', '.join(map(str, frame.columns))}.")


def _overlaps(frame: pd.DataFrame, start: pd.Series, stop: pd.Series, staff_id: str
              ) -> np.ndarray:
    """Rows whose spell overlaps an earlier-starting spell of the same person.

    Spells sorted by person, start and row; a running maximum of the stops within each person
    (people kept apart by an offset on one ordinal scale of both dates) is compared with the
    next spell's start.
    """
    person = pd.factorize(frame[staff_id], use_na_sentinel=True)[0].astype(np.int64)
    begin = start.to_numpy("datetime64[ns]")
    keep = np.flatnonzero((person >= 0) & ~np.isnat(begin))
    # ranks of both dates on one scale: the distinct days hashed, not two million sorted
    days, ranks = unique_inverse(np.concatenate([begin[keep], stop.to_numpy(
        "datetime64[ns]")[keep]]).view(np.int64))
    # by person, then start, then row: one key sorted stably (rows are in order in ``keep``)
    order = np.argsort(person[keep] * (days.size + 1) + ranks[: keep.size], kind="stable")
    who = person[keep][order] * (days.size + 1)
    latest = np.maximum.accumulate(who + ranks[keep.size:][order])
    same = np.zeros(order.size, dtype=bool)
    same[1:] = who[1:] == who[:-1]
    hit = np.zeros(order.size, dtype=bool)
    hit[1:] = who[1:] + ranks[: keep.size][order][1:] <= latest[:-1]
    bad = np.zeros(len(frame), dtype=bool)
    bad[keep[order][same & hit]] = True
    return bad


_ARMS = np.array([COMPARISON, PILOT], dtype=object)
"""The arm of a spell by whether its team has a pilot start: two strings shared by every row."""
_NA_TEXT = frozenset({"none", "nan", "nat", "<na>"})  # str() of blank cells, lower case


@dataclass(frozen=True)
class _Reasons:
    """Leaving reasons as text, worked out once per distinct reason (a handful per extract).

    ``codes`` per row (-1 blank); ``stripped``/``lowered`` per distinct reason: what
    ``reason.astype(str).str.strip()`` (then ``.str.lower()``) gives for it.
    """

    reason: pd.Series
    codes: np.ndarray
    stripped: np.ndarray
    lowered: np.ndarray

    @classmethod
    def of(cls, reason: pd.Series) -> _Reasons:
        codes = pd.factorize(reason, use_na_sentinel=True)[0]
        first = np.unique(codes[codes >= 0], return_index=True)[1]
        first = np.flatnonzero(codes >= 0)[first]
        stripped = reason.iloc[first].astype(str).str.strip()
        return cls(reason, codes, stripped.to_numpy(object),
                   stripped.str.lower().to_numpy(object))

    def is_in(self, names: set[str]) -> np.ndarray:
        """Per row: the lower-case reason is one of ``names`` (blank cells as ``str()`` them)."""
        inside = np.isin(self.lowered, list(names)) if self.lowered.size else self.lowered
        out = np.zeros(self.codes.size, dtype=bool)
        given = self.codes >= 0
        out[given] = np.asarray(inside, dtype=bool)[self.codes[given]]
        if names & _NA_TEXT and not given.all():
            blank = ~given
            out[blank] = self.reason[blank].astype(str).str.strip().str.lower().isin(
                names).to_numpy()
        return out

    def labels(self, blank: str) -> np.ndarray:
        """Per row: the stripped reason, ``blank`` where there is none."""
        out = np.full(self.codes.size, blank, dtype=object)
        given = self.codes >= 0
        out[given] = self.stripped[self.codes[given]]
        return out


def validate_staff(frame: pd.DataFrame, options: StaffOptions, *, start: pd.Series,
                   end: pd.Series, extract: pd.Timestamp, file: str | None) -> ValidationReport:
    """Every problem of the staff records, each with its rows and column."""
    found: list[Problem] = []
    missing_team = frame[options.team].isna()
    if missing_team.any():
        found.append(_problem("error", "missing_team", "spells without a team", file=file,
                              mask=missing_team, column=options.team,
                              hint="Every spell needs the team it was worked in."))
    missing_start = start.isna()
    if missing_start.any():
        found.append(_problem("error", "missing_start", "spells without a start date",
                              file=file, mask=missing_start, column=options.start,
                              hint="Every spell needs the date its first day."))
    before = end.notna() & start.notna() & (end < start)
    if before.any():
        found.append(_problem("error", "end_before_start",
                              "the end date is before the start date (a negative duration)",
                              file=file, mask=before, column=options.end,
                              hint="Check the two dates of these spells; swap them if they "
                                   "were entered the wrong way round."))
    for column, dates in ((options.start, start), (options.end, end)):
        future = dates.notna() & (dates >= extract)
        if future.any():
            found.append(_problem(
                "error", "future_date",
                f"dates on or after the extract date {extract.date():%d/%m/%Y}", file=file,
                mask=future, column=column,
                hint="Give the right --extract-date, or correct these dates."))
    if options.staff_id is not None:
        stop = end.fillna(extract)
        overlap = _overlaps(frame, start, stop, options.staff_id)
        if overlap.any():
            found.append(_problem(
                "error", "overlapping_spells", "the same person has overlapping spells",
                file=file, mask=overlap, column=options.staff_id,
                hint="A person can hold one post at a time here; end the earlier spell the day "
                     "before the next one starts, or merge the rows."))
    if options.reason is not None:
        reason = frame[options.reason]
        blank_reason = reason.isna() & end.notna()
        if blank_reason.any():
            found.append(_problem("warning", "missing_reason",
                                  "spells that ended have no leaving reason (counted as leaving)",
                                  file=file, mask=blank_reason, column=options.reason))
        reason_open = reason.notna() & end.isna()
        if reason_open.any():
            found.append(_problem("warning", "reason_without_end",
                                  "a leaving reason is given but the end date is blank (treated "
                                  "as still in post)", file=file, mask=reason_open,
                                  column=options.reason))
        known = {k.lower() for k in (*options.known_reasons, *options.excluded_reasons)}
        unknown = reason.notna() & ~_Reasons.of(reason).is_in(known)
        if unknown.any():
            seen = sorted(set(reason[unknown].astype(str)))[:5]
            found.append(_problem(
                "warning", "unknown_reason", f"leaving reasons not recognised: {seen} (each is "
                "counted as leaving and kept as its own reason)", file=file, mask=unknown,
                column=options.reason, hint="Map them to resigned, retired, dismissed, end of "
                "contract or moved internally if they mean one of those."))
    ordered = sorted(found, key=lambda p: p.severity != "error")
    return ValidationReport(tuple(ordered), file)


def _months(days: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=float) / MONTH_DAYS


def _extract_date(options: StaffOptions, start: pd.Series, end: pd.Series
                  ) -> tuple[pd.Timestamp, str]:
    if options.extract_date is not None:
        return pd.Timestamp(options.extract_date), "given"
    latest = max(d for d in (start.max(), end.max()) if pd.notna(d))
    return latest + pd.Timedelta(days=1), "the day after the latest date in the file"


def _observed_from(options: StaffOptions) -> pd.Timestamp | None:
    return None if options.observed_from is None else pd.Timestamp(options.observed_from)


def truncation_warning(start: pd.Series, end: pd.Series) -> str | None:
    """A warning when the records look left-truncated and no ``observed_from`` was given."""
    if end.notna().sum() == 0:
        return None
    first_end = end.min()
    if start.min() < first_end - pd.DateOffset(years=1):
        return (f"no one left before {first_end:%d/%m/%Y} although spells go back to "
                f"{start.min():%d/%m/%Y}: if the records only hold staff in post from some date, "
                "give that date as --observed-from (delayed entry), or tenure survival is "
                "overestimated")
    return None


def _team_starts(team: pd.Series, mapping: dict) -> pd.Series:
    """``team.map(lambda t: mapping.get(t, NaT))``, looked up once per distinct team."""
    codes, uniques = pd.factorize(team, use_na_sentinel=True)
    found = np.empty(len(uniques) + 1, dtype=object)
    found[:-1] = [mapping.get(t, pd.NaT) for t in uniques]
    found[-1] = pd.NaT  # a blank team (refused by the validation before this)
    return pd.Series(found[codes], index=team.index, name=team.name)


def read_staff(frame: pd.DataFrame, options: StaffOptions, *, file: str | None = None,
               pilot_starts: Mapping[object, object] | None = None) -> StaffSpells:
    """Validate staff records and turn them into spells and start-stop rows.

    Raises ``ValidationFailed`` (with every problem) when there are errors.
    """
    _columns_present(frame, options, file)
    start = parse_dates(frame[options.start], column=options.start, file=file)
    end = parse_dates(frame[options.end], column=options.end, file=file)
    if start.notna().sum() == 0:
        raise DataError("no spell has a start date", file=file, column=options.start)
    extract, source = _extract_date(options, start, end)
    report = validate_staff(frame, options, start=start, end=end, extract=extract, file=file)
    report.raise_if_errors()
    if options.pilot_start_col is not None:
        column = parse_pilot_start(frame[options.pilot_start_col],
                                   column=options.pilot_start_col, file=file)
        starts = column
    else:
        starts = _team_starts(frame[options.team], dict(pilot_starts or {}))
    starts = pd.to_datetime(starts)
    warnings = [p.describe() for p in report.warnings]
    if starts.notna().sum() == 0:
        warnings.append("no team has a pilot start: every spell is in the comparison arm")
    reason = (frame[options.reason].astype(object) if options.reason is not None
              else pd.Series(np.where(end.notna(), "left", None), index=frame.index))
    excluded = {r.lower() for r in options.excluded_reasons}
    ended = end.notna().to_numpy()
    reasons = _Reasons.of(reason)
    left = ended & ~reasons.is_in(excluded)
    label = reasons.labels("left")
    observed = _observed_from(options)
    if observed is None and (caveat := truncation_warning(start, end)):
        warnings.append(caveat)
    exit_day = end.fillna(extract - pd.Timedelta(days=1)) + pd.Timedelta(days=1)
    entry_days = ((observed - start).dt.days.clip(lower=0) if observed is not None
                  else pd.Series(0, index=frame.index))
    added = dict(
        team=frame[options.team].copy(),
        staff_id=frame[options.staff_id].copy() if options.staff_id else np.arange(len(frame)),
        start_date=start, end_date=end, reason=reason, left=left, event=np.where(left, label, "0"), pilot_start=starts,
        arm=_ARMS[starts.notna().to_numpy().astype(np.int64)],
        entry=_months(entry_days), duration=_months((exit_day - start).dt.days))
    spells = _spell_table(frame, added)
    before_window = spells["duration"] <= spells["entry"]
    if before_window.any():
        warnings.append(f"{int(before_window.sum())} spell(s) ended before the records start "
                        f"({observed:%d/%m/%Y}) and are left out")
        spells = spells[~before_window.to_numpy()]
    first_start = starts.min()
    reference = spells["pilot_start"].fillna(first_start)
    start_stop = split_at(spells, reference)
    spells.index = pd.RangeIndex(len(spells))  # our own frame: no copy to renumber it
    return StaffSpells(spells=spells,
                       start_stop=start_stop,
                       extract_date=extract.date(), extract_source=source,
                       observed_from=None if observed is None else observed.date(),
                       report=report, warnings=tuple(warnings))


def _spell_table(frame: pd.DataFrame, added: dict) -> pd.DataFrame:
    """``row``, the file's columns, then ``added`` (replacing same-named columns in place), as
    ``frame.copy()`` + ``insert`` + ``assign`` give, built in one go.

    Each column is its own array (the file's columns copied one by one, so the table stays
    the caller's): pandas then keeps one block per column instead of stacking same-typed
    columns into one block, a copy of every cell (issue 12).
    """
    if not frame.columns.is_unique or "row" in frame.columns:
        spells = frame.copy()
        spells.insert(0, "row", spreadsheet_rows(range(len(frame))))
        return spells.assign(**added)
    columns: dict = {"row": np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))}
    columns.update((name, None if name in added else frame[name].copy())
                   for name in frame.columns)
    columns.update(added)
    return pd.DataFrame(columns, index=frame.index, copy=False)


def column_take(column: pd.Series, positions: np.ndarray):
    """The column's values at ``positions`` (a numpy or extension array of its own dtype)."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy().take(positions)
    return column.array.take(positions)


def split_at(spells: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """Start-stop rows: each spell split where ``reference`` (a date per spell) falls inside it.

    ``post`` is 1 on the piece after the reference date; ``pilot`` is 1 in pilot teams;
    ``pilot_post`` is their product. The event stays on the last piece only. Rows are in the
    order of the spreadsheet row, then entry.
    """
    cut = _months((reference - spells["start_date"]).dt.days).astype(float)
    cut = np.where(np.isnan(cut), np.inf, cut)
    entry, exit_ = spells["entry"].to_numpy(float), spells["duration"].to_numpy(float)
    inside = (cut > entry) & (cut < exit_)
    row = spells["row"].to_numpy()
    ordered = row.size <= 1 or bool((row[1:] > row[:-1]).all())
    if not ordered or not spells.columns.is_unique:
        return _split_by_concat(spells, cut, inside)
    # rows in file order: each spell's piece before the cut, then its piece after (a later
    # entry), which is what sorting by row and entry gives. Every column is taken once into
    # its own array (no concatenated copy, no sort, no stacking of same-typed columns).
    source = np.repeat(np.arange(inside.size), 1 + inside)
    after = np.zeros(source.size, dtype=bool)
    after[np.flatnonzero(inside) + np.arange(1, int(inside.sum()) + 1)] = True
    piece_entry = entry[source]
    piece_entry[after] = cut[inside]
    duration = np.where(inside, cut, exit_)[source]
    duration[after] = exit_[inside]
    event = spells["event"].to_numpy(object)
    piece_event = np.where(inside, "0", event)[source]
    piece_event[after] = event[inside]
    post = np.where(cut >= exit_, 0, np.where(inside, 0, 1))[source]
    post[after] = 1
    arm = spells["arm"].to_numpy(object)
    pilot = (arm == PILOT).astype(int)[source]
    pieces = {"entry": piece_entry, "duration": duration, "event": piece_event}
    columns = {name: pieces[name] if name in pieces else column_take(spells[name], source)
               for name in spells.columns}
    columns.update(post=post, pilot=pilot, pilot_post=pilot * post,
                   arm_period=_arm_periods(arm, source, post))
    return pd.DataFrame(columns, index=pd.RangeIndex(source.size), copy=False)


def _arm_periods(arm: np.ndarray, source: np.ndarray, post: np.ndarray) -> np.ndarray:
    """``arm[source] + (" after" if post else " before")``, one string per distinct label."""
    codes, labels = pd.factorize(arm, use_na_sentinel=False)
    if not all(isinstance(label, str) for label in labels):
        return arm[source] + np.where(post == 1, " after", " before")
    named = np.array([f"{label} before" for label in labels]
                     + [f"{label} after" for label in labels], dtype=object)
    return named[codes[source] + labels.size * (post == 1)]


def _split_by_concat(spells: pd.DataFrame, cut: np.ndarray, inside: np.ndarray
                     ) -> pd.DataFrame:
    """``split_at`` for spells not in spreadsheet-row order (or with repeated column names)."""
    exit_ = spells["duration"].to_numpy(float)
    before = spells.assign(post=np.where(cut >= exit_, 0, np.where(inside, 0, 1)),
                           duration=np.where(inside, cut, exit_),
                           event=np.where(inside, "0", spells["event"]))
    after = spells[inside].assign(entry=cut[inside], post=1)
    rows = pd.concat([before, after], ignore_index=True)
    pilot = (rows["arm"] == PILOT).astype(int)
    rows = rows.assign(pilot=pilot, pilot_post=pilot * rows["post"],
                       arm_period=rows["arm"] + np.where(rows["post"] == 1, " after", " before"))
    return rows.sort_values(["row", "entry"], kind="stable").reset_index(drop=True)
