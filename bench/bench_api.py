"""What users pay through the public API: the cascade reduction as ``simulate`` runs it,
the default scenario, the import, and where a day of the default scenario goes.

    python bench/bench_api.py            # about a minute on an idle 2-core machine; updates bench/RESULTS.md
    python bench/bench_api.py --quick    # fewer peer runs (Mesa once, NDlib once)

1. **The cascade reduction through the API**: ``load_scenario`` of a YAML file whose
   network is an edge-list file (Barabasi-Albert, n = 100,000, m = 5, networkx seed
   100), 1% random seeds, p = 0.05, then ``simulate(scenario, replicates=10)`` with
   its defaults (no-program twins, the people table of replicate 0, the tables and
   the summary), from a process that has not read the file before (the graph store
   is cleared before each timed call, so reading, hashing and parsing the file once
   is counted). The figure per replicate is that total / 10. The peers run the same
   cascade on the same graph and seeds, timed per run as in run_benchmarks.py
   (idiomatic Mesa, NDlib, EoN), and cynetdiff with its model build counted
   (one build, then 10 runs, / 10). The peers do not read a file: their graph is
   handed to them, so the ratios are conservative for refsim.
2. **The default scenario** (scenarios/default.yaml): one run (``Engine(...).run()``,
   the network built) and one replicate through ``simulate`` (program and twin).
3. **Import**: ``import simulator``, ``refsim --help`` and ``from simulator import
   simulate, load_scenario`` in fresh interpreters, best of 7, minus ``python -c pass``.
4. **Where a day goes**: cProfile over runs of the default scenario, time per engine
   stage (the Engine methods the step calls) per day.

The section it writes into bench/RESULTS.md sits between two marker lines, so
run_benchmarks.py and this script each rewrite only their own part.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
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

    simulate(load_scenario(scenario_file), replicates=2)  # first-call costs: imports (pandas, scipy.special)
    load, run, warm, sizes = [], [], [], []
    for _ in range(calls):
        clear_graph_cache()
        start = time.perf_counter()
        scenario = load_scenario(scenario_file)
        loaded = time.perf_counter()
        results = simulate(scenario, replicates=REPLICATES)
        done = time.perf_counter()
        load.append(loaded - start)
        run.append(done - loaded)
        sizes += results.runs["customers_final"].tolist()
        start = time.perf_counter()
        simulate(scenario, replicates=REPLICATES)
        warm.append(time.perf_counter() - start)
    best = int(np.argmin(np.add(load, run)))
    return {"load": load[best], "simulate": run[best], "cold": load[best] + run[best], "warm": min(warm), "sizes": sizes}


def cynetdiff_with_build(graph: Graph, runs: int) -> float:
    """Seconds per run of cynetdiff, one model build shared by ``runs`` runs and counted."""
    from cynetdiff.models import IndependentCascadeModel

    seeds = [int(s) for s in graph.seeds]
    start = time.perf_counter()
    model = IndependentCascadeModel(np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32),
                                    np.ascontiguousarray(graph.indices, dtype=np.uint32), activation_prob=P)
    for r in range(runs):
        model.set_rng(3000 + r)
        model.set_seeds(seeds)
        model.advance_until_completion()
    return (time.perf_counter() - start) / runs


# --------------------------------------------------------------------------- 2. the default scenario


def default_scenario(runs: int) -> dict:
    from simulator import load_scenario, simulate
    from simulator.engine import Engine

    scenario = load_scenario(DEFAULT_SCENARIO)
    Engine(scenario, 1).run()  # warm-up
    engine_s = []
    for r in range(runs):
        start = time.perf_counter()
        Engine(scenario, 100 + r).run()
        engine_s.append(time.perf_counter() - start)
    start = time.perf_counter()
    simulate(scenario, replicates=runs)
    api = (time.perf_counter() - start) / runs
    return {"engine": min(engine_s), "engine_median": float(np.median(engine_s)), "api_per_replicate": api,
            "days": scenario.days, "people": scenario.population.size}


# --------------------------------------------------------------------------- 3. import


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


# --------------------------------------------------------------------------- 4. where a day goes


def stage_profile(runs: int = 3) -> tuple[list[tuple[str, float, float]], float, int]:
    """Per Engine method called by the step (own + callees), milliseconds per day, and the total per day."""
    import cProfile
    import pstats

    from simulator import load_scenario
    from simulator.engine import Engine

    scenario = load_scenario(DEFAULT_SCENARIO)
    engines = [Engine(scenario, 200 + r) for r in range(runs)]
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


def ratio_line(label: str, peer_per_run: float, ours_per_run: float, target_key: str | None) -> str:
    ratio = peer_per_run / ours_per_run
    target = ""
    if target_key:
        wanted = TARGETS[target_key]
        target = (f"within {1 / wanted:g}x" if wanted < 1 else f">= {wanted:g}x") + (": met" if ratio >= wanted else ": MISSED")
    return f"| {label} | {peer_per_run * 1e3:,.1f} ms | {ratio:,.2f}x | {target} |"


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
    parser = argparse.ArgumentParser(description="refsim through its public API: writes its section of bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="fewer peer runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    quick = args.quick
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    print("import times ...", flush=True)
    imports = import_times(5 if quick else 7)
    print("graph ...", flush=True)
    graph = Graph.barabasi_albert(100_000, seed=100)
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = write_cascade_files(graph, Path(folder))
        print("cascade through simulate ...", flush=True)
        api = api_cascade(scenario_file, calls=2 if quick else 3)
    ours = api["cold"] / REPLICATES
    print(f"  simulate: {api['cold']:.3f} s cold, {api['warm']:.3f} s warm for {REPLICATES} replicates", flush=True)
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
    except ImportError:
        cyn = math.nan
    print("default scenario ...", flush=True)
    default = default_scenario(3 if quick else 5)
    print("profile ...", flush=True)
    stages, day_ms, numpy_calls = stage_profile(2 if quick else 3)
    load_after = os.getloadavg()[0]

    base_wall, base_cpu = imports["interpreter (python -c pass)"]
    lines = [
        "## Through the public API (bench/bench_api.py)",
        "",
        f"Written by `python bench/bench_api.py{' --quick' if quick else ''}` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} "
        f"({(time.perf_counter() - started) / 60:.1f} min). Machine: {machine()}; load average {load_before:.1f} at the start. "
        "A shared, loaded machine stretches every wall time; ratios within one run are fairer than absolute figures.",
        "",
        f"**The cascade reduction through `simulate`** (Barabasi-Albert n = {graph.n:,}, m = 5, from an edge-list file; "
        f"{len(graph.seeds):,} seeds (1%), p = {P}, {REPLICATES} replicates with their no-program twins, 60 days each):",
        "",
        f"- `load_scenario` + `simulate(scenario, replicates={REPLICATES})`, file not read before: {api['cold']:.2f} s "
        f"({api['load']:.2f} s loading: the YAML with its 1,000 seed ids, and reading the graph once; {api['simulate']:.2f} s "
        f"simulating), {ours * 1e3:.1f} ms per replicate; `simulate` again with the graph in memory: {api['warm']:.2f} s.",
        f"- mean final size {np.mean(api['sizes']):,.0f} (± {np.std(api['sizes'], ddof=1) / math.sqrt(len(api['sizes'])):,.0f} se)"
        + "".join(f"; {t.name} {t.mean_size:,.0f}" for t in peers.values()) + ".",
        "",
        "| peer (same graph, seeds, p) | per run | refsim's speed-up per replicate | target |",
        "|---|---|---|---|",
    ]
    labels = {"mesa": ("idiomatic Mesa (bench/mesa_reference.py)", "mesa"), "ndlib": ("NDlib IndependentCascadesModel", "ndlib"),
              "eon": ("EoN basic_discrete_SIR", "eon")}
    for name in ("mesa", "ndlib", "eon"):
        if name in peers:
            lines.append(ratio_line(labels[name][0] + f", {peers[name].runs} run(s)", peers[name].per_run, ours, labels[name][1]))
    if math.isfinite(cyn):
        lines.append(ratio_line(f"cynetdiff, model build counted (1 build + {REPLICATES} runs)", cyn, ours, "cynetdiff"))
    lines += [
        "",
        f"**The default scenario** ({default['people']:,} people, {default['days']} days): one run (`Engine(...).run()`, "
        f"network built) {default['engine'] * 1e3:.0f} ms best, {default['engine_median'] * 1e3:.0f} ms median "
        f"({default['engine'] / default['days'] * 1e3:.2f} ms per day); one replicate through `simulate` "
        f"(program + no-program twin + tables) {default['api_per_replicate'] * 1e3:.0f} ms.",
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
        lines.append(f"| `{label}` | +{(wall - base_wall) * 1e3:.0f} ms | +{(cpu - base_cpu) * 1e3:.0f} ms |")
    lines += [
        "",
        f"**Where a day of the default scenario goes** (cProfile, profiling overhead included): {day_ms:.2f} ms per day in "
        f"`Engine.step`, about {numpy_calls} numpy calls per day.",
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
