"""`refsim run` end to end: the results folder of the contract, reproducible."""

from __future__ import annotations

import hashlib
import json
import math
import shlex
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli import app
from simulator.metrics import DAILY_COLUMNS, SUMMARY_METRICS

from .conftest import SCENARIOS, small

runner = CliRunner()
FAST = ["--replicates", "2", "--set", "population.size=1500", "--set", "population.initial_customers=30", "--set", "days=60"]
CONTRACT_COLUMNS = ["scenario", "replicate", "day", "prospects", "customers", "churned", "new_organic", "new_referred",
                    "asks", "shares", "invites", "rewards_paid", "revenue", "reward_cost", "profit", "cumulative_profit"]


def run(out, *extra):
    result = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(out), *FAST, *extra])
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


#: what the console adds where a budget ends the asks by default (report.text.ended_by_default)
ASKS_TOO = "its asks too (on_budget_exhausted is end_program unless set; rewards_only asks on without a reward)"

def test_results_folder_has_the_contract_files(tmp_path):
    run(tmp_path / "a", "--people")
    folder = tmp_path / "a"
    for name in ("timeseries.csv", "summary.json", "summary.csv", "manifest.json", "report.md", "people.parquet",
                 "adoption.png", "acquisition_mix.png", "cumulative_profit.png"):
        assert (folder / name).stat().st_size > 0, name
    series = pd.read_csv(folder / "timeseries.csv")
    assert set(CONTRACT_COLUMNS) <= set(series.columns)
    assert list(series.columns[3:]) == list(DAILY_COLUMNS)
    assert len(series) == 2 * 61 and sorted(series.replicate.unique()) == [0, 1]
    summary = json.loads((folder / "summary.json").read_text())
    name = series.scenario.iloc[0]
    for metric in ("customers_final", "referred_share", "k_factor", "attributed_roi", "cost_per_referred_customer",
                   "ltv_referred", "ltv_organic", "cumulative_profit"):
        assert metric in SUMMARY_METRICS
        entry = summary[name][metric]
        assert entry["ci_low"] is None or entry["ci_low"] <= entry["mean"] <= entry["ci_high"]
    people = pd.read_parquet(folder / "people.parquet")
    assert list(people.columns[:7]) == ["id", "state", "adopted_day", "referred_by", "channel", "satisfaction", "churn_day"]
    assert len(people) == 1500
    final = series[(series.replicate == 0) & (series.day == 60)].iloc[0]
    assert (people.state == "customer").sum() == final.customers
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("refsim_version", "git_sha", "git_dirty", "python", "libraries", "command", "started", "ended", "scenarios",
                "seeds"):
        assert key in manifest
    assert manifest["scenarios"][0]["seed"] == 42 and manifest["scenarios"][0]["population"]["size"] == 1500
    assert len(manifest["seeds"][name]) == 2
    report = (folder / "report.md").read_text()
    assert "![adoption](adoption.png)" in report
    # every figure the folder holds is linked with a caption under it saying what it shows
    for figure in sorted(folder.glob("*.png")):
        at = report.index(f"![{figure.stem}]({figure.name})\n")
        caption = report[at:].splitlines()[1]
        assert caption.startswith("*") and caption.endswith("*") and len(caption) > 40, (figure.name, caption)
    assert "Active customers per day" in report


def test_every_figure_a_command_writes_has_a_caption_and_a_row_in_the_docs():
    """Each caption is for a figure the docs name (`<stem>.png` in docs/scenarios.md,
    docs/decide.md, docs/model.md or the README), and each figure the docs list for a command has a caption; a sweep's
    per-metric figures are captioned by the metric's name."""
    import re
    from pathlib import Path

    from simulator.report.text import CAPTIONS, caption

    docs = Path(__file__).resolve().parents[1] / "docs"
    listed = set()
    for path in (docs / "scenarios.md", docs / "decide.md", docs / "model.md", docs.parent / "README.md"):
        listed |= set(re.findall(r"`([a-z_]+)\.png`", path.read_text(encoding="utf-8")))
    assert set(CAPTIONS) <= listed, set(CAPTIONS) - listed
    assert {"adoption", "incremental_value", "posterior", "tornado", "sobol", "pareto", "convergence"} <= set(CAPTIONS)
    assert caption("not_a_figure") == "" and caption("customers_final") == ""   # a sweep's figures: sweep_caption


def test_the_manifest_names_every_runtime_dependency_and_the_working_folder(tmp_path, monkeypatch):
    """A result can be traced to the libraries that made it only if the manifest lists
    all of them: every runtime dependency pyproject.toml declares (read from the file,
    not from the code), and llvmlite, which compiles the kernel; the working folder
    says where the command's relative paths pointed."""
    import datetime as dt
    import re
    import tomllib
    from pathlib import Path

    from simulator.provenance import manifest

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=!\[ ;]", spec, maxsplit=1)[0] for spec in project["dependencies"]}
    declared |= {"distributed", "llvmlite"}
    monkeypatch.chdir(tmp_path)
    now = dt.datetime(2026, 1, 1)
    written = manifest(scenarios=[], seeds={}, started=now, ended=now, command=["refsim"])
    assert declared <= set(written["libraries"]), declared - set(written["libraries"])
    assert written["libraries"]["numba"] is not None
    assert written["cwd"] == str(tmp_path)


def test_the_manifest_records_the_bytes_of_an_edge_list_and_the_engine_path(tmp_path):
    """A run folder named its edge list by path only: an edited graph.txt gave other
    numbers from the same manifest, unseen. The manifest now gives each file's SHA-256
    (hashlib on the file, here) and the engine path its runs took."""
    import hashlib

    folder = tmp_path / "out"
    done = runner.invoke(app, ["run", str(SCENARIOS / "independent-cascade.yaml"), "--replicates", "1", "--set", "days=5",
                               "--out", str(folder), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    manifest = json.loads((folder / "manifest.json").read_text())
    graph = SCENARIOS / "graph.txt"
    assert manifest["inputs"] == {str(graph.resolve()): hashlib.sha256(graph.read_bytes()).hexdigest()}
    assert manifest["engine"]["path"] in ("kernel", "numpy") and "REFSIM_ENGINE" in manifest["engine"]
    assert manifest["execution"] == {"executor": "serial", "workers": 1}   # where the runs ran, as a sweep records it
    from simulator.cli import _execution
    from simulator.executors import default_workers

    assert _execution("local", None, None) == {"executor": "local", "workers": default_workers()}   # resolved, not null
    assert _execution("local", 3, None)["workers"] == 3
    assert _execution("dask", None, None)["workers"] == default_workers()   # a local Dask cluster: one per core
    # no more workers than runs sent out start: one replicate on any number of cores runs in one process
    assert _execution("local", 16, None, tasks=3)["workers"] == 3 and _execution("dask", 4, None, tasks=1)["workers"] == 1
    assert _execution("dask", 4, "tcp://x:1", cluster=5, tasks=1)["workers"] == 5   # a running cluster's own


def test_a_run_on_a_running_cluster_records_its_workers(tmp_path, monkeypatch):
    """`refsim run --scheduler` recorded 'workers: null' (or the --workers given, which
    the cluster does not use); it now records the workers the scheduler had when the
    command started, as a sweep does."""
    import simulator.executors as executors
    import simulator.runner as runner_module

    monkeypatch.setattr(executors, "check_scheduler", lambda address, **named: 3)   # a cluster of 3 workers answers
    monkeypatch.setattr(executors, "check_cluster", lambda address, **named: 3)     # running this code
    import simulator.compare as compare_module

    # its runs are this process's: the rows depend on no executor
    for module, name in ((runner_module, "simulate"), (compare_module, "run_designs")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, real=real, **kw: real(*a, **{**kw, "executor": "serial",
                                                                                  "scheduler": None}))
    for command in (["run", str(SCENARIOS / "default.yaml")],
                    ["compare", str(SCENARIOS / "default.yaml"), str(SCENARIOS / "no-program.yaml")]):
        folder = tmp_path / command[0]
        done = runner.invoke(app, [*command, "--replicates", "1", "--set", "days=5", "--set", "population.size=500",
                                   "--set", "population.initial_customers=5", "--out", str(folder), "--workers", "7",
                                   "--scheduler", "tcp://10.0.0.5:8786"])
        assert done.exit_code == 0, done.output
        execution = json.loads((folder / "manifest.json").read_text())["execution"]
        assert execution == {"executor": "dask", "workers": 3, "scheduler": "tcp://10.0.0.5:8786"}, execution


def test_the_manifest_says_whether_the_checkout_had_uncommitted_changes(tmp_path):
    """The git SHA alone does not say which code made results from a checkout with
    changes not committed: git_dirty says so (a real repository, committed, then
    edited; outside a checkout it is unknown)."""
    import shutil
    import subprocess

    from simulator.provenance import git_dirty, git_sha

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.txt").write_text("one\n")
    for args in (["init", "-q"], ["add", "a.txt"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    assert git_sha(repo) and git_dirty(repo) is False
    (repo / "untracked.txt").write_text("not part of the code\n")
    assert git_dirty(repo) is False
    (repo / "a.txt").write_text("two\n")
    assert git_dirty(repo) is True
    outside = tmp_path / "outside"
    outside.mkdir()
    assert git_sha(outside) is None and git_dirty(outside) is None


@pytest.mark.parametrize("argv, expected", [
    (["/usr/lib/python3/site-packages/simulator/__main__.py", "run", "a.yaml"], ["python", "-m", "simulator", "run", "a.yaml"]),
    (["/home/u/.local/bin/refsim", "compare", "a.yaml", "b.yaml"], ["refsim", "compare", "a.yaml", "b.yaml"]),
    # python -m simulator.cli: recorded as 'python .../cli.py', which stopped on a relative import
    (["/usr/lib/python3/site-packages/simulator/cli.py", "sweep", "s.yaml"], ["python", "-m", "simulator", "sweep", "s.yaml"]),
    # a script calling the Python API runs again through python; a notebook's kernel or python -c does not run
    # again from any command line ('ipykernel_launcher.py -f ...json' was recorded as one)
    (["scratch/s25.py", "--x"], ["python", "scratch/s25.py", "--x"]),
    (["/usr/lib/python3/site-packages/ipykernel_launcher.py", "-f", "/root/kernel-1.json"], None),
    (["/usr/bin/odd-launcher", "a"], ["/usr/bin/odd-launcher", "a"]),
])
def test_the_manifest_records_a_command_a_user_can_type_again(argv, expected):
    from simulator.provenance import runnable_command

    assert runnable_command(argv, api=True) == expected


def test_python_m_simulator_cli_is_the_whole_refsim_command(tmp_path):
    """Run as a script, cli.py is the module __main__ and the decision commands were
    registered on another copy of it: `python -m simulator.cli --help` listed neither
    optimize, sensitivity nor calibrate, and `optimize` was 'No such command'."""
    import subprocess

    listed = subprocess.run([sys.executable, "-m", "simulator.cli", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert all(f"  {name} " in listed.stdout for name in ("run", "compare", "optimize", "sensitivity", "calibrate"))
    refused = subprocess.run([sys.executable, "-m", "simulator.cli", "calibrate", "missing.yaml", "--data", "p.csv",
                              "--fit", "program.base_share=0.1:0.3"], capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "missing.yaml" in refused.stderr and "No such command" not in refused.stderr


@pytest.mark.parametrize("argv", [["-c"], ["-"], [""], ["-c", "x"]])
def test_a_folder_written_from_python_c_stdin_or_the_prompt_records_no_command_and_the_cli_keeps_its_own(argv):
    """python -c, a script on stdin and the prompt record ['-c'], ['-'] or [''], which
    replay nothing: a folder the Python API writes from them records none. The CLI's
    own command is kept whatever argv[0] is (under a pytest-xdist worker it is '-c')."""
    from simulator.provenance import runnable_command

    assert runnable_command(argv, api=True) is None
    assert runnable_command(argv) == argv


def test_a_folder_written_from_python_records_the_path_its_runs_took_and_needs_no_start_time(tmp_path):
    """simulate(..., kernel=False) ran on the numpy stages and write_run recorded the
    kernel's path (the one the scenario would take now), so replaying the folder on its
    recorded path gave other numbers; write_comparison, as the docs give it, failed for
    want of a started= the docs never named."""
    import datetime as dt

    from simulator import load_scenario, simulate
    from simulator.compare import compare
    from simulator.kernel import unsupported
    from simulator.report import write_comparison, write_run

    scenario = load_scenario(SCENARIOS / "default.yaml", ["population.size=300", "population.initial_customers=10",
                                                           "days=10"])
    for kernel in (False, True):
        assert unsupported(scenario) is None   # the kernel runs it: the two paths differ
        folder = write_run(simulate(scenario, replicates=2, seed=9, kernel=kernel), tmp_path / f"r{kernel}")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["engine"]["path"] == ("kernel" if kernel else "numpy")
        assert dt.datetime.fromisoformat(manifest["started"]) <= dt.datetime.fromisoformat(manifest["ended"])
    folder = write_comparison(compare([scenario, scenario.model_copy(update={"name": "b"})], replicates=2, seed=1),
                              tmp_path / "c")
    assert (folder / "comparison.csv").exists() and json.loads((folder / "manifest.json").read_text())["started"]


def test_same_seed_gives_byte_identical_timeseries_other_seed_does_not(tmp_path):
    run(tmp_path / "a")
    run(tmp_path / "b")
    run(tmp_path / "c", "--seed", "43")
    a, b, c = ((tmp_path / x / "timeseries.csv").read_bytes() for x in "abc")
    assert a == b
    assert a != c
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()


def test_without_out_a_new_timestamped_folder_is_created_each_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), *FAST])
        assert result.exit_code == 0, result.stderr
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2 and all((f / "manifest.json").exists() for f in folders)
    assert not any(f.name.startswith(".") for f in folders)


def test_parallel_replicates_give_the_same_folder_as_serial(tmp_path):
    run(tmp_path / "serial", "--executor", "serial")
    run(tmp_path / "pool", "--workers", "2")
    for name in ("timeseries.csv", "summary.csv", "runs.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes(), name
    # the manifest records each data file's bytes, so a rerun is checked without the first folder at hand
    recorded = json.loads((tmp_path / "serial" / "manifest.json").read_text())["outputs"]
    assert recorded == json.loads((tmp_path / "pool" / "manifest.json").read_text())["outputs"]
    data = sorted(p.name for p in (tmp_path / "serial").iterdir() if p.suffix in (".csv", ".parquet"))
    assert sorted(recorded) == data and {"timeseries.csv", "runs.csv", "summary.csv"} <= set(data)
    for name, digest in recorded.items():
        assert hashlib.sha256((tmp_path / "pool" / name).read_bytes()).hexdigest() == digest, name


def test_a_seed_is_drawn_and_recorded_when_none_is_given(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: unseeded\ndays: 30\nreplicates: 1\npopulation: {size: 500, initial_customers: 5}\n")
    result = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.stderr
    seed = json.loads((tmp_path / "o" / "manifest.json").read_text())["scenarios"][0]["seed"]
    assert isinstance(seed, int)
    again = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "p"), "--seed", str(seed)])
    assert again.exit_code == 0
    assert (tmp_path / "o" / "timeseries.csv").read_bytes() == (tmp_path / "p" / "timeseries.csv").read_bytes()
    # the manifest's command, typed again, replays the drawn seed (it drew another): --seed is added to it
    command = json.loads((tmp_path / "o" / "manifest.json").read_text())["command"]
    assert command[-2:] == ["--seed", str(seed)], command
    assert "--seed" not in json.loads((tmp_path / "p" / "manifest.json").read_text())["command"][-2:-1]
    # compare, where the first file gives no seed: the same
    done = runner.invoke(app, ["compare", str(scenario), str(scenario), "--replicates", "2", "--out", str(tmp_path / "c"),
                               "--executor", "serial"])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["command"][-2:] == ["--seed", str(manifest["compare"]["seed"])]
    # an unpaired compare of seedless files: one seed drawn for all, which the manifest's --seed replays (a seed was
    # drawn per design, and no --seed gave those runs again)
    bigger = tmp_path / "bigger.yaml"
    bigger.write_text(scenario.read_text().replace("size: 500", "size: 600"))
    args = ["compare", str(scenario), str(bigger), "--unpaired", "--replicates", "2", "--executor", "serial"]
    done = runner.invoke(app, [*args, "--out", str(tmp_path / "u")])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "u" / "manifest.json").read_text())
    assert manifest["command"][-2:] == ["--seed", str(manifest["compare"]["seed"])]
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "v"), "--seed", str(manifest["compare"]["seed"])])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "v" / "manifest.json").read_text())["seeds"] == manifest["seeds"]
    assert (tmp_path / "u" / "runs.csv").read_bytes() == (tmp_path / "v" / "runs.csv").read_bytes()
    # one file seeded, the other not: the seedless design's seed comes from the seeded one's, so the command replays
    # as typed (it drew its own seed each time, and no --seed gave it back)
    seeded = tmp_path / "seeded.yaml"
    seeded.write_text(scenario.read_text() + "seed: 7\n")
    mixed = ["compare", str(seeded), str(bigger), "--unpaired", "--replicates", "2", "--executor", "serial"]
    for name in ("m1", "m2"):
        assert runner.invoke(app, [*mixed, "--out", str(tmp_path / name)]).exit_code == 0
    manifest = json.loads((tmp_path / "m1" / "manifest.json").read_text())
    assert list(manifest["compare"]["design_seeds"].values())[0] == 7 and manifest["compare"]["seed"] == 7
    assert (tmp_path / "m1" / "runs.csv").read_bytes() == (tmp_path / "m2" / "runs.csv").read_bytes()
    assert "--seed" not in manifest["command"]


def test_a_budget_that_ended_the_asks_is_not_sent_to_rewards_only_when_that_copy_is_compared():
    """A design whose budget ended its asks early, compared beside its own copy with
    `on_budget_exhausted: rewards_only` (which ranked best), was told on the console and
    in report.md to "compare again with rewards_only": the comparison already held it.
    A copy that differs in more than that still leaves the advice."""
    from types import SimpleNamespace

    from simulator.report.compare import _budget_ending_note, assumption_line

    def design(name, on_exhausted="end_program", reward=10):
        scenario = small(name=name, program={"incentive": {"kind": "single_sided", "referrer_reward": reward,
                                                           "budget": 150, "on_budget_exhausted": on_exhausted}})
        return SimpleNamespace(scenario=scenario, runs=pd.DataFrame({"budget_exhausted_day": [20.0, 20.0]}))

    ended, asks_on = design("ended"), design("asks-on", "rewards_only")
    line, note = assumption_line([ended, asks_on]), _budget_ending_note([ended, asks_on])
    assert "ended the asks (the day by which half the runs had run out, of a 120-day horizon: ended 20" in line and "compare again" not in line + note, line
    assert line.endswith("end_program; ended asks the 40 customers there at launch, each once in the launch's first days, which spends a budget "
                         "first): its rewards_only copy is compared here (report.md)"), line
    assert note.endswith("(its copy with `on_budget_exhausted: rewards_only`, which asks on without a reward, is "
                         "compared here; a larger budget is another test)"), note
    other = design("other", "rewards_only", reward=20)   # not its copy: the advice stands
    assert "compare again with rewards_only" in assumption_line([ended, other])
    assert "(compare again with `on_budget_exhausted: rewards_only`" in _budget_ending_note([ended, other])


def test_the_console_says_a_launch_ask_spent_an_ended_budget_first_as_report_md_does():
    """report.md said the customers there at launch, asked at once, spend a budget first;
    the console line on budgets that ended the asks left it out, though the README
    promises both. A design that does not ask them (ask_existing: never) is not named."""
    from types import SimpleNamespace

    from simulator.report.compare import _budget_ending_note, assumption_line

    def design(name, ask_existing):
        scenario = small(name=name, population={"size": 500, "initial_customers": 40},
                         program={"incentive": {"kind": "single_sided", "referrer_reward": 10, "budget": 150},
                                  "launch": {"ask_existing": ask_existing}})
        return SimpleNamespace(scenario=scenario, runs=pd.DataFrame({"budget_exhausted_day": [20.0, 20.0]}))

    launching, quiet = design("launching", "once"), design("quiet", "never")
    line = assumption_line([launching, quiet])
    assert "; launching asks the 40 customers there at launch, each once in the launch's first days, which spends a budget first)" in line, line
    assert "launching also asks the 40 customers there at launch, each once in the launch's first days" in _budget_ending_note([launching, quiet])
    assert "there at launch" not in assumption_line([quiet])
    fewer = design("fewer", "once")
    fewer.scenario.population.initial_customers = 25   # each design's own count, not the first's for both
    assert "launching and fewer ask the 40 and 25 customers there at launch" in assumption_line([launching, fewer])
    assert "launching and fewer also ask the 40 and 25 customers" in _budget_ending_note([launching, fewer])


def test_budgets_that_ended_early_are_each_said_against_their_own_horizon():
    """In an unpaired compare of a 200-day and a 400-day design whose budgets ran out
    early, the console and report.md said "median day of 200: short 80, long 42" and
    "the first half of the 200-day horizon" of both. Each is now given with its own
    horizon where the horizons differ; alike, as before."""
    from types import SimpleNamespace

    from simulator.report.compare import _budget_ending_note, assumption_line

    def design(name, days, ran_out, timing=None):
        scenario = small(name=name, days=days, program={"incentive": {"kind": "single_sided", "referrer_reward": 10,
                                                                      "budget": 150}, **({"timing": timing} if timing else {})})
        return SimpleNamespace(scenario=scenario, runs=pd.DataFrame({"budget_exhausted_day": ran_out}))

    short, long = design("short", 200, [80.0, 80.0]), design("long", 400, [42.0, 42.0])
    line = assumption_line([short, long])
    assert "(the day by which half the runs had run out: short 80 of 200 days, long 42 of 400 days; on_budget_exhausted end_program;" in line, line
    note = _budget_ending_note([short, long])
    assert note.startswith("budgets ran out in the first half of their horizons (short on day 80 of 200, long on day "
                           "42 of 400, each the day by which half the runs had run out)"), note
    # a design whose asks were over before its budget ran out (a campaign's last on day 30): it ended no ask
    campaign = {"kind": "campaign", "days": [1, 30]}   # asks that end of themselves: a purchase's do not
    over = design("over", 200, [80.0, 80.0], campaign)
    over.timeseries = pd.DataFrame({"day": [1, 30, 31, 100], "asks": [5, 3, 0, 0]})
    assert "over" not in assumption_line([short, over]) and _budget_ending_note([over]) == ""
    # a push still to come after the budget's day, which end_program cancelled, was an ask it ended; one made on that
    # very day was not (the stop comes the next day: budget-capped-campaign's day 97 ended none)
    still = design("still", 200, [80.0, 80.0], {"kind": "campaign", "days": [1, 79, 120]})
    still.timeseries = pd.DataFrame({"day": [1, 79, 80, 120], "asks": [5, 3, 0, 0]})
    assert "still 80" in assumption_line([still])
    spent = design("spent", 200, [80.0, 80.0], {"kind": "campaign", "days": [1, 79, 80]})
    spent.timeseries = pd.DataFrame({"day": [1, 79, 80, 100], "asks": [5, 3, 2, 0]})
    assert "spent 80" not in assumption_line([spent])
    same = design("same", 200, [42.0, 42.0])
    assert "(the day by which half the runs had run out, of a 200-day horizon: short 80, same 42;" in assumption_line([short, same])
    assert _budget_ending_note([short, same]).startswith("budgets ran out in the first half of the 200-day horizon "
                                                         "(short on day 80, same on day 42, each the day by which half "
                                                         "the runs had run out)")


def test_an_unpaired_compare_of_two_horizons_words_each_design_by_its_own(tmp_path):
    """A 3-year design compared --unpaired with a 1-year one: report.md split the winner's
    value "within the 365 days" of the other file and labelled its profit "(1-year
    profit)"; the only note blamed "the populations or networks", and the console's
    "sure at 95%" stood with no word of the horizons. Each design is now worded by its
    own days, and both say the differences are partly the horizons'."""
    data = {"days": 30, "replicates": 2, "population": {"size": 400, "initial_customers": 10},
            "program": {"incentive": {"kind": "single_sided", "referrer_reward": 10, "reward_type": "cash"},
                        "timing": {"kind": "at_purchase"}}}
    short, long = tmp_path / "short.yaml", tmp_path / "long.yaml"
    short.write_text(json.dumps({**data, "name": "short"}))
    long.write_text(json.dumps({**data, "name": "long", "days": 200}))
    done = runner.invoke(app, ["compare", str(short), str(long), "--unpaired", "--seed", "3", "--executor", "serial",
                               "--out", str(tmp_path / "c")])
    assert done.exit_code == 0, done.output
    assert ("note: the designs differ in days: the differences are partly those of the horizons, not only of the "
            "programs") in done.stdout
    report = (tmp_path / "c" / "report.md").read_text()
    first = report.split("\n\n")[1]
    best = first.removeprefix("**").split(" ")[0]
    days = {"short": 30, "long": 200}
    assert best in days, first
    other = 230 - days[best]
    assert f"within the {days[best]} days" in first and f"{other} days" not in first, first
    assert "partly those of the horizons, not only of the programs." in first
    assert "| short | cumulative_profit (30-day profit) |" in report
    assert "| long | cumulative_profit (200-day profit) |" in report
    assert "count as the day after the horizon (each design's own)" in report


