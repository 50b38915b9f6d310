"""K by join month: the cohort K of ``refsim run`` split by the month customers joined."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulator.engine import Engine
from simulator.metrics import cohort_k, cohort_k_by_month
from simulator.report.run import write_run
from simulator.runner import simulate

from .conftest import small


def test_by_hand():
    # day 100, window 30: cohorts are customers who joined on days 1..70
    # joined: 0 (initial, never in a cohort), 5 and 20 (month 0), 31 and 60 (month 1), 65 (month 2), 80 (too late)
    adopted = np.array([0, 5, 20, 31, 60, 65, 80])
    # 1 referred 3 (26 days later: counts) and 4 (55 days later: outside the window);
    # 3 referred 5 (34 days later: outside); 4 referred 6 (20 days later: counts)
    referred_by = np.array([-1, -1, -1, 1, 1, 3, 4])
    tracked = np.array([False, False, False, True, True, True, True])
    people = SimpleNamespace(adopted_day=adopted, referred_by=referred_by, tracked=tracked)
    table = cohort_k_by_month(people, 100, window=30)
    assert table[0].tolist() == [2, 2, 1]     # customers per join month
    assert table[1].tolist() == [1, 1, 0]     # their referrals within 30 days
    assert table[1].sum() / table[0].sum() == pytest.approx(cohort_k(people, 100, 30))


def test_months_add_up_to_cohort_k_in_a_run():
    engine = Engine(small(days=150), seed=3).run()
    table = cohort_k_by_month(engine.people, engine.day, engine.scenario.k_window_days)
    assert table.shape[1] == (150 - 30 - 1) // 30 + 1
    assert table[0].sum() > 0
    assert table[1].sum() / table[0].sum() == pytest.approx(cohort_k(engine.people, engine.day, engine.scenario.k_window_days))


def test_run_folder_has_the_table_and_its_plot(tmp_path):
    results = simulate(small(days=100), replicates=2, seed=5, people=False)
    frame = results.k_by_month
    assert sorted(frame["replicate"].unique()) == [0, 1]
    # per replicate, the months give back the replicate's k_factor
    for replicate, group in frame.groupby("replicate"):
        k = results.runs.loc[results.runs["replicate"] == replicate, "k_factor"].iloc[0]
        assert group["referrals"].sum() / group["customers"].sum() == pytest.approx(k)
    folder = write_run(results, tmp_path / "out", started=dt.datetime.now())
    assert (folder / "k_by_month.csv").is_file() and (folder / "k_by_month.png").stat().st_size > 0
    assert "k_by_month.png" in (folder / "report.md").read_text()
    # a horizon no longer than K's window closes no month: the file is there, with its columns and no row (it was
    # missing without a word), and no plot of nothing
    short = simulate(small(days=30), replicates=2, seed=5, people=False)
    folder = write_run(short, tmp_path / "short", started=dt.datetime.now())
    table = pd.read_csv(folder / "k_by_month.csv")
    assert list(table.columns) == list(frame.columns) and len(table) == 0
    assert not (folder / "k_by_month.png").exists()
    assert "with 30 days none did: give at least 31 days" in (folder / "report.md").read_text()   # and says why


def test_join_months_are_whole_numbers_on_the_plot(tmp_path, monkeypatch):
    """A run of two join months drew ticks at 1.25, 1.5, 1.75 on the join-month axis."""
    import simulator.report.plots as plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or path)
    results = simulate(small(days=100), replicates=2, seed=5, people=False)
    plots.k_by_month(results.k_by_month, tmp_path / "k.png")
    ax = drawn[0].axes[0]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_one_join_month_is_drawn_with_its_interval_on_a_whole_month(monkeypatch):
    """A 60-day pilot has one closed join month: its K stood as a dot with no band (a
    band of one point draws nothing) beside a legend naming the interval, on ticks at
    0.945 ... 1.050. It now has an error bar spanning the interval (the t interval of
    k = 0, 0.4, 0.375, 0: mean 0.194, half-width t(0.975, 3) · sd / 2) and one tick, 1."""
    import pandas as pd
    from scipy import stats

    import simulator.report.plots as plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or path)
    k = np.array([0.0, 0.4, 0.375, 0.0])
    table = pd.DataFrame({"replicate": range(4), "join_month": 0, "customers": 10, "referrals": 2, "k": k})
    plots.k_by_month(table, "k.png", days=60, window=30)
    ax = drawn[-1].axes[0]
    assert [t for t in ax.get_xticks()] == [1]
    (bars,) = [c for c in ax.containers]
    segment = bars.lines[2][0].get_segments()[0]
    half = stats.t.ppf(0.975, 3) * k.std(ddof=1) / 2
    assert segment[1][1] == pytest.approx(k.mean() + half) and segment[0][1] == pytest.approx(max(k.mean() - half, 0))
    # the legend under the axes (inside them it covered the interval's peaks)
    assert ax.get_legend() is None and len(drawn[-1].legends) == 1
    assert "95% interval of the mean" in [t.get_text() for t in drawn[-1].legends[0].get_texts()]
    assert ax.get_ylim()[1] > k.mean() + half   # the interval's top end stands inside the axes
    # one replicate over two months: no band, and no legend entry for one
    one = pd.DataFrame({"replicate": 0, "join_month": [0, 1], "customers": 10, "referrals": 2, "k": [0.4, 1.17]})
    plots.k_by_month(one, "k.png", days=90, window=30)
    ax = drawn[-1].axes[0]
    assert "95% interval of the mean" not in [t.get_text() for t in drawn[-1].legends[0].get_texts()]
    assert ax.get_ylim()[1] > 1.17   # the highest mark sat half cut off on the top edge


def test_a_month_whose_customers_together_read_another_k_than_its_runs_draws_both(monkeypatch):
    """The viral preset's second join month (4 replicates): one run held 175 customers at
    K 0.85, the others 15, 9 and 32 at 0.47, 0.11 and 0.53. The plot drew the mean of the
    runs, 0.49, beside a run-wide K of 0.93; over their customers the month made 173.75 /
    231 = 0.752 referrals each (k_by_month.csv's sums). That line is now drawn and named
    beside the mean; with one replicate, where the two are the same, it is not."""
    import pandas as pd

    import simulator.report.plots as plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or path)
    customers = np.array([58, 175, 8, 247, 15, 7, 255, 9, 6, 230, 32, 3])
    referrals = np.array([68, 149, 3, 250, 7, 1, 247, 1, 1, 231, 17, 0])
    table = pd.DataFrame({"replicate": np.repeat(range(4), 3), "join_month": np.tile(range(3), 4),
                          "customers": customers, "referrals": referrals, "k": referrals / customers})
    plots.k_by_month(table, "k.png", days=120, window=30)
    (pooled,) = [line for line in drawn[-1].axes[0].lines if line.get_label().startswith("all runs pooled")]
    month = table[table["join_month"] == 1]
    assert pooled.get_ydata()[1] == pytest.approx(month["referrals"].sum() / month["customers"].sum())
    assert pooled.get_ydata()[1] == pytest.approx(173 / 230, abs=0.002) and month["k"].mean() == pytest.approx(0.49, abs=0.001)
    plots.k_by_month(table[table["replicate"] == 0], "k.png", days=120, window=30)
    assert not [line for line in drawn[-1].axes[0].lines if line.get_label().startswith("all runs pooled")]
    # beside a partial last month's long label (a 365-day run's), the legend stays within the figure: the first
    # pooled label, twice as long, ran it off both edges
    year = pd.DataFrame({"replicate": np.repeat(range(3), 12), "join_month": np.tile(range(12), 3), "customers": 20,
                         "referrals": np.arange(36) % 7, "k": (np.arange(36) % 7) / 20})
    plots.k_by_month(year, "k.png", days=365, window=30)
    figure = drawn[-1]
    figure.canvas.draw()
    (legend,) = figure.legends
    box, page = legend.get_window_extent(), figure.bbox
    assert box.x0 >= page.x0 and box.x1 <= page.x1, (box, page)
    assert any(text.get_text().startswith("month 12: only its joiners of days 331–335") for text in legend.get_texts())


def test_a_last_join_month_only_partly_counted_is_drawn_as_such(monkeypatch):
    """At 365 days with a 30-day window, month 12 (days 331-360) counts only its joiners
    of days 331-335, whose window closed: its K (0.153 against about 0.22) read as a full
    month's stall. The plot draws it hollow, naming the days; a whole last month is not."""
    import pandas as pd

    import simulator.report.plots as plots

    assert plots.partial_month(365, 30) == (11, 331, 335)   # months 0..11: (365 - 30 - 1) // 30 + 1 = 12
    assert plots.partial_month(390, 30) is None              # month 12 is days 331-360, all closed by day 390
    assert plots.partial_month(30, 30) is None               # no month at all
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, rect=None: drawn.append(fig) or path)
    table = pd.DataFrame({"replicate": 0, "join_month": range(12), "customers": 10, "referrals": 2, "k": 0.2})
    for days, hollow in ((365, 1), (390, 0)):
        plots.k_by_month(table, "k.png", days=days, window=30)
        labels = [line.get_label() for line in drawn[-1].axes[0].lines if line.get_label().startswith("month 12")]
        assert len(labels) == hollow and (not hollow or "days 331–335" in labels[0])


