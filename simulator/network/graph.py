"""The friendship graph as one compressed adjacency (CSR), and its construction from tie ends.

A :class:`Network` holds ``indptr`` and ``indices`` of the undirected friendship
graph (each tie stored in both directions, rows sorted, no self-loops, no
duplicate ties) and ``strong``, the tie-strength label of each stored direction
(symmetric). Tie labels are drawn only from the ``ties`` stream, one draw per
undirected tie in (lower id, higher id) order, so the labels of a graph do not
depend on how it was generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..sorted_runs import first_of_runs

if TYPE_CHECKING:  # networkx is only for export: imported there, not by every run
    import networkx as nx


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
        import networkx as nx

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
    return from_edge_ends(n, [u, v], strong, rng_ties, strong_tie_share)


#: Tie listings up to which unlabelled ties are built by the compiled pass (csr_loop.py):
#: while the rows fit in cache it is several times faster than sorting tie keys; beyond,
#: its scattered writes lose to numpy's sort (1.1 s against 0.7 s at 5 million ties).
#: Both give the same Network (tests).
COMPILED_MAX_TIES = 1_000_000


def from_edge_ends(n: int, ends: list, strong: np.ndarray | None, rng_ties: np.random.Generator,
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
    if strong is None and len(u) <= COMPILED_MAX_TIES:
        from .csr_loop import label_rows, simple_rows  # compiled: numba loads only when a graph is built

        indptr, indices = simple_rows(n, u, v)
        del u, v
        labels = rng_ties.random(len(indices) // 2) < strong_tie_share
        return Network(indptr, indices, label_rows(indptr, indices, labels))
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
        keys = [key]
        del key
        return from_tie_keys(n, keys, rng_ties, strong_tie_share)
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


def from_tie_keys(n: int, keys: list, rng_ties: np.random.Generator, strong_tie_share: float) -> Network:
    """The graph of the ties ``keys[0]`` (``lower * n + higher``, strictly increasing), each
    strong with probability ``strong_tie_share``, drawn in key order as from_edges draws
    them. The key array comes alone in a list that is emptied and is used in place, so
    that it is freed as soon as the adjacency no longer needs it (see from_edge_ends)."""
    labels = rng_ties.random(len(keys[0])) < strong_tie_share
    return _from_sorted_keys(int(n), keys, labels)


def _from_sorted_keys(n: int, keys: list, labels: np.ndarray) -> Network:
    """CSR of the ties ``key = lo * n + hi`` (lo < hi, strictly increasing keys), the
    key array passed alone in a list that is emptied (see from_edge_ends).

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


def tie_keys(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The ties ``lo * n + hi`` (lo < hi) of the edges ``u -- v``, sorted, each once, self-loops
    dropped: the order in which from_edges draws tie labels."""
    u = np.asarray(u, dtype=np.int64).ravel()
    v = np.asarray(v, dtype=np.int64).ravel()
    keep = u != v
    key = np.minimum(u, v)[keep]
    key *= n
    key += np.maximum(u, v)[keep]
    key.sort()
    first = first_of_runs(key)
    return key if first.all() else key[first]


def tie_slots(n: int, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``indptr``, ``indices`` and ``tie`` of the CSR of the ties ``key`` (as from tie_keys):
    ``tie[k]`` is the rank in ``key`` of the tie stored at slot ``k``, so that a Network
    with labels ``labels`` (one per tie, in key order) has ``strong = labels[tie]``.

    The slots are those of _from_sorted_keys (each row: lower friends, then higher ones,
    ascending), so the result equals from_edges for any labels; it costs an extra array
    and is used where one structure serves many seeds (an edge list read once)."""
    n = int(n)
    m = len(key)
    lo = key // n
    hi = key % n
    up_count = np.bincount(lo, minlength=n)
    down_count = np.bincount(hi, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(up_count + down_count, out=indptr[1:])
    indices = np.empty(2 * m, dtype=np.int32)
    tie = np.empty(2 * m, dtype=np.int32 if m < 2**31 else np.int64)
    rank = np.arange(m, dtype=np.int64)
    # higher friends, in key order
    pos = np.repeat(indptr[:-1] + down_count - (np.cumsum(up_count) - up_count), up_count) + rank
    indices[pos] = hi
    tie[pos] = rank
    # lower friends: the ties in (hi, lo) order
    order = np.argsort(hi * n + lo)
    pos = np.repeat(indptr[:-1] - (np.cumsum(down_count) - down_count), down_count) + rank
    indices[pos] = lo[order]
    tie[pos] = order
    return indptr, indices, tie
