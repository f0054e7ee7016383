"""Callaway & Sant'Anna (2021) group-time effects and their aggregations, as R ``did``.

Names are imported on first use (``lazy_exports``): an eager import here would run this
package's modules while a sibling module that they import is still half-initialised.
"""

from pilot_eval.estimators._lazy import lazy_exports

_EXPORTS = {
    "CallawaySantAnna": ".estimator",
    "CallawaySantAnnaResult": ".results",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
