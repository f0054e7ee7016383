"""Entry script of the packaged app (PyInstaller runs this file as ``__main__``).

``multiprocessing.freeze_support()`` must run first in a frozen Windows app: a child process
started by any library re-runs this script, and ``freeze_support`` turns it into the worker
instead of a second window.
"""

import multiprocessing
import os
import sys

REMEMBERED = "PILOT_EVAL_MPLCONFIGDIR_BEFORE_BUNDLE"  # set by rthook_keep_mplconfigdir.py


def _restore_mplconfigdir() -> None:
    """Undo PyInstaller's temporary MPLCONFIGDIR: keep the user's, else leave it to the app."""
    if REMEMBERED not in os.environ:
        return
    before = os.environ.pop(REMEMBERED)
    if before:
        os.environ["MPLCONFIGDIR"] = before
    else:
        os.environ.pop("MPLCONFIGDIR", None)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _restore_mplconfigdir()
    from pilot_eval.ui.launch import main

    sys.exit(main())
