"""Reading scenarios: YAML (safe loader), ``--set`` overrides, validation with
one-line errors that name the file, the key path (and line) and what is valid."""

from __future__ import annotations

import math

import difflib
import re
import json
import types
import typing
from pathlib import Path
from typing import Any, Callable, Iterable
from collections import abc

import yaml
from pydantic import BaseModel, ValidationError

from .config import Scenario
from . import limits, yaml_reader
from .errors import ScenarioError
from .outpath import printable

KEYED = re.compile(r"^([a-z_][a-z0-9_.]*): (.*)$", re.S)


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | Path, overrides: Iterable[str] = (), *, check_network: bool = True) -> Scenario:
    """Read, override and validate a scenario file; raises ScenarioError on any mistake.

    ``overrides`` are ``key.path=value`` strings, as ``--set`` takes them; one string
    is one override (iterating it gave one "override" per character). Relative
    edge-list paths are resolved against the scenario file's folder.
    ``check_network=False`` leaves out the check that the network can be built at the
    file's own size (limits.check_network), for a file never run at it: the teaching
    app scales a whole market's preset to its class, and checks the class's network.
    """
    overrides = check_overrides("load_scenario", overrides)
    check_path("load_scenario", path, "a scenario file's path",
               "a mapping is checked as a file is by simulator.scenario_io.validate(data)")
    path = Path(path)
    source = str(path)
    text = read_yaml_text(path, "a scenario YAML file (see scenarios/)")
    data = parse_scenario_yaml(text, source)
    refuse_other_kinds(data, source)
    return validate_overridden(data, overrides, source,
                               lambda mapping: validate(mapping, source=source, text=text, base_dir=path.parent,
                                                        check_network=check_network))[0]


def refuse_other_kinds(data: dict, source: str, what: str = "a scenario", *, sweep_read: bool = False) -> None:
    """A sweep or settings file where a scenario is read, said as such in one line: it
    read "unknown key 'base'" or "unknown key 'scenario'", naming no way out (``what``:
    the scenario's role, as "a sweep's base scenario"). ``sweep_read``: the file is read
    as a sweep, whose loader says itself that 'base:' is missing."""
    if {"base", "parameters"} <= set(data):
        raise ScenarioError(f"this is a sweep file (it has 'base:' and 'parameters:'), not {what}; run it with "
                            f"`refsim sweep {source}`", file=source)
    if "parameters" in data and not sweep_read:   # a sweep whose 'base:' was left out read "unknown key 'parameters'", the sweep unnamed
        raise ScenarioError(f"this looks like a sweep file (it has 'parameters:') with no 'base:', not {what}; add "
                            f"'base:' (the base scenario: a YAML path relative to the sweep file, or an inline "
                            f"scenario mapping) and run it with `refsim sweep {source}`", file=source)
    studies = {"vary": "optimize", "uncertain": "sensitivity", "fit": "calibrate"}
    if "scenario" in data or set(data) & set(studies):   # a settings file without --settings
        command = next((c for key, c in studies.items() if key in data), None)
        raise ScenarioError(f"this is a settings file (it has {', '.join(repr(k) for k in data if k in ('scenario', *studies))}), "
                            f"not {what}; give it as `refsim {command or 'optimize|sensitivity|calibrate'} --settings "
                            f"{source}`", file=source)


def check_overrides(caller: str, overrides: Any) -> list[str]:
    """``overrides`` given to a Python entry point (load_scenario, load_sweep) as a list
    of ``key.path=value`` strings: one string is one override (iterating it gave one
    "override" per character), None none; a dict, a number or a non-text item is one
    TypeError line ("--set: 'days' is not of the form key.path=value" named a flag never
    typed, and 5 stopped on "'int' object is not iterable")."""
    if isinstance(overrides, str):
        return [overrides]
    if overrides is None:   # no overrides, as Python's None says (it stopped on "'NoneType' object is not iterable")
        return []
    if isinstance(overrides, dict):
        items = ", ".join(f"'{k}={v}'" for k, v in list(overrides.items())[:3])
        raise TypeError(f"{caller}(): overrides is a list of 'key.path=value' strings, not a dict: [{items}]")
    overrides = list(overrides) if hasattr(overrides, "__iter__") else overrides
    if not isinstance(overrides, list) or any(not isinstance(o, str) for o in overrides):
        raise TypeError(f"{caller}(): overrides is a list of 'key.path=value' strings, such as ['days=60']; got "
                        f"{overrides!r}")
    return overrides


def check_path(caller: str, path: Any, what: str, hint: str = "") -> None:
    """``path`` given to a Python entry point is a str or Path: a dict or None reached
    os.fspath, whose TypeError named no function."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"{caller}(): path must be {what} (str or Path), not {type(path).__name__}"
                        + (f"; {hint}" if hint else ""))


def check_scenario(scenario: Any, caller: str) -> Scenario:
    """Refuse, in one line, what a Python caller passes where a Scenario belongs: a
    path or a mapping (TypeError naming the way to make a Scenario), or a Scenario
    that ``model_copy(update=...)``, which pydantic does not validate, made invalid
    (ScenarioError naming the key and what is valid, as for a file). Assignments
    (``scenario.days = 0``) are already checked by pydantic; a copy's update is not,
    and it reached the engine as numpy's "negative dimensions are not allowed".

    Returns the scenario to run, never the caller's object: a deep copy of ``scenario``, or, where the copy's update put a
    plain dict or list in place of a block (``update={"network": {"kind": ...}}``,
    valid as a file's block would be), the scenario validated from it. That dict
    reached the engine as "'dict' object has no attribute 'kind'"."""
    if isinstance(scenario, (str, Path)):
        raise TypeError(f"{caller}() takes a Scenario, not a path: read it with load_scenario({str(scenario)!r})")
    if isinstance(scenario, dict):
        # Scenario.model_validate's errors are pydantic's, lines long and without "did you mean"; validate's are a file's
        raise TypeError(f"{caller}() takes a Scenario, not a dict: make one with simulator.scenario_io.validate(data), "
                        f"which checks it as a file is checked")
    if isinstance(scenario, tuple) and len(scenario) == 2 and scenario[0] in Scenario.model_fields:
        # one of a Scenario's (field, value) pairs: mesa.batch_run iterates a value that is not in a list
        raise TypeError(f"{caller}() takes a Scenario, not one of its (key, value) pairs {scenario[0]!r}: mesa.batch_run "
                        f"takes each parameter's values as a list, so give parameters={{'scenario': [scenario], ...}}")
    if not isinstance(scenario, Scenario):
        rerun = f": {caller}(results.scenario, ...) reruns it" if isinstance(getattr(scenario, "scenario", None), Scenario) else ""
        raise TypeError(f"{caller}() takes a Scenario (from load_scenario), not {type(scenario).__name__}{rerun}")
    # a numpy integer put in by model_copy (days=np.int64(20) from a loop over np.arange) ran before this check
    # and runs now: it is a whole number, as seed and replicates take it; a float where a whole number belongs
    # (days=20.0) is refused here, with no whole-float leniency: a file's 20.0 is made 20 when it is read, but
    # a copy's stays a float and the engine stopped on "'float' object cannot be interpreted as an integer"
    data = _plain_numbers(_with_unchecked_keys(scenario, scenario.model_dump(warnings=False)))
    whole = []
    try:
        validated = Scenario.model_validate(data, strict=True)
    except ValidationError as error:
        if not only_whole_floats(error):
            raise describe(error, data, f"{caller}()", None) from None
        # days=20.0 put in by model_copy: a whole number, as a file's 20.0 and --set days=20.0 are (it was refused
        # as "should be a valid integer (got 20.0); valid: a whole number"); made the int it stands for below
        validated, whole = Scenario.model_validate(data, strict=False), [_data_path(e["loc"], data) for e in error.errors()]
    # a block given as a dict (pydantic compares the blocks' types too): the validated scenario; else a deep copy
    # (which keeps model_fields_set, that the reports read): the run's scenario (results.scenario, a model's) shared
    # the caller's blocks, so editing one edited the other, and a manifest written later recorded values never run
    original = scenario
    # the copy's numpy numbers made plain, as the validated scenario holds them: np.int64(20) == 20, so the copy
    # was kept with them, ran, and then its results folder stopped on pydantic's "Unable to serialize unknown type"
    scenario = validated if validated != scenario else _whole_at(_plain_fields(scenario.model_copy(deep=True)), whole)
    limits.check_network(scenario, f"{caller}()")
    if scenario.network.kind == "edgelist" and Path(scenario.network.path).is_file():
        # a copy switched to an edge list: its size must be the file's, as a file's is (a size of 20,000 given for a
        # graph of 1,000 ran 1,000 people under results.scenario's 20,000), and its seeds within the graph
        # whether the size was given is the caller's scenario's to say: one validated again from its dump holds all
        given = getattr(getattr(original, "population", None), "model_fields_set", ())
        _check_edge_list(scenario, Path(scenario.network.path), f"{caller}()", None, size_given="size" in given)
    return scenario


def _plain_numbers(value: Any) -> Any:
    """``value`` with numpy's integers, floats and booleans as Python's, through dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain_numbers(item) for item in value)
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind in "iufb" \
            and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def _whole_at(model: BaseModel, places: list[list]) -> BaseModel:
    """``model`` (a deep copy, changed in place) with the whole float at each of
    ``places`` (paths of field names and list indices, union tags left out) as the int
    it stands for, its set fields kept."""
    for loc in places:
        *path, last = loc
        holder = model
        for step in path:
            holder = holder[step] if isinstance(step, int) else getattr(holder, step)
        if isinstance(holder, BaseModel):
            holder.__dict__[last] = int(holder.__dict__[last])
        else:
            holder[last] = int(holder[last])
    return model


