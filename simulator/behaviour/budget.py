"""The reward budget: company money, an optional monthly pace, and what happens when it runs out.

Rewards are paid at face value to customers; the company pays ``cost_share`` of
it (``program.cost_shares`` by reward type, or the incentive's own
``cost_share``). ``budget`` and ``budget_per_month`` count company money. Payments
are made in order while their running total fits what is left: of the budget,
and of the month's allowance ``budget_per_month · (months begun) − spent``.
A payment that does not fit exhausts the budget (the day is recorded), or, when
only the month's allowance is short, pauses the reward until the next month; the
engine then keeps what the allowance could not pay, and what falls due during the
pause, and pays it first when the allowance refills.

Paid on qualification, ``budget`` caps what the program commits, not what it has
paid so far: a referral made for a reward reserves the company cost of the claims
it brings (:meth:`reserve`) at once, and the budget is exhausted when a referral's
reservation does not fit ``budget − spent − reserved``. A reservation is released
when its claims fall due (:meth:`release`) and they are paid from it and what is
left, exhausted or not; what a void claim does not use stays free but reopens no
exhausted budget. With a monthly allowance as well (``holds``), a claim the allowance
defers keeps its cost reserved (``held``) until it is paid as the allowance refills, even
after the budget ran out: exhaustion stops new reservations, not those payments.
Paid on signup reservation and payment coincide: nothing is reserved, but a claim the
allowance defers is held all the same (``holds`` with a total budget and an allowance,
whenever the reward is paid), so that the offer closes where the budget cannot pay a
referral beside the claims still waiting, and those claims are paid as it refills.
"""

from __future__ import annotations

import math

import numpy as np

from ..config import NoIncentive
from .churn import DAYS_PER_MONTH


def months_begun(days: int) -> int:
    """The allowance months begun by day ``days`` (month k holds the days d with
    k <= (d - 1) / 30.4375 < k + 1): what a monthly allowance adds up to over a horizon."""
    return Budget.month_of(days) + 1


