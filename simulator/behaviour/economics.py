"""Money: margin per active customer-day and lifetime value."""

from __future__ import annotations

import numpy as np

from ..config import Economics
from .churn import DAYS_PER_MONTH


def daily_margin(cfg: Economics, tenure_days: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """m_i = monthly_margin / 30.4375 * (1 + premium * max(0, 1 - tenure / fade_days) if referred)."""
    base = cfg.monthly_margin / DAYS_PER_MONTH
    fade = np.maximum(0.0, 1.0 - tenure_days / cfg.premium_fade_days)
    return np.where(referred, base * (1.0 + cfg.referred_margin_premium * fade), base)


def revenue_to_date(cfg: Economics, adopted_day: np.ndarray, churn_day: np.ndarray, referred: np.ndarray,
                    day: int, weight: np.ndarray | float = 1.0) -> np.ndarray:
    """Margin each person has earned by the end of ``day``, in closed form.

    A customer earns on every day after joining while active all day: T days,
    T = churn_day - adopted_day - 1 if churned, else day - adopted_day. Summing
    daily_margin over tenures 1..T: m0 * T, plus for referred customers
    m0 * premium * (T' - T'(T' + 1) / (2F)) with T' = min(T, F).
    ``weight`` scales the base margin (reward seekers earn margin_ratio of it and
    are passed with ``referred`` False: no premium).
    """
    joined = adopted_day >= 0
    last = np.where(churn_day >= 0, churn_day - 1, day)
    earning_days = np.where(joined, np.maximum(last - adopted_day, 0), 0).astype(np.float64)
    fade = float(cfg.premium_fade_days)
    within = np.minimum(earning_days, fade)
    premium = cfg.referred_margin_premium * (within - within * (within + 1) / (2 * fade))
    total = earning_days * weight + np.where(referred, premium, 0.0)
    return cfg.monthly_margin / DAYS_PER_MONTH * total


def lifetime_value(cfg: Economics, customer_days: float, churn_events: float, margin_share: float, referred: bool,
                   premium_share: float | None = None) -> float:
    """Expected discounted margin of one customer of a group, from its simulated churn.

    The group's daily hazard is estimated from the censored simulation data,
    h = churn_events / customer_days (exponential-lifetime MLE); with the daily
    discount d = ln(1 + annual_discount_rate) / 365 and k = h + d,

        LTV = m0 * [s/k + p * premium * (1/k - (1 - exp(-k F)) / (k^2 F))]

    where m0 is the margin per day, s the group's mean margin weight (reward seekers
    earn margin_ratio of the margin, others all of it), p the group's share that earns
    the referred premium (``premium_share``: referred customers who are not reward
    seekers, as the engine pays it; default all of a referred group, none of another),
    and the premium term integrates the linearly fading margin premium over the fade
    period F. The margin schedule is integrated over the whole lifetime, not only the
    simulated horizon, so the early-tenure premium is not mistaken for a lasting one.
    """
    if customer_days <= 0:
        return float("nan")
    m0 = cfg.monthly_margin / DAYS_PER_MONTH
    k = churn_events / customer_days + np.log1p(cfg.annual_discount_rate) / 365.0
    if k <= 0:
        return float("inf") if m0 > 0 else 0.0
    value = margin_share / k
    share = (1.0 if referred else 0.0) if premium_share is None else premium_share
    if share > 0:
        fade = float(cfg.premium_fade_days)
        value += share * cfg.referred_margin_premium * (1.0 / k - (-np.expm1(-k * fade)) / (k * k * fade))
    return float(m0 * value)


def _powers_sum(x: float, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sum_{k=low..high} x^k and sum_{k=low..high} k x^k, in closed form (0 where high < low)."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    empty = high < low
    high = np.where(empty, low - 1.0, high)

    def upto(n):   # sums over k = 1..n, n >= 0
        if x == 1.0:
            return n, n * (n + 1.0) / 2.0
        xn = x ** n
        return x * (1.0 - xn) / (1.0 - x), x * (1.0 - (n + 1.0) * xn + n * xn * x) / (1.0 - x) ** 2

    top0, top1 = upto(high)
    below0, below1 = upto(np.maximum(low - 1.0, 0.0))
    return np.where(empty, 0.0, top0 - below0), np.where(empty, 0.0, top1 - below1)


def survival(renewal, tenure_days: np.ndarray, wait_days: np.ndarray, daily_hazard: np.ndarray) -> np.ndarray:
    """The chance a customer ``tenure_days`` after signing is still one ``wait_days`` on,
    at a daily hazard: exp(−h · w), or under renewal contracts (``renewal``:
    churn.renewal, else None) the chance of renewing at every renewal date k · every in
    (t, t + w], as contract_equity weighs them: exp(−h · (every − notice)) for the first
    contract's, exp(−h · every) for each later one, and 1 where none falls. Churn runs
    before the money stage, so one leaving on the day a reward falls due is not paid. A
    referral's reward paid 30 days after signing an annual contract was discounted for
    30 days of hazard the contract does not allow."""
    h = np.asarray(daily_hazard, dtype=np.float64)
    wait = np.asarray(wait_days, dtype=np.float64)
    if renewal is None:
        return np.exp(-h * wait)
    t = np.asarray(tenure_days, dtype=np.float64)
    every = float(renewal.every_days)
    dates = np.floor((t + wait) / every) - np.floor(t / every)      # renewal dates in (t, t + w]
    first = ((t < every) & (dates > 0)).astype(np.float64)         # the first contract's among them
    return np.exp(-h * (first * (every - renewal.notice_days) + (dates - first) * every))


def contract_lifetime_value(cfg: Economics, daily_hazard: float, every: int, notice: int, margin_share: float,
                            premium_share: float) -> float:
    """lifetime_value for a group on renewal contracts (churn.renewal): contract_equity of an
    account signed today at the group's mean daily hazard, its margin at the group's mean
    weight ``margin_share`` plus ``premium_share`` of the referred premium. An account leaves
    only on a renewal date, so the continuous hazard of lifetime_value, applied every day,
    valued accounts below what the contract keeps: about a tenth at b2b-organization's
    1.5% monthly churn on annual contracts, a sixth on two-year ones."""
    signed, hazard = np.zeros(1), np.array([float(daily_hazard)])
    value = contract_equity(cfg, signed, np.zeros(1, bool), hazard, every, notice, margin_share)[0]
    if premium_share > 0:
        value += premium_share * contract_equity(cfg, signed, np.ones(1, bool), hazard, every, notice, 0.0)[0]
    return float(value)


def contract_equity(cfg: Economics, tenure_days: np.ndarray, referred: np.ndarray, daily_hazard: np.ndarray,
                    every: int, notice: int, weight: np.ndarray | float = 1.0) -> np.ndarray:
    """customer_equity for customers on renewal contracts (churn.renewal: behaviour/renewal.py).

    A customer t days after signing leaves only on a renewal date, t' = k · every; the
    next is r = every − (t mod every) days ahead. The churn stage runs before the money
    stage, so they earn on days 1 .. r − 1 for sure, and from day r on only if they
    renew: with probability S1 = exp(−h · (every − notice)) for the first contract's
    decision (t < every), which weighs that many days of hazard, exp(−h · every) = S for
    each later one, whether the decision day is still ahead or already behind (the clock
    is memoryless, and a decision made is not known until the renewal date). With
    x = exp(−d):

        E = m0 · [ w · (A(r − 1) + S1 · x^(r−1) · A(every) / (1 − S · x^every))  +  premium term ]

    A(n) = x (1 − x^n) / (1 − x), the sum of x^k over k = 1 .. n. The premium term sums
    the linearly fading premium, premium · (1 − (t + k)/F), over the days k ≤ F − t,
    each contract period at its survival (1, S1, S1 · S, ...). customer_equity, with a
    daily hazard applied every day, valued accounts on annual contracts at 15% monthly
    churn about a third below what they then earned: a contract keeps an account to its
    renewal date. Infinite with no churn and no discounting, as customer_equity's."""
    m0 = cfg.monthly_margin / DAYS_PER_MONTH
    h = np.asarray(daily_hazard, dtype=np.float64)
    t = np.asarray(tenure_days, dtype=np.float64)
    x = float(np.exp(-np.log1p(cfg.annual_discount_rate) / 365.0))
    every = float(every)
    r = every - np.mod(t, every)                                   # days to the next renewal date, 1 .. every
    s_next = np.exp(-h * np.where(t < every, every - notice, every))   # the chance of renewing there
    s_later = np.exp(-h * every)                                   # ... and at each renewal after it
    ratio = s_later * x ** every                                   # one more contract, survived and discounted
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sure, _ = _powers_sum(x, np.ones_like(r), r - 1.0)
        period, _ = _powers_sum(x, np.ones_like(r), np.full_like(r, every))
        base = np.where(ratio < 1.0, sure + s_next * x ** (r - 1.0) * period / (1.0 - ratio), np.inf)
        fade = float(cfg.premium_fade_days)
        left = np.maximum(fade - t, 0.0)                           # days of premium to come
        premium = np.zeros_like(t)
        survival, start, end = np.ones_like(t), np.ones_like(t), r - 1.0   # the sure days first
        renewals = 0
        while True:
            within = start <= left
            if not within.any():
                break
            s0, s1 = _powers_sum(x, start, np.minimum(end, left))
            premium += np.where(within, survival * ((1.0 - t / fade) * s0 - s1 / fade), 0.0)
            survival = survival * (s_next if renewals == 0 else s_later)
            start, end, renewals = end + 1.0, end + every, renewals + 1
        weight = np.asarray(weight, dtype=np.float64)
        earned = np.where(weight == 0.0, 0.0, weight * base)
        extra = np.where(np.asarray(referred) & (cfg.referred_margin_premium != 0.0),
                         cfg.referred_margin_premium * premium, 0.0)
        return m0 * (earned + extra) if m0 != 0.0 else np.zeros(np.broadcast(earned, extra).shape)


def customer_equity(cfg: Economics, tenure_days: np.ndarray, referred: np.ndarray, daily_hazard: np.ndarray,
                    weight: np.ndarray | float = 1.0) -> np.ndarray:
    """Expected discounted margin still to come from each active customer, in closed form.

    A customer active at the end of the horizon earns on day k = 1, 2, ... after it
    if they have not churned, with probability exp(-h k) under their own daily hazard
    h, discounted by exp(-d k), d = ln(1 + annual_discount_rate) / 365. With
    q = exp(-(h + d)):

        E = m0 * [ w sum_k q^k  +  premium * sum_{k=1..K} q^k (1 - (t + k) / F) ]
          = m0 * [ w q / (1 - q)  +  premium * ((1 - t/F) S0 - S1 / F) ]

    t the tenure today, K = max(0, F - t) the days of premium left,
    S0 = sum_{k<=K} q^k = q (1 - q^K) / (1 - q) and
    S1 = sum_{k<=K} k q^k = q (1 - (K + 1) q^K + K q^(K+1)) / (1 - q)^2.
    ``weight`` w scales the base margin (reward seekers earn margin_ratio of it and are
    passed with ``referred`` False: no premium, as in revenue_to_date). The premium
    applies to referred customers. With no
    churn and no discounting the sum diverges (infinite equity), unless the margin
    is 0 (no margin, or margin_ratio 0): then it is 0, not NaN (as lifetime_value's).
    """
    m0 = cfg.monthly_margin / DAYS_PER_MONTH
    rate = np.asarray(daily_hazard, dtype=np.float64) + np.log1p(cfg.annual_discount_rate) / 365.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.exp(-rate)
        one_minus_q = -np.expm1(-rate)
        base = np.where(rate > 0, q / one_minus_q, np.inf)
        fade = float(cfg.premium_fade_days)
        left = np.maximum(fade - tenure_days, 0.0)
        q_left = q ** left
        s0 = q * (1.0 - q_left) / one_minus_q
        s1 = q * (1.0 - (left + 1.0) * q_left + left * q_left * q) / one_minus_q ** 2
        # with no churn and no discounting (q = 1) the premium's sum is over K days of a fading
        # share, finite: K (1 - t/F) - K (K + 1) / (2F). It was infinite, so that a negative
        # premium (a referred customer worth less) made the infinite base NaN: inf - inf
        premium = np.where(rate > 0, (1.0 - tenure_days / fade) * s0 - s1 / fade,
                           left * (1.0 - tenure_days / fade) - left * (left + 1.0) / (2.0 * fade))
        premium = np.where(left > 0, premium, 0.0)
        # a margin of 0 (no margin, or a reward seeker's margin_ratio 0) is worth 0 however long
        # it lasts: 0 * inf would be NaN, and a NaN equity a NaN incremental_value
        weight = np.asarray(weight, dtype=np.float64)
        earned = np.where(weight == 0.0, 0.0, weight * base)
        extra = np.where(np.asarray(referred) & (cfg.referred_margin_premium != 0.0),
                         cfg.referred_margin_premium * premium, 0.0)
        return m0 * (earned + extra) if m0 != 0.0 else np.zeros(np.broadcast(earned, extra).shape)
