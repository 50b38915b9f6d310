"""Where the kernel finds each parameter and counter: indices into the arrays that
carry them into compiled code (numba reads module-level ints as constants)."""

from __future__ import annotations

import numpy as np

from ..metrics import COLUMN_INDEX

# float parameters (P)
F_NAMES = (
    "base_share", "ease", "type_weight", "strong_tie_weight", "max_uplift", "referee_max_uplift",
    "referee_share_uplift", "reward_scale", "credibility_penalty", "referee_reward", "link_use",
    "spontaneous_rate", "spontaneous_top", "share_promoter", "share_passive", "share_detractor",
    "churn_promoter", "churn_passive", "churn_detractor", "base_hazard", "referred_hazard_ratio",
    "seeker_hazard_ratio", "seeker_margin_ratio", "seeker_max_share", "fraud_share", "min_satisfaction",
    "reach_share", "fatigue", "annoyance", "annoyance_points", "moment_first", "moment_campaign",
    "moment_reminder", "tie_weak", "tie_strong", "nwom_rate", "nwom_conversion_penalty",
    "nwom_organic_penalty", "organic_rate", "lag_first_day_share", "lag_tail_p", "daily_margin",
    "referred_margin_premium", "acquisition_cost_organic", "cost_share", "budget_per_month", "motive_scale",
    "link_response", "link_sharing_top",
)
(BASE_SHARE, EASE, TYPE_WEIGHT, STRONG_TIE_WEIGHT, MAX_UPLIFT, REFEREE_MAX_UPLIFT, REFEREE_SHARE_UPLIFT,
 REWARD_SCALE, CREDIBILITY_PENALTY, REFEREE_REWARD, LINK_USE, SPONTANEOUS_RATE, SPONTANEOUS_TOP,
 SHARE_PROMOTER, SHARE_PASSIVE, SHARE_DETRACTOR, CHURN_PROMOTER, CHURN_PASSIVE, CHURN_DETRACTOR, BASE_HAZARD,
 REFERRED_HAZARD_RATIO, SEEKER_HAZARD_RATIO, SEEKER_MARGIN_RATIO, SEEKER_MAX_SHARE, FRAUD_SHARE,
 MIN_SATISFACTION, REACH_SHARE, FATIGUE, ANNOYANCE, ANNOYANCE_POINTS, MOMENT_FIRST, MOMENT_CAMPAIGN,
 MOMENT_REMINDER, TIE_WEAK, TIE_STRONG, NWOM_RATE, NWOM_CONVERSION_PENALTY, NWOM_ORGANIC_PENALTY,
 ORGANIC_RATE, LAG_FIRST_DAY_SHARE, LAG_TAIL_P, DAILY_MARGIN, REFERRED_MARGIN_PREMIUM,
 ACQUISITION_COST_ORGANIC, COST_SHARE, BUDGET_PER_MONTH, MOTIVE_SCALE, LINK_RESPONSE, LINK_SHARING_TOP) = range(len(F_NAMES))

# integer parameters (Q)
I_NAMES = (
    "days", "timing", "delay_days", "fixed_schedule", "reminders", "interval_days", "has_incentive",
    "paid_on_qualification", "qualification_days", "cap_per_referrer", "ends_program", "has_link_draw",
    "has_fraud_draw", "churn_scheduled", "nwom_days", "lag_kind", "lag_valid_days", "premium_fade_days",
    "channels", "renewal_every", "renewal_notice", "launch_once", "reserving", "closes_offer",
)
(DAYS, TIMING, DELAY_DAYS, FIXED_SCHEDULE, REMINDERS, INTERVAL_DAYS, HAS_INCENTIVE, PAID_ON_QUALIFICATION,
 QUALIFICATION_DAYS, CAP_PER_REFERRER, ENDS_PROGRAM, HAS_LINK_DRAW, HAS_FRAUD_DRAW, CHURN_SCHEDULED,
 NWOM_DAYS, LAG_KIND, LAG_VALID_DAYS, PREMIUM_FADE_DAYS, CHANNELS, RENEWAL_EVERY, RENEWAL_NOTICE,
 LAUNCH_ONCE, RESERVING, CLOSES_OFFER) = range(len(I_NAMES))

