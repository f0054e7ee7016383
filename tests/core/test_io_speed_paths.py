"""The fast paths give the same answers as the slow ones.

1. The fast CSV reader (Arrow) and the pandas reader give identical tables, or identical errors.

Reference: ``load_table`` with the fast path switched off (the pandas reader that the corpus
tests in ``test_io_bad_files.py`` pin down).  Every file of the bad-file corpus and a set of
generated edge cases (blank lines, quotes, CRLF, BOMs, ragged rows, whitespace, missing markers,
thousands separators, decimal commas, long integers) is read both ways; frames must be equal
cell for cell with the same dtypes, and errors must carry the same message and rows.

2. The vectorised validation checks (duplicates, balance, no before-period, switches) and
``group_means`` agree with plain Python loops over rows and units on random small panels.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import DataError
from pilot_eval.io import cells, fast_csv, tables
from pilot_eval.io.tables import load_table
from pilot_eval.summaries import group_means
from pilot_eval.validation import validate_panel

MEAN_TOLERANCE = 1e-12
"""Group means against a plain sum / count (summation order differs)."""
CORPUS = Path(__file__).parent.parent / "data" / "bad"
TEXT_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".csv", ".txt"))

GENERATED: dict[str, bytes] = {
    "plain": b"unit,period,y\n1,1,0.5\n1,2,1.5\n2,1,-3\n2,2,4e-3\n",
    "no_final_newline": b"unit,period,y\n1,1,0.5\n1,2,1.5",
    "crlf": b"unit,period,y\r\n1,1,0.5\r\n1,2,1.5\r\n",
    "crlf_trailing_blank": b"unit,period,y\r\n1,1,0.5\r\n1,2,1.5\r\n\r\n\r\n",
    "lone_cr": b"unit,period,y\r1,1,0.5\r1,2,1.5\r",
    "blank_inner_line": b"unit,period,y\n1,1,0.5\n\n1,2,1.5\n",
    "leading_blank_lines": b"\n\nunit,period,y\n1,1,0.5\n",
    "leading_delimiter_row": b",,\n , ,\nunit,period,y\n1,1,0.5\n",
    "leading_whitespace_line": b"   \ny\n1\n2\n",
    "blank_lines_one_column": b"y\n1\n\n2\n\n",
    "trailing_blank_lines": b"unit,period,y\n1,1,0.5\n\n\n",
    "bom": b"\xef\xbb\xbfunit,period,y\n1,1,0.5\n",
    "double_bom": b"\xef\xbb\xbf\xef\xbb\xbfunit,period,y\n1,1,0.5\n",
    "quoted": b'unit,name,y\n1,"Smith, J",0.5\n2,"O""Neil",1\n',
    "ragged_long": b"unit,period,y\n1,1,0.5\n1,2,1.5,9\n",
    "ragged_short": b"unit,period,y\n1,1,0.5\n1,2\n",
    "whitespace_cells": b"unit, period ,y\n 1 ,1,\t0.5\n2 , 2 ,  n/a \n",
    "whitespace_row": b"unit,period,y\n1,1,0.5\n   \n2,2,1\n",
    "delimiter_row": b"unit,period,y\n1,1,0.5\n,,\n2,2,1\n,,\n",
    "markers": b"unit,y,z\n1,N/A,[C]\n2,..,#n/a\n3,NA,[z]\n4,-,*\n5,1,x\n",
    "signs_and_exponents": b"a,b,c\n+1,1E5,.5\n-2,-1.e-3,5.\n3,+7,1e+2\n",
    "long_integers": b"a,b\n1234567890123456,1\n1,123456789012345\n",
    "infinities": b"a,b,c\ninf,1,x\n-Infinity,2.5,INF\n+INF,-inf,y\n",
    "infinities_decimal_comma": b"a;b\n-inf;1,5\nInfinity;2\n",
    "hex_like": b"a,b\n0x10,1\n0x1f,2\n",
    "thousands": b"a,b\n\"1,234\",1\n999,2\n",
    "booleans": b"a,b\nTRUE,1\nfalse,2\nTrue,3\n",
    "text_column": b"unit,team\n1,North\n2,South\n3,\n",
    "unnamed_empty": b"unit,,y\n1,,2\n3,,4\n",
    "unnamed_data": b"unit,,y\n1,,2\n3,x,4\n",
    "header_only": b"unit,period,y\n",
    "unicode": "unit,team\n1,Café\n2,Ærø\n3,\u00a0spaced\u00a0\n".encode(),
    "nbsp_number": "a,b\n1,\u00a02\n3,4\n".encode(),
    "single_column": b"y\n1\n2\n  \n3\n",
    "semicolon_decimal_comma": b"unit;y\n1;0,5\n2;1.234,5\n3;7\n",
    "tab": b"unit\tperiod\ty\n1\t1\t0.5\n",
    "pipe": b"unit|period|y\n1|1|0.5\n",
    "duplicate_header": b"a,b,a\n1,2,3\n",
}


def read(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    """``load_table``'s result, or the ``DataError`` it raised (as message and rows)."""
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(tables, "arrow_table_frame", lambda data, *, start, delimiter: None)
        try:
            return load_table(path)
        except DataError as exc:
            return ("error", str(exc), tuple(exc.rows))


