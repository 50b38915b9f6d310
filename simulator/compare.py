"""Comparing designs on common random numbers.

Every design runs on the same replicate seeds. The engine draws each person's
organic day, satisfaction, churn clock, the graph and the seed customers from
named streams of that seed, so replicate r of design B differs from replicate r
of design A only through what the designs change. The paired difference
``d_r = B_r - A_r`` then has a smaller spread than two independent samples
wherever the designs' outcomes move together (Cov > 0):

    Var(mean d) = (Var A + Var B - 2 Cov(A, B)) / n

and its 95% t-interval ``mean d ± t(0.975, n-1) · sd(d) / √n`` is what decides
whether one design beats the other. The unpaired (Welch) interval, which ignores
the pairing, is reported beside it for contrast.

Pairing needs designs that differ only in their program: designs that differ in
population, network, days or seed are refused (:func:`check_pairable`) unless
the comparison is asked to be unpaired; then every design keeps its own seed and
the Welch interval decides.

The verdict metric is ``incremental_value`` (the design's profit plus customer
equity, minus its no-program twin's on the same seed): :func:`decide` names the
design that adds the most, with its interval and the share of replicates in
which it is best.
"""

from __future__ import annotations

import math
import numbers
from functools import partial
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .equality import FieldsEqual
from .config import Scenario, has_budget, has_program, offers_reward
from .errors import ScenarioError
from .evaluation import BOUNDED, BUDGET_CAPPED, DAY_METRICS, capped_as, ceiling
from .metrics import METRIC_BOUNDS, NEVER_IS_WORST, SUMMARY_METRICS, UNDEFINED_IS_WORST, copies, joint_level, median_day, normal_quantile, t_quantile, t_sf
from .rng import stream_key, stream_seed
from .runner import INCREMENTAL_METRICS, Results, interval, resolve_seed, run_designs

LEVEL = 0.95

#: Metrics where less is better; ``NEUTRAL`` ones are reported but nobody "wins" them.
LOWER_IS_BETTER = frozenset({"cost_per_referred_customer", "incremental_cac", "incremental_cac_vs_paid", "payback_day"})
#: Keys inside the paired blocks that are design levers, not a different population:
#: who is seeded first (issue 13's seeding strategies) runs on the same people and graph.
DESIGN_LEVERS = frozenset({("population", "initial_customers")})
NEUTRAL = frozenset({"reward_cost", "fraud_cost", "fake_accounts", "non_qualifying_signups", "program_cost", "rewards_owed", "budget_exhausted_day", "rewards_unpaid",
                     "pipeline_rewards_beyond_budget"})
#: Reported, never a verdict: a dashboard's ROI credits the program with what word of mouth
#: would have brought anyway (compare called it "sure at 95%" for the design it favoured).
NOT_A_VERDICT = frozenset({"attributed_roi"})
#: Counts a program moves rather than adds: its tracked referrals take the place of word of mouth, so a design
#: without a program was "best" on word_of_mouth_customers.
SHIFTED = frozenset({"word_of_mouth_customers"})
SHIFTED_WHY = "is reported, not ranked: a program turns word of mouth into tracked referrals, so fewer of them is no worse"
#: The NEUTRAL metrics that are money spent (the others count fakes, signups or a budget's day).
SPENDS = frozenset({"reward_cost", "fraud_cost", "program_cost", "rewards_owed", "rewards_unpaid",
                    "pipeline_rewards_beyond_budget"})
#: Metrics nobody wins: said "higher" or "lower", left out of the best-design sentences and points.
UNRANKED = NEUTRAL | NOT_A_VERDICT | SHIFTED
#: Why a NOT_A_VERDICT metric is refused where a metric decides (sweep, optimize, sensitivity).
NOT_A_VERDICT_WHY = "is a dashboard's view that credits the program with what word of mouth would bring anyway, never a verdict"

#: What decides which design to launch (see MODEL.md and docs/model.md).
VERDICT_METRIC = "incremental_value"
#: What must be equal for two designs to be paired replicate by replicate.
PAIRED_KEYS = ("population", "network", "days", "seed")

COMPARISON_COLUMNS = (
    "design", "metric", "mean", "ci_low", "ci_high", "p2_5", "p97_5", "n", "reference",
    "diff_mean", "diff_ci_low", "diff_ci_high", "diff_sd", "unpaired_ci_low", "unpaired_ci_high", "correlation",
    "verdict", "replicates_needed_paired", "replicates_needed_unpaired",
)


@dataclass(eq=False)   # == by FieldsEqual: tables by DataFrame.equals
class Comparison(FieldsEqual):
    """Designs run on the same seeds, the first one the reference."""

    designs: list[Results]
    seeds: list[int]
    table: pd.DataFrame          # comparison.csv
    precision: float             # relative half-width the replicate counts aim at
    paired: bool = True          # False: designs ran on their own seeds, Welch intervals decide
    seeds_derived: bool = False  # unpaired: designs that would have shared a seed each got one derived from it
    seed: int | None = None      # the seed the comparison was run from: --seed, else the first design's

    def __repr__(self) -> str:
        # the dataclass repr printed every design's Results and a 64-row table cut in the middle
        return (f"Comparison(designs={self.names!r}, reference={self.reference!r}, replicates={len(self.seeds)}, "
                f"paired={self.paired}, seed={self.seed}, table=<{len(self.table):,} rows: comparison.csv>)")

    @property
    def reference(self) -> str:
        return self.designs[0].scenario.name

    @property
    def names(self) -> list[str]:
        return [d.scenario.name for d in self.designs]


# --------------------------------------------------------------------------- statistics


ROUNDING = 1e-9   # a paired difference this small beside the values is floating-point rounding (paired_difference)


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    return a[both], b[both]


