"""Figures a person would rather look at than read: bands over replicates."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .results import atomic_write  # noqa: E402


def _band(ax, frame: pd.DataFrame, column: str, label: str, color=None, cumulative: bool = False):
    table = frame.pivot(index="day", columns="replicate", values=column)
    if cumulative:
        table = table.cumsum()
    mean = table.mean(axis=1)
    line, = ax.plot(mean.index, mean.values, label=label, color=color)
    if table.shape[1] > 1:
        low, high = table.quantile(0.05, axis=1), table.quantile(0.95, axis=1)
        ax.fill_between(mean.index, low.values, high.values, alpha=0.2, color=line.get_color())
    return line


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    atomic_write(path, lambda temp: fig.savefig(temp, dpi=110, format="png"))
    plt.close(fig)
    return path


def adoption(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Active customers per day: mean line and 5-95% band over replicates, per design."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, frame in timeseries.items():
        _band(ax, frame, "customers", name)
    ax.set(xlabel="day", ylabel="active customers", title="Adoption (mean, 5–95% of replicates)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def acquisition_mix(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Cumulative new customers by source (organic vs referred), per design."""
    fig, axes = plt.subplots(1, len(timeseries), figsize=(5 * len(timeseries), 3.8), squeeze=False, sharey=True)
    for ax, (name, frame) in zip(axes[0], timeseries.items()):
        _band(ax, frame, "new_organic", "organic", color="tab:blue", cumulative=True)
        _band(ax, frame, "new_referred", "referred", color="tab:orange", cumulative=True)
        ax.set(xlabel="day", title=name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("new customers to date")
    fig.suptitle("Acquisition mix (mean, 5–95% of replicates)")
    return _save(fig, path)


def cumulative_profit(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, frame in timeseries.items():
        _band(ax, frame, "cumulative_profit", name)
    ax.axhline(0, color="black", lw=0.8)
    ax.set(xlabel="day", ylabel="cumulative profit", title="Cumulative profit (mean, 5–95% of replicates)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def distribution(runs: pd.DataFrame, metric: str, path: Path, title: str | None = None) -> Path:
    """Histogram of one metric over replicates, one colour per design."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, group in runs.groupby("scenario", sort=False):
        values = group[metric].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values):
            ax.hist(values, bins=min(30, max(5, len(values) // 2)), alpha=0.5, label=name)
    ax.set(xlabel=metric, ylabel="replicates", title=title or f"{metric} over replicates")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def standard(timeseries: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """The plots every results folder gets."""
    return [
        adoption(timeseries, folder / "adoption.png"),
        acquisition_mix(timeseries, folder / "acquisition_mix.png"),
        cumulative_profit(timeseries, folder / "cumulative_profit.png"),
    ]
