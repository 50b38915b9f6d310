"""The folder of ``refsim compare``: comparison.csv, plots and a report that says
which design wins and how sure that is."""

from __future__ import annotations

import datetime as dt
import math
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots
from .text import SKEWED_RATIOS, calibrated_note, names_and, pooled_cac, skew_reason, unseen_share
from ..compare import (LOWER_IS_BETTER, UNRANKED, Comparison, Decision, censored_apart, against_the_best, cut_to, difference_range, counted, decide, same_mean, defined_first, defined_shares, value_scale, defined_alike,
                       paired_difference, pairing_differences, _pairs,
                       replicates_needed, replicates_to_tell_apart, twin_differences, TWIN_SEEDING_KEY, unpaired_difference, world_differences, VERDICT_METRIC)
from ..config import has_program, largest_referral
from ..metrics import NEVER_IS_WORST, joint_level, median_day
from ..results import ResultsFolder, atomic_write_csv, atomic_write_json, atomic_write_text, manifest
from ..runner import Results, interval, summarize
from .text import budget_pace_note, asks_done_by, planned_last_ask, brought_forward_note, referee_assumption, saturation_assumption, NOTHING_TO_PAY_BACK, nothing_to_pay_back, level_text, set_sentence, k_undefined_note, milestone_cut_short, against_no_program, default_notes, ask_window_note, reminders_unsent_note, k_budget_note, k_filled_note, referred_loyalty_note, launch_note, non_qualifying_note, budget_never_ran_out, allowance_sentence, asks_ended, went_on_sentence, asks_over, never_spent_sentence, cash_basis_note, CASH_BASIS_NOTE, first_day_paybacks, payback_sentence, unpaid_sentence, figure_links, fmt, horizon_profit, interval_text, metric_label, summary_dict, ask_queue_note, asking_note, k_window_note, path_note, reward_weighing, value_split, influencers_own_sentence, payment_timing_check, payment_timing_trade, contract_days, undefined_value_reason, beyond_budget_sentence, fraud_share_range, fraud_uncertain, ask_lag_note, ask_lag_apart, referred_loyalty_tests


def write_comparison(comparison: Comparison, out: Path, *, started: dt.datetime | None = None,
                     command: list[str] | None = None,
                     sets: list[str] | None = None, execution: dict | None = None,
                     set_notes: list[str] | None = None, replay: str = "", sensitivity: str = "",
                     files: list | tuple = (), inputs: dict[str, str] | None = None) -> Path:
    """Write the comparison folder atomically (staged, then renamed into place);
    ``sets``: the --set items every design ran with, which report.md names, and
    ``set_notes`` what they brought into designs whose files lacked it; ``replay``: that
    the compare ran an optimize winner on the seed of the search that chose it
    (optimize.search_replay_note of the files as loaded: the comparison keeps only the
    seeds the designs ran on), said under the setup; ``sensitivity``: the command that tests
    the sizes the ranking rests on (sensitivity_test), given whole; ``execution``:
    where the runs ran (executor, workers, scheduler), for the manifest; ``started``: when
    the runs began (default: when the folder is written); ``files``: the designs' scenario
    files, in their order, for the `refsim run` commands report.md gives."""
    designs = comparison.designs
    runs = pd.concat([d.runs for d in designs], ignore_index=True)
    summary = summarize(runs, [d.scenario for d in designs])
    series = {d.scenario.name: d.timeseries for d in designs}
    with ResultsFolder(out) as folder:
        path = folder.path
        atomic_write_csv(path / "comparison.csv", comparison.table)
        atomic_write_csv(path / "timeseries.csv", pd.concat(series.values(), ignore_index=True))
        # each design's no-program twin, as run writes its one: incremental_value.png drew them and no file held them
        twins = [d.baseline_timeseries for d in designs if d.baseline_timeseries is not None]
        if twins:
            atomic_write_csv(path / "baseline_timeseries.csv", pd.concat(twins, ignore_index=True))
        atomic_write_csv(path / "runs.csv", runs)
        atomic_write_csv(path / "summary.csv", summary)
        atomic_write_json(path / "summary.json", summary_dict(summary))
        figures = plots.standard(series, path)
        # incremental ROI beside the dashboard's: attributed ROI alone ranked first a design that cost $32,100 more
        # for less value; it counts the tracked referrals' revenue within the horizon, not what the program adds
        rois = [m for m in ("incremental_roi", "attributed_roi") if m in runs.columns]
        figures.append(plots.distribution(runs, rois, path / "roi_distribution.png", title=[
            {"incremental_roi": "Incremental ROI: value added per unit of program cost",
             "attributed_roi": "Attributed ROI: what a referral dashboard shows"}[m] for m in rois]))
        if all(d.baseline_timeseries is not None for d in designs):
            figures.insert(0, incremental_value_plot(designs, path / "incremental_value.png", paired=comparison.paired))
        if comparison.paired:
            from ..cli import console_metrics   # the console's few metrics: five designs of 18 each made 90 rows

            table = comparison.table
            figures.append(plots.paired_intervals(pairing_rows(comparison, console_metrics(table)),
                                                  path / "paired_vs_unpaired.png", reference=comparison.reference))
        atomic_write_text(path / "report.md", comparison_markdown(comparison, figures, sets, set_notes, replay,
                                                                      sensitivity, files))
        atomic_write_json(path / "manifest.json", manifest(
            folder=path,
            scenarios=[d.scenario for d in designs], seeds={d.scenario.name: d.seeds for d in designs},
            started=started, ended=dt.datetime.now(), command=command, kernel=designs[0].kernel, inputs=inputs,
            extra={"compare": {"reference": comparison.reference, "designs": comparison.names,
                               "replicates": len(comparison.seeds),
                               # the seed typed (or the first file's), not a design's seed derived from it
                               "seed": comparison.seed if comparison.seed is not None else designs[0].scenario.seed,
                               "design_seeds": {d.scenario.name: d.scenario.seed for d in designs},
                               "seeds_derived": comparison.seeds_derived,
                               "common_random_numbers": comparison.paired, "paired": comparison.paired,
                               "precision": comparison.precision},
                   **({"execution": execution} if execution else {})}))
    return Path(out)


def each_design_note(notes: list[tuple[str, str]]) -> list[str]:
    """Bullets of a note that each design may give (name, note or ""): once where every
    design gives the same, else each with its design's name. The first design's
    was kept alone: "Referred deals take about 285 days to close" named no design, and the
    one whose 385-day pipeline outlasted K's whole window went unsaid."""
    said = dict.fromkeys(note for _, note in notes if note)
    # once only where every design gives it: one design's "Referred deals take about 300 days" read as of them all
    if len(said) <= 1 and all(note for _, note in notes):
        return [f"- {note}" for note in said]
    return [f"- **{name}**: {note}" for name, note in notes if note]


def incremental_value_plot(designs: list[Results], path: Path, paired: bool = True) -> Path:
    """Each design minus its no-program twin over time, its median payback day marked
    and given in the legend, or that it never paid back (designs without a program are
    their own twin and are left out)."""
    colors = dict(zip((d.scenario.name for d in designs), plots.design_colours(len(designs))))   # as in the other plots
    left_out = [d.scenario.name for d in designs if not has_program(d.scenario)]
    designs = [d for d in designs if has_program(d.scenario)] or designs
    return plots.incremental_value({d.scenario.name: (d.timeseries, d.baseline_timeseries) for d in designs}, path,
                                   payback={d.scenario.name: median_day(d.runs["payback_day"]) if "payback_day" in d.runs.columns
                                            else math.nan for d in designs},
                                   # a design with nothing to pay back (no program, no spend) is not one that never paid back
                                   paid_back={d.scenario.name: float(np.isfinite(d.runs["payback_day"].to_numpy(float)).mean())
                                              for d in designs if "payback_day" in d.runs.columns
                                              and has_program(d.scenario) and not nothing_to_pay_back(d.runs)},
                                   final={d.scenario.name: d.runs["incremental_value"].to_numpy(float)
                                          for d in designs if "incremental_value" in d.runs.columns}, colors=colors,
                                   paired=paired, left_out=left_out)


def no_value_sentence(comparison: Comparison) -> str:
    """What report.md and the console say where no design has a finite value on any
    replicate: why, where the twins ran (infinite equity, text.undefined_value_reason)."""
    if "incremental_value" not in comparison.designs[0].runs.columns:
        return "No design has a finite value on any replicate."
    return (f"No design has a finite value on any replicate: "
            f"{undefined_value_reason(comparison.designs[0].scenario)}.")


def valueless_sentence(comparison: Comparison, decision: Decision | None) -> str:
    """Where the verdict ranks some designs while others have no finite value on any
    replicate, which those are and why ('' where none): one design of infinite equity
    (no churn, no discounting) beside a finite one read "leaving adds the most value,
    best in 100% of replicates", with no word of the other."""
    if decision is None:
        return ""
    metric = decision.metric
    none = [d for d in comparison.designs if metric in d.runs.columns and not _valued(d, metric)]
    if not none:
        return ""
    names = _names([d.scenario.name for d in none])
    reasons = list(dict.fromkeys(undefined_value_reason(d.scenario) for d in none)) if metric == "incremental_value" else []
    why = f": {reasons[0]}" if len(reasons) == 1 else ""
    return (f"{names} {'has' if len(none) == 1 else 'have'} no finite {metric} on any replicate, so "
            f"{'it is' if len(none) == 1 else 'they are'} no contender{why}.")


def _pending(runs) -> float:
    """Mean company cost of the rewards earned but not paid at the horizon: still to pay
    (rewards_owed) or beyond the budget (rewards_unpaid)."""
    columns = [c for c in ("rewards_owed", "rewards_unpaid") if c in runs.columns]
    return float(runs[columns].sum(axis=1).mean()) if columns and len(runs) else 0.0


def unpaid_lead_sentence(comparison: Comparison, decision: Decision | None) -> str:
    """Where the verdict falls back to profit (no twins) and the best design's lead is in
    part rewards it had earned and not yet paid, how much: profit counts a reward once
    paid, so the same $10 + $10 paid on qualification beat it paid on signup by 1,000,
    383 of it rewards still owed, with 36 fewer customers, and nothing said so."""
    if decision is None or decision.metric != "cumulative_profit" or decision.runner_up is None \
            or decision.runner_up in decision.copies:
        return ""
    best, other = _design(comparison.designs, decision.best), _design(comparison.designs, decision.runner_up)
    extra, lead = _pending(best.runs) - _pending(other.runs), decision.diff_mean
    if not (math.isfinite(lead) and lead > 0 and extra > 0 and extra >= CASH_BASIS_NOTE * lead):
        return ""
    part = "more than its whole lead" if extra >= lead else f"{extra / lead:.0%} of its lead of {fmt(lead)}"
    # 'beyond its budget' of a design with none, 'the same referrals' of unpaired designs of other horizons: said
    # only where they hold
    budgeted = getattr(getattr(getattr(best.scenario, "program", None), "incentive", None), "budget", None) is not None
    return (f"Profit counts a reward only once it is paid: {decision.best} ended with {fmt(extra)} more than "
            f"{decision.runner_up} of rewards its referrals had earned still unpaid "
            f"({'owed, or beyond its budget' if budgeted else 'still owed'}), {part}. Paying rewards later, or cutting "
            f"them with a budget, raises profit without making a better program; rank on incremental value, which "
            f"counts these rewards: rerun with --baseline.")


