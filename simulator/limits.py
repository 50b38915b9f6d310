"""Limits checked before any work starts: what a scenario's network can hold, the
command line's numbers against the schema's bounds, and a memory estimate.

A run that does not fit in memory ends in an out-of-memory kill (the whole
machine slows first) or a traceback from a huge allocation, minutes in. The
estimate below refuses it at once, in one line that says how much it needs and
what would fit.

Memory model (bytes), measured as the growth of ``VmHWM`` (peak resident memory)
over the interpreter's with the kernel loaded, for one replicate plus its
no-program twin, 60 days, and rounded up by about a third:

- a run: ``RUN_FIXED`` (the kernel's buffers and the run's tables), plus the larger
  of two peaks: the people's arrays (``PER_PERSON`` a person and ``PER_TIE`` a tie),
  which set it on sparse networks, and the graph's build (``TIE_PHASE_PER_PERSON`` a
  person and ``TIE_PHASE_PER_TIE`` a tie generated, ``EDGE_LIST_TIE_PHASE_PER_TIE``
  read from an edge-list file), which sets it on dense ones. Measured on 2026-12-05
  (default behaviour, one replicate and its twin, 60 days): 1,000,000 people peaked
  at 327 MiB at mean degree 2, 363 MiB at 10 (365-385 MiB for the other generators),
  763 MiB for powerlaw_cluster at 40; 10,000,000 people at 10, 2,975 MiB; at mean
  degree 200 and 300,000 people 1,117 MiB (Watts-Strogatz) and 1,240 MiB
  (stochastic block); at mean degree 1,000 and 100,000 people 1,722-2,006 MiB (35-42 B a tie);
  an edge list of 5,000,000 ties, 524 MiB over 1,000,000 people and 480 MiB over
  100,000. A single cost of 250 B a person and 80 B a tie had counted 620 MiB for
  the 363 and 6.1 GiB for the 2.9, refusing runs that fitted, and 300 B and 30 B,
  tried next, fell below the dense peaks;
- a worker process: ``PER_PROCESS`` for the interpreter and the libraries (190 MiB
  measured);
- the parent: the daily rows of every replicate it collects (``DAILY_BYTES`` per
  day and replicate, counted three times for the frames built from them).

tests/test_limits.py measures a run of each kind and checks that the estimate is
above the peak and within 1.6 times it (slow).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterable

from .errors import ScenarioError

RUN_FIXED = 80 * 2**20    # bytes of one run whatever its size
PER_PERSON = 340          # bytes per person in one run (with its twin) where the people's arrays set the peak
PER_TIE = 12              # ... and per undirected tie beside them
TIE_PHASE_PER_PERSON = 60  # bytes per person where building the graph sets the peak (dense networks)
TIE_PHASE_PER_TIE = 45    # ... and per undirected tie of a generated network then
EDGE_LIST_TIE_PHASE_PER_TIE = 110  # ... and of one read from an edge-list file (the text parsed, the ids mapped)
PER_PROCESS = 200 * 2**20  # one worker's interpreter and libraries
DAILY_BYTES = 29 * 8 * 3 * 2  # metrics.DAILY_COLUMNS (29) float64 columns, 3 copies (array, frame, concat), the twin's rows
#: Share of the free memory a study may plan to use: the rest is for the system and estimate error.
HEADROOM = 0.8


# --------------------------------------------------------------------------- the network a scenario asks for


def check_network(scenario, source: str | None = None, key_of=lambda key: key) -> None:
    """Refuse a network no population of this size can have (``validate`` calls this: it
    is a property of the scenario, not of the machine): the checks each network builder
    makes before drawing anything (network.generators.check_buildable), named at the
    scenario's key (``key_of``) in ``source``."""
    from .network.generators import check_buildable

    if scenario.network.kind == "edgelist":   # the file is the network: read and checked where it is loaded
        return
    try:
        check_buildable(scenario.network, scenario.population.size)
    except ScenarioError as error:
        raise ScenarioError(error.message, file=source, key=key_of(error.key)) from None


#: (people, ties, people in no tie) of each edge-list file validated in this process, by
#: resolved path: validation reads the file once, and the memory check needs its size.
_EDGE_LISTS: dict[str, tuple[int, int, int]] = {}


def note_edge_list(path, people: int, ties: int, friendless: int = 0) -> None:
    _EDGE_LISTS[str(path)] = (int(people), int(ties), int(friendless))


def friendless_of(scenario) -> tuple[int, int]:
    """(people in no tie, people) of a scenario's edge-list network as validated here;
    (0, 0) for another network, or a file not validated in this process."""
    net = scenario.network
    if net.kind != "edgelist" or str(net.path) not in _EDGE_LISTS:
        return 0, 0
    people, _, friendless = _EDGE_LISTS[str(net.path)]
    return friendless, people


