"""The ``pilot-eval`` console script: the command line, or the window when no command is given.

The command line lives in the Qt-free core (``pilot_eval.cli``); this top-layer module hands it a
launcher for the window so the core never imports the UI.

``pilot-eval --self-test OUT_DIR`` (checked before the command line) imports every module, runs
the demo pipeline into ``OUT_DIR`` and exits non-zero on any failure; the packaged app's check
script runs it.  ``multiprocessing.freeze_support()`` comes first so that a frozen bundle's
worker processes (if any library starts one) do not start a second copy of the app.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path

SELF_TEST_FLAG = "--self-test"


def _open_window(args: argparse.Namespace) -> int:
    """The window's commands: ``open`` (or none) and ``screenshots``."""
    if args.command == "screenshots":
        from pilot_eval.ui.screenshots import main as screenshots_main

        scale = ["--scale", str(args.scale)] if args.scale else []
        return screenshots_main([str(args.out_dir), *scale])
    from pilot_eval.ui.app import main as app_main

    argv = [str(args.project)] if getattr(args, "project", None) else []
    return app_main(argv)


def _use_user_cache_folders() -> None:
    """matplotlib's config and font cache in the user's pilot-eval folder, never a download.

    A frozen bundle's default (a temporary folder per run) would rebuild the font cache on every
    start; an unset ``MPLCONFIGDIR`` gets ``<data home>/matplotlib`` when it can be created.
    """
    if os.environ.get("MPLCONFIGDIR"):
        return
    from pilot_eval.logs import data_home

    folder = Path(data_home()) / "matplotlib"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # matplotlib falls back to a temporary folder by itself
    os.environ["MPLCONFIGDIR"] = str(folder)


def _one_blas_thread() -> None:
    """Linear algebra on one thread unless the user set otherwise (before numpy is imported).

    pilot-eval's matrix products are small (Cox information matrices, event-study covariances,
    the Poisson DiD's normal equations) or tall and thin: OpenBLAS's extra threads only spin.
    Measured on 100,000 staff spells (benchmarks/bench_staff_records.py, idle 2-core machine):
    3.23 s CPU / 2.62 s wall with the default threads, 2.49 s / 2.48 s on one thread; results
    agree to the last one or two bits (docs/performance.md).  An analyst who wants the threads
    sets ``OPENBLAS_NUM_THREADS`` (or ``MKL_NUM_THREADS``) themselves.
    """
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _self_test(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(f"usage: pilot-eval {SELF_TEST_FLAG} OUT_DIR", file=sys.stderr)
        return 2
    from pilot_eval.selftest import main as self_test_main

    return self_test_main(argv[1])


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a no-op unless frozen
    arguments = list(sys.argv[1:] if argv is None else argv)
    _one_blas_thread()
    _use_user_cache_folders()
    if arguments and arguments[0] == SELF_TEST_FLAG:
        return _self_test(arguments)
    from pilot_eval.cli import main as cli_main

    return cli_main(arguments, gui=_open_window)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
