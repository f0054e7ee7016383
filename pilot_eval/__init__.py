"""pilot-eval: evaluate empowerment pilots in public services and brief ministers on the result.

The application core: data import and validation, column-role specs, analysis orchestration,
charts, the brief and the command line.  ``pilot_eval.estimators`` holds the pure statistics,
``pilot_eval.ui`` the desktop window.

The common estimators are also importable from here (``from pilot_eval import
CallawaySantAnna, PanelColumns``); like ``pilot_eval.estimators`` they are imported on first
use, so ``import pilot_eval`` stays cheap.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from pilot_eval.estimators import BaconDecomposition as BaconDecomposition
    from pilot_eval.estimators import CallawaySantAnna as CallawaySantAnna
    from pilot_eval.estimators import CoxModel as CoxModel
    from pilot_eval.estimators import CumulativeIncidence as CumulativeIncidence
    from pilot_eval.estimators import DidTwoByTwo as DidTwoByTwo
    from pilot_eval.estimators import EstimationError as EstimationError
    from pilot_eval.estimators import EstimatorConfigError as EstimatorConfigError
    from pilot_eval.estimators import EventStudy as EventStudy
    from pilot_eval.estimators import FineGray as FineGray
    from pilot_eval.estimators import KaplanMeier as KaplanMeier
    from pilot_eval.estimators import LogRankTest as LogRankTest
    from pilot_eval.estimators import PanelColumns as PanelColumns
    from pilot_eval.estimators import RestrictedMeanSurvival as RestrictedMeanSurvival
    from pilot_eval.estimators import SpellColumns as SpellColumns
    from pilot_eval.estimators import SunAbraham as SunAbraham
    from pilot_eval.estimators import TwoWayFixedEffects as TwoWayFixedEffects
    from pilot_eval.estimators import Unavailable as Unavailable
    from pilot_eval.estimators import WildClusterBootstrap as WildClusterBootstrap

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
