"""The educator app's pictures: the network layout, the network's daily state and the
charts' ECharts options, all drawn by the browser.

The network's positions and colours reach the browser once per run; each day then
sends one character per person (its group: prospect, generation, churned) and the
who-invited-whom pairs, about 2 kB at 300 people, which the browser draws on a plain
canvas (:class:`simulator.app_chart.NetworkPicture`). The charts are ECharts options,
drawn by the ECharts copy that solara-assets serves locally. Only the referral lines
are drawn, not every friendship: friends sit close together in the layout, and the
chains stay readable. Colours and the legend come from one table, so the legend shows
exactly what is drawn.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import networkx as nx
import numpy as np

from .classroom import Frame
from .network import Network
from .state import CHURNED, PROSPECT

PROSPECT_COLOUR = "#c3c9d1"
CHURNED_COLOUR = "#4a4a4a"
ORGANIC_COLOUR = "#3b6fb6"
REFERRED_COLOUR = "#e6550d"
REFERRAL_LINE_COLOUR = "#8c3b0c"
OTHER_DESIGN_COLOUR = "#555555"
#: Generation 0 (initial and organic customers) is blue; referred generation 1 (the only
#: kind in a loop below 1) is the strongest orange, later generations ever darker hues, down to
#: near black for generation 4 and later (a dark blue read as the organic blue on a projector).
GENERATION_COLOURS = (ORGANIC_COLOUR, REFERRED_COLOUR, "#c2185b", "#7b1fa2", "#212121")
GENERATION_NAMES = ("organic or initial (generation 0)", "referred, generation 1", "generation 2", "generation 3",
                    "generation 4 and later")
#: Every group of points drawn on the network, bottom to top: (name, fill, ring colour, ring width).
POINT_GROUPS = (("prospect", PROSPECT_COLOUR, None, 0.0),
                *((name, colour, None, 0.0) for name, colour in zip(GENERATION_NAMES, GENERATION_COLOURS)),
                ("churned", "#ffffff", CHURNED_COLOUR, 1.2),
                ("initial customer (ring)", "transparent", "#000000", 1.6))
REFERRAL_LINES = "who invited whom"


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
    key = (network.n, digest, int(seed) % 2**32)
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


# --------------------------------------------------------------------------- legends


def _swatch(fill: str, label: str, *, ring: str | None = None, line: bool = False, dashed: bool = False,
            area: bool = False) -> str:
    if line:
        style = f"display:inline-block;width:18px;height:0;border-top:2px {'dashed' if dashed else 'solid'} {fill};vertical-align:middle"
    else:
        border = f"2px solid {ring}" if ring else f"1px solid {fill}"
        shape = "border-radius:2px" if area else "border-radius:50%"
        style = f"display:inline-block;width:10px;height:10px;{shape};background:{fill};border:{border};vertical-align:middle"
    return f"<span style='margin-right:10px;white-space:nowrap'><span style=\"{style}\"></span> {label}</span>"


def network_legend_html() -> str:
    """The network picture's key, from the same table the picture is drawn from."""
    items = [_swatch(fill, name, ring=ring) for name, fill, ring, _ in POINT_GROUPS]
    items.append(_swatch(REFERRAL_LINE_COLOUR, REFERRAL_LINES, line=True))
    return "".join(items) + "<span style='color:#666'>(friendships are not drawn: friends sit close together)</span>"


def adoption_legend_html(compare: bool) -> str:
    """The adoption charts' key."""
    items = [_swatch(ORGANIC_COLOUR, "organic + initial", area=True), _swatch(REFERRED_COLOUR, "referred", area=True),
             _swatch("#000000", "active customers", line=True)]
    if compare:
        items.append(_swatch(OTHER_DESIGN_COLOUR, "other design's adopters", line=True, dashed=True))
    return "".join(items)


# --------------------------------------------------------------------------- what the browser draws


#: The picture's coordinates are whole thousandths of its width: below a pixel, and
#: whole numbers encode to JSON several times faster than decimals.
GRID = 1000


