"""pilot-eval: evaluate empowerment pilots in public services and brief ministers on the result.

The application core: data import and validation, column-role specs, analysis orchestration,
charts, the brief and the command line.  ``pilot_eval.estimators`` holds the pure statistics,
``pilot_eval.ui`` the desktop window.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pilot-eval")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
