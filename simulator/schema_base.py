"""The building blocks every schema block uses: bounded number types, the strict base
model (unknown keys are errors) and the schema-wide limits."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Money = Annotated[float, Field(ge=0.0, le=1e9)]
#: An amount that must be above 0 when given (a budget): one bound, so that -200 and 0 get the same message.
PositiveMoney = Annotated[float, Field(gt=0.0, le=1e9)]
Days = Annotated[int, Field(ge=0, le=36500)]

MAX_PEOPLE = 50_000_000
#: Unprompted shares per customer-day of the defaults (see WordOfMouth.spontaneous_rate).
SPONTANEOUS_RATE = 0.009
#: Positive : negative word of mouth of East, Hammond & Wright 2007 (about 3 : 1).
POSITIVE_PER_NEGATIVE = 3.0
#: Negative word of mouth per detractor-day that gives POSITIVE_PER_NEGATIVE unprompted positive
#: shares per negative message under the default NPS mix (50% promoters sharing at 1, 35% passives
#: at 0.35, 15% detractors speaking against): rate · 0.6225 / (3 · 0.15).
NWOM_RATE = round(SPONTANEOUS_RATE * (0.5 * 1.0 + 0.35 * 0.35) / (POSITIVE_PER_NEGATIVE * 0.15), 5)
REWARD_TYPES = ("cash", "credit", "product", "charity", "organization")


#: The blocks fixed by :func:`fix`, by id, with what holds them (weakref.finalize forgets each).
_FIXED: dict[int, str] = {}


def fix(block: BaseModel, holder: str) -> None:
    """Refuse assignments to ``block`` and every block inside it from now on: ``holder``
    (a ReferralModel) runs it as built. A ReferralModel's ``m.scenario.program.base_share =
    0.9`` between steps was taken and then ignored on the compiled path, which read the
    scenario when it started (the numpy path applied it), and ``m.scenario.days = 90``
    ran the kernel past its arrays and aborted Python."""
    import weakref

    def each(value):
        if isinstance(value, BaseModel):
            yield value
            for name in type(value).model_fields:
                yield from each(getattr(value, name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from each(item)
        elif isinstance(value, dict):
            for item in value.values():
                yield from each(item)

    for part in each(block):
        if id(part) not in _FIXED:
            _FIXED[id(part)] = holder
            weakref.finalize(part, _FIXED.pop, id(part), None)
            # a list inside (channels, tiers, ids) refuses changes in place too: m.scenario.program.channels[0] = ...
            # was taken, and ignored on the compiled path as an assignment had been
            for name in type(part).model_fields:
                value = part.__dict__.get(name)
                if type(value) is list:
                    part.__dict__[name] = FixedList(value, holder)


def fixed_message(holder: str) -> str:
    """What a change to a fixed scenario (:func:`fix`) is told."""
    return (f"{holder}'s scenario is fixed once the model is built (it runs the scenario it was built with, on either "
            f"path); build a new model from a changed copy, e.g. ReferralModel(load_scenario(path, ['KEY=VALUE']), "
            f"rng=...) or from model.scenario.model_copy(deep=True) changed (a copy without deep=True shares its "
            f"blocks with the model's)")


class FixedList(list):
    """A list inside a fixed scenario (:func:`fix`): reads as a list, compares equal to one,
    copies (deep or not) and pickles as a plain list, and refuses every change in place."""

    def __init__(self, items, holder: str = "a model"):
        super().__init__(items)
        self.holder = holder

    def _refuse(self, *args, **kwargs):
        from .errors import ScenarioError

        raise ScenarioError(fixed_message(self.holder))

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self):
        return list(self)

    def __deepcopy__(self, memo):
        import copy

        return [copy.deepcopy(item, memo) for item in self]

    def __reduce__(self):
        return (list, (list(self),))


#: Every scenario built or copied, held weakly: where an assignment to one of its blocks is
#: refused, the error names the key from the scenario's top (config.Scenario registers itself).
_SCENARIOS: dict = {}


def register(scenario: BaseModel) -> None:
    """Remember ``scenario`` (weakly: forgotten when it is collected) for :func:`path_of`."""
    import weakref

    key = id(scenario)
    _SCENARIOS[key] = weakref.ref(scenario, lambda _, key=key: _SCENARIOS.pop(key, None))


def path_of(block: BaseModel) -> tuple[BaseModel, list[str]] | None:
    """The scenario holding ``block`` and the key path to it (``['program', 'incentive']``;
    [] for the scenario itself), None where no scenario built holds it (a block built on
    its own). Searched only on an error's path."""
    def find(node, path):
        if node is block:
            return path
        if isinstance(node, BaseModel):
            items = ((name, node.__dict__.get(name)) for name in type(node).model_fields)
        elif isinstance(node, (list, tuple)):
            items = ((str(i), item) for i, item in enumerate(node))
        else:
            return None
        for name, value in items:
            if isinstance(value, (BaseModel, list, tuple)) and (found := find(value, [*path, name])) is not None:
                return found
        return None

    for ref in list(_SCENARIOS.values()):
        if (root := ref()) is not None and (found := find(root, [])) is not None:
            return root, found
    return None


def _picks_variant(model: type[BaseModel]) -> bool:
    """Whether ``model``'s ``kind`` names it among a block's variants (one literal value, a
    class of its own per kind), not a plain choice (a channel's direct or broadcast), which
    an assignment changes like any other key."""
    from .parameters import _literal

    field = model.model_fields.get("kind")
    return field is not None and len(_literal(field.annotation) or ()) == 1


