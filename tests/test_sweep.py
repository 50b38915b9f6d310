"""Sweeps: point generation, run seeds, identical rows on every executor, resume
after a kill, the folder lock, the fingerprint, failing runs and sweep-file errors."""

from __future__ import annotations

import hashlib
import json
import re
import math
import os
import shutil
import warnings
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from simulator.cli import app
from simulator.sweep import default_folder, grid_levels, load_sweep, run_seed, run_sweep, sweep_points, unit_samples

from .conftest import ROOT
from .processes import kill_group_when

runner = CliRunner()

BASE = {
    "name": "tiny",
    "seed": 3,
    "days": 30,
    "population": {"size": 300, "initial_customers": 8},
    "network": {"kind": "erdos_renyi", "mean_degree": 6},
    "program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "qualification_days": 7},
                "timing": {"kind": "onboarding", "delay_days": 2}},
}


def write_sweep(folder: Path, name: str = "sweep.yaml", **fields) -> Path:
    spec = {"base": BASE, "method": "grid", "parameters": {"program.incentive.referrer_reward": {"values": [0, 10, 20]}},
            "replicates": 2, "seed": 5, "metrics": ["customers_final", "attributed_roi"], **fields}
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def one_line_error(result, *words):
    """Exit 2 and one line on stderr (an empty line before it is a second line: a progress
    bar stopped before it started printed one)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.rstrip("\n").split("\n")
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- points and seeds


def test_grid_is_every_combination_first_parameter_slowest(tmp_path):
    path = write_sweep(tmp_path, parameters={
        "program.incentive.referrer_reward": {"values": [0, 10, 20]},
        "program.base_share": {"low": 0.1, "high": 0.4, "levels": 4},
    })
    points = sweep_points(load_sweep(path), seed=1)
    assert len(points) == 12
    rewards = points.table["program.incentive.referrer_reward"].tolist()
    shares = points.table["program.base_share"].tolist()
    assert rewards == [0] * 4 + [10] * 4 + [20] * 4
    assert shares == pytest.approx([0.1, 0.2, 0.3, 0.4] * 3)
    assert points.table["point_id"].tolist() == list(range(12))


def test_grid_levels_in_log_space_and_whole_numbers(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, parameters={
        "program.incentive.reward_scale": {"low": 1, "high": 1000, "log": True, "levels": 4},
        "population.initial_customers": {"low": 1, "high": 10, "log": True, "integer": True, "levels": 7},
    })).spec
    assert grid_levels(spec.parameters["program.incentive.reward_scale"]) == pytest.approx([1, 10, 100, 1000])
    # 1, 1.47, 2.15, 3.16, 4.64, 6.81, 10: rounded, each once
    assert grid_levels(spec.parameters["population.initial_customers"]) == [1, 2, 3, 5, 7, 10]


def test_random_points_stay_in_range_and_follow_the_seed(tmp_path):
    path = write_sweep(tmp_path, method="random", samples=200, parameters={
        "program.base_share": {"low": 0.1, "high": 0.3},
        "program.incentive.reward_scale": {"low": 1, "high": 100, "log": True},
        "population.initial_customers": {"low": 2, "high": 5, "integer": True},
        "program.incentive.reward_type": {"values": ["cash", "credit"]},
    })
    sweep = load_sweep(path)
    table = sweep_points(sweep, seed=9).table
    assert table["program.base_share"].between(0.1, 0.3).all()
    assert table["program.incentive.reward_scale"].between(1, 100).all()
    # log-uniform: about half the points below the geometric midpoint 10 (200 draws: 4 sd ≈ 28)
    assert abs((table["program.incentive.reward_scale"] < 10).sum() - 100) < 28
    assert set(table["population.initial_customers"]) == {2, 3, 4, 5}
    assert table["population.initial_customers"].dtype == np.int64
    assert set(table["program.incentive.reward_type"]) == {"cash", "credit"}
    pd.testing.assert_frame_equal(sweep_points(sweep, seed=9).table, table)
    assert not sweep_points(sweep, seed=10).table.equals(table)


def test_latin_hypercube_hits_each_stratum_exactly_once_per_dimension(tmp_path):
    n = 37
    units = unit_samples("latin_hypercube", n, 3, seed=12)
    for dimension in range(3):
        assert sorted(np.floor(units[:, dimension] * n).astype(int)) == list(range(n))
    path = write_sweep(tmp_path, method="latin_hypercube", samples=n, parameters={
        "program.base_share": {"low": 0.1, "high": 0.4},
        "program.incentive.reward_scale": {"low": 1, "high": 100, "log": True},
    })
    table = sweep_points(load_sweep(path), seed=12).table
    share = (table["program.base_share"] - 0.1) / 0.3
    scale = np.log(table["program.incentive.reward_scale"]) / np.log(100)
    for values in (share, scale):  # strata of the range (of log(value) for log parameters)
        assert sorted(np.minimum(np.floor(values * n), n - 1).astype(int)) == list(range(n))


def test_run_seeds_depend_only_on_sweep_seed_point_and_replicate():
    seeds = {(p, r): run_seed(77, p, r) for p in range(20) for r in range(5)}
    assert len(set(seeds.values())) == 100
    assert run_seed(77, 3, 2) == seeds[(3, 2)]
    assert run_seed(78, 3, 2) != seeds[(3, 2)]
    assert all(0 <= s < 2**63 for s in seeds.values())


# --------------------------------------------------------------------------- running


def run_frame(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "sweep.parquet")


def test_rows_are_identical_on_every_executor(tmp_path):
    """Serial, a local pool of 2 and a local Dask cluster of 2 give the same rows."""
    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 20]},
                                             "program.base_share": {"values": [0.1, 0.4]}})
    sweep = load_sweep(path)
    frames = {}
    for executor, workers in (("serial", 1), ("local", 2), ("dask", 2)):
        outcome = run_sweep(sweep, tmp_path / executor, executor=executor, workers=workers)
        assert (outcome.runs, outcome.failed) == (8, 0)
        frames[executor] = run_frame(tmp_path / executor)
    pd.testing.assert_frame_equal(frames["local"], frames["serial"])
    pd.testing.assert_frame_equal(frames["dask"], frames["serial"])
    serial = frames["serial"]
    assert serial["run_id"].tolist() == list(range(8))
    assert serial["seed"].tolist() == [run_seed(5, p, r) for p in range(4) for r in range(2)]
    assert list(serial.columns) == ["run_id", "point_id", "program.incentive.referrer_reward", "program.base_share",
                                    "replicate", "seed", "customers_final", "attributed_roi", "status", "error"]
    csv = pd.read_csv(tmp_path / "serial" / "sweep.csv")
    assert len(csv) == 8 and (csv["status"] == "ok").all()
    for name in ("manifest.json", "report.md", "points.csv", "customers_final.png", "customers_final_heatmap.png"):
        assert (tmp_path / "serial" / name).is_file(), name


def test_a_sweep_hands_each_worker_about_sixteen_tasks(tmp_path):
    """The parent writes each finished task as one part file. At 64 tasks a worker (4 runs
    a task in a 4,000-run sweep on 16 workers) a 16-core machine's parent could not keep
    up, and 16 workers ran slower than 12 (bench/RESULTS_sweep.md): a sweep aims at
    sweep.TASKS_PER_WORKER = 16 tasks a worker, at most MAX_BATCH runs each."""
    path = write_sweep(tmp_path, replicates=20, parameters={"program.incentive.referrer_reward": {"values": list(range(0, 20, 2))}})
    outcome = run_sweep(load_sweep(path), tmp_path / "out", executor="local", workers=2)
    assert (outcome.runs, outcome.failed) == (200, 0)
    sizes = sorted(len(pd.read_parquet(p)) for p in (tmp_path / "out" / "runs").glob("part-*.parquet"))
    # 200 runs on 2 workers: ceil(200 / (16 * 2)) = 7 runs a task, so 28 tasks of 7 and one of 4
    assert sizes == [4] + [7] * 28


def test_workers_the_executor_does_not_use_are_named(tmp_path):
    """--workers with the serial executor (or a running cluster's own workers) ran on one
    core without a word; the note names the unused option, and a pool gets none."""
    from simulator.executors import unused_workers

    path = write_sweep(tmp_path)
    serial = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "serial"), "--executor", "serial", "--workers", "3"])
    assert serial.exit_code == 0, serial.output
    assert "note: --workers 3 is unused: the serial executor runs every run in this process" in serial.stderr
    pool = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "pool"), "--executor", "local", "--workers", "2"])
    assert pool.exit_code == 0, pool.output
    assert "unused" not in pool.stderr
    assert unused_workers(4, "dask", "tcp://10.0.0.5:8786") == \
        "--workers 4 is unused: the Dask cluster at tcp://10.0.0.5:8786 runs on its own workers"
    assert unused_workers(4, "dask", None) is None and unused_workers(None, "serial", None) is None
    assert unused_workers(1, "serial", None) is None   # one worker is what serial runs on
    # the sweep file's own workers: went unused without a word too
    path = write_sweep(tmp_path, name="filed.yaml", workers=4)
    filed = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "filed"), "--executor", "serial"])
    assert filed.exit_code == 0, filed.output
    assert f"note: {path}'s workers: 4 is unused: the serial executor runs every run in this process" in filed.stderr


def test_the_workers_help_names_the_files_workers_that_the_flag_overrides(tmp_path):
    """sweep --help said --workers defaults to the number of CPU cores, where a sweep file's
    `workers: 1` was used (docs/scenarios.md: the file's, the command line wins); --executor's
    help said so, --workers' did not. The decide commands' --settings files alike. The file's
    workers is what the run records."""
    help_text = " ".join(runner.invoke(app, ["sweep", "--help"], terminal_width=400).stdout.split())
    assert "default: the sweep file's `workers:`, else the number of CPU cores" in help_text, help_text
    for command in ("optimize", "sensitivity", "calibrate"):
        text = " ".join(runner.invoke(app, [command, "--help"], terminal_width=400).stdout.split())
        assert "default: the --settings file's `workers:`, else the number of CPU cores" in text, (command, text)
    path = write_sweep(tmp_path, name="one.yaml", workers=1)
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "one")])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "one" / "manifest.json").read_text())["sweep"]["workers"] == 1


def test_common_random_numbers_give_every_point_the_replicate_seeds(tmp_path):
    from simulator.rng import replicate_seeds

    sweep = load_sweep(write_sweep(tmp_path, common_random_numbers=True))
    run_sweep(sweep, tmp_path / "crn", executor="serial")
    frame = run_frame(tmp_path / "crn")
    assert frame["seed"].tolist() == replicate_seeds(5, 2) * 3


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path):
    """promoters = 0.9 and passives = 0.35 are each valid, but not together: the runs of
    that combination (point 3 of promoters [0.3, 0.9] x passives [0.05, 0.35]) fail
    validation inside the worker; the rest of the sweep goes on."""
    base = {**BASE, "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.35}}
    path = write_sweep(tmp_path, base=base, parameters={"satisfaction.promoters": {"values": [0.3, 0.9]},
                                                        "satisfaction.passives": {"values": [0.05, 0.35]}})
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    frame = run_frame(tmp_path / "out")
    failed = frame[frame["status"] == "failed"]
    assert failed["point_id"].tolist() == [3, 3]
    assert failed["error"].str.contains("promoters \\+ passives must be at most 1").all()
    assert failed["customers_final"].isna().all() and failed["seed"].notna().all()
    assert (frame.loc[frame["status"] == "ok", "customers_final"] > 0).all()
    assert "2 failed" in result.stdout and "sweep.csv" in result.stdout
    # the error column reads alike from both files: missing for an ok run (it was '' in the parquet, NaN in the csv)
    csv = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert frame["error"].isna().tolist() == csv["error"].isna().tolist() == (frame["status"] == "ok").tolist()
    assert csv["error"].dropna().tolist() == failed["error"].tolist()


def test_sweep_csv_and_sweep_parquet_read_back_with_the_same_dtypes(tmp_path):
    """pd.read_csv and pd.read_parquet of one sweep give the same frame, dtypes included:
    customers_final and reward_cost (whole numbers of a float column), payback_day (whole
    days, missing for a failed run) and a range grid's levels 0 and 20 read int64 from
    the csv and float64 from the parquet, so one filter or merge behaved two ways. The
    rule (docs/scenarios.md): a float column is float64 in both, an int column int64.
    Values agree to the csv's 10 significant digits (relative error at most 5e-10)."""
    base = {**BASE, "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.35}}
    path = write_sweep(tmp_path, base=base, metrics=["customers_final", "reward_cost", "payback_day", "k_factor"],
                       parameters={"program.incentive.referrer_reward": {"low": 0, "high": 20, "levels": 2},
                                   "satisfaction.promoters": {"values": [0.3, 0.9]},
                                   "satisfaction.passives": {"values": [0.05, 0.35]}})   # 0.9 + 0.35 fails
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    parquet, csv = run_frame(tmp_path / "out"), pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert (parquet["status"] == "failed").any() and (parquet["status"] == "ok").any()   # error is text in both
    for column in ("customers_final", "reward_cost", "payback_day", "program.incentive.referrer_reward"):
        assert parquet[column].dtype == np.float64, column
    assert parquet["run_id"].dtype == parquet["seed"].dtype == np.int64
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=True, check_exact=False, rtol=1e-9, atol=0)


def test_a_swept_kind_switches_its_block_as_optimize_does(tmp_path, monkeypatch):
    """A sweep set `program.timing.kind=milestone` over an onboarding block, so its
    milestone came onboarding's 2 days in (delay_days read as the milestone's), where
    optimize's, as docs/decide.md says, takes the milestone's own 30; from a milestone
    block with a reach_share the onboarding value was refused. The kind now switches
    the block in a sweep as in optimize."""
    from simulator.parameters import apply_values, kind_overrides, parse_parameters
    from simulator.scenario_io import apply_overrides, validate

    from .conftest import small

    onboarding = small(program={"timing": {"kind": "onboarding", "delay_days": 2, "reminders": {"count": 2}}})
    (kind,) = parse_parameters(["program.timing.kind=onboarding,milestone"], onboarding)
    swept = validate(apply_overrides(onboarding.model_dump(mode="json"),
                                     kind_overrides(onboarding, {"program.timing.kind": "milestone"})))
    assert swept.program.timing == apply_values(onboarding, {"program.timing.kind": "milestone"}, parameters=[kind]).program.timing
    assert swept.program.timing.delay_days == 30 and swept.program.timing.reminders.count == 2
    # what a sweep's run gets (sweep.run_point), not only the helper
    from types import SimpleNamespace

    import simulator.sweep as sweep_module

    seen = []
    monkeypatch.setattr(sweep_module, "run_replicate", lambda scenario, *a, **k: seen.append(scenario)
                        or SimpleNamespace(metrics={"customers_final": 1.0}))
    batch = sweep_module.SweepBatch(base=onboarding.model_dump(mode="json"), base_source="base.yaml", base_dir=None,
                                    metrics=("customers_final",), baseline=False, runs=())
    row = sweep_module.run_point(batch, 0, 1, {"program.timing.kind": "milestone"}, 0, 7)
    assert row["status"] == "ok", row
    assert seen[-1].program.timing.kind == "milestone" and seen[-1].program.timing.delay_days == 30
    monkeypatch.undo()
    # the runs: from a milestone block with reach_share, both kinds run; a milestone point keeps the file's milestone
    base = {**BASE, "program": {**BASE["program"], "timing": {"kind": "milestone", "delay_days": 5, "reach_share": 0.9}}}
    path = write_sweep(tmp_path, base=base, parameters={"program.timing.kind": {"values": ["onboarding", "milestone"]}})
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--executor", "serial"])
    assert result.exit_code == 0, result.output
    frame = run_frame(tmp_path / "out")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()


def test_an_exception_inside_a_run_fails_only_that_run(tmp_path, monkeypatch):
    import simulator.sweep as sweep_module

    real = sweep_module.run_replicate
    doomed = run_seed(5, 1, 0)

    def flaky(scenario, replicate, seed, **kwargs):
        if seed == doomed:
            raise FloatingPointError("the engine blew up")
        return real(scenario, replicate, seed, **kwargs)

    monkeypatch.setattr(sweep_module, "run_replicate", flaky)
    outcome = run_sweep(load_sweep(write_sweep(tmp_path)), tmp_path / "out", executor="serial")
    assert outcome.failed == 1
    frame = run_frame(tmp_path / "out")
    row = frame[frame["seed"] == doomed].iloc[0]
    assert row["status"] == "failed" and row["error"] == "FloatingPointError: the engine blew up"
    assert (frame[frame["seed"] != doomed]["status"] == "ok").all()


def test_default_folder_is_deterministic_from_the_file_name():
    assert default_folder("sweeps/reward size.yaml") == Path("results/sweep-reward-size")
    assert default_folder(Path("a/b/x.yaml")) == default_folder("x.yaml")


# --------------------------------------------------------------------------- resume, lock, fingerprint


def test_resume_after_sigkill_runs_every_run_exactly_once(tmp_path):
    """Kill the whole process tree of a real `refsim sweep` once part files exist,
    rerun the same command, and compare with an uninterrupted sweep."""
    path = write_sweep(tmp_path, replicates=3, parameters={"program.incentive.referrer_reward": {"values": list(range(0, 40, 2))}})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator.cli", "sweep", str(path), "--out", str(out), "--workers", "2"]
    # The 60 tiny runs finish 1.5-2.5 s after the third part file: a test process that a
    # loaded machine leaves unscheduled that long sees a finished sweep, with nothing to
    # kill. That attempt proves nothing either way, so the sweep is started afresh (at
    # most 3 times) until it is killed while runs are still to come.
    for attempt in range(3):
        shutil.rmtree(out, ignore_errors=True)
        process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        kill_group_when(process, lambda: len(list((out / "runs").glob("part-*.parquet"))) >= 3,
                        "the sweep wrote no part files")
        if not (out / "sweep.parquet").exists():
            break
        assert process.returncode == 0, process.communicate()  # it ran to its end: the only other way out
    assert not (out / "sweep.parquet").exists(), "three attempts all finished before they could be killed"
    assert process.returncode == -signal.SIGKILL  # it really was cut short
    assert (out / "sweep.lock").exists()          # left behind by the killed process

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "already done" in again.stdout

    parts = pd.concat([pd.read_parquet(p) for p in (out / "runs").glob("part-*.parquet")])
    assert parts["run_id"].value_counts().max() == 1 and len(parts) == 60
    reference = tmp_path / "reference"
    run_sweep(load_sweep(path), reference, executor="serial")
    pd.testing.assert_frame_equal(run_frame(out), run_frame(reference))
    assert not (out / "sweep.lock").exists()
    # the manifests record the same bytes for the resumed pool and the serial reference, the bytes that are there
    recorded = json.loads((out / "manifest.json").read_text())["outputs"]
    assert recorded == json.loads((reference / "manifest.json").read_text())["outputs"]
    assert {"sweep.parquet", "sweep.csv", "points.csv"} <= set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


def test_a_second_sweep_into_a_locked_folder_is_refused(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    # a live holder until the finally below ends it: the lock is checked only after the
    # command has loaded (or, in a fresh clone, compiled) the kernel, which took 80 s on a
    # loaded 2-core machine, so a holder that exits on its own (it was `sleep 30`) could be
    # gone by then and the sweep would take its lock over and run
    holder = subprocess.Popen(["sleep", "3600"])
    try:
        (out / "sweep.lock").write_text(f"{holder.pid} {socket.gethostname()}\n")
        result = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
        one_line_error(result, f"another sweep (pid {holder.pid} on", "sweep.lock")
    finally:
        holder.kill()
        holder.wait()
    # a lock written on another computer cannot be checked from here: refused too
    (out / "sweep.lock").write_text("1 some-other-host\n")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out)]), "pid 1 on some-other-host")
    (out / "sweep.lock").write_text(f"{holder.pid} {socket.gethostname()}\n")
    # the holder is gone: its lock is stale and is taken over
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert not (out / "sweep.lock").exists()


def test_the_lock_is_held_from_the_runs_to_the_tables(tmp_path, monkeypatch):
    """A sweep let go of its lock between its runs and its tables (7 ms, measured by a
    walk), where a second sweep could take the folder. The lock is now held throughout:
    the tables are written under the lock the runs took, through the API and the command
    line, and a taker in another thread is still refused meanwhile."""
    import threading

    from simulator import report
    from simulator.errors import ScenarioError
    from simulator.results import StudyLock

    real, seen = report.write_sweep, []

    def writing_tables(outcome, **kwargs):
        lock = outcome.folder / "sweep.lock"
        seen.append(lock.exists() and lock.read_text().split()[0] == str(os.getpid()))
        refused = []

        def other_taker():
            try:
                with StudyLock(outcome.folder, "sweep"):
                    refused.append(False)
            except ScenarioError:
                refused.append(True)

        taker = threading.Thread(target=other_taker)
        taker.start()
        taker.join()
        seen.append(refused == [True])
        return real(outcome, **kwargs)

    path = write_sweep(tmp_path)
    monkeypatch.setattr(report, "write_sweep", writing_tables)
    run_sweep(load_sweep(path), tmp_path / "api", executor="serial")
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "cli"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert seen == [True, True, True, True]
    for folder in ("api", "cli"):   # and let go at the end
        assert not (tmp_path / folder / "sweep.lock").exists() and (tmp_path / folder / "sweep.parquet").exists()


def test_a_changed_sweep_is_refused_unless_forced(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    first = run_frame(out)
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 30]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "holds a different sweep", "--force")
    pd.testing.assert_frame_equal(run_frame(out), first)  # the refusal touched nothing
    forced = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--force"])
    assert forced.exit_code == 0, forced.output
    frame = run_frame(out)
    assert sorted(set(frame["program.incentive.referrer_reward"])) == [0, 10, 30]
    assert len(list((out / "runs").glob("part-*.parquet"))) >= 1 and len(frame) == 6
    # the same sweep again resumes (nothing to do) rather than refusing
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "6 already done" in again.stdout


def unseeded_sweep(tmp_path):
    """A sweep with no seed in its file nor in its base, run once into out/: its file, its
    spec, the folder, the command, the folder's rows and the seed it drew."""
    path = write_sweep(tmp_path, base={k: v for k, v in BASE.items() if k != "seed"})
    spec = yaml.safe_load(path.read_text())
    del spec["seed"]
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    return path, spec, out, command, run_frame(out), json.loads((out / "sweep.json").read_text())["sweep_seed"]


def test_pinning_the_drawn_seed_resumes_the_folder_and_another_seed_is_refused(tmp_path):
    """A sweep file without a seed (nor one in its base) draws one and records it in
    sweep.json. Writing that seed into the file, to pin it, was refused as 'a different
    sweep' although every run is the same: a fresh folder with the pinned seed gives the
    folder's very rows. The pinned rerun now resumes with nothing to redo, as does one
    that drops the pin again; another seed is still another sweep."""
    path, spec, out, command, first, drawn = unseeded_sweep(tmp_path)
    # the manifest's command replays the drawn seed (sweep takes it by --set seed=)
    assert json.loads((out / "manifest.json").read_text())["command"][-2:] == ["--set", f"seed={drawn}"]
    path.write_text(yaml.safe_dump({**spec, "seed": drawn}, sort_keys=False))
    fresh = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "fresh"), "--executor", "serial"])
    assert fresh.exit_code == 0, fresh.output
    pd.testing.assert_frame_equal(run_frame(tmp_path / "fresh"), first)   # the pinned sweep's runs are the folder's
    pinned = runner.invoke(app, command)
    assert pinned.exit_code == 0 and "0 run now, 6 already done" in pinned.stdout, pinned.output
    pd.testing.assert_frame_equal(run_frame(out), first)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))   # the pin dropped again: the folder's seed is used
    unpinned = runner.invoke(app, command)
    assert unpinned.exit_code == 0 and "0 run now, 6 already done" in unpinned.stdout, unpinned.output
    path.write_text(yaml.safe_dump({**spec, "seed": drawn + 1}, sort_keys=False))
    one_line_error(runner.invoke(app, command), "holds a different sweep", "its sweep file's seed differs", "--force")
    pd.testing.assert_frame_equal(run_frame(out), first)


def test_the_drawn_seed_pinned_in_the_base_scenario_or_by_set_resumes_the_folder(tmp_path):
    """The drawn seed given to the base scenario (written into it, or --set seed=) is the
    seed every run used: the folder resumes with nothing to redo. It was refused as 'its
    base scenario or --set differs', while the same seed written into the sweep file was
    accepted. Another seed there is still another sweep."""
    base = {k: v for k, v in BASE.items() if k != "seed"}
    path, spec, out, command, first, drawn = unseeded_sweep(tmp_path)
    given = runner.invoke(app, [*command, "--set", f"seed={drawn}"])
    assert given.exit_code == 0 and "0 run now, 6 already done" in given.stdout, given.output
    path.write_text(yaml.safe_dump({**spec, "base": {**base, "seed": drawn}}, sort_keys=False))
    written = runner.invoke(app, command)
    assert written.exit_code == 0 and "0 run now, 6 already done" in written.stdout, written.output
    pd.testing.assert_frame_equal(run_frame(out), first)
    path.write_text(yaml.safe_dump({**spec, "base": {**base, "seed": drawn + 1}}, sort_keys=False))
    one_line_error(runner.invoke(app, command), "holds a different sweep", "--force")
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    one_line_error(runner.invoke(app, [*command, "--set", f"seed={drawn + 1}"]), "holds a different sweep")
    # one pin after another of the same seed: the base's (--set), the sweep file's, and the base's again
    for sweep_seed, extra in ((None, ["--set", f"seed={drawn}"]), (drawn, []), (None, ["--set", f"seed={drawn}"])):
        path.write_text(yaml.safe_dump({**spec, **({"seed": sweep_seed} if sweep_seed else {})}, sort_keys=False))
        switched = runner.invoke(app, [*command, *extra])
        assert switched.exit_code == 0 and "0 run now, 6 already done" in switched.stdout, (sweep_seed, switched.output)
    pd.testing.assert_frame_equal(run_frame(out), first)