def ties_of(scenario) -> int:
    """Undirected ties the scenario's network will have (expected number for random graphs)."""
    net = scenario.network
    n = scenario.population.size
    if net.kind == "edgelist":
        return _EDGE_LISTS.get(str(net.path), (0, 0, 0))[1]
    if net.kind == "complete":
        return n * (n - 1) // 2
    if getattr(net, "degrees", None):
        return sum(net.degrees) // 2
    return int(math.ceil(n * float(net.mean_degree) / 2))


def people_of(scenario) -> int:
    if scenario.network.kind == "edgelist" and str(scenario.network.path) in _EDGE_LISTS:
        return _EDGE_LISTS[str(scenario.network.path)][0]
    return scenario.population.size


# --------------------------------------------------------------------------- the command line's numbers


def check_options(*, replicates: int | None = None, seed: int | None = None, workers: int | None = None) -> None:
    """``--replicates``, ``--seed`` and ``--workers`` within the bounds the scenario schema
    gives the same keys (so a manifest never records a value the schema rejects)."""
    from .config import Scenario

    for option, value, field in (("--replicates", replicates, "replicates"), ("--seed", seed, "seed")):
        if value is None:
            continue
        low, high = _bounds(Scenario.model_fields[field])
        if not low <= value <= high:
            raise ScenarioError(f"must be a whole number in {low:,}..{high:,} (got {value:,})" if abs(value) < 10**30 else
                                f"must be a whole number in {low:,}..{high:,} (got a number of {len(str(abs(value)))} digits)",
                                key=option)
    if workers is not None and not 1 <= workers <= 100_000:
        raise ScenarioError(f"must be in 1..100,000 (got {workers})", key="--workers")


def _bounds(field) -> tuple[int, int]:
    low, high = 0, 2**63 - 1
    for rule in field.metadata:
        low = getattr(rule, "ge", None) if getattr(rule, "ge", None) is not None else low
        high = getattr(rule, "le", None) if getattr(rule, "le", None) is not None else high
    return low, high


# --------------------------------------------------------------------------- memory


