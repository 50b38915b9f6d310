"""`refsim optimize`, `refsim sensitivity` and `refsim calibrate` end to end, in process:
the folders they write, resuming, reproducibility and one-line errors.

Every study here is tiny (400 people, 45 days, a handful of trials or particles):
these tests check the wiring, not the statistics, which test_optimize.py,
test_sensitivity.py and test_calibrate.py check against closed forms."""

from __future__ import annotations

import math
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import simulator.evaluation as evaluation
from simulator.cli import app
from simulator.metrics import COLUMN_INDEX
from simulator.runner import run_replicate
from simulator.run_cache import cache_folder
from simulator.scenario_io import load_scenario

from .conftest import SCENARIOS

runner = CliRunner()
DEFAULT = str(SCENARIOS / "default.yaml")
SINGLE = str(SCENARIOS / "single-sided-cash.yaml")
TINY = ["--set", "population.size=400", "--set", "population.initial_customers=10", "--set", "days=45",
        "--set", "program.incentive.qualification_days=7"]
REWARD = "program.incentive.referrer_reward"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


def one_line_error(result, *words: str) -> str:
    """Exit 2, one line on stderr, no traceback, and the line names each of ``words``."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.rstrip("\n").split("\n")  # a blank line before the error is a second line
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def test_sensitivity_and_calibrate_say_what_a_design_files_defaults_do(tmp_path):
    """A design file without reward_type weighs store credit at 40% of its face value;
    run, compare, optimize and sweep said so, and sensitivity and calibrate, which run
    the files as they are, did not. Their report.md and console now do, unless the
    study varies what the default decides (a reward type among the assumptions)."""
    from simulator.report.text import designs_default_notes

    data = yaml.safe_load(Path(DEFAULT).read_text())
    del data["program"]["incentive"]["reward_type"]
    data["name"] = "no-type"
    path = tmp_path / "no-type.yaml"
    path.write_text(yaml.safe_dump(data))
    result = ok("sensitivity", path, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4",
                "--trajectories", "2", "--seed", "2", "--out", tmp_path / "s", "--executor", "serial")
    assert "note: Rewards are store credit" in result.stdout
    assert "Rewards are store credit (`program.incentive.reward_type` is not given" in (tmp_path / "s" / "report.md").read_text()
    plain, given = load_scenario(path), load_scenario(DEFAULT)
    assert designs_default_notes([plain], ["program.incentive.reward_type"]) == []   # varied: the study decides it
    (note,) = designs_default_notes([plain, given], ["program.base_share"])
    assert note.startswith("no-type: Rewards are store credit")   # several designs: the note names whose
    assert designs_default_notes([given], ["program.base_share"]) == []


@pytest.fixture
def optimize_settings(tmp_path):
    """A settings file holding what has no flag: small rungs, a short confirmation."""
    path = tmp_path / "optimize.yaml"
    path.write_text(yaml.safe_dump({"max_replicates": 4, "batch": 2, "confirm_replicates": 4, "startup_trials": 3}))
    return path


def optimize_args(out, settings, *extra):
    return ["optimize", DEFAULT, *TINY, "--vary", f"{REWARD}=0:40", "--vary", "program.timing.kind=onboarding,at_purchase",
            "--objective", "cumulative_profit", "--constraint", "reward_cost<=300", "--trials", "6", "--replicates", "2",
            "--seed", "5", "--settings", settings, "--out", out, "--executor", "serial", *extra]


# --------------------------------------------------------------------------- optimize


def test_a_study_nothing_keeps_the_constraints_of_is_a_finding_a_script_can_read(tmp_path, optimize_settings):
    """A study where no design keeps the constraints exits 0 (a finding, not a failure;
    docs/decide.md): a script tells it by manifest.json's optimize.feasible, false here
    (customers_final <= 0 cannot hold: the 10 initial customers are there on the last
    day), and best.yaml and the console say so."""
    args = [a if a != "reward_cost<=300" else "customers_final<=0" for a in optimize_args(tmp_path / "opt", optimize_settings)]
    done = ok(*args)
    assert json.loads((tmp_path / "opt" / "manifest.json").read_text())["optimize"]["feasible"] is False
    assert "NOT kept" in (tmp_path / "opt" / "best.yaml").read_text()
    assert "warning" in done.output.lower(), done.output


def test_optimize_writes_its_folder_and_best_yaml_runs(tmp_path, optimize_settings):
    folder = tmp_path / "opt"
    done = ok(*optimize_args(folder, optimize_settings))
    # reward_cost<=300 holds on the mean only: said on the console without report.md's backticks
    assert "note: reward_cost<=300 holds on the mean" in done.stdout and "`" not in done.stdout, done.stdout
    # the --set items the base ran with: report.md gave the file's name alone
    assert "The scenario was changed with --set: `population.size=400`, `population.initial_customers=10`, `days=45`" \
        in " ".join((folder / "report.md").read_text().split())
    for name in ("trials.csv", "confirmation.csv", "best.yaml", "convergence.png", "report.md", "manifest.json",
                 "optuna.sqlite3"):
        assert (folder / name).stat().st_size > 0, name
    trials = pd.read_csv(folder / "trials.csv")
    assert list(trials["trial"]) == list(range(6))
    assert trials[REWARD].between(0, 40).all() and set(trials["program.timing.kind"]) <= {"onboarding", "at_purchase"}
    # successive halving: nobody gets more replicates than the top rung, everybody at least rung 0's
    assert trials["replicates"].between(2, 4).all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["optimize"]["seed"] == 5 and manifest["optimize"]["rungs"] == [2, 4]
    # the search's settings, from the file (which may change) and the flags, as sensitivity's and calibrate's record theirs
    assert {k: manifest["optimize"]["settings"][k] for k in ("trials", "replicates", "max_replicates", "batch",
                                                             "confirm_replicates", "startup_trials", "eta")} == {
        "trials": 6, "replicates": 2, "max_replicates": 4, "batch": 2, "confirm_replicates": 4, "startup_trials": 3, "eta": 2}
    # kept on further seeds only where it had some: true beside "winner re-run": [] read as a second confirmation made
    rerun = manifest["seeds"]["winner re-run"]
    assert manifest["optimize"]["kept_on_further_seeds"] is (None if not rerun else manifest["optimize"]["feasible"])
    best = load_scenario(folder / "best.yaml")
    # a default the base never gave is not written back as if set: `refsim run best.yaml` said on_budget_exhausted
    # "changes nothing" of a key nobody wrote
    from simulator.report.text import default_notes

    assert "on_budget_exhausted" not in (folder / "best.yaml").read_text()
    assert not any("on_budget_exhausted" in note for note in default_notes(best))
    chosen = trials.set_index("trial").loc[manifest["optimize"]["best_trial"]]
    assert best.program.incentive.referrer_reward == pytest.approx(chosen[REWARD])
    assert best.population.size == 400 and best.seed not in (5, None)   # its own seed: see below
    # its description names the winner's levers, not the base's ("$10/$10 credit" above a $37 reward)
    assert best.description.startswith(f"The best design refsim optimize found on {load_scenario(DEFAULT).name} (trial "
                                       f"{manifest['optimize']['best_trial']}): {REWARD} = ")
    confirmation = pd.read_csv(folder / "confirmation.csv")
    mine = confirmation[confirmation["trial"] == manifest["optimize"]["best_trial"]].set_index("metric")
    if manifest["optimize"]["feasible"]:   # what the report calls kept must be kept on the fresh seeds
        assert mine.loc["reward_cost", "mean"] <= 300
    assert "## Best design" in (folder / "report.md").read_text()
    # reward_cost<=300 holds on the mean; the design has no budget to stop it at 300, which is said
    assert "set `program.incentive.budget: 300` in best.yaml" in (folder / "report.md").read_text()
    assert "program.incentive.budget: 300" in (folder / "best.yaml").read_text().split("\nname:")[0]
    ok("run", folder / "best.yaml", "--replicates", "2", "--out", tmp_path / "run", "--executor", "serial")
    # best.yaml's seed is none the study ran: a run with it is not flattered by the choice (the study seed replayed
    # the replicates the winner was picked on); --seed with the study seed replays them
    from simulator.rng import fresh_seeds, replicate_seeds, stream_seed

    runs = pd.read_csv(tmp_path / "run" / "runs.csv")
    study = int(manifest["optimize"]["seed"])
    carried = yaml.safe_load((folder / "best.yaml").read_text())["seed"]
    assert carried == stream_seed(study, "best design") != study
    assert len(runs) == 2 and not set(runs["seed"]) & set(replicate_seeds(study, 8) + fresh_seeds(study, 20))
    assert f"--seed {study} replays" in (folder / "best.yaml").read_text()
    # the same folder with another constraint is refused naming it ('its optimize file or base scenario has changed
    # since' was said, though neither had)
    other = invoke(*[a if a != "reward_cost<=300" else "reward_cost<=200" for a in optimize_args(folder, optimize_settings)])
    assert other.exit_code != 0
    assert ("holds a different optimize (its --constraint list (reward_cost<=300 there, reward_cost<=200 now) differs "
            "from this command's)") in " ".join(other.stderr.split()), other.stderr
    # a changed search setting or objective is named with its values ('its search settings differ' named none)
    more = invoke(*[a if a != "2" else "3" for a in optimize_args(folder, optimize_settings)])
    assert "its search settings (replicates 2 there, 3 now) differ" in " ".join(more.stderr.split()), more.stderr
    value = invoke(*[a if a != "cumulative_profit" else "incremental_value" for a in optimize_args(folder, optimize_settings)])
    assert "its --objective list (cumulative_profit:max there, incremental_value:max now) differs" in \
        " ".join(value.stderr.split()), value.stderr
    # extended from 6 trials, a multiple of the batch of 2: nothing to say; then from 7, part-way through a batch:
    # said to differ from one run of 8
    grown = ok(*[a if a != "6" else "7" for a in optimize_args(folder, optimize_settings)])
    assert "part-way through a batch" not in grown.stdout
    grown = ok(*[a if a != "6" else "8" for a in optimize_args(folder, optimize_settings)])
    assert "note: the study ended part-way through a batch of 2 (at 7 trials)" in " ".join(grown.stdout.split())


@pytest.fixture
def progress_bars(monkeypatch):
    """Every progress bar the decision commands make, kept to be read after the command."""
    import simulator.cli_decide as cli_decide

    bars, made = [], cli_decide.progress_bar

    def kept(total, label, ready=True):
        bars.append(made(total, label, ready))
        return bars[-1]

    monkeypatch.setattr(cli_decide, "progress_bar", kept)
    return bars


def test_optimize_counts_the_fresh_seed_reruns_on_a_line_of_their_own(tmp_path, optimize_settings, progress_bars):
    """The bar sat at '6/6 ... left 0:00:00' while the winner re-ran on fresh seeds: the
    re-runs get a line of their own, named, counting every run confirmation.csv holds."""
    bars = progress_bars
    folder = tmp_path / "opt"
    ok(*optimize_args(folder, optimize_settings))
    (bar,) = bars
    trials, reruns = bar.tasks
    assert trials.completed == trials.total == 6 and "label" not in trials.fields
    # what tells the two lines apart comes first, as a long scenario name is cut at the terminal's edge
    assert reruns.fields["label"].startswith("fresh-seed re-runs")
    confirmation = pd.read_csv(folder / "confirmation.csv")
    runs = confirmation.groupby(["trial", "round"]).ngroups * 4   # confirm_replicates: 4
    # and the leading trials', re-run on the winner's fresh seeds to weigh them against it (report.md names them)
    rivals = (reruns.total - runs) // 4
    assert reruns.completed == reruns.total == runs + 4 * rivals and rivals >= 1
    assert f"{4} fresh seeds none of them was chosen on" in (folder / "report.md").read_text()


def test_a_finished_optimisation_rerun_makes_no_fresh_seed_run_and_writes_the_same_files(tmp_path, optimize_settings,
                                                                                        progress_bars):
    """Rerunning the command on a finished study re-ran every fresh-seed run again (its
    bar counted them anew): they are stored with the study, so the rerun makes none,
    gets no re-runs line, and writes the same tables."""
    bars = progress_bars
    folder = tmp_path / "opt"
    names = ("trials.csv", "confirmation.csv", "best.yaml")
    ok(*optimize_args(folder, optimize_settings))
    before = {name: (folder / name).read_bytes() for name in names}
    report = (folder / "report.md").read_text()
    ok(*optimize_args(folder, optimize_settings))
    assert len(bars[0].tasks) == 2 and len(bars[1].tasks) == 1   # the second has the trials' line only
    assert {name: (folder / name).read_bytes() for name in names} == before
    assert (folder / "report.md").read_text() == report


def test_a_finished_study_rerun_with_fewer_trials_says_it_holds_more_and_uses_them_all(tmp_path, optimize_settings):
    """'--trials 4' on a folder of 6 finished trials said "6 of 4 trials already done":
    the folder holds more than asked, none is added, and all of them are reported."""
    folder = tmp_path / "opt"
    ok(*optimize_args(folder, optimize_settings))
    again = ok(*[a if a != "6" else "4" for a in optimize_args(folder, optimize_settings)])
    said = " ".join(again.stdout.split())
    assert "already holds 6 trials, more than the 4 asked for: none is added, and the report and its winner draw " \
           "on all 6" in said, said
    assert "6 of 4" not in said
    assert list(pd.read_csv(folder / "trials.csv")["trial"]) == list(range(6))


def test_optimize_says_when_a_choice_was_never_tried_and_lists_each_choices_best(tmp_path, optimize_settings):
    """Two trials over three timing kinds cannot try them all: the winner was crowned
    over a kind that never ran. The console and report.md now say which, and report.md
    lists each choice's best trial; with enough trials every kind runs and no warning."""
    kinds = "program.timing.kind=onboarding,at_purchase,milestone"
    base = ["optimize", DEFAULT, *TINY, "--vary", kinds, "--objective", "cumulative_profit", "--replicates", "2",
            "--seed", "5", "--settings", optimize_settings, "--executor", "serial"]
    short = ok(*base, "--trials", "2", "--out", tmp_path / "short")
    assert "warning: program.timing.kind = milestone never tried in 2 trials" in short.stdout, short.stdout
    report = (tmp_path / "short" / "report.md").read_text()
    assert "**Not every choice was tried** in 2 trials: `program.timing.kind` = milestone never ran" in report
    assert "| program.timing.kind | milestone | 0 | never tried | – | – |" in report
    trials = pd.read_csv(tmp_path / "short" / "trials.csv").set_index("program.timing.kind")
    # each choice is shown on the first rung's 2 replicates, the seeds every trial ran on, whatever rung it reached
    from simulator.report.text import fmt

    rows = []
    for kind in ("onboarding", "at_purchase"):
        row = trials.loc[kind]
        won = " (the winner's)" if kind == short.stdout.split("program.timing.kind=")[1].split()[0] else ""
        line = f"| program.timing.kind | {kind}{won} | 1 | {row['trial']} | {fmt(row['cumulative_profit_rung0_mean'])} | "
        assert line in report, (line, report)
        rows.append((report.index(line), row["cumulative_profit_rung0_mean"]))
    assert [mean for _, mean in sorted(rows)] == sorted((mean for _, mean in rows), reverse=True)  # best first
    assert sorted(trials["replicates"]) == [2, 4]  # one of them climbed to the second rung
    enough = ok(*base, "--trials", "3", "--out", tmp_path / "enough")
    assert "never tried" not in enough.stdout and "Not every choice" not in (tmp_path / "enough" / "report.md").read_text()
    # with only categorical keys a trial past the 3 designs would repeat one on the same seeds: 6 asked, 3 run
    more = ok(*base, "--trials", "6", "--out", tmp_path / "more")
    assert "3 trials: every key takes a few values and there are 3 designs" in more.stdout
    assert "(6 were asked for: every key takes a few values and there are only 3 designs" in (tmp_path / "more" / "report.md").read_text()
    assert sorted(pd.read_csv(tmp_path / "more" / "trials.csv")["program.timing.kind"]) == \
        ["at_purchase", "milestone", "onboarding"]


def test_an_interrupted_optimize_bar_ends_at_the_trials_the_line_says_are_saved(tmp_path, optimize_settings,
                                                                              monkeypatch):
    """A stop that lands after a batch's trials are told and before the bar hears of them
    left '24/60' above '26 finished trials are saved': the bar now ends at the count the
    line gives, read from the study's database."""
    from simulator import cli_decide, optimize
    from simulator.cli import progress_bar

    real, batches = optimize.Search.run_batch, []

    def told_then_stopped(self, study, trials):
        told = real(self, study, trials)
        batches.append(told)
        if len(batches) == 2:   # the second batch is saved; the bar has not advanced for it
            raise KeyboardInterrupt
        return told

    monkeypatch.setattr(optimize.Search, "run_batch", told_then_stopped)
    bars = []
    monkeypatch.setattr(cli_decide, "progress_bar", lambda *a, **k: bars.append(progress_bar(*a, **k)) or bars[-1])
    killed = invoke(*optimize_args(tmp_path / "o", optimize_settings))
    assert killed.exit_code == 130, killed.output
    told = re.search(r"interrupted: (\d+) finished trials? (?:are|is) saved", " ".join(killed.stderr.split()))
    assert told and int(told[1]) == sum(batches) == 4, (killed.stderr, batches)
    assert bars[0].tasks[0].completed == 4


def test_same_seed_same_files_on_any_executor_and_a_killed_study_resumes_to_them(tmp_path, optimize_settings, monkeypatch):
    ok(*optimize_args(tmp_path / "serial", optimize_settings))
    ok(*optimize_args(tmp_path / "pool", optimize_settings, "--executor", "local", "--workers", "2"))
    for name in ("trials.csv", "confirmation.csv", "best.yaml"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes(), name

    real, calls = evaluation.run_request, []

    def dies_after_some_runs(request):
        calls.append(1)
        if len(calls) > 9:    # mid-study: some trials told, some asked and never told
            raise KeyboardInterrupt
        return real(request)

    monkeypatch.setattr(evaluation, "run_request", dies_after_some_runs)
    killed = invoke(*optimize_args(tmp_path / "resumed", optimize_settings))
    assert killed.exit_code == 130 and "rerun the same command to resume" in killed.stderr
    # counted, with the runs' folder named, as sensitivity and calibrate say theirs
    told = re.search(r"interrupted: (\d+) finished trials? (?:are|is) saved in (\S+)/optuna.sqlite3 and 9 finished runs "
                     r"in (\S+); rerun", " ".join(killed.stderr.split()))
    assert told and told[3] == str(cache_folder(tmp_path / "resumed")), killed.stderr
    # that one line, as sensitivity and calibrate say theirs: no second, bare "interrupted" under it
    assert [line for line in killed.stderr.splitlines() if "interrupted" in line] == \
        [next(line for line in killed.stderr.splitlines() if line.startswith("interrupted: "))], killed.stderr
    assert not (tmp_path / "resumed" / "trials.csv").exists()
    # the 9 runs finished before the stop are kept beside the folder, told or not: the database keeps whole trials
    # only, and the runs of a batch stopped part-way ran again from the start
    assert cache_folder(tmp_path / "resumed").is_dir()
    calls.clear()
    monkeypatch.setattr(evaluation, "run_request", lambda request: calls.append(1) or real(request))
    resumed = ok(*optimize_args(tmp_path / "resumed", optimize_settings))
    assert "resuming" in resumed.stdout
    assert f"resuming {tmp_path / 'resumed'}: {told[1]} of" in " ".join(resumed.stdout.split())
    assert "9 finished runs kept by the interrupted study; those it asks for again are read back" in \
        " ".join(resumed.stdout.split())
    read_back = [json.loads((tmp_path / name / "manifest.json").read_text())["optimize"]["runs_read_back"]
                 for name in ("serial", "resumed")]
    assert read_back[0] == 0 and 0 < read_back[1] <= 9
    whole = len(calls)
    for name in ("trials.csv", "confirmation.csv", "best.yaml"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "resumed" / name).read_bytes(), name
    assert not cache_folder(tmp_path / "resumed").exists()   # gone once the study is done
    calls.clear()
    ok(*optimize_args(tmp_path / "fresh", optimize_settings))
    assert whole <= len(calls) - 9, (whole, len(calls))   # the resumed study ran none of the 9 again
    # a different study into the same folder is refused, not mixed in
    other = invoke(*optimize_args(tmp_path / "resumed", optimize_settings, "--seed", "6"))
    one_line_error(other, "--out", "--force")


def small_optimize(tmp_path, scenario, out, *extra):
    """Two trials of two replicates on a scenario file of the test's own: enough for a folder to resume."""
    settings = tmp_path / "small.yaml"
    if not settings.exists():
        settings.write_text(yaml.safe_dump({"max_replicates": 2, "batch": 2, "confirm_replicates": 2,
                                            "startup_trials": 2}))
    return invoke("optimize", scenario, *TINY, "--vary", f"{REWARD}=0:40", "--objective", "cumulative_profit",
                  "--trials", "2", "--replicates", "2", "--settings", settings, "--out", out, "--executor", "serial",
                  *extra)


def test_pinning_an_optimisations_drawn_seed_resumes_its_folder_and_another_seed_is_refused(tmp_path):
    """A study of a scenario without a seed, given none, draws one and records it in
    optimize.json. Rerunning with that seed, to pin it, was refused as 'a different
    optimize', though every trial is the same: a fresh folder with the pinned seed gives
    the folder's very trials. Pinned with --seed or with seed: in the settings file, and
    with the pin dropped again, the rerun now resumes with every trial done; another
    seed is still another study."""
    data = yaml.safe_load(Path(DEFAULT).read_text())
    del data["seed"]
    scenario = tmp_path / "unseeded.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    folder = tmp_path / "opt"
    assert small_optimize(tmp_path, scenario, folder).exit_code == 0
    first = (folder / "trials.csv").read_bytes()
    drawn = json.loads((folder / "optimize.json").read_text())["optimize_seed"]
    # the manifest's command replays the drawn seed (typed again as it was, it drew another)
    assert json.loads((folder / "manifest.json").read_text())["command"][-2:] == ["--seed", str(drawn)]
    # where its runs ran: serial is one process (it recorded this computer's cores)
    assert json.loads((folder / "manifest.json").read_text())["optimize"]["workers"] == 1
    fresh = small_optimize(tmp_path, scenario, tmp_path / "fresh", "--seed", drawn)
    assert fresh.exit_code == 0, fresh.output
    assert (tmp_path / "fresh" / "trials.csv").read_bytes() == first   # the pinned study's trials are the folder's
    pinned = small_optimize(tmp_path, scenario, folder, "--seed", drawn)
    assert pinned.exit_code == 0 and "resuming" in pinned.stdout and "2 of 2 trials already done" in pinned.stdout, \
        pinned.output
    settings = tmp_path / "small.yaml"
    settings.write_text(yaml.safe_dump({**yaml.safe_load(settings.read_text()), "seed": drawn}))
    in_file = small_optimize(tmp_path, scenario, folder)
    assert in_file.exit_code == 0 and "2 of 2 trials already done" in in_file.stdout, in_file.output
    settings.write_text(yaml.safe_dump({k: v for k, v in yaml.safe_load(settings.read_text()).items() if k != "seed"}))
    unpinned = small_optimize(tmp_path, scenario, folder)
    assert unpinned.exit_code == 0 and "2 of 2 trials already done" in unpinned.stdout, unpinned.output
    assert (folder / "trials.csv").read_bytes() == first
    assert json.loads((folder / "optimize.json").read_text())["optimize_seed"] == drawn
    # the seed the folder drew is named, so that a mistyped pin can be corrected (its fingerprint's digest was shown)
    one_line_error(small_optimize(tmp_path, scenario, folder, "--seed", drawn + 1), "holds a different optimize",
                   f"its seed (drawn {drawn} there, {drawn + 1} now) differs", "--force")
    assert (folder / "trials.csv").read_bytes() == first
    # the drawn seed written into the base scenario, or given by --set seed=, is the same pin, and so is dropping it
    by_set = small_optimize(tmp_path, scenario, folder, "--set", f"seed={drawn}")
    assert by_set.exit_code == 0 and "2 of 2 trials already done" in by_set.stdout, by_set.output
    scenario.write_text(yaml.safe_dump({**data, "seed": drawn}, sort_keys=False))
    in_base = small_optimize(tmp_path, scenario, folder)
    assert in_base.exit_code == 0 and "2 of 2 trials already done" in in_base.stdout, in_base.output
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    dropped = small_optimize(tmp_path, scenario, folder)
    assert dropped.exit_code == 0 and "2 of 2 trials already done" in dropped.stdout, dropped.output
    assert (folder / "trials.csv").read_bytes() == first
    # one pin after another of the same seed: --set seed= then --seed, and back (each was refused, and only
    # --force, rerunning every trial, went on)
    for extra in (["--set", f"seed={drawn}"], ["--seed", drawn], ["--set", f"seed={drawn}"]):
        switched = small_optimize(tmp_path, scenario, folder, *extra)
        assert switched.exit_code == 0 and "2 of 2 trials already done" in switched.stdout, (extra, switched.output)
    assert (folder / "trials.csv").read_bytes() == first


def test_a_refused_optimisation_names_the_keys_of_the_base_scenario_that_changed(tmp_path):
    """A base scenario edited after its study started was refused as 'its base scenario
    or --set differs', leaving the user to find the edit: the refusal now names each
    edited key path with its values there and now. A folder whose optimize.json predates
    storing the resolved base keeps the old wording."""
    data = yaml.safe_load(Path(DEFAULT).read_text())
    scenario = tmp_path / "base.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    folder = tmp_path / "opt"
    assert small_optimize(tmp_path, scenario, folder).exit_code == 0
    first = (folder / "trials.csv").read_bytes()
    data["program"]["incentive"]["referee_reward"] = 25
    data["churn"]["monthly_rate"] = 0.04
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_line_error(small_optimize(tmp_path, scenario, folder), "holds a different optimize", "--force")
    assert "its base scenario or --set differs from this command's: base scenario: " in line, line
    assert re.search(r"program\.incentive\.referee_reward 10(\.0)? → 25(\.0)?[,;)]", line), line
    assert re.search(r"churn\.monthly_rate 0\.05 → 0\.04[,;)]", line), line
    assert "referrer_reward" not in line and "days" not in line, line   # unchanged keys are not named
    assert (folder / "trials.csv").read_bytes() == first
    state = json.loads((folder / "optimize.json").read_text())
    del state["base_resolved"]   # as a folder started before it was stored
    (folder / "optimize.json").write_text(json.dumps(state))
    line = one_line_error(small_optimize(tmp_path, scenario, folder), "holds a different optimize")
    assert "(its base scenario or --set differs from this command's); rerun with --force" in line, line


def test_optimize_force_keeps_the_users_files(tmp_path, optimize_settings):
    """--force, which a folder holding another search's refusal suggests, deleted every
    file in the folder: notes the analyst kept beside the results went with the old study.
    It deletes what a search writes (its optuna database, tables, best.yaml, report,
    manifest, plot) and leaves the rest."""
    folder = tmp_path / "opt"
    ok(*optimize_args(folder, optimize_settings))
    (folder / "notes.txt").write_text("mine")
    first = (folder / "trials.csv").read_bytes()
    ok(*optimize_args(folder, optimize_settings, "--seed", "6", "--force"))
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "trials.csv").read_bytes() != first   # the new study's trials, not the old one's resumed
    assert json.loads((folder / "optimize.json").read_text())["optimize_seed"] == 6


