"""The compiled kernel's parts: its random numbers (against numpy's samplers and
closed forms), its event queues, and how Engine chooses and drives it. Agreement of
whole runs with the numpy path is in tests/validation/test_kernel_agreement.py."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError
from scipy import stats

from simulator.engine import Engine
from simulator.errors import ScenarioError
from simulator.kernel import queue as qu
from simulator.kernel import rand, unsupported, use_kernel
from simulator.kernel.day import AHEAD
from simulator.kernel.hints import prefetch
from simulator.metrics import COLUMN_INDEX as C

from .conftest import ROOT, small


@njit(cache=True)
def _draws(state, kind, parameter, count):
    out = np.empty(count)
    for i in range(count):
        if kind == 0:
            out[i] = rand.uniform(state, 0)
        elif kind == 1:
            out[i] = rand.poisson(state, 0, parameter)
        elif kind == 2:
            out[i] = rand.geometric(state, 0, parameter)
        elif kind == 3:
            out[i] = rand.exponential(state, 0)
        else:
            out[i] = rand.below(state, 0, int(parameter))
    return out


def draws(kind, parameter=0.0, count=100_000, seed=1):
    return _draws(rand.seed_rows([np.random.default_rng(seed)]), kind, parameter, count)


def test_uniform_and_exponential_follow_their_laws():
    """One-sample KS against the closed-form CDFs (fixed seeds; level 0.001)."""
    assert stats.kstest(draws(0), "uniform").pvalue > 0.001
    assert stats.kstest(draws(3, seed=2), "expon").pvalue > 0.001
    u = draws(0, seed=3)
    assert u.min() >= 0.0 and u.max() < 1.0


@pytest.mark.parametrize("lam", [0.3, 4.0, 9.99, 10.0, 180.0, 9000.0])
def test_poisson_matches_numpy_on_both_sides_of_the_algorithm_switch(lam):
    """Small means by multiplication, 10 and above by PTRS: mean and variance within
    5 standard errors of lam, and a chi-square against numpy's own sampler over the
    central values (fixed seeds; level 0.001)."""
    x = draws(1, lam, 200_000, seed=int(lam * 10))
    se = np.sqrt(lam / len(x))
    assert abs(x.mean() - lam) < 5 * se
    assert abs(x.var() / lam - 1) < 5 * np.sqrt(2 / len(x)) + 0.01
    reference = np.random.default_rng(7).poisson(lam, len(x))
    lo, hi = np.percentile(reference, [1, 99]).astype(int)
    bins = np.arange(lo, hi + 2) if hi - lo < 60 else np.linspace(lo, hi + 1, 40)
    ours, _ = np.histogram(x, bins)
    theirs, _ = np.histogram(reference, bins)
    table = np.array([ours, theirs])
    table = table[:, table.sum(axis=0) > 0]
    assert stats.chi2_contingency(table).pvalue > 0.001


@pytest.mark.parametrize("p", [1.0, 0.5, 0.05, 0.001])
def test_geometric_counts_trials_from_one(p):
    """Mean 1/p and P(X = 1) = p (numpy's convention: trials to the first success)."""
    x = draws(2, p, 100_000, seed=11)
    assert x.min() >= 1
    assert abs(x.mean() - 1 / p) < 5 * np.sqrt((1 - p) / p**2 / len(x)) + 1e-12
    assert abs((x == 1).mean() - p) < 5 * np.sqrt(p * (1 - p) / len(x)) + 1e-12


def test_below_is_uniform_over_its_range():
    x = draws(4, 7, 70_000, seed=5).astype(int)
    counts = np.bincount(x, minlength=7)
    assert x.min() == 0 and x.max() == 6
    assert stats.chisquare(counts).pvalue > 0.001


def test_streams_are_independent_rows():
    """Drawing from one row leaves another row's sequence unchanged (common random numbers)."""
    state = rand.seed_rows([np.random.default_rng(1), np.random.default_rng(2)])
    alone = state.copy()
    _draws(state[:1], 0, 0.0, 50)  # rows are views: draw from row 0 only
    assert np.array_equal(state[1], alone[1]) and not np.array_equal(state[0], alone[0])


@njit
def _gather_with_hints(order, values):
    """values[order] summed, each entry hinted AHEAD reads before it is read (as the day's loops do)."""
    total = 0.0
    for i in range(len(order)):
        if i + AHEAD < len(order):
            prefetch(values, order[i + AHEAD])
        total += values[order[i]]
        values[order[i]] = 0  # a hint ahead of a write changes it no more than one ahead of a read
    return total


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float32, np.float64, np.bool_])
def test_a_cache_hint_changes_nothing_in_the_loop_it_serves(dtype):
    rng = np.random.default_rng(3)
    values = (rng.random(50_000) * 100).astype(dtype)
    order = rng.permutation(50_000)[:20_000]
    expected = float(values[order].astype(np.float64).sum())
    assert _gather_with_hints(order, values) == pytest.approx(expected, rel=1e-12)
    assert not values[order].any() and values.any()


