"""Speed paths of the survival estimators (issue 12) against the code they replaced, exactly.

* ``survival.lookup``: ``unique_inverse``, ``search`` and ``count_distinct`` (hashing the
  distinct values) against ``np.unique`` / ``np.searchsorted`` on long arrays with ties, NaN,
  infinities, zeros of both signs, integers and mostly-distinct values.
* Fine-Gray: the risk-set sums taken in place and the ``risk x_a x_b`` columns built without
  temporaries, against the earlier ``likelihood`` (kept below), bit for bit.
* Cox: one stratum fitted on the arrays themselves (no masked copies) and Harrell's C with the
  searches shared, against the earlier masked fit and ``np.searchsorted`` version.

"Exactly" here means ``np.array_equal`` (or ``==`` on floats): the retention JSON of a million
spells is compared byte for byte before and after these changes.
"""

from __future__ import annotations

import numpy as np
import pytest
from pilot_eval.estimators.survival import lookup
from pilot_eval.estimators.survival.cox import diagnostics
from pilot_eval.estimators.survival.cox.likelihood import (
    CoxData,
    fit_partial_likelihood,
    newton_raphson,
    risk_sets,
    score_residuals,
)
from pilot_eval.estimators.survival.fine_gray_math import (
    CAUSE,
    FineGrayData,
    Parts,
    likelihood,
)
from pilot_eval.estimators.survival.fine_gray_math import risk_sets as fine_gray_sets

N = 3 * lookup.HASH_MIN_SIZE


def _arrays():
    rng = np.random.default_rng(21)
    days = rng.integers(0, 4000, N).astype(float) / (365.25 / 12)
    with_nan = days.copy()
    with_nan[rng.integers(0, N, 50)] = np.nan
    zeros_mixed = np.where(rng.random(N) < 0.3, 0.0, days)
    zeros_mixed[rng.integers(0, N, 20)] = -0.0
    negative_zero = np.where(rng.random(N) < 0.3, -0.0, days)
    infinite = np.where(rng.random(N) < 0.2, -np.inf, days)
    return {"months": days, "nan": with_nan, "zeros of both signs": zeros_mixed,
            "negative zero": negative_zero, "infinite": infinite,
            "integers": rng.integers(-5, 300, N), "distinct": rng.normal(size=N),
            "days": rng.integers(0, 8400, N),  # 43% distinct in a sample, 6% in the whole
            "sorted": np.sort(days), "short": days[:1000]}


@pytest.mark.parametrize("name", list(_arrays()))
def test_lookup_equals_numpy(name):
    values = _arrays()[name]
    distinct, inverse = lookup.unique_inverse(values)
    expected, expected_inverse = np.unique(values, return_inverse=True)
    assert distinct.dtype == expected.dtype and inverse.dtype == expected_inverse.dtype
    np.testing.assert_array_equal(distinct, expected)
    np.testing.assert_array_equal(np.signbit(distinct), np.signbit(expected))
    np.testing.assert_array_equal(inverse, expected_inverse)
    grid = np.unique(values[::7])
    for side in ("left", "right"):
        np.testing.assert_array_equal(lookup.search(grid, values, side=side),
                                      np.searchsorted(grid, values, side=side))
    assert lookup.count_distinct(values) == np.unique(values).size


def test_the_hashing_path_is_taken_where_values_repeat():
    values = _arrays()["months"]
    assert lookup._distinct(values) is not None
    assert lookup._distinct(_arrays()["days"]) is not None
    assert lookup._distinct(_arrays()["distinct"]) is None
    assert lookup._distinct(_arrays()["zeros of both signs"]) is None


# ------------------------------------------------------------------ Fine-Gray, before

def _at_grid_columns_before(sets, columns):
    first = sets.first_at_risk
    inside = first < columns.shape[1]
    followed = np.zeros((first.size, columns.shape[0]))
    tails = np.cumsum(columns[:, ::-1], axis=1)[:, ::-1]
    followed[inside] = tails[:, first[inside]].T
    before = np.zeros_like(followed)
    competing = np.flatnonzero(sets.competing)
    if competing.size:
        shares = np.cumsum(columns[:, competing] / sets.g_own[competing], axis=1)
        count = np.searchsorted(competing, first, side="left")
        some = count > 0
        before[some] = shares[:, count[some] - 1].T
    return followed + sets.g_grid[:, None] * before


