"""Schema blocks of the program levers (seeding, influencers, targeted asking, delight,
staff, B2B renewal contracts and the sales pipeline): one line per parameter with its
unit, bounds, default and source, as in config.py, which re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .schema_base import MAX_PEOPLE, Days, Money, Probability, Strict  # noqa: F401


SeedingStrategy = Literal["random", "degree", "k_core", "influence"]


class CascadeEstimate(Strict):
    """How the ``influence`` strategy estimates a seed set's cascade: the Independent
    Cascade on the friendship graph, by live-edge samples (bond percolation)."""

    edge_probability: Probability | None = Field(None, description="Chance that one customer brings in one friend, the Independent Cascade p; unset: base_share * sum over channels of weight * conversion * reach [probability]. Source: assumption (the cascade reduction of docs/model.md).")
    samples: int = Field(32, ge=1, le=10_000, description="Live-edge graphs sampled to estimate cascade sizes [graphs]. Source: assumption (Kempe, Kleinberg & Tardos 2003 use Monte Carlo; 32 is rough: near the cascade's threshold its picks vary with the seed, and reached up to 4% fewer people than `degree`'s on independent-cascade.yaml's network at p 0.1, where 500 reached as many).")
    candidates: int = Field(2000, ge=1, le=MAX_PEOPLE, description="Only the best-connected this many people are candidates (CELF on a shortlist) [people]. Source: assumption (speed; hubs dominate on heavy-tailed graphs).")


class Seeding(Strict):
    count: int = Field(..., ge=0, le=MAX_PEOPLE, description="How many people to pick [people]. Source: scenario choice.")
    strategy: SeedingStrategy = Field("random", description="Who: random people, the best connected (degree), the deepest k-core, or greedy (CELF) on estimated cascade size (influence). Source: Kempe, Kleinberg & Tardos 2003; Kitsak et al. 2010 (k-core).")
    cascade: CascadeEstimate = Field(default_factory=CascadeEstimate, description="Cascade estimate of the influence strategy.")


class PipelineStage(Strict):
    name: str = Field("stage", min_length=1, max_length=60, description="Label, e.g. qualified, demo, proposal, closed. Source: scenario choice.")
    mean_days: float = Field(..., ge=0, le=3650, description="Mean days a lead spends in this stage (geometric, 0 or more) [days]. Source: scenario choice (B2B sales cycles of 3-6 months).")
    drop_off: Probability = Field(0.0, description="Share of leads lost in this stage [fraction]. Source: scenario choice.")


class PipelineLag(Strict):
    """B2B: a converted invitation is a sales lead that passes each stage in turn (or drops out) before the deal closes."""

    kind: Literal["pipeline"]
    stages: list[PipelineStage] = Field(
        default_factory=lambda: [PipelineStage(name="qualified", mean_days=14, drop_off=0.3), PipelineStage(name="demo", mean_days=21, drop_off=0.3),
                                 PipelineStage(name="proposal", mean_days=30, drop_off=0.2)],
        min_length=1, max_length=20, description="Stages from lead to closed deal, in order.")
    valid_days: int = Field(180, ge=0, le=3650, description="Leads still open after this many days are lost [days]. Source: assumption (two quarters).")

    @property
    def mean_days(self) -> float:
        """Mean days from lead to closed deal: the stages' means added up."""
        return float(sum(stage.mean_days for stage in self.stages))

    @model_validator(mode="after")
    def _stages_fit_validity(self):
        total = self.mean_days
        if total > self.valid_days:
            raise ValueError(f"stages: stage means sum to {total:g} days, past valid_days ({self.valid_days}); "
                             f"shorten the stages or give valid_days of at least {total:g}")
        return self


