"""The ``refsim`` command line: thin wrappers around the library.

Every command turns a user mistake (ScenarioError) into one line on stderr and
exit code 2, with no traceback.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import functools
import json
import sys
from pathlib import Path
from typing import Callable, Optional

import typer.core
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column
from rich.text import Text

from .errors import ScenarioError

class _OneLineErrors(typer.core.TyperGroup):
    """The command group, with click's own refusals (an option's bad value, an unknown
    option, a missing argument) on one line, as every other refusal: click printed three
    (Usage, Try, Error)."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        # typer carries its own copy of click (typer._click); the click package's classes would not match
        clicks = getattr(typer.core, "_click", None)
        if clicks is None:
            import click as clicks
        problems = clicks.exceptions
        try:
            done = super().main(*args, standalone_mode=False, **kwargs)
        except problems.NoArgsIsHelpError as error:   # `refsim` alone, or a command without arguments: its help
            error.show()
            sys.exit(error.exit_code)
        except problems.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else self._command_path(clicks, args, kwargs)
            message = " ".join(error.format_message().split())
            err.print(f"error: {where}: {message} (see {where} --help)", markup=False)
            sys.exit(error.exit_code)
        except problems.ClickException as error:
            err.print(f"error: {' '.join(error.format_message().split())}", markup=False)
            sys.exit(error.exit_code)
        except typer.Abort:
            err.print("interrupted", markup=False)
            sys.exit(1)
        sys.exit(done if isinstance(done, int) else 0)

    def _command_path(self, clicks, args, kwargs) -> str:
        """The command a refusal without a context belongs to, as click names it elsewhere:
        `run --out` with no value (the parser's refusal carries no context) was said of
        `refsim`, with the top-level help, where every other refusal names its command."""
        argv = list(args[0] if args else kwargs.get("args") or sys.argv[1:])
        detect = getattr(getattr(clicks, "utils", None), "_detect_program_name", None)   # click's own naming, if there
        program = kwargs.get("prog_name") or (detect() if detect else "refsim")
        command = next((a for a in argv if a in self.commands), None)
        return f"{program} {command}" if command else program


app = typer.Typer(
    cls=_OneLineErrors,
    name="refsim",
    help="Simulate referral programs on a social network before you launch one.\n\n"
         "Start with:  refsim run scenarios/default.yaml",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)   # "0:100:log" was printed "0💯log"
out = Console(highlight=False, soft_wrap=True, emoji=False)

EXECUTOR_HELP = "Where runs execute: local (a process pool on this computer), serial (this process) or dask."
WORKERS_HELP = "Parallel workers (local pool or local Dask cluster; default: the number of CPU cores). Results do not depend on it."
#: WORKERS_HELP for a command whose file (a sweep file, a --settings file) may give `workers:`, which the flag overrides.
FILE_WORKERS_HELP = ("Parallel workers (local pool or local Dask cluster; default: the {file}'s `workers:`, else the number "
                     "of CPU cores). Results do not depend on it.")
SCHEDULER_HELP = "Address of a running Dask scheduler, tcp://HOST:PORT (implies --executor dask)."
SET_HELP = "Override a scenario value, e.g. --set days=90 --set program.incentive.referrer_reward=20 (repeatable)."


