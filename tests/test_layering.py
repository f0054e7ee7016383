"""The dependency direction of DESIGN.md, checked by reading every module's imports with ``ast``.

import-linter walks package folders on disk and cannot see ``estimators/`` and ``ui/`` under
their installed names (``pilot_eval.estimators``, ``pilot_eval.ui``), so this test maps the
folders itself.  Rules:

* nothing outside ``ui/`` imports PySide6/shiboken6 or ``pilot_eval.ui``;
* ``estimators/`` imports nothing from the rest of ``pilot_eval`` and no rendering library;
  inside it, the families ``did/`` and ``survival/`` do not import each other, and the shared
  modules (``inference/``, ``columns``, ``results``, ``periods`` ...) import neither family
  (the package's ``__init__``, the facade re-exporting both, is exempt);
* only the brief renderers (``pilot_eval/brief``) import reportlab (and svglib);
* only ``pilot_eval/charts`` and ``ui/`` import matplotlib;
* no module anywhere imports a network library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"pilot_eval": "pilot_eval", "estimators": "pilot_eval.estimators", "ui": "pilot_eval.ui",
           "resources": "pilot_eval.resources"}
NETWORK = ("socket", "requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client",
           "http.server", "ftplib", "smtplib", "websockets", "xmlrpc", "telnetlib", "ssl")
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def module_name(folder: str, path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root / folder).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([FOLDERS[folder], *parts])


def imported_names(path: Path, module: str) -> list[tuple[int, str]]:
    """Every absolute module name imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            names.append((node.lineno, target))
            names += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return names


def starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


FAMILIES = ("did", "survival")


def family_of(module: str) -> str | None:
    """``did``/``survival`` for a module of an estimator family, ``shared`` for the rest of
    ``pilot_eval.estimators`` (inference/, columns, results ...), None outside it."""
    if not starts(module, ("pilot_eval.estimators",)):
        return None
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[2] in FAMILIES else "shared"


def violations(folder: str, path: Path, root: Path = ROOT) -> list[str]:
    module = module_name(folder, path, root)
    found = []
    for line, name in imported_names(path, module):
        where = f"{path.relative_to(root)}:{line} imports {name}"
        if starts(name, NETWORK):
            found.append(f"{where} (network library; the product must work offline)")
        if folder != "ui" and (starts(name, QT) or starts(name, ("pilot_eval.ui",))):
            found.append(f"{where} (Qt is allowed only under ui/)")
        if (folder == "estimators" and starts(name, ("pilot_eval",))
                and not starts(name, ("pilot_eval.estimators",))):
            found.append(f"{where} (estimators/ must not import the rest of pilot_eval)")
        family = family_of(module)
        target = family_of(name)
        # the package itself is the facade naming every family (for type checkers under
        # TYPE_CHECKING; at run time on first use, which test_public_api keeps cheap)
        if (folder == "estimators" and target not in (None, "shared") and target != family
                and module != "pilot_eval.estimators"):
            found.append(f"{where} (the {family} modules must not import the {target} family)")
        if starts(name, ("reportlab", "svglib")) and not module.startswith("pilot_eval.brief"):
            found.append(f"{where} (only the brief renderers may import reportlab)")
        if starts(name, ("matplotlib",)) and not (
            module.startswith("pilot_eval.charts") or folder == "ui"
        ):
            found.append(f"{where} (only pilot_eval.charts and ui/ may import matplotlib)")
        if starts(name, ("matplotlib.pyplot", "pylab")):
            found.append(f"{where} (build Figure objects; pyplot keeps global state)")
    return found


def source_files():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield folder, path


def test_every_module_respects_the_layering():
    problems = [v for folder, path in source_files() for v in violations(folder, path)]
    assert not problems, "Layering broken:\n" + "\n".join(problems)


def test_the_checker_sees_the_modules():
    modules = {module_name(f, p) for f, p in source_files()}
    assert "pilot_eval.estimators.columns" in modules
    assert {"pilot_eval.estimators.did.callaway_santanna.estimator",
            "pilot_eval.estimators.did.honest.bounds", "pilot_eval.estimators.survival.cox.model",
            "pilot_eval.estimators.inference.variance"} <= modules
    assert "pilot_eval.errors" in modules


@pytest.mark.parametrize(
    ("folder", "source", "expected"),
    [
        ("estimators", "from pilot_eval.io import tables\n", "must not import the rest"),
        ("estimators", "from ...brief import pdf\n", "must not import the rest"),
        ("pilot_eval", "import PySide6.QtCore\n", "Qt is allowed only"),
        ("pilot_eval", "from pilot_eval.ui import main_window\n", "Qt is allowed only"),
        ("pilot_eval", "import urllib.request\n", "network library"),
        ("ui", "import socket\n", "network library"),
        ("estimators", "import matplotlib\n", "only pilot_eval.charts"),
        ("estimators", "from pilot_eval.estimators.survival import cox\n",
         "shared modules must not import the survival family"),
        ("pilot_eval", "from reportlab.lib import colors\n", "only the brief renderers"),
    ],
)
def test_the_checker_catches_violations(tmp_path, folder, source, expected):
    (tmp_path / folder / "sub").mkdir(parents=True)
    target = tmp_path / folder / "sub" / "mod.py"
    target.write_text(source, encoding="utf-8")
    found = violations(folder, target, root=tmp_path)
    assert any(expected in v for v in found), found
