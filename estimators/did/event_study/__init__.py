"""Event studies with leads and lags (the pre-trend test), as fixest/pyfixest."""

from pilot_eval.estimators.did.event_study.estimator import EventStudy
from pilot_eval.estimators.did.event_study.result import EventStudyResult

__all__ = ["EventStudy", "EventStudyResult"]
