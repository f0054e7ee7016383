"""Reading data files: tables (CSV, Excel, Parquet, Stata), dates and periods."""

from pilot_eval.io.dates import parse_dates
from pilot_eval.io.periods import PeriodMapping, normalise_periods
from pilot_eval.io.tables import LoadedTable, load_table, sheet_names

__all__ = ["LoadedTable", "PeriodMapping", "load_table", "normalise_periods", "parse_dates",
           "sheet_names"]
