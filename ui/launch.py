"""The ``pilot-eval`` console script: the command line, or the window when no command is given.

The command line lives in the Qt-free core (``pilot_eval.cli``); this top-layer module hands it a
launcher for the window so the core never imports the UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _open_window(args: argparse.Namespace) -> int:
    from pilot_eval.ui.app import main as app_main

    argv = [str(args.project)] if getattr(args, "project", None) else []
    return app_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from pilot_eval.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv, gui=_open_window)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
