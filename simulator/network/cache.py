"""Graphs kept in memory for the life of a process, so that replicates, no-program
twins and compared designs do not read, parse or generate the same graph again.

Two kinds of entry share one least-recently-used store bounded in bytes
(``REFSIM_GRAPH_CACHE_MB``, default 256 MiB per process; a graph larger than the
bound is used and not kept):

- an edge-list file, keyed by the hash of its bytes: the parsed ties as CSR
  structure (:class:`EdgeListGraph`); each run draws only its tie labels.
  A path is looked up by ``stat`` first (device, inode, size, modification time):
  a file unchanged since it was read is not read again. A file modified less than
  two seconds before it was read is read and hashed on every look-up, because a
  rewrite within the clock tick of the file system could keep its ``stat``
  (git's "racy" rule); any other change to the file changes its ``stat``.
- a generated graph, keyed by the network block, the population size and the
  replicate seed (see :func:`simulator.network.network_for`);
- an edge-list graph's tie labels for one replicate seed and tie share
  (:meth:`EdgeListGraph.labelled`), whose Network shares the graph's structure.

Every process has its own store: the workers of a process pool or of a Dask
cluster each read a file once. Cached arrays are read-only, so runs share them.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import stat
import threading
import time
import weakref
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import graph as graph_module
from .edgelist import parse_edgelist, read_edgelist_bytes
from .graph import Network, from_edges, tie_keys, tie_slots

_DEFAULT_LIMIT_MB = 256
#: a file whose modification time is this close to when it was read is not trusted by stat alone
_RACY_NS = 2_000_000_000
#: paths remembered (a few hundred bytes each): a sweep over more files re-stats and re-hashes the oldest
_MAX_PATHS = 4096


def _limit_from_environment() -> int:
    raw = os.environ.get("REFSIM_GRAPH_CACHE_MB", "")
    try:
        return max(0, int(float(raw) * 2**20)) if raw.strip() else _DEFAULT_LIMIT_MB * 2**20
    except (ValueError, OverflowError):
        return _DEFAULT_LIMIT_MB * 2**20


def check_graph_cache_setting() -> None:
    """REFSIM_GRAPH_CACHE_MB, when set, is a number of MiB >= 0: 'abc' or -5 fell back to
    the default without a word (the commands refuse it in one line, as REFSIM_ENGINE)."""
    raw = os.environ.get("REFSIM_GRAPH_CACHE_MB", "").strip()
    try:
        ok = not raw or 0 <= float(raw) < float("inf")
    except ValueError:
        ok = False
    if not ok:
        from ..errors import ScenarioError

        raise ScenarioError(f"{raw!r} is not a size; give the MiB of graphs a process keeps, a number >= 0 (0 keeps "
                            f"none; unset: {_DEFAULT_LIMIT_MB})", key="REFSIM_GRAPH_CACHE_MB")


class GraphCache:
    """A thread-safe least-recently-used store bounded by the bytes of its values."""

    def __init__(self, limit_bytes: int):
        self.limit_bytes = int(limit_bytes)
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key, value, nbytes: int) -> None:
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            if nbytes > self.limit_bytes:
                return
            self._entries[key] = (value, int(nbytes))
            self._bytes += int(nbytes)
            self._evict()

    def _evict(self) -> None:
        while self._bytes > self.limit_bytes and self._entries:
            _key, (_value, nbytes) = self._entries.popitem(last=False)
            self._bytes -= nbytes

    def set_limit(self, limit_bytes: int) -> None:
        with self._lock:
            self.limit_bytes = int(limit_bytes)
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "limit_bytes": self.limit_bytes,
                    "hits": self.hits, "misses": self.misses}


class EdgeListGraph:
    """An edge list read once: the CSR structure of its ties, ready to label for any seed."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, strong: np.ndarray | None):
        self.n = int(n)
        self._fixed: Network | None = None      # labels from the file's weights
        self._constant: dict[bool, Network] = {}
        if strong is not None:
            self._fixed = from_edges(self.n, u, v, strong, None, 0.0)
            self.ties = self._fixed.edges
            self.nbytes = self._fixed.indptr.nbytes + self._fixed.indices.nbytes + self._fixed.strong.nbytes
            return
        tie = None
        if len(u) <= graph_module.COMPILED_MAX_TIES:
            # compiled, as from_edges builds it; each slot's tie rank (which makes a seed's
            # labels one gather) is found when a seed first draws labels (_slot_ties)
            from .csr_loop import simple_rows

            indptr, indices = simple_rows(self.n, np.asarray(u, np.int64), np.asarray(v, np.int64))
            self.ties = len(indices) // 2
        else:
            key = tie_keys(self.n, u, v)
            self.ties = len(key)
            indptr, indices, tie = tie_slots(self.n, key)
            tie.flags.writeable = False
        for array in (indptr, indices):
            array.flags.writeable = False
        self._indptr, self._indices, self._tie = indptr, indices, tie
        # room for the tie ranks and the two all-weak / all-strong networks (one bool per slot each)
        rank_bytes = 4 if self.ties < 2**31 else 8
        self.nbytes = indptr.nbytes + indices.nbytes + (rank_bytes + 2) * len(indices)

    @property
    def friendless(self) -> int:
        """People (ids 0..n-1) in no tie of the file: ids it skips, or a person 0 of a file
        numbered from 1."""
        indptr = self._fixed.indptr if self._fixed is not None else self._indptr
        return int(np.count_nonzero(np.diff(indptr) == 0))

    def _slot_ties(self) -> np.ndarray:
        """Each slot's tie rank in (lower id, higher id) order, found once, when first asked
        for: only a tie share strictly between 0 and 1 draws labels per seed (the usual
        share 0 never does; finding them took about an eighth of reading bench/'s 500,000-tie file)."""
        if self._tie is None:
            from .csr_loop import tie_ranks

            tie = tie_ranks(self._indptr, self._indices)
            tie.flags.writeable = False
            self._tie = tie  # two threads may both find it: the same array, either kept
        return self._tie

    @property
    def weighted(self) -> bool:
        """The file gives weights: its ties are strong or weak by them, whatever the share."""
        return self._fixed is not None

    def network(self, rng_ties: np.random.Generator, strong_tie_share: float) -> Network:
        """The Network from_edges would build from the file's ties with these labels.

        Unweighted ties are strong with probability ``strong_tie_share``, drawn from
        ``rng_ties`` one per tie in (lower id, higher id) order, as from_edges draws
        them. At share 0 or 1 the labels do not depend on the draws and the stream is
        used for nothing else, so one shared Network serves every seed."""
        if self._fixed is not None:
            return self._fixed
        share = float(strong_tie_share)
        if share <= 0.0 or share >= 1.0:
            strong = share >= 1.0
            network = self._constant.get(strong)
            if network is None:
                network = self._constant[strong] = Network(self._indptr, self._indices, np.full(len(self._indices), strong))
            return network
        labels = rng_ties.random(self.ties) < share
        return Network(self._indptr, self._indices, labels[self._slot_ties()])

    def labelled(self, seed: int, strong_tie_share: float, rng_ties: Callable[[], np.random.Generator]) -> Network:
        """:meth:`network` for the run with replicate seed ``seed`` (``rng_ties()`` its
        ``ties`` stream, made only when the labels are drawn), kept in the graph store
        per (this graph, tie share, seed): every design on a seed then runs on the one
        Network object, and so shares its no-program twin (simulator/twins.py). An
        entry answers only for this very graph object, held by a weak reference: a
        file read again (changed on disk, or evicted) labels afresh."""
        share = float(strong_tie_share)
        if self._fixed is not None or share <= 0.0 or share >= 1.0:
            return self.network(None, share)  # one Network for every seed already
        key = ("labelled", id(self), share, int(seed))
        entry = _GRAPHS.get(key)
        if entry is not None and entry[0]() is self:
            return entry[1]
        network = self.network(rng_ties(), share)
        _GRAPHS.put(key, (weakref.ref(self), network), network.strong.nbytes)  # the structure is this graph's
        return network


