"""What is recorded: the daily columns (declared once) and the per-run summary metrics."""

from __future__ import annotations

import math
from typing import Hashable, Mapping, Sequence

import numpy as np

from .behaviour import incentive as inc
from .behaviour.churn import DAYS_PER_MONTH, daily_hazard
from .behaviour.economics import contract_equity, contract_lifetime_value, customer_equity, lifetime_value, survival
from .config import offers_reward
from .stages import PROGRAM_COSTS
from .state import CUSTOMER, NEVER, PROSPECT

#: Daily columns, in output order, with their meaning. The engine fills exactly these.
DAILY_COLUMNS: dict[str, str] = {
    "prospects": "people who have not adopted [people]",
    "customers": "active customers at the end of the day [people]",
    "churned": "people who have churned so far [people]",
    "new_organic": "prospects who adopted on their own today [people]",
    "new_referred": "prospects who adopted through a tracked referral (a referral link) today [people]",
    "new_word_of_mouth": "prospects who adopted through an untracked invitation (word of mouth) today [people]",
    "new_churned": "customers who churned today [people]",
    "new_fraud": "fake accounts signed up today alongside tracked referrals, for their rewards (not people of the graph, not counted elsewhere) [accounts]",
    "asks": "asks to refer made today (first asks, reminders, campaigns) [asks]",
    "shares": "shares today, asked and spontaneous [shares]",
    "spontaneous_shares": "unprompted shares today [shares]",
    "negative_messages": "detractors who spoke against the product to their friends today [messages]",
    "annoyed": "customers annoyed by a reminder today [people]",
    "invites": "invitations sent today [invitations]",
    "rewards_paid": "rewards paid today, referrer and referee [rewards]",
    "revenue": "margin earned today [currency]",
    "reward_cost": "company cost of the rewards paid today (face value x cost_share) [currency]",
    "fraud_cost": "company cost of the rewards paid today on fake accounts' claims (part of reward_cost) [currency]",
    "acquisition_cost": "organic acquisition cost today [currency]",
    "ask_queue": "due customers waiting for targeted-asking capacity at the end of the day [people]",
    "staff_asks": "customers mentioned the program by staff today (not in asks) [people]",
    "influencer_shares": "shares by influencers today, sponsored posts included [shares]",
    "delight_actions": "surprise gifts or upgrades given today [actions]",
    "influencer_cost": "influencer fees paid today (all on day 1) [currency]",
    "ask_cost": "cost of today's targeted asks, asks * cost_per_ask [currency]",
    "delight_cost": "cost of today's delight actions, actions * cost_each [currency]",
    "staff_cost": "staff time spent on the program today [currency]",
    "profit": "revenue - reward_cost - acquisition_cost - influencer_cost - ask_cost - delight_cost - staff_cost [currency]",
    "cumulative_profit": "profit to date [currency]",
}
COUNT_COLUMNS = ("prospects", "customers", "churned", "new_organic", "new_referred", "new_word_of_mouth", "new_churned", "new_fraud",
                 "asks", "shares", "spontaneous_shares", "negative_messages", "annoyed", "invites", "rewards_paid",
                 "ask_queue", "staff_asks", "influencer_shares", "delight_actions")
COLUMN_INDEX = {name: i for i, name in enumerate(DAILY_COLUMNS)}

