"""Running scenarios: replicates with spawned seeds, the no-program baseline on
the same seeds, and Monte Carlo summaries."""

from __future__ import annotations

import math
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .equality import FieldsEqual
from .config import RESERVED_CHANNEL_LABELS, NeverAsk, NoIncentive, Scenario, has_program
from .engine import Engine
from .executors import run_tasks
from .kernel import common_path, use_kernel
from .network import network_for
from .metrics import (net_value, COLUMN_INDEX, COUNT_COLUMNS, DAILY_COLUMNS, METRIC_BOUNDS, SUMMARY_METRICS, k_month_days, run_summary,
                      run_summary_and_k_by_month, t_quantile)
from .rng import draw_seed, replicate_seeds
from .state import STATE_NAMES
from .twins import scenario_key, twin_key, twin_run

if TYPE_CHECKING:  # pandas and scipy cost about a second to import: loaded where results are tabulated
    import pandas as pd

INCREMENTAL_METRICS = {
    "incremental_value": "(cumulative_profit + equity_final - rewards_owed - rewards_unpaid + pipeline_equity) minus the same for the no-program twin on the same seed: the headline [currency]",
    "incremental_roi": "incremental_value / the program's whole cost (program_cost + rewards_owed + rewards_unpaid: rewards paid, still owed or earned beyond the budget, and the levers' costs) [-]",
    "incremental_cac": "the program's whole cost (program_cost + rewards_owed + rewards_unpaid) per incremental customer (NaN when the program adds none, or loses some) [currency]",
    "incremental_cac_vs_paid": "incremental_cac / economics.paid_cac: below 1 the program beats paid acquisition (NaN without paid_cac) [-]",
    "payback_day": "first day from which cumulative incremental profit stays >= 0 (NaN if it ends below 0) [day]",
    "program_k": "cohort K minus the twin's cohort K: the referrals the program adds per customer [-]",
    "incremental_customers": "customers_final minus the no-program twin on the same seed [people]",
    "incremental_profit": "cumulative_profit over the horizon (1-year profit for 365 days) minus the twin's [currency]",
    "incremental_pipeline_equity": "pipeline_equity minus the twin's: the part of incremental_value that is referrals still converting at the horizon (the twin's word of mouth has leads too) [currency]",
    "incremental_equity": "equity_final minus the twin's: the part of incremental_value that is the margin the customers still active at the horizon are expected to bring beyond the twin's (customer equity) [currency]",
}


def whole_cost(metrics: dict[str, float]) -> float:
    """What the program's referrals within the horizon cost, the cost ``incremental_value``
    is net of: the rewards paid and the levers' costs (``program_cost``), the rewards
    still owed for referrals already made, and those earned beyond the budget. On
    ``program_cost`` alone a tighter budget bought cheaper customers by leaving their
    rewards unpaid, and a design paid on qualification looked cheaper than one paid at
    signup by the month of rewards it still owed."""
    return metrics["program_cost"] + metrics["rewards_owed"] + metrics["rewards_unpaid"]


def incremental_metrics(scenario: Scenario, metrics: dict[str, float], twin: dict[str, float],
                        daily: np.ndarray, twin_daily: np.ndarray) -> dict[str, float]:
    """The paired program-minus-twin metrics of one replicate (INCREMENTAL_METRICS);
    their means over replicates are means of paired differences."""
    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    value = net_value(metrics) - net_value(twin)
    extra = metrics["customers_final"] - twin["customers_final"]
    # account managers' time, and rewards owed or left unpaid, are as much a cost of the customers it brings as the rewards paid
    cost = whole_cost(metrics)
    cac = ratio(cost, extra) if extra > 0 else math.nan
    paid_cac = scenario.economics.paid_cac
    profit = COLUMN_INDEX["cumulative_profit"]
    gap = daily[:, profit] - twin_daily[:, profit]
    below = np.flatnonzero(gap[1:] < 0)  # day d is index d; day 0 is the common start
    payback = 1.0 if not len(below) else (float(below[-1] + 2) if below[-1] + 1 < len(gap) - 1 else math.nan)
    return {
        "incremental_value": value,
        "incremental_roi": ratio(value, cost),
        "incremental_cac": cac,
        "incremental_cac_vs_paid": ratio(cac, paid_cac) if paid_cac else math.nan,
        "payback_day": payback if has_program(scenario) else math.nan,   # no program: nothing to pay back
        # a twin with no customer whose window has elapsed has no K, and no tracked referral either
        "program_k": metrics["k_factor"] - (twin["k_factor"] if math.isfinite(twin["k_factor"]) else 0.0),
        "incremental_customers": extra,
        "incremental_profit": metrics["cumulative_profit"] - twin["cumulative_profit"],
        "incremental_pipeline_equity": metrics["pipeline_equity"] - twin["pipeline_equity"],
        # the report's "customer equity" part, which runs.csv could give only as what was left of the value
        "incremental_equity": metrics["equity_final"] - twin["equity_final"],
    }


