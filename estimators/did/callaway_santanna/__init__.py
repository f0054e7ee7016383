"""Callaway & Sant'Anna (2021) group-time effects and their aggregations, as R ``did``.

Names are imported on first use (``lazy_exports``): an eager import here would run this
package's modules while a sibling module that they import is still half-initialised.
"""

from typing import TYPE_CHECKING

from pilot_eval.estimators._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from pilot_eval.estimators.did.callaway_santanna.estimator import (
        CallawaySantAnna as CallawaySantAnna,
    )
    from pilot_eval.estimators.did.callaway_santanna.results import (
        CallawaySantAnnaResult as CallawaySantAnnaResult,
    )

_EXPORTS = {
    "CallawaySantAnna": ".estimator",
    "CallawaySantAnnaResult": ".results",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