def _snapshot(folder: Path) -> dict:
    """Every entry under ``folder`` with its bytes (a file) or its listing's modification
    time (a folder: a file created and removed there moves it)."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else p.stat().st_mtime_ns
            for p in [folder, *folder.rglob("*")]}


def test_a_dry_run_counts_the_runs_done_and_to_run_and_writes_nothing(tmp_path):
    """`refsim sweep --dry-run` checks the sweep without running it: on a new folder it
    creates nothing; on a half-done folder it gives the runs the part files hold and
    those left (3 values x 2 replicates = 6), and changes no byte of the folder, lock
    included; the real run then does just that."""
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    before = _snapshot(tmp_path)
    dry = runner.invoke(app, [*command, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 points x 2 replicates = 6 runs, seed 5" in dry.stdout and "0 already done, 6 would run" in dry.stdout
    assert _snapshot(tmp_path) == before and not out.exists()
    assert runner.invoke(app, command).exit_code == 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    for part in parts[: len(parts) // 2]:   # as a kill would leave it: some parts written, the others not
        part.unlink()
    done = sum(len(pd.read_parquet(part)) for part in parts[len(parts) // 2:])
    assert 0 < done < 6
    before = _snapshot(tmp_path)
    dry = runner.invoke(app, [*command, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{out}: {done} already done, {6 - done} would run" in dry.stdout, dry.stdout
    forced = runner.invoke(app, [*command, "--dry-run", "--force"])
    assert forced.exit_code == 0 and "--force would delete" in forced.stdout and "6 would run" in forced.stdout
    grown = runner.invoke(app, [*command, "--dry-run", "-r", "3"])
    assert grown.exit_code == 0 and f"= 9 runs, seed 5; {out}: {done} already done, {9 - done} would run" in grown.stdout
    assert "(the sweep changed; its runs are kept)" in grown.stdout
    assert _snapshot(tmp_path) == before
    resumed = runner.invoke(app, command)
    assert resumed.exit_code == 0 and f"{6 - done} run now, {done} already done" in resumed.stdout, resumed.output


def test_a_dry_run_refuses_what_a_run_refuses_in_the_same_line(tmp_path):
    """A mistake in the sweep file, a --set, a folder holding another sweep or one whose
    lock another sweep holds: --dry-run gives the real run's one line (exit 2), and
    writes nothing."""
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]

    def same_refusal(*extra):
        before = _snapshot(tmp_path)
        line = one_line_error(runner.invoke(app, [*command, *extra, "--dry-run"]))
        assert _snapshot(tmp_path) == before
        assert one_line_error(runner.invoke(app, [*command, *extra])) == line
        return line

    bad = write_sweep(tmp_path, "bad.yaml", parameters={"program.incentive.referrer_rewrd": {"values": [0, 10]}})
    command[1] = str(bad)
    assert "referrer_rewrd" in same_refusal()
    assert not out.exists()
    command[1] = str(path)
    assert "unknown key 'dayz'" in same_refusal("--set", "dayz=3")
    assert runner.invoke(app, command).exit_code == 0
    assert "holds a different sweep" in same_refusal("--set", "days=12")
    (out / "sweep.lock").write_text("1 some-other-host\n")
    assert "another sweep (pid 1 on some-other-host)" in same_refusal()


def test_a_renamed_or_redescribed_sweep_resumes_its_folder_under_its_new_name(tmp_path):
    """Renaming a sweep (`name:`) or rewording its description changes no run (the seeds
    follow the sweep seed, points and replicates), yet it was refused as 'a different
    sweep', and resuming meant --force and rerunning every run. The folder now resumes
    with nothing to redo, and its report takes the new name."""
    path = write_sweep(tmp_path)
    path.write_text(path.read_text() + "name: first-try\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert (out / "report.md").read_text().startswith("# Sweep: first-try")
    first = run_frame(out)
    write_sweep(tmp_path)
    path.write_text(path.read_text() + "name: reward-size\ndescription: The referrer's reward, for the board.\n")
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "6 already done" in again.stdout, again.output
    pd.testing.assert_frame_equal(run_frame(out), first)
    assert (out / "report.md").read_text().startswith("# Sweep: reward-size")


def test_a_resume_without_the_first_commands_set_says_which_set_it_ran_with(tmp_path):
    """A sweep run on a scaled-down population (--set population.size=...) and resumed
    without the --set was refused with 'its base scenario or --set differs', leaving the
    user to remember what the first command had: the refusal now names both."""
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    first = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, [*first, "--set", "days=20", "--set", "network={kind: erdos_renyi, mean_degree: 4}"]).exit_code == 0
    line = one_line_error(runner.invoke(app, first), "holds a different sweep", "--force")
    assert "it ran with --set days=20 --set 'network={kind: erdos_renyi, mean_degree: 4}', " \
           "and this command with no --set" in line, line
    line = one_line_error(runner.invoke(app, [*first, "--set", "days=21"]), "holds a different sweep")
    assert "and this command with --set days=21)" in line, line


def test_a_dry_run_refuses_a_cluster_of_other_code_as_the_run_does_before_any_folder(tmp_path, monkeypatch):
    """--dry-run said yes to a cluster whose workers ran other refsim code; the run then
    refused it, after writing sweep.json and runs/ into a folder that had not existed.
    The workers' code is now checked with the scheduler, before either says anything or
    writes anything. (Workers of other code are a slow test of tests/test_faults.py; a
    cluster in this process stands here, its check made to refuse.)"""
    import logging

    from distributed import LocalCluster

    import simulator.executors as executors_module
    from simulator.errors import ScenarioError

    def other_code(client, scheduler, where=None):
        assert client.scheduler_info()["workers"]   # asked of the cluster's own workers
        raise ScenarioError(f"1 of the 1 workers at {scheduler} run other refsim code than this process",
                            key="--scheduler")

    monkeypatch.setattr(executors_module, "check_worker_code", other_code)
    path, out = write_sweep(tmp_path), tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
                      silence_logs=logging.ERROR) as cluster:
        for extra in (["--dry-run"], []):
            result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--scheduler",
                                         cluster.scheduler_address, *extra])
            one_line_error(result, "run other refsim code than this process")
            assert not out.exists()


def answering_with_other_code(monkeypatch) -> None:
    """A cluster that answers, whose one worker gives another code digest (a client stand-in:
    no scheduler is started)."""
    import simulator.executors as executors_module

    class Other:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def run(self, function, **kw):
            return {"tcp://127.0.0.1:9": "0" * 64}

    monkeypatch.setattr(executors_module, "check_scheduler", lambda address, **named: 1)
    monkeypatch.setattr(executors_module, "_client", lambda scheduler: Other())


def test_workers_of_other_code_on_a_files_cluster_are_blamed_on_the_files_scheduler_line(tmp_path, monkeypatch):
    """A cluster refused for running other code, when its address came from a sweep
    file, was blamed on a --scheduler nobody gave; an unreachable one named the file and
    its line. Both now name where the address came from."""
    import simulator.executors as executors_module
    from simulator.errors import ScenarioError
    answering_with_other_code(monkeypatch)
    path = write_sweep(tmp_path, executor="dask", scheduler="tcp://127.0.0.1:9999")
    line = path.read_text().splitlines().index("scheduler: tcp://127.0.0.1:9999") + 1
    with pytest.raises(ScenarioError) as error:
        executors_module.check_cluster("tcp://127.0.0.1:9999", file=str(path))
    assert str(error.value).startswith(f"{path}: scheduler (line {line}): 1 of the 1 workers at tcp://127.0.0.1:9999 "
                                       f"run other refsim code"), str(error.value)
    with pytest.raises(ScenarioError) as error:
        executors_module.check_cluster("tcp://127.0.0.1:9999")
    assert str(error.value).startswith("--scheduler: 1 of the 1 workers"), str(error.value)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]), f"scheduler (line {line})", "other refsim code")
    # and from Python, in the API's words (it blamed a --scheduler the script never gave)
    from simulator import simulate

    from .conftest import small

    with pytest.raises(ScenarioError) as error:
        simulate(small(), replicates=1, scheduler="tcp://127.0.0.1:9999")
    assert str(error.value).startswith("simulate(): scheduler: 1 of the 1 workers at tcp://127.0.0.1:9999 run other "
                                       "refsim code"), str(error.value)


def test_a_sweep_on_a_running_cluster_records_the_cluster_and_its_workers(tmp_path, monkeypatch):
    """With --scheduler the manifest said 'executor: dask, workers: 7' (the --workers
    given, or this computer's cores) of a sweep that another cluster's 3 workers ran, and
    named no cluster. Each session now records the scheduler and how many workers it had."""
    import simulator.sweep as sweep_module
    from simulator.executors import run_tasks

    import simulator.executors as executors_module

    monkeypatch.setattr(executors_module, "check_cluster", lambda address, **named: 3)   # a cluster of 3 workers answers
    # its runs are this process's: the rows depend on no executor (test_rows_are_identical_on_every_executor)
    monkeypatch.setattr(sweep_module, "run_tasks",
                        lambda function, tasks, **kw: run_tasks(function, tasks, **{**kw, "executor": "serial",
                                                                                    "scheduler": None}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(write_sweep(tmp_path)), "--out", str(out), "--workers", "7",
                                 "--scheduler", "tcp://10.0.0.5:8786"])
    assert result.exit_code == 0, result.output
    sweep = json.loads((out / "manifest.json").read_text())["sweep"]
    assert sweep["sessions"][0]["scheduler"] == "tcp://10.0.0.5:8786"
    assert (sweep["executor"], sweep["workers"], sweep["sessions"][0]["workers"]) == ("dask", 3, 3)


def test_the_command_lines_executor_wins_over_the_sweep_files_scheduler(tmp_path):
    """A sweep file naming a cluster (scheduler: tcp://...) could not be run on this
    computer: `--executor local` was refused with 'use --executor dask ... with
    --scheduler', a flag never given. The command line wins, as --workers does: local
    or serial runs here and leaves the file's scheduler unused; --executor dask alone
    still goes to the file's scheduler (none answers at port 1: refused in one line), and
    --scheduler alone to that cluster whatever executor the file names."""
    path = write_sweep(tmp_path, scheduler="tcp://127.0.0.1:1")
    for executor in ("serial", "local"):
        out = tmp_path / executor
        result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", executor, "--workers", "1"])
        assert result.exit_code == 0, result.output
        session = json.loads((out / "manifest.json").read_text())["sweep"]["sessions"][0]
        assert session["executor"] == executor and "scheduler" not in session
    # the address is the file's: the refusal names the file's scheduler key, not a --scheduler nobody gave
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "dask"), "--executor", "dask"]),
                          "no Dask scheduler reachable at tcp://127.0.0.1:1", str(path), "scheduler", "--executor local")
    assert "--scheduler" not in line
    # with its line, as the file's other mistakes are named
    assert f"scheduler (line {path.read_text().splitlines().index('scheduler: tcp://127.0.0.1:1') + 1})" in line, line
    assert "--scheduler" not in one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]), str(path))
    # with --workers too: the refusal alone, one line (the note that --workers goes unused on the cluster came first)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "dask"), "--executor", "dask", "-w", "2"]),
                   "no Dask scheduler reachable at tcp://127.0.0.1:1", str(path))
    # and --scheduler alone means dask over a file's executor: local (refused as 'needs the dask executor')
    path = write_sweep(tmp_path, executor="local")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "dask"), "--scheduler", "tcp://127.0.0.1:1"]),
                   "no Dask scheduler reachable at tcp://127.0.0.1:1", "--scheduler")
    # a file whose executor: local sits beside a scheduler: contradicts itself; "use --executor dask" was said to a
    # command that gave it
    path = write_sweep(tmp_path, executor="local", scheduler="tcp://127.0.0.1:1")
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--executor", "dask", "--dry-run"]), str(path),
                          "the file's executor: local takes no scheduler address; set executor: dask in the file, or "
                          "remove its executor: or its scheduler: line")
    assert "use --executor dask" not in line


def test_run_and_compare_blame_workers_of_other_code_on_their_scheduler_flag_before_any_run(tmp_path, monkeypatch):
    """`refsim run --scheduler` and `refsim compare --scheduler` checked only that the
    scheduler answered; the workers' code was then checked inside simulate()/compare(),
    whose words reached the console: "simulate(): scheduler: 1 of the 1 workers ... run
    other refsim code", after compare had drawn its progress bar. Both now name
    --scheduler, before any bar or run."""
    answering_with_other_code(monkeypatch)
    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    for command in (["run", str(scenarios / "default.yaml")],
                    ["compare", str(scenarios / "single-sided-cash.yaml"), str(scenarios / "double-sided-credit.yaml")]):
        result = runner.invoke(app, [*command, "--scheduler", "tcp://127.0.0.1:9999", "--out", str(tmp_path / "x")])
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr   # one line, no bar before it
        assert result.stderr.startswith("error: --scheduler: 1 of the 1 workers at tcp://127.0.0.1:9999 run other refsim "
                                        "code"), result.stderr
        assert not (tmp_path / "x").exists()


def test_an_unknown_metric_in_a_sweep_file_is_named_with_what_is_valid(tmp_path):
    """'unknown metric 'foo' valid metrics: ...' ran the two parts together where no
    close name was found; --objective's check puts a ';' between them."""
    line = one_line_error(runner.invoke(app, ["sweep", str(write_sweep(tmp_path, metrics=["foo"])), "--dry-run"]),
                          "metrics", "unknown metric 'foo'; valid metrics: ")
    assert "customers_final" in line
    one_line_error(runner.invoke(app, ["sweep", str(write_sweep(tmp_path, metrics=["customer_final"])), "--dry-run"]),
                   "unknown metric 'customer_final'; did you mean 'customers_final'? valid metrics: ")


def test_a_session_that_saved_no_run_is_not_listed_among_those_that_ran(tmp_path, monkeypatch):
    """A cluster whose workers run other code refuses the sweep before any run, and the
    refused command was listed in manifest.json's sessions, documented as each session
    that ran runs: two refusals, then a sweep that ran every run, made three sessions."""
    import simulator.sweep as sweep_module
    from simulator.errors import ScenarioError

    def refused(*args, **kwargs):
        raise ScenarioError("2 of the 2 workers run other refsim code than this process", key="--scheduler")

    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    with monkeypatch.context() as patch:
        patch.setattr(sweep_module, "run_tasks", refused)
        for _ in range(2):
            result = runner.invoke(app, command)
            assert result.exit_code == 2 and "other refsim code" in result.stderr, result.output
    assert runner.invoke(app, command).exit_code == 0
    sessions = json.loads((out / "manifest.json").read_text())["sweep"]["sessions"]
    assert [s["runs_done_before"] for s in sessions] == [0] and len(run_frame(out)) == 6


def test_a_metric_added_to_a_finished_sweep_reruns_nothing(tmp_path):
    """A user who adds a metric after reading the results was refused ('its metrics
    differ'), and --force ran every run again: the runs store every summary metric,
    so the folder resumes with nothing to run and its tables are those of a fresh
    sweep asking for the new metrics (the reference: same sweep, empty folder)."""
    path, out, fresh = write_sweep(tmp_path), tmp_path / "out", tmp_path / "fresh"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    parts = sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet"))
    for metrics in (["customers_final", "attributed_roi", "k_factor"], ["k_factor", "customers_final"]):
        write_sweep(tmp_path, metrics=metrics)
        dry = runner.invoke(app, [*command, "--dry-run"])
        assert dry.exit_code == 0 and "6 already done, 0 would run" in dry.stdout, dry.output
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "0 run now, 6 already done" in result.stdout, result.output
        assert sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet")) == parts   # nothing ran again
        shutil.rmtree(fresh, ignore_errors=True)
        assert runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial"]).exit_code == 0
        assert list(run_frame(out).columns[5:-2]) == metrics
        for name in ("sweep.parquet", "sweep.csv", "points.csv"):
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_force_deletes_nothing_where_it_cannot_delete_everything(tmp_path, monkeypatch):
    """--force with an immutable run file deleted half the sweep's folder (11 runs, the
    report, sweep.json), stopped on a traceback, and left a folder no longer known as a
    sweep's, refused from then on even with --force. What it would delete is tried first:
    one line, exit 2, and the folder as it was. (The immutable flag needs root, so the
    file refusing a second name stands in for it, as the system refuses it.)"""
    import errno

    from simulator import results

    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    held = sorted(p.relative_to(out) for p in out.rglob("*") if not p.name.endswith(".lock"))
    stuck = sorted((out / "runs").glob("part-*.parquet"))[-1]
    linked = os.link

    def immutable(source, target, *args, **kwargs):   # an immutable or append-only file takes no second name
        if Path(source) == stuck:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return linked(source, target, *args, **kwargs)

    monkeypatch.setattr(results.os, "link", immutable)
    one_line_error(runner.invoke(app, [*command, "--force"]), f"cannot delete runs/{stuck.name} to start over",
                   "(Operation not permitted); make it writable and rerun: nothing was deleted")
    assert sorted(p.relative_to(out) for p in out.rglob("*") if not p.name.endswith(".lock")) == held
    monkeypatch.setattr(results.os, "link", linked)
    # a read-only run file is deleted all the same (it is the folder's to allow): it was refused as "cannot delete"
    stuck.chmod(0o444)
    forced = runner.invoke(app, [*command, "--force"])
    assert forced.exit_code == 0 and "the sweep starts over" in forced.output, forced.output
    assert not list((out / "runs").glob(".*refsim-probe"))   # the probe's second names are gone


def test_a_metric_the_finished_runs_did_not_record_is_refused_naming_it(tmp_path):
    """An incremental metric needs each run's no-program twin, which a sweep of summary
    metrics did not run: one line naming the metric and --force, and the folder as it
    was; --force runs it."""
    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    before = _snapshot(out)
    del before["."]   # the refused command took the folder's lock, and gave it back
    write_sweep(tmp_path, metrics=["customers_final", "payback_day"])
    for extra in ([], ["--dry-run"]):
        line = one_line_error(runner.invoke(app, [*command, *extra]), "did not record payback_day", "--force",
                              "no-program twin")   # why these runs lack it
        assert "attributed_roi" in line, line   # what they hold
    assert {k: v for k, v in _snapshot(out).items() if k != "."} == before
    forced = runner.invoke(app, [*command, "--force"])
    assert forced.exit_code == 0 and "6 run now" in forced.stdout, forced.output
    assert run_frame(out)["payback_day"].notna().any()


def test_a_folder_whose_runs_hold_only_its_metrics_resumes_with_fewer_and_names_a_new_one(tmp_path):
    """A folder started before runs stored every metric: its part files hold the sweep's
    metrics alone and sweep.json has no fingerprint without them (made here by cutting a
    new folder down to that). Dropping a metric resumes it; adding one it lacks is one
    line naming it."""
    import pyarrow.parquet as pq

    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    for part in (out / "runs").glob("part-*.parquet"):
        frame = pd.read_parquet(part)
        frame[[*frame.columns[:5], "customers_final", "attributed_roi", "status", "error"]].to_parquet(part, index=False)
    state = json.loads((out / "sweep.json").read_text())
    state.pop("fingerprint_but_metrics", None)
    (out / "sweep.json").write_text(json.dumps(state))
    assert pq.read_schema(next((out / "runs").glob("part-*.parquet"))).names[5:7] == ["customers_final", "attributed_roi"]
    write_sweep(tmp_path, metrics=["customers_final", "k_factor"])
    one_line_error(runner.invoke(app, command), "did not record k_factor", "--force")
    write_sweep(tmp_path, metrics=["attributed_roi"])
    result = runner.invoke(app, command)
    assert result.exit_code == 0 and "0 run now, 6 already done" in result.stdout, result.output
    assert list(run_frame(out).columns[5:-2]) == ["attributed_roi"]


def test_force_deletes_the_old_sweeps_files_and_none_of_the_users(tmp_path):
    """--force, which the refusal of a changed sweep suggests, deleted everything in the
    folder: a notebook and a folder of figures the analyst kept beside the results went
    with the old runs. It deletes what a sweep writes (its runs, tables, report, manifest
    and metric figures) and leaves the rest."""
    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    (out / "analysis.ipynb").write_text("{}")
    (out / "figures").mkdir()
    (out / "figures" / "customers_final.png").write_bytes(b"mine")
    (out / "my_plot.png").write_bytes(b"mine")
    assert (out / "attributed_roi.png").is_file()
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 30]}},
                metrics=["customers_final"])
    forced = runner.invoke(app, [*command, "--force"])
    assert forced.exit_code == 0
    # said, not done silently: an unchanged, finished sweep rerun with --force ran everything again without a word
    assert f"--force: the runs {out} held were deleted; the sweep starts over" in forced.output
    assert "--force:" not in runner.invoke(app, [*command, "--force", "--out", str(tmp_path / "new")]).output
    assert (out / "analysis.ipynb").read_text() == "{}" and (out / "my_plot.png").read_bytes() == b"mine"
    assert (out / "figures" / "customers_final.png").read_bytes() == b"mine"
    assert not (out / "attributed_roi.png").exists()   # the old sweep's figure of a metric this one does not record
    assert sorted(set(run_frame(out)["program.incentive.referrer_reward"])) == [0, 10, 30]


def test_a_sweep_of_a_base_that_leaves_reward_type_out_says_so_on_the_console(tmp_path):
    """docs/scenarios.md and the sensitivity change say sweep, as run, compare and optimize,
    tells on the console what a base scenario's defaults decide (store credit at 40% of
    face value, nobody asked); the sweep said it in report.md only. A sweep that varies
    the reward type is not told about it."""
    base = {k: v for k, v in BASE.items() if k != "program"}
    base["program"] = {"incentive": BASE["program"]["incentive"]}   # no reward_type, no timing
    command = ["sweep", str(write_sweep(tmp_path, base=base)), "--out", str(tmp_path / "out"), "--executor", "serial"]
    # a dry run says it too, before the runs: it said only the count, and a base that asks nobody ran thousands
    dry = runner.invoke(app, [*command, "--dry-run"])
    assert dry.exit_code == 0 and not (tmp_path / "out").exists(), dry.output
    assert "note: Rewards are store credit" in dry.stdout and "note: No customer is ever asked" in dry.stdout
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "note: Rewards are store credit" in result.stdout and "note: No customer is ever asked" in result.stdout
    varied = write_sweep(tmp_path, "typed.yaml", base=base,
                         parameters={"program.incentive.reward_type": {"values": ["cash", "credit"]}})
    result = runner.invoke(app, ["sweep", str(varied), "--out", str(tmp_path / "typed"), "--executor", "serial"])
    assert result.exit_code == 0 and "Rewards are store credit" not in result.stdout, result.output
    assert "note: No customer is ever asked" in result.stdout


# --------------------------------------------------------------------------- sweep-file errors


@pytest.mark.parametrize("fields, words", [
    ({"methd": "grid"}, ["unknown key 'methd'", "did you mean 'method'"]),
    ({"parameters": {"program.base_share": {"low": 0.5, "high": 0.2}}}, ["parameters.program.base_share", "low (0.5) is above high (0.2)"]),
    ({"parameters": {"program.base_share": {"low": 0.1, "hihg": 0.2}}}, ["unknown key 'hihg'", "did you mean 'high'"]),
    ({"method": "random", "samples": 0, "parameters": {"program.base_share": {"low": 0.1, "high": 0.2}}}, ["samples", "greater than or equal to 1"]),
    ({"method": "random", "parameters": {"program.base_share": {"low": 0.1, "high": 0.2}}}, ["method", "needs 'samples: N'"]),
    ({"method": "latin_hypercub"}, ["method", "did you mean 'latin_hypercube'"]),
    ({"executor": "threads"}, ["executor", "valid: local, serial, dask"]),
    # the key's mistake, said as the key's: "value 1 does not fit" sent the reader to the value
    ({"parameters": {"program.incentive.referer_reward": {"values": [1, 2]}}},
     ["parameters.program.incentive.referer_reward", "the swept key does not fit the base scenario",
      "did you mean 'referrer_reward'"]),
    ({"parameters": {"programme.base_share": {"values": [0.1]}}}, ["parameters.programme.base_share", "unknown key 'programme'"]),
    ({"parameters": {"program.base_share": {"values": [0.1, 1.5]}}}, ["parameters.program.base_share", "value 1.5", "less than or equal to 1"]),
    ({"parameters": {"program.base_share": {"low": 0.1, "high": 0.2}}}, ["parameters.program.base_share", "levels"]),
    ({"parameters": {"seed": {"values": [1, 2]}}}, ["parameters.seed", "set by the sweep"]),
    ({"metrics": ["atributed_roi"]}, ["metrics.0", "did you mean 'attributed_roi'"]),
    ({"base": "missing.yaml"}, ["base", "not found"]),
    ({"base": "."}, ["base", "'.' is a folder"]),   # was said not to be found
    ({"replicates": 0}, ["replicates", "greater than or equal to 1"]),
    # validation is strict, as for scenario files: text is not a number nor 'yes' a boolean
    ({"replicates": "3"}, ["replicates", "valid integer (got '3')"]),
    ({"replicates": 2.5}, ["replicates", "valid integer (got 2.5)"]),   # a whole float (2.0) counts, as in scenario files
    ({"common_random_numbers": "yes"}, ["common_random_numbers", "valid boolean"]),
    # whole ends of a whole-number key passed the check while every drawn value failed its run (and the sweep exited 0)
    ({"method": "random", "samples": 3, "parameters": {"days": {"low": 30, "high": 60}}},
     ["parameters.days", "takes whole numbers", "gives 30.5", "add 'integer: true'"]),
    ({"parameters": {"days": {"low": 30, "high": 61, "levels": 3}}}, ["parameters.days", "gives 45.5", "integer: true"]),
    # a key that takes a whole number, a list or a block says "whole number", not "integer": it passed, and every run
    # failed; as a grid it was refused without the mend
    ({"method": "latin_hypercube", "samples": 3, "parameters": {"population.initial_customers": {"low": 10, "high": 20}}},
     ["parameters.population.initial_customers", "takes whole numbers", "gives 10.5", "add 'integer: true'"]),
    ({"parameters": {"population.initial_customers": {"low": 10, "high": 20, "levels": 4}}},
     ["parameters.population.initial_customers", "gives 13.3333", "add 'integer: true'"]),
    # a range of one value ran one point under "3 levels", or sampled copies of one point and ranked them
    ({"parameters": {"program.base_share": {"low": 0.2, "high": 0.2, "levels": 3}}},
     ["parameters.program.base_share", "low and high are both 0.2: a range of one value; give values: [0.2]"]),
    ({"method": "latin_hypercube", "samples": 3, "parameters": {"program.base_share": {"low": 0.2, "high": 0.2}}},
     ["parameters.program.base_share", "a range of one value"]),
    # whole numbers 1 to 2 drawn 6 times ran copies of 2 settings and ranked them
    ({"method": "random", "samples": 6, "parameters": {"program.incentive.cap_per_referrer": {"low": 1, "high": 2,
                                                                                               "integer": True}}},
     ["samples", "the parameters take only 2 combinations of values, fewer than samples: 6", "use method: grid"]),
    # whole numbers 1 to 3 in 6 levels ran 3 points under "6 levels"
    ({"parameters": {"program.incentive.cap_per_referrer": {"low": 1, "high": 3, "levels": 6, "integer": True}}},
     ["parameters.program.incentive.cap_per_referrer", "6 levels, but there are only 3 whole numbers from 1 to 3"]),
])
def test_sweep_file_mistakes_are_one_line_errors(tmp_path, fields, words):
    path = write_sweep(tmp_path, **fields)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")]), str(path), *words)
    assert "(line " in line or "base" in words  # the line of the key in the sweep file
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("method", ["random", "latin_hypercube"])
def test_a_sampled_range_whose_values_between_do_not_fit_is_refused_with_the_values_that_do(tmp_path, method):
    """A ring's even degree drawn from 4 to 8 passed its dry run on the ends, and its 5s
    and 7s then failed as runs. It is refused up front, offered the list that fits;
    beside a swept network kind that takes odd degrees, the runs decide as before."""
    ring = tmp_path / "ring.yaml"
    ring.write_text("name: ring\ndays: 10\npopulation: {size: 300}\nnetwork: {kind: watts_strogatz, mean_degree: 4}\n")
    degree = {"low": 4, "high": 8, "integer": True}
    path = write_sweep(tmp_path, base=str(ring), method=method, samples=4, parameters={"network.mean_degree": degree})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run", "--out", str(tmp_path / "out")]),
                   "parameters.network.mean_degree", "draws every whole number from 4 to 8, and 5 does not fit",
                   "mean_degree 5 is odd", "give {values: [4, 6, 8]} instead of the range")
    mended = write_sweep(tmp_path, "mended.yaml", base=str(ring), method=method, samples=4,
                         parameters={"network.mean_degree": degree,
                                     "network.kind": {"values": ["watts_strogatz", "erdos_renyi"]}})
    result = runner.invoke(app, ["sweep", str(mended), "--dry-run", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "4 points" in result.stdout, result.output
    # a kind of one value is set in every point: it mends nothing, and the ring's check applies on a base of
    # another kind (it passed there, and a quarter of the runs failed)
    plain = tmp_path / "plain.yaml"
    plain.write_text("name: plain\ndays: 10\npopulation: {size: 300}\nnetwork: {kind: erdos_renyi, mean_degree: 4}\n")
    for name, swept in (("one.yaml", degree), ("listed.yaml", {"values": [4, 5, 6]})):
        spec = {"network.kind": {"values": ["watts_strogatz"]}, "network.mean_degree": swept}
        one = write_sweep(tmp_path, name, base=str(plain), **({"method": method, "samples": 4} if "low" in swept else {}),
                          parameters=spec)
        one_line_error(runner.invoke(app, ["sweep", str(one), "--dry-run", "--out", str(tmp_path / "out")]),
                       "parameters.network.mean_degree", "mean_degree 5 is odd")


def test_the_report_gives_the_levels_a_grid_range_runs():
    """Whole numbers on a log scale round onto the same value: 1 to 100 in 50 levels runs
    fewer than 50 (each value once), and the report's table said "50 levels"."""
    from simulator.report.sweep import _levels_text
    from simulator.sweep_spec import ValueRange, grid_levels

    crowded = ValueRange(low=1, high=100, log=True, integer=True, levels=50)
    used = sorted(set(int(round(v)) for v in np.geomspace(1, 100, 50)))   # numpy's own log spacing, rounded
    assert grid_levels(crowded) == used and len(used) < 50
    shown = ", ".join(map(str, used[:12])) + " …"
    assert _levels_text(crowded) == (f", {len(used)} levels: {shown} (50 asked; whole numbers that rounded onto the same "
                                     f"value run once)")
    assert _levels_text(ValueRange(low=0, high=1, levels=5)) == ", 5 levels"
    # a middle level rounded ('0 to 3, 3 levels' ran 0, 2, 3, and '1 to 4' ran 1, 2, 4): the table lists what ran,
    # as Python's round() gives it, a half to the even number
    for low, high in ((0, 3), (1, 4)):
        ran = [low, round((low + high) / 2), high]
        assert grid_levels(ValueRange(low=low, high=high, levels=3, integer=True)) == ran
        assert _levels_text(ValueRange(low=low, high=high, levels=3, integer=True)) == (
            f", 3 levels: {', '.join(map(str, ran))} (evenly spaced, rounded to whole numbers, a half to the even one)")
    assert _levels_text(ValueRange(low=0, high=3, levels=4, integer=True)) == ", 4 levels"   # 0, 1, 2, 3 exactly


def test_command_line_mistakes_are_one_line_errors(tmp_path):
    path = write_sweep(tmp_path)
    out = str(tmp_path / "out")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", out, "--executor", "thread"]), "unknown executor 'thread'")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", out, "--scheduler", "tcp://127.0.0.1:1"]),
                   "no Dask scheduler reachable at tcp://127.0.0.1:1")
    assert not Path(out).exists()   # refused before any run: no empty folder left behind, though the lock was taken
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", out, "--workers", "0"]), "--workers")
    one_line_error(runner.invoke(app, ["sweep", str(tmp_path / "nope.yaml")]), "file not found")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "taken")]), "not a sweep folder")


def test_example_sweeps_are_valid():
    for path in sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")):
        sweep = load_sweep(path)
        assert len(sweep_points(sweep, sweep.seed)) >= 2, path


# --------------------------------------------------------------------------- --set, best points, a grid that grows


def test_set_changes_the_base_scenario_and_is_part_of_the_sweep(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--set", "days=12"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load((out / "manifest.json").read_text())
    assert manifest["scenarios"][0]["days"] == 12 and manifest["sweep"]["set"] == ["days=12"]
    # the base as the sweep ran it: the sweep file's replicates and seed (2 and 5), not the base file's
    assert BASE["seed"] == 3 and "replicates" not in BASE   # the base's own: seed 3, the schema's replicates
    assert (manifest["scenarios"][0]["replicates"], manifest["scenarios"][0]["seed"]) == (2, 5)
    # another --set is another sweep: refused without --force, like any change
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial",
                                       "--set", "days=13"]), "holds a different sweep", "its base scenario or --set differ")
    # another replicate count is named as such (it was reported as a changed file); more
    # replicates are the same sweep grown (test_more_replicates_run_only_the_new_ones...)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--set", "days=12",
                                       "--replicates", "1"]), "its replicates (", "there, 1 now) differ")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o2"), "--set", "dayz=3"]),
                   "unknown key 'dayz'", "did you mean 'days'")


def test_a_refused_resume_names_the_keys_of_the_base_scenario_that_changed(tmp_path):
    """A base scenario file edited after its sweep started was refused as 'its base
    scenario or --set differs', leaving the user to find the edit in a file of a
    hundred keys: the refusal now names each edited key path with its values there and
    now. A folder whose sweep.json predates storing the resolved base keeps the old
    wording, and the refusal touches nothing."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(BASE, sort_keys=False))
    path = write_sweep(tmp_path, base="base.yaml")
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    first = run_frame(out)
    edited = {**BASE, "days": 20, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"],
                                                                                  "referee_reward": 25}}}
    base.write_text(yaml.safe_dump(edited, sort_keys=False))
    line = one_line_error(runner.invoke(app, command), "holds a different sweep", "--force")
    assert "its base scenario or --set differs from this command's: base scenario: " in line, line
    assert re.search(r"\bdays 30 → 20\b", line), line
    assert re.search(r"program\.incentive\.referee_reward 10(\.0)? → 25(\.0)?[,;)]", line), line
    assert "referrer_reward" not in line and "qualification_days" not in line, line   # unchanged keys are not named
    pd.testing.assert_frame_equal(run_frame(out), first)
    state = json.loads((out / "sweep.json").read_text())
    del state["base_resolved"]   # as a folder started before it was stored
    (out / "sweep.json").write_text(json.dumps(state))
    line = one_line_error(runner.invoke(app, command), "holds a different sweep")
    assert "(its base scenario or --set differs from this command's); rerun with --force" in line, line


def test_a_base_written_differently_with_the_same_points_resumes_and_an_edited_one_does_not(tmp_path):
    """A base rewritten with the same values (30.0 for 30, a default spelled out or left
    out) was refused as another sweep ('the same values, written differently'), which
    only --force, running every run again, would start. It now resumes, running
    nothing, where every point builds the same scenario from either writing, a swept
    kind included (a switched kind keeps the base's resolved values: double_sided's
    referrer_reward of 10, written out or its default, carries into single_sided,
    whose own default is 20). An edited value is still another sweep."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(BASE, sort_keys=False))
    path = write_sweep(tmp_path, base="base.yaml", parameters={"program.incentive.kind": {"values": ["double_sided",
                                                                                                    "single_sided"]}})
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, command).exit_code == 0
    first = run_frame(out)
    incentive = {k: v for k, v in BASE["program"]["incentive"].items() if k != "referrer_reward"}
    for rewritten in ({**BASE, "days": 30.0, "program": {**BASE["program"], "incentive": {
                          **BASE["program"]["incentive"], "qualifying_share": 1.0}}},
                      {**BASE, "program": {**BASE["program"], "incentive": incentive}}):
        base.write_text(yaml.safe_dump(rewritten, sort_keys=False))
        resumed = runner.invoke(app, command)
        assert resumed.exit_code == 0 and "0 run now, 4 already done" in " ".join(resumed.stdout.split()), resumed.output
        pd.testing.assert_frame_equal(run_frame(out), first)
    assert set(first[first["program.incentive.kind"] == "single_sided"]["customers_final"]) != set()
    base.write_text(yaml.safe_dump({**BASE, "days": 31}, sort_keys=False))
    one_line_error(runner.invoke(app, command), "holds a different sweep", "days 30 → 31")
    pd.testing.assert_frame_equal(run_frame(out), first)
    # a folder from before sweep.json kept the base as written is refused as before
    base.write_text(yaml.safe_dump(BASE, sort_keys=False))
    assert runner.invoke(app, command).exit_code == 0
    state = json.loads((out / "sweep.json").read_text())
    del state["base_written"]
    (out / "sweep.json").write_text(json.dumps(state))
    base.write_text(yaml.safe_dump({**BASE, "days": 30.0}, sort_keys=False))
    one_line_error(runner.invoke(app, command), "holds a different sweep", "the same values, written differently")


def test_the_changed_keys_of_a_base_are_named_in_the_order_written_up_to_three():
    from simulator.results import _changed_keys_text

    then = {"days": 30, "program": {"kind": "a", "reward": 10, "tiers": [1, 2]}, "name": "x", "gone": 1}
    now = {"days": 30, "program": {"kind": "b", "reward": 10, "tiers": [1, 3]}, "name": "y", "new": 2}
    assert _changed_keys_text(then, now) == 'program.kind "a" → "b", program.tiers [1, 2] → [1, 3], ' \
                                            'name "x" → "y" and 2 more keys'
    assert _changed_keys_text({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}) == "a.c unset → 2"
    assert _changed_keys_text(then, dict(then)) == "the same values, written differently"


def test_an_edited_item_of_a_list_of_mappings_is_named_by_its_index():
    """A channel's weight edited in the base was named as 'program.channels [{"attention":
    1.0, "base_conversion": … → [{"attention": 1.0, "base_conversion": …', both sides cut
    before the edit; the items of a list of mappings are compared key by key, named as
    --set names them. A list that gained an item is still one value."""
    from simulator.results import _changed_keys_text

    channel = {"attention": 1.0, "base_conversion": 0.1, "kind": "direct", "weight": 0.7}
    then = {"program": {"channels": [channel, {**channel, "kind": "broadcast", "weight": 0.3}]}}
    now = {"program": {"channels": [{**channel, "weight": 0.6}, {**channel, "kind": "broadcast", "weight": 0.4}]}}
    assert _changed_keys_text(then, now) == "program.channels.0.weight 0.7 → 0.6, program.channels.1.weight 0.3 → 0.4"
    grown = {"program": {"channels": [*then["program"]["channels"], {"kind": "social"}]}}
    assert _changed_keys_text(then, grown).startswith("program.channels [{")


def test_a_refused_resume_names_the_key_of_the_sweep_file_that_changed(tmp_path):
    """A random sweep whose samples grew from 6 to 8 was refused as 'its sweep file
    differ' (neither the key nor the grammar); the line now names the key. Growing the
    replicates and the grid in one command says to grow one at a time."""
    path = write_sweep(tmp_path, method="random", samples=3, replicates=1,
                       parameters={"program.incentive.referrer_reward": {"low": 0, "high": 20}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    write_sweep(tmp_path, method="random", samples=4, replicates=1,
                parameters={"program.incentive.referrer_reward": {"low": 0, "high": 20}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "holds a different sweep (its sweep file's samples differ from this command's)")
    # more samples of a random sweep is a different sweep whatever the replicates: no advice to grow one at a time
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "-r", "2"]),
                          "its replicates (1 there, 2 now), sweep file's samples differ")
    assert "grows in one thing at a time" not in line
    # a grid that gained a value and more replicates can grow, one at a time: said so
    grid = tmp_path / "grid"
    grid.mkdir()
    path = write_sweep(grid, replicates=1, parameters={"program.incentive.referrer_reward": {"values": [0, 10]}})
    assert runner.invoke(app, ["sweep", str(path), "--out", str(grid / "out"), "--executor", "serial"]).exit_code == 0
    write_sweep(grid, replicates=1, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 20]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(grid / "out"), "--executor", "serial", "-r", "2"]),
                   "its replicates (1 there, 2 now), sweep file's parameters differ", "grows in one thing at a time")
    # a grid that dropped a level it ran (0 and 10 ran; 0 to 20 in 2 levels drops 10) is told which, where it said
    # only "parameters differ" (as of 3 levels to 4, which moves the middle one)
    write_sweep(grid, replicates=1, parameters={"program.incentive.referrer_reward": {"low": 0, "high": 20, "levels": 2}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(grid / "out"), "--executor", "serial"]),
                   "holds a different sweep (this grid with levels this sweep file drops: "
                   "program.incentive.referrer_reward 10 (its levels now: 0, 20))", "list the dropped ones too")


@pytest.mark.parametrize("paired", [False, True])
def test_more_replicates_run_only_the_new_ones_and_match_a_fresh_sweep(tmp_path, paired):
    """An analyst who wants narrower intervals asks a finished sweep for more
    replicates: the finished runs are kept (none runs again) and the folder's rows are
    then those of a fresh sweep with that many replicates in an empty folder, run ids
    included (replicate r's seed does not depend on the count, with or without common
    random numbers). Fewer replicates than the folder holds is still another sweep."""
    path = write_sweep(tmp_path, common_random_numbers=paired)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert "replicates grew" not in (out / "report.md").read_text()
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--replicates", "4"])
    assert grown.exit_code == 0, grown.output
    assert "6 already done" in grown.stdout and "6 run now" in grown.stdout, grown.stdout
    once = runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial", "--replicates", "4"])
    assert once.exit_code == 0, once.output
    pd.testing.assert_frame_equal(run_frame(out), run_frame(fresh))
    assert run_frame(out)["run_id"].tolist() == list(range(12))
    assert "The replicates grew in this folder (2 → 4)" in (out / "report.md").read_text()
    # the count set in the sweep file grows the same way; a resume with it runs nothing
    write_sweep(tmp_path, common_random_numbers=paired, replicates=5)
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "12 already done" in again.stdout and "3 run now" in again.stdout, again.output
    assert "(2 → 4 → 5)" in (out / "report.md").read_text()
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--replicates", "3"]),
                   "holds a different sweep", "its replicates (5 there, 3 now) differ",
                   "rerun with -r 5 to use every run it holds")
    # ... and so it is: nothing runs again (a README reader who grew the fraud sweep to 400 replicates found its
    # plain command refused, with only --force, which throws the 400 away, or another folder to offer)
    kept = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "-r", "5"])
    assert kept.exit_code == 0 and "0 run now, 15 already done" in kept.stdout, kept.output


def test_a_grid_that_gained_a_value_reuses_its_finished_runs(tmp_path):
    """Adding a level in the middle of the grid runs only the new point: the old
    points keep their ids, seeds and rows; the new one is numbered after them and
    gets run_seed(sweep seed, its id, replicate)."""
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    before = run_frame(out)
    assert "grid grew" not in (out / "report.md").read_text()
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 5, 10, 20]}})
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0, grown.output
    assert "6 already done" in grown.stdout and "2 run now" in grown.stdout
    after = run_frame(out)
    pd.testing.assert_frame_equal(after.iloc[:6].reset_index(drop=True), before, check_dtype=False)
    new = after.iloc[6:]
    assert new["program.incentive.referrer_reward"].tolist() == [5, 5] and new["point_id"].tolist() == [3, 3]
    assert new["seed"].tolist() == [run_seed(5, 3, 0), run_seed(5, 3, 1)]
    assert "The grid grew in this folder (2 versions)" in (out / "report.md").read_text()
    # the new point's rows are those of the scenario with that value, run on those seeds
    from simulator.runner import run_replicate
    from simulator.scenario_io import apply_overrides, validate

    five = validate(apply_overrides(BASE, ["program.incentive.referrer_reward=5"]))
    expected = [run_replicate(five, r, run_seed(5, 3, r)).metrics["customers_final"] for r in range(2)]
    assert new["customers_final"].tolist() == expected
    # then more replicates: the report does not call the grown grid's runs a fresh run's
    more = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--replicates", "3"])
    assert more.exit_code == 0 and "8 already done" in more.stdout and "4 run now" in more.stdout, more.output
    report = (out / "report.md").read_text()
    assert "The replicates grew in this folder (2 → 3)" in report and "those of a fresh run" not in report
    assert "each point's runs are those its seeds give with that many replicates" in report
    # the inserted point keeps the id it got when the grid grew (its versions are kept)
    rows = run_frame(out)
    assert rows.loc[rows["point_id"] == 3, "program.incentive.referrer_reward"].tolist() == [5, 5, 5]
    pd.testing.assert_frame_equal(rows[rows["replicate"] < 2].drop(columns="run_id").reset_index(drop=True),
                                  after.drop(columns="run_id").reset_index(drop=True), check_dtype=False)
    # a grid that lost a value is a different sweep
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 5, 20]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "holds a different sweep")


