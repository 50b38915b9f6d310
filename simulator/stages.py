"""The day as data: the stages ``Engine.step`` runs, in order, and what they hand to
each other. docs/model.md's step list is generated from ``STAGES``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .behaviour import channels as chan


@dataclass(frozen=True)
class Stage:
    """One stage of the day: ``Engine._<name>`` runs it; ``summary`` is its line in docs/model.md."""

    name: str
    summary: str


#: The day, in order. Engine.step runs exactly these.
STAGES: tuple[Stage, ...] = (
    Stage("delight", "surprise gifts or upgrades raise some customers' satisfaction for a while (program.delight)"),
    Stage("asks", "the timing model picks the active customers asked today"),
    Stage("targeting", "with a daily capacity, the best-ranked due customers are asked; the rest wait (program.targeting)"),
    Stage("spontaneous", "every active customer may also share unprompted"),
    Stage("share", "asked customers share with w = clip(base_share · sat_effect · moment · incentive · friend_incentive · ease · fatigue^k); a reward on offer adds unprompted shares for customers who use their link"),
    Stage("annoyance", "each reminder annoys with probability annoyance: the customer's satisfaction falls for good"),
    Stage("staff_asks", "staff mention the program to some active customers, who may share (program.staff)"),
    Stage("invite", "each sharer picks a channel; direct invites friends, broadcast exposes them"),
    Stage("influencers", "influencers post on their schedule; their shares reach reach_boost times further (program.influencers)"),
    Stage("convert", "invitations convert (after a lag); prospects also adopt organically, less after negative word of mouth"),
    Stage("adopt", "new customers join: first ask filed, churn day filed when known, fake accounts and reward seekers drawn"),
    Stage("negative_word_of_mouth", "active detractors may speak against the product to their friends"),
    Stage("premium_fades", "referred customers past the fade period leave the margin-premium sum"),
    Stage("churn", "active customers leave at their daily hazard"),
    Stage("money", "margin accrues; rewards due are paid within caps and budget"),
    Stage("program_costs", "the levers' costs (influencers, asks, delight, staff) are taken from the day's profit"),
    Stage("start_earning", "today's joiners enter the margin sums (they earn from tomorrow)"),
    Stage("record", "the day's row of DAILY_COLUMNS"),
)
STEP_ORDER = tuple(stage.name for stage in STAGES)
#: The levers' own cost columns, taken from the day's profit by the program_costs stage.
PROGRAM_COSTS = ("influencer_cost", "ask_cost", "delight_cost", "staff_cost")
#: Longest tenure drawn for an existing customer (no churn has no steady state) [days].
MAX_TENURE = 3650


@dataclass
class Today:
    """What the stages of one day hand to each other."""

    day: int
    customers: np.ndarray            # active at the start of the day: the ones at risk of churning today
    referred_at_risk: int
    counts: dict = field(default_factory=dict)
    asked: np.ndarray | None = None
    asked_scores: np.ndarray | None = None
    earlier_asks: np.ndarray | None = None
    moment: np.ndarray | None = None         # per asked customer: share multiplier of the ask's moment
    spontaneous: np.ndarray | None = None
    sharers: np.ndarray | None = None
    tracked: np.ndarray | None = None      # per sharer: shares through the referral link
    invitations: chan.Invitations | None = None
    referral: chan.Invitations | None = None
    organic: np.ndarray | None = None
    row: np.ndarray | None = None
