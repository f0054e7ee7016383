"""Every estimators module imports on its own, in any order (no circular imports).

A package ``__init__`` that eagerly imports its modules can make ``import a`` fail in a fresh
interpreter when ``a`` imports a sibling that imports ``a`` back (seen: survival.data ->
cox.likelihood -> cox/__init__ -> cox.model -> survival.data).  Each module is imported in one
child interpreter after removing every ``pilot_eval`` module from ``sys.modules``.
"""

import subprocess
import sys
from pathlib import Path

import pilot_eval.estimators

ROOT = Path(pilot_eval.estimators.__file__).parent

SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.startswith("pilot_eval")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:  # report every module that fails, not just the first
        failed.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(("pilot_eval.estimators", *parts)))
    return names


def test_every_module_imports_first_in_a_fresh_interpreter():
    names = _modules()
    assert len(names) > 40  # the walk found the package
    done = subprocess.run([sys.executable, "-c", SCRIPT, *names], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr


def test_public_names_resolve():
    for name in pilot_eval.estimators.__all__:
        assert getattr(pilot_eval.estimators, name) is not None, name