def test_optimize_mistakes_are_one_line_errors(tmp_path, optimize_settings):
    base = ["optimize", DEFAULT, *TINY, "--out", tmp_path / "x", "--objective", "cumulative_profit"]
    one_line_error(invoke(*base, "--vary", "program.incentive.referer_reward=0:40"), "referer_reward", "referrer_reward")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=40:0"), REWARD, "LO < HI (e.g. 0:40)")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:lots"), REWARD, "number")
    # a limit past the metric's own floor or ceiling: no design keeps it, and the study ran to "no candidate kept
    # every constraint", exit 0
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", "reward_cost<=-5"),
                   "--constraint", "'reward_cost<=-5' can never hold: reward_cost is at least 0 in every run")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", "referred_share>=1.5"),
                   "referred_share is at most 1 in every run")
    # two limits no design keeps together: the study ran to "no candidate kept every constraint ... add trials"; a
    # band is kept, and sensitivity refuses the pair alike (nothing written)
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", "reward_cost<=500", "--constraint",
                          "reward_cost>=600"),
                   "--constraint", "'reward_cost<=500' and 'reward_cost>=600' can never hold together")
    assert not (tmp_path / "x").exists()
    one_line_error(invoke("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.1:0.3", "--out",
                          tmp_path / "y", "--constraint", "reward_cost>=600", "--constraint", "reward_cost<=500",
                          "--constraint", "reward_cost<=900"),
                   "'reward_cost<=500' and 'reward_cost>=600' can never hold together")
    assert not (tmp_path / "y").exists()
    from simulator.optimize import Constraint, check_constraints_together

    check_constraints_together([Constraint("reward_cost", ">=", 10), Constraint("reward_cost", "<=", 300),
                                Constraint("incremental_value", ">=", 400)])   # a band, and another metric: kept
    # past the scenario's own ceiling too (TINY's market of 400 people; a 30-day horizon, a day never come counting
    # as day 31), where the study varies nothing that moves it; at the ceiling, and where the study moves it, it runs
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", "customers_final>=1000000"),
                   "'customers_final>=1000000' can never hold: customers_final is at most 400 in every run of",
                   "(its population); valid: a limit up to 400")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--set", "days=30", "--constraint", "payback_day>=400"),
                   "payback_day is at most 31 in every run")
    from simulator.errors import ScenarioError
    from simulator.evaluation import check_reachable
    from simulator.optimize import parse_constraint

    tiny = load_scenario(DEFAULT, TINY[1::2])
    for constraint, varied in (("customers_final>=400", ()), ("customers_final>=1000000", ("population.size",)),
                               ("payback_day>=400", ("days",)), ("reward_cost>=1e9", ())):
        check_reachable([tiny], [parse_constraint(constraint)], varied)   # refused none
    budgeted = tiny.model_copy(update={"program": tiny.program.model_copy(update={
        "incentive": tiny.program.incentive.model_copy(update={"budget": 800.0})})})
    with pytest.raises(ScenarioError, match="reward_cost is at most 800 in every run of budgeted.yaml"):
        check_reachable([budgeted], [parse_constraint("reward_cost>=5000")], names=["budgeted.yaml"])
    check_reachable([budgeted], [parse_constraint("reward_cost>=5000")], ["program.incentive.kind"])
    # a reward's size or an uplift moves no budget: still refused (the usual optimize varies the rewards)
    for varied in (["program.incentive.referrer_reward"], ["program.incentive.max_uplift"]):
        with pytest.raises(ScenarioError, match="reward_cost is at most 800"):
            check_reachable([budgeted], [parse_constraint("reward_cost>=5000")], varied)
    # the customers a program adds are at most its population, as its customers are
    with pytest.raises(ScenarioError, match="incremental_customers is at most 400 in every run"):
        check_reachable([tiny], [parse_constraint("incremental_customers>=1000000")])
    # quoted as typed: the console made ":100:" an emoji ("'0💯log'")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:100:log"), "'0:100:log': a log range needs LO > 0")
    one_line_error(invoke(*base, "--vary", "population.size=0:10"), "population.size")
    one_line_error(invoke("optimize", DEFAULT, "--vary", f"{REWARD}=0:40", "--objective", "cumulative_proft"),
                   "cumulative_proft", "cumulative_profit")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", "reward_cost<fifty"), "--constraint", "METRIC<=VALUE")
    for limit in ("nan", "inf", "-inf"):   # nan broke every trial here and none in sensitivity
        one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--constraint", f"reward_cost<={limit}"), "--constraint",
                       "the limit should be a finite number")
    one_line_error(invoke("optimize", tmp_path / "missing.yaml", "--vary", f"{REWARD}=0:40"), "missing.yaml", "not found")
    # --out a file, or under one: "cannot write results here (File exists); free some space" was said
    (tmp_path / "afile").write_text("x")
    one_line_error(invoke("optimize", DEFAULT, *TINY, "--vary", f"{REWARD}=0:40", "--out", tmp_path / "afile"), "afile",
                   "--out", "is a file")
    one_line_error(invoke("optimize", DEFAULT, *TINY, "--vary", f"{REWARD}=0:40", "--out", tmp_path / "afile" / "sub"),
                   "--out", "lies under", "which is a file")
    # a Pareto front of a metric against itself ran as one
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--objective", "cumulative_profit:min"), "--objective",
                   "'cumulative_profit' is given twice")
    bad = tmp_path / "bad.yaml"
    bad.write_text("trials: 5\nmax_replicate: 4\n")
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--settings", bad), "bad.yaml", "max_replicate", "max_replicates")
    # the study's --replicates decides the runs a point gets: --set replicates=3 did nothing, and went into best.yaml
    one_line_error(invoke(*base, "--vary", f"{REWARD}=0:40", "--set", "replicates=3"), "--set", "replicates=3",
                   "would be ignored", "--replicates N")
    bad.write_text("set: ['replicates=3']\n")
    one_line_error(invoke("sensitivity", DEFAULT, "--uncertain", "program.base_share=0.1:0.3", "--settings", bad,
                          "--out", tmp_path / "x"), "bad.yaml", "set", "would be ignored")
    assert not (tmp_path / "x").exists()
    # 'scenario:' written with nothing after it was told to give 'scenario:' in --settings
    for empty in ("", "''", "null"):
        bad.write_text(f"scenario: {empty}\nvary:\n  {REWARD}: '0:40'\ntrials: 3\n")
        one_line_error(invoke("optimize", "--settings", bad, "--out", tmp_path / "x"),
                       f"{bad}: scenario (line 1): nothing is given: give a scenario YAML path, relative to this file")
    assert not (tmp_path / "x").exists()


def test_optimize_refuses_the_horizon_as_a_design_to_choose(tmp_path):
    """`--vary days=60:365 --constraint 'reward_cost<=300'` named days=92 best: every
    metric is counted over the horizon, so the shortest kept the spend cap. The horizon
    is now refused, from a flag or a settings file, as calibrate refuses to fit it."""
    base = ["optimize", DEFAULT, *TINY, "--out", tmp_path / "x"]
    one_line_error(invoke(*base, "--vary", "days=30:45", "--vary", f"{REWARD}=0:40"), "--vary", "days", "horizon", "--set days=N")
    settings = tmp_path / "days.yaml"
    settings.write_text(yaml.safe_dump({"vary": {"days": "30:45"}}))
    one_line_error(invoke(*base, "--settings", settings), "days.yaml", "days", "horizon")
    assert not (tmp_path / "x").exists()


def test_decision_commands_refuse_workers_out_of_bounds_and_calibrates_two_draw_counts(tmp_path, pilot):
    """run and sweep refuse --workers 0; optimize, sensitivity and calibrate took it as
    'every core' (and -3 as a pool of -3), and calibrate's --draws 5 --replicates 7 (its
    alias) ran 5 draws without a word."""
    for command in (["optimize", DEFAULT, "--vary", f"{REWARD}=0:40"], ["sensitivity", DEFAULT, "--uncertain", f"{REWARD}=0:40"],
                    ["calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6"]):
        for workers in ("0", "-3"):
            one_line_error(invoke(*command, "--workers", workers, "--out", tmp_path / "x"), "--workers", "1..100,000", workers)
    one_line_error(invoke(*calibrate_args(tmp_path / "x", pilot, "--replicates", "4")), "--replicates", "--draws 3", "give one")
    # and so in a settings file, where draws won without a word
    both = tmp_path / "both.yaml"
    both.write_text(yaml.safe_dump({"replicates": 5, "draws": 8}))
    one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--settings",
                          both, "--out", tmp_path / "x"), "both.yaml", "replicates (line 2)", "alias of draws", "give one")
    # calibrate fits ranges only: a one-value fit is not offered values a,b, which calibrate refuses
    line = one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.1",
                                 "--out", tmp_path / "x"), "program.base_share", "give LO:HI with LO < HI")
    assert "a,b" not in line
    # a settings file's workers has the same bound (it had none above)
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "vary": {REWARD: "0:40"}, "workers": 200000}))
    one_line_error(invoke("optimize", "--settings", settings, "--out", tmp_path / "x"), "study.yaml", "workers", "100000")
    assert not (tmp_path / "x").exists()
    # a file whose executor: local sits beside a scheduler: contradicts itself: named with its line, not as a
    # --scheduler nobody gave; --executor serial on the command line wins over both, as documented
    settings.write_text("executor: local\nscheduler: tcp://127.0.0.1:9\n"
                        + yaml.safe_dump({"uncertain": {"program.base_share": "0.2:0.5"}}))
    line = one_line_error(invoke("sensitivity", DEFAULT, "--settings", settings, "--out", tmp_path / "x"),
                          "study.yaml: scheduler (line 2): the file's executor: local takes no scheduler address")
    assert "--scheduler" not in line and not (tmp_path / "x").exists()
    # draws' other name in a file, replicates: 1, ran the whole fit and then failed naming no file, leaving a folder
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({"replicates": 1}))
    one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--settings",
                          one, "--out", tmp_path / "x"), "one.yaml", "replicates (line 1)", "greater than or equal to 2")
    # a sensitivity file's decision_metric was checked once the runs had started, and blamed on --metric
    settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "uncertain": {"program.base_share": "0.1:0.3"},
                                        "decision_metric": "custmers_final"}))
    line = one_line_error(invoke("sensitivity", "--settings", settings, "--out", tmp_path / "x"), "study.yaml",
                          "decision_metric (line ", "did you mean 'customers_final'")
    assert "--metric" not in line
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob(".x*"))
    # a file's mistakes name their line, whichever check finds them; and set: as a block says what a list is
    for data, command, words in (
            ({"objective": ["incremental_value", "reward_cost", "customers_final"]}, "optimize", ["objective (line 4)"]),
            ({"constraints": ["reward_cost=<5"]}, "optimize", ["constraints (line 4)", "is not a constraint"]),
            ({"set": {"days": 30}}, "optimize", ["set (line 4)", "set: ['days=30']"]),
            # a nested block as dotted keys (it showed a Python dict inside quotes, no valid YAML)
            ({"set": {"program": {"incentive": {"budget": 100}}, "days": 30}}, "optimize",
             ["set (line 4)", "set: ['program.incentive.budget=100', 'days=30']"])):
        settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "vary": {REWARD: "0:40"}, **data}, sort_keys=False))
        one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"), "study.yaml", *words)
    # a set: entry the scenario refuses was blamed on "--set days=0", a flag never typed, with no file or line
    for command, block in (("optimize", {"vary": {REWARD: "0:40"}}), ("sensitivity", {"uncertain": {REWARD: "0:40"}})):
        for entry, words in (("days=0", "greater than or equal to 1"), ("nosuch=1", "unknown key 'nosuch'"),
                             # a path the scenario cannot take was "FILE with --set: '...'", an empty one "--set: '=3'"
                             ("program.channels.5.weight=0.1", "'5' is not an index of a list of 2 items"),
                             ("=3", "empty key path")):
            settings.write_text(yaml.safe_dump({"scenario": DEFAULT, **block, "set": [entry]}, sort_keys=False))
            line = one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"),
                                  "study.yaml: set (line 4): ", entry, words)
            assert "--set" not in line and (entry == "=3" or f"(set on {DEFAULT})" in line), line
    settings.write_text(yaml.safe_dump({"set": ["days=0"]}))
    one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--settings",
                          settings, "--out", tmp_path / "x"), "study.yaml: set (line 1): days=0")
    # a --set typed on the command line is still the --set's
    one_line_error(invoke("optimize", "--settings", settings, "--vary", f"{REWARD}=0:40", DEFAULT, "--set", "days=0",
                          "--out", tmp_path / "x"), f"{DEFAULT} with --set days=0")
    # calibrate's columns: in a settings file was blamed on the pilot's file
    settings.write_text(yaml.safe_dump({"columns": ["new_organic", "sharez"]}))
    line = one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6",
                                 "--settings", settings, "--out", tmp_path / "x"), "study.yaml: columns (line 1)", "'sharez'")
    assert str(pilot) not in line


def test_decision_commands_refuse_a_seed_run_would_refuse(tmp_path, pilot):
    """run and compare refuse --seed -1 and seeds past 2**63 - 1; optimize, sensitivity and
    calibrate drew their bar and then died in numpy ("expected non-negative integer", a
    traceback, and optimize left a folder that refused the corrected command), or ran a
    seed of 2**64 whose replay line `refsim run best.yaml --seed ...` refused. Now one
    line, exit 2, nothing written; a settings file's seed has the same bound, and the
    Python entry points refuse it as simulate does."""
    from simulator.errors import ScenarioError
    from simulator.optimize import optimize
    from simulator.parameters import parse_parameters
    from simulator.sensitivity import sensitivity

    for command in (["optimize", DEFAULT, "--vary", f"{REWARD}=0:40"], ["sensitivity", DEFAULT, "--uncertain", f"{REWARD}=0:40"],
                    ["calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6"]):
        for seed in ("-1", str(2 ** 64)):
            one_line_error(invoke(*command, "--seed", seed, "--out", tmp_path / "x"), "--seed",
                           "0..9,223,372,036,854,775,807", f"(got {int(seed):,})")
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "vary": {REWARD: "0:40"}, "seed": 2 ** 64}))
    one_line_error(invoke("optimize", "--settings", settings, "--out", tmp_path / "x"), "study.yaml", "seed (line ",
                   "9223372036854775807")
    assert not (tmp_path / "x").exists()
    base = load_scenario(DEFAULT)
    (vary,) = parse_parameters([f"{REWARD}=0:40"], base)
    for call in (lambda: optimize(base, [vary], seed=-1), lambda: sensitivity(base, [vary], seed=2 ** 64)):
        with pytest.raises(ScenarioError, match=r"seed: must be a whole number in 0\.\.9,223,372,036,854,775,807"):
            call()


def test_another_commands_setting_is_named_as_such(tmp_path):
    """'trials:' in a sensitivity settings file was met with "did you mean 'metrics'?"."""
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "uncertain": {"program.base_share": "0.1:0.4"},
                                        "trials": 5}, sort_keys=False))
    one_line_error(invoke("sensitivity", "--settings", settings, "--out", tmp_path / "x"), "study.yaml",
                   "trials (line 4)", "a setting of optimize, not of sensitivity", "samples")
    assert not (tmp_path / "x").exists()


def test_a_settings_files_range_mistake_names_its_line(tmp_path, pilot):
    """docs/decide.md: a settings file's unknown key or bad value is one line with the
    file, key, line number and what is valid; a mistake in a vary, uncertain or fit
    range named the file and the key but no line."""
    for command, block, extra in (("optimize", "vary", {}), ("sensitivity", "uncertain", {}),
                                  ("calibrate", "fit", {"data": str(pilot)})):
        settings = tmp_path / f"{command}.yaml"
        settings.write_text(yaml.safe_dump({"scenario": DEFAULT,
                                            block: {"program.base_share": "0.1:0.4", "program.incentive.refrrer_reward": "0:5"},
                                            **extra}, sort_keys=False))
        one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"), f"{command}.yaml",
                       "program.incentive.refrrer_reward (line 4)", "referrer_reward")
    assert not (tmp_path / "x").exists()


def test_a_settings_file_alone_gives_the_flags_result(tmp_path):
    """Everything in the file, paths relative to it: the same trials as the flags."""
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({
        "scenario": str(SCENARIOS / "default.yaml"), "set": TINY[1::2], "vary": {REWARD: "0:40"},
        "objective": "cumulative_profit", "trials": 4, "replicates": 2, "max_replicates": 2, "confirm_replicates": 3,
        "seed": 3, "out": "from-file", "executor": "serial"}))
    ok("optimize", "--settings", settings)
    rest = tmp_path / "rest.yaml"     # what has no flag
    rest.write_text(yaml.safe_dump({"max_replicates": 2, "confirm_replicates": 3}))
    ok("optimize", DEFAULT, *TINY, "--vary", f"{REWARD}=0:40", "--objective", "cumulative_profit", "--trials", "4",
       "--replicates", "2", "--settings", rest, "--seed", "3", "--out", tmp_path / "from-flags", "--executor", "serial")
    assert (tmp_path / "from-file" / "trials.csv").read_bytes() == (tmp_path / "from-flags" / "trials.csv").read_bytes()


# --------------------------------------------------------------------------- sensitivity


def test_a_sensitivity_manifests_command_replays_its_drawn_seed(tmp_path):
    """Typed again as it was, a study without a seed drew another and gave other points:
    the manifest's command carries --seed with the seed drawn; one given is not added."""
    data = yaml.safe_load(Path(DEFAULT).read_text())
    del data["seed"]
    scenario = tmp_path / "unseeded.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    base = ["sensitivity", scenario, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "2",
            "--trajectories", "2", "--tornado-replicates", "1", "--executor", "serial"]
    ok(*base, "--out", tmp_path / "a")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["command"][-2:] == ["--seed", str(manifest["sensitivity"]["seed"])]
    ok(*base, "--seed", "3", "--out", tmp_path / "b")
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["command"].count("--seed") == 0


def test_sensitivity_writes_indices_tornado_and_the_decision(tmp_path):
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
       "--uncertain", "economics.acquisition_cost_organic=0:20", "--metric", "customers_final", "--metric", "cumulative_profit",
       "--samples", "4", "--trajectories", "2", "--seed", "2", "--out", folder, "--executor", "serial")
    for name in ("morris.csv", "sobol.csv", "tornado.csv", "points.csv", "decision.csv", "flips.csv", "conditional.csv",
                 "tornado.png", "sobol.png", "report.md", "manifest.json"):
        assert (folder / name).stat().st_size > 0, name
    sobol = pd.read_csv(folder / "sobol.csv")
    # the organic acquisition cost is money only: with the same seeds it cannot change who becomes a customer
    margin = sobol[(sobol["metric"] == "customers_final") & (sobol["parameter"] == "economics.acquisition_cost_organic")]
    assert len(margin) == 2 and (margin["ST"].abs() < 1e-9).all() and (margin["S1"].abs() < 1e-9).all()
    decision = pd.read_csv(folder / "decision.csv")
    assert decision["probability_best"].sum() == pytest.approx(1.0) and (decision["expected_regret"] >= 0).all()
    points = pd.read_csv(folder / "points.csv")
    assert len(points) == 2 * 4 * (2 + 2)     # designs x samples x (D + 2)
    report = (folder / "report.md").read_text()
    assert "## The decision" in report and "hinge" in report
    # the decision's words agree with how the points ran: all on the same seeds (it said "each point run on its own
    # seeds", which would make "best at 100% of the points" an average over luck)
    flat = " ".join(report.split())
    assert "This is the best across the ranges, every assumption drawn at once, every point run on the same replicate " \
           "seeds." in flat and "its own seeds" not in flat
    # one run a point: the luck is not measured, and both the report and the console say what that means
    assert "Each point is one run: every index above also counts that run's luck" in report
    console = " ".join(result.stdout.split())
    assert "lead moves with" not in console or "one run a point: the runs' luck is in these indices" in console
    assert pd.read_csv(folder / "flips.csv")["noise_share"].isna().all()


def test_sensitivity_gives_a_designs_worst_point_in_the_assumptions_it_reads(tmp_path):
    """A cash design's worst point against a constraint was given "at
    program.reward_type_weights.business.organization = 0.39", a weight no cash reward
    reads. The share of store credit is read by the credit design only: its sentence
    gives it, the cash design's gives only base_share and says it does not read the
    other, and the table of assumptions marks the credit share as the credit design's."""
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                "--uncertain", "program.cost_shares.credit=0.2:1", "--constraint", "reward_cost<=1000000",
                "--samples", "4", "--trajectories", "2", "--seed", "2", "--replicates", "1", "--out", folder,
                "--executor", "serial")
    table = pd.read_csv(folder / "constraints.csv")
    assert set(table["design"]) == {"default-double-sided-credit", "single-sided-cash"}
    # constraints.csv leaves empty what a design does not read, as the sentences leave it out
    worst = table.set_index("design")["worst_program.cost_shares.credit"]
    assert pd.isna(worst["single-sided-cash"]) and 0.2 <= worst["default-double-sided-credit"] <= 1
    report = " ".join((folder / "report.md").read_text().split())
    console = " ".join(result.stdout.split())
    for text in (report, console):
        credit = text.split("default-double-sided-credit keeps")[1].split(").")[0]
        cash = text.split("single-sided-cash keeps")[1].split(").")[0]
        assert "program.base_share = " in credit and "program.cost_shares.credit = " in credit, credit
        assert "does not read" not in credit
        assert "program.base_share = " in cash and "cost_shares" not in cash, cash
        assert cash.endswith("; the others it does not read"), cash
    assert "| program.cost_shares.credit | [0.2, 1] (read by default-double-sided-credit only" in report, report


def test_sensitivitys_console_marks_each_imprecise_index_beside_its_own_name(tmp_path):
    """'program.base_share 0.87, program.timing.reminders.fatigue 0.00 (imprecise: ...)'
    put the mark after an index of exactly 0 ± 0 (reminders are off: nothing reads the
    fatigue), where the imprecise one was base_share's. Each index is marked by its own
    row of sobol.csv: imprecise where it is above 1 or its interval's half-width wide."""
    from simulator.sensitivity import ABOVE_ONE, IMPRECISE

    folder = tmp_path / "s"
    result = ok("sensitivity", DEFAULT, *TINY, "--set", "program.timing.reminders.count=0", "--uncertain",
                "program.base_share=0.05:0.6", "--uncertain", "program.timing.reminders.fatigue=0.5:1", "--metric",
                "customers_final", "--samples", "4", "--trajectories", "2", "--replicates", "2", "--seed", "2",
                "--out", folder, "--executor", "serial")
    sobol = pd.read_csv(folder / "sobol.csv").set_index("parameter")
    sobol = sobol[sobol["metric"] == "customers_final"]
    line = next(x for x in result.stdout.splitlines() if "largest total Sobol indices of customers_final" in x)
    marks = {}
    for part in line.split(": ", 1)[1].split("; ")[0].split(", "):
        name, _, rest = part.partition(" ")
        marks[name] = "(imprecise)" in rest
    assert marks == {key: bool(row["ST"] >= ABOVE_ONE or row["ST_conf"] >= IMPRECISE) for key, row in sobol.iterrows()}
    assert marks["program.base_share"] and not marks["program.timing.reminders.fatigue"], line   # the case
    assert line.endswith("; imprecise: above 1 or a wide interval, raise --samples"), line


def test_sensitivity_says_a_cap_at_or_above_a_designs_budget_cannot_break(tmp_path):
    """optimize said that a cap on reward_cost at or above the winner's total budget rules
    nothing out; sensitivity said only that each design "keeps `reward_cost<=...` at every
    point", which read as the design's merit. With a budget of 30 that no point varies,
    a cap of 40 is said to be unbreakable, in report.md and on the console, for every
    design; a cap of 20, below the budget, is not."""
    common = [*TINY, "--set", "program.incentive.budget=30", "--uncertain", "program.base_share=0.05:0.4",
              "--samples", "4", "--trajectories", "2", "--seed", "2", "--replicates", "1", "--executor", "serial"]
    result = ok("sensitivity", DEFAULT, SINGLE, *common, "--constraint", "reward_cost<=40", "--out", tmp_path / "above")
    table = pd.read_csv(tmp_path / "above" / "constraints.csv")
    assert (table["share_broken"] == 0).all() and (table["worst"] <= 30 + 1e-9).all(), table   # the budget holds it
    report = " ".join((tmp_path / "above" / "report.md").read_text().split())
    console = " ".join(result.stdout.split())
    for design in table["design"]:
        assert (f"{design} keeps `reward_cost<=40` at every point" in report
                and "It cannot break it: its total budget (30) stops the reward spend there" in report), report
    assert report.count("It cannot break it") == len(table) == console.count("It cannot break it") == 2
    assert "keeps reward_cost<=40 at every point" in console and "`" not in console
    assert "the day it does (budget_exhausted_day)" in console   # plain on the console, `code` in report.md
    assert "the day it does (`budget_exhausted_day`)" in report
    result = ok("sensitivity", DEFAULT, SINGLE, *common, "--constraint", "reward_cost<=20", "--out", tmp_path / "below")
    assert "cannot break" not in (tmp_path / "below" / "report.md").read_text() and "cannot break" not in result.stdout
    # a monthly allowance caps the spend too: 10 a month over the 45 days' 2 months begun (days 1-31, 32-45) is 20
    monthly = [*TINY, "--set", "program.incentive.budget_per_month=10", "--uncertain", "program.base_share=0.05:0.4",
               "--samples", "4", "--trajectories", "2", "--seed", "2", "--replicates", "1", "--executor", "serial"]
    ok("sensitivity", DEFAULT, SINGLE, *monthly, "--constraint", "reward_cost<=25", "--out", tmp_path / "monthly")
    table = pd.read_csv(tmp_path / "monthly" / "constraints.csv")
    assert (table["worst"] <= 20 + 1e-9).all(), table   # the allowance holds it
    report = " ".join((tmp_path / "monthly" / "report.md").read_text().split())
    assert report.count("It cannot break it: its monthly allowance (10 a month, 20 over the 2 months begun) stops "
                        "the reward spend there") == 2, report
    ok("sensitivity", DEFAULT, SINGLE, *monthly, "--constraint", "reward_cost<=15", "--out", tmp_path / "tight")
    assert "cannot break" not in (tmp_path / "tight" / "report.md").read_text()


def test_sensitivity_says_how_often_each_design_breaks_a_constraint(tmp_path):
    """A design chosen by optimize to keep reward_cost<=50000 spent up to 145,807 at 42%
    of the sensitivity's points, and the report never said so (there was no way to give
    it the limit). With --constraint, constraints.csv, report.md and the console give
    each design's share of points that break it and its worst point, recomputed here
    from points.csv; a constraint in the settings file works as the flag does, and a
    malformed one is a one-line error."""
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                "--constraint", "reward_cost<=40", "--samples", "4", "--trajectories", "2", "--seed", "2", "--replicates",
                "2", "--out", folder, "--executor", "serial")
    points = pd.read_csv(folder / "points.csv")
    table = pd.read_csv(folder / "constraints.csv")
    assert set(table["design"]) == set(points["design"]) and (table["constraint"] == "reward_cost<=40").all()
    for row in table.to_dict("records"):
        mine = points[points["design"] == row["design"]]
        assert row["share_broken"] == pytest.approx((mine["reward_cost"] > 40).mean())
        assert row["worst"] == pytest.approx(mine["reward_cost"].max())
        assert row["mean"] == pytest.approx(mine["reward_cost"].mean())   # over every point, as the report says
        worst = mine.loc[mine["reward_cost"].idxmax(), "program.base_share"]
        assert row["worst_program.base_share"] == pytest.approx(worst)
    assert 0 < table["share_broken"].max() < 1, table   # the case: broken at some points, not all
    report = (folder / "report.md").read_text()
    broken = table.loc[table["share_broken"].idxmax()]
    assert f"{broken['design']} breaks `reward_cost<=40` at {broken['share_broken']:.0%} of the points" in report
    from simulator.report import fmt

    # the mean is over all the points, not over those breaking it ('on average over them' read as the latter)
    assert f"reward_cost {fmt(broken['mean'])} on average over all the points" in " ".join(report.split())
    # the console prints no markdown (it printed the backticks)
    assert f"breaks reward_cost<=40 at {broken['share_broken']:.0%} of the points" in " ".join(result.stdout.split())
    assert "`" not in result.stdout
    # two runs a point: the luck is measured, an estimate (the point x seed interaction), not a bound, and the
    # console words it as report.md does
    luck = float(pd.read_csv(folder / "flips.csv")["noise_share"].iloc[0])
    assert luck == luck
    assert f"About {luck:.0%} of the lead's variance over the points may be the runs' own luck" in " ".join(report.split())
    assert f"about {luck:.0%} of the lead's variance over the points may be the runs' luck" in " ".join(result.stdout.split())
    settings = tmp_path / "s.yaml"
    settings.write_text("constraints: ['reward_cost<=40']\n")
    ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4", "--trajectories", "2",
       "--seed", "2", "--out", tmp_path / "file", "--executor", "serial", "--settings", settings)
    assert (tmp_path / "file" / "constraints.csv").is_file()
    one_line_error(invoke("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--constraint",
                          "reward_cost<50", "--out", tmp_path / "bad"), "--constraint", "reward_cost<50")
    assert not (tmp_path / "bad").exists()


def test_the_command_lines_executor_wins_over_the_settings_files_scheduler(tmp_path):
    """A settings file naming a cluster (scheduler: tcp://...) could not be run on this
    computer: `--executor local` was refused with 'use --executor dask ... with
    --scheduler', a flag never given. As in sweep, the command line wins: local or serial
    runs here and leaves the file's scheduler unused; --executor dask alone still goes to
    the file's scheduler (none answers at port 1: refused in one line), and --scheduler
    alone to that cluster whatever executor the file names."""
    base = ["sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4",
            "--trajectories", "2", "--seed", "2"]
    settings = tmp_path / "cluster.yaml"
    settings.write_text("scheduler: tcp://127.0.0.1:1\n")
    for executor in ("serial", "local"):
        out = tmp_path / executor
        ok(*base, "--settings", settings, "--out", out, "--executor", executor, "--workers", "1")
        assert json.loads((out / "manifest.json").read_text())["sensitivity"]["executor"] == executor
    # the address is the file's: the refusal names the file's scheduler key, not a --scheduler nobody gave
    line = one_line_error(invoke(*base, "--settings", settings, "--out", tmp_path / "dask", "--executor", "dask"),
                          "no Dask scheduler reachable at tcp://127.0.0.1:1", str(settings), "--executor local")
    assert "--scheduler" not in line
    settings.write_text("executor: local\n")
    one_line_error(invoke(*base, "--settings", settings, "--out", tmp_path / "dask", "--scheduler", "tcp://127.0.0.1:1"),
                   "no Dask scheduler reachable at tcp://127.0.0.1:1", "--scheduler")
    assert not (tmp_path / "dask").exists()


def test_sensitivity_mistakes_are_one_line_errors(tmp_path):
    base = ["sensitivity", DEFAULT, *TINY, "--out", tmp_path / "x", "--metric", "cumulative_profit"]
    one_line_error(invoke(*base, "--uncertain", "word_of_mouth.spontanous_rate=0:1"), "spontanous_rate")
    one_line_error(invoke(*base, "--uncertain", "program.base_share=0.1:2"), "program.base_share")
    one_line_error(invoke(*base, "--uncertain", "program.base_share=0.1:0.3", "--samples", "6"), "--samples", "power of two")
    # one least for each: 'at least 1' for 0 led to 'at least 2' for 1 (and 'a power of two' for 1, which is one)
    for flag in ("--samples", "--trajectories"):
        for value in ("0", "1"):
            one_line_error(invoke(*base, "--uncertain", "program.base_share=0.1:0.3", flag, value), flag,
                           f"must be at least 2 (got {value})")
    one_line_error(invoke(*base, "--uncertain", "program.base_share=0.1:0.3", "--metric", "roii"), "roii")
    one_line_error(invoke(*base, "--uncertain", "program.base_share=0.1:0.3", "--executor", "cloud"), "cloud", "local")
    one_line_error(invoke(*base), "--uncertain")
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- calibrate


