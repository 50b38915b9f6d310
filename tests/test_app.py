"""The educator app's pure parts (simulator.app_views) and the ``refsim app`` command's
refusals. The page itself is exercised in a browser by tests/browser."""

from __future__ import annotations

import io
import socket

import networkx as nx
import numpy as np
import pytest
from PIL import Image
from scipy import stats
from typer.testing import CliRunner

from simulator import app_views
from simulator.app_views import (CLASS_SIZE, GENERATION_COLOURS, PROSPECT_COLOUR, AdoptionSeries, ClassRun, Design,
                                 NetworkChoice, NetworkPicture, classroom_scenario, generation_sizes, k_explanation,
                                 nps_shares, referral_generations, referral_multiplier)
from simulator.cli import app as cli
from simulator.errors import ScenarioError
from simulator.network import from_edges
from simulator.scenario_io import load_scenario
from simulator.state import CHURNED, CUSTOMER, PROSPECT, SEED

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


def test_k_explanation_says_fade_below_one_and_grow_above():
    fading = k_explanation(0.5)
    assert "fades" in fading and "about 200 customers" in fading  # 100 / (1 - 0.5)
    assert "grows" in k_explanation(1.2) and "120" in k_explanation(1.2)
    assert "appears on day" in k_explanation(float("nan"))
    assert "still prospects" not in k_explanation(0.9, prospects_left=0.5)
    assert "Only 10% of the people are still prospects" in k_explanation(0.9, prospects_left=0.1)
    assert "rough figure" in k_explanation(4.7, cohort=3) and "rough figure" not in k_explanation(1.2, cohort=300)


# --------------------------------------------------------------------------- scenarios from the controls


def test_presets_pass_through_untouched(default):
    cascade = load_scenario(SCENARIOS / "independent-cascade.yaml")
    for preset in (default, cascade):
        assert classroom_scenario(preset, own_size(preset), Design.of(preset)) == preset


def test_a_preset_scales_to_the_class(default):
    scaled = classroom_scenario(default, NetworkChoice.of(default), Design.of(default))
    assert scaled.population.size == CLASS_SIZE
    # 200 initial customers in 20,000 people is 1%: 3 in 300
    assert scaled.population.initial_customers == 3
    budgeted = Design.of(default)
    budgeted = Design(dict(budgeted.incentive, budget=50_000.0), budgeted.timing, budgeted.satisfaction,
                      budgeted.base_share, budgeted.channels)
    assert classroom_scenario(default, NetworkChoice.of(default), budgeted).program.incentive.budget == pytest.approx(750.0)


def test_network_choice_of_an_edgelist_keeps_the_file(default):
    cascade = load_scenario(SCENARIOS / "independent-cascade.yaml")
    choice = NetworkChoice.of(cascade)
    assert choice.kind == "edgelist" and choice.size is None
    with pytest.raises(ScenarioError, match="network.kind"):
        classroom_scenario(default, NetworkChoice("edgelist", None, 12.0, 1), Design.of(default))
    moved = classroom_scenario(cascade, NetworkChoice("erdos_renyi", 300, 8.0, 1), Design.of(cascade))
    assert moved.network.kind == "erdos_renyi" and moved.population.initial_customers == [0, 17, 42]


def test_watts_strogatz_gets_an_even_degree(default):
    scenario = classroom_scenario(default, NetworkChoice("watts_strogatz", 100, 7.0, 1), Design.of(default))
    assert scenario.network.mean_degree % 2 == 0


def test_incentive_edits(default):
    design = Design.of(default)
    none = design.with_incentive(kind="none")
    assert none.incentive == {"kind": "none"} and none.referrer_reward == 0.0
    back = none.with_incentive(kind="double_sided")
    assert (back.referrer_reward, back.referee_reward) == (10.0, 10.0)
    single = design.with_incentive(kind="single_sided", referrer=30)
    assert single.referee_reward == 0.0 and "referee_reward" not in single.incentive
    assert single.incentive["paid_on"] == "qualification"  # carried over from the preset
    tiered = design.with_incentive(kind="tiered", referrer=10)
    assert tiered.incentive["tiers"] == [{"after": 0, "referrer_reward": 10.0}, {"after": 3, "referrer_reward": 20.0}]
    assert tiered.with_incentive(referrer=15).incentive["tiers"] == [{"after": 0, "referrer_reward": 15.0},
                                                                    {"after": 3, "referrer_reward": 30.0}]
    for edited in (none, back, single, tiered):
        classroom_scenario(default, NetworkChoice.of(default), edited)  # each is a valid scenario


def test_timing_mix_share_and_conversion_edits(default):
    design = Design.of(default)
    at_purchase = design.with_timing(kind="at_purchase")
    assert at_purchase.timing["kind"] == "at_purchase" and at_purchase.reminders == design.reminders == 1
    assert design.with_timing(kind="never").timing == {"kind": "never"}
    assert design.with_timing(reminders=4).reminders == 4
    mixed = design.with_mix(promoters=0.8, passives=0.5)
    assert mixed.mix == pytest.approx((0.8, 0.2))  # passives cut so the mix stays a distribution
    assert design.with_base_share(1.7).base_share == 1.0
    converted = design.with_invite_conversion(0.3)
    assert converted.invite_conversion == 0.3
    assert [c.get("base_conversion") for c in converted.channels] == [0.3, None]  # broadcast keeps its own
    scenario = classroom_scenario(default, NetworkChoice.of(default), converted.with_timing(kind="campaign"))
    assert scenario.program.channels[0].conversion == 0.3 and scenario.program.timing.kind == "campaign"


