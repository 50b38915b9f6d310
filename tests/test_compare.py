"""Comparing designs on common random numbers: the paired interval, the unpaired
one for contrast, the replicates a precision needs, and the compare folder."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from simulator.cli import COMPARE_CONSOLE, app, console_metrics
from simulator.compare import (COMPARISON_COLUMNS, compare, paired_difference, replicates_needed,
                               unpaired_difference)
from simulator.rng import replicate_seeds

from .conftest import SCENARIOS, small

runner = CliRunner()


def design(reward: float, name: str, **changes):
    return small(name=name, days=90, population={"size": 1500, "initial_customers": 30},
                 program={"incentive": {"kind": "double_sided", "referrer_reward": reward, "referee_reward": reward,
                                        "qualification_days": 14}}, **changes)


def test_paired_difference_and_welch_interval_agree_with_scipy():
    """Reference implementations: scipy's paired t-test and Welch t-test give the
    same 95% confidence intervals of the mean difference."""
    rng = np.random.default_rng(4)
    a = rng.normal(100, 10, 12)
    b = a + rng.normal(3, 2, 12)
    paired = paired_difference(a, b)
    reference = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert paired["diff_mean"] == pytest.approx(np.mean(b - a), rel=1e-12)
    assert (paired["diff_ci_low"], paired["diff_ci_high"]) == pytest.approx((reference.low, reference.high), rel=1e-9)
    unpaired = unpaired_difference(a, b[:10])
    welch = stats.ttest_ind(b[:10], a, equal_var=False).confidence_interval(0.95)
    assert (unpaired["unpaired_ci_low"], unpaired["unpaired_ci_high"]) == pytest.approx((welch.low, welch.high), rel=1e-9)


def test_pairs_with_a_missing_value_are_dropped_together():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([2.0, np.nan, 5.0, 6.0])
    assert paired_difference(a, b)["n_pairs"] == 2
    assert paired_difference(a, b)["diff_mean"] == pytest.approx(1.5)


def test_a_difference_of_rounding_alone_is_no_difference():
    """A total budget with a monthly allowance beside it, paid on qualification, made the
    same run as the budget alone but for the days its rewards were paid: the values were
    the same sums taken in another order, and compare printed "-3.1e-10 paired 95% CI
    -1.11e-09 – 4.88e-10 ... unclear" where every replicate agreed. A cent is a difference."""
    from simulator.compare import verdict

    a = np.array([450835.2299, 480537.7449, 479198.7358, 550141.7592, 522647.2268, 231232.4065])
    b = a + np.array([2.3e-10, -5.8e-11, 0.0, 1.2e-10, -2.9e-10, 0.0])
    same = paired_difference(a, b)
    assert (same["diff_mean"], same["diff_ci_low"], same["diff_ci_high"]) == (0.0, 0.0, 0.0)
    assert verdict("incremental_value", same["diff_ci_low"], same["diff_ci_high"]) == "same"
    cent = paired_difference(a, a + 0.01)
    assert cent["diff_mean"] == pytest.approx(0.01) and verdict("incremental_value", cent["diff_ci_low"],
                                                                   cent["diff_ci_high"]) == "better"


@pytest.mark.parametrize("sd, half_width", [(1.0, 0.5), (3.0, 0.2), (10.0, 9.0), (0.7, 0.001)])
def test_replicates_needed_is_the_smallest_n_reaching_the_half_width(sd, half_width):
    n = int(replicates_needed(sd, half_width))
    assert stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= half_width
    if n > 2:
        assert stats.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > half_width
    # and it is close to the textbook (z·sd/h)² for large n
    if n > 100:
        assert n == pytest.approx((1.96 * sd / half_width) ** 2, rel=0.02)


@pytest.mark.parametrize("n", [2, 10, 57])
def test_replicates_needed_counts_a_half_width_reached_exactly(n):
    """The definition is "smallest n with t(0.975, n-1) * sd / sqrt(n) <= half_width":
    a target equal to the half-width n replicates give (the same expression, so equal
    to the last bit) is reached at n itself, not n + 1. The parametrized test above
    never lands on the boundary, so a '<' read as '<=' went unseen."""
    sd = 3.0
    half_width = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert replicates_needed(sd, half_width) == n


def test_an_interval_that_touches_0_does_not_exclude_it():
    """verdict says better/worse only when the interval excludes 0 (docstring). A closed
    interval [0, 2] or [-2, 0] still contains 0 (a difference of nothing is not ruled
    out: a t-test with p exactly 5% is not significant at 5%), so it is unclear; moved
    off 0 by any amount it excludes it."""
    from simulator.compare import verdict

    for metric, up in (("incremental_value", "better"), ("payback_day", "worse"), ("budget_exhausted_day", "higher")):
        assert verdict(metric, 0.0, 2.0) == "unclear", metric
        assert verdict(metric, -2.0, 0.0) == "unclear", metric
        assert verdict(metric, 1e-9, 2.0) == up, metric
    assert verdict("incremental_value", -2.0, -1e-9) == "worse"


@pytest.fixture(scope="module")
def rewards_compared():
    """Two designs that differ only in the size of the double-sided reward."""
    return compare([design(10, "ten"), design(30, "thirty")], replicates=8, seed=3, executor="serial")


def test_paired_interval_is_narrower_than_unpaired(rewards_compared):
    """On common random numbers both designs see the same graph, seed customers,
    organic days, satisfaction and churn clocks, so their outcomes are positively
    correlated and Var(B - A) = Var A + Var B - 2 Cov(A, B) is smaller than for two
    independent samples. Fixed seeds: no tolerance needed. (Profit is left out: on
    a short horizon the extra reward cost can make it move against the customer
    count, and its correlation across designs is not guaranteed to be positive. So is
    cohort K: on 1,500 people it rests on a few dozen tracked referrals, and the reward
    size now changes who comes, reward seekers churning faster.)"""
    table = rewards_compared.table.set_index(["design", "metric"])
    for metric in ("customers_final", "adopters", "ltv_organic"):
        row = table.loc[("thirty", metric)]
        paired = row["diff_ci_high"] - row["diff_ci_low"]
        unpaired = row["unpaired_ci_high"] - row["unpaired_ci_low"]
        assert row["correlation"] > 0, metric
        assert paired < unpaired, metric
        assert row["replicates_needed_paired"] <= row["replicates_needed_unpaired"], metric


def test_every_design_runs_on_the_same_seeds(rewards_compared):
    ten, thirty = rewards_compared.designs
    assert ten.seeds == thirty.seeds == replicate_seeds(3, 8)
    assert ten.runs["seed"].tolist() == thirty.runs["seed"].tolist()
    # the organic clock does not depend on the reward: day-1 organic adopters match
    first = lambda r: r.timeseries[r.timeseries["day"] == 1]["new_organic"].tolist()  # noqa: E731
    assert first(ten) == first(thirty)


def test_a_design_compared_with_itself_differs_by_exactly_zero():
    comparison = compare([design(10, "same"), design(10, "same")], replicates=3, seed=5, executor="serial")
    assert comparison.names[0] != comparison.names[1]
    others = comparison.table[comparison.table["verdict"] != "reference"]
    finite = others[np.isfinite(others["diff_mean"])]
    assert len(finite) >= 8
    assert (finite["diff_mean"] == 0).all() and (finite["diff_ci_low"] == 0).all() and (finite["diff_ci_high"] == 0).all()
    assert set(finite["verdict"]) == {"same"}


def write_design(path, reward, name, seed):
    data = design(reward, name).model_dump(mode="json")
    data["seed"] = seed
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_compare_command_writes_the_comparison_folder(tmp_path):
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    b = write_design(tmp_path / "b.yaml", 30, "thirty", seed=99)
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(a), str(b), "--replicates", "4", "--seed", "5", "--out", str(out),
                                 "--workers", "2"])
    assert result.exit_code == 0, result.output
    for name in ("comparison.csv", "timeseries.csv", "summary.csv", "summary.json", "manifest.json", "report.md",
                 "adoption.png", "acquisition_mix.png", "cumulative_profit.png", "roi_distribution.png"):
        assert (out / name).is_file(), name
    assert not list(tmp_path.glob(".*partial"))

    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert set(table["design"]) == {"ten", "thirty"}
    assert set(table.loc[table["design"] == "ten", "verdict"]) == {"reference"}
    assert table.loc[table["design"] == "thirty", "diff_mean"].notna().any()
    # the console: one line per metric of console_metrics, its verdict the table's
    shown = console_metrics(table)
    assert {"incremental_value", "reward_cost"} <= set(shown)
    for metric in shown:
        row = table[(table["metric"] == metric) & (table["design"] == "thirty")].iloc[0]
        line = next(line for line in result.stdout.splitlines() if line.split()[:1] == [metric])
        assert "thirty - ten" in line and line.endswith(row["verdict"]), line

    series = pd.read_csv(out / "timeseries.csv")
    assert series.groupby("scenario")["replicate"].nunique().to_dict() == {"ten": 4, "thirty": 4}
    for column in ("scenario", "replicate", "day", "customers", "new_organic", "new_referred", "cumulative_profit"):
        assert column in series.columns
    # each design's no-program twin, as run writes its one (incremental_value.png drew them, no file held them); the
    # two designs share seeds, so their twins are one world: the same rows
    twins = pd.read_csv(out / "baseline_timeseries.csv")
    assert set(twins["scenario"]) == {"ten (no program)", "thirty (no program)"}
    assert list(twins.columns) == list(series.columns)
    ten, thirty = (twins[twins["scenario"] == f"{n} (no program)"].drop(columns="scenario").reset_index(drop=True)
                   for n in ("ten", "thirty"))
    pd.testing.assert_frame_equal(ten, thirty)

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {"ten", "thirty"} and "customers_final" in summary["ten"]

    manifest = json.loads((out / "manifest.json").read_text())
    # --seed pairs files whose own seeds differ (5 and 99): every design runs on it
    assert manifest["seeds"]["ten"] == manifest["seeds"]["thirty"] == replicate_seeds(5, 4)
    assert manifest["compare"]["reference"] == "ten"

    report = (out / "report.md").read_text()
    assert "## Who wins" in report and "paired 95% interval" in report and "replicates would do" in report
    assert "--set" not in report   # nothing changed: nothing said
    assert "at 95% on its own" not in result.stdout   # two designs: one test, nothing to reconcile
    # with 4 replicates the spread behind 'replicates would do' is itself rough: a walkthrough's 4-replicate
    # figure of 6 was followed by a 12-replicate difference outside the 4-replicate interval
    assert "itself measured on 4, so it is rough" in report
    profit = table[(table["design"] == "thirty") & (table["metric"] == "cumulative_profit")].iloc[0]
    sure = profit["diff_ci_low"] > 0 or profit["diff_ci_high"] < 0
    line = next(line for line in report.splitlines() if line.startswith("- **cumulative_profit**"))
    assert ("sure at 95%" in line) == sure and ("not distinguishable" in line) == (not sure)
    # every line not told apart says how many replicates would tell it, from its own paired spread (comparison.csv's
    # diff_sd) and difference, where that is a count worth saying
    from simulator.compare import replicates_to_tell_apart
    from simulator.report.compare import MOST_REPLICATES_WORTH_SAYING

    said = 0
    for line in (line for line in report.splitlines() if "**not distinguishable** with these replicates" in line):
        metric = line.split("**")[1]
        row = table[(table["design"] == "thirty") & (table["metric"] == metric)].iloc[0]
        apart = replicates_to_tell_apart(row["diff_sd"], row["diff_mean"])
        if math.isfinite(apart) and apart <= MOST_REPLICATES_WORTH_SAYING:
            assert f"about {int(apart):,} replicates" in line and "would tell the two apart 4 times in 5" in line, line
            said += 1
    assert said   # some line was not told apart at 4 replicates: the check has one to read
    # each line is its own test: one in twenty reads "sure" by chance where nothing differs, said above the lines
    # (ltv_ratio read "sure at 95%" at 12 replicates and [-0.027, 0.086] at 60)
    lines = [line for line in report.split("## Who wins")[1].split("\n## ")[0].splitlines() if line.startswith("- **")]
    sure_lines = sum("**sure at 95%**" in line for line in lines)
    assert (f"Each metric line below is a test of its own ({len(lines)} metrics here, {sure_lines} of them \"sure\"): "
            f"where two designs do not differ, about one line in twenty still reads \"sure\" by chance") in report


