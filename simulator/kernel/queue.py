"""Things due on a later day, inside the compiled kernel: the Agenda of engine.py as
linked lists in one shared pool.

``heads[q, day]`` and ``tails[q, day]`` are the first and last slot of queue ``q``'s
list for ``day`` (-1: empty); ``pool[slot]`` holds (next slot, a, b, c). Slots of taken
items go back on a free list, so the pool holds at most the items pending at once;
when it is full it doubles (the caller keeps the returned pool). ``meta`` holds
(slots ever used, first free slot). Items come out in filing order.

The day's loops file with :func:`put`, after one :func:`reserve` per stage for as many
items as the stage can file: ``put`` neither grows nor returns the pool, so numba emits
no reference counting around it. A function that takes arrays and may allocate or
return one costs an atomic increment and decrement per array on every call, which
was a fifth of a cascade's time when every filing went through ``push``.
"""

from __future__ import annotations

import numpy as np

from .cache import compiled, compiled_only  # where the compiled code is kept, and how it compiles

NEXT, A, B, C = 0, 1, 2, 3
USED, FREE = 0, 1
#: The kernel's queues (rows of heads and tails). numpy integers, as is NO_DATA (an item's
#: unused fields): numba would type Python-int globals as literals and compile push once
#: per queue and per constant.
ASKS, CHURN, INVITES, QUALIFY, PREMIUM, ORGANIC_LATER, DEFERRED = (np.int64(q) for q in range(7))
NO_DATA = np.int64(0)
QUEUES = 7
#: Widths of the pool's and of take's rows, numpy integers for the same reason (_grown once).
POOL_WIDTH, OUT_WIDTH = np.int64(4), np.int64(3)


def empty(days: int, capacity: int = 1024):
    """Empty queues for days 0..days (+1 spare): heads, tails, pool, meta."""
    heads = np.full((QUEUES, days + 2), -1, np.int64)
    return heads, heads.copy(), np.zeros((max(capacity, 16), 4), np.int64), np.array([0, -1], np.int64)


@compiled
def push(heads, tails, pool, meta, q, day, a, b, c):
    """File (a, b, c) under ``day`` in queue ``q``; returns the pool (a new one if it grew)."""
    if meta[FREE] < 0 and meta[USED] == len(pool):
        pool = _grown(pool, len(pool), 2 * len(pool), POOL_WIDTH)
    put(heads, tails, pool, meta, q, day, a, b, c)
    return pool


@compiled
def reserve(pool, meta, extra):
    """The pool with room for ``extra`` more filings by :func:`put` (never-used rows
    alone are counted, so free-listed slots only make the room larger); doubles at least."""
    need = meta[USED] + extra
    if need <= len(pool):
        return pool
    return _grown(pool, meta[USED], max(2 * len(pool), need), POOL_WIDTH)


@compiled_only
def put(heads, tails, pool, meta, q, day, a, b, c):
    """File (a, b, c) under ``day`` in queue ``q`` of a pool with room (see reserve)."""
    slot = meta[FREE]
    if slot >= 0:
        meta[FREE] = pool[slot, NEXT]
    else:
        slot = meta[USED]
        meta[USED] = slot + 1
    pool[slot, NEXT] = -1
    pool[slot, A] = a
    pool[slot, B] = b
    pool[slot, C] = c
    last = tails[q, day]
    if last < 0:
        heads[q, day] = slot
    else:
        pool[last, NEXT] = slot
    tails[q, day] = slot


@compiled_only
def _grown(rows, count, capacity, width):
    """A (capacity, width) int64 array whose first ``count`` rows are ``rows``'s (element
    by element: a 2-D slice assignment costs seconds of compiling at a user's first run)."""
    grown = np.zeros((capacity, width), np.int64)
    for i in range(count):
        for j in range(width):
            grown[i, j] = rows[i, j]
    return grown


@compiled
def take(heads, tails, pool, meta, q, day, out):
    """Move queue ``q``'s items of ``day`` into ``out`` (rows a, b, c; grown when short)
    and free their slots; returns (out, count)."""
    # an int64 from the start: typed from a literal 0, count would have numba compile
    # _grown for that literal too, before the loop makes it an int64
    count = np.int64(0)
    slot = heads[q, day]
    while slot >= 0:
        if count == out.shape[0]:
            out = _grown(out, count, 2 * count + 16, OUT_WIDTH)
        out[count, 0] = pool[slot, A]
        out[count, 1] = pool[slot, B]
        out[count, 2] = pool[slot, C]
        count += 1
        slot = _release(pool, meta, slot)
    heads[q, day] = -1
    tails[q, day] = -1
    return out, count


@compiled
def drop(heads, tails, pool, meta, q, day):
    """Forget queue ``q``'s items of ``day``."""
    slot = heads[q, day]
    while slot >= 0:
        slot = _release(pool, meta, slot)
    heads[q, day] = -1
    tails[q, day] = -1


@compiled_only
def _release(pool, meta, slot):
    """Put ``slot`` back on the free list; returns the slot that followed it."""
    following = pool[slot, NEXT]
    pool[slot, NEXT] = meta[FREE]
    meta[FREE] = slot
    return following


@compiled
def push_many(heads, tails, pool, meta, q, days, who, horizon):
    """File person ``who[i]`` under ``days[i]`` for every i with 0 <= days[i] <= horizon, in
    order; returns the pool (a new one if it grew). Room is reserved once and each item
    filed with :func:`put` (the slots are those push would take): a push per item cost
    a tenth of a millisecond for the thousand launch asks of a cascade's seed customers."""
    pool = reserve(pool, meta, np.int64(len(who)))
    for i in range(len(who)):
        if 0 <= days[i] <= horizon:
            put(heads, tails, pool, meta, q, days[i], who[i], NO_DATA, NO_DATA)
    return pool
