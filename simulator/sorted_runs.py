"""Runs of equal values in a sorted array: the vectorised replacement of a
group-by that the engine, the incentive payouts and the graph builder share."""

from __future__ import annotations

import numpy as np


def first_of_runs(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values (np.unique is slow in numpy 2.4)."""
    first = np.ones(len(sorted_values), dtype=bool)
    first[1:] = sorted_values[1:] != sorted_values[:-1]
    return first


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (np.unique's answer): a sort and first_of_runs, where
    np.unique hashes first in numpy 2.4 (60 µs for a thousand listed ids against 7)."""
    ordered = np.sort(values)
    return ordered[first_of_runs(ordered)]
