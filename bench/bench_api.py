"""What users pay through the public API, on the numpy path and on the compiled kernel:
the cascade reduction as ``simulate`` runs it, the default scenario, the scale runs,
numba's compile, the import, and where a day of the default scenario goes.

    python bench/bench_api.py               # a few minutes on an idle 2-core machine; updates bench/RESULTS.md
    python bench/bench_api.py --quick       # a smoke run: fewer runs, scale at 100,000 people
    python bench/bench_api.py --scale-10m   # adds the 10,000,000-person rows (about 3 GB and a minute per path)

Each path runs in its own fresh process (``REFSIM_ENGINE=numpy`` or ``kernel``), so
neither pays for the other's imports or compiled code; the peers run in this one.
Every kernel figure is set against the numpy path's, measured in the same call.

1. **The cascade reduction through the API**: ``load_scenario`` of a YAML file whose
   network is an edge-list file (Barabasi-Albert, n = 100,000, m = 5, networkx seed
   100), 1% random seeds, p = 0.05, then ``simulate(scenario, replicates=10)`` with
   its defaults (no-program twins, the people table of replicate 0, the tables and
   the summary), from a process that has not read the file before (the graph store
   is cleared before each timed call, so reading, hashing and parsing the file once
   is counted). The figure per replicate is that total / 10. The peers run the same
   cascade on the same graph and seeds, timed per run as in run_benchmarks.py
   (idiomatic Mesa, NDlib, EoN), and cynetdiff with its model build counted
   (one build, then 10 runs, / 10), twice: built from the CSR arrays this bench
   already made (the cheapest build there is), and built as cynetdiff's README
   builds its models, ``networkx_to_ic_model`` on the networkx graph the other
   peers are handed. The peers do not read a file: their graph is handed to them,
   so the ratios are conservative for refsim.
2. **The default scenario** (scenarios/default.yaml): one run (``Engine(...,
   kernel=...).run()``, the network built) on each path and their ratio (targets:
   the kernel within 30 ms and at least 20x the numpy path), and one replicate
   through ``simulate`` (program and twin).
3. **Scale**: the default behaviour on an Erdos-Renyi graph with mean degree 10,
   1,000,000 people (and 10,000,000 with --scale-10m), 365 days, graph generation
   included, one fresh process per size and path pinned to one core; peak RSS
   (VmHWM). Targets for the kernel: 1.5 s at 1M; 20 s and 3 GB at 10M.
4. **Numba's compile**: a fresh process with an empty ``NUMBA_CACHE_DIR`` imports
   the simulator and runs the default scenario on the kernel (the first run a user
   ever makes: target under 20 s); a second process with the same cache directory
   is the cached start.
5. **Import**: ``import simulator``, ``refsim --help`` and ``from simulator import
   simulate, load_scenario`` in fresh interpreters, best of 7, minus ``python -c pass``.
6. **Where a day goes**: cProfile over runs of the default scenario on the numpy
   path, time per engine stage (the Engine methods the step calls) per day.

The section it writes into bench/RESULTS.md sits between two marker lines, so
run_benchmarks.py and this script each rewrite only their own part.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # the simulator of this tree, not an installed one
sys.path.insert(0, str(BENCH))

from run_benchmarks import (CASCADE_SCENARIO, DEFAULT_SCENARIO, P, RESULTS, TARGETS, Graph, eon_runner,  # noqa: E402
                            machine, mesa_runner, ndlib_runner, timed)

REPLICATES = 10
PATHS = ("numpy", "kernel")
#: issue 15's targets for the kernel
DEFAULT_RUN_TARGET_S = 0.030     # the default scenario, one run
DEFAULT_SPEEDUP_TARGET = 20.0    # ... at least 20x the numpy path
SCALE_TARGETS_S = {1_000_000: 1.5, 10_000_000: 20.0}
SCALE_MEMORY_TARGET_MB = {10_000_000: 3 * 1024}
FIRST_RUN_TARGET_S = 20.0        # numba's first compile, the whole first run
BEGIN = "<!-- bench/bench_api.py: begin -->"
END = "<!-- bench/bench_api.py: end -->"


# --------------------------------------------------------------------------- 1. the cascade through the API


def write_cascade_files(graph: Graph, folder: Path) -> Path:
    """The edge-list file and the cascade scenario that reads it; returns the scenario's path."""
    rows = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    upper = rows < graph.indices
    edges = folder / "ba100k.txt"
    np.savetxt(edges, np.column_stack([rows[upper], graph.indices[upper]]), fmt="%d")
    data = yaml.safe_load(CASCADE_SCENARIO.read_text())
    data["network"]["path"] = edges.name
    data["population"]["initial_customers"] = [int(s) for s in graph.seeds]
    data["program"]["channels"][0]["base_conversion"] = P
    data["replicates"] = REPLICATES
    scenario = folder / "cascade-ba100k.yaml"
    scenario.write_text(yaml.safe_dump(data))
    # dated back, as a file that was not written a moment ago: its stat is then trusted
    old = time.time() - 3600
    os.utime(edges, (old, old))
    return scenario


