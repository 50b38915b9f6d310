"""The readable files of a sweep folder: sweep.parquet / sweep.csv (one row per
run), points.csv (per point means), plots, report.md and manifest.json."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import plots
from ..compare import LOWER_IS_BETTER, NEUTRAL
from ..results import StudyLock, atomic_write_csv, atomic_write_json, atomic_write_parquet, atomic_write_text, manifest
from ..sweep import SweepOutcome, point_summary
from ..sweep_spec import Sweep, ValueList
from .text import figure_links, fmt


def write_sweep(outcome: SweepOutcome, *, command: list[str] | None = None) -> Path:
    """Write the outputs of a finished sweep into its folder (holding the folder's lock)."""
    with StudyLock(outcome.folder, "sweep"):
        write_outputs(outcome.sweep, outcome.frame, outcome.table, outcome.folder, seed=outcome.seed,
                      state=outcome.state, executor=outcome.executor, workers=outcome.workers, command=command)
    return outcome.folder


def write_outputs(sweep: Sweep, frame: pd.DataFrame, points, folder: Path, *, seed: int, state: dict,
                  executor: str, workers: int, command: list[str] | None) -> None:
    """sweep.parquet / sweep.csv (one row per run), points.csv, plots, report.md, manifest.json."""
    atomic_write_parquet(folder / "sweep.parquet", frame)
    atomic_write_csv(folder / "sweep.csv", frame)
    summary = point_summary(frame, sweep)
    atomic_write_csv(folder / "points.csv", summary)
    figures = []
    ok = frame[frame["status"] == "ok"]
    if len(ok):
        discrete = {k: sweep.spec.method == "grid" or isinstance(sweep.spec.parameters[k], ValueList) for k in sweep.parameters}
        log = {k: getattr(sweep.spec.parameters[k], "log", False) for k in sweep.parameters}
        for metric in sweep.metrics:
            if not np.isfinite(ok[metric].to_numpy(dtype=float)).any():
                continue
            figures.append(plots.sweep_metric(ok, sweep.parameters, metric, folder / f"{metric}.png", discrete=discrete,
                                              log=log))
            if sweep.spec.method == "grid" and len(sweep.parameters) == 2:
                x, y = sweep.parameters
                figures.append(plots.sweep_heatmap(ok, x, y, metric, folder / f"{metric}_heatmap.png"))
    atomic_write_text(folder / "report.md", sweep_markdown(sweep, frame, summary, figures, seed))
    started = dt.datetime.fromisoformat(state["started"])
    atomic_write_json(folder / "manifest.json", manifest(
        scenarios=[sweep.base], seeds={sweep.base.name: frame["seed"].tolist()}, started=started, ended=dt.datetime.now(),
        command=command, extra={"sweep": {
            "file": sweep.source, "name": sweep.name, "fingerprint": state["fingerprint"], "sweep_seed": seed,
            "spec": sweep.spec.model_dump(mode="json"), "replicates": sweep.replicates, "metrics": list(sweep.metrics),
            "points": len(points), "runs": len(frame), "failed": int((frame["status"] != "ok").sum()),
            "run_ids": "run_id = point_id * replicates + replicate; each run's seed is in sweep.parquet",
            "executor": executor, "workers": workers}}))


def sweep_markdown(sweep: Sweep, frame: pd.DataFrame, summary: pd.DataFrame, figures: list[Path], seed: int) -> str:
    spec = sweep.spec
    failed = frame[frame["status"] != "ok"]
    lines = [
        f"# Sweep: {sweep.name}",
        "",
        spec.description.strip(),
        "",
        f"Base scenario **{sweep.base.name}** ({sweep.base_source}); method **{spec.method}**, {len(summary)} points × "
        f"{sweep.replicates} replicates = {len(frame)} runs, sweep seed {seed}"
        + (" (common random numbers: every point on the same replicate seeds)." if spec.common_random_numbers else "."),
        "",
        "| parameter | values |",
        "|---|---|",
    ]
    for key, parameter in spec.parameters.items():
        if isinstance(parameter, ValueList):
            described = ", ".join(map(str, parameter.values[:12])) + (" …" if len(parameter.values) > 12 else "")
        else:
            described = f"{parameter.low:g} to {parameter.high:g}" + (" (log)" if parameter.log else "") + \
                        (" (whole numbers)" if parameter.integer else "") + (f", {parameter.levels} levels" if parameter.levels else "")
        lines.append(f"| {key} | {described} |")
    lines += ["", "## Best points", "",
              "The point with the best mean of each metric (95% t-interval of the mean over its replicates).", "",
              "| metric | best point | parameters | mean | 95% interval |", "|---|---|---|---|---|"]
    for metric in sweep.metrics:
        column = summary[f"{metric}_mean"]
        if metric in NEUTRAL or column.isna().all():
            continue
        best = summary.loc[column.idxmin() if metric in LOWER_IS_BETTER else column.idxmax()]
        values = ", ".join(f"{k} = {_value_text(best[k])}" for k in sweep.parameters)
        low, high = best[f"{metric}_ci_low"], best[f"{metric}_ci_high"]
        band = f"{fmt(low)} – {fmt(high)}" if math.isfinite(low) else "–"
        lines.append(f"| {metric} | {int(best['point_id'])} | {values} | {fmt(best[f'{metric}_mean'])} | {band} |")
    lines += ["", "## Runs", "",
              f"{len(frame) - len(failed)} runs ok, {len(failed)} failed."
              + (" Failed runs have status `failed` and their error in the `error` column of sweep.csv; for example: "
                 f"run {int(failed.iloc[0]['run_id'])} (seed {int(failed.iloc[0]['seed'])}): `{failed.iloc[0]['error'][:200]}`"
                 if len(failed) else ""),
              "", "Files: sweep.parquet / sweep.csv (one row per run), points.csv (per point means), manifest.json.",
              "", "## Figures", "", *figure_links(figures)]
    return "\n".join(lines)


def _value_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    return str(value)

