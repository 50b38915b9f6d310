"""Settings files of the decision commands (``refsim optimize|sensitivity|calibrate
--settings FILE``): everything the flags say, written down once so that a study
can be rerun, reviewed and resumed.

A settings file is YAML, read by scenario_io's reader and checked by its one
describer, so a mistake is one line naming the file, the key (and line) and what
is valid. Paths in it (``scenario``, ``designs``, ``data``, ``out``) are relative
to the file. A flag given on the command line wins over the file: a single value
replaces the file's, a repeatable flag (``--vary``, ``--set``, ...) replaces the
file's whole list. Ranges are written as the flags write them::

    scenario: ../scenarios/default.yaml
    vary:
      program.incentive.referrer_reward: "5:60"
      program.timing.kind: [onboarding, at_purchase]
    objective: cumulative_profit
    constraints: ["reward_cost<=50000"]
    trials: 60
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ScenarioError
from .scenario_io import describe, key_at, parse_yaml, read_yaml_text, validate_strictly

Ranges = dict[str, Union[str, float, list[Any]]]


class _Settings(BaseModel):
    """Keys every decision command shares; unknown keys are errors, as in scenarios."""

    model_config = ConfigDict(extra="forbid")
    #: what a key set to null means, for the hint of a value of the wrong type
    null_means: ClassVar[str] = "the command's default"

    scenario: Optional[str] = Field(None, description="Scenario YAML, relative to this file (~ is the home folder; the command's SCENARIO).")
    set: list[str] = Field(default_factory=list, description="Scenario overrides KEY=VALUE, as --set.")
    seed: Optional[int] = Field(None, ge=0, le=2**63 - 1, description="Study seed (default: the scenario's, or a drawn one, recorded).")
    replicates: Optional[int] = Field(None, ge=1, description="Replicates per design point (common random numbers).")
    out: Optional[str] = Field(None, description="Results folder, relative to this file (~ is the home folder).")
    workers: Optional[int] = Field(None, ge=1, le=100_000, description="Parallel workers (the command line wins).")
    executor: Optional[Literal["local", "serial", "dask"]] = Field(None, description="Where runs execute.")
    scheduler: Optional[str] = Field(None, description="Dask scheduler address tcp://HOST:PORT.")

    @field_validator("vary", "uncertain", "fit", mode="before", check_fields=False)
    @classmethod
    def _dotted(cls, value: Any) -> Any:
        """A nested block (program: {incentive: {referrer_reward: ...}}) read as 'vary.program: Input
        should be a valid string', with no hint that the keys are written dotted."""
        from .sweep_spec import ValueList, ValueRange, yaml_value

        sweep_keys = {*ValueRange.model_fields, *ValueList.model_fields}   # a sweep file's range or list
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict) and item and set(item) <= sweep_keys:
                    # a sweep file's range, {low: 0.1, high: 0.3}: the advice was a key 'program.base_share.low'
                    if "values" in item:
                        raise ValueError(f"'{key}' holds a sweep file's {{values: ...}}; here choices are a list: "
                                         f"{key}: [a, b]")
                    low, high = item.get("low", "LO"), item.get("high", "HI")
                    log = ":log" if item.get("log") else ""
                    raise ValueError(f"'{key}' holds a sweep file's {{low, high}}; here a range is written "
                                     f"{key}: '{low}:{high}{log}' (quoted), or choices as a list [a, b]")
                if isinstance(item, dict):
                    inner = next(iter(item), "KEY")
                    raise ValueError(f"'{key}' holds a block; write each key dotted on one line, as --set takes it, "
                                     f"e.g. {key}.{inner}...: '0:60' (a range) or [a, b] (choices)")
                if isinstance(item, list) and (odd := next((v for v in item if isinstance(v, (list, dict))), None)) \
                        is not None:
                    # joined into 'a,b' text for the flag's parser, [[1, 2], 0.3] was told "value '[1' does not fit"
                    raise ValueError(f"'{key}' lists {yaml_value(odd)} among its choices; each choice is one number, "
                                     f"word, true/false or null")
        return value


