"""Preferential-attachment growth, compiled: networkx's loop, one newcomer and one pick
at a time (the plain-Python version is the reference in tests/test_growth_loop.py).

Each person's friends are kept in insertion order in a growable block of one flat
array, so a uniform friend (the triad step) is one lookup, whatever the person's degree.
"""

from __future__ import annotations

import numpy as np

from ..kernel.cache import compiled  # where the compiled code is kept, and how it compiles: before any of it
from ..kernel.rand import below, uniform

#: The one stream row these loops draw from (a numpy integer: numba compiles the draws once
#: for every caller instead of once per literal row).
ROW = np.int64(0)


@compiled
def _taken(chosen, count, person):
    for i in range(count):
        if chosen[i] == person:
            return True
    return False


@compiled
def _friend(slots, book, store, n_initial, first, m, person, j):
    """Friend ``j`` of ``person`` in insertion order: a newcomer's own m picks (read from
    its block of slots), then the people who picked it later (its block of ``store``)."""
    if person >= first:
        if j < m:
            return np.int64(slots[n_initial + 2 * m * (person - first) + j])
        j -= m
    return np.int64(store[book[person, 0] + j])


@compiled
def grow_sequential(m, triad, initial, first, stop, state, store, slots):
    """The slots (networkx's ``repeated_nodes``) after newcomers first..stop-1 join: the
    ``initial`` slots, then per newcomer its m friends followed by m copies of itself,
    written into ``slots`` (room for len(initial) + 2 m (stop - first)) and returned.
    See growth.grow for the model. ``state`` is one row of xoshiro256** state (kernel/
    rand.py: a numpy generator cannot be handed to cached compiled code); ``store`` is
    scratch room for the lists of people who picked each person. The dtype of both
    need only be wide enough for every person: int32 halves the slots that every
    degree pick reads at random (a sixth off the default scenario's growth)."""
    n_initial = len(initial)
    for i in range(n_initial):
        slots[i] = initial[i]
    size = n_initial
    people = stop
    for i in range(n_initial):
        people = max(people, initial[i] + 1)
    # per person: where the people who picked them start in ``store``, how many, and the
    # room there (one row each, so that a person's numbers share a cache line)
    book = np.zeros((people, 4), np.int64)
    used = 0
    chosen = np.empty(m, np.int64)
    for v in range(first, stop):
        count = 0
        last = -1
        for i in range(m):
            target = -1
            if i > 0 and triad > 0.0 and uniform(state, ROW) < triad:
                k = book[last, 1] + (m if last >= first else 0)
                if k > 0:  # a uniform friend of the last degree pick not yet taken: a few tries, then list them
                    for _ in range(8):
                        pick = _friend(slots, book, store, n_initial, first, m, last, below(state, ROW, k))
                        if not _taken(chosen, count, pick):
                            target = pick
                            break
                    else:
                        free = 0
                        for j in range(k):
                            free += not _taken(chosen, count, _friend(slots, book, store, n_initial, first, m, last, j))
                        if free > 0:
                            wanted = below(state, ROW, free)
                            for j in range(k):
                                friend = _friend(slots, book, store, n_initial, first, m, last, j)
                                if not _taken(chosen, count, friend):
                                    if wanted == 0:
                                        target = friend
                                        break
                                    wanted -= 1
            if target < 0:
                target = slots[below(state, ROW, size)]
                while _taken(chosen, count, target):
                    target = slots[below(state, ROW, size)]
                last = target
            chosen[count] = target
            count += 1
        if triad > 0.0:  # only the triad step reads friend lists: BA keeps none
            for i in range(m):  # v joins each chosen person's list (v's own picks are its slots)
                person = chosen[i]
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
                store[book[person, 0] + k] = v
                book[person, 1] = k + 1
        for i in range(m):
            slots[size + i] = chosen[i]
            slots[size + m + i] = v
        size += 2 * m
    return slots
