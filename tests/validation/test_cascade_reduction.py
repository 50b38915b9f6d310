"""The cascade reduction of docs/model.md is exactly the Independent Cascade:
its final-size distribution matches a plain reference implementation and the
peer libraries (EoN, NDlib, cynetdiff) on the same graph, and its generations
advance one per day.

Every comparison is a two-sample KS test on 200 final sizes per side with
p-value > 0.01: a correct engine fails one such comparison 1% of the time for
a given seed; the seeds are fixed, so the tests are deterministic, and a 10%
error in p fails it (``test_cascade_test_can_fail_when_p_is_off_by_ten_percent``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator import load_scenario
from simulator.engine import Engine

from ..conftest import SCENARIOS
from .cascade_runs import assert_cascades_ended, cascade_scenario, final_sizes, network_from_csr, run_cascades
from .reference import cynetdiff_final_sizes, eon_final_sizes, independent_cascade, ndlib_final_sizes

RUNS = 200
KS_ALPHA = 0.01
BUNDLED = SCENARIOS / "independent-cascade.yaml"


@pytest.fixture(scope="module")
def bundled():
    """The bundled scenario, its graph as CSR arrays, and 200 engine final sizes."""
    scenario = load_scenario(BUNDLED)
    network = Engine(scenario, 0).network
    engines = run_cascades(scenario, RUNS, network)
    assert_cascades_ended(engines)
    return scenario, network, final_sizes(engines)


def _p(scenario) -> float:
    return scenario.program.channels[0].base_conversion


def test_bundled_cascade_scenario_matches_reference_independent_cascade(bundled):
    scenario, network, ours = bundled
    rng = np.random.default_rng(2024)
    seeds = scenario.population.initial_customers
    reference = np.array([independent_cascade(network.indptr, network.indices, seeds, _p(scenario), rng)[0]
                          for _ in range(RUNS)])
    assert stats.ks_2samp(ours, reference).pvalue > KS_ALPHA
    assert abs(ours.mean() - reference.mean()) < 4 * np.sqrt(ours.var() / RUNS + reference.var() / RUNS)


@pytest.mark.parametrize("module, final_sizes, seed", [
    ("EoN", eon_final_sizes, 7),          # discrete SIR: infectious for one step, transmission p per edge
    ("ndlib", ndlib_final_sizes, 8),      # IndependentCascadesModel, threshold p set on every edge
    ("cynetdiff", cynetdiff_final_sizes, 9),
])
def test_bundled_cascade_scenario_matches_peer_libraries(bundled, module, final_sizes, seed):
    """Each peer's Independent Cascade on the same graph, seeds and p: KS on final sizes."""
    pytest.importorskip(module)
    scenario, network, ours = bundled
    theirs = final_sizes((network.indptr, network.indices), _p(scenario), scenario.population.initial_customers, RUNS, seed=seed)
    assert stats.ks_2samp(ours, theirs).pvalue > KS_ALPHA


def test_cascade_test_can_fail_when_p_is_off_by_ten_percent(bundled):
    """The same KS test has the power to see p = 0.11 against the reference at p = 0.10."""
    scenario, network, _ = bundled
    off = load_scenario(BUNDLED, ["program.channels.0.base_conversion=0.11"])
    ours = final_sizes(run_cascades(off, RUNS, network))
    rng = np.random.default_rng(2024)
    reference = np.array([independent_cascade(network.indptr, network.indices, [0, 17, 42], 0.1, rng)[0] for _ in range(RUNS)])
    assert stats.ks_2samp(ours, reference).pvalue < KS_ALPHA


def test_engine_on_a_graph_given_as_edges_matches_eon():
    """The same reduction on a graph handed to the engine with ``network=from_edges(...)``
    (a Watts-Strogatz ring, whose short cycles make it unlike the bundled BA graph;
    p = 0.35 is above its threshold, so most runs are large and end within 40 days)."""
    pytest.importorskip("EoN")
    import networkx as nx

    from .reference import csr_from_networkx

    indptr, indices = csr_from_networkx(nx.connected_watts_strogatz_graph(1000, 6, 0.2, seed=3))
    scenario = cascade_scenario(0.35, initial_customers=[0, 500], days=60, seed=5)
    engines = run_cascades(scenario, RUNS, network_from_csr(indptr, indices))
    assert_cascades_ended(engines)
    ours = final_sizes(engines)
    theirs = eon_final_sizes((indptr, indices), 0.35, [0, 500], RUNS, seed=11)
    assert stats.ks_2samp(ours, theirs).pvalue > KS_ALPHA


def test_one_generation_per_day_on_a_path():
    """p = 1 on a path 0-1-...-9 from person 0: person k joins on day k."""
    from simulator.network import from_edges

    scenario = load_scenario(BUNDLED, ["program.channels.0.base_conversion=1", "population.initial_customers=[0]", "days=20"])
    u = np.arange(9)
    network = from_edges(10, u, u + 1, None, np.random.default_rng(0), 0.0)
    engine = Engine(scenario, 1, network=network).run()
    assert engine.people.adopted_day.tolist() == list(range(10))
    assert engine.people.referred_by.tolist() == [-1, *range(9)]