def test_a_paired_grid_that_grew_has_a_fresh_runs_rows_under_other_point_ids(tmp_path):
    """Under common random numbers every point runs on the replicate seeds whatever its
    id, so a grid that grew holds the rows a fresh sweep gives, only numbered otherwise:
    the report said 'seeds differ' and that a fresh run 'gives other runs'."""
    path = write_sweep(tmp_path, common_random_numbers=True)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    write_sweep(tmp_path, common_random_numbers=True, parameters={"program.incentive.referrer_reward": {"values": [0, 5, 10, 20]}})
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial"]).exit_code == 0
    report = (out / "report.md").read_text()
    assert "a point's seeds do not depend on its id, so its runs are the same" in report and "other runs" not in report
    key = "program.incentive.referrer_reward"
    grown, once = (run_frame(f).sort_values([key, "replicate"]).drop(columns=["run_id", "point_id"]).reset_index(drop=True)
                   for f in (out, fresh))
    pd.testing.assert_frame_equal(grown, once)


FRAUD = "fraud.share"


def test_a_range_grid_grown_from_4_to_10_levels_reuses_its_runs_and_holds_the_decimals(tmp_path):
    """docs/scenarios.md promises that a grid gaining levels keeps its finished runs.
    From 0 to 0.3, 4 levels are 0, 0.1, 0.2, 0.3 (steps of 0.3/3) and 10 levels hold
    them all (steps of 0.3/9): every 4-level point is a 10-level point. linspace gave
    0.09999999999999999 for 0.1 in the first and 0.1 in the second, so the growth was
    refused, and a filter `== 0.1` on sweep.parquet found no row."""
    grid = lambda levels: {FRAUD: {"low": 0, "high": 0.3, "levels": levels}}  # noqa: E731
    path = write_sweep(tmp_path, replicates=1, parameters=grid(4))
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    before = run_frame(out)
    assert before[FRAUD].tolist() == [0, 0.1, 0.2, 0.3]   # the decimals, exactly
    write_sweep(tmp_path, replicates=1, parameters=grid(10))
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0, grown.output
    assert "4 already done" in grown.stdout and "6 run now" in grown.stdout, grown.stdout
    after = run_frame(out)
    pd.testing.assert_frame_equal(after.iloc[:4].reset_index(drop=True), before)   # ids, seeds, rows kept
    for value in (0.1, 0.2, 0.3):
        assert (after[FRAUD] == value).sum() == 1, value
    assert len(after) == 10 and after[FRAUD].nunique() == 10
    assert (pd.read_csv(out / "sweep.csv")[FRAUD] == 0.1).sum() == 1


def test_a_grid_grown_in_the_edit_that_changed_its_metrics_keeps_its_runs(tmp_path):
    """Each alone keeps every run (a grown grid runs its new points, other metrics run
    nothing), but a range widened and a metric added in one edit was refused as "a
    different sweep (its sweep file's parameters, metrics differ)" with advice to
    --force, which deletes every run. It now runs the new points only and reports the new
    metric for every run; a grid grown beside a changed seed is still refused."""
    grid = lambda levels: {FRAUD: {"low": 0, "high": 0.3, "levels": levels}}  # noqa: E731
    path = write_sweep(tmp_path, replicates=1, parameters=grid(4))
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    before = run_frame(out)
    write_sweep(tmp_path, replicates=1, parameters=grid(10), metrics=["customers_final", "referred_share"])
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0, grown.output
    assert "4 already done" in grown.stdout and "6 run now" in grown.stdout, grown.stdout
    after = run_frame(out)
    kept = [c for c in before.columns if c in after.columns]   # sweep.parquet holds the metrics reported
    pd.testing.assert_frame_equal(after.iloc[:4][kept].reset_index(drop=True), before[kept])
    assert len(after) == 10 and after[FRAUD].nunique() == 10 and "referred_share" in after
    assert "referred_share" in pd.read_csv(out / "points.csv").columns.str.removesuffix("_mean").tolist()
    write_sweep(tmp_path, replicates=1, parameters=grid(19), metrics=["customers_final"], seed=6)
    other = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert other.exit_code == 2 and "holds a different sweep" in other.stderr, other.output
    # levels dropped while the metrics change: the levels lost are named, as with the metrics unchanged (it was told
    # only that the parameters and metrics differ, and to --force)
    write_sweep(tmp_path, replicates=1, parameters=grid(4), metrics=["customers_final"])
    shrunk = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert shrunk.exit_code == 2 and f"this grid with levels this sweep file drops: {FRAUD} 0.03333" in shrunk.stderr, \
        shrunk.output

def test_a_grid_from_before_levels_were_rounded_grows_without_running_its_points_again(tmp_path):
    """A folder started before generated levels were rounded (and before the code that
    started it was stored, so it resumes) holds 0.09999999999999999 where the grid now
    has 0.1: growing it keeps that run, under the value it ran with, instead of running
    the point again."""
    import pyarrow.parquet as pq

    path = write_sweep(tmp_path, replicates=1, parameters={FRAUD: {"low": 0, "high": 0.3, "levels": 4}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    noisy = {0.1: 0.09999999999999999, 0.2: 0.19999999999999998}   # np.linspace(0, 0.3, 4)
    state = json.loads((out / "sweep.json").read_text())
    state["grids"] = [{FRAUD: [noisy.get(v, v) for v in state["grids"][0][FRAUD]]}]
    (out / "sweep.json").write_text(json.dumps({k: v for k, v in state.items()
                                                if k not in ("code_digest", "refsim_version")}))
    for part in (out / "runs").glob("part-*.parquet"):
        frame = pd.read_parquet(part)
        frame[FRAUD] = [noisy.get(v, v) for v in frame[FRAUD]]
        pq.write_table(__import__("pyarrow").Table.from_pandas(frame, preserve_index=False), part)
    write_sweep(tmp_path, replicates=1, parameters={FRAUD: {"low": 0, "high": 0.3, "levels": 10}})
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0, grown.output
    assert "4 already done" in grown.stdout and "6 run now" in grown.stdout, grown.stdout
    after = run_frame(out)
    assert after[FRAUD].tolist()[:4] == [0, 0.09999999999999999, 0.19999999999999998, 0.3]
    assert len(after) == 10 and not (after[FRAUD] == 0.1).any()   # no second point for the same level


def test_a_value_list_grows_whatever_way_its_numbers_are_written(tmp_path):
    """10 and 10.0 are the same reward: [0, 10, 20] grown to [0, 10.0, 20, 40] runs 40
    only (it was refused as a different sweep), and a list repeating a number in two
    spellings is refused like any repeat (it ran the same point twice)."""
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    before = run_frame(out)
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10.0, 20, 40]}})
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0, grown.output
    assert "6 already done" in grown.stdout and "2 run now" in grown.stdout, grown.stdout
    after = run_frame(out)
    pd.testing.assert_frame_equal(after.iloc[:6].reset_index(drop=True), before)
    assert after["program.incentive.referrer_reward"].tolist() == [0, 0, 10, 10, 20, 20, 40, 40]
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 10.0]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o2"), "--executor", "serial"]),
                   "10.0 is listed more than once")


def test_a_grid_grown_by_values_of_another_type_writes_its_tables(tmp_path):
    """A budget grid [100, 10] grown by 12.5, then by null (no budget): the new parts'
    column was text beside the old parts' whole numbers, and every table write after
    the runs crashed in pyarrow, on every rerun. The tables take each point's value from
    the points table, and under common random numbers the grown folder holds a fresh
    sweep's rows."""
    key = "program.incentive.budget"
    path = write_sweep(tmp_path, common_random_numbers=True, parameters={key: {"values": [100, 10]}})
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    for values in ([100, 10], [100, 10, 12.5], [100, 10, 12.5, None]):
        write_sweep(tmp_path, common_random_numbers=True, parameters={key: {"values": values}})
        result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
        assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial"]).exit_code == 0
    grown, once = (run_frame(f).drop(columns=["run_id"]).reset_index(drop=True) for f in (out, fresh))
    pd.testing.assert_frame_equal(grown, once)


def test_best_points_mark_the_points_indistinguishable_from_the_best(tmp_path):
    """On common random numbers, a point whose runs equal the best's on every seed
    (the scenario name changes no outcome) is indistinguishable (difference exactly
    0); points with 8 instead of 60 initial customers on 300 people are not."""
    path = write_sweep(tmp_path, common_random_numbers=True, metrics=["customers_final", "incremental_value"],
                       objective="customers_final", replicates=3, parameters={
                           "population.initial_customers": {"values": [8, 60]}, "name": {"values": ["a", "b"]}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    points = pd.read_csv(out / "points.csv").set_index("point_id")
    assert points["indistinguishable_from_best"].to_dict() == {0: False, 1: False, 2: True, 3: True}
    report = (out / "report.md").read_text()
    first = report.split("\n\n")[1]
    # point 3 ties with it (the same runs): named as a tie, not counted among the points tested against it
    assert first.startswith("**Best by customers_final: point 2"), first
    assert "Every other point but those tied with it is distinguishable from it at 95%. Point 3 has the same value in " \
           "every replicate" in first, first


def test_assumptions_are_not_ranked_the_choices_are_at_each_of_their_values(tmp_path):
    """The same sweep with `population.initial_customers` declared an assumption: 8
    and 60 initial customers are no longer ranked against each other (60 won every
    metric above), the name is ranked at each. Names change no outcome, so at each
    value the two points tie exactly: all four points are marked, the first of each
    pair is best, and the report leads with the choice and says it is not told apart."""
    path = write_sweep(tmp_path, common_random_numbers=True, metrics=["customers_final"], replicates=3,
                       assumptions=["population.initial_customers"],
                       parameters={"population.initial_customers": {"values": [8, 60]}, "name": {"values": ["a", "b"]}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    points = pd.read_csv(out / "points.csv").set_index("point_id")
    assert points["indistinguishable_from_best"].to_dict() == {0: True, 1: True, 2: True, 3: True}
    report = (out / "report.md").read_text()
    first, bullets = report.split("\n\n")[1:3]
    # told apart at none of the values: not led as "best at every value" in bold (that read as a verdict six times over);
    # level only with points of its very runs, where 'More replicates would tell more apart' was said: none would,
    # if what they differ in changes no run (a name); said as an if (a reward can change too few runs to show)
    assert first == ("**No choice is best by customers_final**: name = a has the best mean at every value of "
                     "`population.initial_customers`, level there only with points that have the same value in every "
                     "replicate (the same seeds): what they differ in changed none of these runs' customers_final. If it "
                     "changes none, no replicate count tells them apart; if it changes a few, more replicates would show "
                     "which is best."), first
    assert bullets.splitlines()[0].startswith("- at population.initial_customers = 8: point 0 (name = a)")
    assert bullets.splitlines()[1].startswith("- at population.initial_customers = 60: point 2 (name = a)")
    assert "| population.initial_customers | metric | best point |" in report


def test_best_points_rank_within_each_value_of_an_assumption():
    """Reference: pandas' idxmax within each fraud share. Without assumptions the best
    point is the one with no fraud; with fraud.share an assumption each share has its
    own best, and a point is compared only with the points of its own share."""
    from types import SimpleNamespace

    from simulator.sweep import best_points

    rng = np.random.default_rng(3)
    means = {(0.0, "signup"): 10, (0.0, "qualification"): 9, (0.2, "signup"): 4, (0.2, "qualification"): 7}
    frame = pd.DataFrame([{"point_id": p, "fraud.share": share, "paid_on": paid, "replicate": r,
                           "value": mean + rng.normal(0, 0.01), "status": "ok"}
                          for p, ((share, paid), mean) in enumerate(means.items()) for r in range(4)])
    summary = frame.groupby("point_id").agg({"fraud.share": "first", "paid_on": "first", "value": "mean"})
    summary = summary.rename(columns={"value": "value_mean"}).reset_index()
    summary["value_ci_low"] = summary["value_ci_high"] = np.nan
    spec = SimpleNamespace(common_random_numbers=True, assumptions=[])
    sweep = SimpleNamespace(metrics=("value",), spec=spec, parameters=["fraud.share", "paid_on"])
    assert best_points(frame, sweep, summary)["point_id"].tolist() == [0]
    spec.assumptions = ["fraud.share"]
    best = best_points(frame, sweep, summary)
    expected = summary.groupby("fraud.share")["value_mean"].idxmax()
    assert best.set_index("fraud.share")["point_id"].to_dict() == {k: int(summary.loc[v, "point_id"]) for k, v in expected.items()}
    assert best["point_id"].tolist() == [0, 3] and best["indistinguishable"].tolist() == [[], []]
    assert list(best.columns[:2]) == ["fraud.share", "metric"]


@pytest.mark.parametrize("fields, words", [
    ({"assumptions": ["churn.monthly_rate"]}, ["assumptions", "'churn.monthly_rate' is not a parameter", "valid: program.incentive.referrer_reward"]),
    ({"assumptions": ["program.incentive.referrer_reward", "program.incentive.referrer_reward"]},
     ["assumptions", "listed twice"]),
    ({"assumptions": ["population.initial_customers"], "method": "latin_hypercube", "samples": 4,
      "parameters": {"population.initial_customers": {"low": 5, "high": 50, "integer": True},
                     "program.incentive.referrer_reward": {"values": [0, 10]}}},
     ["assumptions", "drawn from a range", "values: [...]"]),
])
def test_assumptions_that_cannot_be_used_are_one_line_errors(tmp_path, fields, words):
    path = write_sweep(tmp_path, **fields)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial"]),
                   str(path), *words)
    assert not (tmp_path / "o").exists()


def test_a_sweep_over_assumptions_alone_ranks_no_point(tmp_path):
    """Every parameter an assumption: no "best" initial-customer count. The report says
    how the metric moves instead: customers_final rises with the initial customers (2
    to 100 of 300 people, 30 days: they are customers from day 0). Its rank correlation
    is Spearman's over the 12 runs, as scipy computes it from sweep.csv, with a p-value
    below 0.001 (12!/2!⁶ arrangements, and only those near order give ρ that high); its
    lowest point is the one with 2; the name is text and has none."""
    from scipy import stats

    path = write_sweep(tmp_path, metrics=["customers_final"], replicates=2,
                       assumptions=["population.initial_customers", "name"],
                       parameters={"population.initial_customers": {"values": [2, 10, 25, 45, 70, 100]},
                                   "name": {"values": ["a"]}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert "indistinguishable_from_best" not in pd.read_csv(out / "points.csv").columns
    runs = pd.read_csv(out / "sweep.csv")
    rho = stats.spearmanr(runs["population.initial_customers"], runs["customers_final"]).statistic
    report = (out / "report.md").read_text()
    first = report.split("\n\n")[1]
    assert first.startswith("**Every parameter is an assumption, so no point is ranked.** customers_final ranges from ")
    assert "(point 0) to " in first and "(point 5) over the 6 points" in first
    assert f"`population.initial_customers` (Spearman ρ = {rho:+.2f}, p < 0.001)" in first and "`name`" not in first
    assert "## Best points" not in report and "| customers_final |" in report
    assert f"| {rho:+.2f} (p < 0.001) | – |" in report


def _runs_frame(x: dict, y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sweep's point table and runs (``y``: points x replicates) for assumption_effects."""
    points, replicates = y.shape
    summary = pd.DataFrame({"point_id": range(points), **x, "m_mean": y.mean(axis=1)})
    runs = pd.DataFrame({"point_id": np.repeat(np.arange(points), replicates),
                         "replicate": np.tile(np.arange(replicates), points), "status": "ok", "m": y.ravel()})
    return summary, runs


def _effects(summary, runs, keys, paired=False):
    from types import SimpleNamespace

    from simulator.sweep import assumption_effects

    sweep = SimpleNamespace(metrics=("m",), parameters=keys, spec=SimpleNamespace(common_random_numbers=paired))
    return assumption_effects(summary, sweep, runs).iloc[0]


def test_assumption_effects_against_their_definition():
    """On independent seeds: Spearman's ρ is scipy's over the runs (not the point means),
    its permutation p-value within 0.02 of scipy's t approximation (36 runs; 9,999
    rearrangements, standard error below 0.005), and a text value's p within 0.02 of
    scipy's Kruskal–Wallis over the runs grouped by value (its χ² approximation); the
    lowest and highest point means and their points are read off the table."""
    from scipy import stats

    rng = np.random.default_rng(11)
    x, z = rng.uniform(0, 1, 12), rng.uniform(0, 1, 12)
    kind = np.array(["a", "b", "c"] * 4)
    y = (0.4 * x - 0.1 * z + 0.15 * (kind == "c"))[:, None] + rng.normal(0, 0.3, (12, 3))
    summary, runs = _runs_frame({"x": x, "z": z, "kind": kind}, y)
    row = _effects(summary, runs, ["x", "z", "kind"])
    for key in ("x", "z"):
        reference = stats.spearmanr(np.repeat(summary[key], 3), y.ravel())
        assert row[key] == pytest.approx(reference.statistic, abs=1e-12)
        assert abs(row[f"{key} p"] - reference.pvalue) < 0.02, (key, row[f"{key} p"], reference.pvalue)
    reference = stats.kruskal(*[y[kind == value].ravel() for value in "abc"]).pvalue
    assert math.isnan(row["kind"]) and abs(row["kind p"] - reference) < 0.02, (row["kind p"], reference)
    assert 0.001 < reference < 0.5, reference   # a case where the p-value is read, not a floor
    means = y.mean(axis=1)
    assert (row["low"], row["low_point"]) == (means.min(), int(np.argmin(means)))
    assert (row["high"], row["high_point"]) == (means.max(), int(np.argmax(means)))
    assert row["runs"] == 36 and row["kind least p"] == row["x least p"] == 1 / 10_000   # the test's own floor


def test_an_assumption_with_few_values_is_tested_over_its_runs():
    """Tested over the point means, a text assumption with one point per value had
    Kruskal–Wallis' H = k − 1 whatever the data (3 values: p = 0.37, with the runs'
    intervals far apart), and four numeric levels in order gave p = 2/4! = 0.083 at
    best. Over their 6 runs each the difference is plain: p below 0.001 (the least a
    9,999-rearrangement test gives is 1/10,000)."""
    rng = np.random.default_rng(3)
    y = np.array([[44.0], [210.0], [375.0]]) + rng.normal(0, 4, (3, 6))
    summary, runs = _runs_frame({"network": ["erdos_renyi", "watts_strogatz", "complete"]}, y)
    assert _effects(summary, runs, ["network"])["network p"] < 0.001
    y = np.array([[1.0], [2.0], [3.0], [4.0]]) + rng.normal(0, 0.2, (4, 6))
    summary, runs = _runs_frame({"mean_degree": [2, 6, 12, 20]}, y)
    row = _effects(summary, runs, ["mean_degree"])
    assert row["mean_degree"] > 0.8 and row["mean_degree p"] < 0.001


def test_the_least_p_value_the_runs_allow_is_known_and_a_test_that_cannot_pass_is_said_so():
    """Four values over one replicate each, in perfect order: 2 of the 4! orders are that
    extreme (in order, or reversed), so p is 2/24 = 0.083 at best, and the report said
    "no parameter moves it beyond what chance gives" of a perfect trend. Two text values
    over 3 and 4 runs, wholly apart: 2 of the 7!/(3! 4!) = 35 splits, 0.057. Each least
    p-value is known (random rearrangements: within 0.01), the report says the runs are
    too few; and where no run differs from another, that they do not differ."""
    from types import SimpleNamespace

    from simulator.report.sweep import _effects_verdict

    summary, runs = _runs_frame({"churn": [0.01, 0.2, 0.35, 0.5]}, np.array([[262.0], [182.0], [89.0], [69.0]]))
    row = _effects(summary, runs, ["churn"])
    assert row["churn"] == -1.0 and row["churn p"] == pytest.approx(2 / 24, abs=0.01)
    assert row["churn least p"] == pytest.approx(2 / 24, abs=0.01)
    split = pd.DataFrame({"point_id": [0, 1], "paid_on": ["signup", "qualification"], "m_mean": [1.0, 5.0]})
    apart = pd.DataFrame({"point_id": [0, 0, 0, 1, 1, 1, 1], "replicate": [0, 1, 2, 0, 1, 2, 3], "status": "ok",
                          "m": [1.0, 1.2, 0.9, 5.0, 5.5, 4.8, 5.1]})
    row = _effects(split, apart, ["paid_on"])
    assert row["paid_on p"] == pytest.approx(2 / 35, abs=0.01) and row["paid_on least p"] == pytest.approx(2 / 35, abs=0.01)

    def verdict(summary, runs, keys):
        sweep = SimpleNamespace(objective="m", metrics=("m",), parameters=keys, base=SimpleNamespace(days=90),
                                spec=SimpleNamespace(common_random_numbers=False, assumptions=keys))
        return _effects_verdict(sweep, summary, runs)[0]

    assert "its 4 runs are too few for a test to tell a parameter's effect from chance" in verdict(summary, runs, ["churn"])
    assert "its 7 runs are too few" in verdict(split, apart, ["paid_on"])
    same = apart.assign(m=3.0)
    said = verdict(split.assign(m_mean=3.0), same, ["paid_on"])
    assert "no parameter moves it: its runs do not differ from point to point" in said and "p ≥" not in said, said


def test_common_random_numbers_take_the_seeds_luck_out_of_an_assumptions_test():
    """Four levels whose runs rise by 1 a level, under each replicate seed's luck of sd
    50 shared by the points (common random numbers). Ranked within each replicate and
    rearranged within it, the rise shows in every replicate: p below 0.001. The same
    runs read as independent seeds are lost in the luck: p above 0.05."""
    rng = np.random.default_rng(5)
    y = np.arange(4.0)[:, None] + rng.normal(0, 50, 8)[None, :] + rng.normal(0, 0.3, (4, 8))
    summary, runs = _runs_frame({"level": [0, 1, 2, 3]}, y)
    assert _effects(summary, runs, ["level"], paired=True)["level p"] < 0.001
    assert _effects(summary, runs, ["level"], paired=False)["level p"] > 0.05


def test_an_assumption_without_effect_is_found_one_time_in_twenty():
    """No effect at all: 1,000 synthetic sweeps of 4 points x 5 replicates (a seed's luck
    of sd 10 shared by the points, or on independent seeds each run's own, and each
    run's own noise of sd 1), fixed seed, each tested over the first 999 of the
    rearrangements assumption_effects draws. At 0.05 a numeric level and a text value
    are each found to move the runs about 5% of the time, on shared seeds and on
    independent ones; tolerance 5% plus or minus 3 binomial standard errors (0.69%):
    2.9% to 7.1%."""
    from simulator.sweep import _by_value, _rank_trend, _rearrangements

    rng = np.random.default_rng(8)
    codes = np.repeat(np.arange(4), 5)
    for paired in (True, False):
        blocks = np.tile(np.arange(5), 4) if paired else np.zeros(20, dtype=int)
        order = np.argsort(blocks, kind="stable")
        b, c = blocks[order], codes[order]
        arranged = _rearrangements(b, 20)[:999]
        found = np.zeros(2)
        for _ in range(1000):
            luck = rng.normal(0, 10, 5)[None, :] if paired else rng.normal(0, 10, (4, 5))   # a seed's, or a run's own
            v = (luck + rng.normal(0, 1, (4, 5))).ravel()[order]
            ranks = pd.Series(v).groupby(b).rank().to_numpy()
            found += [_rank_trend(c.astype(float), ranks, b, arranged)[1] < 0.05, _by_value(c, ranks, b, arranged)[0] < 0.05]
        assert np.all((found / 1000 >= 0.029) & (found / 1000 <= 0.071)), (paired, found)


def test_a_sweep_of_network_kinds_as_assumptions_says_they_move_the_customers(tmp_path):
    """The report's opening over three network kinds (5 replicates each, independent
    seeds, 90 days: 8 to 12 customers on the sparse networks, 84 to 142 on the complete
    one): customers_final moves with `network` (its runs differ by value), where over
    the point means it said "no parameter moves it beyond what chance gives" at p =
    0.37 whatever the runs. With one replicate, three runs: no test can tell, and the
    report says more replicates do."""
    kinds = [{"kind": "erdos_renyi", "mean_degree": 2}, {"kind": "watts_strogatz", "mean_degree": 8, "rewire": 0.1},
             {"kind": "complete"}]
    for replicates, words in ((5, "it moves most with `network` (differs by value, Kruskal–Wallis p "),
                              (1, "its 3 runs are too few for a test to tell a parameter's effect from chance")):
        path = write_sweep(tmp_path, name=f"kinds{replicates}.yaml", metrics=["customers_final"], replicates=replicates,
                           assumptions=["network"], parameters={"network": {"values": kinds}}, base={**BASE, "days": 90})
        out = tmp_path / f"out{replicates}"
        result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
        assert result.exit_code == 0, result.output
        first = (out / "report.md").read_text().split("\n\n")[1]
        assert words in first and "beyond what chance gives" not in first, first


def holm_kept(pvalues: dict[int, float], level: float = 0.95) -> list[int]:
    """Reference Holm step-down (Holm 1979, as Wikipedia's "Holm–Bonferroni method" states
    it): sort the m p-values, reject while the k-th smallest (k from 1) is below
    (1 - level)/(m + 1 - k), stop at the first that is not; the hypotheses kept ("not
    told apart") are that one and every one after it, returned in point order."""
    ordered = sorted(pvalues, key=pvalues.get)
    m = len(ordered)
    for k, point in enumerate(ordered, start=1):
        if not pvalues[point] < (1 - level) / (m + 1 - k):
            return sorted(ordered[k - 1:])
    return []


def test_unpaired_best_points_use_the_welch_interval():
    """Reference implementation: scipy's Welch test, point by point against the best, its
    p-values through Holm's step-down over the 3 comparisons (holm_kept)."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.sweep import best_points

    rng = np.random.default_rng(8)
    frame = pd.DataFrame([{"point_id": p, "replicate": r, "profit": rng.normal(mean, 3), "status": "ok"}
                          for p, mean in enumerate([10, 9, 4, 10.5]) for r in range(6)])
    summary = frame.groupby("point_id")["profit"].mean().rename("profit_mean").reset_index()
    summary["profit_ci_low"] = summary["profit_ci_high"] = np.nan
    sweep = SimpleNamespace(metrics=("profit",), spec=SimpleNamespace(common_random_numbers=False, assumptions=[]),
                            parameters=["reward"])
    row = best_points(frame, sweep, summary).iloc[0]
    best = int(summary["profit_mean"].idxmax())
    assert row["point_id"] == best and not row["paired"]
    chances = {point: stats.ttest_ind(frame[frame["point_id"] == point]["profit"],
                                      frame[frame["point_id"] == best]["profit"], equal_var=False).pvalue
               for point in range(4) if point != best}
    expected = holm_kept(chances)
    assert row["indistinguishable"] == expected and 2 not in expected and expected


def test_paired_best_points_use_the_paired_t_interval():
    """Reference implementation: scipy's paired t-test (ttest_rel), point by point against
    the best, through Holm's step-down over the 3 comparisons (holm_kept), on n - 1 = 5
    degrees of freedom. Point 2 (t = 12) is tested first, at 1 - 5%/3; point 1 next, at
    1 - 5%/2, its t of 3.4 past that interval's 3.16: told apart, where Bonferroni (every
    test at 1 - 5%/3, t = 3.53) left it beside the best, as a sweep did for a lead that
    compare, on the same runs, called "sure at 95%". Point 3, last, at 95%: its t of 2.5
    sits inside the 2.57 of 5 degrees of freedom and outside the 2.45 of 6, so a slip in
    the degrees of freedom turns it from "not told apart" to "told apart" (and one to 4
    keeps point 1, whose interval's t is then 3.50)."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.sweep import best_points

    rng = np.random.default_rng(3)
    best = 100 + rng.normal(0, 10, 6)

    def behind(t):   # the best minus a gap whose paired t statistic is exactly t
        gap = rng.normal(0, 1, 6)
        gap = (gap - gap.mean()) / (gap.std(ddof=1) / math.sqrt(6)) + t   # standard error 1, mean t
        return best - gap

    statistics = {1: 3.4, 2: 12.0, 3: 2.5}
    runs = {0: best, **{point: behind(t) for point, t in statistics.items()}}
    frame = pd.DataFrame([{"point_id": p, "replicate": r, "profit": v, "status": "ok"}
                          for p, values in runs.items() for r, v in enumerate(values)])
    summary = frame.groupby("point_id")["profit"].mean().rename("profit_mean").reset_index()
    summary["profit_ci_low"] = summary["profit_ci_high"] = np.nan
    sweep = SimpleNamespace(metrics=("profit",), spec=SimpleNamespace(common_random_numbers=True, assumptions=[]),
                            parameters=["reward"])
    row = best_points(frame, sweep, summary).iloc[0]
    assert row["point_id"] == 0 and row["paired"]
    tests = {point: stats.ttest_rel(runs[point], runs[0]) for point in statistics}
    for point, test in tests.items():
        assert abs(test.statistic) == pytest.approx(statistics[point], rel=1e-9)
    bonferroni = [p for p, test in tests.items() if (ci := test.confidence_interval(1 - 0.05 / 3)).low <= 0 <= ci.high]
    assert bonferroni == [1, 3]   # the old rule's answer, which the step-down improves on
    assert row["indistinguishable"] == holm_kept({p: test.pvalue for p, test in tests.items()}) == [3]


@pytest.mark.parametrize("paired", [True, False])
@pytest.mark.parametrize("empty", ["failed", "undefined"])
def test_a_point_whose_runs_all_failed_is_no_comparison(paired, empty):
    """best_points' docstring: Holm's step-down over the comparisons with the best, points
    with the same runs one comparison, points whose every run failed none: they are
    compared with nothing, and counted they made the real comparisons stricter. Four
    points: the best, one just behind, one far behind, one that never ran: 2 comparisons,
    the far one first at 1 - 5%/2, the one just behind last at 95%. It sits between the
    two levels, by scipy's paired t test (t = 2.9 on 5 degrees of freedom) or Welch's test
    (t = 2.45 on 10): told apart at 95%, not at 1 - 5%/2, where a counted failed point
    would have put it (3 comparisons). So too a point whose runs finished with the metric
    undefined in each (a K whose window closed in none): it was even listed beside the
    best, a verdict drawn from no value."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.sweep import best_points

    rng = np.random.default_rng(3)
    if paired:
        best = 100 + rng.normal(0, 10, 6)
        gap = rng.normal(0, 1, 6)
        behind = best - ((gap - gap.mean()) / (gap.std(ddof=1) / math.sqrt(6)) + 2.9)   # standard error 1, mean 2.9
        test = stats.ttest_rel(behind, best)
    else:
        noise = rng.normal(0, 1, (2, 6))
        best, behind = (noise - noise.mean(axis=1, keepdims=True)) / noise.std(axis=1, ddof=1, keepdims=True)
        best, behind = 100 + best * math.sqrt(3), 100 - 2.45 + behind * math.sqrt(3)   # standard error of the gap 1
        test = stats.ttest_ind(behind, best, equal_var=False)
    assert test.confidence_interval(0.95).high < 0 < test.confidence_interval(1 - 0.05 / 2).high  # the edge
    rows = [{"point_id": p, "replicate": r, "profit": v, "status": "ok"}
            for p, values in {0: best, 1: behind, 3: best - 50}.items() for r, v in enumerate(values)]
    rows += [{"point_id": 2, "replicate": r, "profit": np.nan, "status": "failed" if empty == "failed" else "ok"}
             for r in range(6)]
    frame = pd.DataFrame(rows)
    summary = frame.groupby("point_id")["profit"].mean().rename("profit_mean").reset_index()
    summary["profit_ci_low"] = summary["profit_ci_high"] = np.nan
    sweep = SimpleNamespace(metrics=("profit",), spec=SimpleNamespace(common_random_numbers=paired, assumptions=[]),
                            parameters=["reward"])
    row = best_points(frame, sweep, summary).iloc[0]
    assert row["point_id"] == 0 and row["failed"] == ([2] if empty == "failed" else [])
    assert row["indistinguishable"] == [] and row["valueless"] == ([2] if empty == "undefined" else [])
    from simulator.report.sweep import _best_text

    said = {"failed": "Every run of point 2 failed: it was not compared.",
            "undefined": "Point 2 has no profit in any run: not compared."}[empty]
    assert _best_text({**row.to_dict(), "ci_low": 90.0, "ci_high": 105.0}).endswith("Every other point that ran is distinguishable from it at 95%. " + said)


def test_a_run_that_never_paid_back_counts_as_the_day_after_the_last_not_the_last():
    """A run that never paid back counts as the day after the horizon (best_points,
    NEVER_IS_WORST): on common seeds a point that paid back on the last day (90) in every
    run is then ahead of one that never did by exactly one day in each (d = -1, sd 0),
    told apart and not a tie. Counted as the last day itself the two had the very same
    runs and were called the same; the test above compares day 1 or 2 with never, where
    day 90 or 91 makes no difference."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    days = {0: [np.nan] * 4, 1: [90.0] * 4, 2: [np.nan] * 4}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "payback_day": d, "status": "ok"}
                          for p, values in days.items() for r, d in enumerate(values)])
    sweep = SimpleNamespace(metrics=("payback_day",), parameters=["reward"], base=SimpleNamespace(days=90),
                            spec=SimpleNamespace(common_random_numbers=True, assumptions=[]))
    best = best_points(frame, sweep, point_summary(frame, sweep)).iloc[0]
    assert best["point_id"] == 1 and best["indistinguishable"] == [] and best["same"] == []


def test_a_point_that_never_paid_back_is_tested_as_compare_tests_it_not_left_out():
    """A payback that never came counts as the day after the horizon in the test
    (docs/scenarios.md, as compare counts it). A point that never paid back in 3 runs
    was "no contender" beside a best that paid back in 1 run of 3 on day 118 of 120: the
    table said none was indistinguishable, the opening line that none could be told apart,
    and compare called the same runs unclear. Counted as day 121, the paired gaps are
    (0, 3, 0): mean 1, standard error 1, t = 1 on 2 degrees of freedom (p = 0.42), and
    Fisher's 0 of 3 against 1 of 3 gives p = 0.5: not told apart. Against a best that paid
    back on day 10 in every run, the gaps are all 111: told apart."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    sweep = SimpleNamespace(metrics=("payback_day",), parameters=["reward"], base=SimpleNamespace(days=120),
                            spec=SimpleNamespace(common_random_numbers=True, assumptions=[]))
    for days, told_apart in (({0: [np.nan] * 3, 1: [np.nan, 118.0, np.nan]}, False),
                             ({0: [np.nan] * 3, 1: [10.0, 10.0, 10.0]}, True)):
        frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "payback_day": d, "status": "ok"}
                              for p, values in days.items() for r, d in enumerate(values)])
        best = best_points(frame, sweep, point_summary(frame, sweep)).iloc[0]
        assert best["point_id"] == 1 and best["valueless"] == [] and best["compared"] == 1
        assert best["indistinguishable"] == ([] if told_apart else [0]), days
        # and report.md says that point 0 never paid back, counted as day 121 (compare says so of its designs): "3 other
        # points are statistically indistinguishable" had hidden two that never paid back
        assert best["never"] == [0] and best["never_day"] == 121
        from simulator.report.sweep import _best_text

        assert _best_text(best.to_dict()).endswith(" Point 0 never paid back in any run: in the test each of its runs "
                                                   "counts as day 121, the day after the horizon.")


def test_a_swept_value_that_changes_no_run_does_not_change_the_best_points():
    """On common seeds a parameter the model ignores (a product's cost share, with credit
    rewards) gives each point copies with the very same runs. Each copy counted as a test:
    with 3 values of it, every point was tested against the best at 99% instead of 95%,
    and a reward of $2 told apart from $20 in a sweep of the reward alone was "statistically
    indistinguishable" from it once the ignored parameter was swept too. Copies of a point
    are one test, copies of the best a tie (named in report.md); the paired t statistic
    of the gap here is 2.8 on 5 degrees of freedom: beyond the 95% interval's 2.57,
    within the 99% one's 4.03."""
    from types import SimpleNamespace

    from simulator.report.sweep import _best_text
    from simulator.sweep import best_points

    rng = np.random.default_rng(5)
    best = 100 + rng.normal(0, 10, 6)
    gap = np.arange(6.0) - 2.5
    gap = gap / (gap.std(ddof=1) / math.sqrt(6)) + 2.8
    runs = {2: best - gap, 20: best}

    def ranked(shares):
        points = [(reward, share) for reward in runs for share in shares]
        frame = pd.DataFrame([{"point_id": p, "reward": reward, "share": share, "replicate": r,
                               "value": runs[reward][r], "status": "ok"}
                              for p, (reward, share) in enumerate(points) for r in range(6)])
        summary = frame.groupby("point_id").agg({"reward": "first", "share": "first", "value": "mean"})
        summary = summary.rename(columns={"value": "value_mean"}).reset_index()
        summary["value_ci_low"] = summary["value_ci_high"] = np.nan
        sweep = SimpleNamespace(metrics=("value",), spec=SimpleNamespace(common_random_numbers=True, assumptions=[]),
                                parameters=["reward", "share"])
        return best_points(frame, sweep, summary).iloc[0]

    alone = ranked([0.5])
    assert (alone["point_id"], alone["indistinguishable"]) == (1, [])
    row = ranked([0.1, 0.5, 0.9])   # points 0-2: $2; 3-5: $20
    assert (row["point_id"], row["indistinguishable"]) == (3, [4, 5]), row
    assert alone["same"] == [] and row["same"] == [4, 5]
    text = _best_text({**row.to_dict(), "ci_low": 1.0, "ci_high": 2.0})
    assert "Points 4, 5 have the same value in every replicate" in text and "by order alone" in text, text
    # and the Best points table names the tie too (it listed 4 and 5 as if tested)
    from simulator.report.sweep import _tie_text

    assert _tie_text(row.to_dict()) == "; the same value as the best in every replicate (a tie, not a test): 4, 5"
    assert _tie_text(alone.to_dict()) == ""
    # every other point a tie: none was tested, and none is said to be 'distinguishable'
    del runs[2]
    only = ranked([0.1, 0.5, 0.9])
    assert only["same"] == [1, 2]
    text = _best_text({**only.to_dict(), "ci_low": 1.0, "ci_high": 2.0})
    assert "No other point was tested against it: every other one that ran ties with it." in text, text
    assert "distinguishable" not in text


def test_points_level_on_a_few_seeds_are_not_said_to_be_level_on_any(tmp_path):
    """Referrer rewards of 10 and 30 on a small base had the same customers_final on each
    of 3 common seeds (a whole number, moved by the reward in a few runs only), at each
    value of an assumption. report.md led with 'what they differ in changes nothing here,
    and no replicate count tells them apart'; over 30 replicates 30 was best. What the
    seeds show is said, and what more replicates may show."""
    base = {**BASE, "population": {"size": 300, "initial_customers": 8}, "days": 30}
    path = write_sweep(tmp_path, base=base, replicates=3, common_random_numbers=True, objective="customers_final",
                       metrics=["customers_final"], assumptions=["economics.monthly_margin"],
                       parameters={"program.incentive.referrer_reward": {"values": [10, 30]},
                                   "economics.monthly_margin": {"values": [8, 12]}})
    run_sweep(load_sweep(path), tmp_path / "out", executor="serial")
    frame = run_frame(tmp_path / "out")
    runs = frame.pivot(index="point_id", columns="replicate", values="customers_final")
    assert (runs.loc[0] == runs.loc[2]).all() and (runs.loc[1] == runs.loc[3]).all()   # level on these seeds
    report = (tmp_path / "out" / "report.md").read_text()
    lead = report.split("\n\n")[1]
    assert lead.startswith("**No choice is best by customers_final**"), lead
    assert "changes nothing here" not in report and "more replicates would show which is best" in lead, lead
    assert "more replicates may yet tell them apart" in report


@pytest.mark.parametrize("metrics, objective, words", [
    (["customers_final", "attributed_roi"], "incremental_value",
     ["not among the sweep's metrics (customers_final, attributed_roi)", "add it to metrics; or rank by one listed: "
      "customers_final"]),   # attributed_roi is no verdict: it was offered as valid, then refused
    (["reward_cost", "attributed_roi"], "k_factor", ["add it to metrics (none listed ranks points)"]),
    (["customers_final"], "customers_fina", ["unknown metric 'customers_fina'; did you mean 'customers_final'?"]),
    (["customers_final"], "reward_cost", ["a spending measure nobody wins"]),   # its own reason, not "not listed"
])
def test_an_objective_that_is_not_recorded_is_a_one_line_error(tmp_path, metrics, objective, words):
    """The error listed every recorded metric as valid, some of which the checks after it
    refused as objectives, and a typo got no "did you mean"."""
    path = write_sweep(tmp_path, metrics=metrics, objective=objective)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")]), "objective (line", *words)
    assert "attributed_roi" not in line.split("listed")[-1]
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- files a run reads (edge lists)


def _ring(n: int, chord: int = 0) -> str:
    """A ring of n people, plus ties i -- i+chord when chord > 0."""
    lines = [f"{i} {(i + 1) % n}" for i in range(n)]
    if chord:
        lines += [f"{i} {(i + chord) % n}" for i in range(0, n, 2)]
    return "\n".join(lines) + "\n"


def _edge_list_sweep(folder: Path, values=(0, 10, 20), **fields) -> Path:
    (folder / "graphs").mkdir(exist_ok=True)
    (folder / "graphs" / "ring.txt").write_text(_ring(120))
    base = {**{k: v for k, v in BASE.items() if k not in ("population", "network")},
            "population": {"initial_customers": 8}, "network": {"kind": "edgelist", "path": "graphs/ring.txt"}}
    (folder / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    return write_sweep(folder, base="base.yaml",
                       parameters={"program.incentive.referrer_reward": {"values": list(values)}}, **fields)


def _interrupt_after(batches: int):
    """A progress callback that stops the sweep as Ctrl-C would, once ``batches`` batches are saved."""
    seen = [0]

    def progress(ok: int, failed: int) -> None:
        seen[0] += 1
        if seen[0] >= batches:
            raise KeyboardInterrupt

    return progress


def test_an_edge_list_changed_between_a_kill_and_the_resume_is_refused(tmp_path):
    """Issue 16 item 5: 4 rows came from the old graph and 16 from the new. Now the
    resume is refused in one line naming the file, and --force starts over on the
    new graph, giving the rows of a fresh sweep on it."""
    from simulator.sweep import execute_sweep

    path = _edge_list_sweep(tmp_path, values=(0, 20))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        execute_sweep(load_sweep(path), out, executor="serial", progress=_interrupt_after(2))
    saved = sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet"))
    assert len(saved) == 2
    edges = tmp_path / "graphs" / "ring.txt"
    edges.write_text(_ring(120, chord=7))  # same people, other ties
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                          str(edges.resolve()), "has changed since this sweep started", "--force")
    assert str(out) in line
    assert sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet")) == saved  # nothing touched
    forced = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--force"])
    assert forced.exit_code == 0, forced.output
    fresh = execute_sweep(load_sweep(path), tmp_path / "fresh", executor="serial").frame
    pd.testing.assert_frame_equal(run_frame(out), fresh)
    # and the graph does matter to the rows, so mixing them would have been visible
    edges.write_text(_ring(120))
    old_graph = execute_sweep(load_sweep(path), tmp_path / "old", executor="serial").frame
    assert not old_graph["customers_final"].equals(fresh["customers_final"])


def test_a_sweep_started_by_other_code_is_not_resumed_into_one_table(tmp_path):
    """A sweep killed, then resumed after refsim was upgraded, kept the old code's runs
    and added the new code's: one table of two models, where a fresh sweep gives other
    numbers. The folder now stores the code that started it (version and source digest)
    and a resume by other code is refused in one line, runs untouched; a folder from
    before the code was stored resumes as it did."""
    import json

    from simulator.provenance import code_digest
    from simulator.sweep import execute_sweep

    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        execute_sweep(load_sweep(path), out, executor="serial", progress=_interrupt_after(2))
    state_path = out / "sweep.json"
    state = json.loads(state_path.read_text())
    assert state["code_digest"] == code_digest()   # stored when the sweep started
    saved = sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet"))
    state_path.write_text(json.dumps({**state, "refsim_version": "0.0.1", "code_digest": "0" * 64}))
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "its finished runs were made by other refsim code (version 0.0.1; this is", "--force")
    assert sorted(p.read_bytes() for p in (out / "runs").glob("part-*.parquet")) == saved   # nothing touched
    # same version, other source files (a patched install): said as such
    import simulator

    state_path.write_text(json.dumps({**state, "refsim_version": simulator.__version__, "code_digest": "0" * 64}))
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "with other source files: code digest 000000000000")
    # a folder started before the code was stored: resumed, and its rows are a fresh sweep's
    state_path.write_text(json.dumps({k: v for k, v in state.items() if k not in ("code_digest", "refsim_version")}))
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    fresh = execute_sweep(load_sweep(path), tmp_path / "fresh", executor="serial").frame
    pd.testing.assert_frame_equal(run_frame(out), fresh)


def test_an_unchanged_edge_list_resumes_and_a_grid_that_grew_still_reuses_its_runs(tmp_path):
    """Issue 10's rule holds with files: touching the edge list without changing its
    bytes, and adding a level, reuses every finished run; a grown grid whose edge list
    changed is refused all the same."""
    path = _edge_list_sweep(tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    edges = tmp_path / "graphs" / "ring.txt"
    os.utime(edges, (time.time() + 60, time.time() + 60))  # a newer time stamp, the same bytes
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "6 already done" in again.stdout, again.output
    _edge_list_sweep(tmp_path, values=(0, 5, 10, 20))
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert grown.exit_code == 0 and "6 already done" in grown.stdout and "2 run now" in grown.stdout, grown.output
    _edge_list_sweep(tmp_path, values=(0, 5, 10, 20, 30))
    edges.write_text(_ring(120, chord=5))
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "ring.txt has changed since this sweep started")


def test_a_swept_edge_list_is_part_of_the_fingerprint(tmp_path):
    """Edge lists named by the swept values (network.path) are read by the runs too."""
    from simulator.sweep import execute_sweep

    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "a.txt").write_text(_ring(100))
    (graphs / "b.txt").write_text(_ring(100, chord=3))
    base = {**{k: v for k, v in BASE.items() if k not in ("population", "network")},
            "population": {"initial_customers": 8}, "network": {"kind": "edgelist", "path": "graphs/a.txt"}}
    path = write_sweep(tmp_path, base=base, parameters={"network.path": {"values": ["graphs/a.txt", "graphs/b.txt"]}})
    sweep = load_sweep(path)
    assert sorted(sweep.inputs()) == [str((graphs / "a.txt").resolve()), str((graphs / "b.txt").resolve())]
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        execute_sweep(sweep, out, executor="serial", progress=_interrupt_after(1))
    # the manifest lists every file the runs read: b.txt, read by half of them, was left out (the base's alone)
    done = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    import hashlib
    import json as json_module

    manifest = json_module.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == {str((graphs / name).resolve()): hashlib.sha256((graphs / name).read_bytes()).hexdigest()
                                  for name in ("a.txt", "b.txt")}
    (graphs / "b.txt").write_text(_ring(100, chord=9))
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   "b.txt has changed since this sweep started")


def test_a_sweep_that_reads_no_file_keeps_its_fingerprint(tmp_path):
    """Folders written before edge lists were fingerprinted still resume: the payload
    gains the file digests only when there are files. (The sweep's name left the
    payload later: a renamed sweep computes the same runs.)"""
    import hashlib
    import json as json_module

    sweep = load_sweep(write_sweep(tmp_path))
    assert sweep.inputs() == {}
    payload = {"sweep": sweep.spec.model_dump(mode="json", exclude={"executor", "workers", "scheduler", "base", "name",
                                                                     "description", "objective", "assumptions"}),
               "replicates": sweep.replicates, "metrics": list(sweep.metrics), "base": sweep.base_data,
               "base_resolved": sweep.base.model_dump(mode="json")}
    text = json_module.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    assert sweep.fingerprint() == hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("ties, lead", [
    (([], []), "**The best choice by value depends on `fraud.share`**: no choice is best or tied with the best at every value."),
    (([1], []), "**No choice is told apart as best by value**: the best mean moves with `fraud.share`, but (paid_on = b) is "
                "best or statistically indistinguishable from the best at every value."),
    (([1], [2]), "**No choice is told apart as best by value**: the best mean moves with `fraud.share`, but both choices "
                 "are best or statistically indistinguishable from the best at every value."),
])
def test_a_best_choice_that_moves_with_an_assumption_is_said_to_depend_on_it_only_when_told_apart(ties, lead):
    """At fraud 0 choice a has the best mean, at 0.2 choice b. "Depends on fraud.share"
    holds only when no choice is best or tied with the best at both values; a choice
    tied everywhere is named instead (the sweep of churn x reward x delay read "depends
    on churn" with every point tied at both churn values)."""
    from types import SimpleNamespace

    from simulator.report.sweep import _verdict

    summary = pd.DataFrame({"point_id": [0, 1, 2, 3], "fraud.share": [0.0, 0.0, 0.2, 0.2], "paid_on": ["a", "b", "a", "b"]})
    best = pd.DataFrame([{"fraud.share": 0.0, "metric": "value", "point_id": 0, "mean": 5.0, "ci_low": 4.0, "ci_high": 6.0,
                          "paired": True, "indistinguishable": ties[0]},
                         {"fraud.share": 0.2, "metric": "value", "point_id": 3, "mean": 4.0, "ci_low": 3.0, "ci_high": 5.0,
                          "paired": True, "indistinguishable": ties[1]}])
    sweep = SimpleNamespace(objective="value", parameters=["fraud.share", "paid_on"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(assumptions=["fraud.share"], common_random_numbers=True))
    lines = _verdict(sweep, summary, best)
    assert lines[0].startswith(lead), lines[0]
    assert lines[2].startswith("- at fraud.share = 0: point 0 (paid_on = a)")


def test_sweep_file_mistakes_name_the_right_culprit(tmp_path):
    """A typo inside a parameter's block listed no valid keys (neither variant matched
    it); a --set mistake was blamed on the base scenario's line; a sweep that is not a
    mapping was told what a scenario looks like."""
    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"valuse": [0, 10]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]),
                   "unknown key 'valuse'; did you mean 'values'?", "valid keys here: high, integer, levels, log, low, values")
    path = write_sweep(tmp_path)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--set", "churn.montly_rate=0.1"]),
                          "with --set churn.montly_rate=0.1", "did you mean 'monthly_rate'?")
    assert "(line" not in line
    (tmp_path / "list.yaml").write_text("- base\n- method\n")
    one_line_error(runner.invoke(app, ["sweep", str(tmp_path / "list.yaml"), "--out", str(tmp_path / "o")]),
                   "holds a list", "a sweep is a mapping of keys such as 'base:'")
    assert not (tmp_path / "o").exists()