@pytest.fixture
def pilot(tmp_path):
    return write_pilot(tmp_path)


def write_pilot(tmp_path):
    """Three weeks of a launch of the tiny default scenario with base_share 0.3, as timeseries.csv columns."""
    scenario = load_scenario(DEFAULT, [*TINY[1::2], "program.base_share=0.3"])
    daily = run_replicate(scenario.model_copy(update={"days": 20}), 0, 99).daily
    frame = pd.DataFrame({"day": range(21), **{c: daily[:, COLUMN_INDEX[c]] for c in ("new_organic", "new_referred", "shares", "asks")}})
    path = tmp_path / "pilot.csv"
    frame.to_csv(path, index=False)
    return path


def pilot_notes(stdout: str) -> list[str]:
    """The console's notes but the one --particles 6 always brings (rough intervals)."""
    return [line for line in stdout.splitlines() if "note:" in line and "particles give rough intervals" not in line]


def calibrate_args(out, pilot, *extra):
    return ["calibrate", DEFAULT, *TINY, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--particles", "6",
            "--generations", "1", "--draws", "3", "--design", SINGLE, "--seed", "8", "--out", out, "--executor", "serial", *extra]


def test_calibrate_says_a_fitted_lever_is_a_choice_the_pilot_ran_at(tmp_path, pilot):
    """--fit program.incentive.referrer_reward ran without a word: the pilot's reward is
    known, not a question for its counts. An assumption (base_share) is fitted quietly."""
    args = ["calibrate", DEFAULT, *TINY, "--data", pilot, "--particles", "6", "--generations", "1", "--draws", "2",
            "--seed", "8", "--executor", "serial"]
    console = " ".join(ok(*args, "--fit", f"{REWARD}=5:20", "--out", tmp_path / "a").stdout.split())
    assert f"note: {REWARD} is a choice of the program, which the pilot ran at a value you set" in console, console
    # and report.md, beside the fitted interval (the console alone said it)
    assert f"**Note:** {REWARD} is a choice of the program, which the pilot ran at a value you set" in \
        (tmp_path / "a" / "report.md").read_text()
    # calibrated.yaml and report.md's Next say the file holds the fitted choice, which another design does not take
    fitted = load_scenario(tmp_path / "a" / "calibrated.yaml").program.incentive.referrer_reward
    header = " ".join(line.lstrip("# ").strip() for line in (tmp_path / "a" / "calibrated.yaml").read_text().splitlines()
                      if line.startswith("#"))
    said = f"It holds the fitted {REWARD} = {fitted:g}, a choice of the program, which the other designs do not take"
    assert said in header, header
    assert said.replace(REWARD, f"`{REWARD}`") in " ".join((tmp_path / "a" / "report.md").read_text().split())
    quiet = ok(*args, "--fit", "program.base_share=0.05:0.6", "--out", tmp_path / "b").stdout
    assert "a choice of the program" not in quiet + (tmp_path / "b" / "report.md").read_text()
    assert "It holds the fitted" not in (tmp_path / "b" / "calibrated.yaml").read_text()


def test_calibrate_forecasts_no_more_draws_than_the_posterior_keeps_and_says_so(tmp_path, pilot):
    """--draws 520 with a posterior of 500 samples ran 500 forecasts under a console, a
    report and a manifest saying 520 (the bar stopped at 500/520). The draws are now the
    samples kept, with a note."""
    settings = tmp_path / "s.yaml"
    settings.write_text("posterior_samples: 10\n")
    args = ["calibrate", DEFAULT, *TINY, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--particles", "6",
            "--generations", "1", "--draws", "12", "--seed", "8", "--executor", "serial", "--settings", settings,
            "--out", tmp_path / "c"]
    console = " ".join(ok(*args).stdout.split())
    assert "note: 12 draws asked, but the posterior keeps 10 (posterior_samples); the forecast runs 10" in console, console
    assert "10 posterior draws" in console and "12 posterior draws" not in console, console
    # 6 particles: each interval's ends are about the outermost particles (docs/decide.md, Coverage), said on the console
    assert "note: 6 particles give rough intervals" in console and "--particles 50 or more" in console, console
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert json.dumps(manifest).count('"forecast_draws": 10') == 1, manifest.get("calibrate")
    # at that limit 'raise --draws' did nothing: the advice names posterior_samples, on the console and in report.md
    assert ("rough intervals with so few: raise posterior_samples, a settings file's key (the posterior keeps 10), and "
            "--draws to 20 or more") in console, console
    report = " ".join((tmp_path / "c" / "report.md").read_text().split())
    assert "quantiles of 10 values (raise posterior_samples, a settings file's key" in report and "(raise --draws;" \
        not in report, report
    # no --draws: the 50 are the default, which nobody asked for
    default = [a for a in args if a not in ("--draws", "12")]
    default[default.index(tmp_path / "c")] = tmp_path / "d"
    said = " ".join(ok(*default).stdout.split())
    assert "note: the default 50 draws, but the posterior keeps 10 (posterior_samples)" in said and "asked" not in said, said


def test_calibrate_writes_posterior_forecast_and_designs_and_repeats_itself(tmp_path, pilot):
    console = ok(*calibrate_args(tmp_path / "a", pilot)).stdout
    folder = tmp_path / "a"
    for name in ("posterior.csv", "particles.csv", "intervals.csv", "generations.csv", "posterior.png", "forecast.csv",
                 "forecast.png", "outcomes.csv", "designs.csv", "report.md", "manifest.json", "calibration.db"):
        assert (folder / name).stat().st_size > 0, name
    posterior = pd.read_csv(folder / "posterior.csv")
    assert posterior["program.base_share"].between(0.05, 0.6).all()
    forecast = pd.read_csv(folder / "forecast.csv")
    assert forecast["day"].max() == 45 and (forecast["low"] <= forecast["median"]).all() and (forecast["median"] <= forecast["high"]).all()
    # every column the fit used is forecast, with its running total: the caption asks to check the pilot's dots against
    # their bands, and new_referred alone of them was drawn (none of a fit on asks and shares)
    fitted = json.loads((folder / "manifest.json").read_text())["calibrate"]["columns"]
    assert fitted == ["new_organic", "new_referred", "shares", "asks"]   # the default, which the case needs
    assert set(forecast["column"]) == {"customers", "cumulative_profit", *fitted, *(f"cumulative_{c}" for c in fitted)}
    designs = pd.read_csv(folder / "designs.csv")
    for _, group in designs.groupby("metric"):
        assert group["probability_best"].sum() == pytest.approx(1.0)
    # ranked on the verdict metric first, as compare and optimize rank designs (customers_final put first a
    # design that buys customers at a loss); the forecast keeps its own outcomes
    assert list(dict.fromkeys(designs["metric"])) == ["incremental_value", "customers_final", "cumulative_profit"]
    assert "incremental_value" not in set(pd.read_csv(folder / "outcomes.csv")["metric"])
    # the console gives each design's mean, as the report ranks them (it gave medians, which can order them otherwise)
    from simulator.report import fmt

    for row in designs[designs["metric"] == "incremental_value"].to_dict("records"):
        assert f"{row['design']:<36} mean {fmt(row['mean'])}  " in console, row['design']
    # three draws: "probability best" moves in steps of a third, and the report says it is rough
    assert "moves in steps of 1/3 or less, so with so few draws it is a rough figure" in (folder / "report.md").read_text()
    # the --set items every design ran with, which only the console's command line gave
    assert "Every design was changed with --set: `population.size=400`, `population.initial_customers=10`" in \
        (folder / "report.md").read_text()
    ok(*calibrate_args(tmp_path / "b", pilot))
    for name in ("posterior.csv", "intervals.csv", "forecast.csv", "designs.csv", "calibrated.yaml"):
        assert (folder / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_calibrate_writes_the_calibrated_scenario_that_optimize_and_sensitivity_take(tmp_path, pilot):
    """calibrate wrote no scenario: an analyst copied the posterior medians into a YAML by
    hand, and its intervals into sensitivity's --uncertain. calibrated.yaml is the base (its
    --set items applied) with each fitted key at intervals.csv's median, the base's seed
    (a compare with the base pairs), and a header whose sensitivity command gives the
    posterior's intervals as ranges; optimize takes the file as it stands."""
    ok(*calibrate_args(tmp_path / "a", pilot))
    folder = tmp_path / "a"
    intervals = pd.read_csv(folder / "intervals.csv").set_index("parameter").loc["program.base_share"]
    text = (folder / "calibrated.yaml").read_text()
    calibrated = load_scenario(folder / "calibrated.yaml")
    base = load_scenario(DEFAULT, TINY[1::2])
    assert calibrated.program.base_share == pytest.approx(intervals["median"], rel=1e-3)   # four significant figures
    assert calibrated.name == f"{base.name}-calibrated" and calibrated.seed == base.seed
    # everything else is the base as it ran, --set items included (population.size=400)
    fitted_back = calibrated.model_copy(update={"name": base.name, "description": base.description,
                                                "program": calibrated.program.model_copy(
                                                    update={"base_share": base.program.base_share})})
    assert fitted_back.model_dump() == base.model_dump() and calibrated.population.size == 400
    command = next(line for line in text.splitlines() if line.startswith("#   refsim sensitivity"))
    # the posterior's interval in three figures, rounded outward: it holds the interval (and the median below)
    low, high = map(float, command.split("--uncertain program.base_share=")[1].split()[0].split(":"))
    assert low <= intervals["low"] and high >= intervals["high"], command
    # four seeds a point, as a decision asks (on the default one, the sensitivity it started said it was no basis for one)
    assert command.endswith(" --replicates 4"), command
    assert low == pytest.approx(intervals["low"], rel=0.01) and high == pytest.approx(intervals["high"], rel=0.01)
    # the --design file compared, with the --set items it lacks (without them: refused as another population)
    assert f"calibrated.yaml {SINGLE} --set population.size=400 --set population.initial_customers=10" in command
    assert "# Built in: the --set items the fit ran with, population.size=400, population.initial_customers=10" in text
    # and the fitted values, which the pilot measured of the customers: given the --set items alone, a compare beside
    # calibrated.yaml weighed two worlds (a lead 1.6 times the one-world lead, "sure at 95%")
    header = " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))
    median = f"{calibrated.program.base_share:g}"
    assert "give them all to any other design compared with it (the pilot measured the customers, not one design):" in header
    given = " ".join(f"--set {item}" for item in TINY[1::2])
    assert f"#   {given} --set program.base_share={median}\n" in text   # on a line of its own, to copy
    assert f"--set program.base_share={median}`" in (folder / "report.md").read_text()
    assert "## Next" in (folder / "report.md").read_text() and command[4:] in (folder / "report.md").read_text()
    # the console gives them with the folder's path, as typed where calibrate ran
    console = ok(*calibrate_args(tmp_path / "b", pilot)).stdout
    assert "calibrated.yaml, the base at the posterior medians" in " ".join(console.split())
    assert f"next:\n  refsim optimize {tmp_path / 'b' / 'calibrated.yaml'} --vary KEY=LO:HI\n" in console, console
    assert f"  refsim sensitivity {tmp_path / 'b' / 'calibrated.yaml'} {SINGLE} --set" in console
    # the next step takes it as it stands
    optimized = ok("optimize", folder / "calibrated.yaml", *TINY, "--vary", "program.incentive.referrer_reward=0:20",
                   "--trials", "2", "-r", "1", "--seed", "1", "--executor", "serial", "--out", tmp_path / "opt").stdout
    assert (tmp_path / "opt" / "best.yaml").exists()
    # this small fit is flagged (below): optimize and sensitivity, the steps the header gives next, say so on the
    # console and in report.md, as compare does (they crowned a design on it without a word); compare, once
    flagged = "a fit that calibrate flagged (too few particles carry the posterior)"
    assert "warning: " in optimized and flagged in " ".join(optimized.split()), optimized
    assert f"**Warning:** {base.name} calibrated by" in (tmp_path / "opt" / "report.md").read_text()
    studied = ok("sensitivity", folder / "calibrated.yaml", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                 "--samples", "4", "--trajectories", "2", "--seed", "2", "--executor", "serial",
                 "--out", tmp_path / "sens").stdout
    assert flagged in " ".join(studied.split()) and studied.count("calibrate flagged") == 1, studied
    said = " ".join((tmp_path / "sens" / "report.md").read_text().split())
    assert f"**Warning:** {calibrated.name}: {base.name} calibrated by" in said and flagged in said
    # compared with its base, the calibrated file's report says where its value came from: it named the design
    # '-calibrated' and a difference of worlds (base_share 0.2 vs 0.33) with no word of the fit or its interval
    compared = ok("compare", DEFAULT, folder / "calibrated.yaml", *TINY, "-r", "2", "--executor", "serial", "--out",
                  tmp_path / "cmp").stdout
    # the file holds the keys the base gave and the fitted ones, not every default written out: read back as set, those
    # had compare say a setting 'changes nothing' of a key nobody wrote, and describe the launch ask twice
    assert "changes nothing" not in compared and "on_budget_exhausted" not in text and "ask_existing" not in text, compared
    report = " ".join((tmp_path / "cmp" / "report.md").read_text().split())
    assert (f"**{calibrated.name}**: {base.name} calibrated by refsim calibrate to {Path(pilot).name}: "
            f"program.base_share = {calibrated.program.base_share:g}: posterior medians of a fit") in report, report
    assert "calibrated by" not in report.split(f"**{calibrated.name}**: {base.name} calibrated")[0]   # the base: no such note
    # this small fit is flagged (too few particles): report.md and, beside its verdict, the console say so (report.md
    # alone did, and the console's verdict read as resting on a sound calibration)
    said = "posterior medians of a fit that calibrate flagged (too few particles carry the posterior)"
    assert said in report and said in " ".join(compared.split()), compared
    twice = ok("compare", folder / "calibrated.yaml", tmp_path / "opt" / "best.yaml", *TINY, "-r", "2", "--seed", "3", "--executor",
               "serial", "--out", tmp_path / "cmp2").stdout
    assert twice.count("calibrate flagged") == 1, twice   # one line naming both designs, not one each
    # optimize's best.yaml on it quotes the calibrated description after its own: the note takes the calibrated part
    # (a copy set to another value, as optimize's advice has it made, was described with the winner's trial and values)
    from types import SimpleNamespace

    from simulator.report.text import calibrated_note

    best = load_scenario(tmp_path / "opt" / "best.yaml")
    assert "refsim optimize found" in best.description
    note = calibrated_note(SimpleNamespace(description=best.description))
    assert note.startswith(f"{base.name} calibrated by refsim calibrate to {Path(pilot).name}: "
                           f"program.base_share = {calibrated.program.base_share:g}: posterior medians"), note


def test_a_calibration_manifest_lists_the_seeds_its_forecast_ran_on(tmp_path, pilot):
    """The forecast's run j is posterior.csv's draw manifest forecast_rows[j] on seeds
    .forecast[j] (the draws are spread over the posterior, not its first rows, which the
    manifest did not say): rerunning them from the manifest alone gives outcomes.csv's
    mean of the final customers."""
    ok(*calibrate_args(tmp_path / "a", pilot))
    folder = tmp_path / "a"
    manifest = json.loads((folder / "manifest.json").read_text())
    seeds, rows = manifest["seeds"]["forecast"], manifest["calibrate"]["forecast_rows"]
    # the pilot file's days 0-20, named as such; the fit simulated 21 days (0 to 20)
    given = pd.read_csv(pilot)["day"]
    assert (manifest["calibrate"]["pilot_first_day"], manifest["calibrate"]["pilot_last_day"]) == (given.min(), given.max())
    assert manifest["calibrate"]["pilot_days"] == given.max() + 1
    # the pilot's bytes, so that a pilot edited since is told from the one fitted (hashlib on the file, here)
    assert manifest["calibrate"]["data_sha256"] == hashlib.sha256(Path(pilot).read_bytes()).hexdigest()
    posterior = pd.read_csv(folder / "posterior.csv").set_index("draw")
    assert rows != [0, 1, 2]   # spread over the posterior
    assert len(seeds) == len(rows) == 3 and len(set(seeds)) == 3
    finals = [run_replicate(load_scenario(DEFAULT, [*TINY[1::2], f"program.base_share={float(posterior.loc[j, 'program.base_share'])!r}"]),
                            0, seed).metrics["customers_final"] for j, seed in zip(rows, seeds)]
    outcomes = pd.read_csv(folder / "outcomes.csv").set_index("metric")
    assert outcomes.loc["customers_final", "mean"] == pytest.approx(sum(finals) / 3, rel=1e-8)   # the CSV keeps 10 significant figures


def test_a_calibration_budget_from_a_settings_file_is_used_and_recorded(tmp_path, pilot):
    """The fit's stops have no flag: a settings file gives them, and the manifest records
    them; the fit ran no more simulations than they allow (6 particles: a first-epsilon
    sample of 6, then generations until 30, the last cut at 6 / 0.3 = 20)."""
    settings = tmp_path / "cal.yaml"
    settings.write_text("min_acceptance_rate: 0.3\nmax_simulations: 30\nbin_days: 7\n")
    ok(*calibrate_args(tmp_path / "a", pilot, "--settings", str(settings), "--generations", "20"))
    recorded = json.loads((tmp_path / "a" / "manifest.json").read_text())["calibrate"]["settings"]
    assert (recorded["min_acceptance_rate"], recorded["max_simulations"], recorded["bin_days"]) == (0.3, 30, 7)
    report = (tmp_path / "a" / "report.md").read_text()
    import re

    # where the simulations went: pyabc's first sample (6), the generations kept (generations.csv), a dropped one
    found = re.search(r"([\d,]+) simulations \((\d+) from the prior to set the first epsilon, ([\d,]+) in the generations "
                      r"kept(?:, ([\d,]+) in a generation stopped at `min_acceptance_rate` and dropped)?\)", report)
    assert found, report
    total, first, kept, dropped = (int((g or "0").replace(",", "")) for g in found.groups())
    assert first == 6 and kept == int(pd.read_csv(tmp_path / "a" / "generations.csv")["simulations"].sum())
    assert total == first + kept + dropped <= 6 + 30 + 20 and "summed over 7-day bins" in report
    # a fit no generation of which passes min_acceptance_rate: the line names the settings file's key (it named no
    # file), and the runs it finished are kept and said to be, which its rerun reads back as "an earlier study that
    # did not finish" (it said "interrupted")
    strict = tmp_path / "strict.yaml"
    strict.write_text("min_acceptance_rate: 1\n")   # refused with its file and line before anything runs (it named none)
    one_line_error(invoke(*calibrate_args(tmp_path / "b", pilot, "--settings", str(strict))), "strict.yaml",
                   "min_acceptance_rate")
    assert not (tmp_path / ".b.runs").exists()
    strict.write_text("min_acceptance_rate: 0.99\n")
    failed = invoke(*calibrate_args(tmp_path / "b", pilot, "--settings", str(strict)))
    # stopped during the fit: its progress bar's last state stands above the error line
    assert failed.exit_code == 2 and "Traceback" not in failed.stderr, failed.stderr
    line = failed.stderr.rstrip("\n").split("\n")[-1]
    assert line.startswith(f"error: {strict}: min_acceptance_rate (line 1): no generation of the fit accepted 99%"), line
    assert "finished runs are kept in" in line and (tmp_path / ".b.runs").is_dir()
    again = invoke(*calibrate_args(tmp_path / "b", pilot, "--settings", str(strict)))
    assert "kept by an earlier study into" in again.stdout and "that did not finish" in again.stdout
    assert "interrupted" not in again.stdout
    settings.write_text("parts: 3\n")
    ok(*calibrate_args(tmp_path / "b", pilot, "--settings", str(settings)))
    assert "summed over 3 equal parts of the pilot" in (tmp_path / "b" / "report.md").read_text()
    # more parts than the pilot has days (21 rows, days 0-20: 20 days of activity) are one a day: "summed over 40
    # equal parts" of it was said, then "21": day 0, the launch state with no counts, was a part of its own
    settings.write_text("parts: 40\n")
    ok(*calibrate_args(tmp_path / "c", pilot, "--settings", str(settings)))
    assert "summed over 20 equal parts of the pilot (parts 40 asked: one a day at most)" in \
        " ".join((tmp_path / "c" / "report.md").read_text().split())


def test_calibrate_mistakes_are_one_line_errors(tmp_path, pilot, monkeypatch):
    args = lambda out, *extra: calibrate_args(tmp_path / out, pilot, *extra)  # noqa: E731
    one_line_error(invoke(*args("x", "--column", "signups")), "signups", "new_organic")
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(pilot).rename(columns={"shares": "sharez"}).to_csv(renamed, index=False)
    one_line_error(invoke(*calibrate_args(tmp_path / "x", renamed, "--column", "shares")), "renamed.csv", "shares", "sharez")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", tmp_path / "nowhere.csv")), "nowhere.csv", "not found")
    one_line_error(invoke(*args("x", "--fit", "program.timing.kind")), "program.timing.kind")
    negative = tmp_path / "negative.csv"
    pd.read_csv(pilot).assign(asks=-1).to_csv(negative, index=False)
    one_line_error(invoke(*calibrate_args(tmp_path / "x", negative)), "negative.csv", "asks", "whole numbers, 0 or more", "got -1 on day 0")
    # no --fit: said in calibrate's word ('nothing to vary' was optimize's)
    one_line_error(invoke("calibrate", DEFAULT, *TINY, "--data", pilot, "--out", tmp_path / "x"), "--fit",
                   "nothing to fit; give at least one KEY=LO:HI")
    # a word pandas reads as missing is named as the file writes it, not as "a blank"
    missing = tmp_path / "missing.csv"
    pd.read_csv(pilot).astype({"asks": object}).assign(asks=lambda f: f["asks"].where(f["day"] != 3, "n/a")).to_csv(
        missing, index=False)
    one_line_error(invoke(*calibrate_args(tmp_path / "x", missing)), "missing.csv", "asks", "got 'n/a' on day 3")
    # a spreadsheet's total row, or a trailing row of commas: the day cell at fault is named with its line (the line
    # said "days must be whole numbers from 0" of a file whose real days all were)
    rows = pilot.read_text().splitlines()
    total, commas = tmp_path / "total.csv", tmp_path / "commas.csv"
    total.write_text("\n".join([*rows, "Total" + ",1" * (rows[0].count(","))]) + "\n")
    commas.write_text("\n".join([*rows, "," * rows[0].count(",")]) + "\n")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", total)), "total.csv", "day",
                   "days must be whole numbers from 0", f"got 'Total' on line {len(rows) + 1}")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", commas)), "commas.csv", "day", f"got a blank on line {len(rows) + 1}")
    # separated by ';': the header read as one column, and the line said only that none was found
    semicolons = tmp_path / "semicolons.csv"
    pd.read_csv(pilot).to_csv(semicolons, index=False, sep=";")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", semicolons)), "semicolons.csv", "the header read as 'day;",
                   "comma-separated")
    # a pilot longer than the scenario: named by its file, with the flag that fixes it
    longer = tmp_path / "longer.csv"
    pd.read_csv(pilot).assign(day=lambda f: f["day"] + 40).to_csv(longer, index=False)
    one_line_error(invoke(*calibrate_args(tmp_path / "x", longer)), "longer.csv: days:", "reaches day 60", "--set days=60")
    # a posterior of one particle, or a forecast from one draw, has an interval of no width:
    # refused as the settings file refuses them (particles >= 5, draws >= 2)
    one_line_error(invoke(*args("x", "--particles", "1")), "--particles", "at least 5")
    one_line_error(invoke(*args("x", "--draws", "1")), "--draws", "at least 2")
    one_line_error(invoke(*args("x", "--replicates", "1")), "--replicates", "at least 2")
    # a pilot that cannot be read (chmod 000, a failing disk) ended in pandas' traceback
    read_bytes = Path.read_bytes

    def unreadable(self):
        if self == Path(pilot):
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)
    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_bytes", unreadable)
        one_line_error(invoke(*args("x")), str(pilot), "--data", "cannot be read (Permission denied)")
    # not UTF-8: pandas' "'utf-8' codec can't decode byte 0xff in position 0"; said with its line, as scenarios are
    latin = tmp_path / "latin.csv"
    latin.write_bytes(Path(pilot).read_bytes().replace(b"\n1,", b"\n\xff1,", 1))
    one_line_error(invoke(*calibrate_args(tmp_path / "x", latin)), "latin.csv: line 3", "byte 0xff is not UTF-8")
    # a column named twice: pandas renamed the second 'asks.1', and the note named a column the file lacks
    twice = tmp_path / "twice.csv"
    twice.write_text("day,asks,asks\n1,2,3\n2,3,4\n")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", twice)), "twice.csv: line 1", "'asks' twice")
    twice.write_text("day,asks,Asks \n1,2,3\n2,3,4\n")   # one column in another case, a space after it
    one_line_error(invoke(*calibrate_args(tmp_path / "x", twice)), "twice.csv: line 1", "'asks' twice (in any case")
    # a row longer than the header: pandas made its first field the index and read every column one to the left
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("day,asks\n1,2\n2,3,4\n")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", ragged)), "ragged.csv: line 3",
                   "this row has 3 fields but the header names 2 columns")
    # a row named by its line in the file, blank lines counted (two before the header named line 4 for line 6)
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("\n\nnew_referred,shares\n0,0\n2,5\nx,8\n0,8\n")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", spaced)), "spaced.csv", "got 'x' on line 6")
    dated = tmp_path / "dated.csv"
    dated.write_text("date,shares\n2026-01-01,1\n\n2026-01-02,2\nsoon,3\n")
    one_line_error(invoke(*calibrate_args(tmp_path / "x", dated)), "dated.csv", "'soon' on line 5 is not a date")
    # a line of spaces, which pandas skips too, and a quoted field across two lines
    for text in ("new_referred,shares\n0,0\n   \n1,2\n1,x\n", 'new_referred,shares,note\n0,0,"a\nb"\n1,2,c\n1,x,d\n'):
        spaced.write_text(text)
        one_line_error(invoke(*calibrate_args(tmp_path / "x", spaced)), "spaced.csv", "got 'x' on line 5")
    assert not (tmp_path / "x").exists()


def test_calibrate_fits_the_pilots_own_days_and_says_which_columns_it_ignored(tmp_path, pilot):
    """A pilot of days 10-30 was fitted as days 0-20 (the report said 'the pilot's first
    21 days'); a misspelt column was dropped without a word; a column or metric named
    twice crashed; the console showed the posterior only, not the forecast or the designs."""
    later = tmp_path / "later.csv"
    pd.read_csv(pilot).assign(day=lambda f: f["day"] + 10, new_referals=1).to_csv(later, index=False)
    result = ok(*calibrate_args(tmp_path / "a", later, "--column", "shares", "--column", "shares",
                                "--metric", "customers_final", "--metric", "customers_final"))
    report = (tmp_path / "a" / "report.md").read_text()
    assert "to the pilot's 21 days (days 10–30) of shares " in report
    assert "With so few draws the intervals are rough, quantiles of 3 values" in " ".join(report.split())
    # three draws give quantiles of three values: said on the console, and in report.md (the designs' section did)
    assert ("launch forecast (45 days, 3 posterior draws; rough intervals with so few: raise --draws to 20 or more):"
            in result.stdout and "designs under the posterior" in result.stdout)
    # the designs' interval is said with its level: beside compare's 95%, a bare [low, high] read as 95%
    assert "(mean; against the best, draw by draw, with its 90% interval):" in result.stdout, result.stdout
    assert len(pd.read_csv(tmp_path / "a" / "outcomes.csv")) == 1   # customers_final once
    assert "new_referals are not refsim daily columns and are not fitted" in " ".join(ok(*calibrate_args(
        tmp_path / "b", later)).stdout.split())   # with the default columns (none named)
    as_written = tmp_path / "timeseries.csv"   # a timeseries.csv as refsim writes it: its labels are no mistake
    pd.read_csv(pilot).assign(scenario="launch", replicate=0).to_csv(as_written, index=False)
    assert not pilot_notes(ok(*calibrate_args(tmp_path / "c", as_written)).stdout)
    # a pilot of a few days returns about the prior, which read as a finding: the console says so
    short = tmp_path / "short.csv"
    pd.read_csv(pilot).head(3).to_csv(short, index=False)   # days 0-2: day 0 is the launch state
    assert "a pilot of 2 days says little" in " ".join(ok(*calibrate_args(tmp_path / "d", short)).stdout.split())
    # a spreadsheet's header ('Day', 'Shares ' with a space after it): read as 'day' and 'shares', the same pilot
    # and so the same fit; 'Date' was read as no date column, and a trailing space made a column refsim did not know
    spelt = tmp_path / "spelt.csv"
    frame = pd.read_csv(pilot)
    frame.rename(columns={c: (c.title() + " " if i % 2 else " " + c.upper()) for i, c in enumerate(frame.columns)}).to_csv(
        spelt, index=False)
    assert not pilot_notes(ok(*calibrate_args(tmp_path / "e", spelt)).stdout)
    ok(*calibrate_args(tmp_path / "f", pilot))
    assert (tmp_path / "e" / "posterior.csv").read_text() == (tmp_path / "f" / "posterior.csv").read_text()
    # trailing commas, as spreadsheets export them, on every row (and the header, or not): the same pilot, no note; a
    # day column read as 'days must be consecutive: day 0 is given twice', without one 'got a blank on line 2'
    lines = Path(pilot).read_text().splitlines()
    for name, header in (("trailing", lines[0] + ","), ("rows-only", "\n" + lines[0]),   # a blank line first too
                         ("commas", ",,,\n" + lines[0])):   # and a spreadsheet's empty first row, all commas
        (tmp_path / f"{name}.csv").write_text("\n".join([header] + [line + "," for line in lines[1:]]) + "\n")
        assert not pilot_notes(ok(*calibrate_args(tmp_path / name, tmp_path / f"{name}.csv")).stdout)
        assert (tmp_path / name / "posterior.csv").read_text() == (tmp_path / "f" / "posterior.csv").read_text()