def test_compare_needs_two_files(tmp_path):
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    result = runner.invoke(app, ["compare", str(a), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "at least two" in result.stderr
    assert not (tmp_path / "o").exists()


def test_compare_refuses_designs_that_cannot_be_paired(tmp_path):
    """Different population, network, days or seed: one line naming the difference,
    exit 2, no folder; --unpaired runs them, on their own seeds, with Welch intervals."""
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    bigger = design(10, "bigger").model_dump(mode="json")
    bigger["population"]["size"] = 1600
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({**bigger, "seed": 5}, sort_keys=False))
    c = write_design(tmp_path / "c.yaml", 30, "thirty", seed=99)
    for other, words in (("b.yaml", ["population.size (1500 vs 1600)"]), ("c.yaml", ["seed (5 vs 99)"])):
        result = runner.invoke(app, ["compare", str(a), str(tmp_path / other), "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(tmp_path / other) in lines[0] and "--unpaired" in lines[0], result.stderr
        assert all(word in lines[0] for word in words), lines[0]
        assert "(the reference's value first)" in lines[0]   # the file named differs: whose value came first was unsaid
        # seeds alone differ (an optimize's best.yaml carries its own): --seed pairs them, and is offered first
        assert ("--seed N runs every design on one seed" in lines[0]) == (other == "c.yaml"), lines[0]
        assert not (tmp_path / "o").exists()
    # as offered, --seed runs them paired
    result = runner.invoke(app, ["compare", str(a), str(c), "--seed", "3", "--replicates", "2", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0 and "**unpaired**" not in (tmp_path / "s" / "report.md").read_text(), result.output
    # an optimize's winner: not the study's own seed, which would replay the replicates that picked it
    best = write_design(tmp_path / "best.yaml", 30, "ten-best", seed=123)
    line = runner.invoke(app, ["compare", str(a), str(best), "--out", str(tmp_path / "o")]).stderr
    assert ("--seed N runs every design on one seed, not the seed of the study that chose ten-best (it would replay "
            "the replicates that picked it)") in line, line
    # the seed and the population differ: --seed alone would be refused next, so it is not offered
    other = {**bigger, "seed": 99}
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(other, sort_keys=False))
    line = runner.invoke(app, ["compare", str(a), str(tmp_path / "d.yaml"), "--out", str(tmp_path / "o")]).stderr
    assert "seed (5 vs 99)" in line and "population.size" in line and "--seed N" not in line, line

    out = tmp_path / "unpaired"
    result = runner.invoke(app, ["compare", str(a), str(c), "--unpaired", "--replicates", "4", "--out", str(out),
                                 "--executor", "serial"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["compare"]["paired"] is False
    assert manifest["seeds"]["ten"] == replicate_seeds(5, 4) and manifest["seeds"]["thirty"] == replicate_seeds(99, 4)
    report = (out / "report.md").read_text()
    assert "**unpaired**" in report and "paired 95%" not in report.replace("unpaired", "")
    # the interval that decides is Welch's (reference implementation: scipy)
    runs = pd.read_csv(out / "runs.csv")
    table = pd.read_csv(out / "comparison.csv").set_index(["design", "metric"])
    ten = runs[runs["scenario"] == "ten"]["customers_final"].to_numpy()
    thirty = runs[runs["scenario"] == "thirty"]["customers_final"].to_numpy()
    welch = stats.ttest_ind(thirty, ten, equal_var=False).confidence_interval(0.95)
    row = table.loc[("thirty", "customers_final")]
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((welch.low, welch.high), rel=1e-9)
    assert row["diff_mean"] == pytest.approx(thirty.mean() - ten.mean()) and math.isnan(row["correlation"])
    assert "best in" not in report.split("\n\n")[1]   # replicate r of each shares no luck: no per-replicate contest
    # one --seed for unpaired designs: each its own seed from it (both ran on seed 7 and the report said "own seeds")
    from simulator.rng import stream_key, stream_seed

    result = runner.invoke(app, ["compare", str(a), str(c), "--unpaired", "--replicates", "2", "--seed", "7", "--out",
                                 str(tmp_path / "seeded"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    seeds = json.loads((tmp_path / "seeded" / "manifest.json").read_text())["seeds"]
    assert seeds["ten"] == replicate_seeds(stream_seed(7, "unpaired design", stream_key("ten")), 2)
    assert seeds["thirty"] == replicate_seeds(stream_seed(7, "unpaired design", stream_key("thirty")), 2)
    assert "each got one derived from it and its name" in (tmp_path / "seeded" / "report.md").read_text()
    # listed the other way round, each design keeps its seeds (they came from its place in the list, and
    # every design got other luck with the order)
    result = runner.invoke(app, ["compare", str(c), str(a), "--unpaired", "--replicates", "2", "--seed", "7", "--out",
                                 str(tmp_path / "swapped"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "swapped" / "manifest.json").read_text())["seeds"] == seeds
    assert json.loads((tmp_path / "seeded" / "manifest.json").read_text())["compare"]["seed"] == 7   # the seed typed
    # files giving the same seed, and no --seed: they ran on the same seeds while the report said their own
    same = write_design(tmp_path / "same.yaml", 30, "same", seed=5)
    result = runner.invoke(app, ["compare", str(a), str(same), "--unpaired", "--replicates", "2", "--out",
                                 str(tmp_path / "alike"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    seeds = json.loads((tmp_path / "alike" / "manifest.json").read_text())["seeds"]
    assert seeds["ten"] == replicate_seeds(stream_seed(5, "unpaired design", stream_key("ten")), 2)
    assert seeds["same"] == replicate_seeds(stream_seed(5, "unpaired design", stream_key("same")), 2)
    # designs on other populations: the opening says the difference is partly the populations'
    result = runner.invoke(app, ["compare", str(a), str(tmp_path / "b.yaml"), "--unpaired", "--replicates", "2", "--out",
                                 str(tmp_path / "sizes"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    opening = (tmp_path / "sizes" / "report.md").read_text().split("\n\n")[1]
    assert "The designs differ in population.size: the differences below are partly those of the populations" in opening
    # seeds that differ already are kept: each design as `refsim run` of its file gives it
    assert json.loads((out / "manifest.json").read_text())["compare"]["seeds_derived"] is False


def test_the_report_opens_with_the_design_that_adds_the_most_value(tmp_path):
    """The first paragraph names the design with the highest mean incremental_value,
    its share of replicates as the best (recomputed here from runs.csv), and says
    whether its budget ran out; incremental_value in comparison.csv is the mean of
    the per-replicate paired differences program − twin."""
    files = [write_design(tmp_path / f"{name}.yaml", reward, name, seed=4)
             for name, reward in (("none", 0), ("ten", 10), ("forty", 40))]
    for path in files:  # a budget too large to run out: the paragraph says it never did
        data = yaml.safe_load(path.read_text())
        data["program"]["incentive"]["budget"] = 1e8
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", *map(str, files), "--replicates", "5", "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    values = runs.pivot(index="replicate", columns="scenario", values="incremental_value")
    best = values.mean().idxmax()
    share = (values.idxmax(axis=1) == best).mean()
    paragraph = (out / "report.md").read_text().split("\n\n")[1]
    # crowned only when the best is ahead of both others together at 95% (Holm over 2 tests, each two-sided, from
    # scipy's paired t-test): the smaller one-sided p-value at 2.5%/2, then the other at 2.5%; from the first that
    # fails on, the designs are not told apart
    p = {name: stats.ttest_rel(values[best], values[name], alternative="greater").pvalue
         for name in values.columns if name != best}
    failed, behind = False, set()
    for k, name in enumerate(sorted(p, key=p.get)):
        failed = failed or p[name] > 0.025 / (2 - k)
        behind |= {name} if failed else set()
    behind = [name for name in values.mean().sort_values(ascending=False).index if name in behind]
    assert paragraph.startswith(f"**{best} adds the most value**" if not behind else
                                f"**{best} leads on value, not told apart from {' and '.join(behind)}**"), paragraph
    assert "tested against the 2 other designs one by one, the clearest difference first, at 97.5%, then 95%" in paragraph
    # the console says the same verdict in one line (its other lines are each against the reference only)
    verdict = next(line for line in result.output.splitlines() if "best on incremental_value:" in line)
    assert f"best on incremental_value: {best} (" in verdict
    assert verdict.endswith("sure at 95% (ahead of every other design, Holm)") if not behind else \
        verdict.endswith(f"not told apart from {' and '.join(behind)} at 95%"), verdict
    assert f"best in {round(share * 5)} of the 5 replicates" in paragraph   # a count (62% of 8 read as 5 of 8)
    # a design best in more replicates than the leader is named beside its count (a leader best in 2 of 6 hid one best
    # in 4), and only then
    wins = values.idxmax(axis=1).value_counts()
    oftener = [name for name in values.columns if name != best and wins.get(name, 0) > wins.get(best, 0)]
    for name in oftener:
        assert f"{name} is best in {wins[name]}" in paragraph, paragraph
    assert ("not how often it is best" in paragraph) == bool(oftener)
    assert "Its budget never ran out" in paragraph and ("pays back" in paragraph or "does not pay back" in paragraph)
    table = pd.read_csv(out / "comparison.csv").set_index(["design", "metric"])
    for name in values.columns:
        # both files hold 10 significant digits (float_format %.10g)
        assert table.loc[(name, "incremental_value"), "mean"] == pytest.approx(values[name].mean(), rel=1e-9)
    assert (out / "incremental_value.png").is_file()
    assert "cumulative_profit** (90-day profit)" in (out / "report.md").read_text()
    # the legend says why a verdict can be unclear on an interval that excludes 0
    assert "or the metric is undefined in" in (out / "report.md").read_text()
    # a day that happened in some replicates only says in how many its mean is taken (the budget: none)
    rows = [line for line in (out / "report.md").read_text().splitlines() if "| budget_exhausted_day |" in line]
    assert len(rows) == 3 and all("(0 of 5 runs)" in line for line in rows), rows
    # the reference's own means are in the differences table too: each difference is read from them
    from simulator.report import fmt

    own = [line for line in (out / "report.md").read_text().split("## Differences")[1].splitlines()
           if line.startswith("| none | ") and "| reference |" in line]
    assert len(own) == table.loc["none"].shape[0]
    value = next(line for line in own if "incremental_value" in line or "value" in line.split("|")[2])
    assert f"| {fmt(values['none'].mean())} |" in value
    body = [line.split(" | ")[:2] for line in (out / "report.md").read_text().split("## Differences")[1].splitlines()
            if line.startswith("| ") and " | " in line][1:]   # past the header
    assert [design for design, _ in body[:3]] == ["| none", "| ten", "| forty"], body[:6]   # metric by metric, the reference first
    assert len({metric for _, metric in body[:3]}) == 1


def test_incremental_value_is_program_minus_its_twin_on_the_same_seed():
    """Reference: the twin run by hand (baseline_of on the same seed and graph)."""
    from simulator.engine import Engine
    from simulator.metrics import run_summary
    from simulator.runner import baseline_of, run_replicate

    scenario = design(20, "twenty")
    output = run_replicate(scenario, 0, 123, baseline=True)
    program = Engine(scenario, 123).run()
    twin = run_summary(Engine(baseline_of(scenario), 123, network=program.network).run())
    mine = run_summary(program)
    expected = ((mine["cumulative_profit"] + mine["equity_final"] - mine["rewards_owed"] + mine["pipeline_equity"])
                - (twin["cumulative_profit"] + twin["equity_final"] - twin["rewards_owed"] + twin["pipeline_equity"]))
    assert output.metrics["incremental_value"] == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_who_is_seeded_is_a_design_lever_not_another_population():
    """Seeding strategies (issue 13) change only population.initial_customers: the
    designs share people, graph, horizon and seeds, so they pair; the size does not."""
    from simulator.compare import pairing_differences

    random_seeds = design(10, "random")
    data = random_seeds.model_dump()
    data["population"]["initial_customers"] = {"count": 30, "strategy": "degree"}
    hubs = type(random_seeds).model_validate(data)  # validated: a raw dict in the model warned on every dump
    assert pairing_differences(random_seeds, hubs) == []
    larger = random_seeds.model_copy(update={"population": random_seeds.population.model_copy(update={"size": 1600})})
    assert pairing_differences(random_seeds, larger) == ["population.size (1500 vs 1600)"]


def test_lower_is_better_for_costs_per_customer_and_a_later_payback():
    from simulator.compare import better

    for metric in ("payback_day", "incremental_cac", "cost_per_referred_customer"):
        assert better(metric, -1.0) and not better(metric, 1.0), metric
    for metric in ("incremental_value", "customers_final"):
        assert better(metric, 1.0) and not better(metric, -1.0), metric


def test_a_budget_that_never_ran_out_counts_as_the_day_after_the_horizon_in_the_difference():
    """A budget that ran out in 6 of 8 runs, against a design whose budget never did,
    had no difference at all ('[–, –] unclear'): a day that never came within the
    horizon now counts as H + 1 there, as for a payback (closed form below)."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table

    days = 365

    def made(name, values):
        return SimpleNamespace(scenario=design(10, name).model_copy(update={"days": days}),
                               runs=pd.DataFrame({"replicate": range(len(values)), "budget_exhausted_day": values}))

    lasting = made("a", [np.nan] * 8)
    capped = made("b", [100.0, 120.0, 110.0, np.nan, 90.0, 130.0, np.nan, 105.0])
    row = comparison_table([lasting, capped], paired=True).set_index("design").loc["b"]
    expected = np.mean([100, 120, 110, days + 1, 90, 130, days + 1, 105]) - (days + 1)
    assert row["diff_mean"] == pytest.approx(expected, rel=1e-12)
    assert row["verdict"] == "lower" and row["diff_ci_high"] < 0
    assert (row["mean"], row["n"]) == (pytest.approx(109.166666, rel=1e-5), 6)   # its own mean: over the runs where it came
    # a design's own interval stops where no run can go, as in summary.csv: the last day, a total budget
    budgeted = design(10, "c").model_copy(update={"days": days})
    budgeted = budgeted.model_copy(update={"program": budgeted.program.model_copy(update={
        "incentive": budgeted.program.incentive.model_copy(update={"budget": 800.0})})})
    spend = SimpleNamespace(scenario=budgeted, runs=pd.DataFrame({"replicate": range(8), "reward_cost": [400.0, 800.0, 800.0, 800.0] * 2,
                                                                  "budget_exhausted_day": [np.nan, 364.0, np.nan, 300.0] * 2}))
    lasting.runs["reward_cost"] = 500.0
    table = comparison_table([lasting, spend], paired=True).set_index(["design", "metric"])
    assert table.loc[("c", "reward_cost"), "ci_high"] == 800.0
    assert table.loc[("c", "budget_exhausted_day"), "ci_high"] == days


def test_designs_that_cannot_share_a_sensitivity_are_each_given_a_command_that_runs(tmp_path):
    """Designs of different populations (an unpaired compare) were told to 'test each design
    alone: refsim sensitivity FILE ...' with the ranges of both, and a design alone is
    refused a key of another kind (a milestone's reach_share beside an onboarding ask, a
    double-sided reward's referee_max_uplift beside a single-sided one): the command ran
    for neither. Each design now gets its own command, with the ranges it reads, and
    each runs as printed."""
    import re
    import shlex

    onboarding = design(10, "onboarding").model_dump(mode="json")
    milestone = small(name="milestone", days=90, population={"size": 1200, "initial_customers": 30},
                      program={"incentive": {"kind": "single_sided", "referrer_reward": 20, "qualification_days": 14},
                               "timing": {"kind": "milestone", "delay_days": 20}}).model_dump(mode="json")
    files = []
    for data in (onboarding, milestone):
        files.append(tmp_path / f"{data['name']}.yaml")
        files[-1].write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["compare", *map(str, files), "--unpaired", "-r", "2", "--out", str(tmp_path / "c"),
                                 "--executor", "serial"])
    assert result.exit_code == 0, result.output
    console = " ".join(result.stdout.split())
    said = console.split("so test each design alone: ")[1].split(" (report.md)")[0]
    commands = said.split("; ")
    assert [shlex.split(c)[2] for c in commands] == [str(f) for f in files], said
    keys = [re.findall(r"--uncertain ([^=\s]+)=", c) for c in commands]
    assert "program.timing.reach_share" in keys[1] and "program.timing.reach_share" not in keys[0], keys
    assert "program.incentive.referee_max_uplift" in keys[0] and "program.incentive.referee_max_uplift" not in keys[1]
    for number, command in enumerate(commands):
        # kept small: the last of a repeated option is the one taken
        args = shlex.split(command)[2:] + ["--samples", "4", "--trajectories", "2", "--replicates", "1",
                                            "--tornado-replicates", "1", "--out", str(tmp_path / f"s{number}"),
                                            "--executor", "serial"]
        done = runner.invoke(app, ["sensitivity", *args])
        assert done.exit_code == 0, (command, done.output)


def test_the_profit_figure_names_each_lines_own_horizon_where_they_differ(tmp_path, monkeypatch):
    """cumulative_profit.png's axis said '(300-day profit at the end)' beside a 60-day line
    of an unpaired compare; one horizon is still named where all lines share it."""
    from simulator.report import plots

    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path, **_: drawn.setdefault("label", fig.axes[0].get_ylabel()))

    def frame(days):
        return pd.DataFrame({"day": np.repeat(np.arange(days + 1), 2), "replicate": np.tile([0, 1], days + 1),
                             "cumulative_profit": 1.0})

    plots.cumulative_profit({"a": frame(60), "b": frame(300)}, tmp_path / "p.png")
    assert drawn.pop("label") == "profit to date [currency]\n(each line ends at its horizon)"
    plots.cumulative_profit({"a": frame(365), "b": frame(365)}, tmp_path / "p.png")
    assert drawn.pop("label") == "profit to date [currency] (1-year profit at the end)"


def test_a_budget_spent_on_the_day_of_the_last_ask_ended_no_asks():
    """budget-capped-campaign's budget ran out on day 97, its last ask's day (the stop comes
    the next day): run and compare said its asks ended with it, and the rewards_only copy,
    identical in every run, 'asked on without a reward'. A sweep, with no daily rows,
    said budgets spent on days 242 and 327 'ended the asks' of the same campaign. The
    campaign's last planned ask is its last push within the horizon and the reminders
    after it that fit (closed form below)."""
    from types import SimpleNamespace

    from simulator.report.compare import _ran_out_note
    from simulator.report.text import asks_done_by, asks_ended, asks_over
    from simulator.scenario_io import load_scenario

    campaign = load_scenario(SCENARIOS / "budget-capped-campaign.yaml")
    timing = campaign.program.timing
    last = max(timing.days) + min(timing.reminders.count, (campaign.days - max(timing.days)) // timing.reminders.interval_days) \
        * timing.reminders.interval_days
    assert asks_over(campaign, None) == last == 97
    assert asks_done_by(97, 97) and not asks_done_by(97, 96) and not asks_done_by(math.nan, 97)
    # the plan's last ask counts where it is later than the last seen: out on day 91, the reminder due on day 97 after
    # the push on day 90 was cut, and 'its asks had ended on day 90' hid a difference of 5,412 from rewards_only
    assert not asks_done_by(90, [91.0], planned=97) and asks_done_by(90, [97.0], planned=97)
    assert asks_ended(campaign.program.incentive, 90.0, [91.0], planned=97).startswith(", and its asks ended with it")
    # every run that ran out counts, not the median one: out on day 54 in one run of three cancelled its second push
    assert not asks_done_by(97, [54.0, 132.0, 252.0, math.nan]) and asks_done_by(97, [97.0, 132.0, math.nan])
    # account managers spread a campaign's asks past its plan: no planned last day to read
    from simulator.config import Scenario

    queued = Scenario.model_validate({**campaign.model_dump(), "program": {**campaign.model_dump()["program"],
                                                                           "targeting": {"daily_capacity": 15}}})
    assert math.isnan(asks_over(queued, None))
    assert asks_ended(campaign.program.incentive, 97.0, 97.0) == ", after its asks had ended (the last on day 97)"
    series = pd.DataFrame({"day": [30, 37, 90, 97, 98], "asks": [5.0, 2.0, 5.0, 2.0, 0.0], "replicate": 0})
    runs = pd.DataFrame({"replicate": [0, 1], "budget_exhausted_day": [97.0, 97.0]})
    copy = campaign.model_copy(update={"program": campaign.program.model_copy(update={
        "incentive": campaign.program.incentive.model_copy(update={"on_budget_exhausted": "rewards_only"})})})
    for scenario in (campaign, copy):
        said = _ran_out_note(SimpleNamespace(scenario=scenario, runs=runs, timeseries=series))
        assert said.endswith("it had no asks left to make after that day.") and "asked on" not in said, said


def test_every_design_that_cannot_share_a_sensitivity_with_the_first_is_named():
    """Three designs of 60, 75 and 90 days: the reason a sensitivity cannot weigh them
    together named the first that differed only ('cash60: days (75 vs 60)')."""
    from types import SimpleNamespace

    from simulator.report.compare import _sensitivity_designs

    designs = [SimpleNamespace(scenario=small(name=f"d{days}", days=days), runs=pd.DataFrame({"incremental_value": [1.0]}))
               for days in (60, 75, 90)]
    _, apart = _sensitivity_designs(designs, [], "incremental_value")
    assert apart.startswith("d75: ") and "; d90: " in apart and "(60 vs 90)" in apart, apart


def test_a_payback_that_never_came_within_different_horizons_is_not_ranked():
    """The same program run 60 and 300 days, compared unpaired: report.md's 'Who wins' said
    the 60-day design was sure to pay back sooner, its runs that never paid back counted as
    day 61 against paybacks on days 114-244 (comparison.csv gave no difference). decide
    ranks nothing there, and the report says why; one horizon ranks as before."""
    from simulator.compare import compare, decide
    from simulator.report.compare import winners

    program = {"incentive": {"kind": "single_sided", "referrer_reward": 10, "paid_on": "signup", "reward_type": "cash"}}
    short, long = (small(name=f"d{days}", days=days, population={"size": 1500, "initial_customers": 30}, program=program)
                   for days in (30, 150))
    comparison = compare([long, short], replicates=4, seed=5, unpaired=True, executor="serial")
    paybacks = {d.scenario.name: d.runs["payback_day"].to_numpy(dtype=float) for d in comparison.designs}
    # the case: the long runs paid back (after day 30), the short ones never did, and day 31 read as sooner
    assert np.isfinite(paybacks["d150"]).all() and not np.isfinite(paybacks["d30"]).any(), paybacks
    assert decide(comparison, "payback_day") is None
    text = " ".join(" ".join(winners(comparison)).split())
    assert ("**payback_day**: not ranked: the designs run different horizons (30 and 150 days) and in some runs the "
            "day did not come within theirs") in text, text
    # nor is one horizon's profit named for both ('(150-day profit)' of the 30-day design too)
    assert "**cumulative_profit** (each design's profit over its own horizon)" in text and "-day profit" not in text
    same = compare([long, long.model_copy(update={"name": "again"})], replicates=4, seed=5, executor="serial")
    assert decide(same, "payback_day") is not None
    # every pair, not against the first alone: a 30-day design paying back in every run first, then one that never
    # does beside a 150-day one that always does (b30 ranked behind c150 on its 'day 31')
    paying = short.model_copy(update={"name": "a30", "economics": short.economics.model_copy(update={"monthly_margin": 60.0})})
    steady = long.model_copy(update={"name": "c150", "economics": long.economics.model_copy(update={"monthly_margin": 14.0})})
    three = compare([paying, short.model_copy(update={"name": "b30"}), steady], replicates=4, seed=5, unpaired=True,
                    executor="serial")
    days = {d.scenario.name: d.runs["payback_day"].to_numpy(dtype=float) for d in three.designs}
    assert np.isfinite(days["a30"]).all() and np.isfinite(days["c150"]).all() and not np.isfinite(days["b30"]).any()
    assert decide(three, "payback_day") is None
    assert "**payback_day**: not ranked" in " ".join(winners(three))


def test_the_console_says_the_horizon_decides_when_a_campaign_stopped_asking_with_no_budget(tmp_path):
    """A campaign whose asks ended on day 97 of 365, no budget ending them, against a design
    still asking near the end: report.md said the value counts the asks made by the last
    day, the console said nothing of the horizon (it did of a budget's end, and of asks
    apart after joining). Its last ask is read off its own daily rows."""
    campaign = small(name="campaign", program={"timing": {"kind": "campaign", "days": [5], "reminders": {"count": 0}}})
    files = []
    for scenario in (campaign, small(name="always")):
        files.append(tmp_path / f"{scenario.name}.yaml")
        files[-1].write_text(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False))
    result = runner.invoke(app, ["compare", *map(str, files), "-r", "2", "--out", str(tmp_path / "c"),
                                 "--executor", "serial"])
    assert result.exit_code == 0, result.output
    series = pd.read_csv(tmp_path / "c" / "timeseries.csv").query("scenario == 'campaign'")
    last = int(series.loc[series["asks"] > 0, "day"].max())
    console = " ".join(result.stdout.split())
    assert (f"note: the ranking rests on the horizon: campaign made its last ask on day {last}, while always still "
            f"asks near day 120, and the value counts the asks made by the last day") in console, console
    assert f"**campaign** made its last ask on day {last}" in (tmp_path / "c" / "report.md").read_text()


def test_a_day_that_never_came_is_no_difference_between_designs_of_different_horizons():
    """Two designs without a budget, 365 and 730 days long, compared unpaired: a budget that
    never ran out counts as the day after each one's own horizon, and the table read
    'higher, 365 [365, 365]', the horizons' difference. Where the horizons differ and a
    day never came in some run, no difference is given and the verdict is unclear; where
    every run has its day, or the horizons agree, the difference stands."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table

    def made(name, days, values):
        return SimpleNamespace(scenario=design(10, name).model_copy(update={"days": days}),
                               runs=pd.DataFrame({"replicate": range(len(values)), "budget_exhausted_day": values}))

    for paired in (True, False):
        row = comparison_table([made("a", 365, [np.nan] * 4), made("b", 730, [np.nan] * 4)],
                               paired=paired).set_index("design").loc["b"]
        assert row["verdict"] == "unclear" and math.isnan(row["diff_mean"]) and math.isnan(row["diff_ci_low"]), row
        assert math.isnan(row["unpaired_ci_high"]), row
    # every run had its day: a difference of days that came, whatever the horizons
    row = comparison_table([made("a", 365, [100.0, 110, 120, 130]), made("b", 730, [200.0, 215, 220, 240])],
                           paired=True).set_index("design").loc["b"]
    assert row["diff_mean"] == pytest.approx(103.75) and row["verdict"] == "higher"
    # one horizon: the day after it, as before
    row = comparison_table([made("a", 365, [np.nan] * 4), made("b", 365, [100.0, 110, 120, 130])],
                           paired=True).set_index("design").loc["b"]
    assert row["diff_mean"] == pytest.approx(115 - 366) and row["verdict"] == "lower"


@pytest.mark.parametrize("paired", [True, False])
def test_the_verdicts_payback_interval_is_cut_at_the_horizon_as_the_tables(paired):
    """Over 120 days, one design paying back on day 1 in all 5 runs against one paying back
    on day 87 in one run and never in four (each counted as day 121): the differences are
    -86 and four of -120, mean -113.2, and no difference can be below 1 - 121 = -120. The
    report's verdict line gave the t-interval [-132.1, -94.3] where comparison.csv and the
    table beside it gave [-120.0, -94.3]."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table
    from simulator.report.compare import winners

    def made(name, values):
        scenario = design(10, name).model_copy(update={"days": 120})
        return SimpleNamespace(scenario=scenario, runs=pd.DataFrame({"replicate": range(len(values)), "payback_day": values}))

    rarely, always = made("rarely", [87.0, np.nan, np.nan, np.nan, np.nan]), made("always", [1.0] * 5)
    table = comparison_table([rarely, always], paired=paired)
    row = table.set_index(["design", "metric"]).loc[("always", "payback_day")]
    assert row["diff_mean"] == pytest.approx(-113.2) and row["diff_ci_low"] == -120.0
    comparison = SimpleNamespace(designs=[rarely, always], table=table, seeds=list(range(5)), paired=paired, precision=0.05)
    sentence = winners(comparison)[0]
    assert "always − rarely = -113.2" in sentence, sentence
    low, high = (float(x.replace(",", "")) for x in re.search(r"interval \[(-?[\d.,]+), (-?[\d.,]+)\]", sentence).groups())
    assert (low, high) == pytest.approx((-120.0, row["diff_ci_high"]), abs=0.05), sentence
    assert "-132" not in sentence, sentence   # nor the unpaired interval beside it


@pytest.mark.parametrize("paired", [True, False])
def test_a_payback_that_never_came_counts_as_the_day_after_the_horizon(paired):
    """payback_day is NaN where a replicate never pays back. Its differences count such
    a run as day H + 1, as optimize and sweep do: over the runs that paid back only, a
    design paying back on day 10 in 1 run of 6 was ranked best against one paying back
    in all 6 around day 30, and one paying back in 5 of 6, each later, got no verdict.
    The mean and n stay those of the runs that paid back."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table
    from simulator.config import NeverAsk, NoIncentive
    from simulator.report.compare import winners

    days = 365

    def made(name, values, program=True):
        scenario = design(10, name).model_copy(update={"days": days})
        if not program:
            scenario = scenario.model_copy(update={"program": scenario.program.model_copy(
                update={"incentive": NoIncentive(kind="none"), "timing": NeverAsk(kind="never")})})
        return SimpleNamespace(scenario=scenario, runs=pd.DataFrame({"replicate": range(len(values)), "payback_day": values}))

    reference = made("a", [30.0, 32.0, 31.0, 29.0, 33.0, 30.0])
    some_never = made("b", [40.0, 41.0, np.nan, 42.0, 40.0, 43.0])
    all_later = made("c", [40.0, 41.0, 44.0, 42.0, 40.0, 43.0])
    once_early = made("d", [np.nan, np.nan, 10.0, np.nan, np.nan, np.nan])
    table = comparison_table([reference, some_never, all_later, once_early], paired=paired).set_index("design")
    assert table.loc["c", "verdict"] == "worse"
    # b: later in each of 5 runs and never in one (counted as day 366): a difference of about 64 days whose interval,
    # over 6 runs with one of them 335 days apart, still holds 0
    assert table.loc["b", "verdict"] == "unclear" and table.loc["b", "diff_ci_low"] < 0 < table.loc["b", "diff_ci_high"]
    assert table.loc["d", "verdict"] == "worse"   # 5 runs at day 366 and one at 10, against about 31
    assert table.loc["d", "mean"] == 10.0 and table.loc["d", "n"] == 1   # the mean: over the runs that paid back
    expected = np.mean([40, 41, days + 1, 42, 40, 43]) - np.mean([30, 32, 31, 29, 33, 30])
    assert table.loc["b", "diff_mean"] == pytest.approx(expected, rel=1e-12)
    # the report's sentence ranks as the table measures: the design that paid back in every run first
    comparison = SimpleNamespace(designs=[reference, once_early], table=comparison_table([reference, once_early], paired=paired),
                                 seeds=list(range(6)), paired=paired, precision=0.05)
    sentence = winners(comparison)[0]
    assert sentence.startswith("- **payback_day**") and "**a** is best" in sentence, sentence
    assert "paid back in 1 of 6 runs" in sentence and "sure at 95%" in sentence, sentence
    # the mean named as one beside the median the report's opening gives (30 of 29-33: the earlier middle one; d: 1,840/6;
    # 'is best (30.8, lower is better)' sat under 'pays back on day 30 (the median)')
    assert "**a** is best (mean 30.8, median day 30, lower is better)" in sentence, sentence
    # two means of one design, each said: counting the run that never paid back as day 366 (1,840/6) and the table's,
    # over the runs that did (10): both were called 'mean' unsaid (182.6 beside 165.9)
    assert ("(mean 306.7 counting each run that never paid back as day 366 (10.0 over the 1 that did, median day 10); "
            "paid back in 1 of 6 runs") in sentence, sentence
    # a design without a program has nothing to pay back: no day H + 1, and the verdict 'undefined' (nothing to
    # compare), not 'unclear', which read as the runs' luck; either way round
    none = made("none", [np.nan] * 6, program=False)
    table = comparison_table([reference, none], paired=paired).set_index("design")
    assert table.loc["none", "verdict"] == "undefined" and math.isnan(table.loc["none", "diff_mean"])
    table = comparison_table([none, reference], paired=paired).set_index("design")
    assert table.loc["a", "verdict"] == "undefined" and math.isnan(table.loc["a", "diff_mean"])


@pytest.mark.parametrize("paired", [True, False])
def test_a_metric_undefined_in_some_replicates_of_one_design_gets_no_verdict(paired):
    """A ratio undefined where a design added no customer (incremental CAC) is NaN in
    those replicates. Dropping the pairs rated a design 'worse' or 'better' on the rest;
    the replicates left out are not missing at random, so the comparison gives no
    verdict. With the same replicates undefined in both, the pairs left are fair."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table
    from simulator.report.compare import winners

    def made(name, values):
        runs = pd.DataFrame({"replicate": range(len(values)), "incremental_cac": values})
        return SimpleNamespace(scenario=design(10, name), runs=runs)

    reference = made("a", [30.0, 32.0, 31.0, 29.0, 33.0, 30.0])
    some_undefined = made("b", [40.0, 41.0, np.nan, 42.0, 40.0, 43.0])
    table = comparison_table([reference, some_undefined], paired=paired).set_index("design")
    assert table.loc["b", "verdict"] == "unclear"
    both = comparison_table([made("a", [30.0, np.nan, 31.0, 29.0]), made("d", [40.0, np.nan, 41.0, 42.0])], paired=paired)
    assert both.set_index("design").loc["d", "verdict"] == "worse"
    # the report's sentence agrees with the table: it said 'sure at 95%' beside the table's 'unclear'
    comparison = SimpleNamespace(designs=[reference, some_undefined], table=comparison_table([reference, some_undefined], paired=paired),
                                 seeds=list(range(6)), paired=paired, precision=0.05)
    sentence = winners(comparison)[0]
    assert "**no verdict**" in sentence and "b in 1 of 6" in sentence and "sure at 95%" not in sentence
    # a design with the lower mean where it is defined, undefined (no customer added) where the other did worst, was
    # called 'best (195, lower is better) against (410)', though on the replicates both had it its CAC was higher
    fewer = made("fewer", [200.0, 100.0, np.nan, np.nan, 120.0, 170.0])
    more = made("more", [130.0, 270.0, 1400.0, 1000.0, 130.0, 140.0])
    comparison = SimpleNamespace(designs=[more, fewer], table=comparison_table([more, fewer], paired=paired),
                                 seeds=list(range(6)), paired=paired, precision=0.05)
    sentence = winners(comparison)[0]
    assert "is best" not in sentence and "**no verdict**" in sentence, sentence
    if paired:   # the difference over the 4 replicates both have: 670/4 - 590/4 = 20, "more" first as it added
        # customers in every replicate (UNDEFINED_IS_WORST: fewer, first by its mean, came first before)
        assert "over the 4 replicates where both are defined, more − fewer = 20" in sentence, sentence
        # and the unpaired interval beside it is over those 4 too (scipy's Welch interval): over each design's own
        # defined values (6 and 4) it was centred on another difference than the one it stood beside
        both = np.isfinite(fewer.runs["incremental_cac"]).to_numpy()
        welch = stats.ttest_ind(more.runs["incremental_cac"][both], fewer.runs["incremental_cac"][both],
                                equal_var=False).confidence_interval(0.95)
        low, high = map(float, sentence.split("(unpaired interval [")[1].split("]")[0].split(", "))
        assert (low, high) == pytest.approx((welch.low, welch.high), rel=1e-3), sentence   # printed to 4 digits
        row = comparison.table.set_index("design").loc["fewer"]
        assert (row["unpaired_ci_low"], row["unpaired_ci_high"]) == pytest.approx((-welch.high, -welch.low), rel=1e-9)
    else:   # unpaired, replicate r of one shares nothing with replicate r of the other: the means where each is
        # defined, 3070/6 - 590/4 = 364.2 (the sentence named 4 replicates 'where both are defined')
        assert "their difference, more − fewer = 364" in sentence and "where both are defined" not in sentence, sentence
    # undefined in some replicates of both: not "of one design only", which then named two designs
    other = made("other", [210.0, np.nan, 150.0, 160.0, 125.0, 180.0])
    comparison = SimpleNamespace(designs=[other, fewer], table=comparison_table([other, fewer], paired=paired),
                                 seeds=list(range(6)), paired=paired, precision=0.05)
    sentence = winners(comparison)[0]
    assert "undefined in other replicates of one design than of the other" in sentence and "only" not in sentence
    # undefined in every replicate of both (a K whose window closed in no run): "undefined", not "unclear"
    never = comparison_table([made("a", [np.nan] * 4), made("z", [np.nan] * 4)], paired=paired)
    assert never.set_index("design").loc["z", "verdict"] == "undefined"
    assert comparison_table([made("a", [np.nan] * 4), made("z", [1.0, 2.0, 3.0, 4.0])],
                            paired=paired).set_index("design").loc["z", "verdict"] == "unclear"


def test_a_design_without_a_program_has_nothing_to_pay_back(tmp_path):
    """A no-program design is its own twin: every incremental metric is 0, and its
    payback day was reported as day 1 ('identical' to a program that paid back on day
    1). It is undefined; and when no program is best, the report says nothing of a
    budget that 'never ran out' or a payback 'not within the horizon'."""
    from simulator.compare import decide
    from simulator.config import NeverAsk, NoIncentive
    from simulator.report.compare import decision_paragraph

    costly = design(500, "costly")   # rewards far above what a customer is worth: it loses value
    none = costly.model_copy(update={"name": "none", "program": costly.program.model_copy(
        update={"incentive": NoIncentive(kind="none"), "timing": NeverAsk(kind="never")})})
    result = compare([none, costly], replicates=3, seed=5, workers=1)
    runs = {d.scenario.name: d.runs for d in result.designs}
    assert runs["none"]["payback_day"].isna().all() and (runs["none"]["incremental_value"] == 0).all()
    decision = decide(result)
    assert decision.best == "none", decision
    paragraph = decision_paragraph(result, decision)[0]
    assert "budget" not in paragraph and "pay back" not in paragraph, paragraph
    # the whole folder: a program against no program crashed the report (KeyError), the no-program design taken
    # as runner-up on a cost per referred customer it never has; such a metric has no "Who wins" line
    import datetime as dt

    from simulator.report.compare import write_comparison

    write_comparison(result, tmp_path / "folder", started=dt.datetime.now())
    who_wins = (tmp_path / "folder" / "report.md").read_text().split("## Who wins")[1].split("## Differences")[0]
    assert "**incremental_value**" in who_wins and "cost_per_referred_customer" not in who_wins


def test_no_cost_is_a_metric_where_more_is_better():
    """A cost (reward_cost, fraud_cost, ...) is never rated higher-is-better by compare,
    and an objective on it is minimised by default: a new cost metric added to the
    summary without a direction would otherwise crown the design that spends most."""
    from simulator.compare import LOWER_IS_BETTER, NEUTRAL
    from simulator.evaluation import MINIMISED, known_metrics

    costs = {m for m in known_metrics() if m.endswith("_cost") or "_cac" in m}
    assert {"reward_cost", "fraud_cost", "incremental_cac"} <= costs
    assert costs <= (LOWER_IS_BETTER | NEUTRAL) and costs <= MINIMISED


def test_a_design_without_a_budget_is_not_said_to_have_kept_one():
    """'Its budget never ran out' was said of designs that have no budget."""
    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph

    result = compare([design(10, "ten"), design(20, "twenty")], replicates=2, seed=5, workers=1)
    paragraph = decision_paragraph(result, decide(result))[0]
    assert "budget" not in paragraph and "pay" in paragraph, paragraph


def test_the_console_names_fraud_cost_only_where_fakes_cost_money():
    """`refsim compare` prints fraud_cost next to reward_cost when some design paid fake
    accounts, and leaves it to comparison.csv when none did."""
    def table(fraud_means, program=(5.0, 5.0)):
        return pd.DataFrame({"design": ["a", "a", "b", "a", "b", "a", "b"],
                             "metric": ["incremental_value", "fraud_cost", "fraud_cost", "reward_cost", "reward_cost",
                                        "program_cost", "program_cost"],
                             "mean": [1.0, *fraud_means, 5.0, 5.0, *program]})
    assert console_metrics(table([0.0, 0.0])) == list(COMPARE_CONSOLE)
    assert console_metrics(table([0.0, 12.5])) == [*COMPARE_CONSOLE, "fraud_cost"]
    # a design whose levers cost money beyond its rewards: program_cost too
    assert console_metrics(table([0.0, 0.0], program=(5.0, 33_000.0))) == [*COMPARE_CONSOLE, "program_cost"]


def test_the_console_names_rewards_earned_beyond_a_budget():
    """Paid on qualification and on signup under one budget, reward_cost read "0, same"
    on the console while the first design had committed 16,088 beyond the 2,500 both
    paid (a budget is spent on payment): the console's costs now show rewards_unpaid
    when some design earned rewards beyond its budget, and not otherwise."""
    def table(unpaid_means):
        return pd.DataFrame({"design": ["a", "a", "b", "a", "b", "a", "b", "a", "b"],
                             "metric": ["incremental_value", "fraud_cost", "fraud_cost", "reward_cost", "reward_cost",
                                        "program_cost", "program_cost", "rewards_unpaid", "rewards_unpaid"],
                             "mean": [1.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0, *unpaid_means]})
    assert console_metrics(table([0.0, 0.0])) == list(COMPARE_CONSOLE)
    assert console_metrics(table([16_088.0, 0.0])) == [*COMPARE_CONSOLE, "rewards_unpaid"]


def test_the_console_names_rewards_still_owed_where_they_outweigh_those_paid():
    """On a 30-day horizon, shorter than the wait for payment, the console read
    "reward_cost ... 0, same" for designs whose referrals had earned 254.9 and 172.9,
    still owed (report.md's opening gave them): rewards_owed is printed where some design
    owes more at the end than it paid, and not where payments outweigh it (the bundled
    compare's 218.8 owed beside 1,665 paid)."""
    def table(paid, owed):
        return pd.DataFrame({"design": ["a", "b"] * 3, "metric": ["reward_cost"] * 2 + ["rewards_owed"] * 2 + ["fraud_cost"] * 2,
                             "mean": [*paid, *owed, 0.0, 0.0]})
    assert console_metrics(table((0.0, 0.0), (254.9, 172.9))) == [*COMPARE_CONSOLE, "rewards_owed"]
    assert console_metrics(table((0.0, 0.0), (0.0, 0.0))) == list(COMPARE_CONSOLE)
    assert console_metrics(table((4_000.0, 1_665.0), (400.0, 218.8))) == list(COMPARE_CONSOLE)


def test_the_comparison_report_notes_ask_queues_and_a_pipeline_longer_than_ks_window(tmp_path):
    """The compare report ranked k_factor for B2B pipelines (0.0026 against 0.0023) and
    said nothing of account managers' queue, which the run report now does: the same
    notes, per design for the queue, once for K's window."""
    from simulator.report import write_comparison

    import datetime as dt

    pipeline = {"kind": "pipeline", "stages": [{"mean_days": 40}, {"mean_days": 30}], "valid_days": 200}

    def with_program(name: str, **program) -> object:
        base = design(10, name).model_dump(mode="json")
        base["program"].update(conversion_lag=pipeline, **program)
        return type(design(10, name)).model_validate(base)

    plain, queued = with_program("plain"), with_program("queued", targeting={"daily_capacity": 1})
    comparison = compare([plain, queued], replicates=2, seed=3, executor="serial")
    report = (write_comparison(comparison, tmp_path / "c", started=dt.datetime.now()) / "report.md").read_text()
    assert "- **queued**: Asks wait for capacity (1 a day" in report and "- **plain**: Asks wait" not in report
    assert report.count("Referred deals take about 70 days to close here") == 1
    assert "- Referred deals take about 70 days" in report   # one for both: no design named
    # designs whose pipelines differ: each its own, named (the first design's alone was said, naming none, and a
    # 385-day pipeline longer than K's whole window went unsaid)
    from simulator.report.compare import each_design_note
    from simulator.report.text import k_window_note

    longer = with_program("longer")
    longer.program.conversion_lag.stages[0].mean_days = 300
    notes = each_design_note([(d.name, k_window_note(d)) for d in (plain, longer)])
    assert len(notes) == 2 and notes[0].startswith("- **plain**: Referred deals take about 70 days"), notes
    assert notes[1].startswith("- **longer**: Referred deals take about 330 days"), notes
    # given by one design only, it is named too: unnamed, "here" read as of every design
    assert each_design_note([("fast", ""), ("slow", "Referred deals take about 300 days")]) == \
        ["- **slow**: Referred deals take about 300 days"]


def test_the_report_warns_when_one_design_stopped_asking_and_another_still_asks():
    """A one-day campaign against an always-on program read 'unclear' at 90 days and
    'worse' at 365: the value counts the asks made by the last day, so the verdict is
    for running each that long. The compare report now says so when one design's last
    ask is long before the horizon and another still asks in its last tenth; designs
    that all keep asking, or a design with no program, give no warning."""
    from types import SimpleNamespace

    from simulator.report.text import asking_note

    def design(name, asks_on):
        days = np.arange(91)
        frame = pd.concat([pd.DataFrame({"day": days, "replicate": r, "asks": [5.0 if asks_on(d) else 0.0 for d in days]})
                           for r in range(2)])
        return SimpleNamespace(scenario=SimpleNamespace(name=name, days=90), timeseries=frame)

    campaign = design("campaign", lambda d: d == 30)
    always = design("always-on", lambda d: d >= 1)
    none = design("no-program", lambda d: False)
    note = asking_note([always, campaign, none])
    assert note.startswith("**campaign** made its last ask on day 30, while **always-on** still asks near day 90")
    assert "compares running each design for 90 days" in note
    assert asking_note([always, design("also", lambda d: d >= 5)]) == ""
    assert "**always-on** and **also** still ask near day 90" in asking_note([always, design("also", lambda d: d >= 5), campaign])
    assert asking_note([always, none]) == ""
    assert asking_note([always, design("late", lambda d: d == 80)]) == ""  # stopped only just before the end
    # horizons apart (an unpaired compare): not 'near day 90' of a design that runs 180 days
    longer = design("longer", lambda d: d >= 1)
    longer.timeseries = pd.concat([pd.DataFrame({"day": np.arange(181), "replicate": r, "asks": 5.0}) for r in range(2)])
    longer.scenario = SimpleNamespace(name="longer", days=180)
    apart = asking_note([longer, campaign])
    assert apart.startswith("**campaign** made its last ask on day 30, while **longer** still asks near the end of its "
                            "horizon: the value counts the asks made by each design's last day only (horizons of 90 and "
                            "180 days)"), apart
    # replicates that stopped on different days (budgets running out on days 309-428, median 313): the day the mean
    # over replicates last moved, 428, was given beside the budget's median of 313
    uneven = design("budgeted", lambda d: d <= 20)
    uneven.timeseries.loc[(uneven.timeseries["replicate"] == 1) & uneven.timeseries["day"].between(21, 40), "asks"] = 5.0
    assert asking_note([always, uneven]).startswith("**budgeted** made its last ask on day 20, the median of its "
                                                    "replicates (days 20–40), while **always-on** still asks")
    # a budget that ended the asks in every replicate, one of them inside the last tenth (day 85 of 90, the others
    # by day 70): "still asks near day 90" was said of it, the mean over replicates being above 0 there
    ended = design("ended", lambda d: d <= 70)
    ended.timeseries.loc[(ended.timeseries["replicate"] == 1) & ended.timeseries["day"].between(71, 85), "asks"] = 5.0
    ended.timeseries = pd.concat([ended.timeseries, ended.timeseries[ended.timeseries["replicate"] == 0].assign(
        replicate=2)])
    assert "**ended**" not in asking_note([campaign, ended]) and asking_note([campaign, ended]) == ""
    assert "**ended** still asks" not in asking_note([campaign, ended, always])
    # half the replicates stopping early and half asking to the end: neither "stopped" nor "still asks"
    half = design("half", lambda d: d <= 20)
    half.timeseries.loc[(half.timeseries["replicate"] == 1) & half.timeseries["day"].between(21, 90), "asks"] = 5.0
    assert asking_note([always, half]) == "" and "**half**" not in asking_note([campaign, half, always])


def test_the_report_says_when_a_lever_put_every_design_on_the_numpy_stages(monkeypatch):
    """b2b-organization gave 534,921 in `refsim run` and 619,327 beside the account
    managers in `refsim compare`: account managers' asks run on the numpy stages only,
    so every compared design ran there (one path, shared luck). The report now says so;
    designs all on one path, or a path chosen by REFSIM_ENGINE, give no note."""
    from simulator.report.text import path_note
    from simulator.scenario_io import load_scenario

    from .conftest import SCENARIOS

    organization = load_scenario(SCENARIOS / "b2b-organization.yaml")
    managers = load_scenario(SCENARIOS / "b2b-account-managers.yaml")
    monkeypatch.delenv("REFSIM_ENGINE", raising=False)
    note = path_note([organization, managers])
    assert note.startswith("**b2b-account-managers** (`program.targeting`) runs on the numpy stages only")
    assert "differ from their own `refsim run`" in note
    assert path_note([organization, organization]) == "" and path_note([managers, managers]) == ""
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    assert path_note([organization, managers]) == ""


def test_a_note_that_designs_share_is_given_once_with_their_names():
    """Two designs with the same reward read the same rewards paragraph twice in a
    three-way compare; a shared note is now one bullet naming both, a design's own note
    stays its own."""
    from types import SimpleNamespace

    from simulator.report.compare import _design_notes
    from simulator.report.text import default_notes, launch_note, reward_weighing

    from .conftest import small

    credit = small(name="credit")
    again = small(name="credit-again")
    cash = small(name="cash", program={"incentive": {"kind": "double_sided", "referrer_reward": 40, "referee_reward": 0}})
    designs = [SimpleNamespace(scenario=s, timeseries=None, runs=None) for s in (credit, again, cash)]
    notes = _design_notes(designs)
    (default,) = default_notes(credit)   # none of them gives reward_type: one note for all three
    launch = launch_note(credit)   # all three ask the customers there at launch alike
    assert launch and launch == launch_note(cash)
    assert notes == [f"- **credit**, **credit-again**, **cash**: {default}",
                     f"- **credit**, **credit-again**: {reward_weighing(credit)}",
                     f"- **credit**, **credit-again**, **cash**: {launch}", f"- **cash**: {reward_weighing(cash)}"]
    assert reward_weighing(credit) != reward_weighing(cash)


def test_an_organization_reward_left_to_the_consumer_audience_is_named():
    """An account credit to the referring organisation is a B2B reward, but `audience`
    defaults to consumers, who weigh it at 0.3 against cash's 1.0 (business: 1.0 against
    0.3): a B2B file that left `audience` out had the champion's gift card beat the
    account credit, and no note said why. The note names the default, unless the file
    gives the audience (or a type_weight) or the study varies what it decides."""
    from simulator.report.text import default_notes, study_default_notes

    from .conftest import small

    def org(**incentive):
        return small(program={"incentive": {"kind": "single_sided", "referrer_reward": 50, **incentive},
                              "timing": {"kind": "onboarding"}})

    (note,) = default_notes(org(reward_type="organization"))
    assert "`program.incentive.audience` is not given" in note and "weight 0.3" in note and "audience: business" in note
    assert default_notes(org(reward_type="organization", audience="business")) == []
    assert default_notes(org(reward_type="organization", audience="consumer")) == []   # said so: meant
    assert default_notes(org(reward_type="organization", type_weight=0.8)) == []
    assert default_notes(org(reward_type="cash")) == []   # a consumer gift card: the default is meant for it
    plain = org(reward_type="organization")
    assert study_default_notes(plain, ["program.incentive.audience"]) == []
    assert study_default_notes(plain, ["program.reward_type_weights.consumer.organization"]) == []
    # varying the reward type does not choose the audience: the note stays
    assert study_default_notes(plain, ["program.incentive.reward_type"]) == [note]


def test_designs_that_differ_beyond_their_programs_are_said_to_compare_worlds():
    """Two designs whose second only lowered churn were compared as programs and one
    'won' (sure at 95%): the report now says which world keys differ. Designs that
    differ only in their programs, as every bundled comparison does, get no such note."""
    from types import SimpleNamespace

    from simulator.report.compare import world_note

    base = design(10, "base")
    cheaper = design(20, "bigger-reward")
    lower_churn = design(10, "low-churn", churn={"monthly_rate": 0.01})
    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    assert world_note(wrap(base, cheaper)) == ""
    note = world_note(wrap(base, cheaper, lower_churn))
    assert "**low-churn** in churn.monthly_rate (" in note and "bigger-reward" not in note
    assert "differences of worlds" in note


def test_designs_whose_no_program_twins_differ_are_said_to_be_measured_against_different_baselines():
    """A design with five friends per direct share but asks half as easy to answer,
    beside the default channels (10,000 people, a year, 16 paired seeds): on the same
    seeds its world was worth $20,000 more (paired 95% ±10,300), yet its
    incremental_value only $5,000 more (±10,400), not told apart, because unprompted word
    of mouth goes through the channels in its twin as well, and what the channel does to
    it is left out of both sides. The report and the console now say so for designs that
    differ in the channels or the lag; designs that differ in their incentive or timing
    only, as every bundled comparison does, get no such note."""
    from types import SimpleNamespace

    from simulator.report.compare import twin_lines, twin_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    base = design(10, "base")
    bigger = design(20, "bigger-reward")
    wider = small(name="wider", program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10},
                                          "channels": [{"kind": "direct", "weight": 0.7, "extra_invites": 4, "ease": 0.5},
                                                       {"kind": "broadcast", "weight": 0.3, "ease": 0.5}]})
    assert twin_note(wrap(base, bigger)) == "" and twin_lines(wrap(base, bigger)) == []
    note = twin_note(wrap(base, bigger, wider))
    assert "**wider** in program.channels.0.ease (1.0 vs 0.5)" in note and "bigger-reward" not in note
    assert "`incremental_value`" in note and "cumulative_profit" in note
    (line,) = twin_lines(wrap(base, wider))
    assert line.startswith("note: wider's no-program twin differs from base's, in program.channels.0.ease")
    # a design without a program is its own twin: no baseline to differ from
    assert twin_note(wrap(base, small(name="none", program={"incentive": {"kind": "none"}, "timing": {"kind": "never"},
                                                           "channels": [{"kind": "direct"}]}))) == ""
    # a twin starts from its design's initial customers: seeding the hubs crowned a value measured on top of hub
    # seeding, which docs/scenarios.md calls the wrong yardstick for the seeding, with no word
    hubs = base.model_copy(update={"name": "hubs", "population": base.population.model_copy(
        update={"initial_customers": {"count": 40, "strategy": "degree"}})})
    note = twin_note(wrap(base, hubs))
    assert "**hubs** in population.initial_customers (30 vs {count: 40, strategy: degree})" in note, note
    assert "measured on top of its own seeding, not what the seeding adds" in note and "channels and lag" not in note
    (line,) = twin_lines(wrap(base, hubs))
    assert line.startswith("note: hubs's no-program twin differs from base's, in population.initial_customers")
    # leaf by leaf: a seed count a study fixes at every point is left out, and cascade settings only count where
    # both pick by influence (two degree seedings that differ in them run alike)
    degree = lambda name, count, p: base.model_copy(update={"name": name, "population": base.population.model_copy(  # noqa: E731
        update={"initial_customers": {"count": count, "strategy": "degree", "cascade": {"edge_probability": p}}})})
    assert twin_note(wrap(degree("d1", 40, 0.1), degree("d2", 40, 0.2))) == ""
    assert twin_note(wrap(degree("d1", 40, 0.1), degree("d2", 50, 0.1)), varied=["population.initial_customers.count"]) == ""
    assert "population.initial_customers.count (40 vs 50)" in twin_note(wrap(degree("d1", 40, 0.1), degree("d2", 50, 0.1)))
    # {count: 30, strategy: random} is the draw of a plain 30, person for person (docs/model.md): the same twin, said to
    # differ as "30 vs {count: 30, strategy: random}" (and 30 random against 40 random still differs)
    drawn = lambda name, count: base.model_copy(update={"name": name, "population": base.population.model_copy(  # noqa: E731
        update={"initial_customers": {"count": count, "strategy": "random"}})})
    assert base.population.initial_customers == 30 and twin_note(wrap(base, drawn("random", 30))) == ""
    assert "population.initial_customers (30 vs 40)" in twin_note(wrap(base, drawn("random", 40)))
    # the seeding sentence from every difference, not the four a design's list shows
    busy = small(name="busy", population={"size": 2000, "initial_customers": {"count": 40, "strategy": "degree"}},
                 program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10},
                          "channels": [{"kind": "direct", "weight": 0.6, "extra_invites": 4, "ease": 0.5},
                                       {"kind": "broadcast", "weight": 0.4, "ease": 0.5}]})
    note = twin_note(wrap(base, busy))
    assert "and 2 more" in note and "measured on top of its own seeding" in note, note


def test_twins_that_differ_are_named_when_a_design_without_a_program_is_listed_first():
    """A no-program baseline is listed first (`refsim compare no-program.yaml a.yaml
    b.yaml`): it has no twin, and taken as the reference it hid that the other two's
    twins differ in their channels. The reference is the first design with a program."""
    from types import SimpleNamespace

    from simulator.report.compare import twin_lines, twin_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    none = small(name="none", program={"incentive": {"kind": "none"}, "timing": {"kind": "never"}})
    base = design(10, "base")
    wider = small(name="wider", program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10},
                                          "channels": [{"kind": "direct", "weight": 0.7, "extra_invites": 4},
                                                       {"kind": "broadcast", "weight": 0.3}]})
    note = twin_note(wrap(none, base, wider))
    assert "from **base**: **wider** in program.channels.0.extra_invites (2.0 vs 4.0)" in note, note
    assert "**none**" not in note
    (line,) = twin_lines(wrap(none, base, wider))
    assert line.startswith("note: wider's no-program twin differs from base's, in program.channels.0.extra_invites")
    assert twin_note(wrap(none, base)) == "" and twin_lines(wrap(none, base)) == []


def test_reminders_the_horizon_has_no_room_for_are_no_difference_of_worlds():
    """Three weekly reminders at fatigue 0.9 beside two reminders 200 days apart at 0.5,
    compared over 180 days: the second design sends none (1 + 200 > 180, reminders_within),
    and its runs are a reminder-less design's, yet the console said it differed "partly
    one of worlds" in fatigue. Only a design that sends a reminder reads its fatigue and
    annoyance; given room (400 days), the difference is named again."""
    from simulator.compare import world_differences

    def design(name, days, **reminders):
        return small(name=name, days=days, program={"timing": {"kind": "onboarding", "reminders": reminders}})

    weekly = design("weekly", 180, count=3, interval_days=7, fatigue=0.9)
    far = design("far", 180, count=2, interval_days=200, fatigue=0.5, annoyance=0.2)
    assert world_differences(weekly, far) == []
    room = design("far", 400, count=2, interval_days=200, fatigue=0.5, annoyance=0.2)
    assert sorted(world_differences(design("weekly", 400, count=3, interval_days=7, fatigue=0.9), room)) == [
        "program.timing.reminders.annoyance (0.05 vs 0.2)", "program.timing.reminders.fatigue (0.9 vs 0.5)"]


@pytest.mark.parametrize("timing, launch, initial, sent", [
    ({"kind": "campaign", "days": [55]}, "once", 40, False),          # no launch ask with a campaign: its push is first
    ({"kind": "at_purchase", "delay_days": 55}, "never", 40, False),  # a joiner's first ask on day 57 at the earliest
    ({"kind": "at_purchase", "delay_days": 55}, "once", 40, True),    # the launch e-mail asks from day 1: reminders day 8+
    # nobody asked on day 0: a day-1 joiner's first ask comes delay + 2 days in (53 + 7 = 60 is sent, 54 + 7 is not)
    ({"kind": "at_purchase", "delay_days": 51}, "never", 40, True),
    ({"kind": "at_purchase", "delay_days": 52}, "never", 40, False),
    ({"kind": "at_purchase", "delay_days": 52}, "once", 0, False),    # no customer on day 0: the launch asks nobody
    ({"kind": "at_purchase", "delay_days": 52}, "as_new", 400, True),  # day 0's 400 asked as new on day 53, again on 60
    ({"kind": "milestone", "delay_days": 53, "schedule": "fixed"}, "never", 40, False),
    # influencers: {count: 0} brings nobody on day 0 (it was taken for customers the launch asks on day 1)
    ({"kind": "onboarding", "delay_days": 52, "influencers": {"count": 0}}, "once", 0, False),
])
def test_a_reminder_counted_from_the_first_ask_the_design_can_make(timing, launch, initial, sent):
    """A reminder 7 days after a push on day 55 of a 60-day run is never sent, yet
    reminders_within counted it from day 1, and compare said two such designs differed
    in fatigue, 'partly one of worlds', beside a tie in every replicate. The k-th reminder
    is counted from the design's earliest ask: its first push, a joiner's delay, or day 1
    where the launch asks the customers of day 0. The runs say which: fatigue moves them
    exactly where a reminder is counted."""
    from simulator.compare import world_differences

    timing = dict(timing)
    levers = {"influencers": timing.pop("influencers")} if "influencers" in timing else {}

    def design(name, fatigue):
        return small(name=name, days=60, population={"size": 2000, "initial_customers": initial},
                     acquisition={"organic_rate": 0.003}, program={
            "timing": {**timing, "reminders": {"count": 1, "interval_days": 7, "fatigue": fatigue}},
            "launch": {"ask_existing": launch}, **levers})

    tired, fresh = design("tired", 0.5), design("fresh", 0.9)
    named = world_differences(fresh, tired)
    assert named == (["program.timing.reminders.fatigue (0.9 vs 0.5)"] if sent else []), named
    from simulator import simulate

    runs = [simulate(d, replicates=1, seed=3, people=False, baseline=False).timeseries for d in (tired, fresh)]
    assert runs[0].drop(columns="scenario", errors="ignore").equals(
        runs[1].drop(columns="scenario", errors="ignore")) is not sent
    # a study that varies what moves the earliest ask reads the reminders' keys, whatever the base's room for them
    from simulator.parameters import reads

    for varied in ("program.timing.delay_days", "program.launch.ask_existing", "population.initial_customers"):
        assert reads(tired, "program.timing.reminders.fatigue", ["program.timing.reminders.fatigue", varied]), varied
    # the ask-lag notes' last ask after joining: a joiner's reminder from its own first ask, on day 1 at the earliest
    # unless day 0's customers are asked as new (a reminder due on day 61 of 60 was called the last ask)
    from simulator.behaviour.timing import ask_lags, first_joining_day

    lags = ask_lags(tired.program.timing, tired.days, first_joining_day(tired))
    if lags is not None and timing["kind"] != "campaign":
        first, last = lags
        assert last == first + 7 * ((first_joining_day(tired) + first + 7) <= tired.days), (lags, timing, launch)


def test_designs_that_differ_in_an_assumption_of_the_program_block_are_said_to_compare_worlds():
    """A milestone design beside its copy with `program.moment_effect.milestone` 3 'won',
    sure at 95%, with no word that the two differed only in what the model assumes of
    people: the moment's multiplier, the reward-type weights, the cost shares and the
    like live in the program block but are no launch's choice. The world note (and the
    console) now name them; the ranking note gives each moment the size its own design
    assumes (it gave the first design's 1.5 for a milestone design that set 1.2)."""
    from types import SimpleNamespace

    from simulator.compare import world_differences
    from simulator.report.compare import assumption_note, world_lines, world_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    milestone = small(name="milestone", program={"timing": {"kind": "milestone"}})
    hopeful = small(name="hopeful", program={"timing": {"kind": "milestone"}, "moment_effect": {"milestone": 3.0}})
    assert world_differences(milestone, hopeful) == ["program.moment_effect.milestone (1.5 vs 3.0)"]
    note = world_note(wrap(milestone, hopeful))
    assert "**hopeful** in program.moment_effect.milestone (1.5 vs 3.0)" in note and "differences of worlds" in note
    (line,) = world_lines(wrap(milestone, hopeful))   # and on the console, beside the verdict
    assert line.startswith("note: hopeful differs from milestone beyond its program, in program.moment_effect.milestone")
    for change in ({"link_use": 0.9}, {"cost_shares": {"credit": 0.9}}, {"reward_type_weights": {"consumer": {"credit": 0.5}}}):
        other = small(name="other", program={"timing": {"kind": "milestone"}, **change})
        assert world_differences(milestone, other), change
    # an assumption only one design reads is no second world: a cost share or type weight of the other's reward type,
    # the multiplier of a moment it does not ask at (a B2B file that sets its account credit's cost share)
    single = {"kind": "single_sided", "referrer_reward": 20, "audience": "business"}
    gift = small(name="gift", program={"incentive": {**single, "reward_type": "cash"}})
    credit = small(name="credit", program={"incentive": {**single, "reward_type": "organization"},
                                           "cost_shares": {"organization": 0.9},
                                           "reward_type_weights": {"business": {"organization": 0.7}}})
    assert world_differences(gift, credit) == []
    both = small(name="both", program={"incentive": {**single, "reward_type": "organization"}})
    assert sorted(world_differences(both, credit)) == ["program.cost_shares.organization (0.4 vs 0.9)",
                                                       "program.reward_type_weights.business.organization (1.0 vs 0.7)"]
    onboarding = small(name="onboarding", program={"timing": {"kind": "onboarding"}})
    assert world_differences(onboarding, hopeful) == []
    # two milestone designs apart in reach_share, after an onboarding one that has no such key: said whatever the
    # order of the files (it was only where a milestone design came first)
    sure = small(name="sure", program={"timing": {"kind": "milestone", "reach_share": 0.9}})
    (line,) = world_lines(wrap(onboarding, milestone, sure))
    # 'differs from onboarding' beside a value against milestone named two designs as the one it differs from
    assert "sure differs from onboarding (or the design named beside a value) beyond its program, in " \
           "program.timing.reach_share (0.6 vs 0.9, against milestone)" in line, line
    assert world_lines(wrap(milestone, onboarding, sure))[0].startswith(
        "note: sure differs from milestone beyond its program, in program.timing.reach_share (0.6 vs 0.9) (the other "
        "design's value first):")   # sure's 0.9 read as milestone's where the names come in the other order
    note = world_note(wrap(onboarding, milestone, sure))
    assert "**sure** in program.timing.reach_share (0.6 vs 0.9, against milestone)" in note
    assert "from **onboarding** (or the design named beside a value):" in note, note
    # program choices are not the world: another timing or reward says nothing
    assert world_note(wrap(milestone, small(name="onboarding", program={"timing": {"kind": "onboarding"}}))) == ""
    at_purchase = small(name="at-purchase", program={"timing": {"kind": "at_purchase"}})
    gentle = small(name="gentle", program={"timing": {"kind": "milestone"}, "moment_effect": {"milestone": 1.2}})
    assert "at purchase ×1, milestone ×1.2" in assumption_note(wrap(at_purchase, gentle))


def test_designs_that_differ_in_how_people_answer_a_reward_or_a_reminder_are_said_to_compare_worlds():
    """The same $10 + $10 offer given max_uplift 3 and referee_max_uplift 4 beside its copy
    at 1 and 1.5 'won', sure at 95%, with no word: how strongly people answer a reward (its
    uplifts, scale, tie weight, credibility penalty) and a reminder (fatigue, annoyance)
    are assumptions the parameter table sources as such, no launch's choice. Only where
    both designs read the key: a single-sided reward pays no friend, and a design without
    reminders reads no fatigue."""
    from simulator.compare import world_differences
    from simulator.parameters import is_lever

    double = {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10}
    base = small(name="base", program={"incentive": double})
    hopeful = small(name="hopeful", program={"incentive": {**double, "max_uplift": 3, "referee_max_uplift": 4}})
    assert world_differences(base, hopeful) == ["program.incentive.max_uplift (1.0 vs 3.0)",
                                                "program.incentive.referee_max_uplift (1.5 vs 4.0)"]
    for change in ({"strong_tie_weight": 1}, {"credibility_penalty": 0.3}, {"reward_scale_months": 6},
                   {"referee_share_uplift": 1}):
        assert world_differences(base, small(name="o", program={"incentive": {**double, **change}})), change
    single = small(name="single", program={"incentive": {"kind": "single_sided", "referrer_reward": 20}})
    assert world_differences(base, single) == world_differences(single, base) == []   # the friend's uplifts: one reads them
    scaled = {**double, "reward_scale": 50}
    assert world_differences(small(name="a", program={"incentive": scaled}),
                             small(name="b", program={"incentive": {**scaled, "reward_scale_months": 6}})) == []
    timing = {"kind": "at_purchase", "reminders": {"count": 2}}
    reminded = small(name="reminded", program={"timing": timing})
    weary = small(name="weary", program={"timing": {**timing, "reminders": {"count": 2, "fatigue": 0.5, "annoyance": 0.2}}})
    assert sorted(world_differences(reminded, weary)) == ["program.timing.reminders.annoyance (0.05 vs 0.2)",
                                                  "program.timing.reminders.fatigue (0.9 vs 0.5)"]
    once = small(name="once", program={"timing": {"kind": "at_purchase", "reminders": {"count": 0, "fatigue": 0.5}}})
    assert world_differences(reminded, once) == []   # a design that sends no reminder reads no fatigue
    # a campaign's later pushes are asks beyond the first: fatigue and annoyance apply to them, reminders or not
    pushes = {"kind": "campaign", "days": [10, 30, 50], "reminders": {"count": 0}}
    tired = {**pushes, "reminders": {"count": 0, "fatigue": 0.2, "annoyance": 0.9}}
    assert sorted(world_differences(small(name="a", program={"timing": pushes}), small(name="b", program={"timing": tired}))) \
        == ["program.timing.reminders.annoyance (0.05 vs 0.9)", "program.timing.reminders.fatigue (0.9 vs 0.2)"]
    # one push and no reminder asks nobody twice (a campaign makes no launch ask): the same runs, no second world
    one = {"kind": "campaign", "days": [30], "reminders": {"count": 0}}
    assert world_differences(small(name="a", program={"timing": one}),
                             small(name="b", program={"timing": {**one, "reminders": {"count": 0, "fatigue": 0.2}}})) == []
    # a friend given no reward reads no friend-side uplift (a tiered program's friends get 0 by default)
    tiered = {"kind": "tiered", "tiers": [{"after": 0, "referrer_reward": 10}]}
    assert world_differences(small(name="a", program={"incentive": tiered}),
                             small(name="b", program={"incentive": {**tiered, "referee_max_uplift": 5}})) == []
    # and sensitivity may set them alike in designs that differ in them: they are assumptions, not levers
    assert not is_lever("program.incentive.max_uplift") and not is_lever("program.timing.reminders.fatigue")
    assert is_lever("program.timing.reminders.count") and is_lever("program.incentive.referee_reward")


def test_designs_that_measure_k_over_different_windows_are_refused(tmp_path):
    """A design given `k_window_days: 90` beside its copy at 30 'won' k_factor and
    program_k, sure at 95%, on identical runs: each design's K counted the referrals
    within its own window. A window is measurement, not design: compare (paired or not,
    from the command line or Python) refuses it in one line naming the file and the key,
    with the --set that gives every design one window; with it, the two are the same."""
    from simulator.errors import ScenarioError

    base = small(name="base")
    wide = base.model_copy(update={"name": "wide", "k_window_days": 90})
    with pytest.raises(ScenarioError, match=r"k_window_days: measures K over 90 days, the reference base over 30.*"
                                            r"k_window_days: 30 in each"):
        compare([base, wide], replicates=2, unpaired=True)
    files = []
    for scenario in (base, wide):
        files.append(tmp_path / f"{scenario.name}.yaml")
        files[-1].write_text(yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True)))
    result = runner.invoke(app, ["compare", *map(str, files), "-r", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert f"{files[1]}: k_window_days: measures K over 90 days" in result.stderr
    assert "--set k_window_days=30" in result.stderr and not (tmp_path / "out").exists()
    result = runner.invoke(app, ["compare", *map(str, files), "-r", "2", "--set", "k_window_days=30",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert set(table[(table["design"] == "wide") & table["metric"].isin(["k_factor", "program_k"])]["verdict"]) == {"same"}


def test_a_ranking_that_rests_on_an_assumed_size_names_it():
    """A milestone ask beat an ask at purchase by $46,800 on the assumed 1.5x alone (at
    1.0 it lost), and credit beat cash partly on its assumed 40% cost: the compare report
    named neither. It now names the moments' multipliers and the cost shares when the
    designs differ in them, with a sensitivity flag to test each; alike, it says nothing."""
    from types import SimpleNamespace

    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    at_purchase = small(name="at-purchase", program={"timing": {"kind": "at_purchase"}})
    milestone = small(name="milestone", program={"timing": {"kind": "milestone"}})
    note = assumption_note(wrap(at_purchase, milestone))
    assert "at purchase ×1, milestone ×1.5" in note and "--uncertain program.moment_effect.milestone=1:2.25" in note
    # every assumed moment is tested, not only the biggest: onboarding's ×1.2 against purchase was left out
    onboarding = small(name="onboarding", program={"timing": {"kind": "onboarding"}})
    note = assumption_note(wrap(at_purchase, onboarding, milestone))
    assert "onboarding ×1.2" in note and "program.moment_effect.onboarding=1:2`" in note
    assert "program.moment_effect.milestone=1:2.25" in note and "moment_effect.purchase" not in note
    campaign = small(name="campaign", program={"timing": {"kind": "campaign"}})   # ×0.8: a range below 1 that holds it
    assert "program.moment_effect.campaign=0.4:1`" in assumption_note(wrap(at_purchase, campaign))
    single = {"kind": "single_sided", "referrer_reward": 20}
    cash = small(name="cash", program={"incentive": {**single, "reward_type": "cash"}})
    credit = small(name="credit", program={"incentive": {**single, "reward_type": "credit"}})
    note = assumption_note(wrap(cash, credit))
    assert "cash 100%, credit 40%" in note and "--uncertain program.cost_shares.credit=0.2:1" in note
    # one assumed share below face value still prices a larger reward and a budget's length: a B2B credit of $316 with a
    # $26,481 budget beat the bundled $150 at 40% and lost, sure, at 100%, and no note named the share
    larger = small(name="larger", program={"incentive": {**single, "reward_type": "credit", "referrer_reward": 40,
                                                          "budget": 5000}})
    note = assumption_note(wrap(credit, larger))
    assert ("their rewards (credit) are assumed to cost the company 40% of their face value (`program.cost_shares.credit`"
            in note and "how long a budget lasts" in note and "--uncertain program.cost_shares.credit=0.2:1" in note), note
    cash_larger = small(name="larger", program={"incentive": {**single, "reward_type": "cash", "referrer_reward": 40}})
    assert "cost_share" not in assumption_note(wrap(cash, cash_larger))   # cash costs its face value: no assumption
    assert "cost_share" not in assumption_note(wrap(credit, credit.model_copy(update={"name": "again"})))
    # two types at one default share (organization and credit, 40% each): the share flipped a "sure", unsaid
    org = small(name="org", program={"incentive": {**single, "reward_type": "organization"}})
    # a share set in one design's incentive and left to the table in another's: named, but no range for the incentive's
    # key, which sensitivity refuses where the designs differ in it (the printed command stopped on it)
    own = small(name="own", program={"incentive": {**single, "reward_type": "organization", "cost_share": 0.4}})
    own_note = assumption_note(wrap(own, larger))
    assert "`program.incentive.cost_share`, `program.cost_shares.credit`" in own_note, own_note
    # and no range of the table's share either, which would move the design that takes it alone
    assert "--uncertain program.cost_shares.credit" not in own_note and "--uncertain program.incentive.cost_share" \
        not in own_note and "no one range moves them together" in own_note, own_note
    # every priced design sets its own: its key has a range, a no-program design beside them or not
    both = [small(name=n, program={"incentive": {**single, "reward_type": "credit", "referrer_reward": r,
                                                 "cost_share": 0.5}}) for n, r in (("ten", 10), ("twenty", 20))]
    none = small(name="none", program={"timing": {"kind": "never"}, "incentive": {"kind": "none"}})
    for group in (both, [*both, none]):
        assert "--uncertain program.incentive.cost_share=0.2:1" in assumption_note(wrap(*group)), group
    mixed = assumption_note(wrap(org, larger))
    assert ("(`program.cost_shares.organization`, `program.cost_shares.credit`: set them to your own cost)" in mixed
            and "--uncertain program.cost_shares.organization=0.2:1" in mixed
            and "--uncertain program.cost_shares.credit=0.2:1" in mixed), mixed
    assert "reward_type_weights" not in note   # cash and credit weigh alike for consumers (1 and 1)
    # a business's gift card against a reward to its organization: the assumed weights (0.3 against 1) decided most of
    # a $475,000 lead that the note put down to the cost shares alone
    business = {**single, "audience": "business"}
    gift = small(name="gift", program={"incentive": {**business, "reward_type": "cash"}})
    organization = small(name="org", program={"incentive": {**business, "reward_type": "organization"}})
    note = assumption_note(wrap(gift, organization))
    assert ("their rewards are of different types, and how much each type moves sharing is assumed (cash 0.3 "
            "(`program.reward_type_weights.business.cash`), organization 1 (`program.reward_type_weights.business.organization`)"
            in note and "--uncertain program.reward_type_weights.business.cash=0:1" in note), note
    # a weight set on the incentive is named as that key (the table's could not move it); audiences are each their own
    overridden = small(name="gift", program={"incentive": {**business, "reward_type": "cash", "type_weight": 0.2}})
    note = assumption_note(wrap(overridden, organization))
    assert "cash 0.2 (`program.incentive.type_weight`)" in note and "--uncertain program.incentive.type_weight=0:1" in note
    consumer_credit = small(name="credit", program={"incentive": {**single, "reward_type": "credit"}})
    note = assumption_note(wrap(consumer_credit, gift))
    assert "credit 1 (`program.reward_type_weights.consumer.credit`), cash 0.3 (`program.reward_type_weights.business.cash`)" \
        in note, note
    assert assumption_note(wrap(credit, small(name="credit-2", program={"incentive": {**single, "reward_type": "credit"}}))) == ""
    # the referrer's reward differs: the ranking rests on how much it moves link users' unprompted sharing
    note = assumption_note(wrap(credit, small(name="credit-30", program={"incentive": {**single, "referrer_reward": 30}})))
    assert "different rewards (credit 20, credit-30 30)" in note and "`link_response` 1, where 1 is as much" in note
    # a tiered reward by its tiers: "tiered 5" stood beside "credit 20" for a design paying 20 from the 2nd referral
    tiered = small(name="tiered", program={"incentive": {"kind": "tiered", "tiers": [
        {"after": 0, "referrer_reward": 5}, {"after": 1, "referrer_reward": 20}]}})
    assert "different rewards (credit 20, tiered 5 then 20 from referral 2)" in assumption_note(wrap(credit, tiered))
    # one whose first tier is the flat design's reward differs from it all the same (no note was said)
    rising = small(name="rising", program={"incentive": {"kind": "tiered", "tiers": [
        {"after": 0, "referrer_reward": 20}, {"after": 1, "referrer_reward": 30}]}})
    assert "different rewards (credit 20, rising 20 then 30 from referral 2)" in assumption_note(wrap(credit, rising))
    # credit at 40% of its face value: the share prices the larger reward (it was left unsaid where the shares agree)
    assert "--uncertain program.link_response=0:1" in note and "--uncertain program.cost_shares.credit=0.2:1" in note
    # at link_response 0 the note says the opposite assumption; with no link use, none (link_response moves nothing)
    unmoved = [small(name=s.name, program={**s.program.model_dump(), "link_response": 0}) for s in (
        credit, small(name="credit-30", program={"incentive": {**single, "referrer_reward": 30}}))]
    assert "assumed unmoved by a reward (`link_response` 0; at 1" in assumption_note(wrap(*unmoved))
    unlinked = [small(name=s.name, program={**s.program.model_dump(), "link_use": 0}) for s in unmoved]
    assert "link_response" not in assumption_note(wrap(*unlinked))
    # a larger reward draws more fake accounts, whose claims are paid: $30 against $20 rests on fraud.share too
    assert ("their rewards differ in size (what a referral can earn, both sides together: credit 20, credit-30 30), and "
            "a larger reward draws more fake accounts") in assumption_note(wrap(*unlinked))
    assert "--uncertain fraud.share=0:0.1" in assumption_note(wrap(*unlinked))
    clean = [small(name=s.name, program=s.program.model_dump(), fraud={"share": 0}) for s in unlinked]
    note = assumption_note(wrap(*clean))   # no fakes assumed: nothing rests on them
    assert "fraud" not in note and "link_response" not in note, note
    # but how much a reward moves sharing, and where it saturates: $10 against $80 flipped between max_uplift 0.5 and 2
    # (and a scale of 1.5 against 6 months) while the note named only link_response and fraud.share. At the $8 margin
    # the default 3 months are a scale of 24, and the test ranges halve and double both sizes
    assert ("they offer the referrer different rewards (credit 20, credit-30 30), and how much a reward moves sharing "
            "is assumed: up to `max_uplift` (1) more at type weight 1, 63% of that at a reward of the scale "
            "(`reward_scale_months` 3 months of margin, 24 here) paid at once") in note, note
    assert ("`--uncertain program.incentive.max_uplift=0.5:2 --uncertain program.incentive.reward_scale_months=1.5:6`"
            in note), note
    scaled = [small(name=s.name, program={**s.program.model_dump(), "incentive": {
        **s.program.incentive.model_dump(), "reward_scale": 1500}}) for s in clean]
    assert "(`reward_scale` 1,500) paid at once" in (note := assumption_note(wrap(*scaled))) and \
        "--uncertain program.incentive.reward_scale=750:3000`" in note, note
    assert "max_uplift" not in assumption_note(wrap(clean[0], clean[0].model_copy(update={"name": "again"})))
    # a range halves and doubles whatever the size: a 0.5 floor printed 0.5:0.4 for 0.2 months, which sensitivity refused
    small_scale = [small(name=s.name, program={**s.program.model_dump(), "incentive": {
        **s.program.incentive.model_dump(), "reward_scale_months": 0.2}}) for s in clean]
    assert "--uncertain program.incentive.reward_scale_months=0.1:0.4`" in assumption_note(wrap(*small_scale))
    # designs that give the scale differently are each named, and no range of the scale is printed: the first design's
    # months range moved that design only, and a reward_scale range is refused (sensitivity sets a key alike in all)
    mixed = assumption_note(wrap(clean[0], scaled[1]))
    assert ("(credit: `max_uplift` 1, `reward_scale_months` 3 months of margin, 24 here; credit-30: `max_uplift` 1, "
            "`reward_scale` 1,500)") in mixed, mixed
    assert "the designs differ in the scale, which `refsim sensitivity` cannot vary across them" in mixed, mixed
    assert "--uncertain program.incentive.max_uplift=0.5:2`" in mixed and "reward_scale=" not in mixed, mixed
    # reminders: what a reminder does is assumed (the annoyance decided 'reminders win, sure at 95%')
    p0, p3 = (small(name=f"p{n}", program={"timing": {"kind": "at_purchase", "reminders": {"count": n}}}) for n in (0, 3))
    note = assumption_note(wrap(p0, p3))
    assert ("different numbers of reminders (p0 0, p3 3), and what a reminder does is assumed: the k-th reminder "
            "moves sharing fatigue^k times as much as an ask at purchase (`fatigue` 0.9; reminders do not get an "
            "onboarding or milestone ask's larger moment, and keep a campaign push's or a launch e-mail's smaller "
            "one) and annoys with probability `annoyance` (0.05), which costs "
            "2 points of satisfaction for good") in note
    assert "--uncertain program.timing.reminders.annoyance=0:0.3" in note and "moment_effect" not in note
    # a reminder moment other than 1 is in the sentence: 0.5 read "fatigue^k times as much as an ask at purchase"
    half = [d.model_copy(update={"program": d.program.model_copy(update={"moment_effect": d.program.moment_effect.model_copy(
        update={"reminder": 0.5})})}) for d in (p0, p3)]
    assert ("the k-th reminder moves sharing 0.5 (`moment_effect.reminder`, at most the first ask's) × fatigue^k times "
            "as much as an ask at purchase") in assumption_note(wrap(*half))
    # above the first ask's moment (1 at purchase) it changes nothing: quoted as the 1 the runs take, so not at all
    high = [d.model_copy(update={"program": d.program.model_copy(update={"moment_effect": d.program.moment_effect.model_copy(
        update={"reminder": 1.5})})}) for d in (p0, p3)]
    assert "the k-th reminder moves sharing fatigue^k times as much" in assumption_note(wrap(*high))
    # fatigue is tested too: at 1 three reminders beat none for sure, at 0.3 none led (docs/scenarios.md's pair)
    assert "--uncertain program.timing.reminders.fatigue=0.5:1" in note
    # designs that differ in a reminder's sizes are each named, whichever file comes first, and no range of the key
    # they differ in is printed: the first file's annoyance (0.05) was quoted for both, and its range would have set
    # the other's 1 to the same values
    gentle, annoying = (small(name=name, program={"timing": {"kind": "at_purchase", "reminders": {
        "count": count, "annoyance": annoyance}}}) for name, count, annoyance in (("gentle", 1, 0.05), ("annoying", 3, 1.0)))
    for pair in ((gentle, annoying), (annoying, gentle)):
        note = assumption_note(wrap(*pair))
        assert "annoys with probability `annoyance` (" + ", ".join(
            f"{d.name} {d.program.timing.reminders.annoyance:g}" for d in pair) + ")" in note, note
        assert "reminders.annoyance=" not in note and "--uncertain program.timing.reminders.fatigue=0.5:1" in note, note
        # and no command 'below' is pointed at, which with no other range to test was never printed
        assert "is no range for `refsim sensitivity`" in note and "below" not in note, note
    # a reminder the horizon has no room for is never sent (1 + 3,650 > 365 days): no difference to rest on
    late = small(name="late", program={"timing": {"kind": "at_purchase", "reminders": {"count": 1, "interval_days": 3650}}})
    assert late.days < 3651 and assumption_note(wrap(p0, late)) == ""
    # two of three reminders 200 days apart fit a 401-day run (days 201 and 401 after a day-1 ask; 601 does not)
    spaced = small(name="spaced", days=401, program={"timing": {"kind": "at_purchase",
                                                                "reminders": {"count": 3, "interval_days": 200}}})
    assert "different numbers of reminders (p0 0, spaced 2; those the horizon has room for)" in assumption_note(
        wrap(small(name="p0", days=401, program={"timing": {"kind": "at_purchase"}}), spaced))
    # a milestone reaches only the customers who reach it: reach_share, testable on the milestone design alone
    note = assumption_note(wrap(small(name="at-purchase", program={"timing": {"kind": "at_purchase"}}), milestone))
    assert "`reach_share` 0.6, an assumption about your product" in note
    assert "--uncertain program.timing.reach_share=0.3:1" in note
    assert "tenure alone" not in note   # a milestone on a drawn day: reaching it is more than staying
    # and staying until it: 30% monthly churn made purchase beat a 30-day milestone "sure" with only reach_share named
    assert milestone.churn.monthly_rate > 0
    assert (f"are still there by then (those who leave before it are never asked: `churn.monthly_rate` "
            f"{milestone.churn.monthly_rate:g}, which costs a later milestone more), and score") in note, note
    loyal = small(name="loyal", churn={"monthly_rate": 0}, program={"timing": {"kind": "milestone"}})
    assert "still there by then" not in assumption_note(
        wrap(small(name="at-purchase", churn={"monthly_rate": 0}, program={"timing": {"kind": "at_purchase"}}), loyal))
    # two milestone designs reached by different shares: each is named (the first's 0.6 was said of both)
    rare = small(name="rare", program={"timing": {"kind": "milestone", "reach_share": 0.05}})
    note = assumption_note(wrap(small(name="at-purchase", program={"timing": {"kind": "at_purchase"}}), milestone, rare))
    assert f"`reach_share` {milestone.name} 0.6, rare 0.05, an assumption" in note, note
    assert "--uncertain program.timing.reach_share=0.05:1" in note
    # a milestone on a tenure day (the third paid month) is reached by everyone still there: churn is drawn apart, so
    # the default 0.6 counted leaving twice (onboarding won by $42,300 at 0.6, not told apart at 1) and the note said
    # only that reach_share is an assumption about the product
    tenure = small(name="third-month", program={"timing": {"kind": "milestone", "schedule": "fixed", "delay_days": 61}})
    note = assumption_note(wrap(small(name="onboarding", program={"timing": {"kind": "onboarding"}}), tenure))
    assert ("`reach_share` is of the customers still there (those who leave before it are never asked, by churn), so "
            "a milestone that is tenure alone (`schedule: fixed`) is reached by all of them, 1") in note, note
    everyone = small(name="third-month", program={"timing": {"kind": "milestone", "schedule": "fixed", "delay_days": 61,
                                                             "reach_share": 1}})
    assert "is reached by all of them, 1" not in assumption_note(wrap(small(name="onboarding"), everyone))   # given
    # and it has no reach to test: the command varied reach_share down to 0.3, a value the docs call churn counted twice
    assert "reach_share=" not in assumption_note(wrap(small(name="onboarding"), everyone))
    assert ("a milestone of tenure alone (`schedule: fixed`, `reach_share` 1) is asked of the customers who are still "
            "there by then (those who leave before it are never asked: `churn.monthly_rate` 0.05, which costs a later "
            "milestone more) and score at least `min_satisfaction` (7)") in assumption_note(
        wrap(small(name="onboarding"), everyone))   # not "reach_share 1, an assumption about your product"
    assert "an assumption about your product" not in assumption_note(wrap(small(name="onboarding"), everyone))
    assert "--uncertain program.timing.reach_share=0.3:1" in assumption_note(wrap(small(name="onboarding"), tenure))


def test_a_ranking_of_a_friend_reward_names_the_uplifts_it_rests_on():
    """$10 + $10 credit beat $20 credit to the referrer alone by $1.2M (2 years, sure at
    95%), and the report said the ranking rested on link_response; with the friend's
    reward moving conversion up to 0.5 (not 1.5) and sharing not at all, the
    referrer-only design led instead. Both sizes are assumptions, so the note names
    them, and a check whose ranges reach 0, whenever the designs offer the friend
    different rewards; designs that offer the friend the same reward get no such note."""
    from types import SimpleNamespace

    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    both = small(name="both")   # double-sided, 10 to each side
    referrer_only = small(name="referrer-only", program={"incentive": {"kind": "single_sided", "referrer_reward": 20}})
    note = assumption_note(wrap(both, referrer_only))
    assert "they offer the friend different rewards (both 10, referrer-only 0)" in note, note
    assert "`referee_max_uplift` (1.5)" in note and "`referee_share_uplift` (0.5)" in note
    assert ("--uncertain program.incentive.referee_max_uplift=0:2.25 "
            "--uncertain program.incentive.referee_share_uplift=0:1") in note
    # the sizes named are those of the design that offers the friend a reward, whichever is listed first
    hopeful = small(name="hopeful", program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                                           "qualification_days": 14, "referee_max_uplift": 3}})
    assert "`referee_max_uplift` (3)" in assumption_note(wrap(referrer_only, hopeful))
    bigger = small(name="bigger", program={"incentive": {"kind": "double_sided", "referrer_reward": 20, "referee_reward": 10,
                                                         "qualification_days": 14}})
    assert "friend" not in assumption_note(wrap(both, bigger))
    # a design listed first whose friend's reward is assumed to move nobody does not hide one whose reward does
    inert = small(name="inert", program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 5,
                                                       "qualification_days": 14, "referee_max_uplift": 0,
                                                       "referee_share_uplift": 0}})
    for order in ((inert, both), (both, inert)):
        assert "`referee_max_uplift` (1.5)" in assumption_note(wrap(*order)), [s.name for s in order]
    # a friend's reward assumed to move nobody decides the ranking too: the referrer-only design led "sure" on it, and
    # the note, said only for sizes above 0, named nothing and its check left the friend's uplifts out
    note = assumption_note(wrap(inert, referrer_only))
    assert "they offer the friend different rewards (inert 5, referrer-only 0), and a friend's reward is assumed to " \
           "move nobody" in note, note
    assert ("--uncertain program.incentive.referee_max_uplift=0:2 "
            "--uncertain program.incentive.referee_share_uplift=0:1") in note, note
    # to a business audience the friend is the referred business, as the run report says it
    b2b = small(name="b2b", program={"incentive": {"kind": "double_sided", "referrer_reward": 100, "referee_reward": 100,
                                                   "qualification_days": 14, "audience": "business",
                                                   "reward_type": "organization"}})
    solo = small(name="solo", program={"incentive": {"kind": "single_sided", "referrer_reward": 100, "audience": "business",
                                                     "reward_type": "organization"}})
    note = assumption_note(wrap(b2b, solo))
    assert ("they offer the referred business different rewards (b2b 100, solo 0), and how much the referred business's "
            "reward moves people is assumed: it raises the referred business's conversion") in note, note
    assert "friend" not in note.split("; they pay")[0], note
    # one size at 0 beside one above: the one above is named as raising, the other as assumed not to
    half = small(name="half", program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                                     "qualification_days": 14, "referee_share_uplift": 0}})
    note = assumption_note(wrap(half, referrer_only))
    assert ("it raises the friend's conversion by up to `referee_max_uplift` (1.5), and is assumed not to raise the "
            "referrer's sharing (`referee_share_uplift` 0)") in note, note


def test_a_ranking_against_no_program_names_what_a_reward_is_assumed_to_move():
    """double-sided-credit beat no-program "sure at 95%", and the note named only the
    credit's cost share: the designs with a program were the only ones weighed, so the
    offers "differed" in none. At referee_max_uplift 0, inside the range compare itself
    proposes, the value added was not told from 0. A design with no program offers 0 to
    either side, so against it both reward responses are named, with their checks."""
    from types import SimpleNamespace

    from simulator.config import has_program
    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    none = small(name="none", program={"incentive": {"kind": "none"}, "timing": {"kind": "never"}})
    assert not has_program(none)
    note = assumption_note(wrap(none, small(name="both")))
    assert "they offer the referrer different rewards (none 0, both 10)" in note, note
    assert "they offer the friend different rewards (none 0, both 10)" in note, note
    assert "--uncertain program.incentive.max_uplift=" in note and "--uncertain program.incentive.referee_max_uplift=0:" in note
    # a program that asks without a reward offers 0 too: against no program, no reward is weighed
    asks_only = small(name="asks", program={"incentive": {"kind": "none"}})
    assert "different rewards" not in assumption_note(wrap(none, asks_only))


def test_the_checks_a_ranking_names_are_ranges_sensitivity_accepts():
    """The note's `--uncertain` ranges reach 1.5x the assumed size: with a friend's reward
    assumed to move conversion x8, a milestone's ask x8 and reminders annoying half the
    time, they read referee_max_uplift=0:12, moment_effect.milestone=1:12 and
    annoyance=0:1.2, past the keys' bounds, and `refsim sensitivity` refused the command
    the report told one to run. Each range stays within its key's bounds."""
    import re
    from types import SimpleNamespace

    from simulator.parameters import parse_parameters
    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    bold = small(name="bold", program={
        "incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "qualification_days": 14,
                      "referee_max_uplift": 8, "referee_share_uplift": 8},
        "moment_effect": {"milestone": 8},
        "timing": {"kind": "milestone", "reminders": {"count": 2, "annoyance": 0.6}}})
    plain = small(name="plain", program={"incentive": {"kind": "single_sided", "referrer_reward": 20},
                                         "timing": {"kind": "at_purchase", "reminders": {"count": 0, "annoyance": 0.6}}})
    note = assumption_note(wrap(plain, bold))
    flags = re.findall(r"--uncertain ([^\s`]+)", note)
    assert {f.split("=")[0] for f in flags} >= {"program.incentive.referee_max_uplift", "program.moment_effect.milestone",
                                               "program.timing.reminders.annoyance"}, note
    for flag in flags:
        parse_parameters([flag], bold, source="--uncertain")


def test_a_ranking_of_when_rewards_are_paid_names_the_discount_it_rests_on():
    """Paid at once against after 90 days: 'wait0 adds the most value ... sure at 95%',
    with no word that the verdict rests on the assumed delay_discount (at 0 the longer
    wait won). The note names both waits, the rate, what the longest wait leaves of a
    reward (1 / (1 + 0.01 · 90) = 53%), the fraud share assumed and a check whose ranges
    cover them; at rate 0 it says the latest payment looks best; designs paid after the
    same wait get no such note. Fake accounts are named only against paying on signup:
    the qualifying check blocks them whatever the wait, so two waits on qualification
    differ by the friends who leave before they qualify (fraud_cost 43.33 at 0 and 30
    days alike)."""
    from types import SimpleNamespace

    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    at_once = small(name="at-once", program={"incentive": {"paid_on": "signup"}})
    later = small(name="later", program={"incentive": {"qualification_days": 90}})
    note = assumption_note(wrap(at_once, later))
    assert "they pay their rewards after different waits (at-once 0 days, later 90 days)" in note, note
    assert "(`delay_discount` 0.01 a day: paid after 90 days, as 53% of it paid at once would)" in note
    assert "against paying on signup, the claims of the fake accounts qualification blocks" in note
    # the share it blocks is an assumption, the same after a 0-day wait as after 30 (a 0-day check beat both on it)
    assert "qualification blocks (`fraud.blocked_by_qualification` 90%, whatever the wait: an assumption)" in note
    # a sweep or search that varies the blocked share gets no single figure for it
    from simulator.report.text import blocked_share

    assert blocked_share(at_once, ["fraud.share"]) == 0.9 and blocked_share(at_once, ["fraud.blocked_by_qualification"]) is None
    assert "the fakes' part grows with `fraud.share` (0.02 here)" in note
    assert ("--uncertain program.incentive.delay_discount=0:0.03 --uncertain fraud.share=0:0.1 "
            "--uncertain fraud.blocked_by_qualification=0.5:1 --replicates 4") in note
    risky = [small(name=s.name, program=s.program.model_dump(), fraud={"share": 0.15}) for s in (at_once, later)]
    note = assumption_note(wrap(*risky))
    assert "(0.15 here)" in note and "fraud.share=0:0.3" in note
    sooner = small(name="sooner", program={"incentive": {"qualification_days": 7}})
    note = assumption_note(wrap(sooner, later))
    assert "paying later saves the rewards of friends who leave before they qualify, and costs referrals" in note
    assert "fake" not in note and "fraud.share" not in note
    free = small(name="later-free", program={"incentive": {"qualification_days": 90, "delay_discount": 0}})
    still = small(name="at-once-free", program={"incentive": {"paid_on": "signup", "delay_discount": 0}})
    assert "the latest payment looks best" in assumption_note(wrap(still, free))
    same = small(name="same-wait", program={"incentive": {"qualification_days": 90, "referrer_reward": 30}})
    assert "waits" not in assumption_note(wrap(later, same))
    # with a total budget, paid on qualification reserves the rewards it saves until they prove void: 'saves' read
    # as a budget that lasts as long as the rewards paid
    assert "reserves" not in note
    budgeted = [small(name=s.name, program={**s.program.model_dump(), "incentive": {
        **s.program.incentive.model_dump(), "budget": 400}}) for s in (at_once, later)]
    assert ("; a total budget paid on qualification reserves those rewards too until they prove void, so what they "
            "free pays later referrals only before it runs out, and after it stays unspent. Test") in \
        assumption_note(wrap(*budgeted))
    # under renewal contracts longer than the wait nobody leaves before qualifying (docs/model.md, renewal churn): the
    # note told a B2B lead on annual contracts that paying 30 days later saved the rewards of accounts leaving early
    from simulator.config import Renewal

    annual = [s.model_copy(update={"churn": s.churn.model_copy(update={"renewal": Renewal(every_days=365)})})
              for s in (at_once, later)]
    note = assumption_note(wrap(*annual))
    assert ("paying later saves nothing on friends leaving early (contracts of 365 days end only on renewal dates: "
            "none leaves before qualifying) but, against paying on signup, the claims of the fake accounts") in note, note
    assert "friends who leave before they qualify" not in note
    from simulator.report.text import payment_timing_trade

    # to a business audience the friends are referred businesses (the note spoke of friends to a B2B lead)
    business = [s.model_copy(update={"program": s.program.model_copy(update={
        "incentive": s.program.incentive.model_copy(update={"audience": "business"})})}) for s in annual]
    note = assumption_note(wrap(*business))
    assert "paying later saves nothing on referred businesses leaving early (contracts of 365 days" in note, note
    assert "friend" not in note.split("they pay their rewards after different waits")[1].split(". Test")[0]
    mixed_audience = [business[0], annual[1]]   # one consumer design: its friends are friends
    assert "nothing on friends leaving early" in assumption_note(wrap(*mixed_audience))
    assert "no referred business leaves before qualifying" in payment_timing_trade(0.0, 30, 0.02, False, 0.9, False,
                                                                                 365, business=True)
    from simulator.report.text import contract_days

    # a study that varies churn (its renewal, its rate) cannot count on the contracts; a design without them neither
    assert contract_days(annual) == 365 and contract_days(annual, ["churn.renewal.every_days"]) is None
    assert contract_days([annual[0], later]) is None
    monthly = [s.model_copy(update={"churn": s.churn.model_copy(update={"renewal": Renewal(every_days=60, notice_days=0)})})
               for s in (sooner, later)]
    assert "the rewards of friends who leave before they qualify" in assumption_note(wrap(*monthly))   # 60 < 90 days
    # and with no discount: "paying later only saves (nothing on friends leaving early ...) and the latest payment
    # looks best" said both at once

    free = payment_timing_trade(0.0, 30, 0.02, False, 0.9, False, 365)
    assert "looks best" not in free and "the wait saves nothing and costs no referrals" in free, free
    assert "saves only, against paying on signup, the claims of the fake accounts" in payment_timing_trade(
        0.0, 30, 0.02, True, 0.9, False, 365)
    # designs of different fraud shares: the highest, said as such
    mixed = [risky[0], later]
    assert "(0.15 at most here)" in assumption_note(wrap(*mixed))


def test_paying_on_qualification_at_once_against_on_signup_names_the_blocked_fakes():
    """Paid on qualification after 0 days beat paid on signup by exactly the fakes'
    claims, "sure at 95%", and the note on what the ranking rests on (said only where
    the waits differ) named nothing: with fraud.blocked_by_qualification 0 the two gave
    the same runs. The note now names the check and the assumed block, with sensitivity
    flags over both; with no fraud there is nothing to block and no note."""
    import re
    from types import SimpleNamespace

    from simulator.parameters import parse_parameters
    from simulator.report.compare import assumption_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    signup = small(name="signup", fraud={"share": 0.15}, program={"incentive": {"paid_on": "signup"}})
    at_once = small(name="q0", fraud={"share": 0.15}, program={"incentive": {"qualification_days": 0}})
    note = assumption_note(wrap(signup, at_once))
    assert ("they pay at the same time but on different checks (signup on signup, q0 on qualification): paying on "
            "qualification blocks the claims of the fake accounts that come with referrals "
            "(`fraud.blocked_by_qualification` 90%, an assumption; `fraud.share` 0.15 here)") in note, note
    flags = re.findall(r"--uncertain ([^\s`]+)", note)
    assert flags == ["fraud.share=0:0.3", "fraud.blocked_by_qualification=0.5:1"], note
    parse_parameters(flags, signup, source="--uncertain")
    honest = [small(name=s.name, program=s.program.model_dump(), fraud={"share": 0.0}) for s in (signup, at_once)]
    assert "different checks" not in assumption_note(wrap(*honest))


def test_two_designs_that_tie_are_said_to_tie():
    """Two copies of one design under two names gave the same value on every replicate,
    yet the report said the first listed "adds the most value ... best in 100% of the
    replicates" (argmax gives a tie to the first), and listing them the other way round
    crowned the other. A tie is now said, in either order, and a replicate where two
    designs share the highest value counts as best for each."""
    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph

    for order in (("a", "b"), ("b", "a")):
        result = compare([design(10, order[0]), design(10, order[1]), design(1, "meagre")], replicates=3, seed=5, workers=1)
        decision = decide(result)
        (tied,) = decision.tied_with
        assert {decision.best, tied} == {"a", "b"} and decision.runner_up == "meagre", decision   # the next that differs
        assert decision.share_best == decision.share_level > 0
        paragraph = decision_paragraph(result, decision)[0]
        assert f"**{decision.best} and {tied} tie for the most value**" in paragraph, paragraph
        assert "adds the most value" not in paragraph
    values = {d.scenario.name: d.runs["incremental_value"].to_numpy() for d in result.designs}
    assert (values["a"] == values["b"]).all()   # the premise: one design under two names
    alone = compare([design(10, "ten"), design(20, "twenty")], replicates=3, seed=5, workers=1)
    decision = decide(alone)
    assert not decision.tied_with and decision.share_level == 0
    sure = decision.diff_ci_low > 0
    assert ("adds the most value" in decision_paragraph(alone, decision)[0]) == sure
    assert ("not told apart from" in decision_paragraph(alone, decision)[0]) == (not sure)


def test_a_tie_names_every_design_in_it_with_its_own_share():
    """Three identical designs were 'a and b tie', leaving c out; a = [0, 0, 6] and
    b = [2, 2, 2] (the same mean) were 'each best in 33%', where b is best in 67%."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph

    def design(name, values):
        runs = pd.DataFrame({"replicate": range(len(values)), "cumulative_profit": values})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=runs)

    uneven = SimpleNamespace(designs=[design("a", [0.0, 0.0, 6.0]), design("b", [2.0, 2.0, 2.0])], paired=True)
    decision = decide(uneven, metric="cumulative_profit")
    assert decision.tied_with == ("b",) and decision.shares == {"a": pytest.approx(1 / 3), "b": pytest.approx(2 / 3)}
    text = decision_paragraph(uneven, decision)[0]
    assert "**a and b tie for the highest profit**" in text and "in 1 (a), 2 (b) of the 3 replicates" in text
    # what follows (the interval, the split, the payback) is the first listed design's: said, not left to 'It'
    assert "95% interval [" in text and "] (a's);" in text and "What follows is a's, the first listed" in text
    three = SimpleNamespace(designs=[design(name, [1.0, 2.0, 3.0]) for name in "abc"], paired=True)
    decision = decide(three, metric="cumulative_profit")
    assert decision.tied_with == ("b", "c")
    assert "**a, b and c tie for the highest profit**" in decision_paragraph(three, decision)[0]


def test_attributed_roi_is_reported_but_never_crowned():
    """compare said 'attributed_roi: X is best ... sure at 95%' although the README calls
    it a dashboard's view that credits the program with what word of mouth brings anyway,
    never a verdict: its paired verdict now reads higher or lower, as a cost's does."""
    from simulator.compare import UNRANKED, verdict

    assert "attributed_roi" in UNRANKED
    assert verdict("attributed_roi", 1.0, 2.0) == "higher" and verdict("attributed_roi", -2.0, -1.0) == "lower"
    assert verdict("incremental_roi", 1.0, 2.0) == "better"


def test_word_of_mouth_customers_are_reported_but_never_crowned(tmp_path):
    """'word_of_mouth_customers: no-program is best (higher is better)' stood in Who wins:
    a program turns word of mouth into tracked referrals, so fewer of them is no worse.
    Its verdict reads higher or lower, Who wins leaves it out, decide refuses it saying
    why, and a sweep refuses it as its objective."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table, decide, verdict
    from simulator.errors import ScenarioError
    from simulator.report.compare import winners

    assert verdict("word_of_mouth_customers", 1.0, 2.0) == "higher"
    designs = [SimpleNamespace(scenario=design(10, name), runs=pd.DataFrame(
        {"replicate": range(4), "incremental_value": [1.0, 2.0, 3.0, 4.0 + k],
         "word_of_mouth_customers": [9.0 - k, 8.0, 7.0, 6.0]})) for k, name in enumerate(("none", "reward"))]
    comparison = SimpleNamespace(designs=designs, paired=True, reference="none", seeds=[1, 2, 3, 4], precision=0.05,
                                 table=comparison_table(designs, paired=True))
    assert not [line for line in winners(comparison) if "word_of_mouth_customers" in line]
    with pytest.raises(ScenarioError, match="word_of_mouth_customers is reported, not ranked: a program turns word of "
                                            "mouth into tracked referrals"):
        decide(comparison, metric="word_of_mouth_customers")
    from simulator.sweep import load_sweep

    sweep = tmp_path / "s.yaml"
    sweep.write_text("base: {name: b, days: 30, population: {size: 300, initial_customers: 5}}\nmethod: grid\n"
                     "parameters: {program.base_share: {values: [0.1, 0.2]}}\n"
                     "metrics: [incremental_value, word_of_mouth_customers]\nobjective: word_of_mouth_customers\n")
    with pytest.raises(ScenarioError, match="'word_of_mouth_customers' is reported, not ranked"):
        load_sweep(sweep)


def test_the_report_says_how_much_pairing_narrowed_the_intervals():
    """'its interval (paired) is much narrower than the one two independent samples
    would give' was printed where the paired interval was no narrower
    (-17,791–27,452 against -20,782–30,443): it now gives the ratio, and says why when
    pairing did not help."""
    import pandas as pd

    from simulator.report.compare import _pairing_gain

    def table(paired, unpaired, metric="incremental_value"):
        return pd.DataFrame({"metric": [metric], "diff_ci_low": [-paired], "diff_ci_high": [paired],
                             "unpaired_ci_low": [-unpaired], "unpaired_ci_high": [unpaired], "verdict": ["better"]})

    assert _pairing_gain(table(10.0, 40.0)).startswith("narrower than the one two independent samples would give "
                                                        "(unpaired): 25% of its width")
    text = _pairing_gain(table(45_243.0 / 2, 51_225.0 / 2))
    assert text.startswith("here about as wide as") and "88% of its width" in text and "do not move together" in text
    assert _pairing_gain(table(30.0, 20.0)).startswith("here wider than the one")  # outcomes that move apart
    # outcomes that do move together in part, at few replicates: with correlation 0.47 and equal spreads the paired
    # half-width is t(0.975, 5) * sqrt(1 - 0.47) against Welch's t(0.975, 10) at 6 replicates, 84% of it (closed
    # form); the report said "mostly do not move together" beside comparison.csv's correlation of 0.47
    from scipy import stats

    expected = stats.t.ppf(0.975, 5) / stats.t.ppf(0.975, 10) * math.sqrt(1 - 0.47)
    assert expected == pytest.approx(0.84, abs=0.005)
    partly = table(100.0 * expected, 100.0).assign(correlation=0.47, n=6)
    text = _pairing_gain(partly)
    assert "84% of its width" in text and "move together in part (correlation 0.47)" in text, text
    assert "fewer degrees of freedom" in text and "at 6 replicates" in text and "do not move together" not in text
    assert "mostly do not move together" in _pairing_gain(partly.assign(correlation=0.1))
    # several designs: the median and the range (one pair at 45%, another at 100%, read as 100% for both)
    both = pd.concat([table(45.0, 100.0), table(100.0, 100.0), table(100.0, 100.0)], ignore_index=True)
    assert "100% of its width for `incremental_value`, the median over 3 designs against the reference, from 45% to 100%" \
        in _pairing_gain(both)
    # a copy of the reference (a budget that never binds: the same in every replicate) is no 0% of narrowing
    copy = table(0.0, 100.0)
    text = _pairing_gain(pd.concat([table(45.0, 100.0), table(60.0, 100.0), copy], ignore_index=True))
    assert "52% of its width for `incremental_value` here, the median over 2 designs against the reference, from 45% to 60%" \
        in text, text
    assert _pairing_gain(copy).startswith("usually narrower")
    # against no program (value 0 on every run) the two intervals of value are alike by construction: profit tells
    nothing = pd.DataFrame({"metric": ["incremental_value"], "verdict": ["reference"], "ci_low": [0.0], "ci_high": [0.0],
                            "diff_ci_low": [float("nan")], "diff_ci_high": [float("nan")], "unpaired_ci_low": [float("nan")],
                            "unpaired_ci_high": [float("nan")]})
    mixed = pd.concat([nothing, table(50.0, 50.0), table(10.0, 40.0, "cumulative_profit")], ignore_index=True)
    assert "25% of its width for `cumulative_profit`" in _pairing_gain(mixed), _pairing_gain(mixed)
    # a design without a program against a reference with one: its value is 0 on every run, its paired interval the
    # unpaired one by construction; its 100% was counted in the median ("110%, from 100% to 119%" where the one
    # contrast that pairs read 119%)
    idle = table(50.0, 50.0).assign(ci_low=0.0, ci_high=0.0)
    text = _pairing_gain(pd.concat([table(119.0, 100.0).assign(ci_low=-5.0, ci_high=5.0), idle], ignore_index=True))
    assert "(unpaired; 119% of its width for `incremental_value`):" in text, text
    # without twins the verdict rests on profit: measured there, where "usually narrower" stood beside a paired
    # interval 104% as wide
    profit = table(104.0, 100.0, "cumulative_profit")
    assert _pairing_gain(profit).startswith("usually narrower")   # the verdict's metric not said: incremental value
    assert "(unpaired; 104% of its width for `cumulative_profit`)" in _pairing_gain(profit, "cumulative_profit")


def test_a_difference_too_small_to_pin_down_is_said_so_not_given_millions_of_replicates():
    """'about 3789703 replicates would do' for a difference near zero."""
    from types import SimpleNamespace

    import numpy as np

    from simulator.report.compare import winners

    runs = lambda values: pd.DataFrame({"replicate": range(len(values)), "incremental_value": values})  # noqa: E731
    noise = np.array([1000.0, -1000.0, 500.0, -500.0])
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=runs(values))
               for name, values in (("a", 50_000 + noise), ("b", 50_001 + noise[::-1]))]
    table = pd.DataFrame({"metric": ["incremental_value"] * 2, "design": ["a", "b"],
                          "mean": [np.mean(d.runs["incremental_value"]) for d in designs]})
    comparison = SimpleNamespace(designs=designs, table=table, seeds=[1, 2, 3, 4], paired=True, precision=0.05)
    text = winners(comparison)[0]
    assert "more than 10,000 replicates would be needed: it is too small next to the spread of the runs" in text, text


def test_the_compare_plots_keep_each_designs_colour_and_say_what_they_leave_out(monkeypatch):
    """The ROI histogram dropped a design with no rewards (no ROI) and gave its colour to
    the next, so orange was one design there and another in incremental_value.png; a
    payback day marked for a design that paid back in half the replicates read as its
    own. Colours now follow each design's place in the list, a design left out is named
    in the legend, and a payback day paid back in fewer than all replicates says in how many."""
    from pathlib import Path

    import numpy as np

    from simulator.report import plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, **_: drawn.append(fig) or path)
    runs = pd.DataFrame({"scenario": ["none"] * 4 + ["ten"] * 4 + ["forty"] * 4,
                         "attributed_roi": [np.nan] * 4 + [1.0, 2.0, 3.0, 2.5, 0.5, 0.7, 0.9, 0.6]})
    plots.distribution(runs, "attributed_roi", Path("roi.png"))
    handles, labels = drawn[-1].axes[0].get_legend_handles_labels()
    assert labels == ["none: undefined in every replicate", "ten", "forty"]
    from matplotlib.colors import to_rgb

    colour = {label: to_rgb(h.get_color() if hasattr(h, "get_color") else h.get_facecolor())
              for h, label in zip(handles, labels)}
    assert colour["ten"] == to_rgb("C1") and colour["forty"] == to_rgb("C2")
    # compare's ROI figure: incremental ROI beside the dashboard's, a panel each, each histogram its own metric's
    runs["incremental_roi"] = [np.nan] * 4 + [10.0, 11.0, 12.0, 13.0, 30.0, 31.0, 32.0, 33.0]
    plots.distribution(runs, ["incremental_roi", "attributed_roi"], Path("roi.png"), title=["inc", "att"])
    left, right = drawn[-1].axes
    assert (left.get_title(), left.get_xlabel(), right.get_title(), right.get_xlabel()) == \
        ("inc", "incremental_roi", "att", "attributed_roi")
    # the designs' bars side by side within each bin: the first bar in the first bin of the panel's own values
    for panel, low, high in ((left, 10.0, 33.0), (right, 0.5, 3.0)):
        first = min(bar.get_x() for bar in panel.patches)
        assert low <= first < low + (high - low) / 5, (first, low)
    # one set of bins per panel for every design: their bars line up (each design's own bins read as other spreads)
    widths = {round(bar.get_width(), 9) for bar in right.patches}
    assert len(widths) == 1, widths
    # the legend sits above the tallest bar: placed "best" it covered bars where they filled the frame
    drawn[-1].canvas.draw()
    for panel in (left, right):
        legend = panel.get_legend().get_window_extent()
        tops = [bar.get_window_extent().y1 for bar in panel.patches if bar.get_height() > 0]
        assert legend.y0 >= max(tops), (legend, max(tops))
    series = pd.DataFrame({"day": [0, 1, 2] * 2, "replicate": [0] * 3 + [1] * 3, "cumulative_profit": [0.0, 5, 9, 0, -5, -9]})
    twin = series.assign(cumulative_profit=0.0)
    plots.incremental_value({"forty": (series, twin)}, Path("value.png"), payback={"forty": 1.0},
                            paid_back={"forty": 0.5}, colors={"forty": "C2"})
    ax = drawn[-1].axes[0]
    # in the legend beside the name: written by the dashed line, it ran through the lines and bands
    assert ax.get_legend_handles_labels()[1] == ["forty: median payback day 1 (of the 1 of 2 replicates that pay back)"]
    assert not ax.texts and to_rgb(ax.lines[0].get_color()) == to_rgb("C2")
    # a design that never paid back had no mark at all; one with no share given (nothing to pay back) is named alone
    plots.incremental_value({"forty": (series, twin), "ten": (series.assign(cumulative_profit=series["cumulative_profit"] * 2),
                                                              twin)}, Path("value.png"),
                            payback={"forty": float("nan"), "ten": float("nan")}, paid_back={"forty": 0.0})
    assert drawn[-1].axes[0].get_legend_handles_labels()[1] == ["forty: never pays back by day 2", "ten"]


@pytest.mark.draw
def test_the_value_plot_gives_the_horizon_value_its_spread_and_a_title_that_fits(monkeypatch, tmp_path):
    """incremental_value.png showed the headline value as a bare dot (a B2B design's
    114,000 whose 95% interval ran from -25,000 to 254,000 looked sure), and its
    two-line title ran off the figure's right edge. The dot now carries a bar over the
    2.5–97.5% of the replicates' values, as the profit's band does and as report.md's
    tables give the spread of single runs (the figures drew 5–95%), and the title fits."""
    from pathlib import Path

    import numpy as np

    from simulator.report import plots

    drawn = []
    save = plots._save   # laid out and written, as compare writes it: the legend's place is the layout's
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) and path or save(fig, tmp_path / path, rect))
    series = pd.DataFrame({"day": [0, 1, 2] * 2, "replicate": [0] * 3 + [1] * 3, "cumulative_profit": [0.0, 5, 9, 0, -5, -9]})
    twin = series.assign(cumulative_profit=0.0)
    values = np.array([-20.0, 0.0, 10.0, 30.0, 40.0, 100.0, 250.0])
    plots.incremental_value({"a": (series, twin), "b": (series, twin)}, Path("value.png"), final={"a": values, "b": values})
    fig = drawn[-1]
    # the value at the horizon in a narrow panel of its own, on its own scale: beside values of 20,000 on the profit's
    # axis, a dip to -184 and a payback on day 153 lay flat on 0
    ax, side = fig.axes
    assert not [line for line in ax.lines if line.get_marker() == "o"]
    bars = [c for c in side.collections if c.__class__.__name__ == "LineCollection" and len(c.get_segments()) == 1]
    assert len(bars) == 2
    (low, high) = sorted(point[1] for point in bars[0].get_segments()[0])
    assert (low, high) == pytest.approx((np.percentile(values, 2.5), np.percentile(values, 97.5)))
    assert "bar:\n2.5–97.5%" in side.get_title() and "on day 2" in side.get_title()
    dots = [line for line in side.lines if line.get_marker() == "o"]
    assert [float(d.get_ydata()[0]) for d in dots] == pytest.approx([values.mean()] * 2)
    assert "band: 2.5–97.5%" in ax.get_title()
    # one replicate: no band and no bar is drawn, and the titles do not announce them
    lone = series[series["replicate"] == 0]
    plots.incremental_value({"a": (lone, twin)}, Path("value.png"), final={"a": 12.0})
    alone, alone_side = drawn[-1].axes
    assert not alone.collections and "band:" not in alone.get_title() and "bar:" not in alone_side.get_title()
    assert "one replicate" in alone.get_title() and "one replicate" in alone_side.get_title()
    # two designs on one replicate each: no footnote on bands, and a payback day that is no median
    plots.incremental_value({"a": (lone, twin), "b": (lone, twin)}, Path("value.png"), final={"a": 12.0, "b": 3.0},
                            payback={"a": 2.0, "b": 2.0})
    assert not any("overlapping bands" in t.get_text() for t in drawn[-1].texts)
    assert [t.get_text() for t in drawn[-1].legends[0].get_texts()][0] == "a: payback day 2"
    assert dots[0].get_xdata()[0] != dots[1].get_xdata()[0]   # side by side, not one over the other
    assert ax.get_ylim()[1] < values.mean()   # the profit's axis is its own: the dots no longer stretch it
    fig.canvas.draw()
    for title in (ax.title.get_window_extent(), side.title.get_window_extent()):
        assert fig.bbox.x0 <= title.x0 and title.x1 <= fig.bbox.x1, (title, fig.bbox)
    # the legend under both panels and their labels, over the footnote, within the figure: in the upper left corner it
    # covered a losing design's line and band, which start at 0, the top of the frame when every day is a loss; under
    # the left panel alone long names ran off the figure's left edge and under the right panel's label
    assert ax.get_legend() is None and len(fig.legends) == 1
    legend = fig.legends[0].get_window_extent()
    assert legend.y1 <= min(ax.xaxis.label.get_window_extent().y0, side.xaxis.label.get_window_extent().y0), legend
    note = next(t for t in fig.texts if "overlapping bands" in t.get_text()).get_window_extent()
    assert note.y1 <= legend.y0 and fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1, (legend, note, fig.bbox)
    long = {f"double-sided-credit-paid-on-qualification-{i}": (series.assign(cumulative_profit=series["cumulative_profit"] + i),
                                                                 twin) for i in range(5)}
    plots.incremental_value(long, Path("value.png"), payback=dict.fromkeys(long, 1.0), paid_back=dict.fromkeys(long, 0.5),
                            final=dict.fromkeys(long, values))
    wide = drawn[-1]
    wide.canvas.draw()
    legend, (left, right) = wide.legends[0].get_window_extent(), wide.axes
    assert wide.bbox.x0 <= legend.x0 and legend.x1 <= wide.bbox.x1, (legend, wide.bbox)
    assert legend.y1 <= min(left.xaxis.label.get_window_extent().y0, right.xaxis.label.get_window_extent().y0)
    # two designs: overlapping bands beside a sure verdict read as a tie; the figure says what the bands are
    assert any("overlapping bands do not make a tie" in t.get_text() for t in fig.texts)
    assert side.get_ylabel() == "incremental value [currency]"   # its own scale, with its unit (docs/scenarios.md)
    # designs on their own seeds (--unpaired) are not told apart run by run, as the footnote said they were
    assert any("told apart run by run" in t.get_text() for t in fig.texts)
    plots.incremental_value({"a": (series, twin), "b": (series, twin)}, Path("value.png"),
                            final={"a": values, "b": values}, paired=False)
    said = " ".join(t.get_text() for t in drawn[-1].texts)
    assert "run by run" not in said and "ran on their own seeds (--unpaired)" in said, said
    assert "narrower" not in said   # at 6 replicates a mean's interval is about as wide as the runs' spread
    # nor does its title call it 'paired' above that footnote: each run is against its own twin
    assert drawn[-1].axes[0].get_title().startswith("Incremental profit to date, each run against its twin")
    plots.incremental_value({"a": (series, twin)}, Path("value.png"), final={"a": values})
    # one design: nothing to tell apart, but its bar is no interval of the mean
    assert [t.get_text().startswith("The band and the bar are the spread of single runs") for t in drawn[-1].texts] == [True]


def test_replicates_for_a_precise_size_are_not_read_as_doubt_about_a_sure_verdict():
    """'sure at 95%' then 'about 1,015 replicates would do' read as if the verdict needed
    them; the count is for the size of the difference within ±5%, and a sure verdict now
    says it needs no more."""
    from types import SimpleNamespace

    import numpy as np

    from simulator.report.compare import winners

    runs = lambda values: pd.DataFrame({"replicate": range(len(values)), "incremental_value": values})  # noqa: E731
    noise = np.array([1000.0, -1000.0, 500.0, -500.0, 250.0, -250.0, 100.0, -100.0, 50.0, -50.0])
    for gap, sure in ((5_000.0, True), (150.0, False)):
        designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=runs(values))
                   for name, values in (("a", 50_000 + noise), ("b", 50_000 + gap + noise * 1.5))]
        table = pd.DataFrame({"metric": ["incremental_value"] * 2, "design": ["a", "b"],
                              "mean": [np.mean(d.runs["incremental_value"]) for d in designs]})
        comparison = SimpleNamespace(designs=designs, table=table, seeds=list(range(10)), paired=True, precision=0.05)
        text = winners(comparison)[0]
        assert ("**sure at 95%**" in text) == sure, text
        assert ("The verdict needs no more replicates; to measure the difference's size within ±5%, about " in text) == sure
        assert ("To measure the difference within ±5%, about " in text) == (not sure), text
    # sure, yet too small to measure within ±5% in 10,000 replicates: still no doubt cast on the verdict
    rng = np.random.default_rng(1)
    a = 50_000 + rng.normal(0, 1_000, 400)
    b = a + 300 + rng.normal(0, 1_000, 400)   # paired half-width about 98; ±5% of 300 needs about 17,000
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=runs(values))
               for name, values in (("a", a), ("b", b))]
    table = pd.DataFrame({"metric": ["incremental_value"] * 2, "design": ["a", "b"], "mean": [a.mean(), b.mean()]})
    text = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(400)), paired=True, precision=0.05))[0]
    assert "**sure at 95%**" in text and "too small next to the spread" not in text, text
    assert "The verdict needs no more replicates; to measure the difference's size within ±5%, more than 10,000" in text


def test_two_designs_with_the_same_mean_are_said_to_tie_not_one_to_be_best():
    """'org-milestone is best (5.08) against org-milestone-noreminder (5.08)' named a
    winner where the means were equal and the runs were not; the sentence now says the
    two tie on the mean."""
    from types import SimpleNamespace

    import numpy as np

    from simulator.report.compare import winners

    runs = lambda values: pd.DataFrame({"replicate": range(len(values)), "incremental_value": values})  # noqa: E731
    a = np.array([4.0, 6.0, 5.0, 7.0, 3.0, 5.0])
    b = np.array([6.0, 4.0, 5.0, 3.0, 7.0, 5.0])   # the same mean, other values
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=runs(values))
               for name, values in (("a", a), ("b", b))]
    table = pd.DataFrame({"metric": ["incremental_value"] * 2, "design": ["a", "b"], "mean": [a.mean(), b.mean()]})
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    assert "tie on the mean (5," in text and "is best" not in text and "**not distinguishable**" in text, text


def _crowned(rng, means: dict[str, float], spreads: dict[str, float], names=None) -> tuple[bool, dict]:
    """One synthetic comparison of 10 paired replicates (a shared luck of sd 10, each
    design's own of ``spreads``): whether decide() calls its best "sure at 95%"."""
    from types import SimpleNamespace

    from simulator.compare import decide

    common = rng.normal(0, 10, 10)
    values = {k: means[k] + common + rng.normal(0, spreads[k], 10) for k in means}
    designs = [SimpleNamespace(scenario=design(10, k), runs=pd.DataFrame({"replicate": range(10), "incremental_value": v}))
               for k, v in values.items() if names is None or k in names]
    decision = decide(SimpleNamespace(designs=designs, paired=True))
    return not decision.not_told_apart, values


def test_sure_at_95_percent_means_ahead_of_every_other_design_together():
    """Two designs equally best (A, and C with a wide spread) and one behind (B). Tested
    against the runner-up by mean alone, A or C was called "sure at 95%" in about a
    quarter of comparisons (when C's mean fell below B's, C was never tested); the best
    is now tested against every other design, together at 95% (Holm), so a "sure" that
    is wrong (the tie is real) comes about 5% of the time, as with A and C alone: 2.5%
    for each of the two that can be wrongly crowned. 2,000 synthetic comparisons of 10
    paired replicates, seed fixed; tolerance: 6.5%, 5% plus 3 binomial SE (0.49%); the
    old rule's rate is checked above 15% so that the case is one where the rule matters."""
    rng = np.random.default_rng(1)
    wrong = wrong_before = 0
    for _ in range(2000):
        sure, values = _crowned(rng, {"A": 100, "B": 96, "C": 100}, {"A": 2, "B": 2, "C": 15})
        wrong += sure
        best, runner_up = sorted(values, key=lambda k: -values[k].mean())[:2]
        wrong_before += paired_difference(values[runner_up], values[best])["diff_ci_low"] > 0
    assert wrong / 2000 <= 0.065 and wrong_before / 2000 > 0.15, (wrong, wrong_before)


def test_a_design_far_behind_does_not_change_the_verdict_on_the_close_contest():
    """Adding the no-program yardstick to a comparison of two rewards turned "sure at
    95%" into "not told apart" (Bonferroni: the close contest was tested at 97.5%). A
    design far behind is now tested first, where it passes, and the close contest at
    95% as with the two alone: the verdict is the same in each of 400 synthetic
    comparisons (seed fixed) where the third design is 50 behind (noise sd about 7 a
    replicate). With two equally good designs and three far behind, a wrong "sure" comes
    about 5% of the time (2,000 comparisons; tolerance 6.5%, 5% plus 3 binomial SE)."""
    rng = np.random.default_rng(2)
    differ = sure_alone = 0
    for _ in range(400):
        state = rng.bit_generator.state
        with_far, _ = _crowned(rng, {"A": 100, "C": 97, "far": 50}, {"A": 5, "C": 5, "far": 5})
        rng.bit_generator.state = state   # the same draws, the far design left out
        alone, _ = _crowned(rng, {"A": 100, "C": 97, "far": 50}, {"A": 5, "C": 5, "far": 5}, names=("A", "C"))
        differ += with_far != alone
        sure_alone += alone
    assert differ == 0 and 0.1 < sure_alone / 400 < 0.9, (differ, sure_alone)   # a contest where the verdict varies
    tied = {"A": 100, "C": 100, "x": 50, "y": 50, "z": 50}
    wrong = sum(_crowned(rng, tied, dict.fromkeys(tied, 5))[0] for _ in range(2000))
    assert wrong / 2000 <= 0.065, wrong


def test_a_copy_of_a_design_does_not_change_the_verdict():
    """A design listed twice (another name, or a setting that changes no run: the same
    values in every replicate) is one test, not two. A copy of the runner-up, or of the
    best, made Holm test the close contest at 97.5% instead of 95%: `refsim compare` of
    double-sided-credit against single-sided-cash said "sure at 95%", and with a renamed
    copy of either file beside them "not told apart from single-sided-cash". Here the
    paired t statistic of the best's lead is 2.8 on 5 degrees of freedom: outside the 95%
    interval (t 2.57), inside the 97.5% one (t 3.16)."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph, verdict_line

    rng = np.random.default_rng(4)
    a = 100 + rng.normal(0, 10, 6)
    d = np.arange(6.0) - 2.5
    d = d / (d.std(ddof=1) / math.sqrt(6)) + 2.8   # the lead: t = mean / (sd / √n) = 2.8 exactly
    values = {"a": a, "b": a - d}

    def comparison(names):
        designs = [SimpleNamespace(scenario=design(10, name), runs=pd.DataFrame(
            {"replicate": range(6), "incremental_value": values[name.removesuffix("-copy")]})) for name in names]
        return SimpleNamespace(designs=designs, paired=True)

    alone = decide(comparison(["a", "b"]))
    assert alone.best == "a" and alone.not_told_apart == () and alone.diff_level == 0.95
    for names in (["a", "b", "b-copy"], ["b-copy", "a", "b"]):
        decision = decide(comparison(names))
        assert decision.best == "a" and decision.not_told_apart == (), (names, decision)
        assert decision.diff_level == 0.95 and decision.diff_ci_low == alone.diff_ci_low, (names, decision)
        assert "sure at 95%" in verdict_line(comparison(names))
        assert "tested against the 2 other designs" not in decision_paragraph(comparison(names), decision)[0]
    # a copy of the best is a tie, named as one; the runner-up is the next design that differs, here told apart
    # ('against the runner-up a-copy: 0 [0, 0] (not told apart from a-copy ... with these replicates)' was said)
    decision = decide(comparison(["a", "a-copy", "b"]))
    assert decision.tied_with == ("a-copy",) and decision.not_told_apart == (), decision
    assert decision.runner_up == "b" and decision.diff_ci_low == alone.diff_ci_low, decision
    # and ahead of the rest, as report.md says: the console's "tied with a-copy" alone read as nothing decided
    assert verdict_line(comparison(["a", "a-copy", "b"])).endswith("tied with a-copy; sure at 95% against the other")
    # with only copies besides the best, the runner-up is the copy, a tie
    assert decide(comparison(["a", "a-copy"])).runner_up == "a-copy"
    # and neither the console nor report.md weighs the best against it ('against the runner-up a-copy: 0,
    # paired 95% interval [0, 0] (not told apart from a-copy ...)' was still said when every other design was a copy)
    only = decide(comparison(["a", "a-copy"]))
    assert only.copies == ("a-copy",)
    assert "against the runner-up" not in verdict_line(comparison(["a", "a-copy"])) and "no runner-up" in verdict_line(comparison(["a", "a-copy"]))
    # ... nor names the first listed "best" where report.md says they tie (the name followed the files' order);
    # and, identical, they have no ranking to rest on assumptions (test_identical_designs_rest_on_nothing)
    assert verdict_line(comparison(["a", "a-copy"])).startswith("a and a-copy tie on "), verdict_line(comparison(["a", "a-copy"]))
    assert "best on" not in verdict_line(comparison(["a", "a-copy"]))
    paragraph = decision_paragraph(comparison(["a", "a-copy"]), only)[0]
    assert "Against the runner-up" not in paragraph and "a-copy gives a's values in every replicate" in paragraph


def test_the_verdict_line_in_a_tie_names_the_designs_not_told_apart_and_the_setup_measures_the_decisive_pair():
    """Two identical designs tied at the top, and a third 3 behind with a spread that
    cannot be told from them: the console's line said "tied with" the copy and dropped
    the third, which report.md named as not told apart. And with three designs the
    setup paragraph measured pairing against the reference only: it now gives the paired
    width for the pair the verdict rests on (by hand below: the paired t-interval of
    a − b against Welch's)."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import _decisive_pairing, verdict_line

    rng = np.random.default_rng(3)
    common = rng.normal(0, 10, 8)
    a = 100 + common + rng.normal(0, 1, 8)
    values = {"a": a, "copy": a.copy(), "b": a - 3 + rng.normal(0, 8, 8), "none": np.zeros(8)}
    designs = [SimpleNamespace(scenario=design(10, k), runs=pd.DataFrame({"replicate": range(8), "incremental_value": v}))
               for k, v in values.items()]
    comparison = SimpleNamespace(designs=designs, paired=True)
    line = verdict_line(comparison)
    assert "tied with copy, and not told apart from b at 95%" in line, line
    d = values["a"] - values["b"]
    paired = 2 * stats.t.ppf(0.975, 7) * d.std(ddof=1) / math.sqrt(8)
    welch = stats.ttest_ind(values["a"], values["b"], equal_var=False).confidence_interval(0.95)
    three = SimpleNamespace(designs=designs[1:], paired=True)   # copy, b, none: copy best, b runner-up
    text = _decisive_pairing(three, decide(three))
    ratio = paired / (welch.high - welch.low)
    assert ratio <= 0.75 and f"copy against b on `incremental_value`, the paired interval is narrower ({ratio:.0%} of " in text, text
    # a pair whose outcomes part ways: its paired interval is called wider, not "the gain" (137% read as one)
    values = {"best": 100 + common, "next": 97 - common + rng.normal(0, 1, 8), "none": np.zeros(8)}
    apart = SimpleNamespace(designs=[SimpleNamespace(scenario=design(10, k), runs=pd.DataFrame(
        {"replicate": range(8), "incremental_value": v})) for k, v in values.items()], paired=True)
    text = _decisive_pairing(apart, decide(apart))
    assert "the paired interval is wider (" in text and "the gain" not in text, text


def test_a_metric_both_have_in_one_replicate_is_said_to_have_no_interval():
    """K defined in one replicate of three in both designs read 'paired 95% interval [–, –]
    includes 0': an interval that is not there includes nothing. It now says why there is
    none (an interval needs two replicates)."""
    from types import SimpleNamespace

    import numpy as np

    from simulator.report.compare import winners

    nan = float("nan")
    runs = lambda values: pd.DataFrame({"replicate": range(len(values)), "k_factor": values})  # noqa: E731
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=40), runs=runs(values))
               for name, values in (("a", [0.2, nan, nan]), ("b", [0.1, nan, nan]))]
    table = pd.DataFrame({"metric": ["k_factor"] * 2, "design": ["a", "b"],
                          "mean": [np.nanmean(d.runs["k_factor"]) for d in designs]})
    comparison = SimpleNamespace(designs=designs, table=table, seeds=[1, 2, 3], paired=True, precision=0.05)
    text = winners(comparison)[0]
    assert "no interval, as both designs have the metric in only 1 replicate (an interval needs 2): **not " \
           "distinguishable**" in text and "includes 0" not in text, text


def test_means_a_rounding_apart_tie_and_the_first_listed_is_named_first():
    """The same values in another order have means 1 ulp apart ([0.1, 0.2, 0.3] sums to
    0.6000000000000001, [0.3, 0.2, 0.1] to 0.6): the tie test was exact equality, so one of
    two equal designs was named best, and which one followed the rounding, not the order
    listed."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import winners

    up, down = [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]
    assert sum(up) != sum(down)   # the premise: summed in another order, the same values differ in their last bit

    def design(name, values):
        runs = pd.DataFrame({"replicate": range(3), "cumulative_profit": values, "incremental_value": values})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=runs)

    for first, second in ((up, down), (down, up)):
        pair = SimpleNamespace(designs=[design("a", first), design("b", second)], paired=True)
        decision = decide(pair, metric="cumulative_profit")
        assert (decision.best, decision.tied_with) == ("a", ("b",)), decision
        table = pd.DataFrame({"metric": ["incremental_value"] * 2, "design": ["a", "b"],
                              "mean": [float(np.mean(first)), float(np.mean(second))]})
        (text,) = winners(SimpleNamespace(designs=pair.designs, table=table, seeds=[0, 1, 2], paired=True,
                                          precision=0.05))
        assert "**a** and b tie on the mean" in text and "is best" not in text, text


def test_means_near_zero_a_rounding_apart_tie_and_every_design_in_a_tie_is_named():
    """The rounding of a sum follows the values summed, not their mean: [1000.1, -1000.3,
    0.2] in two orders has means 2.3e-14 and 3.8e-14 apart, which a tolerance relative to
    the means alone called different. And with three designs on one mean, "Who wins" read
    "a and b tie", leaving c out."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import winners

    first, second = [1000.1, -1000.3, 0.2], [0.2, 1000.1, -1000.3]
    assert np.mean(first) != np.mean(second)   # the premise: the two orders round apart

    def design(name, values):
        runs = pd.DataFrame({"replicate": range(3), "cumulative_profit": values, "incremental_value": values})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=runs)

    pair = SimpleNamespace(designs=[design("a", first), design("b", second)], paired=True)
    assert decide(pair, metric="cumulative_profit").tied_with == ("b",)
    three = [design("a", [4.0, 6.0, 5.0]), design("b", [6.0, 4.0, 5.0]), design("c", [5.0, 5.0, 5.0])]
    table = pd.DataFrame({"metric": ["incremental_value"] * 3, "design": ["a", "b", "c"], "mean": [5.0, 5.0, 5.0]})
    (text,) = winners(SimpleNamespace(designs=three, table=table, seeds=[0, 1, 2], paired=True, precision=0.05))
    assert "**a**, b and c tie on the mean" in text, text


def test_every_design_identical_to_the_best_is_named():
    """Four designs all paying back on day 1 read "payback_day: cash-purchase and
    cash-milestone give identical results on every replicate", as if the other two
    differed; every copy of the best is named, and a design that differs is said to."""
    from types import SimpleNamespace

    from simulator.report.compare import winners

    def design(name, values):
        return SimpleNamespace(scenario=small(name=name, days=90),
                               runs=pd.DataFrame({"replicate": range(3), "incremental_value": values}))

    def sentence(values_by_name):
        designs = [design(name, values) for name, values in values_by_name.items()]
        table = pd.DataFrame({"metric": ["incremental_value"] * len(designs), "design": list(values_by_name),
                              "mean": [float(np.mean(v)) for v in values_by_name.values()]})
        (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=[0, 1, 2], paired=True, precision=0.05))
        return text

    text = sentence({"a": [1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0], "c": [1.0, 1.0, 1.0], "d": [1.0, 1.0, 1.0]})
    assert "a, b, c and d give identical results on every replicate." in text, text
    # a copy of the best is a tie, and the next design is the runner-up, with its difference and verdict: the line
    # said only "a and b give identical results; c differs from them", no best named, nor how far c was behind
    text = sentence({"a": [5.0, 6.0, 7.0], "b": [5.0, 6.0, 7.0], "c": [1.0, 2.0, 3.0]})
    assert text.startswith("- **incremental_value**") and "**a** and b tie on the mean (6" in text, text
    assert "a − c = 4" in text and "higher is better; b gives a's values in every replicate)" in text, text
    assert "excludes 0: **sure at 95%**" in text, text   # ahead of c; b, a's copy, is no design to be told apart from
    # ties in order as listed, as decide ranks them (the console named a as runner-up where this line named b)
    text = sentence({"c": [1.0, 2.0, 3.0], "a": [5.0, 6.0, 7.0], "b": [5.0, 6.0, 7.0], "d": [1.0, 2.0, 3.0]})
    assert "**a** and b tie on the mean" in text and "a − c = 4" in text, text


def test_compare_of_one_replicate_says_once_that_it_has_no_interval(tmp_path):
    """A comparison of one replicate printed '95% CI – – –  (unpaired – – –)' on every
    difference line, the glitch run's headline had lost; it now says once that one
    replicate gives no interval, and two print theirs."""
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    b = write_design(tmp_path / "b.yaml", 30, "thirty", seed=5)

    def console(replicates):
        result = runner.invoke(app, ["compare", str(a), str(b), "--replicates", str(replicates), "--executor", "serial",
                                     "--out", str(tmp_path / f"cmp{replicates}")])
        assert result.exit_code == 0, result.output
        return result.output

    once = console(1)
    assert "– –" not in once and once.count("one replicate gives no interval (compare --replicates 2 or more") == 1
    assert "  incremental_value  thirty - ten: " in once
    twice = console(2)
    assert "one replicate gives no interval" not in twice and "paired 95% CI " in twice and "(unpaired " in twice


def test_budgets_that_end_the_asks_early_are_named_among_what_the_ranking_rests_on(tmp_path):
    """2,000 B2B accounts asked at launch spent a $30,000 budget by day 55-80 of 730, and
    end_program, the default, ended the asks: the ranking of the designs followed that
    ending (with rewards_only two of them could no longer be told apart), and the note on
    what the ranking rests on named only the sizes the model assumes. Here a $40 budget
    runs out within weeks (checked below) in the design that ends with it; report.md's
    note names it, its day, the default and the launch ask, and the console's note line
    says it too. A design whose asks go on (rewards_only) and one whose budget lasts are
    not named, and two such designs alone get no such note."""
    base = dict(days=120, population={"size": 1500, "initial_customers": 150})
    files = []
    for name, budget in (("ends", {"budget": 40}), ("asks-on", {"budget": 40, "on_budget_exhausted": "rewards_only"}),
                         ("lasts", {"budget": 10_000_000})):
        data = small(name=name, **base).model_dump(mode="json", exclude_unset=True)
        data["program"]["timing"] = {"kind": "at_purchase"}
        data["program"]["incentive"].update(budget)
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data))
        files.append(path)

    def compare(paths, out):
        result = runner.invoke(app, ["compare", *map(str, paths), "--replicates", "3", "--seed", "4", "--out", str(out)])
        assert result.exit_code == 0, result.output
        return result.stdout, (out / "report.md").read_text(), json.loads((out / "summary.json").read_text())

    console, report, summary = compare(files, tmp_path / "all")
    assert summary["ends"]["budget_exhausted_day"]["n"] == 3 and summary["ends"]["budget_exhausted_day"]["p97_5"] < 60
    assert summary["lasts"]["budget_exhausted_day"]["n"] == 0
    (note,) = [line for line in report.splitlines() if "budgets ran out in the first half" in line]
    runs = pd.read_csv(tmp_path / "all" / "runs.csv")
    days = sorted(runs.loc[runs["scenario"] == "ends", "budget_exhausted_day"])
    day = int(days[1])   # the median of 3 runs
    assert f"first half of the 120-day horizon (ends on day {day}, the day by which half the runs had run out)" in note, note
    ending = note.split("`refsim sensitivity")[0]   # the command names every file
    assert "end_program, the default, ended the asks" in ending and "asks-on" not in ending and "lasts on day" not in ending
    assert "ends also asks the 150 customers there at launch, each once in the launch's first days" in note and "once, the default)" in note
    assert "rewards_only" in note and note.startswith("- The ranking rests on what the model is told here:")
    # the budgets differ, and the credit's assumed cost sets how long each lasts: the one range to test
    assert "face value (`program.cost_shares.credit`: set it to your own cost), which sets how long a budget lasts;" in note
    assert "--uncertain program.cost_shares.credit=0.2:1 --replicates 3" in note, note
    (line,) = [line for line in console.splitlines() if "budgets that ran out early" in line]
    assert f"(the day by which half the runs had run out, of a 120-day horizon: ends {day}; on_budget_exhausted end_program; " in line and "`" not in line
    console, report, _ = compare(files[1:], tmp_path / "on")
    assert "budgets ran out" not in report and "budgets that ran out" not in console


def test_a_milestone_design_whose_asks_ended_before_its_milestone_is_said_to_say_little_about_milestones(tmp_path):
    """A $30,000 budget ran out on day 55 of 730 with end_program, the default: the 90-day
    milestone design asked nobody at its milestone, and the report said the ranking rested on
    the milestone's moment. Here a $40 budget runs out within weeks (checked below):
    the milestone design's note is in report.md and on the console; the design asking at
    purchase gets none, nor does the milestone design once its asks go on (rewards_only) or
    once its milestone comes before the budget's end."""
    base = dict(days=120, population={"size": 1500, "initial_customers": 150},
                program={"launch": {"ask_existing": "once"}})
    files = []
    for name, timing, budget in (("milestone", {"kind": "milestone", "delay_days": 60, "schedule": "fixed"}, {}),
                                 ("purchase", {"kind": "at_purchase"}, {}),
                                 ("milestone-on", {"kind": "milestone", "delay_days": 60, "schedule": "fixed"},
                                  {"on_budget_exhausted": "rewards_only"}),
                                 ("milestone-soon", {"kind": "milestone", "delay_days": 1, "schedule": "fixed"}, {})):
        scenario = small(name=name, **base)
        data = scenario.model_dump(mode="json", exclude_unset=True)
        data["program"]["timing"] = timing
        data["program"]["incentive"].update({"budget": 40, **budget})
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data))
        files.append(path)
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", *map(str, files), "--replicates", "3", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    for name in ("milestone", "milestone-soon"):   # the budget ran out well before day 60 in the designs that end
        assert summary[name]["budget_exhausted_day"]["n"] == 3 and summary[name]["budget_exhausted_day"]["p97_5"] < 60
    report = (out / "report.md").read_text()
    said = [line for line in report.splitlines() if "-day wait to its milestone" in line]
    assert len(said) == 1 and said[0].startswith("- milestone's asks ended with its budget on day"), said
    assert "within the 60-day wait" in said[0] and "rewards_only" in said[0]
    console = [line for line in result.stdout.splitlines() if "wait to its milestone" in line]
    assert len(console) == 1 and console[0].strip().startswith("milestone: asks ended with its budget"), console
    assert "`" not in console[0]


def test_a_compare_with_set_says_so_in_its_report(tmp_path):
    """A decision read for a 3,000-person, fraud-free world named neither change: only the
    manifest recorded the --set items. report.md now names them, as run's does."""
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    b = write_design(tmp_path / "b.yaml", 30, "thirty", seed=5)
    c = write_design(tmp_path / "c.yaml", 20, "twenty", seed=5)
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(a), str(b), str(c), "-r", "2", "--set", "days=40", "--set",
                                 "fraud.share=0", "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert ("Every design was changed with --set: `days=40`, `fraud.share=0`; the files' descriptions and names are "
            "their own.") in (out / "report.md").read_text()
    # three designs: a line's 'better' at 95% on its own beside a verdict tested together is reconciled
    assert "each line against ten at 95% on its own; the 'best on' verdict tests the best against every other design " \
           "together" in " ".join(result.stdout.split())