_GRAPHS = GraphCache(_limit_from_environment())
_PATHS: OrderedDict[str, tuple[tuple, str, bool]] = OrderedDict()   # path -> (stat signature, content hash, trusted)
_PATHS_LOCK = threading.Lock()
_READS = {"files_read": 0, "files_parsed": 0}
_PARSED_LENGTHS: set[int] = set()  # byte lengths of the edge-list files parsed (a file of another length is new)


def _signature(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def read_edgelist(path: pathlib.Path | str, source: str | None = None) -> EdgeListGraph:
    """The edge-list file at ``path``, read and parsed at most once per process while
    its content is unchanged (errors as :func:`simulator.network.load_edgelist`)."""
    path = pathlib.Path(path)
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        read_edgelist_bytes(path, source)  # raises the user's error
    where = os.path.abspath(path)
    with _PATHS_LOCK:
        seen = _PATHS.get(where)
    if seen is not None and seen[2] and seen[0] == _signature(info):
        graph = _GRAPHS.get(("edgelist", seen[1]))
        if graph is not None:
            return graph
    started = time.time_ns()
    data = read_edgelist_bytes(path, source)
    _READS["files_read"] += 1
    parsed = None
    if len(data) in _PARSED_LENGTHS:  # perhaps this content under another path: hash, then parse only if new
        digest = _sha256(data)
        graph = _GRAPHS.get(("edgelist", digest))
    else:
        # no file of this length was parsed here, so the content is new: the hash is taken
        # on a second thread while this one parses (hashlib lets go of the interpreter lock)
        digest_of = _hash_aside(data)
        try:
            parsed = EdgeListGraph(*parse_edgelist(data, str(path)))
        finally:
            digest = digest_of()
        graph = _GRAPHS.get(("edgelist", digest))
    if graph is None:
        graph = parsed if parsed is not None else EdgeListGraph(*parse_edgelist(data, str(path)))
        _READS["files_parsed"] += 1
        _PARSED_LENGTHS.add(len(data))
        _GRAPHS.put(("edgelist", digest), graph, graph.nbytes)
    with _PATHS_LOCK:
        _PATHS[where] = (_signature(info), digest, info.st_mtime_ns < started - _RACY_NS)
        _PATHS.move_to_end(where)
        while len(_PATHS) > _MAX_PATHS:
            _PATHS.popitem(last=False)
    return graph


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # SHA-256 as the manifest's; a third of BLAKE2b's time here


def _hash_aside(data: bytes) -> Callable[[], str]:
    """Start hashing ``data`` on a thread of its own; the returned function waits for the
    digest. (A thread per file, not a pool: a pool's thread would not survive a fork.)"""
    box: dict[str, str] = {}
    thread = threading.Thread(target=lambda: box.setdefault("digest", _sha256(data)), name="refsim-hash", daemon=True)
    thread.start()

    def digest() -> str:
        thread.join()
        return box["digest"]

    return digest


def cached_network(key, build) -> Network:
    """The network stored under ``key``, or ``build()`` stored there."""
    network = _GRAPHS.get(("generated", key))
    if network is None:
        network = build()
        _GRAPHS.put(("generated", key), network, network.indptr.nbytes + network.indices.nbytes + network.strong.nbytes)
    return network


def graph_cache_info() -> dict[str, int]:
    """Entries, bytes held, the bound, hits and misses of this process's graph store, and
    how many edge-list files it has read and parsed."""
    return {**_GRAPHS.info(), **_READS}


def set_graph_cache_limit(megabytes: float) -> None:
    """Bound this process's graph store (evicting the least recently used graphs now)."""
    _GRAPHS.set_limit(int(megabytes * 2**20))


def clear_graph_cache() -> None:
    """Forget every cached graph and file of this process."""
    _GRAPHS.clear()
    with _PATHS_LOCK:
        _PATHS.clear()
    _READS.update(files_read=0, files_parsed=0)
    _PARSED_LENGTHS.clear()


__all__ = ["EdgeListGraph", "GraphCache", "read_edgelist", "cached_network", "graph_cache_info", "set_graph_cache_limit",
           "clear_graph_cache"]
