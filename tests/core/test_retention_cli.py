"""``pilot-eval retention``: JSON keys and exit codes (0 ok, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pilot_eval.cli import main
from pilot_eval.retention import JSON_KEYS

DATA = Path(__file__).parents[1] / "data"
STAFF = [str(DATA / "retention" / "staff_small.csv"), "--start", "start_date", "--end",
         "end_date", "--team", "team", "--reason", "leaving_reason", "--staff-id", "staff_id",
         "--extract-date", "01/10/2025", "--pilot-starts",
         str(DATA / "retention" / "teams_small.csv")]


def test_staff_records_json(capsys) -> None:
    assert main(["retention", *STAFF, "--rate-period", "year", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(JSON_KEYS) <= set(data)
    assert set(data["km"]) == {"pilot", "comparison"}
    assert data["rates"]["period"] == "year"
    assert isinstance(data["warnings"], list)


def test_survival_form_text_and_json(capsys) -> None:
    args = ["retention", str(DATA / "survival" / "rossi.csv"), "--duration", "week", "--event",
            "arrest", "--group", "fin", "--covariates", "fin,age,prio", "--ties", "breslow",
            "--ci-transform", "log", "--tau", "40"]
    assert main(args) == 0
    assert "Ties: Breslow" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cox"]["ties"] == "breslow" and data["rmst"]["tau"] == 40
    assert data["km"]["0"]["ci_transform"] == "log"


def test_invalid_spells_exit_2_with_row_and_column(capsys) -> None:
    args = ["retention", str(DATA / "retention" / "staff_problems.csv"), "--start",
            "start_date", "--end", "end_date", "--team", "team", "--staff-id", "staff_id",
            "--extract-date", "01/10/2025"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "end date is before the start date" in err and "row 3" in err


@pytest.mark.parametrize("extra, message", [
    (["--duration", "d"], "not a mix"),
    (["--tau", "-1"], "tau"),
    (["--extract-date", "31/31/2025"], "extract"),
])
def test_bad_options_exit_2(capsys, extra, message) -> None:
    assert main(["retention", *STAFF, *extra]) == 2
    assert message in capsys.readouterr().err.lower()


def test_missing_roles_exit_2(capsys) -> None:
    assert main(["retention", str(DATA / "retention" / "staff_small.csv"), "--start",
                 "start_date", "--end", "end_date"]) == 2
    assert "--team" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["retention", *STAFF, "--ties", "exact"])
    assert caught.value.code == 2


def test_negative_duration_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "survival.csv"
    path.write_text("t,e\n3,1\n-2,0\n5,1\n", encoding="utf-8")
    assert main(["retention", str(path), "--duration", "t", "--event", "e"]) == 2
    err = capsys.readouterr().err
    assert "'t' must be finite and not negative" in err and "row 2 of the data" in err


def test_dfe_years_to_30_september_hand_worked(capsys) -> None:
    assert main(["retention", *STAFF, "--rate-period", "dfe-year", "--json"]) == 0
    rows = {r["arm"]: r for r in json.loads(capsys.readouterr().out)["rates"]["by_arm"]}
    # first leaving 30/06/2024 -> first DfE year 01/10/2024 - 30/09/2025 (extract 01/10/2025)
    assert {r["period_start"] for r in rows.values()} == {"2024-10-01"}
    # team A (pilot): S1 and S3 in post on 1 Oct; S3 moved internally (not a leaver); S1 at end
    pilot = rows["pilot"]
    assert (pilot["headcount_start"], pilot["headcount_end"], pilot["leavers"]) == (2, 1, 0)
    assert pilot["stability_index"] == 1.0
    # team B: S4 (resigned 31/03/2025) and S5 in post on 1 Oct; S5 at the end -> DfE 1 / 1
    comparison = rows["comparison"]
    assert (comparison["headcount_start"], comparison["headcount_end"],
            comparison["leavers"]) == (2, 1, 1)
    assert comparison["dfe_turnover_rate"] == 1.0 and comparison["nhs_leaver_rate"] == 1 / 1.5


def test_staff_records_by_another_group(capsys) -> None:
    assert main(["retention", *STAFF, "--group", "team", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["km"]) == {"A", "B"}
    assert data["rmst"]["difference"]["reference"] == "A"  # first label when not the arms


def test_large_records_give_the_same_json_compact(capsys, monkeypatch) -> None:
    """Issue 12: above COMPACT_JSON_SPELLS spells the JSON is written without indentation
    (the indenting encoder is ten times slower); the content is the same."""
    from pilot_eval import retention_cli

    assert main(["retention", *STAFF, "--json"]) == 0
    indented = capsys.readouterr().out
    monkeypatch.setattr(retention_cli, "COMPACT_JSON_SPELLS", 0)
    assert main(["retention", *STAFF, "--json"]) == 0
    compact = capsys.readouterr().out
    assert "\n  " in indented and "\n" not in compact.rstrip("\n")
    assert json.loads(compact) == json.loads(indented)