def api_cascade(scenario_file: Path, calls: int) -> dict:
    """Seconds of load_scenario and of simulate(replicates=10): cold (graph store cleared,
    so validation reads and parses the file) and warm (the graph already in memory)."""
    from simulator import load_scenario, simulate
    from simulator.network import clear_graph_cache
    from simulator.twins import clear_twin_cache

    simulate(load_scenario(scenario_file), replicates=2)  # first-call costs: imports (pandas, scipy.special)
    load, run, warm, sizes = [], [], [], []
    for _ in range(calls):
        clear_graph_cache()
        clear_twin_cache()  # every call runs its twins (no twin of an edge-list graph is reused anyway)
        start = time.perf_counter()
        scenario = load_scenario(scenario_file)
        loaded = time.perf_counter()
        results = simulate(scenario, replicates=REPLICATES)
        done = time.perf_counter()
        load.append(loaded - start)
        run.append(done - loaded)
        sizes += results.runs["customers_final"].tolist()
        clear_twin_cache()
        start = time.perf_counter()
        simulate(scenario, replicates=REPLICATES)
        warm.append(time.perf_counter() - start)
    best = int(np.argmin(np.add(load, run)))
    return {"load": load[best], "simulate": run[best], "cold": load[best] + run[best], "warm": min(warm), "sizes": sizes}


def cynetdiff_with_build(graph: Graph, runs: int, *, documented: bool = False) -> float:
    """Seconds per run of cynetdiff, one model build shared by ``runs`` runs and counted.

    The build takes the CSR arrays this bench already made (the cheapest build there is),
    or, with ``documented``, the networkx graph the other peers get, through
    ``cynetdiff.utils.networkx_to_ic_model`` as cynetdiff's README builds its models."""
    from cynetdiff.models import IndependentCascadeModel
    from cynetdiff.utils import networkx_to_ic_model

    seeds = [int(s) for s in graph.seeds]
    start = time.perf_counter()
    if documented:
        model, labels = networkx_to_ic_model(graph.nx_graph, activation_prob=P)
        seeds = [labels[s] for s in seeds]
    else:
        model = IndependentCascadeModel(np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32),
                                        np.ascontiguousarray(graph.indices, dtype=np.uint32), activation_prob=P)
    for r in range(runs):
        model.set_rng(3000 + r)
        model.set_seeds(seeds)
        model.advance_until_completion()
    return (time.perf_counter() - start) / runs


# --------------------------------------------------------------------------- 2. the default scenario


def default_scenario(runs: int, kernel: bool) -> dict:
    """Seconds of one default run on one path: ``Engine(...)`` (the network built) and
    ``run()``, best and median of ``runs``; and one replicate through ``simulate``
    (which takes its path from REFSIM_ENGINE, set by the parent)."""
    from simulator import load_scenario, simulate
    from simulator.engine import Engine
    from simulator.twins import clear_twin_cache

    scenario = load_scenario(DEFAULT_SCENARIO)
    Engine(scenario, 1, kernel=kernel).run()  # warm-up: imports, and the kernel's compiled code loaded
    total, build, days = [], [], []
    for r in range(runs):
        start = time.perf_counter()
        engine = Engine(scenario, 100 + r, kernel=kernel)
        built = time.perf_counter()
        engine.run()
        total.append(time.perf_counter() - start)
        build.append(built - start)
        days.append(total[-1] - build[-1])
    clear_twin_cache()  # the replicates run their twins (none ran on these seeds in this process yet)
    start = time.perf_counter()
    simulate(scenario, replicates=runs)
    api = (time.perf_counter() - start) / runs
    return {"engine": min(total), "engine_median": float(np.median(total)), "build": float(np.median(build)),
            "days_only": min(days),
            "api_per_replicate": api, "days": scenario.days, "people": scenario.population.size}


