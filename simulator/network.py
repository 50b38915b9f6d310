"""Graph generators and edge-list loading, producing one compressed adjacency (CSR).

Every kind of ``network`` in a scenario becomes a :class:`Network`: ``indptr`` and
``indices`` of the undirected friendship graph (each tie stored in both directions,
rows sorted, no self-loops, no duplicate ties) and ``strong``, the tie-strength label
of each stored direction (symmetric). Generators draw only from the ``network``
stream; tie labels only from the ``ties`` stream, one draw per undirected tie in
(lower id, higher id) order, so the labels of a graph do not depend on how it was
generated.

Generators are written in numpy rather than with networkx so that a million people
take seconds; each keeps the model of the networkx generator of the same name (the
tests compare degree distributions, clustering and block structure with it).
"""

from __future__ import annotations

import io
import math
import pathlib
import re
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from .config import MAX_PEOPLE
from .errors import ScenarioError

__all__ = ["Network", "from_edges", "build_network", "load_edgelist"]

#: Largest complete network (12.5 million ties, about 130 MB of arrays).
MAX_COMPLETE_PEOPLE = 5_000
MAX_COMPLETE_TIES = MAX_COMPLETE_PEOPLE * (MAX_COMPLETE_PEOPLE - 1) // 2
#: People grown one at a time (as networkx does) before the vectorised growth of
#: barabasi_albert / powerlaw_cluster takes over: at most this many people and
#: about _SEQUENTIAL_PICKS ties. Early people are where repeated picks of the same
#: hub are common.
_SEQUENTIAL_PREFIX = 2_000
_SEQUENTIAL_PICKS = 20_000
#: Edge probability above which pairs are drawn one Bernoulli at a time (dense graphs).
_DENSE_P = 0.01


# --------------------------------------------------------------------------- the graph


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected graph on people ``0..n-1`` as CSR arrays.

    ``indices[indptr[i]:indptr[i+1]]`` are the friends of ``i`` in increasing order;
    ``strong[k]`` says whether the tie stored at slot ``k`` is strong. Arrays are
    read-only.
    """

    indptr: np.ndarray   # int64, shape (n + 1,)
    indices: np.ndarray  # int32, friend ids, every tie in both directions
    strong: np.ndarray   # bool, one label per stored direction, symmetric

    def __post_init__(self):
        for name, dtype in (("indptr", np.int64), ("indices", np.int32), ("strong", np.bool_)):
            array = np.ascontiguousarray(getattr(self, name), dtype=dtype)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        if len(self.indptr) < 1 or self.indptr[0] != 0 or len(self.indices) != self.indptr[-1] or len(self.strong) != len(self.indices):
            raise ValueError("inconsistent CSR arrays: need indptr[0] == 0 and len(indices) == indptr[-1] == len(strong)")

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.indptr) - 1

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of friends of each person (int64)."""
        degree = np.diff(self.indptr)
        degree.flags.writeable = False
        return degree

    @cached_property
    def strong_share(self) -> np.ndarray:
        """Share of each person's ties that are strong (0 for people with no friends)."""
        running = np.concatenate([[0], np.cumsum(self.strong, dtype=np.int64)])
        share = (running[self.indptr[1:]] - running[self.indptr[:-1]]) / np.maximum(self.degree, 1)
        share.flags.writeable = False
        return share

    @property
    def edges(self) -> int:
        """Number of undirected ties."""
        return len(self.indices) // 2

    def to_networkx(self) -> nx.Graph:
        """The same graph as ``networkx.Graph`` with tie strength as edge attribute ``strong``."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        rows = np.repeat(np.arange(self.n, dtype=np.int64), self.degree)
        upper = rows < self.indices
        graph.add_edges_from(
            (u, v, {"strong": s})
            for u, v, s in zip(rows[upper].tolist(), self.indices[upper].tolist(), self.strong[upper].tolist())
        )
        return graph


def from_edges(n: int, u: np.ndarray, v: np.ndarray, strong: np.ndarray | None,
               rng_ties: np.random.Generator, strong_tie_share: float) -> Network:
    """The simple undirected graph on ``0..n-1`` with ties ``u[i] -- v[i]``.

    Self-loops are dropped; a tie listed more than once (in either direction) keeps
    the label of its first listing. When ``strong`` is None each undirected tie is
    strong with probability ``strong_tie_share``, drawn from ``rng_ties`` in
    (lower id, higher id) order.
    """
    return _from_edge_list(n, [u, v], strong, rng_ties, strong_tie_share)


def _from_edge_list(n: int, ends: list, strong: np.ndarray | None, rng_ties: np.random.Generator,
                    strong_tie_share: float) -> Network:
    """from_edges, taking the end arrays in a list it empties, so that a caller who
    passes its only references lets them be freed as soon as the tie keys exist (at a
    million ties every int64 array is 8 MB, and the peak is what limits scale)."""
    n = int(n)
    v = np.asarray(ends.pop(), dtype=np.int64).ravel()
    u = np.asarray(ends.pop(), dtype=np.int64).ravel()
    if u.shape != v.shape:
        raise ValueError(f"u and v differ in length ({len(u)} and {len(v)})")
    if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise ValueError(f"edge endpoints must be in 0..{n - 1}")
    keep = u != v
    # in-place arithmetic throughout: at a million ties every int64 temporary is 8 MB
    key = np.minimum(u, v)
    hi = np.maximum(u, v)
    if not keep.all():
        key, hi = key[keep], hi[keep]
    key *= n
    key += hi
    del hi, u, v
    if strong is None:
        key.sort()
        first = first_of_runs(key)
        if not first.all():
            key = key[first]
        labels = rng_ties.random(len(key)) < strong_tie_share
        keys = [key]
        del key
        return _from_sorted_keys(n, keys, labels)
    else:
        strong = np.asarray(strong, dtype=bool).ravel()
        if strong.shape != keep.shape:
            raise ValueError(f"strong has {len(strong)} labels for {len(keep)} edges")
        strong = strong[keep]
        count = len(key)
        if count and int(key.max()) < np.iinfo(np.int64).max // count:
            # sort (tie, listing) pairs packed in one integer: much faster than a stable argsort
            packed = np.sort(key * count + np.arange(count, dtype=np.int64))
            order = packed % count
            key = packed // count
        else:
            order = np.argsort(key, kind="stable")
            key = key[order]
        first = first_of_runs(key)
        key = key[first]
        labels = strong[order[first]]
    keys = [key]
    del key
    return _from_sorted_keys(n, keys, labels)


def first_of_runs(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values (np.unique is slow in numpy 2.4)."""
    first = np.ones(len(sorted_values), dtype=bool)
    first[1:] = sorted_values[1:] != sorted_values[:-1]
    return first


