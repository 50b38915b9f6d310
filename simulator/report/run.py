"""The results folder of ``refsim run``: tables, plots and a readable report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from . import plots
from ..config import has_budget, has_program
from ..metrics import median_day
from ..results import (ResultsFolder, atomic_write_csv, atomic_write_json, atomic_write_parquet, atomic_write_text,
                       manifest)
from ..runner import Results, interval
from .compare import incremental_value_plot
from .text import (budget_pace_note, NOTHING_TO_PAY_BACK, brought_forward_note, beyond_budget_sentence, nothing_to_pay_back, against_no_program, set_sentence, k_undefined_note, roi_undefined_note, ask_queue_note, default_notes, ask_window_note, reminders_unsent_note, launch_note, non_qualifying_note, k_plot_note, budget_never_ran_out, allowance_sentence, asks_ended, went_on_sentence, asks_over, planned_last_ask, never_spent_sentence, cash_basis_note, first_day_paybacks, payback_sentence, unpaid_sentence, figure_links, fmt, interval_text, k_window_note, k_budget_note, k_filled_note, referred_loyalty_note, k_ended, reward_weighing,
                   ratio_of_means_note, lumped_note, pooled_k_note, run_path_note, summary_dict, summary_table, undefined_value_reason, value_split, influencers_own_sentence)

#: run's first paragraph where a program ran without its no-program twin (--no-baseline): it said nothing, where
#: the README says it states the value added, and compare's explains itself
NO_TWIN = ("The no-program twin was not run (`--no-baseline`), so the value the program adds (`incremental_value`) is "
           "not known: the tables give the program's own outcomes, not what it changes; rerun without `--no-baseline` "
           "for it.")


def roi_note(results) -> str:
    """`attributed_roi` undefined in every run, and why (the console says it too)."""
    runs = results.runs
    if "attributed_roi" not in runs.columns or not len(runs) or np.isfinite(runs["attributed_roi"].to_numpy(float)).any():
        return ""
    return f"`attributed_roi` is undefined in every replicate: {roi_undefined_note(results.scenario)}."


def headline(results: Results) -> list[str]:
    """The report's first paragraph: the value the program adds, when its budget ran
    out and when it pays back; without the no-program twin (--no-baseline), that the
    value is unknown, then what needs no twin (the budget, the allowance, the fakes)."""
    runs = results.runs
    incentive = getattr(getattr(results.scenario, "program", None), "incentive", None)
    if "incremental_value" not in runs.columns:
        if not has_program(results.scenario):
            return []
        # the value is unknown, but not when the budget ran out, the allowance's use or the fake accounts' share, which
        # the console printed and report.md left out
        value = None
        text = NO_TWIN
    else:
        value = interval(runs["incremental_value"].to_numpy(dtype=float))
    if value is not None and not value["n"]:   # "The program adds –, ... one replicate gives no interval" of 4 replicates of infinite equity
        text = (f"**The value the program adds is undefined in every replicate** (`incremental_value`): "
                f"{undefined_value_reason(results.scenario)}.")
    elif value is not None:
        mean, low, high = value["mean"], value["ci_low"], value["ci_high"]
        verb = f"loses {fmt(-mean)}" if mean < 0 else f"adds {fmt(mean)}"
        text = (f"**The program {verb}** in incremental value (profit plus customer equity less rewards still owed, plus "
                f"referrals still converting, minus no program on the same seeds), 95% interval {interval_text(low, high)}")
        text += against_no_program(low, high, defined=int(value["n"]), runs=len(runs))
        text += value_split(runs, results.scenario.days, incentive) + influencers_own_sentence(runs)

    def paid_back(day: float, share: float) -> str:
        if has_program(results.scenario) and nothing_to_pay_back(runs):
            return NOTHING_TO_PAY_BACK
        return payback_sentence(day, share, len(runs), results.scenario.days, first_day_paybacks(runs)) + cash_basis_note(runs, incentive)

    sentences = [("payback_day", paid_back, f"It does not pay back within the {results.scenario.days}-day horizon.")]
    its = "Its" if value is not None else "The program's"   # after NO_TWIN's 'rerun ... for it', not the value's
    if has_budget(incentive):  # a design without a budget has none to run out
        last_ask = asks_over(results.scenario, getattr(results, "timeseries", None))

        def ran_out(day: float, share: float) -> str:
            return (f"{its} budget ran out on day {day:.0f} (median) in {share:.0%} of replicates"
                    f"{asks_ended(incentive, last_ask, runs['budget_exhausted_day'] if 'budget_exhausted_day' in runs else day, planned_last_ask(results.scenario))}."
                    + went_on_sentence(results.scenario.program, getattr(results, "timeseries", None), day)
                    + (" " + allowance_sentence(runs, incentive, results.scenario.days, its="Its")).rstrip())

        sentences.insert(0, ("budget_exhausted_day", ran_out, budget_never_ran_out(runs, incentive, results.scenario.days,
                                                                                   its=its)))
    for column, happened, never in sentences:
        if column in runs.columns and len(runs):
            days = runs[column].to_numpy(dtype=float)
            finite = days[np.isfinite(days)]
            text += " " + (happened(day=median_day(finite), share=len(finite) / len(days)) if len(finite)
                           else never)
    return [text + never_spent_sentence(runs, incentive) + unpaid_sentence(runs, incentive)
            + beyond_budget_sentence(runs, results.scenario.days, incentive) + fraud_sentence(runs), ""]


def fraud_sentence(runs) -> str:
    """How much of the reward cost went to fake accounts' claims (mean over replicates),
    when rewards were paid: the part of the spend that bought no customer."""
    if not {"reward_cost", "fraud_cost"} <= set(runs.columns) or not len(runs):
        return ""
    spent, fraud = float(runs["reward_cost"].mean()), float(runs["fraud_cost"].mean())
    program = float(runs["program_cost"].mean()) if "program_cost" in runs.columns else spent
    levers = (f" With the levers' costs (account managers, staff, influencers, delight) the program cost {fmt(program)} "
              f"(`program_cost`)." if program > spent else "")
    if not spent > 0:
        return levers
    # two figures of a small share: 0.045% read '0.0%' beside a cost that was not 0
    share = f"{fraud / spent:.1%}" if fraud == 0 or fraud / spent >= 0.001 else \
        f"{100 * fraud / spent:.2g}%" if fraud / spent >= 1e-5 else "under 0.001%"
    return (f" Rewards cost {fmt(spent)} on average, {fmt(fraud)} of it ({share}) on fake accounts' "
            f"claims (`fraud_cost`).") + levers


def run_markdown(results: Results, figures: list[Path], sets: list[str] | None = None,
                 set_notes: list[str] | None = None) -> str:
    """report.md of a run; ``sets``: the --set items it ran with, which the scenario's own
    description (written for the file as it is) does not know of; ``set_notes``: what
    they dropped from the file (scenario_io.replaced_blocks: a seeding strategy), which only the
    console said while the description still read 'picked among the best connected'."""
    sc = results.scenario
    k_why = k_undefined_note(sc, results.runs)
    changed = set_sentence(sets, "This run changed the scenario", "the description above is the file's own")
    changed += "".join(f" {note[0].upper()}{note[1:]}." for note in set_notes or ())
    parts = [
        f"# {sc.name}",
        "",
        *headline(results),
        sc.description.strip() or "",
        *(["", changed] if changed else []),
        "",
        *(line for note in (*default_notes(sc), reward_weighing(sc), non_qualifying_note(sc, results.runs), launch_note(sc, results.runs),
                            k_window_note(sc), k_why and k_why + ".", roi_note(results),
                            ask_window_note(sc, runs=results.runs), reminders_unsent_note(sc),
                            budget_pace_note(sc, results.runs, ranking=False), k_budget_note(sc, results.runs, timeseries=results.timeseries),
                            k_filled_note(sc, results.timeseries, results.runs), referred_loyalty_note(sc, results.runs),
                            brought_forward_note(sc, results.timeseries, results.baseline_timeseries),
                            ask_queue_note(sc, results.timeseries, results.runs), run_path_note(sc))
          if note
          for line in (note, "")),
        f"{sc.replicates} replicates of {sc.days} days, scenario seed {sc.seed} (each replicate's seed is in manifest.json).",
        "",
        "## Summary",
        "",
        "Means over replicates with the 95% t-interval of the mean (Monte Carlo uncertainty: shrinks with more",
        "replicates) and the 2.5–97.5% range of single runs (what one launch could look like"
        + single_runs_range_text(len(results.runs)) + ").",
        "",
        summary_table(results.summary, sc.days, len(results.runs), sc.k_window_days),
        "",
        *((note, "") if (note := lumped_note(results.runs, sc, results.summary)) else ()),
        *((note, "") if (note := ratio_of_means_note(results.runs)) else ()),
        *((note, "") if (note := pooled_k_note(results.summary, results.k_by_month)) else ()),
        "## Figures",
        "",
    ]
    parts += figure_links(figures)
    return "\n".join(parts)


def single_runs_range_text(runs: int) -> str:
    """What the 2.5–97.5% range of ``runs`` single runs holds of a further launch, which
    is less than 95%: the range is drawn from the runs themselves. Its ends, numpy's
    interpolated percentiles, sit at order statistics 1 + h and n − h (h = 0.025(n − 1)),
    and a further draw falls below the k-th of n with probability k/(n + 1) on average,
    so it falls inside with probability about 0.95(n − 1)/(n + 1), for any continuous
    distribution (78% for 10 runs, 90% for 39, 93% for 100; refsim's own runs held 79%
    and 91% at 10 and 39). The report's gloss read as 95% of launches. "" from 380 runs,
    where it rounds to 95%."""
    held = 0.95 * (runs - 1) / (runs + 1)
    if runs < 2:
        return ": with one run it is that run, and says nothing of the spread"
    if round(held, 2) >= 0.95:
        return ""
    near = " it is near their lowest to highest, and" if runs <= 41 else ""
    return (f": drawn from {runs} runs,{near} a further launch falls within it about {held:.0%} of the time, not 95%; "
            f"more replicates bring it toward that")


def write_run(results: Results, out: Path, *, started: dt.datetime | None = None, command: list[str] | None = None,
              people: bool = False, sets: list[str] | None = None, execution: dict | None = None,
              set_notes: list[str] | None = None, inputs: dict[str, str] | None = None) -> Path:
    """Write the results folder of one scenario atomically (staged, then renamed into place);
    ``execution``: where the runs ran (executor, workers, scheduler), for the manifest;
    ``started``: when the runs began (default: when the folder is written)."""
    with ResultsFolder(out) as folder:
        path = folder.path
        atomic_write_csv(path / "timeseries.csv", results.timeseries)
        atomic_write_csv(path / "runs.csv", results.runs)
        atomic_write_csv(path / "summary.csv", results.summary)
        atomic_write_json(path / "summary.json", summary_dict(results.summary))
        if people and results.people is not None:
            atomic_write_parquet(path / "people.parquet", results.people)
        series = {results.scenario.name: results.timeseries}
        if results.baseline_timeseries is not None:
            atomic_write_csv(path / "baseline_timeseries.csv", results.baseline_timeseries)
            series[str(results.baseline_timeseries["scenario"].iloc[0])] = results.baseline_timeseries
        figures = plots.standard(series, path)
        if results.baseline_timeseries is not None:
            figures.insert(0, incremental_value_plot([results], path / "incremental_value.png"))
        if results.k_by_month is not None:
            atomic_write_csv(path / "k_by_month.csv", results.k_by_month)
        if results.k_by_month is not None and len(results.k_by_month):
            figures.append(plots.k_by_month(results.k_by_month, path / "k_by_month.png",
                                            note=k_plot_note(results.scenario, results.runs, results.timeseries),
                                            days=results.scenario.days, window=results.scenario.k_window_days,
                                            ended=k_ended(results.scenario, results.runs, results.timeseries)))
        atomic_write_text(path / "report.md", run_markdown(results, figures, sets, set_notes))
        atomic_write_json(path / "manifest.json", manifest(
            folder=path,
            scenarios=[results.scenario], seeds={results.scenario.name: results.seeds},
            started=started, ended=dt.datetime.now(), command=command, kernel=results.kernel,
            extra={"execution": execution} if execution else None, inputs=inputs))
    return Path(out)