def test_each_months_join_days_are_in_the_table(tmp_path):
    """k_by_month.csv names the join days each month counts, so a reader of the CSV
    alone sees the last month's short span (it had only its K, 0.153 against 0.22, with
    nothing to tell it from a stall). Checked against the people table: each month's
    customers are those whose adopted_day lies in [first_day, last_day], and the last
    day is the horizon less K's window."""
    import pandas as pd

    results = simulate(small(days=100), replicates=1, seed=5, people=True)
    frame = results.k_by_month
    assert frame[["first_day", "last_day"]].values.tolist() == [[1, 30], [31, 60], [61, 70]]
    adopted = results.people["adopted_day"].to_numpy()
    for row in frame.itertuples():
        assert row.customers == int(((adopted >= row.first_day) & (adopted <= row.last_day)).sum())
    folder = write_run(results, tmp_path / "out", started=dt.datetime.now())
    written = pd.read_csv(folder / "k_by_month.csv")
    assert written["last_day"].iloc[-1] == 100 - 30 and list(written.columns[:5]) == ["scenario", "replicate", "join_month",
                                                                                       "first_day", "last_day"]


def test_the_window_and_the_cohort_include_their_last_day():
    """By hand, at the edges of cohort_k's rule (its docstring): a customer is in a cohort
    when adopted_day + window <= day, and a referral counts when the friend joined at
    most ``window`` days after the referrer. Day 100, window 30: person 1 joined on day
    70 (window closes on day 100: in), person 2 on day 71 (out); person 1 referred 2
    (1 day later) and 3 joined on day 40 referred by 0 (joined day 10: exactly 30 days
    later, counts) and 4 on day 41 by 0 (31 days: does not). Cohort: 0 (day 10), 1 (day
    70), 3 and 4 (days 40, 41); referrals within the window: 0 -> 3 and 1 -> 2: K = 2/4.
    test_by_hand has no referral and no join on either edge, so '<=' read as '<' in
    either place went unseen."""
    adopted = np.array([10, 70, 71, 40, 41])
    referred_by = np.array([-1, -1, 1, 0, 0])
    tracked = np.array([False, False, True, True, True])
    people = SimpleNamespace(adopted_day=adopted, referred_by=referred_by, tracked=tracked)
    assert cohort_k(people, 100, window=30) == pytest.approx(2 / 4)
    table = cohort_k_by_month(people, 100, window=30)
    # months: days 1-30 (person 0), 31-60 (3, 4), 61-70 (1)
    assert table.tolist() == [[1, 2, 1], [1, 0, 1]]


