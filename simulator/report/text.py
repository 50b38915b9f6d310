"""Numbers as a reader sees them: formatting, the summary table, summary.json."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..behaviour.budget import months_begun
from ..behaviour.timing import first_joining_day
from ..config import has_program
from ..yaml_reader import flow
from ..metrics import SUMMARY_METRICS
from ..runner import INCREMENTAL_METRICS

METRIC_TEXT = {**SUMMARY_METRICS, **INCREMENTAL_METRICS}

#: Units an axis does not name: a pure number ("-") or none known.
_UNITLESS = {"", "-"}


def unit_of(name: str) -> str:
    """The unit of a metric (the ``[unit]`` its description ends with), of a daily column, or
    of a scenario key (docs/model.md's unit column; a key written without its kind or with a
    list's item number, as a sweep or --vary writes it, reads the unit its kinds share); ''
    when none is known or it is a pure number."""
    import re

    from ..metrics import DAILY_COLUMNS

    name = re.sub(r"\.\d+(?=\.|$)", "", name)   # a list's item (program.channels.0.extra_invites): its key's unit
    # a run's metric, else a daily column, or its running total (calibrate's cumulative_new_referred)
    text = METRIC_TEXT.get(name) or DAILY_COLUMNS.get(name) or DAILY_COLUMNS.get(name.removeprefix("cumulative_"))
    if text is not None:
        found = re.search(r"\[([^\]]*)\]\s*$", text)
        unit = found.group(1) if found else ""
    else:
        unit = _key_units().get(name, "")
    return "" if unit in _UNITLESS else unit


def _key_units() -> dict[str, str]:
    """{scenario key written without kinds: its unit}, for the keys whose kinds agree on one."""
    global _KEY_UNITS
    if _KEY_UNITS is None:
        import re

        from ..paramdoc import rows

        found: dict[str, set[str]] = {}
        for row in rows():
            found.setdefault(re.sub(r"\[[^\]]*\]", "", row[0]), set()).add(row[2])
        _KEY_UNITS = {key: units.pop() for key, units in found.items() if len(units) == 1}
    return _KEY_UNITS


_KEY_UNITS: dict[str, str] | None = None


def axis_label(name: str, extra: str = "", *, unit: str | None = None) -> str:
    """``name`` as an axis names it: with its unit in brackets where it has one
    (incremental_value [currency], program.incentive.referrer_reward [currency]), then
    ``extra`` (" (log scale)"). ``unit``: the unit, where ``name`` is not itself a metric
    or key ("mean incremental_value")."""
    unit = unit_of(name) if unit is None else unit
    return f"{name} [{unit}]{extra}" if unit else f"{name}{extra}"


def summary_dict(summary: pd.DataFrame) -> dict:
    """{scenario: {metric: {mean, ci_low, ci_high, p2_5, p97_5, n}}} with NaN as null."""
    out: dict = {}
    for row in summary.to_dict("records"):
        stats = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in row.items() if k not in ("scenario", "metric")}
        out.setdefault(row["scenario"], {})[row["metric"]] = stats
    return out


def fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    magnitude = abs(value)
    if magnitude >= 999.95:   # 999.96 rounds to 1,000 as 1000 is written, not "1000.0"
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    short = f"{value:.3g}"
    # rounded, its trailing zeros are figures: 7.002 read "7" beside 6.81, and 3.0002 "3" beside [2.45, 3.56], as if
    # exact whole numbers; an exact 0.5 or 3 stays as it is
    return short if float(short) == value or "e" in short else f"{value:#.3g}"


def fmt_short(value: float) -> str:
    """A number in a few characters (a heatmap cell's): 21.7k, 1.23M, 0.482 (2.15e+04 read
    as code). The unit is chosen after rounding to 3 figures: 999.6 is 1k, not 1e+03."""
    magnitude = abs(value)
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if magnitude >= 0.9995 * scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.3g}"


def horizon_profit(days: int) -> str:
    """What cumulative profit over ``days`` days is: '1-year profit', '2-year profit', '90-day profit'."""
    return f"{days // 365}-year profit" if days and days % 365 == 0 else f"{days}-day profit"


def against_no_program(low: float, high: float, clause: bool = False, defined: int | None = None,
                       runs: int | None = None) -> str:
    """What an incremental value's 95% interval says against no program: nothing when it
    excludes 0, that it is not distinguishable when it holds 0, that it is no program's
    value in every replicate when it is 0 in each, and that there is no interval at all
    for one replicate (which read as 'not distinguishable with these replicates', a
    verdict drawn from no spread), or for one replicate of ``runs`` with a value
    (``defined``). ``clause``: a parenthesis inside a sentence, else the end of the sentence."""
    if not (math.isfinite(low) and math.isfinite(high)):
        if defined is not None and runs is not None and runs > 1:
            text = (f"only {counted(defined, 'replicate')} of {runs} {'has' if defined == 1 else 'have'} a value, so there "
                    f"is no interval and nothing here says whether it differs from no program")
        else:
            # 'as scenarios default to 10' was said of bundled files of 6: the schema's default is no file's count
            text = ("one replicate gives no interval, so nothing here says whether it differs from no program; run 2 or "
                    "more (`--replicates`)")
    elif low > 0 or high < 0:
        return "" if clause else "."
    elif low == 0 and high == 0:
        text = "the same as no program in every replicate"
    else:
        text = "not distinguishable from no program with these replicates; more replicates narrow the interval"
    return f" ({text})" if clause else f": {text}."


def undefined_value_reason(scenario) -> str:
    """Why the value a program adds has no finite value in any replicate: with no
    discounting, a customer who never churns (evaluation.never_churn_keys names the churn
    key at 0) is worth margin for ever, and infinite equity less infinite equity is no
    number."""
    from ..evaluation import infinite_equity, never_churn_keys

    if infinite_equity(scenario):
        zero = ", ".join(f"`{key}: 0`" for key in never_churn_keys(scenario))
        return (f"with no discounting (`economics.annual_discount_rate: 0`) a customer who never churns ({zero}) is "
                f"worth infinite equity, and the difference of two infinities is no number; give a discount rate above 0, "
                f"such as the default 0.1")
    return "a term of it is not finite in any replicate (runs.csv gives each term by replicate)"


def counted(n: int, noun: str) -> str:
    """'1 replicate', '3 replicates' (a noun that takes an s)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def interval_text(low: float, high: float) -> str:
    return f"[{fmt(low)}, {fmt(high)}]"


def span_text(low: float, high: float) -> str:
    """A range in a table cell, ``low – high``, or one "–" where it has no ends (an interval
    of one run): "– – –" read as a glitch."""
    return f"{fmt(low)} – {fmt(high)}" if math.isfinite(low) and math.isfinite(high) else "–"


def level_text(level: float) -> str:
    """An interval's level as a percentage with what it needs of two decimals: 95%, 97.5%, 98.33%."""
    return f"{level * 100:.2f}".rstrip("0").rstrip(".") + "%"


def metric_label(metric: str, days: int | None) -> str:
    """A metric's name as a report shows it: cumulative profit says over which horizon."""
    return f"{metric} ({horizon_profit(days)})" if metric == "cumulative_profit" and days else metric


def summary_table(summary: pd.DataFrame, days: int | None = None, runs: int | None = None,
                  k_window: int | None = None) -> str:
    """The summary as a markdown table; a metric defined in fewer than ``runs`` runs (a
    budget that ran out in 3 of 6: its day's mean is over those 3) says in how many, and
    K's meaning gives the scenario's window (``k_window``: 365 days in the B2B files, read
    as the default 30)."""
    runs = int(summary["n"].max()) if runs is None and "n" in summary and len(summary) else runs
    lines = ["| metric | mean | 95% interval of the mean | 2.5–97.5% of runs | meaning |", "|---|---|---|---|---|"]
    for row in summary.to_dict("records"):
        within = f" ({int(row['n'])} of {runs} runs)" if runs and "n" in row and row["n"] < runs else ""
        lines.append(f"| {metric_label(row['metric'], days)} | {fmt(row['mean'])}{within} | {span_text(row['ci_low'], row['ci_high'])} | "
                     f"{span_text(row['p2_5'], row['p97_5'])} | {_meaning(row['metric'], k_window)} |")
    return "\n".join(lines)


def unseen_share(runs: int) -> float:
    """The largest share of launches, at 95% confidence, that could give another value
    where all ``runs`` replicates agreed: 1 − 0.05^(1/runs) (about 3/runs, the rule of three)."""
    return 1 - 0.05 ** (1 / runs)


def lumped(values) -> tuple[float, int, int] | None:
    """(the value, how many replicates gave it, how many gave a value) where more than half
    of ``values`` (one per replicate, NaN for none) sit on one value; None otherwise."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return None
    found, counts = np.unique(finite, return_counts=True)
    top = int(counts.argmax())
    return (float(found[top]), int(counts[top]), len(finite)) if 2 * counts[top] > len(finite) else None


#: Metrics whose replicates often sit on one value with a rare tail (day 1 and a late payback; no fake claim and a
#: few costly ones), where the t interval of the mean is too narrow: docs/model.md measures it.
LUMPED_METRICS = ("payback_day", "fraud_cost")


def spans_every_day(summary, scenario, metric: str = "payback_day") -> bool:
    """Whether ``metric``'s interval in ``summary`` (summary.csv's table) already spans every
    day a run can give, 1 to the horizon: "the interval is too narrow" was said of 1 – 120
    on a 120-day run (runs 81, 1 and 1)."""
    if summary is None or metric != "payback_day":
        return False
    rows = summary[summary["metric"] == metric]
    if not len(rows):
        return False
    low, high = float(rows["ci_low"].iloc[0]), float(rows["ci_high"].iloc[0])
    return low <= 1 and high >= scenario.days


def lumped_text(values, spans: bool = False) -> str:
    """The console's short word on a metric whose replicates mostly gave one value
    (lumped): payback day 1 in 6 of 6 read "95% CI 1 – 1", where the true mean was 3.7,
    and such intervals held the true mean about half the time (docs/model.md). ""
    otherwise, and where some replicates differ and the interval already spans every
    value a run can give (``spans``: spans_every_day); report.md's longer sentence is
    lumped_note's."""
    found = lumped(values)
    if found is None:
        return ""
    value, top, n = found
    if top < n and spans:
        return ""
    if top == n:
        return f"all {n} gave {fmt(value)}: up to {unseen_share(n):.0%} of launches may differ, unseen here"
    return f"{top} of {n} gave exactly {fmt(value)}: the interval is too narrow"


def lumped_findings(runs: pd.DataFrame, scenario, summary=None) -> tuple[list[tuple], list[tuple]]:
    """The LUMPED_METRICS whose replicates mostly gave one value, as (metric, value, count,
    replicates): those where every replicate did, and those where more than half did. Fake
    claims' cost only where the scenario has fraud, and no payback where there is nothing
    to pay back (day 1 by definition), nor where its interval in ``summary`` already spans
    every day (spans_every_day)."""
    # fake claims cost something only where a reward is paid: none with no program or a reward of 0 (a note there
    # said a launch could give another value than 0)
    fraud = (getattr(getattr(scenario, "fraud", None), "share", 0) > 0 and "reward_cost" in runs
             and bool((runs["reward_cost"].astype(float) > 0).any()))
    every, most = [], []
    for metric in LUMPED_METRICS:
        if metric not in runs.columns or (metric == "fraud_cost" and not fraud):
            continue
        if metric == "payback_day" and (not has_program(scenario) or nothing_to_pay_back(runs)):
            continue
        if (found := lumped(runs[metric])) is not None:
            value, top, n = found
            if top < n and spans_every_day(summary, scenario, metric):
                continue
            (every if top == n else most).append((metric, value, top, n))
    return every, most


def lumped_note(runs: pd.DataFrame, scenario, summary=None) -> str:
    """report.md's sentence, after the summary table, on the LUMPED_METRICS whose
    replicates mostly gave one value (lumped_findings)."""
    every, most = lumped_findings(runs, scenario, summary)
    said = []
    for n in dict.fromkeys(n for *_, n in every):   # grouped by the replicates that gave a value (a payback: those paid)
        alike = [(metric, value) for metric, value, _, count in every if count == n]
        names = " and ".join(f"`{metric}` ({fmt(value)})" for metric, value in alike)
        said.append(f"{names} took one value in all {n} replicates{' that gave one' if n < len(runs) else ''}, so "
                    f"{'their intervals have' if len(alike) > 1 else 'its interval has'} no width, yet a rarer outcome "
                    f"can move a mean: up to {unseen_share(n):.0%} of launches could give another value and go unseen "
                    f"in {n} replicates (at 95%)")
    for metric, value, top, n in most:
        said.append(f"`{metric}` was exactly {fmt(value)} in {top} of {n} replicates: its mean rests on the other "
                    f"{n - top}, and its interval is too narrow")
    if not said:
        return ""
    return ("**Intervals too narrow:** " + "; ".join(said) + ". Such intervals held the true mean about half the time "
            "in docs/model.md's tests, and more replicates narrow the gap slowly: the median and the 2.5–97.5% range of "
            "runs say more of such a metric than its mean.")


#: Ratios per run whose mean over a few runs is skewed: their t interval held the true mean 74-87% of the time
#: (docs/model.md, "Where the interval is too narrow").
SKEWED_RATIOS = ("incremental_cac", "incremental_cac_vs_paid", "ltv_ratio")


def skew_reason(metric: str) -> str:
    """Why a ratio of SKEWED_RATIOS is skewed over a few runs: a cost per extra customer by
    the runs that add few; the LTV ratio by the referred customers' churn rate, measured on
    few of them and few churn events (it was said to be skewed "by runs that add few
    customers" beside a no-program design that adds none by definition)."""
    if metric == "ltv_ratio":
        return "skewed by runs whose referred customers, or their churn events, are few (each LTV rests on its group's churn rate)"
    return "skewed by runs that add few customers"


def runs_whole_cost(runs: pd.DataFrame) -> pd.Series:
    """runner.whole_cost of each run of ``runs`` (runs.csv rows), a column it lacks
    counted as 0."""
    from ..runner import whole_cost

    return whole_cost({c: runs[c].astype(float) if c in runs.columns else 0.0
                       for c in ("program_cost", "rewards_owed", "rewards_unpaid")})


def pooled_cac(runs: pd.DataFrame) -> float:
    """The incremental CAC over all ``runs`` together: mean whole cost over mean
    incremental customers (NaN where the program adds none on average)."""
    if not {"program_cost", "incremental_customers"} <= set(runs.columns) or not len(runs):
        return math.nan
    extra = float(runs["incremental_customers"].mean())
    return float(runs_whole_cost(runs).mean()) / extra if extra > 0 else math.nan


def ratio_of_means_note(runs: pd.DataFrame) -> str:
    """Incremental ROI and CAC over all the runs together, as a sentence: the summary's
    are means of each run's ratio, and a run where the program added no customer has no
    CAC and drops out of its mean (a run with 3 fewer customers than its twin left a
    mean of 31.2 over the other 5, the kindest). Their ratios of the means count every
    run: mean incremental value (or mean whole cost) over mean whole cost (or mean
    incremental customers), the whole cost being program_cost + rewards_owed +
    rewards_unpaid as in runner.incremental_metrics. Empty without the twins' columns."""
    needed = {"incremental_value", "incremental_customers", "program_cost"}
    if not needed <= set(runs.columns) or not len(runs):
        return ""
    cost = runs_whole_cost(runs).mean()
    value, extra = float(runs["incremental_value"].mean()), float(runs["incremental_customers"].mean())
    if not (np.isfinite(cost) and cost > 0 and np.isfinite(value)):
        return ""
    roi = f"incremental ROI {fmt(value / cost)} (mean value {fmt(value)} over mean cost {fmt(cost)})"
    cac = (f"incremental CAC {fmt(cost / extra)} (mean cost over {fmt(extra)} extra customers)" if extra > 0 else
           f"no incremental CAC: on average the program adds no customers ({fmt(extra)})")
    dropped = int(runs["incremental_cac"].isna().sum()) if "incremental_cac" in runs.columns else 0
    if len(runs) == 1:   # 'over all 1 runs together ... their mean's interval is too narrow' of a run with none:
        return ""        # one run's ratios are the summary's own
    return ("The summary's incremental ROI and CAC are means of each run's ratio"
            + (f"; CAC leaves out the {dropped} run{'s' if dropped > 1 else ''} where the program added no customer "
               f"or lost some" if dropped else "")
            + f". Over all {len(runs)} runs together (ratios of the means): {roi}; {cac}."
            # a run with few extra customers gives a large CAC: the mean of such ratios is skewed, and its t interval
            # held the true mean 74-79% of the time (docs/model.md)
            + (" A run that adds few customers gives a large CAC, so the runs' CACs (and `ltv_ratio`s) are skewed: "
               "their mean's interval is too narrow, mostly too low (docs/model.md measures it), and the ratio of the "
               "means is the steadier figure." if "incremental_cac" in runs.columns else ""))


def pooled_k_note(summary: pd.DataFrame, k_by_month: pd.DataFrame | None) -> str:
    """Cohort K over all the runs together, as a sentence, where it lies outside the 95%
    interval of the summary's `k_factor`: that is the mean of each run's K, and each run
    weighs alike however few customers its K rests on. In a cascade from a few seeds, a
    run that ends small has K = 1 - (the seeds' referrals) / (its customers), low: a
    Galton-Watson cascade with K = (d - 1) p = 0.6 read `k_factor` 0.561 [0.536, 0.586]
    over 100 runs, where all their customers together made 0.595 referrals each. The
    ratio of the sums (k_by_month's referrals over its customers, which add up to each
    run's K) is what a closed form for K per customer predicts; the mean is what one
    launch would measure. Empty where the two agree or either is unknown."""
    if k_by_month is None or not {"customers", "referrals"} <= set(k_by_month.columns) or "metric" not in summary:
        return ""
    rows = summary[summary["metric"] == "k_factor"]
    customers = float(k_by_month["customers"].sum())
    if len(rows) != 1 or not customers > 0:
        return ""
    row = rows.iloc[0]
    mean, low, high = (float(row[c]) for c in ("mean", "ci_low", "ci_high"))
    pooled = float(k_by_month["referrals"].sum()) / customers
    if not (math.isfinite(low) and math.isfinite(high)) or low <= pooled <= high:
        return ""
    runs = int(k_by_month["replicate"].nunique()) if "replicate" in k_by_month else 0
    side = "down" if mean < pooled else "up"
    return (f"The summary's `k_factor` ({fmt(mean)}) is the mean of each run's K, every run weighing alike however "
            f"few customers its K rests on. Over all {runs} runs together, their {customers:,.0f} customers whose "
            f"windows had elapsed made {fmt(pooled)} tracked referrals each (k_by_month.csv's referrals over its "
            f"customers), outside that mean's 95% interval: runs whose K rests on few customers pull the mean {side}. "
            f"Compare a closed form for K per customer with {fmt(pooled)}; the mean is what one launch would measure.")


def _meaning(metric: str, k_window: int | None) -> str:
    text = METRIC_TEXT.get(metric, "")
    return text.replace("k_window_days", f"{k_window} days (`k_window_days`)") if k_window else text


#: What each figure shows and how to read it: the line under it in report.md. Every band
#: or bar over replicates covers 2.5-97.5% of them (report.plots.SPREAD).
CAPTIONS = {
    "adoption": "Active customers per day, one line per design (and per no-program twin where there is one): "
                "the mean over the replicates (line) and 2.5–97.5% of the replicates (band; none with one replicate).",
    "acquisition_mix": "New customers to date by where they came from, one panel per design (and per twin): organic, referred "
                       "through a tracked link, and word of mouth that no link tracks (mean, and 2.5–97.5% of replicates "
                       "with two or more).",
    "cumulative_profit": "Profit to date per design (mean, and 2.5–97.5% of replicates with two or more). The "
                         "last day is the horizon's profit: the future margin of the customers still active then is "
                         "not in it.",
    "incremental_value": "Each design minus its no-program twin on the same seeds: the line is the profit it adds to "
                         "date (below 0 it has not yet paid back; a dashed line marks the median payback day), and, "
                         "in the narrow panel on its own scale, the dot and bar are its incremental value at the "
                         "horizon, the headline, with the customers still active counted (mean, and 2.5–97.5% of "
                         "replicates with two or more).",
    "k_by_month": "Cohort K by the month customers joined: tracked referrals per customer within their window. "
                  "Above the dashed K = 1 each cohort more than replaces itself; a falling line is a loop running out of "
                  "prospects (a network filling), of willing referrers or of budget.",
    "roi_distribution": "Incremental ROI (value added per unit of program cost, against the twins) beside the "
                        "attributed ROI a referral dashboard shows, as histograms over the replicates: the second "
                        "credits referrals that would have come anyway.",
    "paired_vs_unpaired": "The verdict's difference (the best less the runner-up, where neither is the reference) "
                          "and each difference from the reference, with its paired 95% interval (thick; the verdict's at its "
                          "own level where its label gives one, as report.md quotes it) and its "
                          "unpaired one (thin), in unpaired half-widths: where the thick bar misses 0 and the thin "
                          "one does not, the common random numbers told the designs apart. Differences from a side "
                          "that is the same in every replicate (a no-program reference's incremental value) are "
                          "left out: there is nothing to pair away. A difference many half-widths from 0 (a cost "
                          "that differs for sure) is cut at the axis's edge, its centre written there, so that "
                          "it does not squeeze the other rows.",
    "convergence": "Each trial's mean objective (dot size: replicates) and, where two or more trials keep the "
                   "constraints, the best so far among them (a line; none where no trial keeps them); an x is a trial that "
                   "breaks a constraint; beside the winner, its mean and 95% interval on fresh seeds, the figure "
                   "report.md gives.",
    "pareto": "The trade-off between the two objectives: every trial at its means over the first rung's replicates "
              "(the seeds every trial ran), the front of trials no other beats on both (where any keeps the "
              "constraints), and the chosen trial (star); "
              "an x breaks a constraint over all the replicates it ran, so it can sit on the near side of a "
              "constraint's dashed line.",
    "tornado": "Each assumption alone at the low and high end of its range (or at each of its choices), the others "
               "as the design has them: bars start from the vertical line, the design's own value, and the longest "
               "move the decision metric most.",
    "sobol": "Sobol indices: the share of the decision metric's variance each assumption explains alone (S1) and "
             "with its interactions (ST), with 95% half-widths, per design and, with two designs or more, for the "
             "leader's advantage over the runner-up; with 2 replicates or more, the dashed line is the share of the "
             "variance the runs' luck may hold.",
    "posterior": "The fitted values: where the accepted draws fall within each prior range (bars), their median "
                 "and interval; a posterior as wide as its prior is a value the pilot does not pin down.",
    "forecast": "The whole launch forecast from the fitted values (median and interval per day), with the pilot's "
                "own counts in the columns the fit used (dots): they should sit inside the band. Columns the fit did "
                "not use (a pilot's customers or profit) are not drawn.",
}


def caption(stem: str) -> str:
    """The line under figure ``stem`` in report.md (run, compare and the decision commands;
    a sweep's metric figures are captioned by sweep_caption); '' for a figure with none."""
    return CAPTIONS.get(stem, "")


