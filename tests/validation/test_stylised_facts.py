"""Stylised facts: what published studies say a referral program does, checked on
the model as direction and rough size.

Each test is one paired comparison (designs on the same seeds and graph: common
random numbers) on a small population, names its source, and states its
tolerance. Sizes that the model takes as assumptions are checked only for
direction; sizes the defaults are calibrated to are checked against the source.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario
from simulator.config import Scenario
from simulator.engine import Engine
from simulator.metrics import COLUMN_INDEX as C
from simulator.metrics import run_summary
from simulator.rng import replicate_seeds
from simulator.runner import baseline_of
from simulator.state import NEVER

from ..conftest import ROOT

DEFAULT = ROOT / "scenarios" / "default.yaml"


def world(*overrides: str, size: int = 4000, days: int = 180) -> Scenario:
    """scenarios/default.yaml on a smaller population and horizon, with overrides."""
    return load_scenario(DEFAULT, [f"population.size={size}", f"population.initial_customers={size // 50}",
                                   f"days={days}", *overrides])


def runs(scenario: Scenario, replicates: int = 3) -> list[Engine]:
    return [Engine(scenario, seed).run() for seed in replicate_seeds(7, replicates)]


def total(engines: list[Engine], column: str) -> float:
    return float(sum(e.daily[1:, C[column]].sum() for e in engines))


def asked_shares(engines: list[Engine]) -> float:
    return total(engines, "shares") - total(engines, "spontaneous_shares")


def referred(engines: list[Engine]) -> float:
    return float(sum((e.people.referred_by >= 0).sum() for e in engines))


# Promoters only, asked once on the first day after joining, no reward: the share
# probability of an ask is then base_share x moment x fatigue^k, nothing else.
PROMOTERS = ("satisfaction={kind: constant, value: 9.5}", "program.incentive={kind: none}")


def test_double_sided_beats_single_sided_at_equal_company_cost():
    """Gershon, Cryder & John (2020); seeds 000-003: splitting a reward between
    referrer and friend brings more referred customers than giving it all to the
    referrer. $20 per referral either way, paid on signup (so every referral costs
    the company $20 in both designs). Checked: more referred customers (direction;
    the model's size rests on the assumed referee uplifts), over 3 paired runs, by
    at least 3% (the expected gap is ~15%; 3 runs of ~1,000 referrals each have SD ~3%)."""
    common = ("program.incentive.paid_on=signup",)
    single = runs(world("program.incentive={kind: single_sided, referrer_reward: 20}", *common))
    double = runs(world("program.incentive={kind: double_sided, referrer_reward: 10, referee_reward: 10}", *common))
    assert referred(double) > 1.03 * referred(single), (referred(double), referred(single))


def test_rewards_have_diminishing_returns():
    """Wolters, Schulze & Gedenk (2020): a larger reward raises the likelihood of
    referring at a falling rate. Double-sided rewards of $0, $25, $50 and $100 per
    side: shares per ask rise with every step, and the rise per extra dollar falls
    from the first step to the last (expected ~10x; with ~1,500 asks per design
    the share rate's SE is ~0.01, far below the steps). Shares per ask, not referred
    customers: on a small population the cascades that follow make referral counts
    too noisy to compare steps."""
    counts = {}
    for reward in (0, 25, 50, 100):
        engines = runs(world(f"program.incentive={{kind: double_sided, referrer_reward: {reward}, referee_reward: {reward}}}"))
        counts[reward] = asked_shares(engines) / total(engines, "asks")
    first = (counts[25] - counts[0]) / 25
    last = (counts[100] - counts[50]) / 50
    assert counts[0] < counts[25] < counts[50] < counts[100], counts
    assert first > 2 * last, counts


def test_larger_rewards_lower_the_value_of_referred_customers():
    """Wolters, Schulze & Gedenk (2020): larger rewards bring less profitable referred
    customers (and Lewis 2006: promotion-acquired customers are worth less). Referred
    LTV relative to organic, $0 vs $100 a side, on the same 24 seeds of a 6,000-person
    world over a year: it falls by at least 5% (expected ~12%: a fifth reward seekers
    at twice the churn and 80% of the margin; one seed's paired ratio has SD ~12%,
    so the mean of 24 has ~2.5% and the margin is about 3 standard errors)."""
    def ltv_ratio(reward):
        scenario = world(f"program.incentive={{kind: double_sided, referrer_reward: {reward}, referee_reward: {reward}}}",
                         size=6000, days=365)
        return np.mean([run_summary(e)["ltv_ratio"] for e in runs(scenario, 24)])

    small_reward, large_reward = ltv_ratio(0), ltv_ratio(100)
    assert large_reward < 0.95 * small_reward, (small_reward, large_reward)


def test_a_milestone_ask_beats_a_purchase_ask_for_satisfied_customers():
    """A satisfied customer asked at a success moment shares more than the same
    customer asked at checkout (docs/model.md, moment of the ask; direction from the
    peak-end rule, Kahneman et al. 1993, and referral practice). Promoters only, one
    ask, no reminder: at purchase (day 1) vs a fixed milestone on tenure day 28 that
    every customer reaches. Shares per ask: 1.5x (moment_effect.milestone), checked
    within 1.3-1.7 over 12 replicates (1,100-1,400 asks a design: SE of the ratio ~0.1).
    The customers there on day 0 are not asked: their launch ask has a campaign's
    moment in both designs, and would water the ratio down."""
    none = "reminders: {count: 0}"
    launch = "program.launch={ask_existing: never}"
    purchase = runs(world(*PROMOTERS, launch, f"program.timing={{kind: at_purchase, delay_days: 0, {none}}}"), 12)
    milestone = runs(world(*PROMOTERS, launch, f"program.timing={{kind: milestone, delay_days: 28, schedule: fixed, "
                                               f"reach_share: 1, min_satisfaction: 0, {none}}}"), 12)
    per_ask = lambda engines: asked_shares(engines) / total(engines, "asks")
    assert 1.3 <= per_ask(milestone) / per_ask(purchase) <= 1.7, (per_ask(milestone), per_ask(purchase))


def test_reminders_raise_shares_with_diminishing_returns_near_the_reported_size():
    """Reminder uplift reports: about 2.6x the shares of the first ask alone with
    three reminders. Promoters, no reward, asked at purchase, reminders a week apart
    (fatigue 0.9, each reminder annoying 5% of the asked): shares per first ask with
    3 reminders / with none, within 2.2-3.0 (expected ~2.55; ~1,500 first asks per
    design: SE of the ratio ~0.1); the first reminder adds more than the next two
    together add per reminder."""
    per_first_ask = {}
    for count in (0, 1, 3):
        engines = runs(world(*PROMOTERS, f"program.timing={{kind: at_purchase, delay_days: 0, "
                                         f"reminders: {{count: {count}, interval_days: 7}}}}"))
        first_asks = sum(int((e.people.asks > 0).sum()) for e in engines)
        per_first_ask[count] = asked_shares(engines) / first_asks
    ratio = per_first_ask[3] / per_first_ask[0]
    assert 2.2 <= ratio <= 3.0, per_first_ask
    assert per_first_ask[1] - per_first_ask[0] > (per_first_ask[3] - per_first_ask[1]) / 2, per_first_ask


def test_referred_customers_are_worth_more_and_churn_less():
    """Schmitt, Skiera & Van den Bulte (2011): referred customers are about 16% more
    valuable and 18% less likely to churn. scenarios/default.yaml, 4 replicates:
    realised churn hazard of referred / organic customers (churn events per
    customer-day) within 0.72-0.92, and LTV ratio within 1.06-1.28 (one run's LTV
    ratio has SD ~0.08, its hazard ratio ~0.05; the bands are about 2 SE of the mean
    of 4 around the targets)."""
    scenario = load_scenario(DEFAULT)
    engines = runs(scenario, 4)
    hazard = lambda e, group: e.churn_events[group] / e.customer_days[group]
    hazard_ratio = np.mean([hazard(e, "referred") / hazard(e, "organic") for e in engines])
    ltv_ratio = np.mean([run_summary(e)["ltv_ratio"] for e in engines])
    assert 0.72 <= hazard_ratio <= 0.92, hazard_ratio
    assert 1.06 <= ltv_ratio <= 1.28, ltv_ratio


def test_most_satisfied_customers_are_willing_to_refer_but_few_do():
    """Act-On / Texas Tech survey: 83% of satisfied customers are willing to refer,
    29% do (Kumar et al. 2007: 68% -> 33%, 81% -> 30%). scenarios/default.yaml over a
    year: customers who would recommend (score >= 7) are 80-90% of customers, and of
    those who were customers for at least 90 days the share who brought at least one
    referred customer is within 10-45% (the surveys' 29-33% with room for the model's
    horizon and channel assumptions): a gap of at least 40 points."""
    engine = runs(load_scenario(DEFAULT), 1)[0]
    p = engine.people
    joined = (p.adopted_day != NEVER) & (p.adopted_day <= engine.day - 90)
    willing = float((p.satisfaction[joined] >= 7).mean())
    children = np.bincount(p.referred_by[p.referred_by >= 0], minlength=p.n)
    did_refer = float((children[joined] > 0).mean())
    assert 0.80 <= willing <= 0.90 and 0.10 <= did_refer <= 0.45, (willing, did_refer)
    assert willing - did_refer >= 0.40


def test_k_factor_stays_below_one_by_default():
    """The seeds warn not to expect virality: referred customers per customer (K)
    below 1 in the default scenario, in every one of 3 replicates. (K here counts
    every referral, unprompted word of mouth included, which the Bass-consistent
    q makes strong: ~0.9.)"""
    ks = [run_summary(e)["k_factor"] for e in runs(load_scenario(DEFAULT), 3)]
    assert all(0 < k < 1 for k in ks), ks


def test_negative_word_of_mouth_lowers_adoption_organic_included():
    """Negative word of mouth lowers adoption (Arndt 1967; East, Hammond & Wright
    2008), organic adoption included. Half the customers detractors, rate 0 vs 0.05
    per detractor-day, paired on 3 seeds: organic adopters fall by at least 3% and
    all adopters by at least 3% (expected ~10% with the 30% penalties). Organic rate
    0.0005 a day so that organic adopters are many (~2,000 per design: SD ~2%)."""
    mix = ("satisfaction={kind: nps_mix, promoters: 0.3, passives: 0.2}", "acquisition.organic_rate=0.0005")
    quiet = runs(world(*mix, "negative_word_of_mouth.rate=0", days=365))
    loud = runs(world(*mix, "negative_word_of_mouth.rate=0.05", days=365))
    adopters = lambda engines: total(engines, "new_organic") + total(engines, "new_referred")
    assert total(loud, "new_organic") < 0.97 * total(quiet, "new_organic"), (total(loud, "new_organic"), total(quiet, "new_organic"))
    assert adopters(loud) < 0.97 * adopters(quiet)


def test_negative_to_positive_word_of_mouth_is_about_one_to_three():
    """East, Hammond & Wright (2007): positive word of mouth is about three times as
    frequent as negative. The no-program twin of the default scenario over a year:
    negative messages / unprompted positive shares within 0.22-0.45 (target 0.33;
    detractors churn faster than the rest, which lowers it a little; ~1,000 messages)."""
    engines = runs(baseline_of(load_scenario(DEFAULT)), 2)
    ratio = total(engines, "negative_messages") / total(engines, "spontaneous_shares")
    assert 0.22 <= ratio <= 0.45, ratio


@pytest.mark.slow
def test_dropbox_lands_within_its_documented_ranges():
    """Houston (2010), scenarios/dropbox-2008.yaml (1 : 1,000): registered users grow
    ~40x in 487 days (within a factor 3), the program lifts sign-ups by ~60% over
    the no-program twin on the same seed (adopters / twin adopters - 1 within
    +30%..+100%), and ~35% of sign-ups are tracked referrals (referred_share within
    0.27-0.43; one run's SD is ~0.01, the band allows for the scale-down)."""
    scenario = load_scenario(ROOT / "scenarios" / "dropbox-2008.yaml")
    seed = replicate_seeds(scenario.seed, 1)[0]
    engine = Engine(scenario, seed).run()
    twin = Engine(baseline_of(scenario), seed, network=engine.network).run()
    registered = engine.daily[:, C["customers"]] + engine.daily[:, C["churned"]]
    program, baseline = run_summary(engine), run_summary(twin)
    lift = program["adopters"] / baseline["adopters"] - 1
    assert 40 / 3 <= registered[-1] / registered[0] <= 40 * 3, registered[-1] / registered[0]
    assert 0.3 <= lift <= 1.0, lift
    assert 0.27 <= program["referred_share"] <= 0.43, program["referred_share"]