def _written_marker(monkeypatch, results, tmp_path, label: str):
    """The run's folder written, and the x of the k_by_month plot's one line labelled ``label...``."""
    import simulator.report.plots as plots

    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path, **kw: drawn.append(fig) or path)
    folder = write_run(results, tmp_path / "run", started=dt.datetime.now())
    (marker,) = [line for fig in drawn for line in fig.axes[0].lines if line.get_label().startswith(label)]
    return folder, marker.get_xdata()[0]


def test_a_budget_that_ran_out_while_k_cohorts_joined_is_said_on_the_plot_and_in_the_reports(tmp_path, monkeypatch):
    """K fell to 0 from the month a budget ran out (its asks ended with it), on a plot
    titled "does the loop speed up, hold or stall?" with nothing to say why, and compare
    ranked designs by k_factor as much by how long their budgets lasted. The plot now
    marks the budget's median day (month m at x = m holds days 30(m-1)+1..30m) and its
    caption, run's and compare's reports say what K averages in."""
    from simulator.compare import compare
    from simulator.report.compare import write_comparison
    from simulator.report.text import budget_k_day, k_budget_note, k_plot_note

    capped = small(days=150, program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                                    "qualification_days": 14, "budget": 200}})
    results = simulate(capped, replicates=2, seed=5, people=False)
    days = results.runs["budget_exhausted_day"].to_numpy()
    assert np.isfinite(days).all() and days.max() < 150 - 30   # ran out while the cohorts K counts were joining
    day = budget_k_day(results.scenario, results.runs)
    assert day == min(days)   # the lower of the middle two (metrics.median_day)
    assert k_plot_note(results.scenario, results.runs) == (f"the budget ran out on day {day:.0f} (by then in at least half the runs), after "
                                                           f"which nobody who joins later is asked")
    folder, x = _written_marker(monkeypatch, results, tmp_path, "budget ran out")
    assert x == pytest.approx(1 + (day - 15.5) / 30)
    assert "after which nobody who joins later is asked: `k_factor` and `program_k` average in" in \
        (folder / "report.md").read_text()
    # under rewards_only the asks go on, unrewarded; a budget that never runs out says nothing
    on = capped.model_copy(deep=True)
    on.program.incentive.on_budget_exhausted = "rewards_only"
    assert "asked with no reward" in k_budget_note(on, results.runs, "on")
    assert k_budget_note(small(days=150), simulate(small(days=150), replicates=2, seed=5, people=False).runs) == ""
    comparison = compare([small(days=150), capped.model_copy(update={"name": "capped"})], replicates=2, seed=5)
    folder = write_comparison(comparison, tmp_path / "cmp", started=dt.datetime.now())
    compared = (folder / "report.md").read_text()
    assert "**capped**'s budget ran out on day" in compared
    # compare writes no k_by_month.png: the note sends the reader to refsim run of the design
    assert not (folder / "k_by_month.png").exists() and "k_by_month.png shows" not in compared
    assert "`refsim run` of the design plots it in k_by_month.png" in compared


