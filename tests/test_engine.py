"""Properties of the daily step that would catch real bugs: conservation,
stock-flow, determinism, common random numbers, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import Engine
from simulator.metrics import COLUMN_INDEX as C
from simulator.state import CUSTOMER, NEVER, ORGANIC, SEED

from .conftest import small


@pytest.fixture(autouse=True, params=["auto", "numpy"])
def path(request, monkeypatch):
    """Every property here holds on both paths: the compiled kernel (auto, where the
    scenario allows) and the numpy stages."""
    monkeypatch.setenv("REFSIM_ENGINE", request.param)
    return request.param


def run(scenario, seed=5):
    return Engine(scenario, seed).run()


@pytest.mark.parametrize("network", [
    {"kind": "powerlaw_cluster", "mean_degree": 10},
    {"kind": "erdos_renyi", "mean_degree": 8},
    {"kind": "watts_strogatz", "mean_degree": 6, "rewire": 0.2},
    {"kind": "stochastic_block", "block_shares": [0.3, 0.7], "mean_degree": 8},
])
def test_people_are_conserved_every_day(network):
    engine = run(small(network=network))
    d = engine.daily
    total = d[:, C["prospects"]] + d[:, C["customers"]] + d[:, C["churned"]]
    assert np.all(total == engine.network.n)


def test_stocks_follow_flows():
    """customers(t) = customers(t-1) + new - churned; churned and prospects likewise."""
    d = run(small()).daily
    new = d[1:, C["new_organic"]] + d[1:, C["new_referred"]] + d[1:, C["new_word_of_mouth"]]
    assert np.array_equal(np.diff(d[:, C["customers"]]), new - d[1:, C["new_churned"]])
    assert np.array_equal(np.diff(d[:, C["churned"]]), d[1:, C["new_churned"]])
    assert np.array_equal(np.diff(d[:, C["prospects"]]), -new)
    assert np.allclose(np.cumsum(d[:, C["profit"]]), d[:, C["cumulative_profit"]])
    assert np.allclose(d[:, C["profit"]], d[:, C["revenue"]] - d[:, C["reward_cost"]] - d[:, C["acquisition_cost"]])


def test_people_table_agrees_with_daily_rows():
    engine = run(small())
    p, d = engine.people, engine.daily
    assert (p.channel == ORGANIC).sum() == d[:, C["new_organic"]].sum()
    assert (p.referred_by >= 0).sum() == d[:, C["new_referred"]].sum() + d[:, C["new_word_of_mouth"]].sum()
    assert (p.churn_day != NEVER).sum() == d[-1, C["churned"]]
    referred = p.referred_by >= 0
    # a referrer of record was a customer before the referee joined
    assert np.all(p.adopted_day[p.referred_by[referred]] < p.adopted_day[referred])
    assert np.all(p.adopted_day[p.referred_by[referred]] >= 0)
    # rewards paid to people: all of the reward cost but the fake accounts' own (friend's) sides, which are
    # part of fraud_cost (with the referrer's side of their claims, paid to a person)
    to_people = engine.scenario.program.cost_share() * p.reward_value.sum()
    fakes_own = d[:, C["reward_cost"]].sum() - to_people
    assert -1e-9 <= fakes_own <= d[:, C["fraud_cost"]].sum() + 1e-9
    honest = run(small(fraud={"share": 0.0}))
    assert honest.daily[:, C["reward_cost"]].sum() > 0 and honest.daily[:, C["fraud_cost"]].sum() == 0
    assert np.isclose(engine.scenario.program.cost_share() * honest.people.reward_value.sum(),
                      honest.daily[:, C["reward_cost"]].sum())


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = run(small(), 3), run(small(), 3), run(small(), 4)
    assert np.array_equal(a.daily, b.daily)
    assert not np.array_equal(a.daily, c.daily)


def test_changing_the_reward_keeps_organic_luck():
    """Common random numbers: the graph, the seed customers, satisfaction and
    each person's organic day are identical; every organic adoption of one design
    happens on the same day in the other unless that person was referred first."""
    # negative word of mouth off: it puts off organic adoption, and who hears it depends on the design
    quiet = {"rate": 0}
    low = run(small(negative_word_of_mouth=quiet, program={"incentive": {"kind": "double_sided", "referrer_reward": 5, "referee_reward": 5}}), 9)
    high = run(small(negative_word_of_mouth=quiet, program={"incentive": {"kind": "double_sided", "referrer_reward": 40, "referee_reward": 40}}), 9)
    assert np.array_equal(low.network.indices, high.network.indices)
    assert np.array_equal(low.people.organic_day, high.people.organic_day)
    assert np.array_equal(low.people.satisfaction, high.people.satisfaction)
    assert np.array_equal(low.people.channel == SEED, high.people.channel == SEED)
    assert not np.array_equal(low.daily, high.daily)  # the design did change something
    checked = 0
    for a, b in ((low.people, high.people), (high.people, low.people)):
        organic = np.flatnonzero(a.channel == ORGANIC)
        same_day = b.adopted_day[organic] == a.adopted_day[organic]
        referred_first = (b.referred_by[organic] >= 0) & (b.adopted_day[organic] <= a.adopted_day[organic])
        assert np.all(same_day | referred_first)
        checked += len(organic)
    assert checked > 100


def test_more_initial_customers_never_fewer_customers_on_day_one(path):
    """With no referral possible on day 1 (first ask on day 3, no spontaneous shares),
    day-1 customers are seeds that did not churn plus organic adopters: a superset
    of seeds can only give as many or more. (20 random pairs on the kernel, 6 on the
    slower numpy stages.)"""
    rng = np.random.default_rng(0)
    for trial in range(20 if path == "auto" else 6):
        ids = rng.permutation(2000)
        k = int(rng.integers(1, 300))
        extra = int(rng.integers(1, 300))
        common = {"word_of_mouth": {"spontaneous_rate": 0.0}, "acquisition": {"organic_rate": 0.01},
                  "churn": {"monthly_rate": 0.5}}
        few = run(small(population={"size": 2000, "initial_customers": ids[:k].tolist()}, **common), trial)
        more = run(small(population={"size": 2000, "initial_customers": ids[:k + extra].tolist()}, **common), trial)
        assert more.daily[1, C["customers"]] >= few.daily[1, C["customers"]]


def test_more_initial_customers_more_customers_on_average(path):
    """With referrals on, more seed customers give more customers at the end on
    average over 10 paired seeds, 5 on the slower numpy stages (a large effect: 20
    vs 200 seeds)."""
    seeds = range(10 if path == "auto" else 5)
    few = [run(small(population={"size": 2000, "initial_customers": 20}), s).daily[-1, C["customers"]] for s in seeds]
    many = [run(small(population={"size": 2000, "initial_customers": 200}), s).daily[-1, C["customers"]] for s in seeds]
    assert np.mean(many) > np.mean(few)


def test_no_asks_and_no_word_of_mouth_means_no_referrals():
    engine = run(small(program={"timing": {"kind": "never"}}, word_of_mouth={"spontaneous_rate": 0.0}))
    d = engine.daily
    assert d[:, C["new_referred"]].sum() == 0
    assert d[:, C["shares"]].sum() == 0 and d[:, C["asks"]].sum() == 0
    assert d[:, C["new_organic"]].sum() > 0


def test_step_past_the_horizon_is_refused():
    engine = run(small(days=20))
    with pytest.raises(RuntimeError, match="over"):
        engine.step()


def test_customer_agent_views_the_arrays():
    from simulator.model import ReferralModel

    model = ReferralModel(small(days=30), rng=2)
    for _ in range(30):
        model.step()
    assert not model.running
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 31 and df["customers"].iloc[-1] == np.count_nonzero(model.engine.people.state == CUSTOMER)
    referred = np.flatnonzero(model.engine.people.referred_by >= 0)
    agent = model.customer(int(referred[0]))
    assert agent.referred_by == model.engine.people.referred_by[referred[0]]
    assert agent.state in ("customer", "churned")
    assert model.customer(int(referred[0])) is agent
    # Mesa's unique_id is the person's id: it was the viewing order (1 for the first person viewed)
    later = model.customer(7)
    assert agent.unique_id == int(referred[0]) and later.unique_id == 7
    assert model.agents.select(lambda a: a.unique_id == 7)[0] is later


@pytest.mark.parametrize("changes", [
    {},
    {"economics": {"referred_margin_premium": 0.4, "premium_fade_days": 20}, "churn": {"monthly_rate": 0.3},
     "fraud": {"share": 0.2}},
    {"satisfaction": {"kind": "nps_mix", "drift_per_year": -3.0}, "economics": {"premium_fade_days": 1}},
    {"churn": {"monthly_rate": 0.2, "only_while_referrer_active": True}, "economics": {"premium_fade_days": 45}},
])
def test_daily_revenue_adds_up_to_what_each_person_earned(changes):
    """Conservation of money: the day totals (running sums) equal the sum over people
    of their closed-form margin to date, on every day of the run."""
    engine = Engine(small(**changes), 4)
    for _ in range(engine.scenario.days):
        engine.step()
        if engine.day % 17 == 0 or engine.day == engine.scenario.days:
            total = engine.daily[: engine.day + 1, C["revenue"]].sum()
            assert np.isclose(engine.revenue_to_date().sum(), total, rtol=1e-9), engine.day
    assert total > 0
