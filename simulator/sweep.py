"""Running a sweep: every (point, replicate) run not yet on disk, in batches on
any executor, and the per-point summary of the runs.

Finished runs are appended to the sweep folder's run store as they arrive
(results.RunStore: each part file written whole), so an interrupted sweep loses
nothing that was written and a rerun of the same command skips every run already
on disk. ``sweep.lock`` keeps two sweeps out of one folder; ``sweep.json`` holds
a fingerprint of the resolved sweep, the base scenario and the bytes of every
file a run reads (edge lists), so a changed sweep or input is never mixed with
the old one's runs (results.Study). The files a reader looks at
(sweep.parquet, points.csv, plots, report.md, manifest.json) are written by
report.write_sweep once the runs are done; :func:`run_sweep` does both.

The sweep file's schema and checks are in sweep_spec.py, where its points fall
and each run's seed in sweep_points.py; their public names are re-exported here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import dataclasses
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from .equality import FieldsEqual
from .compare import LOWER_IS_BETTER, UNRANKED
from .config import Scenario
from .metrics import NEVER_IS_WORST, UNDEFINED_IS_WORST, copies, holm_steps, two_sided_p
from .errors import ScenarioError
from . import executors
from .executors import run_tasks
from .kernel import engine_choice, path_for
from .results import RunStore, Study, StudyLock, atomic_write_json, judge_study, study_folder
from .rng import draw_seed, point_stream, run_seed
from .runner import interval, run_replicate
from .scenario_io import apply_sets, validate
from .sweep_points import Points, point_count, run_seeds, sweep_points, unit_samples
from .sweep_spec import (DEFAULT_METRICS, METHODS, RESERVED_KEYS, Sweep, SweepSpec, ValueList, ValueRange, grid_levels,
                         load_sweep, unit_to_value, value_key, yaml_value)

#: Most runs sent to a worker in one task: enough to amortise the hand-over of tiny
#: runs, few enough that an interruption loses little and workers finish together.
MAX_BATCH = 25


# --------------------------------------------------------------------------- one batch of runs (runs on workers)


@dataclass(frozen=True)
class SweepBatch:
    """Runs sent to one worker in one task."""

    base: dict
    base_source: str
    base_dir: str | None
    metrics: tuple[str, ...]
    baseline: bool
    runs: tuple[tuple[int, int, dict, int, int], ...]    # (run_id, point_id, parameter values, replicate, seed)
    engine: str = "auto"   # REFSIM_ENGINE where the sweep was started: a Dask worker's own environment chose otherwise


def split_batch(batch: SweepBatch) -> list[SweepBatch]:
    """One batch per run: a batch whose worker died is rerun run by run to find the culprit."""
    return [dataclasses.replace(batch, runs=(run,)) for run in batch.runs]


def lost_batch(batch: SweepBatch, reason: str) -> list[dict]:
    """The rows of a run that killed its worker (alone) twice: failed, with the reason."""
    return [{"run_id": run_id, "point_id": point_id, "replicate": replicate, "seed": seed,
             **{m: math.nan for m in batch.metrics}, "status": "failed", "error": f"WorkerDied: {reason}"}
            for run_id, point_id, _, replicate, seed in batch.runs]


def run_batch(batch: SweepBatch) -> list[dict]:
    """Run each run of the batch; a run that raises is recorded as failed with its
    error message, and the others go on."""
    return [run_point(batch, *run) for run in batch.runs]


def interrupt_behind(error: BaseException) -> BaseException | None:
    """The KeyboardInterrupt (or other stop that is no Exception) an error was raised from,
    if any: what a signal becomes when it arrives inside compiled code."""
    seen = set()
    while error is not None and id(error) not in seen:
        if not isinstance(error, Exception):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def point_scenario(base: dict, values: dict, base_source: str, base_dir: str | Path | None) -> Scenario:
    """The base scenario (``base``, as written with the --set applied) at a point's
    parameter ``values``: a block's kind switches as optimize switches it."""
    folder = Path(base_dir) if base_dir else None
    overrides = [f"{key}={yaml_value(value)}" for key, value in values.items()]
    if any(key.endswith(".kind") for key in values):
        from .parameters import kind_overrides

        # the base's own network is not the point's (a complete base swept over other kinds): checked as the point below
        overrides = kind_overrides(validate(base, source=base_source, base_dir=folder, check_network=False), values)
    data = apply_sets(base, overrides, source=base_source)
    try:
        return validate(data, source=base_source, base_dir=folder)
    except ScenarioError as error:   # it blamed the base file, which is valid: the point's values clash
        point = ", ".join(f"{key} = {yaml_value(value)}" for key, value in values.items())
        raise ScenarioError(f"the point's values do not fit together on the base scenario ({point}): "
                            + ": ".join(p for p in (error.key, error.message) if p)) from None


def row_values(sweep: Sweep, row: Any) -> dict[str, Any]:
    """The parameter values of one row of sweep.parquet or sweep.csv (a pandas row or a
    mapping), as the sweep set them: numpy scalars as Python's, a value stored as JSON
    text (a list, a mapping, or a column mixing kinds) read back, and a value of a list
    or a grid as the level it was (:func:`_as_level`)."""
    values = {}
    for key, parameter in sweep.spec.parameters.items():
        value = row[key]
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, str) and isinstance(parameter, ValueList) and \
                not all(isinstance(v, str) for v in parameter.values):
            value = json.loads(value)
        if isinstance(parameter, ValueList) or parameter.levels:
            value = _as_level(grid_levels(parameter), value)
        values[key] = value
    return values


def _as_level(levels: list, value: Any) -> Any:
    """The level of a list or grid that a value read from sweep.csv stands for. pandas
    reads the csv's `null` as NaN (a column mixing null and 300 is text in the parquet,
    numbers with NaN in the csv: rerun refused NaN as no whole number), 300 as 300.0, and
    the csv keeps 10 significant digits (0.333333333333 reads 0.3333333333). A value no
    level stands for is as read."""
    if isinstance(value, float) and math.isnan(value) and None in levels:
        return None
    key = value_key(value)
    for level in levels:
        if value_key(level) == key:
            return level
    if not isinstance(value, float):
        return value
    shown = f"{value:.10g}"   # results.atomic_write_csv's float_format
    return next((level for level in levels if isinstance(level, (int, float)) and not isinstance(level, bool)
                 and f"{level:.10g}" == shown), value)


def _check_row(caller: str, sweep: Any, row: Any, run: bool = False) -> None:
    """``sweep`` is a Sweep (load_sweep) and ``row`` one row of its table (a pandas row or a
    mapping) with the sweep's parameters, and with ``run`` its replicate and a valid
    seed: a row of another sweep, the whole table, a number or a NaN seed stopped on
    KeyError, numpy's or pandas' errors, naming no argument."""
    from .scenario_io import check_seed_and_replicates

    if not isinstance(sweep, Sweep):
        raise TypeError(f"{caller}(): sweep must be a Sweep from load_sweep(path), not {type(sweep).__name__}")
    if isinstance(row, pd.DataFrame):
        raise TypeError(f"{caller}(): row is one row of the sweep's table (table.iloc[i], or a mapping), not the whole "
                        f"table of {len(row)} rows")
    if not hasattr(row, "keys") or not hasattr(row, "__getitem__"):
        raise TypeError(f"{caller}(): row is one row of the sweep's table (table.iloc[i], or a mapping), not "
                        f"{type(row).__name__} {row!r}")
    needed = [*sweep.spec.parameters, *(("replicate", "seed") if run else ())]
    missing = [key for key in needed if key not in row.keys()]
    if missing:
        raise ScenarioError(f"the row has no {', '.join(missing)}; give a row of this sweep's sweep.parquet or "
                            f"sweep.csv (its columns: {', '.join(needed)})", file=f"{caller}()", key="row")
    if run:
        for name in ("replicate", "seed"):
            value = row[name]
            value = value.item() if hasattr(value, "item") else value
            if isinstance(value, float) and value.is_integer():   # a CSV read back gives 3.0
                value = int(value)
            check_seed_and_replicates(caller, seed=value, seed_name=f"row's {name}")