def sweep_caption(metric: str, *, heatmap: bool = False, sampled: bool | None = False, paired: bool = False,
                  by: str | None = None, defined: bool | str = False, outlined: bool = False,
                  lone: bool = False, told_apart_in_report: bool = False, assumption_panels: bool = False,
                  bare: Sequence[str] = ()) -> str:
    """The line under a sweep's ``<metric>.png`` (``heatmap``: ``<metric>_heatmap.png``), as
    the figure is drawn: a band per level, or for ``sampled`` ranges every run and each
    point's mean (None: some panels are value lists, some sampled ranges); a ``paired`` band
    (common random numbers) of the difference from the best
    level (``assumption_panels``: an assumption's panel keeps its own interval), or a
    band of each level's own mean with the levels ``told_apart_in_report`` (a payback day
    or a cost per extra customer, ranked by report.md's test, not by a band: the figure
    draws no paired band or dotted line for them); one line per value of the assumption
    ``by``; means over the runs that have a ``defined`` day; the ``outlined`` best point. A cost's map is yellow at its highest,
    not at a better end: the report ranks no level of it."""
    from ..compare import LOWER_IS_BETTER, UNRANKED

    # ``defined``: the runs the means are over, as the figure's title says them (report.sweep.DEFINED_IN); a cost per
    # extra customer's read "over the runs where the day came" under a title saying "the runs that added customers"
    over = defined if isinstance(defined, str) else "the runs where the day came"
    days = f" (over {over}, not over every run)" if defined else ""
    if heatmap:
        end = ("yellow is the highest, not a better end: report.md ranks no level of it (less is not better on its "
               "own)" if metric in UNRANKED else "yellow is the better end, the lowest" if metric in LOWER_IS_BETTER
               else "yellow is the better end, the highest")
        return (f"Mean {metric}{days} over the grid of two parameters: {end}; a hatched cell marked "
                f"'failed' is a point whose runs all failed (report.md says why), a blank cell a point that ran where no run "
                f"has it, and 'k of n runs' under a mean says it is over only the runs that have it." + (" Outlines mark report.md's best point (red) and the points not told apart from it (dashed)."
                          if outlined else "")
                + " A bright cell alone is no finding: the colours spread over whatever span the means have.")
    if sampled:
        return (f"{metric} against each sampled parameter: every run (grey) and each point's mean{days}; the other "
                f"parameters vary from point to point, so each panel's spread holds their effects too.")
    # ``lone``: one run at every level, no band drawn (the caption promised one)
    band = ("no band: one run per level gives no interval" if lone else
            "a 95% band of each level's paired difference from the best level, whose mean is dotted: a band that "
            "misses the dotted line is a level told apart from the best"
            + (" (an assumption's panel: its own 95% band)" if assumption_panels else "") if paired else
            "a 95% band of each level's own mean (which levels are told apart from the best: report.md)"
            if told_apart_in_report else "a 95% band")
    if bare and not lone:   # some panels' lines hold one run per level (plots.lone_panels)
        band += f" (none on the panel of {', '.join(bare)}, whose lines have one run per level)"
    if sampled is None:   # a sampled sweep with a value list: each panel as it is drawn
        return (f"{metric} against each swept parameter: for a list of values, its mean per value{days} and {band}; "
                f"for a sampled range, every run (grey) and each point's mean; the other parameters vary from point to "
                f"point, so each panel's spread holds their effects too.")
    return (f"{metric} against each swept parameter: its mean per level{days} and {band}"
            + (f", one line per value of {by}" if by else "")
            + "; with several parameters, each panel averages over the others' values.")


def figure_links(figures: list, captions: dict[str, str] | None = None) -> list[str]:
    """Markdown image lines for figures written beside report.md, each with its caption
    under it: ``captions[stem]`` where given, else ``caption(stem)``."""
    def text(stem: str) -> str:
        return (captions or {}).get(stem) or caption(stem)

    return [f"![{f.stem}]({f.name})\n" + (f"*{line}*\n" if (line := text(f.stem)) else "") for f in figures]


#: The share of the incremental value at which the value split names the leads still converting.
PIPELINE_NOTE = 0.01


def influencers_own_sentence(runs) -> str:
    """The part of a value that is the recruited influencers' own margin and equity
    (``influencers_own_value``), where there is one: they join as customers on day 0 and
    the twin has none of them, so ten who reached nobody 'paid' $139k in a B2B file."""
    if "influencers_own_value" not in runs.columns or not len(runs):
        return ""
    own = float(runs["influencers_own_value"].mean())
    if not own > 0:
        return ""
    # not 'of it': a program losing $362k holds no $3k of margin, the influencers' value made the loss smaller
    return (f" Its influencers' own margin and customer equity, {fmt(own)} on average (`influencers_own_value`), is "
            f"counted in this value: they join as customers on day 0 and the no-program twin has none of them, so that "
            f"part is customers bought with their fees, not what their reach brought; without it the value would be "
            f"{fmt(own)} lower. The rest is not their posts and reach alone: as customers they also share, are asked "
            f"and refer as any customer does, which the twin, without them, does not have (docs/model.md, Influencers); "
            f"to price the posts and reach, "
            f"compare with copies at `program.influencers.posts` 0, `reach_boost` 1 and `cost_each` 0: their `conversion` stands in "
            f"for every channel's, so run one at the lowest and one at the highest of `program.default_conversion` "
            f"(or the channels' own), between which their value as ordinary customers lies.")


def _each_worth(runs) -> str:
    """Whether the design's customers at the horizon are each worth more than the twin's
    (equity per customer, means over the runs), as a clause: "none worth more" was said
    of 20.4 fewer customers each worth 164.8 against the twin's 162.4, which made up most
    of what they would have cost."""
    needed = {"equity_final", "customers_final", "incremental_equity", "incremental_customers"}
    if not needed <= set(runs.columns):
        return "none worth more"
    mean = {column: float(runs[column].mean()) for column in needed}
    twin_customers = mean["customers_final"] - mean["incremental_customers"]
    if not (mean["customers_final"] > 0 and twin_customers > 0):
        return "none worth more"
    mine = mean["equity_final"] / mean["customers_final"]
    theirs = (mean["equity_final"] - mean["incremental_equity"]) / twin_customers
    if not (np.isfinite(mine) and np.isfinite(theirs)) or mine <= theirs:
        return "none worth more"
    return (f"each worth more on average ({fmt(mine)} against the twin's {fmt(theirs)} per customer, mean equity over "
            f"mean customers), which makes up part of the loss")


def value_split(runs, days: int, incentive=None) -> str:
    """The parts of the mean incremental value, as a sentence: the cash within the
    horizon (incremental profit); where they weigh, the referrals still converting then
    (incremental_pipeline_equity: the design's leads less the twin's, whose word of mouth
    has leads too); and the rest, the margin the extra customers still active at its end
    are expected to bring, less rewards still owed. The parts after the horizon grow
    with its end state, so the reader should see how much of the value they are."""
    if not {"incremental_value", "incremental_profit"} <= set(runs.columns) or not len(runs):
        return ""
    value, profit = float(runs["incremental_value"].mean()), float(runs["incremental_profit"].mean())
    if not (np.isfinite(value) and np.isfinite(profit)) or value == 0:
        return ""
    column = "incremental_pipeline_equity"
    pipeline = float(runs[column].mean()) if column in runs.columns else 0.0
    pipeline = pipeline if np.isfinite(pipeline) else 0.0
    known = float(runs["incremental_equity"].mean()) if "incremental_equity" in runs.columns else math.nan
    # a pipeline too small to name apart stays in the equity figure, which says so (81,270 "of customer equity"
    # held 733 of referrals still converting, and could not be recomputed from runs.csv); not where it outweighs the
    # equity itself: -48.2 of leads inside an equity of exactly 0 read as customers worth less than the twin's; nor where
    # the design's own leads are worth less than their rewards, which is said with them (_own_leads)
    folded = (abs(pipeline) < PIPELINE_NOTE * abs(value) and not (np.isfinite(known) and abs(pipeline) > abs(known))
              and not _own_leads(runs))
    within, pipeline = (pipeline, 0.0) if folded else (0.0, pipeline)
    # "splits into", not "of it": a loss's parts read as parts too (a loss of 973,827 "of it -1,287,456 is cash")
    cash = f"{fmt(profit)} of cash within the {days} days (incremental profit)"
    # the rewards still to pay are named apart: inside "customer equity" the charge for rewards beyond the budget
    # read as part of what the customers are worth (the twin owes none)
    owed = sum(float(runs[c].mean()) for c in ("rewards_owed", "rewards_unpaid") if c in runs.columns)
    owed = owed if np.isfinite(owed) else 0.0
    # a net pipeline below 0 is said as less, not "-114.5 of referrals still converting" (read as nonsense)
    # "including": beside a split that names the leads apart, "with 889.7 of referrals still converting" read as one
    # more part to add
    # named by its column, as the other parts are: it stood in no file, recomputable only as what was left
    # below 0 the design's leads, net of the rewards they will trigger, are worth less than the twin's: the twin's being
    # more, or the design's own rewards outweighing what those friends are worth (a $150 + $150 cash reward, or no
    # margin), which "the twin's referrals ... outweigh the design's" misread where the twin's leads were 0
    def short(on_day: str = "") -> str:
        return (f"by which the referrals still converting{on_day}, net of the rewards they will trigger, are worth less "
                f"than the no-program twin's")

    rest = value - profit - pipeline + owed
    # the column's own figure beside the pipeline folded in: "36,666 of margin (customer equity, `incremental_equity`,
    # together with 102.3 ...)" read as the column's value, which comparison.csv gave as 36,564
    alone = fmt(known if np.isfinite(known) else rest - within)
    small = (f", `incremental_equity` {alone}, together with {fmt(within)} of referrals still converting, `{column}`)"
             if within > 0 else f", `incremental_equity` {alone}, net of {fmt(-within)} {short()}, `{column}`)"
             if within < 0 else ", `incremental_equity`)")
    # a leftover of rounding where the design added nobody: "1.86e-10 of margin the extra customers ... bring"
    if abs(rest) < 1e-9 * max(1.0, abs(value), abs(profit), abs(pipeline), abs(owed)):
        rest = 0.0
    added = float(runs["incremental_customers"].mean()) if "incremental_customers" in runs.columns else math.nan
    # no more customers than the twin: the equity is what each is worth, not how many there are ('the extra customers'
    # was said beside incremental_customers -21.5)
    fewer = 'no more' if added == 0 else f'{fmt(-added)} fewer'
    # "each is worth more" was said of -5 where the program added nobody and nobody was worth more: the -5 was the
    # twin's leads outweighing the design's
    # a loss with more customers: those there are worth less than the twin's ("-3,025 of margin the extra customers ...
    # bring" was said beside 0.17 more customers, the loss existing accounts annoyed by reminders into leaving sooner)
    equity = (f"{fmt(rest)} of margin the extra customers still active on day {days} are "
              f"expected to bring (customer equity" + small if not added <= 0 and rest >= 0 else
              f"{fmt(rest)} of margin the customers still active on day {days} are expected to bring against the twin's, "
              f"though they are {fmt(added)} more: the customers there are worth less than the twin's, as when asks and "
              f"reminders annoy the existing ones into leaving sooner (customer equity" + small if not added <= 0 else
              f"{fmt(rest)} of margin the customers still active on day {days} are expected to bring beyond the twin's, "
              f"though they are {fewer} than the twin's: each is worth more, not more of them (customer equity" + small
              if rest > 0 else
              f"{fmt(rest)} of margin the customers still active on day {days} are expected to bring against the twin's, "
              f"they being {fewer} than the twin's and " + _each_worth(runs) + " (customer equity" + small)
    unpaid = "rewards_unpaid" in runs.columns and float(runs["rewards_unpaid"].mean()) > 0
    # paid on qualification what is unpaid was reserved within the budget, not earned beyond it (reserves)
    less = (f"less {fmt(owed)} of rewards still owed"
            + ((" or left unpaid" if reserves(incentive) else " or earned beyond the budget") if unpaid else "")
            + " for referrals already made") if owed > 0 else ""
    leads = (f"{fmt(pipeline)} of referrals still converting on day {days} (in a conversion lag or sales pipeline), net "
             f"of the no-program twin's (`{column}`)" if pipeline > 0 else
             f"less {fmt(-pipeline)} {short(f' on day {days}')} (`{column}`{_own_leads(runs)})")
    # customer equity exactly as the twin's (no margin): no part of the value, and no reason to find for it
    none = np.isfinite(known) and abs(rest) < 1e-9 * max(1.0, abs(value)) and not within
    # a twin's larger pipeline is taken off the parts, not one more of them: "..., and less 67.7 by which" read oddly
    parts = [cash, *([] if none else [equity]), *([leads] if pipeline > 0 else [])]
    joined = ((", ".join(parts[:-1]) + ("," if len(parts) > 2 else "") + " and " + parts[-1] if len(parts) > 1 else parts[0])
              + (f", {leads}" if pipeline < 0 else ""))
    return f" It splits into {joined}" + (f", {less}" if less else "") + "."


def _own_leads(runs) -> str:
    """Where the design's own leads still converting are worth less than the rewards they
    will trigger (its mean `pipeline_equity` below 0), the words that say so."""
    own = float(runs["pipeline_equity"].mean()) if "pipeline_equity" in runs.columns else math.nan
    return (f"; the design's own come to {fmt(own)}, `pipeline_equity`: their rewards outweigh what those friends "
            f"will bring" if np.isfinite(own) and own < 0 else "")


def referred_loyalty_note(scenario, runs, name: str | None = None) -> str:
    """Where a design's value against its twin is above 0 with no more customers than the
    twin, what that value rests on: customers who join through a friend are assumed to
    churn slower and earn more (`churn.referred_hazard_ratio`,
    `economics.referred_margin_premium`), whether or not they would have joined anyway.
    In a market that adopts on its own (organic_rate 0.01) the double-sided credit read
    +5,587 with 21 customers fewer than no program, and -14,866 with both set to
    neutral; no report named the assumption."""
    tests = referred_loyalty_tests(scenario, runs)
    if not tests:
        return ""
    ratio, premium = scenario.churn.referred_hazard_ratio, scenario.economics.referred_margin_premium
    value, added = loyalty_value(runs), float(runs["incremental_customers"].mean())
    who = f"**{name}** adds" if name else "The program adds"
    assumed = [*([f"churn {ratio:g} times as fast (`churn.referred_hazard_ratio`)"] if ratio < 1 else []),
               *([f"earn up to {premium:.0%} more (`economics.referred_margin_premium`)"] if premium > 0 else [])]
    beyond = (", beyond the leads still in its pipeline at the horizon"
              if float(runs["incremental_value"].mean()) != value else "")
    return (f"{who} value ({fmt(value)}{beyond}) without adding customers ({fmt(added)} against the twin): more of its "
            f"customers join through a friend, and those are assumed to {' and '.join(assumed)}, whether or not they "
            f"would have joined anyway. That is an assumption (docs/model.md, \"Assumptions that decide some "
            f"comparisons\"): test it with `refsim sensitivity` ({', '.join(tests)}).")


def loyalty_value(runs) -> float:
    """The value against the twin that referred customers' loyalty can carry: incremental_value
    less the leads still in a conversion lag or sales pipeline at the horizon
    (incremental_pipeline_equity), who are valued as they will join, not as customers yet.
    NaN where the value is undefined (customers who never leave, undiscounted: numpy warned
    on the console of the leads' inf − inf beside refsim's own word on it)."""
    value = float(runs["incremental_value"].mean())
    if not math.isfinite(value):
        return value
    pipeline = float(runs["incremental_pipeline_equity"].mean()) if "incremental_pipeline_equity" in runs else 0.0
    return value - (pipeline if math.isfinite(pipeline) else 0.0)


def referred_loyalty_tests(scenario, runs) -> list[str]:
    """The `refsim sensitivity` ranges that test what :func:`referred_loyalty_note` names, as
    backticked flags: [] where the design's value does not rest on referred customers' assumed
    loyalty (a value above 0 against its twin with no customer added)."""
    if runs is None or not {"incremental_value", "incremental_customers"} <= set(runs.columns) or not len(runs):
        return []
    ratio, premium = scenario.churn.referred_hazard_ratio, scenario.economics.referred_margin_premium
    value, added = loyalty_value(runs), float(runs["incremental_customers"].mean())
    # no customer joined through a referral: nothing to be loyal (a 21-day B2B run's value was all leads still in its
    # sales pipeline, 0 referred customers, and the note blamed referred customers' loyalty)
    referred = float(runs["referred_customers"].mean()) if "referred_customers" in runs else 1.0
    if not (value > 0 and added <= 0) or (ratio >= 1 and premium <= 0) or referred <= 0:
        return []
    return [*([f"`--uncertain churn.referred_hazard_ratio={ratio:g}:1`"] if ratio < 1 else []),
            *([f"`--uncertain economics.referred_margin_premium=0:{premium:g}`"] if premium > 0 else [])]


def share_text(share: float) -> str:
    """A share as a percentage, with two significant figures below 10% (a reward buying
    0.51% of the largest rise read "1%", and the organisation reward's 1.7% "2%")."""
    return f"{share * 100:.2g}%" if 0 < abs(share) < 0.1 else f"{share:.0%}"


def reward_weighing(scenario) -> str:
    """How the model weighs the rewards on offer, as a sentence: the reward scale in
    currency (set, or months of margin), what a reward paid after the qualification
    days is worth to people now, the share of a reward's largest effect the referrer's
    and the friend's rewards buy, and the fake share of referral signups the
    two together draw. All move with the margin when the scale is set in months, which
    the reader should see."""
    from ..behaviour import incentive as inc
    from ..config import NoIncentive

    incentive = scenario.program.incentive
    if isinstance(incentive, NoIncentive):
        return ""
    scale = inc.scale(incentive, scenario.economics)
    referrer = float(incentive.referrer_reward)  # a tiered program's first tier
    friend = float(getattr(incentive, "referee_reward", 0.0) or 0.0)
    how = ("`reward_scale`" if incentive.reward_scale is not None else
           f"{incentive.reward_scale_months:g} months of the {fmt(scenario.economics.monthly_margin)} monthly margin"
           if incentive.reward_scale_months * scenario.economics.monthly_margin > 0 else
           # "1 (3 months of the 0 monthly margin)": the fallback read as arithmetic
           "the fallback where months of the margin come to 0; give `reward_scale`")
    weight = inc.type_weight(incentive, scenario.program.reward_type_weights)
    source = ("`type_weight`" if incentive.type_weight is not None else
              f"`reward_type_weights` for a {incentive.audience} audience")
    article = "an" if incentive.reward_type[0] in "aeiou" else "a"   # "a organization reward" read as a slip
    weighed = f", weight {weight:g} for {article} {incentive.reward_type} reward ({source})" if weight != 1 else ""
    factor = inc.delay_factor(incentive)
    friend_is = "the referred business" if incentive.audience == "business" else "the friend"
    delay = inc.payment_delay(incentive)
    later = (f"; paid {delay} day{'' if delay == 1 else 's'} after {friend_is} joins (`qualification_days`), a reward moves "
             f"people as {factor:.0%} of it paid at once would (`delay_discount` {incentive.delay_discount:g} a day)"
             if factor < 1 else "")
    counted = "R" if factor == 1 else f"{factor:.2f}·R"

    def buys(reward: float) -> str:
        return share_text(inc.reach(incentive, reward, scenario.economics, scenario.program.reward_type_weights))

    # a tiered program is said tier by tier: its first tier alone ("the referrer's 0 (first tier) buys 0%", "fake
    # accounts make 0.0%") stood beside 5.9% fakes paid at its $20 tier
    tiers = [(int(t.after), float(t.referrer_reward)) for t in getattr(incentive, "tiers", None) or []] \
        if incentive.kind == "tiered" else [(0, referrer)]
    each = [f"{buys(reward)} ({fmt(reward)} from referral {after + 1})" for after, reward in tiers]
    offered = (f"the referrer's {fmt(referrer)} buys {buys(referrer)}" if len(tiers) == 1 else
               "the referrer's tiers buy " + ", ".join(each[:-1]) + f" and {each[-1]}")
    text = (f"Rewards are weighed against a reward scale of {fmt(scale)} ({how}), a reward R buying "
            f"{'weight · ' if weighed else ''}(1 − e^(−{counted}/scale)) of its largest effect{weighed}{later}: "
            f"{offered} of the largest "
            # the largest rise is a weight-1 reward's: cash for consumers, an organisation reward for a business
            f"rise in sharing a reward can give{no_rise(incentive, 'max_uplift')}")
    if friend > 0:
        motive = inc.motive_scale(incentive, scenario.economics)
        bought = weight * float(inc.saturation(friend, motive))
        # the friend's reward raises the referrer's sharing too (docs/model.md, friend_incentive_effect): a friend-only
        # reward read "the referrer's 0 buys 0% of the largest rise in sharing" beside sharing up by 28%
        lift = incentive.referee_share_uplift
        sharing = (f" and {share_text(bought)} of the largest rise it gives the referrer's sharing "
                   f"(`referee_share_uplift` {lift:g}: sharing ×{1 + lift * bought:.2f} over weak ties)" if lift > 0 else
                   ", and nothing of the referrer's sharing (`referee_share_uplift` 0)")
        text += (f", {friend_is}'s {fmt(friend)} {share_text(bought)} of the largest rise "
                 f"in conversion{no_rise(incentive, 'referee_max_uplift')}{sharing}")
    fakes = sorted({float(inc.fraud_probability(reward + friend, scenario.fraud.share, scale)) for _, reward in tiers})
    def percent(fake: float) -> str:   # a share below 0.1% is not "0.0%", which read as none
        return f"{fake:.1%}" if fake >= 0.001 or fake == 0 else "under 0.1%"

    shown = [percent(fake) for fake in (fakes[0], fakes[-1])]
    share = shown[0] if shown[0] == shown[1] else f"{shown[0]} to {shown[1]} (by tier)"
    # a signup that comes once the reward is gone draws no fakes: under a budget that ran out on day 100 of 365 the
    # sentence said 30.0% where the run's fake_accounts and referred_customers made 18.8%
    # past a referrer's cap the friend's reward is still on offer, and draws its own fakes (R = 0 + the friend's): "a
    # signup after a referrer reaches the cap draws none" stood beside 14 fakes on 62 such signups
    capped = getattr(incentive, "cap_per_referrer", None) is not None
    ends = [why for why, given in (("a budget runs out", getattr(incentive, "budget", None) is not None),
                                   ("a monthly allowance is spent", getattr(incentive, "budget_per_month", None) is not None),
                                   ("a referrer reaches the cap", capped and friend == 0)) if given]
    fewer = []
    if ends:
        fewer.append(f"a signup after {' or '.join(ends)} draws none")
    if capped and friend > 0:
        alone = float(inc.fraud_probability(friend, scenario.fraud.share, scale))
        fewer.append(f"{'one' if ends else 'a signup'} after a referrer reaches the cap draws {percent(alone)}, for "
                     f"{friend_is}'s reward alone")
    offer = (f" while a reward is on offer ({', and '.join(fewer)}, so a run's share, "
             f"`fake_accounts` against `referred_customers`, can be lower)" if fewer and fakes[-1] > 0 else "")
    return text + (f"; fake accounts make {share} of referral signups{offer} (`fraud.share` {scenario.fraud.share:g} "
                   f"is the share when the rewards add up to one reward scale).")


def no_rise(incentive, key: str) -> str:
    """", none here (`key` 0)" where the uplift ``key`` that sets a reward's largest rise is 0:
    "the friend's 10.0 27% of the largest rise in conversion" stood beside a
    `referee_max_uplift` of 0, a reward that moves nobody. "" otherwise."""
    # the referrer's reward's own rise: the friend's reward can still raise sharing (referee_share_uplift)
    whose = "for the referrer's reward" if key == "max_uplift" else "for the friend's reward"
    return f", which is none here {whose} (`{key}` 0)" if getattr(incentive, key, 1.0) == 0 else ""