def user_errors(command: Callable) -> Callable:
    """Print ScenarioError as one line and exit 2; Ctrl-C exits 130 without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .lifecycle import forget_stops, stop_asked

        forget_stops()
        try:
            done = command(*args, **kwargs)
        except ScenarioError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as stop:
            err.print("interrupted", markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None
        except typer.Exit:
            raise
        except Exception:
            stop = stop_asked()
            if stop is None:
                raise
            # the stop, raised inside a library's callback, came out as another error
            err.print("interrupted", markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None
        stop = stop_asked()
        if stop is not None:
            # raised where Python drops exceptions (a garbage-collection callback): the command
            # went on to its end, and ends as the stop asked, not with exit 0
            err.print("interrupted as the command finished: what it printed above is written", markup=False)
            raise typer.Exit(_interrupt_exit(stop))
        return done

    return wrapper


def _interrupt_exit(stop: BaseException) -> int:
    from .lifecycle import TERMINATED_EXIT, Terminated

    return TERMINATED_EXIT if isinstance(stop, Terminated) else 130


def kernel_ready() -> None:
    """Load the compiled kernel before the progress bar starts; on the first run of an
    installation numba compiles it (tens of seconds), and the user is told why nothing moves.

    Whether to say so is decided by what is on disk (nothing compiled in this process and
    no cached kernel for today's source, an upgrade's stale cache included: kernel._nothing_compiled), not by how long warm_up takes: loading
    the cached kernel takes a second or two on a quiet machine but 5-8 s on a busy 2-core
    one (measured under the test suite), and a note keyed on a 5 s timer then told users a
    compile was under way when none was, adding two lines to the stderr of commands whose
    refusals must stay one line."""
    import time

    from .kernel import _nothing_compiled, engine_choice, warm_up

    # the numpy path compiles no kernel; a wrong REFSIM_ENGINE is warm_up's one-line error too
    compiling = engine_choice() != "numpy" and _nothing_compiled()
    started = time.perf_counter()
    if compiling:
        err.print("compiling the simulation kernel: once per installation (numba caches it), "
                  "15 to 40 seconds on a 2-core machine, longer while it is busy...", highlight=False)
    warm_up()
    if compiling:
        err.print(f"kernel compiled in {time.perf_counter() - started:.0f} s", highlight=False)


def _check_engine(scenarios) -> None:
    """REFSIM_ENGINE=kernel where the kernel cannot run a scenario: its one line before the
    bar (the bar showed 0/2 first, then the refusal)."""
    from .kernel import engine_choice, path_for

    path_for(scenarios, engine_choice())


def progress_bar(total: int, label: str, ready: bool = True) -> Progress:
    """``ready``: load the kernel now (every command with a progress bar runs simulations);
    a command that may still refuse afterwards (sweep: its folder's lock) calls
    :func:`kernel_ready` itself once it knows it will run."""
    if ready:
        kernel_ready()
    # a scenario name is text, not markup or a format string: '[/oops]' or '{task}' print as written
    literal = label.replace("{", "{{").replace("}", "}}")
    # only the bar and the name give way to a narrow terminal, never a figure
    return Progress(_NameColumn(literal, err, markup=False), BarColumn(), MofNCompleteColumn(table_column=Column(no_wrap=True)),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(table_column=Column(no_wrap=True)),
                    TextColumn("left"), _LeftColumn(table_column=Column(no_wrap=True)),
                    console=err, disable=not err.is_terminal and total <= 1)


class _LeftColumn(TimeRemainingColumn):
    """The time left from the mean time per run since the runs started (``per_run`` and
    ``at``, set by :func:`_rate_updater`), counting down between completions. Rich's
    own estimate reads the speed of the last few completions: two workers finishing
    a fraction of a second apart read as a fast speed, and a run of 6 replicates of a
    million people showed 'left 0:00:04' from second 7 to second 17, with 16 s left."""

    def render(self, task) -> Text:
        import time

        per_run, at = task.fields.get("per_run"), task.fields.get("at")
        if per_run is None or at is None or task.total is None or task.finished:
            return super().render(task)
        left = max(0.0, per_run * (task.total - task.completed) - (time.monotonic() - at))
        minutes, seconds = divmod(int(math.ceil(left)), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours}:{minutes:02d}:{seconds:02d}", style="progress.remaining")


class _NameColumn(TextColumn):
    """The progress line's name, cut with an ellipsis where the line would not fit the
    terminal, so that the figures after the bar never are: a line too long for the
    terminal is shrunk in every column alike, and a sweep of 100,000 runs with a long
    name read '1200… 129.52 runs/s 0:00:…' in 80 columns (12000/100000, its total cut off)."""

    #: the figures' widest: '12000/100000' (its digits apart), '99999.99 runs/s', the
    #: elapsed time, 'left', the time left, the spaces between, and 4 columns of bar
    FIGURES = 1 + len("99999.99 runs/s") + len("99:59:59") + len("left") + len("99:59:59") + 6 + 4

    def __init__(self, text: str, console: Console, **kwargs) -> None:
        super().__init__(text, **kwargs)
        self._console = console

    def render(self, task) -> Text:
        # a task may carry its own name: optimize's fresh-seed re-runs, on the line below its trials
        text = Text(task.fields["label"], style=self.style) if "label" in task.fields else super().render(task)
        digits = len(str(int(task.total if task.total is not None else task.completed)))
        text.truncate(max(8, self._console.width - self.FIGURES - 2 * digits), overflow="ellipsis")
        return text


def stop_bar(bar: Progress) -> None:
    """Stop a progress bar that was started: stopping one that never was prints an empty
    line, and a refusal before the bar appears (a folder holding another sweep) then
    came out as two lines."""
    if bar.live.is_started:
        bar.stop()


@app.command()
@user_errors
def run(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file (see scenarios/)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder to create (must not exist or be empty). Default: a new timestamped folder under results/."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Number of replicates, 1..1,000,000 (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Scenario seed, 0..2^63-1 (default: the scenario's, or a fresh one that is recorded); each replicate's own seed is spawned from it, so a sweep row's seed column (a run's own seed) is no --seed: rerun a row with simulator.sweep.rerun (docs/scenarios.md)."),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP),
    people: bool = typer.Option(False, "--people", help="Also write people.parquet (who referred whom) for replicate 0."),
    baseline: Optional[bool] = typer.Option(None, "--baseline/--no-baseline", help="Also run the no-program baseline on the same seeds (default: when the scenario has a program)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=WORKERS_HELP),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + " Default: local (dask with --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
):
    """Run one scenario and write its results folder (timeseries, summary, plots, report, manifest).

    Replicates run in parallel on every core by default; each replicate's seed is
    spawned from the scenario seed, so the results are the same with any --workers."""
    from .report import write_run
    from .results import check_out_dir, new_results_dir
    from .runner import resolve_seed, simulate
    from .scenario_io import load_scenario

    from .executors import check_cluster, check_executor, workers_used
    from .limits import check_memory, check_options

    started = dt.datetime.now()
    check_options(replicates=replicates, seed=seed, workers=workers)
    if out_dir is not None:
        check_out_dir(out_dir)
    from .provenance import check_unchanged, held_inputs

    loaded = load_scenario(scenario, sets)
    held = held_inputs([loaded])   # the edge list as validation read it: a change while the runs go is refused
    executor = check_executor(executor, scheduler)
    # the scheduler and its workers' code, before the bar and the runs, as --scheduler (simulate's own check says
    # scheduler=, and reached the console first: "simulate(): scheduler: 1 of the 1 workers ... run other refsim code")
    cluster = check_cluster(scheduler) if scheduler else None
    _note_unused_workers(workers, executor, scheduler)
    from .scenario_io import replaced_blocks

    replaced = replaced_blocks(scenario, loaded.name, sets)
    for note in replaced:   # a strategy a plain value dropped, unsaid
        err.print(f"note: {note.replace('`', '')}", markup=False)
    target = out_dir if out_dir is not None else new_results_dir(loaded.name)
    check_out_dir(target)
    drawn = seed is None and loaded.seed is None
    loaded = resolve_seed(loaded, seed)
    total = replicates or loaded.replicates
    check_memory([loaded], replicates=total, workers=workers, executor=executor, remote=bool(scheduler),
                 source=str(scenario))
    _check_engine([loaded])
    with progress_bar(total, f"{loaded.name}") as bar:
        task = bar.add_task("runs", total=total, rate="")
        results = simulate(loaded, replicates=total, people=people, baseline=baseline,
                           progress=_rate_updater(bar, task, workers_used(executor, workers, cluster, total)),
                           workers=workers, executor=executor,
                           scheduler=scheduler)
    check_unchanged(held, "the run")
    folder = write_run(results, target, started=started, command=_typed_again(loaded.seed if drawn else None),
                       people=people, sets=sets, execution=_execution(executor, workers, scheduler, cluster, total),
                       set_notes=replaced, inputs=held)
    _print_headline(results, sets)
    out.print(f"results: {folder}/  (report.md, timeseries.csv, summary.csv, plots)", markup=False)


def _design_with_sets(path: Path, sets: list[str], designs: int):
    """One of compare's designs with every --set applied. A key of another kind of block
    than this design's (a friend's reward uplift in a single-sided design), set to test
    an assumption the report names, was refused with 'change the kind, or remove the
    key', no help in a comparison: the refusal now says how to set it in only the
    designs that have it."""
    from .scenario_io import load_scenario

    try:
        return load_scenario(path, sets)
    except ScenarioError as error:
        # a key of a block this design's file does not have at all (program.incentive.budget in a no-program file
        # without a program block): "missing 'kind'", which the user never wrote and which said nothing of --set
        absent = "missing 'kind'; every block with variants needs one" in error.message
        if designs < 2 or not (" is a key of kind " in error.message or absent) or " with --set " not in (error.file or ""):
            raise
        from .parameters import is_lever

        # sensitivity varies an assumption in the designs that have it, but refuses a choice of the program (a reward
        # size) one design lacks: it was offered for both
        how = ("one design file for each value (or search it with refsim optimize)" if is_lever(error.key or "")
               else "or vary it with refsim sensitivity, which moves only the designs that have it")
        if absent:
            kinds = error.message.split("valid kinds: ", 1)[-1].split("; ", 1)[-1]   # "budget is a key of kinds ..."
            raise ScenarioError(f"this design's file has no `{error.key}` block for the --set to go into ({kinds}); a "
                                f"--set goes to every design of a comparison: set the key in the files of the designs "
                                f"that have it, {how}", file=error.file, key=error.key) from None
        raise ScenarioError(error.message.split(" change the kind, or remove the key;")[0]
                            + f" a --set goes to every design of a comparison: set the key in the files of the designs "
                              f"that have it, {how};"
                            + error.message.split(" change the kind, or remove the key;", 1)[-1],
                            file=error.file, key=error.key) from None


def set_lever_notes(paths: list[Path], names: list[str], sets: list[str], via: str = "--set") -> list[str]:
    """The levers a --set applied to every design brings into designs whose files have
    none (report.text.created_lever_notes), each printed as a note before the runs;
    ``via`` where the items came from (a study's settings file's ``set:``)."""
    if not sets:
        return []
    from .report.text import created_lever_notes

    created = {name: _created_by_sets(path, sets) for path, name in zip(paths, names)}
    notes = created_lever_notes(created, names, via)
    from .scenario_io import replaced_blocks

    from .scenario_io import listed_ids

    # a file beside it listing ids refuses .count: only there is 'scale a copy of each file' the way out
    listed = [listed_ids(path) for path in paths]
    notes += [note for i, (path, name) in enumerate(zip(paths, names))
              for note in replaced_blocks(path, name, sets, via, several=any(listed[:i] + listed[i + 1:]))]
    for note in notes:
        err.print(f"note: {note.replace('`', '')}", markup=False)
    return notes


def _created_by_sets(path: Path, sets: list[str]) -> list:
    """scenario_io.created_by_sets of the file at ``path`` as it stands; none where the file
    is valid only with the --set items (`base_share: 1.5` set to 0.2, 30 initial customers
    on a 5-person edge list set to 1): compare, optimize, sensitivity and calibrate refused
    it, blaming the file's value, where run and validate took it."""
    from .scenario_io import created_by_sets, load_scenario

    try:
        return created_by_sets(load_scenario(path, check_network=False), sets)
    except ScenarioError:
        return []


def _note_unused_workers(workers: Optional[int], executor: str, scheduler: Optional[str], named: str = "--workers") -> None:
    from .executors import unused_workers

    if (note := unused_workers(workers, executor, scheduler, named)) is not None:
        err.print(f"note: {note}", markup=False)


def _defined_in(metric: str, defined: int, replicates: int, program: bool = True) -> str:
    """A headline defined in only some replicates says in how many: a mean payback day
    over the one replicate in six that paid back is not the program's payback. Without a
    ``program`` there is nothing to pay back (runner: payback_day is NaN there)."""
    if defined >= replicates:
        return ""
    if metric == "payback_day" and not program:   # 'never paid back' was said of a scenario without a program
        return "   no program: nothing to pay back"
    if defined == 0:   # a payback that never came is no undefined figure: the program did not pay back
        return ("   never paid back within the horizon in any replicate" if metric == "payback_day"
                else "   undefined in every replicate")
    if metric == "payback_day":
        return f"   paid back in {defined} of {replicates} replicates (the mean is over those)"
    return f"   defined in {defined} of {replicates} replicates (the mean is over those)"


def _median_day(runs, metric: str) -> str:
    """The payback day's median beside its mean: report.md's headline gives the median
    (a day, robust to one late replicate), so the console says it too."""
    if metric != "payback_day" or metric not in runs.columns:
        return ""
    from .metrics import median_day

    day = median_day(runs[metric])
    return f"   median day {day:.0f}" if math.isfinite(day) else ""


def _plain(note: str) -> str:
    """A report's Markdown sentence as the console prints it: no backticks, no bold."""
    return note.replace("`", "").replace("**", "")


