"""Type-check the estimators and the application core with mypy.

The folders install under one namespace with setuptools' package-dir (``estimators/`` is
``pilot_eval.estimators``), which mypy cannot see through an editable install.  This lays out
``pilot_eval/`` in a temporary folder with symlinks (the core's files, ``estimators``,
``resources``; not ``ui``), runs mypy on it with the settings in pyproject.toml and prints the
messages with the repository's paths.  Exit status: mypy's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"estimators": "estimators", "resources": "resources"}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pilot-eval-mypy-") as tmp:
        package = Path(tmp) / "pilot_eval"
        package.mkdir()
        for entry in (ROOT / "pilot_eval").iterdir():
            if entry.name != "__pycache__":
                (package / entry.name).symlink_to(entry)
        for name, folder in MAPPED.items():
            (package / name).symlink_to(ROOT / folder)
        command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                   "-p", "pilot_eval"]
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        out = done.stdout + done.stderr
        out = out.replace("pilot_eval/estimators/", "estimators/").replace(
            "pilot_eval/resources/", "resources/")
        print(out, end="")
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())
