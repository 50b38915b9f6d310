"""No-program twins, run once per process for each (no-program scenario, seed, network).

A design's twin is the same scenario with the program taken away
(:func:`simulator.runner.baseline_of`), run on the design's seed and network. Designs
that differ only in their program, which is what ``compare``, ``optimize`` and a
sweep with common random numbers try, therefore have the same twin on each seed: the
run depends on the no-program scenario, the seed, the graph and the engine's path
(kernel or numpy stages), and on nothing the design drew (``tests/test_twins.py``
checks this on every bundled scenario). The first design on a seed runs the twin; the others take its
daily table and summary from here.

An entry is keyed by the graph object it ran on (its id, checked through a weak
reference) and used only while that very graph is the one asked for: graphs are
shared per process (the graph store of simulator.network), so a graph built again,
edited on disk or evicted is a miss, never a stale answer. The store is the graph
store's kind (:class:`simulator.network.cache.GraphCache`), bounded by the bytes of
the daily tables and keys it holds, least recently used first out.
"""

from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

from .network.cache import GraphCache

#: Most bytes of daily tables and keys kept per process (a 365-day table is about 50 kB,
#: its key a few kB: a sweep point of 20 replicates takes about 1 MB).
MAX_BYTES = 64 * 2**20

#: Scenario fields that label a run and change nothing in it.
LABELS = {"name": "", "description": ""}

_TWINS = GraphCache(MAX_BYTES)


def twin_key(baseline, seed: int, kernel: bool, baseline_key: str | None = None) -> tuple:
    """What a twin's run depends on, the graph apart: the no-program scenario (its name and
    description, which only label tables and reports, left out), the replicate seed and
    the engine's path. ``baseline_key``: :func:`scenario_key` of ``baseline``, when known."""
    return scenario_key(baseline) if baseline_key is None else baseline_key, int(seed), bool(kernel)


def scenario_key(baseline) -> str:
    """The no-program scenario's part of :func:`twin_key`, the same on every seed: a
    design's replicates make it once (written for each, the JSON of a scenario listing a
    thousand initial customers cost 40 to 200 µs per replicate)."""
    return baseline.model_copy(update=LABELS).model_dump_json()


def twin_run(key: tuple, network, run: Callable[[], tuple[np.ndarray, dict[str, float]]]) -> tuple[np.ndarray, dict[str, float]]:
    """The twin's daily table (read-only) and run summary for ``key`` on ``network``:
    from the store when this graph ran it before, else ``run()``, stored."""
    stored_key = (*key, id(network))
    entry = _TWINS.get(stored_key)
    if entry is not None and entry[0]() is network:  # not another graph at a reused address
        return entry[1], dict(entry[2])
    daily, summary = run()
    daily = daily.view()
    daily.flags.writeable = False  # shared by every design that takes it
    _TWINS.put(stored_key, (weakref.ref(network), daily, dict(summary)), daily.nbytes + len(key[0]))
    return daily, summary


def twin_cache_info() -> dict[str, int]:
    """Entries, bytes held, the bound, hits and misses of this process's twin store."""
    return _TWINS.info()


def clear_twin_cache() -> None:
    """Forget every stored twin of this process (and the counts)."""
    _TWINS.clear()