@pytest.mark.parametrize("paired", [True, False])
def test_a_difference_interval_stops_where_no_two_runs_can_differ(paired):
    """A $400 budget's spend against no program read "paired 95% CI 367.7 – 402.3" on the
    console and in comparison.csv, more than the budget can pay, where summary.csv cut
    the same spend to 400; a payback's difference could reach past the horizon. Each
    design's values lie between the metric's floor and its ceiling, so a difference lies
    between one's floor less the other's ceiling and one's ceiling less the other's
    floor (closed forms below); the mean and a verdict inside those bounds stay."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table

    budgeted = small(name="capped", days=90, program={"incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                                     "referee_reward": 10, "budget": 600}})
    spend = [600.0, 590.0, 600.0, 480.0]
    none = SimpleNamespace(scenario=small(name="none", days=90, program={"incentive": {"kind": "none"}}),
                           runs=pd.DataFrame({"replicate": range(4), "reward_cost": 0.0, "payback_day": np.nan}))
    capped = SimpleNamespace(scenario=budgeted, runs=pd.DataFrame({"replicate": range(4), "reward_cost": spend,
                                                                  "payback_day": [1.0, 1.0, 2.0, 90.0]}))
    row = comparison_table([none, capped], paired=paired).set_index(["design", "metric"]).loc[("capped", "reward_cost")]
    assert row["diff_mean"] == pytest.approx(567.5)
    assert row["diff_ci_high"] == 600.0 and row["diff_ci_low"] < 567.5   # the t-interval alone: 567.5 + 95.4
    if paired:
        assert row["unpaired_ci_high"] == 600.0
    # the other way round: no program less a design that spends at most 600
    row = comparison_table([capped, none], paired=paired).set_index(["design", "metric"]).loc[("none", "reward_cost")]
    assert row["diff_ci_low"] == -600.0 and row["verdict"] == "lower"
    # against a design with no reward on offer, which spends nothing: a spend's difference is at least 0 (a fraud
    # cost's read [-6.82, 16.8] beside the design's own [0, 16.8])
    fakes = [0.0, 0.0, 0.0, 20.0]
    unbudgeted = SimpleNamespace(scenario=small(name="open", days=90, program={"incentive": {
        "kind": "single_sided", "referrer_reward": 10}}), runs=pd.DataFrame({"replicate": range(4), "fraud_cost": fakes}))
    none.runs["fraud_cost"] = 0.0
    row = comparison_table([none, unbudgeted], paired=paired).set_index(["design", "metric"]).loc[("open", "fraud_cost")]
    assert row["diff_ci_low"] == 0.0 and row["diff_mean"] == 5.0
    # and fake accounts, which come only while a reward is on offer ([-0.141, 1.39] beside the design's own [0, 1.39])
    none.runs["fake_accounts"], unbudgeted.runs["fake_accounts"] = 0.0, [0.0, 0.0, 0.0, 2.0]
    row = comparison_table([none, unbudgeted], paired=paired).set_index(["design", "metric"]).loc[("open", "fake_accounts")]
    assert row["diff_ci_low"] == 0.0 and row["diff_mean"] == 0.5
    # and tracked referrals, which need a program's link: none without one ([-2.30, 6.30] against no program)
    nothing = SimpleNamespace(scenario=small(name="nothing", days=90, program={"incentive": {"kind": "none"},
                                                                                "timing": {"kind": "never"}}),
                              runs=pd.DataFrame({"replicate": range(4), "referred_customers": 0.0}))
    unbudgeted.runs["referred_customers"] = [0.0, 0.0, 6.0, 2.0]
    row = comparison_table([nothing, unbudgeted], paired=paired).set_index(["design", "metric"]).loc[
        ("open", "referred_customers")]
    assert row["diff_ci_low"] == 0.0 and row["diff_mean"] == 2.0
    # a payback between day 1 and the day after the horizon (91, never): two can differ by 90 at most
    twin = SimpleNamespace(scenario=budgeted.model_copy(update={"name": "twin"}),
                           runs=pd.DataFrame({"replicate": range(4), "payback_day": [np.nan, np.nan, np.nan, 1.0]}))
    row = comparison_table([twin, capped], paired=paired).set_index(["design", "metric"]).loc[("capped", "payback_day")]
    assert row["diff_ci_low"] == -90.0 and row["diff_ci_high"] <= 90.0


def test_a_program_cost_that_is_the_reward_spend_stops_at_the_budget_in_every_table():
    """comparison.csv and a sweep's points.csv cut reward_cost's interval at a total
    budget of 600 but not program_cost's (605, 632), though the two were equal in every
    run (no lever costs anything): summary.csv of the same compare cut both. Where the
    levers cost something the budget caps the rewards only. A budget's day is day 1 at
    the earliest: its interval was cut at 0."""
    from types import SimpleNamespace

    from simulator.compare import comparison_table
    from simulator.runner import interval

    budgeted = small(name="capped", days=90, program={"incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                                     "referee_reward": 10, "budget": 600}})
    spend = [600.0, 590.0, 600.0, 480.0]
    runs = pd.DataFrame({"replicate": range(4), "reward_cost": spend, "program_cost": spend})
    reference = SimpleNamespace(scenario=budgeted.model_copy(update={"name": "reference"}), runs=runs)
    free = SimpleNamespace(scenario=budgeted, runs=runs)
    plain = interval(np.array(spend))
    assert plain["ci_high"] > 600   # the t-interval alone reaches past the budget
    table = comparison_table([reference, free]).set_index(["design", "metric"])
    assert table.loc[("capped", "program_cost"), "ci_high"] == table.loc[("capped", "reward_cost"), "ci_high"] == 600
    levers = SimpleNamespace(scenario=budgeted, runs=runs.assign(program_cost=[s + 40 for s in spend]))
    table = comparison_table([reference, levers]).set_index(["design", "metric"])
    assert table.loc[("capped", "program_cost"), "ci_high"] > 600
    assert interval(np.array([1.0, 1.0, 9.0]), metric="budget_exhausted_day")["ci_low"] == 1.0
    # program_k is K less the twin's K of 0 (no tracked referrals without a program): never below 0, as K is not;
    # its interval reached -0.046 beside k_factor's 0 for the same values
    ks = np.array([0.0, 0.1, 0.36])
    assert interval(ks, metric="program_k")["ci_low"] == interval(ks, metric="k_factor")["ci_low"] == 0.0


def test_a_leader_on_the_mean_says_which_design_is_best_more_often():
    """double-sided-credit led on value, "best in 2 of the 6 replicates", and the report
    never said budget-capped-campaign was best in the other 4. decide records the designs
    best in more replicates than the leader, counted by hand here (a big win in one
    replicate against small losses in three), and the headline names them."""
    from types import SimpleNamespace

    from simulator.compare import decide

    def runs(name, values):
        frame = pd.DataFrame({"replicate": range(len(values)), "cumulative_profit": values})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=frame)

    # big: 100, 0, 0, 0 (mean 25); steady: 10, 5, 5, 5 (mean 6.25, best in 3 of 4); low: 0 everywhere
    designs = [runs("big", [100.0, 0.0, 0.0, 0.0]), runs("steady", [10.0, 5.0, 5.0, 5.0]), runs("low", [0.0] * 4)]
    decision = decide(SimpleNamespace(designs=designs, paired=True), metric="cumulative_profit")
    assert decision.best == "big" and decision.share_best == 0.25
    assert decision.oftener == {"steady": 0.75}
    even = [runs("big", [100.0, 0.0, 9.0, 9.0]), runs("steady", [10.0, 5.0, 5.0, 5.0])]
    assert decide(SimpleNamespace(designs=even, paired=True), metric="cumulative_profit").oftener == {}


def test_decide_ranks_a_metric_where_less_is_better_lowest_and_refuses_what_it_cannot_rank():
    """decide(comparison, metric=...) crowned the highest mean whatever the metric: on
    payback_day the design that paid back in 1 replicate of 4 (day 43) beat one that paid
    back in all 4 (days 1, 1, 1, 27); costs crowned the dearest design, and a misspelt
    metric silently decided on profit. Less is now better where it is (LOWER_IS_BETTER),
    a payback that never came counts as the day after the horizon (as compare's table
    counts it), and a cost, the dashboard's ROI or an unknown name is one line."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.errors import ScenarioError

    def runs(name, **columns):
        frame = pd.DataFrame({"replicate": range(4), "cumulative_profit": [1.0, 2.0, 3.0, 4.0], **columns})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=frame)

    nan = math.nan
    days = SimpleNamespace(designs=[runs("rarely", payback_day=[43.0, nan, nan, nan]),
                                    runs("always", payback_day=[1.0, 1.0, 1.0, 27.0])], paired=True)
    decision = decide(days, metric="payback_day")
    # 'rarely' counts 43, 91, 91, 91 (mean 79) against 'always' 7.5
    assert decision.best == "always" and decision.mean == pytest.approx(7.5) and decision.runner_up == "rarely"
    assert decision.diff_mean == pytest.approx(-(79.0 - 7.5)) and decision.share_best == 1.0 and not decision.not_told_apart
    # paid back in every run, its interval stops at the horizon (day 90), as comparison.csv's does: it read 91, the day
    # a payback that never came counts as (the t-interval of 1, 1, 85, 85 runs to 120)
    late = SimpleNamespace(designs=[runs("late", payback_day=[1.0, 1.0, 85.0, 85.0]),
                                    runs("never", payback_day=[nan] * 4)], paired=True)
    assert decide(late, metric="payback_day").ci_high == 90.0
    # and the difference from the runner-up stops at -90 days too: 1, 1, 85, 85 less 91 each is a mean of -48 with a
    # t-interval of [-125.2, 29.2] (scipy's t(0.975, 3) = 3.182 times 48.5 / 2)
    gap = decide(late, metric="payback_day")
    assert gap.diff_mean == pytest.approx(-48.0) and gap.diff_ci_low == -90.0
    assert gap.diff_ci_high == pytest.approx(29.17, abs=0.01)
    assert decide(SimpleNamespace(designs=[runs("once", payback_day=[1.0, 1.0, 80.0, nan]), runs("never", payback_day=[nan] * 4)],
                                  paired=True), metric="payback_day").ci_high == 91.0   # a run counted as day 91 (to 121)
    cheap = SimpleNamespace(designs=[runs("dear", cost_per_referred_customer=[9.0, 9.5, 10.0, 10.5]),
                                     runs("cheap", cost_per_referred_customer=[4.0, 4.5, 5.0, 5.5])], paired=True)
    assert decide(cheap, metric="cost_per_referred_customer").best == "cheap"
    # more is better where it is, as before
    assert decide(cheap, metric="cumulative_profit").tied_with == ("cheap",)
    refused = {"reward_cost": "not ranked", "attributed_roi": "never a verdict", "incremntal_value": "did you mean 'incremental_value'",
               "incremental_profit": "baseline=True"}
    for metric, words in refused.items():
        with pytest.raises(ScenarioError) as error:
            decide(days, metric=metric)
        assert words in str(error.value) and "metric" in str(error.value) and "\n" not in str(error.value), str(error.value)
    # the valid metrics an unknown name is told of are those decide ranks: it listed reward_cost, then refused it
    with pytest.raises(ScenarioError) as error:
        decide(days, metric="nope")
    valid = str(error.value).split("valid metrics: ")[1].split(", ")
    assert "incremental_value" in valid and not {"reward_cost", "fraud_cost", "attributed_roi"} & set(valid)
    # without the twins, the verdict metric falls back to profit, as documented
    assert decide(days).metric == "cumulative_profit"
    # the report's paragraph words the verdict metric's decision only: "always has the highest profit" of a payback day
    from simulator.report.compare import decision_paragraph

    assert "the highest profit" in decision_paragraph(days, decide(days))[0]
    with pytest.raises(ValueError, match="not on payback_day"):
        decision_paragraph(days, decision)


