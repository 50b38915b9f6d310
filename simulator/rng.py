"""Named random streams derived from one seed.

Every random draw in the engine takes a generator from :class:`Streams` by name.
Streams are independent of each other and of the order in which they are asked
for, so two scenarios that differ in one parameter see the same luck in every
stream that parameter does not touch (common random numbers): changing the
reward changes neither the graph, nor the seed customers, nor who would adopt
organically on which day, nor anyone's satisfaction or churn clock.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Streams the engine uses; listed once so that their names cannot drift apart.
STREAM_NAMES = (
    "network",        # graph structure
    "ties",           # strong/weak tie labels
    "seeds",          # which people are the initial customers
    "organic",        # each person's organic adoption clock
    "satisfaction",   # each person's satisfaction score
    "churn",          # each person's churn clock
    "timing",         # milestone days
    "link",           # whether a customer sharing unprompted uses their referral link
    "asks",           # share decisions of asked customers
    "spontaneous",    # unprompted shares
    "channels",       # channel choice and invitations
    "conversion",     # invitation outcomes and lags
    "fraud",          # fake signups
    "nwom",           # negative word of mouth
    "order",          # tie-breaking order of same-day conversions
)


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC-32, identical on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Independent ``numpy.random.Generator`` streams keyed by name, from one seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        try:
            return self._cache[name]
        except KeyError:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_NAMES)}") from None
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            generator = self._cache[name] = np.random.Generator(np.random.PCG64(sequence))
            return generator


def replicate_seeds(scenario_seed: int, replicates: int) -> list[int]:
    """Seeds of the replicates, spawned from the scenario seed (numpy SeedSequence).

    Replicate r always gets the same seed whatever the number of replicates asked
    for, so adding replicates extends a study without changing earlier runs.
    """
    children = np.random.SeedSequence(scenario_seed).spawn(replicates)
    return [int(child.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def draw_seed() -> int:
    """A fresh scenario seed for users who gave none (recorded in the manifest)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
