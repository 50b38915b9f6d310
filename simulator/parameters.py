"""Parameter paths for the decision commands: ``KEY=LO:HI``, ``KEY=a,b,c`` or a bare
``KEY``, checked against the scenario schema and applied through ``--set``'s
override mechanism.

A parameter is one scenario key path (``program.base_share``,
``program.channels.0.extra_invites``, ``program.timing.kind``) with the values it
may take. Its kind comes from the schema, not from how the user wrote the range:
an ``int`` field gives whole numbers, a ``Literal`` or ``bool`` field or the
``kind`` of a block with variants gives a categorical choice. Every parameter
maps the unit interval onto its values (:meth:`Parameter.from_unit`), so the
samplers of optuna, SALib and pyabc can all work in [0, 1).
"""

from __future__ import annotations

import json
import math
import itertools
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from pydantic import BaseModel

from .config import Scenario, has_program
from .errors import ScenarioError
from .scenario_io import apply_overrides, percent_value, validate
from .sweep_spec import LABEL_KEYS, RESERVED_KEYS, misfit_between, yaml_value
from .yaml_reader import THOUSANDS

ParameterKind = Literal["float", "int", "categorical"]


@dataclass(frozen=True)
class Parameter:
    """One scenario key path and the values it may take."""

    key: str
    kind: ParameterKind
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()
    union: bool = field(default=False, repr=False)   # the key is the ``kind`` of a block with variants

    def __post_init__(self) -> None:
        # Parameter(key, "floaty", 0.1, 0.4) ran as a whole-number range (every kind but float and categorical)
        kinds = typing.get_args(ParameterKind)
        if self.kind not in kinds:
            raise ScenarioError(f"kind {self.kind!r} is none of {', '.join(kinds)}; parse_parameter('KEY=LO:HI', "
                                f"base) builds a parameter from the text --vary takes", file="Parameter", key=self.key)

    def from_unit(self, u: float) -> Any:
        """Map u in [0, 1) onto the values: equal strata of u are equal strata of the
        range (log-uniform with ``log``); every whole number or choice gets an equal share."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind != "float":
            u = min(u, math.nextafter(1.0, 0.0))   # u = 1 belongs to the last stratum
        if self.kind == "categorical":
            return self.choices[int(u * len(self.choices))]
        if self.kind == "int":
            top = self.high + 1
            value = math.exp(math.log(self.low) + u * (math.log(top) - math.log(self.low))) if self.log \
                else self.low + u * (top - self.low)
            return int(min(math.floor(value), self.high))
        if u in (0.0, 1.0):   # the range's ends as written: 0.001 + 1 * 0.009 read 0.010000000000000002
            return float(self.high if u else self.low)
        if self.log:
            return float(min(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))), self.high))
        return float(self.low + u * (self.high - self.low))

    def describe(self) -> str:
        if self.kind == "categorical":
            return f"{self.key} in {{{', '.join(map(choice_text, self.choices))}}}"
        return f"{self.key} in [{self.low:g}, {self.high:g}]" + (" (log)" if self.log else "") + (" (whole numbers)" if self.kind == "int" else "")


def choice_text(value: Any) -> str:
    """A choice as the command line and YAML write it: null, true and false (a boolean key's
    choices read "valid: False, True", which the flag's own false,true spelled otherwise)."""
    import numpy as np

    boolean = isinstance(value, (bool, np.bool_))   # numpy's, from a table's column
    return "null" if value is None else ("true" if value else "false") if boolean else str(value)


# --------------------------------------------------------------------------- parsing and checking


def parse_parameter(text: str, base: Scenario, *, source: str = "--vary", ranges_only: bool = False,
                    others: Sequence[Parameter] | None = (), alone: bool = False) -> Parameter:
    """``KEY=LO:HI`` (``KEY=LO:HI:log`` for a log scale), ``KEY=a,b,c`` or ``KEY`` (every
    choice of a categorical key), checked against ``base``: the key must exist, and
    each end of the range (each choice) must give a valid scenario on its own.
    ``ranges_only``: a command that takes ranges alone (calibrate) is not advised to
    give values. ``others``: the keys varied beside it, whose ends an end of its own is
    checked with where it clashes with one of them; ``alone``: each end is also run with
    the others at the base's values (sensitivity's tornado) (_check_values)."""
    key, has_values, raw = (part.strip() for part in text.partition("="))
    if key in RESERVED_KEYS:
        raise ScenarioError(f"'{key}' is set by the command itself; vary a scenario key such as program.base_share", file=source, key=key)
    if key in LABEL_KEYS:
        raise ScenarioError(f"'{key}' only labels the scenario and changes no run; vary a scenario key such as "
                            f"program.base_share", file=source, key=key)
    annotation, current = schema_field(base, key, source=source)
    choices, union = categorical_choices(annotation, key, base)
    number = _number_type(annotation)
    if not has_values:
        if choices is None:
            example = f"{key}=LO:HI" if ranges_only else f"{key}=LO:HI or {key}=a,b,c"
            raise ScenarioError(f"give a {'range' if ranges_only else 'range or values'}, e.g. {example} (the key holds "
                                f"{_NUMBER_WORDS.get(number, 'a value')})", file=source, key=key)
        parameter = Parameter(key, "categorical", choices=tuple(choices), union=union)
    elif ":" in raw and choices is None:
        parameter = _range(raw, key, number, source)
    else:
        given = [v.strip() for v in raw.split(",") if v.strip()]
        values = [_scalar(v) for v in given]
        if not values:
            raise ScenarioError(f"no values given; write {key}=LO:HI or {key}=a,b,c", file=source, key=key)
        if number is not None and choices is None:
            values = [_as_number(text, value, key, number, source, ranges_only) for text, value in zip(given, values)]
        if choices is not None:
            unknown = [v for v in values if v not in choices]
            if unknown:
                raise ScenarioError(f"'{choice_text(unknown[0])}' is not a valid value; valid: "
                                    f"{', '.join(map(choice_text, choices))}", file=source, key=key)
        parameter = Parameter(key, "categorical", choices=tuple(dict.fromkeys(values)), union=union)
    if len(parameter.choices) < 2 if parameter.kind == "categorical" else parameter.low == parameter.high:
        given = raw or key
        # calibrate fits ranges only: 'or two or more values a,b' offered what it then refused
        raise ScenarioError(f"'{given}' gives this key one value only, so there is nothing to vary; give LO:HI with LO < HI"
                            + ("" if ranges_only else " or two or more values a,b")
                            + f" (to fix the key instead, use --set {key}=VALUE)", file=source, key=key)
    _check_values(parameter, base, source, ranges_only=ranges_only, others=others, alone=alone)
    return parameter


def _as_number(text: str, value: Any, key: str, number: type, source: str, ranges_only: bool) -> Any:
    """A listed value of a numeric key as a number: YAML 1.1 reads ``1e4`` and ``1e-5`` as
    text, which is a number written as rates are; a word (``a``, ``yes``, ``true``) is
    refused as no number, where 'KEY=a' was told 'one value only', as if the value were
    fine. ``null`` stays, for a key that may be left unset."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        try:
            read = float(value)
        except ValueError:
            pass
        else:   # population.size=1e3: the whole number a key of whole numbers holds
            return int(read) if number is int and read.is_integer() else read
    raise ScenarioError(f"'{text}' is not a number; the key holds {_NUMBER_WORDS[number]}: give {key}=LO:HI"
                        + ("" if ranges_only else " or two or more numbers a,b"), file=source, key=key)


def parse_parameters(texts: Iterable[str], base: Scenario, *, source: str = "--vary",
                     ranges_only: bool = False, purpose: str = "vary") -> list[Parameter]:
    """Each of ``texts`` read against ``base``; a key of a kind the base does not have
    (a milestone's reach_share, from a file that asks at onboarding) is read against the
    base switched to a kind that another of ``texts`` varies and that has it, as the
    refusal advised ("set the kind, or vary it"): such a key then changes the trials of
    that kind only (apply_own)."""
    texts = list(texts)
    parameters = []
    for text in texts:
        # the other keys varied beside it, read where they can be: an end of this one that clashes with one of them
        # is checked against their ends, not the base's value (_check_values)
        others = _readable([t for t in texts if t is not text], base, source)
        try:
            parameters.append(parse_parameter(text, base, source=source, ranges_only=ranges_only, others=others))
        except ScenarioError:
            switched = _switched_having(text.partition("=")[0].strip(), texts, base, source)
            if switched is None:
                raise
            parameters.append(parse_parameter(text, switched, source=source, ranges_only=ranges_only, others=others))
    if not parameters:
        raise ScenarioError(f"nothing to {purpose}; give at least one KEY=LO:HI (e.g. program.base_share=0.1:0.4)",
                            file=source)
    return _distinct(parameters, source)


def _readable(texts: list[str], base: Scenario, source: str) -> list[Parameter]:
    """Those of ``texts`` that read as parameters of ``base`` on their own terms (their
    values unchecked: their own check names their own faults)."""
    found = []
    for text in texts:
        try:
            found.append(parse_parameter(text, base, source=source, others=None))
        except ScenarioError:
            continue
    return found


def _switched_having(key: str, texts: list[str], base: Scenario, source: str) -> Scenario | None:
    """``base`` switched to the first choice of a varied ``kind`` among ``texts`` under
    which ``key`` exists; None when none has it."""
    for text in texts:
        if text.partition("=")[0].strip() == key:
            continue
        try:
            kind = parse_parameter(text, base, source=source)
        except ScenarioError:
            continue
        if not kind.union or not key.startswith(kind.key.rpartition(".")[0] + "."):
            continue
        for choice in kind.choices:
            switched = apply_values(base, {kind.key: choice}, parameters=[kind])
            if applies(switched, key):
                return switched
    return None


def parse_across(texts: Iterable[str], designs: list[Scenario], *, source: str = "--uncertain") -> list[Parameter]:
    """Parameters read for several designs weighed against each other, where a key may
    belong to some designs only (a milestone's ``reach_share`` beside an ask at purchase):
    each is read against the first design that has it, and checked against every design
    that has it (room for its range); a key no design has is refused as for one design."""
    parameters = []
    texts = list(texts)
    for text in texts:
        key = text.partition("=")[0].strip()
        having = [d for d in designs if applies(d, key)] or designs[:1]  # none: the first design's error
        rest = [t for t in texts if t is not text]
        # the tornado runs each end with the others at the design's values, the Sobol points every pair of them
        parameters.append(parse_parameter(text, having[0], source=source, others=_readable(rest, having[0], source),
                                          alone=True))
        for design in having[1:]:
            parse_parameter(text, design, source=source, others=_readable(rest, design, source), alone=True)
    if not parameters:
        return parse_parameters([], designs[0], source=source)  # its error: nothing to vary
    return _distinct(parameters, source)


def _distinct(parameters: list[Parameter], source: str) -> list[Parameter]:
    keys = [p.key for p in parameters]
    if len(set(keys)) < len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise ScenarioError("the key is given twice; give each key once", file=source, key=twice)
    return parameters


def applies(design: Scenario, key: str) -> bool:
    """Whether ``design`` has ``key`` (a milestone's reach_share is no key of an ask at purchase).
    A list of values (a campaign's days, network.block_shares), which a sweep sets whole,
    is a key it has, and so is a whole block or list of blocks (churn, program.timing,
    program.channels): schema_field refuses them as keys to vary, and a sweep over campaign
    days, or over the churn block, was said to vary a key "no run depends on" beside runs
    that differed."""
    try:
        schema_field(design, key)
    except ScenarioError:
        node: Any = design
        for part in key.split("."):
            if isinstance(node, BaseModel) and part in type(node).model_fields:
                node = getattr(node, part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
    return True


#: incentive keys that decide which entry of program.cost_shares and
#: program.reward_type_weights a design reads
_ENTRY_CHOOSERS = ("reward_type", "audience", "cost_share", "type_weight", "kind")


#: Parts of the program block that only a program reads: the ask (its share rate, moment,
#: timing, launch and targeting) and the reward (whom it draws, the link's response to it).
#: A design without a program reads none of them; its unprompted sharing still reads the
#: satisfaction, tie and channel conversion tables.
_PROGRAM_ONLY = ("program.base_share", "program.moment_effect", "program.reward_seekers", "program.link_use",
                 "program.link_response", "program.launch", "program.incentive", "program.timing", "program.targeting")


def _makes_a_program(key: str) -> bool:
    """Whether varying ``key`` can give a design without a program one: the timing's or
    the incentive's kind, or either whole block."""
    return key in ("program", "program.timing", "program.incentive", "program.timing.kind", "program.incentive.kind")


#: What a reminder (an ask beyond the first) reads, and of it what any later ask reads (a
#: campaign's second push, which fatigue and annoyance count whatever the reminders).
_REMINDER_ONLY = ("program.timing.reminders.interval_days", "program.moment_effect.reminder")
_LATER_ASK = ("program.timing.reminders.fatigue", "program.timing.reminders.annoyance",
              "program.timing.reminders.annoyance_points")
#: Keys whose variation can give a design reminders within its horizon or a second push.
_MAKES_LATER_ASKS = ("program", "program.timing", "program.timing.kind", "program.timing.reminders",
                     "program.timing.reminders.count", "program.timing.reminders.interval_days", "program.timing.days",
                     "days",
                     # what moves the earliest ask, from which reminders are counted (behaviour.timing.earliest_ask): a
                     # study of the delay read fatigue as unread where the base's delay left no reminder room
                     "program.timing.delay_days", "program.timing.schedule", "program.launch",
                     "program.launch.ask_existing", "population", "population.initial_customers", "program.influencers",
                     "program.influencers.count")


def _moves_moment(key: str, varied: str, design: Scenario) -> bool:
    """Whether varying ``varied`` can make a design ask at the moment of ``key``
    (program.moment_effect.<moment>): any moment by its timing's kind; a campaign's by the
    launch, and where a launch e-mail goes out by the customers there at launch, and by a
    campaign's days; a reminder's by what gives it reminders within its horizon. The
    horizon or the launch varied had made every moment read, a milestone's of an
    onboarding design too."""
    if varied in ("program", "program.timing", "program.timing.kind"):
        return True
    moment = key.rsplit(".", 1)[-1]
    if moment == "campaign":   # the customers there at launch matter only where a launch e-mail goes to them
        once = design.program.launch.ask_existing == "once" and design.program.timing.kind != "never"
        seeded = varied in ("population", "population.initial_customers") or \
            varied.startswith("population.initial_customers.")   # the size makes none there at launch
        return varied.startswith(("program.launch", "program.timing.days")) or (once and seeded)
    if moment == "reminder":
        return varied in _MAKES_LATER_ASKS or varied.startswith("program.timing.days.")
    return False


def _reminded(design: Scenario, key: str, varied: list[str]) -> bool:
    """Whether ``design`` can read ``key`` of its reminders: one without reminders within
    its horizon (``count: 0``, or reminders 30 days apart in a 30-day run:
    behaviour.timing.reminders_within) reads none of _REMINDER_ONLY, and none of
    _LATER_ASK unless it is a campaign of two pushes or more; a study that varies what
    gives it later asks reads them all, and the interval of reminders it has is read (it
    decides whether they come). A sensitivity's worst point with reminders off was given
    'at program.timing.reminders.fatigue = 0.8559', one of tied points."""
    from .behaviour.timing import scenario_reminders

    if key not in _REMINDER_ONLY + _LATER_ASK or any(v in _MAKES_LATER_ASKS or v.startswith("program.timing.days.")
                                                     for v in varied):
        return True
    timing = getattr(design.program, "timing", None)
    if key == "program.timing.reminders.interval_days" and getattr(getattr(timing, "reminders", None), "count", 0) > 0:
        return True
    if timing is not None and scenario_reminders(design) > 0:
        return True
    return key in _LATER_ASK and len(getattr(timing, "days", ())) > 1


#: Keys only a design paying on qualification reads: the wait, and what waiting stops.
QUALIFICATION_KEYS = ("fraud.blocked_by_qualification", "program.incentive.qualification_days")


def reads(design: Scenario, key: str, varied: Iterable[str] = ()) -> bool:
    """Whether ``design``'s outcome can depend on ``key``: it has the key (:func:`applies`),
    and the key is not an entry of a table that its reward does not read
    (``program.cost_shares.<type>`` of another reward type or under its own
    ``cost_share``, ``program.reward_type_weights.<audience>.<type>`` of another
    audience or type or under its own ``type_weight``). A cash design's worst point was
    given "at program.reward_type_weights.business.organization = 0.39". ``varied``:
    the keys a study varies; where one of them chooses the entry (the reward's type,
    its audience, its own share or weight, or the incentive's kind), every entry counts.
    A design without a program (config.has_program) reads no key of ``_PROGRAM_ONLY``,
    unless the study varies the kind of its timing or incentive, or either whole block
    (which can make it one): varying a reward's size, a key that design lacks, once made
    it read them all again, and its worst point was given 'at program.base_share = 0.18'.
    Nor does a design without reminders read what only later asks read (_reminded), nor
    the multiplier of a moment it never asks at."""
    if not applies(design, key):
        return False
    varied = list(varied)
    if (not has_program(design) and any(key == k or key.startswith(k + ".") for k in _PROGRAM_ONLY)
            and not any(_makes_a_program(v) for v in varied)):
        # a no-program design's worst point was given 'at program.base_share = 0.394', the first of tied points
        return False
    if not _reminded(design, key, varied):
        return False
    if key in QUALIFICATION_KEYS and not any(
            v in ("program", "program.incentive") or v.startswith("program.incentive.") and v.split(".")[-1] in
            ("paid_on", "kind") for v in varied):
        # qualification, of a design that pays on signup: no wait, nothing stopped (a sweep of what it stops named the
        # weakest check best, by order alone, and said the search found the strongest; its wait ran byte-identical)
        return getattr(getattr(design.program, "incentive", None), "paid_on", None) == "qualification"
    if key == "program.launch.spread_days" and not any(
            v in ("program", "program.launch", "program.launch.ask_existing", "program.timing", "program.timing.kind",
                  "population", "population.initial_customers", "program.influencers")
            or v.startswith(("population.initial_customers.", "program.influencers."))
            for v in varied):
        # the launch ask's spread, of a design that makes no launch ask (ask_existing never or as_new, a timing that
        # asks no one at joining, or no customer there at launch): a sweep of it ranked a best of byte-identical points
        return launch_asks(design)
    if key.startswith("program.moment_effect.") and not any(_moves_moment(key, v, design) for v in varied):
        # the multiplier of a moment it never asks at (a milestone's, of an onboarding design): compare.reads, which
        # says which moments a design's asks come at (a launch e-mail's is the campaign's)
        from .compare import reads as asks_at

        return asks_at(design, key)
    parts = key.split(".")
    table = parts[:2] in (["program", "cost_shares"], ["program", "reward_type_weights"])
    if not table or any(v.startswith("program.incentive") and v.split(".")[-1] in _ENTRY_CHOOSERS for v in varied):
        return True
    incentive = getattr(design.program, "incentive", None)
    if getattr(incentive, "reward_type", None) is None:   # no incentive: no reward to cost or weigh
        return False
    if parts[1] == "cost_shares":
        return incentive.cost_share is None and parts[2:] == [incentive.reward_type]
    return incentive.type_weight is None and parts[2:] == [incentive.audience, incentive.reward_type]


def launch_asks(design: Scenario) -> bool:
    """Whether ``design`` spreads a launch ask over the customers there on day 0 (its
    initial customers and influencers), as behaviour.timing.launch_ask_day draws it."""
    from .behaviour.timing import asks_once_at_launch, has_day_zero_customers

    return asks_once_at_launch(design.program.timing, design.program.launch) and has_day_zero_customers(design)


def value_of(design: Scenario, key: str) -> Any:
    """``design``'s own value of ``key`` (None where it lacks the key, or leaves it unset)."""
    if not applies(design, key):
        return None
    try:
        return _get(design.model_dump(mode="json"), key.split("."))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def apply_own(design: Scenario, values: dict[str, Any], parameters: Iterable[Parameter], *,
              source: str | None = None) -> Scenario:
    """``design`` with those of ``values`` set that are keys of it (parse_across): a key
    another design has leaves this one as it is, and so does a key of a kind the point
    switches away from (reach_share, where the point asks at purchase)."""
    given = [p for p in parameters if p.key in values]
    # a kind the point switches to decides which keys exist (reach_share is a milestone's, not an at_purchase's)
    kinds = [p for p in given if p.union]
    switched = apply_values(design, {p.key: values[p.key] for p in kinds}, parameters=kinds, source=source) \
        if kinds else design
    mine = kinds + [p for p in given if not p.union and applies(switched, p.key)]
    return apply_values(design, {p.key: values[p.key] for p in mine}, parameters=mine, source=source)


def _range(raw: str, key: str, number: type | None, source: str) -> Parameter:
    parts = raw.split(":")
    log = len(parts) == 3 and parts[2].strip() == "log"
    if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
        raise ScenarioError(f"'{raw}' is not a range; write LO:HI or LO:HI:log", file=source, key=key)
    if number is None:
        raise ScenarioError("this key does not hold a number, so it has no range; give values a,b,c", file=source, key=key)
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        # 0:1,000 (block style keeps it one text): the separator is what float() refused
        written = [part.strip() for part in parts[:2] if THOUSANDS.fullmatch(part.strip())]
        hint = f"; write {' and '.join(w.replace(',', '') for w in written)} without thousands separators" \
            if written else ""
        # 0%:10% was told only "must be numbers", where --set and scenario files say how to write a percentage
        percents = [part.strip() for part in parts[:2] if percent_value(part) is not None]
        if percents and not hint:
            hint = "; " + ", ".join(f"write {p} as {percent_value(p) / 100:g}" for p in percents)
        raise ScenarioError(f"'{raw}': LO and HI must be numbers (e.g. 0.1:0.4){hint}", file=source, key=key) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ScenarioError(f"'{raw}': give finite LO < HI", file=source, key=key)
    if low > high:
        raise ScenarioError(f"'{raw}': give LO < HI (e.g. {parts[1].strip()}:{parts[0].strip()}{':log' if log else ''})",
                            file=source, key=key)
    if log and low <= 0:
        raise ScenarioError(f"'{raw}': a log range needs LO > 0", file=source, key=key)
    if number is int:
        if not (low.is_integer() and high.is_integer()):
            raise ScenarioError(f"'{raw}': the key holds whole numbers; give whole LO and HI", file=source, key=key)
        return Parameter(key, "int", int(low), int(high), log)
    return Parameter(key, "float", low, high, log)


def _scalar(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _check_values(parameter: Parameter, base: Scenario, source: str, *, ranges_only: bool = False,
                  others: Sequence[Parameter] | None = (), alone: bool = False) -> None:
    """Each end of the range, or each choice, applied to the base scenario on its own;
    then, for a range more than one wide, the whole number after its low end (the
    other parity: a ring's even degree from 4 to 8 passed on its ends, and the study
    then stopped at its first 5 or 7), answered with the whole numbers that fit (or, for
    a command that takes ranges only, with --set)."""
    if others is None:   # read only (_readable)
        return
    ends = parameter.choices if parameter.kind == "categorical" else (parameter.from_unit(0.0), parameter.from_unit(1.0))
    for value in ends:
        if (error := _refused(parameter, base, value)) is not None:
            beside = next((o for o in others if o.key == error.key), None)
            if beside is not None and alone:
                # the tornado runs this end with the other at the design's own value, which the file may leave to
                # its default: said so, with the value (it read as a default the user never wrote)
                raise ScenarioError(f"value {value!r} does not fit the scenario {base.name} beside {beside.key} at the "
                                    f"design's own value, as the tornado runs each end (the other assumptions as the "
                                    f"design has them): {error.message}", file=source, key=parameter.key) from None
            if beside is not None:
                # the clash is with a key varied beside it: the study runs every pair of their values, not this end
                # beside the base's value ('promoters 0.7 ... (got 0.7 + 0.35)' of a file whose default passives 0.35
                # lay outside the passives range given, and ranges whose every pair fits were refused)
                _check_pairs(parameter, value, beside, base, source)
                continue
            raise ScenarioError(f"value {value!r} does not fit the scenario {base.name}: {error.message}"
                                + (f" (at {error.key})" if error.key and error.key != parameter.key else ""),
                                file=source, key=parameter.key) from None
        if alone:   # and with each end of every other key varied, as the Sobol points run them together
            for beside in others or ():
                _check_pairs(parameter, value, beside, base, source)
    if parameter.kind == "categorical" or parameter.high - parameter.low < 2:
        return
    misfit = misfit_between(parameter.low, parameter.high, lambda value: _refused(parameter, base, value),
                            whole=parameter.kind == "int", offer=not ranges_only)
    if misfit is None:
        return
    probe, error, fitting = misfit
    offer = f"fix it with --set {parameter.key}=VALUE instead (a range cannot skip values)" if ranges_only else \
        f"give the values that fit instead ({parameter.key}={','.join(map(str, fitting))})" if fitting else \
        "give values that fit instead of a range"
    raise ScenarioError(f"the range from {parameter.low:g} to {parameter.high:g} takes every value between, and {probe} "
                        f"does not fit the scenario {base.name}: {error.message}; {offer}", file=source, key=parameter.key)


def _check_pairs(parameter: Parameter, value: Any, beside: Parameter, base: Scenario, source: str) -> None:
    """``value`` of ``parameter`` with each end (each choice) of ``beside``, varied with it:
    the study runs them together, so each pair must fit."""
    ends = beside.choices if beside.kind == "categorical" else (beside.from_unit(0.0), beside.from_unit(1.0))
    for other in ends:
        try:
            apply_values(base, {parameter.key: value, beside.key: other}, parameters=[parameter, beside])
        except ScenarioError as error:
            if (alone := _refused(beside, base, other)) is not None and all(
                    _pair_refused(parameter, mine, beside, other, base) for mine in _ends(parameter)):
                # the other key's end fails on its own and beside every value of this one: the mistake is that key's,
                # whichever flag came first (base_share=0.1:3 was blamed on the reward range listed before it)
                raise ScenarioError(f"value {other!r} does not fit the scenario {base.name}: {alone.message}"
                                    + (f" (at {alone.key})" if alone.key and alone.key != beside.key else ""),
                                    file=source, key=beside.key) from None
            raise ScenarioError(f"value {value!r} with {beside.key} at {other!r} (an end of each range, which the study "
                                f"runs together) does not fit the scenario {base.name}: {error.message}; give ranges "
                                f"whose ends fit together", file=source, key=parameter.key) from None


def _ends(parameter: Parameter) -> tuple:
    """A range's two ends, or a categorical key's choices."""
    return parameter.choices if parameter.kind == "categorical" else (parameter.from_unit(0.0), parameter.from_unit(1.0))


def _pair_refused(parameter: Parameter, value: Any, beside: Parameter, other: Any, base: Scenario) -> bool:
    try:
        apply_values(base, {parameter.key: value, beside.key: other}, parameters=[parameter, beside])
    except ScenarioError:
        return True
    return False


def _refused(parameter: Parameter, base: Scenario, value: Any) -> ScenarioError | None:
    try:
        apply_values(base, {parameter.key: value}, parameters=[parameter])
    except ScenarioError as error:
        return error
    return None


# --------------------------------------------------------------------------- the schema


def _holds_block(annotation: Any) -> bool:
    """Whether a field's annotation allows a block (a model), as a lever's does beside None."""
    from .scenario_io import _alternatives, _is_model

    return any(_is_model(m) for m in _alternatives(annotation))


def schema_field(base: Scenario, key: str, *, source: str = "--vary", hints: bool = True) -> tuple[Any, Any]:
    """The annotation and current value of ``key`` in ``base`` (following list indices and
    the ``kind`` each block has); one ScenarioError line naming the valid keys otherwise
    (with hints at what was meant, unless ``hints`` is False)."""
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise ScenarioError("empty key path; write a dotted path such as program.base_share", file=source, key=key or "(empty)")
    node: Any = base
    annotation: Any = Scenario
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the top level"
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if part not in fields:
                message = _no_key(base, parts, depth, sorted(fields)) if hints else \
                    f"no key '{part}' under {where}; valid keys: {', '.join(sorted(fields))}"
                raise ScenarioError(message, file=source, key=key)
            annotation, node = fields[part].annotation, getattr(node, part)
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"'{part}' is not an index of {where} (a list of {len(node)}; valid: 0..{len(node) - 1})",
                                    file=source, key=key)
            annotation, node = _unwrap(annotation, list), node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                raise ScenarioError(f"no key '{part}' under {where}; valid keys: {', '.join(sorted(map(str, node)))}", file=source, key=key)
            annotation, node = _dict_value(annotation), node[part]
        elif node is None and depth and _holds_block(annotation):
            # a lever the scenario leaves unset (program.influencers) was "a value, not a block"
            raise ScenarioError(f"{where} is not set in this scenario (the lever is off), so it has no '{part}' to "
                                f"vary; add {where} to the scenario file (or --set {where}.{part}=VALUE to switch it "
                                f"on with its defaults) first", file=source, key=key)
        elif parts == ["population", "initial_customers", "count"] and isinstance(node, int) \
                and not isinstance(node, bool):
            # a plain count is random seeding's block, and a --set of its .count sets it as one (scenario_io)
            from .config_levers import Seeding

            annotation = Seeding.model_fields["count"].annotation
        else:
            raise ScenarioError(f"{where} is a value, not a block; it has no key '{part}'", file=source, key=key)
    if isinstance(node, (BaseModel, list, dict)):
        raise ScenarioError(f"{key} is a block, not a value; vary one of its keys", file=source, key=key)
    return annotation, node


def _no_key(base: Scenario, parts: list[str], depth: int, fields: list[str]) -> str:
    """Why parts[depth] is no key of the block it names, as the scenario file's errors
    say it: a key of another kind of that block ('referee_reward' under a single_sided
    incentive: change the kind), a near miss ('did you mean'), or a dot written as an
    underscore ('fraud_share' for fraud.share); then the valid keys."""
    import difflib

    from .scenario_io import _homes_of, _other_kinds_with

    part, where = parts[depth], ".".join(parts[:depth]) or "the top level"
    parent = [int(p) if p.isdigit() else p for p in parts[:depth]]
    elsewhere = _other_kinds_with(part, parent, base.model_dump(mode="json"), Scenario)
    dotted = _dotted(base, parts, depth, fields)
    close = difflib.get_close_matches(part, fields, n=1, cutoff=0.6)
    if elsewhere:
        kind_key = ".".join([*parts[:depth], "kind"])
        hint = (f"'{part}' is a key of kind {' and '.join(elsewhere)}, not of this scenario's kind; set the kind "
                f"(--set {kind_key}={elsewhere[0]}, or vary it) to use it;")
    elif dotted:
        hint = f"no key '{part}' under {where}; did you mean '{dotted}'?"
    elif close:
        hint = f"no key '{part}' under {where}; did you mean '{close[0]}'?"
    elif not any(part in name for name in fields) and (homes := _homes_of(part, parent, base.model_dump(mode="json"),
                                                                           Scenario)):
        hint = f"no key '{part}' under {where}; did you mean {' or '.join(homes)}?"   # program.budget
    else:
        hint = f"no key '{part}' under {where};"
    return f"{hint} valid keys: {', '.join(fields)}"


def _dotted(base: Scenario, parts: list[str], depth: int, fields: list[str]) -> str | None:
    """The key path meant when dots were written as underscores in parts[depth] (and the
    rest of the key), only if it is a value that can be varied: 'fraud_share' for
    fraud.share, 'timing_reminders_count' for timing.reminders.count; never a path that is
    itself no key ('launch_foo' is not 'launch.foo'), nor a block ('reward_seekers')."""
    import itertools

    pieces = parts[depth].split("_")
    gaps = len(pieces) - 1
    if not gaps or gaps > 8:
        return None
    tail = parts[depth + 1:]
    for dots in range(1, gaps + 1):   # the fewest dots first: key names keep their own underscores
        for where in itertools.combinations(range(gaps), dots):
            words, word = [], pieces[0]
            for gap, piece in enumerate(pieces[1:]):
                if gap in where:
                    words.append(word)
                    word = piece
                else:
                    word += "_" + piece
            words.append(word)
            if words[0] not in fields:
                continue
            candidate = ".".join([*parts[:depth], *words, *tail])
            try:
                schema_field(base, candidate, hints=False)
            except ScenarioError:
                continue
            return candidate
    return None


def categorical_choices(annotation: Any, key: str, base: Scenario) -> tuple[list | None, bool]:
    """The choices of a categorical key and whether it is the ``kind`` of a block with
    variants (whose choices are the variants' kinds)."""
    if key.endswith(".kind") or key == "kind":
        parent_key = key.rpartition(".")[0]
        parent_annotation = _parent_annotation(base, parent_key) if parent_key else None
        kinds = _union_kinds(parent_annotation)
        if kinds:
            return kinds, True
    literal = _literal(annotation)
    if literal is not None:
        return literal, False
    if _number_type(annotation) is None and _strip(annotation) is bool:
        return [False, True], False
    return None, False


def _parent_annotation(base: Scenario, parent_key: str) -> Any:
    parts = parent_key.split(".")
    node: Any = base
    annotation: Any = None
    for part in parts:
        if isinstance(node, BaseModel):
            annotation, node = type(node).model_fields[part].annotation, getattr(node, part)
        elif isinstance(node, list):
            annotation, node = _unwrap(annotation, list), node[int(part)]
    return annotation


def _strip(annotation: Any) -> Any:
    """Drop Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args and len(args) == 2:
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation


def _unwrap(annotation: Any, container: type) -> Any:
    annotation = _strip(annotation)
    args = typing.get_args(annotation)
    return args[0] if typing.get_origin(annotation) is container and args else Any


def _dict_value(annotation: Any) -> Any:
    args = typing.get_args(_strip(annotation))
    return args[1] if len(args) == 2 else Any


def _union_kinds(annotation: Any) -> list | None:
    members = typing.get_args(_strip(annotation))
    kinds = []
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel) and "kind" in member.model_fields:
            kinds.extend(_literal(member.model_fields["kind"].annotation) or [])
    return kinds or None


def _literal(annotation: Any) -> list | None:
    annotation = _strip(annotation)
    return list(typing.get_args(annotation)) if typing.get_origin(annotation) is Literal else None


#: How an error names what a key holds.
_NUMBER_WORDS = {int: "a whole number", float: "a number"}


def _number_type(annotation: Any) -> type | None:
    """int or float when the key holds a number (an int field also accepting a list,
    like population.initial_customers, counts as int)."""
    annotation = _strip(annotation)
    if annotation in (int, float):
        return annotation
    options = [_strip(a) for a in typing.get_args(annotation)]
    if float in options:
        return float
    if int in options:
        return int
    return None


# --------------------------------------------------------------------------- applying values


def apply_values(base: Scenario, values: dict[str, Any], *, parameters: Iterable[Parameter] = (),
                 source: str | None = None) -> Scenario:
    """``base`` with each ``key: value`` set through scenario_io's ``--set`` overrides, then
    validated. Setting the ``kind`` of a block with variants replaces the block by the
    new variant, keeping the keys the new variant also has with the same meaning
    (switching the timing from onboarding to at_purchase keeps the reminders; its
    delay_days, marked config.KIND_SPECIFIC, takes at_purchase's default 0)."""
    unions = {p.key for p in parameters if p.union}
    data = base.model_dump(mode="json")
    # a kind switch replaces its whole block, so it goes first: keys set inside the
    # block by other parameters then land in the new variant
    overrides = []
    for key, value in values.items():
        if key in unions:
            parent = key.rpartition(".")[0]
            block = _get(data, parent.split("."))
            overrides.append(f"{parent}={yaml_value(_switch_kind(base, parent, block, value))}")
    overrides.extend(f"{key}={yaml_value(value)}" for key, value in values.items() if key not in unions)
    data = apply_overrides(data, overrides, source=source or "--vary")
    base_dir = Path(base.network.path).parent if base.network.kind == "edgelist" else None
    return validate(data, source=source, base_dir=base_dir)


def kind_overrides(base: Scenario, values: dict[str, Any]) -> list[str]:
    """``values`` as ``--set`` overrides of ``base``, a block's ``kind`` replaced as
    apply_values replaces it (the new variant keeps the keys both kinds share, and a
    key each kind reads its own way takes the new kind's default), first: a sweep set
    `program.timing.kind=milestone` alone over an onboarding block, so the milestone
    came 7 days in (onboarding's delay_days, read as the milestone's) where optimize's
    came after its 30, and over a milestone block an onboarding point kept reach_share
    and was refused."""
    data = base.model_dump(mode="json")
    switched, rest = [], []
    for key, value in values.items():
        parent = key.rpartition(".")[0]
        union = False
        if key.endswith(".kind") and parent:
            try:
                annotation, _ = schema_field(base, key, hints=False)
                union = categorical_choices(annotation, key, base)[1]
            except ScenarioError:
                union = False
        if union:
            block = _get(data, parent.split("."))
            switched.append(f"{parent}={yaml_value(_switch_kind(base, parent, block, value))}")
        else:
            rest.append(f"{key}={yaml_value(value)}")
    return switched + rest


def check_parameter_objects(parameters: Iterable[Any]) -> None:
    """Refuse, in one line, what a Python caller passes where a Parameter belongs (a
    'KEY=LO:HI' text gave "'str' object has no attribute 'key'")."""
    for p in parameters:
        if not isinstance(p, Parameter):
            raise TypeError(f"parameters: Parameter objects, e.g. parse_parameter('program.base_share=0.05:0.6', base) "
                            f"from simulator.parameters, not {type(p).__name__} {p!r}")


def check_built(parameters: Iterable[Parameter], designs: list[Scenario], source: str) -> None:
    """A Parameter built by hand, as parse_parameter would have read it: a key some design
    has, LO < HI, and ends that fit every design having the key (calibrate's check_fit)."""
    parameters = list(parameters)
    # a kind varied beside: its keys come with it (a hand-built Parameter leaves union False)
    kinds = {q.key.rpartition(".")[0] for q in parameters if q.union or (q.kind == "categorical" and q.key.endswith(".kind"))}
    for p in parameters:
        if p.kind != "categorical" and not (p.low is not None and p.high is not None and p.low < p.high):
            raise ScenarioError(f"give a range LO:HI with LO < HI (got {p.low}:{p.high})", file=source, key=p.key)
        # as parse_parameter refuses them: optuna's "low > 0 must hold for log=True" and a math domain error named no
        # key, an empty choice list an IndexError, and a whole-number range of 1.5:3.7 tried 1
        if p.kind != "categorical" and p.log and not p.low > 0:
            raise ScenarioError(f"a log range needs LO > 0 (got {p.low:g}:{p.high:g})", file=source, key=p.key)
        if p.kind == "int" and not (float(p.low).is_integer() and float(p.high).is_integer()):
            raise ScenarioError(f"the key holds whole numbers; give whole LO and HI (got {p.low:g}:{p.high:g})",
                                file=source, key=p.key)
        if p.kind == "categorical" and len(p.choices) < 2:
            raise ScenarioError(f"give two choices or more to vary (got {len(p.choices)}: {list(p.choices)})",
                                file=source, key=p.key)
        if any(p.key.startswith(k + ".") for k in kinds):
            # a kind's own choices are checked by name alone (its other keys may come with it): 'neverr' reached the
            # study, which failed at its first trial without naming the parameter
            for choice in (p.choices if p.key.endswith(".kind") else ()):
                error = next((e for d in designs if applies(d, p.key) and (e := _refused(p, d, choice)) is not None
                              and e.message.startswith("unknown kind")), None)
                if error is not None:
                    raise ScenarioError(f"value {choice!r} does not fit: {error.message}", file=source, key=p.key)
            continue
        having = [d for d in designs if applies(d, p.key)]
        if not having:
            schema_field(designs[0], p.key, source=source)   # its error: unknown key, did you mean
        for d in having:   # beside the other keys varied, as parse_parameters checks them
            _check_values(p, d, source, ranges_only=True,
                          others=[q for q in parameters if q is not p and q.kind != "categorical" and applies(d, q.key)])


def engine_probes(designs, parameters) -> list:
    """The designs, and each with every end of each range (each choice) applied: what
    decides a study's engine path, and what REFSIM_ENGINE=kernel is checked against
    before a study starts. The base alone let through a --vary
    satisfaction.drift_per_year=0,0.3 the kernel cannot run, and the study left behind
    refused the rerun under numpy the refusal advised."""
    from .kernel import READS

    def ends(p: Parameter) -> tuple:
        return tuple(p.choices) if p.kind == "categorical" else (p.from_unit(0.0), p.from_unit(1.0))

    probes = list(designs)

    def probe(design, values, varied):
        try:
            return [apply_own(design, values, varied)]
        except ScenarioError:   # an end no trial runs beside the base's value of a key varied with it (checked apart)
            return []

    for p in parameters:
        probes += [made for design in designs for value in ends(p) for made in probe(design, {p.key: value}, [p])]
    # the keys the kernel's check reads, their ends together: only_while_referrer_active beside a churn range from 0
    # needs the numpy stages at one corner alone, and the trials there ran on the other path than the rest
    read = [p for p in parameters if any(p.key == k or p.key.startswith(k + ".") or k.startswith(p.key + ".")
                                         for k in READS)]
    corners = math.prod(len(ends(p)) for p in read) if len(read) > 1 else 0
    if 1 < corners <= 1024:
        for values in itertools.product(*(ends(p) for p in read)):
            probes += [made for design in designs for made in probe(design, dict(zip((p.key for p in read), values)), read)]
    return probes


def is_lever(key: str) -> bool:
    """Whether ``key`` is a choice of the program (a reward, its timing, a budget), not an
    assumption about the world or about how people answer it (compare.WORLD_KEYS)."""
    from .compare import WORLD_KEYS

    return key.startswith("program.") and not any(key == w or key.startswith(w + ".") for w in WORLD_KEYS)


def check_designs_pair(designs: list[Scenario], parameters: Iterable[Parameter], *, sources: list[str] | None = None,
                       source: str | None = None) -> None:
    """Designs weighed against each other at the same parameter values (sensitivity's
    decision, calibrate's design comparison) run on the same seeds, so, as in
    ``compare``, they must share population, network and days: otherwise the verdict
    is the population size talking. Keys the study sets itself are set alike in every
    design and are no difference. One ScenarioError line naming the first design that
    differs (``sources`` are the designs' files)."""
    from .compare import check_pairable  # pandas: only where designs are weighed

    if len(designs) < 2:
        return
    parameters = list(parameters)
    names = [Path(f).name for f in sources] if sources and len(sources) == len(designs) else [d.name for d in designs]
    for p in parameters:
        # a lever the designs differ in, set alike in each at every value, erases their difference from the decision
        # (two credits of 10 and 30 with the credit uncertain were 'a tie'; a no-program design asked at every
        # point); the world and what people do (churn, the share rate when asked) are assumptions the study may set
        if not is_lever(p.key):
            continue
        own = {i: value_of(d, p.key) for i, d in enumerate(designs) if applies(d, p.key)}
        # a friend's reward in a double-sided design beside a referrer-only one: drawn as luck in the one design, it
        # was 'the decision hinges on' a choice the strategist makes. A design without a program lacks every lever:
        # it is the baseline the others are weighed against, unmoved (its panels say so), not a design lacking this one
        lacking = [name for i, (name, d) in enumerate(zip(names, designs)) if i not in own and has_program(d)]
        if own and lacking:
            having = [names[i] for i in own]
            raise ScenarioError(f"only {', '.join(having)} {'has' if len(having) == 1 else 'have'} {p.key} "
                                f"({', '.join(json.dumps(v, default=str) for v in own.values())}), a choice of the "
                                f"program that {', '.join(lacking)} {'lacks' if len(lacking) == 1 else 'lack'}: the "
                                f"study would draw that choice as if it were luck and weigh it against designs without "
                                f"it; leave {p.key} out, make each value a design of its own (a file per value), or "
                                f"search it with refsim optimize", file=source, key=p.key)
        if len({json.dumps(v, sort_keys=True, default=str) for v in own.values()}) > 1:
            shown = ", ".join(f"{names[i]} {json.dumps(v, default=str)}" for i, v in own.items())
            raise ScenarioError(f"the designs differ in {p.key} ({shown}), and the study sets it alike in every design at "
                                f"each of its values, so that difference would never be weighed; leave {p.key} out, or "
                                f"make it a design of its own (a file per value)", file=source, key=p.key)
    values = {p.key: p.from_unit(0.5) for p in parameters}
    alike = [apply_own(d, values, parameters, source=source) for d in designs] if values else list(designs)
    check_pairable(alike, seed_given=True, sources=sources,
                   remedy="make the designs differ only in their programs: the study weighs them on the same "
                          f"seeds at each of its values; a study of the population or network is a "
                          f"{source + ' ' if source else ''}range of its own")


def _get(data: Any, parts: list[str]) -> Any:
    for part in parts:
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _switch_kind(base: Scenario, parent: str, block: dict, kind: Any) -> dict:
    if block.get("kind") == kind:
        return block
    members = typing.get_args(_strip(_parent_annotation(base, parent)))
    model = next((m for m in members if isinstance(m, type) and issubclass(m, BaseModel) and kind in (_literal(m.model_fields["kind"].annotation) or [])), None)
    if model is None:  # an unknown kind: let the scenario's own check name it and the valid kinds
        return {**block, "kind": kind}
    # a field the new kind reads differently (config.KIND_SPECIFIC) takes the new kind's default
    kept = {k: v for k, v in block.items() if k in model.model_fields and k != "kind" and v is not None
            and not (model.model_fields[k].json_schema_extra or {}).get("kind_specific")}
    return {"kind": kind, **kept}


def point_values(parameters: Iterable[Parameter], units: Iterable[float]) -> dict[str, Any]:
    """Values of one point given its unit coordinates, one per parameter."""
    return {p.key: p.from_unit(u) for p, u in zip(parameters, units)}


__all__ = ["Parameter", "parse_parameter", "parse_parameters", "schema_field", "categorical_choices", "apply_values", "point_values"]
