"""The scenario schema: every key a scenario YAML may hold, with bounds, units,
defaults and the source of each default.

One line per parameter: ``Field(default, bounds, description="meaning [unit].
Source: ...")``. "assumption" marks a value no source pins down; scenarios
should sweep those. Behaviour variants are discriminated unions on ``kind``.
"""

from __future__ import annotations

import math

from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field, field_validator, model_validator

from .config_levers import (CascadeEstimate, Delight, Influencers, PipelineLag, PipelineStage, Renewal,  # noqa: F401
                            Seeding, SeedingStrategy, Staff, Targeting)
from .schema_base import MAX_PEOPLE, NWOM_RATE, POSITIVE_PER_NEGATIVE, REWARD_TYPES, SPONTANEOUS_RATE, Days, Money, PositiveMoney, Probability, Strict, register  # noqa: F401

# --------------------------------------------------------------------------- population


class Population(Strict):
    size: int = Field(10_000, ge=1, le=MAX_PEOPLE, description="Number of people on the graph; for edge-list networks the file decides (leave it out, or give the file's count) [people]. Source: scenario choice.")
    initial_customers: Union[Annotated[int, Field(ge=0, le=MAX_PEOPLE)], list[Annotated[int, Field(ge=0, le=MAX_PEOPLE)]], Seeding] = Field(
        100, description="Customers on day 0: a count (random people, drawn per replicate), a list of person ids (each once), or {count, strategy} [people]. Source: scenario choice."
    )

    @field_validator("initial_customers", mode="before")
    @classmethod
    def _one_of_its_forms(cls, value):
        # 2.5 or 'abc' was told "should be a block of 'key: value' lines", the last of the three forms pydantic tried
        if value is None or isinstance(value, (bool, str)) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("should be a whole number of people, a list of person ids, or a block with count: and "
                             "strategy:")
        def whole(item):   # 2.0 people are 2, as days: 10.0 is 10 days
            return int(item) if isinstance(item, float) and item.is_integer() else item

        if isinstance(value, list):   # ids, and a block's count, as a bare count is
            ids = [whole(item) for item in value]
            seen = set()
            for item in ids:   # [0, 0, 1] started the runs with 2 customers, not the 3 listed
                if isinstance(item, int) and item in seen:
                    raise ValueError(f"id {item} is listed twice; give each person once")
                seen.add(item)
            return ids
        if isinstance(value, dict) and "count" in value:
            return {**value, "count": whole(value["count"])}
        return whole(value)

    @property
    def initial_count(self) -> int:
        """How many initial customers there are: a count, a {count, strategy}'s, or a list's ids."""
        seeds = self.initial_customers
        return len(seeds) if isinstance(seeds, list) else int(self.seed_count)

    @property
    def seed_count(self) -> int | None:
        """How many initial customers a count or a {count, strategy} asks for (None for a list)."""
        seeds = self.initial_customers
        return seeds if isinstance(seeds, int) else seeds.count if isinstance(seeds, Seeding) else None


def influencers_beyond(count: int, people: int, population, where: str = "") -> str:
    """The error for more influencers than people who are not initial customers (they are
    recruited among those: picked by degree beside initial customers picked by degree, all
    20 had been initial customers already, their fees paid for nobody new)."""
    free = max(0, people - population.initial_count)
    return (f"{count} influencers but only {free:,} of the {people:,} people{where} are not initial customers, among "
            f"whom they are recruited; valid: 0..{free}")


# --------------------------------------------------------------------------- networks


class _NetworkBase(Strict):
    strong_tie_share: Probability = Field(0.3, description="Share of edges that are strong ties [fraction]. Source: assumption (Granovetter-style mix; Ryu & Feick 2007 use the split).")


class ErdosRenyi(_NetworkBase):
    kind: Literal["erdos_renyi"]
    mean_degree: float = Field(10.0, gt=0, le=1000, description="Mean number of friends [people]. Source: assumption.")


class Configuration(_NetworkBase):
    kind: Literal["configuration"]
    degree_distribution: Literal["poisson", "powerlaw", "geometric"] = Field("powerlaw", description="Family of the degree sequence: poisson, Poisson(mean_degree); geometric, P(k) = q(1 - q)^k from k = 0 with q = 1/(1 + mean_degree), so about 1 person in mean_degree + 1 has no friends; powerlaw, a shifted discrete power law. Source: scenario choice.")
    mean_degree: float = Field(10.0, gt=0, le=1000, description="Mean degree of the sequence [people]. Source: assumption.")
    exponent: float = Field(2.5, gt=2.0, le=5.0, description="Power-law exponent (powerlaw only) [-]. Source: typical social networks 2-3.")
    degrees: list[Annotated[int, Field(ge=0)]] | None = Field(None, description="Explicit degree sequence, one entry per person (overrides the family); an odd total gets one more stub on a person drawn at random, as every tie takes two [people]. Source: scenario choice.")


class BarabasiAlbert(_NetworkBase):
    kind: Literal["barabasi_albert"]
    mean_degree: float = Field(10.0, ge=2, le=1000, description="Mean degree; each newcomer attaches mean_degree/2 edges, a whole number rounded half up, m of them, so the network built has a mean degree of 2m(n - m)/n on n people, about 2m where m is small beside n (3 builds about 4, 2.5 about 2); at most n - 1 [people]. Source: assumption.")


class PowerlawCluster(_NetworkBase):
    kind: Literal["powerlaw_cluster"]
    mean_degree: float = Field(12.0, ge=2, le=1000, description="Mean degree; each newcomer attaches mean_degree/2 edges, a whole number rounded half up, m of them, so the network built has a mean degree of 2m(n - m)/n on n people, about 2m where m is small beside n (3 builds about 4, 2.5 about 2); at most n - 1 [people]. Source: assumption.")
    clustering: Probability = Field(0.2, description="Triad-formation probability after each attachment (Holme-Kim) [probability]. Source: assumption.")


class WattsStrogatz(_NetworkBase):
    kind: Literal["watts_strogatz"]
    mean_degree: int = Field(10, ge=2, le=1000, description="Ring-lattice degree before rewiring (even) [people]. Source: assumption.")
    rewire: Probability = Field(0.1, description="Probability that each lattice edge is rewired [probability]. Source: assumption.")
    # an odd degree is refused with the population in view (limits.check_network, as validate and a run check it):
    # the schema alone offered "18 or 20" to 20 people, and 20 was then refused