def scenario_at(sweep: Sweep, row: Any) -> Scenario:
    """The scenario one run of the sweep ran: its base, with the command's --set, at the
    row's parameter values. ``ReferralModel(scenario_at(sweep, row), rng=int(row["seed"]))``
    steps through that run day by day."""
    _check_row("scenario_at", sweep, row)
    return point_scenario(sweep.base_data, row_values(sweep, row), sweep.base_source, sweep.base_dir)


_SHARED_PATHS: dict[str, bool] = {}


def sweep_kernel(sweep: Sweep, scenario: Scenario) -> bool | None:
    """The path a run of ``sweep`` at ``scenario`` took (None: REFSIM_ENGINE, as any run):
    on common seeds every point takes the one they share (_shared_path), the numpy stages
    where the kernel cannot run one of them, so a point it can run, rerun on the kernel,
    drew other numbers (48 where the row held 49). Known where the points are: a grid's,
    or a sampled sweep whose file gives its seed."""
    from .kernel import unsupported

    if engine_choice() != "auto" or not sweep.spec.common_random_numbers or unsupported(scenario) is not None:
        return None
    if sweep.spec.method != "grid" and sweep.seed is None:
        return None
    key = sweep.fingerprint()
    if key not in _SHARED_PATHS:
        _SHARED_PATHS[key] = _shared_path(sweep, sweep_points(sweep, sweep.seed or 0), {}, False) == "numpy"
    return False if _SHARED_PATHS[key] else None


def rerun(sweep: Sweep, row: Any) -> dict[str, float]:
    """One run of the sweep again, from its row (its parameter values, replicate and seed):
    the metrics the row holds, as the sweep computed them."""
    _check_row("rerun", sweep, row, run=True)
    scenario = scenario_at(sweep, row)
    metrics = run_replicate(scenario, int(row["replicate"]), int(row["seed"]), baseline=sweep.baseline,
                            kernel=sweep_kernel(sweep, scenario)).metrics
    again = {m: float(metrics.get(m, math.nan)) for m in sweep.metrics}
    # another run's figures came back without a word from a sweep loaded without the folder's --set: the row's own
    # figures tell (a failed row holds none to compare)
    differ = [m for m in sweep.metrics if m in row and _stored_differs(row[m], again[m])] \
        if str(row.get("status", "ok")) == "ok" else []
    if differ:
        import warnings

        m = differ[0]
        warnings.warn(f"rerun: {m} is {again[m]:.10g} where the row holds {float(row[m]):.10g} (and {len(differ) - 1} "
                      f"other metric(s) differ): the run is not the row's; load the sweep with the --set its folder "
                      f"was run with (manifest.json's command), read rows from sweep.parquet (sweep.csv writes values "
                      f"to 10 digits), run the code the folder was made with, and on the path manifest.json's "
                      f"engine names (REFSIM_ENGINE=numpy where its path is numpy)", stacklevel=2)
    return again


def _stored_differs(stored: Any, again: float) -> bool:
    """A row's stored figure and a rerun's differ beyond the last digits of a float."""
    try:
        stored = float(stored)
    except (TypeError, ValueError):
        return False
    if math.isnan(stored) and math.isnan(again):
        return False
    return not math.isclose(stored, again, rel_tol=1e-9, abs_tol=1e-9)


def run_point(batch: SweepBatch, run_id: int, point_id: int, values: dict, replicate: int, seed: int) -> dict:
    row: dict[str, Any] = {"run_id": run_id, "point_id": point_id, "replicate": replicate, "seed": seed}
    try:
        scenario = point_scenario(batch.base, values, batch.base_source, batch.base_dir)
        metrics = run_replicate(scenario, replicate, seed, baseline=batch.baseline,
                                kernel=path_for([scenario], batch.engine)).metrics
        row.update({m: float(metrics.get(m, math.nan)) for m in batch.metrics}, status="ok", error="")
    except Exception as error:  # noqa: BLE001 - a failing run is data, not a crash of the sweep
        if (stop := interrupt_behind(error)) is not None:
            # Ctrl-C or SIGTERM landing in compiled code comes back as numba's SystemError ('returned a
            # result with an exception set'): it stops the sweep, as anywhere else, instead of failing the run
            raise stop from None
        message = " ".join(str(error).split()) or type(error).__name__
        row.update({m: math.nan for m in batch.metrics}, status="failed", error=f"{type(error).__name__}: {message}"[:2000])
    return row



# --------------------------------------------------------------------------- the sweep


#: What a sweep writes in its folder besides each metric's figures (report.sweep.write_outputs).
SWEEP_OUTPUTS = frozenset({"runs", "sweep.json", "sweep.parquet", "sweep.csv", "points.csv", "report.md", "manifest.json"})


def sweep_output(name: str) -> bool:
    """Whether an entry of a sweep folder is one a sweep writes: its run store, state and
    tables, a metric's figure, or a staging folder or temporary file a kill left. --force
    deletes these only: it deleted a notebook and a folder of figures the user kept there."""
    from .runner import INCREMENTAL_METRICS, SUMMARY_METRICS

    if name in SWEEP_OUTPUTS or name.startswith(".outputs.") or (name.startswith(".") and name.endswith(".tmp")):
        return True
    stem = name.removesuffix(".png").removesuffix("_heatmap")
    return name.endswith(".png") and (stem in SUMMARY_METRICS or stem in INCREMENTAL_METRICS)


def default_folder(sweep_file: str | Path, base: Path = Path("results")) -> Path:
    """results/sweep-<file name>/: the same command always writes, and resumes, here."""
    return study_folder("sweep", sweep_file, base)


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals
class SweepOutcome(FieldsEqual):
    folder: Path
    runs: int          # runs in the sweep
    ran: int           # runs done by this call
    skipped: int       # runs found already done on disk
    failed: int        # failed runs in the whole sweep
    points: int
    seed: int
    sweep: Sweep | None = None
    frame: pd.DataFrame | None = None    # one row per run, in run_id order
    table: Points | None = None          # the points
    state: dict | None = None            # sweep.json
    executor: str = "local"
    workers: int = 1
    #: each run's budget_exhausted_day (run_id order), which the part files hold whether or not ``metrics`` lists it:
    #: the report says when the best points' budgets ended their asks (report.sweep.budget_ending_note)
    budget_days: pd.Series | None = None
    #: report.md's opening verdict as console lines, once the outputs are written (report.sweep.write_sweep)
    verdict: list[str] | None = None

    def __repr__(self) -> str:
        # the dataclass repr printed the sweep, its base scenario, every run's row and sweep.json
        from .runner import rows_text

        return (f"SweepOutcome(folder={str(self.folder)!r}, points={self.points:,}, runs={self.runs:,}, ran={self.ran:,}, "
                f"skipped={self.skipped:,}, failed={self.failed:,}, frame={rows_text(self.frame)}, "
                f"executor={self.executor!r}, workers={self.workers}, seed={self.seed})")