#: Summary metrics of one run, with their meaning; summaries report mean and 95% interval.
SUMMARY_METRICS: dict[str, str] = {
    "customers_final": "active customers on the last day [people]",
    "adopters": "people who ever adopted, initial customers excluded [people]",
    "referred_customers": "people who adopted through a tracked referral (the referral link) [people]",
    "word_of_mouth_customers": "people who adopted through an untracked invitation [people]",
    "referred_share": "tracked referred adopters / all adopters (initial customers excluded) [fraction]",
    "k_factor": "cohort K: tracked referrals made within k_window_days of joining, per customer whose window has elapsed [-]",
    "reward_cost": "company cost of the rewards paid (face value x cost_share) [currency]",
    "fraud_cost": "company cost of the rewards paid on fake accounts' claims (part of reward_cost) [currency]",
    "fake_accounts": "fake accounts signed up alongside tracked referrals, for their rewards: not customers; their share of referral signups is fake_accounts / (fake_accounts + referred_customers) [accounts]",
    "non_qualifying_signups": "referral sign-ups who never meet the qualifying condition (program.incentive.qualifying_share), beside the tracked referrals made for a reward: not customers; paid on signup each claims a reward, on qualification none [accounts]",
    "program_cost": "what the program cost: reward_cost plus the levers' costs (account managers' asks, staff, influencers, delight actions) [currency]",
    "attributed_roi": "(revenue of tracked referred customers - reward cost) / reward cost: what a referral dashboard shows, not a verdict [-]",
    "cost_per_referred_customer": "reward cost / tracked referred customers: the rewards alone, not the levers' costs (program_cost has them) [currency]",
    "ltv_referred": "discounted lifetime value of a customer who joined through a friend's invitation, tracked referral or untracked word of mouth alike (so a design without a program has one) [currency]",
    "ltv_organic": "discounted lifetime value of an organic or initial customer [currency]",
    "ltv_ratio": "ltv_referred / ltv_organic [-]",
    "cumulative_profit": "profit over the horizon (1-year profit for a 365-day run) [currency]",
    "budget_exhausted_day": "day the budget ran out (NaN if it never did) [day]",
    "rewards_unpaid": "company cost of the rewards the referrals earned that the budget does not pay: those that fell due once it had run out (a reward committed before then is paid: paid on qualification when due, and a claim a spent monthly allowance deferred as it refills; only what a tier adds to a claim since is lost), and the expected cost of those due after the last day beyond what is left of it; charged to incremental_value all the same [currency]",
    "equity_final": "expected discounted future margin of the customers active on the last day [currency]",
    "rewards_owed": "expected discounted company cost of the rewards due after the last day for referrals made by then (paid on qualification, or deferred by a spent monthly allowance) [currency]",
    "pipeline_equity": "expected discounted value, on the last day, of the referrals still converting after it (in a conversion lag or sales pipeline): each friend's equity as a new customer less the rewards the referral triggers [currency]",
    "pipeline_rewards_beyond_budget": "expected discounted company cost of the rewards of the referrals still converting after the last day that a total budget (paid on signup or on qualification) has no room for: the budget will not pay them, so pipeline_equity does not charge them; a budget that runs out only after the horizon saves this on referrals already made, while the asks its end stops are not seen (0 without such a budget) [currency]",
    "influencers_own_value": "the recruited influencers' own margin over the horizon and customer equity at its end: they join as customers on day 0 and the no-program twin has none of them, so this part of incremental_value is customers bought with their fees, not their reach (0 without influencers) [currency]",
    "net_value": "what the run is worth at its horizon: cumulative_profit + equity_final + pipeline_equity - rewards_owed - rewards_unpaid; incremental_value is it less the no-program twin's, so between designs sharing a twin their difference in it is their difference in incremental_value (compare ranks on it where the twins were not run) [currency]",
}


#: The values a metric can take, where they are bounded: a 95% interval of the mean is cut
#: to them (the true mean lies within them, so the cut interval covers it as often; a
#: t-interval over few replicates of a share near 0 would otherwise reach below 0).
METRIC_BOUNDS: dict[str, tuple[float, float]] = {
    **{name: (0.0, math.inf) for name in ("customers_final", "adopters", "referred_customers", "word_of_mouth_customers",
                                          "k_factor", "program_k", "reward_cost", "fraud_cost", "fake_accounts", "non_qualifying_signups", "program_cost", "rewards_owed", "cost_per_referred_customer", "rewards_unpaid", "pipeline_rewards_beyond_budget",
                                          "incremental_cac", "incremental_cac_vs_paid",
                                          # a lifetime's margin, at least 0 (a margin and its premium are; two runs
                                          # of 137.5 and 1,006.5 read [-4,949, 6,093])
                                          "ltv_referred", "ltv_organic", "ltv_ratio",
                                          # discounted margins of the customers still active: a margin (at least 0)
                                          # times 1 + a premium (at least -1); three runs read -39,351 – 170,559
                                          "equity_final")},
    "referred_share": (0.0, 1.0),
    # (revenue − cost) / cost with both at least 0: -1 at the least (an interval of two runs read -2.04)
    "attributed_roi": (-1.0, math.inf),
    "payback_day": (1.0, math.inf),   # day 1 at the earliest (runner.incremental_metrics)
    "budget_exhausted_day": (1.0, math.inf),   # day 0 is the launch state: nothing is spent (an interval read 0)
}


def cohort_k(people, day: int, window: int = 30, joined: np.ndarray | None = None) -> float:
    """Cohort K: tracked referrals each customer made within ``window`` days of joining,
    averaged over the customers who joined on day 1 or later and whose window has fully
    elapsed by ``day`` (adopted_day + window <= day). Initial customers are excluded
    (they did not join during the run). NaN when no cohort is complete.

    ``people`` is the engine's :class:`~simulator.state.People` (arrays ``adopted_day``,
    ``referred_by``, ``tracked``); a referral counts when the referee's adoption day is
    at most ``window`` days after the referrer's. ``joined``, when given, lists everyone
    who ever joined (the only people in a cohort or referred), to skip the others.
    """
    cohort, children = _cohorts(people, day, window, joined)
    return float(children[cohort].mean()) if len(cohort) else float("nan")


