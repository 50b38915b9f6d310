"""Runs of equal values in a sorted array: the vectorised replacement of a
group-by that the engine, the incentive payouts and the graph builder share."""

from __future__ import annotations

import numpy as np


def first_of_runs(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values (np.unique is slow in numpy 2.4)."""
    first = np.ones(len(sorted_values), dtype=bool)
    first[1:] = sorted_values[1:] != sorted_values[:-1]
    return first
