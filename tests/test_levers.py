"""The program levers (docs/model.md, "Program levers"): seeding strategies and
influencers, targeted asking with a daily capacity, delight actions, staff
mentions, renewal churn and the sales pipeline. Each test asserts a property
that a wrong model would break: a reference cascade, a capacity or conservation
law, a cost identity, a closed form."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from simulator.behaviour import pipeline, seeding
from simulator.behaviour.churn import base_daily_hazard
from simulator.config import PipelineLag, Scenario
from simulator.engine import PROGRAM_COSTS, Engine
from simulator.metrics import COLUMN_INDEX as C
from simulator.rng import replicate_seeds

from .conftest import small
from .validation.cascade_runs import cascade_scenario, network_from_csr
from .validation.reference import csr_from_networkx, cynetdiff_final_sizes


def column(engine: Engine, name: str) -> np.ndarray:
    return engine.daily[:, C[name]]


# ----------------------------------------------------------------------------- seeding

P_CASCADE, SEEDS, RUNS = 0.12, 10, 40


@pytest.fixture(scope="module")
def heavy_tailed():
    """A Barabasi-Albert graph (heavy-tailed degrees) as networkx graph, CSR and engine network."""
    graph = nx.barabasi_albert_graph(1500, 2, seed=5)
    indptr, indices = csr_from_networkx(graph)
    return graph, (indptr, indices), network_from_csr(indptr, indices)


def cascade_runs(strategy: str, network, runs: int = RUNS) -> tuple[np.ndarray, list[np.ndarray]]:
    """Final sizes of the cascade reduction with ``SEEDS`` initial customers picked by ``strategy``, and the seed sets."""
    scenario = cascade_scenario(P_CASCADE, initial_customers={"count": SEEDS, "strategy": strategy}, days=60)
    engines = [Engine(scenario, seed, network=network).run() for seed in replicate_seeds(scenario.seed, runs)]
    sizes = np.array([int((e.people.adopted_day >= 0).sum()) for e in engines])
    return sizes, [np.flatnonzero(e.people.adopted_day == 0) for e in engines]


def test_degree_seeding_beats_random_by_the_reference_cascade_amount(heavy_tailed):
    """refsim's gain of degree over random seeding in the cascade reduction equals
    cynetdiff's Independent Cascade gain from the same seed sets on the same graph.
    Tolerance: 4 standard errors of the difference of the two gains (40 engine runs
    per strategy, 20 reference cascades per seed set); the gain itself is several
    times that, so a degree strategy that picked the wrong people would fail."""
    _, csr, network = heavy_tailed
    ours, reference = {}, {}
    for strategy in ("degree", "random"):
        sizes, seed_sets = cascade_runs(strategy, network)
        ref = np.concatenate([cynetdiff_final_sizes(csr, P_CASCADE, seeds.tolist(), 20, seed=i) for i, seeds in enumerate(seed_sets)])
        ours[strategy], reference[strategy] = sizes, ref
        assert all(len(s) == SEEDS for s in seed_sets)
    gain = ours["degree"].mean() - ours["random"].mean()
    ref_gain = reference["degree"].mean() - reference["random"].mean()
    se = np.sqrt(sum(v.var(ddof=1) / len(v) for v in (*ours.values(), *reference.values())))
    assert ref_gain > 4 * se, "the graph and p should make hubs matter"
    assert abs(gain - ref_gain) < 4 * se, f"refsim gain {gain:.1f}, reference {ref_gain:.1f}, se {se:.1f}"


def test_degree_strategy_picks_the_hubs(heavy_tailed):
    _, _, network = heavy_tailed
    chosen = seeding.pick(network, SEEDS, "degree", np.random.default_rng(0))
    assert network.degree[chosen].min() >= np.sort(network.degree)[-SEEDS]


def test_influence_is_no_worse_than_degree(heavy_tailed):
    """Greedy (CELF) on the estimated cascade versus hubs, each seed set scored by 3,000
    cynetdiff cascades; tolerance 3 standard errors of the difference."""
    _, csr, network = heavy_tailed
    scenario = cascade_scenario(P_CASCADE, initial_customers={"count": SEEDS, "strategy": "influence"}, days=60)
    sets = {strategy: np.flatnonzero(Engine(cascade_scenario(P_CASCADE, initial_customers={"count": SEEDS, "strategy": strategy}, days=60),
                                            7, network=network).people.adopted_day == 0)
            for strategy in ("influence", "degree")}
    assert scenario.population.initial_customers.strategy == "influence"
    scores = {k: cynetdiff_final_sizes(csr, P_CASCADE, v.tolist(), 3000, seed=3) for k, v in sets.items()}
    se = np.sqrt(sum(s.var(ddof=1) / len(s) for s in scores.values()))
    assert scores["influence"].mean() >= scores["degree"].mean() - 3 * se


def test_k_core_picks_the_deepest_core(heavy_tailed):
    graph, _, network = heavy_tailed
    core = nx.core_number(graph)
    chosen = seeding.pick(network, 5, "k_core", np.random.default_rng(1))
    assert min(core[int(i)] for i in chosen) == max(core.values())


def test_random_strategy_draws_as_a_plain_count():
    """{count, strategy: random} and a plain count are the same draw (common random numbers)."""
    a = Engine(small(population={"initial_customers": 40}), 3)
    b = Engine(small(population={"initial_customers": {"count": 40, "strategy": "random"}}), 3)
    assert np.array_equal(a.people.adopted_day == 0, b.people.adopted_day == 0)


# ----------------------------------------------------------------------------- influencers


def test_influencers_join_share_further_and_cost_once():
    cfg = {"count": 15, "cost_each": 300, "strategy": "degree", "reach_boost": 4, "conversion": 0.05, "posts": 2,
           "post_interval_days": 30}
    engine = Engine(small(program={"influencers": cfg}), 5).run()
    influencers = np.flatnonzero(engine._influencer)
    assert len(influencers) == 15 and (engine.people.adopted_day[influencers] == 0).all()
    assert engine.network.degree[influencers].min() >= np.sort(engine.network.degree)[-15]
    cost = column(engine, "influencer_cost")
    assert cost[1] == 15 * 300 and cost.sum() == 15 * 300
    # every active influencer posts on days 1 and 31
    assert column(engine, "influencer_shares")[1] >= 15 and column(engine, "influencer_shares")[31] >= 1
    plain = Engine(small(), 5).run()
    assert (engine.people.referred_by >= 0).sum() > (plain.people.referred_by >= 0).sum()


@pytest.mark.parametrize("strategy", ["degree", "k_core", "influence", "random"])
def test_influencers_are_recruited_among_people_who_are_not_yet_customers(strategy):
    """Initial customers and influencers both picked by degree: all 20 influencers had been
    initial customers already, so day 0 held 100 customers where 120 were bought, and the
    fees paid for nobody new. Influencers are recruited among the others: 120 customers on
    day 0, and by degree the next 20 after the initial 100 (ties broken by the stream)."""
    people = {"population": {"initial_customers": {"count": 100, "strategy": "degree"}}}
    engine = Engine(small(**people, program={"influencers": {"count": 20, "strategy": strategy, "cost_each": 400}}), 3)
    initial, influencers = engine._initial_ids, np.flatnonzero(engine._influencer)
    assert len(influencers) == 20 and not np.isin(influencers, initial).any()
    assert (engine.people.adopted_day == 0).sum() == 120
    if strategy == "degree":   # the 20 best connected after the 100 best connected
        degree = engine.network.degree
        top = np.sort(degree)[::-1]
        assert degree[influencers].min() >= top[119] and degree[influencers].max() <= top[100]
    # where none of the initial customers would have been picked, the pick is the one made without them
    apart = Engine(small(program={"influencers": {"count": 20, "strategy": "degree"}}), 3)
    from simulator.behaviour import seeding

    alone = seeding.pick(apart.network, 20, "degree", apart.streams("influencers"))
    assert not np.isin(alone, apart._initial_ids).any()
    assert np.array_equal(np.flatnonzero(apart._influencer), alone)


def test_more_influencers_than_people_is_an_error():
    with pytest.raises(ValueError, match="program.influencers.count"):
        small(program={"influencers": {"count": 5000}})


# ----------------------------------------------------------------------------- targeted asking


def capacity_scenario(capacity: int) -> Scenario:
    """Every customer is due exactly one ask (at purchase, no reminders; the customers of
    day 0 as if they had just joined) and nobody leaves, so the due asks are known: one
    per customer who joined before the last day."""
    return small(days=90, churn={"monthly_rate": 0.0}, fraud={"share": 0.0},
                 program={"timing": {"kind": "at_purchase", "delay_days": 0, "reminders": {"count": 0}},
                          "launch": {"ask_existing": "as_new"},
                          "targeting": {"rank_by": "satisfaction", "daily_capacity": capacity, "cost_per_ask": 3}})


@pytest.mark.parametrize("capacity", [0, 1, 25])
def test_capacity_is_never_exceeded_and_no_due_ask_is_dropped(capacity):
    engine = Engine(capacity_scenario(capacity), 2).run()
    asks = column(engine, "asks")
    assert asks.max() <= capacity
    due = int(((engine.people.adopted_day >= 0) & (engine.people.adopted_day < engine.scenario.days)).sum())
    assert asks.sum() + column(engine, "ask_queue")[-1] == due
    assert np.array_equal(column(engine, "ask_cost"), asks * 3)
    if capacity == 1:
        assert column(engine, "ask_queue")[-1] > 0, "the case should leave a queue"


@pytest.mark.parametrize("rank_by", ["satisfaction", "random"])
@pytest.mark.parametrize("timing", [
    {"kind": "onboarding", "delay_days": 2, "reminders": {"count": 2, "interval_days": 5}},
    {"kind": "campaign", "days": [10, 40], "reminders": {"count": 1, "interval_days": 7}},
])
def test_a_capacity_that_never_binds_is_the_run_without_targeting(rank_by, timing):
    """Account managers who can ask everyone due each day ask the customers the timing
    model asks, on the days it asks them: the run is the run without targeting, bit for
    bit (common random numbers), but for what the asks cost (asks x cost_per_ask, taken
    from profit). Equivalence, no tolerance. (The asked were handed to the share stage
    in rank order, so each drew another customer's uniform: same law, another run, and
    a paired comparison with the untargeted design carried noise the lever did not make.)"""
    cost = 2.0
    # targeting runs on the numpy stages only: the run without it is taken on the same path
    free = Engine(small(days=90, program={"timing": timing}), 4, kernel=False).run()
    managed = Engine(small(days=90, program={"timing": timing, "targeting": {
        "daily_capacity": 10**6, "rank_by": rank_by, "cost_per_ask": cost}}), 4, kernel=False).run()
    assert column(managed, "ask_queue").max() == 0   # the capacity never binds
    assert np.array_equal(column(managed, "ask_cost"), cost * column(managed, "asks"))
    money = [C[name] for name in ("ask_cost", "profit", "cumulative_profit")]
    rest = [i for i in range(free.daily.shape[1]) if i not in money]
    assert np.array_equal(free.daily[:, rest], managed.daily[:, rest])
    assert np.allclose(managed.daily[:, C["cumulative_profit"]],
                       free.daily[:, C["cumulative_profit"]] - np.cumsum(column(managed, "ask_cost")))


def test_targeting_asks_the_happiest_first():
    engine = Engine(capacity_scenario(4), 2)
    engine.step()
    asked = np.flatnonzero(engine.people.asks > 0)
    waiting = engine._ask_queue
    assert len(asked) == 4 and len(waiting)
    assert engine.people.satisfaction[asked].min() >= engine.people.satisfaction[waiting].max()


def test_targeting_by_tenure_asks_the_longest_standing_existing_customers_first():
    """rank_by: tenure counted from adopted_day alone, 0 for every customer of day 0, so
    the launch queue was ordered by the random key (Spearman -0.007 between the day asked
    and the tenure drawn). Tenure counts from signing, before the run for them, as
    satisfaction drift and renewal count it."""
    scenario = capacity_scenario(4).model_copy(update={"churn": small(churn={"monthly_rate": 0.05}).churn})
    scenario.program.targeting.rank_by = "tenure"
    engine = Engine(scenario, 2)
    engine.step()
    asked, waiting = np.flatnonzero(engine.people.asks > 0), engine._ask_queue
    tenure = engine.people.tenure_at_start
    assert len(asked) == 4 and len(waiting) and len(np.unique(tenure[waiting])) > 1   # drawn: they differ
    assert tenure[asked].min() >= tenure[waiting].max()


# ----------------------------------------------------------------------------- delight and staff


def test_delight_cost_is_actions_times_cost_each_and_raises_sharing():
    """Cost identity every day; and the boost raises sharing: the same people are
    delighted with a +2 boost or none (the boost draws nothing), and with it delighted
    passives (share effect 0.35) share like promoters (1.0), so each of three seeds
    brings more shares."""
    for seed in (4, 5, 6):
        shares = {}
        for boost in (0.0, 2.0):
            delight = {"rate": 0.2, "target": "passives", "cost_each": 7, "satisfaction_boost": boost, "lasts_days": 120}
            engine = Engine(small(word_of_mouth={"spontaneous_rate": 0.02}, program={"delight": delight}), seed).run()
            actions = column(engine, "delight_actions")
            assert actions.sum() > 0
            assert np.array_equal(column(engine, "delight_cost"), actions * 7)
            shares[boost] = column(engine, "spontaneous_shares").sum()
        assert shares[2.0] > shares[0.0]


def test_a_delighted_passive_scores_as_a_promoter_while_it_lasts():
    delight = {"rate": 1.0, "target": "passives", "cost_each": 1, "satisfaction_boost": 2, "lasts_days": 5}
    engine = Engine(small(satisfaction={"kind": "constant", "value": 7.5}, program={"delight": delight}), 3)
    engine.step()
    delighted = np.flatnonzero(engine.people.adopted_day == 0)  # the customers at the start of day 1
    assert column(engine, "delight_actions")[1] == len(delighted)
    assert (engine._scores(delighted, 5) == 9.5).all()   # day 1 to day 5: lasts_days
    assert (engine._scores(delighted, 6) == 7.5).all()


def test_a_customer_still_boosted_is_not_delighted_again():
    """Passives at 7.2 stay passives under a boost of 1.5, so they stayed in the pool and
    were gifted about every 20 days although a gift lasts 60: $50,000 of gifts for no
    more sharing. While a boost is on its customer is not chosen again: nobody is gifted
    twice within lasts_days, and each is gifted about once a cycle of lasts_days plus the
    wait (1 - rate) / rate for the next draw."""
    lasts, rate = 60, 0.05
    delight = {"rate": rate, "target": "passives", "cost_each": 5, "satisfaction_boost": 1.5, "lasts_days": lasts}
    engine = Engine(small(days=360, satisfaction={"kind": "constant", "value": 7.2}, churn={"monthly_rate": 0.0},
                          program={"delight": delight}), 5)
    last = np.full(engine.people.adopted_day.shape, -10**6)
    gaps = []
    for day in range(1, 361):
        engine.step()
        chosen = np.flatnonzero(engine._delight_actions.until == day + lasts - 1)
        gaps += list(day - last[chosen])
        last[chosen] = day
    assert gaps and min(gaps) >= lasts, min(gaps)   # never again while the boost is on (days day .. day + lasts - 1)
    customers = column(engine, "customers")[1:]
    # the steady state: one gift per customer per cycle of lasts + (1 - rate) / rate days
    expected = (customers / (lasts + (1 - rate) / rate)).sum()
    assert abs(column(engine, "delight_actions").sum() - expected) < 0.15 * expected


def test_delight_waves_reach_the_share_of_targeted_customers():
    delight = {"share": 0.5, "every_days": 30, "target": "all", "cost_each": 1}
    engine = Engine(small(fraud={"share": 0.0}, program={"delight": delight}), 4).run()
    actions = column(engine, "delight_actions")
    assert set(np.flatnonzero(actions)) <= {30, 60, 90, 120}
    assert actions[30] == round(0.5 * column(engine, "customers")[29])
    # every_days left out: quarterly waves, on day 90 of the 120 (docs/model.md: unset, 90 with share)
    quarterly = Engine(small(fraud={"share": 0.0}, program={"delight": {"share": 0.5, "target": "all"}}), 4).run()
    assert set(np.flatnonzero(column(quarterly, "delight_actions"))) == {90}


def test_staff_mentions_cost_per_day_and_add_shares():
    staff = {"touchpoint_rate": 0.02, "moment_effect": 1.5, "cost_per_day": 40}
    engine = Engine(small(program={"staff": staff}), 6).run()
    assert np.array_equal(column(engine, "staff_cost")[1:], np.full(engine.scenario.days, 40.0))
    plain = Engine(small(), 6).run()
    assert column(engine, "shares").sum() > column(plain, "shares").sum()
    # mentions ~ Binomial(customers, rate) a day: within 5 standard errors of the total
    customer_days = column(engine, "customers")[:-1].sum()
    expected = 0.02 * customer_days
    assert abs(column(engine, "staff_asks").sum() - expected) < 5 * np.sqrt(expected)


def test_lever_costs_are_taken_from_profit():
    engine = Engine(small(program={"staff": {"cost_per_day": 10}, "delight": {"rate": 0.01},
                                   "influencers": {"count": 3, "cost_each": 100},
                                   "targeting": {"daily_capacity": 5, "cost_per_ask": 1}}), 8).run()
    costs = sum(column(engine, name) for name in PROGRAM_COSTS)
    expected = column(engine, "revenue") - column(engine, "reward_cost") - column(engine, "acquisition_cost") - costs
    np.testing.assert_allclose(column(engine, "profit"), expected)
    np.testing.assert_allclose(column(engine, "cumulative_profit"), np.cumsum(expected))


def test_the_programs_cost_per_customer_counts_the_levers_costs_and_every_reward_earned():
    """incremental_roi and incremental_cac divided by the reward cost alone: with account
    managers at $25 an ask, a strategist's CAC read $5.8 against $305 with their time.
    program_cost is the reward cost plus every lever cost of the daily table. The two
    ratios are taken on it plus the rewards still owed (paid on qualification: referrals
    of the last weeks) and those earned beyond a budget, the costs incremental_value is
    net of: on program_cost alone a tight budget bought customers at a third of their
    price by leaving their rewards unpaid (paid on signup, before a budget closed the offer
    at the first referral it could not pay; now only a claim dearer than it reserved, or
    one a spent allowance deferred, can be unpaid). The no-program twin has no lever, no
    reward."""
    from simulator.runner import run_replicate

    levers_only = {"staff": {"cost_per_day": 10}, "targeting": {"daily_capacity": 5, "cost_per_ask": 3}}
    runs = {"no budget": small(program=levers_only),
            # a budget that runs out and asks on, unrewarded
            "budget 202": small(program={**levers_only, "incentive": {"budget": 202, "on_budget_exhausted": "rewards_only",
                                                                      "paid_on": "signup"}})}
    for name, scenario in runs.items():
        out = run_replicate(scenario, 0, 8, baseline=True)
        m = out.metrics
        levers = sum(out.daily[:, C[cost]].sum() for cost in PROGRAM_COSTS)
        assert levers > 0 and m["program_cost"] == pytest.approx(m["reward_cost"] + levers)
        if name == "no budget":
            assert m["rewards_owed"] > 0, name   # the case this test is about: referrals of the last weeks
        else:
            assert out.metrics["budget_exhausted_day"] < scenario.days   # it binds
        cost = m["program_cost"] + m["rewards_owed"] + m["rewards_unpaid"]
        assert m["incremental_roi"] == pytest.approx(m["incremental_value"] / cost), name
        assert m["incremental_customers"] > 0, name
        assert m["incremental_cac"] == pytest.approx(cost / m["incremental_customers"]), name


def test_a_budget_that_never_binds_leaves_the_programs_return_unchanged():
    """A budget above what the run commits changes nothing the run does: paid on
    qualification it holds the rewards due after the horizon (reserved when their
    referrals were made), so rewards_owed keeps them and nothing is unpaid, and the
    value, its return and the cost per customer must not move. (Until 2026-12 a budget
    counted payments: one just above the spend charged the rewards owed after the
    horizon to rewards_unpaid instead.)"""
    from simulator.runner import run_replicate

    free = run_replicate(small(), 0, 8, baseline=True).metrics
    budget = 2 * (free["reward_cost"] + free["rewards_owed"]) + 100   # above what it commits
    capped = run_replicate(small(program={"incentive": {"budget": budget}}), 0, 8, baseline=True).metrics
    assert math.isnan(capped["budget_exhausted_day"]) and free["rewards_owed"] > 0
    assert capped["reward_cost"] == free["reward_cost"] and capped["rewards_unpaid"] == 0
    assert capped["rewards_owed"] == free["rewards_owed"]
    for metric in ("incremental_value", "incremental_roi", "incremental_cac"):
        assert capped[metric] == pytest.approx(free[metric], rel=1e-12), metric


# ----------------------------------------------------------------------------- renewal churn and the pipeline


def test_renewal_churn_only_at_renewal_dates_with_the_hazards_probability():
    """Nobody leaves between renewal dates (anniversaries of signing, which for the
    customers of day 0 lies tenure_at_start days back); the share of new customers
    leaving at their first renewal is 1 - exp(-h * (every - notice)), the hazard over
    the contract up to the decision day. Tolerance: 4 binomial standard errors."""
    every, notice, days = 60, 10, 200
    scenario = small(days=days, population={"size": 4000, "initial_customers": 200}, acquisition={"organic_rate": 0.02},
                     word_of_mouth={"spontaneous_rate": 0.0}, program={"timing": {"kind": "never"}, "incentive": {"kind": "none"}},
                     satisfaction={"kind": "constant", "value": 8.0},
                     churn={"monthly_rate": 0.08, "renewal": {"every_days": every, "notice_days": notice}})
    engine = Engine(scenario, 9).run()
    p = engine.people
    left = p.churn_day >= 0
    assert left.any()
    assert ((p.churn_day[left] - p.adopted_day[left] + p.tenure_at_start[left]) % every == 0).all()
    newcomers = (p.adopted_day > 0) & (p.adopted_day <= days - every)
    expected = 1 - np.exp(-base_daily_hazard(0.08) * (every - notice))
    share = ((p.churn_day - p.adopted_day == every) & newcomers).sum() / newcomers.sum()
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / newcomers.sum())


def test_accounts_past_the_tenure_cap_keep_their_contracts_phase():
    """Launch tenures are capped at 3,650 days (10 x 365): under renewal contracts every
    capped account renewed on the same day of the year, so a fifth of a B2B base at 1.5%
    a month left on days 365 and 730 (6 a day against 0.18 on the others). Past the cap a
    tenure keeps its phase within the contract, above the cap by less than a contract (no
    account past it reads younger: satisfaction drift and targeting read the tenure
    too): the phases of the accounts of day 0 spread over the year as an exponential
    tenure's do (each fifth of the year holds about a fifth of them: chi-square, 4
    degrees of freedom, under its 0.1% point 18.5), and a contract longer than the cap
    (5,000 days) has no day shared by more than 1% of the base (432 of 3,000 left on one)."""
    from simulator.engine_setup import MAX_TENURE

    base = existing_accounts(30, 3000, {"every_days": 365, "notice_days": 30})
    slow = base.model_copy(update={"churn": base.churn.model_copy(update={"monthly_rate": 0.015})})
    tenure = Engine(slow, 4).people.tenure_at_start
    tenure = tenure[tenure > 0]
    past = tenure >= MAX_TENURE
    assert past.sum() > 0.1 * len(tenure) and (tenure[past] < MAX_TENURE + 365).all()
    counts = np.bincount((tenure % 365) * 5 // 365, minlength=5)
    expected = len(tenure) / 5
    assert ((counts - expected) ** 2 / expected).sum() < 18.5, counts
    long = slow.model_copy(update={"churn": slow.churn.model_copy(update={"renewal": slow.churn.renewal.model_copy(
        update={"every_days": 5000})})})
    tenure = Engine(long, 4).people.tenure_at_start
    assert np.bincount(tenure[tenure > 0] % 5000).max() < 0.01 * (tenure > 0).sum()
    # without a contract the cap stays the cap (continuous churn reads no phase)
    plain = slow.model_copy(update={"churn": slow.churn.model_copy(update={"renewal": None})})
    assert Engine(plain, 4).people.tenure_at_start.max() == MAX_TENURE


def existing_accounts(days: int, size: int, renewal: dict | None) -> Scenario:
    """Only accounts of day 0, no inflow, one constant hazard (5% a month)."""
    return small(days=days, population={"size": size + 10, "initial_customers": size}, acquisition={"organic_rate": 0.0},
                 word_of_mouth={"spontaneous_rate": 0.0}, negative_word_of_mouth={"rate": 0.0},
                 network={"kind": "erdos_renyi", "mean_degree": 2}, satisfaction={"kind": "constant", "value": 8.0},
                 program={"timing": {"kind": "never"}, "incentive": {"kind": "none"}},
                 churn={"monthly_rate": 0.05, **({"renewal": renewal} if renewal else {})})


@pytest.mark.parametrize("kernel", [False, True])
def test_annual_contracts_without_notice_keep_exactly_the_year_ends_of_continuous_churn(kernel):
    """With a constant hazard h, one clock E per account and no notice, an account of day
    0 leaves under continuous churn in year k when h·365·(k−1) < E ≤ h·365·k, and under
    annual contracts at the one renewal date of year k when the hazard of its whole
    contract period reaches E: the same accounts, so the counts at each year end agree
    exactly. The hazard of the contract's days before day 0 was not counted, and a base
    of accounts lost 27% in its first contract year against 44% in the next ones."""
    ends = [365, 730, 1095]
    counts = []
    for renewal in (None, {"every_days": 365, "notice_days": 0}):
        engine = Engine(existing_accounts(1095, 3000, renewal), 3, kernel=kernel).run()
        counts.append(engine.daily[ends, C["customers"]])
    np.testing.assert_array_equal(counts[0], counts[1])
    assert counts[0][0] < 0.6 * 3000  # the check has leavers to count


@pytest.mark.parametrize("kernel", [False, True])
def test_a_base_under_contract_with_notice_loses_what_each_accounts_renewal_decides(kernel):
    """Each account of day 0 meets one renewal date in the first year: its first one
    when its tenure is under a year (a decision after 365 − notice days of hazard),
    else a later one (a whole year of hazard), including the accounts whose decision
    fell in the notice period before day 0. The first year's loss is the mean of
    1 − exp(−h · period) over the accounts (tolerance: 4 standard errors of that sum of
    Bernoullis). Before, accounts in the notice period never left in it and the
    hazard before day 0 was not counted: 6 standard errors short at 90 days' notice."""
    every, notice, size = 365, 90, 20_000
    engine = Engine(existing_accounts(365, size, {"every_days": every, "notice_days": notice}), 5, kernel=kernel).run()
    day0 = engine.people.adopted_day == 0
    tenure = engine.people.tenure_at_start[day0]
    assert day0.sum() == size
    h = base_daily_hazard(0.05)
    leave = 1 - np.exp(-h * np.where(tenure < every, every - notice, every))
    lost = size - engine.daily[365, C["customers"]]
    assert abs(lost - leave.sum()) < 4 * np.sqrt((leave * (1 - leave)).sum()), (lost, leave.sum())