def path_child(path: str, scenario_file: Path, runs: int, calls: int) -> dict:
    """In a fresh process with REFSIM_ENGINE=path: which path ``simulate`` takes, the
    default scenario on it, and the cascade through the API."""
    from simulator import load_scenario
    from simulator.engine import Engine

    kernel = path == "kernel"
    # simulate builds its engines with kernel=None: check that the variable steers them
    resolved = bool(Engine(load_scenario(DEFAULT_SCENARIO), 1).uses_kernel)
    if resolved != kernel:
        raise RuntimeError(f"REFSIM_ENGINE={path} but Engine(...) chose uses_kernel={resolved}")
    return {"path": path, "default": default_scenario(runs, kernel), "cascade": api_cascade(scenario_file, calls)}


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with this tree's simulator first on the path."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def run_child(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run this script with ``args`` in a fresh interpreter; its last stdout line is JSON."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=child_env(env), check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def kernel_unavailable() -> str | None:
    """Why the kernel cannot run the default scenario here, or None."""
    try:
        from simulator.kernel import unsupported
    except ImportError as error:
        return f"simulator.kernel does not import ({error})"
    from simulator import load_scenario

    reason = unsupported(load_scenario(DEFAULT_SCENARIO))
    return None if reason is None else f"the kernel does not run the default scenario ({reason})"


# --------------------------------------------------------------------------- 3. scale


def _memory_mb(field_name: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process, MiB, from /proc: getrusage's
    ru_maxrss would carry the parent's high-water mark across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field_name} not in /proc/self/status")


def scale_scenario(size: int):
    """The default behaviour on an Erdos-Renyi graph, mean degree 10 (issue 15's scale runs)."""
    from simulator import load_scenario

    return load_scenario(DEFAULT_SCENARIO, [f"population.size={size}",
                                            "network={kind: erdos_renyi, mean_degree: 10, strong_tie_share: 0.3}"])


def scale_child(size: int, path: str) -> dict:
    """In a fresh process pinned to one core: build (graph generation included) and run once."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    from simulator.engine import Engine

    kernel = path == "kernel"
    # first-call costs (lazy imports; the kernel's compiled code loaded from its cache) before the clock starts
    Engine(scale_scenario(1000), 1, kernel=kernel).run()
    scenario = scale_scenario(size)
    baseline_mb = _memory_mb("VmHWM")
    start = time.perf_counter()
    engine = Engine(scenario, scenario.seed, kernel=kernel)
    built = time.perf_counter()
    engine.run()
    done = time.perf_counter()
    return {"size": size, "path": path, "edges": int(engine.network.edges), "build_s": built - start,
            "run_s": done - built, "baseline_mb": baseline_mb, "peak_mb": _memory_mb("VmHWM"),
            "customers_final": int(engine.daily[-1][1])}


# --------------------------------------------------------------------------- 4. numba's compile


COMPILE_CHILD = """
import json, sys, time
start = time.perf_counter()
from simulator import load_scenario
from simulator.engine import Engine
imported = time.perf_counter()
scenario = load_scenario(sys.argv[1])
engine = Engine(scenario, 1, kernel=True)
engine.run()
first = time.perf_counter()
Engine(scenario, 2, kernel=True).run()
second = time.perf_counter()
print(json.dumps({"import_s": imported - start, "first_run_s": first - imported, "second_run_s": second - first}))
"""


def compile_times() -> dict:
    """A user's first run (empty numba cache) and a later start (cache filled), each a
    fresh interpreter: process wall from the parent, and the child's own split."""
    with tempfile.TemporaryDirectory() as cache:
        env = child_env({"NUMBA_CACHE_DIR": cache})
        out = {}
        for label in ("first", "cached"):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", COMPILE_CHILD, str(DEFAULT_SCENARIO)], env=env, cwd=ROOT,
                                  capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"compile child failed:\n{done.stderr[-3000:]}")
            split = json.loads(done.stdout.strip().splitlines()[-1])
            # the child's second run is for the steady figure: not part of the start
            out[label] = {"wall_s": wall - split["second_run_s"], **split}
        return out


