"""How the decision computations run the simulator: metrics by name, one run per
(scenario, seed) pair, on any executor, results back in request order.

``optimize``, ``sensitivity`` and ``calibrate`` take an ``evaluate`` argument with
the signature of :class:`Evaluator` -- ``evaluate(scenarios, seeds, metrics,
daily=False) -> list[dict]`` -- so a caller can pass the local pool, Dask, or (in
tests) a closed-form function of the scenario. Each result is a function of its
own (scenario, seed) alone, so the order in which an executor finishes runs never
changes a number.
"""

from __future__ import annotations

import difflib
import math
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from . import metrics as metrics_module
from .config import Scenario
from .errors import ScenarioError
from .executors import run_tasks
from .run_cache import fresh_copy
from .runner import INCREMENTAL_METRICS, run_replicate

#: Metrics where smaller is better; every other metric is maximised by default.
MINIMISED = {"reward_cost", "fraud_cost", "program_cost", "rewards_owed", "cost_per_referred_customer", "incremental_cac", "incremental_cac_vs_paid", "payback_day",
             "budget_exhausted_day", "rewards_unpaid"}

#: Metrics a total reward budget caps: no run of a scenario with one spends more.
BUDGET_CAPPED = frozenset({"reward_cost", "fraud_cost"})


#: Metrics that are days of the run: none can come after its last day.
DAY_METRICS = frozenset({"budget_exhausted_day", "payback_day"})
#: Counts of people: no run has more than its population (an interval of the final customers of a
#: 300-person market ran to 328).
PEOPLE_METRICS = frozenset({"customers_final", "adopters", "referred_customers", "word_of_mouth_customers"})
#: Metrics with a ceiling in some scenarios (``ceiling``).
BOUNDED = BUDGET_CAPPED | DAY_METRICS | PEOPLE_METRICS


def capped_as(metric: str, runs) -> str:
    """The metric whose ceiling (:func:`ceiling`) caps ``metric`` over ``runs`` (a table
    with a column per metric): ``program_cost`` is the reward spend where the levers
    cost nothing in every run, so a total budget caps it as it caps ``reward_cost`` (one
    column had two intervals, one past the budget); else ``metric`` itself."""
    if metric == "program_cost" and "reward_cost" in runs and "program_cost" in runs:
        import numpy as np

        if np.array_equal(np.asarray(runs["program_cost"], dtype=float), np.asarray(runs["reward_cost"], dtype=float)):
            return "reward_cost"
    return metric


def ceiling(scenario, metric: str) -> float:
    """The most ``metric`` can be in any run of ``scenario``: for the reward spend its
    total reward budget, or its monthly allowance over the months begun by the last day
    if less (each stops the rewards when spent), its last day for a day, its population
    for the final customers and the people who are not initial customers for a count of
    those who joined (adopters, referred, word of mouth), else unbounded.
    A t-interval of the mean knows nothing of such a bound and can reach past it (a
    budget day's interval ran to day 249 of a 240-day run; an allowance of 100 a month,
    1,200 over a year, had its reward_cost interval run to 1,464)."""
    if metric in DAY_METRICS:
        return float(scenario.days)
    if metric in PEOPLE_METRICS:   # those who joined during the run: the initial customers are none of them
        population = scenario.population
        if metric == "customers_final":
            return float(population.size)
        seeds = population.seed_count
        seeds = seeds if seeds is not None else len(set(population.initial_customers))
        return float(population.size - seeds)
    if metric not in BUDGET_CAPPED:
        return math.inf
    return spend_cap(scenario)[0]


#: The keys that move each bound on the reward spend (spend_cap): a study varying one cannot count on it.
SPEND_BOUND_KEYS = {"budget": ("program.incentive.budget",),
                    "allowance": ("program.incentive.budget_per_month", "days")}


