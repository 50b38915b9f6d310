"""The readable files of an optimisation folder: trials.csv, confirmation.csv,
best.yaml (a scenario ``refsim run`` accepts), a convergence or Pareto plot,
report.md and manifest.json. The optuna storage beside them is the optimiser's own."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from ..optimize import (TOP_ROWS, choice_bests as _choice_bests, takes_choice as _takes, STAGING_PREFIX, OptimizeResult, confirmation_runs, OptimizeSettings, best_identity, chosen_rows, every_design_tried, in_the_order_chosen, spend_alone_note, trial_count,
                        winner_rows)
from ..parameters import Parameter, choice_text
from ..behaviour.budget import months_begun
from ..evaluation import DAY_METRICS, spend_cap
from ..metrics import UNDEFINED_IS_WORST
from ..config import Scenario, fitting_description
from ..results import atomic_write_csv, atomic_write_json, atomic_write_text, manifest, outputs_staged
from ..provenance import study_engine_record
from .figure import plt, save
from .text import (BASE_READ, axis_label, flagged_fit_notes, counted, study_set_lines, paced_text, span_text, reserves, study_default_notes, study_non_qualifying_note, study_twin_note, study_horizon_note, study_world_note, unpriced_size_note, kind_default_notes, varied_degree_note, METRIC_TEXT, MONTHLY_PAUSE, PAYMENT_TIMING_KEYS, DEFERRED_PAID, allowance_sentence, budget_commits, blocked_share, contract_days, budget_used_text, figure_links, fmt,
                   payment_timing_check, payment_timing_trade)


def write_optimize(result: OptimizeResult, folder: Path, *, base: Scenario, parameters: list[Parameter],
                   settings: OptimizeSettings, started: dt.datetime, command: list[str] | None = None,
                   extra: dict | None = None, sets: list[str] | None = None, set_notes: list[str] | None = None,
                   set_via: str = "--set", inputs: dict[str, str] | None = None) -> Path:
    """Write every readable file of a finished optimisation into ``folder``, staged and
    moved into place with manifest.json last (results.outputs_staged: written in place,
    an interrupt left a trials.csv of 12 trials beside the report and manifest of 8);
    ``sets``: the --set items the base ran with (report.text.study_set_lines)."""
    with outputs_staged(folder, STAGING_PREFIX) as stage:
        _write_optimize(result, stage, base=base, parameters=parameters, settings=settings, started=started,
                        command=command, extra=extra, sets=sets, set_notes=set_notes, set_via=set_via,
                        inputs=inputs)
    return Path(folder)


def _write_optimize(result: OptimizeResult, folder: Path, *, base: Scenario, parameters: list[Parameter],
                    settings: OptimizeSettings, started: dt.datetime, command: list[str] | None,
                    extra: dict | None, sets: list[str] | None, set_notes: list[str] | None, set_via: str,
                    inputs: dict[str, str] | None = None) -> None:
    """write_optimize's files, into ``folder`` (its staging folder)."""
    atomic_write_csv(folder / "trials.csv", result.trials)
    if len(result.confirmation):
        atomic_write_csv(folder / "confirmation.csv", result.confirmation)
    if result.best_scenario is not None:
        atomic_write_text(folder / "best.yaml", best_yaml(result, base, parameters))
    figures = [pareto_plot(result, folder / "pareto.png") if len(result.objectives) == 2
               else convergence_plot(result, folder / "convergence.png")]
    atomic_write_text(folder / "report.md", optimize_markdown(result, base, parameters, settings, figures, sets,
                                                                      set_notes, set_via))
    scenarios = [base] + ([result.best_scenario] if result.best_scenario is not None else [])
    atomic_write_json(folder / "manifest.json", manifest(
        folder=folder,
        scenarios=scenarios, seeds={"search replicates": _seeds(result, "search"), "confirmation": _seeds(result, "fresh"),
                                    "winner re-run": _seeds(result, "winner")},
        started=started, ended=dt.datetime.now(), command=command, inputs=inputs, extra={
            "engine": study_engine_record([base], parameters), "optimize": {
            "seed": result.seed, "objectives": [f"{o.metric}:{o.direction}" for o in result.objectives],
            "constraints": [str(c) for c in result.constraints], "parameters": [p.describe() for p in parameters],
            "rungs": result.rungs, "trials": int(len(result.trials)), "best_trial": result.best_trial,
            "feasible": result.feasible,
            # a winner chosen keeping them can break them on the further seeds of its re-run: feasible alone read true
            # and null where the winner was the only candidate re-run, with no further seeds (true read as a second
            # confirmation made)
            "kept_on_further_seeds": (result.feasible and not broken_on_further_seeds(result)
                                      if _seeds(result, "winner") else None),
            # the search's settings: batch and startup_trials choose which trials run, and the command line names
            # only a --settings file that may change (sensitivity's and calibrate's manifests carry theirs)
            "settings": asdict(settings), **(extra or {})}}))


def _least_breach_text(result: OptimizeResult) -> str:
    """Which trial is shown when none kept the constraints, and among how many."""
    rerun = chosen_rows(result.confirmation)["trial"].nunique() if len(result.confirmation) else 0
    if rerun <= 1:
        return "the one shown is the trial on the highest rung breaking them least in the search."
    return (f"the one shown breaks them least of the {rerun} re-run (the trials on the highest rung breaking them "
            f"least in the search).")


def _rerun_text(result: OptimizeResult, settings: OptimizeSettings) -> str:
    """How the winner was re-run: on fresh seeds, and when it was chosen among several
    re-run candidates, on as many again that none was chosen on."""
    chosen = chosen_rows(result.confirmation)
    candidates = chosen["trial"].nunique() if len(chosen) else 0
    n = settings.confirm_replicates
    if not len(result.confirmation):   # no trial completed: nothing was re-run ("the winner was re-run" of none)
        return "No trial completed, so none was re-run on fresh seeds; each trial's error is in trials.csv."
    if candidates <= 1:
        return f"The winner was re-run on {n} fresh seeds, never used in the search."
    return (f"{candidates} candidates were re-run on {n} fresh seeds, never used in the search, and the winner among "
            f"them on {n} more that none was chosen on." + _kept_out_text(result))


def _kept_out_text(result: OptimizeResult) -> str:
    """The re-run candidates that did better than the winner on the first objective on the
    fresh seeds they shared (round 0) but broke a constraint there: the constraint, not
    the value, kept them out. A candidate at 183,793 beside the winner's 176,650, over a
    $30,000 cap at 31,397, went unsaid, and the leading-trials table showed it lower."""
    chosen = chosen_rows(result.confirmation)
    if result.best_trial is None or not len(chosen) or not result.constraints:
        return ""
    objective = result.objectives[0]
    means = {trial: rows.set_index("metric")["mean_all_runs"] for trial, rows in chosen.groupby("trial")}
    if result.best_trial not in means or objective.metric not in means[result.best_trial]:
        return ""
    winner = float(means[result.best_trial][objective.metric])
    said = []
    for trial, mean in means.items():
        value = float(mean.get(objective.metric, math.nan))
        if trial == result.best_trial or not objective.sign * (value - winner) > 0:
            continue
        broken = [f"`{c}` ({fmt(float(mean[c.metric]))})" for c in result.constraints
                  if c.metric in mean and not c.excess(float(mean[c.metric])) <= 0]
        if broken:
            said.append(f"trial {trial} did better on {objective.metric} ({fmt(value)} against the winner's "
                        f"{fmt(winner)}) but broke {', '.join(broken)}")
    return (" On those seeds " + "; ".join(said) + ": the constraint, not the value, kept "
            + ("it" if len(said) == 1 else "them") + " out.") if said else ""


def _settled_on_fresh_seeds(result: OptimizeResult, trial: int) -> bool:
    """Whether the winner and ``trial`` were both re-run on the same fresh seeds (round 0)
    and the winner's first objective there is ahead of the trial's at 95% (a Welch
    interval from their means, intervals and runs: wider than the paired one, so a
    difference it tells apart is told apart): 'not told apart ... run them side by side'
    was said of a trial the re-run had put 85,000 behind (a compare then said so)."""
    from ..metrics import t_quantile

    chosen = chosen_rows(result.confirmation)
    metric = result.objectives[0].metric
    rows = chosen[chosen["metric"] == metric].set_index("trial") if len(chosen) else chosen
    if not len(rows) or result.best_trial not in rows.index or trial not in rows.index:
        return False
    errors, means, dofs = [], [], []
    for t in (result.best_trial, trial):
        row = rows.loc[t]
        n = int(row["n"])
        if n < 2 or not math.isfinite(float(row["ci_high"])):
            return False
        errors.append((float(row["ci_high"]) - float(row["mean"])) / float(t_quantile(0.975, n - 1)))
        means.append(float(row["mean"]))
        dofs.append(n - 1)
    va, vb = errors[0] ** 2, errors[1] ** 2
    if va + vb == 0:
        return result.objectives[0].sign * (means[0] - means[1]) > 0
    dof = (va + vb) ** 2 / (va ** 2 / dofs[0] + vb ** 2 / dofs[1]) if va ** 2 + vb ** 2 > 0 else min(dofs)
    half = float(t_quantile(0.975, dof)) * math.sqrt(va + vb)
    return result.objectives[0].sign * (means[0] - means[1]) > half


def _seeds(result: OptimizeResult, which: str) -> list[int]:
    """The study's seeds: the search's replicates, the fresh seeds of the re-runs (round 0)
    and the winner's further seeds (round 1; none when it was the only candidate re-run)."""
    from ..rng import fresh_seeds, replicate_seeds

    if which == "search":
        return replicate_seeds(result.seed, result.rungs[-1])
    runs = confirmation_runs(result.confirmation)
    if which == "winner":
        rounds = result.confirmation["round"] if "round" in result.confirmation else []
        return fresh_seeds(result.seed, runs, 1) if len(rounds) and rounds.max() > 0 else []
    return fresh_seeds(result.seed, runs)


