"""A run that takes another run's set-up draws (SetupDraws: a design's, for its
no-program twin) must be the run it would have been had it drawn them itself: the
same streams, the same luck, bit for bit. And Agenda.flat must list what items() does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator.agenda import Agenda
from simulator.engine import Engine
from simulator.runner import baseline_of
from simulator.state import NEVER

from .conftest import small


@pytest.fixture(autouse=True, params=["auto", "numpy"])
def path(request, monkeypatch):
    monkeypatch.setenv("REFSIM_ENGINE", request.param)
    return request.param


def same_run(a: Engine, b: Engine) -> None:
    assert np.array_equal(a.daily, b.daily, equal_nan=True)
    for field in dataclasses.fields(a.people):
        assert np.array_equal(getattr(a.people, field.name), getattr(b.people, field.name)), field.name


@pytest.mark.parametrize("changes", [
    {},                                                                   # drawn scores, organic days, a random seed count
    {"satisfaction": {"kind": "beta", "a": 4, "b": 2}, "program": {"launch": {"ask_existing": "once", "spread_days": 20}}},
    {"population": {"size": 2000, "initial_customers": [3, 50, 700, 1999]}},   # listed ids: nothing drawn
    {"population": {"size": 2000, "initial_customers": {"count": 30, "strategy": "degree"}}},
])
def test_a_twin_that_takes_the_design_draws_is_the_twin_that_draws_them(changes):
    design = Engine(small(**changes), 21).run()
    twin = baseline_of(design.scenario)
    alone = Engine(twin, 21, network=design.network, kernel=design.uses_kernel).run()
    taking = Engine(twin, 21, network=design.network, kernel=design.uses_kernel, draws=design.draws).run()
    same_run(alone, taking)
    assert taking.draws is design.draws
    # and the design's own run is untouched by the twin that shared its draws
    again = Engine(design.scenario, 21, network=design.network, kernel=design.uses_kernel).run()
    same_run(design, again)


def test_draws_of_another_seed_or_network_are_not_taken():
    design = Engine(small(), 21).run()
    twin = baseline_of(design.scenario)
    other_seed = Engine(twin, 22, network=design.network, kernel=design.uses_kernel, draws=design.draws).run()
    same_run(other_seed, Engine(twin, 22, network=design.network, kernel=design.uses_kernel).run())
    assert other_seed.draws is not design.draws


def test_a_design_with_influencers_shares_the_scores_but_not_the_launch_draws(path):
    """Influencers join on day 0 with the initial customers, so the design's launch draw
    (one per existing customer) is not the twin's; the twin draws its own from where the
    seeds stream stood."""
    scenario = small(program={"influencers": {"count": 5}})
    design = Engine(scenario, 8, kernel=False).run()
    twin = baseline_of(scenario)
    same_run(Engine(twin, 8, network=design.network, kernel=False).run(),
             Engine(twin, 8, network=design.network, kernel=False, draws=design.draws).run())


def test_adding_influencers_leaves_the_initial_customers_launch_draws_as_they_were(path):
    """The launch draws (tenure, launch day) were made over the initial customers and the
    influencers together, so adding 3 influencers gave 90% of the initial customers
    another one's launch day: the design and the design without influencers no longer
    shared their luck. The influencers now draw from a stream of their own."""
    plain = small(program={"launch": {"ask_existing": "once", "spread_days": 30}}, churn={"monthly_rate": 0.05})
    with_them = plain.model_copy(update={"program": plain.program.model_copy(
        update={"influencers": small(program={"influencers": {"count": 3}}).program.influencers})})
    before = Engine(plain, 8, kernel=False)
    after = Engine(with_them, 8, kernel=False, network=before.network)
    initial = np.flatnonzero(before.people.adopted_day == 0)
    added = np.setdiff1d(np.flatnonzero(after.people.adopted_day == 0), initial)
    assert len(added) and len(np.unique(before.people.tenure_at_start[initial])) > 1   # drawn, and influencers added
    assert np.array_equal(after.people.tenure_at_start[initial], before.people.tenure_at_start[initial])
    assert np.array_equal(after.people.next_ask_day[initial], before.people.next_ask_day[initial])


def test_flat_lists_what_items_yields():
    rng = np.random.default_rng(3)
    for mixed in (False, True):
        agenda = Agenda()
        agenda.file_each(np.arange(10, dtype=np.int32), np.array([4, 2, NEVER, 2, 9, 4, 4, 1, NEVER, 2], np.int32))
        if mixed:
            agenda.file(2, np.array([77, 78], np.int32))
        agenda.file_each(rng.integers(0, 100, 30).astype(np.int32), rng.integers(0, 6, 30).astype(np.int64))
        days, who = agenda.flat()
        items = list(agenda.items())
        assert days.tolist() == [d for d, w in items for _ in w]
        assert who.tolist() == [int(x) for _, w in items for x in w]
        # and reading it changes nothing: the days are still there to take, in filing order
        assert agenda.take(2).tolist() == dict(items)[2].tolist()


def test_a_stream_drawn_elsewhere_continues_as_if_drawn_here():
    from simulator.rng import Streams

    here, elsewhere = Streams(5), Streams(5)
    first = here("asks").integers(0, 1000, 4)
    assert elsewhere.untouched("asks")
    elsewhere.drawn_elsewhere("asks", lambda generator: generator.integers(0, 1000, 4))
    assert not elsewhere.untouched("asks")
    assert len(first) == 4 and np.array_equal(here("asks").random(5), elsewhere("asks").random(5))
    # and a restored state is where a stream continues from
    later = Streams(5)
    later.restore("asks", here.state("asks"))
    assert np.array_equal(here("asks").random(3), later("asks").random(3))


@pytest.mark.parametrize("seed", [0, 1, 7, 2**40 + 3, 2**63 - 1])
def test_a_streams_first_words_are_its_generators_full_range_draws(seed):
    from simulator.rng import STREAM_NAMES, stream_words, study_stream

    for name in STREAM_NAMES:
        expected = study_stream(seed, name).integers(0, 2**64 - 1, 6, dtype=np.uint64, endpoint=True)
        assert np.array_equal(stream_words(seed, name, 6), expected), name


def test_the_kernels_row_of_an_untouched_stream_is_the_one_its_generator_draws():
    """The kernel's rows come from the streams' first words without making their generators;
    each row is what seed_rows draws from the generator, and a stream asked for later
    continues after that draw, as if it had been made here."""
    from simulator.engine_kernel import _kernel_rows
    from simulator.kernel.rand import seed_rows
    from simulator.rng import Streams

    names = ("asks", "channels", "conversion")
    here, drawn = Streams(11), Streams(11)
    drawn("channels").random(3)  # a stream already drawn from is drawn from again, as before
    known: dict = {}
    rows = _kernel_rows(drawn, known, names)
    reference = Streams(11)
    reference("channels").random(3)
    assert np.array_equal(rows, seed_rows([reference(name) for name in names]))
    assert set(known) == {"asks", "conversion"}
    # a twin of this seed, nothing drawn yet, takes the known rows and makes the third
    twin_rows = _kernel_rows(here, known, names)
    assert np.array_equal(twin_rows, seed_rows([Streams(11)(name) for name in names]))
    assert np.array_equal(twin_rows[[0, 2]], rows[[0, 2]])
    assert np.array_equal(here("channels").random(2), Streams(11)("channels").random(6)[4:])  # replayed: 4 words in
    for name in names:
        assert np.array_equal(drawn(name).random(4), reference(name).random(4)), name