def test_a_cache_hint_takes_a_one_dimensional_array_and_an_integer():
    @njit
    def hint(array, index):
        prefetch(array, index)

    hint(np.zeros(3), 1)
    for array, index in ((np.zeros((2, 2)), 1), (np.zeros(3), 1.5)):
        with pytest.raises(TypingError):
            hint(array, index)


def test_queue_keeps_filing_order_grows_and_reuses_slots():
    heads, tails, pool, meta = qu.empty(10, capacity=16)
    for i in range(100):  # beyond the capacity: the pool doubles
        pool = qu.push(heads, tails, pool, meta, qu.ASKS, 3 + i % 2, i, -i, 0)
    out = np.empty((4, 3), np.int64)
    out, count = qu.take(heads, tails, pool, meta, qu.ASKS, 3, out)
    assert count == 50 and list(out[:count, 0]) == list(range(0, 100, 2)) and list(out[:count, 1]) == [-i for i in range(0, 100, 2)]
    used = meta[qu.USED]
    for i in range(50):  # the freed slots are used again before the pool grows
        pool = qu.push(heads, tails, pool, meta, qu.CHURN, 5, i, 0, 0)
    assert meta[qu.USED] == used
    qu.drop(heads, tails, pool, meta, qu.ASKS, 4)
    out, count = qu.take(heads, tails, pool, meta, qu.ASKS, 4, out)
    assert count == 0
    out, count = qu.take(heads, tails, pool, meta, qu.CHURN, 5, out)
    assert count == 50 and list(out[:count, 0]) == list(range(50))


def test_reserve_gives_put_room_for_as_many_filings_as_asked():
    """The day's loops reserve room once per stage and then file with put, which never
    grows the pool: k filings after reserve(k) stay within it, in filing order."""
    from numba import njit

    @njit
    def reserve_then_put(heads, tails, pool, meta, k, day):
        pool = qu.reserve(pool, meta, k)
        for i in range(k):
            qu.put(heads, tails, pool, meta, qu.INVITES, day, i, 2 * i, 3 * i)
        return pool

    heads, tails, pool, meta = qu.empty(10, capacity=16)
    for k, day in ((10, 2), (40, 3), (300, 4)):  # within the room, then beyond it twice
        pool = reserve_then_put(heads, tails, pool, meta, np.int64(k), np.int64(day))
        assert meta[qu.USED] <= len(pool)
    out = np.empty((4, 3), np.int64)
    out, count = qu.take(heads, tails, pool, meta, qu.INVITES, 4, out)
    assert count == 300 and list(out[:count, 2]) == [3 * i for i in range(300)]
    # 300 slots are free-listed now; put takes those first, so filing 5 more uses no new row
    used = meta[qu.USED]
    pool = reserve_then_put(heads, tails, pool, meta, np.int64(5), np.int64(5))
    assert meta[qu.USED] == used and len(pool) - used >= 5


