"""The public names: every estimator and result from ``pilot_eval.estimators`` (the common ones
also from ``pilot_eval``), listed in ``__all__``, imported on first use so that importing the
packages stays cheap (the command line's ``--version`` imports them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pilot_eval
from pilot_eval import estimators


def test_the_names_an_evaluator_reaches_for_import_from_the_package():
    from pilot_eval.estimators import CallawaySantAnna, CoxModel

    assert CallawaySantAnna.__module__ == "pilot_eval.estimators.did.callaway_santanna.estimator"
    assert CoxModel.__module__ == "pilot_eval.estimators.survival.cox.model"


@pytest.mark.parametrize("name", estimators.__all__)
def test_every_listed_name_resolves(name):
    assert getattr(estimators, name) is not None
    assert name in dir(estimators) or name in vars(estimators)


@pytest.mark.parametrize("name", pilot_eval.COMMON_ESTIMATORS)
def test_common_names_are_the_same_objects_from_pilot_eval(name):
    assert getattr(pilot_eval, name) is getattr(estimators, name)
    assert name in pilot_eval.__all__ and name in dir(pilot_eval)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = pilot_eval.Nothing  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = estimators.Nothing  # type: ignore[attr-defined]


def test_importing_the_packages_loads_no_numerics():
    code = ("import sys, pilot_eval, pilot_eval.estimators; "
            "print(sorted(m for m in ('pandas', 'numpy', 'scipy', "
            "'pilot_eval.estimators.did', 'pilot_eval.estimators.survival') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/")
    assert out.stdout.strip() == "[]"

