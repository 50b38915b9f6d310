"""Churn: a daily hazard per active customer, compared with a per-person clock.

Each person carries an Exp(1) threshold drawn at the start; a customer churns
on the first day their cumulative hazard reaches it. With a constant hazard h
this is a daily churn probability 1 - exp(-h), exactly; with a hazard that
changes (satisfaction drift, a referrer who left) it is the exact discrete-time
version of a time-varying hazard, and it keeps common random numbers: the same
person churns on the same day in two designs when their hazard is the same.
"""

from __future__ import annotations

import numpy as np

from ..config import Churn
from . import satisfaction as sat

DAYS_PER_MONTH = 30.4375


def base_daily_hazard(monthly_rate: float) -> float:
    """h such that 1 - exp(-h * 30.4375) = monthly_rate."""
    if monthly_rate >= 1.0:
        return np.inf
    return -np.log1p(-monthly_rate) / DAYS_PER_MONTH


def daily_hazard(cfg: Churn, scores: np.ndarray, referred: np.ndarray, referrer_active: np.ndarray | None) -> np.ndarray:
    """h_i = h0 * m(segment_i) * (referred_hazard_ratio if referred [and referrer still a customer])."""
    hazard = base_daily_hazard(cfg.monthly_rate) * sat.segment_value(scores, cfg.satisfaction_multipliers)
    advantage = referred if referrer_active is None else referred & referrer_active
    return np.where(advantage, hazard * cfg.referred_hazard_ratio, hazard)
