"""The folder of ``refsim compare``: comparison.csv, plots and a report that says
which design wins and how sure that is."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots
from ..compare import (LOWER_IS_BETTER, NEUTRAL, Comparison, paired_difference, replicates_needed,
                       unpaired_difference)
from ..results import ResultsFolder, atomic_write_csv, atomic_write_json, atomic_write_text, manifest
from ..runner import Results, summarize
from .text import figure_links, fmt, interval_text, summary_dict


def write_comparison(comparison: Comparison, out: Path, *, started: dt.datetime, command: list[str] | None = None) -> Path:
    """Write the comparison folder atomically (staged, then renamed into place)."""
    designs = comparison.designs
    runs = pd.concat([d.runs for d in designs], ignore_index=True)
    summary = summarize(runs)
    series = {d.scenario.name: d.timeseries for d in designs}
    with ResultsFolder(out) as folder:
        path = folder.path
        atomic_write_csv(path / "comparison.csv", comparison.table)
        atomic_write_csv(path / "timeseries.csv", pd.concat(series.values(), ignore_index=True))
        atomic_write_csv(path / "runs.csv", runs)
        atomic_write_csv(path / "summary.csv", summary)
        atomic_write_json(path / "summary.json", summary_dict(summary))
        figures = plots.standard(series, path)
        figures.append(plots.distribution(runs, "attributed_roi", path / "roi_distribution.png", title="Attributed ROI over replicates"))
        figures.append(plots.paired_intervals(comparison.table, path / "paired_vs_unpaired.png"))
        atomic_write_text(path / "report.md", comparison_markdown(comparison, figures))
        atomic_write_json(path / "manifest.json", manifest(
            scenarios=[d.scenario for d in designs], seeds={d.scenario.name: d.seeds for d in designs},
            started=started, ended=dt.datetime.now(), command=command,
            extra={"compare": {"reference": comparison.reference, "designs": comparison.names,
                               "replicates": len(comparison.seeds), "seed": designs[0].scenario.seed,
                               "common_random_numbers": True, "precision": comparison.precision}}))
    return Path(out)


def winners(comparison: Comparison) -> list[str]:
    """One sentence per metric: which design has the best mean, by how much over the
    runner-up, and whether the paired interval of that difference excludes 0."""
    designs = comparison.designs
    table = comparison.table
    lines = []
    n = len(comparison.seeds)
    for metric in dict.fromkeys(table["metric"]):
        if metric in NEUTRAL:
            continue
        means = table[table["metric"] == metric].set_index("design")["mean"]
        if means.isna().all():
            continue
        order = means.sort_values(ascending=metric in LOWER_IS_BETTER, na_position="last").index.tolist()
        best, runner_up = order[0], order[1]
        a = _metric_values(designs, runner_up, metric)
        b = _metric_values(designs, best, metric)
        paired = paired_difference(a, b)
        unpaired = unpaired_difference(a, b)
        low, high, diff = paired["diff_ci_low"], paired["diff_ci_high"], paired["diff_mean"]
        if low == 0 and high == 0:
            lines.append(f"- **{metric}**: {best} and {runner_up} give identical results on every replicate.")
            continue
        sure = math.isfinite(low) and (low > 0 or high < 0)
        need = replicates_needed(paired["diff_sd"], comparison.precision * abs(diff))
        direction = "lower" if metric in LOWER_IS_BETTER else "higher"
        text = (f"- **{metric}**: **{best}** is best ({fmt(means[best])}, {direction} is better) against {runner_up} "
                f"({fmt(means[runner_up])}); {best} − {runner_up} = {fmt(diff)}, paired 95% interval {interval_text(low, high)}")
        if sure:
            text += " excludes 0: **sure at 95%**"
        else:
            text += " includes 0: **not distinguishable** with these replicates"
        text += f" (unpaired interval {interval_text(unpaired['unpaired_ci_low'], unpaired['unpaired_ci_high'])})."
        if math.isfinite(need):
            text += (f" For ±{comparison.precision:.0%} of the difference about {int(need)} replicates would do "
                     f"(this comparison has {n}).")
        lines.append(text)
    return lines


def _metric_values(designs: list[Results], name: str, metric: str) -> np.ndarray:
    design = next(d for d in designs if d.scenario.name == name)
    return design.runs.sort_values("replicate")[metric].to_numpy(dtype=float)


def comparison_markdown(comparison: Comparison, figures: list[Path]) -> str:
    table = comparison.table
    first = comparison.designs[0].scenario
    n = len(comparison.seeds)
    lines = [
        f"# Comparison: {' vs '.join(comparison.names)}",
        "",
        f"{len(comparison.designs)} designs, {n} replicates each of {first.days} days, all on the same replicate seeds "
        f"(scenario seed {first.seed}; every seed is in manifest.json). Reference: **{comparison.reference}**.",
        "",
        "Because every design sees the same luck (graph, seed customers, organic adoption days, satisfaction,",
        "churn clocks), the difference between two designs is measured replicate by replicate; its interval",
        "(paired) is much narrower than the one two independent samples would give (unpaired).",
        "",
        "## Who wins",
        "",
        *winners(comparison),
        "",
        f"## Differences from {comparison.reference} (paired, 95%)",
        "",
        "| design | metric | mean | difference | paired 95% interval | unpaired 95% interval | verdict | replicates for ±"
        f"{comparison.precision:.0%} (paired / unpaired) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table[table["verdict"] != "reference"].to_dict("records"):
        need = "/".join("–" if not math.isfinite(row[k]) else str(int(row[k]))
                        for k in ("replicates_needed_paired", "replicates_needed_unpaired"))
        lines.append(f"| {row['design']} | {row['metric']} | {fmt(row['mean'])} | {fmt(row['diff_mean'])} | "
                     f"{interval_text(row['diff_ci_low'], row['diff_ci_high'])} | "
                     f"{interval_text(row['unpaired_ci_low'], row['unpaired_ci_high'])} | {row['verdict']} | {need} |")
    lines += [
        "",
        "`better`/`worse`: the paired interval excludes 0; `unclear`: it does not; the replicate counts are the",
        "smallest n with t(0.975, n−1)·sd/√n within the target, sd being that of the paired differences (paired)",
        "or √(s_A² + s_B²) (unpaired, same n per design).",
        "",
        "## Figures",
        "",
        *figure_links(figures),
    ]
    return "\n".join(lines)
