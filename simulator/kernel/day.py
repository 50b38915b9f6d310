"""The compiled day: the stages of ``STAGES`` (simulator/stages.py) in their order, as
one numba loop over the events of each day (invite and convert as one pass over each
sharer's friends, every stream drawn in the order of the two stages).

A day touches only what happens on it: the asks due (a queue by day), the customers
the Poisson count of unprompted shares picks, the sharers' friends, the conversions
and reward qualifications due, the detractors the Bernoulli thinning picks, the
churn and premium ends due. Nothing passes over the population, and no Python runs
per person. The formulas are the numpy engine's (engine.py, behaviour/), written per
event; ``tests/validation/test_kernel_agreement.py`` checks that both agree in
distribution. Draws come from the engine's named streams (``rand``, one row each).

Compiled without SSA reconstruction (cache.py): a variable keeps one type through its
function, so a day that may stay ``NEVER`` starts as ``np.int64(NEVER)``, and a name is
not reused for a value of another type.
"""

from __future__ import annotations

import math

import numpy as np

from .cache import compiled, compiled_only  # where the compiled code is kept, and how it compiles

from . import queue as qu
from . import rand
from .hints import prefetch
from .layout import (
    ACQUISITION_COST_ORGANIC, ANNOYANCE, ANNOYANCE_POINTS, AT_PURCHASE, BASE_HAZARD, BASE_SHARE, BROADCAST,
    BUDGET_PER_MONTH, CAP_PER_REFERRER, CHANNELS, CHURN_DETRACTOR, CHURN_PASSIVE, CHURN_PROMOTER,
    CHURN_SCHEDULED, COL_ACQUISITION_COST, COL_ANNOYED, COL_ASKS, COL_CHURNED, COL_CUMULATIVE_PROFIT,
    COL_CUSTOMERS, COL_FRAUD_COST, COL_INVITES, COL_NEGATIVE, COL_NEW_CHURNED, COL_NEW_FRAUD, COL_NEW_ORGANIC,
    COL_NEW_REFERRED, COL_NEW_WORD_OF_MOUTH, COL_PROFIT, COL_PROSPECTS, COL_REVENUE, COL_REWARD_COST,
    COL_REWARDS_PAID, COL_SHARES, COL_SPONTANEOUS, COST_SHARE, CREDIBILITY_PENALTY, DAILY_MARGIN, DAYS,
    DELAY_DAYS, EASE, ENDS_PROGRAM, FATIGUE, FIXED_SCHEDULE, FRAUD_SHARE, GEOMETRIC_LAG, HAS_FRAUD_DRAW,
    HAS_INCENTIVE, HAS_LINK_DRAW, INTERVAL_DAYS, K_ACTIVE, K_ADOPTED, K_CHURN_EVENTS_ORGANIC,
    K_CHURN_EVENTS_REFERRED, K_CHURNED, K_CUSTOMER_DAYS_ORGANIC, K_CUSTOMER_DAYS_REFERRED, K_EARNERS,
    K_EXHAUSTED_DAY, K_PAUSED_UNTIL, K_PREMIUM_ADOPTED_SUM, K_PREMIUM_COUNT, K_REFERRED_ACTIVE, K_RESCHEDULED,
    K_SEEKER_EARNERS, LAG_FIRST_DAY_SHARE, LAG_KIND, LAG_TAIL_P, LAG_VALID_DAYS, LINK_RESPONSE, LINK_SHARING_TOP,
    CAMPAIGN, LAUNCH_ONCE, LINK_USE, M_COMMITTED, M_HELD, M_LEFT, M_RESERVED, M_SPENT, M_UNPAID, MAX_UPLIFT, MILESTONE, MIN_SATISFACTION, MOMENT_CAMPAIGN, MOTIVE_SCALE, MOMENT_FIRST, MOMENT_REMINDER, NEVER_ASK,
    NO_LAG, NWOM_CONVERSION_PENALTY, NWOM_DAYS, NWOM_ORGANIC_PENALTY, NWOM_RATE, ONBOARDING, ORGANIC_RATE,
    PAID_ON_QUALIFICATION, PIPELINE_LAG, PREMIUM_FADE_DAYS, QUALIFICATION_DAYS, REACH_SHARE, RENEWAL_EVERY, RENEWAL_NOTICE,
    REFEREE_MAX_UPLIFT, REFEREE_REWARD, REFEREE_SHARE_UPLIFT, REFERRED_HAZARD_RATIO, REFERRED_MARGIN_PREMIUM,
    REMINDERS, RESERVING, CLOSES_OFFER, REWARD_SCALE, S_ANNOYANCE, S_ASKS, S_CHANNELS, S_CONVERSION, S_LINK_SHARING, S_NWOM, S_NWOM_ORGANIC,
    S_OFFER_GONE, S_ORDER, S_SPONTANEOUS, S_TIMING, SEEKER_HAZARD_RATIO, SEEKER_MARGIN_RATIO, SEEKER_MAX_SHARE, SHARE_DETRACTOR,
    SHARE_PASSIVE, SHARE_PROMOTER, SPONTANEOUS_RATE, SPONTANEOUS_TOP, STRONG_TIE_WEIGHT, TIE_STRONG, TIE_WEAK,
    TIMING, TYPE_WEIGHT,
)

PROSPECT, CUSTOMER, CHURNED = 0, 1, 2
SEED, ORGANIC = -2, -1
NEVER = -1
PROMOTER_MIN, PASSIVE_MIN = 9.0, 7.0
DAYS_PER_MONTH = 30.4375
# an invitation's packed flags (queue column c): channel, strong tie, tracked, and whether
# it carried a reward on offer (its conversion drawn with the reward's pull)
STRONG_BIT, TRACKED_BIT, OFFERED_BIT = 256, 512, 1024
# a lead converting after the horizon is filed under the spare day (days + 1) with its day
# times AFTER_HORIZON added to its flags (metrics.pipeline_equity reads it)
AFTER_HORIZON = 2048
# how many people (rows of friends) ahead the loops ask for the memory they will touch (hints.py)
AHEAD, ROWS_AHEAD = 4, 2


@compiled_only
def segment(score, promoter, passive, detractor):
    """The value of an NPS segment (behaviour/satisfaction.segment_value)."""
    if score >= PROMOTER_MIN:
        return promoter
    if score >= PASSIVE_MIN:
        return passive
    return detractor


@compiled_only
def hint_row(indptr, indices, strong, person):
    """Ask for the start of ``person``'s row of friends (two cache lines of ids, one of tie
    labels) ahead of the invite loop (hints.py)."""
    start, stop = indptr[person], indptr[person + 1]
    if stop > start:
        prefetch(indices, start), prefetch(indices, min(start + 16, stop - 1)), prefetch(strong, start)


@compiled_only
def saturation(reward, scale):
    """1 − exp(−R / scale) (behaviour/incentive.saturation)."""
    return -math.expm1(-reward / scale)


@compiled_only
def referrer_reward(Q, earned, tier_after, tier_amount):
    """The reward of a referrer's next referral after ``earned`` credited ones (tiers, cap)."""
    if Q[CAP_PER_REFERRER] >= 0 and earned >= Q[CAP_PER_REFERRER]:
        return 0.0
    tier = 0
    while tier + 1 < len(tier_after) and tier_after[tier + 1] <= earned:
        tier += 1
    return tier_amount[tier]


