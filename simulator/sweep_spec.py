"""Sweep files: the schema, the loader and its checks, and what each parameter's
values are.

A sweep file names a base scenario, the parameters to vary (scenario key paths,
exactly as ``--set`` takes them) and how to pick points: every combination of
the listed levels (``grid``), independent uniform draws (``random``) or a Latin
hypercube (``latin_hypercube``: each of the n equal strata of every parameter's
range holds exactly one point). Where the points fall is decided in
sweep_points.py, how they run in sweep.py.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import itertools
import json
import math
import os
import re
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, ClassVar, Iterable, Literal, Union

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from .config import Scenario
from .errors import ScenarioError
from .outpath import printable
from .executors import check_executor
from .metrics import SUMMARY_METRICS
from .kernel import engine_part
from .results import input_digests, scenario_files
from .compare import NEUTRAL, NOT_A_VERDICT, NOT_A_VERDICT_WHY, SHIFTED, SHIFTED_WHY, UNRANKED
from .runner import INCREMENTAL_METRICS
from .scenario_io import (apply_sets, block_text, check_overrides, check_path, check_seed_and_replicates, describe,
                          key_at, parse_scenario_yaml, short_value, parse_yaml, read_yaml_text, refuse_other_kinds, validate, validate_overridden,
                          validate_strictly)

METHODS = ("grid", "random", "latin_hypercube")
KNOWN_METRICS: dict[str, str] = {**SUMMARY_METRICS, **INCREMENTAL_METRICS}
DEFAULT_METRICS = ("incremental_value", "customers_final", "referred_share", "k_factor", "attributed_roi", "cost_per_referred_customer",
                   "cumulative_profit")
#: What the best points rank by when the sweep file does not say (and records it).
DEFAULT_OBJECTIVE = "incremental_value"
#: Keys the sweep itself sets for every run; sweeping them would be silently ignored.
RESERVED_KEYS = ("seed", "replicates")

#: Scenario keys that only label a scenario and change no run: an assumption or a searched key of them varies nothing
#: (a sensitivity study of `--uncertain name=a,b` ran in full and found that the decision does not move with `name`).
#: A sweep may still vary one, as copies of its points.
LABEL_KEYS = ("name", "description")

#: Top-level keys of a scenario file that no sweep file has: a scenario given to `refsim sweep`.
SCENARIO_ONLY_KEYS = frozenset({"days", "population", "network", "program", "acquisition", "churn", "economics",
                                "satisfaction", "fraud", "word_of_mouth"})

#: Values of a list parameter checked against the base scenario before anything runs.
CHECKED_VALUES = 200
#: Most points one sweep may have (the points, not their results, are held in memory).
MAX_POINTS = 10_000_000

# --------------------------------------------------------------------------- the sweep file


class _Strict(BaseModel):
    """Unknown keys are errors, as in scenario files."""

    model_config = ConfigDict(extra="forbid")


class ValueList(_Strict):
    values: list[Any] = Field(..., min_length=1, max_length=100_000, description="Values to try, in order (any YAML value the key accepts).")


class ValueRange(_Strict):
    null_means: ClassVar[str] = "in a random sweep only: a grid needs levels"   # what an error's 'or null' says
    low: float = Field(..., description="Smallest value.")
    high: float = Field(..., description="Largest value.")
    log: bool = Field(False, description="Spread points evenly in log(value) (needs low > 0).")
    integer: bool = Field(False, description="Whole numbers only (low and high included).")
    # 2 at least: 'valid: a whole number from 1 to 100,000, or null for none' offered two values a grid refuses
    levels: int | None = Field(None, ge=2, le=100_000, description="Grid only: evenly spaced levels from low to high.")

    @field_validator("levels", mode="before")
    @classmethod
    def _more_than_one(cls, levels, info):
        # said before the bound's own 'greater than or equal to 2', with what a single value takes
        if levels == 1 and not isinstance(levels, bool) and isinstance(info.data.get("low"), float):
            low = info.data["low"]
            raise ValueError(f"a single level runs only low ({low:g}); give 2 levels or more, or values: [{low:g}] "
                             f"for a single value")
        return levels

    @model_validator(mode="after")
    def _ordered(self):
        low, high = yaml_value(self.low), yaml_value(self.high)   # as written: ':g' read 0.10000001 as 0.1
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            # .inf reached numpy's linspace, whose RuntimeWarnings came before the one-line refusal
            raise ValueError(f"low and high must be finite numbers (got {low}, {high})")
        if self.low > self.high:
            # 'give low <= high' offered low = high, which is refused below as a range of one value
            # the two ends swapped is the likely slip: offered (one of the ends as a single value read as a choice)
            raise ValueError(f"low ({low}) is above high ({high}); swap them (low: {high}, high: {low})")
        if self.log and self.low <= 0:
            raise ValueError(f"log: true needs low > 0 (got low = {self.low:g})")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"integer: true needs whole numbers for low and high (got {self.low:g}, {self.high:g})")
        # a range of one value ran one point under a table saying "3 levels", or sampled the same point again and
        # again and ranked the copies; whole numbers from 1 to 3 in 6 levels ran 3 points under "6 levels"
        if self.low == self.high:
            raise ValueError(f"low and high are both {low}: a range of one value; give values: [{low}] for a "
                             f"single value, or a high above low")
        if self.integer and self.levels is not None and self.levels > self.high - self.low + 1:
            raise ValueError(f"{self.levels} levels, but there are only {int(self.high - self.low + 1)} whole numbers from "
                             f"{self.low:g} to {self.high:g}; give levels: {int(self.high - self.low + 1)} or fewer, or "
                             f"values: [...]")
        return self


def _parameter_kind(value: Any) -> str:
    """Which form a parameter takes: a list of values, or a range (raw or validated)."""
    if isinstance(value, ValueList) or (isinstance(value, dict) and "values" in value):
        return "value_list"
    return "value_range"


Parameter = Annotated[
    Union[Annotated[ValueList, Tag("value_list")], Annotated[ValueRange, Tag("value_range")]],
    Discriminator(_parameter_kind),
]


class SweepSpec(_Strict):
    name: str | None = Field(None, min_length=1, max_length=120, description="Label in outputs (default: the file name).")
    description: str = Field("", max_length=10_000)
    base: Union[str, dict[str, Any]] = Field(..., description="Base scenario: a YAML path relative to the sweep file (~ is the home folder), or an inline scenario mapping.")
    method: Literal["grid", "random", "latin_hypercube"] = Field("grid", description="How points are chosen.")
    parameters: dict[str, Parameter] = Field(..., min_length=1, max_length=50, description="Scenario key paths to vary (as --set takes them).")
    samples: int | None = Field(None, ge=1, le=MAX_POINTS, description="Points drawn (random, latin_hypercube).")
    replicates: int | None = Field(None, ge=1, le=1_000_000, description="Runs per point (default: the base scenario's).")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Sweep seed (default: the base scenario's; else drawn and stored in the folder).")
    metrics: list[str] | None = Field(None, min_length=1, max_length=100, description="Metrics recorded per run.")
    objective: str | None = Field(None, description="Metric the best point is chosen by (default: incremental_value when recorded, else the first metric a point can be best by: not a spend such as reward_cost, nor attributed_roi).")
    common_random_numbers: bool = Field(False, description="Every point uses the same replicate seeds (paired points).")
    assumptions: list[str] = Field([], max_length=50, description="Parameters that are assumptions about the world (a fraud share, a churn rate), not choices: the best point is chosen at each combination of their values instead of ranking them (each needs a values list or a grid). When every parameter is one, no point is ranked: the report says how much each moves the metrics.")
    executor: Literal["local", "serial", "dask"] | None = Field(None, description="Default executor (the command line wins).")
    workers: int | None = Field(None, ge=1, le=100_000, description="Default number of workers (the command line wins).")
    scheduler: str | None = Field(None, description="Default Dask scheduler address tcp://HOST:PORT (the command line wins).")


#: Fields of the sweep that change no row: where runs execute, and how they are read.
EXECUTION_KEYS = {"executor", "workers", "scheduler"}
READING_KEYS = {"base", "name", "description", "objective", "assumptions"}   # how a sweep is read, not what its runs compute


@dataclass
class Sweep:
    """A validated sweep with its base scenario."""

    spec: SweepSpec
    source: str                 # the sweep file
    name: str
    base: Scenario              # the base scenario, validated
    base_data: dict             # the base scenario as written: parameters override this
    base_source: str
    base_dir: Path | None
    replicates: int
    metrics: tuple[str, ...]
    overrides: tuple[str, ...] = ()    # --set items applied to the base scenario
    _inputs: dict[str, str] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        # the dataclass repr printed the spec, the base scenario whole and the base as written
        return (f"Sweep({self.name!r}, source={self.source!r}, base={self.base.name!r}, method={self.spec.method!r}, "
                f"parameters={self.parameters}, replicates={self.replicates}, metrics={list(self.metrics)}, "
                f"seed={self.seed}, overrides={list(self.overrides)})")

    @property
    def seed(self) -> int | None:
        return self.spec.seed if self.spec.seed is not None else self.base.seed

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)

    @property
    def baseline(self) -> bool:
        """Incremental metrics need the no-program twin of every run."""
        return any(m in INCREMENTAL_METRICS for m in self.metrics)

    @property
    def stored_metrics(self) -> tuple[str, ...]:
        """What each run stores in the part files: every summary metric the runner computes,
        and every incremental one where the runs have their no-program twin. The sweep's
        ``metrics`` say what is reported, so adding one the runs computed reruns nothing."""
        return tuple(SUMMARY_METRICS) + (tuple(INCREMENTAL_METRICS) if self.baseline else ())

    @property
    def objective(self) -> str:
        """The metric the best point is chosen by."""
        if self.spec.objective:
            return self.spec.objective
        if DEFAULT_OBJECTIVE in self.metrics:
            return DEFAULT_OBJECTIVE
        # the first metric a point can be best by: metrics [fraud_cost, customers_final] ranked by fraud_cost, which
        # the file could not name as its objective, and the report opened "No point has a finite fraud_cost"
        return next((m for m in self.metrics if m not in UNRANKED), self.metrics[0])

    def fingerprint(self) -> str:
        """SHA-256 of everything that decides the rows: the resolved sweep, the base
        scenario (as written, --set included, and as resolved) and the bytes of
        every file a run reads (:meth:`inputs`); not where runs execute nor how
        they are read."""
        return _sha256(self._payload(self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | READING_KEYS),
                                     self.inputs()))

    def fingerprint_parts(self) -> dict:
        """What the fingerprint covers, part by part, so that a refusal to resume can
        say which part differs: replicates as the number, the rest as digests."""
        payload = self._payload(self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | READING_KEYS), self.inputs())
        # the sweep file key by key: 'its sweep file differ' named no key when samples grew from 6 to 8
        keys = {f"sweep file's {key}": _sha256(value) for key, value in payload["sweep"].items() if key != "replicates"}
        return {"replicates": self.replicates, **keys, "metrics": _sha256(payload["metrics"]),
                "base scenario or --set": _sha256([payload["base"], payload["base_resolved"]]),
                "files the runs read": _sha256(payload.get("inputs", {})), "REFSIM_ENGINE": payload.get("engine", "auto")}

    def fingerprint_but_replicates(self) -> str:
        """The fingerprint with the replicate count left out, wherever it was set (the
        sweep file, --replicates or the base scenario): two sweeps with the same one
        differ only in their replicates."""
        sweep = self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | READING_KEYS | {"replicates"})
        return _sha256(self._payload(sweep, self.inputs(), replicates=False))

    def fingerprint_but_metrics(self) -> str:
        """The fingerprint with the metrics left out: two sweeps with the same one run the
        same runs (but for the no-program twin, which incremental metrics add: a folder
        whose runs lack one of those is told by what its part files hold)."""
        sweep = self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | READING_KEYS | {"metrics"})
        payload = self._payload(sweep, self.inputs())
        del payload["metrics"]
        return _sha256(payload)

    def grid_fingerprint(self, metrics: bool = True) -> str | None:
        """The fingerprint without the grid's values (its parameter keys kept, in
        order): two grids with the same one differ only in their levels. None for
        sampled sweeps, whose points all move when anything changes. Without
        ``metrics``, the metrics are left out too: a grid grown in the same edit that
        changed what it reports (fingerprint_but_metrics)."""
        if self.spec.method != "grid":
            return None
        sweep = self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | READING_KEYS | {"parameters"}
                                     | (set() if metrics else {"metrics"}))
        base_files = {str(path) for path in scenario_files(self.base)}
        payload = self._payload({**sweep, "parameter_keys": self.parameters},
                                {path: digest for path, digest in self.inputs().items() if path in base_files})
        if not metrics:
            del payload["metrics"]
        return _sha256(payload)

    def _payload(self, sweep: dict, inputs: dict[str, str], replicates: bool = True) -> dict:
        """What a fingerprint hashes; without ``replicates`` the count is left out, from the
        base scenario too (fingerprint_but_replicates)."""
        payload = {"sweep": sweep, "replicates": self.replicates, "metrics": list(self.metrics), "base": self.base_data,
                   "base_resolved": self.base.model_dump(mode="json")}
        if not replicates:
            del payload["replicates"]
            for part in ("base", "base_resolved"):
                payload[part] = {k: v for k, v in payload[part].items() if k != "replicates"}
        # a folder resumed under the other setting mixed the two paths' runs (kernel.engine_part)
        payload.update(engine_part())
        # only when there are files, so that a sweep that reads none keeps the fingerprint it had
        return {**payload, "inputs": inputs} if inputs else payload

    def input_files(self) -> list[Path]:
        """Every file a run of the sweep can read: the base scenario's edge list, and
        each edge list named by a swept ``network.path`` or ``network`` value
        (relative paths are read from the base scenario's folder, as the runs read
        them). The base scenario file itself is covered by its parsed content."""
        files = scenario_files(self.base)
        for key, parameter in self.spec.parameters.items():
            if key not in ("network", "network.path"):
                continue
            for value in (parameter.values if isinstance(parameter, ValueList) else []):
                path = value.get("path") if key == "network" and isinstance(value, dict) else value
                if isinstance(path, str) and path:
                    path = Path(path).expanduser()
                    files.append(path if path.is_absolute() or self.base_dir is None else (self.base_dir / path).resolve())
        return files

    def inputs(self) -> dict[str, str]:
        """``{path: SHA-256}`` of :meth:`input_files`, read once per Sweep."""
        if self._inputs is None:
            self._inputs = input_digests(self.input_files())
        return self._inputs

    def grid(self) -> dict[str, list]:
        """The levels of every parameter of a grid, as JSON values."""
        return {key: json.loads(json.dumps(grid_levels(p), default=str)) for key, p in self.spec.parameters.items()}

    def grown_from(self, state: dict, held: tuple[str, ...] | None = None) -> dict | None:
        """When the folder's sweep (``state``, its sweep.json) is this one with fewer
        replicates, or this grid with fewer levels, or this one with its seed pinned to
        the one the folder ran with (or unpinned), or this one reporting other metrics
        (``held``: the metrics every part file of the folder holds, None for no part
        file), the state that keeps its runs. Else None (a different sweep)."""
        for update in (self._grown(state), self._seed_pinned(state)):
            if update is not None:   # {} keeps the runs too
                return update
        return self._metrics_changed(state, held)

    def _metrics_changed(self, state: dict, held: tuple[str, ...] | None) -> dict | None:
        """The folder's sweep with other ``metrics:``: what is reported, not what runs. A
        folder that stores fingerprint_but_metrics is compared by it; one started before
        it did stored exactly its sweep's metrics, in order, in every part file, so its
        fingerprint is this sweep's with those metrics. Accepted when the part files hold
        every metric now asked; else refused in one line naming the missing one (the
        runs never recorded it)."""
        stored, grown = state.get("fingerprint_but_metrics"), None
        if stored is not None:
            same = stored == self.fingerprint_but_metrics()
            if not same:   # a grid grown in the same edit: told to --force, which deleted every run it kept
                grown = self._grid_grown(state, metrics=False)
                same = grown is not None
        else:   # the sweep file listed them, or left them out for the defaults
            written = [list(held)] + ([None] if held == DEFAULT_METRICS else []) if held is not None else []
            same = any(dataclasses.replace(self, spec=self.spec.model_copy(update={"metrics": metrics}), metrics=held,
                                           _inputs=self._inputs).fingerprint() == state.get("fingerprint")
                       for metrics in written)
        if not same:
            return None
        missing = [m for m in self.metrics if held is not None and m not in held]
        if missing:
            # an incremental metric needs the no-program twin, which a sweep without one did not run
            why = ("; an incremental metric needs each run's no-program twin, which these runs did not run"
                   if any(m in INCREMENTAL_METRICS for m in missing) else "")
            raise ScenarioError(f"its finished runs did not record {', '.join(missing)} (they hold "
                                f"{', '.join(held)}{why}); rerun with --force to run every run again with "
                                f"{'them' if len(missing) > 1 else 'it'}, drop {'them' if len(missing) > 1 else 'it'} "
                                f"from metrics:, or choose another --out folder", key="--out")
        if grown is not None:
            return grown
        # the grid's versions and the replicate counts stay: a grid that grew numbers its points by them
        return {"grids": state["grids"]} if state.get("grids") else {}

    def _grown(self, state: dict) -> dict | None:
        return self._replicates_grown(state) or self._grid_grown(state)

    def _seed_pinned(self, state: dict) -> dict | None:
        """The folder's sweep, with its drawn seed pinned (written into the sweep file's
        ``seed:``, into the base scenario or by ``--set seed=``) or such a pin dropped:
        every run is the same. Each place the folder's sweep may have had the pin is tried
        against this sweep's, so that one pin may follow another (``--set seed=`` then
        ``seed:`` in the sweep file was refused as a different sweep). Another seed is
        another sweep (results.seed_pinned)."""
        stored = state.get("sweep_seed")
        if not isinstance(stored, int) or isinstance(stored, bool) or self.seed not in (None, stored):
            return None
        unseeded = {k: v for k, v in self.base_data.items() if k != "seed"}
        without = tuple(o for o in self.overrides if o.partition("=")[0].strip() != "seed")
        bases = [(self.base, self.base_data, self.overrides),
                 (self.base.model_copy(update={"seed": None}), unseeded, without),
                 (self.base.model_copy(update={"seed": stored}), {**unseeded, "seed": stored}, without)]
        # the pin added after a `--set seed=null` that drew the seed (the manifest's command adds it last): the folder
        # ran with that --set, which dropping every seed item lost, so its own recorded command was refused there
        unpinned = tuple(o for o in self.overrides
                         if not (o.partition("=")[0].strip() == "seed" and o.partition("=")[2].strip() == str(stored)))
        if unpinned != self.overrides and any(o.partition("=")[0].strip() == "seed" for o in unpinned):
            bases.append((self.base.model_copy(update={"seed": None}), {**unseeded, "seed": None}, unpinned))
        for base, data, overrides in bases:
            for seed in (None, stored):
                other = dataclasses.replace(self, spec=self.spec.model_copy(update={"seed": seed}), base=base,
                                            base_data=data, overrides=overrides, _inputs=self._inputs)
                if (update := other._as_folder(state)) is not None:
                    return update
        return None

    def _as_folder(self, state: dict) -> dict | None:
        """{} when this sweep is the folder's (``state``), the update when it grew from it, else None."""
        return {} if self.fingerprint() == state.get("fingerprint") else self._grown(state)

    def _replicates_grown(self, state: dict) -> dict | None:
        """More replicates of the folder's sweep: each point's first runs keep their seeds
        (replicate r's seed does not depend on the count) and the new replicates run."""
        before = (state.get("parts") or {}).get("replicates")
        if (state.get("fingerprint_but_replicates") != self.fingerprint_but_replicates()
                or not isinstance(before, int) or self.replicates <= before):
            return None
        # the grid's versions stay: a grid that grew before numbers its points by them
        kept = {"grids": state["grids"]} if state.get("grids") else {}
        return {"replicates_grown": [*state.get("replicates_grown", [before]), self.replicates], **kept}

    def _grid_grown(self, state: dict, metrics: bool = True) -> dict | None:
        """This grid with more levels than the folder's: its point ids and seeds stay, the
        new points are numbered after them. Without ``metrics``, whatever the metrics
        reported (a folder that stored grid_fingerprint_but_metrics)."""
        fingerprint = self.grid_fingerprint(metrics)
        grids = state.get("grids")
        stored = state.get("grid_fingerprint" if metrics else "grid_fingerprint_but_metrics")
        if fingerprint is None or stored != fingerprint or not grids:
            return None
        before, version = grids[-1], {}
        for key, levels in self.grid().items():
            parameter = self.spec.parameters[key]
            # a folder started before generated levels were rounded holds 0.30000000000000004 where this grid
            # has 0.3: the same level, so its runs stay, under the value they ran with
            old = {value_key(settled_level(parameter, v)): v for v in before.get(key, [])}
            new = {value_key(settled_level(parameter, v)): v for v in levels}
            if not old.keys() <= new.keys():
                return None
            # a level the folder holds keeps the value it ran with (10 there, 10.0 here): a point's values
            # are the same in every part file, and its id and seed the ones they were
            version[key] = [old.get(identity, value) for identity, value in new.items()]
        return {"grids": grids if version == before else [*grids, version]}

    def grid_lost(self, state: dict) -> str:
        """Where this grid is the folder's (``state``) with levels it held dropped, the
        levels lost, as 'program.base_share 0.2 (its levels now: 0.1, 0.1667, 0.2333,
        0.3)'; else "". A grid grows by adding levels and keeps every one it had: going
        from 3 levels to 4 was told only "its sweep file's parameters differ"."""
        grids = state.get("grids")
        fingerprint = self.grid_fingerprint()
        # its metrics changed in the same edit: the levels lost are still what to list again (it was told to --force)
        same = fingerprint is not None and (state.get("grid_fingerprint") == fingerprint or state.get(
            "grid_fingerprint_but_metrics") == self.grid_fingerprint(metrics=False))
        if not same or not grids:
            return ""

        def shown(values) -> str:
            return ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values)

        lost = []
        for key, levels in self.grid().items():
            parameter = self.spec.parameters[key]
            now = {value_key(settled_level(parameter, v)) for v in levels}
            gone = [v for v in grids[-1].get(key, []) if value_key(settled_level(parameter, v)) not in now]
            if gone:
                lost.append(f"{key} {shown(gone)} (its levels now: {shown(levels)})")
        return "; ".join(lost)