@pytest.mark.parametrize("lever", [{"program": {"timing": {"kind": "never"}, "incentive": {"kind": "none"},
                                                "delight": {"rate": 0.0, "target": "passives", "cost_each": 5}}},
                                   {"satisfaction": {"kind": "constant", "value": 8.0, "drift_per_year": 1e-9}}])
def test_a_base_under_contract_loses_as_many_with_a_lever_that_moves_no_score(lever):
    """Where scores can move (a delight lever, a drift), the accounts of day 0 were not
    placed in their contracts: the hazard of their days before day 0 went uncounted, a
    base lost about a third fewer in its first year, and a delight lever giving no gift
    was 'sure' to add $389k in a B2B compare (its twin, without it, lost the right
    number). A lever that moves no score now loses exactly the accounts the base does
    (the numpy stages both, which the lever needs)."""
    every, notice, size = 365, 90, 5_000
    plain = existing_accounts(365, size, {"every_days": every, "notice_days": notice})
    levered = plain.model_validate({**plain.model_dump(), **{key: {**plain.model_dump()[key], **value}
                                                             for key, value in lever.items()}})
    counts = [Engine(s, 5, kernel=False).run().daily[:, C["customers"]] for s in (plain, levered)]
    np.testing.assert_array_equal(counts[0], counts[1])