def paired_difference(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> dict[str, float]:
    """Mean of d_r = b_r - a_r over replicates where both are finite, with the
    t-interval mean ± t(½ + level/2, n-1) · sd(d) / √n."""
    a, b = _pairs(a, b)
    d = b - a
    # a sum taken in another order (the same rewards paid on other days) differs by rounding alone: that is
    # no difference ("-3.1e-10, paired 95% CI -1.11e-09 – 4.88e-10 ... unclear" for two designs of one value)
    d[np.abs(d) <= ROUNDING * np.maximum(np.abs(a), np.abs(b))] = 0.0
    n = len(d)
    if n == 0:
        return {"diff_mean": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan, "diff_sd": math.nan, "n_pairs": 0}
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    half = float(t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    return {"diff_mean": mean, "diff_ci_low": mean - half, "diff_ci_high": mean + half, "diff_sd": sd, "n_pairs": n}


def unpaired_difference(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> dict[str, float]:
    """Welch interval of mean(b) - mean(a) treating the samples as independent:
    ± t(½ + level/2, ν) · √(s_a²/n_a + s_b²/n_b), ν by Welch–Satterthwaite."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return {"unpaired_ci_low": math.nan, "unpaired_ci_high": math.nan}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    mean = float(b.mean() - a.mean())
    if va + vb == 0:
        return {"unpaired_ci_low": mean, "unpaired_ci_high": mean}
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(t_quantile(0.5 + level / 2, dof) * math.sqrt(va + vb))
    return {"unpaired_ci_low": mean - half, "unpaired_ci_high": mean + half}


def replicates_needed(sd: float, half_width: float, level: float = LEVEL, limit: int = 10_000_000) -> float:
    """Smallest n ≥ 2 with t(½ + level/2, n-1) · sd / √n ≤ half_width: about
    (t · sd / half_width)² replicates (NaN when the target is zero or undefined,
    infinity beyond ``limit``)."""
    if not (math.isfinite(sd) and math.isfinite(half_width)) or half_width <= 0:
        return math.nan
    if sd == 0:
        return 2.0
    z = normal_quantile(0.5 + level / 2)
    n = max(2, math.ceil((z * sd / half_width) ** 2))
    if n > limit:
        return math.inf
    while t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n) > half_width:
        n += 1
    return float(n)


def replicates_to_tell_apart(sd: float, difference: float, level: float = LEVEL, power: float = 0.8,
                             limit: int = 10_000_000) -> float:
    """Smallest n ≥ 2 at which a paired difference as large as ``difference``, its runs
    spread by ``sd``, has its interval at ``level`` exclude 0 with probability ``power``:
    (t(½ + level/2, n − 1) + z(power)) · sd / √n ≤ |difference| (the usual power
    calculation, the t quantile for the interval). A "not distinguishable" verdict gave
    only the replicates for a ±5% precision on the difference ("more than 10,000"), where
    12 told the designs apart. NaN without a difference or spread, infinity past ``limit``."""
    if not (math.isfinite(sd) and math.isfinite(difference)) or difference == 0 or sd <= 0:
        return math.nan
    z = normal_quantile(power)
    n = max(2, math.ceil(((normal_quantile(0.5 + level / 2) + z) * sd / abs(difference)) ** 2))
    if n > limit:
        return math.inf
    while (t_quantile(0.5 + level / 2, n - 1) + z) * sd / math.sqrt(n) > abs(difference):
        n += 1
    return float(n)


def better(metric: str, difference: float) -> bool:
    return difference < 0 if metric in LOWER_IS_BETTER else difference > 0


def verdict(metric: str, low: float, high: float) -> str:
    """``better`` / ``worse`` than the reference when the paired interval excludes 0,
    ``same`` when every replicate agrees exactly, else ``unclear``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unclear"
    if low == 0 and high == 0:
        return "same"
    if low > 0 or high < 0:
        if metric in UNRANKED:
            return "higher" if low > 0 else "lower"
        return "better" if better(metric, low if low > 0 else high) else "worse"
    return "unclear"


def comparison_table(designs: list[Results], precision: float = 0.05, level: float = LEVEL,
                     paired: bool = True) -> pd.DataFrame:
    """One row per design and metric: mean and interval; against the reference (the
    first design) the paired difference with its interval, the unpaired interval,
    the verdict and the replicates needed for ±``precision`` of the mean difference.
    Unpaired (``paired=False``): the difference of the means, with the Welch
    interval in the ``diff_ci_*`` columns and the verdict; the paired columns are NaN."""
    reference = designs[0]
    order = dict.fromkeys([VERDICT_METRIC, *SUMMARY_METRICS, *INCREMENTAL_METRICS])
    metrics = [m for m in order if all(m in d.runs.columns for d in designs)]
    rows = []
    for design in designs:
        for metric in metrics:
            values = design.runs.sort_values("replicate")[metric].to_numpy(dtype=float)
            summary = interval(values, level, metric)   # a day's: over the runs where it came (``n``)
            capped = capped_as(metric, design.runs)   # program_cost that is the reward spend: under the budget too
            if capped in BOUNDED:   # no run ends past its last day or spends past a total budget (as summary.csv)
                summary["ci_high"] = min(summary["ci_high"], ceiling(design.scenario, capped))
            row = {"design": design.scenario.name, "metric": metric, **{k: summary[k] for k in ("mean", "ci_low", "ci_high", "p2_5", "p97_5", "n")},
                   "reference": reference.scenario.name}
            if design is reference:
                row.update(verdict="reference")
            else:
                base, values = counted(reference, metric), counted(design, metric)
                difference = paired_difference(base, values, level)
                # paired, the unpaired interval beside the paired one is over the same replicates, where both are
                # defined: over each design's own it was centred elsewhere than the difference it stood beside
                unpaired = unpaired_difference(*(_pairs(base, values) if paired else (base, values)), level)
                # cut as each design's interval is (METRIC_BOUNDS, ceiling)
                bounds = difference_range(reference, design, metric)
                difference, unpaired = cut_to(difference, *bounds), cut_to(unpaired, *bounds)
                a, b = _pairs(base, values)
                target = precision * abs(difference["diff_mean"])
                row.update({k: difference[k] for k in ("diff_mean", "diff_ci_low", "diff_ci_high", "diff_sd")}, **unpaired)
                row["correlation"] = _correlation(a, b)
                # undefined in some replicates of one design only (never paid back, no customer added):
                # the replicates left out are not missing at random, so no verdict
                alike = defined_alike(base, values, paired)
                row["verdict"] = verdict(metric, difference["diff_ci_low"], difference["diff_ci_high"]) if alike else "unclear"
                # undefined in every run of both (a K whose window closed in no run), or in every run of a design
                # without a program (its payback, ROI, budget's day: no meaning there, not the runs' luck, which
                # 'unclear' implied): nothing to be unclear about
                never = not (np.isfinite(base).any() or np.isfinite(values).any()) or any(
                    not has_program(d.scenario) and not np.isfinite(v).any()
                    for d, v in ((reference, base), (design, values)))
                row["replicates_needed_paired"] = replicates_needed(difference["diff_sd"], target, level)
                spread = math.sqrt(np.var(a, ddof=1) + np.var(b, ddof=1)) if len(a) > 1 else math.nan
                row["replicates_needed_unpaired"] = replicates_needed(spread, target, level)
                if not paired:
                    low, high = unpaired["unpaired_ci_low"], unpaired["unpaired_ci_high"]
                    row.update(diff_mean=interval(values, level)["mean"] - interval(base, level)["mean"], diff_ci_low=low,
                               diff_ci_high=high, diff_sd=math.nan, correlation=math.nan,
                               replicates_needed_paired=math.nan,
                               verdict=verdict(metric, low, high) if alike else "unclear")
                if never:
                    row["verdict"] = "undefined"
                elif _censored_apart(reference, design, metric):
                    # a day that never came counts as the day after each design's own horizon: between a 365- and a
                    # 730-day design, two budgets that never ran out read 'higher, 365 [365, 365]'
                    row.update({k: math.nan for k in row if k.startswith("diff_") or k.startswith("unpaired_")
                                or k.startswith("replicates_needed") or k == "correlation"}, verdict="unclear")
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


#: Counts that are 0 in every run of a design offering no reward: fake accounts come only while a reward is on offer.
NO_REWARD_NONE = frozenset({"fake_accounts"})
#: Counts that are 0 in every run of a design without a program: no referral link, no tracked referral (a
#: difference from a no-program design read -2.30 - 6.30 tracked referrals).
NO_PROGRAM_NONE = frozenset({"referred_customers"})


def cut_to(interval_of: dict[str, float], lowest: float, highest: float) -> dict[str, float]:
    """``interval_of`` (paired_difference's or unpaired_difference's) with the ends of its
    intervals (``*ci_low``, ``*ci_high``) cut to [lowest, highest] (difference_range)."""
    return {key: min(max(value, lowest), highest) if key.endswith(("ci_low", "ci_high")) else value
            for key, value in interval_of.items()}


def difference_range(reference: Results, design: Results, metric: str) -> tuple[float, float]:
    """The values ``design`` less ``reference`` can take on ``metric`` (as :func:`counted`
    gives them): each design's values lie between the metric's floor (METRIC_BOUNDS) and
    its ceiling (a total budget, the horizon; a payback that never came counts as the day
    after it), so their difference between one's floor less the other's ceiling and one's
    ceiling less the other's floor. A t-interval knows nothing of them: the reward spend
    of a design with a $400 budget against no program read "paired 95% CI 367.7 – 402.3",
    more than the budget can pay, where summary.csv cut the same spend to 400."""
    def values_range(results: Results) -> tuple[float, float]:
        low = METRIC_BOUNDS.get(metric, (-math.inf, math.inf))[0]
        capped = capped_as(metric, results.runs)
        high = ceiling(results.scenario, capped) if capped in BOUNDED else math.inf
        if (capped in BUDGET_CAPPED or metric in NO_REWARD_NONE) and not offers_reward(results.scenario.program.incentive):
            high = 0.0   # no reward on offer spends nothing (a fraud cost's difference from no program reached -6.8)
        if metric in NO_PROGRAM_NONE and not has_program(results.scenario):
            high = 0.0
        if metric in DAY_METRICS:
            high += 1.0   # a day that never came is the day after the horizon (counted)
        return low, high

    (base_low, base_high), (low, high) = values_range(reference), values_range(design)
    return low - base_high, high - base_low


def _censored_apart(reference: Results, design: Results, metric: str) -> bool:
    """Whether a day metric of two designs with different horizons has a day that never
    came in some run (counted as the day after each one's own horizon): no difference
    between such runs is measured, only the horizons'."""
    if metric not in (*NEVER_IS_WORST, "budget_exhausted_day") or reference.scenario.days == design.scenario.days:
        return False
    return any(not np.isfinite(d.runs[metric].to_numpy(dtype=float)).all() for d in (reference, design))


def censored_apart(designs: Sequence[Results], metric: str) -> bool:
    """Whether any two of ``designs`` are censored apart on ``metric`` (_censored_apart):
    against the first only, a 60-day design that never paid back was ranked behind a
    300-day one, neither being the first."""
    import itertools

    return any(_censored_apart(a, b, metric) for a, b in itertools.combinations(designs, 2))


def counted(design: Results, metric: str) -> np.ndarray:
    """A design's values of ``metric`` by replicate, as its differences from another
    design are measured: a payback that never came (NEVER_IS_WORST) counts as the day
    after the horizon, as optimize and sweep count it (``evaluation.never_after_horizon``).
    Over only the runs that paid back, a design paying back in 1 run of 10, on day 60,
    was ranked ahead of one paying back in all 10 on day 100. A budget that never ran out
    (or a program with none) lasted past the horizon, its day the day after too: a
    design whose budget ran out in 6 of 8 runs, against one that never did, had no
    difference at all. A design without a program has nothing to pay back and no
    budget: its days stay undefined."""
    values = design.runs.sort_values("replicate")[metric].to_numpy(dtype=float)
    if metric in (*NEVER_IS_WORST, "budget_exhausted_day") and has_program(design.scenario):
        values = np.where(np.isfinite(values), values, design.scenario.days + 1.0)
    return values


def against_the_best(values: dict[str, np.ndarray], best: str, metric: str, paired: bool,
                     level: float = LEVEL) -> tuple[dict[str, float], dict[str, dict[str, float]], tuple[str, ...]]:
    """The best design's difference from each other design (``values``: each design's
    values by replicate), and whether the best is ahead of all of them at ``level``
    together: Holm's step-down (Holm 1979). The clearest difference (the smallest
    p-value of the best being ahead) is tested first at 1 − (1 − level)/m over the m
    other designs, the next at 1 − (1 − level)/(m − 1), ..., the last at ``level``,
    each interval on its side of 0 and the metric defined in the same replicates; at
    the first that is not, it and every design after it (at its level) are not told
    apart from the best.

    Tested against the runner-up alone at 95%, a design tied with a noisier third was
    called "sure" in about a quarter of comparisons (the runner-up is picked after
    looking, the others left untested). Bonferroni (every test at 1 − (1 − level)/m)
    fixed that but made a verdict hang on designs far behind: adding the no-program
    yardstick to a comparison of two rewards turned "sure at 95%" into "not told
    apart". Holm tests a design clearly behind (a small p-value) first, where it
    passes, and then the close contest at ``level``, as a comparison of the two alone
    would (the rates of a wrong "sure" are in tests/test_compare.py). A design far
    behind on its mean but with a wide spread is not clearly behind: its test can
    still fail, and then it holds the verdict back.

    Returns ({design: the level its interval is at}, {design: diff_mean, diff_ci_low,
    diff_ci_high}, the designs the best is not told apart from: ahead of all when
    empty), both keyed nearest the best first. Paired intervals when the designs share
    seeds, else Welch's."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    # a design where the metric is never defined (a cost per referred customer with no program) is no contender
    others = [n for n in values if n != best and np.isfinite(values[n]).any()]
    # nearest the best first: a list of the designs not told apart reads in that order
    nearest = sorted(others, key=lambda n: -sign * interval(values[n])["mean"])
    # designs with the same values in every replicate are one test, not several: a copy of a design (another
    # name, or a setting that changes no run) made Holm test the others at 97.5% and turned "sure at 95%"
    # into "not told apart"; a copy of the best is a tie (its interval is [0, 0]), which no level can change
    copy_of = copies(values, best, nearest)
    distinct = [n for n in nearest if copy_of[n] == n]
    tested = sorted(distinct, key=lambda n: _ahead_p(values[n], values[best], sign, paired))   # the clearest first
    tested += [n for n in nearest if copy_of[n] == best]   # tested last, at ``level``: never told apart
    levels, found, behind, stopped = {}, {}, set(), None
    for k, name in enumerate(tested):
        each = stopped if stopped is not None else joint_level(level, len(distinct) - k) if k < len(distinct) else level
        other = values[name]
        if paired:
            diff = paired_difference(other, values[best], each)
        else:
            welch = unpaired_difference(other, values[best], each)
            diff = {"diff_mean": interval(values[best])["mean"] - interval(other)["mean"],
                    "diff_ci_low": welch["unpaired_ci_low"], "diff_ci_high": welch["unpaired_ci_high"]}
        levels[name], found[name] = each, {k: diff[k] for k in ("diff_mean", "diff_ci_low", "diff_ci_high")}
        side = diff["diff_ci_high"] < 0 if metric in LOWER_IS_BETTER else diff["diff_ci_low"] > 0
        if stopped is not None or not (side and defined_alike(other, values[best], paired)):
            stopped = each   # Holm stops here: this design and every one after it stay in the best's company
            behind.add(name)
    for name in nearest:
        if copy_of[name] not in (name, best):   # a copy of another design: that design's test and verdict
            levels[name], found[name] = levels[copy_of[name]], dict(found[copy_of[name]])
            if copy_of[name] in behind:
                behind.add(name)
    return ({n: levels[n] for n in nearest}, {n: found[n] for n in nearest}, tuple(n for n in nearest if n in behind))


def holm_tests(values: dict[str, np.ndarray], best: str) -> int:
    """How many tests against_the_best makes at levels below ``level``: the other designs
    where the metric is defined, each set of copies counted once, copies of the best not."""
    others = [n for n in values if n != best and np.isfinite(values[n]).any()]
    return sum(1 for n, c in copies(values, best, others).items() if c == n)


def _ahead_p(other: np.ndarray, best: np.ndarray, sign: float, paired: bool) -> float:
    """One-sided p-value of the best being ahead of ``other`` (``sign`` −1 where lower is
    better), from the same t statistic and degrees of freedom as paired_difference's
    (or unpaired_difference's) interval, so that the order of the p-values is the order
    in which those intervals leave 0; 1 where the metric is defined in other replicates
    of the two (no verdict), so that such a design is tested last."""
    if not defined_alike(other, best, paired):
        return 1.0
    if paired:
        a, b = _pairs(other, best)
        d = sign * (b - a)
        n, mean = len(d), float(d.mean()) if len(d) else math.nan
        spread, dof = (float(d.std(ddof=1)) / math.sqrt(n), n - 1) if n > 1 else (math.nan, 0)
    else:
        a, b = other[np.isfinite(other)], best[np.isfinite(best)]
        if len(a) < 2 or len(b) < 2:
            return 1.0
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        mean, spread = sign * float(b.mean() - a.mean()), math.sqrt(va + vb)
        dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if spread > 0 else 1
    if not (math.isfinite(mean) and math.isfinite(spread)):
        return 1.0
    if spread == 0:
        return 0.0 if mean > 0 else 1.0
    return float(t_sf(mean / spread, dof))


def defined_alike(a: np.ndarray, b: np.ndarray, paired: bool) -> bool:
    """Whether a metric is defined (finite) in the same replicates of two designs: the
    same ones when they are paired by seed, else the same share of them."""
    if paired:
        return bool(np.array_equal(np.isfinite(a), np.isfinite(b)))
    return bool(np.isfinite(a).mean() == np.isfinite(b).mean())


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


# --------------------------------------------------------------------------- running


def unique_names(scenarios: list[Scenario], labels: list[str] | None = None) -> list[Scenario]:
    """Designs are told apart by name in every table: a repeated name gets its file
    label appended (or its position when the labels repeat too)."""
    names = [s.name for s in scenarios]
    if len(set(names)) == len(names):
        return list(scenarios)
    renamed = [f"{n} ({labels[i]})" if labels and names.count(n) > 1 else n for i, n in enumerate(names)]
    if len(set(renamed)) < len(renamed):
        renamed = [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]
    return [s.model_copy(update={"name": name}) for s, name in zip(scenarios, renamed)]


def pairing_differences(reference: Scenario, other: Scenario, seed_given: bool = False) -> list[str]:
    """The keys of PAIRED_KEYS in which ``other`` differs from ``reference``, as
    'key (reference value vs other value)'. A seed left out of a file (or
    overridden by ``seed_given``) is no difference: the reference's is used."""
    found = []
    for key in PAIRED_KEYS:
        if key == "seed" and (seed_given or reference.seed is None or other.seed is None):
            continue
        mine, theirs = getattr(reference, key), getattr(other, key)
        if hasattr(mine, "model_dump"):
            mine, theirs = mine.model_dump(mode="json"), theirs.model_dump(mode="json")
            changed = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)
                             and (key, k) not in DESIGN_LEVERS and not _same_file(key, k, mine, theirs))
            if changed:
                # a path in full: two shortened alike read as no difference at all
                found.append(", ".join(f"{key}.{k} ({shown(mine.get(k))} vs {shown(theirs.get(k))})"
                                       for k in changed for shown in [partial(_short, full=k == "path")]))
        elif mine != theirs:
            found.append(f"{key} ({mine} vs {theirs})")
    return found


#: The world a program is launched into: what a design does not choose. Designs compared
#: with each other normally share it; one that changes it compares two worlds.
WORLD_KEYS = ("acquisition", "word_of_mouth", "satisfaction", "churn", "economics", "fraud", "negative_word_of_mouth",
              # what the model assumes of how people answer a program, kept in the program block but no launch's
              # choice: a milestone design given moment_effect.milestone 3 beside its copy at 1.5 'won', sure at 95%,
              # with no word that the two differed in an assumption only
              "program.satisfaction_effect", "program.tie_conversion", "program.default_conversion",
              "program.reward_type_weights", "program.moment_effect", "program.reward_seekers", "program.cost_shares",
              "program.link_use", "program.link_response",
              # how many asked customers share, and how fast a later reward loses its pull: sourced estimates of
              # people, which `optimize --vary` ranked as designs with no word
              "program.base_share", "program.incentive.delay_discount",
              # how strongly people answer a reward, and a reminder: the same $10 + $10 offer given max_uplift 3
              # beside its copy at 1 'won', sure at 95%, with no word
              "program.incentive.max_uplift", "program.incentive.reward_scale_months", "program.incentive.reward_scale",
              "program.incentive.strong_tie_weight",
              "program.incentive.credibility_penalty", "program.incentive.referee_max_uplift",
              "program.incentive.referee_share_uplift", "program.timing.reminders.fatigue",
              "program.timing.reminders.annoyance", "program.timing.reminders.annoyance_points",
              # how many customers reach a milestone is an assumption about the product, not a launch's choice
              # (compare's report suggests it as --uncertain): weighed as a lever, sensitivity would have refused it
              # beside a design asking at purchase, which has no such key
              "program.timing.reach_share",
              # how strongly people answer a lever: the model's assumptions (docs/model.md's table gives them as
              # such, and the bundled files say to sweep them), refused by sensitivity as choices beside a design
              # without the lever
              "program.influencers.reach_boost", "program.influencers.conversion", "program.delight.satisfaction_boost",
              "program.delight.lasts_days", "program.staff.moment_effect")


def world_differences(reference: Scenario, other: Scenario) -> list[str]:
    """The keys of the world (WORLD_KEYS, leaf by leaf) in which ``other`` differs from
    ``reference``, as 'key (reference value vs other value)'."""
    def leaves(value, prefix: str) -> dict[str, object]:
        if isinstance(value, dict):
            return {k: v for key, item in value.items() for k, v in leaves(item, f"{prefix}.{key}").items()}
        return {prefix: value}

    def dumped(scenario: Scenario, key: str):
        value = scenario
        for part in key.split("."):
            value = getattr(value, part, None)   # an incentive of kind none has no delay_discount
        return value.model_dump(mode="json") if hasattr(value, "model_dump") else value

    found = []
    for key in WORLD_KEYS:
        mine = leaves(dumped(reference, key), key)
        theirs = leaves(dumped(other, key), key)
        found += [f"{k} ({_short(mine.get(k))} vs {_short(theirs.get(k))})" for k in sorted(set(mine) | set(theirs))
                  if mine.get(k) != theirs.get(k)
                  # an assumption of the program block that one design does not read is no second world: an
                  # organisation reward's cost share set in its own file only leaves a gift card's runs as they are
                  and (not k.startswith("program.") or (reads(reference, k) and reads(other, k)))
                  # fake accounts come only for a reward on offer: a no-program design's fraud.share changes none of
                  # its runs ("differs ... in fraud.share (0.02 vs 0.1): partly one of worlds", its value the same)
                  and (not k.startswith("fraud.") or (offers_reward(getattr(reference.program, "incentive", None))
                                                      and offers_reward(getattr(other.program, "incentive", None))))]
    return found


#: Keys of the program block that the no-program twin runs with, beyond WORLD_KEYS: unprompted
#: word of mouth, which the twin keeps, goes through the program's channels and converts after
#: its lag (MODEL.md, step 2), so a design that changes them changes its own twin too.
TWIN_PROGRAM_KEYS = ("program.channels", "program.conversion_lag")


def twin_differences(reference: Scenario, other: Scenario) -> list[str]:
    """The keys of TWIN_PROGRAM_KEYS (leaf by leaf, a channel by its place in the list)
    in which ``other`` differs from ``reference``, between two designs that both have a
    program: their no-program twins then differ, and so do the baselines of their
    incremental metrics."""
    from .config import has_program

    if not (has_program(reference) and has_program(other)):
        return []

    def leaves(value, prefix: str) -> dict[str, object]:
        if isinstance(value, dict):
            return {k: v for key, item in value.items() for k, v in leaves(item, f"{prefix}.{key}").items()}
        if isinstance(value, list):
            return {k: v for i, item in enumerate(value) for k, v in leaves(item, f"{prefix}.{i}").items()}
        return {prefix: value}

    found = []
    for key in TWIN_PROGRAM_KEYS:
        field = key.split(".")[1]
        mine = leaves(_dump(getattr(reference.program, field)), key)
        theirs = leaves(_dump(getattr(other.program, field)), key)
        differ = [k for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k)]
        # a block of another kind (or a channel only one has) is named by its kind alone: its fields are
        # another kind's, and "first_day_share (0.52 vs None)" beside "kind (geometric vs none)" said nothing more
        other_kind = {k[:-len("kind")] for k in differ if k.endswith(".kind")}
        differ = [k for k in differ if k.endswith(".kind") or not any(k.startswith(block) for block in other_kind)]
        found += [f"{k} ({_short(mine.get(k, 'absent'))} vs {_short(theirs.get(k, 'absent'))})" for k in differ]
    return found + seeding_differences(reference, other)


#: Where the no-program twin starts: from its design's initial customers (seeding the hubs 'led on value', measured on
#: top of hub seeding).
TWIN_SEEDING_KEY = "population.initial_customers"


def seeding_differences(reference: Scenario, other: Scenario) -> list[str]:
    """The initial customers in which ``other`` differs from ``reference``, leaf by leaf for
    a {count, strategy} block (its cascade settings only where both pick by influence, the
    only strategy that reads them), whole for a count or a list of ids."""
    from .yaml_reader import flow

    mine, theirs = _dump(reference.population.initial_customers), _dump(other.population.initial_customers)
    # {count: N, strategy: random} is the draw of a plain N, person for person (docs/model.md): a twin "differing"
    # from the other's in 100 vs {count: 100, strategy: random} was measured against the same baseline
    mine, theirs = (value["count"] if isinstance(value, dict) and value.get("strategy") == "random" else value
                    for value in (mine, theirs))
    if isinstance(mine, dict) and isinstance(theirs, dict):
        influence = mine.get("strategy") == theirs.get("strategy") == "influence"
        keys = [k for k in dict.fromkeys([*mine, *theirs]) if k != "cascade" or influence]
        found = []
        for key in keys:
            a, b = mine.get(key, "absent"), theirs.get(key, "absent")
            if isinstance(a, dict) and isinstance(b, dict):
                found += [f"{TWIN_SEEDING_KEY}.{key}.{leaf} ({_short(a.get(leaf))} vs {_short(b.get(leaf))})"
                          for leaf in dict.fromkeys([*a, *b]) if a.get(leaf) != b.get(leaf)]
            elif a != b:
                found.append(f"{TWIN_SEEDING_KEY}.{key} ({_short(flow(a))} vs {_short(flow(b))})")
        return found
    if mine == theirs:
        return []
    shown = [text if len(text) <= 60 else text[:57] + "..." for text in (flow(mine), flow(theirs))]
    return [f"{TWIN_SEEDING_KEY} ({shown[0]} vs {shown[1]})"]


def _dump(value):
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def reads(scenario: Scenario, leaf: str) -> bool:
    """Whether ``scenario``'s runs depend on the program-block assumption ``leaf`` (a
    cost share or type weight of its own reward type and audience, the multiplier of a
    moment it asks at); the others as soon as it has a program. Where unsure, True."""
    from .behaviour.timing import scenario_reminders
    from .config import has_program

    program = scenario.program
    if not has_program(scenario):
        return False
    parts = leaf.split(".")
    incentive = program.incentive
    rewarded = incentive.kind != "none"
    if parts[1] == "cost_shares" and len(parts) > 2:
        return rewarded and incentive.cost_share is None and incentive.reward_type == parts[2]
    if parts[1] == "reward_type_weights" and len(parts) > 3:
        return (rewarded and incentive.type_weight is None and incentive.audience == parts[2]
                and incentive.reward_type == parts[3])
    if parts[1] == "moment_effect" and len(parts) > 2:
        kind = program.timing.kind
        moment = parts[2]
        if moment == "reminder":   # a reminder the horizon has no room for is never sent (reminders_within)
            reminders = getattr(program.timing, "reminders", None)
            return reminders is None or scenario_reminders(scenario) > 0
        if moment == "campaign":   # a campaign's asks, and the launch ask to existing customers of a timing that asks
            from .report.text import initial_count

            # no customers at launch: no launch e-mail (its tornado bar was drawn flat)
            return kind == "campaign" or (program.launch.ask_existing == "once" and kind != "never"
                                          and initial_count(scenario) > 0)
        return {"purchase": "at_purchase"}.get(moment, moment) == kind
    if parts[1] == "incentive" and len(parts) > 2:
        # how people answer a reward: read by a rewarding kind that has the key (a single-sided reward pays no
        # friend, so the friend's uplifts are none of its own), the scale in months where no scale is given
        if parts[2] == "reward_scale_months":
            return rewarded and incentive.reward_scale is None
        if parts[2] in ("referee_max_uplift", "referee_share_uplift"):   # moved by the friend's reward alone
            return rewarded and parts[2] in type(incentive).model_fields and getattr(incentive, "referee_reward", 0) > 0
        return rewarded and parts[2] in type(incentive).model_fields
    if parts[1:3] == ["timing", "reminders"]:
        # how people answer an ask after their first: reminders, and a campaign's later pushes (fatigue and annoyance
        # apply to every ask beyond the first: two campaigns at 0.9 and 0.2 'won', sure, with no word)
        reminders = getattr(program.timing, "reminders", None)
        if reminders is None:
            return False
        # a campaign makes no launch ask (timing.launch_asks): only its pushes within the horizon ask again
        repeated = program.timing.kind == "campaign" and len({d for d in program.timing.days if d <= scenario.days}) > 1
        # reminders all past the horizon send nothing: 2 reminders 200 days apart in a 180-day compare were said to
        # differ in fatigue from 3 weekly ones, 'partly one of worlds', where the report counted 0 of them sent
        return scenario_reminders(scenario) > 0 or repeated
    if parts[1:3] == ["timing", "reach_share"]:   # a milestone's: no key of another timing
        return program.timing.kind == "milestone"
    node = program   # a lever's key is read only where the lever is set (no influencers: no reach_boost)
    for part in parts[1:-1]:
        node = getattr(node, part, None)
        if node is None:
            return False
    return True


def _same_file(block: str, key: str, mine: dict, theirs: dict) -> bool:
    """Whether two designs' edge lists at two paths hold the same bytes: the same
    network, so no difference of worlds (a copy of graph.txt under data/ was refused)."""
    if (block, key) != ("network", "path") or not (mine.get(key) and theirs.get(key)):
        return False
    from .provenance import file_digest

    return file_digest(Path(mine[key])) == file_digest(Path(theirs[key])) != "missing"


def _short(value, full: bool = False) -> str:
    """A value as a difference lists it (cut at 30 characters unless ``full``): a key one
    design's kind lacks, or null, is "not set" ("network.mean_degree (8.0 vs None)" spoke
    Python, not the YAML the user wrote)."""
    text = "not set" if value is None else str(value)
    return text if full or len(text) <= 30 else text[:27] + "..."


def check_k_window(scenarios: list[Scenario], sources: list[str] | None = None, remedy: str = "--set") -> None:
    """Refuse designs that measure K over different windows (``k_window_days``), paired
    or not: each design's ``k_factor`` and ``program_k`` count the referrals made within
    its own window, so a design given 90 days beside a copy at 30 'won' K, sure at 95%,
    on identical runs. One ScenarioError line naming the first design that differs."""
    window = scenarios[0].k_window_days
    for i, other in enumerate(scenarios[1:], start=1):
        if other.k_window_days != window:
            how = f"--set k_window_days={window}" if remedy == "--set" else f"k_window_days: {window} in each"
            raise ScenarioError(
                f"measures K over {other.k_window_days} days, the reference {scenarios[0].name} over "
                f"{window}: k_factor and program_k would count referrals over different windows, a difference of "
                f"measurement, not of design; give every design one window ({how})",
                file=sources[i] if sources else other.name, key="k_window_days")


def check_pairable(scenarios: list[Scenario], seed_given: bool = False, sources: list[str] | None = None,
                   remedy: str = "change the file, or give --unpaired for unpaired intervals",
                   seed_remedy: str = "--seed N") -> None:
    """Refuse designs that cannot be paired replicate by replicate: one ScenarioError
    line naming the first design that differs from the reference, and how. Where their
    seeds differ (an optimize's best.yaml carries its own), ``seed_remedy`` (the flag or
    argument giving one seed) is offered first: it runs every design on one seed."""
    for i, other in enumerate(scenarios[1:], start=1):
        differences = pairing_differences(scenarios[0], other, seed_given)
        if differences and all(d.startswith("seed (") for d in differences) and seed_remedy:
            # not the optimize study's own seed: best.yaml is seeded apart so that a compare does not replay the
            # replicates that picked it (on them it was called better 'sure at 95%' far too often)
            chosen = [s.name for s in scenarios if s.name.endswith("-best")]
            caveat = (f", not the seed of the study that chose {chosen[0]} (it would replay the replicates that picked "
                      f"it)" if chosen else "")
            remedy = f"{seed_remedy} runs every design on one seed{caveat}; else {remedy}"
        if differences:
            raise ScenarioError(
                f"differs from the reference {scenarios[0].name} in {'; '.join(differences)} (the reference's value "
                f"first): a paired comparison needs "
                f"the same population, network, days and seed ({remedy})", file=sources[i] if sources else other.name)


def compare(scenarios: list[Scenario], replicates: int | None = None, seed: int | None = None, *, baseline: bool = True,
            precision: float = 0.05, workers: int | None = 1, executor: str | None = None, scheduler: str | None = None,
            progress: Callable[[int], None] | None = None, labels: list[str] | None = None,
            unpaired: bool = False, sources: list[str] | None = None) -> Comparison:
    """Run every design on the same replicate seeds: the first design's seed and
    replicate count unless given. ``baseline`` adds each design's incremental
    metrics against no program (``incremental_value`` decides); ``precision`` is
    the relative half-width of the mean difference that ``replicates_needed_*``
    aim at. Designs that cannot be paired are refused (:func:`check_pairable`;
    ``sources`` name their files in the error) unless ``unpaired``: then each
    design runs from its own seed (its file's, or ``seed``) and the Welch interval
    decides; designs that would share a seed (``seed`` given, or files giving the
    same one, or every file leaving its seed out: one seed drawn for all) each get
    one derived from it, as does a design whose file gives no seed where others do,
    from the first seed given (``rng.stream_seed(seed, "unpaired
    design", rng.stream_key(name))`` for the design named ``name``, whatever its place in
    the list), so that no two share their luck. ``labels``, one per design (the
    command line gives the files' names), tell apart designs that share a name: it
    gets its label appended (its position where the labels repeat too)."""
    from .scenario_io import check_execution, check_scenario, check_seed_and_replicates, check_switches

    if isinstance(scenarios, (str, Path, Scenario)):
        raise TypeError("compare() takes a list of Scenarios (from load_scenario), the first the reference")
    if not isinstance(scenarios, (list, tuple)):   # a generator stopped on "object of type 'generator' has no len()"
        raise TypeError(f"compare() takes a list of Scenarios (from load_scenario), the first the reference; not "
                        f"{type(scenarios).__name__} (list(...) makes one)")
    # the command line checks its own arguments (in its words: files, --precision, --unpaired) before this
    if len(scenarios) < 2:
        raise ScenarioError(f"needs at least two Scenarios (got {len(scenarios)}); the first is the reference",
                            file="compare()", key="scenarios")
    # as simulate: a path, a dict, a model_copy made invalid, replicates=0 (which ran the first file's
    # count) or a negative seed (numpy's SeedSequence error) is one line naming it
    scenarios = [check_scenario(scenario, "compare") for scenario in scenarios]
    check_seed_and_replicates("compare", seed=seed, replicates=replicates, workers=workers)
    check_switches("compare", baseline=baseline, unpaired=unpaired, progress=progress)
    # None is each switch's default, as check_switches says: baseline=None ran no twins and ranked on net_value
    baseline = True if baseline is None else baseline
    unpaired = False if unpaired is None else unpaired
    executor = check_execution("compare", executor, scheduler)
    for name, given in (("labels", labels), ("sources", sources)):
        # fewer labels than designs stopped on an IndexError when two designs shared a name; one source for two
        # designs on an IndexError, and a string of sources blamed its second character, '.', for a difference
        if given is not None and (isinstance(given, str) or len(given) != len(scenarios)):
            got = repr(given) if isinstance(given, str) else len(given)
            what = "label" if name == "labels" else "source (the file each design came from)"
            raise ScenarioError(f"give one {what} per design ({len(scenarios)}), or none; got {got}",
                                file="compare()", key=name)
    if isinstance(precision, (bool, np.bool_)) or not isinstance(precision, numbers.Real):   # "0.05": "'<' not supported"
        raise TypeError(f"compare(): precision must be a number, a fraction of the mean difference such as 0.05; not "
                        f"{type(precision).__name__} {precision!r}")
    if not 0 < precision < 10:
        raise ScenarioError(f"must be a fraction of the mean difference in (0, 10), e.g. 0.05 (got {precision})",
                            file="compare()", key="precision")
    check_k_window(scenarios, sources, remedy="scenario")
    if not unpaired:
        check_pairable(scenarios, seed_given=seed is not None, sources=sources,
                       remedy="change the design, or pass unpaired=True for unpaired intervals", seed_remedy="seed=N")
    first = resolve_seed(scenarios[0], seed)
    count = first.replicates if replicates is None else int(replicates)
    named = unique_names(scenarios, labels)
    derived = False
    study_seed = int(first.seed)
    if unpaired:
        given = [int(s.seed) for s in named if s.seed is not None]
        if seed is None and not given:
            # seedless files: one seed drawn for all, as --seed gives, so that the manifest's --seed replays the
            # comparison (a seed drawn per design left no single --seed to type again)
            seed = study_seed
        if seed is not None:
            chosen = [int(seed)] * len(named)
        else:
            # some files give a seed, others none: those get one derived from the first seed given and their name,
            # so the same command replays them (each drew its own, which no --seed gave back)
            chosen = [int(s.seed) if s.seed is not None else stream_seed(given[0], "unpaired design", stream_key(s.name))
                      for s in named]
            study_seed = given[0]
        # designs on one seed (a --seed for all, or files that give the same one) share their luck: each then gets
        # a seed of its own derived from it (both files gave seed 42, and the report said each ran on its own seeds)
        derived = len(set(chosen)) < len(chosen)
        if derived:
            # by the design's name, not its place in the list: listing the files in another order gave every
            # design other luck (double-sided-credit 22,419 and 20,302), and could turn the verdict
            chosen = [stream_seed(c, "unpaired design", stream_key(s.name)) for s, c in zip(named, chosen)]
        derived = derived or (seed is None and len(given) < len(named))
        designs = [s.model_copy(update={"seed": c, "replicates": count}) for s, c in zip(named, chosen)]
    else:
        designs = [s.model_copy(update={"seed": first.seed, "replicates": count}) for s in named]
    results = run_designs(designs, baseline=baseline, progress=progress, workers=workers, executor=executor,
                          scheduler=scheduler)
    return Comparison(results, results[0].seeds, comparison_table(results, precision, paired=not unpaired), precision,
                      paired=not unpaired, seeds_derived=derived, seed=study_seed)


# --------------------------------------------------------------------------- the decision


@dataclass
class Decision:
    """Which design adds the most value, how sure that is, and what happens to its money."""

    metric: str                  # the verdict metric (incremental_value, or a fallback)
    best: str
    mean: float
    ci_low: float
    ci_high: float
    share_best: float            # share of replicates in which ``best`` has the best value (alone or level)
    replicates: int
    runner_up: str | None
    diff_mean: float             # best − runner-up, paired unless the comparison is unpaired
    diff_ci_low: float
    diff_ci_high: float
    budget_day: float            # median day the budget ran out, over replicates where it did
    budget_share: float          # share of replicates in which it ran out
    payback_day: float           # median payback day, over replicates that pay back
    payback_share: float         # share of replicates that pay back within the horizon
    tied_with: tuple[str, ...] = ()   # the other designs with the same mean: a tie, not a win by the order listed
    share_level: float = 0.0     # share of replicates in which another design has the same (highest) value
    shares: dict[str, float] = field(default_factory=dict)   # each tied design's share of replicates best or level
    diff_level: float = LEVEL    # the level of the runner-up interval: its step in Holm's test of all the others (against_the_best)
    # the designs the best is not ahead of at that level (none: sure at 95%), and those whose metric is undefined in
    # other replicates than the best's (a CAC where one added no customer): no verdict is drawn from the pairs left,
    # which diff_mean and diff_ci_* are over, even where that interval excludes 0
    not_told_apart: tuple[str, ...] = ()
    tests: int = 0               # Holm's tests: the other designs, copies counted once and those of the best not (holm_tests)
    copies: tuple[str, ...] = ()   # the other designs with the best's values in every replicate (a tie, not a runner-up)
    # the other designs best (alone or level) in more replicates than ``best``, with their shares: the mean leader
    # was "best in 2 of the 6 replicates" beside a runner-up best in 4, unsaid
    oftener: dict[str, float] = field(default_factory=dict)


def same_mean(a: float, b: float, scale: float = 0.0) -> bool:
    """Whether two designs' means tie: equal up to the rounding of summing the same values
    in another order ([0.1, 0.2, 0.3] and [0.3, 0.2, 0.1] have means 1 ulp apart, which
    named one of them best). That rounding is relative to the values summed, not to their
    mean, so ``scale`` (the largest |value|) bounds it where the mean is near 0 ([1000.1,
    -1000.3, 0.2] reordered gave means 2.3e-14 and 3.8e-14). A relative 1e-9 is far above
    it (under 1e-13 for a thousand replicates) and far below any difference a report prints.
    An infinite mean (decide's for a design with no finite value) ties only itself:
    ``inf <= 1e-9 * inf`` tied it with every design."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b), scale)


def value_scale(values) -> float:
    """The largest |value| among designs' finite values (same_mean's ``scale``)."""
    finite = [np.abs(v[np.isfinite(v)]) for v in map(np.asarray, values)]
    return max((float(v.max()) for v in finite if len(v)), default=0.0)


def defined_shares(values: dict[str, np.ndarray], metric: str) -> dict[str, float]:
    """Each design's share of replicates where ``metric`` is defined, for a metric whose
    undefined run is the worst there is for it (UNDEFINED_IS_WORST: a run where the
    program added nobody has no incremental_cac); 1 for every design otherwise."""
    return {name: float(np.isfinite(v).mean()) if metric in UNDEFINED_IS_WORST and len(v) else 1.0
            for name, v in values.items()}


def defined_first(order: list[str], defined: dict[str, float], means, scale: float = 0.0) -> list[str]:
    """``order`` (best mean first) with the designs defined in the most replicates
    (``defined``, :func:`defined_shares`) first, each share's in the order of their
    means, and a tie with the best's mean among those in front (:func:`tied_first`)."""
    order = sorted(order, key=lambda name: -defined[name])   # stable: the means order each share's designs
    first = [name for name in order if defined[name] == defined[order[0]]] if order else []
    return tied_first(first, means, scale) + order[len(first):]


