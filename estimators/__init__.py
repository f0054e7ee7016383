"""Pure statistics for pilot-eval.

Nothing here does file I/O, keeps global state or imports Qt, reportlab, matplotlib or any
other part of ``pilot_eval``.  Each estimator is a frozen configuration of its options whose
``fit(frame, columns)`` returns a new, immutable result with ``summary()``, ``to_frame()`` and
``to_dict()``.  The columns are given once, to ``fit``: a role set (``PanelColumns`` for
difference-in-differences, ``SpellColumns`` for survival) or the same roles as keywords::

    TwoWayFixedEffects(se="cluster").fit(panel, outcome="y", unit="team", time="month",
                                         treatment="pilot")
    CoxModel(ties="efron").fit(spells, SpellColumns(duration="months", event="left",
                                                     covariates=("pilot",), cluster="team"))

Families live in sub-packages: ``did`` (difference-in-differences and its checks), ``survival``
(staff retention), ``power`` (planning: power and minimum detectable effect), ``inference`` (variance, distributions, fixed effects); ``workforce`` and
``disclosure`` are single modules.  The public names are re-exported here and imported on
first use, so ``import pilot_eval.estimators`` stays cheap.
"""

from pilot_eval.estimators._lazy import lazy_exports
from pilot_eval.estimators.columns import PanelColumns, SpellColumns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

_EXPORTS = {
    # difference-in-differences
    "DidTwoByTwo": ".did.two_by_two",
    "Did2x2Result": ".did.two_by_two",
    "TwoWayFixedEffects": ".did.twfe",
    "TwfeResult": ".did.twfe",
    "EventStudy": ".did.event_study.estimator",
    "EventStudyResult": ".did.event_study.result",
    "SunAbraham": ".did.sun_abraham.estimator",
    "SunAbrahamResult": ".did.sun_abraham.result",
    "CallawaySantAnna": ".did.callaway_santanna.estimator",
    "CallawaySantAnnaResult": ".did.callaway_santanna.results",
    "BaconDecomposition": ".did.bacon",
    "BaconResult": ".did.bacon",
    "WildClusterBootstrap": ".did.wild_bootstrap.estimator",
    "WildBootstrapResult": ".did.wild_bootstrap.estimator",
    "SyntheticDid": ".did.synthetic.estimator",
    "SyntheticDidResult": ".did.synthetic.result",
    "SyntheticControl": ".did.synthetic.control",
    "SyntheticControlResult": ".did.synthetic.control_result",
    "Predictor": ".did.synthetic.predictors",
    "PoissonLeavingDid": ".did.leaving",
    "LeavingDidResult": ".did.leaving",
    "from_event_study": ".did.honest.bounds",
    "smoothness_bounds": ".did.honest.bounds",
    "relative_magnitude_bounds": ".did.honest.relative_magnitude",
    "SensitivityResult": ".did.honest.bounds",
    # survival
    "KaplanMeier": ".survival.kaplan_meier",
    "KaplanMeierResult": ".survival.kaplan_meier",
    "LogRankTest": ".survival.logrank",
    "LogRankResult": ".survival.logrank",
    "CoxModel": ".survival.cox.model",
    "CoxResult": ".survival.cox.model",
    "RestrictedMeanSurvival": ".survival.rmst",
    "RmstResult": ".survival.rmst",
    "CumulativeIncidence": ".survival.competing_risks",
    "CumulativeIncidenceResult": ".survival.competing_risks",
    "CauseSpecificCox": ".survival.competing_risks",
    "FineGray": ".survival.fine_gray",
    "FineGrayResult": ".survival.fine_gray_result",
    # planning: power, sample size and minimum detectable effect
    "two_means_power": ".power.analytic",
    "two_means_sample_size": ".power.analytic",
    "two_means_mde": ".power.analytic",
    "cluster_means_power": ".power.analytic",
    "cluster_means_clusters": ".power.analytic",
    "cluster_means_mde": ".power.analytic",
    "design_effect": ".power.analytic",
    "rounds_variance_factor": ".power.analytic",
    "rounds_power": ".power.analytic",
    "rounds_mde": ".power.analytic",
    "logrank_events": ".power.survival",
    "logrank_power": ".power.survival",
    "logrank_mde": ".power.survival",
    "logrank_sample_size": ".power.survival",
    "variance_components": ".power.components",
    "VarianceComponents": ".power.components",
    "PlannedDesign": ".power.simulation",
    "SeriesPool": ".power.simulation",
    "simulate_null": ".power.simulation",
    "simulate_power": ".power.simulation",
    # the result protocol and periods
    "Result": ".results",
    "Estimate": ".results",
    "Term": ".results",
    "TIDY_COLUMNS": ".results",
    "encode_periods": ".periods",
    # workforce rates and disclosure control
    "rates_table": ".workforce",
    "DisclosureRule": ".disclosure",
    "protect_table": ".disclosure",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "EstimationError",
    "EstimatorConfigError",
    "PanelColumns",
    "SpellColumns",
    "Unavailable",
    *_EXPORTS,
]
