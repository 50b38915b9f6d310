"""Twins shared between designs (simulator.twins): a design's results must be what they
would be had it run alone in a fresh process, whatever ran before it; a twin is taken
from the store only for the very graph it ran on; the store stays within its bounds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, twins
from simulator.engine import Engine
from simulator.metrics import run_summary
from simulator.network import clear_graph_cache, network_for
from simulator.runner import baseline_of, run_designs, run_replicate
from simulator.twins import clear_twin_cache, twin_cache_info, twin_key, twin_run

from .conftest import small


@pytest.fixture(autouse=True)
def fresh_store():
    clear_twin_cache()
    yield
    clear_twin_cache()


def _single_and_cash():
    double = small(name="double", days=90)
    cash = small(name="cash", days=90, program={"incentive": {"kind": "single_sided", "referrer_reward": 20}})
    return double, cash


@pytest.mark.parametrize("path", ["auto", "numpy"])
def test_a_design_that_takes_an_earlier_designs_twins_gets_the_results_it_gets_alone(path, monkeypatch):
    monkeypatch.setenv("REFSIM_ENGINE", path)
    _check_shared_then_alone(*_single_and_cash())


def _check_shared_then_alone(first, second):
    """Run two designs that differ only in their program: the second must take the first's
    twin on each seed, and get what it gets alone in a cleared process."""
    together = run_designs([first, second], baseline=True)
    info = twin_cache_info()
    assert info["misses"] == first.replicates and info["hits"] == second.replicates
    clear_twin_cache()
    clear_graph_cache()
    alone = run_designs([second], baseline=True)[0]
    assert twin_cache_info()["hits"] == 0
    pd.testing.assert_frame_equal(together[1].runs, alone.runs)
    pd.testing.assert_frame_equal(together[1].baseline_timeseries, alone.baseline_timeseries)
    pd.testing.assert_frame_equal(together[1].timeseries, alone.timeseries)


def _with_network(scenario, network: dict, population):
    """``scenario`` with another network block and population, validated again."""
    data = scenario.model_dump(mode="json")
    data["network"] = network
    data["population"] = population.model_dump(mode="json")
    return type(scenario).model_validate(data)


@pytest.mark.parametrize("path", ["auto", "numpy"])
def test_designs_on_an_edge_list_share_their_twins_and_get_the_results_they_get_alone(path, monkeypatch, tmp_path):
    """An edge list's ties are labelled per seed (strong_tie_share between 0 and 1): every
    design on a seed must run on the one labelled graph, so that it takes the twin an
    earlier design ran, and still get what it gets alone in a fresh process."""
    monkeypatch.setenv("REFSIM_ENGINE", path)
    edges = tmp_path / "graph.txt"
    edges.write_bytes((Path(__file__).resolve().parents[1] / "scenarios" / "graph.txt").read_bytes())
    double, cash = (_with_network(s, {"kind": "edgelist", "path": str(edges), "strong_tie_share": 0.3},
                                  s.population.model_copy(update={"size": 1000, "initial_customers": 20}))
                    for s in _single_and_cash())
    clear_graph_cache()
    _check_shared_then_alone(double, cash)


def test_an_edge_list_is_labelled_once_per_seed_and_afresh_when_the_file_changes(tmp_path):
    edges = tmp_path / "graph.txt"
    edges.write_text("0 1\n1 2\n2 3\n3 0\n0 2\n")
    double, _ = _single_and_cash()
    cfg = _with_network(double, {"kind": "edgelist", "path": str(edges), "strong_tie_share": 0.5},
                             double.population.model_copy(update={"size": 4, "initial_customers": 1})).network
    clear_graph_cache()
    first = network_for(cfg, 4, 7)
    assert network_for(cfg, 4, 7) is first          # one object per seed: designs share their twins
    other = network_for(cfg, 4, 8)
    assert other is not first
    # the labels are those the engine draws itself from the seed's ties stream
    from simulator.network import build_network
    from simulator.rng import Streams
    built = build_network(cfg, 4, Streams(7)("network"), Streams(7)("ties"))
    assert np.array_equal(first.strong, built.strong) and np.array_equal(first.indices, built.indices)
    # a changed file is read again and labelled afresh, never answered from the old labels
    edges.write_text("0 1\n1 2\n2 3\n")
    os_time = edges.stat().st_mtime_ns + 10**10
    import os
    os.utime(edges, ns=(os_time, os_time))
    again = network_for(cfg, 4, 7)
    assert again is not first and again.edges == 3
    # a share of 0 or 1 needs no draws: one Network serves every seed
    plain = cfg.model_copy(update={"strong_tie_share": 0.0})
    assert network_for(plain, 4, 1) is network_for(plain, 4, 2)


def test_designs_whose_no_program_runs_differ_do_not_share_a_twin():
    double, _ = _single_and_cash()
    more_organic = double.model_copy(update={"acquisition": double.acquisition.model_copy(update={"organic_rate": 0.002})})
    run_designs([double, more_organic], baseline=True)
    assert twin_cache_info()["hits"] == 0
    assert twin_key(baseline_of(double), 1, True) != twin_key(baseline_of(more_organic), 1, True)
    # the name and description only label tables and reports: no part of the key
    renamed = double.model_copy(update={"name": "another name", "description": "another run"})
    assert twin_key(baseline_of(double), 1, True) == twin_key(baseline_of(renamed), 1, True)
    assert twin_key(baseline_of(double), 1, True) != twin_key(baseline_of(double), 2, True)
    assert twin_key(baseline_of(double), 1, True) != twin_key(baseline_of(double), 1, False)


def test_a_twin_is_taken_only_for_the_graph_it_ran_on():
    double, _ = _single_and_cash()
    first = network_for(double.network, double.population.size, 5)
    clear_graph_cache()
    second = network_for(double.network, double.population.size, 5)  # the same graph, built again
    assert second is not first
    calls = []

    def run(mark):
        return lambda: (calls.append(mark) or np.full((3, 2), float(mark)), {"mark": float(mark)})

    key = twin_key(baseline_of(double), 5, True)
    assert twin_run(key, first, run(1))[1] == {"mark": 1.0}
    assert twin_run(key, first, run(2))[1] == {"mark": 1.0}   # stored
    assert twin_run(key, second, run(3))[1] == {"mark": 3.0}  # another graph object: run again
    assert calls == [1, 3]
    daily, summary = twin_run(key, second, run(4))
    assert not daily.flags.writeable  # shared by every design that takes it
    summary["mark"] = 99.0            # a caller's copy
    assert twin_run(key, second, run(5))[1] == {"mark": 3.0}


def test_the_store_keeps_its_bounds():
    double, _ = _single_and_cash()
    network = network_for(double.network, double.population.size, 1)
    keys = [twin_key(baseline_of(double), seed, True) for seed in range(6)]
    entry = 10 * 4 * 8 + len(keys[0][0])  # a 10 x 4 float64 table and its key's JSON
    twins._TWINS.set_limit(3 * entry)
    try:
        for key in keys:
            twin_run(key, network, lambda: (np.zeros((10, 4)), {}))
        info = twin_cache_info()
        assert info["entries"] == 3 and info["bytes"] == 3 * entry
        # the least recently used went first: the newest three are still there, the oldest not
        assert twin_run(keys[-1], network, lambda: pytest.fail("run again"))[1] == {}
        ran = []
        twin_run(keys[0], network, lambda: (ran.append(0) or np.zeros((10, 4)), {}))
        assert ran == [0] and twin_cache_info()["entries"] == 3
    finally:
        twins._TWINS.set_limit(twins.MAX_BYTES)


def test_a_replicate_without_its_twin_stores_nothing():
    double, _ = _single_and_cash()
    output = run_replicate(double, 0, 3)
    assert output.baseline_daily is None and twin_cache_info()["entries"] == 0


def _same_summary(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_a_twin_depends_on_nothing_its_design_drew(path):
    """What sharing rests on, for every bundled scenario: the twin run with its design's
    set-up draws is the twin run on its own, on the same seed and graph."""
    scenario = load_scenario(path).model_copy(update={"days": 60})
    network = network_for(scenario.network, scenario.population.size, 3)
    design = Engine(scenario, 3, network=network).run()
    taken = Engine(baseline_of(scenario), 3, network=network, kernel=design.uses_kernel, draws=design.draws).run()
    alone = Engine(baseline_of(scenario), 3, network=network, kernel=design.uses_kernel).run()
    assert np.array_equal(taken.daily, alone.daily, equal_nan=True)
    assert _same_summary(run_summary(taken), run_summary(alone))


def test_the_no_program_twin_runs_with_the_programs_channels_and_lag_and_nothing_else_of_it():
    """A design's no-program twin keeps unprompted word of mouth, which goes through the
    program's channels and lag (MODEL.md, step 2): of the program block it runs with
    those alone (compare.TWIN_PROGRAM_KEYS), and compare names designs that differ in
    them as compared against different baselines. Equivalence and its contrast, on both
    paths: changing what a twin does not run with leaves its run as it is, bit for bit;
    changing a channel or the lag changes it."""
    from simulator.compare import TWIN_PROGRAM_KEYS, twin_differences

    assert TWIN_PROGRAM_KEYS == ("program.channels", "program.conversion_lag")
    reference = small(days=60)
    untouched = small(days=60, program={
        "base_share": 0.6, "link_use": 0.9, "launch": {"ask_existing": "as_new"}, "moment_effect": {"onboarding": 2.0},
        "incentive": {"kind": "single_sided", "referrer_reward": 40},
        "timing": {"kind": "milestone", "reminders": {"count": 3}}})
    channel = small(days=60, program={"channels": [{"kind": "direct", "weight": 0.7, "extra_invites": 4},
                                                   {"kind": "broadcast", "weight": 0.3}]})
    lag = small(days=60, program={"conversion_lag": {"kind": "none"}})
    for kernel in (False, True):
        def twin(scenario):
            return Engine(baseline_of(scenario), 5, kernel=kernel).run().daily

        assert np.array_equal(twin(reference), twin(untouched))
        assert not np.array_equal(twin(reference), twin(channel))
        assert not np.array_equal(twin(reference), twin(lag))
    assert twin_differences(reference, untouched) == []
    assert twin_differences(reference, channel) == ["program.channels.0.extra_invites (2.0 vs 4.0)"]
    # a lag of another kind is named by its kind: the other kind's fields read "(0.52 vs None)"
    assert twin_differences(reference, lag) == ["program.conversion_lag.kind (geometric vs none)"]
    one = small(days=60, program={"channels": [{"kind": "direct"}]})
    assert twin_differences(reference, one) == ["program.channels.0.weight (0.7 vs 1.0)",
                                                "program.channels.1.kind (broadcast vs absent)"]


def test_a_study_over_a_channel_or_lag_key_says_its_points_have_their_own_baselines(tmp_path):
    """compare says when two designs' no-program twins differ (their channels or lag, which
    unprompted word of mouth takes); a sweep or optimisation over such a key ranked its
    points on incremental metrics taken against different baselines with no word. The
    study note names the keys, and appears only for them."""
    import yaml

    from simulator.report.text import study_twin_note
    from simulator.sweep import load_sweep, run_sweep

    from .test_sweep import BASE

    note = study_twin_note(["program.channels.0.extra_invites", "program.incentive.referrer_reward"])
    assert note.startswith("This study varies `program.channels.0.extra_invites`, which the no-program twin runs with")
    assert "referrer_reward" not in note
    assert study_twin_note(["program.conversion_lag.kind"]) and study_twin_note(["program.conversion_lag"])
    assert study_twin_note(["program.incentive.referrer_reward", "program.channel_weight"]) == ""
    # seeding strategies: a sweep crowned random seeding on the value, each point's twin seeded as the point was
    note = study_twin_note(["population.initial_customers.strategy"])
    assert "the twin starts from the point's initial customers" in note and "channels and lag" not in note, note
    base = {**BASE, "program": {**BASE["program"], "channels": [{"kind": "direct", "weight": 1.0}]}}
    spec = {"base": base, "method": "grid", "replicates": 1, "seed": 5, "metrics": ["customers_final"],
            "parameters": {"program.channels.0.extra_invites": {"values": [0, 2]}}}
    path = tmp_path / "channels.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_sweep(load_sweep(path), tmp_path / "out", executor="serial")
    assert "which the no-program twin runs with too" in (tmp_path / "out" / "report.md").read_text()


def test_the_value_splits_into_columns_of_runs_csv_run_by_run():
    """report.md splits the incremental value into cash, customer equity, referrals still
    converting and rewards still owed; the equity part stood in no file (the twin's
    equity_final is written nowhere) and could be checked only as what was left.
    incremental_equity is the design's equity_final less its twin's, so by net_value's
    definition (profit + equity − owed − unpaid + pipeline, the twin owing none) the parts
    add up to the value in every run; the twin's equity is checked against a run of the
    no-program twin itself."""
    from simulator import simulate

    scenario = load_scenario(Path(__file__).parents[1] / "scenarios" / "budget-capped-campaign.yaml",
                             ["population.size=1500", "days=120"])
    runs = simulate(scenario, replicates=3, seed=5).runs
    parts = (runs["incremental_profit"] + runs["incremental_equity"] + runs["incremental_pipeline_equity"]
             - runs["rewards_owed"] - runs["rewards_unpaid"])
    assert np.allclose(parts, runs["incremental_value"], rtol=1e-12, atol=1e-6)
    twin = simulate(baseline_of(scenario), replicates=3, seed=5, baseline=False).runs
    assert np.allclose(runs["equity_final"] - twin["equity_final"], runs["incremental_equity"], rtol=1e-12, atol=1e-6)
    assert (runs["incremental_equity"] != 0).any()   # a program that added customers: the check has something to add
