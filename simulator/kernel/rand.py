"""Random numbers inside the compiled kernel: one xoshiro256** generator per named
stream, its state a row of a ``uint64`` array (Blackman & Vigna 2018).

The kernel keeps the engine's named streams (``rng.Streams``): each stage draws from
its own row, seeded from the numpy generator of the same name, so that common random
numbers between designs survive. A row of state is passed to compiled code at no
cost, where a ``numpy.random.Generator`` costs microseconds to hand over on every
call. The distributions are the textbook exact ones: inversion for the geometric
and exponential, multiplication for a Poisson with a small mean and Hörmann's PTRS
(the algorithm numpy uses) for a large one.
"""

from __future__ import annotations

import math

import numpy as np

from .cache import compiled, compiled_only  # where the compiled code is kept, and how it compiles

U64 = np.uint64


@compiled(inline="always")
def _rotl(x, k):
    return (x << U64(k)) | (x >> U64(64 - k))


@compiled_only
def next_u64(state, s):
    """The next 64 random bits of stream row ``s``."""
    s0, s1, s2, s3 = state[s, 0], state[s, 1], state[s, 2], state[s, 3]
    result = _rotl(s1 * U64(5), 7) * U64(9)
    t = s1 << U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[s, 0], state[s, 1], state[s, 2], state[s, 3] = s0, s1, s2, s3
    return result


@compiled
def uniform(state, s):
    """U[0, 1) with 53 random bits."""
    return float(next_u64(state, s) >> U64(11)) * (1.0 / 9007199254740992.0)


@compiled
def below(state, s, n):
    """A uniform integer in 0..n-1 (n >= 1)."""
    return min(int(uniform(state, s) * n), n - 1)


@compiled
def exponential(state, s):
    return -math.log1p(-uniform(state, s))


@compiled
def geometric(state, s, p):
    """Trials to the first success, 1, 2, ... (numpy's convention); p in (0, 1]."""
    if p >= 1.0:
        return 1
    u = uniform(state, s)
    return max(1, int(math.ceil(math.log1p(-u) / math.log1p(-p))))


@compiled_only
def _log_factorial(k):
    return math.lgamma(k + 1.0)


@compiled
def poisson(state, s, lam):
    """A Poisson count: multiplication for lam < 10, PTRS (Hörmann 1993) above."""
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0
        prod = uniform(state, s)
        while prod > limit:
            k += 1
            prod *= uniform(state, s)
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state, s) - 0.5
        v = uniform(state, s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (-lam + k * loglam - _log_factorial(k)):
            return int(k)


def seed_rows(generators) -> np.ndarray:
    """One row of xoshiro256** state per numpy generator, drawn from it (never all zero)."""
    state = np.empty((len(generators), 4), np.uint64)
    for row, generator in enumerate(generators):
        state[row] = state_row(generator.integers(0, 2**64 - 1, 4, dtype=np.uint64, endpoint=True))
    return state


def state_row(words: np.ndarray) -> np.ndarray:
    """A row of xoshiro256** state from four random 64-bit words (never all zero)."""
    return words if words.any() else np.array([1, 2, 3, 4], np.uint64)