class StochasticBlock(_NetworkBase):
    kind: Literal["stochastic_block"]
    block_shares: list[Annotated[float, Field(gt=0, le=1)]] = Field([0.5, 0.5], min_length=1, max_length=1000, description="Share of people in each community/segment (sums to 1) [fraction]. Source: scenario choice.")
    mean_degree: float = Field(10.0, gt=0, le=1000, description="Mean degree overall [people]. Source: assumption.")
    within_share: Probability = Field(0.9, description="Share of all ties inside blocks: each person expects within_share x mean_degree friends in their own block, and the ties between blocks are spread evenly over the pairs of people in different blocks, so with blocks of unequal size a smaller block's people have more of them and a lower share inside (validate and run say how much) [fraction]. Source: assumption (homophily).")

    @model_validator(mode="after")
    def _shares_sum_to_one(self):
        if abs(sum(self.block_shares) - 1.0) > 1e-6:
            raise ValueError(f"block_shares: must sum to 1 (they sum to {sum(self.block_shares):.6g})")
        return self


class Complete(_NetworkBase):
    """Everyone is everyone's friend: at most 5,000 people (12.5 million ties)."""
    kind: Literal["complete"]


class EdgeList(_NetworkBase):
    kind: Literal["edgelist"]
    path: str = Field(..., min_length=1, description="File of 'u v [weight]' lines, ids 0..n-1, relative to the scenario file (~ is the home folder). A weight >= 0.5 marks a strong tie; without weights ties are drawn with strong_tie_share (a share other than the default given beside weights is refused: the weights decide). Source: scenario choice.")