def _likelihood_before(data, sets, beta):
    x = data.x
    p = x.shape[1]
    eta = x @ beta
    shift = float(eta.max())
    risk = np.exp(eta - shift)
    upper = np.triu_indices(p)
    x_rows = x.T
    columns = np.empty((1 + p + upper[0].size, x.shape[0]))
    columns[0] = risk
    np.multiply(risk, x_rows, out=columns[1:1 + p])
    np.multiply(risk * x_rows[upper[0]], x_rows[upper[1]], out=columns[1 + p:])
    sums = _at_grid_columns_before(sets, columns)
    s0, s1 = sums[:, 0], sums[:, 1:1 + p]
    s2 = np.zeros((sums.shape[0], p, p))
    s2[:, upper[0], upper[1]] = sums[:, 1 + p:]
    s2[:, upper[1], upper[0]] = sums[:, 1 + p:]
    cause = data.code == CAUSE
    xbar = s1 / s0[:, None]
    loglik = float(eta[cause].sum() - (sets.d * (np.log(s0) + shift)).sum())
    score = x[cause].sum(axis=0) - (sets.d[:, None] * xbar).sum(axis=0)
    information = (np.einsum("k,kab->ab", sets.d / s0, s2)
                   - np.einsum("k,ka,kb->ab", sets.d, xbar, xbar))
    return Parts(loglik, score, information, s0, xbar, risk, shift)


@pytest.mark.parametrize("competing_share", [0.0, 0.3])
def test_fine_gray_likelihood_equals_the_earlier_one_bit_for_bit(competing_share):
    rng = np.random.default_rng(5)
    n = 20_000
    time = np.sort(rng.integers(1, 300, n).astype(float))
    code = np.where(rng.random(n) < 0.4, 1, np.where(rng.random(n) < competing_share, 2, 0))
    x = np.column_stack([rng.integers(0, 2, n), rng.integers(0, 2, n), rng.normal(size=n)])
    data = FineGrayData(time=time, code=code, x=np.ascontiguousarray(x.astype(float)),
                        names=("a", "b", "c"), cluster=None, order=np.arange(n))
    sets = fine_gray_sets(data)
    for beta in (np.zeros(3), np.array([0.3, -0.2, 0.1])):
        got, expected = likelihood(data, sets, beta), _likelihood_before(data, sets, beta)
        assert got.loglik == expected.loglik and got.shift == expected.shift
        for name in ("score", "information", "s0", "xbar", "risk"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))


# ------------------------------------------------------------------ Cox, before

def _cox_data(n: int, seed: int) -> CoxData:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 4000, n) / 30.4375
    entry = np.where(rng.random(n) < 0.3, time * rng.random(n), 0.0)
    pilot, post = rng.integers(0, 2, n), rng.integers(0, 2, n)
    x = np.asfortranarray(np.column_stack([pilot, post, pilot * post]).astype(float))
    return CoxData(x=x, names=("pilot", "post", "pilot_post"), time=time,
                   died=rng.random(n) < 0.3, entry=entry,
                   strata=np.zeros(n, dtype=np.int64), cluster=rng.integers(0, 40, n))


def _fit_masked(data: CoxData) -> dict:
    """``fit_partial_likelihood`` as it was for one stratum: every array masked by a mask of
    all True (copies), residuals assigned through it."""
    r = np.ones(data.time.size, dtype=bool)
    sets = risk_sets(data.time[r], data.died[r], data.entry[r], efron=True,
                     freq=data.weights[r])
    fit = newton_raphson([sets], [data.x], data.x.shape[1])
    resid = np.zeros_like(data.x)
    res, sch = score_residuals(sets, data.x, fit.beta, per_row=True)
    resid[r] = res
    return {"beta": fit.beta, "loglik": fit.loglik, "hessian": fit.hessian, "resid": resid,
            "schoenfeld": sch, "death_rows": np.flatnonzero(r)[sets.death_rows]}


