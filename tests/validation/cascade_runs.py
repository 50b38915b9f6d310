"""Engine runs of the cascade reduction (docs/model.md, "The cascade reduction")
on graphs the validation tests choose.

The scenario is the bundled ``scenarios/independent-cascade.yaml`` with ``p``,
the seeds and the horizon replaced; the graph is either passed as a built
:class:`simulator.network.Network` or described by a ``network`` block.
"""

from __future__ import annotations

import numpy as np

from simulator import load_scenario
from simulator.config import Scenario
from simulator.engine import Engine
from simulator.network import Network, from_edges
from simulator.rng import replicate_seeds

from ..conftest import SCENARIOS

CASCADE_SCENARIO = SCENARIOS / "independent-cascade.yaml"


def cascade_scenario(p: float, *, initial_customers, days: int, size: int | None = None,
                     network: dict | None = None, seed: int = 1) -> Scenario:
    """The bundled cascade reduction with transmission probability ``p``.

    ``network`` (a scenario ``network`` block, e.g. a configuration model with an
    explicit ``degrees`` list) and ``size`` replace the bundled edge list; without
    them the scenario keeps it (or the caller passes a built network to the engine).
    """
    data = load_scenario(CASCADE_SCENARIO).model_dump()
    data["seed"] = seed
    data["days"] = days
    data["population"]["initial_customers"] = initial_customers
    data["program"]["channels"][0]["base_conversion"] = float(p)
    if network is not None:
        data["network"] = {"strong_tie_share": 0.0, **network}
    if size is not None:
        data["population"]["size"] = int(size)
    return Scenario.model_validate(data)


def network_from_csr(indptr: np.ndarray, indices: np.ndarray) -> Network:
    """The engine's network for a reference CSR graph (all ties weak, so every invitation converts with p)."""
    n = len(indptr) - 1
    rows = np.repeat(np.arange(n), np.diff(indptr))
    return from_edges(n, rows, np.asarray(indices), None, np.random.default_rng(0), 0.0)


def run_cascades(scenario: Scenario, runs: int, network: Network | None = None) -> list[Engine]:
    """``runs`` finished engines on replicate seeds of the scenario seed (the same graph when given)."""
    return [Engine(scenario, seed, network=network).run() for seed in replicate_seeds(scenario.seed, runs)]


def final_sizes(engines: list[Engine]) -> np.ndarray:
    """People who ever became customers in each run, initial customers included."""
    return np.array([int((engine.people.adopted_day >= 0).sum()) for engine in engines])


def assert_cascades_ended(engines: list[Engine]) -> None:
    """Nobody joined on the last day of any run, so the horizon cut no cascade short
    (the next day would have had no asks: every customer is asked once, the day after joining)."""
    last = max(int(engine.people.adopted_day.max()) for engine in engines)
    assert last < engines[0].scenario.days, f"a cascade was still growing on day {last}: raise days"


def cascade_roots(referred_by: np.ndarray) -> np.ndarray:
    """The initial customer at the top of each person's referral chain (themselves when not referred).

    Pointer jumping: ``up <- up[up]`` doubles the distance each pass, so a chain
    of depth d takes log2(d) passes.
    """
    up = np.where(referred_by >= 0, referred_by, np.arange(len(referred_by)))
    while True:
        further = up[up]
        if np.array_equal(further, up):
            return up
        up = further
