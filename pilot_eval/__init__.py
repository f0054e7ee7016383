"""pilot-eval: evaluate empowerment pilots in public services and brief ministers on the result.

The application core: data import and validation, column-role specs, analysis orchestration,
charts, the brief and the command line.  ``pilot_eval.estimators`` holds the pure statistics,
``pilot_eval.ui`` the desktop window.

The common estimators are also importable from here (``from pilot_eval import
CallawaySantAnna, PanelColumns``); like ``pilot_eval.estimators`` they are imported on first
use, so ``import pilot_eval`` stays cheap.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pilot-eval")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"

COMMON_ESTIMATORS = (
    "PanelColumns", "SpellColumns", "Unavailable", "EstimationError", "EstimatorConfigError",
    "DidTwoByTwo", "TwoWayFixedEffects", "EventStudy", "SunAbraham", "CallawaySantAnna",
    "BaconDecomposition", "WildClusterBootstrap", "KaplanMeier", "LogRankTest", "CoxModel",
    "RestrictedMeanSurvival", "CumulativeIncidence", "FineGray",
)
"""Names re-exported from ``pilot_eval.estimators`` (see docs/api.md)."""


def __getattr__(name: str) -> object:
    if name in COMMON_ESTIMATORS:
        from pilot_eval import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'pilot_eval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *COMMON_ESTIMATORS])


__all__ = ["__version__", *COMMON_ESTIMATORS]