def _plain_fields(model: BaseModel) -> BaseModel:
    """``model`` (a deep copy, changed in place) with numpy's numbers in its fields and
    its blocks' as Python's, its set fields kept (the reports read them)."""
    for key, value in vars(model).items():
        if isinstance(value, BaseModel):
            _plain_fields(value)
        elif isinstance(value, (list, tuple)):
            model.__dict__[key] = type(value)(_plain_fields(item) if isinstance(item, BaseModel) else _plain_numbers(item)
                                              for item in value)
        else:
            model.__dict__[key] = _plain_numbers(value)
    return model


def _with_unchecked_keys(model: BaseModel, data: dict) -> dict:
    """``data`` (``model.model_dump()``) with the keys ``model_copy(update=...)`` put on
    ``model`` or its blocks that are not fields (which the dump leaves out), so that
    validating it reports them as unknown keys."""
    fields = type(model).model_fields
    for key, value in vars(model).items():
        if key not in fields:
            data[key] = value
        elif isinstance(value, BaseModel) and isinstance(data.get(key), dict):
            _with_unchecked_keys(value, data[key])
        elif isinstance(value, list) and isinstance(data.get(key), list):
            for item, dumped in zip(value, data[key]):
                if isinstance(item, BaseModel) and isinstance(dumped, dict):
                    _with_unchecked_keys(item, dumped)
    return data


def check_seed_and_replicates(caller: str, *, seed: Any = None, replicates: Any = None, seed_name: str = "seed",
                              workers: Any = None) -> None:
    """``seed``, ``replicates`` and ``workers`` given to a Python entry point are None or
    whole numbers within the bounds the schema gives the same keys and the command line
    its options (limits.check_options); a float, text or a negative seed reached numpy's
    SeedSequence, and ``workers=0`` quietly meant one process per core."""
    import operator

    for field, name, value in (("seed", seed_name, seed), ("replicates", "replicates", replicates),
                               ("workers", "workers", workers)):
        if value is None:
            continue
        try:
            if isinstance(value, bool):
                raise TypeError
            operator.index(value)
        except TypeError:
            # 'must be a whole number ..., not float 2.0' read as refusing a whole number: it is the type refused
            whole = f" (an int: give {int(value)})" if isinstance(value, float) and value.is_integer() else ""
            raise TypeError(f"{caller}(): {name} must be a whole number or None, not {type(value).__name__} "
                            f"{value!r}{whole}") from None
        try:
            limits.check_options(**{field: int(value)})
        except ScenarioError as error:
            raise ScenarioError(error.message, file=f"{caller}()", key=name) from None


def check_switches(caller: str, *, progress: Any = None, **switches: Any) -> None:
    """Each of ``switches`` given to a Python entry point is True, False or None (where
    None means its default), and ``progress`` is None or callable: ``baseline="no"`` ran
    the twins (a non-empty string is true), and ``progress=5`` failed after the first run
    on "'int' object is not callable"."""
    import numpy as np

    for name, value in switches.items():
        if value is not None and not isinstance(value, (bool, np.bool_)):   # numpy's True is one too
            raise TypeError(f"{caller}(): {name} must be True or False, not "
                            f"{type(value).__name__} {value!r}")
    if progress is not None and not callable(progress):
        raise TypeError(f"{caller}(): progress must be a function called with the number of runs finished, or None; "
                        f"not {type(progress).__name__} {progress!r}")


def as_items(value: Any) -> list:
    """A sequence argument (metrics, columns, parameters, objectives, designs) as a list,
    one item given alone taken as one item: a string was read one character at a time
    (metrics="customers_final" was told "unknown metric 'c'"), as load_scenario's
    overrides already take one string."""
    if isinstance(value, (str, bytes, Scenario)) or not isinstance(value, abc.Iterable):
        return [value]
    return list(value)


