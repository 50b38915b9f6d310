"""Independent reference implementations used to validate the refsim engine.

Nothing in here imports ``simulator``: these are deliberately separate,
slow-but-obviously-correct implementations (plus thin wrappers around peer
libraries and closed-form results) that tests and benchmarks compare the
engine against.

Graph convention
----------------
Graphs are passed as CSR arrays:

* ``indptr``  -- int64 array of length ``n + 1``;
* ``indices`` -- neighbour ids; the neighbours of node ``v`` are
  ``indices[indptr[v]:indptr[v + 1]]``.

An undirected graph is stored in both directions (edge ``{u, v}`` appears as
``v`` in the row of ``u`` and as ``u`` in the row of ``v``). Nodes are the
integers ``0 .. n-1``.

The Independent Cascade (IC) model
----------------------------------
Seeds are active at generation 0. Every node activated in generation ``g``
gets exactly one chance, in generation ``g + 1``, to activate each neighbour
that is still inactive; each attempt succeeds independently with probability
``p``. The process stops when a generation activates nobody. The final size
counts the seeds. Equivalently (for undirected graphs), the final active set
is the set of nodes reachable from the seeds in a bond percolation of the
graph in which each edge is kept with probability ``T = p``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
import scipy.optimize
import scipy.sparse

__all__ = [
    "csr_from_networkx",
    "networkx_from_csr",
    "independent_cascade",
    "independent_cascade_final_sizes",
    "eon_final_sizes",
    "ndlib_final_sizes",
    "cynetdiff_final_sizes",
    "bond_percolation_final_fraction",
    "epidemic_threshold",
    "galton_watson_mean_total",
    "bass_closed_form",
    "bass_discrete",
]


# ---------------------------------------------------------------------------
# Graph conversion helpers
# ---------------------------------------------------------------------------


def csr_from_networkx(G: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(indptr, indices)`` of an undirected networkx graph.

    The graph's nodes must be the integers ``0 .. n-1`` (use
    ``nx.convert_node_labels_to_integers`` otherwise), so that node ids in
    seed lists mean the same thing for every implementation. Row ``v`` of the
    result holds the neighbours of node ``v`` in increasing order; every
    undirected edge is stored in both directions. Self-loops are dropped
    (they can never transmit in IC).
    """
    n = G.number_of_nodes()
    if set(G.nodes) != set(range(n)):
        raise ValueError(
            "graph nodes must be 0..n-1; relabel with nx.convert_node_labels_to_integers"
        )
    A = nx.to_scipy_sparse_array(G, nodelist=range(n), weight=None, format="csr")
    A.setdiag(0)
    A.eliminate_zeros()
    A.sort_indices()
    return A.indptr.astype(np.int64), A.indices.astype(np.int64)


def networkx_from_csr(indptr: np.ndarray, indices: np.ndarray) -> nx.Graph:
    """Build an undirected ``nx.Graph`` on nodes ``0 .. n-1`` from CSR arrays."""
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    n = len(indptr) - 1
    data = np.ones(len(indices), dtype=np.int8)
    A = scipy.sparse.csr_array((data, indices, indptr), shape=(n, n))
    G = nx.from_scipy_sparse_array(A)  # nodes 0..n-1 even if isolated
    G.remove_edges_from(nx.selfloop_edges(G))
    return G


def _as_graph_and_csr(G_or_csr) -> tuple[nx.Graph, np.ndarray, np.ndarray]:
    """Accept either a networkx graph (nodes 0..n-1) or an ``(indptr, indices)`` pair."""
    if isinstance(G_or_csr, nx.Graph):
        indptr, indices = csr_from_networkx(G_or_csr)
        return G_or_csr, indptr, indices
    indptr, indices = G_or_csr
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    return networkx_from_csr(indptr, indices), indptr, indices


def _unique_seeds(seeds: Iterable[int]) -> list[int]:
    """Seeds as distinct Python ints, order preserved."""
    return list(dict.fromkeys(int(s) for s in seeds))