def test_one_stratum_cox_fit_equals_the_masked_fit():
    data = _cox_data(120_000, 2)
    got = fit_partial_likelihood(data, efron=True)
    expected = _fit_masked(data)
    np.testing.assert_array_equal(got["beta"], expected["beta"])
    assert got["fit"].loglik == expected["loglik"]
    np.testing.assert_array_equal(got["fit"].hessian, expected["hessian"])
    np.testing.assert_array_equal(got["schoenfeld"], expected["schoenfeld"])
    np.testing.assert_array_equal(got["death_rows"], expected["death_rows"])
    size = int(data.cluster.max()) + 1
    sums = np.stack([np.bincount(data.cluster, weights=data.weights * expected["resid"][:, a],
                                 minlength=size) for a in range(3)], axis=1)
    naive = got["naive"]
    np.testing.assert_array_equal(got["cov"], naive @ (sums.T @ sums) @ naive)


def _few_ranks_before(time, died, ranks, freq, entry):
    times = np.unique(time[died])
    shape = (int(ranks.max()), times.size)
    held = diagnostics._suffix_grid(ranks, np.searchsorted(times, time, side="left"), freq,
                                    shape)
    censored = ~died
    slot = np.searchsorted(times, time[censored], side="left")
    at_time = slot < times.size
    at_time[at_time] = times[slot[at_time]] == time[censored][at_time]
    held += np.bincount((ranks[censored][at_time] - 1) * times.size + slot[at_time],
                        weights=freq[censored][at_time], minlength=held.size).reshape(shape)
    if np.isfinite(entry).any():
        held -= diagnostics._suffix_grid(ranks, np.searchsorted(times, entry, side="right"),
                                         freq, shape)
    upto = np.cumsum(held, axis=0)
    m = np.searchsorted(times, time[died])
    r = ranks[died] - 1
    w = freq[died]
    at_most = upto[r, m]
    below = np.where(r > 0, upto[r - 1, m], 0.0)
    per_time = np.bincount(m, weights=w, minlength=times.size)
    return float(w @ below + 0.5 * (w @ (at_most - below))), float(upto[-1] @ per_time)


@pytest.mark.parametrize("delayed", [False, True])
def test_concordance_equals_the_earlier_searches(delayed):
    data = _cox_data(120_000, 3)
    entry = data.entry if delayed else np.full(data.time.size, -np.inf)
    risk = data.x @ np.array([0.2, -0.1, 0.35])
    ranks = np.unique(risk, return_inverse=True)[1].reshape(-1) + 1
    expected = _few_ranks_before(data.time, data.died, ranks, data.weights, entry)
    assert diagnostics._concordance_few_ranks(data.time, data.died, ranks, data.weights,
                                              entry) == expected
    good, total = expected
    assert diagnostics.harrell_concordance(data.time, data.died, risk, freq=data.weights,
                                           entry=entry) == good / total


def _compress_by_grouping(data: CoxData) -> CoxData:
    """``compress`` before the counting shortcut: group, then give up when too many."""
    import pandas as pd

    columns = {f"x{k}": data.x[:, k] for k in range(data.x.shape[1])}
    columns.update(time=data.time, died=data.died, entry=data.entry, strata=data.strata,
                   cluster=data.cluster)
    counts = pd.DataFrame(columns).groupby(list(columns), sort=False).size()
    if len(counts) > data.time.size // 2:
        return data
    keys = counts.index.to_frame(index=False)
    return CoxData(x=np.asfortranarray(keys[["x0", "x1", "x2"]].to_numpy(float)),
                   names=data.names, time=keys.time.to_numpy(float),
                   died=keys.died.to_numpy(bool), entry=keys.entry.to_numpy(float),
                   strata=keys.strata.to_numpy(np.int64),
                   cluster=keys.cluster.to_numpy(np.int64), freq=counts.to_numpy(float))


