"""Data-driven corpus: every file in tests/data/bad/ mapped to the result or error it must give.

The files and ``expected.json`` are written by ``tests/data/bad/make_bad_files.py`` (invented
data); the expectations there are written by hand, next to each file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import DataError
from pilot_eval.io import load_table, normalise_periods, parse_dates
from pilot_eval.validation import validate_panel

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASES = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
VALUE_TOLERANCE = 1e-12  # decimal text -> float: exact up to float rounding


def _id(case: dict) -> str:
    return f"{case['file']}-{case['kind']}"


def test_every_corpus_file_has_an_expectation():
    files = {p.name for p in BAD.iterdir() if p.name not in ("expected.json",
                                                            "make_bad_files.py", "README.md")}
    files = {f for f in files if not f.startswith("__")}
    assert files == {c["file"] for c in CASES}


def _load(case: dict):
    return load_table(BAD / case["file"], **case.get("load", {}))


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(b, float):
        return abs(float(a) - b) <= VALUE_TOLERANCE
    return a == b


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "load_ok"], ids=_id)
def test_loads(case):
    table = _load(case)
    for attribute in ("encoding", "delimiter", "decimal", "n_rows", "sheet"):
        if attribute in case:
            assert getattr(table, attribute) == case[attribute], attribute
    if "columns" in case:
        assert list(table.frame.columns) == case["columns"]
    if "missing_markers" in case:
        assert table.missing_markers == case["missing_markers"]
    assert len(table.frame) == table.n_rows
    for column, expected in case.get("values", {}).items():
        seen = table.frame[column].tolist()
        assert len(seen) == len(expected)
        assert all(_same(a, b) for a, b in zip(seen, expected, strict=True)), (seen, expected)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "load_error"], ids=_id)
def test_load_errors(case):
    with pytest.raises(DataError) as caught:
        _load(case)
    error = caught.value
    said = f"{error.message} {error.hint or ''}".lower()  # not the file name: it may echo
    assert case["contains"].lower() in said, said
    assert error.file is not None and Path(error.file).name == case["file"]
    if "rows" in case:
        assert list(error.rows) == case["rows"]
    if "column" in case:
        assert error.column == case["column"]
    assert error.hint, "every load error says how to fix it"


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "dates"], ids=_id)
def test_dates(case):
    table = _load(case)
    column = case["column"]
    if "error" in case:
        with pytest.raises(DataError) as caught:
            parse_dates(table.frame[column], column=column, file=case["file"])
        assert case["error"] in caught.value.user_message()
        assert list(caught.value.rows) == case["rows"]
        assert caught.value.column == column
    else:
        parsed = parse_dates(table.frame[column], column=column, file=case["file"])
        assert parsed.dtype == "datetime64[ns]"
        assert parsed.dt.strftime("%Y-%m-%d").tolist() == case["values"]


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "periods"], ids=_id)
def test_periods(case):
    table = _load(case)
    mapping = normalise_periods(table.frame, time=case["time"], cohort=case["cohort"],
                                file=case["file"])
    assert mapping.kind == case["period_kind"]
    assert mapping.frame[case["time"]].tolist() == case["times"]
    assert mapping.frame[case["cohort"]].tolist() == case["cohorts"]
    assert {str(k): v for k, v in mapping.labels.items()} == case["labels"]
    assert str(mapping.frame[case["time"]].dtype) == "int64"


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "validation"], ids=_id)
def test_validation(case):
    table = _load(case)
    report = validate_panel(table.frame, PanelColumns(**case["roles"]), file=case["file"])
    seen = [{"code": p.code, "rows": list(p.rows), "column": p.column} for p in report.errors]
    expected = [{k: v for k, v in e.items() if k != "hint_contains"} for e in case["errors"]]
    assert seen == expected, report.summary()
    for problem, wanted in zip(report.errors, case["errors"], strict=True):
        if "hint_contains" in wanted:
            assert wanted["hint_contains"] in problem.hint
        assert problem.file == case["file"]
    assert sorted(p.code for p in report.warnings) == sorted(case["warnings"]), report.summary()
    for code, rows in case.get("warning_rows", {}).items():
        assert [list(p.rows) for p in report.warnings if p.code == code] == [rows]
    assert report.ok == (not case["errors"])


def test_frames_are_plain_pandas():
    table = load_table(BAD / "panel_ok.csv")
    assert isinstance(table.frame, pd.DataFrame)
    assert table.frame["outcome"].dtype == "int64"