def test_validate_and_schema(tmp_path):
    result = runner.invoke(app, ["validate", str(SCENARIOS / "default.yaml")])
    assert result.exit_code == 0 and "valid" in result.stdout
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert result.exit_code == 0 and "program" in schema["properties"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", sorted(path.name for path in SCENARIOS.glob("*.yaml")))
def test_validate_show_writes_a_scenario_file_alone_on_stdout(tmp_path, name):
    """`refsim validate FILE --show > full.yaml` is documented as a file with every
    default filled in: the status line had followed the YAML on stdout, so no such file
    loaded. stdout is now the YAML alone (the status line goes to stderr), and it loads
    back to the same scenario."""
    from simulator.scenario_io import load_scenario

    result = runner.invoke(app, ["validate", str(SCENARIOS / name), "--show"])
    assert result.exit_code == 0 and "valid" in result.stderr and "valid (" not in result.stdout
    full = tmp_path / name
    full.write_text(result.stdout)
    original = load_scenario(SCENARIOS / name)
    assert load_scenario(full).model_dump() == original.model_dump()   # an edge list's path is shown absolute
    # and reads as the file did: no note on a setting the file never wrote (on_budget_exhausted without a budget was
    # written out, and every command on full.yaml said it 'changes nothing')
    from simulator.report.text import default_notes

    assert default_notes(load_scenario(full)) == default_notes(original)


def test_validate_show_keeps_an_on_budget_exhausted_the_file_wrote(tmp_path):
    """--show leaves out the default on_budget_exhausted where there is no budget, but a
    file's own (rewards_only) was dropped too: a budget added to the shown file later ran
    with end_program."""
    import yaml

    data = yaml.safe_load((SCENARIOS / "default.yaml").read_text())
    data["program"]["incentive"]["on_budget_exhausted"] = "rewards_only"
    (tmp_path / "own.yaml").write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["validate", str(tmp_path / "own.yaml"), "--show"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["program"]["incentive"]["on_budget_exhausted"] == "rewards_only"


def test_help_explains_every_command():
    result = runner.invoke(app, ["--help"])
    for command in ("run", "validate", "schema"):
        assert command in result.stdout
    result = runner.invoke(app, ["run", "--help"])
    for option in ("--out", "--replicates", "--seed", "--set", "--people", "--workers", "--executor"):
        assert option in result.stdout
    # every command that takes --executor says which it gets when none is given (run and compare did not)
    from typer.main import get_command

    group = get_command(app)
    takes = [name for name, command in group.commands.items()
             for param in command.params if "--executor" in getattr(param, "opts", ())]
    assert {"run", "compare", "sweep", "optimize", "sensitivity", "calibrate"} <= set(takes), takes
    for name, command in group.commands.items():
        for param in command.params:
            if "--executor" in getattr(param, "opts", ()):
                assert "Default:" in (param.help or ""), (name, param.help)


def test_a_headline_defined_in_some_replicates_only_says_in_how_many(tmp_path):
    """A mean payback day over the one replicate in six that paid back was printed as
    if it were the program's payback."""
    from simulator.cli import _defined_in

    assert _defined_in("payback_day", 6, 6) == ""
    assert "paid back in 1 of 6 replicates" in _defined_in("payback_day", 1, 6)
    assert "defined in 3 of 10 replicates" in _defined_in("program_k", 3, 10)
    assert "undefined in every replicate" in _defined_in("attributed_roi", 0, 3)   # not 'the mean is over those'
    # a payback that never came is said as that ('payback_day – undefined in every replicate' read as a glitch)
    assert _defined_in("payback_day", 0, 3).strip() == "never paid back within the horizon in any replicate"
    # no program: nothing to pay back (runner sets payback_day NaN there); 'never paid back' read as a failure
    assert _defined_in("payback_day", 0, 3, program=False).strip() == "no program: nothing to pay back"
    done = runner.invoke(app, ["run", str(SCENARIOS / "no-program.yaml"), "--set", "population.size=300", "--set",
                               "days=20", "--replicates", "2", "--baseline", "--executor", "serial",
                               "--out", str(tmp_path / "none")])
    assert done.exit_code == 0 and "no program: nothing to pay back" in done.stdout and "never paid back" not in \
        done.stdout, done.output


def test_a_file_that_leaves_reward_type_or_timing_out_is_told_what_the_default_does(tmp_path):
    """A newcomer's "$50 to the new customer" file without reward_type ran as store
    credit at 40% of face value (value 127,342 against 65,018 as cash), and one without
    timing asked nobody (a third of the value); validate said "valid" and neither the
    console nor report.md said a word. Both are now said, by validate (on stderr, exit
    0), on run's console and in report.md; a file that gives them, as every bundled
    scenario does, gets no note."""
    import yaml

    path = tmp_path / "bonus.yaml"
    path.write_text(yaml.safe_dump({"name": "bonus", "days": 40, "replicates": 1, "population": {"size": 500,
                                    "initial_customers": 20}, "network": {"kind": "erdos_renyi", "mean_degree": 6},
                                    "program": {"incentive": {"kind": "double_sided", "referrer_reward": 0,
                                                              "referee_reward": 50}}}))
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "costing the company 40% of their face value" in checked.stderr and "No customer is ever asked" in checked.stderr
    ran = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert ran.exit_code == 0, ran.output
    assert "note: Rewards are store credit" in ran.stdout and "note: No customer is ever asked" in ran.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Rewards are store credit (`program.incentive.reward_type` is not given" in report
    assert "No customer is ever asked to refer" in report
    given = runner.invoke(app, ["validate", str(path), "--set", "program.incentive.reward_type=cash",
                                "--set", "program.timing.kind=onboarding"])
    assert given.exit_code == 0 and "note:" not in given.stderr, given.output
    assert "note:" not in runner.invoke(app, ["validate", str(SCENARIOS / "default.yaml")]).stderr
    # what stops when a total budget is spent, set where there is none (a monthly allowance alone): it changed nothing,
    # the runs were identical either way, and validate said "valid" with no word
    allowance = ["--set", "program.incentive.reward_type=cash", "--set", "program.timing.kind=onboarding",
                 "--set", "program.incentive.budget_per_month=15"]
    idle = runner.invoke(app, ["validate", str(path), *allowance, "--set", "program.incentive.on_budget_exhausted=end_program"])
    assert idle.exit_code == 0 and ("note: program.incentive.on_budget_exhausted (end_program) changes nothing: it says "
                                    "what stops when a total budget is spent, and the design has none (a spent monthly "
                                    "allowance only pauses") in " ".join(idle.stderr.split()), idle.stderr
    budgeted = runner.invoke(app, ["validate", str(path), *allowance, "--set", "program.incentive.budget=100",
                                   "--set", "program.incentive.on_budget_exhausted=end_program"])
    assert budgeted.exit_code == 0 and "note:" not in budgeted.stderr, budgeted.stderr
    # a sweep or search giving the points a budget: the setting decides what the budget's end stops ("changes
    # nothing" was said of a sweep of budgets whose small one ranked apart under rewards_only and end_program)
    from simulator.report.text import study_default_notes
    from simulator.scenario_io import load_scenario

    base = load_scenario(path, [*allowance[1::2], "program.incentive.on_budget_exhausted=end_program"])
    assert any("changes nothing" in note for note in study_default_notes(base, ["program.base_share"]))
    assert not any("changes nothing" in note for note in study_default_notes(base, ["program.incentive.budget"]))
    # staff mentions are asks of their own: a staff-only program is not told that nobody is asked
    staffed = runner.invoke(app, ["validate", str(path), "--set", "program.staff.touchpoint_rate=0.05"])
    assert staffed.exit_code == 0, staffed.output
    assert "No customer is ever asked" not in staffed.stderr and "staff mentions" in staffed.stderr


def test_the_console_gives_the_payback_days_median_the_report_gives():
    """The console printed the mean payback day (65.2) and report.md the median (66):
    the console now gives the median beside the mean, over the replicates that paid
    back; other metrics get no median."""
    from simulator.cli import _median_day

    runs = pd.DataFrame({"payback_day": [60.0, 66.0, 70.0, float("nan")], "k_factor": [0.1, 0.2, 0.3, 0.4]})
    assert _median_day(runs, "payback_day") == "   median day 66"
    assert _median_day(runs, "k_factor") == ""
    assert _median_day(runs.assign(payback_day=float("nan")), "payback_day") == ""


def test_a_median_day_is_a_day_some_replicate_had():
    """Over an even number of replicates the midpoint of the middle two can be a day none
    had: paybacks on days 1, 1, 1, 74, 74, 83 were reported as "day 38". The median day
    is now the first day by which at least half of them got there (the earlier middle
    one), in the console, the run report's sentence and compare's decision alike."""
    from types import SimpleNamespace

    from simulator.cli import _median_day
    from simulator.compare import _days
    from simulator.metrics import median_day
    from simulator.report.run import headline

    from .conftest import small

    days = [1.0, 74.0, 1.0, 83.0, float("nan"), 74.0, 1.0]
    assert median_day(days) == 1.0                       # three of six by day 1
    assert median_day([60.0, 74.0, 66.0]) == 66.0        # odd count: the middle one
    assert median_day([40.0, 90.0]) == 40.0
    assert math.isnan(median_day([float("nan")])) and math.isnan(median_day([]))
    runs = pd.DataFrame({"payback_day": days, "incremental_value": [10.0, 20, 30, 40, 50, 60, 70]})
    assert _median_day(runs, "payback_day") == "   median day 1"
    assert _days(runs, "payback_day") == (1.0, pytest.approx(6 / 7))
    budgeted = small(program={"incentive": {"kind": "double_sided", "budget": 500}})
    exhausted = runs.assign(budget_exhausted_day=[30.0, 90.0, float("nan"), float("nan"), 31.0, 95.0, float("nan")])
    text = headline(SimpleNamespace(runs=exhausted, scenario=budgeted))[0]
    assert "Its budget ran out on day 31 (median) in 57% of replicates" in text


@pytest.mark.parametrize("values, opens, hedged", [
    ([100.0, 120.0, 110.0], "**The program adds 110", None),
    ([-1740.0, 26576.0], "**The program adds 12,418**", "not distinguishable from no program"),   # the interval holds 0
    ([-500.0, -430.0, -463.0], "**The program loses 464.3**", None),
    ([50.0], "**The program adds 50", "one replicate gives no interval"),   # no spread: no verdict either way
])
def test_the_run_report_says_when_the_value_added_is_not_told_apart_from_zero(values, opens, hedged):
    """The report's headline stated 'The program adds 12,418' on an interval of
    -1,740 to 26,576, and 'adds -464.4' for a loss. One replicate was 'not
    distinguishable from no program with these replicates', a verdict drawn from no
    interval; it now says there is none."""
    from types import SimpleNamespace

    from simulator.report.run import headline

    results = SimpleNamespace(runs=pd.DataFrame({"incremental_value": values}), scenario=SimpleNamespace(days=365))
    text = headline(results)[0]
    assert text.startswith(opens), text
    for hedge in ("not distinguishable from no program", "one replicate gives no interval"):
        assert (hedge in text) == (hedge == hedged), text
    assert "from no program with these replicates" not in text or hedged == "not distinguishable from no program"
    assert "default to 10" not in text   # said of bundled files of 6: the schema's default is no file's count


def test_the_reward_paragraph_says_one_day_and_the_k_note_what_to_compare():
    """'paid 1 days after the friend joins' (dropbox-2008); and the pooled-K note's
    'Set a closed form for K ... against', which meant compare."""
    from simulator.config import Scenario
    from simulator.report.text import reward_weighing

    from .conftest import SCENARIOS
    from simulator.scenario_io import load_scenario

    dropbox = load_scenario(SCENARIOS / "dropbox-2008.yaml")
    assert "paid 1 day after the friend joins" in reward_weighing(dropbox)
    assert "paid 2 days after" in reward_weighing(load_scenario(SCENARIOS / "dropbox-2008.yaml",
                                                                ["program.incentive.qualification_days=2"]))
    from simulator.report.text import pooled_k_note

    summary = pd.DataFrame({"metric": ["k_factor"], "mean": [0.5], "ci_low": [0.45], "ci_high": [0.55]})
    months = pd.DataFrame({"replicate": [0, 1], "customers": [100.0, 300.0], "referrals": [90.0, 210.0]})
    note = pooled_k_note(summary, months)   # 300 referrals over 400 customers: 0.75, outside 0.45-0.55
    assert note.endswith("Compare a closed form for K per customer with 0.75; the mean is what one launch would "
                         "measure."), note
    assert isinstance(dropbox, Scenario)


def test_the_run_report_says_what_the_fake_accounts_cost():
    """The headline names the share of the reward spend that went to fake accounts
    (the mean of fraud_cost over the mean of reward_cost), and says nothing when no
    reward was paid."""
    from types import SimpleNamespace

    from simulator.report.run import headline

    runs = pd.DataFrame({"incremental_value": [100.0, 120.0], "reward_cost": [3000.0, 5000.0], "fraud_cost": [100.0, 60.0]})
    text = headline(SimpleNamespace(runs=runs, scenario=SimpleNamespace(days=365)))[0]
    assert "Rewards cost 4,000 on average, 80.0 of it (2.0%) on fake accounts' claims" in text, text
    unpaid = runs.assign(reward_cost=0.0, fraud_cost=0.0)
    assert "fake accounts" not in headline(SimpleNamespace(runs=unpaid, scenario=SimpleNamespace(days=365)))[0]
    # a share under a tenth of a percent in two figures: 1.33 of 2,949 read '(0.0%)' beside a cost that was not 0
    few = pd.DataFrame({"incremental_value": [100.0, 120.0], "reward_cost": [2949.0, 2949.0], "fraud_cost": [1.33, 1.33]})
    assert "1.33 of it (0.045%) on fake accounts' claims" in headline(SimpleNamespace(runs=few, scenario=SimpleNamespace(
        days=365)))[0]
    tiny = few.assign(reward_cost=1e6, fraud_cost=0.5)   # not '5e-05%'
    assert "0.5 of it (under 0.001%) on fake" in headline(SimpleNamespace(runs=tiny, scenario=SimpleNamespace(days=365)))[0]
    # levers that cost more than the rewards: the program's whole cost too
    levers = runs.assign(program_cost=[30_000.0, 36_000.0])
    assert "the program cost 33,000 (`program_cost`)" in headline(SimpleNamespace(runs=levers, scenario=SimpleNamespace(days=365)))[0]
    assert "program_cost" not in text


def test_the_headline_splits_the_value_into_cash_and_customer_equity():
    """A strategist read 315k of value as money; 86% of it was the worth of customers
    still active at the horizon. The headline now gives both parts, which add up to the
    value: incremental profit, and the rest."""
    from types import SimpleNamespace

    from simulator.report.run import headline

    runs = pd.DataFrame({"incremental_value": [90_000.0, 110_000.0], "incremental_profit": [10_000.0, 20_000.0]})
    text = headline(SimpleNamespace(runs=runs, scenario=SimpleNamespace(days=180)))[0]
    assert ("It splits into 15,000 of cash within the 180 days (incremental profit) and 85,000 of margin the extra "
            "customers still active on day 180") in text, text
    assert "splits into" not in headline(SimpleNamespace(runs=runs[["incremental_value"]], scenario=SimpleNamespace(days=180)))[0]
    assert "still converting on day" not in text  # no pipeline_equity column: nothing to name
    # a sales pipeline still open at the horizon: the leads' part, net of the twin's, is
    # named when it weighs, and the three parts add up to the value
    leads = runs.assign(incremental_pipeline_equity=[20_000.0, 30_000.0], pipeline_equity=[90_000.0, 90_000.0])
    text = headline(SimpleNamespace(runs=leads, scenario=SimpleNamespace(days=180)))[0]
    assert ("It splits into 15,000 of cash within the 180 days (incremental profit), 60,000 of margin the extra "
            "customers still active on day 180 are expected to bring (customer equity, `incremental_equity`), and "
            "25,000 of referrals still converting on day 180 (in a conversion lag or sales pipeline), net of the no-program "
            "twin's (`incremental_pipeline_equity`).") in text, text
    # rewards still owed or beyond the budget are named apart, not inside customer equity (the charge for unpaid
    # rewards read as part of what the customers are worth); the parts still add up: 15,000 + 60,450 + 25,000 - 450
    owing = leads.assign(rewards_owed=[300.0, 500.0], rewards_unpaid=[0.0, 100.0])
    text = headline(SimpleNamespace(runs=owing, scenario=SimpleNamespace(days=180)))[0]
    assert "60,450 of margin the extra customers still active on day 180 are expected to bring (customer equity, `incremental_equity`)" in text
    assert "and 25,000 of referrals still converting" in text and \
        "less 450.0 of rewards still owed or earned beyond the budget for referrals already made." in text, text
    # a loss splits the same way, with no "of it" to contradict its sign
    loss = pd.DataFrame({"incremental_value": [-900_000.0, -1_100_000.0], "incremental_profit": [-1_200_000.0, -1_400_000.0]})
    assert "It splits into -1,300,000 of cash" in headline(SimpleNamespace(runs=loss, scenario=SimpleNamespace(days=180)))[0]
    small_leads = runs.assign(incremental_pipeline_equity=[900.0, 900.0])  # under 1% of the 100,000
    text = headline(SimpleNamespace(runs=small_leads, scenario=SimpleNamespace(days=180)))[0]
    assert "still converting on day" not in text
    # not named apart, it stays inside the equity figure, which says so: 100,000 - 15,000 = 85,000 holds the 900
    # with the column's own figure, 100,000 - 15,000 - 900 (it read as the column's value, which runs.csv gave apart)
    assert ("85,000 of margin the extra customers still active on day 180 are expected to bring (customer equity, "
            "`incremental_equity` 84,100, together with 900.0 of referrals still converting, "
            "`incremental_pipeline_equity`)") in text, text
    # where runs.csv holds the column, its mean is the figure given
    text = headline(SimpleNamespace(runs=small_leads.assign(incremental_equity=[84_000.0, 84_200.0]),
                                    scenario=SimpleNamespace(days=180)))[0]
    assert "`incremental_equity` 84,100, together with 900.0" in text, text
    # below 0 the twin's leads are the larger: said so ("with -114.5 of referrals still converting" read as nonsense)
    text = headline(SimpleNamespace(runs=runs.assign(incremental_pipeline_equity=[-100.0, -129.0]),
                                    scenario=SimpleNamespace(days=180)))[0]
    assert ("(customer equity, `incremental_equity` 85,114, net of 114.5 by which the referrals still converting, net of the rewards "
            "they will trigger, are worth less than the no-program twin's, `incremental_pipeline_equity`)") in text, text
    # named apart (1% of the value or more) it reads the same way, with no double negative ("and -300.0 by which")
    text = headline(SimpleNamespace(runs=runs.assign(incremental_pipeline_equity=[-2_000.0, -4_000.0]),
                                    scenario=SimpleNamespace(days=180)))[0]
    # and taken off the parts, not listed as one more of them ("..., and less 3,000 by which" read oddly)
    assert ("(customer equity, `incremental_equity`), less 3,000 by which the referrals still converting on day 180, net of "
            "the rewards they will trigger, are worth less than the no-program twin's (`incremental_pipeline_equity`)") in text \
        and "and less" not in text, text
    # the design's own leads worth less than their rewards ($150 + $150 in cash; no margin): said, and not blamed on the
    # twin's leads, which were 0 ("by which the twin's referrals still converting outweigh the design's")
    own = runs.assign(incremental_pipeline_equity=[-500.0, -514.8], pipeline_equity=[-500.0, -514.8],
                      incremental_equity=[60_000.0, 110_000.0])
    text = headline(SimpleNamespace(runs=own, scenario=SimpleNamespace(days=180)))[0]
    assert ("85,507 of margin the extra customers still active on day 180 are expected to bring (customer equity, "
            "`incremental_equity`), less 507.4 by which the referrals still converting on day 180") in text, text
    assert "the design's own come to -507.4, `pipeline_equity`: their rewards outweigh what those friends will bring" in text
    # no margin: customer equity exactly the twin's, and the leads' -41.8 was told as customers "worth less than the
    # twin's, as when asks and reminders annoy the existing ones into leaving sooner"
    flat = pd.DataFrame({"incremental_value": [-5_900.0, -6_000.0], "incremental_profit": [-5_000.0, -5_100.0],
                         "incremental_equity": [0.0, 0.0], "incremental_pipeline_equity": [-40.0, -60.0],
                         "pipeline_equity": [-40.0, -60.0], "rewards_owed": [860.0, 840.0]})
    text = headline(SimpleNamespace(runs=flat, scenario=SimpleNamespace(days=365)))[0]
    assert ("It splits into -5,050 of cash within the 365 days (incremental profit), less 50.0 by which the referrals "
            "still converting on day 365") in text and "annoy" not in text and "margin the" not in text, text
    assert text.split("It splits into")[1].count("less 850.0 of rewards still owed") == 1, text


def test_the_reports_say_how_the_model_weighs_the_rewards():
    """A strategist set fraud.share 0.15 and got 8.5% fake signups at a $15 margin and
    12.7% at $8, with the same $20 reward: the reward scale is 3 months of margin. The
    reports now say so, with the closed forms: 1 − e^(−20/45) = 36% of the largest rise
    in sharing, 0.15 · 0.359 / (1 − e^(−1)) = 8.5% fake signups (paid at once: no
    discount for waiting). Paid 30 days later at 0.01 a day, the reward moves people as
    1 / 1.3 = 77% of it would: 1 − e^(−20 · 0.769/45) = 29% of the rise, the same fakes."""
    from simulator.report.text import reward_weighing

    base = small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20, "paid_on": "signup"}},
                 economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
    text = reward_weighing(base)
    assert "reward scale of 45.0 (3 months of the 15.0 monthly margin)" in text, text
    assert "the referrer's 20.0 buys 36% of the largest rise in sharing a reward can give;" in text
    # no margin and no reward_scale: the scale falls back to 1 (behaviour.incentive.scale), which read "1 (3 months of
    # the 0 monthly margin)"; 1 - e^(-20) rounds to 100%
    free = reward_weighing(small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20}},
                                 economics={"monthly_margin": 0.0}))
    assert "reward scale of 1 (the fallback where months of the margin come to 0; give `reward_scale`)" in free, free
    assert "months of the 0" not in free
    # for a business the largest rise is an organisation reward's (weight 1), cash weighs 0.3: 0.3 x 36% = 11%, and the
    # friend is a business too (the sentence said cash and "the friend" to a B2B reader)
    business = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 20,
                                            "paid_on": "signup", "audience": "business", "reward_type": "cash"}},
                     economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
    text_b2b = reward_weighing(business)
    assert "the referrer's 20.0 buys 11% of the largest rise in sharing a reward can give" in text_b2b, text_b2b
    assert "the referred business's 20.0" in text_b2b and "the friend's" not in text_b2b
    # below 10%, two significant figures: the bundled $10 gift card buys 0.3 x (1 - e^(-0.77 x 10 / 450)) = 0.51%,
    # which read "1%" beside the organisation reward's 1.7% read "2%"
    from simulator.report.text import share_text
    from simulator.scenario_io import load_scenario

    assert share_text(0.00509) == "0.51%" and share_text(0.017) == "1.7%" and share_text(0.36) == "36%" and share_text(0) == "0%"
    assert "buys 0.51% of the largest rise" in reward_weighing(load_scenario(SCENARIOS / "b2b-gift-card.yaml"))
    assert "fake accounts make 8.5% of referral signups (`fraud.share` 0.15" in text
    assert "paid" not in text.split(":")[0]
    later = small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20, "qualification_days": 30,
                                         "delay_discount": 0.01}},
                  economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
    text = reward_weighing(later)
    assert ("a reward R buying (1 − e^(−0.77·R/scale)) of its largest effect; paid 30 days after the friend joins "
            "(`qualification_days`), a reward moves people as 77% of it paid at once would (`delay_discount` 0.01 a "
            "day): the referrer's 20.0 buys 29% of the largest rise") in text, text
    assert "fake accounts make 8.5% of referral signups" in text and "while a reward is on offer" not in text
    # a signup once the reward is gone draws no fakes (docs/model.md): under a budget that ran out on day 100 of 365
    # the sentence said 30.0% where the run made 18.8%; it says the share holds while a reward is on offer
    for extra, why in (({"budget": 500}, "a budget runs out"), ({"cap_per_referrer": 1}, "a referrer reaches the cap"),
                       ({"budget_per_month": 50, "budget": 900}, "a budget runs out or a monthly allowance is spent")):
        capped = small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20, **extra}},
                       economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
        assert (f"fake accounts make 8.5% of referral signups while a reward is on offer (a signup after {why} draws "
                f"none") in reward_weighing(capped), reward_weighing(capped)
    # past the cap the friend's reward is still on offer and draws its fakes (docs/model.md: R = the referrer's next
    # reward + the friend's): "draws none" stood beside 14 fakes on 62 such signups. f(10) = 0.15 (1 − e^(−10/45)) /
    # (1 − e^(−1)) = 4.7%
    friend_alone = 0.15 * (1 - math.exp(-10 / 45)) / (1 - math.exp(-1))
    assert f"{friend_alone:.1%}" == "4.7%"
    for extra, said in (({"cap_per_referrer": 1}, "(a signup after a referrer reaches the cap draws 4.7%, for the "
                                                  "friend's reward alone, so a run's share"),
                        ({"cap_per_referrer": 1, "budget": 500}, "(a signup after a budget runs out draws none, and "
                         "one after a referrer reaches the cap draws 4.7%, for the friend's reward alone, so")):
        capped = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 10,
                                              **extra}},
                       economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
        assert said in reward_weighing(capped), reward_weighing(capped)
    # a share below 0.1% past the cap is "under 0.1%", as the whole's is, not "0.0%" (none) nor "0.1%" beside a whole
    # of "under 0.1%": f(10) at share 0.001 is 0.032%
    faint = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 10,
                                         "cap_per_referrer": 1}}, economics={"monthly_margin": 15.0}, fraud={"share": 0.001})
    assert ("fake accounts make under 0.1% of referral signups while a reward is on offer (a signup after a referrer "
            "reaches the cap draws under 0.1%, for the friend's reward alone") in reward_weighing(faint), \
        reward_weighing(faint)
    # the friend's reward too: 1 − e^(−10 · 0.769 / 45) = 16% paid later, 20% at once
    both = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 10,
                                        "qualification_days": 30, "delay_discount": 0.01}},
                 economics={"monthly_margin": 15.0})
    assert "the friend's 10.0 16% of the largest rise in conversion" in reward_weighing(both)
    assert "none here" not in reward_weighing(both)
    # a largest rise of 0 is said: "the friend's 10.0 16% of the largest rise in conversion" read as a reward that
    # moves people beside `referee_max_uplift` 0, and the referrer's likewise beside `max_uplift` 0
    inert = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 10,
                                         "qualification_days": 30, "delay_discount": 0.01, "max_uplift": 0,
                                         "referee_max_uplift": 0}},
                  economics={"monthly_margin": 15.0})
    said = reward_weighing(inert)
    # the referrer's reward's own rise: the friend's reward still raises sharing by up to referee_share_uplift
    assert ("the referrer's 20.0 buys 29% of the largest rise in sharing a reward can give, which is none here for the "
            "referrer's reward (`max_uplift` 0)") in said, said
    assert ("the friend's 10.0 16% of the largest rise in conversion, which is none here for the friend's reward "
            "(`referee_max_uplift` 0)") in said, said
    double = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 30,
                                          "reward_scale": 30, "paid_on": "signup"}})
    text = reward_weighing(double)
    assert "reward scale of 30.0 (`reward_scale`)" in text and "the friend's 30.0 63% of the largest rise in conversion" in text
    # and of the referrer's sharing (docs/model.md: friend_incentive_effect = 1 + referee_share_uplift · (1 − e^(−R_f/scale))
    # · weight): a friend-only reward read "the referrer's 0 buys 0% of the largest rise in sharing", nothing more, beside
    # sharing up by 28%; 1 + 0.5 · (1 − e^(−1)) = 1.32
    assert ("63% of the largest rise in conversion and 63% of the largest rise it gives the referrer's sharing "
            "(`referee_share_uplift` 0.5: sharing ×1.32 over weak ties)") in text, text
    unmoved = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 30,
                                           "reward_scale": 30, "paid_on": "signup", "referee_share_uplift": 0}})
    assert "and nothing of the referrer's sharing (`referee_share_uplift` 0)" in reward_weighing(unmoved)
    assert reward_weighing(small(program={"incentive": {"kind": "none"}})) == ""
    # a reward type the audience values at 0.3 of its face value buys 0.3 of the effect
    gift = small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20, "type_weight": 0.3,
                                        "paid_on": "signup"}},
                 economics={"monthly_margin": 15.0})
    text = reward_weighing(gift)
    assert "weight 0.3 for a credit reward (`type_weight`)" in text and "the referrer's 20.0 buys 11% of the largest rise" in text
    # an organisation reward to a consumer audience (weight 0.3): "an organization reward", not "a organization"
    org = small(program={"incentive": {"kind": "single_sided", "referrer_reward": 20, "reward_type": "organization",
                                       "paid_on": "signup"}})
    assert "weight 0.3 for an organization reward (`reward_type_weights` for a consumer audience)" in reward_weighing(org)
    # a tiered program tier by tier: its first tier alone read "the referrer's 0 (first tier) buys 0%" and "fake
    # accounts make 0.0%", beside 5.9% fakes paid at its $20 tier: 1 − e^(−20/45) = 36%, 0.15 · 0.359 / 0.632 = 8.5%
    tiered = small(program={"incentive": {"kind": "tiered", "paid_on": "signup", "tiers": [
        {"after": 0, "referrer_reward": 0}, {"after": 1, "referrer_reward": 20}]}},
        economics={"monthly_margin": 15.0}, fraud={"share": 0.15})
    text = reward_weighing(tiered)
    assert ("the referrer's tiers buy 0% (0 from referral 1) and 36% (20.0 from referral 2) of the largest rise in "
            "sharing a reward can give") in text, text
    assert "fake accounts make 0.0% to 8.5% (by tier) of referral signups" in text and "first tier" not in text


