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