def network_groups(frame: Frame) -> list[np.ndarray]:
    """Masks of POINT_GROUPS, in order: prospects; active and churned adopters by
    generation (churned ones drawn as open rings above them); initial customers' rings."""
    prospect = frame.state == PROSPECT
    churned = frame.state == CHURNED
    active = ~prospect & ~churned
    deepest = len(GENERATION_COLOURS) - 1
    shade = np.clip(frame.generation, 0, deepest)
    masks = [prospect]
    masks += [active & (shade == g) for g in range(deepest + 1)]
    masks += [churned, frame.initial & ~prospect]
    return masks


def network_points(xy: np.ndarray) -> list[int]:
    """Everyone's position as [x0, y0, x1, y1, ...] in whole thousandths of the picture,
    sent to the browser once per run."""
    return np.round(np.asarray(xy) * GRID).astype(np.int64).ravel().tolist()


def dot_size(people: int) -> float:
    """A dot's diameter in pixels: dots shrink with the crowd."""
    return float(np.clip(70.0 / np.sqrt(max(people, 1)), 3.0, 9.0))


#: How the browser draws the network (simulator.app_chart.NetworkPicture): each point
#: group's fill, ring colour and ring width in POINT_GROUPS order (the last, the initial
#: customers' ring, is drawn over the fill), and the referral lines.
NETWORK_STYLE = {"groups": [[fill, ring, width] for _, fill, ring, width in POINT_GROUPS],
                 "line": [REFERRAL_LINE_COLOUR, 1.1, 0.75], "pad": 0.03, "grid": GRID}


def network_picture(frame: Frame) -> dict:
    """One day of the network, compactly: ``codes`` has one character per person, the
    digit of its group in POINT_GROUPS, or the letter as many places after "a" when an
    initial customer's ring goes on top; ``links`` is [inviter, invited, ...] for every
    referral of record. A frame at 300 people is about 2 kB."""
    masks = network_groups(frame)
    codes = np.zeros(len(frame.state), dtype=np.uint8)
    for group, mask in enumerate(masks[:-1]):
        codes[mask] = group
    codes += np.where(masks[-1], ord("a"), ord("0")).astype(np.uint8)
    children = np.flatnonzero(frame.referred_by >= 0)
    links = np.column_stack([frame.referred_by[children], children]).astype(np.int64).ravel().tolist()
    return {"codes": codes.tobytes().decode("ascii"), "links": links}


def _axes(days: int, top: float | None, name: str) -> dict:
    # people are whole: the daily chart's axis showed 0.5 and 1.5 people on a quiet day (a run
    # longer than CHART_POINTS days averages days into a bar, and fractions are then real)
    whole = {"minInterval": 1} if days + 1 <= CHART_POINTS else {}
    return {"xAxis": {"type": "value", "min": 0, "max": days, "name": "day", "nameGap": 2,
                      "nameTextStyle": {"fontSize": 9}, "axisLabel": {"fontSize": 9}, "splitLine": {"show": False}},
            "yAxis": {"type": "value", "min": 0, **whole, **({"max": top} if top is not None else {}), "name": name,
                      "nameTextStyle": {"fontSize": 9, "align": "left"}, "axisLabel": {"fontSize": 9},
                      "splitLine": {"lineStyle": {"opacity": 0.4}}},
            "grid": {"left": 34, "right": 26, "top": 20, "bottom": 18}, "animation": False}


#: Most points a chart's series carries: a chart is a few hundred pixels wide, and a run
#: longer than this (bench/app_sessions.py plays 3,650 days) would otherwise send, and
#: make the server encode, every day of it with every picture of the chart.
CHART_POINTS = 400