def test_the_run_report_warns_when_a_sales_pipeline_outlasts_ks_window():
    """With deals closing ~65 days after the referral, K's 30-day window counted almost
    none (k_factor 0.003 on the bundled B2B files): the report says so and what to set.
    The bundled B2B files now set a year's window, and say nothing."""
    from simulator.report.text import k_window_note
    from simulator.scenario_io import load_scenario

    note = k_window_note(load_scenario(SCENARIOS / "b2b-gift-card.yaml", ["k_window_days=30"]))
    assert "about 65 days to close" in note and "30-day window" in note and "A window of a year or more" in note
    for name in ("b2b-gift-card", "b2b-organization", "b2b-account-managers"):
        assert k_window_note(load_scenario(SCENARIOS / f"{name}.yaml")) == "", name
    assert k_window_note(load_scenario(SCENARIOS / "default.yaml")) == ""
    # the ask comes first: b2b-organization's milestone ask about 46 days after joining and its 65-day pipeline read
    # K 25% low at a 180-day window (0.109 against 0.145 at 365), with no note (65 is under half of 180; 46 + 65 is not)
    note = k_window_note(load_scenario(SCENARIOS / "b2b-organization.yaml", ["k_window_days=180"]))
    assert "about 65 days to close here, after an ask about 46 days after joining, against K's 180-day window" in note
    assert "A window of a year or more counts most of them" in note   # 3 x (46 + 65) = 333 days: a year
    # a pipeline three times as long after the same ask: "a year or more" was advised beside a 365-day window, where
    # K read 0.094 at 365 days, 0.117 at 500 and 0.138 at 700; 3 x (46 + 195) = 723, rounded up to whole months
    from simulator.config import PipelineLag

    base = load_scenario(SCENARIOS / "b2b-organization.yaml")
    lag = base.program.conversion_lag
    longer = base.model_copy(update={"program": base.program.model_copy(update={"conversion_lag": lag.model_copy(
        update={"stages": [st.model_copy(update={"mean_days": 3 * st.mean_days}) for st in lag.stages]})})})
    assert isinstance(lag, PipelineLag) and longer.program.conversion_lag.mean_days == pytest.approx(3 * lag.mean_days)
    note = k_window_note(longer)
    assert f"about {3 * lag.mean_days:.0f} days to close" in note and "A window of 750 days or more" in note, note
    # a window the horizon cannot hold leaves K undefined (750 days advised on a 730-day run): a longer horizon is asked
    assert longer.days == 730 and "on a horizon longer than it (`days` 751 or more" in note, note
    year = k_window_note(load_scenario(SCENARIOS / "b2b-organization.yaml", ["k_window_days=180", "days=365"]))
    assert "A window of a year or more on a horizon longer than it (`days` 366 or more" in year, year


def test_the_run_report_says_how_long_asks_wait_for_account_managers():
    """647 of some 1,200 accounts still waited for their ask on day 730 and report.md
    never said so. With program.targeting it gives the queue on an average and the last
    day (means over replicates) and the wait it implies, queue / daily capacity."""
    from simulator.report.text import ask_queue_note

    scenario = small(program={"targeting": {"daily_capacity": 2, "cost_per_ask": 25}})
    series = pd.DataFrame({"replicate": [0, 0, 0, 1, 1, 1], "day": [0, 1, 2, 0, 1, 2], "ask_queue": [0, 10, 20, 0, 30, 40]})
    note = ask_queue_note(scenario, series)
    assert "16.7 customers waited for theirs on an average day and 30.0 on day 2" in note, note
    assert "a wait of about 8 days or more" in note
    assert ask_queue_note(small(), series) == "" and ask_queue_note(scenario, series.assign(ask_queue=0)) == ""
    # a budget that ended the program: averaged over 730 days, 320 of them after the end with nobody queued by
    # construction, the queue read 42 where the program had 76 waiting, and '0 on day 730' read as a queue worked off.
    # Here replicate 0's budget ran out on day 1 (10 waiting, never asked), replicate 1's never did
    budgeted = small(program={"targeting": {"daily_capacity": 2, "cost_per_ask": 25},
                              "incentive": {"kind": "single_sided", "referrer_reward": 10, "budget": 1000}})
    series = series.assign(ask_queue=[0, 10, 0, 0, 30, 40])
    runs = pd.DataFrame({"replicate": [0, 1], "budget_exhausted_day": [1.0, float("nan")]})
    note = ask_queue_note(budgeted, series, runs)
    # days 0-1 of replicate 0 and 0-2 of replicate 1: (0 + 10 + 0 + 30 + 40) / 5
    assert "16.0 customers waited for theirs on an average day while the program asked and 10.0 when its budget " \
           "ended the program (day 1, the median of the 1 replicate where it ran out), who were never asked" in note, note
    # the replicate where it did not run out was left out; and Little's law's wait (queue / daily asks) holds where
    # those queued are asked in the end, not here ('a wait of about 89 days' of a program that asked for 84)
    assert ", and 40.0 on day 2 in the 1 replicate where it did not" in note and "a wait of" not in note, note
    # rewards_only asks on: the queue goes on too, and is read over every day
    asks_on = small(program={"targeting": {"daily_capacity": 2, "cost_per_ask": 25},
                             "incentive": {"kind": "single_sided", "referrer_reward": 10, "budget": 1000,
                                           "on_budget_exhausted": "rewards_only"}})
    assert "13.3 customers waited for theirs on an average day and 20.0 on day 2" in ask_queue_note(asks_on, series, runs)


def test_the_run_report_speaks_of_a_budget_only_when_there_is_one():
    """"Its budget never ran out" was printed for designs that have no budget."""
    from types import SimpleNamespace

    from simulator.report.run import headline

    from .conftest import small

    runs = pd.DataFrame({"incremental_value": [100.0, 120.0], "budget_exhausted_day": [float("nan"), 40.0]})
    unbudgeted = small()
    budgeted = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                            "budget": 500, "paid_on": "signup"}})
    assert "budget" not in headline(SimpleNamespace(runs=runs, scenario=unbudgeted))[0]
    assert "Its budget ran out on day 40 (median) in 50% of replicates" in \
        headline(SimpleNamespace(runs=runs, scenario=budgeted))[0]
    kept = runs.assign(budget_exhausted_day=float("nan"), reward_cost=[20.0, 30.0])
    # and the least budget that would have made the same replicates: above the costliest one's 30
    assert ("Its budget never ran out: the rewards used 5% of it on average and 30.0 in the replicate that spent most: "
            "any budget above that would have made these same replicates, though other seeds can spend more.") in headline(SimpleNamespace(runs=kept, scenario=budgeted))[0]
    # paid on qualification the budget also held what it reserved: the spend is no such bound
    reserving = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                             "budget": 500, "paid_on": "qualification"}})
    assert ("30.0 in the replicate that spent most; paid on qualification a budget also holds the rewards it promised "
            "to friends who left before qualifying and those still owed at the horizon, so one a little above that can "
            "still run out.") in headline(SimpleNamespace(runs=kept, scenario=reserving))[0]
    # a monthly cap alone (no total budget) was reported as a budget that 'never ran out',
    # though the allowance was used up every month: 120 days begin 4 months, 4 x 100 allowed
    capped = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                          "budget_per_month": 100}})
    text = headline(SimpleNamespace(runs=runs.assign(budget_exhausted_day=float("nan"), reward_cost=[380.0, 400.0]),
                                    scenario=capped))[0]
    assert "never ran out" not in text
    assert "Its monthly allowance (100 a month, 400 over the 4 months begun) was 98% used on average" in text
    assert "and those falling due meanwhile, are paid first when it refills" in text
    assert "months of the allowance" not in text   # none owed in these runs
    # what the allowance still owes at the horizon, in months of it: 350 owed at 100 a month
    on_signup = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                             "budget_per_month": 100, "paid_on": "signup"}})
    owing = headline(SimpleNamespace(runs=runs.assign(budget_exhausted_day=float("nan"), reward_cost=[380.0, 400.0],
                                                      rewards_owed=[300.0, 400.0]), scenario=on_signup))[0]
    # discounted to the horizon, so the months are a floor on the time to pay it: 42.2 at $1 a month took 52 months
    # beside the 10 of the 400 allowed left unspent, which carries over: (350 - 10) / 100 = 3.4 months at least
    assert ("At the end 350.0 of rewards were still owed on average (discounted to the horizon; at least 3.4 months of "
            "the allowance to pay, beside the 10.0 of it left unspent): it paces the payments, not the rewards the offer commits to while it is open.") in owing
    assert "within their" not in owing   # paid on signup, what is owed is what the allowance deferred
    # a floor, rounded down: 198.7 owed at 40 a month is 4.97 months, and read "at least 5.0"
    from simulator.report.text import owed_months

    assert owed_months(198.7, 40.0).endswith("at least 4.9 months of the allowance to pay")
    assert owed_months(146.1, 100.0).endswith("at least 1.4 months of the allowance to pay")
    assert owed_months(200.0, 100.0).endswith("at least 2.0 months of the allowance to pay")
    # what the allowance left unspent carries over and pays first: 177.8 owed at 60 a month beside 98.7 unspent read
    # "at least 2.9 months", where (177.8 - 98.7) / 60 = 1.3
    assert owed_months(177.8, 60.0, 98.7).endswith("at least 1.3 months of the allowance to pay, beside the 98.7 of it "
                                                   "left unspent")
    # paid on qualification (the default, 30 days) the rewards of referrals still within their wait are owed with or
    # without the allowance: 101.7 owed was laid at an allowance that never bound, where the design without it owed 103
    owing = headline(SimpleNamespace(runs=runs.assign(budget_exhausted_day=float("nan"), reward_cost=[380.0, 400.0],
                                                      rewards_owed=[300.0, 400.0]), scenario=capped))[0]
    assert ("(discounted to the horizon; at least 3.4 months of the allowance to pay, beside the 10.0 of it left "
            "unspent; paid on qualification, it also "
            "counts the rewards of referrals still within their 30-day wait, which would be owed without the allowance "
            "too)") in owing
    # beside a total budget that ran out in some replicates the allowance was said nowhere in the
    # headline (docs/model.md: the headline gives how much of it was used, and what is owed in months of it)
    both = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                        "budget": 500, "budget_per_month": 100}})
    text = headline(SimpleNamespace(runs=runs.assign(reward_cost=[380.0, 400.0], rewards_owed=[300.0, 400.0]),
                                    scenario=both))[0]
    assert "Its budget ran out on day 40 (median) in 50% of replicates" in text
    assert ("Its monthly allowance (100 a month, 400 over the 4 months begun) was 98% used on average" in text
            and "at least 3.4 months of the allowance to pay, beside the 10.0 of it left unspent" in text), text
    # rewards earned but falling due after the budget ran out are named, with what they cost
    lost = headline(SimpleNamespace(runs=runs.assign(rewards_unpaid=[0.0, 90.0]), scenario=budgeted))[0]
    assert ("In 1 of the 2 replicates, rewards the referrals had earned were beyond the budget (90.0 of company cost "
            "on average there, `rewards_unpaid`") in lost
    assert "the value is charged for them all the same" in lost
    assert "beyond the budget" not in headline(SimpleNamespace(runs=runs.assign(rewards_unpaid=0.0), scenario=budgeted))[0]


@pytest.mark.parametrize("nothing_compiled", [False, True])
def test_the_compile_note_follows_the_cache_not_the_clock(monkeypatch, nothing_compiled):
    """kernel_ready says a compile is under way only when nothing is compiled or cached:
    a slow load of the cached kernel (5-8 s on a busy 2-core machine) once printed the
    note after a 5 s timer, two extra lines on the stderr of a command whose refusal must
    be one line."""
    import io

    from rich.console import Console

    import simulator.kernel as kernel
    from simulator import cli

    loads = []
    monkeypatch.setattr(kernel, "_nothing_compiled", lambda: nothing_compiled)
    monkeypatch.setattr(kernel, "warm_up", lambda: loads.append(1))  # whatever it costs, no timer decides
    console = Console(file=io.StringIO(), width=200)
    monkeypatch.setattr(cli, "err", console)
    cli.kernel_ready()
    lines = console.file.getvalue().splitlines()
    assert loads == [1]
    if nothing_compiled:
        assert len(lines) == 2 and lines[0].startswith("compiling the simulation kernel") and "compiled in" in lines[1]
    else:
        assert lines == []


def test_a_run_with_set_says_so_under_the_files_description_and_the_console_labels_attributed_roi(tmp_path):
    """A strategist priced account managers at $3,000 an ask with --set and read the
    file's description ('2 a day at $25 each') under a 350k loss, and attributed_roi 74
    on the console beneath it. report.md now names the --set items under the
    description, and the console marks attributed_roi as a dashboard's view."""
    result = run(tmp_path / "a")
    report = (tmp_path / "a" / "report.md").read_text()
    assert ("This run changed the scenario with --set: `population.size=1500`, `population.initial_customers=30`, "
            "`days=60`; the description above is the file's own.") in report
    line = next(text for text in result.stdout.splitlines() if text.strip().startswith("attributed_roi"))
    assert line.endswith("a dashboard's view (reward cost only), not a verdict")
    plain = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(tmp_path / "b"), "--replicates", "2"])
    assert plain.exit_code == 0 and "changed the scenario with --set" not in (tmp_path / "b" / "report.md").read_text()


def test_the_acquisition_mix_shows_every_source_of_new_customers(tmp_path, monkeypatch):
    """The plot drew organic and referred customers only: word of mouth (untracked
    invitations), often the largest group, was missing. Its three lines end at the three
    columns' totals (one replicate: no band)."""
    from simulator.report import plots

    frame = pd.DataFrame({"day": range(4), "replicate": 0, "new_organic": [0, 1, 1, 0],
                          "new_referred": [0, 2, 3, 1], "new_word_of_mouth": [0, 4, 5, 6]})
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.acquisition_mix({"design": frame}, tmp_path / "mix.png")
    ends = {line.get_label(): line.get_ydata()[-1] for line in drawn["fig"].axes[0].get_lines()}
    assert ends == {"organic": 2, "referred (tracked link)": 6, "word of mouth (untracked)": 15}
    # in colours no design has: tab:blue and tab:orange were the first two designs' in the folder's other figures
    from matplotlib.colors import to_hex

    tab10 = {to_hex(f"C{i}") for i in range(10)}
    colours = [to_hex(line.get_color()) for line in drawn["fig"].axes[0].get_lines()]
    assert len(set(colours)) == 3 and not set(colours) & tab10, colours


def test_compare_prints_the_notes_on_a_design_files_defaults(tmp_path):
    """docs/scenarios.md says validate, run and compare print a note when a file leaves
    reward_type (or timing) out; compare's console printed none (report.md had them),
    so a store credit costed at 40% of its face value ranked designs without a word
    where the verdict was read. Each design's notes are now printed with its name, and
    so is report.md's note on the assumed sizes the ranking rests on."""
    import yaml

    # every asked customer shares (base_share 1), so the two designs' values differ: with no referral at all they tie,
    # and a tie ranks nothing, resting on no assumption
    base = {"name": "credit", "seed": 3, "days": 30, "replicates": 2, "population": {"size": 300, "initial_customers": 30},
            "network": {"kind": "erdos_renyi", "mean_degree": 6},
            "program": {"base_share": 1, "incentive": {"kind": "single_sided", "referrer_reward": 10, "paid_on": "signup"},
                        "timing": {"kind": "onboarding"}}}
    cash = {**base, "name": "cash", "program": {**base["program"], "incentive": {"kind": "single_sided",
                                                                                   "referrer_reward": 10, "paid_on": "signup",
                                                                                   "reward_type": "cash"}}}
    paths = []
    for data in (base, cash):
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data))
        paths.append(str(path))
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "out"), "--executor", "serial",
                                 "--set", "days=20"])
    assert result.exit_code == 0, result.output
    notes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("note:")]
    assert len(notes) == 2 and notes[1].startswith("note: credit: Rewards are store credit"), result.stdout
    # report.md's "the ranking rests on" (here credit's assumed 40% cost) is on the console too, with its test
    # the compared files are in the command, so that it runs as printed (it stopped on "give a scenario YAML file")
    assert notes[0] == ("note: the ranking rests on sizes the model assumes; test them with refsim sensitivity "
                        f"{paths[0]} {paths[1]} --set days=20 --uncertain program.cost_shares.credit=0.2:1 --replicates 2 --tornado-replicates 2 "
                        "(report.md)"), \
        result.stdout   # with compare's --set: it tested the files' 30-day designs where 20-day ones were compared
    # report.md gives the same command whole: its flags alone, pasted, tested the files' 30-day designs on their seed
    assert (f"Before trusting it, test them with `refsim sensitivity {paths[0]} {paths[1]} --set days=20 --uncertain "
            "program.cost_shares.credit=0.2:1 --replicates 2 --tornado-replicates 2`.") in (tmp_path / "out" / "report.md").read_text()
    # without twins the verdict ranks net_value: the command tested sensitivity's default incremental_value
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "nb"), "--executor", "serial",
                                 "--set", "days=20", "--no-baseline"])
    assert result.exit_code == 0 and "best on net_value" in result.stdout, result.output
    assert "--uncertain program.cost_shares.credit=0.2:1 --metric net_value --replicates 2 --tornado-replicates 2 (report.md)" in result.stdout, result.stdout
    assert ("--uncertain program.cost_shares.credit=0.2:1 --metric net_value --replicates 2 --tornado-replicates 2`."
            in (tmp_path / "nb" / "report.md").read_text())
    # under --seed the study is given it: without, it ran on the first file's seed 3, not the compare's luck
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "seeded"), "--executor", "serial",
                                 "--set", "days=20", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert "--set days=20 --uncertain program.cost_shares.credit=0.2:1 --replicates 2 --tornado-replicates 2 --seed 9 (report.md)" in result.stdout, \
        result.stdout
    # a --set of the key the command varies, within its range, is kept: sensitivity centres its tornado where compare
    # ran the designs (it had been dropped, and the tornado stood at the files' 1)
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "credit"), "--executor", "serial",
                                 "--set", "days=20", "--set", "program.cost_shares.credit=0.5"])
    assert result.exit_code == 0, result.output
    assert (f"test them with refsim sensitivity {paths[0]} {paths[1]} --set days=20 --set program.cost_shares.credit=0.5"
            f" --uncertain program.cost_shares.credit=0.2:1 --replicates 2 --tornado-replicates 2 (report.md)") in result.stdout, \
        result.stdout
    # outside it, the range is widened to hold it (it was left out, and sensitivity centred on the files' 0.4 unsaid)
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "credit-low"), "--executor", "serial",
                                 "--set", "days=20", "--set", "program.cost_shares.credit=0.1"])
    assert result.exit_code == 0, result.output
    assert (f"test them with refsim sensitivity {paths[0]} {paths[1]} --set days=20 --set program.cost_shares.credit=0.1 "
            f"--uncertain program.cost_shares.credit=0.1:1 --replicates 2 --tornado-replicates 2 (report.md)") in result.stdout, \
        result.stdout
    # the block given whole gives the key as its own item, after the block without it (sensitivity refused the block
    # form as a --set of a key it varies); compare's --set replicates is the tornado's count per end (sensitivity
    # refuses --set replicates): the printed command ran as printed
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "credit-block"), "--executor", "serial",
                                 "--set", "days=20", "--set", "program.cost_shares={credit: 0.1, product: 0.3}",
                                 "--set", "replicates=3"])
    assert result.exit_code == 0, result.output
    printed = (f"{paths[0]} {paths[1]} --set days=20 --set 'program.cost_shares={{product: 0.3}}' --set "
               f"program.cost_shares.credit=0.1 --uncertain program.cost_shares.credit=0.1:1 --replicates 3 --tornado-replicates 3")
    assert f"test them with refsim sensitivity {printed} (report.md)" in result.stdout, result.stdout
    result = runner.invoke(app, ["sensitivity", *shlex.split(printed), "--samples", "2", "--trajectories", "2",
                                 "--executor", "serial", "--out", str(tmp_path / "as-printed")])
    assert result.exit_code == 0, result.output
    # its tornado stands where compare ran the designs: the same 3 runs a design, the same values
    tornado = pd.read_csv(tmp_path / "as-printed" / "tornado.csv")
    summary = pd.read_csv(tmp_path / "credit-block" / "summary.csv")
    for design in ("credit", "cash"):
        compared = summary[(summary["scenario"] == design) & (summary["metric"] == "incremental_value")]["mean"].item()
        centre = tornado[(tornado["design"] == design) & (tornado["metric"] == "incremental_value")]["at_base"]
        assert len(centre) and np.allclose(centre, compared, rtol=1e-9), (design, compared, centre)
    # unpaired, each design ran on its own seed: the tornado's centre, on one, had another leader, unsaid
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "unpaired"), "--executor", "serial",
                                 "--set", "days=20", "--unpaired"])
    assert result.exit_code == 0, result.output
    assert ("(compare ran them unpaired, each on its own seed; sensitivity runs them on one, so its figures at the "
            "designs as given are not compare's) (report.md)") in result.stdout, result.stdout
    # the count compare ran, whoever gave it: --replicates (the tornado stood on the files' 2 runs) wins over a --set
    result = runner.invoke(app, ["compare", *paths, "--out", str(tmp_path / "r3"), "--executor", "serial",
                                 "--set", "days=20", "--set", "replicates=4", "--replicates", "3"])
    assert result.exit_code == 0, result.output
    assert "--uncertain program.cost_shares.credit=0.2:1 --replicates 3 --tornado-replicates 3 (report.md)" in result.stdout, \
        result.stdout
    # a file's own share below 0.2 starts the range: 0.2:1 left the file's 0.15 outside, and sensitivity's tornado
    # stood outside the ranges
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump({**base, "name": "own", "program": {**base["program"], "cost_shares": {"credit": 0.15}}}))
    result = runner.invoke(app, ["compare", str(own), str(paths[1]), "--out", str(tmp_path / "own-share"),
                                 "--executor", "serial", "--set", "days=20"])
    assert result.exit_code == 0, result.output
    assert "--uncertain program.cost_shares.credit=0.15:1" in result.stdout, result.stdout
    # designs of other populations, compared unpaired: sensitivity refused the command printed for them
    bigger = tmp_path / "bigger.yaml"
    bigger.write_text(yaml.safe_dump({**cash, "name": "bigger", "population": {"size": 400, "initial_customers": 8}}))
    result = runner.invoke(app, ["compare", paths[0], str(bigger), "--unpaired", "--out", str(tmp_path / "u"),
                                 "--executor", "serial", "--set", "days=20"])
    assert result.exit_code == 0, result.output
    line = next(l for l in result.stdout.splitlines() if "rests on sizes" in l)
    # a command per design, with the ranges it reads: the cash design reads no credit share, and has none
    assert ("rests on sizes the model assumes; refsim sensitivity weighs designs that share population, network, days "
            "and seed, which these do not (bigger: population.size (300 vs 400)), so test each design alone: refsim "
            f"sensitivity {paths[0]} --set days=20 --uncertain program.cost_shares.credit=0.2:1 --replicates 2 "
            "--tornado-replicates 2 (report.md)") in line, line
    # and report.md gives that command whole (its "Test them with" had named the command sensitivity then refused)
    assert ("`refsim sensitivity` weighs designs that share population, network, days and seed, which these do not "
            f"(bigger: population.size (300 vs 400)), so test each design alone: `refsim sensitivity {paths[0]} --set "
            "days=20 --uncertain program.cost_shares.credit=0.2:1 --replicates 2 --tornado-replicates 2`.") in \
        (tmp_path / "u" / "report.md").read_text()


