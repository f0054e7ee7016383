"""Build the one-folder bundle: ``python packaging/build.py [--dist DIR] [--work DIR]``.

Steps: stage the package tree (``stage.py``), write ``THIRD-PARTY-NOTICES.txt``
(``notices.py``), run PyInstaller on ``pilot-eval.spec``.  Works on Windows and Linux; needs
PyInstaller in the same environment as pilot-eval and its dependencies (the ``packaging``
extra).  The result is ``<dist>/pilot-eval/`` with ``pilot-eval[.exe]`` (the window) and
``pilot-eval-cli[.exe]`` (the command line and ``--self-test``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from notices import notices_text  # noqa: E402
from stage import stage  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    staged = stage(args.work / "stage")
    notices = args.work / "THIRD-PARTY-NOTICES.txt"
    notices.write_text(notices_text(), encoding="utf-8")
    env = dict(os.environ, PILOT_EVAL_STAGE=str(staged), PILOT_EVAL_NOTICES=str(notices),
               PILOT_EVAL_VERSION=metadata.version("pilot-eval"))
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(args.dist), "--workpath", str(args.work / "work"),
               str(HERE / "pilot-eval.spec")]
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, env=env, cwd=str(REPO))


if __name__ == "__main__":
    sys.exit(main())
