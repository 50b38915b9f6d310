"""program.incentive.qualifying_share: the share q of referral sign-ups who ever meet
the qualifying condition (a first purchase or deposit). The model's conversions are
the ones who do (the customers, unchanged by q); beside each customer referred for a
reward sign up N ~ Geometric(q) - 1 who never do (failures before the first success,
mean (1 - q)/q, variance (1 - q)/q^2): not people, reward claims only. Paid on signup
each claims like the referral (same referrer, same referee reward); paid on
qualification they never qualify, so nothing is paid for them.

Closed forms use flat cash rewards (no cap, no budget, no fraud) so that what is paid
can be counted; the statistical check states a tolerance of 4 standard deviations of
a sum of geometric counts (a false alarm about 1 in 16,000, seed fixed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine import Engine
from simulator.metrics import COLUMN_INDEX as C
from simulator.metrics import pipeline_equity, rewards_due_after, run_summary
from simulator.runner import run_replicate

from .conftest import small
from .test_bad_input import assert_mistake_is_one_line
from .test_behaviour import one_hop, stars

PATHS = pytest.mark.parametrize("kernel", [False, True], ids=["numpy", "kernel"])

#: what a sign-up who never qualifies may change: the money, and what the referrers earned
MONEY_COLUMNS = ("reward_cost", "rewards_paid", "profit", "cumulative_profit")
PEOPLE_ARRAYS = ("state", "adopted_day", "referred_by", "tracked", "channel", "asks", "shared", "churn_day",
                 "fraud", "rewarded", "satisfaction", "next_ask_day")


def first_deposit(share: float | None, paid_on: str = "signup", days: int = 90, **changes):
    """$10 cash to each side, no cap, no budget, no fraud, paid on ``paid_on`` (after 7
    days on qualification); 5,000 people, 200 initial customers, base share 0.5.
    ``share`` None leaves the key out."""
    incentive = {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "reward_type": "cash",
                 "paid_on": paid_on, "qualification_days": 7}
    if share is not None:
        incentive["qualifying_share"] = share
    program = {"base_share": 0.5, "incentive": incentive, **changes.pop("program", {})}
    return small(days=days, population={"size": 5000, "initial_customers": 200}, fraud={"share": 0.0},
                 program=program, **changes)


def assert_same_people(a: Engine, b: Engine) -> None:
    for name in PEOPLE_ARRAYS:
        assert np.array_equal(getattr(a.people, name), getattr(b.people, name)), name


def signups(engine: Engine) -> int:
    """Tracked referral sign-ups made for a reward (every one here: no budget, no pause)."""
    return int(engine.daily[:, C["new_referred"]].sum())


@PATHS
def test_a_share_of_one_is_the_run_without_the_key(kernel):
    """The default q = 1 draws nothing: bit-identical to a scenario without the key."""
    without = Engine(first_deposit(None), 5, kernel=kernel).run()
    one = Engine(first_deposit(1.0), 5, kernel=kernel).run()
    assert one._non_qualifying is None
    assert np.array_equal(one.daily, without.daily)
    assert_same_people(one, without)
    assert np.array_equal(one.people.reward_value, without.people.reward_value)


@PATHS
def test_paid_on_qualification_nothing_is_paid_for_those_who_never_qualify(kernel):
    """They never qualify, so paid on qualification no claim is made for them: every
    output is the q = 1 run's on the same seed, though many signed up beside the customers."""
    one = Engine(first_deposit(1.0, "qualification"), 8, kernel=kernel).run()
    low = Engine(first_deposit(0.4, "qualification"), 8, kernel=kernel).run()
    beside = int(low._non_qualifying[low.people.rewarded].sum())
    assert beside > 100
    assert np.array_equal(low.daily, one.daily)
    assert_same_people(low, one)
    assert np.array_equal(low.people.reward_value, one.people.reward_value)
    a, b = run_summary(one), run_summary(low)
    assert a["non_qualifying_signups"] == 0 and b["non_qualifying_signups"] == beside
    del a["non_qualifying_signups"], b["non_qualifying_signups"]
    assert a.keys() == b.keys() and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


