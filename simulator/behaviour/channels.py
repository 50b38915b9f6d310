"""How a share reaches friends: channel choice, invitations and conversion lags."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..config import GeometricLag, NoLag, PipelineLag
from ..network import Network
from ..state import PROSPECT
from . import pipeline


@dataclass
class Invitations:
    """Invitations as arrays: who invites whom, through which channel, over which tie,
    and whether through the referral link (tracked: the referee sees the reward offer)."""

    referrer: np.ndarray  # int32
    target: np.ndarray    # int32
    channel: np.ndarray   # int8
    strong: np.ndarray    # bool
    tracked: np.ndarray   # bool
    offered: np.ndarray   # bool: a reward was on offer when it was sent (its conversion drawn with its pull)

    @classmethod
    def empty(cls) -> "Invitations":
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int8), np.zeros(0, bool), np.zeros(0, bool),
                   np.zeros(0, bool))

    @classmethod
    def concat(cls, parts: list["Invitations"]) -> "Invitations":
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.target)

    def take(self, mask_or_index) -> "Invitations":
        return Invitations(*(getattr(self, f.name)[mask_or_index] for f in fields(self)))


def neighbour_slots(network: Network, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (position in ``people``, edge slot) pair of their adjacency rows, vectorised."""
    starts = network.indptr[people]
    counts = network.indptr[people + 1] - starts
    owner = np.repeat(np.arange(len(people)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offsets


def choose_channels(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    if len(weights) == 1:
        return np.zeros(count, np.int8)
    return rng.choice(len(weights), size=count, p=weights).astype(np.int8)


def direct(network: Network, sharers: np.ndarray, tracked: np.ndarray, state: np.ndarray, channel: int,
           extra_invites: float, invite_all: bool, rng: np.random.Generator) -> Invitations:
    """Each sharer invites 1 + Poisson(extra_invites) friends drawn at random from
    their neighbours who are still prospects (all of them when ``invite_all``)."""
    owner, slots = neighbour_slots(network, sharers)
    friends = network.indices[slots]
    open_ = state[friends] == PROSPECT
    owner, slots, friends = owner[open_], slots[open_], friends[open_]
    if not invite_all and len(friends):
        wanted = 1 + rng.poisson(extra_invites, len(sharers))
        keys = rng.random(len(friends))
        order = np.lexsort((keys, owner))
        owner, slots, friends = owner[order], slots[order], friends[order]
        first = np.searchsorted(owner, owner, side="left")
        keep = (np.arange(len(owner)) - first) < wanted[owner]
        owner, slots, friends = owner[keep], slots[keep], friends[keep]
    return Invitations(sharers[owner].astype(np.int32), friends.astype(np.int32),
                       np.full(len(friends), channel, np.int8), network.strong[slots], tracked[owner],
                       np.zeros(len(friends), bool))


def broadcast(network: Network, sharers: np.ndarray, tracked: np.ndarray, state: np.ndarray, channel: int,
              attention: float, rng: np.random.Generator) -> Invitations:
    """A broadcast exposes every neighbour; each prospect notices it with probability ``attention``."""
    owner, slots = neighbour_slots(network, sharers)
    friends = network.indices[slots]
    seen = state[friends] == PROSPECT
    if attention < 1.0:
        seen &= rng.random(len(friends)) < attention
    owner, slots, friends = owner[seen], slots[seen], friends[seen]
    return Invitations(sharers[owner].astype(np.int32), friends.astype(np.int32),
                       np.full(len(friends), channel, np.int8), network.strong[slots], tracked[owner],
                       np.zeros(len(friends), bool))


def lags(lag_cfg, count: int, rng: np.random.Generator) -> np.ndarray:
    """Days from invitation to conversion for successful invitations; -1 means expired.

    none: 0. geometric: 0 with probability first_day_share, else Geometric with
    mean tail_mean_days (>= 1); lags beyond valid_days expire.
    """
    if isinstance(lag_cfg, NoLag) or count == 0:
        return np.zeros(count, np.int32)
    if isinstance(lag_cfg, PipelineLag):
        return pipeline.lags(lag_cfg, count, rng)  # B2B: stages from lead to closed deal
    if not isinstance(lag_cfg, GeometricLag):
        raise TypeError(f"unknown conversion_lag kind {lag_cfg.kind!r}")
    same_day = rng.random(count) < lag_cfg.first_day_share
    tail = rng.geometric(1.0 / lag_cfg.tail_mean_days, count)
    lag = np.where(same_day, 0, tail)
    return np.where(lag > lag_cfg.valid_days, -1, lag).astype(np.int32)
