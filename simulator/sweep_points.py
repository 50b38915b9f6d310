"""Where a sweep's points fall, and the seed of each of its runs.

A grid is every combination of the parameters' levels, the first parameter
slowest. Random and Latin-hypercube points come from the sweep seed's own
stream (``rng.point_stream``), apart from every run's seed. Every (point,
replicate) pair is one run whose seed is ``rng.run_seed(sweep seed, point,
replicate)`` (or, with ``common_random_numbers: true``, the replicate's seed
alone, shared by every point), so a sweep gives identical rows whatever executor
or number of workers runs it, and whatever order runs finish in.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .equality import FieldsEqual
from .rng import point_stream, replicate_seeds, run_seed
from .sweep_spec import Sweep, grid_levels, unit_to_value, value_key


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals (a SweepOutcome compares its points)
class Points(FieldsEqual):
    """The points of a sweep: raw values (applied to the base scenario) and the
    table of values as they appear in the outputs, one row per point."""

    values: list[dict[str, Any]]
    table: pd.DataFrame          # point_id + one column per parameter

    def __len__(self) -> int:
        return len(self.values)


def unit_samples(method: str, samples: int, dimensions: int, seed: int) -> np.ndarray:
    """``samples`` × ``dimensions`` points in [0, 1): independent uniforms, or a Latin
    hypercube (scipy.stats.qmc.LatinHypercube: each of the ``samples`` strata
    [k/n, (k+1)/n) of every dimension holds exactly one point)."""
    rng = point_stream(seed)
    if method == "random":
        return rng.random((samples, dimensions))
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dimensions, rng=rng).random(samples)


def _grid_order(keys: list[str], versions: list[dict[str, list]]) -> list[str]:
    """The identities of a grid's points in the order sweep_points numbers them."""
    order, seen = [], set()
    for levels in versions:
        for combo in itertools.product(*(levels[k] for k in keys)):
            identity = value_key(list(combo))   # 10 and 10.0 are one point
            if identity not in seen:
                seen.add(identity)
                order.append(identity)
    return order


def numbered_as_fresh(keys: list[str], grids: list[dict[str, list]]) -> bool:
    """Whether a grid that grew numbers its points as a fresh run of its last version
    would (values added at the end of the first key's list, say): then its ids, seeds
    and runs are a fresh run's."""
    return _grid_order(keys, grids) == _grid_order(keys, grids[-1:])


def sweep_points(sweep: Sweep, seed: int, grids: list[dict[str, list]] | None = None) -> Points:
    """The sweep's points, numbered from 0. A grid that grew (``grids``: the levels of
    each version of the grid, oldest first, as sweep.json keeps them) numbers the
    points of its first version as before, then each later version's new points
    after them, so that a finished run keeps its point id and seed."""
    spec = sweep.spec
    keys = sweep.parameters
    if spec.method == "grid":
        versions = grids or [{k: grid_levels(spec.parameters[k]) for k in keys}]
        values, seen = [], set()
        for levels in versions:   # as _grid_order, keeping the values themselves
            for combo in itertools.product(*(levels[k] for k in keys)):
                identity = value_key(list(combo))   # 10 and 10.0 are one point
                if identity not in seen:
                    seen.add(identity)
                    values.append(dict(zip(keys, combo)))
    else:
        units = unit_samples(spec.method, spec.samples, len(keys), seed)
        values = [{k: unit_to_value(spec.parameters[k], float(u)) for k, u in zip(keys, row)} for row in units]
    table = pd.DataFrame({"point_id": np.arange(len(values), dtype=np.int64)})
    for key in keys:
        table[key] = _table_column([v[key] for v in values])
    return Points(values, table)


def point_count(sweep: Sweep, grids: list[dict[str, list]] | None = None) -> int:
    """How many points :func:`sweep_points` gives, without laying them out: the samples,
    or the distinct combinations of a grid's levels (10 and 10.0 one level; a grid that
    grew holds each earlier version's levels, so its points are its levels' combinations)."""
    spec = sweep.spec
    if spec.method != "grid":
        return int(spec.samples or 0)
    versions = grids or [{k: grid_levels(spec.parameters[k]) for k in sweep.parameters}]
    return math.prod(len({value_key(v) for levels in versions for v in levels[k]}) for k in sweep.parameters)


def _table_column(values: list[Any]) -> pd.Series:
    """One type per column, so every part file has the same schema: numbers stay
    numbers, text stays text, anything else (lists, mappings, mixes) becomes JSON."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=np.float64)
    if all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype=object)
    return pd.Series([json.dumps(v, sort_keys=True, default=str) for v in values], dtype=object)


def run_seeds(sweep: Sweep, seed: int, points: int) -> Iterator[tuple[int, int, int, int]]:
    """(run_id, point_id, replicate, seed) of every run, in run order (run_id = point × replicates + replicate)."""
    shared = replicate_seeds(seed, sweep.replicates) if sweep.spec.common_random_numbers else None
    for point in range(points):
        for replicate in range(sweep.replicates):
            yield (point * sweep.replicates + replicate, point, replicate,
                   shared[replicate] if shared else run_seed(seed, point, replicate))

