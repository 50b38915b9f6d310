"""Surprise and delight: gifts or free upgrades that raise a customer's satisfaction
by ``satisfaction_boost`` points (clipped to 10) for ``lasts_days`` days, so that
they share more and churn less for a while (through the satisfaction segment of
the share and churn multipliers), at ``cost_each`` per action."""

from __future__ import annotations

import numpy as np

from ..config import Delight
from ..state import NEVER
from . import satisfaction as sat


class DelightActions:
    """Who was delighted until when; the boost a score gets today."""

    def __init__(self, cfg: Delight, n: int):
        self.cfg = cfg
        self.until = np.full(n, NEVER, np.int32)

    def boost(self, who: np.ndarray, day: int) -> np.ndarray:
        """Points added to the scores of ``who`` on ``day``."""
        return np.where(self.until[who] >= day, self.cfg.satisfaction_boost, 0.0)

    def targeted(self, scores: np.ndarray) -> np.ndarray:
        """Which of the customers with these current scores the action is aimed at."""
        if self.cfg.target == "passives":
            return (scores >= sat.PASSIVE_MIN) & (scores < sat.PROMOTER_MIN)
        if self.cfg.target == "promoters":
            return scores >= sat.PROMOTER_MIN
        return np.ones(len(scores), bool)

    def act(self, customers: np.ndarray, scores: np.ndarray, day: int, rng: np.random.Generator) -> np.ndarray:
        """Today's delighted customers: with ``rate``, a Binomial(targeted, rate) draw of
        them (one Bernoulli per customer, at the cost of the chosen); with ``share``,
        round(share * targeted) of them on every ``every_days``-th day. Their boost
        starts today and lasts ``lasts_days`` days. A customer whose boost is still on
        is not chosen again: a passive below 7.5 stays a passive under the default boost
        of 1.5, and was given gift after gift, each charged, the effect only prolonged."""
        cfg = self.cfg
        pool = customers[self.targeted(scores) & (self.until[customers] < day)]
        if cfg.rate is not None:
            number = rng.binomial(len(pool), cfg.rate) if len(pool) else 0
        else:
            number = int(round(cfg.share * len(pool))) if day % cfg.wave_days == 0 else 0
        chosen = pool[rng.choice(len(pool), number, replace=False)] if number else pool[:0]
        self.until[chosen] = day + cfg.lasts_days - 1
        return chosen
