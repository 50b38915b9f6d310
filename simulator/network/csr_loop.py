"""The CSR of a graph from its tie ends, compiled: each tie written into both rows,
each row sorted and stripped of repeats in place, then the tie labels handed out in
(lower id, higher id) order. Memory is the final arrays and one cursor per person;
the numpy construction it replaces (graph._from_sorted_keys, still used for edge lists
with their own labels) sorted two int64 keys per tie.
"""

from __future__ import annotations

import numpy as np

from ..kernel.cache import compiled  # where the compiled code is kept, and how it compiles: before any of it

#: Rows up to this many friends are always finished by insertion sort.
_SHORT_ROW = 32


@compiled
def _sort_row(indices, low, high):
    """Sort ``indices[low:high]`` in place (hand-written: numba's own sort costs seconds
    of compiling at a user's first run). Insertion sort first: it finishes the handful
    of friends most rows hold, and any row already nearly in order, in one pass (a
    grown graph's hub row is its own few picks, then everyone who picked it, in order;
    an edge list sorted by its first id, the usual file, gives every row in order). A
    long row that needs more than 8 moves per friend is handed to heapsort, so no row
    costs more than O(count log count) (a hub's row in random order would cost
    O(count^2) in insertion sort)."""
    count = high - low
    budget = 8 * count if count > _SHORT_ROW else count * count
    moves = 0
    for i in range(low + 1, high):
        x = indices[i]
        j = i - 1
        while j >= low and indices[j] > x:
            indices[j + 1] = indices[j]
            j -= 1
        indices[j + 1] = x
        moves += i - 1 - j
        if moves > budget:
            break
    else:
        return
    for start in range(count // 2 - 1, -1, -1):
        _sift(indices, low, start, count)
    for end in range(count - 1, 0, -1):
        indices[low], indices[low + end] = indices[low + end], indices[low]
        _sift(indices, low, 0, end)


@compiled
def _sift(indices, low, root, count):
    """Move the heap's root down into place (a max-heap over indices[low:low + count])."""
    while True:
        child = 2 * root + 1
        if child >= count:
            return
        if child + 1 < count and indices[low + child + 1] > indices[low + child]:
            child += 1
        if indices[low + root] >= indices[low + child]:
            return
        indices[low + root], indices[low + child] = indices[low + child], indices[low + root]
        root = child


@compiled
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
    cursor = np.empty(n, np.int64)
    for x in range(n):
        cursor[x] = count[x]
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
        _sort_row(indices, count[x], count[x + 1])
        last = -1
        for j in range(count[x], count[x + 1]):
            y = indices[j]
            if y != last:
                indices[out] = y
                out += 1
                last = y
        indptr[x + 1] = out
    return indptr, indices


def simple_rows(n, u, v):
    """``indptr`` and ``indices`` of the simple graph with ties ``u[i] -- v[i]`` (build_rows,
    the room repeated ties took given back when it is worth a copy)."""
    indptr, indices = build_rows(n, u, v)
    ties = int(indptr[-1]) // 2
    if len(indices) - 2 * ties >= len(indices) // 8:
        return indptr, indices[:2 * ties].copy()
    return indptr, indices[:2 * ties]


@compiled
def spread_ties(indptr, indices, values, out):
    """Write ``values[rank]`` into ``out`` at both slots of each tie, the ties ranked in
    (lower id, higher id) order: row x's higher friends are ties in that order, and each
    such tie (x, y) is the next lower friend of row y (x only grows). Returns ``out``."""
    n = len(indptr) - 1
    lower = np.empty(n, np.int64)  # per row: the slot of its next lower friend
    for x in range(n):
        lower[x] = indptr[x]
    rank = 0
    for x in range(n):
        for k in range(indptr[x], indptr[x + 1]):
            y = indices[k]
            if y > x:
                out[k] = values[rank]
                out[lower[y]] = values[rank]
                lower[y] += 1
                rank += 1
    return out


def label_rows(indptr, indices, labels):
    """``strong`` per stored direction from one label per tie in (lower, higher) order."""
    return spread_ties(indptr, indices, labels, np.empty(len(indices), np.bool_))


def tie_ranks(indptr, indices):
    """Each stored direction's tie rank in (lower, higher) order: ``labels[ranks]`` is then
    label_rows's result, one gather per seed."""
    ties = len(indices) // 2
    dtype = np.int32 if ties < 2**31 else np.int64
    return spread_ties(indptr, indices, np.arange(ties, dtype=dtype), np.empty(len(indices), dtype))
