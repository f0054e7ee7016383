"""The restricted wild cluster bootstrap (WCR), as ``wildboottest``/``fwildclusterboot``."""

from pilot_eval.estimators.did.wild_bootstrap.estimator import (
    WildBootstrapResult,
    WildClusterBootstrap,
)

__all__ = ["WildBootstrapResult", "WildClusterBootstrap"]