class OptimizeFile(_Settings):
    vary: Ranges = Field(default_factory=dict, description="KEY: 'LO:HI' | 'LO:HI:log' | [choices].")
    objective: Union[str, list[str], None] = Field(None, description="One metric (TPE) or two (NSGA-II); METRIC[:max|:min].")
    constraints: list[str] = Field(default_factory=list, description="METRIC<=VALUE or METRIC>=VALUE.")
    trials: Optional[int] = Field(None, ge=1)
    max_replicates: Optional[int] = Field(None, ge=1)
    eta: Optional[int] = Field(None, ge=2)
    batch: Optional[int] = Field(None, ge=1)
    confirm_replicates: Optional[int] = Field(None, ge=2)
    confirm_tries: Optional[int] = Field(None, ge=1)
    startup_trials: Optional[int] = Field(None, ge=1)
    population: Optional[int] = Field(None, ge=2)


class SensitivityFile(_Settings):
    designs: list[str] = Field(default_factory=list, description="More scenario files to decide between.")
    uncertain: Ranges = Field(default_factory=dict, description="KEY: 'LO:HI' | 'LO:HI:log' | [choices].")
    metrics: list[str] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list, description="METRIC<=VALUE or METRIC>=VALUE: how often each design breaks it across the uncertainty.")
    decision_metric: Optional[str] = None
    samples: Optional[int] = Field(None, ge=2, json_schema_extra={"valid": "a power of two from 2, e.g. 64"})
    trajectories: Optional[int] = Field(None, ge=2)
    levels: Optional[int] = Field(None, ge=2)
    bins: Optional[int] = Field(None, ge=2)
    screen: Optional[float] = Field(None, ge=0, lt=1)
    tornado_replicates: Optional[int] = Field(None, ge=1, description="Replicates at each end of the tornado (default: the scenario's).")

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, value: Optional[int]) -> Optional[int]:
        """Saltelli sampling takes a power of two (as --samples does): said here, with the file's line."""
        if value is not None and value & (value - 1):
            raise ValueError("must be a power of two, e.g. 64")
        return value


#: Fewest ABC-SMC particles per generation: with fewer the posterior is a point or two
#: and its interval has no width (one particle gave a 0-wide interval).
MIN_PARTICLES = 5
#: Fewest posterior draws a forecast runs: one draw has no spread.
MIN_DRAWS = 2


class CalibrateFile(_Settings):
    data: Optional[str] = Field(None, description="The pilot's daily counts (CSV), relative to this file (~ is the home folder).")
    fit: Ranges = Field(default_factory=dict, description="KEY: 'LO:HI' (numbers only).")
    columns: list[str] = Field(default_factory=list)
    designs: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    particles: Optional[int] = Field(None, ge=MIN_PARTICLES)
    generations: Optional[int] = Field(None, ge=1)
    bin_days: Optional[int] = Field(None, ge=1, description="Days per summary bin (default: `parts` equal parts of the pilot).")
    parts: Optional[int] = Field(None, ge=1, le=100, description="Equal parts of the pilot summed apart when bin_days is unset (default 1: each column's total).")
    min_acceptance_rate: Optional[float] = Field(None, gt=0, lt=1, description="A generation accepting fewer is dropped and the fit stops (default 0.05).")
    max_simulations: Optional[int] = Field(None, ge=1, description="No generation starts after this many simulations (default: 30 per particle, 6000 at 200).")
    posterior_samples: Optional[int] = Field(None, ge=10)
    draws: Optional[int] = Field(None, ge=MIN_DRAWS)
    # draws' other name: 'replicates: 1' passed the shared bound of 1, ran the whole fit, then failed naming no file
    replicates: Optional[int] = Field(None, ge=MIN_DRAWS, description="Posterior draws the forecast runs (draws' other name).")
    level: Optional[float] = Field(None, gt=0, lt=1)


