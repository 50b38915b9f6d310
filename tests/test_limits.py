"""Limits checked before any work: impossible networks, the command line's numbers
against the schema's bounds, and the memory estimate (with the free memory given,
so that the outcome does not depend on the machine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import limits
from simulator.cli import app
from simulator.errors import ScenarioError
from simulator.limits import PER_PERSON, PER_PROCESS, PER_TIE, RUN_FIXED, check_memory, check_options, run_bytes

from .conftest import SCENARIOS, small

GIB = 2**30


def test_validate_refuses_a_mean_degree_above_the_number_of_other_people(tmp_path):
    path = tmp_path / "dense.yaml"
    path.write_text("name: dense\npopulation: {size: 500, initial_customers: 5}\n"
                    "network: {kind: erdos_renyi, mean_degree: 1000}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {path}: network.mean_degree (line 3): mean_degree 1000 is impossible for "
                                     f"500 people; valid: 0 < mean_degree <= 499")


def test_a_mean_degree_of_everyone_else_is_allowed():
    limits.check_network(small(population={"size": 500, "initial_customers": 5},
                               network={"kind": "erdos_renyi", "mean_degree": 499}))


@pytest.mark.parametrize("option, value", [("replicates", 0), ("replicates", 1_000_001), ("replicates", 10**9),
                                           ("seed", -1), ("seed", 2**63), ("seed", 2**70), ("workers", 0),
                                           ("workers", 10**6)])
def test_options_outside_the_schema_bounds_are_refused(option, value):
    with pytest.raises(ScenarioError) as error:
        check_options(**{option: value})
    assert error.value.key == f"--{option}"


def test_options_at_the_schema_bounds_are_accepted():
    check_options(replicates=1, seed=0, workers=1)
    check_options(replicates=1_000_000, seed=2**63 - 1, workers=64)


def test_the_estimate_is_people_and_ties_times_their_costs():
    scenario = small(population={"size": 10_000, "initial_customers": 10}, network={"kind": "erdos_renyi", "mean_degree": 8})
    one_run = RUN_FIXED + PER_PERSON * 10_000 + PER_TIE * 40_000
    assert run_bytes(10_000, 40_000) == one_run
    need = check_memory([scenario], replicates=1, workers=1, collect=False, available=100 * GIB)
    assert need == one_run  # one run in this process: no worker process to count


#: One run in a fresh interpreter with the kernel loaded: the growth of its peak resident memory (VmHWM over
#: VmRSS before the scenario is loaded), in bytes, and the estimate for it, printed as two numbers.
_MEASURE = """
import sys
from simulator import limits, load_scenario, simulate
from simulator.kernel import warm_up

def status(field):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(field + ":"))

warm_up()
before = status("VmRSS")
scenario = load_scenario(sys.argv[1], sys.argv[2:])
simulate(scenario, replicates=1, executor="serial")
print(status("VmHWM") - before, limits.scenario_bytes(scenario))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize("network, people", [("{kind: erdos_renyi, mean_degree: 2}", 1_000_000),
                                             ("{kind: erdos_renyi, mean_degree: 10}", 1_000_000),
                                             ("{kind: powerlaw_cluster, mean_degree: 40}", 1_000_000),
                                             ("{kind: stochastic_block, mean_degree: 400}", 100_000),
                                             ("edgelist", 1_000_000)])
def test_the_estimate_is_above_a_measured_run_and_within_a_factor_of_it(tmp_path, network, people):
    """The estimate counted 250 B a person and 80 B a tie for every network, measured on
    edge lists: 620 MiB for a generated run of 1,000,000 people that peaked at 363 MiB
    (6.1 GiB for 10,000,000 that peaked at 2.9), refusing runs that fitted; and a
    sparse generated network's people's arrays outgrew it; then 30 B a tie fell below the
    peaks of dense networks (a stochastic block model of 100,000 people at mean degree
    1,000 peaked at 2,006 MiB against 1,539). Measured here: the estimate stays above
    the peak (it refuses what cannot fit) and within 1.6 times it."""
    import subprocess
    import sys

    import numpy as np

    if network == "edgelist":
        rng = np.random.default_rng(5)
        ends = rng.integers(0, people, size=(5_000_000, 2))
        ends = ends[ends[:, 0] != ends[:, 1]]
        ends[0] = (0, people - 1)   # every id up to people - 1 named, so the file holds the people asked for
        np.savetxt(tmp_path / "g.txt", ends, fmt="%d")
        network = f"{{kind: edgelist, path: {tmp_path / 'g.txt'}}}"
    sets = [f"population.size={people}", "days=60", f"network={network}"]
    measured, estimate = map(int, subprocess.run([sys.executable, "-c", _MEASURE, str(SCENARIOS / "default.yaml"), *sets],
                                                 capture_output=True, text=True, check=True).stdout.split())
    assert measured < estimate < 1.6 * measured, (measured / 2**20, estimate / 2**20)


