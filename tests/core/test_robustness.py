"""Issue 7's awkward inputs that are made at run time (not committable as corpus files), and
what the analysis does with the corpus's valid-but-odd panels.

Every case must end in a result or a ``PilotEvalError``/``EstimationError`` that names the file
(and the rows/column where there is one) and says how to fix it -- never another exception.
Where the right outcome is not reached yet the test is ``xfail(strict=True)`` with the module
that needs the fix, so it turns red the day it is fixed and the mark can go.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects
from pilot_eval.estimators.errors import EstimationError

from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.errors import DataError, PilotEvalError, ValidationFailed
from pilot_eval.io import load_table
from pilot_eval.io.tables import MEMORY_ENV

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
ROLES = PanelColumns(outcome="outcome", unit="team", time="month", treatment="pilot")
EXACT = 1e-12  # brute-force DiD of cell means vs the estimator: float rounding only
LAPTOP_FREE_MEMORY = 8 * 1024**3  # an 8 GB laptop with all of it free (generous)


def _analyse(path: Path, **request):
    return run_analysis(DidRequest(ROLES, **request), load_table(path))


def _did_of_means(frame: pd.DataFrame, treated: set[str], start: str) -> float:
    """Brute force: (pilot after - pilot before) - (comparison after - comparison before)."""
    pilot = frame["team"].isin(treated)
    after = frame["month"] >= start
    mean = frame["outcome"].astype(float).groupby([pilot, after]).mean()
    return (mean[True, True] - mean[True, False]) - (mean[False, True] - mean[False, False])


# --- files and paths --------------------------------------------------------------------

def test_a_path_with_spaces_and_non_ascii_letters(tmp_path):
    folder = tmp_path / "Évaluation 2024 – Brontë House" / "données ½"
    folder.mkdir(parents=True)
    target = folder / "équipe Siân’s panel.csv"
    shutil.copyfile(BAD / "panel_ok.csv", target)
    table = load_table(target)
    assert table.path == str(target)
    pd.testing.assert_frame_equal(table.frame, load_table(BAD / "panel_ok.csv").frame)
    assert "équipe Siân’s panel.csv" in table.summary()
    broken = folder / "équipe vide.csv"
    broken.write_bytes(b"")
    with pytest.raises(DataError) as caught:
        load_table(broken)
    assert caught.value.file == str(broken) and str(broken) in caught.value.user_message()


def test_a_directory_instead_of_a_file(tmp_path):
    folder = tmp_path / "exports.csv"
    folder.mkdir()
    with pytest.raises(DataError) as caught:
        load_table(folder)
    assert "folder, not a file" in caught.value.message
    assert caught.value.file == str(folder) and caught.value.hint


def test_a_file_still_open_in_excel_is_a_clear_error(tmp_path, monkeypatch):
    """Windows refuses to read a workbook Excel holds open: ``PermissionError`` (errno 13)."""
    target = tmp_path / "locked.csv"
    shutil.copyfile(BAD / "panel_ok.csv", target)
    real = open

    def locked(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", locked)
    with pytest.raises(DataError) as caught:
        load_table(target)
    assert "cannot be opened (Permission denied)" in caught.value.message
    assert "Close it in Excel" in caught.value.hint
    assert caught.value.file == str(target)


def test_a_password_protected_workbook_is_refused():
    with pytest.raises(DataError, match="password"):
        load_table(BAD / "password_protected.xlsx")


def _merged_header_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Team and month", None, "Pilot and outcome", None])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:D1")
    sheet.append(["team", "month", "pilot", "outcome"])
    for i, team in enumerate(["Ash", "Ash", "Cedar", "Cedar"]):
        sheet.append([team, f"2023-0{1 + i % 2}", int(team == "Ash" and i % 2), 10 + i])
    book.save(path)
    return path


def test_a_sheet_with_merged_header_rows_is_refused_naming_the_row(tmp_path):
    path = _merged_header_workbook(tmp_path / "merged header.xlsx")
    with pytest.raises(DataError) as caught:
        load_table(path)
    error = caught.value
    assert "no header name" in error.message
    assert error.rows == (2,)  # the column names are in row 2; row 1 holds the merged titles
    assert error.hint and "merged header.xlsx" in error.file


def test_the_merged_header_message_names_the_merged_cells(tmp_path):
    path = _merged_header_workbook(tmp_path / "merged.xlsx")
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert "merged" in caught.value.message


def test_one_million_rows_by_200_columns_is_refused_on_a_laptop_before_reading(
        tmp_path, monkeypatch):
    """The file is as large as a real 1M x 200 extract (its size from 1,000 real rows), but
    only its first 1,000 rows are real: the check must refuse it from its size alone."""
    path = tmp_path / "wide.csv"
    rng = np.random.default_rng(7)
    sample = pd.DataFrame(np.round(rng.normal(50, 10, (1000, 200)), 2),
                          columns=[f"x{j}" for j in range(200)])
    sample.to_csv(path, index=False)
    full_size = (path.stat().st_size * 1_000_000) // 1000
    with path.open("r+b") as handle:
        handle.truncate(full_size)  # sparse: no disk space used
    monkeypatch.setenv(MEMORY_ENV, str(LAPTOP_FREE_MEMORY))
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert "too large for this computer's free memory" in caught.value.message
    assert "GB" in caught.value.message


@pytest.mark.slow
def test_one_million_rows_load(tmp_path):
    """1M rows x 20 columns really load (peak memory: benchmarks/bench_memory.py)."""
    rows = 1_000_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(np.round(rng.normal(50, 10, (rows, 18)), 2),
                         columns=[f"x{j}" for j in range(18)])
    frame.insert(0, "team", np.repeat(np.arange(rows // 10), 10))
    frame.insert(1, "month", np.tile(np.arange(1, 11), rows // 10))
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    table = load_table(path)
    assert table.n_rows == rows and table.frame.shape == (rows, 20)
    assert table.frame["x17"].to_numpy() == pytest.approx(frame["x17"].to_numpy(), abs=0)


# --- odd but valid panels through the analysis ------------------------------------------

def _integer_months(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(month=frame["month"].str[-2:].astype(int),
                        outcome=frame["outcome"].astype(float))


def test_a_single_pilot_unit_twfe_gives_the_did_of_cell_means():
    frame = load_table(BAD / "single_treated_unit.csv").frame
    result = TwoWayFixedEffects().fit(_integer_months(frame), ROLES).to_dict()
    assert result["estimate"] == pytest.approx(_did_of_means(frame, {"Ash"}, "2023-03"),
                                               abs=EXACT)
    assert result["n_clusters"] == 4


def test_extreme_values_twfe_gives_the_did_of_cell_means_and_reasons_not_nan():
    frame = load_table(BAD / "extreme_values.csv").frame
    result = TwoWayFixedEffects().fit(_integer_months(frame), ROLES).to_dict()
    expected = _did_of_means(frame, {"Ash", "Birch"}, "2023-03")
    assert result["estimate"] == pytest.approx(expected, rel=1e-9)
    for name in ("se", "p_value", "ci_low", "ci_high"):  # the variance overflows
        value = result[name]
        assert (value is None and name in result["unavailable"]) or np.isfinite(value)


def test_the_analysis_of_a_single_pilot_unit_says_the_clusters_are_few():
    path = BAD / "single_treated_unit.csv"
    result = _analyse(path).to_dict()
    expected = _did_of_means(load_table(path).frame, {"Ash"}, "2023-03")
    assert result["estimate"] == pytest.approx(expected, abs=EXACT)
    assert any("1 in the pilot" in w for w in result["warnings"]), result["warnings"]


@pytest.mark.parametrize("name", ["extreme_values.csv", "constant_outcome.csv", "panel_ok.csv"])
def test_the_analysis_gives_a_result_or_a_clear_refusal(name):
    """Values near the float limits, an outcome that never varies, and a perfect additive fit
    (panel_ok.csv) must each give a result or a clear refusal."""
    try:
        result = _analyse(BAD / name).to_dict()
    except (PilotEvalError, EstimationError) as error:
        assert "outcome" in str(error) or "pilot" in str(error)
        return
    assert result["estimate"] is not None
    for key in ("se", "p_value"):
        assert result[key] is None or np.isfinite(result[key])


def test_every_unit_treated_at_once_is_refused():
    path = BAD / "every_unit_treated.csv"
    with pytest.raises(ValidationFailed, match="comparison") as caught:
        _analyse(path)
    assert Path(caught.value.file).name == path.name


def test_treated_from_the_first_period_is_refused():
    path = BAD / "treated_from_first_period.csv"
    with pytest.raises(PilotEvalError) as caught:
        _analyse(path)
    assert "before" in caught.value.user_message()


def test_infinities_are_refused_naming_their_rows(tmp_path):
    text = (BAD / "panel_ok.csv").read_text(encoding="utf-8").splitlines()
    header, rows = text[0], text[1:]
    outcome = header.split(",").index("outcome")
    for i, value in ((2, "inf"), (9, "-inf")):
        cells = rows[i].split(",")
        cells[outcome] = value
        rows[i] = ",".join(cells)
    path = tmp_path / "infinite.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(PilotEvalError) as caught:
        _analyse(path)
    assert caught.value.rows == (4, 11)
    assert caught.value.column == "outcome"
