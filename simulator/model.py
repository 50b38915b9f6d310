"""ReferralModel: the public, steppable Mesa shell around the vectorised engine.

The engine keeps people as arrays; the model gives Mesa users what they expect:
``step()`` advances one day, the model owns its random generator (``rng=``),
daily figures are collected declaratively by a Mesa DataCollector built from
``metrics.DAILY_COLUMNS``, and :meth:`ReferralModel.customer` returns a
``Customer`` agent that views one person's row for inspection or display.
"""

from __future__ import annotations

import functools
from pathlib import Path

import mesa
import numpy as np

from .config import Scenario
from .engine import Engine
from .metrics import COLUMN_INDEX, COUNT_COLUMNS, DAILY_COLUMNS
from .network import Network
from .rng import draw_seed
from .errors import ScenarioError
from .schema_base import fix
from .state import STATE_NAMES


class Customer(mesa.Agent):
    """A read-only view of one person of the engine's arrays (no state of its own). Its
    ``unique_id`` is the person's id, as ``person`` is (Mesa numbers agents 1, 2, ... in
    the order they are made, which here is the order they were first viewed)."""

    def __init__(self, model: "ReferralModel", person: int):
        """The view of person ``person`` of ``model`` (``model.customer(person)`` makes
        and keeps it)."""
        super().__init__(model)
        self.person = int(person)
        self.unique_id = self.person   # filtering model.agents on unique_id finds the person, not a viewing order

    def _get(self, name: str):
        return getattr(self.model.engine.people, name)[self.person]

    @property
    def state(self) -> str:
        """'prospect', 'customer' or 'churned'."""
        return STATE_NAMES[int(self._get("state"))]

    @property
    def satisfaction(self) -> float:
        """The person's satisfaction score, 0-10, as sharing and churn read it on the
        model's day: drawn at set-up, less what reminders' annoyance took off it, moved
        by ``satisfaction.drift_per_year`` over their tenure and raised by delight (a
        churned customer's on the day they left; a prospect's as drawn). The people
        table's ``satisfaction`` column is the score as drawn. The view gave the drawn
        score too: an annoyed customer read 8.5, a promoter, where the model used 2.5."""
        engine = self.model.engine
        if int(self._get("adopted_day")) < 0:
            return float(self._get("satisfaction"))
        churned = int(self._get("churn_day"))
        day = churned if churned >= 0 else self.model.day
        return float(engine._scores(np.array([self.person]), day)[0])

    @property
    def adopted_day(self) -> int | None:
        """The day the person became a customer, or None."""
        day = int(self._get("adopted_day"))
        return None if day < 0 else day

    @property
    def referred_by(self) -> int | None:
        """The customer whose invitation they joined through, or None (word of mouth counts: see the people table's ``tracked``)."""
        referrer = int(self._get("referred_by"))
        return None if referrer < 0 else referrer

    @property
    def churn_day(self) -> int | None:
        """The day the customer churned, or None."""
        day = int(self._get("churn_day"))
        return None if day < 0 else day

    @property
    def friends(self) -> np.ndarray:
        """The person's friends' ids (their row of the network's CSR adjacency)."""
        net = self.model.engine.network
        return net.indices[net.indptr[self.person]:net.indptr[self.person + 1]]

    def __repr__(self) -> str:
        return f"Customer({self.person}, {self.state}, referred_by={self.referred_by})"