@compiled_only
def incentive_effect(P, Q, c, indptr, strong, earned, tier_after, tier_amount, referee_saturation):
    """incentive_effect · friend_incentive_effect of customer ``c`` deciding to share while a
    reward is on offer (Engine._incentive_effect): their next reward and their friend's,
    weighed by the reward's type and their mix of ties."""
    ss = 0.0  # share of the customer's ties that are strong (Network.strong_share), from the row
    for slot in range(indptr[c], indptr[c + 1]):
        ss += strong[slot]
    ss /= max(indptr[c + 1] - indptr[c], 1)
    weight = P[TYPE_WEIGHT] * ((1.0 - ss) + ss * P[STRONG_TIE_WEIGHT])
    reward = referrer_reward(Q, earned, tier_after, tier_amount)
    return ((1.0 + P[MAX_UPLIFT] * saturation(reward, P[MOTIVE_SCALE]) * weight)
            * (1.0 + P[REFEREE_SHARE_UPLIFT] * referee_saturation * weight))


@compiled_only
def offer_gone_keep(P, Q, flags, channel_conversion, earned, tier_after, tier_amount, referee_saturation, heard_bad):
    """c0 / c1 for a friend whose invitation carried a reward now gone (Engine._offer_gone):
    their conversion without the reward's pull (uplift, credibility) over that with it, the
    referrer's reward as it stands when the friend joins; 1 where the reward did not raise it."""
    strong = (flags & STRONG_BIT) != 0
    c0 = channel_conversion[flags & 255] * (P[TIE_STRONG] if strong else P[TIE_WEAK])
    if heard_bad:
        c0 *= 1.0 - P[NWOM_CONVERSION_PENALTY]
    uplift = 1.0 + P[REFEREE_MAX_UPLIFT] * referee_saturation * P[TYPE_WEIGHT] * (P[STRONG_TIE_WEIGHT] if strong else 1.0)
    credibility = 1.0 - P[CREDIBILITY_PENALTY] * saturation(referrer_reward(Q, earned, tier_after, tier_amount),
                                                            P[REWARD_SCALE])
    c1 = min(max(c0 * uplift * credibility, 0.0), 1.0)
    c0 = min(max(c0, 0.0), 1.0)
    return 1.0 if c1 <= c0 else c0 / c1


@compiled_only
def hazard(P, score, referred, multiplier):
    """A customer's daily churn hazard (behaviour/churn.daily_hazard, their own multiplier on top)."""
    h = P[BASE_HAZARD] * segment(score, P[CHURN_PROMOTER], P[CHURN_PASSIVE], P[CHURN_DETRACTOR])
    if referred:
        h *= P[REFERRED_HAZARD_RATIO]
    return h * multiplier


@compiled_only
def file_churn(Q, heads, tails, pool, meta, leave_day, who, last_day_survived, clock_left, h):
    """Churn on the first day d > last_day_survived with (d − last_day_survived) · h >= clock left
    (filed with qu.put: the caller reserved room)."""
    leave = np.int64(NEVER)
    if h > 0.0:
        wait = max(np.ceil(clock_left / h), 1.0) if math.isfinite(h) else 1.0
        if last_day_survived + wait <= Q[DAYS]:
            leave = last_day_survived + int(wait)
    leave_day[who] = leave
    if leave != NEVER:
        qu.put(heads, tails, pool, meta, qu.CHURN, leave, who, qu.NO_DATA, qu.NO_DATA)


@compiled_only
def file_renewal(Q, heads, tails, pool, meta, leave_day, who, signed, since, used, clock, h):
    """Churn at renewal dates (behaviour/renewal.py): decision days fall notice_days before
    each anniversary of signing (day ``signed``); a customer whose cumulative hazard,
    ``used`` by day ``since`` plus h a day after it, has reached the clock on one gives
    notice and leaves notice_days later. Files that leaving day (or none; qu.put: the
    caller reserved room)."""
    every, notice = Q[RENEWAL_EVERY], Q[RENEWAL_NOTICE]
    leave = np.int64(NEVER)
    if used >= clock or h > 0.0:
        wait = 1.0
        if used < clock and math.isfinite(h):
            wait = max(np.ceil((clock - used) / h), 1.0)
        if since + wait <= Q[DAYS]:
            first = signed + every - notice     # the first decision day
            decide = max(since + int(wait), first)
            decide += (first - decide) % every  # onto the decision days
            if decide + notice <= Q[DAYS]:
                leave = decide + notice
    leave_day[who] = leave
    if leave != NEVER:
        qu.put(heads, tails, pool, meta, qu.CHURN, leave, who, qu.NO_DATA, qu.NO_DATA)


@compiled_only
def lag(P, Q, rs, pipe_drop, pipe_p):
    """Days from a successful invitation to conversion; -1 when it expires or is lost
    (behaviour/channels.lags and behaviour/pipeline.lags)."""
    kind = Q[LAG_KIND]
    if kind == GEOMETRIC_LAG:
        if rand.uniform(rs, S_CONVERSION) < P[LAG_FIRST_DAY_SHARE]:
            return 0
        days = rand.geometric(rs, S_CONVERSION, P[LAG_TAIL_P])
        return -1 if days > Q[LAG_VALID_DAYS] else days
    if kind == PIPELINE_LAG:
        total, lost = 0, False
        for stage in range(len(pipe_drop)):
            if rand.uniform(rs, S_CONVERSION) < pipe_drop[stage]:
                lost = True
            if pipe_p[stage] < 1.0:
                total += rand.geometric(rs, S_CONVERSION, pipe_p[stage]) - 1
        return -1 if lost or total > Q[LAG_VALID_DAYS] else total
    return 0