Network = Annotated[
    Union[ErdosRenyi, Configuration, BarabasiAlbert, PowerlawCluster, WattsStrogatz, StochasticBlock, Complete, EdgeList],
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- acquisition, satisfaction


class Acquisition(Strict):
    organic_rate: Probability = Field(0.00002, description="Daily probability that a prospect adopts on their own (0.0073 per year); on a complete graph Bass p per year = 365 · −ln(1 − organic_rate), on a clustered network the early word of mouth around the first customers adds to the fitted p [1/day]. Source: calibrated so that the no-program twin of the default scenario, fitted to Bass, has p ≈ 0.03 per year (Sultan, Farley & Lehmann 1990; tests/validation/test_bass.py).")


class WordOfMouth(Strict):
    spontaneous_rate: Probability = Field(SPONTANEOUS_RATE, description="Unprompted shares per active customer-day, scaled by the share effect of satisfaction [1/day]. Source: calibrated so that the no-program twin of the default scenario, fitted to Bass, has q ≈ 0.38 per year (Sultan, Farley & Lehmann 1990; tests/validation/test_bass.py).")


class SegmentEffect(Strict):
    promoter: Annotated[float, Field(ge=0, le=10)] = Field(1.0, description="Multiplier for promoters (score 9-10) [-]. Source: definition (base_share is for promoters).")
    passive: Annotated[float, Field(ge=0, le=10)] = Field(0.35, description="Multiplier for passives (7-8) [-]. Source: Kumar et al. 2007 willing-vs-refer gap (68%->33%, 81%->30%): assumption on the split.")
    detractor: Annotated[float, Field(ge=0, le=10)] = Field(0.0, description="Multiplier for detractors (0-6) [-]. Source: NPS definition (detractors do not promote).")


class _SatisfactionBase(Strict):
    drift_per_year: float = Field(0.0, ge=-10, le=10, description="Change of the score per year of tenure, clipped to 0-10 [points/year]. Source: assumption.")


class ConstantSatisfaction(_SatisfactionBase):
    kind: Literal["constant"]
    value: float = Field(9.0, ge=0, le=10, description="Score every customer gets [0-10]. Source: scenario choice.")


class NpsMix(_SatisfactionBase):
    kind: Literal["nps_mix"]
    promoters: Probability = Field(0.5, description="Share of promoters (9-10) [fraction]. Source: assumption (NPS +35).")
    passives: Probability = Field(0.35, description="Share of passives (7-8); detractors are the rest [fraction]. Source: assumption (NPS +35).")

    @model_validator(mode="after")
    def _mix_is_a_distribution(self):
        if self.promoters + self.passives > 1.0 + 1e-9:
            # what would be valid, for whichever of the two was given last: the other's room
            raise ValueError(f"passives: promoters + passives must be at most 1 (got {self.promoters:.6g} + "
                             f"{self.passives:.6g} = {self.promoters + self.passives:.6g}): with these passives promoters "
                             f"can be at most {max(0.0, 1 - self.passives):.6g}, with these promoters passives at most "
                             f"{max(0.0, 1 - self.promoters):.6g}")
        return self


class BetaSatisfaction(_SatisfactionBase):
    kind: Literal["beta"]
    a: float = Field(4.0, gt=0, le=1000, description="Beta shape a of score/10 [-]. Source: assumption.")
    b: float = Field(1.2, gt=0, le=1000, description="Beta shape b of score/10 [-]. Source: assumption.")


Satisfaction = Annotated[Union[ConstantSatisfaction, NpsMix, BetaSatisfaction], Field(discriminator="kind")]


# --------------------------------------------------------------------------- incentives


class Tier(Strict):
    after: int = Field(..., ge=0, le=1_000_000, description="Referrals already credited to the referrer before this tier applies (zero-reward tiers count) [referrals]. Source: scenario choice.")
    referrer_reward: Money = Field(..., description="Reward per referral in this tier [currency]. Source: scenario choice.")


class _IncentiveBase(Strict):
    reward_type: Literal["cash", "credit", "product", "charity", "organization"] = Field("credit", description="What the reward is; sets its weight in the uplift. Source: seeds 000, 004.")
    audience: Literal["consumer", "business"] = Field("consumer", description="Who is rewarded; business audiences value organization/charity rewards over small cash. Source: seeds 000, 004.")
    type_weight: float | None = Field(None, ge=0, le=5, description="Override of the reward type's weight; unset uses program.reward_type_weights [-]. Source: scenario choice.")
    paid_on: Literal["signup", "qualification"] = Field("qualification", description="When rewards are paid. Source: referral-program practice.")
    qualification_days: int = Field(30, ge=0, le=36500, description="Days a referred customer must stay active to qualify [days]. Source: assumption (first billing cycle).")
    qualifying_share: Probability = Field(1.0, gt=0, description="Share of referral sign-ups who ever meet the qualifying condition (a first purchase or deposit) [fraction]. Source: the program's own funnel; 1: every sign-up the model converts is a customer")
    cap_per_referrer: int | None = Field(None, ge=1, le=1_000_000, description="Most rewarded referrals per referrer [referrals]. Source: Dropbox capped at 32.")
    budget: PositiveMoney | None = Field(None, description="Total company reward cost the program may commit, after which the budget is exhausted (paid on qualification a referral reserves its rewards when it is made; reserved rewards are paid when due) [currency]. Source: scenario choice.")
    on_budget_exhausted: Literal["end_program", "rewards_only"] = Field("end_program", description="What stops when the budget is spent: end_program (no more asks, no reward effect) or rewards_only (asks go on unrewarded). Source: scenario choice (a program without budget ends).")
    budget_per_month: PositiveMoney | None = Field(None, description="Company reward cost allowed per month (30.4375 days), accruing: by the end of month m at most m times this is spent (an unspent allowance carries over); once the allowance so far is spent the reward pauses until the next month, and the rewards it could not pay, or falling due meanwhile, are paid first when it refills [currency]. Source: scenario choice.")
    cost_share: Probability | None = Field(None, description="Fraction of a reward's face value the company pays; unset uses program.cost_shares of the reward type [fraction]. Source: scenario choice.")
    max_uplift: float = Field(1.0, ge=0, le=10, description="Largest relative rise of the share probability from the referrer's reward, at type and tie weight 1 (x2 at most there; a type_weight or tie weight above 1, and the friend's reward, take it higher) [-]. Source: Wolters, Schulze & Gedenk 2020; value: assumption.")
    reward_scale: float | None = Field(None, gt=0, le=1e9, description="Reward at which 63% of the uplift is reached when paid at once (one paid D days later acts as R/(1 + delay_discount · D): 54% at the defaults, paid on qualification after 30 days); unset means reward_scale_months · economics.monthly_margin [currency]. Source: assumption, the same as reward_scale_months in currency, which it overrides (Wolters, Schulze & Gedenk 2020: diminishing returns; the scale is not pinned down by a source).")
    reward_scale_months: float = Field(3.0, gt=0, le=1200, description="Reward scale in months of the customer's margin, so that rewards act relative to what the product is worth [months]. Source: Wolters, Schulze & Gedenk 2020 (diminishing returns); 3 months: assumption ($24 at $8 a month, the former consumer scale of $25).")
    strong_tie_weight: float = Field(0.5, ge=0, le=5, description="Weight of the uplift on strong ties relative to weak ones [-]. Source: Ryu & Feick 2007 (rewards matter more for weak ties); value: assumption.")
    delay_discount: float = Field(0.01, ge=0, le=1, description="How fast a reward loses its pull the later it is paid: paid D days after the friend joins (qualification_days when paid_on is qualification, else 0), a reward R moves sharing and the friend's conversion as R / (1 + delay_discount · D) would if paid at once (hyperbolic discounting); costs, fraud and reward seekers still follow R [1/day]. Source: Kirby & Maraković 1996, Kirby, Petry & Bickel 1999 (small money rewards are discounted hyperbolically, k of the order of 0.01 a day); 0.01: assumption.")
    credibility_penalty: Probability = Field(0.1, description="Largest relative drop in conversion of a rewarded invitation, reached as 1 − exp(−R / reward_scale) grows with the referrer's reward R [fraction]. Source: Verlegh et al. 2013 (direction); size: assumption.")


class _FriendRewarded(_IncentiveBase):
    """A program that can reward the friend too: the friend-side uplift keys belong to it,
    not to single_sided, which pays no friend (a key there would change nothing)."""
    referee_max_uplift: float = Field(1.5, ge=0, le=10, description="Largest relative rise of conversion from the referee's reward [-]. Source: Gershon, Cryder & John 2020 (recipient reward matters more); value: assumption.")
    referee_share_uplift: float = Field(0.5, ge=0, le=10, description="Largest relative rise of the referrer's share probability from the friend's reward [-]. Source: Gershon, Cryder & John 2020 (a reward for the friend makes people refer more); value: assumption.")


class NoIncentive(Strict):
    kind: Literal["none"]


class SingleSided(_IncentiveBase):
    kind: Literal["single_sided"]
    referrer_reward: Money = Field(20.0, description="Reward to the referrer per referral [currency]. Source: scenario choice.")

    @property
    def referee_reward(self) -> float:
        return 0.0

    #: no friend's reward, so no friend-side uplift: the engine multiplies these by a 0 reward
    referee_max_uplift: ClassVar[float] = 0.0
    referee_share_uplift: ClassVar[float] = 0.0


class DoubleSided(_FriendRewarded):
    kind: Literal["double_sided"]
    referrer_reward: Money = Field(10.0, description="Reward to the referrer per referral [currency]. Source: scenario choice.")
    referee_reward: Money = Field(10.0, description="Reward to the new customer [currency]. Source: scenario choice.")


class Tiered(_FriendRewarded):
    kind: Literal["tiered"]
    tiers: list[Tier] = Field(
        default_factory=lambda: [Tier(after=0, referrer_reward=10.0), Tier(after=3, referrer_reward=20.0)],
        min_length=1, max_length=100, description="Reward per referral by referrals already rewarded; 'after' strictly increasing from 0.",
    )
    referee_reward: Money = Field(0.0, description="Reward to the new customer [currency]. Source: scenario choice.")

    @model_validator(mode="after")
    def _tiers_increase(self):
        afters = [t.after for t in self.tiers]
        if afters[0] != 0 or any(b <= a for a, b in zip(afters, afters[1:])):
            raise ValueError(f"tiers: must start at after: 0 and strictly increase (got after = {afters})")
        return self

    @property
    def referrer_reward(self) -> float:
        return self.tiers[0].referrer_reward


Incentive = Annotated[Union[NoIncentive, SingleSided, DoubleSided, Tiered], Field(discriminator="kind")]


# --------------------------------------------------------------------------- timing


class Reminders(Strict):
    count: int = Field(0, ge=0, le=50, description="Reminders after the first ask, to customers who have not shared yet [asks]. Source: reminder uplift reports.")
    interval_days: int = Field(7, ge=1, le=3650, description="Days between asks [days]. Source: assumption.")
    fatigue: Probability = Field(0.9, description="Share probability multiplier per earlier ask (fatigue^k) [-]. Source: calibrated so that 3 reminders give ≈2.6x the shares of one ask at purchase (reminder uplift reports), annoyance included; ≈2.3x after an onboarding ask, whose moment reminders do not get.")
    annoyance: Probability = Field(0.05, description="Probability that a reminder (an ask beyond the first) annoys the customer [probability]. Source: direction: reminder and e-mail fatigue reports (unsubscribes rise with frequency); size: assumption.")
    annoyance_points: float = Field(2.0, ge=0, le=10, description="Satisfaction points an annoyed customer loses, for good (lower sharing, higher churn) [points]. Source: assumption (a promoter becomes a passive).")


#: Marks a field whose meaning differs between the kinds of its block (a timing's
#: delay_days: days to the purchase, to the end of onboarding, or to the milestone): a
#: switch of kind (optimize and sensitivity's --vary/--uncertain of a ``kind``) gives it
#: the new kind's default instead of carrying the old value over.
KIND_SPECIFIC = {"kind_specific": True}


class _TimingBase(Strict):
    reminders: Reminders = Field(default_factory=Reminders)


class NeverAsk(Strict):
    kind: Literal["never"]


class AtPurchase(_TimingBase):
    kind: Literal["at_purchase"]
    delay_days: int = Field(0, ge=0, le=3650, json_schema_extra=KIND_SPECIFIC, description="Days from the first step after the purchase to the ask; 0 asks on that first step (5: the ask comes 6 days after joining, as an onboarding ask's delay does) [days]. Source: definition (ask at purchase).")


class Onboarding(_TimingBase):
    kind: Literal["onboarding"]
    delay_days: int = Field(3, ge=0, le=3650, json_schema_extra=KIND_SPECIFIC, description="Days from the first step after joining to the last onboarding step, where the ask sits (3: the ask comes 4 days after joining, as delay 0 asks on the first step after it) [days]. Source: Dropbox asked at the end of onboarding.")


class Milestone(_TimingBase):
    kind: Literal["milestone"]
    delay_days: int = Field(30, ge=0, le=3650, json_schema_extra=KIND_SPECIFIC, description="Days to the success milestone: geometric, a wait of mean delay_days + 1 days after joining (at least 1); fixed, exactly tenure day delay_days (at least 1) [days]. Source: assumption.")
    schedule: Literal["geometric", "fixed"] = Field("geometric", description="geometric: milestone reached after a Geometric wait; fixed: on tenure day delay_days (the 3rd box on day 28). Source: scenario choice.")
    reach_share: Probability = Field(0.6, description="Share of customers who would reach the milestone if they stayed: churn before it is drawn apart (a customer who leaves first is never asked), so a milestone that is tenure alone (schedule: fixed, the third paid month) is reached by all, 1 [fraction]. Source: assumption.")
    min_satisfaction: float = Field(7.0, ge=0, le=10, description="Ask only customers at least this satisfied at the milestone [0-10]. Source: practice (ask happy customers).")


class Campaign(_TimingBase):
    kind: Literal["campaign"]
    days: list[Annotated[int, Field(ge=1, le=36500)]] = Field([30], min_length=1, max_length=1000, description="Days on which every active customer is asked [day numbers]. Source: scenario choice.")


Timing = Annotated[Union[NeverAsk, AtPurchase, Onboarding, Milestone, Campaign], Field(discriminator="kind")]


# --------------------------------------------------------------------------- channels


#: The people table's `channel` labels for people no channel brought (runner.people_table).
RESERVED_CHANNEL_LABELS = ("not acquired", "seed", "organic")


class Channel(Strict):
    kind: Literal["direct", "broadcast"] = Field(..., description="direct: invitations to chosen friends; broadcast: one post every friend may notice. Source: scenario choice.")
    name: str | None = Field(None, max_length=60, description="Label in outputs, the people table's `channel` (defaults to kind; channels sharing one are told apart only by name), none of seed, organic or not acquired. Source: scenario choice.")
    weight: Annotated[float, Field(ge=0, le=1)] = Field(1.0, description="Share of sharers who use this channel; weights sum to 1 [fraction]. Source: assumption (default mix 70% direct, 30% broadcast).")
    ease: Probability = Field(1.0, description="How easy the channel makes sharing (multiplies the share probability) [-]. Source: assumption.")
    base_conversion: Probability | None = Field(None, description="Conversion of one weak-tie invitation; unset means program.default_conversion of the channel's kind [probability]. Source: scenario choice.")
    extra_invites: float = Field(2.0, ge=0, le=1000, description="Direct: friends per share are 1 + Poisson(extra_invites) [people]. Source: seeds (average person refers > 3 friends).")
    invite_all: bool = Field(False, description="Direct: invite every friend who is still a prospect (the Independent Cascade reduction). Source: scenario choice.")
    attention: Probability = Field(1.0, description="Broadcast: probability that a friend notices the post [probability]. Source: SocialTwist (~15 reached per broadcast at degree 12-15).")

    @field_validator("name")
    @classmethod
    def _not_a_reserved_label(cls, name: str | None) -> str | None:
        # the people table's `channel` column keeps these for people no channel brought: a channel named `seed` made
        # its referred customers read as initial customers
        if name in RESERVED_CHANNEL_LABELS:
            raise ValueError(f"{name!r} is the people table's label for people no channel brought; valid: any other "
                             f"name (not {', '.join(map(repr, RESERVED_CHANNEL_LABELS))})")
        return name

    @property
    def label(self) -> str:
        return self.name or self.kind

    @property
    def conversion(self) -> float:
        """This channel's own conversion, or the schema default of its kind. A program's
        ``default_conversion`` can change that default: use :meth:`Program.conversion`."""
        return ChannelConversion().of(self)


class ChannelConversion(Strict):
    direct: Probability = Field(0.10, description="Conversion of one weak-tie direct invitation when the channel sets no base_conversion [probability]. Source: assumption (personal invitations convert several times better than broadcasts).")
    broadcast: Probability = Field(0.03, description="Conversion of one weak-tie broadcast exposure when the channel sets no base_conversion [probability]. Source: SocialTwist funnel (broadcast 3%).")

    def of(self, channel: Channel) -> float:
        return channel.base_conversion if channel.base_conversion is not None else getattr(self, channel.kind)


class CostShares(Strict):
    """What a reward of face value 1 costs the company, by reward type. Face value drives behaviour; this drives money."""

    cash: Probability = Field(1.0, description="Cost share of cash [fraction]. Source: definition (cash costs its face value).")
    credit: Probability = Field(0.4, description="Cost share of store credit: cost of goods net of unredeemed credit [fraction]. Source: assumption (cost of goods ~50% of price, ~20% of credit never redeemed, as gift-card breakage of 10-20%).")
    product: Probability = Field(0.5, description="Cost share of a free product: its cost of goods [fraction]. Source: assumption (cost of goods ~50% of price).")
    charity: Probability = Field(1.0, description="Cost share of a donation [fraction]. Source: definition (a donation is paid in cash).")
    organization: Probability = Field(0.4, description="Cost share of a reward to the referrer's organization, paid as account credit [fraction]. Source: assumption (as store credit: delivery's cost net of credit left unused; credit an account applies to an invoice it would have paid anyway is revenue forgone, near 1: set your own).")


class Launch(Strict):
    ask_existing: Literal["once", "never", "as_new"] = Field("once", description="How the initial (existing) customers are asked: once (one launch ask spread over spread_days, at the campaign moment), never, or as_new (as if they had just joined). Source: scenario choice (a launch announcement).")
    spread_days: int = Field(30, ge=1, le=3650, description="Days over which the launch ask to existing customers is spread (uniformly) [days]. Source: assumption (a launch e-mail campaign over a month).")


class TieConversion(Strict):
    strong: Annotated[float, Field(ge=0, le=10)] = Field(2.0, description="Conversion multiplier of an invitation over a strong tie [-]. Source: Ryu & Feick 2007 (strong ties convert better); x2: assumption.")
    weak: Annotated[float, Field(ge=0, le=10)] = Field(1.0, description="Conversion multiplier of an invitation over a weak tie [-]. Source: definition (base_conversion is for weak ties).")


class TypeWeights(Strict):
    """Weight of each reward type in the uplift, for one audience."""

    cash: Annotated[float, Field(ge=0, le=5)] = Field(1.0, description="Weight of a cash reward [-]. Source: seeds 000, 004 (direction); value: assumption.")
    credit: Annotated[float, Field(ge=0, le=5)] = Field(1.0, description="Weight of store credit [-]. Source: seeds 000, 004 (direction); value: assumption.")
    product: Annotated[float, Field(ge=0, le=5)] = Field(0.8, description="Weight of a product reward [-]. Source: seeds 000, 004 (direction); value: assumption.")
    charity: Annotated[float, Field(ge=0, le=5)] = Field(0.5, description="Weight of a donation to charity [-]. Source: seeds 000, 004 (direction); value: assumption.")
    organization: Annotated[float, Field(ge=0, le=5)] = Field(0.3, description="Weight of a reward to the referrer's organization [-]. Source: seeds 000, 004 (direction); value: assumption.")


class BusinessTypeWeights(TypeWeights):
    """Weight of each reward type when businesses are rewarded: each key defaults to the
    business value, so that setting one (``--set program.reward_type_weights.business.cash=1``)
    leaves the others at theirs (they fell back to the consumer values, organization
    from 1.0 to 0.3, and the B2B verdict flipped)."""

    cash: Annotated[float, Field(ge=0, le=5)] = Field(0.3, description="Weight of a cash reward to a business [-]. Source: seeds 000, 004 (direction); value: assumption.")
    credit: Annotated[float, Field(ge=0, le=5)] = Field(0.6, description="Weight of store credit to a business [-]. Source: seeds 000, 004 (direction); value: assumption.")
    product: Annotated[float, Field(ge=0, le=5)] = Field(0.5, description="Weight of a product reward to a business [-]. Source: seeds 000, 004 (direction); value: assumption.")
    charity: Annotated[float, Field(ge=0, le=5)] = Field(0.9, description="Weight of a donation to charity by a business [-]. Source: seeds 000, 004 (direction); value: assumption.")
    organization: Annotated[float, Field(ge=0, le=5)] = Field(1.0, description="Weight of a reward to the referrer's organization, for a business [-]. Source: seeds 000, 004 (direction); value: assumption.")


class RewardTypeWeights(Strict):
    """Small personal cash works poorly in B2B; rewards to the organization or a charity are preferred there."""

    consumer: TypeWeights = Field(default_factory=TypeWeights, description="Weights when consumers are rewarded.")
    business: BusinessTypeWeights = Field(default_factory=BusinessTypeWeights, description="Weights when businesses are rewarded.")


class NoLag(Strict):
    kind: Literal["none"]


class GeometricLag(Strict):
    kind: Literal["geometric"]
    first_day_share: Probability = Field(0.52, description="Share of conversions on the day of the invitation [fraction]. Source: referral-platform timing data.")
    tail_mean_days: float = Field(4.0, ge=1, le=365, description="Mean extra days of the geometric tail [days]. Source: assumption.")
    valid_days: int = Field(30, ge=0, le=3650, description="Invitations expire after this many days [days]. Source: assumption.")


ConversionLag = Annotated[Union[NoLag, GeometricLag, PipelineLag], Field(discriminator="kind")]


class MomentEffect(Strict):
    """Share-probability multiplier by the moment of the ask."""

    purchase: Annotated[float, Field(ge=0, le=10)] = Field(1.0, description="Multiplier of an ask at purchase [-]. Source: definition (base_share is the share rate of an ask at purchase, SocialTwist).")
    onboarding: Annotated[float, Field(ge=0, le=10)] = Field(1.2, description="Multiplier of an ask at the end of onboarding, after a first use [-]. Source: direction: asks after a positive experience work better (peak-end rule, Kahneman et al. 1993; Dropbox asked there); size: assumption.")
    milestone: Annotated[float, Field(ge=0, le=10)] = Field(1.5, description="Multiplier of an ask at a success milestone [-]. Source: direction: satisfaction and recent success drive referral (peak-end rule, Kahneman et al. 1993; Kumar, Petersen & Leone 2010, referral behaviour follows the customer's experience); size: assumption.")
    campaign: Annotated[float, Field(ge=0, le=10)] = Field(0.8, description="Multiplier of an ask in a campaign sent to everyone on a calendar day [-]. Source: direction: untimed e-mail blasts get lower response than triggered messages (e-mail marketing benchmarks); size: assumption.")
    reminder: Annotated[float, Field(ge=0, le=10)] = Field(1.0, description="Multiplier of a reminder (an ask beyond the first; fatigue^k applies on top), or the first ask's own multiplier where that is smaller: a reminder never comes at a larger moment than the ask it follows, so a value above an ask at purchase's changes nothing there [-]. Source: definition (reminders are calibrated through fatigue).")


class RewardSeekers(Strict):
    """Rewards change who comes: a larger reward brings more customers who come for the reward."""

    max_share: Probability = Field(0.2, description="Share of reward seekers among rewarded referred customers as the reward grows without bound; at reward R the share is max_share · (1 − exp(−R / reward_scale)) [fraction]. Source: Wolters, Schulze & Gedenk 2020 (larger rewards bring less profitable referred customers); Lewis 2006 (customers acquired with deeper promotions are worth less); size: assumption.")
    hazard_ratio: float = Field(2.0, ge=0, le=10, description="Churn hazard of a reward seeker relative to other referred customers [-]. Source: Lewis 2006 (promotion-acquired customers retain worse); size: assumption.")
    margin_ratio: float = Field(0.8, ge=0, le=10, description="Margin of a reward seeker relative to the base margin (no referred premium) [-]. Source: Wolters, Schulze & Gedenk 2020 (direction); size: assumption.")


class Program(Strict):
    base_share: Probability = Field(0.2, description="Share probability of an asked promoter with no reward [probability]. Source: SocialTwist (~19% of those asked share).")
    satisfaction_effect: SegmentEffect = Field(default_factory=SegmentEffect, description="sat_effect(s): share multiplier by NPS segment.")
    tie_conversion: TieConversion = Field(default_factory=TieConversion, description="tie[strong|weak]: conversion multiplier by tie strength.")
    default_conversion: ChannelConversion = Field(default_factory=ChannelConversion, description="base_conversion of channels that set none, by kind.")
    reward_type_weights: RewardTypeWeights = Field(default_factory=RewardTypeWeights, description="type_weight of each reward type, by audience.")
    moment_effect: MomentEffect = Field(default_factory=MomentEffect, description="Share multiplier by the moment of the ask.")
    reward_seekers: RewardSeekers = Field(default_factory=RewardSeekers, description="Who a reward attracts.")
    cost_shares: CostShares = Field(default_factory=CostShares, description="Company cost per unit of face value, by reward type.")
    link_use: Probability = Field(0.3, description="Probability that a customer sharing unprompted uses their referral link while a reward is on offer (a tracked referral) [probability]. Source: assumption.")
    link_response: Annotated[float, Field(ge=0, le=1)] = Field(1.0, description="How much the reward on offer moves the unprompted sharing of a customer who uses their referral link, relative to an asked customer: their unprompted shares per day are multiplied by 1 + link_response · (incentive_effect · friend_incentive_effect − 1); 0 leaves unprompted sharing unmoved by rewards [-]. Source: direction: rewards raise the likelihood of referring (Ryu & Feick 2007), and a customer who shares their link knows the reward; size: assumption.")
    launch: Launch = Field(default_factory=Launch, description="How the program reaches the customers who exist on day 0.")
    incentive: Incentive = Field(default_factory=lambda: NoIncentive(kind="none"))
    timing: Timing = Field(default_factory=lambda: NeverAsk(kind="never"))
    channels: list[Channel] = Field(
        default_factory=lambda: [Channel(kind="direct", weight=0.7), Channel(kind="broadcast", weight=0.3)], min_length=1, max_length=20
    )
    conversion_lag: ConversionLag = Field(default_factory=lambda: GeometricLag(kind="geometric"))
    influencers: Influencers | None = Field(None, description="Paid influencers who share further and convert at their own rate.")
    targeting: Targeting | None = Field(None, description="A daily capacity of asks, given to the best-ranked due customers first.")
    delight: Delight | None = Field(None, description="Surprise gifts or upgrades that raise satisfaction for a while.")
    staff: Staff | None = Field(None, description="Employees who mention the program at touchpoints.")

    def conversion(self, channel: Channel) -> float:
        """base_conversion of a channel, its kind's default_conversion when unset."""
        return self.default_conversion.of(channel)

    def cost_share(self) -> float:
        """What the company pays per unit of a reward's face value (0 with no incentive)."""
        incentive = self.incentive
        if isinstance(incentive, NoIncentive):
            return 0.0
        return incentive.cost_share if incentive.cost_share is not None else getattr(self.cost_shares, incentive.reward_type)

    @model_validator(mode="after")
    def _channel_weights_sum_to_one(self):
        total = sum(c.weight for c in self.channels)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"channels: channel weights must sum to 1 (they sum to {total:.6g})")
        return self