def decision_paragraph(comparison: Comparison, decision: Decision | None) -> list[str]:
    """The report's first paragraph: which design to launch, how sure, and its money,
    for the verdict decide() gives by default (incremental value, or profit without the
    twins); a decision on another metric (decide's ``metric=``) is refused, as its
    words would call a payback day a profit."""
    if decision is None:
        return [no_value_sentence(comparison) + " The tables below give the rest."]
    if decision.metric not in ("incremental_value", "net_value", "cumulative_profit"):
        raise ValueError(f"decision_paragraph words a verdict on incremental_value (or net_value without the "
                         f"twins), not on {decision.metric}; the Decision's fields give that one")
    # the best design's own horizon: an unpaired comparison of a 3-year design against a 1-year one described
    # the winner's value "within the 1095 days" of the other
    days = _design(comparison.designs, decision.best).scenario.days
    if decision.metric == "incremental_value":
        what = ("incremental value (profit plus customer equity less rewards still owed, plus referrals still converting, "
                "minus the no-program twin on the same seed)")
    elif decision.metric == "net_value":
        # designs whose twins differ: their differences include the twins' (twin_lines says in what)
        differ = ("; these designs' twins differ (below), so theirs include what the twins differ in, not only the "
                  "programs") if twin_lines(comparison.designs) else ""
        if own := twin_among_designs(comparison):
            # a no-program design on the designs' seeds is their twin: the figure 'not known' was in the table below
            twin, of = own
            known = (f"; {twin}, compared here, is the no-program twin of {_names(of)} on the same seeds, so "
                     + (f"{of[0]}'s difference from it is what {of[0]} adds" if len(of) == 1 else
                        "each one's difference from it is what that design adds")
                     + " against no program, its incremental value")
        else:
            known = "; the twins were not run, so what each adds against no program is not known: rerun with --baseline"
        what = ("net value (profit plus customer equity less rewards still owed, plus referrals still converting: "
                "incremental value's terms without the no-program twin, so between designs that share a twin the "
                f"differences are incremental value's{differ}{known})")
    else:
        what = f"{horizon_profit(days)} (the twins were not run, so incremental value is not known: rerun with --baseline)"
    worth = {"incremental_value": "value", "net_value": "net value"}.get(decision.metric, "profit")
    subject = f"{decision.best} " + (("loses the least value" if decision.mean < 0 else "adds the most value")
                                     if decision.metric == "incremental_value" else
                                     "has the highest net value" if decision.metric == "net_value" else
                                     "has the highest profit")
    sure = decision.runner_up is not None and not decision.not_told_apart
    if decision.runner_up is not None and not sure and not decision.tied_with:
        # 'X adds the most value', in bold, read as a verdict where X was best in a third of the replicates
        subject = (f"{decision.best} leads on " + worth
                   + f", not told apart from {_names(decision.not_told_apart)}")
    if decision.tied_with:   # the first listed was named best: say the tie instead, naming every design in it
        *first, last = [decision.best, *decision.tied_with]
        subject = (f"{', '.join(first)} and {last} tie for the "
                   + (("least loss of value" if decision.mean < 0 else "most value")
                      if decision.metric == "incremental_value" else f"highest {worth}"))
        best_in = ("best or level with another design in " + ", ".join(
            f"{_count(share, decision.replicates)} ({name})" for name, share in decision.shares.items())
            + f" of the {decision.replicates} replicates")
    elif decision.share_level:
        best_in = (f"best or level with another design in {_count(decision.share_best, decision.replicates)} of the "
                   f"{decision.replicates} replicates (level in {_count(decision.share_level, decision.replicates)})")
    else:
        # a count, not a share: "best in 62% of the 8 replicates" was 5 of 8 (62.5%), beside a figure's "88%" for 7
        best_in = f"best in {_count(decision.share_best, decision.replicates)} of the {decision.replicates} replicates"
    if decision.oftener and best_in:
        # the mean weighs how much each design wins by: a leader best in 2 of 6 beside a runner-up best in 4 read as
        # winning most head-to-heads
        best_in += (", where " + ", ".join(f"{name} is best in {_count(share, decision.replicates)}"
                                           for name, share in decision.oftener.items())
                    + " (the mean weighs how much each design wins or loses by, not how often it is best)")
    if not comparison.paired:   # replicate r of one design and of another share no luck: no per-replicate contest
        best_in = ""
    text = (f"**{subject}**: {what} {fmt(decision.mean)}, 95% interval "
            f"{interval_text(decision.ci_low, decision.ci_high)}" + (f" ({decision.best}'s)" if decision.tied_with else "")
            + (against_no_program(decision.ci_low, decision.ci_high, clause=True)
               if decision.metric == "incremental_value" else "")
            + (f"; {'they are' if decision.tied_with else 'it is'} {best_in}." if best_in else ".")
            + (f" {loss[0].upper()}{loss[1:]}." if (loss := all_lose(decision, "")) else "")
            # in a tie what follows is the first listed design's alone: the others' are in the table
            + (f" What follows is {decision.best}'s, the first listed; the table below gives the others'."
               if decision.tied_with else ""))
    if decision.metric == "incremental_value":
        best = next(d for d in comparison.designs if d.scenario.name == decision.best)
        text += value_split(best.runs, days, getattr(getattr(best.scenario, "program", None), "incentive", None))
        text += influencers_own_sentence(best.runs)
    if unpaired := unpaired_note(comparison, "below "):
        text += f" {unpaired}."
    if decision.runner_up is not None and decision.runner_up in decision.copies:
        # every other design is a copy of the best: 'against the runner-up a-copy: 0 [0, 0] (not told apart from
        # a-copy ...)' is the sentence a copy is not to get
        text += (f" {_names(decision.copies)} {'gives' if len(decision.copies) == 1 else 'give'} {decision.best}'s values in "
                 f"every replicate: there is no runner-up to weigh it against.")
    elif decision.runner_up is not None:
        kind = "paired" if comparison.paired else "unpaired"
        text += (f" Against the runner-up {decision.runner_up}: {fmt(decision.diff_mean)}, {kind} "
                 f"{level_text(decision.diff_level)} interval {interval_text(decision.diff_ci_low, decision.diff_ci_high)}"
                 + (" (sure at 95%" if sure else f" (not told apart from {_names(decision.not_told_apart)} at 95% with these "
                                                f"replicates")
                 + (f"; the best is {holm_text(decision.tests, '' if decision.tests == len(comparison.designs) - 1 else 'a design with the same value as another in every replicate is one test, and one with the best’s none')}, so that together the tests hold at 95%)."
                    if decision.tests > 1 else ")."))
    best = next(d for d in comparison.designs if d.scenario.name == decision.best)
    last_ask = asks_over(best.scenario, getattr(best, "timeseries", None))
    if math.isfinite(decision.budget_share) and decision.budget_share > 0:
        text += (f" Its budget ran out on day {decision.budget_day:.0f} (median) in {decision.budget_share:.0%} of "
                 f"replicates{asks_ended(best.scenario.program.incentive, last_ask, best.runs['budget_exhausted_day'], planned_last_ask(best.scenario))}."
                 + went_on_sentence(best.scenario.program, getattr(best, "timeseries", None), decision.budget_day)
                 + never_spent_sentence(best.runs, best.scenario.program.incentive)
                 + unpaid_sentence(best.runs, best.scenario.program.incentive)
                 + (" " + allowance_sentence(best.runs, best.scenario.program.incentive, best.scenario.days)).rstrip()
                 + beyond_budget_sentence(best.runs, best.scenario.days, best.scenario.program.incentive))
    elif math.isfinite(decision.budget_share):
        text += " " + budget_never_ran_out(best.runs, best.scenario.program.incentive, best.scenario.days) \
            + unpaid_sentence(best.runs, best.scenario.program.incentive) \
            + beyond_budget_sentence(best.runs, best.scenario.days, best.scenario.program.incentive)
    if has_program(best.scenario) and nothing_to_pay_back(best.runs):   # no program: nothing said, as before
        text += " " + NOTHING_TO_PAY_BACK
    elif math.isfinite(decision.payback_share) and decision.payback_share > 0:
        text += " " + payback_sentence(decision.payback_day, decision.payback_share, len(best.runs), days,
                                       first_day_paybacks(best.runs)) \
            + cash_basis_note(best.runs, getattr(getattr(best.scenario, "program", None), "incentive", None))
    elif math.isfinite(decision.payback_share):
        text += (f" It does not pay back within the {days}-day horizon (its value then rests on what comes after it: "
                 f"customer equity and referrals still converting).")
    if valueless := valueless_sentence(comparison, decision):
        text += f" {valueless}"
    if unpaid := unpaid_lead_sentence(comparison, decision):
        text += f" {unpaid}"
    return [text]


def holm_text(others: int, note: str = "") -> str:
    """How the best is tested against ``others`` other designs (compare.against_the_best),
    in words; ``note`` joins the closing parenthesis."""
    levels = [level_text(joint_level(0.95, others - k)) for k in range(others)]
    steps = f"{levels[0]}, then {levels[1]}" if others == 2 else f"{levels[0]} down to {levels[-1]}"
    return (f"tested against the {others} other designs one by one, the clearest difference first, at {steps} while "
            f"each test is passed (Holm{'; ' + note if note else ''})")


def verdict_metric(comparison: Comparison) -> str | None:
    """The metric the verdict ranks on (None where there is no verdict)."""
    decision = decide(comparison)
    return decision.metric if decision is not None else None


def pairing_rows(comparison: Comparison, metrics) -> pd.DataFrame:
    """The differences paired_vs_unpaired.png draws: each design's from the reference on
    ``metrics``, less those where either side is the same in every replicate (a
    no-program reference's incremental value is 0 on every seed: the paired and unpaired
    intervals are one, and its rows said nothing of pairing), and first the verdict's
    own, the best less the runner-up on the verdict metric at the level the verdict quotes
    (the contrast whose paired interval was 62% of the unpaired one was not drawn at all),
    in place of its row against the reference where one of the two is the reference."""
    from ..compare import _correlation, _pairs, paired_difference, unpaired_difference

    table = comparison.table
    rows = table[table["metric"].isin(list(metrics)) & (table["verdict"] != "reference")]
    rows = rows[np.isfinite(rows["correlation"].astype(float))]
    decision = decide(comparison)
    if decision is None or decision.runner_up is None or decision.runner_up in decision.copies:
        return rows.reset_index(drop=True)
    if comparison.reference in (decision.best, decision.runner_up):
        # the pair is a row against the reference already, at 95% and maybe of the other sign: drawn as the verdict's
        # own row instead (at 97.5% the figure showed 'uncapped − r11' at 95% beside 'r11 − uncapped' at 97.5% quoted)
        other = decision.runner_up if comparison.reference == decision.best else decision.best
        rows = rows[~((rows["design"] == other) & (rows["metric"] == decision.metric))]
    by_name = {d.scenario.name: d for d in comparison.designs}
    other, best = (counted(by_name[name], decision.metric) for name in (decision.runner_up, decision.best))
    a, b = _pairs(other, best)
    if len(a) < 2 or not np.isfinite(_correlation(a, b)):
        return rows.reset_index(drop=True)
    # at the verdict's own level (97.5% for three designs, Holm): drawn at 95%, its bar cleared 0 beside a line calling
    # the pair not told apart at 97.5%
    level = decision.diff_level
    named = f"{decision.best} − {decision.runner_up}" + (f" ({level_text(level)})" if level != 0.95 else "")
    verdict = {"design": named, "metric": decision.metric, **paired_difference(a, b, level),
               **unpaired_difference(a, b, level), "correlation": _correlation(a, b), "verdict": ""}
    return pd.concat([pd.DataFrame([verdict]), rows], ignore_index=True)


def _count(share: float, replicates: int) -> str:
    """How many of ``replicates`` a ``share`` of them is, as a whole number."""
    return f"{round(share * replicates):,}"


#: The metrics a compare's verdict ranks on (with and without the twins).
VERDICT_METRICS = ("incremental_value", "net_value")


def unbound_budgets(designs: list[Results], names) -> str:
    """Where designs that give identical values in every replicate differ in a budget
    (total or monthly) that ran out in none of their runs: that the tie holds at these
    assumptions only, and the range that tests it. $500 and $2,000 budgets tied at the
    assumed 40% cost share, and at 100% the $500 one ran out on day 41 and the two
    differed; the tie was said with no word of it ('' otherwise)."""
    chosen = [_design(designs, name) for name in names]
    incentives = [getattr(d.scenario.program, "incentive", None) for d in chosen if has_program(d.scenario)]
    budgets = {(getattr(i, "budget", None), getattr(i, "budget_per_month", None)) for i in incentives}
    if len(chosen) < 2 or len(budgets) < 2 or any(
            np.isfinite(d.runs["budget_exhausted_day"].to_numpy(float)).any()
            for d in chosen if "budget_exhausted_day" in d.runs.columns):
        return ""
    priced = [i for i in incentives if getattr(i, "reward_type", None) is not None]
    share = min((d.scenario.program.cost_share() for d in chosen if has_program(d.scenario)), default=1.0)
    # one key that moves every priced design's share alike (a share set in one file and left to the table in another
    # has none: sensitivity refused the incentive's key, and the table's moved one design only)
    keys = {"program.incentive.cost_share" if i.cost_share is not None else f"program.cost_shares.{i.reward_type}"
            for i in priced}
    if priced and share < 1 and len(keys) == 1:
        test = f"--uncertain {keys.pop()}={min(0.2, share):g}:1"
    else:
        test = "--uncertain program.incentive.max_uplift=0.5:2"
    return (f" (they differ in budgets that ran out in none of these runs; a budget binds sooner where a reward costs "
            f"the company more or moves more people, so the tie holds at these assumptions: test it with "
            f"`refsim sensitivity` of these designs, {test})")


def has_ranking(comparison: Comparison) -> bool:
    """Whether the verdict ranks designs: not where every other design gives the best's
    values in every replicate ("the ranking rests on ... at purchase ×1, onboarding ×1,
    milestone ×1" was said of three identical designs)."""
    decision = decide(comparison)
    return decision is not None and decision.runner_up is not None and decision.runner_up not in decision.copies


def verdict_line(comparison: Comparison) -> str | None:
    """The console's one-line verdict: the best design on the verdict metric, and how
    sure against the runner-up and the others (the per-metric lines above it are each
    against the reference, so with three designs or more none of them compares the
    best with the runner-up)."""
    decision = decide(comparison)
    if decision is None or decision.runner_up is None:
        return None
    if decision.runner_up in decision.copies:   # no design differs from the best: no runner-up to weigh
        # "best on ...: a" named whichever design was listed first, where report.md said they tie
        return (f"{_names([decision.best, *decision.copies])} tie on {decision.metric} ({fmt(decision.mean)}): "
                f"{_names(decision.copies)} {'gives' if len(decision.copies) == 1 else 'give'} {decision.best}'s values "
                f"in every replicate (no runner-up)"
                + unbound_budgets(comparison.designs, [decision.best, *decision.copies]).replace("`", "")
                + all_lose(decision, "; "))
    kind = "paired" if comparison.paired else "unpaired"
    if decision.tied_with:
        rest = [n for n in decision.not_told_apart if n not in decision.tied_with]
        sure = f"tied with {_names(decision.tied_with)}" + (f", and not told apart from {_names(rest)} at 95%" if rest else
                                                             # report.md said "sure at 95%" beside the tie, the console not
                                                             ("; sure at 95% against the others (Holm)"
                                                              if len(comparison.designs) > 2 + len(decision.tied_with) else
                                                              "; sure at 95% against the other")
                                                             if len(comparison.designs) > 1 + len(decision.tied_with) else "")
    elif decision.not_told_apart:
        sure = f"not told apart from {_names(decision.not_told_apart)} at 95%"
    else:
        sure = "sure at 95%" + (" (ahead of every other design, Holm)" if len(comparison.designs) > 2 else "")
    return (f"best on {decision.metric}: {decision.best} ({fmt(decision.mean)}); against the runner-up "
            f"{decision.runner_up}: {fmt(decision.diff_mean)}, {kind} {level_text(decision.diff_level)} interval "
            f"{interval_text(decision.diff_ci_low, decision.diff_ci_high)}: {sure}" + all_lose(decision, "; "))


def all_lose(decision: Decision, lead: str = " ") -> str:
    """Where the best design's incremental value lies wholly below 0, every design compared
    loses value against no program: said beside the verdict. "cash150 adds the most value:
    -67,432 [-90,062, -44,802]" crowned a program worse than not launching one, where run
    of the same design said "The program loses 67,432"."""
    if decision.metric != "incremental_value" or not (math.isfinite(decision.ci_high) and decision.ci_high < 0):
        return ""
    return (f"{lead}every design compared loses value against no program ({decision.best}, the best, by "
            f"{fmt(-decision.mean)}, 95% interval {interval_text(-decision.ci_high, -decision.ci_low)}): none beats not "
            f"launching one")