def check_instance(caller: str, name: str, value: Any, kind: type, make: str, *, optional: bool = True) -> None:
    """``value`` is a ``kind`` (or None, for its default, where ``optional``), else one
    TypeError saying how to ``make`` one: settings={...} reached "'dict' object has no
    attribute 'rungs'"."""
    if not (optional and value is None) and not isinstance(value, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        text = repr(value)   # a table's repr is lines long: its type says enough
        shown = f" {text if len(text) <= 60 else text[:57] + '...'}" if "\n" not in text else ""
        raise TypeError(f"{caller}(): {name} must be {article} {kind.__name__} ({make}), not {type(value).__name__}{shown}")


def check_execution(caller: str, executor: Any, scheduler: Any) -> str:
    """The executor a Python entry point runs on: ``executor`` (local, serial or dask),
    or, when None, dask if a ``scheduler`` address is given and else local, as
    ``--scheduler`` alone means dask on the command line. A mistake, an unreachable
    scheduler among them, is one line in the API's words: it named ``--executor`` and
    ``--scheduler``, flags a script never gave, and refused ``scheduler=`` given
    without ``executor='dask'``."""
    from .executors import check_cluster, check_executor

    try:
        executor = check_executor(executor, scheduler, source="executor")
    except ScenarioError as error:
        if error.key == "--scheduler":
            raise ScenarioError(f"a scheduler address needs the dask executor (executor={executor!r} was given); pass "
                                f"executor='dask', or leave executor out, with scheduler={scheduler!r}",
                                file=f"{caller}()", key="scheduler") from None
        raise ScenarioError(error.message, file=f"{caller}()", key="executor") from None
    if scheduler:   # before any run, in the API's words, its workers' code too (the runs check it again)
        check_cluster(scheduler, caller=caller)
    return executor


def validate_overridden(data: dict, overrides: Iterable[str], source: str,
                        check: Callable[[dict], Scenario]) -> tuple[Scenario, dict]:
    """``data`` with ``overrides`` applied, validated by ``check``, and the mapping it
    validated; an error a --set causes names the --set (blame_override, blame_clash)."""
    overrides = list(overrides)
    # named with the file they are applied to: "--set: '2' is not an index of a list of 2 items" did not say which of
    # a compare's files had two channels
    overridden = _switch_kinds(data, apply_sets(data, overrides, shape=f"{source} with --set"), overrides)
    try:
        return check(overridden), overridden
    except ScenarioError as error:
        blamed = blame_override(error, overrides, source)
        if blamed is error and overrides:   # about a key of the file: does an override make it fail?
            blamed = blame_clash(error, data, overrides, source, check)
        raise blamed from None


def apply_sets(data: dict, overrides: Iterable[str], source: str = "--set", shape: str | None = None) -> dict:
    """apply_overrides, each block with variants the overrides write into where ``data``
    leaves it out taking its default's kind (_default_kinds): what a sweep's point sets,
    as a --set sets it (a sweep of network.mean_degree over a base without a network
    block was refused for a missing kind that run, compare and optimize fill in)."""
    overrides = list(overrides)
    return _default_kinds(data, apply_overrides(data, overrides, source=source, shape=shape), overrides)


def _default_kinds(data: dict, overridden: dict, overrides: list[str]) -> dict:
    """``overridden`` with the default's kind in each block with variants that the file
    leaves out and a --set wrote keys of the default's kind into: the block left out is
    its default, which the --set changes. `--set satisfaction.promoters=0.6` on such a
    file was refused for a missing kind that the refusal itself named (nps_mix). A key
    of another kind than the default's still gets that refusal and its hint."""
    for key in {item.partition("=")[0].strip() for item in overrides}:
        parts = key.split(".")
        for depth in range(1, len(parts)):
            where = parts[:depth]
            block = _raw_at(overridden, where)
            if _raw_at(data, where) is not None or not isinstance(block, dict) or "kind" in block:
                continue
            default = _default_at(where, Scenario)
            if default is not None and set(block) <= set(type(default).model_fields):
                block["kind"] = default.kind
    return overridden


def _switch_kinds(data: dict, overridden: dict, overrides: list[str]) -> dict:
    """``overridden`` with each block whose ``kind`` a --set changed switched as optimize
    and sweep switch it (parameters.apply_values, kind_overrides): a key the new kind
    reads its own way (config.KIND_SPECIFIC) takes the new kind's default unless a --set
    gives it. `--set program.timing.kind=milestone` on an onboarding file kept its
    delay_days 7 as the milestone's day, where optimize and a sweep of the kind put the
    milestone at its own 30."""
    given = {item.partition("=")[0].strip() for item in overrides}
    for key in given:
        parts = key.split(".")
        if len(parts) < 2 or parts[-1] != "kind":
            continue
        old_block, new_block = _raw_at(data, parts[:-1]), _raw_at(overridden, parts[:-1])
        if not isinstance(new_block, dict) or (isinstance(old_block, dict) and old_block.get("kind") == new_block.get("kind")):
            continue
        annotation, node = Scenario, overridden
        for part in parts[:-1]:
            if isinstance(node, list):
                part = int(part)  # a list item by its index (_raw_at found a block there)
            annotation = _field_annotation(annotation, part, node) if annotation is not None else None
            node = node[part]
        model = _resolve(annotation, new_block) if annotation is not None else None
        kind_field = model.model_fields.get("kind") if _is_model(model) else None
        if kind_field is None or new_block.get("kind") not in typing.get_args(kind_field.annotation):
            continue   # an unknown kind: validation names the valid ones
        prefix = ".".join(parts[:-1]) + "."
        for field in list(new_block):
            info = model.model_fields.get(field)
            set_here = any(k == prefix + field or k.startswith(prefix + field + ".") for k in given)
            # a key the new kind lacks (a milestone's reach_share, switching to onboarding) goes, as optimize and a
            # sweep drop it: kept, it refused the switch, and a --set cannot remove it; one a --set gives stays, and
            # is refused by name
            if field != "kind" and not set_here and (info is None or (info.json_schema_extra or {}).get("kind_specific")):
                del new_block[field]
    return overridden


def _raw_at(data: Any, parts: list[str]) -> Any:
    """The value at ``parts`` of a mapping read from YAML (None where there is none)."""
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def blame_override(error: ScenarioError, overrides: Iterable[str], source: str) -> ScenarioError:
    """``error`` about a key an override set (or a block it set a key in) names the
    override, not the file's line of the value it replaced."""
    key = (error.key or "").split(" (line ")[0]
    if not key:
        return error
    for item in reversed(list(overrides)):  # the last override of a key is the one that stands
        given = item.partition("=")[0].strip()
        if key == given or key.startswith(given + ".") or given.startswith(key + "."):
            # a --set has no line to delete: `--set program=null` was told to "delete the line to keep the defaults"
            message = error.message.replace(KEEP_DEFAULTS, ", or drop this --set to keep the file's or the default's")
            return ScenarioError(message, file=f"{source} with --set {item.strip()}", key=key)
    return error


def blame_clash(error: ScenarioError, data: dict, overrides: list[str], source: str,
                check: Callable[[dict], Any]) -> ScenarioError:
    """``error`` about a key of the file that the file alone does not have: an override
    made the file's value invalid (``--set population.size=100`` under 200 initial
    customers). It names the override that alone causes it (all of them when none
    does alone); the file's line of the key stays. ``check`` validates a mapping."""
    def fails_alike(mapping: dict) -> bool:
        try:
            check(mapping)
        except ScenarioError as other:
            return other.key == error.key
        return False

    if fails_alike(data):
        return error   # the file's own mistake
    culprits = [item for item in overrides if fails_alike(apply_overrides(data, [item]))] or overrides
    return ScenarioError(error.message, file=f"{source} with " + ", ".join(f"--set {item.strip()}" for item in culprits),
                         key=error.key)


def read_yaml_text(path: Path, what: str) -> str:
    """The text of a user's YAML file, or one ScenarioError line saying what is wrong
    (missing, a folder or device, too large, not UTF-8: see yaml_reader)."""
    return yaml_reader.read_text(Path(path), what)


def parse_yaml(text: str, source: str, shape: str = yaml_reader.SCENARIO_SHAPE) -> dict:
    """A YAML mapping; ``shape`` says what the file should look like (a scenario, a sweep,
    a settings file) when it is not valid YAML or not a mapping. A key glued to its value
    (``budget:1,000,000``) is named as in a --set, in every kind of file."""
    try:
        data = yaml_reader.load(text, source, shape)
    except ScenarioError as error:
        # budget:1,000,000 stopped YAML on "duplicate key 0", as in a --set: in a block on the line YAML stopped at,
        # and a key a line reads as a plain value, YAML stopping on the next line that says something (or at the
        # end), so the line before it too; no other line (a description 'goal:1,000,000' was blamed further down)
        at = re.match(r"line (\d+)", str(error.key or ""))
        lines = text.splitlines()
        if at and 0 < (stop := int(at.group(1))) <= len(lines) + 1:
            before = next((n for n in range(stop - 1, 0, -1) if lines[n - 1].split("#", 1)[0].strip()), None)
            for number in (n for n in (stop if stop <= len(lines) else None, before) if n):
                if (glued := GLUED_NUMBER.search(lines[number - 1].split("#", 1)[0])) and _stands_as_key(
                        glued.group(1), lines[number - 1]):
                    _glued_error(glued.group(1), lines[number - 1], source, f"line {number}")
        raise
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"the file holds a {type(data).__name__}, not a mapping; {shape}", file=source)
    if glued := _glued_key(data):   # 'budget:1' read "unknown key; did you mean 'budget'"
        lines = text.splitlines()
        number = next((n for n, line in enumerate(lines, 1) if _stands_as_key(glued, line)), None)
        _glued_error(glued, lines[number - 1] if number else glued, source, f"line {number}" if number else None)
    return data


def parse_scenario_yaml(text: str, source: str) -> dict:
    """parse_yaml for a scenario file, which must say something: an empty file (or one of
    comments only) would otherwise run every default, likely not what was meant."""
    data = parse_yaml(text, source)
    if not data:
        raise ScenarioError("the file is empty; a scenario is a mapping of keys such as 'name:', 'days:', 'program:' "
                            "(start from scenarios/default.yaml; `refsim schema` lists every key)", file=source)
    return data


def apply_overrides(data: dict, overrides: Iterable[str], source: str = "--set", shape: str | None = None) -> dict:
    """Apply ``key.path=value`` overrides (value parsed as YAML; list items by index).
    ``source`` names them in their errors; ``shape``, where given, in the errors that
    depend on the data's own shape (a list index past its end, a value where a block
    goes): the file they are applied to."""
    shape = shape or source
    data = json.loads(json.dumps(data, default=str)) if overrides else data
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"'{item}' is not of the form key.path=value (for example program.base_share=0.3)", file=source)
        key, _, raw = item.partition("=")
        key = key.strip()
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:   # pydantic's "unable to parse raw data as a unicode string" named the block
            raise ScenarioError("the key path holds a byte that is not UTF-8; give it as UTF-8 (scenario keys are "
                                "plain letters, digits and _)", file=source,
                                key=printable(key)) from None
        parts = yaml_reader.key_parts(key, item, source)
        if not key or any(not part for part in parts):
            raise ScenarioError(f"'{item}': empty key path; write key.path=value (for example days=90)", file=source)
        try:
            value = yaml_reader.load_value(raw, source)
        except ScenarioError as error:
            # budget:1,000,000 stops YAML on a duplicate key 000 before the glued key below is seen
            if glued := GLUED_NUMBER.search(raw):
                _glued_error(glued.group(1), raw, source, key)
            # a key inside a block given whole is named from the scenario's top, as a file's is: it read 'budget
            # (line 1)' for program.incentive={..., budget: 50,000}
            if error.key and not error.key.startswith("line"):
                error.key = f"{key}.{error.key}"
            elif not error.key:   # which --set: a value's byte that is not UTF-8 named none
                error.key = key
            raise
        if glued := _glued_key(value):
            _glued_error(glued, raw, source, key)
        node: Any = data
        parent: Any = None
        for depth, part in enumerate(parts[:-1]):
            parent, node = node, _child(node, part, create=True, item=item, where=parts, depth=depth, source=shape)
        last = parts[-1]
        if parts == ["population", "initial_customers", "count"] and isinstance(node, (int, float)) \
                and not isinstance(node, bool) and float(node).is_integer():   # 60.0 is the count 60, as validated
            # a plain count is a block of random seeding, drawn alike (behaviour.seeding.pick): its `.count` was refused
            # ('is a value, not a mapping'), so one --set could not scale a plain-count design beside a seeding block
            parent["initial_customers"] = {"count": value}
        elif parts == ["population", "initial_customers", "count"] and isinstance(node, list):
            raise ScenarioError(f"'{item}': population.initial_customers lists {len(node)} person ids, which have no "
                                "count; give population.initial_customers=N for N customers picked at random, or "
                                "the list whole", file=shape, key=key)
        elif isinstance(node, list):
            index = _index(last, node, item, shape)
            node[index] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError(f"'{item}': '{'.'.join(parts[:-1])}' is a value, not a mapping", file=shape, key=key)
    return data


def listed_ids(path: Path) -> bool:
    """Whether a scenario file writes its initial customers as a list of ids (which take
    no `.count`; a plain count takes it, as the random seeding block it is), False where
    it cannot be read."""
    from .yaml_reader import load, read_text

    try:
        data = load(read_text(Path(path), "scenario"), str(path))
    except (ScenarioError, OSError):
        return False
    value = _raw_at(data, ["population", "initial_customers"])
    return isinstance(value, list)


