"""An interrupted ``refsim sensitivity`` or ``refsim calibrate`` keeps its finished
runs (run_cache.RunCache) and, rerun into the same --out folder, reads them back
instead of running them again, writing the files an uninterrupted study writes."""

from __future__ import annotations

import json
import math
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

import simulator.evaluation as evaluation
import simulator.run_cache as run_cache
from simulator.evaluation import Evaluator, RunRequest
from simulator.run_cache import RunCache, cache_folder
from simulator.scenario_io import load_scenario

from .conftest import ROOT, SCENARIOS
from .processes import kill_group_when
from .test_cli_decide import DEFAULT, SINGLE, TINY, calibrate_args, invoke, ok, one_line_error, write_pilot

TINY_SCENARIO = load_scenario(SCENARIOS / "default.yaml", TINY[1::2])
REAL_RUN = evaluation.run_request


def request(scenario=TINY_SCENARIO, seed=1, metrics=("customers_final",), baseline=False, daily=False, kernel=None):
    return RunRequest(0, scenario, seed, tuple(metrics), baseline, daily, kernel)


def test_a_run_is_known_by_everything_that_decides_its_numbers_and_nothing_else(tmp_path):
    cache = RunCache(tmp_path / "runs")
    key = cache.keys([request()])[0]
    assert cache.keys([request()]) == [key]          # the same run, asked again
    other = load_scenario(SCENARIOS / "default.yaml", [*TINY[1::2], "program.base_share=0.31"])
    for changed in (request(scenario=other), request(seed=2), request(metrics=("customers_final", "reward_cost")),
                    request(baseline=True), request(daily=True), request(kernel=False)):
        assert cache.keys([changed]) != [key], changed
    # the code that turns a seed into numbers is part of the key: another version's runs are not this one's
    cache.code = "another version"
    assert cache.keys([request()]) != [key]


def test_an_edge_list_whose_bytes_changed_gives_its_runs_other_keys(tmp_path):
    edges = tmp_path / "graph.txt"
    edges.write_text((SCENARIOS / "graph.txt").read_text())
    scenario = load_scenario(SCENARIOS / "independent-cascade.yaml", [f"network.path={edges}"])
    before = RunCache(tmp_path / "a").keys([request(scenario=scenario)])
    assert RunCache(tmp_path / "b").keys([request(scenario=scenario)]) == before
    edges.write_text(edges.read_text() + "0 999\n")
    assert RunCache(tmp_path / "c").keys([request(scenario=scenario)]) != before


def test_kept_runs_read_back_exactly_nan_and_daily_tables_included(tmp_path):
    cache = RunCache(tmp_path / "runs")
    daily = np.random.default_rng(3).random((5, 4)) * 1e6
    cache.put("a", ("x", "y"), {"x": 0.1 + 0.2, "y": math.nan})
    cache.put("b", (), {"daily": daily})
    cache.put("c", ("x",), {"x": -1e-300, "daily": daily[:2]})
    cache.flush()
    again = RunCache(tmp_path / "runs")
    assert len(again) == 3 and again.get("a")["x"] == 0.1 + 0.2 and math.isnan(again.get("a")["y"])
    assert np.array_equal(again.get("b")["daily"], daily) and again.get("b").keys() == {"daily"}
    assert again.get("c")["x"] == -1e-300 and np.array_equal(again.get("c")["daily"], daily[:2])
    assert again.get("d") is None
    # what get hands out is a copy: a caller that edits it does not edit the kept run
    again.get("b")["daily"][0, 0] = -1
    assert again.get("b")["daily"][0, 0] == daily[0, 0]


def test_runs_of_another_refsim_are_counted_and_not_reused(tmp_path):
    cache = RunCache(tmp_path / "runs")
    cache.code = "an older version"
    cache.put("a", ("x",), {"x": 1.0})
    cache.flush()
    again = RunCache(tmp_path / "runs")
    assert again.get("a") is None and again.other_code == 1