def winners(comparison: Comparison) -> list[str]:
    """One sentence per metric: which design has the best mean, by how much over the
    runner-up, and whether the paired interval of that difference excludes 0."""
    every = comparison.designs
    table = comparison.table
    lines = []
    n = len(comparison.seeds)
    low_k = _k_low(every) if table["metric"].isin(K_LINES).any() else []
    for metric in dict.fromkeys(table["metric"]):
        if metric in UNRANKED:
            continue
        means = table[table["metric"] == metric].set_index("design")["mean"]
        designs = every
        if metric in K_LINES and low_k:
            # K of a late ask, an ask ended early or a network that filled reads low by construction: ranked with the
            # others, "classroom-viral is best, sure at 95%" stood beside "this line does not rank it"
            designs = [d for d in every if d.scenario.name not in low_k]
            means = means[means.index.isin([d.scenario.name for d in designs])]
            if len(designs) < 2:
                lines.append(f"- **{metric}**: not ranked: K reads low by construction for "
                             f"{_names([f'**{name}**' for name in low_k])} (the notes above say why), which leaves "
                             f"{'one design' if designs else 'no design'} to rank; compare the designs on "
                             f"`incremental_value`.")
                continue
        if means.isna().all():
            continue
        if censored_apart(designs, metric):
            # a run that never paid back is the day after its own horizon: a 60-day design was 'sure' to pay back
            # sooner than a 300-day one (comparison.csv gave no difference)
            lines.append(f"- **{metric}**: not ranked: the designs run different horizons "
                         f"({_names([str(x) for x in sorted({int(d.scenario.days) for d in designs})])} days) and in "
                         f"some runs the day did not come within theirs, so no difference between them is measured.")
            continue
        if metric in NEVER_IS_WORST:   # ranked as the differences are measured: a run that never paid back is day H + 1
            means = pd.Series({d.scenario.name: interval(counted(d, metric))["mean"] for d in designs})
        # a design where the metric is never defined (a cost per referred customer without a program) is no contender
        # stable on ties, as decide ranks them: the console's runner-up and this line's were other designs
        order = means.dropna().sort_values(ascending=metric in LOWER_IS_BETTER, kind="stable").index.tolist()
        scale = value_scale(_metric_values(designs, d.scenario.name, metric) for d in designs)
        # most replicates defined first where an undefined run is the worst (a cost per extra customer where
        # the program added nobody), as decide ranks them
        defined = defined_shares({name: _metric_values(designs, name, metric) for name in order}, metric)
        order = defined_first(order, defined, means, scale)
        if len(order) < 2:
            continue
        best = order[0]
        b = _metric_values(designs, best, metric)
        # a copy of the best (an allowance that never bound) is a tie, not the runner-up: taken as the runner-up, the
        # line said only that the two were identical, with no word on how the other designs compared
        copies = [name for name in order[1:] if np.array_equal(_metric_values(designs, name, metric), b, equal_nan=True)]
        others = [name for name in order[1:] if name not in copies]
        runner_up = others[0] if others else order[1]
        tied = [name for name in order[1:] if name in copies
                or (same_mean(means[name], means[best], scale) and defined[name] == defined[best])]
        a = _metric_values(designs, runner_up, metric)
        paired = paired_difference(a, b)
        levels, differences, behind = against_the_best({d.scenario.name: _metric_values(designs, d.scenario.name, metric)
                                                        for d in designs}, best, metric, comparison.paired)
        behind = [name for name in behind if name not in copies]   # a copy ties the best: no design to tell it from
        each = levels[runner_up]
        unpaired = unpaired_difference(*(_pairs(a, b) if comparison.paired else (a, b)), each)   # as comparison.csv's
        # cut as comparison.csv cuts the same difference: a payback never reached counts as the day after the horizon,
        # so two designs' days differ by at most the horizon ('[-132.1, -94.3]' here, '[-120.0, -94.3]' in the table)
        bounds = difference_range(_design(designs, runner_up), _design(designs, best), metric)
        unpaired = cut_to(unpaired, *bounds)
        cut = cut_to(differences[runner_up], *bounds)
        low, high, diff = (cut[k] for k in ("diff_ci_low", "diff_ci_high", "diff_mean"))
        if not others:
            # every other design a copy of the best (four designs all paying back on day 1)
            # said on the verdict's metric (it stood on each of 21 metric lines, a budget's reach or not)
            lines.append(f"- **{metric}**: {_names([best, *copies])} give identical results on every replicate"
                         f"{unbound_budgets(designs, [best, *copies]) if metric in VERDICT_METRICS else ''}."
                         + _k_left_out(metric, low_k))
            continue
        # undefined in some replicates of one design only (never paid back): those replicates are not
        # missing at random, so the table gives no verdict, and neither does this sentence
        alike = defined_alike(a, b, comparison.paired)
        sure = not behind
        # at the level of the interval beside it (a 97.5% interval with a count for 95% read as one figure)
        need = replicates_needed(paired["diff_sd"], comparison.precision * abs(diff), each) if comparison.paired else math.nan
        direction = "lower" if metric in LOWER_IS_BETTER else "higher"
        spans = {int(d.scenario.days) for d in designs}
        # each design's own horizon where an unpaired compare's differ: '(300-day profit)' was said of a 60-day design
        label = metric_label(metric, _design(designs, best).scenario.days) if len(spans) == 1 else \
            (f"{metric} (each design's profit over its own horizon)" if metric == "cumulative_profit" else metric)
        label = f"**{metric}**" + label.removeprefix(metric)
        kind = "paired" if comparison.paired else "unpaired (Welch)"
        # the same mean, other values: "is best (5.08) against (5.08)" named a winner where the means tie
        came = lambda name: _came(_design(designs, name), metric)  # noqa: E731
        if not alike:
            # means over other replicates: a design that added no customer in 5 of 12 replicates had no CAC there and
            # read 'best (195, lower is better) against (410)', though on the replicates both had it its CAC was higher
            undefined = [f"{name} in {int((~np.isfinite(v)).sum())} of {len(v)}" for name, v in ((best, b), (runner_up, a))
                         if (~np.isfinite(v)).any()]
            shared = int((np.isfinite(a) & np.isfinite(b)).sum())
            # both can be undefined in some (other) replicates: "of one design only" then named two designs
            where = ("in other replicates of one design than of the other" if len(undefined) > 1
                     else "in some replicates of one design only")
            # unpaired, replicate r of one design shares nothing with replicate r of the other: the difference is
            # of the means where each is defined ('over the 4 replicates where both are defined' was said of 6 and 4)
            over = (f"over the {shared} replicate{'' if shared == 1 else 's'} where both are defined, "
                    f"{best} − {runner_up} = {fmt(diff)}"
                    if comparison.paired else f"their difference, {best} − {runner_up} = {fmt(diff)}")
            text = (f"- {label}: **no verdict**: it is undefined {where} "
                    f"({', '.join(undefined)}), and those are not missing at random, so the means where each is defined "
                    f"({best} {fmt(means[best])}{came(best)}, {runner_up} {fmt(means[runner_up])}{came(runner_up)}, "
                    f"{direction} is better) rank nothing; {over}, {kind} {level_text(each)} interval "
                    f"{interval_text(low, high)}")
            text += (f" (unpaired interval {interval_text(unpaired['unpaired_ci_low'], unpaired['unpaired_ci_high'])})."
                     if comparison.paired else ".")
            if metric in SKEWED_RATIOS:   # where the means rank nothing, the ratio of the means still counts every run
                text += _skewed_ratio_text(designs, metric, best, runner_up, ranked=False)
            lines.append(text + _k_left_out(metric, low_k))
            continue
        # its values, not its runs: another design paying back on day 1 too gives the same figures
        copied = (f"; {_names(copies)} {'gives' if len(copies) == 1 else 'give'} {best}'s values in every replicate"
                  if copies else "")
        at = lambda name: _mean_text(_design(designs, name), metric, means[name])  # noqa: E731
        lead = (f"{_names([f'**{best}**', *tied])} tie on the mean ({at(best)}"
                f"{_came(_design(designs, best), metric)}, {direction} is better{copied})" if tied else
                f"**{best}** is best ({at(best)}{_came(_design(designs, best), metric)}, {direction} is better) against "
                f"{runner_up} ({at(runner_up)}{_came(_design(designs, runner_up), metric)})")
        text = (f"- {label}: {lead}; {best} − {runner_up} = {fmt(diff)}, {kind} "
                f"{level_text(each)} interval {interval_text(low, high)}")
        tell = ""   # how many replicates would tell the two apart, said of a difference not yet told apart
        if sure:
            text += " excludes 0" + (", as do those against the other designs" if len(others) > 1 else "") + ": **sure at 95%**"
        elif runner_up not in behind:   # ahead of the runner-up, not of a design further down with a wider spread
            text += (f" excludes 0, but the best is not told apart from {_names(behind)} (an interval holding 0, or the "
                     f"metric undefined in other replicates): **not sure** with these replicates")
        elif not (math.isfinite(low) and math.isfinite(high)):
            # "interval [–, –] includes 0" where the metric came in one replicate only (K with no customer old enough)
            both = int((np.isfinite(a) & np.isfinite(b)).sum())
            text += (f": no interval, as both designs have the metric in only {both} replicate{'' if both == 1 else 's'} "
                     f"(an interval needs 2): **not distinguishable** with these replicates")
        else:
            text += " includes 0: **not distinguishable** with these replicates"
            # how many replicates would tell them apart, were the difference as measured: "more than 10,000 would be
            # needed ... too small to pin down" (for ±5% of its size) read as hopeless where 12 settled it
            # paired, from the spread of the replicate differences; unpaired, from the two designs' own spreads (the
            # Welch interval's, each design run that many times); over the replicates where the metric is defined
            # ("the spread is measured on 10" of a metric defined in 7)
            if comparison.paired:
                spread, measured = paired["diff_sd"], int(paired.get("n_pairs", n))
            else:
                finite = [v[np.isfinite(v)] for v in (a, b)]
                spread = math.sqrt(sum(float(v.var(ddof=1)) for v in finite)) if min(map(len, finite)) > 1 else math.nan
                measured = min(map(len, finite))
            apart = replicates_to_tell_apart(spread, diff, each) if alike else math.nan
            if math.isfinite(apart) and apart <= MOST_REPLICATES_WORTH_SAYING:
                where = (f" (counting replicates where both designs have the metric: {measured} of these {n} do)"
                         if measured < n else "")
                tell = (f" Were the difference as large as measured, about {int(apart):,} replicates"
                        + ("" if comparison.paired else " of each design") + f"{where} would tell the two apart 4 times "
                        f"in 5 (80% power at this level; the spread is measured on {measured}"
                        + (", so the figure is rough" if measured < 10 else "") + ")")
        if comparison.paired:
            text += f" (unpaired interval {interval_text(unpaired['unpaired_ci_low'], unpaired['unpaired_ci_high'])})."
        else:
            text += "."
        if tell:
            text += tell + "."
        if metric == "cost_per_referred_customer" and \
                (mine := _referral_cost_with_levers(_design(designs, best).runs)) is not None:
            # account managers "best, sure at 95%" at 3.53 a referral, where with their asks each cost 273.4
            theirs = _referral_cost_with_levers(_design(designs, runner_up).runs)
            # a runner-up paying no levers keeps its figure above: the same quantity as 3.7 and as 3.73, averaged
            # two ways, stood in one sentence
            against = f"{fmt(theirs)}" if theirs is not None else f"{fmt(means[runner_up])} (it pays no levers)"
            text += (f" It counts the rewards alone: with the levers' costs too (`program_cost`), a tracked referral "
                     f"cost {best} {fmt(mine)} against {runner_up} {against}.")
        if metric == "payback_day":
            # q180 "best, sure at 95%" on a payback of day 1 with all its rewards still to pay: said beside the
            # headline's best design alone, the note on a cash-basis payback missed the line that crowned it
            winner = _design(designs, best)
            text += cash_basis_note(winner.runs, getattr(getattr(winner.scenario, "program", None), "incentive", None))
        if need > MOST_REPLICATES_WORTH_SAYING and sure and alike:
            text += (f" The verdict needs no more replicates; to measure the difference's size within "
                     f"±{comparison.precision:.0%}, more than {MOST_REPLICATES_WORTH_SAYING:,} would be needed.")
        elif need > MOST_REPLICATES_WORTH_SAYING:  # infinity too (past replicates_needed's limit); NaN is not
            text += (f" For ±{comparison.precision:.0%} of the difference more than {MOST_REPLICATES_WORTH_SAYING:,} "
                     f"replicates would be needed: it is too small next to the spread of the runs to pin down.")
        elif math.isfinite(need):
            # after "sure at 95%", "about 1,015 replicates would do" read as if the verdict were in doubt
            text += ((" The verdict needs no more replicates; to measure the difference's size within "
                      if sure and alike else " To measure the difference within ")
                     + f"±{comparison.precision:.0%}, about {int(need):,} replicates would do "
                     f"(this comparison has {n}" + (f"; the spread behind that figure is itself measured on {n}, so it "
                                                   f"is rough: check it with more" if n < 10 else "") + ").")
        if metric in SKEWED_RATIOS:
            text += _skewed_ratio_text(designs, metric, best, runner_up)
        lines.append(text + _k_left_out(metric, low_k))
    return lines


def lumped_compare_note(comparison: Comparison, shown) -> str:
    """The sentence under the differences table on a metric of text.LUMPED_METRICS whose
    replicates mostly gave one value in some design (text.lumped_findings): run's report
    said of a cash reward's fake claims "exactly 0 in 6 of 8 replicates ... its interval is
    too narrow", and compare's, on the same runs, gave their difference's interval and a
    replicate count from its spread with no word."""
    from .text import lumped_findings

    found: dict[str, list[str]] = {}
    for design in comparison.designs:
        # with its summary: a payback interval already spanning every day (1 - 200 of 200) is not too narrow, as run
        # says of the same runs
        every, most = lumped_findings(design.runs, design.scenario, getattr(design, "summary", None))
        for metric, value, top, n in (*every, *most):
            if metric in shown:
                # "1 in 7 of 7 replicates" of a design of 8, one of which never paid back
                which = " that gave one" if n < len(design.runs) else ""
                counted_in = f"all {n} replicates{which}" if top == n else f"{top} of {n} replicates{which}"
                found.setdefault(metric, []).append(f"{fmt(value)} in {counted_in} of {design.scenario.name}")
    if not found:
        return ""
    said = "; ".join(f"`{metric}` was exactly {', and '.join(parts)}" for metric, parts in found.items())
    return (f"\n**Intervals too narrow:** {said}. Such a metric's means, the intervals of their differences and the "
            "replicate counts taken from their spread are too narrow (a rare costly run moves the mean, and a few "
            "replicates mostly miss it: docs/model.md, \"Where the interval is too narrow\"); each design's 2.5–97.5% "
            "range of runs (comparison.csv) says more of it than its mean.")


def _skewed_ratio_text(designs, metric: str, best: str, runner_up: str, ranked: bool = True) -> str:
    """For a line on a ratio per run (text.SKEWED_RATIOS): its mean is skewed by runs
    that add few customers, and for a CAC, each design's ratio of the means over all runs,
    as `run` gives it. Two runs that added 3 and 2 customers made a $20 referrer reward's
    CAC 99.6 against 26.8 ("best"), where over all runs together it was 25.2 against
    24.4; a design adding no customers on average has none, which is said (the line
    crowned a design against one adding -1.25, with no word). ``ranked``: the line names
    ``best`` best; a "no verdict" line only lists them (the design with the metric in more
    replicates first), and "ranks them the other way" there meant against an order never
    shown, so it says which the ratio of the means favours."""
    text = (f" `{metric}` is a ratio per run, {skew_reason(metric)}: its interval is too narrow "
            f"(docs/model.md, \"Where the interval is too narrow\")")
    if metric in ("incremental_cac", "incremental_cac_vs_paid"):
        def pooled(name: str) -> tuple[float, str]:
            """The ratio of the means, or NaN and why there is none."""
            design = _design(designs, name)
            runs = design.runs
            extra = float(runs["incremental_customers"].mean()) if "incremental_customers" in runs else math.nan
            if not extra > 0:
                return math.nan, f"none (it adds {fmt(extra)} customers on average)"
            cac = pooled_cac(runs)
            if metric == "incremental_cac":
                return cac, fmt(cac)
            paid = getattr(getattr(design.scenario, "economics", None), "paid_cac", None)
            return (cac / paid, fmt(cac / paid)) if paid else (math.nan, "none (no `economics.paid_cac`)")

        names = [best, runner_up, *(d.scenario.name for d in designs if d.scenario.name not in (best, runner_up))]
        figures = {name: pooled(name) for name in names}
        (ours, _), (theirs, _) = figures[best], figures[runner_up]
        text += (". Over all runs together (the ratio of the means, as `refsim run` gives it) "
                 + ", ".join(f"{name} {said}" for name, (_, said) in figures.items()))
        reversed_ = math.isfinite(ours) and math.isfinite(theirs) and \
            (ours > theirs if metric in LOWER_IS_BETTER else ours < theirs)
        if not ranked and math.isfinite(ours) and math.isfinite(theirs) and ours != theirs:
            text += f", which favours {runner_up if reversed_ else best} of the two"
        elif reversed_:
            text += ", which ranks them the other way"
        elif math.isfinite(theirs) and not math.isfinite(ours):
            text += f": over all runs only {runner_up} of the two adds customers"
        finite = {name: value for name, (value, _) in figures.items() if math.isfinite(value)}
        lower = metric in LOWER_IS_BETTER
        top = (min if lower else max)(finite, key=finite.get) if finite else None
        if top is not None and top not in (best, runner_up):
            # a design ranked last on the means where it is defined (no CAC in 2 of 6 runs) had the lowest pooled figure,
            # listed with no word beside another crowned best
            text += f" (the {'lowest' if lower else 'highest'} over all runs is {top}'s)"
    # without the twins the verdict's metric is net_value (compare.decide): the line named one the run did not compute
    ranks = "net_value" if twins_not_run(designs) else "incremental_value"
    return text + f"; `{ranks}` ranks without the skew."


