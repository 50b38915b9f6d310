"""Erdős–Rényi G(n, p), compiled: Batagelj & Brandes' (2005) geometric skips over the
pairs in (lower id, higher id) order, so the ties come out as sorted tie keys
``lower * n + higher``, with no draw per pair and no sort (the plain-Python loop is the
reference in tests/test_network.py)."""

from __future__ import annotations

import math

import numpy as np

from ..kernel.cache import compiled  # where the compiled code is kept, and how it compiles: before any of it
from ..kernel.rand import uniform

#: The one stream row this loop draws from (a numpy integer: numba compiles the draw once
#: for every caller instead of once per literal row).
ROW = np.int64(0)


@compiled
def gnp_keys(n, p, state, capacity):
    """The tie keys of G(n, p), increasing; ``state`` is one row of xoshiro256** state and
    ``capacity`` a first guess at the tie count (the array grows past it if need be).

    Between two ties the number of pairs skipped is geometric: floor(log(1 - U) /
    log(1 - p)) failures. Row ``lower`` holds the pairs (lower, lower + 1 .. n - 1); a
    skip past its end carries on in the next row."""
    keys = np.empty(max(capacity, 16), np.int64)
    count = 0
    log_q = math.log1p(-p) if p < 1.0 else -math.inf
    lower, higher = 0, 0  # the pair before the first: row 0's pairs are (0, 1), (0, 2), ...
    while lower < n - 1:
        higher += 1 + int(math.floor(math.log1p(-uniform(state, ROW)) / log_q))
        while higher >= n and lower < n - 1:  # past the end of this row: into the next
            higher += lower + 2 - n
            lower += 1
        if lower >= n - 1:
            break
        if count == len(keys):
            grown = np.empty(2 * count, np.int64)
            for i in range(count):
                grown[i] = keys[i]
            keys = grown
        keys[count] = lower * n + higher
        count += 1
    out = np.empty(count, np.int64)
    for i in range(count):
        out[i] = keys[i]
    return out
