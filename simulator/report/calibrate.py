"""The readable files of a calibration folder: posterior.csv (equally weighted
draws), particles.csv, intervals.csv, generations.csv, a posterior plot, the
forecast (forecast.csv, outcomes.csv, forecast.png), designs.csv, report.md,
manifest.json and calibrated.yaml (the base at the posterior medians); pyabc's own
database (calibration.db) sits beside them."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..calibrate import SIMULATIONS_PER_PARTICLE, Calibration, CalibrationSettings, forecast_seeds, posterior_rows
from ..config import Scenario, fitting_description, suffixed_name
from ..kernel import use_kernel
from ..results import atomic_write_csv, atomic_write_json, atomic_write_text, file_digest, manifest
from .figure import plt, save
from .text import BASE_READ, CALIBRATED_BY, METRIC_TEXT, axis_label, designs_default_notes, figure_links, fmt, study_set_lines


def write_calibration(folder: Path, calibration: Calibration, *, base: Scenario, pilot: pd.DataFrame, daily: pd.DataFrame,
                      outcomes: pd.DataFrame, designs: pd.DataFrame | None, settings: CalibrationSettings, draws: int,
                      data_file: str, started: dt.datetime, command: list[str] | None = None, extra: dict | None = None,
                      others: list[Scenario] = (), launch_note: str = "", sets: list[str] | None = None,
                      inputs: dict[str, str] | None = None,
                      set_notes: list[str] | None = None, set_via: str = "--set", design_files: Sequence[str] = ()) -> Path:
    """Write every readable file into ``folder`` (a staging folder the caller renames into place);
    ``design_files``: the files of ``others``, named in the commands that take the fit further;
    ``others``: the designs compared beside ``base``, resolved into the manifest (only the base
    was, so a design file edited later could not be told from the one that ran); ``sets``:
    the --set items every design ran with, ``set_notes`` the levers they brought into
    designs without them (report.text.study_set_lines)."""
    folder = Path(folder)
    # the designs as absolute paths in the commands this folder's files print (calibrated.yaml named as it lies beside
    # them): a design named as typed where calibrate ran was not found from the folder, and calibrated.yaml not
    # found from where calibrate ran
    design_files = [str(Path(d).resolve()) for d in design_files]
    atomic_write_csv(folder / "posterior.csv", calibration.posterior)
    atomic_write_csv(folder / "particles.csv", calibration.particles)
    atomic_write_csv(folder / "intervals.csv", calibration.intervals)
    atomic_write_csv(folder / "generations.csv", calibration.generations)
    atomic_write_csv(folder / "forecast.csv", daily)
    atomic_write_csv(folder / "outcomes.csv", outcomes)
    atomic_write_text(folder / "calibrated.yaml", calibrated_yaml(calibration, base, data_file, design_files, sets or ()))
    if designs is not None:
        atomic_write_csv(folder / "designs.csv", designs)
    figures = [posterior_plot(calibration, folder / "posterior.png"),
               forecast_plot(daily, pilot, calibration, folder / "forecast.png")]
    atomic_write_text(folder / "report.md", calibration_markdown(calibration, base, outcomes, designs, settings, draws,
                                                                data_file, figures, pilot_note(pilot, launch_note), others=others,
                                                                sets=sets, set_notes=set_notes, set_via=set_via,
                                                                design_files=design_files))
    atomic_write_json(folder / "manifest.json", manifest(
        folder=folder,
        scenarios=[base, *others], seeds={"forecast": forecast_seeds(calibration, draws)}, started=started, ended=dt.datetime.now(), command=command, inputs=inputs, extra={"calibrate": {
            "seed": calibration.seed, "data": data_file, "columns": calibration.columns,
            # the pilot's bytes: a pilot.csv edited since gave another fit from the same manifest, unseen
            **({"data_sha256": file_digest(Path(data_file))} if data_file and Path(str(data_file)).is_file() else {}),
            # the pilot's first and last day as its file gives them; pilot_days is what the fit simulates, days 0
            # to the last ("pilot_days": 21 alone read as a 21-day pilot for one of days 0-20, or of days 1-20)
            "pilot_first_day": calibration.pilot_first, "pilot_last_day": calibration.pilot_days - 1,
            "pilot_days": calibration.pilot_days,
            # calibrate.predictive_misfit: ~1 where the model reproduces the pilot, MISFIT or more flagged
            "predictive_misfit": calibration.misfit,
            # calibrate.pilot_outliers: the pilot's counts beyond every run at posterior draws
            "pilot_outliers": calibration.outliers,
            # calibrate.pilot_isolation: the pilot's nearest run against the runs' own nearest
            "pilot_isolation": calibration.isolation,
            "pilot_first_date": pilot.attrs.get("first_date"),
            "fit": [p.describe() for p in calibration.parameters], "settings": vars(settings), "forecast_draws": draws,
            # which posterior draws the forecast ran: spread over posterior.csv, not its first rows
            "forecast_rows": [int(j) for j in posterior_rows(len(calibration.posterior), draws)],
            "seeds": "each particle's run seed comes from the ABC stream of the study seed; the forecast's j-th run "
                     "(and each design's) is posterior.csv's draw forecast_rows[j] on seeds.forecast[j]", **(extra or {})}}))
    return folder


def calibrated_values(calibration: Calibration) -> dict:
    """Each fitted key's posterior median, as the key takes it (a whole number for a
    whole-number key), to four significant figures: a point for the next command."""
    values = {}
    for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records")):
        median = float(row["median"])
        values[p.key] = int(round(median)) if p.kind == "int" else float(f"{median:.4g}")
    return values


def uncertain_ranges(calibration: Calibration) -> list[str]:
    """`--uncertain KEY=LO:HI[:log]` for each fitted key over its posterior interval, for
    `refsim sensitivity`: a decision weighed against what the pilot left uncertain."""
    ranges = []
    for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records")):
        # three figures, rounded outward: the range holds the interval, and the median the tornado is centred on
        # (next_commands' --set), which a rounding inward could leave outside it and sensitivity refuse
        low, high = (f"{row[end]:.0f}" if p.kind == "int" else _three_figures(row[end], up=end == "high")
                     for end in ("low", "high"))
        if low != high:   # a key the pilot pins to one value is no range
            ranges.append(f"--uncertain {p.key}={low}:{high}" + (":log" if p.log else ""))
    return ranges


def _three_figures(value: float, *, up: bool) -> str:
    """``value`` to three significant figures, rounded up (``up``) or down, as %.3g writes it."""
    from ..config import figures_rounded

    return f"{figures_rounded(value, 3, up=up):.3g}"


#: In a calibrated file's description, before the warnings calibrate gave of its fit.
FIT_WARNED = " Its fit is flagged: "
#: After the --set of the fitted values: compare gives a --set to every design, and refuses one a design lacks.
KIND_KEYS_ASIDE = (" (compare gives a --set to every design: a key of one kind of timing or reward, such as a "
                   "milestone's reach_share, goes instead in the files of the designs that have it)")


def _kind_specific(key: str) -> bool:
    """A key of one kind of timing or reward (a milestone's reach_share), which designs of
    another kind lack."""
    return key.startswith(("program.timing.", "program.incentive."))


def calibrated_scenario(calibration: Calibration, base: Scenario, data_file: str) -> Scenario:
    """``base`` with each fitted key at its posterior median (calibrated_values), named
    ``<base>-calibrated`` and keeping the base's seed, so that a compare of the two pairs:
    calibrate wrote no scenario, and an analyst carried the fit to optimize and
    sensitivity by hand."""
    from ..parameters import apply_values

    values = calibrated_values(calibration)
    scenario = apply_values(base, values, parameters=calibration.parameters, source="calibrated.yaml")
    described = (f"{base.name} {CALIBRATED_BY}{Path(data_file).name}: "
                 + ", ".join(f"{k} = {v:g}" for k, v in values.items())
                 + " (posterior medians).")
    # a compare of this file quoted the fit as sound beside a "sure" verdict where calibrate had warned it is not
    flags = ([f"the model {not_reproduced(calibration)} the pilot (predictive_misfit {calibration.misfit:.3g})"]
             * (not reproduces(calibration))
             + ["the posterior presses against a range's edge"] * bool(at_the_edge(calibration))
             + ["too few particles carry the posterior"]
             * bool(rough_particles_sentence(len(calibration.particles), float(calibration.intervals["level"].iloc[0]),
                                             particle_weights(calibration))))
    if flags:
        described += f"{FIT_WARNED}{'; '.join(flags)}: these values are not to be used as they stand."
    if base.description.strip():
        described += f"{BASE_READ}{base.description.strip()}"
    return scenario.model_copy(update={"name": suffixed_name(base.name, "-calibrated"),
                                       "description": fitting_description(described)})


def next_commands(calibration: Calibration, path: str = "calibrated.yaml", designs: Sequence[str] = (),
                  sets: Sequence[str] = ()) -> list[str]:
    """The commands that take a fit further: optimize on calibrated.yaml (at ``path``), and,
    where the posterior left a range, sensitivity of it beside the ``designs`` compared (else
    a placeholder) over the posterior's intervals, with the --set items the fit ran with
    (built into calibrated.yaml, not into another design's file: without them the designs
    were refused as two populations)."""
    import shlex

    from ..parameters import is_lever

    commands = [f"refsim optimize {shlex.quote(path)} --vary KEY=LO:HI"]
    # a fitted choice of the program (the pilot's delay) is the design's, not an assumption the designs share:
    # sensitivity refused the command ("the designs differ in program.timing.delay_days")
    if ranges := [r for r in uncertain_ranges(calibration) if not is_lever(r.removeprefix("--uncertain ").partition("=")[0])]:
        others = " ".join(shlex.quote(str(d)) for d in designs) or "OTHER.yaml"
        # the fitted values of the world too: sensitivity centres its tornado there for every design (without them the
        # other design stood at its own file's values, two worlds at the centre and a disagreement no replicate removes)
        given = "".join(f" --set {shlex.quote(str(item))}" for item in [*sets, *fitted_sets(calibration)])
        # four seeds a point, as docs/decide.md asks of a decision (and compare's printed command gives): on the
        # default of one, the command printed as the step that weighs a choice said it was no basis for one
        commands.append(f"refsim sensitivity {shlex.quote(path)} {others}{given} " + " ".join(ranges)
                        + " --replicates 4")
    return commands


#: calibrated.yaml's header lines given unwrapped, on a line of their own (what a reader copies).
RAW = "\0"


def fitted_choices_sentence(calibration: Calibration) -> str:
    """What calibrated.yaml and report.md's Next say of a fitted choice of the program
    (the pilot's ask delay fitted at 6 where it ran at 3): the file holds the fitted
    median, another design keeps its own, and a compare or sensitivity of the two then
    weighs that difference too, where calibrate's own design table held each draw alike
    in both. '' where no choice was fitted."""
    from ..parameters import is_lever

    chosen = {key: value for key, value in calibrated_values(calibration).items() if is_lever(key)}
    if not chosen:
        return ""
    listed = ", ".join(f"`{key}` = {value:g}" for key, value in chosen.items())
    return (f"It holds the fitted {listed}, {'a choice' if len(chosen) == 1 else 'choices'} of the program, which the "
            f"other designs do not take: set {'it' if len(chosen) == 1 else 'them'} to the value the launch will use "
            f"before comparing it with another design, or a compare weighs that difference too.")


def fitted_sets(calibration: Calibration) -> list[str]:
    """The fitted values of the world (not a program's choices, parameters.is_lever) as
    --set items (KEY=median), for the designs compared with calibrated.yaml: a fitted
    referrer reward given to every design turned another design's $20 into $15.74."""
    from ..parameters import is_lever

    return [f"{key}={value:g}" for key, value in calibrated_values(calibration).items() if not is_lever(key)]


def set_options(items: Sequence[str]) -> str:
    """``items`` as --set options quoted for the shell, as the printed commands quote them:
    'acquisition={organic_rate: 0.00003}' pasted bare stopped on its space."""
    import shlex

    return " ".join(f"--set {shlex.quote(str(item))}" for item in items)


def next_steps_text(calibration: Calibration, base: Scenario, designs: Sequence[str] = (),
                    sets: Sequence[str] = ()) -> str:
    """report.md's way on from the fit: calibrated.yaml into optimize, and the posterior's
    intervals into sensitivity; after a fit that never came near the pilot, that first."""

    commands, fitted = next_commands(calibration, designs=designs, sets=sets), fitted_sets(calibration)
    text = (f"The model {not_reproduced(calibration)} the pilot (above): read that before going on. "
            if not reproduces(calibration) else "")
    # as calibrated.yaml's header says it: after a warning above (the prior's edge, too few particles), 'chooses a
    # design on it' sent a reader into using values the warning said not to use as they stand
    intervals = calibration.intervals
    level = float(intervals["level"].iloc[0]) if "level" in intervals and len(intervals) else 0.9
    warned = (not reproduces(calibration) or bool(at_the_edge(calibration))
              or bool(rough_particles_sentence(len(calibration.particles), level, particle_weights(calibration))))
    choose = ("chooses a design on it once the fit is sound (the warning above: fit again as it says)" if warned
              else "chooses a design on it")
    text += (f"calibrated.yaml, in this folder, holds {base.name} with each fitted key at its posterior median"
             + (f" and the --set items the fit ran with ({', '.join(f'`{item}`' for item in sets)})" if sets else "")
             + f", a scenario every command takes: `{commands[0]}` {choose}."
             + (f" Any other design compared with it needs the fitted values of the world too, which the pilot "
                f"measured of the customers, not of one design: `{set_options([*sets, *fitted])}`"
                + KIND_KEYS_ASIDE * any(_kind_specific(p.key) for p in calibration.parameters) + "." if fitted else ""))
    if chosen := fitted_choices_sentence(calibration):
        text += " " + chosen
    if len(commands) > 1:
        text += (f" It is one point of the posterior; to weigh a choice against what the pilot left uncertain, "
                 f"give the posterior's intervals to sensitivity: `{commands[1]}`.")
    return text


def calibrated_yaml(calibration: Calibration, base: Scenario, data_file: str, designs: Sequence[str] = (),
                    sets: Sequence[str] = ()) -> str:
    """calibrated.yaml: calibrated_scenario under a header giving each key's interval, the
    --set items built in, and the commands that take it further (next_commands)."""
    import textwrap

    import yaml

    from ..calibrate import CHECK_RUNS, MISFIT

    scenario, values = calibrated_scenario(calibration, base, data_file), calibrated_values(calibration)
    lines = [f"The scenario {base.name} with each key refsim calibrate fitted to {Path(data_file).name} at its "
             f"posterior median (its {calibration.intervals['level'].iloc[0]:.0%} interval in brackets):"]
    for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records")):
        lines.append(f"  {p.key} = {values[p.key]:g} "
                     f"({parameter_text(p, row['low'])} – {parameter_text(p, row['high'])})")
    if not reproduces(calibration):
        beyond = ((f"; the pilot's {outliers_text(calibration)}" if calibration.outliers else
                   f"; of {CHECK_RUNS} runs at posterior draws {isolation_text(calibration)}")
                  if calibration.misfit < MISFIT else "")
        lines.append(f"WARNING: the model {not_reproduced(calibration)} the pilot (predictive_misfit {calibration.misfit:.3g}"
                     f"{beyond}); read report.md before using these values.")
    if edges := at_the_edge(calibration):   # report.md and the console said it; the file sent to optimize did not
        lines.append("WARNING: " + edge_sentence(edges, len(calibration.generations)).replace("`", ""))
    level = float(calibration.intervals["level"].iloc[0])
    if rough := rough_particles_sentence(len(calibration.particles), level, particle_weights(calibration)):
        # a median from 2.2 effective particles, at the top of its own interval, went into this file unflagged
        lines.append("WARNING: " + rough[0].upper() + rough[1:] + ".")
    if chosen := fitted_choices_sentence(calibration):
        lines.append(chosen.replace("`", ""))
    # a file compared beside it needs them too, or it is another population; and the fitted values, which the pilot
    # measured of the customers, not of one design: given the --set items alone, a compare weighed two worlds and
    # called a lead 1.6 times the one-world lead "sure at 95%"
    fitted = fitted_sets(calibration)
    if sets or fitted:
        lines.append(("Built in: the --set items the fit ran with, " + ", ".join(sets)
                      + (", and the fitted values of the world; give them all" if fitted else "; give them")
                      if sets else "Built in: the fitted values of the world; give them")
                     + " to any other design compared with it" + (" (the pilot measured the customers, not one design)"
                                                                  if fitted else "")
                     + KIND_KEYS_ASIDE * any(_kind_specific(p.key) for p in calibration.parameters) + ":")
        lines.append(RAW + set_options([*sets, *fitted]))   # on a line of its own, to copy
    warned = any(line.startswith("WARNING: ") for line in lines)
    # the commands below take these values as they stand: after a warning that they are not to be used so, 'Choose a
    # design on it' sent a reader straight into using them
    lines += ["It is one point of the posterior: the forecast in this folder carries the posterior's spread, "
              "this file does not. " + ("Once the fit is sound (the warning above: fit again as it says), choose a "
                                        "design on it:" if warned else "Choose a design on it:")]
    # the commands on lines of their own, unwrapped: copied as they stand
    commands = next_commands(calibration, designs=designs, sets=sets)
    header = "".join(f"#   {line.removeprefix(RAW)}\n" if line.startswith(RAW) else
                     "".join(f"# {wrapped}\n" for wrapped in textwrap.wrap(line, 100, subsequent_indent="    ",
                                                                          break_long_words=False, break_on_hyphens=False))
                     for line in lines)
    header += f"#   {commands[0]}\n"
    if len(commands) > 1:
        header += f"# and weigh a choice against what the pilot left uncertain (its intervals):\n#   {commands[1]}\n"
    return header + yaml.safe_dump(_as_given(scenario, base, values), sort_keys=False, allow_unicode=True)


def _as_given(scenario: Scenario, base: Scenario, values: dict) -> dict:
    """calibrated.yaml's mapping: the keys the base file (and its --set items) gave, with the
    fitted values set over them, and the calibrated name, description and seed. Every
    default written out was read back as set: a compare with the base said
    'on_budget_exhausted (end_program) changes nothing' of a key nobody wrote, and
    described the launch ask twice, once as the base's default and once as the file's own
    choice. Where that mapping would not load as ``scenario`` itself, every key is written."""
    import json

    from ..scenario_io import apply_sets

    full = scenario.model_dump(mode="json")
    try:
        data = apply_sets(base.model_dump(mode="json", exclude_unset=True),
                          [f"{key}={json.dumps(value)}" for key, value in values.items()])
        data.update({k: full[k] for k in ("name", "description", "seed") if k in full})
        if Scenario.model_validate(data).model_dump(mode="json") == full:
            return data
    except Exception:   # noqa: BLE001 - any doubt: the whole scenario, as before
        pass
    return full


def against_the_best(row: dict) -> str:
    """A designs.csv row's draw-by-draw difference from the design with the best mean."""
    if row["design"] == row["vs_best"]:
        return "the best"
    return f"{fmt(row['vs_best_mean'])} [{fmt(row['vs_best_low'])}, {fmt(row['vs_best_high'])}]"


def parameter_text(p, value: float) -> str:
    """A fitted value as the key takes it: a whole-number key's median and interval ends
    are whole numbers, written so ("1 – 11.0" read as a decimal at one end only)."""
    return f"{value:,.0f}" if p.kind == "int" and math.isfinite(value) else fmt(value)


def prior_text(p) -> str:
    """The prior a fitted parameter's range defines (Parameter.from_unit): uniform, log-uniform
    for LO:HI:log, an equal share per whole number for an integer key."""
    if p.kind == "int":
        return f"each whole number {p.low:g} – {p.high:g}" + (" on a log scale" if p.log else " equally likely")
    return f"{'log-uniform' if p.log else 'uniform'} {p.low:g} – {p.high:g}"


def posterior_plot(calibration: Calibration, path: Path) -> Path:
    """Each fitted parameter: the posterior draws as a histogram over the prior range,
    the interval shaded."""
    parameters = calibration.parameters
    fig, axes = plt.subplots(1, len(parameters), figsize=(4.5 * len(parameters), 3.5), squeeze=False)
    intervals = calibration.intervals.set_index("parameter")
    for ax, p in zip(axes[0], parameters):
        values = calibration.posterior[p.key].to_numpy(dtype=float)
        bins = np.geomspace(p.low, p.high, 31) if p.log else np.linspace(p.low, p.high, 31)
        # each bar the share of the draws in its bin (a density over log-spaced bins would favour the narrow ones)
        # the bars over the interval's band, not under it: drawn over them it recoloured the bars inside it, and one
        # cut by its edge read as two bars
        ax.hist(values, bins=bins, color="tab:blue", alpha=0.75, weights=np.full(len(values), 1.0 / max(len(values), 1)),
                zorder=2, label="posterior draws (share per bin)")
        if p.log:
            from .plots import log_axis

            log_axis(ax)
        else:   # four ticks or so: a prior of 0.002 to 0.02 read "0.00250.00500.0075..." run together
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        row = intervals.loc[p.key]
        ax.axvspan(row["low"], row["high"], color="tab:orange", alpha=0.2, label=f"{row['level']:.0%} interval", zorder=1)
        ax.axvline(row["median"], color="black", linewidth=1, label="median", zorder=3)
        ax.set(xlabel=axis_label(p.key, (" (log scale)" if p.log else "") + f"\n(prior: {prior_text(p)})"),
               ylabel="share of the posterior draws", xlim=(p.low, p.high))
        ax.set_ylim(top=ax.get_ylim()[1] * 1.3)   # room above the tallest bar for the legend
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Posterior of each fitted parameter over its prior's range")
    return save(fig, path)


def forecast_plot(daily: pd.DataFrame, pilot: pd.DataFrame, calibration: Calibration, path: Path) -> Path:
    """The launch forecast: median and interval per day for each forecast column, the
    pilot's own days marked."""
    shown = forecast_panels(list(dict.fromkeys(daily["column"])), calibration.pilot_first)
    # three panels a row: the customers, each column the fit used and the profit are six for a default fit
    across = min(3, len(shown))
    down = math.ceil(len(shown) / across)
    fig, axes = plt.subplots(down, across, figsize=(4.8 * across, 3.6 * down), squeeze=False)
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    for ax, column in zip(axes.flat, shown):
        rows = daily[daily["column"] == column]
        ax.fill_between(rows["day"], rows["low"], rows["high"], alpha=0.25, label=f"{rows['level'].iloc[0]:.0%} interval")
        ax.plot(rows["day"], rows["median"], label="median")
        own = column.removeprefix("cumulative_") if column != "cumulative_profit" else column
        if own in pilot:
            values = pilot[own].cumsum() if own != column else pilot[own]
            ax.plot(pilot.index, values, ".", color="black", markersize=3, label="pilot")
        ax.axvspan(calibration.pilot_first, calibration.pilot_days - 1, color="gray", alpha=0.1)
        ax.set(xlabel="day", ylabel=axis_label(column), title=column)
        if pilot.attrs.get("first_date"):
            _date_axis(ax, pilot.attrs["first_date"])
        ax.grid(alpha=0.3)
        # upper left, where a growing forecast's band is not: placed "best" it sat in the middle of two bands
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Launch forecast from the posterior (shaded: the pilot's days)")
    return save(fig, path)


def forecast_panels(columns: list[str], pilot_first: int) -> list[str]:
    """The forecast columns forecast.png draws, one panel each. A daily flow (0-2 referred
    a day) is drawn as its running total where the pilot's own total is known: from the
    launch (day 0 has no events, so a pilot kept by date, from day 1, counts them all)."""
    present = set(columns)
    return [f"cumulative_{c}" if f"cumulative_{c}" in present and pilot_first <= 1 else c
            for c in columns if not c.startswith("cumulative_") or c == "cumulative_profit"]


def _date_axis(ax, first_date: str) -> None:
    """Calendar dates along the top of a forecast panel, for a pilot kept by date: its
    first date is day 1."""
    import matplotlib.dates as mdates

    day_zero = mdates.date2num(pd.Timestamp(first_date)) - 1
    top = ax.secondary_xaxis("top", functions=(lambda day: day + day_zero, lambda date: date - day_zero))
    locator = mdates.AutoDateLocator(maxticks=5)
    top.xaxis.set_major_locator(locator)
    top.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    top.tick_params(labelsize=7)
    top.set_xlabel(f"date (day 1 = {first_date})", fontsize=7)


def prior_share(parameter, low: float, high: float) -> float:
    """The share of ``parameter``'s prior range an interval spans, on the prior's own scale:
    log for a log-uniform prior (0.0012–0.0109 of 0.001–0.03 is 65% of its decades, not
    33% of its width, and was called pinned down while a 65% linear interval was not)."""
    if parameter.log:
        return (math.log(high) - math.log(low)) / (math.log(parameter.high) - math.log(parameter.low))
    return (high - low) / (parameter.high - parameter.low)


#: A prior's outer part at each end (a share of its range, on its own scale) and the share of
#: posterior draws there from which the posterior is said to press against that end: a flat
#: posterior puts 5% of its draws in each outer 5%, one piled at a bound five times as many.
EDGE_PART, EDGE_SHARE = 0.05, 0.25
#: Distinct particles the draws in an outer part must come from to make a pile.
EDGE_PARTICLES = 3
#: An interval spanning this share of the prior or more is a near-flat posterior's (a flat one's 90% interval
#: spans 90% and ends 5% from each bound by construction): ending by a bound then says nothing of a pile.
FLAT_SPAN = 0.8


def at_the_edge(calibration: Calibration) -> list[tuple[str, float, float]]:
    """The fitted numbers whose posterior presses against an end of the prior: (key, that
    end, share of draws within EDGE_PART of it). The truth may then lie beyond the --fit
    range, and an interval that reads as narrow is the range's edge, not what the pilot
    says: 'the pilot pins down base_share' was said of 0.452–0.652 in a range of 0.45–0.9,
    with 54% of the draws by the 0.45 bound and a true value of 0.2. A pile of EDGE_SHARE
    (five times a flat posterior's share) presses; so does twice a flat share where the
    interval itself ends within EDGE_PART of the bound (0.317–0.48 in 0.3–0.9, 17% of the
    draws by 0.3, left out a true 0.3 and was called pinned down), unless the interval
    spans FLAT_SPAN of the range or more: a 30-particle fit of a 5-day pilot, 0.053–0.556
    in 0.05–0.6 with 11% of its draws (three heavy particles) by 0.05, was told to widen
    the range where the pilot said little."""
    found = []
    for p in calibration.parameters:
        if p.kind == "categorical" or p.high <= p.low or p.key not in calibration.posterior.columns:
            continue
        if p.kind == "int" and p.high - p.low < 1 / EDGE_PART:
            continue   # a few whole numbers: each end is a value of its own, with its share of a flat posterior
        values = calibration.posterior[p.key].to_numpy(dtype=float)
        scaled = ((np.log(values) - math.log(p.low)) / (math.log(p.high) - math.log(p.low)) if p.log
                  else (values - p.low) / (p.high - p.low))
        # where the interval ends, on the range's scale (none where the intervals are not given)
        table = calibration.intervals
        if len(table) and "parameter" in table.columns and p.key in set(table["parameter"]):
            row = table.set_index("parameter").loc[p.key]
            ends = [(math.log(x) - math.log(p.low)) / (math.log(p.high) - math.log(p.low)) if p.log
                    else (x - p.low) / (p.high - p.low) for x in (float(row["low"]), float(row["high"]))]
        else:
            ends = [math.inf, -math.inf]
        for end, near, touches in ((p.low, scaled <= EDGE_PART, ends[0] <= EDGE_PART),
                                   (p.high, scaled >= 1 - EDGE_PART, ends[1] >= 1 - EDGE_PART)):
            # a pile of several particles: one heavy particle of a small fit (a quarter of 20 draws) is not a pile;
            # nor need a pile be 5x flat: an interval ending by the bound with twice a flat share there is cut by it
            piled = near.mean() >= EDGE_SHARE or (touches and ends[1] - ends[0] < FLAT_SPAN and near.mean() >= 2 * EDGE_PART)
            if piled and len(np.unique(values[near])) >= EDGE_PARTICLES:
                found.append((p.key, end, float(near.mean())))
    return found


#: Fewer generations than this leave a posterior wide enough to lean on a bound of the prior by itself.
FEW_GENERATIONS = 5


def edge_sentence(edges: list[tuple[str, float, float]], generations: int | None = None) -> str:
    """The warning that the posterior presses against the prior's edge; with ``generations``
    (how many the fit ran) below FEW_GENERATIONS, that more of them may be all it needs: on
    true pilots fitted with 3, it fired on 7 of 8, widening the range did not clear it, and
    5 generations cleared 5 of the 7."""
    few = (f" Or fit with more `--generations` (this fit ran {generations}): with few, a posterior still wide leans "
           f"on a bound by itself." if generations and generations < FEW_GENERATIONS else "")
    return ("The posterior presses against the prior's edge: " + "; ".join(
        f"`{key}` has {share:.0%} of its draws within {EDGE_PART:.0%} of the range from {fmt(end)}" for key, end, share in edges)
        + ". The value the pilot points to may lie beyond the `--fit` range: widen it where the key allows and fit "
          "again before reading the interval or the forecast (at a key's own limit, a share of 0, the value lies "
          "there)." + few)


def edge_rest(parameters, pressed: set[str], flat: str) -> str:
    """Beside the edge sentence, where no interval is narrow: what the fitted keys away from
    the prior's edge (not in ``pressed``) say, or that none is away from it."""
    rest = [f"`{p.key}`" for p in parameters if p.key not in pressed]
    if not rest:
        return "No parameter is pinned down: each presses against the prior's edge (above)."
    spans = "spans" if len(rest) == 1 else "span"
    return (f"No parameter is pinned down: {', '.join(rest)} {spans} over {flat}, and the rest press against the "
            f"prior's edge (above).")


def reproduces(calibration: Calibration) -> bool:
    """Whether the predictive check found the model reproducing the pilot: a misfit under
    MISFIT (or none measured) and no count of the pilot beyond every run (pilot_outliers)."""
    from ..calibrate import MISFIT

    return not calibration.misfit >= MISFIT and not calibration.outliers and not isolated(calibration)


def not_reproduced(calibration: Calibration, now: bool = False) -> str:
    """How sure the report is that the model did not reproduce the pilot: "did not" (or
    "does not", ``now``), but "may not" where only pilot_isolation found it, which a pilot
    the model could have made does about 1 time in 21 ("did not" overstated it)."""
    from ..calibrate import MISFIT

    only_isolated = isolated(calibration) and not calibration.outliers and not calibration.misfit >= MISFIT
    return "may not reproduce" if only_isolated else ("does not reproduce" if now else "did not reproduce")


def isolated(calibration: Calibration) -> bool:
    """Whether the pilot lies farther from its nearest run at posterior draws than any run
    from its own nearest (calibrate.pilot_isolation)."""
    return bool(getattr(calibration, "isolation", {}).get("isolated", False))


def isolation_text(calibration: Calibration) -> str:
    """pilot_isolation in words: "its nearest run lies 6.7 from it ..."."""
    found = calibration.isolation
    return (f"the nearest of them lies {found['pilot_nearest']:.2f} from it on the fit's statistics, farther than any run "
            f"lies from its own nearest (at most {found['runs_nearest']:.2f})")


def outliers_text(calibration: Calibration) -> str:
    """The pilot's counts no run at posterior draws came near, as words: "asks over days
    1–42: 846 against 401–642 in the runs" (the three farthest named, and how many more)."""
    outliers = calibration.outliers
    span = lambda o: (f"days {o['first_day']}–{o['last_day']}" if o["last_day"] > o["first_day"]  # noqa: E731
                      else f"day {o['first_day']}")
    named = [f"`{o['column']}` over {span(o)}: {o['pilot']:,.0f} against {o['runs_low']:,.0f}–{o['runs_high']:,.0f} "
             f"in the runs" for o in outliers[:3]]
    return "; ".join(named) + (f"; and {len(outliers) - 3} more" if len(outliers) > 3 else "")


def misfit_sentence(calibration: Calibration) -> str:
    """What calibrate.predictive_misfit found, where the model does not reproduce the pilot
    (empty where it does): no interval is pinned down by a fit that never came near. Where
    the pooled ratio passed but some of the pilot's counts lie beyond every run
    (pilot_outliers), those counts: a pilot with every count doubled read 1.85 and "the
    model reproduces the pilot" with its asks beyond all 20 runs."""
    from ..calibrate import CHECK_RUNS, MISFIT

    if not calibration.misfit >= MISFIT:
        if not calibration.outliers and isolated(calibration):
            return (f"The model may not reproduce the pilot: of {CHECK_RUNS} runs at posterior draws, "
                    f"{isolation_text(calibration)}, as a pilot the model could have made does only about 1 time in "
                    f"{CHECK_RUNS + 1}. `predictive_misfit`, {calibration.misfit:.2f}, passes because the runs lie far "
                    f"from each other too, as a wide posterior makes them (a fit stopped after few generations, or "
                    f"keys that trade off). Check the pilot's counts and units against the scenario (population, "
                    f"organic adoption, how many are asked), and fit more generations or fewer keys, before reading "
                    f"the intervals or the forecast.")
        if not calibration.outliers:
            return ""
        columns = list(dict.fromkeys(f"`{o['column']}`" for o in calibration.outliers))
        # "No value in the --fit ranges makes the model produce such counts" was said of a pilot the model made from
        # values inside the ranges, its new_organic 0 (set by organic adoption, not fitted) against 1-9 in the runs:
        # a check at 1% flags about 1 such pilot in 100
        unfitted = _unfitted_drivers(calibration)
        return (f"The model does not reproduce the pilot: {CHECK_RUNS} runs at posterior draws come near it on the "
                f"whole (`predictive_misfit` {calibration.misfit:.2f}, under the {MISFIT:g} flagged), but not on "
                f"{outliers_text(calibration)}, beyond what one more run would give at 1%: a pilot the model did make "
                f"lands this far about 1 time in 100, a pilot of other counts or units far more often. The runs at "
                f"the posterior did not produce such counts" + (f" ({unfitted})" if unfitted else "") + ": check the "
                f"pilot's counts and units against the scenario (population, organic adoption, how many are asked), "
                f"or fit a key that moves {' and '.join(columns)}, before reading the intervals or the forecast.")
    # a count of 1e200 in a pilot printed a ratio of 301 digits
    ratio = f"{calibration.misfit:,.1f}" if calibration.misfit < 1e6 else f"{calibration.misfit:.2g}"
    return (f"The model does not reproduce the pilot: {CHECK_RUNS} runs at posterior draws are "
            f"{ratio} times as far from it as from each other (about 1 when the pilot could be one "
            f"more such run; {MISFIT:g} or more is flagged), so no value in the `--fit` ranges makes the model look "
            f"like this pilot. Check its counts and units against the scenario (population, horizon, columns), or fit "
            f"other keys, before reading the intervals or the forecast.")


#: The key that sets a pilot column on its own where the fit leaves it alone (organic sign-ups: organic adoption).
COLUMN_DRIVERS = {"new_organic": "acquisition.organic_rate"}


def _unfitted_drivers(calibration: Calibration) -> str:
    """Where an outlying column is set by a key the fit does not vary (COLUMN_DRIVERS), as
    a clause: the fit cannot move it, whatever its ranges."""
    fitted = {p.key for p in calibration.parameters}
    named = [f"`{o['column']}` follows `{COLUMN_DRIVERS[o['column']]}`, which is not fitted"
             for o in calibration.outliers if o["column"] in COLUMN_DRIVERS and COLUMN_DRIVERS[o["column"]] not in fitted]
    return "; ".join(dict.fromkeys(named))


def fit_check_sentence(calibration: Calibration) -> str:
    """What the predictive check found where it found the model reproducing the pilot
    (misfit_sentence says it where not): the final epsilon alone cannot say how well a
    fit fits, and the ratio that can was in manifest.json only."""
    from ..calibrate import CHECK_RUNS, MISFIT

    if not math.isfinite(calibration.misfit) or not reproduces(calibration):
        return ""
    return (f"The model reproduces the pilot: {CHECK_RUNS} runs at posterior draws are {calibration.misfit:.2f} "
            f"times as far from it as from each other (about 1 when the pilot could be one more such run; "
            f"{MISFIT:g} or more is flagged; `predictive_misfit` in manifest.json).")


#: Below this many days a pilot is said to say little (the console says so too).
SHORT_PILOT_DAYS = 7


def _stopped_text(calibration: Calibration, settings: CalibrationSettings) -> str:
    """Why the fit ran fewer generations than asked, as a parenthesis ('' where it ran them
    all): '6 generations of 20 particles' stood beside --generations 8 with no reason (the
    simulation budget had ended it)."""
    ran = len(calibration.generations)
    if ran >= settings.generations:
        return ""
    kept = int(calibration.generations["simulations"].sum()) if ran else 0
    total = calibration.simulations or kept
    # a generation stopped at the acceptance limit ran after the others: its simulations are no part of the budget
    # the fit had used when it started (917 'passed the budget of 600' where 517 had run)
    dropped = total - kept - int(getattr(calibration, "first_sample", 0) or 0)
    epsilon = float(calibration.generations["epsilon"].iloc[-1]) if ran else math.inf
    if epsilon <= settings.min_epsilon:
        why = f"epsilon reached `min_epsilon` ({fmt(settings.min_epsilon)})"
    elif dropped <= 0 and total >= settings.simulation_cap:
        why = (f"its {total:,} simulations passed the budget of {settings.simulation_cap:,} (`max_simulations`, "
               f"{SIMULATIONS_PER_PARTICLE} per particle unless set), after which no generation starts: raise it in a "
               f"--settings file for more")
    else:
        why = (f"the next generation accepted under `min_acceptance_rate` ({settings.min_acceptance_rate:.0%}) of its "
               f"simulations and was dropped")
    return f" (of the {settings.generations} asked: {why})"


def _simulations_text(calibration: Calibration) -> str:
    """How many simulations the fit ran and where they went: pyabc's first sample, the
    generations kept, and a generation stopped at the acceptance limit and dropped (324
    simulations beside a generations.csv summing to 144 read as a miscount)."""
    kept = int(calibration.generations["simulations"].sum()) if len(calibration.generations) else 0
    total = calibration.simulations or kept
    dropped = total - kept - calibration.first_sample
    if total <= kept:
        return f"{total:,} simulations"
    return (f"{total:,} simulations ({calibration.first_sample:,} from the prior to set the first epsilon, {kept:,} in the "
            f"generations kept" + (f", {dropped:,} in a generation stopped at `min_acceptance_rate` and dropped"
                                   if dropped > 0 else "") + ")")


def fitted_levers_note(parameters) -> str:
    """The fitted keys that are choices of the program (parameters.is_lever), which the
    pilot ran at a value its team set: calibrate fits what the pilot cannot tell
    otherwise. The console said so and report.md, beside the fitted interval, did not."""
    from ..parameters import is_lever

    levers = [p.key for p in parameters if is_lever(p.key)]
    if not levers:
        return ""
    return (f"{', '.join(levers)} {'is a choice' if len(levers) == 1 else 'are choices'} of the program, which the "
            f"pilot ran at a value you set: calibrate fits what the pilot cannot tell you otherwise (how people answer, "
            f"churn, word of mouth); give the pilot's value with --set, and weigh other values with --design or refsim "
            f"optimize")


def pilot_note(pilot: pd.DataFrame, launch_note: str = "") -> str:
    """What the report says of the pilot itself: the date of day 0 for a pilot kept by
    date, that a pilot of a few days says little, and ``launch_note``, a launch state
    that is not the scenario's (calibrate.pilot_scale_note of the pilot file: the console
    said it and report.md did not, beside a posterior that made up for a smaller start)."""
    notes = [f"**Note:** {launch_note}."] if launch_note else []
    if pilot.attrs.get("first_date"):
        notes.append(f"The pilot is kept by date: day 1 is {pilot.attrs['first_date']}, its first date (day 0 is the "
                     f"launch state, with no events).")
    active = activity_days(pilot)
    if active < SHORT_PILOT_DAYS:
        notes.append(f"A pilot of {active} day{'s' if active != 1 else ''} says little: expect intervals close "
                     f"to the prior ranges.")
    return " ".join(notes)


def activity_days(pilot: pd.DataFrame) -> int:
    """The pilot's days of activity: its rows from day 1 (day 0 is the launch state, with no
    events; 'a pilot of 5 days' was said of days 0-4, which the same report called 'the
    pilot's 4 days')."""
    return int((np.asarray(pilot.index) >= 1).sum()) if pilot.index.name == "day" else len(pilot)


def unfitted_lines(designs: pd.DataFrame) -> list[str]:
    """A sentence per design lacking some fitted keys: the posterior leaves those as the
    design has them, which the table alone did not say (an onboarding design beside a
    milestone pilot's fitted reach_share was 'best in 33% of the draws' with nothing of
    the posterior applied)."""
    if "not_fitted" not in designs.columns:
        return []
    rows = designs.drop_duplicates("design")
    return [f"{row['design']} has no {row['not_fitted']}: the posterior leaves it as it is there, and moves it by the "
            f"other fitted keys only." for row in rows.to_dict("records") if isinstance(row["not_fitted"], str) and row["not_fitted"]]


def replaced_lines(base: Scenario, others: "list[Scenario]", parameters) -> list[str]:
    """A sentence per design whose own value of a fitted key differs from the launch
    scenario's: every draw sets the posterior's value in each design, so that design's
    own is never used (a copy of the launch with base_share 0.35 came out identical to
    it, with no word why)."""
    from ..parameters import applies, value_of

    lines = []
    for design in others:
        replaced = [f"{p.key} ({value_of(design, p.key)!r} against {value_of(base, p.key)!r})" for p in parameters
                    if applies(design, p.key) and applies(base, p.key) and value_of(design, p.key) != value_of(base, p.key)]
        if replaced:
            lines.append(f"{design.name}'s own {', '.join(replaced)} {'is' if len(replaced) == 1 else 'are'} replaced "
                         f"at every draw by the posterior's, fitted to the pilot: the designs are weighed in one world, "
                         f"and a fitted key is no difference between them.")
    return lines


def same_lines(designs: pd.DataFrame) -> list[str]:
    """A sentence per set of designs with the same values on every draw: one design here,
    whose draws as best were split between the copies (a copy of the leader beside it
    and a third design read 'best in 33%' each, where the leader alone was 67%)."""
    if "same_as" not in designs.columns:
        return []
    lines = []
    for metric, rows in designs.groupby("metric", sort=False):
        for first, copies in rows[rows["same_as"].fillna("").astype(str) != ""].groupby("same_as", sort=False):
            names = [first, *copies["design"]]
            together = float(rows.loc[rows["design"].isin(names), "probability_best"].sum())
            lines.append(f"{' and '.join(', '.join(names).rsplit(', ', 1))} give the same {metric} on every draw: one "
                         f"design here, best in {together:.0%} of the draws together (split between them in the table).")
    return lines


def calibration_markdown(calibration: Calibration, base: Scenario, outcomes: pd.DataFrame, designs: pd.DataFrame | None,
                         settings: CalibrationSettings, draws: int, data_file: str, figures: list[Path], note: str = "",
                         others: list[Scenario] = (), sets: list[str] | None = None,
                         set_notes: list[str] | None = None, set_via: str = "--set",
                         design_files: Sequence[str] = ()) -> str:
    generations = calibration.generations
    level = f"{settings.level:.0%}"
    # one bin, the totals: "summed over 50-day bins" was said of a 28-day pilot
    whole = settings.bin_days is not None and settings.bin_days >= calibration.pilot_days - max(calibration.pilot_first, 1)
    # parts beyond the pilot's days are one a day (calibrate.summary_statistics): "10 equal parts" of a 5-day pilot
    used = max(min(settings.parts, calibration.pilot_days - max(calibration.pilot_first, 1)), 1)
    bins = (f"totals over the pilot (bin_days {settings.bin_days} covers it all)" if whole else
            f"summed over {settings.bin_days}-day bins" if settings.bin_days else "totals over the pilot"
            if used <= 1 else f"summed over {used} equal parts of the pilot"
            + (f" (parts {settings.parts} asked: one a day at most)" if used < settings.parts else ""))
    # day 0 is the launch state, with no events (counts there are refused): a timeseries.csv pilot's days 0-21 are
    # 21 days of activity, as the same pilot given by date is ("22 days (days 0-21)" against "21 days (days 1-21)")
    active = max(calibration.pilot_first, 1)
    lines = [
        f"# Calibration of {base.name} to {Path(data_file).name}",
        "",
        f"ABC-SMC (pyabc) fit of {len(calibration.parameters)} parameter(s) to the pilot's "
        f"{calibration.pilot_days - active} days (days {active}–{calibration.pilot_days - 1}) "
        f"of {', '.join(calibration.columns)} ({bins}, square-rooted). "
        f"{len(generations)} generation{'s' if len(generations) != 1 else ''} of {settings.population_size} particles"
        f"{_stopped_text(calibration, settings)}, "
        f"{_simulations_text(calibration)}; final epsilon "
        f"{fmt(float(generations['epsilon'].iloc[-1])) if len(generations) else '–'}. Study seed {calibration.seed}."
        + (f" {note}" if note else ""),
        "",
        *study_set_lines(sets, 1 + len(others), set_notes, set_via),
        # defaults the base file left in place that decide what it costs or does (store credit, nobody asked)
        *(line for note in designs_default_notes([base], [p.key for p in calibration.parameters],
                                                           calibration.parameters) for line in (note, "")),
        "## Posterior",
        "",
        f"| parameter | prior | mean | median | {level} interval |", "|---|---|---|---|---|",
    ]
    for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records")):
        lines.append(f"| {p.key} | {prior_text(p)} | {fmt(row['mean'])} | {parameter_text(p, row['median'])} | "
                     f"{parameter_text(p, row['low'])} – {parameter_text(p, row['high'])} |")
    edges = at_the_edge(calibration)
    pressed = {key for key, _, _ in edges}
    narrow = [f"`{p.key}`" for p, row in zip(calibration.parameters, calibration.intervals.to_dict("records"))
              # a flat posterior's interval spans `level` of the prior: under half of that is the pilot's doing
              if prior_share(p, row["low"], row["high"]) < 0.5 * min(settings.level / 0.9, 1) and p.key not in pressed]
    if levers := fitted_levers_note(calibration.parameters):
        lines += ["", f"**Note:** {levers}."]
    if edges:
        lines += ["", f"**{edge_sentence(edges, len(calibration.generations))}**"]
    if misfit := misfit_sentence(calibration):
        lines += ["", f"**{misfit}**"]
        narrow = []   # a fit that never came near the pilot pins nothing down
    elif fits := fit_check_sentence(calibration):
        lines += ["", fits]
    flat = f"{min(settings.level / 0.9, 1) * 50:.0f}% of the prior range" if settings.level < 0.9 else "half the prior range"
    logged = [p.key for p in calibration.parameters if p.log and f"`{p.key}`" in narrow]
    if rough := rough_particles_sentence(settings.population_size, settings.level, particle_weights(calibration)):
        lines += ["", f"**{rough[0].upper() + rough[1:]}.**"]
    lines += ["", ("The pilot " + ("narrows " if rough else "pins down ") + ", ".join(narrow) + f" (interval under {flat}"
                   # the log scale named only where a pinned key is log: it was said of a uniform one beside a log one
                   + (", on the log scale where the prior is log-uniform" if logged else "") + ")." if narrow
                   # "never came near" stood below "come near it on the whole" where only some counts are beyond the runs
                   else f"No parameter is pinned down by a fit that {not_reproduced(calibration, now=True)} the pilot."
                   if misfit
                   # "No other parameter is pinned down." read as if the ones at the edge were, which the edge
                   # sentence above says to fit again before reading
                   else edge_rest(calibration.parameters, pressed, flat) if edges
                   else f"The pilot says little about any parameter: every interval spans over {flat}; "
                        "a longer pilot or more columns would say more."), ""]
    lines += ["## Forecast of the full launch", "",
              f"{base.days} days from {draws} posterior draws, each on its own seed (parameter uncertainty and the "
              f"launch's own luck together)."
              # the designs' section said it; the forecast's intervals, quantiles of as few values, did not
              + (f" With so few draws the intervals are rough, quantiles of {draws} values "
                 f"({more_draws(draws, settings.posterior_samples)}; {ROUGH_DRAWS} or more)." if draws < ROUGH_DRAWS
                 else ""), "",
              f"| outcome | mean | median | {level} interval | meaning |", "|---|---|---|---|---|"]
    for row in outcomes.to_dict("records"):
        lines.append(f"| {row['metric']} | {fmt(row['mean'])} | {fmt(row['median'])} | {fmt(row['low'])} – {fmt(row['high'])} | "
                     f"{METRIC_TEXT.get(row['metric'], '')} |")
    if designs is not None and len(designs):
        lines += ["", "## Designs under the posterior", "",
                  "Each design on the same posterior draws and seeds (common random numbers). A design's own interval "
                  "holds the parameters' uncertainty, which moves every design together; the difference from the best, "
                  "draw by draw, is what tells them apart.", "",
                  f"| design | metric | mean | {level} interval | against the best by mean (draw by draw, {level}) | "
                  f"probability best |", "|---|---|---|---|---|---|"]
        for row in designs.to_dict("records"):
            lines.append(f"| {row['design']} | {row['metric']} | {fmt(row['mean'])} | {fmt(row['low'])} – {fmt(row['high'])} | "
                         f"{against_the_best(row)} | {row['probability_best']:.0%} |")
        from .compare import study_design_notes

        # two worlds, or designs measured against other baselines: compare says so, and so does this comparison
        notes = study_design_notes([base, *others], [p.key for p in calibration.parameters])[0]
        for line in [*unfitted_lines(designs), *replaced_lines(base, others, calibration.parameters),
                     *same_lines(designs), *notes]:
            lines += ["", line]
        if "numpy_stages" in designs.columns and designs["numpy_stages"].any() and use_kernel(base, None):
            lines += ["", "One of these designs needs the numpy stages, so every design ran there, to share its luck "
                          "with the others; the compiled kernel draws differently, so "
                          f"{base.name}'s figures here differ from the forecast's above, which ran on the kernel (both "
                          "are draws of the same model: docs/model.md, \"Two paths through a day\")."]
        lines += ["", f"Probability best: the share of the {draws} posterior draws on which the design is best (a draw "
                      f"where designs tie counts for each in part); it moves in steps of 1/{draws} or less"
                      + (f", so with so few draws it is a rough figure, as are the intervals, quantiles of {draws} values "
                         f"({more_draws(draws, settings.posterior_samples)}; {ROUGH_DRAWS} or more)." if draws < ROUGH_DRAWS
                         else ".")]
    lines += ["", "## Next", "", next_steps_text(calibration, base, design_files, sets or ())]
    lines += ["", "## Files", "",
              "calibrated.yaml (the base at the posterior medians), "
              "posterior.csv (equally weighted draws), particles.csv (last generation, weighted), intervals.csv, "
              "generations.csv, forecast.csv (per day), outcomes.csv" + (", designs.csv" if designs is not None else "")
              + ", calibration.db (pyabc's history), manifest.json.", "", "## Figures", "", *figure_links(figures)]
    return "\n".join(lines) + "\n"


def more_draws(draws: int, kept: int) -> str:
    """How to get more draws than ``draws``: --draws, or where the posterior keeps no more
    (``kept``, posterior_samples) that too: 'raise --draws' did nothing at the limit."""
    if draws >= kept:
        return f"raise posterior_samples, a settings file's key (the posterior keeps {kept}), and --draws"
    return "raise --draws"


def particle_weights(calibration):
    """The last generation's particle weights (None where the result holds none)."""
    particles = getattr(calibration, "particles", None)
    return particles["weight"].to_numpy(dtype=float) if particles is not None and "weight" in particles else None


#: Fewer posterior draws than this make a "probability best" a rough figure.
ROUGH_DRAWS = 20

#: Fewer particles than this make a posterior interval rough: its ends are then about
#: the outermost particles, and 10 particles held the truth in 72% of 90% intervals
#: (docs/decide.md, Coverage); 50 held it in 87% and 89% over 200 pilots.
ROUGH_PARTICLES = 50


def effective_particles(weights) -> float:
    """The effective sample size of weighted particles, 1 / Σ w² of the weights scaled to
    sum to 1: as many equally weighted particles as they are worth."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def rough_particles_sentence(particles: int, level: float, weights=None) -> str:
    """Why an interval from fewer than ROUGH_PARTICLES particles is rough ('' from
    more): with 5 particles a 90% interval of 0.249–0.284 left out the truth of 0.35, and
    the report said the pilot pinned the value down. Or, given the last generation's
    ``weights``, from fewer effective ones (effective_particles): 60 particles, one with
    67% of the weight, counted as 2.2, and a median of 0.316 at the top of its own
    interval went into calibrated.yaml unflagged (seeds 4 and 11 gave 0.180 and 0.195).
    Either way it names the count that would be worth ROUGH_PARTICLES at the weights'
    spread (judged from 20 particles on: a handful's spread says little of 50's): 'more
    --particles', and '50 or more', sent users to 50 particles worth 44, rough again."""
    known = weights is not None and len(weights) > 0
    effective = effective_particles(weights) if known else float(particles)
    if particles >= ROUGH_PARTICLES and effective >= ROUGH_PARTICLES:
        return ""
    spread = effective / particles if known and particles >= 20 else 1.0
    enough = max(int(math.ceil(ROUGH_PARTICLES / max(spread, 1e-9) / 10.0)) * 10,
                 particles + 10 if particles >= ROUGH_PARTICLES else ROUGH_PARTICLES)
    if particles >= ROUGH_PARTICLES:
        heaviest = float(np.max(np.asarray(weights, dtype=float) / np.sum(weights)))
        return (f"the last generation's {particles} particles count as {effective:.1f} (their weights' effective "
                f"sample size, 1/Σw²; the heaviest carries {heaviest:.0%} of the weight), so each {level:.0%} interval "
                f"and median rests on fewer than {ROUGH_PARTICLES} and is rough, as from that many; rerun with "
                f"--particles {enough} or more (worth about {ROUGH_PARTICLES} at this spread), or another --seed to see "
                f"how far the fit moves, before trusting them")
    return (f"{particles} particles give rough intervals: the ends of each {level:.0%} interval are then about the "
            f"outermost particles, and it holds the truth less often than {level:.0%} of the time (10 particles: 72% of 90% "
            f"intervals, docs/decide.md, Coverage); rerun with --particles {enough} or more before trusting "
            f"an interval" + (f" (worth about {ROUGH_PARTICLES} at these weights' spread)" if enough > ROUGH_PARTICLES
                              else ""))

__all__ = ["write_calibration", "posterior_plot", "forecast_plot", "calibration_markdown"]
