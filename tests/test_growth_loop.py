"""The compiled preferential-attachment growth makes the same picks from the same random
numbers as a plain-Python loop (the reference: networkx's algorithm, written out with
lists and sets, drawing from the same xoshiro256** stream)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.kernel.rand import below, seed_rows, uniform
from simulator.network.growth_loop import grow_sequential


class Draws:
    """The compiled loop's random numbers, drawn one at a time from Python."""

    def __init__(self, state):
        self.state = state

    def random(self):
        return uniform(self.state, 0)

    def integers(self, k):
        return below(self.state, 0, k)


def reference(m, triad, initial, first, stop, rng) -> np.ndarray:
    """networkx's loop for newcomers first..stop-1, returning the slots.

    Degree picks avoid people already chosen by this newcomer (networkx draws its m
    picks as a set up front); a triad pick is a uniform friend, not yet chosen, of the
    last person picked by degree, or a degree pick when there is none.
    """
    slots = initial.tolist()
    friends_of: dict[int, list[int]] = {}
    for v in range(first, stop):
        size = len(slots)
        chosen: list[int] = []
        taken: set[int] = set()
        last = -1
        for i in range(m):
            target = -1
            if i > 0 and triad > 0.0 and rng.random() < triad:
                friends = friends_of.get(last, ())
                for _ in range(8):  # a uniform friend not yet taken: try a few, then list them
                    if not friends:
                        break
                    pick = friends[int(rng.integers(len(friends)))]
                    if pick not in taken:
                        target = pick
                        break
                else:
                    free = [f for f in friends if f not in taken]
                    if free:
                        target = free[int(rng.integers(len(free)))]
            if target < 0:
                target = slots[int(rng.integers(size))]
                while target in taken:
                    target = slots[int(rng.integers(size))]
                last = target
            chosen.append(target)
            taken.add(target)
        for target in chosen:
            friends_of.setdefault(target, []).append(v)
        friends_of[v] = chosen
        slots.extend(chosen)
        slots.extend([v] * m)
    return np.asarray(slots, dtype=np.int64)


@pytest.mark.parametrize("m, triad, first, stop, seed", [
    (6, 0.2, 7, 2000, 1),    # the default scenario's powerlaw_cluster
    (5, 0.0, 6, 2000, 2),    # Barabási–Albert: no triad steps
    (3, 0.9, 4, 3000, 3),    # mostly triad steps: the fall-back to listing free friends is reached
    (1, 0.5, 2, 500, 4),     # one pick per newcomer: never a triad step
    (6, 0.2, 7, 7, 5),       # no newcomer at all
])
def test_the_compiled_loop_makes_the_reference_picks(m, triad, first, stop, seed):
    initial = np.arange(first, dtype=np.int64) if seed % 2 else np.repeat(np.arange(first, dtype=np.int64), 2)
    state = seed_rows([np.random.default_rng(seed)])
    expected = reference(m, triad, initial, first, stop, Draws(state.copy()))
    # a store far too small: every friend list outgrows it, so the reallocation is exercised
    # the slots in either width the people fit (growth.grow takes int32 below 2**31 people)
    for dtype, store in ((np.int32, np.empty(4 * m * max(stop - first, 0) + 16, np.int32)), (np.int64, np.empty(1, np.int64))):
        room = np.full(len(initial) + 2 * m * (stop - first), -1, dtype)
        got = grow_sequential(m, triad, initial, first, stop, state.copy(), store, room)
        assert got is room and np.array_equal(got, expected)


def test_grow_returns_each_newcomers_picks_as_ties():
    """grow's tie ends are the slots' blocks read back: newcomer v tied to its m picks."""
    from simulator.network.growth import grow

    m, first, stop = 4, 4, 600
    initial = np.arange(first, dtype=np.int64)
    u, v = grow(stop, m, 0.5, initial, first, np.random.default_rng(9), star=False)
    state = seed_rows([np.random.default_rng(9)])
    slots = reference(m, 0.5, initial, first, stop, Draws(state))
    picks = slots[first:].reshape(stop - first, 2 * m)[:, :m]
    assert np.array_equal(u, np.repeat(np.arange(first, stop), m))
    assert np.array_equal(v, picks.ravel())
    assert (u != v).all() and (v < u).all()  # every pick is an earlier person, never oneself
