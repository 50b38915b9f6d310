"""The educator app's parts that need no web server: the scenario a class runs
(a preset scaled to the room, one network choice, one or two program designs),
referral generations, the network layout (computed once per network and seed)
and the two pictures, drawn with matplotlib.

The pictures keep their artists between frames and redraw only what moves
(matplotlib blitting over a cached background), so a frame of a few hundred
people costs milliseconds and the app can play ten days a second or more.
:mod:`simulator.app` is the Solara page that shows them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from PIL import Image
from scipy.special import betainc

from .behaviour.satisfaction import PASSIVE_MIN, PROMOTER_MIN
from .config import Channel, Scenario
from .errors import ScenarioError
from .metrics import K_WINDOW
from .model import ReferralModel
from .network import Network
from .scenario_io import validate
from .state import CHURNED, CUSTOMER, PROSPECT, SEED

CLASS_SIZE = 300
SIZE_RANGE = (50, 1000)
DEGREE_RANGE = (2, 30)
#: Network kinds a class can pick (complete graphs and edge lists are too dense or
#: fixed-size to be a slider choice; an edge-list preset keeps its own file).
NETWORK_KINDS = ("powerlaw_cluster", "barabasi_albert", "erdos_renyi", "watts_strogatz",
                 "stochastic_block", "configuration")
INCENTIVE_KINDS = ("none", "single_sided", "double_sided", "tiered")
TIMING_KINDS = ("never", "at_purchase", "onboarding", "milestone", "campaign")
DEFAULT_REWARD = 10.0
#: A tiered program made from one reward doubles it after this many referrals.
TIER_STEP_AFTER = 3


# --------------------------------------------------------------------------- presets


def preset_files(folder: Path) -> dict[str, Path]:
    """Scenario files of ``folder`` by file stem, sorted (the app's preset list)."""
    return {path.stem: path for path in sorted(Path(folder).glob("*.yaml"))}


# --------------------------------------------------------------------------- what the class chooses


@dataclass(frozen=True)
class NetworkChoice:
    """The population both designs run on: network kind, size, mean degree and seed."""

    kind: str
    size: int | None          # None: an edge-list file fixes the size
    mean_degree: float
    seed: int

    @classmethod
    def of(cls, preset: Scenario, class_size: int = CLASS_SIZE) -> "NetworkChoice":
        """The preset's own network, scaled down to ``class_size`` people when larger than the slider allows."""
        net = preset.network
        size = None if net.kind == "edgelist" else preset.population.size
        if size is not None and not SIZE_RANGE[0] <= size <= SIZE_RANGE[1]:
            size = class_size
        return cls(kind=net.kind, size=size, mean_degree=float(getattr(net, "mean_degree", 12.0)),
                   seed=int(preset.seed if preset.seed is not None else 1))


@dataclass(frozen=True)
class Design:
    """One referral-program design: the scenario blocks a class edits, kept as plain
    mappings so that a preset's own blocks pass through untouched until a control moves."""

    incentive: dict
    timing: dict
    satisfaction: dict
    base_share: float
    channels: list

    @classmethod
    def of(cls, scenario: Scenario) -> "Design":
        data = scenario.model_dump(mode="json", exclude_unset=True)
        program = data.get("program", {})
        full = scenario.model_dump(mode="json", exclude_none=True)
        return cls(incentive=program.get("incentive", full["program"]["incentive"]),
                   timing=program.get("timing", full["program"]["timing"]),
                   satisfaction=data.get("satisfaction", full["satisfaction"]),
                   base_share=float(scenario.program.base_share),
                   channels=program.get("channels", full["program"]["channels"]))

    # ---- incentive

    @property
    def incentive_kind(self) -> str:
        return self.incentive["kind"]

    @property
    def referrer_reward(self) -> float:
        if "tiers" in self.incentive:
            return float(self.incentive["tiers"][0]["referrer_reward"])
        return float(self.incentive.get("referrer_reward", DEFAULT_REWARD if self.incentive_kind != "none" else 0.0))

    @property
    def referee_reward(self) -> float:
        if self.incentive_kind in ("none", "single_sided"):
            return 0.0
        return float(self.incentive.get("referee_reward", DEFAULT_REWARD if self.incentive_kind == "double_sided" else 0.0))

    def with_incentive(self, kind: str | None = None, referrer: float | None = None, referee: float | None = None) -> "Design":
        """Change the incentive kind or its rewards; the other incentive keys (reward type,
        payment, cap, budget) carry over between kinds that have them. A tiered program keeps
        the shape of its tiers: every tier is scaled by new / old first-tier reward."""
        kind = kind or self.incentive_kind
        if kind == "none":
            return dataclasses.replace(self, incentive={"kind": "none"})
        referrer = self.referrer_reward if referrer is None else float(referrer)
        if self.incentive_kind == "none" and referrer == 0.0:
            referrer = DEFAULT_REWARD
        referee = self.referee_reward if referee is None else float(referee)
        if self.incentive_kind in ("none", "single_sided") and kind == "double_sided" and referee == 0.0:
            referee = DEFAULT_REWARD
        block = {key: value for key, value in self.incentive.items()
                 if key not in ("kind", "referrer_reward", "referee_reward", "tiers")}
        block["kind"] = kind
        if kind == "tiered":
            block["tiers"] = self._tiers(referrer)
        else:
            block["referrer_reward"] = referrer
        if kind in ("double_sided", "tiered"):
            block["referee_reward"] = referee
        return dataclasses.replace(self, incentive=block)

    def _tiers(self, first: float) -> list[dict]:
        tiers = self.incentive.get("tiers")
        if not tiers or tiers[0]["referrer_reward"] <= 0:
            return [{"after": 0, "referrer_reward": first}, {"after": TIER_STEP_AFTER, "referrer_reward": 2 * first}]
        scale = first / tiers[0]["referrer_reward"]
        return [{"after": t["after"], "referrer_reward": t["referrer_reward"] * scale} for t in tiers]

    # ---- timing

    @property
    def timing_kind(self) -> str:
        return self.timing["kind"]

    @property
    def reminders(self) -> int:
        return int(self.timing.get("reminders", {}).get("count", 0))

    def with_timing(self, kind: str | None = None, reminders: int | None = None) -> "Design":
        """Change when customers are asked; the reminder settings carry over between kinds."""
        kind = kind or self.timing_kind
        if kind == "never":
            return dataclasses.replace(self, timing={"kind": "never"})
        block = dict(self.timing) if kind == self.timing_kind else {"kind": kind}
        remind = dict(self.timing.get("reminders", {}))
        if reminders is not None:
            remind["count"] = int(reminders)
        if remind:
            block["reminders"] = remind
        return dataclasses.replace(self, timing=block)

    # ---- satisfaction and sharing

    @property
    def mix(self) -> tuple[float, float]:
        """(promoters, passives) shares of the satisfaction block; detractors are the rest."""
        return nps_shares(self.satisfaction)

    def with_mix(self, promoters: float | None = None, passives: float | None = None) -> "Design":
        """An NPS mix; passives are cut to 1 - promoters so the mix stays a distribution."""
        old_promoters, old_passives = self.mix
        promoters = old_promoters if promoters is None else float(promoters)
        passives = old_passives if passives is None else float(passives)
        promoters = min(max(promoters, 0.0), 1.0)
        passives = min(max(passives, 0.0), 1.0 - promoters)
        block = {"kind": "nps_mix", "promoters": round(promoters, 6), "passives": round(passives, 6)}
        if "drift_per_year" in self.satisfaction:
            block["drift_per_year"] = self.satisfaction["drift_per_year"]
        return dataclasses.replace(self, satisfaction=block)

    def with_base_share(self, share: float) -> "Design":
        return dataclasses.replace(self, base_share=min(max(float(share), 0.0), 1.0))

    # ---- invitations

    @property
    def has_direct_channel(self) -> bool:
        return any(block["kind"] == "direct" for block in self.channels)

    @property
    def invite_conversion(self) -> float:
        """Conversion of one weak-tie direct invitation (the first direct channel's; its
        default when the preset leaves it unset)."""
        for block in self.channels:
            if block["kind"] == "direct":
                return Channel.model_validate(block).conversion
        return float("nan")

    def with_invite_conversion(self, conversion: float) -> "Design":
        """Set the conversion of every direct channel (broadcast keeps its own)."""
        conversion = min(max(float(conversion), 0.0), 1.0)
        blocks = [dict(block, base_conversion=conversion) if block["kind"] == "direct" else block for block in self.channels]
        return dataclasses.replace(self, channels=blocks)

    def summary(self) -> str:
        """One line a class can read: 'double-sided 10/10 · onboarding + 1 reminder · 50% promoters'."""
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
            ask = self.timing_kind.replace("_", " ") + (f" + {count} reminder{'s' if count != 1 else ''}" if count else "")
        invites = f" · invites convert {self.invite_conversion:.0%}" if self.has_direct_channel else ""
        return f"{reward} · {ask} · {self.mix[0]:.0%} promoters{invites}"


def nps_shares(block: dict) -> tuple[float, float]:
    """(promoters, passives) of a satisfaction block: the shares themselves for nps_mix;
    0 or 1 by the segment of the value for constant; for beta, with score = 10 X and
    X ~ Beta(a, b): promoters = 1 - I_0.9(a, b), passives = I_0.9(a, b) - I_0.7(a, b)."""
    kind = block["kind"]
    if kind == "nps_mix":
        return float(block.get("promoters", 0.5)), float(block.get("passives", 0.35))
    if kind == "constant":
        value = float(block.get("value", 9.0))
        return float(value >= PROMOTER_MIN), float(PASSIVE_MIN <= value < PROMOTER_MIN)
    if kind == "beta":
        a, b = float(block.get("a", 4.0)), float(block.get("b", 1.2))
        below_promoter = float(betainc(a, b, PROMOTER_MIN / 10))
        below_passive = float(betainc(a, b, PASSIVE_MIN / 10))
        return 1.0 - below_promoter, below_promoter - below_passive
    raise ValueError(f"unknown satisfaction kind {kind!r}")


def classroom_scenario(preset: Scenario, choice: NetworkChoice, design: Design) -> Scenario:
    """The preset on the class's network with one design, validated.

    When the population is resized by the ratio r = size / preset size, the initial
    customers (a count) and the program budget are scaled by r too, so the share of
    people who start as customers and the budget per person stay those of the preset.
    Raises ScenarioError naming the control's key when the combination is not valid.
    """
    data = preset.model_dump(mode="json", exclude_none=True)
    data["seed"] = int(choice.seed)
    ratio = 1.0
    if choice.kind == "edgelist" or choice.size is None:
        if preset.network.kind != "edgelist":
            raise ScenarioError("an edge-list network needs a preset that has one; pick another network kind",
                                file=f"preset {preset.name}", key="network.kind")
    else:
        size = int(choice.size)
        ratio = size / preset.population.size if preset.network.kind != "edgelist" else 1.0
        data["population"]["size"] = size
        data["network"] = _network_block(preset, choice, size)
        seeds = data["population"]["initial_customers"]
        if isinstance(seeds, int):
            data["population"]["initial_customers"] = min(size, max(1, round(seeds * ratio))) if seeds > 0 else 0
        elif isinstance(seeds, dict):  # {count, strategy}: scale the count, keep the strategy
            count = seeds["count"]
            data["population"]["initial_customers"] = {**seeds, "count": min(size, max(1, round(count * ratio))) if count > 0 else 0}
        else:
            kept = [person for person in seeds if person < size]
            data["population"]["initial_customers"] = kept if kept else min(size, len(seeds))
    incentive = dict(design.incentive)
    if incentive.get("budget") is not None:
        largest = max([incentive.get("referrer_reward", 0.0), incentive.get("referee_reward", 0.0)]
                      + [t["referrer_reward"] for t in incentive.get("tiers", [])])
        incentive["budget"] = max(incentive["budget"] * ratio, largest)
    data["program"]["incentive"] = incentive
    data["program"]["timing"] = dict(design.timing)
    data["program"]["base_share"] = design.base_share
    data["program"]["channels"] = [dict(block) for block in design.channels]
    data["satisfaction"] = dict(design.satisfaction)
    return validate(data, source=f"preset {preset.name}")


def _network_block(preset: Scenario, choice: NetworkChoice, size: int) -> dict:
    if choice.kind == preset.network.kind:
        block = preset.network.model_dump(mode="json", exclude_none=True)
    else:
        block = {"kind": choice.kind, "strong_tie_share": preset.network.strong_tie_share}
    if block.get("degrees") is not None and len(block["degrees"]) != size:
        del block["degrees"]  # an explicit degree sequence fits only the preset's own size
    degree = min(float(choice.mean_degree), size - 1.0)
    if choice.kind == "watts_strogatz":
        # a ring lattice needs an even degree below the population size
        block["mean_degree"] = max(2, min(int(round(degree / 2)) * 2, (size - 1) // 2 * 2))
    elif choice.kind != "complete":
        block["mean_degree"] = degree
    return block


# --------------------------------------------------------------------------- the referral tree


def referral_generations(referred_by: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    """Generation of each person in the who-referred-whom tree: -1 for people who never
    adopted, 0 for initial and organic customers, 1 + the referrer's generation for
    referred ones. One vectorised pass per generation."""
    generation = np.where(adopted & (referred_by < 0), 0, -1).astype(np.int32)
    referred = np.flatnonzero(adopted & (referred_by >= 0))
    referrers = referred_by[referred]
    depth = 0
    while len(referred):
        joining = generation[referrers] == depth
        if not joining.any():
            break  # whoever is left hangs off a referrer outside the tree (a cycle or a non-adopter)
        generation[referred[joining]] = depth + 1
        referred, referrers = referred[~joining], referrers[~joining]
        depth += 1
    return generation


def generation_sizes(generation: np.ndarray) -> list[int]:
    """People in generation 0, 1, 2, ... (adopters only)."""
    adopted = generation[generation >= 0]
    return np.bincount(adopted).tolist() if len(adopted) else []


def referral_multiplier(k: float) -> float:
    """Customers a loop brings in per starting customer, itself included, when every
    customer refers k others: 1 + k + k^2 + ... = 1 / (1 - k) for k < 1, unbounded for k >= 1."""
    if not math.isfinite(k):
        return float("nan")
    return 1.0 / (1.0 - k) if k < 1.0 else float("inf")


#: Below this many customers in the K-factor's cohort, the app calls K a rough figure.
ROUGH_COHORT = 30


def k_explanation(k: float, prospects_left: float = 1.0, cohort: int | None = None) -> str:
    """A short plain-language account of what the K-factor means for the loop;
    ``prospects_left`` is the share of people who have not adopted yet, ``cohort`` the
    number of customers K was measured on."""
    if not math.isfinite(k):
        return (f"K, the number of new customers each customer brings in, appears on day {K_WINDOW}: it counts the "
                f"referrals of customers who have had {K_WINDOW} days to refer. Until then, watch the people per "
                f"generation: a chain whose generations grow has K above 1.")
    head = f"K = {k:.2f}: customers who joined at least {K_WINDOW} days ago brought in {k:.2f} new customers each."
    if cohort is not None and cohort < ROUGH_COHORT:
        head += (f" There are only {cohort} such customers so far, so this is a rough figure: the people per "
                 f"generation below show whether the chain is really growing.")
    if k < 1.0:
        text = (f"{head} Below 1 the loop fades: 100 customers bring {100 * k:.0f}, who bring {100 * k * k:.0f}, and so on; "
                f"every generation is smaller than the last, so the chain stops at about {100 * referral_multiplier(k):.0f} "
                f"customers in all. Growth beyond that has to come from elsewhere (organic adoption, marketing).")
    else:
        text = (f"{head} At 1 or above the loop grows on its own: 100 customers bring {100 * k:.0f}, who bring "
                f"{100 * k * k:.0f}; every generation is at least as large as the last, until the network runs out of "
                f"friends who are still prospects.")
    if prospects_left < 0.25:
        text += (f" Only {prospects_left:.0%} of the people are still prospects: customers who join now find few friends "
                 f"left to invite, so K drifts down even when the loop grew.")
    return text


# --------------------------------------------------------------------------- layout


_LAYOUTS: OrderedDict[tuple, np.ndarray] = OrderedDict()
_LAYOUT_CACHE_SIZE = 8


def layout_iterations(n: int) -> int:
    """Spring-layout iterations: 50 (networkx's default) up to 400 people, then
    50 * (400 / n)^2, at least 15. A layout costs about n^2 per iteration, so this keeps
    a thousand people near two seconds; on social graphs, which draw as a dense disc,
    the fewer iterations give no visible difference."""
    return int(np.clip(50 * (400 / max(n, 1)) ** 2, 15, 50))


def network_layout(network: Network, seed: int) -> np.ndarray:
    """Positions (n x 2, in [0, 1]) from networkx's spring layout with ``seed``, computed
    once per graph and seed and then served from a small cache (a reset or a design
    change on the same network reuses them)."""
    digest = hashlib.blake2b(network.indptr.tobytes() + network.indices.tobytes(), digest_size=16).hexdigest()
    key = (network.n, digest, int(seed))
    if key in _LAYOUTS:
        _LAYOUTS.move_to_end(key)
        return _LAYOUTS[key]
    graph = nx.Graph()
    graph.add_nodes_from(range(network.n))
    rows = np.repeat(np.arange(network.n), network.degree)
    upper = rows < network.indices
    graph.add_edges_from(zip(rows[upper].tolist(), network.indices[upper].tolist()))
    positions = nx.spring_layout(graph, seed=int(seed) % 2**32, iterations=layout_iterations(network.n))
    xy = np.array([positions[i] for i in range(network.n)], dtype=float).reshape(network.n, 2)
    low, high = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - low) / np.where(high > low, high - low, 1.0)
    xy.setflags(write=False)
    _LAYOUTS[key] = xy
    while len(_LAYOUTS) > _LAYOUT_CACHE_SIZE:
        _LAYOUTS.popitem(last=False)
    return xy


# --------------------------------------------------------------------------- pictures

PROSPECT_COLOUR = "#c3c9d1"
CHURNED_COLOUR = "#4a4a4a"
ORGANIC_COLOUR = "#3b6fb6"
REFERRED_COLOUR = "#e6660d"
OTHER_DESIGN_COLOUR = "#555555"
#: Generation 0 (initial and organic customers) is blue; referred generations 1..8+
#: are orange, darker the further down the referral chain.
GENERATION_COLOURS = (ORGANIC_COLOUR,) + tuple(matplotlib.colors.to_hex(matplotlib.colormaps["Oranges"](shade))
                                               for shade in np.linspace(0.35, 0.95, 8))


def png_bytes(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as a 64-colour PNG: encoding dominates a blitted frame, and a picture
    of a few flat colours plus anti-aliasing encodes about three times faster, and
    three times smaller, as a palette image than in true colour, with no visible loss."""
    buffer = io.BytesIO()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _swatch(colour: str, label: str, *, ring: str | None = None, line: bool = False, dashed: bool = False,
            area: bool = False) -> str:
    if line:
        style = f"display:inline-block;width:18px;height:0;border-top:2px {'dashed' if dashed else 'solid'} {colour};vertical-align:middle"
    else:
        border = f"2px solid {ring}" if ring else f"1px solid {colour}"
        shape = "border-radius:2px" if area else "border-radius:50%"
        style = f"display:inline-block;width:10px;height:10px;{shape};background:{colour};border:{border};vertical-align:middle"
    return f"<span style='margin-right:12px;white-space:nowrap'><span style=\"{style}\"></span> {label}</span>"


def network_legend_html() -> str:
    """The network picture's key, as HTML (crisp at any size, and no text to draw per frame)."""
    deepest = len(GENERATION_COLOURS) - 1
    ramp = "".join(f"<span title='generation {g}' style='display:inline-block;width:9px;height:10px;background:{colour};"
                   f"vertical-align:middle'></span>" for g, colour in enumerate(GENERATION_COLOURS[1:], start=1))
    items = [_swatch(PROSPECT_COLOUR, "prospect"), _swatch(GENERATION_COLOURS[0], "organic or initial (generation 0)"),
             f"<span style='margin-right:12px;white-space:nowrap'>referred: generation 1 {ramp} {deepest}+</span>",
             _swatch("#ffffff", "churned", ring=CHURNED_COLOUR), _swatch("#ffffff", "initial customer", ring="#000000"),
             _swatch(GENERATION_COLOURS[3], "who invited whom", line=True)]
    return "".join(items)


def adoption_legend_html(compare: bool) -> str:
    """The adoption chart's key, as HTML."""
    items = [_swatch(ORGANIC_COLOUR, "organic + initial", area=True), _swatch(REFERRED_COLOUR, "referred", area=True),
             _swatch("#000000", "active customers", line=True)]
    if compare:
        items.append(_swatch(OTHER_DESIGN_COLOUR, "other design's adopters", line=True, dashed=True))
    return "".join(items)


class NetworkPicture:
    """The social network of a run: people coloured by state (prospect; customer, shaded
    by referral generation; churned as an open ring), initial customers ringed in black,
    who-referred-whom ties drawn over the faint network. Layers, bottom up: all ties
    (background, drawn once), prospects, referral ties, adopters."""

    def __init__(self, network: Network, xy: np.ndarray, pixels: int = 480):
        self.xy = xy
        dpi = 100
        self.figure = Figure(figsize=(pixels / dpi, pixels / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0.01, 0.01, 0.98, 0.98))
        self.ax.set_axis_off()
        self.ax.set_xlim(-0.03, 1.03)
        self.ax.set_ylim(-0.03, 1.03)
        rows = np.repeat(np.arange(network.n), network.degree)
        upper = rows < network.indices
        ties = np.stack([xy[rows[upper]], xy[network.indices[upper]]], axis=1)
        width = 0.5 if len(ties) < 3000 else 0.25
        self.ax.add_collection(LineCollection(ties, colors="#9aa3ad", linewidths=width, alpha=0.25, zorder=1))
        # marker area shrinks with the crowd so a thousand people still read as dots
        self.marker_area = float(np.clip(9000.0 / max(network.n, 1), 8.0, 60.0))
        self.prospects = self.ax.scatter(xy[:, 0], xy[:, 1], s=self.marker_area * 0.6, linewidths=0, animated=True)
        self.referrals = LineCollection(np.zeros((0, 2, 2)), linewidths=1.3, animated=True)
        self.ax.add_collection(self.referrals)
        self.adopters = self.ax.scatter(xy[:, 0], xy[:, 1], s=self.marker_area, animated=True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._recent: dict[bytes, bytes] = {}
        self._palette = matplotlib.colors.to_rgba_array(GENERATION_COLOURS)
        self._prospect, self._churned, self._white, self._black, self._clear = matplotlib.colors.to_rgba_array(
            [PROSPECT_COLOUR, CHURNED_COLOUR, "white", "black", "none"])

    def render(self, state: np.ndarray, referred_by: np.ndarray, generation: np.ndarray, channel: np.ndarray) -> bytes:
        """One frame as PNG bytes. On most days of a fading loop nobody changes state, and
        early on both designs look alike: the last few pictures are kept by content, so an
        unchanged picture is neither drawn nor sent to the browser again."""
        key = hashlib.blake2b(state.tobytes() + referred_by.tobytes() + channel.tobytes(), digest_size=16).digest()
        if key in self._recent:
            return self._recent[key]
        picture = self._draw(state, referred_by, generation, channel)
        self._recent[key] = picture
        while len(self._recent) > 4:
            del self._recent[next(iter(self._recent))]
        return picture

    def _draw(self, state: np.ndarray, referred_by: np.ndarray, generation: np.ndarray, channel: np.ndarray) -> bytes:
        prospect = state == PROSPECT
        churned = state == CHURNED
        initial = channel == SEED
        shade = self._palette[np.clip(generation, 0, len(GENERATION_COLOURS) - 1)]
        self.prospects.set_facecolor(np.where(prospect[:, None], self._prospect, self._clear))
        face = np.where(churned[:, None], self._white, shade)
        face = np.where(prospect[:, None], self._clear, face)
        edge = np.where(churned[:, None], self._churned, face)
        edge = np.where((initial & ~prospect)[:, None], self._black, edge)
        self.adopters.set_facecolor(face)
        self.adopters.set_edgecolor(edge)
        self.adopters.set_linewidths(np.where(initial, 1.6, np.where(churned, 1.0, 0.0)))
        children = np.flatnonzero(referred_by >= 0)
        self.referrals.set_segments(np.stack([self.xy[referred_by[children]], self.xy[children]], axis=1)
                                    if len(children) else np.zeros((0, 2, 2)))
        self.referrals.set_color(shade[children] if len(children) else "none")
        self.canvas.restore_region(self.background)
        self.ax.draw_artist(self.prospects)
        self.ax.draw_artist(self.referrals)
        self.ax.draw_artist(self.adopters)
        return png_bytes(self.canvas)


@dataclass
class AdoptionSeries:
    """Day by day: adopters to date split by how they came, and active customers.
    ``organic`` counts the initial customers too (they were not referred)."""

    day: np.ndarray
    organic: np.ndarray
    referred: np.ndarray
    customers: np.ndarray

    @classmethod
    def of(cls, model: ReferralModel) -> "AdoptionSeries":
        table = model.datacollector.get_model_vars_dataframe()
        initial = float(table["customers"].iloc[0])  # day 0 holds the initial customers and no flows
        return cls(day=np.arange(len(table), dtype=float),
                   organic=initial + table["new_organic"].to_numpy(dtype=float).cumsum(),
                   referred=table["new_referred"].to_numpy(dtype=float).cumsum(),
                   customers=table["customers"].to_numpy(dtype=float))

    @property
    def adopters(self) -> np.ndarray:
        return self.organic + self.referred


class AdoptionChart:
    """Adopters to date, stacked organic (bottom) and referred (top), with the active
    customers as a line and, when two designs run, the other design's adopters dashed.
    Axes are fixed to the horizon and the population, so frames compare at a glance."""

    def __init__(self, days: int, people: int, pixels: int = 480):
        dpi = 100
        self.figure = Figure(figsize=(pixels / dpi, 2.2), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.ax = self.figure.add_axes((0.11, 0.2, 0.86, 0.76))
        ax.set_xlim(0, days)
        ax.set_ylim(0, people * 1.02)
        ax.set_xlabel("day", fontsize=8, labelpad=1)
        ax.set_ylabel("people", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
        self.organic = Polygon(np.zeros((1, 2)), closed=True, facecolor=ORGANIC_COLOUR, alpha=0.75, linewidth=0, animated=True)
        self.referred = Polygon(np.zeros((1, 2)), closed=True, facecolor=REFERRED_COLOUR, alpha=0.8, linewidth=0, animated=True)
        ax.add_patch(self.organic)
        ax.add_patch(self.referred)
        (self.customers,) = ax.plot([], [], color="black", linewidth=1.2, animated=True)
        (self.other,) = ax.plot([], [], color=OTHER_DESIGN_COLOUR, linewidth=1.1, linestyle="--", animated=True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def render(self, series: AdoptionSeries, other: AdoptionSeries | None = None) -> bytes:
        x = series.day
        low, middle, high = np.zeros_like(x), series.organic, series.adopters
        self.organic.set_xy(np.concatenate([np.column_stack([x, low]), np.column_stack([x, middle])[::-1]]))
        self.referred.set_xy(np.concatenate([np.column_stack([x, middle]), np.column_stack([x, high])[::-1]]))
        self.customers.set_data(x, series.customers)
        self.canvas.restore_region(self.background)
        self.ax.draw_artist(self.organic)
        self.ax.draw_artist(self.referred)
        self.ax.draw_artist(self.customers)
        if other is not None:
            self.other.set_data(other.day, other.adopters)
            self.ax.draw_artist(self.other)
        return png_bytes(self.canvas)


# --------------------------------------------------------------------------- the run a class watches


@dataclass
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
    k_factor: float
    k_cohort: int
    prospects_left: float
    generations: list[int]
    network_png: bytes
    adoption_png: bytes


class ClassRun:
    """One or two designs on the same population and seed, stepped together.

    Both models get the same network object and the same seed, so every random stream a
    design does not touch (network, initial customers, organic clocks, satisfaction,
    churn clocks) is identical: the difference between the two is caused by the design
    (common random numbers).
    """

    def __init__(self, preset: Scenario, choice: NetworkChoice, designs: list[Design], pixels: int = 460):
        if not 1 <= len(designs) <= 2:
            raise ValueError("a class run shows one or two designs")
        self.labels = ["A", "B"][: len(designs)]
        self.designs = list(designs)
        self.scenarios = [classroom_scenario(preset, choice, design) for design in designs]
        first = ReferralModel(self.scenarios[0], rng=choice.seed)
        self.models = [first] + [ReferralModel(s, rng=choice.seed, network=first.engine.network) for s in self.scenarios[1:]]
        self.network = first.engine.network
        self.layout = network_layout(self.network, choice.seed)
        # the designs share the network, so one picture and one chart (their backgrounds
        # are the slow part to draw) serve both: each frame restores the background
        self.picture = NetworkPicture(self.network, self.layout, pixels)
        self.chart = AdoptionChart(self.scenarios[0].days, self.network.n, pixels)
        self._ticks: deque[tuple[float, int]] = deque(maxlen=30)

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
        self._ticks.append((time.perf_counter(), self.day))
        return stepped

    def days_per_second(self) -> float:
        """Recent playing speed, from the last frames' clock times and days."""
        if len(self._ticks) < 2:
            return float("nan")
        (t0, d0), (t1, d1) = self._ticks[0], self._ticks[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else float("nan")

    def forget_speed(self) -> None:
        self._ticks.clear()

    def frames(self) -> list[Frame]:
        series = [AdoptionSeries.of(model) for model in self.models]
        frames = []
        for index, (model, label) in enumerate(zip(self.models, self.labels)):
            people = model.engine.people
            adopted = people.adopted_day >= 0
            generation = referral_generations(people.referred_by, adopted)
            other = series[1 - index] if len(series) == 2 else None
            frames.append(Frame(
                label=label,
                summary=self.designs[index].summary(),
                day=model.day,
                days=self.days,
                adopters=int(adopted.sum()),
                organic=int(round(series[index].organic[-1])),
                referred=int((people.referred_by >= 0).sum()),
                customers=int((people.state == CUSTOMER).sum()),
                churned=int((people.state == CHURNED).sum()),
                k_factor=model.k_factor() if model.day >= K_WINDOW else float("nan"),
                k_cohort=int((adopted & (people.adopted_day <= model.day - K_WINDOW)).sum()),
                prospects_left=float((people.state == PROSPECT).mean()),
                generations=generation_sizes(generation),
                network_png=self.picture.render(people.state, people.referred_by, generation, people.channel),
                adoption_png=self.chart.render(series[index], other),
            ))
        return frames