@dataclass
class RunOutput:
    """What one replicate returns (small and picklable, for process pools and Dask)."""

    replicate: int
    seed: int
    daily: np.ndarray
    metrics: dict[str, float]
    people: pd.DataFrame | None = None
    baseline_daily: np.ndarray | None = None
    k_by_month: np.ndarray | None = None     # metrics.cohort_k_by_month: customers and referrals per join month


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals
class Results(FieldsEqual):
    """Everything ``simulate`` produced for one scenario (the tables of ``refsim run``'s folder).

    - ``scenario``: the scenario as run, its ``seed`` and ``replicates`` set
      (``simulate(results.scenario, kernel=results.kernel)`` reruns it, on the path it ran);
    - ``seeds``: replicate r's own seed (``ReferralModel(scenario, rng=seeds[r])`` steps through replicate r);
    - ``timeseries``: one row per replicate and day 0..days (timeseries.csv);
    - ``runs``: one row per replicate, its metrics (runs.csv);
    - ``summary``: one row per metric: mean, 95% interval of the mean, 2.5-97.5% range, n (summary.csv);
    - ``people``: one row per person of replicate 0 (with ``people=True``), else None;
    - ``baseline_timeseries``: the no-program twins' days (with ``baseline``), else None;
    - ``k_by_month``: cohort K by join month, one row per replicate and month;
    - ``kernel``: the path the runs took (True: the compiled kernel; False: the numpy
      stages, which ``compare`` gives every design when the kernel cannot run one of
      them): ``ReferralModel(scenario, rng=seeds[r], kernel=kernel)`` steps through
      replicate r on that path.
    """

    scenario: Scenario
    seeds: list[int]
    timeseries: pd.DataFrame
    runs: pd.DataFrame
    summary: pd.DataFrame
    people: pd.DataFrame | None = None
    baseline_timeseries: pd.DataFrame | None = field(default=None, repr=False)
    k_by_month: pd.DataFrame | None = field(default=None, repr=False)   # replicate, join_month, customers, referrals, k
    kernel: bool | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        # the dataclass repr printed the whole scenario and every frame: 9,500 characters for
        # 3 replicates of 3,000 people, what a notebook shows for ``results`` on its own line
        rows = rows_text
        return (f"Results(scenario={self.scenario.name!r}, days={self.scenario.days}, seed={self.scenario.seed}, "
                f"replicates={len(self.seeds)}, timeseries={rows(self.timeseries)}, runs={rows(self.runs)}, "
                f"summary={rows(self.summary)}, people={rows(self.people)}, "
                f"baseline_timeseries={rows(self.baseline_timeseries)}, k_by_month={rows(self.k_by_month)})")


def rows_text(frame) -> str:
    """A table in a result's repr: its size, not its rows (a notebook showing a result on its
    own line printed every frame and the whole scenario)."""
    return "None" if frame is None else f"<{len(frame):,} rows>"


def resolve_seed(scenario: Scenario, seed: int | None = None) -> Scenario:
    """The scenario with its seed set: the one given, the file's, or a fresh one (recorded)."""
    chosen = seed if seed is not None else scenario.seed
    if chosen is None:
        chosen = draw_seed()
    return scenario.model_copy(update={"seed": int(chosen)})


#: The program levers a no-program twin goes without.
PROGRAM_LEVERS_OFF = {"influencers": None, "targeting": None, "delight": None, "staff": None}


