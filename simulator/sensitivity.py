"""Which uncertain assumptions move the outcomes, and does the decision survive them.

Every uncertain parameter is drawn uniformly over its range (log-uniform for
``LO:HI:log``; whole numbers and choices with equal probability), through its
unit coordinate in [0, 1).

1. **Morris screening** (SALib): ``trajectories`` one-at-a-time paths on a
   ``levels``-level grid. ``mu_star`` is the mean absolute elementary effect
   (how much the parameter moves the metric), ``sigma`` their spread
   (non-linearity and interactions). With ``screen > 0``, parameters whose
   ``mu_star`` is below ``screen`` times the largest (for every design and
   metric) are held at their midpoint in step 2.
2. **Sobol indices** (SALib, Saltelli/Jansen estimators on a scrambled Sobol
   sequence, ``samples * (D + 2)`` points): first-order ``S1`` = Var(E[Y|X_i]) /
   Var(Y) (the share of the variance the parameter explains alone) and total
   ``ST`` = E[Var(Y|X_~i)] / Var(Y) (alone and through interactions); bootstrap
   95% half-widths in ``*_conf``. A parameter with no effect has ST = 0.
3. **The decision**, with two or more designs, on the same points: at each
   point the best design (by the decision metric, maximised unless it is a
   cost); the **probability each design is best** (ties shared); its
   **expected regret** E[max_j V_j - V_i] (what choosing it loses on average
   against knowing the assumptions); and which assumptions **flip the
   ranking**: Sobol indices of the leader's advantage over the runner-up
   (V_leader - V_runner-up), and the best design within each of ``bins``
   equal-probability bins of each parameter, or at each choice of a categorical
   one (``flips`` when it changes).
4. **Tornado**: each parameter alone at each end of its range, or at each of its
   choices, the others as the design has them (the one-at-a-time swing a tornado
   plot draws), around the design as it is (``at_base``); a categorical one's
   ends are its lowest and highest choices.

Every point runs on the same ``replicates`` seeds, for every design (common
random numbers): the outcome is then a deterministic function of the
assumptions, so run-to-run luck is not mistaken for an effect, and designs are
compared on the same luck. Tables are tidy pandas frames; nothing is written.
"""

from __future__ import annotations

import math
import warnings

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from .equality import FieldsEqual
from .config import Scenario
from .errors import ScenarioError
from .scenario_io import as_items, check_instance, check_scenario, check_seed_and_replicates
from .evaluation import DAY_METRICS, K_METRICS, MINIMISED, Evaluate, Evaluator, check_metric, days_counted
from .metrics import copies, joint_level, t_quantile
from .parameters import Parameter, apply_own, check_designs_pair, check_parameter_objects, point_values, reads, value_of
from .rng import draw_seed, replicate_seeds, stream_seed


@dataclass(frozen=True)
class SensitivitySettings:
    samples: int = 64          # Sobol base sample N (a power of two)
    trajectories: int = 10     # Morris trajectories
    levels: int = 4            # Morris grid levels
    replicates: int = 1        # common-random-number replicates averaged at every point
    tornado_replicates: int | None = None  # replicates averaged at each end of the tornado (None: the scenario's own)
    bins: int = 4              # equal-probability bins for the conditional best design
    screen: float = 0.0        # hold parameters with mu_star below screen * max at their midpoint for Sobol


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals
class SensitivityResult(FieldsEqual):
    seed: int
    parameters: list[Parameter]
    designs: list[str]
    morris: pd.DataFrame                   # design, metric, parameter, mu, mu_star, sigma, mu_star_conf, rank
    sobol: pd.DataFrame                    # design, metric, parameter, S1, S1_conf, ST, ST_conf, rank, screened
    points: pd.DataFrame                   # the Sobol points: point, design, parameter values, metric means
    tornado: pd.DataFrame                  # design, metric, parameter, value_low, value_high, value_base, at_base, at_low, at_high, swing, replicates, low_ci_low, low_ci_high, high_ci_low, high_ci_high, at_choices
    decision: pd.DataFrame | None = None   # design, mean, probability_best, expected_regret
    flips: pd.DataFrame | None = None      # parameter, S1_advantage(_conf), ST_advantage(_conf), best_by_bin, flips
    conditional: pd.DataFrame | None = None  # parameter, bin, value_low, value_high, design, mean, probability_best
    constraints: pd.DataFrame | None = None  # design, constraint, metric, share_broken, mean, worst, worst_<parameter>
    tornado_values: pd.DataFrame | None = None  # design, metric, parameter, position, value, value_base, at_base, at, ci_low, ci_high, replicates: every end and every choice
    corner: pd.DataFrame | None = None     # design, leader, metric, values, at, lead, lead_ci_low, lead_ci_high, replicates

    def __repr__(self) -> str:
        # the dataclass repr printed every table, the Sobol points' thousands of rows among them
        from .runner import rows_text

        return (f"SensitivityResult(parameters={[p.key for p in self.parameters]}, designs={self.designs}, "
                f"morris={rows_text(self.morris)}, sobol={rows_text(self.sobol)}, points={rows_text(self.points)}, "
                f"tornado={rows_text(self.tornado)}, decision={rows_text(self.decision)}, seed={self.seed})")


