"""Bad input to the program levers gets the house rule: one line naming the file and
the key path, exit 2, no traceback, no results folder."""

from __future__ import annotations


import pytest

from .test_bad_input import assert_mistake_is_one_line


@pytest.mark.parametrize("mutate, key, words", [
    (lambda d: d["program"].__setitem__("influencers", {"count": 50000}), "program.influencers.count", ["valid: 0.."]),
    (lambda d: d["population"].__setitem__("initial_customers", {"count": 50000, "strategy": "degree"}),
     "population.initial_customers.count", ["more than population.size"]),
    (lambda d: d["population"].__setitem__("initial_customers", {"count": 5, "strategy": "hubs"}),
     "population.initial_customers.strategy", ["valid: random, degree, k_core, influence"]),
    (lambda d: d["program"].__setitem__("targeting", {"daily_capacity": -1}), "program.targeting.daily_capacity",
     ["greater than or equal to 0"]),
    (lambda d: d["churn"].__setitem__("renewal", {"every_days": 90, "notice_days": 90}), "churn.renewal.notice_days",
     ["not shorter than every_days"]),
    (lambda d: d["program"].__setitem__("conversion_lag", {"kind": "pipeline", "valid_days": 60,
                                                           "stages": [{"mean_days": 30}, {"mean_days": 45}]}),
     "program.conversion_lag.stages", ["past valid_days"]),
    (lambda d: d["program"].__setitem__("delight", {"rate": 0.01, "share": 0.2}), "program.delight", ["exactly one of rate"]),
    # waves come with share: beside a daily rate every_days was accepted and did nothing (daily gifts, not waves)
    (lambda d: d["program"].__setitem__("delight", {"rate": 0.01, "every_days": 30}), "program.delight.every_days",
     ["waves come with share", "give share"]),
    (lambda d: d["program"].__setitem__("delight", {"rate": 0.01, "every_days": 90}), "program.delight.every_days",
     ["waves come with share"]),   # the former default too: 'quarterly' beside a rate did nothing
    (lambda d: d["program"].__setitem__("staff", {"touchpoint_rate": 2}), "program.staff.touchpoint_rate",
     ["less than or equal to 1"]),
])
def test_lever_mistakes_get_one_line_with_key_path(tmp_path, mutate, key, words):
    assert_mistake_is_one_line(tmp_path, mutate, key, words)