def test_the_console_says_when_a_budget_ran_out_and_what_was_earned_beyond_it():
    """run's console gave the exhaustion day's mean where report.md gives the median, and
    compare's console said nothing of budgets; both now print these lines, with the first and
    last day the runs ran out on (a median of day 56 hid runs that ran out on day 519)."""
    from simulator.cli import _budget_lines

    from .conftest import small

    # paid on signup (paid on qualification: test_paid_on_qualification_unpaid_rewards_are_not_said_to_be_beyond_the_budget)
    budgeted = small(program={"incentive": {"kind": "double_sided", "budget": 500, "paid_on": "signup"}})
    runs = pd.DataFrame({"budget_exhausted_day": [100.0, 101.0, 140.0, float("nan")],
                         "rewards_unpaid": [30.0, 0.0, 60.0, 0.0]})
    assert _budget_lines(runs, budgeted) == [
        f"budget ran out on day 101 (median; days 100–140; 3 of 4 runs); after it the program ended, {ASKS_TOO}",
        "earned rewards beyond the budget: 45.0 on average in 2 of 4 runs (rewards_unpaid, charged to the value)"]
    # a default that ends the asks with the budget is said to be one; a setting the user chose is not
    chosen = small(program={"incentive": {"kind": "double_sided", "budget": 500, "paid_on": "signup",
                                          "on_budget_exhausted": "end_program"}})
    assert _budget_lines(runs, chosen)[0] == ("budget ran out on day 101 (median; days 100–140; 3 of 4 runs); after it the "
                                              "program ended")
    on = small(program={"incentive": {"kind": "double_sided", "budget": 500, "paid_on": "signup",
                                      "on_budget_exhausted": "rewards_only"}})
    assert _budget_lines(runs, on)[0].endswith("after it asks continued unrewarded")
    never = runs.assign(budget_exhausted_day=float("nan"), rewards_unpaid=0.0)
    assert _budget_lines(never, budgeted) == []
    # a monthly allowance has no day it runs out: its use is said (120 days begin 4 months, 4 x 100 allowed)
    capped = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 100}})
    assert _budget_lines(never.assign(reward_cost=[380.0, 400.0, 390.0, 390.0]), capped) == [
        "monthly allowance 100: 98% of the 400 allowed used on average (a spent month pauses the reward until the next)"]
    # and what it still owes at the end, where that is more than a month of it
    assert _budget_lines(never.assign(reward_cost=390.0, rewards_owed=[50.0, 150.0, 250.0, 350.0]), capped) == [
        "monthly allowance 100: 98% of the 400 allowed used on average (a spent month pauses the reward until the "
        "next); 200.0 still owed at the end (discounted to the horizon; at least 1.9 months of the allowance to pay, "
        "beside the 10.0 of it left unspent; paid "
        "on qualification, it also counts the rewards of referrals still within their 30-day wait, which would be owed "
        "without the allowance too; it paces payments, not commitments)"]
    # what the allowance left unspent pays in the next month is no backlog: 85.9 owed beside 264 unspent was said to take
    # 'at least 1.3 months of the allowance to pay', all of it paid in the next 30 days (200 owed: with 300 of 400 spent
    # the next month has 200 to pay it, with 390 spent 110)
    assert "still owed" not in " ".join(_budget_lines(never.assign(reward_cost=300.0, rewards_owed=200.0), capped))
    assert "still owed" in " ".join(_budget_lines(never.assign(reward_cost=390.0, rewards_owed=200.0), capped))
    # paid on signup what is owed is what the allowance deferred: the console, as report.md, says nothing of a wait
    on_signup = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 100, "paid_on": "signup"}})
    assert _budget_lines(never.assign(reward_cost=390.0, rewards_owed=[50.0, 150.0, 250.0, 350.0]), on_signup)[0].endswith(
        "(discounted to the horizon; at least 1.9 months of the allowance to pay, beside the 10.0 of it left unspent; it "
        "paces payments, not commitments)")
    # months begun by the last day, as the budget counts them: 61 days begin 2 (month 1 is days 32-61), not 3
    short = small(days=61, program={"incentive": {"kind": "double_sided", "budget_per_month": 20}})
    assert _budget_lines(never.assign(reward_cost=40.0), short)[0].startswith("monthly allowance 20: 100% of the 40 allowed")


def test_a_payback_on_day_1_is_said_to_be_profit_that_never_fell_below_0():
    """'It pays back from day 1' read as a feat of speed; it means the cumulative
    incremental profit never fell below 0 (rewards paid out of the margin first), in at
    least the half of the replicates the median speaks for."""
    from simulator.report.text import payback_sentence

    assert payback_sentence(1.0, 1.0, 10, 365) == ("It pays back in all 10 replicates: in at least half of them its "
                                                   "cumulative incremental profit never falls below 0 (payback day 1, "
                                                   "the median).")
    # with the replicates' days known: all 12 on day 1 had read "in at least half of them"
    assert "in all 12 replicates: in every one its cumulative" in payback_sentence(1.0, 1.0, 12, 365, 12)
    assert "in all 12 replicates: in 7 of them its cumulative" in payback_sentence(1.0, 1.0, 12, 365, 7)
    # days 1, 50 and two that never paid back: the median over those that did is day 1, which is 1 of 4 replicates,
    # not 'at least half of the replicates'
    from simulator.metrics import median_day

    assert "at least half of those" in payback_sentence(median_day([1.0, 50.0, float("nan"), float("nan")]), 0.5, 4, 365)
    # one run of ten: 'from day 331 (median) in 10% of replicates' read as the program's day
    assert payback_sentence(331.0, 0.1, 10, 365) == ("It pays back in only 1 of 10 replicates, on day 331 (that one); in "
                                                     "the other 9 its cumulative incremental profit is still below 0 on "
                                                     "day 365.")
    # days 115, 116, 168 and 172 of 6: the median of an even count is the earlier middle day, by which half of those
    # 4 (2 of 6) had paid back; "on day 116 (their median)" read as half the replicates
    assert payback_sentence(median_day([115.0, 116.0, 168.0, 172.0, float("nan"), float("nan")]), 4 / 6, 6, 365) == (
        "It pays back in 4 of 6 replicates, half of those by day 116 (their median); in the other 2 its cumulative "
        "incremental profit is still below 0 on day 365.")
    # days 18, 24, 38, 43, 57 and 78: the median is day 38, after which 3 of the 6 are still below 0 ('from then on
    # its cumulative incremental profit stays ≥ 0' was said of it)
    assert payback_sentence(median_day([18.0, 24.0, 38.0, 43.0, 57.0, 78.0]), 1.0, 6, 90) == (
        "It pays back in all 6 replicates, half of them by day 38 (the median): from its own payback day each "
        "replicate's cumulative incremental profit stays ≥ 0.")
    assert payback_sentence(39.0, 1.0, 1, 90) == ("It pays back in its one replicate, on day 39: from then on its "
                                                  "cumulative incremental profit stays ≥ 0.")
    # 9 of 10 paid back, every one of them on day 1: 'in at least half of those' understated it
    assert "in 9 of 10 replicates: in every one of those its cumulative" in payback_sentence(1.0, 0.9, 10, 365, 9)
    assert "in 9 of 10 replicates: in 6 of those its cumulative" in payback_sentence(1.0, 0.9, 10, 365, 6)
    # days 1 (8 runs), 44, 44, 45, 45 and 8 that never paid back, over 45 days: "in 8 of those ... (payback day 1,
    # their median); in the other 8 ... still below 0" read as 8 + 8 of the 12, the 4 later ones unsaid
    assert payback_sentence(1.0, 12 / 20, 20, 45, 8) == (
        "It pays back in 12 of 20 replicates: in 8 of those its cumulative incremental profit never falls below 0 "
        "(payback day 1, their median), in 4 more later; in the 8 that do not, its cumulative incremental profit is "
        "still below 0 on day 45.")
    assert "in the 1 that does not, its cumulative" in payback_sentence(1.0, 11 / 12, 12, 45, 8)
    # all 12 paid back, 10 on day 1 and two on days 52 and 67: those two were left unsaid
    assert payback_sentence(1.0, 1.0, 12, 90, 10) == (
        "It pays back in all 12 replicates: in 10 of them its cumulative incremental profit never falls below 0 "
        "(payback day 1, the median), the other 2 later.")


def test_the_payback_day_is_said_to_count_rewards_when_paid():
    """Paid at 364 days instead of 30, the same referrals 'paid back on day 1' with 1,320
    of rewards owed and nothing said; a tighter budget moved payback from day 130 to 59.
    When the rewards still to pay or beyond the budget reach a tenth of those paid, the
    reports say the payback day is on cash and the value counts them."""
    from simulator.report.text import cash_basis_note

    runs = pd.DataFrame({"reward_cost": [0.0, 0.0], "rewards_owed": [1300.0, 1340.0], "rewards_unpaid": [0.0, 0.0]})
    note = cash_basis_note(runs)
    assert "1,320 of rewards the referrals had earned were still to pay at the horizon (nothing had been paid)" in note
    assert "So paying rewards later makes the payback day earlier with the same referrals" in note
    assert "not a better program: compare designs on the value" in note and "budget" not in note
    capped = pd.DataFrame({"reward_cost": [200.0], "rewards_owed": [0.0], "rewards_unpaid": [275.0]})
    assert "were beyond the budget at the horizon (138% of the 200.0 paid). So paying rewards later or a tighter " \
        "budget makes" in cash_basis_note(capped)
    assert cash_basis_note(pd.DataFrame({"reward_cost": [3000.0], "rewards_owed": [250.0], "rewards_unpaid": [0.0]})) == ""


def test_the_reports_warn_when_a_design_asks_late_against_ks_window():
    """K counts the referrals made within k_window_days of joining: a milestone ask on day
    30 read program_k 0.03 at a 29-day window and 0.23 at 45 while the value did not move,
    so program_k's ranking followed the window. The reports now say so for a design whose
    first ask comes at half the window or later, or whose last reminder comes past it."""
    from simulator.report.text import ask_window_note
    from simulator.scenario_io import load_scenario

    from .conftest import small

    import numpy as np

    from simulator.behaviour.timing import first_ask_day

    # the days the notes name are those the engine files: a geometric milestone of delay_days 30 has a mean wait
    # of 31 days (reached by reach_share only), onboarding's delay 3 asks 4 days after joining, a fixed one on day 30
    milestone = small(program={"timing": {"kind": "milestone", "delay_days": 30}})
    waits = first_ask_day(milestone.program.timing, 0, 200_000, np.random.default_rng(1))
    assert abs(waits[waits >= 0].mean() - 31) < 0.2 and abs((waits >= 0).mean() - 0.6) < 0.01
    note = ask_window_note(milestone, "milestone")
    assert note.startswith("**milestone** asks at a success milestone reached on average 31 days after joining "
                           "(by 60% of the customers who stay that long)") and "30-day window" in note, note
    fixed = small(program={"timing": {"kind": "milestone", "delay_days": 30, "schedule": "fixed", "reach_share": 1}})
    assert set(first_ask_day(fixed.program.timing, 0, 10, np.random.default_rng(1))) == {30}
    assert "at a success milestone on day 30 after joining (reached by 100% of the customers who stay that long)" in ask_window_note(fixed)
    monthly = small(program={"timing": {"kind": "onboarding", "delay_days": 3,
                                        "reminders": {"count": 3, "interval_days": 30}}})
    assert set(first_ask_day(monthly.program.timing, 0, 10, np.random.default_rng(1))) == {4}
    assert "on day 4 after joining, its last reminder on day 94" in ask_window_note(monthly)
    # reminders the horizon has no room for are never sent: a 3,650-day reminder of a 365-day run read "its last
    # reminder on day 3651, K reads low for it", with K the same as without it; a 65-day run has room for two
    # reminders 30 days apart (days 31 and 61 after a day-1 ask), so its last is on day 4 + 60
    never = small(days=365, program={"timing": {"kind": "at_purchase", "reminders": {"count": 1, "interval_days": 3650}}})
    assert never.days == 365 and ask_window_note(never) == ""
    assert "its last reminder on day 64" in ask_window_note(monthly.model_copy(update={"days": 65}))
    assert ask_window_note(load_scenario(SCENARIOS / "default.yaml")) == ""           # day 3, reminder on day 10
    assert ask_window_note(small(k_window_days=60, program={"timing": {"kind": "milestone", "delay_days": 25}})) == ""
    assert ask_window_note(load_scenario(SCENARIOS / "no-program.yaml")) == ""


def test_a_campaign_whose_pushes_come_far_apart_is_said_to_ask_late_against_ks_window():
    """Pushes 90 days apart ask the average joiner about 45 days in: K (30-day window) read
    0.079 for such a campaign against 0.258 at purchase, "sure at 95%" worse, and 0.323
    against 0.373 at a 100-day window, with no word in either report (late_asks said
    nothing of campaigns). The mean wait is checked against a count over join days."""
    import numpy as np

    from simulator.behaviour.timing import campaign_wait, late_asks
    from simulator.report.text import ask_window_note, k_plot_note

    from .conftest import small

    pushes = [30, 120, 210, 300, 358]
    timing = {"kind": "campaign", "days": pushes}
    # a customer joining on day t (0 <= t < 358) waits for the first push after t
    brute = np.mean([min(d for d in pushes if d > t) - t for t in range(pushes[-1])])
    spread = small(days=365, program={"timing": timing})
    assert abs(campaign_wait(spread.program.timing) - brute) <= 1   # 39.9 against 40.4
    note = ask_window_note(spread, "campaign")
    assert note.startswith("**campaign** asks on its campaign's days (30, 120, 210, 300, 358), so a customer who joins "
                           "before its last push waits about 40 days for the first ask on average, against K's 30-day "
                           "window"), note
    assert k_plot_note(spread).startswith("K reads low here")
    # pushes past a horizon ask nobody in the run (a shorter one given to late_asks); a weekly campaign asks within days
    assert late_asks(spread.program.timing, 30, days=100) == (15, 15)   # day 30 alone: 900 / 60
    weekly = small(days=365, program={"timing": {"kind": "campaign", "days": list(range(7, 365, 7))}})
    assert ask_window_note(weekly) == "" and late_asks(weekly.program.timing, 30, 365) is None
    reminded = small(days=365, program={"timing": {"kind": "campaign", "days": list(range(7, 365, 7)),
                                                   "reminders": {"count": 1, "interval_days": 30}}})
    assert "and its last reminder comes 30 days after a push" in ask_window_note(reminded)


def test_the_k_plot_says_when_k_reads_low_by_construction():
    """A milestone ask on day 30 against K's 30-day window reads K near 0 by construction:
    the report said so, the k_by_month plot, read alone, did not. Its caption now does;
    an ask at onboarding gets none."""
    from simulator.report.text import k_plot_note

    from .conftest import small

    late = small(program={"timing": {"kind": "milestone", "delay_days": 30}})
    assert k_plot_note(late) == ("K reads low here: it counts referrals made within 30 days of joining, and this design "
                                 "asks later")
    assert k_plot_note(small()) == ""
    # a sales pipeline whose ask's wait and close together reach half the window: "referred deals take longer to
    # close" was untrue of b2b-organization's 65-day pipeline beside a 180-day window
    from simulator.scenario_io import load_scenario

    b2b = load_scenario(SCENARIOS / "b2b-organization.yaml", ["k_window_days=180"])
    assert k_plot_note(b2b) == ("K reads low here: it counts deals closed within 180 days of joining, and the ask's wait "
                                "and the pipeline together take about half of that or more"), k_plot_note(b2b)


def test_one_replicate_says_once_that_it_has_no_interval(tmp_path):
    """A run of one replicate printed '95% CI – – –' on every headline line, which read as
    a glitch; it now says once that one replicate gives no interval, and two print theirs."""
    once = run(tmp_path / "one", "--replicates", "1").stdout
    assert "CI – –" not in once and once.count("one replicate gives no interval (run --replicates 2 or more") == 1
    assert "  customers_final" in once
    twice = run(tmp_path / "two").stdout
    assert "one replicate gives no interval" not in twice and "customers_final" in twice and "95% CI" in twice


def test_the_summary_table_says_in_how_many_runs_a_metric_is_defined():
    """A budget that ran out in 3 of 6 runs: its day's mean is over those 3, and the
    report's summary table said nothing of it (compare's table did)."""
    from simulator.report.text import summary_table

    summary = pd.DataFrame([
        {"metric": "customers_final", "mean": 350.0, "ci_low": 300.0, "ci_high": 400.0, "p2_5": 290.0, "p97_5": 480.0, "n": 6},
        {"metric": "budget_exhausted_day", "mean": 256.7, "ci_low": 184.9, "ci_high": 328.4, "p2_5": 239.0, "p97_5": 287.0, "n": 3},
    ])
    rows = {line.split(" | ")[0].strip("| "): line for line in summary_table(summary, 365, 6).splitlines()[2:]}
    assert "(3 of 6 runs)" in rows["budget_exhausted_day"] and "runs)" not in rows["customers_final"]
    # K's meaning gives the scenario's window (365 days in the B2B files, read as the default 30)
    k = pd.DataFrame([{"metric": "k_factor", "mean": 0.14, "ci_low": 0.1, "ci_high": 0.2, "p2_5": 0.1, "p97_5": 0.2, "n": 6}])
    assert "made within 365 days (`k_window_days`) of joining" in summary_table(k, 730, 6, 365)


def test_the_run_report_gives_incremental_roi_and_cac_as_ratios_of_the_means():
    """The summary's incremental CAC is a mean of each run's ratio: a run where the
    program added fewer customers than its twin has none and dropped out of the mean
    (31.2 over 5 of 6 runs). The report also gives both over every run together: by
    hand, a cost of (50 + 0 + 0) and (50 + 10 + 0), mean 55; value mean 200, so ROI
    200 / 55 = 3.64; extra customers mean (−3 + 10) / 2 = 3.5, so CAC 55 / 3.5 = 15.7."""
    from simulator.report.text import ratio_of_means_note

    runs = pd.DataFrame({"incremental_value": [100.0, 300.0], "incremental_customers": [-3.0, 10.0],
                         "program_cost": [50.0, 50.0], "rewards_owed": [0.0, 10.0], "rewards_unpaid": [0.0, 0.0],
                         "incremental_cac": [float("nan"), 6.0]})
    assert ratio_of_means_note(runs) == (
        "The summary's incremental ROI and CAC are means of each run's ratio; CAC leaves out the 1 run where the program "
        "added no customer or lost some. Over all 2 runs together (ratios of the means): incremental ROI 3.64 (mean value 200.0 over "
        "mean cost 55.0); incremental CAC 15.7 (mean cost over 3.5 extra customers). A run that adds few customers "
        "gives a large CAC, so the runs' CACs (and `ltv_ratio`s) are skewed: their mean's interval is too narrow, mostly "
        "too low (docs/model.md measures it), and the ratio of the means is the steadier figure.")
    fewer = runs.assign(incremental_customers=[-3.0, 1.0])
    assert "no incremental CAC: on average the program adds no customers (-1)" in ratio_of_means_note(fewer)
    assert ratio_of_means_note(runs.drop(columns="incremental_customers")) == ""   # no twins: nothing to say
    # one run: its ratios are the summary's, and it has no interval to be too narrow ('over all 1 runs together')
    assert ratio_of_means_note(runs.iloc[1:]) == ""


def test_the_console_says_why_k_is_undefined_when_no_window_closed_by_the_horizon(tmp_path):
    """A 365-day window on a 365-day run: 'k_factor – undefined in every replicate' with
    no reason, where the sweep report gave one. The console now says it: no customer's
    window closed by the horizon."""
    result = run(tmp_path / "k", "--set", "k_window_days=60")
    line = next(l for l in result.stdout.splitlines() if l.strip().startswith("k_factor"))
    assert "undefined in every replicate: K counts the customers whose 60-day window" in line
    assert "with 60 days none did: give at least 61 days or a shorter window" in line


