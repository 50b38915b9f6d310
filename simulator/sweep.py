"""Parameter sweeps: many points of one base scenario, each run for several replicates.

A sweep file names a base scenario, the parameters to vary (scenario key paths,
exactly as ``--set`` takes them) and how to pick points: every combination of
the listed levels (``grid``), independent uniform draws (``random``) or a Latin
hypercube (``latin_hypercube``: each of the n equal strata of every parameter's
range holds exactly one point).

Every (point, replicate) pair is one run whose seed comes from
``SeedSequence(sweep seed, spawn_key=(point, replicate))`` (or, with
``common_random_numbers: true``, the replicate's seed alone, shared by every
point), so a sweep gives identical rows whatever executor or number of workers
runs it, and whatever order runs finish in.

Finished runs are appended to ``runs/part-NNNNNN.parquet`` files as they arrive
(each written to a temporary file, then renamed), so an interrupted sweep loses
nothing that was written and a rerun of the same command skips every run already
on disk. ``sweep.lock`` (holding the writer's pid) keeps two sweeps out of one
folder; ``sweep.json`` holds a fingerprint of the resolved sweep and base
scenario, so a changed sweep is never mixed with the old one's runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import itertools
import json
import math
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Union

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from .config import Scenario
from .errors import ScenarioError
from .executors import check_executor, check_scheduler, default_workers, run_tasks
from .metrics import SUMMARY_METRICS
from .results import atomic_write_csv, atomic_write_json, atomic_write_parquet, atomic_write_text, manifest, slug
from .rng import draw_seed, replicate_seeds, stream_key
from .runner import INCREMENTAL_METRICS, run_replicate
from .scenario_io import _with_line, apply_overrides, parse_yaml, read_yaml_text, validate

METHODS = ("grid", "random", "latin_hypercube")
KNOWN_METRICS: dict[str, str] = {**SUMMARY_METRICS, **INCREMENTAL_METRICS}
DEFAULT_METRICS = ("customers_final", "referred_share", "k_factor", "attributed_roi", "cost_per_referred_customer", "cumulative_profit")
#: Keys the sweep itself sets for every run; sweeping them would be silently ignored.
RESERVED_KEYS = ("seed", "replicates")
#: Most runs sent to a worker in one task: enough to amortise the hand-over of tiny
#: runs, few enough that an interruption loses little and workers finish together.
MAX_BATCH = 25

#: Values of a list parameter checked against the base scenario before anything runs.
CHECKED_VALUES = 200
#: Most points one sweep may have (the points, not their results, are held in memory).
MAX_POINTS = 10_000_000

LOCK_FILE, STATE_FILE, RUNS_DIR = "sweep.lock", "sweep.json", "runs"


# --------------------------------------------------------------------------- the sweep file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueList(_Strict):
    values: list[Any] = Field(..., min_length=1, max_length=100_000, description="Values to try, in order (any YAML value the key accepts).")


class ValueRange(_Strict):
    low: float = Field(..., description="Smallest value.")
    high: float = Field(..., description="Largest value.")
    log: bool = Field(False, description="Spread points evenly in log(value) (needs low > 0).")
    integer: bool = Field(False, description="Whole numbers only (low and high included).")
    levels: int | None = Field(None, ge=1, le=100_000, description="Grid only: evenly spaced levels from low to high.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g}); give low <= high")
        if self.log and self.low <= 0:
            raise ValueError(f"log: true needs low > 0 (got low = {self.low:g})")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"integer: true needs whole numbers for low and high (got {self.low:g}, {self.high:g})")
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
    base: Union[str, dict[str, Any]] = Field(..., description="Base scenario: a YAML path relative to the sweep file, or an inline scenario mapping.")
    method: Literal["grid", "random", "latin_hypercube"] = Field("grid", description="How points are chosen.")
    parameters: dict[str, Parameter] = Field(..., min_length=1, max_length=50, description="Scenario key paths to vary (as --set takes them).")
    samples: int | None = Field(None, ge=1, le=MAX_POINTS, description="Points drawn (random, latin_hypercube).")
    replicates: int | None = Field(None, ge=1, le=1_000_000, description="Runs per point (default: the base scenario's).")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Sweep seed (default: the base scenario's; else drawn and stored in the folder).")
    metrics: list[str] | None = Field(None, min_length=1, max_length=100, description="Metrics recorded per run.")
    common_random_numbers: bool = Field(False, description="Every point uses the same replicate seeds (paired points).")
    executor: Literal["local", "serial", "dask"] | None = Field(None, description="Default executor (the command line wins).")
    workers: int | None = Field(None, ge=1, le=100_000, description="Default number of workers (the command line wins).")
    scheduler: str | None = Field(None, description="Default Dask scheduler address tcp://HOST:PORT (the command line wins).")


#: Fields of the sweep that only say where runs execute: they change no row.
EXECUTION_KEYS = {"executor", "workers", "scheduler"}


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

    def fingerprint(self) -> str:
        """SHA-256 of everything that decides the rows: the resolved sweep and the
        base scenario (as written and as resolved); not where runs execute."""
        payload = {
            "sweep": self.spec.model_dump(mode="json", exclude=EXECUTION_KEYS | {"base", "description"}),
            "replicates": self.replicates,
            "metrics": list(self.metrics),
            "base": self.base_data,
            "base_resolved": self.base.model_dump(mode="json"),
        }
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_sweep(path: str | Path, replicates: int | None = None) -> Sweep:
    """Read and check a sweep file; every mistake is one ScenarioError line naming
    the file, the key path (and line) and what would be valid."""
    path = Path(path)
    source = str(path)
    text = read_yaml_text(path, "a sweep YAML file (see scenarios/sweeps/)")
    data = parse_yaml(text, source)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        raise _describe(error, data, source, text) from None
    where = lambda *keys: _with_line(".".join(map(str, keys)), list(keys), text)  # noqa: E731
    _check_method(spec, source, where)
    metrics = _check_metrics(spec, source, where)
    base, base_data, base_source, base_dir = _load_base(spec, path, where)
    if replicates is not None and replicates < 1:
        raise ScenarioError(f"--replicates must be at least 1 (got {replicates})", key="--replicates")
    count = replicates or spec.replicates or base.replicates
    sweep = Sweep(spec, source, spec.name or path.stem, base, base_data, base_source, base_dir, count, metrics)
    _check_parameters(sweep, where)
    if spec.executor is not None or spec.scheduler is not None:
        try:
            check_executor(spec.executor, spec.scheduler)
        except ScenarioError as error:
            raise ScenarioError(error.message, file=source, key=where("scheduler")) from None
    return sweep


def _describe(error: ValidationError, data: dict, source: str, text: str) -> ScenarioError:
    """The first validation error of a sweep file as one line."""
    errors = error.errors()
    rank = {"extra_forbidden": 0, "literal_error": 1, "value_error": 2, "missing": 3}
    first = min(errors, key=lambda e: rank.get(e["type"], 4))
    path, node = [], data
    for part in first["loc"]:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif first["type"] == "missing" and part == first["loc"][-1]:
            path.append(part)
    kind, message = first["type"], first["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        parent = path[:-1]
        model = SweepSpec if len(parent) == 0 else (ValueList if _parameter_kind(_get(data, parent)) == "value_list" else ValueRange)
        valid = sorted(model.model_fields)
        hint = difflib.get_close_matches(str(path[-1]), valid, n=1, cutoff=0.6)
        message = f"unknown key '{path[-1]}'" + (f"; did you mean '{hint[0]}'?" if hint else "") + f" valid keys here: {', '.join(valid)}"
    elif kind == "literal_error":
        options = [o.strip(" '") for o in first.get("ctx", {}).get("expected", "").replace(" or ", ",").split(",") if o.strip(" '")]
        hint = difflib.get_close_matches(str(first.get("input")), options, n=1, cutoff=0.5)
        message = f"unknown value {first.get('input')!r}" + (f"; did you mean '{hint[0]}'?" if hint else "") + f" valid: {', '.join(options)}"
    elif kind == "missing":
        message = "required key is missing" + ("; a sweep needs 'base:' and 'parameters:'" if len(path) == 1 else "")
    elif "input" in first and not isinstance(first["input"], (dict, list)):
        message = f"{message} (got {first['input']!r})"
    key = ".".join(map(str, path)) or "(top level)"
    return ScenarioError(message, file=source, key=_with_line(key, path, text))


def _get(data: Any, path: list) -> Any:
    for part in path:
        data = data[part]
    return data


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
    else:
        if spec.samples is None:
            raise ScenarioError(f"method {spec.method} needs 'samples: N' (the number of points to draw, at least 1)",
                                file=source, key=where("method"))
        for key, parameter in spec.parameters.items():
            if isinstance(parameter, ValueRange) and parameter.levels is not None:
                raise ScenarioError(f"levels applies to grid sweeps only; method {spec.method} draws values from low to high",
                                    file=source, key=where("parameters", key, "levels"))
    for key in spec.parameters:
        if key in RESERVED_KEYS:
            raise ScenarioError(f"'{key}' is set by the sweep for every run; use the sweep's own '{key}:' instead",
                                file=source, key=where("parameters", key))


def _check_metrics(spec: SweepSpec, source: str, where) -> tuple[str, ...]:
    metrics = tuple(spec.metrics) if spec.metrics else DEFAULT_METRICS
    for i, metric in enumerate(metrics):
        if metric not in KNOWN_METRICS:
            hint = difflib.get_close_matches(metric, list(KNOWN_METRICS), n=1, cutoff=0.6)
            raise ScenarioError(f"unknown metric '{metric}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
                                + f" valid metrics: {', '.join(KNOWN_METRICS)}", file=source, key=where("metrics", i))
    if len(set(metrics)) < len(metrics):
        raise ScenarioError("a metric is listed twice; list each once", file=source, key=where("metrics"))
    return metrics


def _load_base(spec: SweepSpec, path: Path, where) -> tuple[Scenario, dict, str, Path]:
    """The base scenario: a file relative to the sweep file, or the inline mapping."""
    if isinstance(spec.base, dict):
        source = f"{path} (base)"
        return validate(spec.base, source=source, base_dir=path.parent), spec.base, source, path.parent
    base_path = Path(spec.base)
    if not base_path.is_absolute():
        base_path = Path(os.path.normpath(path.parent / base_path))
    if not base_path.is_file():
        raise ScenarioError(f"base scenario '{spec.base}' not found (looked for {base_path}); give a scenario YAML path "
                            f"relative to the sweep file, or an inline scenario mapping", file=str(path), key=where("base"))
    text = base_path.read_text(encoding="utf-8")
    data = parse_yaml(text, str(base_path))
    return validate(data, source=str(base_path), text=text, base_dir=base_path.parent), data, str(base_path), base_path.parent


def _check_parameters(sweep: Sweep, where) -> None:
    """Apply each parameter's values (or both ends of its range) to the base scenario on
    its own: a key path the base does not have, or a value the key cannot take, is a
    mistake in the sweep file. Only combinations that are invalid together are left
    to the runs (they are recorded as failed), as are list values past the first
    ``CHECKED_VALUES`` (checking a long list would take longer than running it)."""
    for key, parameter in sweep.spec.parameters.items():
        candidates = parameter.values[:CHECKED_VALUES] if isinstance(parameter, ValueList) else \
            [_range_value(parameter, parameter.low), _range_value(parameter, parameter.high)]
        for value in candidates:
            try:
                data = apply_overrides(sweep.base_data, [f"{key}={yaml_value(value)}"], source=sweep.source)
                validate(data, source=sweep.base_source, base_dir=sweep.base_dir)
            except ScenarioError as error:
                at = (error.key or "").split(" (line")[0]
                own = at == key or at.startswith(key + ".") or (key.startswith(at + ".") and error.message.startswith("unknown")) \
                    or error.file in (sweep.source, "--set")
                if own:
                    raise ScenarioError(f"value {value!r} does not fit the base scenario {sweep.base.name}: "
                                        f"{error.message}", file=sweep.source, key=where("parameters", key)) from None


def yaml_value(value: Any) -> str:
    """``value`` as YAML that reads back exactly (floats keep every digit)."""
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).strip().removesuffix("...").strip()


# --------------------------------------------------------------------------- points


@dataclass
class Points:
    """The points of a sweep: raw values (applied to the base scenario) and the
    table of values as they appear in the outputs, one row per point."""

    values: list[dict[str, Any]]
    table: pd.DataFrame          # point_id + one column per parameter

    def __len__(self) -> int:
        return len(self.values)


def _range_value(parameter: ValueRange, value: float) -> float | int:
    return int(round(value)) if parameter.integer else float(value)


def grid_levels(parameter: ValueList | ValueRange) -> list[Any]:
    """A parameter's levels on a grid: its values, or ``levels`` evenly spaced from low
    to high (in log(value) when ``log``; rounded and deduplicated when ``integer``)."""
    if isinstance(parameter, ValueList):
        return list(parameter.values)
    space = np.geomspace if parameter.log else np.linspace
    levels = space(parameter.low, parameter.high, parameter.levels) if parameter.levels > 1 else np.array([parameter.low])
    return list(dict.fromkeys(_range_value(parameter, v) for v in levels))


def unit_to_value(parameter: ValueList | ValueRange, u: float) -> Any:
    """Map u in [0, 1) to a value, so that equal strata of u are equal strata of the
    parameter: list item floor(u·k); low + u·(high − low); log-uniform with ``log``;
    with ``integer`` every whole number in [low, high] gets an equal share of u."""
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


def point_stream(seed: int) -> np.random.Generator:
    """The generator that places random and Latin-hypercube points: its own stream of
    the sweep seed, apart from every run's seed."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream_key("sweep points"),))))