def test_a_contract_longer_than_the_horizon_is_allowed_and_existing_accounts_still_leave():
    """An 18-month contract over a one-year view was refused as "nobody could ever
    leave"; the accounts of day 0, part-way through theirs, do renew or leave in it."""
    engine = Engine(existing_accounts(365, 2000, {"every_days": 548, "notice_days": 30}), 2).run()
    assert 0 < 2000 - engine.daily[365, C["customers"]] < 2000


def test_pipeline_lag_means_match_stage_sums():
    """Closed deals take sum(mean_days) on average and a share prod(1 - drop_off) closes.
    Tolerance: 4 standard errors (Geometric stage variance m (m + 1))."""
    cfg = PipelineLag(kind="pipeline", stages=[{"mean_days": 10, "drop_off": 0.2}, {"mean_days": 25, "drop_off": 0.1},
                                               {"mean_days": 0, "drop_off": 0.5}], valid_days=3000)
    lags = pipeline.lags(cfg, 200_000, np.random.default_rng(0))
    closed = lags[lags >= 0]
    variance = sum(s.mean_days * (s.mean_days + 1) for s in cfg.stages)
    assert abs(closed.mean() - 35) < 4 * np.sqrt(variance / len(closed))
    expected = pipeline.close_probability(cfg)
    assert expected == pytest.approx(0.8 * 0.9 * 0.5)
    assert abs(len(closed) / len(lags) - expected) < 4 * np.sqrt(expected * (1 - expected) / len(lags))