class Strict(BaseModel):
    """Base for every block: unknown keys are errors, assignments are checked."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def __setattr__(self, name: str, value) -> None:
        """An assignment the schema refuses is one ScenarioError line, as a file's value
        is: ``scenario.days = -5`` raised pydantic's multi-line error naming only the
        model ("1 validation error for Scenario"), with a link to its docs. The block is
        left as it was. A block a model runs (:func:`fix`) refuses every assignment."""
        from pydantic import ValidationError

        if (holder := _FIXED.get(id(self))) is not None and not name.startswith("_"):
            from .errors import ScenarioError

            raise ScenarioError(fixed_message(holder), **self._where(name))
        fields = type(self).model_fields
        if name not in fields and not name.startswith("_"):
            # "Object has no attribute 'base_shar'": no key it meant, nor the keys there are, as a file is told
            import difflib

            from .errors import ScenarioError

            hint = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
            raise ScenarioError(f"unknown key '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
                                + f" valid keys here: {', '.join(fields)}", **self._where(name))
        if name == "kind" and value != getattr(self, "kind", value) and _picks_variant(type(self)):
            self._refuse_kind(value)
        # a check across keys (promoters + passives, channel weights) runs after pydantic has set the value: a
        # refused assignment left it in place, the block invalid for the next simulate
        before, given = dict(self.__dict__), set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except ValidationError as error:
            self.__dict__.clear()
            self.__dict__.update(before)
            object.__setattr__(self, "__pydantic_fields_set__", given)
            from .scenario_io import describe

            try:
                described = describe(error, {**self.model_dump(warnings=False), name: value}, type(self).__name__, None,
                                     model=type(self), what="block")
            except Exception:   # a value the describer cannot read: pydantic's own error, as before
                raise error from None
            where = self._where(described.key or name)
            described.file, described.key = where["file"], where["key"]
            # an assignment has no line to delete: `s.program.timing.reminders = None` was told to "delete the line"
            from .scenario_io import KEEP_DEFAULTS

            from .parameters import _union_kinds

            field = type(self).model_fields.get(name)
            variants = field is not None and _union_kinds(field.annotation)
            # a block with variants needs its kind: '{} keeps the defaults' was then refused for a missing kind
            keep = " as a dict with its kind ({'kind': ...})" if variants else " as a dict ({} keeps the defaults)"
            described.message = described.message.replace(KEEP_DEFAULTS, keep).replace("of 'key: value' lines",
                                                                                         "of keys")
            # a file's advice, with a key path from the block: '(or --set incentive.kind=none)' named no key of the
            # scenario's top, which an assignment can use anyway
            described.message = re.sub(r"add `kind: (\w+)` to it", r"assign {'kind': '\1', ...}",
                                       re.sub(r" \(or --set [^)]*\)", "", described.message))
            if not (described.key or "").split(" (line")[0].endswith(name) and self._invalid_before():
                # an earlier assignment to a block inside it (checked alone) left it so: `sc.population.size = 50`
                # beside 200 initial customers passed, and `sc.days = 30` was refused for it, as if days were wrong
                described.message += (f" (the scenario was already so before this assignment: an assignment to a "
                                      f"block checks that block alone, so an earlier one left it; `{name}` was not "
                                      f"changed: mend the key named first)")
            raise described from None

    def _invalid_before(self) -> bool:
        """Whether this block, as it stands, fails its own checks across keys (the ones an
        assignment to a block inside it does not run)."""
        from pydantic import ValidationError

        try:
            type(self).model_validate(self.model_dump(warnings=False))
        except ValidationError:
            return True
        except Exception:   # a value that does not dump back: no claim either way
            return False
        return False

    def _where(self, key: str) -> dict:
        """``file`` and ``key`` of an error about ``key`` of this block: the scenario and the
        key path from its top where a scenario holds the block (`s.program.incentive.referrer_reward
        = -5` was "DoubleSided: referrer_reward", a class name the docs never use, and the
        last key alone), else the block's class."""
        found = path_of(self)
        if found is None:
            return {"file": type(self).__name__, "key": key}
        return {"file": type(found[0]).__name__, "key": ".".join([*found[1], key])}

    def _refuse_kind(self, value) -> None:
        """A block's ``kind`` picks its variant, which an assignment cannot change in place:
        `s.network.kind = "erdos_renyi"` was refused with "valid: powerlaw_cluster", the one
        kind of the block it had, as if no other existed. Say the kinds and how to change it."""
        from .errors import ScenarioError
        from .parameters import _union_kinds

        found = path_of(self)
        where = ".".join(found[1]) if found and found[1] else "the block"
        kinds = None
        if found and found[1]:
            parent = found[0]
            for part in found[1][:-1]:
                parent = parent[int(part)] if isinstance(parent, (list, tuple)) else getattr(parent, part)
            if isinstance(parent, BaseModel) and found[1][-1] in type(parent).model_fields:
                kinds = _union_kinds(type(parent).model_fields[found[1][-1]].annotation)
        if kinds and value not in kinds:
            raise ScenarioError(f"unknown kind {value!r}; valid: {', '.join(map(str, kinds))}", **self._where("kind"))
        example = (f"{where} = {{'kind': {value!r}, ...}}, or load the file with --set {where}.kind={value}"
                   if found and found[1] else f"a new block of kind {value!r}")
        raise ScenarioError(f"a block's kind picks its variant, with keys of its own, and cannot be changed in "
                            f"place; assign the block whole ({example})"
                            + (f"; kinds: {', '.join(map(str, kinds))}" if kinds else ""), **self._where("kind"))
