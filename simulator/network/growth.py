"""Growth by preferential attachment, with optional triad formation
(Barabási–Albert and Holme–Kim), one newcomer at a time as networkx grows it."""

from __future__ import annotations

import numpy as np


def grow(n: int, m: int, triad: float, initial: np.ndarray, first: int, rng: np.random.Generator, *, star: bool):
    """Preferential attachment with optional triad formation (BA when triad == 0).

    The list of "slots" is networkx's ``repeated_nodes``: ``initial`` (the people the
    growth starts from, once per tie), then per newcomer v a block of 2m slots, m
    holding v's friends and m holding v. A uniform earlier slot is a person chosen
    with probability proportional to degree. Each of a newcomer's m picks avoids the
    people it already picked; after the first (a degree pick), each further one is,
    with probability ``triad``, a uniform friend of the last person picked by degree
    not picked yet (a degree pick when there is none), as in Holme & Kim (2002).

    The loop is compiled (growth_loop.grow_sequential) and draws from a xoshiro256**
    generator seeded from ``rng``. Returns the tie ends ``(u, v)``, newcomer first.
    """
    from ..kernel.rand import seed_rows  # compiled: numba loads only when a network grows
    from .growth_loop import grow_sequential

    initial = np.asarray(initial, np.int64)
    stop = max(n, first)
    people = max(stop, int(initial.max()) + 1 if len(initial) else 0)
    # lists of who picked whom: a list of d has used blocks of 4, 8, ... < max(4, 4d) slots in
    # all, so this room is never short (the loop would reallocate); unwritten pages cost nothing
    picks = m * max(stop - first, 0)
    dtype = np.int32 if people < 2**31 else np.int64
    store = np.empty(4 * people + 4 * picks if triad > 0 else 1, dtype)
    slots = np.empty(len(initial) + 2 * m * max(stop - first, 0), dtype)
    slots = grow_sequential(m, float(triad), initial, first, stop, seed_rows([rng]), store, slots)
    block = slots[len(initial):].reshape(stop - first, 2 * m)
    edges_u = np.repeat(np.arange(first, stop, dtype=np.int64), m)
    edges_v = block[:, :m].ravel()
    if star:
        edges_u = np.concatenate([np.zeros(m, dtype=np.int64), edges_u])
        edges_v = np.concatenate([np.arange(1, m + 1, dtype=np.int64), edges_v])
    return edges_u, edges_v
