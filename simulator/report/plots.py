"""Figures a person would rather look at than read: bands over replicates."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Sequence


from . import figure  # noqa: E402,F401 - the figures' conventions: a headless backend, names drawn as text
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..metrics import UNDEFINED_IS_WORST, copies, holm_steps, t_quantile, two_sided_p  # noqa: E402
from ..evaluation import DAY_METRICS  # noqa: E402
from .text import axis_label, fmt_short, horizon_profit, unit_of  # noqa: E402


#: The replicates' spread a band or a bar covers: the 2.5–97.5% of single runs that report.md's tables give
#: beside each mean (the figures drew 5–95% beside those tables).
SPREAD = (0.025, 0.975)
SPREAD_TEXT = "2.5–97.5%"


def design_colours(count: int) -> list:
    """One colour per design, by its place in the list, the same in every figure of a
    folder: matplotlib's ten (C0 to C9) up to ten designs; beyond, tab20's lighter ten
    after them, then hues spread around the wheel. The ten repeated (C{i % 10}): the
    first and eleventh of eleven designs were one blue in every figure, bands, payback
    lines and all, and the legend could not tell them apart."""
    import matplotlib as mpl

    if count <= 10:
        return [f"C{i}" for i in range(count)]
    light = [mpl.colormaps["tab20"](2 * i + 1) for i in range(10)]
    colours = [*(f"C{i}" for i in range(10)), *light]
    more = count - len(colours)
    return (colours + [mpl.colormaps["hsv"](i / more) for i in range(more)])[:count]


def _band(ax, frame: pd.DataFrame, column: str, label: str, color=None, cumulative: bool = False, ls: str = "-"):
    table = frame.pivot(index="day", columns="replicate", values=column)
    if cumulative:
        table = table.cumsum()
    mean = table.mean(axis=1)
    line, = ax.plot(mean.index, mean.values, label=label, color=color, ls=ls)
    if table.shape[1] > 1:
        low, high = table.quantile(SPREAD[0], axis=1), table.quantile(SPREAD[1], axis=1)
        ax.fill_between(mean.index, low.values, high.values, alpha=0.2, color=line.get_color())
    return line


def log_axis(ax) -> None:
    """A log x axis labelled 1, 2, 5, 10, 20, 50 ... as plain numbers: the default's
    '3x10^1' and '4x10^1' printed over each other on a sweep's 5-to-100 range."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _save(fig, path: Path, rect: tuple | None = None) -> Path:
    """``rect``: the part of the figure the axes fit in (room left for a note under them)."""
    from .figure import save

    save(fig, path, rect=rect or None)
    return path


def copy_labels(series: dict[str, np.ndarray]) -> dict[str, str]:
    """Each design's legend label: its name, or "name (the same values as other)" where
    its ``series`` (the values a figure draws) equal an earlier design's, whose line its
    own then covers exactly (a copy under another name: the original's colour showed in
    the legend and nowhere in the figure). As the ROI histogram names such a design."""
    labels, seen = {}, []
    for name, values in series.items():
        values = np.asarray(values, dtype=float)
        twin = next((other for other, drawn in seen if drawn.shape == values.shape
                     and np.array_equal(drawn, values, equal_nan=True)), None)
        seen.append((name, values))
        labels[name] = name if twin is None else f"{name} (the same values as {twin})"
    return labels


def adoption(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Active customers per day: mean line and 2.5–97.5% band over replicates, per design."""
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = copy_labels({name: frame["customers"].to_numpy() for name, frame in timeseries.items()})
    for (name, frame), colour in zip(timeseries.items(), design_colours(len(timeseries))):
        _band(ax, frame, "customers", labels[name], color=colour)
    ax.set(xlabel="day", ylabel="active customers [people]", title=f"Adoption (mean, {SPREAD_TEXT} of replicates)")
    ax.grid(alpha=0.3)
    return _save(fig, path, rect=_designs_legend(fig, ax))


#: acquisition_mix's sources: column, label, colour (Dark2, none of the designs' tab10 colours), line style.
SOURCE_STYLES = (("new_organic", "organic", "#a6761d", ":"),
                 ("new_referred", "referred (tracked link)", "#7570b3", "-"),
                 ("new_word_of_mouth", "word of mouth (untracked)", "#1b9e77", "--"))


#: acquisition_mix.png's panels to a row.
MIX_COLUMNS = 4


def acquisition_mix(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Cumulative new customers by source, per design: organic, referred (a tracked
    referral link) and word of mouth (an untracked invitation, often the largest group,
    which the plot left out)."""
    # at most MIX_COLUMNS panels to a row: twelve designs made one row 6,600 px wide, unreadable at a page's width
    columns = min(len(timeseries), MIX_COLUMNS)
    rows = -(-len(timeseries) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.8 * rows), squeeze=False, sharey=True)
    for ax in axes.flat[len(timeseries):]:
        ax.set_visible(False)
    for ax, (name, frame) in zip(axes.flat, timeseries.items()):
        # sources in colours and line styles of their own: tab:blue and tab:orange were the first two designs'
        # colours in the folder's other figures (design, twin), here meaning organic and referred
        for column, label, color, ls in SOURCE_STYLES:
            if column in frame:
                _band(ax, frame, column, label, color=color, cumulative=True, ls=ls)
        # wrapped to the panel: two names of 60 characters ran into each other and off the figure's edge
        ax.set(xlabel="day", title="\n".join(textwrap.wrap(name, 42)))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for row in axes:
        row[0].set_ylabel("new customers to date [people]")
    fig.suptitle(f"Acquisition mix (mean, {SPREAD_TEXT} of replicates)")
    return _save(fig, path)


