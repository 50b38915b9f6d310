"""No-program twins, run once per process for each (no-program scenario, seed, network).

A design's twin is the same scenario with the program taken away
(:func:`simulator.runner.baseline_of`), run on the design's seed and network. Designs
that differ only in their program, which is what ``compare``, ``optimize`` and a
sweep with common random numbers try, therefore have the same twin on each seed: the
run depends on the no-program scenario, the seed, the graph and the engine's path
(kernel or numpy stages), and on nothing the design drew (``tests/test_twins.py``
checks this on every bundled scenario). The first design on a seed runs the twin; the others take its
daily table and summary from here.

The entry holds a weak reference to the network it ran on and is used only while
that very graph is the one asked for: graphs are shared per process (the graph
store of simulator.network), so a graph built again, edited on disk or evicted is a
miss, never a stale answer. The store is bounded in entries and bytes, least
recently used first out.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from threading import Lock
from typing import Callable

import numpy as np

#: Most twins kept per process, and most bytes of their daily tables (a 365-day table is
#: about 50 kB: a sweep point of 20 replicates takes 20 entries).
MAX_TWINS = 2048
MAX_BYTES = 64 * 2**20

#: Scenario fields that label a run and change nothing in it.
LABELS = {"name": "", "description": ""}

_TWINS: OrderedDict[tuple, tuple[weakref.ref, np.ndarray, dict[str, float]]] = OrderedDict()
_LOCK = Lock()
_COUNTS = {"hits": 0, "misses": 0, "bytes": 0}


def twin_key(baseline, seed: int, kernel: bool) -> tuple:
    """What a twin's run depends on, the graph apart: the no-program scenario (its name and
    description, which only label tables and reports, left out), the replicate seed and
    the engine's path."""
    return baseline.model_copy(update=LABELS).model_dump_json(), int(seed), bool(kernel)


def twin_run(key: tuple, network, run: Callable[[], tuple[np.ndarray, dict[str, float]]]) -> tuple[np.ndarray, dict[str, float]]:
    """The twin's daily table (read-only) and run summary for ``key`` on ``network``:
    from the store when this graph ran it before, else ``run()``, stored."""
    with _LOCK:
        entry = _TWINS.get(key)
        if entry is not None and entry[0]() is network:
            _TWINS.move_to_end(key)
            _COUNTS["hits"] += 1
            return entry[1], dict(entry[2])
    daily, summary = run()
    daily = daily.view()
    daily.flags.writeable = False  # shared by every design that takes it
    with _LOCK:
        _COUNTS["misses"] += 1
        old = _TWINS.pop(key, None)
        if old is not None:
            _COUNTS["bytes"] -= old[1].nbytes
        _TWINS[key] = (weakref.ref(network), daily, dict(summary))
        _COUNTS["bytes"] += daily.nbytes
        while _TWINS and (len(_TWINS) > MAX_TWINS or _COUNTS["bytes"] > MAX_BYTES):
            _, dropped = _TWINS.popitem(last=False)
            _COUNTS["bytes"] -= dropped[1].nbytes
    return daily, summary


def twin_cache_info() -> dict[str, int]:
    """Entries, bytes held, hits and misses of this process's twin store."""
    with _LOCK:
        return {"entries": len(_TWINS), **_COUNTS}


def clear_twin_cache() -> None:
    """Forget every stored twin of this process (and the counts)."""
    with _LOCK:
        _TWINS.clear()
        _COUNTS.update(hits=0, misses=0, bytes=0)