@PATHS
def test_paid_on_signup_every_sign_up_is_paid_and_the_customers_do_not_change(kernel):
    """Paid on signup, fixed rewards, no cap, no budget: the customers are the q = 1
    run's (every column but the money, every person), and the rewards paid are
    2 x (referral sign-ups + the sign-ups beside them who never qualify) exactly. The
    latter, read off the rewards paid, is a sum of S geometric counts: within 4 standard
    deviations, 4 sqrt(S (1 - q)) / q, of S (1 - q) / q."""
    q = 0.4
    one = Engine(first_deposit(1.0), 8, kernel=kernel).run()
    low = Engine(first_deposit(q), 8, kernel=kernel).run()
    assert low.uses_kernel == kernel
    other = [i for name, i in C.items() if name not in MONEY_COLUMNS]
    assert np.array_equal(low.daily[:, other], one.daily[:, other])
    assert_same_people(low, one)
    s = signups(low)
    assert s > 200 and one.daily[:, C["rewards_paid"]].sum() == 2 * s
    paid = int(low.daily[:, C["rewards_paid"]].sum())
    beside = int(low._non_qualifying[low.people.rewarded].sum())
    assert paid == 2 * (s + beside) and run_summary(low)["non_qualifying_signups"] == beside
    assert low.daily[:, C["reward_cost"]].sum() == 10 * paid and low.daily[:, C["fraud_cost"]].sum() == 0
    assert abs(paid / 2 - s - s * (1 - q) / q) < 4 * math.sqrt(s * (1 - q)) / q, (paid / 2 - s, s * (1 - q) / q)
    # every referrer side goes to a referrer, a friend side to a friend (s of them): the
    # friend sides of the sign-ups beside them are paid to nobody on the graph
    assert low.people.reward_value.sum() == 10 * (s + beside) + 10 * s


@PATHS
def test_the_no_program_twin_and_incremental_customers_do_not_move(kernel):
    """The sign-ups who never qualify sit beside the customers: the no-program twin and
    incremental_customers are the same at q = 0.4 as at q = 1 on the same seed, paid on
    signup, while what the program cost grew."""
    one = run_replicate(first_deposit(1.0), 0, 12, baseline=True, kernel=kernel).metrics
    low = run_replicate(first_deposit(0.4), 0, 12, baseline=True, kernel=kernel).metrics
    assert low["incremental_customers"] == one["incremental_customers"] and one["incremental_customers"] > 0
    assert low["customers_final"] == one["customers_final"]
    assert low["reward_cost"] > one["reward_cost"]


@PATHS
@pytest.mark.parametrize("cap", [1, 3])
def test_their_claims_count_towards_the_referrers_cap(kernel, cap):
    """300 stars of two leaves, every leaf referred on day 1, $10 to the referrer and $5
    to the friend, paid on signup: a centre whose leaves bring N sign-ups between them
    who never qualify makes 2 + N claims, and is paid for min(cap, 2 + N) of them,
    whichever come first (with cap 3, most centres: a share-0.4 pair brings none with
    probability 0.6^2 only); every claim's friend side is paid."""
    star = stars(300, 2)
    scenario = one_hop(star, incentive={"kind": "double_sided", "referrer_reward": 10, "referee_reward": 5,
                                        "reward_type": "cash", "paid_on": "signup", "cap_per_referrer": cap,
                                        "credibility_penalty": 0, "qualifying_share": 0.4})
    engine = Engine(scenario, 3, network=star, kernel=kernel).run()
    p, d = engine.people, engine.daily
    centres = np.arange(300) * 3
    leaves = np.flatnonzero(~np.isin(np.arange(star.n), centres))
    assert np.all(p.rewarded[leaves]) and np.all(np.isin(p.referred_by[leaves], centres))
    beside = np.zeros(star.n, np.int64)
    np.add.at(beside, p.referred_by[leaves], engine._non_qualifying[leaves])
    expected = np.minimum(cap, 2 + beside[centres])
    assert np.array_equal(p.rewards_earned[centres], expected)
    assert np.array_equal(p.reward_value[centres], 10.0 * expected)
    if cap == 3:
        assert (expected == 3).sum() > 200
    assert d[:, C["rewards_paid"]].sum() == expected.sum() + len(leaves) + beside.sum()


