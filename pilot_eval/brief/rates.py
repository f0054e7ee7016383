"""Workforce rates and the DiD on leaving for the annex, with disclosure control.

The report's ``Rates`` hold tables by arm and by team with their published definitions.  Count
columns are rounded or suppressed (``[c]``), rate columns are suppressed when the row's base
(staff in post) is under the threshold; tables longer than ``MAX_RATE_ROWS`` stay in
results.json.
"""

from __future__ import annotations

from pilot_eval.brief.annex import exact
from pilot_eval.brief.disclosure import SUPPRESSED, count_cell
from pilot_eval.brief.tables import DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.options import DisclosureThresholds
from pilot_eval.report.retention_report import Cell, LeavingDid, RetentionReport, Table
from pilot_eval.report.values import number
from pilot_eval.report.words import p_cell

BASE_COLUMNS = ("staff_in_post", "headcount", "base", "denominator", "staff", "n",
                "starting_staff")
COUNT_WORDS = ("leavers", "stayers", "staff", "headcount", "starters", "in_post", "count",
               "base", "denominator", "joiners", "vacancies", "agency")
MAX_RATE_ROWS = 60  # longer tables (e.g. every team and quarter) stay in results.json
RATE_WORDS = ("rate", "index", "turnover", "stability", "share", "percent")


def _is_count(name: str, value: Cell) -> bool:
    """A count of people: a whole number (even if stored as ``219.0``) in a count column."""
    whole = (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) \
        and not isinstance(value, bool)
    return whole and (name == "n" or any(w in name.lower() for w in COUNT_WORDS))


def _is_rate(name: str) -> bool:
    return any(w in name.lower() for w in RATE_WORDS)


def _base(row: dict[str, Cell]) -> int | None:
    for name in BASE_COLUMNS:
        value = row.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def cell(name: str, value: Cell, row: dict[str, Cell], rule: DisclosureThresholds) -> str:
    """One published cell: counts protected, rates hidden on small bases, the rest exact."""
    if _is_count(name, value) and isinstance(value, int | float):
        return count_cell(int(value), rule)
    if _is_rate(name) and isinstance(value, int | float) and not isinstance(value, bool):
        base = _base(row)
        if base is not None and base < rule.min_base:
            return SUPPRESSED
        return exact(value)
    return exact(value) if value is not None else "n/a"


COLUMN_WORDS = {
    "arm": "Arm", "team": "Team", "period": "Period from", "headcount_start": "Staff at start",
    "headcount_end": "Staff at end", "leavers": "Leavers", "stayers": "Stayers",
    "person_days": "Person-days", "nhs_leaver_rate": "NHS leaver rate",
    "stability_index": "Stability index", "dfe_turnover_rate": "DfE turnover rate",
    "base": "Base (staff)", "vacancy_rate": "Vacancy rate", "agency_rate": "Agency rate",
}
KEY_COLUMNS = ("arm", "team", "period")
MAX_COLUMNS = 7  # wider tables are split into counts and rates, each with the key columns
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_words(value: Cell) -> str:
    """``2023-04`` -> ``Apr 2023`` (other values unchanged)."""
    text = str(value)
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() \
            and 1 <= int(text[5:]) <= 12:
        return f"{MONTHS[int(text[5:]) - 1]} {text[:4]}"
    return text


def _shown(name: str, value: Cell, row: dict[str, Cell], rule: DisclosureThresholds) -> str:
    if name == "period":
        return period_words(value)
    if name == "arm":
        return str(value).capitalize()
    return cell(name, value, row, rule)


def rows_table(caption: str, table: Table, rule: DisclosureThresholds
               ) -> tuple[DataTable, ...]:
    """The table as published (counts protected), split into counts and rates when wide."""
    if not table.rows:
        return ()
    keys = [c for c in table.columns if c in KEY_COLUMNS]
    rest = [c for c in table.columns if c not in KEY_COLUMNS]
    groups = [rest]
    if len(table.columns) > MAX_COLUMNS:
        rates = [c for c in rest if _is_rate(c)]
        groups = [[c for c in rest if c not in rates], rates]
    tables = []
    for part, suffix in zip(groups, ("counts", "rates") if len(groups) > 1 else ("",),
                            strict=True):
        columns = keys + part
        body = []
        for values in table.rows:
            row = dict(zip(table.columns, values, strict=True))
            body.append(tuple(_shown(c, row[c], row, rule) for c in columns))
        tables.append(DataTable(caption=f"{caption}{': ' + suffix if suffix else ''}",
                                columns=tuple(COLUMN_WORDS.get(c, c.replace("_", " "))
                                              for c in columns), rows=tuple(body)))
    return tuple(tables)


def leaving_table(leaving: LeavingDid, rule: DisclosureThresholds) -> DataTable:
    """The DiD on leaving, statistic by statistic (the count of leavers protected)."""
    leavers = ("n/a" if leaving.leavers is None else
               count_cell(int(round(leaving.leavers)), rule))
    rows = (("Model", leaving.model), ("Rate ratio", exact(leaving.rate_ratio)),
            (f"{leaving.level:.0%} range", f"{exact(leaving.ci_low)} to "
                                           f"{exact(leaving.ci_high)}"),
            ("p-value", p_cell(number(leaving.p_value))),
            ("Log rate ratio (SE)", f"{exact(leaving.estimate)} ({exact(leaving.se)})"),
            ("Team-periods", exact(leaving.n_obs)), ("Teams", exact(leaving.n_units)),
            ("Clusters", exact(leaving.n_clusters)), ("Leavers", leavers),
            ("Person-days", exact(leaving.person_time)),
            ("Standard errors", leaving.se_description))
    return DataTable(caption="Difference-in-differences on leaving",
                     columns=("Statistic", "Value"), rows=rows)


def rates_tables(retention: RetentionReport | None, rule: DisclosureThresholds
                 ) -> tuple[list[DataTable], list[str]]:
    """Tables of workforce rates and the definitions as sentences."""
    tables: list[DataTable] = []
    definitions: list[str] = []
    rates = retention.rates if retention is not None else None
    if rates is not None:
        definitions += [f"{name}: {text}" for name, text in rates.definitions]
        for key, table in (("by_arm", rates.by_arm), ("by_team", rates.by_team)):
            if len(table.rows) > MAX_RATE_ROWS:
                definitions.append(f"Workforce rates {key.replace('_', ' ')}: "
                                   f"{len(table.rows):,} rows, in results.json (too many to "
                                   "print here).")
                continue
            tables += rows_table(f"Workforce rates {key.replace('_', ' ')}", table, rule)
    leaving = retention.leaving if retention is not None else None
    if leaving is not None and not isinstance(leaving, Unavailable):
        tables.append(leaving_table(leaving, rule))
    return tables, definitions