def _cohorts(people, day: int, window: int, joined: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The customers whose K window has elapsed (ascending ids) and, when there are any,
    everyone's tracked referrals within ``window`` days of joining: what cohort_k and
    cohort_k_by_month both count, found once for both."""
    if joined is None:
        joined = np.flatnonzero(people.adopted_day != NEVER)
    adopted = people.adopted_day
    at = adopted[joined]
    cohort = joined[(at >= 1) & (at + window <= day)]
    if not len(cohort):
        return cohort, None
    referee = joined[people.tracked[joined] & (people.referred_by[joined] >= 0)]
    referrer = people.referred_by[referee]
    in_window = adopted[referee] - adopted[referrer] <= window
    return cohort, np.bincount(referrer[in_window], minlength=len(adopted))


def k_month_days(day: int, window: int = 30, month_days: int = 30) -> list[tuple[int, int]]:
    """The join days each month of cohort_k_by_month counts, on ``day`` with a K window
    of ``window`` days: month m holds days 30m+1..30m+30, and the last month only those
    whose window had closed by ``day`` (at 365 days and a 30-day window, 331-335)."""
    last = day - window
    months = max(0, (last - 1) // month_days + 1)
    return [(m * month_days + 1, min((m + 1) * month_days, last)) for m in range(months)]


def cohort_k_by_month(people, day: int, window: int = 30, month_days: int = 30, *,
                      cohorts: tuple[np.ndarray, np.ndarray | None] | None = None) -> np.ndarray:
    """Cohort K split by join month: row 0 the customers of each 30-day join month whose
    window has fully elapsed, row 1 the tracked referrals they made within ``window``
    days of joining (the rule of :func:`cohort_k`; month m holds days 30m+1..30m+30).
    Their ratio is K by join month; the totals give back ``cohort_k``. ``cohorts``:
    what _cohorts found for the same people, day and window, when already found."""
    adopted = people.adopted_day
    cohort, children = cohorts if cohorts is not None else _cohorts(people, day, window)
    months = len(k_month_days(day, window, month_days))
    table = np.zeros((2, months), np.int64)
    if not len(cohort):
        return table
    month = (adopted[cohort] - 1) // month_days
    table[0] = np.bincount(month, minlength=months)
    table[1] = np.bincount(month, weights=children[cohort], minlength=months).astype(np.int64)
    return table


def net_value(metrics: dict[str, float]) -> float:
    """What a run is worth at its horizon: its profit, plus the equity of the customers
    still active, less the rewards still owed for referrals already made and those the
    referrals earned that the budget does not pay (a budget stops the program; it does
    not make what was earned free), plus what the referrals still converting will be worth."""
    return (metrics["cumulative_profit"] + metrics["equity_final"] - metrics["rewards_owed"]
            - metrics["rewards_unpaid"] + metrics["pipeline_equity"])


def influencers_own_value(engine, active: np.ndarray, hazard: np.ndarray | None) -> float:
    """The recruited influencers' own margin so far and the equity of those still active:
    what they bring as customers, apart from their reach. They join on day 0 and the
    no-program twin has none of them, so incremental_value counted them as the lever's:
    ten influencers who reached nobody 'paid' $139k in a B2B file at $150 a month. Those
    who were initial customers already are left out: the twin has them too."""
    mine = getattr(engine, "_influencer", None)
    if mine is None or not mine.any():
        return 0.0
    initial = getattr(engine, "_initial_ids", None)
    if initial is not None and len(initial):   # already customers of day 0: the no-program twin has them too
        mine = mine.copy()
        mine[initial] = False
        if not mine.any():
            return 0.0
    revenue = float(engine.revenue_to_date()[np.flatnonzero(mine)].sum())
    still = mine[active] if len(active) else np.zeros(0, bool)
    if not still.any():
        return revenue
    return revenue + equity_final(engine, active[still], hazard[still] if hazard is not None else None)


def equity(scenario, tenure: np.ndarray, referred: np.ndarray, hazard: np.ndarray,
           weight: np.ndarray | float = 1.0) -> np.ndarray:
    """Each customer's expected discounted margin still to come: economics.customer_equity,
    or under renewal contracts (churn.renewal) economics.contract_equity, which keeps an
    account to its next renewal date."""
    renewal = scenario.churn.renewal
    if renewal is None:
        return customer_equity(scenario.economics, tenure, referred, hazard, weight)
    return contract_equity(scenario.economics, tenure, referred, hazard, renewal.every_days, renewal.notice_days, weight)


def equity_final(engine, active: np.ndarray | None = None, hazard: np.ndarray | None = None) -> float:
    """Sum of :func:`equity` over the customers active on the last day, each
    under their own current daily churn hazard (segment, referred status, referrer) and
    margin (reward seekers: margin_ratio of it, no referred premium); ``active``, when
    given, lists them, and ``hazard`` their current hazards, when already known."""
    people, scenario, day = engine.people, engine.scenario, engine.day
    if active is None:
        active = np.flatnonzero(people.state == CUSTOMER)
    if not len(active):
        return 0.0
    if hazard is None:
        hazard = engine.current_hazard(active)
    tenure = day - people.adopted_day[active] + people.tenure_at_start[active]
    seeker = engine.seeker[active]
    referred = (people.referred_by[active] >= 0) & ~seeker
    weight = np.where(seeker, scenario.program.reward_seekers.margin_ratio, 1.0)
    return float(equity(scenario, tenure.astype(np.float64), referred, hazard, weight).sum())


def rewards_owed(engine, joined: np.ndarray | None = None, due: float | None = None) -> float:
    """What the budget will pay of the rewards that fall due after the last day
    (rewards_due_after, or ``due`` when known): all of them while it lasts, at most
    what is left of it, and none once it ran out, unless they were reserved before it
    (paid on qualification: a budget commits rewards when referrals are made, and what
    is left holds what it reserved). The rest is unpaid (run_summary)."""
    if engine.budget_exhausted_day is not None and not (engine.budget.reserving or engine.budget.holds):
        return 0.0
    # a budget spent to the cent can be left at -2.8e-14: that read as rewards owed of -2.8e-14, and as much unpaid
    left = engine.budget.left if engine.budget.left > 1e-9 else 0.0
    return min(rewards_due_after(engine, joined) if due is None else due, left)


def rewards_due_after(engine, joined: np.ndarray | None = None) -> float:
    """Expected company cost of the rewards that fall due after the last day for
    referrals made by then: what equity_final's customers still cost the program,
    whether or not the budget will pay them (rewards_owed, rewards_unpaid).

    First the rewards a spent month's allowance deferred (Engine.deferred_claims):
    already earned, they are paid in order as the allowance refills, from the month
    of budget.paused_until on, that month with every earlier month's unspent allowance
    and each later one with budget_per_month, whatever became of the friend. Then, paid on qualification, a referral made for a reward (people.rewarded)
    on day a is paid on a + q; those with a + q past the horizon are owed. Each is paid,
    as in the money stage, if the friend is still a customer then (probability
    exp(-h w) under their current daily hazard h, w = a + q - T days on), and their
    fake account's claim unless blocked. All at the referrer's tier and cap counting
    the claims before it, face value times cost_share, discounted like equity_final
    (exp(-d w)). None when no reward is on offer. ``joined``: everyone who ever joined,
    when known."""
    sc, p, day = engine.scenario, engine.people, engine.day
    incentive = sc.program.incentive
    if not offers_reward(incentive):
        return 0.0
    codes, masks = engine.deferred_claims()
    referrers, owes, weight, wait = _owed_claims(engine, codes, masks, joined)
    if not len(referrers):
        return 0.0
    earned = p.rewards_earned[referrers].copy()
    earned[owes[:, 0]] += inc.rank_within(referrers[owes[:, 0]])
    to_referrer = inc.referrer_reward(incentive, earned) * owes[:, 0]
    to_friend = inc.referee_reward(incentive) * owes[:, 1]
    rate = np.log1p(sc.economics.annual_discount_rate) / 365.0
    value = weight * np.exp(-rate * wait) * (to_referrer + to_friend)
    if len(codes):
        # the deferred sides, in order, as the allowance refills: budget_per_month a month
        # from the month of paused_until on (each side waits for the months its running cost needs)
        sides = np.column_stack([to_referrer[: len(codes)], to_friend[: len(codes)]])
        running = np.cumsum(sides.ravel() * engine.budget.cost_share)
        first = engine.budget.month_of(engine.budget.paused_until)
        # what that month has: its allowance and every earlier month's unspent (it accrues), not budget_per_month
        # alone (a third $4 side that $12 carried over paid on day 93 was priced a month later)
        ready = incentive.budget_per_month * (first + 1) - engine.budget.spent
        months = np.maximum(np.ceil((running - ready) / incentive.budget_per_month - 1e-9), 0)
        paid_day = np.ceil((first + months) * DAYS_PER_MONTH) + 1
        value[: len(codes)] = (sides * np.exp(-rate * (paid_day - day)).reshape(-1, 2)).sum(axis=1)
    return float(value.sum() * engine.budget.cost_share)


def _owed_claims(engine, codes: np.ndarray, masks: np.ndarray,
                 joined: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reward claims still owed after the last day, in the order the money stage
    would pay them (rewards_due_after): first the sides a spent month's allowance
    deferred (``codes``, ``masks``: Engine.deferred_claims), then, paid on
    qualification, each referral made for a reward whose a + q is past the horizon
    while the friend is a customer, followed by its fake account's claim unless
    blocked. Returns each claim's referrer, the sides it owes (referrer's, friend's),
    its weight (the friend's survival to the payment; 1 for a fake account's or a
    deferred claim) and its wait in days (0 for the deferred sides: set by the caller)."""
    sc, p, day = engine.scenario, engine.people, engine.day
    incentive = sc.program.incentive
    claims = inc.claim_referees(codes, p.n)
    weight = np.ones(len(codes))
    wait = np.zeros(len(codes))
    owes = np.column_stack([(masks & 1) != 0, (masks & 2) != 0])
    referrers = p.referred_by[claims]
    if incentive.paid_on == "qualification":
        if joined is None:
            joined = np.flatnonzero(p.adopted_day != NEVER)
        due = p.adopted_day[joined] + incentive.qualification_days
        owed = joined[p.rewarded[joined] & (due > day)]
        owed = owed[np.argsort(p.adopted_day[owed], kind="stable")]   # paid in order of joining
        waits = (p.adopted_day[owed] + incentive.qualification_days - day).astype(np.float64)
        alive = p.state[owed] == CUSTOMER
        survive = np.zeros(len(owed))
        tenure = day - p.adopted_day[owed[alive]] + p.tenure_at_start[owed[alive]]
        survive[alive] = survival(sc.churn.renewal, tenure, waits[alive], engine.current_hazard(owed[alive]))
        # each referral's claim while the friend is a customer, then its fake account's
        # unless blocked, in the order engine._pay_rewards pays them
        of, kind = inc.claims(alive, p.fraud[owed] & ~p.fraud_blocked[owed])
        weight = np.concatenate([weight, np.where(kind == 1, 1.0, survive[of])])
        wait = np.concatenate([wait, waits[of]])
        owes = np.concatenate([owes, np.ones((len(of), 2), bool)])
        referrers = np.concatenate([referrers, p.referred_by[owed[of]]])
    return referrers, owes, weight, wait


def pipeline_equity(engine) -> float:
    """See :func:`pipeline_equity_and_rewards_beyond_budget`."""
    return pipeline_equity_and_rewards_beyond_budget(engine)[0]


def pipeline_equity_and_rewards_beyond_budget(engine) -> tuple[float, float]:
    """``pipeline_equity`` and ``pipeline_rewards_beyond_budget`` of a finished run.

    Expected discounted value, on the last day T, of the referrals still converting
    after it: the successful invitations within their conversion lag or sales pipeline
    (Engine.pending_leads), which a longer run would turn into customers.

    Each friend converts once, through their first lead (of day L), if still a prospect
    and not due to join on their own before L (a referral wins a tie, as in the
    convert stage). They are then worth a new referred customer's equity from L on
    (:func:`equity` at tenure 0 under their hazard as a referred customer),
    less, for a tracked lead while a reward is on offer, its rewards: the referrer's
    (at the tier and cap reached counting the claims still owed, paid first, and the
    leads before it) plus the friend's, times
    cost_share, paid on L, or on L + q if the friend is still a customer then (paid on
    qualification); paid on signup below a qualifying_share s of 1, also the claims of
    the (1 - s) / s sign-ups expected beside it who never qualify; all discounted from T like equity_final, e^(-d (L - T));
    but a total budget (paid on signup or on qualification) rewards only the leads whose
    rewards, committed in order as the friends join, fit what it has left (budget - spent -
    reserved). Once the
    budget ran out, a lead sent with a reward on offer counts c0 / c1 of a customer (its
    friend finds the reward gone: Engine._offer_gone); so does one joining on a later day
    than the first lead that a reserving budget has no room for. Valued
    as ordinary customers: a reward seeker's margin and a fake account alongside are
    drawn only at joining and are left out."""
    sc, p = engine.scenario, engine.people
    days, leads = engine.pending_invitations()
    if not len(days):
        return 0.0, 0.0
    first = np.sort(np.unique(leads.target, return_index=True)[1])   # each friend's first lead, in order
    days, leads = days[first], leads.take(first)
    organic = p.organic_day[leads.target]
    joins = (p.state[leads.target] == PROSPECT) & ~((organic > engine.day) & (organic < days))
    days, leads = days[joins], leads.take(joins)
    if not len(days):
        return 0.0, 0.0
    target, referrer, tracked = leads.target.astype(np.int64), leads.referrer.astype(np.int64), leads.tracked
    econ = sc.economics
    d = np.log1p(econ.annual_discount_rate) / 365.0
    referrer_active = p.state[referrer] == CUSTOMER if sc.churn.only_while_referrer_active else None
    hazard = daily_hazard(sc.churn, p.satisfaction[target], np.ones(len(target), bool), referrer_active)
    ahead = np.exp(-d * (days - engine.day))
    if engine.budget_exhausted_day is not None and leads.offered.any():
        # invited with a reward on offer, joining once the spent budget took it away: each joins with probability
        # c0 / c1 (Engine._offer_gone); valued as sure customers, 84 leads stood for 54 (a one-day campaign's)
        ahead = ahead.copy()
        ahead[leads.offered] *= engine._offer_gone_keep(leads.take(leads.offered), engine.day)
    worth_each = equity(sc, np.zeros(len(target)), np.ones(len(target), bool), hazard)   # at signing: a fresh contract

    def worth(ahead: np.ndarray) -> float:
        with np.errstate(invalid="ignore"):  # inf * 0 where equity is infinite (no churn, no discount)
            return float((ahead * worth_each).sum())

    incentive = sc.program.incentive
    if not offers_reward(incentive) or engine.budget_exhausted_day is not None or not tracked.any():
        return worth(ahead), 0.0  # once the budget ran out no reward is on offer when the friends join
    discount, paid = ahead, referrer[tracked]
    # the claims still owed on the last day are paid before any lead's (a lead is paid on
    # L or L + q, after the horizon's own claims): they count towards the referrer's tier
    # and cap first, as in rewards_due_after (without them a capped referrer's lead was
    # charged a reward the money stage would not pay)
    owed_referrers, owes, _, _ = _owed_claims(engine, *engine.deferred_claims())
    owed_before = np.bincount(owed_referrers[owes[:, 0]], minlength=p.n)[paid] if owes[:, 0].any() else 0
    earned = p.rewards_earned[paid] + owed_before + inc.rank_within(paid)
    face = inc.referrer_reward(incentive, earned) + inc.referee_reward(incentive)
    beyond_cost = 0.0   # the rewards of the leads a reserving budget has no room for
    qualifies = _qualified(incentive, hazard[tracked], d, sc.churn.renewal)
    if incentive.paid_on == "signup" and incentive.qualifying_share < 1:
        # the (1 - q) / q sign-ups expected beside each lead who never qualify claim too,
        # after its own claim: valued at the referrer's reward for the claim after it (exact
        # where that reward does not change over their claims: no tier or cap boundary among them)
        beside = (1 - incentive.qualifying_share) / incentive.qualifying_share
        face = face + beside * (inc.referrer_reward(incentive, earned + 1) + inc.referee_reward(incentive))
    if engine.budget.closes_offer:
        # a total budget commits each referral's rewards as the friend joins, in order (paid on qualification it
        # reserves them, paid on signup pays them); the first that does not fit what is left exhausts it, and that
        # lead and the later ones join without a reward (engine._offer_closes_at). Paid on signup they were charged
        # whatever was left, and compare ranked signup "sure" over the same run paid on qualification after 0 days
        order = np.argsort(days[tracked], kind="stable")
        room = engine.budget.left - engine.budget.reserved
        fits = np.cumsum(face[order] * engine.budget.cost_share) <= room + 1e-9
        face = face.astype(float)
        beyond = order[np.cumprod(fits) == 0]
        unfunded = face.copy()
        face[beyond] = 0.0
        if not fits.all():
            # the budget runs out on the day of the first lead it has no room for: the friends invited with the
            # reward on offer who join on a later day find it gone and join with probability c0 / c1, as after a
            # budget spent within the run. Valued as sure customers (and charged nothing), they made a cap that
            # binds only past the horizon add value, "sure at 95%", over the same design without it
            # that lead and the same day's later ones as well (Engine._offer_closes_at thins the closing referral
            # itself): valued as sure customers, the out-day's 69 leads stood for 54 joining, over 52 seeds, and a cap
            # with $1 of room at the horizon read 7.7 above no cap where it is worth about 49 less
            closing = int(np.flatnonzero(tracked)[order[np.argmin(fits)]])
            out_day = days[closing]
            gone = leads.offered & ((days > out_day) | ((days == out_day) & (np.arange(len(days)) >= closing)))
            if gone.any():
                ahead = ahead.copy()
                ahead[gone] *= engine._offer_gone_keep(leads.take(gone), engine.day)
        # their rewards, which it will not pay (not charged below), of the friends who join all the same: what a cap
        # that runs out only after the horizon saves on the referrals already made, while the asks its end stops go
        # unseen
        beyond_cost = float((ahead[tracked] * qualifies * unfunded)[beyond].sum()) * engine.budget.cost_share
    cost = float((discount[tracked] * qualifies * face).sum()) * engine.budget.cost_share
    return worth(ahead) - cost, beyond_cost


def _qualified(incentive, hazard: np.ndarray, d: float, renewal=None) -> np.ndarray | float:
    """The discounted chance a lead's rewards are paid once its friend joins: paid q days
    on, to a friend still a customer (1 paid on signup; economics.survival from signing,
    under renewal contracts too)."""
    if incentive.paid_on != "qualification":
        return 1.0
    q = float(incentive.qualification_days)
    if renewal is None:
        return np.exp(-(hazard + d) * q)
    return survival(renewal, np.zeros_like(hazard), np.full_like(hazard, q), hazard) * np.exp(-d * q)


#: Day metrics undefined in a run that never got there (never paid back): the best of
#: several (sweep points, plotted levels) is one with the largest share of runs that did,
#: its mean day the earliest among those.
NEVER_IS_WORST = frozenset({"payback_day"})
#: Metrics undefined in a run whose outcome is the worst there is for them: a payback that
#: never came, and a cost per extra customer where the program added none, whatever it spent.
#: The best of several is one with the largest share of runs where the metric is defined,
#: then the best mean among those: over the defined runs alone, a sweep named best a point
#: whose program added nobody in one run of two, on the other run's low cost.
UNDEFINED_IS_WORST = NEVER_IS_WORST | frozenset({"incremental_cac", "incremental_cac_vs_paid"})


def t_quantile(p, dof):
    """Student's t quantile, ``scipy.stats.t.ppf(p, dof)`` bit for bit (it calls
    scipy.special.stdtrit), without importing scipy.stats: that import costs about 0.4 s,
    paid by every compare and sweep that needed only this."""
    from scipy.special import stdtrit

    # stdtrit gives +inf at p = 0, where scipy.stats gives the support's lower end
    lowest = (np.asarray(p) == 0) & (np.asarray(dof) > 0)
    return np.where(lowest, -np.inf, stdtrit(dof, p))[()]


def t_sf(x, dof):
    """Student's t survival function, ``scipy.stats.t.sf(x, dof)`` bit for bit (see t_quantile)."""
    from scipy.special import stdtr

    return stdtr(dof, np.negative(x))


def normal_quantile(p):
    """The standard normal quantile, ``scipy.stats.norm.ppf(p)`` bit for bit (see t_quantile)."""
    from scipy.special import ndtri

    return ndtri(p)


def joint_level(level: float, tests: int) -> float:
    """The level each of ``tests`` comparisons is made at for all of them to hold at
    ``level`` together (Bonferroni): 1 − (1 − level)/tests. Used where one design or point
    is tested against the best of several, which, tested each at ``level``, left a point
    as good as any out of the best's company in 22% of sweeps of 20."""
    return 1 - (1 - level) / max(int(tests), 1)


def two_sided_p(centre: np.ndarray, error: np.ndarray, dof: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided t p-values of each difference from the best (``centre``, its standard
    ``error`` on ``dof`` degrees of freedom; ``n``, the runs it rests on), the test whose interval
    centre ± t(½ + level/2, dof)·error leaves out 0 just when p < 1 − level: 1 where it
    rests on fewer than two runs (no spread to test with) or its difference is unknown,
    0 for a difference with no spread at all."""
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.abs(centre) / error
        chance = np.where(error > 0, 2 * t_sf(statistic, np.maximum(dof, 1)), np.where(centre != 0, 0.0, 1.0))
    return np.where((n < 2) | ~np.isfinite(centre) | np.isnan(chance), 1.0, chance)


def holm_steps(chances: Mapping[Hashable, float], level: float) -> dict[Hashable, tuple[float, bool]]:
    """Holm's step-down (Holm 1979) over the p-values ``chances``: for each key, the level
    its test is made at and whether it is told apart. The smallest p is tested at
    1 − (1 − level)/m, the next at 1 − (1 − level)/(m − 1), ..., the last at ``level``;
    from the first that is not told apart on, every later one is kept at that step's
    level. A sweep's best points and its plots' bands step down so, as compare does."""
    steps, stopped = {}, None
    ordered = sorted(chances, key=chances.get)
    for k, key in enumerate(ordered):
        each = stopped if stopped is not None else joint_level(level, len(ordered) - k)
        apart = stopped is None and chances[key] < 1 - each
        if not apart and stopped is None:
            stopped = each
        steps[key] = (each, apart)
    return steps


def copies(values: Mapping[Hashable, np.ndarray], lead: Hashable, names: Sequence[Hashable]) -> dict:
    """For each of ``names`` (designs, points), the one whose values it has in every
    replicate, draw or point: ``lead`` itself (a copy of the best, the leader or the
    first: a tie), else the first of ``names`` with the same values, else its own name.
    Copies under other names, or values that a setting changes in no run, are one
    contender, not several: counted as several they split a share of wins, or made a
    multiple-comparison correction test the real contest at a stricter level (compare,
    sweep, sensitivity and calibrate)."""
    copy_of: dict = {}
    for name in names:
        copy_of[name] = next((c for c in (lead, *dict.fromkeys(copy_of.values()))
                              if np.array_equal(values[name], values[c], equal_nan=True)), name)
    return copy_of


def median_day(days) -> float:
    """The median of a day metric (payback, budget exhausted) over the replicates where
    it happened (NaN elsewhere): a day one of them had. For an even count that is the
    earlier of the middle two, the first day by which at least half had got there; their
    midpoint could be a day none had (days 1, 1, 1, 74, 74, 83 gave "day 38")."""
    days = np.asarray(days, dtype=float)
    days = days[np.isfinite(days)]
    return float(np.quantile(days, 0.5, method="inverted_cdf")) if len(days) else math.nan


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def run_summary(engine) -> dict[str, float]:
    """Summary metrics of one finished run (see SUMMARY_METRICS).

    Everything is counted over the people who ever joined (the others were never
    referred, earn nothing and hold no equity), found once: at a million people and a
    few thousand customers this is most of the cost of a replicate's summary."""
    return run_summary_and_k_by_month(engine, by_month=False)[0]


def run_summary_and_k_by_month(engine, by_month: bool = True) -> tuple[dict[str, float], np.ndarray | None]:
    """run_summary and, with ``by_month``, cohort_k_by_month of the run, from one pass
    over who joined and who referred whom (what a replicate reports)."""
    people, daily = engine.people, engine.daily
    col = COLUMN_INDEX
    joined = engine.joined()
    cohorts = _cohorts(people, engine.day, engine.scenario.k_window_days, joined)
    adopted_day = people.adopted_day[joined]
    adopted = adopted_day > 0
    referred = people.referred_by[joined] >= 0
    tracked = referred & people.tracked[joined]
    reward_cost = float(daily[:, col["reward_cost"]].sum())
    revenue_tracked = float(engine.revenue_to_date()[joined[tracked]].sum())
    ltv = {}
    # a group's margin share: reward seekers earn margin_ratio
    margin_weight = np.where(engine.seeker[joined], engine.scenario.program.reward_seekers.margin_ratio, 1.0)
    active = joined[people.state[joined] == CUSTOMER]
    # Under renewal contracts churn comes in steps on renewal dates, which a run shorter
    # than a contract may never reach (0 events: a lifetime without end). There a group's
    # hazard is its active customers' mean daily hazard, the rate the renewal decisions
    # apply (renewal.py), and its LTV an account's signed today under the contracts
    # (economics.contract_lifetime_value), kept to each renewal date as equity_final keeps it.
    churn = engine.scenario.churn
    hazard = engine.current_hazard(active) if len(active) else None   # equity_final's too
    renewal = churn.renewal is not None and churn.monthly_rate > 0 and hazard is not None
    active_referred = people.referred_by[active] >= 0
    for group, mask in (("referred", referred), ("organic", ~referred)):
        margin_share = float(margin_weight[mask].mean()) if mask.any() else 1.0
        # the referred premium is a referred customer's who is no reward seeker, as the engine pays it
        premium_share = float((~engine.seeker[joined][mask]).mean()) if group == "referred" and mask.any() else 0.0
        if renewal:   # an account leaves only on a renewal date: valued as contract_equity values it
            mine = hazard[active_referred if group == "referred" else ~active_referred]
            ltv[group] = (contract_lifetime_value(engine.scenario.economics, float(mine.mean()), churn.renewal.every_days,
                                                  churn.renewal.notice_days, margin_share, premium_share)
                          if len(mine) else float("nan"))
            continue
        ltv[group] = lifetime_value(engine.scenario.economics, customer_days=float(engine.customer_days[group]),
                                    churn_events=float(engine.churn_events[group]), margin_share=margin_share,
                                    referred=group == "referred", premium_share=premium_share)
    n_tracked = int(tracked.sum())
    values = {
        "customers_final": float(len(active)),
        "adopters": float(adopted.sum()),
        "referred_customers": float(n_tracked),
        "word_of_mouth_customers": float(referred.sum() - n_tracked),
        "referred_share": ratio(n_tracked, float(adopted.sum())),
        "k_factor": float(cohorts[1][cohorts[0]].mean()) if len(cohorts[0]) else float("nan"),
        "reward_cost": reward_cost,
        "fraud_cost": float(daily[:, col["fraud_cost"]].sum()),
        "fake_accounts": float(daily[:, col["new_fraud"]].sum()),
        "non_qualifying_signups": (float(engine._non_qualifying[joined[people.rewarded[joined]]].sum())
                                   if engine._non_qualifying is not None else 0.0),
        "program_cost": reward_cost + float(sum(daily[:, col[name]].sum() for name in PROGRAM_COSTS)),
        "attributed_roi": ratio(revenue_tracked - reward_cost, reward_cost),
        "cost_per_referred_customer": ratio(reward_cost, n_tracked),
        "ltv_referred": ltv["referred"],
        "ltv_organic": ltv["organic"],
        "ltv_ratio": ratio(ltv["referred"], ltv["organic"]) if math.isfinite(ltv["organic"]) else float("nan"),
        "cumulative_profit": float(daily[-1, col["cumulative_profit"]]),
        "equity_final": equity_final(engine, active, hazard),
        "rewards_owed": (owed := rewards_owed(engine, joined, due := rewards_due_after(engine, joined))),
        **dict(zip(("pipeline_equity", "pipeline_rewards_beyond_budget"), pipeline_equity_and_rewards_beyond_budget(engine))),
        "budget_exhausted_day": float("nan") if engine.budget_exhausted_day is None else float(engine.budget_exhausted_day),
        "rewards_unpaid": engine.budget.unpaid + (due - owed),
        "influencers_own_value": influencers_own_value(engine, active, hazard),
    }
    # what the run is worth at its horizon, which incremental_value takes the twin's from
    values["net_value"] = net_value(values)
    return values, (cohort_k_by_month(people, engine.day, engine.scenario.k_window_days, cohorts=cohorts) if by_month else None)