# --------------------------------------------------------------------------- churn, money, fraud, negative word of mouth


class ChurnBySegment(Strict):
    promoter: Annotated[float, Field(ge=0, le=10)] = Field(0.8, description="Churn hazard multiplier for promoters (9-10) [-]. Source: assumption (promoters stay longer).")
    passive: Annotated[float, Field(ge=0, le=10)] = Field(1.0, description="Churn hazard multiplier for passives (7-8) [-]. Source: definition (the reference hazard).")
    detractor: Annotated[float, Field(ge=0, le=10)] = Field(1.5, description="Churn hazard multiplier for detractors (0-6) [-]. Source: assumption (detractors leave faster).")


class Churn(Strict):
    monthly_rate: Probability = Field(0.05, description="Share of customers lost per month (30.4375 days) [fraction]. Source: industry range 5-7% per month.")
    satisfaction_multipliers: ChurnBySegment = Field(default_factory=ChurnBySegment, description="Churn hazard multiplier by NPS segment.")
    referred_hazard_ratio: float = Field(0.74, ge=0, le=10, description="Churn hazard of referred customers relative to organic ones; a reward seeker's is this times `program.reward_seekers.hazard_ratio` [-]. Source: Schmitt, Skiera & Van den Bulte 2011 (referred customers 18% more likely to stay): 0.74 gives a realised ratio of about 0.82 with the default reward's share of reward seekers.")
    only_while_referrer_active: bool = Field(False, description="Apply the referred hazard ratio only while the referrer is still a customer. Source: assumption (Schmitt et al. 2011 do not say whether the advantage lasts without the referrer).")
    renewal: Renewal | None = Field(None, description="Contracts that churn only at renewal dates, with the probability the hazard gives over the contract.")


