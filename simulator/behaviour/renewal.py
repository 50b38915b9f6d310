"""Churn at renewal dates: B2B contracts end only on the anniversaries of joining
(every ``every_days`` days). Each customer keeps the churn model's Exp(1) clock and
hazard; they leave on the first renewal date whose decision day (``notice_days``
before it) comes after the day the continuous model would have had them leave. So
the chance of not renewing a contract is 1 - exp(-sum of the hazard over it), the
same yearly loss as the hazard gives, and nobody leaves between renewal dates.
"""

from __future__ import annotations

import numpy as np

from ..agenda import Agenda
from ..config import Churn
from ..state import CUSTOMER, NEVER
from .churn import daily_hazard


class RenewalProcess:
    """The interface of :class:`~simulator.behaviour.churn.ChurnProcess` (``joined``,
    ``leavers``), for contracts that churn only at renewal dates."""

    def __init__(self, cfg: Churn, people, rng_of, horizon: int, hazard_fixed_at_joining: bool):
        self.cfg, self.people, self.horizon = cfg, people, horizon
        self.every, self.notice = cfg.renewal.every_days, cfg.renewal.notice_days
        self.on = cfg.monthly_rate > 0
        self.scheduled = self.on and hazard_fixed_at_joining and not cfg.only_while_referrer_active
        self._due = Agenda()
        if self.on:
            people.churn_clock[:] = rng_of("churn").exponential(1.0, people.n)

    def leave_day(self, adopted: np.ndarray | int, decide_after: np.ndarray) -> np.ndarray:
        """The first renewal date adopted + k * every (k >= 1) whose decision day
        (renewal - notice) is at or after ``decide_after`` days of tenure."""
        k = np.maximum(np.ceil((decide_after + self.notice) / self.every), 1)
        return adopted + k * self.every

    def joined(self, who: np.ndarray, scores: np.ndarray, referred: np.ndarray, day: int) -> None:
        """File the leave date of customers who joined on ``day`` (scheduled churn only):
        with a fixed hazard h the continuous model's leaving tenure is clock / h."""
        if not self.scheduled:
            return
        hazard = daily_hazard(self.cfg, scores, referred, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            tenure = self.people.churn_clock[who] / hazard
        leave = np.where(np.isfinite(tenure), self.leave_day(day, np.where(np.isfinite(tenure), tenure, 0.0)), NEVER)
        leave = np.where(leave > self.horizon, NEVER, leave).astype(np.int64)
        self._due.file_each(who, leave)

    def leavers(self, customers: np.ndarray, day: int, scores_of) -> np.ndarray:
        """Who of ``customers`` leaves today: only those whose renewal date is today.
        With a hazard that changes, it is added up day by day and checked on each
        customer's decision day; a customer who has decided leaves at the renewal."""
        p = self.people
        if not self.on or not len(customers):
            return np.zeros(0, np.int32)
        if self.scheduled:
            return self._due.take(day)
        referred = p.referred_by[customers] >= 0
        referrer_active = None
        if self.cfg.only_while_referrer_active:
            referrer_active = np.zeros(len(customers), bool)
            referrer_active[referred] = p.state[p.referred_by[customers[referred]]] == CUSTOMER
        p.churn_hazard[customers] += daily_hazard(self.cfg, scores_of(customers), referred, referrer_active)
        tenure = day - p.adopted_day[customers]
        deciding = customers[((tenure + self.notice) % self.every == 0) & (tenure + self.notice >= self.every)]
        decided = deciding[p.churn_hazard[deciding] >= p.churn_clock[deciding]]
        if len(decided):
            self._due.file(day + self.notice, decided)
        leaving = self._due.take(day)
        return leaving[p.state[leaving] == CUSTOMER]