def test_decide_on_a_ratio_a_design_leaves_undefined_everywhere_names_the_defined_best_alone():
    """A design with no program cost has no incremental_roi in any replicate. Listed
    first, decide gave no verdict at all; listed later, the best was said to tie with it
    (its mean, -inf for "none", was within 1e-9 x inf of every mean), though compare's
    report named the best alone."""
    from types import SimpleNamespace

    from simulator.compare import decide, same_mean

    def runs(name, roi):
        frame = pd.DataFrame({"replicate": range(4), "cumulative_profit": [1.0, 2.0, 3.0, 4.0], "incremental_roi": roi})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=frame)

    nan = math.nan
    free, low, high = runs("free", [nan] * 4), runs("low", [6.0, 7.0, 7.5, 8.0]), runs("high", [40.0, 42.0, 44.0, 45.0])
    for designs in ([free, high, low], [high, low, free], [low, free, high]):
        decision = decide(SimpleNamespace(designs=designs, paired=True), metric="incremental_roi")
        assert decision is not None and decision.best == "high" and decision.tied_with == (), designs
        assert decision.runner_up == "low" and decision.share_best == 1.0
    assert not same_mean(-math.inf, 7.0) and same_mean(-math.inf, -math.inf) and same_mean(1.0, 1.0 + 1e-12)