def baseline_of(scenario: Scenario) -> Scenario:
    """The same scenario with no program: nobody is asked and nothing is paid, and the
    program's levers (influencers, targeted asking, delight, staff) are off
    (spontaneous word of mouth stays: it exists without any program; so do the
    population's initial customers, renewal contracts and the sales pipeline)."""
    program = scenario.program.model_copy(update={"incentive": NoIncentive(kind="none"), "timing": NeverAsk(kind="never"),
                                                  **PROGRAM_LEVERS_OFF})
    return scenario.model_copy(update={"program": program, "name": f"{scenario.name} (no program)"})


@dataclass(frozen=True)
class Twin:
    """A design's no-program twin (:func:`baseline_of`) and its scenario's part of the
    twin store's key (twins.scenario_key): alike on every replicate, made once per design."""

    scenario: Scenario
    key: str


def twin_of(scenario: Scenario) -> Twin:
    baseline = baseline_of(scenario)
    return Twin(baseline, scenario_key(baseline))


def run_replicate(scenario: Scenario, replicate: int, seed: int, *, people: bool = False, baseline: bool = False,
                  kernel: bool | None = None, twin: Twin | None = None) -> RunOutput:
    """One run of ``scenario`` from ``seed``; with ``baseline`` also its no-program twin
    on the same seed and graph, for incremental metrics. The twin runs on the design's
    path (kernel or numpy stages): the two paths draw differently, and a pair on two
    paths would lose its common random numbers. ``twin``: ``twin_of(scenario)``, when
    the caller made it once for several replicates."""
    # built once per process for this seed and shared: the twin below and every design compared on this seed
    engine = Engine(scenario, seed, network=network_for(scenario.network, scenario.population.size, seed),
                    kernel=kernel).run()
    metrics, k_by_month = run_summary_and_k_by_month(engine)
    twin_daily = None
    if baseline:
        twin_daily, twin_summary = _twin(twin if twin is not None else twin_of(scenario), seed, engine)
        metrics.update(incremental_metrics(scenario, metrics, twin_summary, engine.daily, twin_daily))
    return RunOutput(replicate, seed, engine.daily, metrics, people_frame(engine) if people else None, twin_daily,
                     k_by_month)


def _twin(twin: Twin, seed: int, engine: Engine) -> tuple[np.ndarray, dict[str, float]]:
    """The no-program twin's daily table and summary on ``engine``'s seed and graph: run
    once per process for designs that differ only in their program (simulator.twins)."""

    def run() -> tuple[np.ndarray, dict[str, float]]:
        # the twin takes the design's program-free set-up draws (scores, organic days, initial customers)
        engine_twin = Engine(twin.scenario, seed, network=engine.network, kernel=engine.uses_kernel, draws=engine.draws).run()
        return engine_twin.daily, run_summary(engine_twin)

    return twin_run(twin_key(twin.scenario, seed, engine.uses_kernel, twin.key), engine.network, run)


