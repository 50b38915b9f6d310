"""The readable files of a sweep folder: sweep.parquet / sweep.csv (one row per
run), points.csv (per point means), plots, report.md and manifest.json."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import plots
from ..results import (StudyLock, WriteFailed, atomic_write_csv, atomic_write_json, atomic_write_parquet, atomic_write_text,
                       manifest, outputs_staged)
from ..sweep import SweepOutcome, assumption_effects, best_points, point_summary, value_keys
from ..compare import LOWER_IS_BETTER, NEUTRAL, NOT_A_VERDICT, SHIFTED, UNRANKED
from ..parameters import choice_text
from ..sweep_spec import Sweep, ValueList, grid_levels
from ..sweep_points import numbered_as_fresh
from .text import (PAYMENT_TIMING_KEYS, SKEWED_RATIOS, skew_reason, sweep_path_note, span_text, kind_default_notes, study_default_notes, study_non_qualifying_note, study_twin_note, horizon_note_of_ends, study_world_note, unpriced_size_note, blocked_share, contract_days, payment_timing_check, counted, figure_links, sweep_caption, fmt, interval_text, k_undefined_note, metric_label,
                   payment_timing_trade)


#: Most values of an assumption the sweep plots draw as lines of their own.
MAX_LINES = 8


def write_sweep(outcome: SweepOutcome, *, command: list[str] | None = None) -> Path:
    """Write the outputs of a finished sweep into its folder (holding the folder's lock)."""
    with StudyLock(outcome.folder, "sweep"):
        summary, best = write_outputs(outcome.sweep, outcome.frame, outcome.table, outcome.folder, seed=outcome.seed,
                                      state=outcome.state, executor=outcome.executor, workers=outcome.workers,
                                      command=command, budget_days=outcome.budget_days)
    # report.md's opening verdict, for the console: the tables it rests on are made once, here
    outcome.verdict = plain_lines(_verdict(outcome.sweep, summary, best, outcome.frame))
    return outcome.folder


def write_outputs(sweep: Sweep, frame: pd.DataFrame, points, folder: Path, *, seed: int, state: dict,
                  executor: str, workers: int, command: list[str] | None,
                  budget_days: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """sweep.parquet / sweep.csv (one row per run), points.csv, plots, report.md, manifest.json.

    Written into a staging folder inside the sweep's folder, then moved into place one
    file at a time with manifest.json last, the old manifest removed first: written in
    place one by one, an interrupt left a new sweep.csv beside the old report.md and
    manifest. A folder without manifest.json has unfinished outputs; a rerun of the same
    command rewrites them (its runs are all saved). Staging left by a kill is removed."""
    for leftover in folder.glob(".*.tmp"):   # an output cut short by a kill; not a contender's lock being written
        if not leftover.name.startswith(".sweep.lock"):
            leftover.unlink(missing_ok=True)
    try:
        with outputs_staged(folder, STAGING_PREFIX, lambda written: _remove_stale_figures(folder, written)) as stage:
            return _write_outputs(sweep, frame, points, stage, seed=seed, state=state, executor=executor,
                                  workers=workers, command=command, budget_days=budget_days)
    except WriteFailed as failed:   # named as the user will look for it, not inside the removed staging folder
        if failed.file and Path(failed.file).parent.name.startswith(STAGING_PREFIX):
            failed.file = str(folder / Path(failed.file).name)
        raise


def _remove_stale_figures(folder: Path, written: set[str]) -> None:
    """Remove the figures of metrics this writing did not draw (a metric dropped from the
    sweep's list): they stayed beside the new report, which no longer linked them, as if
    part of the sweep. Only a metric's figure a sweep writes is touched (sweep_output)."""
    from ..sweep import sweep_output

    for path in folder.iterdir():
        if path.suffix == ".png" and path.name not in written and sweep_output(path.name) and path.is_file():
            path.unlink(missing_ok=True)


def _repeated_points(sweep: Sweep, summary: pd.DataFrame) -> str | None:
    """The points a random or Latin-hypercube draw gave the values of an earlier one (a few
    whole numbers or choices drawn several times), which ran and were ranked as designs of
    their own without a word."""
    from ..sweep import value_keys

    if sweep.spec.method == "grid":
        return None
    first, repeats = {}, []
    for point, values in zip(summary["point_id"], value_keys(summary, sweep.parameters)):
        if values in first:
            repeats.append(f"{int(point)} repeats {first[values]}")
        else:
            first[values] = int(point)
    if not repeats:
        return None
    shown = ", ".join(repeats[:8]) + (", …" if len(repeats) > 8 else "")
    how = ("on common random numbers they have the same runs, ranked as a tie" if sweep.spec.common_random_numbers
           else "each has runs of its own: another estimate of the same design")
    return (f"{counted(len(repeats), 'point')} {'repeats' if len(repeats) == 1 else 'repeat'} an earlier point's values "
            f"({shown}): {sweep.spec.method} draws can repeat where the parameters take few values; {how}. "
            f"`method: grid` runs each combination once.")


def kind_notes(sweep: Sweep) -> list[str]:
    """text.kind_default_notes for the ``kind`` keys a sweep lists values of: a sweep of
    onboarding against milestone ran the milestone at the model's defaults (reached after
    30 days by 60% of customers, asked of those scoring 7 or more) and said nothing, where
    optimize, varying the same key, says so."""
    from types import SimpleNamespace

    from ..errors import ScenarioError
    from ..parameters import Parameter, categorical_choices, schema_field

    parameters = []
    for key, given in sweep.spec.parameters.items():
        kinds = [v for v in given.values if isinstance(v, str)] if isinstance(given, ValueList) and \
            key.endswith(".kind") else []
        union = False
        if kinds:
            with contextlib.suppress(ScenarioError):   # a key the sweep's own checks refuse or explain
                union = categorical_choices(schema_field(sweep.base, key)[0], key, sweep.base)[1]
        parameters.append(Parameter(key, "categorical", choices=tuple(dict.fromkeys(kinds)), union=True) if union
                          else SimpleNamespace(key=key, union=False))
    return kind_default_notes(sweep.base, parameters)


#: The runs a metric is defined in, where some runs have no value (its mean is over those).
DEFINED_IN = {"payback_day": "the runs that paid back", "budget_exhausted_day": "the runs whose budget ran out",
              # a heatmap "mean over replicates" of 2 of 3 runs drew its brightest cell where report.md ranks another
              "incremental_cac": "the runs that added customers", "incremental_cac_vs_paid": "the runs that added customers"}


def _bounds(sweep: Sweep, metric: str, points, runs=None) -> tuple[float, float]:
    """The values a run of the sweep can take of ``metric``: its bounds (metrics.METRIC_BOUNDS),
    and for a day or a spend the highest ceiling of any point (its last day, its budget);
    ``runs``, the sweep's rows, for a program cost that is the reward spend in every run
    (evaluation.capped_as)."""
    from ..evaluation import BOUNDED, capped_as
    from ..metrics import METRIC_BOUNDS
    from ..sweep import point_ceilings

    low, high = METRIC_BOUNDS.get(metric, (-math.inf, math.inf))
    values = getattr(points, "values", None)
    capped = capped_as(metric, runs) if runs is not None else metric
    if capped in BOUNDED and values:
        top = point_ceilings(sweep)
        high = min(high, max(top(point, capped) for point in values))
    return low, high


def _heatmap_marks(summary: pd.DataFrame, objective: pd.DataFrame, x: str, y: str) -> dict:
    """The heatmap's outlines: the (x, y) levels of the best point by the objective and of
    the points not told apart from it (best_points), where there is one best (no
    assumptions ranked apart); {} otherwise."""
    if len(objective) != 1:
        return {}
    row = objective.iloc[0]
    at = summary.set_index("point_id")[[x, y]]
    level = lambda point: tuple(at.loc[int(point)]) if int(point) in at.index else None  # noqa: E731
    ties = [level(p) for p in row["indistinguishable"] if level(p) is not None]
    return {"best": level(row["point_id"]), "ties": ties}


#: The staging folder of a sweep's outputs, inside the sweep's folder.
STAGING_PREFIX = ".outputs."


def _write_outputs(sweep: Sweep, frame: pd.DataFrame, points, folder: Path, *, seed: int, state: dict,
                   executor: str, workers: int, command: list[str] | None,
                   budget_days: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    atomic_write_parquet(folder / "sweep.parquet", frame)
    # a float column of the parquet (every metric, a range's levels) reads float64 from the csv too
    atomic_write_csv(folder / "sweep.csv", frame, floats_read_as_floats=True)
    summary = point_summary(frame, sweep, getattr(points, "values", None))
    best = best_points(frame, sweep, summary)
    objective = best[best["metric"] == sweep.objective]
    if len(objective):  # one row, or one per combination of the sweep's assumptions
        tied = {int(p) for row in objective.to_dict("records") for p in (row["point_id"], *row["indistinguishable"])}
        summary = summary.assign(indistinguishable_from_best=summary["point_id"].isin(tied))
    atomic_write_csv(folder / "points.csv", summary)
    figures, captions = [], {}
    orders = _word_orders(sweep)
    ok = frame[frame["status"] == "ok"]
    if len(ok):
        discrete = {k: sweep.spec.method == "grid" or isinstance(sweep.spec.parameters[k], ValueList) for k in sweep.parameters}
        log = {k: getattr(sweep.spec.parameters[k], "log", False) for k in sweep.parameters}
        # one assumption with a few values, and choices to rank at each: one line per value of it
        assumptions = list(sweep.spec.assumptions)
        by = assumptions[0] if len(assumptions) == 1 and not _nothing_to_choose(sweep) \
            and ok[assumptions[0]].nunique() <= MAX_LINES else None
        for metric in sweep.metrics:
            if not np.isfinite(ok[metric].to_numpy(dtype=float)).any():
                continue
            defined = DEFINED_IN.get(metric) if not np.isfinite(ok[metric].to_numpy(dtype=float)).all() else None
            # a cost has no best level (report.md ranks none): each level's own interval
            # and one replicate gives no paired difference a spread: each level's runs pooled, as the figure draws them
            paired = sweep.spec.common_random_numbers and metric not in UNRANKED and ok["replicate"].nunique() > 1
            figures.append(plots.sweep_metric(ok, sweep.parameters, metric, folder / f"{metric}.png", discrete=discrete,
                                              log=log, by=by, paired=paired,
                                              minimise=metric in LOWER_IS_BETTER, assumptions=tuple(assumptions),
                                              order=orders, bounds=_bounds(sweep, metric, points, ok), defined=defined,
                                              planned=frame))
            # run's and compare's incremental_value.png is a day-by-day figure: a sweep's own caption, as drawn
            sampled = None if len(set(discrete.values())) > 1 else not any(discrete.values())   # None: both kinds
            # the caption says what the figure draws: a paired band where it draws one
            banded = plots.paired_bands(paired, sweep.parameters, tuple(assumptions), metric)
            choices = [k for k in sweep.parameters if k not in assumptions]
            captions[metric] = sweep_caption(metric, sampled=sampled, paired=banded, by=by, defined=defined or False,
                                             lone=plots.one_run_per_level(ok, sweep.parameters, metric, discrete, by),
                                             bare=plots.lone_panels(ok, sweep.parameters, metric, discrete, by),
                                             told_apart_in_report=paired and bool(choices) and not banded,
                                             assumption_panels=banded and len(choices) < len(sweep.parameters))
            if sweep.spec.method == "grid" and len(sweep.parameters) == 2:
                x, y = sweep.parameters
                marks = _heatmap_marks(summary, objective, x, y) if metric == sweep.objective else {}
                figures.append(plots.sweep_heatmap(ok, x, y, metric, folder / f"{metric}_heatmap.png", defined=defined,
                                                   order=orders, minimise=metric in LOWER_IS_BETTER, planned=frame,
                                                   **marks))
                captions[f"{metric}_heatmap"] = sweep_caption(metric, heatmap=True, defined=defined or False,
                                                              outlined=bool(marks.get("best")))
    atomic_write_text(folder / "report.md", sweep_markdown(sweep, frame, summary, figures, seed, best,
                                                           grids=state.get("grids"),
                                                           replicates=state.get("replicates_grown"),
                                                           budget_days=budget_days, captions=captions,
                                                           numpy_because=state.get("numpy_because")))
    started = dt.datetime.fromisoformat(state["started"])
    atomic_write_json(folder / "manifest.json", manifest(
        folder=folder,
        # the base as the sweep ran it: the base file's replicates and seed (10 and 42) beside a sweep of 3 replicates
        # on seed 11 sent a reader reproducing it to other runs
        scenarios=[sweep.base.model_copy(update={"replicates": sweep.replicates, "seed": seed})],
        seeds={sweep.base.name: frame["seed"].tolist()}, started=started, ended=dt.datetime.now(),
        # every file the runs read, a swept network.path's too (the base's alone were listed)
        command=command, extra={**({"inputs": inputs} if (inputs := sweep.inputs()) else {}),
                                "engine": _engine_record(sweep, state), "sweep": {
            "file": sweep.source, "name": sweep.name, "fingerprint": state["fingerprint"], "sweep_seed": seed,
            "spec": sweep.spec.model_dump(mode="json"), "replicates": sweep.replicates, "metrics": list(sweep.metrics),
            "objective": sweep.objective, "set": list(sweep.overrides), "grids": state.get("grids"),
            "replicates_grown": state.get("replicates_grown"),
            "points": len(points), "runs": len(frame), "failed": int((frame["status"] != "ok").sum()),
            "run_ids": "run_id = point_id * replicates + replicate; each run's seed is in sweep.parquet",
            "executor": executor, "workers": workers, "sessions": state.get("sessions", [])}}))
    return summary, best


def _engine_record(sweep: Sweep, state: dict) -> dict:
    """REFSIM_ENGINE and the path the sweep's runs took: on common seeds the one its points
    share (sweep.json's ``path``), else each point's own. The base's path was recorded,
    "kernel" for a sweep whose points ran on the numpy stages."""
    from ..kernel import engine_choice
    from ..provenance import engine_record

    choice = engine_choice()
    if choice != "auto":
        return engine_record([sweep.base])
    path = state.get("path") if sweep.spec.common_random_numbers else None
    return {"REFSIM_ENGINE": choice, "path": path or "each point's own: the kernel where it runs, else the numpy stages"}


def _word_orders(sweep: Sweep) -> dict[str, list[str]]:
    """Each parameter listed as words (values: [qualification, signup]), in the file's order;
    and one listed as lists or blocks, as the JSON text its column holds (a campaign's days
    [30, 90], [10, 20, 30, 40], [200] were drawn in the text's order: "[10, 20, ..." first)."""
    import json

    orders = {}
    for key, p in sweep.spec.parameters.items():
        if not isinstance(p, ValueList):
            continue
        if all(isinstance(v, str) for v in p.values):
            orders[key] = list(p.values)
        elif any(isinstance(v, (list, dict)) for v in p.values):
            orders[key] = [v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str) for v in p.values]
    return orders


def rounded_degree_note(sweep: Sweep, frame: pd.DataFrame) -> str:
    """Where a sweep of network.mean_degree on a growth network lists values that build
    another mean (mean_degree / 2 ties per newcomer, rounded half up): a sweep over 6, 7
    and 8 named 7 best, tied with 8 in every replicate, and the model never builds 7."""
    kind = getattr(sweep.base.network, "kind", None)
    if "network.mean_degree" not in frame or "network.kind" in sweep.spec.parameters or \
            kind not in ("barabasi_albert", "powerlaw_cluster"):
        return ""
    from ..network.generators import ties_per_newcomer

    values = sorted({float(v) for v in frame["network.mean_degree"].dropna()})
    rounded = [(v, 2 * ties_per_newcomer(v)) for v in values if abs(2 * ties_per_newcomer(v) - v) > 1e-9]
    if not rounded:
        return ""
    runs_as = ", ".join(f"{v:g} as {built}" for v, built in rounded[:6]) + (" …" if len(rounded) > 6 else "")
    return (f"The network ({kind}) adds mean_degree / 2 ties per newcomer, rounded half up, so a point runs as the "
            f"even mean it rounds to ({runs_as}): points that round alike build the same network and differ by their "
            f"runs' luck alone, if at all. Sweep even values.")


def sweep_replaced_notes(sweep: Sweep) -> list[str]:
    """scenario_io.replaced_blocks of a sweep's --set items, and of its parameters' values
    that give a block whole, on its base file (none for an inline base): a sweep of
    seeding-hubs with --set population.initial_customers=20 ran on 20 random customers,
    and said nothing, where run, compare and the studies did."""
    from ..scenario_io import replaced_blocks
    from ..yaml_reader import flow

    base = Path(sweep.base_source)
    if not base.is_file():
        return []
    notes = replaced_blocks(base, sweep.base.name, list(sweep.overrides)) if sweep.overrides else []
    # a point's value that gives a block whole is applied as a --set is, and drops the file's other keys the same way
    # (a churn value of {renewal: {every_days: 180}} ran at the default monthly rate, unsaid)
    for key, parameter in sweep.spec.parameters.items():
        for value in getattr(parameter, "values", None) or ():
            if isinstance(value, dict):
                notes += replaced_blocks(base, sweep.base.name, [f"{key}={flow(value)}"], via=f"a value of `parameters.{key}`")
    return notes


def narrow_note(frame: pd.DataFrame, best: pd.DataFrame) -> str:
    """Where a best point's interval is one of those docs/model.md measures as too narrow:
    a payback (or fraud cost) whose runs at that point mostly sat on one value, or a cost
    per extra customer, a skewed ratio. run's report and console said so; a sweep named
    a best payback at "1 – 1" and a best CAC with no word."""
    from .text import LUMPED_METRICS, lumped

    said = []
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    for row in best.to_dict("records"):
        metric, point = row["metric"], row["point_id"]
        if metric in LUMPED_METRICS and metric in ok:
            values = ok.loc[ok["point_id"] == point, metric]
            found = lumped(values)
            if found is not None:
                value, top, n = found
                where = f"{n} runs where it is defined" if n < len(values) else f"{n} runs"
                said.append(f"`{metric}` at point {point} was exactly {fmt(value)} in {top} of its {where}")
        elif metric in SKEWED_RATIOS:
            said.append(f"`{metric}` is a ratio per run, {skew_reason(metric)}")
    if not said:
        return ""
    return ("**Intervals too narrow:** " + "; ".join(dict.fromkeys(said)) + ". Such intervals hold the true mean less "
            "often than 95% at these replicate counts (docs/model.md, \"Where the interval is too narrow\"), so a best "
            "named on them rests more on the runs' luck than its interval shows: rank by `incremental_value`, or "
            "give the points more replicates.")


def sweep_markdown(sweep: Sweep, frame: pd.DataFrame, summary: pd.DataFrame, figures: list[Path], seed: int,
                   best: pd.DataFrame | None = None, grids: list | None = None,
                   replicates: list[int] | None = None, budget_days: pd.Series | None = None,
                   captions: dict[str, str] | None = None, numpy_because: str | None = None) -> str:
    """report.md; ``captions``: the line under each figure, by its stem (sweep_caption);
    ``numpy_because``: sweep.json's, where every point ran on the numpy stages for some;
    ``grids``: the versions of a grid that grew in this folder, oldest first;
    ``replicates``: the replicate counts it grew through, likewise; ``budget_days``: each
    run's budget_exhausted_day in ``frame``'s order, where ``metrics`` leaves it out."""
    if budget_days is not None and "budget_exhausted_day" not in frame.columns and len(budget_days) == len(frame):
        with_days = frame.assign(budget_exhausted_day=budget_days.to_numpy())
    else:
        with_days = frame
    spec = sweep.spec
    failed = frame[frame["status"] != "ok"]
    best = best_points(frame, sweep, summary) if best is None else best
    lines = [
        f"# Sweep: {sweep.name}",
        "",
        *_verdict(sweep, summary, best, frame),
        *(["", note] if (note := _payment_timing_note(sweep)) else []),
        *(["", note] if (note := _reward_size_note(sweep)) else []),
        *(["", note] if (note := budget_ending_note(sweep, with_days, best)) else []),
        "",
        *([spec.description.strip(), ""] if spec.description.strip() else []),
        f"Base scenario **{sweep.base.name}** ({sweep.base_source}); method **{spec.method}**, {counted(len(summary), 'point')} × "
        f"{counted(sweep.replicates, 'replicate')} = {counted(len(frame), 'run')}, sweep seed {seed}"
        + (" (common random numbers: every point on the same replicate seeds)." if spec.common_random_numbers else "."),
        "",
        "| parameter | values |",
        "|---|---|",
    ]
    for key, parameter in spec.parameters.items():
        if isinstance(parameter, ValueList):
            # as the tables and plots write them (null, not Python's None; a block as JSON)
            shown = [json.dumps(v, sort_keys=True, default=str) if v is None or isinstance(v, (dict, list)) else
                     choice_text(v) for v in parameter.values[:12]]
            described = ", ".join(shown) + (" …" if len(parameter.values) > 12 else "")
        else:
            described = f"{parameter.low:g} to {parameter.high:g}" + (" (log)" if parameter.log else "") + \
                        (" (whole numbers)" if parameter.integer else "") + (_levels_text(parameter) if parameter.levels else "")
        lines.append(f"| {key} | {described} |")
    for note in (*study_default_notes(sweep.base, list(spec.parameters)), *kind_notes(sweep)):
        lines += ["", note]
    if note := _repeated_points(sweep, summary):
        lines += ["", note]
    if note := rounded_degree_note(sweep, frame):
        lines += ["", note]
    if note := study_world_note(spec.parameters, spec.assumptions, sweep.base, values=swept_values(spec)):
        lines += ["", note]
    if note := unpriced_size_note(spec.parameters, spec.assumptions):
        lines += ["", note]
    if note := tracked_cost_note(sweep, quote="`"):
        lines += ["", note]
    if note := study_twin_note(spec.parameters):
        lines += ["", note]
    if note := sweep_path_note(numpy_because):
        lines += ["", note]
    from ..sweep import point_scenario

    ends = {key: list(p.values) if isinstance(p, ValueList) else
            ([int(p.low), int(p.high)] if getattr(p, "integer", False) else [p.low, p.high])
            for key, p in spec.parameters.items()}
    if note := horizon_note_of_ends(sweep.base, ends, lambda values: point_scenario(
            sweep.base_data, values, sweep.base_source, sweep.base_dir)):
        lines += ["", note]
    listed = {key: list(p.values) if isinstance(p, ValueList) else None for key, p in spec.parameters.items()}
    if note := study_non_qualifying_note(sweep.base, listed, "sweep.csv and sweep.parquet",
                                         "non_qualifying_signups" in sweep.metrics):
        lines += ["", note]
    if sweep.overrides:
        lines += ["", "Base scenario changed with --set: " + ", ".join(f"`{item}`" for item in sweep.overrides) + "."
                  + "".join(f" {note[0].upper()}{note[1:]}." for note in sweep_replaced_notes(sweep))]
    if grids and len(grids) > 1 and numbered_as_fresh(list(sweep.parameters), grids):
        lines += ["", f"The grid grew in this folder ({len(grids)} versions): the points run before kept their ids and "
                      f"seeds, and the new values came after the old, so the ids, seeds and runs are those of a fresh "
                      f"run of this file."]
    elif grids and len(grids) > 1:
        if spec.common_random_numbers:  # every point on the replicate seeds, whatever its id
            differs = ("so point ids differ from a fresh run of this file in an empty folder; under common random "
                       "numbers a point's seeds do not depend on its id, so its runs are the same")
        else:
            differs = ("so point ids and seeds differ from a fresh run of this file in an empty folder (which gives "
                       "other runs, and can tell other points apart)")
        lines += ["", f"The grid grew in this folder ({len(grids)} versions): the points run before kept their ids and "
                      f"seeds and the new ones were numbered after them, {differs}; every run's seed is in sweep.csv."]
    if replicates and len(replicates) > 1:
        counts = " → ".join(str(r) for r in replicates)
        fresh = (f"the runs are those of a fresh run with {replicates[-1]} replicates"
                 if not (grids and len(grids) > 1) or spec.common_random_numbers
                 else "each point's runs are those its seeds give with that many replicates")
        lines += ["", f"The replicates grew in this folder ({counts}): each point's earlier runs were kept and only the "
                      f"new replicates ran. A replicate's seed does not depend on the count, so {fresh}."]
    assumptions = list(spec.assumptions)
    if _nothing_to_choose(sweep):
        lines += _effects_section(sweep, summary, frame)
    else:
        lines += ["", "## Best points", "",
                  "The point with the best mean of each metric (95% t-interval of the mean over its replicates), and the",
                  "points that are statistically indistinguishable from it at 95%: "
                  + _how(sweep, int(best["compared"].max()) if len(best) else 0)]
        if assumptions:
            lines += ["", f"{_names(assumptions)} {'is an assumption' if len(assumptions) == 1 else 'are assumptions'}, not "
                      "a choice: the points are ranked among those that share "
                      f"{'its value' if len(assumptions) == 1 else 'their values'}, one row per value."]
        lines += ["", "| " + "".join(f"{k} | " for k in assumptions)
                  + "metric | best point | parameters | mean | 95% interval | indistinguishable points |",
                  "|" + "---|" * (len(assumptions) + 6)]
        by_id = summary.set_index("point_id")
        for row in best.to_dict("records"):
            point = by_id.loc[row["point_id"]]
            band = span_text(row["ci_low"], row["ci_high"])
            defined, runs = int(point[f"{row['metric']}_n"]), int(point["runs_ok"])
            over = f" (over the {defined} of {runs} runs where it is defined)" if defined < runs else ""
            lines.append("| " + "".join(f"{_value_text(row[k])} | " for k in assumptions)
                         + f"{metric_label(row['metric'], _horizon(sweep))} | {row['point_id']} | "
                         f"{_values(point, sweep.parameters)} | {fmt(row['mean'])}{over} | {band} | "
                         f"{_ids(_tested(row))}"
                         f"{_tie_text(row)} |")
        # the payback row of a sweep ranked by another metric: its points that never paid back stood among the
        # indistinguishable ones with no word (the opening line names them only for the objective's row)
        never_rows = [r for r in best.to_dict("records") if list(r.get("never") or []) and r["metric"] != sweep.objective]
        if never_rows:
            lines += ["", f"In the `{never_rows[0]['metric']}` row{'s' if len(never_rows) > 1 else ''}:"
                      + _never_text({**never_rows[0], "never": sorted({int(p) for r in never_rows for p in r["never"]})})]
        first_day = sorted({int(r["point_id"]) for r in best.to_dict("records")
                            if r["metric"] == "payback_day" and r["mean"] <= 1})
        if first_day:   # "best payback_day: point 0, mean 1" read as the fastest to pay back; compare and run say this
            lines += ["", f"A payback on day 1 is no feat of speed: in the runs of point{'s' if len(first_day) > 1 else ''} "
                          f"{_ids(first_day, count=False)} that pay back, the cumulative incremental profit never falls below 0 (a "
                          f"program that spends little before its referrals bring margin, or a reward of 0, does so, "
                          f"whatever it adds): weigh it by `incremental_value`."]
        if note := _late_ask_note(sweep, frame, best):
            lines += ["", note]
        if note := narrow_note(frame, best):
            lines += ["", note]
        never = [m for m in sweep.metrics if summary[f"{m}_mean"].isna().all()]
        if never:   # they vanished from the table and the figures without a word
            k = [m for m in never if m in ("k_factor", "program_k")]
            why = _k_undefined_why(sweep, summary) if k else ""
            lines += ["", f"Undefined in every run, so neither ranked nor drawn: {_names(never)}"
                          + (f" (for {_names(k)}: {why})" if why else "") + "."]
        dead = summary.loc[summary["runs_ok"] == 0, "point_id"].astype(int).tolist()
        if dead:
            lines += ["", f"Every run of point{'s' if len(dead) > 1 else ''} {_ids(dead, count=False)} failed (see Runs below): "
                          f"{'they are' if len(dead) > 1 else 'it is'} not ranked."]
        unranked = [m for m in sweep.metrics if m in UNRANKED and m not in set(best["metric"]) and m not in never]
        if unranked:
            why = [*(["costs and budget days: less is not better on its own, as a design that asks nobody costs "
                      "nothing"] if any(m in NEUTRAL for m in unranked) else []),
                   *(["`attributed_roi` is a dashboard's view: it credits the program with what word of mouth would "
                      "have brought anyway"] if any(m in NOT_A_VERDICT for m in unranked) else []),
                   *(["`word_of_mouth_customers`: a program turns word of mouth into tracked referrals, so fewer of "
                      "them is no worse"] if any(m in SHIFTED for m in unranked) else [])]
            lines += ["", f"Not ranked: {_names(unranked)} ({'; '.join(why)}); each point's mean is in points.csv and "
                          f"the figures."]
    lines += ["", "## Runs", "",
              f"{len(frame) - len(failed)} runs ok, {len(failed)} failed."
              + (" Failed runs have status `failed` and their error in the `error` column of sweep.csv; for example: "
                 f"run {int(failed.iloc[0]['run_id'])} (seed {int(failed.iloc[0]['seed'])}): `{_shortened(failed.iloc[0]['error'])}`"
                 if len(failed) else ""),
              "", "Files: sweep.parquet / sweep.csv (one row per run), points.csv (per point means), manifest.json.",
              "", "## Figures", "", *figure_links(figures, captions)]
    return "\n".join(lines)


def _horizon(sweep: Sweep) -> int | None:
    """The days every point is counted over, for a metric's label; None where the sweep
    varies them: a sweep of days over 30 labelled cumulative_profit as the base's 1-year profit."""
    return None if "days" in sweep.parameters else sweep.base.days


def _k_undefined_why(sweep: Sweep, summary: pd.DataFrame) -> str:
    """Why K is undefined in every run, when the horizon is the reason at every point: the
    base's days and window, or each point's where the sweep varies them (the reason was
    given for a fixed --set days=25 and not for days swept over 20 and 25)."""
    swept = [k for k in ("days", "k_window_days") if k in sweep.parameters]
    if not swept:
        return k_undefined_note(sweep.base)
    days = pd.to_numeric(summary["days"]) if "days" in swept else pd.Series(sweep.base.days, index=summary.index)
    window = pd.to_numeric(summary["k_window_days"]) if "k_window_days" in swept else \
        pd.Series(sweep.base.k_window_days, index=summary.index)
    if not (days <= window).all():
        return ""
    return ("K counts the customers whose window (`k_window_days`) closed by the horizon; at every point here the "
            "horizon (`days`) is no longer than the window, so none did")


def _levels_text(parameter) -> str:
    """A grid range's levels as they run: whole numbers on a log scale can round onto the
    same value (1 to 100 in 50 levels runs fewer), and the table said the levels asked."""
    levels = grid_levels(parameter)
    shown = ", ".join(f"{v:g}" for v in levels[:12]) + (" …" if len(levels) > 12 else "")
    if len(levels) == parameter.levels:
        even = (np.geomspace if parameter.log else np.linspace)(parameter.low, parameter.high, parameter.levels)
        if parameter.integer and not np.allclose(levels, even):
            # '0 to 3 (whole numbers), 3 levels' ran 0, 2, 3 and '1 to 4' ran 1, 2, 4: the middle level rounded, a
            # half to the even number, one way in one grid and the other in the next, and the table did not say
            return (f", {parameter.levels} levels: {shown} (evenly spaced{' on a log scale' if parameter.log else ''}, "
                    f"rounded to whole numbers, a half to the even one)")
        return f", {parameter.levels} levels"
    return (f", {len(levels)} levels: {shown} ({parameter.levels} asked; whole numbers that rounded onto the same value "
            f"run once)")


#: Keys that size what a referrer is offered: a sweep choosing among them ranks reward sizes.
REFERRER_REWARD_KEYS = ("program.incentive.referrer_reward", "program.incentive.tiers")
#: The assumed pull of the friend's reward (referee_assumption): swept too, the sweep shows it.
REFEREE_UPLIFT_KEYS = ("program.incentive.referee_max_uplift", "program.incentive.referee_share_uplift")
#: The assumed size of a reward's pull (saturation_assumption): swept too, the sweep shows it.
SATURATION_KEYS = ("program.incentive.max_uplift", "program.incentive.reward_scale_months",
                   "program.incentive.reward_scale")


def _reward_size_note(sweep: Sweep) -> str:
    """When the sweep chooses the referrer's or the friend's reward: what that ranking rests
    on, as compare says beside designs that offer different rewards (a sweep over $0-$160
    named no assumption, and its best reward moved from $10 to $80 between max_uplift 0.5
    and 2; one over the friend's reward named neither of the friend's uplifts)."""
    from .text import referee_assumption, saturation_assumption

    def chosen(keys) -> list[str]:
        return [key for key in keys if key in sweep.parameters and key not in sweep.spec.assumptions]

    referrer, referee = chosen(REFERRER_REWARD_KEYS), chosen(("program.incentive.referee_reward",))
    clauses, tests = [], []
    if referrer and not any(key in sweep.parameters for key in SATURATION_KEYS):
        clause, ranges = saturation_assumption(sweep.base)
        if clause:
            clauses.append(clause)
            tests += ranges
    incentive = sweep.base.program.incentive
    # each uplift the sweep does not vary itself, at 0 too: a friend's reward assumed to move nobody ranks 0 best
    uplifts = tuple(key.rpartition(".")[2] for key in REFEREE_UPLIFT_KEYS if key not in sweep.parameters)
    if referee and uplifts and "referee_max_uplift" in type(incentive).model_fields:
        clause, ranges = referee_assumption(incentive, uplifts)
        clauses.append(clause)
        tests.append(ranges)
    if not clauses:
        return ""
    flags = " ".join(t.strip("`") for t in tests)
    return (f"The ranking of {_names(referrer + referee)} rests on what the model is told here: "
            f"{'; and '.join(clauses)}. Test it with `refsim sensitivity` ({flags}), or sweep those keys too as "
            f"`assumptions`.")


def _payment_timing_note(sweep: Sweep) -> str:
    """When the sweep chooses when rewards are paid: what that ranking rests on."""
    chosen = [key for key in PAYMENT_TIMING_KEYS if key in sweep.parameters and key not in sweep.spec.assumptions]
    rate = getattr(sweep.base.program.incentive, "delay_discount", None)
    if not chosen or rate is None or "program.incentive.delay_discount" in sweep.parameters:
        return ""
    base = sweep.base
    fakes = "program.incentive.paid_on" in sweep.parameters
    if not fakes and base.program.incentive.paid_on == "signup":
        # the wait of a design paid on signup: study_world_note says no run depends on it (parameters.reads), once
        return ""
    wait = _highest(sweep, "program.incentive.qualification_days", base.program.incentive.qualification_days)
    share = _highest(sweep, "fraud.share", base.fraud.share)
    budgeted = (getattr(base.program.incentive, "budget", None) is not None
                or "program.incentive.budget" in sweep.parameters)
    trade = payment_timing_trade(rate, wait, share, fakes, blocked_share(base, sweep.parameters), budgeted,
                                 contract_days([base], sweep.parameters), "fraud.share" in sweep.parameters,
                                 business=base.program.incentive.audience == "business")
    return (f"The ranking of {_names(chosen)} rests on assumptions: {trade} "
            f"(docs/model.md, \"Assumptions that decide some comparisons\"). Test it with `refsim sensitivity` "
            f"({payment_timing_check(rate, share, fakes)}).")


def budget_ending_note(sweep: Sweep, frame: pd.DataFrame, best: pd.DataFrame) -> str:
    """Where the best point by the objective, or a point not told apart from it, had its
    budget run out in at least half its runs with its asks ended by it
    (``on_budget_exhausted`` end_program): on which day, and, where that is in the
    first half of the horizon, that the ranking can follow the ending, as compare says
    (a sweep's best point ran out on day 303 of 365 and one tied with it on day 232, and
    report.md said nothing: the days were in points.csv alone)."""
    from ..sweep import scenario_at
    from .text import asks_done_by, asks_over, ran_out_by

    rows = best[best["metric"] == sweep.objective].to_dict("records") if len(best) else []
    points = list(dict.fromkeys(p for row in rows for p in (row["point_id"], *row.get("indistinguishable", []))))
    ok = frame[frame["status"] == "ok"] if "status" in frame.columns else frame
    ended, early = [], False
    for point in points:
        runs = ok[ok["point_id"] == point]
        if not len(runs) or "budget_exhausted_day" not in runs.columns:
            continue
        scenario = scenario_at(sweep, runs.iloc[0])
        if getattr(scenario.program.incentive, "on_budget_exhausted", None) != "end_program":
            continue
        day = ran_out_by(runs, scenario.days)
        # NaN for asks as customers come; every run that ran out, not the median one
        if not math.isfinite(day) or asks_done_by(asks_over(scenario, None), runs["budget_exhausted_day"]):
            continue
        ended.append(f"point {point} on day {day:.0f} of {scenario.days}")
        early |= day <= scenario.days / 2
    if not ended:
        return ""
    listed = ", ".join(ended[:-1]) + (" and " if len(ended) > 1 else "") + ended[-1] if len(ended) <= 6 else \
        ", ".join(ended[:6]) + f" and {len(ended) - 6} more"
    return (f"Budgets ran out and ended the asks (`on_budget_exhausted` end_program; the first day by which at least "
            f"half the runs had run out) at the best point or one not told apart from it: {listed}."
            + (" Where that is in the first half of the horizon, the point is ranked by what it did before that day and "
               "how fast it spent, not by its program over the horizon: sweep `program.incentive.on_budget_exhausted` "
               "over end_program and rewards_only, or the budget, to test the ranking." if early else
               " A point is ranked by what its program did until then.")
            + (" Each point's day is in points.csv (`budget_exhausted_day`)." if "budget_exhausted_day" in sweep.metrics
               else " Add `budget_exhausted_day` to `metrics` for each point's day (the runs hold it: nothing reruns)."))


def _highest(sweep: Sweep, key: str, default: float) -> float:
    """The largest value a sweep gives ``key`` (its base's when it does not vary it)."""
    parameter = sweep.spec.parameters.get(key)
    if parameter is None:
        return float(default)
    if isinstance(parameter, ValueList):
        numbers = [v for v in parameter.values if isinstance(v, (int, float))]
        return float(max(numbers)) if numbers else float(default)
    return float(parameter.high)


def _late_ask_note(sweep: Sweep, frame: pd.DataFrame, best: pd.DataFrame) -> str:
    """Where K is ranked and some points ask late against K's window (a milestone, reminders
    far apart), while others do not: their K reads low by construction, as compare says
    (which does not rank it). A grid over ask timings marked the milestone points worse on
    K, 0.06-0.11 against 0.28, and the report never named the window."""
    from ..behaviour.timing import first_joining_day, late_asks
    from ..sweep import scenario_at

    ranked = [m for m in ("k_factor", "program_k") if len(best) and m in set(best["metric"])]
    # only the ask's timing, K's window and the horizon decide it: a sweep varying none of them asks alike at every
    # point, and building each point's scenario (about 1 ms each, k_factor being a default metric) buys nothing
    moving = any(key in ("program", "days", "k_window_days") or key.startswith("program.timing")
                 for key in sweep.parameters)
    if not ranked or not moving or "point_id" not in frame.columns:
        return ""
    late, early = [], []
    for point, runs in frame.groupby("point_id", sort=True):
        scenario = scenario_at(sweep, runs.iloc[0])
        (late if late_asks(scenario.program.timing, scenario.k_window_days, scenario.days, first_joining_day(scenario)) is not None
         else early).append(int(point))
    if not late or not early:
        return ""
    window = sweep.base.k_window_days
    return (f"{_names(ranked)} count{'s' if len(ranked) == 1 else ''} only the referrals made within {window} days of "
            f"joining (`k_window_days`): "
            f"point{'s' if len(late) > 1 else ''} {_ids(late, count=False)} ask{'' if len(late) > 1 else 's'} late "
            f"against that window (a milestone, or reminders far apart), so {'their' if len(late) > 1 else 'its'} K "
            f"reads low by construction, and its ranking against the points that ask early follows the window, not "
            f"what they add: `refsim compare` does not rank K across such designs. Weigh them by `incremental_value`.")


def _how(sweep: Sweep, compared: int = 2) -> str:
    """How the Best points are told apart; ``compared``: the most points a best is tested
    against (with one, the step-down is a single test at 95%)."""
    # Bonferroni here (every test at 1 − 5%/m) and Holm in compare: on the same runs compare called a lead "sure at
    # 95%" that this table listed as indistinguishable. Both now step down the same way
    steps = (" (Holm's step-down, as `refsim compare`: the clearest difference first at 1 − 5%/m for the m points "
             "with a value other than the best, the next at 1 − 5%/(m − 1), ..., the last at 95%, and the first not "
             "told apart keeps every point after it beside the best)" if compared > 1 else "")
    joint = f"; at 95% for all the comparisons together{steps}, so that the best and these points hold a truly best point 95% of the time"
    if sweep.spec.common_random_numbers:
        return ("paired, replicate by replicate on the same seeds (common random numbers)" + joint
                + "; points with the same value in every replicate count as one, and those the same as the best as none.")
    return ("unpaired (Welch): every point ran on its own seeds; `common_random_numbers: true` pairs the points "
            "and tells more of them apart" + joint + ".")


def _tested(row: dict) -> list[int]:
    """The points indistinguishable from the best by a test: a tie (its very runs) is none."""
    same = set(row.get("same") or [])
    return [p for p in row["indistinguishable"] if p not in same]


def _tie_text(row: dict) -> str:
    """The Best points table's word for the points with the best's very runs (common seeds):
    docs/scenarios.md promises report.md names such a tie, and the table listed them
    among the indistinguishable points as if tested."""
    same = list(row.get("same") or [])
    return (f"; the same value as the best in every replicate (a tie, not a test): {_ids(same, count=False)}"
            if same else "")


def _ids(ids: list[int], most: int = 12, count: bool = True) -> str:
    if not ids:
        return "none"
    shown = ", ".join(map(str, ids[:most])) + (f" … and {len(ids) - most} more" if len(ids) > most else "")
    return f"{len(ids)}: {shown}" if count else shown


def plain_lines(lines: list[str]) -> list[str]:
    """report.md's opening verdict (the best point by the objective, how many are not told
    apart from it; with assumptions, the best choice at each value), as console lines: the
    sweep's console gave only its run counts, the one command whose console gave no answer."""
    # "see the runs below" points down report.md; on the console there is nothing below
    return [line.replace("**", "").replace("`", "").replace("see the runs below", "see the runs in sweep.csv and "
                                                            "report.md") for line in lines if line]


def _verdict(sweep: Sweep, summary: pd.DataFrame, best: pd.DataFrame, frame: pd.DataFrame | None = None) -> list[str]:
    """The report's first paragraph: the best point by the sweep's objective, its
    interval, and how many points cannot be told apart from it; with assumptions, the
    best choice at each of their values, led by whether it is the same at all."""
    if _nothing_to_choose(sweep):
        return _effects_verdict(sweep, summary, frame)
    rows = best[best["metric"] == sweep.objective].to_dict("records")
    if not rows and sweep.objective in UNRANKED:   # every metric recorded is one nobody wins (a spend, a dashboard's ROI)
        return [f"No point is ranked: {', '.join(sweep.metrics)} {'is a measure' if len(sweep.metrics) == 1 else 'are measures'} "
                f"no design wins by; record incremental_value (or another verdict) to rank the points; each "
                f"point's figures are in points.csv."]
    if not rows:
        return [f"No point has a finite {sweep.objective}{_why_none(sweep)}; see the runs below."]
    by_id = summary.set_index("point_id")
    label = metric_label(sweep.objective, _horizon(sweep))
    assumptions = list(sweep.spec.assumptions)
    if not assumptions:
        row = rows[0]
        return [f"**Best by {label}: point {row['point_id']} ({_values(by_id.loc[row['point_id']], sweep.parameters)})**, "
                + _best_text(row) + _loses(sweep, row, "this sweep")]
    choices = [k for k in sweep.parameters if k not in assumptions]
    picked = {_values(by_id.loc[row["point_id"]], choices) for row in rows}
    unclear = sum(bool(row["indistinguishable"]) for row in rows)
    # the choices best or statistically tied with the best at each value, and those that are so at every value
    contenders = [{_values(by_id.loc[p], choices) for p in (row["point_id"], *row["indistinguishable"])} for row in rows]
    everywhere = [c for c in dict.fromkeys(_values(by_id.loc[p], choices) for p in by_id.index)
                  if all(c in at for at in contenders)]
    # each point's value of the assumptions and of the choices, and at how many values each choice ran
    at_value = dict(zip(summary["point_id"], value_keys(summary, assumptions)))
    choice_of = dict(zip(summary["point_id"], value_keys(summary, choices)))
    ran_at: dict[tuple, set] = {}
    for point, choice in choice_of.items():
        ran_at.setdefault(choice, set()).add(at_value[point])
    if len(rows) > 1 and all(len(values) == 1 for values in ran_at.values()):
        # drawn afresh at each value (a random or Latin hypercube sweep): nothing to compare across values
        lead = (f"**Each value of {_names(assumptions)} has its own points**: the choices were drawn afresh at each, "
                f"so no choice ran at more than one value and none can be called best across them. The best point at "
                f"each value by {label}:")
    elif len(picked) == 1 and unclear == len(rows) > 1 and all(
            set(row["indistinguishable"]) <= set(row.get("same") or []) for row in rows):
        # tied only with points of its very runs: a swept value that changes no run, which no replicate count tells
        # apart, or one that changes runs too rarely for these seeds (a whole-number metric over a few replicates:
        # rewards of 10 and 30 had the same customers_final on 3 seeds, and 30 was best over 30)
        lead = (f"**No choice is best by {label}**: {picked.pop()} has the best mean at every value of "
                f"{_names(assumptions)}, level there only with points that have the same value in every replicate (the "
                f"same seeds): what they differ in changed none of these runs' {label}. If it changes none, no replicate "
                f"count tells them apart; if it changes a few, more replicates would show which is best.")
    elif len(picked) == 1 and unclear == len(rows) > 1:
        # told apart nowhere: "signup is best at every value", in bold, read as a verdict six times over
        lead = (f"**No choice is told apart as best by {label}**: {picked.pop()} has the best mean (or shares it) at every "
                f"value of {_names(assumptions)}, but at none is it told apart from every other point. More replicates "
                + ("" if sweep.spec.common_random_numbers else "or `common_random_numbers: true` ") + "would tell more apart.")
    elif len(picked) == 1:
        lead = (f"**{picked.pop()} is best by {label} at every value of {_names(assumptions)}**"
                + (f"; at {unclear} of the {len(rows)} values it is not told apart from another point." if unclear else
                   ", told apart from every other point at each."))
    elif everywhere:
        every_choice = len(everywhere) == len({_values(by_id.loc[p], choices) for p in by_id.index})
        lead = (f"**No choice is told apart as best by {label}**: the best mean moves with {_names(assumptions)}, but "
                + (("both choices are" if len(everywhere) == 2 else f"all {len(everywhere)} choices are") if every_choice else
                   _listing(everywhere) + (" is" if len(everywhere) == 1 else " are"))
                + " best or statistically indistinguishable from the best at every value. More replicates "
                + ("" if sweep.spec.common_random_numbers else "or `common_random_numbers: true` ") + "would tell more apart.")
    else:
        movers = _assumptions_that_move(rows, assumptions, {row["point_id"]: choice_of[row["point_id"]] for row in rows})
        lead = (f"**The best choice by {label} depends on {_names(movers or assumptions)}**: no choice is best or tied "
                f"with the best at every value.")
    forfeits = sum(bool(row.get("failed")) for row in rows)
    if forfeits:   # a choice 'best at every value' where its rivals never ran at one of them won there by default
        lead += (f" At {forfeits} of the {len(rows)} values every run of some points failed, so fewer choices were "
                 f"compared there (below).")
    lines = [lead, ""]
    for row in rows:
        at = ", ".join(f"{k} = {_value_text(row[k])}" for k in assumptions)
        alone = list(at_value.values()).count(at_value[row["point_id"]]) == 1
        lines.append(f"- at {at}: point {row['point_id']} ({_values(by_id.loc[row['point_id']], choices)}), "
                     + (f"mean {fmt(row['mean'])}, 95% interval {interval_text(row['ci_low'], row['ci_high'])}; the only "
                        f"point at this value." if alone else _best_text(row, among=" at this value"))
                     + _loses(sweep, row, "this value"))
    return lines


def _loses(sweep: Sweep, row: dict, where: str) -> str:
    """Where a best point's incremental value (or profit) lies below 0 at 95%: no point of
    ``where`` beats having no program, as optimize and compare say of theirs. A sweep's best
    at -3,379 [-5,222, -1,535] read as a design to launch; at each value of an assumption,
    "is best at every value", in bold, stood beside -161,782 [-203,503, -120,060]."""
    if sweep.objective not in ("incremental_value", "incremental_profit") or not row["ci_high"] < 0:
        return ""
    return (f" It loses {'value' if sweep.objective == 'incremental_value' else 'profit'} against running no program "
            f"(its interval lies below 0): no point of {where} beats having no program.")


def _assumptions_that_move(rows: list[dict], assumptions: list[str], best_choice: dict) -> list[str]:
    """The assumptions along which the best choice changes: two values of it, the other
    assumptions the same, with different best choices ("depends on fraud.share and the
    margin" named both where only the margin changed it)."""
    movers = []
    for a in assumptions:
        others = [k for k in assumptions if k != a]
        best_at: dict[tuple, set] = {}
        for row in rows:
            best_at.setdefault(tuple(_value_text(row[k]) for k in others), set()).add(best_choice[row["point_id"]])
        if any(len(choices) > 1 for choices in best_at.values()):
            movers.append(a)
    return movers


def _listing(items: list[str], most: int = 4) -> str:
    """Choices as a short list: "a", "a and b", "a, b and c", "a, b, c and 2 more"."""
    shown = [f"({item})" for item in items[:most]]
    if len(items) > most:
        return ", ".join(shown) + f" and {len(items) - most} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _nothing_to_choose(sweep: Sweep) -> bool:
    """Every parameter of the sweep is an assumption: no point is a choice to rank."""
    return set(sweep.spec.assumptions) >= set(sweep.parameters)


#: A rank correlation is reported as an effect only below this p-value.
EFFECT_P = 0.05


def _ranked_effects(row: dict, keys: list[str]) -> list[tuple[str, float]]:
    """The parameters whose effect on the metric is beyond chance (p below EFFECT_P):
    numeric ones by the size of their rank correlation, then text ones (ρ NaN) by p."""
    beyond = [k for k in keys if row[f"{k} p"] < EFFECT_P]
    return sorted(((k, row[k]) for k in beyond),
                  key=lambda item: (not math.isfinite(item[1]), -abs(item[1]) if math.isfinite(item[1]) else row[f"{item[0]} p"]))


def _effect_text(row: dict, key: str) -> str:
    """'`k` (Spearman ρ = +0.83, p = 0.001)', or for text values '`k` (differs by value, Kruskal–Wallis p = 0.01)'."""
    p = _p_text(row[f"{key} p"])
    if math.isfinite(row[key]):
        return f"`{key}` (Spearman ρ = {row[key]:+.2f}, p {p})"
    return f"`{key}` (differs by value, Kruskal–Wallis p {p})"


def _p_text(p: float) -> str:
    """'= 0.013', or '< 0.001' below it (a permutation test's floor is not an estimate)."""
    if p < 0.001:
        return "< 0.001"
    text = f"{p:.2g}"
    if (p < EFFECT_P) != (float(text) < EFFECT_P):  # 0.0495 would read 0.05, on the other side of the line
        text = f"{p:.3g}"
    return f"= {text}"


def tracked_cost_note(sweep: Sweep, quote: str = "") -> str:
    """optimize's note on cost_per_referred_customer, for a sweep ranked by it: it crowned
    rewards of $1 + $1 with no word (it falls with the cheapest reward whatever the
    program adds)."""
    from ..optimize import Objective, spend_alone_note

    if sweep.objective != "cost_per_referred_customer":
        return ""
    return spend_alone_note([Objective(sweep.objective)], [], quote=quote) + "."


def _why_none(sweep: Sweep) -> str:
    """Why no point has a finite objective, where the base's equity is infinite and no
    swept key can make it finite (run and compare say so; a sweep said only "see the
    runs below"): ": with no discounting ...", else nothing."""
    from ..evaluation import EQUITY_METRICS, equity_made_finite, infinite_equity
    from .text import undefined_value_reason

    base = getattr(sweep, "base", None)
    margins = getattr(sweep, "spec", None) and sweep.spec.parameters.get("economics.monthly_margin")
    if base is not None and base.economics.monthly_margin == 0 and margins is not None and \
            min(getattr(margins, "values", None) or [getattr(margins, "low", 0)]) > 0:
        # a base that earns nothing is finite, but it runs at no point: every margin swept is above 0
        base = base.model_copy(update={"economics": base.economics.model_copy(update={"monthly_margin": 1.0})})
    if (base is None or sweep.objective not in EQUITY_METRICS or not infinite_equity(base)
            or equity_made_finite(base, list(sweep.parameters))):
        return ""
    return f": {undefined_value_reason(base)}"


def _points_with_it(row: dict, summary: pd.DataFrame) -> str:
    """The points an assumption sweep's range and correlations are over: all of them, or
    those with a mean (a point whose runs all failed has none; it read "over the 9
    points" where 3 had failed in every run)."""
    points, failed = int(row["points"]), int((summary["runs_ok"] == 0).sum()) if "runs_ok" in summary else 0
    if points == len(summary):
        return f"{points} points"
    why = [f"{failed} failed in every run"] if failed else []
    if len(summary) - points > failed:
        why.append(f"{len(summary) - points - failed} without a value in any run")
    return f"{points} of {len(summary)} points that have it ({', '.join(why)})"


def _effects_verdict(sweep: Sweep, summary: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
    """The first paragraph of a sweep over assumptions alone: the objective's range over
    the points and the parameters it moves with most."""
    effects = assumption_effects(summary, sweep, frame)
    row = effects[effects["metric"] == sweep.objective].to_dict("records")
    text = "**Every parameter is an assumption, so no point is ranked.**"
    if not row:
        return [text + f" No point has a finite {sweep.objective}{_why_none(sweep)}; see the runs below."]
    row = row[0]
    label = metric_label(sweep.objective, _horizon(sweep))
    text += (f" {label} ranges from {fmt(row['low'])} (point {row['low_point']}) to {fmt(row['high'])} (point "
             f"{row['high_point']}) over the {_points_with_it(row, summary)}")
    ranked = _ranked_effects(row, sweep.parameters)
    tested = [k for k in sweep.parameters if math.isfinite(row[f"{k} p"])]
    few = [k for k in tested if row[f"{k} least p"] >= EFFECT_P]
    if ranked:
        text += "; it moves most with " + ", then ".join(_effect_text(row, k) for k, _ in ranked[:3])
    elif not tested:
        # every run alike (a key no run reads), or alike within each replicate on shared seeds: no test to make
        text += "; no parameter moves it: its runs do not differ from point to point"
    elif len(few) == len(tested):
        # 4 runs of 4 values: 2 of the 24 orders are as extreme as runs in order can be, so p is 0.083 at least
        text += (f"; its {row['runs']} runs are too few for a test to tell a parameter's effect from chance (no "
                 f"p-value below {EFFECT_P} is possible over them): more replicates (`--replicates`) tell")
    else:
        text += (f"; no parameter moves it beyond what chance gives (p ≥ {EFFECT_P} for each, over its {row['runs']} "
                 f"runs)" + ("" if sweep.spec.common_random_numbers else
                             ": the points ran on their own seeds, and `common_random_numbers: true` takes that luck out"))
    return [text + ". A sweep ranks choices; `refsim sensitivity` apportions a decision's variance among assumptions."]


def _effects_section(sweep: Sweep, summary: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
    """The report's table for a sweep over assumptions alone: per metric its range over
    the points and its rank correlation with each parameter."""
    effects = assumption_effects(summary, sweep, frame)
    lines = ["", "## How the metrics move with the assumptions", "",
             "Every parameter is listed under `assumptions`, so no point is a choice to rank. Per metric: the lowest and "
             "highest point mean, and Spearman's rank correlation between each parameter's value and the runs' values "
             "with its permutation p-value (+1: the metric rises with the parameter in every run; a p-value of 0.05 or "
             "more is what chance alone often gives, the luck of each point's seeds included); for a parameter with "
             "text values, whether the runs differ by value (Kruskal–Wallis, its p-value by permutation). "
             + ("The points share each replicate's seed (`common_random_numbers`), so each replicate's runs are ranked "
                "among themselves and the values rearranged within it: the seeds' luck is left out. "
                if sweep.spec.common_random_numbers else "")
             + "Each pools the other parameters' values: a parameter that is really a choice is better left out of "
             "`assumptions`.", "",
             "| metric | lowest (point) | highest (point) | " + " | ".join(sweep.parameters) + " |",
             "|" + "---|" * (3 + len(sweep.parameters))]
    for row in effects.to_dict("records"):
        lines.append(f"| {metric_label(row['metric'], _horizon(sweep))} | {fmt(row['low'])} ({row['low_point']}) | "
                     f"{fmt(row['high'])} ({row['high_point']}) | "
                     + " | ".join(f"{row[k]:+.2f} (p {_p_text(row[f'{k} p'])})" if math.isfinite(row[k]) else
                                  f"by value (p {_p_text(row[f'{k} p'])})" if math.isfinite(row[f"{k} p"]) else "–"
                                  for k in sweep.parameters) + " |")
    return lines


def _best_text(row: dict, among: str = "") -> str:
    """A best point's mean, interval, and the points indistinguishable from it
    (``among``: which points it was ranked with, when not all); then the points where a
    payback never came in any run, which the test counts as the day after the horizon."""
    return _best_core(row, among) + _defined_first_text(row) + _never_text(row)


def _defined_first_text(row: dict) -> str:
    """Why a best by a payback day or a cost per extra customer can have a worse mean
    than points beside it: 'Best by incremental_cac: point 6, mean 26.3' stood beside
    points at 0.02 and 0.82, defined in fewer runs, with no reason given."""
    from ..metrics import UNDEFINED_IS_WORST

    if (row.get("metric") not in UNDEFINED_IS_WORST or not list(row.get("indistinguishable") or [])
            or not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]))):   # one run: said otherwise
        return ""
    return (f" The best by {row['metric']} is the point where it is defined in the most runs, then the best mean: a point "
            f"beside it may have a better mean over fewer runs (points.csv's `{row['metric']}_n`).")


def _never_text(row: dict) -> str:
    """The points that never paid back in any run: listed among those not told apart from
    a best on day 76 with no word that none of their runs paid back (compare says so)."""
    never = list(row.get("never") or [])
    if not never:
        return ""
    many = len(never) > 1
    return (f" Point{'s' if many else ''} {_ids(never, count=False)} never paid back in any run: in the test each of "
            f"{'their' if many else 'its'} runs counts as day {row['never_day']:.0f}, the day after the horizon.")


def _best_core(row: dict, among: str = "") -> str:
    tied = len(row["indistinguishable"])
    if not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])):
        # one run: no spread, so no interval, and 'statistically indistinguishable' was said of every point
        runs, planned = int(row.get("runs", 1) or 1), int(row.get("planned", 1) or 1)
        if planned <= 1:
            return (f"mean {fmt(row['mean'])} from one run: one run gives no interval, so no point can be told apart "
                    f"from it; run 2 or more replicates (`--replicates 2`) before reading a best point.")
        if runs <= 1:
            return (f"mean {fmt(row['mean'])} from the one of its {planned} runs that finished (the others failed: see "
                    f"the runs below): no interval, so no point can be told apart from it.")
        return (f"mean {fmt(row['mean'])} from the one of its {runs} runs where {row['metric']} is defined: no "
                f"interval, so no point can be told apart from it.")
    # a mean over the runs where the metric came, said so as the table says it: "mean 1, 95% interval [1, 1]" read as a
    # sure day-1 payback where one run of three never paid back
    runs, defined = int(row.get("runs", 0) or 0), int(row.get("n", 0) or 0)
    over = (f" over the {defined} of its {runs} runs where {row['metric']} is defined"
            + (f" (the other{'s' if runs - defined > 1 else ''} never paid back: day {row['never_day']:.0f} in the test)"
               if row["metric"] == "payback_day" and math.isfinite(row.get("never_day", math.nan)) else "")
            if 0 < defined < runs else "")
    text = f"mean {fmt(row['mean'])}{over}, 95% interval {interval_text(row['ci_low'], row['ci_high'])}. "
    failed = list(row.get("failed") or [])
    # a point whose every run failed was compared with nothing: "every other point is distinguishable" read as a win
    forfeit = (f" Every run of point{'s' if len(failed) > 1 else ''} {_ids(failed, count=False)} failed: "
               f"{'they were' if len(failed) > 1 else 'it was'} not compared." if failed else "")
    valueless = list(row.get("valueless") or [])   # a K whose window closed in no run: no value to compare
    forfeit += (f" Point{'s' if len(valueless) > 1 else ''} {_ids(valueless, count=False)} "
                f"{'have' if len(valueless) > 1 else 'has'} no {row['metric']} in any run: not compared."
                if valueless else "")
    if not tied and (failed or valueless) and row.get("compared", 1) == 0:
        return text + f"No other point{among} ran to compare it with." + forfeit
    if not tied and not row.get("same") and row.get("compared", 1) == 0:
        # a sweep of one point: "Every other point is distinguishable from it at 95%" where there was none
        return text + f"There is no other point{among} to compare it with."
    same = list(row.get("same") or [])
    # points with its very runs on the common seeds: a tie on these seeds, named as such
    alike = (f" Point{'s' if len(same) > 1 else ''} {_ids(same, count=False)} "
             f"{'have' if len(same) > 1 else 'has'} the same value in every replicate (the same seeds): what "
             f"{'they differ' if len(same) > 1 else 'it differs'} in changed none of these runs, so the best is named "
             f"among them by order alone (more replicates may yet tell them apart)." if same else "")
    # a tie is no test: its points are named below, not counted among those tested ("5: 1, 2, 3, 4, 5" held the tie)
    tested = _tested(row)
    return text + (f"{len(tested)} other point{'s are' if len(tested) != 1 else ' is'} statistically indistinguishable "
                   f"from it at 95% ({'paired' if row['paired'] else 'unpaired'}): point{'s' if len(tested) != 1 else ''} "
                   f"{_ids(tested, count=False)}; the `indistinguishable_from_best` column of points.csv marks them"
                   + (" and the tie" if same else "") + "." if tested else
                   (f"No other point{among} was tested against it: every other one that ran ties with it."
                    if same and len(same) >= row.get("compared", len(same)) else
                    f"Every other point{among}{' that ran' if failed or valueless else ''}"
                    + (" but those tied with it" if same else "") + " is distinguishable from it at 95%.")) + alike + forfeit


def _values(point, keys: list[str]) -> str:
    return ", ".join(f"{k} = {_value_text(point[k])}" for k in keys)


def swept_values(spec) -> dict:
    """Each swept key's listed values (a range has none listed): what study_world_note reads
    of a block swept whole."""
    return {key: list(p.values) for key, p in spec.parameters.items() if getattr(p, "values", None) is not None}


def _names(keys: list[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def _value_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    return choice_text(value)   # false, not Python's False


def _shortened(error: str, most: int = 600) -> str:
    """A failed run's error for report.md: whole up to ``most`` characters, else its start
    and its end, where the reason is ("... must be at most 1 (got 1.1)"). It was cut at
    200 characters, mid-word, and the reason lost."""
    return error if len(error) <= most else f"{error[:most // 2]} … {error[-(most // 2):]}"