def _many_metrics_caution(lines: list[str]) -> list[str]:
    """The metric lines, led by a word on how many are tested: each "sure at 95%" is its own
    test, so among 30-odd metrics one or two read "sure" by chance where the designs do not
    differ (ltv_ratio "sure at 95%" at 12 replicates, [-0.027, 0.086] at 60). The decision
    rests on one metric, said above; the others describe it."""
    tested = [line for line in lines if line.startswith("- **")]
    if len(tested) < 5:
        return lines
    sure = sum("**sure at 95%**" in line for line in tested)
    return [f"Each metric line below is a test of its own ({len(tested)} metrics here, {sure} of them \"sure\"): where two "
            f"designs do not differ, about one line in twenty still reads \"sure\" by chance, so a side metric's lone "
            f"\"sure\" is a lead to check with more replicates, not a finding; the decision is taken on the metric named "
            f"above.", "", *lines]


#: The metric lines on K, which leave out the designs whose K reads low by construction.
K_LINES = ("k_factor", "program_k")


def _k_low(designs) -> list[str]:
    """The designs whose K reads low by construction (a late ask, a budget or a campaign
    that ended the asks, a network that filled: the notes above the table)."""
    # a design given as a name and its runs (no scenario to read) has no note to point to
    return [d.scenario.name for d in designs if hasattr(d.scenario, "program") and hasattr(d.scenario, "k_window_days")
            and (ask_window_note(d.scenario) or k_window_note(d.scenario)
                 or k_budget_note(d.scenario, d.runs, timeseries=getattr(d, "timeseries", None))
                 or k_filled_note(d.scenario, getattr(d, "timeseries", None), d.runs))]


def _k_left_out(metric: str, low: list[str]) -> str:
    """A ranked K line's word on the designs it leaves out (``low``: K reads low by
    construction for them): "purchase3 is best, sure at 95%" on `k_factor` stood below
    notes saying K does not rank the late-asking designs, and then the line ranked them."""
    if metric not in K_LINES or not low:
        return ""
    return (f" It leaves out {_names([f'**{name}**' for name in low])}: K reads low by construction for "
            f"{'it' if len(low) == 1 else 'them'} (the notes above say why).")


#: Past this many replicates for a difference's precision, the report says the difference is too small to pin down
#: ("about 3789703 replicates would do" was advice nobody can take).
MOST_REPLICATES_WORTH_SAYING = 10_000


def _pairing_gain(table, verdict_metric: str = VERDICT_METRIC) -> str:
    """How much narrower the paired intervals of ``verdict_metric`` (the metric the verdict
    rests on: incremental value, or profit where no twins ran) are than the unpaired
    ones, in words: the report said "much narrower" where, on seeds whose outcomes did not
    move together, they were no narrower (a run's referrals cascade, so runs can diverge);
    without twins it fell back to "usually narrower" beside a paired interval 104% as wide."""
    metric, why = verdict_metric, ""
    reference = table[(table["verdict"] == "reference") & (table["metric"] == metric)]
    if len(reference) and float((reference["ci_high"] - reference["ci_low"]).iloc[0]) == 0:
        # a reference without a program adds nothing on every run: its value has no spread to pair away, and the
        # paired interval equals the unpaired one by construction (it read as outcomes that do not move together)
        metric = "cumulative_profit"
        why = f" (the reference's `{verdict_metric}` is the same on every seed, leaving nothing to pair away)"
    rows = table[(table["metric"] == metric) & table["diff_ci_high"].notna() & table["unpaired_ci_high"].notna()]
    # a copy of the reference (a budget that never binds) has nothing to pair away: its 0% is no narrowing
    rows = rows[~((rows["diff_ci_low"] == 0) & (rows["diff_ci_high"] == 0))]
    # nor has a design whose value is the same on every seed (no program: incremental value 0), whose paired interval
    # equals its unpaired one by construction: its 100% pulled the median over the designs towards "about as wide"
    if "ci_low" in rows and "ci_high" in rows:
        rows = rows[~((rows["ci_low"] == rows["ci_high"]) & rows["ci_low"].notna())]
    paired = (rows["diff_ci_high"] - rows["diff_ci_low"]).to_numpy(dtype=float)
    unpaired = (rows["unpaired_ci_high"] - rows["unpaired_ci_low"]).to_numpy(dtype=float)
    keep = unpaired > 0
    if not keep.any():
        return "usually narrower than the one two independent samples would give (unpaired)."
    ratios = paired[keep] / unpaired[keep]
    ratio = float(np.median(ratios))
    # several designs against the reference: the median, and the range (45% for one pair, 100% for another read as 100%)
    spread = (f", the median over {len(ratios)} designs against the reference, from {ratios.min():.0%} to "
              f"{ratios.max():.0%}" if len(ratios) > 1 and ratios.max() - ratios.min() >= 0.05 else "")
    if ratio <= 0.75:
        return (f"narrower than the one two independent samples would give (unpaired): {ratio:.0%} of its width for "
                f"`{metric}` here{why}{spread}.")
    size = "wider than" if ratio > 1.05 else "about as wide as"
    correlation = float(np.nanmedian(rows["correlation"].to_numpy(dtype=float))) if "correlation" in rows and \
        np.isfinite(rows["correlation"].to_numpy(dtype=float)).any() else math.nan
    if correlation >= PARTLY_TOGETHER:
        # correlation 0.47 and a paired interval 85% as wide at 6 replicates read "mostly do not move together"
        count = int(rows["n"].min()) if "n" in rows and rows["n"].notna().any() else None
        at = f" at {count} replicates" if count else ""
        return (f"here {size} the one two independent samples would give (unpaired; {ratio:.0%} of its width for "
                f"`{metric}`{why}{spread}): on these seeds the designs' outcomes move together in part (correlation "
                f"{correlation:.2f}), but a paired interval rests on fewer degrees of freedom (n − 1 differences, "
                f"against about 2n − 2 for two samples), which takes back much of that gain{at}. More replicates "
                f"narrow both.")
    return (f"here {size} the one two independent samples would give (unpaired; {ratio:.0%} of its width for "
            f"`{metric}`{why}{spread}): on these seeds the designs' outcomes mostly do not move together, as a run's "
            f"referrals cascade and runs can part ways. More replicates narrow both.")


#: The correlation of two designs' outcomes from which a paired interval no narrower than
#: an unpaired one is put down to its degrees of freedom, not to outcomes that part ways.
PARTLY_TOGETHER = 0.3


def _decisive_pairing(comparison: Comparison, decision: Decision | None) -> str:
    """With three designs or more, the paired interval's width against the unpaired one
    for the contrast the verdict rests on, the best against the runner-up: the sentence
    before measured each design against the reference (about as wide, 92%) where the
    decisive pair's paired interval was 53% of the unpaired one."""
    if len(comparison.designs) < 3 or decision is None or decision.runner_up is None \
            or decision.runner_up in decision.copies:   # a copy's paired interval is [0, 0]: no contrast to size
        return ""
    best = _metric_values(comparison.designs, decision.best, decision.metric)
    other = _metric_values(comparison.designs, decision.runner_up, decision.metric)
    # the same replicates, at the level the verdict quotes (widths at 95% made 78% of intervals quoted at 97.5%, 81%)
    level = decision.diff_level
    paired, unpaired = paired_difference(other, best, level), unpaired_difference(*_pairs(other, best), level)
    wide = unpaired["unpaired_ci_high"] - unpaired["unpaired_ci_low"]
    if not (math.isfinite(wide) and wide > 0 and math.isfinite(paired["diff_ci_high"])):
        return ""
    ratio = (paired["diff_ci_high"] - paired["diff_ci_low"]) / wide
    # worded by its own ratio: "the gain" of a paired interval 137% as wide as the unpaired one read as a gain
    size = "narrower" if ratio <= 0.75 else "wider" if ratio > 1.05 else "about as wide"
    return (f" Pairing narrows some contrasts more than others: for the one the verdict rests on, {decision.best} "
            f"against {decision.runner_up} on `{decision.metric}`, the paired interval is {size} ({ratio:.0%} of the "
            f"unpaired one's width).")


def each_value(blocks: dict, key: str) -> str:
    """``key`` of the designs' ``blocks`` (a name to its timing or reminders block): one
    value where they agree, else each design's ("gentle 0.05, annoying 1"): one design's
    was said of all (a reach_share of 0.6 of one at 0.05; an annoyance of 0.05 of one at 1)."""
    values = {name: getattr(block, key) for name, block in blocks.items()}
    return (f"{next(iter(values.values())):g}" if len(set(values.values())) == 1 else
            ", ".join(f"{name} {value:g}" for name, value in values.items()))


#: The moment_effect field of each timing kind.
_MOMENT = {"at_purchase": "purchase"}


def _sensitivity_metric(metric: str | None) -> str:
    """The --metric a printed sensitivity command needs to test the ranking on ``metric``:
    none for its own default, incremental_value (compare --no-baseline ranks on
    net_value, and the command printed without it tested another metric)."""
    return f"--metric {metric}" if metric and metric != "incremental_value" else ""


def assumption_note(designs, metric: str | None = None, test: str = "") -> str:
    """When designs differ in the moment they ask or in what their reward costs, the size
    the model assumes for that difference, which the verdict rests on: a milestone ask
    beat an ask at purchase by $46,800 on the assumed 1.5x alone (1.0 gave -$14,900), and
    the report never said so. ``test``: the whole sensitivity command (sensitivity_test,
    with code=True), as the console prints it; without it, its flags alone."""
    notes, tests = _assumptions([d for d in designs if _valued(d, metric)] or designs)   # the designs it ranks
    if not notes:
        return ""
    flags = [*tests, *([f"`{flag}`"] if (flag := _sensitivity_metric(metric)) else [])]
    _, apart = _sensitivity_designs(designs, [None] * len(designs), metric)
    alone = (f", each design alone: it weighs designs that share population, network, days and seed, which these do not "
             f"({apart})" if apart else "")
    if test and tests:   # the whole command: the flags alone lacked the files, --set items and seed compare ran on
        test = f" Before trusting it, {test}." if test.startswith("test them") else f" {test[0].upper()}{test[1:]}."
    else:
        test = (" Test them with `refsim sensitivity` (" + ", ".join(flags) + f"){alone} before trusting it."
                if tests else "")
    return "The ranking rests on what the model is told here: " + "; ".join(notes) + "." + test


def assumption_line(designs, files=(), sets=(), metric: str | None = None, seed: int | None = None) -> str:
    """assumption_note for the console: the verdict printed above it read as sure, and only
    report.md said which assumed sizes it rests on, or that budgets ended the asks early.
    ``files``: the compared files, named in the sensitivity command so that it runs as
    printed (without them it stopped on "give a scenario YAML file"); ``sets``: compare's
    --set overrides, given to it too (without them it tested 365-day designs of 10,000
    people where 60-day ones of 1,000 were compared); ``metric``: the verdict's, given to
    it where it is not sensitivity's default; ``seed``: the compare's seed where it is not
    the first file's (--seed, or one drawn), given as --seed so that the study meets the
    compare's luck (without it, it ran on the file's 42)."""
    # the designs the verdict ranks: one left out for having no value had named its budget's end
    ranked = [d for d in designs if _valued(d, metric)] or designs
    parts = []
    if ended := budget_endings(ranked):   # a design left unranked for having no value: no ranking rests on its budget
        # each design's own horizon where they differ (an unpaired compare): 'of 200' was said of a 400-day design
        alike = len({s.days for s, _ in ended}) == 1
        listed = ", ".join(f"{s.name} {day:.0f}" + ("" if alike else f" of {s.days} days") for s, day in ended)
        # its rewards_only copy compared beside it: "compare again with rewards_only" asked for what was there
        again = ("its rewards_only copy is compared here" if all(_rewards_only_copy_among(s, designs) for s, _ in ended)
                 else "compare again with rewards_only")
        # report.md said the launch ask spent the budget first, the console did not (README: both say it)
        launching = launch_spenders(ended)
        # its policy, not what was done: a budget that ran out on day 4 left most of a 60-day launch unasked
        launch = (f"; {_names([s.name for s in launching])} {'ask' if len(launching) > 1 else 'asks'} the "
                  f"{launch_counts(launching)} customers there at "
                  f"launch, each once in the launch's first days, which spends a budget first" if launching else "")
        # text.ran_out_by's day, the first by which half the runs had run out: "median" beside a median of the runs
        # that ran out (19 against 21) named two days alike
        # "had run out of 180" read as a sum of money: the horizon is said as days
        parts.append("the ranking rests on budgets that ran out early and ended the asks (the day by which half the "
                     "runs had run out" + (f", of a {ended[0][0].days}-day horizon" if alike else "")
                     + f": {listed}; on_budget_exhausted end_program"
                     + launch + "): " + again)
    if not ended and (asking := asking_note(ranked)):
        # a campaign whose asks ended on day 97 of 365 with no budget to end them: report.md said the horizon decides,
        # the console did not (it said so of a budget's end and of asks apart after joining)
        stopped = asking.split(": the value counts")[0].replace("**", "")
        parts.append(f"the ranking rests on the horizon: {stopped}, and the value counts the asks made by the last day "
                     f"(compare at the span you would run it, --set days=...)")
    if (lagging := ask_lag_apart(ranked)) is not None:
        # purchase won "sure" over 60 days and a 30-day milestone "sure" over 365: report.md said why, the console not
        late, early, index = lagging
        # each design's own where they differ (an unpaired compare): the first's was named for both
        spans = sorted({int(d.scenario.days) for d in ranked})
        horizon = f"the {spans[0]}-day horizon" if len(spans) == 1 else \
            f"the horizons ({', '.join(map(str, spans[:-1]))} and {spans[-1]} days)"
        parts.append(f"the ranking rests on {horizon}: {late} "
                     f"{'first asks' if index == 0 else 'makes its last ask'} later after joining than {early}, and "
                     f"the value counts the asks made by the last day (compare at the span you would run it, "
                     f"--set days=...)")
    if test := sensitivity_test(designs, files, sets, metric, seed):
        parts.append(("the ranking also" if parts else "the ranking") + " rests on sizes the model assumes; " + test)
    return "note: " + "; ".join(parts) + " (report.md)" if parts else ""