def cumulative_profit(timeseries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Profit to date per design; the last day's value is the horizon's profit (a
    1-year profit on a 365-day run), not the value of the customers still active."""
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = copy_labels({name: frame["cumulative_profit"].to_numpy() for name, frame in timeseries.items()})
    for (name, frame), colour in zip(timeseries.items(), design_colours(len(timeseries))):
        _band(ax, frame, "cumulative_profit", labels[name], color=colour)
    ax.axhline(0, color="black", lw=0.8)
    spans = {int(frame["day"].max()) for frame in timeseries.values()}
    # each line ends at its own design's horizon where an unpaired compare's differ ('300-day profit' of a 60-day line)
    at_end = f" ({horizon_profit(spans.pop())} at the end)" if len(spans) == 1 else "\n(each line ends at its horizon)"
    ax.set(xlabel="day", ylabel=f"profit to date [currency]{at_end}",
           title=f"Cumulative profit (mean, {SPREAD_TEXT} of replicates)")
    ax.grid(alpha=0.3)
    return _save(fig, path, rect=_designs_legend(fig, ax))


#: Designs a legend holds inside the axes' corner; more go under the axes.
LEGEND_INSIDE = 4


def _designs_legend(fig, ax) -> tuple | None:
    """The designs' legend: in the axes' upper left for a few short names, else under the
    axes, two names to a row (one, wrapped, for long names), the figure made taller to
    hold it; the ``rect`` to lay the axes out in (None: the whole figure). Twelve long
    names in the corner covered the curves over days 0 to 45."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) <= LEGEND_INSIDE and max(map(len, labels), default=0) <= 40:
        ax.legend(loc="upper left", fontsize=8)
        return None
    # two names to a row where they fit the figure's width; longer ones one to a row, wrapped (two columns of
    # 55-character names ran off both edges, the swatches of the first column with them)
    columns = 2 if max(map(len, labels)) <= LEGEND_PAIR_CHARS else 1
    labels = ["\n".join(textwrap.wrap(label, 2 * LEGEND_PAIR_CHARS)) for label in labels]
    rows = sum(label.count("\n") + 1 for label in labels) if columns == 1 else -(-len(labels) // 2)
    extra = LEGEND_ROW * rows + 0.15
    height = fig.get_figheight()
    fig.set_figheight(height + extra)
    fig.legend(handles, labels, loc="lower center", ncol=columns, fontsize=8, frameon=False)
    return (0, extra / (height + extra), 1, 1)


#: The longest design name two legend columns hold side by side on a 7-inch figure.
LEGEND_PAIR_CHARS = 45


def incremental_value(designs: dict[str, tuple[pd.DataFrame, pd.DataFrame]], path: Path, *,
                      payback: dict[str, float] | None = None, final: dict[str, float] | None = None,
                      paid_back: dict[str, float] | None = None, colors: dict[str, str] | None = None,
                      paired: bool = True, left_out: list[str] | None = None) -> Path:
    """Program minus its no-program twin, replicate by replicate on the same seed:
    cumulative profit to date (mean line, 2.5–97.5% band of the paired differences), the
    payback day marked (with ``paid_back``, the share of replicates that pay back, when
    not all), and the final incremental value (profit + customer equity − rewards owed − rewards unpaid +
    pipeline) on the last day: ``final`` maps a name to every replicate's value (their mean as a dot, the
    2.5–97.5% of them as a bar) or to one value (a dot). ``designs`` maps a name to (timeseries, twin
    timeseries); ``colors`` a name to its colour; ``paired``: the designs ran on the same seeds (a
    compare with --unpaired did not, and the footnote said they were told apart run by run);
    ``left_out``: designs without a program, their own twin, named in the legend as not
    drawn (the legend showed 2 of a compare's 3 designs, with no word of the third)."""
    finals = {name: _finite((final or {}).get(name, np.nan)) for name in designs}
    left_out = [name for name in left_out or () if name not in designs]
    rows = len(designs) + len(left_out)
    if any(len(values) for values in finals.values()):
        # the value at the horizon in a panel of its own, on its own scale: beside values of 20,000 on one axis the
        # profit line's dip to -184 on day 81 (a payback on day 153) lay flat on 0, and the payback the legend named
        # could not be seen
        fig, (ax, side) = plt.subplots(1, 2, figsize=(8, 4 + LEGEND_ROW * rows),
                                       gridspec_kw={"width_ratios": [5, 1]})
    else:
        (fig, ax), side = plt.subplots(figsize=(7, 4 + LEGEND_ROW * rows)), None
    named = copy_labels({name: np.r_[series["cumulative_profit"].to_numpy(float), twin["cumulative_profit"].to_numpy(float)]
                         for name, (series, twin) in designs.items()})
    for i, (name, (series, twin)) in enumerate(designs.items()):
        program = series.pivot(index="day", columns="replicate", values="cumulative_profit")
        baseline = twin.pivot(index="day", columns="replicate", values="cumulative_profit")
        gap = program - baseline[program.columns]
        mean = gap.mean(axis=1)
        day = (payback or {}).get(name)
        share = (paid_back or {}).get(name, 1.0)
        # the payback in the legend, beside the design's name: written by the dashed line, it ran through the lines
        # and the bands; a design that never paid back had no mark at all
        if day is not None and np.isfinite(day):
            # a median over the replicates that pay back: 'payback day 334' read as the design's, paid back in half
            # "payback day 116 (67% of replicates)" read as two thirds paid back by day 116: it is the median of those
            # beside a mean payback in comparison.csv, an unlabelled day read as another figure for the same thing
            # a count, as report.md gives it: "62%" was 5 of 8
            label = (f"{named[name]}: {'median ' if gap.shape[1] > 1 else ''}payback day {day:.0f}"
                     + (f" (of the {round(share * gap.shape[1])} of {gap.shape[1]} replicates that pay back)"
                        if share < 1 else ""))
        elif paid_back is not None and name in paid_back and share == 0:
            label = f"{named[name]}: never pays back by day {int(mean.index[-1])}"
        else:
            label = named[name]
        line, = ax.plot(mean.index, mean.values, label=label, **({"color": colors[name]} if colors else {}))
        if gap.shape[1] > 1:
            ax.fill_between(mean.index, gap.quantile(SPREAD[0], axis=1).values, gap.quantile(SPREAD[1], axis=1).values, alpha=0.2,
                            color=line.get_color())
        if day is not None and np.isfinite(day):
            ax.axvline(day, color=line.get_color(), ls="--", lw=1)
        # the headline at the horizon: the mean as a dot and, given every replicate's value, the 2.5–97.5% of them as a bar,
        # as the profit's band; a bare dot read as a sure figure where the interval held 0
        values = finals[name]
        if len(values) and side is not None:
            value = float(values.mean())
            spread = {} if len(values) < 2 else {"yerr": [[value - np.quantile(values, SPREAD[0])],
                                                          [np.quantile(values, SPREAD[1]) - value]], "capsize": 3}
            # side by side, so that designs' bars do not hide each other
            side.errorbar([i], [value], fmt="o", color=line.get_color(), ms=5, **spread)
    for name in left_out:
        ax.plot([], [], " ", label=f"{name}: no program, so its own twin: 0 by definition (not drawn)")
    ax.axhline(0, color="black", lw=0.8)
    # 'paired' above an --unpaired compare's footnote read as a contradiction: each design is paired with its own twin
    # one replicate draws no band nor bar: the titles announced both all the same
    several = max(series["replicate"].nunique() for series, _ in designs.values()) > 1
    ax.set(xlabel="day", ylabel="program − no-program twin [currency]",
           title="Incremental profit to date, each run against its twin\n"
                 + (f"(line: mean, band: {SPREAD_TEXT} of replicates)" if several else "(one replicate: no band)"))
    ax.title.set_fontsize(9)
    ax.grid(alpha=0.3)
    if side is not None:
        lasts = {int(series["day"].max()) for series, _ in designs.values()}
        # each design's own last day where an unpaired compare's horizons differ ('on day 300' over a 60-day dot)
        when = f"on day {lasts.pop()}" if len(lasts) == 1 else "on each design's\nlast day"
        side.axhline(0, color="black", lw=0.8)
        side.set_xlim(-0.75, len(designs) - 0.25)
        side.set_xticks([])
        side.yaxis.tick_right()
        side.set_title(f"Incremental value\n{when}\n" + (f"(dot: mean, bar:\n{SPREAD_TEXT}\nof replicates)" if several
                                                          else "(one replicate:\nno bar)"), fontsize=8)
        side.yaxis.set_label_position("right")   # its own scale: the left panel's label names the profit's
        side.set_ylabel("incremental value [currency]", fontsize=7)
        side.set_xlabel("profit + customer\nequity − rewards\nowed − rewards\nunpaid + referrals\nstill converting",
                        fontsize=7)
        side.tick_params(labelsize=7)
        side.grid(alpha=0.3, axis="y")
    # the legend across the figure, under the panels and over the footnote: in the axes' corner a program that lost
    # money from day 0 drew its line and band under it, and under the left panel alone long names ran off the figure
    # and under the right panel's label
    height = fig.get_figheight()
    # bands and bars are drawn from two replicates on: with one the footnote spoke of none
    foot = FOOTNOTE_HEIGHT if several else 0.0
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, foot / height), fontsize=8,
               frameon=False)
    rect = (0, (foot + LEGEND_ROW * rows + 0.1) / height, 1, 1)
    if len(designs) == 1 and several:
        # a run's report said "95% interval [-7,944, 63,994]: not distinguishable from no program" beside a bar from
        # 8,675 to 57,430, wholly above 0: read as the interval, the bar gave the opposite verdict
        fig.text(0.5, 0.01, "The band and the bar are the spread of single runs, each against its twin, not the interval "
                            "of the mean that report.md's verdict uses: with few replicates that interval can be the "
                            "wider.", ha="center", va="bottom", fontsize=7, wrap=True)
    if len(designs) > 1 and several:
        # two designs' bands overlapped heavily beside a verdict 'sure at 95%': the bands are single runs' spread
        told = ("designs are told apart run by run on the same seeds (report.md's verdict)" if paired else
                "the designs ran on their own seeds (--unpaired), and report.md's verdict compares their means "
                "(Welch), not these spreads")
        fig.text(0.5, 0.01, "Bands and bars are the spread of single runs, each design against its own twin; "
                            f"{told}, so overlapping bands do not make a tie.", ha="center", va="bottom", fontsize=7,
                 wrap=True)
    return _save(fig, path, rect=rect)