#: Tasks a sweep aims to give each worker: enough that the last ones finish close
#: together (each is about a sixteenth of a worker's share), few enough that the parent,
#: which writes each finished task as one part file, keeps up with many workers. At 64 a
#: worker, 16 workers of a 16-core machine outran it: 4,000 runs of a 10,000-person
#: scenario went 4 to a task, the parent used 11.4 s of CPU in the local pool's 9.8 s
#: handing them out and writing 1,000 part files, and 16 workers ran slower than 12
#: (bench/RESULTS_sweep.md).
TASKS_PER_WORKER = 16


def batch_size(pending: int, workers: int) -> int:
    """Runs per task: about TASKS_PER_WORKER tasks per worker, at most MAX_BATCH runs each."""
    return max(1, min(MAX_BATCH, math.ceil(pending / (TASKS_PER_WORKER * max(workers, 1)))))


def run_sweep(sweep: Sweep, out: Path, *, workers: int | None = None, executor: str | None = None,
              scheduler: str | None = None, force: bool = False, command: list[str] | None = None,
              on_start: Callable[[int, int], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepOutcome:
    """:func:`execute_sweep`, then write the sweep's outputs (report.write_sweep), the
    folder's lock held from the one to the other."""
    from .outpath import check_utf8_folder
    from .report import write_sweep

    check_utf8_folder(out, "the sweep's parquet tables")   # before the lock makes the folder
    with StudyLock(Path(out), "sweep", joinable=True):
        outcome = execute_sweep(sweep, out, workers=workers, executor=executor, scheduler=scheduler, force=force,
                                on_start=on_start, progress=progress)
        write_sweep(outcome, command=command)
    return outcome


def execution(sweep: Sweep, executor: str | None, scheduler: str | None) -> tuple[str, str | None]:
    """Where the sweep's runs execute: executors.execution over the command line's
    ``executor`` and ``scheduler`` and the sweep file's."""
    return executors.execution(executor, scheduler, sweep.spec.executor, sweep.spec.scheduler)


def _study_extra(sweep: Sweep) -> dict:
    """What sweep.json keeps besides the fingerprint and seed: how to say what differs in a
    refusal, and how to tell a grid or a replicate count that grew."""
    extra = {"name": sweep.name, "source": sweep.source, "parts": sweep.fingerprint_parts(),
             "fingerprint_but_replicates": sweep.fingerprint_but_replicates(),
             "fingerprint_but_metrics": sweep.fingerprint_but_metrics(), "set": list(sweep.overrides),
             # the base as resolved, so that a refusal after it was edited names the keys that changed
             "base_resolved": sweep.base.model_dump(mode="json"),
             # and as written, so that one written differently with the same points is accepted (_rewritten)
             "base_written": sweep.base_data}
    if sweep.spec.method == "grid":
        extra.update(grid_fingerprint=sweep.grid_fingerprint(), grids=[sweep.grid()],
                     grid_fingerprint_but_metrics=sweep.grid_fingerprint(metrics=False))
    return extra


def _accepts(sweep: Sweep, folder: Path) -> Callable[[dict], dict | None]:
    """Sweep.grown_from for ``folder``, with the metrics every part file of it holds (read
    only when the folder's sweep differs), its one-line refusal naming the folder."""
    def accepts(state: dict) -> dict | None:
        try:
            grown = sweep.grown_from(state, held_metrics(folder))
        except ScenarioError as error:
            error.file = error.file or str(folder)
            raise
        if grown is None and (grown := _rewritten(sweep, state)) is not None:
            return grown
        if grown is None and (lost := sweep.grid_lost(state)):   # what would have let it grow, not 'parameters differ'
            raise ScenarioError(f"holds a different sweep (this grid with levels this sweep file drops: {lost}); a grid "
                                f"grows by adding levels and keeps every one it ran: list the dropped ones too (as "
                                f"values:), rerun with --force to start over, or choose another --out folder",
                                file=str(folder), key="--out")
        return grown
    return accepts


def _rewritten(sweep: Sweep, state: dict) -> dict | None:
    """{} (the folder's runs kept) when the folder's sweep is this one with its base
    scenario written differently: every other part of the fingerprint alike, and every
    point the same scenario when built from the base as the folder wrote it and as this
    sweep writes it (``8.0`` for ``8``, a default spelled out, ``--set days=120.0``) was
    refused as another sweep, which only --force, running every run again, would
    start. Points, not the resolved base alone: each point is built from the base as
    written, its values applied, then validated (point_scenario). None otherwise, and
    for a folder from before sweep.json kept the base as written."""
    then, parts, key = state.get("base_written"), state.get("parts"), "base scenario or --set"
    if not isinstance(then, dict) or not isinstance(parts, dict) or key not in parts:
        return None
    now = sweep.fingerprint_parts()
    if {k: v for k, v in parts.items() if k != key} != {k: v for k, v in now.items() if k != key}:
        return None
    seed = state.get("sweep_seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        return None

    def built(base: dict, values: dict) -> Any:
        try:
            return point_scenario(base, values, sweep.base_source, sweep.base_dir).model_dump(mode="json")
        except Exception as error:  # noqa: BLE001 - a point that cannot be built fails as its runs: alike, or not
            return str(error)

    seen = set()
    for values in sweep_points(sweep, seed, state.get("grids")).values:
        identity = json.dumps(values, sort_keys=True, default=str)
        if identity not in seen:
            seen.add(identity)
            if built(then, values) != built(sweep.base_data, values):
                return None
    return {}


def held_metrics(folder: Path) -> tuple[str, ...] | None:
    """The metrics every part file of the folder's run store holds, in the order of the
    first part (None when it has none): a folder started before runs stored every metric
    holds its sweep's metrics alone."""
    from .sweep_spec import KNOWN_METRICS

    columns = RunStore(folder, read_only=True).columns()
    return tuple(m for m in columns if m in KNOWN_METRICS) if columns is not None else None


def _workers(sweep: Sweep, workers: int | None, executor: str, scheduler: str | None, given: str | None = None) -> int:
    """The workers that run the sweep: one for serial, a running cluster's own (asked, which
    refuses an address where no scheduler with workers answers, naming the sweep file
    where the address is its and not the command line's ``given``), else the command
    line's, the sweep file's or the default pool's."""
    if executor == "dask" and scheduler:
        # the cluster's own workers run the sweep, not --workers nor this computer's cores: the manifest
        # said 'workers: 2' (the laptop's) of a sweep run on another cluster, and named no cluster
        # and their code: a dry run said yes to workers of other code, which the run refused after writing sweep.json
        return executors.check_cluster(scheduler, file=executors.scheduler_file(scheduler, given, sweep.source))
    # serial runs in this one process: its manifest recorded the default pool's count
    return executors.workers_used(executor, workers or sweep.spec.workers)


@dataclass(frozen=True)
class SweepPlan:
    """What running a sweep into a folder would do (:func:`plan_sweep`)."""

    folder: Path
    points: int
    replicates: int
    done: int                  # runs the folder holds that the sweep keeps
    action: str                # results.StudyVerdict's: start, start over, resume or grow
    seed: int | None           # None: drawn when the sweep starts
    exists: bool               # whether the folder exists now

    @property
    def total(self) -> int:
        return self.points * self.replicates

    @property
    def pending(self) -> int:
        return self.total - self.done


def plan_sweep(sweep: Sweep, out: Path, *, workers: int | None = None, executor: str | None = None,
               scheduler: str | None = None, force: bool = False) -> SweepPlan:
    """What :func:`execute_sweep` would do with ``out``, reading it and writing nothing:
    the runs it holds that would be kept and those that would run, or the one-line
    refusal execute_sweep would give (a folder held by another sweep, a different sweep,
    a changed input, an unreachable scheduler)."""
    given = scheduler
    executor, scheduler = execution(sweep, executor, scheduler)
    _workers(sweep, workers, executor, scheduler, given)
    folder = Path(out)
    if folder.is_dir():
        StudyLock(folder, "sweep").check_free()
    verdict, done = _judged(sweep, folder, force)
    kept = verdict.action in ("resume", "grow")
    seed = int(verdict.state["sweep_seed"]) if kept else sweep.seed
    return SweepPlan(folder, point_count(sweep, verdict.state.get("grids")), sweep.replicates, done, verdict.action,
                     seed, folder.exists())


def _judged(sweep: Sweep, folder: Path, force: bool):
    """judge_study's verdict on ``folder`` and the runs it holds that would be kept,
    reading it and writing nothing; a grown grid that the run would refuse for its
    engine path (_shared_path) is refused here, before anything is saved."""
    # the seed is only stored by a fresh study, which this does not start: 0 stands in for a drawn one
    verdict = judge_study(folder, kind="sweep", fingerprint=sweep.fingerprint(),
                          seed=sweep.seed if sweep.seed is not None else 0, force=force, accepts=_accepts(sweep, folder),
                          extra=_study_extra(sweep), inputs=sweep.inputs())
    kept = verdict.action in ("resume", "grow")
    if not kept:
        return verdict, 0
    points = sweep_points(sweep, int(verdict.state["sweep_seed"]), verdict.state.get("grids"))
    done = len(RunStore(folder, read_only=True).done(len(points), _runs_of(sweep, int(verdict.state["sweep_seed"]),
                                                                            points)))
    if done:
        _shared_path(sweep, points, dict(verdict.state), True)
    return verdict, done


def _runs_of(sweep: Sweep, seed: int, points: Points) -> Callable[[Path, pd.DataFrame], None]:
    """RunStore.done's check of a part file: each run's seed and swept values are those
    this sweep gives its point and replicate. A part copied in from another folder whose
    runs had the same points and replicates (another seed, or other values) was taken as
    this sweep's: sweep.csv labelled a run made at a reward of 5 as one at 0."""
    seeds = {(point, replicate): run_seed_ for _, point, replicate, run_seed_ in run_seeds(sweep, seed, len(points))}
    table = points.table.set_index("point_id")

    def check(part: Path, rows: pd.DataFrame) -> None:
        for row in rows.to_dict("records"):
            point, replicate = int(row["point_id"]), int(row["replicate"])
            if (point, replicate) not in seeds:
                continue   # a point or replicate the study does not have: said by RunStore.done
            wrong = [] if int(row["seed"]) == seeds[point, replicate] else [f"seed {int(row['seed'])} where this "
                                                                         f"sweep's is {seeds[point, replicate]}"]
            for key in sweep.parameters:
                if key in row and not _same_value(row[key], table.at[point, key]):
                    wrong.append(f"{key} {row[key]!r} where this sweep's point has {table.at[point, key]!r}")
            if wrong:
                raise ScenarioError(f"{part.name} holds a run of point {point}, replicate {replicate} with "
                                    f"{'; '.join(wrong)}: it is not this sweep's (a copy from another folder?); remove "
                                    f"it from {part.parent} and rerun the same command", file=str(part.parent),
                                    key="--out")
    return check


def _same_value(ran, planned) -> bool:
    """A stored swept value and the point's: numbers alike to rounding (a grown folder keeps
    10 where a fresh one writes 10.0), anything else as text."""
    missing = [value is None or (isinstance(value, float) and math.isnan(value)) for value in (ran, planned)]
    if any(missing):   # a null value (no budget) reads back as None or NaN
        return all(missing)
    try:
        return bool(np.isclose(float(ran), float(planned), rtol=1e-9, atol=0.0))
    except (TypeError, ValueError):
        return str(ran) == str(planned)


def _shared_path(sweep: Sweep, points: Points, state: dict, resumed: bool) -> str:
    """The REFSIM_ENGINE the sweep's runs take. On common seeds the points are compared
    replicate by replicate, so, as compare's designs, they share one path: the numpy
    stages for all where the kernel cannot run one of them (docs/model.md, "Two paths").
    Each point took its own, so a delight lever switched on (numpy) beside off (kernel)
    drew other luck and a lever that does nothing was named best. The decision is kept
    in sweep.json (``path``), so that a resumed sweep runs as it started; a grown grid
    that adds a point the kernel cannot run to runs made on it is refused."""
    engine = engine_choice()
    if engine != "auto" or not sweep.spec.common_random_numbers:
        return engine
    if state.get("path") == "numpy":
        return "numpy"
    if resumed and "path" not in state:   # a folder from before the path was kept: each point on its own, as it began
        return engine
    from .kernel import unsupported

    reason, seen, kernel_runs_one = None, set(), False
    for point in range(len(points)):
        key = json.dumps(points.values[point], sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        try:
            scenario = point_scenario(sweep.base_data, points.values[point], sweep.base_source, sweep.base_dir)
        except Exception:  # noqa: BLE001 - a point that cannot be built fails as its runs
            continue
        lever = unsupported(scenario)
        reason = reason or lever
        kernel_runs_one = kernel_runs_one or lever is None
        if reason is not None and kernel_runs_one:
            break
    if reason is not None and kernel_runs_one:
        # the points the kernel could run ran on the numpy stages: `refsim run` of one of them takes the kernel and
        # differs by Monte Carlo noise (report.md and the console say so: report.text.sweep_path_note)
        state["numpy_because"] = reason
    if reason is not None and state.get("path") == "kernel" and resumed:
        raise ScenarioError(f"the grown sweep adds a point the compiled kernel does not run ({reason}), beside runs made "
                            f"on it; on common seeds every point runs on one path, so rerun with --force to run them all "
                            f"on the numpy stages", key="common_random_numbers")
    state["path"] = "numpy" if reason is not None else "kernel"
    return "numpy" if reason is not None else engine


def execute_sweep(sweep: Sweep, out: Path, *, workers: int | None = None, executor: str | None = None,
                  scheduler: str | None = None, force: bool = False,
                  on_start: Callable[[int, int], None] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> SweepOutcome:
    """Run every run of the sweep not yet in ``out``; return every run's row.

    ``on_start(total, already_done)`` is called once the work is known;
    ``progress(ok, failed)`` after each finished batch. Command-line ``workers``,
    ``executor`` and ``scheduler`` win over the sweep file's.
    """
    from .outpath import check_utf8_folder

    check_utf8_folder(out, "the sweep's parquet tables")   # from Python too: after every run, pyarrow's traceback
    given = scheduler
    executor, scheduler = execution(sweep, executor, scheduler)
    workers = _workers(sweep, workers, executor, scheduler, given)
    folder = Path(out)
    seed = sweep.seed if sweep.seed is not None else draw_seed()
    # a grown grid refused for its engine path is refused before the Study saves the grown state: saved, the folder
    # refused the sweep file put back as it was ('holds a different sweep'), and only --force, losing every run, got out
    if folder.is_dir():
        _judged(sweep, folder, force)
    with Study(folder, kind="sweep", fingerprint=sweep.fingerprint(), seed=seed, force=force, accepts=_accepts(sweep, folder),
               extra=_study_extra(sweep), inputs=sweep.inputs(), ours=sweep_output) as study:
        seed = study.seed
        points = sweep_points(sweep, seed, study.state.get("grids"))
        store = study.store
        done = store.done(len(points), _runs_of(sweep, seed, points))
        engine = _shared_path(sweep, points, study.state, bool(done))
        total = len(points) * sweep.replicates
        skipped = len(done)
        size = batch_size(total - skipped, workers)
        # no more workers start than batches are sent out (run_tasks): a sweep of one run recorded two
        ran_on = workers if executor == "dask" and scheduler else \
            min(workers, max(1, math.ceil((total - skipped) / size)))
        if skipped < total:
            # each session that runs something, with its executor: a sweep resumed on a Dask cluster after
            # starting on a laptop recorded only the last executor in its manifest
            sessions = study.state.get("sessions", [])
            if sessions and sessions[-1].get("runs_done_before") == skipped:
                # the last session saved no run (refused by a cluster's workers, stopped before its
                # first batch): the manifest listed it among those that ran runs
                sessions = sessions[:-1]
            study.state["sessions"] = [*sessions, {
                "started": dt.datetime.now().isoformat(timespec="seconds"), "executor": executor, "workers": ran_on,
                **({"scheduler": scheduler} if executor == "dask" and scheduler else {}),
                "runs_done_before": skipped}]
            atomic_write_json(folder / "sweep.json", study.state)
        if on_start:
            on_start(total, skipped)
        pending = (run for run in run_seeds(sweep, seed, len(points)) if (run[1], run[2]) not in done)
        parameters = points.table.set_index("point_id")
        columns = {k: parameters[k].tolist() for k in sweep.parameters}
        batches = (SweepBatch(sweep.base_data, sweep.base_source, str(sweep.base_dir) if sweep.base_dir else None,
                              sweep.stored_metrics, sweep.baseline,
                              tuple((run_id, point, points.values[point], replicate, run_seed_)
                                    for run_id, point, replicate, run_seed_ in chunk), engine)
                   for chunk in _chunks(pending, size))
        ran = 0
        from .provenance import InputWatch, changed_while_running

        watch = InputWatch(sweep.inputs())
        first = watch.changed()   # the first look, before any run: a write from here on is seen, same bytes or not
        with contextlib.closing(run_tasks(run_batch, batches, executor=executor, workers=workers,
                                          scheduler=scheduler, split=split_batch, on_lost=lost_batch)) as finished:
            for results in finished:
                if (path := first or watch.changed()) is not None:
                    # this batch may have read the new file: not kept, nor any after it (the old file put back, a
                    # resume took runs made on the other network as done)
                    raise changed_while_running(path, "the sweep", "so the sweep stopped, keeping the runs it finished "
                                                "before the change", then="rerun the same command with the file as it "
                                                "was: it resumes from them", digest=watch.digests.get(path))
                rows = [_row(result, columns, sweep) for result in results]
                store.append(rows)
                ran += len(rows)
                if progress:
                    failed = sum(r["status"] != "ok" for r in rows)
                    progress(len(rows) - failed, failed)
        frame = _numbered(store.frame(), sweep.replicates)
        _check_complete(frame, total, folder)
        # each point's values as the points table types them now: a grid grown by 12.5 and null wrote its new parts'
        # budget column as text beside the old parts' whole numbers, and every table write after crashed in pyarrow
        frame = frame.assign(**{k: parameters[k].reindex(frame["point_id"].to_numpy()).to_numpy() for k in sweep.parameters})
    # the part files hold every metric the runs computed; the tables report the sweep's
    budget_days = frame["budget_exhausted_day"].reset_index(drop=True) if "budget_exhausted_day" in frame else None
    frame = frame[["run_id", "point_id", *sweep.parameters, "replicate", "seed", *sweep.metrics, "status", "error"]]
    # an ok run has no error: missing, as pandas reads it from sweep.csv (it was '' here and in sweep.parquet, and
    # NaN read from the csv, so one filter gave two answers); the part files keep '', one type per column
    frame = frame.assign(error=frame["error"].mask(frame["error"] == "", None))
    failed = int((frame["status"] != "ok").sum())
    return SweepOutcome(folder, total, ran, skipped, failed, len(points), seed, sweep=sweep, frame=frame, table=points,
                        state=study.state, executor=executor, workers=ran_on, budget_days=budget_days)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _row(result: dict, columns: dict, sweep: Sweep) -> dict:
    """A run's row in output column order: ids, parameter values, replicate, seed, every
    metric the run stores (Sweep.stored_metrics), status."""
    point = result["point_id"]
    return {"run_id": result["run_id"], "point_id": point, **{k: columns[k][point] for k in sweep.parameters},
            "replicate": result["replicate"], "seed": result["seed"], **{m: result[m] for m in sweep.stored_metrics},
            "status": result["status"], "error": result["error"]}


def _numbered(frame: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """The finished runs with run_id = point_id × replicates + replicate for today's
    replicate count (runs stored before the replicates grew carry their old ids), in
    run_id order."""
    if not len(frame):
        return frame
    frame = frame.assign(run_id=frame["point_id"].astype(np.int64) * replicates + frame["replicate"].astype(np.int64))
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def _check_complete(frame: pd.DataFrame, total: int, folder: Path) -> None:
    ids = frame["run_id"].to_numpy() if len(frame) else np.zeros(0, np.int64)
    if len(ids) != total or len(np.unique(ids)) != total:
        raise RuntimeError(f"{folder}: expected each of {total} runs once, found {len(ids)} rows of "
                           f"{len(np.unique(ids))} runs; rerun with --force to start over")


#: The keys that set a ceiling on a metric (evaluation.ceiling): the last day, the total budget, the monthly
#: allowance, and the incentive's kind (no budget without a reward). A swept allowance had every point cut at the
#: base's: an interval of 1,013 to 80 about a mean of 1,287.
CEILING_KEYS = ("days", "program.incentive.budget", "program.incentive.budget_per_month", "program.incentive.kind",
                "population.size", "population.initial_customers", "network.path")


def point_ceilings(sweep: Sweep) -> Callable[[dict, str], float]:
    """``ceiling(values, metric)``: the most ``metric`` can be in any run of the point with
    these parameter ``values`` (evaluation.ceiling). A sweep that varies no key that sets
    one (the horizon, the total budget, or a block holding them) has the base scenario's
    at every point; otherwise the base with the point's values of those keys is built, once
    for each combination of them (with all its values where those alone do not fit; inf
    for a point that does not fit at all: it ran no run)."""
    from .evaluation import ceiling

    touching = [key for key in sweep.parameters if any(bound == key or bound.startswith(key + ".") for bound in CEILING_KEYS)]
    if not touching:
        return lambda values, metric: ceiling(sweep.base, metric)
    built: dict[tuple[str, ...], Any] = {}

    def scenario(sets: list[str]):
        try:
            data = apply_sets(sweep.base_data, sets, source=sweep.source)
            return validate(data, source=sweep.base_source, base_dir=sweep.base_dir)
        except ScenarioError:
            return None

    def of_point(values: dict, metric: str) -> float:
        sets = tuple(f"{key}={yaml_value(values[key])}" for key in touching)
        if sets not in built:
            built[sets] = scenario(list(sets))
        point = built[sets] or scenario([f"{key}={yaml_value(value)}" for key, value in values.items()])
        return ceiling(point, metric) if point is not None else math.inf
    return of_point


def point_summary(frame: pd.DataFrame, sweep: Sweep, values: list[dict] | None = None) -> pd.DataFrame:
    """Per point: parameter values, ok runs, and mean with 95% t-interval of each metric,
    with ``{metric}_n``, the runs in which it is defined (the payback day of a run that
    never paid back is not: its mean over the others read as a faster payback). An
    interval stops where no run of its point can reach, as run's and compare's do
    (a payback day's interval ran to day 981 of a 180-day point); ``values``: each
    point's parameter values as applied (Points.values), else as the rows hold them."""
    from .evaluation import BOUNDED, capped_as

    # program_cost may be the reward spend at a point (evaluation.capped_as), capped as that is
    bounded = [m for m in sweep.metrics if m in BOUNDED or m == "program_cost"]
    top = point_ceilings(sweep) if bounded else None
    rows = []
    for point_id, group in frame.groupby("point_id", sort=True):
        ok = group[group["status"] == "ok"]
        shown = {k: group[k].iloc[0] for k in sweep.parameters}
        shown = {k: v.item() if isinstance(v, np.generic) else v for k, v in shown.items()}
        row = {"point_id": point_id, **shown, "runs_ok": len(ok), "runs_failed": len(group) - len(ok)}
        for metric in sweep.metrics:
            summary = interval(ok[metric].to_numpy(dtype=float), metric=metric)
            capped = capped_as(metric, ok)   # program_cost that is the reward spend at this point: under the budget
            if metric in bounded and capped in BOUNDED and np.isfinite(summary["ci_high"]):
                applied = values[int(point_id)] if values is not None else shown
                summary["ci_high"] = min(summary["ci_high"], top(applied, capped))
            row.update({f"{metric}_mean": summary["mean"], f"{metric}_ci_low": summary["ci_low"],
                        f"{metric}_ci_high": summary["ci_high"],
                        f"{metric}_n": int(np.isfinite(ok[metric].to_numpy(dtype=float)).sum())})
        rows.append(row)
    return pd.DataFrame(rows)




def best_points(frame: pd.DataFrame, sweep: Sweep, summary: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per metric (spending measures left out): the point with the best mean, and the
    other points that are statistically indistinguishable from it at ``level``.

    With ``common_random_numbers`` every point ran on the same replicate seeds, so a
    point is compared with the best replicate by replicate: d_r = x_r − best_r, and
    it is indistinguishable when mean d ± t(½ + level'/2, n−1)·sd(d)/√n contains 0,
    where level' = 1 − (1 − level)/(points − 1) (Bonferroni over the comparisons with
    the best, points whose every run failed or where the metric is defined in none left out, so that the best and its indistinguishable points hold a truly best
    point with probability ``level``; points with the same values in every replicate
    are one comparison, and those with the best's values none: ``same``). Otherwise the points are independent samples
    and the Welch interval is used, at the same level'.
    A point with fewer than two usable runs cannot be told apart and counts as
    indistinguishable, unless every run of it failed or the metric is defined in none
    of them: then it is no contender.

    The sweep's ``assumptions`` (parameters that describe the world, not a choice)
    are not ranked: the best point is chosen among the points that share each
    combination of their values, one row per combination and metric. Columns: the
    assumption keys, then metric, point_id, mean, ci_low, ci_high, paired,
    indistinguishable (list of point ids, best excluded)."""
    assumptions = list(sweep.spec.assumptions)
    if set(assumptions) >= set(sweep.parameters):
        assumptions, summary = [], summary.iloc[:0]  # nothing to choose: no best point
    keys = value_keys(summary, assumptions)
    rows = []
    for key in dict.fromkeys(keys):
        points = summary[[k == key for k in keys]]
        fixed = {k: points[k].iloc[0] for k in assumptions}
        for row in _best_of(frame[frame["point_id"].isin(points["point_id"])], sweep, points, level):
            rows.append({**fixed, **row})
    return pd.DataFrame(rows, columns=[*assumptions, "metric", "point_id", "mean", "ci_low", "ci_high", "paired",
                                       "indistinguishable", "n", "runs", "planned", "failed", "valueless", "compared",
                                       "same", "never", "never_day"])


def value_keys(summary: pd.DataFrame, keys: list[str]) -> list[tuple[str, ...]]:
    """Each point's values of ``keys`` as a tuple of texts, in the summary's order: what
    points are grouped by (a value may be a list or a mapping, which pandas cannot
    group by)."""
    return [tuple(str(point[k].item() if isinstance(point[k], np.generic) else point[k]) for k in keys)
            for point in summary.to_dict("records")]


#: Random rearrangements behind an assumption's p-value (assumption_effects), from a fixed
#: seed; fewer where the runs are many, at least AT_LEAST_RESAMPLES.
RESAMPLES, AT_LEAST_RESAMPLES, RESAMPLED_CELLS = 9999, 999, 5_000_000


def assumption_effects(summary: pd.DataFrame, sweep: Sweep, runs: pd.DataFrame) -> pd.DataFrame:
    """How each metric moves over the points of a sweep whose parameters are all
    assumptions: its lowest and highest point mean (and where), and per parameter
    whether the runs move with it beyond chance, tested over the runs (``runs``: the
    sweep's frame, one row per run), not the point means. Over the means, a text value
    had Kruskal-Wallis' H at k − 1 whatever the data (p = 0.37 for three values, with
    their runs' intervals far apart), and three or four numeric levels could not give a
    p-value below 0.05 (at least 2/k!).

    For a numeric parameter, Spearman's ρ between its value and the runs' values; for
    text values (ρ NaN), whether the runs differ by value (Kruskal-Wallis' statistic);
    each with its permutation p-value in column ``<parameter> p`` (two-sided for ρ).
    With ``common_random_numbers`` the points of a replicate share its seed: the runs
    are then ranked within their replicate and the values rearranged within it, so the
    seeds' luck, common to the points, is taken out. ``<parameter> least p``: the
    smallest p-value the test could give over these runs, whatever their values (4 runs
    of 4 values: 2/24, so no effect can show at 0.05); ``points``: how many points have
    a finite mean, the ones the range is over; ``runs``: the runs the tests are over."""
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    values_at = summary.set_index("point_id")
    paired = bool(getattr(getattr(sweep, "spec", None), "common_random_numbers", False))
    rows = []
    for metric in sweep.metrics:
        means = summary[f"{metric}_mean"].astype(float)
        finite = np.isfinite(means.to_numpy())
        if not finite.any():
            continue
        row = {"metric": metric, "low": means[finite].min(), "low_point": int(summary.loc[means[finite].idxmin(), "point_id"]),
               "high": means[finite].max(), "high_point": int(summary.loc[means[finite].idxmax(), "point_id"]),
               "points": int(finite.sum())}
        used = ok[np.isfinite(ok[metric].to_numpy(dtype=float)) & ok["point_id"].isin(values_at.index)]
        used = used.sort_values(["replicate", "point_id"] if paired else ["point_id", "replicate"], kind="stable")
        blocks = used["replicate"].to_numpy() if paired else np.zeros(len(used), dtype=np.int64)
        y = used[metric].to_numpy(dtype=float)
        ranks = pd.Series(y).groupby(blocks).rank().to_numpy()
        order = _rearrangements(blocks, len(y))
        row["runs"] = len(y)
        for key in sweep.parameters:
            at = values_at.loc[used["point_id"], key]
            numbers = pd.to_numeric(at, errors="coerce").to_numpy(dtype=float)
            text = not np.isfinite(numbers).all()
            if text:
                codes = pd.factorize(at.astype(str).to_numpy())[0]
                row[key] = float("nan")
                row[f"{key} p"], row[f"{key} least p"] = _by_value(codes, ranks, blocks, order)
            else:
                row[key], row[f"{key} p"], row[f"{key} least p"] = _rank_trend(numbers, ranks, blocks, order)
        rows.append(row)
    return pd.DataFrame(rows, columns=["metric", "low", "low_point", "high", "high_point", "points", "runs",
                                       *[c for key in sweep.parameters
                                         for c in (key, f"{key} p", f"{key} least p")]])


def _rearrangements(blocks: np.ndarray, n: int) -> np.ndarray:
    """RESAMPLES random orders of ``n`` runs (sorted by ``blocks``), each moving runs only
    within their block: row r, column i is the run whose value goes to run i."""
    resamples = max(AT_LEAST_RESAMPLES, min(RESAMPLES, RESAMPLED_CELLS // max(n, 1)))
    keys = np.random.default_rng(0).random((resamples, n))
    _, block = np.unique(blocks, return_inverse=True)
    return np.argsort(keys + block, axis=1, kind="stable")


def _centred(ranks: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Ranks less their block's mean rank: a block with no spread (every point the same
    run) then weighs nothing."""
    return ranks - pd.Series(ranks).groupby(blocks).transform("mean").to_numpy()


def _rank_trend(values: np.ndarray, ranks: np.ndarray, blocks: np.ndarray,
                order: np.ndarray) -> tuple[float, float, float]:
    """Spearman's ρ between ``values`` and the runs' ``ranks`` (ranked within their
    blocks), its two-sided permutation p-value over ``order`` (values rearranged
    within blocks), and the least p-value any data could give over these runs, that of
    the runs in the values' own order in every block, or in reverse (4 runs of 4
    values: 2 of the 24 orders, so 0.083); NaNs for no spread in either. With one
    block this is Spearman's ρ over the runs. The rearrangements are drawn once for
    both p-values."""
    from scipy import stats

    x = stats.rankdata(values)
    y = _centred(ranks, blocks)
    x = x - x.mean()
    if not np.any(x) or not np.any(y):
        return float("nan"), float("nan"), float("nan")
    scale = math.sqrt(float(x @ x) * float(y @ y))
    observed = float(x @ y) / scale
    drawn = np.abs(x[order] @ y) / scale
    # the most extreme ρ these runs allow: each block's values matched to its runs in order, or reversed
    groups = [np.flatnonzero(blocks == block) for block in np.unique(blocks)]
    along = sum(float(np.sort(x[g]) @ np.sort(y[g])) for g in groups) / scale
    against = sum(float(np.sort(x[g]) @ np.sort(y[g])[::-1]) for g in groups) / scale
    return observed, _share_at_least(drawn, abs(observed)), _share_at_least(drawn, max(along, -against))


def _by_value(codes: np.ndarray, ranks: np.ndarray, blocks: np.ndarray, order: np.ndarray) -> tuple[float, float]:
    """Permutation p-value of the runs differing by a text parameter's value (``codes``):
    Kruskal-Wallis' statistic on the runs' ``ranks`` (ranked within their blocks), the
    values rearranged within blocks over ``order``; and the least p-value any data could
    give over these runs, that of the values wholly apart, each block's runs sorted into
    them in the same order of values (the most apart of every order, up to 6 values);
    NaNs with one value or no spread. The rearrangements are drawn once for both."""
    import itertools

    y = _centred(ranks, blocks)
    groups = int(codes.max()) + 1 if len(codes) else 0
    if groups < 2 or not np.any(y):
        return float("nan"), float("nan")
    counts = np.bincount(codes, minlength=groups).astype(float)

    def between(arranged: np.ndarray) -> np.ndarray:  # Σ_g (Σ_{i in g} y_i)² / n_g, each row a rearrangement
        return sum(((arranged == g) @ y) ** 2 / counts[g] for g in range(groups))

    drawn = between(codes[order])
    apart = []
    for values_order in itertools.permutations(range(groups)) if groups <= 6 else ():
        arranged = np.empty_like(codes)
        for block in np.unique(blocks):
            at = np.flatnonzero(blocks == block)
            held = np.bincount(codes[at], minlength=groups)
            arranged[at[np.argsort(y[at], kind="stable")]] = np.repeat(values_order, held[list(values_order)])
        apart.append(float(between(arranged[np.newaxis, :])[0]))
    return (_share_at_least(drawn, float(between(codes[np.newaxis, :])[0])),
            _share_at_least(drawn, max(apart, default=math.inf)))


def _share_at_least(drawn: np.ndarray, statistic: float) -> float:
    """The permutation p-value of ``statistic``: (1 + rearrangements at least as large)
    / (1 + rearrangements), equal values within rounding counted."""
    return float((1 + np.count_nonzero(drawn >= statistic - 1e-9 * max(1.0, abs(statistic)))) / (len(drawn) + 1))


def _horizon(sweep: Sweep, summary: pd.DataFrame, table: pd.DataFrame) -> float:
    """The last day of the sweep's runs (the longest, where days is swept; without a base
    scenario, the latest day any run reached)."""
    if "days" in summary.columns:
        return float(pd.to_numeric(summary["days"], errors="coerce").max())
    days = getattr(getattr(sweep, "base", None), "days", None)
    return float(days) if days is not None else float(np.nanmax(table.to_numpy(dtype=float), initial=0.0))


def _same_runs(table: pd.DataFrame, best: int, ran: np.ndarray) -> dict[int, int]:
    """For each other point that ran (rows of ``table``: its values by replicate on common
    seeds), the point whose values it has in every replicate: ``best`` for a tie with the
    best, the first such point of the table, else itself (metrics.copies)."""
    rows = {int(p): table.loc[p].to_numpy(dtype=float) for p, r in zip(table.index, ran) if r}
    return copies(rows, best, [p for p in rows if p != best])   # the best ran: its mean is defined


def fewer_defined(k: int, n: int, k_best: int, n_best: int) -> float:
    """One-sided Fisher exact p-value that a point with ``k`` of ``n`` runs where a metric is
    defined has it defined less often than the best's ``k_best`` of ``n_best``: the
    hypergeometric chance of ``k`` or fewer among its ``n`` of the pooled runs."""
    total, hits = n + n_best, k + k_best
    if n == 0 or n_best == 0:
        return 1.0

    def log_comb(a: int, b: int) -> float:
        return math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)

    whole = log_comb(total, n)
    low = max(0, hits - n_best)
    return min(1.0, sum(math.exp(log_comb(hits, x) + log_comb(total - hits, n - x) - whole) for x in range(low, k + 1)))


def _best_of(frame: pd.DataFrame, sweep: Sweep, summary: pd.DataFrame, level: float) -> list[dict]:
    """best_points' rows for one set of points (all of them, or one combination of assumptions)."""
    ok = frame[frame["status"] == "ok"]
    paired = bool(sweep.spec.common_random_numbers)
    means = summary.set_index("point_id")
    rows = []
    for metric in sweep.metrics:
        column = means[f"{metric}_mean"]
        if metric in UNRANKED or column.isna().all():
            continue
        if metric in UNDEFINED_IS_WORST:   # a run that never got there is worse than any day: most runs there first
            share = means[f"{metric}_n"] / means["runs_ok"].clip(lower=1)
            column = column.where(share == share[column.notna()].max())
        best = int(column.idxmin() if metric in LOWER_IS_BETTER else column.idxmax())
        # every point, those with no successful run too (no row in ``ok``): with fewer than two it cannot be told apart
        table = ok.pivot(index="point_id", columns="replicate", values=metric).astype(float)
        # a point where the metric is defined in no run (K whose window closed in none, a value of infinite equity) is
        # no contender, as a point whose every run failed: with no value it was listed beside the best, a verdict
        # drawn from nothing (for a day, or a cost per added customer, it is the worst there is: the same)
        # the points where it never came in any run (each run counted as the day after the horizon below): named in
        # the report, as compare names them, where "3 other points are statistically indistinguishable" hid two
        # that never paid back
        never = [int(p) for p, d in zip(table.index, table.notna().sum(axis=1) > 0) if not d] \
            if metric in NEVER_IS_WORST else []
        never_day = _horizon(sweep, summary, table) + 1 if metric in NEVER_IS_WORST else math.nan
        if metric in NEVER_IS_WORST:
            # a run that never got there counts as the day after the horizon: a point that never paid back in any
            # run had no defined day and was listed as not told apart from one that paid back on day 1
            table = table.where(table.notna() | ok.pivot(index="point_id", columns="replicate", values="status").isna(),
                                never_day)
        # counted so, a point that never paid back has a value in each run, and is tested as compare tests it: it was
        # "no contender" (not among those not told apart) beside a best that paid back in 1 run of 3 on day 118 of
        # 120, where compare called the same runs unclear
        defined_any = (table.notna().sum(axis=1) > 0).reindex(means.index, fill_value=False).to_numpy()
        table = table.reindex(means.index)
        ran = table.index.isin(ok["point_id"].unique())
        # one test against the best per other point, at ``level`` together (Holm's step-down, as compare's): the best
        # and the points not told apart from it then hold a truly best point with that probability. On common seeds,
        # points with the same value in every replicate (a swept value that changes no run) are one test, and those
        # the same as the best a tie, no test: a parameter the model ignores, swept over 3 values, had every point
        # tested at 99% instead of 95%, and a reward told apart from the best without it was not with it
        same = _same_runs(table, best, ran & defined_any) if paired else {}
        # a point whose every run failed, or with the metric defined in none, is compared with nothing, so it is no
        # test: counted, it made the others' tests stricter for a point that could not be in the best's company anyway
        at = table.index.get_loc(best)
        if paired:
            gap = table - table.loc[best]
            n = gap.notna().sum(axis=1).to_numpy()
            centre = gap.mean(axis=1).to_numpy()
            error = (gap.std(axis=1, ddof=1) / np.sqrt(np.maximum(n, 1))).to_numpy()
            dof = np.maximum(n - 1, 1).astype(float)
        else:
            n_each = table.notna().sum(axis=1).to_numpy()
            variance = (table.var(axis=1, ddof=1) / np.maximum(n_each, 1)).to_numpy()
            centre = (table.mean(axis=1) - table.loc[best].mean()).to_numpy()
            joint = variance + variance[at]
            with np.errstate(divide="ignore", invalid="ignore"):  # two points with no spread: no dof, and none needed
                dof = joint ** 2 / (variance ** 2 / np.maximum(n_each - 1, 1) + variance[at] ** 2 / max(n_each[at] - 1, 1))
            error, dof = np.sqrt(joint), np.where(joint > 0, dof, 1.0)
            n = np.minimum(n_each, n_each[at])
        chance = two_sided_p(centre, error, dof, n)
        if metric in UNDEFINED_IS_WORST:
            # undefined in every run (a program that added nobody has no cost per extra customer) is the worst there
            # is, not a point too little known to tell apart: such points were listed beside a best defined in all;
            # so is a point defined in fewer runs than the best beyond chance (1 of 10 against 10 of 10): either test
            # tells it apart, at the level its comparison is made
            defined = means[f"{metric}_n"].reindex(table.index).fillna(0).to_numpy().astype(int)
            runs = means["runs_ok"].reindex(table.index).fillna(0).to_numpy().astype(int)
            fewer = np.array([fewer_defined(int(k), int(m), int(defined[at]), int(runs[at])) for k, m in zip(defined, runs)])
            # the value tells a point apart only where it is worse: the best is the point defined in the most runs,
            # and one defined in 7 of 8 at less than half its cost per extra customer was 'told apart' (so read as
            # worse) by being cheaper, where its fewer runs were no evidence (Fisher p = 0.5)
            better = centre < 0 if metric in LOWER_IS_BETTER else centre > 0
            chance = np.minimum(np.where(better, 1.0, chance), fewer)
            if metric not in NEVER_IS_WORST:   # a payback that never came has its day, counted above
                chance = np.where(defined > 0, chance, 0.0)
        contenders = [int(p) for p, r, d in zip(table.index, ran, defined_any) if r and d and int(p) != best]
        tested = [p for p in contenders if same.get(p, p) == p]
        # Holm's step-down, as compare's: with Bonferroni (every test at 1 − (1 − level)/m) a sweep listed a point
        # that compare, on the same runs, called behind "sure at 95%"
        steps = holm_steps(dict(zip(tested, chance[[table.index.get_loc(p) for p in tested]])), level)
        apart = {p for p, (_, told) in steps.items() if told}
        tied = np.array([int(p) in contenders and (same.get(int(p), int(p)) == best
                                                   or same.get(int(p), int(p)) not in apart) for p in table.index])
        # a point whose every run failed is no contender: it was named "indistinguishable from the best"
        others = [int(p) for p, t, r in zip(table.index, tied, ran) if t and r and int(p) != best]
        failed = [int(p) for p, r in zip(table.index, ran) if not r]
        row = means.loc[best]
        rows.append({"metric": metric, "point_id": best, "mean": row[f"{metric}_mean"], "ci_low": row[f"{metric}_ci_low"],
                     "ci_high": row[f"{metric}_ci_high"], "paired": paired, "indistinguishable": others,
                     "failed": failed,   # the points ranked with it whose every run failed: compared with nothing
                     # those whose runs finished with the metric undefined in each: compared with nothing too
                     "valueless": [int(p) for p, r, d in zip(table.index, ran, defined_any) if r and not d],
                     # the points with its very runs (common seeds): a tie, whichever is named best
                     "same": [int(p) for p, c in same.items() if c == best],
                     "compared": int((ran & defined_any).sum()) - 1,   # the other points ranked with it with a value
                     "never": never, "never_day": never_day,   # a payback that came in no run of these points
                     # the runs of the best point where the metric is defined, and its runs
                     "n": int(row.get(f"{metric}_n", int(table.loc[best].notna().sum()))),
                     "runs": int(row.get("runs_ok", int(table.loc[best].notna().sum()))),
                     "planned": int((frame["point_id"] == best).sum())})
    return rows


__all__ = ["SweepSpec", "Sweep", "Points", "SweepOutcome", "ValueList", "ValueRange", "load_sweep", "sweep_points",
           "run_seed", "run_seeds", "point_stream", "run_sweep", "execute_sweep", "execution", "point_summary", "best_points",
           "assumption_effects", "value_keys", "default_folder", "rerun", "scenario_at", "row_values", "point_scenario",
           "grid_levels", "unit_to_value", "unit_samples", "yaml_value", "METHODS", "DEFAULT_METRICS", "RESERVED_KEYS"]
