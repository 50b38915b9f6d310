"""``refsim optimize``, ``refsim sensitivity`` and ``refsim calibrate``: thin commands
over optimize.py, sensitivity.py and calibrate.py, registered on cli.py's app.

Each command reads its scenario and flags (or a ``--settings`` YAML file), runs
the computation, and hands the result to a writer in ``simulator/report/``. A
user mistake is one line and exit code 2 (cli.py's ``user_errors``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from contextlib import contextmanager
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Callable, Optional

import typer

from .cli import (EXECUTOR_HELP, FILE_WORKERS_HELP, SCHEDULER_HELP, SET_HELP, _check_engine, _interrupt_exit, _note_unused_workers, _typed_again,
                  app, err, out, progress_bar, set_lever_notes, user_errors)
from .errors import ScenarioError
from .provenance import held_inputs

SETTINGS_HELP = "YAML file with any of this command's settings (see docs/decide.md); flags given here win over it."
EXECUTOR_DEFAULT = " Default: the settings file's, else local; local or serial leaves the file's scheduler unused."
SEED_HELP = ("Study seed (default: the scenario's, or a fresh one that is recorded). Same seed, same files, on any executor "
             "(but for the times the manifest and the study's database hold).")


def _scenario(given: Optional[Path], settings, sets: list[str], settings_file: Optional[Path] = None,
              held: list[str] = ()):
    """The base scenario and its path, with the --set items (or the settings file's) but
    those ``held`` back (sensitivity's tornado centres, applied where a design has the key)."""
    from .scenario_io import load_scenario

    path = given if given is not None else (Path(settings.scenario) if (settings.scenario or "").strip() else None)
    if given is None and path is not None:
        _from_file([path], settings_file, "scenario", "scenario")
    if path is None and settings_file is not None and "scenario" in settings.model_fields_set:
        # 'scenario:' written with nothing after it was told to give 'scenario:' in --settings
        raise ScenarioError("nothing is given: give a scenario YAML path, relative to this file (e.g. "
                            "../scenarios/default.yaml), or the command's SCENARIO", file=str(settings_file),
                            key=_file_key(settings_file, "scenario"))
    if path is None:
        raise ScenarioError("give a scenario YAML file (e.g. scenarios/default.yaml), or 'scenario:' in --settings",
                            key="SCENARIO")
    from .decide_settings import pick

    overrides = pick(sets, settings.set)
    if sets and settings.set and list(sets) != list(settings.set):
        # the command line wins as a whole (docs/decide.md): the file's entries were dropped without a word
        unused = ", ".join(str(item) for item in settings.set)
        err.print(f"note: --set replaces the settings file's set: ({unused}), which goes unused; give those again "
                  f"with --set to keep them", markup=False)
    for item in overrides:
        if not sets and "=" not in str(item):   # a settings file's set: item was refused as a --set never typed
            raise ScenarioError(f"'{item}' is not of the form key.path=value (for example program.base_share=0.3)",
                                file=str(settings_file), key=_file_key(settings_file, "set"))
        # the study's own --replicates decides how many runs a point gets: a --set replicates=3 did nothing, and was
        # copied into optimize's best.yaml as if it had (sweep refuses it the same way)
        if str(item).partition("=")[0].strip() == "replicates":
            raise ScenarioError(f"the study's own --replicates (calibrate's --draws) sets how many runs it makes, so "
                                f"{item} would be ignored; drop it, and give --replicates N for another count",
                                file="--set" if sets else str(settings_file),
                                key=str(item) if sets else _file_key(settings_file, "set"))
    return load_scenario(path, [item for item in overrides if item not in held]), path


def _evaluator(settings, workers, executor, scheduler, progress=None, settings_file: Optional[Path] = None):
    from .decide_settings import pick
    from .evaluation import Evaluator
    from .executors import check_cluster, default_workers, execution, scheduler_file, workers_used
    from .limits import check_options

    check_options(workers=workers)   # as run and sweep do: --workers 0 ran on every core, -3 on a pool of -3
    # the command line wins as a whole, as in sweep: --executor local ran into the file's scheduler
    given = scheduler
    executor, scheduler = execution(executor, scheduler, settings.executor, settings.scheduler, file=settings_file)
    # the workers' code too, before the study writes its folder (as a sweep checks it)
    cluster = check_cluster(scheduler, file=scheduler_file(scheduler, given, settings_file)) if scheduler else None
    if workers is not None or settings.workers is None or settings_file is None:
        _note_unused_workers(workers, executor, scheduler)
    else:   # the file's workers: went unused without a word too, as a sweep file's did
        _note_unused_workers(settings.workers, executor, scheduler, f"{settings_file}'s workers:")
    workers = pick(workers, settings.workers) or default_workers()
    # the manifest's count: one for serial, a cluster's own (it recorded this computer's cores)
    return Evaluator(executor, workers, scheduler, progress=progress), executor, workers_used(executor, workers, cluster)


def _settings_sets(command: Callable) -> Callable:
    """A settings file's ``set:`` entry a scenario refuses, named as that entry at its line
    (docs/decide.md: a settings file's mistake names the file, key and line): 'with --set
    days=0' blamed a flag the user never typed."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ScenarioError as error:
            settings_file, place = kwargs.get("settings_file"), error.file or ""
            # "FILE with --set ITEM" (a value refused), "FILE with --set" (a path: the item leads the message) or
            # "--set" (an empty path)
            scenario, _, item = place.partition(" with --set")
            if settings_file is None or kwargs.get("sets") or not (_ or place == "--set"):
                raise
            item = item.strip()
            message = (f"{error.key}: " if error.key and item else "") + error.message.replace("drop this --set",
                                                                                          "drop this entry")
            if item:
                message = f"{item} (set on {scenario}): {message}"
            elif _:   # the message names the entry itself
                message = f"{message} (set on {scenario})"
            raise ScenarioError(message, file=str(settings_file), key=_file_key(settings_file, "set")) from None

    return wrapper


def _file_key(settings_file: Optional[Path], key: str) -> str:
    """A top-level key of the settings file with its line (scenario_io.top_key)."""
    from .scenario_io import top_key

    return top_key(settings_file, key)


def _from_file(paths: list[Path], settings_file: Optional[Path], key: str, what: str) -> list[Path]:
    """``paths`` a settings file's ``key`` gave, refused at that key's line where one is not
    there: the error named only the missing file ("nothere.yaml: file not found"), not the
    settings file or line that named it (a sweep's base: does)."""
    for path in paths:
        if settings_file is not None and not Path(path).exists():
            raise ScenarioError(f"{what} '{path}' not found (paths here are read from the settings file's folder)",
                                file=str(settings_file), key=_file_key(settings_file, key))
    return paths


@contextmanager
def _at_lines(settings_file: Optional[Path], block: str, ranges: dict, source: str):
    """Mistakes in a settings file's ``block`` (vary, uncertain, fit) with the line of
    their key, as the file's other mistakes have: docs/decide.md promises the line, and
    'program.incentive.refrrer_reward: no key ...' named none."""
    try:
        yield
    except ScenarioError as error:
        if settings_file is not None and error.file == source == str(settings_file) and error.key in (ranges or {}):
            from .scenario_io import key_at

            error.key = key_at(error.key, [block, error.key], Path(settings_file).read_text(encoding="utf-8"))
        raise


@contextmanager
def _resumable(target: Path, kind: str, named: bool):
    """The finished runs of a ``kind`` study writing the results folder ``target``, kept
    beside it (run_cache.kept_runs) until the folder is written: an interrupted study is
    told where they are and how to resume, and a resumed one reads them back."""
    from .lifecycle import stop_asked
    from .report.text import counted
    from .run_cache import kept_runs

    with kept_runs(target) as cache:
        if len(cache):
            # those this study asks for: a rerun with other settings reuses only the runs both share
            out.print(f"resuming: {counted(len(cache), 'finished run')} kept by an earlier study into {target} that "
                      f"did not finish; "
                      f"those this {kind} asks for are read back, not run again", markup=False)
        if cache.other_code:
            out.print(f"note: {counted(cache.other_code, 'kept run')} of another version of refsim "
                      f"{'run' if cache.other_code > 1 else 'runs'} again", markup=False)
        try:
            yield cache
        except (KeyboardInterrupt, Exception) as stop:
            # a stop raised inside a library's callback can come out as another error (stop_asked)
            if not isinstance(stop, KeyboardInterrupt) and (stop := stop_asked()) is None:
                raise
            cache.flush()
            how = "rerun the same command" + ("" if named else f" with --out {target}")
            # with no run finished, nothing is kept (run_cache.kept_runs removes the empty folder)
            err.print(f"interrupted: {counted(len(cache), 'finished run')} {'are' if len(cache) != 1 else 'is'} kept in "
                      f"{cache.path}; {how} to resume" if len(cache) else "interrupted before any run finished",
                      markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None


def _study_seed(cache, given: int | None) -> int:
    """The seed of a sensitivity or calibration (run_cache.RunCache.study_seed): one given,
    else the one an interrupted study into the same --out drew, said so (a fresh draw
    reused none of its kept runs while the console said they were read back)."""
    seed, resumed = cache.study_seed(given)
    if resumed:
        out.print(f"  the unfinished study's drawn seed, {seed}, is used again (give --seed for another)",
                  markup=False)
    return seed


def _seed(seed: Optional[int], settings, base) -> int | None:
    from .decide_settings import pick
    from .limits import check_options

    check_options(seed=seed)   # -1 was a traceback after the bar; 2**64 ran, and `refsim run --seed` refused its replay
    chosen = pick(seed, settings.seed)
    return chosen if chosen is not None else base.seed


class _Advance:
    """A progress callback made before its bar exists, so that every check (the executor
    included) runs before a bar is drawn and a mistake stays one line."""

    def __init__(self):
        self.bar, self.task = None, None

    def to(self, bar, task) -> None:
        self.bar, self.task = bar, task

    def __call__(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def retotal(self, total: int) -> None:
        """The work was planned again (sensitivity, once Morris has screened): the bar
        counts to the new total."""
        if self.bar is not None:
            self.bar.update(self.task, total=total)

    def done(self) -> None:
        """The work ended before the total (an upper bound) was reached: the bar ends at
        what was done, not part-way ('283/1530' read as a fit cut short)."""
        if self.bar is not None:
            self.bar.update(self.task, total=next(t.completed for t in self.bar.tasks if t.id == self.task))


def _origin(flag_values, settings_file: Optional[Path], key: str, flag: str) -> str:
    """Where a value came from, for its error line: the flag when given, else the
    settings file's key (a mistake in the file was blamed on a flag never typed)."""
    return flag if flag_values not in (None, [], ()) or settings_file is None else \
        f"{settings_file}: {_file_key(settings_file, key)}"


def _at_least(value: Optional[int], flag: str, least: int = 1) -> None:
    if value is not None and value < least:
        raise ScenarioError(f"must be at least {least} (got {value})", key=flag)


#: The most simulations one study may plan, as a sweep's points (sweep_spec.MAX_POINTS): a typo's extra zeros
#: (--samples 17179869184) met SALib allocating 256 GiB, in a traceback, and --trials 99999999999999999 started.
MOST_STUDY_RUNS = 10_000_000


def _runs_at_most(planned: float, flag: str, runs_at: Callable[[int], float], value: int, least: int,
                  powers_of_two: bool = False) -> None:
    """Refuse, in one line, a study planning more than MOST_STUDY_RUNS simulations
    (``planned``), with the largest ``flag`` value from ``least`` to ``value`` whose study
    would not (``runs_at``), where one would; a power of two for ``powers_of_two``."""
    if not planned > MOST_STUDY_RUNS:
        return
    fits = None
    if powers_of_two:
        candidate = 1 << (max(value, 1).bit_length() - 1)
        while candidate >= least and fits is None:
            fits = candidate if runs_at(candidate) <= MOST_STUDY_RUNS else None
            candidate //= 2
    elif runs_at(least) <= MOST_STUDY_RUNS:
        low, high = least, value   # runs_at(low) fits, runs_at(high) does not
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if runs_at(middle) <= MOST_STUDY_RUNS else (low, middle)
        fits = low
    planned_text = f"{planned:,.0f}" if planned < 1e18 else f"about {planned:.1e}"
    raise ScenarioError(f"the study would plan up to {planned_text} simulations, more than the {MOST_STUDY_RUNS:,} a study may "
                        f"plan; " + (f"would fit: {fits:,}" if fits is not None else
                                     f"no {flag} does at the study's other counts (its replicates): lower them too"),
                        key=flag)


# --------------------------------------------------------------------------- optimize


@app.command()
@user_errors
@_settings_sets
def optimize(
    scenario: Optional[Path] = typer.Argument(None, metavar="SCENARIO", help="Base scenario YAML (or 'scenario:' in --settings)."),
    vary: list[str] = typer.Option([], "--vary", metavar="KEY=RANGE", help="A key to search and its range: KEY=LO:HI, KEY=LO:HI:log, KEY=a,b,c, or a bare categorical KEY such as program.timing.kind. Repeatable; list items by index (program.channels.0.extra_invites)."),
    objective: list[str] = typer.Option([], "--objective", metavar="METRIC[:max|:min]", help="Metric to optimise, METRIC[:max|:min] (default: incremental_value; costs are minimised). Give two for a Pareto front (NSGA-II)."),
    constraint: list[str] = typer.Option([], "--constraint", metavar="METRIC<=VALUE", help="METRIC<=VALUE or METRIC>=VALUE on the mean over replicates, e.g. 'reward_cost<=50000' (quoted: the shell reads < and > as redirections). Repeatable."),
    trials: Optional[int] = typer.Option(None, "--trials", help="Designs to try (default 50). Rerunning with more extends a finished study."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Replicates of every trial on the first rung (default 4); promising trials get more, up to max_replicates (16)."),
    seed: Optional[int] = typer.Option(None, "--seed", help=SEED_HELP),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Study folder. Default: results/optimize-<settings or scenario file name>/; rerunning the same command resumes there."),
    force: bool = typer.Option(False, "--force", help="Start over in a folder that holds a different (or the same) optimisation."),
    settings_file: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=FILE_WORKERS_HELP.format(file="--settings file")),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + EXECUTOR_DEFAULT),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
):
    """Search for the design that maximises an objective under constraints (optuna).

    Every trial runs on the same replicate seeds (common random numbers);
    successive halving gives promising trials more replicates, and the winner is
    re-run on fresh seeds. Writes trials.csv, confirmation.csv, best.yaml (run it
    with `refsim run`), a convergence or Pareto plot, report.md and manifest.json.
    The optuna study lives in the folder: after Ctrl-C, rerun the same command to
    resume.

    Example: refsim optimize scenarios/default.yaml --vary program.incentive.referrer_reward=0:60
    --objective cumulative_profit --constraint 'reward_cost<=50000' --trials 60
    """
    from .decide_settings import load_settings, pick, range_texts
    from .optimize import (check_constraints_together, check_objectives, check_vary, design_count, optimize as run_optimize, parse_constraint, spend_alone_note,
                           parse_objective, trial_count, trials_planned)
    from .parameters import parse_parameters
    from .report.optimize import write_optimize
    from .results import StudyLock, input_digests, open_study, scenario_files, seed_pinned, study_folder

    started = dt.datetime.now()
    _at_least(trials, "--trials")
    _at_least(replicates, "--replicates")
    settings = load_settings(settings_file, "optimize")
    base, path = _scenario(scenario, settings, sets, settings_file)
    source = str(settings_file) if settings_file is not None and not vary else "--vary"
    with _at_lines(settings_file, "vary", settings.vary, source):
        parameters = parse_parameters(pick(vary, range_texts(settings.vary)), base, source=source)
        check_vary(parameters, source=source)
    _check_sets_unvaried(list(pick(sets, settings.set)), parameters, "--vary", sets, settings_file, vary)
    objective_texts = pick(objective, [settings.objective] if isinstance(settings.objective, str) else settings.objective)
    where = _origin(objective, settings_file, "objective", "--objective")
    objectives = [parse_objective(t, source=where) for t in (objective_texts or ["incremental_value"])]
    check_objectives(objectives, source=where)
    where = _origin(constraint, settings_file, "constraints", "--constraint")
    constraints = [parse_constraint(t, source=where) for t in pick(constraint, settings.constraints)]
    check_constraints_together(constraints, source=where)
    from .evaluation import check_defined, check_reachable

    # a metric undefined in every run (infinite equity; a ratio of a design without a program): every trial failed
    check_defined([base], [o.metric for o in objectives], [p.key for p in parameters], names=[str(path)],
                  source=_origin(objective, settings_file, "objective", "--objective"))
    check_defined([base], [c.metric for c in constraints], [p.key for p in parameters], names=[str(path)], source=where)
    check_reachable([base], constraints, [p.key for p in parameters], names=[str(path)], source=where)
    study_settings = _optimize_settings(settings, trials, replicates)

    def planned(settings) -> int:
        # at most: every trial up to the top rung (a study of few designs runs each there), and each candidate re-run
        # on fresh seeds (trials x first-rung replicates was counted, where 4 trials ran 16 replicates each)
        return (trial_count(settings, parameters) * settings.max_replicates
                + settings.confirm_tries * settings.confirm_replicates)

    _runs_at_most(planned(study_settings), _origin(trials, settings_file, "trials", "--trials"),
                  lambda n: planned(replace(study_settings, trials=n)), study_settings.trials, 1)
    # the notes once every check of the command line has passed: a note, then a refusal, made two lines
    lever_notes = set_lever_notes([path], [base.name], list(pick(sets, settings.set)), _set_via(sets))   # a --set bringing a lever in
    if note := spend_alone_note(objectives, constraints):
        out.print(f"note: {note}", markup=False)
    reruns = _Advance()   # counts the fresh-seed re-runs run by run, once their bar exists
    evaluate, executor, workers = _evaluator(settings, workers, executor, scheduler, progress=reruns,
                                           settings_file=settings_file)
    folder = Path(pick(out_dir, settings.out) or study_folder("optimize", settings_file or path))
    given_seed = _seed(seed, settings, base)
    # the fingerprint leaves out the number of trials (more trials extend a study) and a
    # drawn seed (the stored one is reused on resume)
    identity = {"scenario": base.model_dump(mode="json"), "vary": [p.describe() for p in parameters],
                "objectives": [asdict(o) for o in objectives], "constraints": [str(c) for c in constraints],
                "seed": given_seed, "settings": {k: v for k, v in asdict(study_settings).items() if k != "trials"}}
    inputs = input_digests(scenario_files(base))  # an edge list changed between a kill and the resume is refused
    if inputs:
        identity["inputs"] = inputs
    from .kernel import engine_part

    identity.update(engine_part())   # its runs draw otherwise: a resume under the other setting mixed the two paths
    def digest(value) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()

    fingerprint = digest(identity)
    # part by part, so that a refusal names what differs ('its optimize file or base scenario has changed' was said
    # when only --constraint had)
    names = {"scenario": "base scenario or --set", "vary": "--vary list", "objectives": "--objective list",
             "constraints": "--constraint list", "seed": "seed", "settings": "search settings",
             "inputs": "files the runs read", "engine": "REFSIM_ENGINE"}
    parts = {names[key]: value if key == "seed" and isinstance(value, int) else digest(value) for key, value in identity.items()}
    # and as a reader would write them, so that the refusal can say how ('its search settings differ' named no value)
    shown = {names["vary"]: identity["vary"], names["constraints"]: identity["constraints"],
             names["objectives"]: [f"{o.metric}:{o.direction.removesuffix('imize')}" for o in objectives],
             names["settings"]: identity["settings"]}
    from .outpath import check_out_path
    from .rng import draw_seed

    # a file, or a path under one: "cannot write results here (File exists); free some space" was said
    from .optimize import optimize_output

    check_out_path(folder, existing_ok=True, key=_origin(out_dir, settings_file, "out", "--out"), owns=optimize_output)
    _check_engine(_probes([base], parameters))   # REFSIM_ENGINE=kernel where it cannot run: before the study
    _check_study_memory([base], parameters, evaluate, str(path))
    with StudyLock(folder, "optimize"):
        def pinned(state: dict) -> dict | None:
            # the seed the folder drew, now given (--seed, seed: in the settings file, or written into the base
            # scenario, which the folder's study ran without), or such a pin dropped
            bases = [{**identity["scenario"], "seed": written} for written in (base.seed, None, state.get("optimize_seed"))]
            return seed_pinned(state, "optimize", given_seed, given_seed,
                               lambda other: {} if any(digest({**identity, "scenario": scenario, "seed": other})
                                                       == state.get("fingerprint") for scenario in bases) else None)

        state = open_study(folder, kind="optimize", fingerprint=fingerprint,
                           seed=given_seed if given_seed is not None else draw_seed(), force=force, inputs=inputs,
                           accepts=pinned, ours=optimize_output,
                           # the base as resolved, so that a refusal after it was edited names the keys that changed
                           extra={"parts": parts, "parts_shown": shown, "base_resolved": base.model_dump(mode="json")})
        study_seed = int(state["optimize_seed"])
        total = trials_planned(study_settings, parameters, folder)
        if trial_count(study_settings, parameters) < study_settings.trials:
            designs = design_count(parameters)
            extra = total - designs
            repeats = (f" ({extra} stored trial{'s' if extra > 1 else ''} repeat{'' if extra > 1 else 's'} one)"
                       if extra > 0 else "")
            out.print(f"{total} trials: every key takes a few values and there are {designs} designs{repeats}; "
                      f"more would repeat them on the same seeds", markup=False)
        done = _trials_done(folder)
        if done > total:   # '32 of 20 trials already done' read as a count gone wrong
            out.print(f"{folder} already holds {done} trials, more than the {total} asked for: none is added, and the "
                      f"report and its winner draw on all {done} (a new --out folder starts a study of {total})",
                      markup=False)
        elif done:
            out.print(f"resuming {folder}: {done} of {total} trials already done", markup=False)
        from .optimize import extended_mid_batch

        stopped = extended_mid_batch(folder, study_settings, total)
        if stopped is not None:
            batch = study_settings.batch
            out.print(f"note: the study ended part-way through a batch of {batch} (at {stopped} trials), so the trials "
                      f"from {stopped} on may not be those one run of {study_settings.trials} would make (it asks each "
                      f"batch of {batch} together); a study extended from a multiple of {batch} trials matches one run",
                      markup=False)
        total = max(total, done)
        with progress_bar(total, f"optimize {base.name}") as bar:
            task = bar.add_task("trials", total=total, completed=done, rate="")

            def rerunning(runs: int) -> None:
                # a line of its own below the trials' (which sat full at 'left 0:00:00' through the re-runs)
                reruns.to(bar, bar.add_task("re-runs", total=runs, rate="",
                                            label=f"fresh-seed re-runs of {base.name}"))   # what differs first: a name is cut

            from .lifecycle import stop_asked
            from .report.text import counted
            from .run_cache import kept_runs

            try:
                # the runs of a batch or of a candidate's fresh-seed re-runs stopped part-way are kept beside the
                # folder (run_cache): the study's database keeps only whole trials, and they ran again from the start
                with kept_runs(folder) as evaluate.cache:
                    evaluate.cache.hold(inputs)   # a run finished after the edge list changed stops the study
                    if len(evaluate.cache):   # as sensitivity and calibrate say theirs
                        out.print(f"  {counted(len(evaluate.cache), 'finished run')} kept by the interrupted study; "
                                  f"those it asks for again are read back, not run again", markup=False)
                    result = run_optimize(base, parameters, objectives=objectives, constraints=constraints,
                                          settings=study_settings, seed=study_seed, folder=folder, evaluate=evaluate,
                                          progress=lambda k: bar.advance(task, k), on_rerun=rerunning)
                reruns.done()   # one objective stops at the first candidate keeping the constraints
            except (KeyboardInterrupt, Exception) as stop:   # Ctrl-C or SIGTERM: 130 or 143, as sensitivity, calibrate
                # a stop raised inside a library's callback (optuna's, a pool's) can come out as another error: the
                # bare 'interrupted' of user_errors was printed once, without the counts and how to resume
                if not isinstance(stop, KeyboardInterrupt) and (stop := stop_asked()) is None:
                    raise
                # counted, and the runs' folder named, as sensitivity and calibrate say theirs
                told = _trials_done(folder)
                # the bar ends at that count: a stop after a batch was told, before the bar heard of it, left
                # '24/60' above '26 finished trials are saved'
                bar.update(task, completed=told)
                bar.stop()
                kept = len(evaluate.cache) if evaluate.cache is not None else 0
                runs = f" and {counted(kept, 'finished run')} in {evaluate.cache.path}" if kept else ""
                err.print(f"interrupted: {counted(told, 'finished trial')} {'are' if told != 1 else 'is'} saved in "
                          f"{folder}/optuna.sqlite3{runs}; rerun the same command to resume", markup=False)
                # the line says it all: re-raised, user_errors printed a second, bare "interrupted"
                raise typer.Exit(_interrupt_exit(stop)) from None

        try:
            write_optimize(result, folder, base=base, parameters=parameters, settings=study_settings,
                           started=dt.datetime.fromisoformat(state["started"]) if "started" in state else started,
                           command=_typed_again(study_seed if given_seed is None else None),
                           extra={"executor": executor, "workers": workers,
                                  # a resumed study's files are the uninterrupted one's; this says it resumed
                                  "runs_read_back": evaluate.cache.read_back},
                           sets=list(pick(sets, settings.set)), set_notes=lever_notes, set_via=_set_via(sets),
                           inputs=inputs)
        except (KeyboardInterrupt, Exception) as stop:
            # a stop raised inside matplotlib's drawing can come out as another error (stop_asked), as sweep's
            if not isinstance(stop, KeyboardInterrupt) and (stop := stop_asked()) is None:
                raise
            told = _trials_done(folder)   # a bare "interrupted" was all it said, over a folder of mixed outputs
            err.print(f"interrupted while writing the tables and plots: {counted(told, 'finished trial')} "
                      f"{'are' if told != 1 else 'is'} saved in {folder}/optuna.sqlite3; rerun the same command to "
                      f"write them", markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None
    _print_best(result, parameters, base, study_settings)
    # best.yaml only where there is a best (write_optimize writes none where no trial completed)
    written = "report.md, trials.csv, best.yaml, plot" if result.best_scenario is not None else "report.md, trials.csv, plot"
    out.print(f"results: {folder}/  ({written})", markup=False)
    if result.best is None:   # no answer: a script went on as if one had been found (exit 0)
        raise typer.Exit(1)


def _optimize_settings(settings, trials, replicates):
    from .optimize import OptimizeSettings

    chosen = {f.name: getattr(settings, f.name) for f in fields(OptimizeSettings) if getattr(settings, f.name, None) is not None}
    if trials is not None:
        chosen["trials"] = trials
    if replicates is not None:
        chosen["replicates"] = replicates
    return replace(OptimizeSettings(), **chosen)   # a top below the first rung is raised to it


def _trials_done(folder: Path) -> int:
    from .optimize import trials_told

    return trials_told(folder)


def values_text(values: dict) -> str:
    """'key=value, ...' with floats to four significant digits, never in exponent form
    (a budget of 46,195 read 4.62e+04)."""
    from .parameters import choice_text

    return ", ".join(f"{k}={v:.0f}" if isinstance(v, float) and abs(v) >= 1000 else f"{k}={v:.4g}"
                     if isinstance(v, float) else f"{k}={choice_text(v)}" for k, v in values.items())


def _check_sets_unvaried(items: list[str], parameters, flag: str, sets: list[str], settings_file: Optional[Path],
                         given: list[str] = ()) -> None:
    """Refuse a --set (or a settings file's ``set:`` item) of a key the study varies
    (``flag``: --vary, --uncertain, --fit), or of a key inside one: every run sets the
    study's value over it. `optimize --vary program.incentive.referrer_reward=0:40 --set
    program.incentive.referrer_reward=5` ran the whole range, under a report.md saying the
    reward was set to 5; a sweep refused it."""
    # the ranges came from the flags where any was given (they replace the file's), else from the settings file
    ranged = flag if given or settings_file is None else f"the file's {flag.lstrip('-')}:"
    for item in items:
        key = item.partition("=")[0].strip()
        varied = next((p.key for p in parameters if key == p.key or key.startswith(p.key + ".")
                       or _block_sets(item, key, p.key)), None)
        if varied is not None:
            where = "--set" if sets or settings_file is None else f"{settings_file}: {_file_key(settings_file, 'set')}"
            this = "this --set" if sets or settings_file is None else "this item"
            raise ScenarioError(f"the study varies {varied} ({ranged}), so {this} would be overwritten in every run; "
                                f"drop it, or give {ranged} the range you mean", file=where, key=item)


def _set_key(item: str) -> str:
    return str(item).partition("=")[0].strip()


def _tornado_centres(items: list[str], parameters, sets: list[str], settings_file: Optional[Path]) -> list[str]:
    """The --set items (or the settings file's ``set:`` items) that give an uncertain key
    itself a value: sensitivity takes each as the tornado's centre, where every other
    assumption is held while one moves, in every design that has the key (Morris and
    Sobol draw the key over its range in every run all the same). calibrate's printed
    command compared calibrated.yaml with a design at its own file's value of each fitted
    key: two worlds at the centre, and a tornado disagreement no replicate count removes.
    A centre outside the range is refused, naming the range."""
    import yaml

    centres = []
    for item in items:
        parameter = next((p for p in parameters if p.key == _set_key(item)), None)
        if parameter is None:
            continue
        where = "--set" if sets or settings_file is None else f"{settings_file}: {_file_key(settings_file, 'set')}"
        try:
            value = yaml.safe_load(str(item).partition("=")[2])
        except yaml.YAMLError:
            value = str(item).partition("=")[2]
        if parameter.kind == "categorical":
            inside = str(value) in {str(choice) for choice in parameter.choices}
        else:
            room = 1e-9 * max(abs(parameter.high), abs(parameter.low), 1.0)
            inside = (isinstance(value, (int, float)) and not isinstance(value, bool)
                      and parameter.low - room <= value <= parameter.high + room)
        if not inside:
            given = "a --set" if where == "--set" else "a set: entry"
            raise ScenarioError(f"sensitivity varies {parameter.describe()}, and {given} of it places the tornado's "
                                f"centre, which must lie in that range", file=where, key=item)
        centres.append(item)
    return centres


def centres_notes(centres: list[str], designs: list, varied: list[str] = ()) -> list[str]:
    """What report.md and the console say of the --set items that place the tornado's
    centre (_tornado_centres), naming the designs that read the key where not all do
    (parameters.reads, ``varied`` the study's keys: a design without a program has the
    share rate but does not read it, and was said to hold it)."""
    from .parameters import reads

    notes = []
    for item in centres:
        having = [design.name for design in designs if reads(design, _set_key(item), varied)]
        if not having:   # 'in  (the designs that read it)' was said of a credit share beside cash designs
            notes.append(f"`{item}` would be the tornado's centre, but no design here reads {_set_key(item)}: it "
                         f"moves nothing")
            continue
        within = "every design" if len(having) == len(designs) else ", ".join(having) + " (the designs that read it)"
        notes.append(f"`{item}` is the tornado's centre: each other assumption moves alone with {_set_key(item)} held "
                     f"there, in {within} (Morris and Sobol draw it over its range)")
    for note in notes:
        err.print(f"note: {note.replace('`', '')}", markup=False)
    return notes


def _block_sets(item: str, key: str, varied: str) -> bool:
    """Whether a --set of the block ``key`` (``item``: 'key=VALUE', VALUE a YAML mapping)
    gives the varied key inside it a value: `--set 'program.cost_shares={credit: 0.5}'`
    beside `--uncertain program.cost_shares.credit=0.2:1` passed the check above, and its
    0.5 became the tornado's centre unsaid."""
    import yaml

    if not varied.startswith(key + "."):
        return False
    try:
        node = yaml.safe_load(item.partition("=")[2])
    except yaml.YAMLError:
        return False   # the --set's own parsing says what is wrong with it
    for part in varied[len(key) + 1:].split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _set_via(sets: list[str]) -> str:
    """Where a study's overrides came from, as its report.md names them: --set on the
    command line wins over the settings file's ``set:`` (pick), which was reported as
    '--set'."""
    return "--set" if sets else "the settings file's `set:`"


def _told_apart(base, others: list, paths: list) -> tuple:
    """The designs with a repeated name told apart by their files' names, as compare tells
    them (compare.unique_names): sensitivity numbered them, 'single-sided-cash (1) best
    at 63% of the points', and no line said which file was which."""
    if not others:
        return base, others
    from .compare import unique_names
    from .outpath import printable

    base, *others = unique_names([base, *others], [printable(Path(p).stem) for p in paths])
    return base, others


def _check_study_memory(designs, parameters, evaluate, source: str) -> None:
    """limits.check_memory for a study's runs, before any: its designs at every end of
    each range (the largest population a study can reach), one at a time on each of its
    workers. run, compare and sweep refused a 30,000,000-person world in one line; the
    decision commands started it and sat at 0/22 until the system ran out of memory."""
    from .limits import check_memory

    check_memory(_probes(designs, parameters), replicates=1, workers=evaluate.workers, executor=evaluate.executor,
                 remote=bool(evaluate.scheduler), collect=False, source=source)


def _probes(designs, parameters) -> list:
    """parameters.engine_probes, imported when a command runs (the module reads pandas)."""
    from .parameters import engine_probes

    return engine_probes(designs, parameters)


def failed_trials_note(trials) -> str:
    """'3 of 8 trials failed (the first, trial 0: ...); ...' where some did: report.md's
    count was the only word (a reward and a budget varied together made designs whose
    budget is below one referral's rewards, each end of each range valid alone)."""
    if trials is None or not len(trials) or "state" not in trials.columns:
        return ""
    failed = trials[trials["state"] == "FAIL"]
    if not len(failed):
        return ""
    first = failed.iloc[0]
    error = str(first.get("error", "") or "").strip()
    return (f"{len(failed)} of {len(trials)} trials failed (the first, trial {int(first['trial'])}"
            + (f": {error}" if error else "") + "); they are no candidates, and trials.csv gives each one's error")


def _print_best(result, parameters, base=None, settings=None) -> None:
    from .optimize import chosen_rows, confirmation_runs, winner_rows
    from .report import fmt
    from .report.text import span_text
    from .report.optimize import (_value, budget_bound_note, weighed_on, ahead_trials, close_choices, close_trials, empty_front_note, front_close, FRONT_CLOSE_ADVICE, range_edge_note, spend_cap_note, tie_note, unbinding_note,
                                  untried_choices, untried_end_note)

    if result.best is None:
        out.print("no trial completed; see the error column of trials.csv", markup=False)
        return
    out.print(f"best (trial {result.best_trial}): {values_text(result.best)}", markup=False)
    from .report.text import flagged_fit_notes

    for note in flagged_fit_notes([base] if base is not None else []):   # compare said it; optimize crowned in silence
        out.print(f"  warning: {note.replace('`', '')}", markup=False)
    if failed := failed_trials_note(result.trials):
        out.print(f"  note: {failed}", markup=False)
    from .report.optimize import unused_keys_note

    if unused := unused_keys_note(result):
        out.print(f"  note: {unused.replace('`', '')}", markup=False)
    table = winner_rows(result.confirmation, result.best_trial)
    runs = confirmation_runs(table)   # the runs made: a payback that never came in some is not defined there
    candidates = chosen_rows(result.confirmation)["trial"].nunique()
    if candidates > 1:
        out.print(f"  chosen among {candidates} candidates re-run on the same fresh seeds; the figures below are from "
                  f"{runs} further seeds none was chosen on", markup=False)
    for row in table.to_dict("records"):
        # a budget's day is counted where it happened: '(0 fresh seeds)' read as if none had run
        seeds = (f"ran out in {row['n']} of {runs} fresh seeds" if row["metric"] == "budget_exhausted_day"
                 else f"paid back in {row['n']} of {runs} fresh seeds" if row["metric"] == "payback_day"
                 else f"defined in {row['n']} of {runs} fresh seeds" if row["n"] < runs
                 else f"{row['n']} fresh seeds")
        spread = span_text(row["ci_low"], row["ci_high"])   # one run, or none: no interval, not '95% CI – – –'
        out.print(f"  {row['metric']:<22} {fmt(row['mean']):>12}   "
                  + (f"95% CI {spread}" if spread != "–" else "no interval") + f"  ({seeds})", markup=False)
    from .report.optimize import fresh_seed_lines, broken_on_further_seeds, judged_day_notes, on_the_mean_text, no_program_beats_note, random_start_note

    for line in fresh_seed_lines(result, table):   # a day's mean on the search's count, the winner's curse: as report.md
        if line:
            out.print(f"  note: {line.replace('`', '')}", markup=False)

    if worse := no_program_beats_note(result):
        out.print(f"  warning: {worse.replace('`', '')}", markup=False)
    if settings is not None and (start := random_start_note(result, settings, parameters)):
        out.print(f"  note: {start.replace('`', '')}", markup=False)
    for judged in judged_day_notes(result):   # a day's constraint is judged on all runs, the line above on some
        out.print(f"  note: {judged.replace('`', '')}", markup=False)
    if result.constraints and not result.feasible:
        out.print("  warning: no candidate kept every constraint on fresh seeds (see report.md)", markup=False)
    elif broken := broken_on_further_seeds(result):
        out.print(f"  warning: the winner breaks {', '.join(broken)} on the further seeds above, though it kept "
                  f"{'it' if len(broken) == 1 else 'them'} on those it was chosen on: it sits at the edge; compare it "
                  f"with the runner-up before launching (see report.md)", markup=False)
    elif on_mean := on_the_mean_text(result):   # report.md's table said 'on the mean only', its headline 'keeps'
        out.print(f"  note: the winner keeps the constraints on the mean of its fresh seeds only: "
                  f"{on_mean.removeprefix(' On the mean only: ').replace('`', '')}", markup=False)
    if edge := range_edge_note(result, parameters, base):
        out.print(f"  note: {edge.replace('`', '')}", markup=False)
    if untried := untried_end_note(result, parameters):
        out.print(f"  note: {untried.replace('`', '')}", markup=False)
    if base is not None:
        from .report.text import (kind_default_notes, study_default_notes, study_world_note, unpriced_size_note,
                                  varied_degree_note)

        for note in (*study_default_notes(base, [p.key for p in parameters]), *kind_default_notes(base, parameters),
                     varied_degree_note(base, parameters),
                     study_world_note([p.key for p in parameters], base=base), unpriced_size_note([p.key for p in parameters])):
            if not note:
                continue
            out.print(f"  note: {note.replace('`', '')}", markup=False)
    for note in (tie_note(result), spend_cap_note(result), budget_bound_note(result), unbinding_note(result),
                 empty_front_note(result)):
        if note:   # report.md's markdown: the console prints no backticks
            out.print(f"  note: {note.replace('`', '')}", markup=False)
    close, better = close_choices(result, parameters)
    if near := close_trials(result, parameters):
        out.print(f"  note: the winner is not told apart at 95% from leading trials, {weighed_on(result)}: "
                  f"{'; '.join(near)}; run them side by side with refsim compare and more replicates before choosing",
                  markup=False)
    if ahead_of := ahead_trials(result, parameters):   # on its fresh seeds a leading trial can do better
        out.print(f"  note: leading trials ahead of the winner at 95% {weighed_on(result)}: {'; '.join(ahead_of)}; "
                  f"compare them with refsim compare before launching the winner", markup=False)
    if front := front_close(result, parameters):   # two objectives: the first one's best, unsaid beside a cheaper peer
        out.print(f"  note: the winner, the Pareto front's best on {result.objectives[0].metric}, is not told apart on "
                  f"it at 95% from: {'; '.join(front)}; {FRONT_CLOSE_ADVICE}", markup=False)
    if close:
        out.print(f"  note: not told apart from the winner at 95% {weighed_on(result)}: {'; '.join(close)}; run "
                  f"them side by side with refsim compare and more replicates before choosing", markup=False)
    if better:
        out.print(f"  note: ahead of the winner at 95% {weighed_on(result)}, keeping the constraints on the search's "
                  f"replicates: "
                  f"{'; '.join(better)}; compare them with refsim compare before launching the winner", markup=False)
    for key, choices in untried_choices(result.trials, parameters).items():
        out.print(f"  warning: {key} = {', '.join(map(_value, choices))} never tried in {len(result.trials)} trials: "
                  f"add trials or compare the choices (see report.md)", markup=False)


# --------------------------------------------------------------------------- sensitivity


@app.command()
@user_errors
@_settings_sets
def sensitivity(
    scenario: Optional[Path] = typer.Argument(None, metavar="SCENARIO", help="Scenario YAML (or 'scenario:' in --settings)."),
    designs: list[Path] = typer.Argument(None, metavar="DESIGNS", help="More designs (scenario YAML files) to decide between; the decision analysis runs with two or more."),
    uncertain: list[str] = typer.Option([], "--uncertain", metavar="KEY=RANGE", help="An assumption and its plausible range: KEY=LO:HI, KEY=LO:HI:log or KEY=a,b,c. Repeatable. A key some designs lack (a milestone's program.timing.reach_share) moves the designs that have it."),
    metric: list[str] = typer.Option([], "--metric", metavar="METRIC", help="Metric to analyse (repeatable; default: incremental_value). The first one decides between designs."),
    constraint: list[str] = typer.Option([], "--constraint", metavar="METRIC<=VALUE", help="A limit a design must keep, e.g. 'reward_cost<=50000' (quoted for the shell): the report says at what share of the points each design breaks it, and where worst. Repeatable."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Sobol base sample, a power of two (default 64): samples x (assumptions + 2) x designs x replicates runs, besides the Morris screening's trajectories x (assumptions + 1) and the tornado's (the progress bar counts them all)."),
    trajectories: Optional[int] = typer.Option(None, "--trajectories", help="Morris trajectories (default 10)."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Replicates averaged at every point, on the same seeds for every point (default 1)."),
    tornado_replicates: Optional[int] = typer.Option(None, "--tornado-replicates", help="Replicates averaged at each end of the tornado, one assumption at a time (default: the scenario's replicates; never fewer than --replicates)."),
    seed: Optional[int] = typer.Option(None, "--seed", help=SEED_HELP),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP + " Applies to every design."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder to create (must not exist or be empty). Default: a new timestamped folder under results/. An interrupted study keeps its finished runs in .NAME.runs/ beside it: rerun with the same --out to resume."),
    settings_file: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=FILE_WORKERS_HELP.format(file="--settings file")),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + EXECUTOR_DEFAULT),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
):
    """Which uncertain assumptions move the outcome, and does the decision survive them (SALib).

    Morris screening, then Sobol first-order and total indices, and a tornado of
    each assumption alone at each end. With two or more designs: the probability
    each is best, its expected regret, and which assumptions flip the ranking.
    Writes morris.csv, sobol.csv, tornado.csv, points.csv, tornado.png, sobol.png,
    report.md and manifest.json; with two or more designs also decision.csv,
    flips.csv and conditional.csv (the best design within each part of each range, or at each choice),
    and corner.csv (each design with every assumption at once at its end least favourable to the leader);
    with --constraint also constraints.csv (the share of the points where each design breaks each constraint).

    Example: refsim sensitivity scenarios/single-sided-cash.yaml scenarios/double-sided-credit.yaml
    --uncertain word_of_mouth.spontaneous_rate=0.001:0.01 --metric cumulative_profit
    """
    from .decide_settings import load_settings, pick, range_texts
    from .parameters import check_designs_pair, parse_across
    from .report.sensitivity import write_sensitivity
    from .results import check_out_dir, new_results_dir
    from .scenario_io import load_scenario
    from .evaluation import check_metric
    from .sensitivity import (ABOVE_ONE, IMPRECISE, SensitivitySettings, check_settings, check_uncertain, decision_drivers, design_names, lead_immaterial, lead_range_text, planned_runs,
                              sensitivity as run_sensitivity, tornado_disagreements, tornado_replicates as tornado_runs, files_outside)

    started = dt.datetime.now()
    # the least sensitivity.check_settings takes ("at least 1", then "at least 2" for 1)
    for value, flag, least in ((samples, "--samples", 2), (trajectories, "--trajectories", 2), (replicates, "--replicates", 1)):
        _at_least(value, flag, least)
    settings = load_settings(settings_file, "sensitivity")
    overrides = pick(sets, settings.set)
    texts = pick(uncertain, range_texts(settings.uncertain))
    # a --set of an uncertain key itself is the tornado's centre, applied (below) to the designs that have the key:
    # given to every design, a key of some designs only stopped the others' loading ("not of kind 'single_sided'")
    centring = [item for item in overrides if _set_key(item) in {_set_key(text) for text in texts}]
    rest = [item for item in overrides if item not in centring]
    design_paths = list(designs or []) or _from_file([Path(d) for d in settings.designs], settings_file, "designs",
                                                     "design")

    def loaded(path: Path | None):
        """A design with every item where it takes them (a file valid only with its centre, base_share 1.5 set to
        0.2, was refused), else without the centres, which go below to the designs that have their keys."""
        try:
            return (_scenario(scenario, settings, sets, settings_file) if path is None
                    else (load_scenario(path, overrides), path))
        except ScenarioError:
            if not centring:
                raise
            return (_scenario(scenario, settings, sets, settings_file, held=centring) if path is None
                    else (load_scenario(path, rest), path))

    base, base_path = loaded(None)
    others = [loaded(p)[0] for p in design_paths]
    source = str(settings_file) if settings_file is not None and not uncertain else "--uncertain"
    # a key of some designs only (a milestone's reach_share) moves those designs and leaves the others as they are
    with _at_lines(settings_file, "uncertain", settings.uncertain, source):
        parameters = parse_across(texts, [base, *others], source=source)
        check_uncertain(parameters, source=source)   # before the centres: 'days is not an assumption' comes first
    centres = _tornado_centres(centring, parameters, sets, settings_file)
    if centres:
        from .parameters import applies

        base, *others = [load_scenario(path, [*rest, *(c for c in centres if applies(design, _set_key(c)))])
                         for path, design in zip([base_path, *design_paths], [base, *others])]
    base, others = _told_apart(base, others, [base_path, *design_paths])
    held = held_inputs([base, *others])   # the edge lists as validation read them (RunCache.hold)
    with _at_lines(settings_file, "uncertain", settings.uncertain, source):
        check_designs_pair([base, *others], parameters, sources=[str(base_path), *map(str, design_paths)], source=source)
    _check_sets_unvaried(rest, parameters, "--uncertain", sets, settings_file, uncertain)
    chosen = {k: v for k, v in {"samples": pick(samples, settings.samples), "trajectories": pick(trajectories, settings.trajectories),
                                "replicates": pick(replicates, settings.replicates), "levels": settings.levels,
                                "tornado_replicates": pick(tornado_replicates, settings.tornado_replicates),
                                "bins": settings.bins, "screen": settings.screen}.items() if v is not None}
    study = replace(SensitivitySettings(), **chosen)
    check_settings(study)
    # the tornado averages at least the study's replicates: the manifest records what ran, and an ask for fewer is said
    asked, ran = study.tornado_replicates, tornado_runs(study, base)
    study = replace(study, tornado_replicates=ran)
    if asked is not None and asked < ran:
        out.print(f"note: tornado_replicates {asked} raised to {ran}, the study's replicates (a tornado bar averages at "
                  f"least as many runs as each point)", markup=False)
    for name in metric or settings.metrics or []:
        check_metric(name, source=_origin(metric, settings_file, "metrics", "--metric"))
    metrics = list(dict.fromkeys(pick(metric, settings.metrics) or ["incremental_value"]))  # each once
    if settings.decision_metric is not None:   # it was checked only once the runs had started, blamed on --metric
        check_metric(settings.decision_metric, source=_origin(None, settings_file, "decision_metric", "decision_metric"))
    decision_metric = settings.decision_metric or metrics[0]
    from .sensitivity import check_decision_metric

    check_decision_metric(decision_metric, 1 + len(others),   # before the runs, as sensitivity() checks it
                          _origin(metric, settings_file, "metrics", "--metric") if settings.decision_metric is None
                          else _origin(None, settings_file, "decision_metric", "decision_metric"))
    from .optimize import check_constraints_together, parse_constraint

    where = _origin(constraint, settings_file, "constraints", "--constraint")
    constraints = [parse_constraint(t, source=where) for t in pick(constraint, settings.constraints)]
    check_constraints_together(constraints, source=where)
    design_list = [base, *others] if others else []
    from .evaluation import check_defined, check_reachable

    files, varied = [str(base_path), *map(str, design_paths)], [p.key for p in parameters]
    check_defined([base, *others], [*metrics, decision_metric], varied, names=files,
                  source=_origin(metric, settings_file, "metrics", "--metric"))
    check_defined([base, *others], [c.metric for c in constraints], varied, names=files, source=where)
    check_reachable([base, *others], constraints, varied, names=files, source=where)
    target = Path(pick(out_dir, settings.out) or new_results_dir(f"sensitivity-{base.name}"))
    check_out_dir(target, _origin(out_dir, settings_file, "out", "--out"))
    _check_engine(_probes([base, *others], parameters))
    total = planned_runs(study, base, parameters, len(design_list))
    _runs_at_most(total, _origin(samples, settings_file, "samples", "--samples"),
                  lambda n: planned_runs(replace(study, samples=n), base, parameters, len(design_list)), study.samples, 2,
                  powers_of_two=True)
    # a --set bringing a lever into designs without it (one design too: optimize's and a lone design's report said
    # only "changed with --set"); once every check has passed (a note, then a refusal, made two lines)
    lever_notes = set_lever_notes([base_path, *design_paths], design_names([base, *others]), list(overrides),
                                  _set_via(sets)) + centres_notes(centres, [base, *others], [p.key for p in parameters])
    advance = _Advance()
    evaluate, executor, workers = _evaluator(settings, workers, executor, scheduler, progress=advance,
                                           settings_file=settings_file)
    _check_study_memory([base, *others], parameters, evaluate, str(base_path))
    with _resumable(target, "sensitivity", named=pick(out_dir, settings.out) is not None) as evaluate.cache:
        evaluate.cache.hold(held)   # a run finished after the edge list changed stops the study
        given_seed = _seed(seed, settings, base)
        study_seed = _study_seed(evaluate.cache, given_seed)
        with progress_bar(total, "sensitivity " + " vs ".join(design_names(design_list or [base]))) as bar:
            advance.to(bar, bar.add_task("runs", total=total, rate=""))
            result = run_sensitivity(base, parameters, designs=design_list, metrics=metrics,
                                     decision_metric=decision_metric, settings=study, seed=study_seed,
                                     evaluate=evaluate, constraints=constraints, on_plan=advance.retotal)
        evaluate.cache.flush()   # every run on disk before the folder is written: a SIGKILL there lost up to 5 s of runs
        all_metrics = list(dict.fromkeys([*metrics, decision_metric, *(c.metric for c in constraints)]))
        folder = write_sensitivity(result, target, designs=design_list or [base], metrics=all_metrics,
                                   decision_metric=decision_metric, settings=study, started=started,
                                   command=_typed_again(study_seed if given_seed is None else None),
                                   extra={"executor": executor, "workers": workers,
                                          # a resumed study's files are the uninterrupted one's; this says it resumed
                                          "runs_read_back": evaluate.cache.read_back},
                                   sets=list(overrides), set_notes=lever_notes, set_via=_set_via(sets), inputs=held)
    if result.decision is not None:
        from .report import fmt
        from .report.sensitivity import _v, at_range_end, copy_lines, finer_than_parts, lead_interval, point_runs, told_apart

        for row in result.decision.to_dict("records"):
            out.print(f"  {row['design']:<24} best at {row['probability_best']:.0%} of the points, expected regret "
                      f"{fmt(row['expected_regret'])}", markup=False)
        for line in copy_lines(result.decision):   # a copy halved each point's best: report.md adds them up, and so here
            out.print(f"  note: {line}", markup=False)
        from .report.text import flagged_fit_notes

        for note in flagged_fit_notes(design_list or [base]):   # compare said it; sensitivity decided in silence
            out.print(f"  warning: {note.replace('`', '')}", markup=False)
        from .report.sensitivity import seeds_lead_note

        tied = bool((result.decision["expected_regret"].abs() < 1e-12).all())
        if not tied and (across := seeds_lead_note(result.flips, console=True)):   # read as sure
            out.print(f"  note: {across}", markup=False)
        from .report.compare import study_design_notes
        from .report.sensitivity import own_seed_note

        if seeds := own_seed_note(design_list, result.seed):   # a design's own seed, replaced by the study's
            out.print(f"  note: {seeds.replace('`', '')}", markup=False)
        for line in study_design_notes(design_list or [base], [p.key for p in parameters])[1]:
            out.print(f"  {line}", markup=False)
        hinges, sways = decision_drivers(result.flips)
        tie = bool((result.decision["expected_regret"].abs() < 1e-12).all())
        if tie:   # as report.md: no design ever loses to another
            out.print("  the designs tie: the same value at every point, so none is better and nothing decides between "
                      "them", markup=False)
        else:
            out.print(f"  the decision hinges on: {', '.join(hinges) or 'none of the assumptions (in no part of any range is another design ahead of the leader by more than the noise)'}",
                      markup=False)
        from .report.sensitivity import corner_note

        if not tie and (together := corner_note(result, console=True)):   # each assumption alone flipped nothing
            out.print(f"  {together}", markup=False)
        luck = float(result.flips["noise_share"].iloc[0]) if len(result.flips) else float("nan")
        if sways:
            # one run a point: the luck is not measured, and every index counts it (report.md says so too); where the
            # best design differs between parts of the range, within the noise, that is said (it read as never)
            from .sensitivity import best_shifts

            sways = [f"{p} (the best design differs in part of its range, not beyond the noise)"
                     if best_shifts(result.flips, p) else p for p in sways]
            out.print(f"  the size of the lead moves with: {', '.join(sways)}"
                      + ("" if luck == luck else " (one run a point: the runs' luck is in these indices; --replicates 2 or "
                                                 "more tells them apart)"), markup=False)
        from .report.sensitivity import moved_assumptions, moved_lead_sentence, unclear_assumptions

        moved = moved_assumptions(result, decision_metric)   # as report.md: each assumption said once
        unclear = unclear_assumptions(result, decision_metric, moved)
        if moved and not tie:   # report.md listed it as moving nothing: its tornado said otherwise
            out.print(f"  {moved_lead_sentence(moved, result.flips, console=True)}", markup=False)
        if unclear:
            out.print(f"  not told from the runs' luck at this size: {', '.join(unclear)} (raise --replicates or --samples)",
                      markup=False)
        if lead_immaterial(result.flips) and not tie:
            out.print(f"  the lead moves by {lead_range_text(result.flips)} of its mean size over "
                      f"all the points: no assumption moves it by much", markup=False)
        if luck == luck and not tie:   # measured: with two seeds a point or more (a tie has no lead to vary)
            out.print(f"  about {luck:.0%} of the lead's variance over the points may be the runs' luck", markup=False)
        disagreements = tornado_disagreements(result, decision_metric)
        if outside := files_outside(result):
            out.print(f"  note: the design files hold {', '.join(outside)} outside the range given: the tornado, moved "
                      f"from the files' values, is not read against the decision (report.md)", markup=False)
        for found in disagreements[:1]:   # the first; report.md lists every one, and the console counts the rest
            at = ("the designs as given" if found["parameter"] is None else
                  f"{found['parameter']} = {_v(found['value'])}")
            per_point, rerun = point_runs(study.replicates)
            more = len(disagreements) - 1
            there = "there" if found["parameter"] is None else "at that end of the range"
            if told_apart(found) and at_range_end(result, found):
                # more replicates cannot change a reading made on parts of the range (docs/decide.md)
                advice = (f"; {lead_interval(found)}: more than their luck, so the other design leads {there}; "
                          + finer_than_parts(found, study.bins, console=True))
            elif told_apart(found):   # the tornado's own runs tell the lead from their luck
                advice = (f"; {lead_interval(found)}: more than their luck, so the other design leads {there}; each "
                          f"point above is {per_point}: rerun with --replicates {rerun} or more to see whether the "
                          f"decision hinges there too")
            else:
                ends = ", and each end of the tornado one run" if found["replicates"] == 1 else ""
                advice = (f"; each point above is {per_point}{ends}: rerun with --replicates {rerun} or more; if the "
                          f"check then gives the lead's interval above 0, the other design leads {there}")
            out.print(f"  check: the tornado has {found['ahead']} ahead at {at} "
                      f"({fmt(found['ahead_value'])} against {fmt(found['leader_value'])})" + advice
                      + " (report.md" + (f", with {more} more" + (f" such end{'s' if more > 1 else ''}"
                                                                    if found["parameter"] is not None else
                                                                    f" at {'an end' if more == 1 else 'ends'} of ranges")
                                         if more else "") + ")", markup=False)
    else:
        top = result.sobol[result.sobol["metric"] == decision_metric].sort_values("ST", ascending=False).head(3)
        # each imprecise index marked beside its own name: after the list, the mark read as the last one's (an exact
        # 0 ± 0 named imprecise for base_share's ±0.57)
        vague = [r["ST"] >= ABOVE_ONE or r["ST_conf"] >= IMPRECISE for r in top.to_dict("records")]
        luck = float(top["noise_share"].iloc[0]) if "noise_share" in top and len(top) else float("nan")
        out.print("  largest total Sobol indices of " + decision_metric + ": "
                  + ", ".join(f"{r['parameter']} {r['ST']:.2f}" + (" (imprecise)" if mark else "")
                              for r, mark in zip(top.to_dict("records"), vague))
                  + ("; imprecise: above 1 or a wide interval, raise --samples" if any(vague) else "")
                  + ("" if luck == luck else " (one run a point: the runs' luck is in these indices; --replicates 2 or "
                                             "more tells them apart)"), markup=False)
        if luck == luck:   # measured: with two seeds a point or more
            out.print(f"  about {luck:.0%} of its variance over the points may be the runs' luck", markup=False)
        if outside := files_outside(result):   # one design: report.md said it of two or more only
            out.print(f"  note: the design file holds {', '.join(outside)} outside the range given: the tornado, moved "
                      f"from the file's value, measures the step into the range at its ends (report.md)", markup=False)
    from .report.sensitivity import constraint_sentences

    for line in constraint_sentences(result, study.replicates, markdown=False, designs=design_list or [base]):
        out.print("  " + line, markup=False)
    _print_designs_default_notes(design_list or [base], parameters)
    from .report.text import study_path_note

    if note := study_path_note(design_list or [base], parameters):   # only manifest.json said which path ran
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    out.print(f"results: {folder}/  (report.md, sobol.csv, tornado.png)", markup=False)


# --------------------------------------------------------------------------- calibrate


@app.command()
@user_errors
@_settings_sets
def calibrate(
    scenario: Optional[Path] = typer.Argument(None, metavar="SCENARIO", help="Scenario YAML of the launch (or 'scenario:' in --settings)."),
    data: Optional[Path] = typer.Option(None, "--data", help="The pilot's daily counts as CSV: one row per day (a 'day' column optional), columns named as in timeseries.csv (new_organic, new_referred, shares, asks, ...)."),
    fit: list[str] = typer.Option([], "--fit", metavar="KEY=RANGE", help="A behaviour parameter to fit and its prior range: KEY=LO:HI (uniform), KEY=LO:HI:log (log-uniform, for rates spanning orders of magnitude). Repeatable."),
    column: list[str] = typer.Option([], "--column", metavar="COLUMN", help="Pilot column to fit (repeatable; default: those of new_organic, new_referred, shares, asks the pilot has)."),
    design: list[Path] = typer.Option([], "--design", metavar="DESIGN.yaml", help="A design (scenario YAML) to compare under the posterior, beside SCENARIO; repeat --design for each (--design a.yaml --design b.yaml)."),
    metric: list[str] = typer.Option([], "--metric", metavar="METRIC", help="Outcome to forecast and compare designs on (repeatable; default: customers_final, cumulative_profit, and with --design the designs are ranked on incremental_value first, as refsim compare ranks them)."),
    particles: Optional[int] = typer.Option(None, "--particles", help="ABC-SMC particles per generation (default 200, at least 5)."),
    generations: Optional[int] = typer.Option(None, "--generations", help="Most ABC-SMC generations (default 8)."),
    draws: Optional[int] = typer.Option(None, "--draws", help="Posterior draws the forecast and the design comparison run (default 50, at least 2)."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Alias of --draws: each posterior draw is one launch on its own seed."),
    seed: Optional[int] = typer.Option(None, "--seed", help=SEED_HELP + " The fit itself runs particles one after another so that it is reproducible."),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP + " Applies to every design."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder to create (must not exist or be empty). Default: a new timestamped folder under results/. An interrupted study keeps its finished runs in .NAME.runs/ beside it: rerun with the same --out to resume."),
    settings_file: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=FILE_WORKERS_HELP.format(file="--settings file") + " Used by the forecast and the design comparison."),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + EXECUTOR_DEFAULT),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
):
    """Fit uncertain behaviour parameters to a pilot's daily counts (ABC-SMC, pyabc), then forecast the launch.

    Writes posterior.csv (draws), intervals.csv, posterior.png, forecast.csv and
    forecast.png (the full launch with intervals), outcomes.csv, with --design
    designs.csv (each design under the posterior, with its probability of being best), particles.csv
    (the weighted last generation), generations.csv (epsilon and simulations per generation), report.md,
    manifest.json, calibration.db (pyabc's database of every generation) and
    calibrated.yaml: the base scenario with each fitted key at its posterior median, for
    refsim optimize or sensitivity (report.md gives the commands, with the posterior's
    intervals as sensitivity's --uncertain ranges).

    The pilot may be a timeseries.csv as refsim writes it (rows of one replicate), or
    any CSV with those column names and one row per day.

    Example: refsim calibrate scenarios/default.yaml --data pilot.csv
    --fit word_of_mouth.spontaneous_rate=0.001:0.02:log --fit program.base_share=0.05:0.5
    """
    from .calibrate import (PLACING_COLUMNS, CalibrationSettings, calibrate as run_calibrate, check_fit, compare_designs,
                            forecast, forecast_columns, pilot_counts, pilot_names, simulation_budget)
    from .metrics import COLUMN_INDEX
    from .decide_settings import MIN_DRAWS, MIN_PARTICLES, load_settings, pick, range_texts
    from .evaluation import Evaluator
    from .parameters import check_designs_pair, parse_parameters
    from .report.calibrate import write_calibration
    from .results import ResultsFolder, check_out_dir, new_results_dir
    from .scenario_io import load_scenario

    started = dt.datetime.now()
    for value, flag, least in ((particles, "--particles", MIN_PARTICLES), (generations, "--generations", 1),
                               (draws, "--draws", MIN_DRAWS), (replicates, "--replicates", MIN_DRAWS)):
        _at_least(value, flag, least)
    if draws is not None and replicates is not None and draws != replicates:
        raise ScenarioError(f"an alias of --draws, given with another value ({replicates} against --draws {draws}); give one of them",
                            key="--replicates")
    settings = load_settings(settings_file, "calibrate")
    if settings.draws is not None and settings.replicates is not None and settings.draws != settings.replicates:
        # refused as the two flags are: the file's draws won without a word
        raise ScenarioError(f"replicates is an alias of draws, given with another value ({settings.replicates} against "
                            f"draws: {settings.draws}); give one of them", file=str(settings_file),
                            key=_file_key(settings_file, "replicates"))
    if settings.bin_days is not None and settings.parts is not None:   # parts was dropped without a word
        raise ScenarioError("give bin_days or parts, not both: bin_days sums the pilot in bins of that many days, parts "
                            "in that many equal parts", file=str(settings_file), key=_file_key(settings_file, "parts"))
    base, base_path = _scenario(scenario, settings, sets, settings_file)
    overrides = pick(sets, settings.set)
    data_path = Path(pick(data, settings.data)) if pick(data, settings.data) else None
    if data is None and data_path is not None:
        _from_file([data_path], settings_file, "data", "pilot")
    if data_path is None:
        raise ScenarioError("give the pilot's daily counts with --data PILOT.csv", key="--data")
    pilot = _read_pilot(data_path)
    source = str(settings_file) if settings_file is not None and not fit else "--fit"
    with _at_lines(settings_file, "fit", settings.fit, source):
        parameters = parse_parameters(pick(fit, range_texts(settings.fit)), base, source=source, ranges_only=True,
                                      purpose="fit")
    from .report.calibrate import fitted_levers_note

    columns = pick(column, settings.columns) or None
    # a settings file's columns: key was blamed on the pilot's file
    counts = pilot_counts(pilot, columns, source=str(data_path), columns_from=_origin(column, settings_file, "columns",
                                                                                        "--column"))
    # before any note: a note then a refusal of the same key made two lines (a choice's note, then 'calibration fits
    # numbers')
    with _at_lines(settings_file, "fit", settings.fit, source):
        check_fit(base, counts, parameters, source=source, pilot=str(data_path))
    # after check_fit: --fit days=100:200 beside --set days=150 said to drop the --set, then, dropped, that the
    # horizon cannot be fitted
    _check_sets_unvaried(list(pick(sets, settings.set)), parameters, "--fit", sets, settings_file, fit)
    if levers := fitted_levers_note(parameters):   # fitted without a word: what the pilot ran with is known
        out.print(f"note: {levers}", markup=False)
    from .calibrate import pilot_scale_note

    if scale := pilot_scale_note(pilot, base):   # report.md says it too (write_calibration's launch_note)
        out.print(f"note: {data_path}: {scale}", markup=False)
    unread = [str(c) for c in pilot_names(pilot.columns) if c not in COLUMN_INDEX and c not in PLACING_COLUMNS]
    if unread and not columns:  # a misspelt column would otherwise be dropped without a word
        out.print(f"note: {data_path}: column(s) {', '.join(unread)} are not refsim daily columns and are not fitted; "
                  f"fitting {', '.join(counts.columns)} (the names are those of timeseries.csv)", markup=False)
    from .calibrate import unfitted_note

    # a refsim count the default fit leaves out: report.md said 'reproduces the pilot' of one impossible in it
    spare = unfitted_note(pilot.columns, list(counts.columns), pilot) if not columns else ""
    if spare:
        out.print(f"note: {data_path}: {spare}", markup=False)
    from .report.calibrate import SHORT_PILOT_DAYS, activity_days

    active = activity_days(counts)
    if settings.bin_days is not None and settings.bin_days >= active:
        out.print(f"note: {settings_file}: bin_days {settings.bin_days} covers the whole pilot of "
                  f"{active} days: one bin, each column's total", markup=False)
    if active < SHORT_PILOT_DAYS:   # a fit of a day or two returns about the prior, which reads as a finding
        out.print(f"note: {data_path}: a pilot of {active} day{'s' if active != 1 else ''} says little; expect "
                  f"intervals close to the --fit ranges (report.md says which the pilot pins down)",
                  markup=False)
    design_paths = list(design or []) or _from_file([Path(d) for d in settings.designs], settings_file, "designs",
                                                    "design")
    others = [load_scenario(p, overrides) for p in design_paths]
    base, others = _told_apart(base, others, [base_path, *design_paths])
    held = held_inputs([base, *others])   # the edge lists as validation read them (RunCache.hold)
    from .sensitivity import design_names

    with _at_lines(settings_file, "fit", settings.fit, source):
        check_designs_pair([base, *others], parameters, sources=[str(base_path), *map(str, design_paths)], source=source)
    chosen = {k: v for k, v in {"population_size": pick(particles, settings.particles),
                                "generations": pick(generations, settings.generations), "bin_days": settings.bin_days,
                                "parts": settings.parts,
                                "min_acceptance_rate": settings.min_acceptance_rate, "max_simulations": settings.max_simulations,
                                "posterior_samples": settings.posterior_samples, "level": settings.level}.items()
              if v is not None}
    study = replace(CalibrationSettings(), **chosen)
    if math.isfinite(planned := simulation_budget(study)):   # without both stops it has no plan to refuse
        _runs_at_most(planned, _origin(particles, settings_file, "particles", "--particles"),
                      lambda n: simulation_budget(replace(study, population_size=n)), study.population_size,
                      MIN_PARTICLES)
    # a --set bringing a lever into designs without it, one design too; once every check has passed
    lever_notes = set_lever_notes([base_path, *design_paths], design_names([base, *others]), list(overrides),
                                  _set_via(sets))
    asked = pick(draws, pick(replicates, pick(settings.draws, settings.replicates)))
    draw_count = asked or 50
    if draw_count > study.posterior_samples:
        # the forecast runs each kept draw once: 520 asked ran 500 under a report, a console and a manifest saying 520
        out.print(f"note: {f'{draw_count} draws asked' if asked else f'the default {draw_count} draws'}, but the "
                  f"posterior keeps {study.posterior_samples} (posterior_samples); the forecast runs "
                  f"{study.posterior_samples}", markup=False)
        draw_count = study.posterior_samples
    metrics = list(dict.fromkeys(pick(metric, settings.metrics) or ["customers_final", "cumulative_profit"]))  # each once
    # designs are ranked on the verdict metric, as refsim compare and optimize rank them, unless metrics are
    # named (they ranked on customers_final: a design that buys customers at a loss came first)
    design_metrics = metrics if pick(metric, settings.metrics) else ["incremental_value", *metrics]
    from .evaluation import check_metric

    for name in metrics:
        check_metric(name, source=_origin(metric, settings_file, "metrics", "--metric"))
    from .evaluation import check_defined

    check_defined([base, *others], metrics, [p.key for p in parameters], names=[str(base_path), *map(str, design_paths)],
                  source=_origin(metric, settings_file, "metrics", "--metric"))
    target = Path(pick(out_dir, settings.out) or new_results_dir(f"calibrate-{base.name}"))
    check_out_dir(target, _origin(out_dir, settings_file, "out", "--out"))
    _check_engine(_probes([base, *others], parameters))
    from .calibrate import check_folders

    check_folders(target)   # before any run: after the fit, a traceback from SQLAlchemy
    # the fit runs particle after particle in this process: the order of pyabc's draws is the result
    fitting, forecasting = _Advance(), _Advance()
    fit_evaluate = Evaluator("serial", 1, None, progress=fitting)
    evaluate, executor_name, worker_count = _evaluator(settings, workers, executor, scheduler,
                                                            progress=forecasting, settings_file=settings_file)
    _check_study_memory([base, *others], parameters, evaluate, str(base_path))
    with _resumable(target, "calibrate", named=pick(out_dir, settings.out) is not None) as cache:
        cache.hold(held)   # a run finished after the edge list changed stops the study
        fit_evaluate.cache = evaluate.cache = cache
        given_seed = _seed(seed, settings, base)
        study_seed = _study_seed(cache, given_seed)
        with ResultsFolder(target) as staged:
            with progress_bar(2, f"calibrate {base.name}") as bar:
                budget = simulation_budget(study)   # an upper bound: the fit may stop sooner
                fitting.to(bar, bar.add_task("simulations", total=budget if math.isfinite(budget) else None, rate=""))
                try:
                    calibration = run_calibrate(base, counts, parameters, columns=list(counts.columns), settings=study,
                                                seed=study_seed, folder=staged.path, evaluate=fit_evaluate)
                except ScenarioError as error:
                    if error.key != "min_acceptance_rate":
                        raise
                    # a settings file's key, named there (the line named no file), and the runs it finished kept
                    from .report.text import counted

                    cache.flush()
                    where = ({"file": str(settings_file), "key": _file_key(settings_file, "min_acceptance_rate")}
                             if settings_file is not None else {"key": "min_acceptance_rate"})
                    kept = (f"; its {counted(len(cache), 'finished run')} {'are' if len(cache) != 1 else 'is'} kept "
                            f"in {cache.path} for the rerun" if len(cache) else "")
                    default = "" if settings_file is not None else " (a settings file's key, 0.05 by default)"
                    raise ScenarioError(str(error.message) + default + kept, **where) from None
                fitting.done()
                runs = draw_count * (1 + len(others) + (1 if others else 0))
                forecasting.to(bar, bar.add_task("forecast", total=runs, rate=""))
                daily, outcomes = forecast(base, calibration, columns=forecast_columns(calibration), metrics=metrics,
                                           draws=draw_count, level=study.level, evaluate=evaluate)
                designs_table = compare_designs([base, *others], calibration, metrics=design_metrics, draws=draw_count,
                                                level=study.level, evaluate=evaluate) if others else None
            cache.flush()   # every run on disk before the folder is written: a SIGKILL there lost up to 5 s of runs
            write_calibration(staged.path, calibration, base=base, pilot=counts, daily=daily, outcomes=outcomes,
                              designs=designs_table, settings=study, draws=draw_count, data_file=str(data_path),
                              started=started, command=_typed_again(study_seed if given_seed is None else None),
                              extra={"executor": executor_name, "workers": worker_count,
                                                                   "runs_read_back": cache.read_back},
                              others=others, launch_note=". ".join(n if i == 0 else n[0].upper() + n[1:] for i, n in
                                                                   enumerate(n for n in (scale, spare) if n)),
                              inputs=held, sets=list(overrides), set_notes=lever_notes,
                              set_via=_set_via(sets), design_files=[str(p) for p in design_paths])
    from .report import fmt
    from .report.calibrate import (against_the_best, at_the_edge, edge_sentence, misfit_sentence, parameter_text,
                                   replaced_lines, same_lines, unfitted_lines)

    out.print("posterior:", markup=False)
    for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records")):
        out.print(f"  {row['parameter']:<36} median {parameter_text(p, row['median'])}  {row['level']:.0%} interval "
                  f"{parameter_text(p, row['low'])} – {parameter_text(p, row['high'])}", markup=False)
    edges = at_the_edge(calibration)
    if edges:
        out.print(f"  warning: {edge_sentence(edges, len(calibration.generations)).replace('`', '')}", markup=False)
    if misfit := misfit_sentence(calibration):
        out.print(f"  warning: {misfit.replace('`', '')}", markup=False)
    from .report.calibrate import ROUGH_DRAWS, more_draws, particle_weights, rough_particles_sentence

    if rough := rough_particles_sentence(study.population_size, study.level, particle_weights(calibration)):
        out.print(f"  note: {rough}", markup=False)

    out.print(f"launch forecast ({base.days} days, {draw_count} posterior draws"
              + (f"; rough intervals with so few: {more_draws(draw_count, study.posterior_samples)} to {ROUGH_DRAWS} "
                 f"or more" if draw_count < ROUGH_DRAWS else "") + "):", markup=False)
    for row in outcomes.to_dict("records"):
        out.print(f"  {row['metric']:<36} median {fmt(row['median'])}  {row['level']:.0%} interval "
                  f"{fmt(row['low'])} – {fmt(row['high'])}", markup=False)
    if designs_table is not None:
        first = designs_table[designs_table["metric"] == design_metrics[0]]
        # the interval's level said: 90% beside compare's "paired 95% CI" on the same terminal read as 95%
        level = f", with its {first['level'].iloc[0]:.0%} interval" if len(first) and "level" in first else ""
        out.print(f"designs under the posterior, on {design_metrics[0]} (mean; against the best, draw by draw{level}):",
                  markup=False)
        for row in first.to_dict("records"):   # the report ranks by mean: a median here could order them otherwise
            out.print(f"  {row['design']:<36} mean {fmt(row['mean'])}  {against_the_best(row)}  best in {row['probability_best']:.0%} "
                      f"of the draws", markup=False)
        for line in [*unfitted_lines(designs_table), *replaced_lines(base, others, parameters), *same_lines(first)]:
            out.print(f"  note: {line}", markup=False)
        from .report.compare import study_design_notes

        for line in study_design_notes([base, *others], [p.key for p in parameters])[1]:
            out.print(f"  {line}", markup=False)
    _print_designs_default_notes([base], parameters)
    out.print(f"results: {target}/  (report.md, posterior.csv, forecast.png; calibrated.yaml, the base at the "
              f"posterior medians)", markup=False)
    from .report.calibrate import next_commands

    # with the folder's path, as typed here: a bare calibrated.yaml was not found from where calibrate ran
    out.print("next" + (", once the warning above is read" if misfit else "") + ":", markup=False)
    for command in next_commands(calibration, str(Path(target) / "calibrated.yaml"),
                                 [str(p) for p in design_paths], list(overrides)):
        out.print(f"  {command}", markup=False)


def _print_designs_default_notes(designs, parameters) -> None:
    """The defaults the designs' files left in place that decide what they cost or do
    (report.text.designs_default_notes), less those the study varies, one note each."""
    from .report.text import designs_default_notes

    for note in designs_default_notes(designs, [p.key for p in parameters], parameters):
        out.print(f"  note: {note.replace('`', '')}", markup=False)


def row_breaks(row: list[str]) -> int:
    """The line breaks inside a CSV record's quoted fields: the lines it spans less one."""
    return sum(cell.count("\n") for cell in row)


def _read_pilot(path: Path):
    import csv
    import io
    import warnings

    import pandas as pd

    from .yaml_reader import decode

    if not path.exists():
        raise ScenarioError("file not found; give the pilot's daily counts as a CSV file", file=str(path))
    if path.is_dir():
        raise ScenarioError("is a folder; give the pilot's daily counts as a CSV file", file=str(path))
    try:
        data = path.read_bytes()
    except OSError as error:   # unreadable (chmod 000, a failing disk): a traceback before
        raise ScenarioError(f"cannot be read ({error.strerror or error}); give the pilot's daily counts as a CSV file "
                            f"you can read", file=str(path), key="--data") from None
    # a bad byte named with its line, as in a scenario file (pandas said "can't decode byte 0xff in position 0")
    text = decode(data, str(path))
    from .calibrate import pilot_names

    # each record with the line it starts on (a quoted field may hold a line break)
    reader, rows, starts = csv.reader(io.StringIO(text)), [], []
    for row in reader:
        starts.append(reader.line_num - row_breaks(row))
        rows.append(row)
    top = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), 0)   # blank lines first: skipped
    header = pilot_names(rows[top] if rows else [])
    for number, row in zip(starts[top + 1:], rows[top + 1:]):
        # fields past the header's: pandas made the first field the index and read every column one to the left
        # (a trailing comma, as spreadsheets export, adds only an empty one: read as the header's columns)
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            raise ScenarioError(f"this row has {len(row)} fields but the header names {len(header)} columns; give each "
                                f"row the header's columns", file=str(path), key=f"line {number}")
    twice = sorted({name for name in header if header.count(name) > 1 and name})
    if twice:   # pandas renamed the second 'new_organic' 'new_organic.1', a column the file does not have
        raise ScenarioError(f"the header names {', '.join(repr(n) for n in twice)} twice (in any case, spaces aside); "
                            f"give each column once", file=str(path), key=f"line {top + 1}")
    try:
        # only an empty cell is missing: pandas reads 'n/a', 'NA' or 'null' as NaN too, which the
        # one-line error then called "a blank" though the file says 'n/a'
        with warnings.catch_warnings():   # a trailing empty field past the header's columns, checked above
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            # from the header on: a first line of commas (a spreadsheet's empty row) was taken as the header
            frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], index_col=False, skiprows=top)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ScenarioError(f"cannot be read as CSV ({str(error).splitlines()[0][:120]}); give one row per day with a "
                            f"header row of column names", file=str(path)) from None
    # a header's trailing comma names an empty column 'Unnamed: 4': no column of the pilot's
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed:") and frame[c].isna().all()])
    frame.columns = pilot_names(frame.columns)   # as pilot_counts reads them: `Date` is the date
    # each row's line in the file, for the errors that name one: the lines pandas skips (empty or only spaces) counted
    lines = [number for number, row in zip(starts[top + 1:], rows[top + 1:])
             if len(row) > 1 or (row and row[0].strip())]
    if len(lines) == len(frame):
        frame.attrs["lines"] = lines
    return frame


__all__ = ["optimize", "sensitivity", "calibrate"]