def _from_sorted_keys(n: int, keys: list, labels: np.ndarray) -> Network:
    """CSR of the ties ``key = lo * n + hi`` (lo < hi, strictly increasing keys), the
    key array passed alone in a list that is emptied (see _from_edge_list).

    Row ``x`` holds first its lower friends (the ties sorted by (hi, lo), found by one
    sort of keys that carry the label in their last bit) and then its higher ones (the
    ties in key order), so every row comes out sorted.
    """
    key = keys.pop()
    m = len(key)
    lo = key // n
    key %= n
    hi = key
    del key
    up_count = np.bincount(lo, minlength=n)
    down_count = np.bincount(hi, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(up_count + down_count, out=indptr[1:])
    indices = np.empty(2 * m, dtype=np.int32)
    strong = np.empty(2 * m, dtype=bool)

    # higher friends: slot = rank among the ties + (row start + lower friends - ties before the row)
    up_before = np.cumsum(up_count) - up_count
    pos = np.repeat(indptr[:-1] + down_count - up_before, up_count)
    pos += np.arange(m, dtype=np.int64)
    indices[pos] = hi
    strong[pos] = labels
    del pos
    # lower friends: the same ties seen from the higher end, (hi * n + lo) << 1 | label
    reverse = hi
    del hi
    reverse *= n
    reverse += lo
    del lo
    reverse <<= 1
    reverse |= labels
    reverse.sort()
    down_before = np.cumsum(down_count) - down_count
    pos = np.repeat(indptr[:-1] - down_before, down_count)
    pos += np.arange(m, dtype=np.int64)
    strong[pos] = (reverse & 1).astype(bool)
    reverse >>= 1
    reverse %= n
    indices[pos] = reverse
    return Network(indptr, indices, strong)


# --------------------------------------------------------------------------- dispatch


def build_network(cfg, size: int, rng: np.random.Generator, rng_ties: np.random.Generator,
                  base_dir: pathlib.Path | None = None, source: str | None = None) -> Network:
    """The network a scenario's ``network`` block describes.

    ``size`` is the population size (ignored for edge lists, whose file sets it);
    ``rng`` draws the structure and ``rng_ties`` the strong/weak labels; ``base_dir``
    resolves a relative edge-list path (the scenario file's folder) and ``source``
    names the scenario file in error messages.
    """
    kind = cfg.kind
    share = cfg.strong_tie_share
    if kind == "edgelist":
        path = pathlib.Path(cfg.path).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = pathlib.Path(base_dir) / path
        if not path.is_file():
            where = f" (relative paths are read from {base_dir})" if base_dir is not None and not pathlib.Path(cfg.path).is_absolute() else ""
            raise ScenarioError(f"edge-list file {str(path)!r} does not exist{where}; give the path of a file of 'u v [weight]' lines",
                                file=source or str(path), key="network.path")
        n, u, v, strong = load_edgelist(path, source=source)
        return from_edges(n, u, v, strong, rng_ties, share)

    n = int(size)
    if kind == "complete":
        return _complete(n, rng_ties, share, source)
    generators = {
        "erdos_renyi": _erdos_renyi,
        "configuration": _configuration,
        "barabasi_albert": _barabasi_albert,
        "powerlaw_cluster": _powerlaw_cluster,
        "watts_strogatz": _watts_strogatz,
        "stochastic_block": _stochastic_block,
    }
    if kind not in generators:
        raise ScenarioError(f"unknown network kind {kind!r}; valid: {', '.join(sorted([*generators, 'complete', 'edgelist']))}",
                            file=source, key="network.kind")
    return _from_edge_list(n, list(generators[kind](cfg, n, rng, source)), None, rng_ties, share)


def _impossible(message: str, source: str | None, key: str = "network.mean_degree") -> ScenarioError:
    return ScenarioError(message, file=source, key=key)


def _too_many_friends(mean_degree: float, n: int) -> str:
    if n < 2:
        return f"a network of {n} person has no possible ties; valid: population.size >= 2 for mean_degree {mean_degree:g}"
    return f"mean_degree {mean_degree:g} is impossible for {n} people; valid: 0 < mean_degree <= {n - 1}"


# --------------------------------------------------------------------------- sampling helpers


def _bernoulli_subset(rng: np.random.Generator, total: int, p: float) -> np.ndarray:
    """Indices in ``0..total-1``, each kept independently with probability ``p`` (int64).

    Sparse: the count is Binomial(total, p) and the indices a uniform subset of that
    size (Floyd's algorithm inside ``Generator.choice``), which is the same law.
    Dense: one uniform draw per index, in chunks.
    """
    if total <= 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(total, dtype=np.int64)
    if p <= _DENSE_P:
        count = int(rng.binomial(total, p))
        return rng.choice(total, size=count, replace=False, shuffle=False).astype(np.int64, copy=False)
    chunk = 1 << 22
    parts = []
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        parts.append(np.flatnonzero(rng.random(stop - start) < p) + start)
    return np.concatenate(parts).astype(np.int64, copy=False)


def _pair_from_index(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair ``(i, j)``, ``j < i``, numbered ``k = i (i - 1) / 2 + j`` (lower triangle, row by row)."""
    i = np.floor((1.0 + np.sqrt(1.0 + 8.0 * k.astype(np.float64))) / 2.0).astype(np.int64)
    # float rounding can be off by one for very large k
    i -= (i * (i - 1) // 2) > k
    i += ((i + 1) * i // 2) <= k
    return i, k - i * (i - 1) // 2


# --------------------------------------------------------------------------- kinds


def _erdos_renyi(cfg, n: int, rng: np.random.Generator, source):
    """G(n, p) with p = mean_degree / (n - 1): every pair is a tie independently with p."""
    if n < 2 or cfg.mean_degree > n - 1:
        raise _impossible(_too_many_friends(cfg.mean_degree, n), source)
    p = cfg.mean_degree / (n - 1)
    i, j = _pair_from_index(_bernoulli_subset(rng, n * (n - 1) // 2, p))
    return i, j


def _complete(n: int, rng_ties: np.random.Generator, share: float, source) -> Network:
    """Everyone is friends with everyone (CSR written directly; labels drawn as from_edges draws them)."""
    ties = n * (n - 1) // 2
    if ties > MAX_COMPLETE_TIES:
        raise ScenarioError(f"a complete network of {n:,} people has {ties:,} ties; valid: population.size <= {MAX_COMPLETE_PEOPLE:,} for kind complete",
                            file=source, key="population.size")
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    off_diagonal = ~np.eye(n, dtype=bool)
    indices = np.broadcast_to(np.arange(n, dtype=np.int32), (n, n))[off_diagonal]  # row-major: rows sorted
    labels = np.zeros((n, n), dtype=bool)
    labels[np.triu_indices(n, 1)] = rng_ties.random(ties) < share  # row-major upper triangle = (lo, hi) order
    labels |= labels.T
    return Network(indptr, indices, labels[off_diagonal])


def _configuration(cfg, n: int, rng: np.random.Generator, source):
    """Erased configuration model: stubs matched uniformly, self-loops and repeated ties removed.

    Degree sequence: the explicit ``degrees`` or one draw per person from the family,
    each with mean ``mean_degree``:

    - poisson: Poisson(mean_degree);
    - geometric: P(k) = q (1 - q)^k, k >= 0, q = 1 / (1 + mean_degree);
    - powerlaw: a shifted discrete power law P(k) proportional to (k + s)^(-exponent) on
      k = 1..k_max (from k = 0 when mean_degree <= 1), truncated at the structural cutoff
      k_max = sqrt(n * mean_degree) (the uncorrelated configuration model of Catanzaro,
      Boguñá & Pastor-Satorras 2005, so that erasing repeated ties loses few), with the
      shift s found by bisection so that the mean is exactly mean_degree; the tail
      keeps the exponent.

    An odd total gets one more stub on a random person. Removing self-loops and
    repeated ties lowers the realised mean a little for heavy tails.
    """
    if cfg.degrees is not None:
        degrees = np.asarray(cfg.degrees, dtype=np.int64)
        if len(degrees) != n:
            raise _impossible(f"network.degrees has {len(degrees)} entries for {n} people; valid: one per person", source, "network.degrees")
        if len(degrees) and degrees.max() > n - 1:
            raise _impossible(f"network.degrees has a degree of {degrees.max()} among {n} people; valid: 0..{n - 1}", source, "network.degrees")
    else:
        mean = float(cfg.mean_degree)
        if n < 2 or mean > n - 1:
            raise _impossible(_too_many_friends(mean, n), source)
        family = cfg.degree_distribution
        if family == "poisson":
            degrees = rng.poisson(mean, n)
        elif family == "geometric":
            degrees = rng.geometric(1.0 / (1.0 + mean), n) - 1
        else:
            support, pmf = _powerlaw_pmf(mean, float(cfg.exponent), n, source)
            degrees = support[np.searchsorted(np.cumsum(pmf), rng.random(n) * pmf.sum(), side="right").clip(0, len(pmf) - 1)]
        degrees = degrees.astype(np.int64)
    if n and degrees.sum() % 2:
        degrees[rng.integers(n)] += 1
    stubs = np.repeat(np.arange(n, dtype=np.int32), degrees)
    rng.shuffle(stubs)
    return stubs[0::2], stubs[1::2]


def _powerlaw_pmf(mean: float, exponent: float, n: int, source) -> tuple[np.ndarray, np.ndarray]:
    """Support and probabilities of P(k) ~ (k + s)^(-exponent) with the given mean (see _configuration)."""
    first = 1 if mean > 1.0 else 0
    cutoff = min(n - 1, max(int(math.sqrt(n * mean)), math.ceil(2 * mean)))
    support = np.arange(first, cutoff + 1, dtype=np.int64)
    k = support.astype(np.float64)

    def pmf(shift: float) -> np.ndarray:
        logw = -exponent * np.log(k + shift)
        w = np.exp(logw - logw.max())
        return w / w.sum()

    def mean_of(shift: float) -> float:
        return float(pmf(shift) @ k)

    low = -float(first) + 1e-12  # mean -> first as the shift -> -first
    high = 1.0
    while mean_of(high) < mean:
        high *= 2.0
        if high > 1e15:
            raise _impossible(f"a power-law degree sequence on {n} people cannot have mean {mean:g}; valid: mean_degree < {mean_of(high):.4g}", source)
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mean_of(mid) < mean:
            low = mid
        else:
            high = mid
        if high - low <= 1e-10 * max(1.0, abs(high)):
            break
    return support, pmf(0.5 * (low + high))


def _half_degree(cfg, n: int, source) -> int:
    """Ties each newcomer adds: mean_degree / 2 rounded half up."""
    m = int(math.floor(cfg.mean_degree / 2.0 + 0.5))
    if m >= n:
        raise _impossible(
            f"mean_degree {cfg.mean_degree:g} means {m} ties per newcomer, impossible for {n} people; "
            f"valid: 2 <= mean_degree < {2 * n - 1}", source)
    return max(m, 1)


def _barabasi_albert(cfg, n: int, rng: np.random.Generator, source):
    """Barabási–Albert preferential attachment, as networkx ``barabasi_albert_graph``.

    Start from a star of m + 1 people; each newcomer ties to m distinct earlier people,
    each chosen with probability proportional to their degree (m = mean_degree / 2).
    """
    m = _half_degree(cfg, n, source)
    initial = np.concatenate([np.zeros(m, dtype=np.int64), np.arange(1, m + 1, dtype=np.int64)])
    return _grow(n, m, 0.0, initial, m + 1, rng, star=True)


def _powerlaw_cluster(cfg, n: int, rng: np.random.Generator, source):
    """Holme–Kim growth, as networkx ``powerlaw_cluster_graph``.

    m people without ties to start; each newcomer adds m distinct ties. The first goes
    to a person chosen in proportion to degree; after it, each further tie closes a
    triangle with probability ``clustering`` (a random friend, not yet tied to the
    newcomer, of the last person chosen by degree) and otherwise goes to another person
    chosen by degree. networkx keeps its degree picks in a ``set`` and uses them in hash
    order, which favours small ids (the oldest people, the hubs): at m >= 5 its largest
    hubs come out about 30% bigger than the model gives. We use the picks in random
    order, as Holme & Kim (2002) describe; the tests compare with networkx's loop with
    that one change, and loosely with networkx itself.
    """
    m = _half_degree(cfg, n, source)
    initial = np.arange(m, dtype=np.int64)
    return _grow(n, m, float(cfg.clustering), initial, m, rng, star=False)


def _grow(n: int, m: int, triad: float, initial: np.ndarray, first: int, rng: np.random.Generator, *, star: bool):
    """Preferential attachment with optional triad formation (BA when triad == 0).

    The list of "slots" is networkx's ``repeated_nodes``: ``initial`` (the people the
    growth starts from, once per tie), then per newcomer v a block of 2m slots, m
    holding v's friends and m holding v. A uniform earlier slot is a person chosen
    with probability proportional to degree, and the other end of that slot's tie
    (its partner: friend slot i <-> newcomer slot i of the same block) is a uniform
    random friend of that person, which gives the Holme–Kim triad step without
    adjacency lists.

    The first few thousand people grow one by one, as in networkx (repeated picks of
    the same hub are common there); the rest is vectorised (see _grow_vectorised).
    """
    prefix_stop = min(n, first + max(20, min(_SEQUENTIAL_PREFIX, _SEQUENTIAL_PICKS // m)))
    slots = _grow_sequential(m, triad, initial, first, prefix_stop, rng)
    edges_u = [np.zeros(m, dtype=np.int64)] if star else []
    edges_v = [np.arange(1, m + 1, dtype=np.int64)] if star else []
    count = prefix_stop - first
    if count > 0:
        block = slots[len(initial):].reshape(count, 2 * m)
        edges_u.append(np.repeat(np.arange(first, prefix_stop, dtype=np.int64), m))
        edges_v.append(block[:, :m].ravel())
    if n > prefix_stop:
        targets = _grow_vectorised(m, triad, slots, len(initial), prefix_stop, n, rng)
        edges_u.append(np.repeat(np.arange(prefix_stop, n, dtype=np.int64), m))
        edges_v.append(targets.ravel())
    if not edges_u:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(edges_u), np.concatenate(edges_v)


def _grow_sequential(m, triad, initial, first, stop, rng) -> np.ndarray:
    """networkx's loop for newcomers first..stop-1, returning the slots.

    Degree picks avoid people already chosen by this newcomer (networkx draws its m
    picks as a set up front); a triad pick is a uniform friend, not yet chosen, of the
    last person picked by degree, or a degree pick when there is none.
    """
    slots = initial.tolist()
    friends_of: dict[int, list[int]] = {}
    for v in range(first, stop):
        size = len(slots)
        chosen: list[int] = []
        taken: set[int] = set()
        last = -1
        for i in range(m):
            target = -1
            if i > 0 and triad > 0.0 and rng.random() < triad:
                friends = friends_of.get(last, ())
                for _ in range(8):  # a uniform friend not yet taken: try a few, then list them
                    if not friends:
                        break
                    pick = friends[int(rng.integers(len(friends)))]
                    if pick not in taken:
                        target = pick
                        break
                else:
                    free = [f for f in friends if f not in taken]
                    if free:
                        target = free[int(rng.integers(len(free)))]
            if target < 0:
                target = slots[int(rng.integers(size))]
                while target in taken:
                    target = slots[int(rng.integers(size))]
                last = target
            chosen.append(target)
            taken.add(target)
        for target in chosen:
            friends_of.setdefault(target, []).append(v)
        friends_of[v] = chosen
        slots.extend(chosen)
        slots.extend([v] * m)
    return np.asarray(slots, dtype=np.int64)


def _grow_vectorised(m, triad, prefix_slots, base, start, n, rng):
    """Friends of newcomers start..n-1, an array of shape (n - start, m); see _grow.

    Every pick is a pointer to an earlier slot: a degree pick to a uniform earlier slot
    ``r``; a triad pick to the partner of a slot of the person last picked by degree
    (for the first triad after that pick, the partner of ``r`` itself; for later ones,
    of another slot of that person, drawn from an index of slots by person). Following
    the pointers back to slots of known people gives everyone's friends. Picks that
    repeat a friend of the same newcomer (or triads without a free friend) are drawn
    again and the graph resolved again, until every newcomer has m distinct friends.
    """
    count = n - start
    prefix_len = len(prefix_slots)
    two_m = 2 * m
    shape = (count, m)
    # 32-bit slot numbers and people where they fit: half the memory traffic, faster division
    slot_type = np.int32 if prefix_len + two_m * count < 2**31 else np.int64
    prefix_slots = prefix_slots.astype(np.int32)
    block_start = (prefix_len + two_m * np.arange(count, dtype=np.int64)).astype(slot_type)  # first slot of each newcomer
    bound = np.repeat(block_start, m).reshape(shape)  # a pick may point at slots 0..bound-1
    del block_start

    r = (rng.random(shape) * bound).astype(slot_type)
    is_triad = np.zeros(shape, dtype=bool)
    if triad > 0.0 and m > 1:
        is_triad[:, 1:] = rng.random((count, m - 1)) < triad
    column = np.arange(m)
    last_pick = np.maximum.accumulate(np.where(is_triad, 0, column), axis=1)
    row_of = np.arange(count)[:, None]
    fresh = is_triad & (last_pick == column - 1)  # first triad after a degree pick: partner of its r
    own_slot = np.full(shape, -1, dtype=slot_type)  # the slot later triads take their friend from

    def partner(slot):
        """The slot at the other end of each slot's tie; -1 for starting slots (no tie)."""
        out = np.full(len(slot), -1, dtype=slot_type)
        tied = slot >= base
        offset = slot[tied] - base
        within = offset % two_m
        block = slot[tied] - within
        out[tied] = np.where(within < m, block + m + within, block + within - m)
        return out

    def person_in(slot, targets):
        """The person in each slot, given every newcomer's friends ``targets``."""
        out = np.empty(len(slot), dtype=np.int32)
        early = slot < prefix_len
        out[early] = prefix_slots[slot[early]]
        offset = slot[~early] - prefix_len
        row = offset // two_m
        within = offset - row * two_m
        out[~early] = np.where(within >= m, start + row, targets.ravel()[row * m + np.minimum(within, m - 1)])
        return out

    targets = previous = None  # previous: the pointers of the last pass
    for _ in range(_MAX_ROUNDS):
        pointer = r.copy()
        lost = np.zeros(shape, dtype=bool)
        if is_triad.any():
            slot = np.where(fresh, r[row_of, last_pick], own_slot)[is_triad]
            friend = np.full(len(slot), -1, dtype=slot_type)
            friend[slot >= 0] = partner(slot[slot >= 0])
            lost[is_triad] = friend < 0
            pointer[is_triad & ~lost] = friend[friend >= 0]
        pointer = pointer.ravel()
        if targets is None:
            targets = _resolve(pointer, np.arange(len(pointer), dtype=slot_type), prefix_slots, start, m).reshape(shape)
            bad = _repeated(targets)
        else:
            # only picks whose pointer moved, and the picks that copied them, change
            changed = np.flatnonzero(pointer != previous).astype(slot_type)
            flat = targets.ravel()
            flat[changed] = _resolve(pointer, changed, prefix_slots, start, m)
            updated = _copy_to_descendants(flat, changed, pointer, prefix_len, m)
            touched = np.zeros(count, dtype=bool)
            touched[updated // m] = True
            rows = np.flatnonzero(touched)
            bad = np.zeros(shape, dtype=bool)
            bad[rows] = _repeated(targets[rows])
        bad |= lost
        if not bad.any():
            return targets
        previous = pointer

        moved = bad & ~is_triad
        rows, cols = np.nonzero(moved)
        if len(rows):
            r[rows, cols] = _draw_by_degree(rows, cols, bound, targets, person_in, rng)
            bad |= is_triad & ~fresh & moved[row_of, last_pick]  # their person changed
        rows, cols = np.nonzero(bad & is_triad)
        if len(rows):
            person = targets[rows, last_pick[rows, cols]]
            slot, friend = _draw_friend(person, bound[rows, cols], rows, targets, prefix_len, two_m, start,
                                        prefix_slots, partner, person_in, rng)
            ok = friend >= 0
            own_slot[rows[ok], cols[ok]] = slot[ok]
            fresh[rows[ok], cols[ok]] = False
            targets[rows[ok], cols[ok]] = friend[ok]
            # no free friend: a degree pick instead, as networkx does
            rows, cols = rows[~ok], cols[~ok]
            if len(rows):
                is_triad[rows, cols] = False
                fresh[rows, cols] = False
                r[rows, cols] = _draw_by_degree(rows, cols, bound, targets, person_in, rng)
    return targets  # pragma: no cover - any repeated pick left is dropped by from_edges


#: Rounds of drawing repeated picks again before giving up (three or four suffice).
_MAX_ROUNDS = 100
#: Draws per round for one repeated pick before the next round.
_RETRIES = 16


def _draw_by_degree(rows, cols, bound, targets, person_in, rng):
    """New degree picks (slots) for ``(rows, cols)``, avoiding people the newcomer already has.

    Updates ``targets`` with the people picked; returns the slots.
    """
    slots = np.empty(len(rows), dtype=bound.dtype)
    todo = np.arange(len(rows))
    has = _friend_test(targets, rows)
    for attempt in range(_RETRIES):
        candidate = (rng.random(len(todo)) * bound[rows[todo], cols[todo]]).astype(bound.dtype)
        person = person_in(candidate, targets)
        free = ~has(rows[todo], person) | (attempt == _RETRIES - 1)
        slots[todo[free]] = candidate[free]
        targets[rows[todo[free]], cols[todo[free]]] = person[free]
        todo = todo[~free]
        if not len(todo):
            break
    return slots


def _draw_friend(person, bound, rows, targets, prefix_len, two_m, start, prefix_slots, partner, person_in, rng):
    """For each triad: a uniform slot of ``person`` before ``bound`` whose partner is not yet
    a friend of the newcomer. Returns (slot, friend); friend is -1 where none was found."""
    count, m = targets.shape
    # every slot's person, and the slots of the people asked about, sorted by (person, slot)
    everyone = np.empty(prefix_len + two_m * count, dtype=np.int32)
    everyone[:prefix_len] = prefix_slots
    blocks = everyone[prefix_len:].reshape(count, two_m)
    blocks[:, :m] = targets
    blocks[:, m:] = np.arange(start, start + count, dtype=np.int32)[:, None]
    wanted = np.zeros(start + count, dtype=bool)
    wanted[person] = True
    slots = np.flatnonzero(wanted[everyone])
    total = len(everyone)
    index = np.sort(everyone[slots].astype(np.int64) * total + slots)
    del everyone, blocks, slots

    person = person.astype(np.int64)
    low = np.searchsorted(index, person * total)
    available = np.searchsorted(index, person * total + bound) - low
    slot = np.full(len(person), -1, dtype=np.int64)
    friend = np.full(len(person), -1, dtype=np.int64)
    todo = np.flatnonzero(available > 0)
    has = _friend_test(targets, rows)
    for _ in range(_RETRIES):
        if not len(todo):
            break
        pick = low[todo] + (rng.random(len(todo)) * available[todo]).astype(np.int64)
        candidate = (index[pick] % total).astype(bound.dtype)
        other_end = partner(candidate)
        value = np.where(other_end >= 0, person_in(np.maximum(other_end, 0), targets), -1)
        free = (value >= 0) & ~has(rows[todo], value)
        slot[todo[free]] = candidate[free]
        friend[todo[free]] = value[free]
        todo = todo[~free]
    return slot, friend


def _friend_test(targets, rows):
    """A function ``has(rows, people)``: whether each newcomer already picked that person.

    Compares with the row directly for small m; for large m looks the pairs up in a
    sorted table of (row, person) built once from the rows in question.
    """
    count, m = targets.shape
    if m <= 16:
        return lambda at, person: (targets[at] == person[:, None]).any(axis=1)
    people = np.int64(2**31)  # people are int32
    asked = np.flatnonzero(np.bincount(rows, minlength=count))
    table = np.sort((asked[:, None].astype(np.int64) * people + targets[asked]).ravel())

    def has(at, person):
        key = at.astype(np.int64) * people + person
        where = np.minimum(np.searchsorted(table, key), len(table) - 1)
        return table[where] == key

    return has


def _resolve(pointer, picks, prefix_slots, start, m):
    """The person each of ``picks`` points at, following pointers back to known slots.

    A pointer into the prefix or at a newcomer slot is known; a pointer at a friend
    slot of a later block continues with that pick's own pointer. Pointers go
    strictly backwards, so every chain ends (after two steps on average).
    """
    prefix_len = len(prefix_slots)
    two_m = 2 * m
    result = np.empty(len(picks), dtype=prefix_slots.dtype)
    todo = np.arange(len(picks), dtype=picks.dtype)
    at = pointer[picks]
    while len(todo):
        offset = at - prefix_len
        row = offset // two_m  # (divmod is several times slower)
        within = offset - row * two_m
        early = offset < 0
        result[todo[early]] = prefix_slots[at[early]]
        newcomer = ~early & (within >= m)
        result[todo[newcomer]] = start + row[newcomer]
        follow = ~(early | newcomer)
        todo = todo[follow]
        at = pointer[row[follow] * m + within[follow]]
    return result


def _copy_to_descendants(values, changed, pointer, prefix_len, m):
    """Give every pick that copies (directly or down a chain) a changed pick its new person.

    A pick whose pointer is a friend slot of pick q holds q's person: q is its parent.
    Walks the tree of parents from ``changed`` outwards, level by level; returns the
    picks updated, ``changed`` included.
    """
    two_m = 2 * m
    offset = pointer - prefix_len
    row = offset // two_m
    within = offset - row * two_m
    has_parent = (offset >= 0) & (within < m)
    children = np.flatnonzero(has_parent)
    parents = (row * m + within)[has_parent].astype(np.int64)
    del offset, row, within, has_parent
    picks = len(pointer)
    by_parent = np.sort(parents * picks + children)
    first_child = np.zeros(picks + 1, dtype=np.int64)
    np.cumsum(np.bincount(parents, minlength=picks), out=first_child[1:])
    children = by_parent % picks
    del by_parent, parents
    updated = [changed.astype(np.int64)]
    frontier = updated[0]
    while len(frontier):
        low = first_child[frontier]
        count = first_child[frontier + 1] - low
        if not count.any():
            break
        # expand each frontier pick's range of children
        start = np.repeat(low - np.cumsum(count) + count, count)
        kids = children[start + np.arange(int(count.sum()))]
        values[kids] = values[np.repeat(frontier, count)]
        updated.append(kids)
        frontier = kids
    return np.concatenate(updated)


def _repeated(targets: np.ndarray) -> np.ndarray:
    """Mask of picks equal to an earlier pick of the same newcomer (the first one stays)."""
    count, m = targets.shape
    if m <= 16:
        repeated = np.zeros(targets.shape, dtype=bool)
        for i in range(1, m):
            repeated[:, i] = (targets[:, i:i + 1] == targets[:, :i]).any(axis=1)
        return repeated
    order = np.argsort(targets, axis=1, kind="stable")
    ranked = np.take_along_axis(targets, order, axis=1)
    same = np.zeros(targets.shape, dtype=bool)
    same[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    repeated = np.zeros(targets.shape, dtype=bool)
    np.put_along_axis(repeated, order, same, axis=1)
    return repeated


def _watts_strogatz(cfg, n: int, rng: np.random.Generator, source):
    """Watts–Strogatz small world, as networkx ``watts_strogatz_graph``.

    Ring lattice: everyone tied to the mean_degree / 2 nearest people on each side
    (mean_degree must be even; networkx would silently use mean_degree - 1); then
    each lattice tie (u, u + j) is, with probability ``rewire``, moved to (u, w) with
    w uniform, redrawn while it would be a self-loop or an existing tie. All ties are
    drawn at once and the few clashes drawn again, so a clash is judged against the
    final graph rather than networkx's graph-so-far; the degree distribution and
    clustering agree with networkx (tests).
    """
    k = int(cfg.mean_degree)
    if k >= n:
        raise _impossible(f"mean_degree {k} is impossible for {n} people; valid: an even mean_degree from 2 to {n - 1}", source)
    if k % 2:
        raise _impossible(f"mean_degree {k} is odd; valid: an even mean_degree ({k - 1} or {k + 1}), half of it on each side of the ring", source)
    half = k // 2
    u = np.tile(np.arange(n, dtype=np.int64), half)
    step = np.repeat(np.arange(1, half + 1, dtype=np.int64), n)
    v = (u + step) % n
    moved = np.flatnonzero(rng.random(len(u)) < cfg.rewire)
    if len(moved) == 0:
        return u, v
    lattice_kept = np.ones(len(u), dtype=bool)
    lattice_kept[moved] = False
    mu = u[moved]
    w = rng.integers(0, n, len(moved))
    for _ in range(200):
        # as networkx: no self-loop, no tie that exists (the tie being moved included)
        bad = (w == mu) | (w == v[moved]) | _lattice_tie_kept(mu, w, n, half, lattice_kept)
        key = np.minimum(mu, w) * n + np.maximum(mu, w)
        order = np.argsort(key, kind="stable")
        again = np.zeros(len(key), dtype=bool)
        again[order[1:]] = key[order[1:]] == key[order[:-1]]
        bad |= again
        if not bad.any():
            break
        w[bad] = rng.integers(0, n, int(bad.sum()))
    else:  # a person tied to nearly everyone: keep the lattice tie (networkx skips such rewirings)
        w[bad] = v[moved][bad]
    v = v.copy()
    v[moved] = w
    return u, v


def _lattice_tie_kept(u, w, n, half, lattice_kept):
    """Whether tie (u, w) is a lattice tie that was not rewired."""
    ahead = (w - u) % n
    behind = (u - w) % n
    result = np.zeros(len(u), dtype=bool)
    a = (ahead >= 1) & (ahead <= half)
    result[a] = lattice_kept[(ahead[a] - 1) * n + u[a]]
    b = (behind >= 1) & (behind <= half)
    result[b] |= lattice_kept[(behind[b] - 1) * n + w[b]]
    return result


def _stochastic_block(cfg, n: int, rng: np.random.Generator, source):
    """Stochastic block model: blocks of round(share * n) people (largest remainders).

    Inside block b each pair is tied with p_b = within_share * mean_degree / (size_b - 1),
    so everyone expects within_share * mean_degree friends in their own block; between
    blocks every pair is tied with one probability p_out = (1 - within_share) *
    mean_degree * n / (2 * pairs between blocks), so the mean degree is mean_degree and
    the share of ties inside blocks is within_share. (With unequal blocks, people in
    small blocks have a few more ties outside.) One block: G(n, mean_degree / (n - 1)).
    """
    shares = np.asarray(cfg.block_shares, dtype=np.float64)
    exact = shares / shares.sum() * n
    sizes = np.floor(exact).astype(np.int64)
    short = n - sizes.sum()
    if short:
        sizes[np.argsort(-(exact - sizes), kind="stable")[:short]] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    d = float(cfg.mean_degree)
    occupied = sizes[sizes > 0]
    within = float(cfg.within_share) if len(occupied) > 1 else 1.0
    between_pairs = (n * n - int((sizes * sizes).sum())) // 2
    p_out = (1.0 - within) * d * n / (2.0 * between_pairs) if between_pairs else 0.0
    p_in = np.where(sizes > 1, within * d / np.maximum(sizes - 1, 1), 0.0)
    if within * d > 0 and np.any((sizes == 1)):
        raise _impossible("a block of 1 person cannot have friends inside it; valid: more people or within_share 0", source, "network.block_shares")
    if p_out > 1.0 or p_in.max(initial=0.0) > 1.0:
        smallest = int(occupied.min()) if len(occupied) else 0
        limit = min((smallest - 1) / within if within > 0 else math.inf,
                    2.0 * between_pairs / ((1.0 - within) * n) if within < 1 else math.inf)
        raise _impossible(f"mean_degree {d:g} is impossible for blocks of {', '.join(map(str, sizes.tolist()))} people "
                          f"with within_share {within:g}; valid: mean_degree <= {limit:.6g}", source)
    us, vs = [], []
    for size, start, p in zip(sizes.tolist(), starts.tolist(), p_in.tolist()):
        if size > 1 and p > 0:
            i, j = _pair_from_index(_bernoulli_subset(rng, size * (size - 1) // 2, p))
            us.append(i + start)
            vs.append(j + start)
    if p_out > 0:
        a, b = np.triu_indices(len(sizes), 1)
        pair_sizes = sizes[a] * sizes[b]
        ends = np.cumsum(pair_sizes)
        picks = _bernoulli_subset(rng, int(ends[-1]), p_out)
        which = np.searchsorted(ends, picks, side="right")
        offset = picks - (ends[which] - pair_sizes[which])
        us.append(starts[a[which]] + offset // sizes[b[which]])
        vs.append(starts[b[which]] + offset % sizes[b[which]])
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


# --------------------------------------------------------------------------- edge lists

_NODES_HEADER = re.compile(r"^[ \t]*#[ \t]*nodes[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
_EDGE_LIST_FORMAT = "each line is 'u v' or 'u v weight' with integer ids >= 0 and a number weight; '#' starts a comment"


def load_edgelist(path: pathlib.Path, source: str | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """Read an edge list: returns ``(n, u, v, strong)``; ``strong`` is None without weights.

    Lines are ``u v [weight]``; ``#`` starts a comment; blank lines are skipped. Ids
    are ``0..n-1`` with ``n = max id + 1``, unless a comment line ``# nodes: N`` sets
    ``n`` (then an id >= N is an error). A weight >= 0.5 marks a strong tie. Either
    every line has a weight or none does.
    """
    path = pathlib.Path(path)
    file = str(path)
    if not path.is_file():
        raise ScenarioError(f"edge-list file {file!r} does not exist; give the path of a file of 'u v [weight]' lines",
                            file=source or file, key="network.path")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"cannot read the edge list ({error}); {_EDGE_LIST_FORMAT}", file=file, key="network.path") from None

    nodes = None
    header = _NODES_HEADER.search(text)
    if header:
        line_no = text.count("\n", 0, header.start()) + 1
        try:
            nodes = int(header.group(1))
        except ValueError:
            nodes = -1
        if not 1 <= nodes <= MAX_PEOPLE:
            raise ScenarioError(f"'# nodes:' must be a whole number of people in 1..{MAX_PEOPLE:,} (got {header.group(1)!r})",
                                file=file, key=f"line {line_no}")

    parsed = _parse_fast(text)
    if parsed is None:
        parsed = _parse_lines(text, file, nodes)
    u, v, weight = parsed
    if len(u) == 0:
        if nodes is None:
            raise ScenarioError(f"the edge list has no ties; {_EDGE_LIST_FORMAT}", file=file, key="network.path")
        return nodes, u, v, None
    low = min(int(u.min()), int(v.min()))
    high = max(int(u.max()), int(v.max()))
    if low < 0 or (nodes is not None and high >= nodes) or high >= MAX_PEOPLE:
        _parse_lines(text, file, nodes)  # raises with the line number
        raise ScenarioError(f"ids must be in 0..{(nodes or MAX_PEOPLE) - 1}", file=file, key="network.path")  # pragma: no cover
    n = nodes if nodes is not None else high + 1
    strong = None if weight is None else weight >= 0.5
    return n, u, v, strong


_ID_NOT_WHOLE = re.compile(r"^[ \t]*(?:[^#\s]*[^\d\s#]|[^#\s]+[ \t]+[^#\s]*[^\d\s#])", re.M)


def _parse_fast(text: str):
    """u, v, weight-or-None with pandas' C parser, or None when any line needs a closer look."""
    import pandas as pd

    # pandas reads '1e2' or '1.0' as the id 100 or 1: ids with anything but digits go to the strict
    # parser (the substring tests spare most unweighted files the slower line scan)
    if ("." in text or "e" in text or "E" in text or "x" in text or "_" in text) and _ID_NOT_WHOLE.search(text):
        return None
    try:
        table = pd.read_csv(io.StringIO(text), sep=r"\s+", comment="#", header=None, names=["u", "v", "w"],
                            skip_blank_lines=True, engine="c", dtype={"u": "int64", "v": "int64", "w": "float64"})
    except Exception:  # unreadable somewhere: the line-by-line parser says where
        return None
    u = table["u"].to_numpy(np.int64)
    v = table["v"].to_numpy(np.int64)
    w = table["w"].to_numpy(np.float64)
    missing = np.isnan(w)
    if missing.all():
        return u, v, None
    if missing.any() or not np.isfinite(w).all():
        return None
    return u, v, w


def _parse_lines(text: str, file: str, nodes: int | None):
    """The slow parser: reads line by line and raises at the first bad line."""
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    weighted = None
    first_line = 0
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()

        def bad(message):
            return ScenarioError(message, file=file, key=f"line {line_no}")

        if len(parts) not in (2, 3):
            raise bad(f"cannot read {raw.strip()!r}: {_EDGE_LIST_FORMAT}")
        if not all(p.removeprefix("-").isascii() and p.removeprefix("-").isdigit() for p in parts[:2]):
            raise bad(f"cannot read {raw.strip()!r}: {_EDGE_LIST_FORMAT}")  # int() would take '1_0' or '+1'
        a, b = int(parts[0]), int(parts[1])
        if a < 0 or b < 0:
            raise bad(f"negative id in {raw.strip()!r}; valid ids are 0, 1, 2, ...")
        if nodes is not None and max(a, b) >= nodes:
            raise bad(f"id {max(a, b)} is out of range: the '# nodes: {nodes}' line allows ids 0..{nodes - 1}")
        if max(a, b) >= MAX_PEOPLE:
            raise bad(f"id {max(a, b)} is too large; valid ids are 0..{MAX_PEOPLE - 1}")
        has_weight = len(parts) == 3
        if weighted is None:
            weighted, first_line = has_weight, line_no
        elif has_weight != weighted:
            raise bad(f"{'a weight' if has_weight else 'no weight'} here but {'none' if has_weight else 'one'} on line {first_line}; "
                      "give every line a weight or none")
        if has_weight:
            try:
                weight = float(parts[2])
            except ValueError:
                weight = math.nan
            if not math.isfinite(weight):
                raise bad(f"cannot read the weight {parts[2]!r}: {_EDGE_LIST_FORMAT}")
            ws.append(weight)
        us.append(a)
        vs.append(b)
    weight_array = np.asarray(ws, dtype=np.float64) if weighted else None
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), weight_array
