"""The restricted wild cluster bootstrap (WCR), as ``wildboottest``/``fwildclusterboot``.

Names are imported on first use (``lazy_exports``): an eager import here would run this
package's modules while a sibling module that they import is still half-initialised.
"""

from typing import TYPE_CHECKING

from pilot_eval.estimators._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from pilot_eval.estimators.did.wild_bootstrap.estimator import (
        WildBootstrapResult as WildBootstrapResult,
    )
    from pilot_eval.estimators.did.wild_bootstrap.estimator import (
        WildClusterBootstrap as WildClusterBootstrap,
    )

_EXPORTS = {
    "WildClusterBootstrap": ".estimator",
    "WildBootstrapResult": ".estimator",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