def unit_samples(method: str, samples: int, dimensions: int, seed: int) -> np.ndarray:
    """``samples`` × ``dimensions`` points in [0, 1): independent uniforms, or a Latin
    hypercube (scipy.stats.qmc.LatinHypercube: each of the ``samples`` strata
    [k/n, (k+1)/n) of every dimension holds exactly one point)."""
    rng = point_stream(seed)
    if method == "random":
        return rng.random((samples, dimensions))
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dimensions, rng=rng).random(samples)


def sweep_points(sweep: Sweep, seed: int) -> Points:
    spec = sweep.spec
    keys = sweep.parameters
    if spec.method == "grid":
        combos = itertools.product(*(grid_levels(spec.parameters[k]) for k in keys))
        values = [dict(zip(keys, combo)) for combo in combos]
    else:
        units = unit_samples(spec.method, spec.samples, len(keys), seed)
        values = [{k: unit_to_value(spec.parameters[k], float(u)) for k, u in zip(keys, row)} for row in units]
    table = pd.DataFrame({"point_id": np.arange(len(values), dtype=np.int64)})
    for key in keys:
        table[key] = _table_column([v[key] for v in values])
    return Points(values, table)


def _table_column(values: list[Any]) -> pd.Series:
    """One type per column, so every part file has the same schema: numbers stay
    numbers, text stays text, anything else (lists, mappings, mixes) becomes JSON."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=np.float64)
    if all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype=object)
    return pd.Series([json.dumps(v, sort_keys=True, default=str) for v in values], dtype=object)


def run_seed(sweep_seed: int, point: int, replicate: int) -> int:
    """The seed of one run: SeedSequence(sweep_seed, spawn_key=(point, replicate)),
    first 63 bits. It depends on nothing else, so scheduling cannot change it."""
    state = np.random.SeedSequence(sweep_seed, spawn_key=(point, replicate)).generate_state(2, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def run_seeds(sweep: Sweep, seed: int, points: int) -> Iterator[tuple[int, int, int, int]]:
    """(run_id, point_id, replicate, seed) of every run, in run order (run_id = point × replicates + replicate)."""
    shared = replicate_seeds(seed, sweep.replicates) if sweep.spec.common_random_numbers else None
    for point in range(points):
        for replicate in range(sweep.replicates):
            yield (point * sweep.replicates + replicate, point, replicate,
                   shared[replicate] if shared else run_seed(seed, point, replicate))


# --------------------------------------------------------------------------- one batch of runs (runs on workers)


@dataclass(frozen=True)
class SweepBatch:
    """Runs sent to one worker in one task."""

    base: dict
    base_source: str
    base_dir: str | None
    metrics: tuple[str, ...]
    baseline: bool
    runs: tuple[tuple[int, int, dict, int, int], ...]    # (run_id, point_id, parameter values, replicate, seed)


def run_batch(batch: SweepBatch) -> list[dict]:
    """Run each run of the batch; a run that raises is recorded as failed with its
    error message, and the others go on."""
    return [run_point(batch, *run) for run in batch.runs]


def run_point(batch: SweepBatch, run_id: int, point_id: int, values: dict, replicate: int, seed: int) -> dict:
    row: dict[str, Any] = {"run_id": run_id, "point_id": point_id, "replicate": replicate, "seed": seed}
    try:
        data = apply_overrides(batch.base, [f"{key}={yaml_value(value)}" for key, value in values.items()],
                               source=batch.base_source)
        scenario = validate(data, source=batch.base_source, base_dir=Path(batch.base_dir) if batch.base_dir else None)
        metrics = run_replicate(scenario, replicate, seed, baseline=batch.baseline).metrics
        row.update({m: float(metrics.get(m, math.nan)) for m in batch.metrics}, status="ok", error="")
    except Exception as error:  # noqa: BLE001 - a failing run is data, not a crash of the sweep
        message = " ".join(str(error).split()) or type(error).__name__
        row.update({m: math.nan for m in batch.metrics}, status="failed", error=f"{type(error).__name__}: {message}"[:2000])
    return row


# --------------------------------------------------------------------------- the sweep folder


def default_folder(sweep_file: str | Path, base: Path = Path("results")) -> Path:
    """results/sweep-<file name>/: the same command always writes, and resumes, here."""
    return Path(base) / f"sweep-{slug(Path(sweep_file).stem)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process that nobody has reaped yet is dead too
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class SweepLock:
    """``sweep.lock`` holding the writer's pid: a second sweep into the same folder is
    refused; a lock left by a process that no longer exists is taken over."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE

    def holder(self) -> tuple[int | None, str | None]:
        """The pid and host name written in the lock (None where unreadable)."""
        try:
            fields = self.path.read_text().split()
            return int(fields[0]), (fields[1] if len(fields) > 1 else None)
        except (OSError, ValueError, IndexError):
            return None, None

    def _held(self) -> bool:
        pid, host = self.holder()
        if pid is None:
            return False
        if host is not None and host != socket.gethostname():
            return True  # a process on another computer cannot be checked from here
        return _pid_alive(pid)

    def __enter__(self) -> "SweepLock":
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._held():
                    pid, host = self.holder()
                    raise ScenarioError(f"another sweep (pid {pid} on {host or 'this computer'}) is writing to this folder; "
                                        f"wait for it to finish, or delete {self.path} if no sweep is running",
                                        file=str(self.folder), key="--out") from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()} {socket.gethostname()}\n")
            return self
        raise ScenarioError(f"could not take {self.path}; another sweep keeps taking it", file=str(self.folder), key="--out")

    def __exit__(self, *exc) -> None:
        if self.holder() == (os.getpid(), socket.gethostname()):
            self.path.unlink(missing_ok=True)