class Economics(Strict):
    monthly_margin: Money = Field(8.0, description="Margin per active customer per month [currency]. Source: scenario choice.")
    referred_margin_premium: float = Field(0.05, ge=-1, le=10, description="Extra margin of referred customers at joining, fading linearly [fraction]. Source: Schmitt et al. 2011; 5%: assumption.")
    premium_fade_days: int = Field(900, ge=1, le=36500, description="Days over which the referred margin premium fades to zero [days]. Source: Schmitt et al. 2011 (gap closes in ~2.5 years).")
    acquisition_cost_organic: Money = Field(0.0, description="Marketing cost per organic customer [currency]. Source: scenario choice.")
    annual_discount_rate: Annotated[float, Field(ge=0, le=1)] = Field(0.10, description="Discount rate for lifetime value and equity_final [1/year]. Source: assumption (typical cost of capital).")
    paid_cac: Money | None = Field(None, description="Cost of one customer from paid acquisition, to compare with incremental_cac [currency]. Source: scenario choice.")


#: The largest fraud.share: twice the worst reported share, and below the 0.316 at which
#: fakes would outnumber real signups for a large reward.
FRAUD_SHARE_MAX = 0.3


class Fraud(Strict):
    share: float = Field(0.02, ge=0, le=FRAUD_SHARE_MAX, description="Fake accounts as a share of referral signups (fake and real) when the rewards on offer (referrer + friend, face value) equal one reward_scale (by default 3 months of margin: $24 at $8 a month); smaller rewards draw fewer and larger ones up to share / 0.632: at reward R it is share · (1 − exp(−R / scale)) / (1 − exp(−1)), none without a reward. A fake account is an extra reward claim next to a real signup: it costs rewards and brings no customer [fraction]. Source: referral-fraud reports (2%, up to 15% without controls; fraud follows the money: self-referral abuse needs a reward).")
    blocked_by_qualification: Probability = Field(0.9, description="Share of fake accounts whose rewards qualification stops, when rewards wait for it; drawn for each fake account when it signs up [fraction]. Source: assumption.")