def assert_same(fast: object, slow: object) -> None:
    if isinstance(slow, tuple):
        assert fast == slow
        return
    assert not isinstance(fast, tuple), fast
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_exact=True)
    assert list(fast.frame.dtypes) == list(slow.frame.dtypes)
    assert fast.to_dict() == slow.to_dict()
    assert fast.summary() == slow.summary()


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: p.name)
def test_corpus_files_read_the_same_both_ways(path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(read(path, fast=True, monkeypatch=monkeypatch),
                read(path, fast=False, monkeypatch=monkeypatch))


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_edge_cases_read_the_same_both_ways(name: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(GENERATED[name])
    assert_same(read(path, fast=True, monkeypatch=monkeypatch),
                read(path, fast=False, monkeypatch=monkeypatch))


def test_random_panel_reads_the_same_both_ways(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n // 10), 10),
                          "period": np.tile(np.arange(1, 11), n // 10),
                          "d": rng.integers(0, 2, n), "y": rng.normal(size=n)})
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    fast = read(path, fast=True, monkeypatch=monkeypatch)
    assert_same(fast, read(path, fast=False, monkeypatch=monkeypatch))
    assert list(fast.frame.dtypes) == ["int64", "int64", "int64", "float64"]
    np.testing.assert_array_equal(fast.frame["y"].to_numpy(), frame["y"].to_numpy())


def test_plain_utf8_file_takes_the_fast_path(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plain.csv"
    path.write_bytes(GENERATED["plain"])

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pandas reader was used for a plain file")

    monkeypatch.setattr(tables, "_parse_csv", refuse)
    assert load_table(path).frame.shape == (4, 3)


@pytest.mark.parametrize("name", ["plain", "crlf", "crlf_trailing_blank", "blank_inner_line",
                                  "trailing_blank_lines", "bom", "double_bom", "markers",
                                  "whitespace_cells", "delimiter_row", "unicode", "tab"])
def test_files_the_fast_reader_takes(name: str) -> None:
    data = GENERATED[name]
    start = fast_csv.utf8_start(data, "utf-8")
    delimiter = "\t" if name == "tab" else ","
    assert fast_csv.arrow_table_frame(data, start=start, delimiter=delimiter) is not None


@pytest.mark.parametrize("name", ["whitespace_row", "quoted", "ragged_short", "ragged_long",
                                  "lone_cr", "leading_blank_lines"])
def test_files_the_fast_reader_refuses(name: str) -> None:
    start = fast_csv.utf8_start(GENERATED[name], "utf-8")
    assert start == 0
    assert fast_csv.arrow_table_frame(GENERATED[name], start=start, delimiter=",") is None


def test_only_utf8_goes_to_the_fast_reader() -> None:
    assert fast_csv.utf8_start(b"a\n", "cp1252") is None
    assert fast_csv.utf8_start(b"a\n", "utf-16-le") is None
    assert fast_csv.utf8_start(b"\xef\xbb\xbf\xef\xbb\xbfa\n", "utf-8-sig") == 6


# --- vectorised validation and summaries against plain per-unit loops --------------------------

MESSAGE_COUNT = re.compile(r"^(\d+)")


def random_panel(rng: np.random.Generator) -> pd.DataFrame:
    """A small staggered panel with duplicates, gaps, switches and missing keys mixed in."""
    n_units, n_periods = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    unit = np.repeat(np.arange(n_units), n_periods).astype(float)
    period = np.tile(np.arange(1, n_periods + 1), n_units).astype(float)
    start = rng.integers(0, n_periods + 2, n_units)[unit.astype(int)]
    frame = pd.DataFrame({"unit": unit, "period": period,
                          "d": ((start > 0) & (period >= start)).astype(float),
                          "y": rng.normal(size=unit.size)})
    for _ in range(int(rng.integers(0, 4))):
        i = int(rng.integers(0, len(frame)))
        change = int(rng.integers(0, 5))
        if change == 0:
            frame.loc[i, "unit"] = np.nan
        elif change == 1:
            frame.loc[i, "d"] = 1 - frame.loc[i, "d"]
        elif change == 2:
            frame = pd.concat([frame, frame.iloc[[i]]], ignore_index=True)
        elif change == 3 and len(frame) > 2:
            frame = frame.drop(index=i).reset_index(drop=True)
        else:
            frame.loc[i, "d"] = np.nan
    if rng.random() < 0.5:
        frame = frame.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
    return frame.reset_index(drop=True)


def loop_expectations(frame: pd.DataFrame) -> dict[str, object]:
    """The problems the design checks should report, found row by row in plain Python."""
    rows = [(r.unit, r.period, r.d, i) for i, r in enumerate(frame.itertuples())]
    keyed = [(u, t, i) for u, t, _, i in rows if u == u and t == t]
    counts: dict[tuple, int] = {}
    for u, t, _ in keyed:
        counts[(u, t)] = counts.get((u, t), 0) + 1
    duplicate_rows = [i + 2 for u, t, i in keyed if counts[(u, t)] > 1]
    periods = {t for _, t in counts}
    per_unit: dict[float, set] = {}
    for u, t in counts:
        per_unit.setdefault(u, set()).add(t)
    short = [u for u, seen in per_unit.items() if len(seen) < len(periods)]
    usable = [(u, t, d, i) for u, t, d, i in rows if u == u and d == d]
    by_unit: dict[float, list] = {}
    for u, t, d, i in usable:
        by_unit.setdefault(u, []).append((t, d, i))
    from_start, switched = [], []
    for u in sorted(by_unit):
        ordered = sorted(by_unit[u], key=lambda row: row[0])  # stable: ties keep file order
        if ordered[0][1] == 1:
            from_start.append(ordered[0][2] + 2)
        switched += [b[2] + 2 for a, b in zip(ordered, ordered[1:], strict=False)
                     if b[1] < a[1]]
    return {"duplicate_rows": duplicate_rows,
            "duplicate_groups": sum(1 for c in counts.values() if c > 1),
            "short_units": len(short), "units": len(per_unit),
            "gaps": sum(len(periods) - len(per_unit[u]) for u in short),
            "from_start": from_start, "switched": switched}


def test_validation_matches_per_unit_loops() -> None:
    rng = np.random.default_rng(20261127)
    columns = PanelColumns(outcome="y", unit="unit", time="period", treatment="d")
    seen_codes: set[str] = set()
    for _ in range(300):
        frame = random_panel(rng)
        report = validate_panel(frame, columns)
        found = {p.code: p for p in report.problems}
        seen_codes |= set(found)
        expected = loop_expectations(frame)
        duplicates = found.get("duplicate_unit_period")
        assert (list(duplicates.rows) if duplicates else []) == expected["duplicate_rows"]
        if duplicates:
            count = int(MESSAGE_COUNT.match(duplicates.message).group(1))
            assert count == expected["duplicate_groups"]
        unbalanced = found.get("unbalanced_panel")
        assert bool(unbalanced) == bool(expected["short_units"])
        if unbalanced:
            assert (f"{expected['short_units']} of {expected['units']} units" in
                    unbalanced.message)
            assert f"({expected['gaps']} unit-periods missing" in unbalanced.message
        if "no_treated_units" in found:
            continue
        before = found.get("no_before_period")
        assert (list(before.rows) if before else []) == expected["from_start"]
        switches = found.get("treatment_switches_off")
        assert (list(switches.rows) if switches else []) == expected["switched"]
    assert {"duplicate_unit_period", "unbalanced_panel", "no_before_period",
            "treatment_switches_off"} <= seen_codes


def test_group_means_match_per_group_loops() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(40), 6), "period": np.tile(np.arange(6), 40),
                          "y": rng.normal(size=240)})
    frame["d"] = ((frame["unit"] % 3 == 0) & (frame["period"] >= 3)).astype(int)
    frame.loc[rng.choice(240, 20, replace=False), "y"] = np.nan
    columns = PanelColumns(outcome="y", unit="unit", time="period", treatment="d")
    rows = group_means(frame, columns, {})
    pilot_units = set(frame.loc[frame["d"] == 1, "unit"])
    for row in rows:
        cells = [y for u, t, y in zip(frame["unit"], frame["period"], frame["y"], strict=True)
                 if t == row["period"] and (u in pilot_units) == (row["arm"] == "pilot")
                 and y == y]
        assert row["n"] == len(cells)
        assert row["mean"] == pytest.approx(sum(cells) / len(cells), rel=MEAN_TOLERANCE)
    assert [r["arm"] for r in rows] == ["pilot"] * 6 + ["comparison"] * 6