def test_pipeline_delays_b2b_conversion():
    """With a pipeline whose stages take ~45 days, no referred customer joins within days of
    the first invitations, and referred joins trail the geometric lag's."""
    pipe = {"kind": "pipeline", "stages": [{"mean_days": 20, "drop_off": 0.0}, {"mean_days": 25, "drop_off": 0.0}], "valid_days": 400}
    slow = Engine(small(days=150, program={"conversion_lag": pipe}), 3).run()
    fast = Engine(small(days=150), 3).run()
    first = lambda e: np.flatnonzero(column(e, "new_referred"))  # noqa: E731
    assert np.median(np.repeat(np.arange(151), column(slow, "new_referred").astype(int))) > \
        np.median(np.repeat(np.arange(151), column(fast, "new_referred").astype(int)))
    assert len(first(slow))


def test_pipeline_stages_past_validity_is_an_error():
    with pytest.raises(ValueError, match="stages"):
        PipelineLag(kind="pipeline", stages=[{"mean_days": 100}, {"mean_days": 100}], valid_days=150)


# ----------------------------------------------------------------------------- library and determinism

LEVER_FILES = ("seeding-hubs", "influencers", "delight-passives", "staff-promotion", "b2b-account-managers",
               "b2b-gift-card", "b2b-organization")


