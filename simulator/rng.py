"""Named random streams and every seed derivation, from one seed.

Every random draw in the engine takes a generator from :class:`Streams` by name.
Streams are independent of each other and of the order in which they are asked
for, so two scenarios that differ in one parameter see the same luck in every
stream that parameter does not touch (common random numbers): changing the
reward changes neither the graph, nor the seed customers, nor who would adopt
organically on which day, nor anyone's satisfaction or churn clock.

The studies built on runs (replicates, compare, sweeps and the decision
commands) take their seeds from here too, so that no seed is derived twice in
two ways:

- replicate r of a scenario: :func:`replicate_seeds` (shared by every design of
  a comparison: common random numbers);
- run (point, replicate) of a sweep, or (trial, replicate) of a search:
  :func:`run_seed`;
- where a study places its points (random and Latin-hypercube sweeps,
  optimizer proposals, sensitivity samples): :func:`study_stream`;
- a seed for a library that takes seeds, not generators (optuna, SALib, pyabc):
  :func:`stream_seed`;
- seeds for a fresh, independent re-run of a chosen design (a confirmation
  run that must not reuse the luck it was picked on): :func:`fresh_seeds`.
"""

from __future__ import annotations

import zlib
from typing import Callable

import numpy as np

#: Streams of the engine and of the studies; listed once so that their names cannot drift apart.
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
    "link_sharing",   # the unprompted shares a reward adds to customers who use their link
    "channels",       # channel choice and invitations
    "conversion",     # invitation outcomes and lags
    "fraud",          # fake signups
    "qualifying",     # the referral sign-ups who never qualify, beside each customer referred for a reward
    "nwom",           # negative word of mouth
    "order",          # tie-breaking order of same-day conversions
    "annoyance",      # which reminders annoy
    "nwom_organic",   # organic adoptions put off by negative word of mouth
    "influencers",    # who the influencers are, and their boosted invitations
    "targeting",      # tie-breaking key of targeted asking
    "delight",        # who is delighted
    "staff",          # staff mentions and their share decisions
    "offer_gone",     # friends invited with a reward on offer who find it gone when they join
    "influencer_launch",  # the tenure and launch ask of influencers who are not initial customers
    # studies (never drawn from by the engine; listed so that names cannot collide)
    "sweep points",   # where random and Latin-hypercube sweeps put their points
    "trials",         # where a search (optimize) proposes its next designs
    "samples",        # where a sensitivity analysis or a calibration samples its inputs
    "fresh replicates",  # seeds of confirmation re-runs, apart from the study's own seeds
    "bootstrap",      # resampling for confidence intervals of sensitivity indices
    "abc",            # a calibration's ABC-SMC particles (pyabc draws from numpy's global generator)
    "posterior draws",  # equally weighted draws from a weighted posterior
    "abc runs",       # the seed of each simulation a calibration's ABC-SMC asks for
    "forecast",       # seeds of posterior-predictive launches
    "coverage truths",  # true parameter values of a coverage check's synthetic pilots
    "coverage pilots",  # seeds of those pilots
    "coverage fits",  # study seed of each pilot's fit
    "best design",    # the seed an optimisation's best.yaml carries, apart from the seeds that picked it
    "unpaired design",  # each design's own seed in an unpaired comparison given one --seed
    "predictive check",  # a calibration's posterior draws (0) and seeds (1) of its check against the pilot
)


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC-32, identical on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Independent ``numpy.random.Generator`` streams keyed by name, from one seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}
        self._restored: dict[str, dict] = {}
        self._replays: dict[str, Callable[[np.random.Generator], object]] = {}

    def __call__(self, name: str) -> np.random.Generator:
        try:
            return self._cache[name]
        except KeyError:
            generator = self._cache[name] = study_stream(self.seed, name)
            state = self._restored.pop(name, None)
            if state is not None:
                generator.bit_generator.state = state
            replay = self._replays.pop(name, None)
            if replay is not None:
                replay(generator)
            return generator

    def made(self, name: str) -> bool:
        """Stream ``name``'s generator exists in this run (something asked for it)."""
        return name in self._cache

    def untouched(self, name: str) -> bool:
        """Nothing has been drawn from stream ``name`` (it stands where the seed puts it)."""
        return name not in self._cache and name not in self._restored and name not in self._replays

    def drawn_elsewhere(self, name: str, replay: Callable[[np.random.Generator], object]) -> None:
        """The first draw of untouched stream ``name`` was made for this run elsewhere (another
        run of this seed made it): ``replay(generator)`` makes it again, to advance the
        stream, only if the stream is ever asked for (most never are)."""
        self._replays[name] = replay

    def state(self, name: str) -> dict:
        """Where stream ``name`` stands now (a copy), for :meth:`restore`."""
        return self(name).bit_generator.state

    def restore(self, name: str, state: dict) -> None:
        """Put stream ``name`` where ``state`` says: a run that takes another run's draws
        of this seed instead of making them continues the stream from where those left it
        (set when the stream is next asked for: most never are)."""
        if name in self._cache:
            self._cache[name].bit_generator.state = state
        else:
            self._restored[name] = state


