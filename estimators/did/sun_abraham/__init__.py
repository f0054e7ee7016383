"""Sun & Abraham (2021) interaction-weighted event study, as fixest ``sunab``.

Names are imported on first use (``lazy_exports``): an eager import here would run this
package's modules while a sibling module that they import is still half-initialised.
"""

from pilot_eval.estimators._lazy import lazy_exports

_EXPORTS = {
    "SunAbraham": ".estimator",
    "SunAbrahamResult": ".result",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