def test_decide_and_the_report_rank_a_cost_per_extra_customer_by_the_replicates_that_added_any_first():
    """incremental_cac is undefined in a replicate where the program added nobody, the
    worst outcome for it: decide named best a design whose cost came from one replicate
    of four. The designs where it is defined in the most replicates come first
    (metrics.UNDEFINED_IS_WORST), in decide and in the report's per-metric sentences."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import winners

    def runs(name, cac):
        frame = pd.DataFrame({"replicate": range(4), "cumulative_profit": [1.0, 2.0, 3.0, 4.0], "incremental_cac": cac})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=frame)

    nan = math.nan
    designs = [runs("rarely", [0.5, nan, nan, nan]), runs("always", [4.0, 5.0, 4.5, 5.5])]
    table = pd.DataFrame([{"design": d.scenario.name, "metric": "incremental_cac", "mean": float(np.nanmean(d.runs["incremental_cac"]))}
                          for d in designs])
    both = SimpleNamespace(designs=designs, paired=True, table=table, seeds=list(range(4)), precision=0.05)
    assert decide(both, metric="incremental_cac").best == "always"
    (sentence,) = winners(both)
    # no verdict (undefined in some replicates of one design only), but named in that order
    assert "**no verdict**" in sentence and "(always 4.75, rarely 0.5" in sentence and "always − rarely" in sentence, sentence


def test_the_verdict_says_a_budget_ran_out_after_the_asks_had_ended_not_that_it_ended_them():
    """A campaign's last ask on day 97 and its budget spent on day 244 by links still
    shared: the verdict said "its asks ended with it", and pointed at rewards_only, which
    would have asked nobody more. A design still asking on the day it ran out is said, as
    before, to have had its asks ended with it."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph

    def design(name, profit, last_ask):
        scenario = small(name=name, days=120, program={"incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                                     "referee_reward": 10, "budget": 200},
                                                       "timing": {"kind": "campaign", "days": [last_ask]}})
        runs = pd.DataFrame({"replicate": range(2), "cumulative_profit": profit, "budget_exhausted_day": [60.0, 60.0]})
        asks = pd.DataFrame({"replicate": [0] * 3 + [1] * 3, "day": [0, last_ask, 100] * 2, "asks": [0, 4, 0, 0, 3, 0]})
        return SimpleNamespace(scenario=scenario, runs=runs, timeseries=asks)

    ended = SimpleNamespace(designs=[design("a", [5.0, 6.0], 20), design("b", [1.0, 2.0], 20)], paired=True)
    (text,) = decision_paragraph(ended, decide(ended))
    assert text.endswith("Its budget ran out on day 60 (median) in 100% of replicates, after its asks had ended (the "
                         "last on day 20)."), text
    asking = SimpleNamespace(designs=[design("a", [5.0, 6.0], 80), design("b", [1.0, 2.0], 80)], paired=True)
    assert "in 100% of replicates, and its asks ended with it (`on_budget_exhausted` is end_program unless set" in \
        decision_paragraph(asking, decide(asking))[0]