def test_plain_decimal_check_equals_the_number_pattern_on_every_short_cell() -> None:
    # Reference: the regular expression ``cells._NUMBER`` itself, on every cell of up to five
    # characters over 0 1 . - / (missing markers left out, as the caller removes them first).
    pattern = re.compile(cells._NUMBER.pattern)
    for length in range(1, 6):
        for chars in itertools.product("01.-/", repeat=length):
            cell = "".join(chars)
            if cell in cells.MISSING_MARKERS:
                continue
            fast = cells._plain_decimals(pa.array([cell, "2.5"]))
            assert not fast or pattern.match(cell), cell
            if "/" not in cell:
                assert fast == bool(pattern.match(cell)), cell


# 3. Wide tables: the columns typed in batches (issue 12) equal the column-by-column typing.

BATCH_KINDS = {
    "int": ["1", "22", "+3", "-4", "n/a", "5"],
    "digits": ["001", "2", "3", "4", "5", "6"],
    "float": ["1.5", "-2", "3e2", "inf", "..", " 4.25 "],
    "long": ["1234567890123456", "1", "2", "3", "4", "5"],
    "bool": ["True", "false", "TRUE", "", "false", "true"],
    "text": ["Ash", "Beech", "Ash", "[c]", "Elm", "ash"],
    "thousands": ["1,234", "2,345.5", "3", "4", "5", "6"],
    "comma": ["1,5", "2,25", "3", "4", "-", "6"],
    "comma_and_point": ["1.234,5", "2", "3", "4", "5", "6"],
    "all_missing": ["", "n/a", "-", "", "..", "NA"],
    "mixed": ["1", "x", "3", "4", "5", "6"],
    "number_then_text": ["1", "2", "three", "4", "5", "6"],
    "spaces": [" a ", "b", "\tc", "d ", "e", "f"],
}


