"""The educator app's classroom logic, free of pictures and of the web server.

What a class chooses (a preset scaled to the room, one population, one or two
program designs), the scenario that makes, the run that steps the designs
together, and what the page reads off it: referral generations, K with the
number of customers it rests on, and a verdict in plain language. Every default a
control starts from is read from the scenario schema (:mod:`simulator.config`),
never restated here. :mod:`simulator.app_pictures` draws; :mod:`simulator.app` is
the Solara page.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter
from scipy.special import betainc

from .behaviour.satisfaction import PASSIVE_MIN, PROMOTER_MIN
from .config import (BetaSatisfaction, Channel, ConstantSatisfaction, Incentive, NoIncentive, NpsMix, Satisfaction,
                     Scenario, Tiered, Timing)
from .errors import ScenarioError
from .metrics import COLUMN_INDEX
from .referral_tree import (speeding_up, referral_generations, generation_sizes, generation_ratios, referral_multiplier, K_WINDOW_DAYS, MIN_COHORT, ROUGH_COHORT, FILLED_SHARE, K_EDGE, KReading, classroom_k, Verdict, verdict, read_loop, k_explanation)  # noqa: F401  (re-exported for the app and its tests)
from .model import ReferralModel
from .network import Network, load_edgelist
from .scenario_io import validate
from .state import CHURNED, CUSTOMER, NEVER, PROSPECT, SEED

CLASS_SIZE = 300
#: What ``refsim app`` opens without a scenario: the default program made for a class of
#: 300 (scenarios/fading.yaml). scenarios/default.yaml is written for a market of 20,000,
#: whose organic rate brings a 300-person class about two customers a year: a picture
#: where nothing moves.
OPENING_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "fading.yaml"
SIZE_RANGE = (50, 1000)
DEGREE_RANGE = (2, 30)
#: Network kinds a class can pick (complete graphs and edge lists are too dense or
#: fixed-size to be a slider choice; an edge-list preset keeps its own file).
NETWORK_KINDS = ("powerlaw_cluster", "barabasi_albert", "erdos_renyi", "watts_strogatz",
                 "stochastic_block", "configuration")
#: Kinds whose mean degree comes in pairs: each newcomer adds mean_degree / 2 ties; a ring lattice's degree is even.
EVEN_DEGREE_KINDS = ("powerlaw_cluster", "barabasi_albert", "watts_strogatz")
INCENTIVE_KINDS = ("none", "single_sided", "double_sided", "tiered")
TIMING_KINDS = ("never", "at_purchase", "onboarding", "milestone", "campaign")
#: What a class reads in the menus instead of the schema's names.
TIMING_LABELS = {"never": "never", "at_purchase": "at purchase", "onboarding": "end of onboarding",
                 "milestone": "success milestone", "campaign": "campaign days"}
NETWORK_LABELS = {"powerlaw_cluster": "hubs and friend groups (Holme–Kim)", "barabasi_albert": "hubs (Barabási–Albert)",
                  "erdos_renyi": "random (Erdős–Rényi)", "watts_strogatz": "small world (Watts–Strogatz)",
                  "stochastic_block": "communities (stochastic block)", "configuration": "given degrees (configuration)",
                  "edgelist": "the preset's own file (edge list)", "complete": "everyone knows everyone (complete)"}
#: Kinds a class is offered only where its preset has one: an edge list keeps its file, and a
#: complete graph (every pair of people friends) has no mean degree to choose.
PRESET_ONLY_KINDS = ("edgelist", "complete")
#: A tiered program made from one reward doubles it after this many referrals
#: (the schema's own default tiers have that shape).
TIER_STEP_AFTER = 3
#: Largest seed the schema accepts (``Scenario.seed``: 0 .. 2**63 - 1).
MAX_SEED = 2**63 - 1

_INCENTIVE = TypeAdapter(Incentive)
_TIMING = TypeAdapter(Timing)
_SATISFACTION = TypeAdapter(Satisfaction)
#: Satisfaction settings that are not the mix itself (tenure drift): kept when the mix changes.
_SHARED_SATISFACTION = tuple(set(NpsMix.model_fields) - {"kind", "promoters", "passives"})


# --------------------------------------------------------------------------- presets


def preset_files(folder: Path, start: Path | None = None) -> dict[str, Path]:
    """Scenario files of ``folder`` (``.yaml`` and ``.yml``) by file stem, sorted (the app's
    preset list), with ``start``, the scenario the app opened, always among them: one
    opened from a ``.yml`` file was missing from the menu, and once another preset was
    picked it could not be picked again."""
    files = {path.stem: path for path in sorted([*Path(folder).glob("*.yaml"), *Path(folder).glob("*.yml")])}
    if start is not None:   # the file opened, where a.yaml and a.yml share the name
        files[Path(start).stem] = Path(start)
    return dict(sorted(files.items()))


# --------------------------------------------------------------------------- the population


@dataclass(frozen=True)
class NetworkChoice:
    """The population both designs run on: network kind, size, mean degree and seed."""

    kind: str
    size: int | None          # None: an edge-list file fixes the size
    mean_degree: float
    seed: int
    # the most friends per person the slider offers (below the people): DEGREE_RANGE's, or the preset's own mean
    # where that is more (a preset of 40 ran at 30 unsaid, or at 40 under 'at most 30' until a seed was typed)
    most: float = DEGREE_RANGE[1]

    @classmethod
    def of(cls, preset: Scenario, class_size: int = CLASS_SIZE) -> "NetworkChoice":
        """The preset's own network, scaled down to ``class_size`` people when larger than
        the slider allows. An edge list's mean degree is the file's own, 2 ties / people,
        each pair counted once."""
        net = preset.network
        if net.kind == "edgelist":
            n, u, v, _ = load_edgelist(Path(net.path))
            # ties as the network keeps them: each pair once, no self-loop (a file listing `u v` and `v u` read 11.88
            # friends over a network of 5.94)
            low, high = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
            ties = np.unique(low[low != high] * max(n, 1) + high[low != high]).size
            return cls(kind="edgelist", size=None, mean_degree=round(2.0 * ties / max(n, 1), 2),
                       seed=int(preset.seed if preset.seed is not None else 1))
        size = preset.population.size
        if not SIZE_RANGE[0] <= size <= SIZE_RANGE[1]:
            size = class_size
        degree = getattr(net, "mean_degree", None)
        if degree is None:  # a complete graph: everyone is everyone's friend, and another kind starts at the most offered
            degree = min(size - 1, DEGREE_RANGE[1])
        if getattr(net, "degrees", None):   # the list's mean, not the schema's 10 the list overrides
            degree = _list_mean(net.degrees)
        # the slider reaches the preset's own mean as the network builds it (in pairs: 41 builds 42)
        own = max(2, 2 * math.floor(float(degree) / 2 + 0.5)) if net.kind in EVEN_DEGREE_KINDS else float(degree)
        return cls(kind=net.kind, size=size, mean_degree=float(degree),
                   seed=int(preset.seed if preset.seed is not None else 1),
                   most=float(max(DEGREE_RANGE[1], math.ceil(own)))).snapped()

    @property
    def degree_limit(self) -> int:
        """Most friends per person the slider offers (``most``: DEGREE_RANGE's, or the
        preset's own mean where that is more): fewer than the people there are (an even
        number where the network's degree comes in pairs, EVEN_DEGREE_KINDS)."""
        if self.size is None:
            return int(self.most)
        limit = max(DEGREE_RANGE[0], min(int(self.most), self.size - 1))
        return max(2, limit // 2 * 2) if self.kind in EVEN_DEGREE_KINDS else limit

    @property
    def degree_step(self) -> int:
        """The slider's step: 2 where the network's degree comes in pairs."""
        return 2 if self.kind in EVEN_DEGREE_KINDS else 1

    def snapped(self) -> "NetworkChoice":
        """This choice with the mean degree the network is built with, where that comes in
        pairs (newcomers add mean_degree / 2 ties, rounded half up; a ring lattice has an
        even degree): 11 friends built what 12 did, under a label that said 11."""
        if self.kind not in EVEN_DEGREE_KINDS:
            return self
        degree = max(2, 2 * math.floor(self.mean_degree / 2 + 0.5))
        if self.size is not None:
            degree = min(degree, self.degree_limit)
        return dataclasses.replace(self, mean_degree=float(degree))


def network_problems(preset: Scenario, choice: NetworkChoice, kinds=NETWORK_KINDS) -> dict[str, str]:
    """For each network kind that cannot be built with ``choice``'s people and friends,
    the reason (the generator's own message): validating the kind's scenario makes the
    checks each builder makes before it draws (generators.check_buildable), so the answer
    is the one the run would meet, and no network is built for it (each kind's was, on
    every move of a slider). A seed out of range is no kind's problem: the page says so
    once (build_run), where every kind had listed it."""
    if not 0 <= int(choice.seed) <= MAX_SEED:
        return {}
    problems = {}
    for kind in kinds:
        try:
            # as choosing the kind makes it (set_kind snaps the friends to the pairs a growth model builds): 1.5
            # friends greyed Holme-Kim and Barabasi-Albert out, which build at 2 when chosen
            classroom_scenario(preset, dataclasses.replace(choice, kind=kind).snapped(), Design.of(preset))
        except ScenarioError as error:
            message = error.args[0] if error.args else str(error)
            # the control at fault named: pydantic's "Input should be greater than or equal to 2" named none
            field = (error.key or "").split(" (line")[0].rsplit(".", 1)[-1]
            problems[kind] = f"{field}: {message}" if field and field not in message else message
    return problems


def built_mean_degree(preset: Scenario, choice: NetworkChoice) -> float | None:
    """The mean number of friends of the network ``choice`` builds (with its seed, as the
    run builds it), or None where it cannot be built. Growth models and given degrees
    build fewer ties than asked in a small class: 30 friends among 50 people built 21."""
    if choice.size is None or not 0 <= int(choice.seed) <= MAX_SEED:
        return None
    from .network.generators import network_for

    try:
        scenario = classroom_scenario(preset, choice, Design.of(preset))
        # the run's very network, from the process's graph store: the run then takes it from there (it was built
        # once for this label and again by the run)
        network = network_for(scenario.network, scenario.population.size, int(choice.seed))
    except ScenarioError:
        return None
    return float(network.degree.mean())


# --------------------------------------------------------------------------- one design


def reward_slider(preset: Scenario) -> tuple[float, float]:
    """The reward sliders' (top, step) for ``preset``: up to four reward scales or twice
    its largest reward, rounded up to 1, 2 or 5 times a power of ten, in about twenty
    steps that hold its own rewards. 0-100 in steps of 5 left dropbox-2008's 1.8 (a
    margin of 0.3 a month) impossible to set again, its smallest step 17 months of
    margin, and a B2B reward of 10 against a 150-a-month margin as far as it could go.
    The consumer presets keep 0-100 in steps of 5."""
    from .behaviour import incentive as inc

    incentive = preset.program.incentive
    rewards = [float(r) for r in (getattr(incentive, "referrer_reward", 0), getattr(incentive, "referee_reward", 0)) if r]
    scale = inc.scale(incentive, preset.economics) if incentive.kind != "none" else 24.0
    top = _nice(max(4 * scale, 2 * max(rewards, default=0.0), 1.0), up=True)
    step = _nice(top / 20, up=False)
    while any(abs(r / step - round(r / step)) > 1e-9 for r in rewards) and step > 0.011:
        step = _nice(step * 0.99, up=False)   # the next nice step down: 5 → 2 → 1 → 0.5 ...
    return top, step


def slider_step(values, steps) -> float:
    """The coarsest of ``steps`` on which every one of ``values`` lies, else the finest: a
    preset's 0.125 conversion, 26% promoters or 75 people could not be set again on a
    slider of 0.01, 0.05 or 10."""
    for step in steps:
        if all(abs(v / step - round(v / step)) < 1e-9 for v in values):
            return step
    return steps[-1]


def friends_floor(preset: Scenario, choice: NetworkChoice) -> float:
    """The friends slider's lowest value: DEGREE_RANGE's, or the preset's own mean where
    that is less and the kind takes it (a preset of 1.5 friends, Erdos-Renyi near its
    giant-component threshold, drew its slider at 1.5 below a minimum of 2, and once
    moved it could not be set again); a kind whose degree comes in pairs builds 2 at least."""
    own = NetworkChoice.of(preset).mean_degree
    if choice.kind in EVEN_DEGREE_KINDS or not 0 < own < DEGREE_RANGE[0]:
        return float(DEGREE_RANGE[0])
    return float(own)


def friends_step(preset: Scenario, choice: NetworkChoice) -> float:
    """The friends slider's step for ``choice``: its kind's own (2 where the degree comes in
    pairs), or, where that is 1 and the preset's own network has a fractional mean (a
    `mean_degree` of 7.5, a degree list's 7.33), the coarsest of 0.5, 0.1 and 0.01 that
    holds it: on whole numbers it could not be set again once moved."""
    if choice.degree_step != 1:
        return float(choice.degree_step)
    own = NetworkChoice.of(preset).mean_degree
    return slider_step([own], (1.0, 0.5, 0.1, 0.01))


def _nice(value: float, *, up: bool) -> float:
    """``value`` rounded up (or down) to 1, 2 or 5 times a power of ten."""
    power = 10.0 ** math.floor(math.log10(value))
    candidates = [m * power for m in (0.5, 1, 2, 5, 10)]
    return min(c for c in candidates if c >= value - 1e-12) if up else max(c for c in candidates if c <= value + 1e-12)


def _incentive_model(kind: str):
    """The schema's model of an incentive kind (None for none)."""
    from . import config

    return {"single_sided": config.SingleSided, "double_sided": config.DoubleSided, "tiered": Tiered}.get(kind)


def _reward_default(kind: str, field: str) -> float:
    """The schema's default reward of an incentive kind (0 where the kind has none)."""
    model = _incentive_model(kind)
    if model is None:
        return 0.0
    if kind == "tiered" and field == "referrer_reward":
        return float(Tiered.model_fields["tiers"].default_factory()[0].referrer_reward)
    fields = model.model_fields
    return float(fields[field].default) if field in fields else 0.0


@dataclass(frozen=True)
class Design:
    """One referral-program design: the schema blocks a class edits. A preset's blocks
    pass through untouched until a control moves; an edit builds a new validated block
    whose unset fields take the schema's defaults."""

    incentive: object            # one of config.Incentive
    timing: object               # one of config.Timing
    satisfaction: object         # one of config.Satisfaction
    base_share: float
    channels: tuple[Channel, ...]
    # the reminder settings of the last kind that asks, kept while the design asks never: through never and back,
    # the preset's fatigue of 0.5 became the schema's 0.9 under a summary that read the same
    kept_reminders: tuple = dataclasses.field(default=(), compare=False)
    # the incentive block left for none, and each timing kind's block left for another: through none and back the
    # preset's budget, cap and reward scale were lost (12 adopters became 15) under a summary that read the same,
    # and a milestone's day, reach and bar through at_purchase and back
    kept_incentive: tuple = dataclasses.field(default=(), compare=False)   # (kind, block) pairs, the last left last
    kept_timing: tuple = dataclasses.field(default=(), compare=False)
    kept_tiers: tuple = dataclasses.field(default=(), compare=False)   # the last tiers' shape with a first reward > 0
    # the last tiers whose first reward is 0 and a later one above it ("20 after 3 referrals"): their later tiers are
    # kept as they are when the first is raised, and the program comes back when the first returns to 0 (0 -> 30 -> 0
    # scaled the 20 to 0, a program that rewarded nobody)
    kept_zero_tiers: tuple = dataclasses.field(default=(), compare=False)
    # the preset's conversions of its direct channels: the conversion slider moves the first and the others keep
    # their ratio to it (it set every one to its value: a round trip dropped 'in-app' from 30% to 5%)
    kept_conversions: tuple = dataclasses.field(default=(), compare=False)
    # the preset's satisfaction block (a beta or a constant score): the mix sliders made it an NPS mix for good, and
    # back at the preset's shares the run was another under the same design line
    kept_satisfaction: object = dataclasses.field(default=None, compare=False)

    @classmethod
    def of(cls, scenario: Scenario) -> "Design":
        """The preset's design. A direct channel that sets no conversion gets the one the
        program gives it (``default_conversion``): the slider and the summary read the
        schema's 10% where the run used the file's 25%."""
        program = scenario.program
        channels = tuple(Channel.model_validate(dict(channel.model_dump(exclude_unset=True),
                                                     base_conversion=program.conversion(channel)))
                         if channel.base_conversion is None and program.conversion(channel) != channel.conversion
                         else channel for channel in program.channels)
        return cls(incentive=program.incentive, timing=program.timing, satisfaction=scenario.satisfaction,
                   base_share=float(program.base_share), channels=channels,
                   kept_conversions=tuple(c.conversion for c in channels if c.kind == "direct"),
                   kept_satisfaction=scenario.satisfaction)

    # ---- incentive

    @property
    def incentive_kind(self) -> str:
        return self.incentive.kind

    @property
    def referrer_reward(self) -> float:
        return float(getattr(self.incentive, "referrer_reward", 0.0))

    @property
    def referee_reward(self) -> float:
        return float(getattr(self.incentive, "referee_reward", 0.0))

    def with_incentive(self, kind: str | None = None, referrer: float | None = None, referee: float | None = None) -> "Design":
        """Change the incentive kind or its rewards. Each kind's block is kept when the
        design leaves it (``kept_incentive``), and a return to the kind starts from it:
        its rewards (a 0 included), its tiers, a friend's uplift only some kinds have.
        Through none and back, a design gets its program again (design B, the preset
        without a reward, starts from the preset's). A kind not yet visited takes the
        settings the last kind had that it has too (reward type, payment, cap, budget),
        and its rewards, or the schema's default where the last kind had none. A tiered
        program keeps the shape of its tiers, scaled by new / old first reward, and gets
        the shape back after a first reward of 0."""
        kind = kind or self.incentive_kind
        blocks = dict(self.kept_incentive)
        if self.incentive_kind != "none":   # the kind left, last in order: the one a new kind carries from
            blocks.pop(self.incentive_kind, None)
            blocks[self.incentive_kind] = self.incentive.model_dump(exclude_unset=True)
        kept = tuple(blocks.items())
        if kind == "none":
            return self if self.incentive_kind == "none" else \
                dataclasses.replace(self, incentive=NoIncentive(kind="none"), kept_incentive=kept)
        own = blocks.get(kind)   # this kind's own block, the current one included
        carried = blocks[list(blocks)[-1]] if blocks else {}
        fields = _incentive_model(kind).model_fields
        # settings the kind has: its own, else the last kind's that it has too (a friend's uplift stays with the
        # kinds that take it: carried to single_sided it was refused, and the page fell over)
        block = {key: value for key, value in (own if own is not None else carried).items()
                 if key in fields and key not in ("kind", "referrer_reward", "referee_reward", "tiers")}
        block["kind"] = kind
        if referrer is None:
            referrer = self._kept_reward(own, carried, kind, "referrer_reward")
        if referee is None:
            referee = self._kept_reward(own, carried, kind, "referee_reward")
        shape, zero = self.kept_tiers, self.kept_zero_tiers
        if self.incentive_kind == "tiered":
            pairs = tuple((t.after, t.referrer_reward) for t in self.incentive.tiers)
            if pairs[0][1] > 0:
                shape = pairs
            elif any(reward > 0 for _, reward in pairs[1:]):
                zero = pairs
        if kind == "tiered":
            block["tiers"] = self._tiers(float(referrer), (own or {}).get("tiers") or carried.get("tiers"), shape, zero)
        else:
            block["referrer_reward"] = float(referrer)
        if kind in ("double_sided", "tiered"):
            block["referee_reward"] = float(referee)
        return dataclasses.replace(self, incentive=_INCENTIVE.validate_python(block), kept_incentive=kept,
                                   kept_tiers=shape, kept_zero_tiers=zero)

    @staticmethod
    def _kept_reward(own: dict | None, carried: dict, kind: str, field: str) -> float:
        """A reward for ``kind``: its own block's (0 included: a friend's reward set to 0
        came back as 10 through none), else the last kind's where it had one above 0, else
        the schema's default."""
        def first(block: dict) -> float | None:
            if field == "referrer_reward" and block.get("tiers"):
                return float(block["tiers"][0]["referrer_reward"])
            return float(block[field]) if field in block else None

        if own is not None and (mine := first(own)) is not None:
            return mine
        theirs = first(carried)
        if theirs is not None and theirs > 0 and (field != "referee_reward" or
                                                  carried.get("kind") in ("double_sided", "tiered")):
            return theirs
        return _reward_default(kind, field)

    @staticmethod
    def _tiers(first: float, tiers, shape: tuple = (), zero: tuple = ()) -> list[dict]:
        """Tiers whose first reward is ``first``, each keeping its ratio to the first: in
        the shape of ``tiers`` (dicts of after and referrer_reward), or of ``shape`` (the
        last tiers with a first reward above 0) where theirs is 0, else doubling after
        TIER_STEP_AFTER referrals. A first reward dragged to 0 and back lost the shape.
        A first tier of 0 with later rewards (``zero``, the last such tiers) comes back
        when the first returns to 0 with those later tiers unchanged."""
        pairs = [(int(t["after"]), float(t["referrer_reward"])) for t in tiers] if tiers else []
        from_zero = bool(zero) and pairs[1:] == [(int(a), float(r)) for a, r in zero[1:]]   # its later tiers unchanged
        if first <= 0 and from_zero:
            return [{"after": int(after), "referrer_reward": float(reward)} for after, reward in zero]
        # the first raised again (0 -> 10 -> 20) keeps a 0-first program's later tiers as they are: scaled by 20 / 10,
        # its 20 became 40, and back at 0 the program rewarded nobody
        if pairs and (first == pairs[0][1] or from_zero or (pairs[0][1] <= 0 and any(r > 0 for _, r in pairs[1:]))):
            # the first reward unchanged, or a first tier of 0 (later tiers reward): the tiers as they are, the first
            # set (a friend's reward edited on a 0-then-20 program cut the 20 to 0)
            return [{"after": after, "referrer_reward": first if i == 0 else reward}
                    for i, (after, reward) in enumerate(pairs)]
        if not pairs or pairs[0][1] <= 0:
            pairs = list(shape)
        if not pairs or pairs[0][1] <= 0:
            return [{"after": 0, "referrer_reward": first}, {"after": TIER_STEP_AFTER, "referrer_reward": 2 * first}]
        return [{"after": after, "referrer_reward": first * reward / pairs[0][1]} for after, reward in pairs]

    # ---- timing

    @property
    def timing_kind(self) -> str:
        return self.timing.kind

    @property
    def reminders(self) -> int:
        reminders = getattr(self.timing, "reminders", None)
        return int(reminders.count) if reminders is not None else 0

    def with_timing(self, kind: str | None = None, reminders: int | None = None) -> "Design":
        """Change when customers are asked; the reminder settings carry over between kinds,
        and each kind's own settings (a milestone's day, reach and bar, a campaign's days)
        are kept for a return to it (``kept_timing``)."""
        kind = kind or self.timing_kind
        old = self.timing.model_dump(exclude_unset=True)
        blocks = dict(self.kept_timing)
        if self.timing_kind != "never":   # its own settings (a milestone's day, reach and bar), for a return to it
            blocks[self.timing_kind] = {key: value for key, value in old.items() if key != "reminders"}
        kept_timing = tuple(blocks.items())
        if kind == "never":
            kept = tuple(old["reminders"].items()) if "reminders" in old else self.kept_reminders
            return dataclasses.replace(self, timing=_TIMING.validate_python({"kind": "never"}), kept_reminders=kept,
                                       kept_timing=kept_timing)
        block = dict(old) if kind == self.timing_kind else dict(blocks.get(kind, {"kind": kind}))
        block.pop("reminders", None)   # the reminders carry over between kinds: the current ones, or those kept
        remind = dict(old.get("reminders", {})) if "reminders" in old else dict(self.kept_reminders)
        if reminders is not None:
            remind["count"] = int(reminders)
        if remind:
            block["reminders"] = remind
        return dataclasses.replace(self, timing=_TIMING.validate_python(block), kept_timing=kept_timing)

    # ---- satisfaction and sharing

    @property
    def mix(self) -> tuple[float, float]:
        """(promoters, passives) shares of the satisfaction block; detractors are the rest."""
        return nps_shares(self.satisfaction)

    def with_mix(self, promoters: float | None = None, passives: float | None = None) -> "Design":
        """An NPS mix; passives are cut to 1 - promoters so the mix stays a distribution.
        Settings every satisfaction kind shares (tenure drift) carry over."""
        old_promoters, old_passives = self.mix
        promoters = min(max(old_promoters if promoters is None else float(promoters), 0.0), 1.0)
        passives = min(max(old_passives if passives is None else float(passives), 0.0), 1.0 - promoters)
        own = self.kept_satisfaction
        if own is not None and not isinstance(own, NpsMix) and all(
                round(a, 2) == round(b, 2) for a, b in zip((promoters, passives), nps_shares(own))):
            # back at the preset's own shares (as the sliders show them, to the percent): its own block again
            return dataclasses.replace(self, satisfaction=own)
        shared = {name: getattr(self.satisfaction, name) for name in _SHARED_SATISFACTION
                  if name in type(self.satisfaction).model_fields}
        mix = NpsMix(kind="nps_mix", promoters=round(promoters, 6), passives=round(passives, 6), **shared)
        return dataclasses.replace(self, satisfaction=mix)

    def with_base_share(self, share: float) -> "Design":
        return dataclasses.replace(self, base_share=min(max(float(share), 0.0), 1.0))

    # ---- invitations

    @property
    def has_direct_channel(self) -> bool:
        return any(channel.kind == "direct" for channel in self.channels)

    @property
    def invite_conversion(self) -> float:
        """Conversion of one weak-tie direct invitation (the first direct channel's)."""
        for channel in self.channels:
            if channel.kind == "direct":
                return channel.conversion
        return float("nan")

    def with_invite_conversion(self, conversion: float) -> "Design":
        """Set the conversion of the first direct channel; the other direct channels keep
        their ratio to it as the preset had them (at most 1), and broadcast its own. A
        preset whose first is 0 keeps the others as they are."""
        conversion = min(max(float(conversion), 0.0), 1.0)
        current = [c.conversion for c in self.channels if c.kind == "direct"]
        shape = list(self.kept_conversions) if len(self.kept_conversions) == len(current) else current
        if shape and shape[0] > 0:
            wanted = [conversion] + [min(1.0, other * conversion / shape[0]) for other in shape[1:]]
        else:
            wanted = [conversion] + current[1:]
        values = iter(wanted)
        channels = tuple(Channel.model_validate(dict(channel.model_dump(exclude_unset=True), base_conversion=next(values)))
                         if channel.kind == "direct" else channel for channel in self.channels)
        return dataclasses.replace(self, channels=channels)

    @property
    def conversion_text(self) -> str:
        """The direct invitations' conversion as the summary gives it: one figure, or the
        range over several direct channels ('5-30%')."""
        values = [c.conversion for c in self.channels if c.kind == "direct"]
        low, high = min(values), max(values)
        # to the tenth of a percent where that is what differs, as the slider's label (12.5% read as 12%)
        text = lambda value: f"{value:.1%}".replace(".0%", "%")  # noqa: E731
        return text(low) if text(low) == text(high) else f"{text(low)}–{text(high)}"

    def summary(self) -> str:
        """One line a class can read: 'double-sided 10/10 · onboarding + 1 reminder · 20% share when asked ·
        50% promoters, 35% passives'. Every lever the design controls is on it: two designs differing only in the share
        probability read alike, and a class could not see what it had changed."""
        kind = self.incentive_kind
        if kind == "none":
            reward = "no reward"
        elif kind == "single_sided":
            reward = f"single-sided {self.referrer_reward:g}"
        elif kind == "double_sided":
            reward = f"double-sided {self.referrer_reward:g}/{self.referee_reward:g}"
        else:
            reward = f"tiered from {self.referrer_reward:g}" + (f", friend {self.referee_reward:g}" if self.referee_reward else "")
        if self.timing_kind == "never":
            ask = "never asked"
        else:
            count = self.reminders
            ask = TIMING_LABELS[self.timing_kind] + (f" + {count} reminder{'s' if count != 1 else ''}" if count else "")
        invites = f" · invites convert {self.conversion_text}" if self.has_direct_channel else ""
        # to the tenth of a percent, as the conversion (0.333 and 0.334 read alike as 33%)
        asked = f" · {self.base_share:.1%} share when asked".replace(".0%", "%") if self.timing_kind != "never" else ""
        # passives too: promoters moved up and back cut them for good, and two designs running apart read alike
        mix = f"{self.mix[0]:.1%} promoters, {self.mix[1]:.1%} passives".replace(".0%", "%")
        return f"{reward} · {ask}{asked}".replace(".0%", "%") + f" · {mix}{invites}"


def nps_shares(satisfaction) -> tuple[float, float]:
    """(promoters, passives) of a satisfaction block (a schema model, or a mapping that
    validates as one, so unset values take the schema's defaults): the shares themselves
    for nps_mix; 0 or 1 by the segment of the value for constant; for beta, with
    score = 10 X and X ~ Beta(a, b): promoters = 1 - I_0.9(a, b), passives = I_0.9(a, b) - I_0.7(a, b)."""
    block = satisfaction if not isinstance(satisfaction, dict) else _SATISFACTION.validate_python(satisfaction)
    if isinstance(block, NpsMix):
        return float(block.promoters), float(block.passives)
    if isinstance(block, ConstantSatisfaction):
        return float(block.value >= PROMOTER_MIN), float(PASSIVE_MIN <= block.value < PROMOTER_MIN)
    if isinstance(block, BetaSatisfaction):
        below_promoter = float(betainc(block.a, block.b, PROMOTER_MIN / 10))
        below_passive = float(betainc(block.a, block.b, PASSIVE_MIN / 10))
        return 1.0 - below_promoter, below_promoter - below_passive
    raise ValueError(f"unknown satisfaction kind {block.kind!r}")


# --------------------------------------------------------------------------- the scenario a class runs


def classroom_scenario(preset: Scenario, choice: NetworkChoice, design: Design, menu_name: str | None = None) -> Scenario:
    """The preset on the class's network with one design, validated. A refusal names the
    preset ``menu_name`` (the preset menu's name for it, its file's) where given, else by
    the scenario's ``name``: "preset default-double-sided-credit" stood beside a menu that
    reads "default".

    When the population is resized by the ratio r = size / preset size, the initial
    customers (a count), the program budget, the influencers recruited and a daily
    capacity of asks are scaled by r too (each at least 1), so the share of people who
    start as customers, the budget per person, the influencers' share and the asks a
    day per person stay those of the preset.
    Raises ScenarioError naming the control's key when the combination is not valid.
    """
    data = preset.model_dump(mode="json", exclude_none=True)
    where = f"preset {menu_name or preset.name}"
    if not 0 <= int(choice.seed) <= MAX_SEED:
        raise ScenarioError(f"seed {choice.seed} is out of range; valid: 0..{MAX_SEED}", file=where, key="seed")
    data["seed"] = int(choice.seed)
    ratio = 1.0
    if choice.kind == "edgelist" or choice.size is None:
        if preset.network.kind != "edgelist":
            raise ScenarioError("an edge-list network needs a preset that has one; pick another network kind",
                                file=where, key="network.kind")
    else:
        size = int(choice.size)
        # an edge-list preset's population.size is its file's people: the class scales from them as from any size
        # (its 100 customers at launch stayed 100 of a class of 50, everyone a customer on day 1)
        ratio = size / preset.population.size
        data["population"]["size"] = size
        data["network"] = _network_block(preset, choice, size)
        seeds = data["population"]["initial_customers"]
        if isinstance(seeds, int):
            data["population"]["initial_customers"] = min(size, max(1, round(seeds * ratio))) if seeds > 0 else 0
        elif isinstance(seeds, dict):  # {count, strategy}: scale the count, keep the strategy
            count = seeds["count"]
            data["population"]["initial_customers"] = {**seeds, "count": min(size, max(1, round(count * ratio))) if count > 0 else 0}
        else:   # ids: those that are people of the class, as many as the count scales to (100 of 1,000 stayed 100 of 50)
            wanted = min(size, max(1, round(len(set(seeds)) * ratio)))
            kept = list(dict.fromkeys(person for person in seeds if person < size))[:wanted]
            if kept:   # and, where the class is larger (or few ids fit it), the lowest other ids up to that many
                listed = set(kept)
                kept += itertools.islice((person for person in range(size) if person not in listed), wanted - len(kept))
            data["population"]["initial_customers"] = kept if kept else wanted
    incentive = design.incentive.model_dump(mode="json", exclude_none=True)
    largest = max([design.referrer_reward, design.referee_reward]
                  + [t["referrer_reward"] for t in incentive.get("tiers", [])])
    for key in ("budget", "budget_per_month"):   # a monthly allowance too: 100 a month on 300 people held nothing back
        if incentive.get(key) is not None:
            incentive[key] = max(incentive[key] * ratio, largest)
    data["program"]["incentive"] = incentive
    # counts of people and of asks a day, as the initial customers: 20 influencers of a 10,000-person preset were
    # 6.7% of a class of 300, and its run reached 188 adopters against 38 with the count scaled
    for lever, key in (("influencers", "count"), ("targeting", "daily_capacity")):
        block = data["program"].get(lever)
        if isinstance(block, dict) and block.get(key, 0) > 0 and ratio != 1.0:
            block[key] = max(1, round(block[key] * ratio))
    data["program"]["timing"] = design.timing.model_dump(mode="json", exclude_none=True)
    data["program"]["base_share"] = design.base_share
    data["program"]["channels"] = [channel.model_dump(mode="json", exclude_none=True) for channel in design.channels]
    data["satisfaction"] = design.satisfaction.model_dump(mode="json", exclude_none=True)
    return validate(data, source=where)


def _list_mean(degrees) -> float:
    """A degree list's mean friends, as the friends label shows it."""
    return round(float(np.mean(degrees)), 2) if len(degrees) else 0.0


def _network_block(preset: Scenario, choice: NetworkChoice, size: int) -> dict:
    if choice.kind == preset.network.kind:
        block = preset.network.model_dump(mode="json", exclude_none=True)
    else:
        block = {"kind": choice.kind, "strong_tie_share": preset.network.strong_tie_share}
    if block.get("degrees") is not None and (len(block["degrees"]) != size
                                             or float(choice.mean_degree) != _list_mean(block["degrees"])):
        # an explicit degree sequence fits only the preset's own size, and its own mean: the friends slider moved
        # nothing while the list was kept
        del block["degrees"]
    degree = min(float(choice.mean_degree), size - 1.0)
    if choice.kind == "watts_strogatz":
        # a ring lattice needs an even degree below the population size
        block["mean_degree"] = max(2, min(int(round(degree / 2)) * 2, (size - 1) // 2 * 2))
    elif choice.kind != "complete":
        block["mean_degree"] = degree
    return block


# --------------------------------------------------------------------------- playing speed


#: Days a second at ×1; the speed buttons multiply it.
DAYS_PER_SECOND = 5.0
SPEEDS = (0.25, 0.5, 1.0, 5.0, 10.0)
#: Most pictures a second the page sends while playing (faster speeds step several days a picture).
MAX_FRAMES_PER_SECOND = 10.0
#: Fewest pictures a second while the server is behind the schedule: it then skips
#: pictures, never days, and catches up (a busy server is one with many classes).
MIN_FRAMES_PER_SECOND = 2.0


def speed_label(speed: float) -> str:
    return {0.25: "×¼", 0.5: "×½"}.get(speed, f"×{speed:g}")


class PlayClock:
    """When the next day is due while playing at ``speed``: days run on a fixed
    schedule (DAYS_PER_SECOND * speed), so a slow frame is caught up, not stretched,
    and a picture is due at most MAX_FRAMES_PER_SECOND times a second (fewer while
    the schedule is behind)."""

    def __init__(self, speed: float, now: float | None = None):
        self.interval = 1.0 / (DAYS_PER_SECOND * speed)
        self.started = time.perf_counter() if now is None else now
        self.days = 0
        self.last_picture = -math.inf

    def wait(self, now: float) -> float:
        """Seconds until the next day is due (0 when late)."""
        return max(0.0, self.started + (self.days + 1) * self.interval - now)

    def day_done(self) -> None:
        self.days += 1

    def behind(self, now: float) -> bool:
        """More than a day late: the last day stepped was due over a day ago."""
        return now - (self.started + self.days * self.interval) > self.interval

    def picture_due(self, now: float) -> bool:
        """At most MAX_FRAMES_PER_SECOND pictures a second; while the schedule is
        behind, only MIN_FRAMES_PER_SECOND, so the days catch up."""
        most = MIN_FRAMES_PER_SECOND if self.behind(now) else MAX_FRAMES_PER_SECOND
        if now - self.last_picture >= 1.0 / most:
            self.last_picture = now
            return True
        return False


# --------------------------------------------------------------------------- the run a class watches


@dataclass(eq=False)  # compared by identity: a new frame is a new day
class Frame:
    """What the page shows of one design on one day."""

    label: str
    summary: str
    day: int
    days: int
    adopters: int
    organic: int
    referred: int
    customers: int
    churned: int
    k: KReading
    verdict: Verdict
    prospects_left: float
    generations: list[int]
    state: np.ndarray
    referred_by: np.ndarray
    generation: np.ndarray
    initial: np.ndarray
    organic_to_date: np.ndarray      # per day 0..day, initial customers included
    referred_to_date: np.ndarray
    active: np.ndarray
    new_organic: np.ndarray          # per day 0..day (day 0: none)
    new_referred: np.ndarray

    @property
    def generation_ratios(self) -> list[float]:
        return generation_ratios(self.generations)

    @property
    def k_factor(self) -> float:
        return self.k.k


class ClassRun:
    """One or two designs on the same population and seed, stepped together.

    Both models get the same network object and the same seed, so every random stream a
    design does not touch (network, initial customers, organic clocks, satisfaction,
    churn clocks) is identical: the difference between the two is caused by the design
    (common random numbers).
    """

    def __init__(self, preset: Scenario, choice: NetworkChoice, designs: list[Design], menu_name: str | None = None):
        if not 1 <= len(designs) <= 2:
            raise ValueError("a class run shows one or two designs")
        self.labels = ["A", "B"][: len(designs)]
        self.designs = list(designs)
        self.choice = choice
        self.scenarios = [classroom_scenario(preset, choice, design, menu_name) for design in designs]
        # from the process's graph store, where the friends label (built_mean_degree) left it: built once, not twice
        from .network.generators import network_for

        scenario = self.scenarios[0]
        shared = None if scenario.network.kind == "edgelist" else \
            network_for(scenario.network, scenario.population.size, int(choice.seed))
        first = ReferralModel(scenario, rng=choice.seed, network=shared)
        self.models = [first] + [ReferralModel(s, rng=choice.seed, network=first.engine.network) for s in self.scenarios[1:]]
        self.network: Network = first.engine.network
        self._ticks: deque[tuple[float, int]] = deque(maxlen=30)
        # each design's latest reading and its verdict: read every day, whether a page shows
        # that day or not, so that the verdict on a day is the same at any speed
        self._said: list[tuple[_Reading, Verdict] | None] = [None] * len(self.models)

    @property
    def day(self) -> int:
        return self.models[0].day

    @property
    def days(self) -> int:
        return self.scenarios[0].days

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def advance(self, days: int = 1) -> int:
        """Step every design ``days`` days (fewer at the horizon); returns days stepped."""
        stepped = 0
        while stepped < days and not self.finished:
            for model in self.models:
                model.step()
            stepped += 1
            for i, model in enumerate(self.models):
                self._read(i, model)
        self._ticks.append((time.perf_counter(), self.day))
        return stepped

    def days_per_second(self) -> float:
        """Recent playing speed, from the last advances' clock times and days."""
        if len(self._ticks) < 2:
            return float("nan")
        (t0, d0), (t1, d1) = self._ticks[0], self._ticks[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else float("nan")

    def forget_speed(self) -> None:
        self._ticks.clear()

    def frames(self) -> list[Frame]:
        return [self._frame(i, model, label, design)
                for i, (model, label, design) in enumerate(zip(self.models, self.labels, self.designs))]

    def _read(self, i: int, model: ReferralModel) -> tuple["_Reading", Verdict]:
        """Design ``i``'s reading and verdict of today: made once a day, with the day
        before's verdict in mind."""
        said = self._said[i]
        if said is None or said[0].day != model.day:
            reading = _Reading.of(model)
            said = self._said[i] = reading, read_loop(reading.k, reading.generations, reading.prospects_left,
                                                      reading.new_referred, previous=said[1] if said is not None else None)
        return said[0], _word_of_mouth_said(said[1], model.engine.people)

    def _frame(self, i: int, model: ReferralModel, label: str, design: Design) -> Frame:
        reading, said = self._read(i, model)
        people, daily = model.engine.people, reading.daily
        new_organic = daily[:, COLUMN_INDEX["new_organic"]].copy()
        initial_count = float(daily[0, COLUMN_INDEX["customers"]])  # day 0 holds the initial customers and no flows
        adopters = int((people.adopted_day != NEVER).sum())
        referred = int((people.referred_by >= 0).sum())
        return Frame(
            label=label, summary=design.summary(), day=model.day, days=model.scenario.days,
            adopters=adopters, organic=adopters - referred, referred=referred,
            customers=int((people.state == CUSTOMER).sum()), churned=int((people.state == CHURNED).sum()),
            k=reading.k, verdict=said, prospects_left=reading.prospects_left,
            generations=reading.generations, state=people.state, referred_by=people.referred_by,
            generation=reading.generation, initial=people.channel == SEED,
            organic_to_date=initial_count + new_organic.cumsum(), referred_to_date=reading.new_referred.cumsum(),
            active=daily[:, COLUMN_INDEX["customers"]].copy(), new_organic=new_organic, new_referred=reading.new_referred,
        )


def _word_of_mouth_said(said: Verdict, people) -> Verdict:
    """A fading verdict, with how many of the friends who joined came by word of mouth where
    most did: K counts tracked referrals only, the generations every friend who joined, so on
    dropbox-2008 the card read "K below 1: the loop fades" beside generations growing 8 → 14
    → 22 (58 of the 90 friends had joined by word of mouth), with no word of which loop grew.
    The reading kept for tomorrow (read_loop's memory) is the verdict as read."""
    if said.tone != "fades":
        return said
    friends = people.referred_by >= 0
    joined, untracked = int(friends.sum()), int((friends & ~people.tracked).sum())
    if not joined or 2 * untracked <= joined:
        return said
    return dataclasses.replace(said, text=said.text + (
        f" Here {untracked} of the {joined} friends who joined came by word of mouth, which K does not count: they "
        f"are in the generations, which can grow while the program's own loop fades."))


@dataclass(frozen=True)
class _Reading:
    """What a verdict is read from: one design's day, its K, generations and referrals."""

    day: int
    daily: np.ndarray
    k: KReading
    generation: np.ndarray
    generations: list[int]
    prospects_left: float
    new_referred: np.ndarray

    @classmethod
    def of(cls, model: ReferralModel) -> "_Reading":
        people = model.engine.people
        generation = referral_generations(people.referred_by, people.adopted_day != NEVER)
        # the days so far, as the model's datacollector holds them: read from the engine's
        # daily table, not converted anew from the collector's lists each day (four lists
        # of day-many numbers per design, a cost that grew with the day)
        daily = model.engine.daily[: model.day + 1]
        # the class sees every adoption through a friend: tracked referrals and word of mouth
        new_referred = daily[:, COLUMN_INDEX["new_referred"]] + daily[:, COLUMN_INDEX["new_word_of_mouth"]]
        return cls(day=model.day, daily=daily, k=classroom_k(people, model.day), generation=generation,
                   generations=generation_sizes(generation), prospects_left=float((people.state == PROSPECT).mean()),
                   new_referred=new_referred)
