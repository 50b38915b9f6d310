"""The educator app's parts that need no browser: the classroom logic
(simulator.classroom), the pictures (simulator.app_pictures), the page's text helpers
and the ``refsim app`` command's refusals. The page itself is exercised in a browser
by tests/browser."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import math
from types import SimpleNamespace
import socket

import networkx as nx
import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from simulator import app_pictures
from simulator.app_pictures import (GENERATION_COLOURS, NETWORK_STYLE, POINT_GROUPS, REFERRAL_LINES, generations_option,
                                    network_groups, network_legend_html, network_picture, network_points)
from simulator.classroom import (NETWORK_KINDS, NETWORK_LABELS, PRESET_ONLY_KINDS, TIMING_KINDS, TIMING_LABELS, speeding_up, CLASS_SIZE, FILLED_SHARE, K_WINDOW_DAYS, MAX_SEED, MIN_COHORT, ROUGH_COHORT, ClassRun, Design, KReading,
                                 NetworkChoice, PlayClock, classroom_k, classroom_scenario, generation_ratios,
                                 generation_sizes, network_problems, nps_shares, referral_generations,
                                 read_loop, referral_multiplier, verdict)
from simulator.cli import app as cli
from simulator.config import BetaSatisfaction, DoubleSided, SingleSided, Tiered
from simulator.errors import ScenarioError
from simulator.scenario_io import load_scenario, validate
from simulator.state import NEVER, SEED

from .conftest import SCENARIOS, small


@pytest.fixture(scope="module")
def default():
    return load_scenario(SCENARIOS / "default.yaml")


def own_size(preset) -> NetworkChoice:
    """The preset's network at the preset's own size (no scaling)."""
    choice = NetworkChoice.of(preset)
    return NetworkChoice(choice.kind, None if choice.size is None else preset.population.size, choice.mean_degree, choice.seed)


# --------------------------------------------------------------------------- the referral tree


def test_generations_of_a_hand_built_tree():
    # 0 and 4 adopted on their own; 0 -> 1 -> {2, 3}; 2 -> 6; 4 -> 5; 7 never adopted
    referred_by = np.array([-1, 0, 1, 1, -1, 4, 2, -1])
    adopted = np.array([True] * 7 + [False])
    generation = referral_generations(referred_by, adopted)
    assert generation.tolist() == [0, 1, 2, 2, 0, 1, 3, -1]
    assert generation_sizes(generation) == [2, 2, 2, 1]
    assert generation_ratios([2, 2, 2, 1]) == [1.0, 1.0, 0.5]


def test_generations_match_a_recursive_reference_on_random_forests():
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = 200
        # everyone's referrer (if any) is someone earlier, like adoption order
        referred_by = np.array([-1 if i == 0 or rng.random() < 0.3 else rng.integers(0, i) for i in range(n)])
        adopted = np.ones(n, bool)

        def depth(person: int) -> int:
            return 0 if referred_by[person] < 0 else 1 + depth(int(referred_by[person]))

        expected = [depth(i) for i in range(n)]
        order = rng.permutation(n)  # labels do not matter, only the tree
        relabel = np.empty(n, int)
        relabel[order] = np.arange(n)
        shuffled = np.full(n, -1)
        shuffled[relabel] = np.where(referred_by >= 0, relabel[np.maximum(referred_by, 0)], -1)
        assert referral_generations(shuffled, adopted)[relabel].tolist() == expected


def test_referral_multiplier_is_the_geometric_series():
    for k in (0.0, 0.3, 0.5, 0.9):
        assert referral_multiplier(k) == pytest.approx(sum(k ** g for g in range(2000)))
    assert referral_multiplier(1.0) == float("inf") and referral_multiplier(1.4) == float("inf")


# --------------------------------------------------------------------------- K and the verdict


def test_classroom_k_counts_customers_whose_window_has_elapsed():
    day = 50
    # joined on days 0 (an initial customer: not in any cohort), 5, 10, 20 (window elapsed:
    # day >= joined + 30), 25 and 40 (not yet), one never
    adopted_day = np.array([0, 5, 10, 20, 25, 40, NEVER])
    # person 1 referred 3 (15 days after joining) and 5 (35 days after: outside the window),
    # person 2 referred 4 but untracked (word of mouth), person 0 referred 6... who never joined
    referred_by = np.array([-1, -1, -1, 1, 2, 1, -1])
    tracked = np.array([False, False, False, True, False, True, False])
    people = SimpleNamespace(adopted_day=adopted_day, referred_by=referred_by, tracked=tracked)
    reading = classroom_k(people, day)
    assert reading.customers == 3  # persons 1, 2, 3
    assert reading.k == pytest.approx((1 + 0 + 0) / 3)
    early = classroom_k(people, K_WINDOW_DAYS)  # nobody who joined on day 1 or later has had the whole window
    assert early.customers == 0 and math.isnan(early.k) and not early.known
    # the first count comes 30 days after the first joiner: day 31 only where someone joined on day 1 (the card said
    # "on day 31" on day 32 of a preset whose first joiner came on day 3)
    waiting = verdict(early, [3], 1.0).text
    assert f"the first count {K_WINDOW_DAYS} days after the first customer joins, on day {K_WINDOW_DAYS + 1} at the " \
        "earliest" in waiting, waiting


def test_a_filled_network_is_never_called_fading():
    for k in (0.2, 0.6, 0.95, 1.3):
        for generations in ([5, 20, 60, 120, 40], [40, 10, 2]):
            said = verdict(KReading(k, 250), generations, prospects_left=FILLED_SHARE / 2)
            assert said.tone in ("grows", "filled") and "fade" not in said.headline
            # filled by the loop, it does not fade; filled mostly by people who came on their own (40 of 52), the loop
            # did not fill it, and "The loop filled the network ... not because the loop fades" stood beside K 0.12
            if generations[0] <= sum(generations[1:]):
                assert "not because the loop fades" in said.text
            else:
                assert said.headline == "The network filled, mostly with people who came on their own"
                assert "40 of the 52 who joined came on their own or were customers from the start; the loop " \
                    "brought 12" in said.text and "no longer tells how strong the loop is" in said.text
                assert "not because the loop fades" not in said.text


def test_a_loop_that_grew_until_it_filled_keeps_its_green_verdict():
    """"Grew until it filled" is a claim about the loop's past, yet it was checked again each
    day: one organic joiner in generation 0 (9 → 10 → 24 became 10 → 10 → 24, no growth), or a
    late referral making two generations equal, turned the card grey for a day and green
    again with nothing new in the loop (the viral preset at 300 people, seed 21, days
    34-37). Once earned it holds, quoting the run it grew by; a network filled without one
    stays grey."""
    from simulator.referral_tree import GREW_HEADLINE, read_loop

    k = KReading(float("nan"), 0)
    quiet = np.zeros(30)
    grew = read_loop(k, [9, 10, 24, 23, 12, 3], 0.4, quiet)
    assert (grew.tone, grew.headline) == ("grows", GREW_HEADLINE) and "(generations 0 to 2: 9 → 10 → 24)" in grew.text
    # the next day an organic customer joins generation 0: today's generations alone show no growth
    assert verdict(k, [10, 10, 24, 23, 12, 3], 0.38).tone == "filled"
    kept = read_loop(k, [10, 10, 24, 23, 12, 3], 0.38, quiet, previous=grew)
    assert (kept.tone, kept.headline) == ("grows", GREW_HEADLINE)
    # as they were then: today's line reads 10 → 10 → 24, and the card quoted 9 → 10 → 24 as if of today
    assert "(generations 0 to 2 were 9 → 10 → 24 while the network filled)" in kept.text, kept.text
    assert "only 38% of the people are still prospects" in kept.text
    # and on a preset day by day: green from the first day it is earned to the end
    from simulator.classroom import ClassRun, Design, NetworkChoice

    scenario = load_scenario(SCENARIOS / "viral.yaml")
    run = ClassRun(scenario, dataclasses.replace(NetworkChoice.of(scenario), size=300, seed=21).snapped(),
                   [Design.of(scenario)])
    tones = []
    while run.day < 45:
        run.advance(1)
        tones.append((run.day, run.frames()[0].verdict.headline))
    first = next(i for i, (_, headline) in enumerate(tones) if headline == GREW_HEADLINE)
    assert all(headline == GREW_HEADLINE for _, headline in tones[first:]), tones[first:]
    # filled without a run that grew: grey, whatever came before
    assert read_loop(k, [40, 10, 2], 0.4, quiet).tone == "filled"


def test_a_loop_read_as_fading_while_it_filled_the_network_by_growing_reads_green():
    """The default preset with the conversion slider at its top (50%): K 1.20 on day 58,
    0.88 on day 94 with 46% of the network joined, and the card turned red ("K below 1:
    the loop fades ... growth beyond that has to come from elsewhere") and kept it to the
    end beside 5 who came on their own become 291, its generations 5 → 7 → 23 → 37 → 45 →
    52. The fading memory is for a network filled by organic adoption, its generations
    shrinking; generations that grew took the network over, and read green."""
    from simulator.classroom import ClassRun, Design, NetworkChoice
    from simulator.referral_tree import GREW_HEADLINE, read_loop

    scenario = load_scenario(SCENARIOS / "default.yaml")
    run = ClassRun(scenario, NetworkChoice.of(scenario), [Design.of(scenario).with_invite_conversion(0.5)])
    headlines = []
    while not run.finished:
        run.advance(1)
        headlines.append(run.frames()[0].verdict.headline)
    frame = run.frames()[0]
    assert "K below 1: the loop fades" in headlines   # the case: read as fading on the way
    assert frame.organic <= 10 and frame.adopters > 250 and frame.generations[:4] == sorted(frame.generations[:4])
    assert frame.verdict.headline == GREW_HEADLINE, frame.verdict.text
    # the memory still holds where the generations shrank: a network filled by organic adoption at K below 1
    k = KReading(0.8, 40)
    faded = read_loop(k, [120, 60, 30, 10], 0.6, np.zeros(30))
    assert faded.tone == "fades" and read_loop(k, [140, 70, 30, 12], 0.4, np.zeros(30), previous=faded).tone == "fades"


def test_a_loop_that_grew_until_it_filled_the_network_reads_green():
    """The viral preset fills half its 300 people by day 15, before K can be read (it
    looks 30 days back): the card went from "too few customers" straight to a grey "filled
    the network", and the lesson "K above 1 grows" never showed the green of a growing
    loop. A network filled after generations that grew (two complete generations in a row
    larger than their parents; the newest is still being recruited) now reads green and
    says so; one filled by organic adoption, its generations shrinking, stays grey."""
    grew = verdict(KReading(float("nan"), 0), [5, 10, 18, 26, 33, 30, 12, 2], prospects_left=0.4)
    assert (grew.tone, grew.headline) == ("grows", "The loop grew until it filled the network")
    assert "(generations 0 to 4: 5 → 10 → 18 → 26 → 33)" in grew.text and "only 40% of the people are still prospects" in grew.text
    assert "not because the loop fades" in grew.text
    # K still counts the customers who joined a month ago: not "K falls now" beside K = 3.11, but from here on
    assert "From here K falls" in grew.text and "K falls now" not in grew.text
    # one prospect left of 1,000 is not "0%" of the people
    last = verdict(KReading(1.36, 671), [10, 30, 82, 151, 249, 253, 172, 51, 1], prospects_left=0.001)
    assert "until fewer than 1% of the people are still prospects" in last.text and "0%" not in last.text
    # one generation larger than its parents is no growth yet; nor is a newest generation still being recruited;
    # nor growth on too few customers to show it (8 → 9 → 10 on 50 people, "each larger than the one before")
    for generations in ([5, 9, 4, 2], [5, 4, 9, 30], [1, 2, 2, 8, 8, 9, 10, 3]):
        said = verdict(KReading(0.5, 200), generations, prospects_left=0.4)
        assert (said.tone, said.headline) == ("filled", "The loop filled the network"), generations
    # nor growth by less than chance (a rise within 2 √(n · g) of g, n generations on): 41 → 43 → 44 read "the loop
    # grew on its own" in green beside K 0.67
    said = verdict(KReading(0.67, 200), [41, 43, 44, 30, 10], prospects_left=0.4)
    assert said.tone == "filled" and "grew" not in said.text, said.text
    assert verdict(KReading(0.67, 200), [41, 43, 44, 30, 10], 0.4, faded=True).tone == "fades"
    # a rise just past two standard deviations counts: 2 √(2 · 41) = 18.1
    assert verdict(KReading(0.67, 200), [41, 50, 60, 30, 10], prospects_left=0.4).tone == "grows"
    assert verdict(KReading(0.67, 200), [41, 50, 59, 30, 10], prospects_left=0.4).tone == "filled"
    said = verdict(KReading(0.5, 200), [40, 10, 2], prospects_left=0.4)   # filled mostly by organic adoption
    assert (said.tone, said.headline) == ("filled", "The network filled, mostly with people who came on their own")


def test_the_generations_a_grown_loop_quotes_each_outgrew_the_one_before():
    """The green card says "Each generation was larger than the one before" and quotes
    generations: it quoted the first six, so a filled network's 5 → 10 → 18 → 26 → 33 →
    30 (and one that grew only after a shrinking start, 40 → 10 → 20 → 40) contradicted
    it. The quote is the run of generations that grew, each larger than the one before."""
    import re

    for generations in ([5, 10, 18, 26, 33, 30, 12, 2], [40, 10, 20, 40, 80, 30, 5], [3, 2, 4, 8, 16, 32, 64, 128, 90]):
        said = verdict(KReading(float("nan"), 0), generations, prospects_left=0.4)
        assert said.tone == "grows", generations
        found = re.search(r"\(generations (\d+) to (\d+): ([\d → ]+)( …)?\)", said.text)
        quoted = [int(size) for size in found.group(3).split(" → ")]
        assert len(quoted) >= 3 and all(b > a for a, b in zip(quoted, quoted[1:])), (generations, said.text)
        # and which generations they are: '(9 → 12 → 14)' quoted generations 12 to 14 beside ten flat ones shown
        first, last = int(found.group(1)), int(found.group(2))
        assert generations[first:first + len(quoted)] == quoted and last - first + 1 >= len(quoted), said.text


def test_the_k_card_does_not_contradict_the_counts_beside_it():
    """Three sentences a class saw contradicted on the same panel. (1) "each customer who
    comes on their own becomes about 1.1 customers" beside 5 who became 25: K leaves out
    referrals after a customer's first 30 days; the card now gives the run's own figure
    too (generation 0 are those who came on their own: 25 / 5 = 5.0). (2) "The loop filled
    the network ... K falls now because few friends are left, not because the loop fades"
    said of a loop read as fading for months, once organic adoption passed half the
    people: a loop fading yesterday stays fading, and says the network is filling. (3) "on
    the edge: each generation is about as large as the last" above 20 → 12 → 6 → 3 → 1."""
    from simulator.referral_tree import read_loop

    fading = verdict(KReading(0.06, 200), [5, 10, 6, 4], prospects_left=0.8)
    assert "becomes about 1.1 customers in all" in fading.text
    assert "So far in this run the 5 who came on their own have become 25 (about 5.0 each)" in fading.text
    # the tree counts word of mouth's friends too, which K leaves out: the card named only the other two reasons
    assert "and friends who joined through word of mouth (invitations outside the program" in fading.text
    yesterday = verdict(KReading(0.15, 200), [40, 10, 2], prospects_left=0.55)
    assert yesterday.tone == "fades"
    today = read_loop(KReading(0.15, 200), [40, 10, 2], 0.49, np.zeros(30), previous=yesterday)
    assert today.tone == "fades" and "Only 49% of the people are still prospects, which slows it further" in today.text
    assert read_loop(KReading(0.15, 200), [40, 10, 2], 0.49, np.zeros(30), previous=None).tone == "filled"
    edge = verdict(KReading(1.02, 200), [20, 12, 6, 3, 1], prospects_left=0.8)
    assert edge.tone == "edge" and "later generations are smaller than the ones before" in edge.text
    assert "Each generation is about as large as the last" not in edge.text
    # the generations' claims rest on the generations, not on referrals speeding up week on week
    flat = verdict(KReading(0.96, 40), [10, 10, 10, 10], 0.9, speeding_up=True)
    assert "larger than the ones before" not in flat.text and "smaller than the ones before" not in flat.text
    # nor does the card say later customers bring in more, which a week of referrals above the three before does not
    # measure (one day's noise reading could set it off): only that referrals come faster
    weekly = verdict(KReading(0.8, 40), [10, 14, 12], prospects_left=0.6, speeding_up=True)
    assert "bring in more than the first ones did" not in weekly.text, weekly.text
    assert "referrals are coming faster than they did, so the loop may be speeding up" in weekly.text, weekly.text
    assert "bring in more than the first ones did, so the loop is speeding up" in verdict(
        KReading(0.8, 50), [20, 8, 10, 14, 3], prospects_left=0.6).text   # larger generations: that is measured
    # the reason the run's figure is larger is not given where it is not: 1.1 each beside K's 1.2
    short = verdict(KReading(0.17, 40), [32, 4, 0], prospects_left=0.8)
    assert "have become 36 (about 1.1 each)." in short.text and "K leaves out" not in short.text
    assert "the 1 who came on their own has become 3" in verdict(KReading(0.5, 40), [1, 2], 0.9).text
    # a day of "speeding up" in between does not make the fading loop forget it faded
    fast = _weekly(7, 7, 7, 14)
    between = read_loop(KReading(0.4, 40), [30, 10, 3], 0.6, fast, previous=yesterday)
    assert between.tone == "edge" and between.faded
    assert read_loop(KReading(0.4, 40), [30, 10, 3], 0.6, np.zeros(30), previous=between).tone == "fades"
    # past half full, a fading loop stays fading through such a week (docs/app.md): not "speeding up" by a week's chance
    assert read_loop(KReading(0.4, 40), [30, 10, 3], 0.4, fast, previous=yesterday).tone == "fades"


def test_verdict_reads_k_and_the_generations():
    fading = verdict(KReading(0.5, 200), [100, 40, 15], prospects_left=0.8)
    assert fading.tone == "fades"
    # the chain does not stop at the second generation: it shrinks, generation by generation (K 0.83 read "stops")
    assert "100 customers bring 50, who bring 25, each generation smaller, until the chain dies out" in fading.text
    assert "about 2.0 customers" in fading.text  # 1 / (1 - 0.5)
    growing = verdict(KReading(1.5, 200), [3, 6, 12, 20], prospects_left=0.8)
    assert growing.tone == "grows" and "150" in growing.text
    # K near 1 is neither green nor red
    assert verdict(KReading(1.0, 200), [10, 10, 10], prospects_left=0.8).tone == "edge"
    # K above 1 but the last complete generations shrink: said so, not called growing
    slowing = verdict(KReading(1.3, 200), [10, 30, 20, 12, 3], prospects_left=0.8)
    assert slowing.tone == "edge" and "smaller" in slowing.text
    pending = verdict(KReading(float("nan"), 0), [3, 5], prospects_left=0.9)
    assert pending.tone == "pending" and f"{K_WINDOW_DAYS} days" in pending.headline
    assert f"day {K_WINDOW_DAYS + 1}" in pending.text  # the first day a customer who joined on day 1 counts
    # K below 1 on a few early customers while referrals speed up: not called fading
    speeding = verdict(KReading(0.8, 12), [10, 14, 12], prospects_left=0.6, speeding_up=True)
    assert speeding.tone == "edge" and "speeding up" in speeding.headline
    # ... nor while the last generations each outgrow their parents, and the card quotes them
    growing = verdict(KReading(0.8, 50), [20, 8, 10, 14, 3], prospects_left=0.6)
    assert "speeding up" in growing.headline and "(8 → 10 → 14)" in growing.text
    # but generations of a handful grow by chance: 2 → 3 → 4 (9 customers, under ROUGH_COHORT) at the tail of
    # the viral preset's design B read K 0.78 as "speeding up"
    assert verdict(KReading(0.78, 150), [40, 12, 6, 3, 2, 2, 3, 4, 1], prospects_left=0.6).tone == "fades"
    assert "rough figure" in verdict(KReading(0.5, MIN_COHORT), [3, 1], 0.9).text
    assert "rough figure" not in verdict(KReading(0.5, ROUGH_COHORT), [3, 1], 0.9).text


def test_a_filled_network_still_says_when_k_is_a_rough_figure():
    """The viral design fills the network before K has 30 customers: K = 2.30 on 10 was
    shown under "filled the network" with no caveat."""
    assert "only 10 customers, so it is a rough figure" in verdict(KReading(2.3, 10), [5, 9, 18], FILLED_SHARE / 2).text
    assert "rough" not in verdict(KReading(float("nan"), 0), [5, 9, 18], FILLED_SHARE / 2).text
    assert "rough" not in verdict(KReading(1.2, ROUGH_COHORT), [5, 9, 18], FILLED_SHARE / 2).text


def test_a_generations_ratio_keeps_two_significant_digits_below_one():
    """"22 → 1 (×0.0)": one decimal rounded a generation of 1 after 22 to nothing."""
    from simulator.app import ratio_text

    assert ratio_text(1 / 22) == "0.045" and ratio_text(0.5) == "0.5" and ratio_text(1.6) == "1.6"
    assert ratio_text(16 / 10) == "1.6" and ratio_text(1.0) == "1.0"
    assert ratio_text(299 / 300) == "0.997" and ratio_text(0.9999) == "0.999"   # a fall, not a tie: two digits read "1"


def test_no_verdict_from_k_on_fewer_than_min_cohort_customers():
    """One customer who referred nobody gave K = 0 and "the loop fades"; a second who
    referred three gave 1.5 and "grows". Below MIN_COHORT customers K reads as too few,
    whatever its value and the generations; from MIN_COHORT on it gives its verdict."""
    for customers in range(1, MIN_COHORT):
        for k in (0.0, 0.5, 1.0, 1.5, 3.0):
            said = verdict(KReading(k, customers), [10, 14, 20], prospects_left=0.8, speeding_up=True)
            assert said.tone == "pending" and "Too few customers" in said.headline
            assert f"({customers} of {MIN_COHORT} so far)" in said.text
            assert f"moves it by {1 / customers:.2f}" in said.text
    assert "only 1 customer who" in verdict(KReading(0.0, 1), [3], 0.9).text  # not '1 customers'
    assert verdict(KReading(0.0, MIN_COHORT), [3], 0.9).tone == "fades"
    assert verdict(KReading(1.5, MIN_COHORT), [3], 0.9).tone == "grows"
    # a filled network says so whatever the cohort
    assert verdict(KReading(0.5, 2), [3, 9, 20], FILLED_SHARE / 2).tone == "filled"


def test_the_viral_no_reward_design_waits_for_min_cohort_customers_before_a_verdict():
    """Design B of the viral preset (seed 42) read "fades" on day 33 from one customer,
    "grows" on day 34 from two, "fades" on day 36 from seven. Now no reading before
    MIN_COHORT customers count is green, red or amber; and one comes on the first day they do."""
    viral = load_scenario(SCENARIOS / "viral.yaml")
    run = ClassRun(viral, NetworkChoice.of(viral), [Design.of(viral), Design.of(viral).with_incentive(kind="none")])
    tones = []
    while run.day < 60:
        run.advance(1)
        frame = run.frames()[1]
        tones.append((frame.k.customers, frame.verdict.tone))
    assert any(0 < customers < MIN_COHORT for customers, _ in tones)  # the run does pass through a small cohort
    assert all(tone == "pending" for customers, tone in tones if customers < MIN_COHORT), tones
    assert all(tone in ("grows", "fades", "edge") for customers, tone in tones if customers >= MIN_COHORT), tones


def _weekly(*counts: float) -> np.ndarray:
    """Daily referral adoptions whose weeks, counted back from the last day, sum to ``counts``."""
    return np.concatenate([np.zeros(3), *[np.full(7, count / 7) for count in counts]])


def test_speeding_up_compares_the_last_week_with_the_three_before_beyond_chance():
    """The last week's count r against the weekly mean m of the three weeks before: speeding
    up when r - m > 1.645 sqrt(r + m / 3), the standard deviation of that difference were
    both Poisson counts at one rate (a one-sided test at 5%), and r >= 7."""
    # against a mean of 5: 11 - 5 = 6 > 1.645 sqrt(11 + 5/3) = 5.86; 10 - 5 = 5 < 1.645 sqrt(10 + 5/3) = 5.62
    assert speeding_up(_weekly(5, 5, 5, 11)) and not speeding_up(_weekly(5, 5, 5, 10))
    assert speeding_up(_weekly(3, 5, 9, 15))            # a loop gaining half again each week
    # the viral preset's design B on day 105: one quiet week made a week of 7 look like a leap against it alone
    assert not speeding_up(_weekly(13, 3, 0, 7))
    assert not speeding_up(_weekly(0, 0, 0, 6))          # beyond chance, but 6 referrals: too few to read
    assert not speeding_up(_weekly(10, 10, 10, 10))
    # the three weeks before the last not all seen yet (day 0 counts no referral): read from the 29th day
    assert speeding_up(_weekly(1, 1, 1, 14)[-29:]) and not speeding_up(_weekly(1, 1, 1, 14)[-28:])


def test_speeding_up_allows_for_referrals_that_come_in_clusters():
    """Referrals come in clusters (a share invites several friends; chains form within
    days), so weekly counts vary more than Poisson counts: a steady loop whose weeks varied
    5.6 times their mean was called speeding up on 18% of its days after day 60. The test
    scales the Poisson variance by the run's own dispersion, half the mean squared change
    between complete weeks over their mean (von Neumann), at least 1: 16 against weeks of
    3, 15, 2 (mean 6.7, Poisson: 16 - 6.7 > 1.645 sqrt(16 + 6.7/3) = 7.0) is their
    scatter, not a leap; a steady 7, 8, 7 then 25 still is one, and a loop gaining half
    again each week (3, 5, 9, 15) is not read as scatter."""
    from simulator.referral_tree import dispersion

    assert not speeding_up(_weekly(3, 15, 2, 16))
    assert dispersion(_weekly(3, 15, 2)) == pytest.approx(((12 ** 2 + 13 ** 2) / 2 / 2) / (20 / 3))
    assert speeding_up(_weekly(7, 8, 7, 25)) and dispersion(_weekly(7, 8, 7)) == 1.0   # under 1 read as 1
    assert speeding_up(_weekly(3, 5, 9, 15))


def test_a_verdict_keeps_its_reading_until_the_evidence_moves_clearly():
    """Hysteresis: K on the line reads "about 1" from 0.95 (K_EDGE) and keeps that reading
    down to 0.90 (K_EDGE_LEAVE); referrals read as speeding up stay so while the last
    week has at least as many as the week before."""
    generations, flat = [10, 10, 10], np.zeros(30)
    fresh = read_loop(KReading(0.93, 200), generations, 0.8, flat)
    assert fresh.tone == "fades"  # 0.93 is outside the band a loop enters "about 1" by
    edge = read_loop(KReading(1.0, 200), generations, 0.8, flat)
    assert edge.tone == "edge"
    assert read_loop(KReading(0.93, 200), generations, 0.8, flat, previous=edge).tone == "edge"
    assert read_loop(KReading(1.08, 200), generations, 0.8, flat, previous=edge).tone == "edge"
    assert read_loop(KReading(0.88, 200), generations, 0.8, flat, previous=edge).tone == "fades"
    # 7, 7, 7 then 14 referral adoptions a week: speeding up; then 14 more: not speeding up from a standstill
    # against the mean of 7, 14 and 14 (14 - 11.7 < 1.645 sqrt(14 + 11.7 / 3)), but kept once it was
    speeding = read_loop(KReading(0.8, 50), [10, 14, 12], 0.6, _weekly(7, 7, 7, 14))
    assert "speeding up" in speeding.headline and "more than chance explains" in speeding.text
    steady = _weekly(7, 7, 14, 14)
    assert read_loop(KReading(0.8, 50), [10, 14, 12], 0.6, steady).tone == "fades"
    assert "speeding up" in read_loop(KReading(0.8, 50), [10, 14, 12], 0.6, steady, previous=speeding).headline
    slower = _weekly(7, 7, 14, 10.5)
    assert read_loop(KReading(0.8, 50), [10, 14, 12], 0.6, slower, previous=speeding).tone == "fades"
    assert speeding_up(steady, keep=True) and not speeding_up(steady)
    # docs/app.md: kept while each week brings at least as many as the one before, and at least 7: weeks of 3 then 6
    # are not kept, 7 then 7 are
    assert not speeding_up(_weekly(7, 7, 3, 6), keep=True) and speeding_up(_weekly(7, 7, 7, 7), keep=True)


def _headlines(run: ClassRun, label: str, days: int, step: int = 1) -> dict[int, str]:
    shown = {}
    while run.day < days:
        run.advance(step)
        shown[run.day] = next(f for f in run.frames() if f.label == label).verdict.headline
    return shown


def test_the_verdict_on_a_day_does_not_depend_on_which_days_a_page_showed():
    """The app reads each design every day, shown or not: a page at x10 that skips days
    sees on day d what a page at x1 sees on day d."""
    viral = load_scenario(SCENARIOS / "viral.yaml")
    designs = [Design.of(viral), Design.of(viral).with_incentive(kind="none")]
    every_day = _headlines(ClassRun(viral, NetworkChoice.of(viral), designs), "B", 90)
    every_ninth = _headlines(ClassRun(viral, NetworkChoice.of(viral), designs), "B", 90, step=9)
    assert every_ninth == {day: every_day[day] for day in every_ninth}
    assert len(set(every_day.values())) >= 3  # the check has verdicts to compare, not one reading


def test_a_loop_on_the_line_changes_its_verdict_far_less_often():
    """Design B of the viral preset (no reward) sits near K = 1 for months. Read without
    memory, its verdict changed 12 times in the 83 days from the one K rests on
    MIN_COHORT customers (seed 42; scripts/app_lesson_figures.py), every few days as one
    referral came or went; with hysteresis at most half as often, each reading held. (The
    days before, "K appears" then "too few customers", change the same way either way.)"""
    viral = load_scenario(SCENARIOS / "viral.yaml")
    run = ClassRun(viral, NetworkChoice.of(viral), [Design.of(viral), Design.of(viral).with_incentive(kind="none")])
    kept, memoryless = [], []
    while not run.finished:
        run.advance(1)
        frame = run.frames()[1]
        if frame.k.customers < MIN_COHORT:
            continue
        kept.append(frame.verdict.headline)
        memoryless.append(verdict(frame.k, frame.generations, frame.prospects_left, speeding_up(frame.new_referred)).headline)
    changes = [sum(a != b for a, b in zip(said, said[1:])) for said in (kept, memoryless)]
    assert changes[0] <= changes[1] / 2, changes
    assert changes[1] >= 10, changes  # the memoryless reading does flicker on this seed: the check can fail


def test_menus_and_design_lines_speak_words_not_schema_names(default):
    """A class reads 'end of onboarding' and 'random (Erdős–Rényi)', not 'onboarding' and
    'erdos_renyi': every kind the menus offer has a label without the schema's underscores,
    and the design line uses it."""
    for kinds, labels in ((TIMING_KINDS, TIMING_LABELS), (NETWORK_KINDS + PRESET_ONLY_KINDS, NETWORK_LABELS)):
        assert set(kinds) <= set(labels)
        assert all("_" not in labels[kind] for kind in kinds)
        assert len({labels[kind] for kind in kinds}) == len(kinds)
    design = Design.of(default)
    assert "end of onboarding + 1 reminder" in design.summary()
    assert "success milestone" in design.with_timing(kind="milestone").summary()


def test_a_complete_network_preset_keeps_its_kind_and_offers_no_friends_to_choose(default):
    """A user preset of `network: {kind: complete}` showed a blank network menu, a friends
    label of 299 'at most 30' over a slider that moved nothing (a complete graph has no
    mean degree to choose), and two kinds 'cannot be built here' for 299 friends. Its
    own kind is now offered and named, the friends are everyone else, and another kind
    starts at the most friends the slider offers."""
    import ipyvuetify
    import solara

    from simulator import app

    from simulator.scenario_io import validate

    data = default.model_dump(mode="json", exclude_none=True)
    data["network"] = {"kind": "complete", "strong_tie_share": 0.3}
    # a whole market of 20,000: refused as a run's network (over 5,000 people), opened scaled to the class, as the app
    # loads its presets (check_network=False; the class's network is checked at its own size)
    with pytest.raises(ScenarioError, match="a complete network of 20,000 people"):
        validate(data)
    preset = validate(data, check_network=False)
    choice = solara.Reactive(NetworkChoice.of(preset))
    root, page = solara.render(app.NetworkControls(choice, preset), handle_error=False)
    (menu,) = page.find(ipyvuetify.Select).widgets
    assert menu.v_model == "complete" and [i["value"] for i in menu.items][-1] == "complete"
    assert not any(i["props"]["disabled"] for i in menu.items), "a kind refused for 299 friends"
    said = " ".join(str(w.children) for w in page.find(ipyvuetify.Html).widgets)
    people = preset.population.size if preset.population.size <= 1000 else CLASS_SIZE
    assert f"Friends per person: everyone else, {people - 1}" in said and "at most" not in said
    assert [w.max for w in page.find(ipyvuetify.Slider).widgets] == [1000.0]   # the people's slider only
    # the run builds the complete graph: everyone else is a friend
    run = ClassRun(preset, choice.value, [Design.of(preset)])
    assert run.network.degree.min() == run.network.degree.max() == people - 1
    menu.v_model = "erdos_renyi"   # another kind starts at the slider's most, 30, not the 299 it cannot offer
    assert choice.value.kind == "erdos_renyi" and choice.value.mean_degree == 30.0


def test_an_edge_list_preset_sent_to_another_kind_and_back_shows_its_files_friends(default):
    """The cascade preset's file has 5.83 friends per person on average (counted in
    test_an_edge_list_keeps_its_file...); sent to another network kind and back, the
    label said 6, the other kind's, while the run built the file's network."""
    import ipyvuetify
    import solara

    from simulator import app

    cascade = load_scenario(SCENARIOS / "independent-cascade.yaml")
    own = NetworkChoice.of(cascade)
    choice = solara.Reactive(own)
    root, page = solara.render(app.NetworkControls(choice, cascade), handle_error=False)
    (menu,) = page.find(ipyvuetify.Select).widgets
    menu.v_model = "powerlaw_cluster"
    assert choice.value.kind == "powerlaw_cluster" and choice.value.mean_degree != own.mean_degree
    (menu,) = page.find(ipyvuetify.Select).widgets
    menu.v_model = "edgelist"
    assert choice.value == own, choice.value


def test_a_degree_list_preset_shows_its_lists_friends_and_the_slider_moves_them(default):
    """A preset with `network: {kind: configuration, degrees: [...]}` opened at the
    schema's 10 friends, which the list overrides, and the friends slider moved nothing
    (the list was kept whatever it said). The label starts at the list's mean, the list
    runs as long as the slider stays there, and a move builds the family at the mean asked."""
    from simulator.scenario_io import validate

    degrees = [3, 4, 5, 6, 7] * 12   # 60 people, mean 5 (odd: an even-degree kind snaps it to 6)
    data = default.model_dump(mode="json", exclude_none=True)
    data["population"] = {"size": 60, "initial_customers": 3}
    data["network"] = {"kind": "configuration", "degrees": degrees}
    preset = validate(data)
    choice = NetworkChoice.of(preset)
    assert choice.mean_degree == 5.0 and choice.size == 60
    assert classroom_scenario(preset, choice, Design.of(preset)).network.degrees == degrees
    # through an even-degree kind and back in the menu: the list's mean again (it came back as 8, the list dropped)
    import ipyvuetify
    import solara

    from simulator import app

    shown = solara.Reactive(choice)
    root, page = solara.render(app.NetworkControls(shown, preset), handle_error=False)
    for kind in ("powerlaw_cluster", "configuration"):
        (menu,) = page.find(ipyvuetify.Select).widgets
        menu.v_model = kind
    assert shown.value == choice, shown.value
    moved = dataclasses.replace(choice, mean_degree=8.0)
    assert classroom_scenario(preset, moved, Design.of(preset)).network.degrees is None
    assert ClassRun(preset, moved, [Design.of(preset)]).network.degree.mean() > 6   # about 8 (ties erased when simple)


@pytest.mark.parametrize("network, own, step", [
    ({"kind": "erdos_renyi", "mean_degree": 7.5}, 7.5, 0.5),
    ({"kind": "configuration", "degrees": [7, 7, 8] * 20}, 7.33, 0.01),   # mean 7.333..., shown as 7.33
    ({"kind": "erdos_renyi", "mean_degree": 8}, 8.0, 1.0),
    # below the slider's usual minimum of 2: its value sat under the minimum, and once moved could not come back
    ({"kind": "erdos_renyi", "mean_degree": 1.5}, 1.5, 0.5)])
def test_the_friends_slider_reaches_a_presets_fractional_mean(default, network, own, step):
    """The friends slider was whole numbers, so a preset's 7.5 friends per person, or a
    degree list's mean of 7.33, could not be set again once the slider moved (and the
    list came back only at its own mean). Its step is now the coarsest that holds the
    preset's mean, and a move away and back gives the preset's network again."""
    import ipyvuetify
    import solara

    from simulator import app
    from simulator.scenario_io import validate

    data = default.model_dump(mode="json", exclude_none=True)
    data["population"] = {"size": 60, "initial_customers": 3}
    data["network"] = network
    preset = validate(data)
    choice = solara.Reactive(NetworkChoice.of(preset))
    root, page = solara.render(app.NetworkControls(choice, preset), handle_error=False)
    (friends,) = [w for w in page.find(ipyvuetify.Slider).widgets if w.max == 30]
    assert friends.step == pytest.approx(step) and friends.v_model == pytest.approx(own)
    assert friends.min <= own   # the preset's own value is on the slider
    for value in (9, own):
        (friends,) = [w for w in page.find(ipyvuetify.Slider).widgets if w.max == 30]
        friends.v_model = value
    assert choice.value.mean_degree == pytest.approx(own)
    built = classroom_scenario(preset, choice.value, Design.of(preset)).network
    assert built.kind == preset.network.kind and getattr(built, "degrees", None) == network.get("degrees")
    assert network.get("degrees") or built.mean_degree == preset.network.mean_degree   # a list overrides the mean


def test_the_conversion_slider_keeps_the_ratio_of_a_presets_direct_channels():
    """A preset with two direct channels, email at 5% and in-app at 30%: the slider set
    both to its value, so a round trip (5% -> 0 -> 5%, or 5% -> 6% -> 5%) dropped in-app
    to 5% (86 adopters became 49) under an unchanged summary, which read the first
    channel only. The slider moves the first; the other keeps its ratio to it (at most
    1), a round trip gives the preset's channels back, and the summary gives the range."""
    preset = load_scenario(SCENARIOS / "default.yaml", [
        "program.channels=[{kind: direct, weight: 0.4, base_conversion: 0.05}, "
        "{kind: direct, weight: 0.4, base_conversion: 0.3}, {kind: broadcast, weight: 0.2}]"])
    design = Design.of(preset)
    assert "invites convert 5%–30%" in design.summary()
    for path in ([0.0, 0.05], [0.06, 0.05], [0.5, 0.2, 0.05]):
        moved = design
        for value in path:
            moved = moved.with_invite_conversion(value)
        assert moved.channels == design.channels, path
    assert [c.conversion for c in design.with_invite_conversion(0.1).channels[:2]] == pytest.approx([0.1, 0.6])
    assert [c.conversion for c in design.with_invite_conversion(0.5).channels[:2]] == [0.5, 1.0]   # at most 1
    assert design.with_invite_conversion(0.1).channels[2] == design.channels[2]   # broadcast keeps its own
    # to the tenth of a percent, as the slider's label: 12.5% read as 12%, the line of a design 12% also had
    single = Design.of(load_scenario(SCENARIOS / "default.yaml"))
    assert "invites convert 12.5%" in single.with_invite_conversion(0.125).summary()
    assert single.with_invite_conversion(0.12).summary().endswith("invites convert 12%")


def test_the_sliders_hold_a_presets_own_values_and_a_beta_mix_comes_back(default):
    """A preset converting 70% of invitations, with 8 reminders, 75 people and a beta
    satisfaction (26% promoters): the conversion slider stopped at 50%, reminders at 5,
    people went in tens from 50 and the mix in fives, so none could be set back once
    moved; and any touch of the mix made the beta an NPS mix for good, another run
    under the same design line. Each slider now reaches the preset's value, and the mix
    back at the preset's shares is its own block again."""
    import ipyvuetify
    import solara

    from simulator import app
    from simulator.scenario_io import validate

    data = default.model_dump(mode="json", exclude_none=True)
    data["population"] = {"size": 75, "initial_customers": 3}
    data["program"]["channels"] = [{"kind": "direct", "weight": 1.0, "base_conversion": 0.7}]
    data["program"]["timing"] = {"kind": "at_purchase", "reminders": {"count": 8}}
    data["satisfaction"] = {"kind": "beta", "a": 4, "b": 1.2}
    data["program"]["base_share"] = 0.12
    preset = validate(data)
    design = solara.Reactive(Design.of(preset))
    root, page = solara.render(app.DesignControls(design, "A", preset), handle_error=False)
    sliders = {w.label + str(i): w for i, w in enumerate(page.find(ipyvuetify.Slider).widgets)}
    conversion = next(w for w in sliders.values() if w.v_model == 0.7)
    assert conversion.max >= 0.7 and round(0.7 / conversion.step, 9) % 1 == 0
    assert any(w.max == 8 and w.v_model == 8 for w in sliders.values())   # reminders
    assert any(w.v_model == 0.12 and w.step == 0.01 for w in sliders.values())   # the share when asked
    # and a share of three decimals (0.333 sat between steps of 0.01, its label 0.33)
    third = validate({**data, "program": {**data["program"], "base_share": 0.333}})
    root, page = solara.render(app.DesignControls(solara.Reactive(Design.of(third)), "A", third), handle_error=False)
    assert any(w.v_model == 0.333 and w.step == 0.001 for w in page.find(ipyvuetify.Slider).widgets)
    labels = [w.children[0] for w in page.find(class_="refsim-label").widgets if w.children]
    assert any(label.startswith("Share probability when asked: 0.333 ") for label in labels), labels
    assert "33.3% share when asked" in Design.of(third).summary()   # the design line read 33% of 0.333 and 0.334
    # and a mix of 12.5% promoters (between steps of 0.01 it could not be set back, its label 12%)
    eighth = validate({**data, "satisfaction": {"kind": "nps_mix", "promoters": 0.125, "passives": 0.4}})
    root, page = solara.render(app.DesignControls(solara.Reactive(Design.of(eighth)), "A", eighth), handle_error=False)
    assert any(w.v_model == 0.125 and w.step == 0.005 for w in page.find(ipyvuetify.Slider).widgets)
    labels = [w.children[0] for w in page.find(class_="refsim-label").widgets if w.children]
    assert "Promoters, score 9–10: 12.5%" in labels and "12.5% promoters" in Design.of(eighth).summary()
    promoters = Design.of(preset).mix[0]
    assert round(promoters, 2) == 0.26 and any(w.step == 0.01 and w.v_model == 0.26 for w in sliders.values())
    back = Design.of(preset).with_mix(promoters=0).with_mix(promoters=0.26)
    assert back.satisfaction == preset.satisfaction, back.satisfaction
    assert Design.of(preset).with_mix(promoters=0.5).satisfaction.kind == "nps_mix"
    choice = solara.Reactive(NetworkChoice.of(preset))
    root, page = solara.render(app.NetworkControls(choice, preset), handle_error=False)
    (people,) = [w for w in page.find(ipyvuetify.Slider).widgets if w.max == 1000]
    assert people.v_model == 75 and people.step == 1


def test_the_preset_menu_lists_yml_files_and_the_opened_scenario(tmp_path):
    """A preset folder's .yml files were left out of the menu, so an app opened on one
    showed a value that was none of its items, and once another preset was picked the
    opened one could not be picked again."""
    from simulator.classroom import preset_files

    text = (SCENARIOS / "fading.yaml").read_text()
    for name in ("myclass.yml", "fading.yaml", "notes.txt"):
        (tmp_path / name).write_text(text)
    assert list(preset_files(tmp_path)) == ["fading", "myclass"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.yaml").write_text(text)
    assert list(preset_files(tmp_path, elsewhere / "mine.yaml")) == ["fading", "mine", "myclass"]
    (tmp_path / "fading.yml").write_text(text)   # a.yaml and a.yml both: the one the app opened is the menu's
    assert preset_files(tmp_path, tmp_path / "fading.yaml")["fading"] == tmp_path / "fading.yaml"


def test_no_verdict_names_more_customers_than_the_network_holds():
    """The old reading said 'the chain stops at about 1,893 customers' in a 300-person
    network: the verdict now speaks per customer, never of an absolute total."""
    for k in np.linspace(0.0, 0.99, 12):
        text = verdict(KReading(float(k), 100), [100, 50], prospects_left=0.5).text
        assert "stops at about" not in text


# --------------------------------------------------------------------------- scenarios from the controls


def test_presets_pass_through_untouched(default):
    cascade = load_scenario(SCENARIOS / "independent-cascade.yaml")
    for preset in (default, cascade):
        assert classroom_scenario(preset, own_size(preset), Design.of(preset)) == preset


def test_every_preset_opens_at_class_size():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        preset = load_scenario(path)
        scenario = classroom_scenario(preset, NetworkChoice.of(preset), Design.of(preset))
        assert scenario.network.kind == preset.network.kind, path.name


def test_a_preset_scales_to_the_class(default):
    scaled = classroom_scenario(default, NetworkChoice.of(default), Design.of(default))
    assert scaled.population.size == CLASS_SIZE
    # 200 initial customers in 20,000 people is 1%: 3 in 300
    assert scaled.population.initial_customers == 3
    budgeted = Design.of(default).with_incentive(kind="double_sided")
    budgeted = Design(budgeted.incentive.model_copy(update={"budget": 50_000.0}), budgeted.timing,
                      budgeted.satisfaction, budgeted.base_share, budgeted.channels)
    assert classroom_scenario(default, NetworkChoice.of(default), budgeted).program.incentive.budget == pytest.approx(750.0)
    # a monthly allowance scales too (docs/app.md: "any program budget"): 5,000 a month for 20,000 people is 75 for 300
    # (it stayed 5,000, and in class the allowance never held a reward back)
    monthly = Design(budgeted.incentive.model_copy(update={"budget": None, "budget_per_month": 5_000.0}),
                     budgeted.timing, budgeted.satisfaction, budgeted.base_share, budgeted.channels)
    assert classroom_scenario(default, NetworkChoice.of(default),
                              monthly).program.incentive.budget_per_month == pytest.approx(75.0)
    # counts of influencers and of asks a day scale as the initial customers do, at least one (20 influencers of a
    # market were 6.7% of a class of 300)
    for name, lever, key in (("influencers.yaml", "influencers", "count"),
                             ("b2b-account-managers.yaml", "targeting", "daily_capacity")):
        preset = load_scenario(SCENARIOS / name)
        given = getattr(getattr(preset.program, lever), key)
        ratio = CLASS_SIZE / preset.population.size
        scaled = classroom_scenario(preset, NetworkChoice.of(preset), Design.of(preset))
        assert getattr(getattr(scaled.program, lever), key) == max(1, round(given * ratio)), name
        assert ratio != 1 and given > 0, name


def test_an_edge_list_keeps_its_file_and_shows_its_own_mean_degree(default, tmp_path):
    cascade = load_scenario(SCENARIOS / "independent-cascade.yaml")
    choice = NetworkChoice.of(cascade)
    # the file's mean degree, counted here from its lines: 2 ties per line over the people
    lines = [line.split() for line in (SCENARIOS / "graph.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    people = 1 + max(max(int(u), int(v)) for u, v, *_ in lines)
    assert choice.kind == "edgelist" and choice.size is None
    assert choice.mean_degree == pytest.approx(2 * len(lines) / people, abs=0.01)
    with pytest.raises(ScenarioError, match="network.kind"):
        classroom_scenario(default, NetworkChoice("edgelist", None, 12.0, 1), Design.of(default))
    # a file listing each tie both ways (u v and v u), and a self-loop: the ties the network keeps, each once
    lines = (SCENARIOS / "graph.txt").read_text()
    both = cascade.model_copy(deep=True)
    twice = tmp_path / "both.txt"
    twice.write_text(lines + "".join(f"{line.split()[1]} {line.split()[0]}\n" for line in lines.splitlines()
                                     if line.strip() and not line.startswith("#")) + "5 5\n")
    both.network.path = str(twice)
    doubled = NetworkChoice.of(both)
    assert doubled.mean_degree == choice.mean_degree
    assert doubled.mean_degree == pytest.approx(float(ClassRun(both, doubled, [Design.of(both)]).network.degree.mean()),
                                                abs=0.01)
    moved = classroom_scenario(cascade, NetworkChoice("erdos_renyi", 300, 8.0, 1), Design.of(cascade))
    # its three launch ids scale with the class as a count does (docs/app.md): 3 x 300/1,000 rounds to 1, the first
    assert moved.network.kind == "erdos_renyi" and moved.population.initial_customers == [0]


def test_watts_strogatz_gets_an_even_degree(default):
    scenario = classroom_scenario(default, NetworkChoice("watts_strogatz", 100, 7.0, 1), Design.of(default))
    assert scenario.network.mean_degree % 2 == 0


def test_friends_stay_fewer_than_people():
    assert NetworkChoice("erdos_renyi", 50, 12.0, 1).degree_limit == 30
    assert NetworkChoice("erdos_renyi", 20, 12.0, 1).degree_limit == 19
    assert NetworkChoice("barabasi_albert", 20, 12.0, 1).degree_limit == 18   # in pairs there


@pytest.mark.parametrize("kind, asked, runs", [("powerlaw_cluster", 40, 40.0), ("erdos_renyi", 40, 40.0),
                                               ("barabasi_albert", 41, 42.0)])
def test_a_preset_with_more_friends_than_the_slider_offers_keeps_its_own_through_a_new_seed(default, kind, asked,
                                                                                           runs):
    """A preset of 40 friends per person on 300 people ran at 30 on hubs (clamped to the
    slider's top, unsaid), and on a random network at 40 under "at most 30" until a seed
    was typed, which then dropped it to 30: the same seed typed back gave other people.
    The slider now reaches the preset's own mean (as its network builds it: 41 in pairs
    builds 42), as `refsim run` runs it, and a new seed keeps it."""
    from simulator.classroom import built_mean_degree

    preset = load_scenario(SCENARIOS / "fading.yaml",
                           ["population.size=300", f"network={{kind: {kind}, mean_degree: {asked}}}"])
    choice = NetworkChoice.of(preset)
    assert choice.mean_degree == runs and choice.degree_limit >= runs
    again = dataclasses.replace(choice, seed=43)   # the app's update: friends stay at most the limit, then snapped
    again = dataclasses.replace(again, mean_degree=min(again.mean_degree, float(again.degree_limit))).snapped()
    assert again.mean_degree == runs
    assert classroom_scenario(preset, choice, Design.of(preset)).network.mean_degree == runs
    # the built mean on the class's network is near the asked one (a growth network builds 2m(n - m)/n)
    assert built_mean_degree(preset, choice) == pytest.approx(runs * (300 - runs / 2) / 300 if kind != "erdos_renyi"
                                                              else runs, rel=0.06)


@pytest.mark.parametrize("kind", ["powerlaw_cluster", "barabasi_albert", "watts_strogatz"])
def test_friends_come_in_pairs_where_the_network_is_built_in_pairs(default, kind):
    """On the default network 11 friends built the very network of 12 (each newcomer adds
    mean_degree / 2 ties, rounded half up; a ring lattice is even), under a label that
    said 11: the slider moves in 2s there, and a choice is the degree built."""
    from simulator.network import build_network

    choice = NetworkChoice(kind, 300, 11.0, 42)
    assert choice.degree_step == 2 and choice.snapped().mean_degree == 12.0
    assert NetworkChoice(kind, 300, 13.0, 42).snapped().mean_degree == 14.0
    assert NetworkChoice("erdos_renyi", 300, 11.0, 42).snapped().mean_degree == 11.0   # any degree there
    def built(degree):
        network = classroom_scenario(default, NetworkChoice(kind, 300, degree, 42), Design.of(default)).network
        return build_network(network, 300, np.random.default_rng(42), np.random.default_rng(43))

    built = {d: built(d) for d in (11.0, 12.0)}
    assert np.array_equal(built[11.0].indices, built[12.0].indices)   # why: 11 builds 12's network


def test_network_kinds_that_cannot_be_built_are_named_with_the_reason(default):
    """The combination that crashed the page: 50 people with 30 friends each."""
    problems = network_problems(default, NetworkChoice("powerlaw_cluster", 50, 30.0, 1))
    assert set(problems) >= {"configuration", "stochastic_block"}
    assert "powerlaw_cluster" not in problems and "erdos_renyi" not in problems
    assert all("mean_degree" in reason or "mean" in reason for reason in problems.values())
    assert network_problems(default, NetworkChoice("powerlaw_cluster", 300, 12.0, 1)) == {}


def test_a_preset_below_two_friends_greys_out_only_the_kinds_that_cannot_be_built(default):
    """A preset of 1.5 friends per person (Erdos-Renyi near its giant-component threshold)
    greyed out Holme-Kim and Barabasi-Albert, "Input should be greater than or equal to 2
    (got 1.5)", naming no control; chosen, they snap to 2 friends and build. The menu now
    checks each kind as choosing it makes it, and a refusal names the control."""
    from simulator import app
    from simulator.scenario_io import validate

    data = default.model_dump(mode="json", exclude_none=True)
    data["population"] = {"size": 300, "initial_customers": 5}
    data["network"] = {"kind": "erdos_renyi", "mean_degree": 1.5}
    sparse = validate(data)
    choice = NetworkChoice.of(sparse)
    assert choice.mean_degree == 1.5
    problems = network_problems(sparse, choice)
    for kind in ("powerlaw_cluster", "barabasi_albert"):
        assert kind not in problems, problems
        ClassRun(sparse, dataclasses.replace(choice, kind=kind).snapped(), [Design.of(sparse)])   # builds, at 2
    # a refusal of the friends names the control: 50 people cannot have 60 friends each
    crowded = network_problems(default, NetworkChoice("erdos_renyi", 50, 60.0, 1))
    assert crowded and all("friends per person" in app.in_class_words(reason) for reason in crowded.values()), crowded


def test_the_kinds_named_unbuildable_are_those_the_builder_refuses(default):
    """network_problems no longer builds each kind's network (it did on every slider
    move): validation makes the builders' own checks. The reference is the builder
    itself, given each kind's network block as the schema reads it (no validation of
    the scenario), over the slider's corners and sizes where blocks get small."""
    from pydantic import TypeAdapter

    from simulator.classroom import _network_block
    from simulator.config import Network
    from simulator.network.generators import build_network

    schema = TypeAdapter(Network)
    for size, degree in ((50, 30.0), (50, 2.0), (60, 29.0), (120, 30.0), (300, 12.0), (1000, 30.0)):
        choice = NetworkChoice("erdos_renyi", size, degree, 1)
        refused = set()
        for kind in NETWORK_KINDS:
            block = schema.validate_python(_network_block(default, dataclasses.replace(choice, kind=kind), size))
            try:
                build_network(block, size, np.random.default_rng(1), np.random.default_rng(1))
            except ScenarioError:
                refused.add(kind)
        assert set(network_problems(default, choice)) == refused, (size, degree, refused)
        assert refused or (size, degree) != (50, 30.0)   # the corner that crashed the page is refused


def test_a_seed_beyond_the_schema_is_an_error_not_a_crash(default):
    with pytest.raises(ScenarioError, match="seed"):
        classroom_scenario(default, NetworkChoice("erdos_renyi", 100, 6.0, 10**20), Design.of(default))
    classroom_scenario(default, NetworkChoice("erdos_renyi", 100, 6.0, MAX_SEED), Design.of(default))
    # said once by the page, not once per network kind under the Network menu (six times, each with the limit)
    from simulator.classroom import network_problems

    assert network_problems(default, NetworkChoice("erdos_renyi", 100, 6.0, -1)) == {}
    assert network_problems(default, NetworkChoice("erdos_renyi", 100, 6.0, 10**20)) == {}


def test_incentive_edits_take_their_defaults_from_the_schema(default):
    design = Design.of(default)
    none = design.with_incentive(kind="none")
    assert none.incentive.kind == "none" and none.referrer_reward == 0.0
    # a design that never had a reward (the no-program preset) gets each kind's schema defaults
    bare = Design.of(load_scenario(SCENARIOS / "no-program.yaml"))
    assert bare.incentive.kind == "none"
    schema_double = DoubleSided(kind="double_sided")
    fresh = bare.with_incentive(kind="double_sided")
    assert (fresh.referrer_reward, fresh.referee_reward) == (schema_double.referrer_reward, schema_double.referee_reward)
    assert bare.with_incentive(kind="single_sided").referrer_reward == SingleSided(kind="single_sided").referrer_reward
    assert bare.with_incentive(kind="tiered").referrer_reward == Tiered(kind="tiered").referrer_reward
    # through none and back a design gets its own rewards and settings again (the preset's budget, cap and reward
    # scale were lost under a summary that read the same, and design B, the preset without a reward, edited back to
    # a reward, was another program than A: 10 against dropbox-2008's 1.8, weighed against 0.9 against 9.5)
    back = none.with_incentive(kind="double_sided")
    assert back.incentive == design.incentive and back.summary() == design.summary()
    assert none.with_incentive(kind="single_sided").referrer_reward == design.referrer_reward
    for name in ("budget-capped-campaign.yaml", "monthly-allowance.yaml", "dropbox-2008.yaml", "single-sided-cash.yaml",
                 "b2b-organization.yaml"):
        preset = Design.of(load_scenario(SCENARIOS / name))
        again = preset.with_incentive(kind="none").with_incentive(kind=preset.incentive_kind)
        assert again.incentive == preset.incentive, name
    single = design.with_incentive(kind="single_sided", referrer=30)
    assert single.referee_reward == 0.0 and single.referrer_reward == 30.0
    assert single.incentive.paid_on == "qualification" and single.incentive.cap_per_referrer == 32  # from the preset
    tiered = design.with_incentive(kind="tiered", referrer=10)
    assert [(t.after, t.referrer_reward) for t in tiered.incentive.tiers] == [(0, 10.0), (3, 20.0)]
    assert [t.referrer_reward for t in tiered.with_incentive(referrer=15).incentive.tiers] == [15.0, 30.0]
    for edited in (none, back, single, tiered):
        classroom_scenario(default, NetworkChoice.of(default), edited)  # each is a valid scenario


def test_the_mean_friends_built_is_the_runs_own():
    """"Friends per person (mean): 30 (at most 30 with 50 people)" stood over a network
    of 21 friends each: growth models build fewer ties than asked in a small class. The
    page now says what was built, read from the network the class's run builds."""
    import dataclasses

    from simulator.classroom import built_mean_degree

    preset = load_scenario(SCENARIOS / "fading.yaml")
    for size, degree in ((50, 30), (300, 12)):
        choice = dataclasses.replace(NetworkChoice.of(preset), size=size, mean_degree=float(degree)).snapped()
        run = ClassRun(preset, choice, [Design.of(preset)])
        built = built_mean_degree(preset, choice)
        assert built == pytest.approx(float(run.network.degree.mean()), abs=1e-12)
        assert built == pytest.approx(2 * run.network.indices.size / 2 / size)   # ties counted from each end
    small_class = dataclasses.replace(NetworkChoice.of(preset), size=50, mean_degree=30.0).snapped()
    assert built_mean_degree(preset, small_class) < 0.8 * 30


def test_the_class_run_takes_the_network_the_friends_label_built():
    """The label built the class's network to count its friends, and the run built it
    again (a second build of up to 20,000 people on each change). Both now take it from
    the process's graph store: one build, and the run's network is the label's, drawn as
    before (the same ties as a build from the seed's own streams)."""
    import dataclasses

    from simulator.classroom import built_mean_degree
    from simulator.network import build_network, clear_graph_cache, graph_cache_info
    from simulator.rng import Streams

    preset = load_scenario(SCENARIOS / "fading.yaml")
    choice = dataclasses.replace(NetworkChoice.of(preset), size=300, mean_degree=12.0).snapped()
    clear_graph_cache()
    built_mean_degree(preset, choice)
    before = graph_cache_info()
    run = ClassRun(preset, choice, [Design.of(preset)])
    after = graph_cache_info()
    assert after["misses"] == before["misses"] and after["hits"] == before["hits"] + 1, (before, after)
    streams = Streams(int(choice.seed))
    own = build_network(run.scenarios[0].network, 300, streams("network"), streams("ties"))
    assert np.array_equal(own.indptr, run.network.indptr) and np.array_equal(own.indices, run.network.indices)


def test_the_conversion_shown_is_the_one_the_program_gives_its_channel():
    """A user preset with program.default_conversion {direct: 0.25} showed "10%" (the
    schema's) on the slider and in the summary, while the run used 0.25. The design now
    reads the program's conversion, and the class's scenario converts as the preset's."""
    preset = load_scenario(SCENARIOS / "fading.yaml", ["program.default_conversion={direct: 0.25}"])
    direct = [c for c in preset.program.channels if c.kind == "direct"]
    assert direct and all(c.base_conversion is None for c in direct)   # the file leaves it to the program's default
    design = Design.of(preset)
    assert design.invite_conversion == 0.25 and "25%" in design.summary(), design.summary()
    scenario = classroom_scenario(preset, NetworkChoice.of(preset), design)
    assert [scenario.program.conversion(c) for c in scenario.program.channels] == \
        [preset.program.conversion(c) for c in preset.program.channels]


def test_reward_round_trips_keep_each_kinds_own_block():
    """A preset with a friend's share uplift (a double-sided key) fell over on a click on
    'referrer only': the key was carried to a kind that has none. A tiered program lost
    its shape through another kind (5/15/40 came back 5/10) or through a first reward of
    0 (10/30/80 came back 10/20), under the same summary; a friend's reward set to 0 came
    back as 10 through none. Each kind's own block now returns with it."""
    fading = load_scenario(SCENARIOS / "fading.yaml")
    uplift = load_scenario(SCENARIOS / "fading.yaml", ["program.incentive.referee_share_uplift=1.0"])
    design = Design.of(uplift)
    single = design.with_incentive(kind="single_sided")
    assert single.incentive.kind == "single_sided" and single.referrer_reward == design.referrer_reward
    assert single.with_incentive(kind="double_sided").incentive == design.incentive   # the uplift returns with its kind
    b = design.with_incentive(kind="none").with_incentive(kind="single_sided")        # design B's path
    assert b.incentive.kind == "single_sided"
    tiered = load_scenario(SCENARIOS / "fading.yaml", [
        "program.incentive={kind: tiered, referee_reward: 8, tiers: [{after: 0, referrer_reward: 5}, "
        "{after: 2, referrer_reward: 15}, {after: 5, referrer_reward: 40}]}"])
    tiers = Design.of(tiered)
    shape = [(t.after, t.referrer_reward) for t in tiers.incentive.tiers]
    back = tiers.with_incentive(kind="double_sided").with_incentive(kind="tiered")
    assert [(t.after, t.referrer_reward) for t in back.incentive.tiers] == shape and back.summary() == tiers.summary()
    again = tiers.with_incentive(referrer=0).with_incentive(referrer=10)
    assert [(t.after, t.referrer_reward) for t in again.incentive.tiers] == [(0, 10.0), (2, 30.0), (5, 80.0)]
    assert again.incentive == tiers.with_incentive(referrer=10).incentive
    # a first tier of 0 (reward only from the third referral): editing the friend's reward, or a trip through another
    # kind, kept "tiered from 0" on the page and cut the 20 to 0
    late = load_scenario(SCENARIOS / "fading.yaml", [
        "program.incentive={kind: tiered, referee_reward: 5, tiers: [{after: 0, referrer_reward: 0}, "
        "{after: 3, referrer_reward: 20}]}"])
    later = Design.of(late)
    for edited in (later.with_incentive(referee=10), later.with_incentive(kind="single_sided").with_incentive(kind="tiered"),
                   later.with_incentive(kind="none").with_incentive(kind="tiered")):
        assert [(t.after, t.referrer_reward) for t in edited.incentive.tiers] == [(0, 0.0), (3, 20.0)]
    # the first reward raised keeps the 20 after 3 referrals as it is, and back at 0 the program is the one it was:
    # 0 -> 30 -> 0 scaled the 20 by 0 / 30, a program that rewarded nobody
    raised = later.with_incentive(referrer=30)
    assert [(t.after, t.referrer_reward) for t in raised.incentive.tiers] == [(0, 30.0), (3, 20.0)]
    assert raised.with_incentive(referrer=0).incentive == later.incentive
    assert [(t.after, t.referrer_reward) for t in raised.with_incentive(referrer=0).with_incentive(
        referrer=5).incentive.tiers] == [(0, 5.0), (3, 20.0)]
    # raised twice (0 -> 10 -> 20 -> 0): the 20 after three referrals stays, and the program comes back
    moved = later
    for first in (10, 20):
        moved = moved.with_incentive(referrer=first)
        assert [(t.after, t.referrer_reward) for t in moved.incentive.tiers] == [(0, float(first)), (3, 20.0)]
    assert moved.with_incentive(referrer=0).incentive == later.incentive
    unpaid = Design.of(fading).with_incentive(referee=0)
    assert unpaid.with_incentive(kind="none").with_incentive(kind="double_sided").referee_reward == 0
    for preset in (fading, uplift, tiered):   # every round trip is a valid class scenario
        for first in ("single_sided", "double_sided", "tiered", "none"):
            for second in ("single_sided", "double_sided", "tiered"):
                edited = Design.of(preset).with_incentive(kind=first).with_incentive(kind=second)
                classroom_scenario(preset, NetworkChoice.of(preset), edited)


def test_timing_mix_share_and_conversion_edits(default):
    design = Design.of(default)
    at_purchase = design.with_timing(kind="at_purchase")
    assert at_purchase.timing.kind == "at_purchase" and at_purchase.reminders == design.reminders == 1
    assert design.with_timing(kind="never").timing.kind == "never"
    assert design.with_timing(reminders=4).reminders == 4
    # through 'never' and back the preset's reminder settings return (its fatigue of 0.5 became the schema's 0.9,
    # under a design line that read as the preset's, and the class saw twice the K)
    fading = Design.of(load_scenario(SCENARIOS / "fading.yaml"))
    back = fading.with_timing(kind="never").with_timing(kind=fading.timing_kind)
    assert back.timing == fading.timing and back.summary() == fading.summary()
    # through another kind and back, a kind's own settings return: a milestone's day, reach and bar, a campaign's
    # days, onboarding's delay (73 adopters became 71 under the same summary)
    for name in ("b2b-account-managers.yaml", "budget-capped-campaign.yaml", "dropbox-2008.yaml"):
        preset = Design.of(load_scenario(SCENARIOS / name))
        away = "at_purchase" if preset.timing_kind != "at_purchase" else "onboarding"
        again = preset.with_timing(kind=away).with_timing(kind=preset.timing_kind)
        assert again.timing == preset.timing, name
        assert preset.with_timing(kind="never").with_timing(kind=away).with_timing(
            kind=preset.timing_kind).timing == preset.timing, name
    assert back.with_timing(reminders=2).timing.reminders.fatigue == fading.timing.reminders.fatigue == 0.5
    assert fading.with_timing(kind="never").with_timing(kind="at_purchase").timing.reminders == fading.timing.reminders
    mixed = design.with_mix(promoters=0.8, passives=0.5)
    assert mixed.mix == pytest.approx((0.8, 0.2))  # passives cut so the mix stays a distribution
    assert design.with_base_share(1.7).base_share == 1.0
    converted = design.with_invite_conversion(0.3)
    assert converted.invite_conversion == 0.3
    assert [c.base_conversion for c in converted.channels] == [0.3, None]  # broadcast keeps its own
    scenario = classroom_scenario(default, NetworkChoice.of(default), converted.with_timing(kind="campaign"))
    assert scenario.program.channels[0].conversion == 0.3 and scenario.program.timing.kind == "campaign"


def test_nps_shares_of_each_satisfaction_kind():
    assert nps_shares({"kind": "nps_mix", "promoters": 0.6, "passives": 0.3}) == (0.6, 0.3)
    assert nps_shares({"kind": "constant", "value": 10}) == (1.0, 0.0)
    assert nps_shares({"kind": "constant", "value": 8}) == (0.0, 1.0)
    assert nps_shares({"kind": "constant", "value": 5}) == (0.0, 0.0)
    # score = 10 X, X ~ Beta(a, b): the segment shares from scipy's distribution, with the
    # schema's default shapes when the block leaves them unset
    shapes = BetaSatisfaction(kind="beta")
    promoters, passives = nps_shares({"kind": "beta"})
    assert promoters == pytest.approx(stats.beta.sf(0.9, shapes.a, shapes.b))
    assert passives == pytest.approx(stats.beta.cdf(0.9, shapes.a, shapes.b) - stats.beta.cdf(0.7, shapes.a, shapes.b))


# --------------------------------------------------------------------------- the class run


def test_both_designs_share_people_and_luck(default):
    design = Design.of(default)
    run = ClassRun(default, NetworkChoice.of(default), [design, design])
    assert run.models[1].engine.network is run.models[0].engine.network
    run.advance(40)
    a, b = (model.engine.people for model in run.models)
    # the same design on the same seed is the same run, person by person
    for name in ("state", "adopted_day", "referred_by", "channel"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name

    other = ClassRun(default, NetworkChoice.of(default), [design, design.with_incentive(kind="none")])
    a, b = (model.engine.people for model in other.models)
    # a different design changes behaviour, not who the people are
    assert np.array_equal(a.channel == SEED, b.channel == SEED)
    assert np.array_equal(a.organic_day, b.organic_day) and np.array_equal(a.satisfaction, b.satisfaction)


def test_frames_add_up(default):
    viral = Design.of(default).with_timing(kind="at_purchase", reminders=3).with_base_share(0.8).with_invite_conversion(0.3)
    run = ClassRun(default, NetworkChoice.of(default), [Design.of(default), viral])
    run.advance(80)
    frames = run.frames()
    for frame, model in zip(frames, run.models):
        people = model.engine.people
        adopted_day = people.adopted_day
        assert frame.day == 80
        assert frame.adopters == frame.organic + frame.referred == int((adopted_day >= 0).sum())
        assert frame.adopters == frame.customers + frame.churned
        assert sum(frame.generations) == frame.adopters
        # K's cohort: people who joined during the run (day 1 on) and by day 80 - 30 = 50
        assert frame.k.customers == int(((adopted_day >= 1) & (adopted_day <= 80 - K_WINDOW_DAYS)).sum())
        # stocks from flows: adopters to date on day t = people whose adoption day is t or earlier
        expected = [int(((adopted_day >= 0) & (adopted_day <= day)).sum()) for day in range(81)]
        assert (frame.organic_to_date + frame.referred_to_date).tolist() == expected
        assert frame.referred_to_date[-1] == frame.referred
        assert frame.new_organic.sum() + frame.new_referred.sum() + frame.organic_to_date[0] == frame.adopters
        # the series are the model's own record of its days (its Mesa datacollector)
        record = model.datacollector.get_model_vars_dataframe()
        assert frame.active.tolist() == record["customers"].tolist()
        assert frame.new_organic.tolist() == record["new_organic"].tolist()
        assert frame.new_referred.tolist() == (record["new_referred"] + record["new_word_of_mouth"]).tolist()
    assert frames[1].referred > frames[0].referred  # the viral design refers more
    kept = [(f.active.tolist(), f.new_organic.tolist(), f.new_referred.tolist()) for f in frames]
    run.advance(20)  # a frame already shown does not change as the run goes on
    assert [(f.active.tolist(), f.new_organic.tolist(), f.new_referred.tolist()) for f in frames] == kept


def test_viral_and_fading_presets_do_what_they_say():
    """Seed 42 at class size, to day 90: the viral preset fills most of the network and
    is never called fading; the fading preset's K stays below 1."""
    viral = load_scenario(SCENARIOS / "viral.yaml")
    fading = load_scenario(SCENARIOS / "fading.yaml")
    for preset, check in ((viral, lambda f: f.adopters > 0.6 * 300 and f.verdict.tone != "fades"),
                          (fading, lambda f: f.k.known and f.k.k < 1 and f.verdict.tone == "fades")):
        run = ClassRun(preset, NetworkChoice.of(preset), [Design.of(preset)])
        run.advance(90)
        frame = run.frames()[0]
        assert check(frame), (preset.name, frame.adopters, frame.k, frame.verdict.tone)


def test_class_size_sets_the_population_of_a_large_preset():
    scenario = small()  # 2,000 people, 40 initial customers
    run = ClassRun(scenario, NetworkChoice.of(scenario, class_size=200), [Design.of(scenario)])
    assert run.network.n == 200
    assert int((run.models[0].engine.people.channel == SEED).sum()) == 4  # 2% of the people, as in the preset
    run.advance(5)
    assert run.frames()[0].day == 5


def test_the_play_clock_keeps_a_fixed_schedule():
    clock = PlayClock(speed=0.25, now=0.0)  # x1/4: 1.25 days a second, a day every 0.8 s
    assert clock.wait(0.0) == pytest.approx(0.8)
    clock.day_done()
    assert clock.wait(1.0) == pytest.approx(0.6)  # day 2 is due at 1.6 s
    clock.day_done()
    assert clock.wait(5.0) == 0.0  # late: no waiting, the schedule catches up
    fast = PlayClock(speed=10.0, now=0.0)
    pictures = 0
    for t in range(0, 1000, 20):  # a day every 20 ms for a second, each stepped when due
        fast.day_done()
        pictures += fast.picture_due(t / 1000)
    # at most MAX_FRAMES_PER_SECOND (10) pictures; a picture due exactly on a 0.1 s
    # boundary may fall to the next day by rounding, so 9 is the floor
    assert 9 <= pictures <= 10


def test_a_server_behind_the_schedule_skips_pictures_not_days():
    clock = PlayClock(speed=1.0, now=0.0)  # a day every 0.2 s
    on_time = []
    for day in range(5):  # each day stepped when due: every day gets its picture
        now = (day + 1) * 0.2
        assert clock.wait(now) == pytest.approx(0.0, abs=1e-9)
        clock.day_done()
        on_time.append(clock.picture_due(now))
    assert all(on_time)
    # the server stalls for 2 s, then steps the ten late days at once, 10 ms apart
    late = []
    for step in range(10):
        now = 3.0 + step * 0.01
        assert clock.wait(now) == 0.0  # no waiting: the days catch up
        clock.day_done()
        late.append(clock.picture_due(now))
    # a picture at most every 1 / MIN_FRAMES_PER_SECOND s while behind: the first only
    assert late == [True] + [False] * 9
    assert clock.days == 15 and not clock.behind(3.1)  # caught up: day 15 was due at 3.0 s


# --------------------------------------------------------------------------- pictures


def test_layout_is_computed_once_per_network_and_seed(default, monkeypatch):
    calls = []
    real = nx.spring_layout
    monkeypatch.setattr(app_pictures.nx, "spring_layout", lambda *args, **kwargs: calls.append(kwargs["seed"]) or real(*args, **kwargs))
    monkeypatch.setattr(app_pictures, "_LAYOUTS", type(app_pictures._LAYOUTS)())
    choice = NetworkChoice("erdos_renyi", 120, 6.0, 3)
    design = Design.of(default)
    first = ClassRun(default, choice, [design, design.with_incentive(kind="none")])
    again = ClassRun(default, choice, [design.with_timing(kind="never")])  # a reset, or a design change
    layout = app_pictures.network_layout(first.network, choice.seed)
    assert app_pictures.network_layout(again.network, choice.seed) is layout and len(calls) == 1
    app_pictures.network_layout(ClassRun(default, NetworkChoice("erdos_renyi", 120, 6.0, 4), [design]).network, 4)
    assert len(calls) == 2
    assert layout.min() >= 0.0 and layout.max() <= 1.0


def test_network_picture_draws_everyone_once_and_each_referral(default):
    viral = Design.of(default).with_timing(kind="at_purchase", reminders=3).with_base_share(0.8).with_invite_conversion(0.3)
    run = ClassRun(default, NetworkChoice.of(default), [viral])
    run.advance(60)
    frame = run.frames()[0]
    masks = network_groups(frame)
    # every person is in exactly one group (the initial customers' rings go on top)
    assert np.array_equal(np.sum(masks[:-1], axis=0), np.ones(run.network.n))
    assert np.array_equal(masks[-1], frame.initial & (frame.state != 0))
    picture = network_picture(frame)
    codes = picture["codes"]
    assert len(codes) == run.network.n
    # decoded as the browser does: a digit is the group, a letter the group plus the ring
    groups = np.array([ord(c) - (ord("a") if c >= "a" else ord("0")) for c in codes])
    ringed = np.array([c >= "a" for c in codes])
    for group, mask in enumerate(masks[:-1]):
        assert np.array_equal(groups == group, mask), POINT_GROUPS[group][0]
    assert np.array_equal(ringed, masks[-1])
    assert len(NETWORK_STYLE["groups"]) == len(POINT_GROUPS)  # the browser draws the legend's groups
    # one line per referral of record, from the inviter to the invited
    pairs = np.array(picture["links"]).reshape(-1, 2)
    assert len(pairs) == frame.referred > 0
    assert np.array_equal(frame.referred_by[pairs[:, 1]], pairs[:, 0])
    # generation 1, the only kind in a loop below 1, is the strong colour, not a pale tint
    red, green, blue = (int(GENERATION_COLOURS[1][i:i + 2], 16) for i in (1, 3, 5))
    assert red > 200 and green < 120 and blue < 60


def test_network_points_are_the_layout_in_thousandths(default):
    run = ClassRun(default, NetworkChoice("erdos_renyi", 120, 6.0, 3), [Design.of(default)])
    layout = app_pictures.network_layout(run.network, 3)
    points = np.array(network_points(layout)).reshape(-1, 2)
    assert points.shape == (120, 2) and points.min() >= 0 and points.max() <= 1000
    assert np.abs(points / 1000 - layout).max() <= 0.0005  # rounded to the nearest thousandth


def test_a_network_that_cannot_be_built_is_explained_in_the_controls_words(default):
    """50 people with 30 friends each on the given-degrees network: the page named the schema's
    key (network.mean_degree) under a slider called "Friends per person (mean)"."""
    from simulator import app  # the Solara page (imports solara)

    choice = dataclasses.replace(NetworkChoice.of(default), kind="configuration", size=50, mean_degree=30.0)
    said = app.build_run(default, choice, [Design.of(default)])
    assert isinstance(said, str) and "friends per person" in said and "mean_degree" not in said, said
    reasons = [app.in_class_words(reason) for reason in network_problems(default, choice).values()]
    assert reasons and not any("mean_degree" in reason or "within_share" in reason for reason in reasons), reasons


def test_a_refusal_names_the_preset_as_the_menu_does(default):
    """The menu lists presets by file ("default"); a refusal named the scenario's `name`
    inside the file ("preset default-double-sided-credit: seed: ...")."""
    from simulator import app  # the Solara page (imports solara)

    assert default.name != "default"   # else the check below could not tell the two apart
    too_large = dataclasses.replace(NetworkChoice.of(default), seed=MAX_SEED + 1)
    said = app.build_run(default, too_large, [Design.of(default)], "default")
    assert isinstance(said, str) and said.startswith("preset default: seed: ") and default.name not in said, said
    assert f"preset {default.name}: seed: " in app.build_run(default, too_large, [Design.of(default)])  # no menu


def test_while_playing_the_network_follows_every_day_and_the_charts_each_second(default, monkeypatch):
    from simulator import app  # the Solara page (imports solara)

    clock = [100.0]
    monkeypatch.setattr(app.time, "perf_counter", lambda: clock[0])
    run = app.build_run(default, NetworkChoice.of(default), [Design.of(default)])
    board = app.Board(run)
    chart_updates = 0
    for _ in range(40):  # 8 seconds at five days a second
        run.advance(1)
        clock[0] += 0.2
        board.update(playing=True, speed=1.0)
        # the network and the status show every day, in the day's one message
        shown = board.shown()
        assert shown["picture-A"] == network_picture(run.frames()[0])
        assert f"Day {run.day} " in shown["status"]
        # the charts come with the day's message once a second
        chart_updates += "adoption-A" in shown
        if "adoption-A" in shown:
            assert shown["adoption-A"] == app_pictures.adoption_option(run.frames()[0], run.network.n)
    assert chart_updates == 8 * app.CHARTS_PER_SECOND
    run.advance(1)
    board.update(playing=False, speed=1.0)  # paused or stepped: everything shows the day
    assert {"status", "picture-A", "text-A", "adoption-A", "daily-A", "generations-A"} <= set(board.shown())


def test_while_playing_at_most_a_window_of_days_goes_unanswered(default, monkeypatch):
    """The page answers (DayFeed.shown) the newest day it has drawn, once a second at most.
    While playing, the board sends no day while ANSWER_WINDOW days sent are unanswered:
    a slow browser gets fewer pictures, each of the current day, not a backlog. Whatever
    is not playing (Pause, Step) is sent at once, and with the window full an answer is
    waited for ANSWER_WAIT_S at most."""
    from simulator import app  # the Solara page (imports solara)

    clock = [100.0]
    monkeypatch.setattr(app.time, "perf_counter", lambda: clock[0])
    run = app.build_run(default, NetworkChoice.of(default), [Design.of(default)])
    board = app.Board(run)  # day 0 is sent
    window = app.ANSWER_WINDOW
    assert window >= app.MAX_FRAMES_PER_SECOND * app.ANSWER_EVERY_S  # a second's pictures between answers

    def sent() -> dict:
        return json.loads(board.feed.day)

    def next_day(playing: bool = True, seconds: float = 0.2) -> bool:
        run.advance(1)
        clock[0] += seconds
        return board.update(playing=playing, speed=1.0)

    first = board.feed.shown = sent()["seq"]  # the browser drew day 0 (the board sees it at 100.2)
    for day in range(1, window + 1):  # a window of days goes out unanswered
        assert next_day() and sent()["status"].startswith(f"Day {day} ")
    waiting = sent()
    for _ in range(5):  # the window is full: days go on, no picture is sent
        assert not next_day()
        assert sent() == waiting
    board.feed.shown = waiting["seq"] - 3  # the page has drawn all but the last three, seen at the next day
    # a day was held back for it: its window is now what it drew a second since its first
    # answer, plus one on its way (Board._pace)
    per_second = (board.feed.shown - first) / (clock[0] + 0.2 - 100.2)
    window = max(app.ANSWER_WINDOW_MIN, min(app.ANSWER_WINDOW, round(per_second * app.ANSWER_EVERY_S) + 1))
    assert window < app.ANSWER_WINDOW
    assert next_day()
    assert sent()["status"].startswith(f"Day {run.day} ") and sent()["seq"] == waiting["seq"] + 1  # the current day
    for _ in range(window - 3 - 1):
        assert next_day()
    assert not next_day()  # full again
    assert next_day(playing=False, seconds=0.01)  # Pause (or Step) is sent with the window full
    assert "paused" in sent()["status"] and sent()["status"].startswith(f"Day {run.day} ")
    assert not next_day(seconds=app.ANSWER_WAIT_S - 0.1)
    assert next_day(seconds=0.2)  # no answer for ANSWER_WAIT_S: the current day goes anyway
    assert sent()["status"].startswith(f"Day {run.day} ")


def test_a_slow_page_is_sent_about_what_it_draws(default, monkeypatch):
    """A page that draws one picture a second while ten are due is soon sent one picture
    a second with at most ANSWER_WINDOW_MIN unanswered (one drawn an answer's interval,
    plus one on its way), not a window of twelve: what it shows is a second or two old.
    Once it draws all it is sent, its window grows back until every picture due is sent."""
    from simulator import app  # the Solara page (imports solara)

    clock = [100.0]
    monkeypatch.setattr(app.time, "perf_counter", lambda: clock[0])
    run = app.build_run(default, NetworkChoice.of(default), [Design.of(default)])
    board = app.Board(run)
    board.feed.shown = json.loads(board.feed.day)["seq"]

    def play(seconds: int, answer) -> tuple[list[int], int]:
        """Ten pictures due a second; the page answers once a second. Returns the days
        unanswered after each tick and the days sent."""
        unanswered, before = [], board._sent
        for tick in range(1, 10 * seconds + 1):
            run.advance(1)
            clock[0] += 0.1
            board.update(playing=True, speed=1.0)
            if tick % 10 == 0:
                board.feed.shown = answer()
            unanswered.append(board._sent - board.feed.shown)
        return unanswered, board._sent - before

    unanswered, _ = play(2, lambda: board.feed.shown + 1)  # draws one picture a second
    assert max(unanswered) == app.ANSWER_WINDOW  # not yet known to be slow: the full window
    play(15, lambda: board.feed.shown + 1)  # it draws the backlog at its pace
    unanswered, sent = play(10, lambda: board.feed.shown + 1)
    assert max(unanswered) == app.ANSWER_WINDOW_MIN == round(1 * app.ANSWER_EVERY_S) + 1
    assert sent == 10  # one picture a second, what it draws
    play(10, lambda: board._sent)  # a lighter load: it draws all it is sent, and its window grows
    _, sent = play(5, lambda: board._sent)
    assert sent == 50  # every picture due is sent again


def test_each_day_carries_when_the_server_composed_it(default):
    """``sent`` (ms since the epoch) is the server's clock when it composed the day:
    bench/app_sessions.py measures the played rate and the picture's age from it."""
    import time

    from simulator import app  # the Solara page (imports solara)

    run = app.build_run(default, NetworkChoice.of(default), [Design.of(default)])
    board = app.Board(run)
    for _ in range(3):
        run.advance(1)
        before = time.time() * 1000
        board.update(playing=False, speed=1.0)
        after = time.time() * 1000
        assert before - 1 <= json.loads(board.feed.day)["sent"] <= after + 1


def test_a_page_that_never_answers_is_never_waited_for(default, monkeypatch):
    """A feed whose page has answered nothing yet (shown 0: no browser, or one whose
    script is older than the answers) is sent every picture due, as before."""
    from simulator import app  # the Solara page (imports solara)

    run = app.build_run(default, NetworkChoice.of(default), [Design.of(default)])
    board = app.Board(run)
    assert board.feed.shown == 0
    for _ in range(5):
        run.advance(1)
        assert board.update(playing=True, speed=1.0)
        assert json.loads(board.feed.day)["status"].startswith(f"Day {run.day} ")


def test_a_new_run_is_shown_on_the_same_widgets_from_its_first_day(default):
    from simulator import app  # the Solara page (imports solara)

    designs = [Design.of(default), Design.of(default).with_incentive(kind="none")]
    first = app.build_run(default, NetworkChoice("erdos_renyi", 120, 6.0, 3), designs)
    board = app.Board(first)
    widgets = {label: dict(panel) for label, panel in board.panels.items()}
    first.advance(30)
    board.update(playing=False, speed=1.0)
    second = app.build_run(default, NetworkChoice("erdos_renyi", 150, 6.0, 4), designs)
    board.show(second)
    assert all(board.panels[label][name] is widget for label in widgets for name, widget in widgets[label].items())
    assert board.shown()["status"].startswith("Day 0 ")
    network = board.panels["A"]["network"]
    assert len(json.loads(network.points)) == 2 * 150
    assert board.shown()["picture-A"] == network_picture(second.frames()[0])
    with pytest.raises(ValueError, match="cannot show"):  # one design's run needs a board of its own
        board.show(app.build_run(default, NetworkChoice("erdos_renyi", 120, 6.0, 3), designs[:1]))


def test_an_edit_the_schema_refuses_keeps_the_design_and_says_so_in_place(default, monkeypatch):
    """A reward click whose block the schema refused (a preset's key that one kind
    lacks) replaced the whole page with a traceback, every setting lost. An edit that
    cannot be made now leaves the design as it was, with a line in place."""
    import ipyvuetify
    import solara
    from pydantic import ValidationError

    from simulator import app  # the Solara page (imports solara)
    from simulator.config import SingleSided

    def refused(self, **kw):
        SingleSided.model_validate({"kind": "single_sided", "referee_share_uplift": 1.0})   # pydantic's own refusal

    design = solara.Reactive(Design.of(default))
    root, page = solara.render(app.DesignControls(design, "A", default), handle_error=False)
    monkeypatch.setattr(Design, "with_incentive", refused)
    with pytest.raises(ValidationError):
        refused(design.value)
    before = design.value
    (toggle,) = page.find(ipyvuetify.BtnToggle).widgets
    toggle.v_model = 0   # the first choice, as a click sets it (ToggleButtonsSingle keeps indices)
    assert design.value is before
    said = " ".join(str(w.children) for w in page.find(ipyvuetify.Html).widgets)
    assert "That change cannot be made to this design" in said, "no line in place"
    # the refused key and why, not pydantic's "1 validation error for SingleSided"
    assert "referee_share_uplift" in said and "validation error for" not in said, said


def test_the_controls_wait_for_the_first_picture(monkeypatch):
    """A new page sends its controls and puts its charts in the page only once the
    browser has drawn the first network picture (the NetworkPicture's ``drawn``), so
    they do not delay that picture."""
    import asyncio

    import ipyvuetify
    import solara

    from simulator import app  # the Solara page (imports solara)

    monkeypatch.setattr(app, "CONTROLS_AFTER_S", 3600.0)  # the fallback must not fire during the test

    async def open_page():
        root, page = solara.render(app.Page(), handle_error=False)
        try:
            await asyncio.sleep(0.05)
            networks = page.find(app.NetworkPicture).widgets
            assert len(networks) == 2  # designs A and B
            assert page.find(ipyvuetify.TextField).widgets == []  # no seed box yet
            assert page.find(app.EchartsJson).widgets == []  # nor charts
            networks[0].drawn = True  # what the browser sends after its first drawing
            await asyncio.sleep(0.05)
            assert len(page.find(app.EchartsJson).widgets) == 2 * 3  # three charts a design
            assert len(page.find(ipyvuetify.TextField, class_="refsim-seed").widgets) == 1
            assert len(page.find(ipyvuetify.Slider).widgets) > 0
        finally:
            page.close()

    asyncio.run(open_page())


def _on_a_page_with_controls(monkeypatch, check) -> None:
    """Render the page, let the browser's first picture be drawn (the controls come then),
    and run the coroutine ``check(page)`` on it."""
    import asyncio

    import solara

    from simulator import app

    monkeypatch.setattr(app, "CONTROLS_AFTER_S", 3600.0)  # the fallback must not fire during the test

    async def run():
        root, page = solara.render(app.Page(), handle_error=False)
        try:
            await asyncio.sleep(0.05)
            page.find(app.NetworkPicture).widgets[0].drawn = True
            await asyncio.sleep(0.05)
            await check(page)
        finally:
            page.close()

    asyncio.run(run())


def test_the_seed_box_says_why_it_refuses_text_in_full(monkeypatch):
    """Solara appends a refusal to the field's label: 'Seed (same seed: same people, same
    luck) (Value must be an integer)' was cut to '... same luck) (Value must' in the
    320-px controls column, while the run went on with the previous seed. The label
    with its refusal fits the column's floating label (about 45 characters)."""
    import asyncio

    import ipyvuetify

    async def type_text(page):
        page.find(ipyvuetify.TextField, class_="refsim-seed").widget.v_model = "abc"
        await asyncio.sleep(0.05)
        seed = page.find(ipyvuetify.TextField, class_="refsim-seed").widget
        assert seed.error and "Value must be an integer" in seed.label, seed.label
        assert len(seed.label) <= 40, seed.label

    _on_a_page_with_controls(monkeypatch, type_text)


def test_a_seed_out_of_range_stays_in_the_field_and_names_no_stale_seed(monkeypatch):
    """Typing -1 reached the run, whose red box said "seed -1 is out of range"; typing
    abc next left that box naming -1 (Solara's field refuses text without telling the
    page). A seed outside 0..MAX_SEED now goes no further than the field: a line under
    it says what a seed is and which seed the people are still drawn with, and no line
    names the refused seed."""
    import asyncio

    import ipyvuetify

    from simulator import app

    def texts(page, class_):
        return [" ".join(map(str, w.children)) for w in page.find(ipyvuetify.Html, class_=class_).widgets]

    def seed_box(page):
        return page.find(ipyvuetify.TextField, class_="refsim-seed").widget

    async def type_seeds(page):
        before = seed_box(page).v_model
        for typed in ("-1", "abc"):
            seed_box(page).v_model = typed
            await asyncio.sleep(0.3)   # the population waits until typing rests
            refused = texts(page, "refsim-seed-refused")
            assert refused == [f"A seed is a whole number from 0 to {app.MAX_SEED:,}; the people are still "
                               f"those of seed {before}."], (typed, refused)
            assert texts(page, "refsim-error") == [], typed
        seed_box(page).v_model = "5"
        await asyncio.sleep(0.3)
        assert texts(page, "refsim-seed-refused") == []
        assert "seed 5" not in " ".join(texts(page, "refsim-error"))
        # a new preset puts its own seed in the field: a line about the seed typed before goes with it
        seed_box(page).v_model = "-1"
        await asyncio.sleep(0.3)
        assert texts(page, "refsim-seed-refused") != []
        menu = page.find(ipyvuetify.Select, class_="refsim-preset").widget
        menu.v_model = next(name for name in menu.items if name != menu.v_model)
        await asyncio.sleep(0.3)
        assert texts(page, "refsim-seed-refused") == []

    _on_a_page_with_controls(monkeypatch, type_seeds)


def test_a_run_that_fails_while_playing_says_so(monkeypatch):
    """An error in the middle of playing stops the run with a line that says why, in
    place of a status line that keeps saying "playing". The playing thread's last
    picture is slowed down here, as on a loaded machine: the status line must have
    left "playing" by the time the error shows (it once showed both for that while)."""
    import asyncio
    import threading
    import time

    import ipyvuetify
    import solara

    from simulator import app  # the Solara page (imports solara)

    def broken(self, days=1):
        raise RuntimeError("the engine broke")

    update = app.Board.update

    def slow_from_the_playing_thread(self, playing, speed):
        if threading.current_thread() is not threading.main_thread() and not playing:
            time.sleep(0.5)
        return update(self, playing, speed)

    monkeypatch.setattr(app.Board, "update", slow_from_the_playing_thread)

    async def open_page():
        root, page = solara.render(app.Page(), handle_error=False)
        try:
            await asyncio.sleep(0.05)
            monkeypatch.setattr(app.ClassRun, "advance", broken)
            page.find(ipyvuetify.Btn, class_="refsim-play").widget.click()
            errors = []
            for _ in range(600):  # the run plays in a thread of its own (up to 30 s on a loaded machine)
                await asyncio.sleep(0.05)
                errors = [" ".join(map(str, w.children)) for w in page.find(ipyvuetify.Html, class_="refsim-error").widgets]
                if errors:
                    break
            assert errors and "The run stopped on day 0: the engine broke" in errors[0]
            assert "paused" in root_status(page) or "ready" in root_status(page)
        finally:
            page.close()

    def root_status(page):
        return json.loads(page.find(app.DayFeed).widget.day)["status"]

    asyncio.run(open_page())


def test_pause_has_the_last_word_over_a_picture_the_playing_thread_was_sending(monkeypatch):
    """Pause while the playing thread is still sending a day's picture: the status line
    ends on "paused", not on that late picture's "playing" (a saturated server made
    this race common: a page stayed "playing" after Pause for good)."""
    import asyncio
    import threading
    import time

    import ipyvuetify
    import solara

    from simulator import app  # the Solara page (imports solara)

    sending = threading.Event()
    original = app.Board._update

    def slow_from_the_thread(self, playing, speed, now):
        if playing and threading.current_thread() is not threading.main_thread():
            sending.set()
            time.sleep(0.3)  # the picture is late: Pause reaches the board first
        original(self, playing, speed, now)

    monkeypatch.setattr(app.Board, "_update", slow_from_the_thread)

    async def open_page():
        root, page = solara.render(app.Page(), handle_error=False)
        try:
            await asyncio.sleep(0.05)
            play = page.find(ipyvuetify.Btn, class_="refsim-play").widget
            play.click()
            for _ in range(200):
                if sending.is_set():
                    break
                await asyncio.sleep(0.01)
            assert sending.is_set(), "the run never sent a picture while playing"
            play.click()  # Pause, while that picture is on its way
            status = ""
            for _ in range(40):
                await asyncio.sleep(0.05)
                status = json.loads(page.find(app.DayFeed).widget.day)["status"]
            assert "paused" in status and "playing" not in status, status
        finally:
            page.close()

    asyncio.run(open_page())


def test_adoption_charts_draw_totals_not_stacks(default):
    viral = Design.of(default).with_timing(kind="at_purchase", reminders=3).with_base_share(0.8).with_invite_conversion(0.3)
    run = ClassRun(default, NetworkChoice.of(default), [viral])
    run.advance(60)
    frame = run.frames()[0]
    # ECharts' stack on two value axes adds up the x values too: the bands are drawn as totals
    for option in (app_pictures.adoption_option(frame, run.network.n), app_pictures.new_adopters_option(frame)):
        assert not any("stack" in series for series in option["series"])
    series = {s["name"]: np.array(s["xy"]).reshape(-1, 2) for s in app_pictures.adoption_option(frame, run.network.n)["series"]}
    assert np.array_equal(series["referred"][:, 0], np.arange(61))  # x is the day
    # the referred band's top is every adopter to date: organic + initial + referred
    assert series["referred"][-1, 1] == frame.adopters and series["organic + initial"][-1, 1] == frame.organic
    daily = {s["name"]: np.array(s["xy"]).reshape(-1, 2) for s in app_pictures.new_adopters_option(frame)["series"]}
    assert daily["referred"][:, 1].sum() == frame.adopters - frame.organic_to_date[0]  # every adoption after day 0


def test_a_long_run_is_charted_in_at_most_chart_points_points_with_its_totals_kept():
    """A run of 3,650 days would send every day of every series with each chart picture:
    past CHART_POINTS days a total is read every step days and on the last day, and a
    daily count is averaged over each step (bars times step give back the total)."""
    from simulator.app_pictures import CHART_POINTS, _series_of

    rng = np.random.default_rng(5)
    daily = rng.poisson(3.0, 3650).astype(float)
    total = np.cumsum(daily)
    for values, per_day in ((total, False), (daily, True)):
        xy = np.array(_series_of(values, per_day=per_day)).reshape(-1, 2)
        assert len(xy) <= CHART_POINTS + 1 and xy[0, 0] == 0 and np.all(np.diff(xy[:, 0]) > 0)
        step = int(xy[1, 0])
        assert step == -(-3650 // CHART_POINTS)
        if per_day:  # each bar the mean of its days; the bars' days add up to every day
            widths = np.diff(np.append(xy[:, 0], 3650))
            assert abs((xy[:, 1] * widths).sum() - daily.sum()) < 0.01 * len(xy)
            assert xy[1, 1] == pytest.approx(daily[step:2 * step].mean(), abs=0.005)
        else:  # a total is read where it stands, and the last day is always shown
            days = xy[:, 0].astype(int)
            assert np.array_equal(xy[:, 1], np.round(total[days])) and days[-1] == 3649
    short = np.array(_series_of(total[:CHART_POINTS])).reshape(-1, 2)  # up to CHART_POINTS days: every day
    assert np.array_equal(short[:, 0], np.arange(CHART_POINTS)) and np.array_equal(short[:, 1], total[:CHART_POINTS])


def test_the_legend_shows_what_is_drawn():
    legend = network_legend_html()
    for name, fill, ring, _ in POINT_GROUPS:
        assert name in legend and fill in legend
        if ring:
            assert ring in legend
    assert REFERRAL_LINES in legend


def test_generation_bars_gather_the_deep_generations(default):
    run = ClassRun(default, NetworkChoice.of(default), [Design.of(default)])
    frame = run.frames()[0]
    frame.generations = list(range(1, 16))  # 15 generations of 1..15 people
    option = generations_option(frame, shown=12)
    assert option["xAxis"]["data"][-1] == "11+"
    # every label drawn: the chart's own spacing hid "11+", and the last bar read as generation 11
    assert option["xAxis"]["axisLabel"]["interval"] == 0
    values = [bar["value"] for bar in option["series"][0]["data"]]
    assert len(values) == 12 and sum(values) == sum(range(1, 16))
    # labels of equal neighbours ran into one ("3535") where bars are narrower than a label: ECharts leaves
    # out one that would overlap another (seen in Chromium with ECharts 5.4: moveOverlap did not separate them)
    assert option["series"][0]["labelLayout"] == {"hideOverlap": True}


# --------------------------------------------------------------------------- refsim app refusals


def test_app_command_refuses_a_missing_scenario(tmp_path):
    result = CliRunner().invoke(cli, ["app", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.output and "Traceback" not in result.output


def test_app_command_refuses_a_wrong_engine_setting_before_the_server_starts(monkeypatch):
    """REFSIM_GRAPH_CACHE_MB=abc (or a wrong REFSIM_ENGINE) started the server, printed its
    address, then ended in a 40-line startup traceback; every other command refuses it
    in one line. The app now refuses it before anything starts."""
    launched = []
    monkeypatch.setattr("os.execve", lambda *args: launched.append(args))
    for name, value in (("REFSIM_GRAPH_CACHE_MB", "abc"), ("REFSIM_ENGINE", "fast")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            result = CliRunner().invoke(cli, ["app", "--port", "1"])
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {name}: '{value}'"), result.output
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not launched


def test_app_opens_on_a_preset_where_something_happens_in_class(monkeypatch):
    """`refsim app` without a scenario opens scenarios/fading.yaml: the default program at
    class size. The market-sized default at 300 people brings about two customers a year
    on its own (organic rate 0.00002 a day), a picture where nothing moves."""
    launched = {}

    def execve(path, command, env):
        launched.update(env=env)
        raise SystemExit(0)

    monkeypatch.setattr("os.execve", execve)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = CliRunner().invoke(cli, ["app", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert launched["env"]["REFSIM_APP_SCENARIO"] == str((SCENARIOS / "fading.yaml").resolve())
    grown = {}
    for name in ("fading", "default"):
        preset = load_scenario(SCENARIOS / f"{name}.yaml")
        run = ClassRun(preset, NetworkChoice.of(preset, CLASS_SIZE), [Design.of(preset)])
        run.advance(90)
        frame = run.frames()[0]
        grown[name] = frame.adopters - int(frame.initial.sum())
    # 300 x 0.0005 x 90 = 13.5 organic adopters expected in the opening preset, 0.5 in the default
    assert grown["fading"] >= 8 and grown["default"] <= 3, grown


def test_app_command_refuses_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--port", str(port)])
    assert result.exit_code == 2
    assert "--port" in result.output and str(port) in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEADDR") or __import__("os").name != "posix", reason="POSIX sockets")
def test_app_command_restarts_on_the_port_it_just_left(monkeypatch):
    """A teacher stops `refsim app` (Ctrl-C) with pages open and starts it again on the
    same port: the server's side of the pages' connections waits out TIME_WAIT (about a
    minute on Linux), and the command refused 'cannot listen on 127.0.0.1:PORT (Address
    already in use); pick another with --port', though the server itself binds there."""
    import errno as errno_module
    import time

    launched = {}

    def execve(path, command, env):
        launched.update(command=command)
        raise SystemExit(0)

    monkeypatch.setattr("os.execve", execve)
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()   # the server's side closes first, as a stopped server does: it is the side left in TIME_WAIT
        assert client.recv(1) == b""
        client.close()
    time.sleep(0.1)
    with socket.socket() as plain:   # what the port looks like to a bind without SO_REUSEADDR
        with pytest.raises(OSError) as refused:
            plain.bind(("127.0.0.1", port))
        assert refused.value.errno == errno_module.EADDRINUSE
    result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert str(port) in launched["command"]


def test_app_command_on_every_address_prints_one_a_browser_can_open(monkeypatch):
    """'--host 0.0.0.0' (the room's network, as the --host refusal suggests) printed
    'refsim app: http://0.0.0.0:8765/': no address a student's laptop can open."""
    monkeypatch.setattr("os.execve", lambda path, command, env: (_ for _ in ()).throw(SystemExit(0)))
    with socket.socket() as free:
        free.bind(("0.0.0.0", 0))
        port = free.getsockname()[1]
    result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--host", "0.0.0.0", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert "http://0.0.0.0" not in result.output
    assert f"http://127.0.0.1:{port}/" in result.output and "room's network" in result.output


def test_app_command_blames_an_address_that_is_not_this_machines_on_host():
    """'--host 999.1.1.1' read '--port: cannot listen on 999.1.1.1:18997 (Name or service
    not known)': the address was the mistake, not the port."""
    result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--host", "999.1.1.1", "--port", "18997"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "--host" in result.output and "--port:" not in result.output and "999.1.1.1" in result.output


def test_refsim_app_serves_with_the_classroom_websocket_settings(monkeypatch, tmp_path):
    """uvicorn closes a page's websocket when a ping goes 20 s unanswered, and a page that
    falls behind with its drawing answers late: `refsim app` starts Solara's server through
    simulator.app_server, whose uvicorn settings allow PING_TIMEOUT_S. Checked on the command
    `refsim app` would run, with uvicorn's server replaced by one that records its settings."""
    import subprocess
    import sys

    from simulator import app_server

    launched = {}

    def execve(path, command, env):
        launched.update(command=command, env=env)
        raise SystemExit(0)

    monkeypatch.setattr("os.execve", execve)  # the server the command would become
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--port", str(port)])
    assert result.exit_code == 0, result.output
    command = launched["command"]
    assert command[1:3] == ["-m", "simulator.app_server"] and command[3:5] == ["run", "simulator.app"]
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import runpy, sys, uvicorn\n"
        "class Recorded:\n"
        "    def __init__(self, config):\n"
        "        print('ping', config.ws_ping_interval, config.ws_ping_timeout, config.ws_per_message_deflate, config.app)\n"
        "        print('server', type(self).__name__)\n"
        "    def run(self):\n"
        "        pass\n"
        "uvicorn.Server = Recorded\n"
        f"sys.argv = ['simulator.app_server'] + {command[3:]!r}\n"
        "runpy.run_module('simulator.app_server', run_name='__main__')\n")
    done = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=120,
                          env=launched["env"])
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("ping "))
    assert line.split()[1:] == [str(app_server.PING_INTERVAL_S), str(app_server.PING_TIMEOUT_S),
                                str(app_server.PER_MESSAGE_DEFLATE), "solara.server.starlette:app"]
    assert "server ClassroomServer" in done.stdout.splitlines()  # the tick and the sends below
    assert app_server.PING_TIMEOUT_S > 20.0  # uvicorn's own default, which the crowded classroom outran
    assert app_server.PER_MESSAGE_DEFLATE is False  # uvicorn compresses every message by default


def test_every_browser_widget_is_a_precompiled_export_of_the_pages_module():
    """The widgets' browser side is one ES module per page, imported once, instead of a
    template the browser compiles for each widget (eight before the first picture):
    every widget class names an export the module has, with a render function, and its
    template points there. Checked on the module's text and on made widgets."""
    import re

    from simulator import app_chart

    module = app_chart.browser_module_js()
    exports = re.findall(r"^export const (\w+) = widget\(", module, flags=re.M)
    classes = [c for c in vars(app_chart).values() if isinstance(c, type) and issubclass(c, app_chart.BrowserWidget)
               and c is not app_chart.BrowserWidget]
    names = sorted(c.__name__ for c in classes)
    assert names == sorted(exports) == ["DayFeed", "EchartsJson", "HtmlText", "NetworkPicture", "RawHtml"]
    assert all(c.render.startswith("return h(") for c in classes)
    assert module.startswith('import { h } from "vue";') and "<template>" not in module
    store = app_chart.browser_templates()
    assert store["module"].name == app_chart.BROWSER_MODULE and store["module"].code == module
    for cls in classes:
        widget = cls()
        assert widget.template is store[cls.__name__]
        assert (widget.template.esm_module, widget.template.esm_export) == (app_chart.BROWSER_MODULE, cls.__name__)
        widget.close()


def test_the_pages_templates_outlive_the_widgets_that_come_and_go():
    """The templates are shared by every widget of a page. reacton closes the widgets made
    while it builds a widget once that widget leaves the page: a template first made
    there would close with it, and every other widget would lose its browser side. The
    page makes them first (Page), so a legend that leaves the page leaves them open."""
    import asyncio

    import solara

    from simulator import app_chart

    async def check(prepare: bool) -> bool:
        shown = solara.reactive(True)

        @solara.component
        def Probe():
            solara.use_memo(lambda: app_chart.browser_templates() if prepare else None, [])
            if shown.value:
                app_chart.RawHtml.element(html="<b>legend</b>")
            solara.Text("page")

        for key in ["module", "RawHtml"]:  # a fresh page: nothing made yet
            app_chart._page_store().pop(key, None)
        root, _ = solara.render(Probe(), handle_error=False)
        template = app_chart.browser_templates()["RawHtml"]
        shown.value = False
        await asyncio.sleep(0.05)
        still_open = template.comm is not None
        root.close()
        return still_open

    assert asyncio.run(check(prepare=True))
    assert not asyncio.run(check(prepare=False))  # what the page's preparation prevents


def test_a_cancelled_play_leaves_no_traceback_in_the_teachers_terminal(caplog):
    """Pause cancels the playing task, and Solara leaves the cancelled future unread:
    asyncio then logged "Future exception was never retrieved" with a traceback, sixteen
    times in a 30-session run. That record is dropped; a future that failed for another
    reason is still reported."""
    import asyncio
    import gc
    import logging

    from simulator import app  # noqa: F401  (installs the filter)

    def abandoned(error: BaseException) -> None:
        loop = asyncio.new_event_loop()
        future = loop.create_future()
        future.set_exception(error)
        del future  # never read: reported when collected
        gc.collect()
        loop.close()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        abandoned(asyncio.CancelledError())
        assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
        abandoned(ValueError("a real failure"))
        assert [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_a_run_played_to_its_end_leaves_no_traceback_in_the_teachers_terminal(caplog):
    """A run that played to its last day printed "Exception in callback
    Future.set_exception(CancelledError())" and an InvalidStateError: Solara cancels the
    finishing task after its result was set. Reproduced here as asyncio meets it (a
    set_exception scheduled on a future already done); that record is dropped, and an
    InvalidStateError from another callback is still reported."""
    import asyncio
    import logging

    from simulator import app  # noqa: F401  (installs the filter)

    def late(callback_of) -> None:
        loop = asyncio.new_event_loop()
        future = loop.create_future()
        future.set_result(None)
        loop.call_soon(callback_of(future))
        loop.call_soon(loop.stop)
        loop.run_forever()
        loop.close()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        late(lambda future: functools.partial(future.set_exception, asyncio.CancelledError()))
        assert not [r for r in caplog.records if "InvalidStateError" in repr(r.exc_info)]
        late(lambda future: functools.partial(future.set_result, 1))
        assert [r for r in caplog.records if "InvalidStateError" in repr(r.exc_info)]


def test_the_server_ticks_every_tick_s_and_renews_its_date_header_once_a_second(monkeypatch):
    """uvicorn wakes ten times a second for its housekeeping (about 3 ms of CPU a second with
    nothing to do); the classroom server wakes every TICK_S. uvicorn's on_tick counts tenths
    of a second and renews the date header when the count is a multiple of 10: checked on
    the counts and sleeps the loop gives it, and that it stops when on_tick says so."""
    import asyncio
    import threading

    import uvicorn

    from simulator import app_server

    counts, sleeps = [], []

    class Probe(app_server.ClassroomServer):
        async def on_tick(self, counter):
            counts.append(counter)
            return len(counts) == 5  # as when Ctrl-C has set should_exit

    async def sleep(seconds):
        sleeps.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    server = Probe(uvicorn.Config(app=None))
    # in a thread of its own, as in the gzip test below: Solara's page tests key their context by thread
    worker = threading.Thread(target=lambda: asyncio.run(server.main_loop()))
    worker.start()
    worker.join(30)
    assert app_server.TICK_S == 0.5
    assert sleeps == [0.5] * 4
    assert counts == [0, 5, 10, 15, 20]
    assert [c % 10 == 0 for c in counts] == [True, False, True, False, True]  # the header: once a second


def test_direct_sends_deliver_in_order_on_the_loop_and_raise_what_the_send_raised(monkeypatch):
    """A message made in the playing thread reaches the socket's event loop without anyio's
    portal, in order, and the caller still waits for it and gets its error (Solara drops a
    socket whose send raises WebSocketDisconnect). On the loop's own thread or without a
    portal the original send is used. A loop that stopped (a server shutting down) makes
    the send fail within SEND_CHECK_S instead of waiting for good."""
    import asyncio
    import threading

    from solara.server.websocket import WebSocketDisconnect

    from simulator import app_server

    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    loop_thread = runner.ident

    class Wrapper:  # the parts of solara.server.starlette.WebsocketWrapper that direct_sends uses
        def __init__(self, portal=True, thread=loop_thread):
            self.event_loop, self.portal, self._thread_id, self.sent = loop, portal or None, thread, []

        async def _send_text_exc(self, data):
            if data == "gone":
                raise WebSocketDisconnect()
            self.sent.append((data, threading.get_ident()))

        def send_text(self, data):
            self.sent.append(("original " + data, threading.get_ident()))

    try:
        assert app_server.direct_sends(Wrapper) and app_server.direct_sends(Wrapper)  # once, not wrapped twice
        assert Wrapper.send_text.__wrapped__.__name__ == "send_text" and not hasattr(Wrapper.send_text.__wrapped__, "direct")
        socket_ = Wrapper()
        for day in ["day 1", "day 2", "day 3"]:
            socket_.send_text(day)
        assert socket_.sent == [("day 1", loop_thread), ("day 2", loop_thread), ("day 3", loop_thread)]
        with pytest.raises(WebSocketDisconnect):
            socket_.send_text("gone")
        here = threading.get_ident()
        unported, on_loop = Wrapper(portal=False), Wrapper(thread=here)
        unported.send_text("x")
        on_loop.send_text("y")
        assert unported.sent == [("original x", here)] and on_loop.sent == [("original y", here)]
        assert not app_server.direct_sends(type("Bare", (), {"send_text": lambda self, data: None}))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(30)
    monkeypatch.setattr(app_server, "SEND_CHECK_S", 0.05)
    late = Wrapper()
    with pytest.raises(WebSocketDisconnect):
        late.send_text("after the loop stopped")
    loop.run_until_complete(asyncio.sleep(0))  # the abandoned send's coroutine is not left unawaited
    loop.close()


def test_solara_websocket_wrapper_still_has_what_direct_sends_uses():
    """direct_sends relies on Solara's WebsocketWrapper keeping _send_text_exc, portal,
    event_loop and _thread_id (solara 1.58): a Solara release without them is noticed here,
    not in a classroom. In a subprocess: importing Solara's server module sets up its app."""
    import subprocess
    import sys

    probe = ("import inspect, solara.server.starlette as s\n"
             "from simulator import app_server\n"
             "class Copy(s.WebsocketWrapper):\n    pass\n"
             "source = inspect.getsource(s.WebsocketWrapper.__init__)\n"
             "print(app_server.direct_sends(Copy), all(f'self.{name}' in source for name in "
             "('portal', 'event_loop', '_thread_id')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_the_server_compresses_at_the_cheap_gzip_level_before_and_after_its_stack_is_built():
    """Solara's server gzips every copy of its 3.5 MB script anew at Starlette's level 9 (0.2 s
    of CPU a page); the page sets the level to GZIP_LEVEL, whether or not the middleware stack
    exists yet. Checked on the bytes served: they decompress to the text, and their length is
    what zlib gives at that level, not at level 9."""
    import asyncio
    import gzip
    import threading
    import zlib

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from simulator import app

    rng = np.random.default_rng(3)
    text = " ".join(f"word{int(i)}" for i in rng.zipf(1.3, 40_000) % 5000)  # compresses differently per level

    def served(server) -> bytes:
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "",
                 "headers": [(b"accept-encoding", b"gzip")], "scheme": "http", "server": ("test", 80), "http_version": "1.1"}
        # in a thread of its own: an event loop run in the main thread would change the
        # thread key under which Solara's page tests find their context
        worker = threading.Thread(target=lambda: asyncio.run(server(scope, receive, send)))
        worker.start()
        worker.join()
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    def expected(level: int) -> int:
        packer = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return len(packer.compress(text.encode()) + packer.flush())

    assert expected(app.GZIP_LEVEL) != expected(9)
    for build_first in (False, True):
        server = Starlette(routes=[Route("/", lambda request: PlainTextResponse(text))],
                           middleware=[Middleware(GZipMiddleware, minimum_size=10)])
        if build_first:
            server.middleware_stack = server.build_middleware_stack()
        assert app.cheap_compression(server)
        body = served(server)
        assert gzip.decompress(body).decode() == text
        assert len(body) == expected(app.GZIP_LEVEL)


@contextlib.asynccontextmanager
async def drawn_page():
    """The page rendered in-process (no browser) with its first network picture marked
    drawn, so its controls and charts are there; closed afterwards."""
    import solara

    from simulator import app  # the Solara page (imports solara)

    root, page = solara.render(app.Page(), handle_error=False)
    try:
        await asyncio.sleep(0.05)
        page.find(app.NetworkPicture).widgets[0].drawn = True   # the controls come after the first picture
        await asyncio.sleep(0.05)
        yield page
    finally:
        page.close()


def test_switching_show_keeps_the_day_the_class_was_watching(monkeypatch):
    """Paused on day 42 of A vs B, a switch to 'one design' went back to 'Day 0 ... press
    Play': a teacher zooming in on A lost what the class had watched. Each design runs on
    its own model over the same people and seed, so A alone on day d is A of the pair on
    day d: the switch now keeps the day, and A's counts are the pair's A's."""
    import asyncio

    import ipyvuetify

    from simulator import app  # the Solara page (imports solara)

    monkeypatch.setattr(app, "CONTROLS_AFTER_S", 3600.0)

    def status(page):
        return json.loads(page.find(app.DayFeed).widget.day)

    async def open_page():
        async with drawn_page() as page:
            for _ in range(5):
                page.find(ipyvuetify.Btn, class_="refsim-step").widget.click()
                await asyncio.sleep(0.02)
            pair = status(page)
            assert pair["status"].startswith("Day 5 ") and "text-B" in pair
            toggle = page.find(ipyvuetify.BtnToggle, class_="refsim-compare-toggle").widget
            toggle.v_model = 0   # 'one design'
            await asyncio.sleep(0.05)
            alone = status(page)
            assert alone["status"].startswith("Day 5 "), alone["status"]
            assert "text-B" not in alone and alone["text-A"] == pair["text-A"]
            toggle.v_model = 1   # back to A vs B: still day 5, B as it was
            await asyncio.sleep(0.05)
            again = status(page)
            assert again["status"].startswith("Day 5 ") and again["text-B"] == pair["text-B"]

    asyncio.run(open_page())


def test_stepping_to_the_last_day_turns_play_and_step_off(monkeypatch):
    """A run that reached its last day by Step (not Play) left Play and Step enabled:
    the buttons are drawn from run.finished, and no reactive value changed to redraw
    them. Played to its end, they turned off; stepped to it, now too."""
    import asyncio

    import ipyvuetify

    from simulator import app  # the Solara page (imports solara)

    monkeypatch.setattr(app, "CONTROLS_AFTER_S", 3600.0)
    boards = []
    made = app.Board.__init__

    def keeping(self, *args, **kwargs):
        made(self, *args, **kwargs)
        boards.append(self)

    monkeypatch.setattr(app.Board, "__init__", keeping)

    def button(page, name):
        return page.find(ipyvuetify.Btn, class_=f"refsim-{name}").widget

    async def open_page():
        async with drawn_page() as page:
            run = boards[-1].run
            run.advance(run.days - run.day - 1)   # the day before the last, as if stepped there
            button(page, "step").click()
            await asyncio.sleep(0.05)
            assert run.finished
            assert json.loads(page.find(app.DayFeed).widget.day)["status"].endswith("finished: press Reset to start again")
            assert button(page, "step").disabled and button(page, "play").disabled

    asyncio.run(open_page())


def test_switching_the_view_while_playing_keeps_saying_playing(monkeypatch):
    """Switching to 'one design' (or moving a slider) while the run played showed
    "paused" on the status line until the next day's picture: the new view's first
    picture was always drawn as paused. It now says what holds, playing."""
    import asyncio

    import ipyvuetify

    from simulator import app  # the Solara page (imports solara)

    monkeypatch.setattr(app, "CONTROLS_AFTER_S", 3600.0)

    def status(page):
        return json.loads(page.find(app.DayFeed).widget.day)["status"]

    async def open_page():
        async with drawn_page() as page:
            play = page.find(ipyvuetify.Btn, class_="refsim-play").widget
            play.click()
            try:
                await asyncio.sleep(0.05)
                page.find(ipyvuetify.BtnToggle, class_="refsim-compare-toggle").widget.v_model = 0   # 'one design'
                await asyncio.sleep(0.01)
                shown = status(page)
                assert "playing" in shown and "paused" not in shown, shown
            finally:
                page.find(ipyvuetify.Btn, class_="refsim-play").widget.click()   # Pause: the playing thread stops
                await asyncio.sleep(0.05)

    asyncio.run(open_page())


def test_the_k_card_says_why_k_reads_0_beside_referrals():
    """On b2b-account-managers the card read 'K = 0.00 ... 100 customers bring 0' beside
    '14 referred': the ask comes on day 45 and deals close weeks later, outside K's 30-day
    window. The card now says so for a design that asks late. A low K with another cause
    (the fading preset's no-reward design B on day 146: its 3 referrals came days after
    referrers not yet 30 days in) gets no such line, nor does a design whose K counts them."""
    from simulator.app import panel_html

    def last_frame(name, day=None, no_reward=False):
        preset = load_scenario(SCENARIOS / f"{name}.yaml")
        design = Design.of(preset).with_incentive(kind="none") if no_reward else Design.of(preset)
        run = ClassRun(preset, NetworkChoice.of(preset, CLASS_SIZE), [design])
        run.advance(day or preset.days)
        return run.frames()[0], design

    b2b, design = last_frame("b2b-account-managers")
    assert b2b.k.known and b2b.k.k < 0.05 and b2b.referred >= 3 and design.timing.delay_days == 45   # the premise
    assert (f"This design first asks about 46 days after joining, and K counts only the referrals a customer makes within 30 "
            f"days of joining, so it reads near 0 here although {b2b.referred} joined through friends") in panel_html(b2b, design)
    # and no red "the loop fades" from that K, nor "100 customers bring 0": no verdict from a K that cannot judge it
    card = panel_html(b2b, design)
    assert b2b.verdict.tone == "fades" and "K cannot judge this loop: the design asks late" in card
    assert "the loop fades" not in card and "100 customers bring" not in card
    # nor before a third friend has joined: from day 124 (K on 10 customers) the three B2B presets read red "the loop
    # fades" for up to 190 days, then grey as referrals came, the design unchanged; a first ask at or past K's window
    # leaves K nothing to count, whatever has come yet
    for name in ("b2b-account-managers", "b2b-organization", "b2b-gift-card"):
        preset = load_scenario(SCENARIOS / f"{name}.yaml")
        early = Design.of(preset)
        run = ClassRun(preset, NetworkChoice.of(preset, CLASS_SIZE), [early])
        reds = []
        while not run.finished:   # every fifth day: the red stretch was 110 to 190 days long
            run.advance(5)
            frame = run.frames()[0]
            if frame.verdict.tone == "fades" and "the loop fades" in panel_html(frame, early):
                reds.append(run.day)
        assert not reds, (name, reds[:3])
    quiet, design = last_frame("fading", 146, no_reward=True)
    assert quiet.k.k < 0.05 and quiet.referred >= 3   # a low K beside referrals, for another reason
    assert "first asks" not in panel_html(quiet, design)
    fading, design = last_frame("fading")
    assert fading.k.k > 0.1 and "first asks" not in panel_html(fading, design)


def test_two_designs_that_differ_only_in_the_share_probability_read_differently(default):
    """Design B copied from A with its share slider at 0 read exactly as A at 1: 'double-sided
    10/10 · end of onboarding + 1 reminder · 50% promoters · invites convert 10%'."""
    design = Design.of(default)
    assert design.with_base_share(0.0).summary() != design.with_base_share(1.0).summary()
    assert "100% share when asked" in design.with_base_share(1.0).summary()
    assert "share when asked" not in design.with_timing(kind="never").summary()   # nobody is asked
    # promoters up to 90% cut passives to 10%, and back at 50% they stay cut: the design runs apart from the
    # preset's, and its line read "50% promoters" alike
    there_and_back = design.with_mix(promoters=0.9).with_mix(promoters=0.5)
    assert there_and_back.mix == (0.5, 0.1) and design.mix == (0.5, 0.35)
    assert "50% promoters, 35% passives" in design.summary() and "50% promoters, 10% passives" in there_and_back.summary()


def test_the_worked_figures_follow_k_as_shown():
    """'K = 0.86 ... 100 customers bring 86, who bring 75 ... about 7.4 customers' came from
    K = 0.864; a class checking on the board from 0.86 gets 74 and 1 / (1 - 0.86) = 7.1."""
    from simulator.referral_tree import KReading, verdict

    text = verdict(KReading(0.864, 60), [60, 30, 10], 0.9).text
    assert "0.86 new customers each" in text and "bring 86, who bring 74," in text and "about 7.1 customers" in text


def test_the_worked_chain_stops_where_a_generation_rounds_to_nobody():
    """On day 100 of the lesson's fading preset the cards read 'K = 0.07 ... 100 customers
    bring 7, who bring 0, each generation smaller' and, for design B, 'K = 0.00 ... 100
    customers bring 0, who bring 0, each generation smaller': generations of nobody."""
    from simulator.referral_tree import KReading, verdict

    zero = verdict(KReading(0.0, 13), [24], 0.9).text
    assert "bring 0" not in zero and "each generation smaller" not in zero
    assert "100 customers bring fewer than 1 new customer between them, so the chain stops there." in zero
    tiny = verdict(KReading(0.07, 14), [24, 1], 0.9).text
    assert "bring 7, who bring fewer than 1 between them, so the chain stops there." in tiny and "bring 0" not in tiny
    assert "bring 50, who bring 25, each generation smaller" in verdict(KReading(0.5, 40), [10, 5], 0.9).text


def _contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of #rgb or #rrggbb against white."""
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_the_verdicts_and_the_key_note_are_legible_on_white():
    """The verdict line is 13-px bold text: WCAG AA asks 4.5:1. 'K is about 1: on the edge'
    in #b26a00 had 4.2:1, and the grey of 'too few customers yet' and of the key's note
    on friendships 4.48:1, washed out further on a projector."""
    import re

    from simulator.app import TONE_COLOURS

    for tone, colour in TONE_COLOURS.items():
        assert _contrast_on_white(colour) >= 4.5, (tone, colour, round(_contrast_on_white(colour), 2))
    notes = re.findall(r"[^-]color:\s*(#[0-9a-fA-F]{3,6})", network_legend_html())   # text, not the swatches
    assert notes
    for colour in notes:
        assert _contrast_on_white(colour) >= 4.5, colour


def test_the_charts_count_whole_people():
    """The new-adopters axis showed 0.5 and 1.5 people on a quiet day: counts of people get
    whole ticks (ECharts' minInterval), except a long run's bars, which average several days."""
    from simulator.app_pictures import CHART_POINTS, generations_option, new_adopters_option

    preset = load_scenario(SCENARIOS / "fading.yaml")
    run = ClassRun(preset, NetworkChoice.of(preset, CLASS_SIZE), [Design.of(preset)])
    run.advance(10)
    frame = run.frames()[0]
    assert frame.days + 1 <= CHART_POINTS   # the premise: one bar a day
    assert new_adopters_option(frame)["yAxis"]["minInterval"] == 1
    assert generations_option(frame)["yAxis"]["minInterval"] == 1


def test_the_live_ratio_names_its_generations():
    """'newest generation ÷ the one before: ×0.14' spoke of generations hidden behind
    '… (3 more)' once more than ten were listed; the line now numbers them."""
    from simulator.app import panel_html

    preset = load_scenario(SCENARIOS / "viral.yaml")
    run = ClassRun(preset, NetworkChoice.of(preset, CLASS_SIZE), [Design.of(preset)])
    run.advance(40)
    frame = run.frames()[0]
    newest = len(frame.generations) - 1
    assert newest > 10   # the premise: more generations than the ten listed
    # named as generations (the numbers in brackets read as head counts), the ratio rounded as the generations line
    # rounds it (×0.08 beside ×0.077 there)
    from simulator.app import ratio_text

    assert f"newest, generation {newest} (may still grow) ÷ generation {newest - 1}: ×{ratio_text(frame.generation_ratios[-1])}" \
        in panel_html(frame)


def test_the_controls_say_what_a_reward_buys_here():
    """On the B2B presets design A (single-sided 10) and B (no reward) ended alike, and
    nothing said why: against 3 months of a 150 margin (a scale of 450), a reward to the
    organization (weight 1 for a business audience) of 10, paid 30 days after the friend
    joins at the default discount of 0.01 a day (1 / 1.3 = 77% of it paid at once), buys
    1 - e^(-10 / (450 · 1.3)) = 2% of the largest rise in sharing."""
    import math as m

    from simulator.app import reward_reach

    b2b = load_scenario(SCENARIOS / "b2b-account-managers.yaml")
    design = Design.of(b2b)
    incentive = b2b.program.incentive
    assert (design.referrer_reward, incentive.reward_type, incentive.audience) == (10, "organization", "business")
    text = reward_reach(design, b2b)
    assert f"buys {1 - m.exp(-10 / (450 * 1.3)):.0%} of the largest rise" in text and "weighed against 450, 3 months of a customer's margin of 150;" in text
    assert "paid 30 days after the friend joins, a reward moves people as 77% of it paid at once would)." in text
    # on the consumer default the discount shows in the share: 1 − e^(−10 / (24 · 1.3)) = 27%, not 34% paid at once
    default = load_scenario(SCENARIOS / "default.yaml")
    assert "Here 10 to the referrer buys 27% of the largest rise" in reward_reach(Design.of(default), default)
    assert reward_reach(design.with_incentive(kind="none"), b2b) == ""
    # a day, not "1 days" (dropbox-2008 pays a day after the friend joins)
    dropbox = load_scenario(SCENARIOS / "dropbox-2008.yaml")
    assert "paid 1 day after the friend joins" in reward_reach(Design.of(dropbox), dropbox)


def test_the_reward_sliders_hold_each_presets_own_rewards_in_its_own_money():
    """On dropbox-2008 (rewards 1.8, a margin of 0.3 a month) the sliders ran 0-100 in
    steps of 5: the preset's 1.8 could not be set again, and the smallest step was 17
    months of margin; on the B2B presets (margin 150) 100 was as far as they went. The
    range now reaches four reward scales (or twice the preset's largest reward), and its
    steps hold the preset's rewards; the consumer presets keep 0-100 by 5."""
    from simulator.classroom import reward_slider

    for name in sorted(p.stem for p in SCENARIOS.glob("*.yaml")):
        preset = load_scenario(SCENARIOS / f"{name}.yaml")
        top, step = reward_slider(preset)
        incentive = preset.program.incentive
        for reward in (getattr(incentive, "referrer_reward", 0), getattr(incentive, "referee_reward", 0)):
            assert 0 <= reward <= top and reward / step == pytest.approx(round(reward / step)), (name, reward, step)
        assert 10 <= top / step <= 500, (name, top, step)   # a slider a class can move, not a switch
    assert reward_slider(load_scenario(SCENARIOS / "default.yaml")) == (100.0, 5.0)
    assert reward_slider(load_scenario(SCENARIOS / "dropbox-2008.yaml")) == (50.0, 0.2)    # 4 x its scale of 9.5 = 38
    assert reward_slider(load_scenario(SCENARIOS / "b2b-organization.yaml")) == (2000.0, 10.0)   # 4 x 450 = 1,800


def test_the_reward_slider_gives_the_margin_its_amount_is_measured_in():
    """The model keeps no currency: "Reward to the referrer: 50" said 50 of nothing. The
    label gives the preset's monthly margin beside it, the figure a class can weigh a
    reward against (8 a month on the default, 150 on the B2B presets)."""
    import ipyvuetify
    import solara

    from simulator import app

    for name, margin in (("default.yaml", 8), ("b2b-account-managers.yaml", 150)):
        preset = load_scenario(SCENARIOS / name)
        assert preset.economics.monthly_margin == margin
        design = solara.reactive(Design.of(preset))
        box, rendered = solara.render(app.DesignControls(design, "A", preset), handle_error=False)
        try:
            labels = [widget.children[0] for widget in rendered.find(ipyvuetify.Html, class_="refsim-label").widgets]
            assert f"Reward to the referrer: {design.value.referrer_reward:g} (margin {margin} a month)" in labels, labels
        finally:
            rendered.close()


def test_the_app_opens_a_whole_market_preset_that_no_run_builds_at_its_own_size(tmp_path, monkeypatch):
    """Once validate refused networks a run cannot build, `refsim app` and the preset menu
    refused a 20,000-person complete-network preset, which the app never builds at that
    size: it scales a whole market to its class. The app's loads leave that check to
    the class's network; `refsim run` still refuses the file."""
    from simulator import app

    import yaml

    preset = tmp_path / "market.yaml"
    data = load_scenario(SCENARIOS / "fading.yaml").model_dump(mode="json", exclude_none=True)
    data["network"] = {"kind": "complete", "strong_tie_share": 0.3}
    data["population"]["size"] = 20_000
    preset.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="complete network of 20,000 people"):
        load_scenario(preset)
    monkeypatch.setenv(app.SCENARIO_ENV, str(preset))
    loaded, error = app._load_start()
    assert error is None and NetworkChoice.of(loaded, CLASS_SIZE).size == CLASS_SIZE
    run = ClassRun(loaded, NetworkChoice.of(loaded, CLASS_SIZE), [Design.of(loaded)])
    assert run.network.degree.min() == CLASS_SIZE - 1   # built at the class's size, everyone friends
    refused = CliRunner().invoke(cli, ["run", str(preset), "--out", str(tmp_path / "o")])
    assert refused.exit_code == 2 and "complete network of 20,000 people" in refused.stderr


def test_an_edge_list_preset_moved_to_a_generated_network_scales_its_launch_and_budget(tmp_path):
    """A class size is a share r of the preset's people, and the customers at launch and
    the budget scale by r (docs/app.md), but an edge-list preset kept its own: 100 of a
    1,000-person file stayed 100 of 300, and at 50 everyone was a customer on day 1."""
    (tmp_path / "edge.yaml").write_text(
        f"name: edge\npopulation: {{initial_customers: 100}}\nnetwork: {{kind: edgelist, path: {SCENARIOS / 'graph.txt'}}}\n"
        "program: {incentive: {kind: double_sided, referrer_reward: 10, referee_reward: 10, budget: 1000}}\n")
    preset = load_scenario(tmp_path / "edge.yaml")
    assert preset.population.size == 1000   # the file's people
    for size, launch, budget in ((300, 30, 300.0), (50, 5, 50.0)):
        choice = NetworkChoice(kind="erdos_renyi", size=size, mean_degree=6.0, seed=2)
        scenario = classroom_scenario(preset, choice, Design.of(preset))
        assert (scenario.population.initial_customers, scenario.program.incentive.budget) == (launch, budget)
    # launch customers given as ids scale alike: the first of them that are people of the class (all 50 of 50 were)
    ids = load_scenario(tmp_path / "edge.yaml", ["population.initial_customers=[" + ", ".join(map(str, range(100))) + "]"])
    for size, launch in ((300, 30), (50, 5)):
        choice = NetworkChoice(kind="erdos_renyi", size=size, mean_degree=6.0, seed=2)
        assert classroom_scenario(ids, choice, Design.of(ids)).population.initial_customers == list(range(launch))
    # a class larger than the preset (or one where few listed ids fit) tops the list up to the scaled count:
    # [0, 1] of 20 people stayed 2 of 300, where a count of 2 became 30; one id of 100 below 300 gave 1
    small_ids = validate({"name": "small", "population": {"size": 20, "initial_customers": [0, 1]},
                          "network": {"kind": "erdos_renyi", "mean_degree": 4}})
    grown = classroom_scenario(small_ids, NetworkChoice("erdos_renyi", 300, 4.0, 2), Design.of(small_ids))
    assert grown.population.initial_customers == list(range(30))
    far = load_scenario(tmp_path / "edge.yaml", ["population.initial_customers=[0, " + ", ".join(map(str, range(500, 599))) + "]"])
    moved = classroom_scenario(far, NetworkChoice("erdos_renyi", 300, 6.0, 2), Design.of(far))
    assert moved.population.initial_customers == list(range(30))   # 0, then the lowest others


def test_k_reads_about_1_by_the_figure_the_card_shows_ends_included():
    """docs/app.md: K reads 'about 1' from 0.95 to 1.05 and keeps it until it leaves
    0.90-1.10. K = 19/20 read 'below 1: the loop fades' (1 - 0.95 is 0.0500000000000000444
    in floating point) and 21/20 'above 1', and on the edge 9/10 stayed while 11/10 left.
    Read now by the K the card shows, ends included, on both sides."""
    from simulator.referral_tree import EDGE_HEADLINE, K_EDGE_LEAVE, verdict

    shrinking = [50, 40, 30, 20]
    for k in (19 / 20, 21 / 20, 0.9504, 0.9496):   # 0.9496 and 0.9504 both show 0.95
        assert verdict(KReading(k, 20), shrinking, 1.0).headline == EDGE_HEADLINE, k
    for k in (0.94, 1.06):
        assert verdict(KReading(k, 20), shrinking, 1.0).headline != EDGE_HEADLINE, k
    for k in (9 / 10, 11 / 10):   # on the edge already: it stays until K leaves 0.90-1.10
        assert verdict(KReading(k, 20), shrinking, 1.0, edge=K_EDGE_LEAVE).headline == EDGE_HEADLINE, k


def test_stopping_the_app_with_ctrl_c_says_interrupted_and_exits_130(monkeypatch, capsys):
    """Ctrl-C is the documented way to stop `refsim app` (docs/app.md), and solara's own
    command ended it with click's "Aborted!" and exit 1, where every other refsim command
    says "interrupted" and exits 130. The server's entry point now does the same; a usage
    mistake is still shown as click shows it."""
    import click
    import uvicorn

    from simulator import app_server

    monkeypatch.setattr(uvicorn, "Config", uvicorn.Config)   # main() swaps these in: restored after the test
    monkeypatch.setattr(uvicorn, "Server", uvicorn.Server)

    @click.command()
    def stopped():
        raise KeyboardInterrupt

    monkeypatch.setattr("solara.__main__.cli", stopped)
    monkeypatch.setattr("sys.argv", ["simulator.app_server"])
    with pytest.raises(SystemExit) as done:
        app_server.main()
    assert done.value.code == 130 and capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"

    @click.command()
    @click.option("--port", type=int)
    def server(port):
        raise AssertionError("not reached")

    monkeypatch.setattr("solara.__main__.cli", server)
    monkeypatch.setattr("sys.argv", ["simulator.app_server", "--port", "x"])
    with pytest.raises(SystemExit) as done:
        app_server.main()
    assert done.value.code == 2 and "'x' is not a valid integer" in capsys.readouterr().err


def test_a_fading_loop_grown_by_word_of_mouth_says_how_many_friends_came_that_way():
    """On dropbox-2008 at class size (seed 1) the card read "K below 1: the loop fades"
    beside generations growing 8 → 14 → 22: most friends had joined by word of mouth,
    which the generations count and K does not. A fading verdict now says how many, from
    the people table (friends who joined: a referrer; untracked: word of mouth), and only
    where they are most of the friends who joined."""
    dropbox = load_scenario(SCENARIOS / "dropbox-2008.yaml", check_network=False)
    run = ClassRun(dropbox, dataclasses.replace(NetworkChoice.of(dropbox), seed=1), [Design.of(dropbox)])
    said = []
    while not run.finished:
        run.advance(5)
        frame = run.frames()[0]
        people = run.models[0].engine.people
        joined = int((people.referred_by >= 0).sum())
        untracked = int(((people.referred_by >= 0) & ~people.tracked).sum())
        note = f"Here {untracked} of the {joined} friends who joined came by word of mouth, which K does not count"
        said.append(note in frame.verdict.text)
        assert (note in frame.verdict.text) == (frame.verdict.tone == "fades" and 2 * untracked > joined), run.day
    assert any(said)   # the seed does reach the case: the check can fail


def test_the_app_stopped_while_solara_imports_or_by_sigterm_says_interrupted(monkeypatch, capsys):
    """Ctrl-C a couple of seconds after `refsim app` printed its address (Solara still
    importing, the page not yet served) gave a KeyboardInterrupt traceback, and SIGTERM
    ended the server with no line (exit 143), where docs/reliability.md says SIGTERM takes
    Ctrl-C's path. Both now end in 'interrupted': 130 for Ctrl-C, 143 for SIGTERM."""
    import signal
    import types

    import click
    import uvicorn

    from simulator import app_server

    monkeypatch.setattr(uvicorn, "Config", uvicorn.Config)
    monkeypatch.setattr(uvicorn, "Server", uvicorn.Server)
    monkeypatch.setattr("sys.argv", ["simulator.app_server"])

    class Importing(types.ModuleType):   # Ctrl-C lands while `from solara.__main__ import cli` runs
        def __getattr__(self, name):
            raise KeyboardInterrupt

    monkeypatch.setitem(__import__("sys").modules, "solara.__main__", Importing("solara.__main__"))
    with pytest.raises(SystemExit) as done:
        app_server.main()
    assert done.value.code == 130 and capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
    monkeypatch.undo()
    monkeypatch.setattr(uvicorn, "Config", uvicorn.Config)
    monkeypatch.setattr(uvicorn, "Server", uvicorn.Server)
    monkeypatch.setattr("sys.argv", ["simulator.app_server"])

    @click.command()
    def serving():   # SIGTERM while serving: the handler the server process installs raises Stopped
        previous = signal.signal(signal.SIGTERM, app_server._terminated)
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            signal.signal(signal.SIGTERM, previous)

    monkeypatch.setattr("solara.__main__.cli", serving)
    monkeypatch.setattr(app_server._terminated, "called", False)   # set by the SIGTERM below; restored after the test
    with pytest.raises(SystemExit) as done:
        app_server.main()
    assert app_server._terminated.called
    assert done.value.code == 143 and capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"


def test_a_tie_between_generations_does_not_hide_their_shrinking():
    """Design B of the viral preset on seed 1, day 45: 'K above 1: the loop grows' in
    green on 28 customers beside generations 6 → 4 → 4 → 3 → 1 and a week of single
    referrals: the last two complete ratios were 1.0 and 0.75, and the shrink test wanted
    both below 1. Neither growing and one shrinking is shrinking (docs/app.md's amber);
    generations that hold level are not."""
    shrank = verdict(KReading(1.11, 28), [11, 9, 13, 8, 15, 6, 4, 4, 3, 1], prospects_left=0.75)
    assert (shrank.tone, shrank.headline) == ("edge", "K above 1, but the generations shrink"), shrank
    level = verdict(KReading(1.11, 28), [11, 9, 13, 8, 15, 6, 4, 4, 4, 1], prospects_left=0.75)
    assert (level.tone, level.headline) == ("grows", "K above 1: the loop grows"), level


def test_the_app_says_an_edge_list_beyond_the_class_sizes_keeps_its_people(monkeypatch, tmp_path):
    """`refsim app big.yaml --size 300` on an edge list of 5,000 people served 5,000 dots a
    minute after the address was printed: an edge list keeps its size (docs/app.md's notes
    for the teacher), which --help and the options table did not say. The command now
    says so before it serves; a file within the class sizes gets no note."""
    def execve(path, command, env):
        raise SystemExit(0)

    monkeypatch.setattr("os.execve", execve)
    for people in (1_500, 400):
        (tmp_path / "ties.txt").write_text("".join(f"{i} {i + 1}\n" for i in range(people - 1)))
        (tmp_path / "big.yaml").write_text("population: {initial_customers: 2}\n"
                                           "network: {kind: edgelist, path: ties.txt}\n")
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        result = CliRunner().invoke(cli, ["app", str(tmp_path / "big.yaml"), "--size", "300", "--port", str(port)])
        said = f"note: the class is the edge list's own {people:,} people (an edge list keeps its size, whatever --size 300)"
        assert (said in result.output) == (people > 1_000), result.output


def test_how_a_network_filled_is_kept_once_said():
    """With the organic and referred counts close, the card flipped between "The network
    filled, mostly with people who came on their own" (79 of 154) and "The loop filled
    the network" (80 of 160) from one day to the next. Once a filled network is read one
    way, it keeps that reading while the counts stay near even (the referred share within
    5 points of half), as "on the edge" is kept near 1."""
    from simulator.referral_tree import OWN_HEADLINE, read_loop

    k, quiet = KReading(float("nan"), 0), np.zeros(30)
    first = read_loop(k, [79, 38, 20, 10, 7], 0.47, quiet)
    assert first.headline == OWN_HEADLINE
    kept = read_loop(k, [80, 42, 21, 10, 7], 0.46, quiet, previous=first)
    assert kept.headline == OWN_HEADLINE and "80 of the 160 who joined" in kept.text
    loop = read_loop(k, [80, 42, 21, 10, 7], 0.46, quiet)
    assert loop.headline == "The loop filled the network"
    assert read_loop(k, [89, 40, 22, 12, 7], 0.40, quiet, previous=loop).headline == "The loop filled the network"
    # but only while the counts stay near even (a referred share within 5 points of half): a reading made at 86 against
    # 84 stood on day 120 beside 120 who came on their own against 180 referred
    later = read_loop(k, [120, 100, 50, 20, 10], 0.1, quiet, previous=first)
    assert later.headline == "The loop filled the network"
    # its generations shrink before K is read (100 → 50 → 20): not "not because the loop fades"
    assert "the generations shrink already (100 → 50 → 20)" in later.text and "not because" not in later.text
    assert read_loop(k, [169, 80, 30, 10, 5], 0.1, quiet, previous=loop).headline == OWN_HEADLINE   # 125 of 294


def test_a_network_filled_before_k_could_be_read_by_a_shrinking_loop_says_the_loop_fades():
    """The fading preset with organic adoption at 1% a day and a keen loop (share 0.8,
    invitations converting 30%) fills half its 300 people on day 28, before K can be read:
    the card said "The loop filled the network ... not because the loop fades" to the end,
    beside K 0.56 and generations 115 → 71 → 38 → 30 → 19. Read as fading instead, the
    card flipped red, grey and amber as K crossed 1.00 or rested on 2 customers (five
    verdicts in ten days). It keeps the one verdict from the day it filled, and its words
    say what the generations and a readable K show: before K can be read, that the
    generations shrink; once K is read below 1, that the loop itself fades."""
    from simulator.classroom import ClassRun, Design, NetworkChoice

    fading = load_scenario(SCENARIOS / "fading.yaml")
    preset = fading.model_copy(update={"acquisition": fading.acquisition.model_copy(update={"organic_rate": 0.01})})
    run = ClassRun(preset, NetworkChoice.of(preset), [Design.of(preset).with_base_share(0.8).with_invite_conversion(0.3)])
    said = {}
    while not run.finished:
        run.advance(1)
        frame = run.frames()[0]
        said[run.day] = (frame, frame.verdict)
    filled_on = min(day for day, (frame, _) in said.items() if frame.prospects_left < 0.5)
    frame, early = said[filled_on]
    assert not frame.k.known and early.tone == "filled" and "not because the loop fades" not in early.text
    # the three complete generations before the newest, as the frame holds them, each smaller than the one before
    chain = frame.generations[-4:-1]
    assert chain[0] > chain[1] > chain[2], frame.generations
    assert (f"the generations shrink already ({' → '.join(map(str, chain))}): once K can be read (on 10 customers)"
            in early.text), early.text
    # one verdict from the day it filled: no day of grey, amber or red between
    assert {verdict_of.tone for day, (_, verdict_of) in said.items() if day >= filled_on} == {"filled"}
    frame, last = said[max(said)]
    assert frame.k.known and frame.k.k < 1 and frame.k.customers >= 10 and frame.prospects_left < 0.5
    assert frame.generations[1] > frame.generations[2] > frame.generations[3]   # the case: a loop that shrank
    assert f"and K is {frame.k.k:.2f}: the loop itself fades" in last.text and "not because" not in last.text, last.text
    # the verdict alone: shrinking generations, K read below 1 on enough customers, the network half full
    said_then = verdict(KReading(0.75, 150), [81, 59, 33, 29, 16, 9], prospects_left=0.3)
    assert said_then.tone == "filled" and "and K is 0.75: the loop itself fades" in said_then.text
    # K of 1 or above on a filled, shrinking loop: what to watch for
    above = verdict(KReading(1.0, 20), [65, 53, 31, 25, 12, 3], prospects_left=0.36)
    assert above.tone == "filled" and "watch whether K falls below 1" in above.text

def test_a_loop_read_as_fading_stays_fading_once_the_network_fills_whatever_k_reads():
    """Red "fades" on day 37 at K 0.89, the card turned grey "The loop filled the network"
    the next day at K 1.00 (the network just past half full), and its text then said the
    loop fades and that we wait to see by turns. docs/app.md: a loop read as fading stays
    so once the network passes half full; as the filling holds K down it may read 1 or
    above on late cohorts, and the card keeps one verdict and one headline."""
    from simulator.referral_tree import FILLED_FADING_HEADLINE, read_loop

    quiet = np.zeros(30)
    before = read_loop(KReading(0.889, 18), [50, 34, 25, 18, 14, 8, 2], 0.51, quiet)
    assert before.tone == "fades" and before.headline == "K below 1: the loop fades"
    said = [before]
    for k, left in ((1.0, 0.49), (1.125, 0.48), (0.947, 0.45), (1.045, 0.44), (0.883, 0.41)):
        said.append(read_loop(KReading(k, 40), [52, 39, 26, 20, 15, 8, 4], left, quiet, previous=said[-1]))
    assert [(v.tone, v.headline) for v in said[1:]] == [("fades", FILLED_FADING_HEADLINE)] * 5, said
    assert "brought in 1.12 new customers each" in said[2].text and "was read as fading before the network filled" \
        in said[2].text
    assert "Only 41% of the people are still prospects, which slows it further" in said[-1].text
    # a loop that grew is not held to its fading: generations that grew read green (the older rule, kept)
    grew = read_loop(KReading(0.9, 40), [5, 10, 18, 26, 33, 30, 2], 0.45, quiet, previous=before)
    assert grew.tone == "grows"


def test_growth_that_shows_only_after_the_network_filled_does_not_turn_a_filled_card_green():
    """A network read as "The loop filled the network" on day 23, its generations
    shrinking, turned green "grew until it filled ... not because the loop fades" on day
    94, when one late joiner took generation 4 from 52 to 53 and 36 → 39 → 53 passed the
    growth test (2√(2·36) = 16.97). docs/app.md: green is for generations that grew
    before the network filled; a card read as filled without that keeps its reading."""
    from simulator.referral_tree import GREW_HEADLINE, read_loop

    quiet = np.zeros(30)
    filled = read_loop(KReading(0.83, 280), [44, 38, 36, 39, 52, 33, 30, 12], 0.03, quiet)
    assert filled.headline == "The loop filled the network" and not filled.grew   # the case: no growth read
    later = read_loop(KReading(0.82, 285), [44, 38, 36, 39, 53, 33, 30, 12], 0.03, quiet, previous=filled)
    assert later.headline == "The loop filled the network", later.text
    # read fresh, the same generations do pass the growth test: the memory is what keeps the card
    assert read_loop(KReading(0.82, 285), [44, 38, 36, 39, 53, 33, 30, 12], 0.03, quiet).headline == GREW_HEADLINE


def test_a_shorter_growing_run_inside_a_longer_one_counts_as_growth():
    """Generations 23, 19 → 28 → 33 → 34 read grey "The loop filled the network", yet
    green with 33 in place of 34: only the longest growing run was tested, and 19 → 34
    (a rise of 15 against 2√(3·19) = 15.1) failed where 19 → 28 → 33 (14 against
    2√(2·19) = 12.3) passes. Kept once the network filled, the grey card told a class
    that organic adoption filled a network where 90% came through a friend."""
    from simulator.referral_tree import GREW_HEADLINE

    said = verdict(KReading(float("nan"), 0), [23, 19, 28, 33, 34, 20, 11, 4], prospects_left=0.45)
    assert said.headline == GREW_HEADLINE and "(generations 1 to 3: 19 → 28 → 33)" in said.text, said.text
    # the whole run is still quoted where it passes
    assert "(generations 0 to 4: 5 → 10 → 18 → 26 → 33)" in verdict(
        KReading(float("nan"), 0), [5, 10, 18, 26, 33, 30, 12, 2], prospects_left=0.4).text


def test_a_network_the_loop_filled_is_not_said_to_be_filled_by_organic_adoption():
    """The viral preset on 300 people, seed 3: 268 of 279 joiners came through a friend,
    and on day 120 the card read "the loop itself fades, and organic adoption filled the
    network, multiplied by it" beside K 0.90, held down by the filling the same sentence
    named. Where the loop multiplied those who came on their own tenfold or more, its
    shrinking last generations are said as prospects running out, with the counts; where
    they are fewer (120 own, 180 referred, as a loop at K 0.6 brings), as before."""
    k = KReading(0.90, 269)
    # read as filled without growth on day 13, before its generations showed any (read_loop's memory: settled)
    filled_by_loop = verdict(k, [11, 14, 20, 23, 23, 26, 24, 31, 38, 29, 20, 10, 6, 3, 1, 0], prospects_left=0.07,
                             settled=True)
    assert filled_by_loop.tone == "filled" and "organic adoption" not in filled_by_loop.text, filled_by_loop.text
    assert ("268 of the 279 who joined came through a friend, the loop multiplying the 11 who came on their own "
            "25-fold, and its last generations shrink (6 → 3 → 1) as the prospects run out") in filled_by_loop.text
    # a cascade that stopped with half the people still prospects: the generations shrink, but not as prospects run out
    stopped = verdict(KReading(0.88, 42), [4, 7, 3, 2, 6, 7, 7, 8, 3, 2, 2], prospects_left=0.49, settled=True)
    assert "shrink (8 → 3 → 2)." in stopped.text and "run out" not in stopped.text, stopped.text
    # everyone joined: none left, not "only 0%"
    full = verdict(KReading(0.88, 42), [2, 4, 7, 11, 9, 8, 5, 3, 1], prospects_left=0.0, settled=True)
    assert full.text.startswith("None of the people are still prospects."), full.text
    fading = verdict(KReading(0.60, 150), [120, 100, 50, 20, 10, 5], prospects_left=0.1)
    assert "the loop itself fades, and organic adoption filled the network" in fading.text, fading.text


def test_a_growth_once_quoted_keeps_its_quote():
    """The fading preset on the communities network (300 people, seed 88, the viral
    levers): day 59 quoted "(generations 10 to 12: 5 → 11 → 16)", day 60 "(generations 4
    to 6: 6 → 8 → 16)", where docs/app.md says the growth is kept from then on and quoted
    with its numbers. A quote said on an earlier day (read_loop's memory) is kept, said
    as of then, though today's generations show another growing run."""
    from simulator.referral_tree import _grew

    today = [5, 10, 18, 20, 15, 9, 4]
    assert _grew(today).startswith("generations 0 to 3")   # the case: today's first growing run is another
    kept = verdict(KReading(0.8, 60), today, prospects_left=0.2, grew="generations 10 to 12: 5 → 11 → 16")
    assert kept.tone == "grows" and "(generations 10 to 12 were 5 → 11 → 16 while the network filled)" in kept.text, \
        kept.text
    assert kept.grew == "generations 10 to 12: 5 → 11 → 16"
