"""The compiled prefix of preferential-attachment growth draws the same picks from the
same random numbers as the plain-Python loop it replaced (kept here as the reference:
networkx's algorithm, written out), so every graph is unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.network.growth_prefix import grow_sequential


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
def test_the_compiled_prefix_makes_the_reference_picks(m, triad, first, stop, seed):
    initial = np.arange(first, dtype=np.int64) if seed % 2 else np.repeat(np.arange(first, dtype=np.int64), 2)
    expected = reference(m, triad, initial, first, stop, np.random.default_rng(seed))
    got = grow_sequential(m, triad, initial, first, stop, np.random.default_rng(seed))
    assert got.dtype == np.int64 and np.array_equal(got, expected)
    assert len(got) == len(initial) + 2 * m * (stop - first)
