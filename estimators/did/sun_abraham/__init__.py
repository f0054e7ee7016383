"""Sun & Abraham (2021) interaction-weighted event study, as fixest ``sunab``."""

from pilot_eval.estimators.did.sun_abraham.estimator import SunAbraham
from pilot_eval.estimators.did.sun_abraham.result import SunAbrahamResult

__all__ = ["SunAbraham", "SunAbrahamResult"]
