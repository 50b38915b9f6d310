"""What a run draws once before day 1: each person's organic adoption day, the
initial customers (by strategy), the influencers, and the existing customers'
tenure and launch asks. A mixin of :class:`Engine`."""

from __future__ import annotations

import numpy as np

from .behaviour import churn as churn_model
from .behaviour import seeding
from .behaviour import timing as tim
from .config import Seeding
from .errors import ScenarioError
from .stages import MAX_TENURE


class EngineSetup:
    """Set-up steps of :class:`~simulator.engine.Engine` (they use its streams, network and people)."""

    def _organic_schedule(self, n: int) -> None:
        """Each person's organic adoption day, from an Exp(1) clock: with daily
        probability q the first day d with d * h >= E, h = -ln(1 - q), is
        Geometric(q) (exact). People are bucketed by that day once, so the
        daily step touches only today's organic adopters."""
        q = self.scenario.acquisition.organic_rate
        horizon = self.scenario.days + 1
        if q <= 0:
            self._organic_order = np.zeros(0, np.int32)
            self._organic_bounds = np.zeros(horizon + 2, np.int64)
            return
        if q >= 1:
            days = np.ones(n, np.int64)
        else:
            clock = self.streams("organic").exponential(1.0, n)
            days = np.maximum(np.minimum(np.ceil(clock / -np.log1p(-q)), horizon), 1).astype(np.int64)
        within = np.flatnonzero(days < horizon).astype(np.int32)
        self.people.organic_day[within] = days[within]
        self._organic_order = within[np.argsort(days[within], kind="stable")]
        self._organic_bounds = np.searchsorted(days[self._organic_order], np.arange(horizon + 2))

    def _initial_customers(self, n: int, source: str | None) -> np.ndarray:
        wanted = self.scenario.population.initial_customers
        if isinstance(wanted, Seeding):
            if wanted.count > n:
                raise ScenarioError(f"{wanted.count} initial customers but the network has only {n} people; valid: 0..{n}",
                                    file=source, key="population.initial_customers.count")
            return seeding.pick(self.network, wanted.count, wanted.strategy, self.streams("seeds"),
                                edge_probability=self._cascade_p(), cascade=wanted.cascade)
        if isinstance(wanted, int):
            if wanted > n:
                raise ScenarioError(f"{wanted} initial customers but the network has only {n} people; valid: 0..{n}",
                                    file=source, key="population.initial_customers")
            return np.sort(self.streams("seeds").choice(n, size=wanted, replace=False)).astype(np.int32)
        ids = np.unique(np.asarray(wanted, dtype=np.int64))
        if len(ids) and ids.max() >= n:
            raise ScenarioError(f"id {ids.max()} is not a person of the network; valid ids are 0..{n - 1}",
                                file=source, key="population.initial_customers")
        return ids.astype(np.int32)

    def _cascade_p(self) -> float:
        return seeding.edge_probability(self.scenario.program, float(self.network.degree.mean()) if self.network.n else 0.0)

    def _recruit_influencers(self, n: int, source: str | None) -> np.ndarray:
        """Influencers, picked by their strategy from their own stream (so that adding
        them leaves the initial customers' draw as it was); they join on day 0."""
        cfg = self.scenario.program.influencers
        if cfg.count > n:
            raise ScenarioError(f"{cfg.count} influencers but the network has only {n} people; valid: 0..{n}",
                                file=source, key="program.influencers.count")
        return seeding.pick(self.network, cfg.count, cfg.strategy, self.streams("influencers"),
                            edge_probability=self._cascade_p(), cascade=cfg.cascade)

    def _launch(self, existing: np.ndarray) -> np.ndarray | None:
        """The customers of day 0 are existing customers: their tenure is drawn from the
        churn model's steady state (Geometric with their own daily hazard: the age of
        survivors under constant inflow), and they are asked as program.launch says.
        Both draws are made whatever the design, so designs share them."""
        p, sc, rng = self.people, self.scenario, self.streams("seeds")
        clock = rng.exponential(1.0, len(existing))
        uniform = rng.random(len(existing))
        hazard = churn_model.daily_hazard(sc.churn, p.satisfaction[existing], np.zeros(len(existing), bool), None)
        with np.errstate(divide="ignore"):
            tenure = np.floor(clock / hazard)
        p.tenure_at_start[existing] = np.minimum(np.nan_to_num(tenure, posinf=MAX_TENURE), MAX_TENURE).astype(np.int32)
        return tim.launch_ask_day(sc.program.timing, sc.program.launch, uniform)