def test_a_log_ranged_panel_labels_its_ticks_as_plain_numbers_and_says_log(tmp_path, monkeypatch):
    """A sampled reward_scale from 5 to 100 (log) labelled its axis 10^1, 2x10^1, 3x10^1,
    4x10^1, 6x10^1, two of them printed over each other, and nothing on the figure said
    the axis was log. Its ticks are now 5, 10, 20, 50, 100 and its label says log scale."""
    from simulator.report import plots

    values = np.geomspace(5, 100, 12)
    runs = pd.DataFrame({"point_id": range(12), "scale": values, "value": np.log(values)})
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["scale"], "value", tmp_path / "v.png", discrete={"scale": False}, log={"scale": True})
    (panel,) = [ax for ax in drawn["fig"].axes if ax.get_visible()]
    drawn["fig"].canvas.draw()
    low, high = panel.get_xlim()
    shown = [t.get_text() for t, at in zip(panel.get_xticklabels(), panel.get_xticks()) if low <= at <= high]
    assert shown == ["5", "10", "20", "50", "100"], shown
    assert panel.get_xscale() == "log" and panel.get_xlabel() == "scale (log scale)"


def test_a_sweeps_figures_are_captioned_as_they_are_drawn(tmp_path):
    """A sweep's incremental_value.png (the default objective, against each swept reward)
    was captioned as run's day-by-day figure ("below 0 it has not yet paid back; the
    dashed line marks the median payback day"), and a cost's heatmap said "yellow is the
    better end" at its costliest cell, a metric report.md ranks on no level. Each caption
    now says what the sweep drew: a mean per level with its band for a grid, every run and
    each point's mean for sampled ranges, a cost's yellow as its highest, and the
    objective's outlines on its own map only."""
    parameters = {"program.incentive.referrer_reward": {"values": [0, 20]}, "program.base_share": {"values": [0.1, 0.4]}}
    path = write_sweep(tmp_path, parameters=parameters, metrics=["incremental_value", "reward_cost"],
                       objective="incremental_value")
    run_sweep(load_sweep(path), tmp_path / "grid", executor="serial")
    report = (tmp_path / "grid" / "report.md").read_text()

    def caption(stem):
        return report.split(f"![{stem}]({stem}.png)\n")[1].splitlines()[0]

    assert caption("incremental_value").startswith("*incremental_value against each swept parameter: its mean per level")
    assert "paid back" not in caption("incremental_value") and "twin" not in caption("incremental_value")
    assert "yellow is the highest, not a better end: report.md ranks no level of it" in caption("reward_cost_heatmap")
    assert "Outlines mark" not in caption("reward_cost_heatmap")
    value = caption("incremental_value_heatmap")
    assert "yellow is the better end, the highest" in value and "Outlines mark report.md's best point (red)" in value
    # sampled ranges: a scatter of every run and each point's mean, no band
    sampled = write_sweep(tmp_path, "sampled.yaml", method="random", samples=4, replicates=1,
                          parameters={"program.base_share": {"low": 0.1, "high": 0.4}},
                          metrics=["incremental_value"], objective="incremental_value")
    run_sweep(load_sweep(sampled), tmp_path / "sampled", executor="serial")
    line = (tmp_path / "sampled" / "report.md").read_text().split("![incremental_value](incremental_value.png)\n")[1]
    assert line.startswith("*incremental_value against each sampled parameter: every run (grey) and each point's mean")
    # a sampled sweep with a list of values too: each kind of panel as drawn (it got the grid's caption alone)
    mixed = write_sweep(tmp_path, "mixed.yaml", method="random", samples=4, replicates=1,
                        parameters={"program.base_share": {"low": 0.1, "high": 0.4},
                                    "program.incentive.referrer_reward": {"values": [0, 20]}},
                        metrics=["incremental_value"], objective="incremental_value")
    run_sweep(load_sweep(mixed), tmp_path / "mixed", executor="serial")
    line = (tmp_path / "mixed" / "report.md").read_text().split("![incremental_value](incremental_value.png)\n")[1]
    assert "for a list of values, its mean per value" in line and "for a sampled range, every run (grey)" in line, line


def test_sweep_axes_name_the_units_docs_model_md_gives(tmp_path, monkeypatch):
    """A sweep panel's axes said `program.incentive.referrer_reward` and `incremental_value`
    with no unit. They now carry the unit docs/model.md's parameter table gives the key (read
    here from the document itself; a key written without its kind, as sweeps write it) and
    the one the metric's description ends with; a pure number (k_factor) stays bare."""
    from simulator.report import plots
    from simulator.runner import INCREMENTAL_METRICS

    table = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    unit = re.search(r"^\| program\.incentive\[double_sided\]\.referrer_reward \|[^|]*\| ([^|]+) \|", table, re.M).group(1)
    assert unit == "currency" and INCREMENTAL_METRICS["incremental_value"].endswith("[currency]")
    runs = pd.DataFrame({"point_id": [0, 0, 1, 1], "program.incentive.referrer_reward": [5.0, 5.0, 20.0, 20.0],
                         "incremental_value": [1.0, 2.0, 3.0, 5.0], "k_factor": [0.1, 0.2, 0.3, 0.2]})
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    for metric in ("incremental_value", "k_factor"):
        plots.sweep_metric(runs, ["program.incentive.referrer_reward"], metric, tmp_path / f"{metric}.png",
                           discrete={"program.incentive.referrer_reward": True})
    value, k = ([ax for ax in fig.axes if ax.get_visible()][0] for fig in drawn)
    assert value.get_xlabel() == f"program.incentive.referrer_reward [{unit}]"
    assert value.get_ylabel() == "incremental_value [currency]" and k.get_ylabel() == "k_factor"


def test_sweep_plots_draw_a_line_per_value_of_the_assumption(tmp_path, monkeypatch):
    """With an assumption (two churn rates), each choice's panel draws one line per churn
    rate, each through the mean of that rate's runs at each level, instead of one band
    pooling both; the assumption's own panel stays one line."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 2 * r + c, "reward": r, "churn": c, "value": 10.0 * r - 100.0 * c + rep}
                         for r in (0, 10, 20) for c in (0.03, 0.08) for rep in (0.0, 2.0)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["reward", "churn"], "value", tmp_path / "v.png", discrete={"reward": True, "churn": True},
                       by="churn")
    reward_panel, churn_panel = drawn["fig"].axes[:2]
    lines = {line.get_label(): list(line.get_ydata()) for line in reward_panel.get_lines()}
    assert lines == {"churn = 0.03": [-2.0, 98.0, 198.0], "churn = 0.08": [-7.0, 93.0, 193.0]}
    assert len(churn_panel.get_lines()) == 1


def test_a_level_averaging_over_fewer_points_is_marked(tmp_path, monkeypatch):
    """promoters x passives where (0.7, 0.5) clashes and every run of it failed: the
    promoters panel drew 0.7 as point (0.7, 0.2) alone against 0.4 as the mean of two
    points, 226 ahead where at the same passives it was 10 ahead, under a title saying
    each panel averages over the other values. The level whose mean leaves points out is
    now a hollow circle with its legend; balanced levels, and a sweep with no failed
    point, are not marked."""
    from simulator.report import plots

    values = {(0.4, 0.2): 532.0, (0.4, 0.5): 101.0, (0.7, 0.2): 542.0, (0.7, 0.5): np.nan}
    every = pd.DataFrame([{"point_id": i, "replicate": rep, "promoters": p, "passives": q,
                           "value": v + rep, "status": "ok" if np.isfinite(v) else "failed"}
                          for i, ((p, q), v) in enumerate(values.items()) for rep in (0, 1)])
    ok = every[every["status"] == "ok"]
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    label = "mean of fewer points (others failed or lack it)"

    def marked(ax):
        return [(list(l.get_xdata()), list(l.get_ydata())) for l in ax.get_lines() if l.get_label() == label]

    plots.sweep_metric(ok, ["promoters", "passives"], "value", tmp_path / "v.png",
                       discrete={"promoters": True, "passives": True}, planned=every)
    promoters, passives = drawn[-1].axes[:2]
    assert marked(promoters) == [([0.7], [542.5])]   # (0.7, 0.2) alone: its two runs 542 and 543
    assert marked(passives) == [([0.5], [101.5])]
    assert label in [t.get_text() for t in promoters.get_legend().get_texts()]
    whole = every.assign(value=every["value"].fillna(300.0), status="ok")
    plots.sweep_metric(whole, ["promoters", "passives"], "value", tmp_path / "v.png",
                       discrete={"promoters": True, "passives": True}, planned=whole)
    assert not any(marked(ax) for ax in drawn[-1].axes[:2])


@pytest.mark.parametrize("metric", ["payback_day", "budget_exhausted_day"])
def test_a_payback_level_most_of_whose_runs_never_paid_back_is_marked_with_its_count(tmp_path, monkeypatch, metric):
    """A reward of 40 whose runs paid back in 1 of 3 (day 96) was a filled dot on the line
    beside levels paying back in 3 of 3: read as "pays back around day 96". It is now a
    hollow square labelled "1 of 3"; the levels where every run paid back are not. A
    budget that ran out in 1 run of 3 likewise (it was still a filled dot)."""
    from simulator.report import plots

    days = {0: [30.0, 31.0, 32.0], 10: [40.0, 41.0, 42.0], 40: [96.0, np.nan, np.nan]}
    runs = pd.DataFrame([{"point_id": i, "replicate": rep, "reward": r, metric: d, "status": "ok"}
                         for i, (r, values) in enumerate(days.items()) for rep, d in enumerate(values)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_metric(runs, ["reward"], metric, tmp_path / "p.png", discrete={"reward": True},
                       defined="the runs where the day came")
    ax = drawn[-1].axes[0]
    label = "mean of only the runs that got there"
    marked = [(list(l.get_xdata()), list(l.get_ydata())) for l in ax.get_lines() if l.get_label() == label]
    assert marked == [([40], [96.0])]
    assert [t.get_text() for t in ax.texts] == ["1 of 3"]
    assert label in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_heatmap_tells_a_failed_point_from_one_that_never_got_there(tmp_path, monkeypatch):
    """promoters x passives where (0.7, 0.4) clashes and every run of it failed, (0.3, 0.4)
    and (0.7, 0.2) ran and never paid back, and (0.3, 0.2) paid back in 2 of 3: the map
    drew three identical blank cells, its caption calling each "a point where no run has
    it". The failed cell is now hatched and says so, the runs that never paid back stay
    blank, and the mean over 2 of 3 runs says it."""
    from simulator.report import plots

    cells = {(0.3, 0.2): [20.0, 29.0, np.nan], (0.3, 0.4): [np.nan] * 3, (0.7, 0.2): [np.nan] * 3,
             (0.7, 0.4): [np.nan] * 3}
    every = pd.DataFrame([{"point_id": i, "replicate": rep, "promoters": p, "passives": q, "payback_day": d,
                           "status": "failed" if (p, q) == (0.7, 0.4) else "ok"}
                          for i, ((p, q), values) in enumerate(cells.items()) for rep, d in enumerate(values)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_heatmap(every[every["status"] == "ok"], "promoters", "passives", "payback_day", tmp_path / "h.png",
                        minimise=True, planned=every)
    ax = drawn[-1].axes[0]
    texts = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text() for t in ax.texts}
    assert texts == {(0, 0): "24.5\n2 of 3 runs", (1, 1): "failed"}   # x: promoters 0.3, 0.7; y: passives 0.2, 0.4
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(0.5, 0.5)]
    assert "failed: every run of the point (report.md says why)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_list_of_very_uneven_values_is_drawn_evenly_spaced_with_its_values_as_ticks(tmp_path, monkeypatch):
    """Budgets of 20, 60 and 1,000,000 on a linear axis put the first two on one spot, so
    neither could be read. A list whose widest gap is 20 times its narrowest or more is
    drawn at evenly spaced positions, ticked with its values, and the axis says so; an
    even grid (0, 10, 20) stays on its values."""
    from simulator.report import plots

    def drawn_for(levels):
        runs = pd.DataFrame([{"point_id": i, "budget": b, "value": float(i + rep)} for i, b in enumerate(levels)
                             for rep in (0.0, 2.0)])
        drawn = {}
        monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
        plots.sweep_metric(runs, ["budget"], "value", tmp_path / "v.png", discrete={"budget": True})
        return drawn["fig"].axes[0]

    ax = drawn_for([20.0, 60.0, 1_000_000.0])
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["20", "60", "1,000,000"]
    assert ax.get_xlabel().endswith("(levels evenly spaced)")
    ax = drawn_for([0.0, 10.0, 20.0])
    assert list(ax.get_lines()[0].get_xdata()) == [0.0, 10.0, 20.0] and "evenly" not in ax.get_xlabel()
    # a level where no run has the metric is drawn (marked) among them, and the axis still says how: it lost its
    # "(levels evenly spaced)" beside a budget_exhausted_day no run of the 100,000 budget has
    runs = pd.DataFrame([{"point_id": i, "budget": b, "value": float(i + rep) if b < 1e5 else np.nan}
                         for i, b in enumerate([300.0, 1_500.0, 100_000.0]) for rep in (0.0, 2.0)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_metric(runs, ["budget"], "value", tmp_path / "v.png", discrete={"budget": True})
    ax = drawn[-1].axes[0]
    assert ax.get_xlabel().endswith("(levels evenly spaced)"), ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["300", "1,500", "100,000"]


def test_paired_sweep_plots_band_each_level_by_its_paired_difference_from_the_best(tmp_path, monkeypatch):
    """Under common random numbers a level that is 1 better than another in every
    replicate, with replicates that differ by ±10, has an interval of its own that
    overlaps the other's, while the report tells them apart (paired). The plot's band
    is now the paired one: mean ± t(0.975, n−1)·sd(d)/√n, d the replicate-by-replicate
    difference from the best level (0 wide at the best), with the best mean dotted.
    A minimised metric takes the lowest level as the best."""
    from scipy import stats

    from simulator.report import plots

    luck = [0.0, 10.0, -10.0, 5.0]
    gap = [1.0, 1.2, 0.8, 1.0]   # level 20 beats level 10 by these in replicates 0..3
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "reward": reward, "value": 100.0 + luck[r] + (gap[r] if p else 0.0)}
                         for p, reward in enumerate((10, 20)) for r in range(4)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["reward"], "value", tmp_path / "v.png", discrete={"reward": True}, paired=True)
    ax = drawn["fig"].axes[0]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    half = stats.t.ppf(0.975, 3) * np.std(gap, ddof=1) / 2.0
    mean_10, mean_20 = 100.0 + np.mean(luck), 100.0 + np.mean(luck) + 1.0
    assert min(band) == pytest.approx(mean_10 - half) and max(band) == pytest.approx(mean_20)
    assert mean_10 + half < mean_20  # the band misses the best mean: told apart, as the report says
    own = plots._point_means(runs, ["reward"], "value")
    assert own["high"].iloc[0] > own["low"].iloc[1]  # the unpaired bands overlapped
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and dotted[0].get_ydata()[0] == pytest.approx(mean_20)
    assert "paired difference from the best level" in drawn["fig"].texts[0].get_text().replace("\n", " ")
    drawn.clear()
    plots.sweep_metric(runs, ["reward"], "value", tmp_path / "v.png", discrete={"reward": True}, paired=True, minimise=True)
    dotted = [line for line in drawn["fig"].axes[0].get_lines() if line.get_linestyle() == ":"]
    assert dotted[0].get_ydata()[0] == pytest.approx(mean_10)
    # three levels, two comparisons with the best, by Holm's step-down as report.md's best points: the clearer (level
    # 30, 5 further behind: the same spread, a larger gap) at 1 - 5%/2, then level 10 at 95%; a copy of level 10 is no
    # test of its own
    third = runs[runs["reward"] == 10].assign(reward=30, point_id=2, value=lambda f: f["value"] - 5)
    table = plots._paired_means(pd.concat([runs, third]), "reward", "value", minimise=False).set_index("reward")
    spread = np.std(gap, ddof=1) / 2.0
    assert table.loc[30, "high"] - table.loc[30, "mean"] == pytest.approx(stats.t.ppf(1 - 0.05 / 4, 3) * spread)
    assert table.loc[10, "high"] - table.loc[10, "mean"] == pytest.approx(stats.t.ppf(0.975, 3) * spread)
    copy = runs[runs["reward"] == 10].assign(reward=40, point_id=3)
    table = plots._paired_means(pd.concat([runs, third, copy]), "reward", "value", minimise=False).set_index("reward")
    assert table.loc[40, "high"] == pytest.approx(table.loc[10, "high"])   # a copy of level 10: its level, its band
    # one replicate: no paired difference has a spread, and the figure drew no band under a title promising one; each
    # level's runs are pooled instead (two points a level here, as another parameter's two values), as without common
    # random numbers, and the title says which
    single = pd.DataFrame([{"point_id": 2 * i + j, "replicate": 0, "reward": reward, "other": j,
                            "value": 100.0 + 10 * i + 4 * j} for i, reward in enumerate((10, 20)) for j in (0, 1)])
    drawn.clear()
    plots.sweep_metric(single, ["reward", "other"], "value", tmp_path / "v.png", discrete={"reward": True, "other": True},
                       paired=True)
    title = drawn["fig"].texts[0].get_text().replace("\n", " ")
    assert "paired difference" not in title and "95% interval of the mean" in title, title
    band = drawn["fig"].axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert np.isfinite(band).all() and band.max() > band.min()
    # one parameter: one run a level, nothing to pool, no band at all: the title said "95% interval of the mean"
    drawn.clear()
    plots.sweep_metric(single[single["other"] == 0], ["reward"], "value", tmp_path / "v.png", discrete={"reward": True},
                       paired=True)
    assert "mean of one run per level: no interval" in drawn["fig"].texts[0].get_text().replace("\n", " ")
    from simulator.report.text import sweep_caption

    assert "no band: one run per level gives no interval" in sweep_caption("value", paired=True, lone=True)


def test_paired_plots_rank_no_assumption_and_say_panels_pool_the_other_parameters(tmp_path, monkeypatch):
    """An assumption's panel (fraud share) keeps each level's own interval under common
    random numbers, with no 'best' line: the report ranks no value of an assumption; that
    interval is of the average of the level's point means, not of its runs pooled.
    With two parameters the title says each panel averages over the other's values.
    Heatmap cells read 21.7k, not 2.17e+04."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 2 * a + b, "replicate": r, "reward": reward, "fraud": fraud,
                          "value": 21_000.0 + 100 * reward - 5_000 * fraud + 50 * r}
                         for a, reward in enumerate((0, 10)) for b, fraud in enumerate((0.0, 0.1)) for r in range(3)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["reward", "fraud"], "value", tmp_path / "v.png", discrete={"reward": True, "fraud": True},
                       paired=True, assumptions=("fraud",))
    reward_panel, fraud_panel = drawn["fig"].axes[:2]
    assert [line.get_linestyle() for line in reward_panel.get_lines()].count(":") == 1
    assert ":" not in [line.get_linestyle() for line in fraud_panel.get_lines()]
    band = fraud_panel.collections[0].get_paths()[0].vertices[:, 1]
    # a level's band is the interval of the average of its two points' means (rewards 0 and 10, 3 runs each, sd 50):
    # standard error sqrt(2 * 50**2 / 3) / 2 on Welch-Satterthwaite's 4 degrees of freedom. Pooling the 6 runs
    # counted the two rewards' 1,000 apart as noise, a band ten times as wide
    from scipy import stats

    half = stats.t.ppf(0.975, 4) * math.sqrt(2 * 50**2 / 3) / 2
    levels = runs.groupby(["fraud", "point_id"])["value"].mean().groupby("fraud").mean()
    assert min(band) == pytest.approx(levels.min() - half) and max(band) == pytest.approx(levels.max() + half)
    own = plots._point_means(runs, ["fraud"], "value", within="point_id").set_index("fraud")
    assert (own["high"] - own["mean"]).to_numpy() == pytest.approx([half, half])
    pooled = plots._point_means(runs, ["fraud"], "value").set_index("fraud")
    assert pooled.loc[0.1, "high"] - pooled.loc[0.1, "mean"] > 5 * half
    title = drawn["fig"].texts[0].get_text().replace("\n", " ")
    assert "each panel averages over the other parameters' values" in title
    assert "an assumption's panel: its own interval" in title
    from simulator.report.text import fmt_short

    assert [fmt_short(v) for v in (21_707.0, 1_234_567.0, 0.4821, -2_150.0)] == ["21.7k", "1.23M", "0.482", "-2.15k"]
    assert [fmt_short(v) for v in (999.6, 999_999.0, 1.23e9, 999.4)] == ["1k", "1M", "1.23B", "999"]