# --------------------------------------------------------------------------- 5. import


def import_times(repeat: int = 7) -> dict:
    """Best wall and CPU seconds of each statement in a fresh interpreter, minus ``pass``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    help_code = "import sys; sys.argv = ['refsim', '--help']\nfrom simulator.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    statements = {"interpreter (python -c pass)": "pass", "import simulator": "import simulator", "refsim --help": help_code,
                  "from simulator import simulate, load_scenario": "from simulator import simulate, load_scenario"}
    best = {}
    for label, code in statements.items():
        walls, cpus = [], []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        best[label] = (min(walls), min(cpus))
    return best


# --------------------------------------------------------------------------- 6. where a day goes


def stage_profile(runs: int = 3) -> tuple[list[tuple[str, float, float]], float, int]:
    """Per Engine method called by the step (own + callees), milliseconds per day, and the total per day."""
    import cProfile
    import pstats

    from simulator import load_scenario
    from simulator.engine import Engine

    scenario = load_scenario(DEFAULT_SCENARIO)
    engines = [Engine(scenario, 200 + r, kernel=False) for r in range(runs)]
    profiler = cProfile.Profile()
    profiler.enable()
    for engine in engines:
        engine.run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    days = runs * scenario.days
    step = [(cum, calls) for (file, _line, name), (_cc, calls, _own, cum, _callers) in stats.items()
            if file.endswith("engine.py") and name == "step"]
    step_total = sum(cum for cum, _ in step)
    # the stages: Engine methods called directly by step
    stages = []
    for (file, _line, name), (_cc, calls, _own, cum, callers) in stats.items():
        if not file.endswith("engine.py") or name == "step":
            continue
        from_step = sum(c[3] for key, c in callers.items() if key[0].endswith("engine.py") and key[2] == "step")
        if from_step > 0:
            stages.append((name, from_step / days * 1e3, calls / days))
    stages.sort(key=lambda s: -s[1])
    # the numpy calls: how many a day, the fixed cost a compiled kernel removes
    numpy_calls = sum(calls for (file, _line, name), (_cc, calls, *_rest) in stats.items()
                      if file == "~" and ("numpy" in name or "ndarray" in name))
    return stages, step_total / days * 1e3, int(numpy_calls / days)


# --------------------------------------------------------------------------- report


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def ratio_line(label: str, peer_per_run: float, ours: dict[str, float], target_key: str | None) -> str:
    """A peer's time per run and each path's speed-up per replicate against it; the target is the kernel's."""
    cells = [f"{peer_per_run / ours[path]:,.2f}x" if path in ours else "n/a" for path in PATHS]
    target = ""
    if target_key:
        wanted = TARGETS[target_key]
        target = f"within {1 / wanted:g}x" if wanted < 1 else f">= {wanted:g}x"
        if "kernel" in ours:
            target += ": " + _met(peer_per_run / ours["kernel"] >= wanted)
    return f"| {label} | {peer_per_run * 1e3:,.1f} ms | {' | '.join(cells)} | {target} |"


def cascade_lines(api: dict[str, dict], seeds: int) -> list[str]:
    lines = []
    for path, run in api.items():
        cold = run["cold"]
        lines.append(
            f"- {path} path: `load_scenario` + `simulate(scenario, replicates={REPLICATES})`, file not read before: "
            f"{cold:.2f} s ({run['load']:.2f} s loading: the YAML with its {seeds:,} seed ids, and reading the graph once; "
            f"{run['simulate']:.2f} s simulating), {cold / REPLICATES * 1e3:.1f} ms per replicate; `simulate` again with "
            f"the graph in memory: {run['warm']:.2f} s; mean final size {np.mean(run['sizes']):,.0f} "
            f"(± {np.std(run['sizes'], ddof=1) / math.sqrt(len(run['sizes'])):,.0f} se).")
    return lines