def test_a_file_a_settings_file_names_that_is_not_there_is_named_at_its_line(tmp_path):
    """A settings file's scenario:, designs: or data: naming a file that is not there said
    only "nothere.yaml: file not found", not which settings file or line named it, as a
    sweep's base: does. A flag given in its place wins, and the file's is not checked."""
    cases = (("optimize", "vary", "scenario: nothere.yaml\n", "scenario (line 1): scenario"),
             ("sensitivity", "uncertain", f"scenario: {DEFAULT}\ndesigns: [{DEFAULT}, nofile.yaml]\n",
              "designs (line 2): design"),
             ("calibrate", "fit", f"scenario: {DEFAULT}\ndata: nopilot.csv\n", "data (line 2): pilot"))
    for command, block, lines, said in cases:
        settings = tmp_path / f"{command}.yaml"
        settings.write_text(lines + f"{block}: {{program.base_share: '0.1:0.3'}}\n")
        one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"), f"{settings}: {said} '{tmp_path}/",
                       "not found")
        assert not (tmp_path / "x").exists()
    result = invoke("optimize", DEFAULT, "--settings", tmp_path / "optimize.yaml", *TINY, "--trials", "1",
                    "--replicates", "1", "--executor", "serial", "--out", tmp_path / "flag")
    assert result.exit_code == 0, result.output   # the SCENARIO given wins over the file's missing one


def test_a_settings_files_workers_that_go_unused_are_said(tmp_path):
    """A settings file's `workers: 4` beside `executor: serial` ran on one core without a
    word, where `--workers 4` got a note (a sweep file's got one too)."""
    settings = tmp_path / "o.yaml"
    settings.write_text(f"scenario: {DEFAULT}\nvary: {{{REWARD}: '0:30'}}\nworkers: 4\nexecutor: serial\n"
                        f"max_replicates: 1\nconfirm_replicates: 2\nstartup_trials: 1\n")
    result = ok("optimize", "--settings", settings, *TINY, "--trials", "1", "--replicates", "1", "--out", tmp_path / "o")
    assert f"note: {settings}'s workers: 4 is unused: the serial executor runs every run in this process" in \
        result.stderr, result.stderr


def test_a_sensitivity_sample_size_from_a_settings_file_is_refused_at_its_line(tmp_path):
    """samples: 6 in a settings file was reported as '--samples', a flag the user never gave."""
    settings = tmp_path / "sens.yaml"
    settings.write_text(f"scenario: {DEFAULT}\nuncertain:\n  program.base_share: '0.1:0.4'\nsamples: 6\n")
    one_line_error(invoke("sensitivity", "--settings", settings, "--out", tmp_path / "x"),
                   "sens.yaml", "samples (line 4)", "power of two")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("command, entry, words", [
    ("optimize", "constraints: ['reward_cost<=$50,000']", ["constraints", "'$50,000' is not a number"]),
    ("optimize", "constraints: ['reward_costs<=50000']", ["constraints", "did you mean 'reward_cost'"]),
    ("optimize", "objective: [incremental_value, reward_cost, customers_final]", ["objective", "got 3"]),
    ("sensitivity", "metrics: [incremental_valu]", ["metrics", "did you mean 'incremental_value'"]),
    # validated strictly, as scenario and sweep files: text is not a count
    ("optimize", "trials: '6'", ["trials", "valid integer (got '6')"]),
    ("sensitivity", "seed: '5'", ["seed", "valid integer (got '5')"]),
])
def test_a_mistake_in_a_settings_file_names_the_file_not_a_flag(tmp_path, command, entry, words):
    """A constraint written '$50,000' in an optimize settings file was reported as
    '--constraint: ...', a flag the user never typed, without the file."""
    settings = tmp_path / "study.yaml"
    vary = "vary:" if command == "optimize" else "uncertain:"
    settings.write_text(f"scenario: {DEFAULT}\n{vary}\n  program.base_share: '0.1:0.4'\n{entry}\n")
    line = one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"), "study.yaml", *words)
    assert not any(flag in line for flag in ("--constraint", "--objective", "--metric")), line
    assert not (tmp_path / "x").exists()


def test_optimize_says_when_the_values_varied_made_no_difference(tmp_path, optimize_settings):
    """A cap per referrer of 30 to 40 that no referrer reaches in 45 days scores every
    trial the same on the shared seeds, and the first trial was named 'Best design' with
    nothing said: the report and the console now say the winner won by order alone."""
    folder = tmp_path / "cap"
    result = ok("optimize", DEFAULT, *TINY, "--vary", "program.incentive.cap_per_referrer=30:40", "--trials", "4",
                "--replicates", "2", "--seed", "5", "--settings", optimize_settings, "--out", folder, "--executor", "serial")
    trials = pd.read_csv(folder / "trials.csv")
    assert trials["incremental_value_rung0_mean"].nunique() == 1 and trials["program.incentive.cap_per_referrer"].nunique() > 1
    report = (folder / "report.md").read_text()
    assert "Every one of the 4 completed trials scored exactly the same incremental_value (" in report
    assert "winner by order alone" in " ".join(result.stdout.split())


def test_a_trial_level_with_the_winner_is_named_and_leading_trials_come_in_the_winners_order():
    """Trials level with the winner on the shared seeds (objective, constraint metrics and
    feasibility) are named, and one level on the objective alone is not: it spent more.
    The Leading trials table listed a trial keeping its constraint on the mean only
    first, 'feasible: yes', above the winner chosen because its interval kept it too."""
    from types import SimpleNamespace

    from simulator.optimize import Constraint, Objective
    from simulator.report.optimize import _top_trials, tie_note

    trials = pd.DataFrame({"trial": [0, 1, 2, 3, 4], "state": "COMPLETE", "replicates": 4, REWARD: [5.0, 9.0, 20.0, 7.0, 30.0],
                           "incremental_value_rung0_mean": [10.0, 12.0, 14.0, 12.0, 12.0],
                           "reward_cost_rung0_mean": [100.0, 200.0, 250.0, 200.0, 290.0],
                           "incremental_value_mean": [10.0, 12.0, 14.0, 12.5, 11.0],
                           "incremental_value_ci_low": [8.0, 10.0, 12.0, 10.0, 9.0],
                           "incremental_value_ci_high": [12.0, 14.0, 16.0, 15.0, 13.0],
                           "feasible": [True, True, True, True, True], "feasible_upper": [True, True, False, True, True]})
    result = SimpleNamespace(trials=trials, best_trial=1, objectives=[Objective("incremental_value", "maximize")],
                             constraints=[Constraint("reward_cost", "<=", 300.0)], rungs=[2, 4])
    note = tie_note(result)
    assert note.startswith("Trial 3 scored exactly the same incremental_value and constraint metrics as trial 1 on the "
                           "first 2 replicates"), note
    assert "4" not in note   # level on value, but it spent 290 where trial 1 spent 200
    assert tie_note(SimpleNamespace(**{**vars(result), "best_trial": 2})) == ""
    # the same values as the winner: the same design proposed again, not values that made no difference
    again = SimpleNamespace(**{**vars(result), "best": {REWARD: 9.0}, "trials": trials.assign(**{REWARD: [5.0, 9.0, 20.0, 9.0, 30.0]})})
    assert tie_note(again) == ("Trial 3 repeated trial 1's design on the same seeds (the search proposed it again), so it "
                               "added nothing."), tie_note(again)
    table = _top_trials(result, [SimpleNamespace(key=REWARD)])
    rows = [line.split("|")[1].strip() for line in table[2:]]
    assert rows == ["3", "1", "4", "0", "2"]
    # each trial's replicates: a lower-rung candidate ran fewer than the top rung's, which the table did not say
    assert "| replicates | feasible |" in table[0] and table[2].split("|")[-3].strip() == "4"
    assert _top_trials(result, [SimpleNamespace(key=REWARD)])[-1].endswith("| on the mean only |")
    # more safe trials than the five rows: the leading ones kept on the mean only still follow them (cut at five, the
    # table said it listed them and showed none, hiding a trial 15% above the winner)
    many = pd.concat([trials, trials.assign(trial=trials["trial"] + 5, feasible_upper=True),
                      trials.assign(trial=trials["trial"] + 10, feasible_upper=False)], ignore_index=True)
    rows = [line.split("|")[1].strip() for line in _top_trials(SimpleNamespace(**{**vars(result), "trials": many}),
                                                               [SimpleNamespace(key=REWARD)])[2:]]
    assert len(rows) == 7 and rows[-2:] == ["2", "12"], rows   # five safe, then the two best kept on the mean only
    # fewer than five keep the constraints: the rows breaking one on the mean fill the table, and the sentence above
    # it says so (it listed only trials that keep them, over a row 'feasible: no')
    from simulator.report.optimize import leading_intro

    assert "rows fill with trials breaking" not in leading_intro(result, table)
    broken = SimpleNamespace(**{**vars(result), "trials": trials.assign(
        feasible=[True, True, True, False, False], feasible_upper=[True, True, False, False, False],
        reward_cost_mean=[100.0, 200.0, 250.0, 310.0, 330.0])})
    table = _top_trials(broken, [SimpleNamespace(key=REWARD)])
    assert table[-1].endswith("| no |")
    assert leading_intro(broken, table).endswith("; where fewer keep them, the rows fill with trials breaking a "
                                                  "constraint on the mean (feasible: no), those breaking it least first.")


@pytest.mark.parametrize("command, block", [("optimize", "vary"), ("sensitivity", "uncertain")])
def test_a_range_written_as_a_nested_block_says_to_write_the_key_dotted(tmp_path, command, block):
    """'vary: {program: {incentive: {referrer_reward: 0:60}}}' read 'vary.program: Input
    should be a valid string', with no hint that keys are written dotted, as --set takes them."""
    settings = tmp_path / "nested.yaml"
    settings.write_text(f"scenario: {DEFAULT}\n{block}:\n  program:\n    incentive:\n      referrer_reward: '0:60'\n")
    one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"),
                   "nested.yaml", block, "'program' holds a block", "dotted", "program.incentive")
    assert not (tmp_path / "x").exists()
    # a sweep file's range or list, which users carry over: the advice was a key 'program.base_share.low'
    for written, said in (("{low: 0.1, high: 0.3}", "holds a sweep file's {low, high}; here a range is written "
                                                     "program.base_share: '0.1:0.3' (quoted)"),
                          ("{low: 0.01, high: 0.3, log: true}", "program.base_share: '0.01:0.3:log'"),
                          ("{values: [0.1, 0.3]}", "here choices are a list: program.base_share: [a, b]")):
        settings.write_text(f"scenario: {DEFAULT}\n{block}:\n  program.base_share: {written}\n")
        line = one_line_error(invoke(command, "--settings", settings, "--out", tmp_path / "x"), "nested.yaml", block,
                              said)
        assert "program.base_share.low" not in line and "program.base_share.values" not in line, line
    assert not (tmp_path / "x").exists()


def test_an_optimisation_with_one_rung_does_not_claim_successive_halving(tmp_path, optimize_settings):
    """max_replicates no larger than replicates leaves one rung; the report said 'rungs
    of 2 (the top 1/2 of a rung moves up)', a halving that never happened."""
    folder = tmp_path / "one"
    # TINY's qualification_days=7 left out: a --set of a key the study varies is refused
    ok("optimize", DEFAULT, *TINY[:6], "--vary", f"{REWARD}=0:40", "--vary", "program.incentive.qualification_days=7:60",
       "--trials", "2", "--replicates", "4", "--seed", "5", "--settings", optimize_settings, "--out", folder,
       "--executor", "serial")
    report = " ".join((folder / "report.md").read_text().split())
    assert "every trial ran 4 replicates (max_replicates leaves no room for more: no successive halving)" in report
    assert "moves up" not in report
    # varying the payment delay: the choice rests on how fast people discount a reward paid later
    assert ("`qualification_days` is varied: paying later saves the rewards of friends who leave before they qualify, "
            "and costs referrals, since a reward paid later moves people less (`delay_discount` 0.01 a day: paid after "
            "60 days, as 62% of it paid at once would)") in report  # the range's longest wait


def test_the_payment_delay_note_says_what_the_searchs_choice_of_wait_rests_on():
    """Without a discount the search favoured the longest wait (a reward paid late
    motivated as much): said so; varied together with the rate, the search can pick a
    rate that makes a long wait free: said so; not varied: nothing. Varying paid_on
    (a category) got no note, and a wait varied under paid_on: signup was said to
    filter churners although it changes nothing."""
    from types import SimpleNamespace

    from simulator.report.optimize import payment_delay_note
    from simulator.scenario_io import load_scenario

    from simulator.parameters import parse_parameter

    base = load_scenario(DEFAULT)
    wait = parse_parameter("program.incentive.qualification_days=0:90", base)
    rate, reward = (SimpleNamespace(key=f"program.incentive.{k}") for k in ("delay_discount", "referrer_reward"))
    assert payment_delay_note(base, [reward]) == ""
    assert "(`delay_discount` 0.01 a day: paid after 90 days, as 53%" in payment_delay_note(base, [wait, reward])
    assert "`--uncertain program.incentive.delay_discount=0:0.03 --replicates 4`" in payment_delay_note(base, [wait])
    listed = parse_parameter("program.incentive.qualification_days=60,0,30", base)
    assert "paid after 60 days, as 62%" in payment_delay_note(base, [listed])  # the longest, not the last listed
    assert "a low rate makes paying late look free" in payment_delay_note(base, [wait, rate])
    free = load_scenario(DEFAULT, ["program.incentive.delay_discount=0"])
    assert "the latest payment looks best" in payment_delay_note(free, [wait])
    when = SimpleNamespace(key="program.incentive.paid_on")
    assert payment_delay_note(base, [when]).startswith("`paid_on` is varied: paying later saves")
    assert "fraud.share=0:0.1" in payment_delay_note(base, [when])
    at_once = load_scenario(DEFAULT, ["program.incentive.paid_on=signup"])
    # the wait of a design paid on signup: said once, by the world note (no run depends on it), not twice
    assert payment_delay_note(at_once, [wait]) == ""
    from simulator.report.text import study_world_note

    assert "which default-double-sided-credit does not read" in study_world_note([wait.key], base=at_once)
    assert payment_delay_note(at_once, [wait, when]).startswith("`paid_on` and `qualification_days` are varied")


def test_a_tornado_asked_for_fewer_replicates_than_the_study_says_so_and_the_manifest_records_what_ran(tmp_path):
    """--tornado-replicates 1 under --replicates 2 ran the tornado on 2, silently, while
    the manifest recorded 1."""
    import json

    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "2",
                "--trajectories", "2", "--seed", "2", "--replicates", "2", "--tornado-replicates", "1", "--out", folder,
                "--executor", "serial")
    assert "note: tornado_replicates 1 raised to 2, the study's replicates" in " ".join(result.stdout.split())
    # one design: with two runs a point the console gives the luck's share; with one, it says the indices hold it
    luck = float(pd.read_csv(folder / "sobol.csv").query("metric == 'incremental_value'")["noise_share"].iloc[0])
    assert f"about {luck:.0%} of its variance over the points may be the runs' luck" in " ".join(result.stdout.split())
    single = ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "2",
                "--trajectories", "2", "--seed", "2", "--out", tmp_path / "one", "--executor", "serial")
    assert "(one run a point: the runs' luck is in these indices" in " ".join(single.stdout.split())
    manifest = json.loads((folder / "manifest.json").read_text())
    settings = manifest["sensitivity"]["settings"]
    assert (settings["replicates"], settings["tornado_replicates"]) == (2, 2)
    assert len(manifest["seeds"]["tornado"]) == 2   # the seeds the tornado ran on


def test_the_spend_cap_note_is_said_only_where_the_design_can_spend_past_the_cap():
    """The note that a cap held on the mean only was printed beside 'NOT kept on fresh
    seeds', for a monthly allowance that cannot add up to the cap, and with the limit
    rounded ('1.23457e+06')."""
    from types import SimpleNamespace

    from simulator.optimize import Constraint
    from simulator.report.optimize import spend_cap_note

    from .conftest import small

    def result(cap, feasible=True, **incentive):
        scenario = small(days=120, program={"incentive": {"kind": "double_sided", **incentive}})
        return SimpleNamespace(constraints=[cap], feasible=feasible, best_scenario=scenario)

    note = spend_cap_note(result(Constraint("reward_cost", "<=", 1234567.0)))
    assert "`program.incentive.budget: 1234567`" in note and "levers" not in note
    assert spend_cap_note(result(Constraint("reward_cost", "<=", 50.0), feasible=False)) == ""
    assert spend_cap_note(result(Constraint("reward_cost", "<=", 5000.0), budget_per_month=100)) == ""  # 4 months x 100
    assert spend_cap_note(result(Constraint("reward_cost", "<=", 300.0), budget_per_month=100)) != ""
    assert spend_cap_note(result(Constraint("reward_cost", "<=", 300.0), budget=250)) == ""
    # a budget above the cap stops nothing at the cap: the note stays (it was dropped for any budget)
    above = spend_cap_note(result(Constraint("reward_cost", "<=", 300.0), budget=800))
    assert "the design has a total budget of 800, above it, so a launch" in above
    assert "the levers' costs in program_cost go on" in spend_cap_note(result(Constraint("program_cost", "<=", 300.0)))
    # a rewards budget of the cap holds program_cost to nothing where the levers cost most ("set budget: 9000" where
    # 8,000 of 8,800 were influencers' fees): the budget is the cap less them, from the fresh seeds where they give both
    assert ("to keep program_cost within 300, set `program.incentive.budget` in best.yaml to 300 less what the levers "
            "cost") in spend_cap_note(result(Constraint("program_cost", "<=", 300.0)))
    import pandas as pd

    fees = result(Constraint("program_cost", "<=", 9_000.0))
    fees.best_trial = 2
    fees.confirmation = pd.DataFrame({"trial": [2, 2], "round": [1, 1], "metric": ["program_cost", "reward_cost"],
                                      "mean": [8_790.0, 790.0], "mean_all_runs": [8_790.0, 790.0]})
    said = spend_cap_note(fees)
    assert ("the levers' costs go on (8,000 on its fresh seeds: program_cost less reward_cost): to keep program_cost "
            "within 9,000, set `program.incentive.budget: 1000` in best.yaml") in said, said
    assert "budget: 9000" not in said
    fees.confirmation = fees.confirmation.assign(mean=[9_790.0, 790.0], mean_all_runs=[8_990.0, 790.0])
    assert "no rewards budget keeps program_cost within 9,000" in spend_cap_note(fees)   # the levers alone: 9,000
    # the cap counts the rewards paid by the horizon: what the winner still owes there is committed too (a winner
    # "within $50k" committed 51,195 on average), said from its fresh-seed re-run
    import pandas as pd

    owing = result(Constraint("reward_cost", "<=", 50_000.0))
    owing.best_trial = 3
    owing.confirmation = pd.DataFrame({"trial": [3, 3], "round": [1, 1], "metric": ["reward_cost", "rewards_owed"],
                                       "mean": [44_751.0, 6_444.0], "mean_all_runs": [44_751.0, 6_444.0]})
    assert ("It counts what is paid by the horizon: on its fresh seeds the winner also owes 6,444 at the end "
            "(`rewards_owed`: earned, not yet paid, which `incremental_value` counts), 51,195 committed in all, above "
            "the 50,000.") in spend_cap_note(owing), spend_cap_note(owing)
    owing.confirmation = owing.confirmation.assign(mean=[44_751.0, 0.0], mean_all_runs=[44_751.0, 0.0])   # none owed
    assert "committed" not in spend_cap_note(owing)


def test_the_tie_note_reads_level_trials_on_the_first_rung_alone():
    """A trial level with the winner on the first rung but pruned there had a wider
    interval over its fewer runs, so 'feasible at the top of the interval' differed and
    the note named nobody; a constraint metric undefined for every trial (NaN == NaN is
    false) hid the note too. And the spend-cap note was dropped when the winner broke
    another constraint, though it kept the cap."""
    from types import SimpleNamespace

    from simulator.optimize import Constraint, Objective
    from simulator.report.optimize import spend_cap_note, tie_note

    from .conftest import small

    trials = pd.DataFrame({"trial": [0, 1, 2], "state": "COMPLETE", "replicates": [4, 2, 2],
                           "incremental_value_rung0_mean": [12.0, 12.0, 12.0],
                           "reward_cost_rung0_mean": [200.0, 200.0, 200.0],
                           "payback_day_rung0_mean": [float("nan")] * 3,
                           "feasible": [True, True, True], "feasible_upper": [True, False, False]})
    caps = [Constraint("reward_cost", "<=", 250.0), Constraint("payback_day", "<=", 10.0)]
    result = SimpleNamespace(trials=trials, best_trial=0, objectives=[Objective("incremental_value", "maximize")],
                             constraints=caps, rungs=[2, 4], feasible=False,
                             confirmation=pd.DataFrame({"trial": [0, 0], "metric": ["reward_cost", "payback_day"],
                                                        "mean": [210.0, 40.0], "mean_all_runs": [210.0, 40.0]}),
                             best_scenario=small(days=120))
    assert "Every one of the 3 completed trials scored exactly the same" in tie_note(result)
    # payback_day broke its constraint, reward_cost kept the cap on the mean: the cap note still applies
    assert "`reward_cost<=250` holds on the mean" in spend_cap_note(result)
    broke = SimpleNamespace(**{**vars(result), "confirmation": result.confirmation.assign(mean=[260.0, 5.0],
                                                                                            mean_all_runs=[260.0, 5.0])})
    assert spend_cap_note(broke) == ""
    # broken on the round-0 seeds it was chosen on (152.87 against a cap of 150), kept on round 1's (149.97): 'holds
    # on the mean' was said beside the warning that no candidate kept every constraint on fresh seeds
    rounds = pd.DataFrame({"trial": [0, 0], "round": [0, 1], "metric": ["reward_cost"] * 2,
                           "mean": [152.87, 149.97], "mean_all_runs": [152.87, 149.97]})
    chosen_broke = SimpleNamespace(**{**vars(result), "constraints": [Constraint("reward_cost", "<=", 150.0)],
                                      "confirmation": rounds})
    assert spend_cap_note(chosen_broke) == ""
    kept = SimpleNamespace(**{**vars(chosen_broke), "confirmation": rounds.assign(mean_all_runs=[148.0, 149.97])})
    assert "`reward_cost<=150` holds on the mean" in spend_cap_note(kept)


def test_a_spend_cap_at_or_above_the_budget_is_said_to_rule_nothing_out():
    """`--constraint reward_cost<=5000` on designs with a $5,000 budget always held (the
    budget stops the spend there), and 'It keeps every constraint' hid that the winner's
    budget ran out on day 64 with its rewards ending there. The note says the cap cannot
    fail, when the budget ran out, and how to keep designs whose budget lasts; a cap
    below the budget, or a budget the search varies, can bind and gets no note."""
    from types import SimpleNamespace

    from simulator.optimize import Constraint, Objective
    from simulator.report.optimize import budget_bound_note

    from .conftest import small

    capped = small(program={"incentive": {"kind": "double_sided", "budget": 5000}})
    confirmation = pd.DataFrame({"trial": [4, 4, 4], "metric": ["incremental_value", "budget_exhausted_day", "rewards_unpaid"],
                                 "mean": [900.0, 63.6, 3838.0], "n": [20, 20, 20]})
    result = SimpleNamespace(best_scenario=capped, best={REWARD: 50.7}, best_trial=4, confirmation=confirmation,
                             objectives=[Objective("incremental_value", "maximize")],
                             constraints=[Constraint("reward_cost", "<=", 5000.0)])
    note = budget_bound_note(result)
    assert note.startswith("`reward_cost<=5000` cannot fail: the total budget (5,000) stops the reward spend there"), note
    # paid on qualification (the default) the rewards reserved before it are still paid: the offer is what ends
    assert "ran out on day 64 on average, in 20 of 20 fresh-seed runs" in note and "its offer of rewards and asks end" in note
    # a reserving budget leaves nothing earned unpaid: a constraint on rewards_unpaid would rule nothing out either
    assert "--constraint rewards_unpaid<=0" not in note and "vary `program.incentive.budget`" in note
    signup = small(program={"incentive": {"kind": "double_sided", "budget": 5000, "paid_on": "signup"}})
    said = budget_bound_note(SimpleNamespace(**{**vars(result), "best_scenario": signup}))
    assert "when its rewards and asks end" in said and "--constraint rewards_unpaid<=0" in said
    assert budget_bound_note(SimpleNamespace(**{**vars(result), "constraints": [Constraint("reward_cost", "<=", 4000.0)]})) == ""
    assert budget_bound_note(SimpleNamespace(**{**vars(result), "best": {"program.incentive.budget": 5000}})) == ""
    unbudgeted = small(program={"incentive": {"kind": "double_sided"}})
    assert budget_bound_note(SimpleNamespace(**{**vars(result), "best_scenario": unbudgeted})) == ""


def test_a_spend_cap_at_or_above_a_monthly_allowance_over_the_horizon_is_said_to_rule_nothing_out():
    """100 a month over 120 days (months of 30.4375 days: days 1-31, 32-61, 62-92 and
    93-120 begin four) can pay 400 at most, so `reward_cost<=400` holds for every design
    with that allowance, as one at or above a total budget does; optimize said so of a
    total budget only. A cap below 400, or an allowance the search varies, can bind."""
    from types import SimpleNamespace

    from simulator.optimize import Constraint
    from simulator.report.optimize import budget_bound_note

    from .conftest import small

    allowance = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 100}})
    result = SimpleNamespace(best_scenario=allowance, best={REWARD: 50.7}, best_trial=4,
                             confirmation=pd.DataFrame({"trial": [], "metric": [], "mean": [], "n": []}),
                             constraints=[Constraint("reward_cost", "<=", 400.0)])
    note = budget_bound_note(result)
    assert note.startswith("`reward_cost<=400` cannot fail: the monthly allowance (100 a month, 400 over the 4 months "
                           "begun) stops the reward spend there"), note
    assert budget_bound_note(SimpleNamespace(**{**vars(result), "constraints": [Constraint("reward_cost", "<=", 399.0)]})) == ""
    assert budget_bound_note(SimpleNamespace(**{**vars(result), "best": {"program.incentive.budget_per_month": 100}})) == ""
    # a total budget below the allowance's 400 is what stops the spend, and is named
    both = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 100, "budget": 300}})
    said = budget_bound_note(SimpleNamespace(**{**vars(result), "best_scenario": both}))
    assert said.startswith("`reward_cost<=400` cannot fail: the total budget (300)"), said


def test_a_bound_on_the_spend_that_no_point_varies_is_said_when_the_other_is_varied():
    """A total budget of 300 beside an allowance of 100 a month over 4 months (400) that a
    study varied: sensitivity took the lower bound, found its keys varied and said
    nothing, though the budget, which no point varied, still held the spend at 300; and
    a varied budget hid an allowance no point varied. Each bound no point varies is
    weighed, the lowest said; optimize reads the bounds alike."""
    from types import SimpleNamespace

    from simulator.evaluation import spend_cap
    from simulator.optimize import Constraint
    from simulator.report.optimize import budget_bound_note
    from simulator.report.sensitivity import _budget_bound

    from .conftest import small

    both = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 100, "budget": 300}})
    assert spend_cap(both) == (300.0, "budget")
    assert spend_cap(both, ["program.incentive.budget"]) == (400.0, "allowance")   # 100 a month, 4 months begun
    assert spend_cap(both, ["program.incentive.budget_per_month"]) == (300.0, "budget")
    assert spend_cap(both, ["program.incentive.budget", "days"]) == (float("inf"), "")
    cheap = small(program={"incentive": {"kind": "double_sided", "budget_per_month": 50, "budget": 300}})   # 200 < 300
    varied = [SimpleNamespace(key="program.incentive.budget_per_month")]
    for cap, said in ((300, "its total budget (300)"), (299, "")):
        text = _budget_bound({"constraint": f"reward_cost<={cap}"}, cheap, varied, markdown=True)
        assert (said in text) if said else text == "", (cap, text)
    text = _budget_bound({"constraint": "reward_cost<=400"}, both, [SimpleNamespace(key="program.incentive.budget")], True)
    assert "its monthly allowance (100 a month, 400 over the 4 months begun)" in text, text
    result = SimpleNamespace(best_scenario=cheap, best={"program.incentive.budget_per_month": 50}, best_trial=4,
                             confirmation=pd.DataFrame({"trial": [], "metric": [], "mean": [], "n": []}),
                             constraints=[Constraint("reward_cost", "<=", 300.0)])
    assert budget_bound_note(result).startswith("`reward_cost<=300` cannot fail: the total budget (300)")