def _series_of(values: np.ndarray, per_day: bool = False) -> list:
    """A series as flat [day, value, day, value, ...] (the chart template pairs them up),
    at most about CHART_POINTS points: a longer run is drawn every ``step`` days. A total
    to date is read at each step's first day and on the last day; a count ``per_day`` is
    averaged over each step's days (each bar times its days gives back the total)."""
    days = len(values)
    step = max(1, -(-days // CHART_POINTS))
    if step == 1:
        x, y = np.arange(days), np.round(values).astype(np.int64)
    elif per_day:
        x = np.arange(0, days, step)
        y = np.round(np.add.reduceat(values, x) / np.diff(np.append(x, days)), 2)
    else:
        x = np.unique(np.append(np.arange(0, days, step), days - 1))
        y = np.round(values[x]).astype(np.int64)
    flat = np.empty(2 * len(x), dtype=y.dtype)
    flat[0::2], flat[1::2] = x, y
    return flat.tolist()


def adoption_option(frame: Frame, people: int, other: Frame | None = None) -> dict:
    """Adopters to date: the referred band drawn on top of the organic one (the orange
    area's top is all adopters), active customers as a line and, when two designs run,
    the other design's adopters dashed. The axes are fixed to the horizon and the
    population, so frames compare at a glance. The bands are drawn as totals rather
    than with ECharts' ``stack``, which on two value axes adds up the days as well."""
    option = _axes(frame.days, people, "adopters to date")
    area = {"type": "line", "symbol": "none", "lineStyle": {"width": 0}}
    option["series"] = [
        {**area, "name": "referred", "areaStyle": {"color": REFERRED_COLOUR, "opacity": 1.0}, "z": 1,
         "xy": _series_of(frame.organic_to_date + frame.referred_to_date)},
        {**area, "name": "organic + initial", "areaStyle": {"color": ORGANIC_COLOUR, "opacity": 1.0}, "z": 2,
         "xy": _series_of(frame.organic_to_date)},
        {"type": "line", "name": "active customers", "symbol": "none", "lineStyle": {"color": "#000000", "width": 1.2},
         "z": 3, "xy": _series_of(frame.active)},
    ]
    if other is not None:
        option["series"].append({"type": "line", "name": "other design's adopters", "symbol": "none", "z": 3,
                                 "lineStyle": {"color": OTHER_DESIGN_COLOUR, "width": 1.1, "type": "dashed"},
                                 "xy": _series_of(other.organic_to_date + other.referred_to_date)})
    return option


def new_adopters_option(frame: Frame) -> dict:
    """New adopters per day: a bar of all of the day's adopters in the referred colour,
    with the organic ones drawn over its foot (the same bars overlap, no ``stack``)."""
    option = _axes(frame.days, None, "new adopters per day")
    bars = {"type": "bar", "barGap": "-100%", "barCategoryGap": "0%", "large": True}
    option["series"] = [
        {**bars, "name": "referred", "itemStyle": {"color": REFERRED_COLOUR}, "z": 1,
         "xy": _series_of(frame.new_organic + frame.new_referred, per_day=True)},
        {**bars, "name": "organic", "itemStyle": {"color": ORGANIC_COLOUR}, "z": 2,
         "xy": _series_of(frame.new_organic, per_day=True)},
    ]
    return option


def generations_option(frame: Frame, shown: int = 12) -> dict:
    """People per generation as bars, each in its generation's colour; the last bar
    gathers the generations beyond ``shown`` (its label says so)."""
    sizes = list(frame.generations)
    labels = [str(g) for g in range(min(len(sizes), shown))]
    if len(sizes) > shown:
        sizes = sizes[:shown - 1] + [sum(sizes[shown - 1:])]
        labels = labels[:shown - 1] + [f"{shown - 1}+"]
    deepest = len(GENERATION_COLOURS) - 1
    data = [{"value": size, "itemStyle": {"color": GENERATION_COLOURS[min(g, deepest)]}} for g, size in enumerate(sizes)]
    return {"animation": False, "grid": {"left": 34, "right": 8, "top": 20, "bottom": 30},
            "xAxis": {"type": "category", "data": labels, "name": "generation", "nameLocation": "middle", "nameGap": 16,
                      # every label: the chart's own spacing hid the last bar's "11+", which then read as generation 11
                      "nameTextStyle": {"fontSize": 9}, "axisLabel": {"fontSize": 9, "interval": 0}},
            "yAxis": {"type": "value", "min": 0, "minInterval": 1, "name": "people per generation", "nameTextStyle": {"fontSize": 9, "align": "left"},
                      "axisLabel": {"fontSize": 9}, "splitLine": {"lineStyle": {"opacity": 0.4}}},
            # two neighbours of one height drew their labels into one ("3535" for two generations of 35) where
            # the bars are narrower than a label: ECharts leaves out a label that would overlap one drawn (its
            # moveOverlap shifts labels of one column only, and left "13135135" over three bars of 135)
            "series": [{"type": "bar", "name": "people", "data": data, "label": {"show": True, "position": "top",
                                                                                 "fontSize": 9},
                        "labelLayout": {"hideOverlap": True}}]}
