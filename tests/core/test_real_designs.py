"""Designs councils actually run are analysed, not refused (issue 18).

Each test builds a file that reproduces one refusal of the issue, runs ``pilot-eval did`` on it
and checks the exit code and the figures against an independent reference:

* ``PEER_RTOL`` (1e-6 relative, the issue's bar): pyfixest 0.60 ``feols`` run in the test
  (two-way fixed effects, CR1 with fixest's small-sample factor; event-time dummies built in
  the test), and the Python port of R ``did``, ``csdid`` 0.4.3, whose figures are quoted below
  with the call that printed them (``csdid`` is not a test dependency).

Data: ``tests/data/mpdta.csv`` (R ``did::mpdta``, see ``tests/data/README.md``).  "Every county
eventually piloted" is mpdta without its never-treated counties (309 counties dropped; cohorts
2004, 2006 and 2007 remain).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.cli import EXIT_BAD_INPUT, EXIT_OK, main

DATA = Path(__file__).resolve().parents[1] / "data"
PEER_RTOL = 1e-6
MPDTA = ["--outcome", "lemp", "--unit", "countyreal", "--time", "year", "--cohort",
         "first.treat"]

# csdid 0.4.3 on mpdta without never-treated counties:
#   ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", data=d,
#         control_group="notyettreated").fit(est_method="dr", bstrap=False)
#   .aggte(typec="simple", bstrap=False)
# (R did: att_gt(..., control_group="notyettreated"); the 2007 cohort is the comparison until
# it starts, so periods 2007 on are dropped.)  (group, time) -> (ATT, SE)
CSDID_NOT_YET_ALL_PILOTED = {
    (2004, 2004): (-0.03539901451558624, 0.023376770543494938),
    (2004, 2005): (-0.0925872029000982, 0.03257607041946916),
    (2004, 2006): (-0.13395238219689087, 0.038708457862996974),
    (2006, 2004): (-0.02398654315905979, 0.02405583161718012),
    (2006, 2005): (-2.4925864402549487e-05, 0.022457972209860826),
    (2006, 2006): (0.026492512436825846, 0.019380512966734542),
}
CSDID_NOT_YET_SIMPLE = (-0.04179071494778473, 0.020454315072859216)


def run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture
def all_piloted(tmp_path) -> Path:
    path = tmp_path / "all_piloted.csv"
    frame = mpdta()
    frame[frame["first.treat"] > 0].to_csv(path, index=False)
    return path


def feols(formula: str, frame: pd.DataFrame, cluster: str, weights: str | None = None):
    pf = pytest.importorskip("pyfixest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, frame, vcov={"CRV1": cluster}, weights=weights)


def check_cs_reference(result: dict) -> None:
    assert result["estimator"] == "callaway-santanna"
    cells = {(row["group"], row["time"]): row for row in result["att_gt"]}
    assert set(cells) == set(CSDID_NOT_YET_ALL_PILOTED)
    for key, (att, se) in CSDID_NOT_YET_ALL_PILOTED.items():
        assert cells[key]["estimate"] == pytest.approx(att, rel=PEER_RTOL, abs=1e-12)
        assert cells[key]["se"] == pytest.approx(se, rel=PEER_RTOL)
    assert result["estimate"] == pytest.approx(CSDID_NOT_YET_SIMPLE[0], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(CSDID_NOT_YET_SIMPLE[1], rel=PEER_RTOL)


# --- every team eventually piloted -------------------------------------------------------

def test_auto_uses_not_yet_piloted_teams_when_every_team_is_piloted(all_piloted, capsys):
    code, out, err = run(["did", all_piloted, *MPDTA, "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    check_cs_reference(result)
    assert result["choice"]["control"] == "not-yet"
    assert "not yet piloted" in result["choice"]["reason"]
    # the secondary analyses ran too (none aborted the headline)
    assert result["twfe"]["estimate"] is not None
    assert result["event_study"]["estimate"] is not None


def test_callaway_santanna_not_yet_exits_0_with_csdid_figures(all_piloted, capsys):
    code, out, err = run(["did", all_piloted, *MPDTA, "--estimator", "callaway-santanna",
                          "--control", "not-yet", "--json"], capsys)
    assert code == EXIT_OK, err
    check_cs_reference(json.loads(out))


def test_never_piloted_controls_asked_for_name_the_option_that_works(all_piloted, capsys):
    for estimator in ("callaway-santanna", "sun-abraham"):
        code, out, err = run(["did", all_piloted, *MPDTA, "--estimator", estimator], capsys)
        assert code == EXIT_BAD_INPUT
        assert "--control not-yet" in err and "control='last'" not in err
        assert "all_piloted.csv" in err and "first.treat" in err


def test_twfe_is_identified_by_timing_and_matches_pyfixest(all_piloted, capsys):
    code, out, err = run(["did", all_piloted, *MPDTA, "--estimator", "twfe", "--se", "cluster",
                          "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    frame = pd.read_csv(all_piloted)
    frame["D"] = (frame["year"] >= frame["first.treat"]).astype(float)
    peer = feols("lemp ~ D | countyreal + year", frame, "countyreal")
    assert result["estimate"] == pytest.approx(peer.coef()["D"], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(peer.se()["D"], rel=PEER_RTOL)


def test_event_study_fixes_a_second_lead_when_every_team_is_piloted(all_piloted, capsys):
    code, out, err = run(["did", all_piloted, *MPDTA, "--estimator", "event-study", "--se",
                          "cluster", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    rows = {row["e"]: row for row in result["event_time"]}
    assert rows[-1]["is_reference"] and rows[-4]["is_reference"]
    assert any("identified by the timing" in w for w in result["warnings"])
    frame = pd.read_csv(all_piloted)
    rel = frame["year"] - frame["first.treat"]
    events = [-3, -2, 0, 1, 2, 3]  # -1 and the earliest lead -4 are the references
    for e in events:
        frame[f"e{e + 10}"] = (rel == e).astype(float)
    peer = feols("lemp ~ " + " + ".join(f"e{e + 10}" for e in events)
                 + " | countyreal + year", frame, "countyreal")
    for e in events:
        assert rows[e]["estimate"] == pytest.approx(peer.coef()[f"e{e + 10}"], rel=PEER_RTOL)
        assert rows[e]["se"] == pytest.approx(peer.se()[f"e{e + 10}"], rel=PEER_RTOL)


def test_sun_abraham_last_treated_cohort_is_reachable_from_the_command_line(all_piloted,
                                                                            capsys):
    code, out, err = run(["did", all_piloted, *MPDTA, "--estimator", "sun-abraham",
                          "--control", "not-yet", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["control"] == "last"
    # the last cohort (2007) is the comparison: its rows and periods from 2007 on are out
    frame = pd.read_csv(all_piloted)
    kept = frame[frame["year"] < 2007].copy()
    kept["c"] = kept["first.treat"].where(kept["first.treat"] < 2007, 0)
    kept["rel"] = (kept["year"] - kept["c"]).where(kept["c"] > 0, -1)
    peer = feols("lemp ~ i(rel, c, ref=-1, ref2=0) | countyreal + year", kept, "countyreal")
    ours = {(int(c["group"]), c["e"]): c for c in result["att_gt"]}
    assert len(ours) == len(peer.coef())
    for name, b in peer.coef().items():
        rel, cohort = name.replace("rel::", "").split(":c::")
        cell = ours[(int(float(cohort)), int(float(rel)))]
        assert cell["estimate"] == pytest.approx(b, rel=PEER_RTOL, abs=1e-12)
        assert cell["se"] == pytest.approx(peer.se()[name], rel=PEER_RTOL)


# --- regression weights with few clusters ------------------------------------------------

@pytest.fixture
def weighted_few_clusters(tmp_path) -> Path:
    frame = mpdta()
    frame = frame[frame["first.treat"].isin([0, 2006])].copy()  # one start: two-way FE
    units = np.sort(frame["countyreal"].unique())
    council = {u: f"C{i % 10}" for i, u in enumerate(units)}  # 10 councils
    frame["council"] = frame["countyreal"].map(council)
    frame["w"] = 0.5 + (frame["countyreal"] % 7) / 4.0  # a regression weight per county
    path = tmp_path / "weighted.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("se", ["cluster", "auto"])
def test_weights_with_10_clusters_give_cr1_not_a_refusal(weighted_few_clusters, se, capsys):
    code, out, err = run(["did", weighted_few_clusters, *MPDTA, "--cluster", "council",
                          "--weights", "w", "--se", se, "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["n_clusters"] == 10
    frame = pd.read_csv(weighted_few_clusters)
    frame["D"] = ((frame["first.treat"] > 0) & (frame["year"] >= frame["first.treat"])
                  ).astype(float)
    peer = feols("lemp ~ D | countyreal + year", frame, "council", weights="w")
    assert result["estimate"] == pytest.approx(peer.coef()["D"], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(peer.se()["D"], rel=PEER_RTOL)
    assert result["p_value"] == pytest.approx(peer.pvalue()["D"], rel=PEER_RTOL)
    assert result["se_type"] == "cluster"
    wild = result["wild_bootstrap"]
    assert "regression weights" in wild["unavailable"]
    assert result["choice"]["inference"] == "analytic"


# --- a time-invariant covariate in Callaway & Sant'Anna ----------------------------------

# csdid 0.4.3 on mpdta: ATTgt(..., control_group="nevertreated", xformla="lemp~lpop")
# .fit(est_method="dr", bstrap=False).aggte(typec="simple", bstrap=False); the same figures
# are in tests/estimators/test_callaway_csdid_reference.py (CSDID_AGGTE_DR_NEVER).
CSDID_LPOP_SIMPLE = (-0.04175177205861638, 0.011502838151545078)


def test_time_invariant_covariate_is_accepted_by_callaway_santanna(capsys):
    code, out, err = run(["did", DATA / "mpdta.csv", *MPDTA, "--covariates", "lpop",
                          "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["estimator"] == "callaway-santanna" and result["covariates"] == ["lpop"]
    assert result["estimate"] == pytest.approx(CSDID_LPOP_SIMPLE[0], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(CSDID_LPOP_SIMPLE[1], rel=PEER_RTOL)
    # the two-way comparison runs without it (the unit effects absorb it) and says so
    assert result["twfe"]["estimate"] is not None
    assert any("leaves out lpop" in w for w in result["warnings"])


def test_time_invariant_covariate_is_refused_only_where_it_is_absorbed(capsys):
    code, out, err = run(["did", DATA / "mpdta.csv", *MPDTA, "--covariates", "lpop",
                          "--estimator", "twfe"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "'lpop'" in err and "constant within units" in err


# --- irregular periods: a cohort with no observed period g-1 -----------------------------

def test_sun_abraham_drops_unidentified_cells_as_fixest_and_lists_them(tmp_path, capsys):
    frame = mpdta()
    frame = frame[frame["year"] != 2005]  # the 2006 cohort has no period 2005 = g - 1
    path = tmp_path / "irregular.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(["did", path, *MPDTA, "--estimator", "sun-abraham", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert any("cohort 2006 e=1" in w for w in result["warnings"])
    assert not any("covariates" in w for w in result["warnings"])
    data = frame.rename(columns={"first.treat": "c"})
    data["rel"] = (data["year"] - data["c"]).where(data["c"] > 0, -1)
    peer = feols("lemp ~ i(rel, c, ref=-1, ref2=0) | countyreal + year", data, "countyreal")
    ours = {(int(c["group"]), c["e"]): c for c in result["att_gt"]}
    assert (2006, 1) not in ours
    assert len(ours) == len(peer.coef())  # pyfixest drops the same collinear cell
    for name, b in peer.coef().items():
        rel, cohort = name.replace("rel::", "").split(":c::")
        cell = ours[(int(float(cohort)), int(float(rel)))]
        assert cell["estimate"] == pytest.approx(b, rel=PEER_RTOL, abs=1e-12)
        assert cell["se"] == pytest.approx(peer.se()[name], rel=PEER_RTOL)
    # each event time is the share-weighted mean of the cells that remain (fixest aggregate)
    by_e = {row["e"]: row["estimate"] for row in result["event_time"]}
    for e in {e for _, e in ours}:
        cells = [c for (g, f), c in ours.items() if f == e]
        total = sum(c["n_obs"] for c in cells)
        expected = sum(c["n_obs"] / total * c["estimate"] for c in cells)
        assert by_e[e] == pytest.approx(expected, rel=1e-12)


# --- a pilot team missing its first pilot month ------------------------------------------

def test_a_missing_first_pilot_month_is_named_not_silently_shifted(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = []
    for u in range(12):
        for t in range(1, 9):
            d = int(u < 6 and t >= 5)
            if u == 0 and t == 5:
                continue  # Team 0's first pilot month is missing
            rows.append({"team": f"Team {u}", "month": f"2024-{t:02d}", "pilot": d,
                         "y": rng.normal() + 2 * d})
    path = tmp_path / "missing_first_month.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code, out, err = run(["did", path, "--outcome", "y", "--unit", "team", "--time", "month",
                          "--treatment", "pilot", "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    problem = next(p for p in result["validation"] if p["code"] == "pilot_start_uncertain")
    assert "'Team 0'" in problem["message"] and problem["column"] == "pilot"
    assert problem["rows"] == [6]  # Team 0's first row with the flag at 1 (header = row 1)
    assert "--cohort" in problem["hint"]
    assert any("Team 0" in w for w in result["warnings"])


# --- one or two pilot teams --------------------------------------------------------------

def organ_donations(tmp_path: Path) -> Path:
    frame = pd.read_csv(DATA / "organ_donation.csv")
    quarter = frame["Quarter"].str[1].astype(int)  # "Q42010" -> 4, 2010
    year = frame["Quarter"].str[2:].astype(int)
    frame["Quarter_Num"] = (year - 2010) * 4 + quarter - 3  # as causaldata: 1 = Q4 2010
    # California moved to active-choice sign-up from Q3 2011 (Quarter_Num 4)
    frame["active_choice"] = ((frame["State"] == "California")
                              & (frame["Quarter_Num"] >= 4)).astype(int)
    path = tmp_path / "organ_donation.csv"
    frame.to_csv(path, index=False)
    return path


def test_one_pilot_cluster_says_why_cluster_inference_is_unreliable(tmp_path, capsys):
    path = organ_donations(tmp_path)
    argv = ["did", path, "--outcome", "Rate", "--unit", "State", "--time", "Quarter_Num",
            "--treatment", "active_choice"]
    code, out, err = run([*argv, "--json"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    frame = pd.read_csv(path)
    peer = feols("Rate ~ active_choice | State + Quarter_Num", frame, "State")
    assert result["estimate"] == pytest.approx(peer.coef()["active_choice"], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(peer.se()["active_choice"], rel=PEER_RTOL)
    choice = result["choice"]
    assert choice["few_pilot_units"] and choice["n_treated_clusters"] == 1
    assert choice["inference"] == "analytic" and result["se_type"] == "cluster"
    reason = choice["inference_reason"]
    assert "MacKinnon & Webb 2017" in reason and "synthetic" in reason
    assert result["wild_bootstrap"]["p_value"] is not None  # still shown beside it
    code, text, err = run(argv, capsys)
    everything = text + out
    assert "Use the wild cluster bootstrap" not in everything
    assert "prefer the wild cluster bootstrap" not in everything
    assert "synthetic" in text


# --- rows the analyst leaves out: a totals row -------------------------------------------

def panel_with_totals(tmp_path: Path) -> tuple[Path, list[int]]:
    """12 teams x 8 months, then an "All teams" row per month and a grand "Total" row."""
    rng = np.random.default_rng(5)
    rows = []
    for team in range(12):
        for month in range(1, 9):
            on = team < 6 and month >= 5
            rows.append({"team": f"Team {team:02d}", "month": f"2024-{month:02d}",
                         "pilot": int(on), "y": round(rng.normal() + 2.0 * on, 4)})
    frame = pd.DataFrame(rows)
    sums = frame.groupby("month", as_index=False)["y"].sum().assign(team="All teams", pilot=0)
    total = {"team": "Total", "month": "", "pilot": "", "y": round(frame["y"].sum(), 4)}
    frame = pd.concat([frame, sums, pd.DataFrame([total])], ignore_index=True)
    path = tmp_path / "with_totals.csv"
    frame.to_csv(path, index=False)
    first = 96 + 2  # spreadsheet row of the first totals row (header = row 1)
    return path, list(range(first, first + 9))


def test_totals_rows_are_detected_and_can_be_left_out(tmp_path, capsys):
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.io import load_table
    from pilot_eval.validation import validate_panel

    path, rows = panel_with_totals(tmp_path)
    columns = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot")
    report = validate_panel(load_table(path).frame, columns, file=path.name)
    totals = next(p for p in report.problems if p.code == "totals_rows")
    assert totals.rows == tuple(rows) and "--exclude-rows 98-106" in totals.hint
    argv = ["did", path, "--outcome", "y", "--unit", "team", "--time", "month",
            "--treatment", "pilot", "--se", "cluster", "--json"]
    # left in, "All teams" counts as a 13th team; the row without a month is left out, as
    # the checks say ("will be left out")
    code, out, err = run(argv, capsys)
    assert code == EXIT_OK, err
    assert json.loads(out)["n_units"] == 13 and json.loads(out)["n_obs"] == 104
    code, out, err = run([*argv, "--exclude-rows", "98-106"], capsys)
    assert code == EXIT_OK, err
    result = json.loads(out)
    frame = pd.read_csv(path).iloc[:96]
    frame["month"] = frame["month"].str[-2:].astype(int)
    peer = feols("y ~ pilot | team + month", frame.assign(pilot=frame["pilot"].astype(float)),
                 "team")
    assert result["estimate"] == pytest.approx(peer.coef()["pilot"], rel=PEER_RTOL)
    assert result["se"] == pytest.approx(peer.se()["pilot"], rel=PEER_RTOL)
    assert result["n_obs"] == 96 and result["n_units"] == 12
    code, out, err = run([*argv, "--exclude-rows", "1"], capsys)
    assert code == EXIT_BAD_INPUT and "header is row 1" in err


def test_excluded_rows_keep_the_spreadsheet_row_numbers_of_later_messages(tmp_path):
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.exclusions import exclude_rows
    from pilot_eval.io import load_table
    from pilot_eval.validation import validate_panel

    path, rows = panel_with_totals(tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[40, "y"] = "n/a"  # spreadsheet row 42
    frame.to_csv(path, index=False)
    table = exclude_rows(load_table(path), [3, *rows])  # leave out row 3 as well
    columns = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot")
    report = validate_panel(table.frame, columns, file=path.name)
    missing = next(p for p in report.problems if p.code == "missing_values")
    assert missing.rows == (42,)


# --- a title row above the header; formulas without saved values -------------------------

def titled_workbook(tmp_path: Path, *, formulas: bool = False) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Report"
    sheet.append(["Children's services: goals met by team, 2024"])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["team", "month", "pilot", "y"])
    rng = np.random.default_rng(9)
    for team in range(10):
        for month in range(1, 7):
            on = int(team < 5 and month >= 4)
            value = round(rng.normal() + 1.5 * on, 4)
            sheet.append([f"Team {team}", month, on, value])
    if formulas:
        sheet["D5"] = "=D4*2"  # written without a calculated value
    path = tmp_path / "report.xlsx"
    book.save(path)
    return path


def test_header_row_reads_a_sheet_with_a_title_row_above_the_header(tmp_path, capsys):
    from pilot_eval.io import load_table
    from pilot_eval.io.header_guess import guess_header_row

    path = titled_workbook(tmp_path)
    table = load_table(path, header_row=3)
    assert list(table.frame.columns) == ["team", "month", "pilot", "y"]
    assert table.n_rows == 60 and table.frame.index[0] == 2  # index 2 = spreadsheet row 4
    openpyxl = pytest.importorskip("openpyxl")
    rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert guess_header_row(rows) == 3
    code, out, err = run(["did", path, "--outcome", "y", "--unit", "team", "--time", "month",
                          "--treatment", "pilot", "--header-row", "3", "--se", "cluster",
                          "--json"], capsys)
    assert code == EXIT_OK, err
    frame = table.frame.assign(pilot=lambda d: d["pilot"].astype(float))
    peer = feols("y ~ pilot | team + month", frame, "team")
    assert json.loads(out)["estimate"] == pytest.approx(peer.coef()["pilot"], rel=PEER_RTOL)
    code, guessed, err = run(["did", path, "--outcome", "y", "--unit", "team", "--time",
                              "month", "--treatment", "pilot", "--se", "cluster", "--json"],
                             capsys)  # no --header-row: found below the title, and said so
    assert code == EXIT_OK, err
    assert "column names were read from row 3" in err and "--header-row" in err
    assert "goals met by team" in err
    assert json.loads(guessed)["estimate"] == json.loads(out)["estimate"]


def test_a_workbook_saved_without_calculated_values_is_named_as_such(tmp_path):
    from pilot_eval.errors import DataError
    from pilot_eval.io import load_table

    path = titled_workbook(tmp_path, formulas=True)
    with pytest.raises(DataError, match="saved without calculated values") as info:
        load_table(path, header_row=3)
    assert info.value.rows == (5,) and "save it" in info.value.hint


# --- command-line messages ---------------------------------------------------------------

def test_json_errors_are_a_json_object_on_stdout_too(tmp_path, capsys):
    code, out, err = run(["did", DATA / "mpdta.csv", "--outcome", "nope", "--unit",
                          "countyreal", "--time", "year", "--cohort", "first.treat", "--json"],
                         capsys)
    assert code == EXIT_BAD_INPUT and "nope" in err
    error = json.loads(out)
    assert set(error) == {"error", "file", "rows", "column", "hint"}
    assert error["column"] == "nope" and error["file"].endswith("mpdta.csv")


def test_a_wild_bootstrap_headline_prints_its_own_p_value_first(weighted_few_clusters, capsys):
    frame = pd.read_csv(weighted_few_clusters).drop(columns="w")
    path = weighted_few_clusters.with_name("unweighted.csv")
    frame.to_csv(path, index=False)
    code, out, err = run(["did", path, *MPDTA, "--cluster", "council", "--bootstrap", "999"],
                         capsys)
    assert code == EXIT_OK, err
    assert out.startswith("Headline: estimate") and "wild cluster bootstrap" in out.split("\n")[0]
    assert out.index("wild cluster bootstrap") < out.index("CR1")


def test_did_help_says_when_unit_is_needed(capsys):
    with pytest.raises(SystemExit):
        main(["did", "--help"])
    assert "needed with --treatment and --cohort" in " ".join(capsys.readouterr().out.split())


STAFF = [DATA / "retention" / "staff_small.csv", "--start", "start_date", "--end", "end_date",
         "--team", "team", "--reason", "leaving_reason"]


def test_retention_without_pilot_starts_says_how_to_give_them(capsys):
    code, out, err = run(["retention", *STAFF, "--json"], capsys)
    assert code == EXIT_OK, err
    cox = json.loads(out)["unavailable"]["cox"] if "unavailable" in json.loads(out) else None
    text = out if cox is None else cox
    assert "no pilot starts were given" in text and "--pilot-starts" in text
    assert "is constant; drop it" not in out


def test_a_us_order_extract_date_names_the_forms_that_work(capsys):
    code, out, err = run(["retention", *STAFF, "--extract-date", "10/13/2025"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "dd/mm/yyyy" in err and "yyyy-mm-dd" in err
    assert "%m/%d/%Y" not in err and "row 2" not in err


def test_the_project_keeps_the_header_row_and_the_rows_left_out(tmp_path):
    from pilot_eval.estimators import PanelColumns

    from pilot_eval.spec import DatasetSpec

    path, rows = panel_with_totals(tmp_path)
    columns = PanelColumns(outcome="y", unit="team", time="month", treatment="pilot")
    spec = DatasetSpec(path=str(path), columns=columns, exclude_rows=tuple(rows))
    again = DatasetSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and again.exclude_rows == tuple(rows)
    table = again.load()
    assert table.n_rows == 96 and "All teams" not in set(table.frame["team"])
    older = {k: v for k, v in spec.to_dict().items() if k not in ("header_row", "exclude_rows")}
    assert DatasetSpec.from_dict(older).exclude_rows == ()  # project files before issue 18
    titled = DatasetSpec(path=str(titled_workbook(tmp_path)), columns=columns, header_row=3)
    assert DatasetSpec.from_dict(titled.to_dict()).load().n_rows == 60
