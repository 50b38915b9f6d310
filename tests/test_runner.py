"""Replicates: seeds spawned from the scenario seed and recorded per run, and the
same results whatever executor or number of workers runs them."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.engine import Engine
from simulator.errors import ScenarioError
from simulator.executors import check_executor, execution, run_tasks
from simulator.runner import simulate

from .conftest import small


def quick(**changes):
    return small(days=60, population={"size": 800, "initial_customers": 20}, **changes)


def test_replicate_seeds_are_spawned_from_the_scenario_seed_and_recorded():
    """Replicate r's seed is child r of numpy's SeedSequence(scenario seed).spawn(),
    it is stored with the run, and rerunning the engine from it alone gives that
    replicate's days again (what the manifest promises)."""
    scenario = quick()
    results = simulate(scenario, replicates=3, seed=7, executor="serial", baseline=False)
    children = np.random.SeedSequence(7).spawn(3)
    expected = [int(c.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert results.seeds == expected
    assert results.runs.sort_values("replicate")["seed"].tolist() == expected
    again = Engine(results.scenario, expected[2]).run().daily
    mine = results.timeseries[results.timeseries["replicate"] == 2]
    assert np.array_equal(mine["customers"].to_numpy(), again[:, 1])
    assert np.allclose(mine["cumulative_profit"].to_numpy(), again[:, -1])
    # more replicates extend a study without changing the earlier ones
    assert simulate(scenario, replicates=2, seed=7, executor="serial", baseline=False).seeds == expected[:2]


@pytest.fixture(scope="module")
def thread_cluster():
    """An existing Dask cluster to connect to by address (threads in this process:
    starts in well under a second)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"}, silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def test_results_do_not_depend_on_executor_or_workers(thread_cluster):
    scenario = quick()
    kwargs = dict(replicates=5, seed=21, baseline=True)
    serial = simulate(scenario, executor="serial", **kwargs)
    pooled = simulate(scenario, executor="local", workers=2, **kwargs)
    dasked = simulate(scenario, executor="dask", scheduler=thread_cluster, **kwargs)
    for other in (pooled, dasked):
        assert other.seeds == serial.seeds
        pd.testing.assert_frame_equal(other.timeseries, serial.timeseries)
        pd.testing.assert_frame_equal(other.runs, serial.runs)
        pd.testing.assert_frame_equal(other.people, serial.people)
        pd.testing.assert_frame_equal(other.baseline_timeseries, serial.baseline_timeseries)
    assert serial.runs["replicate"].tolist() == list(range(5))
    assert serial.runs["seed"].nunique() == 5


def test_progress_is_reported_once_per_replicate():
    calls = []
    simulate(quick(), replicates=4, seed=1, workers=2, baseline=False, progress=calls.append)
    assert calls == [1, 1, 1, 1]


def test_unknown_executor_is_a_one_line_error():
    with pytest.raises(ScenarioError, match="unknown executor 'threads'.*valid executors: local, serial, dask"):
        simulate(quick(), replicates=1, executor="threads")


def test_a_scheduler_with_another_executor_is_refused_in_words_that_fit_a_file_too():
    """A sweep file's `executor: local` beside `scheduler:` read "(got --executor local)",
    an option the analyst never gave."""
    with pytest.raises(ScenarioError, match=r"needs the dask executor \(the executor is local\); use --executor dask "
                                            r"\(or executor: dask in the file\) with --scheduler tcp://h:1"):
        check_executor("local", "tcp://h:1")   # what the command line and a sweep file's executor go through
    # simulate, where a script gave both as arguments, says it in those (test_python_api)


FILE_CLUSTER = "tcp://file:1"


@pytest.mark.parametrize("flags, file, where", [
    ((None, None), (None, None), ("local", None)),                       # nothing said anywhere: this computer's pool
    ((None, None), ("dask", FILE_CLUSTER), ("dask", FILE_CLUSTER)),      # the file alone decides
    ((None, None), (None, FILE_CLUSTER), ("dask", FILE_CLUSTER)),        # a scheduler implies dask, as --scheduler does
    (("local", None), (None, FILE_CLUSTER), ("local", None)),            # was refused, blaming a --scheduler not given
    (("serial", None), ("dask", FILE_CLUSTER), ("serial", None)),
    (("dask", None), ("local", FILE_CLUSTER), ("dask", FILE_CLUSTER)),   # --executor dask alone: the file's cluster
    (("dask", None), ("serial", None), ("dask", None)),                  # ... or a local cluster when it names none
    ((None, "tcp://flag:2"), ("local", None), ("dask", "tcp://flag:2")),  # --scheduler alone means dask
    ((None, "tcp://flag:2"), ("dask", FILE_CLUSTER), ("dask", "tcp://flag:2")),
])
def test_the_command_line_wins_over_a_files_executor_and_scheduler_as_a_whole(flags, file, where):
    """The rule sweep and the decision commands share (docs/scenarios.md, docs/decide.md):
    the command line's --executor and --scheduler replace the file's pair, except that
    --executor dask alone still goes to the cluster the file names."""
    assert execution(*flags, *file) == where


def test_a_files_own_executor_and_scheduler_that_disagree_are_still_refused():
    with pytest.raises(ScenarioError, match="needs the dask executor"):
        execution(None, None, "local", FILE_CLUSTER)
    with pytest.raises(ScenarioError, match="needs the dask executor"):
        execution("local", "tcp://flag:2", None, None)   # both on the command line: a contradiction the user wrote


@pytest.mark.parametrize("address, words", [
    ("tcp://127.0.0.1:1", "no Dask scheduler reachable"),
    ("localhost8786", "write tcp://HOST:PORT"),
])
@pytest.mark.timeout(60)  # a hang guard: the check itself gives up after its own connect timeout
def test_unreachable_or_malformed_scheduler_fails_fast(address, words):
    with pytest.raises(ScenarioError, match=words) as error:
        simulate(quick(), replicates=1, executor="dask", scheduler=address)
    assert "\n" not in str(error.value)


@pytest.mark.timeout(60)
def test_run_refuses_an_unreachable_scheduler_as_its_option_before_any_bar(tmp_path):
    """`refsim run --scheduler` drew its progress bar, then refused the address in the
    Python API's words ('simulate(): scheduler: ... leave out scheduler='), where compare
    and sweep name --scheduler before they start."""
    from typer.testing import CliRunner

    from simulator.cli import app
    from .conftest import SCENARIOS

    done = CliRunner().invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--replicates", "2", "--scheduler", "tcp://127.0.0.1:1",
                                    "--out", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    assert done.stdout == "" and done.stderr.startswith("error: --scheduler: no Dask scheduler reachable at "
                                                        "tcp://127.0.0.1:1"), done.output
    assert "simulate()" not in done.stderr and "scheduler=" not in done.stderr and not (tmp_path / "out").exists()


def _marked_slow_square(task: tuple[str, int]) -> int:
    folder, x = task
    (Path(folder) / f"started-{x}").touch()
    time.sleep(0.2)
    return x * x


def test_leaving_the_loop_early_stops_the_pool_at_once(tmp_path):
    """Ctrl-C or an error in the consumer must not leave workers running the rest:
    once the loop is left, every worker has exited and no further task starts."""
    tasks = [(str(tmp_path), x) for x in range(100)]
    # children this process already had (another test's, not yet reaped) are not this pool's workers
    before = set(multiprocessing.active_children())
    with contextlib.closing(run_tasks(_marked_slow_square, tasks, executor="local", workers=2)) as results:
        first = next(iter(results))
    assert first in {x * x for x in range(100)}
    # closing ended every worker; a killed worker may take a moment to be reaped on a busy machine
    deadline = time.monotonic() + 10
    while (left := set(multiprocessing.active_children()) - before) and time.monotonic() < deadline:  # a hang guard
        time.sleep(0.05)
    assert not left, (left, before)
    started = len(list(tmp_path.glob("started-*")))
    # the window (2 x workers) plus the one task refilled for the result taken
    assert 1 <= started <= 2 * 2 + 1, started
    time.sleep(0.5)  # longer than a task: a worker still alive would have started another
    assert len(list(tmp_path.glob("started-*"))) == started


def test_every_task_comes_back_once_with_a_bounded_window():
    results = sorted(run_tasks(_square, range(50), executor="local", workers=2, window=3))
    assert results == [x * x for x in range(50)]


def _square(x: int) -> int:
    return x * x


def test_every_study_seed_comes_from_a_named_stream_of_rng():
    """Seeds of confirmation re-runs are new luck: none equals a replicate seed or a
    sweep run seed of the same study seed, replicate r's seed does not depend on how
    many are asked for, and an unknown stream name is refused."""
    from simulator.rng import STREAM_NAMES, fresh_seeds, replicate_seeds, run_seed, study_stream

    assert {"sweep points", "trials", "samples", "fresh replicates"} <= set(STREAM_NAMES)
    fresh = fresh_seeds(7, 20)
    used = set(replicate_seeds(7, 20)) | {run_seed(7, p, r) for p in range(20) for r in range(20)}
    assert len(set(fresh)) == 20 and not set(fresh) & used
    assert fresh_seeds(7, 5) == fresh[:5] and fresh_seeds(7, 5, round=1) != fresh[:5]
    with pytest.raises(KeyError, match="unknown random stream"):
        study_stream(7, "sweep point")


def test_the_people_table_labels_each_person_by_state_and_channel():
    """people_frame's text columns are the engine's codes looked up in their label lists
    (the reference: one Python string per person), in pandas' default string type."""
    from simulator.runner import people_frame
    from simulator.state import STATE_NAMES

    scenario = quick()
    engine = Engine(scenario, 3).run()
    people = people_frame(engine)
    p = engine.people
    labels = ["not acquired", "seed", "organic"] + [c.label for c in scenario.program.channels]
    assert people["state"].tolist() == [STATE_NAMES[s] for s in p.state]
    assert people["channel"].tolist() == [labels[c + 3] for c in p.channel]
    assert people["state"].dtype == pd.Series(["x"]).dtype == people["channel"].dtype
    assert {"seed", "not acquired"} <= set(people["channel"]) and len(set(people["state"])) >= 2


def test_the_people_table_tells_tracked_referrals_and_the_rewards_each_person_got():
    """people.parquet had no way to tell a tracked referral from word of mouth (both have
    referred_by >= 0), and rewards_earned is a count: the tracked ones are the summary's
    referred_customers, and with no fake accounts the face values received, times the
    cost share, are the run's reward cost."""
    from simulator.metrics import run_summary
    from simulator.runner import people_frame

    from .conftest import small

    engine = Engine(small(fraud={"share": 0.0}, program={"incentive": {"reward_type": "credit"}}), 3).run()
    people, summary = people_frame(engine), run_summary(engine)
    assert people["tracked"].sum() == summary["referred_customers"] > 0
    assert (people["referred_by"][~people["tracked"]] >= 0).any()  # word of mouth: referred, not tracked
    assert not (people["tracked"] & (people["referred_by"] < 0)).any()
    assert people["reward_value"].sum() * 0.4 == pytest.approx(summary["reward_cost"], rel=1e-12) and summary["reward_cost"] > 0


def _same(a, b) -> bool:
    return a == b or (isinstance(a, float) and np.isnan(a) and np.isnan(b))


def _one_row_interval(values) -> dict:
    """The interval of one list of values, written plainly on the 1-d array (the formula
    simulate used metric by metric before summaries took their intervals together)."""
    from scipy.special import stdtrit

    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return {"mean": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p2_5": np.nan, "p97_5": np.nan, "n": 0}
    mean = float(values.mean())
    half = float(stdtrit(n - 1, 0.975) * values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    low, high = np.percentile(values, [2.5, 97.5])
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "p2_5": float(low), "p97_5": float(high), "n": n}


@pytest.mark.parametrize("n", [0, 1, 2, 9, 10, 129])
def test_intervals_of_a_table_are_each_row_alone_bit_for_bit(n):
    # numpy sums a contiguous run of more than 8 values pairwise: the table's rows must be
    # reduced as a row alone is, or a mean or a spread could differ in its last bit
    from simulator.runner import interval, intervals

    rng = np.random.default_rng(n)
    table = rng.normal(size=(12, n)) * rng.choice([1e-3, 1.0, 1e6], size=(12, 1))
    if n:
        table[1] = np.round(table[1], 1)  # ties
        table[2] = 7.0                    # no spread
        table[3, 0] = np.nan              # rows with a NaN or an infinity leave those values out
        table[4, -1] = np.inf
        table[5] = np.nan
    got = intervals(table)
    for row, summary in zip(table, got):
        want = _one_row_interval(row)
        for result in (summary, interval(row), interval(list(row))):
            assert result.keys() == want.keys()
            assert all(_same(result[k], want[k]) and type(result[k]) is type(want[k]) for k in want), (want, result)


def test_the_summary_is_the_t_interval_of_the_mean_and_the_outcome_range_per_scenario_and_metric():
    from scipy import stats

    from simulator.runner import summarize

    rng = np.random.default_rng(3)
    runs = pd.DataFrame({"scenario": ["a"] * 10 + ["b"] * 4, "replicate": list(range(10)) + list(range(4)),
                         "customers_final": rng.normal(1000, 50, 14), "k_factor": rng.uniform(0, 1, 14)})
    runs.loc[12, "k_factor"] = np.nan  # a NaN run is left out of its metric
    summary = summarize(runs).set_index(["scenario", "metric"])
    assert sorted(summary.index) == [(s, m) for s in "ab" for m in ("customers_final", "k_factor")]
    for (name, metric), row in summary.iterrows():
        values = runs.loc[runs["scenario"] == name, metric].dropna().to_numpy()
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        low = max(low, 0.0)   # both metrics count or average non-negative things: the interval is cut at 0
        assert row["n"] == len(values)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
        assert (row["p2_5"], row["p97_5"]) == pytest.approx(tuple(np.percentile(values, [2.5, 97.5])), rel=1e-12)


def test_a_day_interval_stops_at_the_horizon_and_a_spend_interval_at_the_budget():
    """A payback day's t-interval over the 4 of 6 runs that paid back ran to day 379 of
    a 365-day run. Given the scenarios, the summary cuts it at their last day, and the
    reward spend's at a total budget (evaluation.ceiling), as the program's cost where
    it is the reward spend in every run; without them it is the plain t-interval
    (closed form from scipy)."""
    from scipy import stats

    from simulator.runner import summarize

    from .conftest import small

    scenario = small(name="a", days=365, program={"incentive": {"kind": "single_sided", "referrer_reward": 20,
                                                                "budget": 1000}})
    payback = [150.0, 200.0, 340.0, 358.0, np.nan, np.nan]
    runs = pd.DataFrame({"scenario": "a", "replicate": range(6), "payback_day": payback,
                         "reward_cost": [990.0, 1000.0, 995.0, 1000.0, 960.0, 1000.0]})
    plain = summarize(runs).set_index("metric")
    values = np.array(payback[:4])
    high = stats.t.interval(0.95, 3, loc=values.mean(), scale=stats.sem(values))[1]
    assert plain.loc["payback_day", "ci_high"] == pytest.approx(high) and high > 365
    cut = summarize(runs, [scenario]).set_index("metric")
    assert cut.loc["payback_day", "ci_high"] == 365 and cut.loc["reward_cost", "ci_high"] == 1000
    assert plain.loc["reward_cost", "ci_high"] > 1000
    assert cut.loc["payback_day", "ci_low"] == plain.loc["payback_day", "ci_low"]
    # a program whose levers cost nothing: program_cost is the reward spend, and has its interval (it ran to 1,008)
    runs["program_cost"] = runs["reward_cost"]
    cut = summarize(runs, [scenario]).set_index("metric")
    assert cut.loc["program_cost", "ci_high"] == cut.loc["reward_cost", "ci_high"] == 1000
    # with levers that cost something, the budget caps only the rewards: program_cost may pass it
    runs["program_cost"] = runs["reward_cost"] + 50
    cut = summarize(runs, [scenario]).set_index("metric")
    assert cut.loc["program_cost", "ci_high"] > 1000


def test_an_interval_of_the_mean_is_cut_to_the_values_the_metric_can_take():
    """A t-interval over few replicates of a share near 0 reached below 0 (referred_share
    -0.108 - 1.05 over 2 replicates; payback_day -0.262 in the README's run). The true
    mean lies within the metric's values, so the interval cut to them covers it as
    often. Metrics without bounds, and the outcome range, are left as they are."""
    from scipy import stats

    from simulator.runner import interval, intervals, summarize

    share = np.array([0.02, 0.9])
    low, high = stats.t.interval(0.95, 1, loc=share.mean(), scale=stats.sem(share))
    assert low < 0 and high > 1                       # the plain interval leaves [0, 1]
    cut = interval(share, metric="referred_share")
    assert (cut["ci_low"], cut["ci_high"]) == (0.0, 1.0) and cut["mean"] == pytest.approx(0.46)
    assert interval(share)["ci_low"] == pytest.approx(low)   # no metric named: not cut
    payback = np.array([1.0, 1.0, 4.0, np.nan])
    assert interval(payback, metric="payback_day")["ci_low"] == 1.0
    value = np.array([-5.0, 3.0])
    assert interval(value, metric="incremental_value")["ci_low"] == pytest.approx(
        stats.t.interval(0.95, 1, loc=-1.0, scale=stats.sem(value))[0])   # unbounded: as it is
    table = np.array([share, [5.0, 6.0]])
    assert [r["ci_low"] for r in intervals(table, metrics=["referred_share", "customers_final"])][0] == 0.0
    runs = pd.DataFrame({"scenario": "a", "replicate": [0, 1], "referred_share": share, "payback_day": [1.0, 3.0]})
    summary = summarize(runs).set_index("metric")
    assert summary.loc["referred_share", "ci_low"] == 0.0 and summary.loc["referred_share", "ci_high"] == 1.0
    assert summary.loc["payback_day", "ci_low"] == 1.0
    assert summary.loc["referred_share", "p2_5"] == pytest.approx(np.percentile(share, 2.5))
    # a lifetime value is a margin's, at least 0: two runs of 137.5 and 1,006.5 read [-4,949, 6,093]
    for metric in ("ltv_referred", "ltv_organic", "ltv_ratio"):
        assert interval(np.array([137.5, 1006.5]), metric=metric)["ci_low"] == 0.0, metric


def _in_a_worker_without_refsim_engine(function, tasks, **_):
    """run_tasks as a Dask worker runs them: in an environment of its own, without the
    parent's REFSIM_ENGINE."""
    import os

    saved = os.environ.pop("REFSIM_ENGINE", None)
    try:
        done = [function(task) for task in tasks]
    finally:
        if saved is not None:
            os.environ["REFSIM_ENGINE"] = saved
    return (result for result in done)


def test_the_engine_path_is_decided_where_the_runs_are_asked_not_in_each_worker(monkeypatch):
    """REFSIM_ENGINE=numpy with --scheduler gave the kernel's numbers: each Dask worker
    read its own environment, so the same seed ran on the other path, and the manifest
    could not tell. The parent now decides the path and hands it to every run, and the
    manifest records it; REFSIM_ENGINE=kernel for a scenario the kernel cannot run is one
    line, where it was ignored."""
    from simulator import runner
    from simulator.provenance import engine_record

    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    here = simulate(quick(), replicates=2, seed=3, baseline=False, executor="serial")
    monkeypatch.setattr(runner, "run_tasks", _in_a_worker_without_refsim_engine)
    there = simulate(quick(), replicates=2, seed=3, baseline=False, executor="serial")
    pd.testing.assert_frame_equal(there.timeseries, here.timeseries)
    assert engine_record([quick()]) == {"REFSIM_ENGINE": "numpy", "path": "numpy"}
    monkeypatch.delenv("REFSIM_ENGINE")
    kernel = simulate(quick(), replicates=2, seed=3, baseline=False, executor="serial")
    assert not kernel.timeseries.equals(here.timeseries)   # the two paths draw otherwise: the check can fail
    assert engine_record([quick()]) == {"REFSIM_ENGINE": "auto", "path": "kernel"}
    # the kernel asked for where it cannot run: one line naming the setting
    monkeypatch.setenv("REFSIM_ENGINE", "kernel")
    drifting = quick(satisfaction={"kind": "nps_mix", "drift_per_year": -1.0})
    with pytest.raises(ScenarioError, match=r"REFSIM_ENGINE: kernel: the compiled kernel does not run "
                                            r"satisfaction.drift_per_year yet \(scenario \S+\); set it to auto"):
        simulate(drifting, replicates=1, seed=3, baseline=False, executor="serial")


def test_the_decision_commands_runs_take_the_path_decided_where_they_are_asked(monkeypatch):
    """optimize, sensitivity and calibrate run through the Evaluator: its runs too carry
    the path this process decides (each run's own REFSIM_ENGINE in a worker chose the
    other path, and the run cache could not tell the two apart)."""
    from simulator import evaluation
    from simulator.evaluation import Evaluator

    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    here = Evaluator()([quick()], [4], ["customers_final", "cumulative_profit"])
    monkeypatch.setattr(evaluation, "run_tasks", _in_a_worker_without_refsim_engine)
    assert Evaluator()([quick()], [4], ["customers_final", "cumulative_profit"]) == here
    assert Evaluator().on_common_path()([quick()], [4], ["customers_final", "cumulative_profit"]) == here
    monkeypatch.delenv("REFSIM_ENGINE")
    assert Evaluator()([quick()], [4], ["customers_final", "cumulative_profit"]) != here


def test_a_count_of_people_and_the_attributed_roi_stay_within_what_a_run_can_take():
    """Two runs of a 300-person market read customers_final 252, 95% CI 175.8 – 328.2, more
    people than there are; an attributed_roi of two runs read -2.04 – 3.82, where
    (revenue − cost)/cost cannot go below -1. summary.csv's interval is cut to the values
    a run can take: the population for a count of people (evaluation.ceiling), -1 for the
    attributed ROI (metrics.METRIC_BOUNDS)."""
    from simulator.evaluation import ceiling
    from simulator.metrics import METRIC_BOUNDS
    from simulator.runner import summarize

    from .conftest import small

    scenario = small(population={"size": 300, "initial_customers": 10})
    # those who joined during the run are at most the people who were not customers at the start (300 - 10)
    assert ceiling(scenario, "customers_final") == 300 and ceiling(scenario, "referred_customers") == 290
    assert ceiling(scenario, "adopters") == 290 == ceiling(scenario, "word_of_mouth_customers")
    assert METRIC_BOUNDS["attributed_roi"][0] == -1
    runs = pd.DataFrame({"scenario": scenario.name, "replicate": [0, 1], "customers_final": [176.0, 299.0],
                         "attributed_roi": [-0.9, 2.8]})
    table = summarize(runs, [scenario]).set_index("metric")
    assert table.loc["customers_final", "ci_high"] == 300 and table.loc["customers_final", "ci_low"] < 176
    assert table.loc["attributed_roi", "ci_low"] == -1 and table.loc["attributed_roi", "ci_high"] > 2.8
    # customer equity, discounted margins (a margin at least 0, times 1 + a premium at least -1): three runs read
    # -39,351 – 170,559
    equity = pd.DataFrame({"scenario": scenario.name, "replicate": [0, 1, 2], "equity_final": [1_000.0, 5_000.0, 190_000.0]})
    table = summarize(equity, [scenario]).set_index("metric")
    assert table.loc["equity_final", "ci_low"] == 0 and table.loc["equity_final", "ci_high"] > 190_000
