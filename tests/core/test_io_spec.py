"""``DatasetSpec``: JSON round trip for project files, built from a loaded table."""

from __future__ import annotations

import json

import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import DataError, ProjectFileError
from pilot_eval.io import load_table
from pilot_eval.spec import DatasetSpec

COLUMNS = PanelColumns(outcome="cost", unit="team", time="month", cohort="start",
                       covariates=("caseload", "fte"), cluster="council")


def test_round_trip_through_json():
    spec = DatasetSpec(path="C:/data/pilot.xlsx", columns=COLUMNS, sheet="Data",
                       sha256="ab" * 32, date_format="%d/%m/%Y")
    text = json.dumps(spec.to_dict())
    again = DatasetSpec.from_dict(json.loads(text))
    assert again == spec
    assert again.columns.covariates == ("caseload", "fte")
    assert spec.name == "pilot.xlsx"


def test_from_table_records_how_the_file_was_read(tmp_path):
    path = tmp_path / "pilot.csv"
    path.write_text("team;month;cost\nAsh;2023-01;1,5\n", encoding="utf-8")
    table = load_table(path)
    spec = DatasetSpec.from_table(table, PanelColumns(outcome="cost"))
    assert (spec.delimiter, spec.decimal, spec.encoding) == (";", ",", "utf-8")
    assert spec.sha256 == table.sha256 and spec.matches(table)
    assert spec.load().frame.equals(table.frame)
    path.write_text("team;month;cost\nAsh;2023-01;2,5\n", encoding="utf-8")
    assert not spec.matches(spec.load())
    path.unlink()
    with pytest.raises(DataError, match="does not exist"):
        spec.load()


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda d: d.pop("path"), "lacks: path"),
    (lambda d: d.update(colour="red"), "unknown keys: colour"),
    (lambda d: d["columns"].update(outcome=None), "columns.outcome"),
    (lambda d: d["columns"].update(covariates="caseload"), "list of column names"),
    (lambda d: d.update(sheet=3), "'sheet'"),
    (lambda d: d.update(columns=[]), "not a JSON object"),
])
def test_damaged_entries_are_refused(mutate, match):
    data = DatasetSpec(path="a.csv", columns=COLUMNS).to_dict()
    mutate(data)
    with pytest.raises(ProjectFileError, match=match):
        DatasetSpec.from_dict(data, file="project.json")
