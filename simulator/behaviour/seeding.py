"""Who is picked first: initial customers and influencers, by strategy.

``random`` people; the best connected (``degree``); the deepest ``k_core`` (Kitsak
et al. 2010: the core a person sits in predicts their spreading better than their
degree); or ``influence``: greedy on the estimated size of the cascade the seed set
starts, with CELF's lazy re-evaluation (Kempe, Kleinberg & Tardos 2003; Leskovec et
al. 2007). Every strategy runs once, at set-up; ties are broken by a random key from
the ``seeds`` stream so that no id order favours anyone.
"""

from __future__ import annotations

import heapq

import numpy as np

from ..config import CascadeEstimate, Program
from ..network import Network


def pick(network: Network, count: int, strategy: str, rng: np.random.Generator, *,
         edge_probability: float = 0.0, cascade: CascadeEstimate | None = None,
         exclude: np.ndarray | None = None) -> np.ndarray:
    """``count`` distinct people by ``strategy``, as sorted int32 ids, none of them in
    ``exclude`` (influencers are recruited among people who are not yet customers: picked
    by degree beside initial customers picked by degree, all 20 were initial customers
    already, their fees paid for nobody new). Where no one is excluded, or none of those
    excluded would have been picked by degree, k_core or influence, the pick is the one
    made without ``exclude``."""
    n = network.n
    allowed = np.ones(n, bool)
    if exclude is not None and len(exclude):
        allowed[np.asarray(exclude, np.int64)] = False
    count = min(int(count), int(allowed.sum()))
    if strategy == "random":
        if allowed.all():   # the same draw as a plain count, so that {count, strategy: random} and a count agree
            return np.sort(rng.choice(n, size=count, replace=False)).astype(np.int32)
        return np.sort(rng.choice(np.flatnonzero(allowed), size=count, replace=False)).astype(np.int32)
    tie_break = rng.random(n)
    if strategy == "degree":
        order = np.lexsort((tie_break, -network.degree))
        chosen = order[allowed[order]][:count]
    elif strategy == "k_core":
        order = np.lexsort((tie_break, -network.degree, -core_numbers(network)))
        chosen = order[allowed[order]][:count]
    elif strategy == "influence":
        chosen = celf(network, count, edge_probability, cascade or CascadeEstimate(), rng, tie_break, allowed)
    else:
        raise TypeError(f"unknown seeding strategy {strategy!r}")
    return np.sort(np.asarray(chosen, np.int64)).astype(np.int32)


def core_numbers(network: Network) -> np.ndarray:
    """Each person's core number (the largest k such that they are in the k-core)."""
    import networkx as nx  # only this strategy needs it: a third of a second off every start

    graph = nx.Graph()
    graph.add_nodes_from(range(network.n))
    rows = np.repeat(np.arange(network.n), network.degree)
    upper = rows < network.indices
    graph.add_edges_from(zip(rows[upper].tolist(), network.indices[upper].tolist()))
    core = nx.core_number(graph)
    return np.fromiter((core[i] for i in range(network.n)), np.int64, network.n)


def edge_probability(program: Program, mean_degree: float) -> float:
    """The Independent Cascade p of a program, for the cascade estimate:
    base_share * sum_k weight_k * conversion_k * reach_k, where reach_k is the share of
    a sharer's friends a share reaches (1 with invite_all, attention for a broadcast,
    (1 + extra_invites) / mean degree for a direct share). In the cascade reduction it
    is exactly the reduction's p."""
    total = 0.0
    for channel in program.channels:
        if channel.kind == "broadcast":
            reach = channel.attention
        elif channel.invite_all:
            reach = 1.0
        else:
            reach = min(1.0, (1.0 + channel.extra_invites) / max(mean_degree, 1.0))
        total += channel.weight * program.conversion(channel) * reach
    return float(min(1.0, program.base_share * total))


def live_edge_labels(network: Network, p: float, samples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Component labels of ``samples`` live-edge graphs: each tie kept with probability p.

    For the Independent Cascade on an undirected graph each tie is tried at most
    once (by whichever end joins first), so the people a seed set reaches are
    exactly the union of its components in one such graph (bond percolation)."""
    # scipy costs most of a second to import: only the influence strategy needs it
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    rows = np.repeat(np.arange(network.n), network.degree)
    upper = rows < network.indices
    u, v = rows[upper], network.indices[upper]
    labels = []
    for _ in range(samples):
        live = rng.random(len(u)) < p
        graph = csr_matrix((np.ones(int(live.sum()), np.int8), (u[live], v[live])), shape=(network.n, network.n))
        labels.append(connected_components(graph, directed=False)[1])
    return labels


def celf(network: Network, count: int, p: float, cfg: CascadeEstimate, rng: np.random.Generator,
         tie_break: np.ndarray, allowed: np.ndarray | None = None) -> list[int]:
    """Greedy seed set on the estimated cascade size sigma(S) = mean over live-edge
    samples of |union of S's components|, evaluated lazily (CELF): marginal gains
    only shrink as S grows (sigma is submodular), so a candidate whose stale gain
    still tops the heap after re-evaluation is the best. Candidates are the
    ``cfg.candidates`` best connected people (at least ``count``) among those ``allowed``
    (all by default)."""
    if count == 0:
        return []
    order = np.lexsort((tie_break, -network.degree))
    if allowed is not None:
        order = order[allowed[order]]
    shortlist = max(count, min(cfg.candidates, len(order)))
    candidates = order[:shortlist]
    sizes = np.empty((cfg.samples, shortlist))
    components = np.empty((cfg.samples, shortlist), np.int64)
    for r, labels in enumerate(live_edge_labels(network, cfg.edge_probability if cfg.edge_probability is not None else p,
                                                 cfg.samples, rng)):
        sizes[r] = np.bincount(labels)[labels[candidates]]
        # components renumbered 0..shortlist-1 per sample, so 'covered' is one small table
        components[r] = np.unique(labels[candidates], return_inverse=True)[1]
    covered = np.zeros((cfg.samples, shortlist), bool)
    rows = np.arange(cfg.samples)

    def gain(c: int) -> float:
        return float(np.mean(np.where(covered[rows, components[:, c]], 0.0, sizes[:, c])))

    heap = [(-gain(c), float(tie_break[candidates[c]]), c, 0) for c in range(shortlist)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < count:
        negative_gain, key, c, evaluated_at = heapq.heappop(heap)
        if evaluated_at == len(chosen):
            chosen.append(int(candidates[c]))
            covered[rows, components[:, c]] = True
        else:
            heapq.heappush(heap, (-gain(c), key, c, len(chosen)))
    return chosen
