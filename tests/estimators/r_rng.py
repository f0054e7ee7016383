"""R's default random numbers, for reproducing R output that depends on ``set.seed``.

R (>= 3.6) uses the Mersenne-Twister with its own seeding (``set.seed(s)``: the seed is
scrambled by 50 rounds of the congruential map ``s -> 69069 s + 1`` mod 2^32, then the 624
state words are filled with the next values of the same map) and draws ``sample()`` indices
by rejection sampling ("Rejection" sample.kind): ``bits = ceil(log2(n))`` random bits, taken
16 at a time from ``floor(65536 * unif_rand())``, until the value is below ``n``.  The
generator itself is the standard MT19937, which numpy provides; only the seeding and the
index sampling are written here (from R's documented algorithm, ``?RNGkind`` and
``?set.seed``).  Used only by the tests, to replay R's placebo permutations.
"""

from __future__ import annotations

import math

import numpy as np

_MASK = 0xFFFFFFFF


class RRandom:
    """``set.seed(seed)`` followed by ``runif``/``sample`` draws, as R's defaults make them."""

    def __init__(self, seed: int) -> None:
        value = seed & _MASK
        for _ in range(50):
            value = (69069 * value + 1) & _MASK
        key = np.empty(625, dtype=np.uint64)
        for j in range(625):
            value = (69069 * value + 1) & _MASK
            key[j] = value
        # word 0 is R's position counter (set to 624 by the seeding); words 1..624 the state
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": key[1:].astype(np.uint32), "pos": 624}}

    def unif_rand(self) -> float:
        value = float(self._bits.random_raw()) * 2.3283064365386963e-10
        if value <= 0.0:
            return 0.5 * 2.328306437080797e-10
        if 1.0 - value <= 0.0:
            return 1.0 - 0.5 * 2.328306437080797e-10
        return value

    def _unif_index(self, n: int) -> int:
        if n <= 0:
            return 0
        bits = math.ceil(math.log2(n))
        while True:
            v = 0
            for _ in range(0, bits + 1, 16):
                v = 65536 * v + math.floor(self.unif_rand() * 65536)
            v &= (1 << bits) - 1
            if v < n:
                return v

    def sample(self, n: int) -> np.ndarray:
        """``sample(1:n)`` (a random permutation), as 0-based indices."""
        pool = list(range(n))
        out = []
        remaining = n
        for _ in range(n):
            j = self._unif_index(remaining)
            out.append(pool[j])
            remaining -= 1
            pool[j] = pool[remaining]
        return np.array(out)
