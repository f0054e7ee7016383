"""A small version of the evidence rating's calibration study (benchmarks/calibrate_evidence.py,
full results in docs/evidence-rating.md).

Twelve simulated pilots per scenario on the two cheapest designs (one start date, monthly and
quarterly), each through the same path as a project (``run_analysis`` with the checks and the
sensitivity analysis, then the report builder that rates the evidence).  Seeds are fixed, so
the counts are exact; the thresholds are the study's targets: parallel trends reach the
design's ceiling in at least 80% of runs, a pre-trend violation as large as the effect is rated
lower in at least 80%, and the 95% ranges cover the true effect in at least 10 of 12 runs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

STUDY = Path(__file__).resolve().parents[2] / "benchmarks" / "calibrate_evidence.py"
REPS = 6
DESIGNS = ("one-start-monthly", "quarterly")


@pytest.fixture(scope="module")
def study():
    spec = importlib.util.spec_from_file_location("calibrate_evidence", STUDY)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("calibrate_evidence", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    names = [d.name for d in module.DESIGNS]
    runs = module.run_study([names.index(n) for n in DESIGNS], reps=REPS, workers=1)
    return module, runs


def test_parallel_trends_reach_the_ceiling_and_violations_are_rated_lower(study):
    _, runs = study
    parallel = [r for r in runs if r.scenario == "parallel"]
    violation = [r for r in runs if r.scenario == "violation"]
    assert len(parallel) == len(violation) == REPS * len(DESIGNS)
    assert sum(r.level == r.ceiling for r in parallel) >= 0.8 * len(parallel)
    assert sum(r.level < r.ceiling for r in violation) >= 0.8 * len(violation)
    # the ratings that fall say why: the pre-trend test saw the drift
    assert all(any("already moving differently" in why for why in r.reasons)
               for r in violation if r.level < r.ceiling)


def test_ranges_cover_the_true_effect(study):
    _, runs = study
    covered = [r.covered for r in runs if r.scenario == "parallel"]
    assert sum(covered) >= 10


def test_the_rule_before_the_study_did_not_discriminate(study):
    # the old rule gave parallel-trend designs the ceiling in none of these runs
    _, runs = study
    assert all(r.legacy < 3 for r in runs if r.scenario == "parallel")


def test_summary_table_reports_both_rates(study):
    module, runs = study
    text = module.markdown(module.summarise(runs), runs)
    assert "| one-start-monthly | twfe | 12 |" in text
    assert "All rated designs: ceiling in" in text
