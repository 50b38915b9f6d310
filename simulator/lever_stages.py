"""The program levers' stages of the day (issue: seeding, targeting, delight, staff,
influencers): small steps over index arrays that call behaviour/{delight,targeting,
seeding}.py and the engine's share rule. A mixin of :class:`Engine`."""

from __future__ import annotations

import numpy as np

from .behaviour import channels as chan
from .behaviour import targeting as targeting_model
from .behaviour import timing as tim
from .stages import PROGRAM_COSTS, Today
from .state import CUSTOMER


class LeverStages:
    """Stages of :class:`~simulator.engine.Engine` that only the program levers use."""

    def _delight(self, today: Today) -> None:
        """Today's delight actions among active customers, cost actions * cost_each."""
        if self._delight_actions is None:
            return
        day = today.day
        customers = today.customers
        chosen = self._delight_actions.act(customers, self._scores(customers, day), day, self.streams("delight"))
        today.counts["delight_actions"] = len(chosen)
        today.counts["delight_cost"] = len(chosen) * self._delight_actions.cfg.cost_each

    def _targeting(self, today: Today) -> None:
        """With a daily capacity, the due customers (today's and those waiting) are ranked
        and the first daily_capacity are asked; the rest wait in the queue. A waiting
        customer keeps their due ask until they are asked or stop being a customer."""
        cfg = self.scenario.program.targeting
        if cfg is None:
            return
        if not self.asks_on:  # the budget ended the program: those still waiting are not asked either
            self._ask_queue = self._ask_queue[:0]
            today.counts["ask_queue"] = 0
            return
        p, day = self.people, today.day
        p.asks[today.asked] -= 1  # the ask counted by the timing stage happens only within capacity
        pool = np.unique(np.concatenate([self._ask_queue, today.asked]))
        pool = pool[p.state[pool] == CUSTOMER]
        scores = self._scores(pool, day)
        # tenure counts from the customer's signing, before the run for the customers of day 0 (as satisfaction
        # drift and renewal count it): from adopted_day alone every existing customer tied at the launch
        tenure = day - p.adopted_day[pool] + p.tenure_at_start[pool]
        order = targeting_model.priority(cfg, scores, self.network.degree[pool], tenure, self._ask_key[pool])
        chosen, self._ask_queue = targeting_model.split(cfg, pool, order)
        # the rank decides who is asked, not which of the day's draws each gets: the chosen
        # take the order the timing stage gave today's asks (those waiting from earlier days
        # after them), so a capacity that never binds is the run without targeting
        picked = targeting_model.in_asking_order(pool, order[:len(chosen)], today.asked)
        asked = pool[picked]
        today.earlier_asks = p.asks[asked].copy()
        # an ask made late keeps the moment of the ask it was (first or reminder)
        today.moment = self._moment(asked, today.earlier_asks, tim.campaign_today(self.scenario.program.timing, day))
        p.asks[asked] += 1
        today.asked, today.asked_scores = asked, scores[picked]
        today.counts["asks"] = len(asked)
        today.counts["ask_queue"] = len(self._ask_queue)
        today.counts["ask_cost"] = len(asked) * cfg.cost_per_ask

    def _staff_asks(self, today: Today) -> None:
        """Each active customer is mentioned the program by staff with daily probability
        touchpoint_rate (a Binomial count of uniformly chosen customers); a mention is
        shared with w = clip(base_share * sat_effect * incentive_effect * ease * moment_effect).
        Mentions are not program asks: they neither count towards fatigue nor move the
        timing model's schedule. Once the budget ends the program (end_program), staff stop
        mentioning it and cost nothing more."""
        cfg = self.scenario.program.staff
        if cfg is None or not self.asks_on:
            return
        day, customers, rng = today.day, today.customers, self.streams("staff")
        mentioned = customers[rng.choice(len(customers), rng.binomial(len(customers), cfg.touchpoint_rate), replace=False)] \
            if len(customers) else customers
        w = self._share_probability(mentioned, self._scores(mentioned, day)) * cfg.moment_effect
        sharers = mentioned[rng.random(len(mentioned)) < np.clip(w, 0.0, 1.0)]
        # a staff mention is an ask: the sharer uses the referral link
        today.sharers = np.concatenate([today.sharers, sharers])
        today.tracked = np.concatenate([today.tracked, np.ones(len(sharers), bool)])
        today.counts["shares"] = len(today.sharers)
        today.counts["staff_asks"] = len(mentioned)
        today.counts["staff_cost"] = cfg.cost_per_day

    def _influencers(self, today: Today) -> None:
        """Influencers still active post on days 1, 1 + post_interval_days, ... (posts
        times). Every share of an influencer, posted or otherwise, goes through a channel
        drawn from the mix with reach_boost times the reach: a direct share invites
        1 + Poisson((1 + extra_invites) * reach_boost - 1) friends, a broadcast
        is noticed with probability min(1, attention * reach_boost). Their ordinary
        invitations made by the invite stage are replaced by these. Influencers share
        through their referral link (tracked)."""
        cfg = self.scenario.program.influencers
        if cfg is None:
            return
        p, day, rng, program = self.people, today.day, self.streams("influencers"), self.scenario.program
        influencers = np.flatnonzero(self._influencer)
        posting = influencers[p.state[influencers] == CUSTOMER] \
            if (day - 1) % cfg.post_interval_days == 0 and (day - 1) // cfg.post_interval_days < cfg.posts else influencers[:0]
        sharing = np.concatenate([today.sharers[self._influencer[today.sharers]], posting]).astype(np.int32)
        invitations = today.invitations.take(~self._influencer[today.invitations.referrer])
        picked = chan.choose_channels(self._channel_weights, len(sharing), rng)
        parts = [invitations]
        for k, channel in enumerate(program.channels):
            mine = sharing[picked == k]
            if not len(mine):
                continue
            if channel.kind == "direct":
                extra = (1.0 + channel.extra_invites) * cfg.reach_boost - 1.0
                parts.append(chan.direct(self.network, mine, np.ones(len(mine), bool), p.state, k, extra, channel.invite_all, rng))
            else:
                parts.append(chan.broadcast(self.network, mine, np.ones(len(mine), bool), p.state, k,
                                            min(1.0, channel.attention * cfg.reach_boost), rng))
        today.invitations = chan.Invitations.concat(parts)
        today.counts["invites"] = len(today.invitations)
        today.counts["shares"] = today.counts.get("shares", 0) + len(posting)
        today.counts["influencer_shares"] = len(sharing)
        if day == 1:
            today.counts["influencer_cost"] = cfg.count * cfg.cost_each

    def _program_costs(self, today: Today) -> None:
        """profit -= influencer_cost + ask_cost + delight_cost + staff_cost (today's)."""
        counts = today.counts
        counts["profit"] -= sum(counts.get(name, 0.0) for name in PROGRAM_COSTS)