def tied_first(order: list[str], means, scale: float = 0.0) -> list[str]:
    """``order`` (best first) with the designs whose mean ties the best's moved to its
    front in the order ``means`` lists them: the first listed of a tie is named first, and
    its figures are the ones the report gives."""
    tied = [name for name in means.keys() if name in order and same_mean(means[name], means[order[0]], scale)]
    return tied + [name for name in order if name not in tied]


def decide(comparison: Comparison, metric: str | None = None) -> Decision | None:
    """The design with the best mean of ``metric`` (by default ``incremental_value``,
    or ``net_value`` when the twins were not run (its difference between designs that
    share a twin is their difference in incremental value); ``incremental_value`` asked
    for by name where they were not is refused, as ``incremental_profit`` is: it was
    answered on profit, said only by the Decision's ``metric``), its 95% interval, the share
    of replicates in which it beats every other design, its difference from the
    runner-up (paired when the designs share seeds) and whether it is ahead of every
    other design, at 95% together (Holm's step-down, :func:`against_the_best`).

    Best is the highest mean, or the lowest for a metric where less is better
    (LOWER_IS_BETTER: a cost per customer, the payback day). A day that never came
    counts as the day after the horizon (:func:`counted`), so a design paying back in
    one replicate of four is not ranked on that one day; a cost per extra customer,
    undefined where the program added nobody, ranks the designs where it is defined in
    the most replicates first (UNDEFINED_IS_WORST). A metric nobody wins (a cost,
    the dashboard's ROI: UNRANKED) or an unknown one is refused in one line: decide
    crowned the design that spent the most, and a misspelt name decided on profit.

    Returns None where no design has the metric in any replicate (a cost per extra
    customer where no program added anyone, a payback of designs without a program):
    there is nothing to rank; and for a day of designs with different horizons that never
    came in some run (no difference is measured, only the horizons')."""
    metric = _decided_metric(comparison, metric)
    if censored_apart(comparison.designs, metric):
        # a day that never came counts as the day after each design's own horizon: a 60-day design that never paid
        # back (day 61) was 'sure' to pay back sooner than a 300-day one paying back on days 114-244
        return None
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    runs = {d.scenario.name: d.runs.sort_values("replicate") for d in comparison.designs}
    values = {d.scenario.name: counted(d, metric) for d in comparison.designs}
    ranked = {name: sign * v for name, v in values.items()}   # more is better
    means = {name: (float(np.nanmean(v)) if np.isfinite(v).any() else -math.inf) for name, v in ranked.items()}
    scale = value_scale(ranked.values())
    defined = defined_shares(values, metric)
    order = defined_first(sorted(means, key=lambda name: -means[name]), defined, means, scale)
    best = order[0]
    if not math.isfinite(means[best]):
        return None
    summary = interval(values[best], metric=metric)
    if metric in (*NEVER_IS_WORST, "budget_exhausted_day"):
        # counted, a day that never came is the day after the horizon: no mean lies past it (an interval of a
        # payback on day 1 in 3 replicates of 4 reached day 126 of a 120-day run), as METRIC_BOUNDS cuts the others
        last = next(d.scenario.days for d in comparison.designs if d.scenario.name == best) + 1.0
        # the horizon itself where the day came in every run, as comparison.csv cuts it (decide said 101 of a
        # 100-day run whose every payback came)
        last -= float(np.all(np.asarray(values[best], dtype=float) < last))
        summary["ci_low"], summary["ci_high"] = min(summary["ci_low"], last), min(summary["ci_high"], last)
    n = min(len(v) for v in values.values())
    stacked = np.vstack([np.where(np.isfinite(v[:n]), v[:n], -np.inf) for v in ranked.values()])
    # a replicate where designs share the highest value counts for each (argmax gave it to the first listed)
    top = stacked.max(axis=0) if n else np.array([])
    names = list(values)
    mine = stacked[names.index(best)] == top
    share = float(mine.mean()) if n else math.nan
    level = float((mine & ((stacked == top).sum(axis=0) > 1)).mean()) if n else 0.0
    tied_with = tuple(name for name in order[1:] if same_mean(means[name], means[best], scale)
                      and defined[name] == defined[best])
    # each design's share of replicates best (alone or level): the tied designs' are said with the tie, and those best
    # more often than the leader beside it
    best_in = {name: float((stacked[i] == top).mean()) if n else math.nan for i, name in enumerate(names)}
    shares = {name: best_in[name] for name in (best, *tied_with)}
    oftener = {name: part for name, part in best_in.items() if name not in shares and part > share}
    # a design with no finite value is no contender: against_the_best leaves it out; a copy of the best (its values
    # in every replicate) is a tie, named as one, and the runner-up is the next design that differs: 'against the
    # runner-up dsc-copy: 0 [0, 0] (not told apart from dsc-copy ... with these replicates)' was said of a copy
    finite = [name for name in order[1:] if math.isfinite(means[name])]
    copy_of = copies(values, best, finite)
    runner_up = next((name for name in finite if copy_of[name] != best), finite[0] if finite else None)
    diff = {"diff_mean": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan}
    each, behind, tests = LEVEL, (), 0
    if runner_up is not None:
        levels, differences, behind = against_the_best(values, best, metric, comparison.paired)
        if copy_of[runner_up] != best:
            behind = tuple(name for name in behind if copy_of.get(name) != best)
        tests = holm_tests(values, best)
        diff, each = differences[runner_up], levels[runner_up]
        if metric in (*NEVER_IS_WORST, "budget_exhausted_day"):
            # counted days lie from day 1 to the day after the horizon: no difference of them is wider than the
            # horizon, as comparison.csv cuts it (decide's ran to -588 on a 120-day run)
            span = float(max(d.scenario.days for d in comparison.designs))
            diff = {**diff, "diff_ci_low": max(diff["diff_ci_low"], -span), "diff_ci_high": min(diff["diff_ci_high"], span)}
    best_scenario = next(d.scenario for d in comparison.designs if d.scenario.name == best)
    # no program: nothing to pay back; no budget: none to run out (not "never ran out", "never paid back")
    payback = _days(runs[best], "payback_day") if has_program(best_scenario) else (math.nan, math.nan)
    budget = _days(runs[best], "budget_exhausted_day") if has_program(best_scenario) and \
        has_budget(best_scenario.program.incentive) else (math.nan, math.nan)
    return Decision(metric, best, summary["mean"], summary["ci_low"], summary["ci_high"], share, n, runner_up,
                    diff["diff_mean"], diff["diff_ci_low"], diff["diff_ci_high"], *budget, *payback,
                    tied_with=tied_with, share_level=level, shares=shares, diff_level=each, not_told_apart=behind,
                    tests=tests, copies=tuple(name for name in finite if copy_of[name] == best),
                    oftener=dict(sorted(oftener.items(), key=lambda item: -item[1])))