def test_the_kernel_runs_what_it_compiles_and_says_what_it_does_not():
    assert unsupported(small()) is None
    assert Engine(small(days=20), 1).uses_kernel
    drifting = small(satisfaction={"kind": "nps_mix", "drift_per_year": -1.0})
    assert unsupported(drifting) == "satisfaction.drift_per_year"
    assert not Engine(drifting, 1).uses_kernel  # auto falls back to the numpy path
    with pytest.raises(ScenarioError, match="satisfaction.drift_per_year"):   # a mistake in the input, not a ValueError
        Engine(drifting, 1, kernel=True)
    assert not Engine(small(days=20), 1, kernel=False).uses_kernel


def test_refsim_engine_chooses_the_default_path(monkeypatch):
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    assert not use_kernel(small(), None) and use_kernel(small(), True)
    monkeypatch.setenv("REFSIM_ENGINE", "kernel")
    assert use_kernel(small(), None)
    monkeypatch.setenv("REFSIM_ENGINE", "fast")
    with pytest.raises(ScenarioError, match="valid values are auto, kernel, numpy"):
        use_kernel(small(), None)


@pytest.mark.parametrize("command", ["run", "compare", "optimize", "sensitivity"])
def test_the_kernel_asked_for_where_it_cannot_run_is_refused_before_the_bar(tmp_path, monkeypatch, command):
    """REFSIM_ENGINE=kernel on a scenario with staff mentions (numpy only): the bar showed
    '0/2' before the refusal, and optimize left a study folder that the advised rerun
    (REFSIM_ENGINE=numpy, same --out) then refused as 'a different optimize'. It is now
    the one line, before anything starts or is written."""
    from typer.testing import CliRunner

    from simulator.cli import app

    monkeypatch.setenv("REFSIM_ENGINE", "kernel")
    files = [str(ROOT / "scenarios" / "staff-promotion.yaml")] + ([str(ROOT / "scenarios" / "default.yaml")]
                                                                   if command == "compare" else [])
    study = {"optimize": ["--vary", "program.base_share=0.1:0.3", "--trials", "2"],
             "sensitivity": ["--uncertain", "program.base_share=0.1:0.3"]}.get(command, [])
    result = CliRunner().invoke(app, [command, *files, *study, "--set", "days=10", "--set", "population.size=300", "-r",
                                      "2", "--executor", "serial", "--out", str(tmp_path / "o")])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    # the scenario named, which a compare of two files left to guess
    assert "the compiled kernel does not run program.staff yet (scenario staff-promotion)" in lines[0], lines[0]
    assert not (tmp_path / "o").exists()