def sensitivity_test(designs, files=(), sets=(), metric: str | None = None, seed: int | None = None,
                     code: bool = False) -> str:
    """The sensitivity command that tests the sizes a ranking rests on, as assumption_line
    prints it and report.md gives it ('' where the designs rest on no assumed size): report.md
    gave its flags alone, and a reader pasting them lacked the files, --set items and seed that
    place the tornado where compare ran. Arguments as assumption_line's; ``code``: the command
    in backticks, as report.md gives commands."""
    kept, apart = _sensitivity_designs(designs, files, metric)
    # the assumptions of the designs the command weighs: one left out for having no value had named reminders' sizes
    # that the two kept, alike in their reminders, do not rest on
    ranked = [d for d in designs if _valued(d, metric)] or designs
    _, tests = _assumptions(ranked)
    # a value that rests on referred customers' assumed loyalty (referred_loyalty_note): its ranges too, or the command
    # tested the rewards' sizes and left out what the leader's value stood on
    for flag in (flag for d in ranked for flag in referred_loyalty_tests(d.scenario, d.runs)):
        key = re.findall(r"--uncertain ([^=\s]+)=", flag)[0]
        if key not in re.findall(r"--uncertain ([^=\s]+)=", " ".join(tests)):   # one range per key
            tests.append(flag)
    if not tests:
        return ""
    flags = " ".join([*(t.strip("`") for t in dict.fromkeys(tests)),
                      *([flag] if (flag := _sensitivity_metric(metric)) else [])])
    # a --set of a key the command varies places sensitivity's tornado centre, where compare ran the designs;
    # sensitivity refuses one outside the range ("must lie in that range"), so the range is widened to it below
    varied = dict(re.findall(r"--uncertain ([^=\s]+)=(\S+)", flags))
    fixed = []
    for item in _dotted_sets(sets, varied):
        key, _, value = str(item).partition("=")
        key = key.strip()
        if key == "replicates":
            # sensitivity refuses --set replicates (its own counts decide): the command as printed stopped on that
            # refusal; compare's count is given as the tornado's below
            continue
        if key in varied and not _within(value, varied[key]):
            # outside the range the note suggests: the range is widened to it, so the tornado stands where
            # compare ran (credit at 0.15 was dropped, and sensitivity centred on the files' 0.4 unsaid)
            widened = _widened(varied[key], value)
            if widened is None:
                continue
            flags = flags.replace(f"--uncertain {key}={varied[key]}", f"--uncertain {key}={widened}")
        fixed.append(item)
    # four seeds a point, as docs/decide.md asks of a decision: on sensitivity's default of one, a close call (compare:
    # not told apart) read "best at 92% of the points, hinges on none", that one seed's luck;
    # the runs compare made of each design (its --replicates, a --set replicates, else the files'), as the tornado's
    # count at each end: with -r 3 the tornado stood on the files' 6 runs, other values than compare's
    count = max(d.scenario.replicates for d in ranked)
    # at most that many a point (sensitivity runs the tornado on at least as many, and its centre then left compare's)
    if count > 1 and not re.search(r"(?<![-\w])--replicates \d", flags):
        flags += f" --replicates {min(4, count)}"
    flags += f" --tornado-replicates {count}"
    given = "".join(f"--set {shlex.quote(str(s))} " for s in fixed) + flags + (f" --seed {seed}" if seed is not None
                                                                               else "")
    quote = "`" if code else ""
    from ..kernel import engine_prefix

    # compare's own path: the study, on the kernel, met other luck than a compare under REFSIM_ENGINE=numpy, unsaid
    command = " ".join([*engine_prefix(), "refsim", "sensitivity"])
    if apart:   # sensitivity weighs designs on the same seeds at each point: it refused the command as printed
        alone = _each_alone(ranked, files if len(files) == len(designs) and len(ranked) == len(designs) else (),
                            given, command, quote)
        if not alone:
            return ""
        test = (f"{quote}refsim sensitivity{quote} weighs designs that share population, network, days and seed, which "
                f"these do not ({apart}), so test each design alone: {alone}")
    else:
        test = ("test them with " + quote + command + " " + "".join(f"{shlex.quote(str(f))} " for f in kept)
                + given + quote)
        if len({d.scenario.seed for d in ranked}) > 1:
            # an unpaired compare ran each design on its own seed: the tornado's centre, on one seed for all, had
            # the other design ahead of compare's leader, unsaid
            test += (" (compare ran them unpaired, each on its own seed; sensitivity runs them on one, so its "
                     "figures at the designs as given are not compare's)")
    return test


def _each_alone(designs, files, given: str, command: str, quote: str) -> str:
    """One sensitivity command per design, with the ranges of ``given`` it reads (a design
    alone is refused a key of another kind): 'FILE' with both designs' keys ran for
    neither (a milestone's reach_share beside a gift card's ask at purchase, a double-sided
    reward's referee_max_uplift beside a gift card). A design with none of the ranges is
    left out; ``files`` the designs' files, else FILE."""
    from ..parameters import reads

    keys = re.findall(r"--uncertain ([^=\s]+)=", given)
    commands = []
    for design, file in zip(designs, files or ["FILE"] * len(designs)):
        # the keys it reads (parameters.reads: it has them, and its reward reads that entry of a table)
        own = re.sub(r"--uncertain ([^=\s]+)=\S+ ?",
                     lambda m: m.group(0) if reads(design.scenario, m.group(1), keys) else "", given).strip()
        if "--uncertain " in own:
            name = shlex.quote(str(file)) if files else "FILE"
            commands.append(f"{quote}{command} {name} {own}{quote}" + ("" if files else f" (FILE: {design.scenario.name})"))
    return "; ".join(commands)


def _dotted_sets(sets, varied: dict) -> list[str]:
    """compare's --set items as sensitivity takes them beside ``varied`` (its --uncertain
    keys): a block given whole that holds a varied key (`--set 'program.cost_shares={credit:
    0.15}'`) gives that key as its own item after the block without it, which sets the same
    values; sensitivity refused the block form as a --set of a key it varies, and takes a
    --set of the key itself as the tornado's centre."""
    import yaml

    from ..cli_decide import _block_sets

    items = []
    for item in map(str, sets):
        key = item.partition("=")[0].strip()
        inside = [name for name in varied if _block_sets(item, key, name)]
        if not inside:
            items.append(item)
            continue
        block = yaml.safe_load(item.partition("=")[2])
        leaves = []
        for name in inside:
            node, *path = [block, *name[len(key) + 1:].split(".")]
            for part in path[:-1]:
                node = node[part]
            leaves.append(f"{name}={yaml.safe_dump(node.pop(path[-1]), default_flow_style=True).strip().removesuffix('...').strip()}")
        items += [f"{key}={yaml.safe_dump(block, default_flow_style=True, width=10_000, sort_keys=False).strip()}", *leaves]
    return items


def _within(value: str, span: str) -> bool:
    """Whether the --set value ``value`` lies in the --uncertain range ``span`` (LO:HI or
    LO:HI:log), as sensitivity takes a tornado centre; a choice list is never within."""
    try:
        low, high = map(float, span.split(":")[:2])
        return low <= float(value) <= high
    except ValueError:
        return False


def _widened(span: str, value: str) -> str | None:
    """The --uncertain range ``span`` (LO:HI or LO:HI:log) widened to hold the --set value
    ``value``; None where it cannot (not a number, or 0 or less on a log range)."""
    try:
        low, high, *log = span.split(":")
        number = float(value)
        if log and number <= 0:
            return None
        return ":".join([f"{min(float(low), number):g}", f"{max(float(high), number):g}", *log])
    except ValueError:
        return None


def _valued(design, metric: str | None) -> bool:
    """Whether ``design`` has a finite ``metric`` in some run (no metric: yes)."""
    return not metric or metric not in design.runs.columns or bool(np.isfinite(design.runs[metric].to_numpy(dtype=float)).any())


def _sensitivity_designs(designs, files, metric: str | None) -> tuple[list, str]:
    """The files a printed sensitivity command can weigh, and why it cannot ('' where it
    can): the designs with a finite ``metric`` somewhere (sensitivity refuses one whose
    value is undefined in every run), which must share population, network, days and
    seed (an unpaired compare's 1,600 people beside 800 were printed, then refused)."""
    from ..compare import pairing_differences

    pairs = list(zip(designs, files)) if len(files) == len(designs) else [(d, None) for d in designs]
    kept = [(d, f) for d, f in pairs if _valued(d, metric)] or pairs
    scenarios = [d.scenario for d, _ in kept]
    # every design that differs from the first (one was named: 'cash60: days (75 vs 60)' beside a 90-day third)
    apart = "; ".join(f"{s.name}: {'; '.join(why)}" for s in scenarios[1:]
                      if (why := pairing_differences(scenarios[0], s, True)))
    return [f for _, f in kept if f is not None], apart


def budget_endings(designs) -> list[tuple]:
    """(scenario, median day) for each design whose budget ran out in the first half of the
    horizon in at least half its runs, its asks ending with it (``on_budget_exhausted``
    end_program), where it still asked until then. Its result is then what it did before that day, not a program run over
    the horizon: 2,000 B2B accounts asked at launch spent a $30,000 budget by day 55-80 of
    730, and the ranking of organization credit against a gift card, and of a milestone
    against an ask at purchase, followed that ending (with `rewards_only` the two rewards
    could no longer be told apart), while the note on what the ranking rests on named
    only the sizes the model assumes."""
    from .text import asks_over, ran_out_by

    ended = []
    for design in designs:
        runs, scenario = getattr(design, "runs", None), design.scenario
        if (runs is not None and getattr(scenario.program.incentive, "on_budget_exhausted", None) == "end_program"
                and not math.isnan(day := ran_out_by(runs, scenario.days / 2))
                # a campaign whose asks were over before it (its last on day 97, the budget spent on day 231 by links
                # still shared) had none to end: "compare again with rewards_only" would change nothing
                and not asks_done_by(asks_over(scenario, getattr(design, "timeseries", None)),
                                     runs["budget_exhausted_day"] if "budget_exhausted_day" in runs else day,
                                     planned_last_ask(scenario))):
            ended.append((scenario, day))
    return ended


def launch_spenders(ended) -> list:
    """The scenarios among ``ended`` (budget_endings) that asked the customers there at
    launch at once, which spends a budget first (the B2B designs' 2,000 accounts)."""
    from .text import asks_at_launch

    return [s for s, _ in ended if asks_at_launch(s) and s.program.launch.ask_existing == "once"]


def launch_counts(scenarios) -> str:
    """The customers there at launch of ``scenarios``: one count where they agree, else
    each's ('200 and 50': the first design's 200 was said of both)."""
    from .text import initial_count

    counts = list(dict.fromkeys(f"{initial_count(s):,}" for s in scenarios))
    if len(counts) == 1:
        return counts[0]
    each = [f"{initial_count(s):,}" for s in scenarios]
    return ", ".join(each[:-1]) + f" and {each[-1]}"


def _rewards_only_copy_among(scenario, designs) -> bool:
    """Whether one of ``designs`` is ``scenario`` with `on_budget_exhausted: rewards_only`
    and nothing else changed but its name, description and seed."""
    incentive = scenario.program.incentive.model_copy(update={"on_budget_exhausted": "rewards_only"})
    other = {"name", "description", "seed"}
    wanted = scenario.model_copy(update={"program": scenario.program.model_copy(update={"incentive": incentive})})
    wanted = wanted.model_dump(mode="json", exclude=other)
    return any(d.scenario.model_dump(mode="json", exclude=other) == wanted for d in designs)


def _budget_ending_note(designs) -> str:
    """budget_endings as a clause of assumption_note ("" where none ended early)."""
    from .text import ended_by_default

    ended = budget_endings(designs)
    if not ended:
        return ""
    alike = len({s.days for s, _ in ended}) == 1   # an unpaired compare's designs can differ in their days
    listed = ", ".join(f"{s.name} on day {day:.0f}" + ("" if alike else f" of {s.days}") for s, day in ended)
    default = ", the default," if all(ended_by_default(s.program.incentive) for s, _ in ended) else ""
    launching = launch_spenders(ended)
    launch = ""
    if launching:
        unset = all("ask_existing" not in s.program.launch.model_fields_set for s in launching)
        launch = (f"; {_names([s.name for s in launching])} also {'ask' if len(launching) > 1 else 'asks'} the "
                  f"{launch_counts(launching)} customers "
                  f"there at launch, each once in the launch's first days (`program.launch.ask_existing` once"
                  f"{', the default' if unset else ''}), "
                  f"which spends a budget first")
    horizon = f"the {ended[0][0].days}-day horizon" if alike else "their horizons"
    return (f"budgets ran out in the first half of {horizon} ({listed}, "
            f"{'each ' if len(ended) > 1 else ''}the day by which half the runs had run out) and `on_budget_exhausted` end_program{default} ended the asks "
            f"with them{launch}: a design so ended is measured by what it did before that day and how fast it spent, "
            f"not by its program over the horizon, and the ranking can follow these settings more than the designs "
            + ("(its copy with `on_budget_exhausted: rewards_only`, which asks on without a reward, is compared here; "
               "a larger budget is another test)" if all(_rewards_only_copy_among(s, designs) for s, _ in ended) else
               "(compare again with `on_budget_exhausted: rewards_only`, which asks on without a reward, or with a "
               "larger budget)"))


def _moment_range(size: float) -> str:
    """A range for an assumed moment's size that holds it and the purchase's 1 (a
    campaign's ×0.8 below 1), within the key's bounds (0 to 10)."""
    return f"1:{min(10.0, max(2.0, 1.5 * size)):g}" if size >= 1 else f"{size / 2:g}:1"


