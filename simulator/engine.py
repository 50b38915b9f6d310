"""The daily step, vectorised over the population arrays: the numpy stages.

Where the scenario allows, the days run instead in the compiled kernel
(simulator/kernel/, handed over by engine_kernel.py after day 0); these stages are
its reference and run the levers it does not compile. One call of
:meth:`Engine.step` is one day: it runs the stages of ``STAGES``
(simulator/stages.py), in that order, and nothing else. ``STAGES`` is the single
place the order is written: docs/model.md's step list is generated from it
(``python -m simulator.paramdoc``) and explains each formula. The set-up draws
live in engine_setup.py and the program levers' stages in lever_stages.py.

Nothing here loops over people or edges in Python: every stage is a handful of
numpy operations over index arrays. The only Python loops are over stages and
channels (a handful) and over calendar days of pending events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .behaviour import channels as chan
from .agenda import Agenda
from .behaviour import churn as churn_model
from .behaviour import delight as delight_model
from .behaviour import renewal as renewal_model
from .behaviour.budget import Budget
from .behaviour import economics as econ
from .behaviour import incentive as inc
from .behaviour import satisfaction as sat
from .behaviour import timing as tim
from .config import Campaign, NoIncentive, Scenario, offers_reward
from .metrics import COLUMN_INDEX, DAILY_COLUMNS
from .network import Network, build_network
from .sorted_runs import first_of_runs
from .rng import Streams
from .state import CHURNED, CUSTOMER, NEVER, ORGANIC, PROSPECT, SEED, People
from .engine_setup import EngineSetup, SetupDraws
from .lever_stages import LeverStages
from .engine_kernel import KernelBridge
from .kernel import compile_first, use_kernel
from .stages import MAX_TENURE, PROGRAM_COSTS, STAGES, STEP_ORDER, Stage, Today  # noqa: F401  (the step order, re-exported)


class Engine(EngineSetup, LeverStages, KernelBridge):
    """One run of one scenario from one seed; ``step()`` advances one day.

    ``kernel``: run the days in the compiled kernel (True), on the numpy stages
    (False), or whichever REFSIM_ENGINE says, the kernel where it can (None)."""

    def __init__(self, scenario: Scenario, seed: int, *, network: Network | None = None,
                 base_dir: Path | None = None, source: str | None = None, kernel: bool | None = None,
                 draws: SetupDraws | None = None):
        # the bare engine is built once a replicate: the seed is checked (a few microseconds), the
        # scenario is not (check_scenario at the public entry points: simulate, compare, ReferralModel)
        from .scenario_io import check_seed_and_replicates

        if not isinstance(scenario, Scenario):   # a path: "'str' object has no attribute 'program'"
            raise TypeError(f"Engine(): scenario must be a Scenario (simulator.load_scenario(path)), not "
                            f"{type(scenario).__name__}")
        if seed is None or isinstance(seed, bool) or not hasattr(seed, "__index__"):
            # the shared check says 'or None', which the bare engine does not take
            raise TypeError(f"Engine(): seed must be a whole number (the run's own seed), not {type(seed).__name__} "
                            f"{seed!r}")
        check_seed_and_replicates("Engine", seed=seed)
        self.scenario = scenario
        self.uses_kernel = use_kernel(scenario, kernel)
        if self.uses_kernel:
            compile_first()  # an installation's first run: the graph loops compile aside meanwhile
        self.seed = int(seed)
        self.streams = Streams(self.seed)
        s = self.streams
        if network is None:
            network = build_network(scenario.network, scenario.population.size, s("network"), s("ties"),
                                    base_dir=base_dir, source=source)
        self.network = network
        n = network.n
        self.day = 0
        self.people = p = People.empty(n)
        # draws that do not depend on the program: taken from ``draws`` when it holds them
        # for this seed and network (a design's, for its no-program twin), else made here
        self.draws = draws if draws is not None and draws.fits(self.seed, network) else SetupDraws(self.seed, network)
        self._draw_history: dict[str, tuple] = {}
        p.satisfaction[:] = self._setup_draw("satisfaction", (n, scenario.satisfaction),
                                             lambda: sat.draw_scores(scenario.satisfaction, n, s("satisfaction")))
        self._organic_schedule(n)
        incentive = scenario.program.incentive
        rewarded = not isinstance(incentive, NoIncentive)
        self._reward_scale = inc.scale(incentive, scenario.economics) if rewarded else 1.0
        # the scale of the motivating effects: a reward paid later moves people less
        self._motive_scale = inc.motive_scale(incentive, scenario.economics) if rewarded else 1.0
        # Fake accounts and reward seekers come only for a reward: per-person uniforms,
        # compared when a person joins through a rewarded referral with probabilities
        # that grow with the reward on offer (row 0: a fake account signs up alongside
        # them, row 1: qualification would block it, row 2: they are a reward seeker).
        self.seeker = np.zeros(n, bool)
        # satisfaction lost to annoying reminders: kept apart from the drawn score, which
        # is each person's luck and the same in every design
        self.satisfaction_lost = np.zeros(n, np.float32)
        self._fraud_draw = self._seeker_draw = None
        if rewarded and (scenario.fraud.share > 0 or scenario.program.reward_seekers.max_share > 0):
            draws = s("fraud").random((3, n), dtype=np.float32)
            self._fraud_draw, self._seeker_draw = draws[0], draws[2]
            self._blocked_if_fraud = draws[1] < scenario.fraud.blocked_by_qualification
        else:
            self._blocked_if_fraud = np.zeros(n, bool)
        # Below a qualifying_share q of 1, each customer referred for a reward comes with
        # N ~ Geometric(q) - 1 referral sign-ups who never qualify (failures before the first
        # success, mean (1 - q) / q): not people, claims only. A per-person draw from its own
        # stream, made only when some never qualify, so every design with the same share sees
        # the same sign-ups (common random numbers) and a share of 1 draws nothing.
        self._non_qualifying = None
        if rewarded and incentive.qualifying_share < 1:
            self._non_qualifying = (s("qualifying").geometric(incentive.qualifying_share, n) - 1).astype(np.int32)
        # With no satisfaction drift a customer's share effect and churn hazard are fixed
        # at joining: computed once then, and churn can be scheduled instead of polled daily.
        program = scenario.program
        self._delight_actions = delight_model.DelightActions(program.delight, n) if program.delight is not None else None
        self._static = scenario.satisfaction.drift_per_year == 0 and self._delight_actions is None
        self._share_effect = np.zeros(n, np.float32) if self._static else None
        churn_process = renewal_model.RenewalProcess if scenario.churn.renewal is not None else churn_model.ChurnProcess
        self._churn_process = churn_process(scenario.churn, p, s, scenario.days, self._static)
        # targeted asking: the queue of due customers waiting for capacity, and a fixed
        # random key per person that breaks ties (and orders 'random')
        self._ask_queue = np.zeros(0, np.int32)
        self._ask_key = s("targeting").random(n) if program.targeting is not None else None
        self._ask_due = Agenda()
        # a campaign's asks of each customer before its latest push: its reminders are counted from
        # the push's own first ask, however late targeted capacity makes it
        self._asks_before_push = np.zeros(n, np.int16) if isinstance(program.timing, Campaign) else None
        self._active = np.zeros(0, np.int32)   # active customers, in order of joining
        self._n_referred_active = 0
        self._n_adopted = 0
        self._n_churned = 0
        # Earners (customers who joined before today, still active) and the
        # referred ones still within the premium fade, kept as running sums so the
        # day's margin costs O(1): sum over S of (1 - (t - a)/F) = |S| (1 - t/F) + sum(a)/F.
        self._n_earners = 0
        self._seeker_earners = 0
        self._organic_later = Agenda()      # organic adoptions put off by negative word of mouth
        self._premium_count = 0
        self._premium_adopted_sum = 0
        self._premium_ends = Agenda()

        self._channel_weights = np.array([c.weight for c in program.channels])
        self._channel_conversion = np.array([program.conversion(c) for c in program.channels])
        self._ease = float(np.dot(self._channel_weights, [c.ease for c in program.channels]))
        self._tie_conversion = np.array([program.tie_conversion.weak, program.tie_conversion.strong])
        self._type_weight = inc.type_weight(program.incentive, program.reward_type_weights)
        self.budget = Budget(program.incentive, program.cost_share())
        # paid on qualification under a budget: each friend's reserved company cost (their
        # claim's and their fake account's), and each referrer's claims reserved, not yet due
        reserving = self.budget.reserving
        self._reserve = np.zeros(n if reserving else 0, np.float64)
        # (the kernel counts a referrer's claims made earlier the same day in it when paid on signup too)
        self._outstanding = np.zeros(n if self.budget.closes_offer else 0, np.int32)
        self._closed_on = -1   # the day a referral's rewards did not fit the budget (the offer closed)
        # whether a customer sharing unprompted uses their referral link: a per-person
        # draw, made only when it can matter (common random numbers otherwise)
        self._link_draw = None
        if not isinstance(program.incentive, NoIncentive) and 0 < program.link_use < 1:
            self._link_draw = s("link").random(n, dtype=np.float32)
        self._pending_invites = Agenda(concat=chan.Invitations.concat, empty=chan.Invitations.empty)
        self._pending_qualification = Agenda()
        # sides of reward claims a spent month's allowance deferred, due on the day it
        # refills (Budget.paused_until): claim codes (a friend c, -1 - c for their fake
        # account, n + c for a sign-up beside them who never qualifies) and masks of the
        # sides still owed (1 the referrer's, 2 the friend's)
        self._deferred = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.customer_days = {"referred": 0, "organic": 0}
        self.churn_events = {"referred": 0, "organic": 0}
        self.daily = np.zeros((scenario.days + 1, len(DAILY_COLUMNS)))
        self.today = self.daily[0]
        self._revenue_day = None   # the day people.revenue was last settled
        self._joined_day = None    # the day joined() last looked

        seeds = self._initial_customers(n, source)
        self._initial_ids = seeds   # before the influencers join them: _launch draws for these as without them
        self._influencer = np.zeros(n, bool)
        if program.influencers is not None:
            self._influencer[self._recruit_influencers(n, source)] = True
            seeds = np.union1d(seeds, np.flatnonzero(self._influencer)).astype(np.int32)
        self._join(seeds, 0, referrer=np.full(len(seeds), -1, np.int32), channel=SEED, tracked=np.zeros(len(seeds), bool))
        self._start_earning(Today(0, self._active, 0, organic=seeds, referral=chan.Invitations.empty()))
        self._record(Today(0, self._active, 0))
        if self.uses_kernel:
            self._to_kernel()

    # ------------------------------------------------------------------ setup

    # ------------------------------------------------------------------ helpers

    @property
    def budget_exhausted_day(self) -> int | None:
        return self.budget.exhausted_day

    @property
    def program_on(self) -> bool:
        """A reward is on offer today: there is one above $0, its budget is not spent and
        the month's allowance not used up (a reward nobody values, type_weight 0, still
        costs money and credibility)."""
        return offers_reward(self.scenario.program.incentive) and self.budget.reward_on(self.day + 1)

    @property
    def asks_on(self) -> bool:
        """Customers are asked unless the budget is spent and that ends the program."""
        return not (self.budget.ends_program and self.budget.exhausted_day is not None)

    def _scores(self, who: np.ndarray, day: int) -> np.ndarray:
        p = self.people
        scores = p.satisfaction[who] - self.satisfaction_lost[who]
        drift = self.scenario.satisfaction.drift_per_year
        if drift != 0:  # without drift a score does not move with tenure (sat.current)
            scores = sat.current(scores, day - p.adopted_day[who] + p.tenure_at_start[who], drift)
        if self._delight_actions is not None:
            scores = np.minimum(scores + self._delight_actions.boost(who, day), 10.0)
        return scores

    def _join(self, who: np.ndarray, day: int, referrer: np.ndarray, channel, tracked: np.ndarray) -> None:
        p, sc = self.people, self.scenario
        if not len(who):
            return
        p.state[who] = CUSTOMER
        p.adopted_day[who] = day
        p.referred_by[who] = referrer
        p.tracked[who] = tracked
        # a referral is for a reward when the friend joins while one is on offer: not
        # during a month's pause, nor once the budget ran out (asks may go on unrewarded)
        p.rewarded[who] = (referrer >= 0) & tracked & self.program_on
        p.channel[who] = channel
        first_ask = None
        if isinstance(channel, int) and channel == SEED:
            first_ask = self._launch(who)
        if first_ask is None:
            first_ask = tim.first_ask_day(sc.program.timing, day, len(who), self.streams("timing"))
        p.next_ask_day[who] = first_ask
        self._ask_due.file_each(who, first_ask)
        referred = who[referrer >= 0]
        # only a tracked referral made while a reward is on offer can be for the reward
        for_reward = (referrer >= 0) & tracked
        if self._fraud_draw is not None and for_reward.any() and self.program_on:
            self._who_comes(who[for_reward], referrer[for_reward])
        if self.budget.reserving and self.program_on and for_reward.any():
            self._reserve_rewards(who, day)
        self._active = np.concatenate([self._active, who.astype(np.int32)])
        self._n_adopted += len(who)
        self._n_referred_active += len(referred)
        if self._static:
            scores = p.satisfaction[who]
            self._share_effect[who] = sat.segment_value(scores, sc.program.satisfaction_effect)
            self._churn_process.joined(who, scores, referrer >= 0, day)
        else:
            # polled churn files nothing here, but renewal contracts set the day-0 accounts' place in their contract:
            # skipped whenever scores can move (delight, drift), a base of existing accounts started its contracts'
            # hazard at 0 and lost a third fewer in year one, so a delight lever giving nothing was 'sure' to pay
            self._churn_process.joined(who, self._scores(who, day), referrer >= 0, day)
        incentive = sc.program.incentive
        rewarded = who[p.rewarded[who]]
        if len(rewarded) and not isinstance(incentive, NoIncentive) and incentive.paid_on == "qualification":
            self._pending_qualification.file(day + incentive.qualification_days, rewarded)

    def _who_comes(self, referred: np.ndarray, referrers: np.ndarray) -> None:
        """Rewards change who comes: a referral made for rewards R (the referrer's next
        reward + the friend's, face value) brings a fake account alongside with
        inc.fake_account_probability(R) (an extra reward claim, not a person), and is a
        reward seeker with inc.seeker_probability(R), who churns hazard_ratio times
        faster and earns margin_ratio of the margin, without the referred premium."""
        p, sc = self.people, self.scenario
        reward = self._payable_referrer_reward(referrers) + inc.referee_reward(sc.program.incentive)
        p.fraud[referred] = self._fraud_flags(referred, referrers)
        p.fraud_blocked[referred] = p.fraud[referred] & self._blocked_if_fraud[referred]
        seekers = sc.program.reward_seekers
        self.seeker[referred] = self._seeker_draw[referred] < inc.seeker_probability(reward, seekers.max_share,
                                                                                    self._reward_scale)
        self._churn_process.multiplier[referred] = np.where(self.seeker[referred], seekers.hazard_ratio, 1.0)

    def _fraud_flags(self, referred: np.ndarray, referrers: np.ndarray) -> np.ndarray:
        """Which of these referrals made for a reward bring a fake account alongside (their draws
        are made at the start: the same answer before and when they join)."""
        if self._fraud_draw is None:
            return np.zeros(len(referred), bool)
        sc = self.scenario
        reward = self._payable_referrer_reward(referrers) + inc.referee_reward(sc.program.incentive)
        return self._fraud_draw[referred] < inc.fake_account_probability(reward, sc.fraud.share, self._reward_scale)

    def _reservation_costs(self, referrers: np.ndarray, fraud: np.ndarray,
                           beside: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each referral's company cost, in order: its claim's, its fake account's and (paid on
        signup) those of the ``beside`` sign-ups who never qualify, both sides each, the
        referrer's at the reward of their claims credited, still reserved and earlier today
        before it; and its claims' referrers and referral positions (inc.claims)."""
        incentive = self.scenario.program.incentive
        of, _ = inc.claims(np.ones(len(referrers), bool), fraud, beside)
        claim_referrers = referrers[of]
        earned = self.people.rewards_earned[claim_referrers] + inc.rank_within(claim_referrers)
        if self.budget.reserving:
            earned = earned + self._outstanding[claim_referrers]
        face = inc.referrer_reward(incentive, earned) + inc.referee_reward(incentive)
        return np.bincount(of, weights=face, minlength=len(referrers)) * self.budget.cost_share, claim_referrers, of

    def _reserve_rewards(self, who: np.ndarray, day: int) -> None:
        """Paid on qualification, a referral made for a reward commits the budget at once:
        its claim's and its fake account's company cost, the referrer's side at the reward of
        their claims credited and still reserved before it, in claim order, plus the friend's
        (behaviour.budget.Budget.reserve). The first referral that does not fit closes the
        offer: it and the day's later ones are made without a reward (as after the budget ran
        out), so a fake account or reward seeker drawn for them is undone."""
        p = self.people
        friends = who[p.rewarded[who]]
        if not len(friends):
            return
        costs, claim_referrers, of = self._reservation_costs(p.referred_by[friends], p.fraud[friends])
        fits = self.budget.reserve(costs, day)
        self._reserve[friends[:fits]] = costs[:fits]
        np.add.at(self._outstanding, claim_referrers[of < fits], 1)
        late = friends[fits:]
        p.rewarded[late] = p.fraud[late] = p.fraud_blocked[late] = self.seeker[late] = False
        self._churn_process.multiplier[late] = 1.0

    def _lower_satisfaction(self, who: np.ndarray, points: float, day: int) -> None:
        """Customers whose satisfaction falls by ``points`` today, for good: their share
        effect and churn hazard follow (a scheduled churn day is recomputed)."""
        p, sc = self.people, self.scenario
        old = self._scores(who, day)
        self.satisfaction_lost[who] = np.minimum(self.satisfaction_lost[who] + points, p.satisfaction[who])
        new = self._scores(who, day)
        if self._static:
            self._share_effect[who] = sat.segment_value(new, sc.program.satisfaction_effect)
        self._churn_process.rescored(who, old, new, day)

    # ------------------------------------------------------------------ the day

    def step(self) -> np.ndarray:
        """Advance one day by running STAGES in order; returns the day's row (a view into ``daily``)."""
        if self.day >= self.scenario.days:
            raise RuntimeError(f"the run is over: the scenario has {self.scenario.days} days")
        if self._kernel is not None:
            self._kernel_days(self.day + 1, self.day + 1)
            return self.today
        today = Today(self.day + 1, self._active, self._n_referred_active)
        for stage in STAGES:
            getattr(self, "_" + stage.name)(today)
        self.day = today.day
        return today.row

    def _asks(self, today: Today) -> None:
        """Customers whose ask is due today (or everyone, on a campaign day)."""
        p, timing, day, customers = self.people, self.scenario.program.timing, today.day, today.customers
        campaign = tim.campaign_today(timing, day)
        if not self.asks_on:
            self._ask_due.drop(day)
            asked = np.zeros(0, np.int32)
        elif campaign:
            self._ask_due.drop(day)
            asked = customers
            self._asks_before_push[asked] = p.asks[asked]
        else:
            asked = self._ask_due.take(day)
            # a filed ask stands if the customer is still active and it is still their next ask
            asked = asked[(p.state[asked] == CUSTOMER) & (p.next_ask_day[asked] == day)]
            if len(asked) > 1:
                asked = np.sort(asked)
                asked = asked[first_of_runs(asked)]
        asked_scores = self._scores(asked, day)
        ok = tim.eligible(timing, asked_scores, tim.launched(self.scenario.program.launch, p.channel[asked]))
        p.next_ask_day[asked[~ok]] = NEVER
        asked, asked_scores = asked[ok], asked_scores[ok]
        today.earlier_asks = p.asks[asked].copy()
        today.moment = self._moment(asked, today.earlier_asks, campaign)
        p.asks[asked] += 1
        today.counts["asks"] = len(asked)
        today.asked, today.asked_scores = asked, asked_scores

    def _spontaneous(self, today: Today) -> None:
        """Shares per customer-day ~ Poisson(spontaneous_rate * sat_effect), by thinning."""
        today.spontaneous = self._spontaneous_sharers(today.customers, today.day, today.counts)

    def _spontaneous_sharers(self, customers, day, counts):
        rate = self.scenario.word_of_mouth.spontaneous_rate
        counts["spontaneous_shares"] = 0
        if rate <= 0 or not len(customers):
            return np.zeros(0, np.int32)
        share_effect = self._share_effects(customers, day)
        top = float(share_effect.max())
        if top <= 0:
            return np.zeros(0, np.int32)
        rng = self.streams("spontaneous")
        picks = rng.integers(0, len(customers), rng.poisson(len(customers) * rate * top))
        keep = rng.random(len(picks)) * top < share_effect[picks]
        counts["spontaneous_shares"] = int(keep.sum())
        return customers[picks[keep]]

    def _share_effects(self, who, day):
        """sat_effect of customers ``who`` today: kept per person while scores stay put,
        else from today's scores (drift, delight)."""
        if self._static:
            return self._share_effect[who]
        return sat.segment_value(self._scores(who, day), self.scenario.program.satisfaction_effect)

    def _share(self, today: Today) -> None:
        """w = clip(base_share * sat_effect(s) * incentive_effect * ease * fatigue^k, 0, 1)
        for the asked; the day's sharers are they who share and the spontaneous ones.
        Asked sharers use their referral link; a spontaneous one does with probability
        link_use while a reward is on offer (otherwise the referral is untracked word of mouth)."""
        asked = self._asked_sharers(today.asked, today.asked_scores, today.earlier_asks, today.moment, today.day)
        unprompted = today.spontaneous
        link_use = self.scenario.program.link_use
        if not self.program_on or link_use <= 0:
            linked = np.zeros(len(unprompted), bool)
        elif self._link_draw is None:
            linked = np.ones(len(unprompted), bool)
        else:
            linked = self._link_draw[unprompted] < link_use
        moved = self._link_sharers(today.customers, today.day)
        today.counts["spontaneous_shares"] += len(moved)
        today.sharers = np.concatenate([asked, unprompted, moved])
        today.tracked = np.concatenate([np.ones(len(asked), bool), linked, np.ones(len(moved), bool)])
        today.counts["shares"] = len(today.sharers)

    def _link_sharers(self, customers, day):
        """The unprompted shares a reward adds: a customer who uses their link shares
        unprompted Poisson(spontaneous_rate · sat_effect · (1 + link_response · (incentive − 1)))
        a day, of which the spontaneous stage drew the part without the reward; the rest,
        Poisson(rate · sat_effect · link_response · (incentive − 1)), is drawn here by
        thinning, from a stream of its own (the designs' other draws stay common)."""
        program = self.scenario.program
        rate = self.scenario.word_of_mouth.spontaneous_rate * program.link_response
        if rate <= 0 or program.link_use <= 0 or not self.program_on or not len(customers):
            return np.zeros(0, customers.dtype)
        who = customers if self._link_draw is None else customers[self._link_draw[customers] < program.link_use]
        if not len(who):
            return np.zeros(0, customers.dtype)
        extra = rate * self._share_effects(who, day) * (self._incentive_effect(who) - 1.0)
        top = float(extra.max())
        if top <= 0:
            return np.zeros(0, customers.dtype)
        rng = self.streams("link_sharing")
        picks = rng.integers(0, len(who), rng.poisson(len(who) * top))
        keep = rng.random(len(picks)) * top < extra[picks]
        return who[picks[keep]]

    def _asked_sharers(self, asked, asked_scores, earlier, moment, day):
        p, program = self.people, self.scenario.program
        w = self._share_probability(asked, asked_scores) * moment * tim.fatigue(program.timing, earlier)
        shared = self.streams("asks").random(len(asked)) < np.clip(w, 0.0, 1.0)
        p.shared[asked[shared]] = True
        counted = p.asks[asked] if self._asks_before_push is None else p.asks[asked] - self._asks_before_push[asked]
        reminder = tim.next_ask_day(program.timing, day, counted, shared)   # this ask not taken up: a reminder
        p.next_ask_day[asked] = reminder
        self._ask_due.file_each(asked, reminder)
        return asked[shared]

    def _moment(self, asked, earlier_asks, campaign: bool) -> np.ndarray:
        """The moment effect of each of today's asks (behaviour/timing.py: moment); a
        campaign's asks before which the customer had none since the latest push are that
        push's, however late targeted capacity makes them."""
        program = self.scenario.program
        launched = tim.launched_customers(program.launch, self.people.channel[asked])
        push = earlier_asks == self._asks_before_push[asked] if self._asks_before_push is not None else None
        return tim.moment(program.timing, program.moment_effect, earlier_asks, campaign, launched, push)

    def _share_probability(self, asked, asked_scores):
        """base_share * sat_effect(s) * incentive_effect * friend_incentive * ease (before the
        moment, fatigue and clipping): the share rule of asks and of staff mentions."""
        program = self.scenario.program
        w = program.base_share * sat.segment_value(asked_scores, program.satisfaction_effect) * self._ease
        if self.program_on:
            w = w * self._incentive_effect(asked)
        return w

    def _incentive_effect(self, who):
        """incentive_effect · friend_incentive_effect of customers ``who`` deciding to share
        while a reward is on offer: their next reward and their friend's, weighed by the
        reward's type and their mix of ties."""
        incentive = self.scenario.program.incentive
        reward = self._payable_referrer_reward(who)
        strong_share = self.network.strong_share[who]
        weight = self._type_weight * ((1 - strong_share) + strong_share * incentive.strong_tie_weight)
        effect = inc.uplift(reward, incentive.max_uplift, self._motive_scale, weight)
        # a reward for the friend makes asking them easier (Gershon, Cryder & John 2020)
        return effect * inc.uplift(inc.referee_reward(incentive), incentive.referee_share_uplift, self._motive_scale, weight)

    def _annoyance(self, today: Today) -> None:
        """Each reminder annoys with probability reminders.annoyance; an annoyed
        customer loses annoyance_points of satisfaction for good (after today's decision)."""
        timing = self.scenario.program.timing
        if today.asked is None or not len(today.asked) or timing.kind == "never":
            return
        annoyed = today.asked[tim.annoyed(timing, today.earlier_asks, self.streams("annoyance"))]
        today.counts["annoyed"] = len(annoyed)
        if len(annoyed):
            self._lower_satisfaction(annoyed, timing.reminders.annoyance_points, today.day)

    def _payable_referrer_reward(self, referrers):
        """The reward a referrer would get for the next referral: 0 once capped."""
        return inc.referrer_reward(self.scenario.program.incentive, self.people.rewards_earned[referrers])

    def _invite(self, today: Today) -> None:
        """Each share goes through one channel drawn from the channel mix."""
        program, rng, sharers = self.scenario.program, self.streams("channels"), today.sharers
        picked = chan.choose_channels(self._channel_weights, len(sharers), rng)
        parts = []
        for k, channel in enumerate(program.channels):
            chosen = picked == k
            mine, tracked = sharers[chosen], today.tracked[chosen]
            if not len(mine):
                continue
            if channel.kind == "direct":
                parts.append(chan.direct(self.network, mine, tracked, self.people.state, k, channel.extra_invites, channel.invite_all, rng))
            else:
                parts.append(chan.broadcast(self.network, mine, tracked, self.people.state, k, channel.attention, rng))
        today.invitations = chan.Invitations.concat(parts)
        today.counts["invites"] = len(today.invitations)

    def _conversion_probability(self, inv: chan.Invitations, day: int, offer: bool | None = None) -> np.ndarray:
        """c = base_conversion[channel] * tie[strong|weak] * referee_incentive * credibility * nwom_penalty;
        the incentive terms apply to tracked invitations only (an untracked one carries no offer),
        while a reward is on offer (``offer``: whether to count it; by default, whether one is today)."""
        sc = self.scenario
        incentive = sc.program.incentive
        c = self._channel_conversion[inv.channel] * self._tie_conversion[inv.strong.astype(np.int64)]
        if sc.program.influencers is not None:
            # an influencer's invitation converts at the influencer rate instead of the channel's
            own = sc.program.influencers.conversion * self._tie_conversion[inv.strong.astype(np.int64)]
            c = np.where(self._influencer[inv.referrer], own, c)
        if self.program_on if offer is None else offer:
            tie_weight = np.where(inv.strong, incentive.strong_tie_weight, 1.0)
            uplift = inc.uplift(inc.referee_reward(incentive), incentive.referee_max_uplift, self._motive_scale, self._type_weight * tie_weight)
            c = c * np.where(inv.tracked, uplift, 1.0)
            # the credibility penalty touches only rewarded, tracked invitations
            credibility = inc.credibility(self._payable_referrer_reward(inv.referrer), incentive.credibility_penalty, self._reward_scale)
            c = c * np.where(inv.tracked, credibility, 1.0)
        nwom = sc.negative_word_of_mouth
        if nwom.rate > 0 and nwom.days > 0:
            heard_bad = self.people.nwom_until[inv.target] >= day
            c = c * np.where(heard_bad, 1.0 - nwom.conversion_penalty, 1.0)
        return np.clip(c, 0.0, 1.0)

    def _convert(self, today: Today) -> None:
        """Successful invitations convert after their lag (expired ones are lost);
        a prospect converts once, through the first successful invitation in a random
        order of the day's; organic adopters are those whose clock rings today and who
        were not referred today."""
        p, rng, invitations, day = self.people, self.streams("conversion"), today.invitations, today.day
        invitations.offered = invitations.tracked & self.program_on  # drawn with the reward's pull
        success = rng.random(len(invitations)) < self._conversion_probability(invitations, day)
        converting = invitations.take(success)
        lag = chan.lags(self.scenario.program.conversion_lag, len(converting), rng)
        later = lag > 0
        if later.any():
            for wait in np.unique(lag[later]):
                self._pending_invites.file(day + int(wait), converting.take(lag == wait))
        # expired or lost leads (lag -1) never convert, whether or not anyone converts later
        converting = converting.take(lag == 0)
        due = chan.Invitations.concat([converting, self._pending_invites.take(day)])
        due = due.take(p.state[due.target] == PROSPECT)
        if len(due):
            due = due.take(self.streams("order").permutation(len(due)))
            order = np.argsort(due.target, kind="stable")
            targets = due.target[order]
            first = order[first_of_runs(targets)]
            due = due.take(np.sort(first))
        start, stop = self._organic_bounds[day], self._organic_bounds[day + 1]
        organic = np.concatenate([self._organic_order[start:stop], self._organic_later.take(day)])
        organic = organic[p.state[organic] == PROSPECT]
        organic = self._put_off_by_bad_word(organic, day)
        if len(due) and len(organic):
            organic = organic[~np.isin(organic, due.target)]
        today.referral, today.organic = due, organic

    def _put_off_by_bad_word(self, organic: np.ndarray, day: int) -> np.ndarray:
        """A prospect who heard negative word of mouth adopts on their organic day with
        probability 1 − organic_penalty; the others draw a fresh Geometric(organic_rate)
        wait (memoryless: the same daily hazard from then on). So while exposed a
        prospect's organic hazard is (1 − organic_penalty) times the usual."""
        nwom, p = self.scenario.negative_word_of_mouth, self.people
        if nwom.rate <= 0 or nwom.days <= 0 or nwom.organic_penalty <= 0 or not len(organic):
            return organic
        exposed = organic[p.nwom_until[organic] >= day]
        if not len(exposed):
            return organic
        rng = self.streams("nwom_organic")
        later = exposed[rng.random(len(exposed)) < nwom.organic_penalty]
        new_day = day + rng.geometric(self.scenario.acquisition.organic_rate, len(later))
        within = new_day <= self.scenario.days
        self._organic_later.file_each(later[within], new_day[within])
        return organic[~np.isin(organic, later)]

    def _adopt(self, today: Today) -> None:
        """Today's organic adopters, then today's referred ones, join."""
        referral, organic, day = today.referral, today.organic, today.day
        self._join(organic, day, referrer=np.full(len(organic), -1, np.int32), channel=ORGANIC,
                   tracked=np.zeros(len(organic), bool))
        # the friends who join while the reward is on offer, then those who find it gone (after the
        # referral whose reservation closed the offer, or all once it is off): they join as they would
        # have without it (_offer_gone)
        # a budget checks every referral made for a reward, offered or not: a friend invited during an allowance's
        # pause who joins once it refills is made for one, and paid on signup was paid one side of 20 with 10 left
        checked = referral.offered.any() or (self.budget.closes_offer and referral.tracked.any())
        closes = self._offer_closes_at(referral) if checked else len(referral)
        before, after = referral.take(slice(0, closes)), chan.Invitations.empty()
        self._join_referred(before, day)
        if closes < len(referral):
            if self.program_on:   # this referral's rewards do not fit what the budget has left
                self.budget.close(day)
                self._closed_on = day   # paid on signup, the referrals before it are paid today
            after = self._offer_gone(referral.take(slice(closes, None)), day)
            self._join_referred(after, day)
        referral = today.referral = chan.Invitations.concat([before, after])
        tracked = int(np.count_nonzero(referral.tracked))
        today.counts["new_organic"], today.counts["new_referred"] = len(organic), tracked
        today.counts["new_word_of_mouth"] = len(referral) - tracked
        today.counts["new_fraud"] = int(self.people.fraud[referral.target].sum())

    def _join_referred(self, referral: chan.Invitations, day: int) -> None:
        self._join(referral.target, day, referrer=referral.referrer, channel=referral.channel, tracked=referral.tracked)

    def _offer_closes_at(self, referral: chan.Invitations) -> int:
        """Where among today's referrals the reward is gone: 0 when none is on offer; under a
        total budget, the first referral made for it whose rewards do not fit what the budget
        has left (Budget.fitting: paid on qualification the reservations _join will make, paid
        on signup the claims _pay_rewards will pay today, those who never qualify beside it
        included); else none."""
        if not self.program_on:
            return 0
        if not self.budget.closes_offer:
            return len(referral)
        for_reward = np.flatnonzero(referral.tracked)
        targets = referral.target[for_reward]
        fraud = self._fraud_flags(targets, referral.referrer[for_reward])
        beside = (self._non_qualifying[targets] if self._non_qualifying is not None and not self.budget.reserving
                  else None)
        costs, _, _ = self._reservation_costs(referral.referrer[for_reward], fraud, beside)
        fits = self.budget.fitting(costs)
        return len(referral) if fits == len(for_reward) else int(for_reward[fits])

    def _offer_gone(self, invitations: chan.Invitations, day: int) -> chan.Invitations:
        """Friends invited while a reward was on offer who join once it is gone: their
        conversion was drawn with the reward's pull c1 (uplift, credibility), and they find it
        gone, so each joins with probability c0 / c1 (c0 without it, the referrer's reward as it
        stands now): thinned, they join as often as without the reward. The others join."""
        gone = np.flatnonzero(invitations.offered)
        if not len(gone):
            return invitations
        keep = self._offer_gone_keep(invitations.take(gone), day)
        kept = np.ones(len(invitations), bool)
        kept[gone] = self.streams("offer_gone").random(len(gone)) < keep
        return invitations.take(kept)

    def _offer_gone_keep(self, offered: chan.Invitations, day: int) -> np.ndarray:
        """c0 / c1 of invitations sent with a reward on offer whose friends join once it is
        gone: the chance each joins after all (1 where the reward did not raise it)."""
        with_it = self._conversion_probability(offered, day, offer=True)
        without = self._conversion_probability(offered, day, offer=False)
        return np.where(with_it > without, without / np.where(with_it > 0, with_it, 1.0), 1.0)

    def _negative_word_of_mouth(self, today: Today) -> None:
        """Each active detractor speaks against the product with
        daily probability ``rate``; their friends convert worse for ``days`` days.
        A Binomial count of uniformly chosen customers is the same as one Bernoulli
        draw per customer, at a cost proportional to the speakers, not the customers."""
        cfg, p, customers, day = self.scenario.negative_word_of_mouth, self.people, self._active, today.day
        if cfg.rate <= 0 or cfg.days <= 0 or not len(customers):
            return
        rng = self.streams("nwom")
        speakers = customers[rng.choice(len(customers), rng.binomial(len(customers), cfg.rate), replace=False)]
        speakers = speakers[sat.is_detractor(self._scores(speakers, day))]
        today.counts["negative_messages"] = len(speakers)
        if len(speakers):
            _, slots = chan.neighbour_slots(self.network, speakers)
            p.nwom_until[self.network.indices[slots]] = day + cfg.days

    def _churn(self, today: Today) -> None:
        """Customers who joined before today churn when their cumulative hazard passes
        their clock (see behaviour/churn.py); the bookkeeping of the leavers follows."""
        p, day, customers, referred_at_risk, counts = self.people, today.day, today.customers, today.referred_at_risk, today.counts
        leavers = self._churn_process.leavers(customers, day, lambda who: self._scores(who, day))
        p.state[leavers] = CHURNED
        p.churn_day[leavers] = day
        churned_referred = int(np.count_nonzero(p.referred_by[leavers] >= 0))
        self._n_earners -= len(leavers)
        self._seeker_earners -= int(np.count_nonzero(self.seeker[leavers]))
        in_premium = leavers[(p.referred_by[leavers] >= 0) & ~self.seeker[leavers]
                             & (day - p.adopted_day[leavers] <= self.scenario.economics.premium_fade_days)]
        self._premium_count -= len(in_premium)
        self._premium_adopted_sum -= int(p.adopted_day[in_premium].sum())
        counts["new_churned"] = len(leavers)
        self._n_churned += len(leavers)
        self._n_referred_active -= churned_referred
        self.customer_days["referred"] += referred_at_risk
        self.customer_days["organic"] += len(customers) - referred_at_risk
        self.churn_events["referred"] += churned_referred
        self.churn_events["organic"] += len(leavers) - churned_referred
        if len(leavers):
            self._active = self._active[p.state[self._active] == CUSTOMER]

    def _start_earning(self, today: Today) -> None:
        """Customers who joined today earn from tomorrow: add them to the running sums,
        and file the referred ones for the day their premium has faded."""
        p, day = self.people, today.day
        joiners = np.concatenate([today.organic, today.referral.target])
        self._n_earners += len(joiners)
        self._seeker_earners += int(np.count_nonzero(self.seeker[joiners]))
        referred = joiners[(p.referred_by[joiners] >= 0) & ~self.seeker[joiners]]
        if len(referred):
            self._premium_count += len(referred)
            self._premium_adopted_sum += day * len(referred)
            self._premium_ends.file(day + self.scenario.economics.premium_fade_days + 1, referred)

    def _premium_fades(self, today: Today) -> None:
        """Referred customers whose tenure passes the fade period leave the premium sum
        (before churn, so that a leaver's membership is decided by its tenure alone)."""
        p = self.people
        ended = self._premium_ends.take(today.day)
        ended = ended[p.state[ended] == CUSTOMER]
        self._premium_count -= len(ended)
        self._premium_adopted_sum -= int(p.adopted_day[ended].sum())

    def _money(self, today: Today) -> None:
        """Margin for customers active all day,
        m0 * (N + premium * (|S| (1 - t/F) + sum_S(a) / F)) from the running sums;
        rewards due today, within caps and the budget (paid in order until the budget
        is spent, then the program stops)."""
        cfg, day, counts = self.scenario.economics, today.day, today.counts
        fade = float(cfg.premium_fade_days)
        premium_terms = self._premium_count * (1.0 - day / fade) + self._premium_adopted_sum / fade
        base = cfg.monthly_margin / churn_model.DAYS_PER_MONTH
        earners = self._n_earners - (1.0 - self.scenario.program.reward_seekers.margin_ratio) * self._seeker_earners
        counts["revenue"] = base * (earners + cfg.referred_margin_premium * premium_terms)
        counts["acquisition_cost"] = counts["new_organic"] * cfg.acquisition_cost_organic
        counts["reward_cost"], counts["rewards_paid"], counts["fraud_cost"] = self._pay_rewards(today.referral, day)
        counts["profit"] = counts["revenue"] - counts["reward_cost"] - counts["acquisition_cost"]

    def current_hazard(self, who: np.ndarray) -> np.ndarray:
        """Each of ``who``'s daily churn hazard as of the current day."""
        return self._churn_process.hazard(who, self._scores(who, self.day))

    def joined(self) -> np.ndarray:
        """Everyone who ever joined, ascending (found once per day: the summaries and the
        revenue of a finished run all count over them)."""
        if self._joined_day != self.day:
            self._joined = np.flatnonzero(self.people.adopted_day != NEVER)
            self._joined_day = self.day
        return self._joined

    def pending_leads(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The successful invitations still converting after today (within their conversion
        lag or sales pipeline), as (day, target, referrer, tracked) arrays in the order they
        would be taken: by the day each converts, then in filing order. Those due after
        the horizon are kept too: they are what ``metrics.pipeline_equity`` values."""
        days, invitations = self.pending_invitations()
        return days, invitations.target.astype(np.int64), invitations.referrer.astype(np.int64), invitations.tracked

    def pending_invitations(self) -> tuple[np.ndarray, chan.Invitations]:
        """:meth:`pending_leads` as the days and the invitations themselves (channel, tie,
        whether a reward was on offer when sent)."""
        if self._kernel is not None:
            return self._kernel_leads()
        items = [(day, inv) for day, inv in self._pending_invites.items() if day > self.day]
        invitations = chan.Invitations.concat([inv for _, inv in items])
        days = np.repeat(np.array([day for day, _ in items], np.int64), [len(inv) for _, inv in items])
        return days, invitations

    def deferred_claims(self) -> tuple[np.ndarray, np.ndarray]:
        """The reward claims a spent month's allowance deferred and that are still owed,
        in the order they would be paid (from ``budget.paused_until``, when it refills):
        claim codes (a friend c, -1 - c for their fake account, n + c for a sign-up beside
        them who never qualifies: behaviour.incentive.claim_referees) and masks of the sides
        owed (1 the referrer's, 2 the friend's). Empty once the budget is exhausted, but
        for a budget that holds them (Budget.holds: reserved, paid as the allowance refills)."""
        if self.budget.exhausted_day is not None and not self.budget.holds:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if self._kernel is not None:
            return self._kernel_deferred()
        return self._deferred[0].copy(), self._deferred[1].copy()

    def revenue_to_date(self) -> np.ndarray:
        """Each person's margin so far (closed form; also stored in ``people.revenue``),
        settled once per day and only for the people who ever joined (the others earn nothing)."""
        p = self.people
        if self._revenue_day != self.day:
            joined = self.joined()
            seeker = self.seeker[joined]
            weight = np.where(seeker, self.scenario.program.reward_seekers.margin_ratio, 1.0)
            p.revenue[joined] = econ.revenue_to_date(self.scenario.economics, p.adopted_day[joined], p.churn_day[joined],
                                                     (p.referred_by[joined] >= 0) & ~seeker, self.day, weight)
            self._revenue_day = self.day
        return p.revenue

    def _pay_rewards(self, referral, day) -> tuple[float, int, float]:
        """Rewards due today for tracked referrals (an untracked one is invisible to the
        program), at face value to the customers and cost_share of it to the company;
        returns (company cost, rewards paid, company cost of the fake accounts' claims).

        Each referral's claim is followed by its fake account's, when one signed up
        alongside it: credited to the same referrer (the program cannot tell them apart),
        and on qualification paid unless qualification blocks it, whether or not the
        real friend is still a customer. Paid on signup, the sign-ups beside it who never
        qualify (program.incentive.qualifying_share) claim next, one claim each, credited
        to the same referrer; paid on qualification they claim nothing. A reward the
        month's allowance cannot pay, or falling due while it is spent, is owed: paid
        first when the allowance refills.
        Once the budget is exhausted nothing more is paid, and the company cost of what
        falls due is counted as lost (``budget.unpaid``); but paid on qualification the
        claims reserved before it (``_reserve_rewards``) are paid from their reservation."""
        p, incentive = self.people, self.scenario.program.incentive
        if not offers_reward(incentive):
            return 0.0, 0, 0.0
        if incentive.paid_on == "signup":
            referees = referral.target[referral.tracked]
            referees = referees[p.rewarded[referees]]
            real = np.ones(len(referees), bool)
            fake = p.fraud[referees]
        else:
            referees = self._pending_qualification.take(day)
            if self.budget.reserving and len(referees):
                # their reservations are released to pay them (unused: a friend gone, a fake blocked)
                self.budget.release(float(np.cumsum(self._reserve[referees])[-1]))
                self._reserve[referees] = 0.0
                np.subtract.at(self._outstanding, p.referred_by[referees], 1 + p.fraud[referees].astype(np.int32))
            real = p.state[referees] == CUSTOMER
            fake = p.fraud[referees] & ~p.fraud_blocked[referees]
        # the sign-ups beside each referral who never qualify claim after it (on
        # qualification they never do: no claim)
        beside = self._non_qualifying[referees] if self._non_qualifying is not None and incentive.paid_on == "signup" \
            else None
        of, kind = inc.claims(real, fake, beside)
        codes = np.select([kind == 1, kind == 2], [-1 - referees[of], p.n + referees[of]], referees[of])
        # what was deferred comes first; while the allowance is spent, today's claims join it
        codes = np.concatenate([self._deferred[0], codes])
        masks = np.concatenate([self._deferred[1], np.full(len(of), 3, np.int64)])
        cost, paid, fraud_cost = 0.0, 0, 0.0
        budget = self.budget
        # a budget that holds deferred claims pays them after it ran out too, as the
        # allowance refills: while it is spent they wait, and today's claims join them
        tries = self.program_on or self._closed_on == day or (budget.exhausted_day is not None
                                                              and (not budget.holds or day >= budget.paused_until))
        if tries and len(codes):
            cost, paid, fraud_cost = self._pay_claims(codes, masks, day)
        elif budget.holds and len(of):
            # deferred untried: what they cost stays reserved while they wait
            budget.hold(self._claim_faces(codes[-len(of):], masks[-len(of):]).ravel(), day)
        owed = masks != 0 if budget.exhausted_day is None or budget.holds else np.zeros(len(codes), bool)
        self._deferred = (codes[owed], masks[owed])
        return cost, paid, fraud_cost

    def _pay_claims(self, codes: np.ndarray, masks: np.ndarray, day: int) -> tuple[float, int, float]:
        """Pay the owed sides (``masks``) of the claims ``codes`` in order, within the
        budget and the month's allowance; clears the bits of the sides paid, in place.
        Once the budget is exhausted (before or by this payment) what it refuses is lost."""
        p, incentive = self.people, self.scenario.program.incentive
        is_fake = codes < 0
        claims = inc.claim_referees(codes, p.n)
        is_friend = (codes >= 0) & (codes < p.n)
        referrers = p.referred_by[claims]
        owes = np.column_stack([(masks & 1) != 0, (masks & 2) != 0])
        earned, requested = self._claim_prices(codes, owes)
        affordable = np.zeros(owes.shape, bool)
        cost = 0.0
        kept = None
        # reserved claims are paid after it; paid on signup, so are those of the referrals before the one that closed
        # the offer today (they fit what it had left)
        if (self.budget.exhausted_day is None or self.budget.reserving or self.budget.holds
                or self._closed_on == day):
            affordable[owes], cost, kept_owed = self.budget.pay(requested[owes], day)
            if kept_owed is not None:
                kept = np.zeros(owes.shape, bool)
                kept[owes] = kept_owed
        # a referral in a zero-reward tier still counts towards the next tier and the cap, and
        # so does one the exhausted budget no longer pays (it was earned: what is lost after it
        # is priced as it would have been paid)
        if kept is not None:  # the allowance defers what fits the budget; only the rest is lost
            lost = owes & ~affordable & ~kept
            self.budget.unpaid += float(requested[lost].sum()) * self.budget.cost_share
            settled = affordable | lost
            credited = owes[:, 0] & ~kept[:, 0]   # a deferred side is not earned yet
        else:
            if self.budget.exhausted_day is not None:
                self.budget.unpaid += float(requested[owes & ~affordable].sum()) * self.budget.cost_share
            settled = affordable
            credited = (owes[:, 0] if self.budget.exhausted_day is not None else affordable[:, 0]).copy()
        masks &= ~(settled[:, 0] * 1 | settled[:, 1] * 2)
        amounts = np.where(affordable & (requested > 0), requested, 0.0)
        if incentive.cap_per_referrer is not None:
            credited &= earned < incentive.cap_per_referrer
        np.add.at(p.rewards_earned, referrers[credited], 1)
        np.add.at(p.reward_value, referrers, amounts[:, 0])
        p.reward_value[claims[is_friend]] += amounts[:, 1][is_friend]
        fraud_cost = float(amounts[is_fake].sum()) * self.budget.cost_share
        return cost, int((affordable & (requested > 0)).sum()), fraud_cost

    def _claim_prices(self, codes: np.ndarray, owes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each claim's referrer's rewards earned (counting the claims before it) and the face
        values of its two sides (referrer's, friend's), as if paid now."""
        p, incentive = self.people, self.scenario.program.incentive
        referrers = p.referred_by[inc.claim_referees(codes, p.n)]
        earned = p.rewards_earned[referrers].copy()
        earned[owes[:, 0]] += inc.rank_within(referrers[owes[:, 0]])
        to_referrer = inc.referrer_reward(incentive, earned)
        to_referee = np.full(len(codes), inc.referee_reward(incentive))
        return earned, np.column_stack([to_referrer, to_referee])

    def _claim_faces(self, codes: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """The face values of the owed sides of the claims ``codes``, in payment order."""
        owes = np.column_stack([(masks & 1) != 0, (masks & 2) != 0])
        return self._claim_prices(codes, owes)[1][owes]

    def _record(self, today: Today) -> None:
        """The day's row, in DAILY_COLUMNS order."""
        day = today.day
        row = self.daily[day]
        for name, value in today.counts.items():
            row[COLUMN_INDEX[name]] = value
        row[COLUMN_INDEX["prospects"]] = self.people.n - self._n_adopted
        row[COLUMN_INDEX["customers"]] = len(self._active)
        row[COLUMN_INDEX["churned"]] = self._n_churned
        previous = self.daily[day - 1, COLUMN_INDEX["cumulative_profit"]] if day > 0 else 0.0
        row[COLUMN_INDEX["cumulative_profit"]] = previous + row[COLUMN_INDEX["profit"]]
        self.today = today.row = row

    def run(self) -> "Engine":
        """Run to the horizon."""
        if self._kernel is not None and self.day < self.scenario.days:
            self._kernel_days(self.day + 1, self.scenario.days)
        while self.day < self.scenario.days:
            self.step()
        self.revenue_to_date()
        return self