class RunStore:
    """Finished runs as small parquet part files under runs/, each written whole
    (temporary file, then rename); reading them back gives every finished run once."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / RUNS_DIR
        self.path.mkdir(parents=True, exist_ok=True)
        for leftover in self.path.glob(".*.tmp"):  # a write cut short by a kill
            leftover.unlink(missing_ok=True)
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in self.parts()), default=0)

    def parts(self) -> list[Path]:
        return sorted(self.path.glob("part-*.parquet"))

    def done(self) -> set[int]:
        import pyarrow.parquet as pq

        ids: set[int] = set()
        for part in self.parts():
            ids.update(pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def append(self, rows: list[dict]) -> Path:
        path = atomic_write_parquet(self.path / f"part-{self._next:06d}.parquet", pd.DataFrame(rows))
        self._next += 1
        return path

    def frame(self) -> pd.DataFrame:
        parts = self.parts()
        if not parts:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


@dataclass
class SweepOutcome:
    folder: Path
    runs: int          # runs in the sweep
    ran: int           # runs done by this call
    skipped: int       # runs found already done on disk
    failed: int        # failed runs in the whole sweep
    points: int
    seed: int


def _start(folder: Path, sweep: Sweep, force: bool) -> dict:
    """Read or create sweep.json: refuse a folder written by a different sweep unless
    ``force`` (which starts over, as it does for the same sweep)."""
    state_path = folder / STATE_FILE
    fingerprint = sweep.fingerprint()
    state = None
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except (OSError, ValueError):
            state = None
        if state is None or state.get("fingerprint") != fingerprint:
            if not force:
                raise ScenarioError("holds a different sweep (its sweep file or base scenario has changed since); "
                                    "rerun with --force to start over, or choose another --out folder",
                                    file=str(folder), key="--out")
            state = None
        elif force:
            state = None
        if state is None:
            for entry in folder.iterdir():
                if entry.name != LOCK_FILE:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    elif any(entry.name != LOCK_FILE for entry in folder.iterdir()):
        raise ScenarioError("already exists and is not a sweep folder; choose a new --out folder", file=str(folder), key="--out")
    if state is None:
        seed = sweep.seed if sweep.seed is not None else draw_seed()
        state = {"fingerprint": fingerprint, "sweep_seed": seed, "name": sweep.name, "source": sweep.source,
                 "started": dt.datetime.now().isoformat(timespec="seconds")}
        atomic_write_json(state_path, state)
    return state


def batch_size(pending: int, workers: int) -> int:
    """Runs per task: about 64 tasks per worker (so that the last ones finish close
    together), at most MAX_BATCH runs each."""
    return max(1, min(MAX_BATCH, math.ceil(pending / (64 * max(workers, 1)))))


def run_sweep(sweep: Sweep, out: Path, *, workers: int | None = None, executor: str | None = None,
              scheduler: str | None = None, force: bool = False, command: list[str] | None = None,
              on_start: Callable[[int, int], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepOutcome:
    """Run every run of the sweep not yet in ``out`` and write the sweep's outputs.

    ``on_start(total, already_done)`` is called once the work is known;
    ``progress(ok, failed)`` after each finished batch. Command-line ``workers``,
    ``executor`` and ``scheduler`` win over the sweep file's.
    """
    scheduler = scheduler or sweep.spec.scheduler
    executor = check_executor(executor or sweep.spec.executor, scheduler)
    workers = workers or sweep.spec.workers or default_workers()
    if executor == "dask" and scheduler:
        check_scheduler(scheduler)
    folder = Path(out)
    with SweepLock(folder):
        state = _start(folder, sweep, force)
        seed = int(state["sweep_seed"])
        points = sweep_points(sweep, seed)
        store = RunStore(folder)
        done = store.done()
        total = len(points) * sweep.replicates
        skipped = len(done)
        if on_start:
            on_start(total, skipped)
        pending = (run for run in run_seeds(sweep, seed, len(points)) if run[0] not in done)
        parameters = points.table.set_index("point_id")
        columns = {k: parameters[k].tolist() for k in sweep.parameters}
        size = batch_size(total - skipped, 1 if executor == "serial" else workers)
        batches = (SweepBatch(sweep.base_data, sweep.base_source, str(sweep.base_dir) if sweep.base_dir else None,
                              sweep.metrics, sweep.baseline,
                              tuple((run_id, point, points.values[point], replicate, run_seed_)
                                    for run_id, point, replicate, run_seed_ in chunk))
                   for chunk in _chunks(pending, size))
        ran = 0
        with contextlib.closing(run_tasks(run_batch, batches, executor=executor, workers=workers,
                                          scheduler=scheduler)) as finished:
            for results in finished:
                rows = [_row(result, columns, sweep) for result in results]
                store.append(rows)
                ran += len(rows)
                if progress:
                    failed = sum(r["status"] != "ok" for r in rows)
                    progress(len(rows) - failed, failed)
        frame = store.frame()
        _check_complete(frame, total, folder)
        write_outputs(sweep, frame, points, folder, seed=seed, state=state, executor=executor, workers=workers,
                      command=command)
    failed = int((frame["status"] != "ok").sum())
    return SweepOutcome(folder, total, ran, skipped, failed, len(points), seed)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _row(result: dict, columns: dict, sweep: Sweep) -> dict:
    """A run's row in output column order: ids, parameter values, replicate, seed, metrics, status."""
    point = result["point_id"]
    return {"run_id": result["run_id"], "point_id": point, **{k: columns[k][point] for k in sweep.parameters},
            "replicate": result["replicate"], "seed": result["seed"], **{m: result[m] for m in sweep.metrics},
            "status": result["status"], "error": result["error"]}