def edge_list_note(scenario) -> str:
    """People of an edge-list network in no tie of its file: ids count from 0 and the
    largest sets the population, so a file numbered from 1 gained a friendless person 0,
    and one with an id of 4,000,000 ran a market of 4,000,001 with no word."""
    from ..limits import friendless_of

    alone, people = friendless_of(scenario)
    if not alone:
        return ""
    have = "has" if alone == 1 else "have"   # '1 of the 3 people ... have no tie'
    return (f"{alone:,} of the {people:,} people of the edge list (ids 0 to {people - 1:,}) {have} no tie in its "
            f"file: {'it is' if alone == 1 else 'they are'} in the market with no friends. Ids count from 0 and the largest id (or a `# nodes:` line) "
            f"sets the population, so a file numbered from 1 gains a person 0, ids with gaps add the people between "
            f"them, and a line tying a person to themselves is dropped; renumber the file from 0 if they are not meant.")


def growth_note(scenario) -> str:
    """Where a growth network builds a mean degree well below the one asked, or above it:
    it starts from a star (Barabasi-Albert) or from people with no ties (powerlaw-cluster,
    which was said to start from a star too) and adds mean_degree / 2 ties per newcomer, rounded, so 100
    friends asked of 200 people built 75 and 7 built 7.99, and nothing said so (the app's
    label did)."""
    network, n = scenario.network, scenario.population.size
    if getattr(network, "kind", None) not in ("barabasi_albert", "powerlaw_cluster") or not n:
        return ""
    from ..network.generators import growth_mean, ties_per_newcomer

    asked = float(network.mean_degree)
    built = growth_mean(asked, n)
    m = max(ties_per_newcomer(asked), 1)
    # any mean that is not even is rounded, whatever the share: 21 ran as 22 (4.8% above) with no word, and an odd
    # mean of 7 built 7.99, so a sweep over 6, 7, 8 read 7 and 8 as a tie; on 60 people, where the first people pull
    # the mean down too, 7 built what 8 does (7.5) and only 8 was told
    rounded = abs(2 * m - asked) > 1e-9
    # the first people cost much beside the population (199 of 200 people builds 100)
    started = built < 0.95 * 2 * m
    if not rounded and built >= 0.95 * asked:
        return ""
    # 199 on 200 people runs as 200, which is refused if given: the even means allowed end at n - 1's
    even = "an even mean_degree" + (f" of at most {(n - 1) // 2 * 2}" if 2 * m > n - 1 else "")
    why = [f"each newcomer adds a whole number of ties, mean_degree / 2 rounded half up ({m}), so {asked:g} runs as "
           f"{2 * m} does (give {even})"] if rounded else []
    if started:
        first = f"a star of {m + 1} people" if network.kind == "barabasi_albert" else f"{m} people with no ties"
        why.append(f"it starts from {first} and adds {m} ties per newcomer, which reach {2 * m} only where the first "
                   f"people are few beside the population")
    why = "; and ".join(why)
    return (f"The growth network (`network.kind` {network.kind}) of {n:,} people builds a mean degree of {built:.1f}, "
            f"{'above' if built > asked else 'below'} the {asked:g} asked: {why}.")


def varied_degree_note(base, parameters) -> str:
    """Where a study varies a growth network's ``network.mean_degree`` (an optimize search,
    a sensitivity or calibrate range, or choices): each newcomer adds mean_degree / 2 ties,
    rounded half up, so the values tried run as the even means they round to, and values
    that round alike build the same network. A search over 4 to 12 tried 7 and ran 8, and
    only validate, run, compare and sweep said so. Empty for other kinds, where the study
    varies ``network.kind`` too, or where every value tried is even."""
    if getattr(base.network, "kind", None) not in ("barabasi_albert", "powerlaw_cluster"):
        return ""
    keys = [getattr(p, "key", None) for p in parameters]
    varied = [p for p in parameters if getattr(p, "key", None) == "network.mean_degree" and hasattr(p, "kind")]
    if not varied or "network.kind" in keys:
        return ""
    from ..network.generators import ties_per_newcomer

    (parameter,) = varied
    def flat(values: str, even: int) -> str:
        # 6 to 6.9 (or 7 and 8) build one network: 'its effect moves in steps of 2' and '6 runs as 6' of a study
        # varying nothing
        return (f"The network ({base.network.kind}) adds mean_degree / 2 ties per newcomer, rounded half up, so "
                f"every value of `network.mean_degree` {values} builds the same network, of mean degree {even}: "
                f"varying it so changes nothing. Give values reaching another even mean, or vary it by even values.")

    if parameter.kind == "categorical":
        values = [float(v) for v in parameter.choices]
        rounded = [(v, 2 * ties_per_newcomer(v)) for v in values if abs(2 * ties_per_newcomer(v) - v) > 1e-9]
        if not rounded:
            return ""
        built = {2 * max(ties_per_newcomer(v), 1) for v in values}
        if len(built) == 1:
            return flat(f"among {', '.join(f'{v:g}' for v in values)}", built.pop())
        tried = ", ".join(f"{v:g} as {built}" for v, built in rounded[:6]) + (" …" if len(rounded) > 6 else "")
    else:
        low, high = float(parameter.low), float(parameter.high)
        if low == high and abs(2 * ties_per_newcomer(low) - low) <= 1e-9:
            return ""
        evens = [2 * m for m in range(max(ties_per_newcomer(low), 1), ties_per_newcomer(high) + 1)]
        if len(evens) == 1:
            return flat(f"from {low:g} to {high:g}", evens[0])
        shown = ", ".join(map(str, evens)) if len(evens) <= 8 else f"{evens[0]}, {evens[1]}, … {evens[-1]}"
        # the first odd whole number of the range (one that builds two networks holds one: between two odd numbers
        # every value rounds to the one even between them)
        odd = math.ceil(low) + (math.ceil(low) % 2 == 0)
        tried = f"{low:g} to {high:g} builds {shown} only; {odd} runs as {2 * ties_per_newcomer(odd)}"
    return (f"The network ({base.network.kind}) adds mean_degree / 2 ties per newcomer, rounded half up, so the values "
            f"of `network.mean_degree` this study tries run as the even means they round to ({tried}): values that "
            f"round alike build the same network, and its effect moves in steps of 2.")


#: The largest population whose configuration network a note builds to measure what it realises.
CONFIGURATION_NOTE_MAX = 200_000


def percent_written_note(scenario) -> str:
    """A fraction that may go above 1 given as a whole percentage, as a sentence:
    `economics.referred_margin_premium: 5` for 5% is valid (at most 10, ten times the
    margin) and ran as +500%, with referred customers earning six times a customer's
    margin, and nothing said so. From 1.5 up, as the percent hints of an invalid
    share begin (scenario_io._percent_hint)."""
    premium = scenario.economics.referred_margin_premium
    if premium < 1.5:
        return ""
    return (f"`economics.referred_margin_premium` is {premium:g}: referred customers join earning {premium:.0%} "
            f"more margin than other customers ({1 + premium:g} times theirs), fading over "
            f"`economics.premium_fade_days` ({scenario.economics.premium_fade_days:,} days); the premium is a "
            f"fraction, so {premium:g}% is {premium / 100:g}.")


def unread_keys_note(scenario, varied=()) -> str:
    """Keys a file gives that its other choices never read, as a sentence: `exponent` on a
    Poisson or geometric configuration network, a `cascade` block beside a seeding strategy
    other than influence. Each was "valid", unsaid, and a user tuning it believed they had
    changed the model (a key of another network kind is refused; these are of the right
    block, so a sweep over the choice that reads them still runs). ``varied``: keys a
    study varies, whose choice then decides, point by point, whether a key is read."""
    from ..config_levers import Seeding

    varied = list(varied)
    unread = []
    network = scenario.network
    if network.kind == "configuration" and network.degrees is not None:   # the sequence given overrides the family
        family = [key for key in ("degree_distribution", "mean_degree", "exponent") if key in network.model_fields_set
                  and getattr(network, key) != type(network).model_fields[key].default
                  and not _varies(varied, "network.degrees", "network.kind", f"network.{key}")]
        if family:
            unread.append(", ".join(f"`network.{key}`" for key in family) + " "
                          + ("is" if len(family) == 1 else "are") + " not read where `network.degrees` gives the "
                          "sequence itself")
    # a key written at its default changes nothing either way (validate --show writes every key out)
    elif (network.kind == "configuration" and network.degree_distribution != "powerlaw"
            and "exponent" in network.model_fields_set
            and network.exponent != type(network).model_fields["exponent"].default
            and not _varies(varied, "network.degree_distribution", "network.kind", "network.exponent")):
        unread.append(f"`network.exponent` ({network.exponent:g}) is read only by `degree_distribution: powerlaw` "
                      f"(here {network.degree_distribution})")
    for where, block in (("population.initial_customers", scenario.population.initial_customers),
                         ("program.influencers", scenario.program.influencers)):
        if (isinstance(block, Seeding) or where == "program.influencers") and block is not None \
                and block.strategy != "influence" and "cascade" in block.model_fields_set \
                and block.cascade != type(block.cascade)() and not _varies(varied, f"{where}.strategy", f"{where}.cascade"):
            unread.append(f"`{where}.cascade` is read only by `strategy: influence` (here {block.strategy})")
    unread += _unread_program_keys(scenario, varied)
    if not unread:
        return ""
    return ("Given but never read: " + "; ".join(unread)
            + (", so it changes nothing here." if len(unread) == 1 else ", so they change nothing here."))


def _varies(varied: list[str], *keys: str) -> bool:
    """Whether a study's ``varied`` keys set any of ``keys``: the key itself, or a block
    above it (what decides whether a key is read, or the key, which the study then sets
    at every point)."""
    return any(v == k or k.startswith(v + ".") for v in varied for k in keys)


def _unread_program_keys(scenario, varied: list[str]) -> list[str]:
    """unread_keys_note's program keys: a qualification wait on a reward paid on signup,
    a launch spread with no launch ask, a reminder's settings with no reminder. Each ran
    byte-identical to the file without it, unsaid, where `on_budget_exhausted` with no
    budget was said."""
    def given(block, key: str) -> bool:   # written, and not at its default (validate --show writes every key)
        return key in block.model_fields_set and getattr(block, key) != type(block).model_fields[key].default

    from ..behaviour.timing import has_day_zero_customers
    from ..parameters import launch_asks

    unread = []
    program = scenario.program
    incentive = program.incentive
    if getattr(incentive, "paid_on", None) == "signup" and given(incentive, "qualification_days") and not _varies(
            varied, "program.incentive.paid_on", "program.incentive.kind", "program.incentive.qualification_days"):
        unread.append(f"`program.incentive.qualification_days` ({incentive.qualification_days}) is read only by "
                      f"`paid_on: qualification` (here signup)")
    launch = program.launch
    if given(launch, "spread_days") and not launch_asks(scenario) and not _varies(
            varied, "program.launch.ask_existing", "program.launch.spread_days", "program.timing.kind",
            "population.initial_customers", "program.influencers"):
        where = (f"by `ask_existing: once` (here {launch.ask_existing})" if launch.ask_existing != "once" else
                 "where customers are there at launch (here none)" if not has_day_zero_customers(scenario) else
                 f"where the timing asks at joining (here {program.timing.kind})")
        unread.append(f"`program.launch.spread_days` ({launch.spread_days}) is read only {where}")
    reminders = getattr(program.timing, "reminders", None)
    if reminders is not None and reminders.count == 0 and not _varies(
            varied, "program.timing.reminders.count", "program.timing.kind"):
        keys = [key for key in ("interval_days", "fatigue", "annoyance", "annoyance_points")
                if given(reminders, key) and not _varies(varied, f"program.timing.reminders.{key}")]
        if keys:
            unread.append(", ".join(f"`program.timing.reminders.{key}`" for key in keys)
                          + (" is" if len(keys) == 1 else " are") + " read only where `reminders.count` is above 0 "
                          "(here 0)")
    return unread


def configuration_note(scenario) -> str:
    """Where a configuration network realises a mean degree well below the one its degrees
    ask: stubs are matched at random and self-loops and repeated ties removed (the erased
    model), which loses many where a person's degree nears the population or the tail is
    heavy. A hub given 150 friends of 200 people got 84 to 104, 40 friends asked of 100 in a
    power law built 27 to 30, and validate said "valid". Measured on the first replicate's
    network (the run builds the same one), up to CONFIGURATION_NOTE_MAX people."""
    network, n = scenario.network, scenario.population.size
    if getattr(network, "kind", None) != "configuration" or not n or n > CONFIGURATION_NOTE_MAX:
        return ""
    from ..network.generators import network_for
    from ..rng import replicate_seeds

    asked = float(np.mean(network.degrees)) if network.degrees is not None else float(network.mean_degree)
    try:
        built = network_for(network, n, replicate_seeds(scenario.seed if scenario.seed is not None else 0, 1)[0])
    except Exception:   # noqa: BLE001 - a network that cannot be built is refused where the run builds it
        return ""
    realised = float(built.indptr[-1]) / n
    if asked <= 0 or realised >= 0.95 * asked:
        return ""
    return (f"The configuration network (`network.kind` configuration) of {n:,} people realises a mean degree of "
            f"{realised:.2f} against the {asked:g} its degrees ask ({1 - realised / asked:.0%} fewer ties, on the first "
            f"replicate's network): stubs are matched at random and the self-loops and repeated ties this makes are "
            f"removed, many where a degree nears the population or the tail is heavy.")


#: How far a block's own share of ties inside it may fall from `network.within_share` before block_note says so.
BLOCK_NOTE = 0.1
#: How many times a block's people may have the friends of another's before block_note says so.
BLOCK_FRIENDS = 1.5


def block_note(scenario) -> str:
    """Where a stochastic block network's blocks differ in size enough that a block's people
    have a share of their ties inside it far from `within_share`: each person expects
    within_share x mean_degree friends in their own block, and the ties between blocks are
    spread evenly over the pairs of people in different blocks, so a small block's people
    have more of them. A 10% block at within_share 0.8 and mean degree 8 had 14.4 friends,
    45% inside it, where the docs called within_share "a person's" share."""
    network, n = scenario.network, scenario.population.size
    if getattr(network, "kind", None) != "stochastic_block" or not n:
        return ""
    from ..network.generators import _blocks

    try:
        sizes, p_in, p_out = _blocks(network, n, None)
    except Exception:   # noqa: BLE001 - a network that cannot be built is refused where the run builds it
        return ""
    inside = p_in * np.maximum(sizes - 1, 0)
    outside = p_out * (n - sizes)
    total = inside + outside
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(total > 0, inside / total, np.nan)
    far = np.isfinite(own) & (np.abs(own - float(network.within_share)) >= BLOCK_NOTE)
    # or friends far apart in number: at within_share 0.1 a 10% block had 36.8 friends against 4.8, both blocks' shares
    # inside within 0.08 of 0.1, and nothing was said
    apart = len(total) > 1 and total.max() >= BLOCK_FRIENDS * max(total.min(), 1e-12)
    if len(sizes) < 2 or not (far.any() or apart):
        return ""
    each = "; ".join(f"block {b} ({sizes[b] / n:.0%} of the people): {total[b]:.1f} friends, {own[b]:.0%} inside it"
                     for b in range(len(sizes)))
    return (f"The blocks differ in size: each person expects `within_share` x `mean_degree` friends in their own block, "
            f"and the ties between blocks are spread evenly over the pairs of people in different blocks, so the people "
            f"of a smaller block have more of them. Expected per person, {each}; `network.within_share` "
            f"{float(network.within_share):g} is the share of all ties inside blocks.")


def default_size_note(scenario) -> str:
    """Where a generated network runs on the schema's default population, the file giving a
    population block without its size (as an edge list's file does, whose size the edge
    list sets): an edge-list scenario switched to `erdos_renyi` ran 10,000 people against
    the file's 2,000, and a sweep over the two kinds ranked a market five times larger as
    a network's effect, unsaid."""
    if getattr(scenario.network, "kind", None) == "edgelist" or "population" not in scenario.model_fields_set \
            or "size" in scenario.population.model_fields_set:
        return ""
    return (f"`population.size` is not given, so the {scenario.network.kind} network has the default "
            f"{scenario.population.size:,} people (only an edge list sets the size from its file); give "
            f"`population.size` for another market.")


def channel_label_note(scenario) -> str:
    """Where channels share a label (``name``, else ``kind``): the people table's `channel`
    column tells them apart by label alone, so e-mail at 2% and SMS at 20%, both left
    `direct`, merged their referrals there with no word. Each channel still runs as its
    own; only the table cannot say which brought whom."""
    channels = scenario.program.channels
    labels = [c.label for c in channels]
    shared = [label for label in dict.fromkeys(labels) if labels.count(label) > 1]
    if not shared:
        return ""
    def alike(label: str) -> str:
        numbers = [str(i) for i, own in enumerate(labels) if own == label]
        # 'give each a name' was said of two channels both named email: the default is named only where it is the
        # cause, beside the channels it labels
        unnamed = any(channels[int(i)].name is None for i in numbers)
        return (f"channels {', '.join(numbers[:-1])} and {numbers[-1]} are "
                f"{'both' if len(numbers) == 2 else 'all'} {label!r}"
                + (", `program.channels.N.name` defaulting to the kind" if unnamed else ""))

    which = "; ".join(map(alike, shared))
    return (f"Channels share a label in the people table's `channel` column ({which}), so it cannot tell their "
            f"referrals apart; each still runs with its own settings. Give each a different `name` to see which "
            f"channel brought whom.")


def default_notes(scenario) -> list[str]:
    """Defaults a scenario file left in place that decide what a program costs or does,
    each as a sentence: a reward with no ``reward_type`` is store credit, costed at its
    cost share (a "$50 bonus" written without it cost $20 a reward, and nothing said
    so), and a program with an incentive and no ``timing`` asks nobody (``never``: only
    link users' unprompted shares earn rewards; a file that left ``timing:`` out ran
    with a third of the value, and ``validate`` said "valid")."""
    from ..config import NoIncentive

    program = scenario.program
    incentive = program.incentive
    friendless = [note for note in (edge_list_note(scenario), growth_note(scenario), configuration_note(scenario),
                                    block_note(scenario), default_size_note(scenario), channel_label_note(scenario),
                                    unread_keys_note(scenario), percent_written_note(scenario)) if note]
    if isinstance(incentive, NoIncentive):
        return friendless
    notes = list(friendless)
    if "reward_type" not in incentive.model_fields_set and incentive.cost_share is None:
        share = program.cost_share()
        notes.append(f"Rewards are store credit (`program.incentive.reward_type` is not given, and credit is its "
                     f"default), costing the company {share:.0%} of their face value "
                     f"(`program.cost_shares.credit`); give `reward_type: cash` for a cash bonus.")
    if (incentive.reward_type == "organization" and "audience" not in incentive.model_fields_set
            and incentive.type_weight is None):
        # a reward to the referrer's organisation is a B2B reward, but the audience defaults to consumers, who weigh it
        # at 0.3 against cash's 1.0: a file that left `audience` out had the champion's gift card beat the account
        # credit, and only the reward paragraph of report.md showed the weight
        weights = program.reward_type_weights
        notes.append(f"The organization reward is weighed as consumers weigh it (`program.incentive.audience` is not "
                     f"given, and its default is `consumer`): weight {weights.consumer.organization:g} "
                     f"(`program.reward_type_weights.consumer.organization`) against "
                     f"{weights.business.organization:g} for a business audience, and cash "
                     f"{weights.consumer.cash:g} against {weights.business.cash:g}; give `audience: business` for a "
                     f"B2B program.")
    if "timing" not in program.model_fields_set and program.timing.kind == "never":
        # staff mentions are asks of their own and influencers post for a fee: with either, 'no customer is ever
        # asked ... only customers who share unprompted earn rewards' was said of a staff-only program
        others = [what for what, lever in (("staff mentions (`program.staff`)", program.staff),
                                           ("influencers' sponsored posts (`program.influencers`)", program.influencers))
                  if lever is not None]
        if others:
            notes.append("The program itself never asks customers to refer (`program.timing` is not given, and its "
                         f"default kind is `never`): rewards are earned through {' and '.join(others)} and by "
                         "customers who share unprompted with their referral link only; give `program.timing` "
                         "(onboarding, at_purchase, milestone or campaign) to ask as well.")
        else:
            notes.append("No customer is ever asked to refer (`program.timing` is not given, and its default kind is "
                         "`never`): only customers who share unprompted with their referral link earn rewards; give "
                         "`program.timing` (onboarding, at_purchase, milestone or campaign) to ask.")
    if "on_budget_exhausted" in incentive.model_fields_set and getattr(incentive, "budget", None) is None:
        # end_program beside a monthly allowance alone: the two runs were identical, and validate said "valid"
        monthly = getattr(incentive, "budget_per_month", None) is not None
        notes.append(f"`program.incentive.on_budget_exhausted` ({incentive.on_budget_exhausted}) changes nothing: it "
                     f"says what stops when a total `budget` is spent, and the design has none"
                     + (" (a spent monthly allowance only pauses the reward until the next month; asks go on)"
                        if monthly else "") + ".")
    return notes


def margin_note(scenario, keys) -> str:
    """Where ``keys`` (a --set, or what a study varies) move the margin of a program whose
    reward scale follows it: a reward's pull, and the fake accounts it draws, are measured
    in months of margin, so the margin moves behaviour, not money alone (a $16 margin
    turned a compare sure at 95% into 'unclear', with no word of why)."""
    incentive = scenario.program.incentive
    keys = list(keys)
    if (getattr(incentive, "kind", "none") == "none" or getattr(incentive, "reward_scale", None) is not None
            or not any(k in ("economics", "economics.monthly_margin") for k in keys)
            or any(k.startswith("program.incentive.reward_scale") for k in keys)):
        return ""
    return (f"`economics.monthly_margin` moves behaviour too: a reward's pull, and the fake accounts it draws, are "
            f"measured against {incentive.reward_scale_months:g} months of margin (`program.incentive.reward_scale` is "
            f"not given), so a larger margin makes the same reward pull less; give `program.incentive.reward_scale` "
            f"to hold behaviour fixed while the margin changes.")


def study_default_notes(base, keys) -> list[str]:
    """default_notes of a study's base scenario, less those its varied ``keys`` decide:
    optimize and sweep build each design from a full copy of the base, so its designs
    never carry the note, and a search of referrer rewards on a file without
    ``reward_type`` weighed store credit at 40% of face value without a word."""
    keys = list(keys)

    def decided(*prefixes: str) -> bool:
        return any(k == p or k.startswith(p + ".") or p.startswith(k + ".") for k in keys for p in prefixes)

    notes = []
    for note in default_notes(base):
        if note.startswith("Given but never read"):   # its keys less those the study's choices may read
            if note := unread_keys_note(base, keys):
                notes.append(note)
            continue
        if "`program.incentive.audience`" in note:
            if not decided("program.incentive.audience", "program.incentive.type_weight", "program.reward_type_weights"):
                notes.append(note)
            continue
        if "reward_type" in note and decided("program.incentive.reward_type", "program.incentive.cost_share",
                                             "program.cost_shares"):
            continue
        if "program.timing" in note and decided("program.timing"):
            continue
        # a study giving the points a budget: the setting decides what its end stops ("changes nothing" was said of
        # a sweep of budgets where rewards_only and end_program ranked the small budget apart)
        if "`program.incentive.on_budget_exhausted`" in note and decided("program.incentive.budget"):
            continue
        notes.append(note)
    if note := margin_note(base, keys):
        notes.append(note)
    return notes