def test_a_text_assumption_is_tested_by_value_and_p_values_read_on_their_side_of_the_line():
    """A text-valued assumption (paid_on) was shown as "–" and never tested: its runs are
    now compared by value (Kruskal–Wallis' statistic, its p-value by permutation). A p-value of 0.0495 read
    "0.05" while counted below 0.05; a permutation test's floor reads "< 0.001"."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.report.sweep import _p_text
    from simulator.sweep import assumption_effects

    y = np.array([[1.0, 1.2], [5.0, 5.3], [2.0, 2.1], [6.0, 6.4], [1.5, 1.1], [7.0, 7.2]])
    summary, runs = _runs_frame({"paid_on": ["signup", "qualification"] * 3}, y)
    row = assumption_effects(summary, SimpleNamespace(metrics=("m",), parameters=["paid_on"],
                                                      spec=SimpleNamespace(common_random_numbers=False)), runs).iloc[0]
    assert math.isnan(row["paid_on"])
    # the runs split by value without overlap: 2 of the 12!/(6! 6!) = 924 arrangements do so (either way round)
    assert stats.kruskal(y[::2].ravel(), y[1::2].ravel()).pvalue < 0.01
    assert row["paid_on p"] == pytest.approx(2 / 924, abs=0.001)
    assert _p_text(0.0495) == "= 0.0495" and _p_text(0.0505) == "= 0.051" and _p_text(0.0002) == "< 0.001"


def test_a_wrong_value_beside_a_sampled_whole_number_range_is_blamed_on_its_own_key(tmp_path):
    """A Latin hypercube over population.size (5000 to 20000, whole numbers) beside a
    reward_scale of {values: [abc]}: the error named population.size's range ("5001 does
    not fit ... give a list of the values that fit instead of the range"), whose values
    fit, and sent the reader to rewrite it."""
    path = write_sweep(tmp_path, method="latin_hypercube", samples=4, parameters={
        "population.size": {"low": 5000, "high": 20000, "integer": True},
        "program.incentive.reward_scale": {"values": ["abc"]}})
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]),
                          "parameters.program.incentive.reward_scale", "value 'abc' does not fit")
    assert "population.size" not in line


@pytest.mark.parametrize("block, words", [
    ([0, 10], ["a parameter is a block: write {values: [0, 10]}", "{low: ..., high: ...}"]),
    (10, ["write {values: [10]}"]),
    ({"values": [0, 10], "low": 0}, ["give either 'values' (a list) or a range", "got values and low"]),
    # a list of seven, to copy whole (it showed the first five, and copied ran two values short); a long one marked cut
    ([0, 5, 10, 15, 20, 25, 30], ["write {values: [0, 5, 10, 15, 20, 25, 30]}"]),
    (list(range(0, 100, 5)), ["write {values: [0, 5, 10, 15, 20, … 15 more]}"]),
    # the command line's range written in the file: {values: [5:100:log]} was offered, which fails too
    ("5:100:log", ["write the range as {low: 5, high: 100, log: true} (with integer: true for a key that takes whole "
                   "numbers, and levels: N on a grid)", "(got '5:100:log')"]),
    ("0.5:40", ["write the range as {low: 0.5, high: 40} (and levels: N on a grid)"]),
    # a block that loads: low below high, the scale in any case
    ("100:5:LOG", ["write the range as {low: 5, high: 100, log: true}"]),
])
def test_a_parameter_of_the_wrong_shape_says_which_shape_to_write(tmp_path, block, words):
    """A bare list read "Input should be a valid dictionary or instance of ValueRange",
    and values mixed with low "unknown key 'low'; valid keys here: values"."""
    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": block})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]),
                   "parameters.program.incentive.referrer_reward", *words)


@pytest.mark.parametrize("parameters, where, words", [
    ({"": {"values": [1, 2]}}, "parameters.", ["'' is not a key path; name a scenario key such as program.base_share"]),
    ({"program.base_share": {"values": []}}, "parameters.program.base_share.values", ["needs at least 1 item (got 0)"]),
    (["program.base_share"], "parameters", ["should be a block of 'key: value' lines, not a list"]),
    # 'values:' dedented to the level of the parameter keys: an indentation slip (it read 'write {values: [null]}')
    ({"program.base_share": None, "values": [0.1, 0.2]}, "parameters.program.base_share",
     ["'values' sits beside it as a parameter of its own: indent 'values:' under 'program.base_share:'"]),
    ({"program.base_share": None, "low": 0.1, "high": 0.2}, "parameters.program.base_share",
     ["indent 'low:' under 'program.base_share:' (or write program.base_share: {low: ..., high: ...})"]),
    # the runs strip a key as --set does, the checks did not: 'program.base_share ' was said to be read by no run,
    # and beside the plain key it overwrote its values in every run
    ({"program.base_share ": {"values": [0.1, 0.3]}}, "parameters.program.base_share ",
     ["'program.base_share ' has blank space around it; write the key path without it: program.base_share"]),
    ({"program.base_share": {"values": [0.1, 0.2]}, " program.base_share": {"values": [0.3, 0.4]}},
     "parameters. program.base_share", ["' program.base_share' has blank space around it"]),
])
def test_a_sweep_files_shape_mistakes_read_as_what_to_write(tmp_path, parameters, where, words):
    """An empty key was answered with --set's syntax ('write key.path=value'), an empty
    list with the validator's 'List should have at least 1 item after validation, not
    0', parameters written as a list with 'Input should be a valid dictionary'."""
    path = write_sweep(tmp_path, parameters=parameters)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]), where, *words)
    assert "key.path=value" not in line and "Input should be" not in line


def test_an_inline_block_left_unclosed_in_a_set_is_refused_as_invalid_yaml():
    """--set 'network={kind: erdos' was taken as the text '{kind: erdos' and refused as
    'Input should be a valid dictionary'; it is invalid YAML, and said so."""
    result = runner.invoke(app, ["validate", str(ROOT / "scenarios" / "default.yaml"), "--set", "network={kind: erdos"])
    one_line_error(result, "'{kind: erdos' starts a YAML block or list but is not valid YAML; close it")


def test_choices_drawn_afresh_at_each_assumption_value_are_not_said_to_depend_on_it():
    """A random sweep draws the choices anew at each fraud share, so no choice ran at two
    values: "depends on fraud.share" was a certainty by construction. And a value with
    one point said "Every other point at this value is distinguishable"."""
    from types import SimpleNamespace

    from simulator.report.sweep import _verdict

    summary = pd.DataFrame({"point_id": [0, 1, 2], "fraud.share": [0.0, 0.1, 0.1], "base_share": [0.17, 0.21, 0.12]})
    best = pd.DataFrame([{"fraud.share": 0.0, "metric": "value", "point_id": 0, "mean": 5.0, "ci_low": 4.0, "ci_high": 6.0,
                          "paired": False, "indistinguishable": []},
                         {"fraud.share": 0.1, "metric": "value", "point_id": 1, "mean": 4.0, "ci_low": 3.0, "ci_high": 5.0,
                          "paired": False, "indistinguishable": [2]}])
    sweep = SimpleNamespace(objective="value", parameters=["fraud.share", "base_share"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(assumptions=["fraud.share"], common_random_numbers=False))
    lines = _verdict(sweep, summary, best)
    assert lines[0].startswith("**Each value of `fraud.share` has its own points**") and "depends" not in lines[0]
    assert lines[2].endswith("the only point at this value.") and "point 2;" in lines[3]


def test_depends_on_names_only_the_assumptions_the_best_choice_changes_with():
    """Two assumptions, fraud share and margin: the best payout changes with the margin
    only. The lead named both."""
    from types import SimpleNamespace

    from simulator.report.sweep import _verdict

    combos = [(f, m, paid) for f in (0.0, 0.2) for m in (8, 30) for paid in ("signup", "qualification")]
    summary = pd.DataFrame({"point_id": range(8), "fraud": [c[0] for c in combos], "margin": [c[1] for c in combos],
                            "paid_on": [c[2] for c in combos]})
    # at margin 8 signup is best (points 0, 4), at margin 30 qualification (points 3, 7); nothing tied
    best = pd.DataFrame([{"fraud": f, "margin": m, "metric": "value", "point_id": p, "mean": 1.0, "ci_low": 0.5,
                          "ci_high": 1.5, "paired": True, "indistinguishable": []}
                         for f, m, p in ((0.0, 8, 0), (0.0, 30, 3), (0.2, 8, 4), (0.2, 30, 7))])
    sweep = SimpleNamespace(objective="value", parameters=["fraud", "margin", "paid_on"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(assumptions=["fraud", "margin"], common_random_numbers=True))
    assert _verdict(sweep, summary, best)[0].startswith("**The best choice by value depends on `margin`**")


def test_levels_mixing_null_and_numbers_are_drawn_in_numeric_order_with_null_first(tmp_path, monkeypatch):
    """budget_per_month: [null, 1500, 800, 400, 200, 100] is stored as text, and the plot's
    axis read 100, 1500, 200, 400, 800, null (a zigzag that is not in the data). The
    levels are now drawn null first (no cap), then by size; the heatmap orders them alike."""
    from simulator.report import plots

    caps = ["null", "1500", "800", "400", "200", "100"]
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "cap": cap, "other": o,
                          "value": (5000.0 if cap == "null" else float(cap)) + r + o}
                         for p, cap in enumerate(caps) for r in range(2) for o in (0, 1)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["cap"], "value", tmp_path / "v.png", discrete={"cap": True}, paired=True)
    ax = drawn["fig"].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["null", "100", "200", "400", "800", "1500"]
    means = [line for line in ax.get_lines() if line.get_linestyle() != ":"][0].get_ydata()
    assert list(means) == [5001.0, 101.0, 201.0, 401.0, 801.0, 1501.0]   # the mean over replicates and the other level
    drawn.clear()
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_heatmap(runs, "cap", "other", "value", tmp_path / "h.png")
    assert [t.get_text() for t in drawn["fig"].axes[0].get_xticklabels()] == ["null", "100", "200", "400", "800", "1500"]


def test_a_cost_metrics_plot_marks_no_best_level_under_common_random_numbers(tmp_path, monkeypatch):
    """reward_cost's plot banded every level by its paired difference from the most
    expensive one, drawn as 'the best level', while report.md ranks no cost. A cost's
    panels now keep each level's own interval; a ranked metric's stay paired."""
    from simulator.report import plots

    calls = {}
    real = plots.sweep_metric
    def recorded(runs, parameters, metric, path, **kw):
        calls[metric] = kw["paired"]
        return real(runs, parameters, metric, path, **kw)

    monkeypatch.setattr(plots, "sweep_metric", recorded)
    path = write_sweep(tmp_path, common_random_numbers=True, metrics=["customers_final", "reward_cost"])
    assert runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"]).exit_code == 0
    assert calls == {"customers_final": True, "reward_cost": False}
    # report.md says it ranks no cost, rather than leaving the metric out of its table silently
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Not ranked: `reward_cost` (costs and budget days" in report


def test_a_whole_block_swept_as_one_value_gets_short_tick_labels():
    """A swept incentive block was labelled by its whole JSON text, longer than the
    figure: matplotlib warned 'Tight layout not applied' on every plot. Its levels are now
    named by the keys in which they differ, kind first; numbers keep 4 digits; long
    labels are cut."""
    from simulator.report.plots import tick_labels

    single = '{"kind": "single_sided", "referrer_reward": 20, "reward_type": "cash", "paid_on": "qualification"}'
    double = ('{"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "reward_type": "cash", '
              '"paid_on": "qualification"}')
    assert tick_labels([single, double]) == ["single_sided\nreferrer_reward=20",
                                             "double_sided\nreferrer_reward=10\nreferee_reward=10"]
    assert tick_labels([single, double], width=12) == ["single_sided\nreferrer_re…", "double_sided\nreferrer_re…\nreferee_rew…"]
    assert tick_labels([single, single]) == ["#1", "#2"]
    assert tick_labels([0.123456, 2.0, "null", "{not json"]) == ["0.1235", "2", "null", "{not json"]


def test_a_swept_key_in_a_block_the_base_leaves_at_its_default_is_refused_before_any_run(tmp_path):
    """A base with no program block (incentive kind none by default) swept over
    referrer_reward ran every point, failed them all and exited 0."""
    (tmp_path / "tiny.yaml").write_text("name: tiny\npopulation: {size: 300, initial_customers: 5}\ndays: 20\n")
    path = write_sweep(tmp_path, base="tiny.yaml")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"]),
                   "parameters.program.incentive.referrer_reward", "missing 'kind'")
    assert not (tmp_path / "out" / "sweep.parquet").exists()


def test_a_sampled_sweeps_plot_title_does_not_say_it_averages(tmp_path, monkeypatch):
    """An LHS sweep's plot said 'each panel averages over the other parameters' values',
    though it draws single runs and point means, averaging nothing across points."""
    from simulator.report import plots

    rng = np.random.default_rng(1)
    runs = pd.DataFrame({"point_id": np.repeat(np.arange(8), 2), "replicate": np.tile([0, 1], 8),
                         "a": np.repeat(rng.random(8), 2), "b": np.repeat(rng.random(8), 2), "value": rng.random(16)})
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["a", "b"], "value", tmp_path / "v.png", discrete={"a": False, "b": False})
    title = drawn["fig"].texts[0].get_text().replace("\n", " ")
    assert "averages" not in title and "the other parameters vary from point to point" in title


@pytest.mark.parametrize("paired", [True, False])
def test_a_point_whose_runs_all_failed_is_no_contender(paired):
    """A point with fewer than two successful runs cannot be told apart and is listed;
    one with none at all was first left out without a word (it had no row to compare),
    then listed as indistinguishable from the best, a configuration that never ran. It is
    no contender, and report.md names it as failed
    (test_a_point_that_never_ran_is_no_contender_and_a_metric_never_defined_is_named)."""
    from types import SimpleNamespace

    from simulator.sweep import best_points

    rows = [{"point_id": p, "reward": p, "replicate": r, "value": 10.0 * p + r, "status": "ok"}
            for p in (0, 1) for r in range(4)]
    rows += [{"point_id": 2, "reward": 2, "replicate": r, "value": np.nan, "status": "failed"} for r in range(4)]
    frame = pd.DataFrame(rows)
    summary = pd.DataFrame({"point_id": [0, 1, 2], "reward": [0, 1, 2], "value_mean": [1.5, 11.5, np.nan],
                            "value_ci_low": np.nan, "value_ci_high": np.nan})
    sweep = SimpleNamespace(metrics=("value",), spec=SimpleNamespace(common_random_numbers=paired, assumptions=[]),
                            parameters=["reward"])
    best = best_points(frame, sweep, summary).iloc[0]
    assert best["point_id"] == 1 and best["indistinguishable"] == []   # point 0 is 10 lower in every replicate
    rows[-1] = {**rows[-1], "value": 5.0, "status": "ok"}   # one run of point 2 finished: it cannot be told apart
    best = best_points(pd.DataFrame(rows), sweep, summary.assign(value_mean=[1.5, 11.5, 5.0])).iloc[0]
    assert best["point_id"] == 1 and best["indistinguishable"] == [2]


def test_a_point_that_paid_back_in_fewer_runs_is_not_the_best_payback():
    """A point that never paid back in 2 of 6 runs had a mean payback day over the other
    4 (106) and was named best over a point that paid back in all 6 (135), and points.csv
    said nothing of it. A run that never paid back is worse than any day: the best
    payback point is one where the most runs paid back, then the earliest; points.csv
    counts the runs where each metric is defined."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    days = {0: [100, 110, 95, 120, np.nan, np.nan], 1: [130, 140, 135, 128, 138, 139], 2: [150, 160, np.nan, 150, 155, 170]}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "payback_day": d, "value": float(p), "status": "ok"}
                          for p, values in days.items() for r, d in enumerate(values)])
    sweep = SimpleNamespace(metrics=("payback_day", "value"), parameters=["reward"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(common_random_numbers=False, assumptions=[]))
    summary = point_summary(frame, sweep)
    assert summary["payback_day_n"].tolist() == [4, 6, 5] and summary["value_n"].tolist() == [6, 6, 6]
    assert summary["payback_day_mean"].tolist()[0] == pytest.approx(106.25)   # the mean is still over the runs that paid back
    best = best_points(frame, sweep, summary).set_index("metric")
    assert best.loc["payback_day", "point_id"] == 1 and best.loc["value", "point_id"] == 2


def test_a_best_payback_on_day_1_is_said_to_be_no_feat_of_speed(tmp_path):
    """A sweep's Best points named the reward of 0 best on payback_day, "mean 1, 1 – 1",
    which read as the fastest to pay back: day 1 means the cumulative incremental profit
    never fell below 0 (a program spending nothing first), as run's and compare's reports
    say. The sweep's report now says so under its table, naming the points."""
    path = write_sweep(tmp_path, metrics=["incremental_value", "payback_day"])
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "s"), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    points = pd.read_csv(tmp_path / "s" / "points.csv").set_index("point_id")
    report = " ".join((tmp_path / "s" / "report.md").read_text().split())
    best = points["payback_day_mean"].idxmin()
    assert points.loc[best, "payback_day_mean"] == 1   # the reward of 0 spends nothing: day 1 in every run
    assert (f"A payback on day 1 is no feat of speed: in the runs of point {best} that pay back, the cumulative "
            f"incremental profit never falls below 0") in report, report
    # Bonferroni here, Holm in compare: on the same runs compare called a lead "sure at 95%" that this table listed as
    # indistinguishable. The sweep now steps down as compare does, and says so
    assert "Holm's step-down, as `refsim compare`: the clearest difference first at 1 − 5%/m" in report
    # with one point to test against the best, the step-down is a single test at 95%: no steps to describe
    from simulator.report.sweep import _how
    from simulator.sweep import load_sweep

    assert "Holm" not in _how(load_sweep(path), compared=1) and "Holm" in _how(load_sweep(path), compared=2)


def test_a_points_interval_stops_at_its_last_day_and_its_budget(tmp_path):
    """points.csv cut an interval at the lowest value a run can take but not at the
    highest: a payback day's ran to day 981 of a 180-day point, where run, compare and
    optimize stop a day at the horizon and a spend at the total budget. A payback day
    comes by the point's own last day (days swept: 20 at one point, 30 at the other),
    and no run spends past the base scenario's budget."""
    from simulator.sweep import point_summary

    def summary(fields: dict, metric: str, values: dict[int, list[float]]) -> pd.DataFrame:
        sweep = load_sweep(write_sweep(tmp_path, **fields, metrics=[metric]))
        key = sweep.parameters[0]
        frame = pd.DataFrame([{"point_id": p, key: sweep.spec.parameters[key].values[p], "replicate": r, metric: v,
                               "status": "ok"} for p, runs in values.items() for r, v in enumerate(runs)])
        return point_summary(frame, sweep)

    days = summary({"parameters": {"days": {"values": [20, 30]}}}, "payback_day", {0: [2.0, 19.0], 1: [3.0, 29.0]})
    assert days["payback_day_ci_high"].tolist() == [20.0, 30.0]   # two runs far apart: a t-interval reaches far past
    budget = {**BASE, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"], "budget": 100}}}
    spend = summary({"base": budget, "parameters": {"program.incentive.referrer_reward": {"values": [5, 10]}}},
                    "reward_cost", {0: [10.0, 95.0], 1: [20.0, 99.0]})
    assert spend["reward_cost_ci_high"].tolist() == [100.0, 100.0]
    assert spend["reward_cost_mean"].tolist() == [52.5, 59.5]   # the means are the runs' own
    # a swept monthly allowance: each point's own (over the base's 20 days, month 0 alone), not the base file's (every
    # point was cut at the base's 20, below the mean of the point allowing 400)
    monthly = {**BASE, "days": 20, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"],
                                                                                "budget_per_month": 20}}}
    allowance = summary({"base": monthly, "parameters": {"program.incentive.budget_per_month": {"values": [20, 400]}}},
                        "reward_cost", {0: [10.0, 20.0], 1: [150.0, 390.0]})
    assert allowance["reward_cost_ci_high"].tolist() == [20.0, 400.0]
    assert (allowance["reward_cost_ci_high"] >= allowance["reward_cost_mean"]).all()
    # a program cost that is the reward spend in every run of a point (no lever costs anything) stops there too: it
    # ran to 605 and 632 beside a reward spend cut at a budget of 600
    sweep = load_sweep(write_sweep(tmp_path, base=budget, parameters={"program.incentive.referrer_reward":
                                                                      {"values": [5, 10]}},
                                   metrics=["reward_cost", "program_cost"]))
    key = sweep.parameters[0]
    rows = [{"point_id": p, key: [5, 10][p], "replicate": r, "reward_cost": v, "program_cost": v + (10.0 * p),
             "status": "ok"} for p, runs in {0: [10.0, 95.0], 1: [20.0, 99.0]}.items() for r, v in enumerate(runs)]
    both = point_summary(pd.DataFrame(rows), sweep)
    assert both["program_cost_ci_high"].iloc[0] == 100.0      # point 0: program cost = reward spend in every run
    assert both["program_cost_ci_high"].iloc[1] > 100.0       # point 1: its levers cost 10 a run, past the budget


def test_a_sweeps_bands_stop_where_no_run_can_reach_and_say_which_runs_a_day_is_over(tmp_path, monkeypatch):
    """payback_day.png drew a band from day -200 to day 800 of 365-day runs, and its title
    and the heatmap's ('mean over replicates') did not say that the means leave out the
    runs that never paid back (2 of 4 at every point). A band stops at the values a run
    can take (day 1 to the last day of the longest point; no fewer than 0 customers),
    and the titles say what the means are over; a count of people stops at the population."""
    from simulator.report import plots
    from simulator.report.sweep import _bounds
    from simulator.sweep_points import sweep_points

    sweep = load_sweep(write_sweep(tmp_path, parameters={"days": {"values": [20, 30]}},
                                   metrics=["payback_day", "customers_final"]))
    points = sweep_points(sweep, 1)
    # a count of people stops at the population too (300 in BASE): no run has more customers than people
    assert _bounds(sweep, "payback_day", points) == (1.0, 30.0) and _bounds(sweep, "customers_final", points) == (0.0, 300.0)
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "days": days, "payback_day": day}
                         for p, (days, values) in enumerate([(20, [2.0, 19.0]), (30, [3.0, 29.0])])
                         for r, day in enumerate(values)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_metric(runs, ["days"], "payback_day", tmp_path / "p.png", discrete={"days": True}, bounds=(1.0, 30.0),
                       defined="the runs that paid back")
    band = drawn[0].axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert min(band) == 1.0 and max(band) == 30.0   # two runs this far apart: a t-band reaches far past both
    assert "means over the runs that paid back" in drawn[0].texts[0].get_text().replace("\n", " ")
    plots.sweep_heatmap(runs.assign(kind=runs["replicate"]), "days", "kind", "payback_day", tmp_path / "h.png",
                        defined="the runs that paid back")
    assert drawn[1].axes[0].get_title() == "payback_day: mean over the runs that paid back"
    # a cost per extra customer is undefined where a run added nobody: its heatmap read "mean over replicates" over 2 of
    # 3 runs, its brightest cell a point report.md does not rank best (it ranks the share of runs defined first)
    from simulator.report.sweep import DEFINED_IN

    assert DEFINED_IN["incremental_cac"] == DEFINED_IN["incremental_cac_vs_paid"] == "the runs that added customers"
    # and the captions under the figures say the same runs: they read "over the runs where the day came"
    from simulator.report.text import sweep_caption

    for heatmap in (False, True):
        said = sweep_caption("incremental_cac", heatmap=heatmap, defined=DEFINED_IN["incremental_cac"])
        assert "(over the runs that added customers, not over every run)" in said and "day" not in said, said


def test_a_heatmap_of_a_fine_grid_labels_few_enough_levels_to_read(tmp_path, monkeypatch):
    """A 40 x 50 grid's heatmap labelled every level, 40 labels on a 6.5-inch axis that
    ran into each other. At most 15 labels a side, each under the level it names."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 50 * i + j, "replicate": 0, "a": float(i), "b": float(j), "value": float(i + j)}
                         for i in range(40) for j in range(50)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_heatmap(runs, "a", "b", "value", tmp_path / "h.png")
    ax = drawn[0].axes[0]
    for ticks, labels in ((ax.get_xticks(), ax.get_xticklabels()), (ax.get_yticks(), ax.get_yticklabels())):
        assert 2 <= len(ticks) <= 15
        assert [float(label.get_text()) for label in labels] == list(ticks)   # level k sits at position k
    small = runs[(runs["a"] < 4) & (runs["b"] < 3)]
    drawn.clear()
    plots.sweep_heatmap(small, "a", "b", "value", tmp_path / "s.png")
    assert len(drawn[0].axes[0].get_xticks()) == 4 and len(drawn[0].axes[0].get_yticks()) == 3   # every level of a small grid


def test_a_heatmap_draws_words_in_the_sweep_files_order_as_the_panels_do(tmp_path, monkeypatch):
    """paid_on listed as [signup, qualification]: the panels drew signup first, the
    heatmap qualification first (by the alphabet), so the two figures of one sweep
    disagreed on where each payout sits."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 2 * i + j, "replicate": 0, "share": share, "paid_on": paid, "value": 1.0}
                         for i, share in enumerate((0.0, 0.1)) for j, paid in enumerate(("signup", "qualification"))])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_heatmap(runs, "share", "paid_on", "value", tmp_path / "h.png", order={"paid_on": ["signup", "qualification"]})
    assert [label.get_text() for label in drawn[0].axes[0].get_yticklabels()] == ["signup", "qualification"]


def test_a_heatmap_keeps_a_level_where_no_run_has_the_metric(tmp_path, monkeypatch):
    """A reward of 40 that paid back in no run lost its row and its column: a 5 x 5 grid
    was drawn 4 x 4, the worst level missing, while a cell of the other levels where no
    run paid back was blank. The level is now a blank row or column."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 3 * i + j, "replicate": r, "a": a, "b": b,
                          "payback_day": np.nan if 40 in (a, b) or (a, b) == (20, 20) else float(a + b + r)}
                         for i, a in enumerate((0, 20, 40)) for j, b in enumerate((0, 20, 40)) for r in range(2)])
    table = plots.heatmap_table(runs, "a", "b", "payback_day")
    assert list(table.index) == [0, 20, 40] and list(table.columns) == [0, 20, 40]
    assert table.loc[40].isna().all() and table[40].isna().all() and np.isnan(table.loc[20, 20])
    assert table.loc[20, 0] == 20.5   # the mean of days 20 and 21 (b = 20 is the row)
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_heatmap(runs, "a", "b", "payback_day", tmp_path / "h.png")
    assert [label.get_text() for label in drawn[0].axes[0].get_xticklabels()] == ["0", "20", "40"]


@pytest.mark.parametrize("paired", [False, True])
def test_a_panel_keeps_a_level_where_no_run_has_the_metric_and_marks_it(tmp_path, monkeypatch, paired):
    """The payback panels ended at a reward of 20: at 40 no run paid back, and the level
    was dropped, its worst outcome missing. It stays on the axis, marked with an x."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": i, "replicate": r, "reward": a, "payback_day": np.nan if a == 40 else a + 1.0 + r}
                         for i, a in enumerate((0, 20, 40, 10)) for r in range(2)])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, **kw: drawn.append(fig) or path)
    plots.sweep_metric(runs, ["reward"], "payback_day", tmp_path / "p.png", discrete={"reward": True}, paired=paired,
                       minimise=True)
    ax = drawn[0].axes[0]
    (marked,) = [line for line in ax.lines if line.get_label() == "no run has payback_day at this level"]
    assert list(marked.get_xdata()) == [40]
    (means,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert list(means.get_xdata()) == [0, 10, 20, 40] and np.isnan(means.get_ydata()[-1])
    assert list(means.get_ydata()[:3]) == [1.5, 11.5, 21.5]
    # split by an assumption: a value of it where no run has the metric kept no line and no legend, under a title
    # saying "one line per" value
    split = pd.DataFrame([{"point_id": 2 * i + j, "replicate": r, "reward": a, "margin": m,
                           "payback_day": np.nan if m == 0.01 else a + 1.0 + r}
                          for i, a in enumerate((10, 20)) for j, m in enumerate((0.01, 8.0)) for r in range(2)])
    plots.sweep_metric(split, ["reward", "margin"], "payback_day", tmp_path / "s.png", discrete={"reward": True, "margin": True},
                       by="margin", assumptions=("margin",), paired=paired, minimise=True)
    ax = drawn[-1].axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "no run has payback_day at this level (margin = 0.01)" in labels and "margin = 8" in labels, labels
    (marked,) = [line for line in ax.lines if line.get_label().startswith("no run has")]
    assert list(marked.get_xdata()) == [10, 20]


def test_a_point_that_never_paid_back_is_told_apart_from_one_that_did():
    """A point that never paid back in any run had no defined payback day, and was listed
    as 'not told apart' from the best, which paid back on day 1 in every run. A run that
    never paid back counts as the day after the horizon in the comparison: such a point
    is told apart; one that paid back as early as the best is still listed."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    days = {0: [np.nan] * 4, 1: [1, 1, 2, 1], 2: [2, 1, 1, 1]}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "payback_day": d, "status": "ok"}
                          for p, values in days.items() for r, d in enumerate(values)])
    for paired in (False, True):
        sweep = SimpleNamespace(metrics=("payback_day",), parameters=["reward"], base=SimpleNamespace(days=90),
                                spec=SimpleNamespace(common_random_numbers=paired, assumptions=[]))
        best = best_points(frame, sweep, point_summary(frame, sweep)).iloc[0]
        assert best["point_id"] in (1, 2) and best["indistinguishable"] == [3 - best["point_id"]], best


def test_a_grid_value_listed_twice_is_refused_and_serial_records_one_worker(tmp_path):
    """values: [0, 10, 10] ran 2 points while the report listed '0, 10, 10'; a serial
    sweep's manifest recorded the default pool's worker count."""
    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 10]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]), str(path),
                   "parameters.program.incentive.referrer_reward.values", "10 is listed more than once")
    # as the file writes it: 'None is listed more than once' for [null, 5000, ~]
    path = write_sweep(tmp_path, parameters={"program.incentive.budget": {"values": [None, 5000, None]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")]),
                   "parameters.program.incentive.budget.values", "null is listed more than once")
    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10]}})
    ok = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial", "--workers", "4"])
    assert ok.exit_code == 0, ok.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())["sweep"]
    assert manifest["executor"] == "serial" and manifest["workers"] == 1


def test_a_sweep_of_one_replicate_says_no_point_can_be_told_apart():
    """With one replicate per point every point was 'statistically indistinguishable'
    from the best, beside an interval of '[–, –]': there is no interval at all."""
    from simulator.report.sweep import _best_text

    one = {"metric": "incremental_value", "mean": 427.5, "ci_low": math.nan, "ci_high": math.nan,
           "indistinguishable": [0, 1], "paired": False, "n": 1, "runs": 1}
    text = _best_text(one)
    assert "one run gives no interval, so no point can be told apart" in text and "indistinguishable" not in text
    # five replicates, a payback in one of them: no advice to run two replicates
    failed = {**one, "planned": 2}   # two replicates, one failed: no advice to run two replicates either
    assert "from the one of its 2 runs that finished (the others failed" in _best_text(failed)
    once = {**one, "metric": "payback_day", "runs": 5, "planned": 5}
    assert _best_text(once).endswith("from the one of its 5 runs where payback_day is defined: no interval, so no "
                                     "point can be told apart from it.")
    two = {**one, "ci_low": 400.0, "ci_high": 455.0}
    assert "2 other points are statistically indistinguishable" in _best_text(two)


def test_words_are_drawn_in_the_sweep_files_order(tmp_path, monkeypatch):
    """values: [qualification, signup] was drawn signup-last by the alphabet whatever the
    file said; given the file's order (as the sweep's writer passes it) the axis follows it."""
    from types import SimpleNamespace

    from simulator.report import plots
    from simulator.report.sweep import _word_orders
    from simulator.sweep_spec import ValueList

    runs = pd.DataFrame([{"point_id": p, "replicate": r, "paid_on": word, "value": float(p + r)}
                         for p, word in enumerate(["signup", "qualification", "renewal"]) for r in range(2)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    order = ["signup", "qualification", "renewal"]
    plots.sweep_metric(runs, ["paid_on"], "value", tmp_path / "v.png", discrete={"paid_on": True}, order={"paid_on": order})
    ax = drawn["fig"].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    # choices have nothing between them: a bar at each, no line through them nor a band spread across them (a
    # paired band drawn from signup to qualification read as a trend)
    assert not [c for c in ax.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")]
    assert not [line for line in ax.get_lines() if len(line.get_xdata()) > 1 and line.get_linestyle() == "-"]
    assert [c for c in ax.collections if type(c).__name__ == "LineCollection"]   # the error bars
    sweep = SimpleNamespace(spec=SimpleNamespace(parameters={"paid_on": ValueList(values=order),
                                                            "reward": ValueList(values=[1, 2])}))
    assert _word_orders(sweep) == {"paid_on": order}


def test_a_sampled_sweeps_band_on_a_list_panel_is_named_in_the_title(tmp_path, monkeypatch):
    """A random sweep with a list of values drew a paired band on that list's panel, and
    the title, written for sampled panels, did not say what the band was."""
    from simulator.report import plots

    rng = np.random.default_rng(1)
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "kind": kind, "share": share, "value": share + rng.normal()}
                         for p, (kind, share) in enumerate([("a", 0.1), ("b", 0.3), ("a", 0.5), ("b", 0.7)])
                         for r in range(3)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["kind", "share"], "value", tmp_path / "v.png", discrete={"kind": True, "share": False},
                       paired=True)
    title = " ".join(drawn["fig"]._suptitle.get_text().split())
    assert "panels of listed values: mean; bars: paired difference from the best level, 95% over all levels (Holm)" in title


def test_the_sweeps_rate_is_timed_from_when_runs_start(monkeypatch):
    """The runs-per-second column was timed from before the folder checks and the kernel's
    loading: 6 runs in 1 s after 1.8 s of start-up read 2.17 runs/s."""
    import time
    from types import SimpleNamespace

    from simulator.cli import _rate_updater

    clock = iter([100.0, 101.8, 102.8])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    shown = {}
    bar = SimpleNamespace(update=lambda task, **kw: shown.update(kw))
    advance = _rate_updater(bar, "runs")   # 100.0: the updater is made
    advance.restart()                       # 101.8: the runs start
    advance(6)                              # 102.8
    assert shown["rate"] == "6.00 runs/s"


@pytest.mark.parametrize("name, total, done", [("sweep reward-size-by-fraud-share", 100_000, 12_000),
                                               ("sweep reward-size-by-fraud-share-and-timing", 4_000, 1_200),
                                               ("sweep huge", 10_000_000, 1_450)])
def test_the_progress_line_keeps_its_figures_whole_in_80_columns(monkeypatch, name, total, done):
    """In an 80-column terminal a sweep of 100,000 runs with a 32-character name showed
    '1200… 129.52 runs/s 0:00:…' (12000/100000 and the elapsed time cut), and one of
    10,000,000 runs '1450/100000…', a total a hundred times too small: the name and the bar
    give way to a narrow terminal, the counts and times do not."""
    import io

    from rich.console import Console

    from simulator import cli

    console = Console(file=io.StringIO(), width=80, color_system=None)
    monkeypatch.setattr(cli, "err", console)
    bar = cli.progress_bar(total, name, ready=False)
    task = bar.add_task("runs", total=total, rate="129.52 runs/s")
    bar.update(task, completed=done)
    console.print(bar.make_tasks_table(bar.tasks))
    line = console.file.getvalue().rstrip("\n")
    assert "\n" not in line and len(line) <= 80, line
    assert re.search(rf"{done}/{total} 129\.52 runs/s \d+:\d\d:\d\d left -:--:--$", line), line
    assert line.startswith(name[:12]), line


def test_a_whole_float_counts_as_a_whole_number_in_a_sweep_file_as_in_a_scenario(tmp_path):
    """Strict validation refused 'levels: 3.0' and 'replicates: 2.0', which scenario
    files accept (1e2 is a hundred): whole floats still count."""
    from simulator.sweep import load_sweep

    path = write_sweep(tmp_path, replicates=2.0,
                       parameters={"program.incentive.referrer_reward": {"low": 0, "high": 20, "levels": 3.0}})
    sweep = load_sweep(path)
    assert sweep.replicates == 2 and sweep.spec.parameters["program.incentive.referrer_reward"].levels == 3


def test_the_plots_best_payback_level_is_the_reports(tmp_path, monkeypatch):
    """Under common random numbers the plot's dotted best level was the lowest mean payback
    over the runs that paid back (106, 4 of 6 runs) while report.md named the level that
    paid back in every run (135). A payback panel now draws no best level at all (its
    test, defined runs first, is report.md's; see the test of own intervals below)."""
    from simulator.report import plots

    days = {0: [100, 110, 95, 120, np.nan, np.nan], 10: [130, 140, 135, 128, 138, 139]}
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "reward": reward, "payback_day": d}
                         for p, (reward, values) in enumerate(days.items()) for r, d in enumerate(values)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["reward"], "payback_day", tmp_path / "p.png", discrete={"reward": True}, paired=True,
                       minimise=True)
    dotted = [line for line in drawn["fig"].axes[0].get_lines() if line.get_linestyle() == ":"]
    assert dotted == [] and "told apart from the best: see report.md" in " ".join(drawn["fig"].texts[0].get_text().split())