def simulate(scenario: Scenario, replicates: int | None = None, seed: int | None = None, *, people: bool = True,
             baseline: bool | None = None, progress: Callable[[int], None] | None = None, workers: int | None = 1,
             executor: str | None = None, scheduler: str | None = None, kernel: bool | None = None) -> Results:
    """Run ``replicates`` replicates of ``scenario`` (seeds spawned from the scenario seed).

    ``baseline`` (default: when the scenario has a program) also runs the
    no-program design on the same seeds and adds the incremental metrics.
    ``people`` keeps the per-person table of replicate 0. ``progress`` is called
    with 1 after each replicate. ``workers`` (default 1, in this process; None: one
    process per core, as ``refsim run`` does), ``executor`` (``local``, ``serial``
    or ``dask``; default local, or dask when ``scheduler`` is given) and ``scheduler``
    (a Dask address) say where replicates run; the
    seed of replicate r never depends on them, so the results are identical. A local
    Dask cluster (``executor="dask"`` without a scheduler) starts its workers by
    importing the calling script again: call it under ``if __name__ == "__main__":``.

    ``replicates`` and ``seed`` default to the scenario's (a scenario without a seed
    gets a fresh one, recorded in ``results.scenario.seed``); ``results.seeds[r]`` is
    replicate r's own seed, spawned from it. ``refsim run`` with the same scenario,
    ``--seed`` and ``--replicates`` writes the same numbers. A mistake in the
    arguments, or a scenario that ``model_copy(update=...)`` made invalid, raises
    one line (ScenarioError or TypeError) naming the argument or key.

    ``kernel`` is the path, as ReferralModel's: None (REFSIM_ENGINE; by default the
    compiled kernel wherever it runs), True or False (the numpy stages). A design
    ``compare`` ran on the numpy stages (it runs every design there when the kernel
    cannot run one of them) is rerun with ``simulate(design.scenario,
    kernel=design.kernel)``.
    """
    from .scenario_io import check_execution, check_scenario, check_seed_and_replicates, check_switches

    scenario = check_scenario(scenario, "simulate")
    check_seed_and_replicates("simulate", seed=seed, replicates=replicates, workers=workers)
    check_switches("simulate", people=people, baseline=baseline, progress=progress, kernel=kernel)
    executor = check_execution("simulate", executor, scheduler)
    people = True if people is None else people   # None is the default, as check_switches says (it dropped the table)
    scenario = resolve_seed(scenario, seed)
    count = scenario.replicates if replicates is None else int(replicates)
    scenario = scenario.model_copy(update={"replicates": count})
    if baseline is None:
        baseline = has_program(scenario)
    return run_designs([scenario], people=people, baseline=baseline, progress=progress, workers=workers,
                       executor=executor, scheduler=scheduler, kernel=kernel)[0]


@dataclass(frozen=True)
class ReplicateTask:
    """One replicate of one design, as sent to a worker."""

    design: int
    scenario: Scenario
    replicate: int
    seed: int
    people: bool
    baseline: bool
    kernel: bool | None = None
    twin: Twin | None = None   # the design's, when baseline: made once for all its replicates


def run_task(task: ReplicateTask) -> tuple[int, RunOutput]:
    return task.design, run_replicate(task.scenario, task.replicate, task.seed, people=task.people, baseline=task.baseline,
                                      kernel=task.kernel, twin=task.twin)


def run_designs(scenarios: list[Scenario], *, people: bool = False, baseline: bool = False,
                progress: Callable[[int], None] | None = None, workers: int | None = 1, executor: str = "local",
                scheduler: str | None = None, kernel: bool | None = None) -> list[Results]:
    """Run every design for its ``replicates`` from its own seed, all replicates of all
    designs in one pool; designs that share a seed share replicate seeds (common random
    numbers). Results come back sorted by replicate whatever the order runs finished in.
    ``kernel``: the path for all (None: kernel.common_path)."""
    seeds = [replicate_seeds(s.seed, s.replicates) for s in scenarios]
    if kernel is None:
        kernel = common_path(scenarios)  # compared designs share one path, and so their luck
    else:   # asked for the kernel where it cannot run: one line (use_kernel)
        kernel = all([use_kernel(s, bool(kernel)) for s in scenarios])
    twins = [twin_of(s) if baseline else None for s in scenarios]
    tasks = (ReplicateTask(d, s, r, seeds[d][r], people and r == 0, baseline, kernel, twins[d])
             for d, s in enumerate(scenarios) for r in range(s.replicates))
    outputs: list[list[RunOutput]] = [[] for _ in scenarios]
    with closing(run_tasks(run_task, tasks, executor=executor, workers=workers, scheduler=scheduler)) as finished:
        for design, output in finished:
            outputs[design].append(output)
            if progress:
                progress(1)
    return [collect(s, seeds[d], outputs[d], kernel) for d, s in enumerate(scenarios)]


def collect(scenario: Scenario, seeds: list[int], outputs: list[RunOutput], kernel: bool | None = None) -> Results:
    outputs = sorted(outputs, key=lambda o: o.replicate)
    baseline_runs = [RunOutput(o.replicate, o.seed, o.baseline_daily, {}) for o in outputs if o.baseline_daily is not None]
    runs = runs_frame(scenario.name, outputs)
    return Results(
        scenario=scenario,
        seeds=seeds,
        timeseries=timeseries_frame(scenario.name, outputs),
        runs=runs,
        summary=summarize(runs, [scenario]),
        people=next((o.people for o in outputs if o.people is not None), None),
        baseline_timeseries=timeseries_frame(baseline_of(scenario).name, baseline_runs) if baseline_runs else None,
        k_by_month=k_by_month_frame(scenario, outputs),
        kernel=kernel,
    )


