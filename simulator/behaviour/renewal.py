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

    def leave_day(self, anchor: np.ndarray | int, decide_after: np.ndarray) -> np.ndarray:
        """The first renewal date anchor + k * every (k >= 1) whose decision day
        (renewal - notice) is at least ``decide_after`` days after ``anchor``."""
        k = np.maximum(np.ceil((decide_after + self.notice) / self.every), 1)
        return anchor + k * self.every

    def joined(self, who: np.ndarray, scores: np.ndarray, referred: np.ndarray, day: int) -> None:
        """File the leave date of customers who joined on ``day`` (scheduled churn only):
        with a fixed hazard h the continuous model has them leave clock / h days from
        now (memoryless). Contracts run from the day of signing, which is tenure_at_start
        days before day 0 for customers who existed at the start."""
        if not self.scheduled:
            return
        hazard = daily_hazard(self.cfg, scores, referred, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            wait = self.people.churn_clock[who] / hazard
        finite = np.isfinite(wait)
        signed = self.people.tenure_at_start[who]
        leave = self.leave_day(day - signed, np.where(finite, wait, 0.0) + signed)
        leave = np.where(finite, np.maximum(leave, day + 1), NEVER)
        leave = np.where(leave > self.horizon, NEVER, leave).astype(np.int64)
        self._due.file_each(who, leave)

    def hazard(self, who: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Today's daily hazard of customers ``who`` with current ``scores`` (as ChurnProcess)."""
        p = self.people
        referred = p.referred_by[who] >= 0
        referrer_active = None
        if self.cfg.only_while_referrer_active:
            referrer_active = np.zeros(len(who), bool)
            referrer_active[referred] = p.state[p.referred_by[who[referred]]] == CUSTOMER
        return daily_hazard(self.cfg, scores, referred, referrer_active)

    def leavers(self, customers: np.ndarray, day: int, scores_of) -> np.ndarray:
        """Who of ``customers`` leaves today: only those whose renewal date is today.
        With a hazard that changes, it is added up day by day and checked on each
        customer's decision day; a customer who has decided leaves at the renewal."""
        p = self.people
        if not self.on or not len(customers):
            return np.zeros(0, np.int32)
        if self.scheduled:
            return self._due.take(day)
        p.churn_hazard[customers] += self.hazard(customers, scores_of(customers))
        tenure = day - p.adopted_day[customers] + p.tenure_at_start[customers]
        # a decision day: notice days before a renewal date after the start of the run
        deciding = customers[((tenure + self.notice) % self.every == 0) & (tenure + self.notice >= self.every)]
        decided = deciding[p.churn_hazard[deciding] >= p.churn_clock[deciding]]
        if len(decided):
            self._due.file(day + self.notice, decided)
        leaving = self._due.take(day)
        return leaving[p.state[leaving] == CUSTOMER]
