"""Property tests: nothing a user can feed ``load_table`` escapes as anything but a
``LoadedTable`` or a ``PilotEvalError``; validation and period mapping of whatever loads return
a report or raise ``PilotEvalError``.

Reference: the contract in docs/architecture.md ("never a raw pandas/openpyxl/UnicodeDecodeError
traceback").  Example counts are modest to keep the suite fast on two cores.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import PilotEvalError
from pilot_eval.io import LoadedTable, load_table, normalise_periods
from pilot_eval.validation import ValidationReport, validate_panel

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
VALID_CSV = (BAD / "panel_ok.csv").read_bytes()
ROLES = PanelColumns(outcome="outcome", unit="team", time="month", treatment="pilot")
EXAMPLES = int(os.environ.get("PILOT_EVAL_HYPOTHESIS_EXAMPLES", "100"))  # raise for deep runs
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

cell_text = st.text(alphabet=st.sampled_from(list("ab1.,;|\t\"' -*/[]cxzé\u0175n\r\n0")),
                    max_size=8)
cell = st.one_of(cell_text, st.integers(-10**6, 10**6), st.floats(allow_nan=True,
                 allow_infinity=False, width=32), st.none())


@st.composite
def tables(draw) -> pd.DataFrame:
    n_columns = draw(st.integers(1, 4))
    names = draw(st.lists(st.text(alphabet="abcXY _1", min_size=0, max_size=4),
                          min_size=n_columns, max_size=n_columns))
    n_rows = draw(st.integers(0, 6))
    rows = [[draw(cell) for _ in range(n_columns)] for _ in range(n_rows)]
    return pd.DataFrame(rows, columns=range(n_columns)).set_axis(names, axis=1)


def _load(data: bytes, suffix: str) -> LoadedTable | PilotEvalError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(data)
        try:
            return load_table(path)
        except PilotEvalError as error:
            return error


def _check_downstream(table: LoadedTable) -> None:
    """Validation returns a report; period mapping returns or raises PilotEvalError."""
    report = validate_panel(table.frame, ROLES, file="data.csv")
    assert isinstance(report, ValidationReport)
    if "month" in table.frame.columns:
        with contextlib.suppress(PilotEvalError):
            normalise_periods(table.frame, time="month", file="data.csv")


@SETTINGS
@given(frame=tables(), sep=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_tables_load_or_fail_cleanly(frame, sep, encoding):
    text = frame.to_csv(sep=sep, index=False)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # e.g. w-circumflex has no Windows-1252 byte
        data = text.encode("utf-8")
    result = _load(data, ".csv")
    assert isinstance(result, LoadedTable | PilotEvalError), type(result)
    if isinstance(result, LoadedTable):
        assert result.n_rows == len(result.frame) > 0
        _check_downstream(result)


corruption = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, len(VALID_CSV) - 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID_CSV)), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, len(VALID_CSV) - 1), st.integers(1, 40)),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID_CSV)), st.just(0)),
)


def _corrupt(data: bytes, edits) -> bytes:
    for kind, at, arg in edits:
        at = min(at, len(data))
        if kind == "replace":
            data = data[:at] + arg + data[at + len(arg):]
        elif kind == "insert":
            data = data[:at] + arg + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + arg:]
        else:
            data = data[:at]
    return data


@SETTINGS
@given(edits=st.lists(corruption, min_size=1, max_size=4),
       suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".parquet", ".dta"]))
def test_corrupted_csv_loads_or_fails_cleanly(edits, suffix):
    result = _load(_corrupt(VALID_CSV, edits), suffix)
    assert isinstance(result, LoadedTable | PilotEvalError), type(result)
    if isinstance(result, LoadedTable):
        _check_downstream(result)


def _binary_files() -> dict[str, bytes]:
    frame = pd.read_csv(BAD / "panel_ok.csv")
    parquet, stata = io.BytesIO(), io.BytesIO()
    frame.to_parquet(parquet, index=False)
    frame.to_stata(stata, write_index=False)
    return {".xlsx": (BAD / "good.xlsx").read_bytes(), ".parquet": parquet.getvalue(),
            ".dta": stata.getvalue()}


BINARY = _binary_files()


@SETTINGS
@given(suffix=st.sampled_from(sorted(BINARY)), data=st.data())
def test_corrupted_binary_files_load_or_fail_cleanly(suffix, data):
    original = BINARY[suffix]
    edits = data.draw(st.lists(st.one_of(
        st.tuples(st.just("replace"), st.integers(0, len(original) - 1),
                  st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("delete"), st.integers(0, len(original) - 1), st.integers(1, 40)),
        st.tuples(st.just("truncate"), st.integers(0, len(original)), st.just(0)),
    ), min_size=1, max_size=3))
    result = _load(_corrupt(original, edits), suffix)
    assert isinstance(result, LoadedTable | PilotEvalError), type(result)