# timing kinds, lag kinds and channel kinds as numbers
NEVER_ASK, AT_PURCHASE, ONBOARDING, MILESTONE, CAMPAIGN = range(5)
NO_LAG, GEOMETRIC_LAG, PIPELINE_LAG = range(3)
DIRECT, BROADCAST = range(2)

# counters the kernel keeps between calls (K, int64)
K_NAMES = (
    "active", "adopted", "churned", "referred_active", "earners", "seeker_earners", "premium_count",
    "premium_adopted_sum", "exhausted_day", "paused_until", "customer_days_referred",
    "customer_days_organic", "churn_events_referred", "churn_events_organic", "rescheduled",
)
(K_ACTIVE, K_ADOPTED, K_CHURNED, K_REFERRED_ACTIVE, K_EARNERS, K_SEEKER_EARNERS, K_PREMIUM_COUNT,
 K_PREMIUM_ADOPTED_SUM, K_EXHAUSTED_DAY, K_PAUSED_UNTIL, K_CUSTOMER_DAYS_REFERRED, K_CUSTOMER_DAYS_ORGANIC,
 K_CHURN_EVENTS_REFERRED, K_CHURN_EVENTS_ORGANIC, K_RESCHEDULED) = range(len(K_NAMES))
# the budget (M, float64)
M_LEFT, M_SPENT, M_UNPAID, M_RESERVED, M_COMMITTED, M_HELD = 0, 1, 2, 3, 4, 5

# random streams: rows of the xoshiro state, named as rng.STREAM_NAMES
STREAMS = ("timing", "asks", "spontaneous", "channels", "conversion", "order", "annoyance", "nwom", "nwom_organic",
           "link_sharing", "offer_gone")
# numpy integers, not Python ints: numba types a Python-int global as a literal and compiles
# every random-number function once per stream it is called with (seconds at a first run)
(S_TIMING, S_ASKS, S_SPONTANEOUS, S_CHANNELS, S_CONVERSION, S_ORDER, S_ANNOYANCE, S_NWOM,
 S_NWOM_ORGANIC, S_LINK_SHARING, S_OFFER_GONE) = (np.int64(row) for row in range(len(STREAMS)))

# daily columns
COL_PROSPECTS = COLUMN_INDEX["prospects"]
COL_CUSTOMERS = COLUMN_INDEX["customers"]
COL_CHURNED = COLUMN_INDEX["churned"]
COL_NEW_ORGANIC = COLUMN_INDEX["new_organic"]
COL_NEW_REFERRED = COLUMN_INDEX["new_referred"]
COL_NEW_WORD_OF_MOUTH = COLUMN_INDEX["new_word_of_mouth"]
COL_NEW_CHURNED = COLUMN_INDEX["new_churned"]
COL_NEW_FRAUD = COLUMN_INDEX["new_fraud"]
COL_ASKS = COLUMN_INDEX["asks"]
COL_SHARES = COLUMN_INDEX["shares"]
COL_SPONTANEOUS = COLUMN_INDEX["spontaneous_shares"]
COL_NEGATIVE = COLUMN_INDEX["negative_messages"]
COL_ANNOYED = COLUMN_INDEX["annoyed"]
COL_INVITES = COLUMN_INDEX["invites"]
COL_REWARDS_PAID = COLUMN_INDEX["rewards_paid"]
COL_FRAUD_COST = COLUMN_INDEX["fraud_cost"]
COL_REVENUE = COLUMN_INDEX["revenue"]
COL_REWARD_COST = COLUMN_INDEX["reward_cost"]
COL_ACQUISITION_COST = COLUMN_INDEX["acquisition_cost"]
COL_PROFIT = COLUMN_INDEX["profit"]
COL_CUMULATIVE_PROFIT = COLUMN_INDEX["cumulative_profit"]