def spend_cap(scenario, varied=()) -> tuple[float, str]:
    """The most a run of ``scenario`` can spend on rewards and what sets it: ``"budget"``
    (its total budget), ``"allowance"`` (its monthly allowance over the months begun by
    the last day, where that is less), or ``""`` (nothing: unbounded). A bound whose keys
    (SPEND_BOUND_KEYS) are among ``varied``, a study's varied keys, is left out, the other
    kept: a total budget no point varied went unsaid where the allowance was varied."""
    incentive = getattr(getattr(scenario, "program", None), "incentive", None)
    caps = [(float(incentive.budget), "budget")] if getattr(incentive, "budget", None) is not None else []
    if (monthly := getattr(incentive, "budget_per_month", None)) is not None:
        from .behaviour.budget import months_begun

        caps.append((float(monthly) * months_begun(scenario.days), "allowance"))
    caps = [(cap, by) for cap, by in caps if not set(SPEND_BOUND_KEYS[by]) & set(varied)]
    return min(caps, key=lambda cap: cap[0], default=(math.inf, ""))


def never_after_horizon(value: float, metric: str, days: int) -> float:
    """A day metric of a run where the day never came, counted as the day after the
    horizon (``days + 1``): a payback that never came is later than any day, and a budget
    that never ran out lasted past every day. A mean over every run can then rank and
    constrain designs; over only the runs where the day came, a design paying back in 2
    of 20 runs kept ``payback_day<=120``, and one whose budget never ran out failed
    ``budget_exhausted_day>=200``. Other metrics, and days that came, as they are."""
    return float(days + 1) if metric in DAY_METRICS and not math.isfinite(value) else float(value)


def days_counted(evaluate: "Evaluate") -> "Evaluate":
    """``evaluate`` with every day metric of a run counted by :func:`never_after_horizon`
    (a payback that never came is the day after the horizon): a study over the points of
    an uncertainty needs a number at each, and a NaN at one point stopped a sensitivity
    analysis of ``payback_day`` after every run had finished."""
    def counted(scenarios: Sequence[Scenario], seeds: Sequence[int], metrics: Sequence[str],
                daily: bool = False) -> list[dict[str, Any]]:
        values = evaluate(scenarios, seeds, metrics, daily=daily)
        days = [m for m in metrics if m in DAY_METRICS]
        # new dicts: a run an evaluator keeps (run_cache) stays as the run gave it
        return [{**run, **{m: never_after_horizon(run[m], m, scenario.days) for m in days}}
                for scenario, run in zip(scenarios, values)]

    return counted


class Evaluate(Protocol):
    def __call__(self, scenarios: Sequence[Scenario], seeds: Sequence[int], metrics: Sequence[str],
                 daily: bool = False) -> list[dict[str, Any]]: ...


def known_metrics() -> dict[str, str]:
    """Every metric a run reports, with its meaning: the run summary, the incremental
    metrics against the no-program twin, and any decision metrics the metrics module
    declares."""
    return {**metrics_module.SUMMARY_METRICS, **INCREMENTAL_METRICS, **getattr(metrics_module, "DECISION_METRICS", {})}


def check_metric(metric: str, *, source: str = "--objective", refused: Sequence[str] = ()) -> str:
    """``metric`` if it is one a run records, else one ScenarioError line with the closest
    name and the valid ones; ``refused``: metrics the caller refuses anyway, left out of
    both (decide's list named reward_cost among the valid ones, then refused it)."""
    known = [m for m in known_metrics() if m not in refused]
    if metric not in known and metric in refused:
        return metric   # the caller refuses it, saying why
    if metric not in known:
        hint = difflib.get_close_matches(metric, list(known), n=1, cutoff=0.6)
        raise ScenarioError(f"unknown metric '{metric}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
                            + f" valid metrics: {', '.join(known)}", key=source)
    return metric


#: Ratios over what a program spends or adds: undefined in every run of a design without a
#: program (nothing spent, no customer added over its twin, which it is).
PROGRAM_RATIOS = ("incremental_roi", "incremental_cac", "incremental_cac_vs_paid", "attributed_roi",
                  "cost_per_referred_customer")


#: What customer equity enters: infinite, or no number, where equity is infinite (infinite_equity).
EQUITY_METRICS = ("incremental_value", "incremental_roi", "incremental_cac_vs_paid", "equity_final", "pipeline_equity",
                  "incremental_pipeline_equity", "incremental_equity", "ltv_referred", "ltv_organic", "ltv_ratio")


