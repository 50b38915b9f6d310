"""The fixed Python-side cost of one replicate through ``simulate``, on the kernel path:
the cascade reduction of bench_api.py (Barabasi-Albert 100k from an edge-list file,
10 replicates with their twins, 60 days) and scenarios/default.yaml (20k people).

    python bench/replicate_cost.py            # median ms per replicate, both scenarios
    python bench/replicate_cost.py --profile  # and the top of a cProfile of each

The graph is read before the timed calls (bench_api.py times that separately), so
what is left is the engines' set-up, the compiled days, the summaries and the tables (the
replicates' generated graphs too are built before, by a first call on the same seeds).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REFSIM_ENGINE", "kernel")
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import numpy as np  # noqa: E402

REPLICATES = 10


def per_replicate(scenario, calls: int) -> tuple[float, float]:
    """Median wall and CPU seconds per replicate (CPU time is steadier on a shared machine)."""
    from simulator import simulate
    from simulator.twins import clear_twin_cache

    simulate(scenario, replicates=REPLICATES)  # imports, compiled code and the replicates' graphs loaded
    wall, cpu = [], []
    for _ in range(calls):
        clear_twin_cache()  # each call runs its twins, as a first call on these seeds does
        start, start_cpu = time.perf_counter(), time.process_time()
        simulate(scenario, replicates=REPLICATES)
        wall.append((time.perf_counter() - start) / REPLICATES)
        cpu.append((time.process_time() - start_cpu) / REPLICATES)
    return float(np.median(wall)), float(np.median(cpu))


def main() -> None:
    from bench_api import write_cascade_files
    from run_benchmarks import DEFAULT_SCENARIO, Graph
    from simulator import load_scenario, simulate
    from simulator.twins import clear_twin_cache

    import argparse

    # --help ran the benchmark: every argument was read as --profile or nothing
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of each scenario too")
    profile = parser.parse_args().profile
    with tempfile.TemporaryDirectory() as folder:
        cascade = load_scenario(write_cascade_files(Graph.barabasi_albert(100_000, seed=100), Path(folder)))
        default = load_scenario(DEFAULT_SCENARIO)
        for name, scenario in (("cascade BA 100k", cascade), ("default 20k", default)):
            wall, cpu = per_replicate(scenario, 7)
            print(f"{name}: {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms CPU per replicate (medians of 7 calls)", flush=True)
            if profile:
                profiler = cProfile.Profile()
                clear_twin_cache()
                profiler.enable()
                simulate(scenario, replicates=REPLICATES)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