def replaced_blocks(path: Path, name: str, sets: list[str], via: str = "--set", several: bool = False) -> list[str]:
    """A note for each --set giving a plain value where the file at ``path`` has a block
    with more in it than that value: `--set population.initial_customers=20`, as the
    docs advise to scale a scenario down, replaced seeding-hubs' `{count: 100, strategy:
    degree}` with 20 random customers, and compare called the hubs design a tie with
    plain seeding, saying nothing of the strategy it dropped."""
    from pydantic import BaseModel

    from .yaml_reader import flow, load, read_text

    try:
        data = load(read_text(Path(path), "scenario"), str(path))
    except (ScenarioError, OSError):
        return []
    try:   # the file's own blocks, to know their defaults; a file valid only with the --set items still gets its note
        scenario = load_scenario(Path(path), check_network=False)
    except ScenarioError:
        scenario = None
    notes = []
    for at, item in enumerate(sets):
        key, _, raw = str(item).partition("=")
        block = _raw_at(data, key.strip().split("."))
        if isinstance(block, dict) and raw.strip().startswith("{"):
            # the keys a later --set gives back are not lost ("monthly_rate: 0.015 goes back to the default" beside
            # --set churn.monthly_rate=0.015)
            later = [str(other).partition("=")[0].strip() for other in sets[at + 1:]]
            notes += _whole_block_note(item, key.strip(), raw, block, name, via, later)
            continue
        # a list (person ids given one by one, which no strategy picks) says what it means
        if not isinstance(block, dict) or raw.strip().startswith("["):
            continue
        model = scenario
        for part in key.strip().split("."):
            model = getattr(model, part, None)
        defaults = ({k: f.default for k, f in type(model).model_fields.items()} if isinstance(model, BaseModel)
                    else {})
        # a key at its default is not lost ('strategy: random goes back to the default' of the default itself)
        rest = {k: v for k, v in block.items() if k not in ("count", "kind") and defaults.get(k, object()) != v}
        if not rest:
            continue
        notes.append(f"`{item.strip()}` replaces {name}'s `{key.strip()}` block ({flow(block)}) with a plain value: its "
                     f"{', '.join(f'{k}: {flow(v)}' for k, v in rest.items())} go{'es' if len(rest) == 1 else ''} back "
                     f"to the default{'s' if len(rest) > 1 else ''}; give "
                     + (f"`{key.strip()}.count=...` (or the block whole)" if "count" in block else "the block whole")
                     + f" to keep {'it' if len(rest) == 1 else 'them'}" + ("" if via == "--set" else f" ({via})")
                     # beside a file listing ids (``several``: another file of the command lists them), which
                     # refuses .count
                     + (" (a file listing its initial customers' ids takes no `.count`: to scale both, scale a copy "
                        "of each file)"
                        if several and key.strip() == "population.initial_customers" and "count" in block else ""))
    return notes


def _whole_block_note(item: str, key: str, raw: str, block: dict, name: str, via: str,
                      later: list[str] = ()) -> list[str]:
    """The note of a --set giving a block whole (``raw``: `{...}`) of the same kind as the
    file's ``block``, where the file's block has keys the given one leaves out: they go
    back to their defaults. `--set "churn={monthly_rate: 0.4}"` on b2b-organization
    dropped its annual contracts (`renewal`), and nothing said so; a block of another
    `kind` (another network) means its own keys, and is not noted."""
    import yaml

    try:
        given = yaml.safe_load(raw)
    except yaml.YAMLError:
        return []
    if not isinstance(given, dict):
        return []
    dropped = {k: v for k, v in _dropped_keys(block, given).items()
               if not any(f"{key}.{k}" == other or f"{key}.{k}".startswith(other + ".") for other in later)}
    if not dropped:
        return []
    from .yaml_reader import flow

    listed = ", ".join(f"{k}: {flow(v)}" for k, v in dropped.items())
    return [f"`{item.strip()}` gives {name}'s `{key}` block whole: its {listed} go{'es' if len(dropped) == 1 else ''} "
            f"back to the default{'s' if len(dropped) > 1 else ''}; set `{key}.KEY=...` for each key instead to keep "
            f"{'it' if len(dropped) == 1 else 'them'}" + ("" if via == "--set" else f" ({via})")]


def _dropped_keys(block: dict, given: dict, prefix: str = "") -> dict[str, Any]:
    """The keys of the file's ``block`` that ``given`` (the same block given whole) leaves
    out, by their path under it, a nested block's too (`churn={renewal: {every_days:
    180}}` dropped renewal's notice_days, unsaid); none where ``given`` is of another
    `kind`, whose keys are its own."""
    if given.get("kind", block.get("kind")) != block.get("kind"):
        return {}
    dropped: dict[str, Any] = {}
    for key, value in block.items():
        if key == "kind":
            continue
        if key not in given:
            dropped[prefix + str(key)] = value
        elif isinstance(value, dict) and isinstance(given[key], dict):
            dropped.update(_dropped_keys(value, given[key], f"{prefix}{key}."))
    return dropped


def created_by_sets(scenario: Scenario, overrides: Iterable[str]) -> list[tuple[str, str]]:
    """The optional blocks (levers: ``program.influencers``, ``program.delight``...) that
    ``overrides`` bring into ``scenario``, loaded without them, by setting a key inside a
    block its file leaves unset: (the --set item, the block it creates, every other key
    of it at its default). One --set applied to several designs gave a design without
    influencers the whole lever, and nothing said so."""
    created = []
    for item in overrides:
        parts = str(item).partition("=")[0].strip().split(".")
        node: Any = scenario
        # the block given whole (--set 'program.influencers={count: 5}') is brought in too
        for depth, part in enumerate(parts):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, BaseModel) and part in type(node).model_fields:
                node = getattr(node, part)
            else:
                break
            if node is None and (depth < len(parts) - 1 or _is_block(scenario, parts)):
                created.append((str(item), ".".join(parts[: depth + 1])))
                break
            if node is None:
                break
    return created


def _is_block(scenario: Scenario, parts: list[str]) -> bool:
    """Whether the key at ``parts`` holds a block (a lever) rather than a value."""
    owner: Any = scenario
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
    field = type(owner).model_fields.get(parts[-1]) if isinstance(owner, BaseModel) else None
    return field is not None and any(_is_model(m) for m in _alternatives(field.annotation))


#: A key glued to a number in a flow block, the number with thousands separators: budget:1,000,000.
GLUED_NUMBER = re.compile(r"(?<![\w.])([A-Za-z_]\w*:\d{1,3})(?=(?:,\d{3})+(?:\.\d+)?(?![\d.]))")


def _stands_as_key(glued: str, line: str) -> bool:
    """Whether ``glued`` stands where a key does on ``line`` (its start, after '{' or ','),
    before any comment: not inside a description that quotes such text."""
    return re.search(r"(?:^|[{,]|^\s*-)\s*" + re.escape(glued), line.split("#", 1)[0]) is not None


def _glued_error(glued: str, raw: str, source: str, key: str) -> None:
    """Refuse ``glued`` ('kind:single_sided', 'budget:1'), a key and value YAML read as one
    key with no value ({kind:single_sided,referrer_reward:5} said "missing 'kind'")."""
    raise ScenarioError(glued_message(glued, raw), file=source, key=key)


def glued_message(glued: str, raw: str) -> str:
    """What to say of ``glued`` found in ``raw``, naming the whole number where it goes on
    with thousands separators (budget:1,000 read as 'budget:1' and a key 000)."""
    name, _, written = glued.partition(":")
    at = raw.find(glued)
    groups = re.match(re.escape(glued) + r"((?:,\d{3})+(?:\.\d+)?)(?![\d.])", raw[at:]) if at >= 0 else None
    number = f"{written}{groups.group(1).replace(',', '')}" if groups else written
    return (f"'{glued}' reads as one key with no value: in YAML a ':' ends a key only before a space; "
            f"write {name}: {number}" + (" (without thousands separators)" if groups else ""))


def _glued_key(value: Any) -> str | None:
    """The first mapping key in ``value`` that holds a ':' (no scenario key does): YAML
    reads ``{kind:single_sided}`` as the key 'kind:single_sided' with no value."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for name, child in node.items():
                if isinstance(name, str) and ":" in name:
                    return name
                stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def validate(data: dict, *, source: str | None = None, text: str | None = None, base_dir: Path | None = None,
             check_network: bool = True) -> Scenario:
    try:
        scenario = _validate_strictly(data)
    except ValidationError as error:
        raise describe(error, data, source, text) from None
    if check_network:   # load_scenario: not for a file never run at its own size (a sweep's base, the app's presets)
        limits.check_network(scenario, source, key_of=lambda key: _with_line(key, key.split("."), text))
    if scenario.network.kind == "edgelist":
        # '~/graphs/x.txt' is the home folder's, as the builder read it (it was looked for beside the scenario)
        edge_path = Path(scenario.network.path).expanduser()
        if not edge_path.is_absolute() and base_dir is not None:
            edge_path = (base_dir / edge_path).resolve()
        if not edge_path.is_file():
            key = key_at("network.path", ["network", "path"], text)
            # a device or a pipe exists: "not found" of /dev/zero sent a user looking for a missing file
            found = ("is a folder" if edge_path.is_dir() else
                     "is not a regular file (a device, a pipe or a socket)" if edge_path.exists() else "not found")
            raise ScenarioError(f"edge-list file '{scenario.network.path}' {found} (looked for {edge_path}); "
                                f"give a file of 'u v [weight]' lines", file=source, key=key)
        scenario.network.path = str(edge_path)
        _check_edge_list(scenario, edge_path, source, text)
    return scenario


def _validate_strictly(data: dict) -> Scenario:
    return validate_strictly(Scenario, data)


def validate_strictly(model, data: Any):
    """Strict validation: YAML has already typed every value, so text such as "yes" or
    "1_000" where a boolean or a number belongs is a mistake to report, not text for
    pydantic to coerce. Whole floats (100.0, 1e2) still count as whole numbers. Scenario,
    sweep and decision settings files alike."""
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as error:
        if only_whole_floats(error):
            return model.model_validate(data, strict=False)
        raise


def only_whole_floats(error: ValidationError) -> bool:
    """Whether every one of ``error``'s complaints is a whole float (20.0) where an int
    belongs, which strict validation refuses and a whole number is."""
    return all(map(_whole_float, error.errors()))


def _whole_float(e: dict) -> bool:
    """Whether pydantic's error ``e`` is a whole float (20.0) where an int belongs."""
    return e["type"] == "int_type" and isinstance(e.get("input"), float) and e["input"].is_integer()