def _child_seeds(seed: int, runs: int) -> list[int]:
    """``runs`` independent 32-bit seeds derived from one master seed."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(runs)]


# ---------------------------------------------------------------------------
# Plain reference Independent Cascade
# ---------------------------------------------------------------------------


def independent_cascade(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: Iterable[int],
    p: float,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Run one Independent Cascade and return ``(final_size, generations)``.

    Synchronous generations: ``frontier`` holds the nodes activated in the
    previous generation. Each of them tries once to activate each of its
    currently inactive neighbours, succeeding with probability ``p``; a node
    activated in this generation joins the next frontier and is not tried
    again by later frontier members of the same generation (it is already
    active). Duplicate seeds count once.

    Returns
    -------
    final_size : int
        Number of active nodes at the end, seeds included.
    generations : int
        Number of generations that activated at least one node, i.e. the
        generation index of the last activation (0 if the seeds activate
        nobody). This matches EoN's ``t[-1] - 1``.
    """
    active = np.zeros(len(indptr) - 1, dtype=bool)
    frontier = _unique_seeds(seeds)
    for s in frontier:
        active[s] = True
    final_size = len(frontier)
    generations = 0

    while frontier:
        next_frontier = []
        for u in frontier:
            for v in indices[indptr[u] : indptr[u + 1]]:
                if not active[v] and rng.random() < p:
                    active[v] = True
                    next_frontier.append(int(v))
        if next_frontier:
            generations += 1
            final_size += len(next_frontier)
        frontier = next_frontier

    return final_size, generations


def independent_cascade_final_sizes(
    indptr: np.ndarray,
    indices: np.ndarray,
    seeds: Iterable[int],
    p: float,
    runs: int,
    seed: int,
) -> np.ndarray:
    """Final sizes of ``runs`` reference cascades sharing one ``Generator(seed)``."""
    rng = np.random.default_rng(seed)
    seeds = _unique_seeds(seeds)
    return np.array(
        [independent_cascade(indptr, indices, seeds, p, rng)[0] for _ in range(runs)],
        dtype=np.int64,
    )


# ---------------------------------------------------------------------------
# Peer libraries
# ---------------------------------------------------------------------------


def eon_final_sizes(G_or_csr, p: float, seeds: Iterable[int], runs: int, seed: int) -> np.ndarray:
    """Final sizes of ``runs`` cascades from ``EoN.basic_discrete_SIR``.

    EoN's discrete SIR (infectious for exactly one step, transmitting to each
    susceptible neighbour with probability ``p``) is the IC model. The final
    size is ``R[-1]`` (everyone ever infected, seeds included). One
    ``np.random.Generator(seed)`` is shared by all runs and passed as the
    keyword-only ``rng``.
    """
    import EoN  # imported lazily: pulls in matplotlib and warns about scipy

    G, _, _ = _as_graph_and_csr(G_or_csr)
    seeds = _unique_seeds(seeds)
    rng = np.random.default_rng(seed)
    sizes = np.empty(runs, dtype=np.int64)
    for r in range(runs):
        _t, _S, _I, R = EoN.basic_discrete_SIR(G, p, initial_infecteds=seeds, rng=rng)
        sizes[r] = R[-1]
    return sizes


def ndlib_final_sizes(G_or_csr, p: float, seeds: Iterable[int], runs: int, seed: int) -> np.ndarray:
    """Final sizes of ``runs`` cascades from NDlib's ``IndependentCascadesModel``.

    Configuration: the edge ``threshold`` (= transmission probability) is set
    to ``p`` on *every* edge (NDlib ignores a partial setting and falls back
    to 1/degree; with none it uses 0.1); the seeds are the ``"Infected"``
    initial set. Iteration 0 only reports the initial state; later
    iterations spread. We iterate until no node is left in the Infected
    state; the final size is the number of non-susceptible nodes.

    NDlib draws from the *global* ``np.random`` (and its constructor calls
    ``np.random.seed``), so here -- and only here -- we seed the global
    legacy generator once per run with a child seed derived from ``seed``.
    Nothing else of the global state is saved or restored.
    """
    import ndlib.models.ModelConfig as mc
    import ndlib.models.epidemics as ep

    G, _, _ = _as_graph_and_csr(G_or_csr)
    seeds = _unique_seeds(seeds)
    model = ep.IndependentCascadesModel(G)
    config = mc.Configuration()
    for u, v in G.edges():
        config.add_edge_configuration("threshold", (u, v), p)
    config.add_model_initial_configuration("Infected", seeds)
    model.set_initial_status(config)

    sizes = np.empty(runs, dtype=np.int64)
    for r, child in enumerate(_child_seeds(seed, runs)):
        np.random.seed(child)  # NDlib uses the global legacy RNG: unavoidable
        model.reset(infected_nodes=seeds)
        while True:
            it = model.iteration(node_status=False)
            counts = it["node_count"]
            if it["iteration"] > 0 and counts[1] == 0:  # nobody left infectious
                break
        sizes[r] = G.number_of_nodes() - counts[0]
    return sizes


