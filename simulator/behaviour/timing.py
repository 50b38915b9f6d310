"""When customers are asked to refer, and when they are reminded."""

from __future__ import annotations

import numpy as np

from ..config import AtPurchase, Campaign, Milestone, NeverAsk, Onboarding
from ..state import NEVER, SEED


def first_ask_day(timing, day: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Day of the first ask for ``count`` people who joined on ``day``.

    at_purchase / onboarding: day + 1 + delay_days (0 = the first step after joining);
    milestone: reached by a share reach_share, on day + Geometric(1 / (delay_days + 1))
    (mean delay_days + 1 after joining), or with ``schedule: fixed`` on tenure day
    delay_days exactly (at least the day after joining); never / campaign: none at joining.
    """
    if isinstance(timing, (AtPurchase, Onboarding)):
        return np.full(count, day + 1 + timing.delay_days, np.int32)
    if isinstance(timing, Milestone):
        reach = rng.random(count) < timing.reach_share
        if timing.schedule == "fixed":
            wait = np.full(count, max(timing.delay_days, 1))
        else:
            wait = rng.geometric(1.0 / (timing.delay_days + 1.0), count)
        return np.where(reach, day + wait, NEVER).astype(np.int32)
    if isinstance(timing, (NeverAsk, Campaign)):
        return np.full(count, NEVER, np.int32)
    raise TypeError(f"unknown timing kind {timing.kind!r}")


def late_asks(timing, window: int, days: int | None = None, joined: int = 0) -> tuple[int, int] | None:
    """(first, last) ask day after joining, as first_ask_day files them (delay_days + 1;
    a geometric milestone's mean; a fixed one's day), when a design asks late against K's
    ``window``: its first ask at half the window or later, or its last reminder past it.
    A campaign's first is the mean wait from joining to its next push (campaign_wait, over
    its days within the horizon ``days``). None for a design that asks early or never."""
    lags = ask_lags(timing, days, joined)
    if lags is None:
        return None
    first, last = lags
    return (first, last) if first >= window / 2 or last >= window else None


def ask_lags(timing, days: int | None = None, joined: int = 0) -> tuple[int, int] | None:
    """(first, last) ask day after joining, as first_ask_day files them: delay_days + 1
    (a geometric milestone's mean), a fixed milestone's day, a campaign's mean wait
    (campaign_wait); the last adds the reminders the horizon ``days`` has room for after
    the ask of one joining on day ``joined`` (first_joining_day: 1 unless day 0's
    customers are asked as new; counted from day 0, a reminder due on day 61 of a 60-day
    run was said to be the design's last ask). None for a design that never asks a joiner."""
    if isinstance(timing, Campaign):
        first = campaign_wait(timing, days)
        if first is None:
            return None
        sent = reminders_within(timing, days)   # after a push: counted from the first push's day
    else:
        first = joiner_lag(timing)
        if first is None:
            return None
        sent = reminders_within(timing, days, first=joined + first)   # a joiner's: from its own first ask
    reminders = getattr(timing, "reminders", None)
    last = first + (sent * reminders.interval_days if reminders is not None else 0)
    return first, last


def scenario_reminders(scenario) -> int:
    """reminders_within for a whole scenario: its horizon, its launch and whether anyone
    is a customer on day 0 (initial customers or influencers, whom the launch asks)."""
    program = scenario.program
    return reminders_within(program.timing, scenario.days, program.launch, existing=has_day_zero_customers(scenario))


def has_day_zero_customers(scenario) -> bool:
    """Whether anyone is a customer on day 0: initial customers, or influencers (a count
    of 0 adds none: `influencers: {count: 0}` was taken for some)."""
    influencers = getattr(scenario.program, "influencers", None)
    return scenario.population.initial_count > 0 or (influencers is not None and getattr(influencers, "count", 1) > 0)


def first_joining_day(scenario) -> int:
    """The first day a customer joins who is asked as a joiner: day 0 where the launch
    asks day 0's customers as new (`as_new`), else day 1 (they are asked once at launch,
    or never)."""
    return 0 if has_day_zero_customers(scenario) and scenario.program.launch.ask_existing == "as_new" else 1


def joiner_lag(timing) -> int | None:
    """The day after joining a design first asks (delay_days + 1; a fixed milestone's
    day; a geometric milestone's mean wait), as first_ask_day files them; None for a
    design that asks no joiner (never, a campaign's calendar days)."""
    delay = getattr(timing, "delay_days", None)
    if delay is None or isinstance(timing, (NeverAsk, Campaign)):
        return None
    return max(delay, 1) if isinstance(timing, Milestone) and timing.schedule == "fixed" else delay + 1


def earliest_ask(timing, launch=None, existing: bool = True) -> int | None:
    """The first day any customer can be asked: a campaign's first push; day 1 where a
    launch ask may reach the customers of day 0 (``launch``, program.launch: None reads
    as the default, once, which asks from day 1; ``existing``: there are customers on day
    0, initial ones or influencers); else a joiner's ask, ``joiner_lag`` after joining, on
    day 0 where the day-0 customers are asked as new, else on day 1 at the earliest (a
    geometric milestone's wait can be a single day). None: never asked."""
    if isinstance(timing, NeverAsk):
        return None
    if isinstance(timing, Campaign):
        return min(timing.days, default=None)
    ask_existing = "once" if launch is None else launch.ask_existing
    if existing and ask_existing == "once":
        return 1
    joined = 0 if existing and ask_existing == "as_new" else 1   # under never, or with nobody on day 0: day 1
    geometric = isinstance(timing, Milestone) and timing.schedule == "geometric"
    return joined + (1 if geometric else joiner_lag(timing))


def reminders_within(timing, days: int | None, launch=None, first: int | None = None, existing: bool = True) -> int:
    """How many of a design's reminders can fall within a ``days``-day horizon: the k-th
    can only if first + k · interval_days ≤ days, ``first`` the earliest ask day
    (earliest_ask with ``launch`` and ``existing``, unless given; None for ``days``: no
    horizon, all of them). A reminder 3,650 days after the ask of a 365-day run is never
    sent, and reports named it as a difference between designs; so was one 7 days after
    a push on day 55 of a 60-day run, counted from day 1, and one after an ask on day 54
    at the earliest (delay 52, nobody asked on day 0)."""
    reminders = getattr(timing, "reminders", None)
    if reminders is None or isinstance(timing, NeverAsk):
        return 0
    if days is None:
        return reminders.count
    start = earliest_ask(timing, launch, existing) if first is None else first
    if start is None:
        return 0
    return min(reminders.count, max(0, (days - start) // reminders.interval_days))


def campaign_wait(timing: Campaign, days: int | None = None) -> int | None:
    """The mean days from joining to a campaign's next push, for customers joining evenly
    between day 0 and its last push within the horizon ``days``: with gaps g between its
    pushes, sum(g^2) / (2 sum(g)), rounded. Pushes 90 days apart ask the average joiner
    45 days in, past a 30-day K window, and K read a third of an at-purchase design's for
    that alone. None when no push falls within the horizon."""
    pushes = sorted({d for d in timing.days if days is None or d <= days})
    if not pushes:
        return None
    gaps = np.diff([0, *pushes])
    return int(round(float((gaps ** 2).sum()) / (2 * float(gaps.sum()))))


def campaign_today(timing, day: int) -> bool:
    return isinstance(timing, Campaign) and day in timing.days


def eligible(timing, scores: np.ndarray, launched: np.ndarray | None = None) -> np.ndarray:
    """Milestone asks go only to customers satisfied enough at the milestone. ``launched``:
    which of the asked are existing customers asked by the launch (``program.launch.
    ask_existing: once``, launch_asks): a launch e-mail and its reminders reach them at no
    milestone of theirs, so the milestone's bar does not apply to them (as under any
    other timing kind)."""
    if isinstance(timing, Milestone):
        ok = scores >= timing.min_satisfaction
        return ok if launched is None else ok | launched
    return np.ones(len(scores), bool)


def launched(launch, channel: np.ndarray) -> np.ndarray | None:
    """Which customers (``channel``: state.SEED for those of day 0) the launch asks,
    their reminders included: the existing ones, under ``ask_existing: once``; None
    otherwise (``as_new`` asks them as new customers, at their milestone)."""
    return channel == SEED if launch.ask_existing == "once" else None


def next_ask_day(timing, day: int, asks_so_far: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """Reminder schedule: customers who did not share at this ask are asked again every
    interval_days, up to reminders.count times after the first ask. ``asks_so_far``
    counts this one; for a campaign, the asks since the customer's latest push (its
    pushes are each a first ask: two pushes with one reminder each remind twice, where
    a count over all asks had reminded after the first only)."""
    if isinstance(timing, NeverAsk):
        return np.full(len(asks_so_far), NEVER, np.int32)
    reminders = timing.reminders
    again = (~shared) & (asks_so_far < 1 + reminders.count)
    return np.where(again, day + reminders.interval_days, NEVER).astype(np.int32)


def fatigue(timing, earlier_asks: np.ndarray) -> np.ndarray:
    """fatigue ** k, k = asks before this one."""
    if isinstance(timing, NeverAsk):
        return np.ones(len(earlier_asks))
    return timing.reminders.fatigue ** earlier_asks.astype(np.float64)


def moment(timing, effect, earlier_asks: np.ndarray, campaign: bool, launched: np.ndarray | None = None,
           push: np.ndarray | None = None) -> np.ndarray:
    """Share multiplier of the moment of each ask (program.moment_effect): a first ask is a
    ``campaign`` on a campaign day or when it is an existing customer's launch ask
    (``launched``: which asks go to existing customers asked at launch, launched_customers;
    a launch e-mail reaches them at no moment of theirs, whatever the timing kind does for
    new customers), else the moment the timing kind names (purchase, onboarding,
    milestone). A reminder (an ask after an earlier one) is a ``reminder``, but never at a
    larger moment than the first ask it follows: a reminder of a calendar blast or a
    launch e-mail comes at no moment of the customer's either (at 1.0 it was taken up more
    often than the blast's 0.8, and three reminders multiplied a blast's shares 3.2-fold
    against an ask at purchase's 2.6). A campaign's push is a ``campaign`` ask whatever
    came before it (``push``: which asks are a push's; fatigue still counts the earlier
    asks): a second push had been read as a reminder, at 1.0 against the first push's 0.8."""
    first = {"at_purchase": effect.purchase, "onboarding": effect.onboarding, "milestone": effect.milestone,
             "campaign": effect.campaign, "never": 1.0}[timing.kind]
    if campaign:
        first = effect.campaign
    if launched is not None:
        first = np.where(launched, effect.campaign, first)
    reminder = np.minimum(effect.reminder, first)
    if push is not None:
        return np.where(push, effect.campaign, reminder)
    return np.where(earlier_asks > 0, reminder, first)


def launched_customers(launch, channel: np.ndarray) -> np.ndarray | None:
    """Which asks go to existing customers asked at launch (``program.launch.ask_existing:
    once``): customers there on day 0 (``channel``: state.SEED), whose first ask is the
    launch e-mail and whose later asks its reminders. None when there are none (``never``;
    ``as_new`` asks them as if they had just joined)."""
    if launch.ask_existing != "once":
        return None
    return channel == SEED


def annoyed(timing, earlier_asks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which of the asked are annoyed: each ask beyond the first, with probability
    reminders.annoyance (one draw per reminder; none drawn when there is no reminder)."""
    reminded = np.flatnonzero(earlier_asks > 0)
    out = np.zeros(len(earlier_asks), bool)
    if isinstance(timing, NeverAsk) or not len(reminded) or timing.reminders.annoyance <= 0:
        return out
    out[reminded] = rng.random(len(reminded)) < timing.reminders.annoyance
    return out


def asks_once_at_launch(timing, launch) -> bool:
    """Whether the customers there on day 0 get one launch ask spread over
    ``launch.spread_days`` (launch_ask_day's `once`): `ask_existing: once`, under a
    timing that asks at joining (never and campaign ask no one then)."""
    return launch.ask_existing == "once" and not isinstance(timing, (NeverAsk, Campaign))


def launch_ask_day(timing, launch, uniform: np.ndarray) -> np.ndarray:
    """First ask of the customers who exist on day 0 (``program.launch``).

    once: one launch ask on day 1 + floor(u * spread_days), u ~ U(0, 1) drawn per
    customer; never: none; as_new: as if they had just joined (at_purchase and
    onboarding ask them on day 1 + delay_days). Timings that ask no one at joining
    (never, campaign) make no launch ask either.
    """
    if asks_once_at_launch(timing, launch):
        return (1 + np.floor(uniform * launch.spread_days)).astype(np.int32)
    if isinstance(timing, (NeverAsk, Campaign)) or launch.ask_existing == "never":
        return np.full(len(uniform), NEVER, np.int32)
    return None  # as_new: the caller uses first_ask_day