def unranked_why(metric: str) -> str:
    """Why designs are not ranked on ``metric``, one of UNRANKED (compare's decide and
    sensitivity's decision refuse it)."""
    return NOT_A_VERDICT_WHY if metric in NOT_A_VERDICT else SHIFTED_WHY if metric in SHIFTED else \
        ("is reported, not ranked: less of it is no better by itself (a design that spends less may add less)"
         if metric in SPENDS else "is reported, not ranked: it is no measure of what a design is worth by itself (a "
                                  "design with fewer fakes, or a budget that lasts longer, may add less)")


def _decided_metric(comparison: Comparison, metric: str | None) -> str:
    """``metric`` if decide can rank designs by it (None: the default verdict), else one
    ScenarioError line."""
    from .evaluation import check_metric

    if not hasattr(comparison, "designs"):   # a table: "'DataFrame' object has no attribute 'designs'"
        raise TypeError(f"decide() takes the Comparison that compare() returns, not {type(comparison).__name__}")
    named, metric = metric is not None, VERDICT_METRIC if metric is None else metric
    if not isinstance(metric, str):   # metric=5 stopped on "'int' object is not iterable"
        raise TypeError(f"decide(): metric must be a metric's name such as {VERDICT_METRIC!r}, not "
                        f"{type(metric).__name__} {metric!r}")
    check_metric(metric, source="metric", refused=UNRANKED)
    if metric in UNRANKED:
        raise ScenarioError(f"{metric} {unranked_why(metric)}; decide by {VERDICT_METRIC}, or read it in comparison.csv",
                            key="metric")
    if any(metric not in d.runs.columns for d in comparison.designs):
        if metric == VERDICT_METRIC and not named:
            # the twins were not run: what each run is worth at its horizon decides, whose difference between designs
            # sharing a twin is their difference in incremental_value (profit within the horizon reversed a verdict
            # sure at 95% on value, dropping 126 more customers' future margin); profit where runs predate it
            return "net_value" if all("net_value" in d.runs.columns for d in comparison.designs) else "cumulative_profit"
        raise ScenarioError(f"{metric} is measured against each design's no-program twin, which this comparison did "
                            f"not run; compare(..., baseline=True) runs them", key="metric")
    return metric


def _days(runs: pd.DataFrame, column: str) -> tuple[float, float]:
    """Median of a day column over the replicates where it happened, and their share."""
    if column not in runs.columns or not len(runs):
        return math.nan, math.nan
    days = runs[column].to_numpy(dtype=float)
    happened = np.isfinite(days)
    return median_day(days), float(happened.mean())