def test_the_winners_cash_within_the_horizon_is_said_beside_its_value():
    """A winner valued at $48k (customer equity at the horizon included) was $6,165 down
    in cash over the year and never paid back, which only `refsim compare` showed. The
    re-run on fresh seeds now measures incremental_profit and payback_day with
    incremental_value, and the report says them."""
    from simulator.report.optimize import _horizon_lines

    def confirmation(profit, payback_runs):
        return pd.DataFrame({"metric": ["incremental_value", "incremental_profit", "payback_day"],
                             "mean": [48_500.0, profit, 200.0 if payback_runs else float("nan")],
                             "ci_low": [40_000.0, profit - 1000, 150.0], "ci_high": [57_000.0, profit + 1000, 250.0],
                             "n": [10, 10, payback_runs]})

    text = _horizon_lines(confirmation(-6165.0, 0), 10, 365)[1]
    assert text.startswith("Within the 365-day horizon its incremental profit (cash, against no program) is -6,165 "
                           "(95% interval -7,165 – -5,165), and it does not pay back within the horizon in any of the 10 "
                           "runs: the rest of its value is the equity"), text
    text = _horizon_lines(confirmation(4000.0, 10), 10, 365)[1]
    assert "pays back (cumulative incremental profit stays ≥ 0) from day 200 on average, in 10 of the 10 runs." in text
    assert "the rest of its value" not in text
    # one run paid back: its day is that run's, not an average ('from day 85 on average' with 19 of 20 never)
    text = _horizon_lines(confirmation(4000.0, 1), 20, 365)[1]
    assert "from day 200, in 1 of the 20 runs" in text and "on average" not in text
    assert _horizon_lines(confirmation(1.0, 1).iloc[:1], 10, 365) == []   # no twins: nothing to say


def test_an_interval_of_one_run_is_no_interval_not_three_dashes():
    """payback_day '85.0   95% CI – – –  (paid back in 1 of 20 fresh seeds)' on the
    console, and '| – – – |' in the tables: an interval that is not there reads as a
    glitch. It is now one '–' in a table and 'no interval' on the console."""
    from simulator.report.text import span_text, summary_table

    assert span_text(1.0, 2.5) == "1 – 2.5" and span_text(float("nan"), float("nan")) == "–"
    summary = pd.DataFrame({"metric": ["payback_day"], "mean": [85.0], "ci_low": [float("nan")],
                            "ci_high": [float("nan")], "p2_5": [85.0], "p97_5": [85.0], "n": [1]})
    row = summary_table(summary, 365, 20).splitlines()[-1]
    assert row.startswith("| payback_day | 85.0 (1 of 20 runs) | – | 85.0 – 85.0 |"), row
    assert "– – –" not in row


def test_a_varied_list_item_is_named_with_its_list():
    """A trial's values named each key by its last part: `program.timing.days.0` read "0=52"."""
    from simulator.report.optimize import key_name

    assert key_name("program.timing.days.0") == "days.0" and key_name("program.incentive.referee_reward") == \
        "referee_reward" and key_name("days") == "days"
    # two kinds varied together: 'kind=onboarding, kind=double_sided' named neither
    both = ["program.timing.kind", "program.incentive.kind", "program.incentive.referrer_reward"]
    assert [key_name(k, both) for k in both] == ["timing.kind", "incentive.kind", "referrer_reward"]


def test_choices_not_told_apart_from_the_winner_are_named_with_the_paired_difference():
    """'best: onboarding' read as a verdict where at_purchase's paired difference from it
    held 0 over the 16 replicates both ran. Each other choice's best trial now gets the
    winner's paired difference from it over the replicates both ran, and those whose
    interval holds 0 are named (closed form: b trails the winner by exactly 1 on every
    replicate, told apart; c by 1 on average, -2 and +4 by turns, not)."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.optimize import Objective, parse_constraint
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import _by_choice, close_choices
    from .conftest import small

    key = "program.timing.kind"
    parameters = parse_parameters([f"{key}=at_purchase,onboarding,milestone"], small())
    trials = pd.DataFrame({"trial": [0, 1, 2], "state": "COMPLETE", "replicates": 4,
                           key: ["onboarding", "at_purchase", "milestone"],
                           "incremental_value_rung0_mean": [11.5, 10.5, 10.5]})
    runs = {0: [10.0, 12.0, 11.0, 13.0], 1: [9.0, 11.0, 10.0, 12.0], 2: [12.0, 8.0, 13.0, 9.0]}
    result = SimpleNamespace(trials=trials, best_trial=0, best={key: "onboarding"}, runs=runs, confirmation=pd.DataFrame(),
                             objectives=[Objective("incremental_value", "maximize")], constraints=[], rungs=[4])
    half = stats.t.ppf(0.975, 3) * pd.Series([-2, 4, -2, 4]).std() / 2
    close, better = close_choices(result, parameters)
    assert close == [f"{key}=milestone (trial 2): winner − it 1 ({1 - half:.2f} to {1 + half:.2f}, 4 replicates)"], close
    assert better == []
    # a choice ahead of the winner on those replicates is not 'not told apart' (it was named so, with an interval
    # wholly below 0), and one breaking a constraint there is not offered at all
    behind = SimpleNamespace(**{**vars(result), "runs": {**runs, 0: [8.0, 10.0, 9.0, 11.0]}})
    close, better = close_choices(behind, parameters)
    assert close == [f"{key}=milestone (trial 2): winner − it -1 ({-1 - half:.2f} to {-1 + half:.2f}, 4 replicates)"]
    assert better == [f"{key}=at_purchase (trial 1): winner − it -1 (-1 to -1, 4 replicates)"]
    capped = SimpleNamespace(**{**vars(behind), "constraints": [parse_constraint("reward_cost<=5")],
                                "trials": trials.assign(reward_cost_rung0_mean=[4.0, 9.0, 4.0])})
    assert close_choices(capped, parameters) == (close, [])
    # kept on the first rung's replicates but broken over all it ran, the replicates the difference is over: 'ahead of
    # the winner ..., keeping the constraints there' named a choice at incremental_cac 13.0 against a cap of 12 on its
    # 4 replicates, which the same report listed among those the constraints ruled out
    kept = behind.trials.assign(reward_cost_rung0_mean=[4.0, 4.0, 4.0], feasible=[True, True, True])
    kept_there = SimpleNamespace(**{**vars(behind), "constraints": [parse_constraint("reward_cost<=5")], "trials": kept,
                                    "rungs": [2, 4]})
    assert close_choices(kept_there, parameters)[1] == better
    broken = SimpleNamespace(**{**vars(kept_there), "trials": kept.assign(feasible=[True, False, True])})
    assert close_choices(broken, parameters) == (close, [])
    # a ratio undefined in some replicates: the pairs counted are those defined in both
    ratio = SimpleNamespace(**{**vars(result), "runs": {**runs, 2: [12.0, float("nan"), 13.0, float("nan")]}})
    assert "4 replicates" not in _by_choice(ratio, parameters)[-1] and "2 replicates" in "".join(_by_choice(ratio, parameters))
    table = "\n".join(_by_choice(result, parameters))
    assert "| at_purchase | 1 | 1 | 10.5 | 1 (1 to 1, 4 replicates) | 4 |" in table, table
    # a choice with the winner's very runs (a key the model ignores) is a tie, which tie_note names: 'run them side
    # by side with more replicates' was said of it, and no replicate count tells the two apart
    same = SimpleNamespace(**{**vars(result), "runs": {**runs, 2: list(runs[0])},
                              "trials": trials.assign(incremental_value_rung0_mean=[11.5, 10.5, 11.5])})
    assert close_choices(same, parameters) == ([], [])
    # ... but one level on the objective alone, where a constraint metric differs, is in no tie note: it stays listed
    # (it had been left out of both)
    apart = SimpleNamespace(**{**vars(same), "constraints": [parse_constraint("reward_cost<=50")],
                               "trials": same.trials.assign(reward_cost_rung0_mean=[4.0, 4.0, 9.0])})
    assert close_choices(apart, parameters) == ([f"{key}=milestone (trial 2): winner − it 0 (0 to 0, 4 replicates)"], [])
    assert "| onboarding (the winner's) | 1 | 0 | 11.5 | – | 4 |" in table


def test_leading_trials_of_a_number_range_not_told_apart_from_the_winner_are_named():
    """A reward pair at 18,500 was "best" beside another at 15,430 whose paired difference
    from it held 0 over the 16 seeds both ran, and an independent compare had them the other
    way round: categorical choices got the "not told apart" line, number ranges none. The
    leading trials keeping the constraints are now weighed the same way (closed form: trial
    1 trails the winner by exactly 1 on every replicate, told apart; trial 2 by 1 on
    average, -2 and +4 by turns, not; trial 3 breaks the cap at its interval's end and is no
    alternative)."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.optimize import Objective, parse_constraint
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import close_trials
    from .conftest import small

    key = "program.incentive.referrer_reward"
    parameters = parse_parameters([f"{key}=0:60"], small())
    runs = {0: [10.0, 12.0, 11.0, 13.0], 1: [9.0, 11.0, 10.0, 12.0], 2: [12.0, 8.0, 13.0, 9.0], 3: [10.0, 12.0, 11.0, 13.0]}
    trials = pd.DataFrame({"trial": [0, 1, 2, 3], "state": "COMPLETE", "replicates": 4, key: [6.1, 13.0, 40.0, 55.0],
                           "incremental_value_mean": [11.5, 10.5, 10.5, 11.4], "feasible": True,
                           "feasible_upper": [True, True, True, False]})
    result = SimpleNamespace(trials=trials, best_trial=0, best={key: 6.1}, runs=runs, confirmation=pd.DataFrame(),
                             objectives=[Objective("incremental_value", "maximize")],
                             constraints=[parse_constraint("reward_cost<=3000")], rungs=[4])
    half = stats.t.ppf(0.975, 3) * pd.Series([-2, 4, -2, 4]).std() / 2
    assert close_trials(result, parameters) == [
        f"trial 2 (referrer_reward=40): winner − it 1 ({1 - half:.2f} to {1 + half:.2f}, 4 replicates)"]
    # on the winner's fresh seeds (versus_runs) the difference is taken there: trial 1, told apart on the search's
    # seeds, trails by 0 on average there (-1 and +1 by turns): not told apart; trial 2 leads the winner by exactly 2
    # there, at 95%, named as ahead (it was dropped unsaid); and the round-0 test of the candidates' seeds, where a
    # winner chosen among them was chosen, settles nothing
    from simulator.report.optimize import ahead_trials

    settled = pd.DataFrame([{"trial": t, "round": 0, "metric": "incremental_value", "mean": m, "ci_low": m - 1,
                             "ci_high": m + 1, "n": 4} for t, m in ((0, 100.0), (1, 0.0))])   # far apart on round 0
    fresh = SimpleNamespace(**{**vars(result), "versus_runs": {0: [10.0, 12.0, 11.0, 13.0], 1: [11.0, 11.0, 12.0, 12.0],
                                                               2: [12.0, 14.0, 13.0, 15.0]}, "versus_round": 1,
                               "confirmation": settled})
    half_fresh = stats.t.ppf(0.975, 3) * pd.Series([-1, 1, -1, 1]).std() / 2
    assert close_trials(fresh, parameters) == [
        f"trial 1 (referrer_reward=13): winner − it 0 ({-half_fresh:.2f} to {half_fresh:.2f}, 4 fresh seeds)"]
    assert ahead_trials(fresh, parameters) == ["trial 2 (referrer_reward=40): winner − it -2 (-2 to -2, 4 fresh seeds)"]
    assert ahead_trials(result, parameters) == []
    # the Leading trials table gives each trial's difference on the winner's fresh seeds (a trial the winner led there
    # at 95%, ranked above it on its own replicates, was said nothing of)
    from simulator.report.optimize import _top_trials

    table = _top_trials(SimpleNamespace(**{**vars(fresh), "trials": trials.assign(
        incremental_value_ci_low=[10.0, 9.0, 9.0, 10.0], incremental_value_ci_high=[13.0, 12.0, 12.0, 13.0])}), parameters)
    assert table[0].endswith("| winner − it on the winner's fresh seeds (95% interval) |")
    row = next(line for line in table if line.startswith("| 2 |"))
    assert row.endswith("| -2 (-2 to -2, 4 fresh seeds) |"), row
    # a later trial repeating trial 2's design (the same runs) is the same rival: named once, not in two of 3 slots
    again = SimpleNamespace(**{**vars(result), "runs": {**runs, 4: runs[2]}, "trials": pd.concat(
        [trials, trials.iloc[[2]].assign(trial=4)], ignore_index=True)})
    assert close_trials(again, parameters) == close_trials(result, parameters)
    # a winner ahead of all of them at 95%: nothing to say
    clear = SimpleNamespace(**{**vars(result), "runs": {**runs, 2: [9.0, 11.0, 10.0, 12.0]}})
    assert close_trials(clear, parameters) == []
    # a trial that is a choice's best is weighed under Each choice already: not named again here (one pair read as two
    # findings, on the console and in report.md)
    kind = "program.timing.kind"
    both = parse_parameters([f"{key}=0:60", f"{kind}=onboarding,at_purchase"], small())
    mixed = SimpleNamespace(**{**vars(result), "trials": trials.assign(
        **{kind: ["onboarding", "onboarding", "at_purchase", "onboarding"], "incremental_value_rung0_mean": [11.5, 10.5, 10.5, 11.4],
           "reward_cost_rung0_mean": [1.0, 1.0, 1.0, 1.0]})})
    assert close_trials(mixed, both) == []   # trial 2 is at_purchase's best
    # the best of the winner's own choice, where that is another trial, was weighed nowhere (its Each choice row read
    # "–", and short of the top rung no Leading trials line named it): weighed under Each choice as the others are
    from simulator.report.optimize import close_choices

    own = SimpleNamespace(**{**vars(result), "best": {key: 6.1, kind: "onboarding"}, "trials": trials.assign(
        **{kind: ["onboarding", "at_purchase", "onboarding", "onboarding"], "incremental_value_rung0_mean": [11.5, 10.5, 12.0, 11.4],
           "reward_cost_rung0_mean": [1.0, 1.0, 1.0, 1.0]})})
    versus = f"winner − it 1 ({1 - half:.2f} to {1 + half:.2f}, 4 replicates)"
    assert close_choices(own, both)[0] == [f"{kind}=onboarding (trial 2, the winner's choice): {versus}"]
    assert close_trials(own, both) == []   # named once, under Each choice


def test_a_winner_at_an_end_of_its_range_is_said_to_be_there():
    """optimize printed "best: program.incentive.referrer_reward=0.04047" for a search
    over 0-60: a strategist read a considered 4 cents, where the search says the less
    the better up to the edge. A value within 2% of the width from an end (on the log
    scale for a log range) is named at that end; one inside the range, or a choice,
    is not."""
    from types import SimpleNamespace

    from simulator.parameters import parse_parameters
    from simulator.report.optimize import range_edge_note
    from .conftest import small

    def won(best, objectives=("incremental_value",)):
        return SimpleNamespace(best=best, objectives=tuple(SimpleNamespace(metric=m) for m in objectives))

    reward, budget, kind = parse_parameters(["program.incentive.referrer_reward=0:60",
                                             "program.incentive.budget=1000:100000:log",
                                             "program.timing.kind=onboarding,milestone"], small())
    note = range_edge_note(won({reward.key: 0.04047, budget.key: 95000.0, kind.key: "milestone"}),
                           [reward, budget, kind])
    # 0.04047 is 0.07% of 0-60 from its low end; 95,000 is 98.9% of the way on the log scale (log 95 / log 100)
    assert note.startswith("`program.incentive.referrer_reward` = 0.04047 is at the low end of its range (0–60); "
                           "`program.incentive.budget` = 95000 is at the high end of its range (1000–100000): "), note
    assert range_edge_note(won({reward.key: 1.5, budget.key: 90000.0, kind.key: "onboarding"}),
                           [reward, budget, kind]) == ""   # 2.5% and 97.7% of the way: inside
    # a few whole numbers (0-1, 1-3 reminders) have every winner at an end: nothing is said of them
    (few,) = parse_parameters(["program.timing.reminders.count=0:1"], small())
    assert range_edge_note(won({few.key: 1}), [few]) == ""
    # given the base, an end as far as the key goes is said as that: a reward cannot go below 0, so the
    # commit's own case ('0.04047 in 0-60') was told to "widen it past that end"
    at_zero = range_edge_note(won({reward.key: 0.04047, budget.key: 50000.0, kind.key: "milestone"}),
                              [reward, budget, kind], small())
    assert "as far as the key goes" in at_zero and "widen" not in at_zero, at_zero
    assert "compare the end value with the winner (`refsim compare` on best.yaml and a copy set to it)" in at_zero
    # the winner at the end itself: best.yaml is the copy set to it, and comparing the two compared a file with itself
    at_end = range_edge_note(won({reward.key: 0.0, budget.key: 50000.0, kind.key: "milestone"}), [reward, budget, kind],
                             small())
    assert at_end.endswith("as far as the key goes: the search found the objective better towards that end and chose "
                           "the end itself, beyond which nothing is valid."), at_end
    top = range_edge_note(won({reward.key: 60.0, budget.key: 50000.0, kind.key: "milestone"}), [reward, budget, kind],
                          small())
    assert top.endswith("widen it past that end.") and "copy set to it" not in top, top
    high = range_edge_note(won({reward.key: 59.9, budget.key: 50000.0, kind.key: "milestone"}),
                           [reward, budget, kind], small())
    assert "widen it past that end" in high and "as far as" not in high, high
    # two objectives: best.yaml is the front's best on the first, and the note names it (it said "the objective")
    two = range_edge_note(won({reward.key: 59.9, budget.key: 50000.0, kind.key: "milestone"},
                              ("incremental_value", "reward_cost")), [reward, budget, kind], small())
    assert "found `incremental_value` (the first objective: best.yaml is the point of the front best on it) better" \
        in two and "the objective better" not in two, two
    assert "found the objective better" in high
    # a total budget the winner never ran out of did not bind: a $19,965 budget spending $7,000 in 0-20,000 was told
    # "the search found the objective better towards that end ... widen it", beside "it never ran out" in the report
    unbound = won({reward.key: 30.0, budget.key: 99000.0, kind.key: "milestone"})
    unbound.best_trial, unbound.fresh_runs = 9, {9: {"budget_exhausted_day": [math.nan] * 20}}
    said = range_edge_note(unbound, [reward, budget, kind], small())
    assert ("`program.incentive.budget` = 99000 is at the high end of its range (1000–100000), but it never ran out in "
            "the winner's 20 fresh-seed runs: it did not bind") in said and "widen" not in said, said
    unbound.fresh_runs = {9: {"budget_exhausted_day": [math.nan] * 19 + [300.0]}}   # it ran out once: it binds there
    assert "widen it past that end" in range_edge_note(unbound, [reward, budget, kind], small())


def test_a_winners_value_of_a_key_it_does_not_read_is_no_end_of_a_search():
    """With reminders off, optimize said 'program.timing.reminders.fatigue = 0.694582 is the
    lowest value any trial tried ... the search cannot say whether less does better' right
    above 'which reminders-none does not read (no run depends on it)'. A key the winner
    does not read (parameters.reads) gets neither end note; with a reminder sent, it does."""
    from types import SimpleNamespace

    import pandas as pd

    from simulator.optimize import parse_objective
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import range_edge_note, untried_end_note
    from .conftest import small

    def won(reminders: int):
        design = small(program={"timing": {"kind": "onboarding", "reminders": {"count": reminders}}})
        (fatigue,) = parse_parameters(["program.timing.reminders.fatigue=0.5:1"], design)
        trials = pd.DataFrame({"trial": range(3), "state": "COMPLETE", fatigue.key: [0.69, 0.8, 0.9],
                               "incremental_value_mean": [3.0, 2.0, 1.0]})
        return SimpleNamespace(best={fatigue.key: 0.69}, best_trial=0, trials=trials, constraints=(),
                               objectives=(parse_objective("incremental_value"),), best_scenario=design), fatigue

    result, fatigue = won(0)
    assert untried_end_note(result, [fatigue]) == "" and range_edge_note(result, [fatigue], small()) == ""
    # the count varied too: the winner's own count, 0, still sends none (the study's keys made every fatigue read)
    (count,) = parse_parameters(["program.timing.reminders.count=0:3"], small())
    result.trials[count.key] = [0, 2, 3]
    result.best[count.key] = 0
    assert untried_end_note(result, [fatigue, count]) == "" or "fatigue" not in untried_end_note(result, [fatigue, count])
    result, fatigue = won(1)
    assert "`program.timing.reminders.fatigue` = 0.69 is the lowest value any trial tried" in \
        untried_end_note(result, [fatigue])


def test_a_winner_that_is_the_last_value_tried_on_a_side_says_the_rest_was_never_tried():
    """A referrer reward that won at 6.2 in 0-60, with no trial below 6.2, was printed
    as the best reward with no word that the search never looked under it: the winner
    is not at the range's end (range_edge_note's case), yet all a search showed is that
    less did better as far as it went. A tenth of the width or more untried beyond the
    winner is named; a winner with trials on both sides, or a sliver untried, is not."""
    from types import SimpleNamespace

    import pandas as pd

    from simulator.optimize import parse_objective
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import range_edge_note, untried_end_note
    from .conftest import small

    reward, budget = parse_parameters(["program.incentive.referrer_reward=0:60",
                                       "program.incentive.budget=1000:100000:log"], small())

    def won(rewards, best, values=None, budgets=None):
        values = values or [100.0 - r for r in rewards]
        trials = pd.DataFrame({"trial": range(len(rewards)), "state": "COMPLETE", reward.key: rewards,
                               budget.key: budgets or [50000.0] * len(rewards), "incremental_value_mean": values})
        return SimpleNamespace(best={reward.key: best, budget.key: 50000.0}, best_trial=rewards.index(best),
                               trials=trials, constraints=(), objectives=(parse_objective("incremental_value"),))

    result = won([6.2, 14.0, 30.0, 52.0], 6.2)
    note = untried_end_note(result, [reward, budget])
    # 6.2 of 60 is 10.3% of the width below the winner, never tried; range_edge_note is silent (not within 2%)
    assert note.startswith("`program.incentive.referrer_reward` = 6.2 is the lowest value any trial tried: nothing "
                           "below it (0–6.2, 10% of its range) was, so the search cannot say whether less does better. "
                           "Give more trials (`--trials`)"), note
    assert range_edge_note(result, [reward, budget], small()) == ""
    # the highest tried, 45 of 60: 25% above it untried, and it says "more"
    assert "= 45 is the highest value any trial tried: nothing above it (45–60, 25% of its range) was, so the " \
           "search cannot say whether more does better" in untried_end_note(won([3.0, 20.0, 45.0], 45.0), [reward])
    # whole numbers: the winner was tried, the ones beyond it were not (it said "4–6 was never tried" of a 4 tried
    # three times); a log range's share is on its log scale, and says so
    (count,) = parse_parameters(["program.timing.reminders.count=0:6"], small())
    counted = won([3.0, 3.0, 4.0, 4.0], 4.0)
    counted.trials[count.key] = [3, 3, 4, 4]
    counted.best = {count.key: 4}
    assert "`program.timing.reminders.count` = 4 is the highest value any trial tried: nothing above it (5–6, 29% of " \
           "its range) was" in untried_end_note(counted, [count])   # 2 of the 7 values 0..6
    (logged,) = parse_parameters(["program.incentive.referrer_reward=0.5:60:log"], small())
    assert "(0.5–1.5, 23% of its range on its log scale)" in untried_end_note(won([1.5, 10.0, 40.0], 1.5), [logged])
    # trials on both sides of the winner, or less than a tenth untried below it: nothing to say
    assert untried_end_note(won([2.0, 6.2, 30.0], 6.2), [reward]) == ""
    assert untried_end_note(won([5.0, 30.0], 5.0), [reward]) == ""   # 8.3% untried
    # every trial level with the winner: no side does better (tie_note's case)
    level = won([6.2, 14.0, 30.0], 6.2, values=[1.0, 1.0, 1.0])
    level.trials["incremental_value_rung0_mean"] = 1.0
    assert untried_end_note(level, [reward]) == ""