def test_a_block_given_whole_says_which_of_the_files_keys_it_drops(tmp_path):
    """`--set "churn={monthly_rate: 0.4}"` on b2b-organization gives the churn block whole,
    dropping its annual contracts (`renewal`), and nothing said so (docs/model.md's own
    example did it by mistake). The console and report.md now name what goes back to the
    default, which the manifest's resolved scenario confirms; a block whole that keeps
    every key of the file's, or one of another kind (another network), is not noted."""
    from simulator.scenario_io import replaced_blocks

    out = tmp_path / "b"
    done = runner.invoke(app, ["run", str(SCENARIOS / "b2b-organization.yaml"), "--out", str(out), "-r", "1",
                               "--set", "days=60", "--set", "churn={monthly_rate: 0.4}"])
    assert done.exit_code == 0, done.output
    said = ("churn={monthly_rate: 0.4} gives b2b-organization's churn block whole: its renewal: {every_days: 365, "
            "notice_days: 60} goes back to the default; set churn.KEY=... for each key instead to keep it")
    assert said in " ".join(done.output.split())
    assert "`churn` block whole: its renewal:" in (out / "report.md").read_text()
    resolved = json.loads((out / "manifest.json").read_text())["scenarios"][0]["churn"]
    assert resolved["monthly_rate"] == 0.4 and resolved["renewal"] is None   # the contracts are gone, as said
    path = SCENARIOS / "b2b-organization.yaml"
    assert replaced_blocks(path, "b", ["churn={monthly_rate: 0.4, renewal: {every_days: 365, notice_days: 60}}"]) == []
    assert replaced_blocks(path, "b", ["churn.monthly_rate=0.4"]) == []
    assert replaced_blocks(SCENARIOS / "default.yaml", "d", ["network={kind: ring, degree: 4}"]) == []
    # validate, where a --set is checked before a long run, says it too (it said only "valid")
    checked = runner.invoke(app, ["validate", str(path), "--set", "churn.renewal={every_days: 180}"])
    assert checked.exit_code == 0 and ("churn.renewal={every_days: 180} gives b2b-organization's churn.renewal block "
                                       "whole: its notice_days: 60 goes back to the default") in " ".join(checked.stderr.split())
    # a sweep value that gives a block whole is applied as a --set is: it said nothing, and a point ran at the default
    # monthly churn of 0.05 where the file has 0.015
    from simulator.report.sweep import sweep_replaced_notes
    from simulator.sweep_spec import load_sweep

    sweep_file = tmp_path / "churn-sweep.yaml"
    sweep_file.write_text(f"base: {path}\nmethod: grid\nreplicates: 1\nparameters:\n"
                          "  churn: {values: [{renewal: {every_days: 180}}, {monthly_rate: 0.02, renewal: {every_days: 365, "
                          "notice_days: 60}}]}\n")
    notes = sweep_replaced_notes(load_sweep(sweep_file))
    assert notes == ["`churn={renewal: {every_days: 180}}` gives b2b-organization's `churn` block whole: its "
                     "monthly_rate: 0.015, renewal.notice_days: 60 go back to the defaults; set `churn.KEY=...` for each "
                     "key instead to keep them (a value of `parameters.churn`)"], notes
    # keys a later --set gives back are not said to be lost; those still at their defaults are
    restored = runner.invoke(app, ["validate", str(path), "--set", "churn={renewal: {every_days: 180}}",
                                   "--set", "churn.monthly_rate=0.015", "--set", "churn.renewal.notice_days=60"])
    assert restored.exit_code == 0 and "block whole" not in restored.stderr, restored.stderr
    partly = runner.invoke(app, ["validate", str(path), "--set", "churn={renewal: {every_days: 180}}",
                                 "--set", "churn.monthly_rate=0.015"])
    assert "its renewal.notice_days: 60 goes back to the default" in " ".join(partly.stderr.split()), partly.stderr
    assert "monthly_rate: 0.015" not in partly.stderr
    # a nested block given in part loses its other keys too: renewal's notice_days (60 in the file) went to 30 unsaid
    assert replaced_blocks(path, "b", ["churn={monthly_rate: 0.015, renewal: {every_days: 180}}"]) == [
        "`churn={monthly_rate: 0.015, renewal: {every_days: 180}}` gives b's `churn` block whole: its "
        "renewal.notice_days: 60 goes back to the default; set `churn.KEY=...` for each key instead to keep it"]


def test_a_budget_on_its_way_out_at_the_horizon_is_said_to_rest_on_it(tmp_path):
    """budget-400 "tied" with the same design without a budget at 120 days, 46% of it
    committed, and was worse, sure at 95%, at 365 days, its budget gone on days 162-297:
    the asks its end stops were not seen, and nothing said so. Where a total budget has
    not run out but a third or more of it is committed (reward_cost + rewards_owed, from
    runs.csv here), the console and report.md say when it runs out at that pace."""
    from types import SimpleNamespace

    from simulator.report.text import budget_pace_note

    out = tmp_path / "b"
    result = run(out, "--set", "program.incentive.budget=300", "--set", "days=120", "--replicates", "3")
    runs = pd.read_csv(out / "runs.csv")
    lasting = runs[runs["budget_exhausted_day"].isna()]
    share = float((lasting["reward_cost"] + lasting["rewards_owed"]).mean()) / 300
    assert len(lasting) and share >= 1 / 3, (len(lasting), share)   # the case this test is about (seeded)
    said = (f"had not run out by day 120 in {len(lasting)} of 3 runs, but {share:.0%} of it is committed there (rewards "
            f"paid and owed): at that pace it runs out around day {120 / share:,.0f}")
    assert said in " ".join(result.stdout.split()), result.stdout
    report = " ".join((out / "report.md").read_text().split())
    assert said in report and "Its value here rests on the 120-day horizon" in report
    # under a third committed, or no budget, or run out in every run: nothing to say
    scenario = SimpleNamespace(days=120, program=SimpleNamespace(incentive=SimpleNamespace(
        budget=400.0, on_budget_exhausted="end_program"), timing=SimpleNamespace(kind="at_purchase")))
    few = pd.DataFrame({"budget_exhausted_day": [np.nan] * 2, "reward_cost": [100.0, 120.0], "rewards_owed": [10.0, 0.0]})
    assert budget_pace_note(scenario, few) == ""   # 115 of 400: 29%
    assert "runs out around day 240" in budget_pace_note(scenario, few.assign(reward_cost=[200.0, 190.0]))   # 50%
    assert budget_pace_note(scenario, few.assign(budget_exhausted_day=[50.0, 60.0], reward_cost=[400.0] * 2)) == ""
    # a campaign whose last ask came before the horizon: the budget's end stops its rewards, not asks it no longer
    # makes ("the asks its end stops" stood beside "its asks had ended on day 97")
    campaign = SimpleNamespace(days=120, program=SimpleNamespace(
        incentive=scenario.program.incentive, targeting=None,
        timing=SimpleNamespace(kind="campaign", days=[10, 40], reminders=SimpleNamespace(count=1, interval_days=7))))
    said = budget_pace_note(campaign, few.assign(reward_cost=[200.0, 190.0]))
    assert "the rewards its end stops (the campaign's last planned ask is on day 47)" in said and "the asks" not in said, said
    # its reminders beyond the horizon are still its plan (day 95's note named day 90 where a reminder comes on day 97);
    # a plan asking after the day the budget runs out at this pace (240) has asks for its end to stop
    late = SimpleNamespace(days=120, program=SimpleNamespace(
        incentive=scenario.program.incentive, targeting=None,
        timing=SimpleNamespace(kind="campaign", days=[10, 115], reminders=SimpleNamespace(count=1, interval_days=7))))
    assert "(the campaign's last planned ask is on day 122)" in budget_pace_note(late, few.assign(reward_cost=[200.0, 190.0]))
    later = SimpleNamespace(days=120, program=SimpleNamespace(
        incentive=scenario.program.incentive, targeting=None,
        timing=SimpleNamespace(kind="campaign", days=[10, 300], reminders=SimpleNamespace(count=0, interval_days=7))))
    assert "the asks its end stops" in budget_pace_note(later, few.assign(reward_cost=[200.0, 190.0]))


def test_k_defined_in_some_replicates_says_nobody_joined_in_the_closed_days(tmp_path):
    """A 31-day run with a 30-day window: K counts only day 1's joiners, and 'k_factor
    defined in 1 of 3 replicates' gave no why. The console and report.md now say which
    join days K counts and in how many replicates nobody joined then, which the
    timeseries confirms (no join on day 1 exactly where K is undefined)."""
    out = tmp_path / "k31"
    result = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(out), "--set", "days=31",
                                 "--replicates", "3", "--workers", "1"])
    assert result.exit_code == 0, result.stderr + result.stdout
    runs = pd.read_csv(out / "runs.csv").set_index("replicate")
    series = pd.read_csv(out / "timeseries.csv")
    day1 = series[series["day"] == 1].set_index("replicate")
    joined = day1[["new_organic", "new_referred", "new_word_of_mouth", "new_fraud"]].sum(axis=1)
    undefined = runs["k_factor"].isna()
    assert 0 < undefined.sum() < len(runs)   # the case this test is about (seeded: replicates 0 and 2 had no joiner)
    assert ((joined == 0) == undefined).all()
    said = (f"K counts the customers who joined on day 1, whose 30-day window (k_window_days) closed by the horizon; "
            f"in {undefined.sum()} of 3 replicates nobody joined then")
    line = next(l for l in result.stdout.splitlines() if l.strip().startswith("k_factor"))
    assert said in line
    assert said.replace("(k_window_days)", "(`k_window_days`)") in (out / "report.md").read_text()


def test_the_console_says_k_reads_low_where_deals_close_or_asks_come_after_its_window(tmp_path):
    """b2b-gift-card's deals take about 65 days to close after a milestone ask about 46
    days after joining: with a 60-day window its K read 0 on the console with no word,
    where report.md said why (k_window_note, ask_window_note). The console now says both;
    a default run, which asks at purchase with no pipeline, gets neither."""
    result = runner.invoke(app, ["run", str(SCENARIOS / "b2b-gift-card.yaml"), "--out", str(tmp_path / "b"),
                                 "--replicates", "1", "--set", "population.size=300", "--set", "days=130",
                                 "--set", "k_window_days=60"])
    assert result.exit_code == 0, result.output
    notes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("note: ")]
    assert any(n.startswith("note: Referred deals take about 65 days to close here, after an ask about") for n in notes)
    assert any(n.startswith("note: The design asks at a success milestone") and "K's 60-day window" in n
               for n in notes)
    assert not any("`" in n or "**" in n for n in notes)
    report = (tmp_path / "b" / "report.md").read_text()
    assert "Referred deals take about 65 days to close here" in report   # the same sentence report.md gives
    plain = run(tmp_path / "d")
    assert "K's window" not in plain.stdout


def test_the_console_names_a_value_that_rests_on_referred_loyalty_and_the_command_tests_it(tmp_path):
    """In a market that adopts on its own (organic_rate 0.03) the double-sided credit adds
    value with no more customers than its twin: report.md said that value rests on
    referred customers' assumed loyalty, with the ranges that test it; the console said
    nothing, and compare's printed sensitivity command left those ranges out. Both now
    carry them, where runs.csv shows value above 0 with no customer added."""
    import pandas as pd

    # seed 3: value above 0 with fewer customers than the twin on average (-2.75 of 4 replicates)
    shrink = ["--set", "population.size=1500", "--set", "days=120", "--set", "acquisition.organic_rate=0.03",
              "--replicates", "4", "--seed", "3"]
    done = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(tmp_path / "r"), *shrink])
    assert done.exit_code == 0, done.output
    runs = pd.read_csv(tmp_path / "r" / "runs.csv")
    assert runs["incremental_value"].mean() > 0 and runs["incremental_customers"].mean() <= 0   # the case
    assert "note: The program adds value (" in done.stdout and "churn.referred_hazard_ratio=0.74:1" in done.stdout
    compared = runner.invoke(app, ["compare", str(SCENARIOS / "default.yaml"), str(SCENARIOS / "single-sided-cash.yaml"),
                                   "--out", str(tmp_path / "c"), *shrink])
    assert compared.exit_code == 0, compared.output
    lines = compared.stdout.splitlines()
    assert any(line.strip().startswith("note: default-double-sided-credit adds value (") for line in lines)
    command = next(line for line in lines if "the ranking rests on sizes the model assumes" in line)
    assert ("--uncertain churn.referred_hazard_ratio=0.74:1 --uncertain economics.referred_margin_premium=0:0.05"
            in command), command
    assert command.count("--uncertain churn.referred_hazard_ratio") == 1
    report = (tmp_path / "c" / "report.md").read_text()
    assert "--uncertain churn.referred_hazard_ratio=0.74:1 --uncertain economics.referred_margin_premium=0:0.05" in report
    # a run that adds customers gets neither
    plain = run(tmp_path / "d")
    assert "adds value" not in plain.stdout


def test_a_manifest_made_on_the_numpy_path_names_it_in_the_command_typed_again(tmp_path, monkeypatch):
    """Under REFSIM_ENGINE=numpy the manifest's command left the variable out: typed again
    it ran on the kernel, which draws otherwise for one seed, and gave other numbers
    (1,663 against 1,040) with no word. It now begins with the assignment, as a shell
    takes it; the default path's command has none."""
    from simulator.provenance import runnable_command

    argv = ["/x/simulator/__main__.py", "run", "a.yaml", "--seed", "5"]
    assert runnable_command(argv) == ["python", "-m", "simulator", "run", "a.yaml", "--seed", "5"]
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    assert runnable_command(argv) == ["REFSIM_ENGINE=numpy", "python", "-m", "simulator", "run", "a.yaml", "--seed", "5"]
    assert runnable_command(["/usr/bin/refsim", "sweep", "s.yaml"])[:2] == ["REFSIM_ENGINE=numpy", "refsim"]
    assert runnable_command(["-c"], api=True) is None
    run(tmp_path / "n", "--seed", "5", "--replicates", "1")
    assert json.loads((tmp_path / "n" / "manifest.json").read_text())["command"][0] == "REFSIM_ENGINE=numpy"
    monkeypatch.setenv("REFSIM_ENGINE", "kernel")   # the kernel's path is the default's: nothing to add
    assert runnable_command(argv)[0] == "python"
    monkeypatch.delenv("REFSIM_ENGINE")
    run(tmp_path / "k", "--seed", "5", "--replicates", "1")
    # why it is said: the same command on the default path gives other numbers
    assert (tmp_path / "k" / "runs.csv").read_bytes() != (tmp_path / "n" / "runs.csv").read_bytes()


def test_a_key_the_scenarios_other_choices_never_read_is_noted():
    """`exponent` on a geometric configuration network and a `cascade` block beside the
    degree strategy were "valid" with no word (a key of another network kind is refused):
    a user tuning either believed they had changed the model. validate (and every report,
    through default_notes) now says they are never read; where they are read, nothing."""
    from simulator.report.text import default_notes, unread_keys_note
    from simulator.scenario_io import load_scenario

    sets = ["network={kind: configuration, degree_distribution: geometric, mean_degree: 10, exponent: 4.5}",
            "population.initial_customers={count: 3, strategy: degree, cascade: {samples: 5}}"]
    done = runner.invoke(app, ["validate", str(SCENARIOS / "default.yaml"), *[x for s in sets for x in ("--set", s)]])
    assert done.exit_code == 0, done.output
    assert ("note: Given but never read: network.exponent (4.5) is read only by degree_distribution: powerlaw (here "
            "geometric); population.initial_customers.cascade is read only by strategy: influence (here degree), so "
            "they change nothing here.") in done.output, done.output
    scenario = load_scenario(SCENARIOS / "default.yaml", sets[:1])
    assert unread_keys_note(scenario) in default_notes(scenario)
    read = load_scenario(SCENARIOS / "default.yaml", [
        "network={kind: configuration, degree_distribution: powerlaw, mean_degree: 10, exponent: 3}",
        "population.initial_customers={count: 3, strategy: influence, cascade: {samples: 5}}",
        "program.influencers={count: 2, strategy: degree}"])
    assert unread_keys_note(read) == ""   # read where given; an influencers block without a cascade says nothing
    # a key written at its default changes nothing either way: validate --show writes every key out, and its file
    # read back was told of keys nobody set
    shown = load_scenario(SCENARIOS / "default.yaml", [
        "network={kind: configuration, degree_distribution: poisson, mean_degree: 10, exponent: 2.5}",
        "population.initial_customers={count: 3, strategy: degree, cascade: {}}"])
    assert unread_keys_note(shown) == ""
    # a study that varies what decides it (the degree family, the seeding strategy) is not told they are never read
    from simulator.report.text import study_default_notes

    both = load_scenario(SCENARIOS / "default.yaml", sets)
    assert "Given but never read" not in " ".join(study_default_notes(
        both, ["network.degree_distribution", "population.initial_customers.strategy"]))
    assert "`network.exponent`" in " ".join(study_default_notes(both, ["population.initial_customers.strategy"]))
    # a degree sequence given overrides the family: its keys are not read either (two runs byte-identical)
    listed = load_scenario(SCENARIOS / "default.yaml", [
        "population.size=40", "population.initial_customers=2",
        "network={kind: configuration, degrees: [3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, "
        "3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2], exponent: 2.2}"])
    assert ("`network.exponent` is not read where `network.degrees` gives the sequence itself"
            in unread_keys_note(listed)), unread_keys_note(listed)
    influencers = load_scenario(SCENARIOS / "default.yaml", [
        "program.influencers={count: 2, strategy: random, cascade: {samples: 5}}"])
    assert "`program.influencers.cascade` is read only by `strategy: influence` (here random)" in \
        unread_keys_note(influencers)


def test_a_programs_key_its_other_choices_never_read_is_noted_and_a_study_choosing_it_is_not_told(tmp_path):
    """A qualification wait on a reward paid on signup, a launch spread with no launch ask
    and a reminder's interval with no reminder: each ran byte-identical to the file
    without it (runs.csv compared here for the wait), and only `on_budget_exhausted`
    with no budget was said. Each is now said; a study that varies the choice reading
    the key (paid_on, ask_existing, reminders.count) is not told it is never read."""
    from simulator.report.text import study_default_notes, unread_keys_note
    from simulator.scenario_io import load_scenario

    sets = ["program.incentive.paid_on=signup", "program.incentive.qualification_days=90",
            "program.launch.ask_existing=never", "program.launch.spread_days=5",
            "program.timing.reminders.count=0", "program.timing.reminders.interval_days=30"]
    scenario = load_scenario(SCENARIOS / "default.yaml", sets)
    note = unread_keys_note(scenario)
    for said in ("`program.incentive.qualification_days` (90) is read only by `paid_on: qualification` (here signup)",
                 "`program.launch.spread_days` (5) is read only by `ask_existing: once` (here never)",
                 "`program.timing.reminders.interval_days` is read only where `reminders.count` is above 0 (here 0)"):
        assert said in note, note
    assert unread_keys_note(load_scenario(SCENARIOS / "default.yaml", ["program.incentive.qualification_days=90"])) == ""
    # nobody there at launch: no launch ask to spread (a sweep of the spread ran identical points)
    assert "`program.launch.spread_days` (5) is read only where customers are there at launch (here none)" in \
        unread_keys_note(load_scenario(SCENARIOS / "default.yaml", ["program.launch.spread_days=5",
                                                                    "population.initial_customers=0"]))
    small = ["population.size=400", "population.initial_customers=8", "days=60", "--replicates", "1"]
    outputs = []
    for extra in ([], ["--set", "program.incentive.qualification_days=90"]):
        out = tmp_path / f"q{len(extra)}"
        args = [x for s in small[:3] for x in ("--set", s)] + small[3:]
        done = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--set", "program.incentive.paid_on=signup",
                                   *args, *extra, "--out", str(out)])
        assert done.exit_code == 0, done.output
        outputs.append((out / "runs.csv").read_text())
    assert outputs[0] == outputs[1]   # why it is said: the wait changes no run
    assert "program.incentive.qualification_days (90) is read only by paid_on: qualification (here signup)" in \
        " ".join(done.output.split()), done.output   # on the console, the run's own notes
    studied = " ".join(study_default_notes(scenario, ["program.incentive.paid_on", "program.launch.ask_existing",
                                                      "program.timing.reminders.count"]))
    assert "Given but never read" not in studied, studied
    assert "spread_days" in " ".join(study_default_notes(scenario, ["program.incentive.paid_on"]))
    # a study that varies the key itself sets it at every point: the base's value, which no run uses, is not named
    assert "spread_days" not in " ".join(study_default_notes(scenario, ["program.launch.spread_days"]))


def test_scenarios_lists_every_bundled_file_with_its_name_and_purpose(tmp_path):
    """A newcomer with only the CLI could not find the bundled scenarios: no command listed
    them. `refsim scenarios` lists every YAML file of scenarios/ and its sweeps/ (globbed
    here), each with the name and the first sentence of the description its file gives;
    a folder of none, or none at all, is one error line."""
    import yaml

    done = runner.invoke(app, ["scenarios"])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    for path in [*sorted(SCENARIOS.glob("*.yaml")), *sorted((SCENARIOS / "sweeps").glob("*.yaml"))]:
        data = yaml.safe_load(path.read_text())
        shown = str(path.relative_to(SCENARIOS))   # a sweep under sweeps/ named with its folder
        line = next((l for l in lines if l.strip().startswith(shown + " ")), None)
        assert line is not None, (path.name, done.stdout)
        assert f"{data['name']}: {' '.join(data['description'].split()).split('. ')[0].rstrip('.')}" in line, line
    assert any(l.startswith("sweeps in ") and l.endswith("(refsim sweep FILE):") for l in lines)
    # a sweep is told by what it holds ('base:' and 'parameters:', as run tells one), wherever it sits: the sweeps
    # folder listed alone read "scenarios ... (refsim run FILE)", which run refused
    alone = runner.invoke(app, ["scenarios", str(SCENARIOS / "sweeps")]).stdout
    assert alone.startswith(f"sweeps in {SCENARIOS / 'sweeps'}/ (refsim sweep FILE):") and "refsim run" not in alone, alone
    # another folder: its own files, a file that is no mapping said so; an empty folder or none: one line, exit 2
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.yaml").write_text("name: a\ndescription: First. Second.\n")
    (tmp_path / "mine" / "b.yaml").write_text("- just a list\n")
    (tmp_path / "mine" / "c.yaml").write_text("foo: 1\n")
    (tmp_path / "mine" / "d.yml").write_text("name: d\ndescription: Uses e.g. a cap. Then more.\n")
    (tmp_path / "mine" / "e.yaml").write_text("name: e\ndescription: Pays e.g. $10 vs. $20 to Dr. Who. Then more.\n")
    (tmp_path / "mine" / "f.yaml").write_text("name: f\ndescription: Pays a credit (e.g. $10) per referral. Then more.\n")
    (tmp_path / "mine" / "opt.yaml").write_text("scenario: a.yaml\nvary: {program.base_share: '0:1'}\n")
    mine = runner.invoke(app, ["scenarios", str(tmp_path / "mine")])
    assert mine.exit_code == 0 and "a.yaml" in mine.stdout and "a: First." in mine.stdout and "Second" not in mine.stdout
    assert "b.yaml" in mine.stdout and "not a YAML mapping" in mine.stdout
    assert f"c: (no description: refsim validate {tmp_path / 'mine' / 'c.yaml'} checks it)" in mine.stdout
    assert "d: Uses e.g. a cap." in mine.stdout and "Then more" not in mine.stdout   # .yml too, and "e.g." no stop
    assert "e: Pays e.g. $10 vs. $20 to Dr. Who." in mine.stdout   # nor before a capital or an amount
    assert "f: Pays a credit (e.g. $10) per referral." in mine.stdout   # nor inside a parenthesis
    # a settings file is told by what it holds too, with the command that takes it (run refused it)
    assert f"opt.yaml                       refsim optimize --settings {tmp_path / 'mine' / 'opt.yaml'}" in mine.stdout
    assert "settings files of optimize, sensitivity or calibrate in" in mine.stdout
    (tmp_path / "file.yaml").write_text("name: f\n")
    for folder in (tmp_path / "empty", tmp_path / "none", tmp_path / "file.yaml"):
        if folder.name == "empty":
            folder.mkdir()
        refused = runner.invoke(app, ["scenarios", str(folder)])
        assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.output
        assert str(folder) in refused.stderr and "Traceback" not in refused.output
        assert ("is a file, not a folder" in refused.stderr) == (folder.name == "file.yaml")


def test_the_console_and_report_say_why_attributed_roi_is_undefined(tmp_path):
    """Rewards paid 30 days after the friend joins, on a 20-day run: 'attributed_roi –
    undefined in every replicate' with no reason, where k_factor beside it gave one.
    The console and report.md now say no reward cost fell within the horizon, and why."""
    from simulator.report.text import roi_undefined_note

    from .conftest import small

    result = run(tmp_path / "r", "--set", "days=20")
    line = next(l for l in result.stdout.splitlines() if l.strip().startswith("attributed_roi"))
    said = ("rewards are paid 30 days after the friend joins (qualification_days), and the 20-day horizon ends first, so "
            "no reward cost falls within it")
    assert f"undefined in every replicate: {said}" in line, line
    assert f"`attributed_roi` is undefined in every replicate: {said.replace('(qualification_days)', '(`qualification_days`)')}." \
        in (tmp_path / "r" / "report.md").read_text()
    assert "pays no reward" in roi_undefined_note(small(program={"incentive": {"kind": "none"}}))
    free = small(program={"incentive": {"kind": "double_sided", "reward_type": "credit"}, "cost_shares": {"credit": 0}})
    assert roi_undefined_note(free).startswith("a reward costs the company nothing")   # not 'no reward was paid
    # to a business audience the friend is the referred business, as the reward paragraph beside it says
    business = small(days=20, program={"incentive": {"kind": "single_sided", "audience": "business", "paid_on": "qualification",
                                                     "qualification_days": 30}})
    assert roi_undefined_note(business).startswith("rewards are paid 30 days after the referred business joins")