def _check_complete(frame: pd.DataFrame, total: int, folder: Path) -> None:
    ids = frame["run_id"].to_numpy() if len(frame) else np.zeros(0, np.int64)
    if len(ids) != total or len(np.unique(ids)) != total:
        raise RuntimeError(f"{folder}: expected each of {total} runs once, found {len(ids)} rows of "
                           f"{len(np.unique(ids))} runs; rerun with --force to start over")


# --------------------------------------------------------------------------- outputs


def point_summary(frame: pd.DataFrame, sweep: Sweep) -> pd.DataFrame:
    """Per point: parameter values, ok runs, and mean with 95% t-interval of each metric."""
    from .runner import interval

    rows = []
    for point_id, group in frame.groupby("point_id", sort=True):
        ok = group[group["status"] == "ok"]
        row = {"point_id": point_id, **{k: group[k].iloc[0] for k in sweep.parameters}, "runs_ok": len(ok),
               "runs_failed": len(group) - len(ok)}
        for metric in sweep.metrics:
            summary = interval(ok[metric].to_numpy(dtype=float))
            row.update({f"{metric}_mean": summary["mean"], f"{metric}_ci_low": summary["ci_low"],
                        f"{metric}_ci_high": summary["ci_high"]})
        rows.append(row)
    return pd.DataFrame(rows)