def test_a_winner_at_an_end_where_a_constraint_binds_names_the_constraint_not_the_objective():
    """A winner at referrer_reward 0.75 in 0-60 under reward_cost<=1000 was said to sit
    there because "the search found the objective better towards that end", where the
    trials with larger rewards had the better objective and broke the cap: the cap put
    the winner at the end. The note says so; where a better trial beyond the winner kept
    the constraints, the end is the objective's doing and is said as before."""
    from types import SimpleNamespace

    import pandas as pd

    from simulator.optimize import parse_constraint, parse_objective
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import range_edge_note
    from .conftest import small

    (reward,) = parse_parameters(["program.incentive.referrer_reward=0:60"], small())
    cap = parse_constraint("reward_cost<=1000")
    # value rises with the reward and so does the spend: above the winner every trial is better and spends past 1,000
    rewards, values, costs = [0.75, 4.2, 12.0, 30.0, 55.0], [900.0, 1400.0, 2100.0, 3000.0, 3500.0], [950.0, 1300.0, 2500.0, 6000.0, 9000.0]
    trials = pd.DataFrame({"trial": range(5), "state": "COMPLETE", reward.key: rewards, "incremental_value_mean": values,
                           "reward_cost_mean": costs, "feasible": [c <= 1000 for c in costs]})

    def won(table, constraints=(cap,)):
        return SimpleNamespace(best={reward.key: 0.75}, best_trial=0, trials=table, constraints=constraints,
                               objectives=(parse_objective("incremental_value"),))

    note = range_edge_note(won(trials), [reward], small())
    assert "is at the low end of its range (0–60)" in note, note
    assert "the winner sits where `reward_cost<=1000` binds: the trials above it did better on the objective but " \
           "broke that constraint, at least at the far end of its interval (the nearest at 4.2)" in note, note
    assert "found the objective better towards that end" not in note, note
    # a better trial above the winner that kept the cap: the constraint did not stop the search there
    kept = trials.assign(reward_cost_mean=[950.0, 990.0, 2500.0, 6000.0, 9000.0], feasible=[True, True, False, False, False])
    assert "found the objective better towards that end" in range_edge_note(won(kept), [reward], small())
    # no constraint, or no trial above doing better: the objective's doing, as before
    assert "found the objective better towards that end" in range_edge_note(won(trials, ()), [reward], small())
    worse = trials.assign(incremental_value_mean=[900.0, 800.0, 700.0, 600.0, 500.0])
    assert "found the objective better towards that end" in range_edge_note(won(worse), [reward], small())
    # the winner breaks the cap too (every reward spends past 1,000): the cap binds nowhere in the range, and the
    # winner is the candidate that broke it least, which the note says in place of the objective's doing
    over = trials.assign(reward_cost_mean=[1100.0, 1300.0, 2500.0, 6000.0, 9000.0], feasible=False)
    broken = range_edge_note(SimpleNamespace(**vars(won(over)), feasible=False), [reward], small())
    assert "binds" not in broken and "found the objective better towards that end" not in broken, broken
    assert "no candidate kept every constraint, so the winner is the one that broke them least" in broken, broken
    # the trials above keep the cap on their means but not at the far ends of their intervals, as the winner is
    # chosen: the cap holds the winner there (it was said the objective was better towards that end)
    upper = trials.assign(reward_cost_mean=[950.0, 990.0, 995.0, 998.0, 999.0], feasible=True,
                          feasible_upper=[True, False, False, False, False],
                          reward_cost_ci_high=[990.0, 1100.0, 1200.0, 1300.0, 1400.0])
    assert "the winner sits where `reward_cost<=1000` binds" in range_edge_note(won(upper), [reward], small())
    # and where no candidate kept the constraints on fresh seeds, no constraint is said to hold it there
    failed = range_edge_note(SimpleNamespace(**vars(won(trials)), feasible=False), [reward], small())
    assert "binds" not in failed and "no candidate kept every constraint" in failed, failed
    # two caps, the winner keeping only one: only that one can hold it at the end
    count = parse_constraint("customers_final>=0")
    both = trials.assign(customers_final_mean=-1.0, feasible=False)
    held = range_edge_note(won(both, (cap, count)), [reward], small())
    assert "where `reward_cost<=1000` binds" in held and "customers_final>=0`" not in held, held
    # a second varied key: the trials above the winner that broke the cap did so with four times its referee reward
    # (the winner spent 17% of the cap); they say nothing of the referrer reward, and no constraint is said to bind.
    # A rival near the winner in the other key (within a tenth of its range) still does.
    (referee,) = parse_parameters(["program.incentive.referee_reward=0:100"],
                                  small(program={"incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                               "referee_reward": 10}}))
    far = trials.assign(**{referee.key: [7.8, 32.4, 40.0, 60.0, 90.0]})
    other = SimpleNamespace(**{**vars(won(far)), "best": {reward.key: 0.75, referee.key: 7.8}})
    note = range_edge_note(other, [reward, referee], small())
    assert "binds" not in note, note
    near = far.assign(**{referee.key: [7.8, 12.0, 40.0, 60.0, 90.0]})
    other = SimpleNamespace(**{**vars(won(near)), "best": {reward.key: 0.75, referee.key: 7.8}})
    assert "the nearest at 4.2" in range_edge_note(other, [reward, referee], small())
    # the winner's own budget holds the cap (a total budget of 900 under reward_cost<=1000): no referrer reward can
    # break it there, so the rivals that did, did so with larger budgets, and the cap is not said to bind
    capped = small(program={"incentive": {"budget": 900}})
    held = SimpleNamespace(**{**vars(won(trials)), "best_scenario": capped})
    assert "binds" not in range_edge_note(held, [reward], small()), range_edge_note(held, [reward], small())
    above = SimpleNamespace(**{**vars(won(trials)), "best_scenario": small(program={"incentive": {"budget": 5000}})})
    assert "the winner sits where `reward_cost<=1000` binds" in range_edge_note(above, [reward], small())


def test_trials_level_on_a_budget_name_the_least_budget_that_made_the_same_runs():
    """'How much budget?': budgets of 37,574 to 46,322 that no design reached scored the
    same, and the winner among them (46,195) was one by order. The note names the least
    of the level trials' budgets, and whether the winner's fresh-seed runs spent more."""
    from types import SimpleNamespace

    from simulator.optimize import Objective
    from simulator.report.optimize import tie_note

    key = "program.incentive.budget"
    trials = pd.DataFrame({"trial": [0, 1, 2, 3], "state": "COMPLETE", "replicates": 2,
                           key: [46195.0, 37574.0, 12000.0, 46322.0],
                           "incremental_value_rung0_mean": [50.0, 50.0, 40.0, 50.0]})
    result = SimpleNamespace(trials=trials, best_trial=0, best={key: 46195.0}, confirmation=pd.DataFrame(),
                             objectives=[Objective("incremental_value", "maximize")], constraints=[], rungs=[2])
    note = tie_note(result)
    assert "Trials 1, 3 scored exactly the same incremental_value as trial 0" in note, note
    assert f"The least `{key}` among them, 37,574, made the same runs as the others (up to 46,322)" in note, note
    level = SimpleNamespace(**{**vars(result), "trials": trials.assign(incremental_value_rung0_mean=50.0)})
    assert "Every one of the 4 completed trials" in tie_note(level) and "among them, 12,000" in tie_note(level)
    # tied on 2 seeds only: whether the least would have held on the winner's fresh seeds is said ('no more need
    # be committed' was said of a $1,050 budget that ran out in 9 of 20 runs on other seeds)
    spent = pd.DataFrame([{"trial": 0, "round": 0, "metric": "reward_cost", "n": 10, "mean": 30000.0, "max": 39000.0}])
    note = tie_note(SimpleNamespace(**{**vars(result), "confirmation": spent}))
    assert "on those 2 seeds only: the winner's fresh-seed runs spent up to 39,000, so it would have run out in some" in note
    spent["max"] = 36000.0
    note = tie_note(SimpleNamespace(**{**vars(result), "confirmation": spent}))
    assert "on those 2 seeds only, and above the 36,000 the winner's costliest fresh-seed run spent." in note
    # the winner's own budget ran out on fresh seeds: its spend was capped there, and says nothing of a smaller one
    ran_out = pd.concat([spent, pd.DataFrame([{"trial": 0, "round": 0, "metric": "budget_exhausted_day", "n": 11,
                                              "mean": 300.0, "max": 360.0}])], ignore_index=True)
    ran_out.loc[0, "n"] = 20
    note = tie_note(SimpleNamespace(**{**vars(result), "confirmation": ran_out}))
    assert "the winner's own budget ran out in 11 of its 20 fresh-seed runs, so a smaller one would run out" in note, note
    assert "and above the" not in note


def test_the_sensitivity_console_adds_up_the_shares_of_a_copy_of_a_design(tmp_path):
    """A renamed copy of a design splits each point's best with it: report.md named the
    two a tie and added their shares up, while the console listed each at half ('best at
    27%' twice beside a third design's 47%), read as the third design winning."""
    copy = tmp_path / "copy.yaml"
    copy.write_text(yaml.safe_dump({**yaml.safe_load(open(DEFAULT)), "name": "default-copy"}, sort_keys=False))
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, copy, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                "--samples", "4", "--trajectories", "2", "--seed", "2", "--out", folder, "--executor", "serial")
    decision = pd.read_csv(folder / "decision.csv").set_index("design")
    name = load_scenario(DEFAULT).name
    together = decision.loc[name, "probability_best"] + decision.loc["default-copy", "probability_best"]
    console = " ".join(result.stdout.split())
    assert (f"note: {name} and default-copy give the same value at every point: one design here, best at "
            f"{together:.0%} of the points together") in console, console


def test_the_sensitivity_console_says_two_designs_tie_as_report_md_does(tmp_path):
    """Two designs alike: report.md said 'The designs tie', while the console went on to
    'the decision hinges on: none of the assumptions (... ahead of the leader ...)', a
    leader that does not exist."""
    copy = tmp_path / "copy.yaml"
    copy.write_text(yaml.safe_dump({**yaml.safe_load(open(DEFAULT)), "name": "default-copy"}, sort_keys=False))
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, copy, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                "--samples", "4", "--trajectories", "2", "--seed", "2", "--out", folder, "--executor", "serial",
                "--replicates", "2")
    console = " ".join(result.stdout.split())
    assert "**The designs tie**" in (folder / "report.md").read_text()
    assert "the designs tie: the same value at every point" in console and "hinges on" not in console, console
    # nor a share of the lead's variance that is luck: a tie has no lead to vary ('about 100%' was said of it)
    assert "of the lead's variance" not in console, console


def test_a_study_of_a_base_that_leaves_reward_type_out_is_told_so(tmp_path, optimize_settings):
    """optimize builds every trial from a full copy of the base, so none carried the
    note run and compare give: a search of referrer rewards on a file without
    reward_type weighed store credit at 40% of face value without a word. The note is
    given on the console and in report.md, unless the study varies what it is about."""
    from simulator.config import Scenario
    from simulator.report.text import study_default_notes

    base = tmp_path / "credit.yaml"
    data = yaml.safe_load((SCENARIOS / "default.yaml").read_text())
    del data["program"]["incentive"]["reward_type"]
    base.write_text(yaml.safe_dump(data))
    folder = tmp_path / "opt"
    args = optimize_args(folder, optimize_settings)
    args[1] = str(base)
    result = ok(*args)
    assert "note: Rewards are store credit" in result.stdout
    assert "Rewards are store credit (`program.incentive.reward_type` is not given" in (folder / "report.md").read_text()
    loaded = load_scenario(base)
    assert isinstance(loaded, Scenario) and study_default_notes(loaded, [REWARD])
    assert study_default_notes(loaded, ["program.incentive.reward_type"]) == []
    assert study_default_notes(loaded, ["program.cost_shares.credit"]) == []


def test_front_members_with_the_same_runs_are_named_one_design():
    """A two-objective budget study's front listed the same $120 reward with four budgets
    none reached, each a member: one design listed four times. Members with exactly the
    same means of both objectives on the first rung (the same seeds) are now named as one
    design; members that differ are not."""
    from types import SimpleNamespace

    from simulator.report.optimize import front_copies_note

    def result(first, second):
        pareto = pd.DataFrame({"trial": [3, 7, 9, 12], "incremental_value_rung0_mean": first,
                               "reward_cost_rung0_mean": second})
        return SimpleNamespace(pareto=pareto, rungs=[2, 4], objectives=(SimpleNamespace(metric="incremental_value"),
                                                                         SimpleNamespace(metric="reward_cost")))

    note = front_copies_note(result([100.0, 100.0, 80.0, 100.0], [50.0, 50.0, 20.0, 50.0]))
    assert note.startswith("Front members with exactly the same incremental_value and reward_cost on the first 2 "
                           "replicates (the same seeds): trials 3, 7, 12."), note
    assert "The values in which they differ made no difference" in note
    # the same value but another cost: two designs, nothing said
    assert front_copies_note(result([100.0, 100.0, 80.0, 90.0], [50.0, 51.0, 20.0, 40.0])) == ""
    # a choice proposed again (the same budget in trials 3 and 7) does not differ in any value: said so
    again = result([100.0, 100.0, 80.0, 90.0], [50.0, 50.0, 20.0, 40.0])
    again.pareto["program.incentive.budget"] = [5000.0, 5000.0, 900.0, 100.0]
    note = front_copies_note(again, ["program.incentive.budget"])
    assert "trials 3, 7. The search tried the same values more than once, so each group" in note, note
    assert "differ" not in note
    # one group of each: each said for what it is
    again = result([100.0, 100.0, 80.0, 80.0], [50.0, 50.0, 20.0, 20.0])
    again.pareto["program.incentive.budget"] = [5000.0, 5000.0, 900.0, 100.0]
    note = front_copies_note(again, ["program.incentive.budget"])
    assert ("The search tried the same values more than once in trials 3, 7, and the values in which the others "
            "differ made no difference") in note, note


def test_a_key_of_another_kind_at_an_end_is_not_said_to_go_no_further():
    """From an onboarding file, a milestone winner's reach_share of 0.2012 in 0.2-0.9 read
    'as far as the key goes', a share that can go down to 0: whether there is room beyond
    the end was tried on the base file, which has no reach_share at any value."""
    from types import SimpleNamespace

    from simulator.parameters import apply_values, parse_parameters
    from simulator.report.optimize import range_edge_note
    from .conftest import small

    base = small()   # asks at onboarding
    kind, reach = parse_parameters(["program.timing.kind=onboarding,milestone", "program.timing.reach_share=0.2:0.9"], base)
    best = {kind.key: "milestone", reach.key: 0.2012}
    winner = apply_values(base, best, parameters=[kind, reach])
    note = range_edge_note(SimpleNamespace(best=best, best_scenario=winner,
                                           objectives=(SimpleNamespace(metric="incremental_value"),)), [kind, reach], base)
    assert "`program.timing.reach_share` = 0.2012 is at the low end of its range (0.2–0.9)" in note, note
    assert "widen it past that end" in note and "as far as" not in note, note


def test_sensitivity_and_calibrate_say_when_designs_differ_beyond_their_programs_or_twins(tmp_path, pilot):
    """compare says when two designs differ in churn (two worlds, not two choices) or in
    the channels their no-program twins run with (each against another baseline);
    sensitivity's decision and calibrate's design comparison named a lower-churn copy of
    the default best at 100% of the points without a word, and calibrate's manifest held
    the base scenario only, not the designs it compared. A key the study sets at every
    point (an assumption, a fitted key) is the same in every design there: no note."""
    text = Path(DEFAULT).read_text()
    churn, channels = tmp_path / "low-churn.yaml", tmp_path / "five.yaml"
    churn.write_text(text.replace("monthly_rate: 0.05", "monthly_rate: 0.02").replace(
        "name: default-double-sided-credit", "name: low-churn"))
    channels.write_text(text.replace("- {kind: direct, weight: 0.7}", "- {kind: direct, weight: 0.7, extra_invites: 4}").replace(
        "name: default-double-sided-credit", "name: five-friends"))
    folder = tmp_path / "sens"
    result = ok("sensitivity", DEFAULT, churn, channels, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                "--samples", "4", "--trajectories", "2", "--seed", "2", "--out", folder, "--executor", "serial")
    report, console = (folder / "report.md").read_text(), " ".join(result.stdout.split())
    for said in (report, console):
        assert "churn.monthly_rate (0.05 vs 0.02)" in said and "program.channels.0.extra_invites (2.0 vs 4.0)" in said
    assert "beyond their programs" in report and "no-program twins differ" in report
    result = ok("sensitivity", DEFAULT, churn, *TINY, "--uncertain", "churn.monthly_rate=0.02:0.06", "--samples", "4",
                "--trajectories", "2", "--seed", "2", "--out", tmp_path / "sens2", "--executor", "serial")
    assert "churn.monthly_rate (" not in result.stdout + (tmp_path / "sens2" / "report.md").read_text()
    result = ok(*calibrate_args(tmp_path / "cal", pilot, "--design", churn))
    report, console = (tmp_path / "cal" / "report.md").read_text(), " ".join(result.stdout.split())
    assert "churn.monthly_rate (0.05 vs 0.02)" in report and "churn.monthly_rate (0.05 vs 0.02)" in console
    names = [s["name"] for s in json.loads((tmp_path / "cal" / "manifest.json").read_text())["scenarios"]]
    assert names == ["default-double-sided-credit", "single-sided-cash", "low-churn"]


def test_optimize_and_sweep_say_when_they_rank_a_key_no_launch_chooses(tmp_path, optimize_settings):
    """`--vary churn.monthly_rate=0.01:0.08` named the lowest churn best, as a design,
    without a word (compare says so of two designs in different worlds), and a sweep of
    the horizon ranked 365 days above 90. A key a sweep lists under assumptions is ranked
    at each of its values, not chosen: no note."""
    folder = tmp_path / "opt"
    result = ok("optimize", DEFAULT, *TINY, "--vary", "churn.monthly_rate=0.01:0.08", "--vary", f"{REWARD}=0:20",
                "--trials", "2", "--replicates", "2", "--seed", "3", "--out", folder, "--executor", "serial",
                "--settings", optimize_settings)
    report = (folder / "report.md").read_text()
    assert "This study ranks `churn.monthly_rate`, which no launch chooses" in report   # the reward is a choice: not named
    # optimize refuses `days`: its note said "or the horizon it is counted over" of a churn rate
    assert "no launch chooses (the world the program launches into): a best value" in report
    assert "This study ranks churn.monthly_rate, which no launch chooses" in " ".join(result.stdout.split())
    sweep = tmp_path / "sweep.yaml"
    for assumptions, noted in (([], True), (["days"], False)):
        sweep.write_text(yaml.safe_dump({"name": "horizon", "base": DEFAULT, "method": "grid", "replicates": 2, "seed": 1,
                                         "parameters": {"days": {"values": [30, 45]}, REWARD: {"values": [5, 20]}},
                                         "assumptions": assumptions, "metrics": ["incremental_value"]}))
        out = tmp_path / f"sweep-{noted}"
        result = ok("sweep", sweep, *TINY[:4], "--out", out, "--executor", "serial", "--force")
        assert ("ranks `days`, which no launch chooses (the horizon it is counted over)" in (out / "report.md").read_text()) is noted
        assert ("ranks days, which no launch chooses" in " ".join(result.stdout.split())) is noted


def test_a_spend_band_on_one_metric_is_analysed_once_and_judged_twice(tmp_path):
    """'reward_cost>=10' and 'reward_cost<=300' named the metric twice: every run
    finished, then the report crashed with a traceback (a metric's rows found twice)."""
    folder = tmp_path / "band"
    ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4",
       "--trajectories", "2", "--seed", "2", "--constraint", "reward_cost>=10", "--constraint", "reward_cost<=300",
       "--out", folder, "--executor", "serial")
    sobol = pd.read_csv(folder / "sobol.csv")
    assert len(sobol[sobol["metric"] == "reward_cost"]) == 1        # one design, one assumption: one row
    assert list(pd.read_csv(folder / "constraints.csv")["constraint"]) == ["reward_cost>=10", "reward_cost<=300"]


def test_sensitivity_and_calibrate_count_a_day_that_never_came_as_the_day_after_the_horizon(tmp_path):
    """payback_day is NaN in a run that never paid back: sensitivity stopped after every
    run ('a metric is NaN at some points'), and calibrate's designs were 'best in 0%'. A
    day that never came is the day after the horizon, as optimize counts it."""
    folder = tmp_path / "days"
    ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "4",
       "--trajectories", "2", "--seed", "2", "--metric", "budget_exhausted_day", "--out", folder, "--executor", "serial")
    points = pd.read_csv(folder / "points.csv")
    # the default scenario has no total budget: it never runs out, at any point
    assert (points.filter(like="budget_exhausted_day") == 46).all().all()     # 45 days, counted as day 46
    assert "a run where the day never came counts as the day after the horizon" in (folder / "report.md").read_text()


def test_a_lever_the_designs_differ_in_is_not_set_alike_by_the_study(tmp_path):
    """Two credits of 10 and 30 with the credit uncertain were weighed at the same credit
    at every point: 'the designs tie'. A no-program design, with the ask's timing
    uncertain, was asked at every point and still called no-program. A program lever the
    designs differ in is refused in one line naming each design's value; an assumption
    they differ in (churn, the share rate when asked) the study may set alike."""
    data = yaml.safe_load(Path(SINGLE).read_text())
    data["program"]["incentive"]["referrer_reward"] = 30
    dearer = tmp_path / "dearer.yaml"
    dearer.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_line_error(invoke("sensitivity", SINGLE, dearer, *TINY, "--uncertain", f"{REWARD}=5:40",
                                 "--out", tmp_path / "a"), "--uncertain", "the designs differ in " + REWARD,
                          "single-sided-cash.yaml 20", "dearer.yaml 30", "never be weighed")
    assert "Traceback" not in line and not (tmp_path / "a").exists()
    one_line_error(invoke("sensitivity", SINGLE, str(SCENARIOS / "no-program.yaml"), *TINY[:6],
                          "--uncertain", "program.timing.kind=onboarding,at_purchase", "--out", tmp_path / "b"),
                   "program.timing.kind", 'no-program.yaml "never"')
    # a ratio of what a program spends or adds, asked of a design without one: NaN at every point, refused before
    # any run (it was after every run, advising to narrow the ranges, and left a runs folder behind)
    for flags in (["--metric", "incremental_cac"], ["--constraint", "incremental_roi>=1"]):
        one_line_error(invoke("sensitivity", SINGLE, str(SCENARIOS / "no-program.yaml"), *TINY[:6], *flags,
                              "--uncertain", "program.base_share=0.1:0.4", "--out", tmp_path / "r"),
                       flags[0], flags[1].split(">")[0] + " is undefined in every run of", "no-program.yaml, which has "
                       "no program")
        assert not (tmp_path / "r").exists() and not cache_folder(tmp_path / "r").exists()
    one_line_error(invoke("calibrate", SINGLE, *TINY[:6], "--data", write_pilot(tmp_path), "--fit",
                          "program.base_share=0.05:0.6", "--design", str(SCENARIOS / "no-program.yaml"), "--metric",
                          "incremental_roi", "--out", tmp_path / "c"),
                   "--metric", "incremental_roi is undefined in every run of")
    one_line_error(invoke(*calibrate_args(tmp_path / "c", write_pilot(tmp_path), "--fit", f"{REWARD}=5:40",
                                          "--design", dearer)), REWARD, "dearer.yaml 30")
    data["program"]["incentive"]["referrer_reward"] = 20
    data["program"]["base_share"] = 0.3                 # an assumption of how people answer, not a lever
    keener = tmp_path / "keener.yaml"
    keener.write_text(yaml.safe_dump(data, sort_keys=False))
    ok("sensitivity", SINGLE, keener, *TINY, "--uncertain", "program.base_share=0.1:0.4", "--samples", "4",
       "--trajectories", "2", "--seed", "2", "--out", tmp_path / "d", "--executor", "serial")


def test_a_lever_only_some_designs_have_is_no_uncertainty(tmp_path):
    """--uncertain program.incentive.referee_reward=1:20 beside a referrer-only design drew
    the double-sided design's own friend reward as luck, and the headline said "the
    decision hinges on: program.incentive.referee_reward"; the same study of
    referrer_reward, which both designs have, was refused. A lever only some designs have
    is refused alike; an assumption only some have (a milestone's reach_share) is not."""
    double = str(SCENARIOS / "double-sided-credit.yaml")
    line = one_line_error(invoke("sensitivity", double, SINGLE, *TINY, "--uncertain",
                                 "program.incentive.referee_reward=1:20", "--out", tmp_path / "a"),
                          "--uncertain", "only double-sided-credit.yaml has program.incentive.referee_reward (10.0)",
                          "single-sided-cash.yaml lacks", "refsim optimize")
    assert not (tmp_path / "a").exists(), line
    data = yaml.safe_load(Path(SINGLE).read_text())
    data["name"] = "milestone"
    data["program"]["timing"] = {"kind": "milestone", "delay_days": 10}
    milestone = tmp_path / "milestone.yaml"
    milestone.write_text(yaml.safe_dump(data, sort_keys=False))
    ok("sensitivity", SINGLE, milestone, *TINY, "--uncertain", "program.timing.reach_share=0.3:1", "--samples", "2",
       "--trajectories", "2", "--seed", "2", "--out", tmp_path / "b", "--executor", "serial")


def test_an_optimisation_of_the_share_rate_or_the_delay_discount_says_it_ranks_an_assumption(tmp_path):
    """`--vary program.base_share` named a best share rate as a design, with no word; the
    share rate when asked and the delay discount are estimates of people (WORLD_KEYS)."""
    for key, values in (("program.base_share", "0.1:0.4"), ("program.incentive.delay_discount", "0:0.03")):
        folder = tmp_path / key
        small_optimize(tmp_path, DEFAULT, folder, "--vary", f"{key}={values}")
        assert "which no launch chooses (what the model assumes of how people answer it)" in \
            " ".join((folder / "report.md").read_text().split()), key


def test_calibrate_settings_give_bin_days_or_parts_and_a_bin_longer_than_the_pilot_is_its_total(tmp_path, pilot):
    """bin_days with parts dropped parts without a word; bin_days 50 on a 20-day pilot was
    reported as 'summed over 50-day bins'."""
    both = tmp_path / "both.yaml"
    both.write_text(yaml.safe_dump({"bin_days": 7, "parts": 3}))
    one_line_error(invoke(*calibrate_args(tmp_path / "a", pilot, "--settings", both)), "both.yaml", "parts (line 2)",
                   "give bin_days or parts, not both")   # the line, as the file's other mistakes are named
    replicated = tmp_path / "set.yaml"
    replicated.write_text("particles: 50\nset:\n  - replicates=3\n")
    one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "program.base_share=0.05:0.6", "--settings",
                          replicated, "--out", tmp_path / "c"), "set.yaml", "set (line 2)", "calibrate's --draws")
    long = tmp_path / "long.yaml"
    long.write_text(yaml.safe_dump({"bin_days": 50}))
    said = " ".join(ok(*calibrate_args(tmp_path / "b", pilot, "--settings", long)).stdout.split())
    assert "bin_days 50 covers the whole pilot of 20 days: one bin, each column's total" in said
    report = " ".join((tmp_path / "b" / "report.md").read_text().split())
    assert "totals over the pilot (bin_days 50 covers it all)" in report and "50-day bins" not in report


def test_the_sensitivity_console_counts_the_tornado_ends_it_does_not_print(tmp_path, monkeypatch):
    """The console printed the first end of the tornado where another design led, and
    report.md listed a second that the console never mentioned. It now counts them."""
    import simulator.sensitivity as sensitivity_module

    found = [{"parameter": "churn.monthly_rate", "value": v, "ahead": "single-sided-cash", "ahead_value": 10.0,
              "leader": "default-double-sided-credit", "leader_value": 9.0, "replicates": 2} for v in (0.01, 0.08, 0.05)]
    monkeypatch.setattr(sensitivity_module, "tornado_disagreements", lambda result, metric: found)
    console = " ".join(ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                          "--samples", "2", "--trajectories", "2", "--seed", "2", "--out", tmp_path / "s",
                          "--executor", "serial").stdout.split())
    assert "check: the tornado has single-sided-cash ahead at churn.monthly_rate = 0.01" in console, console
    assert "(report.md, with 2 more such ends)" in console
    monkeypatch.setattr(sensitivity_module, "tornado_disagreements", lambda result, metric: found[:1])
    console = " ".join(ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.05:0.4",
                          "--samples", "2", "--trajectories", "2", "--seed", "2", "--out", tmp_path / "t",
                          "--executor", "serial").stdout.split())
    assert "that end of the range (report.md)" in console and "more such end" not in console


def test_a_settings_files_set_replaced_by_the_command_lines_is_named(tmp_path):
    """The command line wins as a whole (docs/decide.md), so a file's `set:` goes unused
    when --set is given: it did so without a word, and a strategist who kept the
    population in the file ran the study on the scenario's own. A note now names it."""
    settings = tmp_path / "s.yaml"
    settings.write_text("set: ['population.size=400', 'days=45']\n")
    base = ["optimize", DEFAULT, "--settings", settings, "--vary", "no.such.key=0:1", "--out", tmp_path / "x"]
    replaced = invoke(*base, "--set", "days=30")
    assert replaced.exit_code == 2
    note, error = replaced.stderr.strip().splitlines()
    assert note.startswith("note: --set replaces") and "population.size=400, days=45" in note and "goes unused" in note
    assert error.startswith("error: ") and "no.such.key" in error
    # no note when the file's entries are what runs, or when the command line repeats them
    for same in ([], ["--set", "population.size=400", "--set", "days=45"]):
        one_line_error(invoke(*base, *same), "no.such.key")


def test_calibrates_report_says_a_pilot_launch_state_that_is_not_the_scenarios(tmp_path, pilot):
    """A pilot of 250 customers on day 0 against the scenario's 10 was noted on the console
    and not in report.md, the file people share, beside a posterior that made up for the
    other start."""
    frame = pd.read_csv(pilot).assign(customers=250)
    frame.to_csv(tmp_path / "bigger.csv", index=False)
    args = ["calibrate", DEFAULT, *TINY, "--data", tmp_path / "bigger.csv", "--fit", "program.base_share=0.05:0.6",
            "--particles", "6", "--generations", "1", "--draws", "2", "--seed", "8", "--executor", "serial"]
    console = " ".join(ok(*args, "--out", tmp_path / "a").stdout.split())
    report = " ".join((tmp_path / "a" / "report.md").read_text().split())
    said = "the pilot's launch state is not the scenario's: 250 customers on day 0 against the scenario's 10"
    assert said in console and f"**Note:** {said}" in report, report
    ok(*args, "--data", pilot, "--out", tmp_path / "b")
    assert "launch state is not" not in (tmp_path / "b" / "report.md").read_text()


def test_a_spend_minimised_alone_is_said_to_ask_for_the_design_that_pays_least(tmp_path):
    """--objective reward_cost with no constraint ran as asked and crowned the smallest
    reward (or none) without a word: what the question said, read as a finding. The
    console and report.md now say so; a constraint, a second objective or a metric that
    is no spend says nothing."""
    from simulator.optimize import Constraint, Objective, spend_alone_note

    settings = tmp_path / "small.yaml"
    settings.write_text(yaml.safe_dump({"max_replicates": 2, "batch": 2, "confirm_replicates": 2, "startup_trials": 2}))
    result = ok("optimize", SINGLE, *TINY, "--vary", f"{REWARD}=5:40", "--objective", "reward_cost", "--trials", "2",
                "--replicates", "2", "--settings", settings, "--out", tmp_path / "alone", "--executor", "serial")
    assert "note: reward_cost alone, with no constraint, is least for the design that pays least" in result.stdout
    report = (tmp_path / "alone" / "report.md").read_text()
    assert ("`reward_cost` alone, with no constraint, is least for the design that pays least, whatever the program "
            "brings (the smallest reward the ranges allow, or none); say what it must bring as a constraint (e.g. "
            "`--constraint 'incremental_value>=0'`) or as a second objective (`--objective incremental_value`).") in report
    assert spend_alone_note([Objective("reward_cost")], [Constraint("customers_final", ">=", 500)]) == ""
    assert spend_alone_note([Objective("reward_cost"), Objective("incremental_value")], []) == ""
    assert spend_alone_note([Objective("incremental_cac")], []) == ""   # a cost per customer weighs what it brings
    assert spend_alone_note([Objective("program_cost", "maximize")], []) == ""
    assert spend_alone_note([Objective("program_cost")], []).startswith("program_cost alone")
    # reward cost per tracked referral falls with the cheapest reward whatever the program adds (a link labels word
    # of mouth as tracked): a search drifted to $7 + $3 of 1-100 with no word, constrained or not
    for constraints in ([], [Constraint("customers_final", ">=", 500)]):
        note = spend_alone_note([Objective("cost_per_referred_customer")], constraints, quote="`")
        assert note.startswith("`cost_per_referred_customer` is the reward cost over tracked referrals") and \
            "`incremental_cac`" in note


def test_sensitivity_names_the_defaults_a_varied_kind_runs_with(tmp_path):
    """An uncertain program.timing.kind of onboarding or milestone ran the milestone at
    the model's defaults (after 30 days, 60% of customers, those scoring 7 or more),
    and sensitivity said nothing where optimize and sweep, varying the same key, say
    so (docs/decide.md, "Parameters": named on the console and in report.md)."""
    folder = tmp_path / "kinds"
    done = ok("sensitivity", DEFAULT, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--uncertain",
              "program.timing.kind=onboarding,milestone", "--samples", "2", "--trajectories", "2", "--seed", "2",
              "--executor", "serial", "--out", folder)
    said = "run with that kind's defaults for what the base file does not give: milestone with delay_days 30"
    assert said in done.stdout.replace("\n", " ") or said in " ".join(done.stdout.split()), done.stdout
    assert said in (folder / "report.md").read_text()