class Budget:
    def __init__(self, incentive, cost_share: float):
        self.cost_share = cost_share
        none = isinstance(incentive, NoIncentive)
        self.left = math.inf if none or incentive.budget is None else float(incentive.budget)
        self.per_month = None if none else incentive.budget_per_month
        self.ends_program = not none and incentive.on_budget_exhausted == "end_program"
        # paid on qualification a budget is committed when a referral is made (reserve)
        self.reserving = not none and incentive.budget is not None and incentive.paid_on == "qualification"
        # a total budget closes the offer at the first referral whose rewards do not fit what is left, paid on
        # signup as on qualification: that referral and the day's later ones are made without a reward (paid on
        # signup the ones before it are paid that day). Paid on signup the day's later friends had joined for the
        # reward, unpaid, and a $1,500 budget committed $7,000 on a launch day (engine._offer_closes_at)
        self.closes_offer = not none and incentive.budget is not None
        self.reserved = 0.0  # company cost of the rewards promised and not yet fallen due
        # with a monthly allowance as well, a reserved claim the allowance defers keeps its
        # reservation while it waits (held, part of reserved), even after the budget ran out
        # paid on signup too: the offer's check ignored the claims the allowance held back, and a budget of 450 paid
        # 450 and owed 10 more; and those claims were lost on the day it closed the offer, though they fit it
        self.holds = not none and incentive.budget is not None and self.per_month is not None
        self.held = 0.0
        self.committed = 0.0  # the most spent + reserved ever was: a budget above it makes the same run
        self.spent = 0.0
        self.unpaid = 0.0  # company cost of the rewards that fell due once the budget was exhausted
        self.exhausted_day: int | None = None
        self._paused_until = 0  # first day the reward is on again after a month's allowance ran out

    @staticmethod
    def month_of(day: int) -> int:
        """Month k holds the days d with k <= (d - 1) / 30.4375 < k + 1 (month 0: days 1..31)."""
        return int(math.floor((day - 1) / DAYS_PER_MONTH))

    def _month_left(self, day: int) -> float:
        if self.per_month is None:
            return math.inf
        return self.per_month * (self.month_of(day) + 1) - self.spent

    def state(self) -> tuple[int | None, int, float, float, float, float, float, float]:
        """(exhausted day, first day of the reward after a paused month, left, spent,
        unpaid, reserved, committed, held): what the kernel carries."""
        return (self.exhausted_day, self._paused_until, self.left, self.spent, self.unpaid, self.reserved,
                self.committed, self.held)

    def restore(self, exhausted_day: int | None, paused_until: int, left: float, spent: float, unpaid: float,
                reserved: float, committed: float, held: float) -> None:
        """Take back the state the kernel carried (see :meth:`state`)."""
        (self.exhausted_day, self._paused_until, self.left, self.spent, self.unpaid, self.reserved,
         self.committed, self.held) = exhausted_day, paused_until, left, spent, unpaid, reserved, committed, held

    def reserve(self, costs: np.ndarray, day: int) -> int:
        """Reserve the company cost of each of today's referrals made for a reward, in
        order, while the running total fits ``left − reserved``; returns how many fit.
        The first that does not fit, or a reservation that uses the budget up, exhausts it:
        that referral and those after it are made without a reward."""
        running = np.cumsum(costs)
        fits = self.fitting(costs)
        if fits:
            self.reserved += float(running[fits - 1])
            self.committed = max(self.committed, self.spent + self.reserved)
        if fits < len(costs) or self.left - self.reserved <= 1e-9:
            self.exhausted_day = day
        return fits

    def fitting(self, costs: np.ndarray) -> int:
        """How many of these reservations, in order, fit ``left − reserved`` (reserve makes them)."""
        short = ~(np.cumsum(costs) <= self.left - self.reserved + 1e-9)
        return int(np.argmax(short)) if short.any() else len(costs)

    def close(self, day: int) -> None:
        """A referral's reservation did not fit: the budget is exhausted, as reserve would say."""
        self.exhausted_day = day

    def release(self, amount: float) -> None:
        """Claims fall due: their reservation is free again, to pay them first (pay)."""
        self.reserved -= amount

    @property
    def paused_until(self) -> int:
        """The first day the reward is on again after a month's allowance ran out (0: never paused)."""
        return self._paused_until

    def reward_on(self, day: int) -> bool:
        """Whether the reward is offered on ``day`` (budget not exhausted, month not spent)."""
        return self.exhausted_day is None and day >= self._paused_until

    def hold(self, face_values: np.ndarray, day: int) -> None:
        """Claims deferred without a try (they fell due while the allowance is spent): their
        company cost stays reserved while they wait (``holds`` only). A hold that uses the
        budget up exhausts it, as a reservation does."""
        if not len(face_values):
            return
        cost = float(np.cumsum(face_values * self.cost_share)[-1])
        self.held += cost
        self.reserved += cost
        self.committed = max(self.committed, self.spent + self.reserved)
        if self.exhausted_day is None and self.left - self.reserved <= 1e-9:
            self.exhausted_day = day

    def pay(self, face_values: np.ndarray, day: int) -> tuple[np.ndarray, float, np.ndarray | None]:
        """Which of the requested rewards (face values, in order) are affordable, and their
        company cost; and, when the budget ``holds`` deferred claims, which of the refused the
        allowance defers (they fit the budget: held again until the next try), the others being
        lost to it (and exhausting it). Otherwise None: every refused reward is deferred until
        the budget is exhausted, and lost after."""
        costs = face_values * self.cost_share
        if self.holds:
            return self._pay_holding(costs, day)
        running, affordable, cost, budget_left = self._spend(costs, day)
        refused = ((costs > 0) & ~affordable).any()
        if self.exhausted_day is not None:  # reserved rewards paid after it: nothing reopens
            return affordable, cost, None
        if self.left - self.reserved <= 1e-9 or (refused and running[~affordable][0] > budget_left + 1e-9):
            self.exhausted_day = day
        elif refused or self._month_left(day) <= 1e-9:
            self._pause(day)
        return affordable, cost, None

    def _spend(self, costs: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Pay the claims' costs, in order, while their running total fits what is left of
        the budget (what others' reservations hold back is not for these claims) and of the
        month's allowance; returns the running total, which were paid, their cost, and the
        budget left before."""
        budget_left, month_left = self.left - self.reserved, self._month_left(day)
        running = np.cumsum(costs)
        affordable = running <= min(budget_left, month_left) + 1e-9
        cost = float(costs[affordable].sum())
        self.left -= cost
        self.spent += cost
        return running, affordable, cost, budget_left

    def _pause(self, day: int) -> None:
        """The month's allowance is spent: the reward is off until the next month begins."""
        next_month = self.month_of(day) + 1
        self._paused_until = int(math.ceil(next_month * DAYS_PER_MONTH)) + 1

    def _pay_holding(self, costs: np.ndarray, day: int) -> tuple[np.ndarray, float, np.ndarray]:
        """Budget.pay with a total budget and a monthly allowance, paid on qualification: what
        the last try held is released first (the deferred claims are in ``costs``, first), and
        what the allowance refuses within the budget is held again, exhausted or not; the
        allowance pauses the reward as before, and keeps pacing the held claims after it."""
        self.reserved -= self.held
        self.held = 0.0
        running, affordable, cost, budget_left = self._spend(costs, day)
        kept = ~affordable & (running <= budget_left + 1e-9)
        lost = ~affordable & ~kept
        if kept.any():
            self.held = float(np.cumsum(costs[kept])[-1])
            self.reserved += self.held
        # paid on signup what is paid here was never reserved: committed followed the holds alone (620 of 800 spent)
        self.committed = max(self.committed, self.spent + self.reserved)
        if self.exhausted_day is None and (self.left - self.reserved <= 1e-9 or ((costs > 0) & lost).any()):
            self.exhausted_day = day
        if ((costs > 0) & kept).any() or self._month_left(day) <= 1e-9:
            self._pause(day)
        return affordable, cost, kept