#: The metrics counted over each design's K window (``k_window_days``).
K_METRICS = frozenset({"k_factor", "program_k"})


def never_churn_keys(scenario: Scenario) -> list[str]:
    """The churn keys at 0 that leave some customers a hazard of 0: the monthly rate (every
    customer), the referred hazard ratio (referred customers), a segment's multiplier."""
    churn = scenario.churn
    keys = [f"churn.satisfaction_multipliers.{segment}"
            for segment, value in churn.satisfaction_multipliers.model_dump().items() if value == 0]
    if churn.referred_hazard_ratio == 0:
        keys.insert(0, "churn.referred_hazard_ratio")
    return ["churn.monthly_rate"] if churn.monthly_rate == 0 else keys


def infinite_equity(scenario: Scenario) -> bool:
    """Whether some customer's equity is infinite: no discounting, a margin, and a churn
    hazard of 0 for some customers (:func:`never_churn_keys`), who earn margin for ever."""
    return (scenario.economics.annual_discount_rate == 0 and scenario.economics.monthly_margin > 0
            and bool(never_churn_keys(scenario)))


def equity_made_finite(scenario: Scenario, varied: Sequence[str]) -> bool:
    """Whether a study varying ``varied`` can give ``scenario`` finite equity: it varies
    the discount rate, or every churn key at 0 (varying the referred ratio leaves a
    monthly rate of 0 a hazard of 0 for everyone). Not the margin: only a margin of 0
    is worth nothing for ever, and a range of margins ran every trial undefined."""
    def under(key: str) -> bool:
        return any(v == key or key.startswith(v + ".") or v.startswith(key + ".") for v in varied)

    return under("economics.annual_discount_rate") or all(under(key) for key in never_churn_keys(scenario))


def check_defined(designs: Sequence[Scenario], metrics: Sequence[str], varied: Sequence[str] = (), *,
                  names: Sequence[str] | None = None, source: str = "--metric") -> None:
    """Refuse, before any run, a ratio of PROGRAM_RATIOS asked of a design without a
    program (unless the study varies its timing or incentive, which can make it one):
    it is NaN at every point, and a sensitivity found so only after all its runs,
    advising to narrow the ranges, which cannot help. So too a metric of EQUITY_METRICS
    where equity is infinite (:func:`infinite_equity`) and the study cannot make it
    finite (:func:`equity_made_finite`): an optimisation failed every trial, then exited
    0; and K of designs measured over other windows (compare.check_k_window)."""
    from .config import has_program

    if len(designs) > 1 and K_METRICS & set(metrics) and "k_window_days" not in varied:
        from .compare import check_k_window   # K of designs measured over other windows: compare refuses it too

        check_k_window(list(designs), list(names) if names else None)
    equity = [m for m in dict.fromkeys(metrics) if m in EQUITY_METRICS]
    # a base whose own margin is 0 has finite equity, but not at the margins a study gives it above 0
    margined = any(v == "economics.monthly_margin" or v == "economics" for v in varied)
    for i, design in enumerate(designs if equity else ()):
        infinite = infinite_equity(design) or (margined and design.economics.annual_discount_rate == 0
                                              and bool(never_churn_keys(design)))
        if infinite and not equity_made_finite(design, varied):
            name = names[i] if names else design.name
            zero = ", ".join(f"{key}: 0" for key in never_churn_keys(design))
            raise ScenarioError(f"{equity[0]} is infinite or undefined in every run of {name}: with no discounting "
                                f"(economics.annual_discount_rate: 0) a customer who never churns ({zero}) is worth "
                                f"margin for ever; give a discount rate above 0 (--set economics.annual_discount_rate=0.1, "
                                f"the default), or use another metric (customers_final, cumulative_profit...)", key=source)
    if any(v.startswith(("program.timing", "program.incentive")) for v in varied):
        return
    asked = [m for m in dict.fromkeys(metrics) if m in PROGRAM_RATIOS]
    for i, design in enumerate(designs):
        if asked and not has_program(design):
            name = names[i] if names else design.name
            raise ScenarioError(f"{asked[0]} is undefined in every run of {name}, which has no program (nothing spent "
                                f"and no customer added: a ratio with nothing to divide by); use another metric "
                                f"(incremental_value, customers_final...), or leave {name} out", key=source)