def test_tracked_referrals_told_apart_on_the_same_customers_are_said_to_measure_attribution():
    """A reward of one cent beside none, no asks in either: the same customers in every
    replicate, yet referred customers (+33), referred share and both K's were 'better',
    sure at 95%, with no word: a reward on offer labels word of mouth as tracked. The
    note names the design with more tracked referrals, the metrics, and what to judge by;
    designs whose customers differ too, or tracked metrics not told apart, get none."""
    from types import SimpleNamespace

    from simulator.report.compare import relabel_note

    def table(customers, referred, program_k="unclear", diff=33.0):
        rows = [("none", m, math.nan, "") for m in ("customers_final", "referred_customers", "program_k")]
        rows += [("cent", "customers_final", 0.0, customers), ("cent", "referred_customers", diff, referred),
                 ("cent", "program_k", diff / 100, program_k)]
        return SimpleNamespace(reference="none", table=pd.DataFrame(rows, columns=["design", "metric", "diff_mean", "verdict"]))

    (note,) = relabel_note(table("same", "better", "better"))
    assert note.startswith("cent has more tracked referrals than none (`referred_customers`, `program_k` told apart) "
                           "while their customers are the same (`customers_final` same)") and "`incremental_value`" in note
    (line,) = relabel_note(table("same", "worse", diff=-20.0), console=True)   # the reference has more
    assert line.startswith("none has more tracked referrals than cent (referred_customers told apart)") and "`" not in line
    assert relabel_note(table("better", "better")) == [] and relabel_note(table("same", "unclear")) == []
    # customers not told apart are no evidence of the same customers: asks without a reward bring real referrals
    # that three replicates left 'unclear' in customers (and 'better' at six)
    assert relabel_note(table("unclear", "better", "better")) == []


def test_a_compare_where_no_design_has_a_value_says_why_and_ranks_nothing(tmp_path):
    """With no churn and no discounting no design has a finite value: the console gave
    no verdict and no reason, then 'note: the ranking rests on sizes the model
    assumes', though nothing was ranked. It now gives report.md's reason and no such
    note."""
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for path, timing in ((a, "at_purchase"), (b, "milestone")):   # moments differ: a ranking would rest on their sizes
        data = small(name=path.stem, days=60, program={"timing": {"kind": timing}}).model_dump(mode="json",
                                                                                            exclude_none=True)
        data["churn"]["monthly_rate"], data["economics"]["annual_discount_rate"] = 0, 0
        path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["compare", str(a), str(b), "-r", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "No design has a finite value on any replicate: with no discounting (economics.annual_discount_rate: 0)" \
        in result.stdout and "ranking rests on" not in result.stdout, result.stdout
    assert "no contender" not in result.stdout   # the sentence above says it of every design


def test_a_design_without_a_value_beside_one_with_is_named_with_its_reason(tmp_path):
    """One design of infinite equity (no churn, no discounting) beside a finite one: the
    console printed no verdict and no reason, and report.md said the other 'adds the most
    value' and was 'best in 100% of the replicates' with no word of the first. Both now
    name it, no contender, with run's reason."""
    forever, leaving = tmp_path / "forever.yaml", tmp_path / "leaving.yaml"
    for path, churn in ((forever, 0), (leaving, 0.05)):
        data = small(name=path.stem, days=60).model_dump(mode="json", exclude_none=True)
        data["churn"]["monthly_rate"], data["economics"]["annual_discount_rate"] = churn, 0
        path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["compare", str(forever), str(leaving), "-r", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    said = ("forever has no finite incremental_value on any replicate, so it is no contender: with no discounting "
            "(economics.annual_discount_rate: 0) a customer who never churns (churn.monthly_rate: 0)")
    assert f"note: {said}" in result.stdout, result.stdout
    opening = (tmp_path / "o" / "report.md").read_text().split("\n\n")[1]
    assert opening.startswith("**leaving") and said.replace("(economics.annual_discount_rate: 0)",
                                                              "(`economics.annual_discount_rate: 0`)").replace(
        "(churn.monthly_rate: 0)", "(`churn.monthly_rate: 0`)") in opening, opening
    # beside two with a value, it is left out of the sensitivity command printed (which refused it: infinite there),
    # and so are the ranges only it needed (its reminders, where the other two remind alike)
    paying = tmp_path / "paying.yaml"
    data = yaml.safe_load(leaving.read_text())
    data["name"], data["program"]["incentive"]["referrer_reward"] = "paying", 30
    paying.write_text(yaml.safe_dump(data))
    data = yaml.safe_load(forever.read_text())
    data["program"]["timing"]["reminders"]["count"] = 0
    data["program"]["incentive"]["budget"] = 10   # and its budget, spent at once, is no budget the ranking rests on
    forever.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["compare", str(leaving), str(forever), str(paying), "-r", "2", "--out", str(tmp_path / "p")])
    line = next(l for l in result.stdout.splitlines() if "rests on sizes" in l)
    assert f"refsim sensitivity {leaving} {paying} " in line and str(forever) not in line, line
    assert "reminders" not in line and "budgets that ran out" not in line, line
    runs = pd.read_csv(tmp_path / "p" / "runs.csv")
    assert (runs.loc[runs["scenario"] == "forever", "budget_exhausted_day"] <= 30).all()   # the case: spent early
    assert "budgets ran out" not in (tmp_path / "p" / "report.md").read_text()   # as report.md says


def test_a_profit_verdict_says_how_much_of_its_lead_is_rewards_not_yet_paid():
    """compare --no-baseline ranks on profit, which counts a reward once paid: the same
    $10 + $10 paid on qualification beat it paid on signup by 1,000, of which 383 were
    rewards still owed, and nothing said so. Here 'later' leads by 10 a replicate, and
    ends with 6 + 2 = 8 more unpaid than 'sooner' (80% of its lead); where the lead is
    not in part unpaid rewards (under a tenth of it), or on incremental value (which
    counts them), nothing is said."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.errors import ScenarioError
    from simulator.report.compare import decision_paragraph, unpaid_lead_sentence

    def design(name, profit, owed, unpaid):
        frame = pd.DataFrame({"replicate": range(4), "cumulative_profit": [p + profit for p in (1.0, 2.0, 4.0, 3.0)],
                              "rewards_owed": [owed] * 4, "rewards_unpaid": [unpaid] * 4})
        return SimpleNamespace(scenario=small(name=name, days=90), runs=frame)

    comparison = SimpleNamespace(designs=[design("sooner", 100.0, 1.0, 0.0), design("later", 110.0, 7.0, 2.0)], paired=True)
    decision = decide(comparison)
    assert decision.metric == "cumulative_profit" and decision.best == "later" and decision.diff_mean == pytest.approx(10)
    # incremental value asked for by name, without the twins, was answered on profit, said by .metric alone: it is
    # refused as incremental_profit is
    for named in ("incremental_value", "incremental_profit"):
        with pytest.raises(ScenarioError, match=rf"^metric: {named} is measured against each design's no-program twin"):
            decide(comparison, metric=named)
    sentence = unpaid_lead_sentence(comparison, decision)
    assert ("later ended with 8 more than sooner of rewards its referrals had earned still unpaid (still owed), 80% of "
            "its lead of 10.") in sentence, sentence   # no budget here: not 'beyond its budget'
    assert "80% of its lead of 10" in sentence and "rerun with --baseline" in sentence
    assert sentence in decision_paragraph(comparison, decision)[0]
    # 0.9 more unpaid is under a tenth of the lead of 10: no sentence
    small_gap = SimpleNamespace(designs=[design("sooner", 100.0, 1.0, 0.0), design("later", 110.0, 1.9, 0.0)], paired=True)
    assert unpaid_lead_sentence(small_gap, decide(small_gap)) == ""
    # the lead's winner owing less: no sentence
    owes_less = SimpleNamespace(designs=[design("sooner", 100.0, 9.0, 0.0), design("later", 110.0, 1.0, 0.0)], paired=True)
    assert unpaid_lead_sentence(owes_less, decide(owes_less)) == ""


def test_a_best_design_whose_budget_ran_out_still_has_its_monthly_allowance_said():
    """Beside a total budget that ran out in some replicates, report.md's opening gave the
    budget's day and said nothing of the monthly allowance, where docs/model.md promises
    how much of it was used and what was still owed, in months of it (here 350 owed at
    100 a month: 3.5 months)."""
    from types import SimpleNamespace

    from simulator.compare import decide
    from simulator.report.compare import decision_paragraph

    def design(name, value, program):
        frame = pd.DataFrame({"replicate": range(2), "incremental_value": value, "cumulative_profit": value,
                              "budget_exhausted_day": [float("nan"), 40.0], "reward_cost": [380.0, 400.0],
                              "rewards_owed": [300.0, 400.0]})
        return SimpleNamespace(scenario=small(name=name, days=120, program=program), runs=frame, timeseries=None)

    incentive = {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "budget": 500}
    comparison = SimpleNamespace(designs=[design("capped", [100.0, 120.0], {"incentive": {**incentive, "budget_per_month": 100}}),
                                          design("plain", [10.0, 20.0], {"incentive": incentive})], paired=True)
    text = decision_paragraph(comparison, decide(comparison))[0]
    assert "Its budget ran out on day 40 (median) in 50% of replicates" in text, text
    assert "Its monthly allowance (100 a month, 400 over the 4 months begun) was 98% used on average" in text, text
    assert "at least 3.4 months of the allowance to pay, beside the 10.0 of it left unspent" in text


def test_a_cost_per_referral_of_rewards_alone_is_said_beside_levers_paid_for():
    """cost_per_referred_customer counts the rewards alone: influencers' 7.15 was 'worse,
    sure' beside 6.75 with nothing said of their $8,000 of fees (24.41 a referral with
    them). report.md now gives each lever-paying design's cost with the levers: here
    (300 + 100) / 20 = 20 a tracked referral, and nothing for a design paying rewards
    alone."""
    from types import SimpleNamespace

    from simulator.report.compare import rewards_only_cost_note

    def design(name, program_cost):
        return SimpleNamespace(scenario=small(name=name), runs=pd.DataFrame(
            {"reward_cost": [100.0, 100.0], "program_cost": program_cost, "referred_customers": [20.0, 20.0]}))

    table = pd.DataFrame({"metric": ["cost_per_referred_customer"]})
    comparison = SimpleNamespace(table=table, designs=[design("plain", [100.0, 100.0]), design("levers", [400.0, 400.0])])
    assert rewards_only_cost_note(comparison) == ("`cost_per_referred_customer` counts the rewards alone; with the levers' "
                                                  "costs too (`program_cost`) a tracked referral cost levers 20.0 on average")
    alone = SimpleNamespace(table=table, designs=[design("plain", [100.0, 100.0])])
    assert rewards_only_cost_note(alone) == ""


def test_a_budget_that_never_ran_out_says_the_levers_costs_are_outside_it():
    """A $15,000 budget "never ran out: the rewards used 2% of it" beside $18,250 of
    account managers' asks: the budget holds the rewards alone, which the sentence now
    says with the levers' cost ((400 - 100 + 500 - 100) / 2 = 350 here); a design paying
    rewards alone is told nothing more."""
    from types import SimpleNamespace

    from simulator.report.text import budget_never_ran_out

    incentive = SimpleNamespace(budget=15000.0, budget_per_month=None, paid_on="signup")
    levers = pd.DataFrame({"reward_cost": [100.0, 100.0], "program_cost": [400.0, 500.0]})
    said = budget_never_ran_out(levers, incentive, 365)
    assert said.startswith("Its budget never ran out") and said.endswith(
        "The budget holds the rewards alone: the levers' costs, 350.0 on average (`program_cost` less `reward_cost`), are "
        "paid outside it."), said
    alone = budget_never_ran_out(levers.assign(program_cost=[100.0, 100.0]), incentive, 365)
    assert alone.startswith("Its budget never ran out") and "levers" not in alone
    # a monthly allowance alone holds the rewards alone too (its "1% used" stood beside 15,003 of asks)
    monthly = SimpleNamespace(budget=None, budget_per_month=2000.0, paid_on="signup")
    said = budget_never_ran_out(levers.assign(rewards_owed=0.0), monthly, 365)
    assert said.startswith("Its monthly allowance") and said.endswith("are paid outside it."), said
    assert said.count("The budget holds the rewards alone") == 1

def test_a_winner_on_cost_per_referral_that_pays_levers_says_its_cost_with_them():
    """"cost_per_referred_customer: b2b-account-managers is best (3.53, lower is better)
    ... sure at 95%", where with its $18,250 of asks a tracked referral cost it 273.4: the
    line crowning it said nothing of that, only a note above did. The line now gives both
    designs' cost with the levers, program_cost over the referred customers' means."""
    from simulator.compare import compare
    from simulator.report import fmt
    from simulator.report.compare import winners
    from simulator.scenario_io import load_scenario

    from .conftest import SCENARIOS

    shrink = ["population.size=1500", "days=120"]
    managers = load_scenario(SCENARIOS / "b2b-account-managers.yaml", shrink)
    organization = load_scenario(SCENARIOS / "b2b-organization.yaml", shrink)
    comparison = compare([organization, managers], replicates=2, seed=1)
    line = next(line for line in winners(comparison) if line.startswith("- **cost_per_referred_customer**"))
    assert line.startswith("- **cost_per_referred_customer**: **b2b-account-managers** is best"), line
    runs = {d.scenario.name: d.runs for d in comparison.designs}
    cost = {name: r["program_cost"].mean() / r["referred_customers"].mean() for name, r in runs.items()}
    assert cost["b2b-account-managers"] > 10 * cost["b2b-organization"]
    table = comparison.table.set_index(["design", "metric"])
    theirs = table.loc[("b2b-organization", "cost_per_referred_customer"), "mean"]   # the figure the line gives above
    assert (f"It counts the rewards alone: with the levers' costs too (`program_cost`), a tracked referral cost "
            f"b2b-account-managers {fmt(cost['b2b-account-managers'])} against b2b-organization "
            f"{fmt(theirs)} (it pays no levers).") in line, line

def test_a_set_that_brings_a_lever_into_some_designs_says_so(tmp_path):
    """compare --set program.influencers.count=5 gave a design without influencers the
    whole lever at its defaults (500 a fee, reach 3x...), and report.md said only that
    every design was changed with --set: the comparison silently became one of two
    influencer designs. The console and report.md now name the design given the lever."""
    a = write_design(tmp_path / "a.yaml", 10, "ten", seed=5)
    data = yaml.safe_load(a.read_text())
    data["name"] = "ten-influencers"
    data["program"]["influencers"] = {"count": 2, "cost_each": 100}
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(b), str(a), "-r", "2", "--set", "program.influencers.count=3",
                                 "--set", "days=30", "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    said = ("`--set program.influencers.count=3` brought `program.influencers` into ten, whose file sets none, with "
            "every other key of it at its default (ten-influencers had it already): that design now has the lever.")
    assert said in (out / "report.md").read_text()
    assert "note: " + said.replace("`", "").rstrip(".") in " ".join(result.output.split())
    # a --set of a key the designs all have brings nothing in: no note
    quiet = runner.invoke(app, ["compare", str(b), str(a), "-r", "2", "--set", "days=30", "--set",
                                "program.base_share=0.2", "--out", str(tmp_path / "q"), "--executor", "serial"])
    assert quiet.exit_code == 0, quiet.output
    assert "brought `" not in (tmp_path / "q" / "report.md").read_text() and "note: --set" not in quiet.output


def test_a_plain_value_set_over_a_block_names_what_it_drops(tmp_path):
    """`--set population.initial_customers=20`, as docs/scenarios.md advises to scale a
    scenario down, replaced seeding-hubs' `{count: 100, strategy: degree}` with 20 random
    customers, and compare called the hubs design a tie with plain seeding ('0, paired
    95% CI 0 – 0 ... same'), saying nothing of the strategy it dropped. The console and
    report.md now name it; the .count form keeps it and says nothing; run says so too."""
    hubs, plain = SCENARIOS / "seeding-hubs.yaml", SCENARIOS / "double-sided-credit.yaml"
    small_sets = ["--set", "population.size=600", "--set", "days=20", "-r", "1", "--executor", "serial"]
    result = runner.invoke(app, ["compare", str(plain), str(hubs), *small_sets, "--set", "population.initial_customers=10",
                                 "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    said = ("`population.initial_customers=10` replaces seeding-hubs's `population.initial_customers` block ({count: "
            "100, strategy: degree}) with a plain value: its strategy: degree goes back to the default; give "
            "`population.initial_customers.count=...` (or the block whole) to keep it")
    assert said.replace("`", "") in " ".join(result.output.split()), result.output
    assert said in " ".join((tmp_path / "c" / "report.md").read_text().split())
    # the advice runs on seeding-hubs and on the plain-count file beside it (a count is random seeding's block)
    assert "to scale both" not in result.output, result.output
    both = runner.invoke(app, ["compare", str(plain), str(hubs), *small_sets, "--set",
                               "population.initial_customers.count=10", "--out", str(tmp_path / "c4")])
    assert both.exit_code == 0 and "replaces" not in both.output, both.output
    daily = pd.read_csv(tmp_path / "c4" / "timeseries.csv")
    assert daily[daily["day"] == 0].groupby("scenario")["customers"].max().to_dict() == {
        "double-sided-credit": 10, "seeding-hubs": 10}
    kept = runner.invoke(app, ["run", str(hubs), *small_sets, "--set", "population.initial_customers.count=10",
                               "--out", str(tmp_path / "r")])
    assert kept.exit_code == 0 and "replaces" not in kept.output, kept.output
    ran = runner.invoke(app, ["run", str(hubs), *small_sets, "--set", "population.initial_customers=10",
                              "--out", str(tmp_path / "r2")])
    assert ran.exit_code == 0 and said.replace("`", "") in " ".join(ran.output.split()), ran.output
    assert "to scale both" not in ran.output   # one file: no other to scale beside it
    # two files seeding by a block each: .count scales both, and the note does not say otherwise
    twin = tmp_path / "hubs-b.yaml"
    twin.write_text(hubs.read_text().replace("name: seeding-hubs", "name: hubs-b"))
    pair = runner.invoke(app, ["compare", str(hubs), str(twin), *small_sets, "--set", "population.initial_customers=10",
                               "--out", str(tmp_path / "c3")])
    assert pair.exit_code == 0 and "replaces" in pair.output and "to scale both" not in pair.output, pair.output
    from simulator.scenario_io import listed_ids

    ids = tmp_path / "ids.yaml"   # a list of ids refuses .count: only there is scaling a copy the way out
    ids.write_text(plain.read_text() + "\n")
    data = yaml.safe_load(ids.read_text())
    data["population"]["initial_customers"] = [1, 2, 3]
    ids.write_text(yaml.safe_dump(data))
    assert listed_ids(ids) and not listed_ids(plain) and not listed_ids(hubs)
    listed = runner.invoke(app, ["compare", str(ids), str(hubs), *small_sets, "--set", "population.initial_customers=10",
                                 "--out", str(tmp_path / "c5")])
    assert ("to keep it (a file listing its initial customers' ids takes no .count: to scale both, scale a copy of "
            "each file)" in " ".join(listed.output.split())), listed.output
    # and run's report.md, whose description still read 'picked among the best connected'
    assert said in " ".join((tmp_path / "r2" / "report.md").read_text().split())
    # nothing is lost where the block's other keys are their defaults (strategy random), nor said of person ids
    from simulator.scenario_io import replaced_blocks

    random = tmp_path / "random.yaml"
    random.write_text(hubs.read_text().replace("strategy: degree}", "strategy: random}"))
    assert "strategy: random}" in random.read_text()
    assert replaced_blocks(random, "random", ["population.initial_customers=10"]) == []
    assert replaced_blocks(hubs, "seeding-hubs", ["population.initial_customers=[1, 2, 3]"]) == []
    # a file valid only with the --set items gets its note all the same (it returned none)
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(hubs.read_text().replace("base_share: 0.2", "base_share: 1.5"))
    assert "base_share: 1.5" in invalid.read_text()
    assert len(replaced_blocks(invalid, "invalid", ["program.base_share=0.2", "population.initial_customers=10"])) == 1
    # a sweep of the file says so too (it ran on 10 random customers unsaid)
    sweep = tmp_path / "hubs-sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "hs", "base": str(hubs), "method": "grid", "replicates": 1, "seed": 5,
                                     "parameters": {"program.incentive.referrer_reward": {"values": [10, 20]}}}))
    swept = runner.invoke(app, ["sweep", str(sweep), "--set", "population.size=600", "--set", "days=10", "--set",
                                "population.initial_customers=10", "--out", str(tmp_path / "s"), "--executor", "serial"])
    assert swept.exit_code == 0 and said.replace("`", "") in " ".join(swept.output.split()), swept.output
    assert said in " ".join((tmp_path / "s" / "report.md").read_text().split())


def test_created_by_sets_names_the_unset_block_a_key_path_passes_through():
    """scenario_io.created_by_sets: the first unset block on the path, through list items;
    a key of a set block, the whole block, or a path validation refuses brings none."""
    from simulator.config import Scenario
    from simulator.scenario_io import created_by_sets

    scenario = Scenario()
    assert scenario.program.influencers is None and scenario.program.delight is None
    assert created_by_sets(scenario, ["program.influencers.count=3", "program.delight.gift=5", "days=30",
                                      "program.base_share=0.2", "program.channels.0.weight=1",
                                      "program.nosuch.key=1"]) == [
        ("program.influencers.count=3", "program.influencers"), ("program.delight.gift=5", "program.delight")]
    # the block given whole brings it in too (a walk's --set 'program.influencers={count: 5}' gave every design
    # influencers with no word); a whole block of a key that holds a value is no lever
    assert created_by_sets(scenario, ["program.influencers={count: 3}", "program.incentive={kind: none}",
                                      "population={size: 100}"]) == [("program.influencers={count: 3}",
                                                                       "program.influencers")]
    # two items of one block make one note, naming both
    from simulator.report.text import created_lever_notes

    (note,) = created_lever_notes({"a": [("program.influencers.count=3", "program.influencers"),
                                         ("program.influencers.cost_each=1", "program.influencers")]}, ["a", "b"])
    assert note.startswith("`--set program.influencers.count=3`, `--set program.influencers.cost_each=1` brought "
                           "`program.influencers` into a, whose file sets none"), note


def test_two_edge_lists_with_the_same_bytes_pair_and_two_that_differ_are_named_in_full(tmp_path):
    """A copy of graph.txt under another folder was refused as a difference of network
    (the same network, read from the same bytes), and two long paths ending apart were
    both shortened to the same 27 characters, so the refusal showed no difference."""
    import networkx as nx

    from simulator.compare import pairing_differences
    from simulator.scenario_io import load_scenario

    deep = tmp_path / "a-folder-with-a-long-name" / "and-another-one"
    deep.mkdir(parents=True)
    graph = nx.barabasi_albert_graph(200, 3, seed=1)
    for folder, name in ((tmp_path, "graph.txt"), (deep, "graph.txt"), (deep, "graph-2.txt")):
        nx.write_edgelist(graph if name == "graph.txt" else nx.barabasi_albert_graph(200, 4, seed=2), folder / name,
                          data=False)

    def design(path):
        file = tmp_path / f"{path.stem}-{path.parent.name}.yaml"
        file.write_text(yaml.safe_dump({"name": "d", "seed": 3, "days": 10, "population": {"initial_customers": 5},
                                        "network": {"kind": "edgelist", "path": str(path)}}))
        return load_scenario(file)

    here, copy, other = design(tmp_path / "graph.txt"), design(deep / "graph.txt"), design(deep / "graph-2.txt")
    assert pairing_differences(here, copy) == []
    (difference,) = pairing_differences(copy, other)
    assert difference == f"network.path ({deep / 'graph.txt'} vs {deep / 'graph-2.txt'})"
    # a key one network's kind lacks is "not set", not Python's None ("network.mean_degree (8.0 vs None)")
    generated = small(name="d", network={"kind": "erdos_renyi", "mean_degree": 8})
    difference = "; ".join(pairing_differences(generated, here))
    assert "network.mean_degree (8.0 vs not set)" in difference and f"network.path (not set vs {tmp_path / 'graph.txt'})" \
        in difference and "None" not in difference, difference


def test_a_set_of_a_key_one_designs_kind_lacks_says_how_to_vary_it_in_the_others(tmp_path):
    """The report names a friend's reward uplift as an assumption to test; set on a
    compare of a double- and a single-sided design it was refused with 'change the kind,
    or remove the key', no help in a comparison. The one-line refusal now says that a
    --set goes to every design and how to move only those that have the key."""
    from .conftest import SCENARIOS

    result = CliRunner().invoke(app, ["compare", str(SCENARIOS / "double-sided-credit.yaml"),
                                      str(SCENARIOS / "single-sided-cash.yaml"), "--set",
                                      "program.incentive.referee_max_uplift=0", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    said = result.stderr
    assert "single-sided-cash.yaml with --set program.incentive.referee_max_uplift=0" in said, said
    assert "change the kind" not in said and "a --set goes to every design of a comparison" in said, said
    assert "refsim sensitivity, which moves only the designs that have it; valid keys here:" in said, said
    assert not (tmp_path / "c").exists()


def test_a_set_into_a_block_one_designs_file_lacks_says_the_set_goes_to_every_design(tmp_path):
    """A no-program file written without a `program:` block, compared with a budgeted
    design under --set program.incentive.budget=200 (the budget question), was refused
    with "program.incentive: missing 'kind'; every block with variants needs one", a kind
    the user never wrote and no word of the --set: the one line now says the design's
    file has no such block and how to set the key in the designs that have it."""
    from .conftest import SCENARIOS

    bare = tmp_path / "none.yaml"
    bare.write_text("name: none\ndays: 30\npopulation: {size: 500, initial_customers: 5}\n")
    result = CliRunner().invoke(app, ["compare", str(bare), str(SCENARIOS / "single-sided-cash.yaml"), "--set",
                                      "program.incentive.budget=200", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    said = result.stderr
    assert "none.yaml with --set program.incentive.budget=200: program.incentive: this design's file has no " in said
    assert "(budget is a key of kinds single_sided, double_sided, tiered)" in said, said
    assert "missing 'kind'" not in said and "a --set goes to every design of a comparison" in said, said
    assert not (tmp_path / "c").exists()
    # the file alone, run with the same --set: the plain refusal (no comparison to speak of)
    alone = CliRunner().invoke(app, ["run", str(bare), "--set", "program.incentive.budget=200", "--out",
                                     str(tmp_path / "r")])
    assert alone.exit_code == 2 and "missing 'kind'" in alone.stderr, alone.stderr


def test_a_set_of_a_choice_one_designs_kind_lacks_is_not_sent_to_sensitivity(tmp_path):
    """compare's refusal of --set program.incentive.referee_reward=5 on a double- and a
    single-sided design sent the user to refsim sensitivity, which refuses a choice of
    the program (a reward size) that one design lacks. A choice is sent to design files
    of its own or optimize; an assumption (test above) still to sensitivity."""
    from .conftest import SCENARIOS

    result = CliRunner().invoke(app, ["compare", str(SCENARIOS / "double-sided-credit.yaml"),
                                      str(SCENARIOS / "single-sided-cash.yaml"), "--set",
                                      "program.incentive.referee_reward=5", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "designs that have it, one design file for each value (or search it with refsim optimize)" in result.stderr
    assert "sensitivity" not in result.stderr, result.stderr


def test_without_twins_the_roi_figure_is_captioned_as_the_dashboards_roi_alone():
    """compare --no-baseline draws roi_distribution.png with the attributed ROI alone (no
    twins, no incremental ROI), under a caption that described two panels, the first the
    incremental ROI: the one ROI a dashboard shows, no verdict, read as the verdict's. The
    caption now says it is alone and why; with the twins the two-panel caption stays.
    The adoption and acquisition-mix captions say compare draws the designs alone."""
    from pathlib import Path
    from types import SimpleNamespace

    from simulator.report.compare import _captions
    from simulator.report.text import CAPTIONS, figure_links

    twins = SimpleNamespace(designs=[SimpleNamespace(baseline_timeseries=pd.DataFrame())] * 2)
    alone = SimpleNamespace(designs=[SimpleNamespace(baseline_timeseries=None)] * 2)
    assert "roi_distribution" not in _captions(twins)   # with the twins run's two-panel caption stands
    # compare draws the designs alone in adoption.png and acquisition_mix.png: run's captions promised a line and a
    # panel per no-program twin, which a B2B lead looked for in vain
    for captions in (_captions(twins), _captions(alone)):
        assert "one line per design" in captions["adoption"] and "twin where there is one" not in captions["adoption"]
        assert "one panel per design:" in captions["acquisition_mix"] and "per twin" not in captions["acquisition_mix"]
    assert "the no-program twins are in incremental_value.png" in _captions(twins)["adoption"]
    assert "incremental_value.png" not in _captions(alone)["adoption"]   # --no-baseline draws no such figure
    assert CAPTIONS["roi_distribution"].startswith("Incremental ROI (value added per unit of program cost")
    (line,) = figure_links([Path("roi_distribution.png")], _captions(alone))
    assert line.startswith("![roi_distribution](roi_distribution.png)\n*The attributed ROI a referral dashboard shows")
    assert "without the no-program twins (--no-baseline) there is no incremental ROI" in line and "no verdict" in line


def test_two_designs_with_the_same_values_are_named_so_in_the_histograms_legend(tmp_path, monkeypatch):
    """Two designs whose replicates gave the same ROIs drew one set of bars in a blend of
    their two colours, read as a third design's or as one design missing. The legend now
    names the second as having the first's values; a design with other values is not."""
    from simulator.report import plots

    runs = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
                         "roi": [1.0, 2.0, 3.0, 3.0, 1.0, 2.0, 1.0, 2.0, 4.0]})
    drawn = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    plots.distribution(runs, "roi", tmp_path / "roi.png")
    labels = [text.get_text() for text in drawn["fig"].axes[0].get_legend().get_texts()]
    assert labels == ["a", "b (the same values as a)", "c"]