def _assumptions(designs) -> tuple[list[str], list[str]]:
    """What assumption_note says: each assumption the designs' difference rests on, and the
    `--uncertain` ranges that test them (each within the key's bounds: a range past them is
    refused by `refsim sensitivity`)."""
    from ..behaviour.incentive import payment_delay, referee_reward, type_weight
    from ..behaviour.timing import scenario_reminders

    notes, tests = [], []
    timed = [d.scenario for d in designs if has_program(d.scenario)]
    kinds = dict.fromkeys(s.program.timing.kind for s in timed if s.program.timing.kind != "never")
    if len(kinds) > 1:
        fields = {kind: _MOMENT.get(kind, kind) for kind in kinds}
        # each moment's size as the first design asking at it assumes it (the first design's table named 1.5 for a
        # milestone design that set 1.2); designs that assume other sizes are named by world_note
        size = {kind: getattr(next(s for s in timed if s.program.timing.kind == kind).program.moment_effect,
                              fields[kind], 1.0) for kind in kinds}
        sizes = ", ".join(f"{kind.replace('_', ' ')} ×{size[kind]:g}" for kind in kinds)
        notes.append(f"the designs ask at different moments, and an ask's effect on sharing is assumed to depend on its "
                     f"moment ({sizes}; `program.moment_effect`, sizes that are assumptions: docs/model.md)")
        # every moment but the purchase (1 by definition) is an assumed size: the biggest alone left an onboarding
        # ask's ×1.2 untested beside a milestone's
        top = max(kinds, key=lambda kind: size[kind])
        assumed = [kind for kind in kinds if fields[kind] != "purchase"] or [top]
        tests.extend(f"`--uncertain program.moment_effect.{fields[kind]}={_moment_range(size[kind])}`"
                     for kind in sorted(assumed, key=lambda kind: -size[kind]))
        milestones = {s.name: s.program.timing for s in timed if s.program.timing.kind == "milestone"}
        milestone = next(iter(milestones.values()), None)
        if milestone is not None:
            def each(key: str) -> str:   # one value, or each design's where they differ (0.6 was said of one at 0.05)
                return each_value(milestones, key)

            # a 'third paid month' milestone asked 0.6 of the customers still there: churn before it is drawn apart,
            # so the default took another 40% off (onboarding won by $42,300 at 0.6, by $18,800, not told apart, at 1)
            tenure = ("; `reach_share` is of the customers still there (those who leave before it are never asked, "
                      "by churn), so a milestone that is tenure alone (`schedule: fixed`) is reached by all of them, 1"
                      if milestone.schedule == "fixed" and milestone.reach_share < 1 else "")
            # 30% monthly churn made purchase beat a 30-day milestone "sure", and the note named only reach_share
            churn = {s.churn.monthly_rate for s in timed if s.program.timing.kind == "milestone"}
            stay = (f", are still there by then (those who leave before it are never asked: `churn.monthly_rate` "
                    f"{', '.join(f'{rate:g}' for rate in sorted(churn))}, which costs a later milestone more),"
                    if max(churn) > 0 and not tenure else "")
            lowest = min(t.reach_share for t in milestones.values())
            # a milestone of tenure alone reached by all who stay (schedule fixed, reach_share 1, as the docs ask) has
            # no reach to assume or test: the command varied it down to 0.3, a value the docs call churn counted twice,
            # and the note called its 1 "an assumption about your product"
            if all(t.schedule == "fixed" and t.reach_share >= 1 for t in milestones.values()):
                staying = stay.strip(", ").removesuffix(",")
                notes.append("a milestone of tenure alone (`schedule: fixed`, `reach_share` 1) is asked of the "
                             + (f"customers who {staying} and score at least `min_satisfaction` "
                                f"({each('min_satisfaction')}): how many stay that long can decide more than the "
                                f"moment's size" if staying else
                                f"customers who score at least `min_satisfaction` ({each('min_satisfaction')})"))
            else:
                notes.append(f"a milestone is asked only of the customers who reach it (`reach_share` "
                             f"{each('reach_share')}, an assumption about your product){stay} and score at least "
                             f"`min_satisfaction` ({each('min_satisfaction')}): how many reach it can decide more "
                             f"than the moment's size{tenure}")
                tests.append(f"`--uncertain program.timing.reach_share={min(0.3, lowest):g}:1`")
    asking = [s for s in timed if s.program.timing.kind != "never"]
    reminders = {s.name: getattr(s.program.timing, "reminders", None) for s in asking}
    # the reminders the horizon has room for: one 3,650 days after the ask of a 365-day run is never sent
    counts = {s.name: scenario_reminders(s) for s in asking}
    if len(set(counts.values())) > 1:
        sent = next(r for name, r in reminders.items() if counts[name] > 0)
        listed = ", ".join(f"{name} {count}" for name, count in counts.items())
        # 3 reminders 30 days apart in a 61-day run: 2 of them, said as 2 beside a file saying 3
        if any(r is not None and counts[name] < r.count for name, r in reminders.items()):
            listed += "; those the horizon has room for"
        # each sending design's sizes: the first file's were quoted for all, and its range printed, which sensitivity
        # would have set in the other design too (an annoyance of 1 there read as 0.05)
        sending = {name: r for name, r in reminders.items() if r is not None and counts[name] > 0}

        def sizes(attr: str) -> str:
            return each_value(sending, attr)

        def alike(attr: str) -> bool:
            return len({float(getattr(r, attr)) for r in sending.values()}) == 1

        # the moment a reminder takes: `reminder`, or the first ask's where that is smaller (behaviour.timing.moment);
        # 1.5 after an onboarding ask was quoted as 1.5 where the runs took 1.2
        taken = {min(float(s.program.moment_effect.reminder),
                     float(getattr(s.program.moment_effect, _MOMENT.get(s.program.timing.kind, s.program.timing.kind), 1.0)))
                 for s in asking}
        scaled = "" if taken == {1.0} else \
            f"{', '.join(f'{m:g}' for m in sorted(taken))} (`moment_effect.reminder`, at most the first ask's) × "
        notes.append(f"they send different numbers of reminders ({listed}), and what a reminder does is assumed: the "
                     f"k-th reminder moves sharing {scaled}fatigue^k times as much as an ask at purchase (`fatigue` "
                     f"{sizes('fatigue')}; reminders do not get an onboarding or milestone ask's larger moment, and keep a "
                     f"campaign push's or a launch e-mail's smaller one) and "
                     f"annoys with probability `annoyance` ({sizes('annoyance')}), which costs "
                     f"{sizes('annoyance_points')} points of satisfaction for good (sizes that are assumptions"
                     + ("" if alike("fatigue") and alike("annoyance") else
                        "; one the designs differ in is no range for `refsim sensitivity`, which would set it alike "
                        "in every design: compare with each design's own size instead") + ")")
        if all(r is not None for r in reminders.values()):
            # fatigue as well: at 1 three reminders beat none for sure, at 0.3 none led (not told apart)
            if alike("fatigue"):
                tests.append(f"`--uncertain program.timing.reminders.fatigue={max(0.0, sent.fatigue - 0.4):g}:1`")
            if alike("annoyance"):
                tests.append(f"`--uncertain program.timing.reminders.annoyance=0:"
                             f"{min(1.0, max(0.3, 2 * sent.annoyance)):g}`")
    # by every tier: a design paying 10 then 30 beside a flat 10 was "the same reward" by its first tier
    # a design with no program offers 0: against it, "sure at 95%" rested on what a reward moves too, and the note
    # named only the credit's cost share (every design's offer counted, not the programs' alone)
    offers = {d.scenario.name: _referrer_offer(d.scenario.program.incentive) for d in designs}
    linking = [s for s in timed if s.program.link_use > 0]   # nobody shares through a link: link_response moves nothing
    if len(set(offers.values())) > 1:
        listed = ", ".join(f"{name} {offer}" for name, offer in offers.items())
        # $10 against $80 to the referrer: $80 led, sure, at max_uplift 2 and $10 led at 0.5 (and at a scale of 1.5
        # months against 6), and the note named only link_response and fraud.share
        saturating, sizes = _saturation(timed)
        assumed = ""
        if linking:
            response = max(s.program.link_response for s in linking)
            assumed = (f"; a reward is assumed to move customers who share unprompted through their link "
                       f"(`link_response` {response:g}, where 1 is as much as an asked customer; at 0 a reward moves "
                       f"asked sharing only, and a referrer's reward buys far less: docs/model.md)" if response > 0 else
                       "; the unprompted sharing of customers who use their link is assumed unmoved by a reward "
                       "(`link_response` 0; at 1 it moves as an asked customer does, and a referrer's reward buys more: "
                       "docs/model.md)")
        if saturating or assumed:
            notes.append(f"they offer the referrer different rewards ({listed}), and " + (saturating + assumed
                                                                                          if saturating else assumed[2:]))
        tests += sizes
        if linking:
            tests.append("`--uncertain program.link_response=0:1`")
    # $10 + $10 beat $20 to the referrer by $1.2M on 730 days with the friend's reward moving conversion up to
    # x2.5 and sharing up to x1.5; at 0.5 and 0 the referrer-only design led, and the note named neither size
    friend = {d.scenario.name: referee_reward(d.scenario.program.incentive) for d in designs}
    # the sizes of the first design whose friend's reward moves anyone: one listed first with both at 0 hid them; with
    # every such design's at 0 that is the assumption (a referrer-only design led "sure" on it, and nothing said so)
    giving = sorted((s.program.incentive for s in timed if friend[s.name] > 0),
                    key=lambda i: not (i.referee_max_uplift > 0 or i.referee_share_uplift > 0))
    if len(set(friend.values())) > 1 and giving:
        listed = ", ".join(f"{name} {offer:g}" for name, offer in friend.items())
        clause, ranges = referee_assumption(giving[0])
        friend = "the referred business" if giving[0].audience == "business" else "the friend"
        notes.append(f"they offer {friend} different rewards ({listed}), and {clause}")
        tests.append(ranges)
    rewarded = [s for s in timed if getattr(s.program.incentive, "reward_type", None) is not None]
    shares = dict.fromkeys((s.program.incentive.reward_type, s.program.cost_share()) for s in rewarded)
    if len({share for _, share in shares}) > 1:
        listed = ", ".join(f"{kind} {share:.0%}" for kind, share in shares)
        notes.append(f"their rewards cost the company different shares of their face value ({listed}; "
                     f"`program.cost_shares`: set them to your own costs)")
        cheapest, lowest = min(shares, key=lambda pair: pair[1])
        # from the cheapest share the designs hold, where below 0.2: a file's own 0.15 fell outside 0.2:1, and
        # sensitivity read its tornado as standing outside the ranges
        tests.append(f"`--uncertain program.cost_shares.{cheapest}={min(0.2, lowest):g}:1`")
    elif len({share for _, share in shares}) == 1 and next(iter(shares))[1] < 1 and (
            len(rewarded) < len(designs)
            or len({(largest_referral(s.program.incentive), s.program.incentive.budget) for s in rewarded}) > 1):
        # an optimised B2B credit ($316 and a $26,481 budget) beat the bundled one at the assumed 40% and lost, sure, at
        # 100% (its budget ran out on day 331): the share was named only where the designs' shares differed; so was
        # one shared by two types at their defaults (credit and organization, 40% each), where it flipped a "sure"
        share = next(iter(shares))[1]
        kind = ", ".join(dict.fromkeys(k for k, _ in shares))
        keys = list(dict.fromkeys(
            ["program.incentive.cost_share"] * any(s.program.incentive.cost_share is not None for s in rewarded)
            + [f"program.cost_shares.{s.program.incentive.reward_type}" for s in rewarded
               if s.program.incentive.cost_share is None]))
        key = "`, `".join(keys)
        budgeted = any(s.program.incentive.budget is not None for s in rewarded)
        sized = len({largest_referral(s.program.incentive) for s in rewarded}) > 1
        notes.append(f"their rewards ({kind}) are assumed to cost the company {share:.0%} of their face value (`{key}`: "
                     f"set {'it' if len(keys) == 1 else 'them'} to your own cost), which sets "
                     + " and ".join(["what a larger reward costs"] * sized + ["how long a budget lasts"] * budgeted
                                    + ["what a reward costs against a design that offers none"]
                                    * (len(rewarded) < len(designs))))
        # sensitivity sets a key alike in every design, and refuses one some designs hold and others lack (a share set
        # in one file's incentive and left to the table in another's): the printed command stopped on it; and a range
        # of the table's share alone moves the designs that take it, not one that sets its own
        if "program.incentive.cost_share" in keys and len(keys) > 1:
            notes[-1] += ("; one design sets its own share and another takes the table's, so no one range moves them "
                          "together: set the share alike in their files to test it")
        else:   # each type's share in the table, or every design's own
            tests += [f"`--uncertain {one}={min(0.2, share):g}:1`" for one in keys]

    # each reward's type weight and the key it comes from: the design's own override, else the table for its audience
    weighted = {}
    for s in rewarded:
        incentive = s.program.incentive
        key = ("program.incentive.type_weight" if incentive.type_weight is not None
               else f"program.reward_type_weights.{incentive.audience}.{incentive.reward_type}")
        weighted[(incentive.reward_type, key)] = type_weight(incentive, s.program.reward_type_weights)
    if len({kind for kind, _ in weighted}) > 1 and len(set(weighted.values())) > 1:
        # a B2B organization reward beat a gift card by $475,000 at $450, of which the cost shares explained $62,000:
        # the rest was the assumed weights, which the note did not name
        listed = ", ".join(f"{kind} {weight:g} (`{key}`)" for (kind, key), weight in weighted.items())
        notes.append(f"their rewards are of different types, and how much each type moves sharing is assumed ({listed}; "
                     f"values that are assumptions: docs/model.md)")
        lightest = min(weighted, key=weighted.get)[1]
        tests.append(f"`--uncertain {lightest}=0:1`")

    waits = {s.name: payment_delay(s.program.incentive) for s in rewarded}
    share = max((s.fraud.share for s in rewarded), default=0.0)
    fakes = len({s.program.incentive.paid_on for s in rewarded}) > 1
    blocked = max((s.fraud.blocked_by_qualification for s in rewarded), default=0.0)
    if len(set(waits.values())) > 1:
        listed = ", ".join(f"{name} {days} days" for name, days in waits.items())
        rate = max(s.program.incentive.delay_discount for s in rewarded)
        budgeted = any(s.program.incentive.budget is not None for s in rewarded)
        trade = payment_timing_trade(rate, max(waits.values()), share, fakes, blocked, budgeted, contract_days(rewarded),
                                     len({s.fraud.share for s in rewarded}) > 1,
                                     business=all(s.program.incentive.audience == "business" for s in rewarded))
        notes.append(f"they pay their rewards after different waits ({listed}): {trade}")
        tests.append(payment_timing_check(rate, share, fakes))
    elif fakes and share > 0 and blocked > 0:
        # paid on qualification after 0 days beat paid on signup "sure at 95%" on the fakes' claims alone, which the
        # note (said only where the waits differ) never named: the verdict was the assumed block
        paid = ", ".join(f"{s.name} on {s.program.incentive.paid_on}" for s in rewarded)
        notes.append(f"they pay at the same time but on different checks ({paid}): paying on qualification blocks the "
                     f"claims of the fake accounts that come with referrals (`fraud.blocked_by_qualification` "
                     f"{blocked:.0%}, an assumption; `fraud.share` {share:g} here), and that alone tells them apart")
        tests.append(f"`{fraud_uncertain(share)} --replicates 4`")
    # a larger reward draws more fake accounts, whose claims are paid unless qualification blocks them: $40 against $10
    # rested on fraud.share too, and no note named it
    totals = {s.name: largest_referral(s.program.incentive) for s in rewarded}
    paid = [s for s in rewarded if s.program.incentive.paid_on == "signup" or s.fraud.blocked_by_qualification < 1]
    if len(set(totals.values())) > 1 and share > 0 and paid and not any("fraud.share" in t for t in tests):
        listed = ", ".join(f"{name} {total:g}" for name, total in totals.items())
        notes.append(f"their rewards differ in size (what a referral can earn, both sides together: {listed}), and a larger "
                     f"reward draws more fake accounts, whose claims are paid unless qualification blocks them "
                     f"(`fraud.share` {share:g}{' at most' if len({s.fraud.share for s in rewarded}) > 1 else ''} here: "
                     f"the fake share of referral signups at one reward scale, an assumption)")
        tests.append(f"`{fraud_share_range(share)}`")
    if ending := _budget_ending_note(designs):
        notes.append(ending)
    return notes, tests


def _saturation(scenarios) -> tuple[str, list[str]]:
    """saturation_assumption for the designs that offer the referrer a reward ('', []
    where none does)."""
    offering = [s for s in scenarios if _first_referrer_reward(s.program.incentive) > 0]
    return saturation_assumption(offering) if offering else ("", [])


def _referrer_offer(incentive) -> str:
    """A referrer's reward as a note lists it: a tiered one by its tiers ("tiered 5" stood
    beside "flat 10" for a design paying 20 from the second referral)."""
    tiers = getattr(incentive, "tiers", None) if getattr(incentive, "kind", "none") == "tiered" else None
    if not tiers or len(tiers) == 1:
        return f"{_first_referrer_reward(incentive):g}"
    return " then ".join(f"{t.referrer_reward:g}" + (f" from referral {t.after + 1}" if t.after else "") for t in tiers)


def _first_referrer_reward(incentive) -> float:
    """The reward a referrer is offered for a first referral (0 without an incentive)."""
    if getattr(incentive, "kind", "none") == "none":
        return 0.0
    tiers = getattr(incentive, "tiers", None)
    return float(tiers[0].referrer_reward if tiers else incentive.referrer_reward)


def world_note(designs, varied=()) -> str:
    """A warning when designs differ beyond their programs (churn, margin, word of mouth...):
    a difference between them is then partly a difference of worlds, which no launch
    decision chooses (a lower churn 'won' a compare of two identical programs). ``varied``:
    keys a study sets alike in every design at each point, whose differences are not listed."""
    reference = designs[0].scenario
    if not (listed := _differing(designs, _against_earlier(designs, _unvaried(world_differences, varied)), reference)):
        return ""
    return (f"The designs differ beyond their programs (in the world they launch into, or in what the model assumes of "
            f"how people answer a program), from {_from_whom(f'**{reference.name}**', listed)}: {listed}. These are not choices a "
            f"launch makes: the differences below are partly differences of worlds, not only of programs. Compare "
            f"programs in one world, and test an assumption with `refsim sensitivity` or a sweep.")


