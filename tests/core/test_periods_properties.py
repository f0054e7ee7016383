"""Property tests for dates and periods.

References: Python's ``datetime.date`` (the dates written out are read back unchanged) and
pandas ``Period`` ordinals (months and quarters elapsed).  Example counts are modest.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pilot_eval.io import normalise_periods, parse_dates

EXAMPLES = 100
EPOCH_MONTHS = 1970 * 12

dates = st.lists(st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2069, 12, 31)),
                 min_size=1, max_size=20)


@settings(max_examples=EXAMPLES, deadline=None)
@given(values=dates, form=st.sampled_from(["%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%Y",
                                           "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y %H:%M"]))
def test_written_dates_read_back_unchanged(values, form):
    text = pd.Series([d.strftime(form) for d in values])
    parsed = parse_dates(text, column="d")
    assert [t.date() for t in parsed] == values


@settings(max_examples=EXAMPLES, deadline=None)
@given(values=dates, form=st.sampled_from(["%Y-%m", "%b %Y", "%d/%m/%Y", "%Y/%m"]))
def test_month_ordinals_count_elapsed_months(values, form):
    first_of_month = sorted({d.replace(day=1) for d in values})
    if len(first_of_month) > 1:  # the frequency is inferred from the gaps: keep months apart
        first_of_month.append(first_of_month[-1].replace(month=first_of_month[-1].month % 12 + 1,
                              year=first_of_month[-1].year + first_of_month[-1].month // 12))
    text = pd.Series([d.strftime(form) for d in first_of_month])
    mapping = normalise_periods(pd.DataFrame({"t": text}), time="t")
    assert mapping.kind == "month"
    expected = [pd.Period(d, freq="M").ordinal + EPOCH_MONTHS for d in first_of_month]
    assert mapping.frame["t"].tolist() == expected