def write_outputs(sweep: Sweep, frame: pd.DataFrame, points: Points, folder: Path, *, seed: int, state: dict,
                  executor: str, workers: int, command: list[str] | None) -> None:
    """sweep.parquet / sweep.csv (one row per run), points.csv, plots, report.md, manifest.json."""
    from . import plots

    atomic_write_parquet(folder / "sweep.parquet", frame)
    atomic_write_csv(folder / "sweep.csv", frame)
    summary = point_summary(frame, sweep)
    atomic_write_csv(folder / "points.csv", summary)
    figures = []
    ok = frame[frame["status"] == "ok"]
    if len(ok):
        discrete = {k: sweep.spec.method == "grid" or isinstance(sweep.spec.parameters[k], ValueList) for k in sweep.parameters}
        log = {k: getattr(sweep.spec.parameters[k], "log", False) for k in sweep.parameters}
        for metric in sweep.metrics:
            if not np.isfinite(ok[metric].to_numpy(dtype=float)).any():
                continue
            figures.append(plots.sweep_metric(ok, sweep.parameters, metric, folder / f"{metric}.png", discrete=discrete,
                                              log=log))
            if sweep.spec.method == "grid" and len(sweep.parameters) == 2:
                x, y = sweep.parameters
                figures.append(plots.sweep_heatmap(ok, x, y, metric, folder / f"{metric}_heatmap.png"))
    atomic_write_text(folder / "report.md", sweep_markdown(sweep, frame, summary, figures, seed))
    started = dt.datetime.fromisoformat(state["started"])
    atomic_write_json(folder / "manifest.json", manifest(
        scenarios=[sweep.base], seeds={sweep.base.name: frame["seed"].tolist()}, started=started, ended=dt.datetime.now(),
        command=command, extra={"sweep": {
            "file": sweep.source, "name": sweep.name, "fingerprint": state["fingerprint"], "sweep_seed": seed,
            "spec": sweep.spec.model_dump(mode="json"), "replicates": sweep.replicates, "metrics": list(sweep.metrics),
            "points": len(points), "runs": len(frame), "failed": int((frame["status"] != "ok").sum()),
            "run_ids": "run_id = point_id * replicates + replicate; each run's seed is in sweep.parquet",
            "executor": executor, "workers": workers}}))