def kind_default_notes(base, parameters) -> list[str]:
    """For a study that varies the ``kind`` of a block (program.timing.kind, the
    incentive's), the keys each other kind takes at its defaults, the base file not
    giving them (a kind switch keeps only what both kinds share): an optimisation of
    onboarding against milestone from an onboarding file ranked a milestone reached
    after 30 days by 60% of customers, asked of those scoring 7 or more, and nothing
    said those sizes were the model's defaults, not the user's product. One sentence per
    varied kind key; keys the study varies itself, and options that are off by default
    (a budget, a cap), are left out."""
    from ..parameters import apply_values

    keys = [p.key for p in parameters]
    notes = []
    for parameter in parameters:
        if not getattr(parameter, "union", False):
            continue
        parent = parameter.key.rpartition(".")[0]
        own = base
        for part in parent.split("."):
            own = getattr(own, part)
        given = {k for k, v in own.model_dump().items() if v is not None}
        clauses = []
        for choice in parameter.choices:
            if choice == own.kind:
                continue
            try:
                block = apply_values(base, {parameter.key: choice}, parameters=[parameter])
            except Exception:   # a kind the base cannot take alone: the study refused or reports it
                continue
            for part in parent.split("."):
                block = getattr(block, part)
            kept = {k for k in given if k in type(block).model_fields and k != "kind" and getattr(block, k) == getattr(own, k)}
            # lists too (a campaign's days: one ask on day 30, the schema's, ranked 'campaign' last unsaid; a tiered
            # program's tiers, $10 then $20 after 3 referrals); blocks (reminders, a cap's settings) are left out
            defaults = [f"{name} {flow(value)}" for name, value in block.model_dump().items()
                        if name != "kind" and name not in kept and value is not None and not isinstance(value, dict)
                        and f"{parent}.{name}" not in keys]
            if defaults:
                clauses.append(f"{choice} with {', '.join(defaults)}")
        if clauses:
            notes.append(f"The choices of `{parameter.key}` other than the base file's ({own.kind}) run with that kind's "
                         f"defaults for what the base file does not give: {'; '.join(clauses)} (docs/model.md, section 7). "
                         f"They rank the choices as the model assumes them, not as you would run them: vary them too, or "
                         f"start from a base file of that kind, whose keys carry over where both kinds have them.")
        if parameter.key == "program.timing.kind":
            notes.append(moment_sizes_note(base, parameter.choices, keys))
        if (parameter.key == "network.kind" and base.network.kind == "edgelist" and "population.size" not in keys
                and "size" not in base.population.model_fields_set and any(c != "edgelist" for c in parameter.choices)):
            # the edge list sets its size from the file; the generated kinds ran the schema's 10,000 against its 2,000
            default = type(base.population).model_fields["size"].default
            notes.append(f"The generated kinds of `network.kind` run on `population.size`, which the base file leaves to "
                         f"its edge list ({base.population.size:,} people): they have the default {default:,} people, so "
                         f"the choices differ in the market's size too; give `population.size` in the base file to "
                         f"compare networks of one market.")
    return [note for note in notes if note]


def moment_sizes_note(base, kinds, keys) -> str:
    """For a study choosing among ask timings: the sizes the model assumes for each moment
    (`program.moment_effect`), which a ranking of them rests on, with the --uncertain
    ranges that test them, as compare says of designs asking at different moments (sweep
    and optimize crowned a timing and never said so). The sizes the study varies itself
    are left out; empty where it varies every assumed one, or fewer than two timings ask."""
    from .compare import _MOMENT, _moment_range

    asking = [kind for kind in dict.fromkeys(kinds) if kind != "never"]
    field = {kind: _MOMENT.get(kind, kind) for kind in asking}
    # a size the study varies itself is no assumption left untested: the others are (varying the milestone's left
    # onboarding's x1.2 unsaid)
    varied = {k.split(".")[2] for k in keys if k.startswith("program.moment_effect.")}
    assumed = [kind for kind in asking if field[kind] != "purchase" and field[kind] not in varied]
    if len(asking) < 2 or "program.moment_effect" in keys or not assumed:
        return ""
    size = {kind: float(getattr(base.program.moment_effect, field[kind], 1.0)) for kind in asking}
    sizes = ", ".join(f"{kind.replace('_', ' ')} ×{size[kind]:g}" for kind in asking if field[kind] not in varied)
    tests = " ".join(f"--uncertain program.moment_effect.{field[kind]}={_moment_range(size[kind])}"
                     for kind in sorted(assumed, key=lambda kind: -size[kind]))
    return (f"The choices of `program.timing.kind` are weighed with the sizes the model assumes for an ask's moment "
            f"({sizes}; `program.moment_effect`, assumptions: docs/model.md): a ranking of the timings can rest on "
            f"them. Test them with `refsim sensitivity` ({tests}).")


def designs_default_notes(designs, keys, parameters=()) -> list[str]:
    """study_default_notes of each of a study's designs (sensitivity's, or calibrate's
    base), and kind_default_notes where the study's ``parameters`` choose a kind (a
    sensitivity of onboarding against milestone ran the milestone at the model's
    defaults unsaid, where optimize and sweep say so), and varied_degree_note; a note
    several designs share given once with their names."""
    named: dict[str, list[str]] = {}
    for design in designs:
        for note in (*study_default_notes(design, keys), *kind_default_notes(design, parameters),
                     varied_degree_note(design, parameters)):
            if not note:
                continue
            named.setdefault(note, []).append(design.name)
    many = len(list(designs)) > 1
    return [f"{', '.join(names)}: {note}" if many else note for note, names in named.items()]


#: The keys that say when rewards are paid: a study that chooses them gets the payment-timing note.
PAYMENT_TIMING_KEYS = ("program.incentive.paid_on", "program.incentive.qualification_days")


def contract_days(scenarios, varied=()) -> int | None:
    """The shortest renewal contract (``churn.renewal.every_days``) of ``scenarios``
    where every one has renewal contracts and no key of ``churn`` is varied (a study's
    ``varied`` keys), else None: under such contracts nobody leaves within that many
    days of signing."""
    if any(key.startswith("churn.") for key in varied):
        return None
    days = [s.churn.renewal.every_days if s.churn.renewal is not None else None for s in scenarios]
    return None if not days or None in days else min(days)


def payment_timing_trade(rate: float, wait: float, fraud_share: float, fakes: bool, blocked: float | None = None,
                         budgeted: bool = False, contract: int | None = None, shares_differ: bool = False,
                         business: bool = False) -> str:
    """What a verdict on when rewards are paid rests on, as a clause: what paying later
    saves and what it costs, at the discount ``rate`` people are assumed to apply, for
    the longest ``wait`` (days) among the designs. ``fakes``: the designs differ in
    ``paid_on``, so paying on qualification also blocks fake accounts' claims, which
    grow with ``fraud_share``; a longer wait alone blocks no more of them (the block is
    the qualifying check's, docs/model.md "Fake accounts"): the share it blocks,
    ``blocked`` (``fraud.blocked_by_qualification``), is named, as a 0-day check that
    blocks as many as a 30-day one beat both on that assumption alone. ``budgeted``: a
    design has a total budget, which paid on qualification reserves those rewards too
    until they prove void (the program cannot tell them apart), so what a release frees
    pays later referrals only before it runs out: "saves" read as a budget that lasts
    as long as the rewards paid. ``contract``: every design's customers sign renewal
    contracts of at least that many days (:func:`contract_days`); longer than the wait,
    no friend leaves before qualifying, and nothing is saved on them (the note told a
    B2B lead on annual contracts that waiting 30 days saved the rewards of accounts
    that leave early). ``shares_differ``: the designs' or the study's fraud shares
    differ, ``fraud_share`` being the highest. ``business``: the designs' rewards go to a
    business audience, whose friends are referred businesses (the note spoke of friends
    leaving early to a B2B lead)."""
    friends, friend = ("referred businesses", "referred business") if business else ("friends", "friend")
    share = f" (`fraud.blocked_by_qualification` {blocked:.0%}, whatever the wait: an assumption)" if blocked is not None else ""
    blocks = f"the claims of the fake accounts qualification blocks{share}"
    if contract is not None and contract > wait:
        saves = (f" nothing on {friends} leaving early (contracts of {contract:g} days end only on renewal dates: none "
                 f"leaves before qualifying)" + (f" but, against paying on signup, {blocks}" if fakes else ""))
    else:
        saves = (f" the rewards of {friends} who leave before they qualify"
                 + (f" and, against paying on signup, {blocks}" if fakes else ""))
    held = ("; a total budget paid on qualification reserves those rewards too until they prove void, so what they "
            "free pays later referrals only before it runs out, and after it stays unspent" if budgeted else "")
    if rate > 0:
        worth = (f": paid after {wait:g} days, as {1 / (1 + wait * rate):.0%} of it paid at once would" if wait > 0
                 else "")
        grows = (f"; the fakes' part grows with `fraud.share` ({fraud_share:g}{' at most' if shares_differ else ''} here)"
                 if fakes else "")
        return (f"paying later saves{saves}, and costs referrals, since a reward paid later moves people less "
                f"(`delay_discount` {rate:g} a day{worth}){grows}{held}")
    if contract is not None and contract > wait:
        # "only saves (nothing on friends leaving early (...)) and the latest payment looks best" said both at once
        stays = (f"no {friend} leaves before qualifying (contracts of {contract:g} days end only on renewal dates)")
        return (f"with `delay_discount` 0 a reward paid later moves people as much as one paid at once, and {stays}, so "
                + (f"paying later saves only, against paying on signup, {blocks}{held}" if fakes else
                   f"the wait saves nothing and costs no referrals: it moves only when the rewards are paid{held}"))
    return (f"with `delay_discount` 0 a reward paid later moves people as much as one paid at once, so paying later only "
            f"saves ({saves.strip()}) and the latest payment looks best{held}")


def blocked_share(scenario, varied) -> float | None:
    """The share of fakes qualification is assumed to block, for :func:`payment_timing_trade`:
    the scenario's, or None where the study varies it (``varied``: the keys it varies)."""
    return None if "fraud.blocked_by_qualification" in varied else scenario.fraud.blocked_by_qualification


def payment_timing_check(rate: float, fraud_share: float, fakes: bool) -> str:
    """The `refsim sensitivity` flags that test a verdict on when rewards are paid: the
    discount rate (and, where paying on signup is among the designs, the fraud share and
    the share of fakes qualification blocks) over ranges that cover the values given,
    several runs per point."""
    fraud = f" {fraud_uncertain(fraud_share)}" if fakes else ""
    return f"`--uncertain program.incentive.delay_discount=0:{max(0.03, 3 * rate):g}{fraud} --replicates 4`"


def fraud_share_range(fraud_share: float) -> str:
    """The `refsim sensitivity` flag over the fraud share: a range covering the one given."""
    return f"--uncertain fraud.share=0:{min(0.3, max(0.1, 2 * fraud_share)):g}"


def fraud_uncertain(fraud_share: float) -> str:
    """:func:`fraud_share_range` and the flag over the share of fakes qualification blocks."""
    return f"{fraud_share_range(fraud_share)} --uncertain fraud.blocked_by_qualification=0.5:1"


def k_window_note(scenario) -> str:
    """A warning, as a sentence, when referred customers take longer on average to
    convert (a sales pipeline) than half of K's window: K counts only the referrals that
    closed within ``k_window_days`` of the referrer joining, so it reads near 0 by
    construction (b2b-gift-card: 0.003 at 30 days, 0.13 at 195, 0.17 at 365, 0.20 at 700;
    the ask itself comes weeks after joining)."""
    from ..behaviour.timing import ask_lags

    mean = getattr(scenario.program.conversion_lag, "mean_days", 0.0)  # a pipeline's (config_levers.PipelineLag)
    window = scenario.k_window_days
    # the ask comes first: a deal closes about its wait plus the pipeline after joining (b2b-organization's milestone
    # ask at 46 days and 65-day pipeline read K 25% low at a 180-day window, with no note)
    lags = ask_lags(scenario.program.timing, scenario.days, first_joining_day(scenario))
    first = lags[0] if lags is not None else 0
    if mean <= 0 or mean + first < window / 2:
        return ""
    after = f", after an ask about {first} days after joining," if first > 1 else ""
    # about three times the wait for the ask and the pipeline, a year at least: "a year or more" was advised beside a
    # 365-day window where a 195-day pipeline after a 46-day ask read K 0.094 at 365 days, 0.117 at 500, 0.138 at 700
    enough = max(365, math.ceil(3 * (mean + first) / 30) * 30)
    # K counts the customers whose window closed by the horizon: a window the run cannot hold leaves K undefined (750
    # days was advised on a 730-day run, a year on a 365-day one)
    longer = (f" on a horizon longer than it (`days` {enough + 1:,} or more: K counts the customers whose window "
              f"closed by the last day)" if enough >= scenario.days else "")
    return (f"Referred deals take about {mean:.0f} days to close here{after} against K's {window}-day window "
            f"(`k_window_days`): `k_factor` counts only the deals closed within it, so it reads low. A window of "
            + ("a year or more" if enough == 365 else f"{enough:,} days or more") + longer
            + " counts most of them (about three times the wait for the ask and the pipeline, a year at least), or "
              "read `referred_share`.")


def roi_undefined_note(scenario) -> str:
    """Why `attributed_roi` (per unit of reward cost) is undefined in every run: no reward
    cost, because the program pays none, or pays on qualification later than the horizon,
    else none was paid within it ('undefined in every replicate' alone, where K beside it
    said why)."""
    from ..config import offers_reward

    incentive = scenario.program.incentive
    if not offers_reward(incentive):
        return "the program pays no reward, so there is no reward cost to divide by"
    if scenario.program.cost_share() == 0:   # rewards paid, at no cost ('no reward was paid' was said of 62)
        return "a reward costs the company nothing (its cost share is 0), so the rewards paid leave no reward cost to divide by"
    qualification = getattr(incentive, "qualification_days", 0)
    if getattr(incentive, "paid_on", None) == "qualification" and qualification >= scenario.days:
        friend = "the referred business" if getattr(incentive, "audience", None) == "business" else "the friend"
        return (f"rewards are paid {qualification} days after {friend} joins (`qualification_days`), and the "
                f"{scenario.days}-day horizon ends first, so no reward cost falls within it")
    return "no reward was paid within the horizon, so there is no reward cost to divide by"


def k_undefined_note(scenario, runs=None) -> str:
    """Why K (`k_factor`, `program_k`) is undefined in every run, or in some of ``runs``:
    K counts the customers who joined on day 1 or later and whose ``k_window_days``
    window has closed by the horizon (metrics._cohorts). With a horizon of no more than
    the window none has; with a few days more, a replicate where nobody joined on those
    days has no K ('defined in 1 of 3 replicates' of a 31-day run said no why)."""
    window, days = scenario.k_window_days, scenario.days
    if days <= window:
        return (f"K counts the customers whose {window}-day window (`k_window_days`) closed by the horizon; with {days} "
                f"days none did: give at least {window + 1} days or a shorter window")
    if runs is None or "k_factor" not in runs.columns or not len(runs):
        return ""
    undefined = int(runs["k_factor"].isna().sum())
    if undefined == 0:
        return ""
    last = days - window
    joined = "on day 1" if last == 1 else f"on days 1–{last}"
    where = "in any replicate" if undefined == len(runs) else f"in {undefined} of {len(runs)} replicates"
    return (f"K counts the customers who joined {joined}, whose {window}-day window (`k_window_days`) closed by the "
            f"horizon; {where} nobody joined then: give more days or a shorter window")


def initial_count(scenario) -> int:
    """The customers there at launch: ``population.initial_customers`` is a count, a
    strategy's block ({count, strategy}) or a list of ids (repeats are one person)."""
    seeds = scenario.population.initial_customers
    return seeds if isinstance(seeds, int) else len(set(seeds)) if isinstance(seeds, list) else seeds.count


def asks_at_launch(scenario) -> bool:
    """Whether the customers there at launch are asked (``program.launch``): there are
    some, the program asks, and ``ask_existing`` is not never."""
    from ..config import Campaign, NeverAsk

    return (not isinstance(scenario.program.timing, (NeverAsk, Campaign)) and initial_count(scenario) > 0
            and scenario.program.launch.ask_existing != "never")


def launch_note(scenario, runs=None) -> str:
    """Who else is asked: the customers already there at launch (``program.launch``), as a
    sentence. A B2B milestone design's value fell from 115k to 87k with
    ``ask_existing: never`` and was still 28k with a milestone nobody reaches: a quarter
    of it came from the launch ask, which no report mentioned. ``runs`` (with
    ``budget_exhausted_day``): where a budget that ends the asks ran out before the launch
    asks were all due, the sentence says those after it were never made ("each asked once
    at launch, on a day drawn over days 1–60" stood beside a budget spent on day 4, 58
    asks in all)."""
    program, initial = scenario.program, initial_count(scenario)
    if not asks_at_launch(scenario):
        return ""
    default = "" if "ask_existing" in program.launch.model_fields_set else ", its default"
    # "The 1 customers there at launch are asked": one customer is a customer who is asked
    one = initial == 1
    be, who = ("is", "customer") if one else ("are", "customers")
    timing = program.timing
    if program.launch.ask_existing == "as_new":
        how = f"{be} asked as if they had just joined"
        # joined on day 0: asked on day `first` after it, and its reminders after that (a drawn milestone: any day)
        lags = joiner_asks(timing, scenario.days, 0)
        fixed = lags is not None and not (timing.kind == "milestone" and timing.schedule != "fixed")
        if fixed and lags[0] > scenario.days:
            # 'asked as if they had just joined' of 10,000 customers, with a delay past the horizon and 0 asks
            how += (f", about {lags[0]} days after launch: after the {scenario.days}-day horizon, so "
                    f"{'it is not' if one else 'none is'} asked within it")
        # the budget's end stops the launch asks due after it: those on day `first` and the reminders after (the
        # horizon had been taken for their last day, and 'never made' said of asks all made on days 4 and 11)
        due = min(lags[1], scenario.days) if fixed else scenario.days
        reminded = fixed and lags[1] > lags[0]
    else:
        spread = program.launch.spread_days
        how = (f"{be} {'' if one else 'each '}asked once at launch, on a day drawn over days 1–{spread}" if spread > 1
               else f"{be} asked once, on day 1")
        reminders = getattr(timing, "reminders", None)
        span = reminders.count * reminders.interval_days if reminders is not None else 0
        if spread > scenario.days:
            # a 14-day pilot said the 150 accounts were each asked at launch beside 63-76 asks: the draw runs past the
            # horizon (1 + floor(u x spread_days), so days 1..horizon hold horizon / spread_days of them)
            share = scenario.days / spread
            how += (f", a {share:.0%} chance of its falling within the {scenario.days}-day horizon" if one else
                    f", so about {share:.0%} of them within the {scenario.days}-day horizon and the rest after it")
        # then reminded as usual (docs/model.md): a budget out on day 32 stopped reminders due to day 44 unsaid
        reminded = span > 0
        how += ", then reminded as new customers are" if reminded else ""
        due = min(spread + span, scenario.days)
    day = ran_out_by(runs, scenario.days) if runs is not None and ended_by_default(program.incentive) else math.nan
    if math.isfinite(day) and day < due:
        how += (f"; but the budget ran out on day {day:.0f} (by then in at least half the runs) and ended the asks, so "
                f"the launch asks {'and their reminders ' if reminded else ''}due after it were never made")
    return (f"The {initial:,} {who} there at launch {how} (`program.launch.ask_existing` "
            f"`{program.launch.ask_existing}`{default}), besides the asks of new customers: their referrals are part of "
            f"the program's value; `ask_existing: never` values it on new customers alone.")


def compare_on(runs=None) -> str:
    """The advice that closes a note on K: compare on `incremental_value`, which a run
    without its no-program twins (``--no-baseline``: ``runs`` with no such column) does
    not have; its report said so in its first line, then advised it in a note on K."""
    if runs is None or "incremental_value" in runs.columns:
        return "Compare on `incremental_value`"
    return "Compare on `incremental_value`, which only a run with its no-program twins gives (without `--no-baseline`)"


def reminders_unsent_note(scenario, name: str | None = None) -> str:
    """A warning, as a sentence, where a design's reminders all fall after the horizon,
    even after the earliest ask: none is sent (three reminders 100 days apart on a 60-day
    run sent none, with no word, and compare called the design a copy of one without
    reminders). A first ask past the horizon is ask_window_note's to say."""
    from ..behaviour.timing import earliest_ask, has_day_zero_customers, scenario_reminders

    timing = scenario.program.timing
    reminders = getattr(timing, "reminders", None)
    if not has_program(scenario) or reminders is None or reminders.count == 0 or scenario_reminders(scenario) > 0:
        return ""
    start = earliest_ask(timing, scenario.program.launch, has_day_zero_customers(scenario))
    if start is None or start > scenario.days:
        return ""
    count = reminders.count
    who = f"**{name}**'s" if name else "The design's"
    return (f"{who} {count} reminder{'s' if count != 1 else ''}, the first {reminders.interval_days} days after an ask, "
            f"{'fall' if count != 1 else 'falls'} after the {scenario.days}-day horizon even after the earliest ask "
            f"(day {start}): none is sent, and the design runs as one without reminders. Shorten "
            f"`program.timing.reminders.interval_days` or lengthen `days`.")


def ask_window_note(scenario, name: str | None = None, runs=None) -> str:
    """A warning, as a sentence, when a design asks late against K's window: K (`k_factor`,
    `program_k`) counts the referrals made within ``k_window_days`` of joining, so an ask on
    day 30 (a milestone) or reminders 30 days apart fall mostly outside it. A milestone ask
    on day 30 read program_k 0.03 at a 29-day window and 0.23 at 45, while onboarding's stayed
    near 0.19 and the value did not move: program_k's ranking followed the window."""
    from ..behaviour.timing import late_asks

    window = scenario.k_window_days
    late = late_asks(scenario.program.timing, window, scenario.days, first_joining_day(scenario))
    if late is None:
        return ""
    first, last = late
    who = f"**{name}** asks" if name else "The design asks"
    timing = scenario.program.timing
    geometric = timing.kind == "milestone" and timing.schedule != "fixed"   # some reach a drawn milestone early
    if first >= scenario.days and not geometric:   # a joiner of day 1 is asked on day 1 + first at the earliest
        # a fixed milestone on tenure day 800 of a 730-day run read "reached by 60% of customers", with advice on
        # K's window, where no customer is ever asked
        what = f"at a success milestone on day {first} after joining" if timing.kind == "milestone" else \
            f"on day {first} after joining"
        # the customers there at launch asked as new wait as long, from day 0, so within the horizon where `first` is
        # its last day: 'only a launch ask to the customers already there' was said where none was asked
        as_new = asks_at_launch(scenario) and scenario.program.launch.ask_existing == "as_new"
        launch = ("only a launch ask to the customers already there, if any" if not as_new else
                  "nor are the customers already there, asked as if they had just joined" if first > scenario.days else
                  f"only the customers already there, asked as if they had just joined, on day {first}")
        return (f"{who} {what}, after the {scenario.days}-day horizon: no customer who joins during the run is "
                f"ever asked ({launch}). Shorten `delay_days` or "
                f"lengthen `days`.")
    if timing.kind == "campaign":   # asks on calendar days: a joiner waits for the next push
        pushes = sorted(d for d in timing.days if d <= scenario.days)
        shown = ", ".join(str(d) for d in pushes[:6]) + (", ..." if len(pushes) > 6 else "")
        span = (f"on its campaign's day{'s' if len(pushes) > 1 else ''} ({shown}), so a customer who joins before its "
                f"last push waits about {first} days for the first ask on average"
                + (f", and its last reminder comes {last - first} days after a push" if last > first else ""))
    elif timing.kind == "milestone":   # reached by reach_share of customers only, on a drawn day unless fixed
        # "by 60% of customers" where 30% monthly churn left about 21% of joiners asked at 120 days: reach_share is
        # of those who stay that long
        reach = f"by {timing.reach_share:.0%} of the customers who stay that long"
        span = (f"at a success milestone on day {first} after joining (reached {reach})" if timing.schedule == "fixed"
                else f"at a success milestone reached on average {first} days after joining ({reach})")
        span += f", its last reminder {last - first} days later" if last > first else ""
    else:
        span = f"on day {first} after joining" + (f", its last reminder on day {last}" if last > first else "")
    return (f"{who} {span}, against K's {window}-day window (`k_window_days`): `k_factor` and `program_k` count "
            f"only the referrals made within it, so they read low for it and do not rank it against a design that "
            f"asks earlier. {compare_on(runs)}, or give a window that covers the asks.")