@pytest.mark.parametrize("name", LEVER_FILES)
def test_lever_scenarios_cite_sources_and_have_a_compare_example(name):
    from .conftest import ROOT, SCENARIOS

    text = (SCENARIOS / f"{name}.yaml").read_text()
    assert text.startswith("#") and "source" in text.lower()
    docs = (ROOT / "docs" / "scenarios.md").read_text()
    assert f"scenarios/{name}.yaml" in docs and "refsim compare" in docs


def test_b2b_files_use_renewal_pipeline_and_organization_reward():
    from simulator import load_scenario

    from .conftest import SCENARIOS

    for name in ("b2b-organization", "b2b-account-managers", "b2b-gift-card"):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        assert scenario.churn.renewal is not None and scenario.program.conversion_lag.kind == "pipeline"
    assert load_scenario(SCENARIOS / "b2b-organization.yaml").program.incentive.reward_type == "organization"


def test_every_lever_at_once_is_deterministic_per_seed():
    levers = small(population={"initial_customers": {"count": 30, "strategy": "influence"}},
                   churn={"renewal": {"every_days": 60, "notice_days": 7}},
                   program={"influencers": {"count": 5, "strategy": "k_core"}, "delight": {"share": 0.2, "every_days": 20},
                            "staff": {"touchpoint_rate": 0.01}, "targeting": {"rank_by": "tenure", "daily_capacity": 3},
                            "conversion_lag": {"kind": "pipeline", "stages": [{"mean_days": 5, "drop_off": 0.1}], "valid_days": 30}})
    a, b, c = (Engine(levers, seed).run() for seed in (21, 21, 22))
    assert np.array_equal(a.daily, b.daily)
    assert not np.array_equal(a.daily, c.daily)
    total = column(a, "prospects") + column(a, "customers") + column(a, "churned")
    assert (total == a.people.n).all()