class ReferralModel(mesa.Model):
    """One referral-program design on one population, one day per ``step()``.

    ``rng`` is the run's seed (a whole number in 0..2^63-1), used as it is: two
    models with the same scenario and ``rng`` give identical days, and
    ``ReferralModel(scenario, rng=results.seeds[r])`` steps through exactly the
    days of replicate r of ``results = simulate(scenario, ...)`` (its
    ``timeseries`` rows equal the DataCollector's). ``rng=7`` is not replicate 0 of
    ``simulate(scenario, seed=7)``: simulate spawns each replicate's seed from its
    seed. ``rng=None`` draws a fresh seed (``model.seed``), not the scenario's.
    ``kernel`` is the path: None (REFSIM_ENGINE; by default the compiled kernel
    wherever it runs), True or False (the numpy stages). A design ``compare`` ran on
    the numpy stages, as it runs every design when the kernel cannot run one of
    them, is replayed with ``kernel=results.kernel``. ``seed=`` is Mesa's other name
    for ``rng`` (``mesa.batch_run(ReferralModel, {"scenario": [s], "seed": [1, 2]})``);
    give one of them.

    >>> from simulator import load_scenario
    >>> model = ReferralModel(load_scenario("scenarios/default.yaml"), rng=7)
    >>> model.step(); model.day
    1
    """

    def __init__(self, scenario: Scenario, rng: int | None = None, *, network: Network | None = None,
                 base_dir: Path | None = None, kernel: bool | None = None, seed: int | None = None):
        """Build day 0 of ``scenario`` from the whole-number seed ``rng`` (None: a fresh
        one, kept as ``model.seed``; a numpy generator is refused). ``network``: a graph
        built already (shared by designs on one seed); ``base_dir``: where an edge list
        named relative to the scenario file is found; ``kernel``: the path (see the
        class); ``seed``: Mesa's other name for ``rng``."""
        from .scenario_io import check_scenario, check_seed_and_replicates, check_switches

        name = "rng"
        if seed is not None:   # Mesa's Model takes seed= too: ReferralModel(s, seed=7) was "unexpected keyword"
            if rng is not None:
                raise TypeError("ReferralModel(): give rng or seed, not both (seed is Mesa's other name for rng)")
            rng, name = seed, "seed"
        scenario = check_scenario(scenario, "ReferralModel")
        check_switches("ReferralModel", kernel=kernel)
        if isinstance(rng, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)):
            raise TypeError(f"ReferralModel(): {name} must be a whole-number seed or None (the engine derives its named "
                            f"streams from a seed), not a numpy generator")
        check_seed_and_replicates("ReferralModel", seed=rng, seed_name=name)
        _check_network(network, scenario)
        seed = draw_seed() if rng is None else int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        # the model's own copy, fixed: a change between steps was taken and ignored on the compiled path (applied on
        # the numpy one), and a longer horizon ran the kernel past its arrays; the caller's scenario stays theirs
        scenario = scenario.model_copy(deep=True)
        fix(scenario, "ReferralModel")
        self._scenario = scenario
        self.engine = Engine(scenario, seed, network=network, base_dir=base_dir, kernel=kernel)
        self._views: dict[int, Customer] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _column_reporter(name) for name in DAILY_COLUMNS}
        )
        self.datacollector.collect(self)

    def __deepcopy__(self, memo):
        """A copy of the model, mid-run as it stands, its scenario fixed as the original's: a
        deep copy's scenario took changes, ignored on the compiled path (applied on the numpy
        one), and a longer horizon stopped the copy with an IndexError."""
        import copy

        new = type(self).__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({key: copy.deepcopy(value, memo) for key, value in self.__dict__.items()})
        fix(new._scenario, "ReferralModel")
        return new

    def __setstate__(self, state: dict) -> None:
        """An unpickled model (sent to another process, or saved mid-run) keeps its scenario
        fixed, as a deep copy does: pickling gives plain blocks, which took changes the
        compiled path then ignored."""
        self.__dict__.update(state)
        fix(self._scenario, "ReferralModel")

    @property
    def scenario(self) -> Scenario:
        """The scenario the model runs, fixed once built (schema_base.fix): a copy of the one given."""
        return self._scenario

    @scenario.setter
    def scenario(self, value) -> None:
        raise ScenarioError("ReferralModel's scenario is fixed once the model is built (it runs the scenario it was "
                            "built with); build a new ReferralModel(scenario, rng=...) to run another", key="scenario")

    @property
    def day(self) -> int:
        """The last day simulated: 0 before the first ``step()``, ``scenario.days`` at the horizon."""
        return self.engine.day

    def step(self) -> None:
        """Simulate the next day and collect its row (``datacollector``). At the horizon
        ``running`` turns False, and a further ``step()`` does nothing (as Mesa's
        ``run_model`` expects), so the collector keeps ``scenario.days + 1`` rows and
        Mesa's ``steps`` stays equal to ``day``."""
        if self.engine.day >= self.scenario.days:
            self.running = False
            self.steps -= 1   # Mesa counted this call before it reached here: no day was simulated
            return
        self.engine.step()
        self.datacollector.collect(self)
        self.running = self.engine.day < self.scenario.days

    def customer(self, person: int) -> Customer:
        """A Customer agent viewing ``person`` (created on first use, then reused)."""
        if isinstance(person, bool) or not hasattr(person, "__index__"):   # 1.5 and True were person 1
            raise TypeError(f"person must be a whole number, not {type(person).__name__} {person!r}")
        person = int(person)
        if not 0 <= person < self.engine.network.n:
            raise IndexError(f"person {person} is not in 0..{self.engine.network.n - 1}")
        if person not in self._views:
            self._views[person] = Customer(self, person)
        return self._views[person]

    def __repr__(self) -> str:
        # Mesa's default, '<simulator.model.ReferralModel object at 0x...>', was what a notebook showed
        row = self.datacollector.model_vars
        customers = int(row["customers"][-1]) if row.get("customers") else 0
        return (f"ReferralModel({self.scenario.name!r}, day {self.day} of {self.scenario.days}, seed {self.seed}, "
                f"{self.engine.network.n:,} people, {customers:,} customers, "
                f"{'kernel' if self.engine.uses_kernel else 'numpy'} path)")

    def k_factor(self) -> float:
        """Cohort K so far (metrics.cohort_k with the scenario's k_window_days)."""
        from .metrics import cohort_k
        return cohort_k(self.engine.people, self.day, self.engine.scenario.k_window_days)


def _column_reporter(name: str):
    """The DataCollector's reporter of a daily column: a whole number for a count, as
    the timeseries holds it (every column read as a float, 79.0 customers, so
    ``DataFrame.equals`` told the collector's table from the same rows of
    ``results.timeseries``)."""
    return functools.partial(_column_value, COLUMN_INDEX[name], int if name in COUNT_COLUMNS else float)


def _column_value(index: int, kind, model) -> float | int:
    return kind(model.engine.today[index])


def _check_network(network, scenario: Scenario) -> None:
    """A network handed to ReferralModel is a :class:`~simulator.network.Network` of the
    scenario's people: one of 100 people under a scenario of 2,000 ran 100 people while
    the model reported 2,000, and a file's name failed on "'str' object has no attribute
    'n'"."""
    if network is None:
        return
    if not isinstance(network, Network):
        raise TypeError(f"ReferralModel(): network must be a simulator.network.Network (e.g. network_for(...) or "
                        f"from_edges(...)), or None to build the scenario's; not {type(network).__name__} "
                        f"{str(network)[:60]!r} (an edge-list file goes in the scenario: network.kind: edgelist)")
    if network.n != scenario.population.size:
        raise ValueError(f"ReferralModel(): network has {network.n:,} people and the scenario "
                         f"{scenario.population.size:,} (population.size); give a network of the scenario's people, "
                         f"or set population.size to {network.n}")