def budget_k_day(scenario, runs) -> float:
    """The median day a design's total budget ran out, where it did so in at least half
    the runs while cohorts K counts were still joining (before the horizon less K's
    window); NaN otherwise."""
    if runs is None or getattr(scenario.program.incentive, "budget", None) is None:
        return math.nan
    return ran_out_by(runs, scenario.days - scenario.k_window_days)


def _after_budget(scenario) -> str:
    """What the program does once its budget has run out, for the K notes."""
    if scenario.program.incentive.on_budget_exhausted == "end_program":
        return "nobody who joins later is asked"
    return "those who join later are asked with no reward"


def campaign_k_day(scenario, runs, timeseries) -> float:
    """The last day a campaign asked (``timeseries``: any replicate's last ask), where
    cohorts K counts were still joining after it (before the horizon less K's window)
    and no budget ran out before the campaign's last day where it ends the asks
    (``end_program``); NaN otherwise. Nobody who joins after a campaign's last day is asked: a
    campaign whose last ask was on day 97 had K's fall blamed on its budget, spent on
    day 237 by links still shared."""
    from ..config import Campaign

    timing = scenario.program.timing
    if not isinstance(timing, Campaign):
        return math.nan
    # the last push, not the last ask: its reminders ask only those it asked, none who join after it
    push = max((d for d in timing.days if d <= scenario.days), default=math.nan)
    if not (math.isfinite(last_ask_day(timeseries)) and push < scenario.days - scenario.k_window_days):
        return math.nan
    # a budget ends the asks only under end_program: under rewards_only they go on, unrewarded, to the last day
    # (a campaign with no reward has no budget, nor this key: it stopped the report on an AttributeError)
    ended = getattr(scenario.program.incentive, "on_budget_exhausted", None) == "end_program"
    return math.nan if ended and budget_k_day(scenario, runs) < push else push


def k_ended(scenario, runs, timeseries=None) -> tuple[str, float] | None:
    """What stopped the asks of cohorts K still counts: ("asks", day) where a campaign
    asked for the last time (campaign_k_day), ("budget", day) where a total budget ran
    out (budget_k_day), None where neither did."""
    if math.isfinite(day := campaign_k_day(scenario, runs, timeseries)):
        return "asks", day
    if math.isfinite(day := budget_k_day(scenario, runs)):
        return "budget", day
    return None


def _k_plot(figure: bool, run: str) -> str:
    """Where a note's reader sees K month by month: this folder's k_by_month.png, else (compare
    writes none) the `refsim run` command that draws it, ``run``, where it is known."""
    if figure:
        return "k_by_month.png shows"
    return f"`{run}` plots it in k_by_month.png," if run else "`refsim run` of the design plots it in k_by_month.png,"


#: A total budget that has not run out by the horizon, with at least this share of it committed (paid or owed)
#: where it has not, is said to run out soon after: at the pace so far, within three horizons.
BUDGET_PACE_SHARE = 1 / 3


def budget_pace_note(scenario, runs, name: str | None = None, ranking: bool = True) -> str:
    """A warning, as a sentence, where a total budget had not run out by the horizon in
    some runs but is well on its way (BUDGET_PACE_SHARE of it committed there): the
    asks or rewards its end stops are not seen, so a ranking beside it rests on the
    horizon. budget-400 "tied" with no budget at 120 days with 46% of it committed, and
    was worse, sure at 95%, at 365 days, its budget gone on days 162-297. ``ranking``:
    beside other designs (compare), else a run's own value."""
    incentive = scenario.program.incentive
    budget = getattr(incentive, "budget", None)
    needed = {"budget_exhausted_day", "reward_cost", "rewards_owed"}
    if budget is None or budget <= 0 or runs is None or not needed <= set(runs.columns) or not len(runs):
        return ""
    lasting = runs[runs["budget_exhausted_day"].isna()]
    if not len(lasting):
        return ""
    share = float((lasting["reward_cost"] + lasting["rewards_owed"]).mean()) / budget
    if not BUDGET_PACE_SHARE <= share < 1:   # all of it committed and not run out: no pace to tell
        return ""
    days = int(scenario.days)
    # a campaign whose plan asked last before the horizon has no asks left for the budget's end to stop: its
    # rewards for the referrals still coming are what it stops ("the asks its end stops" stood beside "its asks had
    # ended on day 97")
    last = planned_last_ask(scenario, within=False)
    stops = (f"the rewards its end stops (the campaign's last planned ask is on day {last:.0f})" if last < days / share
             else
             "the asks its end stops (`on_budget_exhausted`: end_program)"
             if incentive.on_budget_exhausted == "end_program" else
             "the rewards its end stops (`on_budget_exhausted`: rewards_only)")
    who = f"**{name}**'s budget" if name else "The budget"
    return (f"{who} ({budget:,.0f}) had not run out by day {days} in {len(lasting)} of {len(runs)} runs, but "
            f"{share:.0%} of it is committed there (rewards paid and owed): at that pace it runs out around day "
            f"{days / share:,.0f}, and {stops} are not seen here. "
            + (f"A ranking beside it rests on the {days}-day horizon: compare at the span you would run the program"
               if ranking else f"Its value here rests on the {days}-day horizon: run it over the span you would run "
                               f"the program") + " (`--set days=...`).")


def k_budget_note(scenario, runs, name: str | None = None, figure: bool = True, timeseries=None, run: str = "") -> str:
    """A warning, as a sentence, where a budget ran out while the cohorts K counts were
    still joining: `k_factor` and `program_k` average in the cohorts that joined after
    it, so they follow the day the budget ran out as much as the loop (a design whose
    budget lasted to day 135 ranked ahead of one whose ran out on day 88 on K, and the
    k_by_month plot fell to 0 from the month the budget ran out with nothing to say why).
    Where a campaign's last ask came first (``timeseries``: k_ended), that is said instead;
    ``figure`` False: the folder has no k_by_month.png, and ``run`` the command that draws it."""
    ended = k_ended(scenario, runs, timeseries)
    if ended is None:
        return ""
    kind, day = ended
    plot = _k_plot(figure, run)
    if kind == "asks":
        who = f"**{name}**" if name else "The design"
        return (f"{who} made its campaign's last push on day {day:.0f}, after which nobody who joins is asked: "
                f"`k_factor` and `program_k` average in the cohorts that joined after it, so they read low and rank "
                f"designs partly by how long they asked; {plot} K month by month. {compare_on(runs)}.")
    who = f"**{name}**'s budget" if name else "The budget"
    return (f"{who} ran out on day {day:.0f} (by then in at least half the runs), after which {_after_budget(scenario)}: `k_factor` and "
            f"`program_k` average in the cohorts that joined after it, so they read low and rank designs partly by how "
            f"long their budgets lasted; {plot} K month by month. {compare_on(runs)}.")


#: The share of the adopters tracked referrals must have brought for a filled network to be the loop's doing
#: (filled_k_day): one filled by organic adoption holds no loop's K down.
LOOP_FILLED = 0.5


def filled_k_day(scenario, timeseries, runs=None) -> float:
    """The median day fewer than FILLED_SHARE of the people were still prospects, where
    that came in at least half the replicates while the cohorts K counts were still
    joining (before the horizon less K's window), and tracked referrals brought at least
    LOOP_FILLED of the adopters (``runs``' referred_share: the loop filled it); NaN
    otherwise. After it customers find few friends left to invite: a loop growing
    1.2-fold a day that filled 20,000 people in a month read `k_factor` 0.988, month 0 of
    k_by_month 1.22. A network filled by organic adoption (K 0.05) was said to hold a
    loop's K down "below the pace the loop grew at before"."""
    from ..metrics import median_day
    from ..referral_tree import FILLED_SHARE

    columns = {"replicate", "day", "prospects", "customers", "churned"}
    if timeseries is None or not columns <= set(timeseries.columns) or not len(timeseries):
        return math.nan
    if runs is None or "referred_share" not in runs.columns or not float(runs["referred_share"].mean()) >= LOOP_FILLED:
        return math.nan
    people = timeseries["prospects"] + timeseries["customers"] + timeseries["churned"]
    filled = timeseries.assign(filled=timeseries["prospects"] < FILLED_SHARE * people)
    days = filled[filled["filled"]].groupby("replicate")["day"].min().reindex(filled["replicate"].unique())
    if days.notna().sum() * 2 < len(days):
        return math.nan
    day = median_day(days.to_numpy(dtype=float))
    return day if day < scenario.days - scenario.k_window_days else math.nan


def k_filled_note(scenario, timeseries, runs, name: str | None = None, figure: bool = True, run: str = "") -> str:
    """A warning, as a sentence, where the network filled while the cohorts K counts were
    still joining (filled_k_day): `k_factor` is then held down towards 1 whatever the loop
    did before, and nothing said so (docs/model.md said a loop above 1 grows)."""
    day = filled_k_day(scenario, timeseries, runs)
    if not math.isfinite(day):
        return ""
    from ..referral_tree import FILLED_SHARE

    who = f"**{name}**'s network" if name else "The network"
    plot = _k_plot(figure, run)
    return (f"{who} filled: by day {day:.0f} (the median) fewer than {FILLED_SHARE:.0%} of the people were still "
            f"prospects, and customers who joined later found few friends left to invite. `k_factor` and `program_k` "
            f"average in those cohorts, so they are held down towards 1, below the pace the loop grew at before; {plot} K month "
            f"by month (a month that ended before it filled reads the loop itself). {compare_on(runs)}.")


def k_plot_note(scenario, runs=None, timeseries=None) -> str:
    """The k_by_month plot's caption where K reads low by construction (ask_window_note,
    k_window_note, k_budget_note): the report warned, the plot, read alone, did not."""
    from ..behaviour.timing import late_asks

    window = scenario.k_window_days
    if late_asks(scenario.program.timing, window, scenario.days, first_joining_day(scenario)) is not None:
        return f"K reads low here: it counts referrals made within {window} days of joining, and this design asks later"
    if k_window_note(scenario):
        # the ask's wait and the pipeline together: "deals take longer to close" was untrue of a 65-day pipeline beside
        # a 180-day window, which the ask's 46 days made too short
        return (f"K reads low here: it counts deals closed within {window} days of joining, and the ask's wait and the "
                f"pipeline together take about half of that or more")
    ended = k_ended(scenario, runs, timeseries)
    if ended is not None and ended[0] == "asks":
        return f"the campaign's last push was on day {ended[1]:.0f}, after which nobody who joins is asked"
    if ended is not None:
        return f"the budget ran out on day {ended[1]:.0f} (by then in at least half the runs), after which {_after_budget(scenario)}"
    if math.isfinite(day := filled_k_day(scenario, timeseries, runs)):
        return f"the network filled by day {day:.0f} (the median): later customers found few friends left to invite"
    return ""


def path_note(scenarios) -> str:
    """When one compared design needs the numpy stages (a lever the compiled kernel does
    not run) and others do not, every design ran there, to share its luck replicate by
    replicate (kernel.common_path): as a sentence, since each of the others then differs
    from its own `refsim run` (on the kernel, which draws otherwise) by Monte Carlo noise."""
    from ..kernel import engine_choice, unsupported

    if engine_choice() != "auto":
        return ""
    needs = {s.name: unsupported(s) for s in scenarios}
    numpy_only = {name: lever for name, lever in needs.items() if lever is not None}
    if not numpy_only or len(numpy_only) == len(needs):
        return ""
    named = ", ".join(f"**{name}** (`{lever}`)" for name, lever in numpy_only.items())
    return (f"{named} runs on the numpy stages only, so every design here ran there, to share its luck replicate by "
            f"replicate: the other designs' figures differ from their own `refsim run` (on the compiled kernel, which "
            f"draws otherwise) by Monte Carlo noise, not by the model (docs/model.md, \"Two paths through a day\").")


def sweep_path_note(reason: str | None) -> str:
    """When a sweep on common seeds ran every point on the numpy stages because some
    need them (``reason``: the first such setting, sweep.json's ``numpy_because``) and
    others do not: a point the kernel can run, rerun with `refsim run` on its seed, takes
    the kernel and draws otherwise. A drift of 0 and -0.2 on common seeds gave 417.7
    customers at drift 0 where `refsim run` of that point gave 459.7, and only
    manifest.json said which path ran (compare's report says it: path_note)."""
    if not reason:
        return ""
    return (f"Every point ran on the numpy stages, to share its luck replicate by replicate: on common seeds the points "
            f"share one path, and `{reason}` at some of them is a setting the compiled kernel does not run. A point "
            f"the kernel can run, rerun with `refsim run` on the same seed, takes the kernel, which draws otherwise, and gives "
            f"figures that differ by Monte Carlo noise, not by the model: run it with `REFSIM_ENGINE=numpy` (or "
            f"`simulator.sweep.rerun`, which does so) to get the row's figures (docs/model.md, \"Two paths through a "
            f"day\").")


def study_path_note(designs, parameters) -> str:
    """When a study's ranges reach a setting the compiled kernel does not run, so that
    every point ran on the numpy stages (provenance.study_engine_record), while the
    designs as given run on the kernel: the tornado's centre, the designs as given, then
    differs from their own `refsim run` and `refsim compare` by Monte Carlo noise. A
    drift range of -0.2 to 0 put single-sided cash at 213 and double-sided credit at 932
    there, where compare of the same files had 1,135 and 1,064, and nothing said why. Not
    where a design itself needs the numpy stages: compare runs every design there then."""
    from ..kernel import engine_choice, unsupported
    from ..parameters import engine_probes

    # a design the kernel does not run puts every design of a compare on the numpy stages too, as the study's points:
    # "the ranges reach `program.targeting`" was said of a design's own lever, and compare called the path the kernel;
    # `refsim run` of each other design alone still runs on the kernel
    if engine_choice() != "auto" or not designs:
        return ""
    own = [(d, lever) for d in designs if (lever := unsupported(d)) is not None]
    if own:
        alone = [d.name for d in designs if unsupported(d) is None]
        if not alone:
            return ""
        design, lever = own[0]
        return (f"Every point ran on the numpy stages, as `refsim compare` runs these designs: {design.name}'s "
                f"`{lever}` is a setting the compiled kernel does not run. `refsim run` of {names_and(alone)} alone runs "
                f"on the kernel, which draws otherwise, so {'its' if len(alone) == 1 else 'their'} figures there differ "
                f"from the study's by Monte Carlo noise, not by the model: run {'it' if len(alone) == 1 else 'them'} "
                f"with `REFSIM_ENGINE=numpy` to meet the study's (docs/model.md, \"Two paths through a day\").")
    reason = next((lever for probe in engine_probes(designs, parameters) if (lever := unsupported(probe))), None)
    if reason is None:
        return ""
    return (f"Every point ran on the numpy stages, to share its luck replicate by replicate: the ranges reach "
            f"`{reason}`, which the compiled kernel does not run. The designs as given (the tornado's centre) run "
            f"on the kernel in `refsim run` and `refsim compare`, which draws otherwise, so their figures there "
            f"differ from the study's by Monte Carlo noise, not by the model: run them with `REFSIM_ENGINE=numpy` to "
            f"meet the study's (docs/model.md, \"Two paths through a day\").")


def names_and(names) -> str:
    """'a, b and c' (one name alone as it is)."""
    *first, last = names
    return f"{', '.join(first)} and {last}" if first else last


def run_path_note(scenario) -> str:
    """Where a run went to the numpy stages for a lever the compiled kernel does not run
    (kernel.unsupported), as a sentence: the two paths draw otherwise, so the same file
    without that block (or with it at size 0) gives figures that differ by Monte Carlo
    noise. A double-sided credit read value 6,411 alone and 10,868 with `influencers:
    {count: 0}`, and only manifest.json said which path ran (compare's report says it)."""
    from ..kernel import engine_choice, unsupported

    if engine_choice() != "auto" or (lever := unsupported(scenario)) is None:
        return ""
    # the reason may be a setting, not a lever block (satisfaction.drift_per_year): "a lever ... that block" misnamed it
    what = "a lever the compiled kernel does not run" if lever.startswith("program.") else \
        "a setting the compiled kernel does not run"
    without = "without that block, even one of size 0," if lever.startswith("program.") else "without that setting"
    return (f"This scenario runs on the numpy stages (`{lever}` is {what}), which draw otherwise than the kernel: the "
            f"same file {without} runs on the kernel and gives figures that differ by Monte Carlo noise, not by the "
            f"model (docs/model.md, \"Two paths through a day\"); compare such designs in one `refsim compare`, which "
            f"runs them on one path.")