def k_by_month_frame(scenario: Scenario, outputs: list[RunOutput]) -> pd.DataFrame | None:
    """One row per replicate and join month: the join days it counts (the last month
    only those whose K window closed by the horizon), the cohort's customers, their
    tracked referrals within the K window, and K = referrals / customers (NaN for an
    empty month)."""
    import pandas as pd

    spans = k_month_days(scenario.days, scenario.k_window_days)
    rows = [{"scenario": scenario.name, "replicate": o.replicate, "join_month": month, "first_day": spans[month][0],
             "last_day": spans[month][1], "customers": int(c), "referrals": int(r), "k": r / c if c else math.nan}
            for o in outputs if o.k_by_month is not None for month, (c, r) in enumerate(o.k_by_month.T)]
    if not any(o.k_by_month is not None for o in outputs):
        return None
    # no month's K window closed by the horizon: the table with its columns and no row (a results folder
    # without the file it always has read as a fault)
    return pd.DataFrame(rows, columns=K_BY_MONTH_COLUMNS)


#: The columns of k_by_month.csv.
K_BY_MONTH_COLUMNS = ("scenario", "replicate", "join_month", "first_day", "last_day", "customers", "referrals", "k")


def timeseries_frame(name: str, outputs: list[RunOutput]) -> pd.DataFrame:
    import pandas as pd

    # one frame from whole columns: building it per replicate, column by column, cost
    # more than the kernel's runs it tabulates
    if not outputs:
        return pd.DataFrame(columns=["scenario", "replicate", "day", *DAILY_COLUMNS])
    daily = np.concatenate([out.daily for out in outputs])
    lengths = [len(out.daily) for out in outputs]
    columns = {"scenario": np.full(len(daily), name, dtype=object),
               "replicate": np.repeat([out.replicate for out in outputs], lengths),
               "day": np.concatenate([np.arange(n) for n in lengths])}
    for k, column in enumerate(DAILY_COLUMNS):
        columns[column] = daily[:, k].astype(np.int64) if column in COUNT_COLUMNS else daily[:, k]
    return pd.DataFrame(columns)


def runs_frame(name: str, outputs: list[RunOutput]) -> pd.DataFrame:
    import pandas as pd

    rows = [{"scenario": name, "replicate": o.replicate, "seed": o.seed, **o.metrics} for o in outputs]
    return pd.DataFrame(rows)


def interval(values: np.ndarray, level: float = 0.95, metric: str | None = None) -> dict[str, float]:
    """Mean, the t-interval of the mean (Monte Carlo uncertainty) and the 2.5-97.5%
    range of outcomes (run-to-run spread), ignoring NaN runs. Given the ``metric``,
    the interval of the mean is cut to the values it can take (METRIC_BOUNDS)."""
    values = np.asarray(values, dtype=np.float64)
    return intervals(values[np.isfinite(values)][np.newaxis, :], level, None if metric is None else [metric])[0]


def intervals(table: np.ndarray, level: float = 0.95, metrics: Sequence[str] | None = None) -> list[dict[str, float]]:
    """:func:`interval` of each row of ``table`` (one row of values per metric, named by
    ``metrics`` when the intervals are to be cut to their values). The rows
    with no NaN or infinite value go through numpy together, each reduced as the
    contiguous row it is, so that numpy sums it pairwise as it sums a 1-d array: every
    figure is what the row alone gives, bit for bit. A row with a NaN or an infinity
    goes through :func:`interval`, which leaves those values out. A simulate of 10
    replicates spent 8 ms on its 23 intervals one by one, more than a replicate of the
    cascade costs."""
    table = np.asarray(table, dtype=np.float64)
    n = table.shape[1]
    out: list[dict[str, float]] = [{"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p2_5": math.nan,
                                    "p97_5": math.nan, "n": 0} for _ in range(len(table))]
    if n == 0:
        return out
    whole = np.isfinite(table).all(axis=1)
    rows = np.flatnonzero(whole)
    if len(rows):
        values = np.ascontiguousarray(table[rows])
        means = values.mean(axis=1)
        if n > 1:
            halves = t_quantile(0.5 + level / 2, n - 1) * values.std(axis=1, ddof=1) / math.sqrt(n)
        else:
            halves = np.full(len(rows), math.nan)
        lows, highs = np.percentile(values, [2.5, 97.5], axis=1)  # one sort for both
        for row, mean, half, low, high in zip(rows, means, halves, lows, highs):
            mean, half = float(mean), float(half)
            out[row] = {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "p2_5": float(low),
                        "p97_5": float(high), "n": n}
    for row in np.flatnonzero(~whole):
        out[row] = interval(table[row], level)
    for summary, metric in zip(out, metrics or ()):
        low, high = METRIC_BOUNDS.get(metric, (-math.inf, math.inf))
        if summary["ci_low"] < low:   # NaN compares False: left as it is
            summary["ci_low"] = low
        if summary["ci_high"] > high:
            summary["ci_high"] = high
    return out