def test_a_campaigns_last_ask_not_its_budget_is_said_to_end_the_asks_of_later_cohorts(tmp_path, monkeypatch):
    """A campaign whose last ask was on day 97, its budget spent on day 237 by links
    still shared: the K note said "The budget ran out on day 237, after which nobody who
    joins later is asked", while report.md's first paragraph said its asks had ended on
    day 97. The campaign's last ask is what stops the asks of later cohorts, with a
    budget or without one, and the note, the plot's caption and its marker now say so;
    a budget that runs out before the last campaign day is still the budget's note."""
    from simulator.report.text import k_budget_note, k_ended, k_plot_note, last_ask_day

    # pushes 5, 15 and 20 days apart: a joiner waits about 8 days for one, within K's window, so the plot's caption
    # is this note and not ask_window_note's
    plain = small(days=150, program={"timing": {"kind": "campaign", "days": [5, 20, 40]}})
    campaign = {"kind": "campaign", "days": [5, 40]}
    results = simulate(plain, replicates=2, seed=5, people=False)
    assert 40 <= last_ask_day(results.timeseries) < 150 - 30   # the last push (and its reminders), while K's cohorts join
    # the last push ends the asks of later cohorts, not its reminders, which ask only those it asked (a walk read
    # "last asked on day 307" of a campaign whose last push was on day 300)
    last = 40
    assert k_ended(plain, results.runs, results.timeseries) == ("asks", last)
    assert k_budget_note(plain, results.runs, timeseries=results.timeseries).startswith(
        f"The design made its campaign's last push on day {last}, after which nobody who joins is asked")
    assert k_plot_note(plain, results.runs, results.timeseries) == (
        f"the campaign's last push was on day {last}, after which nobody who joins is asked")
    folder, x = _written_marker(monkeypatch, results, tmp_path, "the campaign's")
    assert x == pytest.approx(1 + (last - 15.5) / 30)
    report = (folder / "report.md").read_text()
    assert "last push on day 40" in report and "budget ran out on day" not in report
    # a budget spent after the last ask (by links still shared) is not what ended the asks
    spent = small(days=150, program={"timing": campaign, "incentive": {"kind": "double_sided", "referrer_reward": 10,
                                                                       "referee_reward": 10, "budget": 150}})
    later = simulate(spent, replicates=2, seed=5, people=False)
    ran_out = later.runs["budget_exhausted_day"].to_numpy()
    assert np.isfinite(ran_out).all() and ran_out.min() > last_ask_day(later.timeseries), ran_out
    assert k_ended(spent, later.runs, later.timeseries)[0] == "asks"
    # a budget spent before the last campaign day: the budget's note, as before
    early = small(days=150, program={"timing": {"kind": "campaign", "days": [5, 100]},
                                     "incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                                   "budget": 40}})
    first = simulate(early, replicates=2, seed=5, people=False)
    assert np.nanmax(first.runs["budget_exhausted_day"]) < 100
    assert k_ended(early, first.runs, first.timeseries)[0] == "budget"
    # under rewards_only the asks go on, unrewarded, to the campaign's last day: that day is what ends them
    goes_on = early.model_copy(deep=True)
    goes_on.program.incentive.on_budget_exhausted = "rewards_only"
    unrewarded = simulate(goes_on, replicates=2, seed=5, people=False)
    assert np.nanmax(unrewarded.runs["budget_exhausted_day"]) < 100 <= last_ask_day(unrewarded.timeseries)
    assert k_ended(goes_on, unrewarded.runs, unrewarded.timeseries) == ("asks", 100)
    # without the timeseries (or for another timing) nothing changes: a budget's note or none
    assert k_ended(plain, results.runs) is None


def test_k_over_all_runs_together_is_said_where_the_mean_of_each_runs_k_misses_it():
    # Galton-Watson cascades on a 4-regular graph, p = 0.2: each customer after the seeds invites its 3 other
    # friends, so K per customer is (d - 1) p = 0.6 (docs/validation.md, section 3). A run whose cascades end small
    # has K = 1 - (its seeds' referrals) / (its customers), low, and the mean of each run's K sat below 0.6 beyond
    # its interval with nothing to say so (0.561 [0.536, 0.586] over 100 runs of 20 seeds)
    from simulator.report.text import pooled_k_note

    from .validation.cascade_runs import cascade_scenario

    block = {"kind": "configuration", "degrees": [4] * 20_000}
    scenario = cascade_scenario(0.2, initial_customers=5, days=40, size=20_000, network=block, seed=31)
    results = simulate(scenario, replicates=120, seed=7, baseline=False, people=False)
    frame = results.k_by_month
    pooled = frame["referrals"].sum() / frame["customers"].sum()
    # about 1,200 customers: the closed form within 0.08 (four standard errors of a binomial(3, 0.2) mean over them)
    assert pooled == pytest.approx(0.6, abs=0.08)
    row = results.summary.set_index("metric").loc["k_factor"]
    assert row["ci_high"] < pooled    # the mean of each run's K misses it, as it did
    note = pooled_k_note(results.summary, frame)
    from simulator.report import fmt   # three figures, a rounded one with its trailing zeros (0.480)

    assert f"made {fmt(pooled)} tracked referrals each" in note and "pull the mean down" in note
    assert f"({fmt(row['mean'])}) is the mean of each run's K" in note
    # where the two agree the report says nothing: the same runs with the mean moved onto the pooled figure
    agreeing = results.summary.assign(ci_low=pooled - 0.01, ci_high=pooled + 0.01)
    assert pooled_k_note(agreeing, frame) == ""
    assert pooled_k_note(results.summary, None) == ""


def test_compares_k_note_gives_the_run_command_that_reruns_the_design_as_compare_ran_it(tmp_path):
    """compare's K note sent the reader to "`refsim run` of the design" for k_by_month.png:
    the design's file alone ran its own days and replicates, not compare's --set days=…,
    and its budget ran out on another day. The note now gives the command with compare's
    --set items, replicates and seed; run as printed, it gives compare's runs again."""
    import shlex

    import yaml
    from typer.testing import CliRunner

    from simulator.cli import app

    capped = small(days=150, program={"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10,
                                                    "qualification_days": 14, "budget": 900}})
    files = []
    for name, scenario in (("plain", small(days=150)), ("capped", capped)):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(yaml.safe_dump({**scenario.model_dump(mode="json"), "name": name}))
    runner = CliRunner()
    # the --set halves the budget the file gives: the file alone runs out later, or never
    result = runner.invoke(app, ["compare", *map(str, files), "--set", "program.incentive.budget=200", "-r", "2",
                                 "--executor", "serial", "-o", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    note = next(line for line in (tmp_path / "cmp" / "report.md").read_text().splitlines()
                if line.startswith("- **capped**'s budget ran out on day"))
    command = note.split("`")[-4] if "` plots it in k_by_month.png" in note else ""
    words = shlex.split(command)
    assert words[:3] == ["refsim", "run", str(files[1])], note
    assert "program.incentive.budget=200" in words and "--replicates" in words, command
    result = runner.invoke(app, [*words[1:], "--executor", "serial", "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    compared = pd.read_csv(tmp_path / "cmp" / "runs.csv")
    compared = compared[compared["scenario"] == "capped"].reset_index(drop=True)
    rerun = pd.read_csv(tmp_path / "run" / "runs.csv")
    for column in ("seed", "net_value", "budget_exhausted_day"):
        assert rerun[column].tolist() == compared[column].tolist(), column
