"""Type checkers see the lazily exported names.

A package that exports names on first use (``lazy_exports``: a module ``__getattr__``) is, to
mypy and pyright, a module whose every name is ``object``: ``CallawaySantAnna(control="never")``
would be "object not callable".  So each such package also imports its names under
``if TYPE_CHECKING:`` as ``Name as Name`` (PEP 484's explicit re-export), which costs nothing at
run time.  These tests keep that list and ``_EXPORTS`` from drifting apart.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

import pilot_eval

ROOT = Path(__file__).resolve().parents[2]
LAZY_PACKAGES = sorted(init for init in (ROOT / "estimators").rglob("__init__.py")
                       if "lazy_exports(" in init.read_text(encoding="utf-8"))


def _typed_imports(tree: ast.Module) -> dict[str, str]:
    """``{name: module}`` of the imports under the module's ``if TYPE_CHECKING:``."""
    found: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            assert isinstance(statement, ast.ImportFrom) and statement.module, \
                ast.unparse(statement)
            for alias in statement.names:
                assert alias.asname == alias.name, (
                    f"write 'from {statement.module} import {alias.name} as {alias.name}' "
                    "(an explicit re-export, as pyright and mypy --strict expect)")
                found[alias.name] = statement.module
    return found


def _exports(tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("no _EXPORTS")


def test_the_lazy_packages_are_found():
    names = {str(p.parent.relative_to(ROOT)) for p in LAZY_PACKAGES}
    assert {"estimators", "estimators/did/callaway_santanna", "estimators/survival/cox"} <= names


@pytest.mark.parametrize("init", LAZY_PACKAGES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_every_lazy_export_is_imported_for_type_checkers_from_its_module(init):
    tree = ast.parse(init.read_text(encoding="utf-8"))
    package = ".".join(("pilot_eval", *init.parent.relative_to(ROOT).parts))
    expected = {name: package + module if module.startswith(".") else module
                for name, module in _exports(tree).items()}
    assert _typed_imports(tree) == expected
    loaded = importlib.import_module(package)
    for name, module in expected.items():  # what the checker sees is what run time gives
        assert getattr(importlib.import_module(module), name) is getattr(loaded, name)


def test_pilot_eval_names_its_common_estimators_for_type_checkers():
    tree = ast.parse((ROOT / "pilot_eval" / "__init__.py").read_text(encoding="utf-8"))
    assert _typed_imports(tree) == dict.fromkeys(pilot_eval.COMMON_ESTIMATORS,
                                                 "pilot_eval.estimators")


def test_the_package_ships_its_py_typed_marker():
    """PEP 561: without ``py.typed`` an installed pilot-eval is ``Any`` to mypy ("module is
    installed, but missing library stubs or py.typed marker") and its types go unused."""
    assert (ROOT / "pilot_eval" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["pilot_eval"]