#: incremental_value.png's height for each legend row, and for its two-line footnote [inches].
LEGEND_ROW = 0.17
FOOTNOTE_HEIGHT = 0.35


def _finite(values) -> np.ndarray:
    values = np.atleast_1d(np.asarray(values, dtype=float))
    return values[np.isfinite(values)]


def partial_month(days: int, window: int, month_days: int = 30) -> tuple[int, int, int] | None:
    """The last join month of K by month (metrics.cohort_k_by_month) when only part of it
    counts: (its join_month, its first day, the last day whose joiners' window closed by
    ``days``); None when the last month is whole or there is none."""
    from ..metrics import k_month_days

    spans = k_month_days(days, window, month_days)
    if not spans or spans[-1][1] - spans[-1][0] + 1 == month_days:
        return None
    return (len(spans) - 1, *spans[-1])


#: The most characters k_by_month's legend sets in a row of two labels (its two columns' longest, 7-point
#: text on a 7-inch figure: a partial month's 70 beside K = 1's 41 fit).
K_LEGEND_ROW_CHARS = 112


def k_by_month(table: pd.DataFrame, path: Path, note: str = "", *, days: int | None = None, window: int | None = None,
               ended: tuple[str, float] | None = None) -> Path:
    """Cohort K by join month: mean over replicates with its 95% interval, and K = 1;
    with several replicates, each month's K over all runs together too (their referrals
    over their customers), which weighs each customer alike where the mean weighs each
    run alike; ``note``, a short warning under the title (K reads low for a design that asks late).
    With the run's ``days`` and K's ``window``, a last month only part of whose joiners
    have had their window close (365 days, 30-day window: days 331–335 of 331–360) is
    drawn hollow and says so: it had read as a full month's K. ``ended``: what stopped
    the asks of later cohorts (text.k_ended), ("budget", the median day a budget ran out)
    or ("asks", a campaign's last push), a dotted line where it falls among the months."""
    from ..runner import interval

    fig, ax = plt.subplots(figsize=(7, 4))
    months = sorted(table["join_month"].unique())
    stats = [interval(table.loc[table["join_month"] == m, "k"].to_numpy(), metric="k_factor") for m in months]
    mean = np.array([s["mean"] for s in stats])
    low = np.array([s["ci_low"] for s in stats])
    high = np.array([s["ci_high"] for s in stats])
    x = np.array(months) + 1
    ax.plot(x, mean, "o-", label="cohort K (mean over replicates)")
    last = partial_month(days, window) if days is not None and window is not None else None
    if last is not None and months and months[-1] == last[0]:
        ax.plot(x[-1:], mean[-1:], "o", color="white", markeredgecolor=ax.lines[-1].get_color(), zorder=3,
                label=f"month {last[0] + 1}: only its joiners of "
                      + (f"day {last[1]}" if last[1] == last[2] else f"days {last[1]}–{last[2]}")
                      + f" (their {window}-day window closed)")
    if len(x) == 1:
        # one month (a 60-day pilot): fill_between draws no band of one point, yet the legend listed it
        finite = bool(np.isfinite(low[0]) and np.isfinite(high[0]))
        ax.errorbar(x, mean, yerr=[[mean[0] - low[0]], [high[0] - mean[0]]] if finite else None, fmt="none",
                    capsize=8, color=ax.lines[0].get_color(), label="95% interval of the mean" if finite else None)
        ax.set_xlim(x[0] - 1, x[0] + 1)
        ax.set_xticks(x)   # ticks at 0.945 ... 1.050 of a one-month axis
    else:
        # one replicate has no interval: no band is drawn, and the legend named one
        banded = bool(np.isfinite(low).any() and np.isfinite(high).any())
        ax.fill_between(x, low, high, alpha=0.25, label="95% interval of the mean" if banded else None)
    pooled = _pooled_k(table, months)
    if table["replicate"].nunique() > 1 and np.isfinite(pooled).any():
        # the mean weighs each run alike: a month where one run held 175 customers at K 0.85 and three others 15, 9
        # and 32 read 0.49 over the runs, against 0.75 over their customers, with no word (pooled_k_note, per month)
        ax.plot(x, pooled, "x--", color="tab:purple", lw=1, label="all runs pooled (referrals / customers)")
    ax.axhline(1, color="black", lw=0.8, ls="--", label="K = 1: each customer replaces themselves")
    if ended is not None and np.isfinite(ended[1]):
        kind, day = ended
        # month m (1-based) is drawn at x = m and holds join days 30(m - 1) + 1 .. 30m: day d sits at 1 + (d - 15.5) / 30
        ax.axvline(1 + (day - 15.5) / 30, color="tab:red", lw=1, ls=":",
                   label=f"budget ran out (day {day:.0f}, the median)" if kind == "budget" else
                   f"the campaign's last push (day {day:.0f})")
    ax.set(xlabel="join month (30-day months of the run; 1 = join_month 0 of k_by_month.csv)", ylabel="tracked referrals per customer",
           title="K by join month: does the loop speed up, hold or stall?" + (f"\n{note}" if note else ""))
    if note:
        ax.title.set_fontsize(9)
    # room above the highest mark or interval end (a K of 1.17 sat half cut off on the top edge)
    top = np.nanmax(np.concatenate([mean, high[np.isfinite(high)], pooled[np.isfinite(pooled)], [1.0]]))
    ax.set_ylim(bottom=0, top=top * 1.08)
    if len(x) > 1:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # a join month is whole: a short run drew 1.25, 1.5, 1.75
    # under the axes, two to a row: inside them (loc="best") it covered the interval's peaks of months 8 and 11
    handles, labels = ax.get_legend_handles_labels()
    # two to a row while they fit the figure's width: a partial month's label beside the pooled line's ran off both edges
    half = -(-len(labels) // 2)   # matplotlib fills the first column first
    pair = max(map(len, labels[:half]), default=0) + max(map(len, labels[half:]), default=0)
    columns = 2 if pair <= K_LEGEND_ROW_CHARS else 1
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=columns)
    ax.grid(alpha=0.3)
    return _save(fig, path, rect=(0, 0.03 + 0.05 * -(-len(labels) // columns), 1, 1))


def _pooled_k(table: pd.DataFrame, months: list) -> np.ndarray:
    """Each join month's K over all the runs together: their referrals over their
    customers (NaN where the table has no counts, or the month no customer)."""
    if not {"customers", "referrals"} <= set(table.columns):
        return np.full(len(months), np.nan)
    sums = table.groupby("join_month")[["customers", "referrals"]].sum().reindex(months)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums["customers"] > 0, sums["referrals"] / sums["customers"], np.nan)


def distribution(runs: pd.DataFrame, metric: str | Sequence[str], path: Path, title: str | Sequence[str] | None = None) -> Path:
    """Histogram of a metric over replicates, one colour per design: the design's place
    in the list, as in the other plots of the folder, and a design undefined in every
    replicate (an ROI without rewards) named in the legend rather than left out. Several
    metrics (with a title each) are panels side by side."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    titles = [title] if title is None or isinstance(title, str) else list(title)
    titles = titles * len(metrics) if len(titles) == 1 else titles
    fig, axes = plt.subplots(1, len(metrics), figsize=(7 * len(metrics), 4), squeeze=False)
    for ax, metric, title in zip(axes[0], metrics, titles):
        every = runs[metric].to_numpy(dtype=float)
        every = every[np.isfinite(every)]
        # one set of bins for every design, so that their bars line up and compare (each design's own read as
        # different spreads); outlined, so that overlapping bars stay told apart
        edges = np.histogram_bin_edges(every, bins=min(30, max(5, len(every) // (2 * max(runs["scenario"].nunique(), 1)))))\
            if len(every) else 10
        seen: list[tuple[str, np.ndarray]] = []   # designs drawn so far, to name one whose replicates repeat them
        groups = list(runs.groupby("scenario", sort=False))
        drawn_values, colours, labels, order = [], [], [], []   # order: the legend's, the designs'
        for (name, group), colour in zip(groups, design_colours(len(groups))):
            values = group[metric].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if len(values):
                # two designs with the same values draw bars of the same heights side by side: the legend says so
                twin = next((other for other, drawn in seen if np.array_equal(np.sort(drawn), np.sort(values))), None)
                seen.append((name, values))
                drawn_values.append(values)
                colours.append(colour)
                labels.append(name if twin is None else f"{name} (the same values as {twin})")
                order.append(labels[-1])
            else:
                ax.plot([], [], color=colour, label=f"{name}: undefined in every replicate")
                order.append(f"{name}: undefined in every replicate")
        if drawn_values:
            # the designs' bars side by side in each bin: drawn over each other, half see-through, a bin holding 3 runs
            # of one design and 4 of another read as one bar in a blend, the first design's colour nowhere in it
            ax.hist(drawn_values, bins=edges, label=labels, color=colours, edgecolor="white", linewidth=0.5)
        drawn = bool(drawn_values)
        ax.set(xlabel=axis_label(metric), ylabel="replicates", title=title or f"{metric} over replicates")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))   # a count of runs: no tick at 0.5
        if drawn:
            # room above the tallest bar for the legend's lines: placed "best" it covered bars where they filled the frame
            handles = dict(zip(*reversed(ax.get_legend_handles_labels())))
            ax.set_ylim(top=ax.get_ylim()[1] * (1.1 + 0.12 * len(handles)))
            ax.legend([handles[label] for label in order], order, fontsize=8, loc="upper center")
        else:  # undefined in every replicate (a payback never reached): say so rather than draw an empty frame
            ax.text(0.5, 0.5, f"{metric} is undefined in every replicate", transform=ax.transAxes, ha="center", va="center")
        ax.grid(alpha=0.3)
    return _save(fig, path)


def standard(timeseries: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """The plots every results folder gets."""
    return [
        adoption(timeseries, folder / "adoption.png"),
        acquisition_mix(timeseries, folder / "acquisition_mix.png"),
        cumulative_profit(timeseries, folder / "cumulative_profit.png"),
    ]


# --------------------------------------------------------------------------- compare and sweep


def paired_intervals(table: pd.DataFrame, path: Path, reference: str | None = None) -> Path:
    """Each design's difference from the ``reference``, per metric, in units of the
    unpaired half-width (so every unpaired interval spans 2 around the difference):
    the paired 95% interval (thick) against the unpaired one (thin), and 0. Each row
    names its difference ("a − reference: metric"): with two designs the rows gave the
    metric alone, drawn as the other design less the reference, the opposite sign to the
    verdict's sentence."""
    rows = table[table["verdict"] != "reference"].copy()
    rows["scale"] = (rows["unpaired_ci_high"] - rows["unpaired_ci_low"]) / 2
    rows = rows[np.isfinite(rows["scale"]) & (rows["scale"] > 0)].reset_index(drop=True)
    import textwrap

    named = [row["design"] if " − " in str(row["design"]) or reference is None else f"{row['design']} − {reference}"
             for _, row in rows.iterrows()]
    # wrapped: a 73-character design name squeezed the axes to a third of the figure and cut its label off
    labels = ["\n".join(textwrap.wrap(f"{name}: {row['metric']}", 48)) for name, (_, row) in zip(named, rows.iterrows())]
    # 'a − b: metric' labels are wide; a row as tall as its label's lines (three-line labels overprinted their neighbours)
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(8.5, 0.35 * max(len(rows), 4, 0.75 * lines) + 1.6))
    for i, row in rows.iterrows():
        scale, centre = row["scale"], row["diff_mean"] / row["scale"]
        # 95% unless the row names its level (the verdict's, Holm's): beside wide labels a title saying so was cut off
        ax.plot([centre - 1, centre + 1], [i, i], color="tab:gray", lw=1.2)
        ax.plot([row["diff_ci_low"] / scale, row["diff_ci_high"] / scale], [i, i], color="tab:blue", lw=5, alpha=0.7,
                solid_capstyle="butt")
        ax.plot([centre], [i], "k|", ms=10)
    ax.axvline(0, color="black", lw=0.8)
    # a row far from 0 (a cost 28 half-widths off) squeezed every other row, the verdict's too, to a sliver: the axis
    # stops at PAIRED_AXIS_LIMIT half-widths, and a row past it is cut at the edge, its centre written there
    if len(rows):
        centres = (rows["diff_mean"] / rows["scale"]).to_numpy(float)
        ends = np.abs(np.c_[centres - 1, centres + 1, rows["diff_ci_low"] / rows["scale"],
                            rows["diff_ci_high"] / rows["scale"]]).max(axis=1)
        if np.nanmax(ends) > PAIRED_AXIS_LIMIT:
            within = ends[ends <= PAIRED_AXIS_LIMIT]
            limit = max(3.0, float(within.max()) if len(within) else 3.0) * 1.1
            ax.set_xlim(-limit, limit)
            for i, (centre, end) in enumerate(zip(centres, ends)):
                if end > limit:
                    ax.annotate(f"{'→' if centre > 0 else '←'} at {centre:.0f}", (limit if centre > 0 else -limit, i),
                                xytext=(-3 if centre > 0 else 3, 6), textcoords="offset points",
                                ha="right" if centre > 0 else "left", va="bottom", fontsize=7)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    if not len(rows):   # one replicate: a blank frame stood under a caption describing intervals
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no difference has an interval to draw:\none replicate gives none (run 2 or more)",
                ha="center", va="center", transform=ax.transAxes, fontsize=9)
    # two lines each: beside long labels the narrowed axes cut one-line texts off at the right; which line is which
    # in the title, not a legend, which sat over the rows (loc="best") and hid the end that decides whether a row
    # reaches 0
    ax.set(xlabel="difference (a − b as labelled),\nin unpaired half-widths (0 = no difference)",
           title="Common random numbers: paired (thick, blue) vs\nunpaired (thin, grey) intervals, 95% or the row's level")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)