def sensitivity(base: Scenario, uncertain: Sequence[Parameter], *, designs: Sequence[Scenario] = (),
                metrics: Sequence[str] = ("incremental_value",), decision_metric: str | None = None,
                settings: SensitivitySettings | None = None, seed: int | None = None,
                evaluate: Evaluate | None = None, constraints: Sequence = (),
                on_plan: Callable[[int], None] | None = None) -> SensitivityResult:
    """Morris, then Sobol, for ``metrics`` of each design (``base`` alone when no designs
    are given) over the ``uncertain`` parameters; with two or more designs, the
    decision analysis on ``decision_metric`` (default: the first metric); with
    ``constraints`` (optimize.Constraint, their metrics analysed too), how often each
    design breaks each (:func:`constraint_table`). ``on_plan`` is told the exact number
    of runs once Morris has screened (:func:`planned_runs` counted every assumption)."""
    check_seed_and_replicates("sensitivity", seed=seed)
    base = check_scenario(base, "sensitivity")
    check_instance("sensitivity", "settings", settings, SensitivitySettings,
                   "simulator.sensitivity.SensitivitySettings(samples=...)")
    settings = settings or SensitivitySettings()
    parameters, metrics, constraints = as_items(uncertain), as_items(metrics), as_items(constraints)
    from .optimize import Constraint, check_constraints_together

    for constraint in constraints:   # a text: "'str' object has no attribute 'metric'"
        if not isinstance(constraint, Constraint):
            raise TypeError(f"constraints: Constraint objects, e.g. parse_constraint({constraint!r}) from "
                            f"simulator.optimize, not {type(constraint).__name__} {constraint!r}")
    if not parameters:
        raise ScenarioError("nothing is uncertain; give at least one --uncertain KEY=LO:HI", key="--uncertain")
    check_uncertain(parameters)
    metrics = list(dict.fromkeys(check_metric(m, source="--metric") for m in metrics))  # a metric named twice is analysed once
    decision_metric = check_metric(decision_metric or metrics[0], source="--metric")
    if decision_metric not in metrics:
        metrics.append(decision_metric)
    # a spend band ('reward_cost>=10' and 'reward_cost<=300') names its metric twice: analysed once; one built by hand
    # is checked as parse_constraint checks it (a misspelt metric ran every point, then was called NaN at each)
    metrics = list(dict.fromkeys([*metrics, *(check_metric(c.metric, source="--constraint") for c in constraints)]))
    check_constraints_together(constraints)
    check_settings(settings)
    seed = int(seed if seed is not None else base.seed if base.seed is not None else draw_seed())
    # each a Scenario: one given alone, or a path, reached "'str' object has no attribute 'name'"
    design_list = [check_scenario(d, "sensitivity") for d in as_items(designs)] or [base]
    check_decision_metric(decision_metric, len(design_list))
    from .parameters import check_built

    check_built(parameters, design_list, "uncertain")
    check_designs_pair(design_list, parameters, source="--uncertain")
    if K_METRICS & set(metrics):   # K of designs measured over other windows is a difference of measurement
        from .compare import check_k_window

        check_k_window(design_list, remedy="scenario")
    names = design_names(design_list)
    evaluate = evaluate or Evaluator()
    if isinstance(evaluate, Evaluator):
        if len(design_list) > 1:   # the designs share one engine path, and so their luck
            evaluate = evaluate.on_common_path()
        # and the points, the screening and the tornado: one path for the whole study (a choice the kernel cannot
        # run beside one it can drew other luck on the same seeds, a swing of the path's making)
        evaluate = evaluate.on_study_path(design_list, parameters)
    evaluate = days_counted(evaluate)   # a day that never came is the day after the horizon, as optimize counts it
    seeds = replicate_seeds(seed, settings.replicates)
    problem = {"num_vars": len(parameters), "names": [p.key for p in parameters], "bounds": [[0.0, 1.0]] * len(parameters)}

    morris_units = morris_sample.sample(problem, settings.trajectories, num_levels=settings.levels,
                                        seed=stream_seed(seed, "samples", 0) % 2**32)
    morris_y = outcomes(design_list, parameters, morris_units, metrics, seeds, evaluate)
    morris = morris_table(problem, morris_units, morris_y, names, metrics, settings, seed)

    screening = morris
    if len(design_list) > 1 and settings.screen > 0:
        # what decides between the designs is their difference, not each one's size: an assumption moving two designs
        # little but in opposite ways (the one that flips the decision) was screened out on each design's own metric,
        # held at its midpoint, and the report said the decision hinged on nothing
        k = metrics.index(decision_metric)
        gaps = morris_y[1:, :, k:k + 1] - morris_y[:1, :, k:k + 1]
        screening = pd.concat([morris, morris_table(problem, morris_units, gaps, [f"{n} - {names[0]}" for n in names[1:]],
                                                    [decision_metric], settings, seed)], ignore_index=True)
    kept = screened_in(screening, parameters, settings.screen)
    if on_plan is not None:
        on_plan(planned_runs(settings, base, parameters, len(designs), sampled=len(kept)))
    sobol_problem = {"num_vars": len(kept), "names": [parameters[i].key for i in kept], "bounds": [[0.0, 1.0]] * len(kept)}
    reduced = sobol_units(sobol_problem, [parameters[i] for i in kept], settings.samples, seed)
    units = np.full((len(reduced), len(parameters)), 0.5)
    units[:, kept] = reduced
    sobol_runs = outcomes_by_seed(design_list, parameters, units, metrics, seeds, evaluate)
    sobol_y = mean_over_seeds(sobol_runs)
    sobol = sobol_table(sobol_problem, sobol_y, names, metrics, parameters, kept, seed, runs=sobol_runs, units=units,
                        bins=settings.bins)
    points = points_table(units, sobol_y, names, metrics, parameters)
    # a tornado bar is one assumption at one end: cheap, so averaged over as many replicates
    # as the scenario asks for (one run per bar read a single seed's luck as the assumption)
    tornado_seeds = replicate_seeds(seed, tornado_replicates(settings, base))
    ends = tornado_values(design_list, names, parameters, metrics, tornado_seeds, evaluate)
    result = SensitivityResult(seed, parameters, names, morris, sobol, points, tornado_bars(ends, parameters),
                               tornado_values=ends)
    if constraints:
        result.constraints = constraint_table(points, parameters, constraints, dict(zip(names, design_list)))
    if len(design_list) > 1:
        values = sobol_y[:, :, metrics.index(decision_metric)]
        sign = -1.0 if decision_metric in MINIMISED else 1.0
        result.decision = decision_table(sign * values, names, sign)
        result.flips, result.conditional = flip_tables(sign * values, sign, units, names, parameters, kept, sobol_problem,
                                                       settings.bins, seed, runs=sign * sobol_runs[:, :, :, metrics.index(decision_metric)],
                                                       leader=decision_leader(result.decision))
        result.corner = worst_corner(design_list, names, parameters, metrics, decision_metric, tornado_seeds, evaluate,
                                     result)
    return result


def check_uncertain(parameters: Sequence[Parameter], source: str = "--uncertain") -> None:
    """The horizon is no uncertain assumption (optimize and calibrate refuse it too)."""
    check_parameter_objects(parameters)
    if any(p.key == "k_window_days" for p in parameters):   # a measurement, not something we do not know
        raise ScenarioError("the window K is counted over is not an uncertain assumption but how K is measured: its "
                            "indices would say how much a longer count adds; fix it with --set k_window_days=N",
                            file=source, key="k_window_days")
    if any(p.key == "days" for p in parameters):
        raise ScenarioError("the horizon is not an uncertain assumption: every metric is counted over it, so its "
                            "indices would say how much a longer count adds, not what we do not know; fix it with "
                            "--set days=N (a run per horizon compares them)", file=source, key="days")


def tornado_replicates(settings: SensitivitySettings, base: Scenario) -> int:
    """Replicates averaged at each end of the tornado: the setting, else the scenario's
    own ``replicates`` (and never fewer than the study's replicates)."""
    chosen = settings.tornado_replicates if settings.tornado_replicates is not None else base.replicates
    return max(int(chosen), settings.replicates)


def planned_runs(settings: SensitivitySettings, base: Scenario, parameters: Sequence[Parameter], designs: int = 1,
                 sampled: int | None = None) -> int:
    """The simulations :func:`sensitivity` runs for ``designs`` designs: Morris, Sobol and the
    tornado's centre and ends, each on its own replicates. Sobol samples ``sampled``
    assumptions, those Morris kept; before the screening, all of them (an upper bound)."""
    d = len(parameters)
    kept = d if sampled is None else sampled
    ends = sum(len(tornado_ends(p)) for p in parameters)
    per_design = (settings.replicates * (settings.trajectories * (d + 1) + settings.samples * (kept + 2))
                  + tornado_replicates(settings, base) * (ends + 1))
    corner = tornado_replicates(settings, base) if designs > 1 else 0   # worst_corner: each design once more
    return max(designs, 1) * (per_design + corner)