def test_a_cap_that_runs_out_only_past_the_horizon_is_said_to_lead_on_rewards_it_will_not_pay():
    """A $55,000 cap that never ran out was ranked above the same design without it,
    "sure at 95%", with every run alike: its lead was the rewards of referrals still
    converting at the horizon that it has no room for (paid on qualification, it will not
    pay them, so the value does not charge them), and the report said only that it never
    ran out. Here (a one-day campaign, $10 to the referrer, no margin, a 5-day horizon)
    the capped design's lead in each replicate is exactly its
    pipeline_rewards_beyond_budget (the runs are alike to day 5), and the headline says
    where the lead comes from and that the horizon does not see the asks it would end."""
    from simulator.compare import compare
    from simulator.report import fmt
    from simulator.report.compare import comparison_markdown

    from .test_behaviour_decisions import capped_lead_scenario

    base = capped_lead_scenario(5)

    def design(budget, name):
        incentive = base.program.incentive.model_copy(update={"cap_per_referrer": None, "budget": budget})
        return base.model_copy(update={"name": name, "replicates": 6, "seed": 3,
                                       "program": base.program.model_copy(update={"incentive": incentive})})

    comparison = compare([design(None, "open"), design(1150.0, "capped")])
    runs = {d.scenario.name: d.runs.set_index("replicate") for d in comparison.designs}
    beyond = runs["capped"]["pipeline_rewards_beyond_budget"]
    assert runs["capped"]["budget_exhausted_day"].isna().all() and (beyond > 0).sum() == 5   # never ran out; 5 of 6
    lead = runs["capped"]["incremental_value"] - runs["open"]["incremental_value"]
    assert np.allclose(lead, beyond, rtol=1e-9, atol=1e-6)
    assert (runs["open"]["pipeline_rewards_beyond_budget"] == 0).all()   # no budget: nothing beyond it
    text = comparison_markdown(comparison, [])
    assert "Its budget never ran out" in text
    assert ("In 5 of the 6 replicates, the budget has no room for the rewards of some referrals still converting at the "
            f"horizon ({fmt(float(beyond[beyond > 0].mean()))} of company cost on average there, "
            "`pipeline_rewards_beyond_budget`)") in text
    assert "it would run out after day 5 as these referrals join, ending its asks then" in text
    # a reward to the referrer alone: the friends join as often without it, and nothing is said of them
    assert "joining less often" not in text
    # each design's notes say it too, whichever design leads (the headline speaks of the best alone)
    assert "- **capped**: In 5 of the 6 replicates, the budget has no room" in text
    # with a reward to the friend, those joining after it runs out count as joining less often (c0 / c1)
    from simulator.report.text import beyond_budget_sentence

    from types import SimpleNamespace

    friend = SimpleNamespace(referee_reward=5.0)
    assert ("value does not charge them, and the friends who join after it runs out count as joining less often "
            "without their reward; it would run out") in beyond_budget_sentence(runs["capped"], 5, friend)


