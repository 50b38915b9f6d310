"""The population as arrays (structure of arrays): one entry per person."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

PROSPECT, CUSTOMER, CHURNED = 0, 1, 2
STATE_NAMES = ("prospect", "customer", "churned")

# Acquisition channel codes; channels of the program are 0, 1, ... in scenario order.
NOT_ACQUIRED, SEED, ORGANIC = -3, -2, -1
NEVER = -1  # "no such day" in day arrays


@dataclass
class People:
    """Per-person state. Day arrays hold -1 (``NEVER``) until the event happens."""

    state: np.ndarray            # int8: PROSPECT / CUSTOMER / CHURNED
    satisfaction: np.ndarray     # float32 score 0-10 at joining (drawn for everyone at the start)
    adopted_day: np.ndarray      # int32
    referred_by: np.ndarray      # int32 referrer of record, -1 when not referred
    tracked: np.ndarray          # bool: referred through a referral link (what a referral dashboard counts)
    rewarded: np.ndarray         # bool: a tracked referral that joined while a reward was on offer: its rewards are owed
    tenure_at_start: np.ndarray  # int32 tenure on day 0 of an initial (existing) customer, else 0
    channel: np.ndarray          # int8 acquisition channel code
    asks: np.ndarray             # int16 asks received
    next_ask_day: np.ndarray     # int32
    shared: np.ndarray           # bool: shared after an ask (no more reminders)
    rewards_earned: np.ndarray   # int32 referrals credited towards tiers and the cap (as referrer)
    reward_value: np.ndarray     # float64 rewards received (as referrer or referee)
    revenue: np.ndarray          # float64 margin to date (settled by Engine.revenue_to_date())
    churn_day: np.ndarray        # int32
    fraud: np.ndarray            # bool: a fake account signed up alongside this referral, for its rewards
    fraud_blocked: np.ndarray    # bool: qualification would stop that fake account's rewards
    organic_day: np.ndarray      # int32 day this person would adopt on their own
    churn_clock: np.ndarray      # float64 Exp(1) threshold of cumulative churn hazard
    churn_hazard: np.ndarray     # float64 cumulative churn hazard so far (polled churn; the kernel keeps it up to its last change; scheduled churn: what was used beyond the current hazard since joining)
    nwom_until: np.ndarray       # int32 last day a negative word of mouth lowers conversion

    @classmethod
    def empty(cls, n: int) -> "People":
        return cls(
            state=np.zeros(n, np.int8),
            satisfaction=np.zeros(n, np.float32),
            adopted_day=np.full(n, NEVER, np.int32),
            referred_by=np.full(n, -1, np.int32),
            tracked=np.zeros(n, bool),
            rewarded=np.zeros(n, bool),
            tenure_at_start=np.zeros(n, np.int32),
            channel=np.full(n, NOT_ACQUIRED, np.int8),
            asks=np.zeros(n, np.int16),
            next_ask_day=np.full(n, NEVER, np.int32),
            shared=np.zeros(n, bool),
            rewards_earned=np.zeros(n, np.int32),
            reward_value=np.zeros(n, np.float64),
            revenue=np.zeros(n, np.float64),
            churn_day=np.full(n, NEVER, np.int32),
            fraud=np.zeros(n, bool),
            fraud_blocked=np.zeros(n, bool),
            organic_day=np.full(n, NEVER, np.int32),
            churn_clock=np.zeros(n, np.float64),
            churn_hazard=np.zeros(n, np.float64),
            nwom_until=np.full(n, NEVER, np.int32),
        )

    @property
    def n(self) -> int:
        return len(self.state)

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))