def cynetdiff_final_sizes(G_or_csr, p: float, seeds: Iterable[int], runs: int, seed: int) -> np.ndarray:
    """Final sizes of ``runs`` cascades from cynetdiff's compiled IC model.

    The model is built from the CSR arrays directly (``starts = indptr[:-1]``,
    ``edges = indices``, both ``uint32``), because
    ``cynetdiff.utils.networkx_to_ic_model`` relabels nodes. Per run we call
    ``set_rng(child_seed)`` and then ``set_seeds`` (which resets the model);
    seeds must be plain Python ints (numpy ints are rejected with a misleading
    "Invalid seed node" error).
    """
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "cynetdiff is not installed; `pip install cynetdiff` to use cynetdiff_final_sizes"
        ) from exc

    _, indptr, indices = _as_graph_and_csr(G_or_csr)
    seeds = _unique_seeds(seeds)
    model = IndependentCascadeModel(
        np.ascontiguousarray(indptr[:-1], dtype=np.uint32),
        np.ascontiguousarray(indices, dtype=np.uint32),
        activation_prob=float(p),
    )
    sizes = np.empty(runs, dtype=np.int64)
    for r, child in enumerate(_child_seeds(seed, runs)):
        model.set_rng(child)
        model.set_seeds(seeds)
        model.advance_until_completion()
        sizes[r] = model.get_num_activated_nodes()
    return sizes


# ---------------------------------------------------------------------------
# Closed-form / analytic references
# ---------------------------------------------------------------------------


def _pmf_array(degree_pmf: Mapping[int, float] | Sequence[float] | np.ndarray) -> np.ndarray:
    """Degree distribution as a normalised array ``pk[k] = P(degree = k)``."""
    if isinstance(degree_pmf, Mapping):
        kmax = max(int(k) for k in degree_pmf)
        pk = np.zeros(kmax + 1)
        for k, prob in degree_pmf.items():
            pk[int(k)] += prob
    else:
        pk = np.asarray(degree_pmf, dtype=float).copy()
    if np.any(pk < 0) or pk.sum() <= 0:
        raise ValueError("degree_pmf must be non-negative with positive mass")
    return pk / pk.sum()


def epidemic_threshold(degree_pmf) -> float:
    """Critical transmissibility ``T_c = <k> / (<k^2> - <k>)``.

    For a configuration-model graph a cascade can reach a finite fraction of
    the graph only if ``T > T_c`` (mean excess degree times T exceeds 1).
    Returns ``inf`` when ``<k^2> = <k>`` (no node has degree >= 2).
    """
    pk = _pmf_array(degree_pmf)
    k = np.arange(len(pk))
    k1 = float(np.sum(k * pk))
    k2 = float(np.sum(k * k * pk))
    return k1 / (k2 - k1) if k2 > k1 else float("inf")