@compiled
def run_days(first_day, last_day, P, Q, K, M, rs, people, own, net, rules, heads, tails, pool, meta, daily):
    """Days first_day..last_day (inclusive), in place; returns the event pool (grown or not)."""
    (state, satisfaction, adopted_day, referred_by, tracked, channel, asks, next_ask_day, shared, rewards_earned,
     reward_value, churn_day, fraud, fraud_blocked, churn_clock, nwom_until, churn_hazard, tenure_at_start,
     rewarded) = people
    (lost, share_effect, seeker, multiplier, leave_day, fraud_draw, seeker_draw, blocked_if_fraud, link_draw,
     active, pos, mark, claim, batch, since, non_qualifying, reserve, outstanding) = own
    indptr, indices, strong = net
    (organic_order, organic_bounds, campaign_days, channel_cum, channel_kind, channel_extra, channel_all,
     channel_attention, channel_conversion, tier_after, tier_amount, pipe_drop, pipe_p) = rules
    n = len(state)
    buf = np.empty((64, 3), np.int64)
    slots = np.empty(64, np.int64)
    if first_day == 1 and Q[RENEWAL_EVERY] > 0:
        # int64 at every reserve call: a literal or int32 count would compile reserve once more
        pool = qu.reserve(pool, meta, np.int64(K[K_ACTIVE]))
        for i in range(K[K_ACTIVE]):  # the customers of day 0 signed tenure_at_start days before
            # int64 arguments, as at the other calls: numba compiles file_renewal (and push)
            # once per argument type, and an int32 person or a literal 0 would cost a compile each
            c = np.int64(active[i])
            since[c] = 0
            h = hazard(P, satisfaction[c] - lost[c], referred_by[c] >= 0, multiplier[c])
            # part-way through a contract (behaviour/renewal.contract_state): the hazard of its
            # days so far counts towards the next decision, and a decision made in the notice
            # period before day 0 may have given notice
            every, notice = Q[RENEWAL_EVERY], Q[RENEWAL_NOTICE]
            into = tenure_at_start[c] + notice
            since_decision = into % every if into >= every else tenure_at_start[c]
            if into >= every and since_decision < notice:
                period = every - notice if into < 2 * every else every
                churn_hazard[c] = h * (period + since_decision)
                if churn_clock[c] <= h * period:  # gave notice: leaves on the renewal date
                    leave = notice - since_decision
                    leave_day[c] = leave if leave <= Q[DAYS] else NEVER
                    if leave <= Q[DAYS]:
                        qu.put(heads, tails, pool, meta, qu.CHURN, leave, c, qu.NO_DATA, qu.NO_DATA)
                    continue
            else:
                churn_hazard[c] = h * since_decision
            file_renewal(Q, heads, tails, pool, meta, leave_day, c, -tenure_at_start[c], np.int64(0), churn_hazard[c],
                         churn_clock[c], h)
    for day in range(first_day, last_day + 1):
        row = daily[day]
        n_start = K[K_ACTIVE]
        referred_at_risk = K[K_REFERRED_ACTIVE]
        program_on = Q[HAS_INCENTIVE] == 1 and K[K_EXHAUSTED_DAY] < 0 and day >= K[K_PAUSED_UNTIL]
        asks_on = not (Q[ENDS_PROGRAM] == 1 and K[K_EXHAUSTED_DAY] >= 0)
        campaign = campaign_days[day]

        # ---- asks: the customers due today (everyone on a campaign day)
        if campaign or not asks_on:
            qu.drop(heads, tails, pool, meta, qu.ASKS, day)
            count = 0
        else:
            buf, count = qu.take(heads, tails, pool, meta, qu.ASKS, day, buf)
        asked = np.empty(max(count, n_start if campaign else 0), np.int64)
        n_asked = 0
        if asks_on and campaign:
            for i in range(n_start):
                asked[n_asked] = active[i]
                n_asked += 1
        else:
            for i in range(count):
                if i + AHEAD < count:  # what this stage and the share stage read of a later customer
                    d = buf[i + AHEAD, 0]
                    prefetch(state, d), prefetch(next_ask_day, d), prefetch(mark, d)
                    prefetch(satisfaction, d), prefetch(lost, d), prefetch(asks, d), prefetch(shared, d)
                    prefetch(indptr, d)
                c = buf[i, 0]
                if state[c] == CUSTOMER and next_ask_day[c] == day and mark[c] != day:
                    mark[c] = day  # a customer filed twice for today is asked once
                    asked[n_asked] = c
                    n_asked += 1
        earlier = np.empty(n_asked, np.int64)
        moment = np.empty(n_asked)
        kept = 0
        for i in range(n_asked):
            c = asked[i]
            # the milestone's bar, but for the existing customers the launch asks (their reminders too)
            if (Q[TIMING] == MILESTONE and satisfaction[c] - lost[c] < P[MIN_SATISFACTION]
                    and not (Q[LAUNCH_ONCE] == 1 and channel[c] == SEED)):
                next_ask_day[c] = NEVER
                continue
            asked[kept] = c
            earlier[kept] = asks[c]
            if campaign:   # a push is a campaign ask whatever came before it (fatigue counts the earlier asks)
                moment[kept] = P[MOMENT_CAMPAIGN]
            else:
                # an existing customer's launch ask is a launch e-mail: a campaign's moment
                launch = Q[LAUNCH_ONCE] == 1 and channel[c] == SEED
                first = P[MOMENT_CAMPAIGN] if launch else P[MOMENT_FIRST]
                # a reminder, at no larger moment than the first ask it follows (a blast's, a launch e-mail's)
                moment[kept] = min(P[MOMENT_REMINDER], first) if asks[c] > 0 else first
            asks[c] += 1
            kept += 1
        n_asked = kept
        row[COL_ASKS] = n_asked

        # ---- spontaneous: Poisson(rate · effect) shares per customer-day, by thinning
        spontaneous = np.empty(0, np.int64)
        n_spontaneous = 0
        if P[SPONTANEOUS_RATE] > 0 and n_start > 0 and P[SPONTANEOUS_TOP] > 0:
            top = P[SPONTANEOUS_TOP]
            picks = rand.poisson(rs, S_SPONTANEOUS, n_start * P[SPONTANEOUS_RATE] * top)
            spontaneous = np.empty(picks, np.int64)
            for _ in range(picks):
                c = active[rand.below(rs, S_SPONTANEOUS, n_start)]
                if rand.uniform(rs, S_SPONTANEOUS) * top < share_effect[c]:
                    spontaneous[n_spontaneous] = c
                    n_spontaneous += 1
        # a reward adds Poisson(rate · effect · link_response · (incentive − 1)) unprompted shares a
        # day to a customer who uses their link: by thinning against the largest such rate
        referee_saturation = saturation(P[REFEREE_REWARD], P[MOTIVE_SCALE])
        linked = np.empty(0, np.int64)
        n_linked = 0
        if program_on and P[LINK_USE] > 0 and P[LINK_SHARING_TOP] > 0 and n_start > 0:
            top = P[LINK_SHARING_TOP]
            picks = rand.poisson(rs, S_LINK_SHARING, n_start * top)
            linked = np.empty(picks, np.int64)
            for _ in range(picks):
                c = np.int64(active[rand.below(rs, S_LINK_SHARING, n_start)])  # int64, as at the share stage's call
                u = rand.uniform(rs, S_LINK_SHARING)
                if Q[HAS_LINK_DRAW] == 1 and link_draw[c] >= P[LINK_USE]:
                    continue
                extra = incentive_effect(P, Q, c, indptr, strong, np.int64(rewards_earned[c]), tier_after, tier_amount,
                                         referee_saturation) - 1.0
                if u * top < P[SPONTANEOUS_RATE] * P[LINK_RESPONSE] * share_effect[c] * extra:
                    linked[n_linked] = c
                    n_linked += 1
        row[COL_SPONTANEOUS] = n_spontaneous + n_linked

        # ---- share: w = clip(base_share · sat_effect · moment · incentive · friend_incentive · ease · fatigue^k)
        sharers = np.empty(n_asked + n_spontaneous + n_linked, np.int64)
        sharer_tracked = np.empty(n_asked + n_spontaneous + n_linked, np.bool_)
        n_sharers = 0
        pool = qu.reserve(pool, meta, np.int64(n_asked))  # a reminder each at most
        last_push = day
        if Q[TIMING] == CAMPAIGN and n_asked > 0:   # the latest push on or before today
            while last_push > 0 and not campaign_days[last_push]:
                last_push -= 1
        for i in range(n_asked):
            c = asked[i]
            w = P[BASE_SHARE] * segment(satisfaction[c] - lost[c], P[SHARE_PROMOTER], P[SHARE_PASSIVE],
                                        P[SHARE_DETRACTOR]) * P[EASE]
            if program_on:
                # int64 counts, as at every call: numba compiles incentive_effect and referrer_reward
                # once per argument type, and the people arrays' int32 would cost a compile each
                w *= incentive_effect(P, Q, c, indptr, strong, np.int64(rewards_earned[c]), tier_after, tier_amount,
                                      referee_saturation)
            if Q[TIMING] != NEVER_ASK:
                w *= moment[i] * P[FATIGUE] ** earlier[i]
            else:
                w *= moment[i]
            said_yes = rand.uniform(rs, S_ASKS) < min(max(w, 0.0), 1.0)
            if said_yes:
                shared[c] = True
                sharers[n_sharers] = c
                sharer_tracked[n_sharers] = True
                n_sharers += 1
            reminder = np.int64(NEVER)
            # reminded when this ask was not taken up; a campaign reminds after each push: its asks since the
            # latest one, this one included (a customer who shared at an earlier push is reminded after this
            # one). The kernel runs no targeted asking, so a campaign asks on its push and reminder days only
            # and the calendar gives that count (the numpy path, which may queue asks, counts them)
            counted = asks[c] if Q[TIMING] != CAMPAIGN else 1 + (day - last_push) // Q[INTERVAL_DAYS]
            if Q[TIMING] != NEVER_ASK and not said_yes and counted < 1 + Q[REMINDERS]:
                reminder = day + Q[INTERVAL_DAYS]
            next_ask_day[c] = reminder
            if reminder != NEVER and reminder <= Q[DAYS]:
                qu.put(heads, tails, pool, meta, qu.ASKS, reminder, c, qu.NO_DATA, qu.NO_DATA)
        for i in range(n_spontaneous):
            c = spontaneous[i]
            sharers[n_sharers] = c
            if not program_on or P[LINK_USE] <= 0:
                sharer_tracked[n_sharers] = False
            elif Q[HAS_LINK_DRAW] == 0:
                sharer_tracked[n_sharers] = True
            else:
                sharer_tracked[n_sharers] = link_draw[c] < P[LINK_USE]
            n_sharers += 1
        for i in range(n_linked):
            sharers[n_sharers] = linked[i]
            sharer_tracked[n_sharers] = True
            n_sharers += 1
        row[COL_SHARES] = n_sharers

        # ---- annoyance: a reminder annoys with probability annoyance; satisfaction falls for good
        if n_asked > 0 and Q[TIMING] != NEVER_ASK:
            pool = qu.reserve(pool, meta, np.int64(n_asked))  # a churn filing each at most
            annoyed = 0
            for i in range(n_asked):
                if earlier[i] == 0 or P[ANNOYANCE] <= 0 or rand.uniform(rs, S_ANNOYANCE) >= P[ANNOYANCE]:
                    continue
                annoyed += 1
                c = asked[i]
                old = satisfaction[c] - lost[c]
                lost[c] = min(lost[c] + P[ANNOYANCE_POINTS], satisfaction[c])
                new = satisfaction[c] - lost[c]
                share_effect[c] = segment(new, P[SHARE_PROMOTER], P[SHARE_PASSIVE], P[SHARE_DETRACTOR])
                if Q[CHURN_SCHEDULED] == 1:
                    referred = referred_by[c] >= 0
                    h_old = hazard(P, old, referred, multiplier[c])
                    h_new = hazard(P, new, referred, multiplier[c])
                    elapsed = max(day - 1 - adopted_day[c], 0)
                    used = churn_hazard[c] + h_old * elapsed   # an offset beside the current hazard (see churn.py)
                    churn_hazard[c] = used - h_new * elapsed
                    K[K_RESCHEDULED] = 1
                    file_churn(Q, heads, tails, pool, meta, leave_day, c, day - 1, max(churn_clock[c] - used, 0.0), h_new)
                elif Q[RENEWAL_EVERY] > 0 and (leave_day[c] == NEVER or leave_day[c] - Q[RENEWAL_NOTICE] >= day):
                    # no notice given yet: the hazard changes from today on
                    referred = referred_by[c] >= 0
                    churn_hazard[c] += hazard(P, old, referred, multiplier[c]) * (day - 1 - since[c])
                    since[c] = day - 1
                    file_renewal(Q, heads, tails, pool, meta, leave_day, c, adopted_day[c] - tenure_at_start[c],
                                        day - 1, churn_hazard[c], churn_clock[c], hazard(P, new, referred, multiplier[c]))
            row[COL_ANNOYED] = annoyed

        # ---- invite: each share through one channel; direct invites friends, broadcast exposes them
        # ---- convert: invitations convert after a lag; the first successful one in a random order wins
        # The two stages run as one pass: each invitation is drawn for at once, in the order the
        # invite stage makes them. Every stream keeps its own order of draws (channels: channel,
        # attention and friends; conversion: outcome and lag), so the run is the same as stage
        # after stage, without a table of the day's invitations.
        nwom_on = P[NWOM_RATE] > 0 and Q[NWOM_DAYS] > 0
        referee_uplift_weak = 1.0 + P[REFEREE_MAX_UPLIFT] * referee_saturation * P[TYPE_WEIGHT]
        referee_uplift_strong = 1.0 + P[REFEREE_MAX_UPLIFT] * referee_saturation * P[TYPE_WEIGHT] * P[STRONG_TIE_WEIGHT]
        bound = 0
        for i in range(n_sharers):
            bound += indptr[sharers[i] + 1] - indptr[sharers[i]]
        buf, pending = qu.take(heads, tails, pool, meta, qu.INVITES, day, buf)
        due = np.empty((bound + pending, 3), np.int64)  # target, referrer, packed flags
        n_due = n_invites = 0
        pool = qu.reserve(pool, meta, np.int64(bound))  # a lagged conversion each at most
        for i in range(min(n_sharers, ROWS_AHEAD)):
            hint_row(indptr, indices, strong, sharers[i])
        for i in range(n_sharers):
            if i + ROWS_AHEAD < n_sharers:
                hint_row(indptr, indices, strong, sharers[i + ROWS_AHEAD])
            c = sharers[i]
            k = 0
            if Q[CHANNELS] > 1:
                u = rand.uniform(rs, S_CHANNELS)
                while k + 1 < Q[CHANNELS] and u >= channel_cum[k]:
                    k += 1
            flags = k + (TRACKED_BIT if sharer_tracked[i] else 0) + (OFFERED_BIT if program_on and sharer_tracked[i] else 0)
            # who is invited: the friends still prospects, those a broadcast reaches, or some at random
            start, stop = indptr[c], indptr[c + 1]
            if stop - start > len(slots):
                slots = np.empty(2 * (stop - start), np.int64)
            n_open = 0
            for slot in range(start, stop):
                if state[indices[slot]] != PROSPECT:
                    continue
                if (channel_kind[k] == BROADCAST and channel_attention[k] < 1.0
                        and rand.uniform(rs, S_CHANNELS) >= channel_attention[k]):
                    continue
                slots[n_open] = slot
                n_open += 1
            wanted = n_open
            if channel_kind[k] != BROADCAST and channel_all[k] == 0 and n_open > 0:
                wanted = min(n_open, 1 + rand.poisson(rs, S_CHANNELS, channel_extra[k]))
                for j in range(wanted):  # a partial Fisher–Yates shuffle: wanted friends at random
                    if wanted < n_open:
                        pick = j + rand.below(rs, S_CHANNELS, n_open - j)
                        slots[j], slots[pick] = slots[pick], slots[j]
            n_invites += wanted
            # the referrer's reward is the same for each of today's invitations (rewards are paid later in the day)
            credibility = 1.0
            if program_on and sharer_tracked[i]:
                credibility = 1.0 - P[CREDIBILITY_PENALTY] * saturation(
                    referrer_reward(Q, np.int64(rewards_earned[c]), tier_after, tier_amount), P[REWARD_SCALE])
            for j in range(wanted):  # each invitation converts, after its lag, or not
                slot = slots[j]
                target = np.int64(indices[slot])  # int64 at every qu.put, which numba compiles per argument type
                conv = channel_conversion[k] * (P[TIE_STRONG] if strong[slot] else P[TIE_WEAK])
                if program_on and sharer_tracked[i]:
                    conv *= referee_uplift_strong if strong[slot] else referee_uplift_weak
                    conv *= credibility
                if nwom_on and nwom_until[target] >= day:
                    conv *= 1.0 - P[NWOM_CONVERSION_PENALTY]
                if rand.uniform(rs, S_CONVERSION) >= min(max(conv, 0.0), 1.0):
                    continue
                wait = 0 if Q[LAG_KIND] == NO_LAG else lag(P, Q, rs, pipe_drop, pipe_p)
                if wait < 0:
                    continue
                invitation = flags + (STRONG_BIT if strong[slot] else 0)
                if wait > 0:
                    if day + wait <= Q[DAYS]:
                        qu.put(heads, tails, pool, meta, qu.INVITES, day + wait, target, c, invitation)
                    else:  # converts after the horizon: kept in the spare day, its own day in the flags
                        qu.put(heads, tails, pool, meta, qu.INVITES, Q[DAYS] + 1, target, c,
                               invitation + (day + wait) * AFTER_HORIZON)
                    continue
                due[n_due, 0], due[n_due, 1], due[n_due, 2] = target, c, invitation
                n_due += 1
        row[COL_INVITES] = n_invites
        for i in range(pending):
            due[n_due, 0], due[n_due, 1], due[n_due, 2] = buf[i, 0], buf[i, 1], buf[i, 2]
            n_due += 1
        for i in range(n_due - 1, 0, -1):  # a random order of the day's conversions
            j = rand.below(rs, S_ORDER, i + 1)
            for col in range(3):
                due[i, col], due[j, col] = due[j, col], due[i, col]
        n_winners = 0
        for i in range(n_due):
            if i + AHEAD < n_due:
                prefetch(state, due[i + AHEAD, 0]), prefetch(claim, due[i + AHEAD, 0])
            target = due[i, 0]
            if state[target] == PROSPECT and claim[target] != day:
                claim[target] = day
                due[n_winners, 0], due[n_winners, 1], due[n_winners, 2] = target, due[i, 1], due[i, 2]
                n_winners += 1
        # organic adopters: today's clocks and those put off by negative word of mouth earlier
        start, stop = organic_bounds[day], organic_bounds[day + 1]
        buf, later = qu.take(heads, tails, pool, meta, qu.ORGANIC_LATER, day, buf)
        organic = np.empty(stop - start + later, np.int64)
        n_organic = 0
        pool = qu.reserve(pool, meta, np.int64(stop - start + later))  # put off again, each at most
        for i in range(stop - start + later):
            c = organic_order[start + i] if i < stop - start else buf[i - (stop - start), 0]
            if state[c] != PROSPECT:
                continue
            if nwom_on and P[NWOM_ORGANIC_PENALTY] > 0 and nwom_until[c] >= day:
                if rand.uniform(rs, S_NWOM_ORGANIC) < P[NWOM_ORGANIC_PENALTY]:
                    again = day + rand.geometric(rs, S_NWOM_ORGANIC, P[ORGANIC_RATE])
                    if again <= Q[DAYS]:
                        qu.put(heads, tails, pool, meta, qu.ORGANIC_LATER, again, c, qu.NO_DATA, qu.NO_DATA)
                    continue
            if claim[c] == day:
                continue
            claim[c] = day
            organic[n_organic] = c
            n_organic += 1

        # ---- adopt: today's organic adopters, then today's referred ones, join
        new_referred = new_fraud = 0
        # under a total budget a referral made for a reward commits its claims' company cost at
        # once (paid on qualification it reserves it, paid on signup it is paid below); the
        # first that does not fit closes the offer (engine._offer_closes_at, _reserve_rewards)
        offer_open = program_on
        reserving = Q[RESERVING] == 1 and program_on
        closing = Q[CLOSES_OFFER] == 1 and program_on
        closed_today = False
        free = M[M_LEFT] - M[M_RESERVED]
        committed = 0.0
        kept = 0
        pool = qu.reserve(pool, meta, np.int64(3 * (n_organic + n_winners)))  # first ask, churn, qualification
        for i in range(n_organic + n_winners):
            if i + AHEAD < n_organic + n_winners:  # a later joiner's entries, written below
                d = organic[i + AHEAD] if i + AHEAD < n_organic else due[i + AHEAD - n_organic, 0]
                prefetch(state, d), prefetch(adopted_day, d), prefetch(referred_by, d), prefetch(tracked, d)
                prefetch(channel, d), prefetch(next_ask_day, d), prefetch(pos, d), prefetch(share_effect, d)
                prefetch(satisfaction, d), prefetch(fraud, d), prefetch(multiplier, d), prefetch(churn_clock, d)
            if i < n_organic:
                c, referrer, flags = organic[i], -1, 0
            else:
                c, referrer, flags = due[i - n_organic, 0], due[i - n_organic, 1], due[i - n_organic, 2]
            is_tracked = referrer >= 0 and (flags & TRACKED_BIT) != 0
            # for a reward only when the friend joins while one is on offer (engine._join); paid on
            # qualification its rewards are reserved first, and the first that does not fit closes it
            for_reward = is_tracked and offer_open
            if Q[HAS_FRAUD_DRAW] == 1 and for_reward:
                # rewards change who comes (engine._who_comes): a fake account alongside
                # with f / (1 - f), f the fake share of referral signups
                reward = referrer_reward(Q, np.int64(rewards_earned[referrer]), tier_after, tier_amount) + P[REFEREE_REWARD]
                s = saturation(reward, P[REWARD_SCALE])
                f = P[FRAUD_SHARE] * s / -math.expm1(-1.0)
                fraud[c] = fraud_draw[c] < f / (1.0 - f)
                fraud_blocked[c] = fraud[c] and blocked_if_fraud[c]
                seeker[c] = seeker_draw[c] < P[SEEKER_MAX_SHARE] * s
                multiplier[c] = P[SEEKER_HAZARD_RATIO] if seeker[c] else 1.0
            if closing and for_reward:   # the offer is open: for_reward says so
                e = np.int64(rewards_earned[referrer] + outstanding[referrer])
                cost = referrer_reward(Q, e, tier_after, tier_amount) + P[REFEREE_REWARD]
                claims = 1
                if fraud[c]:
                    cost = cost + (referrer_reward(Q, e + 1, tier_after, tier_amount) + P[REFEREE_REWARD])
                    claims += 1
                if not reserving and len(non_qualifying) > 0:   # paid on signup they claim too, after it
                    for _ in range(non_qualifying[c]):
                        cost = cost + (referrer_reward(Q, e + claims, tier_after, tier_amount) + P[REFEREE_REWARD])
                        claims += 1
                cost = cost * P[COST_SHARE]
                if committed + cost <= free + 1e-9:
                    committed += cost
                    if reserving:
                        reserve[c] = cost
                    outstanding[referrer] += claims
                else:  # closes the offer: made without a reward, undo what the reward drew
                    offer_open = False
                    closed_today = not reserving   # paid on signup the referrals before it are paid today
                    K[K_EXHAUSTED_DAY] = day
                    for_reward = False
                    fraud[c] = False
                    fraud_blocked[c] = False
                    seeker[c] = False
                    multiplier[c] = 1.0
            if (flags & OFFERED_BIT) != 0 and not offer_open:
                # invited with a reward on offer, joining once it is gone: the friend converts as
                # without it, with probability c0 / c1 (engine._offer_gone)
                if rand.uniform(rs, S_OFFER_GONE) >= offer_gone_keep(
                        P, Q, flags, channel_conversion, np.int64(rewards_earned[referrer]), tier_after, tier_amount,
                        referee_saturation, nwom_on and nwom_until[c] >= day):
                    continue
            if i >= n_organic:  # today's referred joiners, in order, at the front of due
                due[kept, 0], due[kept, 1], due[kept, 2] = c, referrer, flags
                kept += 1
            state[c] = CUSTOMER
            adopted_day[c] = day
            referred_by[c] = referrer
            tracked[c] = is_tracked
            rewarded[c] = for_reward
            channel[c] = ORGANIC if referrer < 0 else flags & 255
            first_ask = np.int64(NEVER)
            timing = Q[TIMING]
            if timing == AT_PURCHASE or timing == ONBOARDING:
                first_ask = day + 1 + Q[DELAY_DAYS]
            elif timing == MILESTONE:
                reach = rand.uniform(rs, S_TIMING) < P[REACH_SHARE]
                wait = max(Q[DELAY_DAYS], 1) if Q[FIXED_SCHEDULE] == 1 else rand.geometric(
                    rs, S_TIMING, 1.0 / (Q[DELAY_DAYS] + 1.0))
                first_ask = day + wait if reach else NEVER
            next_ask_day[c] = first_ask
            if first_ask != NEVER and first_ask <= Q[DAYS]:
                qu.put(heads, tails, pool, meta, qu.ASKS, first_ask, c, qu.NO_DATA, qu.NO_DATA)
            pos[c] = K[K_ACTIVE]
            active[K[K_ACTIVE]] = c
            K[K_ACTIVE] += 1
            K[K_ADOPTED] += 1
            if referrer >= 0:
                K[K_REFERRED_ACTIVE] += 1
            score = satisfaction[c]
            share_effect[c] = segment(score, P[SHARE_PROMOTER], P[SHARE_PASSIVE], P[SHARE_DETRACTOR])
            if Q[CHURN_SCHEDULED] == 1:
                file_churn(Q, heads, tails, pool, meta, leave_day, c, day, churn_clock[c],
                                  hazard(P, score, referrer >= 0, multiplier[c]))
            elif Q[RENEWAL_EVERY] > 0:
                since[c] = day
                file_renewal(Q, heads, tails, pool, meta, leave_day, c, day, day, 0.0, churn_clock[c],
                                    hazard(P, score, referrer >= 0, multiplier[c]))
            if rewarded[c] and Q[PAID_ON_QUALIFICATION] == 1:
                if day + Q[QUALIFICATION_DAYS] <= Q[DAYS]:
                    qu.put(heads, tails, pool, meta, qu.QUALIFY, day + Q[QUALIFICATION_DAYS], c, qu.NO_DATA, qu.NO_DATA)
            if referrer >= 0:
                new_referred += 1 if is_tracked else 0
                new_fraud += 1 if is_tracked and fraud[c] else 0
        n_winners = kept  # less the friends who found the reward gone
        if reserving:
            M[M_RESERVED] += committed
            M[M_COMMITTED] = max(M[M_COMMITTED], M[M_SPENT] + M[M_RESERVED])
            if M[M_LEFT] - M[M_RESERVED] <= 1e-9:
                K[K_EXHAUSTED_DAY] = day
        row[COL_NEW_ORGANIC] = n_organic
        row[COL_NEW_REFERRED] = new_referred
        row[COL_NEW_WORD_OF_MOUTH] = n_winners - new_referred
        row[COL_NEW_FRAUD] = new_fraud

        # ---- negative_word_of_mouth: each active customer a speaker with probability rate
        if nwom_on and K[K_ACTIVE] > 0:
            messages = 0
            i = -1
            while True:
                i += rand.geometric(rs, S_NWOM, P[NWOM_RATE])
                if i >= K[K_ACTIVE]:
                    break
                c = active[i]
                if satisfaction[c] - lost[c] >= PASSIVE_MIN:
                    continue
                messages += 1
                for slot in range(indptr[c], indptr[c + 1]):
                    nwom_until[indices[slot]] = day + Q[NWOM_DAYS]
            row[COL_NEGATIVE] = messages

        # ---- premium_fades: referred customers past the fade period leave the premium sum
        buf, count = qu.take(heads, tails, pool, meta, qu.PREMIUM, day, buf)
        for i in range(count):
            c = buf[i, 0]
            if state[c] == CUSTOMER:
                K[K_PREMIUM_COUNT] -= 1
                K[K_PREMIUM_ADOPTED_SUM] -= adopted_day[c]

        # ---- churn: the customers whose churn day is today
        leavers = churned_referred = 0
        buf, count = qu.take(heads, tails, pool, meta, qu.CHURN, day, buf)
        for i in range(count):
            c = buf[i, 0]
            if leave_day[c] != day or state[c] != CUSTOMER:
                continue  # rescheduled, or filed twice for today
            state[c] = CHURNED
            churn_day[c] = day
            leavers += 1
            referred = referred_by[c] >= 0
            if referred:
                churned_referred += 1
            K[K_EARNERS] -= 1
            if seeker[c]:
                K[K_SEEKER_EARNERS] -= 1
            elif referred and day - adopted_day[c] <= Q[PREMIUM_FADE_DAYS]:
                K[K_PREMIUM_COUNT] -= 1
                K[K_PREMIUM_ADOPTED_SUM] -= adopted_day[c]
            last = active[K[K_ACTIVE] - 1]  # swap the leaver out of the active list
            active[pos[c]] = last
            pos[last] = pos[c]
            K[K_ACTIVE] -= 1
        row[COL_NEW_CHURNED] = leavers
        K[K_CHURNED] += leavers
        K[K_REFERRED_ACTIVE] -= churned_referred
        K[K_CUSTOMER_DAYS_REFERRED] += referred_at_risk
        K[K_CUSTOMER_DAYS_ORGANIC] += n_start - referred_at_risk
        K[K_CHURN_EVENTS_REFERRED] += churned_referred
        K[K_CHURN_EVENTS_ORGANIC] += leavers - churned_referred

        # ---- money: margin from the running sums; rewards due, within caps and the budget
        fade = float(Q[PREMIUM_FADE_DAYS])
        premium_terms = K[K_PREMIUM_COUNT] * (1.0 - day / fade) + K[K_PREMIUM_ADOPTED_SUM] / fade
        earners = K[K_EARNERS] - (1.0 - P[SEEKER_MARGIN_RATIO]) * K[K_SEEKER_EARNERS]
        revenue = P[DAILY_MARGIN] * (earners + P[REFERRED_MARGIN_PREMIUM] * premium_terms)
        acquisition = n_organic * P[ACQUISITION_COST_ORGANIC]
        reward_cost, paid, fraud_cost = 0.0, 0, 0.0
        if Q[HAS_INCENTIVE] == 1:
            if Q[PAID_ON_QUALIFICATION] == 1:
                # each friend's claim if still a customer, then their fake account's
                # (-1 - c) unless qualification blocks it (engine._pay_rewards)
                buf, count = qu.take(heads, tails, pool, meta, qu.QUALIFY, day, buf)
                referees = np.empty(2 * count, np.int64)
                n_referees = 0
                released = 0.0
                for i in range(count):
                    c = buf[i, 0]
                    if Q[RESERVING] == 1:  # released to pay them (unused: a friend gone, a fake blocked)
                        released += reserve[c]
                        reserve[c] = 0.0
                        outstanding[referred_by[c]] -= 2 if fraud[c] else 1
                    if state[c] == CUSTOMER:
                        referees[n_referees] = c
                        n_referees += 1
                    if fraud[c] and not fraud_blocked[c]:
                        referees[n_referees] = -1 - c
                        n_referees += 1
                if Q[RESERVING] == 1 and count > 0:
                    M[M_RESERVED] -= released
            else:
                # each friend's claim, their fake account's (-1 - c), then one for each
                # sign-up beside them who never qualifies (n + c) (engine._pay_rewards)
                beside = 0
                if len(non_qualifying) > 0:
                    for i in range(n_winners):
                        if (due[i, 2] & TRACKED_BIT) != 0 and rewarded[due[i, 0]]:
                            beside += non_qualifying[due[i, 0]]
                referees = np.empty(2 * n_winners + beside, np.int64)
                n_referees = 0
                for i in range(n_winners):
                    if (due[i, 2] & TRACKED_BIT) != 0 and rewarded[due[i, 0]]:
                        c = due[i, 0]
                        referees[n_referees] = c
                        n_referees += 1
                        if closing:   # its claims, counted for today's pricing at adoption, are paid now
                            outstanding[referred_by[c]] -= 1 + (1 if fraud[c] else 0) + (
                                non_qualifying[c] if len(non_qualifying) > 0 else 0)
                        if fraud[c]:
                            referees[n_referees] = -1 - c
                            n_referees += 1
                        if len(non_qualifying) > 0:
                            for _ in range(non_qualifying[c]):
                                referees[n_referees] = n + c
                                n_referees += 1
            # the sides of claims a spent month's allowance deferred come first (filed under
            # the day it refills), then today's; masks: 1 the referrer's, 2 the friend's
            # (paid on signup, the referrals before the one that closed the offer today are paid: it fit them)
            exhausted_before = K[K_EXHAUSTED_DAY] >= 0 and not closed_today
            # a budget that holds deferred claims pays them after it ran out too, as the
            # allowance refills (Budget.holds); while it is spent they wait, today's join them
            holds = Q[CLOSES_OFFER] == 1 and not math.isnan(P[BUDGET_PER_MONTH])
            n_deferred = 0
            if program_on or (holds and exhausted_before):
                buf, n_deferred = qu.take(heads, tails, pool, meta, qu.DEFERRED, day, buf)
            if n_deferred + n_referees > 0:  # most days nothing falls due
                codes = np.empty(n_deferred + n_referees, np.int64)
                masks = np.empty(n_deferred + n_referees, np.int64)
                for i in range(n_deferred):
                    codes[i] = buf[i, 0]
                    masks[i] = buf[i, 1]
                for i in range(n_referees):
                    codes[n_deferred + i] = referees[i]
                    masks[n_deferred + i] = 3
                if program_on or (exhausted_before and (not holds or day >= K[K_PAUSED_UNTIL])):
                    # once the budget is exhausted nothing is paid: pay counts what is lost
                    reward_cost, paid, fraud_cost = pay(P, Q, K, M, day, codes, masks, referred_by, rewards_earned,
                                                        reward_value, batch, tier_after, tier_amount, exhausted_before)
                elif holds and n_referees > 0:
                    # deferred untried: what they cost stays reserved while they wait
                    hold(P, Q, K, M, day, codes[n_deferred:], masks[n_deferred:], referred_by, rewards_earned, batch,
                         tier_after, tier_amount)
                if K[K_EXHAUSTED_DAY] < 0 or holds:
                    # what the allowance could not pay waits for its next month (the spare
                    # day after the horizon keeps what falls due after it)
                    later = min(K[K_PAUSED_UNTIL], Q[DAYS] + 1)
                    pool = qu.reserve(pool, meta, np.int64(len(codes)))
                    for i in range(len(codes)):
                        if masks[i] != 0:
                            qu.put(heads, tails, pool, meta, qu.DEFERRED, later, codes[i], masks[i], qu.NO_DATA)
        profit = revenue - reward_cost - acquisition
        row[COL_REVENUE] = revenue
        row[COL_ACQUISITION_COST] = acquisition
        row[COL_REWARD_COST] = reward_cost
        row[COL_REWARDS_PAID] = paid
        row[COL_FRAUD_COST] = fraud_cost
        row[COL_PROFIT] = profit

        # ---- start_earning: today's joiners enter the margin sums from tomorrow
        pool = qu.reserve(pool, meta, np.int64(n_organic + n_winners))
        for i in range(n_organic + n_winners):
            c = organic[i] if i < n_organic else due[i - n_organic, 0]
            K[K_EARNERS] += 1
            if seeker[c]:
                K[K_SEEKER_EARNERS] += 1
            elif referred_by[c] >= 0:
                K[K_PREMIUM_COUNT] += 1
                K[K_PREMIUM_ADOPTED_SUM] += day
                ends = day + Q[PREMIUM_FADE_DAYS] + 1
                if ends <= Q[DAYS]:
                    qu.put(heads, tails, pool, meta, qu.PREMIUM, ends, c, qu.NO_DATA, qu.NO_DATA)

        # ---- record: the day's row
        row[COL_PROSPECTS] = n - K[K_ADOPTED]
        row[COL_CUSTOMERS] = K[K_ACTIVE]
        row[COL_CHURNED] = K[K_CHURNED]
        row[COL_CUMULATIVE_PROFIT] = daily[day - 1, COL_CUMULATIVE_PROFIT] + profit
    return pool