def test_workers_are_counted_only_up_to_the_number_of_runs():
    scenario = small()
    two = check_memory([scenario], replicates=2, workers=64, collect=False, available=100 * GIB)
    per_run = run_bytes(2000, limits.ties_of(scenario))
    assert two == 2 * (per_run + PER_PROCESS)


def test_too_many_people_is_refused_with_what_would_fit():
    scenario = small(population={"size": 50_000_000, "initial_customers": 10},
                     network={"kind": "erdos_renyi", "mean_degree": 1000})
    with pytest.raises(ScenarioError, match="would fit: about") as error:
        check_memory([scenario], replicates=1, workers=1, available=16 * GIB)
    message = str(error.value)
    assert "50,000,000 people" in message and "25,000,000,000 ties" in message
    fits = int(message.split("would fit: about ")[1].split(" people")[0].replace(",", ""))
    # the people that fit, run back through the estimate, fit
    assert run_bytes(fits, fits * 500) <= 16 * GIB * limits.HEADROOM


def test_too_many_workers_is_refused_with_the_workers_that_fit():
    scenario = small(population={"size": 2_000_000, "initial_customers": 10}, network={"kind": "erdos_renyi", "mean_degree": 10})
    per_run = run_bytes(2_000_000, 10_000_000)
    available = int(5 * (per_run + PER_PROCESS) / limits.HEADROOM) + 2**20
    with pytest.raises(ScenarioError, match="would fit: --workers 5"):
        check_memory([scenario], replicates=64, workers=64, collect=False, available=available)
    check_memory([scenario], replicates=64, workers=5, collect=False, available=available)
    # room for one run in this process but not for two with their interpreters: --workers 1, which then passes (it
    # was "one run needs ... would fit: about N people", N above the scenario's, refused again when taken)
    available = int((per_run + PER_PROCESS // 2) / limits.HEADROOM)
    with pytest.raises(ScenarioError, match="would fit: --workers 1$"):
        check_memory([scenario], replicates=2, workers=2, collect=False, available=available)
    check_memory([scenario], replicates=2, workers=1, collect=False, available=available)
    # and with no room even for that, the people named are those of one run in this process
    with pytest.raises(ScenarioError, match="people at this mean degree with --workers 1"):
        check_memory([scenario], replicates=2, workers=2, collect=False, available=int(per_run / 2))


def test_a_remote_cluster_counts_only_the_parent():
    scenario = small(population={"size": 50_000_000, "initial_customers": 10})
    assert check_memory([scenario], replicates=10, workers=8, remote=True, available=GIB) < GIB


def test_the_edge_list_file_decides_people_and_ties(tmp_path):
    from simulator.scenario_io import load_scenario

    (tmp_path / "g.txt").write_text("0 1\n1 49999999\n")  # 12 bytes of ties, 50 million people
    path = tmp_path / "s.yaml"
    path.write_text("name: sparse\nnetwork: {kind: edgelist, path: g.txt}\npopulation: {initial_customers: 1}\n")
    scenario = load_scenario(path)
    assert limits.people_of(scenario) == 50_000_000 and limits.ties_of(scenario) == 2
    with pytest.raises(ScenarioError, match="50,000,000 people"):
        check_memory([scenario], replicates=1, workers=1, available=4 * GIB)


def test_a_sweep_with_ten_million_samples_is_refused_by_its_size():
    with pytest.raises(ScenarioError, match="would fit: about"):
        limits.check_sweep_memory(10_000_000, 10, 3, 6, available=16 * GIB)
    limits.check_sweep_memory(1_000, 10, 3, 6, available=16 * GIB)


def test_validate_refuses_what_one_run_cannot_fit(monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "available_memory", lambda: 2 * GIB)
    path = tmp_path / "big.yaml"
    path.write_text("name: big\npopulation: {size: 40000000, initial_customers: 5}\nnetwork: {kind: erdos_renyi, mean_degree: 10}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {path}: memory: one run needs about")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_refuses_before_any_work(monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "available_memory", lambda: 10 * 2**20)
    ran = []
    monkeypatch.setattr("simulator.runner.run_designs", lambda *a, **k: ran.append(1))
    result = CliRunner().invoke(app, ["run", str(SCENARIOS / "default.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "memory" in result.stderr and not ran
    assert not (tmp_path / "out").exists()


def test_available_memory_is_a_positive_number_of_bytes():
    assert limits.available_memory() > 0


def test_the_cgroup_limit_is_read_where_this_process_is_under_v2_and_v1(tmp_path):
    """Only the root's v2 memory.max was read: a v1 limit (Docker on older hosts) or a v2
    limit on a sub-cgroup (a systemd slice) went unseen, and a run too large for it was
    killed by the out-of-memory killer instead of refused. The process's own cgroup is
    read from /proc/self/cgroup, the tightest limit on its path up to the root counts,
    and v1's 'no limit' (about 2^63) is none."""
    root, own = tmp_path / "cgroup", tmp_path / "self"

    def limit(folder, name, value, used_name, used):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{value}\n")
        (folder / used_name).write_text(f"{used}\n")

    own.write_text("0::/slice/job\n")
    limit(root, "memory.max", "max", "memory.current", 5 * GIB)
    limit(root / "slice", "memory.max", 8 * GIB, "memory.current", 3 * GIB)
    limit(root / "slice" / "job", "memory.max", 6 * GIB, "memory.current", 2 * GIB)
    assert limits._cgroup_room(own, root) == 4 * GIB          # the job's 6 - 2, tighter than the slice's 8 - 3
    (root / "slice" / "job" / "memory.stat").write_text(f"anon 100\ninactive_file {GIB}\n")
    assert limits._cgroup_room(own, root) == 5 * GIB          # page cache the kernel gives back is not in use
    (root / "slice" / "job" / "memory.stat").unlink()
    (root / "slice" / "job" / "memory.max").write_text("max\n")
    assert limits._cgroup_room(own, root) == 5 * GIB          # the slice's
    own.write_text("12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n")
    v1 = root / "memory"
    limit(v1, "memory.limit_in_bytes", 2**63 - 4096, "memory.usage_in_bytes", GIB)   # v1's "no limit"
    assert limits._cgroup_room(own, root) is None
    limit(v1 / "docker" / "abc", "memory.limit_in_bytes", GIB, "memory.usage_in_bytes", GIB // 4)
    assert limits._cgroup_room(own, root) == GIB - GIB // 4
    # inside a container the host's path is not there: the mount's own root holds the container's limit
    own.write_text("4:memory:/docker/other\n")
    (v1 / "memory.limit_in_bytes").write_text(f"{3 * GIB}\n")
    assert limits._cgroup_room(own, root) == 2 * GIB
    assert limits._cgroup_room(tmp_path / "missing", root) is None


def test_the_daily_rows_estimate_counts_every_daily_column():
    """DAILY_BYTES counted 17 float64 columns while a run now keeps 29: a long run of
    many replicates was estimated at half its use, passed the check and was killed."""
    from simulator.metrics import DAILY_COLUMNS

    assert limits.DAILY_BYTES == len(DAILY_COLUMNS) * 8 * 3 * 2


def test_a_sweeps_memory_is_checked_at_its_largest_point_not_its_base(monkeypatch, tmp_path):
    """The memory check sized a sweep's base alone: a 100-person base swept to 50,000,000
    people passed its dry run (and would have taken ~34 GiB a run), while a complete
    network of 60,000 people swept over 100 and 200 was refused for its 134 GiB. The
    largest size (and mean degree) the sweep gives is checked, named by the sweep file."""
    monkeypatch.setattr(limits, "available_memory", lambda: 2 * GIB)
    (tmp_path / "small.yaml").write_text("population: {size: 100, initial_customers: 2}\ndays: 5\n")
    (tmp_path / "big.yaml").write_text("population: {size: 60000, initial_customers: 2}\nnetwork: {kind: complete}\n"
                                       "days: 5\n")

    def sweep(base, sizes):
        path = tmp_path / f"{base}-{sizes[-1]}.sweep.yaml"
        path.write_text(f"name: s\nbase: {base}.yaml\nmethod: grid\nparameters:\n  population.size: {{values: {sizes}}}\n"
                        f"replicates: 1\nseed: 1\n")
        return CliRunner().invoke(app, ["sweep", str(path), "--dry-run"])

    grown = sweep("small", [100, 50_000_000])
    assert grown.exit_code == 2 and "(its largest point): memory: one run needs about" in grown.stderr
    assert "50,000,000 people" in grown.stderr
    shrunk = sweep("big", [100, 200])
    assert shrunk.exit_code == 0 and "would run" in shrunk.stdout, shrunk.output


def test_a_sweep_over_network_kinds_is_sized_by_the_kinds_it_runs(tmp_path):
    """The largest point took the base's network kind: a complete base of 4,000 swept over
    erdos_renyi and watts_strogatz, at up to 200,000 people, was refused for 1,490 GiB,
    a complete network no point builds. Each swept kind is sized instead, and its points
    run (a base whose own complete network is too large for any run is no point's)."""
    (tmp_path / "c4k.yaml").write_text("population: {size: 4000, initial_customers: 2}\nnetwork: {kind: complete}\ndays: 3\n")
    (tmp_path / "c6k.yaml").write_text("population: {size: 6000, initial_customers: 2}\nnetwork: {kind: complete}\ndays: 3\n")
    (tmp_path / "r1.yaml").write_text("name: r1\nbase: c4k.yaml\nmethod: grid\nparameters:\n"
                                      "  network.kind: {values: [erdos_renyi, watts_strogatz]}\n"
                                      "  population.size: {values: [4000, 200000]}\nreplicates: 1\nseed: 1\n")
    dry = CliRunner().invoke(app, ["sweep", str(tmp_path / "r1.yaml"), "--dry-run"])
    assert dry.exit_code == 0 and "4 would run" in dry.stdout, dry.output
    (tmp_path / "r2.yaml").write_text("name: r2\nbase: c6k.yaml\nmethod: grid\nparameters:\n"
                                      "  network.kind: {values: [erdos_renyi, watts_strogatz]}\nreplicates: 1\nseed: 1\n")
    done = CliRunner().invoke(app, ["sweep", str(tmp_path / "r2.yaml"), "--executor", "serial", "--out", str(tmp_path / "o")])
    assert done.exit_code == 0 and "0 failed" in done.stdout, done.output
    # an entry of a degree list mends the list: the base's own (a degree of 6 among 6) is no point's
    (tmp_path / "deg.yaml").write_text("population: {size: 6, initial_customers: 1}\n"
                                       "network: {kind: configuration, degrees: [6, 1, 1, 1, 1, 2]}\ndays: 3\n")
    (tmp_path / "d1.yaml").write_text("name: d1\nbase: deg.yaml\nmethod: grid\nparameters:\n"
                                      "  network.degrees.0: {values: [2, 4]}\nreplicates: 1\nseed: 1\n")
    done = CliRunner().invoke(app, ["sweep", str(tmp_path / "d1.yaml"), "--executor", "serial", "--out", str(tmp_path / "d")])
    assert done.exit_code == 0 and "0 failed" in done.stdout, done.output


def test_the_decision_commands_refuse_what_their_largest_run_cannot_fit_before_any_work(monkeypatch, tmp_path):
    """run, compare and sweep refused a 30,000,000-person world in one line; optimize,
    sensitivity and calibrate started it, sat at 0/22 and left optuna.sqlite3 behind.
    They now check the largest run a study can reach (its designs at each end of the
    ranges: here population.size varied up to 2,000,000 where the base has 20,000) on
    its workers, before anything is written."""
    import simulator.evaluation as evaluation

    free = 600 * 2**20   # a 20,000-person run fits; 2,000,000 people (about 500 MB a run) on two workers does not
    monkeypatch.setattr(limits, "available_memory", lambda: free)
    ran = []
    monkeypatch.setattr(evaluation, "run_request", lambda request: ran.append(1))
    pilot = tmp_path / "pilot.csv"
    pilot.write_text("day,new_organic\n0,0\n1,3\n2,4\n")
    default = str(SCENARIOS / "default.yaml")
    for command in (["optimize", default, "--vary", "population.size=20000:2000000", "--trials", "2"],
                    ["sensitivity", default, "--uncertain", "population.size=20000:2000000"],
                    ["calibrate", default, "--data", str(pilot), "--fit", "population.size=20000:2000000"]):
        out = tmp_path / command[0]
        result = CliRunner().invoke(app, [*command, "--workers", "2", "--out", str(out)])
        assert result.exit_code == 2 and "memory: " in result.stderr and "2,000,000 people" in result.stderr, \
            (command[0], result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and not ran and not out.exists(), command[0]
    # within the memory free, the same check passes: the refusal is of the size, not of the command
    assert limits.check_memory([small()], replicates=1, workers=2, collect=False, available=free) > 0
