"""Incentives: reward sizes, their saturating effect on sharing and conversion, payouts."""

from __future__ import annotations

import numpy as np

from ..config import NoIncentive, RewardTypeWeights, Tiered
from ..sorted_runs import first_of_runs

def type_weight(incentive, weights: RewardTypeWeights | None = None) -> float:
    """The incentive's own ``type_weight``, else ``weights[audience][reward_type]``
    (``program.reward_type_weights``; its schema defaults when not given)."""
    if isinstance(incentive, NoIncentive):
        return 0.0
    if incentive.type_weight is not None:
        return incentive.type_weight
    table = weights if weights is not None else RewardTypeWeights()
    return getattr(getattr(table, incentive.audience), incentive.reward_type)


def uplift(reward: np.ndarray | float, max_uplift: float, scale: float, weight: np.ndarray | float) -> np.ndarray:
    """Incentive effect 1 + max_uplift * (1 - exp(-reward / scale)) * weight.

    ``weight`` is type_weight * tie_weight; the effect saturates in the reward
    (diminishing returns, Wolters, Schulze & Gedenk 2020).
    """
    return 1.0 + max_uplift * (-np.expm1(-np.asarray(reward, dtype=np.float64) / scale)) * weight


def scale(incentive, economics) -> float:
    """The reward scale in currency: the incentive's ``reward_scale``, else
    ``reward_scale_months`` months of the customer's margin, so that a reward is
    weighed against what the product is worth (a B2B $250 is not a consumer $250)."""
    if incentive.reward_scale is not None:
        return float(incentive.reward_scale)
    return float(incentive.reward_scale_months * economics.monthly_margin) or 1.0


def payment_delay(incentive) -> int:
    """Days between a friend joining and the rewards being paid: ``qualification_days``
    when paid on qualification, else 0."""
    return incentive.qualification_days if incentive.paid_on == "qualification" else 0


def delay_factor(incentive) -> float:
    """What a reward paid after the payment delay D is worth to people now, as a share of
    its face value: 1 / (1 + delay_discount · D) (hyperbolic discounting, Kirby &
    Maraković 1996)."""
    return 1.0 / (1.0 + incentive.delay_discount * payment_delay(incentive))


def motive_scale(incentive, economics) -> float:
    """The reward scale that the motivating effects (sharing, the friend's conversion) use:
    ``scale`` / ``delay_factor``, so that a reward R moves people as R · delay_factor paid
    at once would. Costs, the credibility penalty, fraud and reward seekers keep ``scale``."""
    return scale(incentive, economics) / delay_factor(incentive)


def reach(incentive, reward: float, economics, weights: RewardTypeWeights | None = None) -> float:
    """The share of the largest rise in sharing that ``reward`` buys for this incentive and
    product: type_weight · (1 − exp(−R · delay_factor / scale)), the scale in months of
    margin unless set."""
    return type_weight(incentive, weights) * float(saturation(reward, motive_scale(incentive, economics)))


def saturation(reward, scale: float) -> np.ndarray:
    """1 − exp(−R / scale): how much of a reward's largest effect R buys (0 at 0, → 1)."""
    return -np.expm1(-np.asarray(reward, dtype=np.float64) / scale)


def credibility(reward, penalty: float, scale: float) -> np.ndarray:
    """Conversion multiplier of an invitation whose sender would be paid R:
    1 − penalty · (1 − exp(−R / scale)): zero at no reward, growing smoothly with it
    (Verlegh et al. 2013: paid recommendations are trusted less)."""
    return 1.0 - penalty * saturation(reward, scale)


def seeker_probability(reward, max_share: float, scale: float) -> np.ndarray:
    """Probability that a referred customer who joined for rewards R (referrer + friend,
    face value) is a reward seeker: max_share · (1 − exp(−R / scale))."""
    return max_share * saturation(reward, scale)


def fraud_probability(reward, share: float, scale: float) -> np.ndarray:
    """The fake share of referral signups made for rewards R:
    share · (1 − exp(−R / scale)) / (1 − exp(−1)); ``share`` at R = one scale, rising
    toward share / 0.632 for large rewards, none without a reward (a fake signup is
    made to collect a reward). Below 0.48 for ``fraud.share`` within its bound (0.3)."""
    return share * saturation(reward, scale) / -np.expm1(-1.0)


def fake_account_probability(reward, share: float, scale: float) -> np.ndarray:
    """Probability that a real referral signup for rewards R brings one fake account
    alongside (an extra reward claim): f / (1 − f) with f = fraud_probability(R), so
    that fakes are f of all referral signups, fake and real."""
    f = fraud_probability(reward, share, scale)
    return f / (1.0 - f)


def referrer_reward(incentive, rewards_earned: np.ndarray) -> np.ndarray:
    """Reward for a referrer's next referral, by referrals already credited (tiers);
    0 once the referrer has reached cap_per_referrer."""
    if isinstance(incentive, NoIncentive):
        return np.zeros(len(rewards_earned))
    if isinstance(incentive, Tiered):
        afters = np.array([t.after for t in incentive.tiers])
        amounts = np.array([t.referrer_reward for t in incentive.tiers])
        reward = amounts[np.searchsorted(afters, rewards_earned, side="right") - 1]
    else:
        reward = np.full(len(rewards_earned), float(incentive.referrer_reward))
    if incentive.cap_per_referrer is not None:
        reward = np.where(rewards_earned < incentive.cap_per_referrer, reward, 0.0)
    return reward


def referee_reward(incentive) -> float:
    return 0.0 if isinstance(incentive, NoIncentive) else float(incentive.referee_reward)


def claims(real: np.ndarray, fake: np.ndarray,
           non_qualifying: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The reward claims of referrals in order: each referral's own (where ``real``),
    its fake account's (where ``fake``), then one for each of the ``non_qualifying``
    sign-ups beside it (none when not given). The referral's index for each claim, and
    its kind (0 the referral's own, 1 the fake account's, 2 a sign-up's who never
    qualifies). The order a referrer's claims count towards tiers and the cap."""
    extra = np.zeros(len(real), np.int64) if non_qualifying is None else non_qualifying
    counts = np.column_stack([real, fake, extra]).astype(np.int64).ravel()
    of = np.repeat(np.repeat(np.arange(len(real)), 3), counts)
    kind = np.repeat(np.tile(np.arange(3, dtype=np.int8), len(real)), counts)
    return of, kind


def claim_referees(codes: np.ndarray, n: int) -> np.ndarray:
    """The referred friend behind each claim code of a population of ``n``: c for the
    friend's own claim, -1 - c for their fake account's, n + c for a sign-up's beside
    them who never qualifies (all credited to the friend's referrer)."""
    return np.where(codes < 0, -1 - codes, np.where(codes >= n, codes - n, codes))


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values, in array order (stable)."""
    if len(groups) == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(first_of_runs(sorted_groups))
    run_start = np.repeat(starts, np.diff(np.append(starts, len(groups))))
    ranks = np.empty(len(groups), np.int64)
    ranks[order] = np.arange(len(groups)) - run_start
    return ranks

