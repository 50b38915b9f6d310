"""The educator app: watch a referral loop grow or fade, and two designs side by side.

Start it with ``refsim app [SCENARIO]`` (or ``solara run simulator.app``). The page
holds no model logic: it builds scenarios from the controls and steps
:class:`simulator.model.ReferralModel` through :class:`simulator.app_views.ClassRun`,
which also draws the pictures. docs/app.md is the teacher's guide.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import time
from pathlib import Path

import solara
import solara.lab  # use_task

from .app_views import (CLASS_SIZE, DEGREE_RANGE, INCENTIVE_KINDS, NETWORK_KINDS, SIZE_RANGE, TIMING_KINDS,
                        ClassRun, Design, Frame, NetworkChoice, adoption_legend_html, k_explanation, network_legend_html,
                        preset_files)
from .errors import ScenarioError
from .scenario_io import load_scenario

#: Set by ``refsim app``: the scenario to open and the class size to scale it to.
SCENARIO_ENV = "REFSIM_APP_SCENARIO"
SIZE_ENV = "REFSIM_APP_SIZE"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "default.yaml"
#: Frames per second while playing; each frame advances ``speed`` days.
FRAMES_PER_SECOND = 15
SPEEDS = (1, 2, 5, 10)
#: Seconds the population controls must rest before a new network is built.
NETWORK_SETTLE_S = 0.6
INCENTIVE_LABELS = {"none": "none", "single_sided": "referrer", "double_sided": "both", "tiered": "tiered"}
STYLE = """
.refsim-stat { font-size: 0.78rem; color: #555; margin-right: 10px; white-space: nowrap; }
.refsim-stat b { font-size: 1.15rem; color: #111; }
.refsim-k { font-size: 0.85rem; line-height: 1.35; margin-top: 2px; }
.refsim-k-card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; max-width: 520px; }
.refsim-key { font-size: 0.75rem; color: #333; line-height: 1.7; }
.refsim-day { font-size: 1.05rem; font-weight: 600; }
.refsim-panel img { width: 100%; max-width: 520px; height: auto; display: block; }
.refsim-panel img.refsim-network-A, .refsim-panel img.refsim-network-B { max-width: min(100%, 520px, 56vh); }
.refsim-page { padding-bottom: 48px; }
.refsim-compare { font-size: 0.95rem; margin: 4px 0 8px 0; }
.refsim-label { font-size: 0.8rem; color: #555; margin: 6px 0 -10px 0; }
.refsim-summary { font-size: 0.85rem; margin: 10px 0 4px 0; }
.refsim-intro { font-size: 0.85rem; color: #333; }
.refsim-title { font-size: 1.1rem; font-weight: 600; margin-right: 8px; }
.refsim-controls .v-btn { padding: 0 8px !important; min-width: 0 !important; text-transform: none; }
"""


def start_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def class_size() -> int:
    return int(os.environ.get(SIZE_ENV) or CLASS_SIZE)


def _load_start() -> tuple[object, str | None]:
    try:
        return load_scenario(start_scenario()), None
    except ScenarioError as error:
        return None, str(error)


def _warm_up(scenario) -> None:
    """Build the opening run once while the server starts, so that the first page load
    finds the network layout cached (the slow part at a thousand people)."""
    try:
        ClassRun(scenario, NetworkChoice.of(scenario, class_size()), [Design.of(scenario)])
    except ScenarioError:
        pass  # the page shows the error


START, START_ERROR = _load_start()
if START is not None:
    _warm_up(START)


def html(tag: str, *children, classes: tuple | list = (), style: str | None = None):
    """A plain HTML element (cheaper to create and update in the browser than solara.HTML)."""
    return solara.v.Html(tag=tag, children=list(children), class_=" ".join(classes), style_=style or "")


# --------------------------------------------------------------------------- controls


@solara.component
def Label(text: str):
    solara.Text(text, classes=["refsim-label"])


@solara.component
def DesignControls(design: solara.Reactive[Design], label: str):
    current = design.value
    kind = current.incentive_kind

    def edit(how):
        # applied to the latest design, not the one this render saw
        return lambda value: design.set(how(design.value, value))

    html("div", html("b", f"Design {label}"), f" — {current.summary()}", classes=["refsim-summary"])
    Label("Reward")
    with solara.ToggleButtonsSingle(value=kind, on_value=edit(lambda d, k: d.with_incentive(kind=k)),
                                    dense=True, classes=[f"refsim-incentive-{label}"]):
        for value in INCENTIVE_KINDS:
            solara.Button(INCENTIVE_LABELS[value], value=value, text=True, classes=[f"refsim-incentive-{value}"])
    Label(f"Reward to the referrer: {current.referrer_reward:g}")
    solara.SliderFloat("", value=current.referrer_reward, min=0, max=100, step=5, disabled=kind == "none",
                       on_value=edit(lambda d, r: d.with_incentive(referrer=r)))
    Label(f"Reward to the new customer: {current.referee_reward:g}")
    solara.SliderFloat("", value=current.referee_reward, min=0, max=100, step=5,
                       disabled=kind in ("none", "single_sided"),
                       on_value=edit(lambda d, r: d.with_incentive(referee=r)))
    Label(f"Share probability when asked: {current.base_share:.2f}")
    solara.SliderFloat("", value=current.base_share, min=0, max=1, step=0.05,
                       on_value=edit(lambda d, share: d.with_base_share(share)))
    if current.has_direct_channel:
        Label(f"Chance an invitation converts (weak tie): {current.invite_conversion:.0%}")
        solara.SliderFloat("", value=round(current.invite_conversion, 2), min=0, max=0.5, step=0.01,
                           on_value=edit(lambda d, c: d.with_invite_conversion(c)))
    solara.Select("When to ask", values=list(TIMING_KINDS), value=current.timing_kind, dense=True,
                  on_value=edit(lambda d, k: d.with_timing(kind=k)), classes=[f"refsim-timing-{label}"])
    Label(f"Reminders after the first ask: {current.reminders}")
    solara.SliderInt("", value=current.reminders, min=0, max=5, disabled=current.timing_kind == "never",
                     on_value=edit(lambda d, n: d.with_timing(reminders=n)))
    promoters, passives = current.mix
    Label(f"Promoters, score 9–10: {promoters:.0%}")
    solara.SliderFloat("", value=round(promoters, 2), min=0, max=1, step=0.05,
                       on_value=edit(lambda d, share: d.with_mix(promoters=share)))
    Label(f"Passives, score 7–8: {passives:.0%}  ·  detractors: {max(0.0, 1 - promoters - passives):.0%}")
    solara.SliderFloat("", value=round(passives, 2), min=0, max=max(round(1 - promoters, 2), 0.05), step=0.05,
                       disabled=promoters >= 1, on_value=edit(lambda d, share: d.with_mix(passives=share)))


@solara.component
def NetworkControls(choice: solara.Reactive[NetworkChoice], edgelist_preset: bool):
    current = choice.value
    kinds = list(NETWORK_KINDS) + (["edgelist"] if edgelist_preset else [])

    def set_kind(kind: str):
        size = choice.value.size if choice.value.size is not None else class_size()
        choice.set(dataclasses.replace(choice.value, kind=kind, size=None if kind == "edgelist" else size))

    html("div", html("b", "Population"), " — the same people for both designs", classes=["refsim-summary"])
    solara.Select("Network", values=kinds, value=current.kind, on_value=set_kind, dense=True)
    if current.size is None:
        Label("People: fixed by the preset's edge-list file")
    else:
        Label(f"People: {current.size}")
        solara.SliderInt("", value=current.size, min=SIZE_RANGE[0], max=SIZE_RANGE[1], step=10,
                         on_value=lambda n: choice.set(dataclasses.replace(choice.value, size=n)))
    Label(f"Friends per person (mean): {current.mean_degree:g}")
    solara.SliderInt("", value=int(round(current.mean_degree)), min=DEGREE_RANGE[0], max=DEGREE_RANGE[1],
                     disabled=current.kind == "edgelist",
                     on_value=lambda d: choice.set(dataclasses.replace(choice.value, mean_degree=float(d))))
    solara.InputInt("Seed (same seed: same people, same luck)", value=current.seed, classes=["refsim-seed"],
                    continuous_update=True,  # every keystroke; the population waits until typing rests
                    on_value=lambda seed: choice.set(dataclasses.replace(choice.value, seed=max(0, int(seed or 0)))))


# --------------------------------------------------------------------------- live views


@solara.component
def Stat(label: str, value, css: str):
    html("span", html("b", str(value), classes=[css]), f" {label}", classes=["refsim-stat"])


@solara.component
def DesignPanel(frame: Frame, compare: bool):
    k = frame.k_factor
    colour = "#888888" if not math.isfinite(k) else ("#2e7d32" if k >= 1 else "#c62828")
    shown = "–" if not math.isfinite(k) else f"{k:.2f}"
    with solara.Column(classes=["refsim-panel"], gap="4px"):
        html("div", html("span", f"Design {frame.label}", classes=["refsim-title"]), frame.summary)
        with solara.Row(gap="0px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
            html("span", html("b", f"K = {shown}", classes=[f"refsim-k-{frame.label}"], style=f"color:{colour}"),
                 classes=["refsim-stat"])
            Stat("adopters", frame.adopters, f"refsim-adopters-{frame.label}")
            Stat("organic + initial", frame.organic, f"refsim-organic-{frame.label}")
            Stat("referred", frame.referred, f"refsim-referred-{frame.label}")
            Stat("active", frame.customers, f"refsim-customers-{frame.label}")
            Stat("churned", frame.churned, f"refsim-churned-{frame.label}")
        solara.Image(frame.network_png, classes=[f"refsim-network-{frame.label}"])
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>Adopters to date</b>&nbsp;&nbsp; {adoption_legend_html(compare)}",
                    classes=["refsim-key"])
        solara.Image(frame.adoption_png, classes=[f"refsim-adoption-{frame.label}"])
        explanation = [html("div", k_explanation(k, frame.prospects_left, frame.k_cohort), classes=["refsim-k"])]
        if frame.generations:
            chain = " → ".join(str(size) for size in frame.generations[:12])
            explanation.append(html("div", html("b", "People per generation"), f" (0 → 1 → 2 …): {chain}",
                                    classes=["refsim-k"]))
        html("div", *explanation, classes=["refsim-k-card"])


@solara.component
def LiveView(run: ClassRun, frame: solara.Reactive[int]):
    _ = frame.value  # re-render on every frame
    frames = run.frames()
    compare = len(frames) == 2
    speed = run.days_per_second()
    speed_text = f" · playing at {speed:.1f} days/s" if math.isfinite(speed) else ""
    solara.Text(f"Day {run.day} of {run.days}{speed_text}", classes=["refsim-day"])
    if compare:
        a, b = frames
        solara.Text(f"B − A on day {run.day}: {b.adopters - a.adopters:+d} adopters, {b.referred - a.referred:+d} referred "
                    f"(same people, same seed: the difference is the design)", classes=["refsim-compare"])
    solara.HTML(tag="div", unsafe_innerHTML=network_legend_html(), classes=["refsim-key"])
    with solara.Columns([1] * len(frames), gutters_dense=True):
        for shown in frames:
            DesignPanel(shown, compare)


# --------------------------------------------------------------------------- the page


@solara.component
def Page():
    solara.Title("refsim classroom: referral loops")
    solara.Style(STYLE)
    if START is None:
        solara.Error(f"Cannot open the scenario: {START_ERROR}")
    else:
        Classroom()


@solara.component
def Classroom():
    presets = solara.use_memo(lambda: preset_files(start_scenario().parent), [])
    preset_name = solara.use_reactive(start_scenario().stem)
    preset = solara.use_reactive(START)
    choice = solara.use_reactive(NetworkChoice.of(START, class_size()))
    # what the population controls show; applied once they rest, because a new network
    # of a thousand people needs seconds for its layout and a slider drag passes many sizes
    wanted = solara.use_reactive(choice.value)
    design_a = solara.use_reactive(Design.of(START))
    design_b = solara.use_reactive(Design.of(START).with_incentive(kind="none"))
    compare = solara.use_reactive(True)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(1)
    resets = solara.use_reactive(0)
    frame = solara.use_reactive(0)
    message = solara.use_reactive("")
    editing = solara.use_reactive("A")

    def choose_preset(name: str):
        try:
            loaded = load_scenario(presets[name])
        except ScenarioError as error:
            message.set(str(error))
            return
        message.set("")
        preset_name.set(name)
        preset.set(loaded)
        choice.set(NetworkChoice.of(loaded, class_size()))
        wanted.set(choice.value)
        design_a.set(Design.of(loaded))
        design_b.set(Design.of(loaded).with_incentive(kind="none"))

    def build():
        designs = [design_a.value] + ([design_b.value] if compare.value else [])
        try:
            return ClassRun(preset.value, choice.value, designs)
        except ScenarioError as error:
            return error

    async def apply_network():
        if wanted.value != choice.value:
            await asyncio.sleep(NETWORK_SETTLE_S)  # a newer change cancels this wait
            choice.set(wanted.value)

    solara.lab.use_task(apply_network, dependencies=[wanted.value], prefer_threaded=False)
    run = solara.use_memo(build, [preset.value, choice.value, design_a.value, design_b.value, compare.value, resets.value])
    ready = isinstance(run, ClassRun)

    async def play():
        if not (playing.value and ready):
            return
        run.forget_speed()
        while playing.value and not run.finished:
            started = time.perf_counter()
            run.advance(speed.value)
            frame.set(frame.value + 1)
            await asyncio.sleep(max(0.0, 1.0 / FRAMES_PER_SECOND - (time.perf_counter() - started)))
        if run.finished:
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, run], prefer_threaded=False)

    def step():
        if ready:
            run.advance(1)
            frame.set(frame.value + 1)

    def reset():
        playing.set(False)
        resets.set(resets.value + 1)

    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="16px", classes=["refsim-page"]):
        with solara.Column(style={"flex": "0 0 330px", "width": "330px"}, gap="2px", classes=["refsim-controls"]):
            solara.HTML(tag="div", unsafe_innerHTML=(
                "Each dot is a person. Customers ask friends to join; a referred friend may ask theirs. "
                "Change a design, press <b>Play</b>, and watch the loop."), classes=["refsim-intro"])
            solara.Select("Preset (scenarios folder)", values=list(presets), value=preset_name.value,
                          on_value=choose_preset, dense=True)
            if message.value:
                solara.Error(message.value)
            Label("Show")
            with solara.ToggleButtonsSingle(value=compare, dense=True, classes=["refsim-compare-toggle"]):
                solara.Button("one design", value=False, text=True)
                solara.Button("A vs B, same people and seed", value=True, text=True)
            if compare.value:
                Label("Edit")
                with solara.ToggleButtonsSingle(value=editing, dense=True, classes=["refsim-editing"]):
                    solara.Button("design A", value="A", text=True, classes=["refsim-edit-A"])
                    solara.Button("design B", value="B", text=True, classes=["refsim-edit-B"])
            if editing.value == "B" and compare.value:
                DesignControls(design_b, "B")
                solara.Button("Copy design A into B", on_click=lambda: design_b.set(design_a.value), text=True)
            else:
                DesignControls(design_a, "A")
            NetworkControls(wanted, preset.value.network.kind == "edgelist")
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}, gap="6px"):
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="8px"):
                solara.Button("Pause" if playing.value else "Play", icon_name="mdi-pause" if playing.value else "mdi-play",
                              on_click=lambda: playing.set(not playing.value), color="primary",
                              disabled=not ready or run.finished, classes=["refsim-play"])
                solara.Button("Step", icon_name="mdi-skip-next", on_click=step, disabled=not ready or playing.value,
                              classes=["refsim-step"])
                solara.Button("Reset", icon_name="mdi-restore", on_click=reset, classes=["refsim-reset"])
                solara.Text("Days per frame:", style={"margin-left": "12px"})
                with solara.ToggleButtonsSingle(value=speed, dense=True, classes=["refsim-speed"]):
                    for value in SPEEDS:
                        solara.Button(f"×{value}", value=value, text=True)
            if ready:
                LiveView(run, frame)
            else:
                solara.Error(str(run))