#: The keys that move each scenario's ceiling of a metric (ceiling): a study varying one cannot count on it.
CEILING_KEYS = {**{m: ("days",) for m in DAY_METRICS},
                **{m: ("population", "network") for m in (*PEOPLE_METRICS, "incremental_customers")},
                # a spend's: its total budget and allowance (a kind varied brings its own block), and the horizon an
                # allowance counts months over; a reward's size or an uplift moves no budget
                **{m: (*SPEND_BOUND_KEYS["budget"], *SPEND_BOUND_KEYS["allowance"], "program.incentive.kind")
                   for m in BUDGET_CAPPED}}


def check_reachable(designs: Sequence[Scenario], constraints, varied: Sequence[str] = (), *,
                    names: Sequence[str] | None = None, source: str = "--constraint") -> None:
    """Refuse, before any run, a constraint ``METRIC>=LIMIT`` above what ``METRIC`` can
    reach in any run of every design (:func:`ceiling`; a day that never came counts as
    the day after the horizon, as constraints judge it), where the study varies nothing
    that moves that ceiling: 'customers_final>=1000000' in a market of 2,000 ran a whole
    study to "no candidate kept every constraint", exit 0 (a limit past a metric's fixed
    floor or ceiling, such as 'reward_cost<=-5', is refused where it is read)."""
    def moved(metric: str) -> bool:
        keys = CEILING_KEYS[metric]
        return any(v == k or v.startswith(k + ".") or k.startswith(v + ".") for v in varied for k in keys)

    def top(design, metric: str) -> float:
        if metric == "incremental_customers":   # the design's customers less its twin's: at most its population
            return ceiling(design, "customers_final")
        return ceiling(design, metric) + (1 if metric in DAY_METRICS else 0)

    for constraint in constraints:
        if constraint.op != ">=" or constraint.metric not in CEILING_KEYS or moved(constraint.metric):
            continue
        tops = [top(d, constraint.metric) for d in designs]
        if not tops or max(tops) >= constraint.limit:
            continue
        highest = max(tops)
        what = ("the day after its horizon, a day that never came" if constraint.metric in DAY_METRICS else
                "its population" if constraint.metric in ("customers_final", "incremental_customers") else
                "its people who were not customers at the start" if constraint.metric in PEOPLE_METRICS else
                "what its reward budget lets it spend")
        named = (names[0] if names else designs[0].name) if len(designs) == 1 else "any of the designs"
        raise ScenarioError(f"'{constraint}' can never hold: {constraint.metric} is at most {highest:,.15g} in every run "
                            f"of {named} ({what}); valid: a limit up to {highest:,.15g}", key=source)


def needs_baseline(metrics: Sequence[str]) -> bool:
    """Anything beyond a run's own summary is measured against the no-program design on
    the same seed (incremental and decision metrics)."""
    return any(m not in metrics_module.SUMMARY_METRICS for m in metrics)


@dataclass(frozen=True)
class RunRequest:
    index: int
    scenario: Scenario
    seed: int
    metrics: tuple[str, ...]
    baseline: bool
    daily: bool
    kernel: bool | None = None


def run_request(request: RunRequest) -> tuple[int, dict[str, Any]]:
    """One run (on a worker): the named metrics (NaN when the run does not report one)
    and, on request, the daily table."""
    output = run_replicate(request.scenario, 0, request.seed, baseline=request.baseline, kernel=request.kernel)
    values: dict[str, Any] = {m: float(output.metrics.get(m, math.nan)) for m in request.metrics}
    if request.daily:
        values["daily"] = output.daily
    return request.index, values


