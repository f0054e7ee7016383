"""Cox proportional hazards: the partial likelihood (Efron/Breslow), Newton-Raphson, clustered
sandwich, concordance and the scaled-Schoenfeld proportional-hazards test."""

from pilot_eval.estimators.survival.cox.model import CoxModel, CoxResult

__all__ = ["CoxModel", "CoxResult"]
