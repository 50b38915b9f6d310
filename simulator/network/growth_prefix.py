"""The sequential prefix of preferential-attachment growth (networkx's loop; the plain-Python version is the reference in tests/test_growth_prefix.py),
compiled: the same picks from the same random draws, so the same graph, without a
Python step per pick (it was most of the time of building the default scenario's
network). Friends are kept in insertion order as linked lists in flat arrays."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..kernel import cache  # noqa: F401  (where the compiled code is kept: before any @njit)


@njit(cache=True)
def _nth_friend(head, link, friend, person, k):
    slot = head[person]
    for _ in range(k):
        slot = link[slot]
    return friend[slot]


@njit(cache=True)
def _taken(chosen, count, person):
    for i in range(count):
        if chosen[i] == person:
            return True
    return False


@njit(cache=True)
def grow_sequential(m, triad, initial, first, stop, rng):
    """Slots after newcomers first..stop-1 join (networkx's loop; see growth.grow)."""
    n_initial = len(initial)
    newcomers = max(stop - first, 0)
    slots = np.empty(n_initial + 2 * m * newcomers, np.int64)
    slots[:n_initial] = initial
    size = n_initial
    people = stop
    for i in range(n_initial):
        people = max(people, initial[i] + 1)
    head = np.full(people, -1, np.int64)
    tail = np.full(people, -1, np.int64)
    friends = np.zeros(people, np.int64)
    link = np.empty(2 * m * newcomers + 1, np.int64)
    friend = np.empty(2 * m * newcomers + 1, np.int64)
    used = 0
    chosen = np.empty(m, np.int64)
    for v in range(first, stop):
        count = 0
        last = -1
        for i in range(m):
            target = -1
            if i > 0 and triad > 0.0 and rng.random() < triad:
                k = friends[last]
                if k > 0:  # a uniform friend of the last degree pick not yet taken: a few tries, then list them
                    for _ in range(8):
                        pick = _nth_friend(head, link, friend, last, rng.integers(0, k))
                        if not _taken(chosen, count, pick):
                            target = pick
                            break
                    else:
                        free = 0
                        slot = head[last]
                        while slot >= 0:
                            free += not _taken(chosen, count, friend[slot])
                            slot = link[slot]
                        if free > 0:
                            wanted = rng.integers(0, free)
                            slot = head[last]
                            while slot >= 0:
                                if not _taken(chosen, count, friend[slot]):
                                    if wanted == 0:
                                        target = friend[slot]
                                        break
                                    wanted -= 1
                                slot = link[slot]
            if target < 0:
                target = slots[rng.integers(0, size)]
                while _taken(chosen, count, target):
                    target = slots[rng.integers(0, size)]
                last = target
            chosen[count] = target
            count += 1
        for i in range(2 * m):  # v joins each chosen person's friends, then v's friends are the chosen
            person, other = (chosen[i], v) if i < m else (v, chosen[i - m])
            friend[used] = other
            link[used] = -1
            if tail[person] < 0:
                head[person] = used
            else:
                link[tail[person]] = used
            tail[person] = used
            friends[person] += 1
            used += 1
        slots[size:size + m] = chosen
        slots[size + m:size + 2 * m] = v
        size += 2 * m
    return slots