def test_an_optimisation_of_infinite_equity_is_refused_and_one_with_no_trial_completed_exits_1(tmp_path, monkeypatch):
    """With no churn and no discounting every customer's equity is infinite: each trial's
    incremental_value was NaN, every trial failed after its runs (the halving still
    gave trial 0 the top rung's replicates), matplotlib warned on the console, the last
    line listed a best.yaml that was not written, and the command exited 0. The
    objective is now refused before any run, in one line naming the discount rate; a
    study where no trial completes for another reason exits 1, lists no best.yaml,
    and gives no trial more than the first rung."""
    import warnings

    import simulator.optimize as optimize_module

    infinite = ["--set", "churn.monthly_rate=0", "--set", "economics.annual_discount_rate=0"]
    base = ["optimize", DEFAULT, *TINY, "--vary", f"{REWARD}=0:40", "--trials", "3", "--replicates", "2", "--seed", "3",
            "--executor", "serial"]
    one_line_error(invoke(*base, *infinite, "--out", tmp_path / "x"), "--objective: incremental_value is infinite or "
                   "undefined", "economics.annual_discount_rate=0.1")
    assert not (tmp_path / "x").exists()
    ok(*base, *infinite, "--objective", "customers_final", "--out", tmp_path / "fine")   # a metric with no equity in it
    # every objective NaN (as infinite equity made it): no trial completes
    monkeypatch.setattr(optimize_module, "nanmean", lambda values: float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # matplotlib's "No artists with labels" reached the console
        result = invoke(*base, "--settings", _settings(tmp_path), "--out", tmp_path / "none")
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert "no trial completed" in result.stdout and "best.yaml" not in result.stdout.splitlines()[-1]
    assert not (tmp_path / "none" / "best.yaml").exists()
    # report.md describes no winner's re-run, nor files that were not written
    report = (tmp_path / "none" / "report.md").read_text()
    assert "No trial completed, so none was re-run on fresh seeds" in report and "The winner was re-run" not in report
    files = report.split("## Files")[1].split("##")[0]
    assert "best.yaml" not in files and "confirmation.csv" not in files and "trials.csv" in files
    trials = pd.read_csv(tmp_path / "none" / "trials.csv")
    assert (trials["state"] == "FAIL").all() and (trials["replicates"] == 2).all()   # none climbed a rung


def _settings(tmp_path):
    path = tmp_path / "rungs.yaml"
    path.write_text(yaml.safe_dump({"max_replicates": 4, "batch": 3, "confirm_replicates": 2, "startup_trials": 2}))
    return path


def test_the_window_k_is_counted_over_is_no_design_and_no_uncertainty(tmp_path):
    """compare refuses designs measured over different K windows; optimize still searched
    k_window_days for the best k_factor (89 of 10-90 'won', and its edge note advised the
    compare that compare refuses), and sensitivity would give it indices. Both refuse it
    in one line, as they refuse the horizon; a sweep that ranks it is told what it is."""
    from simulator.report.text import study_world_note

    one_line_error(invoke("optimize", DEFAULT, "--vary", "k_window_days=10:90", "--objective", "k_factor",
                          "--out", tmp_path / "x"), "--vary: k_window_days", "not a design to choose",
                   "--set k_window_days=N")
    one_line_error(invoke("sensitivity", DEFAULT, "--uncertain", "k_window_days=10:90", "--out", tmp_path / "x"),
                   "--uncertain: k_window_days", "how K is measured")
    assert not (tmp_path / "x").exists()
    note = study_world_note(["k_window_days", "program.incentive.referrer_reward"])
    assert "ranks `k_window_days`, which no launch chooses (the window K is measured over)" in note
    assert study_world_note(["k_window_days"], assumptions=["k_window_days"]) == ""


def test_the_world_note_names_a_cost_share_as_a_cost_and_leaves_out_a_key_no_design_reads():
    """optimize --vary program.cost_shares.cash on a credit design said the cash share was
    "what the model assumes of how people answer it" and that its best value was "where
    the world is kindest", beside the tie note saying every trial gave the same value:
    the credit design never reads it. A cost share is a reward's cost to you, a milestone's
    reach_share is of your product, and a key the study's base does not read is left out."""
    from simulator.report.text import study_world_note

    credit = load_scenario(SCENARIOS / "double-sided-credit.yaml")
    assert credit.program.incentive.reward_type == "credit"
    idle = study_world_note(["program.cost_shares.cash"], base=credit)
    assert idle == ("This study varies `program.cost_shares.cash`, which double-sided-credit does not read (no run "
                    "depends on it): every value runs alike, so a best value of it is luck or the order of the points, "
                    "not a finding."), idle
    note = study_world_note(["program.cost_shares.credit"], base=credit)
    assert "which no launch chooses (what the model assumes a reward costs you)" in note, note
    reach = study_world_note(["program.timing.reach_share", "program.base_share"])
    assert ("no launch chooses (what the model assumes of how people answer it or how many customers reach a "
            "milestone, an assumption about your product)") in reach, reach
    # a varied kind brings in keys the base lacks: nothing is left out then
    assert "cost_shares.cash" in study_world_note(["program.incentive.kind", "program.cost_shares.cash"], base=credit)
    # the share of fake accounts qualification stops is set by the qualifying condition a program chooses (model.md):
    # "which no launch chooses (the world the program launches into)" contradicted the docs
    check = study_world_note(["program.incentive.paid_on", "fraud.blocked_by_qualification"])
    assert "no launch chooses" not in check and check.startswith(
        "This study ranks `fraud.blocked_by_qualification`, the share of fake accounts qualification stops: a launch "
        "sets it only through its qualifying condition (a first payment, a verified account)"), check
    assert study_world_note(["fraud.blocked_by_qualification"], assumptions=["fraud.blocked_by_qualification"]) == ""
    # a design paid on signup has no qualification to stop anything: the key moves no run (a sweep named the weakest
    # check best by order alone, and the note said the search found the strongest)
    from simulator.parameters import reads

    signup = load_scenario(SCENARIOS / "default.yaml", ["program.incentive.paid_on=signup"])
    assert not reads(signup, "fraud.blocked_by_qualification")
    assert not reads(signup, "program.incentive.qualification_days")   # no wait either: 1 and 90 ran byte-identical
    assert reads(signup, "fraud.blocked_by_qualification", ["program.incentive.paid_on"])   # varied beside it
    assert reads(load_scenario(SCENARIOS / "default.yaml"), "fraud.blocked_by_qualification")
    assert study_world_note(["fraud.blocked_by_qualification"], base=signup).startswith(
        "This study varies `fraud.blocked_by_qualification`, which default-double-sided-credit does not read")
    # the launch ask's spread, of a design that makes no launch ask: a sweep of it ranked a best of two byte-identical
    # points with no word (the world note says so of the keys reads() leaves out)
    for sets, read in ((["program.launch.ask_existing=never"], False), (["program.launch.ask_existing=as_new"], False),
                       (["program.timing={kind: campaign, days: [30]}"], False), (["population.initial_customers=0"], False),
                       # influencers are customers on day 0 too, and get the launch ask (engine_setup)
                       (["population.initial_customers=0", "program.influencers={count: 3, strategy: random}"], True),
                       ([], True)):
        assert reads(load_scenario(SCENARIOS / "default.yaml", sets), "program.launch.spread_days") is read, sets
    never = load_scenario(SCENARIOS / "default.yaml", ["program.launch.ask_existing=never"])
    assert reads(never, "program.launch.spread_days", ["program.launch.ask_existing"])   # varied beside it
    assert "program.launch.spread_days`, which default-double-sided-credit does not read" in \
        study_world_note(["program.launch.spread_days"], base=never)


def test_a_key_of_a_lever_the_scenario_leaves_off_says_so(tmp_path):
    """--vary program.influencers.count on a design without influencers was told
    "program.influencers is a value, not a block": the lever is off, and the line now
    says so and how to switch it on."""
    one_line_error(invoke("optimize", DEFAULT, "--vary", "program.influencers.count=0:20", "--out", tmp_path / "x"),
                   "--vary: program.influencers.count", "program.influencers is not set in this scenario (the lever is "
                   "off)", "--set program.influencers.count=VALUE")
    assert not (tmp_path / "x").exists()


def test_designs_measured_over_other_k_windows_are_refused_only_where_k_is_analysed(tmp_path):
    """sensitivity and calibrate refused designs with other k_window_days whatever they
    analysed, though the window changes K alone (calibrate's default metrics are
    customers and profit), and from Python named a --set flag. The refusal now comes
    where K is analysed, with the remedy of each entry point."""
    from simulator.errors import ScenarioError
    from simulator.parameters import parse_parameters
    from simulator.sensitivity import sensitivity

    wide = tmp_path / "wide.yaml"
    wide.write_text(yaml.safe_dump({**load_scenario(DEFAULT).model_dump(mode="json", exclude_none=True),
                                    "name": "wide", "k_window_days": 90}))
    study = ["sensitivity", DEFAULT, str(wide), *TINY, "--uncertain", "churn.monthly_rate=0.01:0.05", "--samples", "2",
             "--trajectories", "2", "--replicates", "1", "--executor", "serial"]
    ok(*study, "--out", tmp_path / "value")   # incremental_value does not depend on the window
    one_line_error(invoke(*study, "--metric", "k_factor", "--out", tmp_path / "k"), "wide.yaml: k_window_days: measures K "
                   "over 90 days", "--set k_window_days=30")
    base = load_scenario(DEFAULT, TINY[1::2])
    other = base.model_copy(update={"name": "wide", "k_window_days": 90})
    with pytest.raises(ScenarioError, match="k_window_days: 30 in each"):
        sensitivity(base, parse_parameters(["churn.monthly_rate=0.01:0.05"], base), designs=[base, other],
                    metrics=["k_factor"])


def test_a_ring_degree_at_the_end_of_its_range_has_room_beyond_and_a_tie_names_no_end(tmp_path):
    """optimize over a Watts-Strogatz degree of 2-12 among 40 people said 12 was 'as far
    as the key goes': it tried 13 past it, which is odd and refused, where 14 is valid.
    And where every trial scored the same, the end note still said 'the search found the
    objective better towards that end' beside the note that every trial tied."""
    from simulator.parameters import Parameter
    from simulator.report.optimize import _room_beyond

    ring = tmp_path / "ring.yaml"
    ring.write_text("name: ring\ndays: 10\nreplicates: 1\npopulation: {size: 40, initial_customers: 2}\n"
                    "network: {kind: watts_strogatz, mean_degree: 4}\n")
    base = load_scenario(ring)
    # built by hand: the command line now refuses a ring's degree as a range (its odd values do not fit)
    degree = Parameter("network.mean_degree", "int", 2, 12)
    assert _room_beyond(base, degree, "high") and not _room_beyond(base, degree, "low")   # 14 fits 40 people; 0 is none
    top = Parameter("network.mean_degree", "int", 2, 38)
    assert not _room_beyond(base, top, "high")   # 39 and 40 do not fit 40 people
    random_graph = tmp_path / "random.yaml"
    random_graph.write_text(ring.read_text().replace("watts_strogatz", "erdos_renyi"))
    done = ok("optimize", random_graph, "--vary", "network.mean_degree=2:12", "--objective", "customers_final", "--trials",
              "4", "-r", "1", "--seed", "3", "--executor", "serial", "--out", tmp_path / "o")
    # ten days among 40 people: every degree gives the same customers on this seed, a tie; no end is better
    assert "scored exactly the same" in done.stdout and "better towards that end" not in done.stdout, done.stdout


def test_a_range_whose_values_between_do_not_fit_is_refused_with_the_values_that_do(tmp_path, pilot):
    """A ring's even degree from 4 to 8 passed on its ends: sensitivity then stopped at its
    first 5 or 7 with the odd-degree message, and optimize lost those trials unsaid. Each
    now refuses the range up front and offers the whole numbers that fit; calibrate,
    which fits ranges only, is told to fix the key."""
    ring = tmp_path / "ring.yaml"
    ring.write_text("name: ring\ndays: 10\nreplicates: 1\npopulation: {size: 40, initial_customers: 2}\n"
                    "network: {kind: watts_strogatz, mean_degree: 4}\n")
    why = "5 does not fit the scenario ring: mean_degree 5 is odd"
    for command, option in (("optimize", "--vary"), ("sensitivity", "--uncertain")):
        one_line_error(invoke(command, ring, option, "network.mean_degree=4:8", "--out", tmp_path / command),
                       f"{option}: network.mean_degree", why, "network.mean_degree=4,6,8")
        assert not (tmp_path / command).exists()
    one_line_error(invoke("calibrate", ring, "--data", pilot, "--fit", "network.mean_degree=4:8", "--out", tmp_path / "c"),
                   "--fit: network.mean_degree", why, "--set network.mean_degree=VALUE")


def test_calibrate_refuses_to_fit_the_k_window(tmp_path, pilot):
    """optimize and sensitivity refuse k_window_days; calibrate fitted it, though no daily
    count of the pilot depends on it: the posterior is its prior."""
    one_line_error(invoke("calibrate", DEFAULT, "--data", pilot, "--fit", "k_window_days=10:90", "--out", tmp_path / "x"),
                   "--fit: k_window_days", "how K is measured")
    assert not (tmp_path / "x").exists()


def test_optimize_says_on_the_console_how_many_trials_failed_and_why(tmp_path):
    """A reward and a budget varied together made designs whose budget is below one
    referral's rewards (each end of each range valid alone): those trials failed, and
    only report.md's count said so. The console now names how many and the first error."""
    done = ok("optimize", SCENARIOS / "budget-capped-campaign.yaml", "--set", "population.size=300", "--set",
              "population.initial_customers=10", "--set", "network.mean_degree=6", "--vary",
              "program.incentive.referrer_reward=20:60", "--vary", "program.incentive.budget=10:60", "--trials", "2", "-r",
              "1", "--seed", "42", "--executor", "serial", "--out", tmp_path / "o")
    trials = pd.read_csv(tmp_path / "o" / "trials.csv")
    failed = trials[trials["state"] == "FAIL"]
    assert len(failed) == 1, trials   # the case: trial 0's budget 10.99 is below its referral's 13.00
    assert (f"note: 1 of 2 trials failed (the first, trial {int(failed['trial'].iloc[0])}: "
            f"{failed['error'].iloc[0]}); they are no candidates") in done.stdout, done.stdout


def test_a_null_choice_that_ran_is_counted_as_tried_and_written_as_null(tmp_path):
    """--vary program.incentive.budget=500,null: the trials with no budget hold NaN in the
    trials table, which equals nothing, so 'budget = None never tried' was warned and the
    report's table said 'never ran' though they ran (and could win), and None, which
    --set refuses, was printed for null."""
    done = ok("optimize", DEFAULT, "--set", "population.size=2000", "--set", "population.initial_customers=20", "--set",
              "days=60", "--vary", "program.incentive.budget=500,null", "--trials", "2", "-r", "1", "--seed", "3",
              "--executor", "serial", "--out", tmp_path / "o")
    trials = pd.read_csv(tmp_path / "o" / "trials.csv")
    assert trials["program.incentive.budget"].isna().sum() == 1   # the case: one trial ran with no budget
    assert "never tried" not in done.stdout and "None" not in done.stdout, done.stdout
    report = (tmp_path / "o" / "report.md").read_text()
    assert "= null never ran" not in report and "None" not in report
    assert "| program.incentive.budget | null | 1 |" in report and "{500, null}" in report
    assert "nan" not in report   # the Leading trials table read the NaN of the trials table as 'nan'


def test_sensitivity_names_the_designs_a_set_brings_a_lever_into(tmp_path):
    """One --set applies to every design: program.delight.rate=0.02 brought the whole
    delight lever (a gift a day to 1% of passives) into a design without it, unsaid.
    The note comes before any run, once the command's checks have passed (a bad --metric
    is then its one line alone: the note before it made two). The console alone said it,
    and report.md named no --set item at all: a study of a 400-person, 45-day world read
    as one of the files'. It now says both, as compare's."""
    args = ["sensitivity", SCENARIOS / "delight-passives.yaml", DEFAULT, *TINY, "--uncertain",
            "program.base_share=0.05:0.4", "--set", "program.delight.rate=0.02"]
    one_line_error(invoke(*args, "--metric", "nosuch", "--out", tmp_path / "s"), "--metric", "unknown metric 'nosuch'")
    note = ("--set program.delight.rate=0.02 brought program.delight into default-double-sided-credit, whose "
            "file sets none, with every other key of it at its default (delight-passives had it already): that design "
            "now has the lever")
    result = ok(*args, "--samples", "2", "--trajectories", "2", "--replicates", "1", "--seed", "2", "--out",
                tmp_path / "s", "--executor", "serial")
    assert f"note: {note}" in " ".join(result.stderr.split())
    report = " ".join((tmp_path / "s" / "report.md").read_text().split())
    assert ("Every design was changed with --set: `population.size=400`, `population.initial_customers=10`, `days=45`, "
            "`program.incentive.qualification_days=7`, `program.delight.rate=0.02`; the files' descriptions and names "
            "are their own.") in report
    assert note.replace("--set program.delight.rate=0.02", "`--set program.delight.rate=0.02`") in report \
        or note in report.replace("`", ""), report


def test_a_study_stops_at_the_first_run_after_its_edge_list_changed_and_keeps_the_runs_before(tmp_path, monkeypatch):
    """run, compare and sweep refused an edge list changed while they ran; optimize,
    sensitivity and calibrate mixed the two graphs into one result. Each run a study keeps
    is now checked against the file as validation read it: the first run finished after
    the change stops the study in one line, exit 2, nothing written, and the runs finished
    before it are kept for the resume (its keys are the old file's, so only an unchanged
    file reads them back)."""
    import networkx as nx

    from simulator.run_cache import RunCache

    graph = tmp_path / "graph.txt"

    def write_graph(m: int, seed: int) -> None:
        nx.write_edgelist(nx.barabasi_albert_graph(300, m, seed=seed), graph, data=False)

    write_graph(3, 1)
    scenario = tmp_path / "s.yaml"
    data = yaml.safe_load(Path(DEFAULT).read_text())
    data.update(name="s", seed=3, days=20, network={"kind": "edgelist", "path": "graph.txt"})
    data["population"] = {"initial_customers": 10}
    scenario.write_text(yaml.safe_dump(data))
    pilot = tmp_path / "pilot.csv"
    daily = run_replicate(load_scenario(scenario), 0, 99).daily
    pd.DataFrame({"day": range(21), **{c: daily[:, COLUMN_INDEX[c]] for c in ("new_organic", "new_referred")}}) \
        .to_csv(pilot, index=False)
    real, calls = evaluation.run_request, []

    def overwritten_in_the_third_run(request):
        calls.append(1)
        result = real(request)
        if len(calls) == 3:
            write_graph(4, 2)   # as an export overwriting the file while the runs went
        return result

    studies = {
        "optimize": ["--vary", f"{REWARD}=0:40", "--objective", "cumulative_profit", "--trials", "2",
                     "--replicates", "2"],
        "sensitivity": ["--uncertain", "program.base_share=0.05:0.4", "--samples", "4", "--trajectories", "2"],
        "calibrate": ["--data", pilot, "--fit", "program.base_share=0.05:0.6", "--particles", "6", "--generations", "1",
                      "--draws", "3"],
    }
    for command, args in studies.items():
        calls.clear()
        write_graph(3, 1)
        monkeypatch.setattr(evaluation, "run_request", overwritten_in_the_third_run)
        out = tmp_path / command
        result = invoke(command, scenario, *args, "--seed", "2", "--out", out, "--executor", "serial")
        # the progress bar's last frame above it, as for a stop
        assert result.exit_code == 2 and "Traceback" not in result.stderr, (command, result.output)
        line = result.stderr.rstrip("\n").split("\n")[-1]
        assert line.startswith("error: ") and "graph.txt: network.path: changed while the study ran" in line, line
        assert line.endswith("rerun the same command: with the file as it was, it resumes from them; with the new "
                             "one, every run runs again"), line
        assert len(calls) == 3, (command, len(calls))   # stopped at the run that finished after the change
        assert not (out / "report.md").exists()
        assert len(RunCache(cache_folder(out))) == 2, command   # the two runs before the change, kept
        monkeypatch.undo()
        write_graph(3, 1)   # the file as it was: the resume reads the two back and finishes
        ok(command, scenario, *args, "--seed", "2", "--out", out, "--executor", "serial")
        assert (out / "report.md").exists() and not cache_folder(out).exists()


def test_optimize_interrupted_while_writing_keeps_the_last_whole_set_of_outputs_and_says_to_rerun(tmp_path, monkeypatch):
    """A Ctrl-C while optimize wrote its files left trials.csv of 12 trials beside the
    report.md and manifest.json of 8 (an extended study), or a folder of outputs with no
    manifest, under a bare 'interrupted'. They are now staged and moved into place with
    the manifest last (as sweep's), and the line says the trials are saved and to rerun."""
    import simulator.report.optimize as report

    ok_run = small_optimize(tmp_path, DEFAULT, tmp_path / "a")
    assert ok_run.exit_code == 0, ok_run.output
    real = report.optimize_markdown

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "optimize_markdown", stopped)
    killed = small_optimize(tmp_path, DEFAULT, tmp_path / "b")
    assert killed.exit_code == 130, killed.output
    line = " ".join(killed.stderr.split())
    assert (f"interrupted while writing the tables and plots: 2 finished trials are saved in {tmp_path / 'b'}/optuna.sqlite3; "
            "rerun the same command to write them") in line, line
    assert not {p.name for p in (tmp_path / "b").iterdir()} & {"trials.csv", "manifest.json", "best.yaml"}
    assert not list((tmp_path / "b").glob(".outputs.*"))   # the staging folder is gone
    monkeypatch.setattr(report, "optimize_markdown", real)
    assert small_optimize(tmp_path, DEFAULT, tmp_path / "b").exit_code == 0
    for name in ("trials.csv", "best.yaml", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # extended to 3 trials and stopped while writing: the folder still holds the 2-trial set whole
    monkeypatch.setattr(report, "optimize_markdown", stopped)
    assert small_optimize(tmp_path, DEFAULT, tmp_path / "b", "--trials", "3").exit_code == 130
    assert (tmp_path / "a" / "trials.csv").read_bytes() == (tmp_path / "b" / "trials.csv").read_bytes()
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["optimize"]["trials"] == 2


def test_sensitivity_tells_designs_of_one_name_apart_by_their_files(tmp_path):
    """docs/decide.md's SIGNUP.yaml is single-sided-cash.yaml paying on signup, its name
    unchanged: sensitivity numbered the two, 'single-sided-cash (1) best at 63% of the
    points', and no line said which file was which. They are now named by their files,
    as compare names them."""
    from simulator.cli_decide import _told_apart

    signup = tmp_path / "SIGNUP.yaml"
    signup.write_text(Path(SINGLE).read_text().replace("paid_on: qualification", "paid_on: signup"))
    result = ok("sensitivity", SINGLE, signup, *TINY, "--uncertain", "program.base_share=0.05:0.4", "--samples", "2",
                "--trajectories", "2", "--replicates", "1", "--seed", "2", "--out", tmp_path / "s", "--executor", "serial")
    designs = set(pd.read_csv(tmp_path / "s" / "decision.csv")["design"])
    assert designs == {"single-sided-cash (single-sided-cash)", "single-sided-cash (SIGNUP)"}, designs
    assert "single-sided-cash (SIGNUP) best at" in result.stdout and "(1)" not in result.stdout
    base, others = _told_apart(load_scenario(DEFAULT), [load_scenario(SINGLE)], [DEFAULT, SINGLE])
    assert (base.name, others[0].name) == ("default-double-sided-credit", "single-sided-cash")   # unique: unchanged


def test_a_single_designs_report_names_a_lever_its_set_brought_in_and_where_the_items_came_from(tmp_path):
    """optimize's report.md (and a sensitivity of one design) said only 'changed with
    --set: `program.influencers.count=2`', where compare's named the whole lever the item
    brought in at its defaults; and a settings file's `set:` items were reported as
    '--set'."""
    result = small_optimize(tmp_path, DEFAULT, tmp_path / "o", "--set", "program.influencers.count=2")
    assert result.exit_code == 0, result.output
    report = " ".join((tmp_path / "o" / "report.md").read_text().split())
    assert "brought `program.influencers` into default-double-sided-credit, whose file sets none" in report, report
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"set": TINY[1::2], "uncertain": {"program.base_share": "0.05:0.4"}}))
    ok("sensitivity", DEFAULT, "--settings", settings, "--samples", "2", "--trajectories", "2", "--replicates", "1",
       "--seed", "2", "--out", tmp_path / "s", "--executor", "serial")
    report = " ".join((tmp_path / "s" / "report.md").read_text().split())
    assert "The scenario was changed with the settings file's `set:`: `population.size=400`" in report, report
    # a lever brought in by the settings file's `set:` is no --set: its note names where the item came from
    settings.write_text(yaml.safe_dump({"set": [*TINY[1::2], "program.influencers.count=2"],
                                        "uncertain": {"program.base_share": "0.05:0.4"}}))
    result = ok("sensitivity", DEFAULT, "--settings", settings, "--samples", "2", "--trajectories", "2",
                "--replicates", "1", "--seed", "2", "--out", tmp_path / "s2", "--executor", "serial")
    report = " ".join((tmp_path / "s2" / "report.md").read_text().split())
    said = "`program.influencers.count=2` (from the settings file's `set:`) brought `program.influencers` into"
    assert said in report, report
    assert "--set" not in report and "--set" not in result.output, result.output


@pytest.mark.parametrize("command, flag, value, settings_key", [
    ("sensitivity", "--samples", 2**34, "samples"), ("optimize", "--trials", 10**17, "trials"),
    ("calibrate", "--particles", 2**40, "particles")])
def test_a_study_planning_more_than_ten_million_simulations_is_refused_with_what_would_fit(
        tmp_path, monkeypatch, command, flag, value, settings_key):
    """`--samples 17179869184` (a typo's extra zeros) met SALib allocating 256 GiB, in a
    traceback; `--trials 99999999999999999` and `--particles 2**40` started, showing a time
    left of millions of hours. A study planning more than MOST_STUDY_RUNS simulations (a
    sweep's points are capped alike) is refused in one line, with the largest value that
    would fit, which the study then takes; from a settings file, the line names its key."""
    from simulator.cli_decide import MOST_STUDY_RUNS

    key = "churn.monthly_rate=0.01:0.1"
    study = {"sensitivity": ["--uncertain", key, "--trajectories", "2", "--replicates", "1"],
             "optimize": ["--vary", f"{REWARD}=0:40", "--replicates", "1"],
             "calibrate": ["--data", write_pilot(tmp_path), "--fit", key]}[command]
    # with a --set bringing a lever in: its note was printed before the refusal, two lines for one mistake
    line = one_line_error(invoke(command, DEFAULT, *TINY, *study, "--set", "program.influencers.count=2", flag, value,
                                 "--out", tmp_path / "s"), flag, f"more than the {MOST_STUDY_RUNS:,} a study may plan; "
                                                                 f"would fit: ")
    fits = int(line.rsplit("would fit: ", 1)[1].replace(",", ""))
    assert not (tmp_path / "s").exists()
    # the value said to fit plans no more than the cap, and twice it more (the largest that fits; for samples, the
    # largest power of two): the plan is read where it is checked, and the command stopped there, before any run
    from simulator import cli_decide

    planned = []

    def record(total, *args, **kwargs):
        planned.append(total)
        raise SystemExit(0)

    monkeypatch.setattr(cli_decide, "_runs_at_most", record)
    invoke(command, DEFAULT, *TINY, *study, flag, fits, "--out", tmp_path / "f")
    invoke(command, DEFAULT, *TINY, *study, flag, 2 * fits, "--out", tmp_path / "g")
    monkeypatch.undo()
    assert planned[0] <= MOST_STUDY_RUNS < planned[1], planned
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({settings_key: value}))
    one_line_error(invoke(command, DEFAULT, *TINY, *study, "--settings", settings, "--out", tmp_path / "s"),
                   f"{settings}: {settings_key}")


@pytest.mark.parametrize("command, flag, study", [
    ("optimize", "--vary", ["--vary", f"{REWARD}=0:40", "--trials", "2", "--replicates", "1"]),
    ("sensitivity", "--uncertain", ["--uncertain", f"{REWARD}=0:40"]),
    ("calibrate", "--fit", ["--fit", f"{REWARD}=0:40"])])
def test_a_set_of_a_key_the_study_varies_is_refused(tmp_path, command, flag, study):
    """`optimize --vary program.incentive.referrer_reward=0:40 --set
    program.incentive.referrer_reward=5` ran the whole range (trials at 2.49 and 24.96,
    best.yaml at 24.96) under a report.md saying the scenario was changed with that
    --set; sensitivity and calibrate alike. A sweep refused it; so do they now, for a
    --set of the key or of a key inside it, and for a settings file's set: item."""
    if command == "calibrate":
        study = [*study, "--data", write_pilot(tmp_path)]
    # and a --set of the block that gives the key a value: it became sensitivity's tornado centre unsaid (a block
    # that leaves the key alone is no clash, and a malformed one is left to the --set's own parsing)
    from simulator.cli_decide import _block_sets

    assert _block_sets("program={incentive: {referrer_reward: 5}}", "program", REWARD)
    assert not _block_sets("program.incentive={referee_reward: 5}", "program.incentive", REWARD)
    assert not _block_sets("program.incentive={", "program.incentive", REWARD)
    block = "program.incentive={kind: double_sided, referrer_reward: 5}"
    # sensitivity takes a --set of the key itself as its tornado's centre (test_sensitivity_takes_a_set_of_an_...)
    exact = [] if command == "sensitivity" else [f"{REWARD}=5", f"{REWARD}=5.0"]
    for item in (*exact, block):
        one_line_error(invoke(command, DEFAULT, *TINY, *study, "--set", item, "--out", tmp_path / "s"),
                       f"--set: {item}: the study varies {REWARD} ({flag}), so this --set would be overwritten in "
                       f"every run")
    assert not (tmp_path / "s").exists()
    settings = tmp_path / "study.yaml"
    item = block if command == "sensitivity" else f"{REWARD}=5"
    settings.write_text(yaml.safe_dump({"set": [*TINY[1::2], item]}))   # a --set would win over all of set:
    one_line_error(invoke(command, DEFAULT, *study, "--settings", settings, "--out", tmp_path / "s"),
                   f"{settings}: set (line 1): {item}: the study varies {REWARD} ({flag}), so this item would be "
                   f"overwritten")   # the line, as the file's other mistakes name it
    # the range from the file too: named as the file's, not as a flag never typed
    key = flag.lstrip("-")
    settings.write_text(yaml.safe_dump({"set": [*TINY[1::2], item], key: {REWARD: "0:40"}}))
    kept = [a for i, a in enumerate(study) if a != flag and (i == 0 or study[i - 1] != flag)]
    one_line_error(invoke(command, DEFAULT, *kept, "--settings", settings, "--out", tmp_path / "s"),
                   f"the study varies {REWARD} (the file's {key}:), so this item would be overwritten")


