"""Tests that the reference implementations in ``reference.py`` are themselves right.

All tests use fixed seeds, so they are deterministic; the stated tolerances
are chosen so that a correct implementation passes with high probability for
*any* seed (4 standard errors, KS p > 0.01), while the usual bugs (a node
spreading more than once, seeds double counted, wrong pgf) fail by a wide
margin.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.optimize
import scipy.stats
from scipy.stats import ks_2samp

from .reference import (
    bass_closed_form,
    bass_discrete,
    bond_percolation_final_fraction,
    csr_from_networkx,
    cynetdiff_final_sizes,
    eon_final_sizes,
    epidemic_threshold,
    galton_watson_mean_total,
    independent_cascade,
    independent_cascade_final_sizes,
    ndlib_final_sizes,
    networkx_from_csr,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
KS_ALPHA = 0.01


def _load_mesa_reference():
    """Import bench/mesa_reference.py by path (bench/ is not a package)."""
    path = REPO_ROOT / "bench" / "mesa_reference.py"
    spec = importlib.util.spec_from_file_location("mesa_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ic_runs(G, seeds, p, runs, seed):
    """``runs`` reference cascades -> (final sizes, generations) arrays."""
    indptr, indices = csr_from_networkx(G)
    rng = np.random.default_rng(seed)
    out = np.array([independent_cascade(indptr, indices, seeds, p, rng) for _ in range(runs)])
    return out[:, 0], out[:, 1]


def _assert_mean_within(sample, mu, sd, n_se=4.0):
    """Sample mean within ``n_se`` standard errors (sd / sqrt(n)) of ``mu``."""
    se = sd / math.sqrt(len(sample))
    assert abs(np.mean(sample) - mu) < n_se * se, (np.mean(sample), mu, se)


@pytest.fixture(scope="module")
def ba_graph():
    """Small Barabasi-Albert graph (n = 2000, m = 2) shared by the KS tests."""
    return nx.barabasi_albert_graph(2000, 2, seed=1)


# p = 0.15 with 3 seeds gives a broad final-size distribution (5%..95%
# quantiles ~ 70..230 nodes), so a KS test has real power.
BA_P = 0.15
BA_SEEDS = [0, 5, 17]
BA_RUNS = 200


# ---------------------------------------------------------------------------
# CSR helpers
# ---------------------------------------------------------------------------


def test_csr_round_trip():
    G = nx.karate_club_graph()
    indptr, indices = csr_from_networkx(G)
    assert indptr.dtype == np.int64 and len(indptr) == G.number_of_nodes() + 1
    assert len(indices) == 2 * G.number_of_edges()  # both directions
    for v in G:
        assert sorted(indices[indptr[v] : indptr[v + 1]]) == sorted(G[v])
    H = networkx_from_csr(indptr, indices)
    assert nx.utils.graphs_equal(nx.Graph(G.edges), nx.Graph(H.edges))


def test_csr_rejects_non_integer_labels():
    with pytest.raises(ValueError):
        csr_from_networkx(nx.Graph([("a", "b")]))


# ---------------------------------------------------------------------------
# Reference IC against exact results
# ---------------------------------------------------------------------------


def test_ic_star_centre_seed_is_binomial():
    """Seed at the centre of a star with L leaves: final - 1 ~ Binomial(L, p)."""
    L, p, runs = 50, 0.3, 2000
    sizes, gens = _ic_runs(nx.star_graph(L), [0], p, runs, seed=11)
    leaves = sizes - 1
    _assert_mean_within(leaves, L * p, math.sqrt(L * p * (1 - p)))
    # variance of a Binomial: sample variance within 15% (SE of s^2 is ~3% here)
    assert abs(leaves.var(ddof=1) / (L * p * (1 - p)) - 1) < 0.15
    # one generation iff at least one leaf was reached
    assert np.array_equal(gens, (leaves > 0).astype(int))


def test_ic_star_leaf_seed():
    """Seed at a leaf: centre w.p. p, then each of the other L-1 leaves w.p. p.

    E[final] = 1 + p (1 + (L-1) p);  Var[final] = Var(B (1 + X)), B ~ Bern(p),
    X ~ Bin(L-1, p) independent.
    """
    L, p, runs = 20, 0.5, 4000
    sizes, gens = _ic_runs(nx.star_graph(L), [1], p, runs, seed=12)
    ex = 1 + (L - 1) * p
    ex2 = (L - 1) * p * (1 - p) + ex**2
    mean = 1 + p * ex
    var = p * ex2 - (p * ex) ** 2
    _assert_mean_within(sizes, mean, math.sqrt(var))
    assert set(gens[sizes == 1]) <= {0} and set(gens[sizes == 2]) <= {1}
    assert set(gens[sizes > 2]) <= {2}


def test_ic_path_end_seed_is_truncated_geometric():
    """Seed at the end of a path of n nodes: P(final >= k + 1) = p^k (k < n)."""
    n, p, runs = 12, 0.7, 4000
    sizes, gens = _ic_runs(nx.path_graph(n), [0], p, runs, seed=13)
    # exact pmf of the final size s = 1..n
    surv = p ** np.arange(n)  # P(final >= s) for s = 1..n
    pmf = surv - np.append(surv[1:], 0.0)
    s = np.arange(1, n + 1)
    mean = float(np.sum(s * pmf))
    sd = math.sqrt(float(np.sum(s**2 * pmf)) - mean**2)
    _assert_mean_within(sizes, mean, sd)
    assert np.array_equal(gens, sizes - 1)  # one new node per generation


def _exact_final_size_pmf(G, seeds, p):
    """Exact IC final-size pmf by enumerating all 2^m bond-percolation outcomes.

    For an undirected graph, IC with probability p is equivalent to keeping
    each edge independently with probability p and taking the set of nodes
    connected to the seeds.
    """
    edges = list(G.edges)
    m = len(edges)
    pmf = np.zeros(G.number_of_nodes() + 1)
    for kept in itertools.product([False, True], repeat=m):
        H = nx.Graph()
        H.add_nodes_from(G)
        H.add_edges_from(e for e, k in zip(edges, kept) if k)
        reached = set().union(*(nx.node_connected_component(H, s) for s in seeds))
        n_kept = sum(kept)
        pmf[len(reached)] += p**n_kept * (1 - p) ** (m - n_kept)
    return pmf


def test_ic_matches_exact_enumeration():
    """Chi-square goodness of fit against the exact pmf on a 6-node, 8-edge graph."""
    G = nx.Graph([(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (3, 5), (4, 5)])
    p, runs = 0.4, 20000
    pmf = _exact_final_size_pmf(G, [0], p)
    sizes, _ = _ic_runs(G, [0], p, runs, seed=14)
    observed = np.bincount(sizes, minlength=len(pmf))[1:]
    expected = runs * pmf[1:]
    assert abs(pmf.sum() - 1) < 1e-12 and observed.sum() == runs
    assert expected.min() > 5  # chi-square approximation valid
    assert scipy.stats.chisquare(observed, expected).pvalue > KS_ALPHA


def test_ic_duplicate_seeds_and_reproducibility():
    G = nx.path_graph(5)
    indptr, indices = csr_from_networkx(G)
    assert independent_cascade(indptr, indices, [2, 2, 2], 0.0, np.random.default_rng(0)) == (1, 0)
    assert independent_cascade(indptr, indices, [0], 1.0, np.random.default_rng(0)) == (5, 4)
    a = independent_cascade_final_sizes(indptr, indices, [0], 0.5, 50, seed=3)
    b = independent_cascade_final_sizes(indptr, indices, [0], 0.5, 50, seed=3)
    assert np.array_equal(a, b)


def test_ic_subcritical_tree_matches_galton_watson():
    """On a rooted tree with b children per node, IC from the root is a GW process.

    Offspring ~ Bin(b, p), R = b p. Depth-h tree: E[final] = sum_{g=0..h} R^g,
    which tends to galton_watson_mean_total(R) = 1 / (1 - R).
    """
    b, h, p, runs = 2, 12, 0.3, 3000
    R = b * p
    assert galton_watson_mean_total(R) == pytest.approx(2.5)
    truncated = sum(R**g for g in range(h + 1))
    assert truncated == pytest.approx(galton_watson_mean_total(R), rel=0.002)
    sizes, _ = _ic_runs(nx.balanced_tree(b, h), [0], p, runs, seed=15)
    # Var of GW total progeny (infinite tree) = sigma^2 / (1 - R)^3 bounds the
    # truncated variance; sigma^2 = b p (1 - p).
    sd_bound = math.sqrt(b * p * (1 - p) / (1 - R) ** 3)
    _assert_mean_within(sizes, truncated, sd_bound)
    with pytest.raises(ValueError):
        galton_watson_mean_total(1.0)


# ---------------------------------------------------------------------------
# Reference IC against peer libraries (same BA graph, two-sample KS)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ba_reference_sizes(ba_graph):
    indptr, indices = csr_from_networkx(ba_graph)
    return independent_cascade_final_sizes(indptr, indices, BA_SEEDS, BA_P, BA_RUNS, seed=101)


def test_ic_vs_eon(ba_graph, ba_reference_sizes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EoN's import warns about scipy
        eon = eon_final_sizes(ba_graph, BA_P, BA_SEEDS, BA_RUNS, seed=102)
    assert ks_2samp(ba_reference_sizes, eon).pvalue > KS_ALPHA


def test_ic_vs_ndlib(ba_graph, ba_reference_sizes):
    csr = csr_from_networkx(ba_graph)  # exercise the CSR input path
    nd = ndlib_final_sizes(csr, BA_P, BA_SEEDS, BA_RUNS, seed=103)
    assert ks_2samp(ba_reference_sizes, nd).pvalue > KS_ALPHA


def test_ic_vs_cynetdiff(ba_graph, ba_reference_sizes):
    pytest.importorskip("cynetdiff")
    cy = cynetdiff_final_sizes(ba_graph, BA_P, BA_SEEDS, BA_RUNS, seed=104)
    assert ks_2samp(ba_reference_sizes, cy).pvalue > KS_ALPHA
    # reproducible from the seed
    assert np.array_equal(cy[:20], cynetdiff_final_sizes(ba_graph, BA_P, BA_SEEDS, 20, seed=104))


def test_peer_wrappers_deterministic_limits():
    """p = 0 reaches only the seeds; p = 1 reaches the seeds' components."""
    G = nx.disjoint_union(nx.path_graph(4), nx.cycle_graph(5))  # nodes 0..3 | 4..8
    runners = [eon_final_sizes, ndlib_final_sizes]
    if importlib.util.find_spec("cynetdiff") is not None:
        runners.append(cynetdiff_final_sizes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for run in runners:
            assert set(run(G, 0.0, [0, 4], 3, seed=1)) == {2}, run.__name__
            assert set(run(G, 1.0, [1], 3, seed=1)) == {4}, run.__name__


def test_mesa_cascade_vs_reference():
    """Idiomatic Mesa implementation agrees with the reference IC (n = 500)."""
    mesa_reference = _load_mesa_reference()
    G = nx.barabasi_albert_graph(500, 2, seed=3)
    seeds, p, runs = [0, 1, 2], 0.2, 100
    mesa_sizes = np.array([mesa_reference.run_mesa_cascade(G, seeds, p, seed=s) for s in range(runs)])
    indptr, indices = csr_from_networkx(G)
    ref = independent_cascade_final_sizes(indptr, indices, seeds, p, 2 * runs, seed=201)
    assert ks_2samp(mesa_sizes, ref).pvalue > KS_ALPHA
    # synchronous generations: on a path each generation adds exactly one node
    model = mesa_reference.MesaCascade(nx.path_graph(6), [0], 1.0, seed=0)
    while model.running:
        model.step()
    assert model.final_size == 6 and model.generation == 6  # 5 spreading ticks + 1 empty


# ---------------------------------------------------------------------------
# Bond percolation on configuration-model graphs
# ---------------------------------------------------------------------------


def _poisson_pmf(mean_k, kmax=80):
    return scipy.stats.poisson.pmf(np.arange(kmax + 1), mean_k)


@pytest.mark.parametrize("T", [0.3, 0.5, 0.8, 1.0])
def test_bond_percolation_poisson_closed_form(T):
    """Poisson(c) degrees: G0 = G1 = exp(c(x-1)), so S solves S = 1 - exp(-c T S)."""
    c = 4.0
    S_closed = scipy.optimize.brentq(lambda S: S - 1 + math.exp(-c * T * S), 1e-9, 1.0, xtol=1e-15)
    S = bond_percolation_final_fraction(_poisson_pmf(c), T)
    assert S == pytest.approx(S_closed, abs=1e-9)  # pmf truncated at k = 80: mass lost ~1e-60


def test_bond_percolation_threshold_and_dict_input():
    c = 4.0
    pmf = _poisson_pmf(c)
    # <k> = c, <k^2> = c + c^2  ->  T_c = c / c^2 = 1 / c
    assert epidemic_threshold(pmf) == pytest.approx(1 / c, rel=1e-12)
    assert bond_percolation_final_fraction(pmf, 0.2) == 0.0  # below T_c
    assert bond_percolation_final_fraction(pmf, 0.25) == 0.0  # at T_c
    assert 0 < bond_percolation_final_fraction(pmf, 0.26) < 0.1  # just above
    # 3-regular graph, T = 1: everyone is in the giant component; dict input
    assert bond_percolation_final_fraction({3: 1.0}, 1.0) == pytest.approx(1.0)
    # 3-regular: u = (1 - T + T u)^2 -> u = ((1 - T) / T)^2, S = 1 - (1 - T + T u)^3
    T = 0.8
    u = ((1 - T) / T) ** 2
    assert bond_percolation_final_fraction({3: 1.0}, T) == pytest.approx(1 - (1 - T + T * u) ** 3, abs=1e-12)
    assert epidemic_threshold({3: 1.0}) == pytest.approx(0.5)


# ---------------------------------------------------------------------------
# Bass diffusion
# ---------------------------------------------------------------------------


def test_bass_closed_form_basics():
    M, p, q = 1000.0, 0.003, 0.038
    assert bass_closed_form(0.0, M, p, q) == pytest.approx(0.0)
    assert bass_closed_form(1e4, M, p, q) == pytest.approx(M)
    # dN/dt = (p + q N / M)(M - N): check with a central difference at t = 50
    t, h = 50.0, 1e-4
    N = bass_closed_form(t, M, p, q)
    dN = (bass_closed_form(t + h, M, p, q) - bass_closed_form(t - h, M, p, q)) / (2 * h)
    assert dN == pytest.approx((p + q * N / M) * (M - N), rel=1e-6)


def test_bass_discrete_converges_to_closed_form():
    """Discrete recursion vs continuous Bass, p = 0.003, q = 0.038 per day, 200 days.

    The recursion holds each step's hazard at its start-of-step value, a
    first-order (Euler-like) scheme, so its global error is O(h (p + q)) for
    step h. With daily steps (h = 1) the curves differ by ~1.1% of M; with
    k sub-steps per day (rates p/k, q/k) the error falls like 1/k. Tolerances:
    daily < 1.5% of M; k = 10 < 0.2% of M (measured 0.11%); halving the step
    halves the error (ratio within 10% of 2).
    """
    M, p, q, days = 1.0, 0.003, 0.038, 200

    def max_err(k):
        N = bass_discrete(days * k, M, p / k, q / k)
        t = np.arange(days * k + 1) / k
        return float(np.max(np.abs(N - bass_closed_form(t, M, p, q))))

    daily = bass_discrete(days, M, p, q)
    assert len(daily) == days + 1 and daily[0] == 0.0 and np.all(np.diff(daily) > 0)
    assert daily[1] == pytest.approx(M * (1 - math.exp(-p)))
    assert max_err(1) < 0.015 * M
    assert max_err(10) < 0.002 * M
    assert max_err(5) / max_err(10) == pytest.approx(2.0, rel=0.1)