@pytest.mark.parametrize("value, words", [(0, "greater than 0"), (1.5, "less than or equal to 1"),
                                          (-0.1, "greater than")])
def test_a_share_outside_0_to_1_is_one_line(tmp_path, value, words):
    assert_mistake_is_one_line(tmp_path, lambda d: d["program"]["incentive"].__setitem__("qualifying_share", value),
                               "program.incentive.qualifying_share", [words])


@PATHS
def test_a_lead_still_converting_is_charged_the_claims_expected_beside_it(kernel):
    """pipeline_equity values a lead paid on signup as its friend's equity less its
    rewards R; below q = 1 the (1 - q)/q sign-ups expected beside it claim R each too
    (flat rewards, no cap: every claim costs the same), and the customers are the same
    at every q. So pipeline_equity(1) - pipeline_equity(q) = (1 - q)/q x (the rewards
    at q = 1), and the drops at q = 0.4 and q = 0.5 stand in the ratio 1.5 : 1."""
    equity = {q: pipeline_equity(Engine(first_deposit(q), 8, kernel=kernel).run()) for q in (1.0, 0.5, 0.4)}
    assert equity[1.0] - equity[0.5] > 10
    assert math.isclose((equity[1.0] - equity[0.4]) / (equity[1.0] - equity[0.5]), 1.5, rel_tol=1e-9)


@PATHS
def test_a_deferred_claim_of_a_sign_up_who_never_qualifies_is_still_owed(kernel):
    """A spent monthly allowance defers claims, theirs among them (code n + c): still owed
    at the horizon, credited to the friend's referrer and valued at face value, discounted
    by at most the two months the allowance takes to refill."""
    incentive = {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "reward_type": "cash",
                 "paid_on": "signup", "qualifying_share": 0.4, "budget_per_month": 300}
    engine = Engine(first_deposit(0.4, program={"incentive": incentive}), 8, kernel=kernel).run()
    codes, masks = engine.deferred_claims()
    theirs = codes >= engine.people.n
    assert theirs.any()
    sides = int(((masks & 1) != 0).sum() + ((masks & 2) != 0).sum())
    owed = rewards_due_after(engine)
    assert 10 * sides * math.exp(-math.log1p(0.10) * 62 / 365) <= owed <= 10 * sides  # the default 10% a year


def test_the_reports_say_what_paying_on_signup_pays_for_those_who_never_qualify():
    """non_qualifying_signups stood in the tables only: run's and compare's notes now say
    that paid on signup the rewards go to them too, and paid on qualification none."""
    import pandas as pd

    from simulator.report.text import non_qualifying_note

    runs = pd.DataFrame({"non_qualifying_signups": [60.0, 80.0]})
    signup = small(program={"incentive": {"kind": "double_sided", "paid_on": "signup", "qualifying_share": 0.4}})
    note = non_qualifying_note(signup, runs)
    assert note.startswith("Paid on signup, the rewards also go to the referral sign-ups who never qualify "
                           "(`program.incentive.qualifying_share` 0.4): 70.0 a run on average"), note
    assert "each claiming both rewards, the referrer's and the friend's, as a referral does;" in note, note
    # a single-sided design has one reward to claim, and past the cap the referrer's is not paid ('both rewards' was
    # said of both)
    capped = small(program={"incentive": {"kind": "single_sided", "paid_on": "signup", "qualifying_share": 0.4,
                                          "cap_per_referrer": 1}})
    note = non_qualifying_note(capped, runs)
    assert ("each claiming the referrer's reward, as a referral does, counted towards the referrer's cap of 1 (past the "
            "cap the referrer's reward is not paid);") in note and "both" not in note, note
    # a tiered design's claims push the referrer up its tiers too
    tiered = small(program={"incentive": {"kind": "tiered", "paid_on": "signup", "qualifying_share": 0.4,
                                          "tiers": [{"after": 0, "referrer_reward": 5}, {"after": 1, "referrer_reward": 20}],
                                          "cap_per_referrer": 2}})
    assert "counted towards the referrer's tiers and cap of 2" in non_qualifying_note(tiered, runs)
    friend_only = small(program={"incentive": {"kind": "double_sided", "paid_on": "signup", "qualifying_share": 0.4,
                                               "referrer_reward": 0, "referee_reward": 20, "cap_per_referrer": 32}})
    note = non_qualifying_note(friend_only, runs)
    assert "each claiming the friend's reward, as a referral does; paid" in note and "cap" not in note, note
    on_deposit = small(program={"incentive": {"kind": "double_sided", "paid_on": "qualification",
                                              "qualifying_share": 0.4}})
    assert "claim no reward" in non_qualifying_note(on_deposit, runs)
    everyone = small(program={"incentive": {"kind": "double_sided", "paid_on": "signup"}})
    assert non_qualifying_note(everyone, runs) == "" and non_qualifying_note(small(), runs) == ""


