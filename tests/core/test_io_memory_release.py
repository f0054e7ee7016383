"""The loader lets go of what it no longer needs (issue 7, memory), without changing results.

References: ``finish_text_frame`` without ``consume`` (the frame left intact) for the typed
frame; pyarrow's own ``to_pylist`` for the text cells; the pandas reader for quoted files.
Peak memory itself is measured by ``benchmarks/bench_memory.py`` (not a unit test).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pilot_eval.io import load_table, tables
from pilot_eval.io.cells import clean_text_column
from pilot_eval.io.frames import finish_text_frame

TEXT = "team,month,y\nAsh,2024-01,1.5\nAsh,2024-02,n/a\nBeech,2024-01,2\nBeech,2024-02,3\n"


def _text_frame() -> pd.DataFrame:
    cells = {"team": ["Ash", "Ash", "Beech", "Beech"], "y": ["1.5", "n/a", "2", "3"]}
    return pd.DataFrame({k: pd.Series(v, dtype=pd.ArrowDtype(pa.string()))
                         for k, v in cells.items()})


def test_consuming_the_frame_gives_the_same_result_and_empties_it():
    kept, consumed = _text_frame(), _text_frame()
    expected, expected_counts = finish_text_frame(kept, decimal=".")
    result, counts = finish_text_frame(consumed, decimal=".", consume=True)
    pd.testing.assert_frame_equal(result, expected, check_exact=True)
    assert counts == expected_counts == {"y": 1}
    assert consumed.shape[1] == 0 and kept.shape == (4, 2)


def test_equal_text_cells_share_one_string():
    cells = pd.Series(["Ash", "Beech", "Ash", "n/a", "Ash"], dtype=pd.ArrowDtype(pa.string()))
    typed, n_missing = clean_text_column(cells, decimal=".")
    assert typed.dtype == object and n_missing == 1
    values = typed.to_numpy()
    reference = pa.array(["Ash", "Beech", "Ash", None, "Ash"]).to_pylist()
    assert [None if pd.isna(v) else v for v in values] == reference
    assert values[0] is values[2] is values[4]


def test_the_bytes_and_the_text_are_dropped_after_parsing():
    for body in (TEXT, TEXT.replace("Ash", '"Ash"')):  # the Arrow path, then pandas'
        source = tables._TextSource(body.encode("utf-8"))
        source.decode(file="t.csv", encoding=None)
        raw = tables._parse_text(source, delimiter=",", encoding=None, file="t.csv")
        assert source.data is None and source.text is None
        assert raw.shape == (5, 3) and source.encoding == "utf-8"


def test_a_quoted_file_is_decoded_again_the_same_way(tmp_path):
    """Arrow declines quoted files; the text is decoded a second time for pandas."""
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_text(TEXT, encoding="utf-8-sig")
    quoted.write_text(TEXT.replace("Beech", '"Beech"'), encoding="utf-8-sig")
    first, second = load_table(plain), load_table(quoted)
    pd.testing.assert_frame_equal(first.frame, second.frame, check_exact=True)
    assert first.encoding == second.encoding == "utf-8-sig"