def check_settings(settings: SensitivitySettings) -> None:
    """Settings SALib would refuse, as one line each, before anything runs (and, built by
    hand from Python, what the settings file refuses: samples=4.5 was a TypeError, and a
    screen of 2 or -1 ran as 0)."""
    for name in ("samples", "trajectories", "levels", "replicates", "bins", "tornado_replicates"):
        value = getattr(settings, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
            raise ScenarioError(f"a whole number (got {value!r})", key=f"--{name.replace('_', '-')}")
    if not (isinstance(settings.screen, (int, float)) and 0 <= settings.screen < 1):
        raise ScenarioError(f"screen is a share of the largest Morris effect, from 0 to below 1 (got {settings.screen!r})",
                            key="screen")
    if settings.samples < 2 or settings.samples & (settings.samples - 1):
        raise ScenarioError(f"samples must be a power of two from 2 (got {settings.samples}); e.g. 64", key="--samples")
    for name in ("trajectories", "levels", "bins"):
        if getattr(settings, name) < 2:
            raise ScenarioError(f"{name} must be at least 2 (got {getattr(settings, name)})", key=f"--{name}")
    if settings.replicates < 1:
        raise ScenarioError(f"must be at least 1 (got {settings.replicates})", key="--replicates")
    if settings.tornado_replicates is not None and settings.tornado_replicates < 1:
        raise ScenarioError(f"must be at least 1 (got {settings.tornado_replicates})", key="--tornado-replicates")


def design_names(designs: Sequence[Scenario]) -> list[str]:
    names = [d.name for d in designs]
    return [f"{n} ({i})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def outcomes(designs: Sequence[Scenario], parameters: list[Parameter], units: np.ndarray, metrics: list[str],
             seeds: list[int], evaluate: Evaluate) -> np.ndarray:
    """Metric means over the replicate seeds: array [design, point, metric]."""
    return mean_over_seeds(outcomes_by_seed(designs, parameters, units, metrics, seeds, evaluate))


def mean_over_seeds(runs: np.ndarray) -> np.ndarray:
    """[design, point, seed, metric] averaged over the seeds a point's metric is defined
    on; NaN where it is on none, quietly (numpy's "Mean of empty slice" warning reached
    the console before the one-line refusal of such a metric)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(runs, axis=2)


def outcomes_by_seed(designs: Sequence[Scenario], parameters: list[Parameter], units: np.ndarray, metrics: list[str],
                     seeds: list[int], evaluate: Evaluate) -> np.ndarray:
    """Every run's metrics: array [design, point, seed, metric]."""
    scenarios, run_seeds = [], []
    for design in designs:
        for row in units:
            scenario = apply_own(design, point_values(parameters, row), parameters, source="--uncertain")
            scenarios.extend([scenario] * len(seeds))
            run_seeds.extend(seeds)
    values = evaluate(scenarios, run_seeds, metrics)
    array = np.array([[v[m] for m in metrics] for v in values], dtype=float)
    return array.reshape(len(designs), len(units), len(seeds), len(metrics))


def noise_share(runs: np.ndarray) -> float:
    """How much of the variance of a point mean over the study's points may be the runs'
    own luck, not the assumptions: ``runs`` is [point, seed], every point on the same
    seeds. A seed's luck that stays put as the assumptions move shifts every point mean
    alike and adds nothing to their variance; the luck that does is the part of a run
    that neither its point nor its seed explains (the interaction of a two-way table
    without replication): its mean square, sum(r²) / ((P − 1)(R − 1)), over the seeds'
    count R is the luck in a point mean, here as a share of the variance of the point
    means. The spread between the seeds at a point (the former measure) counted the
    luck the points share as well: a value that followed one assumption exactly, on
    three seeds, read "up to 100% may be luck" and "moved by none of the assumptions".
    Points with a missing run are left out. NaN with one seed or one point (the luck
    cannot be measured); capped at 1; 0 where no run differs from another."""
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2:
        return math.nan
    # a point needs two runs with the metric to show any luck, a seed one
    runs = runs[np.isfinite(runs).sum(axis=1) >= 2]
    runs = runs[:, np.isfinite(runs).any(axis=0)] if len(runs) else runs
    if runs.shape[0] < 2 or runs.shape[1] < 2:
        return math.nan
    points, seeds = runs.shape
    missing = ~np.isfinite(runs)
    filled, fit = np.where(missing, np.nanmean(runs), runs), runs
    # a run without the metric (no CAC where no customer came) is filled from the additive fit, point plus
    # seed, until the fit settles, and costs its degree of freedom: dropping every point with a gap made
    # one missing run a point read as "one run per point, luck not measured"
    for _ in range(100 if missing.any() else 1):
        fit = filled.mean(axis=1, keepdims=True) + filled.mean(axis=0, keepdims=True) - filled.mean()
        if not missing.any() or np.allclose(filled[missing], fit[missing], rtol=1e-10, atol=1e-12):
            break
        filled = np.where(missing, fit, runs)
    freedom = (points - 1) * (seeds - 1) - int(missing.sum())
    if freedom <= 0:
        return math.nan
    residual = np.where(missing, 0.0, filled - fit)
    counts = (~missing).sum(axis=1)
    # the luck in each point's mean over its own runs, averaged over the points
    luck = float((residual ** 2).sum() / freedom * np.mean(1.0 / counts))
    total = float(np.var(np.nanmean(runs, axis=1), ddof=1))
    # rounding: identical point means (an assumption no design reads) gave a variance of ~1e-26 and a residual of
    # the same size, whose ratio read as any share from 0 to 100% ("about 100% ... may be the runs' luck")
    floor = (1e-12 * float(np.nanmax(np.abs(runs), initial=0.0))) ** 2
    luck, total = (0.0 if luck <= floor else luck), (0.0 if total <= floor else total)
    if not (math.isfinite(luck) and math.isfinite(total)):
        return math.nan
    if total <= 0:
        # the means do not move: what moves the runs is all luck; nothing moves at all (a no-program design's
        # payback day): no share of it is luck (sobol.csv gave 1 beside indices of 0)
        return 1.0 if luck > 0 else 0.0
    return min(luck / total, 1.0)


def morris_table(problem, units, y, names, metrics, settings, seed) -> pd.DataFrame:
    rows = []
    for d, design in enumerate(names):
        for m, metric in enumerate(metrics):
            result = morris_analyze.analyze(problem, units, y[d, :, m], num_levels=settings.levels,
                                            seed=stream_seed(seed, "bootstrap", 0) % 2**32)
            frame = pd.DataFrame({"design": design, "metric": metric, "parameter": problem["names"], "mu": result["mu"],
                                  "mu_star": result["mu_star"], "sigma": result["sigma"], "mu_star_conf": result["mu_star_conf"]})
            frame["rank"] = frame["mu_star"].rank(ascending=False, method="min", na_option="bottom").astype(int)
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def screened_in(morris: pd.DataFrame, parameters: list[Parameter], screen: float) -> list[int]:
    """Indices of the parameters kept for Sobol: all, or those whose mu_star reaches
    ``screen`` times the largest in at least one design and metric that some assumption
    moves. A design no assumption moves (a no-program yardstick) kept every assumption
    (0 ≥ screen × 0), and the screen screened nothing."""
    if screen <= 0:
        return list(range(len(parameters)))
    largest = morris.groupby(["design", "metric"])["mu_star"].transform("max")
    strong = set(morris.loc[(largest > 0) & (morris["mu_star"] >= screen * largest), "parameter"])
    kept = [i for i, p in enumerate(parameters) if p.key in strong]
    return kept or list(range(len(parameters)))


def sobol_indices(problem: dict, y: np.ndarray, seed: int, what: str = "a metric") -> dict[str, np.ndarray]:
    """SALib's first-order and total indices; an outcome that never varies has none to
    share out, so every index is 0. ``what`` names the outcome in a refusal."""
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        undefined = int(np.sum(~np.isfinite(y)))
        # undefined everywhere, no range is to blame: narrowing them cannot help
        remedy = "analyse another metric" + (", or narrow the ranges" if undefined < len(y) else "")
        raise ScenarioError(f"{what} is NaN at {undefined} of {len(y)} points of the uncertainty (a ratio with nothing "
                            f"to divide by there); {remedy}", key="--metric")
    if np.ptp(y) == 0:
        zero = np.zeros(problem["num_vars"])
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    return sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed % 2**32)


def sobol_units(problem: dict, parameters: Sequence[Parameter], samples: int, seed: int,
                attempts: int = 32) -> np.ndarray:
    """SALib's Saltelli sample of ``problem`` (its keys are ``parameters``), drawn again on
    other streams until every whole-number or categorical key takes another value in B
    than in A in at least one block. Where A and B agree in every block, each AB_j row
    repeats A's value and the key's indices are 0 ± 0 by construction: at 8 samples a
    count of reminders (0 to 3) was said to move nothing, while its tornado moved the
    value from 17,327 to 40,897, and the key's place in the flags decided which seeds
    hit it. The first draw is kept where it measures every key (every float key does)."""
    block = len(parameters) + 2
    discrete = [j for j, p in enumerate(parameters) if p.kind != "float"]
    for attempt in range(attempts):
        stream = stream_seed(seed, "samples", 1) if attempt == 0 else stream_seed(seed, "samples", 1, attempt)
        units = sobol_sample.sample(problem, samples, calc_second_order=False, seed=stream % 2**32)
        a, b = units[0::block], units[block - 1::block]
        if all(any(parameters[j].from_unit(x) != parameters[j].from_unit(y) for x, y in zip(a[:, j], b[:, j]))
               for j in discrete):
            return units
    return units   # a key with one value in its range: no draw can vary it, and its indices are rightly 0


def drawn_rows(points: int, varied: int) -> np.ndarray:
    """The rows of a Saltelli sample (SALib's blocks of A, AB_1..AB_k, B for ``varied``
    assumptions) drawn afresh: A's and B's. An AB_j row copies all of A but one
    assumption, and a design that ignores that one gives it A's outcome again, so
    counting those rows counts the same runs twice."""
    if varied == 0:
        return np.arange(points)
    block = varied + 2
    return np.sort(np.r_[np.arange(0, points, block), np.arange(block - 1, points, block)])


def choice_index(parameter: Parameter, unit: np.ndarray) -> np.ndarray:
    """Each point's choice of a categorical ``parameter`` (its place in the list), from
    its unit coordinate as the point's scenario got it (Parameter.from_unit)."""
    return np.array([parameter.choices.index(parameter.from_unit(u)) for u in np.asarray(unit, dtype=float)], dtype=int)