def test_lever_costs_reach_incremental_value_and_the_twin_goes_without_levers():
    """With no margin the only money is the levers' costs, so the program's incremental
    value against its no-program twin (same seed) is exactly minus those costs."""
    from simulator.runner import baseline_of, run_replicate

    scenario = small(days=60, economics={"monthly_margin": 0.0},
                     program={"incentive": {"kind": "none"}, "timing": {"kind": "never"},
                              "influencers": {"count": 5, "cost_each": 1000, "conversion": 0.0},
                              "staff": {"touchpoint_rate": 0.01, "cost_per_day": 10},
                              "delight": {"rate": 0.01, "cost_each": 2}})
    twin = baseline_of(scenario).program
    assert (twin.influencers, twin.targeting, twin.delight, twin.staff) == (None, None, None, None)
    out = run_replicate(scenario, 0, 5, baseline=True)
    costs = sum(out.daily[:, C[name]].sum() for name in PROGRAM_COSTS)
    assert costs >= 5 * 1000 + 60 * 10
    assert out.metrics["incremental_value"] == pytest.approx(-costs)


@pytest.mark.parametrize("name, reference, lever", [
    ("seeding-hubs", "double-sided-credit", ("population", "initial_customers")),
    ("influencers", "double-sided-credit", ("program", "influencers")),
    ("delight-passives", "double-sided-credit", ("program", "delight")),
    ("staff-promotion", "double-sided-credit", ("program", "staff")),
    ("b2b-account-managers", "b2b-organization", ("program", "targeting")),
])
def test_each_lever_file_differs_from_its_reference_only_by_the_lever(name, reference, lever):
    """So that `refsim compare REFERENCE FILE` measures the lever alone."""
    from simulator import load_scenario

    from .conftest import SCENARIOS

    ours, theirs = (load_scenario(SCENARIOS / f"{n}.yaml").model_dump() for n in (name, reference))
    for data in (ours, theirs):
        data.pop("name"), data.pop("description")
        data[lever[0]].pop(lever[1])
    assert ours == theirs