def _unvaried(differences, varied):
    """``differences`` less the keys under ``varied`` (a study's assumptions or fitted keys,
    which each of its points sets alike in every design)."""
    if not varied:
        return differences

    def kept(reference, other) -> list[str]:
        return [k for k in differences(reference, other)
                if not any(k.split(" (")[0] == v or k.split(" (")[0].startswith(v + ".") for v in varied)]
    return kept


def study_design_notes(scenarios, varied=()) -> tuple[list[str], list[str]]:
    """(report.md paragraphs, console lines) for the designs a sensitivity analysis or a
    calibration compares: compare's world and twin notes, less the keys the study sets at
    every point. Neither report said that two designs differing in churn were two worlds,
    or that a design with other channels was measured against another baseline."""
    from types import SimpleNamespace

    designs = [SimpleNamespace(scenario=s) for s in scenarios]
    if len(designs) < 2:
        return [], []
    notes = [note for note in (world_note(designs, varied), twin_note(designs, varied)) if note]
    return notes, [*world_lines(designs, varied), *twin_lines(designs, varied)]


def _differing(designs, differences, reference) -> str:
    """Each design but ``reference`` (a scenario) with the keys ``differences(reference,
    its scenario)`` finds, as "**name** in a, b, c, d and 2 more; ..." ("" when none differs)."""
    found = [(d.scenario.name, differences(reference, d.scenario)) for d in designs if d.scenario is not reference]
    listed = "; ".join(f"**{name}** in {', '.join(keys[:4])}" + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
                       for name, keys in found if keys)
    # "**conv** in direct (0.1 vs 0.16)" read 0.1 as conv's, which was 0.16 (the console says it since f38e6f0)
    return listed + (" (each pair of values: the other design's first)" if " vs " in listed else "")


#: Metrics that count tracked referrals (the links' bookkeeping), and the one that counts customers.
TRACKED = ("referred_customers", "referred_share", "k_factor", "program_k", "cost_per_referred_customer")


def relabelled(comparison) -> list[tuple[str, str, str, list[str]]]:
    """(more, less, customers' verdict, metrics) for each design told apart from the
    reference on tracked referrals (TRACKED) while their customers are the same in every
    replicate (`customers_final` same): a reward of one cent beside none was "better" on
    referred customers (+33), referred share and both K's, on the same customers in
    every replicate. Its link labels as tracked the word of mouth that came anyway.
    Customers merely not told apart (unclear) are no such evidence: asks without a
    reward, or a budget's asks going on, bring real referrals that few replicates leave
    unclear in customers."""
    table = comparison.table
    found = []
    for design in dict.fromkeys(table["design"]):
        if design == comparison.reference:
            continue
        rows = table[table["design"] == design].set_index("metric")
        if "customers_final" not in rows.index or rows.loc["customers_final", "verdict"] != "same":
            continue
        moved = [m for m in TRACKED if m in rows.index and rows.loc[m, "verdict"] in ("better", "worse")
                 and m != "cost_per_referred_customer"]
        if moved:
            up = rows.loc[moved[0], "diff_mean"] > 0
            more, less = (design, comparison.reference) if up else (comparison.reference, design)
            found.append((more, less, str(rows.loc["customers_final", "verdict"]), moved))
    return found


def rewards_only_cost_note(comparison, console: bool = False) -> str:
    """Where cost_per_referred_customer is compared and a design pays levers besides its
    rewards (account managers, staff, influencers, delight), that the metric counts the
    rewards alone, with what a tracked referral cost with the levers: influencers' 7.15
    was 'worse, sure' beside 6.75, where with their $8,000 of fees each cost 24.41."""
    table = comparison.table
    if "cost_per_referred_customer" not in set(table["metric"]):
        return ""
    tick = "" if console else "`"
    paying = [f"{d.scenario.name} {fmt(cost)}" for d in comparison.designs
              if (cost := _referral_cost_with_levers(d.runs)) is not None]
    if not paying:
        return ""
    return (f"{tick}cost_per_referred_customer{tick} counts the rewards alone; with the levers' costs too "
            f"({tick}program_cost{tick}) a tracked referral cost {', '.join(paying)} on average")


def _referral_cost_with_levers(runs) -> float | None:
    """What a tracked referral cost with the levers' costs too (program_cost over referred
    customers, their means); None where the design pays no lever, or the runs lack the
    columns or added no referred customer."""
    if runs is None or not {"program_cost", "reward_cost", "referred_customers"} <= set(runs.columns):
        return None
    levers = float((runs["program_cost"] - runs["reward_cost"]).mean())
    referred = float(runs["referred_customers"].mean())
    if referred <= 0 or not levers > 0:
        return None
    return float(runs["program_cost"].mean()) / referred

def relabel_note(comparison, console: bool = False) -> list[str]:
    """relabelled as report.md's notes (or the console's lines)."""
    tick = "" if console else "`"
    return [f"{more} has more tracked referrals than {less} ({', '.join(f'{tick}{m}{tick}' for m in metrics)} told apart) "
            f"while their customers are the same ({tick}customers_final{tick} {verdict}): a reward on offer labels as tracked "
            f"the word of mouth that comes through a link anyway (docs/model.md, \"Attribution\"), so those verdicts "
            f"measure attribution, not growth; judge the designs by {tick}customers_final{tick} and "
            f"{tick}incremental_value{tick}" for more, less, verdict, metrics in relabelled(comparison)]


def world_lines(designs, varied=()) -> list[str]:
    """world_note for the console, a line per design that differs from the reference
    beyond its program: the verdict printed above it read as a design's win."""
    return _differing_lines(designs, _against_earlier(designs, _unvaried(world_differences, varied)),
                            "note: {name} differs from {reference} beyond its program, in {listed}: not a choice a "
                            "launch makes, so its difference is partly one of worlds (report.md)", designs[0].scenario)


def _against_earlier(designs, differences):
    """``differences(reference, other)`` widened to the other designs: a key the reference
    does not read (an onboarding design's reach_share) is compared among the designs that
    do, and ``other`` is named where its value is not the most common there (a tie goes to
    the design listed first), with the first design it differs from ("0.6 vs 0.9, against
    milestone"). Two milestone designs apart in reach_share were said to differ only when
    one of them was listed first, and checked against the designs listed before it only,
    a design identical to most was named where the odd one was not."""
    from ..compare import reads

    scenarios = [d.scenario for d in designs]

    def widened(reference, other) -> list[str]:
        keys = list(differences(reference, other))
        if other not in scenarios:
            return keys
        seen = {key.split(" (")[0] for key in keys}
        # a key the reference does not read, among the designs that do, by its most common value there, whatever the
        # order of the files: with three influencer designs of which one differed, each design was checked against those
        # listed before it, and the one named could be one identical to the others (or the odd one went unnamed)
        apart: dict[str, list] = {}
        for design in scenarios:
            if design is not other and design is not reference:
                for key in differences(design, other):
                    if (path := key.split(" (")[0]) not in seen:
                        apart.setdefault(path, []).append((design, key))
        for path, differing in apart.items():
            readers = [s for s in scenarios if s is not other and (not path.startswith("program.") or reads(s, path))]
            unlike = [design for design, _ in differing]
            alike = len([s for s in readers if s not in unlike]) + 1    # ``other`` itself
            first = readers[0] if readers else None
            # a tie is read in the files' order: the design listed first holds the value the others differ from
            if len(unlike) > alike or (len(unlike) == alike and first in unlike
                                       and scenarios.index(first) < scenarios.index(other)):
                design, key = differing[0]
                keys.append(key if design is reference or not key.endswith(")") else f"{key[:-1]}, against {design.name})")
        return keys
    return widened


def _from_whom(reference: str, listed: str) -> str:
    """Whom a design differs from: the reference, or, where a key was compared with an
    earlier design (_against_earlier: "0.6 vs 0.9, against milestone"), the reference or
    that design ("differs from onboarding ... (0.6 vs 0.9, against milestone)" named two
    designs as the one it differs from)."""
    return f"{reference} (or the design named beside a value)" if ", against " in listed else reference


def _differing_lines(designs, differences, sentence: str, reference) -> list[str]:
    """A console line per design but ``reference`` (a scenario) whose ``differences`` from
    it are not empty: ``sentence`` with its name, the reference's and the first three keys
    (each key's values given as the other design's, then this one's, which is said)."""
    lines = []
    for design in designs:
        if design.scenario is not reference and (keys := differences(reference, design.scenario)):
            listed = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
            # "default differs from calibrated ..., in direct (0.1599 vs 0.1)" read 0.1599 as default's, which was 0.1
            if " vs " in listed:
                listed += " (the other design's value first)"
            lines.append(sentence.format(name=design.scenario.name, reference=_from_whom(reference.name, listed),
                                         listed=listed))
    return lines


def twin_note(designs, varied=()) -> str:
    """A warning when designs differ in what their no-program twins run with (the channels
    and conversion lag that unprompted word of mouth also takes): each design's incremental
    metrics are then taken against another baseline, so a difference of incremental_value
    between them is not the difference of what they are worth in one world (a channel
    that helped unprompted sharing helped its own twin as much, and was never credited)."""
    reference = _twin_reference(designs)
    if reference is None or not (listed := _differing(designs, _unvaried(twin_differences, varied), reference)):
        return ""
    # from every difference, not the four each design's list shows
    keys = [k for d in designs if d.scenario is not reference for k in _unvaried(twin_differences, varied)(reference, d.scenario)]
    seeded = any(k.startswith(TWIN_SEEDING_KEY) for k in keys)
    channels = any(k.startswith(("program.channels", "program.conversion_lag")) for k in keys)
    why = " ".join(part for part in (
        "Unprompted word of mouth, which the twin keeps, goes through the program's channels and lag: what a channel "
        "or lag does to unprompted sharing is in both a design and its twin, and is left out of its "
        "`incremental_value`." if channels else "",
        "A twin starts from its design's initial customers: a design seeded otherwise has its `incremental_value` "
        "measured on top of its own seeding, not what the seeding adds." if seeded else "") if part)
    if twins_not_run(designs):
        # --no-baseline: no incremental metric was computed, and the verdict is on net_value, which the twins' difference
        # is part of (this note advised net_value as the clean comparison beside a verdict said to include it)
        return (f"The designs' no-program twins would differ, from **{reference.name}**: {listed}. The twins were not "
                f"run, and the verdict's `net_value` differences include what the designs' worlds differ in (the "
                f"seeding, or what the channels and lag do to unprompted sharing), not only their programs; rerun with "
                f"--baseline to weigh each against its own twin.")
    return (f"The designs' no-program twins differ, from **{reference.name}**: {listed}. Each design's incremental "
            f"metrics are taken against its own baseline. {why} Compare such designs on `net_value` (profit "
            f"plus customer equity, less rewards owed), `cumulative_profit` and the customers (the same world, paired), "
            f"not on the incremental metrics alone.")


def twin_among_designs(comparison: Comparison) -> tuple[str, list[str]] | None:
    """A compared design without a program that is, on the same seeds, the no-program twin of
    designs with one (runner.twin_of: the same no-program scenario, its labels aside), and
    those designs' names: without the twins (--no-baseline) each one's net_value difference
    from it is its incremental value, which the report had called not known beside it."""
    from ..parameters import _PROGRAM_ONLY
    from ..runner import twin_of

    if not comparison.paired:
        return None

    def as_twin_of(lone, other):
        """``lone`` (no program) with what it never reads taken from ``other``'s twin: its fraud block (no reward, no
        fake account) and the parts of the program only a program reads (a base_share of 0.2 against the
        designs' 0.3 kept it from being called their twin, its runs the same)"""
        twin = twin_of(other).scenario
        unread = {key.split(".")[1]: getattr(twin.program, key.split(".")[1]) for key in _PROGRAM_ONLY}
        return lone.model_copy(update={"fraud": other.fraud, "program": lone.program.model_copy(update=unread)})

    for design in comparison.designs:
        if has_program(design.scenario):
            continue
        of = [d.scenario.name for d in comparison.designs if has_program(d.scenario)
              and twin_of(as_twin_of(design.scenario, d.scenario)).key == twin_of(d.scenario).key]
        if of:
            return design.scenario.name, of
    return None


def twins_not_run(designs) -> bool:
    """Whether the designs' runs came without their no-program twins (--no-baseline): no
    incremental metric was computed, and the verdict ranks on net_value."""
    return any(getattr(d, "runs", None) is not None and "incremental_value" not in d.runs for d in designs)


def _twin_reference(designs):
    """The scenario the twins are compared with: the first design with a program. A design
    without one has no twin (it is its own baseline), and listed first, as a "no program"
    baseline is, it hid every difference between the others' twins."""
    return next((d.scenario for d in designs if has_program(d.scenario)), None)


def twin_lines(designs, varied=()) -> list[str]:
    """twin_note for the console, a line per design whose twin differs from the reference's."""
    reference = _twin_reference(designs)
    # without the twins (--no-baseline) there are no incremental metrics: the ranking's net_value differences are what
    # include the twins' difference ("its incremental metrics are against another baseline" of none computed)
    what = ("its incremental metrics are against another baseline" if not twins_not_run(designs) else
            "its net_value differs from the others' by what the twins differ in too, not only by the programs")
    return [] if reference is None else _differing_lines(
        designs, _unvaried(twin_differences, varied), "note: {name}'s no-program twin differs from {reference}'s, in "
        "{listed}: " + what + " (report.md)", reference)


def _unpaired_differences(comparison: Comparison) -> list[str]:
    """The keys beyond the seed in which an unpaired comparison's designs differ from the reference."""
    first = comparison.designs[0].scenario
    # a block's differences come joined, "network.clustering (..), network.kind (..)": each key is named ("the
    # designs differ in network.clustering" left out network.kind, the real difference)
    return sorted({key for other in comparison.designs[1:]
                   for d in pairing_differences(first, other.scenario, seed_given=True)
                   for key in re.findall(r"(?:^|, )([A-Za-z_][\w.]*) \(", d)})


def unpaired_note(comparison: Comparison, where: str = "") -> str:
    """What the differences of an unpaired comparison are partly due to, beside its
    verdict (report.md's first paragraph, the console): a 400-day design against a
    90-day one was "sure at 95%" on profit in the console with no word of the horizons."""
    if comparison.paired or not (differ := _unpaired_differences(comparison)):
        return ""
    return (f"The designs differ in {'; '.join(differ)}: the differences {where}are partly those of the "
            f"{_worlds(differ)}, not only of the programs")


def _worlds(differ: list[str]) -> str:
    """What the differences of an unpaired comparison are partly due to, from the keys
    they differ in ('days (1095 vs 365)': the horizons, not 'the populations or networks')."""
    nouns = {"population": "populations", "network": "networks", "days": "horizons"}
    found = [noun for key, noun in nouns.items() if any(d.split(" ")[0].split(".")[0] == key for d in differ)]
    *first, last = found or ["populations", "networks"]
    return f"{', '.join(first)} or {last}" if first else last


def _unpaired_seeds(comparison: Comparison) -> str:
    """Where an unpaired comparison's designs differ and how each got its seeds."""
    differ = _unpaired_differences(comparison)
    seeds = ", ".join(f"{d.scenario.name} {d.scenario.seed}" for d in comparison.designs)
    derived = (" (designs that would have shared a seed, given by --seed, by their files alike, or drawn for files that "
               "give none, and a design whose file gives none where others do (from the first seed given), each got one "
               "derived from it and its name, `rng.stream_seed(seed, \"unpaired design\", rng.stream_key(name))`, "
               "whatever its place in the list, and no two share their luck)"
               if comparison.seeds_derived else "")
    return (("the designs differ in " + "; ".join(differ) + ", so " if differ else "")
            + f"each ran on its own seeds: scenario seeds {seeds}{derived}; every replicate's seed is in manifest.json.")


