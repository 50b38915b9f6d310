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
from .sorted_runs import distinct
from .stages import MAX_TENURE


class SetupDraws:
    """The set-up draws of one seed on one network that do not depend on the program:
    each person's satisfaction score and organic adoption day, the initial customers and
    the existing customers' tenure and launch uniforms. A design and its no-program twin
    on the same seed make them alike (common random numbers), so the twin takes the
    design's instead of drawing them again (pass ``draws=design.draws`` to Engine).

    An entry is found by its stream and the keys of every draw made from that stream so
    far (what was drawn, from which inputs), so a hit means the stream stood where it
    stands now; the stream is then left where drawing would have left it. Values are
    read-only: each run copies what it changes."""

    def __init__(self, seed: int, network):
        self.seed, self.network = seed, network
        self._entries: dict[str, list] = {}
        # the compiled kernel's first row of state from each stream nothing drew from before
        # (a function of the seed and the stream's name alone)
        self.kernel_rows: dict[str, np.ndarray] = {}

    def fits(self, seed: int, network) -> bool:
        return self.seed == seed and self.network is network

    def take(self, streams, history: dict, stream: str, key: tuple, draw):
        """``draw()`` (which draws from ``streams(stream)``), or what an equal draw gave."""
        chain = history.get(stream, ()) + (key,)
        history[stream] = chain
        entries = self._entries.setdefault(stream, [])
        for known, value, state in entries:
            if known == chain:
                if state is not None:
                    streams.restore(stream, state)
                return value
        value = draw()
        for array in value if isinstance(value, tuple) else (value,):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        entries.append((chain, value, streams.state(stream) if streams.made(stream) else None))
        return value


