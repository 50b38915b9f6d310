"""The readable files of a sensitivity folder: morris.csv, sobol.csv, tornado.csv,
points.csv, (two or more designs) decision.csv, flips.csv, conditional.csv, a
tornado plot, a Sobol bar chart, report.md and manifest.json."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Scenario
from ..results import ResultsFolder, atomic_write_csv, atomic_write_json, atomic_write_text, manifest
from ..provenance import study_engine_record
from ..evaluation import DAY_METRICS, MINIMISED
from ..parameters import reads
from ..sensitivity import (best_shifts, tornado_lead_moves, ABOVE_ONE, IMPRECISE, MATERIAL, MATTERS, SensitivityResult, lead_immaterial, lead_range_text, SensitivitySettings, decision_drivers, decision_leader, explains, shares_together, lost_in_luck,
                           NO_POINT, told_from_luck,
                           tornado_disagreements, tornado_points, files_outside_values)
from .figure import plt, save
from .text import axis_label, designs_default_notes, flagged_fit_notes, figure_links, fmt, fmt_short, study_horizon_note, study_path_note, study_set_lines

#: A total Sobol index at or above this share of the variance counts as "moves the outcome".


def write_sensitivity(result: SensitivityResult, out: Path, *, designs: list[Scenario], metrics: list[str],
                      decision_metric: str, settings: SensitivitySettings, started: dt.datetime,
                      command: list[str] | None = None, extra: dict | None = None, sets: list[str] | None = None,
                      set_notes: list[str] | None = None, set_via: str = "--set", inputs: dict[str, str] | None = None) -> Path:
    """Write the folder of a finished analysis (staged, then renamed into place); ``sets``:
    the --set items every design ran with, ``set_notes`` the levers they brought into
    designs without them (report.text.study_set_lines)."""
    with ResultsFolder(out) as staged:
        path = staged.path
        tables = {"morris": result.morris, "sobol": result.sobol, "tornado": result.tornado, "points": result.points,
                  "decision": result.decision, "flips": result.flips, "conditional": result.conditional,
                  "constraints": result.constraints, "corner": getattr(result, "corner", None)}
        for name, table in tables.items():
            if table is not None:
                atomic_write_csv(path / f"{name}.csv", table)
        figures = [tornado_plot(result, decision_metric, path / "tornado.png", designs=list(designs)),
                   sobol_plot(result, decision_metric, path / "sobol.png")]
        atomic_write_text(path / "report.md", sensitivity_markdown(result, metrics, decision_metric, settings, figures,
                                                                   designs=designs, sets=sets, set_notes=set_notes,
                                                                   set_via=set_via))
        from ..rng import replicate_seeds

        atomic_write_json(path / "manifest.json", manifest(
            folder=path,
            scenarios=list(designs), seeds={"replicates": replicate_seeds(result.seed, settings.replicates),
                                            "tornado": replicate_seeds(result.seed, _tornado_runs(result))},
            started=started, ended=dt.datetime.now(), command=command, inputs=inputs, extra={
                "engine": study_engine_record(list(designs), result.parameters), "sensitivity": {
                "seed": result.seed, "uncertain": [p.describe() for p in result.parameters], "designs": result.designs,
                "metrics": metrics, "decision_metric": decision_metric, "settings": vars(settings), **(extra or {})}}))
    return Path(out)


def tornado_plot(result: SensitivityResult, metric: str, path: Path, designs: list[Scenario] | None = None) -> Path:
    """One panel per design, in the study's order, on one x scale (bars compare across
    designs): the metric with each assumption alone at its low and high end (a
    categorical one at each of its choices, each bar named), the others as the design
    has them, around the design as it is (the vertical line); widest swing on top.
    ``designs`` (the scenarios, in result.designs' order): a key a design does not read
    (parameters.reads) is labelled so in its panel, where its empty row read as measured
    and of no effect."""
    scenarios = dict(zip(result.designs, designs or []))
    keys = [p.key for p in result.parameters]
    table = result.tornado[result.tornado["metric"] == metric]
    points = tornado_points(result, metric)
    choices = {p.key: p.choices for p in result.parameters if p.kind == "categorical"}
    designs = [d for d in result.designs if d in set(table["design"])]
    height = 1.0 + 0.45 * len(result.parameters)
    fig, axes = plt.subplots(1, len(designs), figsize=(5.5 * len(designs), height + 1.9), squeeze=False, sharex=True)
    for ax, design in zip(axes[0], designs):
        rows = table[table["design"] == design].sort_values("swing")
        centre = float(rows["at_base"].iloc[0]) if len(rows) else 0.0
        positions = np.arange(len(rows))
        ranges = ~rows["parameter"].isin(list(choices)).to_numpy()
        # side by side: where both ends fall on one side of the centre, one bar drawn over the other hid it
        ax.barh(positions[ranges] - 0.2, rows["at_low"][ranges] - centre, height=0.4, left=centre, color="tab:blue",
                alpha=0.8, label="at the low end")
        ax.barh(positions[ranges] + 0.2, rows["at_high"][ranges] - centre, height=0.4, left=centre, color="tab:orange",
                alpha=0.8, label="at the high end")
        # each bar's paired 95% interval (the same seeds at its end and at the centre): a bar within its luck is no effect
        for offset, end in ((-0.2, "low"), (0.2, "high")):
            if f"{end}_ci_low" in rows:
                _whiskers(ax, centre, positions[ranges] + offset, rows[f"{end}_ci_low"][ranges],
                          rows[f"{end}_ci_high"][ranges], label="95% interval (paired)" if end == "low" else None)
        for position, key in zip(positions[~ranges], rows["parameter"][~ranges]):
            _choice_bars(ax, points[(points["design"] == design) & (points["parameter"] == key)], position, centre,
                         first=position == positions[~ranges][0])
        # the design's own value: an end at it draws no bar (the default's churn 0.05 at the top of 0.01:0.05)
        # a categorical's choices are named at their bars: all of them in the label ran into the next panel
        ax.set_yticks(positions, [(f"{k}\nat each choice" if k in choices else f"{k}\n{_v(lo)} → {_v(hi)}")
                                  + (f" (own {_v(own)})" if _given(own) else "")
                                  + ("\nnot read by this design" if design in scenarios
                                     and not reads(scenarios[design], k, keys) else "")
                                  for k, lo, hi, own in zip(rows["parameter"], rows["value_low"], rows["value_high"],
                                                            rows.get("value_base", [None] * len(rows)))], fontsize=7)
        if math.isfinite(centre):
            ax.axvline(centre, color="black", linewidth=0.8)
        elif len(rows):
            # undefined in every run of the design as it is (never paid back): no bar has a start,
            # so each end's own mean is a dot, and the panel says why it has no bars
            for offset, end, colour in ((-0.2, "low", "tab:blue"), (0.2, "high", "tab:orange")):
                ax.plot(rows[f"at_{end}"].to_numpy(float), positions + offset, "o", color=colour, markersize=4)
            reached = int(np.isfinite(rows[["at_low", "at_high"]].to_numpy(float)).sum())
            _unmoved(ax, f"{metric} is undefined in every run of the design as it is\n(never paid back, say): "
                         + (f"{reached} end(s) of the ranges have a value (dots: their mean)" if reached else
                            "nor has any end of the ranges a value"))
        # wrapped to the panel: a 73-character name ran past it and was cut at "...-with-weekly-rem"
        ax.set(xlabel=axis_label(metric), title="\n".join(textwrap.wrap(design, 40, break_on_hyphens=True)))
        if len(rows) and (rows[["at_low", "at_high"]] == centre).all(axis=None):
            _unmoved(ax, f"{metric} stays {fmt_short(centre)}\nat every end of every range"
                         + ("\n(no program: nothing is incremental)" if centre == 0 and metric.startswith("incremental") else ""))
        ax.grid(alpha=0.3, axis="x")
    # a bar's base is a sticky edge, so the scale stopped at the lowest centre: a design no assumption moves, whose
    # value was the lowest, had its centre line drawn on the left spine, where no line shows. 3% of room either side
    low, high = axes[0][0].get_xlim()
    axes[0][0].set_xlim(low - 0.03 * (high - low), high + 0.03 * (high - low))   # shared: every panel
    for ax in axes[0]:
        _short_ticks(ax)
    handles, labels = _figure_key(axes[0])
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=2, frameon=False)
    fig.suptitle(tornado_title(result, metric), fontsize=10)
    return save(fig, path, rect=(0, 0.06, 1, 1))


def _whiskers(ax, centre: float, positions, low, high, label: str | None = None) -> None:
    """Each bar's paired 95% interval of its length, around ``centre``, where it has one."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    shown = np.isfinite(low) & np.isfinite(high) & (high > low)
    if shown.any():
        ax.errorbar(centre + ((low + high) / 2)[shown], np.asarray(positions)[shown], xerr=((high - low) / 2)[shown],
                    fmt="none", ecolor="black", elinewidth=0.8, capsize=2, label=label)


def _choice_bars(ax, points, position: float, centre: float, first: bool) -> None:
    """A categorical assumption's row: a bar at each of its choices, in the order given,
    each named at its tip (its first and last choice alone drew it as a range from one
    to the other, and the choice that made its swing had no bar)."""
    points = points.sort_values("position")
    height = 0.8 / max(len(points), 1)
    offsets = position + 0.4 - height * (np.arange(len(points)) + 0.5)   # the first choice on top, read downwards
    lengths = points["at"].to_numpy(float) - centre
    ax.barh(offsets, lengths, height=0.9 * height, left=centre, color="tab:green", alpha=0.8,
            label="at each choice (named at its bar)" if first else None)
    _whiskers(ax, centre, offsets, points["ci_low"], points["ci_high"])
    for offset, length, value in zip(offsets, lengths, points["value"]):
        if np.isfinite(length):
            ax.annotate(_v(value), (centre + length, offset), xytext=(2 if length >= 0 else -2, 0),
                        textcoords="offset points", ha="left" if length >= 0 else "right", va="center", fontsize=6,
                        # on a pale box: the bar's whisker ran through its name
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def _given(value) -> bool:
    """A design's own value of a key: not None, nor the NaN a table column makes of it."""
    return value is not None and not (isinstance(value, float) and value != value)


def _unmoved(ax, text: str) -> None:
    """Say in a panel why it has no bars (a no-program design's incremental metrics are 0
    at every point), where an empty panel read as a plot gone wrong."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=8, color="0.3")


def _short_ticks(ax) -> None:
    """At most five x ticks, each in a few characters (21.7k, 1.2M), so that they never run together."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: fmt_short(value)))


def tornado_title(result: SensitivityResult, metric: str) -> str:
    """The tornado's title: what each bar is, and its paired interval where there is one
    (on one replicate there is none, and no whisker is drawn)."""
    runs = _tornado_runs(result)
    each = (f"each bar the mean of {runs} replicates\nwith its paired 95% interval" if runs > 1 else
            "each bar one run (1 replicate): no interval, the bars show one seed's luck too")
    return f"Tornado: {metric}\none assumption at a time, {each}"


def _tornado_runs(result: SensitivityResult) -> int:
    """Replicates behind each end of the tornado."""
    return int(result.tornado["replicates"].iloc[0]) if len(result.tornado) else 0


def sobol_plot(result: SensitivityResult, metric: str, path: Path) -> Path:
    """First-order and total Sobol indices of ``metric`` with their 95% bootstrap bars;
    with two or more designs, also those of the leader's advantage over the runner-up. A
    dashed line marks the share of each panel's variance that may be the runs' own luck
    (``noise_share``, with 2 seeds a point or more): an assumption is told from luck when
    its total index, less its half-width, is right of it, or its first-order index, less
    its half-width, is above 0 (sensitivity.told_from_luck)."""
    panels = [(design, result.sobol[(result.sobol["design"] == design) & (result.sobol["metric"] == metric)])
              for design in result.designs]
    if result.flips is not None:
        flips = result.flips.rename(columns={"S1_advantage": "S1", "ST_advantage": "ST", "S1_advantage_conf": "S1_conf",
                                             "ST_advantage_conf": "ST_conf"})
        panels.append((f"advantage of {flips['leader'].iloc[0]}\nover {flips['runner_up'].iloc[0]}", flips))
    height = 1.2 + 0.45 * len(result.parameters) + 1
    # each panel as wide as its assumptions' names (7-point, about 0.055 inch a character) plus a plot that holds a
    # title line: `program.reward_type_weights.consumer.charity` took half a 5-inch panel, and the last panel's title
    # ran past the figure's edge
    names = max((len(p.key) for p in result.parameters), default=0)
    fig, axes = plt.subplots(1, len(panels), figsize=(max(5.0, 0.055 * names + 3.8) * len(panels), height),
                             squeeze=False)
    imprecise = False
    for ax, (title, rows) in zip(axes[0], panels):
        # a long design name ran past the last panel's edge and was cut off: wrapped to the panel's width
        title = "\n".join(textwrap.fill(line, TITLE_CHARACTERS) for line in title.split("\n"))
        rows = rows.sort_values("ST")
        positions = np.arange(len(rows))
        ax.barh(positions + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], label="total (ST)", color="tab:red", alpha=0.8)
        ax.barh(positions - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], label="first order (S1)", color="tab:gray")
        ax.set_yticks(positions, list(rows["parameter"]), fontsize=7)
        top = float(np.nanmax(np.r_[rows["ST"] + rows["ST_conf"], rows["S1"] + rows["S1_conf"], 1.0])) if len(rows) else 1.0
        # the whiskers' low ends too: cut at the axis, an interval reaching below 0 read as a narrower one
        bottom = float(np.nanmin(np.r_[rows["ST"] - rows["ST_conf"], rows["S1"] - rows["S1_conf"], 0.0])) if len(rows) \
            else 0.0
        ax.set(xlabel="share of the variance", title=title, xlim=(min(0.0, bottom - 0.05), top + 0.05))
        if top > 1.0:  # an index cannot exceed 1: one estimated (or its interval reaching) above it says the sample is too small
            ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
            imprecise = True
        luck = float(rows["noise_share"].iloc[0]) if "noise_share" in rows and len(rows) else math.nan
        if math.isfinite(luck) and not _unmoved_rows(rows):   # an index must clear it to be told from the runs' luck
            ax.axvline(luck, color="tab:blue", linestyle="--", linewidth=1, label="the runs' luck")
            ax.annotate(f"luck {luck:.0%}", (luck, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", ha="left", va="top", fontsize=7, color="tab:blue",
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
        ax.grid(alpha=0.3, axis="x")
        # at most five ticks: whiskers reaching -0.75 ran the labels together ("-0.75-0.50-0.25 0.00")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(5))
        if _unmoved_rows(rows):
            _unmoved(ax, f"{metric} does not vary here:\nno variance to share out")
    fig.suptitle(f"Sobol indices: {metric}")
    # the key and the note on indices past 1 in a strip under the panels, one above the other: the key inside the
    # first panel covered its bars, and the note under each axis was wider than the last panel and cut off at the edge
    handles, labels = _figure_key(axes[0])
    strip = LEGEND_ROW_INCHES
    if imprecise:
        fig.text(0.01, strip / height, "past the dotted line at 1: imprecise, raise --samples", ha="left", va="bottom",
                 fontsize=9)
        strip += NOTE_ROW_INCHES
    fig.legend(handles, labels, fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 0.0), ncol=len(labels), frameon=False)
    return save(fig, path, rect=(0, strip / height, 1, 1))


def _figure_key(axes) -> tuple[list, list[str]]:
    """The handles and labels of every panel's key, each label once: a line drawn in some
    panels only (the runs' luck) is in the figure's key too."""
    keyed = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            keyed.setdefault(label, handle)
    return list(keyed.values()), list(keyed)


#: Characters of a sobol.png panel's title line (a panel is 5 inches wide).
TITLE_CHARACTERS = 40
#: Inches under sobol.png's panels for the key, and for the note on indices past 1.
LEGEND_ROW_INCHES, NOTE_ROW_INCHES = 0.3, 0.25


def _only(key: str, designs, names: list[str], varied=()) -> str:
    """' (read by A only: ...)' when some designs lack ``key`` or do not read it (a weight
    of a reward type they do not give: parameters.reads; "a key of" was said of a cash
    design's credit share, which it has and does not read)."""
    having = [name for design, name in zip(designs, names) if reads(design, key, varied)]
    if not designs or len(having) == len(names):
        return ""
    if not having:
        return " (no design here reads it: none is moved by it)"
    return f" (read by {', '.join(having)} only: the other designs are unmoved by it)"


def _v(value) -> str:
    from ..parameters import choice_text

    return f"{value:.4g}" if isinstance(value, float) else choice_text(value)   # true, not True


def screened_keys(result: SensitivityResult) -> list[str]:
    """The assumptions Morris's screen held at their midpoints for the Sobol sample (the
    sobol table's ``screened``), in the order given."""
    table = result.sobol
    if "screened" not in table:
        return []
    return [p.key for p in result.parameters if (table["parameter"] == p.key).any()
            and table.loc[table["parameter"] == p.key, "screened"].astype(bool).all()]


def screened_sentence(result: SensitivityResult, held: list[str]) -> str:
    """What Morris's screen held at midpoints, as a sentence: their Sobol indices are 0 by
    construction, so they are no finding either way; the tornado and Morris measured them."""
    keys = ", ".join(f"`{key}`" for key in held)
    return (f"Held at {'its' if len(held) == 1 else 'their'} midpoint{'s' if len(held) != 1 else ''} by Morris's screen "
            f"(`screen`), {keys} {'has' if len(held) == 1 else 'have'} Sobol indices of 0 by construction, which say "
            f"nothing of {'it' if len(held) == 1 else 'them'}: Morris's mu* and the tornado (tornado.csv) measured "
            f"{'it' if len(held) == 1 else 'them'} over the whole range; lower `screen` to weigh "
            f"{'it' if len(held) == 1 else 'them'} here.")


def sensitivity_markdown(result: SensitivityResult, metrics: list[str], decision_metric: str,
                         settings: SensitivitySettings, figures: list[Path], designs=(), sets: list[str] | None = None,
                         set_notes: list[str] | None = None, set_via: str = "--set") -> str:
    """report.md; ``designs``, the scenarios of ``result.designs``, say which keys some lack;
    ``sets`` and ``set_notes`` as write_sensitivity's."""
    d = len(result.parameters)
    # Morris's screen holds some at their midpoints: the Sobol sample spans the others only ("8 x (3 + 2)" was said of a
    # study that ran 8 x (2 + 2))
    held = screened_keys(result)
    sobol_d = d - len(held)
    sobol_points = (f"{settings.samples} × ({sobol_d} + 2) points" + (
        f" over the {sobol_d} assumption{'s' if sobol_d != 1 else ''} Morris kept (screen {settings.screen:g}; "
        f"{', '.join(f'`{key}`' for key in held)} held at {'its' if len(held) == 1 else 'their'} "
        f"midpoint{'s' if len(held) != 1 else ''})" if held else ""))
    lines = [
        f"# Sensitivity of {', '.join(result.designs)}",
        "",
        f"{d} uncertain assumption{'s' if d != 1 else ''}, each uniform over its range; study seed {result.seed}; every point on the same "
        f"{settings.replicates} replicate seed(s) for every design (common random numbers). Morris screening: "
        f"{settings.trajectories} trajectories on {settings.levels} levels. Sobol: {sobol_points} "
        f"(Saltelli sampling; first order by Saltelli 2010's estimator, total by Jansen's; 95% bootstrap intervals). Tornado: each end of each assumption "
        f"averaged over {_tornado_runs(result)} replicate seed(s).",
        "",
        # a fit calibrate flagged: compare's report said so, sensitivity's decided on it in silence
        *(line for note in flagged_fit_notes(designs) for line in (f"**Warning:** {note}.", "")),
        *study_set_lines(sets, len(result.designs), set_notes, set_via),
        "| assumption | range |", "|---|---|",
        *[f"| {p.key} | {p.describe().split(' in ', 1)[1]}"
          f"{_only(p.key, designs, result.designs, [q.key for q in result.parameters])} |"
          for p in result.parameters],
        "",
        # defaults a design file left in place that decide what it costs or does (store credit, nobody asked)
        *(line for note in designs_default_notes(designs, [p.key for p in result.parameters], result.parameters)
          for line in (note, "")),
        *((note, "") if designs and (note := study_horizon_note(designs[0], result.parameters)) else ()),
        *((note, "") if (note := study_path_note(designs, result.parameters)) else ()),
    ]
    days = [f"`{m}`" for m in metrics if m in DAY_METRICS]
    if days:   # evaluation.days_counted: every point needs a number
        lines += [f"{' and '.join(days)}: a run where the day never came counts as the day after the horizon "
                  f"(days + 1), as optimize and compare count it.", ""]
    if result.decision is not None:
        from .compare import study_design_notes

        if seeds := own_seed_note(designs, result.seed):
            lines += [seeds, ""]
        # two worlds, or designs measured against other baselines: compare says so, and so does the decision
        lines += [line for note in study_design_notes(designs, [p.key for p in result.parameters])[0] for line in (note, "")]
        lines += _decision_section(result, decision_metric, settings.bins, settings.replicates, designs)
    if result.constraints is not None and len(result.constraints):
        lines += ["## Constraints", "", *[line + "\n" for line in constraint_sentences(result, settings.replicates,
                                                                                   designs=designs)],
                  "constraints.csv has each design's share of points that break each constraint, and its worst point.", ""]
    lines += _outcome_section(result, metrics)
    lines += ["## Files", "",
              "morris.csv (mu, mu_star, sigma per design, metric and assumption), sobol.csv (S1, ST and their 95% "
              "half-widths), tornado.csv (each assumption alone at each end, the mean of "
              f"{settings.tornado_replicates} seeds (`tornado_replicates`)"
              + ("; a categorical one at every choice, its ends the choices giving the lowest and highest value, "
                 "every choice's in `at_choices`" if _or_choice(result) else "")
              + "), points.csv (every Sobol point and its "
              "outcomes)" + (", decision.csv, flips.csv, conditional.csv (best design within each "
                             f"{_part(settings.bins)} of each assumption's range"
                             f"{_or_choice(result, 'and at each choice of a categorical one')})"
                             + (", corner.csv (each design with every assumption at once at its end least favourable "
                                "to the leader)" if getattr(result, "corner", None) is not None else "")
                             if result.decision is not None else "") + ", manifest.json.",
              "", "## Figures", "", *figure_links(figures)]
    return "\n".join(lines) + "\n"


def constraint_sentences(result: SensitivityResult, replicates: int, markdown: bool = True,
                         designs=()) -> list[str]:
    """Each design against each constraint across the uncertainty: at what share of the
    Sobol points (each the mean of ``replicates`` runs) it breaks it, and its worst
    point with the assumptions there (a design kept within `reward_cost<=50000` on the
    scenario's own values spent up to 145,807 at 42% of the points, and the sensitivity
    report had not said so)."""
    table = result.constraints
    if table is None or not len(table):
        return []
    b, c = ("**", "`") if markdown else ("", "")
    lines = []
    varied = [p.key for p in result.parameters]
    for row in table.to_dict("records"):
        # only the assumptions the design reads: a cash design's worst point was given "at
        # program.reward_type_weights.business.organization = 0.39", a weight no cash reward uses
        scenario = next((s for s in designs if s.name == row["design"]), None)
        keys = [p.key for p in result.parameters if scenario is None or reads(scenario, p.key, varied)]
        where = (", ".join(f"{key} = {_v(row[f'worst_{key}'])}" for key in keys)
                 + ("; the others it does not read" if len(keys) < len(varied) else "")
                 if keys else "any point alike: it reads none of the assumptions varied")
        if row["share_broken"] > 0:
            lines.append(f"{b}{row['design']} breaks {c}{row['constraint']}{c} at {row['share_broken']:.0%} of the points{b} "
                         f"(each the mean of {replicates} run{'s' if replicates != 1 else ''}): {row['metric']} "
                         f"{fmt(row['mean'])} on average over all the points, {fmt(row['worst'])} at worst ({where}).")
        else:
            lines.append(f"{row['design']} keeps {c}{row['constraint']}{c} at every point ({row['metric']} "
                         f"{fmt(row['mean'])} on average, {fmt(row['worst'])} at its closest, at {where})."
                         + _budget_bound(row, scenario, result.parameters, markdown))
    return lines


def _budget_bound(row, scenario, parameters, markdown: bool) -> str:
    """Where a cap on reward_cost is at or above ``scenario``'s total budget, which no point
    varies: " It cannot break it: ..." ("" otherwise). optimize said so of such a cap, and
    sensitivity's "keeps it at every point" read as the design's merit."""
    from ..behaviour.budget import months_begun
    from ..evaluation import spend_cap
    from ..optimize import parse_constraint

    cap, by = spend_cap(scenario, [p.key for p in parameters])   # the bounds no point varies
    if not by or not parse_constraint(row["constraint"]).held_by_budget(cap):
        return ""
    code = "`" if markdown else ""
    if by == "budget":
        return (f" It cannot break it: its total budget ({cap:,.0f}) stops the reward spend there, so the limit "
                f"rules nothing out; a budget that runs out early limits the design by the day it does "
                f"({code}budget_exhausted_day{code}).")
    return (f" It cannot break it: its monthly allowance ({scenario.program.incentive.budget_per_month:,.0f} a month, "
            f"{cap:,.0f} over the {months_begun(scenario.days)} months begun) stops the reward spend there, so the "
            f"limit rules nothing out; an allowance that binds limits the design by the months its rewards pause.")


def _part(bins: int) -> str:
    """What one of ``bins`` equal parts of a range is called: half, third, quarter, fifth, ..."""
    return {2: "half", 3: "third", 4: "quarter", 5: "fifth", 10: "tenth"}.get(bins, f"1/{bins}")


def point_runs(replicates: int) -> tuple[str, int]:
    """What each Sobol point is, in words, and the replicates to rerun with when the
    tornado disagrees (report and console say the same)."""
    return ("one run" if replicates == 1 else f"the mean of {replicates} runs"), max(4, 2 * replicates)


def finer_than_parts(found: dict, bins: int, console: bool = False) -> str:
    """Where the tornado tells another design's lead at an end of a range from its runs'
    luck, what more replicates cannot change: the decision reads each range in ``bins``
    parts, each part's mean over its points, and a lead held within a narrower stretch at
    the end is averaged away there. The console sent a reader to --replicates 8, then 16,
    and the decision still said 'hinges on none' (three reminders led at annoyance 0 to
    0.1 beyond luck; with 10 parts the same runs hinged on annoyance)."""
    tick = "" if console else "`"
    # finer parts help while each still holds enough points: past 10, more points (--samples), not more parts
    return (f"the decision reads each range in {bins} parts ({_part(bins)}s), each part's lead tested over its points, "
            f"whose spread includes how the assumption moves the lead within the part: a lead held near the end of "
            f"{tick}{found['parameter']}{tick}'s range is averaged away or lost in that spread, which more replicates "
            f"hardly narrow; read the decision as hinging on it at that end, or "
            + (f"cut the ranges finer ({tick}bins: 10{tick} in a {tick}--settings{tick} file, with more "
               f"{tick}--samples{tick} so each part keeps enough points)" if bins < 10 else
               f"give the study more points ({tick}--samples{tick}), so that each of the {bins} parts holds enough"))


def at_range_end(result: SensitivityResult, found: dict) -> bool:
    """Whether a tornado lead is at the end of a numeric range (finer_than_parts), where
    the decision's parts can miss it however many replicates: on the end part's mean, or
    in the part's spread, which includes the assumption's own effect within it (doubling
    --replicates four times did not make the decision hinge; bins: 10 did on the same
    runs). The advice had been set by which side of a quarter's noisy mean fell, and
    consecutive runs contradicted each other."""
    return found["parameter"] is not None and not _choices(result, found["parameter"])


def tornado_check(result: SensitivityResult, metric: str, replicates: int, bins: int = 4) -> str:
    """A warning, as a paragraph, where the tornado has another design ahead of the
    decision's leader at an end of an assumption the decision does not hinge on."""
    found = tornado_disagreements(result, metric)
    if not found:
        return ""
    first = found[0]
    where = "; ".join(("with every assumption as the designs give it" if f["parameter"] is None else
                       f"at `{f['parameter']}` = {_v(f['value'])}") + f" **{f['ahead']}** is ahead, "
                      f"{fmt(f['ahead_value'])} against {fmt(f['leader_value'])}" for f in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    per_point, rerun = point_runs(replicates)
    each = f"{first['replicates']} replicate{'s' if first['replicates'] != 1 else ''} each"
    if told_apart(first):
        # the tornado's own runs tell the lead from their luck: more --replicates cannot make it luck
        return (f"**Check before deciding: the tornado disagrees.** With each assumption alone at an end of its range "
                f"or at a choice (the others as the design has them, {each}), {where}{more}, while the decision above "
                f"names {first['leader']} best across the ranges. On the tornado's runs the lead is more than their "
                f"luck ({lead_interval(first)}): the other design is ahead {_where_ahead(found)}. "
                + (f"{finer_than_parts(first, bins)[0].upper()}{finer_than_parts(first, bins)[1:]}."
                   if at_range_end(result, first) else
                   f"The decision, each point {per_point}, weighs every assumption over its range at once; rerun with "
                   f"`--replicates {rerun}` or more to see whether it then hinges there too."))
    return (f"**Check before deciding: the tornado disagrees.** With each assumption alone at an end of its range or at "
            f"a choice (the others as the design has them, {each}), {where}{more}, while the decision "
            f"above names {first['leader']} best across the ranges. Each point above is {per_point}, and a run of this model can "
            f"swing far when an assumption moves a little (its referrals cascade), so the decision can mistake a "
            f"run's luck for an assumption's effect"
            + (", and one run at each end of the tornado cannot tell its lead from luck either"
               if first["replicates"] == 1 else "") + f". Rerun with `--replicates {rerun}` or more (the tornado then runs as many seeds, "
            f"`--tornado-replicates` more); the tornado is also the answer to a narrower question (one assumption at "
            f"a time). If the tornado's lead is then more than its runs' luck (the check says so, with its paired "
            f"interval), the other design is ahead {_where_ahead(found)}.")


def corner_note(result: SensitivityResult, console: bool = False) -> str:
    """What corner.csv says (sensitivity.worst_corner): whether another design is ahead of
    the leader with every assumption at once at its end least favourable to the leader's
    lead, as a paragraph (``console``: a line without markdown); '' where no corner ran or
    no assumption moves the lead at its ends."""
    corner = getattr(result, "corner", None)
    if corner is None or not len(corner) or not corner["values"].iloc[0]:
        return ""
    leader = str(corner["leader"].iloc[0])
    at = dict(zip(corner["design"], corner["at"]))
    others = corner[corner["design"] != leader]
    n = int(corner["replicates"].iloc[0])
    alone = result.flips is None or not decision_drivers(result.flips)[0]   # the decision hinges on none
    tick = "" if console else "`"
    where = ", ".join(f"{tick}{item.strip()}{tick}" for item in str(corner["values"].iloc[0]).split(";"))
    runs = f"{n} run{'s' if n != 1 else ''} each"
    head = (f"With every assumption at once at the end least favourable to {leader}'s lead ({where}; {runs})")
    if n < 2:   # one seed: no interval, the means said as they are
        ahead = others[others["lead"] < 0].sort_values("lead", kind="stable")
        if len(ahead):
            row = ahead.iloc[0]
            text = (f"{head}, {row['design']} is ahead, {fmt(row['at'])} against {fmt(at[leader])}, on one run, which "
                    f"cannot tell its lead from luck: rerun with --tornado-replicates 2 or more")
        else:
            text = f"{head}, {leader} stays ahead ({fmt(at[leader])}), on one run: rerun with --tornado-replicates 2 or more"
    else:
        told = others[others["lead_ci_high"] < 0]
        # more than MATERIAL of the values, as the tornado check asks: on common seeds a lead of 0.2% can be told apart
        big = -told["lead"] > MATERIAL * np.maximum(abs(at[leader]), told["at"].abs())
        ahead, slight = told[big].sort_values("lead", kind="stable"), told[~big]
        level = others[~(others["lead_ci_low"] > 0) & ~(others["lead_ci_high"] < 0)].sort_values("lead", kind="stable")
        if len(ahead):
            row = ahead.iloc[0]
            text = (f"{head}, {row['design']} is ahead: {fmt(row['at'])} against {fmt(at[leader])}, its lead's paired 95% "
                    f"interval {fmt(-row['lead_ci_high'])} to {fmt(-row['lead_ci_low'])}. "
                    # 'no assumption alone flips the decision' stood under "The decision hinges on: ..."
                    + ("No assumption alone flips the decision, together they can: " if alone else "")
                    + f"{'i' if alone else 'I'}f they can turn out that way at once, weigh that corner before deciding")
        elif len(level):
            row = level.iloc[0]
            text = (f"{head}, {leader} and {row['design']} are not told apart: {fmt(at[leader])} against "
                    f"{fmt(row['at'])}, the lead's paired 95% interval {fmt(row['lead_ci_low'])} to "
                    f"{fmt(row['lead_ci_high'])}: with every one of them at that end at once, the lead is not sure")
        elif len(slight):
            row = slight.iloc[0]
            text = (f"{head}, {row['design']} is ahead by less than {MATERIAL:.0%} of the value ({fmt(row['at'])} against "
                    f"{fmt(at[leader])}): level with {leader} there in all but a sliver")
        else:
            text = f"{head}, {leader} stays ahead of every design, sure at 95% ({fmt(at[leader])})"
    if console:
        return "together: " + text[0].lower() + text[1:]
    return f"**Together:** {text}. corner.csv has each design there."


def told_apart(found: dict) -> bool:
    """Whether a tornado disagreement's lead has a paired interval above 0 (two or more
    seeds a point: sensitivity.tornado_disagreements keeps no other)."""
    return bool(np.isfinite(found.get("lead_ci_low", math.nan)))


def lead_interval(found: dict) -> str:
    """The paired 95% interval of a tornado disagreement's lead, in words."""
    return (f"the lead's paired 95% interval {fmt(found['lead_ci_low'])}–{fmt(found['lead_ci_high'])} over "
            f"{found['replicates']} runs")


def _what_tells(luck: float, which: str) -> str:
    """What settles whether the decision hinges on an assumption whose best design differs
    between parts of its range within the noise. That noise is the spread of the lead over
    a part's points: the assumptions' own spread inside the part as well as the runs' luck.
    More points (``--samples``) narrow both; more replicates only the luck, the share
    ``luck`` of the lead's variance over the points. "More replicates tell" alone named a
    remedy that could not change the reading where the luck was near 0 (two designs
    differing in a cost alone)."""
    share = f", {luck:.0%} of the lead's variance over the points" if math.isfinite(luck) else ""
    return (f"More points (`--samples`, more of them in each part of the range) tell whether the decision hinges on "
            f"{which}; more replicates (`--replicates`) only as far as the runs' luck makes that noise{share}.")


def _explains_lead(row, what: str, luck: float) -> str:
    """explains() of an assumption's total index of the lead, flagged imprecise by either
    index as docs/decide.md says (a half-width of IMPRECISE or more, or an estimate above 1):
    "explains 44% (95% interval 27%–61%)" stood unflagged beside a first-order index of
    1.24 ± 0.67, where the designs' own sections flagged such indices."""
    text = explains(row["ST_advantage"], what, row["ST_advantage_conf"], luck)
    first, conf = float(row["S1_advantage"]), float(row.get("S1_advantage_conf", math.nan))
    if "raise --samples" not in text and (first >= ABOVE_ONE or (np.isfinite(conf) and conf >= IMPRECISE)):
        text += f"; imprecise: raise --samples (its first-order index is {first:.2f} ± {conf:.2f})"
    return text


def files_outside_note(result: SensitivityResult, decision: bool = True) -> str:
    """Where the design files hold an uncertain key outside the range given for it
    (sensitivity.files_outside), as a sentence: the tornado moves each assumption alone
    from the files' values, so its bars are measured around a point the study does not
    cover, and it is not checked against the decision (tornado_disagreements). A credit
    weight of 1 in the files against a range of 0-0.5 had 'the tornado disagrees' blamed
    on luck that more replicates could not clear."""
    outside = files_outside_values(result)
    if not outside:
        return ""
    said = []
    for key, off in outside.items():
        parameter = next(p for p in result.parameters if p.key == key)
        values = ", ".join(_v(v) for v in off)
        given = (", ".join(map(_v, parameter.choices)) if parameter.kind == "categorical"
                 else f"{_v(parameter.low)}–{_v(parameter.high)}")
        said.append(f"`{key}` at {values}, outside the range given ({given})")
    # one design (no decision): its ends against the file's value are the step into the range, which "alone in the
    # tornado, also by" and "the runs' noise ... raise --tornado-replicates" read as the assumption's effect or luck
    read = ("so they are not read against the decision above" if decision else
            "so its ends against the design as given measure the step into the range, not what the assumption does "
            "within it (the ends against each other do), and the outcome's section below reads no bar of such a key "
            "against the design as given")
    return (f"**The tornado stands outside the ranges:** it moves each assumption alone from the design "
            f"{'files' + chr(39) + ' values' if decision else 'file' + chr(39) + 's value'}, "
            f"and the {'files hold' if decision else 'file holds'} {'; '.join(said)}. Its bars are measured around a "
            f"point the study does not cover, {read}; give the {'files' if decision else 'file'} a value within the "
            f"range, or the study a `--set KEY=VALUE` within it (the tornado's centre for every design), for a tornado "
            f"around a point of the study.")


def _off_range(row, outside: dict) -> bool:
    """Whether a tornado row's centre (the design as given) holds its key outside the range
    given (files_outside_values' ``outside``): its ends against that centre measure the
    step into the range (0.2 in the file against 0.35-0.4: 74.2 as given against 99.3 and
    99.4 at the ends read as a mover "alone in the tornado", and as the runs' noise)."""
    off = outside.get(row["parameter"], [])
    return any(str(v) == str(row["value_base"]) or (_number(v) is not None and _number(v) == _number(row["value_base"]))
               for v in off)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _where_ahead(found: list[dict]) -> str:
    """Where the tornado's disagreements put the other design ahead, and what then holds
    the decision: at an end ('that end is implausible'), at the centre (the designs as
    given: 'the designs' own values are not your best estimates'), or both, each said."""
    ends = sum(f["parameter"] is not None for f in found)
    centre = any(f["parameter"] is None for f in found)
    places = (["where the assumptions stand as the designs give them"] if centre else []) + \
        (["at that end of the range" if ends == 1 else "at those ends of the ranges"] if ends else [])
    holds = ([f"{'that end is' if ends == 1 else 'those ends are'} implausible"] if ends else []) + \
        (["the designs' own values are not your best estimates"] if centre else [])
    return (" and ".join(places) + ", and the decision holds only if " + " and ".join(holds)
            + " (narrow the ranges to what you believe)")


def _tornado_lead(result: SensitivityResult, metric: str, flip: dict) -> str:
    """The leader's lead over the runner-up with the assumption alone at each end of its
    range, or at each of its choices (the tornado's means): evidence the Sobol indices,
    lost in luck, cannot give. Each value is the same for both designs (a categorical's
    lowest and highest choice, tornado.csv's ends, can differ from design to design)."""
    points = tornado_points(result, metric)
    points = points[points["parameter"] == flip["parameter"]]
    at = {design: rows.set_index("position")["at"] for design, rows in points.groupby("design", sort=False)}
    if flip["leader"] not in at or flip["runner_up"] not in at:
        return ""
    values = points.drop_duplicates("position").sort_values("position")
    # "at 0.01" for a range's end; "with at_purchase" for a choice ("at at_purchase" read as a typo)
    word = "with" if any(p.key == flip["parameter"] and p.kind == "categorical" for p in result.parameters) else "at"
    # the leader's lead: the runner-up's day or cost less the leader's where less is better ("the lead is -68" read
    # as the leader behind, where it paid back 68 days sooner)
    sign = -1.0 if metric in MINIMISED else 1.0
    leads = [f"{fmt(sign * float(at[flip['leader']][i] - at[flip['runner_up']][i]))} {word} {_v(value)}"
             for i, value in zip(values["position"], values["value"])]
    said = leads[0] if len(leads) == 1 else f"{', '.join(leads[:-1])} and {leads[-1]}"
    replicates = int(values["replicates"].iloc[0])
    return f"; alone, the lead is {said} in the tornado, {replicates} replicate{'s' if replicates != 1 else ''} each"


def _choices(result: SensitivityResult, key: str) -> tuple:
    """The choices of a categorical assumption ``key``; () for a range."""
    return next((p.choices for p in result.parameters if p.key == key and p.kind == "categorical"), ())


def _or_choice(result: SensitivityResult, words: str = "(each choice, for a categorical one)") -> str:
    """' ' + ``words`` where an assumption is categorical: its parts are its choices, not
    quarters (conditional.csv); '' otherwise."""
    return f" {words}" if any(p.kind == "categorical" for p in result.parameters) else ""


def _read_by_none(result: SensitivityResult, key: str, designs=()) -> bool:
    """Whether none of ``designs`` (the scenarios; none given: unknown, False) reads ``key``."""
    varied = [p.key for p in result.parameters]
    return bool(designs) and not any(reads(design, key, varied) for design in designs)


def _best_by_part(result: SensitivityResult, flip: dict, designs=()) -> str:
    """flips.csv's best_by_bin as the report says it: for a categorical assumption, each
    choice with its best design (an arrow between choices read as a range's direction);
    for one no design reads (``designs``, the scenarios: parameters.reads), a dash. A cost
    share no design reads showed "single-sided-cash → single-sided-cash →
    double-sided-credit → double-sided-credit", the bins' luck read as a switch."""
    if _read_by_none(result, flip["parameter"], designs):
        return "– (no design reads it)"
    choices, best = _choices(result, flip["parameter"]), flip["best_by_bin"].split(" → ")
    if len(best) != len(choices):   # a range, or a choice no point drew
        return flip["best_by_bin"]
    return ", ".join(f"{_v(choice)}: {design}" for choice, design in zip(choices, best))


def _unmoved_rows(rows) -> bool:
    """Indices of an outcome that does not vary over the points (all 0: nothing to share
    out, and no share of it luck: 'up to 100% luck' was said of a variance of 0)."""
    return bool(len(rows)) and not (rows[["S1", "ST"]].abs() > 0).any(axis=None)


def moved_assumptions(result: SensitivityResult, metric: str) -> dict[str, dict]:
    """sensitivity.tornado_lead_moves less the assumptions the report places elsewhere: a
    hinge, a sway or one screened out (whose indices say nothing). The tornado can show the
    lead moving beyond its luck where an assumption's share of the lead's variance is small
    beside another's ("neither ... moves with: fraud.share" stood beside a tornado moving
    the lead by 16%), or where that share is not told from the points' luck (base_share,
    moving the lead by 304,000 alone, was "not told from the runs' luck ... may move the
    lead or not" beside an assumption the tornado moved it by 105,000 with). One rule for
    report.md and the console."""
    hinges, sways = decision_drivers(result.flips)
    placed = {*hinges, *sways, *screened_keys(result)}
    return {p: m for p, m in tornado_lead_moves(result, metric).items() if p not in placed}


def unclear_assumptions(result: SensitivityResult, metric: str, moved: dict | None = None) -> list[str]:
    """sensitivity.lost_in_luck less those the tornado shows moving the lead beyond its own
    luck (``moved``, moved_assumptions's): said once, as moving it."""
    moved = moved_assumptions(result, metric) if moved is None else moved
    return [p for p in lost_in_luck(result.flips) if p not in moved]


def moved_lead_sentence(moved: dict, flips: pd.DataFrame, console: bool = False) -> str:
    """sensitivity.tornado_lead_moves in words: the assumptions the tornado shows moving
    the lead beyond its luck, though their Sobol share of the lead's variance is small or
    not told from the points' luck (lost_in_luck, said of each such one)."""
    leader, runner_up = flips["leader"].iloc[0], flips["runner_up"].iloc[0]
    lost = set(lost_in_luck(flips))
    # the lead at each end, signed: "narrows by 236.7" was said of a lead that went from -217.8 further below 0
    each = [f"{'' if console else '`'}{key}{'' if console else '`'} (alone, the lead is {fmt(m['lead_low'])} at "
            f"{_v(m['low'])} and {fmt(m['lead_high'])} at {_v(m['high'])}: a change of {fmt(m['change'])}, paired 95% "
            f"interval {fmt(m['ci_low'])} to {fmt(m['ci_high'])} over {m['replicates']} runs"
            + ("; its share of the lead's variance over the points is not told from their luck" if key in lost else "")
            # its best design differs by part of the range, within the noise (the leader lost 3 quarters unsaid)
            + (f"; the best design differs between parts of its range, though not by more than the noise: "
               f"{flips.loc[flips['parameter'] == key, 'best_by_bin'].iloc[0]}" if best_shifts(flips, key) else "")
            + ")" for key, m in moved.items()]
    if console:
        return f"the tornado moves {leader}'s lead on {runner_up} with: " + "; ".join(each)
    share = ("little of the lead's variance over the points beside the other assumptions (its Sobol share)"
             if not lost & set(moved) else
             "a share of the lead's variance over the points that is small beside the other assumptions' or not told "
             "from the points' luck (its Sobol share)")
    return (f"**The tornado moves {leader}'s lead on {runner_up} with:** " + "; ".join(each) + ". "
            + ("Each explains" if len(each) > 1 else "It explains") + f" {share}, but moves the lead by more than the "
            "tornado's luck: weigh its range before deciding.")


def seeds_lead_note(flips: pd.DataFrame, console: bool = False) -> str:
    """Whether the leader's lead across the ranges is told from the luck of the seeds every
    point shares (sensitivity.seeds_lead), which moves the share of points best and the
    regret at every point alike: on 4 seeds --seed 5 named one design best at 80% of the
    points and --seed 3 the other at 87%, with nothing said. '' on one seed (luck_note says
    what one run a point cannot tell) or before flips.csv kept the interval; ``console``:
    the console's note, said only where the lead is not told apart."""
    if not len(flips) or "lead_ci_low" not in flips:
        return ""
    row = flips.iloc[0]
    if not np.isfinite(row["lead_ci_low"]):
        if not np.isfinite(row.get("lead_mean", math.nan)) or row["lead_mean"] == 0:   # none, or a tie
            return ""
        # one seed: "best at 92% of the points, hinges on none" was that seed's luck (compare, on 12 seeds, had the two
        # not told apart; on 4 it read 79%, not told apart), with nothing said
        if console:
            return (f"one seed: every point ran on the same one, so the shares of points best follow its luck as much as "
                    f"the assumptions, and its luck cannot be told from {row['leader']}'s lead: --replicates 4 or more "
                    f"for a decision")
        return (f"**One seed.** Every point ran on the same one seed, so the share of points best and the expected "
                f"regret above follow its luck as much as the assumptions: a seed that favours {row['leader']} favours "
                f"it at every point, and one seed cannot tell its lead on {row['runner_up']} from that luck. Use "
                f"`--replicates 4` or more before deciding (docs/decide.md).")
    seeds = "the seeds every point runs on"
    # over the points drawn afresh (sensitivity.drawn_rows): "264,429" stood a few lines under a table whose means
    # differed by 266,978, over every point, the rows that mix two drawn points too
    across = ("across the ranges (averaged over the points drawn afresh, the Sobol sample's A and B rows; the table's "
              "means average every point, the rows that mix them too)")
    interval = f"{fmt(row['lead_ci_low'])} to {fmt(row['lead_ci_high'])}"
    if row["lead_ci_low"] <= 0 and math.isclose(row["lead_ci_low"], row["lead_ci_high"], rel_tol=1e-9, abs_tol=1e-9):
        # the same lead on every seed (designs differing in a cost alone): "interval 0 to 0, which reaches 0 ... raise
        # --replicates until the interval clears 0" asked for what no seed can give, of a split the assumption made
        return "" if console else (
            f"Over {seeds}, {row['leader']}'s lead on {row['runner_up']} {across} is {fmt(row['lead_mean'])} on every "
            f"seed: the seeds' luck does not move it, so the shares of points best follow the assumptions alone.")
    if row["lead_ci_low"] > 0:
        return "" if console else (
            f"Over {seeds}, {row['leader']}'s lead on {row['runner_up']} {across} is {fmt(row['lead_mean'])} "
            f"(paired 95% interval {interval}): more than those seeds' luck.")
    if console:
        return (f"not told apart on these seeds: {row['leader']}'s lead on {row['runner_up']} across the ranges is "
                f"{fmt(row['lead_mean'])} (paired 95% CI {interval} over {seeds}); the shares of points best follow "
                f"their luck as much as the assumptions, and another --seed can name the other design: raise --replicates")
    return (f"**Not told apart on these seeds.** Over {seeds}, {row['leader']}'s lead on {row['runner_up']} {across} "
            f"is {fmt(row['lead_mean'])}, paired 95% interval {interval}, which reaches 0. A seed's luck that "
            f"lifts one design lifts it at every point, so the share of points best and the expected regret above follow "
            f"those seeds as much as the assumptions, and another `--seed` can name the other design. Raise "
            f"`--replicates` until the interval clears 0 before reading the shares (`refsim compare` tests the designs "
            f"as given the same way).")


def luck_note(luck: float, replicates: int) -> str:
    """How much of the lead's variance over the points may be the runs' own luck, which
    every Sobol index counts as if an assumption had made it."""
    if not math.isfinite(luck):
        return ("Each point is one run: every index above also counts that run's luck, which one run per point "
                "cannot measure; with `--replicates 2` or more the report says how much of the lead's variance may be "
                "luck, and calls an assumption's share only above it.")
    return (f"About {luck:.0%} of the lead's variance over the points may be the runs' own luck (what neither the point "
            f"nor the seed explains, over the {replicates} seeds all points share, as the variance of a point's mean; a "
            f"seed's luck that shifts every point alike moves none against another): every total index counts it as if an "
            f"assumption had made it, so an assumption is said to move the lead only when its total index is above "
            f"that share, or its first-order index above 0 where the parts of its range differ too (`range_p`), each "
            f"beyond its half-width, or where the parts of its range differ clearly (`range_p` below 0.05 divided by "
            f"the number of assumptions), whatever its indices' half-widths.")


def decision_copies(decision: pd.DataFrame) -> dict[str, list[str]]:
    """For each design of decision.csv, the other designs with its very values (its
    ``same_as`` set, from the values at every point): copies split each point's best
    between them, so a design listed twice read as half as likely best, and another design
    was named the leader."""
    group = {r["design"]: (r["same_as"] or r["design"]) for r in decision.to_dict("records")}
    return {d: [o for o, g in group.items() if o != d and g == group[d]] for d in group}


def copy_lines(decision: pd.DataFrame, leave_out: str | None = None) -> list[str]:
    """A sentence per set of designs with the same value at every point, their shares of
    the points added up (the console listed 'best at 27%' for each of a leader and its copy,
    beside a third design's 47%, where report.md named the leader best at 53%). The set
    holding ``leave_out`` (the leader, whose ties report.md says on their own) is left out."""
    if bool((decision["expected_regret"].abs() < 1e-12).all()):   # every design ties: said as such
        return []
    copies, lines = decision_copies(decision), []
    seen = {leave_out, *copies.get(leave_out, [])} if leave_out is not None else set()
    shares = dict(zip(decision["design"], decision["probability_best"]))
    for design, same in copies.items():
        if not same or design in seen:
            continue
        names = [design, *same]
        seen.update(names)
        lines.append(f"{' and '.join(', '.join(names).rsplit(', ', 1))} give the same value at every point: one design "
                     f"here, best at {sum(shares[n] for n in names):.0%} of the points together (split between them above)")
    return lines


#: Why this study and a compare or sweep of the same designs can name other winners: a strategist
#: got one best design from a sweep of an assumption and another from sensitivity over it.
DIFFERENT_QUESTION = ("This is the best across the ranges, every assumption drawn at once, every point "
                      "run on the same replicate seeds. `refsim compare` (the designs at their own values) or a sweep of one key (the others held "
                      "where the file has them) asks which design is best at those values, and can name another: "
                      "both can be right.")


def _decision_section(result: SensitivityResult, metric: str, bins: int = 4, replicates: int = 1,
                      designs=()) -> list[str]:
    decision, flips = result.decision, result.flips
    copies = decision_copies(decision)
    together = decision.assign(probability_best=shares_together(decision))
    leader = together.set_index("design", drop=False).loc[decision_leader(decision)]
    hinges, sways = decision_drivers(flips)
    rows = {r["parameter"]: r for r in flips.to_dict("records")}
    # held at their midpoints by Morris's screen, their Sobol indices are 0 by construction: no finding that they move
    # nothing (base_share, moving the lead from 2,682 to 1,204 in the tornado, was listed as moving neither)
    held = screened_keys(result)
    moved = moved_assumptions(result, metric)
    unclear = unclear_assumptions(result, metric, moved)
    calm = [p for p in flips["parameter"] if p not in hinges and p not in sways and p not in unclear and p not in held
            and p not in moved]
    luck = float(flips["noise_share"].iloc[0]) if "noise_share" in flips and len(flips) else math.nan
    tie = bool((decision["expected_regret"].abs() < 1e-12).all())   # no design ever loses anything to another
    # the leader has the lowest expected regret (decision_leader); a design best at more points, by small margins, is
    # named beside it: "no-program is best at 53%" headed a decision whose flips studied the reward with the higher mean
    most = together[~together["design"].isin([leader["design"], *copies[leader["design"]]])]
    most = most.sort_values("probability_best", ascending=False, kind="stable").head(1)
    more = (f" and loses least on average (the lowest expected regret); **{most['design'].iloc[0]}** is best at more of "
            f"them ({most['probability_best'].iloc[0]:.0%}), by less than it loses at the others."
            if len(most) and most["probability_best"].iloc[0] > leader["probability_best"] + 1e-12 else ".")
    lines = ["## The decision", "",
             f"Which design gives the best **{metric}**, across the uncertainty. " + (
                 "**The designs tie**: they give the same value at every point, so none is better (a point's best "
                 "is shared between them)." if tie else
                 f"**{leader['design']}** is best at {leader['probability_best']:.0%} of the points{more}"), "",
             "| design | mean | probability best | expected regret |", "|---|---|---|---|"]
    for row in decision.to_dict("records"):
        lines.append(f"| {row['design']} | {fmt(row['mean'])} | {row['probability_best']:.0%} | {fmt(row['expected_regret'])} |")
    lines += ["", "Expected regret: what choosing the design loses on average against always choosing the best one for "
              "the assumptions as they turn out.", ""]
    if not tie:
        lines += [DIFFERENT_QUESTION, ""]
        if across := seeds_lead_note(flips):
            lines += [across, ""]
    if (same := copies[leader["design"]]) and not tie:
        lines += [f"**{leader['design']} ties with {', '.join(same)}**: the same value at every point, so each point's best "
                  f"is shared between them ({leader['probability_best']:.0%} together, as above); the lead below is "
                  f"over the next design.", ""]
    # copies among the other designs: the console said so, report.md listed each with half the share
    lines += [text for line in copy_lines(decision, leave_out=leader["design"]) for text in (line + ".", "")]
    if hinges and not tie:
        lines.append("**The decision hinges on:** " + "; ".join(
            f"`{p}` ({'at one of its choices' if _choices(result, p) else 'in part of its range'} another design is "
            f"ahead by more than the noise: {_best_by_part(result, rows[p])}; it "
            f"{_explains_lead(rows[p], 'the leader’s lead', luck)})" for p in hinges) + ".")
    elif not tie:   # a tie was said above: no design leads anywhere
        lines.append(f"**The decision hinges on none of the assumptions:** in no {_part(bins)} of any range"
                     f"{_or_choice(result, 'nor at any choice')} is another "
                     f"design ahead of {leader['design']} by more than the noise.")
    if (together := corner_note(result)) and not tie:
        lines += ["", together]
    if (check := tornado_check(result, metric, replicates, bins)) and not tie:
        lines += ["", check]
    if outside := files_outside_note(result):
        lines += ["", outside]
    steady = [p for p in sways if not best_shifts(flips, p)]
    shifting = [p for p in sways if best_shifts(flips, p)]
    if steady:
        lines += ["", f"**{'They move' if len(steady) > 1 else 'It moves'} the size of the lead, not the best design:** " + "; ".join(
            f"`{p}` ({_explains_lead(rows[p], 'the lead', luck)})" for p in steady) + "."]
    if shifting:
        # the best design differs between parts of its range, within the noise: not 'not the best design'
        lines += ["", f"**{'They move' if len(shifting) > 1 else 'It moves'} the size of the lead, and the best design "
                      f"differs between parts of {'their ranges' if len(shifting) > 1 else 'its range'}, though not by "
                      f"more than the noise at this size:** " + "; ".join(
                          f"`{p}` ({_best_by_part(result, rows[p])}; it {_explains_lead(rows[p], 'the lead', luck)})"
                          for p in shifting)
                  + ". " + _what_tells(luck, "them" if len(shifting) > 1 else "it")]
    if unclear:
        lines += ["", "**Not told from the runs' luck at this size:** " + "; ".join(
            f"`{p}` ({explains(rows[p]['ST_advantage'], 'the lead', rows[p]['ST_advantage_conf'], luck)}; first-order "
            f"index {rows[p]['S1_advantage']:.2f} ± {rows[p]['S1_advantage_conf']:.2f}{_tornado_lead(result, metric, rows[p])})"
            for p in unclear)
            + ". It may move the lead or not: raise `--replicates` (less luck a point) or `--samples` (narrower indices); "
              "tornado.csv shows each assumption alone at the ends of its range, or at each of its choices."]
    if moved and not tie:
        lines += ["", moved_lead_sentence(moved, flips)]
    if calm and lead_immaterial(flips) and not tie:
        # a share of a tiny variance: the lead ran from 513.35 to 513.64 on values near 600,000, all of it "explained"
        lines += ["", "**Neither the best design nor the lead moves with:** " + ", ".join(f"`{p}`" for p in calm)
                  + f" (over all the points the lead moves by {lead_range_text(flips)} of its mean size, under "
                  f"{MATERIAL:.0%}: whatever share of that little variance an assumption explains, none moves the lead by "
                  f"much; and in no part of any range is another design ahead of the leader by more than the noise)."]
    elif calm:
        lines += ["", "**Neither the best design nor the lead moves with:** " + ", ".join(f"`{p}`" for p in calm)
                  # the total index is what was tested: the first-order one beside it in the table can read
                  # 0.05 on estimation noise (S1 0.0466 beside ST 0.00), which 'under 5%' seemed to contradict
                  + f" (each explains under {MATTERS:.0%} of the lead's variance by its total index, ST"
                  # by the noise test of flips.csv: the table's best by part of the range may still switch on noise
                  + ", and in no part of its range is another design ahead of the leader by more than the noise"
                  + (f"; about {luck:.0%} of that variance may be the runs' luck, which can hide an effect smaller than "
                     f"it: tornado.csv gives each alone at the ends of its range, or at each of its choices" if np.isfinite(luck) and luck >= 0.5 else "")
                  + ")."]
    if held:
        lines += ["", screened_sentence(result, held)]
    if not tie:
        lines += ["", luck_note(luck, replicates)]
    lines += ["", "| assumption | S1 of the advantage | ST of the advantage (± 95% bootstrap) | best design by "
                  f"{_part(bins)} of its range{_or_choice(result)} | flips |",
              "|---|---|---|---|---|"]
    for row in flips.to_dict("records"):   # held ones said as the designs' own tables say it: their 0 is no finding
        lines.append(f"| {row['parameter']}{' (held at its midpoint)' if row['parameter'] in held else ''} | "
                     f"{row['S1_advantage']:.2f} | {row['ST_advantage']:.2f} ± "
                     f"{row['ST_advantage_conf']:.2f} | {_best_by_part(result, row, designs)} | "
                     f"{'yes' if row['flips'] else 'no'} |")
    if note := below_zero_note(flips, "S1_advantage", "ST_advantage"):
        lines += ["", note]
    if any(NO_POINT in row["best_by_bin"].split(" → ") for row in flips.to_dict("records")):
        lines += ["", f"{NO_POINT} in the best design by {_part(bins)}: no point of the study fell in that "
                      f"{_part(bins)}{_or_choice(result, 'or choice')}; raise --samples to fill it."]
    if any(not row["flips"] and len(set(row["best_by_bin"].split(" → ")) - {NO_POINT}) > 1
           and not _read_by_none(result, row["parameter"], designs) for row in flips.to_dict("records")):
        lines += ["", f"flips: yes where another design is ahead of the leader in some {_part(bins)}"
                      f"{_or_choice(result, 'or choice')} by more than the noise (the points' paired differences, 95% over "
                      f"the {_part(bins)}s{_or_choice(result, 'or choices')} and designs together); the best "
                      f"by mean alone can change on noise."]
    return lines + [""]


def below_zero_note(rows: pd.DataFrame, first: str, total: str) -> str:
    """The sentence under a table of Sobol indices where one is estimated below 0 (as shown,
    to two decimals): a share of the variance cannot be, so it is estimation noise around
    0, as one above 1 is too few samples. "-0.06" and "-1.74" stood bare in a table whose
    indices above 1 were explained."""
    found = [f"`{row['parameter']}` ({name} {row[column]:.2f})" for row in rows.to_dict("records")
             for name, column in (("S1", first), ("ST", total)) if column in row and row[column] <= -0.005]
    if not found:
        return ""
    return (f"Below 0: {', '.join(found)}. A share of the variance cannot be negative: such an estimate is noise around "
            f"an index near 0, not a finding; raise --samples for a precise one.")


def _outcome_section(result: SensitivityResult, metrics: list[str]) -> list[str]:
    lines = ["## What moves each outcome", ""]
    outside = files_outside_values(result)
    if len(result.designs) == 1 and (note := files_outside_note(result, decision=False)):   # no decision section said it
        lines += [note, ""]
    for design in result.designs:
        for metric in metrics:
            sobol = result.sobol[(result.sobol["design"] == design) & (result.sobol["metric"] == metric)].sort_values("ST", ascending=False)
            morris = result.morris[(result.morris["design"] == design) & (result.morris["metric"] == metric)].set_index("parameter")
            records = sobol.to_dict("records")
            luck = float(sobol["noise_share"].iloc[0]) if "noise_share" in sobol and len(sobol) else math.nan
            # an index no larger than the share of the variance that may be the runs' luck says nothing either way
            told = {r["parameter"]: bool(told_from_luck(r["ST"], r["ST_conf"], r["S1"], r["S1_conf"], luck,
                                                        r.get("range_p", math.nan), assumptions=len(records)))
                    for r in records}
            moving = [r["parameter"] for r in records if r["ST"] >= MATTERS and told[r["parameter"]]]
            held = screened_keys(result)
            # a small share of the variance beside another assumption's, or one not told from the points' luck, is no
            # finding that it moves nothing: "not by delay_discount" stood beside its tornado cutting the value from
            # 192,356 to 124,087, told from the luck, and "not told from the runs' luck" beside one moving it by 70%
            alone = tornado_moves(result.tornado, design, metric, outside)
            lost = [r["parameter"] for r in records if r["ST"] >= MATTERS and not told[r["parameter"]]
                    and r["parameter"] not in alone]
            still = [p for p in sobol["parameter"] if p not in moving and p not in lost and p not in held and p not in alone]
            shown = [p for p in sobol["parameter"] if p in alone and p not in moving and p not in held]
            lines += [f"### {metric} of {design}", "",
                      ("Moved by " + ", ".join(f"`{p}`" for p in moving) if moving else "Moved by none of the assumptions")
                      + ("; not told from the runs' luck at this size: " + ", ".join(f"`{p}`" for p in lost) if lost else "")
                      + (("; alone in the tornado, also by " + "; ".join(alone[p] for p in shown)
                          + f" (by its total index under {MATTERS:.0%} of the variance over the points beside the "
                            f"others', or not told from the runs' luck there, but moved by more than the tornado's "
                            f"luck)") if shown else "")
                      + (("; not by " + ", ".join(f"`{p}`" for p in still) + ".") if still else
                         ("; every assumption matters." if not lost and not held and not shown else "."))
                      + (f" {screened_sentence(result, held)}" if held else "")
                      + (" It does not vary over the points: there is no variance to share out."
                         if _unmoved_rows(sobol) else
                         f" About {luck:.0%} of its variance over the points may be the runs' luck." if math.isfinite(luck)
                         # one run a point: "moved by" an assumption whose ST is that run's luck read as a finding
                         else " Each point is one run: these indices also count that run's luck, which one run per "
                              "point cannot measure, so an assumption named here may move it by luck alone "
                              "(`--replicates 2` or more measures the luck and names only what stands above it)."), "",
                      "| assumption | S1 | ST | Morris mu* | Morris sigma |", "|---|---|---|---|---|"]
            for row in sobol.to_dict("records"):
                screened = " (held at its midpoint)" if row["screened"] else ""
                lines.append(f"| {row['parameter']}{screened} | {row['S1']:.2f} ± {row['S1_conf']:.2f} | "
                             f"{row['ST']:.2f} ± {row['ST_conf']:.2f} | {fmt(morris.loc[row['parameter'], 'mu_star'])} | "
                             f"{fmt(morris.loc[row['parameter'], 'sigma'])} |")
            lines.append("")
            if note := below_zero_note(sobol, "S1", "ST"):
                lines += [note, ""]
            lines += _outside_ends(result.tornado, design, metric, outside)
            vague = []
            for r in sobol.to_dict("records"):
                total = r["ST"] >= ABOVE_ONE or (np.isfinite(r["ST_conf"]) and r["ST_conf"] >= IMPRECISE)
                # a first-order index as wide (0.54 +- 0.48, twice its own total index) named its assumption as moving
                # the outcome beside a note naming only the total index of another
                first = np.isfinite(r["S1_conf"]) and r["S1_conf"] >= IMPRECISE
                parts = [f"{r['ST']:.2f} ± {r['ST_conf']:.2f}"] if total else []
                parts += [f"S1 {r['S1']:.2f} ± {r['S1_conf']:.2f}"] if first else []
                if parts:
                    vague.append(f"`{r['parameter']}` ({'; '.join(parts)})")
            if vague:  # an index is a share of the variance: above 1, or this wide, the sample is too small to rank them
                lines += ["Imprecise: " + ", ".join(vague) + ": a total index cannot exceed 1, and a 95% half-width of "
                          f"{IMPRECISE:g} or more (of either index) leaves the ranking open; raise --samples before "
                          f"reading this table.", ""]
    return lines


def tornado_moves(tornado, design: str, metric: str, outside: dict | None = None) -> dict[str, str]:
    """The assumptions whose tornado bar for ``design``'s ``metric`` moves it beyond the
    tornado's luck (an end's paired 95% interval against the design as given clears 0) and
    by MATERIAL of its value as given or more, each said as "`key` (124,087 at 0.03
    against 192,356 as given, paired 95% interval of the change ... over 6 runs)": the
    larger end's. Empty on one seed, where the intervals are NaN. A bar whose centre holds its
    key outside the range given (``outside``: files_outside_values) is left out: its ends
    against that centre measure the step into the range."""
    rows = tornado[(tornado["design"] == design) & (tornado["metric"] == metric)]
    found = {}
    for row in rows.to_dict("records"):
        if _off_range(row, outside or {}):
            continue
        ends = []
        for end in ("low", "high"):
            low, high, change = row.get(f"{end}_ci_low", math.nan), row.get(f"{end}_ci_high", math.nan), \
                row[f"at_{end}"] - row["at_base"]
            if (low > 0 or high < 0) and abs(change) >= MATERIAL * abs(row["at_base"]) and abs(change) > 0:
                ends.append((abs(change), end, low, high))
        if ends:
            _, end, low, high = max(ends)
            found[row["parameter"]] = (f"`{row['parameter']}` ({fmt(row[f'at_{end}'])} at {_v(row[f'value_{end}'])} "
                                       f"against {fmt(row['at_base'])} as given, paired 95% interval of the change "
                                       f"{fmt(low)} to {fmt(high)} over {int(row['replicates'])} runs)")
    return found


def _outside_ends(tornado, design: str, metric: str, outside: dict | None = None) -> list[str]:
    """Tornado bars whose centre (the design as given) lies outside both ends by more than
    half the bar's swing: 23,020 at the base against 34,169 and 32,945 at the ends drew a
    short bar, read as 'hardly matters', where the runs' noise (or an effect that turns
    within the range) is as large as the swing. Not a bar whose centre holds its key outside
    the range (``outside``): there the gap is the step into the range, which more runs do
    not clear (files_outside_note says so)."""
    rows = tornado[(tornado["design"] == design) & (tornado["metric"] == metric)]
    found = []
    for row in rows.to_dict("records"):
        if _off_range(row, outside or {}):
            continue
        low, high = sorted((row["at_low"], row["at_high"]))
        gap = max(low - row["at_base"], row["at_base"] - high)
        if np.isfinite(gap) and gap > 0 and gap > 0.5 * row["swing"]:
            ends = "every choice from" if row.get("at_choices") else "the ends"   # a categorical's: its lowest and highest
            found.append(f"`{row['parameter']}` (the design as given {fmt(row['at_base'])}, {ends} "
                         f"{fmt(row['at_low'])} {'to' if row.get('at_choices') else 'and'} {fmt(row['at_high'])})")
    if not found:
        return []
    return ["Tornado bars to read with care: " + "; ".join(found) + ". The design as given scored outside both ends "
            "of the range, by more than half the bar's swing: the runs' noise, or an effect that turns within the "
            "range, is as large as the bar, so a short bar does not say the assumption hardly matters (raise "
            "--tornado-replicates).", ""]


__all__ = ["write_sensitivity", "sensitivity_markdown", "tornado_plot", "sobol_plot", "MATTERS"]


def own_seed_note(designs, seed: int) -> str:
    """The designs whose file gives a seed other than the study's ``seed``, which the study
    does not use: every design runs on the study's seeds. A design with seed 7 ran on seed
    42 without a word, and its 'designs as given' figure was not what `refsim run` gave.
    The first design counts too: under --seed its file's seed goes unused as well (it was
    left out, as if the study ran on it). One design alone is no comparison: nothing."""
    if len(designs) < 2:
        return ""
    others = [d for d in designs if getattr(d, "seed", None) is not None and d.seed != seed]
    if not others:
        return ""
    one = len(others) == 1
    named = ", ".join(f"{d.name} ({d.seed})" for d in others)
    return (f"The seed{'' if one else 's'} in the file{'' if one else 's'} of {named} {'is' if one else 'are'} not used: "
            f"every design runs on the study's seeds (from seed {seed}), so that the designs meet the same luck at each "
            f"point; `refsim run` of {'it' if one else 'them'} on {'its' if one else 'their'} own seed gives other figures."
            + _replay_sentence(designs, seed))


def _replay_sentence(designs, seed: int) -> str:
    """An optimize winner run on the seed of the search that chose it: said, as its figures
    replay the replicates that picked it (optimize.search_replay_note)."""
    from ..optimize import search_replay_note

    note = search_replay_note(designs, seed)
    return f" Note: {note}." if note else ""