def test_a_sweep_or_optimisation_that_can_pay_on_signup_names_the_sign_ups_who_never_qualify(tmp_path):
    """run's and compare's reports say that, paid on signup below a qualifying_share of 1,
    the sign-ups who never qualify claim rewards; a sweep of paid_on at a share of 0.4
    ranked signup against qualification with that reason in no report. The study note
    appears where some design can pay on signup below a share of 1, and only there."""
    import yaml

    from simulator.report.text import study_non_qualifying_note
    from simulator.sweep import load_sweep, run_sweep

    from .test_sweep import BASE

    at = lambda share, paid_on="signup": first_deposit(share, paid_on)  # noqa: E731
    assert study_non_qualifying_note(at(0.4), []).startswith(
        "Below a `program.incentive.qualifying_share` of 1 (0.4 in the base scenario)")
    # what each claims, as run's note says it: 'both rewards each' was said of single-sided designs
    single = at(0.4).model_copy(update={"program": at(0.4).program.model_copy(update={
        "incentive": small(program={"incentive": {"kind": "single_sided", "paid_on": "signup",
                                                  "qualifying_share": 0.4}}).program.incentive})})
    note = study_non_qualifying_note(single, [])
    assert "(each the referrer's reward, as a referral does" in note and "both" not in note, note
    # a study that varies the rewards pays what each design pays, not the base's sides
    varied = study_non_qualifying_note(single, ["program.incentive.referee_reward"])
    assert "(each the rewards its design pays a referral" in varied and "the referrer's reward, as" not in varied, varied
    assert "(varied here)" in study_non_qualifying_note(at(None), ["program.incentive.qualifying_share"])
    assert study_non_qualifying_note(at(0.4, "qualification"), ["program.incentive.paid_on"])
    assert study_non_qualifying_note(at(0.4, "qualification"), {"program.incentive.paid_on": ["qualification", "signup"]})
    # nobody can be paid for them: every sign-up qualifies, or every design pays on qualification
    assert study_non_qualifying_note(at(None), ["program.incentive.paid_on"]) == ""
    assert study_non_qualifying_note(at(0.4, "qualification"), ["program.incentive.referrer_reward"]) == ""
    assert study_non_qualifying_note(at(0.4), {"program.incentive.paid_on": ["qualification"]}) == ""
    assert study_non_qualifying_note(at(None), {"program.incentive.qualifying_share": [1.0]}) == ""
    assert study_non_qualifying_note(at(None), {"program.incentive.qualifying_share": [0.5, 1.0]})

    base = {**BASE, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"], "qualifying_share": 0.4}}}
    spec = {"base": base, "method": "grid", "replicates": 1, "seed": 5,
            "parameters": {"program.incentive.paid_on": {"values": ["signup", "qualification"]}},
            "metrics": ["customers_final", "non_qualifying_signups"]}
    path = tmp_path / "paid-on.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_sweep(load_sweep(path), tmp_path / "out", executor="serial")
    report = (tmp_path / "out" / "report.md").read_text()
    assert ("Below a `program.incentive.qualifying_share` of 1 (0.4 in the base scenario)" in report
            and "`non_qualifying_signups`, a column of sweep.csv and sweep.parquet." in report), report