class NegativeWordOfMouth(Strict):
    rate: Probability = Field(NWOM_RATE, description="Daily probability that an active detractor speaks against the product to all friends [1/day]. Source: East, Hammond & Wright 2007 (positive word of mouth about 3x as frequent as negative): with the default NPS mix, 3 negative messages per 9 unprompted positive shares with no program.")
    conversion_penalty: Probability = Field(0.3, description="Relative drop in the conversion of a prospect who heard it [fraction]. Source: direction: negative word of mouth lowers purchase probability (Arndt 1967; East, Hammond & Wright 2008); size: assumption.")
    organic_penalty: Probability = Field(0.3, description="Relative drop in the daily organic adoption of a prospect who heard it [fraction]. Source: direction: negative word of mouth lowers purchase probability (Arndt 1967; East, Hammond & Wright 2008); size: assumption (as conversion_penalty).")
    days: int = Field(30, ge=0, le=3650, description="How long the effect lasts [days]. Source: assumption.")


# --------------------------------------------------------------------------- the scenario


class Scenario(Strict):
    """One referral-program design on one population: what a scenario YAML file holds.

    Read a file with ``load_scenario(path, ["key.path=value", ...])``; build one from a
    mapping with ``simulator.scenario_io.validate(data)``, which checks it as a file is
    checked (one line naming the key and what is valid; ``Scenario.model_validate`` gives
    pydantic's errors, lines long and without "did you mean"). Every key's meaning, unit, default,
    bounds and source are in docs/model.md. Assignments are validated
    (``scenario.days = 0`` raises; ``scenario.program.incentive.referrer_reward = -5``
    names ``program.incentive.referrer_reward``; a block's ``kind`` is changed by assigning
    the block whole, ``scenario.network = {"kind": "erdos_renyi"}``; an assignment to a
    block checks that block alone, so a check across blocks, such as the initial
    customers within the population, runs at the next assignment to the block that holds
    it (the scenario, or the program for its channels' weights), whose error then says
    the scenario was already so, and ``simulate`` checks it too);
    ``model_copy(update=...)`` is not (pydantic checks
    nothing there), so ``simulate`` and ``ReferralModel`` check the scenario they get.
    """

    name: str = Field("scenario", min_length=1, max_length=120, description="Label in outputs. Source: scenario choice.")
    description: str = Field("", max_length=10_000, description="Free text. Source: scenario choice.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Scenario seed; drawn and recorded when omitted. Source: scenario choice.")
    days: int = Field(365, ge=1, le=36500, description="Days simulated [days]. Source: scenario choice (one year: a budget cycle).")
    k_window_days: int = Field(30, ge=1, le=3650, description="Cohort K counts the tracked referrals a customer makes within this many days of joining [days]. Source: assumption (most referrals come in the first month).")
    replicates: int = Field(10, ge=1, le=1_000_000, description="Independent runs (seeds spawned from the scenario seed) [runs]. Source: assumption (10 gives intervals of a few percent on the default scenario).")
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=lambda: PowerlawCluster(kind="powerlaw_cluster"))
    acquisition: Acquisition = Field(default_factory=Acquisition)
    word_of_mouth: WordOfMouth = Field(default_factory=WordOfMouth)
    satisfaction: Satisfaction = Field(default_factory=lambda: NpsMix(kind="nps_mix"))
    program: Program = Field(default_factory=Program)
    churn: Churn = Field(default_factory=Churn)
    economics: Economics = Field(default_factory=Economics)
    fraud: Fraud = Field(default_factory=Fraud)
    negative_word_of_mouth: NegativeWordOfMouth = Field(default_factory=NegativeWordOfMouth)

    def model_post_init(self, context) -> None:
        # remembered (weakly) so that a refused assignment to one of its blocks names the key from its top
        register(self)

    def __copy__(self):
        copied = super().__copy__()
        register(copied)
        return copied

    def __deepcopy__(self, memo=None):
        copied = super().__deepcopy__(memo)
        register(copied)
        return copied

    def __setstate__(self, state) -> None:
        # unpickled (from a worker, from disk): registered as a scenario built here is
        super().__setstate__(state)
        register(self)

    def __repr__(self) -> str:
        # pydantic's repr printed every key of every block: 3,000 characters for the default
        # scenario, what a notebook shows for ``scenario`` on its own line; every key is in
        # ``model_dump()``
        program = self.program
        return (f"Scenario(name={self.name!r}, days={self.days}, seed={self.seed}, replicates={self.replicates}, "
                f"size={self.population.size}, network={self.network.kind!r}, incentive={program.incentive.kind!r}, "
                f"timing={program.timing.kind!r})")

    __str__ = __repr__   # print(scenario) wrote the same 3,000 characters, without the commas

    @model_validator(mode="after")
    def _consistent(self):
        incentive = self.program.incentive
        if isinstance(incentive, _IncentiveBase):
            # A qualification period longer than the horizon (a 4-week pilot of a program that pays after
            # 30 days) pays no reward within it: every reward earned is counted in rewards_owed instead.
            if incentive.budget is not None:
                # the budget is company money: a reward costs its face value times cost_share. A referral
                # commits both sides at once (paid on qualification it reserves them, paid on signup the offer
                # closes at the first referral they do not fit), so a budget of 5 beside $4 + $4 was accepted
                # as "one reward", ended the program at the first referral and paid nothing
                share = self.program.cost_share()
                smallest = min((r * share for r in _referral_sizes(incentive) if r > 0), default=0.0)
                # within rounding: (5 + 7) x 0.4 is 4.800000000000001, and the 4.8 the error asked for was refused
                if 0 < incentive.budget < smallest - 1e-9:
                    # named rounded up, so that the figure named is accepted (1849.9926 was named 1849.99, then refused)
                    least = figures_rounded(smallest, 6, up=True)
                    what = (f"one referral's rewards ({least:g}: a referral commits both sides at once)"
                            if incentive.referee_reward > 0 else f"one reward ({least:g})")
                    raise ValueError(f"program.incentive.budget: {incentive.budget:g} is below {what}; give at least {least:g} or no budget")
        timing = self.program.timing
        if isinstance(timing, Campaign) and max(timing.days) > self.days:
            raise ValueError(f"program.timing.days: day {max(timing.days)} is beyond the horizon (days = {self.days}); valid: 1..{self.days}")
        seeds = self.population.initial_customers
        if self.network.kind != "edgelist":
            size = self.population.size
            if isinstance(seeds, Seeding) and seeds.count > size:
                raise ValueError(f"population.initial_customers.count: {seeds.count} is more than population.size ({size}); valid: 0..{size}")
            if isinstance(seeds, int) and seeds > size:
                raise ValueError(f"population.initial_customers: {seeds} is more than population.size ({size}); valid: 0..{size}")
            if isinstance(seeds, list) and seeds and max(seeds) >= size:
                raise ValueError(f"population.initial_customers: id {max(seeds)} is not a person; valid ids are 0..{size - 1}")
            influencers = self.program.influencers
            if influencers is not None and influencers.count > size - self.population.initial_count:
                raise ValueError(f"program.influencers.count: {influencers_beyond(influencers.count, size, self.population)}")
            if self.network.kind == "configuration" and self.network.degrees is not None and len(self.network.degrees) != size:
                raise ValueError(f"network.degrees: {len(self.network.degrees)} entries, but population.size is {size}; give one degree per person")
        return self