MODELS = {"optimize": OptimizeFile, "sensitivity": SensitivityFile, "calibrate": CalibrateFile}
PATH_KEYS = ("scenario", "out", "data")


def _refuse_other_kinds(data: dict, command: str, source: str) -> None:
    """A sweep file or a scenario given as a settings file, said as such in one line (as
    `refsim run` and `compare` say a settings or sweep file is no scenario): a scenario's
    `population:` block was called "a setting of optimize, not of sensitivity", and a
    sweep's `metrics:` "a setting of sensitivity and calibrate"."""
    from .config import Scenario

    if {"base", "parameters"} <= set(data):
        raise ScenarioError(f"this is a sweep file (it has 'base:' and 'parameters:'), not {command} settings; run it "
                            f"with `refsim sweep {source}`", file=source)
    own = set(MODELS[command].model_fields)
    scenario = [key for key in data if key in Scenario.model_fields and key not in own and key != "population"]
    if scenario and "scenario" not in data:
        listed = ", ".join(f"'{key}:'" for key in scenario[:3])
        raise ScenarioError(f"this is a scenario file (it has {listed}), not {command} settings; give it as the "
                            f"scenario, `refsim {command} {source} ...`, and settings (if any) with --settings",
                            file=source)


def load_settings(path: Path | None, command: str) -> BaseModel:
    """The settings file of ``command`` (empty settings when ``path`` is None), with its
    paths made relative to the current folder."""
    model = MODELS[command]
    if path is None:
        return model()
    path = Path(path)
    source = str(path)
    text = read_yaml_text(path, f"{'an' if command[0] in 'aeiou' else 'a'} {command} settings YAML file (see docs/decide.md)")
    data = parse_yaml(text, source, f"{command} settings are a mapping of keys such as 'scenario:', 'seed:' "
                                    f"(see docs/decide.md)")
    if isinstance(data, dict):
        _refuse_other_kinds(data, command, source)
    for key in data if isinstance(data, dict) else ():
        # another command's setting: the nearest spelling of this one's ('trials' under sensitivity: 'metrics'?) misled
        owners = [name for name, other in MODELS.items() if other is not model and key in other.model_fields]
        if key not in model.model_fields and owners:
            raise ScenarioError(f"{key} is a setting of {' and '.join(owners)}, not of {command}; valid keys here: "
                                f"{', '.join(model.model_fields)}", file=source, key=key_at(str(key), [key], text))
    try:
        settings = validate_strictly(model, data)   # as scenario and sweep files
    except ValidationError as error:
        raise describe(error, data, source, text, model=model, what=f"{command} settings file") from None
    # '~/pilot.csv' is the home folder's, as a network's edge list is (it was looked for under this file's folder)
    changes = {k: str(path.parent / Path(getattr(settings, k)).expanduser()) for k in PATH_KEYS
               if getattr(settings, k, None)}
    if getattr(settings, "designs", None):
        changes["designs"] = [str(path.parent / Path(d).expanduser()) for d in settings.designs]
    return settings.model_copy(update=changes)


def range_texts(ranges: dict[str, Any]) -> list[str]:
    """A file's ``KEY: range`` mapping as the flags write it (``KEY=LO:HI``, ``KEY=a,b``)."""
    from .sweep_spec import yaml_value

    texts = []
    for key, value in ranges.items():
        if isinstance(value, list):
            # as YAML writes them ('null', '.inf', 'true'): str() gave 'None', which came back as text, and 'inf',
            # told "Input should be a valid number (got 'inf')"
            texts.append(f"{key}=" + ",".join(yaml_value(v) for v in value))
        else:
            texts.append(f"{key}={value}")
    return texts


def pick(flag: Any, file_value: Any) -> Any:
    """The flag when given (not None, not an empty list), else the file's value."""
    return flag if flag not in (None, [], ()) else file_value


__all__ = ["OptimizeFile", "SensitivityFile", "CalibrateFile", "load_settings", "range_texts", "pick"]