def best_yaml(result: OptimizeResult, base: Scenario, parameters: Sequence[Parameter] = ()) -> str:
    """The winning design as a complete scenario, seeded apart from every seed the study
    ran (``stream_seed(study seed, "best design")``): it carried the study seed, so
    ``refsim run`` or ``refsim compare`` with it replayed the very replicates the winner was
    picked on, and flattered it (a trial best of 10 alike, compared on those seeds with an
    alike design, was called better 'sure at 95%' in 11% of studies). ``--seed`` with the
    study seed replays the search, on the path the study ran on (``parameters``: its
    ranges, which decide it): a study on the numpy stages (a lever at an end of a range)
    replayed its winner on the kernel where the winner alone can run there, other numbers."""
    from ..kernel import unsupported

    data = result.best_scenario.model_dump(mode="json")
    incentive = result.best_scenario.program.incentive
    given = getattr(base.program.incentive, "model_fields_set", set())
    if (data["program"]["incentive"].get("on_budget_exhausted") == "end_program"
            and getattr(incentive, "budget", None) is None and "on_budget_exhausted" not in given):
        # a default the file never gave, written out, read back as set: `refsim run best.yaml` said the setting "changes
        # nothing", of a key the user never wrote
        del data["program"]["incentive"]["on_budget_exhausted"]
    on_numpy = (study_engine_record([base], parameters).get("path") == "numpy"
                and unsupported(result.best_scenario) is None)
    data.update(best_identity(base, result.seed))   # as optimize gives best_scenario, whoever built the result
    values = ", ".join(f"{k} = {_value(v)}" for k, v in (result.best or {}).items())
    # the base's description would describe the base's own levers ("a $10/$10 credit") above the winner's
    described = f"The best design refsim optimize found on {base.name} (trial {result.best_trial}): {values}."
    if base.description.strip():
        described += f"{BASE_READ}{base.description.strip()}"
    data["description"] = fitting_description(described)   # best.yaml must load as a scenario
    header = (f"# The best design found by refsim optimize on {base.name} (trial {result.best_trial}): {values}.\n"
              f"# Objectives: {', '.join(f'{o.metric} ({o.direction})' for o in result.objectives)}; "
              f"constraints: {', '.join(map(str, result.constraints)) or 'none'}; "
              f"{_kept_text(result)}.\n"
              + "".join(f"# {line}\n" for line in textwrap.wrap(spend_cap_note(result), 100))
              + f"# Run it with: refsim run best.yaml (its seed is none the search or the re-run used: a run or a compare "
                f"with it is not flattered by the choice; --seed {result.seed} replays the search's replicates"
                + (", under REFSIM_ENGINE=numpy, the path the study ran on" if on_numpy else "") + ")\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def constraints_line(result: OptimizeResult) -> str:
    """report.md's line on the winner's constraints: kept on the fresh seeds, kept only on
    those it was chosen on, or kept by no candidate."""
    if not result.feasible:
        return ("**No candidate kept every constraint on the fresh seeds**; " + _least_breach_text(result) + " "
                "Widen the ranges, relax a constraint or add trials.")
    if broken := broken_on_further_seeds(result):
        return (f"It keeps every constraint on the fresh seeds it was chosen on, but **breaks "
                f"{', '.join(f'`{b}`' for b in broken)} on the further seeds below**.")
    return "It **keeps** every constraint on the fresh seeds." + on_the_mean_text(result)


def on_the_mean_text(result: OptimizeResult) -> str:
    """The constraints the winner keeps on its fresh seeds' mean only, their 95% interval
    reaching past the limit: 'keeps every constraint' headlined a winner at 9,021 under a
    $10,000 cap whose interval reached 10,172 (runs up to 13,284), which the leading-trials
    table marked 'on the mean only'."""
    from ..optimize import winner_rows

    rows = winner_rows(result.confirmation, result.best_trial)
    if not len(rows) or not {"ci_low", "ci_high", "mean_all_runs"} <= set(rows.columns):
        return ""
    rows = rows.set_index("metric")
    near = []
    for c in result.constraints:
        if c.metric not in rows.index:
            continue
        row = rows.loc[c.metric]
        # the interval of the mean judged (a day that never came as the day after the horizon), not of the runs where
        # it came: a folder from before the all-runs columns has only the latter
        side = "ci_high" if c.op == "<=" else "ci_low"
        end = float(row.get(f"{side}_all_runs", row[side]))
        if math.isfinite(end) and c.excess(end) > 0:
            near.append(f"`{c}` at {fmt(float(row['mean_all_runs']))}, its 95% interval reaching {fmt(end)}")
    if not near:
        return ""
    return (" On the mean only: " + "; ".join(near) + ", so a launch of it can break "
            + ("it" if len(near) == 1 else "them") + ".")


def ruled_out_note(result: OptimizeResult) -> str:
    """Which trials the constraints ruled out, and whether they did better on the first
    objective than the winner on the search's replicates: eight trials over a $50k cap,
    two at 341k against the winner's 218k, stood only as x's in the figure and rows
    missing from the leading trials' table."""
    trials = getattr(result, "trials", None)
    if not result.constraints or not result.feasible or trials is None or not len(trials) or "feasible" not in trials:
        return ""
    done = trials[trials["state"] == "COMPLETE"]
    broken = done[~done["feasible"].astype(bool)]
    if not len(broken) or result.best_trial not in set(done["trial"]):
        return ""
    first = result.objectives[0]
    column = f"{first.metric}_mean"
    won = float(done.loc[done["trial"] == result.best_trial, column].iloc[0])
    mine = list(getattr(result, "runs", {}).get(result.best_trial, []))

    def winner_on(trial: int) -> float:
        """The winner's mean on the replicates ``trial`` ran (the first k: replicate r is on one seed for every
        trial): a trial's 4 lucky first seeds against the winner's 16 counted as better one that did worse there."""
        theirs = getattr(result, "runs", {}).get(trial)
        if not mine or not theirs or len(theirs) > len(mine):
            return won
        values = np.asarray(mine[:len(theirs)], dtype=float)
        return float(values[np.isfinite(values)].mean()) if np.isfinite(values).any() else won

    against = broken.assign(winner=[winner_on(int(t)) for t in broken["trial"]])
    better = against[first.sign * against[column].astype(float) > first.sign * against["winner"]].sort_values(
        column, ascending=first.sign < 0)
    text = (f"The constraints ruled out {len(broken)} of the {len(done)} trials, which broke one on the mean of "
            f"their search replicates (trials {_listed(sorted(int(t) for t in broken['trial']))}; x's in the figure)")
    if not len(better):
        return text + f"; none of them did better on `{first.metric}` than the winner on the same replicates."
    top = better.iloc[0]
    breaks = ", ".join(f"`{c.metric}` {fmt(float(top[f'{c.metric}_mean']))} against `{c}`" for c in result.constraints
                       if c.excess(float(top[f"{c.metric}_mean"])) > 0)
    many = f"All {len(better)}" if len(better) == len(broken) and len(better) > 1 else f"{len(better)} of them"
    return (text + f". {many} did better on `{first.metric}` than the winner on the same replicates, the best trial "
            f"{int(top['trial'])} at {fmt(float(top[column]))} against the winner's {fmt(float(top['winner']))} there "
            f"({breaks}): the constraints, not the objective, keep them out.")


def _kept_text(result: OptimizeResult) -> str:
    """best.yaml's word on the constraints: kept, NOT kept, or kept only on the seeds the
    winner was chosen on."""
    if broken := broken_on_further_seeds(result):
        return f"kept on the fresh seeds it was chosen on, NOT on further seeds ({', '.join(broken)})"
    return f"{'kept' if result.feasible or not result.constraints else 'NOT kept'} on fresh seeds"


def payment_delay_note(base: Scenario, parameters: list[Parameter]) -> str:
    """Said when a study varies when rewards are paid (``paid_on``, ``qualification_days``):
    what the search's choice rests on, the discount rate people are assumed to apply to
    a reward paid later and the fraud share (docs/model.md, "Assumptions that decide
    some comparisons"). Empty when neither is varied or nothing is rewarded."""
    keys = [p.key for p in parameters]
    varied = [key.rsplit(".", 1)[1] for key in PAYMENT_TIMING_KEYS if key in keys]
    incentive = base.program.incentive
    rate = getattr(incentive, "delay_discount", None)
    if not varied or rate is None:
        return ""
    named = " and ".join(f"`{key}`" for key in varied)
    where = "(docs/model.md, \"Assumptions that decide some comparisons\")"
    if varied == ["qualification_days"] and incentive.paid_on == "signup":
        # the wait of a design paid on signup: study_world_note says no run depends on it (parameters.reads), once
        return ""
    if "program.incentive.delay_discount" in keys:
        return (f"{named} {'is' if len(varied) == 1 else 'are'} varied with `delay_discount`: the search may pick the "
                f"payment terms and the rate at which people discount a reward paid later together, and a low rate "
                f"makes paying late look free {where}. Vary the rate in `refsim sensitivity` instead, as something you "
                f"do not control.")
    wait = _highest(parameters, "program.incentive.qualification_days", incentive.qualification_days)
    share = _highest(parameters, "fraud.share", base.fraud.share)
    fakes = "paid_on" in varied
    budgeted = getattr(incentive, "budget", None) is not None or "program.incentive.budget" in keys
    trade = payment_timing_trade(rate, wait, share, fakes, blocked_share(base, keys), budgeted, contract_days([base], keys),
                                 "fraud.share" in keys, business=incentive.audience == "business")
    return (f"{named} {'is' if len(varied) == 1 else 'are'} varied: {trade}. "
            f"The terms the search chooses rest on these assumptions {where}: check them with `refsim sensitivity` "
            f"({payment_timing_check(rate, share, fakes)}), or fix the terms at what you will offer.")


def _highest(parameters: list[Parameter], key: str, default: float) -> float:
    """The largest value the study gives ``key`` (the largest choice of a list, whatever
    its order; the base's when it is not varied)."""
    for p in parameters:
        if p.key == key:
            return float(max(p.choices) if p.kind == "categorical" else p.from_unit(1.0))
    return float(default)


def _kept_on_fresh_seeds(result: OptimizeResult, constraint) -> bool:
    """Whether the winner kept ``constraint`` on its fresh seeds, in every round it was
    re-run (result.feasible when the confirmation does not hold its mean: one of several
    constraints may have failed). Its round-1 re-run alone said 'holds' of a winner that
    broke the cap on the round-0 seeds it was chosen on, beside the warning that no
    candidate kept every constraint."""
    confirmation = getattr(result, "confirmation", None)
    if confirmation is not None and len(confirmation) and result.best_trial is not None:
        rows = confirmation[(confirmation["trial"] == result.best_trial) & (confirmation["metric"] == constraint.metric)]
        if len(rows):
            return all(constraint.excess(float(mean)) <= 0 for mean in rows["mean_all_runs"])
    return bool(result.feasible)


def broken_on_further_seeds(result: OptimizeResult) -> list[str]:
    """The constraints a winner that kept them all on the fresh seeds it was chosen on
    breaks on the further seeds of its own re-run (round 1): a two-objective study's
    winner spent 51,811 there against a cap of 50,000 while the report's bold line, the
    console, best.yaml and the manifest said it kept every constraint."""
    if not result.feasible:
        return []   # said already: no candidate kept them
    return [str(c) for c in result.constraints if not _kept_on_fresh_seeds(result, c)]


def spend_cap_note(result: OptimizeResult) -> str:
    """A constraint on the reward spend holds on the mean over replicates; the design
    itself does not stop spending there. Carried on to `refsim sensitivity`, a winner
    'within $50k' spent more than that at most of the points, with nothing to say so."""
    caps = [c for c in result.constraints if c.op == "<=" and c.metric in ("reward_cost", "program_cost")]
    scenario = result.best_scenario
    incentive = getattr(getattr(scenario, "program", None), "incentive", None)
    if not caps or incentive is None or getattr(incentive, "kind", "none") == "none":
        return ""   # no cap, or no rewards
    cap = caps[0]
    budget = getattr(incentive, "budget", None)
    if budget is not None and budget <= cap.limit:
        return ""   # a budget that already stops the rewards within the cap (an $80,000 budget above a $50,000 cap did not)
    if not _kept_on_fresh_seeds(result, cap):
        return ""   # the cap itself broken on fresh seeds: the report says so
    if cap.metric == "reward_cost" and spend_cap(scenario)[0] <= cap.limit:
        return ""   # the monthly allowance cannot add up to more than the cap within the horizon
    limit = f"{cap.limit:.15g}"
    has = "no total budget" if budget is None else f"a total budget of {budget:,.0f}, above it"
    said = (f"`{cap}` holds on the mean over the replicates; the design has {has}, so a launch (or another "
            f"assumption: `refsim sensitivity ... --constraint '{cap}'` says how often) can spend more."
            f"{_owed_beside(result, cap)}")
    binds = "(a budget that binds changes the outcome, and holds the rewards owed too)"
    if cap.metric == "program_cost":
        # program_cost is rewards and levers, and a budget holds the rewards only: "set budget: 9000" was advised where
        # 8,000 of the 8,800 were influencers' fees and the rewards about 800
        levers = _levers_cost(result)
        if levers is None:
            return (f"{said} A budget holds the rewards only, the levers' costs in program_cost go on: to keep "
                    f"program_cost within {cap.limit:,.0f}, set `program.incentive.budget` in best.yaml to "
                    f"{cap.limit:,.0f} less what the levers cost (program_cost less reward_cost in a run of it) and run "
                    f"it again {binds}.")
        room = cap.limit - levers
        if room <= 0:
            return (f"{said} The levers alone cost {fmt(levers)} on its fresh seeds, at or above the cap: no rewards "
                    f"budget keeps program_cost within {cap.limit:,.0f}.")
        return (f"{said} A budget holds the rewards only, the levers' costs go on ({fmt(levers)} on its fresh seeds: "
                f"program_cost less reward_cost): to keep program_cost within {cap.limit:,.0f}, set "
                f"`program.incentive.budget: {room:.15g}` in best.yaml and run it again {binds}.")
    return (f"{said} To stop the rewards at {cap.limit:,.0f}, set `program.incentive.budget: {limit}` in best.yaml "
            f"and run it again {binds}.")


def _winner_means(result: OptimizeResult) -> pd.Series:
    """The winner's mean of each metric on its fresh seeds (winner_rows), by metric; empty
    without a re-run."""
    rows = winner_rows(getattr(result, "confirmation", pd.DataFrame()), getattr(result, "best_trial", None))
    return rows.set_index("metric")["mean"] if len(rows) and "metric" in rows else pd.Series(dtype=float)


def _levers_cost(result: OptimizeResult) -> float | None:
    """What the winner's levers cost on its fresh seeds (program_cost less reward_cost), or
    None where its re-run kept either figure out."""
    means = _winner_means(result)
    if "program_cost" not in means or "reward_cost" not in means:
        return None
    levers = float(means["program_cost"]) - float(means["reward_cost"])
    return round(levers, 2) if math.isfinite(levers) else None


def _owed_beside(result: OptimizeResult, cap) -> str:
    """What the winner still owes at the horizon on its fresh seeds, beside a cap on the
    spend paid (the cap counts the rewards paid by the horizon; those earned and not yet
    paid are spend committed, which incremental_value counts): a winner 'within $50k'
    committed 51,195 on average."""
    by_metric = _winner_means(result)
    if "rewards_owed" not in by_metric or cap.metric not in by_metric:
        return ""
    owed, paid = float(by_metric["rewards_owed"]), float(by_metric[cap.metric])
    if not (owed > 0 and math.isfinite(paid)):
        return ""
    committed = paid + owed
    over = f", above the {cap.limit:,.0f}" if committed > cap.limit else ""
    return (f" It counts what is paid by the horizon: on its fresh seeds the winner also owes {fmt(owed)} at the end "
            f"(`rewards_owed`: earned, not yet paid, which `incremental_value` counts), {fmt(committed)} committed in "
            f"all{over}.")


def budget_bound_note(result: OptimizeResult) -> str:
    """A cap on reward_cost at or above the winner's total budget, or its monthly allowance
    over the months begun, rules nothing out: the budget stops the spend there. 'It keeps
    every constraint' then hid that the winner's budget ran out on day 64 of 365, its
    rewards ending there with $3,838 earned unpaid."""

    incentive = getattr(getattr(result.best_scenario, "program", None), "incentive", None)
    cap, by = spend_cap(result.best_scenario, list(result.best or {}))
    if not by:
        return ""   # no budget, or only ones the search varies (a cap below some of their values binds)
    caps = [c for c in result.constraints if c.held_by_budget(cap)]
    if not caps:
        return ""
    if by == "allowance":
        return (f"`{caps[0]}` cannot fail: the monthly allowance ({incentive.budget_per_month:,.0f} a month, "
                f"{cap:,.0f} over the {months_begun(result.best_scenario.days)} months begun) stops the reward spend "
                f"there, so it rules no design out. A design whose allowance binds is limited by the months its "
                f"rewards pause; vary `program.incentive.budget_per_month` to see what a larger one buys.")
    confirmation = winner_rows(result.confirmation, result.best_trial)
    row = confirmation[confirmation["metric"] == "budget_exhausted_day"]
    ran_out = int(row["n"].iloc[0]) if len(row) else 0
    runs = confirmation_runs(confirmation)
    # paid on qualification the rewards reserved before it are still paid: what ends is the offer
    rewards = "its offer of rewards" if reserves(incentive) else "its rewards"
    ends = (f"{rewards} end{'s' if reserves(incentive) else ''}" if incentive.on_budget_exhausted == "rewards_only"
            else f"{rewards} and asks end")
    when = (f"; the winner's ran out on day {row['mean'].iloc[0]:.0f}{' on average' if ran_out > 1 else ''}, in "
            f"{ran_out} of {runs} fresh-seed runs" if ran_out else "")
    # paid on qualification the budget reserves each referral's rewards as it is made, so it leaves about nothing
    # earned unpaid: a constraint on rewards_unpaid, the advice for a budget counted on payment, rules nothing out
    keep = ("Paid on qualification the budget reserves what each referral will cost as it is made, so it leaves "
            "nothing its referrals earned unpaid: rank such designs on the value, which counts the days after it "
            "ran out, and vary `program.incentive.budget` to see what a larger one buys."
            if reserves(incentive) else
            "To keep only designs whose budget pays every reward their referrals earn (after the horizon too, on "
            "every run), add `--constraint rewards_unpaid<=0`.")
    return (f"`{caps[0]}` cannot fail: the total budget ({cap:,.0f}) stops the reward spend there, so it rules no "
            f"design out. A design that spends its budget early is limited by the day it runs out, when {ends}{when}. "
            + keep)


#: Metrics every run has a value of (a day that never came counts as the day after the horizon): a bound on one of
#: them holds in every run; a ratio (incremental_cac, K, an ROI, a share of no adopters) can be undefined, and so can
#: equity with no churn and no discounting (infinite): that breaks any constraint on it.
ALWAYS_DEFINED = frozenset({"customers_final", "adopters", "referred_customers", "word_of_mouth_customers", "reward_cost",
                            "fraud_cost", "program_cost", "rewards_owed", "rewards_unpaid", "fake_accounts",
                            "non_qualifying_signups", "pipeline_rewards_beyond_budget", "payback_day",
                            "budget_exhausted_day"})


def unbinding_note(result: OptimizeResult) -> str:
    """Constraints no run can break, each with why, as one sentence: a ceiling at or past
    what the metric can be (`payback_day<=400` on a 365-day horizon,
    where a payback that never came counts as day 366, `customers_final<=5000` on 2,000
    people) or a floor at or below its least (`reward_cost>=0`). Each passed unsaid, the
    report saying the winner "keeps every constraint", where a floor past a metric's most
    is refused and a spend cap above a total budget is said (budget_bound_note)."""
    from ..evaluation import DAY_METRICS, PEOPLE_METRICS, ceiling
    from ..metrics import METRIC_BOUNDS

    base = result.best_scenario
    if base is None:
        return ""
    varied = list(result.best or {})
    said = []
    for constraint in result.constraints:
        if constraint.metric not in ALWAYS_DEFINED:
            continue   # undefined in every run (no extra customer for incremental_cac), a mean breaks it all the same
        low, high = METRIC_BOUNDS.get(constraint.metric, (-math.inf, math.inf))
        why = ""
        if constraint.op == "<=" and constraint.limit >= high:
            why = f"{constraint.metric} is at most {high:g} in every run"
        elif constraint.op == ">=" and constraint.limit <= low:
            why = f"{constraint.metric} is at least {low:g} in every run"
        elif constraint.op == "<=" and constraint.metric in DAY_METRICS and "days" not in varied \
                and constraint.limit >= base.days + 1:
            why = (f"the horizon is {base.days} days, and a run where the day never came counts as day "
                   f"{base.days + 1}")
        elif constraint.op == "<=" and constraint.metric in PEOPLE_METRICS \
                and not any(key.startswith("population.") for key in varied) \
                and constraint.limit >= ceiling(base, constraint.metric):
            why = f"{constraint.metric} is at most {ceiling(base, constraint.metric):,.0f} people in every run"
        if why:
            said.append(f"`{constraint}` ({why})")
    if not said:
        return ""
    one = len(said) == 1
    return (f"{'; '.join(said)} cannot fail, so {'it rules' if one else 'they rule'} no design out: the winner keeping "
            f"{'it' if one else 'them'} says nothing. Give a limit some design can break.")


def _value(value) -> str:
    # a null choice, None, is NaN in the trials table: both as --vary and --set take it back ('None', 'nan' refused)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    return choice_text(value)   # false, as --vary and YAML write it, not Python's False


def convergence_plot(result: OptimizeResult, path: Path) -> Path:
    """Each trial's objective mean (dot size: its replicates; hollow: it keeps the
    constraints on its mean but not at the top of its interval), the best so far among
    the trials the winner is taken from (``Study.candidates``: on the highest rung
    reached, those that keep the constraints at the top of their interval, or on the
    mean when none does or the winner is one of those), and the winner the study confirmed (where no trial kept the
    constraints, the one breaking them least, named so)."""
    objective = result.objectives[0]
    trials = result.trials
    fig, ax = plt.subplots(figsize=(9.5, 4))
    done = trials[trials["state"] == "COMPLETE"] if len(trials) else trials
    if len(done):
        column = f"{objective.metric}_mean"
        feasible = done["feasible"].astype(bool)
        safe = feasible & done["feasible_upper"].astype(bool) if "feasible_upper" in done else feasible
        size = 8 + 4 * done["replicates"].to_numpy(dtype=float)
        if safe.any():   # no entry in the legend for what is not drawn (no trial kept the constraints)
            ax.scatter(done.loc[safe, "trial"], done.loc[safe, column], s=size[safe.to_numpy()], alpha=0.6,
                       label="trial (keeps the constraints)")
        edge = feasible & ~safe   # on its mean, not at the top of its interval: the winner is taken among the others first
        if edge.any():
            ax.scatter(done.loc[edge, "trial"], done.loc[edge, column], s=size[edge.to_numpy()], facecolors="none",
                       edgecolors="tab:blue", label="trial (keeps them on its mean only)")
        if (~feasible).any():
            ax.scatter(done.loc[~feasible, "trial"], done.loc[~feasible, column], s=size[~feasible.to_numpy()], marker="x",
                       color="tab:red", alpha=0.6, label="trial (breaks a constraint)")
        # only the trials the winner is taken from count (as in the Leading trials table); the
        # line holds its level through the others
        # the candidates as the study takes them (optimize.in_the_order_chosen): the highest rung, with lower-rung
        # trials that keep the constraints at the far end of their intervals and do better (it drew the top rung's
        # trials alone, through trials the winner was not taken from, far above its star)
        top = done["trial"].isin(in_the_order_chosen(done, objective, tuple(getattr(result, "constraints", ()) or ()))["trial"])
        # the winner's own tier: one taken from those keeping the constraints on the mean only (the safer ones broke
        # them on fresh seeds) stood above a line drawn from the safer tier, 'best so far (the winner's tier)'
        mine = done["trial"] == result.best_trial
        if mine.any() and bool(feasible[mine].iloc[0]) and not bool(safe[mine].iloc[0]):
            counted = top & feasible
        else:
            counted = top & safe if (top & safe).any() else top & feasible
        signed = (objective.sign * done[column].where(counted)).cummax().ffill()
        best = objective.sign * signed
        # a line needs two trials: one counted on the last trial drew a lone point, named in the legend with no line
        if best.notna().sum() > 1:
            ax.step(done["trial"], best, where="post", color="black", label="best so far (the winner's tier)")
        chosen = done[done["trial"] == result.best_trial]
        if len(chosen):
            # no trial kept the constraints: the one shown breaks them least ('winner' over a red x, where report.md
            # and the console say no trial kept them)
            who = "winner" if bool(chosen["feasible"].iloc[0]) else "breaks them least"
            ax.scatter(chosen["trial"], chosen[column], marker="*", s=160, color="tab:orange", edgecolors="black",
                       zorder=3, label=f"{who} (trial {int(result.best_trial)}), in the search")
            # what report.md and the console give: the search's mean flatters the trial it picked (a winner drawn at
            # 161,900 stood for 114,000 on fresh seeds), so the figure shows the fresh-seed mean and interval too
            fresh = winner_rows(getattr(result, "confirmation", pd.DataFrame()), result.best_trial)
            fresh = fresh[fresh["metric"] == objective.metric] if len(fresh) else fresh
            if len(fresh) and np.isfinite(float(fresh["mean"].iloc[0])):
                row = fresh.iloc[0]
                mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
                spread = ({"yerr": [[mean - low], [high - mean]], "capsize": 4}
                          if np.isfinite(low) and np.isfinite(high) else {})
                ax.errorbar([float(chosen["trial"].iloc[0]) + 0.3], [mean], fmt="D", color="tab:orange",
                            markeredgecolor="black", ms=6, zorder=3, **spread,
                            label=f"{who} on {confirmation_runs(fresh)} fresh seeds (mean, 95% interval"
                                  + (f"; the day came in {int(row['n'])})" if int(row["n"]) < confirmation_runs(fresh)
                                     else ")"))
    ax.set(xlabel="trial", ylabel=axis_label(objective.metric, " (mean over replicates)"),
           title=f"Search for the best {objective.metric} (dot size: replicates)")
    ax.grid(alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # trials are whole: 20 of them were ticked 2.5, 7.5, ...
    if len(done) and done["trial"].max() - done["trial"].min() < 2:   # under 2 apart the locator falls back to 0.04s
        ax.set_xticks(sorted(int(t) for t in done["trial"].unique()))
    # beside the axes: inside, the legend hid the trials under it (trial 19 of the docs' study); none where no trial
    # completed (matplotlib warned "No artists with labels" on the console)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return save(fig, path)


def empty_front_note(result: OptimizeResult) -> str:
    """Two objectives and no trial keeping the constraints: no front, and the winner is the
    one breaking them least, its first objective alone weighed ('' otherwise). Every
    trial broke a constraint, and the report still opened on 'a Pareto front' with no word
    that none was found."""
    if len(result.objectives) != 2 or (result.pareto is not None and len(result.pareto)) or not len(result.trials):
        return ""
    if not len(done := result.trials[result.trials["state"] == "COMPLETE"]):
        return ""
    first, second = result.objectives
    return (f"No trial kept the constraints, so there is no front: no trade-off between {first.metric} and "
            f"{second.metric} was found. The winner is the candidate breaking them least on its fresh seeds, the "
            f"candidates taken as a search of {first.metric} alone takes them ({second.metric} does not weigh in); "
            f"all {len(done)} trials are in trials.csv and pareto.png. Widen the constraints, or search elsewhere, "
            f"before reading a trade-off from this study.")


def pareto_plot(result: OptimizeResult, path: Path) -> Path:
    """Two objectives: every trial, the non-dominated front among those that keep the
    constraints, each at its means over the first rung's replicates, the seeds every trial
    ran and the front is found on (optimize.front_trials). At each trial's mean over its
    own replicates, a front member promoted to more of them was drawn behind the star it
    had not been beaten by, and a trial left on 2 replicates stood beyond the front. A
    trial breaking a constraint is an x; where none keeps them, the star is named as the
    trial breaking them least."""
    first, second = result.objectives
    trials = result.trials
    fig, ax = plt.subplots(figsize=(7, 4.5))
    done = trials[trials["state"] == "COMPLETE"] if len(trials) else trials
    on_rung0 = all(f"{o.metric}_rung0_mean" in done.columns for o in (first, second))
    where = ((", one replicate each" if result.rungs[0] == 1 else f", mean over the first {result.rungs[0]} replicates")
             if result.rungs else ", mean over the first rung's replicates") \
        if on_rung0 else ""
    if len(done):
        column = "rung0_mean" if on_rung0 else "mean"
        x, y = f"{first.metric}_{column}", f"{second.metric}_{column}"
        # as convergence.png: a trial breaking a constraint is an x, and where none keeps them the star is the trial
        # breaking them least (every trial drawn alike, a 'chosen' star beaten on both axes and an empty front's entry)
        feasible = done["feasible"].astype(bool) if "feasible" in done else pd.Series(True, index=done.index)
        if feasible.any():
            ax.scatter(done.loc[feasible, x], done.loc[feasible, y], alpha=0.4, label="trial (keeps the constraints)"
                       if (~feasible).any() else "trial")
        if (~feasible).any():
            ax.scatter(done.loc[~feasible, x], done.loc[~feasible, y], marker="x", color="tab:red", alpha=0.6,
                       label="trial (breaks a constraint over its replicates)")
        if "pareto" in done and done["pareto"].astype(bool).any():
            front = done[done["pareto"].astype(bool)].sort_values(x)
            ax.plot(front[x], front[y], "o-", color="tab:red", label="Pareto front")
        if result.best_trial is not None:
            best = done[done["trial"] == result.best_trial]
            kept = bool(feasible[best.index].all()) if len(best) else True
            ax.scatter(best[x], best[y], marker="*", s=200, color="black", zorder=5,
                       label="chosen" if kept else "breaks them least, re-run")
        # a constraint on an objective as a line: x marks under a reward_cost<=6000 cap (broken over all their
        # replicates, drawn at their first-rung means) read as a cap drawn wrong, with no cap to see
        for c in getattr(result, "constraints", ()) or ():
            draw = ax.axvline if c.metric == first.metric else ax.axhline if c.metric == second.metric else None
            if draw is not None:
                draw(c.limit, color="tab:red", linestyle="--", linewidth=1, label=f"constraint {c}")
    # two lines each: the y label of a long metric with its unit and its way was cut at both ends of the figure
    ax.set(xlabel=axis_label(first.metric, f"\n({first.direction}{where})"),
           ylabel=axis_label(second.metric, f"\n({second.direction}{where})"),
           title="Trade-off between the two objectives (every trial on the same seeds)" if on_rung0 else
           "Trade-off between the two objectives")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, path)


def _budget_lines(confirmation, runs: int, incentive, days: int) -> list[str]:
    """When the winner has a budget: in how many fresh-seed runs it ran out, and on which
    day on average (a design that spends its budget in September pays nothing after). A
    monthly allowance has no day it runs out: what it does, how much of it the fresh-seed
    runs used and what they still owed at the end are said (as run says them), beside the
    total budget's lines where it has one too."""
    allowance = _allowance_text(confirmation, incentive, days)
    if getattr(incentive, "budget", None) is None:
        if getattr(incentive, "budget_per_month", None) is None:
            return []
        # without the fresh seeds' reward_cost (a study resumed from before it was kept): what the allowance does
        return ["", allowance or f"It has a monthly allowance ({incentive.budget_per_month:,.0f} a month) and no "
                                 f"total budget: " + MONTHLY_PAUSE]
    return [*_total_budget_lines(confirmation, runs, incentive), *(["", allowance] if allowance else [])]


def _allowance_text(confirmation, incentive, days: int) -> str:
    """allowance_sentence of the winner's fresh-seed runs ('' without a monthly allowance,
    or without their reward_cost): their mean reward spend and rewards still owed."""
    means = (confirmation.set_index("metric")["mean"] if len(confirmation) and "mean" in confirmation
             else pd.Series(dtype=float))
    if getattr(incentive, "budget_per_month", None) is None or "reward_cost" not in means:
        return ""
    frame = pd.DataFrame({m: [float(means[m])] for m in ("reward_cost", "rewards_owed") if m in means})
    return allowance_sentence(frame, incentive, days, its="On the fresh seeds its")


def _total_budget_lines(confirmation, runs: int, incentive) -> list[str]:
    """_budget_lines of a total budget: in how many fresh-seed runs it ran out, on which
    day, how much of it was used and what was earned beyond it."""
    row = confirmation[confirmation["metric"] == "budget_exhausted_day"]
    if not len(row):
        return []
    row = row.iloc[0]
    ran_out = int(row["n"])
    unpaid = confirmation[confirmation["metric"] == "rewards_unpaid"]
    # beside 'never ran out' 'earned beyond it' read as a contradiction: those are rewards due after the horizon
    # beyond what is left of the budget then
    # paid on qualification the rewards reserved before it ran out are paid when due: what is unpaid was reserved
    # within it (a tier reached since), not earned beyond it
    reserving = reserves(incentive)
    beyond_what = ("that fall due after the last day, beyond what is left of it then," if int(row["n"]) == 0
                   else "that it left unpaid" if reserving else "beyond it")
    beyond = (f" Rewards the referrals earned {beyond_what} cost {fmt(float(unpaid.iloc[0]['mean']))} on average "
              f"(`rewards_unpaid`), charged to the value all the same." if len(unpaid) and unpaid.iloc[0]["mean"] > 0
              else "")
    spend = confirmation[confirmation["metric"] == "reward_cost"]
    most = float(spend.iloc[0]["max"]) if len(spend) and "max" in spend.columns else math.nan
    used = (budget_used_text(float(spend.iloc[0]["mean"]), most, incentive.budget, "fresh-seed run",
                             committed=budget_commits(incentive))
            + " (a budget that never binds does not tell designs apart)" if len(spend) else "")
    if ran_out == 0:
        return ["", f"Its budget never ran out in the {runs} fresh-seed runs{used}." + beyond]
    # one run that ran out has no interval of its day (it read "95% interval nan–nan")
    spread = (f" (95% interval {row['ci_low']:.0f}–{row['ci_high']:.0f})" if ran_out > 1 and math.isfinite(row["ci_low"])
              else "")
    # how much of it the rewards used, as when it never ran out (docs/decide.md): only the day was said
    # over all the runs, those it never ran out in too, said so beside the day's mean over those it did
    paid = (f"; by the last day the rewards paid {fmt(float(spend.iloc[0]['mean']))} of its "
            f"{fmt(float(incentive.budget))} on average over {'all ' if runs > 2 else 'both ' if runs == 2 else ''}"
            f"{counted(runs, 'run')}"
            + (" (paid on qualification, a reward is reserved when its referral is made and paid when due, after the "
               "last day for some)" if reserving else "")
            if len(spend) and math.isfinite(float(spend.iloc[0]["mean"])) else "")
    return ["", f"**Its budget ran out in {ran_out} of the {runs} fresh-seed runs**, on day {row['mean']:.0f}"
                f"{' on average' if ran_out > 1 else ''}{spread}{paid}: "
                + ("no new reward is offered after it (those reserved before it are paid as they fall due"
                   + paced_text(incentive, present=True)
                   + "), "
                   if reserving else f"no new reward is offered after it ({DEFERRED_PAID}), "
                   if getattr(incentive, "budget_per_month", None) is not None else "no reward is paid after it, ")
                + ("and customers are still asked, unrewarded (`on_budget_exhausted: rewards_only`)."
                   if incentive.on_budget_exhausted == "rewards_only" else
                   "and nobody is asked either (`on_budget_exhausted: end_program`).") + beyond]


def _runs_cell(row: dict) -> str:
    """The table's runs: those where the metric is defined, of those made where fewer (a
    payback that came in 18 of the 20 runs read '18', the 2 others unsaid)."""
    made = row.get("runs", math.nan)
    made = int(made) if made == made else int(row["n"])
    return f"{int(row['n'])} of {made}" if int(row["n"]) < made else f"{int(row['n'])}"


def fresh_seed_lines(result: OptimizeResult, confirmation) -> list[str]:
    """What the winner's fresh-seed figure needs beside it (report.md, and the console):
    for a day objective that did not come in every fresh run, its mean counted as the
    search counts it; for a cost per extra customer undefined in some, that the search
    ranked the runs where it is defined; and where the fresh seeds fall short of the
    search's interval, the search's figure (a trial at 10,612 (8,211–13,013) in the
    Leading trials table was 7,684 on fresh seeds, 28% less, with nothing linking the two)."""
    if len(result.objectives) != 1 or not len(result.trials):
        return []
    objective = result.objectives[0]
    rows = result.trials[result.trials["trial"] == result.best_trial]
    fresh = confirmation[confirmation["metric"] == objective.metric]
    if not len(rows) or not len(fresh):
        return []
    row, mean = rows.iloc[0], float(fresh["mean"].iloc[0])
    lines = []
    made = confirmation_runs(fresh) if "n" in fresh else 0   # a table built by hand may lack the counts
    if made and objective.metric in DAY_METRICS and "mean_all_runs" in fresh and int(fresh["n"].iloc[0]) < made:
        # the search ranks a day counting a run where it never came as the day after the horizon; the table's mean is
        # over the runs where it came: 15.2 'in 18 of 18' stood beside the search's 15.4, where the same count gave 31.8
        mean = float(fresh["mean_all_runs"].iloc[0])
        came = int(fresh["n"].iloc[0])
        lines += ["", f"On the fresh seeds the day came in {came} of {made} runs: the table's mean is over those; "
                      f"counting the other {made - came} as day {result.best_scenario.days + 1}, as the search ranks "
                      f"`{objective.metric}`, the mean is {fmt(mean)}."]
    elif made and objective.metric in UNDEFINED_IS_WORST and int(fresh["n"].iloc[0]) < made:
        # a 1-cent reward won on incremental_cac over the runs where it was defined, undefined in 2 of 20, where sweep
        # and compare rank a design with undefined runs below one defined in all
        lines += ["", f"`{objective.metric}` is undefined in {made - int(fresh['n'].iloc[0])} of the {made} fresh-seed "
                      f"runs (the program added no customer there): the search ranks each trial on the runs where it "
                      f"is defined, where refsim compare and sweep rank a design with such runs below one defined in "
                      f"every run. Compare the winner with a design that adds customers in every run before choosing."]
    searched, low, high = (float(row.get(f"{objective.metric}_{k}", math.nan)) for k in ("mean", "ci_low", "ci_high"))
    worse = mean < low if objective.direction == "maximize" else mean > high
    if not (math.isfinite(searched) and math.isfinite(low) and math.isfinite(high) and worse):
        return lines
    found = _level_with_winner(result)
    # every trial level with the winner: nothing was chosen, so nothing was flattered; the winner's curse was blamed
    # for a gap that was the shared search seeds' luck (8 budgets above any spend, all scoring 1,342,607). So it was
    # where the only trials apart from it scored well below its interval (a budget that ran out): no close choice
    luck = "the search's seeds, which every trial shared, were luckier than the fresh ones"
    why = "the best of many trials is flattered by the seeds it was chosen on (the winner's curse)"
    trials = result.trials
    completed = int((trials["state"] == "COMPLETE").sum()) if "state" in trials else len(trials)
    if completed < 2:   # one trial ran to the end: nothing was chosen ('--trials 1' blamed the winner's curse)
        why = ("it was the only trial that completed, so no choice flattered it: the search's seeds were luckier "
               "than the fresh ones")
    elif found is not None:
        done, same, _ = found
        apart = done.loc[~same, f"{objective.metric}_mean"].to_numpy(float) \
            if f"{objective.metric}_mean" in done else np.array([])
        close = (apart >= low) if objective.direction == "maximize" else (apart <= high)
        if bool(same.all()):
            why = f"every trial scored the same there, so no choice flattered it: {luck}"
        elif not close.any():
            why = (f"every trial that scored otherwise fell outside its interval, so no close choice flattered it: "
                   f"{luck}")
    return lines + ["", f"In the search it scored {fmt(searched)} on `{objective.metric}` (95% interval "
                        f"{span_text(low, high)} over its {int(row['replicates'])} replicates), against {fmt(mean)} on "
                        f"the fresh seeds: {why}. The fresh-seed figure is the one to expect at launch."]


def judged_day_notes(result: OptimizeResult) -> list[str]:
    """For each constraint on a day (a budget's, a payback's) that did not come in every
    fresh-seed run, the figure it is judged on: the table's mean is over the runs where it
    came (122.5, 'ran out in 8 of 20'), the constraint's over all of them, a day that never
    came counted as the day after the horizon (157.6). 'It keeps budget_exhausted_day>=150'
    beside 122.5 read as a contradiction. A winner chosen among several candidates is
    judged on the seeds it was chosen on (round 0) and shown on further ones (round 1):
    both are given, as the first version quoted round 1's as the one judged."""
    if not result.constraints or result.best_trial is None or not len(result.confirmation):
        return []
    mine = result.confirmation[result.confirmation["trial"] == result.best_trial]
    if "round" not in mine:
        mine = mine.assign(round=0)
    runs = mine.groupby("round")["runs" if "runs" in mine else "n"].max()   # the runs each round made
    days = result.best_scenario.days
    notes = []
    for constraint in result.constraints:
        rows = mine[mine["metric"] == constraint.metric].sort_values("round").to_dict("records")
        if constraint.metric not in DAY_METRICS or not rows or all(r["n"] >= runs[r["round"]] for r in rows):
            continue   # the day came in every run: the mean given is the one judged
        first, last = rows[0], rows[-1]
        chosen = " the winner was chosen on" if len(rows) > 1 else ""
        text = (f"`{constraint}` is judged on {fmt(first['mean_all_runs'])}: the mean over all {runs[first['round']]} "
                f"fresh-seed runs{chosen}, a run where the day never came counted as day {days + 1}")
        if len(rows) > 1:
            text += f" (on the {runs[last['round']]} further seeds the figures are from: {fmt(last['mean_all_runs'])})"
        came = (f"the mean of {fmt(last['mean'])} given for it is over the {int(last['n'])} runs where it came"
                if last["n"] else "it came in none of the runs the figures are from")
        notes.append(f"{text}; {came}.")
    return notes


def _horizon_lines(confirmation, runs: int, days: int) -> list[str]:
    """The winner's cash within the horizon, beside a value that counts the equity of the
    customers still active at its end: a winner valued at $48k was $6k down in cash over
    the year, which only `refsim compare` showed."""
    rows = confirmation.set_index("metric")
    if "incremental_profit" not in rows.index or "payback_day" not in rows.index:
        return []
    profit, payback = rows.loc["incremental_profit"], rows.loc["payback_day"]
    paid_back = int(payback["n"])
    when = (f"it does not pay back within the horizon in any of the {runs} runs" if paid_back == 0 else
            f"it pays back (cumulative incremental profit stays ≥ 0) from day {payback['mean']:.0f}"
            f"{' on average' if paid_back > 1 else ''}, in {paid_back} of the {runs} runs")
    rest = (": the rest of its value is the equity of the customers still active at the end, which rests on how long "
            "they stay (`churn`)" if paid_back < runs or profit["mean"] < 0 else "")
    return ["", f"Within the {days}-day horizon its incremental profit (cash, against no program) is "
                f"{fmt(profit['mean'])} (95% interval {fmt(profit['ci_low'])} – {fmt(profit['ci_high'])}), and {when}{rest}."]


def random_start_note(result: OptimizeResult, settings: OptimizeSettings, parameters: Sequence[Parameter]) -> str:
    """Where every trial of a one-objective study was TPE's random start: the search
    itself never ran, and the winner is the best of that many random draws (10 trials at
    the default startup_trials 10 read 'with TPE', their winner at 48.73 where 30 trials
    found 4.74). None where the trials try every design."""
    if len(result.objectives) != 1 or every_design_tried(settings, parameters) or not len(result.trials):
        return ""
    if len(result.trials) > settings.startup_trials:
        return ""
    return (f"All {len(result.trials)} trials were the search's random start (`startup_trials` "
            f"{settings.startup_trials}): TPE, which steers later trials towards the best so far, never ran, so the "
            f"winner is the best of {len(result.trials)} random draws; give more trials than {settings.startup_trials} "
            f"for a search.")


def no_program_beats_note(result: OptimizeResult) -> str:
    """Where the winner's value against its no-program twin is below 0 on fresh seeds, its
    whole interval: no design tried beats running no program, which neither the console
    nor report.md said (a winner at -1,349, CI -1,617 to -1,081, read as a design to
    launch); and where its interval holds 0, that it is not told apart from running no
    program (a winner at -610, CI -2,377 to 1,157, was crowned without a word)."""
    first = result.objectives[0] if result.objectives else None
    if first is None or first.metric not in ("incremental_value", "incremental_profit") or first.direction != "maximize":
        return ""
    rows = winner_rows(result.confirmation, result.best_trial)
    rows = rows[rows["metric"] == first.metric] if len(rows) else rows
    if not len(rows) or not rows.iloc[0]["ci_low"] <= 0 or not math.isfinite(rows.iloc[0]["ci_high"]):
        return ""
    row = rows.iloc[0]
    if row["ci_high"] >= 0:
        return (f"The best design found is not told apart from running no program (`{first.metric}` {fmt(row['mean'])}, "
                f"95% interval {span_text(row['ci_low'], row['ci_high'])} on {int(row['n'])} fresh seeds): within these "
                f"ranges no design tried is shown to add value over having no program. Compare the winner with no "
                f"program on more replicates (`refsim compare`) before launching it.")
    return (f"The best design found loses value against running no program (`{first.metric}` {fmt(row['mean'])}, "
            f"95% interval {span_text(row['ci_low'], row['ci_high'])} on {int(row['n'])} fresh seeds): within these "
            f"ranges no design tried beats having no program. Widen the ranges (a reward of 0 among them), or compare "
            f"the winner with no program before launching anything.")


def optimize_markdown(result: OptimizeResult, base: Scenario, parameters: list[Parameter], settings: OptimizeSettings,
                      figures: list[Path], sets: list[str] | None = None, set_notes: list[str] | None = None,
                      set_via: str = "--set") -> str:
    trials = result.trials
    complete = int((trials["state"] == "COMPLETE").sum()) if len(trials) else 0
    failed = int((trials["state"] == "FAIL").sum()) if len(trials) else 0
    method = "NSGA-II (two objectives: a Pareto front)" if len(result.objectives) == 2 else "TPE"
    lines = [
        f"# Optimisation of {base.name}",
        "",
        f"{len(trials)} trials ({complete} complete, {failed} failed) with {method}, study seed {result.seed}"
        + (f" ({settings.trials} were asked for: every key takes a few values and there are only {len(trials)} designs, "
           f"so more would repeat them on the same seeds)" if trial_count(settings, parameters) < settings.trials
           else "") + ". "
        "Every trial ran on the same replicate seeds (common random numbers); "
        + (f"replicates were added by successive halving on rungs of {', '.join(map(str, result.rungs))} (the top "
           f"1/{settings.eta} of a rung moves up). " if len(result.rungs) > 1 else
           f"every trial ran {result.rungs[0]} replicates (every design is tried once, so all are compared on the same "
           f"replicates: no successive halving). " if every_design_tried(settings, parameters) else
           f"every trial ran {result.rungs[0]} replicates (max_replicates leaves no room for more: no successive "
           f"halving). ") +
        _rerun_text(result, settings),
        "",
        # a fit calibrate flagged: compare's report said so, optimize's crowned a design on it in silence
        *(line for note in flagged_fit_notes([base]) for line in (f"**Warning:** {note}.", "")),
        *study_set_lines(sets, 1, set_notes, set_via),
        "| varied | range |", "|---|---|",
        *[f"| {p.key} | {p.describe().split(' in ', 1)[1]} |" for p in parameters],
        *(["", note] if (note := payment_delay_note(base, parameters)) else []),
        *(line for note in study_default_notes(base, [p.key for p in parameters]) for line in ("", note)),
        *(["", note] if (note := study_world_note([p.key for p in parameters], base=base)) else []),
        *(["", note] if (note := unpriced_size_note([p.key for p in parameters])) else []),
        *(["", note] if (note := study_twin_note([p.key for p in parameters])) else []),
        *(["", note] if (note := study_horizon_note(base, parameters)) else []),
        *(["", note] if (note := study_non_qualifying_note(
            base, {p.key: list(p.choices) if p.kind == "categorical" else None for p in parameters})) else []),
        *(line for note in kind_default_notes(base, parameters) for line in ("", note)),
        *(["", note] if (note := varied_degree_note(base, parameters)) else []),
        "",
        "Objectives: " + ", ".join(f"**{o.metric}** ({o.direction})" for o in result.objectives)
        + ". Constraints (on the mean over replicates): " + (", ".join(f"`{c}`" for c in result.constraints) or "none") + ".",
        "",
        "## Best design",
        "",
    ]
    if result.best is None:
        lines.append("No trial completed; see the `error` column of trials.csv.")
    else:
        lines += [f"Trial {result.best_trial}: " + ", ".join(f"`{k}` = {_value(v)}" for k, v in result.best.items()) + ".", ""]
        for note in (no_program_beats_note(result), random_start_note(result, settings, parameters)):
            if note:
                lines += [note, ""]
        if unused := unused_keys_note(result):
            lines += [unused, ""]
        if edge := range_edge_note(result, parameters, base):
            lines += [edge, ""]
        if untried := untried_end_note(result, parameters):
            lines += [untried, ""]
        if tie_note(result):
            lines += [tie_note(result), ""]
        if alone := spend_alone_note(result.objectives, result.constraints, quote="`"):
            lines += [alone + ".", ""]
        missing = untried_choices(trials, parameters)
        if missing:
            lines += [untried_text(missing, len(trials)), ""]
        if result.constraints:
            lines += [constraints_line(result), ""]
            if ruled_out := ruled_out_note(result):
                lines += [ruled_out, ""]
        if judged := judged_day_notes(result):
            lines += [" ".join(judged), ""]
        confirmation = winner_rows(result.confirmation, result.best_trial)
        candidates = chosen_rows(result.confirmation)["trial"].nunique() if len(chosen_rows(result.confirmation)) else 0
        if candidates > 1:
            broken = broken_on_further_seeds(result)
            lines += [f"It was chosen among {candidates} candidates re-run on the same {settings.confirm_replicates} fresh "
                      f"seeds; chosen as the best of several there, its figures on them are flattered, so those below "
                      f"are from {settings.confirm_replicates} further seeds none of them was chosen on (`round` 1 in "
                      f"confirmation.csv)."
                      + (f" On these it breaks {', '.join(f'`{b}`' for b in broken)}, which it kept on the seeds it was "
                         f"chosen on: it sits at the edge; compare it with the runner-up before launching." if broken else ""),
                      ""]
        lines += ["| metric | mean on fresh seeds | 95% interval of the mean | 2.5–97.5% of runs | runs | meaning |",
                  "|---|---|---|---|---|---|"]
        for row in confirmation.to_dict("records"):
            lines.append(f"| {row['metric']} | {fmt(row['mean'])} | {span_text(row['ci_low'], row['ci_high'])} | "
                         f"{span_text(row['p2_5'], row['p97_5'])} | {_runs_cell(row)} | {METRIC_TEXT.get(row['metric'], '')} |")
        lines += fresh_seed_lines(result, confirmation)
        lines += _horizon_lines(confirmation, settings.confirm_replicates, result.best_scenario.days)
        lines += _budget_lines(confirmation, settings.confirm_replicates, result.best_scenario.program.incentive,
                               result.best_scenario.days)
        for note in (spend_cap_note(result), budget_bound_note(result), unbinding_note(result)):
            if note:
                lines += ["", note]
        lines += ["", "best.yaml holds this design as a full scenario: `refsim run best.yaml`."]
    if note := empty_front_note(result):
        lines += ["", "## Pareto front", "", note]
    if result.pareto is not None and len(result.pareto):
        first, second = result.objectives
        chosen_on = chosen_rows(result.confirmation)   # the seeds every member re-run shares (the winner's further seeds are above)
        fresh = chosen_on.pivot(index="trial", columns="metric", values="mean") if len(chosen_on) else pd.DataFrame()

        def on_fresh(trial: int, metric: str) -> str:
            return fmt(fresh.loc[trial, metric]) if trial in fresh.index and metric in fresh.columns else "–"

        lines += ["", "## Pareto front", "",
                  f"Trials no other trial beats on both {first.metric} and {second.metric} (keeping the constraints) "
                  f"on the first {result.rungs[0]} replicates, which every trial ran on the same seeds (the first two "
                  f"columns of figures); then the mean over each trial's own replicates, which can cross (a member "
                  f"promoted to more replicates may read beaten by another on its own), and, for the members re-run, on "
                  f"{result.confirmation['n'].max() if len(result.confirmation) else 0} fresh seeds: the search's "
                  f"few replicates flatter the members it picked, the fresh seeds do not. The best design is the "
                  f"member re-run with the best {first.metric} on fresh seeds.", "",
                  "| trial | " + " | ".join(p.key for p in parameters)
                  + f" | {first.metric} on the first {result.rungs[0]} | {second.metric} on the first {result.rungs[0]} "
                  f"| {first.metric} | {second.metric} | replicates "
                  f"| {first.metric} on fresh seeds | {second.metric} on fresh seeds |",
                  "|---" * (len(parameters) + 8) + "|"]
        rung0 = result.trials.set_index("trial")

        def first_rung(trial: int, metric: str) -> str:   # the means the front is drawn on, every trial on these seeds
            column = f"{metric}_rung0_mean"
            return fmt(rung0.loc[trial, column]) if column in rung0.columns and trial in rung0.index else "–"

        for row in result.pareto.to_dict("records"):
            # the front is drawn on the first rung's means: beside each trial's own mean over more replicates, two
            # members read as beating the winner on both columns under a heading saying none does
            lines.append(f"| {row['trial']} | " + " | ".join(_value(row[p.key]) for p in parameters)
                         + f" | {first_rung(row['trial'], first.metric)} | {first_rung(row['trial'], second.metric)}"
                         + f" | {fmt(row[f'{first.metric}_mean'])} | {fmt(row[f'{second.metric}_mean'])} | {row['replicates']} "
                         f"| {on_fresh(row['trial'], first.metric)} | {on_fresh(row['trial'], second.metric)} |")
        if note := front_copies_note(result, [p.key for p in parameters]):
            lines += ["", note]
        if near := front_close(result, parameters):
            lines += ["", f"**Not told apart from the winner on {first.metric}** at 95%: "
                          + "; ".join(near) + f". The winner is the front's best on {first.metric} alone: "
                          + FRONT_CLOSE_ADVICE + "."]
    choices = _by_choice(result, parameters)
    if choices:
        lines += ["", "## Each choice", "",
                  f"The best trial of each choice on the first {result.rungs[0]} replicates, which every trial ran on "
                  f"the same seeds (so the choices are compared on the same luck), best first"
                  + (" (with constraints: a choice's best trial that keeps them on those replicates, and the choices "
                     "whose trials all break one last)" if result.constraints else "") + ". The winner is chosen "
                  "among the trials that reached the most replicates, so on these few it need not lead"
                  + (". The winner − it column is measured " + weighed_on(result) + " where the choice's best was "
                     "re-run there, which its interval says (\"fresh seeds\"): on the search's seeds the winner was "
                     "chosen for its luck there, which would flatter it; a choice whose best breaks a constraint on "
                     "the first rung's replicates is weighed on those (\"replicates\")" if _fresh(result) else "")
                  + ". To tell close choices apart, run them side by side with `refsim compare`.", "", *choices]
        close, better = close_choices(result, parameters)
        if close:
            lines += ["", f"**Not told apart from the winner at 95%**, {weighed_on(result)}: "
                      + "; ".join(close) + ". Run them side by side with `refsim compare` and more replicates before "
                      "choosing between them."]
        if better:
            lines += ["", f"**Ahead of the winner at 95%** {weighed_on(result)}, keeping the constraints on the "
                      "search's replicates: " + "; ".join(better) + ". " + _ahead_why(result)
                      + ": compare them with `refsim compare` before launching the winner."]
    top = _top_trials(result, parameters)
    if top:
        lines += ["", "## Leading trials", "", leading_intro(result, top), "", *top]
        if near := close_trials(result, parameters):
            lines += ["", f"**Not told apart from the winner at 95%**, {weighed_on(result)}: "
                      + "; ".join(near) + ". The search ranks them on its few replicates: run them side by side "
                      "with `refsim compare` and more replicates before choosing between them."]
        if better := ahead_trials(result, parameters):
            lines += ["", f"**Ahead of the winner at 95%** {weighed_on(result)}: " + "; ".join(better) + ". "
                      + _ahead_why(result) + ": compare them with `refsim compare` before launching the winner."]
    # only the files written: with no completed trial there is no confirmation.csv and no best.yaml
    rerun = "confirmation.csv (fresh-seed re-runs), " if len(result.confirmation) else ""
    best = "best.yaml, " if result.best_scenario is not None else ""
    lines += ["", "## Files", "",
              "trials.csv (one row per trial: values, replicates, mean and 95% interval of every objective and constraint metric, feasibility), "
              f"{rerun}{best}optuna.sqlite3 (the resumable study), manifest.json.",
              "", "## Figures", "", *figure_links(figures)]
    return "\n".join(lines) + "\n"


def untried_choices(trials, parameters: list[Parameter]) -> dict[str, list]:
    """Per categorical key, the choices no completed trial took: a winner among the
    others says nothing about them."""
    done = trials[trials["state"] == "COMPLETE"] if len(trials) else trials
    missing = {}
    for p in parameters:
        if p.kind == "categorical":
            left = [c for c in p.choices if not len(done) or not _takes(done[p.key], c).any()]
            if left:
                missing[p.key] = left
    return missing


def untried_text(missing: dict[str, list], trials: int) -> str:
    """One sentence naming the choices never tried, and what to do."""
    named = "; ".join(f"`{key}` = " + ", ".join(map(_value, choices)) for key, choices in missing.items())
    return (f"**Not every choice was tried** in {trials} trials: {named} never ran, so the winner is the best of the "
            f"others only. Add trials (the start counts through every choice first) or run the choices side by side "
            f"with `refsim compare`.")


def key_name(key: str, others: Sequence[str] = ()) -> str:
    """A varied key as a trial's values name it: its last part, or its last two where that
    is a list's index (`program.timing.days.0` read "0=52"), or as many more as tell it from
    the ``others`` varied beside it (`program.timing.kind` and `program.incentive.kind`
    both read "kind=")."""
    parts = key.split(".")
    size = 2 if parts[-1].isdigit() and len(parts) > 1 else 1
    while size < len(parts) and any(o != key and o.split(".")[-size:] == parts[-size:] for o in others):
        size += 1
    return ".".join(parts[-size:])


def winner_against(result: OptimizeResult, trial: int) -> dict[str, float] | None:
    """The winner's paired difference from ``trial`` on the first objective (winner − it),
    each replicate on the same seed (compare.paired_difference), with ``n`` and ``fresh``:
    on the fresh seeds of the winner's re-run where the study re-ran ``trial`` there
    (versus_runs: the winner was chosen on the search's seeds, its luck there flattering
    it), else over the search's replicates both ran; None where they share fewer than two."""
    from ..compare import paired_difference

    versus = getattr(result, "versus_runs", None) or {}
    fresh = result.best_trial in versus and trial in versus
    runs = versus if fresh else result.runs
    mine, theirs = runs.get(result.best_trial, []), runs.get(trial, [])
    n = min(len(mine), len(theirs))
    if result.best_trial is None or trial == result.best_trial or n < 2:
        return None
    difference = paired_difference(np.asarray(theirs[:n]), np.asarray(mine[:n]))
    return {**difference, "n": difference["n_pairs"], "fresh": fresh}   # pairs where both are defined


#: The Each choice column's heading where the rivals were re-run: a row not re-run (a choice whose best breaks a
#: constraint on the first rung) keeps the search's replicates, as its interval says.
WHERE_RE_RUN = "on the winner's fresh seeds where re-run, else over the replicates both ran"


def _fresh(result: OptimizeResult) -> bool:
    """Whether the winner was re-run beside its rivals on fresh seeds (versus_runs)."""
    return result.best_trial in (getattr(result, "versus_runs", None) or {})


def _ahead_why(result: OptimizeResult) -> str:
    """Why a choice ahead of the winner was not chosen, as a sentence."""
    if _fresh(result):
        return ("The winner led on the search's few replicates, where it was chosen, or on the far ends of its "
                "constraint intervals")
    return ("The winner was chosen on its fresh-seed re-run and the far ends of its constraint intervals, or these "
            "never reached its rung")


def weighed_on(result: OptimizeResult) -> str:
    """Where the winner's differences from its rivals are measured, as a sentence part."""
    if _fresh(result):
        return (f"on {len(result.versus_runs[result.best_trial])} fresh seeds none of them was chosen on (the winner's "
                f"{'further ' if getattr(result, 'versus_round', 0) else ''}re-run)")
    return "on the replicates both ran (the same seeds)"


def ahead(result: OptimizeResult, difference: dict[str, float]) -> int:
    """1: the winner ahead of the other at 95% (the interval of winner − it on the better
    side of 0); -1: the other ahead of the winner; 0: not told apart."""
    low, high = difference["diff_ci_low"], difference["diff_ci_high"]
    better, worse = (low > 0, high < 0) if result.objectives[0].sign > 0 else (high < 0, low > 0)
    return 1 if better else -1 if worse else 0


def _versus_text(difference: dict[str, float] | None) -> str:
    if difference is None or not math.isfinite(difference["diff_ci_low"]):
        return "–"
    where = "fresh seeds" if difference.get("fresh") else "replicates"
    return (f"{fmt(difference['diff_mean'])} ({fmt(difference['diff_ci_low'])} to {fmt(difference['diff_ci_high'])}, "
            f"{difference['n']} {where})")


def close_choices(result: OptimizeResult, parameters: list[Parameter]) -> tuple[list[str], list[str]]:
    """The other choices (each by its best trial, keeping the constraints on the first
    rung's replicates) that the winner is not told apart from at 95%, and those ahead of
    it, on the replicates both ran on the same seeds: 'best: onboarding' read as a verdict
    where at_purchase's difference from it held 0 (paired over 560 replicates, at_purchase
    was in fact the better by about 3,000). Each as 'key=choice (trial n): winner − it ...'.
    A choice ahead of the winner there lost on its fresh-seed re-run or its constraint
    intervals, or never reached the winner's rung."""
    found = _choice_bests(result, parameters)
    if found is None or result.best is None:
        return [], []
    close, better, named = [], [], set()
    for key, rows in found[0].items():
        for choice, _, best in rows:
            if best is None or int(best["trial"]) == result.best_trial or not best["_keeps"]:
                continue   # untried, the winner itself, or breaking a constraint there: not one to weigh against it
            # the winner's own choice's best, where another trial: its row read "–" and, short of the top rung, it was
            # named nowhere (8 shared replicates, 211.5, -435 to 858)
            difference = winner_against(result, int(best["trial"]))
            if difference is None or not math.isfinite(difference["diff_ci_low"]):
                continue
            if result.constraints and not bool(best.get("feasible", True)):
                # kept on the first rung's replicates, broken over all it ran, the replicates the difference is over:
                # 'ahead of the winner ..., keeping the constraints there' named a choice at incremental_cac 13.0
                # against a cap of 12 on its 4 replicates, which the same report listed among those ruled out
                continue
            if difference["diff_ci_low"] == difference["diff_ci_high"] == 0 and int(best["trial"]) in level_trials(result):
                continue   # the very runs of the winner: a tie the note on trials that scored the same names, which
                # no more replicates resolve ('run them side by side ... and more replicates' was said of it); one
                # level on the objective only (a constraint metric differs) is not in that note and stays listed
            if int(best["trial"]) in named:
                continue   # one trial, the best of a choice of two keys: one rival, named once (it was named twice)
            named.add(int(best["trial"]))
            own = ", the winner's choice" if result.best.get(key) == choice else ""
            text = f"{key}={_value(choice)} (trial {int(best['trial'])}{own}): winner − it {_versus_text(difference)}"
            side = ahead(result, difference)
            if side == 0:
                close.append(text)
            elif side < 0:
                better.append(text)
    return close, better


def close_trials(result: OptimizeResult, parameters: list[Parameter], count: int = 3) -> list[str]:
    """The leading trials (as the Leading trials table orders them, keeping every
    constraint at the far end of its interval) that the winner is not told apart from at
    95% (winner_against: on its fresh seeds where they were re-run there), ``count`` at
    most, each as 'trial n (key=value, ...): winner − it ...'. Number ranges had no such
    line where categorical choices had one: a reward pair at 18,500 was "best" beside
    another at 15,430 whose paired difference from it held 0 (−1,530 to 7,671 over 16
    seeds), and an independent compare had them the other way round."""
    return [text for text, side in _weighed_trials(result, parameters) if side == 0][:count]


def ahead_trials(result: OptimizeResult, parameters: list[Parameter], count: int = 3) -> list[str]:
    """The leading trials ahead of the winner at 95% on its fresh seeds (close_trials'
    test): trial 10 led the winner by 4,630 (2,258 to 7,003) there, under its cap, and
    was named nowhere (the Each choice section says this of a choice)."""
    return [text for text, side in _weighed_trials(result, parameters) if side < 0][:count]


def _weighed_trials(result: OptimizeResult, parameters: list[Parameter]) -> list[tuple[str, int]]:
    """close_trials' and ahead_trials' leading trials, each as its text and
    :func:`ahead`'s side, in the table's order, one per design."""
    trials = result.trials
    if result.best_trial is None or not len(trials) or len(result.objectives) != 1:
        return []
    done = trials[trials["state"] == "COMPLETE"]
    ordered = in_the_order_chosen(done, result.objectives[0], result.constraints)
    if "feasible_upper" in ordered:
        ordered = ordered[ordered["feasible_upper"].astype(bool)]
    level = level_trials(result)
    # a choice's best trial is weighed in the Each choice section already: named twice, one pair read as two findings
    # (those close_choices weighs: the winner's own choice's best among them, where it is another trial)
    found = _choice_bests(result, parameters)
    weighed = {int(best["trial"]) for rows in (found[0].values() if found else ()) for _, _, best in rows
               if best is not None and best["_keeps"] and int(best["trial"]) != result.best_trial}
    found, named = [], set()
    for row in ordered.head(TOP_ROWS).to_dict("records"):
        trial = int(row["trial"])
        difference = winner_against(result, trial)
        if difference is None or not math.isfinite(difference["diff_ci_low"]) or trial in level or trial in weighed:
            continue   # the winner itself, too few shared runs, a tie tie_note names, or a choice's best
        if not difference.get("fresh") and _settled_on_fresh_seeds(result, trial):
            continue   # its re-run on the candidates' fresh seeds told them apart (on the winner's own, the paired
            # difference above is the test: the candidates' seeds are those a winner chosen among them was chosen on)
        values = ", ".join(f"{key_name(p.key, [q.key for q in parameters])}={_value(row[p.key])}" for p in parameters)
        if values in named:
            continue   # a trial repeating a design named already: the same runs, one rival (two took two of 3 slots)
        named.add(values)
        found.append((f"trial {trial} ({values}): winner − it {_versus_text(difference)}", ahead(result, difference)))
    return found


def front_close(result: OptimizeResult, parameters: list[Parameter]) -> list[str]:
    """Two objectives: the other members of the Pareto front the winner (the member best on
    the first objective on fresh seeds) is not told apart from at 95% on that objective,
    each with its second objective beside the winner's: a $51.82 reward was named best,
    without a word, beside a $37.45 one whose value differed from it by 291 (-6,034 to
    6,617) and which spent 932 less (318 to 1,547). Told apart on the fresh seeds every
    re-run member shares (``fresh_runs``), which the winner was chosen on (on the search's
    few replicates, members those seeds told apart were named, and one they did not was
    left out); a member not re-run, on the replicates both ran in the search. Every such
    member, the best on the second objective first. close_trials says this of one objective."""
    from ..compare import paired_difference
    from ..evaluation import never_after_horizon

    if result.best_trial is None or result.pareto is None or len(result.objectives) != 2 or not len(result.pareto):
        return []
    first, second = result.objectives
    fresh = getattr(result, "fresh_runs", {}) or {}
    days = getattr(result.best_scenario, "days", None)
    trials = result.trials.set_index("trial")

    def counted(trial: int, metric: str) -> np.ndarray:   # a day that never came: the day after the horizon
        values = fresh[trial][metric]
        return np.array([never_after_horizon(float(v), metric, days) if days else float(v) for v in values])

    mine = fresh.get(result.best_trial)
    copies = [f"{o.metric}_rung0_mean" for o in result.objectives]
    winner_key = _front_key(trials.loc[result.best_trial], copies) if result.best_trial in trials.index else None
    own = {p.key: trials.loc[result.best_trial, p.key] for p in parameters if p.key in trials.columns}
    # the designs re-run on fresh seeds, by their values and by their means on the shared seeds
    rerun = [t for t in fresh if t in trials.index]
    rerun_keys = {_front_key(trials.loc[t], copies) for t in rerun}
    rerun_values = [{p.key: trials.loc[t, p.key] for p in parameters if p.key in trials.columns} for t in rerun]
    close = []
    for row in result.pareto.to_dict("records"):
        trial = int(row["trial"])
        if trial == result.best_trial or (own and all(row.get(key) == value for key, value in own.items())):
            continue   # the winner, or a trial of its very values (one design, said above): no rival to itself
        if winner_key is not None and _front_key(row, copies) == winner_key:
            continue   # the same means of both objectives on the shared seeds: one design (front_copies_note)
        if trial not in fresh and ((key := _front_key(row, copies)) is not None and key in rerun_keys or any(
                values and all(row.get(key) == value for key, value in values.items()) for values in rerun_values)):
            # a copy of a member re-run on fresh seeds, which judge that design: trial 3 was called not told apart on
            # the search's seeds while its copy, trial 11, was told apart on the fresh ones
            continue
        on_fresh = mine is not None and trial in fresh and first.metric in mine and first.metric in fresh[trial]
        if on_fresh:
            found = paired_difference(counted(trial, first.metric), counted(result.best_trial, first.metric))
            difference = {**found, "n": found["n_pairs"]}
        else:
            difference = winner_against(result, trial)
        if difference is None or not math.isfinite(difference["diff_ci_low"]) or ahead(result, difference) != 0:
            continue
        if on_fresh and second.metric in mine and second.metric in fresh[trial]:
            theirs, ours = (float(np.nanmean(counted(t, second.metric))) for t in (trial, result.best_trial))
            where = f"on the {difference['n']} fresh seeds the front's members were re-run on"
            if second.metric in DAY_METRICS:   # 205.2 here beside the table's 198.9 for the same seeds, unexplained
                where += (" (a seed on which the day never came counted as the day after the horizon; the Pareto "
                          "table's fresh-seed column averages those on which it came)")
            versus = f"{fmt(difference['diff_mean'])} ({fmt(difference['diff_ci_low'])} to {fmt(difference['diff_ci_high'])})"
        elif f"{second.metric}_rung0_mean" in trials.columns and result.rungs:
            # on the first rung's replicates, which both ran on the same seeds: each trial's mean over its own
            # replicates set a copy of the winner on 2 seeds "cheaper" (2,580) than the winner on 4 (2,818)
            theirs, ours = (float(trials.loc[t, f"{second.metric}_rung0_mean"]) for t in (trial, result.best_trial))
            where = f"on the search's first {result.rungs[0]} replicates, which both ran (it was not re-run)"
            versus = _versus_text(difference)
        else:
            theirs, ours = (float(trials.loc[t, f"{second.metric}_mean"]) for t in (trial, result.best_trial))
            where = "over the search's replicates (it was not re-run)"
            versus = _versus_text(difference)
        values = ", ".join(f"{key_name(p.key, [q.key for q in parameters])}={_value(row[p.key])}" for p in parameters)
        close.append((theirs, f"trial {trial} ({values}): winner − it on {first.metric} {versus}; its {second.metric} "
                              f"{fmt(theirs)} against the winner's {fmt(ours)}, {where}"))
    # every one, the best on the second objective first: the first three by the first objective were named and the
    # member 41% cheaper than the winner, not told apart from it, was cut, the trade-off a front exists to show
    better = 1.0 if second.direction == "minimize" else -1.0
    return [text for _, text in sorted(close, key=lambda pair: better * pair[0] if math.isfinite(pair[0]) else math.inf)]


FRONT_CLOSE_ADVICE = ("choose between them on the second objective (the Pareto front; the winner's figures above are "
                      "from further seeds none was chosen on), or run them side by side with refsim compare and more "
                      "replicates")


def _by_choice(result: OptimizeResult, parameters: list[Parameter]) -> list[str]:
    """Per categorical key and choice: its completed trials and its best trial on the
    first rung's replicates, which every trial ran on the same seeds (a mean over a
    winner's 16 replicates against another choice's 2 would compare luck), the winner's
    paired difference from it over the replicates both ran, and the replicates it reached."""
    found = _choice_bests(result, parameters)
    if found is None:
        return []
    bests, constrained = found
    objective = result.objectives[0]
    first = f"{objective.metric}_rung0_mean"
    lines = [f"| key | choice | trials | best trial | its {objective.metric} on the first {result.rungs[0]} replicates | "
             + ("keeps the constraints there | " if constrained else "")
             + f"winner − it {WHERE_RE_RUN if _fresh(result) else 'over the replicates both ran'} "
             "(95% interval) | replicates it reached |",
             "|---|---|---|---|---|" + ("---|" if constrained else "") + "---|---|"]
    for key, found_rows in bests.items():
        rows, untried = [], []
        for choice, count, best in found_rows:
            if best is None:
                untried.append(f"| {key} | {_value(choice)} | 0 | never tried | – | " + ("– | " if constrained else "") + "– | – |")
                continue
            won = " (the winner's)" if result.best is not None and result.best.get(key) == choice else ""
            kept = ("yes | " if best["_keeps"] else "no | ") if constrained else ""
            versus = "–" if int(best["trial"]) == result.best_trial else _versus_text(winner_against(result, int(best["trial"])))
            if versus != "–" and result.constraints and not bool(best.get("feasible", True)):
                # kept on the first rung's replicates, broken over all it ran: a 95% lead over the winner beside "keeps
                # the constraints there: yes" read as a better design within the cap, and no note said otherwise
                versus += " (breaks a constraint over its replicates)"
            rows.append(((bool(best["_keeps"]), objective.sign * best[first]),
                         f"| {key} | {_value(choice)}{won} | {count} | {best['trial']} | {fmt(best[first])} | {kept}"
                         f"{versus} | {best['replicates']} |"))
        # best first on the shared seeds (those keeping the constraints first); a mean over a trial's own later
        # replicates is left out: it covers other seeds than another choice's, and read beside it compared luck
        lines += [line for _, line in sorted(rows, key=lambda r: (not r[0][0], -r[0][1]))] + untried
    return lines


#: A winner's value within this share of its range's width from an end is "at the end".
EDGE_SHARE = 0.02


def range_edge_note(result: OptimizeResult, parameters: list[Parameter], base: Scenario | None = None) -> str:
    """The winner's numeric values at an end of the range searched, as a sentence: a
    referrer reward of 0.04047 in 0-60 read as a considered 4 cents, where the search
    says the less the better up to the edge (the best may lie at the edge itself, or
    beyond the range). Within EDGE_SHARE of the width (on the log scale for a log range).
    With ``base``, an end that is as far as the key goes (a reward of 0, a probability of
    1: nothing valid lies beyond it) is said as that, not with "widen it past that end".
    Where the trials doing better than the winner on the (first) objective all lie away
    from the end and broke a constraint (:func:`_bound_by`), the constraint is named as
    what holds the winner there: a reward of 0.75 in 0-60 under reward_cost<=1000 was said
    to be where "the search found the objective better", where larger rewards did better
    and spent past the cap."""
    from ..parameters import reads

    if hasattr(result, "trials") and (level := _level_with_winner(result)) is not None and level[1].all():
        return ""   # every trial scored the same: no end is better (tie_note says so), "found it better" was false
    ends, walls, bound, exact = [], [], [], []
    winner = getattr(result, "best_scenario", None)
    for p in parameters:
        value = (result.best or {}).get(p.key)
        if p.kind == "categorical" or p.low is None or p.high is None or not isinstance(value, (int, float)) \
                or isinstance(value, bool) or p.high <= p.low:
            continue
        # no key of the winner, or one it does not read (reminders' fatigue with none sent): its value was no finding;
        # read on the winner's own values (with the reminders' count varied too, every fatigue counted as read)
        if winner is not None and not reads(winner, p.key):
            continue
        if p.kind == "int" and p.high - p.low < 4:   # a few whole numbers: every winner would be "at an end"
            continue
        scale = (lambda x: math.log(x)) if p.log and p.low > 0 else (lambda x: float(x))
        where = (scale(value) - scale(p.low)) / (scale(p.high) - scale(p.low))
        if where <= EDGE_SHARE or where >= 1 - EDGE_SHARE:
            end = "low" if where <= EDGE_SHARE else "high"
            at = f"`{p.key}` = {_value(value)} is at the {end} end of its range ({_value(p.low)}–{_value(p.high)})"
            if (unbound := _unbound_budget(result, p)) is not None:
                # a budget that never ran out changed nothing: "the search found value better towards that end ...
                # widen it" of a $19,965 budget spending $7,000 beside "it never ran out" in the same report
                bound.append(f"{at}, but it never ran out in the winner's {unbound} fresh-seed runs: it did not bind, "
                             f"so where it lies in the range is the search's chance, not a finding (any budget above "
                             f"what the rewards spent runs the same).")
                continue
            # no candidate kept the constraints: none can be what holds the winner there (said below)
            kept_any = not (getattr(result, "constraints", None) and getattr(result, "feasible", True) is False)
            if kept_any and (binding := _bound_by(result, p, value, end, [q for q in parameters if q is not p])):
                bound.append(_bound_text(at, value, end, *binding, objective=_objective_words(result)))
                continue
            ends.append(at)
            exact.append(value == (p.low if end == "low" else p.high))   # the end itself: no copy set to it to compare
            # tried on the winner where it has one: a key of a kind the base file lacks (a milestone's reach_share
            # from an onboarding file) is refused by the base at any value, and read as 'as far as the key goes'
            within = winner if winner is not None else base
            walls.append(base is not None and not _room_beyond(within, p, end))
    if not ends:
        return " ".join(bound)
    # with two objectives best.yaml is the first one's best point of the front: name the objective it is best on
    objective = _objective_words(result)
    if getattr(result, "constraints", None) and getattr(result, "feasible", True) is False:
        # the winner is the candidate that broke the constraints least, not the best on the objective
        said = ("; ".join(ends) + ": no candidate kept every constraint, so the winner is the one that broke them "
                f"least, not the best on {objective}, and the end is where they were broken least; relax a "
                "constraint or search other keys to find a design that keeps them.")
    elif all(walls) and all(exact):
        # "compare the end value with the winner (... a copy set to it)" of a winner at the end: best.yaml is that copy
        said = ("; ".join(ends) + (", as far as the key goes" if len(ends) == 1 else ", each as far as its key goes")
                + f": the search found {objective} better towards that end and chose the end itself, beyond which "
                  "nothing is valid.")
    elif all(walls):   # nothing to widen: 'widen it past that end' of a reward of 0 asked for a negative reward
        said = ("; ".join(ends) + (", as far as the key goes" if len(ends) == 1 else ", each as far as its key goes")
                + f": the search found {objective} better towards that end, so the best may be the end itself; "
                  "compare the end value with the winner (`refsim compare` on best.yaml and a copy set to it).")
    else:
        said = ("; ".join(ends) + f": the search found {objective} better towards that end, so the best may be the end "
                "itself or beyond the range; widen it past that end" + (" where the key goes further" if any(walls) else "")
                + ("." if all(exact) else
                   ", or compare the end value with the winner (`refsim compare` on best.yaml and a copy set to it)."))
    return " ".join([said, *bound])


def _unbound_budget(result: OptimizeResult, parameter: Parameter) -> int | None:
    """For a total budget (``program.incentive.budget``) the winner's fresh-seed runs never
    ran out of: how many runs those were; None otherwise (another key, no fresh runs, or
    a budget that ran out in some)."""
    if parameter.key != "program.incentive.budget":
        return None
    days = (getattr(result, "fresh_runs", None) or {}).get(getattr(result, "best_trial", None), {}).get("budget_exhausted_day")
    if days is None or not len(days):
        return None
    days = np.asarray(days, dtype=float)
    return len(days) if not np.isfinite(days).any() else None


#: The share of a range's width left untried beyond a winner that is the search's last value on that side, from
#: which the report says the search cannot tell whether going further does better.
UNTRIED_SHARE = 0.1


def untried_end_note(result: OptimizeResult, parameters: list[Parameter]) -> str:
    """The winner's numeric values that are the lowest (highest) any completed trial
    tried, with a tenth or more of the range below (above) them never tried: a referrer
    reward that won at 6.2 in 0-60, where no trial went under 6.2, was read as the best
    reward, where the search only showed that less did better as far as it went.
    range_edge_note speaks for a winner at an end itself."""
    from ..parameters import reads

    trials, winner = getattr(result, "trials", None), getattr(result, "best_scenario", None)
    if trials is None or not len(trials) or "state" not in trials:
        return ""
    if (level := _level_with_winner(result)) is not None and level[1].all():
        return ""   # every trial scored the same: no side does better
    done = trials[trials["state"] == "COMPLETE"]
    said = []
    for p in parameters:
        value = (result.best or {}).get(p.key)
        if p.kind == "categorical" or p.low is None or p.high is None or p.high <= p.low or p.key not in done \
                or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if winner is not None and not reads(winner, p.key):
            continue
        tried = pd.to_numeric(done[p.key], errors="coerce").dropna()
        if tried.nunique() < 2:   # one value tried throughout: no side was searched, and nothing was found
            continue
        scale = (lambda x: math.log(x)) if p.log and p.low > 0 else (lambda x: float(x))
        width = scale(p.high) - scale(p.low)
        where = (scale(value) - scale(p.low)) / width
        if where <= EDGE_SHARE or where >= 1 - EDGE_SHARE:
            continue   # at an end: range_edge_note says so
        for end, last, gap in (("low", tried.min(), where), ("high", tried.max(), 1 - where)):
            # whole numbers: the winner itself was tried ("4-6 was never tried" of a count of 4 tried thrice), and
            # the share is of the values (5 and 6 of 0..6: 2 of 7), not of the width
            step = 1 if p.kind == "int" else 0
            if step:
                gap = ((value - p.low) if end == "low" else (p.high - value)) / (p.high - p.low + 1)
            if value == last and gap >= UNTRIED_SHARE:
                first, final = (p.low, value - step) if end == "low" else (value + step, p.high)
                span = _value(first) if first == final else f"{_value(first)}–{_value(final)}"
                on_log = " on its log scale" if p.log and p.low > 0 else ""
                said.append(f"`{p.key}` = {_value(value)} is the {'lowest' if end == 'low' else 'highest'} value any "
                            f"trial tried: nothing {'below' if end == 'low' else 'above'} it ({span}, {gap:.0%} of its "
                            f"range{on_log}) was, so the search cannot say whether {'less' if end == 'low' else 'more'} "
                            f"does better")
    if not said:
        return ""
    return ("; ".join(said) + ". Give more trials (`--trials`), or compare a value beyond it with the winner "
            "(`refsim compare` on best.yaml and a copy set to it).")


def _objective_words(result) -> str:
    return (f"`{result.objectives[0].metric}` (the first objective: best.yaml is the point of the front best on it)"
            if len(result.objectives) > 1 else "the objective")


#: How near, as a share of its range's width, a rival's other varied key is to the winner's for the rival to
#: show what one key does: a referee reward "bound" by a cap that a rival broke with 4 times the referrer reward.
NEAR_SHARE = 0.1


def _alike(done: pd.DataFrame, winner: pd.Series, others) -> pd.Series:
    """Which trials of ``done`` are near the ``winner``'s trial in each of the ``others``
    varied keys: the same choice, or within NEAR_SHARE of a numeric range's width (on
    the log scale for a log range)."""
    alike = pd.Series(True, index=done.index)
    for q in others:
        if q.key not in done:
            continue
        mine = winner[q.key]
        if q.kind == "categorical" or q.low is None or q.high is None or q.high <= q.low:
            alike &= done[q.key].astype(str) == str(mine)
            continue
        scale = np.log if q.log and q.low > 0 else (lambda x: x)
        theirs = pd.to_numeric(done[q.key], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(scale(theirs) - scale(float(mine))) / (scale(q.high) - scale(q.low))
        alike &= gap <= NEAR_SHARE
    return alike


def _bound_by(result, parameter: Parameter, value: float, end: str,
              others=()) -> tuple[list[str], float] | None:
    """The constraints that hold a winner at ``end`` of ``parameter``'s range: every
    complete trial beyond the winner (away from that end) with a better mean of the
    first objective broke a constraint at the far end of its interval, as the winner is
    chosen (on their means where the table has no such column: the note said the
    objective was better towards the end while every trial beyond did better and broke
    the cap at the far end, keeping it on its mean). Only trials near the winner in the
    ``others`` varied keys (:func:`_alike`) count: one that broke the cap with four times
    the winner's referrer reward said nothing of the referee reward at its low end.
    Returns those constraints and the nearest such trial's value; None where there is no
    such trial, where one kept the constraints, or where the result carries no trial
    table."""
    trials, constraints = getattr(result, "trials", None), tuple(getattr(result, "constraints", ()) or ())
    objective = result.objectives[0]
    column = f"{objective.metric}_mean"
    if trials is None or not len(trials) or not constraints or parameter.key not in trials or column not in trials:
        return None
    done = trials[trials["state"] == "COMPLETE"]
    mine = done.loc[done["trial"] == getattr(result, "best_trial", None), column]
    if not len(mine):
        return None
    values = pd.to_numeric(done[parameter.key], errors="coerce")
    beyond = values > value if end == "low" else values < value
    better = objective.sign * (done[column] - float(mine.iloc[0])) > 0
    rivals = done[beyond & better & _alike(done, done.loc[mine.index[0]], others)]
    safe = "feasible_upper" if "feasible_upper" in rivals else "feasible"
    if not len(rivals) or rivals[safe].astype(bool).any():
        return None
    # only a constraint the winner keeps can be what holds it there: under reward_cost<=50 where every reward
    # spent past 50, the winner at the low end was said to sit "where reward_cost<=50 binds"
    kept = [c for c in constraints if c.excess(float(done.loc[mine.index, f"{c.metric}_mean"].iloc[0])) <= 0]
    # nor one the winner's own budget holds (a cap on reward_cost at or above it): no value of this key can break it
    # there, so a rival breaking it did so with its larger budget. A winner at budget 1,702 under reward_cost<=2000 was
    # said to sit at its low referrer reward "where the cap binds", by a rival with a budget of 2,195
    budget = getattr(getattr(getattr(getattr(result, "best_scenario", None), "program", None), "incentive", None),
                     "budget", None)
    kept = [c for c in kept if not c.held_by_budget(budget)]
    def worst(row, c):
        end = row.get(f"{c.metric}_ci_high" if c.op == "<=" else f"{c.metric}_ci_low", math.nan)
        return float(end) if safe == "feasible_upper" and math.isfinite(float(end)) else float(row[f"{c.metric}_mean"])
    broken = [str(c) for c in kept if any(c.excess(worst(r, c)) > 0 for _, r in rivals.iterrows())]
    if not broken:
        return None
    nearest = values[rivals.index].min() if end == "low" else values[rivals.index].max()
    return broken, float(nearest)


def _bound_text(at: str, value: float, end: str, broken: list[str], nearest: float, objective: str) -> str:
    names = " and ".join(f"`{c}`" for c in broken)
    side = "above" if end == "low" else "below"
    that = "that constraint" if len(broken) == 1 else "one of those constraints"
    return (f"{at}: the winner sits where {names} bind{'s' if len(broken) == 1 else ''}: the trials {side} it did better "
            f"on {objective} but broke {that}, at least at the far end of its interval (the nearest at "
            f"{_value(nearest)}), so the end is where the constraint "
            f"stops the search, not where {objective} is best; a search between {_value(value)} and {_value(nearest)} "
            "finds where it binds more closely, and relaxing the constraint shows what it costs.")


def unused_keys_note(result: OptimizeResult) -> str:
    """The winner's varied keys that are no keys of it (a milestone's reach_share where
    the winning trial asks at onboarding): their values, printed beside the others,
    changed nothing in it."""
    from ..parameters import applies

    scenario = result.best_scenario
    if scenario is None or not result.best:
        return ""
    unused = [key for key in result.best if not applies(scenario, key)]
    if not unused:
        return ""
    listed = ", ".join(f"`{key}`" for key in unused)
    return (f"{listed} {'is no key' if len(unused) == 1 else 'are no keys'} of the winning design (its kind of that block "
            f"lacks {'it' if len(unused) == 1 else 'them'}): the value{'' if len(unused) == 1 else 's'} above changed "
            f"nothing in it, and best.yaml leaves {'it' if len(unused) == 1 else 'them'} out.")


def _room_beyond(base: Scenario, parameter: Parameter, end: str) -> bool:
    """Whether the key takes a value just past ``end`` of the parameter's range."""
    from ..errors import ScenarioError
    from ..parameters import apply_values

    edge = parameter.low if end == "low" else parameter.high
    # whole numbers: the next two (a ring's even degree: 13 past 12 is odd and refused, 14 is not)
    steps = (1, 2) if parameter.kind == "int" else (max(abs(edge), parameter.high - parameter.low) * 1e-6,)
    for step in steps:
        beyond = edge - step if end == "low" else edge + step
        if parameter.kind == "int":
            beyond = int(beyond)
        if parameter.log and beyond <= 0:
            continue
        try:
            apply_values(base, {parameter.key: beyond}, parameters=[parameter])
        except ScenarioError:
            continue
        return True
    return False


def _level_with_winner(result: OptimizeResult) -> tuple[pd.DataFrame, pd.Series, list[str]] | None:
    """The completed trials, which of them are level with the winner on the first rung
    (the same objective and constraint-metric means there, two missing means alike) and
    those columns; None where tie_note has nothing to say (several objectives, no
    winner, fewer than two completed trials)."""
    trials = result.trials
    if result.best_trial is None or len(result.objectives) != 1 or not len(trials):
        return None
    objective = result.objectives[0]
    columns = [f"{m}_rung0_mean" for m in dict.fromkeys([objective.metric, *(c.metric for c in result.constraints)])]
    if any(c not in trials.columns for c in columns):
        return None
    done = trials[(trials["state"] == "COMPLETE") & trials[columns[0]].notna()]
    mine = done[done["trial"] == result.best_trial]
    if len(done) < 2 or not len(mine):
        return None
    # level on the first rung's runs: the same means there (two missing means are the same), so the same
    # feasibility on them; the feasibility over all a trial's runs differs with how far it was promoted
    same = pd.Series(True, index=done.index)
    for column in columns:
        theirs, ours = done[column], mine[column].iloc[0]
        same &= (theirs == ours) | (theirs.isna() & pd.isna(ours))
    return done, same, columns


def _front_key(row, columns: Sequence[str]) -> tuple | None:
    """A Pareto member's means of both objectives on the first rung (the same seeds for every
    trial), two missing means the same; None where a column is absent (no copy can be told)."""
    if any(c not in row for c in columns):
        return None
    return tuple("nan" if pd.isna(row[c]) else float(row[c]) for c in columns)


def front_copies_note(result: OptimizeResult, keys: Sequence[str] = ()) -> str:
    """Members of a Pareto front with exactly the same means of both objectives on the
    first rung, where every trial ran on the same seeds: the values in which they differ
    made no difference there (a budget none reaches), so they are one design listed
    several times (the same $120 reward with four budgets stood as four members). A
    group whose members have the same values of every parameter (``keys``: the search
    proposed a choice again) is said to be that, not to differ."""
    pareto = result.pareto
    if pareto is None or len(pareto) < 2 or len(result.objectives) != 2:
        return ""
    columns = [f"{o.metric}_rung0_mean" for o in result.objectives]
    if any(c not in pareto.columns for c in columns):
        return ""
    groups: dict[tuple, list[int]] = {}
    for row in pareto.to_dict("records"):
        groups.setdefault(_front_key(row, columns), []).append(int(row["trial"]))
    same = [sorted(trials) for trials in groups.values() if len(trials) > 1]
    if not same:
        return ""
    first, second = (o.metric for o in result.objectives)
    listed = "; ".join(f"trials {_listed(trials)}" for trials in same)
    rows = pareto.set_index("trial")
    repeated = [trials for trials in same
                if keys and all(rows.loc[trials, key].astype(str).nunique() == 1 for key in keys if key in rows.columns)]
    why = ("The values in which they differ made no difference on those runs" if not repeated else
           "The search tried the same values more than once" if len(repeated) == len(same) else
           f"The search tried the same values more than once in {'; '.join(f'trials {_listed(t)}' for t in repeated)}, "
           f"and the values in which the others differ made no difference on those runs")
    return (f"Front members with exactly the same {first} and {second} on the first {result.rungs[0]} replicates (the "
            f"same seeds): {listed}. {why}, so each group is one design on the front, not several.")


def level_trials(result: OptimizeResult) -> set[int]:
    """The trials tie_note names as level with the winner (the winner's own number aside)."""
    found = _level_with_winner(result)
    if found is None:
        return set()
    done, same, _ = found
    return {int(n) for n in done[same & (done["trial"] != result.best_trial)]["trial"]}


def tie_note(result: OptimizeResult) -> str:
    """Trials level with the winner on the first rung, where every trial ran on the same
    seeds: the same objective and the same constraint metrics there, and the same
    feasibility. The values that differ between them changed nothing on those runs (a
    budget above what any design spends, a cap nobody reaches), so the winner among them
    is one by order, not by merit. A trial level on the objective but breaking a
    constraint is not level: it lost on the constraint."""
    found = _level_with_winner(result)
    if found is None:
        return ""
    done, same, columns = found
    objective = result.objectives[0]
    mine = done[done["trial"] == result.best_trial]
    level = sorted(int(n) for n in done[same & (done["trial"] != result.best_trial)]["trial"])
    rung, score = result.rungs[0], float(mine[columns[0]].iloc[0])
    what = objective.metric + (" and constraint metrics" if len(columns) > 1 else "")
    if len(level) == len(done) - 1:
        return (f"Every one of the {len(done)} completed trials scored exactly the same {what} ("
                + (f"{objective.metric} " if len(columns) > 1 else "") + f"{fmt(score)}) on the first {rung} replicates, which all ran on the same seeds: the values varied "
                f"made no difference here, and trial {result.best_trial} is the winner by order alone."
                + _least_budget(done[same], result))
    if not level:
        return ""
    # a trial with the winner's very values is the same design run again, not a design that made no difference
    keys = [k for k in (getattr(result, "best", None) or {}) if k in done.columns]
    winner = done[done["trial"] == result.best_trial][keys].iloc[0] if keys else None
    repeats = [n for n in level if keys and done.loc[done["trial"] == n, keys].iloc[0].equals(winner)]
    differ = [n for n in level if n not in repeats]
    notes = []
    if differ:
        notes.append(f"Trial{'s' if len(differ) > 1 else ''} {_listed(differ)} scored exactly the same {what} as trial "
                     f"{result.best_trial} on the first {rung} replicates (the same seeds): the values in which they "
                     f"differ made no difference on those runs." + _least_budget(done[same], result))
    if repeats:
        notes.append(f"Trial{'s' if len(repeats) > 1 else ''} {_listed(repeats)} repeated trial {result.best_trial}'s "
                     f"design on the same seeds (the search proposed it again), so {'they' if len(repeats) > 1 else 'it'} "
                     f"added nothing.")
    return " ".join(notes)


def _least_budget(tied: pd.DataFrame, result: OptimizeResult) -> str:
    """Among trials level on the first rung, the smallest budget they tried: every budget
    above what the design spent on those seeds made the same runs, so the winner among
    them is one by order. The least of them is no answer to "how much budget?" on its
    own: it held on the first rung's few seeds, and a $1,050 budget "no more need be
    committed" for ran out in 9 of 20 runs on other seeds. The winner's fresh-seed
    spend says whether it would have held there."""
    texts = []
    confirmation = getattr(result, "confirmation", None)
    confirmation = winner_rows(confirmation, result.best_trial) if confirmation is not None else pd.DataFrame()
    spend = confirmation[confirmation["metric"] == "reward_cost"] if len(confirmation) else confirmation
    most = float(spend["max"].iloc[0]) if len(spend) and "max" in spend.columns else math.nan
    ended = confirmation[confirmation["metric"] == "budget_exhausted_day"] if len(confirmation) else confirmation
    ran_out = int(ended["n"].iloc[0]) if len(ended) else 0   # the winner's own budget ran out: its spend is capped by it
    for key in (c for c in tied.columns if c.endswith(("incentive.budget", "incentive.budget_per_month"))):
        values = pd.to_numeric(tied[key], errors="coerce").dropna()
        if values.nunique() < 2:
            continue
        least = values.min()
        text = (f" The least `{key}` among them, {fmt(least)}, made the same runs as the others (up to {fmt(values.max())}) "
                f"on those {result.rungs[0]} seeds only")
        runs = confirmation_runs(confirmation)
        if key.endswith(".budget") and ran_out:
            text += (f": the winner's own budget ran out in {ran_out} of its {runs} fresh-seed runs, so a smaller one "
                     f"would run out at least as often")
        elif key.endswith(".budget") and math.isfinite(most) and most >= least:
            text += (f": the winner's fresh-seed runs spent up to {fmt(most)}, so it would have run out in some of them; "
                     f"try it with `refsim run best.yaml --set {key}=...` before committing less than the winner's")
        elif key.endswith(".budget") and math.isfinite(most):
            text += f", and above the {fmt(most)} the winner's costliest fresh-seed run spent"
        texts.append(text + ".")
    return "".join(texts)


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:8])) + (f" and {len(numbers) - 8} more" if len(numbers) > 8 else "")


