"""Infinity spellings in text files are read as the floats +-inf (validation refuses them).

Reference: Python's ``float()``, which accepts ``inf``/``infinity`` in any case and sign.
"""

from __future__ import annotations

import numpy as np
import pytest

from pilot_eval.io import load_table, tables

SPELLINGS = ["inf", "-inf", "+inf", "Infinity", "-INFINITY", "INF", "iNf"]


@pytest.mark.parametrize("fast", [True, False])
def test_infinity_cells_are_read_as_floats(tmp_path, monkeypatch, fast):
    if not fast:  # the pandas reader, as in test_io_speed_paths.py
        monkeypatch.setattr(tables, "arrow_table_frame", lambda data, *, start, delimiter: None)
    body = "\n".join(f"{i},{s}" for i, s in enumerate(SPELLINGS))
    path = tmp_path / "inf.csv"
    path.write_text("unit,y\n" + body + "\n", encoding="utf-8")
    frame = load_table(path).frame
    assert frame["y"].dtype == np.float64
    np.testing.assert_array_equal(frame["y"].to_numpy(), [float(s) for s in SPELLINGS])


def test_infinity_with_a_decimal_comma(tmp_path):
    path = tmp_path / "inf.csv"
    path.write_text("unit;y\n1;-inf\n2;1,5\n", encoding="utf-8")
    np.testing.assert_array_equal(load_table(path).frame["y"].to_numpy(), [-np.inf, 1.5])


def test_words_that_only_start_like_infinity_stay_text(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("unit,y\n1,info\n2,infinite\n3,inf\n", encoding="utf-8")
    assert load_table(path).frame["y"].dtype == object