def _checked_key(name: str) -> int:
    if name not in STREAM_NAMES:
        raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_NAMES)}")
    return stream_key(name)


def study_stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` of ``seed``: SeedSequence(seed, spawn_key=(crc32(name),)).

    The engine's streams and a study's own streams (``"sweep points"``,
    ``"trials"``, ``"samples"``) are made the same way, so that a study's choice
    of points never shares luck with the runs it makes."""
    return np.random.Generator(np.random.PCG64(_stream_sequence(seed, name)))


def stream_words(seed: int, name: str, count: int) -> np.ndarray:
    """The first ``count`` draws of ``study_stream(seed, name).integers(0, 2**64 - 1, count,
    dtype=np.uint64, endpoint=True)``: the bit generator's raw 64-bit words, which that
    full range takes as they come. A third of the cost of making the generator first."""
    return np.random.PCG64(_stream_sequence(seed, name)).random_raw(count)


def _stream_sequence(seed: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(_checked_key(name),))


def _seed_of(sequence: np.random.SeedSequence) -> int:
    """A 63-bit seed from a SeedSequence: the first 64-bit word of its state, shifted
    right once so that it fits every signed 64-bit column and YAML reader."""
    return int(sequence.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def replicate_seeds(scenario_seed: int, replicates: int) -> list[int]:
    """Seeds of the replicates, spawned from the scenario seed (numpy SeedSequence).

    Replicate r always gets the same seed whatever the number of replicates asked
    for, so adding replicates extends a study without changing earlier runs.
    """
    return [_seed_of(child) for child in np.random.SeedSequence(scenario_seed).spawn(replicates)]


def run_seed(study_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate) of a study: SeedSequence(study_seed,
    spawn_key=(point, replicate)), first 63 bits.

    It depends on nothing else, so neither the executor, the number of workers nor
    the order runs finish in can change it. Sweeps use it per (point, replicate);
    a search uses it per (trial, replicate) when its trials are not paired.
    Paired studies (``common_random_numbers``) use :func:`replicate_seeds` for
    every point instead."""
    return _seed_of(np.random.SeedSequence(study_seed, spawn_key=(point, replicate)))


def point_stream(study_seed: int) -> np.random.Generator:
    """The generator that places a sweep's random or Latin-hypercube points."""
    return study_stream(study_seed, "sweep points")


def fresh_seeds(study_seed: int, replicates: int, round: int = 0) -> list[int]:
    """Replicate seeds of a confirmation re-run, independent of every seed the study
    itself used: SeedSequence(study_seed, spawn_key=(crc32("fresh replicates"), round))
    spawned ``replicates`` times. A design picked as best on some replicates is
    biased upwards on those same replicates (the winner's curse); re-running it on
    these seeds gives an unbiased estimate. Each ``round`` gives a new set; replicate
    r's seed does not depend on ``replicates``, as with :func:`replicate_seeds`."""
    parent = np.random.SeedSequence(study_seed, spawn_key=(_checked_key("fresh replicates"), round))
    return [_seed_of(child) for child in parent.spawn(replicates)]


def stream_seed(seed: int, name: str, *index: int) -> int:
    """A seed for one named purpose of a study: SeedSequence(seed, spawn_key=(crc32(name),
    *index)), first 63 bits. For libraries that take a seed rather than a generator
    (optuna's samplers, SALib, pyabc); ``index`` tells apart the uses of one purpose
    (trial k's sampler, fit i of a coverage check)."""
    return _seed_of(np.random.SeedSequence(int(seed), spawn_key=(_checked_key(name), *index)))


def draw_seed() -> int:
    """A fresh scenario seed for users who gave none (recorded in the manifest)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


__all__ = ["STREAM_NAMES", "Streams", "stream_key", "study_stream", "replicate_seeds", "run_seed", "point_stream",
           "fresh_seeds", "stream_seed", "draw_seed"]