def test_a_sweep_that_ranks_when_rewards_are_paid_says_what_the_ranking_rests_on(tmp_path):
    """fraud-payout.yaml ranked paying on signup against on qualification at each fraud
    share, and the report never said the ranking rests on the assumed delay_discount
    (with none, qualification won; with 0.01 a day, signup). The report now says so when
    the sweep chooses paid_on or qualification_days, and not when they are assumptions."""
    from simulator.report.sweep import _payment_timing_note

    payout = {"program.incentive.paid_on": {"values": ["signup", "qualification"]},
              "fraud.share": {"values": [0.0, 0.1]}}
    note = _payment_timing_note(load_sweep(write_sweep(tmp_path, parameters=payout, assumptions=["fraud.share"])))
    assert note.startswith("The ranking of `program.incentive.paid_on` rests on assumptions: paying later saves"), note
    assert "--uncertain program.incentive.delay_discount=0:0.03" in note
    assert _payment_timing_note(load_sweep(write_sweep(tmp_path, "reward.yaml"))) == ""
    assumed = load_sweep(write_sweep(tmp_path, "assumed.yaml", parameters=payout,
                                     assumptions=["fraud.share", "program.incentive.paid_on"]))
    assert _payment_timing_note(assumed) == ""
    # the wait alone: on qualification, what it saves and costs (no fake accounts: the check blocks them at any wait);
    # paid on signup, it changes nothing (the 0- and 30-day runs were identical)
    waits = {"program.incentive.qualification_days": {"values": [0, 30]}}
    note = _payment_timing_note(load_sweep(write_sweep(tmp_path, "waits.yaml", parameters=waits)))
    assert "paid after 30 days, as 77%" in note and "fake" not in note and "fraud.share" not in note
    signup = {**BASE, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"], "paid_on": "signup"}}}
    sweep = load_sweep(write_sweep(tmp_path, "signup.yaml", parameters=waits, base=signup))
    # said once, by the world note (no run depends on it): two near-identical notes stood in report.md
    assert _payment_timing_note(sweep) == ""
    from simulator.report.text import study_world_note

    assert "does not read (no run depends on it)" in study_world_note(list(sweep.parameters), base=sweep.base)


def test_a_sweep_neither_ranks_nor_optimises_a_dashboards_roi(tmp_path):
    """attributed_roi was ranked among the best points, and accepted as the objective."""
    from simulator.errors import ScenarioError

    outcome = run_sweep(load_sweep(write_sweep(tmp_path)), tmp_path / "out", executor="serial")
    report = " ".join((outcome.folder / "report.md").read_text().split())
    assert ("Not ranked: `attributed_roi` (`attributed_roi` is a dashboard's view: it credits the program with what "
            "word of mouth would have brought anyway)") in report
    assert "| attributed_roi |" not in (outcome.folder / "report.md").read_text()  # no best-points row
    with pytest.raises(ScenarioError, match="'attributed_roi' is a dashboard's view"):
        load_sweep(write_sweep(tmp_path, "roi.yaml", objective="attributed_roi"))


def test_a_value_that_clashes_with_a_key_no_parameter_varies_is_refused_before_any_run(tmp_path):
    """promoters 0.9 on a base with passives 0.45 failed every run of that value (exit 1
    once all failed, exit 0 when some passed) because the check let through errors that
    name a neighbouring key, in case another parameter mends them. With one parameter
    nothing can: the clash is refused up front, naming the key; with more, a value may be
    mended by another swept key, even one the error does not name (a budget checked
    against reward x cost_share), so it is left to the runs, as before."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "b", "days": 10, "population": {"size": 200, "initial_customers": 5},
                                    "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.45}}))
    promoters = {"satisfaction.promoters": {"values": [0.3, 0.9]}}
    alone = tmp_path / "alone.yaml"
    alone.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": promoters}))
    one_line_error(runner.invoke(app, ["sweep", str(alone), "--out", str(tmp_path / "a"), "--executor", "serial"]),
                   "parameters.satisfaction.promoters", "value 0.9 does not fit the base scenario b",
                   "(at satisfaction.passives; the sweep varies nothing else)")
    assert not (tmp_path / "a").exists()
    both = tmp_path / "both.yaml"
    both.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": {
        **promoters, "satisfaction.passives": {"values": [0.05, 0.45]}}}))
    result = runner.invoke(app, ["sweep", str(both), "--out", str(tmp_path / "b"), "--executor", "serial"])
    assert result.exit_code == 0 and "1 failed" in result.stdout, result.output
    # a budget below a reward of 50 is mended by a cost share of 0.5, which the error does not name
    budget = tmp_path / "budget.yaml"
    budget.write_text(yaml.safe_dump({"name": "c", "days": 10, "population": {"size": 200, "initial_customers": 5},
                                      "program": {"timing": {"kind": "at_purchase"}, "incentive": {
                                          "kind": "single_sided", "reward_type": "cash", "budget": 30}}}))
    mended = tmp_path / "mended.yaml"
    mended.write_text(yaml.safe_dump({"base": "budget.yaml", "method": "grid", "replicates": 1, "parameters": {
        "program.incentive.referrer_reward": {"values": [20, 50]}, "program.incentive.cost_share": {"values": [1.0, 0.5]}}}))
    result = runner.invoke(app, ["sweep", str(mended), "--out", str(tmp_path / "c"), "--executor", "serial"])
    assert result.exit_code == 0 and "1 failed" in result.stdout, result.output


def test_a_value_clashing_with_the_bases_other_key_is_checked_beside_the_other_swept_values(tmp_path):
    """promoters x passives, each 0.3 or 0.6, on a base with promoters 0.5: passives 0.6
    was refused up front (0.5 + 0.6 > 1, the base's promoters, which no run uses) though
    3 of the 4 points are valid; and promoters 0.7 or 0.8 beside passives 0.5, where every
    pair clashes, passed the check and ran every run to fail. A value is now tried beside
    the other swept values: one that some value mends runs (the pair that still clashes
    fails, its error naming the point's values, not the valid base file); one that none
    mends is refused in one line."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "b", "days": 10, "population": {"size": 200, "initial_customers": 5},
                                    "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.35}}))
    valid = tmp_path / "valid.yaml"
    valid.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": {
        "satisfaction.promoters": {"values": [0.3, 0.6]}, "satisfaction.passives": {"values": [0.3, 0.6]}}}))   # keys sorted
    result = runner.invoke(app, ["sweep", str(valid), "--out", str(tmp_path / "a"), "--executor", "serial"])
    assert result.exit_code == 0 and "1 failed" in result.stdout, result.output
    failed = pd.read_csv(tmp_path / "a" / "sweep.csv").query("status == 'failed'")
    assert list(failed["satisfaction.promoters"]) == [0.6] and list(failed["satisfaction.passives"]) == [0.6]
    assert failed["error"].iloc[0] == ("ScenarioError: the point's values do not fit together on the base scenario "
                                       "(satisfaction.passives = 0.6, satisfaction.promoters = 0.6): satisfaction.passives: "
                                       "promoters + passives must be at most 1 (got 0.6 + 0.6 = 1.2): with these "
                                       "passives promoters can be at most 0.4, with these promoters passives at most 0.4")
    doomed = tmp_path / "doomed.yaml"
    doomed.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": {
        "satisfaction.promoters": {"values": [0.7, 0.8]}, "satisfaction.passives": {"values": [0.5]}}}))
    one_line_error(runner.invoke(app, ["sweep", str(doomed), "--out", str(tmp_path / "b"), "--executor", "serial"]),
                   "parameters.satisfaction.promoters", "value 0.7 fits none of the other swept values on the base scenario b "
                   "(with satisfaction.passives = 0.5: promoters + passives must be at most 1 (got 0.7 + 0.5 = 1.2): with these "
                   "passives promoters can be at most 0.5, with these promoters passives at most 0.3); every run with it "
                   "would fail")
    assert not (tmp_path / "b").exists()
    # a misspelt key listed after a clashing one is named itself, on its own line: it was blamed on promoters' line
    # as a clash "with program.reward.amout = 3: unknown key 'reward'", and after fixing that came a new error there
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text("base: base.yaml\nmethod: grid\nreplicates: 1\nparameters:\n"
                        "  satisfaction.promoters: {values: [0.3, 0.7]}\n  program.reward.amout: {values: [3]}\n")
    one_line_error(runner.invoke(app, ["sweep", str(misspelt), "--out", str(tmp_path / "m"), "--dry-run"]),
                   "parameters.program.reward.amout (line 6)", "the swept key does not fit the base scenario b: "
                   "unknown key 'reward'")
    # and a typo in the key's last part, inside a real block, listed after the clash or before it ("value 3 does
    # not fit" named the value of a key that does not exist)
    for lines, line in ((["  satisfaction.promoters: {values: [0.3, 0.7]}", "  program.incentive.referer_reward: {values: [3]}"], 6),
                        (["  program.incentive.referer_reward: {values: [3]}", "  satisfaction.promoters: {values: [0.3, 0.7]}"], 5)):
        misspelt.write_text("base: base.yaml\nmethod: grid\nreplicates: 1\nparameters:\n" + "\n".join(lines) + "\n")
        one_line_error(runner.invoke(app, ["sweep", str(misspelt), "--out", str(tmp_path / "m"), "--dry-run"]),
                       f"parameters.program.incentive.referer_reward (line {line})", "the swept key does not fit the base "
                       "scenario b: missing 'kind'", "no kind has a key referer_reward")
        # on a base whose incentive has its kind, the key's own "did you mean"
        misspelt.write_text(f"base: {ROOT / 'scenarios' / 'default.yaml'}\nmethod: grid\nreplicates: 1\nparameters:\n"
                            + "\n".join(lines) + "\n")
        one_line_error(runner.invoke(app, ["sweep", str(misspelt), "--out", str(tmp_path / "m"), "--dry-run"]),
                       f"parameters.program.incentive.referer_reward (line {line})", "the swept key does not fit the base "
                       "scenario default-double-sided-credit: unknown key 'referer_reward'; did you mean 'referrer_reward'?")
    # a key inside another swept key: each point set it over the block's values, so "$5" and "$40" incentives both
    # ran the inner $10, and the report called them a tie; refused, naming both
    misspelt.write_text(f"base: {ROOT / 'scenarios' / 'default.yaml'}\nmethod: grid\nreplicates: 1\nparameters:\n"
                        "  program.incentive: {values: [{kind: single_sided, referrer_reward: 5}, "
                        "{kind: single_sided, referrer_reward: 40}]}\n  program.incentive.referrer_reward: {values: [10]}\n")
    one_line_error(runner.invoke(app, ["sweep", str(misspelt), "--out", str(tmp_path / "m"), "--dry-run"]),
                   "parameters.program.incentive.referrer_reward (line 6)", "sits inside parameters.program.incentive, "
                   "which is swept too")



def test_a_point_that_never_ran_is_no_contender_and_a_metric_never_defined_is_named(tmp_path):
    """A point whose every run failed (promoters 0.6 beside passives 0.6) was listed as
    statistically indistinguishable from the best, and named in the headline; K over a
    20-day horizon with a 30-day window is undefined in every run, and it vanished from
    the best-points table and the figures without a word. The point is said to have
    failed and is not ranked; the metric is named, with why."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "b", "days": 20, "population": {"size": 200, "initial_customers": 5},
                                    "satisfaction": {"kind": "nps_mix", "promoters": 0.3, "passives": 0.3}}))
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 2, "metrics": [
        "customers_final", "k_factor"], "parameters": {
        "satisfaction.promoters": {"values": [0.3, 0.6]}, "satisfaction.passives": {"values": [0.3, 0.6]}}}))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    points = pd.read_csv(tmp_path / "o" / "points.csv").set_index("point_id")
    dead = points.index[points["runs_ok"] == 0].tolist()
    assert len(dead) == 1 and points.loc[dead[0], "satisfaction.promoters"] == 0.6 == points.loc[dead[0], "satisfaction.passives"]
    assert not points.loc[dead[0], "indistinguishable_from_best"]
    report = (tmp_path / "o" / "report.md").read_text()
    assert f"Every run of point {dead[0]} failed (see Runs below): it is not ranked." in report
    # the headline says so too: "every other point is distinguishable from it" read as a win over a point that never ran
    headline = report.split("\n\n")[1]
    assert f"Every run of point {dead[0]} failed: it was not compared." in headline, headline
    from simulator.report.sweep import _best_text

    alone = {"mean": 5.0, "ci_low": 1.0, "ci_high": 9.0, "indistinguishable": [], "paired": False, "failed": [1, 2],
             "compared": 0}
    assert _best_text(alone) == ("mean 5, 95% interval [1, 9]. No other point ran to compare it with. Every run "
                                 "of points 1, 2 failed: they were not compared.")
    # a sweep of one point has no other: "Every other point is distinguishable from it at 95%" was said there
    one = runner.invoke(app, ["sweep", str(write_sweep(tmp_path, "one.yaml", parameters={
        "program.incentive.referrer_reward": {"values": [10]}})), "--out", str(tmp_path / "one"), "--executor", "serial"])
    assert one.exit_code == 0, one.output
    assert "There is no other point to compare it with." in one.stdout and "Every other point" not in one.stdout, one.stdout
    assert _best_text({**alone, "failed": []}) == "mean 5, 95% interval [1, 9]. There is no other point to compare it with."
    assert ("Undefined in every run, so neither ranked nor drawn: `k_factor` (for `k_factor`: K counts the customers whose "
            "30-day window (`k_window_days`) closed by the horizon; with 20 days none did: give at least 31 days or a "
            "shorter window).") in report
    assert not (tmp_path / "o" / "k_factor.png").exists()
    # with the horizon swept (20 and 25 days, both within the 30-day window) the reason is given too
    path.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 2, "metrics": [
        "customers_final", "k_factor", "cumulative_profit"], "parameters": {"days": {"values": [20, 25]}}}))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "d"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "d" / "report.md").read_text()
    assert ("(for `k_factor`: K counts the customers whose window (`k_window_days`) closed by the horizon; at every point "
            "here the horizon (`days`) is no longer than the window, so none did).") in report
    # profit is not labelled with the base's horizon (20-day profit) where the points run 20 and 25 days
    assert "| cumulative_profit | " in report and "-day profit" not in report and "-year profit" not in report


def test_checks_of_a_grid_before_it_runs(tmp_path):
    """Four holes the checks left: a key swept before its block, which every value of the
    block replaced (reminders 0 and 5 ran alike, ranked as two points); the inner levels
    of a whole-number grid, never tried (mean degree 5 and 7 on a Watts-Strogatz base);
    a value refused because the combination mending it lay past those tried (now left to
    the runs); and a --set clash blamed on the base file."""
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "b", "days": 10, "population": {"size": 200, "initial_customers": 5},
                                    "network": {"kind": "watts_strogatz", "mean_degree": 4},
                                    "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.35}}))

    def refused(name, parameters, *words, args=()):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": parameters},
                                       sort_keys=False))
        return one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / name), "--executor", "serial",
                                                  *args]), *words)

    refused("order", {"program.timing.reminders.count": {"values": [0, 5]},
                      "program.timing": {"values": [{"kind": "onboarding", "delay_days": 3}, {"kind": "at_purchase"}]}},
            "parameters.program.timing.reminders.count", "sits in program.timing, which the sweep also varies and sets after "
            "it", "list program.timing first")
    refused("odd", {"network.mean_degree": {"low": 4, "high": 8, "levels": 5, "integer": True}},
            "parameters.network.mean_degree", "value 5 does not fit the base scenario b")
    refused("one", {"program.base_share": {"low": 0.1, "high": 0.3, "levels": 1}}, "parameters.program.base_share.levels (line", "a single level runs only low (0.1)")
    # what is valid is what a grid takes: 'valid: a whole number from 1 to 100,000, or null for none' offered 1, refused
    # above, and null, which a grid refuses too
    refused("half", {"program.base_share": {"low": 0.1, "high": 0.3, "levels": 2.5}}, "parameters.program.base_share.levels",
            "valid: a whole number from 2 to 100,000, or null (in a random sweep only: a grid needs levels)")
    refused("none", {"program.base_share": {"low": 0.1, "high": 0.3, "levels": 0}}, "greater than or equal to 2 (got 0)")
    refused("set", {"satisfaction.promoters": {"values": [0.6]}}, "does not fit the base scenario b with --set "
            "satisfaction.passives=0.45", args=("--set", "satisfaction.passives=0.45"))
    # promoters 0.75 fits only beside passives 0.2, the last of 15, and 15 x 20 combinations are more than are tried:
    # one past them may mend it, so the runs decide (20 of the 600 points fit)
    path = tmp_path / "wide.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", "method": "grid", "replicates": 1, "parameters": {
        "satisfaction.promoters": {"values": [0.5, 0.75]},
        "satisfaction.passives": {"values": [round(0.35 - i / 1000, 3) for i in range(14)] + [0.2]},
        "program.base_share": {"values": [round(0.1 + i / 100, 2) for i in range(20)]}}}, sort_keys=False))
    from simulator.sweep_spec import CHECKED_COMBINATIONS, load_sweep

    assert 15 * 20 > CHECKED_COMBINATIONS and len(load_sweep(path).spec.parameters) == 3
    # past those tried, a value out of its own bounds is still refused: it fails beside every other value
    refused("bounds", {"program.base_share": {"values": [0.2, 1.5]},
                       "satisfaction.promoters": {"values": [round(0.3 + i / 100, 2) for i in range(20)]},
                       "program.link_use": {"values": [round(i / 20, 2) for i in range(20)]}},
            "parameters.program.base_share", "value 1.5 does not fit the base scenario b")


def test_a_set_on_a_swept_key_is_refused_as_it_would_do_nothing(tmp_path):
    """`--set program.base_share=0.5` on a sweep of program.base_share ran with exit 0 and
    no word: every run overwrote it. It is refused in one line; a --set of the block a
    swept key sits in still applies (the sweep sets its key within it)."""
    path = write_sweep(tmp_path)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial",
                                       "--set", "program.incentive.referrer_reward=5"]),
                   "--set", "the sweep varies program.incentive.referrer_reward, so this --set would be overwritten")
    assert not (tmp_path / "o").exists()
    block = "program.incentive={kind: double_sided, referrer_reward: 1, referee_reward: 3}"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "p"), "--executor", "serial", "--set", block])
    assert result.exit_code == 0, result.output


def test_a_set_of_the_seed_or_count_the_sweep_sets_is_refused_as_it_would_do_nothing(tmp_path):
    """The sweep's own seed and replicates win over the base scenario's, so `--set seed=9`
    beside a sweep file's seed: 5 ran on seed 5 with exit 0, the manifest listed the
    --set, and the folder then refused the same command without it. Refused in one
    line, as a --set of a swept key is; where the sweep file sets neither, the --set
    sets the base scenario's, which the sweep uses."""
    path = write_sweep(tmp_path)   # seed: 5, replicates: 2
    sweep = ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial"]
    one_line_error(runner.invoke(app, [*sweep, "--set", "seed=9"]), "--set: seed=9", "sets seed: 5", "ignored")
    one_line_error(runner.invoke(app, [*sweep, "--set", "replicates=4"]), "--set: replicates=4",
                   "the sweep file's replicates: 2", "ignored", "--replicates N")
    assert not (tmp_path / "o").exists()
    # from Python there is no --replicates: the message says what load_sweep takes
    from simulator.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"overrides: replicates=4: the sweep file's replicates: 2 sets the count, .* give "
                                            r"load_sweep\(\.\.\., replicates=N\) for another count"):
        load_sweep(path, overrides=["replicates=4"])
    with pytest.raises(ScenarioError, match=r"replicates=2 sets the count") as refused:
        load_sweep(write_sweep(tmp_path, name="bare.yaml", seed=None, replicates=None), replicates=2,
                   overrides=["replicates=4"])
    assert "--" not in str(refused.value)   # no flag a Python caller cannot give
    path = write_sweep(tmp_path, seed=None, replicates=None)
    one_line_error(runner.invoke(app, [*sweep, "--replicates", "1", "--set", "replicates=4"]),
                   "--replicates 1 sets the count, so this --set would be ignored")
    result = runner.invoke(app, [*sweep, "--set", "seed=9", "--set", "replicates=1"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert (manifest["scenarios"][0]["seed"], manifest["scenarios"][0]["replicates"]) == (9, 1)
    assert run_frame(tmp_path / "o")["seed"].tolist() == [run_seed(9, point, 0) for point in range(3)]


def test_a_grid_that_gained_a_value_at_the_end_is_said_to_match_a_fresh_run(tmp_path):
    """A value added at the end of the list numbers the new points after the old, as a
    fresh run of the file does: report.md said ids and seeds differ from a fresh run,
    while sweep.csv was byte-identical to one. It now says they are a fresh run's (and
    a value added in the middle still says they differ)."""
    from simulator.sweep_points import numbered_as_fresh

    path = write_sweep(tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 10, 20, 30]}})
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial"]).exit_code == 0
    pd.testing.assert_frame_equal(run_frame(out), run_frame(fresh))   # the premise
    report = (out / "report.md").read_text()
    assert "so the ids, seeds and runs are those of a fresh run of this file" in report and "differ from a fresh" not in report
    key = "program.incentive.referrer_reward"
    assert numbered_as_fresh([key], [{key: [0, 10, 20]}, {key: [0, 10, 20, 30]}])
    assert not numbered_as_fresh([key], [{key: [0, 10, 20]}, {key: [0, 5, 10, 20]}])
    two = ["a", "b"]   # a value added to the first (slowest) key at its end keeps the order; to the second it does not
    assert numbered_as_fresh(two, [{"a": [1, 2], "b": [1, 2]}, {"a": [1, 2, 3], "b": [1, 2]}])
    assert not numbered_as_fresh(two, [{"a": [1, 2], "b": [1, 2]}, {"a": [1, 2], "b": [1, 2, 3]}])


def test_the_manifest_lists_each_session_that_ran_runs_with_its_executor(tmp_path):
    """A sweep started serially and grown on a process pool recorded only the last
    executor. Each session that runs something is listed (when, where, with how many
    workers, how many runs were done before it); a rerun with nothing to do adds none."""
    path = write_sweep(tmp_path, replicates=1)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "2", "--replicates", "2"])
    assert grown.exit_code == 0, grown.output
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "2", "--replicates", "2"])
    assert again.exit_code == 0 and "0 run now" in again.stdout, again.output
    sessions = json.loads((out / "manifest.json").read_text())["sweep"]["sessions"]
    assert [(s["executor"], s["workers"], s["runs_done_before"]) for s in sessions] == [("serial", 1, 0), ("local", 2, 3)]
    # no more workers start than batches are sent out: a sweep of one run on a pool of 2 ran in one process
    one = write_sweep(tmp_path, name="one.yaml", replicates=1, parameters={"program.incentive.referrer_reward": {"values": [5]}})
    assert runner.invoke(app, ["sweep", str(one), "--out", str(tmp_path / "one"), "--workers", "2"]).exit_code == 0
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())["sweep"]
    assert manifest["workers"] == 1 and manifest["sessions"][0]["workers"] == 1


def test_the_reports_parameter_table_writes_null_as_the_tables_do(tmp_path):
    """A budget of [null, 300] was listed as 'None, 300' in report.md while points.csv,
    the verdict and the plots say null (the YAML spelling): one word for one value."""
    path = write_sweep(tmp_path, parameters={"program.incentive.budget": {"values": [None, 300]}})
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text()
    assert "| program.incentive.budget | null, 300 |" in report and "None" not in report
    assert pd.read_csv(out / "points.csv", keep_default_na=False)["program.incentive.budget"].tolist() == ["null", "300"]


@pytest.mark.parametrize("paired", [False, True])
def test_the_best_and_its_indistinguishable_points_hold_a_truly_best_point_95_percent_of_the_time(paired):
    """Every point alike (20 points, 10 replicates of the same normal), so point 0 is as
    good as the best. Each point was tested against the sample's best at 95% on its own,
    and point 0 was left out of the best and its indistinguishable points in 22% of such
    sweeps (the best is the largest of 20 means). The tests are now at 95% together
    (Holm's step-down over the 19 comparisons, which holds its family level as
    Bonferroni does): over 300 synthetic sweeps (seeded), point 0 is left out at most
    5% + 3 standard errors (8.8%) of the time."""
    from types import SimpleNamespace

    from simulator.sweep import best_points

    sweep = SimpleNamespace(metrics=("profit",), spec=SimpleNamespace(common_random_numbers=paired, assumptions=[]),
                            parameters=["reward"])
    rng = np.random.default_rng(11)
    points, replicates, sweeps, lost = 20, 10, 300, 0
    ids = np.repeat(np.arange(points), replicates)
    reps = np.tile(np.arange(replicates), points)
    for _ in range(sweeps):
        shared = rng.normal(0, 3, replicates)   # a seed's luck, common to every point when paired
        values = rng.normal(0, 1, points * replicates) + (np.tile(shared, points) if paired else 0)
        frame = pd.DataFrame({"point_id": ids, "replicate": reps, "profit": values, "status": "ok"})
        summary = frame.groupby("point_id")["profit"].mean().rename("profit_mean").reset_index()
        summary["profit_ci_low"] = summary["profit_ci_high"] = np.nan
        row = best_points(frame, sweep, summary).iloc[0]
        lost += not (row["point_id"] == 0 or 0 in row["indistinguishable"])
    assert lost / sweeps <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / sweeps), lost


def test_a_large_sweep_says_its_size_before_laying_out_its_points(tmp_path, monkeypatch):
    """A grid of a million points was silent for 9 s while its points were laid out,
    then showed 19 hours left. A sweep of LARGE_SWEEP_RUNS runs or more says its size
    first (here the threshold is lowered to this small sweep's 8 runs); a smaller one
    does not."""
    import simulator.cli as cli

    path = write_sweep(tmp_path)
    from simulator.limits import sweep_size

    loaded = load_sweep(path)
    runs = sweep_size(loaded) * loaded.replicates
    monkeypatch.setattr(cli, "LARGE_SWEEP_RUNS", runs)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "a"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert f"= {runs:,} runs; laying them out before the first run" in result.output
    monkeypatch.setattr(cli, "LARGE_SWEEP_RUNS", runs + 1)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "b"), "--executor", "serial"])
    assert result.exit_code == 0 and "laying them out" not in result.output


def test_any_run_of_a_sweep_is_rerun_from_its_row(tmp_path):
    """Every run reproducible from its seed: from a row of sweep.parquet or sweep.csv,
    rerun gives the metrics the row holds (the same floats), and scenario_at the scenario
    the Mesa model steps through as that run (the --set of the command included). An
    analyst had to rebuild the --set and the point's values by hand."""
    from simulator import ReferralModel
    from simulator.sweep import rerun, scenario_at

    path = write_sweep(tmp_path, parameters={"program.incentive.referrer_reward": {"values": [0, 15]},
                                             "program.timing": {"values": [{"kind": "onboarding"},
                                                                           {"kind": "at_purchase"}]}})
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial",
                                 "--set", "days=25"])
    assert result.exit_code == 0, result.output
    sweep = load_sweep(path, overrides=["days=25"])   # as the command read it
    # parquet holds the floats themselves; the CSV's are written to 10 significant digits
    for table, rel in ((pd.read_parquet(tmp_path / "out" / "sweep.parquet"), 0.0),
                       (pd.read_csv(tmp_path / "out" / "sweep.csv"), 1e-9)):
        row = table.iloc[-1]
        again = rerun(sweep, row)
        for metric in sweep.metrics:
            assert again[metric] == pytest.approx(row[metric], rel=rel, abs=0, nan_ok=True), metric
        scenario = scenario_at(sweep, row)
        assert scenario.days == 25 and scenario.program.timing.kind == "at_purchase"
        assert scenario.program.incentive.referrer_reward == 15
    # loaded without the folder's --set (days=25), it ran another run and gave its figures without a word: the row's own
    # figures say so now
    with pytest.warns(UserWarning, match=r"rerun: .* where the row holds .*: the run is not the row's; load the sweep "
                                         r"with the --set its folder was run with"):
        rerun(load_sweep(path), row)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # and none where it is the row's, nor for a row whose run failed (no figures)
        rerun(sweep, row)
        rerun(sweep, row.copy().where(~row.index.isin(sweep.metrics), np.nan).replace({"ok": "failed"}))
    # stepped as the Mesa model on the run's seed: the same customers on the last day
    model = ReferralModel(scenario, rng=int(row["seed"]))
    for _ in range(scenario.days):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["customers"].iloc[-1] == row["customers_final"]


def test_the_sweep_api_refuses_arguments_of_the_wrong_kind_in_one_line(tmp_path):
    """load_sweep split a string of overrides into characters ("--set: 'd' is not of the
    form key.path=value"), took 1.5 replicates (then a traceback, and sweep.json kept
    1.5) and None for a path (os.fspath's error); rerun and scenario_at stopped on
    KeyError, numpy's or pandas' errors for a row of another sweep, the whole table, a
    number or a NaN seed. Each is now one line naming the function and the argument;
    one string is one override, as load_scenario reads it."""
    from simulator.errors import ScenarioError
    from simulator.sweep import rerun, scenario_at

    path = write_sweep(tmp_path)
    assert load_sweep(path, overrides="days=25").base.days == 25
    for kwargs, error, words in [
            ({"overrides": {"days": 25}}, TypeError, "load_sweep(): overrides is a list of 'key.path=value' strings, not a dict"),
            ({"overrides": 5}, TypeError, "load_sweep(): overrides is a list of 'key.path=value' strings"),
            ({"replicates": 1.5}, TypeError, "load_sweep(): replicates must be a whole number or None, not float 1.5"),
            ({"replicates": 0}, ScenarioError, "load_sweep(): replicates: must be a whole number in 1..")]:
        with pytest.raises(error) as raised:
            load_sweep(path, **kwargs)
        assert str(raised.value).startswith(words), str(raised.value)
    with pytest.raises(TypeError, match=r"load_sweep\(\): path must be a sweep file's path \(str or Path\), not NoneType"):
        load_sweep(None)
    sweep = load_sweep(path)
    row = {"program.incentive.referrer_reward": 10, "replicate": 1, "seed": 123}
    assert scenario_at(sweep, row).program.incentive.referrer_reward == 10
    table = pd.DataFrame([row])
    for bad, error, words in [
            (table, TypeError, "rerun(): row is one row of the sweep's table (table.iloc[i], or a mapping), not the whole "
                               "table of 1 rows"),
            (7, TypeError, "rerun(): row is one row of the sweep's table (table.iloc[i], or a mapping), not int 7"),
            ({"fraud.share": 0.1, "replicate": 0, "seed": 1}, ScenarioError,
             "rerun(): row: the row has no program.incentive.referrer_reward; give a row of this sweep's"),
            ({**row, "seed": -1}, ScenarioError, "rerun(): row's seed: must be a whole number in 0.."),
            ({**row, "seed": float("nan")}, TypeError, "rerun(): row's seed must be a whole number or None, not float nan")]:
        with pytest.raises(error) as raised:
            rerun(sweep, bad)
        assert str(raised.value).startswith(words), str(raised.value)
    with pytest.raises(TypeError, match=r"scenario_at\(\): sweep must be a Sweep from load_sweep\(path\)"):
        scenario_at(sweep.base, row)
    # a row read back from a CSV holds its seed and replicate as floats: still a row
    assert rerun(sweep, pd.Series({**row, "seed": 123.0, "replicate": 1.0})) == rerun(sweep, row)


