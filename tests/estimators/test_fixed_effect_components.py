"""Connected components of the unit-period graph (the fixed effects' degrees of freedom).

``fixed_effect_df`` counts them by label propagation in numpy (issue 12: scipy.sparse.csgraph
costs 0.1-0.2 s to import) and falls back to scipy's ``connected_components`` when the labels
have not settled; both are checked against scipy's count on random and chain-like panels."""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.inference import fixed_effects as fe
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _panels(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for trial in range(count):
        units, periods = int(rng.integers(1, 60)), int(rng.integers(1, 30))
        n = int(rng.integers(1, 200))
        unit, period = rng.integers(0, units, n), rng.integers(0, periods, n)
        if trial % 3 == 0:  # units linked one period at a time: long chains
            unit = np.arange(n) % units
            period = (np.arange(n) + np.arange(n) // 2) % periods
        yield (fe.Codes(unit, units, np.arange(units)),
               fe.Codes(period, periods, np.arange(periods)))


def _scipy_df(unit: fe.Codes, period: fe.Codes) -> int:
    size = unit.n_levels + period.n_levels
    graph = coo_matrix((np.ones(unit.codes.size), (unit.codes, unit.n_levels + period.codes)),
                       shape=(size, size))
    return size - int(connected_components(graph, directed=False)[0])


@pytest.mark.parametrize("seed", range(3))
def test_components_equal_scipy(seed):
    for unit, period in _panels(seed, 400):
        assert fe.fixed_effect_df(unit, period) == _scipy_df(unit, period)


def test_fallback_when_the_labels_have_not_settled(monkeypatch):
    unsettled = 0
    for unit, period in _panels(9, 200):
        if fe._bipartite_components(unit, period, rounds=1) is None:
            unsettled += 1
        monkeypatch.setattr(fe, "_bipartite_components",
                            lambda u, p, _real=fe._bipartite_components: _real(u, p, rounds=1))
        assert fe.fixed_effect_df(unit, period) == _scipy_df(unit, period)
        monkeypatch.undo()
    assert unsettled > 50