def suffixed_name(name: str, suffix: str) -> str:
    """A scenario's name with ``suffix`` added ('-best', '-calibrated'), the name cut to
    leave room for it within the names a scenario takes."""
    limit = next(m.max_length for m in Scenario.model_fields["name"].metadata if hasattr(m, "max_length"))
    return f"{name[:limit - len(suffix)]}{suffix}"


def fitting_description(text: str) -> str:
    """``text`` as a scenario's description takes it: cut with an ellipsis past its limit,
    so that a file written with it (best.yaml, calibrated.yaml) loads."""
    limit = Scenario.model_fields["description"].metadata[0].max_length
    return text if len(text) <= limit else text[:limit - 1] + "…"


def figures_rounded(value: float, digits: int, *, up: bool) -> float:
    """``value`` to ``digits`` significant figures, rounded up (``up``) or down, less the
    noise of binary fractions: (5 + 7) x 0.4 is 4.800000000000001 and stays 4.8, and
    0.123 / 0.001 reads 122.99999999999999 and stays 123 (calibrate's ranges round so)."""
    if value == 0 or not math.isfinite(value):
        return value
    step = 10.0 ** (math.floor(math.log10(abs(value))) - (digits - 1))
    units = round(value / step, 9)
    return (math.ceil(units) if up else math.floor(units)) * step


