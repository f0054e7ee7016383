"""Callaway & Sant'Anna (2021) group-time effects and their aggregations, as R ``did``."""

from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna
from pilot_eval.estimators.did.callaway_santanna.results import CallawaySantAnnaResult

__all__ = ["CallawaySantAnna", "CallawaySantAnnaResult"]
