"""Satisfaction scores (0-10) and NPS segments."""

from __future__ import annotations

import numpy as np

from ..config import BetaSatisfaction, ConstantSatisfaction, NpsMix

PROMOTER_MIN, PASSIVE_MIN = 9.0, 7.0


def draw_scores(cfg, n: int, rng: np.random.Generator) -> np.ndarray:
    """One score per person, drawn for everyone at the start (common random numbers:
    a person's score does not depend on when, or whether, they join).

    constant: the value; nps_mix: segment by the shares, then uniform within it
    (promoter [9, 10], passive [7, 9), detractor [0, 7)); beta: 10 * Beta(a, b).
    """
    if isinstance(cfg, ConstantSatisfaction):
        return np.full(n, cfg.value, np.float32)
    if isinstance(cfg, NpsMix):
        segment = rng.random(n)
        within = rng.random(n)
        low = np.where(segment < cfg.promoters, PROMOTER_MIN, np.where(segment < cfg.promoters + cfg.passives, PASSIVE_MIN, 0.0))
        width = np.where(low == PROMOTER_MIN, 1.0, np.where(low == PASSIVE_MIN, 2.0 - 1e-6, 7.0 - 1e-6))
        return (low + within * width).astype(np.float32)
    if isinstance(cfg, BetaSatisfaction):
        return (10.0 * rng.beta(cfg.a, cfg.b, n)).astype(np.float32)
    raise TypeError(f"unknown satisfaction kind {cfg.kind!r}")


def current(scores: np.ndarray, tenure_days: np.ndarray, drift_per_year: float) -> np.ndarray:
    """Score after ``tenure_days``: s(t) = clip(s0 + drift_per_year * t / 365, 0, 10)."""
    if drift_per_year == 0.0:
        return scores
    return np.clip(scores + drift_per_year * tenure_days / 365.0, 0.0, 10.0).astype(np.float32)


def segment_value(scores: np.ndarray, effect) -> np.ndarray:
    """Map each score to its segment's value: promoter (>= 9), passive (>= 7), detractor."""
    return np.where(scores >= PROMOTER_MIN, effect.promoter, np.where(scores >= PASSIVE_MIN, effect.passive, effect.detractor))


def is_detractor(scores: np.ndarray) -> np.ndarray:
    return scores < PASSIVE_MIN
