"""Stage the package as an installed tree for PyInstaller: ``<out>/pilot_eval`` with
``estimators``, ``ui`` and ``resources`` inside it (the ``package-dir`` mapping of
``pyproject.toml``), so the bundle does not depend on how the build machine installed it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAPPED = {"estimators": "estimators", "ui": "ui", "resources": "resources"}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def stage(out: Path) -> Path:
    """Copy the package tree into ``out`` (replacing what was there); return ``out``."""
    target = out / "pilot_eval"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO / "pilot_eval", target, ignore=IGNORE)
    for folder, name in MAPPED.items():
        shutil.copytree(REPO / folder, target / name, ignore=IGNORE)
    return out


if __name__ == "__main__":
    print(stage(Path(sys.argv[1])))