def test_compares_kernel_refusal_names_the_design_as_its_report_would(tmp_path, monkeypatch):
    """Two files of one name, the second with a lever the kernel does not run: the refusal
    named the first file's scenario. It names the design as compare labels it."""
    import yaml
    from typer.testing import CliRunner

    from simulator.cli import app

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["program"]["targeting"] = {"daily_capacity": 5}
    (tmp_path / "targeted.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("REFSIM_ENGINE", "kernel")
    result = CliRunner().invoke(app, ["compare", str(ROOT / "scenarios" / "default.yaml"), str(tmp_path / "targeted.yaml"),
                                      "--set", "days=10", "--set", "population.size=300", "-r", "1",
                                      "--executor", "serial", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert f"does not run program.targeting yet (scenario {data['name']} (targeted))" in result.stderr, result.stderr


@pytest.mark.parametrize("command, option", [("optimize", "--vary"), ("sensitivity", "--uncertain")])
def test_a_study_value_the_kernel_cannot_run_is_refused_before_the_study_starts(tmp_path, monkeypatch, command, option):
    """The check looked at the base alone: REFSIM_ENGINE=kernel with a varied
    satisfaction.drift_per_year (0 or 0.3; the kernel runs no drift) drew the bar and
    left an optimize study that the advised rerun under numpy then refused as 'a
    different optimize', naming no REFSIM_ENGINE. Each end is checked up front now; and
    a study started on the default path, rerun under numpy, is told it is REFSIM_ENGINE."""
    from typer.testing import CliRunner

    from simulator.cli import app

    value = "0,0.3" if command == "optimize" else "0:0.3"
    args = [command, str(ROOT / "scenarios" / "default.yaml"), option, f"satisfaction.drift_per_year={value}",
            "--set", "days=10", "--set", "population.size=300", "-r", "1", "--executor", "serial",
            "--out", str(tmp_path / "o"), *(["--trials", "2"] if command == "optimize" else [])]
    monkeypatch.setenv("REFSIM_ENGINE", "kernel")
    result = CliRunner().invoke(app, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert "does not run satisfaction.drift_per_year yet" in lines[0] and not (tmp_path / "o").exists()
    if command != "optimize":
        return
    monkeypatch.setenv("REFSIM_ENGINE", "auto")
    args[3] = "program.base_share=0.1,0.3"   # a study the kernel runs, started on the default path
    assert CliRunner().invoke(app, args).exit_code == 0
    monkeypatch.setenv("REFSIM_ENGINE", "numpy")
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "its REFSIM_ENGINE (unset there, set now) differs" in again.stderr, again.stderr


def test_a_wrong_refsim_engine_is_one_line_from_the_cli(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from simulator.cli import app

    monkeypatch.setenv("REFSIM_ENGINE", "fast")
    result = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "viral.yaml"), "--out", str(tmp_path / "o")])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.stderr + result.stdout
    assert "REFSIM_ENGINE" in lines[0] and "auto, kernel, numpy" in lines[0]
    assert not (tmp_path / "o").exists()
    # REFSIM_GRAPH_CACHE_MB likewise: 'abc' or -5 fell back to the default without a word, 'inf' was a traceback
    monkeypatch.delenv("REFSIM_ENGINE")
    for size in ("abc", "-5", "inf"):
        monkeypatch.setenv("REFSIM_GRAPH_CACHE_MB", size)
        result = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "viral.yaml"), "--out", str(tmp_path / "o")])
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.stderr + result.stdout
        assert lines[0].startswith(f"error: REFSIM_GRAPH_CACHE_MB: '{size}' is not a size"), lines[0]
        assert not (tmp_path / "o").exists()
    from simulator.network.cache import _limit_from_environment

    assert _limit_from_environment() == 256 * 2**20   # read at import: no traceback there either


def test_stepping_day_by_day_is_running_at_once():
    """The Mesa shell steps one day per call; run() hands the kernel every day in one call."""
    scenario = small(days=60)
    whole = Engine(scenario, 8).run()
    stepped = Engine(scenario, 8)
    for _ in range(60):
        stepped.step()
    assert stepped.uses_kernel and np.array_equal(whole.daily, stepped.daily)
    assert np.array_equal(whole.people.state, stepped.people.state)
    assert stepped.daily[-1, C["customers"]] > 0


def test_compared_designs_and_their_twins_run_on_one_path(monkeypatch):
    """A pair drawn on two paths would lose its common random numbers: when the kernel
    cannot run one design (here: delight), every design and every no-program twin of the
    study runs on the numpy stages; otherwise all of them run on the kernel. The two
    designs differ only in their program, so they share one twin (simulator.twins)."""
    from simulator import runner
    from simulator.twins import clear_twin_cache

    paths = []

    class Recording(runner.Engine):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            paths.append(self.uses_kernel)

    monkeypatch.setattr(runner, "Engine", Recording)
    plain = small(days=20, replicates=1)
    delight = small(days=20, replicates=1, name="delight",
                    program={"delight": {"rate": 0.01, "target": "passives"}})
    assert unsupported(delight) == "program.delight"
    clear_twin_cache()
    runner.run_designs([plain, delight], baseline=True)
    assert len(paths) == 3 and not any(paths)
    paths.clear()
    clear_twin_cache()
    runner.run_designs([plain, plain.model_copy(update={"name": "again"})], baseline=True)
    assert len(paths) == 3 and all(paths)


