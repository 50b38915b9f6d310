"""The ``refsim`` command line: thin wrappers around the library.

Every command turns a user mistake (ScenarioError) into one line on stderr and
exit code 2, with no traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .errors import ScenarioError

app = typer.Typer(
    name="refsim",
    help="Simulate referral programs on a social network before you launch one.\n\n"
         "Start with:  refsim run scenarios/default.yaml",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

SET_HELP = "Override a scenario value, e.g. --set days=90 --set program.incentive.referrer_reward=20 (repeatable)."


def user_errors(command: Callable) -> Callable:
    """Print ScenarioError as one line and exit 2; Ctrl-C exits 130 without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ScenarioError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper


def progress_bar(total: int, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=err,
                    disable=not err.is_terminal and total <= 1)


@app.command()
@user_errors
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see scenarios/)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder to create (must not exist or be empty). Default: a new timestamped folder under results/."),
    replicates: Optional[int] = typer.Option(None, "--replicates", "-r", min=1, help="Number of replicates (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Scenario seed (default: the scenario's, or a fresh one that is recorded)."),
    sets: list[str] = typer.Option([], "--set", "-s", help=SET_HELP),
    people: bool = typer.Option(False, "--people", help="Also write people.parquet (who referred whom) for replicate 0."),
    baseline: Optional[bool] = typer.Option(None, "--baseline/--no-baseline", help="Also run the no-program baseline on the same seeds (default: when the scenario has a program)."),
):
    """Run one scenario and write its results folder (timeseries, summary, plots, report, manifest)."""
    from .report import write_run
    from .results import check_out_dir, new_results_dir
    from .runner import resolve_seed, simulate
    from .scenario_io import load_scenario

    started = dt.datetime.now()
    loaded = load_scenario(scenario, sets)
    target = out_dir if out_dir is not None else new_results_dir(loaded.name)
    check_out_dir(target)
    loaded = resolve_seed(loaded, seed)
    total = replicates or loaded.replicates
    with progress_bar(total, f"{loaded.name}") as bar:
        task = bar.add_task("runs", total=total, rate="")
        results = simulate(loaded, replicates=total, people=people, baseline=baseline,
                           progress=lambda k: bar.advance(task, k))
    folder = write_run(results, target, started=started, command=sys.argv, people=people)
    _print_headline(results)
    out.print(f"results: {folder}/  (report.md, timeseries.csv, summary.csv, plots)", markup=False)


def _print_headline(results) -> None:
    from .report import fmt

    table = results.summary.set_index("metric")
    for metric in ("customers_final", "referred_share", "k_factor", "roi", "cumulative_profit", "incremental_profit"):
        if metric in table.index:
            row = table.loc[metric]
            out.print(f"  {metric:<22} {fmt(row['mean']):>12}   95% CI {fmt(row['ci_low'])} – {fmt(row['ci_high'])}", markup=False)


@app.command()
@user_errors
def validate(
    scenario: Path = typer.Argument(..., help="Scenario YAML file to check."),
    sets: list[str] = typer.Option([], "--set", "-s", help=SET_HELP),
    show: bool = typer.Option(False, "--show", help="Print the resolved scenario (every default filled in) as YAML."),
):
    """Check a scenario file: exit 0 if valid, else one line naming the key and what is valid (exit 2)."""
    import yaml

    from .scenario_io import load_scenario

    loaded = load_scenario(scenario, sets)
    if show:
        out.print(yaml.safe_dump(loaded.model_dump(mode="json"), sort_keys=False), markup=False)
    out.print(f"{scenario}: valid ({loaded.name}: {loaded.days} days, {loaded.replicates} replicates, "
              f"network {loaded.network.kind})", markup=False)


@app.command()
def schema():
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    from .scenario_io import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
