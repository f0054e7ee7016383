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

from typing import TYPE_CHECKING

from pilot_eval.estimators._lazy import lazy_exports
from pilot_eval.estimators.columns import PanelColumns, SpellColumns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from pilot_eval.estimators.did.bacon import BaconDecomposition as BaconDecomposition
    from pilot_eval.estimators.did.bacon import BaconResult as BaconResult
    from pilot_eval.estimators.did.callaway_santanna.estimator import (
        CallawaySantAnna as CallawaySantAnna,
    )
    from pilot_eval.estimators.did.callaway_santanna.results import (
        CallawaySantAnnaResult as CallawaySantAnnaResult,
    )
    from pilot_eval.estimators.did.event_study.estimator import EventStudy as EventStudy
    from pilot_eval.estimators.did.event_study.result import EventStudyResult as EventStudyResult
    from pilot_eval.estimators.did.honest.bounds import SensitivityResult as SensitivityResult
    from pilot_eval.estimators.did.honest.bounds import from_event_study as from_event_study
    from pilot_eval.estimators.did.honest.bounds import smoothness_bounds as smoothness_bounds
    from pilot_eval.estimators.did.honest.relative_magnitude import (
        relative_magnitude_bounds as relative_magnitude_bounds,
    )
    from pilot_eval.estimators.did.leaving import LeavingDidResult as LeavingDidResult
    from pilot_eval.estimators.did.leaving import PoissonLeavingDid as PoissonLeavingDid
    from pilot_eval.estimators.did.sun_abraham.estimator import SunAbraham as SunAbraham
    from pilot_eval.estimators.did.sun_abraham.result import SunAbrahamResult as SunAbrahamResult
    from pilot_eval.estimators.did.synthetic.control import SyntheticControl as SyntheticControl
    from pilot_eval.estimators.did.synthetic.control_result import (
        SyntheticControlResult as SyntheticControlResult,
    )
    from pilot_eval.estimators.did.synthetic.estimator import SyntheticDid as SyntheticDid
    from pilot_eval.estimators.did.synthetic.predictors import Predictor as Predictor
    from pilot_eval.estimators.did.synthetic.result import SyntheticDidResult as SyntheticDidResult
    from pilot_eval.estimators.did.twfe import TwfeResult as TwfeResult
    from pilot_eval.estimators.did.twfe import TwoWayFixedEffects as TwoWayFixedEffects
    from pilot_eval.estimators.did.two_by_two import Did2x2Result as Did2x2Result
    from pilot_eval.estimators.did.two_by_two import DidTwoByTwo as DidTwoByTwo
    from pilot_eval.estimators.did.wild_bootstrap.estimator import (
        WildBootstrapResult as WildBootstrapResult,
    )
    from pilot_eval.estimators.did.wild_bootstrap.estimator import (
        WildClusterBootstrap as WildClusterBootstrap,
    )
    from pilot_eval.estimators.disclosure import DisclosureRule as DisclosureRule
    from pilot_eval.estimators.disclosure import protect_table as protect_table
    from pilot_eval.estimators.periods import encode_periods as encode_periods
    from pilot_eval.estimators.power.analytic import (
        cluster_means_clusters as cluster_means_clusters,
    )
    from pilot_eval.estimators.power.analytic import cluster_means_mde as cluster_means_mde
    from pilot_eval.estimators.power.analytic import cluster_means_power as cluster_means_power
    from pilot_eval.estimators.power.analytic import design_effect as design_effect
    from pilot_eval.estimators.power.analytic import rounds_mde as rounds_mde
    from pilot_eval.estimators.power.analytic import rounds_power as rounds_power
    from pilot_eval.estimators.power.analytic import (
        rounds_variance_factor as rounds_variance_factor,
    )
    from pilot_eval.estimators.power.analytic import two_means_mde as two_means_mde
    from pilot_eval.estimators.power.analytic import two_means_power as two_means_power
    from pilot_eval.estimators.power.analytic import two_means_sample_size as two_means_sample_size
    from pilot_eval.estimators.power.components import VarianceComponents as VarianceComponents
    from pilot_eval.estimators.power.components import variance_components as variance_components
    from pilot_eval.estimators.power.simulation import PlannedDesign as PlannedDesign
    from pilot_eval.estimators.power.simulation import SeriesPool as SeriesPool
    from pilot_eval.estimators.power.simulation import simulate_null as simulate_null
    from pilot_eval.estimators.power.simulation import simulate_power as simulate_power
    from pilot_eval.estimators.power.survival import logrank_events as logrank_events
    from pilot_eval.estimators.power.survival import logrank_mde as logrank_mde
    from pilot_eval.estimators.power.survival import logrank_power as logrank_power
    from pilot_eval.estimators.power.survival import logrank_sample_size as logrank_sample_size
    from pilot_eval.estimators.results import TIDY_COLUMNS as TIDY_COLUMNS
    from pilot_eval.estimators.results import Estimate as Estimate
    from pilot_eval.estimators.results import Result as Result
    from pilot_eval.estimators.results import Term as Term
    from pilot_eval.estimators.survival.competing_risks import CauseSpecificCox as CauseSpecificCox
    from pilot_eval.estimators.survival.competing_risks import (
        CumulativeIncidence as CumulativeIncidence,
    )
    from pilot_eval.estimators.survival.competing_risks import (
        CumulativeIncidenceResult as CumulativeIncidenceResult,
    )
    from pilot_eval.estimators.survival.cox.model import CoxModel as CoxModel
    from pilot_eval.estimators.survival.cox.model import CoxResult as CoxResult
    from pilot_eval.estimators.survival.fine_gray import FineGray as FineGray
    from pilot_eval.estimators.survival.fine_gray_result import FineGrayResult as FineGrayResult
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeier as KaplanMeier
    from pilot_eval.estimators.survival.kaplan_meier import KaplanMeierResult as KaplanMeierResult
    from pilot_eval.estimators.survival.logrank import LogRankResult as LogRankResult
    from pilot_eval.estimators.survival.logrank import LogRankTest as LogRankTest
    from pilot_eval.estimators.survival.rmst import RestrictedMeanSurvival as RestrictedMeanSurvival
    from pilot_eval.estimators.survival.rmst import RmstResult as RmstResult
    from pilot_eval.estimators.workforce import rates_table as rates_table

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