#: Rows of the leading trials that keep the constraints on the mean only, listed after the safe ones.
MEAN_ONLY_ROWS = 2


def leading_intro(result: OptimizeResult, top: list[str]) -> str:
    """The sentence above the Leading trials table (``top``, its lines)."""
    if not result.constraints:
        return "On the highest rung reached, best first (95% interval over the trial's replicates)."
    # where fewer than five keep the constraints, the table fills with trials breaking one on the mean: unsaid, a row
    # 'feasible: no' stood under a sentence listing only trials that keep them
    fill = ("; where fewer keep them, the rows fill with trials breaking a constraint on the mean (feasible: no), "
            "those breaking it least first" if any(row.endswith("| no |") for row in top) else "")
    return ("On the highest rung reached, with the lower-rung trials that keep every constraint at the far end of their "
            "interval and do better than every such trial of that rung (the halving promotes by the objective alone), "
            "in the order the winner is chosen (95% interval over the trial's replicates): best first among the trials "
            "that keep every constraint at the far end of its 95% interval (five at most), then the leading ones that "
            "keep them on the mean only (two at most; a winner from these would break a constraint on many launches)"
            f"{fill}.")


def _top_trials(result: OptimizeResult, parameters: list[Parameter], count: int = TOP_ROWS) -> list[str]:
    trials = result.trials
    if not len(trials) or len(result.objectives) != 1:
        return []
    done = trials[trials["state"] == "COMPLETE"]
    if not len(done):
        return []
    objective = result.objectives[0]
    column = f"{objective.metric}_mean"
    # in the order the winner is chosen (optimize's candidates): a trial keeping the constraints on the
    # mean alone was listed first as 'feasible: yes' above the winner it lost to
    ordered = in_the_order_chosen(done, objective, result.constraints)
    top = ordered.head(count)
    if "feasible_upper" in ordered and "feasible" in ordered:
        # the leading trials that keep the constraints on the mean only, after the safe ones: cut at five rows, the
        # table said it listed them and showed none (a trial 15% above the winner on the mean was in no row)
        risky = ordered[~ordered["feasible_upper"].astype(bool) & ordered["feasible"].astype(bool)]
        top = pd.concat([top, risky[~risky.index.isin(top.index)].head(MEAN_ONLY_ROWS)])
    # with the replicates each ran: a lower-rung trial among them ran fewer than the top rung's; and, where the trials
    # were re-run on the winner's fresh seeds, the winner's difference from each there (trials ranked above the
    # winner on their own replicates, led by it there by 3,714 and 5,549 at 95%, were said nothing of)
    fresh = _fresh(result)
    lines = ["| trial | " + " | ".join(p.key for p in parameters) + f" | {objective.metric} | 95% interval | replicates "
             "| feasible |" + (" winner − it on the winner's fresh seeds (95% interval) |" if fresh else ""),
             "|---" * (len(parameters) + 5 + fresh) + "|"]
    for row in top.to_dict("records"):
        low, high = row[f"{objective.metric}_ci_low"], row[f"{objective.metric}_ci_high"]
        band = span_text(low, high)
        feasible = "yes" if row["feasible_upper"] else "on the mean only" if row["feasible"] else "no"
        versus = ""
        if fresh:
            difference = winner_against(result, int(row["trial"])) if int(row["trial"]) != result.best_trial else None
            versus = " " + ("–" if difference is None or not difference.get("fresh") else _versus_text(difference)) \
                + " |"
        lines.append(f"| {row['trial']} | " + " | ".join(_value(row[p.key]) for p in parameters)
                     + f" | {fmt(row[column])} | {band} | {int(row['replicates'])} | {feasible} |{versus}")
    return lines


__all__ = ["write_optimize", "best_yaml", "optimize_markdown", "convergence_plot", "pareto_plot", "untried_choices"]