def test_a_stray_file_or_a_cut_write_in_the_folder(tmp_path):
    folder = tmp_path / "runs"
    RunCache(folder)
    (folder / ".runs-000001.npz.x.tmp").write_bytes(b"cut short")
    RunCache(folder)
    assert not list(folder.glob(".*.tmp"))            # a write a kill cut short is removed
    (folder / "runs-000001 (copy).npz").write_bytes(b"")
    with pytest.raises(evaluation.ScenarioError, match=r"runs-000001 \(copy\)\.npz is not a file a study writes"):
        RunCache(folder)


def test_kept_runs_flushed_by_an_interrupt_are_reused_by_the_next_evaluator(tmp_path, monkeypatch):
    scenarios, seeds = [TINY_SCENARIO] * 4, [1, 2, 3, 4]
    expected = Evaluator("serial")(scenarios, seeds, ["customers_final", "reward_cost"])
    real, ran = evaluation.run_request, []

    def dies_on_the_third(request):
        if len(ran) == 2:
            raise KeyboardInterrupt
        ran.append(request.seed)
        return real(request)

    monkeypatch.setattr(evaluation, "run_request", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        Evaluator("serial", cache=RunCache(tmp_path / "runs"))(scenarios, seeds, ["customers_final", "reward_cost"])
    ran.clear()
    monkeypatch.setattr(evaluation, "run_request", lambda r: ran.append(r.seed) or real(r))
    resumed = Evaluator("serial", cache=RunCache(tmp_path / "runs"))(scenarios, seeds, ["customers_final", "reward_cost"])
    assert ran == [3, 4] and resumed == expected


def test_a_run_asked_twice_in_one_call_runs_once_and_each_request_gets_its_own_copy(tmp_path, monkeypatch):
    """Morris trajectories share points: a study asked the very same run several times,
    and ran each (30 of 192 in one small sensitivity)."""
    scenarios, seeds = [TINY_SCENARIO] * 5, [1, 2, 1, 1, 3]
    expected = Evaluator("serial")(scenarios, seeds, ["customers_final"], daily=True)
    ran, advanced = [], []
    monkeypatch.setattr(evaluation, "run_request", lambda r: ran.append(r.seed) or REAL_RUN(r))
    evaluate = Evaluator("serial", progress=advanced.append, cache=RunCache(tmp_path / "runs"))
    values = evaluate(scenarios, seeds, ["customers_final"], daily=True)
    assert sorted(ran) == [1, 2, 3] and sum(advanced) == 5     # the progress bar still counts every request
    for got, want in zip(values, expected):
        assert got["customers_final"] == want["customers_final"] and np.array_equal(got["daily"], want["daily"])
    values[0]["daily"][0, 0] = -1     # the repeats are copies: one result edited leaves the others alone
    assert values[2]["daily"][0, 0] == values[3]["daily"][0, 0] == expected[0]["daily"][0, 0]


SENSITIVITY = ["sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4",
               "--trajectories", "2", "--seed", "2", "--executor", "serial"]
SENSITIVITY_FILES = ("morris.csv", "sobol.csv", "tornado.csv", "points.csv", "decision.csv", "flips.csv",
                     "conditional.csv", "report.md", "tornado.png", "sobol.png")


def counting_runs(monkeypatch, stop_after: int | None = None) -> list:
    """Count the runs made through evaluation.run_request; with ``stop_after``, a Ctrl-C
    arrives as the next run starts."""
    real, ran = REAL_RUN, []

    def counted(request):
        if stop_after is not None and len(ran) == stop_after:
            raise KeyboardInterrupt
        ran.append(1)
        return real(request)

    monkeypatch.setattr(evaluation, "run_request", counted)
    return ran


def resumed_number(console: str) -> int:
    return int(console.split("resuming: ")[1].split()[0])


def test_an_interrupted_sensitivity_resumes_from_its_kept_runs_to_the_files_of_an_uninterrupted_one(tmp_path, monkeypatch):
    whole = counting_runs(monkeypatch)
    ok(*SENSITIVITY, "--out", tmp_path / "whole")
    assert not cache_folder(tmp_path / "whole").exists()   # a finished study leaves only its results folder
    counting_runs(monkeypatch, stop_after=len(whole) // 2)
    stopped = invoke(*SENSITIVITY, "--out", tmp_path / "again")
    assert stopped.exit_code == 130 and not (tmp_path / "again").exists()
    assert f"are kept in {cache_folder(tmp_path / 'again')}; rerun the same command to resume" in stopped.stderr
    resumed = counting_runs(monkeypatch)
    console = ok(*SENSITIVITY, "--out", tmp_path / "again").stdout
    kept = resumed_number(console)
    assert 0 < kept <= len(whole) // 2 and len(resumed) <= len(whole) - kept
    for name in SENSITIVITY_FILES:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    # the files are the uninterrupted study's; the manifest says the study resumed, and how many runs it read back
    manifests = [json.loads((tmp_path / name / "manifest.json").read_text())["sensitivity"] for name in ("whole", "again")]
    assert manifests[0]["runs_read_back"] == 0 and 0 < manifests[1]["runs_read_back"] <= kept
    assert not cache_folder(tmp_path / "again").exists()


def test_an_interrupted_study_without_out_names_the_folder_to_resume_into(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    counting_runs(monkeypatch, stop_after=3)
    stopped = invoke(*SENSITIVITY)
    assert stopped.exit_code == 130
    folder = stopped.stderr.split("rerun the same command with --out ")[1].split(" to resume")[0]
    assert folder.startswith("results/") and cache_folder(tmp_path / folder).is_dir()
    counting_runs(monkeypatch)
    assert 0 < resumed_number(ok(*SENSITIVITY, "--out", folder).stdout) <= 3   # a point Morris visits twice is kept once
    # stopped before any run finished: no runs folder, and no empty results/ made for it
    shutil.rmtree(tmp_path / "results")
    counting_runs(monkeypatch, stop_after=0)
    stopped = invoke(*SENSITIVITY)
    assert stopped.exit_code == 130 and "interrupted before any run finished" in stopped.stderr
    assert not (tmp_path / "results").exists()


def test_a_study_that_drew_its_seed_resumes_on_that_seed(tmp_path, monkeypatch):
    """A study of a scenario without a seed, given none, draws one. Interrupted and rerun,
    it drew another: none of its kept runs was reused (runs_read_back 0), though the
    console said 'resuming: 72 finished runs ... read back'. The drawn seed is kept with
    the runs, used again, and said so; the files are those of the study on that seed."""
    import yaml

    data = yaml.safe_load(open(DEFAULT))
    data.pop("seed", None)
    unseeded = tmp_path / "unseeded.yaml"
    unseeded.write_text(yaml.safe_dump(data, sort_keys=False))
    assert SENSITIVITY[-4:-2] == ["--seed", "2"]
    args = [SENSITIVITY[0], str(unseeded), *SENSITIVITY[2:-4], *SENSITIVITY[-2:]]
    whole = counting_runs(monkeypatch)
    ok(*args, "--out", tmp_path / "drawn")
    counting_runs(monkeypatch, stop_after=len(whole) // 2)
    assert invoke(*args, "--out", tmp_path / "again").exit_code == 130
    drawn = int((cache_folder(tmp_path / "again") / "drawn_seed").read_text())
    counting_runs(monkeypatch)
    console = " ".join(ok(*args, "--out", tmp_path / "again").stdout.split())
    assert f"the unfinished study's drawn seed, {drawn}, is used again" in console, console
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert manifest["sensitivity"]["runs_read_back"] > 0 and manifest["sensitivity"]["seed"] == drawn
    ok(*args, "--seed", str(drawn), "--out", tmp_path / "given")
    for name in SENSITIVITY_FILES:
        assert (tmp_path / "given" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_a_second_study_into_the_folder_of_a_running_one_is_refused(tmp_path):
    from simulator.results import StudyLock

    with StudyLock(cache_folder(tmp_path / "busy"), "study"):
        one_line_error(invoke(*SENSITIVITY, "--out", tmp_path / "busy"), "another study", "is writing")


def test_an_interrupted_calibration_resumes_from_its_kept_runs_to_the_files_of_an_uninterrupted_one(tmp_path,
                                                                                                     monkeypatch):
    pilot = write_pilot(tmp_path)
    whole = counting_runs(monkeypatch)
    ok(*calibrate_args(tmp_path / "whole", pilot))
    counting_runs(monkeypatch, stop_after=len(whole) // 2)
    stopped = invoke(*calibrate_args(tmp_path / "again", pilot))
    assert stopped.exit_code == 130 and "rerun the same command to resume" in stopped.stderr
    resumed = counting_runs(monkeypatch)
    kept = resumed_number(ok(*calibrate_args(tmp_path / "again", pilot)).stdout)
    assert 0 < kept and len(resumed) <= len(whole) - kept
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["calibrate"]["runs_read_back"] > 0
    for name in ("posterior.csv", "particles.csv", "intervals.csv", "generations.csv", "forecast.csv", "outcomes.csv",
                 "designs.csv", "report.md"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_a_study_flushes_its_runs_as_it_goes_so_a_kill_loses_only_the_last_few(tmp_path, monkeypatch):
    """A SIGKILL runs no finally: what is on disk is what was flushed, every
    FLUSH_RUNS runs (or FLUSH_SECONDS)."""
    monkeypatch.setattr(run_cache, "FLUSH_RUNS", 2)
    cache = RunCache(tmp_path / "runs")
    Evaluator("serial", cache=cache)([TINY_SCENARIO] * 5, [1, 2, 3, 4, 5], ["customers_final"])
    assert len(RunCache(tmp_path / "runs")) == 4      # two parts of two written; the fifth run waits for the next


def test_every_run_is_on_disk_before_a_study_writes_its_folder(tmp_path, monkeypatch):
    """A SIGKILL while a sensitivity or a calibration wrote its folder lost the runs since
    the last flush (135 of 182 kept): the runs reach the disk once the run phase ends.
    With flushing by count and time turned off, the writer finds every run of the study
    on disk (the runs the cache holds, read back by a second reader)."""
    from simulator.report import calibrate as calibrate_report, sensitivity as sensitivity_report

    monkeypatch.setattr(run_cache, "FLUSH_RUNS", 10**9)
    monkeypatch.setattr(run_cache, "FLUSH_SECONDS", float("inf"))
    seen = {}

    def on_disk(writer, name, target_of):
        def write(*args, **kwargs):
            seen[name] = len(RunCache(cache_folder(target_of(args))))
            return writer(*args, **kwargs)
        return write

    whole = counting_runs(monkeypatch)
    monkeypatch.setattr(sensitivity_report, "write_sensitivity",
                        on_disk(sensitivity_report.write_sensitivity, "sensitivity", lambda args: args[1]))
    ok(*SENSITIVITY, "--out", tmp_path / "sensitivity")
    assert 0 < seen["sensitivity"] == len(whole), (seen, len(whole))   # each run made once, each kept
    pilot = write_pilot(tmp_path)
    target = tmp_path / "calibration"
    whole = counting_runs(monkeypatch)
    monkeypatch.setattr(calibrate_report, "write_calibration",
                        on_disk(calibrate_report.write_calibration, "calibrate", lambda args: target))
    ok(*calibrate_args(target, pilot))
    assert 0 < seen["calibrate"] == len(whole), (seen, len(whole))


def test_a_mistake_found_before_any_run_leaves_no_runs_folder_and_a_busy_folder_is_left_alone(tmp_path, monkeypatch):
    """A study that failed before any run finished left an empty .NAME.runs/ behind; a
    second study refused by the lock must not remove the running one's folder."""
    from simulator.run_cache import kept_runs

    with pytest.raises(ValueError):
        with kept_runs(tmp_path / "out"):
            raise ValueError("a mistake")
    assert not cache_folder(tmp_path / "out").exists()
    with kept_runs(tmp_path / "busy"):
        # of any kind (one lock): a calibrate into a running sensitivity's folder read its runs, and lost its own
        with pytest.raises(evaluation.ScenarioError, match="another study"):
            with kept_runs(tmp_path / "busy"):
                pass
        assert cache_folder(tmp_path / "busy").is_dir()
    days = invoke("sensitivity", DEFAULT, *TINY, "--uncertain", "days=30:40", "--out", tmp_path / "days")
    one_line_error(days, "the horizon is not an uncertain assumption")
    assert not cache_folder(tmp_path / "days").exists() and not (tmp_path / "days").exists()


@pytest.mark.slow
def test_a_sensitivity_killed_by_sigkill_resumes_from_the_runs_it_had_written(tmp_path):
    """SIGKILL runs no finally: what the rerun reads back is what the study had written as
    it went (every FLUSH_RUNS runs or FLUSH_SECONDS). Killed, with its whole process group,
    once a part file exists, the rerun reads those runs back, and its files are the
    uninterrupted study's."""
    args = ["sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--uncertain",
            "word_of_mouth.spontaneous_rate=0.001:0.01", "--samples", "64", "--trajectories", "10", "--replicates", "2",
            "--seed", "4", "--executor", "local", "--workers", "2"]
    command = [sys.executable, "-m", "simulator", *args]
    out = tmp_path / "killed"
    folder = cache_folder(out)
    for attempt in range(3):   # a loaded machine may let a study finish before the test sees its first part
        process = subprocess.Popen([*command, "--out", str(out)], cwd=ROOT, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_group_when(process, lambda: any(folder.glob("runs-*.npz")), "the study wrote no part file", 120):
            break
        assert process.returncode == 0
        shutil.rmtree(out)
    assert process.returncode == -signal.SIGKILL and not out.exists()
    again = subprocess.run([*command, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert resumed_number(again.stdout) >= 1
    whole = subprocess.run([*command, "--out", str(tmp_path / "whole")], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert whole.returncode == 0, whole.stderr
    for name in SENSITIVITY_FILES:
        assert (tmp_path / "whole" / name).read_bytes() == (out / name).read_bytes(), name
    assert not folder.exists()


def test_a_damaged_part_file_is_one_line_and_a_dead_staging_folder_is_removed(tmp_path):
    """A part file cut short or emptied by hand ended in a traceback (zipfile's
    BadZipFile) or a bare 'interrupted' (numpy's EOFError taken for an abort); a staging
    folder a SIGKILL left beside --out (calibrate's holds its pyabc database from the
    start) stayed for good."""
    from simulator.run_cache import kept_runs

    cache = RunCache(tmp_path / "runs")
    cache.put("a", ("x",), {"x": 1.0})
    cache.flush()
    part = tmp_path / "runs" / "runs-000001.npz"
    for damage in (part.read_bytes()[:40], b""):
        part.write_bytes(damage)
        with pytest.raises(evaluation.ScenarioError, match=r"runs-000001\.npz cannot be read \((BadZipFile|EOFError)\); "
                                                           r"remove it"):
            RunCache(tmp_path / "runs")
    staging = tmp_path / ".out.x1y2.partial"
    staging.mkdir()
    (staging / "calibration.db").write_bytes(b"left by a kill")
    with kept_runs(tmp_path / "out"):
        assert not staging.exists()


def test_a_study_stops_where_its_edge_list_was_written_to_though_its_bytes_are_the_old_ones(tmp_path):
    """An edge list overwritten with another graph and put back between two runs (or an
    export rewriting the same bytes, read half written meanwhile) left the digest as it
    was: the study went on, keeping a run that may have read the other graph. A file
    written to since the last look now stops the study, as a changed one does."""
    import os

    from simulator.errors import ScenarioError
    from simulator.provenance import input_digests

    graph = tmp_path / "graph.txt"
    graph.write_text("0 1\n1 2\n")
    cache = RunCache(tmp_path / "runs")
    cache.hold(input_digests([graph]))
    cache.put("a", ("customers_final",), {"customers_final": 1.0})   # the first look reads the bytes: as they were
    graph.write_text("0 2\n1 2\n")
    graph.write_text("0 1\n1 2\n")   # the old bytes again
    os.utime(graph, ns=(graph.stat().st_atime_ns, graph.stat().st_mtime_ns + 5_000_000_000))
    with pytest.raises(ScenarioError, match="written to while the study ran: its bytes are the ones it started with, "
                                            "but a run may have read it while it was written or replaced"):
        cache.put("b", ("customers_final",), {"customers_final": 2.0})
    assert len(cache) == 1