@compiled_only
def month_of(day):
    return int(math.floor((day - 1) / DAYS_PER_MONTH))


@compiled_only
def month_left(P, M, day):
    if math.isnan(P[BUDGET_PER_MONTH]):
        return math.inf
    return P[BUDGET_PER_MONTH] * (month_of(day) + 1) - M[M_SPENT]


@compiled_only
def claim_referee(code, n):
    """The referred friend behind a claim code (behaviour.incentive.claim_referees)."""
    if code < 0:
        return -1 - code
    return code - n if code >= n else code


@compiled_only
def claims_earned(referees, masks, referred_by, rewards_earned, batch):
    """For each claim, its referrer's referrals already credited plus the earlier claims of
    this batch whose referrer's side is owed (tiers and the cap counted in claim order);
    ``batch`` is a zeroed scratch array, left zeroed."""
    count = len(referees)
    n = len(referred_by)
    # int64, as the day's counts passed to referrer_reward are: numba then compiles it once
    earned = np.empty(count, np.int64)
    for i in range(count):
        r = referred_by[claim_referee(referees[i], n)]
        earned[i] = rewards_earned[r] + batch[r]
        batch[r] += masks[i] & 1
    for i in range(count):
        batch[referred_by[claim_referee(referees[i], n)]] = 0
    return earned