def _check_edge_list(scenario: Scenario, edge_path: Path, source: str | None, text: str | None,
                     size_given: bool | None = None) -> None:
    """Read the edge list now, so that its mistakes and a seed set larger than the
    graph are reported by ``validate`` and before any run starts, and set the
    population's size to the file's (MODEL.md: with an edge list the size comes from
    the file)."""
    from .network import read_edgelist

    try:
        graph = read_edgelist(edge_path, source=source)  # kept for the runs: the file is read once
    except ScenarioError as error:
        # a line of the edge list named the edge list alone: in a compare or sweep of several scenarios, which one
        # pointed at it was not said
        if source and error.file == str(edge_path) and (error.key or "").startswith("line "):
            # read for the scenario as run: its own network.path, or one a --set or a sweep's values gave it
            # with the edge list's own name and line: a --set's or a sweep's error is later given under the scenario's
            # name, where "line 2" read as the scenario's
            error.message += f" (in the edge list {edge_path}, {error.key}, read as network.path for {source})"
            error.args = (error.message,)
        raise
    n = graph.n
    limits.note_edge_list(edge_path, n, graph.ties, graph.friendless)
    # the population is the file's: the resolved scenario (manifest.json, a sweep's fingerprint) recorded the
    # schema's default size, 10,000, for a graph of 100,000 people; a size given (in the file, by --set or a
    # sweep) and another than the file's was ignored, while a sweep's rows and a run's report were labelled with it
    if size_given is None:
        size_given = "size" in scenario.population.model_fields_set
    if size_given and scenario.population.size != n:
        raise ScenarioError(f"{scenario.population.size} people, but the network in {edge_path.name} has {n}: an edge-list "
                            f"network sets the population's size; leave population.size out (or give {n})", file=source,
                            key=key_at("population.size", ["population", "size"], text))
    share = scenario.network.strong_tie_share
    if graph.weighted and share != type(scenario.network).model_fields["strong_tie_share"].default:
        # the file's weights label the ties: a share given beside them was dropped without a word, and a cascade
        # written with strong_tie_share: 0 (every invitation at p) ran at twice p on a file of weights 1.0
        raise ScenarioError(f"{share:g} is not used: the ties of {edge_path.name} carry weights, which make each tie "
                            f"strong (weight >= 0.5) or weak; remove strong_tie_share, or the file's weights to draw "
                            f"the strong ties with it", file=source,
                            key=key_at("network.strong_tie_share", ["network", "strong_tie_share"], text))
    scenario.population.size = n
    if not size_given:   # the file's, not given: a copy switched to another edge list then takes that file's size
        scenario.population.__pydantic_fields_set__.discard("size")
    seeds = scenario.population.initial_customers

    def key() -> str:  # composes the YAML again to find the line: only for an error
        return key_at("population.initial_customers", ["population", "initial_customers"], text)

    count = scenario.population.seed_count  # a count, or the count of {count, strategy}
    if count is not None and count > n:
        # the default of a file that gives none: "100 initial customers" read as a number the user wrote
        default = "" if "initial_customers" in scenario.population.model_fields_set else \
            " (the default, as population.initial_customers is not given)"
        raise ScenarioError(f"{count} initial customers{default} but the network in {edge_path.name} has only {n} "
                            f"people; valid: 0..{n}", file=source, key=key())
    influencers = scenario.program.influencers
    if isinstance(seeds, list) and seeds and max(seeds) >= n:
        raise ScenarioError(f"id {max(seeds)} is not a person of the network in {edge_path.name}; valid ids are 0..{n - 1}",
                            file=source, key=key())
    if influencers is not None and influencers.count > n - scenario.population.initial_count:
        from .config import influencers_beyond

        raise ScenarioError(influencers_beyond(influencers.count, n, scenario.population, f" of the network in {edge_path.name}"),
                            file=source, key=key_at("program.influencers.count", ["program", "influencers", "count"], text))


def json_schema() -> dict:
    schema = Scenario.model_json_schema()
    schema["title"] = "refsim scenario"
    return schema


# --------------------------------------------------------------------------- error messages