def range_effect_p(unit: np.ndarray, values: np.ndarray, bins: int, parameter: Parameter | None = None) -> float:
    """Whether an outcome differs between the ``bins`` equal parts of an assumption's
    range (``unit``: each point's value of it in [0, 1], at the sample's drawn_rows), or
    between the choices of a categorical ``parameter`` (quarters of three choices mixed
    two of them): the Kruskal-Wallis test's p over the points' outcomes grouped by part.
    Luck that a small move of the assumption reshuffles (a run's referrals cascade
    differently) averages out within a part; an effect of the assumption, steady or not,
    does not. NaN with fewer than two parts holding points, or an outcome that never varies."""
    from scipy import stats  # here, not at import: scipy.stats costs a second

    if parameter is not None and parameter.kind == "categorical":
        which, bins = choice_index(parameter, unit), len(parameter.choices)
    else:
        which = np.clip((np.asarray(unit) * bins).astype(int), 0, bins - 1)
    groups = [values[which == b] for b in range(bins) if (which == b).sum() >= 2]
    if len(groups) < 2 or np.ptp(values) == 0:
        return math.nan
    return float(stats.kruskal(*groups).pvalue)


def sobol_table(problem, y, names, metrics, parameters, kept, seed, runs=None, units=None, bins: int = 4) -> pd.DataFrame:
    """sobol.csv: each design's and metric's indices, with ``noise_share``, how much of the
    metric's variance over the points may be the runs' luck (``runs``: [design, point,
    seed, metric]; NaN with one seed a point), and ``range_p`` (:func:`range_effect_p`
    over the points' ``units``; NaN without them)."""
    rows = []
    drawn = drawn_rows(y.shape[1], problem["num_vars"])
    for d, design in enumerate(names):
        for m, metric in enumerate(metrics):
            luck = noise_share(runs[d, :, :, m]) if runs is not None else math.nan
            result = sobol_indices(problem, y[d, :, m], stream_seed(seed, "bootstrap", 1), f"{metric} of {design}")
            by_key = {key: i for i, key in enumerate(problem["names"])}
            for j, p in enumerate(parameters):
                i = by_key.get(p.key)
                rows.append({"design": design, "metric": metric, "parameter": p.key,
                             "S1": result["S1"][i] if i is not None else 0.0, "S1_conf": result["S1_conf"][i] if i is not None else 0.0,
                             "ST": result["ST"][i] if i is not None else 0.0, "ST_conf": result["ST_conf"][i] if i is not None else 0.0,
                             "screened": i is None, "noise_share": luck,
                             "range_p": range_effect_p(units[drawn, j], y[d, drawn, m], bins, p) if units is not None
                             else math.nan})
    frame = pd.DataFrame(rows)
    frame["rank"] = frame.groupby(["design", "metric"])["ST"].rank(ascending=False, method="min", na_option="bottom").astype(int)
    return frame


def points_table(units, y, names, metrics, parameters) -> pd.DataFrame:
    frames = []
    for d, design in enumerate(names):
        frame = pd.DataFrame({"point": np.arange(len(units)), "design": design})
        for j, p in enumerate(parameters):
            frame[p.key] = [p.from_unit(u) for u in units[:, j]]
        for m, metric in enumerate(metrics):
            frame[metric] = y[d, :, m]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def constraint_table(points: pd.DataFrame, parameters: Sequence[Parameter], constraints,
                     designs: dict[str, Scenario] | None = None) -> pd.DataFrame:
    """constraints.csv: for each design and constraint (optimize.Constraint), the share of
    the Sobol points whose mean breaks it, the mean over the points and the worst point
    (its value and its assumptions): a design chosen to keep `reward_cost<=50000` on the
    scenario's own values broke it at 42% of the points, and the report did not say.
    ``designs`` (by name): an assumption a design does not read (parameters.reads) is left
    empty in its worst point (a cash design's worst point gave a referee reward it never pays)."""
    rows, keys = [], [p.key for p in parameters]
    for design, group in points.groupby("design", sort=False):
        scenario = (designs or {}).get(design)
        for constraint in constraints:
            values = group[constraint.metric].to_numpy(dtype=float)
            excess = constraint.excess(values)
            worst = int(np.nanargmax(excess)) if np.isfinite(excess).any() else 0
            rows.append({"design": design, "constraint": str(constraint), "metric": constraint.metric,
                         "share_broken": float(np.mean(excess > 0)), "mean": float(np.nanmean(values)),
                         "worst": float(values[worst]),
                         **{f"worst_{p.key}": group[p.key].iloc[worst]
                            if scenario is None or reads(scenario, p.key, keys) else None for p in parameters}})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the decision


#: Share of a variance (a total Sobol index) from which an assumption is said to matter.
MATTERS = 0.05


def decision_drivers(flips: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The assumptions the decision hinges on (the best design changes across their
    range), and those that only move the size of the leader's lead (a total Sobol
    index of the lead of at least MATTERS and told from the runs' luck, ``noise_share``,
    the best design the same in every part of their range). Every total index counts
    that luck too, so one no larger than it says nothing of the assumption either way
    (:func:`lost_in_luck`)."""
    hinges = flips[flips["flips"]]["parameter"].tolist()
    sways = flips[~flips["flips"] & (flips["ST_advantage"] >= MATTERS) & _told_from_luck(flips)
                  & _lead_moves(flips)]["parameter"].tolist()
    return hinges, sways


def best_shifts(flips: pd.DataFrame, parameter: str) -> bool:
    """Whether the best design differs between the parts of ``parameter``'s range (or its
    choices) in flips.csv's ``best_by_bin``, by more than the noise or not: an assumption
    whose top quarter went to another design, not beyond the noise at 3 replicates, was
    said to move "the size of the lead, not the best design" (at 12 the decision hinged
    on it)."""
    row = flips[flips["parameter"] == parameter]
    if not len(row):
        return False
    return len(set(str(row["best_by_bin"].iloc[0]).split(" → ")) - {NO_POINT}) > 1


def _lead_moves(flips: pd.DataFrame) -> pd.Series:
    """Whether the lead moves over the points by at least MATERIAL of its mean size
    (``lead_range_share``; not tested where the table has no such column or it is NaN):
    a share of a variance says nothing of its size, and a lead of $513 that moved by
    $0.29 "moved the size of the lead"."""
    if "lead_range_share" not in flips:
        return pd.Series(True, index=flips.index)
    share = flips["lead_range_share"]
    return share.isna() | (share >= MATERIAL)


def lead_range_text(flips: pd.DataFrame) -> str:
    """How far the lead moves over the points, as a share of its mean size: '0.25%', 'under 0.01%'."""
    share = float(flips["lead_range_share"].iloc[0])
    return f"{share:.2%}" if share >= 1e-4 else "under 0.01%"


def lead_immaterial(flips: pd.DataFrame) -> bool:
    """Whether the lead moved over the points by less than MATERIAL of its mean size."""
    return bool(len(flips)) and not bool(_lead_moves(flips).iloc[0])


def lost_in_luck(flips: pd.DataFrame) -> list[str]:
    """The assumptions whose total index of the lead reaches MATTERS but cannot be told
    from the runs' luck at this size (neither a hinge nor a sway): the report says so,
    rather than that they do not move the lead (base_share, whose tornado moved the lead
    12-fold, was listed among the assumptions that move nothing)."""
    return flips[~flips["flips"] & (flips["ST_advantage"] >= MATTERS) & ~_told_from_luck(flips)
                 & _lead_moves(flips)]["parameter"].tolist()


def _told_from_luck(flips: pd.DataFrame) -> pd.Series:
    """:func:`told_from_luck` of each assumption's indices of the lead."""
    if "noise_share" not in flips:
        return pd.Series(True, index=flips.index)
    return told_from_luck(flips["ST_advantage"], flips.get("ST_advantage_conf", 0.0), flips.get("S1_advantage", 0.0),
                          flips.get("S1_advantage_conf", 0.0), flips["noise_share"], flips.get("range_p", math.nan),
                          assumptions=flips["parameter"].nunique())


#: range_effect_p below which the parts of an assumption's range differ beyond the luck.
RANGE_LEVEL = 0.05