@pytest.mark.parametrize("decimal", [".", ","])
@pytest.mark.parametrize("arrow", [True, False])
def test_batched_typing_equals_column_by_column(decimal, arrow):
    dtype = pd.ArrowDtype(pa.string()) if arrow else object
    columns = [pd.Series(values, name=name, dtype=dtype) for name, values in BATCH_KINDS.items()]
    if not arrow:
        columns.append(pd.Series(["1", None, "3", "4", "5", "6"], name="none", dtype=object))
    batched = cells.clean_text_columns(columns, decimal=decimal)
    for column, (typed, n_missing) in zip(columns, batched, strict=True):
        expected, expected_missing = cells.clean_text_column(column, decimal=decimal)
        pd.testing.assert_series_equal(typed, expected, check_exact=True)
        assert n_missing == expected_missing, column.name


def test_a_wide_file_loads_as_the_column_by_column_typing_would(tmp_path, monkeypatch):
    rng = np.random.default_rng(11)
    data = {"team": [f"t{i % 7}" for i in range(40)]}
    for j in range(300):
        kind = list(BATCH_KINDS)[j % len(BATCH_KINDS)]
        values = np.array(BATCH_KINDS[kind] * 7, dtype=object)[:40]
        data[f"c{j}"] = rng.permutation(values)
    path = tmp_path / "wide.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    batched = load_table(path)
    monkeypatch.setattr(cells, "BATCH_MAX_ROWS", 0)  # every column on its own
    from pilot_eval.io import frames
    monkeypatch.setattr(frames, "BATCH_MAX_ROWS", 0)
    single = load_table(path)
    pd.testing.assert_frame_equal(batched.frame, single.frame, check_exact=True)
    assert batched.missing_markers == single.missing_markers


def test_wide_text_columns_taken_out_at_once_equal_one_by_one() -> None:
    """``frames._columns_of`` (one 2-D copy for a table of text cells) against the
    column-by-column ``iloc`` copies it replaced: the same series."""
    from pilot_eval.io import frames

    rng = np.random.default_rng(8)
    cells = np.round(rng.normal(size=(30, 40)), 3).astype(str).astype(object)
    cells[rng.random((30, 40)) < 0.1] = None
    wide = pd.DataFrame(cells, columns=[f"c{i}" for i in range(40)])
    mixed = wide.assign(c3=np.arange(30.0))  # not all text: the one-by-one path
    for frame in (wide, mixed):
        names = list(frame.columns)
        taken = frames._columns_of(frame, names)
        for i, name in enumerate(names):
            expected = frame.iloc[:, i].copy()
            pd.testing.assert_series_equal(taken[name], expected)


def test_a_comma_separated_file_is_read_with_decimal_points_without_a_sample(
        tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("team,score\nAsh,1.5\nElm,\"1,700\"\n", encoding="utf-8")
    table = load_table(path)
    assert table.decimal == "." and table.notes == ()
    assert table.frame["score"].tolist() == [1.5, 1700.0]