class Evaluator:
    """Runs (scenario, seed) pairs on an executor (``serial``, ``local`` pool or ``dask``)."""

    def __init__(self, executor: str = "serial", workers: int | None = 1, scheduler: str | None = None,
                 progress: Callable[[int], None] | None = None, common: bool = False, cache: Any = None,
                 path: bool | None = None):
        """``progress`` is called with 1 after each finished run (for a progress bar);
        ``common``: every run of a call on the path all its scenarios can share
        (:meth:`on_common_path`), else each on its own; ``cache``: a run_cache.RunCache
        whose kept runs are read back instead of run, and which keeps every run made;
        ``path``: every run on the kernel (True) or the numpy stages (False), decided once
        for a whole study (:meth:`on_study_path`)."""
        self.executor, self.workers, self.scheduler, self.progress = executor, workers, scheduler, progress
        self.common, self.cache, self.path = common, cache, path

    def on_common_path(self) -> "Evaluator":
        """This evaluator with the runs of each call on the path all of them can share
        (kernel.common_path, judged on the scenarios as they run, the study's values
        applied): designs weighed against each other on the same seeds must draw alike,
        as in ``compare``. Beside a design the kernel cannot run (account managers'
        targeting), another ran on the kernel and the pairs lost their common random
        numbers (correlation 0.22 against 0.54 on one path); judged on the designs before
        the values were applied, a churn rate that made one of them need the numpy
        stages split the pairs again."""
        return Evaluator(self.executor, self.workers, self.scheduler, self.progress, common=True, cache=self.cache,
                         path=self.path)

    def on_study_path(self, designs: Sequence[Scenario], parameters: Sequence[Any]) -> "Evaluator":
        """This evaluator with every run of a study on one path, decided before it starts:
        the numpy stages where the kernel cannot run a design with an end of a range (a
        choice) applied. optimize's trials share their seeds and are weighed against each
        other, but each ran on its own path: a lever switched on (numpy) beside off
        (kernel) drew other luck, and a lever that does nothing could win."""
        from .kernel import engine_choice, path_for
        from .parameters import engine_probes

        if self.path is not None:
            return self
        shared = path_for(engine_probes(designs, parameters), engine_choice())
        return Evaluator(self.executor, self.workers, self.scheduler, self.progress, common=self.common,
                         cache=self.cache, path=None if shared else False)

    def __call__(self, scenarios: Sequence[Scenario], seeds: Sequence[int], metrics: Sequence[str],
                 daily: bool = False) -> list[dict[str, Any]]:
        if len(scenarios) != len(seeds):
            raise ValueError("one seed per scenario")
        baseline = needs_baseline(metrics)
        from .kernel import common_path, use_kernel

        # the path decided here, not by REFSIM_ENGINE where each run lands (a Dask worker has its own environment)
        kernel = self.path if self.path is not None else common_path(scenarios) if self.common else None
        requests = [RunRequest(i, s, int(seed), tuple(metrics), baseline, daily,
                               kernel if kernel is not None else use_kernel(s, None))
                    for i, (s, seed) in enumerate(zip(scenarios, seeds))]
        results: list[dict[str, Any] | None] = [None] * len(requests)
        keys = self.cache.keys(requests) if self.cache is not None else None
        todo = []
        first: dict[str, int] = {}            # key -> the request that runs it
        repeats: dict[int, list[int]] = {}    # that request -> the requests asking the very same run again
        for request in requests:
            key = keys[request.index] if keys is not None else None
            kept = self.cache.get(key) if key is not None else None
            if kept is not None:
                results[request.index] = kept
                if self.progress:
                    self.progress(1)
            elif key is not None and key in first:
                # the same run asked twice in one call (Morris trajectories share points): run once
                repeats.setdefault(first[key], []).append(request.index)
            else:
                if key is not None:
                    first[key] = request.index
                todo.append(request)
        if not todo:
            return results  # type: ignore[return-value]
        try:
            with closing(run_tasks(run_request, todo, executor=self.executor, workers=self.workers,
                                   scheduler=self.scheduler)) as finished:
                for index, values in finished:
                    results[index] = values
                    for repeat in repeats.get(index, ()):
                        results[repeat] = fresh_copy(values)
                    if keys is not None:
                        self.cache.put(keys[index], metrics, values)
                    if self.progress:
                        self.progress(1 + len(repeats.get(index, ())))
        except BaseException:
            if keys is not None:   # an interrupted study keeps every run it finished
                self.cache.flush()
            raise
        return results  # type: ignore[return-value]


__all__ = ["Evaluate", "Evaluator", "check_defined", "days_counted", "known_metrics", "check_metric", "needs_baseline", "MINIMISED"]