def value_key(value: Any) -> str:
    """A value's identity across files and versions of a grid: its JSON text, with a whole
    number the same however it is written (10, 10.0 and 1e1 are one value; true is not 1)."""
    return json.dumps(_whole_as_int(value), sort_keys=True, default=str)


def _whole_as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_as_int(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_whole_as_int(item) for item in value]
    return value


def _sha256(payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_sweep(path: str | Path, replicates: int | None = None, overrides: Iterable[str] = (), *,
               command_line: bool = False) -> Sweep:
    """Read and check a sweep file; every mistake is one ScenarioError line naming
    the file, the key path (and line) and what would be valid. ``overrides``
    (``key.path=value``, as ``--set`` takes them) change the base scenario; the
    swept parameters are applied over them. Arguments of the wrong kind (a dict of
    overrides, 1.5 replicates, no path) are one TypeError or ScenarioError line, as
    load_scenario's. ``command_line``: called by `refsim sweep`, whose mistakes name its
    flags (--replicates), where a Python caller's name the arguments (replicates=)."""
    check_path("load_sweep", path, "a sweep file's path")
    overrides = check_overrides("load_sweep", overrides)
    check_seed_and_replicates("load_sweep", replicates=replicates)
    path = Path(path)
    source = str(path)
    text = read_yaml_text(path, "a sweep YAML file (see scenarios/sweeps/)")
    data = parse_yaml(text, source, "a sweep is a mapping of keys such as 'base:', 'method:', 'parameters:'")
    if not data:   # an empty file read "base: required key is missing", where a scenario's says what it is
        raise ScenarioError("the file is empty; a sweep is a mapping of keys such as 'base:', 'method:', 'parameters:' "
                            "(start from a file in scenarios/sweeps/)", file=source)
    if "base" not in data:   # a settings file read "unknown key 'scenario'"
        refuse_other_kinds(data, source, "a sweep", sweep_read=True)
    if "base" not in data and set(data) & SCENARIO_ONLY_KEYS:   # it read "unknown key 'days'", naming no way out
        raise ScenarioError(f"this is a scenario file, not a sweep; run it with `refsim run {source}`, or sweep it from a "
                            f"sweep file with 'base:' naming it (relative to the sweep file) and 'parameters:' (see "
                            f"scenarios/sweeps/)", file=source)
    _check_parameter_shapes(data, source, text)
    if "base" in data and (not isinstance(data["base"], (str, dict)) or isinstance(data["base"], str)
                           and not data["base"].strip()):
        # 'base: 5' read pydantic's "Input should be a valid string", as if a path were the only form
        got = ("nothing" if data["base"] is None or isinstance(data["base"], str) else
               "a list" if isinstance(data["base"], list) else
               f"the value {short_value(data['base'])}")
        raise ScenarioError(f"should be a scenario YAML path (relative to the sweep file) or an inline scenario mapping, "
                            f"not {got}", file=source, key=key_at("base", ["base"], text))
    try:
        spec = validate_strictly(SweepSpec, data)   # as scenario files: "3" is not a number, 2.5 not a count
    except ValidationError as error:
        raise describe(error, data, source, text, model=SweepSpec, what="sweep") from None
    where = lambda *keys: key_at(".".join(map(str, keys)), list(keys), text)  # noqa: E731
    keys = list(spec.parameters)
    for key in keys:   # the runs strip a key as --set does, while the checks and notes read it as written: a key
        # 'program.incentive.referrer_reward ' was said to be read by no run, and beside the plain key it overwrote it
        if key != key.strip():
            raise ScenarioError(f"'{key}' has blank space around it; write the key path without it: "
                                f"{key.strip()}", file=source, key=where("parameters", key))
    for i, key in enumerate(keys):   # each run sets the keys in the file's order: a block set after a key in it wins
        block = next((k for k in keys[i + 1:] if key.startswith(k + ".")), None)
        if block is not None:
            raise ScenarioError(f"sits in {block}, which the sweep also varies and sets after it: each value of {block} "
                                f"replaces the whole block, so {key}'s values would be overwritten in every run; list "
                                f"{block} first (its values are set, then {key} within them)", file=source,
                                key=where("parameters", key))
    _check_method(spec, source, where)
    _check_assumptions(spec, source, where)
    metrics = _check_metrics(spec, source, where)
    overrides = tuple(overrides)
    given = "--set" if command_line else "overrides"   # a Python caller gave no --set
    this = "this --set" if command_line else "this override"
    for item in overrides:   # a swept key's --set is overwritten in every run: it did nothing, silently
        key = item.partition("=")[0].strip()
        swept = next((k for k in spec.parameters if k == key or key.startswith(k + ".")), None)
        if swept is not None:
            raise ScenarioError(f"the sweep varies {swept}, so {this} would be overwritten in every run; drop it, "
                                f"or change the values in {source}", file=given, key=item)
        # the sweep's own seed and count win over the base scenario's: a --set of them did nothing, while the
        # manifest listed it and the folder then refused the same command without it
        if key == "seed" and spec.seed is not None:
            raise ScenarioError(f"the sweep file sets seed: {spec.seed}, which every run uses, so {this} would be "
                                f"ignored; drop it, or change seed: in {source}", file=given, key=item)
        if key == "replicates" and (replicates is not None or spec.replicates is not None):
            flag = "--replicates" if command_line else "replicates="
            where_set = (f"{flag}{' ' if command_line else ''}{replicates}" if replicates is not None
                         else f"the sweep file's replicates: {spec.replicates}")
            how = "--replicates N" if command_line else "load_sweep(..., replicates=N)"
            raise ScenarioError(f"{where_set} sets the count, so {this} would be ignored; drop it, and give {how} for "
                                f"another count", file=given, key=item)
    base, base_data, base_source, base_dir = _load_base(spec, path, where, overrides, text)
    if replicates is not None and replicates < 1:
        raise ScenarioError(f"--replicates must be at least 1 (got {replicates})", key="--replicates")
    count = replicates or spec.replicates or base.replicates
    # a file name's byte that is not UTF-8 replaced: the report's title could not be written, after every run
    name = spec.name or printable(path.stem)
    sweep = Sweep(spec, source, name, base, base_data, base_source, base_dir, count, metrics, overrides)
    _check_parameters(sweep, where)
    if spec.executor is not None or spec.scheduler is not None:
        try:
            check_executor(spec.executor, spec.scheduler)
        except ScenarioError as error:
            message = error.message
            if spec.executor not in (None, "dask") and spec.scheduler is not None:
                # the file contradicts itself: "use --executor dask" was said to a command that gave it
                message = (f"the file's executor: {spec.executor} takes no scheduler address; set executor: dask in "
                           f"the file, or remove its executor: or its scheduler: line (the command line cannot mend the "
                           f"file)")
            raise ScenarioError(message, file=source, key=where("scheduler")) from None
    return sweep


#: The keys of a range, which a list of values does not take.
RANGE_KEYS = tuple(ValueRange.model_fields)
#: A range as the command line writes it, LO:HI or LO:HI:log (or :lin), given where a sweep file wants a block.
RANGE_TEXT = re.compile(r"\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*:\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*(?::\s*(log|lin)\s*)?",
                        re.IGNORECASE)


def _check_parameter_shapes(data: dict, source: str, text: str) -> None:
    """A parameter is {values: [...]} or {low, high, ...}: a bare list or value, or a
    block mixing both forms, is one line saying which form to write (pydantic said
    "Input should be a valid dictionary or instance of ValueRange" of a bare list, and
    "unknown key 'low'" of a mixed block)."""
    parameters = data.get("parameters")
    if not isinstance(parameters, dict):
        return
    for key, block in parameters.items():
        where = key_at(f"parameters.{key}", ["parameters", key], text)
        strays = [k for k in ("values", *RANGE_KEYS) if k in parameters]
        if block is None and strays:
            # `values:` written at the level of the parameter keys, under an empty one: an indentation slip, not
            # a parameter to write as {values: [null]}
            form = "{values: [...]}" if strays[0] == "values" else "{low: ..., high: ...}"
            raise ScenarioError(f"the parameter is empty and '{strays[0]}' sits beside it as a parameter of its own: "
                                f"indent '{strays[0]}:' under '{key}:' (or write {key}: {form})", file=source, key=where)
        if block is None or block == [] or block == {}:   # nothing under the key: {values: [null]} was offered
            raise ScenarioError("the parameter is empty: write {values: [...]} for a list of values, or "
                                "{low: ..., high: ...} for a range", file=source, key=where)
        if isinstance(block, str) and (span := RANGE_TEXT.fullmatch(block)):
            # a command line's LO:HI[:log] written in the file: {values: [0:100:log]} was offered, which fails too
            low, high, scale = span.groups()
            if float(low) > float(high):   # the block offered must load: low above high is refused
                low, high = high, low
            form = f"{{low: {low}, high: {high}{', log: true' if (scale or '').lower() == 'log' else ''}}}"
            whole = "integer: true for a key that takes whole numbers, " if "." not in low + high and "e" not in \
                (low + high).lower() else ""
            raise ScenarioError(f"a parameter is a block: write the range as {form} ({'with ' + whole if whole else ''}"
                                f"and levels: N on a grid), or {{values: [...]}} for a list of values (got '{block}')",
                                file=source, key=where)
        if not isinstance(block, dict):
            # the whole list where it is short enough to copy (seven network kinds lost two at five), else marked cut
            shown = yaml_value(block if not isinstance(block, list) or len(block) <= 12 else block[:5])
            if isinstance(block, list) and len(block) > 12:
                shown = shown[:-1] + f", … {len(block) - 5} more]"
            raise ScenarioError(f"a parameter is a block: write {{values: {shown if isinstance(block, list) else f'[{shown}]'}}} "
                                f"for a list of values, or {{low: ..., high: ...}} for a range (got {shown})",
                                file=source, key=where)
        mixed = [k for k in RANGE_KEYS if k in block]
        if "values" in block and mixed:
            raise ScenarioError(f"give either 'values' (a list) or a range (low, high, ...), not both (got values and "
                                f"{', '.join(mixed)})", file=source, key=where)


def _check_method(spec: SweepSpec, source: str, where) -> None:
    if spec.method == "grid":
        size = math.prod(len(grid_levels(p)) if isinstance(p, ValueList) or p.levels else 1 for p in spec.parameters.values())
        if size > MAX_POINTS:
            raise ScenarioError(f"the grid has {size:,} points (more than {MAX_POINTS:,}); use fewer levels, or "
                                f"method: latin_hypercube with samples", file=source, key=where("parameters"))
        if spec.samples is not None:
            raise ScenarioError("samples applies to random and latin_hypercube sweeps; a grid runs every combination "
                                "(remove samples, or choose method: random | latin_hypercube)", file=source, key=where("samples"))
        for key, parameter in spec.parameters.items():
            if isinstance(parameter, ValueRange) and parameter.levels is None:
                raise ScenarioError("a grid needs the levels of every parameter: give 'values: [...]' or 'levels: N' "
                                    "with low and high", file=source, key=where("parameters", key))
            if isinstance(parameter, ValueList):   # a grid runs each combination once: a repeat was dropped unsaid
                texts = [value_key(v) for v in parameter.values]   # 10 and 10.0 run the same point
                repeated = next((v for i, v in enumerate(parameter.values) if texts[i] in texts[:i]), None)
                if len(set(texts)) < len(texts):
                    raise ScenarioError(f"{shown_value(repeated)} is listed more than once; a grid runs each value "
                                        f"once, so give each once", file=source, key=where("parameters", key, "values"))
    else:
        if spec.samples is None:
            raise ScenarioError(f"method {spec.method} needs 'samples: N' (the number of points to draw, at least 1)",
                                file=source, key=where("method"))
        for key, parameter in spec.parameters.items():
            if isinstance(parameter, ValueRange) and parameter.levels is not None:
                raise ScenarioError(f"levels applies to grid sweeps only; method {spec.method} draws values from low to high",
                                    file=source, key=where("parameters", key, "levels"))
        # whole numbers 1 to 2 drawn 6 times ran 6 points of 2 settings, ranked the copies against each other and
        # counted them in the best point's comparisons
        distinct = math.prod(len(p.values) if isinstance(p, ValueList) else
                             int(p.high - p.low + 1) if p.integer else math.inf for p in spec.parameters.values())
        if distinct < spec.samples:
            raise ScenarioError(f"the parameters take only {distinct} combination{'s' if distinct != 1 else ''} of values, "
                                f"fewer than samples: {spec.samples}, so points would repeat; use method: grid to run "
                                f"each once", file=source, key=where("samples"))
    for key in spec.parameters:
        if key in RESERVED_KEYS:
            raise ScenarioError(f"'{key}' is set by the sweep for every run; use the sweep's own '{key}:' instead",
                                file=source, key=where("parameters", key))


def _check_assumptions(spec: SweepSpec, source: str, where) -> None:
    """Each assumption is a swept parameter, listed once; where parameters are left to
    choose, each assumption has discrete values, so that choices can be ranked at each."""
    for i, key in enumerate(spec.assumptions):
        if key not in spec.parameters:
            raise ScenarioError(f"'{key}' is not a parameter of this sweep; valid: {', '.join(spec.parameters)}",
                                file=source, key=where("assumptions", i))
    if len(set(spec.assumptions)) < len(spec.assumptions):
        raise ScenarioError("an assumption is listed twice; list each once", file=source, key=where("assumptions"))
    if set(spec.assumptions) >= set(spec.parameters):
        return  # nothing to choose: the report reads how the metrics move, and ranks no point
    for i, key in enumerate(spec.assumptions):
        if spec.method != "grid" and not isinstance(spec.parameters[key], ValueList):
            raise ScenarioError(f"assumption '{key}' is drawn from a range by method {spec.method}, so no two points "
                                f"share a value to compare the choices at; give it 'values: [...]', use method: grid, "
                                f"or list every parameter as an assumption", file=source, key=where("assumptions", i))


def _check_metrics(spec: SweepSpec, source: str, where) -> tuple[str, ...]:
    metrics = tuple(spec.metrics) if spec.metrics else DEFAULT_METRICS
    for i, metric in enumerate(metrics):
        if metric not in KNOWN_METRICS:
            hint = difflib.get_close_matches(metric, list(KNOWN_METRICS), n=1, cutoff=0.6)
            raise ScenarioError(f"unknown metric '{metric}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
                                + f" valid metrics: {', '.join(KNOWN_METRICS)}", file=source, key=where("metrics", i))
    if len(set(metrics)) < len(metrics):
        raise ScenarioError("a metric is listed twice; list each once", file=source, key=where("metrics"))
    # what the objective may be is checked before whether it is listed: "valid: reward_cost, attributed_roi" offered
    # two metrics the checks below then refused, and a typo got no "did you mean"
    if spec.objective is not None and spec.objective not in KNOWN_METRICS:
        ranking = [m for m in KNOWN_METRICS if m not in UNRANKED]
        hint = difflib.get_close_matches(spec.objective, ranking, n=1, cutoff=0.6)
        raise ScenarioError(f"unknown metric '{spec.objective}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
                            + f" valid: {', '.join(ranking)}", file=source, key=where("objective"))
    if spec.objective in NEUTRAL:
        raise ScenarioError(f"'{spec.objective}' is a spending measure nobody wins; choose a metric with a better "
                            f"direction, e.g. incremental_value", file=source, key=where("objective"))
    if spec.objective in NOT_A_VERDICT:
        raise ScenarioError(f"'{spec.objective}' {NOT_A_VERDICT_WHY}; choose e.g. incremental_value or incremental_roi",
                            file=source, key=where("objective"))
    if spec.objective in SHIFTED:
        raise ScenarioError(f"'{spec.objective}' {SHIFTED_WHY}; choose e.g. incremental_value",
                            file=source, key=where("objective"))
    if spec.objective is not None and spec.objective not in metrics:
        ranking = [m for m in metrics if m not in UNRANKED]
        listed = f"; or rank by one listed: {', '.join(ranking)}" if ranking else " (none listed ranks points)"
        raise ScenarioError(f"objective '{spec.objective}' is not among the sweep's metrics ({', '.join(metrics)}); add it "
                            f"to metrics{listed}", file=source, key=where("objective"))
    return metrics


#: The keys that decide whether a network can be built (network.generators.check_buildable): a sweep that varies
#: one runs no point with the base's own, so the base's is not checked (a strong-tie share cannot mend a density).
BUILD_KEYS = frozenset({"population.size", "network", "network.kind", "network.mean_degree", "network.degrees",
                        "network.degree_distribution", "network.exponent", "network.block_shares", "network.within_share"})


def largest_points(sweep: "Sweep") -> list[Scenario]:
    """The base at the largest population and mean degree the sweep gives (a list's values
    as the points read them, "5e7" too; a range's high end), once per network kind it
    runs (a swept `network.kind` or `network`), for the memory check: it sized the base
    alone, so a complete network of 60,000 people swept over 100 and 200 was refused for
    134 GiB, and a 100-person base swept to 50,000,000 people passed its dry run. A
    complete network too large to build is left out: each point of it is refused as it
    is made. ``[sweep.base]`` itself where the sweep varies none of these."""
    from .network.generators import MAX_COMPLETE_TIES
    from .sweep import point_scenario

    base = sweep.base

    def as_points(key: str) -> list[Scenario]:
        given = sweep.spec.parameters.get(key)
        points = []
        for value in (given.values if isinstance(given, ValueList) else ()):
            with contextlib.suppress(ScenarioError, ValueError, TypeError):   # a value the sweep refuses or fails
                points.append(point_scenario(sweep.base_data, {key: value}, sweep.base_source, sweep.base_dir))
        return points

    def most(key: str, read) -> float | None:
        """The key's largest value over the sweep (None where it is not swept): numbers as
        they are, any other value as its point reads it (a point made per value: a list of
        100,000 numbers would have been 100,000 validations)."""
        given = sweep.spec.parameters.get(key)
        if isinstance(given, ValueRange):
            return float(given.high)
        if not isinstance(given, ValueList):
            return None
        found = [float(v) for v in given.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        other = [v for v in given.values if not isinstance(v, (int, float)) or isinstance(v, bool)]
        for value in other:
            with contextlib.suppress(ScenarioError, ValueError, TypeError):   # a value the sweep refuses or fails
                found.append(read(point_scenario(sweep.base_data, {key: value}, sweep.base_source, sweep.base_dir)))
        found = [value for value in found if value is not None]
        return max(found) if found else None

    if not any(key in sweep.spec.parameters for key in ("population.size", "network.mean_degree", "network.kind", "network")):
        return [base]
    size = int(most("population.size", lambda point: point.population.size) or base.population.size)
    swept_degree = most("network.mean_degree", lambda point: getattr(point.network, "mean_degree", None))
    networks = [point.network for key in ("network.kind", "network") for point in as_points(key)] or [base.network]
    points = []
    for network in networks:
        degree = getattr(network, "mean_degree", None)
        if degree is not None and not getattr(network, "degrees", None) and swept_degree is not None:
            network = network.model_copy(update={"mean_degree": swept_degree})
        if network.kind == "complete" and size * (size - 1) // 2 > MAX_COMPLETE_TIES:
            continue
        points.append(base.model_copy(update={"population": base.population.model_copy(update={"size": size}),
                                              "network": network}))
    return points or [base]


def _load_base(spec: SweepSpec, path: Path, where, overrides: tuple[str, ...],
               text: str | None = None) -> tuple[Scenario, dict, str, Path]:
    """The base scenario, ``overrides`` applied: a file relative to the sweep file, or the
    inline mapping (its mistakes named with their lines in the sweep file's ``text``).
    Where the sweep varies the population's size or the network, the base's own network
    is not checked: no point runs it as written (a complete network of 6,000 people swept
    over 100 and 200 was refused); each point's is checked as it is made."""
    # an entry of a list counts as the list (network.degrees.0 mends a degree list)
    sized = not any(key in BUILD_KEYS or key.rpartition(".")[0] in ("network.degrees", "network.block_shares")
                    for key in spec.parameters)
    if isinstance(spec.base, dict):
        source = f"{path} (base)"
        inline = block_text(text, "base") if text is not None else None
        scenario, data = validate_overridden(spec.base, overrides, source,
                                             lambda mapping: validate(mapping, source=source, text=inline,
                                                                      base_dir=path.parent, check_network=sized))
        return scenario, data, source, path.parent
    base_path = Path(spec.base).expanduser()   # '~/small.yaml' is the home folder's, as an edge list's path is
    if not base_path.is_absolute():
        base_path = Path(os.path.normpath(path.parent / base_path))
    if not base_path.is_file():
        found = "is a folder" if base_path.is_dir() else "not found"   # a folder was said not to be found
        raise ScenarioError(f"base scenario '{spec.base}' {found} (looked for {base_path}); give a scenario YAML path "
                            f"relative to the sweep file, or an inline scenario mapping", file=str(path), key=where("base"))
    text = read_yaml_text(base_path, "a base scenario YAML file")
    parsed = parse_scenario_yaml(text, str(base_path))
    refuse_other_kinds(parsed, str(base_path), "a sweep's base scenario")   # it read "unknown key 'base'"
    scenario, data = validate_overridden(
        parsed, overrides, str(base_path),
        lambda mapping: validate(mapping, source=str(base_path), text=text, base_dir=base_path.parent,
                                 check_network=sized))
    return scenario, data, str(base_path), base_path.parent


def _check_parameters(sweep: Sweep, where) -> None:
    """Apply each parameter's values (or both ends of its range) to the base scenario on
    its own: a key path the base does not have, a value the key cannot take, or (in a sweep
    of one parameter) one that clashes with another key of the base, is a mistake in the
    sweep file. With several parameters, a value that clashes is tried beside the other
    swept values (:func:`_clash_everywhere`): one that fits none of them is a mistake too;
    one that some other swept value mends is left to the runs (the combinations that
    still clash are recorded as failed), as are list values past the first
    ``CHECKED_VALUES`` (checking a long list would take longer than running it)."""
    keys = list(sweep.spec.parameters)
    for inner in keys:
        # a key inside another swept key: each point sets it after the block given whole, so the block values' own
        # setting of it never ran ("$5" and "$40" incentives both ran the inner $10, and the report called them a tie)
        if (outer := next((k for k in keys if k != inner and inner.startswith(k + ".")), None)) is not None:
            raise ScenarioError(f"sits inside parameters.{outer}, which is swept too: every point would set {inner} "
                                f"over what each value of {outer} gives it, so those values' own "
                                f"{inner.removeprefix(outer + '.')} would never run; sweep one of the two (or write "
                                f"the inner value into each of {outer}'s values)", file=sweep.source,
                                key=where("parameters", inner))
    clashing: list[tuple[str, Any, ScenarioError]] = []   # values refused beside the base's other keys alone
    for key, parameter in sweep.spec.parameters.items():
        if not key.strip() or any(not part.strip() for part in key.split(".")):
            raise ScenarioError(f"'{key}' is not a key path; name a scenario key such as program.base_share",
                                file=sweep.source, key=where("parameters", key))
        # a grid's every level (whole numbers 4 to 8 in 5 levels: 5 and 7 are odd where an even degree is needed,
        # and only the ends were tried), else a list's values or a sampled range's ends
        candidates = parameter.values[:CHECKED_VALUES] if isinstance(parameter, ValueList) else \
            grid_levels(parameter)[:CHECKED_VALUES] if parameter.levels else \
            [range_value(parameter, parameter.low), range_value(parameter, parameter.high)]
        if isinstance(parameter, ValueRange) and not parameter.integer and parameter.high > parameter.low:
            # whole ends pass a key of whole numbers (days: 30 to 60) while the values between fail:
            # every run of the sweep failed, and it exited 0. The values between are tried too: a
            # grid's levels, or a value with a fraction for a sampled range.
            between = grid_levels(parameter)[1:-1][:CHECKED_VALUES] if parameter.levels else \
                [parameter.low + 0.5 if parameter.high - parameter.low > 1 else (parameter.low + parameter.high) / 2]
            for value in between:
                try:
                    data = apply_sets(sweep.base_data, [f"{key}={yaml_value(float(value))}"], source=sweep.source)
                    validate(data, source=sweep.base_source, base_dir=sweep.base_dir)
                except ScenarioError as error:
                    # a key of whole numbers says "integer", or, where it also takes a list or a block
                    # (population.initial_customers), "whole number": that range passed, and every run failed
                    if "integer" in error.message or "whole number" in error.message:
                        raise ScenarioError(f"this key takes whole numbers, but the range from {parameter.low:g} to "
                                            f"{parameter.high:g} gives {value:g}; add 'integer: true' to the range",
                                            file=sweep.source, key=where("parameters", key)) from None
        if isinstance(parameter, ValueRange) and not parameter.levels and parameter.high - parameter.low >= 2:
            _check_drawn_between(sweep, key, parameter, where)
        fits = lambda value: _refusal(sweep, {key: value}) is None and _refused_beside_fixed(sweep, key, value) is None  # noqa: E731
        for value in candidates:
            error = _refusal(sweep, {key: value})
            if (error is None and (fixed := _refused_beside_fixed(sweep, key, value)) is not None
                    and any(fits(other) for other in candidates if other != value)):
                # fits the base alone, and no point beside a parameter of one value (the others fit some: a grid of
                # which no point fits is said whole below)
                raise ScenarioError(f"value {shown_value(value)} does not fit beside the values every point sets "
                                    f"on the base scenario {_base_name(sweep)}: {fixed.message}",
                                    file=sweep.source, key=where("parameters", key)) from None
            if error is None:
                continue
            at = (error.key or "").split(" (line")[0]
            # a block above the key that the value cannot go into (an unknown key there, or a block the base
            # leaves at its default, which has no kind to fill in) is the key's mistake too
            above = key.startswith(at + ".") and error.message.startswith(("unknown", "missing 'kind'"))
            # a misspelt last part (referer_reward in program.incentive) is refused at the key itself: its own
            # mistake too, which was replayed as promoters' clash "with program.incentive.referer_reward = 3"
            misspelt = at == key and error.message.startswith("unknown key")
            own = at.startswith(key + ".") or above or misspelt or error.file in (sweep.source, "--set")
            if own or (at and len(sweep.spec.parameters) == 1):
                # with one parameter, a clash with a key of the base (promoters 0.9 beside its passives 0.45)
                # cannot be mended by another value: every run with this value would fail
                # a line of a file the value reads (an edge list's "line 10") is no key of the base: the message names it
                there = "" if own or at == key or at.startswith("line ") else f" (at {at}; the sweep varies nothing else)"
                # a misspelt key is the key's mistake, whatever the value: "value 0 does not fit" sent the reader to
                # the value before its "did you mean" named the key
                what = ("the swept key" if error.message.startswith("unknown key") or "no kind has a key" in error.message
                        else f"value {shown_value(value)}")
                raise ScenarioError(f"{what} does not fit the base scenario {_base_name(sweep)}: "
                                    f"{error.message}{there}", file=sweep.source, key=where("parameters", key)) from None
            if len(sweep.spec.parameters) > 1:
                clashing.append((key, value, error))
    # beside the other swept values once every key has been checked on its own: a misspelt key on line 6 was
    # reported as line 5's value clashing "with program.reward.amout = 3: unknown key 'reward'"
    for key, value, error in clashing:
        if (clash := _clash_everywhere(sweep, key, value, error)) is None:
            continue
        others, refusal = clash
        if refusal.message == error.message:   # the value's own mistake (out of its bounds), whatever the others
            raise ScenarioError(f"value {shown_value(value)} does not fit the base scenario {_base_name(sweep)}: "
                                f"{error.message}", file=sweep.source, key=where("parameters", key)) from None
        raise ScenarioError(f"value {shown_value(value)} fits none of the other swept values on the base scenario "
                            f"{_base_name(sweep)} (with {others}: {refusal.message}); every run with it would fail",
                            file=sweep.source, key=where("parameters", key)) from None
    _check_some_point_fits(sweep, where)


def misfit_between(low: float, high: float, refused: Callable[[Any], ScenarioError | None], *, whole: bool,
                   mended: Callable[[Any, ScenarioError], bool] = lambda probe, error: False,
                   offer: bool = True) -> tuple[Any, ScenarioError, list[int]] | None:
    """A range's values between its ends checked by one, the whole number after ``low``
    (the other parity: a ring's even degree from 4 to 8 fits at its ends, not at 5):
    that value, ``refused``'s refusal of it and, with ``offer``, the whole numbers from
    low to high that fit (none counted past CHECKED_VALUES); None where it fits or
    ``mended`` says another value may mend it. The sweep's check and the decision
    commands' (parameters._check_values) share it."""
    probe = math.floor(low) + 1 if whole else float(math.floor(low) + 1)
    error = refused(probe)
    if error is None or mended(probe, error):
        return None
    wholes = range(math.ceil(low), math.floor(high) + 1)
    fitting = [n for n in wholes if refused(n if whole else float(n)) is None] \
        if offer and len(wholes) <= CHECKED_VALUES else []
    return probe, error, fitting


def _check_drawn_between(sweep: Sweep, key: str, parameter: ValueRange, where) -> None:
    """A sampled range draws every value between its ends: 4 to 8 for a ring's even
    degree passed its dry run on the ends, and its 5s and 7s then failed as runs. The
    whole number after the low end is tried too (the other parity); one the base refuses
    where its ends pass (beside every other swept value tried) is a mistake in the sweep
    file, answered with the whole numbers that fit."""
    low, high = range_value(parameter, parameter.low), range_value(parameter, parameter.high)
    if _refusal(sweep, {key: low}) is not None or _refusal(sweep, {key: high}) is not None:
        return   # the ends' own message (below) says more
    if _refused_beside_fixed(sweep, key, low) is not None or _refused_beside_fixed(sweep, key, high) is not None:
        # the ends fail beside another parameter's one value too: that value's mistake, said at its own key (a
        # reward_scale of 'abc' was blamed on the population's range, "5001 does not fit")
        return
    # another swept value may mend it: the runs decide, as for a list's values
    misfit = misfit_between(parameter.low, parameter.high,
                            lambda value: _refusal(sweep, {key: value}) or _refused_beside_fixed(sweep, key, value),
                            whole=parameter.integer,
                            mended=lambda probe, error: len(sweep.spec.parameters) > 1
                            and _clash_everywhere(sweep, key, probe, error) is None)
    if misfit is None:
        return
    probe, error, fitting = misfit
    offer = f"{{values: {yaml_value(fitting)}}}" if fitting else "a list of the values that fit"
    draws = "every whole number" if parameter.integer else "every value"
    raise ScenarioError(f"a sampled range draws {draws} from {parameter.low:g} to {parameter.high:g}, and {probe:g} does not "
                        f"fit the base scenario {_base_name(sweep)}: {error.message}; give {offer} instead of the range",
                        file=sweep.source, key=where("parameters", key))


#: The most combinations of the other swept parameters' values a value that clashes with
#: the base scenario is tried with, before the sweep runs.
CHECKED_COMBINATIONS = 256


def _refusal(sweep: Sweep, values: dict) -> ScenarioError | None:
    """Why the base scenario with ``values`` set is not a valid scenario (None if it is)."""
    try:
        overrides = [f"{k}={yaml_value(v)}" for k, v in values.items()]
        if any(k.endswith(".kind") for k in values):   # as the runs apply them (sweep.run_point)
            from .parameters import kind_overrides

            overrides = kind_overrides(sweep.base, values)
        data = apply_sets(sweep.base_data, overrides, source=sweep.source)
        validate(data, source=sweep.base_source, base_dir=sweep.base_dir)
    except ScenarioError as error:
        return error
    return None


def _refused_beside_fixed(sweep: Sweep, key: str, value: Any) -> ScenarioError | None:
    """Why ``value`` of ``key``, which fits the base scenario on its own, fits no point:
    where another parameter has one value (set in every point, so it mends nothing), the
    value is tried beside the other swept values as a clash is (_clash_everywhere). A
    ring's odd degree beside `network.kind: {values: [watts_strogatz]}` passed on the
    base's own kind and failed as runs. None where no parameter has one value."""
    if not any(isinstance(p, ValueList) and len(p.values) == 1 for k, p in sweep.spec.parameters.items() if k != key):
        return None
    clash = _clash_everywhere(sweep, key, value, ScenarioError(""))
    return None if clash is None else clash[1]


def _clash_everywhere(sweep: Sweep, key: str, value: Any, alone: ScenarioError) -> tuple[str, ScenarioError] | None:
    """With several parameters, a value that does not fit the base scenario on its own
    (passives 0.6 beside the base's promoters 0.5) may fit beside another swept value
    (promoters 0.3): it was refused, though the docs leave it to the runs, while a grid
    where every pair clashed ran every run to fail. The value is tried with each
    combination of the other parameters' checked values (their list values, a grid's
    levels, or a sampled range's ends and middle): the first combination's refusal when
    none fits, else None; past CHECKED_COMBINATIONS, where one not tried may mend it, None
    too (the runs decide), unless every one tried refused the value for the same reason
    as on its own (``alone``: a value out of its bounds)."""
    others = {k: _checked_values(p) for k, p in sweep.spec.parameters.items() if k != key}
    every = math.prod(len(v) for v in others.values()) <= CHECKED_COMBINATIONS
    first, same = None, True
    for combination in itertools.islice(itertools.product(*others.values()), CHECKED_COMBINATIONS):
        values = dict(zip(others, combination))
        error = _refusal(sweep, {**values, key: value})
        if error is None:
            return None
        same &= error.message == alone.message
        first = first or (_point_text(values), error)
    # past those tried one combination may mend it, so the runs decide; unless every one tried gave the value's own
    # refusal (fraud.share -0.1 is below 0 beside any value): that was let through beside 20 x 20 levels
    return first if every or same else None


def _check_some_point_fits(sweep: Sweep, where) -> None:
    """A grid where each value fits the base scenario on its own but no combination
    does (promoters 0.6 or 0.62 beside passives 0.42 or 0.45: every pair above 1) ran
    every run to fail: a grid of up to CHECKED_COMBINATIONS points is tried whole, and
    one where no point fits is refused, naming the first point's refusal."""
    if sweep.spec.method != "grid" or len(sweep.spec.parameters) < 2:
        return
    levels = {k: grid_levels(p) for k, p in sweep.spec.parameters.items()}
    if math.prod(len(v) for v in levels.values()) > CHECKED_COMBINATIONS:
        return
    first = None
    for combination in itertools.product(*levels.values()):
        values = dict(zip(levels, combination))
        error = _refusal(sweep, values)
        if error is None:
            return
        first = first or (values, error)
    values, error = first
    point = _point_text(values)
    raise ScenarioError(f"no point of the grid fits the base scenario {_base_name(sweep)}, so every run would fail (the "
                        f"first, {point}: {error.message})", file=sweep.source, key=where("parameters"))


def _point_text(values: dict) -> str:
    """A combination of swept values as an error names it: 'k = v, k2 = v2'."""
    return ", ".join(f"{k} = {shown_value(v)}" for k, v in values.items())


def _base_name(sweep: Sweep) -> str:
    """The base scenario's name, with the --set items changing it (a clash they caused was blamed on the file)."""
    # an inline base without a name is named 'scenario' by default: "the base scenario scenario" was said
    named = sweep.base.name if sweep.base.name != "scenario" else "(unnamed)"
    return named + (f" with --set {', '.join(sweep.overrides)}" if sweep.overrides else "")


def _checked_values(parameter: ValueList | ValueRange) -> list[Any]:
    """The values of a parameter that another is checked beside: a list's values (the
    first CHECKED_VALUES), a grid's levels, or a sampled range's ends and middle."""
    if isinstance(parameter, ValueList):
        return list(parameter.values[:CHECKED_VALUES])
    if parameter.levels:
        return grid_levels(parameter)[:CHECKED_VALUES]
    middle = math.sqrt(parameter.low * parameter.high) if parameter.log else (parameter.low + parameter.high) / 2
    return list(dict.fromkeys(range_value(parameter, v) for v in (parameter.low, middle, parameter.high)))


def shown_value(value: Any, width: int = 60) -> str:
    """A swept value as an error shows it: as YAML writes it (null, not Python's None),
    a text in quotes, cut at ``width`` characters."""
    text = f"'{value}'" if isinstance(value, str) else yaml_value(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def yaml_value(value: Any) -> str:
    """``value`` as YAML that reads back exactly (floats keep every digit). A whole number,
    or a finite float whose shortest repr has no exponent, is written as PyYAML writes it
    (its repr) without the emitter, which took a fifth of a millisecond a value."""
    if type(value) is int:
        return str(value)
    if type(value) is float and math.isfinite(value) and "e" not in (text := repr(value)):
        return text
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).strip().removesuffix("...").strip()


# --------------------------------------------------------------------------- parameter values


def range_value(parameter: ValueRange, value: float) -> float | int:
    """A value of a range parameter as the scenario takes it: rounded when ``integer``."""
    return int(round(value)) if parameter.integer else float(value)


#: Significant digits a grid range's levels between its ends keep: linspace and geomspace
#: are off by a few units in the 16th (0.09999999999999999 for 0.1, 20.000000000000004 for
#: 20), which a filter `== 0.1` missed and which made 4 levels from 0 to 0.3 no subset of 10.
LEVEL_DIGITS = 12


def grid_levels(parameter: ValueList | ValueRange) -> list[Any]:
    """A parameter's levels on a grid: its values, or ``levels`` evenly spaced from low
    to high (in log(value) when ``log``; rounded and deduplicated when ``integer``),
    the ends as written and the levels between rounded (:func:`settled_level`)."""
    if isinstance(parameter, ValueList):
        return list(parameter.values)
    space = np.geomspace if parameter.log else np.linspace
    if parameter.levels <= 1:
        return [range_value(parameter, parameter.low)]
    between = space(parameter.low, parameter.high, parameter.levels).tolist()[1:-1]
    levels = [parameter.low, *(settled_level(parameter, v) for v in between), parameter.high]
    return list(dict.fromkeys(range_value(parameter, v) for v in levels))


def settled_level(parameter: ValueList | ValueRange, value: Any) -> Any:
    """A generated level as a person would write it: to LEVEL_DIGITS significant digits of
    the larger end (linear: the spacing's error is relative to it, and -0.1 to 0.2 in 4
    levels gives 0 rather than 1.4e-17), or of the level itself (log). A list's values, a
    whole-number range's and anything not a float are as given."""
    if isinstance(parameter, ValueList) or parameter.integer or not isinstance(value, float) or not math.isfinite(value):
        return value
    if parameter.log:
        return float(f"{value:.{LEVEL_DIGITS}g}")
    scale = max(abs(parameter.low), abs(parameter.high))
    return round(value, LEVEL_DIGITS - 1 - math.floor(math.log10(scale)))


def unit_to_value(parameter: ValueList | ValueRange, u: float) -> Any:
    """Map u in [0, 1) to a value, so that equal strata of u are equal strata of the
    parameter: list item floor(u·k); low + u·(high − low); log-uniform with ``log``;
    with ``integer`` every whole number in [low, high] gets an equal share of u (with
    ``log`` too, the log-uniform draw over [low, high + 1) rounded down: k gets a share
    log((k + 1)/k) of the log range)."""
    if isinstance(parameter, ValueList):
        return parameter.values[min(int(u * len(parameter.values)), len(parameter.values) - 1)]
    low, high = parameter.low, parameter.high
    if parameter.integer:
        top = high + 1
        value = math.exp(math.log(low) + u * (math.log(top) - math.log(low))) if parameter.log else low + u * (top - low)
        return int(min(math.floor(value), high))
    if parameter.log:
        return float(min(math.exp(math.log(low) + u * (math.log(high) - math.log(low))), high))
    return float(low + u * (high - low))