_names = names_and


def _design(designs: list[Results], name: str) -> Results:
    return next(d for d in designs if d.scenario.name == name)


def _metric_values(designs: list[Results], name: str, metric: str) -> np.ndarray:
    """A design's values by replicate as its differences are measured (``compare.counted``)."""
    return counted(_design(designs, name), metric)


def _mean_text(design: Results, metric: str, mean: float) -> str:
    """A design's figure in a verdict's sentence: the mean, and for a payback day, named
    as the mean beside the median that the report's opening and figures give ('pays back
    on day 126 (the median)' above 'is best (134.0, lower is better)')."""
    if metric not in NEVER_IS_WORST:
        return fmt(mean)
    days = design.runs[metric].to_numpy(dtype=float)
    median = median_day(days)
    if np.isfinite(days).all():
        return f"mean {fmt(mean)}" + (f", median day {median:.0f}" if math.isfinite(median) else "")
    # two means of one design: the table's, over the runs that paid back (165.9), and this one, counting the others
    # as the day after the horizon (182.6), both called 'mean' unsaid
    paid = days[np.isfinite(days)]
    those = (f" ({fmt(float(paid.mean()))} over the {len(paid)} that did, median day {median:.0f})"
             if len(paid) and math.isfinite(median) else "")
    return (f"mean {fmt(mean)} counting each run that never paid back as day {design.scenario.days + 1}" + those)


def _came(design: Results, metric: str) -> str:
    """For a payback day some runs never reached: in how many it came, and that the mean
    counts the others as the day after the horizon (a mean of 300 read as "pays back on
    day 300")."""
    if metric not in NEVER_IS_WORST or not has_program(design.scenario):
        return ""
    came = int(np.isfinite(design.runs[metric].to_numpy(dtype=float)).sum())
    if came == len(design.runs):
        return ""
    return f"; paid back in {came} of {len(design.runs)} runs"


def _ran_out_note(design) -> str:
    """When a design's budget ran out within the horizon in some replicates: on which day
    (the median), in how many, and whether its asks ended with it. The headline says it of
    the best design alone, and the ranking note only where it ran out in the horizon's
    first half: a budget spent on day 283 of 365, its asks ended, cost a design $174,000
    of value against the same design uncapped, with no word of it outside the table."""
    runs, incentive = getattr(design, "runs", None), design.scenario.program.incentive
    if runs is None or "budget_exhausted_day" not in runs.columns or getattr(incentive, "budget", None) is None:
        return ""
    days = runs["budget_exhausted_day"].to_numpy(dtype=float)
    ran_out = days[np.isfinite(days)]
    if not len(ran_out):
        return ""
    day = median_day(ran_out)
    last_ask = asks_over(design.scenario, getattr(design, "timeseries", None))
    # with rewards_only it asks on unrewarded, and what those asks bring is in its value; where its asks were all made
    # by then it asked on no more than end_program would have (the two identical in every run)
    planned = planned_last_ask(design.scenario)
    after = ("it had no asks left to make after that day" if asks_done_by(last_ask, ran_out, planned) else
             "it asked on without a reward after that day (`on_budget_exhausted` rewards_only)"
             if getattr(incentive, "on_budget_exhausted", None) == "rewards_only" else
             "what its program would have brought after that day is not in its value")
    return (f"Its budget ran out within the {design.scenario.days}-day horizon in {len(ran_out)} of {len(days)} "
            f"replicates, on day {day:.0f} (the median of those){asks_ended(incentive, last_ask, ran_out, planned)}; {after}.")


def _design_notes(designs) -> list[str]:
    """Each design's notes (a calibrated file's fit, how rewards are weighed, the ask queue) as bullets, a note that
    several designs share given once with all their names (the same rewards paragraph
    twice or three times read as three findings)."""
    named: dict[str, list[str]] = {}
    for d in designs:
        for note in (calibrated_note(d.scenario), *default_notes(d.scenario), reward_weighing(d.scenario),
                     non_qualifying_note(d.scenario, d.runs),
                     launch_note(d.scenario, d.runs), _ran_out_note(d),
                     beyond_budget_sentence(d.runs, d.scenario.days, d.scenario.program.incentive).strip(),
                     ask_queue_note(d.scenario, d.timeseries, d.runs), referred_loyalty_note(d.scenario, d.runs),
                     brought_forward_note(d.scenario, d.timeseries, getattr(d, "baseline_timeseries", None))):
            if note:
                named.setdefault(note, []).append(f"**{d.scenario.name}**")
    return [f"- {', '.join(names)}: {note}" for note, names in named.items()]


def run_commands(designs, files=(), sets=()) -> list[str]:
    """Per design, the `refsim run` command that reruns it as compare ran it: its file, the
    --set items, the replicates and the seed it ran on ('' where its file is unknown). A
    report pointed at "`refsim run` of the design" for its k_by_month.png, and the design's
    file alone ran 365 days where compare had run 730, its budget out on another day."""
    from ..kernel import engine_prefix

    if len(files) != len(designs):
        return [""] * len(designs)
    keys = {str(item).partition("=")[0].strip() for item in sets or ()}
    commands = []
    for design, file in zip(designs, files):
        scenario = design.scenario
        parts = [*engine_prefix(), "refsim", "run", shlex.quote(str(file)),
                 *(f"--set {shlex.quote(str(item))}" for item in sets or ()),
                 *([f"--replicates {scenario.replicates}"] if "replicates" not in keys else []),
                 *([f"--seed {scenario.seed}"] if "seed" not in keys and scenario.seed is not None else [])]
        commands.append(" ".join(parts))
    return commands


def comparison_markdown(comparison: Comparison, figures: list[Path], sets: list[str] | None = None,
                        set_notes: list[str] | None = None, replay: str = "", sensitivity: str = "",
                        files: list | tuple = ()) -> str:
    table = comparison.table
    decision = decide(comparison)
    first = comparison.designs[0].scenario
    n = len(comparison.seeds)
    kind = "paired" if comparison.paired else "unpaired"
    if comparison.paired:
        setup = [
            f"{len(comparison.designs)} designs, {n} replicates each of {first.days} days, all on the same replicate "
            f"seeds (scenario seed {first.seed}; every seed is in manifest.json). Reference: **{comparison.reference}**.",
            "",
            "Because every design sees the same luck (graph, seed customers, organic adoption days, satisfaction,",
            "churn clocks), the difference between two designs is measured replicate by replicate; its interval",
            "(paired) is " + _pairing_gain(comparison.table, decision.metric if decision is not None else VERDICT_METRIC)
            + _decisive_pairing(comparison, decision),
        ]
    else:
        setup = [
            f"{len(comparison.designs)} designs, {n} replicates each, **unpaired** (`--unpaired`): "
            + _unpaired_seeds(comparison) + " Every interval of a difference is the unpaired (Welch) one, wider than a "
            f"paired one would be. Reference: **{comparison.reference}**.",
        ]
    changed = set_sentence(sets, "Every design was changed", "the files' descriptions and names are their own")
    changed += "".join(f" {note[0].upper()}{note[1:]}." for note in set_notes or ())
    reruns = run_commands(comparison.designs, files, sets)
    lines = [
        f"# Comparison: {' vs '.join(comparison.names)}",
        "",
        *decision_paragraph(comparison, decision),
        "",
        *setup,
        "",
        *([f"**The search's own replicates:** {replay}.", ""] if replay else []),
        *([changed, ""] if changed else []),
        *_design_notes(comparison.designs),
        *each_design_note([(d.scenario.name, k_window_note(d.scenario)) for d in comparison.designs]),
        *each_design_note([(d.scenario.name, (why := k_undefined_note(d.scenario, d.runs)) and why + ".")
                           for d in comparison.designs]),
        *[f"- {note}" for note in (ask_window_note(d.scenario, d.scenario.name, runs=d.runs) for d in comparison.designs) if note],
        *[f"- {note}" for note in (reminders_unsent_note(d.scenario, d.scenario.name) for d in comparison.designs) if note],
        *[f"- {note}" for note in (budget_pace_note(d.scenario, d.runs, d.scenario.name) for d in comparison.designs)
          if note],
        *[f"- {note}" for note in (k_budget_note(d.scenario, d.runs, d.scenario.name, figure=False,
                                                  timeseries=getattr(d, "timeseries", None), run=command)
                                    for d, command in zip(comparison.designs, reruns)) if note],
        *[f"- {note}" for note in (k_filled_note(d.scenario, getattr(d, "timeseries", None), d.runs, d.scenario.name,
                                                  figure=False, run=command)
                                    for d, command in zip(comparison.designs, reruns)) if note],
        *[f"- {note}" for note in (asking_note(comparison.designs), ask_lag_note(comparison.designs), path_note([d.scenario for d in comparison.designs]),
                                   world_note(comparison.designs), twin_note(comparison.designs),
                                   assumption_note(comparison.designs, verdict_metric(comparison), sensitivity)
                                   if has_ranking(comparison) else "")
          if note],
        *[f"- {note}." for note in (milestone_cut_short(d.runs, d.scenario) for d in comparison.designs) if note],
        *[f"- {note}." for note in relabel_note(comparison)],
        *([f"- {note}."] if (note := rewards_only_cost_note(comparison)) else []),
        "",
        "## Who wins",
        "",
        *([f"With {len(comparison.designs)} designs, each metric's best is "
           f"{holm_text(len(comparison.designs) - 1, 'against the designs where the metric is defined, copies of a design (the same in every replicate) counted once: fewer tests start at a lower level')}, so that "
           f"\"sure at 95%\" holds for all the tests together; each interval below is the one against the runner-up, at the level of "
           f"its test.", ""]
          if len(comparison.designs) > 2 else []),
        *_many_metrics_caution(winners(comparison)),
        "",
        f"## Differences from {comparison.reference} ({kind}, 95%)",
        "",
        # unpaired, the difference's interval is the unpaired one: one column, not the same twice under one header
        f"| design | metric | mean | difference | {kind} 95% interval | "
        + ("unpaired 95% interval | " if comparison.paired else "") + f"verdict | replicates for ±"
        f"{comparison.precision:.0%} (paired / unpaired) |",
        "|---|---|---|---|---|" + ("---|" if comparison.paired else "") + "---|---|",
    ]
    runs = {d.scenario.name: len(d.runs) for d in comparison.designs}
    days = {d.scenario.name: d.scenario.days for d in comparison.designs}   # unpaired designs can differ in it
    order = {metric: i for i, metric in enumerate(dict.fromkeys(table["metric"]))}
    # K of a design whose K reads low by construction: its `worse` is measured, but the "Who wins" lines leave it out
    low_k = set(_k_low(comparison.designs)) if table["metric"].isin(K_LINES).any() else set()
    # metric by metric, the reference's own mean first: each difference below it is from it
    for row in sorted(table.to_dict("records"), key=lambda row: (order[row["metric"]], row["verdict"] != "reference")):
        # a day that happened in some replicates only (the budget's, the payback's): its mean is over those
        within = f" ({int(row['n'])} of {runs[row['design']]} runs)" if row["n"] < runs.get(row["design"], 0) else ""
        head = f"| {row['design']} | {metric_label(row['metric'], days[row['design']])} | {fmt(row['mean'])}{within} |"
        if row["verdict"] == "reference":
            lines.append(f"{head} – | – | " + ("– | " if comparison.paired else "") + "reference | – |")
            continue
        # past replicates_needed's limit is "too many", not the "–" of a difference with no size to pin down
        need = "/".join("–" if math.isnan(row[k]) else "too many" if math.isinf(row[k]) else f"{int(row[k]):,}"
                        for k in ("replicates_needed_paired", "replicates_needed_unpaired"))
        unpaired_cell = f"{interval_text(row['unpaired_ci_low'], row['unpaired_ci_high'])} | " if comparison.paired else ""
        low = row["metric"] in K_LINES and bool(low_k & {row["design"], comparison.reference})
        lines.append(f"{head} {fmt(row['diff_mean'])} | "
                     f"{interval_text(row['diff_ci_low'], row['diff_ci_high'])} | {unpaired_cell}{row['verdict']}"
                     f"{' (K low by construction)' if low else ''} | {need} |")
    lines += [
        "",
        *(["Each interval here is at 95% on its own, against the reference; the verdicts above test the best against "
           "every other design together."] if len(comparison.designs) > 2 else []),
        *([f"(K low by construction): `k_factor` or `program_k` of {_names(sorted(low_k))}, whose K reads low by "
           f"construction (the notes above say why): the difference is as measured, and the \"Who wins\" lines "
           f"leave {'it' if len(low_k) == 1 else 'them'} out."] if low_k else []),
        f"`better`/`worse`: the {kind} interval excludes 0; `unclear`: it does not, or the metric is undefined in",
        "other replicates of one design than of the other (a ratio where one added no customer: those replicates",
        "are not left out at random, so no verdict is drawn from the rest); `undefined`: in every replicate of",
        "both, or of a design without a program (its payback, ROI or budget's day: nothing to compare);",
        "a payback that never came, and a budget",
        "that never ran out (or none), count as the day after the horizon ("
        + (f"day {first.days + 1}" if len(set(days.values())) == 1 else "each design's own") + ") in the differences,",
        "while their means are over the runs where the day came; the replicate counts are the",
        "smallest n with t(0.975, n−1)·sd/√n within the target, sd being that of the paired differences (paired)",
        "or √(s_A² + s_B²) (unpaired, same n per design).",
        *([f"`same`: the two designs gave the same value in every replicate; a difference in up to "
           f"{unseen_share(len(comparison.seeds)):.0%} of launches would go unseen in {len(comparison.seeds)} replicates "
           f"(at 95%), so `same` says no difference was seen, not that none can be."]
          if (table["verdict"] == "same").any() and len(comparison.seeds) > 0 else []),
        *([note] if (note := lumped_compare_note(comparison, set(table["metric"]))) else []),
        "",
        "## Figures",
        "",
        *figure_links(figures, _captions(comparison)),
    ]
    return "\n".join(lines)


def _captions(comparison: Comparison) -> dict[str, str]:
    """The captions compare's figures take in place of run's: its adoption and
    acquisition-mix figures draw the designs alone (run's captions promised a twin's line
    and panel), and without the no-program twins (--no-baseline) roi_distribution.png
    holds the dashboard's attributed ROI alone, the one figure a caption of two panels
    would have read as a verdict."""
    twins = all(d.baseline_timeseries is not None for d in comparison.designs)
    where = " (the no-program twins are in incremental_value.png, as each design's difference from its own)" if twins else ""
    designs_alone = {
        "adoption": f"Active customers per day, one line per design{where}: the mean over the replicates (line) and "
                    f"2.5–97.5% of the replicates (band; none with one replicate).",
        "acquisition_mix": "New customers to date by where they came from, one panel per design: organic, referred "
                           "through a tracked link, and word of mouth that no link tracks (mean, and 2.5–97.5% of "
                           "replicates with two or more).",
    }
    if twins:
        return designs_alone
    return {**designs_alone, "roi_distribution": "The attributed ROI a referral dashboard shows, over the replicates, alone: without "
                                "the no-program twins (--no-baseline) there is no incremental ROI to set beside it, and "
                                "this one credits referrals that would have come anyway; it is no verdict."}
