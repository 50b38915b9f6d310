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

from ..agenda import Agenda
from ..config import Churn
from ..state import CUSTOMER, NEVER
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


class ChurnProcess:
    """Churn in one place: each person's clock, and who leaves on which day.

    When the hazard is fixed at joining (no satisfaction drift, and the referred
    advantage does not depend on the referrer staying) the churn day is known then,
    the first day with k * h >= E after joining (k = ceil(E / h)), and is filed on
    an agenda; otherwise each active customer's hazard is added up day by day.
    """

    def __init__(self, cfg: Churn, people, rng_of, horizon: int, hazard_fixed_at_joining: bool):
        self.cfg, self.people, self.horizon = cfg, people, horizon
        self.on = cfg.monthly_rate > 0
        self.scheduled = self.on and hazard_fixed_at_joining and not cfg.only_while_referrer_active
        self._due = Agenda()
        # a person's own hazard multiplier (reward seekers churn faster), and the day their
        # scheduled churn is due: a rescheduled customer leaves an outdated agenda entry
        self.multiplier = np.ones(people.n, np.float64)
        self._leave_day = np.full(people.n, NEVER, np.int64) if self.scheduled else None
        self._rescheduled = False
        # a clock is drawn only when it can ring: a stream that is not drawn from
        # leaves every other stream unchanged
        if self.on:
            people.churn_clock[:] = rng_of("churn").exponential(1.0, people.n)

    def joined(self, who: np.ndarray, scores: np.ndarray, referred: np.ndarray, day: int) -> None:
        """File the churn day of customers who joined on ``day`` (scheduled churn only)."""
        if not self.scheduled:
            return
        hazard = daily_hazard(self.cfg, scores, referred, None) * self.multiplier[who]
        # the first day at risk is the day after joining
        self._file(who, day, self.people.churn_clock[who], hazard)

    def _file(self, who, last_day_survived, clock_left, hazard) -> None:
        """Churn on the first day d > last_day_survived with (d − last_day_survived) · h >= clock left."""
        with np.errstate(divide="ignore", invalid="ignore"):
            wait = np.ceil(clock_left / hazard)
        leave = np.where(np.isfinite(wait), last_day_survived + np.maximum(wait, 1), NEVER)
        leave = np.where(leave > self.horizon, NEVER, leave).astype(np.int64)
        self._leave_day[who] = leave
        self._due.file_each(who, leave)

    def rescored(self, who: np.ndarray, old_scores: np.ndarray, new_scores: np.ndarray, day: int) -> None:
        """Customers whose satisfaction changed on ``day`` (before its churn stage): a
        scheduled churn day is recomputed from the clock left after days adopted+1..day−1
        at the old hazard, so the hazard is piecewise constant and exact. (Polled churn
        reads the current scores every day and needs nothing.)"""
        if not self.scheduled or not len(who):
            return
        p = self.people
        referred = p.referred_by[who] >= 0
        old = daily_hazard(self.cfg, old_scores, referred, None) * self.multiplier[who]
        new = daily_hazard(self.cfg, new_scores, referred, None) * self.multiplier[who]
        elapsed = np.maximum(day - 1 - p.adopted_day[who], 0)
        # the hazard used so far is the current one since joining plus an offset kept in churn_hazard
        # (unused by scheduled churn otherwise), so that a second change takes what each hazard used
        # in its own days (it had taken the current hazard since joining: a second annoyance filed
        # churn 13 days early); the drawn clock stays each person's luck
        used = p.churn_hazard[who] + old * elapsed
        p.churn_hazard[who] = used - new * elapsed
        self._rescheduled = True
        self._file(who, day - 1, np.maximum(p.churn_clock[who] - used, 0.0), new)

    def pending(self) -> tuple[Agenda, np.ndarray | None]:
        """The churn agenda and each person's scheduled churn day (None unless scheduled):
        what the compiled kernel takes over."""
        return self._due, self._leave_day

    def leavers(self, customers: np.ndarray, day: int, scores_of) -> np.ndarray:
        """Who of ``customers`` (active at the start of the day) churns today;
        ``scores_of(who)`` gives their current satisfaction scores."""
        p = self.people
        if not self.on or not len(customers):
            return np.zeros(0, np.int32)
        if self.scheduled:
            due = self._due.take(day)
            due = due[self._leave_day[due] == day]
            # a customer rescheduled back to an earlier day holds two entries for it
            return np.unique(due) if self._rescheduled else due
        p.churn_hazard[customers] += self.hazard(customers, scores_of(customers))
        return customers[p.churn_hazard[customers] >= p.churn_clock[customers]]

    def hazard(self, who: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Today's daily hazard of customers ``who`` with current ``scores`` (their own multiplier included)."""
        p = self.people
        referred = p.referred_by[who] >= 0
        referrer_active = None
        if self.cfg.only_while_referrer_active:
            referrer_active = np.zeros(len(who), bool)
            referrer_active[referred] = p.state[p.referred_by[who[referred]]] == CUSTOMER
        return daily_hazard(self.cfg, scores, referred, referrer_active) * self.multiplier[who]