@compiled_only
def hold(P, Q, K, M, day, referees, masks, referred_by, rewards_earned, batch, tier_after, tier_amount):
    """Claims deferred without a try: their company cost, priced as pay would now, stays
    reserved while they wait (behaviour/budget.Budget.hold)."""
    count = len(referees)
    earned = claims_earned(referees, masks, referred_by, rewards_earned, batch)
    cost = 0.0
    for i in range(count):
        for side in range(2):
            if (masks[i] >> side) & 1 == 0:
                continue
            face = referrer_reward(Q, earned[i], tier_after, tier_amount) if side == 0 else P[REFEREE_REWARD]
            cost += face * P[COST_SHARE]
    if count == 0:
        return
    M[M_HELD] += cost
    M[M_RESERVED] += cost
    M[M_COMMITTED] = max(M[M_COMMITTED], M[M_SPENT] + M[M_RESERVED])
    if K[K_EXHAUSTED_DAY] < 0 and M[M_LEFT] - M[M_RESERVED] <= 1e-9:
        K[K_EXHAUSTED_DAY] = day


@compiled_only
def pay(P, Q, K, M, day, referees, masks, referred_by, rewards_earned, reward_value, batch, tier_after,
        tier_amount, exhausted):
    """Rewards due today, referrer's then referee's for each claim in order, paid while
    their running company cost fits the budget and the month's allowance
    (behaviour/budget.Budget.pay); returns (company cost, rewards paid, company cost
    of the fake accounts' claims). A claim is a referred friend c, -1 - c for the
    fake account that signed up alongside c, or n + c for a sign-up beside c who never
    qualifies (both credited to c's referrer, neither paid a friend's reward to c); ``masks[i]``
    its sides still owed (1 the referrer's, 2 the friend's), left holding the sides
    the budget or the allowance refused. Once the budget is exhausted (``exhausted``,
    or by this payment), the company cost of what it refused is lost (M_UNPAID), and
    the referrer's side still counts towards tiers and the cap (rewards_earned)."""
    count = len(referees)
    n = len(referred_by)
    earned = claims_earned(referees, masks, referred_by, rewards_earned, batch)
    # a budget that holds deferred claims (Budget.holds) releases what the last try held:
    # those claims come first here
    holds = Q[CLOSES_OFFER] == 1 and not math.isnan(P[BUDGET_PER_MONTH])
    if holds:
        M[M_RESERVED] -= M[M_HELD]
        M[M_HELD] = 0.0
    # others' reservations are not for these claims; reserved claims are paid after it ran out
    budget_left = M[M_LEFT] - M[M_RESERVED]
    limit = -1.0 if exhausted and Q[RESERVING] == 0 and not holds else min(budget_left, month_left(P, M, day)) + 1e-9
    running, cost, paid, fraud_cost, refused_cost = 0.0, 0.0, 0, 0.0, 0.0
    refused, short, first_refused = False, False, 0.0
    held, kept, lost_any = 0.0, False, False
    lost = np.zeros(count if holds else 0, np.int64)
    for i in range(count):
        fake = referees[i] < 0
        friend = 0 <= referees[i] < n
        c = claim_referee(referees[i], n)
        r = referred_by[c]
        for side in range(2):
            if (masks[i] >> side) & 1 == 0:
                continue
            face = referrer_reward(Q, earned[i], tier_after, tier_amount) if side == 0 else P[REFEREE_REWARD]
            running += face * P[COST_SHARE]
            affordable = running <= limit
            if not affordable and holds:
                # the allowance defers what fits the budget (held again); the rest is lost
                if running <= budget_left + 1e-9:
                    held += face * P[COST_SHARE]
                    kept = kept or face * P[COST_SHARE] > 0
                else:
                    refused_cost += face * P[COST_SHARE]
                    lost_any = lost_any or face * P[COST_SHARE] > 0
                    lost[i] |= 1 << side
                    masks[i] &= ~(1 << side)
                continue
            if not affordable:
                refused_cost += face * P[COST_SHARE]
                if not short:
                    short, first_refused = True, running
                if face * P[COST_SHARE] > 0:
                    refused = True
                continue
            masks[i] &= ~(1 << side)
            cost += face * P[COST_SHARE]
            if fake:
                fraud_cost += face * P[COST_SHARE]
            if face > 0:
                paid += 1
                if side == 0:
                    reward_value[r] += face
                elif friend:
                    reward_value[c] += face
            if side == 0 and (Q[CAP_PER_REFERRER] < 0 or earned[i] < Q[CAP_PER_REFERRER]):
                rewards_earned[r] += 1
    M[M_LEFT] -= cost
    M[M_SPENT] += cost
    if holds:
        if held > 0 or kept:
            M[M_HELD] = held
            M[M_RESERVED] += held
        # paid on signup what is paid here was never reserved (Budget._pay_holding)
        M[M_COMMITTED] = max(M[M_COMMITTED], M[M_SPENT] + M[M_RESERVED])
        if K[K_EXHAUSTED_DAY] < 0 and (M[M_LEFT] - M[M_RESERVED] <= 1e-9 or lost_any):
            K[K_EXHAUSTED_DAY] = day
        if kept or month_left(P, M, day) <= 1e-9:
            K[K_PAUSED_UNTIL] = int(math.ceil((month_of(day) + 1) * DAYS_PER_MONTH)) + 1
        M[M_UNPAID] += refused_cost
        # a reward lost to the budget was still earned (below); a deferred one is not yet
        for i in range(count):
            if lost[i] & 1 and (Q[CAP_PER_REFERRER] < 0 or earned[i] < Q[CAP_PER_REFERRER]):
                rewards_earned[referred_by[claim_referee(referees[i], n)]] += 1
        return cost, paid, fraud_cost
    if not exhausted:
        if M[M_LEFT] - M[M_RESERVED] <= 1e-9 or (refused and first_refused > budget_left + 1e-9):
            K[K_EXHAUSTED_DAY] = day
        elif refused or month_left(P, M, day) <= 1e-9:
            K[K_PAUSED_UNTIL] = int(math.ceil((month_of(day) + 1) * DAYS_PER_MONTH)) + 1
    if K[K_EXHAUSTED_DAY] >= 0:
        M[M_UNPAID] += refused_cost
        # a reward lost to the budget was still earned: it counts towards the referrer's
        # tiers and cap, so the rewards lost after it are priced as they would have been paid
        for i in range(count):
            if masks[i] & 1 and (Q[CAP_PER_REFERRER] < 0 or earned[i] < Q[CAP_PER_REFERRER]):
                rewards_earned[referred_by[claim_referee(referees[i], n)]] += 1
    return cost, paid, fraud_cost