def _print_headline(results, sets: list[str] = ()) -> None:
    from .config import has_program
    from .report import fmt
    from .report.text import (k_undefined_note, lumped_text, nothing_to_pay_back, roi_undefined_note, spans_every_day,
                              undefined_value_reason)

    table = results.summary.set_index("metric")
    replicates = len(results.runs)
    # incremental_value first: the value the program adds (beyond the horizon too) is the decision
    shown = [m for m in ("incremental_value", "payback_day", "customers_final", "referred_share", "k_factor", "program_k",
                         "attributed_roi", "cumulative_profit", "incremental_profit") if m in table.index]
    if replicates == 1:   # '95% CI – – –' on every line read as a glitch
        out.print("  one replicate gives no interval (run --replicates 2 or more for one):", markup=False)
    for metric in shown:
        row = table.loc[metric]
        spread = (f"   95% CI {fmt(row['ci_low'])} – {fmt(row['ci_high'])}"
                  if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]) else "")
        # K undefined everywhere because no window closed by the horizon: say why ('undefined in every replicate' alone)
        why = (f": {k_why.replace('`', '')}" if metric in ("k_factor", "program_k") and int(row["n"]) < replicates
               and (k_why := k_undefined_note(results.scenario, results.runs)) else "")
        if metric == "incremental_value" and int(row["n"]) == 0:   # infinite equity: said why, as report.md says it
            why = f": {undefined_value_reason(results.scenario).replace('`', '')}"
        if metric == "attributed_roi" and int(row["n"]) == 0:   # no reward cost to divide by: said why, as K's is
            why = f": {roi_undefined_note(results.scenario).replace('`', '')}"
        if metric == "payback_day" and has_program(results.scenario) and nothing_to_pay_back(results.runs):
            # day 1 by definition: said, as report.md says it (no program: _defined_in says so)
            why = "   nothing to pay back: it spends nothing, and its incremental profit is 0 at the horizon"
        elif metric == "payback_day" and has_program(results.scenario) and (
                lump := lumped_text(results.runs[metric], spans_every_day(results.summary, results.scenario))):
            # day 1 in 6 of 6 read "95% CI 1 – 1" where the true mean was 3.7 (report.md says more)
            why = f"   {lump}"
        out.print(f"  {metric:<22} {fmt(row['mean']):>12}{spread}"
                  + _median_day(results.runs, metric)
                  + _defined_in(metric, int(row["n"]), replicates, has_program(results.scenario)) + why
                  + ("   a dashboard's view (reward cost only), not a verdict" if metric == "attributed_roi" else ""),
                  markup=False)
    from .report.text import ask_window_note, brought_forward_note, k_window_note, referred_loyalty_note, reminders_unsent_note

    # K low by construction (a pipeline, a late ask), and a value that rests on referred customers' assumed loyalty
    # with no customer added, or on customers the twin gains after the horizon: report.md said each, the console's
    # figures stood alone
    for note in ((k_window_note(results.scenario), ask_window_note(results.scenario, runs=results.runs))
                 if "k_factor" in shown else ()) + (
            referred_loyalty_note(results.scenario, results.runs), reminders_unsent_note(results.scenario),
            brought_forward_note(results.scenario, results.timeseries, results.baseline_timeseries)):
        if note:
            out.print(f"  note: {_plain(note)}", markup=False)
    if "incremental_value" not in results.runs.columns and has_program(results.scenario):
        from .report.run import NO_TWIN

        out.print(f"  note: {NO_TWIN.replace('`', '')}", markup=False)
    for line in _budget_lines(results.runs, results.scenario, results.timeseries):
        out.print(f"  {line}", markup=False)
    _print_default_notes(results.scenario, sets=sets)


def _print_sweep_notes(loaded) -> None:
    """What the sweep's base leaves to defaults, and its kinds and assumptions, as notes:
    after the runs, and in a dry run, which said nothing of a base that asks nobody."""
    from .report.sweep import kind_notes, swept_values, sweep_replaced_notes
    from .report.text import study_default_notes, study_world_note, unpriced_size_note

    for note in sweep_replaced_notes(loaded):   # a seeding strategy a plain --set value dropped
        out.print(f"  note: {note.replace('`', '')}", markup=False)

    # what the base's defaults decide, as optimize says on the console: the sweep said it in report.md only
    for note in (*study_default_notes(loaded.base, loaded.parameters), *kind_notes(loaded)):
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    if note := study_world_note(list(loaded.parameters), loaded.spec.assumptions, loaded.base,
                                values=swept_values(loaded.spec)):   # a world's best
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    if note := unpriced_size_note(list(loaded.parameters), loaded.spec.assumptions):   # a size with no cost of its own
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    from .report.sweep import _why_none, tracked_cost_note

    if note := tracked_cost_note(loaded):   # as optimize says it: the cheapest reward wins whatever it adds
        out.print(f"  note: {note}", markup=False)
    if why := _why_none(loaded):   # before the runs too: every point's objective is infinite less infinite
        out.print(f"  note: {loaded.objective} is undefined at every point{why.replace('`', '')}", markup=False)


def _default_notes(scenario, sets: list[str] = ()) -> list[str]:
    """The defaults that decide what a program costs or does, left in place by the file
    (report.text.default_notes), one note each; with ``sets`` (the --set items), also what
    a margin they move does to behaviour (report.text.margin_note)."""
    from .report.text import default_notes, margin_note

    notes = [*default_notes(scenario), margin_note(scenario, [item.partition("=")[0].strip() for item in sets])]
    return [note.replace("`", "") for note in notes if note]


def _print_default_notes(scenario, sets: list[str] = ()) -> None:
    for note in _default_notes(scenario, sets):
        out.print(f"  note: {note}", markup=False)


def _print_designs_notes(scenarios, sets: list[str] = ()) -> None:
    """Each design's default notes, a note several designs share printed once with their
    names (as report.text.designs_default_notes gives a study's): two designs on one edge list printed its
    paragraph on friendless people twice, word for word."""
    names: dict[str, list[str]] = {}
    for scenario in scenarios:
        for note in _default_notes(scenario, sets):
            names.setdefault(note, []).append(scenario.name)
    for note, who in names.items():
        out.print(f"  note: {', '.join(who)}: {note}", markup=False)


def _typed_again(drawn_seed: int | None) -> list[str]:
    """The command line for the manifest, with ``--seed`` where the seed was drawn: typed
    again as it was, it drew another seed and gave other numbers."""
    return [*sys.argv, *(["--seed", str(drawn_seed)] if drawn_seed is not None else [])]


def _execution(executor: str, workers: int | None, scheduler: str | None, cluster: int | None = None,
               tasks: int | None = None) -> dict:
    """Where a command's runs ran, for its manifest (a sweep's records each session's);
    ``cluster``: the workers a scheduler had at the start (a Dask run recorded null);
    ``tasks``: the runs sent out (no more workers start)."""
    from .executors import workers_used

    return {"executor": executor, "workers": workers_used(executor, workers, cluster, tasks),
            **({"scheduler": scheduler} if scheduler else {})}