#: paired_vs_unpaired.png's widest axis, in unpaired half-widths either side of 0.
PAIRED_AXIS_LIMIT = 8.0


def _level_key(value) -> tuple:
    """A swept level's place on an axis: no value (YAML null: no cap, no budget) first, then
    numbers by size, then words. Levels mixing null and numbers are stored as text, and
    sorted as text '100' came before '1500', '200' and 'null'."""
    text = str(value).strip().lower()
    if value is None or text in ("null", "none", "nan", ""):
        return (0, 0.0, "")
    try:
        return (1, float(text), "")
    except ValueError:
        return (2, 0.0, text)


def tick_labels(values, width: int = 28) -> list[str]:
    """Short axis labels for swept levels: numbers to 4 significant digits; a whole
    block swept as one value (stored as its JSON text, e.g. ``{"kind": "single_sided",
    ...}``) by the keys in which the levels differ, one line each (its kind first);
    any line longer than ``width`` characters cut with an ellipsis. A block's full text
    made a tick label longer than the figure, and matplotlib could then lay nothing out."""
    values = list(values)
    blocks = [_block(v) for v in values]
    if values and all(b is not None for b in blocks):
        keys = [k for k in dict.fromkeys(k for b in blocks for k in b) if len({json.dumps(b.get(k)) for b in blocks}) > 1]
        keys.sort(key=lambda k: k != "kind")
        lines = [[f"{k}={b[k]}" if k != "kind" else str(b[k]) for k in keys if k in b] or [f"#{i + 1}"]
                 for i, b in enumerate(blocks)]
    else:
        lines = [[f"{v:.4g}" if isinstance(v, float) else str(v)] for v in values]
    return ["\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in label) for label in lines]


def _block(value) -> dict | None:
    """A swept block's mapping from its stored JSON text (None for any other value)."""
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _in_level_order(table: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    """Levels by _level_key, or in ``order`` (a list of words in the sweep file's order:
    'qualification, signup' was drawn as 'signup' last by the alphabet)."""
    if order:
        place = {text: i for i, text in enumerate(order)}
        key = lambda i: (place.get(str(table[column].iloc[i]), len(place)), _level_key(table[column].iloc[i]))  # noqa: E731
    else:
        key = lambda i: _level_key(table[column].iloc[i])  # noqa: E731
    return table.iloc[sorted(range(len(table)), key=key)].reset_index(drop=True)


def _point_means(runs: pd.DataFrame, by: list[str], metric: str, within: str | None = None) -> pd.DataFrame:
    """Mean and 95% t-interval of ``metric`` over the runs of each group. With ``within``
    (a sweep's point_id), a group holding several points (a level of one parameter, the
    others' levels beside it) is the mean of its points' means, and its interval that of
    that average: each point's variance of the mean summed, over the points' count
    squared, on Welch–Satterthwaite's degrees of freedom. Pooling the runs counted the
    spread between the other parameters' levels as noise (a band about twice too wide).
    A group with a point of one run is pooled, as before."""
    grouped = runs.groupby(by, sort=True)[metric]
    table = grouped.agg(["mean", "std", "count"]).reset_index()
    t = t_quantile(0.975, np.maximum(table["count"] - 1, 1))
    half = np.where(table["count"] > 1, t * table["std"] / np.sqrt(table["count"]), np.nan)
    if within is not None and within in runs:
        points = runs.groupby([*by, within], sort=True)[metric].agg(["mean", "var", "count"]).reset_index()
        points["v"] = points["var"] / points["count"]   # each point's variance of its mean
        points["w"] = points["v"] ** 2 / np.maximum(points["count"] - 1, 1)
        level = points.groupby(by, sort=True).agg(mean=("mean", "mean"), v=("v", "sum"), w=("w", "sum"),
                                                  k=(within, "size"), least=("count", "min")).reset_index()
        stratified = ((level["k"] > 1) & (level["least"] > 1)).to_numpy()
        k = level["k"].to_numpy(dtype=float)
        error = np.sqrt(level["v"].to_numpy(dtype=float)) / k
        with np.errstate(invalid="ignore", divide="ignore"):
            freedom = level["v"].to_numpy(dtype=float) ** 2 / level["w"].to_numpy(dtype=float)
        freedom = np.where(np.isfinite(freedom) & (freedom >= 1), freedom, 1.0)
        own = t_quantile(0.975, freedom) * error
        table["mean"] = np.where(stratified, level["mean"].to_numpy(dtype=float), table["mean"].to_numpy(dtype=float))
        half = np.where(stratified, own, half)
    table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    return table


def _holm_levels(per: pd.DataFrame, best, level: float) -> np.ndarray:
    """Each level's confidence level in Holm's step-down against ``best`` (``per``: each
    level's values by replicate), by the two-sided paired t p-value of its difference: the
    k-th clearest at 1 − (1 − level)/(m − k), and from the first that is not told apart on,
    every later one at that step's level (compare gives its intervals so). Levels with the
    same value in every replicate are one test, as in report.md's best points (a copy of
    the best: none); a level of fewer than two runs cannot be told apart. The best: ``level``."""
    diffs = per.sub(per.loc[best], axis=1)
    count = diffs.notna().sum(axis=1).to_numpy()
    error = diffs.std(axis=1).to_numpy() / np.sqrt(np.maximum(count, 1))
    centre = diffs.mean(axis=1).to_numpy()
    chance = two_sided_p(centre, error, np.maximum(count - 1, 1), count)
    names = list(per.index)
    copy_of = copies({n: per.loc[n].to_numpy(dtype=float) for n in names}, best, [n for n in names if n != best])
    steps = holm_steps({n: chance[i] for i, n in enumerate(names) if n != best and copy_of[n] == n}, level)
    levels = {best: float(level), **{n: each for n, (each, _) in steps.items()}}
    return np.array([levels.get(copy_of.get(n, n), float(level)) for n in names])


def _paired_means(runs: pd.DataFrame, parameter: str, metric: str, minimise: bool,
                  reached: pd.Series | None = None) -> pd.DataFrame:
    """Per level of ``parameter`` under common random numbers: the mean of ``metric``, and
    a band of the mean ± the t half-width of its paired difference from the best level
    (each replicate's level mean minus the best level's, replicate by replicate; zero at
    the best), each at the level of its step in Holm's test, 95% together, as the
    report's best points (_holm_levels). A band missing the best level's mean is then a
    level told apart from it, as in report.md: bands at 1 − 5%/m each reached the best's
    mean for levels the table had told apart. ``best`` marks that level.
    ``reached``: per level, the share of runs where the metric is defined (UNDEFINED_IS_WORST):
    the best level is among those where most runs got there, as the report's best point."""
    per = runs.groupby([parameter, "replicate"], sort=True)[metric].mean().unstack("replicate")
    means = per.mean(axis=1)
    candidates = means if reached is None else means.where(reached.reindex(means.index) == reached.max())
    best = candidates.idxmin() if minimise else candidates.idxmax()
    diffs = per.sub(per.loc[best], axis=1)
    count = diffs.notna().sum(axis=1).to_numpy()
    each = _holm_levels(per, best, 0.95)
    t = t_quantile(0.5 + each / 2, np.maximum(count - 1, 1))
    half = np.where(count > 1, t * diffs.std(axis=1).fillna(0.0).to_numpy() / np.sqrt(np.maximum(count, 1)), np.nan)
    table = pd.DataFrame({parameter: per.index, "mean": means.to_numpy(), "best": per.index == best})
    table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    return table


#: A gap between neighbouring levels this many times the narrowest: the levels are drawn evenly spaced.
UNEVEN_GAPS = 20.0


def uneven_levels(values: pd.Series) -> bool:
    """Whether a list of numeric levels is too uneven to read on a linear axis: its widest
    gap UNEVEN_GAPS times its narrowest or more (20, 60 and 1,000,000 put the first two on
    one spot)."""
    levels = np.unique(pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float))
    if len(levels) < 3:
        return False
    gaps = np.diff(levels)
    return bool(gaps.max() >= UNEVEN_GAPS * gaps.min())


def lone_panels(runs: pd.DataFrame, parameters: list[str], metric: str, discrete: dict[str, bool],
                by: str | None = None) -> list[str]:
    """The listed parameters whose panel draws no interval: every level has one run with
    ``metric`` at most, on each of its lines (``by``: the assumption whose values the other
    panels draw a line each for; a panel of 3 runs per level drew one line per fraud share,
    one run each, under a caption promising a band)."""
    if not len(runs):
        return []
    return [k for k in parameters if discrete[k]
            and runs.groupby([k] if by is None or by == k else [k, by])[metric].count().max() <= 1]


def one_run_per_level(runs: pd.DataFrame, parameters: list[str], metric: str, discrete: dict[str, bool],
                      by: str | None = None) -> bool:
    """Whether every listed parameter's panel has one run with ``metric`` at most at each
    level, on each line (one parameter, one replicate; lone_panels): no interval anywhere,
    which the figure's title and report.md's caption then say rather than promise."""
    listed = [k for k in parameters if discrete[k]]
    return bool(listed) and len(lone_panels(runs, parameters, metric, discrete, by)) == len(listed)


def paired_bands(paired: bool, parameters: list[str], assumptions: tuple[str, ...], metric: str) -> bool:
    """Whether :func:`sweep_metric` bands a choice's levels by their paired difference from
    the best (its caption says what it draws). A payback day or a cost per extra customer
    keeps each level's own interval (the ranked test is report.md's), as does an
    assumption's panel: with no choice swept, no panel is paired."""
    return bool(paired and any(k not in assumptions for k in parameters) and metric not in UNDEFINED_IS_WORST)


def sweep_metric(runs: pd.DataFrame, parameters: list[str], metric: str, path: Path, *, discrete: dict[str, bool],
                 log: dict[str, bool] | None = None, by: str | None = None, paired: bool = False,
                 minimise: bool = False, assumptions: tuple[str, ...] = (), order: dict[str, list[str]] | None = None,
                 bounds: tuple[float, float] = (-np.inf, np.inf), defined: str | None = None,
                 planned: pd.DataFrame | None = None) -> Path:
    """``metric`` against each swept parameter, one panel per parameter. A parameter
    with few levels (a grid, or a list of values) gets the mean over all runs at each
    level with its 95% interval as a band; a sampled one gets every run as a dot and
    each point's mean as a larger dot. ``log`` parameters get a log axis. With ``by``
    (an assumption of the sweep), every other panel draws one line (or colour of point
    means) per value of ``by`` instead of pooling them: the report ranks the choices
    at each value, and a pooled band would mix the assumption's effect into theirs.
    ``paired`` (common random numbers: every point on the same replicate seeds) bands a
    level by its paired difference from the best level instead (``minimise``: the best is
    the lowest), with the best level's mean as a dotted line: two levels whose own
    intervals overlap can still differ in every replicate. The panels of
    ``assumptions`` keep each level's own interval: the report ranks no value of an
    assumption, and neither does the plot. With several parameters each panel pools the
    others' values, and the title says so. ``order``: per parameter, its words in the
    sweep file's order (a list of text values), drawn in that order. ``bounds``: the
    values a run can take (a day from 1 to the last day of the longest point): a band
    stops there, as points.csv's intervals do (a payback band ran from day -200 to day 800
    of 365-day runs). ``defined``: what the runs a metric's mean is taken over have in
    common, where some runs have none (a payback day: the runs that paid back), for the title.
    ``planned``: every run of the sweep, failed ones too (``runs`` where not given): a
    level whose mean leaves out some of its points is marked with a hollow circle."""
    ok = runs[np.isfinite(runs[metric].to_numpy(dtype=float))]
    # one replicate: no paired difference has a spread, and the paired bands were left out under a title promising
    # them; each level's runs are pooled instead, as without common random numbers
    paired = paired and runs["replicate"].nunique() > 1
    columns = min(3, len(parameters))
    rows = -(-len(parameters) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.3 * columns, 3.5 * rows), squeeze=False, sharey=True)
    # every value of the assumption, also one where no run has the metric: its line was dropped with no legend left
    levels = sorted(runs[by].unique(), key=_level_key) if by is not None else [None]
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(levels)))
    for ax, parameter in zip(axes.flat, parameters):
        numeric = pd.api.types.is_numeric_dtype(ok[parameter]) and not pd.api.types.is_bool_dtype(ok[parameter])
        split = [(None, ok, "tab:blue")] if by is None or parameter == by else \
            [(level, ok[ok[by] == level], colour) for level, colour in zip(levels, colours)]
        for level, part, colour in split:
            label = f"{by} = {level:.4g}" if isinstance(level, float) else (f"{by} = {level}" if level is not None else None)
            if discrete[parameter]:
                # a payback day or a cost per extra customer is ranked by the runs where it is defined first, then
                # the value, with a Fisher test and no point told apart for being better (sweep.best_points): a paired
                # band cannot say that, and its bands read the other way from report.md; each level's own interval
                ranked = paired and parameter not in assumptions and metric not in UNDEFINED_IS_WORST
                # share of runs that got there at each level, from every run (``part`` holds the finite ones only)
                whole = runs if level is None else runs[runs[by] == level]
                reached = whole.groupby(parameter)[metric].apply(lambda v: float(np.isfinite(v.to_numpy(dtype=float)).mean())) \
                    if metric in UNDEFINED_IS_WORST else None
                if not len(part):   # no run has the metric at this value of the assumption: marks only
                    table = pd.DataFrame({parameter: pd.Series(dtype=whole[parameter].dtype),
                                          **{k: pd.Series(dtype=float) for k in ("mean", "low", "high")},
                                          "best": pd.Series(dtype=bool)})
                else:
                    table = _paired_means(part, parameter, metric, minimise, reached) if ranked else \
                        _point_means(part, [parameter], metric, within="point_id")
                # a level where no run has the metric (a reward that paid back in no run) stays on the axis, marked,
                # not dropped: the panel ended at the level before it, its worst outcome missing
                missing = [v for v in whole[parameter].unique() if v not in set(table[parameter])]
                if missing:
                    table = pd.concat([table, pd.DataFrame({parameter: missing})], ignore_index=True)
                    if "best" in table:
                        table["best"] = table["best"].fillna(False).astype(bool)
                table = _in_level_order(table, parameter, None if numeric else (order or {}).get(parameter))
                spaced = numeric and not (log and log.get(parameter)) and uneven_levels(table[parameter])
                x = table[parameter] if numeric and not spaced else np.arange(len(table))
                table["low"], table["high"] = table["low"].clip(lower=bounds[0]), table["high"].clip(upper=bounds[1])
                if numeric:
                    ax.plot(x, table["mean"], marker="o", color=colour, label=label)
                    ax.fill_between(x, table["low"], table["high"], alpha=0.25 if level is None else 0.15, color=colour)
                else:   # choices have no values between them: a bar each, not a line and a band across categories
                    mean = table["mean"].to_numpy(dtype=float)
                    spread = np.vstack([mean - table["low"].to_numpy(dtype=float), table["high"].to_numpy(dtype=float) - mean])
                    ax.errorbar(x, mean, yerr=np.where(np.isfinite(spread), spread, 0.0), fmt="o", capsize=4,
                                color=colour, label=label)
                # a level whose mean leaves out some of its points (all their runs failed, or none has the metric)
                # averages over fewer of the other parameters' values than its neighbours: promoters 0.7 read 226
                # ahead of 0.4 where at the same passives it was 10 ahead, its clashing point gone unsaid
                if len(parameters) > 1:
                    every = planned if planned is not None else runs
                    every = every if level is None else every[every[by] == level]
                    counts = every.groupby(parameter)["point_id"].nunique()
                    present = part.groupby(parameter)["point_id"].nunique()
                    fewer = np.array([0 < present.get(value, 0) < counts.get(value, 0) for value in table[parameter]])
                    if fewer.any():
                        ax.plot(np.asarray(x)[fewer], table["mean"].to_numpy(dtype=float)[fewer], "o", markersize=9,
                                markerfacecolor="white", markeredgecolor=colour, zorder=5,
                                label="mean of fewer points (others failed or lack it)"
                                      + (f" ({label})" if label else ""))
                if metric in UNDEFINED_IS_WORST or metric in DAY_METRICS:
                    # a payback day's mean over the runs that paid back: a level where 1 run of 3 did was a filled dot
                    # on the line, read as "pays back around day 96" where mostly it never did (a budget's day too)
                    got = whole.groupby(parameter)[metric].apply(lambda v: int(np.isfinite(v.to_numpy(dtype=float)).sum()))
                    ran = whole.groupby(parameter)[metric].size()
                    some = np.array([0 < got.get(value, 0) < ran.get(value, 0) for value in table[parameter]])
                    if some.any():
                        ax.plot(np.asarray(x)[some], table["mean"].to_numpy(dtype=float)[some], "s", markersize=9,
                                markerfacecolor="white", markeredgecolor=colour, zorder=5,
                                label="mean of only the runs that got there" + (f" ({label})" if label else ""))
                        for at, mean, value in zip(np.asarray(x)[some], table["mean"].to_numpy(dtype=float)[some],
                                                   table[parameter][some]):
                            ax.annotate(f"{got.get(value, 0)} of {ran.get(value, 0)}", (at, mean), fontsize=7,
                                        xytext=(0, 8), textcoords="offset points", ha="center", color=colour)
                absent = table["mean"].isna().to_numpy()
                if absent.any():
                    ax.plot(np.asarray(x)[absent], np.full(absent.sum(), 0.03), "x", color=colour, clip_on=False,
                            transform=blended_transform_factory(ax.transData, ax.transAxes),
                            label=f"no run has {metric} at this level" + (f" ({label})" if label else ""))
                if ranked and table["best"].any():
                    ax.axhline(float(table.loc[table["best"], "mean"].iloc[0]), color=colour, linestyle=":", linewidth=1)
                if spaced:   # budgets of 20, 60 and 1,000,000 on a linear axis: the first two drawn as one point
                    ax.set_xticks(x, [f"{value:,.0f}" if float(value).is_integer() else f"{value:.4g}"
                                      for value in table[parameter]], fontsize=8)
                elif not numeric:
                    labels = tick_labels(table[parameter])
                    stacked = any("\n" in label for label in labels)  # a block's keys, one per line: not slanted
                    ax.set_xticks(x, labels, rotation=0 if stacked else 30, fontsize=7 if stacked else 8,
                                  ha="center" if stacked else "right")
            else:
                means = part.groupby("point_id").agg(value=(parameter, "first"), mean=(metric, "mean"))
                if level is None:
                    ax.scatter(part[parameter], part[metric], s=6, alpha=0.25, color="tab:gray", label="runs")
                ax.scatter(means["value"], means["mean"], s=18, color=colour, label=label or "point means")
        if len(split) > 1 or not discrete[parameter] or any(l.get_label().startswith(("no run has", "mean of fewer",
                                                                                       "mean of only"))
                                                             for l in ax.lines):
            ax.legend(fontsize=7)
        logged = bool(log and log.get(parameter) and numeric)
        if logged:
            log_axis(ax)
        # over every level drawn, those where no run has the metric too (marked on the axis): over the runs that have
        # it, a budget axis drawn evenly at 300, 1,500 and 100,000 lost its "(levels evenly spaced)"
        evenly = discrete[parameter] and numeric and not logged and uneven_levels(pd.Series(runs[parameter].unique()))
        ax.set_xlabel(axis_label(parameter, " (log scale)" if logged else " (levels evenly spaced)" if evenly else ""),
                      fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(parameters):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel(axis_label(metric))
    choices = [k for k in parameters if k not in assumptions]
    # a panel of words draws error bars, a panel of numbers a band
    worded = [not pd.api.types.is_numeric_dtype(ok[k]) or pd.api.types.is_bool_dtype(ok[k])
              for k in parameters if discrete[k]]
    band = "bars" if worded and all(worded) else "band or bars" if any(worded) else "band"
    bands_paired = paired_bands(paired, parameters, assumptions, metric)
    # one run at every level (one parameter, one replicate): no interval anywhere, said so, not promised
    lone = one_run_per_level(ok, parameters, metric, discrete, by)
    bare = [] if lone else lone_panels(ok, parameters, metric, discrete, by)
    banded = "mean of one run per level: no interval" if lone else \
        f"mean; {band}: paired difference from the best level, 95% over all levels (Holm)" if bands_paired else \
        "mean, 95% interval of the mean" + (f" ({band})" if band != "band" else "") \
        + ("; told apart from the best: see report.md" if paired and choices else "")
    if bands_paired and len(choices) < len(parameters):
        banded += " (an assumption's panel: its own interval)"
    if bare:   # some panels' lines hold one run per level: no interval there
        banded += f"; none on {', '.join(bare)}: one run per level on each line"
    # a sampled sweep with a list of values draws bands on that list's panels too: they are named
    title = f"{metric} ({banded})" if all(discrete.values()) else \
        f"{metric} (panels of listed values: {banded})" if any(discrete.values()) else metric
    if defined:
        title += f"; means over {defined}"
    if len(parameters) > 1 and any(discrete[k] for k in parameters):
        title += "; each panel averages over the other parameters' values"
    elif len(parameters) > 1:   # sampled points: nothing is averaged, the other parameters vary from dot to dot
        title += "; each dot a run, larger dots a point's mean; the other parameters vary from point to point"
    # wrapped to the figure's width: a one-panel figure cut the paired band's title short
    fig.suptitle(textwrap.fill(title + (f", one line per {by}" if by is not None else ""), width=int(9 * 4.3 * columns)))
    return _save(fig, path)


#: The most levels a heatmap's axis labels; more are thinned to every k-th.
MAX_HEATMAP_TICKS = 15


def _thinned(count: int) -> list[int]:
    """The positions of the levels to label: all of up to MAX_HEATMAP_TICKS, else every k-th."""
    return list(range(0, count, max(1, -(-count // MAX_HEATMAP_TICKS))))


def heatmap_table(runs: pd.DataFrame, x: str, y: str, metric: str, order: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The heatmap's cells: the mean of ``metric`` over the runs where it is defined, one
    row per level of ``y`` and one column per level of ``x``, every level of the grid
    kept: one where the metric is defined in no run (no run paid back) is a blank row or
    column, not a level lost (a 5 x 5 grid was drawn 4 x 4, its worst level missing)."""
    ok = runs[np.isfinite(runs[metric].to_numpy(dtype=float))]
    table = ok.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")

    def ordered(levels, key: str) -> list:
        place = {text: i for i, text in enumerate((order or {}).get(key) or [])}
        return sorted(levels, key=lambda level: (place.get(str(level), len(place)), _level_key(level)))
    return table.reindex(index=ordered(runs[y].unique(), y), columns=ordered(runs[x].unique(), x))


def sweep_heatmap(runs: pd.DataFrame, x: str, y: str, metric: str, path: Path, defined: str | None = None,
                  order: dict[str, list[str]] | None = None, *, minimise: bool = False,
                  best: tuple | None = None, ties: Sequence[tuple] = (), planned: pd.DataFrame | None = None) -> Path:
    """Mean of ``metric`` over replicates on a two-parameter grid (``defined`` and
    ``order``: as :func:`sweep_metric`'s; words in the file's order, as its panels draw
    them: the heatmap put 'qualification' before 'signup' where the panel had signup first).
    The colours run the same way for every metric, yellow the best (``minimise``: the
    lowest; a payback day's yellow was its worst cell). ``best`` and ``ties``: the (x, y)
    levels of the report's best point and of those not told apart from it, outlined: the
    colours spread over whatever span the means have, and cells of noise read as a peak.
    ``planned``: every run of the sweep with its ``status``, failed ones too: a point whose
    runs all failed is hatched and says "failed" (it was a blank cell, as a point that ran
    and never paid back is), and a cell whose mean leaves out runs without the metric says
    how many of its runs have it."""
    every = planned if planned is not None else runs
    table = heatmap_table(every, x, y, metric, order)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto",
                      cmap="viridis_r" if minimise else "viridis")
    columns = tick_labels(table.columns)
    stacked = any("\n" in label for label in columns)
    # a label on every level of a 40 x 50 grid ran into its neighbours, unreadable: at most
    # MAX_HEATMAP_TICKS a side, evenly spaced from the lowest level
    shown = _thinned(table.shape[1])
    ax.set_xticks(shown, [columns[i] for i in shown], rotation=0 if stacked else 30, fontsize=7 if stacked else 8,
                  ha="center" if stacked else "right")
    rows = tick_labels(table.index)
    shown = _thinned(table.shape[0])
    ax.set_yticks(shown, [rows[i] for i in shown], fontsize=8)
    from matplotlib.patches import Rectangle

    # per cell: runs made, runs that did not fail, runs that have the metric
    key = lambda a, b: (_level_key(a), _level_key(b))  # noqa: E731
    status = every["status"] if "status" in every else pd.Series("ok", index=every.index)
    made, fine, has = {}, {}, {}
    for (a, b), group in every.assign(_ok=(status == "ok").to_numpy()).groupby([x, y], sort=False):
        made[key(a, b)] = len(group)
        fine[key(a, b)] = int(group["_ok"].sum())
        has[key(a, b)] = int((group["_ok"] & np.isfinite(group[metric].to_numpy(dtype=float))).sum())
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        at = key(table.columns[j], table.index[i])
        if made.get(at, 0) and not fine.get(at, 0):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="xx", edgecolor="grey", linewidth=0,
                                   label="failed: every run of the point (report.md says why)"))
            if table.size <= 150:
                ax.text(j, i, "failed", ha="center", va="center", fontsize=7, color="dimgrey",
                        bbox=dict(facecolor="white", edgecolor="none", pad=1.5))
        elif np.isfinite(value) and table.size <= 150:
            # dark text on the map's bright (yellow-green) end, white on its dark end
            red, green, blue, _ = image.cmap(image.norm(value))
            some = f"\n{has[at]} of {made[at]} runs" if has.get(at, 0) < made.get(at, 0) else ""
            ax.text(j, i, fmt_short(value) + some, ha="center", va="center", fontsize=7,
                    color="black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white")

    def cell(level: tuple) -> tuple[int, int] | None:
        columns, rows = [_level_key(c) for c in table.columns], [_level_key(r) for r in table.index]
        key_x, key_y = _level_key(level[0]), _level_key(level[1])
        return (columns.index(key_x), rows.index(key_y)) if key_x in columns and key_y in rows else None

    for levels, style in [*((tie, dict(edgecolor="white", linestyle="--", linewidth=1.5,
                                       label="not told apart from the best (report.md)")) for tie in ties),
                          *([(best, dict(edgecolor="red", linewidth=2.5, label="best point (report.md)"))] if best else [])]:
        if (at := cell(levels)) is not None:
            ax.add_patch(Rectangle((at[0] - 0.5, at[1] - 0.5), 1, 1, fill=False, **style))
    if ax.patches:
        from matplotlib.patches import Patch

        # each key on a cell of the map's middle colour: a white dashed outline on the figure's white was invisible
        handles = {h.get_label(): Patch(facecolor="white" if h.get_hatch() else image.cmap(0.5),
                                        edgecolor=h.get_edgecolor(), hatch=h.get_hatch(),
                                        linestyle=h.get_linestyle(), linewidth=h.get_linewidth(), label=h.get_label())
                   for h in ax.patches}
        ax.legend(handles.values(), handles.keys(), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                  ncol=2, frameon=False, handlelength=3, handleheight=2)
    fig.colorbar(image, ax=ax, label=axis_label(f"mean {metric}", " (lower is better: yellow)" if minimise else "",
                                                unit=unit_of(metric)))
    ax.set(xlabel=axis_label(x), ylabel=axis_label(y), title=f"{metric}: mean over {defined}" if defined else f"{metric}: mean over replicates")
    return _save(fig, path)