def sweep_markdown(sweep: Sweep, frame: pd.DataFrame, summary: pd.DataFrame, figures: list[Path], seed: int) -> str:
    from .report import fmt

    spec = sweep.spec
    failed = frame[frame["status"] != "ok"]
    lines = [
        f"# Sweep: {sweep.name}",
        "",
        spec.description.strip(),
        "",
        f"Base scenario **{sweep.base.name}** ({sweep.base_source}); method **{spec.method}**, {len(summary)} points × "
        f"{sweep.replicates} replicates = {len(frame)} runs, sweep seed {seed}"
        + (" (common random numbers: every point on the same replicate seeds)." if spec.common_random_numbers else "."),
        "",
        "| parameter | values |",
        "|---|---|",
    ]
    for key, parameter in spec.parameters.items():
        if isinstance(parameter, ValueList):
            described = ", ".join(map(str, parameter.values[:12])) + (" …" if len(parameter.values) > 12 else "")
        else:
            described = f"{parameter.low:g} to {parameter.high:g}" + (" (log)" if parameter.log else "") + \
                        (" (whole numbers)" if parameter.integer else "") + (f", {parameter.levels} levels" if parameter.levels else "")
        lines.append(f"| {key} | {described} |")
    lines += ["", "## Best points", "",
              "The point with the best mean of each metric (95% t-interval of the mean over its replicates).", "",
              "| metric | best point | parameters | mean | 95% interval |", "|---|---|---|---|---|"]
    from .compare import LOWER_IS_BETTER, NEUTRAL

    for metric in sweep.metrics:
        column = summary[f"{metric}_mean"]
        if metric in NEUTRAL or column.isna().all():
            continue
        best = summary.loc[column.idxmin() if metric in LOWER_IS_BETTER else column.idxmax()]
        values = ", ".join(f"{k} = {_value_text(best[k])}" for k in sweep.parameters)
        low, high = best[f"{metric}_ci_low"], best[f"{metric}_ci_high"]
        band = f"{fmt(low)} – {fmt(high)}" if math.isfinite(low) else "–"
        lines.append(f"| {metric} | {int(best['point_id'])} | {values} | {fmt(best[f'{metric}_mean'])} | {band} |")
    lines += ["", "## Runs", "",
              f"{len(frame) - len(failed)} runs ok, {len(failed)} failed."
              + (" Failed runs have status `failed` and their error in the `error` column of sweep.csv; for example: "
                 f"run {int(failed.iloc[0]['run_id'])} (seed {int(failed.iloc[0]['seed'])}): `{failed.iloc[0]['error'][:200]}`"
                 if len(failed) else ""),
              "", "Files: sweep.parquet / sweep.csv (one row per run), points.csv (per point means), manifest.json.",
              "", "## Figures", "", *[f"![{f.stem}]({f.name})\n" for f in figures]]
    return "\n".join(lines)


def _value_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    return str(value)


__all__ = ["SweepSpec", "Sweep", "Points", "SweepOutcome", "load_sweep", "sweep_points", "run_seed", "run_seeds",
           "run_sweep", "default_folder", "grid_levels", "unit_to_value", "unit_samples", "METHODS", "DEFAULT_METRICS"]