def _budget_lines(runs, scenario, timeseries=None, ranking: bool = False) -> list[str]:
    """The console's lines on a design's budget: the day a total one ran out (the median,
    as report.md's headline gives it) and the rewards earned beyond it; a monthly
    allowance's use; a total one on its way out at the horizon (report.text.budget_pace_note,
    ``ranking``: beside other designs)."""
    from .behaviour.budget import months_begun
    from .metrics import median_day
    from .report import fmt
    from .report.text import (DEFERRED_PAID, allowance_holds, asks_done_by, asks_over, budget_pace_note, planned_last_ask, ended_by_default, milestone_cut_short, never_spent, owed_beyond_allowance,
                              owed_months, owed_waiting, paced_text, reserves)

    lines = []
    incentive = getattr(scenario.program, "incentive", None)
    days = runs["budget_exhausted_day"].dropna() if "budget_exhausted_day" in runs.columns else []
    if len(days):
        default = ended_by_default(incentive).replace("`", "")   # the console prints no markdown
        last_ask = asks_over(scenario, timeseries)
        # a campaign whose last ask came months before the budget ran out had no asks left to end
        done = asks_done_by(last_ask, days, planned_last_ask(scenario))   # every run that ran out, not the median
        asked = f" (its asks had ended on day {last_ask:.0f})" if done else \
            f", its asks too ({default})" if default else ""
        if incentive.on_budget_exhausted == "rewards_only":   # a campaign's asks over before it had none to go on
            after = (f"no asks were left to go on (its asks had ended on day {last_ask:.0f})"
                     if done else "asks continued unrewarded")
        else:
            after = "the program ended" + asked
        # paid on qualification the rewards reserved before it are paid as they fall due (a monthly allowance
        # beside it pays them as it refills): "the program ended" read as if no reward was paid after that day
        # paid on signup a monthly allowance beside it holds the claims it deferred, and pays them as it refills
        held = (f", the rewards reserved before it paid as they fell due{paced_text(incentive)}" if reserves(incentive)
                else f", {DEFERRED_PAID}" if getattr(incentive, "budget_per_month", None) is not None else "")
        # the runs' first and last days beside the median: a median of day 56 hid runs that ran out on day 519
        spread = f"days {days.min():.0f}–{days.max():.0f}; " if days.min() < days.max() else ""
        # delight gifts are no ask and no reward: they went on after 'the program ended', at their cost, unsaid
        from .report.text import went_on_after_budget

        lines.append(f"budget ran out on day {median_day(days):.0f} (median; {spread}{len(days)} of {len(runs)} runs); "
                     f"after it {after}{held}" + "".join(f"; {part}" for part in
                                              went_on_after_budget(scenario.program, timeseries, median_day(days))))
        if cut := milestone_cut_short(runs, scenario):   # its name is the line's prefix
            lines.append(cut.removeprefix(f"{scenario.name}'s ").replace("`", ""))
        left = never_spent(runs, incentive)
        if math.isfinite(left) and left >= 0.01 * incentive.budget:
            why = ("claims that never came, room too small for the next referral; it reopens nothing"
                   if incentive.paid_on == "qualification" else "room too small for the next referral's rewards"
                   + ("; and the discount of what the monthly allowance still holds"
                      if allowance_holds(runs, incentive) else ""))
            lines.append(f"unspent: {fmt(left)} of the {fmt(incentive.budget)} on average where it ran out (budget less "
                         f"reward_cost and the discounted rewards_owed: {why})")
    if pace := budget_pace_note(scenario, runs, ranking=ranking):   # a budget on its way out at the horizon: report.md's note, said here
        lines.append(_plain(pace[0].lower() + pace[1:]))
    monthly = getattr(incentive, "budget_per_month", None)
    if monthly is not None and "reward_cost" in runs.columns and len(runs):
        allowed = monthly * months_begun(scenario.days)  # months begun by the last day
        owed = owed_beyond_allowance(runs, monthly, scenario.days)
        lines.append(f"monthly allowance {monthly:,.0f}: {float(runs['reward_cost'].mean()) / allowed:.0%} of the "
                     f"{allowed:,.0f} allowed used on average (a spent month pauses the reward until the next)"
                     + (f"; {fmt(owed)} still owed at the end "
                        f"({owed_months(owed, monthly, allowed - float(runs['reward_cost'].mean()))}{owed_waiting(incentive)}; "
                        f"it paces payments, not commitments)" if owed else ""))
    some = runs["rewards_unpaid"][runs["rewards_unpaid"] > 0] if "rewards_unpaid" in runs.columns else []
    if len(some):
        # paid on qualification what goes unpaid was reserved within the budget, not earned beyond it
        what = "earned rewards left unpaid" if reserves(incentive) else "earned rewards beyond the budget"
        lines.append(f"{what}: {fmt(float(some.mean()))} on average in {len(some)} of "
                     f"{len(runs)} runs (rewards_unpaid, charged to the value)")
    return lines


@app.command()
@user_errors
def validate(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML file to check."),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP),
    show: bool = typer.Option(False, "--show", help="Print the resolved scenario (every default filled in) as YAML."),
):
    """Check a scenario file: exit 0 if valid, else one line naming the key and what is valid (exit 2)."""
    import yaml

    from .scenario_io import load_scenario

    from .limits import check_memory

    loaded = load_scenario(scenario, sets)
    check_memory([loaded], workers=1, source=str(scenario))
    if show:   # the YAML alone on stdout, so that `--show > full.yaml` is a scenario file
        sys.stdout.write(yaml.safe_dump(shown_scenario(loaded), sort_keys=False))
        sys.stdout.flush()
    (err if show else out).print(f"{scenario}: valid ({loaded.name}: {loaded.days} days, {loaded.replicates} replicates, "
                                 f"network {loaded.network.kind})", markup=False)
    from .report.text import default_notes
    from .scenario_io import replaced_blocks

    # a --set that drops the file's keys, said as run says it: validate is where a --set is checked before a long run
    for note in [*replaced_blocks(scenario, loaded.name, sets), *default_notes(loaded)]:
        err.print(f"note: {note.replace('`', '')}", markup=False)


def shown_scenario(scenario) -> dict:
    """What `validate --show` writes: every key, defaults filled in, but the budget's
    ``on_budget_exhausted`` where the design has no total budget. Written out there, the
    file read it as the user's own setting, and every command run on it said it 'changes
    nothing', of a key nobody wrote."""
    data = scenario.model_dump(mode="json")
    incentive = (data.get("program") or {}).get("incentive") or {}
    written = "on_budget_exhausted" in getattr(getattr(scenario.program, "incentive", None), "model_fields_set", ())
    if incentive.get("budget") is None and not written:   # the file's own setting stays, its note with it
        incentive.pop("on_budget_exhausted", None)
    return data


#: Words whose stop ends no sentence ("Pays e.g. $10" was cut at "e.g."), lower-cased, without their last stop.
ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "etc", "cf", "approx", "dr", "mr", "ms", "mrs", "u.s", "u.k", "no", "fig",
                           "al", "inc", "ltd", "co", "st", "jan", "feb", "aug", "sept", "oct", "nov", "dec"})


def first_sentence(text: str) -> str:
    """A description's first sentence: up to the first stop followed by a space and a capital,
    a `$` or a `(`, where the word before it is no abbreviation (ABBREVIATIONS)."""
    import re

    for match in re.finditer(r"([.!?])\s+(?=[A-Z$(])", text):
        word = text[:match.start()].rsplit(" ", 1)[-1].lower().lstrip("(\"'[")   # "(e.g. $10" is no end either
        if match.group(1) == "." and word.rstrip(".") in ABBREVIATIONS:
            continue
        return text[:match.start()] + match.group(1)
    return text.rstrip(".") + "."


#: The bundled scenarios of a checkout (README's quick start runs scenarios/default.yaml from it).
BUNDLED = Path(__file__).resolve().parents[1] / "scenarios"


@app.command("scenarios")
@user_errors
def scenarios_list(
    folder: Optional[Path] = typer.Argument(None, metavar="[FOLDER]", help="Folder of scenario YAML files (and its sweeps/). Default: the bundled scenarios/ of this checkout, else scenarios/ here."),
):
    """List the scenario and sweep files of a folder and its sweeps/ (the bundled ones by default), each with its name and what it is for, and the settings files of optimize, sensitivity and calibrate there: run a scenario with refsim run FILE, a sweep with refsim sweep FILE."""
    import yaml

    from .errors import ScenarioError

    if folder is None:
        folder = BUNDLED if BUNDLED.is_dir() else Path("scenarios")
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise ScenarioError(f"{what}; give a folder of scenario YAML files (the bundled ones are in scenarios/ of a "
                            f"refsim checkout)", file=str(folder))
    paths = [*sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]),
             *sorted([*(folder / "sweeps").glob("*.yaml"), *(folder / "sweeps").glob("*.yml")])]
    if not paths:
        raise ScenarioError("holds no scenario YAML files (*.yaml, *.yml); give a folder of scenario files",
                            file=str(folder))
    # a sweep told by what it holds, as run tells one ('base:' and 'parameters:'), wherever it sits: the bundled
    # sweeps/ listed on its own were "scenarios ... (refsim run FILE)", which run refused
    kinds: dict[str, list[str]] = {"run": [], "sweep": [], "settings": []}
    studies = {"vary": "optimize", "uncertain": "sensitivity", "fit": "calibrate"}
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = None
        shown = str(path.relative_to(folder))
        if not isinstance(data, dict):   # not a scenario file: said, not skipped unsaid
            kinds["run"].append(f"  {shown:<30} (not a YAML mapping: refsim validate {path} says why)")
            continue
        # told by what it holds, as run tells them apart (scenario_io.refuse_other_kinds): a settings file listed under
        # "refsim run FILE" was refused by run
        sweep = "parameters" in data   # with or without its 'base:' (refuse_other_kinds says that one is missing)
        study = next((c for key, c in studies.items() if key in data), "optimize|sensitivity|calibrate") \
            if not sweep and ("scenario" in data or set(data) & set(studies)) else None
        text = " ".join(str(data.get("description") or "").split())
        first = first_sentence(text) if text else \
            f"(no description: refsim validate {path} checks it)" if not sweep or "base" not in data else "(no description)"
        if study:
            kinds["settings"].append(f"  {shown:<30} refsim {study} --settings {path}")
        else:
            kinds["sweep" if sweep else "run"].append(f"  {shown:<30} {str(data.get('name') or path.stem)}: {first}")
    heads = {"run": "scenarios in {}/ (refsim run FILE):", "sweep": "sweeps in {}/ (refsim sweep FILE):",
             "settings": "settings files of optimize, sensitivity or calibrate in {}/:"}
    for command, lines in kinds.items():
        if lines:
            out.print(heads[command].format(folder), markup=False)
            for line in lines:
                out.print(line, markup=False)