@pytest.mark.parametrize(("days", "clusters", "delayed"),
                         [(4000, 40, 0.3), (60, 5, 0.0), (60, 400, 0.0), (200, 3, 0.02)])
def test_compress_gives_up_exactly_when_grouping_would(days, clusters, delayed):
    from pilot_eval.estimators.survival.cox.likelihood import compress

    rng = np.random.default_rng(days + clusters)
    n = 60_000
    data = _cox_data(n, 7)
    time = rng.integers(1, days, n).astype(float)
    data = CoxData(x=data.x, names=data.names, time=time, died=data.died,
                   entry=np.where(rng.random(n) < delayed, np.floor(time / 2), 0.0),
                   strata=data.strata, cluster=rng.integers(0, clusters, n))
    got, expected = compress(data), _compress_by_grouping(data)
    assert (got is data) == (expected is data)
    for name in ("x", "time", "died", "entry", "strata", "cluster", "freq"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))


def _event_codes_every_row(values):
    """``_event_codes`` of a text column before it was worked out per distinct value."""
    import pandas as pd

    series = pd.Series(values)
    is_zero = series.astype(str).isin(["0", "0.0", "False", "false"])
    labels = tuple(sorted(pd.unique(series[~is_zero]), key=str))
    codes = np.zeros(len(series), dtype=np.int64)
    if labels:
        lookup = {label: k + 1 for k, label in enumerate(labels)}
        codes[~is_zero.to_numpy()] = series[~is_zero].map(lookup).to_numpy(dtype=np.int64)
    return codes, labels


@pytest.mark.parametrize("pool", [("0", "resigned", "retired", "Dismissed", "0.0", "False"),
                                  ("0", "false"), ("b", "a", "c"), ()])
def test_text_event_codes_equal_the_row_by_row_coding(pool):
    from pilot_eval.estimators.survival.data import _event_codes

    rng = np.random.default_rng(len(pool))
    values = np.array([pool[i] for i in rng.integers(0, len(pool), 5000)] if pool else [],
                      dtype=object)
    codes, labels = _event_codes(values, "event")
    expected_codes, expected_labels = _event_codes_every_row(values)
    assert labels == expected_labels and codes.dtype == expected_codes.dtype
    np.testing.assert_array_equal(codes, expected_codes)


def test_mixed_or_missing_event_text_takes_the_general_path():
    from pilot_eval.estimators.errors import EstimationError
    from pilot_eval.estimators.survival.data import _event_codes, _text_event_codes

    mixed = np.array(["resigned", 0, "retired", 2], dtype=object)
    assert _text_event_codes(mixed) is None
    codes, labels = _event_codes(mixed, "event")
    assert labels == (2, "resigned", "retired") and codes.tolist() == [2, 0, 3, 1]
    with pytest.raises(EstimationError, match="missing"):
        _event_codes(np.array(["resigned", None], dtype=object), "event")


def test_cached_group_codes_and_risk_tables_are_the_functions_and_read_only():
    from pilot_eval.estimators.survival.data import (
        group_levels,
        grouped_risk_tables,
        survival_arrays,
    )

    rng = np.random.default_rng(3)
    arrays = survival_arrays(rng.integers(1, 50, 3000).astype(float), rng.integers(0, 3, 3000),
                             group=np.array(["pilot", "comparison"], dtype=object)[
                                 rng.integers(0, 2, 3000)])
    levels, codes = arrays.group_codes
    expected_levels, expected_codes = group_levels(arrays.group)
    np.testing.assert_array_equal(levels, expected_levels)
    np.testing.assert_array_equal(codes, expected_codes)
    labels, tables, sizes = arrays.risk_tables
    expected = grouped_risk_tables(arrays)
    assert sizes == expected[2] and arrays.risk_tables is arrays.risk_tables
    for got, want in zip(tables, expected[1], strict=True):
        for name in ("time", "n_risk", "n_event", "n_censor"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
            assert not getattr(got, name).flags.writeable