def test_the_classroom_app_scales_a_seeding_block():
    """The app shrinks a preset to a class: a {count, strategy} seed block keeps its
    strategy and scales its count like a plain count (1% of 10,000 is 3 of 300)."""
    from simulator import load_scenario
    from simulator.app_views import CLASS_SIZE, Design, NetworkChoice, classroom_scenario

    from .conftest import SCENARIOS

    preset = load_scenario(SCENARIOS / "seeding-hubs.yaml")
    scaled = classroom_scenario(preset, NetworkChoice.of(preset), Design.of(preset))
    assert scaled.population.size == CLASS_SIZE
    seeds = scaled.population.initial_customers
    assert seeds.strategy == "degree" and seeds.count == round(100 * CLASS_SIZE / 10_000)


def _contract_value_day_by_day(economics, hazard, every, notice, weight, premium, years=60):
    """One account signed on day 0 under renewal contracts, summed day by day: it earns on
    days 1 .. every − 1 for sure, then each contract period at the chance of having renewed
    (exp(−h · (every − notice)) for the first decision, exp(−h · every) for each later one),
    its margin m0 · (weight + premium · max(0, 1 − k/F)) discounted by (1 + r)^(−k/365)."""
    days = np.arange(1, 365 * years + 1, dtype=np.float64)
    periods = np.floor(days / every)
    kept = np.where(periods == 0, 1.0, np.exp(-hazard * (every - notice)) * np.exp(-hazard * every) ** (periods - 1))
    fade = np.maximum(0.0, 1.0 - days / economics.premium_fade_days)
    margin = economics.monthly_margin / 30.4375 * (weight + premium * economics.referred_margin_premium * fade)
    return float((margin * kept * (1.0 + economics.annual_discount_rate) ** (-days / 365.0)).sum())


