"""Cox proportional hazards: the partial likelihood (Efron/Breslow), Newton-Raphson, clustered
sandwich, concordance and the scaled-Schoenfeld proportional-hazards test.

Names are imported on first use (``lazy_exports``): an eager import here would run this
package's modules while a sibling module that they import is still half-initialised.
"""

from typing import TYPE_CHECKING

from pilot_eval.estimators._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from pilot_eval.estimators.survival.cox.model import CoxModel as CoxModel
    from pilot_eval.estimators.survival.cox.model import CoxResult as CoxResult

_EXPORTS = {
    "CoxModel": ".model",
    "CoxResult": ".model",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