def test_the_payback_line_of_a_design_paying_later_says_the_day_is_on_cash():
    """compare crowned a design paying rewards 180 days after qualification "best, sure
    at 95%" on payback_day (day 1 against day 64), with every reward it owed still
    unpaid at the horizon; the note that a cash-basis payback moves earlier when
    rewards are paid later was said only beside the value's winner. The payback line
    now says it of the design it crowns, with that design's owed rewards."""
    from simulator.compare import compare
    from simulator.report import fmt
    from simulator.report.compare import winners

    def design(name, **incentive):
        return small(name=name, replicates=4, program={"incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                                     "referee_reward": 10, **incentive}})

    comparison = compare([design("signup", paid_on="signup"),
                          design("late", paid_on="qualification", qualification_days=180)])
    (line,) = [line for line in winners(comparison) if line.startswith("- **payback_day**")]
    late = next(d for d in comparison.designs if d.scenario.name == "late").runs
    assert "**late** is best" in line, line
    assert (f"The payback day counts a reward only once it is paid: {fmt(float(late['rewards_owed'].mean()))} of rewards "
            f"the referrals had earned were still to pay at the horizon") in line, line
    assert "an earlier payback here is not a better program" in line


def test_every_design_whose_budget_ran_out_says_when_in_its_notes():
    """A budget spent on day 283 of 365, its asks ended with it, was said only in the
    table (and in the headline had the design been best): the ranking note speaks of
    budgets spent in the first half alone. Each design whose budget ran out within the
    horizon now says on which day (the median of the replicates where it did) and that its
    asks ended; one whose budget never ran out says nothing."""
    from types import SimpleNamespace

    from simulator.report.compare import _design_notes

    capped = small(name="capped", program={"incentive": {"budget": 500}})
    open_ = small(name="open")
    runs = pd.DataFrame({"budget_exhausted_day": [90.0, np.nan, 100.0, 110.0]})
    notes = _design_notes([SimpleNamespace(scenario=capped, runs=runs, timeseries=None),
                           SimpleNamespace(scenario=open_, runs=runs.assign(budget_exhausted_day=np.nan), timeseries=None)])
    (said,) = [note for note in notes if "ran out" in note]
    assert said.startswith("- **capped**: Its budget ran out within the 120-day horizon in 3 of 4 replicates, on day "
                           "100 (the median of those), and its asks ended with it"), said
    assert said.endswith("what its program would have brought after that day is not in its value.")
    # with rewards_only it asked on unrewarded, and what those asks brought is in its value
    asking = capped.model_copy(update={"program": capped.program.model_copy(update={
        "incentive": capped.program.incentive.model_copy(update={"on_budget_exhausted": "rewards_only"})})})
    (said,) = [n for n in _design_notes([SimpleNamespace(scenario=asking, runs=runs, timeseries=None)]) if "ran out" in n]
    assert said.endswith("it asked on without a reward after that day (`on_budget_exhausted` rewards_only)."), said


def test_designs_asking_at_days_after_joining_a_tenth_of_the_horizon_apart_are_said_to_be_compared_at_it():
    """Ask at purchase against at a 30-day milestone over 60 days: the customers who joined
    in the milestone's last month had not reached it, and nothing said the verdict was for
    that horizon (a 365-day run had read otherwise when the note was written). The note gives the share of the later design's joiners who joined within its
    wait of the horizon, from its own daily rows."""
    from types import SimpleNamespace

    from simulator.report.text import ask_lag_note
    from simulator.runner import simulate

    def design(name, days, **timing):
        scenario = small(name=name, days=days, population={"size": 1000, "initial_customers": 20},
                         program={"timing": {**({"reminders": {"count": 0}} if timing["kind"] != "never" else {}),
                                             **timing}})
        return SimpleNamespace(scenario=scenario, timeseries=simulate(scenario, replicates=2, seed=3).timeseries)

    purchase, milestone = design("purchase", 60, kind="at_purchase"), design("milestone", 60, kind="milestone",
                                                                               delay_days=30)
    note = ask_lag_note([purchase, milestone])
    series = milestone.timeseries
    joined = series[["new_organic", "new_referred", "new_word_of_mouth"]].sum(axis=1)
    # a geometric milestone of delay 30 is reached 31 days after joining on average: who joined after day 29
    recent = joined[series["day"] > 60 - 31].sum() / joined.sum()
    assert note.startswith(f"**milestone** first asks a customer on average about 31 days after joining, **purchase** "
                           f"1 day after: the {recent:.0%} of milestone's joiners who joined in the last 31 days of the "
                           f"60 were mostly not yet asked by day 60"), note
    assert "compares running each design for 60 days and stopping" in note and "`--set days=...`" in note
    # a fixed wait: not asked at all (joiners of the last 10 days of an onboarding design asking on day 11)
    onboarding = design("late", 60, kind="onboarding", delay_days=10)
    assert "were mostly" not in (fixed := ask_lag_note([purchase, onboarding])) and "had not been asked" in fixed, fixed
    # 30 days apart in 365 (a tenth is 36.5): no note; nor with a design that never asks
    year = [design("purchase", 365, kind="at_purchase"), design("milestone", 365, kind="milestone", delay_days=30)]
    assert ask_lag_note(year) == ""
    assert ask_lag_note([design("never", 60, kind="never"), milestone]) == ""
    # horizons that differ (an unpaired compare): the share is of the later design's joiners in its own last days,
    # and each horizon is named ('of the 365' was said of a 730-day design, its share over days 319-365)
    long = design("milestone", 120, kind="milestone", delay_days=30)
    note = ask_lag_note([purchase, long])
    series = long.timeseries
    joined = series[["new_organic", "new_referred", "new_word_of_mouth"]].sum(axis=1)
    recent = joined[series["day"] > 120 - 31].sum() / joined.sum()
    assert f"the {recent:.0%} of milestone's joiners who joined in the last 31 days of the 120 were mostly not yet " \
           f"asked by day 120" in note, note
    assert "running each design for 120 days (milestone) and 60 days (purchase) and stopping" in note, note
    # the last asks: three reminders 30 days apart against none, over 365 days (last asks 91 and 1 days in)
    monthly = design("monthly", 365, kind="at_purchase", reminders={"count": 3, "interval_days": 30})
    note = ask_lag_note([year[0], monthly])
    assert note.startswith("**monthly** makes its last ask of a customer about 91 days after joining, **purchase** 1 "
                           "day after: the "), note
    assert "joined in the last 91 days of the 365 had not had all their asks by day 365" in note
    # a campaign asks on calendar days: its joiners after the last push are never asked (asking_note says so); its
    # mean wait to the next push read "the 9% who joined in the last 15 days" beside 45% who joined after it
    pushes = small(name="campaign", days=60, population={"size": 1000, "initial_customers": 20},
                   program={"timing": {"kind": "campaign", "days": [30]}})
    campaign = SimpleNamespace(scenario=pushes, timeseries=simulate(pushes, replicates=2, seed=3).timeseries)
    assert ask_lag_note([purchase, campaign]) == ""
    # a wait as long as the horizon: "the 100% of its joiners who joined in the last 20 days of the 20"
    short = [design("purchase", 20, kind="at_purchase"), design("milestone", 20, kind="milestone", delay_days=30)]
    assert ("every one of milestone's joiners joined within that wait of day 20, and they were mostly not yet asked by "
            "then") in ask_lag_note(short)
    # a budget that ended both designs' asks long before the horizon: a longer one brings neither more asks ("a design
    # that asks later gains more from a longer horizon" was said with asks ended on days 23-34 of 150, and at
    # --set days=300 again)
    def capped(name, **timing):
        scenario = small(name=name, days=60, population={"size": 1000, "initial_customers": 20},
                         program={"incentive": {"budget": 10}, "timing": {"reminders": {"count": 0}, **timing}})
        return SimpleNamespace(scenario=scenario, timeseries=simulate(scenario, replicates=2, seed=3).timeseries)

    ended = [capped("purchase", kind="at_purchase"), capped("milestone", kind="milestone", delay_days=30)]
    last = max(int(d.timeseries.loc[d.timeseries["asks"] > 0, "day"].max()) for d in ended)
    assert last <= 60 - 7   # both stopped asking before the horizon's last week
    assert ask_lag_note(ended) == ""
    # the earlier design's budget ended its asks and the later one asks to the end: a longer horizon helps the later
    # the more, and the note stands (leaving out every design that stopped had dropped it, and the ranking flipped
    # between 150 and 450 days with nothing said); the later one stopped, the earlier asking on: no such note
    assert ask_lag_note([ended[0], milestone]).startswith("**milestone** first asks a customer on average about 31 days")
    assert ask_lag_note([purchase, ended[1]]) == ""


def test_the_k_lines_of_who_wins_leave_out_the_designs_whose_k_reads_low_by_construction():
    """"purchase3 is best, sure at 95%" on `k_factor` and `program_k` stood below notes saying
    K reads low for the late-asking designs and does not rank them; the caveat was then
    added to the line, which went on ranking them ("classroom-viral is best ... so this
    line does not rank it"). The K lines now rank the other designs only, and with one
    left, rank none."""
    from simulator.report.compare import winners

    def design(name, **timing):
        return small(name=name, days=60, population={"size": 1000, "initial_customers": 20},
                     program={"timing": {"reminders": {"count": 0}, **timing}})

    three = compare([design("purchase", kind="at_purchase"), design("onboarding", kind="onboarding", delay_days=2),
                     design("milestone", kind="milestone", delay_days=30)], replicates=2, seed=3)
    caveat = " It leaves out **milestone**: K reads low by construction for it (the notes above say why)."
    for metric in ("k_factor", "program_k"):
        line = next(line for line in winners(three) if line.startswith(f"- **{metric}**"))
        assert line.endswith(caveat) and "milestone" not in line.removesuffix(caveat), line
        assert "purchase" in line and "onboarding" in line
    assert not any(caveat in line for line in winners(three) if not line.startswith(("- **k_factor**", "- **program_k**")))
    comparison = compare([design("purchase", kind="at_purchase"), design("milestone", kind="milestone", delay_days=30)],
                         replicates=2, seed=3)
    for metric in ("k_factor", "program_k"):
        assert next(line for line in winners(comparison) if line.startswith(f"- **{metric}**")) == (
            f"- **{metric}**: not ranked: K reads low by construction for **milestone** (the notes above say why), "
            f"which leaves one design to rank; compare the designs on `incremental_value`.")
    # two designs asking early: K ranks them, and no line says otherwise
    early = compare([design("purchase", kind="at_purchase"), design("onboarding", kind="onboarding", delay_days=2)],
                    replicates=2, seed=3)
    assert not any("reads low by construction" in line for line in winners(early))
    # the differences table's `worse` on K is as measured, and marked: the "Who wins" lines leave that design out
    from simulator.report.compare import comparison_markdown

    table = [line for line in comparison_markdown(three, []).splitlines() if line.startswith("| milestone |")]
    marked = [line for line in table if "| k_factor" in line or "| program_k" in line]
    assert len(marked) == 2 and all("(K low by construction)" in line for line in marked), table
    assert not any("(K low by construction)" in line for line in table if line not in marked)
    assert "(K low by construction)" not in comparison_markdown(early, [])
    # the console's note says the horizon the ranking rests on, as report.md does (ask_lag_note)
    from simulator.report.compare import assumption_line
    assert ("the ranking rests on the 60-day horizon: milestone first asks later after joining than purchase, and the "
            "value counts the asks made by the last day") in assumption_line(comparison.designs)
    assert "horizon" not in assumption_line(early.designs)


def test_a_study_varying_when_customers_are_asked_says_its_best_is_for_its_horizon():
    """optimize, sweep-like, over program.timing.delay_days: the value counts the asks made
    by the last day, so a later ask loses its last joiners unasked and the best found
    follows the horizon, as compare's designs asking a month apart did (ask_lag_note)."""
    from simulator.parameters import parse_parameters
    from simulator.report.text import study_horizon_note

    base = small(days=120, program={"timing": {"kind": "onboarding", "delay_days": 2, "reminders": {"count": 0}}})
    note = study_horizon_note(base, parse_parameters(["program.timing.delay_days=0:60"], base))
    # onboarding's first ask is delay_days + 1 after joining: from 1 to 61
    assert note.startswith("This study varies when customers are asked (`program.timing.delay_days`): its designs "
                           "first ask a customer from about 1 to 61 days after joining. The value counts the asks made "
                           "by day 120 only"), note
    assert study_horizon_note(base, parse_parameters(["program.timing.delay_days=0:5"], base)) == ""   # under 12 days
    assert study_horizon_note(base, parse_parameters(["program.base_share=0.1:0.5"], base)) == ""
    # a kind switched among choices: at purchase (1 day) against a 30-day milestone (31 on average)
    milestone = small(days=120, program={"timing": {"kind": "milestone", "delay_days": 30, "reminders": {"count": 0}}})
    kinds = parse_parameters(["program.timing.kind=at_purchase,milestone"], milestone)
    assert "from about 1 to 31 days after joining" in study_horizon_note(milestone, kinds)
    # reminders 30 days apart or none: their last asks 1 and 91 days after joining (3 reminders)
    reminded = small(days=365, program={"timing": {"kind": "at_purchase", "reminders": {"count": 3, "interval_days": 7}}})
    note = study_horizon_note(reminded, parse_parameters(["program.timing.reminders.interval_days=1:30"], reminded))
    assert "make their last ask of a customer from about 4 to 91 days after joining" in note, note


def test_designs_apart_on_a_key_the_reference_does_not_read_are_named_by_the_most_common_value_in_any_order():
    """Three influencer designs behind a design without influencers, one of them (D) with
    another reach_boost: each was checked against the designs listed before it, so in the
    order A, D, E the note named D and E (E identical to A), and in the order D, A, E it
    named A and E and left D, the odd one, unnamed."""
    from types import SimpleNamespace

    from simulator.report.compare import world_lines, world_note

    wrap = lambda *scenarios: [SimpleNamespace(scenario=s) for s in scenarios]  # noqa: E731
    base = small(name="base")
    influencers = lambda name, boost, cost: small(name=name, program={  # noqa: E731
        "influencers": {"count": 4, "reach_boost": boost, "cost_each": cost}})
    a, d, e = influencers("A", 3.0, 400), influencers("D", 1.0, 400), influencers("E", 3.0, 20_000)
    for order in ((a, d, e), (d, a, e), (a, e, d), (e, d, a)):
        note = world_note(wrap(base, *order))
        assert "**D** in program.influencers.reach_boost (3.0 vs 1.0, against " in note, ([s.name for s in order], note)
        assert "**A** in" not in note and "**E** in" not in note, ([s.name for s in order], note)
        lines = world_lines(wrap(base, *order))
        assert [line.split()[1] for line in lines] == ["D"], lines
    # two apart: the one listed first holds the value the other is said to differ from
    assert "**D** in program.influencers.reach_boost (3.0 vs 1.0, against A)" in world_note(wrap(base, a, d))
    assert "**A** in program.influencers.reach_boost (1.0 vs 3.0, against D)" in world_note(wrap(base, d, a))


def test_identical_designs_rest_on_nothing(tmp_path):
    """Asked at purchase, at onboarding and at a milestone reaching everyone, with the
    moments' effects set equal, three designs gave the same values in every replicate:
    report.md said they tie, while the console named the first listed "best" and both said
    "the ranking rests on ... at purchase x1, onboarding x1, milestone x1". A tie ranks
    nothing: no "best on", no "rests on"."""
    timings = {"purchase": "{kind: at_purchase, delay_days: 3}",
               "onboard": "{kind: onboarding, delay_days: 3}",
               "milestone": "{kind: milestone, schedule: fixed, delay_days: 4, reach_share: 1, min_satisfaction: 0}"}
    files = []
    for name, timing in timings.items():
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(f"name: {name}\nseed: 5\ndays: 60\nreplicates: 2\npopulation: {{size: 800, initial_customers: 20}}\n"
                             f"program:\n  incentive: {{kind: double_sided, referrer_reward: 10, referee_reward: 10}}\n"
                             f"  timing: {timing}\n  moment_effect: {{onboarding: 1, milestone: 1}}\n")
    result = CliRunner().invoke(app, ["compare", *map(str, files), "--out", str(tmp_path / "c"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert (table.loc[table["metric"] == "incremental_value", "diff_mean"].dropna() == 0).all()   # the same runs
    said = " ".join(result.stdout.split())
    assert "purchase, onboard and milestone tie on incremental_value" in said and "best on incremental_value" not in said
    assert "rests on" not in said and "rests on" not in (tmp_path / "c" / "report.md").read_text()


def test_the_pairing_figure_draws_the_verdicts_contrast_and_leaves_out_what_nothing_pairs():
    """paired_vs_unpaired.png drew only differences from the reference: against a no-program
    reference, whose incremental value is 0 on every seed, paired and unpaired are one by
    construction, and its caption said the common random numbers told designs apart there;
    the verdict's own contrast, best less runner-up, whose paired interval was 62% of the
    unpaired one, was not drawn. It is now drawn first (paired: the t-interval of the
    replicate differences, scipy below; unpaired: Welch), and the rows against a side the
    same in every replicate are left out."""
    from types import SimpleNamespace

    from scipy import stats

    from simulator.compare import comparison_table
    from simulator.report.compare import pairing_rows

    rng = np.random.default_rng(4)
    luck = rng.normal(0, 10, 8)
    value = {"none": np.zeros(8), "a": 100 + luck + rng.normal(0, 2, 8), "b": 90 + luck + rng.normal(0, 2, 8)}
    customers = {name: 50 + luck + k for k, name in enumerate(value)}
    designs = [SimpleNamespace(scenario=design(10, name), runs=pd.DataFrame(
        {"replicate": range(8), "incremental_value": value[name], "customers_final": customers[name]}))
        for name in ("none", "a", "b")]
    comparison = SimpleNamespace(designs=designs, paired=True, reference="none",
                                 table=comparison_table(designs, paired=True))
    rows = pairing_rows(comparison, ["incremental_value", "customers_final"])
    assert rows.iloc[0]["design"] == "a − b" and rows.iloc[0]["metric"] == "incremental_value"
    d = value["a"] - value["b"]
    half = stats.t.ppf(0.975, 7) * d.std(ddof=1) / math.sqrt(8)
    assert rows.iloc[0]["diff_ci_low"] == pytest.approx(d.mean() - half) and rows.iloc[0]["diff_ci_high"] == pytest.approx(d.mean() + half)
    welch = stats.ttest_ind(value["a"], value["b"], equal_var=False).confidence_interval(0.95)
    assert rows.iloc[0]["unpaired_ci_low"] == pytest.approx(welch.low) and rows.iloc[0]["unpaired_ci_high"] == pytest.approx(welch.high)
    # against the reference: customers (which vary on both sides) stay, the value (0 on every seed there) goes
    assert list(zip(rows["design"][1:], rows["metric"][1:])) == [("a", "customers_final"), ("b", "customers_final")]


def test_a_rounded_figure_keeps_its_trailing_zeros_and_an_exact_one_stays_short():
    """'reminders-none is best (6.81, lower is better) against reminders-three (7)' where
    the value was 7.002, and a difference of 3.0002 read '3' beside [2.45, 3.56]: three
    figures, rounded, show their zeros; an exact 0.5 or 3 is as it is."""
    from simulator.report import fmt

    assert [fmt(v) for v in (7.002, 3.0002, -7.002, 0.1201, 9.9996)] == ["7.00", "3.00", "-7.00", "0.120", "10.0"]
    assert [fmt(v) for v in (0.5, 3, 0.0, 6.81, 0.205, 0.000123)] == ["0.5", "3", "0", "6.81", "0.205", "0.000123"]
    # rounding up to a thousand is written as a thousand is: 999.96 read "1000.0" beside "1,000"
    assert [fmt(v) for v in (999.96, -999.96, 999.94, 1000.0)] == ["1,000", "-1,000", "999.9", "1,000"]


def test_a_reward_scale_in_currency_is_an_assumption_as_its_months_are():
    """A sweep of `program.incentive.reward_scale` crowned the smallest scale (the one where
    people answer rewards most) as a design, with no word, while the same scales given in
    months (`reward_scale_months`, identical runs) were said to be an assumption; both are
    the model's assumption of how strongly people answer a reward (docs/model.md)."""
    from simulator.compare import WORLD_KEYS
    from simulator.report.text import study_world_note

    for key in ("program.incentive.reward_scale", "program.incentive.reward_scale_months"):
        assert key in WORLD_KEYS
        assert (f"This study ranks `{key}`, which no launch chooses (what the model assumes of how people answer it)"
                in study_world_note([key])), key


def test_a_difference_not_yet_told_apart_says_how_many_replicates_would_tell_it():
    """"not distinguishable ... For ±5% of the difference more than 10,000 replicates would
    be needed: it is too small ... to pin down" read as hopeless, where 12 replicates told
    the designs apart (a lead of 27,752 with differences spread by about 29,000). The
    count is the usual power calculation: the smallest n with (t(0.975, n − 1) + z(0.8)) ·
    sd / √n ≤ |difference|, checked here by brute force with scipy, and against the exact
    power of the paired t-test (noncentral t) at that n: about 80%."""
    from scipy import stats

    from simulator.compare import replicates_to_tell_apart

    for sd, difference in ((29_000.0, 27_752.0), (1.0, 0.25), (5.0, -2.0)):
        n = replicates_to_tell_apart(sd, difference)
        brute = next(k for k in range(2, 10_000)
                     if (stats.t.ppf(0.975, k - 1) + stats.norm.ppf(0.8)) * sd / math.sqrt(k) <= abs(difference))
        assert n == brute
        critical = stats.t.ppf(0.975, n - 1)
        power = stats.nct.sf(critical, n - 1, abs(difference) * math.sqrt(n) / sd)
        assert 0.78 <= power <= 0.9, (sd, difference, n, power)
    assert math.isnan(replicates_to_tell_apart(1.0, 0.0)) and math.isnan(replicates_to_tell_apart(0.0, 1.0))


def test_an_unpaired_difference_not_told_apart_says_how_many_runs_of_each_design_would_tell_it(tmp_path):
    """With --unpaired, a "not distinguishable" line gave no count at all, where unpaired
    designs need it most. The count is the power calculation on the Welch spread,
    √(s_a² + s_b²) for one run of each, over the runs where each has the metric."""
    from simulator.compare import replicates_to_tell_apart
    from simulator.report.compare import MOST_REPLICATES_WORTH_SAYING

    a, b = write_design(tmp_path / "a.yaml", 10, "ten", seed=5), write_design(tmp_path / "b.yaml", 12, "twelve", seed=6)
    result = runner.invoke(app, ["compare", str(a), str(b), "--unpaired", "-r", "4", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    report = (tmp_path / "o" / "report.md").read_text()
    said = 0
    for line in (line for line in report.splitlines() if "**not distinguishable** with these replicates" in line):
        metric = line.split("**")[1]
        values = [runs.loc[runs["scenario"] == name, metric].dropna().to_numpy(dtype=float) for name in ("ten", "twelve")]
        if min(map(len, values)) < 4:
            continue
        spread = math.sqrt(values[0].var(ddof=1) + values[1].var(ddof=1))
        apart = replicates_to_tell_apart(spread, values[1].mean() - values[0].mean())
        if math.isfinite(apart) and apart <= MOST_REPLICATES_WORTH_SAYING:
            assert f"about {int(apart):,} replicates of each design would tell the two apart 4 times in 5" in line, line
            said += 1
    assert said   # some line was not told apart at 4 replicates: the check has one to read
    # and the differences table gives the unpaired interval once, not twice under two headers
    header = next(line for line in report.splitlines() if line.startswith("| design | metric | mean | difference"))
    assert header.count("unpaired") == 2 and "| difference | unpaired 95% interval | verdict |" in header, header


def test_same_is_said_to_mean_no_difference_seen_with_the_share_that_could_go_unseen(tmp_path):
    """compare's `same` (every replicate equal) read as settled: fraud cost 'same [0, 0]'
    where the true difference was -0.24. Its meaning under the table now gives the share
    of launches that could differ unseen in n replicates, 1 - 0.05^(1/n) (closed form)."""
    from typer.testing import CliRunner

    from simulator.cli import app

    result = CliRunner().invoke(app, ["compare", str(SCENARIOS / "single-sided-cash.yaml"),
                                      str(SCENARIOS / "double-sided-credit.yaml"), "--set", "population.size=600",
                                      "--set", "days=30", "-r", "3", "--executor", "serial", "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert (table["verdict"] == "same").any()   # else the test tells nothing
    report = " ".join((tmp_path / "c" / "report.md").read_text().split())
    assert (f"`same`: the two designs gave the same value in every replicate; a difference in up to "
            f"{1 - 0.05 ** (1 / 3):.0%} of launches would go unseen in 3 replicates (at 95%)") in report, report[-1500:]


def test_a_cost_per_extra_customer_line_says_the_ratio_is_skewed_and_gives_the_ratio_of_the_means():
    """Two runs that added 3 and 2 customers made a $20 referrer reward's incremental CAC
    99.6 against a double-sided $10's 26.8, "best", where over all runs together (mean
    cost over mean extra customers, as `run` gives it) the two cost 25.2 and 24.4, and
    the report said nothing of the skew that docs/model.md measures. The ratio of the
    means is worked out here by hand from the runs."""
    from types import SimpleNamespace

    import numpy as np

    from simulator.report.compare import winners

    def runs(cost, extra):
        cost, extra = np.asarray(cost, float), np.asarray(extra, float)
        with np.errstate(divide="ignore"):   # a run adding none has no CAC (made NaN below where it matters)
            cac = cost / extra
        return pd.DataFrame({"replicate": range(len(cost)), "program_cost": cost, "rewards_owed": 0.0,
                             "rewards_unpaid": 0.0, "incremental_customers": extra, "incremental_cac": cac})

    # single: a few runs add almost nobody (CACs of 150 and 375); double: steady
    single = runs([1200, 1300, 450, 750, 1250, 1150], [50, 52, 3, 2, 48, 46])
    double = runs([1100, 1180, 1000, 1150, 1200, 1050], [40, 42, 38, 41, 44, 40])
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=frame)
               for name, frame in (("single", single), ("double", double))]
    table = pd.DataFrame({"metric": ["incremental_cac"] * 2, "design": ["single", "double"],
                          "mean": [single["incremental_cac"].mean(), double["incremental_cac"].mean()]})
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    assert "**double** is best" in text, text   # on the mean of each run's ratio: 27.2 against 104.2
    pooled = {name: frame["program_cost"].mean() / frame["incremental_customers"].mean()
              for name, frame in (("single", single), ("double", double))}
    assert round(pooled["single"], 1) == 30.3 and round(pooled["double"], 1) == 27.3   # 6,100 / 201 and 6,680 / 245
    assert "`incremental_cac` is a ratio per run, skewed by runs that add few customers" in text, text
    assert (f"Over all runs together (the ratio of the means, as `refsim run` gives it) double {pooled['double']:.1f}, "
            f"single {pooled['single']:.1f};") in text, text
    # where the pooled figures rank the other way, it says so
    flipped = runs([1100, 1180, 1000, 1150, 1200, 1050], [30, 31, 29, 30, 32, 30])   # 6,680 / 182: 36.7
    designs[1] = SimpleNamespace(scenario=SimpleNamespace(name="double", days=365), runs=flipped)
    table.loc[1, "mean"] = flipped["incremental_cac"].mean()   # 36.7 < single's 104 on the mean of ratios
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    assert "**double** is best" in text and "double 36.7, single 30.3, which ranks them the other way" in text, text
    # every design's figure, and one adding no customers on average has none (the line was silent on it: run says
    # 'no incremental CAC: on average the program adds no customers (-1.25)')
    losing = runs([300, 400, 350, 300, 320, 330], [5, -12, 1, 1, -2, 1])   # mean extra -1
    designs.append(SimpleNamespace(scenario=SimpleNamespace(name="third", days=365), runs=losing))
    table = pd.concat([table, pd.DataFrame({"metric": ["incremental_cac"], "design": ["third"],
                                            "mean": [losing["incremental_cac"].mean()]})], ignore_index=True)
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    assert "third none (it adds -1 customers on average)" in text, text
    # a design further down with the best figure over all runs is named so (it stood listed with no word)
    cheap = runs([100, 120, 90, 110, 100, 100], [40, 2, 38, 41, 1, 40])   # 620 / 162: 3.8
    designs[2] = SimpleNamespace(scenario=SimpleNamespace(name="third", days=365), runs=cheap)
    table.loc[2, "mean"] = 200.0   # ranked last on the mean of its runs' ratios
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    assert "third 3.83, which ranks them the other way (the lowest over all runs is third's)" in text, text
    # where the means where each is defined rank nothing (undefined in other runs of each), the pooled figures still
    # count every run
    gaps = [runs([1000, 1100, 900, 1000, 1200, 1000], [40, 0, 38, 41, 44, 40]),
            runs([1100, 1180, 1000, 1150, 1200, 1050], [30, 31, 0, 30, 32, 30])]
    designs = [SimpleNamespace(scenario=SimpleNamespace(name=name, days=365), runs=frame.assign(
        incremental_cac=np.where(frame["incremental_customers"] > 0, frame["incremental_cac"], np.nan)))
               for name, frame in zip(("a", "b"), gaps)]
    table = pd.DataFrame({"metric": ["incremental_cac"] * 2, "design": ["a", "b"],
                          "mean": [np.nanmean(d.runs["incremental_cac"]) for d in designs]})
    (text,) = winners(SimpleNamespace(designs=designs, table=table, seeds=list(range(6)), paired=True, precision=0.05))
    a, b = (frame["program_cost"].mean() / frame["incremental_customers"].mean() for frame in gaps)
    assert "**no verdict**" in text and f"a {a:.1f}, b {b:.1f}" in text, text
    # and says which of the two it favours, not "ranks them the other way" of an order the line never gives
    assert f"which favours {'a' if a < b else 'b'} of the two" in text and "the other way" not in text, text


def test_the_pairing_figure_draws_the_verdicts_contrast_at_its_own_level_and_names_each_difference(monkeypatch):
    """With three designs the verdict quotes the best against the runner-up at its Holm
    level (97.5% here), and paired_vs_unpaired.png drew that contrast at 95%: a bar clear
    of 0 beside a line calling the pair not told apart. It is drawn at the verdict's
    level, named in its label, and every row names its difference (with two designs the
    rows gave the metric alone, drawn as the other design less the reference, the
    opposite sign to the verdict's sentence)."""
    from pathlib import Path
    from types import SimpleNamespace

    from scipy import stats

    from simulator.compare import comparison_table, decide
    from simulator.report import plots
    from simulator.report.compare import pairing_rows

    rng = np.random.default_rng(5)
    luck = rng.normal(0, 10, 8)
    # b trails a by 10 on every seed (a tiny p), c by 40 with its own noise (a larger p): Holm tests the a-b contrast
    # first, at 97.5%
    value = {"c": 60 + rng.normal(0, 60, 8), "a": 100 + luck, "b": 90 + luck + rng.normal(0, 1, 8)}
    designs = [SimpleNamespace(scenario=design(10, name), runs=pd.DataFrame(
        {"replicate": range(8), "incremental_value": value[name], "customers_final": 50 + luck + k}))
        for k, name in enumerate(value)]
    comparison = SimpleNamespace(designs=designs, paired=True, reference="c", table=comparison_table(designs, paired=True))
    decision = decide(comparison)
    assert (decision.best, decision.runner_up, decision.diff_level) == ("a", "b", 0.975)
    rows = pairing_rows(comparison, ["incremental_value", "customers_final"])
    assert rows.iloc[0]["design"] == "a − b (97.5%)"
    d = value["a"] - value["b"]
    half = stats.t.ppf(1 - 0.025 / 2, 7) * d.std(ddof=1) / math.sqrt(8)
    assert rows.iloc[0]["diff_ci_high"] == pytest.approx(d.mean() + half)
    welch = stats.ttest_ind(value["a"], value["b"], equal_var=False).confidence_interval(0.975)
    assert rows.iloc[0]["unpaired_ci_low"] == pytest.approx(welch.low)
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or path)
    plots.paired_intervals(rows, Path("pairs.png"), reference="c")
    labels = [t.get_text() for t in drawn[-1].axes[0].get_yticklabels()]
    assert labels[0] == "a − b (97.5%): incremental_value" and "a − c: customers_final" in labels, labels
    # the title says which line is which and that a row's level may be its own (beside the wide labels a title saying
    # so was cut off, 323); no legend, which sat over the rows and hid the end that decides whether a row reaches 0
    axes = drawn[-1].axes[0]
    assert axes.get_title() == ("Common random numbers: paired (thick, blue) vs\nunpaired (thin, grey) intervals, 95% "
                                "or the row's level") and axes.get_legend() is None
    # a long design name wraps (73 characters squeezed the axes to a third of the figure and cut its label off)
    long = rows.assign(design=["double-sided-store-credit-ten-dollars-each-with-weekly-reminder-variant"] * len(rows))
    plots.paired_intervals(long, Path("pairs.png"), reference="c")
    assert all(len(line) <= 48 for t in drawn[-1].axes[0].get_yticklabels() for line in t.get_text().split("\n"))
    # and each row is as tall as its label's lines: twelve three-line labels overprinted their neighbours
    many = pd.concat([long] * 11, ignore_index=True).assign(
        design="reward-25-dollars-for-each-referrer-a-long-design-name − reward-05-dollars-for-each-referrer-a-long-name")
    plots.paired_intervals(many, Path("pairs.png"), reference="c")
    fig = drawn[-1]
    from matplotlib.layout_engine import TightLayoutEngine

    TightLayoutEngine().execute(fig)
    fig.canvas.draw()
    boxes = sorted((t.get_window_extent() for t in fig.axes[0].get_yticklabels()), key=lambda box: box.y0)
    assert len(boxes) == len(many) and all(b.y1 <= a.y0 + 1 or a.y1 <= b.y0 + 1 for a, b in zip(boxes[1:], boxes)), boxes
    # a row far from 0 (a B2B cost 28 half-widths off) squeezed the verdict's row to a sliver: the axis stops at a few
    # half-widths, and the far row is cut at the edge with its centre written there
    far = pd.concat([rows, rows.iloc[[0]].assign(metric="program_cost", diff_mean=28.0, diff_ci_low=27.5,
                                                   diff_ci_high=28.5, unpaired_ci_low=27.0, unpaired_ci_high=29.0)])
    plots.paired_intervals(far, Path("pairs.png"), reference="c")
    axes = drawn[-1].axes[0]
    scale = (rows["unpaired_ci_high"] - rows["unpaired_ci_low"]) / 2
    nearest = float(np.abs(np.r_[rows["diff_mean"] / scale - 1, rows["diff_mean"] / scale + 1]).max())
    assert axes.get_xlim()[1] <= max(3.0, nearest) * 1.1 + 1e-9 and axes.get_xlim()[1] < 27, axes.get_xlim()
    assert [t.get_text() for t in axes.texts] == ["→ at 28"]
    # nothing to draw (one replicate): said in the frame, not a blank one under a caption describing intervals
    plots.paired_intervals(rows.assign(unpaired_ci_low=math.nan, unpaired_ci_high=math.nan), Path("pairs.png"))
    assert [t.get_text() for t in drawn[-1].axes[0].texts] == [
        "no difference has an interval to draw:\none replicate gives none (run 2 or more)"]
    # with the best as the reference the pair was drawn only as 'b − a' at 95%: now as the verdict's row, once
    first = SimpleNamespace(designs=[designs[1], designs[2], designs[0]], paired=True, reference="a",
                            table=comparison_table([designs[1], designs[2], designs[0]], paired=True))
    assert decide(first).diff_level == 0.975
    rows = pairing_rows(first, ["incremental_value", "customers_final"])
    pairs = list(zip(rows["design"], rows["metric"]))
    assert pairs[0] == ("a − b (97.5%)", "incremental_value") and ("b", "incremental_value") not in pairs, pairs
    assert rows.iloc[0]["diff_ci_high"] == pytest.approx(d.mean() + half)


def test_a_compare_of_files_that_share_a_name_is_filed_under_the_files(tmp_path, monkeypatch):
    """The docs' DEPOSIT.yaml and SIGNUP.yaml keep the default scenario's name: four such
    comparisons were filed as results/<time>-compare-default-double-sided-credit-vs-
    default-double-sided-, alike but for the time, cut at the folder name's length. The
    folder now names the files where their names repeat, and the designs where not."""
    monkeypatch.chdir(tmp_path)
    a = write_design(tmp_path / "DEPOSIT.yaml", 10, "default-double-sided-credit", seed=5)
    b = write_design(tmp_path / "SIGNUP.yaml", 30, "default-double-sided-credit", seed=5)
    c = write_design(tmp_path / "other.yaml", 30, "thirty", seed=5)
    for files in ((a, b), (a, c)):
        result = runner.invoke(app, ["compare", *map(str, files), "--replicates", "2", "--no-baseline"])
        assert result.exit_code == 0, result.output
    folders = sorted(p.name.split("-", 2)[2] for p in (tmp_path / "results").iterdir())
    assert folders == ["compare-DEPOSIT-vs-SIGNUP", "compare-default-double-sided-credit-vs-thirty"], folders
    # names that differ only past the folder name's length: "...-vs-double-sided-credit-p" for both of two comparisons
    from simulator.cli import compare_folder

    long = ["default-double-sided-credit", "double-sided-credit-paid-on-signup"]
    assert compare_folder(long, ["default", "S2"]) == "compare-default-vs-S2"
    assert compare_folder(["single-sided-cash", "double-sided-credit"], ["a", "b"]) == \
        "compare-single-sided-cash-vs-double-sided-credit"
    # names and files both too long: the words they share at the start and the end left out (cut from the end, two
    # such comparisons were filed alike; cut from the start, two names differing at their start were)
    spring = [f"referral-program-design-for-the-spring-campaign-version-{n}" for n in ("one", "two")]
    files = [f"long-design-file-name-for-the-spring-campaign-version-{n}" for n in (1, 2)]
    assert compare_folder(spring, files) == "compare-one-vs-two"
    consumer = [f"{kind}-reward-for-the-spring-campaign-of-the-consumer-app" for kind in ("cash", "credit")]
    assert compare_folder(consumer, consumer) == "compare-cash-vs-credit"
    three = [f"spring-campaign-{kind}-version-1" for kind in ("cash-reward", "credit-reward", "points")]
    assert compare_folder(three, ["a", "a", "a"]) == "compare-cash-reward-vs-credit-reward-vs-points"


def test_without_the_twins_compare_ranks_on_net_value_whose_differences_are_incremental_values():
    """compare --no-baseline ranked on profit over the horizon: a larger double-sided
    credit, ahead by 20,080 [13,511, 26,649] on incremental value, was 'behind, sure at
    95%' by 972 on 180-day profit, its 126 more customers' future margin left out. Two
    designs whose programs are their only difference share one no-program twin on each
    seed, so their difference in net_value (each run's own profit + equity + pipeline -
    owed - unpaid) is, seed by seed, their difference in incremental_value: the verdict
    without the twins is the one with them."""
    from simulator.compare import compare, decide

    designs = [small(name="modest", days=90), small(name="generous", days=90, program={"incentive": {
        "kind": "double_sided", "referrer_reward": 25, "referee_reward": 40, "qualification_days": 14}})]
    with_twins = compare(designs, replicates=4, seed=8)
    without = compare(designs, replicates=4, seed=8, baseline=False)
    for ours, theirs in zip(with_twins.designs, without.designs):
        by_hand = (theirs.runs["cumulative_profit"] + theirs.runs["equity_final"] + theirs.runs["pipeline_equity"]
                   - theirs.runs["rewards_owed"] - theirs.runs["rewards_unpaid"])
        assert np.allclose(theirs.runs["net_value"], by_hand)
        assert np.allclose(theirs.runs["net_value"], ours.runs["net_value"])   # the same runs, twins or not
    gap = {name: d.runs.set_index("replicate") for name, d in ((d.scenario.name, d) for d in with_twins.designs)}
    assert np.allclose(gap["generous"]["net_value"] - gap["modest"]["net_value"],
                       gap["generous"]["incremental_value"] - gap["modest"]["incremental_value"])
    on_value, on_net = decide(with_twins), decide(without)
    assert on_value.metric == "incremental_value" and on_net.metric == "net_value"
    assert on_net.best == on_value.best and on_net.runner_up == on_value.runner_up
    assert (on_net.diff_mean, on_net.diff_ci_low, on_net.diff_ci_high) == pytest.approx(
        (on_value.diff_mean, on_value.diff_ci_low, on_value.diff_ci_high))
    from simulator.report.compare import decision_paragraph

    assert "has the highest net value" in decision_paragraph(without, on_net)[0] or \
        "leads on net value" in decision_paragraph(without, on_net)[0]


def test_without_the_twins_designs_whose_twins_differ_are_said_to_differ_by_more_than_their_programs():
    """compare --no-baseline of a design seeded by degree against one seeded at random: the
    verdict paragraph said "between designs that share a twin the differences are
    incremental value's" without saying these two do not (17,177 without twins against
    7,550 with them), and the console's twin note spoke of incremental metrics none of
    which were computed."""
    from simulator.compare import compare, decide
    from simulator.report.compare import decision_paragraph, twin_lines

    designs = [small(name="random", days=60),
               small(name="hubs", days=60, population={"size": 2000, "initial_customers": {"count": 40, "strategy": "degree"}})]
    without = compare(designs, replicates=2, seed=4, baseline=False)
    paragraph = decision_paragraph(without, decide(without))[0]
    assert "these designs' twins differ (below), so theirs include what the twins differ in" in paragraph, paragraph
    (line,) = twin_lines(without.designs)
    assert "its net_value differs from the others' by what the twins differ in too" in line, line
    assert "incremental metrics" not in line
    from simulator.report.compare import twin_note

    note = twin_note(without.designs)   # report.md's: it spoke of incremental metrics too, and advised net_value
    assert "The twins were not run, and the verdict's `net_value` differences include" in note, note
    assert "incremental metrics are taken" not in note
    with_twins = compare(designs, replicates=2, seed=4)
    (line,) = twin_lines(with_twins.designs)
    assert "its incremental metrics are against another baseline" in line
    # designs that share a twin are not told theirs differ
    shared = compare([designs[0], small(name="richer", days=60, program={"incentive": {
        "kind": "double_sided", "referrer_reward": 30, "referee_reward": 30, "qualification_days": 14}})],
        replicates=2, seed=4, baseline=False)
    assert "twins differ" not in decision_paragraph(shared, decide(shared))[0]


def test_without_the_twins_a_compared_no_program_design_that_is_the_twin_gives_the_value_added():
    """compare --no-baseline of no-program against a double-sided credit: report.md said
    "the twins were not run, so what each adds against no program is not known: rerun with
    --baseline" beside the difference from no-program, 11,023 [7,443, 14,602], which is the
    incremental value the rerun gives (the no-program design is the program's twin on the
    same seeds, runner.twin_of). It says so; a no-program design of another world is not
    called the twin."""
    from simulator.compare import compare, decide
    from simulator.config import NeverAsk, NoIncentive
    from simulator.report.compare import decision_paragraph

    def without_program(scenario):
        return scenario.model_copy(update={"program": scenario.program.model_copy(
            update={"incentive": NoIncentive(kind="none"), "timing": NeverAsk(kind="never")})})

    design = small(name="credit", days=60)
    none = without_program(small(name="none", days=60))
    without = compare([none, design], replicates=3, seed=5, baseline=False)
    paragraph = decision_paragraph(without, decision := decide(without))[0]
    assert "none, compared here, is the no-program twin of credit on the same seeds" in paragraph, paragraph
    assert "is not known" not in paragraph
    with_twins = compare([none, design], replicates=3, seed=5)
    runs = with_twins.designs[1].runs
    assert decision.best == "credit" and decision.diff_mean == pytest.approx(runs["incremental_value"].mean())
    # a no-program design's fraud share changes none of its runs (no reward, no fake account): still the twin, and no
    # difference of worlds ("differs ... in fraud.share (0.02 vs 0.1): partly one of worlds", its value the same)
    from simulator.compare import world_differences

    fraudulent = without_program(small(name="none", days=60, fraud={"share": 0.1}))
    assert world_differences(design, fraudulent) == [] and world_differences(fraudulent, design) == []
    other = compare([fraudulent, design], replicates=3, seed=5, baseline=False)
    assert "none, compared here, is the no-program twin of credit" in decision_paragraph(other, decide(other))[0]
    assert world_differences(design, small(name="x", days=60, fraud={"share": 0.1})) != []   # both pay rewards: a world
    # nor does a share of asked customers it never asks (base_share 0.45 against the designs' 0.2: the same runs)
    unasked = without_program(small(name="none", days=60, program={"base_share": 0.45}))
    other = compare([unasked, design], replicates=3, seed=5, baseline=False)
    assert np.array_equal(other.designs[0].runs["net_value"], without.designs[0].runs["net_value"])   # the same runs
    assert "none, compared here, is the no-program twin of credit" in decision_paragraph(other, decide(other))[0]
    elsewhere = without_program(small(name="none", days=60, word_of_mouth={"spontaneous_rate": 0.008}))
    other = compare([elsewhere, design], replicates=3, seed=5, baseline=False)
    paragraph = decision_paragraph(other, decide(other))[0]
    assert "compared here" not in paragraph and "what each adds against no program is not known" in paragraph


def test_compare_says_a_difference_of_a_metric_lumped_on_one_value_has_too_narrow_an_interval():
    """run's report.md said of a cash reward's fake claims "exactly 0 in 6 of 8 replicates
    ... its interval is too narrow" (docs/model.md measures 57% coverage at 6); compare's,
    on the same runs, gave the difference's interval and a replicate count from its spread
    with no word. It says so under the table, naming each design and its count; a metric
    spread over values, or one the table does not show, is not named."""
    from types import SimpleNamespace

    from simulator.report.compare import lumped_compare_note

    fraud = small(fraud={"share": 0.1})
    def design(name, fraud_cost):
        runs = pd.DataFrame({"replicate": range(8), "fraud_cost": fraud_cost, "reward_cost": 100.0,
                             "incremental_value": np.arange(8.0)})
        return SimpleNamespace(scenario=fraud.model_copy(update={"name": name}), runs=runs)

    comparison = SimpleNamespace(designs=[design("cash", [0, 0, 0, 20, 0, 0, 40, 0]),
                                          design("credit", [8, 0, 16, 24, 0, 8, 32, 0])])
    note = lumped_compare_note(comparison, {"fraud_cost", "incremental_value"})
    assert "`fraud_cost` was exactly 0 in 6 of 8 replicates of cash" in note, note
    assert "credit" not in note and "incremental_value" not in note
    assert lumped_compare_note(comparison, {"incremental_value"}) == ""
    unfraud = SimpleNamespace(designs=[SimpleNamespace(scenario=small(name="cash", fraud={"share": 0}), runs=d.runs)
                                       for d in comparison.designs])
    assert lumped_compare_note(unfraud, {"fraud_cost"}) == ""   # no fraud in the world: 0 is no lump
    # a payback of day 1 in 7 of the 7 replicates that paid back, of 8: counted as run counts it ("1 in 7 of 7
    # replicates" read as a design of 7); and an interval already spanning every day (1 - 120 of 120) is not too
    # narrow, as run says of the same runs (compare said it, from no summary)
    paid = [1.0] * 7 + [np.nan]
    lumped = SimpleNamespace(designs=[SimpleNamespace(scenario=unfraud.designs[0].scenario,
                                                      runs=comparison.designs[0].runs.assign(payback_day=paid))])
    assert "`payback_day` was exactly 1 in all 7 replicates that gave one of cash" in \
        lumped_compare_note(lumped, {"payback_day"})
    spread = [1.0, 1.0, 120.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    wide = SimpleNamespace(designs=[SimpleNamespace(
        scenario=unfraud.designs[0].scenario, runs=comparison.designs[0].runs.assign(payback_day=spread),
        summary=pd.DataFrame({"metric": ["payback_day"], "ci_low": [1.0], "ci_high": [120.0]}))])
    assert lumped_compare_note(wide, {"payback_day"}) == ""


def test_the_ltv_ratio_is_not_said_to_be_skewed_by_runs_that_add_few_customers():
    """compare's report said `ltv_ratio` is "skewed by runs that add few customers" beside a
    no-program design it named best, which adds none by definition: the ratio is each
    group's margin over its own churn rate (docs/model.md), skewed where the referred
    customers or their churn events are few. A cost per extra customer keeps its reason."""
    from simulator.report.text import skew_reason

    assert "add few customers" not in skew_reason("ltv_ratio") and "churn" in skew_reason("ltv_ratio")
    assert skew_reason("incremental_cac") == "skewed by runs that add few customers"
    from simulator.report.compare import _skewed_ratio_text

    text = _skewed_ratio_text([], "ltv_ratio", "a", "b")
    assert "`ltv_ratio` is a ratio per run, skewed by runs whose referred customers, or their churn events, are few" in text


def test_the_best_of_designs_that_all_lose_value_is_not_said_to_add_the_most():
    """$150 + $150 and $300 + $300 in cash: report.md opened "**cash150 adds the most
    value**: ... -67,432, 95% interval [-90,062, -44,802]", a program worse than none,
    where run of the same design said "The program loses 67,432". The best of designs
    that all lose value "loses the least value", and the report and the console say that
    every design compared loses value against no program (the best's interval below 0)."""
    from simulator.compare import compare, decide
    from simulator.report.compare import decision_paragraph, verdict_line

    def cash(name, reward):
        return small(name=name, days=90, program={"base_share": 0.6, "incentive": {
            "kind": "double_sided", "referrer_reward": reward, "referee_reward": reward, "reward_type": "cash",
            "qualification_days": 0}})

    comparison = compare([cash("cash150", 150), cash("cash300", 300)], replicates=3, seed=2)
    decision = decide(comparison)
    assert decision.best == "cash150" and decision.ci_high < 0, decision   # the case: the best loses value, surely
    paragraph = decision_paragraph(comparison, decision)[0]
    assert paragraph.startswith("**cash150 loses the least value**") and "adds the most value" not in paragraph, paragraph
    assert "Every design compared loses value against no program (cash150, the best, by" in paragraph
    assert "every design compared loses value against no program" in verdict_line(comparison)
    # a copy of the best beside it: a tie "for the most value" of -3,379 was still said, and the console's tie line
    # had no word of the loss
    tied = compare([cash("cash150", 150), cash("copy", 150), cash("cash300", 300)], replicates=3, seed=2)
    paragraph = decision_paragraph(tied, decide(tied))[0]
    assert paragraph.startswith("**cash150 and copy tie for the least loss of value**"), paragraph
    copies = compare([cash("cash150", 150), cash("copy", 150)], replicates=3, seed=2)
    assert "tie on incremental_value" in verdict_line(copies) and "every design compared loses value" in verdict_line(copies)


def test_an_unpaired_comparison_names_every_key_its_designs_differ_in():
    """An edge list against a powerlaw-cluster network, --unpaired: the note said "the designs
    differ in network.clustering; population.size", leaving out network.kind, the real
    difference, which the paired refusal listed (a block's differences come joined in one
    string, and only its first key was kept)."""
    from types import SimpleNamespace

    from simulator.report.compare import _unpaired_differences

    ring = small(name="ring", network={"kind": "watts_strogatz", "mean_degree": 6, "rewire": 0.1})
    growth = small(name="growth", network={"kind": "powerlaw_cluster", "mean_degree": 10, "clustering": 0.5})
    differ = _unpaired_differences(SimpleNamespace(designs=[SimpleNamespace(scenario=ring), SimpleNamespace(scenario=growth)]))
    assert {"network.kind", "network.mean_degree"} <= set(differ), differ


def test_the_value_plot_names_a_design_without_a_program_it_leaves_out(monkeypatch, tmp_path):
    """A compare of no-program, a credit and a capped campaign drew 2 of its 3 designs in
    incremental_value.png, with no word of the third: a design without a program is its
    own twin, so its line is 0 by definition. The legend now names it as not drawn."""
    from pathlib import Path
    from types import SimpleNamespace

    from simulator.report import plots
    from simulator.report.compare import incremental_value_plot

    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) and path or save(fig, tmp_path / path, rect))
    series = pd.DataFrame({"day": [0, 1, 2] * 2, "replicate": [0] * 3 + [1] * 3, "cumulative_profit": [0.0, 5, 9, 0, -5, -9]})
    runs = pd.DataFrame({"replicate": [0, 1], "incremental_value": [3.0, 4.0], "payback_day": [np.nan, 2.0]})
    none = small(name="none", program={"timing": {"kind": "never"}, "incentive": {"kind": "none"}})
    designs = [SimpleNamespace(scenario=s, timeseries=series, baseline_timeseries=series.assign(cumulative_profit=0.0),
                               runs=runs) for s in (none, small(name="credit"), small(name="other"))]
    incremental_value_plot(designs, Path("value.png"))
    labels = drawn[-1].legends[0].get_texts()
    assert [t.get_text() for t in labels][-1] == "none: no program, so its own twin: 0 by definition (not drawn)"
    assert len(labels) == 3 and not any(line.get_label().startswith("none") and len(line.get_xdata())
                                        for line in drawn[-1].axes[0].lines)
    incremental_value_plot(designs[1:], Path("value.png"))   # every design has a program: nothing to name
    assert not any("not drawn" in t.get_text() for t in drawn[-1].legends[0].get_texts())


def test_a_tie_between_budgets_that_never_ran_out_says_it_holds_at_these_assumptions():
    """$500 and $2,000 budgets gave identical runs at the assumed 40% cost share, and
    compare said they tie, with no word that at a share of 1 the $500 one ran out on day
    41 and the two differed. A tie between budgets that ran out in no run now says it
    holds at these assumptions, with the range that tests it; a tie of identical designs
    says nothing of budgets."""
    from simulator.compare import compare
    from simulator.report.compare import verdict_line

    def design(name, budget):
        return small(name=name, days=60, population={"size": 800, "initial_customers": 20},
                     program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                            "budget": budget}})

    tied = compare([design("small-budget", 20_000), design("large-budget", 90_000)], replicates=2, seed=4)
    assert tied.designs[0].runs["budget_exhausted_day"].isna().all()   # the case: neither budget binds
    line = verdict_line(tied)
    assert "tie on incremental_value" in line and "differ in budgets that ran out in none of these runs" in line, line
    assert "--uncertain program.cost_shares.credit=0.2:1" in line, line
    same = compare([design("one", 20_000), design("two", 20_000)], replicates=2, seed=4)
    assert "tie on" in verdict_line(same) and "budgets" not in verdict_line(same)
    # a share set in one file and left to the table in the other: no one key moves both, and sensitivity refuses the
    # incentive's key where the designs differ in it; the test falls back to how much a reward moves people
    own = design("own-share", 90_000)
    own = own.model_copy(update={"program": own.program.model_copy(update={
        "incentive": own.program.incentive.model_copy(update={"cost_share": 0.4})})})
    line = verdict_line(compare([design("small-budget", 20_000), own], replicates=2, seed=4))
    assert "--uncertain program.incentive.max_uplift=0.5:2" in line and "cost_share" not in line, line


def test_eleven_designs_keep_a_colour_each_and_their_histogram_bars_stand_side_by_side(monkeypatch):
    """Colours were C{i % 10}: the first and eleventh of eleven designs were one blue in
    every figure. The ROI histogram drew each design's bars over the others, half
    see-through, so a bin holding 3 runs of one design and 4 of another read as one bar
    in a blend. Long names ran into each other over the acquisition-mix panels."""
    from pathlib import Path

    from matplotlib.colors import to_hex

    from simulator.report import plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, **_: drawn.append(fig) or path)
    names = [f"design-{i}" for i in range(11)]
    rng = np.random.default_rng(3)
    runs = pd.DataFrame({"scenario": np.repeat(names, 4), "roi": rng.normal(10, 1, 44).round(1)})
    plots.distribution(runs, "roi", Path("roi.png"))
    ax = drawn[-1].axes[0]
    handles, labels = ax.get_legend_handles_labels()
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == names
    bars = [bar for bar in ax.patches if bar.get_height() > 0]
    colours = {to_hex(bar.get_facecolor()) for bar in ax.patches}
    assert len(colours) == 11
    # side by side: no two bars share any width of the axis
    spans = sorted((bar.get_x(), bar.get_x() + bar.get_width()) for bar in bars)
    assert all(right <= next_left + 1e-9 for (_, right), (next_left, _) in zip(spans, spans[1:]))
    timeseries = {name: pd.DataFrame({"day": [0, 1, 0, 1], "replicate": [0, 0, 1, 1], "customers": [1.0, 2 + i, 1, 3],
                                      "cumulative_profit": [0.0, 1 + i, 0, 2], "new_organic": [1.0, 1, 1, 1],
                                      "new_referred": [0.0, 1, 0, 1], "new_word_of_mouth": [0.0, 0, 0, 1]})
                  for i, name in enumerate(names)}   # each its own values: a copy's line is named as one
    for figure in (plots.adoption, plots.cumulative_profit):
        figure(timeseries, Path("f.png"))
        lines = [line for line in drawn[-1].axes[0].lines if line.get_label() in names]
        assert len(lines) == 11 and len({to_hex(line.get_color()) for line in lines}) == 11, figure.__name__
        # eleven names under the axes, not in their corner over the curves
        assert drawn[-1].axes[0].get_legend() is None and len(drawn[-1].legends) == 1, figure.__name__
    # names of 55 characters: one to a row, within the figure (two columns ran off both edges, swatches and all)
    from matplotlib.layout_engine import TightLayoutEngine

    long = {f"double-sided-store-credit-referrer-reward-{3 * i}-dollars-variant-{i}": frame
            for i, frame in enumerate(timeseries.values(), 1)}
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or
                        TightLayoutEngine(**({"rect": rect} if rect else {})).execute(fig) or path)
    plots.adoption(long, Path("f.png"))
    fig = drawn[-1]
    fig.canvas.draw()
    box = fig.legends[0].get_window_extent()
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0, (box, fig.bbox)
    assert box.y1 <= fig.axes[0].xaxis.label.get_window_extent().y0   # under the axes' label, not over the curves
    few = dict(list(timeseries.items())[:3])
    plots.adoption(few, Path("f.png"))
    assert drawn[-1].axes[0].get_legend() is not None and not drawn[-1].legends   # a few short names: in the corner
    # twelve panels of the acquisition mix in rows of four, not one row 6,600 px wide
    plots.acquisition_mix({**timeseries, "design-11": timeseries["design-0"]}, Path("mix.png"))
    shown = [ax for ax in drawn[-1].axes if ax.get_visible()]
    assert len(shown) == 12 and len({round(ax.get_position().y0, 3) for ax in shown}) == 3
    assert plots.design_colours(3) == ["C0", "C1", "C2"]   # up to ten: matplotlib's own, as before
    assert len({to_hex(c) for c in plots.design_colours(25)}) == 25
    long = {"a-very-long-design-name-for-single-sided-cash-referral-program-2027": timeseries["design-0"],
            "another-quite-long-design-name-double-sided-credit-variant-B": timeseries["design-1"]}
    plots.acquisition_mix(long, Path("mix.png"))
    assert all(max(len(line) for line in ax.get_title().split("\n")) <= 42 for ax in drawn[-1].axes)
    assert [ax.get_title().replace("\n", "") for ax in drawn[-1].axes] == [name.replace(" ", "") for name in long]


def test_a_single_designs_value_plot_says_its_bar_is_not_the_verdicts_interval(monkeypatch, tmp_path):
    """A run's report said "95% interval [-7,944, 63,994]: not distinguishable from no
    program" beside incremental_value.png's bar from 8,675 to 57,430, wholly above 0,
    with no word that the bar is the runs' spread (compare's figure had one). The one
    design's figure now says so, under its legend, within the figure; one replicate, with
    no band and no bar, has no such note."""
    from pathlib import Path

    from simulator.report import plots

    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) and path or save(fig, tmp_path / path, rect))
    series = pd.DataFrame({"day": [0, 1, 2] * 2, "replicate": [0] * 3 + [1] * 3, "cumulative_profit": [0.0, 5, 9, 0, -5, -9]})
    twin = series.assign(cumulative_profit=0.0)
    plots.incremental_value({"a": (series, twin)}, Path("value.png"), final={"a": np.array([9.0, -9.0])})
    fig = drawn[-1]
    (note,) = [t for t in fig.texts if "not the interval of the mean that report.md's verdict uses" in t.get_text()]
    fig.canvas.draw()
    box, legend = note.get_window_extent(), fig.legends[0].get_window_extent()
    assert box.y1 <= legend.y0 and fig.bbox.y0 <= box.y0, (box, legend)
    lone = series[series["replicate"] == 0]
    plots.incremental_value({"a": (lone, twin)}, Path("value.png"), final={"a": 12.0})
    assert not drawn[-1].texts


def test_a_copys_line_is_named_as_covering_the_originals_in_the_line_figures(monkeypatch):
    """A design under another name with the same runs drew its line exactly over the
    original's: the original's colour showed in the legend of adoption.png and
    incremental_value.png and nowhere in the figure (the ROI histogram named it)."""
    from pathlib import Path

    from simulator.report import plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, **_: drawn.append(fig) or path)
    frame = pd.DataFrame({"day": [0, 1, 0, 1], "replicate": [0, 0, 1, 1], "customers": [1.0, 2, 1, 3],
                          "cumulative_profit": [0.0, 1, 0, 2]})
    other = frame.assign(customers=[1.0, 4, 1, 5], cumulative_profit=[0.0, 3, 0, 4])
    series = {"a": frame, "a-copy": frame.copy(), "b": other}
    for figure in (plots.adoption, plots.cumulative_profit):
        figure(series, Path("f.png"))
        labels = [t.get_text() for t in drawn[-1].axes[0].get_legend().get_texts()]
        assert labels == ["a", "a-copy (the same values as a)", "b"], (figure.__name__, labels)
    twin = frame.assign(cumulative_profit=0.0)
    plots.incremental_value({name: (f, twin) for name, f in series.items()}, Path("v.png"))
    labels = [t.get_text() for t in drawn[-1].legends[0].get_texts()]
    assert labels == ["a", "a-copy (the same values as a)", "b"], labels
