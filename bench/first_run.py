"""A user's first run on a fresh installation, and the kernel's steady speed.

Numba compiles the event kernel and the graph generators' loops on the first run of
an installation and caches them on disk (simulator/kernel/cache.py). This script
measures what that costs, each figure in fresh interpreters with an empty
``NUMBA_CACHE_DIR`` (a temporary directory, removed afterwards), ``--tries`` times:

- ``cli``: ``refsim run scenarios/default.yaml`` (what the README's first command
  costs: the compile, 10 replicates and their no-program twins, the report and
  plots), then the same command again with the cache filled;
- ``warm_up``: ``import simulator.kernel; warm_up()`` alone (the compile, and the
  interpreter's start), and again cached;
- ``--steady``: in this process, after a warm-up, one run of the default scenario on
  the kernel (``Engine(...).run()``, the network built) and its days alone
  (``run()`` after the build), best and median of ``--repeat``.

``--events`` prints, for one cold ``warm_up()``, the seconds numba spent compiling
each function (numba's ``numba:compile`` events; own time, callees' compiles taken
out), the largest first.

Run it on a quiet machine, one measurement at a time (``nice -n 19`` when it is
shared): a compile is CPU-bound and its wall time moves with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"

WARM_UP_CHILD = """
import time
start = time.perf_counter()
from simulator.kernel import warm_up
warm_up()
print(time.perf_counter() - start)
"""

EVENTS_CHILD = """
import time
from numba.core import event
rows, stack = [], []

class Timer(event.Listener):
    def on_start(self, ev):
        stack.append([time.perf_counter(), 0.0])

    def on_end(self, ev):
        began, callees = stack.pop()
        total = time.perf_counter() - began
        if stack:
            stack[-1][1] += total
        fn = ev.data["dispatcher"].py_func
        rows.append((total - callees, total, fn.__module__ + "." + fn.__qualname__, str(ev.data["args"])[:70]))

event.register("numba:compile", Timer())
start = time.perf_counter()
from simulator.kernel import warm_up
warm_up()
print(f"warm_up: {time.perf_counter() - start:.2f} s wall, {len(rows)} compiles, "
      f"{sum(r[0] for r in rows):.2f} s compiling in this process")
print("   own  with callees  function")
for own, total, name, args in sorted(rows, reverse=True)[:40]:
    print(f"{own:6.2f} {total:8.2f}      {name} {args}")
"""


def child_env(cache: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "NUMBA_CACHE_DIR": cache}


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def cli_times(tries: int) -> list[tuple[float, float]]:
    """(empty cache, cache filled) walls of ``refsim run scenarios/default.yaml``."""
    out = []
    for _ in range(tries):
        with tempfile.TemporaryDirectory() as tmp:
            env = child_env(str(Path(tmp) / "numba"))
            run = [sys.executable, "-m", "simulator", "run", str(DEFAULT_SCENARIO), "-o"]
            out.append((timed(run + [str(Path(tmp) / "first")], env), timed(run + [str(Path(tmp) / "again")], env)))
    return out


def warm_up_times(tries: int) -> list[tuple[float, float]]:
    """(empty cache, cache filled) walls of a fresh interpreter's ``warm_up()``."""
    out = []
    for _ in range(tries):
        with tempfile.TemporaryDirectory() as tmp:
            env = child_env(tmp)
            out.append(tuple(timed([sys.executable, "-c", WARM_UP_CHILD], env) for _ in range(2)))
    return out


def steady(repeat: int) -> dict[str, list[float]]:
    """Walls of default-scenario runs on the kernel: whole (network built) and days alone."""
    sys.path.insert(0, str(ROOT))
    from simulator import load_scenario
    from simulator.engine import Engine
    from simulator.kernel import warm_up

    warm_up()
    scenario = load_scenario(DEFAULT_SCENARIO)
    Engine(scenario, 0, kernel=True).run()
    whole, days = [], []
    for seed in range(1, repeat + 1):
        start = time.perf_counter()
        engine = Engine(scenario, seed, kernel=True)
        built = time.perf_counter()
        engine.run()
        done = time.perf_counter()
        whole.append(done - start)
        days.append(done - built)
    return {"run": whole, "days": days}


def spread(values: list[float], unit: float = 1.0, fmt: str = "{:.1f}") -> str:
    values = [v * unit for v in values]
    return f"best {fmt.format(min(values))}, median {fmt.format(statistics.median(values))}, " \
           f"worst {fmt.format(max(values))} (of {len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=2, help="cold starts of each kind (default 2; 0: none)")
    parser.add_argument("--skip-cli", action="store_true", help="only warm_up(), not the full refsim run")
    parser.add_argument("--steady", action="store_true", help="also time default runs in this process")
    parser.add_argument("--repeat", type=int, default=30, help="steady runs (default 30)")
    parser.add_argument("--events", action="store_true", help="only: per-function compile seconds of one cold warm_up()")
    args = parser.parse_args()
    if args.events:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-c", EVENTS_CHILD], env=child_env(tmp), cwd=ROOT, check=True)
        return
    results: dict[str, object] = {}
    if args.tries > 0:
        walls = warm_up_times(args.tries)
        results["warm_up"] = walls
        print(f"warm_up(), empty cache: {spread([w[0] for w in walls])} s; cached: {spread([w[1] for w in walls])} s")
    if args.tries > 0 and not args.skip_cli:
        walls = cli_times(args.tries)
        results["cli"] = walls
        print(f"refsim run scenarios/default.yaml, empty cache: {spread([w[0] for w in walls])} s; "
              f"cached: {spread([w[1] for w in walls])} s")
    if args.steady:
        times = steady(args.repeat)
        results["steady"] = times
        print(f"default scenario on the kernel: one run {spread(times['run'], 1e3)} ms; "
              f"its days {spread(times['days'], 1e3, '{:.2f}')} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