def test_a_folder_of_another_kind_is_refused_in_english(tmp_path):
    """'already exists and is not a optimize folder'."""
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "report.md").write_text("a run's folder\n")
    line = one_line_error(small_optimize(tmp_path, DEFAULT, tmp_path / "r1"), "already exists and is not")
    assert "is not an optimize folder; choose a new --out folder" in line, line


def test_calibrates_refusal_of_a_choice_comes_alone(tmp_path):
    """`--fit program.incentive.reward_type=cash,credit` printed the note on fitting a
    choice of the program, then refused the key: two lines for one mistake."""
    result = invoke("calibrate", DEFAULT, *TINY, "--data", write_pilot(tmp_path), "--fit",
                    "program.incentive.reward_type=cash,credit", "--out", tmp_path / "c")
    one_line_error(result, "--fit", "calibration fits numbers")
    assert "note:" not in result.stdout, result.stdout


def test_optimize_says_when_its_winner_loses_to_no_program_and_when_the_search_never_ran():
    """A study at $1 of margin crowned referrer_reward 48.73 at incremental_value -1,349
    (CI -1,617 to -1,081) and said nothing of running no program being better; its 10
    trials were all TPE's random start (startup_trials 10), under 'with TPE'. Both are
    said now, and neither where it is not so."""
    from simulator.optimize import Objective, OptimizeResult, OptimizeSettings
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import no_program_beats_note, random_start_note

    base = load_scenario(DEFAULT)
    parameters = parse_parameters([f"{REWARD}=0:200"], base, source="--vary")

    def result(low, high, trials=10, metric="incremental_value"):
        fresh = pd.DataFrame([{"trial": 6, "round": 0, "metric": metric, "mean": (low + high) / 2, "ci_low": low,
                               "ci_high": high, "n": 20}])
        return OptimizeResult(seed=5, objectives=(Objective(metric),), constraints=(),
                              trials=pd.DataFrame({"trial": range(trials), "state": "COMPLETE"}), best={REWARD: 48.73},
                              best_scenario=base, confirmation=fresh, feasible=True, best_trial=6)

    note = no_program_beats_note(result(-1_617.0, -1_081.0))
    assert note.startswith("The best design found loses value against running no program (`incremental_value` -1,349, "
                           "95% interval -1,617 – -1,081 on 20 fresh seeds)"), note
    # an interval holding 0: not known to lose, nor to add anything (a winner at -610, -2,377 to 1,157, went unsaid)
    assert no_program_beats_note(result(-2_377.0, 1_157.0)).startswith(
        "The best design found is not told apart from running no program (`incremental_value` -610.0, 95% interval "
        "-2,377 – 1,157 on 20 fresh seeds)")
    assert no_program_beats_note(result(1.0, 20.0)) == ""             # told apart, above 0
    assert no_program_beats_note(result(-9.0, -1.0, metric="cumulative_profit")) == ""   # no twin in that metric
    settings = OptimizeSettings(trials=10)
    said = random_start_note(result(1.0, 2.0), settings, parameters)
    assert said.startswith("All 10 trials were the search's random start (`startup_trials` 10): TPE") and \
        "the best of 10 random draws" in said, said
    assert random_start_note(result(1.0, 2.0, trials=11), OptimizeSettings(trials=11), parameters) == ""
    choices = parse_parameters(["program.incentive.reward_type=cash,credit"], base, source="--vary")
    assert random_start_note(result(1.0, 2.0, trials=2), OptimizeSettings(trials=2), choices) == ""   # every design tried


def test_a_settings_files_out_and_set_mistakes_name_the_file_not_a_flag(tmp_path):
    """A settings file's `out:` naming a file read "--out: is a file", and its `set: [days]`
    "--set: 'days' is not of the form key.path=value": no flag was typed. Each now names
    the settings file and the key's line, as its other keys' mistakes do."""
    (tmp_path / "afile").write_text("")
    settings = tmp_path / "s.yaml"
    settings.write_text(yaml.safe_dump({"out": "afile", "uncertain": {"program.base_share": "0.1:0.3"}}))
    line = one_line_error(invoke("sensitivity", DEFAULT, *TINY, "--settings", settings), "is a file")
    assert f"{settings}: out (line 1)" in line and "--out" not in line.split("is a file")[0], line
    settings.write_text(yaml.safe_dump({"set": ["days"], "uncertain": {"program.base_share": "0.1:0.3"}}))
    line = one_line_error(invoke("sensitivity", DEFAULT, "--settings", settings), "is not of the form key.path=value")
    assert line.startswith(f"error: {settings}: set (line") and "--set" not in line, line


def test_calibrates_sensitivity_command_centres_every_design_on_the_fitted_world(tmp_path, pilot, monkeypatch):
    """The sensitivity command calibrate prints gave the other design the fit's --set
    items but not the fitted values, and sensitivity refused a --set of a key it varies:
    its tornado held calibrated.yaml at the posterior median and the other design at its
    own file's value, two worlds at the centre and a disagreement more replicates could
    not remove. Run from the folder as printed, both designs' tornado centre is now the
    median calibrated.yaml holds."""
    import shlex

    ok(*calibrate_args(tmp_path / "a", pilot))
    folder = tmp_path / "a"
    median = load_scenario(folder / "calibrated.yaml").program.base_share
    assert load_scenario(SINGLE).program.base_share != pytest.approx(median)   # else the test tells nothing
    command = next(line for line in (folder / "calibrated.yaml").read_text().splitlines()
                   if line.startswith("#   refsim sensitivity"))
    monkeypatch.chdir(folder)
    ok(*shlex.split(command[4:])[1:], "--samples", "2", "--trajectories", "2", "--executor", "serial",
       "--out", tmp_path / "s")
    tornado = pd.read_csv(tmp_path / "s" / "tornado.csv")
    centres = tornado[tornado["parameter"] == "program.base_share"].groupby("design")["value_base"].first()
    assert len(centres) == 2 and all(value == pytest.approx(median) for value in centres), centres
    assert "is the tornado's centre" in (tmp_path / "s" / "report.md").read_text()


def test_sensitivity_takes_a_set_of_an_uncertain_key_as_the_tornado_centre_inside_its_range(tmp_path):
    """A --set of a key sensitivity varies was refused, though only the tornado reads it
    (as its centre); it is taken now, for every design, and one outside the range is
    refused naming the range. A --set inside a varied key's block stays refused."""
    args = ["sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.1:0.4", "--samples", "2",
            "--trajectories", "2", "--executor", "serial"]
    ok(*args, "--set", "program.base_share=0.25", "--out", tmp_path / "in")
    tornado = pd.read_csv(tmp_path / "in" / "tornado.csv")
    assert set(tornado.loc[tornado["parameter"] == "program.base_share", "value_base"]) == {0.25}
    line = one_line_error(invoke(*args, "--set", "program.base_share=0.5", "--out", tmp_path / "out"),
                          "must lie in that range")
    assert "program.base_share in [0.1, 0.4]" in line and "--set" in line, line
    assert not (tmp_path / "out").exists()
    settings = tmp_path / "centre.yaml"   # a settings file's entry: named at its line, not as a --set never typed
    settings.write_text(yaml.safe_dump({"set": [*TINY[1::2], "program.base_share=0.5"]}))   # --set would win over it
    bare = [a for a in args if a not in TINY]
    line = one_line_error(invoke(*bare, "--settings", settings, "--out", tmp_path / "out"),
                          "centre.yaml: set (line 1): program.base_share=0.5: ", "a set: entry of it places")
    assert "--set" not in line, line
    one_line_error(invoke(*args, "--uncertain", "program.cost_shares.credit=0.2:1", "--set",
                          "program.cost_shares={credit: 0.5}", "--out", tmp_path / "b"),
                   "would be overwritten in every run")
    # a key of some designs only centres those: given to every design, the cash design's loading stopped on "a key of
    # kind double_sided and tiered, not of kind 'single_sided'; change the kind"
    uplift = "program.incentive.referee_max_uplift"
    ok("sensitivity", SINGLE, DEFAULT, *TINY, "--uncertain", f"{uplift}=0:2", "--set", f"{uplift}=1", "--samples", "2",
       "--trajectories", "2", "--executor", "serial", "--out", tmp_path / "some")
    tornado = pd.read_csv(tmp_path / "some" / "tornado.csv")
    centres = tornado[tornado["parameter"] == uplift].set_index("design")["value_base"]
    double = load_scenario(DEFAULT).name
    assert centres[double] == 1 and centres.drop(double).isna().all(), centres
    assert f"in {double} (the designs that read it)" in (tmp_path / "some" / "report.md").read_text()
    # a design without a program has the share rate but reads it not: it was said to hold it "in every design"
    ok("sensitivity", SCENARIOS / "no-program.yaml", SINGLE, *TINY[:6], "--uncertain", "program.base_share=0.1:0.4",
       "--set", "program.base_share=0.3", "--samples", "2", "--trajectories", "2", "--executor", "serial",
       "--out", tmp_path / "none")
    cash = load_scenario(SINGLE).name
    assert f"in {cash} (the designs that read it)" in (tmp_path / "none" / "report.md").read_text()
    # no design reads it: said so, not 'in  (the designs that read it)'
    from simulator.cli_decide import centres_notes

    designs = [load_scenario(SCENARIOS / "no-program.yaml"), load_scenario(SINGLE)]
    assert centres_notes(["program.cost_shares.credit=0.3"], designs, ["program.cost_shares.credit"]) == [
        "`program.cost_shares.credit=0.3` would be the tornado's centre, but no design here reads "
        "program.cost_shares.credit: it moves nothing"]


def test_the_commands_calibrated_yaml_prints_name_a_design_given_relative_to_where_calibrate_ran(tmp_path, pilot,
                                                                                             monkeypatch):
    """A --design named relative to where calibrate ran was written so into calibrated.yaml's
    header and report.md, beside calibrated.yaml named as it lies in the folder: the
    command failed from either place ("file not found"). The design is now given by its
    absolute path, so the command runs from the folder as printed."""
    monkeypatch.chdir(SCENARIOS.parent)
    args = calibrate_args(tmp_path / "a", pilot)
    args[args.index(SINGLE)] = "scenarios/single-sided-cash.yaml"
    ok(*args)
    text = (tmp_path / "a" / "calibrated.yaml").read_text()
    command = next(line for line in text.splitlines() if line.startswith("#   refsim sensitivity"))
    assert f"refsim sensitivity calibrated.yaml {SCENARIOS / 'single-sided-cash.yaml'} --set" in command, command


def test_calibrate_tells_other_designs_the_fitted_values_of_the_world_only_quoted_for_the_shell(monkeypatch):
    """calibrated.yaml's line for the other designs gave every fitted value, a fitted
    referrer reward too: followed, it turned another design's $20 into $15.74 (a choice of
    the program is the design's, not the customers'); and it gave a block --set item bare,
    which the shell split at its space ('{organic_rate:' is not valid YAML)."""
    import shlex

    from simulator.report import calibrate as report

    monkeypatch.setattr(report, "calibrated_values", lambda calibration: {
        "program.base_share": 0.3255, "program.incentive.referrer_reward": 15.74, "word_of_mouth.spontaneous_rate": 0.0085})
    assert report.fitted_sets(None) == ["program.base_share=0.3255", "word_of_mouth.spontaneous_rate=0.0085"]
    options = report.set_options(["acquisition={organic_rate: 0.00003}", "program.base_share=0.3255"])
    assert shlex.split(options) == ["--set", "acquisition={organic_rate: 0.00003}", "--set", "program.base_share=0.3255"]


@pytest.mark.parametrize("command, study", [
    ("compare", ["-r", "1"]),
    ("optimize", ["--vary", f"{REWARD}=0:20", "--trials", "1", "-r", "1"]),
    ("sensitivity", ["--uncertain", "churn.monthly_rate=0.02:0.05", "--samples", "2", "--trajectories", "2"])])
def test_a_design_file_valid_only_with_the_set_items_is_taken_as_run_takes_it(tmp_path, command, study):
    """A file holding base_share 1.5, given --set program.base_share=0.2, ran under run and
    validate, but compare, optimize and sensitivity refused it, quoting the file's 1.5 and
    no word of the --set: the note on the levers a --set brings in read the file alone."""
    data = yaml.safe_load(Path(DEFAULT).read_text())
    data["program"]["base_share"] = 1.5
    (tmp_path / "d1.yaml").write_text(yaml.safe_dump(data))
    data["program"]["base_share"], data["name"] = 0.3, "other"
    (tmp_path / "d2.yaml").write_text(yaml.safe_dump(data))
    designs = [tmp_path / "d1.yaml", *([tmp_path / "d2.yaml"] if command != "optimize" else [])]
    ok(command, *designs, *TINY, "--set", "program.base_share=0.2", *study, "--executor", "serial",
       "--out", tmp_path / "out")
    assert (tmp_path / "out" / "report.md").exists()
    # without the --set, the file's own value is refused, naming it
    one_line_error(invoke(command, *designs, *TINY, *study, "--executor", "serial", "--out", tmp_path / "no"),
                   "program.base_share", "1.5")
    if command == "sensitivity":   # the --set a tornado centre (the key uncertain too): the files were refused
        ok(command, *designs, *TINY, "--set", "program.base_share=0.2", "--uncertain", "program.base_share=0.1:0.4",
           "--samples", "2", "--trajectories", "2", "--executor", "serial", "--out", tmp_path / "centre")
        tornado = pd.read_csv(tmp_path / "centre" / "tornado.csv")
        assert set(tornado.loc[tornado["parameter"] == "program.base_share", "value_base"]) == {0.2}


@pytest.mark.parametrize("key, fits, sets", [("days", "days=100:200", "days=150"),
                                             ("k_window_days", "k_window_days=10:40", "k_window_days=30")])
def test_a_key_calibrate_cannot_fit_is_refused_as_such_beside_a_set_of_it(tmp_path, key, fits, sets):
    """--fit days=100:200 with --set days=150 said to drop the --set ('the study varies days');
    dropped, the next try said the horizon cannot be fitted. The reason that stands is said
    first."""
    result = invoke("calibrate", DEFAULT, *TINY, "--data", write_pilot(tmp_path), "--fit", fits, "--set", sets,
                    "--out", tmp_path / "c")
    line = one_line_error(result, f"--fit: {key}:")
    assert "overwritten" not in line and ("not a behaviour" in line), line


def test_sensitivity_refuses_a_deciding_metric_nobody_wins_before_any_run(tmp_path):
    """`--metric reward_cost` with two designs said 'no-program best at 100% of the points';
    refused now in one line, before a run or a folder, naming where the metric came from."""
    args = ["sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "churn.monthly_rate=0.03:0.08", "--samples", "2",
            "--trajectories", "2", "--executor", "serial"]
    one_line_error(invoke(*args, "--metric", "reward_cost", "--out", tmp_path / "s"), "--metric: 'reward_cost'")
    assert not any(tmp_path.iterdir())
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"metrics": ["incremental_value"], "decision_metric": "word_of_mouth_customers"}))
    one_line_error(invoke(*args, "--settings", settings, "--out", tmp_path / "t"), f"{settings}: decision_metric",
                   "a program turns word of mouth into tracked referrals")


def test_calibrates_sensitivity_command_leaves_a_fitted_choice_of_the_program_out(monkeypatch):
    """A fitted program.timing.delay_days (a choice the pilot ran at) was printed as an
    --uncertain range beside another design, and sensitivity refused the command ("the
    designs differ in program.timing.delay_days"). The command weighs the assumptions of
    the world only; with none fitted, there is no sensitivity command."""
    from simulator.report import calibrate as report

    monkeypatch.setattr(report, "uncertain_ranges", lambda calibration: [
        "--uncertain program.base_share=0.151:0.456", "--uncertain program.timing.delay_days=0:11"])
    monkeypatch.setattr(report, "calibrated_values", lambda calibration: {"program.base_share": 0.3,
                                                                          "program.timing.delay_days": 9})
    commands = report.next_commands(None, designs=["/x/single.yaml"])
    assert commands[1].endswith("/x/single.yaml --set program.base_share=0.3 --uncertain program.base_share=0.151:0.456 --replicates 4")
    monkeypatch.setattr(report, "uncertain_ranges", lambda calibration: ["--uncertain program.timing.delay_days=0:11"])
    assert len(report.next_commands(None, designs=["/x/single.yaml"])) == 1


def test_a_sensitivity_on_the_numpy_stages_says_so_where_the_designs_run_on_the_kernel(tmp_path, monkeypatch):
    """A drift range reaches a setting the compiled kernel does not run, so every point
    ran on the numpy stages, while the designs as given run on the kernel in `refsim run`
    and `refsim compare`: the tornado's centre put single-sided cash at 213 and
    double-sided credit at 932 where compare had 1,135 and 1,064, and nothing but
    manifest.json said why. report.md and the console now say so, and the compare they
    advise (under REFSIM_ENGINE=numpy) meets the tornado's centre exactly; a range that
    stays on the kernel says nothing."""
    import numpy as np
    import pandas as pd

    monkeypatch.delenv("REFSIM_ENGINE", raising=False)
    said = "Every point ran on the numpy stages, to share its luck replicate by replicate: the ranges reach"
    result = ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "satisfaction.drift_per_year=-0.2:0",
                "--samples", "2", "--trajectories", "2", "--tornado-replicates", "2", "--seed", "3",
                "--out", tmp_path / "s", "--executor", "serial")
    assert said in " ".join(result.stdout.split()), result.stdout
    assert said in " ".join((tmp_path / "s" / "report.md").read_text().split())
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    ok("compare", DEFAULT, SINGLE, *TINY, "-r", "2", "--seed", "3", "--out", tmp_path / "c", "--executor", "serial")
    summary = pd.read_csv(tmp_path / "c" / "summary.csv")
    tornado = pd.read_csv(tmp_path / "s" / "tornado.csv")
    for design in tornado["design"].unique():
        compared = summary[(summary["scenario"] == design) & (summary["metric"] == "incremental_value")]["mean"].item()
        centre = tornado[(tornado["design"] == design) & (tornado["metric"] == "incremental_value")]["at_base"]
        assert np.allclose(centre, compared, rtol=1e-9), (design, compared, centre)
    monkeypatch.delenv("REFSIM_ENGINE")
    result = ok("sensitivity", DEFAULT, SINGLE, *TINY, "--uncertain", "program.base_share=0.1:0.3",
                "--samples", "2", "--trajectories", "2", "--tornado-replicates", "2", "--seed", "3",
                "--out", tmp_path / "k", "--executor", "serial")
    assert "numpy stages" not in result.stdout and "numpy stages" not in (tmp_path / "k" / "report.md").read_text()


def test_the_study_path_note_is_not_said_where_a_design_itself_runs_on_the_numpy_stages(monkeypatch):
    """sensitivity of b2b-organization against b2b-account-managers (whose `program.targeting`
    the compiled kernel does not run) said "the ranges reach `program.targeting`" of a range
    over a cost share, and that compare runs the designs on the kernel, where compare runs
    every design of such a pair on the numpy stages, as the study does. Without such a
    design, a range reaching a numpy-only setting is still said."""
    from simulator.parameters import parse_parameters
    from simulator.report.text import study_path_note
    from simulator.scenario_io import load_scenario

    monkeypatch.delenv("REFSIM_ENGINE", raising=False)
    scenarios = Path(__file__).parents[1] / "scenarios"
    organization, managers = (load_scenario(scenarios / f"b2b-{name}.yaml") for name in ("organization", "account-managers"))
    cost = parse_parameters(["program.cost_shares.organization=0.2:1"], organization)
    note = study_path_note([organization, managers], cost)
    assert "the ranges reach" not in note and "as `refsim compare` runs these designs" in note, note
    # the run half stays true: b2b-organization alone runs on the kernel (92,972 against the study's 106,008)
    assert "`refsim run` of b2b-organization alone runs on the kernel" in note and "b2b-account-managers alone" not in note
    assert study_path_note([managers], cost) == ""   # on the numpy stages everywhere: nothing differs
    drift = parse_parameters(["satisfaction.drift_per_year=-0.2:0"], organization)
    assert "the ranges reach `satisfaction.drift_per_year`" in study_path_note([organization], drift)


def test_a_constraint_no_run_can_break_is_said_to_rule_nothing_out():
    """`payback_day<=400` on a 365-day horizon (a payback that never came counts as day
    366), `referred_share<=1`, `customers_final<=5000` on 2,000 people and `reward_cost>=0`
    passed unsaid, the report saying the winner "keeps every constraint", where a floor
    past a metric's most is refused and a spend cap above a budget is said. Each is named
    with why; a limit some run can break, or one on a key the search varies, is not."""
    from types import SimpleNamespace

    from simulator.optimize import parse_constraint
    from simulator.report.optimize import unbinding_note
    from .conftest import small

    base = small(days=365, population={"size": 2000, "initial_customers": 40})
    limits = ["payback_day<=400", "customers_final<=5000", "reward_cost>=0"]
    result = SimpleNamespace(best_scenario=base, best={"program.incentive.referrer_reward": 10.0},
                             constraints=[parse_constraint(c) for c in limits])
    note = unbinding_note(result)
    assert note.startswith("`payback_day<=400` (the horizon is 365 days, and a run where the day never came counts as "
                           "day 366); `customers_final<=5000` (customers_final is at most 2,000 people in every run); "
                           "`reward_cost>=0` (reward_cost is at least 0 in every run) cannot fail, so they rule no design "
                           "out"), note
    # a metric a run can leave undefined breaks any constraint there (incremental_cac with no extra customer, a share
    # of no adopters): 'cannot fail' stood beside every trial ruled out by `incremental_cac>=0`
    undefined = SimpleNamespace(**{**vars(result), "constraints": [parse_constraint(c) for c in
                                                                    ("incremental_cac>=0", "referred_share<=1")]})
    assert unbinding_note(undefined) == ""
    binding = ["payback_day<=365", "referred_share<=0.9", "customers_final<=1999", "reward_cost>=1"]
    assert unbinding_note(SimpleNamespace(**{**vars(result), "constraints": [parse_constraint(c) for c in binding]})) == ""
    varied = SimpleNamespace(**{**vars(result), "best": {"days": 500, "population.size": 9000},
                                "constraints": [parse_constraint(c) for c in limits[:2]]})
    assert unbinding_note(varied) == ""


def test_a_range_outside_its_own_bounds_is_named_whichever_flag_comes_first(tmp_path):
    """`--uncertain program.incentive.referrer_reward=5:30 --uncertain
    program.base_share=0.1:3` blamed the reward ("value 5.0 with program.base_share at
    3.0 ... give ranges whose ends fit together"), and a settings file cited the
    reward's line; with the flags swapped it named base_share. The key whose end fails
    on its own is named, in either order, and in a settings file at its own line."""
    reward, share = f"{REWARD}=5:30", "program.base_share=0.1:3"
    for flags in ([reward, share], [share, reward]):
        line = one_line_error(invoke("sensitivity", DEFAULT, *TINY, *[a for f in flags for a in ("--uncertain", f)],
                                     "--out", tmp_path / "x"), "--uncertain: program.base_share: value 3.0")
        assert REWARD not in line, line
    settings = tmp_path / "study.yaml"
    settings.write_text(yaml.safe_dump({"scenario": DEFAULT, "uncertain": {REWARD: "5:30", "program.base_share": "0.1:3"}},
                                       sort_keys=False))
    one_line_error(invoke("sensitivity", "--settings", settings, *TINY, "--out", tmp_path / "x"),
                   "study.yaml: program.base_share (line 4): value 3.0")


def test_paths_in_a_settings_file_and_a_sweeps_base_beginning_with_a_tilde_are_the_home_folders(tmp_path, home):
    """`data: ~/pilot.csv` in a settings file, and a sweep's `base: ~/small.yaml`, were
    looked for under a folder named '~' beside the file, where an edge list's `~/g.txt`
    is the home folder's: every path a user writes in YAML reads ~ as a shell does."""
    from simulator.decide_settings import load_settings
    from simulator.sweep_spec import load_sweep

    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    (home / "small.yaml").write_text("name: small\ndays: 10\nreplicates: 1\npopulation: {size: 300, initial_customers: 5}\n")
    settings = elsewhere / "calibrate.yaml"
    settings.write_text("scenario: ~/small.yaml\ndata: ~/pilot.csv\nout: ~/fit\n")
    loaded = load_settings(settings, "calibrate")
    assert (loaded.scenario, loaded.data, loaded.out) == (str(home / "small.yaml"), str(home / "pilot.csv"),
                                                          str(home / "fit"))
    sweep = elsewhere / "sweep.yaml"
    sweep.write_text("base: ~/small.yaml\nmethod: grid\nparameters:\n  program.base_share: {values: [0.1, 0.2]}\n")
    assert load_sweep(sweep).base.name == "small"


def test_each_choice_names_a_trial_once_and_marks_a_best_that_breaks_a_constraint_over_its_replicates():
    """Trial 1, the best of at_purchase and of credit, was named twice in one "not told
    apart" note; and a choice's best keeping a cap on the first rung's replicates but
    breaking it over all it ran showed a lead over the winner beside "keeps the
    constraints there: yes", with no note that it is no alternative."""
    from types import SimpleNamespace

    from simulator.optimize import Objective, parse_constraint
    from simulator.parameters import parse_parameters
    from simulator.report.optimize import _by_choice, close_choices
    from .conftest import small

    kind, reward = "program.timing.kind", "program.incentive.reward_type"
    parameters = parse_parameters([f"{kind}=onboarding,at_purchase", f"{reward}=cash,credit"], small())
    trials = pd.DataFrame({"trial": [0, 1], "state": "COMPLETE", "replicates": 4, kind: ["onboarding", "at_purchase"],
                           reward: ["cash", "credit"], "incremental_value_mean": [11.5, 11.4],
                           "incremental_value_rung0_mean": [11.5, 11.4], "reward_cost_rung0_mean": [1.0, 1.0],
                           "feasible": [True, True], "feasible_upper": [True, True]})
    result = SimpleNamespace(trials=trials, best_trial=0, best={kind: "onboarding", reward: "cash"},
                             runs={0: [10.0, 12.0, 11.0, 13.0], 1: [9.5, 12.5, 10.0, 13.5]}, confirmation=pd.DataFrame(),
                             objectives=[Objective("incremental_value", "maximize")],
                             constraints=[parse_constraint("reward_cost<=3")], rungs=[4])
    close, better = close_choices(result, parameters)
    assert len(close) == 1 and close[0].startswith(f"{kind}=at_purchase (trial 1)") and better == []
    # trial 1 ahead by 3 on every replicate, kept on the first rung, broken over all it ran
    broken = SimpleNamespace(**{**vars(result), "runs": {0: result.runs[0], 1: [13.0, 15.0, 14.0, 16.0]},
                                "trials": trials.assign(feasible=[True, False])})
    rows = [line for line in _by_choice(broken, parameters) if "| at_purchase |" in line or "| credit |" in line]
    # (another trial of the choice may keep the constraint: "no alternative" was said beside one named as close)
    assert len(rows) == 2 and all(row.endswith("-3 (-3 to -3, 4 replicates) (breaks a constraint over its replicates) | 4 |")
                                  for row in rows), rows
    assert close_choices(broken, parameters) == ([], [])   # no alternative: not offered as close or ahead


def test_an_optimisation_and_a_sweep_over_a_boolean_key_write_its_values_as_the_flag_does(tmp_path):
    """optimize's console, report.md and best.yaml, and a sweep's report, read Python's
    False and True for a key the flag and YAML write false, true."""
    from typer.testing import CliRunner

    from simulator.cli import app

    sizes = ["--set", "population.size=400", "--set", "population.initial_customers=20", "--set", "days=30"]
    result = CliRunner().invoke(app, ["optimize", str(DEFAULT), "--vary", "churn.only_while_referrer_active=false,true",
                                      *sizes, "--trials", "2", "--executor", "serial", "-o", str(tmp_path / "opt")])
    assert result.exit_code == 0, result.output
    said = [result.stdout, *((tmp_path / "opt" / name).read_text() for name in ("report.md", "best.yaml"))]
    assert all("False" not in text and "True" not in text for text in said)
    assert "churn.only_while_referrer_active=false" in result.stdout or \
        "churn.only_while_referrer_active=true" in result.stdout
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {DEFAULT}\nmethod: grid\nreplicates: 1\nparameters:\n"
                     f"  churn.only_while_referrer_active: {{values: [false, true]}}\n")
    result = CliRunner().invoke(app, ["sweep", str(sweep), *sizes, "--executor", "serial", "-o", str(tmp_path / "sw")])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "sw" / "report.md").read_text()
    assert "| churn.only_while_referrer_active | false, true |" in report and "False" not in report, report[:2000]