def asking_note(designs) -> str:
    """A warning, as a sentence, when some compared designs stopped asking well before the
    horizon (a one-day campaign, a budget that ended the program) while others still ask
    near its end: the value counts the asks made by the last day only, so the verdict is
    for running each design for exactly that long, and it moves with the horizon (a B2B
    campaign against an always-on program: 'unclear' at 90 days, 'worse' at 365).
    ``designs``: objects with ``scenario`` and ``timeseries`` (day, asks, replicate rows)."""
    stopped, asking = [], []
    for design in designs:
        series = design.timeseries
        if series is None or not {"day", "asks"} <= set(series.columns) or not len(series):
            continue
        asked = series[series["asks"] > 0]
        if not len(asked):
            continue  # never asks: no program
        days = int(series["day"].max())
        tail = max(7, days // 10)  # the horizon's last tenth, a week at least
        # each replicate's last ask: a design still asks where every replicate does, and stopped where every one
        # did long before (the mean over replicates called a design whose budget ended its asks by day 340 in every
        # replicate one that "still asks near day 365", as one replicate asked after 329)
        last = asked.groupby("replicate")["day"].max() if "replicate" in asked.columns else asked["day"].agg(["max"])
        if "replicate" in series.columns and asked["replicate"].nunique() < series["replicate"].nunique():
            continue   # some replicates never asked: neither every one asks to the end nor every one stopped
        if last.min() > days - tail:
            asking.append(design.scenario.name)
        elif last.max() <= days - 3 * tail:
            stopped.append((design.scenario.name, int(last.max())))
    if not (stopped and asking):
        return ""
    spans = sorted({int(design.scenario.days) for design in designs})
    series = {design.scenario.name: design.timeseries for design in designs}
    ended = ", ".join(f"**{name}** made its last ask on {last_ask_days(series[name])}" for name, _ in stopped)
    verb = "still asks" if len(asking) == 1 else "still ask"
    names = [f"**{name}**" for name in asking]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(spans) > 1:   # an unpaired compare of horizons apart: 'near day 365' was said of a 730-day design
        return (f"{ended}, while {listed} {verb} near the end of its horizon: the value counts the asks made by each "
                f"design's last day only (horizons of {', '.join(map(str, spans[:-1]))} and {spans[-1]} days). A "
                f"program that keeps asking gains more from a longer horizon; compare at the span you would run it "
                f"(`--set days=...`).")
    days = spans[0]
    return (f"{ended}, while {listed} {verb} near day {days}: the value counts "
            f"the asks made by day {days} only, so this compares running each design for {days} days. A program that "
            f"keeps asking gains more from a longer horizon; compare at the span you would run it (`--set days=...`).")


def joiner_asks(timing, days: int, joined: int = 0) -> tuple[int, int] | None:
    """ask_lags of a design that asks its joiners at days after joining; None for a
    campaign, which asks on calendar days: whoever joins after its last push is never
    asked, which asking_note and k_budget_note say (its mean wait to the next push read
    "the 9% who joined in the last 15 days" beside 45% who joined after the last push)."""
    from ..behaviour.timing import ask_lags

    return None if timing.kind == "campaign" else ask_lags(timing, days, joined)


def asks_apart(low: float, high: float, days: int) -> bool:
    """Whether ask days after joining lie far enough apart for the horizon to decide between
    them: a tenth of the ``days`` or more, a week at least."""
    return high - low >= max(7, days / 10)


def asks_near_the_end(series: pd.DataFrame, days: int) -> bool:
    """Whether some run of a design (``series``: its daily rows, with ``asks``) still asks
    in the horizon's last tenth, a week at least (asking_note's window)."""
    tail = max(7, days // 10)
    return bool((series.loc[series["day"] > days - tail, "asks"] > 0).any())


def ask_lag_apart(designs) -> tuple[str, str, int] | None:
    """(the later design, the earlier one, 0 for their first asks or 1 for their last)
    where compared designs that ask a joiner do so at days after joining a tenth of the
    horizon apart or more, a week at least (ask_lags; the first asks before the last
    reminders); None where they are closer. ``designs``: objects with ``scenario`` and
    ``timeseries`` (a design whose rows have no ask is no program; one whose every run
    stopped asking before the horizon's last tenth, its asks ended, is never the later)."""
    if len(designs) < 2:
        return None
    days = min(int(d.scenario.days) for d in designs)   # the shorter horizon, where an unpaired compare's differ
    lags, asking = {}, []
    for design in designs:
        series = getattr(design, "timeseries", None)
        if not has_program(design.scenario) or series is None or "asks" not in series or not (series["asks"] > 0).any():
            continue   # never asks: no program
        if (lag := joiner_asks(design.scenario.program.timing, int(design.scenario.days), first_joining_day(design.scenario))) is not None:
            lags[design.scenario.name] = lag
            if asks_near_the_end(series, int(design.scenario.days)):
                asking.append(design.scenario.name)
    # the later design is one still asking near the horizon: one whose asks ended long before it in every run (a
    # budget that ended the program) gains no asks from a longer horizon, yet "a design that asks later gains more from
    # a longer horizon" was said of it; the earlier may have stopped (the later then gains the more)
    for index in (0, 1):
        early = min(lags, key=lambda name: lags[name][index], default=None)
        late = max(asking, key=lambda name: lags[name][index], default=None)
        if early is not None and late is not None and asks_apart(lags[early][index], lags[late][index], days):
            return late, early, index
    return None


def study_horizon_note(base, parameters) -> str:
    """compare's ask_lag_note for a study that varies when customers are asked (a key of
    ``program.timing``: its kind, delay_days, reminders): where its ends (each range's
    ends, each choice; at most 64 combinations) first ask a customer a tenth of the horizon
    apart after joining or more, a week at least (or make their last asks so far apart), a
    sentence saying the value counts the asks made by the last day, so the best found is
    for running that long. Purchase against a 30-day milestone reversed, "sure" both ways,
    between 60 and 365 days."""
    from ..parameters import apply_values

    timing = [p for p in parameters if p.key == "program.timing" or p.key.startswith("program.timing.")]

    def ends(p):
        if p.kind == "categorical":
            return list(p.choices)
        return [int(p.low), int(p.high)] if p.kind == "int" else [p.low, p.high]

    return horizon_note_of_ends(base, {p.key: ends(p) for p in timing},
                                lambda values: apply_values(base, values, parameters=timing))


def horizon_note_of_ends(base, ends: dict, build) -> str:
    """study_horizon_note over ``ends`` ({key of program.timing: the values its designs
    take at their ends}), each combination made a scenario by ``build(values)`` (as the
    study makes its points: optimize's apply_values, a sweep's point_scenario)."""
    import itertools

    from ..errors import ScenarioError

    ends = {key: values for key, values in ends.items() if key == "program.timing" or key.startswith("program.timing.")}
    if not ends or not has_program(base):
        return ""
    days, lags = int(base.days), []
    for combo in itertools.islice(itertools.product(*ends.values()), 64):
        try:
            scenario = build(dict(zip(ends, combo)))
        except (ScenarioError, ValueError):
            continue   # a combination the schema refuses is no design the study runs
        if (lag := joiner_asks(scenario.program.timing, days, first_joining_day(scenario))) is not None:
            lags.append(lag)
    for index, what in ((0, "first ask a customer"), (1, "make their last ask of a customer")):
        low, high = min((lag[index] for lag in lags), default=0), max((lag[index] for lag in lags), default=0)
        if asks_apart(low, high, days):
            keys = ", ".join(f"`{key}`" for key in ends)
            return (f"This study varies when customers are asked ({keys}): its designs {what} from about {low} to "
                    f"{high} days after joining. The value counts the asks made by day {days} only, so a design that "
                    f"asks later has more of its last joiners not yet asked, and the best found is for running {days} "
                    f"days and stopping; a longer horizon (`--set days=...`) counts more of a later ask's referrals.")
    return ""


def ask_lag_note(designs) -> str:
    """A warning, as a sentence, when compared designs ask customers at days after joining
    that differ by a tenth of the horizon or more (ask_lag_apart): the customers who
    joined in the later design's last days were not yet asked by the horizon, and the
    value counts the asks made by then, so the verdict is for running each design that
    long. Purchase against a 30-day milestone over 60 days (docs/scenarios.md): 42% of the
    milestone's joiners joined in its last 31 days, mostly not yet asked, and nothing said
    the verdict was for that horizon. The share unasked is of the later design's joiners,
    from its own daily rows."""
    if (apart := ask_lag_apart(designs)) is None:
        return ""
    late, early, index = apart
    scenario = {d.scenario.name: d.scenario for d in designs}
    # the later design's own horizon: 'the 55% of its joiners who joined in the last 46 days of the 365' was said of a
    # 730-day design compared unpaired with a 365-day one (5.8% of its joiners came in its own last 46 days)
    days = int(scenario[late].days)
    lags = {name: joiner_asks(scenario[name].program.timing, int(scenario[name].days), first_joining_day(scenario[name]))[index] for name in (late, early)}
    spans = (f"{days} days" if scenario[early].days == days else
             f"{days} days ({late}) and {int(scenario[early].days)} days ({early})")
    lag = min(lags[late], days)
    series = next(d.timeseries for d in designs if d.scenario.name == late)
    joined = series[[c for c in ("new_organic", "new_referred", "new_word_of_mouth") if c in series]].sum(axis=1)
    total = float(joined.sum())
    recent = float(joined[series["day"] > days - lag].sum()) / total if total > 0 else math.nan
    share = f"the {recent:.0%} of {late}'s joiners who" if math.isfinite(recent) else "the customers who"

    timing = scenario[late].program.timing
    # a drawn milestone comes sooner for some: "mostly", not all, unasked (a campaign is no late design here)
    drawn = timing.kind == "milestone" and timing.schedule != "fixed"
    unasked = ("were mostly not yet asked" if drawn else "had not been asked") if index == 0 else \
        ("had mostly not had all their asks" if drawn else "had not had all their asks")
    what = "first asks a customer" if index == 0 else "makes its last ask of a customer"
    return (f"**{late}** {what} {'on average ' if drawn else ''}about {lags[late]} days after joining, "
            f"**{early}** {lags[early]} day{'s' if lags[early] != 1 else ''} after: "
            # "the 100% of its joiners who joined in the last 20 days of the 20": a wait as long as the horizon
            + (f"{share} joined in the last {lag} days of the {days} {unasked} by day {days}, " if lag < days else
               f"every one of {late}'s joiners joined within that wait of day {days}, and they {unasked} by then, ")
            + f"and the value counts the asks made by then only, so this compares running each design for {spans} "
            f"and stopping. A design that asks later gains more from a longer horizon; compare at the span you "
            f"would run it (`--set days=...`).")


def last_ask_days(timeseries) -> str:
    """The day each replicate made its last ask, as words: "day 300" where they agree,
    else the median with their range ("day 313, the median of its replicates (days
    309–428)"): the day the mean over replicates last moved was the latest replicate's,
    beside a budget's median day of 313."""
    from ..metrics import median_day

    asking = timeseries[timeseries["asks"] > 0]
    last = asking.groupby("replicate")["day"].max() if "replicate" in asking.columns else asking["day"].agg(["max"])
    low, high = int(last.min()), int(last.max())
    if low == high:
        return f"day {low}"
    return f"day {int(median_day(last.to_numpy()))}, the median of its replicates (days {low}–{high})"


def non_qualifying_note(scenario, runs) -> str:
    """What paying on signup costs below a qualifying_share of 1, as a sentence: the sign-ups
    who never qualify claim rewards beside the customers (non_qualifying_signups), where paid
    on qualification they claim none; the metric was in the tables only."""
    incentive = scenario.program.incentive
    share = getattr(incentive, "qualifying_share", 1.0)
    if share >= 1 or runs is None or "non_qualifying_signups" not in getattr(runs, "columns", ()) or not len(runs):
        return ""
    count = float(runs["non_qualifying_signups"].mean())
    if incentive.paid_on == "signup":
        # 'each claiming both rewards' was said of a single-sided design, which has one, and of sign-ups past the cap,
        # which claim nothing of the referrer's
        return (f"Paid on signup, the rewards also go to the referral sign-ups who never qualify "
                f"(`program.incentive.qualifying_share` {share:g}): {fmt(count)} a run on average beside the referred "
                f"customers (`non_qualifying_signups`), each claiming {claimed_sides(incentive)}; paid on "
                f"qualification they would claim none.")
    return (f"Paid on qualification, the {fmt(count)} referral sign-ups a run who never qualify "
            f"(`program.incentive.qualifying_share` {share:g}, `non_qualifying_signups`) claim no reward.")


def claimed_sides(incentive) -> str:
    """What each referral sign-up who never qualifies claims, paid on signup, in words:
    the sides the design pays ('both rewards each' was said of single-sided and
    friend-only designs), counted towards the referrer's tiers and cap as a referral's."""
    to_referrer = any(r > 0 for r in _referrer_rewards(incentive))
    to_friend = getattr(incentive, "referee_reward", 0) > 0
    sides = ("both rewards, the referrer's and the friend's" if to_referrer and to_friend
             else "the friend's reward" if to_friend else "the referrer's reward")
    cap = getattr(incentive, "cap_per_referrer", None)
    tiered = hasattr(incentive, "tiers") and len(incentive.tiers) > 1
    towards = " and ".join([*(["tiers"] if tiered else []), *([f"cap of {cap}"] if cap is not None else [])])
    counted = (f", counted towards the referrer's {towards}"
               + (" (past the cap the referrer's reward is not paid)" if cap is not None else "")
               if to_referrer and towards else "")
    return f"{sides}, as a referral does{counted}"


def _referrer_rewards(incentive) -> list[float]:
    """The referrer's reward of each tier (one for a flat reward; none without one)."""
    if hasattr(incentive, "tiers"):
        return [tier.referrer_reward for tier in incentive.tiers]
    return [getattr(incentive, "referrer_reward", 0.0)]


def study_twin_note(keys) -> str:
    """For a sweep or an optimisation that varies a key the no-program twin runs with (the
    program's channels and conversion lag, compare.TWIN_PROGRAM_KEYS): each point's
    incremental metrics are then taken against its own baseline, which compare says of two
    such designs and no study report said."""
    from ..compare import TWIN_PROGRAM_KEYS, TWIN_SEEDING_KEY

    under = lambda key, blocks: any(key == p or key.startswith(p + ".") for p in blocks)  # noqa: E731
    varied = [k for k in keys if under(k, (*TWIN_PROGRAM_KEYS, TWIN_SEEDING_KEY))]
    if not varied:
        return ""
    why = " ".join(part for part in (
        "unprompted word of mouth goes through the program's channels and lag, and what these keys do to unprompted "
        "sharing is left out of its `incremental_value`." if any(under(k, TWIN_PROGRAM_KEYS) for k in varied) else "",
        # a sweep of seeding strategies crowned random seeding on the value, measured on top of each point's seeding
        "the twin starts from the point's initial customers, so its `incremental_value` is what the program adds on "
        "top of that seeding, not what the seeding adds." if any(under(k, (TWIN_SEEDING_KEY,)) for k in varied) else "")
        if part)
    return (f"This study varies {', '.join(f'`{k}`' for k in varied)}, which the no-program twin runs with too, so "
            f"each point's incremental metrics are taken against its own baseline: {why} Rank such points on "
            f"`cumulative_profit` and the customers as well (docs/model.md, the no-program twin).")


#: WORLD_KEYS of the program block that are no answer of people's: what a reward costs, a milestone's reach.
PRODUCT_KEYS = ("program.cost_shares", "program.timing.reach_share")


def _differing_inside(key: str, values, inside: list[str], base) -> list[str] | None:
    """Of ``inside`` (keys under the block ``key``), those a block swept whole over
    ``values`` sets differently between its points, each point read as the scenario the
    sweep makes of ``base`` with it (parameters.apply_values, the --set a point is run
    with); None where the values are not known, not blocks, or do not make a scenario."""
    from ..errors import ScenarioError
    from ..parameters import apply_values

    if base is None or not values or not all(isinstance(v, dict) for v in values):
        return None
    points = []
    for value in values:
        try:
            points.append(apply_values(base, {key: value}).model_dump(mode="json"))
        except ScenarioError:   # a value the schema refuses: the sweep's own check names it
            return None

    missing = object()

    def leaf(point: dict, path: str):
        node: Any = point
        for part in path.split("."):
            node = node.get(part, missing) if isinstance(node, dict) else missing
        return node if node is missing else json.dumps(node, sort_keys=True, default=str)

    # a key one point's kind has not (a single-sided reward's referee_max_uplift, the reminders of `never`) is no
    # difference: single- against double-sided was said to differ in the friend's assumed response, a world key
    return [k for k in inside if len({v for p in points if (v := leaf(p, k)) is not missing}) > 1]


#: A key of the world's fraud block that a program sets through its qualifying condition (docs/model.md).
CHECK_STRENGTH = "fraud.blocked_by_qualification"


def study_world_note(keys, assumptions=(), base=None, values=None) -> str:
    """For an optimisation or a sweep that ranks a key no launch chooses (the world it
    launches into, compare.WORLD_KEYS, its market's size or network, or the horizon):
    `--vary churn.monthly_rate=0.01:0.08` named the lowest churn "best", as a design,
    with no word; compare says so of two designs in different worlds. ``assumptions``: the
    keys a sweep lists as such (ranked at each of their values, not chosen). With the
    study's ``base`` scenario, a key it does not read (parameters.reads: a cash share of
    a credit design) is said apart: it moves no run, so its best value is no finding."""
    from ..compare import WORLD_KEYS
    from ..parameters import reads

    unread = []
    if base is not None and not any(k.split(".")[-1] == "kind" for k in keys):   # a varied kind brings in its keys
        unread = [k for k in keys if not reads(base, k, keys)]
        keys = [k for k in keys if k not in unread]
    # a key the base does not read moves no run: its "best" value is the order tried or luck (a sweep named
    # "point 1 (program.cost_shares.cash = 1)" best on a credit design with no word)
    idle = (f"This study varies {', '.join(f'`{k}`' for k in unread)}, which {base.name} does not read (no run "
            f"depends on {'it' if len(unread) == 1 else 'them'}): every value runs alike, so a best value of "
            f"{'it' if len(unread) == 1 else 'these'} is luck or the order of the points, not a finding." if unread else "")

    def under(key: str, blocks) -> bool:
        return any(key == block or key.startswith(block + ".") for block in blocks)

    # what each ranked key is, named only where a key of that kind is ranked: optimize refuses `days`, yet its
    # note said "or the horizon it is counted over"
    kinds = {"the world the program launches into": (*(k for k in WORLD_KEYS if not k.startswith("program.")),
                                                     "population.size", "network"),
             "what the model assumes of how people answer it": tuple(
                 k for k in WORLD_KEYS if k.startswith("program.") and k not in PRODUCT_KEYS),
             # a reward's cost to the company, and how many customers reach a milestone, are no answer of people's
             "what the model assumes a reward costs you": ("program.cost_shares",),
             "how many customers reach a milestone, an assumption about your product":
                 ("program.timing.reach_share",),
             "the horizon it is counted over": ("days",),
             # a longer window counts more referrals of the same runs: compare refuses designs measured apart
             "the window K is measured over": ("k_window_days",)}
    ranked = [k for k in keys if k not in assumptions and any(under(k, blocks) for blocks in kinds.values())]
    # how many fake accounts qualification stops: set by the qualifying condition a program chooses (docs/model.md,
    # "Fake accounts"), yet an estimate of what that condition stops; "which no launch chooses" contradicted the docs
    checked = [k for k in ranked if k == CHECK_STRENGTH]
    ranked = [k for k in ranked if k != CHECK_STRENGTH]
    check = (f"This study ranks `{CHECK_STRENGTH}`, the share of fake accounts qualification stops: a launch sets it "
             f"only through its qualifying condition (a first payment, a verified account), so its best value is the "
             f"strongest check, not a design, unless your condition delivers it; set it to what your condition stops "
             f"with `--set`, and test it with `refsim sensitivity --uncertain`." if checked else "")
    held_by: dict[str, list[str]] = {}   # a block swept whole, ranked for the keys its points differ in
    # a block swept whole that holds such keys (population: its size; program.timing.reminders: their fatigue): whether
    # it ranks them depends on the values, which differ in a launch's choices too (seeding, the reward), so it is said
    # conditionally (its name alone had called a seeding strategy the world, and a reward block none)
    whole = {k: [b for blocks in kinds.values() for b in blocks if b.startswith(k + ".")]
             for k in keys if k not in assumptions and k not in ranked}
    whole = {k: inside for k, inside in whole.items() if inside}
    # a sweep's values are known: a block whose points differ in such keys ranks them, one whose points differ in a
    # launch's choices alone (seeding) does not (the sentence was the same for both)
    for k in list(whole):
        differ = _differing_inside(k, (values or {}).get(k), whole[k], base)
        if differ is None:
            continue
        del whole[k]
        if differ:
            ranked.append(k)
            held_by[k] = differ
    blocks_said = " ".join(
        f"This study varies `{k}` whole, which holds keys no launch chooses "
        f"({', '.join(f'`{b}`' for b in inside[:3])}{f' and {len(inside) - 3} more' if len(inside) > 3 else ''}): "
        f"where its values differ in those, a best value is where the world is kindest, not a design; vary its "
        f"choices alone, and those keys with `refsim sensitivity --uncertain`." for k, inside in whole.items())
    tail = " ".join(t for t in (blocks_said, check, idle) if t)
    if not ranked:
        return tail
    named = [kind for kind, blocks in kinds.items() if any(under(h, blocks) for k in ranked for h in held_by.get(k, [k]))]
    what = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]

    def said(k: str) -> str:
        differ = held_by.get(k)
        return f"`{k}`" if differ is None else \
            f"`{k}` (its points differ in {', '.join(f'`{h}`' for h in differ[:3])}{' and more' if len(differ) > 3 else ''})"
    return (f"This study ranks {', '.join(map(said, ranked))}, which no launch chooses ({what}): a best value of "
            f"{'it' if len(ranked) == 1 else 'these'} is where the world is kindest, not a design. Set "
            f"{'it' if len(ranked) == 1 else 'them'} to your estimate with `--set` and test "
            f"{'it' if len(ranked) == 1 else 'them'} with `refsim sensitivity --uncertain` (or, in a sweep, list "
            f"{'it' if len(ranked) == 1 else 'them'} under `assumptions`, with `values: [...]`: a sampled range shares no "
            f"value between points)." + (f" {tail}" if tail else ""))


#: Sizes a study can vary that cost nothing of their own (docs/model.md, "Program levers"), and who pays what instead.
UNPRICED_SIZES = {"program.targeting.daily_capacity": "account managers cost `cost_per_ask` for each ask made, not "
                                                      "for the capacity kept",
                  "program.staff.touchpoint_rate": "staff cost a flat `cost_per_day` however often they mention it"}
#: Each size's price: what its lever charges instead, which a study should set, not search.
_PRICE = {"program.targeting.daily_capacity": "program.targeting.cost_per_ask",
          "program.staff.touchpoint_rate": "program.staff.cost_per_day"}


def unpriced_size_note(keys, assumptions=()) -> str:
    """For a study that ranks a lever's size the model charges nothing for: capacities 1
    to 10 account managers all cost about $9k (the queue drains either way), and a staff
    touchpoint rate of 1 (every customer daily) cost what 0.01 did, so the search goes to
    the top of the range wherever the lever's extra asks bring more than they cost. Its
    price varied beside it is no choice either: the search takes it at its cheapest (the
    note had advised varying it, and said the same again once it was)."""
    ranked = [k for k in keys if k in UNPRICED_SIZES and k not in assumptions]
    if not ranked:
        return ""
    prices = [_PRICE[k] for k in ranked]
    searched = [p for p in prices if p in keys and p not in assumptions]
    return (f"This study ranks {', '.join(f'`{k}`' for k in ranked)}, whose size costs nothing of its own ("
            + "; ".join(UNPRICED_SIZES[k] for k in ranked) + "): a larger one wins wherever what it adds brings more "
            "than it costs. Before reading the best value as a choice, set "
            + ", ".join(f"`{p}`" for p in prices) + " to what it costs you (`--set`), or weigh the size as an assumption"
            + (f"; {', '.join(f'`{p}`' for p in searched)}, varied here, is a price, which the search takes at its "
               f"cheapest, not a choice: a best value of it is no finding" if searched else "") + ".")


def study_non_qualifying_note(base, varied, table: str | None = None, recorded: bool = True) -> str:
    """non_qualifying_note for a sweep or an optimisation, from its base and what it varies
    (``varied``: each key with the values it takes, or None for a range): where some design
    pays on signup below a qualifying_share of 1, the sign-ups who never qualify claim its
    rewards, and only run's and compare's reports said so (a sweep of paid_on at a share of
    0.4 ranked signup against qualification with the reason in no report). ``table`` names
    the files with the per-run count, where the study keeps them; ``recorded`` is False when
    a sweep's metrics leave the count out."""
    incentive = base.program.incentive
    if getattr(incentive, "kind", "none") == "none":
        return ""
    varied = varied if isinstance(varied, dict) else dict.fromkeys(varied)
    share = getattr(incentive, "qualifying_share", 1.0)
    shares = varied.get("program.incentive.qualifying_share", [share])   # None: a range
    payouts = varied.get("program.incentive.paid_on", [incentive.paid_on])
    below = shares is None or any(isinstance(q, (int, float)) and q < 1 for q in shares)
    # a sweep of paid_on over "qualification" alone pays nobody who never qualifies
    if not below or (payouts is not None and "signup" not in payouts):
        return ""
    given = ("varied here" if "program.incentive.qualifying_share" in varied
             else f"{share:g} in the base scenario")
    where = ("" if table is None else f", a column of {table}" if recorded
             else ", which this study does not record (add it to the sweep's `metrics:`)")
    # the base's own rewards name the sides only where the study leaves them: a winner paying $23.65 to the referrer
    # was said to pay the friend's reward alone, as its friend-only base did
    rewards = [k for k in varied if k == "program.incentive" or (k.startswith("program.incentive.") and k not in (
        "program.incentive.qualifying_share", "program.incentive.paid_on"))]
    claims = ("the rewards its design pays a referral, counted towards the referrer's tiers and cap as a referral's"
              if rewards else claimed_sides(incentive))
    return (f"Below a `program.incentive.qualifying_share` of 1 ({given}), the referral sign-ups who never qualify "
            f"claim rewards where a design pays on signup (each {claims}, beside the referred "
            f"customers' own), "
            f"and none where it pays on qualification: their rewards are in the spend and the value. Their count "
            f"per run is `non_qualifying_signups`{where}.")


def ask_queue_note(scenario, timeseries, runs=None) -> str:
    """When asks wait for account managers' capacity (``program.targeting``): how many
    customers waited on the last day and on an average day (means over replicates), as
    a sentence; the timing's ask day is then only the day they join the queue (647 of
    some 1,200 accounts still waited on day 730 at 2 asks a day). Where a budget ended
    the program (``runs``' budget_exhausted_day, end_program), the average is over the
    days it asked, and the last figure is of those waiting when it ended, never asked
    (beside the last day's queue of the replicates where it did not run out): an
    average over 730 days, 320 of them after the end with nobody queued by
    construction, gave 42 where the program had 76 waiting, and '0 on day 730' read as
    a queue worked off. The wait Little's law gives (queue / daily asks) is said only
    where no budget ended the program: it holds where those queued are asked in the
    end ('a wait of about 89 days' was said of a program that asked for 84)."""
    targeting = scenario.program.targeting
    if targeting is None or timeseries is None or "ask_queue" not in timeseries.columns or not len(timeseries):
        return ""
    horizon = int(timeseries["day"].max())
    ended = _ended_by_budget(scenario, runs, horizon)
    if ended is not None and "replicate" in timeseries.columns:
        end = timeseries["replicate"].map(ended).fillna(horizon + 1)
        average = float(timeseries.loc[timeseries["day"] <= end, "ask_queue"].mean())
        waiting = float(timeseries.loc[timeseries["day"] == end, "ask_queue"].mean())
        from ..metrics import median_day

        when = (f"{fmt(waiting)} when its budget ended the program (day {int(median_day(ended.to_numpy()))}, the median "
                f"of the {counted(len(ended), 'replicate')} where it ran out), who were never asked")
        # the replicates where it did not run out: their queue on the last day, left out before
        going = timeseries.loc[(end > horizon) & (timeseries["day"] == horizon), "ask_queue"]
        if len(going):
            when += f", and {fmt(float(going.mean()))} on day {horizon} in the {counted(len(going), 'replicate')} where it did not"
    else:
        average = float(timeseries["ask_queue"].mean())
        waiting = float(timeseries.loc[timeseries["day"] == horizon, "ask_queue"].mean())
        when = f"{fmt(waiting)} on day {horizon}"
    if not average > 0:
        return ""
    text = (f"Asks wait for capacity ({targeting.daily_capacity} a day, `program.targeting`): {fmt(average)} customers "
            f"waited for theirs on an average day{' while the program asked' if ended is not None else ''} and {when} "
            f"(`ask_queue` in timeseries.csv)")
    # Little's law: the mean wait is at least the mean queue over the daily asks, where those queued are asked in the
    # end; where a budget ended the program most never were ('a wait of about 89 days' of a program asking for 84)
    if targeting.daily_capacity > 0 and ended is None:
        text += (f", a wait of about {average / targeting.daily_capacity:.0f} days or more after the moment the timing "
                 f"names")
    return text + "."


def _ended_by_budget(scenario, runs, horizon: int):
    """The day, by replicate, a budget ended ``scenario``'s program within the horizon
    (``on_budget_exhausted`` end_program; a Series indexed by replicate), or None where
    it ended in no replicate or the runs are not known."""
    incentive = scenario.program.incentive
    if (runs is None or getattr(incentive, "on_budget_exhausted", None) != "end_program"
            or not {"replicate", "budget_exhausted_day"} <= set(runs.columns)):
        return None
    days = runs.set_index("replicate")["budget_exhausted_day"]
    days = days[np.isfinite(days) & (days <= horizon)]
    return days if len(days) else None


#: What becomes of the claims a monthly allowance deferred before a budget paid on signup ran out (Budget.holds): "no
#: reward is paid after it" was said of a design that paid 67.3 more on days 32, 62 and 93.
DEFERRED_PAID = "the rewards the monthly allowance deferred before it paid as it refilled"

#: What a spent monthly allowance does (behaviour/budget.py), as the reports say it.
MONTHLY_PAUSE = ("whenever the allowance so far is spent the reward pauses until the next month (no reward is "
                 "offered meanwhile, and friends who join then are owed none); rewards it could not pay, and those "
                 "falling due meanwhile, are paid first when it refills, and those still waiting at the end count "
                 "in rewards_owed.")


def budget_never_ran_out(runs, incentive, days: int, its: str = "Its") -> str:
    """The sentence for a design whose budget never ran out: how much of a total budget the
    rewards used, and of a monthly allowance (see allowance_sentence). ``its``: how the
    sentence names the program ("The program's" after a paragraph not about it)."""
    text = (f"{its} budget never ran out" + budget_used(runs, incentive) + ".") \
        if getattr(incentive, "budget", None) is not None else ""
    allowance = allowance_sentence(runs, incentive, days, its="Its" if text else its)
    said = f"{text}{' ' if text and allowance else ''}{allowance}"
    # a monthly allowance holds the rewards alone too (its "1% used" stood beside 15,003 of asks)
    return said + (levers_outside_budget(runs) if said else "")


def levers_outside_budget(runs) -> str:
    """' The budget holds the rewards alone: ...' (a total budget or a monthly allowance)
    where the design pays levers (account
    managers' asks, staff, influencers, delight), whose costs it does not hold: a
    "$15,000 budget" that "never ran out, 2% used" stood beside $18,250 of asks."""
    if runs is None or not {"program_cost", "reward_cost"} <= set(runs.columns) or not len(runs):
        return ""
    levers = float((runs["program_cost"] - runs["reward_cost"]).mean())
    if not levers > 0:
        return ""
    return (f" The budget holds the rewards alone: the levers' costs, {fmt(levers)} on average (`program_cost` less "
            f"`reward_cost`), are paid outside it.")


def allowance_sentence(runs, incentive, days: int, its: str = "Its") -> str:
    """How much of a monthly allowance (budget_per_month, accruing month by month) the
    rewards used, and the rewards still owed beyond a month of it: said whether or not a
    total budget beside it ran out. ``its`` as budget_never_ran_out's."""
    monthly = getattr(incentive, "budget_per_month", None)
    text = ""
    if monthly is not None and "reward_cost" in runs.columns and len(runs):
        months = months_begun(days)  # begun by the last day, as the budget counts them
        allowed = monthly * months
        text += (f"{its} monthly allowance ({monthly:,.0f} a month, {allowed:,.0f} over the {months} months "
                 f"begun) was {float(runs['reward_cost'].mean()) / allowed:.0%} used on average; {MONTHLY_PAUSE}")
        if owed := owed_beyond_allowance(runs, monthly, days):
            text += (f" At the end {fmt(owed)} of rewards were still owed on average "
                     f"({owed_months(owed, monthly, allowed - float(runs['reward_cost'].mean()))}"
                     f"{owed_waiting(incentive)}): it paces the payments, not the rewards the offer commits to while "
                     f"it is open.")
    return text


def owed_waiting(incentive) -> str:
    """Paid on qualification after a wait, the clause saying that rewards_owed counts the
    referrals still within it, which would be owed without a monthly allowance too: 101.7
    owed was laid at the door of an allowance that never bound, where the same design
    without it owed 103.0. "" otherwise."""
    if getattr(incentive, "paid_on", None) != "qualification" or getattr(incentive, "qualification_days", 0) <= 0:
        return ""
    return (f"; paid on qualification, it also counts the rewards of referrals still within their "
            f"{incentive.qualification_days}-day wait, which would be owed without the allowance too")


def owed_beyond_allowance(runs, monthly: float, days: int) -> float:
    """The mean rewards_owed of ``runs`` (with their reward_cost) where it is more than a
    month of the allowance ``monthly`` and more than the month after the horizon ``days``
    can pay with what the allowance left unspent (it carries over): 0 otherwise. A strategist's $4,167 a
    month ended the year with $139k owed: the allowance had looked like a cap on what the
    program commits, and the figure stood only in the rewards_owed column; but 85.9 owed
    beside 264 of the allowance unspent was said to take "at least 1.3 months of the
    allowance to pay", all of it paid in the next 30 days."""
    owed = float(runs["rewards_owed"].mean()) if "rewards_owed" in runs.columns and len(runs) else 0.0
    room = max(monthly, monthly * (months_begun(days) + 1) - float(runs["reward_cost"].mean()))
    return owed if owed > room else 0.0


def owed_months(owed: float, monthly: float, unspent: float = 0.0) -> str:
    """How long the allowance ``monthly`` takes to pay ``owed``, the discounted
    rewards_owed, beside the ``unspent`` allowance it carries over: at least
    (owed - unspent) / monthly months, rounded down, as each later payment is discounted
    more. "42.2 months of it" read as the time to pay, which was 52 months at $1 a month;
    and 177.8 owed at 60 a month read "at least 2.9 months" beside 98.7 left unspent,
    which pays more than half of it."""
    # a floor, rounded down: 198.7 at 40 a month read "at least 5.0", above its own 4.97
    floor = math.floor(max(0.0, owed - unspent) / monthly * 10 + 1e-9) / 10
    beside = f", beside the {fmt(unspent)} of it left unspent" if unspent > 0 else ""
    return f"discounted to the horizon; at least {floor:.1f} months of the allowance to pay{beside}"


def first_day_paybacks(runs) -> int | None:
    """How many replicates of ``runs`` (runs.csv rows) pay back on day 1."""
    return int((runs["payback_day"] <= 1).sum()) if "payback_day" in runs else None


def nothing_to_pay_back(runs) -> bool:
    """Whether a design spends nothing and makes no incremental profit by the horizon in
    every replicate (program cost and incremental profit 0): its payback day is 1 by
    definition, and "It pays back in all 4 replicates (payback day 1)" was said of a
    program every customer of which churned at once, and beside "The program loses 69.1"
    of one whose only effect was on customer equity."""
    columns = ("incremental_profit", "program_cost")
    return len(runs) > 0 and all(c in runs.columns and (runs[c] == 0).all() for c in columns)


NOTHING_TO_PAY_BACK = ("It has nothing to pay back: it spends nothing and its incremental profit is 0 at the horizon "
                       "in every replicate.")


def payback_sentence(day: float, share: float, runs: int, horizon: int, from_day_1: int | None = None) -> str:
    """When the program pays back: in how many of the ``runs`` replicates, the median
    payback day over those, and that the others are still below 0 at the ``horizon``
    ("from day 331 (median) in 10% of replicates" was one run's day, and read as the
    program's). Day 1 is no feat of speed: the cumulative incremental profit never fell
    below 0 (rewards paid on qualification come out of the margin the referrals brought
    first), and "pays back from day 1" read as one. ``from_day_1``: how many replicates
    pay back on day 1, when known ("in at least half of them" was said of all 12)."""
    paid = int(round(share * runs))
    if paid >= runs:
        where = f"in all {runs} replicates" if runs > 1 else "in its one replicate"
        if day <= 1:   # the median is over the replicates that pay back: at least half of them never fall below 0
            if runs == 1:
                return "It pays back in its one replicate: its cumulative incremental profit never falls below 0 (day 1)."
            which = ("in every one" if from_day_1 == runs else f"in {from_day_1} of them" if from_day_1 is not None
                     else "in at least half of them")
            # the others paid back later: 'in 10 of them ... day 1' of 12 left the two on days 52 and 67 unsaid
            later = f", the other {runs - from_day_1} later" if from_day_1 is not None and 0 < from_day_1 < runs else ""
            return (f"It pays back {where}: {which} its cumulative incremental profit never falls "
                    f"below 0 (payback day 1, the median){later}.")
        if runs == 1:
            return (f"It pays back in its one replicate, on day {day:.0f}: from then on its cumulative incremental "
                    f"profit stays ≥ 0.")
        # the median is the earlier middle day (metrics.median_day): "from then on ... stays ≥ 0" was said of day 38
        # where 3 of 6 replicates were still below 0 after it
        return (f"It pays back {where}, half of them by day {day:.0f} (the median): from its own payback day each "
                f"replicate's cumulative incremental profit stays ≥ 0.")
    only = "only " if 2 * paid < runs else ""
    rest = f"in the other {runs - paid} its cumulative incremental profit is still below 0 on day {horizon}"
    if day <= 1:
        # from_day_1 counts every replicate on day 1, and the others paid back later or never: 'in at least half of
        # those' was said where all 9 that paid back did so on day 1
        which = ("in every one of those" if from_day_1 == paid else f"in {from_day_1} of those"
                 if from_day_1 is not None else "in at least half of those")
        # "in 8 of those ... ; in the other 8 ... still below 0" of 12 that paid back read as 8 + 8 of the 12: the
        # 4 that paid back later went unsaid, and "the other" named the 8 that never did
        later = (f", in {paid - from_day_1} more later" if from_day_1 is not None and 0 < paid - from_day_1 < paid
                 else "")
        never = (f"in the {runs - paid} that {'does' if runs - paid == 1 else 'do'} not, its cumulative incremental "
                 f"profit is still below 0 on day {horizon}")
        return (f"It pays back in {only}{paid} of {runs} replicates: {which} its cumulative "
                f"incremental profit never falls below 0 (payback day 1, their median){later}; {never}.")
    if paid == 1:
        return f"It pays back in {only}1 of {runs} replicates, on day {day:.0f} (that one); {rest}."
    # the median of an even count is the earlier middle day (metrics.median_day): "on day 116 (their median)" of days
    # 115, 116, 168 and 172 read as half the replicates paid back by then, where 2 of 6 had
    return (f"It pays back in {only}{paid} of {runs} replicates, half of those by day {day:.0f} (their median); "
            f"{rest}.")


#: Rewards earned but not yet paid at the horizon, as a share of those paid, above which
#: the reports say the payback day counts rewards when paid.
CASH_BASIS_NOTE = 0.1


def cash_basis_note(runs, incentive=None) -> str:
    """The payback day is on cash: rewards count when paid. Paid at 364 days instead of
    30, the same referrals paid back on day 1 instead of 130 with 1,320 still owed, and
    a tighter budget moved it from day 130 to 59. Said when the rewards still owed or
    beyond the budget at the horizon are a tenth or more of those paid."""
    if not {"rewards_owed", "rewards_unpaid", "reward_cost"} <= set(runs.columns) or not len(runs):
        return ""
    owed, unpaid = float(runs["rewards_owed"].mean()), float(runs["rewards_unpaid"].mean())
    pending, paid = owed + unpaid, float(runs["reward_cost"].mean())
    if pending <= 0 or pending < CASH_BASIS_NOTE * paid:
        return ""
    share = f"{pending / paid:.0%} of the {fmt(paid)} paid" if paid > 0 else "nothing had been paid"
    # paid on qualification an unpaid claim was reserved within the budget and held back during the run, not
    # earned beyond the budget at the horizon
    lost = "left unpaid" if reserves(incentive) else "beyond the budget"
    what = " or ".join(w for w, amount in (("still to pay", owed), (lost, unpaid)) if amount > 0)
    later = "paying rewards later" + (" or a tighter budget" if unpaid > 0 else "")
    return (f" The payback day counts a reward only once it is paid: {fmt(pending)} of rewards the referrals had earned "
            f"were {what} at the horizon ({share}). So {later} makes the payback day earlier with the same "
            f"referrals, and an earlier payback here is not a better program: compare designs on the value, "
            f"which counts these rewards.")


def reserves(incentive) -> bool:
    """A total budget paid on qualification: it reserves what each referral will cost when
    the referral is made, and pays the reserved claims when due after it ran out."""
    return getattr(incentive, "budget", None) is not None and getattr(incentive, "paid_on", None) == "qualification"


def ended_by_default(incentive) -> str:
    """Where a budget's running out ends the asks by default (``on_budget_exhausted`` left
    at end_program), the words that say so ("" otherwise). A $50,000 program whose budget ran out on day
    11 of 365 was worth $521,000 less than asking without a reward, for its asks ended with
    the budget, and nothing said it was a default, nor that `rewards_only` asks on."""
    if (getattr(incentive, "on_budget_exhausted", None) != "end_program"
            or "on_budget_exhausted" in getattr(incentive, "model_fields_set", {"on_budget_exhausted"})):
        return ""
    return "`on_budget_exhausted` is end_program unless set; rewards_only asks on without a reward"


def _went_on(program, timeseries=None, day: float = math.nan) -> tuple[bool, bool]:
    """Whether a program's delight gifts, and its influencers' sharing, went on after its
    budget ran out on ``day``: where the daily table is known, whether any came after
    that day (a gift wave on day 90 before a budget out on day 110, or a delight rate of
    0, was said to have gone on)."""
    influencers = getattr(program, "influencers", None)
    delight, sharing = getattr(program, "delight", None) is not None, influencers is not None and influencers.count > 0
    if timeseries is None or not math.isfinite(day) or "day" not in getattr(timeseries, "columns", ()):
        return delight, sharing
    after = timeseries[timeseries["day"] > day]

    def any_of(column: str) -> bool:
        return column not in after.columns or bool((after[column] > 0).any())

    return delight and any_of("delight_actions"), sharing and any_of("influencer_shares")


def went_on_after_budget(program, timeseries=None, day: float = math.nan) -> list[str]:
    """What goes on after a budget ended the program, being neither an ask nor a reward
    (docs/model.md, Budget), as the console's clauses: delight gifts, at their cost
    (126-166 a replicate went on unsaid), and influencers' sharing, paid for on day 1 (42
    posts a day went on after 'the program ended'), whose referrals after it are owed
    nothing."""
    delight, influencers = _went_on(program, timeseries, day)
    return ([*(["delight gifts went on (program.delight: no ask, no reward; their cost is in delight_cost)"] if delight
               else []),
             *(["influencers went on sharing (program.influencers: their fees were paid on day 1; the friends who joined "
                "through them after the budget ran out are tracked referrals owed no reward)"] if influencers else [])])


def went_on_sentence(program, timeseries=None, day: float = math.nan) -> str:
    """went_on_after_budget for report.md, after 'its budget ran out ...' ('' if nothing, and
    where the budget did not end the program: with rewards_only the asks go on too)."""
    if getattr(getattr(program, "incentive", None), "on_budget_exhausted", None) != "end_program":
        return ""
    delight, influencers = _went_on(program, timeseries, day)
    return ((" Delight gifts went on after it (no ask and no reward; their cost is in `delight_cost`)." if delight else "")
            + (" Influencers went on sharing after it (their fees were paid on day 1): the friends who joined through "
               "them after it are tracked referrals owed no reward." if influencers else ""))


def asks_ended(incentive, last_ask: float = math.nan, day=math.nan, planned: float = math.nan) -> str:
    """", and its asks ended with it (...)" after "its budget ran out ... of replicates",
    where the budget ends the asks by default (see ended_by_default). Where the design's
    asks had all been made before that ``day`` (``last_ask``: :func:`last_ask_day`), it
    ended none: a campaign whose last ask was on day 97, its budget spent on day 244 by
    links still shared, was said to have had its asks ended with it."""
    default = ended_by_default(incentive)
    if not default:
        return ""
    if asks_done_by(last_ask, day, planned):
        return f", after its asks had ended (the last on day {last_ask:.0f})"
    return f", and its asks ended with it ({default})"


def asks_over(scenario, timeseries) -> float:
    """The last day any replicate asked, where the design's asks end of themselves (a
    campaign's last push and its reminders); NaN for a timing that asks customers as they
    come (at purchase, onboarding, a milestone): its last ask before a budget ran out was
    the last purchase then, not an end of its asks (asks at purchase seen last on day 65,
    the budget out on day 66, read 'its asks had ended'). NaN too for a campaign with a
    push still to come after the last ask seen: the budget cut it (a push on day 190 that
    end_program cancelled read 'its asks had ended on day 37'). Its reminders are no such
    push: they go only to those who have not shared, and a push everyone shared at needs
    none."""
    timing = scenario.program.timing
    if timing.kind not in ("campaign", "never"):
        return math.nan
    planned = planned_last_ask(scenario)
    if timeseries is None:
        # no daily rows (a sweep's report): the plan's last ask (a sweep said budgets spent on days 242 and 327 'ended
        # the asks' of a campaign that made its last on day 97)
        return planned
    last = last_ask_day(timeseries)
    if timing.kind == "campaign" and math.isfinite(last) and any(last < day <= scenario.days for day in timing.days):
        return math.nan
    return last


def planned_last_ask(scenario, within: bool = True) -> float:
    """The last day a campaign's plan asks on: its last push within the horizon and the
    reminders after it that fit (``within`` False: its last push and all its reminders,
    whether or not the horizon holds them, as budget_pace_note weighs the plan against a
    day past the horizon). NaN for another timing, and where account managers' capacity
    (program.targeting) spreads the asks over the days after (a queue of 15 a day asked
    on to day 114 after a last push on day 90)."""
    timing = scenario.program.timing
    if timing.kind != "campaign" or getattr(scenario.program, "targeting", None) is not None:
        return math.nan
    pushes = [day for day in timing.days if day <= scenario.days or not within]
    if not pushes:
        return math.nan
    interval = timing.reminders.interval_days
    count = min(timing.reminders.count, (scenario.days - max(pushes)) // interval) if within else timing.reminders.count
    return float(max(pushes) + count * interval)


def asks_done_by(last_ask: float, days, planned: float = math.nan) -> bool:
    """Whether a design's asks were all made by the day its budget ran out in every run
    that ran out (``days``: those days, or one; ``last_ask``: :func:`asks_over`): a budget
    stops asks from the next day, so one spent on the day of the last ask (97) ended none,
    and 'its asks ended with it' (and, for rewards_only, 'asked on without a reward') was
    said of designs identical in every run. The earliest run counts, not the median: a
    budget out on day 54 in one run of three cancelled its second push there. ``planned``:
    the plan's last ask (:func:`planned_last_ask`), which counts where it is later than the
    last seen: a budget out on day 91 cut the reminder due on day 97 after a push on day 90,
    and 'its asks had ended on day 90' hid a difference of 5,412 from its rewards_only copy."""
    days = np.asarray(days, dtype=float).ravel()
    days = days[np.isfinite(days)]
    last = max(last_ask, planned) if math.isfinite(planned) else last_ask
    return math.isfinite(last_ask) and len(days) > 0 and last <= float(days.min())


def last_ask_day(timeseries) -> float:
    """The last day any replicate asked (``asks`` > 0) in a timeseries table; NaN where
    none did or the table is missing."""
    if timeseries is None or not {"day", "asks"} <= set(timeseries.columns):
        return math.nan
    asked = timeseries.loc[timeseries["asks"] > 0, "day"]
    return float(asked.max()) if len(asked) else math.nan


def ran_out_by(runs, last_day: float) -> float:
    """The first day by which the budget had run out in at least half the runs (their
    median, a run where it never did counted as after every day), where that day is at most
    ``last_day``; NaN otherwise (or without the column). The median of the runs that ran out
    alone said "day 45 of 90" of runs out on days 75, 45 and never: by day 45 one run in
    three had."""
    if "budget_exhausted_day" not in runs.columns or not len(runs):
        return math.nan
    days = runs["budget_exhausted_day"].to_numpy(dtype=float)
    day = float(np.quantile(np.where(np.isfinite(days), days, np.inf), 0.5, method="inverted_cdf"))
    return day if day <= last_day else math.nan


def milestone_cut_short(runs, scenario) -> str:
    """Where a milestone design's asks ended with its budget (end_program) before the wait
    to its milestone, in at least half the runs: the words that say its result is not one
    of asking at a milestone ("" otherwise). A $30,000 budget ran out on day 55 of 730, a
    90-day milestone design asked nobody after day 60, and the report said its ranking
    rested on the milestone's moment."""
    timing = scenario.program.timing
    incentive = getattr(scenario.program, "incentive", None)
    if timing.kind != "milestone" or getattr(incentive, "on_budget_exhausted", None) != "end_program":
        return ""
    wait = max(timing.delay_days, 1)
    if math.isnan(day := ran_out_by(runs, wait)):
        return ""
    return (f"{scenario.name}'s asks ended with its budget on day {day:.0f} (by then in at least half the runs), within the "
            f"{wait}-day wait to its milestone: few of the customers who joined reached it while it still asked, so "
            f"its result says little about asking at a milestone (run it with `on_budget_exhausted: rewards_only` "
            f"or a larger budget to see that)")


def never_spent(runs, incentive) -> float:
    """Under a total budget, the mean over the runs whose budget ran out of what it will
    never spend: budget − reward_cost − rewards_owed (NaN where there is none to say). The
    money freed by claims that never come (friends who leave before qualifying, blocked
    fake accounts) reopens no budget that ran out: with fraud a $50,000 budget ran out on
    day 11 having spent $46,180, and no line said the rest was never spent."""
    # paid on signup too: a budget closes the offer at the first referral it cannot pay, and the room too small for it
    # stays unspent (the line was given for the qualification design of two identical runs alone)
    if (getattr(incentive, "budget", None) is None
            or not {"budget_exhausted_day", "reward_cost", "rewards_owed"} <= set(runs.columns)):
        return math.nan
    ran_out = runs[np.isfinite(runs["budget_exhausted_day"].to_numpy(dtype=float))]
    if not len(ran_out):
        return math.nan
    return float((incentive.budget - ran_out["reward_cost"] - ran_out["rewards_owed"]).mean())


def allowance_holds(runs, incentive) -> bool:
    """Whether a monthly allowance beside a budget paid on signup still held rewards (owed, so
    discounted) in the runs where the budget ran out: the unspent part is then partly that
    discount. Said whenever there was an allowance, of 15 unspent with nothing owed."""
    if getattr(incentive, "budget_per_month", None) is None or "rewards_owed" not in runs:
        return False
    ran_out = runs[np.isfinite(runs["budget_exhausted_day"].to_numpy(dtype=float))]
    return bool(len(ran_out)) and float(ran_out["rewards_owed"].mean()) > 0


def never_spent_sentence(runs, incentive) -> str:
    """" Where it ran out, about X (N%) of it is never spent: ..." (see never_spent), where
    that is at least 1% of the budget."""
    left = never_spent(runs, incentive)
    if not math.isfinite(left) or left < 0.01 * incentive.budget:
        return ""
    if not reserves(incentive):   # paid on signup nothing is reserved: what is left is the room the offer closed on
        # beside an allowance, what it still holds is owed discounted: 10.1 "unspent" was that discount, all of it
        waits = ("; `rewards_owed` is discounted, so part of this is the wait for what the monthly allowance still "
                 "holds" if allowance_holds(runs, incentive) else "")
        return (f" Where it ran out, about {fmt(left)} ({left / incentive.budget:.0%}) of it goes unspent (budget less "
                f"`reward_cost` and `rewards_owed`, on average{waits}): room too small for the next referral's rewards, "
                f"which closed the offer.")
    return (f" Where it ran out, about {fmt(left)} ({left / incentive.budget:.0%}) of it goes unspent (budget less "
            f"`reward_cost` and `rewards_owed`, on average; `rewards_owed` is discounted, so part of this is the wait "
            f"for what is still owed): what claims that never came had reserved (friends who left before qualifying, "
            f"blocked fake accounts), and room too small for the next referral, reopen no budget that ran out.")


def paced_text(incentive, present: bool = False) -> str:
    """What a monthly allowance beside a reserving budget does to the rewards reserved
    before it ran out: it pays those it has room for when they fall due and holds the
    rest until it refills ("paid as they fell due" alone was false there: $46,000
    reserved in the first 11 days at $4,167 a month was paid over the next 11 months)."""
    if getattr(incentive, "budget_per_month", None) is None:
        return ""
    # "paid as they fell due, those the monthly allowance had no room for as it refilled" lacked its verb
    return (" or, where the monthly allowance has no room for them, as it refills" if present
            else " or, where the monthly allowance had no room for them, as it refilled")


def unpaid_sentence(runs, incentive=None) -> str:
    """What the referrals earned but the budget does not pay (rewards_unpaid), in the
    replicates where there was some: not a saving, as the value is charged for it. Paid
    on qualification (``incentive`` reserving) a claim that falls due after the budget ran
    out is paid from its reservation, so "falling due after it ran out" was not what the
    figure holds there: claims a spent monthly allowance could not pay once the budget had
    run out (88 paid and 112 unpaid of a 200 budget), or costing more than was reserved."""
    if "rewards_unpaid" not in runs.columns or not len(runs):
        return ""
    unpaid = runs["rewards_unpaid"].to_numpy(dtype=float)
    some = unpaid[unpaid > 0]
    if not len(some):
        return ""
    where = "every replicate" if len(some) == len(unpaid) else f"{len(some)} of the {len(unpaid)} replicates"
    if reserves(incentive):
        return (f" In {where}, rewards the referrals had earned went unpaid ({fmt(float(some.mean()))} of company "
                f"cost on average there, `rewards_unpaid`): paid on qualification a reward reserved before the budget "
                f"ran out is paid when due, so these are claims that cost more than was reserved for them (a tier "
                f"reached since) beyond what was left; the value is charged for them all the same.")
    return (f" In {where}, rewards the referrals had earned were beyond the budget ({fmt(float(some.mean()))} of "
            f"company cost on average there, `rewards_unpaid`: falling due after it ran out, or after the horizon "
            f"beyond what was left of it); the value is charged for them all the same, as a budget stops the program "
            f"but does not make what was earned free.")


def beyond_budget_sentence(runs, days: int, incentive=None) -> str:
    """The rewards of referrals still converting at the horizon that a total budget paid
    on qualification has no room for (pipeline_rewards_beyond_budget), in the replicates
    where there were some: the budget will not pay them, so the value does not charge
    them, while its running out soon after the horizon, which ends its asks, is not
    seen. A $55,000 cap that never ran out was ranked above the same design without it,
    "sure at 95%", on these alone, with no word of where its lead came from."""
    column = "pipeline_rewards_beyond_budget"
    if runs is None or column not in runs.columns or not len(runs):   # a design given without its runs
        return ""
    beyond = runs[column].to_numpy(dtype=float)
    some = beyond[beyond > 0]
    if not len(some):
        return ""
    where = "every replicate" if len(some) == len(beyond) else f"{len(some)} of the {len(beyond)} replicates"
    # a friend's reward raised their conversion: once it is gone those friends join less often, which the value
    # counts (pipeline_equity's c0 / c1), and which outweighed the saving of a double-sided cap
    thinned = (", and the friends who join after it runs out count as joining less often without their reward"
               if float(getattr(incentive, "referee_reward", 0.0) or 0.0) > 0 else "")
    return (f" In {where}, the budget has no room for the rewards of some referrals still converting at the horizon "
            f"({fmt(float(some.mean()))} of company cost on average there, `{column}`): it will not pay them, so the "
            f"value does not charge them{thinned}; it would run out after day {days} as these referrals join, ending "
            f"its asks then, which the horizon does not see; a longer run (--set days=N) weighs both.")


def budget_used(runs, incentive) -> str:
    """How much of a total budget that never ran out the rewards used, over ``runs``
    (runs.csv rows): see :func:`budget_used_text`."""
    budget = getattr(incentive, "budget", None)
    if budget is None or "reward_cost" not in runs.columns or not len(runs):
        return ""
    return budget_used_text(float(runs["reward_cost"].mean()), float(runs["reward_cost"].max()), budget, "replicate",
                            committed=budget_commits(incentive))


def budget_commits(incentive) -> bool | str:
    """budget_used_text's ``committed`` for ``incentive``: True paid on qualification,
    "deferred" paid on signup beside a monthly allowance, else False."""
    if getattr(incentive, "paid_on", None) == "qualification":
        return True
    return "deferred" if getattr(incentive, "budget_per_month", None) is not None else False


def budget_used_text(mean: float, most: float, budget: float, run: str, committed: bool | str = False) -> str:
    """How much of a total budget that never ran out the rewards used: on average (a
    budget far above the spend constrains nothing: the reader should see that), and in
    the ``run`` that spent most, above which any budget makes the same runs: the answer
    to "how much budget?" that no line gave. Paid on qualification (``committed``) a
    budget caps what the referrals commit, not what was paid: it also holds the rewards
    of friends who leave before qualifying and those still owed at the horizon, so a
    budget a little above the spend can still run out; so can one paid on signup beside a
    monthly allowance (``committed`` "deferred", budget_commits), which holds what it deferred."""
    text = f": the rewards used {mean / budget:.0%} of it on average"
    if math.isfinite(most) and committed == "deferred":
        # paid on signup beside a monthly allowance the budget holds what the allowance deferred: a budget of 801
        # above the 800 spent ran out in 2 of 3 replicates, where "any budget above that" was said
        text += (f" and {fmt(most)} in the {run} that spent most; the budget also holds the rewards the monthly "
                 f"allowance deferred and still owes at the horizon, so one a little above that can still run out")
    elif math.isfinite(most) and committed:
        text += (f" and {fmt(most)} in the {run} that spent most; paid on qualification a budget also holds the "
                 f"rewards it promised to friends who left before qualifying and those still owed at the horizon, "
                 f"so one a little above that can still run out")
    elif math.isfinite(most):
        text += (f" and {fmt(most)} in the {run} that spent most: any budget above that would have made these same "
                 f"{run}s, though other seeds can spend more")
    return text


def created_lever_notes(created: dict[str, list[tuple[str, str]]], names: list[str], via: str = "--set") -> list[str]:
    """What a --set applied to every design brought into some of them (``created``: per
    design's name, scenario_io.created_by_sets of its file): a block their files leave
    unset, a lever, with every other key at its default. One sentence per block; ``via``
    where the items came from (a study's settings file's ``set:`` has no --set to name)."""
    # the items bringing in one block, and the designs they bring it into: two --set of one lever made two notes,
    # each calling the other's key a default
    items: dict[str, list[str]] = {}
    into_of: dict[str, list[str]] = {}
    for name in names:
        for item, block in created.get(name, []):
            items.setdefault(block, []).append(item)
            into_of.setdefault(block, []).append(name)
    notes = []
    for block, listed in items.items():
        into = list(dict.fromkeys(into_of[block]))
        item = "`, `".join(f"--set {i}" if via == "--set" else i for i in dict.fromkeys(listed))
        source = "" if via == "--set" else f" (from {via})"
        others = [name for name in names if name not in into]
        notes.append(f"`{item}`{source} brought `{block}` into {', '.join(into)}, whose "
                     f"{'file sets' if len(into) == 1 else 'files set'} none, with every other key of it at its "
                     f"default" + (f" ({', '.join(others)} had it already)" if others else "")
                     + (": that design now has the lever" if len(into) == 1 else ": those designs now have the lever"))
    return notes


def set_sentence(sets: list[str] | None, subject: str, own: str, via: str = "--set") -> str:
    """What a report says of the --set items it ran with (``subject`` "with --set: ...;
    ``own``."; ``via`` where they came from, a study's settings file's ``set:``), or ""
    with none: the files' descriptions and names know nothing of them, and a decision
    read for a smaller, fraud-free world looked like the bundled files'."""
    return f"{subject} with {via}: " + ", ".join(f"`{item}`" for item in sets) + f"; {own}." if sets else ""


def study_set_lines(sets: list[str] | None, designs: int, set_notes: list[str] | None = None,
                    via: str = "--set") -> list[str]:
    """The paragraph (and its blank line) a study's report.md gives its --set items (or
    ``set:`` in its settings file) and the levers they brought into designs without
    them (``set_notes``), as compare's does; none without items. Only the console said
    them: the report of a study of a smaller, fraud-free world read as the files'."""
    subject = "Every design was changed" if designs > 1 else "The scenario was changed"
    own = "the files' descriptions and names are their own" if designs > 1 else "its file's description and name are its own"
    changed = set_sentence(sets, subject, own, via)
    changed += "".join(f" {note[0].upper()}{note[1:]}." for note in set_notes or ())
    return [changed, ""] if changed else []


#: How best.yaml's description quotes its base scenario's (report.optimize.best_yaml).
BASE_READ = " The base scenario read: "
#: How calibrated.yaml's description says where its values came from (read back by compare's report).
CALIBRATED_BY = "calibrated by refsim calibrate to "


def calibrated_note(scenario) -> str:
    """Where a calibrated.yaml's fitted values came from, as its description says, for a
    report that runs it: compare's named the design "-calibrated" and a world difference
    (base_share 0.2 vs 0.334) with no word of the fit or its interval. '' for any other
    scenario."""
    text = scenario.description.strip()
    if CALIBRATED_BY not in text:
        return ""
    # from the calibrated file's own sentence: a best.yaml optimize wrote on it quotes it after its own ("The best
    # design refsim optimize found ... (trial 2): referee_reward = 34.5. The base scenario read: ..."), and a copy set
    # to another value, as optimize's advice has it made, was described with the winner's trial and values
    text = next(part for part in text.split(BASE_READ) if CALIBRATED_BY in part)
    fitted = text.split(" (posterior medians).")[0]   # '<base> calibrated by refsim calibrate to <pilot>: key = value'
    from .calibrate import FIT_WARNED

    if FIT_WARNED in text:   # calibrate warned the fit is not sound: said so, where it read as a sound calibration
        flagged = text.split(FIT_WARNED, 1)[1].split(": these values")[0]
        return (f"{fitted}: posterior medians of a fit that calibrate flagged ({flagged}), so these values are not to "
                f"be used as they stand: fit again as calibrate's report.md says before reading this verdict")
    return (f"{fitted}: posterior medians of a fit, each value uncertain within the interval that calibrate's "
            f"report.md and the header of calibrated.yaml give (test it with `refsim sensitivity` over those intervals)")


def flagged_fit_notes(scenarios) -> list[str]:
    """calibrated_note of each of ``scenarios`` whose fit calibrate flagged, once each, led
    by the names of the scenarios it is of where there are several: compare said it and
    optimize and sensitivity, the steps calibrated.yaml's header gives next, crowned a
    design on such a fit without a word; compare printed one line three times, of no
    design by name."""
    scenarios = list(scenarios)
    flagged: dict[str, list[str]] = {}
    for scenario in scenarios:
        if "calibrate flagged" in (note := calibrated_note(scenario)):
            flagged.setdefault(note, []).append(scenario.name)
    several = len(scenarios) > 1
    return [f"{', '.join(names)}: {note}" if several else note for note, names in flagged.items()]


def saturation_assumption(scenarios) -> tuple[str, list[str]]:
    """How much a referrer's reward is assumed to move sharing in ``scenarios`` (one, or
    the designs that offer one), as a clause, and the `--uncertain` ranges that test it
    (halved and doubled): up to ``max_uplift`` more, 63% of that at a reward of the scale
    paid at once (1 − e^(−R/scale)), the scale set or in months of margin. $10 against $80
    to the referrer flipped between max_uplift 0.5 and 2 (and a scale of 1.5 against 6
    months), sure at 95% each way, and no note named either. Designs that differ in their
    uplift or scale are each named, and that size gets no range: sensitivity sets a key
    alike in every design and refuses one they differ in (a range of the first design's
    months moved that design only, and one of `reward_scale` was refused). ('', [])
    without an incentive."""
    from ..behaviour.incentive import scale

    scenarios = [s for s in ([scenarios] if hasattr(scenarios, "program") else scenarios)
                 if getattr(s.program.incentive, "kind", "none") != "none"]
    if not scenarios:
        return "", []

    def size(scenario) -> tuple[float, str]:
        incentive = scenario.program.incentive
        own = scale(incentive, scenario.economics)
        if incentive.reward_scale is not None:
            return incentive.max_uplift, f"`reward_scale` {own:,.6g}"
        return incentive.max_uplift, f"`reward_scale_months` {incentive.reward_scale_months:g} months of margin, {own:,.6g} here"

    sizes = {s.name: size(s) for s in scenarios}
    if len(set(sizes.values())) == 1:
        uplift, where = next(iter(sizes.values()))
        stated = (f"up to `max_uplift` ({uplift:g}) more at type weight 1, 63% of that at a reward of the scale "
                  f"({where}) paid at once")
    else:
        each = "; ".join(f"{name}: `max_uplift` {uplift:g}, {where}" for name, (uplift, where) in sizes.items())
        stated = (f"up to `max_uplift` more at type weight 1, 63% of that at a reward of the scale paid at once "
                  f"({each})")
    clause = (f"how much a reward moves sharing is assumed: {stated}, each dollar after it buying less "
              f"(1 − e^(−R/scale); the shape is Wolters, Schulze & Gedenk 2020, the sizes are assumptions: docs/model.md)")
    # sensitivity varies a key alike in every design, and refuses one the designs differ in: a range is printed for
    # a size they share, and a size they differ in is tested design by design
    incentives = [s.program.incentive for s in scenarios]
    ranges, apart = [], []
    if len({i.max_uplift for i in incentives}) == 1:
        uplift = incentives[0].max_uplift
        ranges.append(f"program.incentive.max_uplift={uplift / 2:g}:{min(10.0, uplift * 2):g}" if uplift > 0
                      else "program.incentive.max_uplift=0:1")
    else:
        apart.append("`max_uplift`")
    given = {(i.reward_scale, None if i.reward_scale is not None else i.reward_scale_months) for i in incentives}
    if len(given) > 1:
        apart.append("the scale")
    elif (own := incentives[0]).reward_scale is None:   # halved and doubled, within 1,200 months
        ranges.append(f"program.incentive.reward_scale_months={own.reward_scale_months / 2:g}:"
                      f"{min(1200.0, own.reward_scale_months * 2):g}")
    else:   # no thousands comma in a command
        ranges.append(f"program.incentive.reward_scale={own.reward_scale / 2:.6g}:{min(1e9, own.reward_scale * 2):.6g}")
    if apart:
        clause += (f"; the designs differ in {' and '.join(apart)}, which `refsim sensitivity` cannot vary across them "
                   f"(it sets a key alike in every design): test each design alone")
    if not ranges:
        return clause, []
    return clause, ["`" + " ".join(f"--uncertain {r}" for r in ranges) + "`"]


def referee_assumption(incentive, keys: tuple[str, ...] = ("referee_max_uplift", "referee_share_uplift")
                       ) -> tuple[str, str]:
    """How much the friend's reward is assumed to move people under ``incentive``, as a
    clause, and the `--uncertain` ranges that test it, for the uplifts ``keys`` (a study
    that varies one names the other only): $10 + $10 beat $20 to the referrer by $1.2M on
    730 days with the friend's reward moving conversion up to x2.5 and sharing up to
    x1.5; at 0.5 and 0 the referrer-only design led, and no note named either size. An
    uplift of 0 is an assumption too: with both at 0 the referrer-only design led "sure",
    and the note, said only where a size was above 0, named nothing."""
    # to a business audience the friend is the referred business, as the run report says it ("the friend's conversion"
    # stood beside "the referred business's 100.0" in one B2B report)
    business = getattr(incentive, "audience", None) == "business"
    friend = "the referred business" if business else "the friend"
    whose = f"{friend}'s" if business else "a friend's"
    said = {"referee_max_uplift": (f"{friend}'s conversion", 2.0), "referee_share_uplift": ("the referrer's sharing", 1.0)}
    moving = [key for key in keys if getattr(incentive, key) > 0]
    still = [f"{said[key][0]} (`{key}` 0)" for key in keys if key not in moving]
    source = "the direction is Gershon, Cryder & John 2020; the sizes are assumptions: docs/model.md"
    if moving:
        parts = [f"{said[key][0]} by up to `{key}` ({getattr(incentive, key):g})" for key in moving]
        clause = (f"how much {whose} reward moves people is assumed: it raises {' and '.join(parts)}"
                  + (f", and is assumed not to raise {' or '.join(still)}" if still else "") + f" ({source})")
    elif len(keys) < len(said):
        # the other uplift is the study's own (a sweep varies it): "assumed to move nobody" stood beside a sweep of
        # referee_max_uplift over 0.5 and 1.5
        clause = (f"{whose} reward is assumed not to raise {' or '.join(still)}, though rewards for {friend} do "
                  f"move people ({source})")
    else:
        clause = (f"{whose} reward is assumed to move nobody: it raises neither {' nor '.join(still)}, though "
                  f"rewards for {friend} do move people ({source})")
    ranges = " ".join(f"--uncertain program.incentive.{key}=0:{min(10.0, max(said[key][1], 1.5 * getattr(incentive, key))):g}"
                      for key in keys)
    return clause, f"`{ranges}`"


#: How far ahead brought_forward_note projects each run's remaining prospects (days).
BROUGHT_FORWARD_AHEAD = 365
#: The share of the lead in joiners that, gone within BROUGHT_FORWARD_AHEAD, brought_forward_note reports.
BROUGHT_FORWARD_SHARE = 0.25


def projected_lead(timeseries, baseline_timeseries, days: int, ahead: int = BROUGHT_FORWARD_AHEAD):
    """The design's lead over its no-program twin in people who joined on day ``days``
    (the twin's prospects less the design's, means over replicates), the twin's prospects
    then, and that lead ``ahead`` days later were each run to lose its prospects at the
    pace of its last 30 days (a hazard, ln(P_start / P_end) / window). None where the
    horizon is too short to read a pace (under 14 days) or a series lacks prospects."""
    window = min(30, days // 2)
    if window < 7 or timeseries is None or baseline_timeseries is None or "prospects" not in timeseries \
            or "prospects" not in baseline_timeseries:
        return None

    def remaining(series):
        prospects = series.groupby("day")["prospects"].mean()
        if days not in prospects.index or days - window not in prospects.index:
            return None
        start, end = float(prospects[days - window]), float(prospects[days])
        if end <= 0:
            return end, 0.0
        return end, end * (end / start) ** (ahead / window) if start > 0 else end

    design, twin = remaining(timeseries), remaining(baseline_timeseries)
    if design is None or twin is None:
        return None
    return twin[0] - design[0], twin[0], twin[1] - design[1]


def projected_leads_by_run(timeseries, baseline_timeseries, days: int,
                           ahead: int = BROUGHT_FORWARD_AHEAD) -> np.ndarray | None:
    """projected_lead run by run (replicate r of the design against replicate r of its twin,
    which share the seed), as rows of (lead on day ``days``, lead ``ahead`` days on): the
    spread the mean's projection hides. None without replicates in both series, or where a
    run cannot be projected."""
    if timeseries is None or baseline_timeseries is None or "replicate" not in timeseries \
            or "replicate" not in baseline_timeseries:
        return None
    twins = dict(tuple(baseline_timeseries.groupby("replicate")))
    leads = []
    for replicate, design in timeseries.groupby("replicate"):
        if replicate not in twins or (one := projected_lead(design, twins[replicate], days, ahead)) is None:
            return None
        leads.append((one[0], one[2]))
    return np.array(leads, dtype=float)


def brought_forward_note(scenario, timeseries, baseline_timeseries, name: str | None = None) -> str:
    """Where the design's lead over its no-program twin in people who joined would shrink
    by more than BROUGHT_FORWARD_SHARE within a year at the pace each run loses its
    prospects: the twin's remaining prospects keep joining on their own after the
    horizon, which nothing values (docs/model.md), so part of the value added is customers
    the program only brought forward. A compare at 180 days read "sure at 95%" (+31,813)
    beside a twin with 43% of its people still prospects, whose lead had gone by day 540
    (+1,205 at 1,095 days, not told apart); no console said so."""
    if not has_program(scenario):
        return ""
    projected = projected_lead(timeseries, baseline_timeseries, scenario.days)
    if projected is None:
        return ""
    lead, prospects, later = projected
    if not (lead >= max(5.0, 0.001 * scenario.population.size) and later < (1 - BROUGHT_FORWARD_SHARE) * lead):
        return ""
    runs = projected_leads_by_run(timeseries, baseline_timeseries, scenario.days)
    tested = runs is not None and len(runs) >= 2 and np.isfinite(runs).all()
    if tested:
        # the shrinking, beyond the runs' luck (one-sided, 95%, run by run: each run's lead a year on against three
        # quarters of its own): a year-on lead of 'about 0' rested on 1.7 people of pace between three runs (-51, +9
        # and +42 run by run), and 12 replicates put it at 64 (the note then gone)
        from ..metrics import t_quantile

        short = runs[:, 1] - (1 - BROUGHT_FORWARD_SHARE) * runs[:, 0]
        if not short.mean() + t_quantile(0.95, len(short) - 1) * short.std(ddof=1) / math.sqrt(len(short)) < 0:
            return ""
    who = f"**{name}**'s" if name else "The program's"
    longer = max(2 * scenario.days, scenario.days + BROUGHT_FORWARD_AHEAD)
    return (f"{who} lead over its no-program twin is {lead:,.0f} people who joined by day {scenario.days}, but the twin "
            f"still has {prospects:,.0f} prospects, and at the pace its runs lost their prospects over the last "
            f"{min(30, scenario.days // 2)} days (their mean) that lead would be about {max(later, 0.0):,.0f} a year on"
            + (", short of it beyond the runs' luck" if tested else
               " (not tested against the runs' luck, which takes two replicates or more)") + ": part of the "
            f"value added is customers the program only brought forward, whom the twin gains after the horizon (nothing "
            f"values its remaining prospects, docs/model.md). Check the verdict at a longer horizon "
            f"(`--set days={longer}`).")