def test_nps_shares_of_each_satisfaction_kind():
    assert nps_shares({"kind": "nps_mix", "promoters": 0.6, "passives": 0.3}) == (0.6, 0.3)
    assert nps_shares({"kind": "constant", "value": 10}) == (1.0, 0.0)
    assert nps_shares({"kind": "constant", "value": 8}) == (0.0, 1.0)
    assert nps_shares({"kind": "constant", "value": 5}) == (0.0, 0.0)
    # score = 10 X, X ~ Beta(a, b): the segment shares from scipy's distribution
    promoters, passives = nps_shares({"kind": "beta", "a": 4.0, "b": 1.2})
    assert promoters == pytest.approx(stats.beta.sf(0.9, 4.0, 1.2))
    assert passives == pytest.approx(stats.beta.cdf(0.9, 4.0, 1.2) - stats.beta.cdf(0.7, 4.0, 1.2))


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
        assert frame.day == 80
        assert frame.adopters == frame.organic + frame.referred == int((people.adopted_day >= 0).sum())
        assert frame.adopters == frame.customers + frame.churned
        assert sum(frame.generations) == frame.adopters
        # K's cohort: people who adopted on day 80 - 60 = 20 or earlier
        assert frame.k_cohort == int(((people.adopted_day >= 0) & (people.adopted_day <= 20)).sum())
        assert frame.network_png.startswith(b"\x89PNG") and frame.adoption_png.startswith(b"\x89PNG")
    assert frames[1].referred > frames[0].referred  # the viral design refers more


def test_adoption_series_is_a_stock_of_adoption_days(default):
    run = ClassRun(default, NetworkChoice.of(default), [Design.of(default).with_invite_conversion(0.3)])
    run.advance(60)
    series = AdoptionSeries.of(run.models[0])
    adopted_day = run.models[0].engine.people.adopted_day
    # adopters on day t = people whose adoption day is t or earlier (initial customers: day 0)
    expected = [int(((adopted_day >= 0) & (adopted_day <= day)).sum()) for day in range(61)]
    assert series.adopters.tolist() == expected
    referred = run.models[0].engine.people.referred_by >= 0
    assert series.referred[-1] == referred.sum()


def test_layout_is_computed_once_per_network_and_seed(default, monkeypatch):
    calls = []
    real = nx.spring_layout
    monkeypatch.setattr(app_views.nx, "spring_layout", lambda *args, **kwargs: calls.append(kwargs["seed"]) or real(*args, **kwargs))
    monkeypatch.setattr(app_views, "_LAYOUTS", type(app_views._LAYOUTS)())
    choice = NetworkChoice("erdos_renyi", 120, 6.0, 3)
    design = Design.of(default)
    first = ClassRun(default, choice, [design, design.with_incentive(kind="none")])
    again = ClassRun(default, choice, [design.with_timing(kind="never")])  # a reset, or a design change
    assert len(calls) == 1 and again.layout is first.layout
    ClassRun(default, NetworkChoice("erdos_renyi", 120, 6.0, 4), [design])
    assert len(calls) == 2
    assert first.layout.min() >= 0.0 and first.layout.max() <= 1.0


def test_network_picture_colours_people_by_state_and_generation():
    network = from_edges(4, np.array([0, 1, 2]), np.array([1, 2, 3]), None, np.random.default_rng(0), 0.0)
    xy = np.array([[0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]])
    picture = NetworkPicture(network, xy, pixels=200)
    state = np.array([CUSTOMER, CUSTOMER, CUSTOMER, PROSPECT], np.int8)
    referred_by = np.array([-1, 0, 1, -1], np.int32)
    channel = np.array([-1, 0, 0, -3], np.int8)  # organic, referred, referred, not acquired
    generation = referral_generations(referred_by, state != PROSPECT)
    image = np.asarray(Image.open(io.BytesIO(picture.render(state, referred_by, generation, channel))).convert("RGB"))
    height = image.shape[0]
    expected = [GENERATION_COLOURS[0], GENERATION_COLOURS[1], GENERATION_COLOURS[2], PROSPECT_COLOUR]
    for person, colour in enumerate(expected):
        x, y = picture.ax.transData.transform(xy[person])
        centre = image[int(round(height - y)), int(round(x))].astype(int)
        target = (np.array(Image.new("RGB", (1, 1), colour).getpixel((0, 0)))).astype(int)
        assert np.abs(centre - target).max() <= 12, (person, centre, target)  # 64-colour palette: near, not exact
    churned = state.copy()
    churned[0] = CHURNED
    image = np.asarray(Image.open(io.BytesIO(picture.render(churned, referred_by, generation, channel))).convert("RGB"))
    x, y = picture.ax.transData.transform(xy[0])
    assert image[int(round(height - y)), int(round(x))].min() >= 240  # an open ring: white inside


# --------------------------------------------------------------------------- refsim app refusals


def test_app_command_refuses_a_missing_scenario(tmp_path):
    result = CliRunner().invoke(cli, ["app", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.output and "Traceback" not in result.output


def test_app_command_refuses_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["app", str(SCENARIOS / "default.yaml"), "--port", str(port)])
    assert result.exit_code == 2
    assert "--port" in result.output and str(port) in result.output and len(result.output.strip().splitlines()) == 1


def test_class_size_sets_the_population_of_a_large_preset():
    scenario = small()  # 2,000 people, 40 initial customers
    run = ClassRun(scenario, NetworkChoice.of(scenario, class_size=200), [Design.of(scenario)])
    assert run.network.n == 200
    assert int((run.models[0].engine.people.channel == SEED).sum()) == 4  # 2% of the people, as in the preset
    run.advance(5)
    assert run.frames()[0].day == 5