def describe(error: ValidationError, data: dict, source: str | None, text: str | None,
             model: type[BaseModel] = Scenario, what: str = "scenario") -> ScenarioError:
    """The most useful validation error of a user's YAML file as one line: file, key
    path (line), what is wrong, what is valid.

    The one describer for every YAML file a user writes: ``model`` is the pydantic
    model the file was checked against (a scenario, a sweep, a settings file) and
    ``what`` names that kind of file in the messages."""
    first = _most_useful(error.errors())
    path = _data_path(first["loc"], data, keep_last=first["type"] == "missing")
    key = ".".join(str(p) for p in path) or "(top level)"
    kind, message = first["type"], first["msg"]
    if kind == "extra_forbidden":
        valid = _valid_keys(path[:-1], data, model)
        elsewhere = _other_kinds_with(str(path[-1]), path[:-1], data, model)
        hint = difflib.get_close_matches(str(path[-1]), valid, n=1, cutoff=0.6)
        if elsewhere:  # a key of another kind of this block: the kind is the likelier slip than the key
            own = _annotation_at(path[:-1], data, model)[1]["kind"]
            message = (f"'{path[-1]}' is a key of kind {' and '.join(elsewhere)}, not of kind '{own}';"
                       f" change the kind, or remove the key;")
        elif not hint and not any(str(path[-1]) in name for name in valid) and (
                homes := _homes_of(str(path[-1]), path[:-1], data, model)):
            # program.budget: "unknown key 'budget'" named none of the blocks a strategist's budget goes in
            message = f"unknown key '{path[-1]}' here; did you mean {' or '.join(homes)}?"
        elif str(path[-1]) == "<<":
            # YAML 1.2 has no merge keys (yaml_reader): "unknown key '<<'" did not say why an anchor's keys were not read
            message = "unknown key '<<': a YAML merge key, which YAML 1.2 does not have; write the block's keys out;"
        else:
            message = f"unknown key '{path[-1]}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
        message += f" valid keys here: {', '.join(valid)}"
    elif kind == "invalid_key":
        # a number where a key belongs: a thousands separator inside {...} splits the number there
        # ('budget: 50,000}' reads as budget: 50 and a key 000), told "Keys should be strings (got 0)"
        # the block holding the key: a null key's 'None' is no key of the data, and dropping one more step named the
        # top level for 'program: {~: 3}'
        path = _data_path(first["loc"][:-1], data)
        key = ".".join(str(p) for p in path) or "(top level)"
        written = yaml_reader.THOUSANDS.search(text or "")
        # the separator is named only where the file has one to blame
        slip = (f"; a number with a thousands separator inside {{...}} is split there ({written.group(0)} reads as "
                f"{written.group(0).split(',')[0]} and a key {written.group(0).split(',')[1]}: write "
                f"{written.group(0).replace(',', '')})" if written else "")
        stands = "null" if first.get("input") is None else f"the number {short_value(first.get('input'))}"   # '~: 10'
        message = (f"{stands} stands where a key belongs{slip}; valid keys here: "
                   f"{', '.join(_valid_keys(path, data, model))}")
    elif kind == "list_type" and isinstance(first.get("input"), (str, int, float, bool)):
        # 'channels: 5' read pydantic's "Input should be a valid list (got 5)"
        got = "text" if isinstance(first["input"], str) else "a single value"
        message = f"should be a list ([a, b], or one '- item' line each), not {got} ({short_value(first['input'])})"
    elif kind == "list_type" and isinstance(first.get("input"), dict):
        # "Input should be a valid list" of 'set: {days: 30}' gave no hint of the form a list takes
        message = "should be a list ([a, b], or one '- item' line each), not a block of 'key: value' lines"
        if path[-1:] == ["set"]:
            def dotted(block: dict, prefix: str = "") -> list[str]:   # set: {program: {incentive: ...}} as dotted keys
                return [item for k, v in block.items()
                        for item in (dotted(v, f"{prefix}{k}.") if isinstance(v, dict) and v else [f"{prefix}{k}={v}"])]
            items = ", ".join(f"'{item}'" for item in dotted(first["input"]))
            message += f"; each override is KEY=VALUE, as --set takes it: set: [{items}]"
    elif kind == "union_tag_invalid":
        tag = first.get("ctx", {}).get("tag")
        expected = first.get("ctx", {}).get("expected_tags", "")
        options = [t.strip(" '") for t in str(expected).split(",")]
        hint = difflib.get_close_matches(str(tag), options, n=1, cutoff=0.6)
        message = f"unknown kind '{tag}'" + (f"; did you mean '{hint[0]}'?" if hint else ";") + f" valid kinds: {', '.join(options)}"
        path = path + ["kind"] if path[-1:] != ["kind"] else path
        key = ".".join(str(p) for p in path)
    elif kind == "union_tag_not_found":
        message = "missing 'kind'; every block with variants needs one" + _kinds_hint(path, data, model)
    elif kind == "literal_error":
        expected = str(first.get("ctx", {}).get("expected", "")).replace(" or ", ",")
        options = [o.strip(" '") for o in expected.split(",") if o.strip(" '")]
        hint = difflib.get_close_matches(str(first.get("input")), options, n=1, cutoff=0.5)
        message = f"unknown value {short_value(first.get('input'))}" + (f"; did you mean '{hint[0]}'?" if hint else ";") \
            + f" valid: {', '.join(options)}"
    elif kind == "too_short":
        ctx = first.get("ctx", {})
        least = ctx.get("min_length", 1)
        message = f"needs at least {least} item{'s' if least != 1 else ''} (got {ctx.get('actual_length', 0)})"
    elif kind in ("dict_type", "model_type", "model_attributes_type") and isinstance(first.get("input"),
                                                                                     (list, str, int, float, bool)):
        # a block chosen by its kind (network, incentive, timing) given a list read pydantic's "a valid dictionary or
        # object to extract fields from"
        got = {list: "a list", str: "text"}.get(type(first["input"]), "a single value")
        message = f"should be a block of 'key: value' lines, not {got}"
        if isinstance(first["input"], str) and (glued := re.match(r"[A-Za-z_]\w*:[^\s,]+", first["input"].strip())):
            # a block of one key written glued ('monthly_margin:8,000') is its text: the glued key's hint instead
            message = glued_message(glued.group(0), first["input"].strip())
    elif kind in ("list_type", "string_type") and "input" in first and first["input"] is None:
        # 'channels:' or a sweep's 'base:' with nothing after it was "Input should be a valid list (got None)"
        what = "a list ([a, b], or one '- item' line each)" if kind == "list_type" else "text"
        remedy = _empty_remedy(path, data, model, give="its items" if kind == "list_type" else "a value")
        message = f"should be {what}, but nothing is given: {remedy}"
    elif kind in ("dict_type", "model_type", "model_attributes_type") and "input" in first and first["input"] is None:
        # 'program:' with its keys commented out was pydantic's "a valid dictionary or instance of Program"
        hint = _kinds_hint(path, data, model)
        message = ("should be a block of 'key: value' lines, but nothing is under it: " + _empty_remedy(path, data, model)
                   + (hint if hint.startswith(";") else ""))
    elif kind == "missing":
        message = "required key is missing"
        required = [name for name, field in model.model_fields.items() if field.is_required()]
        if len(path) == 1 and required:
            message += f"; a {what} needs " + " and ".join(f"'{name}:'" for name in required)
            if (field := model.model_fields.get(str(path[0]))) is not None and field.description:
                # what the missing key takes: a sweep without 'base:' was not told a path or a mapping would do
                said = re.sub(r"\s*\[[^\]]*\]\s*$", "", field.description).rstrip(".")
                message += f" ({said[0].lower()}{said[1:]})"
        elif len(path) > 1 and (field := _field_at(path, data, model)[1]) is not None and field.description:
            # what to give: an edge-list network without its path read only "required key is missing"
            # its description's first sentence, units left out: "give 'count:', the how many people to pick [people]"
            said = re.sub(r"\s*\[[^\]]*\]\s*$", "", field.description.split(". ")[0]).rstrip(".")
            message += f"; give '{path[-1]}:' ({said[0].lower()}{said[1:]})"
    elif kind == "value_error" and KEYED.match(message.removeprefix("Value error, ")):
        # cross-field checks name their key: "sub.key: what is wrong"
        sub, message = KEYED.match(message.removeprefix("Value error, ")).groups()
        path = path + sub.split(".")
        key = ".".join(str(p) for p in path)
    elif isinstance(first.get("input"), float) and math.isnan(first["input"]):
        # a YAML .nan fails every bound, and was told "should be less than or equal to 1000000000 (got nan)"; then
        # "...not NaN (got nan); input should be less than or equal to 1000000000", as if it were too large: the range
        # a whole-number key's range as --set days=nan is told it ("a whole number from 1 to 36,500")
        field = _field_at(path, data, model)[1] if path else None
        types = [typing.get_args(t)[0] if typing.get_origin(t) is typing.Annotated else t   # a count among a union
                 for t in ((typing.get_args(field.annotation) or (field.annotation,)) if field is not None else ())]
        kind = "int_type" if int in types and float not in types else "float_type"
        message = "should be a number, not NaN (got nan)" + (_type_hint(kind, path, data, model) or "; valid: a number")
    else:
        message = message.removeprefix("Value error, ")
        if "input" in first and kind not in ("model_type", "dict_type") and not isinstance(first["input"], (dict, list)):
            message = f"{message} (got {short_value(first['input'])})"
            message += _percent_hint(kind, first.get("ctx", {}), first["input"],
                                     _field_at(path, data, model)[1] if path else None)
            message += _type_hint(kind, path, data, model)
            message += _percent_sign_hint(first["input"], _field_at(path, data, model)[1] if path else None)
        elif kind in _WRONG_TYPE and isinstance(first.get("input"), (dict, list)):
            # 'days: [30]' was "Input should be a valid integer" alone, where 'days: abc' is told what is valid
            got = "a list" if isinstance(first["input"], list) else "a block of 'key: value' lines"
            message = f"{message} (got {got})" + _type_hint(kind, path, data, model)
    return ScenarioError(message, file=source, key=key_at(key, path, text))


#: pydantic's error types for a value out of a bound
_OUT_OF_BOUNDS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
#: pydantic's error types for a value of the wrong type, and what the key takes instead
_WRONG_TYPE = {"int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
               "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
               "bool_type": "true or false"}


def _type_hint(kind: str, path: list, data: dict, model: type[BaseModel]) -> str:
    """'; valid: a whole number from 1 to 36,500' for a value of the wrong type (`--set
    days=abc` was told "should be a valid integer" without the bounds that a value out
    of them is told)."""
    if (kind not in _WRONG_TYPE and kind not in _OUT_OF_BOUNDS) or not path:
        return ""
    owner, field = _field_at(path, data, model)
    said = (field.json_schema_extra or {}).get("valid") if field is not None and isinstance(field.json_schema_extra, dict) else None
    if kind in _OUT_OF_BOUNDS:   # 'samples: 1' was told '>= 2' alone, where 3 is refused too
        return f"; valid: {said}" if said else ""
    takes = _WRONG_TYPE[kind]

    def shown(bound: float) -> str:
        return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"

    if takes == "true or false":
        return f"; valid: {takes}"
    if said:  # a rule the bounds do not say (Saltelli's samples: a power of two)
        return f"; valid: {said}" + _null_hint(field, owner)
    # the tightest of each side (a Probability's ge=0 beside the field's own gt=0: 'from 0' offered a refused 0)
    lows, highs = [], []
    for bound in (_bounds_of(field) if field is not None else ()):
        lows += [(getattr(bound, name), strict) for name, strict in (("ge", False), ("gt", True))
                 if getattr(bound, name, None) is not None]
        highs += [(getattr(bound, name), strict) for name, strict in (("le", False), ("lt", True))
                  if getattr(bound, name, None) is not None]
    low_at, low_strict = max(lows, default=(None, False))
    high_at, high_strict = min(highs, key=lambda b: (b[0], not b[1]), default=(None, False))
    low = "" if low_at is None else f" {'above' if low_strict else 'from'} {shown(low_at)}"
    if high_at is None:
        high = ""
    elif low and not low_strict and not high_strict:
        high = f" to {shown(high_at)}"
    else:
        high = f"{',' if low else ''} {'below' if high_strict else 'at most'} {shown(high_at)}"
    return f"; valid: {takes}{low}{high}" + _null_hint(field, owner)


def _null_hint(field, owner=None) -> str:
    """', or null ...' for an optional key: what null means, from its description (a budget:
    none; a cost share: 'unset uses program.cost_shares of the reward type'), else from its
    model's ``null_means`` (a settings file's key: the command's default), as 'none'
    was told the bounds alone, and 'null for none' misread a default as nothing."""
    if field is None or type(None) not in typing.get_args(field.annotation):
        return ""
    description = field.description or ""
    unset = re.search(r"\bunset(?: uses| means|:)? [^;\[]*?(?=\s*(?:[;\[]|\. Source|$))", description) or \
        re.search(r"\(default: [^)]*\)|\b[\w ]+ when omitted", description)
    if unset is None:
        means = getattr(owner, "null_means", None)
        return f", or null ({means})" if isinstance(means, str) else ", or null for none"
    said = unset.group(0).strip("() ")
    return f", or null ({said})"