def available_memory() -> int:
    """Bytes this process may still use: the smaller of the system's available memory
    and what the cgroup (a container's limit) leaves."""
    free = _meminfo_available()
    limit = _cgroup_room()
    candidates = [b for b in (free, limit) if b is not None]
    return min(candidates) if candidates else 2**62


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_room(own: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """What this process's own memory cgroup still allows (cgroup v2 or v1, the tightest
    limit on the path from its cgroup up to the root); None when no limit is set. Only
    the root's v2 memory.max was read: a v1 limit (Docker on older hosts) or one on a
    sub-cgroup (a systemd slice) went unseen, and a run too large for it started and was
    killed by the out-of-memory killer instead of refused."""
    rooms = []
    try:
        lines = own.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.count(":") < 2:
            continue
        _, controllers, path = line.split(":", 2)
        if controllers == "":   # v2 unified hierarchy
            base, limit_name, used_name, cache = root, "memory.max", "memory.current", "inactive_file"
        elif "memory" in controllers.split(","):
            base, limit_name, used_name, cache = (root / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
                                                  "total_inactive_file")
        else:
            continue
        here = base / path.lstrip("/")
        while True:
            try:
                limit = (here / limit_name).read_text().strip()
                used = int((here / used_name).read_text().strip())
                if limit != "max" and int(limit) < 2**60:
                    # the page cache the kernel gives back under pressure is not in use (as `docker stats` counts)
                    rooms.append(max(0, int(limit) - max(0, used - _stat(here / "memory.stat", cache))))
            except (OSError, ValueError):
                pass
            if here == base or here == here.parent:
                break
            here = here.parent
    return min(rooms) if rooms else None


def _stat(path: Path, name: str) -> int:
    """One counter of a cgroup's memory.stat, 0 where it is not there."""
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def run_bytes(people: int, ties: int, edge_list: bool = False) -> int:
    """Peak bytes of one replicate and its twin on a generated network or one read from
    an edge-list file (see the module docstring): the larger of the peak the people's
    arrays set and the one building the graph sets."""
    per_tie = EDGE_LIST_TIE_PHASE_PER_TIE if edge_list else TIE_PHASE_PER_TIE
    return RUN_FIXED + max(PER_PERSON * people + PER_TIE * ties, TIE_PHASE_PER_PERSON * people + per_tie * ties)


def scenario_bytes(scenario) -> int:
    """run_bytes of one replicate of ``scenario``."""
    return run_bytes(people_of(scenario), ties_of(scenario), scenario.network.kind == "edgelist")


def check_memory(scenarios: Iterable, *, replicates: int | None = None, workers: int | None = None,
                 executor: str = "local", remote: bool = False, collect: bool = True,
                 source: str | None = None, available: int | None = None) -> int:
    """Refuse, before any work, a study whose estimate exceeds the memory free here.

    ``scenarios`` are the designs run side by side (each for ``replicates``, default
    its own); ``workers`` runs at once (capped at the number of runs); ``remote``
    runs on a Dask cluster elsewhere (only the parent's share is checked here);
    ``collect`` whether the parent keeps every run's daily rows; ``source`` names the
    scenario file in the message. Returns the estimate.
    """
    from .executors import default_workers

    scenarios = list(scenarios)
    runs = sum(replicates or s.replicates for s in scenarios)
    largest = max(scenarios, key=scenario_bytes)
    people, ties = people_of(largest), ties_of(largest)
    per_run = scenario_bytes(largest)
    at_once = 1 if executor == "serial" else max(1, min(workers or default_workers(), runs))
    parent = runs * (max(s.days for s in scenarios) + 1) * DAILY_BYTES if collect else 0
    workers_share = 0 if remote else at_once * (per_run + (PER_PROCESS if at_once > 1 else 0))
    need = parent + workers_share
    room = int((available if available is not None else available_memory()) * HEADROOM)
    if need <= room:
        return need
    what = f"{people:,} people, {ties:,} ties"
    if not remote and at_once > 1:
        fits = (room - parent) // (per_run + PER_PROCESS)
        # one worker runs in this process, with no interpreter of its own: "one run needs 1.2 GiB but 1.3 GiB is free;
        # would fit: 1,881,907 people" was said where --workers 1 fitted, and taking its advice was refused again
        fits = fits if fits >= 2 else 1 if parent + per_run <= room else 0
        if fits >= 1:
            raise ScenarioError(f"needs about {_gib(need)} ({what}, {at_once} runs at once) but about {_gib(room)} is free; "
                                f"would fit: --workers {fits}", file=source, key="memory")
    if parent > room // 2:
        fits = max(1, (room // 2) // ((max(s.days for s in scenarios) + 1) * DAILY_BYTES * len(scenarios)))
        raise ScenarioError(f"needs about {_gib(need)} to hold the daily rows of {runs:,} runs but about {_gib(room)} is "
                            f"free; would fit: --replicates {fits:,} or fewer", file=source, key="memory")
    per_person = (per_run - RUN_FIXED) / max(people, 1)   # the people's and their ties' share, at this mean degree
    fits = int((room - parent - RUN_FIXED) / per_person) if room > parent + RUN_FIXED else 0
    alone = " with --workers 1" if not remote and at_once > 1 else ""   # the people of one run in this process
    raise ScenarioError(f"one run needs about {_gib(per_run)} ({what}) but about {_gib(room)} is free; would fit: "
                        f"about {fits:,} people at this mean degree{alone}", file=source, key="memory")


def check_sweep_memory(points: int, replicates: int, parameters: int, metrics: int, *,
                       source: str | None = None, available: int | None = None, key: str = "samples") -> int:
    """Refuse a sweep whose points (held in memory while it runs) and rows (read back
    for the outputs) will not fit: about 400 B per point and parameter and 40 B per
    run and column, measured on pandas frames and lists of dicts and rounded up.
    ``key``: what sets the points, named in the refusal (a grid's ``parameters``, whose
    levels multiply: it named ``samples``, which a grid file does not have)."""
    need = points * (300 + 150 * parameters) + points * replicates * (8 + parameters + metrics) * 40
    room = int((available if available is not None else available_memory()) * HEADROOM)
    if need > room:
        per_point = need / max(points, 1)
        raise ScenarioError(f"{points:,} points x {replicates:,} replicates need about {_gib(need)} but about "
                            f"{_gib(room)} is free; would fit: about {int(room / per_point):,} points", file=source,
                            key=key)
    return need


def sweep_size(sweep) -> int:
    """Points of a loaded sweep: every grid combination, or the samples drawn."""
    from .sweep_spec import ValueList, grid_levels

    spec = sweep.spec
    if spec.method != "grid":
        return int(spec.samples or 0)
    return math.prod(len(grid_levels(p)) if isinstance(p, ValueList) or p.levels else 1 for p in spec.parameters.values())


def _gib(size: float) -> str:
    return f"{size / 2**30:,.1f} GiB" if size >= 2**28 else f"{size / 2**20:,.0f} MiB"