def default_lines(default: dict[str, dict]) -> list[str]:
    lines = ["| path | one run, best | median | `Engine(...)` (network built), median | the days (`run()`), best | "
             "per day | one replicate through `simulate` |", "|---|---|---|---|---|---|---|"]
    for path, d in default.items():
        lines.append(f"| {path} | {d['engine'] * 1e3:.1f} ms | {d['engine_median'] * 1e3:.1f} ms | {d['build'] * 1e3:.1f} ms | "
                     f"{d['days_only'] * 1e3:.1f} ms | {d['days_only'] / d['days'] * 1e3:.3f} ms | "
                     f"{d['api_per_replicate'] * 1e3:.0f} ms |")
    if "kernel" in default:
        kernel, numpy_s = default["kernel"]["engine"], default["numpy"]["engine"]
        lines += ["", f"Kernel: {kernel * 1e3:.1f} ms per run (target {DEFAULT_RUN_TARGET_S * 1e3:.0f} ms: "
                      f"{_met(kernel <= DEFAULT_RUN_TARGET_S)}), {numpy_s / kernel:.1f}x the numpy path in this run "
                      f"(target {DEFAULT_SPEEDUP_TARGET:g}x: {_met(numpy_s / kernel >= DEFAULT_SPEEDUP_TARGET)})."]
    return lines