def test_lifetime_values_under_renewal_contracts_keep_each_account_to_its_renewal_dates():
    """A 60-day run under annual contracts sees no referred account reach a renewal
    date: 0 churn events made ltv_referred a lifetime without end (ltv_ratio 2.2 where
    the model's referred advantage is 16-20%). Under renewal the groups' LTVs take their
    active customers' mean daily hazard (every customer a promoter here: h0 x the promoter
    multiplier, x referred_hazard_ratio for the referred) and keep an account to each
    renewal date, as equity_final does: summed day by day here. The continuous hazard
    of a month-to-month customer, which they had taken, read them about a tenth low."""
    from simulator.behaviour.churn import DAYS_PER_MONTH
    from simulator.behaviour.economics import lifetime_value
    from simulator.metrics import run_summary

    assert DAYS_PER_MONTH == pytest.approx(30.4375)
    scenario = small(days=60, satisfaction={"kind": "constant", "value": 9.5, "drift_per_year": 0.0},
                     churn={"monthly_rate": 0.02, "renewal": {"every_days": 365, "notice_days": 30}},
                     program={"reward_seekers": {"max_share": 0.0},
                              "timing": {"reminders": {"count": 2, "interval_days": 5, "annoyance": 0.0}}})
    engine = Engine(scenario, 4).run()
    summary = run_summary(engine)
    assert engine.churn_events["referred"] == 0 and engine.customer_days["referred"] > 0
    h = base_daily_hazard(0.02) * scenario.churn.satisfaction_multipliers.promoter
    economics = scenario.economics
    organic = _contract_value_day_by_day(economics, h, 365, 30, weight=1.0, premium=0.0)
    referred = _contract_value_day_by_day(economics, h * scenario.churn.referred_hazard_ratio, 365, 30,
                                          weight=1.0, premium=1.0)
    assert summary["ltv_organic"] == pytest.approx(organic, rel=1e-6)
    assert summary["ltv_referred"] == pytest.approx(referred, rel=1e-6)
    assert 1.0 < summary["ltv_ratio"] < 1.5
    month_to_month = lifetime_value(economics, customer_days=1.0, churn_events=h, margin_share=1.0, referred=False)
    assert summary["ltv_organic"] > 1.02 * month_to_month   # the contract's hold is worth something


@pytest.mark.parametrize("ends", ["end_program", "rewards_only"])
def test_a_budget_that_ends_the_program_ends_queued_asks_and_staff_mentions(ends):
    """end_program stops every ask from the day after the budget runs out: customers
    waiting in the targeting queue had still been asked (and cost ask_cost) for weeks,
    and staff went on mentioning the program at staff_cost a day. rewards_only goes on
    asking, so both keep going there."""
    base = capacity_scenario(1)
    program = base.program.model_dump()
    program["incentive"] = {**program["incentive"], "referrer_reward": 20, "budget": 60, "on_budget_exhausted": ends}
    program["staff"] = {"touchpoint_rate": 0.05, "cost_per_day": 3}
    engine = Engine(base.model_copy(update={"program": type(base.program).model_validate(program)}), 2).run()
    day = engine.budget.exhausted_day
    assert day is not None and day < engine.scenario.days - 20, "the case should run out of budget early"
    after = slice(day + 1, None)
    queue_then = column(engine, "ask_queue")[day]
    assert queue_then > 0, "the case should leave customers waiting when the budget runs out"
    later = {name: column(engine, name)[after].sum() for name in ("asks", "ask_cost", "staff_asks", "staff_cost")}
    if ends == "end_program":
        assert later == {"asks": 0, "ask_cost": 0, "staff_asks": 0, "staff_cost": 0}
        assert column(engine, "ask_queue")[after].max() == 0
    else:
        assert all(value > 0 for value in later.values()), later


def test_the_influencers_own_value_is_their_share_of_what_the_customers_bring():
    """Recruited influencers join as customers on day 0, and the no-program twin has none
    of them: their own margin and equity counted as the lever's value (ten influencers
    who reached nobody 'paid' $139k in a B2B file). influencers_own_value names that part.
    With no churn, no inflow and no reach, the customers are 1 initial customer and 9
    influencers, alike: the influencers' part is 9/10 of the revenue (profit plus the
    fees, the only cost) plus the equity at the end."""
    from simulator import load_scenario, simulate

    from .conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "influencers.yaml", [
        "population.size=500", "days=90", "population.initial_customers=1", "acquisition.organic_rate=0",
        "word_of_mouth.spontaneous_rate=0", "program.timing={kind: never}", "churn.monthly_rate=0",
        "program.influencers.count=9", "program.influencers.posts=0", "program.influencers.conversion=0"])
    run = simulate(scenario, replicates=1, seed=2, baseline=False).runs.iloc[0]
    assert run["customers_final"] == 10
    fees = 9 * scenario.program.influencers.cost_each
    assert run["influencers_own_value"] == pytest.approx((run["cumulative_profit"] + fees + run["equity_final"]) * 0.9,
                                                         rel=1e-12)
    plain = load_scenario(SCENARIOS / "default.yaml", ["population.size=300", "days=10"])
    assert simulate(plain, replicates=1, seed=2, baseline=False).runs["influencers_own_value"].iloc[0] == 0.0
    # influencers are recruited among people who are not initial customers (picked by degree beside initial customers
    # picked by degree, all had been the twin's customers too, their value 0): here 10 new customers of the lever's
    hubs = load_scenario(SCENARIOS / "influencers.yaml", [
        "population.size=300", "days=10", "population.initial_customers={strategy: degree, count: 30}",
        "program.influencers.count=10", "program.influencers.strategy=degree"])
    assert simulate(hubs, replicates=1, seed=2, baseline=False).runs["influencers_own_value"].iloc[0] > 0.0
    # report.md's opening names it beside the value, and says nothing of it without influencers
    import pandas as pd

    from simulator.report.text import influencers_own_sentence

    assert influencers_own_sentence(pd.DataFrame({"influencers_own_value": [100.0, 200.0]})).startswith(
        " Its influencers' own margin and customer equity, 150.0 on average (`influencers_own_value`), is counted in "
        "this value")
    # the rest is not the posts and reach alone: hubs who never posted, at no fee, added value as customers who share
    assert ("The rest is not their posts and reach alone: as customers they also share, are asked and refer as any "
            "customer does") in influencers_own_sentence(pd.DataFrame({"influencers_own_value": [100.0, 200.0]}))
    assert influencers_own_sentence(pd.DataFrame({"influencers_own_value": [0.0, 0.0]})) == ""
