"""ReferralModel: the public, steppable Mesa shell around the vectorised engine.

The engine keeps people as arrays; the model gives Mesa users what they expect:
``step()`` advances one day, the model owns its random generator (``rng=``),
daily figures are collected declaratively by a Mesa DataCollector built from
``metrics.DAILY_COLUMNS``, and :meth:`ReferralModel.customer` returns a
``Customer`` agent that views one person's row for inspection or display.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from .config import Scenario
from .engine import Engine
from .metrics import COLUMN_INDEX, DAILY_COLUMNS
from .network import Network
from .rng import draw_seed
from .state import STATE_NAMES


class Customer(mesa.Agent):
    """A read-only view of one person of the engine's arrays (no state of its own)."""

    def __init__(self, model: "ReferralModel", person: int):
        super().__init__(model)
        self.person = int(person)

    def _get(self, name: str):
        return getattr(self.model.engine.people, name)[self.person]

    @property
    def state(self) -> str:
        return STATE_NAMES[int(self._get("state"))]

    @property
    def satisfaction(self) -> float:
        return float(self._get("satisfaction"))

    @property
    def adopted_day(self) -> int | None:
        day = int(self._get("adopted_day"))
        return None if day < 0 else day

    @property
    def referred_by(self) -> int | None:
        referrer = int(self._get("referred_by"))
        return None if referrer < 0 else referrer

    @property
    def churn_day(self) -> int | None:
        day = int(self._get("churn_day"))
        return None if day < 0 else day

    @property
    def friends(self) -> np.ndarray:
        net = self.model.engine.network
        return net.indices[net.indptr[self.person]:net.indptr[self.person + 1]]

    def __repr__(self) -> str:
        return f"Customer({self.person}, {self.state}, referred_by={self.referred_by})"


class ReferralModel(mesa.Model):
    """One referral-program design on one population, one day per ``step()``.

    >>> from simulator import load_scenario
    >>> model = ReferralModel(load_scenario("scenarios/default.yaml"), rng=7)
    >>> model.step(); model.day
    1
    """

    def __init__(self, scenario: Scenario, rng: int | None = None, *, network: Network | None = None,
                 base_dir: Path | None = None):
        seed = draw_seed() if rng is None else int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.scenario = scenario
        self.engine = Engine(scenario, seed, network=network, base_dir=base_dir)
        self._views: dict[int, Customer] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _column_reporter(name) for name in DAILY_COLUMNS}
        )
        self.datacollector.collect(self)

    @property
    def day(self) -> int:
        return self.engine.day

    def step(self) -> None:
        if self.engine.day >= self.scenario.days:
            self.running = False
            return
        self.engine.step()
        self.datacollector.collect(self)
        self.running = self.engine.day < self.scenario.days

    def customer(self, person: int) -> Customer:
        """A Customer agent viewing ``person`` (created on first use, then reused)."""
        if not 0 <= person < self.engine.network.n:
            raise IndexError(f"person {person} is not in 0..{self.engine.network.n - 1}")
        if person not in self._views:
            self._views[person] = Customer(self, person)
        return self._views[person]

    def k_factor(self) -> float:
        """Cohort K so far (metrics.cohort_k with the scenario's k_window_days)."""
        from .metrics import cohort_k
        return cohort_k(self.engine.people, self.day, self.engine.scenario.k_window_days)


def _column_reporter(name: str):
    index = COLUMN_INDEX[name]
    return lambda model: float(model.engine.today[index])
