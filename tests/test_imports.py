"""`import simulator` and `refsim --help` must not load the heavy libraries: they cost
seconds on a loaded machine and a user who asks for help needs none of them.

A behaviour check on ``sys.modules`` in a fresh interpreter, not a wall-time one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "pandas", "dask", "matplotlib", "solara", "networkx", "optuna", "SALib", "pyabc", "mesa", "numba", "llvmlite")


def loaded_after(code: str) -> list[str]:
    """Top-level heavy packages present in sys.modules after running ``code`` in a new interpreter."""
    probe = code + f"\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_simulator_loads_no_heavy_library():
    assert loaded_after("import simulator") == []


def test_help_loads_no_heavy_library_and_still_lists_the_commands():
    code = ("import contextlib, io, sys\n"
            "sys.argv = ['refsim', '--help']\n"
            "from simulator.cli import main\n"
            "text = io.StringIO()\n"
            "with contextlib.redirect_stdout(text):\n"
            "    try:\n"
            "        main()\n"
            "    except SystemExit:\n"
            "        pass\n"
            "assert 'run' in text.getvalue() and 'compare' in text.getvalue(), text.getvalue()\n")
    assert loaded_after(code) == []


def test_the_engine_loads_networkx_only_for_the_k_core_strategy():
    """networkx costs about a third of a second to import; only k-core seeding (and the
    classroom app's layout) use it, so a run's imports leave it out."""
    assert "networkx" not in loaded_after("from simulator.engine import Engine\nfrom simulator import simulate")
    code = ("import numpy as np\n"
            "from simulator.behaviour.seeding import core_numbers\n"
            "from simulator.network import Network\n"
            "# a triangle 0-1-2 with a pendant 3 on 2: cores 2, 2, 2, 1\n"
            "net = Network(np.array([0, 2, 4, 7, 8]), np.array([1, 2, 0, 2, 0, 1, 3, 2]), np.zeros(8, bool))\n"
            "assert core_numbers(net).tolist() == [2, 2, 2, 1], core_numbers(net)\n")
    assert "networkx" in loaded_after(code)


def test_public_names_still_load_on_first_use():
    import simulator

    from simulator import Results, Scenario, ScenarioError, load_scenario, simulate  # noqa: F401

    assert set(simulator.__all__) <= set(dir(simulator))
    assert simulator.simulate is simulate and callable(load_scenario) and issubclass(ScenarioError, Exception)
    # the Mesa model is public too: the README imports it from the package
    from simulator import ReferralModel
    from simulator.model import ReferralModel as defined

    assert ReferralModel is defined and "ReferralModel" in simulator.__all__
    assert isinstance(simulator.__version__, str) and simulator.__version__


def test_simulate_still_tabulates_results():
    # the pandas and scipy imports moved into the functions that build the tables
    assert set(loaded_after("import simulator.runner")) & {"pandas", "scipy"} == set()
    from simulator.runner import interval

    # t(0.975, 1) = 12.7062047... (tables), so two values 0 and 2 give mean 1 ± 12.7062 * sqrt(2) / sqrt(2)
    result = interval([0.0, 2.0])
    assert abs(result["ci_high"] - 1 - 12.706204736) < 1e-6


def test_the_t_and_normal_helpers_are_scipy_stats_bit_for_bit():
    """metrics.t_quantile, t_sf and normal_quantile stand in for scipy.stats.t.ppf, t.sf and
    norm.ppf (reference: scipy.stats itself), including the edges: infinite and invalid
    degrees of freedom, infinite and missing statistics."""
    import numpy as np
    from scipy import stats

    from simulator.metrics import normal_quantile, t_quantile, t_sf

    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(0.0, 1.0, 5000), [0.0, 0.5, 0.975, 1.0, np.nan, -0.1, 1.1]])
    dof = np.concatenate([rng.integers(1, 400, 2500), rng.uniform(0.2, 1e7, 2500), [1, np.inf, 0, -1, np.nan, 3, 3]])
    x = np.concatenate([rng.normal(0.0, 4.0, 5000), [np.inf, -np.inf, np.nan, 0.0, 2.0, 2.0, 2.0]])
    assert np.array_equal(t_quantile(p, dof), stats.t.ppf(p, dof), equal_nan=True)
    assert np.array_equal(t_sf(x, dof), stats.t.sf(x, dof), equal_nan=True)
    assert np.array_equal(normal_quantile(p), stats.norm.ppf(p), equal_nan=True)
    # and the tables' values: t(0.975, 4) = 2.7764451, z(0.975) = 1.9599640
    assert abs(t_quantile(0.975, 4) - 2.7764451) < 1e-7 and abs(normal_quantile(0.975) - 1.9599640) < 1e-7


def test_compare_and_a_grid_sweep_leave_scipy_stats_unloaded(tmp_path):
    """Their intervals need only the t quantile: importing scipy.stats for it cost about
    0.4-0.7 s of every compare and sweep command (a fixed cost of a sweep on many workers)."""
    base = {"name": "small", "days": 20, "replicates": 3, "seed": 5,
            "population": {"size": 300, "initial_customers": 5},
            "program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10}}}
    import yaml

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({**base, "name": "other",
                                                     "program": {"incentive": {"kind": "none"}}}))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({
        "name": "grid", "base": "a.yaml", "method": "grid", "replicates": 2, "seed": 3,
        "parameters": {"program.incentive.referrer_reward": {"values": [0, 10]}}}))
    code = ("import sys\n"
            "from simulator.cli import main\n"
            f"for argv in (['compare', {str(tmp_path / 'a.yaml')!r}, {str(tmp_path / 'b.yaml')!r}, '--out', "
            f"{str(tmp_path / 'c')!r}, '--executor', 'serial'],\n"
            f"             ['sweep', {str(tmp_path / 's.yaml')!r}, '--out', {str(tmp_path / 'w')!r}, '--executor', 'serial']):\n"
            "    sys.argv = ['refsim', *argv]\n"
            "    try:\n"
            "        main()\n"
            "    except SystemExit as stop:\n"
            "        assert stop.code in (0, None), stop.code\n"
            "assert 'scipy.stats' not in sys.modules\n")
    loaded = loaded_after(code)
    assert "scipy" in loaded   # the t quantile came from scipy.special
    assert (tmp_path / "c" / "comparison.csv").exists() and (tmp_path / "w" / "points.csv").exists()


def test_a_module_named_through_the_package_loads_after_import_simulator_alone():
    """The docs write simulator.compare.compare and simulator.report.write_comparison;
    after ``import simulator`` alone they raised AttributeError (a fresh interpreter:
    another test's imports would have bound the modules already). A name that is no
    module is still refused."""
    code = ("import simulator\n"
            "assert callable(simulator.compare.compare) and callable(simulator.report.write_comparison)\n"
            "assert simulator.evaluation.Evaluator.__name__ == 'Evaluator'\n"
            "for name in ('nosuch', '_private'):\n"
            "    try:\n"
            "        getattr(simulator, name)\n"
            "    except AttributeError as error:\n"
            "        assert name in str(error)\n"
            "    else:\n"
            "        raise AssertionError(name)\n")
    assert "pandas" in loaded_after(code)   # the modules, loaded when named