def test_set_of_a_timing_kind_switches_the_block_as_optimize_and_sweep_do(tmp_path):
    """`--set program.timing.kind=milestone` on an onboarding file with delay_days 7 kept
    the 7 as the milestone's day, where optimize and a sweep of the kind put it at the
    milestone's own 30 (config.KIND_SPECIFIC). A delay_days also given by --set stands,
    and a --set of the kind the file already has changes nothing."""
    from simulator import load_scenario
    from simulator.config import Milestone

    path = tmp_path / "onboarding.yaml"
    path.write_text("name: onb\nprogram:\n  timing: {kind: onboarding, delay_days: 7, reminders: {count: 2}}\n")
    switched = load_scenario(path, ["program.timing.kind=milestone"]).program.timing
    assert switched.kind == "milestone" and switched.delay_days == Milestone.model_fields["delay_days"].default == 30
    assert switched.reminders.count == 2   # a key both kinds read alike is kept
    assert load_scenario(path, ["program.timing.kind=milestone", "program.timing.delay_days=7"]).program.timing.delay_days == 7
    assert load_scenario(path, ["program.timing.delay_days=7", "program.timing.kind=milestone"]).program.timing.delay_days == 7
    assert load_scenario(path, ["program.timing.kind=onboarding"]).program.timing.delay_days == 7
    result = runner.invoke(app, ["validate", str(path), "--set", "program.timing.kind=milestone", "--show"])
    assert result.exit_code == 0 and "delay_days: 30" in result.output, result.output


def test_the_reports_say_the_customers_there_at_launch_are_asked_too():
    """A quarter of a B2B milestone design's value came from the launch ask to the
    customers already there (115k, 87k with `ask_existing: never`), and no report said
    they were asked. run's and compare's notes now say who else is asked, and how."""
    from simulator import load_scenario
    from simulator.report.text import launch_note

    base = load_scenario(SCENARIOS / "default.yaml")   # 200 initial customers, onboarding asks
    note = launch_note(base)
    assert note.startswith("The 200 customers there at launch are each asked once at launch, on a day drawn over "
                           "days 1–30, then reminded as new customers are (`program.launch.ask_existing` `once`, its "
                           "default)"), note
    assert "then reminded" not in launch_note(load_scenario(SCENARIOS / "default.yaml",
                                                            ["program.timing.reminders.count=0"]))
    given = load_scenario(SCENARIOS / "default.yaml", ["program.launch.ask_existing=once"])
    assert "`once`)" in launch_note(given)   # given in the file: not called a default
    # a horizon shorter than the draw holds only part of the launch asks (days 1..14 of 1..30: 14/30 = 47%): "each asked
    # once at launch" stood beside 63-76 asks of 150 accounts on a 14-day pilot
    short = launch_note(load_scenario(SCENARIOS / "default.yaml", ["days=14"]))
    assert "over days 1–30, so about 47% of them within the 14-day horizon and the rest after it" in short, short
    assert "within the" not in note   # 365 days hold every launch ask
    alone = launch_note(load_scenario(SCENARIOS / "default.yaml", ["days=14", "population.initial_customers=1"]))
    assert "a 47% chance of its falling within the 14-day horizon" in alone and "them" not in alone, alone
    assert "as if they had just joined" in launch_note(
        load_scenario(SCENARIOS / "default.yaml", ["program.launch.ask_existing=as_new"]))
    # nobody else asked: no note
    for overrides in (["program.launch.ask_existing=never"], ["population.initial_customers=0"],
                      ["program.timing={kind: never}"], ["program.timing={kind: campaign, days: [30]}"]):
        assert launch_note(load_scenario(SCENARIOS / "default.yaml", overrides)) == "", overrides


def test_the_launch_note_says_when_a_budget_or_the_horizon_stopped_the_launch_asks():
    """"each asked once at launch, on a day drawn over days 1–60" stood beside a budget
    spent on day 4 that ended the asks (58 asks in all), and "asked as if they had just
    joined" beside a delay past the horizon and 0 asks, the horizon note adding "only a
    launch ask to the customers already there"."""
    from simulator import load_scenario
    from simulator.report.text import ask_window_note, launch_note

    base = load_scenario(SCENARIOS / "default.yaml", ["program.launch.spread_days=60"])
    runs = pd.DataFrame({"budget_exhausted_day": [4.0, 5.0, np.nan]})   # by day 5 in 2 of 3 runs
    said = launch_note(base, runs)
    assert ("over days 1–60, then reminded as new customers are; but the budget ran out on day 5 (by then in at least "
            "half the runs) and ended the asks, so the launch asks and their reminders due after it were never made (") \
        in said, said
    # due to day 30 + 2 x 7 = 44 with its reminders: a budget out on day 37 stopped some (it was said of none)
    reminded = load_scenario(SCENARIOS / "default.yaml", ["days=60", "program.timing.reminders={count: 2, interval_days: 7}"])
    assert "ran out on day 37" in launch_note(reminded, pd.DataFrame({"budget_exhausted_day": [np.nan, 37.0, 32.0]}))
    assert "never made" not in launch_note(reminded, pd.DataFrame({"budget_exhausted_day": [np.nan, 45.0, 50.0]}))
    # after the launch asks were all due, with rewards_only (the asks go on), or never: no such clause
    for later, overrides in ((runs.assign(budget_exhausted_day=[80.0, 90.0, 95.0]), []),
                             (runs, ["program.incentive.on_budget_exhausted=rewards_only"]),
                             (runs.assign(budget_exhausted_day=np.nan), [])):
        assert "never made" not in launch_note(load_scenario(SCENARIOS / "default.yaml",
                                                             ["program.launch.spread_days=60", *overrides]), later)
    assert "never made" not in launch_note(base)   # no runs: the design alone
    late = load_scenario(SCENARIOS / "default.yaml", ["days=60", "program.launch.ask_existing=as_new",
                                                       "program.timing.delay_days=100"])
    assert ("asked as if they had just joined, about 101 days after launch: after the 60-day horizon, so none is asked "
            "within it") in launch_note(late), launch_note(late)
    assert "nor are the customers already there, asked as if they had just joined" in ask_window_note(late)
    # joined on day 0, a wait of 60 asks them on day 60, the last day: within the horizon (it was said to be after it)
    edge = load_scenario(SCENARIOS / "default.yaml", ["days=60", "program.launch.ask_existing=as_new",
                                                       "program.timing.delay_days=59", "program.timing.reminders.count=0"])
    assert "after the" not in launch_note(edge) and \
        "only the customers already there, asked as if they had just joined, on day 60" in ask_window_note(edge)
    # as new, the launch asks are due on day 4 and (a reminder) day 11: a budget out on day 15 stopped none of them,
    # one out on day 6 the reminders ('never made' was said of asks all made, the horizon taken for their last day)
    soon = load_scenario(SCENARIOS / "default.yaml", ["days=150", "program.launch.ask_existing=as_new",
                                                       "program.timing.delay_days=3",
                                                       "program.timing.reminders={count: 1, interval_days: 7}"])
    assert "never made" not in launch_note(soon, pd.DataFrame({"budget_exhausted_day": [24.0, 12.0, 15.0]}))
    assert "ran out on day 6" in launch_note(soon, pd.DataFrame({"budget_exhausted_day": [5.0, 6.0, 7.0]}))
    assert "only a launch ask to the customers already there" in ask_window_note(load_scenario(
        SCENARIOS / "default.yaml", ["days=60", "program.timing.delay_days=100"]))


def test_reminders_that_all_fall_after_the_horizon_are_said_to_be_unsent(tmp_path):
    """Three reminders 100 days apart on a 60-day run sent none, with no word from run or
    compare (which called the design a copy of one without reminders), where a delay
    past the horizon was said."""
    from simulator import load_scenario
    from simulator.report.text import reminders_unsent_note

    late = ["days=60", "program.timing.reminders={count: 3, interval_days: 100}"]
    note = reminders_unsent_note(load_scenario(SCENARIOS / "default.yaml", late))
    # the default asks the customers there at launch from day 1: day 1 + 100 is past day 60
    assert note == ("The design's 3 reminders, the first 100 days after an ask, fall after the 60-day horizon even "
                    "after the earliest ask (day 1): none is sent, and the design runs as one without reminders. "
                    "Shorten `program.timing.reminders.interval_days` or lengthen `days`."), note
    # one that fits (day 1 + 59 = 60), none asked for, or no program: no note
    for overrides in (["days=60", "program.timing.reminders={count: 3, interval_days: 59}"],
                      ["days=60", "program.timing.reminders={count: 0}"], [*late, "program.timing={kind: never}"]):
        assert reminders_unsent_note(load_scenario(SCENARIOS / "default.yaml", overrides)) == "", overrides
    result = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "-r", "1", "--workers", "1", "--no-baseline",
                                 "--set", "population.size=500", *(item for s in late for item in ("--set", s)),
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "none is sent" in " ".join(result.output.split())
    assert "none is sent" in (tmp_path / "r" / "report.md").read_text()
    result = runner.invoke(app, ["compare", str(SCENARIOS / "default.yaml"), str(SCENARIOS / "reminders-none.yaml"),
                                 "-r", "2", "--workers", "1", "--set", "population.size=500",
                                 *(item for s in late for item in ("--set", s)), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    said = (tmp_path / "c" / "report.md").read_text()
    assert "- **default-double-sided-credit**'s 3 reminders, the first 100 days after an ask, fall after the 60-day horizon" in said, said


def test_the_launch_note_counts_initial_customers_given_by_a_strategy_or_as_ids():
    """`refsim run scenarios/seeding-hubs.yaml` and its documented compare ended in a
    traceback: the note formatted `initial_customers` as a number, and a `{count,
    strategy}` block or a list of ids is not one."""
    from simulator import load_scenario
    from simulator.report.text import launch_note

    hubs = load_scenario(SCENARIOS / "seeding-hubs.yaml")
    assert launch_note(hubs).startswith("The 100 customers there at launch "), launch_note(hubs)
    listed = load_scenario(SCENARIOS / "default.yaml", ["population.initial_customers=[3, 5, 8]"])   # each id once
    assert launch_note(listed).startswith("The 3 customers there at launch "), launch_note(listed)
    none = load_scenario(SCENARIOS / "seeding-hubs.yaml", ["population.initial_customers={count: 0, strategy: degree}"])
    assert launch_note(none) == ""


def test_the_launch_note_says_one_customer_there_at_launch_in_the_singular():
    # "The 1 customers there at launch are asked as if they had just joined"
    from simulator import load_scenario
    from simulator.report.text import launch_note

    for ask, how in (("as_new", "is asked as if they had just joined"),
                     ("once", "is asked once at launch, on a day drawn over days 1–30,")):
        one = load_scenario(SCENARIOS / "default.yaml", ["population.initial_customers=1",
                                                          f"program.launch.ask_existing={ask}"])
        assert launch_note(one).startswith(f"The 1 customer there at launch {how} "), launch_note(one)
    spread = load_scenario(SCENARIOS / "default.yaml", ["population.initial_customers=1", "program.launch.spread_days=1"])
    assert launch_note(spread).startswith("The 1 customer there at launch is asked once, on day 1, then reminded as new "
                                          "customers are "), launch_note(spread)


@pytest.mark.parametrize("name", sorted(path.name for path in SCENARIOS.glob("*.yaml")))
def test_the_report_notes_of_every_bundled_scenario_are_sentences(name):
    """The notes run's and compare's reports build from a scenario alone are text for every
    bundled file: seeding-hubs.yaml's launch note raised a TypeError, so its documented
    `refsim compare` ended in a traceback after every run had finished."""
    from simulator import load_scenario
    from simulator.report import text

    scenario = load_scenario(SCENARIOS / name)
    notes = [*text.default_notes(scenario), text.reward_weighing(scenario), text.launch_note(scenario),
             text.k_window_note(scenario), text.k_undefined_note(scenario), text.ask_window_note(scenario),
             text.k_plot_note(scenario)]
    assert all(isinstance(note, str) for note in notes), notes


def test_an_ask_after_the_horizon_is_said_to_reach_nobody():
    """A fixed milestone on tenure day 800 of a 730-day run was described as 'reached by
    60% of customers', with advice on K's window, where nobody who joins is ever asked."""
    from simulator import load_scenario
    from simulator.report.text import ask_window_note

    late = load_scenario(SCENARIOS / "default.yaml", ["days=200", "program.timing={kind: milestone, schedule: fixed, "
                                                      "delay_days: 250}"])
    note = ask_window_note(late)
    assert "on day 250 after joining, after the 200-day horizon: no customer who joins during the run is ever asked" \
        in note and "reached" not in note, note
    onboarding = load_scenario(SCENARIOS / "default.yaml", ["days=30", "program.timing.delay_days=40"])
    assert "on day 41 after joining, after the 30-day horizon" in ask_window_note(onboarding)
    # within the horizon, or a drawn milestone some reach early: the window note as before
    within = load_scenario(SCENARIOS / "default.yaml", ["program.timing={kind: milestone, schedule: fixed, delay_days: 250}"])
    assert "horizon" not in ask_window_note(within) and "success milestone on day 250" in ask_window_note(within)
    drawn = load_scenario(SCENARIOS / "default.yaml", ["days=200", "program.timing={kind: milestone, delay_days: 250}"])
    assert "horizon" not in ask_window_note(drawn)


def test_set_of_a_kind_inside_a_list_is_applied():
    """A --set of a list item's kind (a channel by its index) is a kind switch too: the
    switch looked the index up as a mapping key and failed with a traceback."""
    from simulator import load_scenario

    scenario = load_scenario(SCENARIOS / "default.yaml", ["program.channels.0.kind=broadcast"])
    assert scenario.program.channels[0].kind == "broadcast"
    result = runner.invoke(app, ["validate", str(SCENARIOS / "default.yaml"), "--set", "program.channels.0.kind=broadcast"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kernel", [False, True], ids=["numpy", "kernel"])
def test_an_ask_on_the_horizons_own_day_after_joining_reaches_nobody(kernel):
    """A fixed milestone on tenure day D of a D-day run comes on day D + 1 at the earliest
    (a customer joins on day 1 or later): nobody who joins is asked, as the run shows, and
    the note says so instead of 'reached by 60% of customers' with advice on K's window."""
    from simulator.engine import Engine
    from simulator.report.text import ask_window_note

    scenario = small(days=60, program={"timing": {"kind": "milestone", "schedule": "fixed", "delay_days": 60,
                                                  "reach_share": 1.0, "min_satisfaction": 0},
                                       "launch": {"ask_existing": "never"}})
    people = Engine(scenario, 3, kernel=kernel).run().people
    joined = people.adopted_day >= 1
    assert joined.sum() > 20 and people.asks[joined].sum() == 0
    note = ask_window_note(scenario)
    assert "after the 60-day horizon: no customer who joins during the run is ever asked" in note and "reached" not in note, note


@pytest.mark.parametrize("block, old, new, extra", [
    ("program.timing", "{kind: milestone, delay_days: 20, reach_share: 0.5, reminders: {count: 1}}", "onboarding", "at_purchase"),
    ("program.incentive", "{kind: double_sided, referrer_reward: 5, referee_reward: 10, referee_max_uplift: 2.0}",
     "single_sided", "tiered"),
    ("network", "{kind: powerlaw_cluster, mean_degree: 8, clustering: 0.3}", "erdos_renyi", "barabasi_albert"),
])
def test_set_of_a_kind_switches_as_optimize_does_dropping_what_the_new_kind_lacks(tmp_path, block, old, new, extra):
    """`--set program.timing.kind=onboarding` on a milestone file with a reach_share was
    refused ('reach_share is a key of kind milestone'), where optimize and a sweep switch
    the block and drop it, and a --set can remove no key. The --set's switch now gives
    the scenario optimize's switch gives (parameters.apply_values); a key the new kind
    lacks that a --set itself gives is still refused."""
    from simulator import load_scenario
    from simulator.errors import ScenarioError
    from simulator.parameters import apply_values, parse_parameters

    path = tmp_path / "file.yaml"
    leaf = block.rpartition(".")[2]
    path.write_text(f"name: f\nprogram:\n  {leaf}: {old}\n" if block.startswith("program.") else f"name: f\n{block}: {old}\n")
    base = load_scenario(path)
    key = f"{block}.kind"
    (kind,) = parse_parameters([f"{key}={new},{extra}"], base)
    expected = apply_values(base, {key: new}, parameters=[kind])
    assert load_scenario(path, [f"{key}={new}"]).model_dump() == expected.model_dump()
    lacking = {"program.timing": "reach_share=0.3", "program.incentive": "referee_reward=3",
               "network": "clustering=0.2"}[block]
    with pytest.raises(ScenarioError, match=lacking.partition("=")[0]):
        load_scenario(path, [f"{key}={new}", f"{block}.{lacking}"])


def test_paid_on_qualification_unpaid_rewards_are_not_said_to_be_beyond_the_budget():
    """Paid on qualification a total budget reserves each referral's rewards when it is
    made and pays them when due after it ran out, so what goes unpaid was reserved within
    it: 'falling due after it ran out' and 'beyond the budget' were false there. Paid on
    signup the wording stays."""
    from types import SimpleNamespace

    from simulator.cli import _budget_lines
    from simulator.report.run import headline
    from simulator.report.text import cash_basis_note, value_split

    from .conftest import small

    def design(paid_on, **more):
        return small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                            "budget": 200, "paid_on": paid_on, **more}})

    reserving, signup = design("qualification"), design("signup")
    runs = pd.DataFrame({"incremental_value": [100.0, 120.0], "incremental_profit": [40.0, 50.0],
                         "budget_exhausted_day": [32.0, 52.0], "reward_cost": [88.0, 120.0],
                         "rewards_owed": [0.0, 0.0], "rewards_unpaid": [112.0, 64.0]})
    text = headline(SimpleNamespace(runs=runs, scenario=reserving))[0]
    assert "beyond the budget" not in text and "falling due after it ran out" not in text, text
    assert "Where it ran out, about 96.0 (48%) of it goes unspent (budget less `reward_cost` and `rewards_owed`" in text
    # paid on signup nothing is reserved: what is left is the room too small for the referral that closed the offer
    assert ("Where it ran out, about 96.0 (48%) of it goes unspent (budget less `reward_cost` and `rewards_owed`, on "
            "average): room too small for the next referral's rewards, which closed the offer.") in headline(
        SimpleNamespace(runs=runs, scenario=design("signup")))[0]
    assert ("In every replicate, rewards the referrals had earned went unpaid (88.0 of company cost on average there, "
            "`rewards_unpaid`): paid on qualification a reward reserved before the budget ran out is paid when due") in text
    assert "less 88.0 of rewards still owed or left unpaid for referrals already made" in value_split(runs, 120, reserving.program.incentive)
    # a design that added nobody: value = profit - owed to the last bit, and the equity left over is 0, not a
    # rounding's 1.86e-10 (0.1 + 0.2 - 0.3 is such a leftover)
    nobody = pd.DataFrame({"incremental_value": [0.1 + 0.2 - 0.3 - 66.7], "incremental_profit": [-66.7 + 1e-12],
                           "rewards_owed": [0.0], "rewards_unpaid": [0.0]})
    split = value_split(nobody, 730)
    assert "0 of margin the extra customers still active on day 730" in split and "e-" not in split, split
    assert "were left unpaid at the horizon" in cash_basis_note(runs, reserving.program.incentive)
    said = headline(SimpleNamespace(runs=runs, scenario=signup))[0]
    # report.md says the asks ended with the budget by default, as the console does
    assert ("Its budget ran out on day 32 (median) in 100% of replicates, and its asks ended with it "
            "(`on_budget_exhausted` is end_program unless set; rewards_only asks on without a reward).") in said, said
    assert "were beyond the budget (88.0 of company cost on average there, `rewards_unpaid`: falling due after it ran out" in said
    # the console: reserved rewards are still paid after the day it ran out; what is unpaid is not 'beyond' it
    assert _budget_lines(runs, reserving) == [
        f"budget ran out on day 32 (median; days 32–52; 2 of 2 runs); after it the program ended, {ASKS_TOO}, the rewards reserved "
        "before it paid as they fell due",
        # 200 less what was spent (88, 120) and is still owed (0): 112 and 80
        "unspent: 96.0 of the 200.0 on average where it ran out (budget less reward_cost and the discounted rewards_owed: "
        "claims that never came, room too small for the next referral; it reopens nothing)",
        "earned rewards left unpaid: 88.0 on average in 2 of 2 runs (rewards_unpaid, charged to the value)"]
    assert _budget_lines(runs, signup)[0] == f"budget ran out on day 32 (median; days 32–52; 2 of 2 runs); after it the program ended, {ASKS_TOO}"
    # a campaign whose last ask (day 20) came before the budget ran out (links still shared spent it): no ask was
    # left to end, and the report and the console said the asks ended with the budget
    asked = pd.DataFrame({"replicate": [0] * 4 + [1] * 4, "day": [0, 10, 20, 30] * 2, "asks": [0, 5, 3, 0, 0, 6, 0, 0]})
    purchase = signup   # asks at purchase as customers come: its last ask before the budget ran out ended nothing
    assert "and its asks ended with it" in headline(SimpleNamespace(runs=runs, scenario=purchase, timeseries=asked))[0]
    assert _budget_lines(runs, purchase, asked)[0].endswith(ASKS_TOO)
    signup = small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                          "budget": 200, "paid_on": "signup"}, "timing": {"kind": "campaign", "days": [10, 20]}})
    early = headline(SimpleNamespace(runs=runs, scenario=signup, timeseries=asked))[0]
    assert ("Its budget ran out on day 32 (median) in 100% of replicates, after its asks had ended (the last on "
            "day 20).") in early, early
    assert _budget_lines(runs, signup, asked)[0] == ("budget ran out on day 32 (median; days 32–52; 2 of 2 runs); after it "
                                                    "the program ended (its asks had ended on day 20)")
    still = asked.assign(day=[0, 10, 20, 40] * 2, asks=[0, 5, 3, 1, 0, 6, 0, 0])   # an ask on day 40: ended by it
    assert "and its asks ended with it" in headline(SimpleNamespace(runs=runs, scenario=signup, timeseries=still))[0]
    assert _budget_lines(runs, signup, still)[0].endswith(ASKS_TOO)
    # with a monthly allowance too: it holds a reserved claim it cannot pay yet and pays it as it refills
    # ("paid as they fell due" alone was false: $46,000 reserved in 11 days at $4,167 a month took 11 months)
    paced = design("qualification", budget_per_month=40)
    assert _budget_lines(runs, paced)[0] == ("budget ran out on day 32 (median; days 32–52; 2 of 2 runs); after it the program "
                                             f"ended, {ASKS_TOO}, the rewards reserved before it paid as they fell due "
                                             "or, where the monthly allowance had no room for them, as it refilled")
    # paid on signup the allowance holds what it deferred too, and pays it as it refills ("the program ended" alone read
    # as no reward paid after it, where 30, 25 and 20 were paid on days 32, 62 and 93)
    assert _budget_lines(runs, design("signup", budget_per_month=40))[0].endswith(
        f"{ASKS_TOO}, the rewards the monthly allowance deferred before it paid as it refilled")


def test_a_margin_moved_by_set_or_by_a_study_says_it_moves_behaviour_too(tmp_path):
    """A reward's pull is measured in months of margin when reward_scale is not given:
    --set economics.monthly_margin=16 turned a compare sure at 95% into 'unclear', and
    nothing said the margin had moved behaviour as well as money. With reward_scale
    given, behaviour stays, and nothing is said."""
    said = " ".join(run(tmp_path / "a", "--set", "economics.monthly_margin=16").stdout.split())
    assert "note: economics.monthly_margin moves behaviour too" in said and "months of margin" in said
    fixed = run(tmp_path / "b", "--set", "economics.monthly_margin=16", "--set", "program.incentive.reward_scale=24")
    assert "moves behaviour too" not in fixed.stdout
    assert "moves behaviour too" not in run(tmp_path / "c").stdout
    from simulator.report.text import study_default_notes
    from simulator.scenario_io import load_scenario

    base = load_scenario(SCENARIOS / "default.yaml")
    assert any("moves behaviour too" in note for note in study_default_notes(base, ["economics.monthly_margin"]))
    assert not any("moves behaviour too" in note for note in study_default_notes(base, ["program.base_share"]))