def told_from_luck(st, st_conf, s1, s1_conf, luck, range_p=math.nan, assumptions: int = 1):
    """Whether an assumption's share of a variance is more than the runs' luck: its total
    index, less its bootstrap half-width, above the share that may be luck
    (``noise_share``), or its first-order index above 0 beyond its half-width (luck that
    differs from run to run inflates a total index, whose estimator differences pairs of
    runs, but not a first-order one, whose products of runs average it out) where the
    parts of its range differ too (``range_p`` below RANGE_LEVEL; not tested when NaN).
    Every point runs on the same seeds, so a seed's luck can move with the assumption
    itself, jaggedly, when nothing else varied reshuffles it: program.link_response had a
    first-order index of 0.93 +- 0.43 from such luck alone (its lead swung $16,000
    between 0.50 and 0.53 and had no trend over the range). Always, when the luck was
    not measured (one run per point, NaN).

    Or the parts of its range differ alone, at RANGE_LEVEL over the ``assumptions``
    tested (Bonferroni): with few samples a bootstrap half-width can swallow both indices
    of the assumption that moves most (ST 0.65 +- 0.74, S1 0.20 +- 0.57 beside a range
    test at p = 0.0002, the largest Morris and tornado effects), and the report called it
    luck while naming a weaker one as moving the outcome."""
    with np.errstate(invalid="ignore"):
        p = np.asarray(range_p, dtype=float)
        steady = ~(p >= RANGE_LEVEL)   # NaN: not tested
        alone = p < RANGE_LEVEL / max(int(assumptions), 1)   # NaN: False
    return pd.isna(luck) | (st - st_conf > luck) | ((s1 - s1_conf > 0) & steady) | alone


#: A tornado lead smaller than this share of the leader's value is not called a disagreement.
MATERIAL = 0.01


def tornado_disagreements(result: "SensitivityResult", metric: str) -> list[dict]:
    """Where the tornado, each assumption alone at an end of its range (or at each of its
    choices) and averaged over the tornado's replicates, has another design ahead of the
    decision's leader by more than MATERIAL of its value, for an assumption the decision
    does not say it hinges on, and at the centre (the designs as given) where it hinges on
    none. One run per point read a seed's luck as an effect: runs
    of this model swing far when an assumption moves a little (their referrals
    cascade), and the decision said 'hinges on none' while its own tornado had the other
    design ahead by $35,000 at one end. Every choice of a categorical assumption is
    read: the first and last alone missed a lead at a middle one. Where the tornado
    ran two or more seeds a point (and its runs are at hand: tornado_values), a lead
    counts only when its paired 95% interval over them lies above 0 (``lead_ci_low``,
    ``lead_ci_high``; NaN on one seed, when it cannot be told from luck)."""
    if result.decision is None or result.flips is None:
        return []
    hinges = set(decision_drivers(result.flips)[0])
    sign = -1.0 if metric in MINIMISED else 1.0
    leader = decision_leader(result.decision)
    table = result.tornado[result.tornado["metric"] == metric]
    found = []
    # the tornado holds every other assumption at the design files' value: where a file's value lies outside the range
    # given (a credit weight of 1 against --uncertain ...=0:0.5), its points are no points of the study, and 'the
    # tornado disagrees' with the study then said only that, blamed on luck that more replicates could not clear
    if files_outside(result, table):
        return []

    def check(values, key, value, replicates, runs=None):
        # in the order the designs were given: of two copies ahead, the first listed is named (not the first by name)
        given = getattr(result, "designs", None) or list(values.index)
        values = values.reindex([d for d in given if d in values.index] + [d for d in values.index if d not in given])
        best = values.index[int(np.argmax(sign * values.to_numpy()))]
        lead = sign * (values[best] - values[leader])
        if best != leader and lead > MATERIAL * max(abs(values[leader]), abs(values[best])):
            low = high = math.nan
            if runs is not None and replicates > 1:
                # the designs ran on the same seeds at each point: the lead's paired interval tells it from the
                # runs' luck. A lead of 3,236 over 6 runs (interval -1,546 to 8,019) was 'ahead', and with more
                # --replicates 'no luck', while compare called the same two designs not told apart (at 40 runs the
                # other led)
                from .compare import paired_difference

                interval = paired_difference(np.asarray(runs[leader], dtype=float), np.asarray(runs[best], dtype=float))
                low, high = sorted((sign * interval["diff_ci_low"], sign * interval["diff_ci_high"]))
                if not low > 0:
                    return
            found.append({"parameter": key, "value": value, "ahead": best, "ahead_value": float(values[best]),
                          "leader": leader, "leader_value": float(values[leader]), "replicates": replicates,
                          "lead_ci_low": low, "lead_ci_high": high})

    points = tornado_points(result, metric)
    if len(table):  # the designs as given: the tornado's centre
        centre = table.drop_duplicates("design").set_index("design")
        base_runs = (points.drop_duplicates("design").set_index("design")["base_runs"]
                     if "base_runs" in points else None)
        check(centre["at_base"], None, None, int(centre["replicates"].iloc[0]), base_runs)
        if hinges and found:
            # where the decision hinges on an assumption, the designs' own values can sit in the part of its range
            # where another design wins: the hinge says so, and 'the tornado disagrees ... luck' contradicted it. Every
            # point but the hinge's own ends holds it there: at the end of a hinging credit weight's range (the files'
            # 1.0 of 0:1), each other assumption's ends 'disagreed' too
            return []
    for (key, _), rows in points.groupby(["parameter", "position"], sort=False):
        if key in hinges:
            continue
        rows = rows.set_index("design")
        if (rows["at"] == rows["at_base"]).all():
            continue  # this value leaves every design as it is (the designs ignore the assumption): the centre's case
        check(rows["at"], key, rows["value"].iloc[0], int(rows["replicates"].iloc[0]),
              rows["runs"] if "runs" in rows else None)
    return found


def files_outside(result: "SensitivityResult", table: pd.DataFrame | None = None) -> list[str]:
    """The uncertain keys the design files (the tornado's centre) hold outside the range
    given for them, in the order given: a value below its low end or above its high end,
    or a choice not among the choices (tornado.csv's value_base, in the designs the key
    moves: files_outside_values)."""
    return list(files_outside_values(result, table))


def files_outside_values(result: "SensitivityResult", table: pd.DataFrame | None = None) -> dict[str, list]:
    """files_outside with the values: {key: the files' values outside its range}, from the
    designs the key moves only (a design whose tornado ends for it equal its centre
    ignores it: double-sided credit's default cash weight of 1 was called outside a cash
    range of 0-0.5 that only single-sided cash, at 0.3, reads)."""
    table = result.tornado if table is None else table
    if "value_base" not in table:
        return {}
    found = {}
    for parameter in result.parameters:
        rows = table[table["parameter"] == parameter.key]
        ends = [c for c in ("at_low", "at_high", "at_choices") if c in rows]
        moved = rows[~rows[[c for c in ends if c != "at_choices"]].eq(rows["at_base"], axis=0).all(axis=1)] \
            if ends and "at_base" in rows else rows
        if parameter.kind == "categorical":
            choices = {str(choice) for choice in parameter.choices}
            off = [value for value in moved["value_base"].dropna() if str(value) not in choices]
        else:
            values = pd.to_numeric(moved["value_base"], errors="coerce").dropna()
            # a whole number or float range, compared with a rounding's room (the value as the file writes it)
            room = 1e-9 * max(abs(parameter.high or 0.0), abs(parameter.low or 0.0), 1.0)
            off = values[(values < parameter.low - room) | (values > parameter.high + room)].tolist()
        if off:
            found[parameter.key] = list(dict.fromkeys(off))
    return found


def check_decision_metric(metric: str, designs: int, source: str = "--metric") -> None:
    """Refuse, where two or more designs are weighed, a deciding metric nobody wins
    (compare.UNRANKED): a dashboard's ROI, a spend, or word of mouth, which a program
    turns into tracked referrals. 'no-program best at 100% of the points' was said on
    word_of_mouth_customers and on reward_cost, where compare's decide refuses both. It
    may still be analysed after the metric that decides."""
    from .compare import UNRANKED, unranked_why

    if designs > 1 and metric in UNRANKED:
        raise ScenarioError(f"'{metric}' {unranked_why(metric)}: name the metric that decides first (e.g. --metric "
                            f"incremental_value --metric {metric})"
                            + (f"; a spend may be a limit instead (--constraint '{metric}<=LIMIT')"
                               if metric in ("reward_cost", "program_cost", "fraud_cost") else ""), key=source)


#: A bootstrap half-width of a total index from which its share is called imprecise.
IMPRECISE = 0.2
#: An index estimated from this up is said to be above 1 (the sample too small): below it, it reads 1.00, and
#: 1.0000029 of a one-assumption metric was called "above 1" and "imprecise" while its table showed 1.00.
ABOVE_ONE = 1.005


#: flips.csv's best_by_bin for a part of a range (or a choice) in which no point was drawn.
NO_POINT = "–"


