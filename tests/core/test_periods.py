"""``parse_dates`` and ``normalise_periods``.

References: pandas ``Period`` ordinals (months / quarters since 1970) as an independent count of
elapsed periods; hand-written calendars for the UK/ISO date cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import normalise_periods, parse_dates
from pilot_eval.io.periods import infer_date_kind, period_label

EPOCH_MONTHS = 1970 * 12  # pandas monthly Period ordinals count from January 1970
EPOCH_QUARTERS = 1970 * 4


def periods(values, cohort=None) -> pd.DataFrame:
    frame = pd.DataFrame({"t": values, "y": np.arange(len(values), dtype=float)})
    if cohort is not None:
        frame["c"] = cohort
    return frame


# --- parse_dates ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "iso"), [
    ("03/04/2024", "2024-04-03"),  # 3 April, never 4 March
    ("3/4/2024", "2024-04-03"),
    ("03-04-2024", "2024-04-03"),
    ("03.04.2024", "2024-04-03"),
    ("03/04/24", "2024-04-03"),
    ("31/12/69", "2069-12-31"),
    ("01/01/70", "1970-01-01"),
    ("03/04/2024 14:30", "2024-04-03"),
])
def test_uk_dates_are_day_first(text, iso):
    parsed = parse_dates(pd.Series([text, "13/01/2024"]), column="d")
    assert parsed.dt.strftime("%Y-%m-%d").iloc[0] == iso


def test_iso_dates_with_and_without_time():
    parsed = parse_dates(pd.Series(["2024-04-03", "2024-04-03 14:30:15", "2024-04-03T09:00Z"]),
                         column="d")
    assert parsed.tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2024-04-03 14:30:15"),
                               pd.Timestamp("2024-04-03 09:00")]


def test_us_only_values_are_refused_with_rows():
    with pytest.raises(DataError) as caught:
        parse_dates(pd.Series(["01/02/2024", "12/25/2024", "n/a", "02/13/2024"]), column="d",
                    file="x.csv")
    assert caught.value.rows == (3, 5)
    assert "UK order" in str(caught.value) and "12/25/2024" in str(caught.value)


def test_a_forced_format_reads_us_order():
    parsed = parse_dates(pd.Series(["12/25/2024", "01/02/2024"]), column="d",
                         date_format="%m/%d/%Y")
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == ["2024-12-25", "2024-01-02"]


def test_values_that_do_not_fit_the_column_format_are_named():
    with pytest.raises(DataError) as caught:
        parse_dates(pd.Series(["2024-01-01", "2024-02-01", "01/03/2024", "soon"]), column="d")
    assert caught.value.rows == (4, 5)


def test_datetime_columns_pass_through_and_numbers_are_refused():
    dates = pd.Series(pd.to_datetime(["2024-01-01", None]))
    pd.testing.assert_series_equal(parse_dates(dates, column="d"), dates)
    with pytest.raises(DataError, match="numbers, not dates"):
        parse_dates(pd.Series([45000, 45001]), column="d")


# --- normalise_periods ----------------------------------------------------------------------

def test_integers_are_kept():
    frame = periods([2003, 2004, 2005.0], cohort=[0, 2004.0, np.nan])
    mapping = normalise_periods(frame, time="t", cohort="c")
    assert mapping.kind == "integer" and mapping.source == "integer"
    assert mapping.frame["t"].tolist() == [2003, 2004, 2005]
    assert mapping.frame["c"].tolist() == [0, 2004, 0]
    assert str(mapping.frame["t"].dtype) == "int64" and str(mapping.frame["c"].dtype) == "int64"
    assert mapping.labels == {2003: "2003", 2004: "2004", 2005: "2005"}


def test_the_input_frame_is_not_changed():
    frame = periods(["2023-01", "2023-02"])
    before = frame.copy()
    mapping = normalise_periods(frame, time="t")
    pd.testing.assert_frame_equal(frame, before)
    assert mapping.frame is not frame


@pytest.mark.parametrize("values", [
    ["2023-01", "2023-02", "2024-01"],
    ["2023/01", "2023/02", "2024/01"],
    ["Jan 2023", "Feb 2023", "Jan 2024"],
    ["January 2023", "February 2023", "January 2024"],
    ["2023-01-01", "2023-02-01", "2024-01-01"],
    ["15/01/2023", "15/02/2023", "15/01/2024"],
])
def test_monthly_forms_match_pandas_period_ordinals(values):
    mapping = normalise_periods(periods(values), time="t")
    expected = [pd.Period(v, freq="M").ordinal + EPOCH_MONTHS
                for v in ("2023-01", "2023-02", "2024-01")]
    assert mapping.kind == "month"
    assert mapping.frame["t"].tolist() == expected
    assert [mapping.label(v) for v in expected] == ["Jan 2023", "Feb 2023", "Jan 2024"]


@pytest.mark.parametrize("values", [
    ["2023 Q1", "2023 Q2", "2024 Q1"],
    ["2023-Q1", "2023-Q2", "2024-Q1"],
    ["2023Q1", "2023Q2", "2024Q1"],
    ["Q1 2023", "Q2 2023", "Q1 2024"],
    ["01/01/2023", "01/04/2023", "01/01/2024"],
    ["2023-03-31", "2023-06-30", "2024-03-31"],
])
def test_quarterly_forms_match_pandas_period_ordinals(values):
    mapping = normalise_periods(periods(values), time="t")
    expected = [pd.Period(v, freq="Q").ordinal + EPOCH_QUARTERS
                for v in ("2023Q1", "2023Q2", "2024Q1")]
    assert mapping.kind == "quarter"
    assert mapping.frame["t"].tolist() == expected
    assert mapping.labels == dict(zip(expected, ["2023 Q1", "2023 Q2", "2024 Q1"], strict=True))


def test_yearly_dates_become_years():
    frame = periods(pd.to_datetime(["2021-04-01", "2022-04-01", "2024-04-01"]))
    mapping = normalise_periods(frame, time="t")
    assert (mapping.kind, mapping.source) == ("year", "date")
    assert mapping.frame["t"].tolist() == [2021, 2022, 2024]


def test_frequency_is_the_gcd_of_the_gaps():
    months = np.array([0, 3, 9, 12]) + 2023 * 12
    assert infer_date_kind(months) == "quarter"
    assert infer_date_kind(np.array([0, 12, 36]) + 2023 * 12) == "year"
    assert infer_date_kind(np.array([0, 3, 4])) == "month"
    assert infer_date_kind(np.array([5, 5])) == "month"


def test_cohorts_share_the_time_mapping_and_never_means_zero():
    frame = periods(["01/01/2023", "01/02/2023", "01/03/2023", "01/04/2023"],
                    cohort=["15/03/2023", "never", "", "0"])
    mapping = normalise_periods(frame, time="t", cohort="c")
    march = pd.Period("2023-03", freq="M").ordinal + EPOCH_MONTHS
    assert mapping.frame["c"].tolist() == [march, 0, 0, 0]
    assert mapping.labels[march] == "Mar 2023"


def test_cohort_outside_the_observed_periods_still_gets_a_label():
    frame = periods(["2023 Q1", "2023 Q2"], cohort=["2025 Q4", None])
    mapping = normalise_periods(frame, time="t", cohort="c")
    assert mapping.label(mapping.frame["c"].iloc[0]) == "2025 Q4"


@pytest.mark.parametrize(("values", "cohort", "match", "rows"), [
    (["2023-01", None, "2023-03"], None, "missing", (3,)),
    ([2003, 2004.5, 2005], None, "whole numbers", (3,)),
    (["2023-01", "2023-02", "Spring 2023"], None, "these do not", (4,)),
    (["01/01/2023", "12/25/2023"], None, "UK order", (3,)),
    (["2023-01-01", "2023-01-15"], None, "same month", ()),
    (["2023-01", "2023-02"], [2023, 0], "holds numbers", (2,)),
    (["2023-01", "2023-02"], ["2023 Q1", None], "by quarter", (2,)),
    ([1, 2], ["Jan 2023", "0"], "period number", (2,)),
])
def test_period_errors_name_the_rows(values, cohort, match, rows):
    with pytest.raises(DataError, match=match) as caught:
        normalise_periods(periods(values, cohort=cohort), time="t",
                          cohort=None if cohort is None else "c", file="p.csv")
    assert caught.value.rows == rows
    assert caught.value.file == "p.csv"
    assert caught.value.hint


def test_unknown_column_is_a_data_error():
    with pytest.raises(DataError, match="no column 'when'"):
        normalise_periods(periods([1, 2]), time="when")


def test_labels_and_dict_are_json_safe():
    mapping = normalise_periods(periods(["2023-11", "2023-12", "2024-01"]), time="t")
    assert mapping.to_dict()["labels"] == {
        str(2023 * 12 + 10): "Nov 2023", str(2023 * 12 + 11): "Dec 2023",
        str(2024 * 12): "Jan 2024"}
    assert period_label(2024 * 4 + 3, "quarter") == "2024 Q4"


def test_year_first_dates_with_slashes_or_dots():
    parsed = parse_dates(pd.Series(["2024/04/03", "2024.12.01 10:00"]), column="d")
    assert parsed.tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2024-12-01 10:00")]


def test_zero_as_a_decimal_means_never_too():
    frame = periods(["2023-01", "2023-02"], cohort=[0.0, np.nan])
    assert normalise_periods(frame, time="t", cohort="c").frame["c"].tolist() == [0, 0]


@pytest.mark.parametrize("values", [
    ["2022/23", "2023/24", "2024/25"],
    ["2022-23", "2023-24", "2024-25"],
    ["FY2022/23", "FY 2023/24", "fy2024/25"],
    ["2022/2023", "2023/2024", "2024/2025"],
])
def test_uk_financial_years(values):
    mapping = normalise_periods(periods(values), time="t")
    assert mapping.kind == "financial_year"
    assert mapping.frame["t"].tolist() == [2022, 2023, 2024]
    assert mapping.labels == {2022: "2022/23", 2023: "2023/24", 2024: "2024/25"}


def test_financial_year_pilot_starts_given_as_dates_or_text():
    frame = periods(["2022/23", "2023/24", "2024/25"],
                    cohort=["01/04/2023", "31/03/2024", "2024/25"])
    with pytest.raises(DataError):  # dates and text mixed in one pilot-start column
        normalise_periods(frame, time="t", cohort="c")
    frame["c"] = ["01/04/2023", "31/03/2024", "never"]  # 31 March 2024 is still in 2023/24
    assert normalise_periods(frame, time="t", cohort="c").frame["c"].tolist() == [
        2023, 2023, 0]
    frame["c"] = ["2023/24", "", "2024/25"]
    assert normalise_periods(frame, time="t", cohort="c").frame["c"].tolist() == [
        2023, 0, 2024]


def test_december_2011_is_a_month_when_other_values_are_months():
    mapping = normalise_periods(periods(["2011/11", "2011/12", "2012/01"]), time="t")
    assert mapping.kind == "month"
    assert mapping.labels[mapping.frame["t"].iloc[1]] == "Dec 2011"


def test_every_row_holding_a_bad_value_is_named():
    values = ["01/01/2023", "12/25/2023", "01/02/2023", "12/25/2023", None, "2023-13-01"]
    with pytest.raises(DataError) as caught:
        parse_dates(pd.Series(values), column="d")
    assert caught.value.rows == (3, 5)
    with pytest.raises(DataError) as caught:
        normalise_periods(periods(["2023-01", None, "2023-02", None]), time="t")
    assert caught.value.rows == (3, 5)
    with pytest.raises(DataError) as caught:
        normalise_periods(periods([1, 2, 1, 2], cohort=[0, "x", 0, "x"]), time="t", cohort="c")
    assert caught.value.rows == (3, 5)


def test_month_text_that_could_be_a_financial_year():
    single = normalise_periods(periods(["2005-06"]), time="t")
    assert single.kind == "month" and single.label(single.frame["t"].iloc[0]) == "Jun 2005"
    frame = periods(["2005-05", "2005-06", "2005-07", "2006-07"],
                    cohort=["2005-06", "2006-07", None, "0"])
    mapping = normalise_periods(frame, time="t", cohort="c")  # pilot starts are months too
    assert mapping.kind == "month"
    assert [mapping.label(c) for c in mapping.frame["c"][:2]] == ["Jun 2005", "Jul 2006"]


def test_fractional_pilot_starts_are_named_at_their_rows():
    with pytest.raises(DataError, match="whole numbers") as caught:
        normalise_periods(periods([1, 2, 3, 4], cohort=["never", 0, 2.5, 3]), time="t",
                          cohort="c")
    assert caught.value.rows == (4,)


@pytest.mark.parametrize("values", [
    ["03/04/2020", None, "03/04/2020", float("nan"), " 1/2/2021", "", "2020-01-01", 1, "1", 2.5],
    ["b", "a", "b"], [], [None, None],
])
def test_distinct_texts_equal_numpy_unique_of_every_row_as_text(values):
    """The hashed shortcut returns exactly ``np.unique(rows as text, return_inverse=True)``."""
    from pilot_eval.io.dates import _distinct_text

    series = pd.Series(values, dtype=object)
    rows = series.astype(object).where(series.notna(), "").to_numpy(dtype=str)
    expected, expected_inverse = np.unique(rows, return_inverse=True)
    distinct, inverse = _distinct_text(series)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.tolist()