@app.command()
def schema():
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    from .scenario_io import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def _app_size_note(preset, size: int) -> str:
    """Where the app keeps an edge list's own people beyond the class sizes: --size 300 on a
    file of 5,000 people served 5,000 dots, a minute after the address was printed, unsaid."""
    if getattr(preset.network, "kind", None) != "edgelist":
        return ""
    from .classroom import SIZE_RANGE
    from .network.edgelist import load_edgelist

    people = load_edgelist(Path(preset.network.path))[0]
    if people <= SIZE_RANGE[1]:
        return ""
    return (f"the class is the edge list's own {people:,} people (an edge list keeps its size, whatever --size "
            f"{size}); laying out that many takes a while before the page serves: give a smaller file for a class")


@app.command("app")
@user_errors
def serve_app(
    scenario: Optional[Path] = typer.Argument(None, metavar="SCENARIO", help="Scenario YAML to open (default: scenarios/fading.yaml, a consumer program like the default, at class size); the other files of its folder become the app's presets."),
    port: int = typer.Option(8765, "--port", "-p", min=1, max=65535, help="Port to serve the app on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 127.0.0.1 keeps the app on this computer."),
    size: int = typer.Option(300, "--size", min=50, max=1000, help="People in the class network when the scenario's own size is outside 50-1,000 (initial customers, budget, influencers and daily ask capacity scale with it); a scenario within that range keeps its size, and an edge list always does."),
):
    """Start the educator app: a referral loop live in the browser, two designs side by side."""
    import importlib.util
    import os
    import socket

    from .classroom import OPENING_SCENARIO
    from .scenario_io import load_scenario

    given = scenario or OPENING_SCENARIO
    preset = load_scenario(given, check_network=False)   # a whole market's preset is scaled to the class, and checked there
    if (note := _app_size_note(preset, size)):
        out.print(f"note: {note}", markup=False)
    from .kernel import engine_choice

    engine_choice()   # REFSIM_ENGINE and REFSIM_GRAPH_CACHE_MB in one line, not a server's startup traceback
    path = given.resolve()
    if importlib.util.find_spec("solara") is None:
        raise ScenarioError("the app needs Solara; install it with: pip install -e '.[app]'", key="refsim app")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        if os.name == "posix":
            # as the server binds (asyncio's reuse_address): a port whose last pages' connections wait out
            # TIME_WAIT after Ctrl-C is free; without it a restart was refused as busy for about a minute
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            # the port is taken or not ours (EADDRINUSE, EACCES); anything else is the address: a name that does
            # not resolve, or an address that is not this machine's ('--port: ... Name or service not known')
            port_taken = error.errno in (errno.EADDRINUSE, errno.EACCES)
            raise ScenarioError(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                                + ("pick another with --port" if port_taken else "give a local address with --host "
                                   "(127.0.0.1, or 0.0.0.0 for the room's network)"),
                                key="--port" if port_taken else "--host") from None
    env = dict(os.environ, REFSIM_APP_SCENARIO=str(path), REFSIM_APP_SIZE=str(size))
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # a classroom app does not call out
    # solara warns about cookies on every page load from an address other than 'localhost'
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), "ignore:Cookies with samesite"]))
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        # every address of this computer: 'http://0.0.0.0:8765/' is no address a student's laptop can open
        here = "[::1]" if host == "::" else "127.0.0.1"
        out.print(f"refsim app: http://{here}:{port}/ on this computer; from the students' laptops, this "
                  f"computer's address on the room's network, port {port}  ({path.name}; Ctrl-C to stop)", markup=False)
    else:
        out.print(f"refsim app: http://{shown}:{port}/  ({path.name}; Ctrl-C to stop)", markup=False)
    command = [sys.executable, "-m", "simulator.app_server", "run", "simulator.app", "--host", host, "--port", str(port),
               "--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    sys.stdout.flush()
    # become the server (no child process to orphan): signals reach solara directly
    os.execve(sys.executable, command, env)




def _rate_updater(bar, task, at_once: int = 1):
    """Progress callback that also shows runs per second, timed from ``advance.restart()``
    (the moment runs start: timed from before the folder checks and the kernel's loading,
    a sweep read 2.17 runs/s where it ran 6). ``at_once``: the runs in flight together
    (the workers, executors.workers_used; ``advance.at_once`` may set it later): until
    that many have finished, the first ones' time is that of the runs beside them too.
    Counted as one run's, the time left read ``at_once`` times too long: 16 workers'
    first run of 320 said 5 minutes left where 20 s were."""
    import time

    started = [time.monotonic()]
    done = [0]

    def advance(count: int) -> None:
        done[0] += count
        now = time.monotonic()
        elapsed = max(now - started[0], 1e-9)
        shown = next((t for t in getattr(bar, "tasks", ()) if t.id == task), None)
        # the runs of this start (a resumed sweep's bar counts those done before it)
        runs = shown.total - (shown.completed - (done[0] - count)) if shown is not None and shown.total else None
        together = min(advance.at_once, runs) if runs else advance.at_once
        # per_run and at: what _LeftColumn counts the time left down from
        bar.update(task, advance=count, rate=f"{done[0] / elapsed:.2f} runs/s",
                   per_run=elapsed / max(done[0], together, 1), at=now)

    def restart() -> None:
        started[0], done[0] = time.monotonic(), 0

    advance.restart = restart
    advance.at_once = max(1, at_once)
    return advance


def compare_folder(names: list[str], labels: list[str]) -> str:
    """A compare's folder name (before its time stamp): its first three designs' ``names``
    where they differ and fit the folder name's length, else their files' ``labels`` where
    those do: "compare-default-double-sided-credit-vs-default-double-sided-" named four
    comparisons of the docs' DEPOSIT.yaml and SIGNUP.yaml alike, and two long names with
    a common start were cut to the same one."""
    from .results import SLUG_LENGTH

    for parts in (names, labels):
        joined = "compare-" + "-vs-".join(parts[:3])
        if len(set(parts)) == len(parts) and len(joined) <= SLUG_LENGTH:
            return joined
    parts = (names if len(set(names)) == len(names) else labels)[:3]
    # neither fits: the words they all share at the start and at the end left out ("cash-reward-for-the-spring-..." and
    # "credit-reward-for-the-spring-..." were cut to the same "of-the-consumer-app"), then each cut to its share
    words = [part.split("-") for part in parts]
    lead = next((i for i in range(min(map(len, words))) if len({w[i] for w in words}) > 1), 0)
    tail = next((i for i in range(min(map(len, words)) - lead) if len({w[-1 - i] for w in words}) > 1), 0)
    kept = ["-".join(w[lead:len(w) - tail]) for w in words]
    if all(kept) and len(set(kept)) == len(kept):
        parts = kept
        joined = "compare-" + "-vs-".join(parts)
        if len(joined) <= SLUG_LENGTH:
            return joined
    share = max(4, (SLUG_LENGTH - len("compare-") - len("-vs-") * (len(parts) - 1)) // len(parts))

    def end(part: str) -> str:   # the last words that fit
        cut = part[-share:]
        return cut if len(part) <= share or part[-share - 1] in "-_." or "-" not in cut else cut.split("-", 1)[1]

    return "compare-" + "-vs-".join(end(part) for part in parts)


#: What `refsim compare` prints on the console; the rest is in comparison.csv and report.md.
COMPARE_CONSOLE = ("incremental_value", "customers_final", "cumulative_profit", "reward_cost")


def console_metrics(table) -> list[str]:
    """The console's metrics for a comparison table: COMPARE_CONSOLE, ``fraud_cost``
    where some design lost money to fake accounts (the strategist's "after fraud"), and
    ``program_cost`` where some design's levers cost more than its rewards (account
    managers' $32k hid behind a reward cost that read "lower"), and ``rewards_unpaid``
    where some design earned rewards its budget did not pay (both spending a whole
    budget, reward_cost reads "same" while one left rewards its referrals had earned
    unpaid), and ``rewards_owed`` where some design owes more at the end than it paid (on
    a 30-day horizon shorter than the wait, reward_cost read "same" at 0 for designs whose
    referrals had earned 255 and 173)."""
    def means(metric: str):
        return table.loc[table["metric"] == metric].set_index("design")["mean"]

    fraud, unpaid, owed = means("fraud_cost"), means("rewards_unpaid"), means("rewards_owed")
    program, rewards = means("program_cost"), means("reward_cost")
    levers = bool(len(program)) and bool((program > rewards.reindex(program.index)).any())
    owing = bool(len(owed)) and bool((owed > rewards.reindex(owed.index)).any())
    # without the twins the verdict ranks on net_value (compare.decide): its row, where incremental_value's would be
    unpaired = "incremental_value" not in set(table["metric"]) and "net_value" in set(table["metric"])
    return [*(["net_value"] if unpaired else []), *COMPARE_CONSOLE, *(["fraud_cost"] if (fraud > 0).any() else []),
            *(["rewards_unpaid"] if (unpaid > 0).any() else []), *(["rewards_owed"] if owing else []),
            *(["program_cost"] if levers else [])]


@app.command()
@user_errors
def compare(
    scenarios: list[Path] = typer.Argument(..., metavar="SCENARIOS", help="Two or more scenario YAML files; the first is the reference the others are compared with."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder to create (must not exist or be empty). Default: a new timestamped folder under results/."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Replicates per design (default: the first file's)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Scenario seed shared by every design (default: the first file's, or a fresh one that is recorded)."),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP + " Applies to every design."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=WORKERS_HELP),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + " Default: local (dask with --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Run each design's no-program twin on the same seeds, for incremental_value, the verdict metric (default). --no-baseline saves the twins' runs (a third of a two-design compare's, whose designs share a twin on each seed); the verdict then ranks on net_value (profit plus customer equity, less rewards owed: incremental value's terms without the twin, so between designs sharing a twin the same ranking)."),
    precision: float = typer.Option(0.05, "--precision", help="Target half-width of the 95% interval, as a share of the mean difference, for the replicates-needed estimate."),
    unpaired: bool = typer.Option(False, "--unpaired", help="Compare designs that differ in population, network, days or seed (refused otherwise): each runs on its own seeds (with --seed S, each design a seed of its own derived from S) and the unpaired (Welch) intervals decide."),
    metric: Optional[str] = typer.Option(None, "--metric", hidden=True),
):
    """Compare designs on the same replicate seeds (common random numbers) and say which to launch, and how sure that is.

    The verdict metric is incremental_value: profit plus customer equity less the
    rewards still owed, plus the referrals still converting, minus the design's
    no-program twin on the same seed.
    Designs must share their population, network, days and seed, else the command
    stops with one line naming the difference, unless --unpaired is given. Designs
    that also differ in the world around the program (churn, margin, word of
    mouth...) still run paired, and the console and report.md name those keys.

    Writes report.md (its first paragraph names the design that adds the most
    value, its interval, how many replicates it is best in, the day
    its budget ran out and its payback day), comparison.csv (per design and
    metric: mean and 95% interval; difference from the first design with its
    paired and unpaired 95% intervals), timeseries.csv, baseline_timeseries.csv
    (each design's no-program twin), runs.csv, summary.csv/json, plots
    (incremental_value.png among them) and manifest.json.
    """
    from .compare import check_k_window, check_pairable, unique_names
    from .compare import compare as compare_designs
    from .executors import check_cluster, check_executor, workers_used
    from .report import fmt, write_comparison
    from .outpath import printable
    from .results import check_out_dir, new_results_dir

    from .limits import check_memory, check_options

    started = dt.datetime.now()
    if metric is not None:
        # click answered "No such option: --metric (Possible options: --set)", a hint that led nowhere
        raise ScenarioError(f"compare has no --metric: it ranks designs on incremental_value (net_value with "
                            f"--no-baseline) and gives every metric, {metric!r} among them if it is one, in "
                            f"comparison.csv; sensitivity's and sweep's --metric choose another", key="--metric")
    check_options(replicates=replicates, seed=seed, workers=workers)
    if out_dir is not None:
        check_out_dir(out_dir)
    if not 0 < precision < 10:
        raise ScenarioError(f"must be a fraction of the mean difference in (0, 10), e.g. 0.05 (got {precision})",
                            key="--precision")
    executor = check_executor(executor, scheduler)
    cluster = check_cluster(scheduler) if scheduler else None   # as --scheduler, before the bar (compare's says scheduler=)
    from .provenance import check_unchanged, held_inputs

    designs = [_design_with_sets(path, sets, len(scenarios)) for path in scenarios]
    held = held_inputs(designs)
    if len(designs) < 2:
        raise ScenarioError("give at least two scenario files; the first is the reference", key="refsim compare")
    labels = [printable(p.stem) for p in scenarios]
    lever_notes = set_lever_notes(scenarios, [d.name for d in unique_names(designs, labels)], sets)
    check_k_window(designs, sources=[str(p) for p in scenarios])
    if not unpaired:
        check_pairable(designs, seed_given=seed is not None, sources=[str(p) for p in scenarios])
    _note_unused_workers(workers, executor, scheduler)
    target = out_dir if out_dir is not None else new_results_dir(compare_folder([d.name for d in designs], labels))
    check_out_dir(target)
    count = replicates or designs[0].replicates
    check_memory(designs, replicates=count, workers=workers, executor=executor, remote=bool(scheduler),
                 source=str(scenarios[0]))
    total = count * len(designs)
    _check_engine(unique_names(designs, labels))   # by the names the report gives them (two files of one name)
    with progress_bar(total, "compare") as bar:
        task = bar.add_task("runs", total=total, rate="")
        comparison = compare_designs(designs, replicates=count, seed=seed, baseline=baseline, precision=precision,
                                     workers=workers, executor=executor, scheduler=scheduler,
                                     progress=_rate_updater(bar, task, workers_used(executor, workers, cluster, total)),
                                     labels=labels,
                                     unpaired=unpaired, sources=[str(p) for p in scenarios])
    # a seed drawn (none given, none in the first file; unpaired: none in any file) is the one --seed that replays
    drawn = None
    if seed is None and all(d.seed is None for d in (designs if unpaired else designs[:1])):
        drawn = comparison.seed
    check_unchanged(held, "the comparison")
    from .optimize import search_replay_note

    # an optimize winner run on the seed of the search that chose it, told by the files' own seeds
    replay = search_replay_note(designs, comparison.seed) if comparison.paired else ""
    from .report.compare import has_ranking, sensitivity_test, verdict_metric

    # the compare's seed where it is not the first file's (given, or drawn): the study then meets the same luck
    own = None if comparison.seed == designs[0].seed or unpaired else comparison.seed
    # report.md gave the sensitivity command's flags alone: pasted, it lacked the files, --set items and seed
    study = (sensitivity_test(comparison.designs, scenarios, sets or (), metric=verdict_metric(comparison), seed=own,
                              code=True) if has_ranking(comparison) else "")
    folder = write_comparison(comparison, target, started=started, command=_typed_again(drawn), sets=sets, set_notes=lever_notes,
                              execution=_execution(executor, workers, scheduler, cluster, total), replay=replay,
                              sensitivity=study, files=scenarios, inputs=held)
    table = comparison.table
    kind = "paired" if comparison.paired else "unpaired"
    if count == 1:   # '95% CI – – –  (unpaired – – –)' on every line read as a glitch, as it did in run's headline
        out.print("  one replicate gives no interval (compare --replicates 2 or more for one):", markup=False)
    elif len(designs) > 2:   # 'better' on a line beside 'not told apart' in the verdict, with nothing to reconcile them
        out.print(f"  each line against {comparison.reference} at 95% on its own; the 'best on' verdict tests the best "
                  f"against every other design together (report.md)", markup=False)
    for metric in console_metrics(table):
        for row in table[(table["metric"] == metric) & (table["verdict"] != "reference")].to_dict("records"):
            spread = (f"{kind} 95% CI {fmt(row['diff_ci_low'])} – {fmt(row['diff_ci_high'])}"
                      if math.isfinite(row["diff_ci_low"]) and math.isfinite(row["diff_ci_high"]) else "")
            if comparison.paired and math.isfinite(row["unpaired_ci_low"]) and math.isfinite(row["unpaired_ci_high"]):
                spread += f"  (unpaired {fmt(row['unpaired_ci_low'])} – {fmt(row['unpaired_ci_high'])})"
            out.print(f"  {metric:<18} {row['design']} - {comparison.reference}: {fmt(row['diff_mean'])}  "
                      + (f"{spread}  " if spread else "") + row["verdict"], markup=False)
    from .report.compare import decide, no_value_sentence, unpaid_lead_sentence, valueless_sentence, verdict_line

    decision = decide(comparison)
    if verdict := verdict_line(comparison):
        out.print(f"  {verdict}", markup=False)
    elif decision is None:   # no design with a finite value: report.md's opening says why
        out.print(f"  {no_value_sentence(comparison).replace('`', '')}", markup=False)
    if valueless := valueless_sentence(comparison, decision):   # and where some have none: which, and why
        out.print(f"  note: {valueless.replace('`', '')}", markup=False)
    if unpaid := unpaid_lead_sentence(comparison, decision):   # a profit lead that is rewards not yet paid
        out.print(f"  note: {unpaid}", markup=False)
    from .report.text import flagged_fit_notes, reminders_unsent_note

    # a fit calibrate flagged: report.md said it, the console's "sure" stood alone
    for note in flagged_fit_notes([d.scenario for d in comparison.designs]):
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    for design in comparison.designs:   # reminders that all fall after the horizon: run said so, compare only in report.md
        if note := reminders_unsent_note(design.scenario, design.scenario.name):
            out.print(f"  note: {_plain(note)}", markup=False)
    from .report.compare import assumption_line, relabel_note, twin_lines, unpaired_note, world_lines

    if note := unpaired_note(comparison):   # report.md said it; the console's "sure at 95%" stood alone
        out.print(f"  note: {note[0].lower()}{note[1:]}", markup=False)
    if replay:
        out.print(f"  note: {replay}", markup=False)

    for line in world_lines(comparison.designs):   # a verdict between worlds or assumptions, not designs: said beside it
        out.print(f"  {line}", markup=False)
    for line in twin_lines(comparison.designs):   # incremental metrics against different baselines: said beside it too
        out.print(f"  {line}", markup=False)
    for line in relabel_note(comparison, console=True):   # tracked referrals told apart on the same customers
        out.print(f"  note: {line}", markup=False)
    # designs that all give the same values have no ranking to rest on anything ("the ranking rests on ... at
    # purchase x1, onboarding x1, milestone x1" was said of three identical designs)
    ranked = verdict and has_ranking(comparison)
    line = assumption_line(comparison.designs, scenarios, sets or (), metric=verdict_metric(comparison),
                           seed=own) if ranked else ""
    if line:   # report.md's "ranking rests on": the console read as sure (and nothing to rest on without a ranking)
        out.print(f"  {line}", markup=False)
    from .report.text import brought_forward_note, referred_loyalty_note

    for design in comparison.designs:   # a value that rests on referred customers' assumed loyalty: report.md alone said it
        for note in (referred_loyalty_note(design.scenario, design.runs, design.scenario.name),
                     # or on customers the twin gains after the horizon: "sure at 95%" at 180 days, gone by 1,095
                     brought_forward_note(design.scenario, design.timeseries, design.baseline_timeseries,
                                          design.scenario.name)):
            if note:
                out.print(f"  note: {_plain(note)}", markup=False)
    # as run and validate print them (docs/scenarios.md): report.md alone had them
    _print_designs_notes([design.scenario for design in comparison.designs], sets)
    for design in comparison.designs:  # a design whose budget ran out, or that earned rewards beyond it
        for line in _budget_lines(design.runs, design.scenario, design.timeseries, ranking=True):
            out.print(f"  {design.scenario.name}: {line}", markup=False)
    out.print(f"results: {folder}/  (report.md says which design wins; comparison.csv, plots)", markup=False)


