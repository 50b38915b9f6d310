"""The educator app: watch a referral loop grow or fade, and two designs side by side.

Start it with ``refsim app [SCENARIO]``, which serves it with
:mod:`simulator.app_server`. ``solara run simulator.app`` works too, with uvicorn's
own websocket settings: a 20 s ping timeout, and every message compressed. The page
holds no model logic: it builds scenarios from the controls and steps
:class:`simulator.model.ReferralModel` through :class:`simulator.classroom.ClassRun`;
:mod:`simulator.app_pictures` turns each day into what the browser draws: the
network's state in one character per person (drawn on a canvas) and ECharts options
for the charts. docs/app.md is the teacher's guide.

Errors are shown as text in place (:func:`ErrorText`), never with ``solara.Error``:
under ipyvuetify 3 its ``text=True`` alert crashes the page and loses every setting.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import sys
import threading
import time
from html import escape
from pathlib import Path

import solara
import solara.lab  # use_task
import solara.server.settings
from pydantic import ValidationError

from .app_chart import (ANSWER_EVERY_S, DayFeed, EchartsJson, HtmlText, NetworkPicture, RawHtml, browser_templates,
                        option_json)
from .app_pictures import (NETWORK_STYLE, adoption_legend_html, adoption_option, dot_size, generations_option, network_layout,
                           network_legend_html, network_picture, network_points, new_adopters_option)
from .classroom import (CLASS_SIZE, built_mean_degree, DAYS_PER_SECOND, INCENTIVE_KINDS, K_WINDOW_DAYS, MAX_FRAMES_PER_SECOND, MAX_SEED, MIN_COHORT, NETWORK_KINDS, NETWORK_LABELS, PRESET_ONLY_KINDS, OPENING_SCENARIO, SIZE_RANGE,
                        SPEEDS, TIMING_KINDS, TIMING_LABELS,
                        ClassRun, Design, Frame, NetworkChoice, PlayClock, friends_floor, friends_step, network_problems, preset_files, reward_slider, slider_step,
                        speed_label)
from .behaviour import incentive as inc
from .behaviour.timing import late_asks
from .referral_tree import Verdict
from .config import Scenario
from .errors import ScenarioError
from .scenario_io import load_scenario
from .kernel import warm_up

# solara imports this module when the server starts: load the compiled kernel then,
# not on the first page a student opens
warm_up()

#: Set by ``refsim app``: the scenario to open and the class size to scale it to.
SCENARIO_ENV = "REFSIM_APP_SCENARIO"
SIZE_ENV = "REFSIM_APP_SIZE"
#: Seconds the population controls must rest before a new network is built (a slider
#: drag passes many sizes; at 300 people a build takes a few tenths of a second).
NETWORK_SETTLE_S = 0.25
#: The controls are built once the browser has drawn the first network picture (see
#: Classroom), or at the latest this many seconds after the page opens.
CONTROLS_AFTER_S = 3.0
#: Most chart updates a second while playing (the network and K follow every picture).
#: The charts are most of a browser's drawing work; a second apart they still move smoothly.
CHARTS_PER_SECOND = 1.0
#: While playing, at most this many days sent go unanswered by the page (which answers
#: once every ANSWER_EVERY_S with the newest day it drew): pictures for a little more than
#: one answer's interval at the most pictures a second.
ANSWER_WINDOW = math.ceil(MAX_FRAMES_PER_SECOND * ANSWER_EVERY_S) + 2
#: A page that draws fewer pictures than it is sent gets a window of what it drew in one
#: answer's interval, plus one on its way, and never less than this: so the picture on its
#: screen is a second or two old, not the full window's worth of pictures behind.
ANSWER_WINDOW_MIN = 2
#: ... and when the window is full, the next day goes anyway after this many seconds
#: without an answer (one lost with a dropped connection).
ANSWER_WAIT_S = 10.0
#: Generations listed in the K card before "…".
GENERATIONS_LISTED = 10
INCENTIVE_LABELS = {"none": "none", "single_sided": "referrer", "double_sided": "both", "tiered": "tiered"}
#: The verdict's colours: each at least 4.5:1 against the white card (WCAG AA for its 13-px line; "on the
#: edge" in #b26a00 was 4.2:1 and the grey of "too few customers" 4.5:1 only rounded, pale on a projector).
TONE_COLOURS = {"grows": "#2e7d32", "fades": "#c62828", "edge": "#9e5f00", "filled": "#37474f", "pending": "#666666"}
STYLE = """
.refsim-page { padding: 4px 8px 8px 8px; width: 100vw; max-width: 100vw; box-sizing: border-box; overflow-x: hidden; }
.refsim-stats { display: flex; flex-wrap: wrap; }
.refsim-stat { font-size: 0.78rem; color: #555; margin-right: 10px; white-space: nowrap; }
.refsim-stat b { font-size: 1.0rem; color: #111; }
.refsim-k { font-size: 0.8rem; line-height: 1.3; margin-top: 3px; }
.refsim-k-value { font-size: 1.3rem; font-weight: 700; }
.refsim-k-card { border: 1px solid #ddd; border-radius: 6px; padding: 4px 8px; overflow: hidden; }
.refsim-key { font-size: 0.72rem; color: #333; line-height: 1.5; }
.refsim-status { font-size: 0.95rem; font-weight: 600; margin-left: 8px; }
.refsim-compare { font-size: 0.85rem; margin: 0; }
.refsim-label { font-size: 0.8rem; color: #555; margin: 6px 0 -10px 0; }
.refsim-summary { font-size: 0.8rem; margin: 8px 0 2px 0; }
.refsim-intro { font-size: 0.8rem; color: #333; }
.refsim-title { font-size: 1.0rem; font-weight: 600; margin-right: 6px; }
.refsim-design-line { font-size: 0.8rem; }
.refsim-error { color: #b00020; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; padding: 6px 10px;
                font-size: 0.85rem; white-space: pre-wrap; margin: 4px 0; }
.refsim-reason, .refsim-seed-refused { font-size: 0.72rem; color: #8a4b00; }
.refsim-hint { font-size: 0.72rem; color: #555; }
.refsim-controls { flex: 0 0 320px; width: 320px; max-height: calc(100vh - 60px); overflow-y: auto; }
@media (max-width: 1400px) { .refsim-controls.refsim-auto { display: none !important; } }
@media (min-width: 1401px) { .refsim-controls.refsim-flip { display: none !important; } }
.refsim-controls .v-btn { padding: 0 6px !important; min-width: 0 !important; text-transform: none; }
.refsim-bar .v-btn { text-transform: none; }
.refsim-controls > * { flex-shrink: 0; }
/* a menu's choice wraps in the 320-px column: "hubs and friend groups (Holme–K…" lost the name it picks by */
.refsim-controls .v-select__selection-text { white-space: normal; overflow: visible; }
/* what changes each day is laid out and painted on its own, not with the whole page */
.refsim-network, .refsim-chart { contain: strict; }
.refsim-k-card, .refsim-stats, .refsim-status, .refsim-compare { contain: layout paint; }
.refsim-network { width: clamp(200px, min(46vh, 24vw), 460px); height: clamp(200px, min(46vh, 24vw), 460px); flex: 0 0 auto; }
.refsim-one .refsim-network { width: clamp(300px, min(68vh, 45vw), 640px); height: clamp(300px, min(68vh, 45vw), 640px); }
.refsim-chart { height: clamp(110px, 19vh, 200px); flex: 1 1 0; min-width: 0; }
/* A vs B: the two panels share their rows (title, network and text, charts), so B's charts sit level with A's
   when one panel's K card runs longer (they were 116 px apart at the end of the viral preset) */
.refsim-page .refsim-two { display: grid !important; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); grid-template-rows: auto auto auto; }
.refsim-page .refsim-two > .refsim-panel { display: grid !important; grid-row: span 3; grid-template-rows: subgrid; align-content: start; }
/* one design: the charts stack in a column, where a flex basis of 0 would be their height; the three share
   what the bar, the legend and the K card leave of the screen (at 20vh each, the generation bars ended 64 px
   below a 1280x720 projector on day 100 of the fading preset, the lesson's step 2) */
.refsim-one .refsim-chart { height: clamp(90px, calc((100vh - 360px) / 3), 220px); flex: 0 0 auto; }
/* ...and what the K card leaves: its text runs longer in a narrower column (259 px beside the open controls at
   1440 px, 192 px at 1920), and the generation bars ended 31 px below a 1440x1000 screen. The column beside
   the network takes the screen below the bar, the key and the design's line; the charts share what its text
   leaves, each 90 to 220 px */
@media (min-width: 801px) {
  .refsim-one .refsim-panel-text { height: calc(100vh - 150px); }
  .refsim-one .refsim-chart { height: auto; flex: 1 1 0; min-height: 90px; max-height: 220px; }
}
/* A vs B on a projector (1280x720): the text beside each network keeps to the network's height and scrolls, so
   the charts stay on the screen. With Settings open the controls take 320 px, the text narrows to about 145 px
   and grew to 580 px; with them closed the K card's account of the run grew by the end of a run too, and the
   charts ended 46-63 px below the screen */
@media (min-width: 801px) and (max-width: 1400px) {
  .refsim-two .refsim-panel-text { max-height: clamp(200px, min(46vh, 24vw), 460px); overflow-y: auto; }
}
/* a phone or a narrow window: A and B stacked, a design's text under its network when there is no room
   beside it, the charts two to a row, and the controls above the pictures (A's and B's columns were 181 px
   wide on a 390-px phone, and each network 200 px: they overlapped, and the controls left the pictures 40 px) */
@media (max-width: 800px) {
  .refsim-page .refsim-two { grid-template-columns: minmax(0, 1fr); }
  .refsim-main, .refsim-panel-row, .refsim-chart-row { flex-wrap: wrap !important; }
  .refsim-panel-text { flex: 1 1 220px !important; }
  .refsim-chart-row > .refsim-chart { flex: 1 1 160px; }
  .refsim-main > .refsim-controls { flex: 1 1 100%; width: 100%; max-height: none; }
}
"""

# no "This website runs on Solara" badge over the charts
solara.server.settings.theme.show_banner = False


#: gzip level of the server's responses. Starlette's default, 9, spends 0.2 s of the server's
#: CPU on each copy of Solara's 3.5 MB script (it is compressed anew for every page) and about
#: 0.35 s per cold page in all, while that page waits for the bytes; level 1 takes a quarter of
#: that and sends 1.2 MB instead of 1.0 MB, which a classroom network carries as easily.
GZIP_LEVEL = 1


def cheap_compression(app) -> bool:
    """Set the gzip level of the Starlette ``app``'s GZipMiddleware to GZIP_LEVEL, whether its
    middleware stack is built yet or not (the recipe and the built one); returns whether it
    found one (Solara's server has one)."""
    from starlette.middleware.gzip import GZipMiddleware

    found = False
    for entry in getattr(app, "user_middleware", []):  # not built yet: the stack is made from these
        if getattr(entry, "cls", None) is GZipMiddleware:
            entry.kwargs["compresslevel"] = GZIP_LEVEL
            found = True
    node = getattr(app, "middleware_stack", None)  # built: each middleware wraps the next as .app
    while node is not None:
        if isinstance(node, GZipMiddleware):
            node.compresslevel = GZIP_LEVEL
            found = True
        node = getattr(node, "app", None)
    return found


class _GoneConnectionNotice(logging.Filter):
    """Drops Solara's traceback for a task that ended after the page connection that
    started it had gone (the page reconnected, and the task's result has nowhere to
    go): the run played on, and the teacher's terminal need not fill with tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Event loop is closed" not in record.getMessage()


logging.getLogger("solara.task").addFilter(_GoneConnectionNotice())


class _CancelledPlayNotice(logging.Filter):
    """Drops two asyncio tracebacks of a playing task's cancellation, which the class
    never sees and the teacher's terminal need not show each time:

    - "Future exception was never retrieved" for a future whose exception is a
      cancellation: Pause, a new speed or a new run cancels the playing task, and
      Solara leaves the cancelled future unread;
    - "Exception in callback Future.set_exception(CancelledError())" with an
      InvalidStateError: a run that plays to its last day sets ``playing`` to False,
      the page re-renders and Solara cancels the task while it finishes, after its
      result was set; the cancellation then finds the future done (every run that
      played out printed it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info is not None else None
        message = record.getMessage()
        cancelled = isinstance(error, asyncio.CancelledError) and "never retrieved" in message
        late = isinstance(error, asyncio.InvalidStateError) and "Future.set_exception(CancelledError" in message
        return not (cancelled or late)


logging.getLogger("asyncio").addFilter(_CancelledPlayNotice())

# the server that imports this page (solara run) compresses its responses cheaply; importing
# that server module from here would set up Solara's server where only the page is wanted (tests)
if "solara.server.starlette" in sys.modules:
    cheap_compression(sys.modules["solara.server.starlette"].app)


def start_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or OPENING_SCENARIO)


def class_size() -> int:
    return int(os.environ.get(SIZE_ENV) or CLASS_SIZE)


def _load_start() -> tuple[object, str | None]:
    try:
        return load_scenario(start_scenario(), check_network=False), None   # scaled to the class, checked there
    except ScenarioError as error:
        return None, str(error)


#: The schema's names in a network's refusal, as the controls name them: the page said "network.mean_degree:
#: ... cannot have mean 30; valid: mean_degree < 25" under a slider called "Friends per person (mean)".
CLASS_WORDS = (("network.mean_degree: ", ""), ("mean_degree", "friends per person"),
               ("within_share", "the share of friends in one's own community"))


def in_class_words(message: str) -> str:
    """A refusal with the schema's key names replaced by the controls' words (CLASS_WORDS)."""
    for key, words in CLASS_WORDS:
        message = message.replace(key, words)
    return message


def build_run(preset, choice: NetworkChoice, designs: list[Design], menu_name: str | None = None) -> ClassRun | str:
    """The run the page shows, with its layout; or, when the settings cannot run, the
    reason as one line (the page shows it in place and keeps every setting), naming the
    preset as the menu does (``menu_name``; classroom_scenario)."""
    try:
        run = ClassRun(preset, choice, designs, menu_name)
        run.layout = network_layout(run.network, choice.seed)
        return run
    except ScenarioError as error:
        return in_class_words(str(error))
    except Exception as error:  # noqa: BLE001 - a classroom page must never fall over
        return f"these settings cannot run: {error}"


START, START_ERROR = _load_start()
if START is not None:
    # build the opening run once while the server starts, so that the first page load
    # finds the network layout cached
    build_run(START, NetworkChoice.of(START, class_size()), [Design.of(START)])


def html(tag: str, *children, classes: tuple | list = (), style: str | None = None):
    """A plain HTML element (cheaper to create and update in the browser than solara.HTML)."""
    return solara.v.Html(tag=tag, children=list(children), class_=" ".join(classes), style_=style or "")


@solara.component
def ErrorText(text: str):
    """An error as text in place: no alert widget, no traceback."""
    html("div", text, classes=["refsim-error"])


# --------------------------------------------------------------------------- controls


@solara.component
def Label(text: str):
    solara.Text(text, classes=["refsim-label"])


def reward_reach(design: Design, preset: Scenario) -> str:
    """What the referrer's reward buys here, in words: on the B2B presets a reward of 10
    changed nothing against a 150-a-month margin, and nothing on the page said why."""
    if design.incentive_kind == "none":
        return ""
    incentive = design.incentive
    share = inc.reach(incentive, design.referrer_reward, preset.economics, preset.program.reward_type_weights)
    # "weighed against 3 months of the 8 monthly margin, 24" read as three figures in a row
    how = ("" if incentive.reward_scale is not None else
           f", {incentive.reward_scale_months:g} months of a customer's margin of {preset.economics.monthly_margin:g}")
    factor = inc.delay_factor(incentive)
    delay = inc.payment_delay(incentive)
    later = (f"; paid {delay} day{'' if delay == 1 else 's'} after the friend joins, a reward moves people as {factor:.0%} "
             f"of it paid at once would" if factor < 1 else "")
    return (f"Here {design.referrer_reward:g} to the referrer buys {share:.0%} of the largest rise in sharing a reward "
            f"can give (rewards are weighed against {inc.scale(incentive, preset.economics):g}{how}{later}).")


@solara.component
def DesignControls(design: solara.Reactive[Design], label: str, preset: Scenario):
    current = design.value
    kind = current.incentive_kind
    refused = solara.use_reactive("")

    def edit(how):
        # applied to the latest design, not the one this render saw; an edit the schema refuses keeps the design and
        # says so in place (a preset's key that one reward kind lacks replaced the page with a traceback)
        def apply(value):
            try:
                changed = how(design.value, value)
            except (ValidationError, ScenarioError, ValueError) as error:
                # pydantic's first line names only its model ("1 validation error for SingleSided"): its first error's
                # key and message say what was refused
                if isinstance(error, ValidationError) and error.errors():
                    first = error.errors()[0]
                    said = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
                else:
                    said = (str(error).splitlines() or [""])[0]
                refused.set(f"That change cannot be made to this design: {in_class_words(said)}")
                return
            refused.set("")
            design.set(changed)
        return apply

    html("div", html("b", f"Design {label}"), f" — {current.summary()}", classes=["refsim-summary"])
    if refused.value:
        ErrorText(refused.value)
    Label("Reward")
    with solara.ToggleButtonsSingle(value=kind, on_value=edit(lambda d, k: d.with_incentive(kind=k)),
                                    dense=True, classes=[f"refsim-incentive-{label}"]):
        for value in INCENTIVE_KINDS:
            solara.Button(INCENTIVE_LABELS[value], value=value, text=True, classes=[f"refsim-incentive-{value}"])
    # an amount with no unit: the preset's margin says what money is worth here (the model keeps no currency)
    Label(f"Reward to the referrer: {current.referrer_reward:g} (margin {preset.economics.monthly_margin:g} a month)")
    top, step = reward_slider(preset)   # scaled to the preset's money: 0-100 by 5 could not set dropbox's 1.8
    solara.SliderFloat("", value=current.referrer_reward, min=0, max=top, step=step, disabled=kind == "none",
                       on_value=edit(lambda d, r: d.with_incentive(referrer=r)))
    Label(f"Reward to the new customer: {current.referee_reward:g}")
    solara.SliderFloat("", value=current.referee_reward, min=0, max=top, step=step,
                       disabled=kind in ("none", "single_sided"),
                       on_value=edit(lambda d, r: d.with_incentive(referee=r)))
    if reward_reach(current, preset):
        html("div", reward_reach(current, preset), classes=["refsim-reason", f"refsim-reach-{label}"])
    # the preset's own share set again: 0.12 on steps of 0.05 could not be, nor 0.333 on steps of 0.01
    share_step = slider_step([Design.of(preset).base_share], (0.05, 0.01, 0.005, 0.001))
    Label(f"Share probability when asked: {current.base_share:.{2 if share_step >= 0.01 else 3}f} (some also share "
          f"unasked, at any setting)")
    solara.SliderFloat("", value=current.base_share, min=0, max=1, step=share_step,
                       on_value=edit(lambda d, share: d.with_base_share(share)))
    if current.has_direct_channel:
        # the preset's own conversion reachable again: 70% sat at the slider's 50% end, 0.125 between its steps
        own = Design.of(preset).invite_conversion
        Label(f"Chance an invitation converts (weak tie): {current.invite_conversion:.1%}".replace(".0%", "%"))
        solara.SliderFloat("", value=current.invite_conversion, min=0,
                           max=min(1.0, max(0.5, math.ceil(own / 0.05 - 1e-9) * 0.05)),
                           step=slider_step([own], (0.01, 0.005, 0.001)),
                           on_value=edit(lambda d, c: d.with_invite_conversion(c)))
    solara.v.Select(label="When to ask", items=[{"title": TIMING_LABELS[kind], "value": kind} for kind in TIMING_KINDS],
                    v_model=current.timing_kind, on_v_model=edit(lambda d, k: d.with_timing(kind=k)), dense=True,
                    class_=f"refsim-timing-{label}")
    Label(f"Reminders after the first ask: {current.reminders}")
    solara.SliderInt("", value=current.reminders, min=0, max=max(5, Design.of(preset).reminders),
                     disabled=current.timing_kind == "never",
                     on_value=edit(lambda d, n: d.with_timing(reminders=n)))
    promoters, passives = current.mix
    # the preset's own mix set again: 12.5% promoters sat between steps of 0.01 (as the share's); a beta's shares
    # (0.2613...) are no such figure, and keep two decimals, where the mix turns back into the preset's beta
    own = Design.of(preset).mix
    exact = all(abs(v - round(v, 3)) < 1e-9 for v in own)
    mix_step = slider_step(list(own), (0.05, 0.01, 0.005, 0.001)) if exact else \
        slider_step([round(share, 2) for share in own], (0.05, 0.01))
    digits, shown = (2, "0%") if mix_step >= 0.01 else (3, "1%")
    Label(f"Promoters, score 9–10: {promoters:.{shown}}")
    solara.SliderFloat("", value=round(promoters, digits), min=0, max=1, step=mix_step,
                       on_value=edit(lambda d, share: d.with_mix(promoters=share)))
    Label(f"Passives, score 7–8: {passives:.{shown}}  ·  detractors: {max(0.0, 1 - promoters - passives):.{shown}}")
    solara.SliderFloat("", value=round(passives, digits), min=0, max=max(round(1 - promoters, digits), 0.05), step=mix_step,
                       disabled=promoters >= 1, on_value=edit(lambda d, share: d.with_mix(passives=share)))


@solara.component
def NetworkControls(choice: solara.Reactive[NetworkChoice], preset):
    current = choice.value
    kinds = list(NETWORK_KINDS) + [kind for kind in PRESET_ONLY_KINDS if preset.network.kind == kind]
    # which kinds cannot be built with these people and friends, and why
    problems = solara.use_memo(
        lambda: {} if current.size is None else network_problems(preset, current),
        [preset, current.size, current.mean_degree, current.seed])

    def update(**changes):
        wanted = dataclasses.replace(choice.value, **changes)
        if wanted.size is not None:  # friends stay fewer than people
            wanted = dataclasses.replace(wanted, mean_degree=min(wanted.mean_degree, float(wanted.degree_limit)))
        choice.set(wanted.snapped())   # the degree the network is built with, in pairs where it comes in pairs

    def set_kind(kind: str):
        if kind in problems:
            return
        size = choice.value.size if choice.value.size is not None else class_size()
        if kind == "edgelist":   # the file's own friends again: back from another kind the label kept that kind's 6
            choice.set(dataclasses.replace(NetworkChoice.of(preset), seed=choice.value.seed))
            return
        if kind == preset.network.kind and getattr(preset.network, "degrees", None):
            # the degree list's own mean again: through an even kind it came back as 8 and the list was dropped
            update(kind=kind, size=size, mean_degree=NetworkChoice.of(preset).mean_degree)
            return
        update(kind=kind, size=size)

    html("div", html("b", "Population"), " — the same people for both designs", classes=["refsim-summary"])
    # Vuetify 3 reads an item's title and its "props" (where "disabled" greys it out)
    items = [{"title": NETWORK_LABELS[kind] + (" (cannot be built here)" if kind in problems else ""), "value": kind,
              "props": {"disabled": kind in problems}} for kind in kinds]
    solara.v.Select(label="Network", items=items, v_model=current.kind, on_v_model=set_kind, dense=True,
                    class_="refsim-network-kind")
    for kind, reason in problems.items():
        html("div", f"{NETWORK_LABELS[kind]}: {in_class_words(reason)}", classes=["refsim-reason"])
    # what the network built: growth models and given degrees build fewer ties than asked in a small class (30
    # friends among 50 people built 21), under a label that said 30 (None for an edge list, whose file is the count)
    built = solara.use_memo(lambda: None if current.kind == "complete" else built_mean_degree(preset, current),
                            [preset, current.kind, current.size, current.mean_degree, current.seed])
    if current.size is None:
        Label(f"People: fixed by the preset's edge-list file · friends per person (mean): {current.mean_degree:g}")
    else:
        Label(f"People: {current.size}")
        with solara.Div(classes=["refsim-people"]):  # sliders take no classes of their own
            # in tens from 50, or ones where the preset's own size lies between them (75 could not be set again)
            solara.SliderInt("", value=current.size, min=SIZE_RANGE[0], max=SIZE_RANGE[1],
                             step=int(slider_step([preset.population.size if SIZE_RANGE[0] <= preset.population.size
                                                   <= SIZE_RANGE[1] else SIZE_RANGE[0], class_size()], (10, 1))),
                             on_value=lambda n: update(size=int(n)))
    if current.kind == "complete":   # no friends to choose: the slider moved nothing, under a label of 299 'at most 30'
        Label(f"Friends per person: everyone else, {current.size - 1}")
    elif current.size is not None:
        limit = current.degree_limit
        shown = f"; built {built:.1f}" if built is not None and abs(built - current.mean_degree) > 0.05 * current.mean_degree \
            else ""
        Label(f"Friends per person (mean): {current.mean_degree:g}  (at most {limit} with {current.size} people{shown})")
        with solara.Div(classes=["refsim-friends"]):
            # in steps of 2 where the degree comes in pairs: 11 friends built the network of 12; in the preset's own
            # fractions where it has one (7.5 friends, or a degree list's 7.33 could not be set again once moved)
            step, floor = friends_step(preset, current), friends_floor(preset, current)
            if step < 1:
                solara.SliderFloat("", value=min(current.mean_degree, limit), min=floor, max=limit, step=step,
                                   on_value=lambda d: update(mean_degree=round(float(d), 2)))
            else:
                solara.SliderInt("", value=int(round(min(current.mean_degree, limit))), min=int(floor), max=limit,
                                 step=current.degree_step, on_value=lambda d: update(mean_degree=float(d)))
    # a short label: Solara adds a refusal to it ("Seed (Value must be an integer)"), and the field cut the
    # longer one to "Seed (same seed: same people, same luck) (Value must" in the 320-px column
    # A seed outside the schema's range stays in the field and goes no further: it reached the run, whose red
    # box named it ("seed -1 is out of range"), and kept naming it after the field held "abc", which Solara's
    # field refuses without telling the page. The people stay those of the last seed that could run.
    refused, set_refused = solara.use_state(False)
    solara.use_effect(lambda: set_refused(False), [preset])   # a new preset puts its own seed in the field

    def set_seed(seed) -> None:
        seed = int(seed or 0)
        runs = 0 <= seed <= MAX_SEED
        set_refused(not runs)
        if runs:
            update(seed=seed)

    solara.InputInt("Seed", value=current.seed, classes=["refsim-seed"],
                    continuous_update=True,  # every keystroke; the population waits until typing rests
                    on_value=set_seed)
    if refused:
        html("div", f"A seed is a whole number from 0 to {MAX_SEED:,}; the people are still those of seed "
                    f"{current.seed}.", classes=["refsim-seed-refused"])
    html("div", "Same seed: same people, same luck.", classes=["refsim-hint"])


# --------------------------------------------------------------------------- live views


def generations_text(sizes: list[int], listed: int = GENERATIONS_LISTED) -> str:
    """'3 → 5 (×1.7) → 2 (×0.4) …': each generation with its ratio to the one before,
    cut after ``listed`` with an ellipsis that says how many more there are."""
    parts = []
    for g, size in enumerate(sizes[:listed]):
        before = sizes[g - 1] if g else 0
        parts.append(f"{size}" + (f" (×{ratio_text(size / before)})" if g and before else ""))
    text = " → ".join(parts)
    if len(sizes) > listed:
        text += f" → … ({len(sizes) - listed} more)"
    return text


def ratio_text(ratio: float) -> str:
    """A generation's ratio to the one before: one decimal from 1 up (×1.6), two
    significant digits below (×0.045 for 1 after 22, which one decimal showed as ×0.0),
    three where two read as 1 (299 after 300 read ×1, a tie, beside ×1.0 elsewhere)."""
    if ratio >= 1:
        return f"{ratio:.1f}"
    for text in (f"{ratio:.2g}", f"{ratio:.3g}"):
        if text != "1":
            return text
    return f"{math.floor(ratio * 1000) / 1000:.3f}"   # 0.9999: below 1, as the fall it is


def _tag(tag: str, text, css: str = "", style: str = "") -> str:
    attributes = (f' class="{css}"' if css else "") + (f' style="{style}"' if style else "")
    return f"<{tag}{attributes}>{escape(str(text))}</{tag}>"


#: K below this with at least K_OUTSIDE_REFERRED referred customers: the card says the
#: referrals fall outside K's window (K read 0.00 beside "14 referred" on b2b-account-managers).
K_OUTSIDE_BELOW = 0.05
K_OUTSIDE_REFERRED = 3


def panel_html(frame: Frame, design: Design | None = None) -> str:
    """The counts and the K card of one design, as one piece of HTML: one update a
    frame instead of one per number (each update is a message to the browser)."""
    label = frame.label
    stats = "".join(f'<span class="refsim-stat">{_tag("b", value, f"refsim-{css}-{label}")} {escape(name)}</span>'
                    for name, value, css in (("adopters", frame.adopters, "adopters"),
                                             ("organic + initial", frame.organic, "organic"),
                                             ("referred", frame.referred, "referred"),
                                             ("active", frame.customers, "customers"),
                                             ("churned", frame.churned, "churned")))
    said = frame.verdict
    colour = TONE_COLOURS[said.tone]
    value = f"{frame.k.k:.2f}" if frame.k.known else "–"
    resting = (f"on {frame.k.customers} customer{'s who have' if frame.k.customers != 1 else ' who has'} had "
               f"{K_WINDOW_DAYS} days to refer" if frame.k.known else f"no customer has had {K_WINDOW_DAYS} days yet")
    # K near 0 beside referrals the class can see, for a design that asks late (the B2B presets: a day-45 ask,
    # then a sales pipeline). Said only then: a low K has other causes (referrers not yet 30 days in, untracked
    # word of mouth), and the line named the window for them too
    late = late_asks(design.timing, K_WINDOW_DAYS) if design is not None else None
    asks = late[0] if late is not None and late[0] >= K_WINDOW_DAYS / 2 else None   # the first ask itself is late
    # a mean wait: a drawn milestone's, or a campaign's to its next push
    drawn = design is not None and (getattr(design.timing, "schedule", None) == "geometric"
                                    or design.timing.kind == "campaign")
    outside = (_tag("div", f"This design first asks {'about ' if drawn else ''}{asks} days after joining, and K counts "
                           f"only the referrals a "
                           f"customer makes within {K_WINDOW_DAYS} days of joining, so it reads near 0 here although "
                           f"{frame.referred} joined through friends: read the generations below.",
                    f"refsim-k refsim-k-outside-{label}")
               if asks is not None and frame.k.known and frame.k.customers >= MIN_COHORT and frame.k.k < K_OUTSIDE_BELOW
               and frame.referred >= K_OUTSIDE_REFERRED else "")
    # the first ask at or past K's window: K counts none of the design's referrals, however few friends have joined
    # yet (the B2B presets read red "fades" from day 124 until a third friend joined, then grey)
    blind = (asks is not None and asks >= K_WINDOW_DAYS and frame.k.known and frame.k.customers >= MIN_COHORT
             and frame.k.k < K_OUTSIDE_BELOW)
    if (outside or blind) and said.tone == "fades":
        # a red "the loop fades" from a K the card itself calls unreadable here (the B2B presets): no verdict from it
        said = Verdict("pending", "K cannot judge this loop: the design asks late", "")
        colour = TONE_COLOURS[said.tone]
    ratios = frame.generation_ratios
    newest = len(frame.generations) - 1   # numbered: past the listed ten it is behind "… (n more)"
    # the newest generation is still being recruited: its ratio read as a collapse (×0.25) without a word
    # "generation 10": "(10, may still grow)" read as a head count; the ratio as the generations line rounds it
    live = (f"newest, generation {newest} (may still grow) ÷ generation {newest - 1}: ×{ratio_text(ratios[-1])}"
            if ratios and math.isfinite(ratios[-1])
            else "no referred generation yet")
    card = "".join([
        f'<div class="refsim-k">{_tag("span", f"K = {value}", f"refsim-k-value refsim-k-{label}", f"color:{colour}")} '
        f'{_tag("span", resting, f"refsim-k-customers-{label}")}</div>',
        f'<div class="refsim-k">{_tag("b", said.headline, f"refsim-verdict-{label}", f"color:{colour}")}</div>',
        _tag("div", said.text, "refsim-k") if said.text else "",
        outside,
        f'<div class="refsim-k"><b>People per generation</b> (0 → 1 → 2 …): '
        f'{_tag("span", generations_text(frame.generations), f"refsim-generations-{label}")}</div>',
        f'<div class="refsim-k">{_tag("span", live, f"refsim-ratio-{label}")}</div>',
    ])
    return f'<div class="refsim-stats">{stats}</div><div class="refsim-k-card">{card}</div>'


def status_text(run: ClassRun, playing: bool, speed: float) -> str:
    """The actual state: ready, playing (target and measured speed), paused or finished."""
    head = f"Day {run.day} of {run.days}"
    if run.finished:
        return f"{head} · finished: press Reset to start again"
    if playing:
        measured = run.days_per_second()
        shown = f", now {measured:.1f}" if math.isfinite(measured) else ""
        return f"{head} · playing {speed_label(speed)} ({DAYS_PER_SECOND * speed:g} days/s{shown})"
    return f"{head} · {'paused' if run.day else 'ready: press Play'}"


class Board:
    """The live view of a run as widgets that are updated in place. Everything a day
    changes (the status line, the B − A line, each design's card and network picture
    and, now and then, three chart options per design) goes to the browser as one
    :class:`DayFeed` message, with no component tree to render again: Solara sends
    every widget's update as a message of its own, and six a day cost the server more
    than the day itself. A new run with the same designs' labels is shown on the same
    widgets (:meth:`show`), so a settings change sends data, not a new page."""

    def __init__(self, run: ClassRun, playing: bool = False, speed: float = 1.0):
        # the playing thread and the page's own handlers (Pause, Step) both update the board
        self._lock = threading.RLock()
        self.feed = DayFeed()
        self._sent, self._sent_at = 0, -math.inf  # the last day's seq sent to the page, and when
        # the page's pace: the last answer seen, when it was seen, the window it allows, and
        # whether a day was held back for it since that answer
        self._answered, self._answered_at, self._window, self._held = 0, None, ANSWER_WINDOW, False
        self.status = HtmlText(html_class="refsim-status refsim-day", feed_key="status")
        self.difference = HtmlText(html_class="refsim-compare", feed_key="difference")
        self.panels = {label: {
            "network": NetworkPicture(look=NETWORK_STYLE, feed_key=f"picture-{label}",
                                      attributes={"class": f"refsim-network refsim-network-{label}"}),
            "text": HtmlText(html_class=f"refsim-text-{label}", feed_key=f"text-{label}"),
            "adoption": EchartsJson(feed_key=f"adoption-{label}", attributes={"class": f"refsim-chart refsim-adoption-{label}"}),
            "daily": EchartsJson(feed_key=f"daily-{label}", attributes={"class": f"refsim-chart refsim-daily-{label}"}),
            "generations": EchartsJson(feed_key=f"generations-{label}",
                                       attributes={"class": f"refsim-chart refsim-generation-bars-{label}"}),
        } for label in run.labels}
        self.show(run, playing, speed)

    def show(self, run: ClassRun, playing: bool = False, speed: float = 1.0) -> None:
        """Show ``run`` (whose designs carry this board's labels) from its current day;
        ``playing``: the page plays on with it (a slider moved or the view switched while
        playing: the status line said "paused" or "ready: press Play" until the next day)."""
        if list(run.labels) != list(self.panels):
            raise ValueError(f"a board for designs {list(self.panels)} cannot show designs {run.labels}")
        with self._lock:
            self._show(run, playing, speed)

    def _show(self, run: ClassRun, playing: bool, speed: float) -> None:
        self.run = run
        self.pause_day: int | None = None
        self._charts_at = -math.inf
        points = option_json(network_points(run.layout))
        for panel in self.panels.values():
            with panel["network"].hold_sync():  # one message: positions and dot size
                panel["network"].points = points
                panel["network"].dot = dot_size(run.network.n)
        self._update(playing, speed, time.perf_counter())   # a new run's first picture is always sent

    def shown(self) -> dict:
        """The day last sent to the page: what each feed key shows."""
        return json.loads(self.feed.day)

    def update(self, playing: bool, speed: float) -> bool:
        """Show the run's current day; returns whether it was sent. While playing, the
        three charts follow at most CHARTS_PER_SECOND times a second (they change little
        from one day to the next, and they are most of the browser's work), and no day
        is sent while the page has a window of days still to draw (:meth:`drawing`): a
        slow browser is sent fewer pictures, each of the current day, never a backlog. Every
        picture that is not playing (Pause, Step, the last day, a new run) is sent."""
        with self._lock:
            now = time.perf_counter()
            if playing and self.drawing(now):
                return False
            self._update(playing, speed, now)
            return True

    def drawing(self, now: float) -> bool:
        """A window of days sent (:meth:`_pace`) is not yet answered as drawn by the page,
        and the last left less than ANSWER_WAIT_S ago. A page that has never answered (no
        browser, as in the tests that drive the board in-process) is never waited for."""
        shown = self.feed.shown
        if shown <= 0:
            return False
        self._pace(shown, now)
        held = self._sent - shown >= self._window and now - self._sent_at < ANSWER_WAIT_S
        self._held |= held
        return held

    def _pace(self, shown: int, now: float) -> None:
        """On each new answer, fit the window to the page. If a day was held back for it
        since its last answer, the page is what limits the pictures: its window becomes
        the pictures it drew between its last two answers, per ANSWER_EVERY_S and rounded,
        plus one on its way (at least ANSWER_WINDOW_MIN, at most ANSWER_WINDOW). A page
        that draws all it is sent thus gains a picture a second back towards the full
        window, and one under load that draws one picture a second is sent about one a
        second, each of the current day, instead of a window of twelve that takes it
        twelve seconds to draw."""
        if shown == self._answered:
            return
        if self._held and self._answered_at is not None:
            per_second = (shown - self._answered) / max(now - self._answered_at, 1e-6)
            self._window = max(ANSWER_WINDOW_MIN, min(ANSWER_WINDOW, round(per_second * ANSWER_EVERY_S) + 1))
        self._answered, self._answered_at, self._held = shown, now, False

    def _update(self, playing: bool, speed: float, now: float) -> None:
        run = self.run
        charts = not playing or now - self._charts_at >= 1.0 / CHARTS_PER_SECOND
        if charts:
            self._charts_at = now
        frames = run.frames()
        # the day on which the server received Pause, for the browser test: the run must
        # stop within one day of it, whatever the network and the browser add
        marker = (f'<span class="refsim-pause-day" data-day="{self.pause_day}" hidden></span>'
                  if self.pause_day is not None else "")
        day = {"status": escape(status_text(run, playing, speed)) + marker}
        if len(frames) == 2:
            a, b = frames
            day["difference"] = escape(
                f"B − A on day {run.day}: {b.adopters - a.adopters:+d} adopters, {b.referred - a.referred:+d} referred "
                f"(same people, same seed: the difference is the design's on this seed; small ones change sign "
                f"from seed to seed, so try another)")
        for index, frame in enumerate(frames):
            other = frames[1 - index] if len(frames) == 2 else None
            label = frame.label
            day[f"picture-{label}"] = network_picture(frame)
            day[f"text-{label}"] = panel_html(frame, run.designs[index])
            if charts:
                day[f"adoption-{label}"] = adoption_option(frame, run.network.n, other)
                day[f"daily-{label}"] = new_adopters_option(frame)
                day[f"generations-{label}"] = generations_option(frame)
        self._sent += 1
        self._sent_at = now
        day["seq"] = self._sent
        # when the server composed this day (ms since the epoch): how old the picture on
        # screen is, for bench/app_sessions.py, which runs server and browsers on one clock
        day["sent"] = round(time.time() * 1000)
        self.feed.day = option_json(day)

    def close(self) -> None:
        for widget in [self.feed, self.status, self.difference] + [w for panel in self.panels.values() for w in panel.values()]:
            widget.close()


@solara.component
def LiveView(board: Board, run: ClassRun, charts_shown: bool = True):
    """The layout around the board's widgets (the same widgets from one run to the
    next); rendered once per run, which also brings the designs' summaries up to date."""
    compare = len(run.labels) == 2
    if compare:
        solara.Column(children=[board.difference], gap="0px")
    RawHtml.element(html=network_legend_html() + " · charts: " + adoption_legend_html(compare), html_class="refsim-key")
    with solara.Row(gap="12px", style={"flex-wrap": "nowrap"}, classes=["refsim-two" if compare else "refsim-one"]):
        for label, design in zip(run.labels, run.designs):
            widgets = board.panels[label]
            # until the first picture is drawn the charts are left out of the page: the
            # browser then compiles and mounts them after the network, not before it
            charts = [widgets["adoption"], widgets["daily"], widgets["generations"]] if charts_shown else []
            with solara.Column(classes=["refsim-panel", f"refsim-panel-{label}"], gap="2px",
                               style={"flex": "1 1 0", "min-width": "0"}):
                html("div", html("span", f"Design {label}", classes=["refsim-title"]), design.summary(),
                     classes=["refsim-design-line"])
                with solara.Row(gap="8px", style={"flex-wrap": "nowrap", "align-items": "flex-start"},
                                classes=["refsim-panel-row"]):
                    solara.Column(children=[widgets["network"]], gap="0px", style={"flex": "0 0 auto"})
                    solara.Column(children=[widgets["text"]] + (charts if not compare else []), gap="2px",
                                  style={"flex": "1 1 0", "min-width": "0"}, classes=["refsim-panel-text"])
                if compare:
                    solara.Row(children=charts, gap="4px", style={"flex-wrap": "nowrap"}, classes=["refsim-chart-row"])


# --------------------------------------------------------------------------- the page


@solara.component
def Page():
    solara.use_memo(browser_templates, [])  # before any widget that uses them (see browser_templates)
    solara.Title("refsim classroom: referral loops")
    html("style", STYLE)  # a plain <style> element: solara.Style compiles a template in the browser for it
    if START is None:
        ErrorText(f"Cannot open the scenario: {START_ERROR}")
    else:
        Classroom()


@solara.component
def Classroom():
    presets = solara.use_memo(lambda: preset_files(start_scenario().parent, start_scenario()), [])
    preset_name = solara.use_reactive(start_scenario().stem)
    preset = solara.use_reactive(START)
    choice = solara.use_reactive(NetworkChoice.of(START, class_size()))
    # what the population controls show; applied once they rest, because a slider drag
    # passes many sizes and each would build a network
    wanted = solara.use_reactive(choice.value)
    design_a = solara.use_reactive(Design.of(START))
    design_b = solara.use_reactive(Design.of(START).with_incentive(kind="none"))
    compare = solara.use_reactive(True)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(1.0)
    resets = solara.use_reactive(0)
    message = solara.use_reactive("")
    # a preset that cannot be opened: the menu shows its name for one render, then the loaded one's again (it kept
    # the refused name above the previous preset's settings, as the menu's value had not changed for the browser)
    loaded_name = solara.use_reactive(start_scenario().stem)
    refusals = solara.use_reactive(0)

    def back_to_the_loaded_preset():
        if preset_name.value != loaded_name.value:
            preset_name.set(loaded_name.value)

    solara.use_effect(back_to_the_loaded_preset, [refusals.value])
    stopped = solara.use_reactive("")  # why a playing run stopped on its own, if it did
    # the buttons are drawn from run.finished, which no reactive value carries: Step reaching the last day redraws
    # them (Play and Step stayed enabled there; playing to the end redraws as `playing` turns off)
    _, redraw = solara.use_state(0)
    editing = solara.use_reactive("A")
    controls = solara.use_reactive("auto")  # or "flipped": the Settings button pressed
    # the controls (about a hundred widgets) are built once the browser has drawn the
    # first picture: sent with the first page, they were created and compiled while the
    # browser still built the picture, and delayed it; on a projector they are folded
    # away anyway. A page whose picture never comes gets them after CONTROLS_AFTER_S.
    controls_built = solara.use_reactive(False)

    async def build_controls():
        await asyncio.sleep(CONTROLS_AFTER_S)
        controls_built.set(True)

    solara.lab.use_task(build_controls, dependencies=[], prefer_threaded=False)

    def choose_preset(name: str):
        try:
            loaded = load_scenario(presets[name], check_network=False)   # scaled to the class, checked there
            opened = NetworkChoice.of(loaded, class_size())
        except Exception as error:  # noqa: BLE001 - a mistake in the file, or an unreadable one, must not take the page down
            message.set(f"Preset '{name}' cannot be opened: {error}")
            preset_name.set(name)   # what the menu shows now; the effect above sets the loaded one back
            refusals.set(refusals.value + 1)
            return
        message.set("")
        playing.set(False)
        preset_name.set(name)
        loaded_name.set(name)
        preset.set(loaded)
        choice.set(opened)
        wanted.set(opened)
        design_a.set(Design.of(loaded))
        design_b.set(Design.of(loaded).with_incentive(kind="none"))

    # the day a switch of Show carries to the new run: each design runs on its own model
    # over the same people and seed, so A alone on day d is A of the pair on day d, and
    # the class keeps what it watched (a switch restarted the run from day 0)
    carried = solara.use_memo(dict, [])

    def build():
        designs = [design_a.value] + ([design_b.value] if compare.value else [])
        built = build_run(preset.value, choice.value, designs, loaded_name.value)
        day = carried.pop("day", 0)
        if day and isinstance(built, ClassRun):
            built.advance(day)
        return built

    async def apply_network():
        if wanted.value != choice.value:
            await asyncio.sleep(NETWORK_SETTLE_S)  # a newer change cancels this wait
            choice.set(wanted.value)

    solara.lab.use_task(apply_network, dependencies=[wanted.value], prefer_threaded=False)
    run = solara.use_memo(build, [preset.value, choice.value, design_a.value, design_b.value, compare.value, resets.value])
    ready = isinstance(run, ClassRun)
    # one board per set of designs shown (A, or A and B), kept while the page is open: a
    # new run is shown on its widgets, so the browser keeps its charts and canvases
    boards = solara.use_memo(dict, [])

    def board_for_run():
        if not ready:
            return None
        board = boards.get(tuple(run.labels))
        if board is None:
            board = boards[tuple(run.labels)] = Board(run, playing.value, speed.value)
        else:
            board.show(run, playing.value, speed.value)
        return board

    board = solara.use_memo(board_for_run, [run])

    def show_two(value: bool):
        if value != compare.value and ready and run.day > 0:
            carried["day"] = run.day
        compare.set(value)
    solara.use_effect(lambda: lambda: [kept.close() for kept in boards.values()], [])

    def controls_after_first_picture():
        if board is None or controls_built.value:
            return None
        network = next(iter(board.panels.values()))["network"]

        def drawn(change):
            if change["new"]:
                controls_built.set(True)

        network.observe(drawn, "drawn")
        if network.drawn:
            controls_built.set(True)
        return lambda: network.unobserve(drawn, "drawn")

    solara.use_effect(controls_after_first_picture, [board, controls_built.value])

    async def play():
        if not (playing.value and ready):
            return
        run.forget_speed()
        clock = PlayClock(speed.value)
        try:
            while not run.finished:
                # one day at a time, waiting between days: Pause cancels this task at the
                # next wait, so at most the day being stepped completes after it
                await asyncio.sleep(clock.wait(time.perf_counter()))
                if board.pause_day is not None:
                    # Pause has arrived (it notes the day first): a loaded server was seen to
                    # cancel this thread's task five days late, and the run played on meanwhile
                    break
                run.advance(1)
                clock.day_done()
                if clock.picture_due(time.perf_counter()):
                    board.update(playing=True, speed=speed.value)
        except asyncio.CancelledError:
            # Pause, a new speed or a new run: this thread's last picture may have reached
            # the page after Pause's own, so the status line is set again to what holds now
            # (a board closed meanwhile, for a new layout, has nothing left to show)
            with contextlib.suppress(Exception):
                board.update(playing=playing.value, speed=speed.value)
            raise
        except Exception as error:  # noqa: BLE001 - a run that stops must say so, not freeze
            # the status line leaves "playing" before the error shows: the page never
            # shows both at once
            board.update(playing=False, speed=speed.value)
            stopped.set(f"The run stopped on day {run.day}: {error}. Press Play to go on, or Reset.")
        playing.set(False)
        board.update(playing=False, speed=speed.value)

    # the run plays in a thread of its own: a task on the page connection's event loop
    # ended with that connection, and a page that lost its connection (a websocket ping
    # timing out on a saturated server) reconnected to a run that had stopped while its
    # status line still said "playing"
    solara.lab.use_task(play, dependencies=[playing.value, run, speed.value], prefer_threaded=True)

    def toggle_play():
        stopped.set("")
        if ready:
            board.pause_day = run.day if playing.value else None
        playing.set(not playing.value)
        if ready:
            board.update(playing=playing.value, speed=speed.value)  # the day the run stopped on

    def step():
        if ready and not run.finished:
            run.advance(1)
            board.update(playing=False, speed=speed.value)
            if run.finished:
                redraw(lambda count: count + 1)   # nothing is left to step or play

    def reset():
        playing.set(False)
        resets.set(resets.value + 1)

    def toggle_controls():
        # the server cannot see the screen's width, so the CSS decides what "auto" shows
        # (controls on a wide screen, none on a projector) and a press flips that
        controls.set("flipped" if controls.value == "auto" else "auto")

    controls_class = "refsim-auto" if controls.value == "auto" else "refsim-flip"
    with solara.Column(gap="2px", classes=["refsim-page", f"refsim-controls-{controls.value}"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="6px", classes=["refsim-bar"]):
            solara.Button("Settings", icon_name="mdi-tune", on_click=toggle_controls, text=True,
                          classes=["refsim-settings"])
            html("span", "Referral loops", classes=["refsim-title"])
            solara.Button("Pause" if playing.value else "Play", icon_name="mdi-pause" if playing.value else "mdi-play",
                          on_click=toggle_play, color="primary",
                          disabled=not ready or (run.finished and not playing.value), classes=["refsim-play"])
            solara.Button("Step", icon_name="mdi-skip-next", on_click=step,
                          disabled=not ready or playing.value or run.finished, classes=["refsim-step"])
            solara.Button("Reset", icon_name="mdi-restore", on_click=reset, classes=["refsim-reset"])
            html("span", "Speed:", style="margin-left: 8px; font-size: 0.85rem")
            with solara.ToggleButtonsSingle(value=speed, dense=True, classes=["refsim-speed"]):
                for value in SPEEDS:
                    solara.Button(speed_label(value), value=value, text=True,
                                  classes=[f"refsim-speed-{str(value).replace('.', '_')}"])
            if ready:
                # the feed first: the widgets it feeds read the day it shows when they mount
                solara.Row(children=[board.feed, board.status], gap="0px")
        if message.value:
            ErrorText(message.value)
        if stopped.value:
            ErrorText(stopped.value)
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}, gap="12px", classes=["refsim-main"]):
            with solara.Column(gap="2px", classes=["refsim-controls", controls_class]):
                # with no picture to wait for (settings that cannot run), the controls come at once
                if controls_built.value or not ready:
                    RawHtml.element(html=(
                        "Each dot is a person. Customers ask friends to join; a referred friend may ask theirs. "
                        "Change a design, press <b>Play</b>, and watch the loop."), html_class="refsim-intro")
                    solara.Select("Preset (scenarios folder)", values=list(presets), value=preset_name.value,
                                  on_value=choose_preset, dense=True, classes=["refsim-preset"])
                    Label("Show")
                    with solara.ToggleButtonsSingle(value=compare.value, on_value=show_two, dense=True,
                                                    classes=["refsim-compare-toggle"]):
                        solara.Button("one design", value=False, text=True, classes=["refsim-show-one"])
                        # short enough for the 320-px column ('A vs B, same people and seed' was cut off)
                        solara.Button("A vs B, same seed", value=True, text=True, classes=["refsim-show-two"])
                    if compare.value:
                        Label("Edit")
                        with solara.ToggleButtonsSingle(value=editing, dense=True, classes=["refsim-editing"]):
                            solara.Button("design A", value="A", text=True, classes=["refsim-edit-A"])
                            solara.Button("design B", value="B", text=True, classes=["refsim-edit-B"])
                    if editing.value == "B" and compare.value:
                        DesignControls(design_b, "B", preset.value)
                        solara.Button("Copy design A into B", on_click=lambda: design_b.set(design_a.value), text=True,
                                      classes=["refsim-copy"])
                    else:
                        DesignControls(design_a, "A", preset.value)
                    NetworkControls(wanted, preset.value)
            with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}, gap="2px"):
                if ready:
                    LiveView(board, run, charts_shown=controls_built.value)
                else:
                    ErrorText(f"This combination cannot run: {run}. Change the settings on the left; nothing else was lost.")

