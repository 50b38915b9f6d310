"""B2B conversion: a successful referral is a sales lead that passes the pipeline's
stages in order (qualified, demo, proposal, ...) before the deal closes. Each stage
lasts Geometric days with its mean (0, 1, 2, ... days: p = 1 / (mean + 1)) and loses
a share ``drop_off`` of the leads; the lag from lead to closed deal is the sum of
the stage durations, so its mean is the sum of the stage means. Leads open longer
than ``valid_days`` are lost."""

from __future__ import annotations

import numpy as np

from ..config import PipelineLag

LOST = -1


def lags(cfg: PipelineLag, count: int, rng: np.random.Generator) -> np.ndarray:
    """Days from lead to closed deal for ``count`` leads; ``LOST`` (-1) for dropped or expired ones."""
    total = np.zeros(count, np.int64)
    lost = np.zeros(count, bool)
    for stage in cfg.stages:  # a handful of stages, each vectorised over the leads
        lost |= rng.random(count) < stage.drop_off
        if stage.mean_days > 0:
            total += rng.geometric(1.0 / (stage.mean_days + 1.0), count) - 1
    return np.where(lost | (total > cfg.valid_days), LOST, total).astype(np.int32)


def close_probability(cfg: PipelineLag) -> float:
    """Share of leads that survive every stage's drop-off (before expiry): prod(1 - drop_off)."""
    return float(np.prod([1.0 - stage.drop_off for stage in cfg.stages]))