class EngineSetup:
    """Set-up steps of :class:`~simulator.engine.Engine` (they use its streams, network and people)."""

    def _organic_schedule(self, n: int) -> None:
        """Each person's organic adoption day, from an Exp(1) clock: with daily
        probability q the first day d with d * h >= E, h = -ln(1 - q), is
        Geometric(q) (exact). People are bucketed by that day once, so the
        daily step touches only today's organic adopters. ``people.organic_day`` keeps
        every person's day, past the horizon too (pipeline_equity asks whether a friend
        still converting after it would have joined on their own first)."""
        q = self.scenario.acquisition.organic_rate
        horizon = self.scenario.days + 1
        if q <= 0:
            self._organic_order = np.zeros(0, np.int32)
            self._organic_bounds = np.zeros(horizon + 2, np.int64)
            return

        def draw():
            if q >= 1:
                every = np.ones(n, np.int64)
            else:
                clock = self.streams("organic").exponential(1.0, n)
                every = np.maximum(np.minimum(np.ceil(clock / -np.log1p(-q)), np.iinfo(np.int32).max), 1).astype(np.int64)
            within = np.flatnonzero(every < horizon).astype(np.int32)
            order = within[np.argsort(every[within], kind="stable")]
            return every.astype(np.int32), order, np.searchsorted(every[order], np.arange(horizon + 2))

        every, self._organic_order, self._organic_bounds = self._setup_draw("organic", (n, q, horizon), draw)
        self.people.organic_day[:] = every

    def _setup_draw(self, stream: str, key: tuple, draw):
        """``draw()`` from ``stream``, or the same draw of another run of this seed (SetupDraws)."""
        return self.draws.take(self.streams, self._draw_history, stream, key, draw)

    def _initial_customers(self, n: int, source: str | None) -> np.ndarray:
        wanted = self.scenario.population.initial_customers
        if isinstance(wanted, Seeding):
            if wanted.count > n:
                raise ScenarioError(f"{wanted.count} initial customers but the network has only {n} people; valid: 0..{n}",
                                    file=source, key="population.initial_customers.count")
            p = self._cascade_p()
            return self._setup_draw("seeds", ("pick", n, wanted, p), lambda: seeding.pick(
                self.network, wanted.count, wanted.strategy, self.streams("seeds"), edge_probability=p, cascade=wanted.cascade))
        if isinstance(wanted, int):
            if wanted > n:
                raise ScenarioError(f"{wanted} initial customers but the network has only {n} people; valid: 0..{n}",
                                    file=source, key="population.initial_customers")
            return self._setup_draw("seeds", ("choice", n, wanted), lambda: np.sort(
                self.streams("seeds").choice(n, size=wanted, replace=False)).astype(np.int32))
        # listed ids draw nothing; their list is the population's own (a twin shares it), compared by identity
        ids = self._setup_draw("listed ids", (_Same(wanted),), lambda: distinct(np.asarray(wanted, dtype=np.int64)))
        if len(ids) and ids.max() >= n:
            raise ScenarioError(f"id {ids.max()} is not a person of the network; valid ids are 0..{n - 1}",
                                file=source, key="population.initial_customers")
        return ids.astype(np.int32)

    def _cascade_p(self) -> float:
        return seeding.edge_probability(self.scenario.program, float(self.network.degree.mean()) if self.network.n else 0.0)

    def _recruit_influencers(self, n: int, source: str | None) -> np.ndarray:
        """Influencers, picked by their strategy from their own stream (so that adding
        them leaves the initial customers' draw as it was) among the people who are not
        initial customers; they join on day 0."""
        cfg = self.scenario.program.influencers
        free = n - len(self._initial_ids)
        if cfg.count > free:
            raise ScenarioError(f"{cfg.count} influencers but only {free:,} of the network's {n:,} people are not "
                                f"initial customers, among whom they are recruited; valid: 0..{free}",
                                file=source, key="program.influencers.count")
        return seeding.pick(self.network, cfg.count, cfg.strategy, self.streams("influencers"),
                            edge_probability=self._cascade_p(), cascade=cfg.cascade, exclude=self._initial_ids)

    def _launch(self, existing: np.ndarray) -> np.ndarray | None:
        """The customers of day 0 are existing customers: their tenure is drawn from the
        churn model's steady state (Geometric with their own daily hazard: the age of
        survivors under constant inflow), and they are asked as program.launch says.
        Both draws are made whatever the design, so designs share them."""
        p, sc = self.people, self.scenario

        def drawn(who: np.ndarray, stream: str):
            def draw():
                rng = self.streams(stream)
                clock = rng.exponential(1.0, len(who))
                uniform = rng.random(len(who))
                hazard = churn_model.daily_hazard(sc.churn, p.satisfaction[who], np.zeros(len(who), bool), None)
                with np.errstate(divide="ignore"):
                    tenure = np.floor(clock / hazard)
                capped = np.minimum(np.nan_to_num(tenure, posinf=MAX_TENURE), MAX_TENURE)
                if sc.churn.renewal is not None:
                    # past the cap, keep a contract's phase: capped at 3,650 days (10 x 365), a fifth of a B2B base
                    # at 1.5% a month renewed on one day, and churn spiked on days 365 and 730. A tenure past the
                    # cap is exponential, so its phase within a contract is near uniform; it is kept above the cap
                    # (by less than a contract), so that no account past it reads younger (satisfaction drift,
                    # targeting by tenure), and for contracts of any length
                    over = np.isfinite(tenure) & (tenure >= MAX_TENURE)
                    capped[over] = MAX_TENURE + np.mod(tenure[over], sc.churn.renewal.every_days)
                return capped.astype(np.int32), uniform

            # the tenure follows from the scores too: their draw's key is part of this one's
            key = ("launch", who.tobytes(), sc.churn, self._draw_history.get("satisfaction"))
            return self._setup_draw(stream, key, draw)

        # influencers who are not initial customers draw from a stream of their own, after them: drawn over the
        # union, adding influencers gave 90% of the initial customers another one's launch day (and tenure)
        initial = np.isin(existing, self._initial_ids)
        tenure, uniform = np.zeros(len(existing), np.int32), np.zeros(len(existing))
        for part, stream in ((initial, "seeds"), (~initial, "influencer_launch")):
            if part.any():
                tenure[part], uniform[part] = drawn(existing[part], stream)
        p.tenure_at_start[existing] = tenure
        return tim.launch_ask_day(sc.program.timing, sc.program.launch, uniform)


class _Same:
    """A key part equal only to itself: an object compared by identity (and kept alive by the key)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    __hash__ = None