class Influencers(Strict):
    count: int = Field(10, ge=0, le=MAX_PEOPLE, description="Influencers recruited among the people who are not initial customers; they become customers on day 0 [people]. Source: scenario choice.")
    cost_each: Money = Field(500.0, description="Fee per influencer, paid on day 1 [currency]. Source: assumption (micro-influencer post fees, hundreds of dollars).")
    strategy: SeedingStrategy = Field("degree", description="Who is recruited (as population.initial_customers strategies). Source: practice (brands recruit the best connected).")
    reach_boost: float = Field(3.0, ge=1, le=1000, description="Invitations per influencer share relative to an ordinary share [-]. Source: assumption (sponsored posts are promoted).")
    conversion: Probability = Field(0.05, description="Conversion of one influencer invitation (replaces the channel's base conversion) [probability]. Source: assumption (between broadcast 3% and direct 10%).")
    posts: int = Field(1, ge=0, le=1000, description="Sponsored posts per influencer, the first on day 1 [shares]. Source: scenario choice.")
    post_interval_days: int = Field(30, ge=1, le=3650, description="Days between sponsored posts [days]. Source: scenario choice.")
    cascade: CascadeEstimate = Field(default_factory=CascadeEstimate, description="Cascade estimate of the influence strategy.")


class Targeting(Strict):
    rank_by: Literal["satisfaction", "degree", "tenure", "random"] = Field("satisfaction", description="Who of the due customers is asked first. Source: practice (ask the happiest customers first).")
    daily_capacity: int = Field(..., ge=0, le=MAX_PEOPLE, description="Most asks a day (account managers' time); the rest wait [asks/day]. Source: scenario choice.")
    cost_per_ask: Money = Field(0.0, description="Cost of one ask (staff time) [currency]. Source: scenario choice.")


class Delight(Strict):
    rate: Probability | None = Field(None, description="Daily probability that a targeted active customer gets a delight action; give rate or share [1/day]. Source: scenario choice.")
    share: Probability | None = Field(None, description="Share of targeted active customers delighted every every_days days; give rate or share [fraction]. Source: scenario choice.")
    every_days: int | None = Field(None, ge=1, le=3650, description="Days between waves when share is given (first wave on that day); unset: 90 with share; refused beside rate, which has no waves [days]. Source: scenario choice (quarterly).")
    target: Literal["all", "passives", "promoters"] = Field("passives", description="Who can be delighted, by current NPS segment. Source: practice (turn passives into promoters).")
    cost_each: Money = Field(5.0, description="Cost of one gift or upgrade [currency]. Source: assumption.")
    satisfaction_boost: float = Field(1.5, ge=0, le=10, description="Points added to the score (clipped to 10) while it lasts [points]. Source: assumption (surprise and delight moves a passive of 7.5 or more to a promoter).")
    lasts_days: int = Field(60, ge=1, le=3650, description="How long the boost lasts [days]. Source: assumption.")

    @property
    def wave_days(self) -> int:
        """Days between waves: every_days, 90 (quarterly) where unset."""
        return self.every_days if self.every_days is not None else 90

    @model_validator(mode="after")
    def _rate_or_share(self):
        if (self.rate is None) == (self.share is None):
            raise ValueError("give exactly one of rate (daily probability) or share (fraction per wave)")
        if self.rate is not None and self.every_days is not None:
            # waves come with share only: {rate: 0.1, every_days: 30} validated and gave daily gifts, not monthly waves
            raise ValueError("every_days: waves come with share, and rate is a daily probability with none; give share "
                             "(a fraction per wave) for waves every every_days days, or leave every_days out")
        return self


class Staff(Strict):
    touchpoint_rate: Probability = Field(0.01, description="Daily probability that staff mention the program to an active customer [1/day]. Source: assumption (a support or sales contact every few months).")
    moment_effect: float = Field(1.0, ge=0, le=10, description="Share multiplier of a staff mention relative to a program ask at purchase (an onboarding ask has 1.2, a milestone's 1.5) [-]. Source: assumption.")
    cost_per_day: Money = Field(0.0, description="Cost of the staff time per day [currency/day]. Source: scenario choice.")


class Renewal(Strict):
    every_days: int = Field(365, ge=1, le=36500, description="Contract length: customers can leave only on the anniversaries of joining [days]. Source: B2B practice (annual contracts).")
    notice_days: int = Field(30, ge=0, le=36500, description="Days before a renewal date by which the customer decides [days]. Source: B2B practice (30-90 days' notice).")

    @model_validator(mode="after")
    def _notice_within_period(self):
        if self.notice_days >= self.every_days:
            raise ValueError(f"notice_days: {self.notice_days} is not shorter than every_days ({self.every_days}); valid: 0..{self.every_days - 1}")
        return self