@app.command()
@user_errors
def sweep(
    sweep_file: Path = typer.Argument(..., metavar="SWEEP_FILE", help="Sweep YAML file: its format is in docs/scenarios.md (Sweeps), examples in scenarios/sweeps/."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Sweep folder. Default: results/sweep-<sweep file name>/, so rerunning the same command resumes where it stopped."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=FILE_WORKERS_HELP.format(file="sweep file")),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP + " Default: the sweep file's, else local; local or serial leaves the file's scheduler unused."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    force: bool = typer.Option(False, "--force", help="Start over: delete the runs already in the folder and the files the sweep wrote, not your own (needed when the sweep file, its base scenario or an edge list they read changed)."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", help="Replicates per point (default: the sweep file's, else the base scenario's)."),
    sets: list[str] = typer.Option([], "--set", "-s", metavar="KEY=VALUE", help=SET_HELP + " Applies to the base scenario; the swept parameters are set over it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything a run would check (the sweep file, its base scenario, --set, --replicates, the executor, memory, the --out folder), then say how many points, replicates and runs the sweep has, and how many the folder already holds and how many would run; runs nothing and writes nothing. A folder a run would refuse is refused alike (exit 2)."),
):
    """Run a parameter sweep (grid, random or Latin hypercube) and write one row per run.

    Finished runs are saved as they arrive: after Ctrl-C or a crash, rerun the same
    command and it resumes, skipping the runs already done. A grid that gained
    values, or more --replicates, reuses its finished runs (no --force needed), as does a change of
    metrics: alone (the runs keep every summary metric; docs/scenarios.md, Other metrics); any other
    change to the sweep or its base scenario (--set included) needs --force or another --out.
    Writes sweep.parquet and sweep.csv (run id, point id, parameter values,
    replicate, seed, metrics, status, error), points.csv, plots of each metric
    against each parameter, report.md (it opens with the best point by the
    sweep's objective, incremental_value by default, and the points that are
    statistically indistinguishable from it; parameters the file lists under
    assumptions are not ranked: the best point is found at each of their values)
    and manifest.json. With --dry-run it checks all this and says what it would do.
    """
    from .executors import check_executor, workers_used
    from .limits import check_memory, check_options, check_sweep_memory, sweep_size
    from .outpath import check_out_path, check_utf8_folder
    from .report import write_sweep
    from .sweep import default_folder, execute_sweep, execution, load_sweep, sweep_output

    check_options(replicates=replicates, workers=workers)
    if executor is not None or scheduler is not None:
        check_executor(executor, scheduler)
    if out_dir is not None:
        check_out_path(out_dir, existing_ok=True, write=not dry_run, owns=sweep_output)
    loaded = load_sweep(sweep_file, replicates=replicates, overrides=sets, command_line=True)
    target = out_dir if out_dir is not None else default_folder(sweep_file)
    check_out_path(target, existing_ok=True, write=not dry_run, owns=sweep_output)
    check_utf8_folder(target, "the sweep's parquet tables")   # after every run, pyarrow's traceback lost them
    points = sweep_size(loaded)
    check_sweep_memory(points, loaded.replicates, len(loaded.parameters), len(loaded.metrics), source=str(sweep_file),
                       key="parameters" if loaded.spec.method == "grid" else "samples")
    runs_on, address = execution(loaded, executor, scheduler)
    if address:
        # an unreachable scheduler is refused in one line, before the note that --workers goes unused on it: the note
        # came first, and the refusal read as the second of two lines
        from .executors import check_cluster, scheduler_file

        check_cluster(address, file=scheduler_file(address, scheduler, loaded.source))
    if workers is not None or loaded.spec.workers is None:
        _note_unused_workers(workers, runs_on, address)
    else:   # the file's workers: went unused without a word too (on the file's scheduler, or --executor serial)
        _note_unused_workers(loaded.spec.workers, runs_on, address, f"{sweep_file}'s workers:")
    from .sweep_spec import largest_points

    # the largest point's network, not the base's: no point may run the base's size (either way round)
    largest = largest_points(loaded)
    check_memory(largest, replicates=points * loaded.replicates, workers=workers or loaded.spec.workers,
                 executor=runs_on, remote=bool(address), collect=False,
                 source=loaded.base_source if largest == [loaded.base] else f"{sweep_file} (its largest point)")
    if dry_run:
        from .kernel import engine_choice
        from .sweep import plan_sweep

        engine_choice()   # a wrong REFSIM_ENGINE, refused as a run refuses it
        plan = plan_sweep(loaded, target, workers=workers, executor=executor, scheduler=scheduler, force=force)
        out.print(_dry_run_line(loaded, plan), markup=False)
        _print_sweep_notes(loaded)   # before thousands of runs, not after: "no customer is ever asked"
        return
    if points * loaded.replicates >= LARGE_SWEEP_RUNS:
        # a grid of a million points was silent for 9 s while its points were laid out, then showed 19 hours left
        def many(n: int, noun: str) -> str:
            return f"{n:,} {noun}" + ("" if n == 1 else "s")

        err.print(f"sweep {loaded.name}: {many(points, 'point')} x {many(loaded.replicates, 'replicate')} = "
                  f"{many(points * loaded.replicates, 'run')}; laying them out before the first run, then the bar "
                  f"shows the time left (Ctrl-C stops, and the same command resumes)", markup=False)
    state = {"done": 0, "total": 0, "failed": 0}
    # the kernel is loaded (or compiled) once the folder is ours: a refusal (a lock held by
    # another sweep, a changed sweep) comes at once and stays one line, whatever the cache holds
    from .kernel import engine_choice

    engine_choice()  # a wrong REFSIM_ENGINE is refused before the folder is touched, as before
    bar = progress_bar(2, f"sweep {loaded.name}", ready=False)
    task = bar.add_task("runs", total=None, rate="")
    advance = _rate_updater(bar, task)

    # --force on a folder that held a sweep (even this very one, finished) started over without a word
    started_over = force and (Path(target) / "sweep.json").exists()

    def on_start(total: int, done: int) -> None:
        # the bar appears only once the folder is ours, so that a refusal stays one line
        state.update(total=total, done=done)
        kernel_ready()
        if started_over:
            err.print(f"--force: the runs {target} held were deleted; the sweep starts over", markup=False)
        if done:
            out.print(f"resuming {target}: {done} of {total} runs already done", markup=False)
        bar.update(task, total=total, completed=done)
        bar.start()
        advance.restart()
        # the runs in flight together (a cluster elsewhere: its size is its own, read as one)
        advance.at_once = 1 if address else workers_used(runs_on, workers or loaded.spec.workers, None, total - done)

    def progress(ok: int, failed: int) -> None:
        state["done"] += ok + failed
        state["failed"] += failed
        advance(ok + failed)

    from .results import StudyLock

    # the folder's lock held from the runs to the tables: let go between them, a second sweep could take the folder
    with StudyLock(Path(target), "sweep", joinable=True):
        try:
            outcome = execute_sweep(loaded, target, workers=workers, executor=executor, scheduler=scheduler, force=force,
                                    on_start=on_start, progress=progress)
        except KeyboardInterrupt as stop:   # Ctrl-C, or SIGTERM (exit 143, as documented)
            stop_bar(bar)
            # stopped after the last run (while the runs were gathered): nothing is left to run, only to write
            done_all = state["total"] and state["done"] >= state["total"]
            # stopped before the sweep had counted its folder's runs: "0 of 0 runs are saved" was said of a folder
            # holding all 320, as if the work were lost
            err.print(f"interrupted before the runs started; the runs already in {target}/runs are kept: rerun the "
                      f"same command to resume" if not state["total"] else
                      f"interrupted: all {state['done']:,} runs are saved in {target}/runs; rerun the same command to write "
                      f"the tables and plots" if done_all else
                      f"interrupted: {state['done']:,} of {state['total']:,} runs are saved in {target}/runs; "
                      f"rerun the same command to resume", markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None
        finally:
            stop_bar(bar)
        from .lifecycle import stop_asked

        try:
            # a seed drawn (none in the sweep file or its base) is replayed by --set seed= (sweep has no --seed)
            drawn = loaded.seed is None
            from .provenance import InputWatch, changed_while_running

            # changed after the last batch came back (execute_sweep stops at a change before): every run kept read the
            # file as it was, and the tables wait for it
            if (path := InputWatch(loaded.inputs()).changed()) is not None:
                raise changed_while_running(path, "the sweep", "so the tables were not written (every run kept in runs/ "
                                            "read the file as it was)", then="rerun the same command with the file as "
                                            "it was: it writes them")
            write_sweep(outcome, command=[*sys.argv, *(["--set", f"seed={outcome.seed}"] if drawn else [])])
        except (KeyboardInterrupt, Exception) as stop:
            # a stop raised inside matplotlib's drawing can come out as another error (stop_asked)
            if not isinstance(stop, KeyboardInterrupt) and (stop := stop_asked()) is None:
                raise
            err.print(f"interrupted while writing the tables and plots: all {outcome.runs} runs are saved in "
                      f"{outcome.folder}/runs; rerun the same command to write them", markup=False)
            raise typer.Exit(_interrupt_exit(stop)) from None
    from .report.text import counted

    summary = f"sweep {loaded.name}: {counted(outcome.runs, 'run')} ({counted(outcome.points, 'point')} x " \
              f"{counted(loaded.replicates, 'replicate')}), " \
              f"{outcome.ran} run now, {outcome.skipped} already done; "
    if outcome.failed:
        summary += f"{outcome.failed} failed (status 'failed', error message in column 'error' of {outcome.folder}/sweep.csv)"
    else:
        summary += "0 failed"
    out.print(summary, markup=False)
    if outcome.runs and outcome.failed < outcome.runs:   # report.md's answer, as run, compare and optimize print theirs
        for line in outcome.verdict or []:
            out.print(f"  {line}", markup=False)
    out.print(f"results: {outcome.folder}/  (report.md, sweep.parquet, sweep.csv, plots)", markup=False)
    _print_sweep_notes(loaded)
    from .report.text import sweep_path_note

    if note := sweep_path_note((outcome.state or {}).get("numpy_because")):   # only manifest.json said which path ran
        out.print(f"  note: {note.replace('`', '')}", markup=False)
    if outcome.runs and outcome.failed == outcome.runs:   # nothing to read: say so in the exit status too
        err.print(f"every run failed; the first error: {_first_error(outcome.frame)}", markup=False)
        raise typer.Exit(1)


def _dry_run_line(sweep, plan) -> str:
    """`refsim sweep --dry-run`'s one line: the sweep's size, its seed, and what the folder
    holds and would run."""
    def counted(n: int, noun: str) -> str:   # 4,000,000 points, not 4000000
        return f"{n:,} {noun}" + ("" if n == 1 else "s")

    seed = f"seed {plan.seed}" if plan.seed is not None else "seed drawn when it starts"
    counts = f"{plan.done:,} already done, {plan.pending:,} would run"
    folder = {"start": f"{plan.folder} is {'empty' if plan.exists else 'new'}: {counts}",
              "start over": f"--force would delete the runs {plan.folder} holds: {counts}",
              "resume": f"{plan.folder}: {counts}",
              # a grid or replicate count that grew, a seed pinned, other metrics reported
              "grow": f"{plan.folder}: {counts} (the sweep changed; its runs are kept)"}[plan.action]
    return (f"dry run of sweep {sweep.name}: {counted(plan.points, 'point')} x {counted(plan.replicates, 'replicate')} = "
            f"{counted(plan.total, 'run')}, {seed}; {folder}; nothing was run or written")


#: A sweep of this many runs or more says its size before laying out its points, which
#: takes seconds at a million points.
LARGE_SWEEP_RUNS = 100_000


def _first_error(frame) -> str:
    errors = frame.loc[frame["status"] != "ok", "error"].dropna() if "error" in frame.columns else []
    return str(errors.iloc[0]) if len(errors) else "see the error column of sweep.csv"


from . import cli_decide  # noqa: E402,F401  registers optimize, sensitivity and calibrate on app


def main() -> None:
    from .lifecycle import TERMINATED_EXIT, stop_cleanly_on_sigterm

    stop_cleanly_on_sigterm()
    try:
        app()
    except SystemExit as done:
        if done.code in (130, TERMINATED_EXIT):
            _leave_now(done.code)
        _end_quietly_on_signals()
        raise
    _end_quietly_on_signals()


def _end_quietly_on_signals() -> None:
    """The command's work is done (results written, workers ended, its last line printed):
    Ctrl-C or SIGTERM from here on ends the process at once, as the system does, without
    raising in the interpreter's shutdown, where a Ctrl-C as a Dask cluster wound down
    printed "Exception ignored in: <function WeakSet...>" and a traceback after the
    command's last line."""
    import signal

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def _leave_now(code: int) -> None:
    """Exit at once after an interrupt, once every result is saved, the workers ended and
    "interrupted" printed, without the interpreter's shutdown: there CPython 3.11's
    process pool joins its manager thread, which hangs for ever when a worker was ended
    while writing a result (the thread waits for the rest of the message), or prints
    "OSError: [Errno 9] Bad file descriptor" waking a thread that already closed its pipe
    (seen under load: SIGTERM to `refsim run --workers 2`).

    multiprocessing's own exit step, which releases the named semaphores its queues
    hold, is part of that shutdown and runs here first: without it, a Ctrl-C on a sweep
    on a local Dask cluster whose nannies' queues were still alive as the command left
    (seen now and then, not every time) let the resource tracker print "There appear to
    be 12 leaked semaphore objects" after "interrupted"."""
    import os
    from multiprocessing import util as multiprocessing_util

    # the finalizers a normal exit runs before it joins anything (priority 0 and above:
    # semaphores and queues); joining the pool's threads, which can hang, stays skipped
    multiprocessing_util._run_finalizers(0)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    # run as a script, this file is the module __main__, and cli_decide registered its commands on another copy of
    # it (simulator.cli): `python -m simulator.cli` listed neither optimize, sensitivity nor calibrate
    from simulator.cli import main as refsim

    refsim()
