"""Preferential-attachment growth, compiled: networkx's loop, one newcomer and one pick
at a time (the plain-Python version is the reference in tests/test_growth_loop.py).

Each person's friends are kept in insertion order in a growable block of one flat
array, so a uniform friend (the triad step) is one lookup, whatever the person's degree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..kernel import cache  # noqa: F401  (where the compiled code is kept: before any @njit)
from ..kernel.rand import below, uniform


@njit(cache=True)
def _taken(chosen, count, person):
    for i in range(count):
        if chosen[i] == person:
            return True
    return False


@njit(cache=True)
def grow_sequential(m, triad, initial, first, stop, state, store):
    """The slots (networkx's ``repeated_nodes``) after newcomers first..stop-1 join: the
    ``initial`` slots, then per newcomer its m friends followed by m copies of itself.
    See growth.grow for the model. ``state`` is one row of xoshiro256** state (kernel/
    rand.py: a numpy generator cannot be handed to cached compiled code); ``store`` is
    scratch room for the friend lists, its dtype wide enough for every person."""
    n_initial = len(initial)
    newcomers = max(stop - first, 0)
    slots = np.empty(n_initial + 2 * m * newcomers, np.int64)
    for i in range(n_initial):
        slots[i] = initial[i]
    size = n_initial
    people = stop
    for i in range(n_initial):
        people = max(people, initial[i] + 1)
    # per person: where their friends start in ``store``, how many, and the room there
    # (one row each, so that a person's three numbers share a cache line)
    book = np.zeros((people, 4), np.int64)
    used = 0
    chosen = np.empty(m, np.int64)
    for v in range(first, stop):
        count = 0
        last = -1
        for i in range(m):
            target = -1
            if i > 0 and triad > 0.0 and uniform(state, 0) < triad:
                k = book[last, 1]
                base = book[last, 0]
                if k > 0:  # a uniform friend of the last degree pick not yet taken: a few tries, then list them
                    for _ in range(8):
                        pick = np.int64(store[base + below(state, 0, k)])
                        if not _taken(chosen, count, pick):
                            target = pick
                            break
                    else:
                        free = 0
                        for j in range(k):
                            free += not _taken(chosen, count, store[base + j])
                        if free > 0:
                            wanted = below(state, 0, free)
                            for j in range(k):
                                if not _taken(chosen, count, store[base + j]):
                                    if wanted == 0:
                                        target = np.int64(store[base + j])
                                        break
                                    wanted -= 1
            if target < 0:
                target = slots[below(state, 0, size)]
                while _taken(chosen, count, target):
                    target = slots[below(state, 0, size)]
                last = target
            chosen[count] = target
            count += 1
        if triad > 0.0:  # only the triad step reads friend lists: BA keeps none
            for i in range(2 * m):  # v joins each chosen person's friends, then v's friends are the chosen
                person = chosen[i] if i < m else v
                other = v if i < m else chosen[i - m]
                k = book[person, 1]
                if k == book[person, 2]:  # full: the block moves to the end with twice the room
                    room = max(4, 2 * k)
                    if used + room > len(store):
                        bigger = np.empty(max(2 * len(store), used + room), store.dtype)
                        for j in range(used):
                            bigger[j] = store[j]
                        store = bigger
                    base = book[person, 0]
                    for j in range(k):
                        store[used + j] = store[base + j]
                    book[person, 0] = used
                    book[person, 2] = room
                    used += room
                store[book[person, 0] + k] = other
                book[person, 1] = k + 1
        for i in range(m):
            slots[size + i] = chosen[i]
            slots[size + m + i] = v
        size += 2 * m
    return slots