def test_the_time_left_counts_down_from_the_mean_time_per_run(monkeypatch):
    """Rich's estimate read the speed of the last completions: two workers finishing a
    fraction of a second apart showed 'left 0:00:04' from second 7 to second 17 of a run
    with 16 s left. The time left is now the mean time per run since the runs started,
    times the runs left, less the time since the last completion (never below 0)."""
    import time
    from types import SimpleNamespace

    import simulator.cli as cli

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    bar = SimpleNamespace(updates=[], update=lambda task, **fields: bar.updates.append(fields))
    advance = cli._rate_updater(bar, 0)
    clock[0] += 7.0
    advance(2)   # two runs in 7 s: 3.5 s a run
    fields = bar.updates[-1]
    assert fields["per_run"] == pytest.approx(3.5) and fields["at"] == 1007.0
    column = cli._LeftColumn()
    task = SimpleNamespace(fields=fields, total=6, completed=2, finished=False)
    assert column.render(task).plain == "0:00:14"   # 4 runs left at 3.5 s
    clock[0] += 10.0
    assert column.render(task).plain == "0:00:04"   # counting down between completions
    clock[0] += 60.0
    assert column.render(task).plain == "0:00:00"


def test_the_time_left_counts_the_runs_in_flight_beside_the_first_ones(monkeypatch):
    """With 16 workers the first run to finish, after 20 s, was read as the time of one
    run of 320 in turn: 'left 1:46:20' where 16 runs finish every 20 s (6 min 20 s). Until
    as many runs as run at once have finished, their time is shared by the runs beside
    them; a resumed sweep counts only the runs still to do (no more in flight than those)."""
    import io
    import time

    from rich.console import Console
    from rich.progress import Progress

    import simulator.cli as cli

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    bar = Progress(console=Console(file=io.StringIO()))
    task = bar.add_task("runs", total=320)
    advance = cli._rate_updater(bar, task, 16)
    clock[0] += 20.0
    advance(1)
    shown = bar.tasks[0]
    assert shown.fields["per_run"] == pytest.approx(20.0 / 16)
    assert cli._LeftColumn().render(shown).plain == "0:06:39"   # 319 runs at 16 every 20 s
    clock[0] += 1.0
    advance(15)   # the other 15 of the first 16, by second 21
    assert bar.tasks[0].fields["per_run"] == pytest.approx(21.0 / 16)
    clock[0] += 21.0
    advance(16)   # and on at the pool's pace: the mean since the start, as before
    assert bar.tasks[0].fields["per_run"] == pytest.approx(42.0 / 32)
    # a resumed sweep: 318 of 320 done before this start, 2 left to run on 16 workers
    resumed = bar.add_task("resumed", total=320, completed=318)
    advance = cli._rate_updater(bar, resumed, 16)
    clock[0] += 10.0
    advance(1)
    assert bar.tasks[1].fields["per_run"] == pytest.approx(10.0 / 2)


def test_a_run_without_its_twin_says_the_value_added_is_not_known(tmp_path):
    """`refsim run --no-baseline` wrote a report whose first paragraph, which the README
    says states the value added, was gone without a word, and the console said nothing;
    compare explains itself. Both now say the twin was not run and what that leaves. A
    scenario without a program (no twin by default) says nothing of it."""
    done = run(tmp_path / "nb", "--no-baseline")
    assert done.exit_code == 0, done.output
    said = "The no-program twin was not run (--no-baseline), so the value the program adds (incremental_value) is not known"
    assert f"note: {said}" in done.stdout
    report = (tmp_path / "nb" / "report.md").read_text()
    assert said.replace("(--no-baseline)", "(`--no-baseline`)").replace("(incremental_value)", "(`incremental_value`)") \
        in report
    # a paragraph of its own: the scenario's description ran on in the same line of Markdown
    (paragraph,) = [p for p in report.split("\n\n") if "twin was not run" in p]
    assert "rerun without `--no-baseline` for it." in paragraph, paragraph
    # what needs no twin is said all the same, as the console says it: the budget's end (median day) and the fakes'
    # share of the rewards (report.md gave only the summary's mean day)
    budgeted = run(tmp_path / "nb-budget", "--no-baseline", "--set", "program.incentive.budget=30")
    ran_out = next(line for line in budgeted.stdout.splitlines() if "budget ran out on day" in line)
    day = ran_out.split("budget ran out on day ")[1].split(" ")[0]
    (paragraph,) = [p for p in (tmp_path / "nb-budget" / "report.md").read_text().split("\n\n")
                    if "twin was not run" in p]
    assert f"for it. The program's budget ran out on day {day} (median)" in paragraph, paragraph
    assert "on fake accounts' claims (`fraud_cost`)" in paragraph, paragraph
    # an allowance's sentence names the program too ('Its monthly allowance' followed '... for it')
    allowance = run(tmp_path / "nb-allowance", "--no-baseline", "--set", "program.incentive.budget_per_month=5")
    assert allowance.exit_code == 0, allowance.output
    (paragraph,) = [p for p in (tmp_path / "nb-allowance" / "report.md").read_text().split("\n\n")
                    if "twin was not run" in p]
    assert "for it. The program's monthly allowance (5 a month" in paragraph, paragraph
    bare = runner.invoke(app, ["run", str(SCENARIOS / "no-program.yaml"), "--replicates", "1", "--set", "days=10",
                               "--set", "population.size=500", "--set", "population.initial_customers=5",
                               "--out", str(tmp_path / "bare"), "--executor", "serial"])
    assert bare.exit_code == 0 and "twin was not run" not in bare.stdout, bare.output
    assert "twin was not run" not in (tmp_path / "bare" / "report.md").read_text()


def test_a_value_undefined_in_every_replicate_says_why_and_not_one_replicate(tmp_path):
    """With no churn and no discounting every customer's equity is infinite, so the value
    a program adds (infinite less infinite) is undefined in every replicate: report.md
    said "The program adds – ... one replicate gives no interval" of 3 replicates, and
    the console "undefined in every replicate" with no reason. Both now say why and what
    to change; a value of 0 in every replicate (churn 1: nobody stays to be valued) is
    "the same as no program", not "more replicates narrow the interval"."""
    for sets, console, report in (
            (["churn.monthly_rate=0", "economics.annual_discount_rate=0"],
             "undefined in every replicate: with no discounting (economics.annual_discount_rate: 0)",
             "**The value the program adds is undefined in every replicate** (`incremental_value`): with no discounting"),
            (["churn.monthly_rate=1"], "incremental_value                 0   95% CI 0 – 0",
             "95% interval [0, 0]: the same as no program in every replicate.")):
        out = tmp_path / sets[0]
        result = runner.invoke(app, ["run", str(SCENARIOS / "single-sided-cash.yaml"), "--set", "days=60",
                                     "--set", "population.size=600", *[a for s in sets for a in ("--set", s)],
                                     "-r", "3", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert console in result.stdout, result.stdout
        text = (out / "report.md").read_text()
        assert report in text and "one replicate gives no interval" not in text


def test_a_value_with_one_replicate_of_several_defined_says_so():
    """An interval missing because one replicate of four has a value was put down to
    'one replicate' run."""
    from simulator.report.text import against_no_program

    assert against_no_program(math.nan, math.nan, defined=1, runs=4) == (
        ": only 1 replicate of 4 has a value, so there is no interval and nothing here says whether it differs from no "
        "program.")
    assert "run 2 or more" in against_no_program(math.nan, math.nan, defined=1, runs=1)


def test_the_budget_line_says_delight_gifts_go_on_after_the_program_ended():
    """A budget that ended the program ("after it the program ended, its asks too") left
    delight gifts going, 126-166 of them at their cost in every replicate, unsaid: they
    are neither asks nor rewards (docs/model.md, Budget). The console's line says so,
    and says nothing of delight for a design without it."""
    from simulator.cli import _budget_lines
    from simulator.scenario_io import load_scenario

    runs = pd.DataFrame({"budget_exhausted_day": [40.0, 50.0], "reward_cost": [300.0, 300.0]})
    delight = load_scenario(SCENARIOS / "delight-passives.yaml", ["program.incentive.budget=300"])
    (line, *_) = _budget_lines(runs, delight)
    assert "after it the program ended" in line and line.endswith("delight gifts went on (program.delight: no ask, no "
                                                                   "reward; their cost is in delight_cost)"), line
    plain = load_scenario(SCENARIOS / "default.yaml", ["program.incentive.budget=300"])
    assert "delight" not in " ".join(_budget_lines(runs, plain))
    # nor are influencers' posts asks: paid for on day 1, 42 posts a day went on after 'the program ended', unsaid
    influencers = load_scenario(SCENARIOS / "influencers.yaml", ["program.incentive.budget=300"])
    assert _budget_lines(runs, influencers)[0].endswith(
        "influencers went on sharing (program.influencers: their fees were paid on day 1; the friends who joined through "
        "them after the budget ran out are tracked referrals owed no reward)")
    assert "influencers" not in " ".join(_budget_lines(runs, plain))
    # where the daily table shows no gift after the day (a wave before it, or a rate of 0), none is said to go on
    quiet = pd.DataFrame({"day": [40, 45, 50, 60], "delight_actions": [3.0, 0.0, 0.0, 0.0]})
    assert "delight" not in " ".join(_budget_lines(runs, delight, quiet))
    assert "delight gifts went on" in " ".join(_budget_lines(runs, delight, quiet.assign(delight_actions=1.0)))
    # and report.md's opening says so too (it said 'its asks ended with it' alone)
    from types import SimpleNamespace

    from simulator.report.run import headline

    ran_out = runs.assign(incremental_value=[1.0, 2.0])
    text = headline(SimpleNamespace(runs=ran_out, scenario=influencers, timeseries=None))[0]
    assert "Influencers went on sharing after it (their fees were paid on day 1): the friends who joined through them " \
           "after it are tracked referrals owed no reward." in text, text
    assert "Delight gifts went on after it (no ask and no reward; their cost is in `delight_cost`)." in \
        headline(SimpleNamespace(runs=ran_out, scenario=delight, timeseries=None))[0]
    assert "went on" not in headline(SimpleNamespace(runs=ran_out, scenario=plain, timeseries=None))[0]


def test_rewards_only_after_the_last_ask_does_not_say_asks_went_on():
    """A campaign whose last ask was on day 97, its budget spent on day 244 by links still
    shared, under `rewards_only`: the console said "after it asks continued unrewarded",
    where no ask was left (end_program's line already said "its asks had ended")."""
    from simulator.cli import _budget_lines
    from simulator.scenario_io import load_scenario

    runs = pd.DataFrame({"budget_exhausted_day": [244.0, 244.0], "reward_cost": [300.0, 300.0]})
    campaign = load_scenario(SCENARIOS / "budget-capped-campaign.yaml", ["program.incentive.on_budget_exhausted=rewards_only"])
    over = pd.DataFrame({"day": [1, 97, 98, 300], "asks": [5, 3, 0, 0]})
    (line, *_) = _budget_lines(runs, campaign, over)
    assert "after it no asks were left to go on (its asks had ended on day 97)" in line, line
    still = pd.DataFrame({"day": [1, 97, 250, 300], "asks": [5, 3, 2, 0]})
    assert "after it asks continued unrewarded" in _budget_lines(runs, campaign, still)[0]


def test_people_an_edge_list_leaves_in_no_tie_are_said(tmp_path):
    """Ids count from 0 and the largest sets the population: a file numbered from 1 ran
    with a friendless person 0 (a random initial customer could be them), and one with
    an id of 4,000,000 a market of 4,000,001, with no word from validate or run. Both
    now say how many people are in no tie; a file numbered from 0 with everyone tied
    gets no such note."""
    for lines, alone in (("1 2\n2 3\n3 4\n4 1\n", "1 of the 5 people of the edge list (ids 0 to 4) has"),
                         ("2 3\n3 4\n4 2\n", "2 of the 5 people of the edge list (ids 0 to 4) have"),
                         ("0 1\n1 2\n2 3\n3 0\n", None)):
        (tmp_path / "graph.txt").write_text(lines)
        scenario = tmp_path / "s.yaml"
        scenario.write_text("name: ring\ndays: 5\nreplicates: 2\npopulation: {initial_customers: 1}\n"
                            "network: {kind: edgelist, path: graph.txt}\n")
        checked = runner.invoke(app, ["validate", str(scenario)])
        assert checked.exit_code == 0, checked.output
        out = tmp_path / ("run-" + str(alone)[:1])
        ran = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
        assert ran.exit_code == 0, ran.output
        said = [text for text in (checked.stderr, ran.stdout, (out / "report.md").read_text())
                if "no tie in its file" in text]
        if alone is None:
            assert said == []
        else:
            assert len(said) == 3 and all(f"{alone} no tie" in t for t in said)


def test_compare_says_a_note_its_designs_share_once_with_their_names(tmp_path):
    """Two designs on one edge list numbered from 1 printed its paragraph on friendless
    people twice, word for word, one per design: it is printed once, naming both; a
    note only one design has keeps that design's name alone."""
    (tmp_path / "graph.txt").write_text("1 2\n2 3\n3 4\n4 1\n")
    files = []
    for name, program in (("plain", ""), ("credit", "program: {incentive: {kind: single_sided, referrer_reward: 10}, "
                                                      "timing: {kind: at_purchase}}\n")):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(f"name: {name}\ndays: 5\nreplicates: 2\npopulation: {{initial_customers: 1}}\n"
                             f"network: {{kind: edgelist, path: graph.txt}}\n{program}")
    ran = runner.invoke(app, ["compare", *map(str, files), "--out", str(tmp_path / "out")])
    assert ran.exit_code == 0, ran.output
    notes = [line for line in ran.stdout.splitlines() if "no tie in its file" in line]
    assert len(notes) == 1 and notes[0].strip().startswith("note: plain, credit: 1 of the 5 people"), notes
    credit = [line for line in ran.stdout.splitlines() if "store credit" in line]
    assert len(credit) == 1 and credit[0].strip().startswith("note: credit: Rewards are store credit"), credit


def test_a_campaign_push_the_budget_cancelled_is_not_said_to_have_ended_of_itself():
    """A campaign with pushes on days 30 and 190 whose budget ran out on day 54 (the
    second push cancelled by end_program) read 'its asks had ended on day 37', and its
    rewards_only copy, which asked to day 197, was said to change nothing. The asks end
    of themselves only once the last push (and its reminders) is past."""
    from simulator.report.text import asks_over

    def campaign(days):
        return small(days=200, program={"timing": {"kind": "campaign", "days": days, "reminders": {"count": 1,
                                                                                                   "interval_days": 7}}})

    asked = pd.DataFrame({"replicate": [0] * 3, "day": [30, 37, 38], "asks": [5, 2, 0]})
    assert math.isnan(asks_over(campaign([30, 190]), asked))   # 190 + 7 was still to come: cut, not over
    assert asks_over(campaign([30]), asked) == 37.0             # push on 30, reminder on 37: over of itself
    shared = asked.assign(asks=[5, 0, 0])   # everyone shared at the push: no reminder was due, over on day 30
    assert asks_over(campaign([30]), shared) == 30.0
    assert math.isnan(asks_over(small(), asked))                # asks as customers come: never over of itself


def test_a_program_that_spends_and_adds_nothing_is_not_said_to_pay_back(tmp_path):
    """With every customer churning at once (churn 1 a month), a cash program spent and
    added nothing against no program in every replicate, and report.md said "It pays
    back in all 4 replicates ... (payback day 1)": true by the definition, misleading as
    a finding. run's console, run's and compare's report.md now say there is nothing to
    pay back; a program that costs something is not said so."""
    import pandas as pd

    from simulator.report.text import nothing_to_pay_back

    sets = ["--set", "churn.monthly_rate=1", "--set", "population.size=600", "--set", "days=20", "-r", "2"]
    result = runner.invoke(app, ["run", str(SCENARIOS / "single-sided-cash.yaml"), *sets, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(tmp_path / "r" / "runs.csv")
    assert (runs[["incremental_value", "incremental_profit", "program_cost"]] == 0).all().all()
    assert "nothing to pay back: it spends nothing, and its incremental profit is 0 at the horizon" in result.stdout
    report = (tmp_path / "r" / "report.md").read_text()
    assert "It has nothing to pay back" in report and "It pays back" not in report
    compared = runner.invoke(app, ["compare", str(SCENARIOS / "single-sided-cash.yaml"),
                                   str(SCENARIOS / "double-sided-credit.yaml"), *sets, "--out", str(tmp_path / "c")])
    assert compared.exit_code == 0, compared.output
    assert "It has nothing to pay back" in (tmp_path / "c" / "report.md").read_text()
    assert not nothing_to_pay_back(runs.assign(program_cost=5.0))
    assert not nothing_to_pay_back(runs.assign(incremental_profit=-3.0))
    # a value lost on customer equity alone ('The program loses 69.1') has nothing to pay back either
    assert nothing_to_pay_back(runs.assign(incremental_value=-69.1))
    assert not nothing_to_pay_back(runs.drop(columns="program_cost"))


def test_an_edge_list_changed_while_a_command_runs_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """A graph file overwritten during a run left a folder of 2 replicates on one graph and
    8 on another, its manifest giving the new file's digest alone; a sweep mixed 7 runs
    of one with 73 of the other. run, compare and sweep now check the file against its
    digest when they started, before writing: one line, exit 2, nothing written (a
    sweep keeps its finished runs, and its resume refuses the changed file)."""
    import networkx as nx
    import yaml

    import simulator.runner as runner_module
    import simulator.sweep as sweep_module

    graph = tmp_path / "graph.txt"
    nx.write_edgelist(nx.barabasi_albert_graph(300, 3, seed=1), graph, data=False)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"name": "s", "seed": 3, "days": 20, "replicates": 2,
                                        "population": {"initial_customers": 10},
                                        "network": {"kind": "edgelist", "path": "graph.txt"}}))

    def overwrite():
        nx.write_edgelist(nx.barabasi_albert_graph(300, 4, seed=2), graph, data=False)

    def after(original):
        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            overwrite()   # as an export overwriting the file while the runs went
            return result
        return wrapped

    monkeypatch.setattr(runner_module, "simulate", after(runner_module.simulate))
    result = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "graph.txt: network.path: changed while the run ran" in result.stderr, result.output
    assert not (tmp_path / "r").exists()
    monkeypatch.undo()
    nx.write_edgelist(nx.barabasi_albert_graph(300, 3, seed=1), graph, data=False)
    # unchanged, it runs (the check refuses a change, not the file)
    assert runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "ok")]).exit_code == 0
    import simulator.compare as compare_module

    data = yaml.safe_load(scenario.read_text())
    other = tmp_path / "t.yaml"
    other.write_text(yaml.safe_dump({**data, "name": "t", "program": {"base_share": 0.3}}))
    monkeypatch.setattr(compare_module, "compare", after(compare_module.compare))
    result = runner.invoke(app, ["compare", str(scenario), str(other), "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "changed while the comparison ran" in result.stderr, result.output
    assert not (tmp_path / "c").exists()
    monkeypatch.undo()
    nx.write_edgelist(nx.barabasi_albert_graph(300, 3, seed=1), graph, data=False)

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"base": "s.yaml", "method": "grid", "replicates": 1, "seed": 2,
                                     "metrics": ["customers_final"],
                                     "parameters": {"program.base_share": {"values": [0.1, 0.2]}}}))
    monkeypatch.setattr(sweep_module, "execute_sweep", after(sweep_module.execute_sweep))
    result = runner.invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "w"), "--executor", "serial"])
    assert result.exit_code == 2 and "changed while the sweep ran" in result.stderr, result.output
    assert not (tmp_path / "w" / "sweep.csv").exists() and list((tmp_path / "w" / "runs").glob("part-*"))


def test_a_manifest_records_the_edge_list_the_runs_read_not_one_edited_while_the_folder_was_written(tmp_path,
                                                                                                   monkeypatch):
    """A graph file edited after the runs, while the folder was being written, passed the
    unchanged check; the manifest read the file again and gave the edited file's digest,
    which reproduces other numbers. run, compare and optimize now record the digests they
    held and checked (sensitivity and calibrate pass theirs the same way)."""
    import hashlib

    import networkx as nx
    import yaml

    import simulator.report.compare as compare_report
    import simulator.report.optimize as optimize_report
    import simulator.report.run as run_report

    graph = tmp_path / "graph.txt"
    nx.write_edgelist(nx.barabasi_albert_graph(300, 3, seed=1), graph, data=False)
    read = hashlib.sha256(graph.read_bytes()).hexdigest()   # the bytes every run reads
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"name": "s", "seed": 3, "days": 20, "replicates": 2,
                                        "population": {"initial_customers": 10},
                                        "network": {"kind": "edgelist", "path": "graph.txt"}}))
    other = tmp_path / "t.yaml"
    other.write_text(yaml.safe_dump({**yaml.safe_load(scenario.read_text()), "name": "t",
                                     "program": {"base_share": 0.3}}))

    def editing(original):
        def wrapped(*args, **kwargs):
            with graph.open("a") as handle:   # after the runs and their check, before manifest.json
                handle.write("0 299\n")
            return original(*args, **kwargs)
        return wrapped

    commands = {"r": (run_report, "run_markdown", ["run", str(scenario)]),
                "c": (compare_report, "comparison_markdown", ["compare", str(scenario), str(other)]),
                "o": (optimize_report, "optimize_markdown",
                      ["optimize", str(scenario), "--vary", "program.base_share=0.1:0.3", "--trials", "2",
                       "--executor", "serial"])}
    for out, (module, name, command) in commands.items():
        nx.write_edgelist(nx.barabasi_albert_graph(300, 3, seed=1), graph, data=False)
        monkeypatch.setattr(module, name, editing(getattr(module, name)))
        result = runner.invoke(app, [*command, "--out", str(tmp_path / out)])
        monkeypatch.undo()
        assert result.exit_code == 0, result.output
        assert hashlib.sha256(graph.read_bytes()).hexdigest() != read   # edited as the folder was written
        manifest = json.loads((tmp_path / out / "manifest.json").read_text())
        assert manifest["inputs"] == {str(graph): read}, command[0]



def test_the_single_runs_range_says_how_much_of_a_further_launch_few_runs_hold():
    """'the 2.5–97.5% range of single runs (what one launch could look like)' read as 95% of
    launches; with 10 runs a further launch fell inside it 79% of the time. The range is
    drawn from the runs, its ends numpy's interpolated percentiles, and holds a further
    draw with probability about 0.95(n-1)/(n+1) (order statistics). Checked here against
    draws, with the percentiles the summary takes: 20,000 sets of n normal draws and a
    further one each (binomial sd under 0.003; the closed form is itself approximate for
    few runs, hence 0.02)."""
    import numpy as np

    from simulator.report.run import single_runs_range_text

    assert "about 78% of the time, not 95%" in single_runs_range_text(10)
    assert "near their lowest to highest" in single_runs_range_text(10)
    assert "about 90% of the time" in single_runs_range_text(39)   # 'about 95% ..., not 95%' was said at 39
    assert "about 93% of the time" in single_runs_range_text(100) and "lowest" not in single_runs_range_text(100)
    assert single_runs_range_text(400) == "" and "one run" in single_runs_range_text(1)
    rng = np.random.default_rng(3)
    for n in (10, 39, 100):
        draws = rng.normal(size=(20_000, n + 1))
        low, high = np.percentile(draws[:, :n], [2.5, 97.5], axis=1)
        inside = ((draws[:, n] >= low) & (draws[:, n] <= high)).mean()
        assert abs(inside - 0.95 * (n - 1) / (n + 1)) < 0.02, (n, inside)


def test_filled_k_day_is_the_median_day_prospects_fell_below_half_in_at_least_half_the_runs():
    """The day the network filled, per replicate the first day fewer than half the people
    (prospects + customers + churned) were still prospects; the median (the earlier
    middle one) where at least half the replicates filled before the horizon less K's
    window, NaN otherwise."""
    from types import SimpleNamespace

    from simulator.report.text import filled_k_day

    def series(firsts):   # 100 people; each replicate's prospects drop to 40 on its day (never: None)
        rows = [{"replicate": r, "day": d, "prospects": 40 if first is not None and d >= first else 90, "customers": 8,
                 "churned": 100 - 8 - (40 if first is not None and d >= first else 90)}
                for r, first in enumerate(firsts) for d in range(61)]
        return pd.DataFrame(rows)

    scenario = SimpleNamespace(days=60, k_window_days=30)
    looped = pd.DataFrame({"referred_share": [0.9, 0.8]})   # tracked referrals brought most adopters
    assert filled_k_day(scenario, series([5, 7, None]), looped) == 5       # 2 of 3: the earlier of 5 and 7
    assert filled_k_day(scenario, series([5, 9, 7, 12]), looped) == 7
    assert math.isnan(filled_k_day(scenario, series([5, None, None]), looped))   # 1 of 3
    assert math.isnan(filled_k_day(scenario, series([30, 31, 40]), looped))      # after day 60 - 30: K's cohorts had joined
    assert math.isnan(filled_k_day(scenario, None, looped))
    # filled by organic adoption, not by the loop (K 0.05 was said to be 'held down towards 1'): no day to name
    assert math.isnan(filled_k_day(scenario, series([5, 7, None]), pd.DataFrame({"referred_share": [0.1, 0.2]})))
    assert math.isnan(filled_k_day(scenario, series([5, 7, None])))


