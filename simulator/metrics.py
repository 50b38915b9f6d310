"""What is recorded: the daily columns (declared once) and the per-run summary metrics."""

from __future__ import annotations

import math

import numpy as np

from .behaviour.economics import lifetime_value
from .state import CUSTOMER, NEVER

#: Daily columns, in output order, with their meaning. The engine fills exactly these.
DAILY_COLUMNS: dict[str, str] = {
    "prospects": "people who have not adopted [people]",
    "customers": "active customers at the end of the day [people]",
    "churned": "people who have churned so far [people]",
    "new_organic": "prospects who adopted on their own today [people]",
    "new_referred": "prospects who adopted through an invitation today [people]",
    "new_churned": "customers who churned today [people]",
    "new_fraud": "fake signups among today's referred adoptions [people]",
    "asks": "asks to refer made today (first asks, reminders, campaigns) [asks]",
    "shares": "shares today, asked and spontaneous [shares]",
    "spontaneous_shares": "unprompted shares today [shares]",
    "invites": "invitations sent today [invitations]",
    "rewards_paid": "rewards paid today, referrer and referee [rewards]",
    "revenue": "margin earned today [currency]",
    "reward_cost": "rewards paid today [currency]",
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
COUNT_COLUMNS = ("prospects", "customers", "churned", "new_organic", "new_referred", "new_churned", "new_fraud",
                 "asks", "shares", "spontaneous_shares", "invites", "rewards_paid",
                 "ask_queue", "staff_asks", "influencer_shares", "delight_actions")
COLUMN_INDEX = {name: i for i, name in enumerate(DAILY_COLUMNS)}

#: Summary metrics of one run, with their meaning; summaries report mean and 95% interval.
SUMMARY_METRICS: dict[str, str] = {
    "customers_final": "active customers on the last day [people]",
    "adopters": "people who ever adopted, initial customers excluded [people]",
    "referred_customers": "people who adopted through an invitation [people]",
    "referred_share": "referred adopters / all adopters (initial customers excluded) [fraction]",
    "k_factor": "referred customers per customer, over customers who joined at least K_WINDOW days before the end [-]",
    "reward_cost": "total rewards paid [currency]",
    "roi": "(revenue of referred customers - reward cost) / reward cost [-]",
    "cost_per_referred_customer": "reward cost / referred customers [currency]",
    "ltv_referred": "discounted lifetime value of a referred customer [currency]",
    "ltv_organic": "discounted lifetime value of an organic or initial customer [currency]",
    "ltv_ratio": "ltv_referred / ltv_organic [-]",
    "cumulative_profit": "profit over the horizon [currency]",
    "budget_exhausted_day": "day the budget ran out (NaN if it never did) [day]",
}

#: Customers need time to refer: the K-factor counts the referrals of customers who
#: joined at least this many days before the end of the run.
K_WINDOW = 60


def k_factor(adopted_day: np.ndarray, referred_by: np.ndarray, day: int, window: int = K_WINDOW) -> float:
    """Mean number of people referred by customers who joined on or before ``day - window``
    (all customers when none did): the viral coefficient of a mature cohort."""
    adopted = adopted_day != NEVER
    cohort = adopted & (adopted_day <= day - window)
    if not cohort.any():
        cohort = adopted
    if not cohort.any():
        return float("nan")
    referrers = referred_by[referred_by >= 0]
    children = np.bincount(referrers, minlength=len(adopted_day))
    return float(children[cohort].mean())


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def run_summary(engine) -> dict[str, float]:
    """Summary metrics of one finished run (see SUMMARY_METRICS)."""
    people, daily = engine.people, engine.daily
    col = COLUMN_INDEX
    adopted = people.adopted_day > 0
    referred = people.referred_by >= 0
    reward_cost = float(daily[:, col["reward_cost"]].sum())
    revenue_referred = float(engine.revenue_to_date()[referred].sum())
    ltv = {}
    for group, mask in (("referred", referred), ("organic", (people.adopted_day != NEVER) & ~referred)):
        ltv[group] = lifetime_value(
            engine.scenario.economics,
            customer_days=float(engine.customer_days[group]),
            churn_events=float(engine.churn_events[group]),
            real_share=1.0 - float(people.fraud[mask].mean()) if mask.any() else 1.0,
            referred=group == "referred",
        )
    n_referred = int(referred.sum())
    return {
        "customers_final": float((people.state == CUSTOMER).sum()),
        "adopters": float(adopted.sum()),
        "referred_customers": float(n_referred),
        "referred_share": ratio(n_referred, float(adopted.sum())),
        "k_factor": k_factor(people.adopted_day, people.referred_by, engine.day),
        "reward_cost": reward_cost,
        "roi": ratio(revenue_referred - reward_cost, reward_cost),
        "cost_per_referred_customer": ratio(reward_cost, n_referred),
        "ltv_referred": ltv["referred"],
        "ltv_organic": ltv["organic"],
        "ltv_ratio": ratio(ltv["referred"], ltv["organic"]) if math.isfinite(ltv["organic"]) else float("nan"),
        "cumulative_profit": float(daily[-1, col["cumulative_profit"]]),
        "budget_exhausted_day": float("nan") if engine.budget_exhausted_day is None else float(engine.budget_exhausted_day),
    }