def explains(index: float, what: str, conf: float = float("nan"), luck: float = float("nan")) -> str:
    """'explains 40% (95% interval 25–55%) of the variance of WHAT' for a total Sobol
    index and its bootstrap half-width ``conf``; an estimate above 1 (too few samples
    for a precise index) says so rather than '161%', and a wide interval asks for more
    samples (at --samples 4 two assumptions 'explained' 83% and 58% of one variance)."""
    # a share of the whole variance, not of this index's: "explains 38% ..., of which about 61% may be luck" read as
    # 61% of the 38%
    lucky = f" (about {luck:.0%} of that whole variance may be the runs' luck)" if np.isfinite(luck) and luck > 0 else ""
    if index >= ABOVE_ONE:
        # 1.48 ± 1.64 read "explains most of the variance", its interval and the luck left unsaid, where 0.99 ± 1.6
        # read "99% (0%–100%) ... imprecise"
        low = index - conf if np.isfinite(conf) and conf > 0 else math.nan
        return ((f"may explain much or little of the variance of {what}" if low < 0.5 else
                 f"explains most of the variance of {what}") + lucky
                + f"; its estimated index, {index:.2f}, is above 1"
                + (f" (95% interval down to {max(low, 0.0):.0%})" if np.isfinite(low) else "")
                + ": raise --samples for a precise one")
    share = f"explains {min(max(index, 0.0), 1.0):.0%}"
    if np.isfinite(conf) and conf > 0:
        share += f" (95% interval {max(index - conf, 0.0):.0%}–{min(index + conf, 1.0):.0%})"
    text = f"{share} of the variance of {what}" + lucky
    return text + ("; imprecise: raise --samples" if np.isfinite(conf) and conf >= IMPRECISE else "")


def best_shares(values: np.ndarray) -> np.ndarray:
    """[point, design] -> [point, design]: 1 for the best design at the point, ties shared."""
    best = values == values.max(axis=1, keepdims=True)
    return best / best.sum(axis=1, keepdims=True)


def decision_table(signed: np.ndarray, names: list[str], sign: float) -> pd.DataFrame:
    """``signed`` is [design, point] of the decision metric, larger is better.
    ``same_as``: the first design listed before it with its value at every point (a copy
    under another name: metrics.copies), else empty; draws as best split between them."""
    per_point = signed.T
    regret = per_point.max(axis=1, keepdims=True) - per_point
    copy_of = copies({d: per_point[:, d] for d in range(len(names))}, 0, list(range(1, len(names))))
    return pd.DataFrame({"design": names, "mean": sign * per_point.mean(axis=0) + 0.0,   # no -0 of a minimised 0
                         "probability_best": best_shares(per_point).mean(axis=0),
                         "expected_regret": regret.mean(axis=0),
                         "same_as": [names[copy_of[d]] if copy_of.get(d, d) != d else "" for d in range(len(names))]}
                        ).sort_values("expected_regret", kind="stable", ignore_index=True)


def shares_together(decision: pd.DataFrame) -> pd.Series:
    """Each design's share of the points best with its copies' (``same_as``) added: copies
    split each point's best between them."""
    group = decision["design"].map({r["design"]: (r.get("same_as") or r["design"]) for r in decision.to_dict("records")})
    return group.map(decision.groupby(group)["probability_best"].sum())


def decision_leader(decision: pd.DataFrame) -> str:
    """The design the decision names: the lowest expected regret, which is the best mean
    (E[max_j V_j] - E[V_i] orders the designs as their signed means do), a tie going to
    the larger share of the points best (copies' shares, ``same_as``, added up), then to
    decision.csv's order. One rule for the report's headline, the flips and the tornado
    check: the flips took the highest mean, the headline and the check the most points
    best, so a report named no-program best at 53% of the points, then tested whether
    no-program ever beat a reward with a higher mean, not whether the reward beat it. A
    design best at more points by small margins, losing more at the others, is the
    riskier choice; the report names it beside the leader."""
    ranked = decision.assign(together=shares_together(decision),
                             regret=decision["expected_regret"] if "expected_regret" in decision else 0.0)
    return str(ranked.sort_values(["regret", "together"], ascending=[True, False], kind="stable").iloc[0]["design"])