def test_a_run_with_a_null_value_is_rerun_from_its_csv_row(tmp_path):
    """A parameter mixing null (no cap) with numbers is text in sweep.parquet and
    numbers with NaN in what pandas reads from sweep.csv: rerun of the csv row of the
    uncapped point refused 'nan' as no whole number. Every csv row now gives the values
    its parquet row gives (the listed null and 2, and a grid's third, 0.33333333333,
    written to 10 digits in the csv), and rerun the metrics the row holds."""
    from simulator.sweep import rerun, row_values

    cap, share = "program.incentive.cap_per_referrer", "program.base_share"
    path = write_sweep(tmp_path, replicates=1, metrics=["customers_final", "reward_cost"], parameters={
        cap: {"values": [None, 2]}, share: {"low": 0, "high": 1, "levels": 4}})
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    sweep = load_sweep(path)
    parquet, csv = pd.read_parquet(out / "sweep.parquet"), pd.read_csv(out / "sweep.csv")
    assert csv[cap].isna().sum() == 4   # how pandas reads the csv's null
    for i in range(len(csv)):
        values = row_values(sweep, csv.iloc[i])
        assert values == row_values(sweep, parquet.iloc[i]), i
        # thirds to 12 significant digits of the larger end, 1.00000000000 (docs/scenarios.md)
        assert values[cap] in (None, 2) and values[share] in (0, 0.33333333333, 0.66666666667, 1)
    for i in (0, 1):   # no cap, a share of one third
        again = rerun(sweep, csv.iloc[i])
        for metric in sweep.metrics:
            assert again[metric] == pytest.approx(parquet.iloc[i][metric], rel=1e-12), metric


def test_a_point_whose_program_added_nobody_in_some_runs_is_not_the_cheapest_per_extra_customer():
    """With objective incremental_cac a sweep named best a point whose program added no
    customer in one run of two ("mean 0.233 from the one of its 2 runs where
    incremental_cac is defined"): a run that added nobody has no cost per extra customer
    and was left out. It is the worst there is for that cost, as a payback that never came
    is for the payback day: the best point is one where the most runs added customers,
    then the cheapest (metrics.UNDEFINED_IS_WORST)."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    cac = {0: [0.2, np.nan], 1: [3.0, 3.5], 2: [5.0, 6.0]}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "incremental_cac": c, "status": "ok"}
                          for p, values in cac.items() for r, c in enumerate(values)])
    sweep = SimpleNamespace(metrics=("incremental_cac",), parameters=["reward"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(common_random_numbers=True, assumptions=[]))
    summary = point_summary(frame, sweep)
    assert summary["incremental_cac_n"].tolist() == [1, 2, 2]
    best = best_points(frame, sweep, summary).set_index("metric")
    assert best.loc["incremental_cac", "point_id"] == 1
    # a point whose program added nobody in every run (undefined in both) is the worst there is, not a point too
    # little known to tell apart: it was listed as indistinguishable from the best, unpaired and paired alike
    cac = {0: [np.nan, np.nan], 1: [3.0, 3.5], 2: [3.1, 3.4], 3: [9.0, 9.5]}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "incremental_cac": c, "status": "ok"}
                          for p, values in cac.items() for r, c in enumerate(values)])
    for paired in (True, False):
        sweep.spec.common_random_numbers = paired
        best = best_points(frame, sweep, point_summary(frame, sweep)).set_index("metric")
        assert best.loc["incremental_cac", "point_id"] == 1
        assert best.loc["incremental_cac", "indistinguishable"] == [2], (paired, best)   # 3.1-3.4 against 3.0-3.5
    # defined in 1 run of 10 against the best's 10 of 10: fewer beyond chance (one-sided Fisher exact test), so worse,
    # not a point too little known to tell apart (it was listed as indistinguishable)
    cac = {0: [2.0] + [np.nan] * 9, 1: list(np.linspace(3.0, 3.5, 10)), 2: list(np.linspace(9.0, 9.5, 10))}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "incremental_cac": c, "status": "ok"}
                          for p, values in cac.items() for r, c in enumerate(values)])
    for paired in (True, False):
        sweep.spec.common_random_numbers = paired
        best = best_points(frame, sweep, point_summary(frame, sweep)).set_index("metric")
        assert best.loc["incremental_cac", "point_id"] == 1 and best.loc["incremental_cac", "indistinguishable"] == []


def test_a_point_cheaper_per_extra_customer_than_the_best_is_never_told_apart_by_being_cheaper():
    """The best by incremental_cac is the point defined in the most runs (8 of 8 at $29):
    points defined in 7 and 6 of 8 (Fisher p 0.5 and 0.23: no evidence of fewer) at $13
    and $6, significantly cheaper, were 'told apart' from it, read as worse. The value
    tells a point apart only where it is worse; fewer runs beyond chance still do."""
    from types import SimpleNamespace

    from simulator.sweep import best_points, point_summary

    rng = np.random.default_rng(4)
    cac = {0: [np.nan] * 2 + list(rng.normal(6, 1, 6)), 1: [np.nan] + list(rng.normal(13, 2, 7)),
           2: list(rng.normal(29, 3, 8)), 3: list(rng.normal(60, 4, 8)), 4: [1.0] + [np.nan] * 7}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "incremental_cac": c, "status": "ok"}
                          for p, values in cac.items() for r, c in enumerate(values)])
    sweep = SimpleNamespace(metrics=("incremental_cac",), parameters=["reward"], base=SimpleNamespace(days=365),
                            spec=SimpleNamespace(common_random_numbers=False, assumptions=[]))
    for paired in (False, True):
        sweep.spec.common_random_numbers = paired
        best = best_points(frame, sweep, point_summary(frame, sweep)).set_index("metric").loc["incremental_cac"]
        # the best: defined in all 8 and cheapest of those; the cheaper points stay beside it; the dearer one (60,
        # worse by far) and the one defined in 1 of 8 (fewer beyond chance: Fisher p 0.0007) are told apart
        assert best["point_id"] == 2 and sorted(best["indistinguishable"]) == [0, 1], (paired, best)
        # and report.md says why the best's mean is above theirs
        from simulator.report.sweep import _best_text

        assert ("The best by incremental_cac is the point where it is defined in the most runs, then the best mean"
                in _best_text({**best.to_dict(), "metric": "incremental_cac"}))


def test_the_test_of_fewer_defined_runs_is_fishers_exact_test():
    """sweep.fewer_defined against scipy's one-sided Fisher exact test, the reference."""
    from scipy.stats import fisher_exact

    from simulator.sweep import fewer_defined

    for k, n, k_best, n_best in [(1, 10, 10, 10), (0, 2, 2, 2), (3, 4, 4, 4), (5, 10, 8, 10), (0, 10, 0, 10),
                                 (10, 10, 10, 10), (7, 30, 25, 40), (2, 3, 9, 12)]:
        expected = fisher_exact([[k, n - k], [k_best, n_best - k_best]], alternative="less")[1]
        assert fewer_defined(k, n, k_best, n_best) == pytest.approx(expected, rel=1e-9, abs=1e-12), (k, n, k_best, n_best)


def test_a_sweep_without_an_objective_ranks_by_the_first_metric_a_point_can_be_best_by(tmp_path):
    """metrics [fraud_cost, customers_final] and no objective ranked by fraud_cost, which
    the file may not name as its objective (a spend nobody wins): report.md opened "No
    point has a finite fraud_cost" where every point's was 0, and points.csv had no
    indistinguishable_from_best column. The first metric a point can be best by ranks
    them; a sweep recording only such measures says no point is ranked and why."""
    path = write_sweep(tmp_path, metrics=["fraud_cost", "customers_final"], replicates=1)
    assert load_sweep(path).objective == "customers_final"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "a"), "--executor", "serial"]).exit_code == 0
    report = (tmp_path / "a" / "report.md").read_text()
    assert "No point has a finite" not in report and "**Best by " in report, report
    assert "indistinguishable_from_best" in pd.read_csv(tmp_path / "a" / "points.csv").columns
    path = write_sweep(tmp_path, metrics=["fraud_cost", "attributed_roi"], replicates=1)
    assert runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "b"), "--executor", "serial"]).exit_code == 0
    report = (tmp_path / "b" / "report.md").read_text()
    assert "No point is ranked: fraud_cost, attributed_roi are measures no design wins by" in report, report


def test_a_swept_kind_says_which_of_its_keys_run_at_the_models_defaults(tmp_path):
    """A sweep of onboarding against milestone from an onboarding base ran the milestone
    at the model's defaults (reached after 30 days by 60% of customers, asked of those
    scoring 7 or more) without a word, where optimize, varying the same key, says so.
    report.md and the console now say it too, leaving out what the sweep varies itself."""
    path = write_sweep(tmp_path, parameters={"program.timing.kind": {"values": ["onboarding", "milestone"]},
                                             "program.timing.reach_share": {"values": [0.3, 0.6]}},
                       replicates=1, metrics=["customers_final"])
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    words = "milestone with delay_days 30, schedule geometric, min_satisfaction 7"
    report = (tmp_path / "out" / "report.md").read_text()
    console = " ".join(result.stdout.split())
    for text in (report, console):
        assert "The choices of `program.timing.kind`".replace("`", "" if text is console else "`") in text, text
        assert words in text and "reach_share 0.6" not in text   # the sweep varies reach_share itself
    # a sweep that lists no kind says nothing of kinds
    plain = write_sweep(tmp_path, name="plain.yaml", replicates=1, metrics=["customers_final"])
    result = runner.invoke(app, ["sweep", str(plain), "--out", str(tmp_path / "plain"), "--executor", "serial"])
    assert result.exit_code == 0 and "The choices of" not in result.stdout
    assert "The choices of" not in (tmp_path / "plain" / "report.md").read_text()


def test_a_metric_dropped_from_the_list_takes_its_figures_with_it(tmp_path):
    """Rerun with a shorter metrics list, a sweep rewrote its tables and report but left
    the dropped metric's figures in the folder, unlinked, as if part of the sweep; the
    docs say the outputs are then what a fresh sweep with those metrics writes. A file
    the user keeps there stays."""
    path = write_sweep(tmp_path, replicates=1, metrics=["customers_final", "cumulative_profit"])
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    assert (out / "cumulative_profit.png").exists()
    (out / "my_notes.png").write_bytes(b"kept")
    path = write_sweep(tmp_path, replicates=1, metrics=["customers_final"])
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    fresh = tmp_path / "fresh"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(fresh), "--executor", "serial"]).exit_code == 0
    figures = lambda folder: sorted(p.name for p in folder.glob("*.png") if p.name != "my_notes.png")  # noqa: E731
    assert figures(out) == figures(fresh) and "cumulative_profit.png" not in figures(out)
    assert (out / "my_notes.png").read_bytes() == b"kept"


def test_a_random_sweep_names_the_points_that_repeat_an_earlier_ones_values(tmp_path):
    """Random draws over few values repeat points (2 rewards by 2 whole numbers, 3 samples),
    which ran and were ranked as
    designs of their own without a word; report.md now names them. Which draws repeat is
    read from the points themselves (sweep.csv), not from the report's code."""
    path = write_sweep(tmp_path, method="random", samples=3, seed=1, replicates=1, metrics=["customers_final"],
                       parameters={"program.incentive.referrer_reward": {"values": [0, 10]},
                                   "program.timing.reminders.count": {"low": 1, "high": 2, "integer": True}})
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(tmp_path / "out" / "points.csv")
    keys = ["program.incentive.referrer_reward", "program.timing.reminders.count"]
    seen, repeats = {}, []
    for point, values in zip(rows["point_id"], rows[keys].itertuples(index=False)):
        if tuple(values) in seen:
            repeats.append(f"{point} repeats {seen[tuple(values)]}")
        seen.setdefault(tuple(values), point)
    report = (tmp_path / "out" / "report.md").read_text()
    assert repeats, "the case needs a repeat: pick another seed"
    assert f"({', '.join(repeats)}): random draws can repeat" in report, report
    grid = write_sweep(tmp_path, name="grid.yaml", replicates=1, metrics=["customers_final"])
    assert runner.invoke(app, ["sweep", str(grid), "--out", str(tmp_path / "grid"), "--executor", "serial"]).exit_code == 0
    assert "repeat an earlier" not in (tmp_path / "grid" / "report.md").read_text()


def test_a_huge_grid_is_refused_naming_its_parameters_and_a_dry_run_writes_its_counts_readably(tmp_path, monkeypatch):
    """A 200 x 200 x 100 grid was refused naming `samples`, a key a grid file has not,
    and a dry run of it read "4000000 points x 1 replicate = 4000000 runs"."""
    from simulator import limits

    levels = lambda n: {"low": 0.0, "high": 1.0, "levels": n}  # noqa: E731
    path = write_sweep(tmp_path, replicates=10, parameters={"program.base_share": levels(200),
                                                            "word_of_mouth.spontaneous_rate": levels(200),
                                                            "acquisition.organic_rate": {"low": 0.0, "high": 0.01, "levels": 100}})
    monkeypatch.setattr(limits, "available_memory", lambda: 16 * 2 ** 30)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "x"), "--dry-run"]),
                          "4,000,000 points x 10 replicates")
    assert ": parameters: " in line and "samples" not in line, line
    dry = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "x"), "--dry-run", "-r", "1"])
    assert dry.exit_code == 0, dry.output
    assert "4,000,000 points x 1 replicate = 4,000,000 runs" in " ".join(dry.stdout.split()), dry.stdout
    assert "0 already done, 4,000,000 would run" in " ".join(dry.stdout.split())


def test_a_sweeps_runs_take_the_path_set_where_it_started_and_a_resume_under_another_is_refused(tmp_path, monkeypatch):
    """REFSIM_ENGINE=numpy with --scheduler ran each point on the kernel (a Dask worker
    reads its own environment), and a folder started under numpy and grown without it
    mixed the two paths' runs, which draw otherwise for one seed. Every run now takes the
    path set where the sweep started, and a resume under another setting is refused
    naming REFSIM_ENGINE."""
    from simulator import sweep as sweep_module

    from .test_runner import _in_a_worker_without_refsim_engine

    path = write_sweep(tmp_path)
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    run_sweep(load_sweep(path), tmp_path / "here", executor="serial")
    with monkeypatch.context() as patch:
        patch.setattr(sweep_module, "run_tasks", _in_a_worker_without_refsim_engine)
        run_sweep(load_sweep(path), tmp_path / "there", executor="serial")
    pd.testing.assert_frame_equal(run_frame(tmp_path / "there"), run_frame(tmp_path / "here"))
    assert json.loads((tmp_path / "here" / "manifest.json").read_text())["engine"]["REFSIM_ENGINE"] == "numpy"
    monkeypatch.delenv("REFSIM_ENGINE")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "here"), "--replicates", "3",
                                       "--executor", "serial"]), "holds a different sweep", "REFSIM_ENGINE")
    run_sweep(load_sweep(path), tmp_path / "kernel", executor="serial")
    assert not run_frame(tmp_path / "kernel").equals(run_frame(tmp_path / "here"))   # the paths differ: this can fail


def test_a_failed_runs_example_in_the_report_keeps_the_reason_at_its_end():
    """report.md cut the example at 200 characters, mid-word, losing the reason at the end
    ('... satisfaction.passives: pr'): it now keeps a long error's start and end."""
    from simulator.report.sweep import _shortened

    reason = "satisfaction.passives: promoters + passives must be at most 1 (got 1.1)"
    error = "ScenarioError: the point's values do not fit together on the base scenario (" + "x = 5, " * 100 + "): " + reason
    assert _shortened(error).endswith(reason) and len(_shortened(error)) < len(error)
    assert _shortened("short: " + reason) == "short: " + reason


@pytest.mark.parametrize("key, values, method, words", [
    ("program.timing.kind", ["onboarding", "milestone", "campain"], "grid", ["did you mean 'campaign'"]),
    ("network.kind", ["erdos_renyi", "small_world"], "grid", ["'small_world'", "valid kinds:"]),
    ("program.incentive.kind", ["single_sided", "double_sidded"], "random", ["did you mean 'double_sided'"]),
])
def test_a_swept_kind_that_does_not_exist_is_one_line(tmp_path, key, values, method, words):
    """A misspelt kind among a swept block's values stopped on a bare StopIteration
    traceback (exit 1), with --dry-run and without; the scenario's own check now names it."""
    fields = {"method": method, "parameters": {key: {"values": values}}}
    if method == "random":
        fields["samples"] = 2
    path = write_sweep(tmp_path, **fields)
    for extra in (["--dry-run"], []):
        one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), *extra]),
                       str(path), f"parameters.{key}", "unknown kind", *words)
    assert not (tmp_path / "o").exists()


def test_a_sweep_of_infinite_equity_says_why_no_point_has_a_value(tmp_path):
    """With no churn and no discounting every point's incremental_value is undefined: run
    and compare say why, a sweep said only "No point has a finite incremental_value;
    see the runs below", after every run. The dry run and the console now say why
    before the runs, and report.md with its sentence; a sweep of the discount rate
    (which can make it finite) is not told so."""
    infinite = ["--set", "churn.monthly_rate=0", "--set", "economics.annual_discount_rate=0", "--set", "days=30",
                "--set", "population.size=400", "--set", "population.initial_customers=10"]
    path = write_sweep(tmp_path, metrics=["incremental_value", "customers_final"],
                       parameters={"program.incentive.referrer_reward": {"values": [0, 20]}})
    said = "note: incremental_value is undefined at every point: with no discounting (economics.annual_discount_rate: 0)"
    dry = runner.invoke(app, ["sweep", str(path), *infinite, "--dry-run"])
    assert dry.exit_code == 0 and said in dry.stdout, dry.output
    done = runner.invoke(app, ["sweep", str(path), *infinite, "--out", str(tmp_path / "o"), "--executor", "serial"])
    assert done.exit_code == 0 and said in done.stdout, done.output
    assert ("No point has a finite incremental_value: with no discounting (`economics.annual_discount_rate: 0`) a customer "
            "who never churns (`churn.monthly_rate: 0`)") in (tmp_path / "o" / "report.md").read_text()
    rates = write_sweep(tmp_path, name="rates.yaml", metrics=["incremental_value"],
                        parameters={"economics.annual_discount_rate": {"values": [0, 0.1]}})
    assert "undefined at every point" not in runner.invoke(app, ["sweep", str(rates), *infinite, "--dry-run"]).stdout
    # a base that earns nothing (margin 0: finite) swept over margins above 0 runs no point with a value, and was
    # told no reason; one whose margins include 0 has points with a value
    unpaid = tmp_path / "unpaid.yaml"
    unpaid.write_text("days: 30\npopulation: {size: 400, initial_customers: 10}\nchurn: {monthly_rate: 0}\n"
                      "economics: {annual_discount_rate: 0, monthly_margin: 0}\n")
    for values, told in (([5, 10], True), ([0, 10], False)):
        margins = write_sweep(tmp_path, name="margins.yaml", base=str(unpaid), metrics=["incremental_value"],
                              parameters={"economics.monthly_margin": {"values": values}})
        dry = runner.invoke(app, ["sweep", str(margins), "--dry-run"])
        assert dry.exit_code == 0 and (said in dry.stdout) == told, (values, dry.output)


def test_a_sweep_over_sizes_runs_a_base_no_run_builds_at_its_own_size(tmp_path):
    """Once validate refused networks a run cannot build, a sweep whose base is a
    complete network of 6,000 people, swept over 100 and 200, was refused though no point
    runs the base as written. The base's own network is left unchecked where the sweep
    varies the size or the network; a point that cannot be built is still refused, by
    its value, before any run."""
    (tmp_path / "big.yaml").write_text("population: {size: 6000, initial_customers: 2}\nnetwork: {kind: complete}\n"
                                       "days: 5\n")
    path = write_sweep(tmp_path, base="big.yaml", metrics=["customers_final"], replicates=1,
                       parameters={"population.size": {"values": [100, 200]}})
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial"])
    assert done.exit_code == 0 and "2 runs" in done.stdout, done.output
    path = write_sweep(tmp_path, name="big.sweep.yaml", base="big.yaml", metrics=["customers_final"], replicates=1,
                       parameters={"population.size": {"values": [100, 6000]}})
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "p")]),
                   "parameters.population.size (line", "value 6000", "complete network of 6,000 people")
    fixed = write_sweep(tmp_path, name="reward.yaml", base="big.yaml", metrics=["customers_final"], replicates=1)
    one_line_error(runner.invoke(app, ["sweep", str(fixed), "--out", str(tmp_path / "q")]),
                   "big.yaml: population.size (line 1): a complete network of 6,000 people")   # run as written: refused
    # a swept key that cannot mend the network (a strong-tie share) leaves the base's fault with the base file
    ties = write_sweep(tmp_path, name="ties.yaml", base="big.yaml", metrics=["customers_final"], replicates=1,
                       parameters={"network.strong_tie_share": {"values": [0.1, 0.2]}})
    one_line_error(runner.invoke(app, ["sweep", str(ties), "--out", str(tmp_path / "r")]),
                   "big.yaml: population.size (line 1): a complete network of 6,000 people")


def test_a_sweep_ranked_by_cost_per_tracked_referral_is_told_what_it_rewards(tmp_path):
    """A sweep with objective cost_per_referred_customer crowned rewards of $1 + $1 with
    no word; optimize says that this cost falls with the cheapest reward whatever the
    program adds. The sweep's console (dry run too) and report.md say so now."""
    path = write_sweep(tmp_path, metrics=["cost_per_referred_customer", "customers_final"],
                       objective="cost_per_referred_customer", replicates=1,
                       parameters={"program.incentive.referrer_reward": {"values": [1, 20]}})
    small = ["--set", "days=30", "--set", "population.size=400", "--set", "population.initial_customers=10"]
    said = "cost_per_referred_customer is the reward cost over tracked referrals"
    dry = runner.invoke(app, ["sweep", str(path), *small, "--dry-run"])
    assert dry.exit_code == 0 and said in dry.stdout, dry.output
    done = runner.invoke(app, ["sweep", str(path), *small, "--out", str(tmp_path / "o"), "--executor", "serial"])
    assert done.exit_code == 0 and "`incremental_cac`" in (tmp_path / "o" / "report.md").read_text()
    plain = write_sweep(tmp_path, name="plain.yaml", metrics=["customers_final"], replicates=1)
    assert said not in runner.invoke(app, ["sweep", str(plain), *small, "--dry-run"]).stdout


def test_the_report_says_when_the_best_points_budgets_ended_their_asks(tmp_path):
    """run, compare and optimize say when a budget ran out and ended the asks; a sweep's
    best point ran out on day 303 of 365, one tied with it on day 232, and report.md said
    nothing (the days were in points.csv alone, where listed). The report now names each
    such point among the best and those tied with it, with its median day from the runs
    (which hold the day whether or not metrics lists it), and in the first half of the
    horizon says the ranking can follow the ending. The day is checked against the runs
    made again (sweep.rerun's way)."""
    from simulator.metrics import median_day
    from simulator.runner import run_replicate
    from simulator.sweep import scenario_at

    base = tmp_path / "budgeted.yaml"
    base.write_text(yaml.safe_dump({**BASE, "days": 60, "population": {"size": 600, "initial_customers": 30},
                                    "program": {**BASE["program"], "base_share": 0.5}}))
    path = write_sweep(tmp_path, base=str(base), metrics=["customers_final"], replicates=2,
                       parameters={"program.incentive.budget": {"values": [40, 1e6]}})
    run_sweep(load_sweep(path), tmp_path / "o", executor="serial")
    sweep, days = load_sweep(path), {0: [], 1: []}
    for row in pd.read_csv(tmp_path / "o" / "sweep.csv").to_dict("records"):
        run = run_replicate(scenario_at(sweep, row), int(row["replicate"]), int(row["seed"]))
        days[row["point_id"]].append(run.metrics["budget_exhausted_day"])
    assert median_day(days[0]) <= 30 and not np.isfinite(days[1]).any()   # the case: 40 ran out early, a million never
    points = pd.read_csv(tmp_path / "o" / "points.csv")
    assert points["indistinguishable_from_best"].all()   # both are the best or tied with it
    note = (tmp_path / "o" / "report.md").read_text().split("\n\n")[2]
    assert note.startswith("Budgets ran out and ended the asks (`on_budget_exhausted` end_program") and \
        f"it: point 0 on day {median_day(days[0]):.0f} of 60. Where that is in the first half" in note, note
    assert "point 1" not in note and "Add `budget_exhausted_day` to `metrics`" in note


def test_the_day_a_budget_ran_out_counts_the_runs_where_it_never_did():
    """A sweep's best point ran out on days 75, 45 and never of 90, and report.md said "day
    45 of 90" (the median of the two that ran out, the earlier of their middle two) and
    warned that it was in the first half of the horizon: by day 45 one run in three had run
    out. The day said is the first by which at least half the runs had (a run that never
    ran out counted after every day): 75 here, by hand; none where fewer than half ran out,
    or where that day is past the last one asked about."""
    from simulator.report.text import ran_out_by

    def runs(*days):
        return pd.DataFrame({"budget_exhausted_day": [np.nan if d is None else d for d in days]})

    assert ran_out_by(runs(75, 45, None), 90) == 75
    assert ran_out_by(runs(10, 20, None, None), 90) == 20        # 2 of 4 by day 20
    assert np.isnan(ran_out_by(runs(10, None, None), 90))       # 1 of 3: not half
    assert np.isnan(ran_out_by(runs(75, 45, None), 45))         # by day 45 only one had
    assert ran_out_by(runs(30, 40, 50), 90) == 40


def test_points_on_common_seeds_share_one_engine_path(tmp_path, monkeypatch):
    """On common seeds the points are compared replicate by replicate, so, as compare's
    designs, they run on one path: a delight lever that does nothing (rate 0), switched on
    (the numpy stages) beside off (the kernel), drew other luck in every replicate and
    was named best. Both points now run on the numpy stages, give the same runs, and the
    manifest says so; a grid grown with a point the kernel cannot run, beside runs made on
    it, is refused rather than mixing the paths."""
    monkeypatch.delenv("REFSIM_ENGINE", raising=False)
    delight = {"values": [None, {"rate": 0.0, "cost_each": 0}]}
    path = write_sweep(tmp_path, common_random_numbers=True, metrics=["customers_final"],
                       parameters={"program.delight": delight})
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    frame = run_frame(out).pivot(index="replicate", columns="point_id", values="customers_final")
    assert frame[0].tolist() == frame[1].tolist(), frame
    assert json.loads((out / "manifest.json").read_text())["engine"]["path"] == "numpy"
    # report.md and the console say so: `refsim run` of the point without the lever takes the kernel and gave other
    # figures (417.7 customers against the row's 459.7), and only manifest.json said which path ran
    said = "Every point ran on the numpy stages, to share its luck replicate by replicate"
    assert said in " ".join((out / "report.md").read_text().split())
    assert "program.delight at some of them is a setting the compiled kernel does not run" in \
        " ".join(result.stdout.split()), result.stdout
    # resumed, it is said again (sweep.json keeps why); every point on the numpy stages alike says nothing
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and said in " ".join(again.stdout.split()), again.output
    every = write_sweep(tmp_path, name="every.yaml", common_random_numbers=True, metrics=["customers_final"],
                        parameters={"program.delight": {"values": [{"rate": 0.0, "cost_each": 0},
                                                                   {"rate": 0.1, "cost_each": 0}]}})
    result = runner.invoke(app, ["sweep", str(every), "--out", str(tmp_path / "every"), "--executor", "serial"])
    assert result.exit_code == 0 and "numpy stages" not in result.stdout, result.output
    assert json.loads((tmp_path / "every" / "manifest.json").read_text())["engine"]["path"] == "numpy"
    # rerun of the point the kernel could run alone takes the path the sweep shared (it gave other numbers)
    import warnings

    from simulator.sweep import rerun

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for row in run_frame(out).to_dict("records"):
            assert rerun(load_sweep(path), row)["customers_final"] == row["customers_final"], row
    # a kernel sweep grown by the lever: refused, naming --force
    kernel = write_sweep(tmp_path, name="k.yaml", common_random_numbers=True, metrics=["customers_final"],
                         parameters={"program.delight": {"values": [None]}})
    assert runner.invoke(app, ["sweep", str(kernel), "--out", str(tmp_path / "k"), "--executor", "serial"]).exit_code == 0
    assert json.loads((tmp_path / "k" / "sweep.json").read_text())["path"] == "kernel"
    state = (tmp_path / "k" / "sweep.json").read_text()
    write_sweep(tmp_path, name="k.yaml", common_random_numbers=True, metrics=["customers_final"],
                parameters={"program.delight": delight})
    for dry in ([], ["--dry-run"]):   # the dry run refuses it alike (it said the grown points would run)
        one_line_error(runner.invoke(app, ["sweep", str(kernel), "--out", str(tmp_path / "k"), "--executor", "serial",
                                           *dry]), "the grown sweep adds a point the compiled kernel does not run",
                       "--force")
    # refused before anything was saved: the file put back as it was resumes (the grown grid had been kept, and the
    # folder then refused it as 'a different sweep')
    assert (tmp_path / "k" / "sweep.json").read_text() == state
    write_sweep(tmp_path, name="k.yaml", common_random_numbers=True, metrics=["customers_final"],
                parameters={"program.delight": {"values": [None]}})
    assert runner.invoke(app, ["sweep", str(kernel), "--out", str(tmp_path / "k"), "--executor", "serial"]).exit_code == 0
    write_sweep(tmp_path, name="k.yaml", common_random_numbers=True, metrics=["customers_final"],
                parameters={"program.delight": delight})
    forced = runner.invoke(app, ["sweep", str(kernel), "--out", str(tmp_path / "k"), "--executor", "serial", "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((tmp_path / "k" / "sweep.json").read_text())["path"] == "numpy"


@pytest.mark.parametrize("ends, words", [
    ("low: 0.1, high: .inf", "low and high must be finite numbers (got 0.1, .inf)"),
    ("low: -.inf, high: 0.3", "low and high must be finite numbers (got -.inf, 0.3)"),
    ("low: .nan, high: 0.3", "low and high must be finite numbers (got .nan, 0.3)"),
    # as written: ':g' read 0.10000001 as 0.1, 'low (0.1) is above high (0.1)'
    ("low: 0.10000001, high: 0.1", "low (0.10000001) is above high (0.1)"),
    # 'give low <= high' offered a range of one value, which is refused in its turn
    ("low: 0.3, high: 0.2", "low (0.3) is above high (0.2); swap them (low: 0.2, high: 0.3)"),
])
def test_a_range_with_an_infinite_or_reversed_end_is_one_line(tmp_path, ends, words):
    """An infinite end reached numpy's linspace, whose RuntimeWarnings came before the
    one-line refusal (five lines in all)."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"base": BASE, "method": "grid"})
                    + f"parameters:\n  program.base_share: {{{ends}, levels: 3}}\n")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]), words)


def test_the_heatmap_outlines_the_best_point_and_its_ties_and_keeps_yellow_for_the_best(tmp_path, monkeypatch):
    """Cell means of 4.39k to 6.07k spanned the whole colour scale while the report told
    none of the points apart; and a payback day's yellow was its worst cell where a
    value's yellow is its best. The best point and those not told apart from it are
    outlined (and keyed in the legend on a filled cell), and a lower-is-better metric's
    scale is reversed."""
    from simulator.report import plots

    runs = pd.DataFrame([{"point_id": 2 * i + j, "x": x, "y": y, "v": 10.0 * i + j}
                         for i, x in enumerate((0, 10)) for j, y in enumerate((0.1, 0.2))])
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    plots.sweep_heatmap(runs, "x", "y", "v", tmp_path / "h.png", best=(10, 0.2), ties=[(10, 0.1)])
    ax = drawn[-1].axes[0]
    outlined = {(p.get_x() + 0.5, p.get_y() + 0.5): p.get_label() for p in ax.patches}
    assert outlined == {(1.0, 1.0): "best point (report.md)", (1.0, 0.0): "not told apart from the best (report.md)"}
    assert ax.images[0].get_cmap().name == "viridis"
    # the legend's keys show their outlines on a filled cell: a white dashed outline on the white figure was invisible
    from matplotlib.colors import to_rgba

    keys = {h.get_label(): h for h in ax.get_legend().legend_handles}
    tie = keys["not told apart from the best (report.md)"]
    face = to_rgba(tie.get_facecolor())
    assert tie.get_edgecolor() == to_rgba("white") and face[3] > 0 and face != to_rgba("white"), face
    assert keys["best point (report.md)"].get_edgecolor() == to_rgba("red")
    plots.sweep_heatmap(runs, "x", "y", "v", tmp_path / "p.png", minimise=True)
    ax = drawn[-1].axes[0]
    assert ax.images[0].get_cmap().name == "viridis_r" and not ax.patches
    assert "lower is better" in drawn[-1].axes[1].get_ylabel()


def test_an_empty_sweep_file_or_parameter_is_named_as_empty(tmp_path):
    """An empty sweep file read 'base: required key is missing' (an empty scenario says
    'the file is empty'), and a parameter with nothing under it was told to write
    {values: [null]}."""
    empty = tmp_path / "empty.yaml"
    for text in ("", "# a comment only\n"):
        empty.write_text(text)
        one_line_error(runner.invoke(app, ["sweep", str(empty), "--dry-run"]),
                       f"{empty}: the file is empty; a sweep is a mapping of keys such as 'base:'")
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"base: {ROOT / 'scenarios' / 'default.yaml'}\nparameters:\n  days:\n")
    line = one_line_error(runner.invoke(app, ["sweep", str(bare), "--dry-run"]),
                          "parameters.days (line 3): the parameter is empty: write {values: [...]} for a list of values")
    assert "null" not in line, line
    # an empty list or mapping alike: '{values: []}' was offered for [], then refused; {} read 'low: required key'
    for empty in ("[]", "{}"):
        bare.write_text(f"base: {ROOT / 'scenarios' / 'default.yaml'}\nparameters:\n  days: {empty}\n")
        one_line_error(runner.invoke(app, ["sweep", str(bare), "--dry-run"]),
                       "parameters.days (line 3): the parameter is empty: write {values: [...]}")


@pytest.mark.parametrize("base, got", [("5", "the value 5"), ("[1, 2]", "a list"), ("true", "the value true"),
                                       ("null", "nothing"), ("", "nothing"), ("''", "nothing"), ("'  '", "nothing")])
def test_a_base_that_is_neither_a_path_nor_a_mapping_says_what_it_may_be(tmp_path, base, got):
    """'base: 5' read "Input should be a valid string (got 5)", and 'base: [1, 2]' the same
    without what it got: as if a path were the only form, and without what is valid."""
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: x\nbase: {base}\nparameters:\n  program.base_share: {{values: [0.1, 0.2]}}\n")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]),
                   f"{path}: base (line 2): should be a scenario YAML path (relative to the sweep file) or an inline "
                   f"scenario mapping, not {got}")
    # no base at all: what it takes is said too (an empty text was looked for as the sweep file's folder)
    path.write_text("name: x\nparameters:\n  program.base_share: {values: [0.1, 0.2]}\n")
    one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]),
                   "base: required key is missing; a sweep needs 'base:' and 'parameters:' (base scenario: a YAML path "
                   "relative to the sweep file (~ is the home folder), or an inline scenario mapping)")


def test_an_unnamed_inline_base_is_not_called_the_base_scenario_scenario(tmp_path):
    """An inline base without a name is named 'scenario' by default: 'value 0 does not fit
    the base scenario scenario: ...' was said."""
    path = tmp_path / "sweep.yaml"
    path.write_text("name: x\nbase: {}\nparameters:\n  program.incentive.referrer_reward: {values: [0, 20]}\n")
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]),
                          "value 0 does not fit the base scenario (unnamed): missing 'kind'")
    assert "scenario scenario" not in line


