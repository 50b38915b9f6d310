"""Churn at renewal dates: B2B contracts end only on the anniversaries of signing
(every ``every_days`` days). Each customer keeps the churn model's Exp(1) clock and
daily hazard (:class:`~simulator.behaviour.churn.ChurnProcess`: satisfaction,
referral, a reward seeker's multiplier); the hazard is added up day by day, and on
each decision day (``notice_days`` before a renewal date) a customer whose
cumulative hazard has reached their clock gives notice and leaves on the renewal
date. So the chance of not renewing a contract is 1 - exp(-sum of the hazard up to
the decision day), the loss the hazard gives, and nobody leaves between renewal
dates. Customers of day 0 signed ``tenure_at_start`` days before the run.
"""

from __future__ import annotations

import numpy as np

from ..config import Churn
from ..state import CUSTOMER
from .churn import ChurnProcess


class RenewalProcess(ChurnProcess):
    """ChurnProcess whose leavers leave only on renewal dates. The hazard is always
    polled daily (a churn day filed at joining would have to be refiled whenever the
    hazard changes; with contracts the daily sum is cheap next to the year it spans)."""

    def __init__(self, cfg: Churn, people, rng_of, horizon: int, hazard_fixed_at_joining: bool):
        super().__init__(cfg, people, rng_of, horizon, hazard_fixed_at_joining=False)
        self.every, self.notice = cfg.renewal.every_days, cfg.renewal.notice_days

    def joined(self, who: np.ndarray, scores: np.ndarray, referred: np.ndarray, day: int) -> None:
        """The customers of day 0 are part-way through a contract (:func:`contract_state`):
        the hazard of its days behind them counts towards its decision, and those whose
        decision fell in the notice period before day 0 gave notice with the chance that
        decision had and leave on their renewal date. Started at 0, a base of existing
        accounts lost 27% in its first year where the same hazard takes 44% of every later
        one."""
        if day != 0 or not len(who):
            return
        p = self.people
        used, leave = contract_state(p.tenure_at_start[who], self.hazard(who, scores), p.churn_clock[who],
                                     self.every, self.notice)
        p.churn_hazard[who] = used
        for when in np.unique(leave[leave > 0]):
            self._due.file(int(when), who[leave == when])

    def leavers(self, customers: np.ndarray, day: int, scores_of) -> np.ndarray:
        """Who of ``customers`` (active at the start of the day) leaves today: those who
        gave notice ``notice_days`` ago, on a decision day, with hazard past their clock."""
        p = self.people
        if not self.on or not len(customers):
            return np.zeros(0, np.int32)
        p.churn_hazard[customers] += self.hazard(customers, scores_of(customers))
        to_renewal = day - p.adopted_day[customers] + p.tenure_at_start[customers] + self.notice
        deciding = customers[(to_renewal % self.every == 0) & (to_renewal >= self.every)]
        decided = deciding[p.churn_hazard[deciding] >= p.churn_clock[deciding]]
        if len(decided):
            self._due.file(day + self.notice, decided)
        leaving = self._due.take(day)
        return leaving[p.state[leaving] == CUSTOMER]


def contract_state(tenure, hazard, clock, every: int, notice: int) -> tuple[np.ndarray, np.ndarray]:
    """Where customers of day 0, ``tenure`` days after signing, stand in their contract,
    at a daily ``hazard`` and churn ``clock``: the hazard added up towards their next
    decision (since signing before their first decision day, ``every - notice`` days in;
    else since the start of the period their last decision closed, so that with a fresh
    clock every decision weighs a whole period), and the day they leave when that last
    decision fell in the notice period before day 0 and gave notice (0: none)."""
    tenure = np.asarray(tenure, dtype=np.int64)
    into = tenure + notice
    decided = into >= every                       # a decision day lies behind them
    since = np.where(decided, into % every, tenure)   # days since it (or since signing)
    # the period that decision closed: the first runs every - notice days, the others every
    period = np.where(into < 2 * every, every - notice, every)
    pending = decided & (since < notice)          # that decision's renewal date is still ahead
    used = np.where(pending, hazard * (period + since), hazard * since)
    leave = np.where(pending & (clock <= hazard * period), notice - since, 0)
    return used, leave