def flip_tables(signed, sign, units, names, parameters, kept, problem, bins, seed, runs=None,
                leader: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What flips the ranking (flips.csv) and the best design in each part of each range
    (conditional.csv): ``bins`` equal-probability parts of a numeric range, one part per
    choice of a categorical assumption (quarters of three choices mixed two of them in
    two of the quarters). ``runs`` ([design, point, seed], larger is better) measures how
    much of the lead's variance may be luck (``noise_share``). ``leader``: the design the
    decision names (decision_leader), else the highest mean; the others by mean."""
    per_point = signed.T
    order = np.argsort(-per_point.mean(axis=0), kind="stable")
    if leader is not None:
        first = names.index(leader)
        order = np.array([first, *(d for d in order if d != first)])
    leader = order[0]
    # a design with the leader's value at every point (a copy under another name, or one the assumptions and the
    # runs cannot tell from it) ties with it: the lead is over the next design that differs. The copy was taken as
    # runner-up, the lead was 0 at every point, and an assumption that moved the real contest "moved nothing"
    copy_of = copies({d: per_point[:, d] for d in order}, leader, list(order[1:]))
    runner_up = next((d for d in order[1:] if copy_of[d] != leader), order[1])
    # the designs' own bootstrap stream: against a runner-up worth the same at every point the advantage is the
    # leader's value less a constant, and its indices were the leader's but their half-widths not (1.40 against 1.27)
    advantage = sobol_indices(problem, per_point[:, leader] - per_point[:, runner_up], stream_seed(seed, "bootstrap", 1))
    luck = noise_share(runs[leader] - runs[runner_up]) if runs is not None else math.nan
    by_key = {key: i for i, key in enumerate(problem["names"])}
    drawn = drawn_rows(len(per_point), problem["num_vars"])
    across = seeds_lead(runs[leader] - runs[runner_up], drawn) if runs is not None else seeds_lead(None, drawn)
    # how far the lead moves over the points, as a share of its own mean size: an assumption "moved the size of the
    # lead" that ran from 513.35 to 513.64 (all of a tiny variance explained). Not of the leader's value, which holds
    # a baseline both designs share: a lead rising 3,600 to 5,500 was 'not moving' beside 9,000 customers at launch
    lead = (per_point[:, leader] - per_point[:, runner_up])[drawn]
    size = abs(float(np.nanmean(lead))) if len(lead) else math.nan
    lead_share = float(np.ptp(lead)) / size if len(lead) and size > 0 else math.nan
    edges = np.linspace(0.0, 1.0, bins + 1)
    flips, conditional = [], []
    # a flip is another design ahead of the leader within a part of the range by more than the noise: the
    # paired per-point differences, one-sided, 95% over the parts and designs together (Bonferroni); a part's
    # best by mean alone flipped on noise (three assumptions without effect, designs tied: 38 of 40 studies
    # said the decision hinged on one)
    rivals = max(sum(1 for d, c in copy_of.items() if c == d), 1)   # copies are one test, the leader's none
    fresh = np.zeros(len(per_point), dtype=bool)
    fresh[drawn] = True
    for j, p in enumerate(parameters):
        if p.kind == "categorical":
            which, parts = choice_index(p, units[:, j]), len(p.choices)
        else:
            which, parts = np.clip(np.searchsorted(edges, units[:, j], side="right") - 1, 0, bins - 1), bins
        tests = parts * rivals
        best_by_bin, ahead = [], False
        for b in range(parts):
            # the part's points drawn afresh (A's and B's): an AB point of an assumption neither design reads repeats
            # A's run, and counting it again shrank the noise (17 studies of 40 said a pure-luck tie hinged on one)
            inside = (which == b) & fresh
            if not inside.any():
                # said, not skipped: at --samples 2 four quarters read as two entries, taken for the range's halves
                best_by_bin.append(NO_POINT)
                continue
            gaps = per_point[inside] - per_point[inside][:, [leader]]
            if len(gaps) >= 2:
                with np.errstate(invalid="ignore", divide="ignore"):
                    error = gaps.std(axis=0, ddof=1) / np.sqrt(len(gaps))
                    margin = t_quantile(joint_level(0.95, tests), len(gaps) - 1) * error
                gap = gaps.mean(axis=0)
                ahead |= bool(((gap > margin) & (gap > 0)).any())
            means = per_point[inside].mean(axis=0)
            shares = best_shares(per_point[inside]).mean(axis=0)
            best_by_bin.append(names[int(np.argmax(means))])
            low, high = ((p.choices[b], p.choices[b]) if p.kind == "categorical" else
                         (edge_value(p, edges[b]), edge_value(p, min(edges[b + 1], 1.0), upper=True)))
            for d, name in enumerate(names):
                conditional.append({"parameter": p.key, "bin": b, "value_low": low, "value_high": high, "design": name,
                                    "mean": sign * means[d] + 0.0, "probability_best": shares[d]})
        i = by_key.get(p.key)
        flips.append({"parameter": p.key, "leader": names[leader], "runner_up": names[runner_up],
                      "S1_advantage": advantage["S1"][i] if i is not None else 0.0,
                      "S1_advantage_conf": advantage["S1_conf"][i] if i is not None else 0.0,
                      "ST_advantage": advantage["ST"][i] if i is not None else 0.0,
                      "ST_advantage_conf": advantage["ST_conf"][i] if i is not None else 0.0,
                      "best_by_bin": " → ".join(best_by_bin), "flips": len(set(best_by_bin) - {NO_POINT}) > 1 and ahead,
                      "noise_share": luck, "lead_range_share": lead_share, **across,
                      "range_p": range_effect_p(units[drawn, j], (per_point[:, leader] - per_point[:, runner_up])[drawn], bins,
                                                p)})
    table = pd.DataFrame(flips).sort_values("ST_advantage", ascending=False, kind="stable", ignore_index=True)
    return table, pd.DataFrame(conditional)


def seeds_lead(leads, drawn: np.ndarray) -> dict[str, float]:
    """The leader's lead across the ranges, seed by seed: ``leads`` is [point, seed] of the
    leader's value less the runner-up's (larger is better), every point on the same seeds;
    each seed's lead averaged over the points drawn afresh (``drawn``), and the t-interval
    of their mean over the seeds (``lead_mean``, ``lead_ci_low``, ``lead_ci_high``; the
    interval NaN on one seed). A seed's luck that lifts one design at every point moves the share of points
    best and the regret with it, which no index counts (noise_share leaves it out): on 4
    seeds, --seed 5 named one design best at 80% of the points and --seed 3 the other at
    87%, where compare called them not told apart."""
    if leads is None:
        return {"lead_mean": math.nan, "lead_ci_low": math.nan, "lead_ci_high": math.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a seed with no finite lead at any point
        per_seed = np.nanmean(np.asarray(leads, dtype=float)[drawn], axis=0)
    from .compare import paired_difference

    found = paired_difference(np.zeros(len(per_seed)), per_seed)
    return {"lead_mean": found["diff_mean"], "lead_ci_low": found["diff_ci_low"], "lead_ci_high": found["diff_ci_high"]}


def tornado_values(designs: Sequence[Scenario], names: list[str], parameters: list[Parameter], metrics: list[str],
                   seeds: list[int], evaluate: Evaluate) -> pd.DataFrame:
    """The tornado's runs, long: each parameter alone at each end of its range, or at
    every choice of a categorical one, all others as the design has them, on the same
    seeds. One row per design, metric, parameter and value (``position``: 0 and 1 for a
    range's ends, the choice's place in its list), with ``at`` the mean over ``seeds``,
    ``at_base`` the design as it is, and ``ci_low``/``ci_high`` the paired 95% interval
    of at - at_base over the seeds (NaN on one seed)."""
    scenarios, run_seeds, labels = [], [], []
    for d, design in enumerate(designs):
        scenarios.extend([design] * len(seeds))      # the design as it is: the tornado's centre line
        run_seeds.extend(seeds)
        labels.extend([(names[d], None, None, None)] * len(seeds))
        for p in parameters:
            for position, value in enumerate(tornado_ends(p)):
                # a key the design lacks leaves it as it is: its bar is the centre line, run again
                scenario = apply_own(design, {p.key: value}, [p], source="--uncertain")
                scenarios.extend([scenario] * len(seeds))
                run_seeds.extend(seeds)
                labels.extend([(names[d], p, position, value)] * len(seeds))
    values = evaluate(scenarios, run_seeds, metrics)
    frame = pd.DataFrame([{"design": n, "parameter": p.key if p else None, "position": i, **{m: out[m] for m in metrics}}
                          for (n, p, i, _), out in zip(labels, values)])
    value_at = {(n, p.key, i): v for n, p, i, v in labels if p is not None}
    from .compare import paired_difference

    centre_runs = frame[frame["parameter"].isna()]
    frame = frame[frame["parameter"].notna()]
    own = {(names[d], p.key): value_of(design, p.key) for d, design in enumerate(designs) for p in parameters}
    days_of = {names[d]: design.days for d, design in enumerate(designs)}
    rows = []
    # grouped by the value's place, not the value: choices 1, 1.0 and True are one key to pandas
    for (design, key, position), runs in frame.groupby(["design", "parameter", "position"], sort=False):
        centre = centre_runs[centre_runs["design"] == design]
        for metric in metrics:
            # each end ran on the centre's seeds, in their order: its bar's length (end - centre) has a paired interval
            at = centre[metric].to_numpy(dtype=float)
            length = paired_difference(at, runs[metric].to_numpy(dtype=float))
            low, high = length["diff_ci_low"], length["diff_ci_high"]
            if metric in DAY_METRICS:
                # a day lies in 1 .. the day after the horizon, so the end's mean, the centre's plus the change, does
                # too: a payback's tornado whiskers reached day -530 and 680 on a 150-day horizon, and, the change
                # alone cut to +-days, day -64 and 121
                end_days = value_at[design, key, position] if key == "days" else days_of[design]
                centre_mean = float(np.nanmean(at)) if np.isfinite(at).any() else math.nan
                if math.isfinite(centre_mean):
                    low, high = max(low, 1 - centre_mean), min(high, end_days + 1 - centre_mean)
            rows.append({"design": design, "metric": metric, "parameter": key, "position": int(position),
                         "value": value_at[design, key, position], "value_base": own[design, key],
                         "at_base": float(centre[metric].mean()), "at": float(runs[metric].mean()),
                         "ci_low": low, "ci_high": high, "replicates": len(seeds),
                         # each seed's value, in the seeds' order (at the end and as given): what tells one design's
                         # lead over another at a point from the runs' luck (tornado_disagreements)
                         "runs": tuple(runs[metric].to_numpy(dtype=float)), "base_runs": tuple(at)})
    return pd.DataFrame(rows)


def worst_corner(designs: Sequence[Scenario], names: list[str], parameters: list[Parameter], metrics: list[str],
                 metric: str, seeds: list[int], evaluate: Evaluate, result: "SensitivityResult") -> pd.DataFrame | None:
    """corner.csv: every assumption at once at the tornado end (or choice) least favourable
    to the decision's leader against its runner-up (flips.csv's), each design run there on
    the tornado's seeds. The decision reads each range part by part with the others drawn
    over theirs, and the tornado moves one assumption at a time, so neither sees a flip that
    needs two together: a $10 double-sided reward "hinged on none of the assumptions" over
    $20 to the referrer alone, and with both friend-side uplifts at the low ends of their
    ranges the referrer-only design was ahead, sure at 95%. One row per design: ``values``
    (the keys set, ``key=value; ...``; an assumption that moves neither design's lead at its
    ends is left as the designs have it), ``at`` (the mean), ``lead`` (the leader's value
    less the design's, in the metric's direction: below 0, the design is ahead) and its
    paired 95% interval over the seeds (NaN on one seed). None where the ends together make
    no valid scenario."""
    if result.flips is None or not len(result.flips) or result.tornado_values is None:
        return None
    sign = -1.0 if metric in MINIMISED else 1.0
    leader, runner_up = str(result.flips["leader"].iloc[0]), str(result.flips["runner_up"].iloc[0])
    ends = result.tornado_values[result.tornado_values["metric"] == metric]
    values = {}
    for p in parameters:
        by = {(r["design"], int(r["position"])): r for r in ends[ends["parameter"] == p.key].to_dict("records")}
        leads = [(sign * (float(np.mean(by[leader, i]["runs"])) - float(np.mean(by[runner_up, i]["runs"]))), i)
                 for i in range(len(tornado_ends(p))) if (leader, i) in by and (runner_up, i) in by]
        leads = [(lead, i) for lead, i in leads if math.isfinite(lead)]
        if leads and max(leads)[0] > min(leads)[0]:
            values[p.key] = tornado_ends(p)[min(leads)[1]]
    try:
        scenarios = [apply_own(design, values, parameters, source="--uncertain") for design in designs]
    except ScenarioError:   # the ends together are no scenario (promoters and passives above 1 together)
        return None
    outcomes = evaluate([s for s in scenarios for _ in seeds], [seed for _ in scenarios for seed in seeds], metrics)
    runs = np.array([[out[metric] for out in outcomes[d * len(seeds):(d + 1) * len(seeds)]] for d in range(len(designs))],
                    dtype=float)
    from .compare import paired_difference

    first = names.index(leader)
    text = "; ".join(f"{key}={value}" for key, value in values.items())
    rows = []
    for d, name in enumerate(names):
        lead = paired_difference(np.zeros(len(seeds)), sign * (runs[first] - runs[d]))
        rows.append({"design": name, "leader": leader, "metric": metric, "values": text,
                     "at": float(np.nanmean(runs[d])) if np.isfinite(runs[d]).any() else math.nan,
                     "lead": 0.0 if d == first else lead["diff_mean"],
                     "lead_ci_low": math.nan if d == first else lead["diff_ci_low"],
                     "lead_ci_high": math.nan if d == first else lead["diff_ci_high"], "replicates": len(seeds)})
    return pd.DataFrame(rows)


def edge_value(parameter: Parameter, u: float, upper: bool = False):
    """A part's edge as conditional.csv gives it: the value at ``u``, a float to 12
    significant digits (0.001:0.01's first quarter ended at 0.0032500000000000003).
    ``upper``: the part's upper end, which for whole numbers is the last one in the part,
    not the next part's first (parts 0–3, 3–7 of 0:14 overlapped at 3)."""
    if upper and parameter.kind == "int" and u < 1.0:
        u = math.nextafter(u, 0.0)
    value = parameter.from_unit(u)
    return float(f"{value:.12g}") if isinstance(value, float) else value


def tornado_ends(parameter: Parameter) -> tuple:
    """The values the tornado sets ``parameter`` to: the ends of its range, or every choice."""
    if parameter.kind == "categorical":
        return tuple(parameter.choices)
    return parameter.from_unit(0.0), parameter.from_unit(1.0)


def tornado_bars(values: pd.DataFrame, parameters: list[Parameter]) -> pd.DataFrame:
    """tornado.csv from :func:`tornado_values`: a row per design, metric and parameter.
    For a range, ``value_low``/``value_high`` are its ends; for a categorical parameter,
    whose choices have no order, the choices at which the metric is lowest and highest
    (``at_choices`` lists every choice's value, in the order given): its first and last
    choice were shown as the ends while the swing came from a middle one.
    ``swing`` = |at_high - at_low| (for a categorical parameter, largest minus smallest
    over all its choices). ``low_ci_low``/``low_ci_high`` (``high_…``): the paired 95%
    interval of at_low - at_base (at_high - at_base) over the seeds, NaN on one seed: a
    bar shorter than its luck read as an effect."""
    categorical = {p.key for p in parameters if p.kind == "categorical"}
    rows = []
    for (design, metric, key), group in values.groupby(["design", "metric", "parameter"], sort=False):
        group = group.sort_values("position")
        at = group["at"].to_numpy(dtype=float)
        low, high = 0, len(group) - 1
        if key in categorical and np.isfinite(at).any():
            finite = np.flatnonzero(np.isfinite(at))
            low = int(finite[np.argmin(at[finite])])                     # ties: the first listed ...
            high = int(finite[::-1][np.argmax(at[finite][::-1])])        # ... and the last, as a range's ends
        ends = group.iloc[[low, high]].to_dict("records")
        rows.append({"design": design, "metric": metric, "parameter": key, "value_low": ends[0]["value"],
                     "value_high": ends[1]["value"], "value_base": ends[0]["value_base"], "at_base": ends[0]["at_base"],
                     "at_low": ends[0]["at"], "at_high": ends[1]["at"],
                     "swing": float(group["at"].max() - group["at"].min()), "replicates": ends[0]["replicates"],
                     "low_ci_low": ends[0]["ci_low"], "low_ci_high": ends[0]["ci_high"],
                     "high_ci_low": ends[1]["ci_low"], "high_ci_high": ends[1]["ci_high"],
                     "at_choices": "; ".join(f"{r['value']}: {r['at']:.10g}" for r in group.to_dict("records"))
                     if key in categorical else ""})
    table = pd.DataFrame(rows)
    return table.sort_values(["design", "metric", "swing"], ascending=[True, True, False], kind="stable", ignore_index=True)


def tornado_lead_moves(result: "SensitivityResult", metric: str) -> dict[str, dict]:
    """The range assumptions whose ends, each alone in the tornado, move the leader's lead
    on the runner-up (flips.csv's) by more than the tornado's luck and by MATERIAL of the
    lead at the centre or more: per assumption, ``change`` (the lead at the high end less
    at the low end, in the metric's direction: larger is a wider lead), its paired 95%
    interval over the tornado's seeds (``ci_low``, ``ci_high``), ``replicates``, the ends
    (``low``, ``high``) and the lead at each (``lead_low``, ``lead_high``). The Sobol test calls an assumption's effect on the lead material by its share of
    the lead's variance, which another assumption can dominate: the report said "neither
    the best design nor the lead moves with: fraud.share" while its own tornado moved the
    lead by -237 (interval -346 to -127 over 6 runs, 16% of the lead). Empty on one seed,
    or where the runs are not at hand."""
    if result.flips is None or not len(result.flips) or getattr(result, "tornado_values", None) is None:
        return {}
    sign = -1.0 if metric in MINIMISED else 1.0
    leader, runner_up = result.flips["leader"].iloc[0], result.flips["runner_up"].iloc[0]
    points = tornado_points(result, metric)
    if "runs" not in points:
        return {}
    from .compare import paired_difference

    ranges = {p.key for p in result.parameters if p.kind != "categorical"}
    moves = {}
    for key, rows in points[points["parameter"].isin(ranges)].groupby("parameter", sort=False):
        by = {(r["design"], int(r["position"])): r for r in rows.to_dict("records")}
        if not all((d, i) in by for d in (leader, runner_up) for i in (0, 1)) or by[leader, 0]["replicates"] < 2:
            continue
        lead = [sign * (np.asarray(by[leader, i]["runs"], float) - np.asarray(by[runner_up, i]["runs"], float))
                for i in (0, 1)]
        centre = sign * (np.mean(by[leader, 0]["base_runs"]) - np.mean(by[runner_up, 0]["base_runs"]))
        change = paired_difference(lead[0], lead[1])
        told = change["diff_ci_low"] > 0 or change["diff_ci_high"] < 0
        if told and abs(change["diff_mean"]) >= MATERIAL * abs(centre) and abs(change["diff_mean"]) > 0:
            moves[key] = {"change": change["diff_mean"], "ci_low": change["diff_ci_low"], "ci_high": change["diff_ci_high"],
                          "replicates": int(by[leader, 0]["replicates"]), "low": by[leader, 0]["value"],
                          "high": by[leader, 1]["value"],
                          "lead_low": float(np.nanmean(lead[0])), "lead_high": float(np.nanmean(lead[1]))}
    return moves


def tornado_points(result: "SensitivityResult", metric: str) -> pd.DataFrame:
    """Every value the tornado set each parameter to, for ``metric``, as
    :func:`tornado_values` gives them; from tornado.csv's ends where the result has none."""
    values = getattr(result, "tornado_values", None)
    table = result.tornado[result.tornado["metric"] == metric]
    if values is not None:
        # in tornado.csv's order (its first design's widest swing first), as the ends were read before
        order = {key: i for i, key in enumerate(dict.fromkeys(table["parameter"]))}
        values = values[values["metric"] == metric]
        return values.iloc[np.argsort(values["parameter"].map(order).to_numpy(), kind="stable")]
    return pd.concat([table.assign(position=i, value=table[f"value_{end}"], at=table[f"at_{end}"],
                                   ci_low=table.get(f"{end}_ci_low", math.nan), ci_high=table.get(f"{end}_ci_high", math.nan))
                      for i, end in enumerate(("low", "high"))]).sort_index(kind="stable")


__all__ = ["worst_corner", "seeds_lead", "tornado_lead_moves", "SensitivitySettings", "SensitivityResult", "sensitivity", "constraint_table", "lost_in_luck", "told_from_luck", "check_settings", "planned_runs", "tornado_values", "tornado_bars", "tornado_replicates", "decision_table", "best_shares", "tornado_disagreements"]
