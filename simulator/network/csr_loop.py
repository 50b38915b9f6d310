"""The CSR of a graph from its tie ends, compiled: each tie written into both rows,
each row sorted and stripped of repeats in place, then the tie labels handed out in
(lower id, higher id) order. Memory is the final arrays and one cursor per person;
the numpy construction it replaces (graph._from_sorted_keys, still used for edge lists
with their own labels) sorted two int64 keys per tie.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..kernel import cache  # noqa: F401  (where the compiled code is kept: before any @njit)


@njit(cache=True)
def _sort_small(row):
    """Insertion sort: most rows hold a handful of friends."""
    for i in range(1, len(row)):
        x = row[i]
        j = i - 1
        while j >= 0 and row[j] > x:
            row[j + 1] = row[j]
            j -= 1
        row[j + 1] = x


@njit(cache=True)
def build_rows(n, u, v):
    """``indptr`` (n + 1) and ``indices`` (sorted rows, no self-loops, no repeated ties)
    of the simple graph with ties ``u[i] -- v[i]``; ``indices`` may be longer than
    ``indptr[-1]`` (the room repeats took)."""
    count = np.zeros(n + 1, np.int64)
    for i in range(len(u)):
        if u[i] != v[i]:
            count[u[i] + 1] += 1
            count[v[i] + 1] += 1
    for x in range(n):
        count[x + 1] += count[x]
    indices = np.empty(count[n], np.int32)
    cursor = count[:n].copy()
    for i in range(len(u)):
        a, b = u[i], v[i]
        if a != b:
            indices[cursor[a]] = b
            cursor[a] += 1
            indices[cursor[b]] = a
            cursor[b] += 1
    # sort each row and drop repeats, moving rows down over the room repeats left
    indptr = np.zeros(n + 1, np.int64)
    out = 0
    for x in range(n):
        row = indices[count[x]:count[x + 1]]
        if len(row) > 32:
            row.sort()
        else:
            _sort_small(row)
        last = -1
        for j in range(len(row)):
            y = row[j]
            if y != last:
                indices[out] = y
                out += 1
                last = y
        indptr[x + 1] = out
    return indptr, indices


@njit(cache=True)
def label_rows(indptr, indices, labels):
    """``strong`` per stored direction from one label per tie, the ties ranked in
    (lower id, higher id) order: row x's higher friends are ties in that order, and
    each such tie (x, y) is the next lower friend of row y (x only grows)."""
    n = len(indptr) - 1
    strong = np.empty(indptr[n], np.bool_)
    lower = indptr[:n].copy()  # per row: the slot of its next lower friend
    rank = 0
    for x in range(n):
        for k in range(indptr[x], indptr[x + 1]):
            y = indices[k]
            if y > x:
                strong[k] = labels[rank]
                strong[lower[y]] = labels[rank]
                lower[y] += 1
                rank += 1
    return strong