def _bounds_of(field) -> list:
    """The bound objects (annotated_types Ge, Le, ...) of a field, its own and those of an
    Annotated type inside it (an optional budget's ``Optional[Money]``)."""
    found, stack = list(field.metadata), [field.annotation]
    while stack:
        annotation = stack.pop()
        for item in getattr(annotation, "__metadata__", ()):
            found.extend(getattr(item, "metadata", [item]))
        stack.extend(typing.get_args(annotation))
    return found


def _percent_hint(kind: str, ctx: dict, value, field=None) -> str:
    """'; a share or rate is a fraction: 8% is 0.08' when a number above 1 was given where
    at most 1 (or a smaller share) is valid and the number as a percentage is, the likeliest
    mistake (churn 8 for 8%). From 1.5 up only: 1.01 or
    1.0001 is a share just past 1, not 1% ("1.0001% is 0.010001" misled). Not for a
    ``field`` without a unit ('[-]': a multiplier such as reminders' fatigue, whose 2 for
    "twice as strong" was steered to 0.02, all but switching reminders off)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    bound = ctx.get("le") if kind == "less_than_equal" else ctx.get("lt") if kind == "less_than" else None
    unit = _field_unit(field)
    # a multiplier (unit '-') is told it from 10 up only: 2 is "twice as strong", 90 a reminder's fatigue of 90%
    least = 10 if unit == "-" else 1.5
    # a fraction capped above 1 too: referred_margin_premium's 25 for 25% (at most 10) had no hint
    fraction = unit == "fraction"
    # a share capped below 1 too: fraud.share's 3 for 3% (at most 0.3) had no hint
    if isinstance(bound, (int, float)) and (0 < bound <= 1 or fraction) and least <= number <= 100 \
            and number / 100 <= bound:
        return f"; a share or rate is a fraction: {number:g}% is {number / 100:g}"
    return ""


def _percent_sign_hint(value, field=None) -> str:
    """'; write 8% as 0.08' for a number written with a percent sign where a share or a rate
    is valid (`--set churn.monthly_rate=8%` was told only "a valid number ... from 0 to 1");
    not for a count of days or money."""
    if _field_unit(field) not in ("fraction", "probability", "1/day", "1/year", "-"):
        return ""
    text = str(value).strip() if isinstance(value, str) else ""
    number = percent_value(text)
    return f"; write {text} as {number / 100:g}" if number is not None else ""


def _field_unit(field) -> str:
    """The unit a schema field's description gives ('[fraction]', '[-]'), as docs/model.md's
    parameter table reads it (paramdoc.DESCRIPTION); '' without one."""
    from .paramdoc import DESCRIPTION

    match = DESCRIPTION.match(((field.description or "") if field is not None else "").strip())
    return (match["unit"] or "") if match else ""


#: A number written with a percent sign: 8%, 0.5%, -3%.
PERCENT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)%")


def percent_value(text: str) -> float | None:
    """The number of ``text`` written as a percentage ('8%' gives 8.0); None for anything else."""
    return float(text.strip()[:-1]) if PERCENT.fullmatch(text.strip()) else None


#: Which error to report when a file has several: a wrong key or kind first (the
#: others often follow from it), then a wrong value, then a missing key.
_RANK = {"extra_forbidden": 0, "invalid_key": 0, "union_tag_invalid": 0, "union_tag_not_found": 0, "literal_error": 1, "value_error": 2,
         "missing": 3}


def _most_useful(errors: list[dict]) -> dict:
    """Prefer errors that point inside the data over union-member noise, and any over a
    whole float where an int belongs (20.0 is the whole number 20: strict validation
    flags it, and "days ... (got 20.0)" was named beside the k_window_days of 10.5 at fault)."""
    if not all(map(_whole_float, errors)):
        errors = [e for e in errors if not _whole_float(e)]
    # a union with a list member (population.initial_customers: a count, ids or a block): a list whose item
    # is wrong was told "should be a block of 'key: value' lines, not a list"; name the item instead
    inside = [e for e in errors if any(isinstance(part, int) for part in e["loc"])]
    if inside and any(e["type"] in ("model_type", "dict_type") and isinstance(e.get("input"), list) for e in errors):
        errors = inside
    known = [e for e in errors if e["type"] in _RANK]
    if known:
        return min(known, key=lambda e: _RANK[e["type"]])
    ranked = sorted(errors, key=lambda e: (e["type"] in ("int_type", "list_type") and len(errors) > 1, -len(e["loc"])))
    return ranked[0]


def _data_path(loc: tuple, data: Any, keep_last: bool = False) -> list:
    """Keep the parts of pydantic's loc that are real keys/indices of the data (drop
    union tags); with ``keep_last``, also the last part (the key that is missing)."""
    path, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1 and isinstance(node, dict) and isinstance(part, str) \
                and part not in _union_tags(node):
            path.append(part)
    return path


def _union_tags(node: dict) -> set:
    return {node.get("kind")} if "kind" in node else set()


def _annotation_at(parent_path: list, data: dict, model: type[BaseModel]) -> tuple[Any, Any]:
    """The annotation of the block at ``parent_path`` and the block itself (None, None
    when the path leaves the schema)."""
    annotation: Any = model
    node: Any = data
    for part in parent_path:
        parent, node = node, (node[part] if isinstance(node, (dict, list)) else None)
        annotation = _field_annotation(annotation, part, parent)
        if annotation is None:
            return None, None
    return annotation, node


def _field_at(path: list, data: dict, model: type[BaseModel]):
    """(the model holding the key at ``path``, its pydantic field), either None where the
    path leads to no model's field (a list item, a mapping's key)."""
    annotation, node = _annotation_at(path[:-1], data, model)
    owner = _resolve(annotation, node) if annotation is not None else None
    field = owner.model_fields.get(path[-1]) if _is_model(owner) and isinstance(path[-1], str) else None
    return owner, field


#: The way out _empty_remedy offers for an empty block of a file; blame_override rewords it for a --set.
KEEP_DEFAULTS = ", or delete the line to keep the defaults"


def _empty_remedy(path: list, data: dict, model: type[BaseModel], give: str = "its keys") -> str:
    """What to do with a block that has nothing under it: give its keys, or delete it where
    that keeps a default (a list's item is deleted with its '- ' line; a required block
    has no default to keep, and 'delete the line' then met 'required key is missing')."""
    if path and isinstance(path[-1], int):
        return "give the item's keys, or delete its '- ' line"
    field = _field_at(path, data, model)[1] if path else None
    if field is not None and field.is_required():
        return f"give {give}"
    return f"give {give}{KEEP_DEFAULTS}"


def _kinds_hint(path: list, data: dict, model: type[BaseModel]) -> str:
    """'; valid kinds: ...' for a block with variants written without a kind, and, where
    the block has a default and every key given is one of the default kind's, the
    default's kind to add: `--set satisfaction.promoters=0.5` on a file that leaves
    satisfaction out wrote a block of one key, refused for its missing kind although the
    default it meant to change has one (nps_mix)."""
    annotation, node = _annotation_at(path, data, model)
    kinds = [k for m in _alternatives(annotation) if _is_model(m) and "kind" in m.model_fields
             for k in typing.get_args(m.model_fields["kind"].annotation)] if annotation is not None else []
    if not kinds:
        return " (see `refsim schema`)"
    hint = f"; valid kinds: {', '.join(kinds)}"
    default = _default_at(path, model)
    fits = default is not None and isinstance(node, dict) and set(node) <= set(type(default).model_fields)
    where = ".".join(map(str, path))
    if fits:
        hint += (f"; left out, this block is kind {default.kind}: add `kind: {default.kind}` to it "
                 f"(or --set {where}.kind={default.kind})")
    elif isinstance(node, dict) and node:
        # `--set satisfaction.alpha=2` listed every kind but not the one that has alpha
        having = [typing.get_args(m.model_fields["kind"].annotation)[0] for m in _alternatives(annotation)
                  if _is_model(m) and "kind" in m.model_fields and set(node) <= set(m.model_fields)]
        keys = ", ".join(map(str, node))
        if len(having) == 1:
            hint += (f"; {keys} {'is a key' if len(node) == 1 else 'are keys'} of kind {having[0]}: add "
                     f"`kind: {having[0]}` (or --set {where}.kind={having[0]})")
        elif having:
            hint += f"; {keys} {'is a key' if len(node) == 1 else 'are keys'} of kinds {', '.join(having)}"
        else:
            hint += f"; no kind has {'a key' if len(node) == 1 else 'all of the keys'} {keys} (see `refsim schema`)"
    return hint


def _default_at(path: list, model: type[BaseModel]) -> Any:
    """The default of the block at ``path`` (through nested defaults), or None."""
    node: Any = None
    current: Any = model
    for part in path:
        fields = getattr(current if isinstance(current, type) else type(current), "model_fields", None)
        if not fields or part not in fields:
            return None
        field = fields[part]
        if node is None and isinstance(current, type):
            value = field.get_default(call_default_factory=True)
        else:
            value = getattr(current, part, None)
        if value is None:
            return None
        current = node = value
    return node if _is_model(type(node)) and "kind" in type(node).model_fields else None


def _other_kinds_with(key: str, parent_path: list, data: dict, model: type[BaseModel]) -> list[str]:
    """The kinds of the block at ``parent_path`` that have ``key``, when the block's own
    kind does not (a referee_reward under a single_sided incentive: double_sided has it)."""
    annotation, node = _annotation_at(parent_path, data, model)
    if annotation is None or not isinstance(node, dict) or "kind" not in node:
        return []
    kinds = []
    for m in _alternatives(annotation):
        field = m.model_fields.get("kind") if _is_model(m) else None
        if field is not None and key in m.model_fields and node["kind"] not in typing.get_args(field.annotation):
            kinds.extend(typing.get_args(field.annotation))
    return kinds


def _homes_of(key: str, parent_path: list, data: dict, model: type[BaseModel]) -> list[str]:
    """Where ``key``, unknown in the block at ``parent_path``, is a key: in a block under
    it (_blocks_below_with; none where more than two have it), else anywhere in the schema
    where exactly one block has it (population.mean_degree is network.mean_degree; a
    common word such as share or rate gets none), as full dotted paths."""
    homes = [[*parent_path, *below, key] for below in _blocks_below_with(key, parent_path, data, model)]
    top = _annotation_at([], data, model)[0]
    if homes and parent_path and _is_model(top) and key in top.model_fields:
        # program.days: the horizon, a top-level key, first; program.timing.days (a campaign's) alone was offered,
        # and refused next on an onboarding design
        homes = [[key], *homes]
    if not homes and parent_path:
        # elsewhere in the schema, only where the name is no common word: churn.share was offered fraud.share, and
        # program.timing.rate negative_word_of_mouth.rate (a walk followed them to a valid run of another quantity)
        homes = [[*below, key] for below in _blocks_below_with(key, [], data, model, every_level=True)]
        homes += [[key]] if _is_model(top) and key in top.model_fields else []
        return [".".join(str(p) for p in homes[0])] if len(homes) == 1 else []
    return [".".join(str(p) for p in home) for home in homes] if len(homes) <= 2 else []


def _blocks_below_with(key: str, parent_path: list, data: dict, model: type[BaseModel], *,
                       every_level: bool = False) -> list[list[str]]:
    """The blocks under the one at ``parent_path``, one level down or else two (any of
    their kinds; ``every_level``: both), that have ``key``, as paths relative to it:
    ``budget`` under ``program`` is a key of ``program.incentive``, and at the top level
    of ``program.incentive``. Lists of blocks (channels) are left out."""
    annotation, node = _annotation_at(parent_path, data, model)
    level = [([], _resolve(annotation, node) if annotation is not None else None)]
    found: list = []
    for _ in range(2):
        level = [([*where, name], m) for where, owner in level if _is_model(owner)
                 for name, field in owner.model_fields.items() for m in _alternatives(field.annotation) if _is_model(m)]
        found += [where for where, m in level if key in m.model_fields]
        if found and not every_level:
            break
    return [list(w) for w in dict.fromkeys(tuple(w) for w in found)]


def _valid_keys(parent_path: list, data: dict, model: type[BaseModel] = Scenario) -> list[str]:
    """Field names of the model at ``parent_path`` (following ``kind`` in unions)."""
    annotation, node = _annotation_at(parent_path, data, model)
    if annotation is None:
        return []
    found = _resolve(annotation, node)
    if _is_model(found):
        return sorted(found.model_fields)
    # a block none of whose keys fits any variant (a sweep parameter written {valuse: [...]}):
    # every variant's keys, so that the typo still finds its match
    return sorted({name for m in _alternatives(annotation) if _is_model(m) for name in m.model_fields})


def _alternatives(annotation: Any) -> list:
    """The types an annotation allows, with Annotated and unions unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _alternatives(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [alt for arg in typing.get_args(annotation) for alt in _alternatives(arg)]
    return [annotation]


def _field_annotation(annotation: Any, part: Any, parent: Any) -> Any:
    """The annotation of ``parent[part]``, given the annotation of ``parent``."""
    for candidate in _alternatives(annotation):
        origin, args = typing.get_origin(candidate), typing.get_args(candidate)
        if isinstance(part, int) and origin in (list, tuple) and args:
            return args[0]
        if isinstance(parent, dict) and origin is dict and len(args) == 2:
            return args[1]
    owner = _resolve(annotation, parent)
    if _is_model(owner) and part in owner.model_fields:
        return owner.model_fields[part].annotation
    return None


def _resolve(annotation: Any, node: Any) -> Any:
    """From a field annotation to the model class that applies to ``node``: the one
    its ``kind`` names, else the one whose fields it uses most."""
    models = [m for m in _alternatives(annotation) if _is_model(m)]
    if not models:
        return None
    if isinstance(node, dict) and "kind" in node:
        for m in models:
            field = m.model_fields.get("kind")
            if field is not None and node["kind"] in typing.get_args(field.annotation):
                return m
    if len(models) == 1:
        return models[0]
    if isinstance(node, dict):
        best = max(models, key=lambda m: len(set(node) & set(m.model_fields)))
        return best if set(node) & set(best.model_fields) else None
    return None


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def block_text(text: str, key: str) -> str | None:
    """The YAML ``text`` with only the block mapping under the top-level ``key`` left, moved
    to the top level and on its own lines (every other line blank): a sweep file's inline
    ``base:`` scenario, whose mistakes then name the sweep file's lines. None when the
    key holds no block mapping (a path, or a {flow: mapping})."""
    try:
        root = yaml.compose(text, Loader=yaml_reader.StrictLoader)
    except yaml.YAMLError:
        return None
    node = next((v for k, v in getattr(root, "value", []) if getattr(k, "value", None) == key), None)
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        return None
    lines = text.splitlines()
    indent = node.start_mark.column
    kept = [""] * len(lines)
    for number in range(node.start_mark.line, min(node.end_mark.line + 1, len(lines))):
        line = lines[number]
        kept[number] = line[indent:] if line[:indent].strip() == "" else ""
    return "\n".join(kept) + "\n"


def key_at(key: str, path: list, text: str | None) -> str:
    """``key`` followed by the line it is on in the YAML ``text``, e.g. 'method (line 4)'."""
    line = _line_of(path, text) if text else None
    return f"{key} (line {line})" if line else key


_with_line = key_at  # the former private name, kept for callers on other branches


def top_key(file: str | Path | None, key: str) -> str:
    """A top-level key of a YAML file (a sweep or settings file) with its line, as the
    file's other mistakes are named: 'parts (line 5)'; the key alone without a file or
    where it cannot be read."""
    if file is None:
        return key
    try:
        return key_at(key, [key], Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return key


def _line_of(path: list, text: str) -> int | None:
    """Line number of the deepest node of ``path`` found in the YAML text."""
    try:
        node = yaml.compose(text, Loader=yaml_reader.StrictLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def short_value(value: Any) -> str:
    """A value as an error quotes it: as YAML writes null, true and false (Python's None and
    True read as nothing the file holds), else its repr, cut at 40 characters."""
    text = "null" if value is None else ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _child(node: Any, part: str, *, create: bool, item: str, where: list[str], depth: int, source: str = "--set") -> Any:
    """``source``: where the --set came from, as its errors name it (the file it is applied to: which of
    compare's designs lacked a channel 2 went unsaid)."""
    if isinstance(node, list):
        return node[_index(part, node, item, source)]
    if not isinstance(node, dict):
        # the dotted prefix is joined only here, on the error path: joining it at every level is quadratic
        # the value is the one reached so far (program.base_share of program.base_share.x.y), not the key past it
        raise ScenarioError(f"'{item}': '{'.'.join(where[:depth])}' is a value, not a mapping", file=source)
    if part not in node or node[part] is None:
        following = where[depth + 1] if depth + 1 < len(where) else ""
        # an item of a list the file does not write: "Input should be a valid list"; a key no block has
        # (program.chanels.0) goes on to validation, which says so with "did you mean"
        if following.isdigit() and part in _list_keys():
            prefix = ".".join(where[: depth + 1])
            raise ScenarioError(f"'{item}': the file writes no {prefix}, so it has no item {following}; write the "
                                f"list {prefix} in the scenario file, or give it whole (--set '{prefix}=[...]')",
                                file=source)
        node[part] = {}
    return node[part]


def _list_keys() -> frozenset[str]:
    """The names of the scenario schema's keys that hold a list (channels, tiers, ...)."""
    if not _LIST_KEYS:
        from pydantic import BaseModel

        from . import config, config_levers

        models = [value for module in (config, config_levers) for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, BaseModel)]
        _LIST_KEYS.append(frozenset(name for model in models for name, field in model.model_fields.items()
                                    if "list[" in str(field.annotation).lower() or "tuple[" in str(field.annotation).lower()))
    return _LIST_KEYS[0]


_LIST_KEYS: list[frozenset[str]] = []


def _index(part: str, node: list, item: str, source: str = "--set") -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError(f"'{item}': '{part}' is not an index of a list of {len(node)} items (valid: 0..{len(node) - 1})",
                            file=source)
    return int(part)