def test_a_loop_that_fills_the_network_is_said_to_read_k_at_or_below_1():
    """A loop growing about 1.2-fold a day (half of customers share, with 3 friends each,
    who join at 0.8) filled 20,000 people within a month and read `k_factor` 0.988, which
    report.md presented as a loop below 1 with nothing said of the network filling. The
    report and the k_by_month caption now say so; a loop that stalls (conversion 0.2: a
    branching factor of 0.3) fills nothing and gets no such note."""
    from simulator import simulate
    from simulator.report.run import run_markdown
    from simulator.report.text import k_plot_note

    def loop(conversion):
        return small(days=60, population={"size": 3000, "initial_customers": 30},
                     network={"kind": "erdos_renyi", "mean_degree": 30, "strong_tie_share": 0},
                     acquisition={"organic_rate": 0}, word_of_mouth={"spontaneous_rate": 0},
                     satisfaction={"kind": "constant", "value": 10},
                     program={"base_share": 0.5, "incentive": {"kind": "none"}, "timing": {"kind": "at_purchase", "delay_days": 0},
                              "channels": [{"kind": "direct", "weight": 1, "extra_invites": 2, "base_conversion": conversion}],
                              "conversion_lag": {"kind": "none"}})

    viral = simulate(loop(0.8), replicates=2)
    # what the note is for: a loop whose branching factor is 0.5 x 3 x 0.8 = 1.2 read near 1 (0.99-1.17 a replicate)
    assert viral.runs["k_factor"].mean() < 1.2
    text = " ".join(run_markdown(viral, []).split())
    assert "The network filled: by day" in text and "held down towards 1, below the pace the loop grew at" in text, text
    assert k_plot_note(viral.scenario, viral.runs, viral.timeseries).startswith("the network filled by day")
    # a network filled by organic adoption, with no loop to speak of (K about 0.05): nothing said of a loop
    organic = simulate(small(days=200, acquisition={"organic_rate": 0.03}), replicates=2)
    assert organic.runs["k_factor"].mean() < 0.3
    assert "network filled" not in run_markdown(organic, []) and not k_plot_note(organic.scenario, organic.runs,
                                                                                 organic.timeseries)
    stalled = simulate(loop(0.2), replicates=2)
    assert "network filled" not in run_markdown(stalled, []) and not k_plot_note(stalled.scenario, stalled.runs,
                                                                             stalled.timeseries)
    # k_by_month's caption in report.md called every falling line "a loop that stalls", under a figure whose note said
    # the network filled
    from simulator.report.text import CAPTIONS
    assert "stalls" not in CAPTIONS["k_by_month"] and "running out of prospects (a network filling)" in CAPTIONS["k_by_month"]
    # without the twins (--no-baseline) there is no incremental_value: the note's advice to compare on it says where
    # it comes from (the report's first line says it is not known, then the note advised it)
    alone = simulate(loop(0.8), replicates=2, baseline=False)
    text = " ".join(run_markdown(alone, []).split())
    assert ("Compare on `incremental_value`, which only a run with its no-program twins gives (without "
            "`--no-baseline`).") in text, text
    assert "which only a run with its no-program twins gives" not in " ".join(run_markdown(viral, []).split())


def test_value_without_more_customers_names_the_referred_loyalty_it_rests_on():
    """In a market adopting on its own (organic_rate 0.01, 5,000 people) the double-sided
    credit added $5,587 with 21.5 customers fewer than no program, and -$14,866 with
    referred customers as loyal as others; report.md said the equity was 'margin the
    extra customers ... bring' and named no assumption. A value above 0 with no more
    customers now names the two keys it rests on and how to test them, and the split
    says the customers are worth more, not more of them."""
    from types import SimpleNamespace

    from simulator.report.text import referred_loyalty_note, value_split

    def scenario(ratio=0.74, premium=0.05):
        return SimpleNamespace(churn=SimpleNamespace(referred_hazard_ratio=ratio),
                               economics=SimpleNamespace(referred_margin_premium=premium))

    runs = pd.DataFrame({"incremental_value": [5_000.0, 6_000.0], "incremental_customers": [-20.0, -23.0],
                         "incremental_profit": [3_000.0, 3_800.0]})
    note = referred_loyalty_note(scenario(), runs, "credit")
    assert note.startswith("**credit** adds value (5,500) without adding customers (-21.5 against the twin)"), note
    assert "churn 0.74 times as fast (`churn.referred_hazard_ratio`)" in note
    assert "earn up to 5% more (`economics.referred_margin_premium`)" in note
    assert "`--uncertain churn.referred_hazard_ratio=0.74:1`, `--uncertain economics.referred_margin_premium=0:0.05`" in note
    # only the assumption that is made is named and tested; with neither, nothing; nor where customers were added, or
    # the value is not above 0
    only = referred_loyalty_note(scenario(premium=0.0), runs)
    assert "referred_hazard_ratio" in only and "premium" not in only
    assert referred_loyalty_note(scenario(ratio=1.0, premium=0.0), runs) == ""
    assert referred_loyalty_note(scenario(), runs.assign(incremental_customers=[3.0, 4.0])) == ""
    assert referred_loyalty_note(scenario(), runs.assign(incremental_value=[-1.0, -2.0])) == ""
    # a value that is leads still in a sales pipeline, with no referred customer yet, rests on no loyalty (a 21-day
    # B2B run: 78,213 of value, all pipeline, 0 referred customers, and the note blamed referred customers' loyalty)
    pipeline = runs.assign(incremental_pipeline_equity=runs["incremental_value"], referred_customers=0.0)
    assert referred_loyalty_note(scenario(), pipeline) == ""
    assert referred_loyalty_note(scenario(), pipeline.assign(referred_customers=3.0)) == ""   # value all pipeline
    part = runs.assign(incremental_pipeline_equity=runs["incremental_value"] - 1000.0, referred_customers=3.0)
    assert referred_loyalty_note(scenario(), part, "credit").startswith(
        "**credit** adds value (1,000, beyond the leads still in its pipeline at the horizon) without adding customers")
    split = " ".join(value_split(runs, 365).split())
    assert ("2,100 of margin the customers still active on day 365 are expected to bring beyond the twin's, though they "
            "are 21.5 fewer than the twin's: each is worth more, not more of them (customer equity, `incremental_equity`)") in split, split
    assert "of margin the extra customers" in value_split(runs.assign(incremental_customers=[3.0, 4.0]), 365)
    # a loss beside more customers is not the extra customers' ("-3,025 of margin the extra customers ... bring" stood
    # beside 0.17 more, the loss existing accounts annoyed by reminders): those there are worth less than the twin's
    annoyed = pd.DataFrame({"incremental_value": [-3_021.55, -3_021.55], "incremental_customers": [0.0, 0.34],
                            "incremental_profit": [3.45, 3.45]})
    split = " ".join(value_split(annoyed, 28).split())
    assert "extra customers" not in split and ("-3,025 of margin the customers still active on day 28 are expected to "
                                               "bring against the twin's, though they are 0.17 more: the customers there "
                                               "are worth less than the twin's") in split, split
    # a program adding nobody whose leftover is below 0 (the twin's leads outweighing the design's): nobody is worth
    # more ("-5 of margin ... beyond the twin's ... each is worth more" stood beside 0 extra customers)
    nobody = pd.DataFrame({"incremental_value": [-507.5, -507.5], "incremental_customers": [0.0, 0.0],
                           "incremental_profit": [-502.5, -502.5]})
    split = " ".join(value_split(nobody, 365).split())
    assert "each is worth more" not in split and ("-5 of margin the customers still active on day 365 are expected to bring "
                                          "against the twin's, they being no more than the twin's and none worth more") \
        in split, split
    # fewer customers, each worth more, a loss all the same: 20.4 fewer at 162.4 each would cost 3,313 of equity, and
    # the loss was 1,421; "none worth more" was said of customers worth 164.8 each against the twin's 162.4
    fewer = pd.DataFrame({"incremental_value": [3_375.0] * 2, "incremental_profit": [4_796.0] * 2,
                          "incremental_customers": [-20.4] * 2, "customers_final": [1_000.0] * 2,
                          "equity_final": [164_800.0] * 2, "incremental_equity": [164_800.0 - 1_020.4 * 162.4] * 2})
    split = " ".join(value_split(fewer, 1095).split())
    assert ("they being 20.4 fewer than the twin's and each worth more on average (164.8 against the twin's 162.4 per "
            "customer, mean equity over mean customers), which makes up part of the loss") in split, split
    # each worth no more: as before
    worse = fewer.assign(equity_final=[160_000.0] * 2, incremental_equity=[160_000.0 - 1_020.4 * 162.4] * 2)
    assert "none worth more" in value_split(worse, 1095)


def test_a_run_on_the_numpy_stages_for_a_lever_says_so(monkeypatch):
    """A double-sided credit read value 6,411 alone and 10,868 with `influencers: {count: 0}`:
    a lever block sends a run to the numpy stages, which draw otherwise, and only
    manifest.json said which path ran. run's report now says it; without a lever, or with
    the engine chosen by REFSIM_ENGINE, it says nothing."""
    from simulator import load_scenario
    from simulator.report.text import run_path_note

    plain = load_scenario(SCENARIOS / "double-sided-credit.yaml")
    lever = load_scenario(SCENARIOS / "double-sided-credit.yaml", ["program.influencers={count: 0}"])
    note = run_path_note(lever)
    assert note.startswith("This scenario runs on the numpy stages (`program.influencers` is a lever the compiled kernel "
                           "does not run)"), note
    assert run_path_note(plain) == ""
    drift = load_scenario(SCENARIOS / "double-sided-credit.yaml", ["satisfaction.drift_per_year=0.1"])
    assert run_path_note(drift).startswith("This scenario runs on the numpy stages (`satisfaction.drift_per_year` is a "
                                           "setting the compiled kernel does not run), which draw otherwise than the "
                                           "kernel: the same file without that setting runs on the kernel")
    # in run's report.md
    from simulator import simulate
    from simulator.report.run import run_markdown
    results = simulate(small(days=30, program={"influencers": {"count": 0}}), replicates=1, people=False)
    assert "This scenario runs on the numpy stages (`program.influencers`" in run_markdown(results, [])
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    assert run_path_note(lever) == ""


def test_a_campaign_with_no_reward_runs_and_compares_to_a_results_folder(tmp_path):
    """Asking in a campaign with no reward (incentive kind none) is the baseline an ask-only
    design is weighed against; its runs finished, then the report stopped on
    "'NoIncentive' object has no attribute 'on_budget_exhausted'", with a traceback and no
    results folder, in run and in compare (the push on day 30 comes before the horizon less
    K's window, so the report looks at what ended the asks)."""
    import yaml

    from simulator.scenario_io import load_scenario

    campaign = ["--set", "program.incentive={kind: none}", "--set", "program.timing={kind: campaign, days: [20]}"]
    run(tmp_path / "run", *campaign)
    assert (tmp_path / "run" / "report.md").exists()
    ask_only = tmp_path / "ask-only.yaml"
    data = load_scenario(SCENARIOS / "default.yaml").model_dump(mode="json", exclude_unset=True)
    data["name"] = "ask-only"
    data["program"]["incentive"] = {"kind": "none"}
    data["program"]["timing"] = {"kind": "campaign", "days": [20]}
    ask_only.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["compare", str(SCENARIOS / "default.yaml"), str(ask_only), "--out", str(tmp_path / "c"),
                                 *FAST])
    assert result.exit_code == 0, result.stderr + result.stdout
    assert (tmp_path / "c" / "report.md").exists()


def test_the_interval_of_a_metric_lumped_on_one_value_is_said_to_be_too_narrow():
    """Payback day 1 in 6 of 6 replicates read '95% CI 1 – 1' where the true mean, over
    3,000 replicates, was 3.7: such intervals held the true mean about half the time. A
    metric whose replicates mostly sit on one value says so; where all agree, with the
    share of launches that could differ unseen at 95%, 1 − 0.05^(1/n) (the rule of three's
    exact form, closed form checked here)."""
    from simulator.report.text import lumped, lumped_note, lumped_text, unseen_share

    assert unseen_share(6) == pytest.approx(0.3930, abs=1e-4) and unseen_share(100) == pytest.approx(3 / 100, rel=0.02)
    assert lumped([1, 1, 1, 1, 1, 1]) == (1.0, 6, 6) and lumped([1, 1, 1, 1, 5, 7]) == (1.0, 4, 6)
    assert lumped([1, 1, 2, 3]) is None and lumped([1, float("nan"), 1]) == (1.0, 2, 2) and lumped([4]) is None
    assert lumped_text([1] * 6) == "all 6 gave 1: up to 39% of launches may differ, unseen here"
    assert lumped_text([1, 1, 1, 1, 5, 7]) == "4 of 6 gave exactly 1: the interval is too narrow"
    scenario = small(fraud={"share": 0.05})
    runs = pd.DataFrame({"payback_day": [1.0] * 6, "fraud_cost": [0.0] * 6, "incremental_profit": [5.0] * 6,
                         "program_cost": [1.0] * 6, "reward_cost": [1.0] * 6})
    note = lumped_note(runs, scenario)
    assert note.startswith("**Intervals too narrow:** `payback_day` (1) and `fraud_cost` (0) took one value in all 6 "
                           "replicates, so their intervals have no width"), note
    # no fraud in the world, or no reward paid in any run: its cost is 0 by construction, and not said
    assert "fraud_cost" not in lumped_note(runs, small(fraud={"share": 0}))
    assert "fraud_cost" not in lumped_note(runs.assign(reward_cost=0.0), scenario)
    assert "fraud_cost" in lumped_note(runs.assign(reward_cost=[0.0] * 5 + [3.0]), scenario)
    # an interval that already spans every day a payback can take (1 to the horizon) is not too narrow: "the interval
    # is too narrow" was said of 1 – 120 on a 120-day run whose runs gave 81, 1 and 1
    from simulator.report.text import spans_every_day

    most = runs.assign(payback_day=[1.0, 1, 1, 1, 50, 60])
    summary = pd.DataFrame({"metric": ["payback_day"], "ci_low": [1.0], "ci_high": [float(scenario.days)]})
    assert spans_every_day(summary, scenario) and lumped_text(most["payback_day"], spans=True) == ""
    assert "`payback_day` was exactly 1 in 4 of 6" in lumped_note(most, scenario)
    assert "payback_day" not in lumped_note(most, scenario, summary)
    narrower = summary.assign(ci_high=[float(scenario.days) - 1])
    assert not spans_every_day(narrower, scenario) and "payback_day" in lumped_note(most, scenario, narrower)
    assert lumped_text([1] * 6, spans=True).startswith("all 6 gave 1")   # every run on one day: still said
    spread = runs.assign(payback_day=[1.0, 2, 3, 4, 5, 6], fraud_cost=[0.0, 0, 0, 0, 9, 12])
    assert lumped_note(spread, scenario) == ("**Intervals too narrow:** `fraud_cost` was exactly 0 in 4 of 6 replicates: "
                                             "its mean rests on the other 2, and its interval is too narrow. Such "
                                             "intervals held the true mean about half the time in docs/model.md's tests, "
                                             "and more replicates narrow the gap slowly: the median and the 2.5–97.5% "
                                             "range of runs say more of such a metric than its mean.")


def test_run_says_a_lumped_payback_on_the_console_and_in_report_md_as_its_runs_show(tmp_path):
    """End to end: the console's payback line and report.md say the payback day is lumped
    exactly when runs.csv shows most replicates on one day (read from the file, not the
    code's own verdict)."""
    path = tmp_path / "s.yaml"
    path.write_text((SCENARIOS / "default.yaml").read_text())
    result = runner.invoke(app, ["run", str(path), "--set", "population.size=1500", "--set", "days=60", "-r", "4",
                                 "--seed", "3", "--executor", "serial", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    days = pd.read_csv(tmp_path / "r" / "runs.csv")["payback_day"].dropna()
    counts = days.value_counts()
    lumped = len(days) >= 2 and counts.iloc[0] * 2 > len(days)
    assert lumped, counts   # this seed's replicates pay back on one day: else the test tells nothing
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith("payback_day"))
    every = counts.iloc[0] == len(days)
    assert (f"all {len(days)} gave" if every else f"{counts.iloc[0]} of {len(days)} gave exactly") in line, line
    assert "**Intervals too narrow:** `payback_day`" in (tmp_path / "r" / "report.md").read_text()


def test_projected_lead_follows_each_runs_pace_of_losing_prospects():
    """projected_lead against the closed form: prospects that fall by a constant hazard h
    (P_t = P_0 e^(-h t)) are P_end e^(-h · 365) a year on, so the lead then is the twin's
    less the design's, each at its own pace."""
    from simulator.report.text import projected_lead

    days = np.arange(0, 181)

    def series(start, hazard):
        return pd.DataFrame({"replicate": 0, "day": days, "prospects": start * np.exp(-hazard * days)})

    design, twin = series(3000.0, 0.0060), series(3000.0, 0.0045)
    lead, prospects, later = projected_lead(design, twin, 180)
    p_design, p_twin = 3000 * math.exp(-0.0060 * 180), 3000 * math.exp(-0.0045 * 180)
    assert lead == pytest.approx(p_twin - p_design) and prospects == pytest.approx(p_twin)
    assert later == pytest.approx(p_twin * math.exp(-0.0045 * 365) - p_design * math.exp(-0.0060 * 365), rel=1e-9)
    assert projected_lead(design, twin, 10) is None   # too short a horizon to read a pace


def test_a_lead_said_to_shrink_shrinks_beyond_the_runs_luck(tmp_path):
    """'That lead would be about 0 a year on' rested on the mean pace of three runs whose own
    projections were -51, +9 and +42 (12 replicates put the lead at 64). The note needs each
    run's lead a year on below three quarters of its own, one-sided at 95% over the runs:
    runs projected apart are no shrinking; runs that agree are. Each run is projected
    against its own twin (the replicate of the same seed)."""
    from types import SimpleNamespace

    from simulator.report.text import brought_forward_note, projected_lead, projected_leads_by_run

    days = np.arange(0, 181)

    def series(runs):   # one constant hazard per replicate, from 3,000 prospects
        return pd.concat([pd.DataFrame({"replicate": r, "day": days, "prospects": 3000.0 * np.exp(-h * days)})
                          for r, h in enumerate(runs)])

    scenario = SimpleNamespace(days=180, population=SimpleNamespace(size=3000), name="d",
                               program=small().program)
    twin = series([0.0045, 0.0045, 0.0045])
    agreeing = series([0.0060, 0.0061, 0.0059])   # each run's lead shrinks alike
    rows = projected_leads_by_run(agreeing, twin, 180)
    assert rows.shape == (3, 2) and (rows[:, 1] < 0.75 * rows[:, 0]).all()
    assert "short of it beyond the runs' luck" in brought_forward_note(scenario, agreeing, twin)
    # one run: nothing to test its luck against, and the note says so instead of claiming it
    alone = brought_forward_note(scenario, agreeing[agreeing["replicate"] == 0], twin[twin["replicate"] == 0])
    assert "(not tested against the runs' luck, which takes two replicates or more)" in alone, alone
    # single-sided-cash on 2,000 people for 180 days, 3 replicates: the mean's pace says the lead of 19 goes, the runs'
    # own projections (-51, +9, +42) say nothing sure, and no note is given
    folder = tmp_path / "r"
    done = runner.invoke(app, ["run", str(SCENARIOS / "single-sided-cash.yaml"), "--set", "population.size=2000",
                               "--set", "days=180", "-r", "3", "--executor", "serial", "--out", str(folder)])
    assert done.exit_code == 0, done.output
    ours, theirs = pd.read_csv(folder / "timeseries.csv"), pd.read_csv(folder / "baseline_timeseries.csv")
    lead, _, later = projected_lead(ours, theirs, 180)
    assert lead >= 5 and later < 0.75 * lead   # the case: the mean's projection alone would say it
    rows = projected_leads_by_run(ours, theirs, 180)
    assert rows[:, 1].max() - rows[:, 1].min() > lead   # run by run, further apart than the lead itself
    assert "brought forward" not in done.stdout and "brought forward" not in (folder / "report.md").read_text()


def test_a_value_resting_on_customers_the_twin_gains_after_the_horizon_is_said(tmp_path):
    """In a market that adopts on its own (organic_rate 0.004) over 180 days, compare read
    the double-sided credit "sure at 95%" (+31,813) while its twin still had 43% of the
    people as prospects, joining on their own: its lead in joiners, 187 on day 180, was 68
    on day 365 and gone by day 540, the value +1,205 at 1,095 days, not told apart. No
    console said so (docs/model.md did). run's and compare's consoles and report.md now
    say where the lead would shrink by more than a quarter within a year at each run's
    pace, and suggest the longer horizon; a program whose lead holds gets no such note."""
    shrink = ["--set", "population.size=3000", "--set", "population.initial_customers=30",
              "--set", "acquisition.organic_rate=0.004", "--set", "days=180", "--replicates", "3", "--seed", "5"]
    done = runner.invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(tmp_path / "r"), *shrink])
    assert done.exit_code == 0, done.output
    twin = pd.read_csv(tmp_path / "r" / "baseline_timeseries.csv")
    ours = pd.read_csv(tmp_path / "r" / "timeseries.csv")
    last = {name: frame[frame.day == 180]["prospects"].mean() for name, frame in (("twin", twin), ("ours", ours))}
    assert last["twin"] > 1000 and last["twin"] - last["ours"] > 100   # the case: a lead, many prospects left
    note = next(line for line in done.stdout.splitlines() if "only brought forward" in line)
    assert f"is {last['twin'] - last['ours']:,.0f} people who joined by day 180" in note, note
    assert "--set days=545" in note
    assert "only brought forward" in (tmp_path / "r" / "report.md").read_text()
    compared = runner.invoke(app, ["compare", str(SCENARIOS / "no-program.yaml"), str(SCENARIOS / "default.yaml"),
                                   "--out", str(tmp_path / "c"), *shrink])
    assert compared.exit_code == 0, compared.output
    assert "note: default-double-sided-credit's lead over its no-program twin is" in compared.stdout
    assert "only brought forward" in (tmp_path / "c" / "report.md").read_text()
    # the default market adopts little on its own: the program's lead holds, and nothing is said
    plain = run(tmp_path / "d")
    assert plain.exit_code == 0 and "brought forward" not in plain.stdout


def test_an_undefined_value_draws_no_numpy_warning_from_the_loyalty_note():
    """Customers who never leave, undiscounted: every value is undefined (refsim says so and
    what to give), and numpy printed "RuntimeWarning: invalid value encountered in reduce"
    twice beside it, from the mean of the leads' inf and -inf. The note's value is NaN,
    with no warning, and no loyalty note is drawn from it."""
    import warnings

    from simulator.report.text import loyalty_value, referred_loyalty_tests

    runs = pd.DataFrame({"incremental_value": [np.nan] * 3, "incremental_customers": [-2.0, 0.0, -1.0],
                         "incremental_pipeline_equity": [0.0, np.inf, -np.inf], "referred_customers": [5.0, 6.0, 7.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(loyalty_value(runs))
        assert referred_loyalty_tests(small(), runs) == []


def test_compare_given_a_metric_says_what_it_ranks_on(tmp_path):
    """`refsim compare A B --metric customers_final` was answered by click: "No such
    option: --metric (Possible options: --set)", a hint that led nowhere. It now says
    what compare ranks on and where the other metrics are, in one line, and runs nothing."""
    result = CliRunner().invoke(app, ["compare", "scenarios/default.yaml", "scenarios/no-program.yaml", "--metric",
                                      "customers_final", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and not (tmp_path / "c").exists()
    (line,) = result.stderr.strip().splitlines()
    assert "it ranks designs on incremental_value (net_value with --no-baseline)" in line and "comparison.csv" in line
    assert "--metric" not in CliRunner().invoke(app, ["compare", "--help"]).stdout   # not an option to offer


def test_an_edge_list_under_the_home_folder_is_read_from_there(tmp_path, home):
    """`path: ~/graph.txt` was looked for as <scenario folder>/~/graph.txt: the builder
    expands ~ but validation had already made the path absolute under the scenario's
    folder. It is the home folder's, as a shell reads it."""
    elsewhere = tmp_path / "scenarios"
    elsewhere.mkdir()
    (home / "graph.txt").write_text("0 1\n1 2\n2 3\n3 0\n")
    scenario = elsewhere / "s.yaml"
    scenario.write_text("name: ring\ndays: 5\nreplicates: 2\npopulation: {initial_customers: 1}\n"
                        "network: {kind: edgelist, path: ~/graph.txt}\n")
    ran = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenarios"][0]["network"]["path"] == str(home / "graph.txt")
    assert list(manifest["inputs"]) == [str(home / "graph.txt")]
