"""The compiled event kernel: the day of engine.py as one numba loop over what
happens that day (see day.py). :class:`~simulator.engine.Engine` runs its days here
whenever the scenario uses only what the kernel compiles; the numpy stages of
engine.py remain the reference and run the program levers the kernel does not yet
compile (listed by :func:`unsupported`).

``REFSIM_ENGINE`` = ``auto`` (the default), ``kernel`` or ``numpy`` chooses for runs
that do not say (``Engine(..., kernel=None)``): the same scenario and seed give the
same outputs on one path every time, and the two paths agree in distribution
(docs/validation.md). This module imports no numba: the compiled parts load on the
first run that uses them.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

#: Values of REFSIM_ENGINE.
CHOICES = ("auto", "kernel", "numpy")


#: The keys :func:`unsupported` reads: values of these varied together can need the numpy
#: stages where each alone does not (only_while_referrer_active with a churn above 0).
READS = ("program.delight", "program.targeting", "program.staff", "program.influencers",
         "churn.only_while_referrer_active", "churn.monthly_rate", "satisfaction.drift_per_year")


def unsupported(scenario) -> str | None:
    """Why the kernel cannot run ``scenario`` (the first lever it does not compile), or None."""
    program = scenario.program
    for lever in ("delight", "targeting", "staff", "influencers"):
        if getattr(program, lever) is not None:
            return f"program.{lever}"
    if scenario.churn.only_while_referrer_active and scenario.churn.monthly_rate > 0:
        return "churn.only_while_referrer_active"
    if scenario.satisfaction.drift_per_year != 0:
        return "satisfaction.drift_per_year"
    return None


def engine_choice() -> str:
    """REFSIM_ENGINE, checked: auto (also when unset), kernel or numpy. The commands call
    this before any run, so REFSIM_GRAPH_CACHE_MB is checked here too."""
    from ..network.cache import check_graph_cache_setting

    check_graph_cache_setting()
    choice = os.environ.get("REFSIM_ENGINE", "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        from ..errors import ScenarioError  # a user's setting: one line from the CLI, exit 2

        raise ScenarioError(f"{choice!r} is not a path; valid values are {', '.join(CHOICES)}", key="REFSIM_ENGINE")
    return choice


def engine_prefix() -> list[str]:
    """What a command typed again must begin with to take this process's path:
    ``REFSIM_ENGINE=numpy`` under it (the numpy path draws otherwise than the kernel for one
    seed), else nothing (the kernel, or the default's choice)."""
    return ["REFSIM_ENGINE=numpy"] if engine_choice() == "numpy" else []


def engine_part() -> dict:
    """What a study's fingerprint adds for REFSIM_ENGINE: ``{"engine": "numpy"}`` where it
    says numpy (whose runs draw otherwise than the kernel's for one seed), else nothing,
    so that a study under the default keeps the fingerprint it had."""
    return {"engine": "numpy"} if engine_choice() == "numpy" else {}


def use_kernel(scenario, kernel: bool | None) -> bool:
    """Whether a run uses the kernel: ``kernel`` when given, else REFSIM_ENGINE (auto:
    whenever it can). Asking for the kernel where it cannot run is an error."""
    if kernel is None:
        return path_for([scenario], engine_choice())
    reason = unsupported(scenario)
    if kernel and reason is not None:
        from ..errors import ScenarioError

        # a ValueError, which `except ScenarioError` (what simulate's docstring promises for a mistake) missed
        raise ScenarioError(f"the compiled kernel does not run {reason} yet; give kernel=False (the numpy stages) or "
                            f"None (the kernel wherever it runs)", key="kernel")
    return bool(kernel)


def path_for(scenarios, choice: str) -> bool:
    """The path runs of ``scenarios`` take together under REFSIM_ENGINE = ``choice``:
    the kernel unless the choice is numpy or the kernel cannot run one of them. A choice
    of the kernel where it cannot run is one line naming REFSIM_ENGINE (it was ignored)."""
    if choice == "numpy":
        return False
    scenarios = list(scenarios)
    found = next(((s, why) for s in scenarios if (why := unsupported(s)) is not None), None)
    reason = None if found is None else found[1]
    if found is not None and choice == "kernel":
        from ..errors import ScenarioError

        # the scenario named: a compare of several files said only which key, not whose
        raise ScenarioError(f"kernel: the compiled kernel does not run {reason} yet (scenario "
                            f"{getattr(found[0], 'name', '?')}); set it to auto (the numpy stages where the kernel "
                            f"cannot run) or numpy", key="REFSIM_ENGINE")
    return reason is None


def common_path(scenarios) -> bool:
    """The path for runs that are compared with each other, decided in this process (a
    Dask worker or a pool's process reading its own REFSIM_ENGINE ran the same seed on
    the other path): the numpy stages for all when the kernel cannot run one of them
    or REFSIM_ENGINE says numpy, else the kernel. Designs compared replicate by replicate
    must draw alike to share their luck."""
    return path_for(scenarios, engine_choice())


_FIRST_RUN = threading.RLock()
_first_run = {"started": False, "done": False}


def compile_first() -> None:
    """Before the first kernel run of a process: when nothing is compiled yet, neither
    in this process nor in numba's cache (an installation's very first run), compile as
    :func:`warm_up` does, the graph loops in a second process while this one compiles
    the kernel (a script that never calls warm_up would otherwise compile them one after
    the other, a few seconds more). Checked once per process; other threads wait for it."""
    if _first_run["done"]:
        return
    with _FIRST_RUN:
        if _first_run["started"]:  # done by another thread meanwhile, or warm_up's own runs (this thread)
            return
        _first_run["started"] = True
        try:
            if _nothing_compiled():
                warm_up()
        finally:
            _first_run["done"] = True


def _nothing_compiled() -> bool:
    """No kernel compiled in this process, and none in numba's cache for the source as it
    is now: an index written for another version of kernel/day.py (an upgraded
    installation) is stale, and numba compiles again, as on a first run."""
    from .day import run_days

    if run_days.signatures:
        return False
    try:
        return not run_days._cache._cache_file._load_index()  # {} when absent or stale (numba's own check)
    except (AttributeError, TypeError, OSError, ValueError):  # numba keeps its cache otherwise than expected
        try:
            return not _index(run_days).exists()
        except (AttributeError, TypeError, OSError):
            return False


#: The tiny networks warm_up builds: one of each compiled generator (growth_loop.py and
#: csr_loop.py, gnp_loop.py).
WARM_UP_NETWORKS = ({"kind": "powerlaw_cluster", "mean_degree": 4}, {"kind": "erdos_renyi", "mean_degree": 4})


def warm_up() -> None:
    """Compile the kernel, the graph generators' loops and the edge-list reader, or load
    them from numba's cache, in this process (tiny runs): workers forked from it then
    start with them instead of each compiling them at once. On the numpy path only the
    graph loops and the reader.

    On a first run (nothing cached) a second process compiles the graph loops while
    this one compiles the kernel on a network no compiled loop builds (``complete``);
    this process then loads the loops from the second's cache."""
    if not _nothing_compiled():   # loading from the cache: every process at once, no turns to take
        _warm_up()
        return
    with _compiling():
        _warm_up()


@contextlib.contextmanager
def _compiling():
    """One process at a time warms up on a machine's numba cache (an exclusive lock on
    ``compile.lock`` in its folder): processes started together on a first run (a Dask
    cluster's workers, two commands at once, a test suite's workers) each compiled the
    kernel and the graph loops at once, every compile slowed by the others, where the
    ones that wait load what the first compiled. No lock where the folder cannot hold
    one (a read-only cache folder, a system without fcntl): each compiles, as before."""
    if _held["depth"]:   # this process holds it already (warm_up's own runs ask for a first compile again)
        _held["depth"] += 1
        try:
            yield
        finally:
            _held["depth"] -= 1
        return
    try:
        import fcntl

        from .cache import numba

        folder = Path(numba.config.CACHE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "compile.lock", "a+b")
    except (ImportError, OSError):
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:   # a file system without locks (some network mounts)
            pass
        _held["depth"] = 1
        try:
            yield
        finally:
            _held["depth"] = 0


_held = {"depth": 0}


def _warm_up() -> None:
    from ..engine import Engine
    from ..network.edgelist_loop import read_pairs

    kernel = engine_choice() != "numpy"
    # a process that waited for another's compile loads it all: no second process to compile the loops aside
    aside = _GraphsAside.start() if kernel and _nothing_compiled() else None
    if kernel:
        try:
            Engine(_tiny_scenario({"kind": "complete"}), 1, kernel=True).run()
        except BaseException:  # an interrupted compile (Ctrl-C) leaves no process behind
            if aside is not None:
                aside.abandon()
            raise
    if aside is not None:
        aside.finish()
    for network in WARM_UP_NETWORKS:
        tiny = Engine(_tiny_scenario(network), 1, kernel=kernel)
        if kernel:
            tiny.run()
    read_pairs(b"0 1\n")


def build_warm_up_networks() -> None:
    """The networks of WARM_UP_NETWORKS and the edge-list reader (their compiled loops
    compiled or loaded)."""
    from ..engine import Engine
    from ..network.edgelist_loop import read_pairs

    for network in WARM_UP_NETWORKS:
        Engine(_tiny_scenario(network), 1, kernel=False)
    read_pairs(b"0 1\n")


def _tiny_scenario(network: dict):
    """50 people for 3 days on ``network``: enough to compile or load every loop it uses."""
    from ..config import Scenario

    return Scenario(population={"size": 50, "initial_customers": 2}, days=3, network=network)


class _GraphsAside:
    """The graph loops compiled in a second process, into a cache directory of its own
    (two processes compiling the same function, such as rand.below, into one directory
    could mismatch its index and its code), then copied into this process's cache."""

    #: seconds to wait for the second process; beyond, this process compiles the loops itself
    TIMEOUT_S = 300

    def __init__(self, process, directory, source, target):
        self.process, self.directory, self.source, self.target = process, directory, source, target

    @classmethod
    def start(cls):
        """The second process, or None when the loops or the kernel are cached already
        (nothing to gain) or it cannot start (this process then compiles as before)."""
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        import numba

        from ..network.growth_loop import grow_sequential
        from .day import run_days

        try:
            if _index(run_days).exists() or _index(grow_sequential).exists() or not sys.executable:
                return None
            target = _index(grow_sequential).parent
            subpath = target.relative_to(Path(numba.config.CACHE_DIR).resolve())
        except (AttributeError, ValueError, TypeError, OSError):
            return None  # numba keeps its cache otherwise than expected: compile here
        try:
            directory = tempfile.TemporaryDirectory(prefix="refsim-graph-loops-")
        except OSError:
            return None
        package_root = str(Path(__file__).resolve().parents[2])  # this simulator, not another installed one
        env = dict(os.environ, NUMBA_CACHE_DIR=directory.name,
                   PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", "from simulator.kernel import build_warm_up_networks; build_warm_up_networks()"],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            directory.cleanup()
            return None
        return cls(process, directory, Path(directory.name) / subpath, target)

    def finish(self) -> None:
        """Wait for the second process and copy its compiled loops into this process's
        cache (each file written whole under a temporary name, then renamed)."""
        import shutil
        import subprocess

        try:
            try:
                done = self.process.wait(timeout=self.TIMEOUT_S) == 0
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                done = False
            if done and self.source.is_dir():
                self.target.mkdir(parents=True, exist_ok=True)
                for path in sorted(self.source.iterdir(), key=lambda p: p.suffix == ".nbi"):  # data before index
                    partial = self.target / f"{path.name}.{os.getpid()}.partial"
                    shutil.copyfile(path, partial)
                    os.replace(partial, self.target / path.name)
        except OSError:
            pass  # this process compiles what is missing
        finally:
            self.directory.cleanup()

    def abandon(self) -> None:
        """Stop the second process and forget its work."""
        self.process.kill()
        self.process.wait()
        self.directory.cleanup()


def _index(dispatcher):
    """Where numba keeps the index of ``dispatcher``'s cached compilations."""
    from pathlib import Path

    return Path(dispatcher._cache._cache_file._index_path).resolve()
