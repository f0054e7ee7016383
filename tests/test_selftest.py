"""The ``--self-test`` machinery: every module found, failures reported with a non-zero exit.

The real pipeline run (DiD, retention, both renderers) is in ``tests/test_offline.py``, with
sockets disabled; here steps are stubbed so the tests stay fast.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pilot_eval import selftest
from pilot_eval.selftest import SelfTestReport, StepResult, import_all, module_names

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {"pilot_eval": "pilot_eval", "estimators": "pilot_eval.estimators",
           "ui": "pilot_eval.ui", "resources": "pilot_eval.resources"}


def _modules_on_disk() -> set[str]:
    """Brute force: every .py file of the four package folders, as its import name."""
    names = set()
    for folder, package in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            names.add(name)
    return names


def test_every_module_on_disk_is_found():
    assert set(module_names()) == _modules_on_disk()


def test_import_all_names_every_failure(monkeypatch):
    real = selftest.importlib.import_module

    def fake(name):
        if name in ("pilot_eval.about", "pilot_eval.exports"):
            raise ImportError(f"no {name}")
        return real(name)

    monkeypatch.setattr(selftest.importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"2 of \d+ modules") as caught:
        import_all()
    assert "pilot_eval.about" in str(caught.value) and "pilot_eval.exports" in str(caught.value)


def _ok(out: Path) -> str:
    (out / "ok.txt").write_text("ok")
    return "wrote ok.txt"


def _broken(out: Path) -> str:
    raise RuntimeError("the renderer broke")


def test_a_failing_step_fails_the_report_but_later_steps_still_run(tmp_path):
    report = selftest.run_self_test(tmp_path / "out", steps=[("broken", _broken), ("ok", _ok)])
    assert not report.ok
    assert [(s.name, s.ok) for s in report.steps] == [("broken", False), ("ok", True)]
    assert report.steps[0].detail == "RuntimeError: the renderer broke"
    assert (tmp_path / "out" / "ok.txt").read_text() == "ok"
    assert "FAIL broken" in report.summary() and "FAILED" in report.summary()


def test_main_exit_codes_and_json(tmp_path, monkeypatch):
    monkeypatch.setattr(selftest, "default_steps", lambda: [("ok", _ok)])
    stream = io.StringIO()
    assert selftest.main(tmp_path / "a", stream=stream) == selftest.EXIT_OK
    assert stream.getvalue().startswith("pilot-eval self-test: PASSED")
    saved = json.loads((tmp_path / "a" / "selftest.json").read_text(encoding="utf-8"))
    assert saved["ok"] is True and saved["steps"][0]["name"] == "ok"

    monkeypatch.setattr(selftest, "default_steps", lambda: [("broken", _broken)])
    assert selftest.main(tmp_path / "b", stream=io.StringIO()) == selftest.EXIT_FAILED


def test_report_seconds_add_up():
    report = SelfTestReport((StepResult("a", True, 1.25), StepResult("b", True, 0.5)))
    assert report.ok and report.seconds == pytest.approx(1.75)


def test_the_console_script_dispatches_self_test_before_the_cli(monkeypatch, tmp_path):
    from pilot_eval.ui import launch

    called = {}
    monkeypatch.setattr(selftest, "main", lambda out: called.setdefault("out", out) and 0)
    monkeypatch.setattr("pilot_eval.cli.main", lambda *a, **k: pytest.fail("CLI was called"))
    assert launch.main(["--self-test", str(tmp_path)]) == 0
    assert called["out"] == str(tmp_path)
    assert launch.main(["--self-test"]) == 2  # the folder is required


def test_other_arguments_still_reach_the_cli(monkeypatch):
    from pilot_eval.ui import launch

    seen = {}

    def fake_cli(argv, *, gui):
        seen["argv"], seen["gui"] = list(argv), gui
        return 0

    monkeypatch.setattr("pilot_eval.cli.main", fake_cli)
    assert launch.main(["did", "x.csv"]) == 0
    assert seen["argv"] == ["did", "x.csv"] and seen["gui"] is launch._open_window


# --- About data and THIRD-PARTY-NOTICES (packaging/notices.py) ----------------------------

def _declared_dependencies() -> set[str]:
    import re
    import tomllib

    from pilot_eval.about import normalise

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {normalise(re.match(r"[A-Za-z0-9._-]+", d).group(0)) for d in project["dependencies"]}


def test_about_lists_every_declared_dependency_and_no_test_tool():
    from pilot_eval.about import about_info, normalise

    info = about_info()
    names = {normalise(p.name) for p in info.packages}
    assert _declared_dependencies() <= names
    assert not names & {"pytest", "hypothesis", "pyfixest", "ruff", "pytest-qt"}
    assert info.app.name == "pilot-eval" and info.app.licence == "MIT"
    assert all(p.licence for p in info.packages)
    json.dumps(info.to_dict())  # plain data


def test_about_versions_match_the_modules_own_version_attributes():
    """Reference: each library's ``__version__`` (not importlib.metadata, which about uses)."""
    import matplotlib
    import numpy
    import pandas
    import scipy

    from pilot_eval.about import about_info

    versions = {p.name.lower(): p.version for p in about_info().packages}
    for module in (numpy, pandas, scipy, matplotlib):
        assert versions[module.__name__] == module.__version__


def test_notices_hold_each_package_and_its_licence_text():
    import sys

    sys.path.insert(0, str(REPO / "packaging"))
    try:
        from notices import notices_text
    finally:
        sys.path.remove(str(REPO / "packaging"))
    text = notices_text()
    from pilot_eval.about import about_info

    for package in about_info().packages:
        assert f"\n{package.name} {package.version}\n" in text
    numpy_part = text.split("\nnumpy ", 1)[1].split("=" * 78, 1)[0]
    assert "Redistribution and use in source and binary forms" in numpy_part  # BSD text
