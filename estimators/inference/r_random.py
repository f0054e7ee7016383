"""R's default normal random numbers: ``set.seed(seed); rnorm(n)``.

HonestDiD (R) simulates its least-favourable critical value from ``set.seed(0)`` draws; taking
the same draws makes our bounds equal R's, not merely close. R's default generator is the
Mersenne-Twister (numpy's ``MT19937`` bit generator, seeded the way R seeds it) and its default
normal generator is inversion with 2^27-step uniforms (two uniforms per draw).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

_SCRAMBLE_ROUNDS = 50  # R's RNG_Init: the seed is passed through 50 LCG steps first
_MT_STATE_WORDS = 625  # R's Mersenne-Twister seed vector: position word + 624 state words
_LCG_MULTIPLIER = 69069
_U32 = 0xFFFFFFFF
_TO_UNIT = 2.3283064365386963e-10  # 1 / 2^32, R's MT_genrand scaling
_SMALLEST = 0.5 * 2.328306437080797e-10  # R's fixup of a zero uniform
_INVERSION_STEPS = 134217728.0  # 2^27: R's BIG in norm_rand's INVERSION branch


def r_normals(n: int, *, seed: int = 0) -> np.ndarray:
    """The ``n`` values of R's ``set.seed(seed); rnorm(n)`` (R >= 3.6 defaults).

    Checked against R's printed ``set.seed(0); rnorm(5)`` in the tests.
    """
    state = seed & _U32
    for _ in range(_SCRAMBLE_ROUNDS):
        state = (_LCG_MULTIPLIER * state + 1) & _U32
    key = np.empty(_MT_STATE_WORDS, dtype=np.uint32)
    for j in range(_MT_STATE_WORDS):
        state = (_LCG_MULTIPLIER * state + 1) & _U32
        key[j] = state
    generator = np.random.MT19937()
    # R's first word is the position, which set.seed leaves at 624 (regenerate on first use)
    generator.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}
    uniform = generator.random_raw(2 * n).astype(np.float64) * _TO_UNIT
    uniform = np.where(uniform <= 0.0, _SMALLEST, uniform)
    steps = np.floor(_INVERSION_STEPS * uniform[0::2]) + uniform[1::2]
    return ndtri(steps / _INVERSION_STEPS)


def r_normal_matrix(rows: int, columns: int, *, seed: int = 0) -> np.ndarray:
    """``matrix(rnorm(rows * columns), rows, byrow = TRUE)`` after ``set.seed(seed)``: the
    standard normals behind ``mvtnorm::rmvnorm(rows, sigma = <columns x columns>)``."""
    return r_normals(rows * columns, seed=seed).reshape(rows, columns)


__all__ = ["r_normal_matrix", "r_normals"]
