"""How :class:`~simulator.engine.Engine` hands its days to the compiled kernel
(simulator/kernel/): after the set-up of day 0, which runs on numpy, the state moves
into the kernel's arrays once, and every later day runs there. A mixin of Engine."""

from __future__ import annotations

import math

import numpy as np

from .behaviour import churn as churn_model
from .behaviour import incentive as inc
from .state import NEVER
from .rng import stream_words
from .config import Campaign, GeometricLag, Milestone, NoIncentive, NoLag, PipelineLag, Tiered, offers_reward

_TIMING_CODE = {"never": 0, "at_purchase": 1, "onboarding": 2, "milestone": 3, "campaign": 4}


class KernelBridge:
    """The kernel's side of an Engine: packing its state, running days, reading the counters back."""

    _kernel = None

    def _to_kernel(self) -> None:
        """Move the state after day 0 into the kernel (once; the numpy agendas are left empty)."""
        from .kernel import layout as L
        from .kernel import queue as qu

        sc, p, net = self.scenario, self.people, self.network
        program, incentive, timing = sc.program, sc.program.incentive, sc.program.timing
        P = np.zeros(len(L.F_NAMES))
        Q = np.zeros(len(L.I_NAMES), np.int64)
        rewarded = not isinstance(incentive, NoIncentive)
        effect = program.satisfaction_effect
        churn_effect = sc.churn.satisfaction_multipliers
        reminders = getattr(timing, "reminders", None)
        moments = program.moment_effect
        first_moment = {"at_purchase": moments.purchase, "onboarding": moments.onboarding, "milestone": moments.milestone,
                        "campaign": moments.campaign, "never": 1.0}[timing.kind]
        lag = program.conversion_lag
        renewal = sc.churn.renewal if sc.churn.monthly_rate > 0 else None  # contracts that end only on renewal dates
        nwom = sc.negative_word_of_mouth
        floats = {
            "base_share": program.base_share, "ease": self._ease, "type_weight": self._type_weight,
            "reward_scale": self._reward_scale, "motive_scale": self._motive_scale, "referee_reward": getattr(incentive, "referee_reward", 0.0) if rewarded else 0.0,
            "link_use": program.link_use, "spontaneous_rate": sc.word_of_mouth.spontaneous_rate,
            "spontaneous_top": max(effect.promoter, effect.passive, effect.detractor),
            "share_promoter": effect.promoter, "share_passive": effect.passive, "share_detractor": effect.detractor,
            "churn_promoter": churn_effect.promoter, "churn_passive": churn_effect.passive,
            "churn_detractor": churn_effect.detractor, "base_hazard": churn_model.base_daily_hazard(sc.churn.monthly_rate),
            "referred_hazard_ratio": sc.churn.referred_hazard_ratio,
            "seeker_hazard_ratio": program.reward_seekers.hazard_ratio,
            "seeker_margin_ratio": program.reward_seekers.margin_ratio,
            "seeker_max_share": program.reward_seekers.max_share, "fraud_share": sc.fraud.share,
            "min_satisfaction": getattr(timing, "min_satisfaction", 0.0), "reach_share": getattr(timing, "reach_share", 1.0),
            "fatigue": reminders.fatigue if reminders else 1.0, "annoyance": reminders.annoyance if reminders else 0.0,
            "annoyance_points": reminders.annoyance_points if reminders else 0.0,
            "moment_first": first_moment, "moment_campaign": moments.campaign, "moment_reminder": moments.reminder,
            "tie_weak": program.tie_conversion.weak, "tie_strong": program.tie_conversion.strong,
            "nwom_rate": nwom.rate, "nwom_conversion_penalty": nwom.conversion_penalty,
            "nwom_organic_penalty": nwom.organic_penalty, "organic_rate": sc.acquisition.organic_rate,
            "lag_first_day_share": lag.first_day_share if isinstance(lag, GeometricLag) else 1.0,
            "lag_tail_p": 1.0 / lag.tail_mean_days if isinstance(lag, GeometricLag) else 1.0,
            "daily_margin": sc.economics.monthly_margin / churn_model.DAYS_PER_MONTH,
            "referred_margin_premium": sc.economics.referred_margin_premium,
            "acquisition_cost_organic": sc.economics.acquisition_cost_organic, "cost_share": self.budget.cost_share,
            "budget_per_month": math.nan if self.budget.per_month is None else self.budget.per_month,
        }
        if rewarded:
            floats.update(strong_tie_weight=incentive.strong_tie_weight, max_uplift=incentive.max_uplift,
                          referee_max_uplift=incentive.referee_max_uplift,
                          referee_share_uplift=incentive.referee_share_uplift,
                          credibility_penalty=incentive.credibility_penalty, link_response=program.link_response,
                          link_sharing_top=self._link_sharing_top())
        for name, value in floats.items():
            P[L.F_NAMES.index(name)] = value
        ints = {
            "days": sc.days, "timing": _TIMING_CODE[timing.kind], "delay_days": getattr(timing, "delay_days", 0),
            "fixed_schedule": int(isinstance(timing, Milestone) and timing.schedule == "fixed"),
            "reminders": reminders.count if reminders else 0, "interval_days": reminders.interval_days if reminders else 1,
            "has_incentive": int(offers_reward(incentive)), "paid_on_qualification": int(rewarded and incentive.paid_on == "qualification"),
            "qualification_days": incentive.qualification_days if rewarded else 0,
            "cap_per_referrer": incentive.cap_per_referrer if rewarded and incentive.cap_per_referrer is not None else -1,
            "ends_program": int(self.budget.ends_program), "has_link_draw": int(self._link_draw is not None),
            "has_fraud_draw": int(self._fraud_draw is not None), "churn_scheduled": int(self._churn_process.scheduled),
            "nwom_days": nwom.days,
            "lag_kind": 2 if isinstance(lag, PipelineLag) else 1 if isinstance(lag, GeometricLag) else 0,
            "lag_valid_days": 0 if isinstance(lag, NoLag) else lag.valid_days,
            "premium_fade_days": sc.economics.premium_fade_days, "channels": len(program.channels),
            "renewal_every": renewal.every_days if renewal is not None else 0,
            "renewal_notice": renewal.notice_days if renewal is not None else 0,
            "launch_once": int(program.launch.ask_existing == "once"), "reserving": int(self.budget.reserving),
            "closes_offer": int(self.budget.closes_offer),
        }
        for name, value in ints.items():
            Q[L.I_NAMES.index(name)] = value

        n = p.n
        K = np.zeros(len(L.K_NAMES), np.int64)
        exhausted, paused, left, spent, unpaid, reserved, committed, held = self.budget.state()
        counters = {"active": len(self._active), "adopted": self._n_adopted, "churned": self._n_churned,
                    "referred_active": self._n_referred_active, "earners": self._n_earners,
                    "seeker_earners": self._seeker_earners, "premium_count": self._premium_count,
                    "premium_adopted_sum": self._premium_adopted_sum,
                    "exhausted_day": -1 if exhausted is None else exhausted, "paused_until": paused,
                    "customer_days_referred": self.customer_days["referred"],
                    "customer_days_organic": self.customer_days["organic"],
                    "churn_events_referred": self.churn_events["referred"],
                    "churn_events_organic": self.churn_events["organic"]}
        for name, value in counters.items():
            K[L.K_NAMES.index(name)] = value
        M = np.array([left, spent, unpaid, reserved, committed, held], np.float64)

        active = np.zeros(n, np.int32)
        active[: len(self._active)] = self._active
        position = np.zeros(n, np.int32)
        position[self._active] = np.arange(len(self._active), dtype=np.int32)
        churn_due, leave_day = self._churn_process.pending()
        own = (self.satisfaction_lost, self._share_effect, self.seeker, self._churn_process.multiplier,
               leave_day if leave_day is not None else np.full(n if renewal is not None else 0, NEVER, np.int64),
               self._fraud_draw if self._fraud_draw is not None else np.zeros(0, np.float32),
               self._seeker_draw if self._seeker_draw is not None else np.zeros(0, np.float32),
               self._blocked_if_fraud, self._link_draw if self._link_draw is not None else np.zeros(0, np.float32),
               active, position, np.full(n, -1, np.int32), np.full(n, -1, np.int32), np.zeros(n, np.int32),
               np.zeros(n if renewal is not None else 0, np.int32),
               self._non_qualifying if self._non_qualifying is not None else np.zeros(0, np.int32),
               self._reserve, self._outstanding)
        people = (p.state, p.satisfaction, p.adopted_day, p.referred_by, p.tracked, p.channel, p.asks, p.next_ask_day,
                  p.shared, p.rewards_earned, p.reward_value, p.churn_day, p.fraud, p.fraud_blocked, p.churn_clock,
                  p.nwom_until, p.churn_hazard, p.tenure_at_start, p.rewarded)

        channels = program.channels
        if isinstance(incentive, Tiered):
            tier_after = np.array([t.after for t in incentive.tiers], np.int64)
            tier_amount = np.array([t.referrer_reward for t in incentive.tiers], np.float64)
        else:
            tier_after = np.zeros(1, np.int64)
            tier_amount = np.array([incentive.referrer_reward if rewarded else 0.0])
        stages = lag.stages if isinstance(lag, PipelineLag) else []
        campaign = np.zeros(sc.days + 2, bool)
        if isinstance(timing, Campaign):
            campaign[[d for d in timing.days if d <= sc.days]] = True
        rules = (self._organic_order.astype(np.int64), self._organic_bounds.astype(np.int64), campaign,
                 np.cumsum(self._channel_weights), np.array([0 if c.kind == "direct" else 1 for c in channels], np.int64),
                 np.array([getattr(c, "extra_invites", 0.0) for c in channels], np.float64),
                 np.array([int(bool(getattr(c, "invite_all", False))) for c in channels], np.int64),
                 np.array([getattr(c, "attention", 1.0) for c in channels], np.float64),
                 self._channel_conversion.astype(np.float64), tier_after, tier_amount,
                 np.array([s.drop_off for s in stages], np.float64),
                 np.array([1.0 / (s.mean_days + 1.0) if s.mean_days > 0 else 1.0 for s in stages], np.float64))
        heads, tails, pool, meta = qu.empty(sc.days, 1024)
        for queue, agenda in ((qu.ASKS, self._ask_due), (qu.CHURN, churn_due), (qu.QUALIFY, self._pending_qualification),
                              (qu.PREMIUM, self._premium_ends), (qu.ORGANIC_LATER, self._organic_later)):
            days, who = agenda.flat()
            if len(who):
                pool = qu.push_many(heads, tails, pool, meta, queue, days, who, sc.days)
        if any(True for _ in self._pending_invites.items()):
            raise RuntimeError("the kernel takes over on day 0, before any invitation is pending")
        rs = _kernel_rows(self.streams, self.draws.kernel_rows, L.STREAMS)
        net_arrays = tuple(_read_only(a) for a in (net.indptr, net.indices, net.strong))
        self._kernel = [P, Q, K, M, rs, people, own, net_arrays, rules, heads, tails, pool, meta]

    def _link_sharing_top(self) -> float:
        """A bound on the daily rate of the unprompted shares a reward adds to one customer
        who uses their link, spontaneous_rate · link_response · sat_effect ·
        (incentive_effect · friend_incentive_effect − 1), for the kernel's thinning: at the
        largest segment effect, reward (any tier's) and tie weight."""
        sc = self.scenario
        program, incentive = sc.program, sc.program.incentive
        effect = program.satisfaction_effect
        tiers = incentive.tiers if isinstance(incentive, Tiered) else [incentive]
        largest = max(t.referrer_reward for t in tiers)
        weight = self._type_weight * max(1.0, incentive.strong_tie_weight)
        reward_effect = ((1 + incentive.max_uplift * float(inc.saturation(largest, self._motive_scale)) * weight)
                         * (1 + incentive.referee_share_uplift
                            * float(inc.saturation(inc.referee_reward(incentive), self._motive_scale)) * weight))
        return (sc.word_of_mouth.spontaneous_rate * program.link_response
                * max(effect.promoter, effect.passive, effect.detractor) * (reward_effect - 1))

    def _kernel_days(self, first_day: int, last_day: int) -> None:
        """Run days first_day..last_day in the kernel, then read its counters back."""
        from .kernel import layout as L
        from .kernel.day import run_days

        k = self._kernel
        k[11] = run_days(first_day, last_day, *k, self.daily)
        K, M = k[2], k[3]
        self.day = last_day
        self.today = self.daily[last_day]
        self._n_adopted, self._n_churned = int(K[L.K_ADOPTED]), int(K[L.K_CHURNED])
        self._n_referred_active = int(K[L.K_REFERRED_ACTIVE])
        self.customer_days = {"referred": int(K[L.K_CUSTOMER_DAYS_REFERRED]), "organic": int(K[L.K_CUSTOMER_DAYS_ORGANIC])}
        self.churn_events = {"referred": int(K[L.K_CHURN_EVENTS_REFERRED]), "organic": int(K[L.K_CHURN_EVENTS_ORGANIC])}
        exhausted = int(K[L.K_EXHAUSTED_DAY])
        self.budget.restore(None if exhausted < 0 else exhausted, int(K[L.K_PAUSED_UNTIL]), float(M[L.M_LEFT]),
                            float(M[L.M_SPENT]), float(M[L.M_UNPAID]), float(M[L.M_RESERVED]),
                            float(M[L.M_COMMITTED]), float(M[L.M_HELD]))
        self._active = k[6][9][: int(K[L.K_ACTIVE])]

    def _kernel_leads(self):
        """Engine.pending_invitations from the kernel's queue of invitations (read, not
        taken): the days after today, then the spare day after the horizon, whose items
        carry their own day in their flags (kernel/day.py, AFTER_HORIZON)."""
        from .behaviour.channels import Invitations
        from .kernel import queue as qu
        from .kernel.day import AFTER_HORIZON, OFFERED_BIT, STRONG_BIT, TRACKED_BIT

        horizon = self.scenario.days
        days, items = self._kernel_queued(qu.INVITES)
        if not len(days):
            return np.zeros(0, np.int64), Invitations.empty()
        flags = items[:, qu.C]
        after = days > horizon
        days[after] = flags[after] // AFTER_HORIZON
        order = np.argsort(days, kind="stable")  # the spare day's leads by their own day, in filing order
        flags = flags[order] % AFTER_HORIZON
        return days[order], Invitations(items[order, qu.B].astype(np.int32), items[order, qu.A].astype(np.int32),
                                        (flags & 255).astype(np.int8), (flags & STRONG_BIT) != 0,
                                        (flags & TRACKED_BIT) != 0, (flags & OFFERED_BIT) != 0)


    def _kernel_deferred(self) -> tuple[np.ndarray, np.ndarray]:
        """Engine.deferred_claims from the kernel's queue of deferred reward claims (read,
        not taken): their codes and masks in filing order."""
        from .kernel import queue as qu

        _, items = self._kernel_queued(qu.DEFERRED)
        return items[:, qu.A].copy(), items[:, qu.B].copy()

    def _kernel_queued(self, queue) -> tuple[np.ndarray, np.ndarray]:
        """The days after today (and the spare day after the horizon) and the rows
        (next, a, b, c) of the items filed under them in the kernel's ``queue``, in order."""
        from .kernel import queue as qu

        heads, pool = self._kernel[9], self._kernel[11]
        rows, days = [], []
        for day in range(self.day + 1, self.scenario.days + 2):
            slot = int(heads[queue, day])
            while slot >= 0:
                rows.append(pool[slot])
                days.append(day)
                slot = int(pool[slot, qu.NEXT])
        return np.array(days, np.int64), np.array(rows, np.int64).reshape(-1, 4)


def _kernel_rows(streams, known: dict, names) -> np.ndarray:
    """The kernel's row of state for each of its streams. A stream nothing has drawn from
    gives the same row in every run of its seed: it is made from the stream's first words
    without making its generator (a run of this seed may have made it already: ``known``),
    and the draw is replayed only should the stream ever be asked for (most never are)."""
    from .kernel.rand import seed_rows, state_row

    rows = np.empty((len(names), 4), np.uint64)
    for i, name in enumerate(names):
        if streams.untouched(name):
            if name not in known:
                known[name] = state_row(stream_words(streams.seed, name, 4))
            rows[i] = known[name]
            streams.drawn_elsewhere(name, _replay_seed_row)
        else:
            rows[i] = seed_rows([streams(name)])[0]
    return rows


def _replay_seed_row(generator: np.random.Generator) -> np.ndarray:
    """The kernel's first draw from ``generator``, made again (a module function, not a
    closure, so a model holding it can be pickled)."""
    from .kernel.rand import seed_rows

    return seed_rows([generator])


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view: numba compiles run_days once per argument type, and writability is
    part of the type (a copied Network's arrays are writable; a built one's are not)."""
    view = array.view()
    view.flags.writeable = False
    return view