@pytest.mark.parametrize("path", ["numpy", "kernel"])
def test_warm_up_loads_what_forked_workers_would_otherwise_each_compile(path):
    """In a fresh interpreter, warm_up leaves the graph generators' loops and the
    edge-list reader compiled (or loaded) on both paths, and the day kernel only where runs take it."""
    import os
    import subprocess
    import sys

    code = ("from simulator.kernel import warm_up\n"
            "from simulator.kernel.day import run_days\n"
            "from simulator.network.gnp_loop import gnp_keys\n"
            "from simulator.network.growth_loop import grow_sequential\n"
            "from simulator.network.edgelist_loop import parse_pairs\n"
            "warm_up()\n"
            "print(len(grow_sequential.signatures), len(gnp_keys.signatures), len(parse_pairs.signatures), "
            "len(run_days.signatures))")
    env = dict(os.environ, REFSIM_ENGINE=path, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    growth, gnp, edge_list, days = map(int, done.stdout.split())
    assert growth >= 1 and gnp >= 1 and edge_list >= 1
    assert (days >= 1) == (path == "kernel")


class _Exited:
    """A finished second process, as subprocess.Popen shows it."""

    def __init__(self, code):
        self.code = code

    def wait(self, timeout=None):
        return self.code


@pytest.mark.parametrize("code", [0, 1])
def test_graph_loops_compiled_aside_reach_this_cache_only_when_the_process_succeeded(tmp_path, code):
    """warm_up's second process compiles into a directory of its own; its files are
    copied whole into this process's cache if it exited cleanly, and its directory is
    removed either way (a failed one leaves the loops for this process to compile)."""
    import tempfile

    from simulator.kernel import _GraphsAside

    directory = tempfile.TemporaryDirectory(dir=tmp_path)
    source = tmp_path / directory.name / "network_x"
    source.mkdir()
    files = {"gnp_loop.gnp_keys-21.py311.nbi": b"index", "gnp_loop.gnp_keys-21.py311.1.nbc": b"code"}
    for name, data in files.items():
        (source / name).write_bytes(data)
    target = tmp_path / "cache" / "network_x"
    _GraphsAside(_Exited(code), directory, source, target).finish()
    copied = {p.name: p.read_bytes() for p in target.iterdir()} if target.exists() else {}
    assert copied == (files if code == 0 else {})
    assert not source.exists()


def test_an_abandoned_graph_compile_stops_its_process_and_leaves_no_directory(tmp_path):
    import subprocess
    import sys
    import tempfile

    from simulator.kernel import _GraphsAside

    directory = tempfile.TemporaryDirectory(dir=tmp_path)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    _GraphsAside(process, directory, tmp_path / directory.name, tmp_path / "cache").abandon()
    assert process.returncode is not None
    assert list(tmp_path.iterdir()) == []


def test_a_first_kernel_run_with_nothing_compiled_warms_up_once_per_process(monkeypatch):
    """An installation's first kernel run compiles as warm_up does (the graph loops
    aside): once per process, not for numpy-path runs, not again from warm_up's own
    runs, and not at all when the kernel is compiled or cached already."""
    import simulator.kernel as kernel_module
    from simulator.engine import Engine

    from .conftest import small

    calls = []

    def warm_up():  # as the real one: it builds kernel engines of its own
        calls.append(1)
        Engine(small(days=30), 1, kernel=True)

    monkeypatch.setattr(kernel_module, "warm_up", warm_up)
    monkeypatch.setattr(kernel_module, "_first_run", {"started": False, "done": False})
    monkeypatch.setattr(kernel_module, "_nothing_compiled", lambda: True)
    Engine(small(days=30), 1, kernel=False)
    assert calls == []
    Engine(small(days=30), 1, kernel=True)
    Engine(small(days=30), 2, kernel=True)
    assert calls == [1]

    monkeypatch.setattr(kernel_module, "_first_run", {"started": False, "done": False})
    monkeypatch.setattr(kernel_module, "_nothing_compiled", lambda: False)
    Engine(small(days=30), 1, kernel=True)
    assert calls == [1]


def test_nothing_is_compiled_only_before_the_kernel_is_loaded_or_cached():
    """The check compile_first makes: false here, where the kernel has run."""
    from simulator.kernel import _nothing_compiled
    from simulator.engine import Engine

    from .conftest import small

    Engine(small(days=30), 1, kernel=True).run()
    assert _nothing_compiled() is False


def test_a_cache_written_for_another_source_counts_as_nothing_compiled():
    """An upgraded installation finds numba's index of the old kernel/day.py: numba
    compiles again, and the first-run note and the parallel warm-up must say so. In a
    fresh process with the cache filled (the run below writes it), the check is false;
    with the index's source stamp made to differ, as after an upgrade, it is true."""
    import subprocess
    import sys

    from simulator.engine import Engine

    from .conftest import ROOT, small

    Engine(small(days=30), 1, kernel=True).run()
    check = ("from simulator.kernel.day import run_days\n"
             "{patch}"
             "from simulator.kernel import _nothing_compiled\n"
             "print(_nothing_compiled())\n")
    answers = []
    for patch in ("", "run_days._cache._cache_file._source_stamp = (0.0, 0)\n"):
        done = subprocess.run([sys.executable, "-c", check.format(patch=patch)], cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        answers.append(done.stdout.strip())
    assert answers == ["False", "True"]


NEVER_HERE = -1   # a module constant, as kernel/day.py's NEVER

#: every module holding compiled functions: the kernel and the graph loops
COMPILED_MODULES = ("simulator.kernel.day", "simulator.kernel.queue", "simulator.kernel.rand",
                    "simulator.network.csr_loop", "simulator.network.edgelist_loop",
                    "simulator.network.gnp_loop", "simulator.network.growth_loop")


def compiled_dispatchers():
    """(module, name, dispatcher) for each module's own compiled functions, not those it imports."""
    import importlib

    from numba.core.dispatcher import Dispatcher

    found = [(name, attribute, value) for name in COMPILED_MODULES
             for attribute, value in vars(importlib.import_module(name)).items()
             if isinstance(value, Dispatcher) and value.py_func.__module__ == name]
    assert len(found) >= 40
    return found


def test_every_compiled_function_compiles_through_the_lean_pipeline_and_keeps_the_rest_of_numbas():
    """The kernel and the graph loops compile through kernel/cache.py's pipeline: numba's
    nopython passes, in their order, less only InlineClosureLikes and ReconstructSSA (a
    first run's compile without their cost), then numba's own pipeline as the fallback
    where that one refuses a function. A function decorated with a bare njit
    would compile the slower way, and a pipeline that dropped any other pass could
    change the code."""
    from numba.core.compiler import DefaultPassBuilder, StateDict
    from numba.core.untyped_passes import InlineClosureLikes, ReconstructSSA

    from simulator.kernel.cache import LeanPipeline, _WithSSA

    for name, attribute, dispatcher in compiled_dispatchers():
        assert dispatcher._compiler.pipeline_class is LeanPipeline, f"{name}.{attribute}"
        assert dispatcher._cache.__class__.__name__ != "NullCache", f"{name}.{attribute} is not cached on disk"

    class Flags:
        no_rewrites, enable_ssa = False, True
        auto_parallel = type("Off", (), {"enabled": False})()

    state = StateDict()
    state.func_ir, state.flags = None, Flags()
    default = [step[0] for step in DefaultPassBuilder.define_nopython_pipeline(state).passes]
    compiler = LeanPipeline.__new__(LeanPipeline)
    compiler.state = state
    ours, fallback = compiler.define_pipelines()
    assert InlineClosureLikes in default and ReconstructSSA in default
    assert [step[0] for step in ours.passes] == [p for p in default if p not in (InlineClosureLikes, ReconstructSSA)]
    # the fallback, where typing without SSA fails (another numba): numba's own pipeline, SSA on again
    assert [step[0] for step in fallback.passes] == [default[0], _WithSSA, *default[1:]]


def test_a_function_that_types_only_with_ssa_compiles_through_the_fallback_and_computes_alike():
    """Without SSA reconstruction numba refuses a variable that starts as a module
    constant (typed as the literal -1) and later takes a computed value; a numba version
    other than the tests' could refuse more. LeanPipeline's second pipeline, numba's own
    with SSA, then compiles the function, slower but the same: no user is left without a
    kernel. The kernel itself compiles through the first (the test below types it so)."""
    from numba import njit as plain_njit

    from simulator.kernel.cache import LeanPipeline

    def later(n):
        x = NEVER_HERE
        if n > 0:
            x = n + 1
        return x

    lean = plain_njit(pipeline_class=LeanPipeline)(later)
    assert (lean(3), lean(-1)) == (later(3), later(-1)) == (4, -1)
    (compiled,) = lean.overloads.values()
    assert list(compiled.metadata["pipeline_times"]) == ["nopython with SSA"]

    def typed_alike(n):
        x = 0
        if n > 0:
            x = n + 1
        return x

    lean = plain_njit(pipeline_class=LeanPipeline)(typed_alike)
    assert lean(3) == 4
    (compiled,) = lean.overloads.values()
    assert list(compiled.metadata["pipeline_times"]) == ["nopython"]   # the lean pipeline, no fallback


@functools.cache
def _typing_only():
    """kernel/cache.py's pipeline stopped after type inference (nothing is lowered): it
    returns the function's IR, the types of its variables and those of its calls."""
    from numba.core import compiler
    from numba.core.compiler_machinery import FunctionPass, register_pass
    from numba.core.typed_passes import NopythonTypeInference

    from simulator.kernel.cache import LeanPipeline

    @register_pass(mutates_CFG=False, analysis_only=True)
    class StopAfterTyping(FunctionPass):
        _name = "refsim_stop_after_typing"

        def __init__(self):
            FunctionPass.__init__(self)

        def run_pass(self, state):
            raise compiler._EarlyPipelineCompletion((state.func_ir, dict(state.typemap), dict(state.calltypes)))

    class TypingOnly(LeanPipeline):
        def define_pipelines(self):
            manager = super().define_pipelines()[0]   # the lean pipeline alone: no fallback hides a refusal
            kept = [step[0] for step in manager.passes].index(NopythonTypeInference) + 1
            manager.passes = manager.passes[:kept]
            manager.add_pass(StopAfterTyping, "stop after type inference")
            manager._finalized = False
            manager.finalize()
            return [manager]

    return TypingOnly


def _typed(dispatcher, signature):
    """``dispatcher``'s IR for ``signature``, the type inference gives each variable, and
    the signature it gives each call and operation."""
    from numba.core import compiler

    flags = compiler.Flags()
    dispatcher.targetdescr.options.parse_as_flags(flags, dispatcher.targetoptions)
    return compiler.compile_extra(dispatcher.targetdescr.typing_context, dispatcher.targetdescr.target_context,
                                  dispatcher.py_func, signature.args, None, flags, {},
                                  pipeline_class=_typing_only())


def _widens(narrow, wide) -> bool:
    """Whether every value of type ``narrow`` is the same value, and computes the same,
    as type ``wide``: the same type (literals as their type), or a narrower integer of
    the same signedness (numba computes with int64 whatever the width it reads)."""
    from numba.core import types

    narrow, wide = types.unliteral(narrow), types.unliteral(wide)
    if narrow == wide:
        return True
    return (isinstance(narrow, types.Integer) and isinstance(wide, types.Integer)
            and narrow.signed == wide.signed and narrow.bitwidth <= wide.bitwidth)


def test_without_ssa_every_assignment_keeps_its_values_type_or_widens_an_integer():
    """kernel/cache.py compiles without SSA reconstruction, so a variable assigned in two
    places that control flow joins has one type, the unification of what each assignment
    gives it. That is safe only where the unification changes no arithmetic: each value
    must keep its type, or be an integer widened to a wider one of the same sign (a
    person read from an int32 array into a variable that also takes int64 people;
    numba computes integers as int64 anyway). A name reused for a count and then a
    rate would compute the count as a float, and a float32 joined with a float64 would
    compute in float64; type inference refuses most such code, but not these."""
    import numba
    from numba.core import ir

    from simulator.kernel import warm_up

    warm_up()  # the entry points' signatures, as a run calls them
    checked, seen = 0, set()
    while True:  # typing a caller loads or compiles its callees: their signatures come in as it goes
        todo = [(name, attribute, dispatcher, signature) for name, attribute, dispatcher in compiled_dispatchers()
                for signature in dispatcher.nopython_signatures if (dispatcher, signature) not in seen]
        if not todo:
            break
        for name, attribute, dispatcher, signature in todo:
            seen.add((dispatcher, signature))
            func_ir, typemap, calltypes = _typed(dispatcher, signature)
            for block in func_ir.blocks.values():
                for statement in block.find_insts(ir.Assign):
                    value = statement.value
                    if statement.target.name.startswith("$") or isinstance(value, ir.Arg):
                        continue  # numba's temporaries are assigned once each, and the arguments on entry
                    if isinstance(value, ir.Var):
                        given = typemap[value.name]
                    elif isinstance(value, ir.Expr):
                        given = calltypes[value].return_type  # a call's, an operator's or an index's result
                    else:
                        given = numba.typeof(value.value)  # a constant, or a module's
                    held = typemap[statement.target.name]
                    assert _widens(given, held), (
                        f"{name}.{attribute}{signature.args}, line {statement.loc.line}: "
                        f"'{statement.target.name}' holds {held} but is given {given} here: "
                        f"give this value a variable of its own")
                    checked += 1
    unchecked = {f"{name}.{attribute}" for name, attribute, dispatcher in compiled_dispatchers()
                 if dispatcher not in {d for d, _ in seen}}
    # no run of warm_up's calls these (a queue filled at set-up, a draw only tests make) or
    # compiles them alone (_rotl is inlined into its callers, and checked there)
    assert unchecked <= {"simulator.kernel.queue.push", "simulator.kernel.queue.push_many",
                         "simulator.kernel.rand.exponential", "simulator.kernel.rand._rotl"}, unchecked
    assert checked > 500  # about 600 in 2026-12


@pytest.mark.slow
def test_processes_warming_up_together_on_a_fresh_cache_compile_the_kernel_once(tmp_path):
    """Two processes started together on a first run (a Dask cluster's workers, a test
    suite's) each compiled the kernel, every compile slowed by the other. One warms up
    at a time now (kernel._compiling): the other waits, then loads what the first
    compiled. Each process reports whether numba compiled run_days (a cache miss) or
    loaded it (a hit): exactly one compiles, on a cache folder neither had seen."""
    import os
    import subprocess
    import sys

    report = ("from simulator.kernel import warm_up\nwarm_up()\nfrom simulator.kernel.day import run_days\n"
              "print(sum(run_days.stats.cache_misses.values()), sum(run_days.stats.cache_hits.values()))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "REFSIM_ENGINE": "auto"}
    env.pop("NUMBA_CACHE_DIR", None)
    started = [subprocess.Popen([sys.executable, "-c", report], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    counts = sorted(tuple(map(int, process.communicate(timeout=600)[0].split())) for process in started)
    assert [process.returncode for process in started] == [0, 0]
    (_, loaded_hits), (compiled_misses, _) = counts
    assert counts[0][0] == 0 and loaded_hits > 0 and compiled_misses > 0, counts
    assert (tmp_path / "cache" / "refsim").exists()