def summarize(runs: pd.DataFrame, scenarios: Sequence[Scenario] = ()) -> pd.DataFrame:
    """One row per scenario and metric: mean, 95% interval of the mean, outcome range.
    Given the ``scenarios`` (by name), an interval of the mean stops where no run of its
    scenario can reach (evaluation.ceiling: its last day for a day, its total budget for
    the reward spend): a payback day's interval over the 4 of 6 runs that paid back ran
    to day 379 of a 365-day run."""
    import pandas as pd

    from .evaluation import BOUNDED, capped_as, ceiling

    by_name = {s.name: s for s in scenarios}
    metrics = [m for m in [*SUMMARY_METRICS, *INCREMENTAL_METRICS] if m in runs.columns]
    rows = []
    # one scenario (what simulate gives) needs no grouping: a groupby costs more than the intervals
    names = runs["scenario"].unique() if len(runs) else []
    groups = [(names[0], runs)] if len(names) == 1 else runs.groupby("scenario", sort=False)
    for name, group in groups:
        table = group[metrics].to_numpy(dtype=np.float64).T  # one row per metric
        for metric, summary in zip(metrics, intervals(table, metrics=metrics)):
            capped = capped_as(metric, group)   # program_cost that is the reward spend: under the budget too
            if capped in BOUNDED and name in by_name:
                summary["ci_high"] = min(summary["ci_high"], ceiling(by_name[name], capped))
            rows.append({"scenario": name, "metric": metric, **summary})
    return pd.DataFrame(rows)


def people_frame(engine: Engine) -> pd.DataFrame:
    """One row per person: the who-referred-whom tree of one run (columns: docs/model.md,
    section 3, "The people table")."""
    import pandas as pd

    p = engine.people
    labels = [*RESERVED_CHANNEL_LABELS] + [c.label for c in engine.scenario.program.channels]
    return pd.DataFrame({
        "id": np.arange(p.n, dtype=np.int64),
        "state": _labelled(p.state, list(STATE_NAMES)),
        "adopted_day": p.adopted_day,
        "referred_by": p.referred_by,
        "channel": _labelled(p.channel.astype(np.int64) + 3, labels),
        "satisfaction": p.satisfaction,
        "churn_day": p.churn_day,
        "with_fake_account": p.fraud,
        "tracked": p.tracked & (p.referred_by >= 0),
        "rewarded": p.rewarded,
        "rewards_earned": p.rewards_earned,
        "reward_value": p.reward_value,
        "revenue": engine.revenue_to_date(),
    })


def _labelled(codes: np.ndarray, labels: list[str]):
    """``labels[codes]`` as a column of pandas' default string type. Where that type is
    arrow-backed, the column is decoded from an arrow dictionary: several times faster
    than converting one Python string per person (about 10 ms per 100,000 people)."""
    import pandas as pd

    dtype = pd.Series(labels).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        arrow_type = pa.large_string()
        decoded = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(labels, arrow_type)).dictionary_decode()
        return decoded.to_pandas(types_mapper={arrow_type: dtype}.get)
    return pd.Series(np.asarray(labels, dtype=object)[codes], dtype=dtype)


__all__ = ["Results", "RunOutput", "simulate", "run_designs", "run_replicate", "summarize", "interval", "intervals",
           "resolve_seed", "baseline_of", "people_frame", "collect"]
