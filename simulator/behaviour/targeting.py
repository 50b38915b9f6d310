"""Targeted asking with a daily capacity: when people (account managers, customer
success) do the asking, only so many customers can be asked a day. The due
customers are ranked and the best-ranked are asked first; the rest wait in a
queue, in rank order with the newly due, and are never dropped while they stay
customers."""

from __future__ import annotations

import numpy as np

from ..config import Targeting


def priority(cfg: Targeting, scores: np.ndarray, degree: np.ndarray, tenure: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """Positions of the candidates in asking order: by current satisfaction, number of
    friends or tenure, highest first (``random``: by a fixed random key per person, so a
    waiting customer keeps their place), ties by that random key."""
    if cfg.rank_by == "random":
        return np.argsort(tie_break, kind="stable")
    primary = {"satisfaction": scores, "degree": degree, "tenure": tenure}[cfg.rank_by]
    return np.lexsort((tie_break, -np.asarray(primary, np.float64)))


def split(cfg: Targeting, pool: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(asked today, still waiting): the first ``daily_capacity`` of the pool in ``order``."""
    ranked = pool[order]
    return ranked[:cfg.daily_capacity], ranked[cfg.daily_capacity:]


def in_asking_order(pool: np.ndarray, chosen: np.ndarray, due_today: np.ndarray) -> np.ndarray:
    """The positions ``chosen`` (into ``pool``, sorted ids) put in the order of today's due
    asks ``due_today`` (the timing stage's order), the waiting ones after them by id.
    Who is asked is the rank's choice; the order only pairs the asked with the day's
    draws, and keeping the timing stage's makes a capacity that never binds the run
    without targeting (common random numbers)."""
    position = np.full(len(pool), len(due_today), np.int64)
    found = np.searchsorted(pool, due_today)
    inside = found < len(pool)
    inside[inside] = pool[found[inside]] == due_today[inside]
    position[found[inside]] = np.flatnonzero(inside)
    return chosen[np.lexsort((pool[chosen], position[chosen]))]