def _reward_sizes(incentive: _IncentiveBase) -> list[float]:
    if isinstance(incentive, Tiered):
        return [t.referrer_reward for t in incentive.tiers] + [incentive.referee_reward]
    return [incentive.referrer_reward, incentive.referee_reward]


def largest_referral(incentive) -> float:
    """The most face value one referral can earn, both sides: the referrer's highest
    tier and the friend's reward (0 without an incentive); what fake accounts are drawn by."""
    if not isinstance(incentive, _IncentiveBase):
        return 0.0
    *referrer, referee = _reward_sizes(incentive)
    return float(max(referrer) + referee)


def _referral_sizes(incentive: _IncentiveBase) -> list[float]:
    """Face values of one referral's rewards, both sides: the first referral's (its referrer
    at the first tier: every referrer's first is paid there, so a budget below it ends the
    program at once, however cheap a later tier), else, where that costs nothing, each
    tier's."""
    referrer = [t.referrer_reward for t in incentive.tiers] if isinstance(incentive, Tiered) else [incentive.referrer_reward]
    if referrer[0] + incentive.referee_reward > 0:
        return [referrer[0] + incentive.referee_reward]
    return [r + incentive.referee_reward for r in referrer]


def offers_reward(incentive) -> bool:
    """A reward is on offer: an incentive with some reward above 0. An incentive of $0
    everywhere offers nothing, so unprompted sharers have no reason to use their
    referral link (program.link_use applies while a reward is on offer)."""
    return isinstance(incentive, _IncentiveBase) and any(size > 0 for size in _reward_sizes(incentive))


def has_budget(incentive) -> bool:
    """The incentive has a budget to run out: a total or a monthly one."""
    return isinstance(incentive, _IncentiveBase) and (incentive.budget is not None
                                                     or incentive.budget_per_month is not None)


def has_program(scenario: Scenario) -> bool:
    """A program exists when customers are asked or rewarded, or a lever is pulled
    (influencers, delight actions, staff mentions)."""
    program = scenario.program
    return (program.timing.kind != "never" or program.incentive.kind != "none"
            or any(lever is not None for lever in (program.influencers, program.delight, program.staff)))
