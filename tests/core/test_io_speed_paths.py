"""The fast CSV reader (Arrow) and the pandas reader give identical tables, or identical errors.

Reference: ``load_table`` with the fast path switched off (the pandas reader that the corpus
tests in ``test_io_bad_files.py`` pin down).  Every file of the bad-file corpus and a set of
generated edge cases (blank lines, quotes, CRLF, BOMs, ragged rows, whitespace, missing markers,
thousands separators, decimal commas, long integers) is read both ways; frames must be equal
cell for cell with the same dtypes, and errors must carry the same message and rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import fast_csv, tables
from pilot_eval.io.tables import load_table

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