def scale_lines(rows: list[dict]) -> list[str]:
    lines = ["| people | ties | path | build (graph included) | 365 days | total | peak RSS | of which before the build | "
             "target (kernel) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        total = r["build_s"] + r["run_s"]
        target = ""
        if r["path"] == "kernel" and r["size"] in SCALE_TARGETS_S:
            target = f"{SCALE_TARGETS_S[r['size']]:g} s: {_met(total <= SCALE_TARGETS_S[r['size']])}"
            if r["size"] in SCALE_MEMORY_TARGET_MB:
                memory = SCALE_MEMORY_TARGET_MB[r["size"]]
                target += f"; {memory / 1024:g} GB: {_met(r['peak_mb'] <= memory)}"
        lines.append(f"| {r['size']:,} | {r['edges']:,} | {r['path']} | {r['build_s']:.2f} s | {r['run_s']:.2f} s | "
                     f"{total:.2f} s | {r['peak_mb']:,.0f} MiB | {r['baseline_mb']:,.0f} MiB | {target} |")
    by = {(r["size"], r["path"]): r for r in rows}
    for size in sorted({r["size"] for r in rows}):
        if (size, "numpy") in by and (size, "kernel") in by:
            ratio = sum(by[size, "numpy"][k] for k in ("build_s", "run_s")) / sum(by[size, "kernel"][k] for k in ("build_s", "run_s"))
            lines.append(f"\nAt {size:,} people the kernel takes the whole run {ratio:.1f}x faster than the numpy path.")
    return lines


def compile_lines(compiled: dict) -> list[str]:
    first, cached = compiled["first"], compiled["cached"]
    return [
        "| start | process wall (interpreter to the end of the first run) | import | first run | second run |",
        "|---|---|---|---|---|",
        f"| empty numba cache (a user's first run) | {first['wall_s']:.1f} s | {first['import_s']:.2f} s | "
        f"{first['first_run_s']:.2f} s | {first['second_run_s'] * 1e3:.0f} ms |",
        f"| cache filled (every later start) | {cached['wall_s']:.1f} s | {cached['import_s']:.2f} s | "
        f"{cached['first_run_s']:.2f} s | {cached['second_run_s'] * 1e3:.0f} ms |",
        "",
        f"Compiling costs about {first['first_run_s'] - cached['first_run_s']:.1f} s (first run with an empty cache minus "
        f"with a filled one), once per machine and version; target: a user's first run, interpreter start included, "
        f"within {FIRST_RUN_TARGET_S:g} s: {_met(first['wall_s'] <= FIRST_RUN_TARGET_S)}.",
    ]


def write_section(lines: list[str], out: Path) -> None:
    block = "\n".join([BEGIN, *lines, END])
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="refsim through its public API, numpy path and kernel: "
                                                 "writes its section of bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer runs, scale at 100,000 people")
    parser.add_argument("--scale-10m", action="store_true", help="add the 10,000,000-person scale rows (about 3 GB)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--path-child", nargs=4, metavar=("PATH", "SCENARIO", "RUNS", "CALLS"), help=argparse.SUPPRESS)
    parser.add_argument("--scale-child", nargs=2, metavar=("SIZE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.path_child:
        path, scenario_file, runs, calls = args.path_child
        print(json.dumps(path_child(path, Path(scenario_file), int(runs), int(calls))))
        return 0
    if args.scale_child:
        print(json.dumps(scale_child(int(args.scale_child[0]), args.scale_child[1])))
        return 0
    quick = args.quick
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    missing_kernel = kernel_unavailable()
    paths = PATHS if missing_kernel is None else ("numpy",)
    if missing_kernel:
        print(f"kernel figures skipped: {missing_kernel}", flush=True)

    print("import times ...", flush=True)
    imports = import_times(5 if quick else 7)
    print("graph ...", flush=True)
    graph = Graph.barabasi_albert(100_000, seed=100)
    api, default = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = write_cascade_files(graph, Path(folder))
        for path in paths:
            print(f"{path}: cascade through simulate, default scenario (REFSIM_ENGINE={path}) ...", flush=True)
            child = run_child(["--path-child", path, str(scenario_file), str(3 if quick else 15), str(2 if quick else 3)],
                              env={"REFSIM_ENGINE": path})
            api[path], default[path] = child["cascade"], child["default"]
            print(f"  simulate: {api[path]['cold']:.3f} s cold, {api[path]['warm']:.3f} s warm for {REPLICATES} replicates; "
                  f"default run {default[path]['engine'] * 1e3:.1f} ms", flush=True)
    ours = {path: run["cold"] / REPLICATES for path, run in api.items()}
    peers = {}
    for name, runner, runs in (("eon", eon_runner, 5 if quick else 10), ("ndlib", ndlib_runner, 1 if quick else 2),
                               ("mesa", mesa_runner, 1)):
        try:
            peers[name] = timed(name, runs, runner(graph))
        except ImportError as error:
            print(f"  {name}: not installed ({error}); skipped", flush=True)
            continue
        print(f"  {name}: {peers[name].per_run:.3f} s/run", flush=True)
    try:
        cyn = cynetdiff_with_build(graph, REPLICATES)
        cyn_documented = cynetdiff_with_build(graph, REPLICATES, documented=True)
    except ImportError:
        cyn = cyn_documented = math.nan
    graph_n, graph_seeds = graph.n, len(graph.seeds)
    del graph  # before the scale runs: their children are measured, but this machine's memory is shared
    sizes = [100_000] if quick else [1_000_000] + ([10_000_000] if args.scale_10m else [])
    scale = []
    for size in sizes:
        for path in paths:
            print(f"scale: {size:,} people, {path} ...", flush=True)
            scale.append(run_child(["--scale-child", str(size), path]))
            row = scale[-1]
            print(f"  build {row['build_s']:.2f} s, run {row['run_s']:.2f} s, peak {row['peak_mb']:,.0f} MiB", flush=True)
    compiled = None
    if missing_kernel is None:
        print("numba compile (fresh cache) and cached start ...", flush=True)
        compiled = compile_times()
        print(f"  first run {compiled['first']['wall_s']:.1f} s, cached {compiled['cached']['wall_s']:.1f} s", flush=True)
    print("profile ...", flush=True)
    stages, day_ms, numpy_calls = stage_profile(2 if quick else 3)
    load_after = os.getloadavg()[0]

    base_wall, base_cpu = imports["interpreter (python -c pass)"]
    flags = "".join(f" {flag}" for flag, on in (("--quick", quick), ("--scale-10m", args.scale_10m)) if on)
    lines = [
        "## Through the public API (bench/bench_api.py)",
        "",
        f"Written by `python bench/bench_api.py{flags}` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} "
        f"({(time.perf_counter() - started) / 60:.1f} min). Machine: {machine()}; load average {load_before:.1f} at the start. "
        "A shared, loaded machine stretches every wall time; ratios within one run are fairer than absolute figures. "
        "Each path runs in its own fresh process (REFSIM_ENGINE=numpy or kernel)."
        + (f" **No kernel figures**: {missing_kernel}." if missing_kernel else ""),
        "",
        f"**The cascade reduction through `simulate`** (Barabasi-Albert n = {graph_n:,}, m = 5, from an edge-list file; "
        f"{graph_seeds:,} seeds (1%), p = {P}, {REPLICATES} replicates with their no-program twins, 60 days each):",
        "",
        *cascade_lines(api, graph_seeds),
        "- the peers' mean final sizes: " + "; ".join(f"{t.name} {t.mean_size:,.0f}" for t in peers.values()) + ".",
        "",
        "| peer (same graph, seeds, p) | per run | numpy path's speed-up per replicate | kernel's speed-up | "
        "target (kernel) |",
        "|---|---|---|---|---|",
    ]
    labels = {"mesa": ("idiomatic Mesa (bench/mesa_reference.py)", "mesa"), "ndlib": ("NDlib IndependentCascadesModel", "ndlib"),
              "eon": ("EoN basic_discrete_SIR", "eon")}
    for name in ("mesa", "ndlib", "eon"):
        if name in peers:
            lines.append(ratio_line(labels[name][0] + f", {peers[name].runs} run(s)", peers[name].per_run, ours, labels[name][1]))
    if math.isfinite(cyn):
        lines.append(ratio_line(f"cynetdiff, model build counted (1 build from CSR arrays + {REPLICATES} runs)", cyn, ours,
                                "cynetdiff"))
        lines.append(ratio_line(f"cynetdiff, model build counted as its README builds it (`networkx_to_ic_model` on the "
                                f"networkx graph, + {REPLICATES} runs)", cyn_documented, ours, "cynetdiff"))
    first = next(iter(default.values()))
    lines += [
        "",
        f"**The default scenario** ({first['people']:,} people, {first['days']} days), `Engine(..., kernel=...).run()` "
        "with the network built, best of several runs after a warm-up:",
        "",
        *default_lines(default),
        "",
        "**Scale** (the default behaviour on an Erdos-Renyi graph, mean degree 10, 365 days; graph generation included; "
        "one fresh process per row, pinned to one core; peak RSS is the process's VmHWM, the interpreter and imports included):",
        "",
        *scale_lines(scale),
    ]
    if compiled is not None:
        lines += ["", "**Numba's compile** (fresh interpreters; an empty `NUMBA_CACHE_DIR`, then the same directory again):",
                  "", *compile_lines(compiled)]
    lines += [
        "",
        "**Import** (fresh interpreter, best of several, beyond `python -c pass`; target 0.3 s):",
        "",
        "| statement | wall | CPU |",
        "|---|---|---|",
        f"| interpreter alone | {base_wall * 1e3:.0f} ms | {base_cpu * 1e3:.0f} ms |",
    ]
    for label, (wall, cpu) in imports.items():
        if label.startswith("interpreter"):
            continue
        # an import can't cost less than nothing: a difference below zero is the start's own noise
        lines.append(f"| `{label}` | +{max(wall - base_wall, 0.0) * 1e3:.0f} ms | +{max(cpu - base_cpu, 0.0) * 1e3:.0f} ms |")
    lines += [
        "",
        f"**Where a day of the default scenario goes on the numpy path** (cProfile, profiling overhead included): "
        f"{day_ms:.2f} ms per day in `Engine.step`, about {numpy_calls} numpy calls per day.",
        "",
        "| stage (Engine method called by step) | ms per day (profiled) | share of the step | calls per day |",
        "|---|---|---|---|",
        *[f"| `{name}` | {ms:.3f} | {ms / day_ms:.0%} | {calls:.1f} |" for name, ms, calls in stages],
        "",
        f"Load average {load_before:.1f} at the start, {load_after:.1f} at the end.",
    ]
    write_section(lines, args.out)
    print("\n".join(lines))
    return 0

if __name__ == "__main__":
    sys.exit(main())