def bond_percolation_final_fraction(degree_pmf, T: float) -> float:
    """Giant-cascade fraction ``S`` for bond percolation with transmissibility ``T``.

    Configuration-model graph with degree distribution ``p_k``:

    * ``G0(x) = sum_k p_k x^k``         (pgf of the degree),
    * ``G1(x) = G0'(x) / G0'(1) = G0'(x) / <k>``  (pgf of the excess degree),
    * ``u = G1(1 - T + T u)``  -- probability that an edge does not lead to the
      giant component; take the smallest root in ``[0, 1]``,
    * ``S = 1 - G0(1 - T + T u)``.

    ``S`` is the expected final fraction reached by a large IC cascade with
    ``p = T`` (and the probability that one random seed starts one) in the
    limit of large ``n``. At or below the threshold
    (``T * G1'(1) <= 1``) the smallest root is ``u = 1`` and ``S = 0``.
    Otherwise the root in ``[0, 1)`` is found by ``brentq`` on
    ``g(u) = G1(1 - T + T u) - u``, which is ``>= 0`` at 0 and ``< 0`` just
    below 1.

    ``degree_pmf`` is a dict ``{k: P(k)}`` or an array indexed by degree; it
    is normalised to sum to 1.
    """
    if not 0.0 <= T <= 1.0:
        raise ValueError("T must lie in [0, 1]")
    pk = _pmf_array(degree_pmf)
    k = np.arange(len(pk))
    mean_k = float(np.sum(k * pk))
    if mean_k == 0:
        return 0.0
    qk = (k[1:] * pk[1:]) / mean_k  # excess-degree pmf: q_{k-1} = k p_k / <k>

    def G0(x: float) -> float:
        return float(np.polynomial.polynomial.polyval(x, pk))

    def G1(x: float) -> float:
        return float(np.polynomial.polynomial.polyval(x, qk))

    mean_excess = float(np.sum(np.arange(len(qk)) * qk))  # G1'(1)
    if T * mean_excess <= 1.0:
        return 0.0

    def g(u: float) -> float:
        return G1(1.0 - T + T * u) - u

    if g(0.0) <= 0.0:  # u = 0 exactly (e.g. T = 1 and no degree-1 nodes)
        u = 0.0
    else:
        eps = 1e-3
        while g(1.0 - eps) >= 0.0:  # move the upper bracket closer to 1
            eps /= 10.0
            if eps < 1e-15:
                return 0.0  # numerically at threshold
        u = scipy.optimize.brentq(g, 0.0, 1.0 - eps, xtol=1e-15, rtol=1e-14)
    return 1.0 - G0(1.0 - T + T * u)


def galton_watson_mean_total(R: float) -> float:
    """Mean total progeny of a subcritical Galton-Watson process.

    With mean offspring number ``R < 1`` the expected total number of
    individuals, counting the root, is
    ``sum_{g>=0} R^g = 1 / (1 - R)``.
    """
    if not R < 1.0:
        raise ValueError("mean total progeny is finite only for R < 1")
    return 1.0 / (1.0 - R)


def bass_closed_form(t, M: float, p: float, q: float):
    """Continuous-time Bass diffusion: cumulative adopters at time ``t``.

    Solution of ``dN/dt = (p + q N/M)(M - N)`` with ``N(0) = 0``::

        N(t) = M (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))

    ``p`` is the innovation (external) rate and ``q`` the imitation
    (word-of-mouth) rate, both per unit time; ``t`` may be an array.
    """
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return M * (1.0 - e) / (1.0 + (q / p) * e)


def bass_discrete(days: int, M: float, p: float, q: float) -> np.ndarray:
    """Deterministic daily-step Bass recursion (expected adopters of the ABM).

    Each day every remaining prospect adopts with probability
    ``1 - exp(-(p + q N_t / M))`` (constant hazard over the day, evaluated at
    the start of the day), so::

        N_0 = 0
        N_{t+1} = N_t + (M - N_t) * (1 - exp(-(p + q N_t / M)))

    Returns the array ``[N_0, N_1, ..., N_days]`` (length ``days + 1``). It
    differs from :func:`bass_closed_form` by an O(step x rate) discretisation
    error: at ``p = 0.003``, ``q = 0.038`` per day the daily curve is up to
    2.6% (relative) or 1.1% of ``M`` (absolute) away from the continuous one.
    Running it with sub-day steps (``bass_discrete(days * k, M, p / k, q / k)``)
    shrinks that error like ``1 / k``.
    """
    N = np.zeros(days + 1)
    for t in range(days):
        hazard = p + q * N[t] / M
        N[t + 1] = N[t] + (M - N[t]) * (1.0 - np.exp(-hazard))
    return N
