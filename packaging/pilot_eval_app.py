"""Entry script of the packaged app (PyInstaller runs this file as ``__main__``).

``multiprocessing.freeze_support()`` must run first in a frozen Windows app: a child process
started by any library re-runs this script, and ``freeze_support`` turns it into the worker
instead of a second window.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from pilot_eval.ui.launch import main

    sys.exit(main())