def test_a_sweep_sets_a_key_of_a_block_its_base_leaves_out_as_a_set_does(tmp_path):
    """`--set network.mean_degree=8` on a base without a network block changes the default
    network; a sweep of network.mean_degree or satisfaction.promoters over such a base
    was refused for a missing kind (and optimize, sensitivity and calibrate accepted the
    same keys). Each point is now the default block with the swept key set."""
    from simulator.config import Scenario
    from simulator.sweep import point_scenario
    from simulator.sweep_spec import load_sweep

    (tmp_path / "base.yaml").write_text("name: bare\ndays: 30\nreplicates: 1\npopulation: {size: 400, initial_customers: 8}\n")
    path = tmp_path / "sweep.yaml"
    path.write_text("base: base.yaml\nmethod: grid\nparameters:\n  network.mean_degree: {values: [6, 10]}\n"
                    "  satisfaction.promoters: {values: [0.4, 0.6]}\n")
    result = runner.invoke(app, ["sweep", str(path), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    sweep = load_sweep(path)
    point = point_scenario(sweep.base_data, {"network.mean_degree": 6, "satisfaction.promoters": 0.4}, sweep.base_source,
                           sweep.base_dir)
    default = Scenario(name="bare")
    assert point.network == default.network.model_copy(update={"mean_degree": 6.0})
    assert point.satisfaction == default.satisfaction.model_copy(update={"promoters": 0.4})


def test_a_sweep_over_when_customers_are_asked_says_its_best_is_for_its_horizon(tmp_path):
    """A sweep of program.timing.delay_days from 0 to 60 over a 120-day base: the value counts
    the asks made by day 120, so a later ask loses its last joiners unasked, as compare's
    designs asking a month apart did; report.md says so, and not for a sweep of rewards."""
    path = write_sweep(tmp_path, parameters={"program.timing.delay_days": {"values": [0, 60]}}, replicates=1)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--set", "days=120"]).exit_code == 0
    report = " ".join((out / "report.md").read_text().split())
    # the base asks at onboarding: delay_days + 1 days after joining
    assert ("This study varies when customers are asked (`program.timing.delay_days`): its designs first ask a customer "
            "from about 1 to 61 days after joining. The value counts the asks made by day 120 only") in report, report
    rewards = tmp_path / "rewards"
    assert runner.invoke(app, ["sweep", str(write_sweep(tmp_path, "r.yaml", replicates=1)), "--out", str(rewards),
                               "--executor", "serial", "--set", "days=120"]).exit_code == 0
    assert "varies when customers are asked" not in (rewards / "report.md").read_text()


def test_a_sweep_ranking_k_across_ask_timings_names_the_k_window(tmp_path):
    """A grid over the ask's timing ranked `k_factor` and marked the milestone points worse
    (0.06-0.11 against 0.28), where compare says a milestone's K reads low by construction
    (its asks come about 31 days after joining, against K's 30-day window) and does not
    rank it. The sweep's report now names the window and the points that ask late
    (behaviour.timing.late_asks); a grid whose points all ask early says nothing of it."""
    from .conftest import small

    # K needs joiners whose 30-day window closed by the horizon: 2,000 people over 120 days
    longer = small(replicates=1).model_dump(mode="json", exclude_none=True)
    path = write_sweep(tmp_path, base=longer, parameters={"program.timing.kind": {"values": ["at_purchase", "milestone"]}},
                       metrics=["k_factor", "incremental_value"], replicates=1)
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "s"), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    points = pd.read_csv(tmp_path / "s" / "points.csv").set_index("point_id")
    late = int(points.index[points["program.timing.kind"] == "milestone"][0])
    report = " ".join((tmp_path / "s" / "report.md").read_text().split())
    assert (f"`k_factor` counts only the referrals made within 30 days of joining (`k_window_days`): point {late} asks "
            f"late against that window") in report, report
    early = write_sweep(tmp_path, name="early.yaml", base=longer, metrics=["k_factor"], replicates=1)
    done = runner.invoke(app, ["sweep", str(early), "--out", str(tmp_path / "e"), "--executor", "serial"])
    assert done.exit_code == 0 and "asks late against" not in (tmp_path / "e" / "report.md").read_text()


def test_a_sweep_choosing_the_referrers_reward_names_the_assumed_saturation(tmp_path):
    """compare says a ranking of designs offering different rewards rests on max_uplift and
    the reward scale (the best of $10-$160 moved from $10 to $80 between max_uplift 0.5 and
    2); a sweep over the reward said nothing. Its report now names both, from the base
    (here the default 3 months of the base's margin), with the ranges that test them; not
    where the sweep varies them itself, nor where the reward is no choice."""
    from simulator.report.sweep import _reward_size_note

    def loaded(parameters, assumptions=()):
        return load_sweep(write_sweep(tmp_path, parameters=parameters, assumptions=list(assumptions),
                                      metrics=["incremental_value"]))

    reward = {"program.incentive.referrer_reward": {"values": [10, 80]}}
    sweep = loaded(reward)
    note = _reward_size_note(sweep)
    margin = sweep.base.economics.monthly_margin
    assert ("The ranking of `program.incentive.referrer_reward` rests on what the model is told here: how much a "
            "reward moves sharing is assumed: up to `max_uplift` (1) more at type weight 1, 63% of that at a reward "
            f"of the scale (`reward_scale_months` 3 months of margin, {3 * margin:g} here) paid at once") in note, note
    assert ("--uncertain program.incentive.max_uplift=0.5:2 --uncertain program.incentive.reward_scale_months=1.5:6"
            in note), note
    both = {**reward, "program.incentive.max_uplift": {"values": [0.5, 2]}}
    assert _reward_size_note(loaded(both, ["program.incentive.max_uplift"])) == ""   # the sweep shows it itself
    assert _reward_size_note(loaded(reward, ["program.incentive.referrer_reward"])) == ""   # no choice to rank
    assert _reward_size_note(loaded({"program.base_share": {"values": [0.1, 0.2]}})) == ""
    # the friend's reward rests on the friend's uplifts, as compare says (a sweep over it alone named nothing)
    friend = _reward_size_note(loaded({"program.incentive.referee_reward": {"values": [0, 40]}}))
    assert ("The ranking of `program.incentive.referee_reward` rests on what the model is told here: how much a "
            "friend's reward moves people is assumed: it raises the friend's conversion by up to `referee_max_uplift` "
            "(1.5) and the referrer's sharing by up to `referee_share_uplift` (0.5)") in friend, friend
    assert ("--uncertain program.incentive.referee_max_uplift=0:2.25 --uncertain "
            "program.incentive.referee_share_uplift=0:1") in friend and "max_uplift=0.5:2" not in friend
    both = _reward_size_note(loaded({**reward, "program.incentive.referee_reward": {"values": [0, 40]}}))
    assert "`max_uplift` (1)" in both and "`referee_max_uplift` (1.5)" in both, both
    # one uplift swept (here as an assumption): the other is still named, alone (both were dropped)
    one = _reward_size_note(loaded({"program.incentive.referee_reward": {"values": [0, 40]},
                                    "program.incentive.referee_share_uplift": {"values": [0.2, 1.0]}},
                                   ["program.incentive.referee_share_uplift"]))
    assert "it raises the friend's conversion by up to `referee_max_uplift` (1.5) (the direction" in one, one
    assert "--uncertain program.incentive.referee_max_uplift=0:2.25)" in one and "referee_share_uplift=" not in one
    # a friend's reward assumed to move nobody (both uplifts 0) ranks no reward best on that assumption alone: said, with
    # ranges that reach above 0
    still = {**BASE, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"], "referee_max_uplift": 0,
                                                                  "referee_share_uplift": 0}}}
    none = _reward_size_note(load_sweep(write_sweep(tmp_path, base=still, metrics=["incremental_value"], parameters={
        "program.incentive.referee_reward": {"values": [0, 40]}})))
    assert ("a friend's reward is assumed to move nobody: it raises neither the friend's conversion (`referee_max_uplift` "
            "0) nor the referrer's sharing (`referee_share_uplift` 0)") in none, none
    assert ("--uncertain program.incentive.referee_max_uplift=0:2 --uncertain "
            "program.incentive.referee_share_uplift=0:1") in none, none
    # one of them swept: not "assumed to move nobody" beside a sweep of referee_max_uplift over 0.5 and 1.5
    half = {**BASE, "program": {**BASE["program"], "incentive": {**BASE["program"]["incentive"], "referee_share_uplift": 0}}}
    swept = _reward_size_note(load_sweep(write_sweep(tmp_path, "swept.yaml", base=half, metrics=["incremental_value"],
                                                     parameters={"program.incentive.referee_reward": {"values": [0, 40]},
                                                                 "program.incentive.referee_max_uplift": {"values": [0.5, 1.5]}},
                                                     assumptions=["program.incentive.referee_max_uplift"])))
    assert ("a friend's reward is assumed not to raise the referrer's sharing (`referee_share_uplift` 0), though rewards "
            "for the friend do move people") in swept, swept
    assert "move nobody" not in swept and "neither" not in swept
    assert "--uncertain program.incentive.referee_share_uplift=0:1" in swept and "referee_max_uplift=" not in swept


def test_a_paired_sweep_plots_band_misses_the_best_mean_just_where_the_table_tells_the_level_apart(monkeypatch):
    """The table told a level apart by Holm's step-down while the plot's band, at
    1 - 5%/m, still reached the best's dotted mean (reward 40: p = 0.014 against a step
    at 0.0167 and a band at 0.0125). With one parameter, each level one point, the band
    now misses the best's mean for exactly the levels best_points tells apart: here point
    1 (t = 3.4 on 5 degrees of freedom, second step) is told apart and point 3 (t = 2.5,
    last step at 95%) is not, as in test_paired_best_points_use_the_paired_t_interval."""
    from types import SimpleNamespace

    from simulator.report import plots
    from simulator.sweep import best_points

    rng = np.random.default_rng(3)
    best = 100 + rng.normal(0, 10, 6)

    def behind(t):
        gap = rng.normal(0, 1, 6)
        return best - ((gap - gap.mean()) / (gap.std(ddof=1) / math.sqrt(6)) + t)

    runs = {0: best, 1: behind(3.4), 2: behind(12.0), 3: behind(2.5)}
    frame = pd.DataFrame([{"point_id": p, "reward": p, "replicate": r, "profit": v, "status": "ok"}
                          for p, values in runs.items() for r, v in enumerate(values)])
    summary = frame.groupby("point_id")["profit"].mean().rename("profit_mean").reset_index()
    summary["profit_ci_low"] = summary["profit_ci_high"] = np.nan
    sweep = SimpleNamespace(metrics=("profit",), spec=SimpleNamespace(common_random_numbers=True, assumptions=[]),
                            parameters=["reward"])
    apart = {1, 2, 3} - set(best_points(frame, sweep, summary).iloc[0]["indistinguishable"])
    table = plots._paired_means(frame, "reward", "profit", minimise=False).set_index("reward")
    top = table.loc[0, "mean"]
    missed = {level for level in (1, 2, 3) if table.loc[level, "high"] < top}
    assert missed == apart == {1, 2}, (missed, apart)


def test_a_payback_row_names_the_points_that_never_paid_back_whatever_the_objective(tmp_path):
    """Ranked by incremental_value, a sweep's payback_day row listed points that never paid
    back among those not told apart from the best, with no word (docs/scenarios.md: report.md
    names such points); and a best that paid back in 2 runs of 3 read "mean 1, 95% interval
    [1, 1]", as if sure. Every point points.csv gives no payback_day is named, with the day
    its runs count as (the horizon + 1)."""
    path = write_sweep(tmp_path, base=str(ROOT / "scenarios" / "default.yaml"), metrics=["payback_day", "incremental_value"],
                       objective="incremental_value", common_random_numbers=True, replicates=3, seed=15,
                       parameters={"program.incentive.referrer_reward": {"values": [10, 60, 400]}})
    out = tmp_path / "o"
    small = ["--set", "population.size=3000", "--set", "population.initial_customers=30", "--set", "days=60"]
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), *small]).exit_code == 0
    points = pd.read_csv(out / "points.csv").set_index("point_id")
    never = points.index[points["payback_day_n"] == 0].tolist()
    assert never   # rewards of 60 and 400 on 60 days never pay back here: the check has a point to name
    report = (out / "report.md").read_text()
    named = f"Point{'s' if len(never) > 1 else ''} {', '.join(map(str, never))} never paid back in any run: in the test"
    assert f"In the `payback_day` row: {named}" in report and "counts as day 61, the day after the horizon" in report
    # ranked by payback_day, the best's mean says over how many of its runs it is, and what the others count as
    path.write_text(path.read_text().replace("objective: incremental_value", "objective: payback_day"))
    assert runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "p"), *small]).exit_code == 0
    points = pd.read_csv(tmp_path / "p" / "points.csv").set_index("point_id")
    best = points.index[points["indistinguishable_from_best"]].tolist()
    opening = (tmp_path / "p" / "report.md").read_text().split("\n")[2]
    first = next(p for p in best if f"point {p} (" in opening)
    n, runs = int(points.loc[first, "payback_day_n"]), int(points.loc[first, "runs_ok"])
    assert 0 < n < runs, (n, runs)   # the case the wording is for
    assert (f"over the {n} of its {runs} runs where payback_day is defined (the other{'s' if runs - n > 1 else ''} never "
            f"paid back: day 61 in the test)") in opening, opening


def test_a_best_point_on_a_metric_whose_interval_is_too_narrow_is_said_so():
    """A sweep named a best payback at '1 – 1' (a point paying back on day 1 in 7 of 8
    runs, whose true mean was 6) and a best CAC with no word, where run's report calls
    such intervals too narrow (docs/model.md measures them)."""
    from simulator.report.sweep import narrow_note

    frame = pd.DataFrame([{"point_id": p, "replicate": r, "status": "ok", "payback_day": day, "incremental_value": v}
                          for p, days in {0: [1.0] * 7 + [np.nan], 1: [1.0, 4.0, 9.0, 30.0]}.items()
                          for r, (day, v) in enumerate(zip(days, range(len(days))))])
    best = pd.DataFrame([{"metric": "payback_day", "point_id": 0}, {"metric": "incremental_value", "point_id": 1}])
    assert narrow_note(frame, best).startswith("**Intervals too narrow:** `payback_day` at point 0 was exactly 1 in 7 "
                                               "of its 7 runs where it is defined. Such intervals hold the true mean less "
                                               "often than 95%")
    assert "`incremental_cac` is a ratio per run" in narrow_note(frame, best.assign(metric=["incremental_cac",
                                                                                              "incremental_value"]))
    # a payback spread over its runs, and the value alone: nothing to say
    assert narrow_note(frame, best.assign(point_id=[1, 1])) == ""
    assert narrow_note(frame, best.iloc[1:]) == ""


def test_a_paired_sweeps_payback_and_cac_panels_band_each_level_by_its_own_interval(tmp_path, monkeypatch):
    """Under common random numbers the paired bands of incremental_cac and payback_day read
    the other way from report.md: a cheaper level defined in 5 of 8 runs missed the best's
    dotted line (read as told apart) where the report kept it beside the best (the best is
    the level defined in the most runs; a Fisher test; no level told apart for being
    better). Those panels now band each level by its own interval, with no dotted line,
    and the title sends the reader to report.md."""
    from simulator.report import plots

    rng = np.random.default_rng(2)
    runs = pd.DataFrame([{"point_id": p, "replicate": r, "reward": reward,
                          "incremental_cac": (np.nan if p == 0 and r < 3 else (4.0 if p == 0 else 8.0) + rng.normal(0, 0.5))}
                         for p, reward in enumerate((5, 20)) for r in range(8)])
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.sweep_metric(runs, ["reward"], "incremental_cac", tmp_path / "c.png", discrete={"reward": True}, paired=True,
                       minimise=True)
    ax = drawn["fig"].axes[0]
    assert not [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    own = plots._point_means(runs.dropna(), ["reward"], "incremental_cac")
    assert min(band) == pytest.approx(own["low"].min()) and max(band) == pytest.approx(own["high"].max())
    title = drawn["fig"].texts[0].get_text().replace("\n", " ")
    assert "paired difference" not in title and "told apart from the best: see report.md" in title, title


def test_the_sweeps_console_gives_report_mds_verdict(tmp_path):
    """run, compare, optimize, sensitivity and calibrate print their answer; sweep printed
    only its run counts, the best point in report.md alone. The console now gives the
    verdict: the point with the best mean of the objective in points.csv (found here from
    the file), and the points not told apart from it as points.csv marks them."""
    path = write_sweep(tmp_path, metrics=["customers_final", "incremental_value"], objective="incremental_value",
                       parameters={"program.incentive.referrer_reward": {"values": [0, 10, 40]}}, replicates=3)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    best = points.loc[points["incremental_value_mean"].idxmax()]
    line = next(l.strip() for l in result.stdout.splitlines() if l.strip().startswith("Best by"))
    assert line.startswith(f"Best by incremental_value: point {int(best['point_id'])} "
                           f"(program.incentive.referrer_reward = {best['program.incentive.referrer_reward']:g})"), line
    tied = points.loc[points["indistinguishable_from_best"].astype(bool) & (points["point_id"] != best["point_id"]),
                      "point_id"].astype(int).tolist()
    if tied:
        assert f"points {', '.join(map(str, tied))}" in line or f"point {tied[0]}" in line, line
    assert "**" not in line and "`" not in line
    assert line in (tmp_path / "out" / "report.md").read_text().replace("**", "").replace("`", "")


def test_runs_made_after_an_edge_list_changed_are_not_kept_for_a_resume(tmp_path):
    """An edge list changed while a sweep ran: the sweep looked only at the end, so the
    runs made on the new file stayed in runs/, and with the old file put back a resume
    took all 800 runs as done, 552 of them made on the other network, its best point
    another. The sweep now looks as each batch comes back and keeps only the runs that
    finished before the change; with the file put back the resume runs the rest, and
    its table equals an uninterrupted sweep's."""
    from simulator.errors import ScenarioError
    from simulator.results import RunStore
    from simulator.sweep import execute_sweep

    path = _edge_list_sweep(tmp_path)
    edges = tmp_path / "graphs" / "ring.txt"
    original = edges.read_text()
    sweep = load_sweep(path)
    total = 3 * sweep.replicates
    batches = [0]

    def change_after_the_first(ok: int, failed: int) -> None:
        batches[0] += 1
        if batches[0] == 1:
            edges.write_text(_ring(120, chord=5))   # another network under the same name

    out = tmp_path / "out"
    with pytest.raises(ScenarioError, match="changed while the sweep ran") as stopped:
        execute_sweep(sweep, out, executor="serial", progress=change_after_the_first)
    assert "keeping the runs it finished before the change" in str(stopped.value)
    kept = RunStore(out, read_only=True).frame()
    assert 0 < len(kept) < total and batches[0] == 1   # the first batch's runs alone: none made on the new file
    edges.write_text(original)
    resumed = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{total - len(kept)} run now, {len(kept)} already done" in resumed.stdout, resumed.stdout
    whole = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "whole"), "--executor", "serial"])
    assert whole.exit_code == 0, whole.output
    assert (out / "sweep.csv").read_bytes() == (tmp_path / "whole" / "sweep.csv").read_bytes()
    # a file written to between two looks, though its bytes are the old ones again (another graph put in and taken
    # out, or an export rewriting the same bytes): the runs in between may have read something else, and were kept
    import os

    def rewritten_after_the_first(ok: int, failed: int, seen=[0]) -> None:
        seen[0] += 1
        if seen[0] == 1:
            edges.write_text(_ring(120, chord=5))
            edges.write_text(original)
            os.utime(edges, ns=(edges.stat().st_atime_ns, edges.stat().st_mtime_ns + 5_000_000_000))

    # said as what it was: written to, its bytes as they were (a touch was said to be "the new file" the runs read)
    with pytest.raises(ScenarioError, match="written to while the sweep ran: its bytes are the ones it started with"):
        execute_sweep(load_sweep(path), tmp_path / "again", executor="serial", progress=rewritten_after_the_first)
    assert 0 < len(RunStore(tmp_path / "again", read_only=True).frame()) < total


def test_a_swept_edge_list_that_cannot_be_read_is_not_called_a_clash_with_the_base(tmp_path):
    """A sweep over network.path with an edge list whose line 10 cannot be read ended
    "(at line 10; the sweep varies nothing else)", the edge list's line read as a key of
    the base and the suffix meant for a clash with one. It is refused in one line naming
    the edge list and its line."""
    import shutil

    from .conftest import SCENARIOS

    shutil.copy(SCENARIOS / "independent-cascade.yaml", tmp_path / "ic.yaml")
    shutil.copy(SCENARIOS / "graph.txt", tmp_path / "graph.txt")
    lines = (SCENARIOS / "graph.txt").read_text().splitlines()
    lines[9] = "5 7.5x"
    (tmp_path / "bad.txt").write_text("\n".join(lines) + "\n")
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "edge-lists", "base": "ic.yaml", "method": "grid", "replicates": 2, "seed": 3,
                                    "parameters": {"network.path": {"values": ["graph.txt", "bad.txt"]}},
                                    "metrics": ["customers_final"]}))
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    said = done.stderr
    assert done.exit_code == 2 and "cannot read '5 7.5x'" in said, done.output
    assert f"(in the edge list {tmp_path / 'bad.txt'}, line 10, read as network.path for" in said, said
    assert "varies nothing else" not in said, said


def test_a_swept_list_of_values_is_a_key_the_runs_read():
    """A sweep of a campaign's days ([5, 15] against [5, 15, 25, 35]), or of
    network.block_shares, was told "This study varies program.timing.days, which ... does
    not read (no run depends on it)" beside runs that differed (161 and 150 customers
    against 167 and 193): a list of values, set whole by a sweep, was no key to
    parameters.reads. It is, and no such note is given. So is a whole block or a list of
    blocks, which a sweep may set whole too: a sweep of the churn block ({monthly_rate:
    0.02} against 0.08) was told churn "does not read" beside rows that differed, where the
    same sweep of churn.monthly_rate was told it is the world's, not a design's."""
    from simulator.parameters import applies, reads
    from simulator.report.text import study_world_note

    from .conftest import small

    base = small(program={"timing": {"kind": "campaign", "days": [5, 15]}},
                 network={"kind": "stochastic_block", "block_shares": [0.5, 0.5]})
    for key in ("program.timing.days", "network.block_shares"):
        assert applies(base, key) and reads(base, key), key
    assert "does not read" not in study_world_note(["program.timing.days"], base=base)
    for key in ("churn", "program.timing", "program.channels", "program.channels.1", "program.incentive"):
        assert applies(base, key) and reads(base, key), key
        assert "does not read" not in study_world_note([key], base=base), key
    assert "`churn`, which no launch chooses" in " ".join(study_world_note(["churn"], base=base).split())
    # a block that holds such keys beside a launch's choices (the population: its size and its seeding; the reminders:
    # their count and their fatigue) is said to rank them where its values differ in those: its name alone called a
    # seeding strategy the world, and a sweep of the reminders' fatigue went unsaid
    assert study_world_note(["population"], base=base).startswith(
        "This study varies `population` whole, which holds keys no launch chooses (`population.size`): where its "
        "values differ in those, a best value is where the world is kindest, not a design")
    said = study_world_note(["program.timing.reminders"], base=base)
    assert said.startswith("This study varies `program.timing.reminders` whole, which holds keys no launch chooses "
                           "(`program.timing.reminders.fatigue`"), said
    assert "which no launch chooses (the world" not in said   # not said to be the world outright
    # the program whole holds them too (a sweep of two programs apart in moment_effect.onboarding alone went unsaid)
    assert study_world_note(["program"], base=base).startswith("This study varies `program` whole, which holds keys no "
                                                               "launch chooses")
    assert study_world_note(["program.channels.0.kind"], base=base) == ""   # a choice
    # a sweep's values known, the sentence follows them: seeding alone is a choice, the size the world
    seeding = [{"size": 800, "initial_customers": 20}, {"size": 800, "initial_customers": {"count": 20, "strategy": "degree"}}]
    assert study_world_note(["population"], base=base, values={"population": seeding}) == ""
    sizes = [{"size": 800, "initial_customers": 20}, {"size": 1200, "initial_customers": 20}]
    assert study_world_note(["population"], base=base, values={"population": sizes}).startswith(
        "This study ranks `population` (its points differ in `population.size`), which no launch chooses (the world")
    counts = [{"count": 1}, {"count": 2}]   # the reminders' count, a choice; their fatigue left at its default in both
    assert study_world_note(["program.timing.reminders"], base=base, values={"program.timing.reminders": counts}) == ""
    fatigue = [{"count": 1, "fatigue": 0.3}, {"count": 1}]   # 0.3 against the default 0.9: they differ
    assert "(its points differ in `program.timing.reminders.fatigue`)" in study_world_note(
        ["program.timing.reminders"], base=base, values={"program.timing.reminders": fatigue})
    same = [{"count": 1, "fatigue": 0.9}, {"count": 2}]   # 0.9 is the default: the points differ in the count alone
    assert study_world_note(["program.timing.reminders"], base=base, values={"program.timing.reminders": same}) == ""
    # a key one point's kind has not is no difference: single- against double-sided was said to differ in the friend's
    # assumed response (null against its default), no program against a reward in the reward's, never in the reminders'
    for key, kinds in (("program.incentive", [{"kind": "single_sided", "referrer_reward": 10},
                                              {"kind": "double_sided", "referrer_reward": 5, "referee_reward": 5}]),
                       ("program.incentive", [{"kind": "none"}, {"kind": "single_sided", "referrer_reward": 5}]),
                       ("program.timing", [{"kind": "never"}, {"kind": "onboarding", "delay_days": 3,
                                                                "reminders": {"count": 1}}])):
        assert study_world_note([key], base=base, values={key: kinds}) == "", kinds
    assumed = [{"kind": "single_sided", "referrer_reward": 10, "max_uplift": 2},
               {"kind": "double_sided", "referrer_reward": 5, "referee_reward": 5}]   # both read it: 2 against 1
    assert "(its points differ in `program.incentive.max_uplift`)" in study_world_note(
        ["program.incentive"], base=base, values={"program.incentive": assumed})
    # what the design lacks stays unread: no third channel, no milestone's reach on a campaign, no such block
    for key in ("program.channels.2", "program.timing.reach_share", "churn.nothing", "nothing"):
        assert not applies(base, key), key


def test_a_sweeps_best_point_that_loses_value_is_said_to_beat_no_program_nowhere(tmp_path):
    """A sweep of $150 and $300 cash rewards named "Best by incremental_value: point 0 ...,
    mean -3,379, 95% interval [-5,222, -1,535]" with no other word, where compare of the
    same designs said none beats not launching one and optimize that the best loses value
    against no program. report.md and the console now say so; a best above 0 is not told it."""
    cash = {**BASE, "days": 90, "population": {"size": 1000, "initial_customers": 30},
            "program": {**BASE["program"], "base_share": 0.6, "incentive": {
        "kind": "double_sided", "referrer_reward": 150, "referee_reward": 150, "reward_type": "cash",
        "qualification_days": 0}}}
    path = write_sweep(tmp_path, base=cash, metrics=["incremental_value"], replicates=3,
                       parameters={"program.incentive.referrer_reward": {"values": [150, 300]}})
    done = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    points = pd.read_csv(tmp_path / "o" / "points.csv")
    assert (points["incremental_value_ci_high"] < 0).all(), points   # the case: every point loses, surely
    said = "It loses value against running no program (its interval lies below 0): no point of this sweep beats"
    assert said in (tmp_path / "o" / "report.md").read_text() and said in " ".join(done.stdout.split())
    # with an assumption the best at each of its values is said alike: "is best at every value of fraud.share", in
    # bold, stood beside -161,782 [-203,503, -120,060] and no word of it
    assumed = write_sweep(tmp_path, name="assumed.yaml", base=cash, metrics=["incremental_value"], replicates=3,
                          common_random_numbers=True, assumptions=["fraud.share"],
                          parameters={"program.incentive.referrer_reward": {"values": [150, 300]},
                                      "fraud.share": {"values": [0.0, 0.1]}})
    done = runner.invoke(app, ["sweep", str(assumed), "--out", str(tmp_path / "a"), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    report = (tmp_path / "a" / "report.md").read_text()
    assert report.count("It loses value against running no program (its interval lies below 0): no point of this "
                        "value beats having no program.") == 2, report
    fine = write_sweep(tmp_path, name="fine.yaml", metrics=["incremental_value"], replicates=3)
    done = runner.invoke(app, ["sweep", str(fine), "--out", str(tmp_path / "f"), "--executor", "serial"])
    assert done.exit_code == 0 and "beats having no program" not in (tmp_path / "f" / "report.md").read_text()


def test_a_swept_list_is_drawn_in_the_sweep_files_order(tmp_path):
    """A sweep of a campaign's days [30, 90], [10, 20, 30, 40], [200] drew its axis in the
    order of the lists' text ("[10, 20, ..." first), not the file's, as it draws words."""
    from simulator.report.plots import _in_level_order
    from simulator.report.sweep import _word_orders

    days = [[30, 90], [10, 20, 30, 40], [200]]
    base = {**BASE, "days": 365, "program": {**BASE["program"], "timing": {"kind": "campaign", "days": [5]}}}
    sweep = load_sweep(write_sweep(tmp_path, base=base, parameters={"program.timing.days": {"values": days}}))
    order = _word_orders(sweep)["program.timing.days"]
    assert order == ["[30, 90]", "[10, 20, 30, 40]", "[200]"]
    table = pd.DataFrame({"program.timing.days": ["[10, 20, 30, 40]", "[200]", "[30, 90]"], "mean": [1.0, 2.0, 3.0]})
    assert _in_level_order(table, "program.timing.days", order)["program.timing.days"].tolist() == order


def test_a_seed_drawn_through_set_seed_null_is_pinned_by_the_manifests_own_command(tmp_path):
    """A base with a seed, and `--set seed=null` to draw one: the manifest records the
    command with `--set seed=<drawn>` added last, and that command was refused in its own
    folder ('holds a different sweep ... seed null → <drawn>'), as was the pin alone: only
    --force, running every run again, got out. Both resume now; another seed is refused."""
    path = write_sweep(tmp_path)
    spec = yaml.safe_load(path.read_text())
    del spec["seed"]   # the base's seed (BASE has one) is what --set seed=null drops
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--executor", "serial", "--set", "seed=null"]
    assert runner.invoke(app, command).exit_code == 0
    first = run_frame(out)
    recorded = json.loads((out / "manifest.json").read_text())["command"]
    drawn = json.loads((out / "sweep.json").read_text())["sweep_seed"]
    assert recorded[-2:] == ["--set", f"seed={drawn}"]
    again = runner.invoke(app, [*command, "--set", f"seed={drawn}"])
    assert again.exit_code == 0 and "0 run now, 6 already done" in again.stdout, again.output
    pd.testing.assert_frame_equal(run_frame(out), first)
    one_line_error(runner.invoke(app, [*command, "--set", f"seed={drawn + 1}"]), "holds a different sweep")


@pytest.mark.parametrize("assumptions, dotted", [([], {"customers_final": True, "payback_day": False}),
                                                 (["program.incentive.referrer_reward"], {"customers_final": False,
                                                                                          "payback_day": False})])
def test_a_figures_caption_promises_a_paired_band_only_where_the_figure_draws_one(tmp_path, assumptions, dotted):
    """On common seeds the caption of payback_day.png promised "a 95% band of each level's
    paired difference from the best level, whose mean is dotted", as for every metric; the
    figure draws each level's own interval for a payback day (ranked by report.md's test),
    and for an assumption's panel, with no dotted line to miss."""
    path = write_sweep(tmp_path, metrics=["customers_final", "payback_day"], common_random_numbers=True,
                       assumptions=assumptions)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out" / "report.md").read_text().splitlines()
    for metric, paired in dotted.items():
        caption = lines[lines.index(f"![{metric}]({metric}.png)") + 1]   # the figure, then its caption
        assert ("whose mean is dotted" in caption) is paired, caption
        # a payback day's levels are told apart by report.md's test, said where the choice is swept
        assert ("which levels are told apart from the best: report.md" in caption) is \
            (metric == "payback_day" and not assumptions), caption


def test_an_assumption_sweeps_range_is_over_the_points_that_ran_and_says_how_many_failed(tmp_path):
    """A grid of promoters × passives where three points clash (shares above 1) read "ranges
    from … over the 9 points": the range and the correlations are over the 6 that ran."""
    base = {**BASE, "satisfaction": {"kind": "nps_mix", "promoters": 0.5, "passives": 0.35}}
    path = write_sweep(tmp_path, base=base, metrics=["customers_final"],
                       parameters={"satisfaction.promoters": {"values": [0.5, 0.6, 0.7]},
                                   "satisfaction.passives": {"values": [0.2, 0.35, 0.45]}},
                       assumptions=["satisfaction.promoters", "satisfaction.passives"])
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    failed = points["runs_ok"] == 0
    # the clashing points by hand: 0.6 + 0.45, 0.7 + 0.35 and 0.7 + 0.45 are above 1
    assert sorted(zip(points.loc[failed, "satisfaction.promoters"], points.loc[failed, "satisfaction.passives"])) == \
        [(0.6, 0.45), (0.7, 0.35), (0.7, 0.45)]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "over the 6 of 9 points that have it (3 failed in every run)" in report, report[:1500]
    assert "over the 9 points" not in report


def test_a_caption_says_which_panels_draw_no_band_where_each_line_has_one_run_per_level(tmp_path):
    """One replicate, a choice and an assumption: the choice's panel draws one line per
    fraud share, one run at each level, and no band, under a caption promising "a 95%
    band"; the assumption's own panel pools the choice's 3 runs per level and has one."""
    from simulator.report.plots import lone_panels

    path = write_sweep(tmp_path, metrics=["customers_final"], replicates=1, common_random_numbers=True,
                       parameters={"program.incentive.referrer_reward": {"values": [0, 10, 30]},
                                   "fraud.share": {"values": [0.0, 0.2]}},
                       assumptions=["fraud.share"])
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    runs = run_frame(tmp_path / "out")
    # by hand: 3 x 2 points, one run each; per (reward, fraud share) one run, per fraud share three
    assert runs.groupby(["program.incentive.referrer_reward", "fraud.share"]).size().max() == 1
    assert runs.groupby("fraud.share").size().min() == 3
    assert lone_panels(runs, ["program.incentive.referrer_reward", "fraud.share"], "customers_final",
                       {"program.incentive.referrer_reward": True, "fraud.share": True}, by="fraud.share") == \
        ["program.incentive.referrer_reward"]
    lines = (tmp_path / "out" / "report.md").read_text().splitlines()
    caption = lines[lines.index("![customers_final](customers_final.png)") + 1]
    assert "a 95% band (none on the panel of program.incentive.referrer_reward, whose lines have one run per " \
           "level), one line per value of fraud.share" in caption, caption
